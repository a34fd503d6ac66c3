/* cli/diff.c — `parseltongue diff BASE [HEAD] [--json | --markdown]`.
 *
 * What a change does to the graph: the entities added, removed and
 * changed (signature, or body only), the blast radius of the signature
 * changes and removals, ranked; the public items among them; the tests
 * that reach a changed item. BASE and HEAD are git revisions (HEAD
 * omitted: the work tree as it is) or two folders (HEAD omitted: .).
 *
 * Both sides are indexed: HEAD's folder with its own database, as
 * onboard does; a revision as a view of it (cli/diff_git.c) with a copy of
 * the work tree's database, so that only the files that differ are parsed.
 * Entity ids are a hash of kind and qualified path, so the two graphs are
 * compared by walking both entity tables in key order. The signature
 * hash is in the record; a body change is found by comparing the item's
 * text in the two trees (whitespace runs taken as one space), read only
 * for the files whose content hash differs: nothing extra is stored, and
 * the cost is the changed files.
 */
#define _GNU_SOURCE
#include "diff.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/escape.h"
#include "../graph/index.h"

enum {
	CH_ADDED = 1,
	CH_REMOVED,
	CH_SIG,
	CH_BODY
};
static const char *const ch_name[] = {"", "added", "removed", "signature", "body"};

typedef struct {
	const char *label; /* as the user wrote it */
	char *root;        /* the folder indexed */
	char *db;          /* its database directory */
	store *st;
	store_txn *txn;
	PT_VEC(char *) text; /* file id → text read (NULL: not yet) */
	PT_VEC(bool) tried;
} side;

typedef struct {
	uint64_t id;
	uint8_t what;   /* CH_* */
	bool api;       /* a public item */
	uint32_t reach; /* blast radius: entities affected */
	uint32_t direct;
} change;

typedef struct {
	uint64_t test, reaches; /* the test; the changed item it reaches */
	bool base;              /* found in BASE's graph (a removed item) */
	uint32_t depth;
} test_hit;

typedef struct {
	const cli_opts *o;
	side base, head;
	char *tmp; /* scratch folder, removed at the end */
	PT_VEC(change) ch;
	PT_VEC(test_hit) tests;
	double t_index, t_compare;
	double t_work, t_view, t_seed, t_reindex; /* parts of t_index */
	diff_view_stats vs;
} differ;

/* ---- preparing the two sides ---------------------------------------------------- */

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static char *join(const char *a, const char *b)
{
	pt_strbuf s = {0};
	pt_strbuf_printf(&s, "%s/%s", a, b);
	return s.buf;
}

/* Index root into the database at dir (created if missing). The copy of
 * another database was made by us: no need to check it. A view's links
 * are followed: they lead to the work tree's own files, which its index
 * reads anyway. */
static int index_into(const char *root, const char *dir, bool copied, bool view)
{
	store *st = NULL;
	int rc = store_open(dir, STORE_CREATE | (copied ? STORE_NOCHECK : 0), &st);
	if (rc == PT_OK) {
		index_opts io = {.root = root,
				 .links = view ? INDEX_LINKS_FOLLOW : INDEX_LINKS_AS_STORED};
		index_report rep;
		rc = index_run(st, &io, &rep);
	}
	store_close(st);
	if (rc)
		cli_err("cannot index %s: %s", root, pt_strerror(rc));
	return rc;
}

/* A copy of the database at from, as the database dir (created). */
static int seed(const char *from, const char *dir)
{
	store *st = NULL;
	int rc = store_open(from, STORE_RDONLY, &st);
	if (rc == PT_OK && mkdir(dir, 0777) != 0 && errno != EEXIST)
		rc = PT_EIO;
	if (rc == PT_OK) {
		char *f = join(dir, "data.mdb");
		rc = store_snapshot(st, f);
		free(f);
	}
	store_close(st);
	if (rc)
		cli_err("cannot copy the database %s: %s", from, pt_strerror(rc));
	return rc;
}

/* Make every file of the database at dir look changed to the next index
 * run (an impossible modification time), so that it hashes each file: a
 * copy of another folder's database must not take a file of the same size
 * and modification time for the same content. Nothing is parsed again
 * unless its hash differs. */
static int forget_stat(const char *dir)
{
	store *st = NULL;
	store_txn *txn = NULL;
	store_cursor *c = NULL;
	PT_VEC(char *) keys = {0};
	int rc = store_open(dir, STORE_NOCHECK, &st);
	if (!rc)
		rc = store_txn_begin(st, true, &txn);
	if (!rc)
		rc = store_cursor_open(txn, TBL_FILES, &c);
	store_val k, v;
	for (int r = rc ? PT_ENOTFOUND : store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v))
		pt_vec_push(&keys, pt_xstrndup(k.data, k.len));
	store_cursor_close(c);
	for (size_t i = 0; i < keys.n && !rc; i++) {
		rec_file f;
		uint8_t buf[REC_FILE_SIZE];
		if (store_get(txn, TBL_FILES, keys.v[i], strlen(keys.v[i]), &v) != PT_OK ||
		    rec_file_decode(v.data, v.len, &f) != 0)
			continue;
		f.mtime_ns = -1;
		rec_file_encode(&f, buf);
		rc = store_put(txn, TBL_FILES, keys.v[i], strlen(keys.v[i]), buf, sizeof buf);
	}
	for (size_t i = 0; i < keys.n; i++)
		free(keys.v[i]);
	pt_vec_free(&keys);
	if (txn)
		rc = rc ? (store_txn_abort(txn), rc) : store_txn_commit(txn);
	store_close(st);
	return rc;
}

/* The work tree's (or a folder's) own database, brought up to date. */
static int index_folder(differ *d, side *s, const char *folder)
{
	cli_opts o = *d->o;
	o.args[0] = folder;
	o.nargs = 1;
	o.quiet = true;
	s->root = realpath(folder, NULL);
	if (!s->root || cli_onboard(&o) != EXIT_OK)
		return -1;
	pt_strbuf b = {0};
	const char *env = getenv("PARSELTONGUE_DB");
	if (o.db)
		pt_strbuf_adds(&b, o.db);
	else if (env && *env)
		pt_strbuf_adds(&b, env);
	else
		pt_strbuf_printf(&b, "%s/.cache/parseltongue", s->root);
	s->db = b.buf;
	return 0;
}

/* A revision: its view, indexed from a copy of the work tree's database. */
static int index_rev(differ *d, side *s, const diff_repo *r, const char *rev, const char *name,
		     const char *seed_db)
{
	char *commit = diff_git_commit(r, rev);
	if (!commit) {
		cli_err("%s is neither a folder nor a git revision", rev);
		return -1;
	}
	char *view = join(d->tmp, name);
	pt_strbuf db = {0};
	pt_strbuf_printf(&db, "%s/%s-db", d->tmp, name);
	diff_view_stats vs;
	uint64_t t0 = pt_now_ns();
	int rc = diff_git_view(r, commit, view, d->tmp, &vs);
	if (rc)
		cli_err("git could not lay out %s", rev);
	uint64_t t1 = pt_now_ns();
	if (!rc)
		rc = seed(seed_db, db.buf);
	uint64_t t2 = pt_now_ns();
	s->root = join(view, *r->prefix ? r->prefix : ".");
	s->db = db.buf;
	if (!rc)
		rc = index_into(s->root, s->db, true, true);
	d->t_view += (double)(t1 - t0) / 1e9;
	d->t_seed += (double)(t2 - t1) / 1e9;
	d->t_reindex += (double)(pt_now_ns() - t2) / 1e9;
	d->vs.linked += vs.linked;
	d->vs.checked_out += vs.checked_out;
	free(view);
	free(commit);
	return rc ? -1 : 0;
}

static int prepare(differ *d)
{
	const char *base = d->o->args[0], *head = d->o->nargs > 1 ? d->o->args[1] : NULL;
	d->base.label = base;
	d->head.label = head ? head : ".";
	if (is_dir(base) && (!head || is_dir(head))) {
		if (index_folder(d, &d->head, d->head.label))
			return -1;
		d->base.root = realpath(base, NULL);
		char *own = join(d->base.root, ".cache/parseltongue/data.mdb");
		bool has = access(own, F_OK) == 0;
		free(own);
		d->base.db =
			has ? join(d->base.root, ".cache/parseltongue") : join(d->tmp, "base-db");
		if (!has && (seed(d->head.db, d->base.db) || forget_stat(d->base.db)))
			return -1;
		return index_into(d->base.root, d->base.db, !has, false) ? -1 : 0;
	}
	diff_repo r;
	if (diff_git_repo(".", &r) != 0) {
		cli_err("%s is not a folder, and . is not in a git work tree", base);
		return -1;
	}
	side work = {0};
	uint64_t t = pt_now_ns();
	int rc = index_folder(d, head ? &work : &d->head, ".");
	d->t_work = (double)(pt_now_ns() - t) / 1e9;
	const char *wdb = head ? work.db : d->head.db;
	if (!rc && head)
		rc = index_rev(d, &d->head, &r, head, "head", wdb);
	if (!rc)
		rc = index_rev(d, &d->base, &r, base, "base", wdb);
	free(work.root);
	free(work.db);
	diff_repo_free(&r);
	return rc;
}

static int open_side(side *s)
{
	int rc = store_open(s->db, STORE_RDONLY | STORE_NOCHECK, &s->st);
	if (!rc)
		rc = store_txn_begin(s->st, false, &s->txn);
	if (rc)
		cli_err("cannot open %s: %s", s->db, pt_strerror(rc));
	return rc;
}

static void close_side(side *s)
{
	store_txn_abort(s->txn);
	store_close(s->st);
	for (size_t i = 0; i < s->text.n; i++)
		free(s->text.v[i]);
	pt_vec_free(&s->text);
	pt_vec_free(&s->tried);
	free(s->root);
	free(s->db);
}

/* ---- comparing ---------------------------------------------------------------------- */

/* The text of file id f as indexed (borrowed from the side; NULL when it
 * cannot be read). */
static const char *file_text(side *s, uint32_t f, size_t *len)
{
	while (s->text.n <= f) {
		pt_vec_push(&s->text, NULL);
		pt_vec_push(&s->tried, false);
	}
	if (!s->tried.v[f]) {
		s->tried.v[f] = true;
		char *p = join(s->root, query_file_path(s->txn, f));
		s->text.v[f] = pt_read_file(p, len);
		free(p);
	}
	*len = s->text.v[f] ? strlen(s->text.v[f]) : 0;
	return s->text.v[f];
}

static uint64_t file_hash(side *s, uint32_t f)
{
	const char *p = query_file_path(s->txn, f);
	store_val v;
	rec_file r;
	if (!*p || store_get(s->txn, TBL_FILES, p, strlen(p), &v) != PT_OK ||
	    rec_file_decode(v.data, v.len, &r) != 0)
		return 0;
	return r.hash;
}

/* The item's text with whitespace runs as one space, hashed. */
static uint64_t body_hash(side *s, const rec_entity *e, bool *ok)
{
	size_t len;
	const char *t = file_text(s, e->file, &len);
	*ok = t && e->start_byte <= e->end_byte && e->end_byte <= len;
	if (!*ok)
		return 0;
	pt_strbuf b = {0};
	bool sp = false;
	for (uint32_t i = e->start_byte; i < e->end_byte; i++) {
		char c = t[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			sp = true;
			continue;
		}
		if (sp)
			pt_strbuf_addc(&b, ' ');
		sp = false;
		pt_strbuf_addc(&b, c);
	}
	uint64_t h = pt_hash64(b.buf ? b.buf : "", b.len);
	pt_strbuf_free(&b);
	return h;
}

static bool container(int kind)
{
	return kind == PT_CRATE || kind == PT_MODULE || kind == PT_IMPL;
}

static bool body_changed(differ *d, const rec_entity *b, const rec_entity *h)
{
	const char *pb = query_file_path(d->base.txn, b->file),
		   *ph = query_file_path(d->head.txn, h->file);
	if (strcmp(pb, ph) == 0 && file_hash(&d->base, b->file) == file_hash(&d->head, h->file))
		return false;
	bool okb, okh;
	uint64_t x = body_hash(&d->base, b, &okb), y = body_hash(&d->head, h, &okh);
	return okb && okh && x != y;
}

static void add_change(differ *d, uint64_t id, uint8_t what)
{
	change c = {.id = id, .what = what};
	pt_vec_push(&d->ch, c);
}

static void compare_one(differ *d, const rec_entity *b, const rec_entity *h)
{
	if (!b && h && !(h->flags & ENT_EXTERNAL))
		add_change(d, h->id, CH_ADDED);
	else if (b && !h && !(b->flags & ENT_EXTERNAL))
		add_change(d, b->id, CH_REMOVED);
	else if (b && h && !(h->flags & ENT_EXTERNAL) && !container(h->kind)) {
		if (b->sig_hash != h->sig_hash)
			add_change(d, h->id, CH_SIG);
		else if (body_changed(d, b, h))
			add_change(d, h->id, CH_BODY);
	}
}

/* Both entity tables in key order, side by side. */
static int compare(differ *d)
{
	store_cursor *cb = NULL, *ch = NULL;
	store_val kb, vb, kh, vh;
	int rc = store_cursor_open(d->base.txn, TBL_ENTS, &cb);
	if (!rc)
		rc = store_cursor_open(d->head.txn, TBL_ENTS, &ch);
	int rb = rc ? PT_ENOTFOUND : store_cursor_seek(cb, NULL, 0, &kb, &vb);
	int rh = rc ? PT_ENOTFOUND : store_cursor_seek(ch, NULL, 0, &kh, &vh);
	while (rb == PT_OK || rh == PT_OK) {
		int cmp = rb != PT_OK ? 1 : rh != PT_OK ? -1 : memcmp(kb.data, kh.data, 8);
		rec_entity eb, eh;
		bool okb = cmp <= 0 && rec_entity_decode(vb.data, vb.len, &eb) == PT_OK;
		bool okh = cmp >= 0 && rec_entity_decode(vh.data, vh.len, &eh) == PT_OK;
		if (okb || okh)
			compare_one(d, okb ? &eb : NULL, okh ? &eh : NULL);
		if (cmp <= 0)
			rb = store_cursor_next(cb, &kb, &vb);
		if (cmp >= 0)
			rh = store_cursor_next(ch, &kh, &vh);
	}
	store_cursor_close(cb);
	store_cursor_close(ch);
	return rc;
}

/* ---- impact ----------------------------------------------------------------------------- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	for (const char *p = path; p; p = strchr(p + 1, '/')) {
		const char *s = *p == '/' ? p + 1 : p;
		if (strncmp(s, dir, n) == 0 && s[n] == '/')
			return true;
	}
	return false;
}

/* Public: `pub` up to a library crate's root (impl blocks are no step),
 * or imported by that root (`pub use`). */
static bool public_api(store_txn *txn, const rec_entity *e)
{
	if (!(e->flags & ENT_PUB) && e->kind != PT_CRATE)
		return false;
	rec_entity p = *e;
	for (int h = 0; h < 64; h++) {
		if (p.kind == PT_CRATE) {
			const char *f = query_file_path(txn, p.file);
			return !strstr(f, "main.rs") && !under(f, "bin") && !under(f, "tests") &&
			       !under(f, "examples") && !under(f, "benches");
		}
		if (p.kind != PT_IMPL && !(p.flags & ENT_PUB))
			break;
		if (!p.parent || query_entity(txn, p.parent, &p) != PT_OK)
			return false;
	}
	query_edges it;
	rec_edge ed;
	rec_entity src;
	query_edges_open(txn, e->id, QUERY_IN, &it);
	while (query_edges_next(&it, &ed))
		if (ed.kind == REL_USES && (ed.flags & EDGE_IMPORT) &&
		    query_entity(txn, ed.other, &src) == PT_OK && src.kind == PT_CRATE)
			return true;
	return false;
}

static void impact(differ *d)
{
	for (size_t i = 0; i < d->ch.n; i++) {
		change *c = &d->ch.v[i];
		store_txn *txn = c->what == CH_REMOVED ? d->base.txn : d->head.txn;
		rec_entity e;
		if (query_entity(txn, c->id, &e) != PT_OK)
			continue;
		if (c->what == CH_SIG || c->what == CH_REMOVED)
			c->api = public_api(txn, &e);
		if (c->what != CH_SIG && c->what != CH_REMOVED)
			continue;
		query_results r = {0};
		query_blast_radius(txn, c->id, d->o->depth, 0, &r);
		c->reach = (uint32_t)r.items.n;
		for (size_t k = 0; k < r.items.n; k++)
			c->direct += r.items.v[k].depth == 1;
		query_results_free(&r);
	}
}

/* ---- tests ------------------------------------------------------------------------------ */

typedef struct {
	uint64_t id, origin;
	uint32_t depth;
} bfs_node;

static bool test_entity(store_txn *txn, const rec_entity *e)
{
	return (e->flags & ENT_TEST) || ((e->kind == PT_FUNCTION || e->kind == PT_METHOD) &&
					 under(query_file_path(txn, e->file), "tests"));
}

/* A set of entity ids (open addressing; ids are never 0). */
typedef struct {
	uint64_t *tab;
	size_t cap, n;
} idset;

static size_t idset_slot(const idset *s, uint64_t x)
{
	size_t i = (size_t)(x * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
	while (s->tab[i] && s->tab[i] != x)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* Whether x was new (it is in the set now). */
static bool idset_add(idset *s, uint64_t x)
{
	if ((s->n + 1) * 2 > s->cap) {
		idset old = *s;
		s->cap = old.cap ? old.cap * 2 : 1024;
		s->tab = pt_xcalloc(s->cap, sizeof *s->tab);
		for (size_t k = 0; k < old.cap; k++)
			if (old.tab[k])
				s->tab[idset_slot(s, old.tab[k])] = old.tab[k];
		free(old.tab);
	}
	size_t i = idset_slot(s, x);
	if (s->tab[i])
		return false;
	s->tab[i] = x;
	s->n++;
	return true;
}

/* Whether HEAD's walk met test id already (a test is listed once). */
static bool head_found(const differ *d, uint64_t id)
{
	for (size_t i = 0; i < d->tests.n; i++)
		if (!d->tests.v[i].base && d->tests.v[i].test == id)
			return true;
	return false;
}

/* From every changed item of the side, backwards over calls and uses,
 * as far as they go; each test met is recorded with the item that it
 * reaches first (breadth first: the nearest). */
static void find_tests(differ *d, bool base)
{
	store_txn *txn = base ? d->base.txn : d->head.txn;
	PT_VEC(bfs_node) q = {0};
	idset seen = {0};
	for (size_t i = 0; i < d->ch.n; i++) {
		const change *c = &d->ch.v[i];
		rec_entity e;
		if ((c->what == CH_REMOVED) != base || query_entity(txn, c->id, &e) != PT_OK ||
		    container(e.kind) || !idset_add(&seen, c->id))
			continue;
		bfs_node n = {c->id, c->id, 0};
		pt_vec_push(&q, n);
	}
	for (size_t h = 0; h < q.n; h++) {
		bfs_node n = q.v[h];
		rec_entity e;
		if (query_entity(txn, n.id, &e) == PT_OK && test_entity(txn, &e) &&
		    !(base && head_found(d, n.id))) {
			test_hit t = {n.id, n.origin, base, n.depth};
			pt_vec_push(&d->tests, t);
		}
		query_edges it;
		rec_edge ed;
		query_edges_open(txn, n.id, QUERY_IN, &it);
		while (query_edges_next(&it, &ed)) {
			if ((ed.kind != REL_CALLS && ed.kind != REL_USES) ||
			    (ed.flags & EDGE_IMPORT) || !idset_add(&seen, ed.other))
				continue;
			bfs_node m = {ed.other, n.origin, n.depth + 1};
			pt_vec_push(&q, m);
		}
	}
	free(seen.tab);
	pt_vec_free(&q);
}

/* ---- output ---------------------------------------------------------------------------- */

static int cmp_impact(const void *x, const void *y)
{
	const change *a = *(const change *const *)x, *b = *(const change *const *)y;
	if (a->reach != b->reach)
		return a->reach > b->reach ? -1 : 1;
	if (a->direct != b->direct)
		return a->direct > b->direct ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static json_t *ent_json(side *s, uint64_t id)
{
	json_t *j = cli_entity_json(s->txn, id, 0);
	return j ? j : json_pack("{s:s}", "id", "?");
}

static json_t *to_json(differ *d)
{
	json_t *lists[5] = {NULL, json_array(), json_array(), json_array(), json_array()};
	json_t *api = json_pack("{s:[],s:[]}", "signature_changed", "removed");
	PT_VEC(change *) ranked = {0};
	for (size_t i = 0; i < d->ch.n; i++) {
		change *c = &d->ch.v[i];
		side *s = c->what == CH_REMOVED ? &d->base : &d->head;
		json_t *e = ent_json(s, c->id);
		if (c->what == CH_SIG) {
			rec_entity b;
			if (query_entity(d->base.txn, c->id, &b) == PT_OK)
				json_object_set_new(e, "old_signature", pt_json_bytes(b.sig));
		}
		if (c->api && (c->what == CH_SIG || c->what == CH_REMOVED))
			json_array_append(json_object_get(api, c->what == CH_SIG
								       ? "signature_changed"
								       : "removed"),
					  e);
		json_array_append_new(lists[c->what], e);
		if (c->what == CH_SIG || c->what == CH_REMOVED)
			pt_vec_push(&ranked, c);
	}
	if (ranked.n)
		qsort(ranked.v, ranked.n, sizeof *ranked.v, cmp_impact);
	json_t *imp = json_array();
	for (size_t i = 0; i < ranked.n; i++) {
		const change *c = ranked.v[i];
		rec_entity e;
		side *s = c->what == CH_REMOVED ? &d->base : &d->head;
		if (query_entity(s->txn, c->id, &e) == PT_OK)
			json_array_append_new(
				imp, json_pack("{s:o,s:s,s:s,s:i,s:i,s:b}", "path",
					       pt_json_bytes(e.qpath), "kind", pt_kind_name(e.kind),
					       "change", ch_name[c->what], "affected", c->reach,
					       "direct", c->direct, "public", c->api));
	}
	pt_vec_free(&ranked);
	json_t *tests = json_array(), *files = json_array();
	for (size_t i = 0; i < d->tests.n; i++) {
		const test_hit *t = &d->tests.v[i];
		side *s = t->base ? &d->base : &d->head;
		rec_entity e, o;
		if (query_entity(s->txn, t->test, &e) != PT_OK ||
		    query_entity(s->txn, t->reaches, &o) != PT_OK)
			continue;
		const char *f = query_file_path(s->txn, e.file);
		json_t *j = cli_entity_json(s->txn, t->test, 0);
		json_object_set_new(j, "reaches", pt_json_bytes(o.qpath));
		json_object_set_new(j, "depth", json_integer(t->depth));
		json_object_set_new(j, "side", json_string(t->base ? "base" : "head"));
		json_array_append_new(tests, j);
		bool have = false;
		for (size_t k = 0; k < json_array_size(files); k++)
			have |= strcmp(json_string_value(json_array_get(files, k)), f) == 0;
		if (under(f, "tests") && !have)
			json_array_append_new(files, pt_json_bytes(f));
	}
	return json_pack(
		"{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:f,s:f,s:f,s:f,s:f,s:f,s:i,s:i}}",
		"base", pt_json_bytes(d->base.label), "head", pt_json_bytes(d->head.label), "added",
		lists[CH_ADDED], "removed", lists[CH_REMOVED], "signature_changed", lists[CH_SIG],
		"body_changed", lists[CH_BODY], "impact", imp, "public_api", api, "tests", tests,
		"test_files", files, "stats", "index_seconds", d->t_index, "compare_seconds",
		d->t_compare, "work_index_seconds", d->t_work, "view_seconds", d->t_view,
		"copy_seconds", d->t_seed, "view_index_seconds", d->t_reindex, "files_linked",
		d->vs.linked, "files_checked_out", d->vs.checked_out);
}

/* ---- text and Markdown (from the JSON, so the three say the same) ---------------------- */

/* A name for the output: spelled out for a terminal, and in Markdown
 * inside a code span it cannot close (core/escape.h); in one of eight
 * buffers used in turn. */
static const char *nm(bool md, const char *s)
{
	static pt_strbuf ring[8], tmp; /* the CLI prints from one thread */
	static unsigned next;
	pt_strbuf *b = &ring[next++ % 8];
	b->len = tmp.len = 0;
	pt_esc_term(md ? &tmp : b, s ? s : "");
	if (md)
		pt_esc_md_code(b, tmp.buf ? tmp.buf : "");
	pt_strbuf_addc(b, 0);
	return b->buf;
}

static const char *sv(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static size_t shown(const differ *d, size_t n)
{
	size_t lim = d->o->limit ? d->o->limit : 50;
	return n < lim ? n : lim;
}

static void text_list(const differ *d, json_t *doc, const char *key, const char *title, bool md)
{
	json_t *a = json_object_get(doc, key), *e;
	size_t n = json_array_size(a), i;
	if (!n)
		return;
	printf(md ? "\n### %s (%zu)\n\n" : "\n%s (%zu):\n", title, n);
	json_array_foreach(a, i, e)
	{
		if (i >= shown(d, n)) {
			printf(md ? "- … and %zu more\n" : "  … and %zu more\n", n - i);
			break;
		}
		json_int_t line = json_integer_value(json_object_get(e, "line"));
		printf(md ? "- %s %s (%s:%" JSON_INTEGER_FORMAT ")\n"
			  : "  %s %s  %s:%" JSON_INTEGER_FORMAT "\n",
		       sv(e, "kind"), nm(md, sv(e, "path")), nm(md, sv(e, "file")), line);
		if (sv(e, "old_signature") && sv(e, "signature"))
			printf(md ? "  - was %s, now %s\n" : "      was: %s\n      now: %s\n",
			       nm(md, sv(e, "old_signature")), nm(md, sv(e, "signature")));
	}
}

static void print_impact(const differ *d, json_t *imp, bool md)
{
	json_t *e;
	size_t i, n = json_array_size(imp);
	if (n)
		printf(md ? "\n### Impact (blast radius, depth %u)\n\n"
			    "| affected | direct | change | item |\n|---:|---:|---|---|\n"
			  : "\nImpact (blast radius, depth %u), most affected first:\n",
		       d->o->depth);
	json_array_foreach(imp, i, e)
	{
		if (i >= shown(d, n))
			break;
		json_int_t a = json_integer_value(json_object_get(e, "affected")),
			   dir = json_integer_value(json_object_get(e, "direct"));
		printf(md ? "| %" JSON_INTEGER_FORMAT " | %" JSON_INTEGER_FORMAT " | %s | %s |\n"
			  : "  %6" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT
			    " direct)  %s  %s\n",
		       a, dir, sv(e, "change"), nm(md, sv(e, "path")));
	}
}

static void print_tests(const differ *d, json_t *doc, bool md)
{
	json_t *t = json_object_get(doc, "tests"), *e;
	size_t i, n = json_array_size(t);
	if (n)
		printf(md ? "\n### Tests that reach a change (%zu)\n\n"
			  : "\nTests that reach a change (%zu):\n",
		       n);
	json_array_foreach(t, i, e)
	{
		if (i >= shown(d, n)) {
			printf(md ? "- … and %zu more\n" : "  … and %zu more\n", n - i);
			break;
		}
		printf(md ? "- %s (%s:%" JSON_INTEGER_FORMAT ") reaches %s\n"
			  : "  %s  %s:%" JSON_INTEGER_FORMAT "  reaches %s\n",
		       nm(md, sv(e, "path")), nm(md, sv(e, "file")),
		       json_integer_value(json_object_get(e, "line")), nm(md, sv(e, "reaches")));
	}
	json_t *tf = json_object_get(doc, "test_files");
	if (json_array_size(tf)) {
		printf("\nTest files: ");
		json_array_foreach(tf, i, e)
			printf("%s%s", i ? ", " : "", nm(md, json_string_value(e)));
		putchar('\n');
	}
}

static void print_human(const differ *d, json_t *doc, bool md)
{
	size_t na = json_array_size(json_object_get(doc, "added")),
	       nr = json_array_size(json_object_get(doc, "removed")),
	       ns = json_array_size(json_object_get(doc, "signature_changed")),
	       nb = json_array_size(json_object_get(doc, "body_changed"));
	printf(md ? "## Parseltongue: %s → %s\n\n%zu added, %zu removed, %zu signature "
		    "changed, %zu body changed\n"
		  : "parseltongue diff %s → %s: %zu added, %zu removed, %zu signature changed, %zu "
		    "body changed\n",
	       nm(md, d->base.label), nm(md, d->head.label), na, nr, ns, nb);
	text_list(d, doc, "signature_changed", "Signature changed", md);
	text_list(d, doc, "body_changed", "Body changed", md);
	text_list(d, doc, "added", "Added", md);
	text_list(d, doc, "removed", "Removed", md);
	json_t *api = json_object_get(doc, "public_api");
	text_list(d, api, "signature_changed", "Public API: signature changed", md);
	text_list(d, api, "removed", "Public API: removed", md);
	print_impact(d, json_object_get(doc, "impact"), md);
	print_tests(d, doc, md);
}

/* ---- the command --------------------------------------------------------------------------- */

/* Where the views and database copies go: PARSELTONGUE_DIFF_TMP, else
 * /dev/shm (a view is thousands of links and folders, and making and
 * removing them costs seconds on a loaded disk, a fraction in memory; the
 * copies of the database are the size of the database), else TMPDIR,
 * else /tmp. */
static const char *scratch_dir(void)
{
	const char *e = getenv("PARSELTONGUE_DIFF_TMP");
	if (e && *e)
		return e;
	if (is_dir("/dev/shm") && access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	e = getenv("TMPDIR");
	return e && *e ? e : "/tmp";
}

static int cmp_change(const void *x, const void *y)
{
	const change *a = x, *b = y;
	if (a->what != b->what)
		return a->what - b->what;
	return a->id < b->id ? -1 : a->id > b->id;
}

int cmd_diff(const cli_opts *o)
{
	if (o->nargs < 1 || o->nargs > 2) {
		cli_err("usage: parseltongue diff BASE [HEAD] [--json | --markdown]");
		return EXIT_USAGE;
	}
	differ d = {.o = o};
	pt_strbuf t = {0};
	pt_strbuf_printf(&t, "%s/pt-diff.XXXXXX", scratch_dir());
	int ret = EXIT_FAIL;
	if (!mkdtemp(t.buf)) {
		cli_err("cannot make a temporary folder: %s", strerror(errno));
		pt_strbuf_free(&t);
		return EXIT_FAIL;
	}
	d.tmp = t.buf;
	uint64_t t0 = pt_now_ns();
	if (prepare(&d) != 0)
		goto done;
	ret = EXIT_DB;
	if (open_side(&d.head) || open_side(&d.base))
		goto done;
	uint64_t t1 = pt_now_ns();
	if (compare(&d) != PT_OK)
		goto done;
	if (d.ch.n)
		qsort(d.ch.v, d.ch.n, sizeof *d.ch.v, cmp_change);
	impact(&d);
	find_tests(&d, false);
	find_tests(&d, true);
	d.t_index = (double)(t1 - t0) / 1e9;
	d.t_compare = (double)(pt_now_ns() - t1) / 1e9;
	json_t *doc = to_json(&d);
	if (o->json) {
		cli_json_print(doc);
	} else {
		print_human(&d, doc, o->markdown);
	}
	json_decref(doc);
	ret = EXIT_OK;
done:
	close_side(&d.base);
	close_side(&d.head);
	nftw(d.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d.tmp);
	pt_vec_free(&d.ch);
	pt_vec_free(&d.tests);
	return ret;
}
