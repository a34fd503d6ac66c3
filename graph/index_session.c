/* graph/index_session.c — a workspace resolution kept for an editor.
 *
 * The session loads every file's facts and resolves them once, then keeps
 * the resolver (pt_resolver) alive. An edit that leaves a file's
 * declarations as they were is parsed, re-resolved for that file alone
 * (pt_resolver_refile) and written as the entities and adjacency values it
 * touched, in one transaction; each adjacency value is its stored one with
 * the file's old edges taken out and its new ones put in, record by record,
 * so the write costs what the file and the entities it touches hold, not
 * what the graph holds (write_touched). An edit that changes the file's
 * declarations re-resolves it and the files whose read sets name what it
 * changed (session_deps, graph/resolve_deps.c), and writes the records
 * those files' edges and the file's entities touch (write_deps). Anything
 * else (a `mod` line, a glob import, a new file), or a
 * commit by someone else (the generation in the meta table moved), falls
 * back to index_update_file and reloads the session at the next edit.
 * Parsing and records are index.c's (index_int.h), so both paths store the
 * same bytes.
 */
#include "index_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- an editor session ----------------------------------------------- */

struct index_session {
	store *st;
	char *root;
	bool loaded;
	bool follow;         /* the database follows symlinks out of the folder */
	uint64_t generation; /* of the last commit this state matches */
	sources S;           /* every file's facts, sorted by path */
	pt_workspace ws;     /* crates (the resolver borrows them) */
	pt_graph g;
	pt_resolver *R;
	/* Where each source lies for macro imports (package, crate area),
	 * found once per load: a lookup among every crate per file is too
	 * much to repeat for every file at every edit. Per source of S, each
	 * with that source's facts. */
	PT_VEC(pt_macro_file) places;
	/* Every definition of the workspace by name, over places (owned; NULL
	 * until an edit needs it). It borrows the facts of S and stays valid
	 * while each file defines the same macro names in the same order, so
	 * an edit that keeps the edited file's names keeps it (the pointer of
	 * that file is moved to its new facts); any other drops it. */
	pt_macro_table *macros;
	/* The extractor of the fast path (owned; NULL until an edit needs it):
	 * made once, its parser and symbol lookups serve every edit. */
	pt_extractor *ex;
};

index_session *index_session_new(store *st, const char *root)
{
	index_session *s = pt_xcalloc(1, sizeof *s);
	s->st = st;
	s->root = pt_xstrdup(root);
	return s;
}

static void session_unload(index_session *s)
{
	pt_macro_table_free(s->macros);
	s->macros = NULL;
	pt_resolver_free(s->R);
	s->R = NULL;
	pt_vec_free(&s->places);
	pt_graph_free(&s->g);
	ix_sources_free(&s->S);
	pt_workspace_free(&s->ws);
	s->loaded = false;
}

void index_session_free(index_session *s)
{
	if (!s)
		return;
	session_unload(s);
	pt_extractor_free(s->ex);
	free(s->root);
	free(s);
}

static uint64_t generation(store_txn *txn)
{
	uint64_t g = 0;
	store_meta_get_u64(txn, META_GENERATION, &g);
	return g;
}

static int session_load(index_session *s)
{
	store_txn *txn = NULL;
	int rc = store_txn_begin(s->st, false, &txn);
	if (rc)
		return rc;
	s->generation = generation(txn);
	pt_build build = {0};
	s->follow = ix_follows_links(txn);
	rc = ix_load_sources(txn, &s->S);
	if (!rc)
		rc = ix_ws_from_store(txn, &s->ws);
	if (!rc)
		rc = ix_build_from_store(txn, &build);
	store_txn_abort(txn);
	if (rc) {
		session_unload(s);
		return rc;
	}
	pt_workspace_crates(s->root, &s->ws, &build);
	pt_build_free(&build);
	for (size_t i = 0; i < s->S.src.n; i++) {
		pt_macro_file f;
		ix_file_place(&s->ws, s->S.src.v[i].path, &f);
		f.facts = s->S.src.v[i].facts;
		pt_vec_push(&s->places, f);
	}
	pt_graph_init(&s->g);
	pt_crates cs = pt_workspace_crate_set(&s->ws);
	s->R = pt_resolver_new_tracked(&s->g, s->S.src.v, s->S.src.n, &cs);
	s->loaded = true;
	return PT_OK;
}

static int find_source(const sources *S, const char *path)
{
	size_t lo = 0, hi = S->src.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(S->src.v[mid].path, path);
		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Two stored edge records in the stored order (ix_cmp_half): kind, far
 * end, file, then the site, whose start byte (not stored) orders as its
 * start line and column do within one file, then flags and the site's end. */
static int cmp_rec(const rec_edge *a, const rec_edge *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->other != b->other)
		return a->other < b->other ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->sl != b->sl)
		return a->sl < b->sl ? -1 : 1;
	if (a->sc != b->sc)
		return a->sc < b->sc ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	if (a->el != b->el)
		return a->el < b->el ? -1 : 1;
	return a->ec < b->ec ? -1 : a->ec > b->ec;
}

/* One direction of the file's edges as the adjacency of their ends holds
 * them: sorted halves (by entity, then in the stored order) and each one's
 * record. */
typedef struct {
	half *h;
	rec_edge *r;
	size_t n, at; /* at: walks the entities in order */
} halves;

static void halves_make(const pt_graph *g, const pt_edge *e, size_t n, bool in, halves *out)
{
	out->h = pt_xmalloc((n ? n : 1) * sizeof *out->h);
	out->r = pt_xmalloc((n ? n : 1) * sizeof *out->r);
	out->n = n;
	out->at = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t end = in ? e[i].dst : e[i].src, far = in ? e[i].src : e[i].dst;
		out->h[i] = (half){end, g->ents.v[far].id, e[i], in};
	}
	qsort(out->h, n, sizeof *out->h, ix_cmp_half);
	for (size_t i = 0; i < n; i++) {
		const pt_edge *x = &out->h[i].e;
		out->r[i] = (rec_edge){
			out->h[i].other,    x->file,           x->kind,          x->flags,
			x->site.start_line, x->site.start_col, x->site.end_line, x->site.end_col};
	}
}

static void halves_free(halves *h)
{
	free(h->h);
	free(h->r);
}

/* The run [*from, *to) of entity e's halves; moves the walk past them. */
static void halves_of(halves *h, uint32_t e, size_t *from, size_t *to)
{
	while (h->at < h->n && h->h[h->at].ent < e)
		h->at++;
	*from = h->at;
	while (h->at < h->n && h->h[h->at].ent == e)
		h->at++;
	*to = h->at;
}

/* The new adjacency of one entity in one direction: its stored value
 * less the file's old edges del[0..nd), plus its new ones add[0..na), in
 * the stored order (all three sorted in it). PT_ECORRUPT when an old edge
 * is not in the stored value: the store does not hold the graph the
 * session holds. */
static int merge_adj(const store_val *old, const rec_edge *del, size_t nd, const rec_edge *add,
		     size_t na, pt_strbuf *out)
{
	const uint8_t *p = old ? old->data : NULL;
	size_t m = old ? old->len / REC_EDGE_SIZE : 0, i = 0, d = 0, a = 0;
	uint8_t b[REC_EDGE_SIZE];
	out->len = 0;
	while (i < m || a < na) {
		rec_edge s;
		int c = 0;
		if (i < m) {
			rec_edge_decode(p + i * REC_EDGE_SIZE, &s);
			c = d < nd ? cmp_rec(&s, &del[d]) : -1;
			if (c > 0)
				return PT_ECORRUPT;
			if (c == 0) {
				i++, d++;
				continue;
			}
		}
		if (i < m && (a == na || cmp_rec(&s, &add[a]) <= 0)) {
			pt_strbuf_add(out, p + i * REC_EDGE_SIZE, REC_EDGE_SIZE);
			i++;
		} else {
			rec_edge_encode(&add[a++], b);
			pt_strbuf_add(out, b, sizeof b);
		}
	}
	return d == nd ? PT_OK : PT_ECORRUPT;
}

/* Whether two runs of records are the same edges. */
static bool same_recs(const rec_edge *a, size_t na, const rec_edge *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (cmp_rec(&a[i], &b[i]))
			return false;
	return true;
}

/* Entity e's adjacency in one direction rewritten when it differs from
 * the stored value: read only when the file's edges that end at e
 * changed (an edit changes few of them; the entities its edges reach,
 * popular types among them, keep theirs). */
static int write_adj(store_txn *txn, const pt_graph *g, uint32_t e, bool in, halves *del,
		     halves *add, pt_strbuf *buf, index_report *rep)
{
	uint8_t key[8];
	store_val v;
	size_t d0, d1, a0, a1;
	store_key_u64(key, g->ents.v[e].id);
	halves_of(del, e, &d0, &d1);
	halves_of(add, e, &a0, &a1);
	if (same_recs(del->r + d0, d1 - d0, add->r + a0, a1 - a0))
		return PT_OK; /* the file's edges that end here are as they were */
	store_table tbl = in ? TBL_IN : TBL_OUT;
	int got = store_get(txn, tbl, key, 8, &v);
	if (got != PT_OK && got != PT_ENOTFOUND)
		return got;
	if (got == PT_OK && v.len % REC_EDGE_SIZE)
		return PT_ECORRUPT;
	int rc = merge_adj(got == PT_OK ? &v : NULL, del->r + d0, d1 - d0, add->r + a0, a1 - a0,
			   buf);
	if (rc)
		return rc;
	rep->edges_read += (got == PT_OK ? v.len / REC_EDGE_SIZE : 0) + (a1 - a0);
	bool same = got == PT_OK ? (v.len == buf->len && memcmp(v.data, buf->buf, buf->len) == 0)
				 : buf->len == 0;
	if (same)
		return PT_OK;
	rep->adj_written++;
	return buf->len ? store_put(txn, tbl, key, 8, buf->buf, buf->len)
			: store_del(txn, tbl, key, 8, NULL, 0);
}

/* The touched entities in index order, each once, through a bitmap over
 * the graph's entities: a keystroke in a big file touches its items many
 * times over, and sorting that list with qsort cost as much as the
 * writes it orders. */
static void sort_unique(pt_touched *t, size_t n_ents)
{
	size_t words = (n_ents + 63) / 64, w = 0;
	uint64_t *bits = pt_xcalloc(words ? words : 1, sizeof *bits);
	for (size_t i = 0; i < t->n; i++) {
		pt_assert(t->v[i] < n_ents); /* entity indices of the graph */
		if (t->v[i] < n_ents)
			bits[t->v[i] >> 6] |= 1ull << (t->v[i] & 63);
	}
	for (size_t k = 0; k < words; k++)
		for (uint64_t b = bits[k]; b; b &= b - 1)
			t->v[w++] = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(b));
	t->n = w;
	free(bits);
}

/* The touched entities' records and adjacency, rewritten where they differ
 * from the stored values. Only the edges source src makes changed (a
 * same-shape refile): each adjacency is its stored value with the file's
 * old edges (old[0..n_old), as they were before the refile) taken out and
 * its new ones put in, edge by edge. The edges are told by their records,
 * not by their site's file, so a file whose calls are written in another
 * file's macros (or whose macros another file expands, unchanged) takes
 * this path too. The cost follows the touched entities and the file's
 * edges, never the size of the graph. */
static int write_touched(store_txn *txn, const pt_graph *g, const pt_resolver *R, uint32_t src,
			 uint32_t fid, const pt_edge *old, size_t n_old, pt_touched *t,
			 index_report *rep)
{
	sort_unique(t, g->ents.n);
	size_t from, to;
	pt_resolver_file_edges(R, src, &from, &to);
	rep->edges_read += to - from + n_old;
	halves del[2], add[2];
	for (int in = 0; in < 2; in++) {
		halves_make(g, old, n_old, in, &del[in]);
		halves_make(g, g->edges.v + from, to - from, in, &add[in]);
	}
	pt_strbuf buf = {0};
	int rc = PT_OK;
	for (size_t i = 0; i < t->n && !rc; i++) {
		uint32_t e = t->v[i];
		for (int in = 0; in < 2 && !rc; in++)
			rc = write_adj(txn, g, e, in, &del[in], &add[in], &buf, rep);
		if (rc)
			break;
		if (g->ents.v[e].file != fid)
			continue; /* refile changes the records of the file's own items only */
		uint8_t key[8];
		store_val v;
		rec_entity r;
		store_key_u64(key, g->ents.v[e].id);
		ix_ent_record(g, &g->ents.v[e], &r);
		rec_entity_encode(&r, &buf);
		int got = store_get(txn, TBL_ENTS, key, 8, &v);
		if (got == PT_OK && v.len == buf.len && memcmp(v.data, buf.buf, buf.len) == 0)
			continue;
		/* same id, name and file: the secondary indexes stand */
		rc = store_put(txn, TBL_ENTS, key, 8, buf.buf, buf.len);
		rep->ents_written++;
	}
	pt_strbuf_free(&buf);
	for (int in = 0; in < 2; in++) {
		halves_free(&del[in]);
		halves_free(&add[in]);
	}
	return rc;
}

/* Whether the macro definitions of facts a and b differ (text, place, export). */
static bool macros_differ(const pt_facts *a, const pt_facts *b)
{
	if (a->macros.n != b->macros.n)
		return true;
	for (size_t i = 0; i < a->macros.n; i++) {
		const fact_macro *x = &a->macros.v[i], *y = &b->macros.v[i];
		if (x->flags != y->flags || memcmp(&x->span, &y->span, sizeof x->span) != 0 ||
		    strcmp(pt_strpool_get(&a->pool, x->text), pt_strpool_get(&b->pool, y->text)))
			return true;
	}
	return false;
}

/* Whether another file expands a definition of file at. */
static bool lends(const index_session *s, int at)
{
	const char *path = s->S.src.v[at].path;
	size_t n = strlen(path);
	for (size_t i = 0; i < s->S.src.n; i++) {
		const pt_facts *f = s->S.src.v[i].facts;
		const char *l = f && (int)i != at ? pt_strpool_get(&f->pool, f->imported) : "";
		for (const char *p = l; (p = strstr(p, path)); p += n)
			if ((p == l || p[-1] == '\n') && p[n] == '\n')
				return true;
	}
	return false;
}

/* Whether a and b define the same macro names in the same order: a
 * macro table built over one stands for the other (it holds names, the
 * rest is read through the facts when asked). */
static bool same_macro_names(const pt_facts *a, const pt_facts *b)
{
	if (a->macros.n != b->macros.n)
		return false;
	for (size_t i = 0; i < a->macros.n; i++)
		if (strcmp(pt_strpool_get(&a->pool, a->macros.v[i].name),
			   pt_strpool_get(&b->pool, b->macros.v[i].name)))
			return false;
	return true;
}

/* The imports of source at, its macros being those of scan (the new text):
 * chosen as a run would, from the facts of every file of the session.
 * The session's table serves when scan keeps the file's macro names (a
 * keystroke nearly always does); else a table is made for this edit. */
static void session_imports(index_session *s, int at, const pt_facts *scan,
			    pt_macro_imports_vec *out)
{
	const pt_facts *cur = s->S.src.v[at].facts;
	if (!same_macro_names(cur, scan)) {
		s->places.v[at].facts = scan;
		pt_macro_table *t = pt_macro_table_new(s->places.v, s->places.n);
		pt_macro_imports(t, (size_t)at, out);
		pt_macro_table_free(t);
		s->places.v[at].facts = cur;
		return;
	}
	if (!s->macros)
		s->macros = pt_macro_table_new(s->places.v, s->places.n);
	s->places.v[at].facts = scan; /* only for this call: the job owns it */
	pt_macro_imports(s->macros, (size_t)at, out);
	s->places.v[at].facts = cur;
}

/* Source at's facts are now nf, its old ones about to be freed: the
 * places follow, and the macro table goes when nf's names differ. */
static void session_refacts(index_session *s, int at, const pt_facts *nf)
{
	if (!same_macro_names(s->places.v[at].facts, nf)) {
		pt_macro_table_free(s->macros);
		s->macros = NULL;
	}
	s->places.v[at].facts = nf;
}

/* Parse one file's new content (source at); false when it cannot take the
 * fast path (unreadable, skipped, gone, or its macro definitions changed
 * where another file expands them). */
static bool session_parse(index_session *s, int at, const char *rel, const char *text, size_t len,
			  const pt_tree *old, job *j, pt_workspace *one)
{
	ws_file wf;
	bool on_disk;
	if (!ix_one_file(s->root, rel, text, len, s->follow, &wf, &on_disk))
		return false;
	pt_vec_push(&one->files, wf);
	*j = (job){.ws = 0, .text = text, .text_len = len, .old_tree = old};
	pool P = {.root = s->root,
		  .ws = one,
		  .jobs = j,
		  .n = 1,
		  .max_size = DEFAULT_MAX_FILE,
		  .keep_facts = true,
		  .keep_tree = true,
		  .fast_blob = true};
	ix_scan_one(&P, j);
	if (!j->extract)
		return false;
	if (macros_differ(s->S.src.v[at].facts, &j->scan) && lends(s, at))
		return false;
	session_imports(s, at, &j->scan, &j->imps);
	if (!s->ex) {
		s->ex = pt_extractor_new();
		pt_extractor_keep_parses(s->ex, true);
	}
	ix_extract_one(&P, j, s->ex);
	return !j->rec.skip;
}

/* A write transaction on the session's database; PT_ENOTFOUND when
 * another writer committed since the session loaded it. */
static int session_begin(index_session *s, store_txn **txn)
{
	int rc = store_txn_begin(s->st, true, txn);
	if (rc)
		return rc;
	if (generation(*txn) != s->generation) {
		store_txn_abort(*txn);
		*txn = NULL;
		return PT_ENOTFOUND;
	}
	return PT_OK;
}

/* The rows every session write ends with (edge count, time, generation),
 * then the commit. *gone: the transaction was committed or its commit
 * failed; else it is still open, for the caller to abort (and maybe
 * grow the map and retry). */
static int session_finish(index_session *s, store_txn *txn, index_report *rep, bool *gone)
{
	int rc = store_meta_put_u64(txn, META_EDGES, pt_resolver_edges(s->R));
	if (!rc)
		rc = store_meta_put_u64(txn, META_LAST_UPDATE, (uint64_t)time(NULL));
	if (!rc)
		rc = ix_bump_generation(txn);
	*gone = !rc;
	if (rc)
		return rc;
	uint64_t tc = pt_now_ns();
	rc = store_txn_commit(txn);
	rep->commit_seconds = ix_secs(pt_now_ns() - tc);
	if (!rc)
		s->generation++;
	return rc;
}

static int session_commit(index_session *s, const char *rel, int at, const pt_edge *old,
			  size_t n_old, job *j, pt_touched *t, index_report *rep)
{
	for (;;) {
		store_txn *txn = NULL;
		uint64_t next_id = 1;
		int rc = session_begin(s, &txn);
		if (rc)
			return rc;
		store_meta_get_u64(txn, META_NEXT_FILE_ID, &next_id);
		rc = ix_put_file(txn, rel, j, &next_id);
		if (!rc)
			rc = write_touched(txn, &s->g, s->R, (uint32_t)at, s->S.src.v[at].id, old,
					   n_old, t, rep);
		bool gone = false;
		if (!rc)
			rc = session_finish(s, txn, rep, &gone);
		if (gone)
			return rc;
		store_txn_abort(txn);
		if (rc != PT_EMAPFULL || store_grow(s->st))
			return rc;
		rep->map_grows++;
	}
}

/* One half edge by the id of the entity whose adjacency holds it. */
typedef struct {
	uint64_t ent;
	rec_edge r;
} idhalf;

typedef PT_VEC(idhalf) idhalves;

static int cmp_idhalf(const void *a, const void *b)
{
	const idhalf *x = a, *y = b;
	if (x->ent != y->ent)
		return x->ent < y->ent ? -1 : 1;
	return cmp_rec(&x->r, &y->r);
}

/* Both halves of the edges of the runs of g->edges that the files redo
 * marks made, in graph g (of resolver R), appended to out[0] (out) and
 * out[1] (in). */
static void run_halves(const pt_graph *g, const pt_resolver *R, const bool *redo, size_t n_src,
		       idhalves out[2])
{
	for (size_t s = 0; s < n_src; s++) {
		if (!redo[s])
			continue;
		size_t from, to;
		pt_resolver_file_edges(R, s, &from, &to);
		for (size_t i = from; i < to; i++) {
			const pt_edge *x = &g->edges.v[i];
			if (x->origin == PT_EDGE_DEAD)
				continue;
			for (int in = 0; in < 2; in++) {
				uint32_t end = in ? x->dst : x->src, far = in ? x->src : x->dst;
				idhalf h = {g->ents.v[end].id,
					    {g->ents.v[far].id, x->file, x->kind, x->flags,
					     x->site.start_line, x->site.start_col,
					     x->site.end_line, x->site.end_col}};
				pt_vec_push(&out[in], h);
			}
		}
	}
	for (int in = 0; in < 2; in++)
		if (out[in].n)
			qsort(out[in].v, out[in].n, sizeof *out[in].v, cmp_idhalf);
}

/* The run [*from, *to) of the halves of entity id; *at walks forward. */
static void id_run(const idhalf *h, size_t n, size_t *at, uint64_t id, size_t *from, size_t *to)
{
	while (*at < n && h[*at].ent < id)
		(*at)++;
	*from = *at;
	while (*at < n && h[*at].ent == id)
		(*at)++;
	*to = *at;
}

/* The adjacency values of the entities the old and new edges of the files
 * made again end at, each its stored value less the old edges plus the
 * new ones (merge_adj), written where it differs. */
static int write_dep_adj(store_txn *txn, idhalves del[2], idhalves add[2], index_report *rep)
{
	pt_strbuf buf = {0};
	int rc = PT_OK;
	for (int in = 0; in < 2 && !rc; in++) {
		size_t n = del[in].n + add[in].n, ai = 0, di = 0, w = 0;
		rec_edge *dr = pt_xmalloc((del[in].n + 1) * sizeof *dr),
			 *ar = pt_xmalloc((add[in].n + 1) * sizeof *ar);
		for (size_t i = 0; i < del[in].n; i++)
			dr[i] = del[in].v[i].r;
		for (size_t i = 0; i < add[in].n; i++)
			ar[i] = add[in].v[i].r;
		uint64_t *ids = pt_xmalloc((n + 1) * sizeof *ids);
		for (size_t i = 0; i < del[in].n; i++)
			ids[w++] = del[in].v[i].ent;
		for (size_t i = 0; i < add[in].n; i++)
			ids[w++] = add[in].v[i].ent;
		qsort(ids, w, sizeof *ids, cmp_u64);
		for (size_t i = 0; i < w && !rc; i++) {
			if (i && ids[i] == ids[i - 1])
				continue;
			size_t d0, d1, a0, a1;
			id_run(del[in].v, del[in].n, &di, ids[i], &d0, &d1);
			id_run(add[in].v, add[in].n, &ai, ids[i], &a0, &a1);
			if (same_recs(dr + d0, d1 - d0, ar + a0, a1 - a0))
				continue;
			uint8_t key[8];
			store_val v;
			store_key_u64(key, ids[i]);
			store_table tbl = in ? TBL_IN : TBL_OUT;
			int got = store_get(txn, tbl, key, 8, &v);
			if (got != PT_OK && got != PT_ENOTFOUND) {
				rc = got;
				break;
			}
			if (got == PT_OK && v.len % REC_EDGE_SIZE) {
				rc = PT_ECORRUPT;
				break;
			}
			rc = merge_adj(got == PT_OK ? &v : NULL, dr + d0, d1 - d0, ar + a0, a1 - a0,
				       &buf);
			if (rc)
				break;
			rep->edges_read += (got == PT_OK ? v.len / REC_EDGE_SIZE : 0) + (a1 - a0);
			rep->adj_written++;
			rc = buf.len ? store_put(txn, tbl, key, 8, buf.buf, buf.len)
				     : store_del(txn, tbl, key, 8, NULL, 0);
		}
		free(ids);
		free(dr);
		free(ar);
	}
	pt_strbuf_free(&buf);
	return rc;
}

/* The index of the entity of graph g whose id is id, by binary search in
 * the ids sorted (ids[i].id, ids[i].idx), NONE_ENT when none. */
typedef struct {
	uint64_t id;
	uint32_t idx;
} ent_ix;
#define NONE_ENT UINT32_MAX

static int cmp_ent_ix(const void *a, const void *b)
{
	const ent_ix *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The entities of file fid and the placeholders (no file) of g, by id. */
static ent_ix *file_ents(const pt_graph *g, uint32_t fid, size_t *n)
{
	ent_ix *v = pt_xmalloc((g->ents.n + 1) * sizeof *v);
	size_t w = 0;
	for (size_t e = 0; e < g->ents.n; e++)
		if (g->ents.v[e].file == fid || g->ents.v[e].file == PT_NO_FILE)
			v[w++] = (ent_ix){g->ents.v[e].id, (uint32_t)e};
	qsort(v, w, sizeof *v, cmp_ent_ix);
	*n = w;
	return v;
}

/* One entity record and its index rows (name → id, file → id): old (from
 * graph og, may be NULL) replaced by new (graph ng, may be NULL). */
static int put_entity(store_txn *txn, const pt_graph *og, const pt_entity *o, const pt_graph *ng,
		      const pt_entity *e, pt_strbuf *a, pt_strbuf *b, index_report *rep)
{
	rec_entity r;
	uint8_t key[8], fk[4];
	if (!o && !e)
		return PT_OK; /* nothing was there and nothing is */
	store_key_u64(key, e ? e->id : o->id);
	a->len = b->len = 0;
	if (o) {
		ix_ent_record(og, o, &r);
		rec_entity_encode(&r, a);
	}
	if (e) {
		ix_ent_record(ng, e, &r);
		rec_entity_encode(&r, b);
	}
	if (o && e && a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0)
		return PT_OK;
	if (o) {
		const char *name = pt_graph_str(og, o->name);
		uint64_t id = o->id;
		store_key_u32(fk, o->file);
		if (*name)
			store_del(txn, TBL_NAMES, name, rec_name_key_len(name), &id, 8);
		if (o->file != PT_NO_FILE)
			store_del(txn, TBL_FILEENTS, fk, 4, &id, 8);
	}
	if (!e) {
		rep->ents_deleted++;
		int rc = store_del(txn, TBL_ENTS, key, 8, NULL, 0);
		return rc == PT_ENOTFOUND ? PT_OK : rc;
	}
	rep->ents_written++;
	int rc = store_put(txn, TBL_ENTS, key, 8, b->buf, b->len);
	const char *name = pt_graph_str(ng, e->name);
	uint64_t id = e->id;
	store_key_u32(fk, e->file);
	if (!rc && *name)
		rc = store_put(txn, TBL_NAMES, name, rec_name_key_len(name), &id, 8);
	if (!rc && e->file != PT_NO_FILE)
		rc = store_put(txn, TBL_FILEENTS, fk, 4, &id, 8);
	return rc;
}

/* The records of the edited file's entities and of the placeholders, old
 * (graph og) against new (graph ng): the only entities an edit can add,
 * drop or change (every other file made the same ones from the same
 * facts and module tree, pt_resolver_new_from checks their ids). */
static int write_dep_ents(store_txn *txn, const pt_graph *og, const pt_graph *ng, uint32_t fid,
			  index_report *rep)
{
	size_t on, nn, i = 0, j = 0;
	ent_ix *o = file_ents(og, fid, &on), *n = file_ents(ng, fid, &nn);
	pt_strbuf a = {0}, b = {0};
	int rc = PT_OK;
	while ((i < on || j < nn) && !rc) {
		int c = i == on ? 1 : j == nn ? -1 : cmp_ent_ix(&o[i], &n[j]);
		const pt_entity *x = c <= 0 ? &og->ents.v[o[i].idx] : NULL;
		const pt_entity *y = c >= 0 ? &ng->ents.v[n[j].idx] : NULL;
		rc = put_entity(txn, og, x, ng, y, &a, &b, rep);
		i += c <= 0;
		j += c >= 0;
	}
	pt_strbuf_free(&a);
	pt_strbuf_free(&b);
	free(o);
	free(n);
	return rc;
}

/* What session_deps changed, written record by record: the edited file's
 * entities and the placeholders, and the adjacency of the entities that
 * the edges of the files made again end at (their old edges, of prev in
 * graph og, out; their new ones in). The cost follows those files, not
 * the graph. */
static int write_deps(store_txn *txn, const index_session *s, const pt_graph *og,
		      const pt_resolver *prev, const bool *redo, uint32_t fid, index_report *rep)
{
	idhalves del[2] = {{0}}, add[2] = {{0}};
	run_halves(og, prev, redo, s->S.src.n, del);
	run_halves(&s->g, s->R, redo, s->S.src.n, add);
	int rc = write_dep_ents(txn, og, &s->g, fid, rep);
	if (!rc)
		rc = write_dep_adj(txn, del, add, rep);
	for (int in = 0; in < 2; in++) {
		pt_vec_free(&del[in]);
		pt_vec_free(&add[in]);
	}
	return rc;
}

/* Writes what session_deps changed (write_deps) with the edited file's
 * record, in one transaction; og and prev are the graph and resolver
 * before the edit. */
static int deps_commit(index_session *s, const char *rel, job *j, const pt_graph *og,
		       const pt_resolver *prev, const bool *redo, uint32_t fid, index_report *rep)
{
	for (;;) {
		store_txn *txn = NULL;
		uint64_t next_id = 1;
		int rc = session_begin(s, &txn);
		if (rc)
			return rc;
		store_meta_get_u64(txn, META_NEXT_FILE_ID, &next_id);
		rc = ix_put_file(txn, rel, j, &next_id);
		if (!rc)
			rc = write_deps(txn, s, og, prev, redo, fid, rep);
		if (!rc)
			rc = store_meta_put_u64(txn, META_ENTITIES, s->g.ents.n);
		bool gone = false;
		if (!rc)
			rc = session_finish(s, txn, rep, &gone);
		if (gone)
			return rc;
		store_txn_abort(txn);
		if (rc != PT_EMAPFULL || store_grow(s->st))
			return rc;
		rep->map_grows++;
	}
}

/* An edit that changes what file at declares: the file and the files
 * that read a name the edit changed are resolved again, the others keep
 * their edges (pt_resolver_new_from); what changed is written record by
 * record (write_deps). PT_ENOTFOUND when the change cannot be
 * bounded: the caller resolves everything. */
static int session_deps(index_session *s, const char *rel, int at, job *j, uint64_t t0,
			index_report *rep)
{
	pt_names names = {0};
	if (!pt_resolver_changed_names(s->R, (size_t)at, &j->facts, &names)) {
		pt_vec_free(&names);
		return PT_ENOTFOUND;
	}
	bool *redo = pt_xcalloc(s->S.src.n + 1, sizeof *redo);
	size_t k = pt_resolver_dependents(s->R, (size_t)at, &j->facts, &names, redo);
	pt_vec_free(&names);
	pt_facts *nf = pt_xmalloc(sizeof *nf);
	*nf = j->facts;
	pt_facts_init(&j->facts);
	const pt_facts *old_facts = s->S.src.v[at].facts;
	s->S.src.v[at].facts = nf;
	pt_graph g;
	pt_graph_init(&g);
	pt_crates cs = pt_workspace_crate_set(&s->ws);
	pt_resolver *R = pt_resolver_new_from(&g, s->S.src.v, s->S.src.n, &cs, s->R, redo);
	if (!R) {
		free(redo);
		s->S.src.v[at].facts = old_facts;
		pt_graph_free(&g);
		j->facts = *nf; /* freed with the job */
		free(nf);
		return PT_ENOTFOUND;
	}
	/* the session takes the new resolution; the old one stays for the
	 * write, which takes its edges out */
	pt_graph og = s->g;
	pt_resolver *prev = s->R;
	pt_resolver_rebind(prev, &og);
	s->g = g;
	s->R = R;
	pt_resolver_rebind(R, &s->g);
	session_refacts(s, at, nf);
	pt_facts *old = s->S.owned.v[at];
	s->S.owned.v[at] = nf;
	pt_facts_free(old);
	free(old);
	rep->changed = 1;
	rep->parsed = 1;
	rep->resolved_files = (uint32_t)k;
	rep->rust_files = (uint32_t)s->S.src.n;
	rep->resolve_seconds = ix_secs(pt_now_ns() - t0);
	uint64_t t1 = pt_now_ns();
	int rc = deps_commit(s, rel, j, &og, prev, redo, s->S.src.v[at].id, rep);
	rep->write_seconds = ix_secs(pt_now_ns() - t1);
	rep->entities = s->g.ents.n;
	rep->edges = pt_resolver_edges(s->R);
	pt_resolver_free(prev);
	pt_graph_free(&og);
	free(redo);
	if (rc)
		session_unload(s); /* memory is ahead of the store: start again */
	return rc;
}

/* The fast path, when it applies: PT_ENOTFOUND means "take the slow one". */
static int session_fast(index_session *s, const char *rel, const char *text, size_t len,
			const pt_tree *old, pt_tree **new_tree, index_report *rep)
{
	if (!s->loaded) {
		int rc = session_load(s);
		if (rc)
			return rc == PT_ENOTFOUND ? PT_EIO : rc;
	}
	int at = find_source(&s->S, rel);
	if (at < 0)
		return PT_ENOTFOUND;
	store_txn *txn = NULL;
	int rc = store_txn_begin(s->st, false, &txn);
	if (rc)
		return rc;
	bool fresh = generation(txn) == s->generation;
	store_val v;
	job j = {0};
	bool known = store_get(txn, TBL_FILES, rel, strlen(rel), &v) == PT_OK &&
		     rec_file_decode(v.data, v.len, &j.old) == 0;
	rec_file old_rec = j.old;
	store_txn_abort(txn);
	if (!fresh || !known)
		return PT_ENOTFOUND;
	pt_workspace one = {0};
	rc = PT_ENOTFOUND;
	uint64_t t0 = pt_now_ns();
	bool parsed = session_parse(s, at, rel, text, len, old, &j, &one);
	*new_tree = j.new_tree; /* good for the next edit, fast path or not */
	j.new_tree = NULL;
	if (!parsed)
		goto done;
	j.known = true;
	j.old = old_rec;
	j.rec.id = old_rec.id;
	rep->parse_seconds = ix_secs(pt_now_ns() - t0);
	t0 = pt_now_ns();
	if (!pt_resolver_same_shape(s->R, (size_t)at, &j.facts)) {
		rc = session_deps(s, rel, at, &j, t0, rep);
		goto done;
	}
	/* the session now owns the new facts; the old ones go */
	pt_facts *nf = pt_xmalloc(sizeof *nf);
	*nf = j.facts;
	pt_facts_init(&j.facts);
	pt_touched touched = {0};
	/* the file's edges before the edit: what the write takes out */
	size_t from, to;
	pt_resolver_file_edges(s->R, (size_t)at, &from, &to);
	pt_edge *old_edges = pt_xmalloc((to - from + 1) * sizeof *old_edges);
	memcpy(old_edges, s->g.edges.v + from, (to - from) * sizeof *old_edges);
	pt_resolver_refile(s->R, (size_t)at, nf, &touched);
	session_refacts(s, at, nf);
	pt_facts *old_facts = s->S.owned.v[at];
	s->S.owned.v[at] = nf;
	pt_facts_free(old_facts);
	free(old_facts);
	rep->changed = 1;
	rep->parsed = 1;
	rep->fast_path = true;
	rep->resolved_files = 1;
	rep->rust_files = (uint32_t)s->S.src.n;
	rep->resolve_seconds = ix_secs(pt_now_ns() - t0);
	t0 = pt_now_ns();
	rc = session_commit(s, rel, at, old_edges, to - from, &j, &touched, rep);
	free(old_edges);
	rep->write_seconds = ix_secs(pt_now_ns() - t0);
	rep->entities = s->g.ents.n;
	rep->edges = pt_resolver_edges(s->R);
	pt_vec_free(&touched);
	if (rc)
		session_unload(s); /* memory is ahead of the store: start again */
done:
	pt_facts_free(&j.facts);
	pt_facts_free(&j.scan);
	pt_vec_free(&j.imps);
	pt_strbuf_free(&j.blob);
	pt_workspace_free(&one);
	return rc;
}

int index_session_update(index_session *s, const char *rel_path, const char *text, size_t len,
			 index_report *rep)
{
	pt_tree *t = NULL;
	int rc = index_session_update_tree(s, rel_path, text, len, NULL, &t, rep);
	if (t)
		pt_tree_free(t);
	return rc;
}

int index_session_update_tree(index_session *s, const char *rel_path, const char *text, size_t len,
			      const pt_tree *old, pt_tree **new_tree, index_report *rep)
{
	uint64_t t0 = pt_now_ns();
	memset(rep, 0, sizeof *rep);
	*new_tree = NULL;
	int rc = session_fast(s, rel_path, text, len, old, new_tree, rep);
	if (rc == PT_ENOTFOUND) {
		session_unload(s);
		rc = index_update_file(s->st, s->root, rel_path, text, len, rep);
	}
	rep->seconds = ix_secs(pt_now_ns() - t0);
	return rc;
}
