/* lsp/diagnostics.c — module dependency cycles as warnings.
 *
 * A cycle is a strongly connected set of modules (query_cycles). It is
 * reported where it is written: at every `use` declaration (a USES edge
 * flagged EDGE_IMPORT) inside one module of the set that names something
 * owned by another module of the set; failing those, at the other uses
 * (signatures, bodies); for a cycle made of calls alone, at the calls. Pull
 * clients ask (workspace/diagnostic, textDocument/diagnostic); the others
 * get textDocument/publishDiagnostics after updates.
 */
#define _GNU_SOURCE
#include "server.h"

#include "../graph/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MEMBERS 6 /* modules named in a message; the rest are counted */

/* ---- a small id → id map (entity → owning module) --------------------------- */

typedef struct {
	uint64_t *k, *v;
	size_t cap, n;
} idmap;

static size_t slot(const idmap *m, uint64_t k)
{
	size_t i = (size_t)(k * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->k[i] && m->k[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void put(idmap *m, uint64_t k, uint64_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		idmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 1024;
		m->k = pt_xcalloc(m->cap, sizeof *m->k);
		m->v = pt_xcalloc(m->cap, sizeof *m->v);
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.k[i])
				put(m, old.k[i], old.v[i]);
		free(old.k);
		free(old.v);
	}
	size_t i = slot(m, k);
	if (!m->k[i])
		m->n++;
	m->k[i] = k;
	m->v[i] = v;
}

static bool get(const idmap *m, uint64_t k, uint64_t *v)
{
	if (!m->cap)
		return false;
	size_t i = slot(m, k);
	if (!m->k[i])
		return false;
	*v = m->v[i];
	return true;
}

static void idmap_free(idmap *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* ---- finding the sites ----------------------------------------------------------- */

typedef struct {
	lsp_root *r;
	store_txn *txn;
	idmap owner;  /* entity → owning module (0: none) */
	idmap member; /* module → 1 + index of its cycle */
	json_t *out;  /* uri → Diagnostic[] (graph coordinates) */
} finder;

/* The module (or crate) that owns an entity: itself, or its nearest
 * module ancestor; 0 if none. */
static uint64_t owner_of(finder *f, uint64_t id)
{
	uint64_t o, start = id;
	if (get(&f->owner, id, &o))
		return o;
	o = 0;
	for (int hops = 0; hops < 64 && id; hops++) {
		rec_entity e;
		if (query_entity(f->txn, id, &e) != PT_OK)
			break;
		if (e.kind == PT_MODULE || e.kind == PT_CRATE) {
			o = id;
			break;
		}
		id = e.parent;
	}
	put(&f->owner, start, o);
	return o;
}

static json_t *cycle_message(store_txn *txn, const uint64_t *m, size_t n)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "module dependency cycle (%zu modules): ", n);
	size_t shown = n <= MSG_MEMBERS ? n : MSG_MEMBERS;
	for (size_t i = 0; i < shown; i++) {
		rec_entity e;
		if (query_entity(txn, m[i], &e) == PT_OK)
			pt_strbuf_printf(&b, "%s%s", i ? " → " : "", e.qpath);
	}
	rec_entity first;
	if (shown < n)
		pt_strbuf_printf(&b, " → … (%zu more)", n - shown);
	else if (query_entity(txn, m[0], &first) == PT_OK)
		pt_strbuf_printf(&b, " → %s", first.qpath);
	json_t *j = pt_json_bytes(b.buf); /* names may hold bytes that are not UTF-8 */
	pt_strbuf_free(&b);
	return j;
}

static void add(finder *f, const rec_edge *ed, json_t *msg)
{
	const char *rel = query_file_path(f->txn, ed->file);
	if (!*rel)
		return;
	char *uri = lsp_root_file_uri(f->r, rel);
	json_t *arr = json_object_get(f->out, uri);
	if (!arr) {
		arr = json_array();
		json_object_set_new(f->out, uri, arr);
	}
	json_array_append_new(arr,
			      json_pack("{s:{s:{s:I,s:I},s:{s:I,s:I}},s:i,s:s,s:s,s:O}", "range",
					"start", "line", (json_int_t)ed->sl, "character",
					(json_int_t)ed->sc, "end", "line", (json_int_t)ed->el,
					"character", (json_int_t)ed->ec, "severity", 2, "source",
					"parseltongue", "code", "module-cycle", "message", msg));
	free(uri);
}

/* The edges of kind rel (with every flag of `flags`) written inside
 * module m (by m or by the items it owns, not descending into nested
 * modules) that reach another module of the same cycle. */
static size_t closing(finder *f, uint64_t m, uint64_t cycle, int rel, unsigned flags, json_t *msg)
{
	query_ids todo = {0};
	size_t found = 0;
	pt_vec_push(&todo, m);
	for (size_t h = 0; h < todo.n; h++) {
		query_edges it;
		rec_edge ed;
		query_edges_open(f->txn, todo.v[h], QUERY_OUT, &it);
		while (query_edges_next(&it, &ed)) {
			uint64_t c = 0, om;
			if (ed.kind == REL_CONTAINS && owner_of(f, ed.other) != ed.other)
				pt_vec_push(&todo, ed.other);
			if (ed.kind != rel || (ed.flags & flags) != flags ||
			    !(om = owner_of(f, ed.other)) || om == m)
				continue;
			if (get(&f->member, om, &c) && c == cycle) {
				add(f, &ed, msg);
				found++;
			}
		}
	}
	pt_vec_free(&todo);
	return found;
}

json_t *lsp_cycle_diagnostics(lsp_server *s, lsp_root *r, store_txn *txn)
{
	(void)s;
	finder f = {.r = r, .txn = txn, .out = json_object()};
	query_cycle_set c = {0};
	if (query_cycles(txn, CYCLES_MODULE, &c) != PT_OK)
		c.level.n = 0;
	for (size_t i = 0; i < c.level.n; i++)
		for (uint32_t j = c.starts.v[i]; j < c.starts.v[i + 1]; j++)
			put(&f.member, c.members.v[j], i + 1);
	for (size_t i = 0; i < c.level.n; i++) {
		const uint64_t *mem = c.members.v + c.starts.v[i];
		size_t n = c.starts.v[i + 1] - c.starts.v[i], found = 0;
		json_t *msg = cycle_message(txn, mem, n);
		/* the `use` declarations; else any use (signatures, bodies);
		 * else, for a cycle made of calls alone, the calls */
		static const struct {
			int rel;
			unsigned flags;
		} tier[] = {
			{REL_USES, EDGE_IMPORT},
			{REL_USES, 0},
			{REL_CALLS, 0},
		};
		for (size_t t = 0; t < sizeof tier / sizeof *tier && !found; t++)
			for (size_t j = 0; j < n; j++)
				found +=
					closing(&f, mem[j], i + 1, tier[t].rel, tier[t].flags, msg);
		json_decref(msg);
	}
	query_cycle_set_free(&c);
	idmap_free(&f.owner);
	idmap_free(&f.member);
	return f.out;
}

/* ---- reporting ------------------------------------------------------------------ */

static uint64_t hash_json(const json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	uint64_t h = t ? pt_hash64(t, strlen(t)) : 0;
	free(t);
	return h;
}

/* r's diagnostics by uri, ranges converted, with an empty list for each
 * uri that had some and no longer has. With `changed`, only the uris
 * whose list differs from the last one recorded. Updates the record.
 * Call with s->diag_mu held. */
/* uri → diagnostics of folder r as its database is now, and the
 * database's generation then. Touches nothing shared. */
static json_t *compute_diagnostics(lsp_server *s, lsp_root *r, uint64_t *gen)
{
	store_txn *txn = NULL;
	json_t *d = NULL;
	*gen = 0;
	if (r->st && store_txn_begin(r->st, false, &txn) == PT_OK) {
		store_meta_get_u64(txn, META_GENERATION, gen);
		d = lsp_cycle_diagnostics(s, r, txn);
	}
	store_txn_abort(txn);
	if (!d)
		d = json_object();
	const char *uri;
	json_t *items;
	json_object_foreach(d, uri, items) lsp_convert_ranges(s, uri, items);
	return d;
}

static json_t *root_diagnostics(lsp_server *s, lsp_root *r, bool changed)
{
	uint64_t gen;
	json_t *d = compute_diagnostics(s, r, &gen);
	const char *uri;
	json_t *items;
	json_t *old = json_object(); /* uri → last hash, as a JSON integer */
	for (size_t i = 0; i < r->diag.n; i++) {
		json_object_set_new(old, r->diag.v[i].uri,
				    json_integer((json_int_t)r->diag.v[i].hash));
		if (!json_object_get(d, r->diag.v[i].uri))
			json_object_set_new(d, r->diag.v[i].uri, json_array());
		free(r->diag.v[i].uri);
	}
	r->diag.n = 0;
	void *tmp;
	json_object_foreach_safe(d, tmp, uri, items)
	{
		uint64_t h = hash_json(items);
		json_t *was = json_object_get(old, uri);
		if (json_array_size(items)) {
			lsp_diag_file f = {pt_xstrdup(uri), h};
			pt_vec_push(&r->diag, f);
		}
		if (changed && was && (uint64_t)json_integer_value(was) == h)
			json_object_del(d, uri);
	}
	json_decref(old);
	return d;
}

/* A push client drops what it was sent for files it had not opened
 * (eglot does): forget what was sent for uri, so the next publication,
 * which the didOpen re-index brings, sends it again. */
void lsp_diagnostics_forget(lsp_server *s, lsp_root *r, const char *uri)
{
	if (s->cap_pull_diag)
		return;
	pthread_mutex_lock(&s->diag_mu);
	for (size_t i = 0; i < r->diag.n; i++)
		if (strcmp(r->diag.v[i].uri, uri) == 0)
			r->diag.v[i].hash = 0;
	pthread_mutex_unlock(&s->diag_mu);
}

static uint64_t generation_now(lsp_root *r)
{
	uint64_t gen = 0;
	store_txn *txn = NULL;
	if (r->st && store_txn_begin(r->st, false, &txn) == PT_OK) {
		store_meta_get_u64(txn, META_GENERATION, &gen);
		store_txn_abort(txn);
	}
	return gen;
}

static bool folder_busy(lsp_root *r)
{
	pthread_mutex_lock(&r->mu);
	bool busy = r->queue.n || r->busy;
	pthread_mutex_unlock(&r->mu);
	return busy;
}

/* The folder's diagnostics for a pull, or those of one uri (NULL: none
 * there). The indexer makes them after each commit, outside the lock, so
 * a pull is usually a lookup, never a wait on a walk of every module.
 * While edits are still being indexed a
 * pull gets those of the commit before (the refresh request that follows
 * makes the client pull again); once the folder is idle, it gets those of
 * the last commit, made here if the indexer has not made them yet. What is
 * returned is a copy: the cache itself is only touched under the lock
 * (jansson's reference counts are not fully thread-safe). */
/* Whether the cache holds the diagnostics of the last commit; *have:
 * whether it holds any. */
static bool pull_cache_fresh(lsp_server *s, lsp_root *r, bool *have)
{
	uint64_t now = generation_now(r);
	pthread_mutex_lock(&s->diag_mu);
	*have = r->pull_cache != NULL;
	bool fresh = *have && r->pull_gen == now;
	pthread_mutex_unlock(&s->diag_mu);
	return fresh;
}

/* Make the diagnostics (outside the lock) and keep them unless someone
 * kept newer ones meanwhile. */
static void pull_cache_make(lsp_server *s, lsp_root *r)
{
	uint64_t gen;
	json_t *d = compute_diagnostics(s, r, &gen);
	pthread_mutex_lock(&s->diag_mu);
	if (!r->pull_cache || r->pull_gen < gen) {
		json_decref(r->pull_cache);
		r->pull_cache = d;
		r->pull_gen = gen;
		d = NULL;
	}
	pthread_mutex_unlock(&s->diag_mu);
	json_decref(d);
}

static json_t *pull_diagnostics(lsp_server *s, lsp_root *r, const char *uri)
{
	bool have;
	if (!pull_cache_fresh(s, r, &have) && !(have && folder_busy(r)))
		pull_cache_make(s, r);
	pthread_mutex_lock(&s->diag_mu);
	json_t *out = uri ? json_object_get(r->pull_cache, uri) : r->pull_cache;
	out = out ? json_deep_copy(out) : NULL;
	pthread_mutex_unlock(&s->diag_mu);
	return out;
}

/* The indexer's part, after each commit: a new cache when the database
 * moved on. */
void lsp_refresh_pull_diagnostics(lsp_server *s, lsp_root *r)
{
	bool have;
	if (s->cap_pull_diag && !pull_cache_fresh(s, r, &have))
		pull_cache_make(s, r);
}

void lsp_publish_diagnostics(lsp_server *s, lsp_root *r)
{
	if (s->cap_pull_diag) {
		/* the indexer made them after the batch that led here */
		if (s->cap_diag_refresh)
			jrpc_request(s->out, "workspace/diagnostic/refresh", NULL);
		return;
	}
	pthread_mutex_lock(&s->diag_mu);
	json_t *d = root_diagnostics(s, r, true);
	const char *uri;
	json_t *items;
	json_object_foreach(d, uri, items)
		jrpc_notify(s->out, "textDocument/publishDiagnostics",
			    json_pack("{s:s,s:O}", "uri", uri, "diagnostics", items));
	json_decref(d);
	pthread_mutex_unlock(&s->diag_mu);
}

json_t *lsp_req_document_diagnostic(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri =
		json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
	lsp_root *r = uri ? lsp_root_of(s, uri, NULL) : NULL;
	json_t *items = NULL;
	if (r) {
		items = pull_diagnostics(s, r, uri);
	}
	return json_pack("{s:s,s:o}", "kind", "full", "items", items ? items : json_array());
}

json_t *lsp_req_workspace_diagnostic(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)params;
	(void)err;
	json_t *reports = json_array();
	for (size_t k = 0; k < lsp_roots_count(s); k++) {
		if (atomic_load(&s->roots.v[k]->retired))
			continue;
		json_t *d = pull_diagnostics(s, s->roots.v[k], NULL);
		const char *uri;
		json_t *items;
		json_object_foreach(d, uri, items) json_array_append_new(
			reports, json_pack("{s:s,s:s,s:n,s:O}", "kind", "full", "uri", uri,
					   "version", "items", items));
		json_decref(d);
	}
	return json_pack("{s:o}", "items", reports);
}
