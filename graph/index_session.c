/* graph/index_session.c — a workspace resolution kept for an editor.
 *
 * The session loads every file's facts and resolves them once, then keeps
 * the resolver (pt_resolver) alive. An edit that leaves a file's
 * declarations as they were is parsed, re-resolved for that file alone
 * (pt_resolver_refile) and written as the entities and adjacency values it
 * touched, in one transaction; each adjacency value is its stored one with
 * the file's edges replaced, so the write costs what the file and the
 * entities it touches hold, not what the graph holds (unless macros carry
 * edges between files: see edits_own_edges). Anything else, or a
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
	 * much to repeat for every file at every edit. Per source of S; the
	 * facts pointers are set when used. */
	PT_VEC(pt_macro_file) places;
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
		pt_vec_push(&s->places, f);
	}
	pt_graph_init(&s->g);
	pt_crates cs = pt_workspace_crate_set(&s->ws);
	s->R = pt_resolver_new(&s->g, s->S.src.v, s->S.src.n, &cs);
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

#ifdef PT_DEBUG
/* Source src's edges [from, to) are exactly those written in its file fid
 * (edits_own_edges said so). */
static void check_file_edges(const pt_graph *g, uint32_t src, uint32_t fid, size_t from, size_t to)
{
	for (size_t i = 0; i < g->edges.n; i++) {
		const pt_edge *e = &g->edges.v[i];
		bool in = i >= from && i < to;
		pt_assert((e->origin == src) == in);
		pt_assert(e->origin == PT_EDGE_DEAD || (e->file == fid) == in);
	}
}
#endif

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Whether stored edge s comes before new half h in the stored order
 * (ix_cmp_half). They never share a file (s is another file's edge, h is
 * fid's), so kind, far end and file decide. */
static bool stored_first(const rec_edge *s, const half *h)
{
	if (s->kind != h->e.kind)
		return s->kind < h->e.kind;
	if (s->other != h->other)
		return s->other < h->other;
	return s->file < h->e.file;
}

/* The new adjacency of one entity in one direction: its stored value
 * (the graph before the edit) without the edges written in file fid,
 * merged with fid's new ones h[0..n) (sorted), in the stored order. */
static void merge_adj(const pt_graph *g, const store_val *old, uint32_t fid, const half *h,
		      size_t n, pt_strbuf *out)
{
	const uint8_t *p = old ? old->data : NULL;
	size_t m = old ? old->len / REC_EDGE_SIZE : 0, i = 0, k = 0;
	out->len = 0;
	while (i < m || k < n) {
		rec_edge s;
		if (i < m) {
			rec_edge_decode(p + i * REC_EDGE_SIZE, &s);
			if (s.file == fid) {
				i++;
				continue;
			}
		}
		if (i < m && (k == n || stored_first(&s, &h[k]))) {
			pt_strbuf_add(out, p + i * REC_EDGE_SIZE, REC_EDGE_SIZE);
			i++;
		} else {
			ix_add_half(g, &h[k++], out);
		}
	}
}

/* File fid's new edges [from, to) as halves of one direction, sorted as
 * stored. */
static half *file_halves(const pt_graph *g, size_t from, size_t to, bool in)
{
	size_t n = to - from;
	half *h = pt_xmalloc((n ? n : 1) * sizeof *h);
	for (size_t i = 0; i < n; i++) {
		const pt_edge *e = &g->edges.v[from + i];
		uint32_t end = in ? e->dst : e->src, far = in ? e->src : e->dst;
		h[i] = (half){end, g->ents.v[far].id, *e, in};
	}
	qsort(h, n, sizeof *h, ix_cmp_half);
	return h;
}

/* Entity e's adjacency in one direction rewritten when it differs from
 * the stored value; *at walks h (sorted by entity) past e's halves. */
static int write_adj(store_txn *txn, const pt_graph *g, uint32_t fid, uint32_t e, bool in,
		     const half *h, size_t nh, size_t *at, pt_strbuf *buf, index_report *rep)
{
	uint8_t key[8];
	store_val v;
	store_key_u64(key, g->ents.v[e].id);
	while (*at < nh && h[*at].ent < e)
		(*at)++;
	size_t from = *at;
	while (*at < nh && h[*at].ent == e)
		(*at)++;
	store_table tbl = in ? TBL_IN : TBL_OUT;
	int got = store_get(txn, tbl, key, 8, &v);
	if (got != PT_OK && got != PT_ENOTFOUND)
		return got;
	if (got == PT_OK && v.len % REC_EDGE_SIZE)
		return PT_ECORRUPT;
	merge_adj(g, got == PT_OK ? &v : NULL, fid, h + from, *at - from, buf);
	rep->edges_read += (got == PT_OK ? v.len / REC_EDGE_SIZE : 0) + (*at - from);
	bool same = got == PT_OK ? (v.len == buf->len && memcmp(v.data, buf->buf, buf->len) == 0)
				 : buf->len == 0;
	if (same)
		return PT_OK;
	rep->adj_written++;
	return buf->len ? store_put(txn, tbl, key, 8, buf->buf, buf->len)
			: store_del(txn, tbl, key, 8, NULL, 0);
}

/* The touched entities' records and adjacency, rewritten where they differ
 * from the stored values. Only file fid's edges changed (a same-shape
 * refile), so each adjacency is its stored value with fid's old edges
 * replaced by the new ones: the cost follows the touched entities and the
 * file's edges, never the size of the graph. */
static int write_touched(store_txn *txn, const pt_graph *g, const pt_resolver *R, uint32_t src,
			 uint32_t fid, pt_touched *t, index_report *rep)
{
	if (t->n)
		qsort(t->v, t->n, sizeof *t->v, cmp_u32);
	size_t from, to;
	pt_resolver_file_edges(R, src, &from, &to);
#ifdef PT_DEBUG
	check_file_edges(g, src, fid, from, to);
#endif
	size_t nh = to - from;
	rep->edges_read += nh;
	half *out = file_halves(g, from, to, false), *in = file_halves(g, from, to, true);
	pt_strbuf buf = {0};
	int rc = PT_OK;
	size_t oi = 0, ii = 0;
	for (size_t i = 0; i < t->n && !rc; i++) {
		uint32_t e = t->v[i];
		if (i && e == t->v[i - 1])
			continue; /* touched lists repeat */
		rc = write_adj(txn, g, fid, e, false, out, nh, &oi, &buf, rep);
		if (!rc)
			rc = write_adj(txn, g, fid, e, true, in, nh, &ii, &buf, rep);
		if (rc)
			break;
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
	free(out);
	free(in);
	return rc;
}

/* The same from a pass over every edge: for an edit of a file whose edges
 * are not all written in it, or written in it by others (macros that one
 * file defines and another expands), where the stored edges cannot tell
 * which of them the edit replaced. */
static int write_touched_all(store_txn *txn, const pt_graph *g, pt_touched *t, index_report *rep)
{
	uint8_t *mark = pt_xcalloc(g->ents.n + 1, 1);
	for (size_t i = 0; i < t->n; i++)
		mark[t->v[i]] = 1;
	PT_VEC(half) out = {0}, in = {0};
	rep->edges_read += g->edges.n;
	for (size_t i = 0; i < g->edges.n; i++) {
		const pt_edge *e = &g->edges.v[i];
		if (e->origin == PT_EDGE_DEAD)
			continue; /* replaced by a refile */
		if (mark[e->src]) {
			half h = {e->src, g->ents.v[e->dst].id, *e, false};
			pt_vec_push(&out, h);
		}
		if (mark[e->dst]) {
			half h = {e->dst, g->ents.v[e->src].id, *e, true};
			pt_vec_push(&in, h);
		}
	}
	if (out.n)
		qsort(out.v, out.n, sizeof *out.v, ix_cmp_half);
	if (in.n)
		qsort(in.v, in.n, sizeof *in.v, ix_cmp_half);
	pt_strbuf buf = {0};
	int rc = PT_OK;
	size_t oi = 0, ii = 0;
	for (uint32_t e = 0; e < g->ents.n && !rc; e++) {
		if (!mark[e])
			continue;
		uint8_t key[8];
		store_val v;
		store_key_u64(key, g->ents.v[e].id);
		for (int dir = 0; dir < 2 && !rc; dir++) {
			size_t *at = dir ? &ii : &oi, from = *at;
			const half *h = dir ? in.v : out.v;
			size_t n = dir ? in.n : out.n;
			while (*at < n && h[*at].ent == e)
				(*at)++;
			ix_encode_adj(g, h, (uint32_t)from, (uint32_t)*at, &buf);
			store_table tbl = dir ? TBL_IN : TBL_OUT;
			int got = store_get(txn, tbl, key, 8, &v);
			if (got != PT_OK && got != PT_ENOTFOUND) {
				rc = got;
				break;
			}
			bool same = got == PT_OK ? (v.len == buf.len &&
						    memcmp(v.data, buf.buf, buf.len) == 0)
						 : buf.len == 0;
			if (same)
				continue;
			rc = buf.len ? store_put(txn, tbl, key, 8, buf.buf, buf.len)
				     : store_del(txn, tbl, key, 8, NULL, 0);
			rep->adj_written++;
		}
		if (rc)
			break;
		rec_entity r;
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
	pt_vec_free(&out);
	pt_vec_free(&in);
	free(mark);
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

/* Whether facts f expand no definition of another file than path: then
 * every edge they make is written in path. */
static bool expands_own_only(const pt_facts *f, const char *path)
{
	size_t n = strlen(path);
	for (const char *l = pt_strpool_get(&f->pool, f->imported); *l;) {
		const char *nl = strchr(l, '\n');
		size_t k = nl ? (size_t)(nl - l) : strlen(l);
		if (k != n || memcmp(l, path, n) != 0)
			return false;
		l += k + (nl != NULL);
	}
	return true;
}

/* Whether the edges source at makes, before (old) and after (nf) the edit,
 * are exactly the edges written in its file: then the stored adjacency
 * tells the edit's edges by their file. */
static bool edits_own_edges(const index_session *s, int at, const pt_facts *old, const pt_facts *nf)
{
	const char *path = s->S.src.v[at].path;
	return expands_own_only(old, path) && expands_own_only(nf, path) && !lends(s, at);
}

/* The imports of source at, its macros being those of scan (the new text):
 * chosen as a run would, from the facts of every file of the session. */
static void session_imports(index_session *s, int at, const pt_facts *scan,
			    pt_macro_imports_vec *out)
{
	for (size_t i = 0; i < s->places.n; i++)
		s->places.v[i].facts = (int)i == at ? scan : s->S.src.v[i].facts;
	pt_macro_table *t = pt_macro_table_new(s->places.v, s->places.n);
	pt_macro_imports(t, (size_t)at, out);
	pt_macro_table_free(t);
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
		  .keep_tree = true};
	ix_scan_one(&P, j);
	if (!j->extract)
		return false;
	if (macros_differ(s->S.src.v[at].facts, &j->scan) && lends(s, at))
		return false;
	session_imports(s, at, &j->scan, &j->imps);
	pt_extractor *ex = pt_extractor_new();
	ix_extract_one(&P, j, ex);
	pt_extractor_free(ex);
	return !j->rec.skip;
}

static int session_commit(index_session *s, const char *rel, int at, bool by_file, job *j,
			  pt_touched *t, index_report *rep)
{
	for (;;) {
		store_txn *txn = NULL;
		uint64_t next_id = 1;
		int rc = store_txn_begin(s->st, true, &txn);
		if (rc)
			return rc;
		if (generation(txn) != s->generation) {
			store_txn_abort(txn);
			return PT_ENOTFOUND;
		}
		store_meta_get_u64(txn, META_NEXT_FILE_ID, &next_id);
		rc = ix_put_file(txn, rel, j, &next_id);
		if (!rc)
			rc = by_file ? write_touched(txn, &s->g, s->R, (uint32_t)at,
						     s->S.src.v[at].id, t, rep)
				     : write_touched_all(txn, &s->g, t, rep);
		if (!rc)
			rc = store_meta_put_u64(txn, META_EDGES, pt_resolver_edges(s->R));
		if (!rc)
			rc = store_meta_put_u64(txn, META_LAST_UPDATE, (uint64_t)time(NULL));
		if (!rc)
			rc = ix_bump_generation(txn);
		if (!rc) {
			uint64_t tc = pt_now_ns();
			rc = store_txn_commit(txn);
			rep->commit_seconds = ix_secs(pt_now_ns() - tc);
			if (!rc)
				s->generation++;
			return rc;
		}
		store_txn_abort(txn);
		if (rc != PT_EMAPFULL || store_grow(s->st))
			return rc;
		rep->map_grows++;
	}
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
	if (!pt_resolver_same_shape(s->R, (size_t)at, &j.facts))
		goto done;
	/* the session now owns the new facts; the old ones go */
	pt_facts *nf = pt_xmalloc(sizeof *nf);
	*nf = j.facts;
	pt_facts_init(&j.facts);
	pt_touched touched = {0};
	bool by_file = edits_own_edges(s, at, s->S.src.v[at].facts, nf);
	pt_resolver_refile(s->R, (size_t)at, nf, &touched);
	pt_facts *old_facts = s->S.owned.v[at];
	s->S.owned.v[at] = nf;
	pt_facts_free(old_facts);
	free(old_facts);
	rep->changed = 1;
	rep->parsed = 1;
	rep->fast_path = true;
	rep->resolve_seconds = ix_secs(pt_now_ns() - t0);
	t0 = pt_now_ns();
	rc = session_commit(s, rel, at, by_file, &j, &touched, rep);
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
