/* graph/index_session.c — a workspace resolution kept for an editor.
 *
 * The session loads every file's facts and resolves them once, then keeps
 * the resolver (pt_resolver) alive. An edit that leaves a file's
 * declarations as they were is parsed, re-resolved for that file alone
 * (pt_resolver_refile) and written as the entities and adjacency values it
 * touched, in one transaction; each adjacency value is its stored one with
 * the file's edges replaced, so the write costs what the file and the
 * entities it touches hold, not what the graph holds. Anything else, or a
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
	s->follow = ix_follows_links(txn);
	rc = ix_load_sources(txn, &s->S);
	if (!rc)
		rc = ix_ws_from_store(txn, &s->ws);
	store_txn_abort(txn);
	if (rc) {
		session_unload(s);
		return rc;
	}
	pt_workspace_crates(s->root, &s->ws);
	pt_graph_init(&s->g);
	s->R = pt_resolver_new(&s->g, s->S.src.v, s->S.src.n, s->ws.crates.v, s->ws.crates.n);
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

/* Where the edges of file fid begin in g after pt_resolver_refile: it keeps
 * the other files' edges and re-emits the file's own at the end
 * (resolve.h), so they are found from the end, in proportion to the file. */
static size_t file_edges_from(const pt_graph *g, uint32_t fid)
{
	size_t from = g->edges.n;
	while (from > 0 && g->edges.v[from - 1].file == fid)
		from--;
#ifdef PT_DEBUG
	for (size_t i = 0; i < from; i++)
		pt_assert(g->edges.v[i].file != fid);
#endif
	return from;
}

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

static void add_half(const pt_graph *g, const half *h, pt_strbuf *out)
{
	const pt_edge *e = &h->e;
	rec_edge r = {g->ents.v[h->in ? e->src : e->dst].id,
		      e->file,
		      e->kind,
		      e->flags,
		      e->site.start_line,
		      e->site.start_col,
		      e->site.end_line,
		      e->site.end_col};
	uint8_t b[REC_EDGE_SIZE];
	rec_edge_encode(&r, b);
	pt_strbuf_add(out, b, sizeof b);
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
			add_half(g, &h[k++], out);
		}
	}
}

/* File fid's new edges as halves of one direction, sorted as stored. */
static half *file_halves(const pt_graph *g, size_t from, bool in)
{
	size_t n = g->edges.n - from;
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
static int write_touched(store_txn *txn, const pt_graph *g, uint32_t fid, pt_touched *t,
			 index_report *rep)
{
	if (t->n)
		qsort(t->v, t->n, sizeof *t->v, cmp_u32);
	size_t from = file_edges_from(g, fid), nh = g->edges.n - from;
	rep->edges_read += nh;
	half *out = file_halves(g, from, false), *in = file_halves(g, from, true);
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

/* Parse one file's new content; false when it cannot take the fast path
 * (unreadable, skipped, or gone). */
static bool session_parse(index_session *s, const char *rel, const char *text, size_t len,
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
	pt_extractor *ex = pt_extractor_new();
	ix_work_one(&P, j, ex);
	pt_extractor_free(ex);
	return !j->rec.skip;
}

static int session_commit(index_session *s, const char *rel, uint32_t fid, job *j, pt_touched *t,
			  index_report *rep)
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
			rc = write_touched(txn, &s->g, fid, t, rep);
		if (!rc)
			rc = store_meta_put_u64(txn, META_EDGES, s->g.edges.n);
		if (!rc)
			rc = store_meta_put_u64(txn, META_LAST_UPDATE, (uint64_t)time(NULL));
		if (!rc)
			rc = ix_bump_generation(txn);
		if (!rc) {
			rc = store_txn_commit(txn);
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
	bool parsed = session_parse(s, rel, text, len, old, &j, &one);
	*new_tree = j.new_tree; /* good for the next edit, fast path or not */
	j.new_tree = NULL;
	if (!parsed)
		goto done;
	j.known = true;
	j.old = old_rec;
	j.rec.id = old_rec.id;
	if (!pt_resolver_same_shape(s->R, (size_t)at, &j.facts))
		goto done;
	/* the session now owns the new facts; the old ones go */
	pt_facts *nf = pt_xmalloc(sizeof *nf);
	*nf = j.facts;
	pt_facts_init(&j.facts);
	pt_touched touched = {0};
	pt_resolver_refile(s->R, (size_t)at, nf, &touched);
	pt_facts *old_facts = s->S.owned.v[at];
	s->S.owned.v[at] = nf;
	pt_facts_free(old_facts);
	free(old_facts);
	rep->changed = 1;
	rep->parsed = 1;
	rep->fast_path = true;
	rc = session_commit(s, rel, s->S.src.v[at].id, &j, &touched, rep);
	rep->entities = s->g.ents.n;
	rep->edges = s->g.edges.n;
	pt_vec_free(&touched);
	if (rc)
		session_unload(s); /* memory is ahead of the store: start again */
done:
	pt_facts_free(&j.facts);
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
