/* graph/query.c — see query.h. Targets are in query_targets.c. */
#include "query_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

void query_results_free(query_results *r)
{
	if (!r)
		return;
	pt_vec_free(&r->items);
	pt_vec_free(&r->sites);
	pt_vec_free(&r->via);
}

void query_cycle_set_free(query_cycle_set *c)
{
	if (!c)
		return;
	pt_vec_free(&c->members);
	pt_vec_free(&c->starts);
	pt_vec_free(&c->level);
}

int query_entity(store_txn *txn, uint64_t id, rec_entity *out)
{
	uint8_t k[8];
	store_val v;
	store_key_u64(k, id);
	int rc = store_get(txn, TBL_ENTS, k, 8, &v);
	if (rc)
		return rc;
	return rec_entity_decode(v.data, v.len, out) == 0 ? PT_OK : PT_ECORRUPT;
}

const char *query_file_path(store_txn *txn, uint32_t file)
{
	uint8_t k[4];
	store_val v;
	store_key_u32(k, file);
	if (file == PT_NO_FILE || store_get(txn, TBL_FILEIDS, k, 4, &v) != PT_OK || !v.len ||
	    ((const char *)v.data)[v.len - 1] != 0)
		return "";
	return v.data;
}

int query_file_id(store_txn *txn, const char *path, uint32_t *out)
{
	store_val v;
	rec_file f;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (!*path || strlen(path) > STORE_MAX_KEY)
		return PT_ENOTFOUND; /* never indexed (index.h: long paths) */
	int rc = store_get(txn, TBL_FILES, path, strlen(path), &v);
	if (rc)
		return rc;
	if (rec_file_decode(v.data, v.len, &f) != 0)
		return PT_ECORRUPT;
	*out = f.id;
	return PT_OK;
}

size_t query_edges_open(store_txn *txn, uint64_t id, int dir, query_edges *it)
{
	uint8_t k[8];
	store_val v;
	store_key_u64(k, id);
	*it = (query_edges){0};
	if (store_get(txn, dir == QUERY_IN ? TBL_IN : TBL_OUT, k, 8, &v) != PT_OK)
		return 0;
	it->p = v.data;
	it->n = v.len / REC_EDGE_SIZE;
	return it->n;
}

bool query_edges_next(query_edges *it, rec_edge *e)
{
	if (it->i >= it->n)
		return false;
	pt_assert(it->p != NULL);
	rec_edge_decode(it->p + it->i++ * REC_EDGE_SIZE, e);
	return true;
}

bool query_edges_next_at(query_edges *it, uint32_t file, unsigned kinds, rec_edge *e)
{
	/* the kind and the file are read in place: a module's adjacency holds
	 * a CONTAINS edge per item (thousands in generated files), and a
	 * cursor asks only for the few sites of one file */
	for (; it->i < it->n; it->i++) {
		const uint8_t *p = it->p + it->i * REC_EDGE_SIZE;
		uint32_t f = (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 |
			     (uint32_t)p[11] << 24;
		if (p[12] < 32 && (kinds & (1u << p[12])) && f == file) {
			it->i++;
			rec_edge_decode(p, e);
			return true;
		}
	}
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void qi_ids_sort_unique(query_ids *ids)
{
	if (!ids->n)
		return;
	qsort(ids->v, ids->n, sizeof *ids->v, cmp_u64);
	size_t w = 1;
	for (size_t i = 1; i < ids->n; i++)
		if (ids->v[i] != ids->v[w - 1])
			ids->v[w++] = ids->v[i];
	ids->n = w;
}

/* ---- names and places ------------------------------------------------------ */

/* The entities named name[0..n) (records.h: a name longer than a key
 * shares its key with others, so those are told apart by the full name). */
void qi_by_name(store_txn *txn, const char *name, size_t n, query_ids *out)
{
	store_cursor *c = NULL;
	store_val v;
	char *full = pt_xstrndup(name, n);
	size_t kn = rec_name_key_len(full);
	bool clipped = kn < n;
	rec_entity e;
	if (store_cursor_open(txn, TBL_NAMES, &c)) {
		free(full);
		return;
	}
	for (int r = store_cursor_first_dup(c, full, kn, &v); r == PT_OK;
	     r = store_cursor_next_dup(c, &v)) {
		uint64_t id = v.len == 8 ? store_load_u64(v.data) : 0;
		if (id &&
		    (!clipped || (query_entity(txn, id, &e) == PT_OK && strcmp(e.name, full) == 0)))
			pt_vec_push(out, id);
	}
	store_cursor_close(c);
	free(full);
}

int query_entity_at(store_txn *txn, uint32_t file, uint32_t line, uint32_t col, uint64_t *out)
{
	query_places *p = NULL;
	*out = 0;
	int rc = query_places_load(txn, file, &p);
	if (!rc)
		rc = query_places_at(p, line, col, out);
	query_places_free(p);
	return rc;
}

/* ---- neighbours ---------------------------------------------------------- */

static void add_site(query_results *res, query_item *it, const rec_edge *e)
{
	query_site s = {e->file, e->sl, e->sc, e->el, e->ec};
	pt_vec_push(&res->sites, s);
	it->site_n++;
	it->flags |= e->flags;
}

/* Edges of kinds in `mask` in one direction, grouped by far end. */
typedef struct {
	rec_edge e;
	uint32_t at;
} near_edge;

/* By far end, then stored order (sites stay in file order). */
static int cmp_near(const void *a, const void *b)
{
	const near_edge *x = a, *y = b;
	if (x->e.other != y->e.other)
		return x->e.other < y->e.other ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Edges of kinds in `mask` in one direction, one item per far end with
 * every site of every such edge (an impl method that also calls its trait
 * method has both). */
static int neighbours(store_txn *txn, uint64_t id, bool in, unsigned mask, size_t limit,
		      query_results *res)
{
	query_edges it;
	size_t n = query_edges_open(txn, id, in ? QUERY_IN : QUERY_OUT, &it), k = 0;
	near_edge *sel = pt_xmalloc((n + 1) * sizeof *sel);
	for (uint32_t i = 0; query_edges_next(&it, &sel[k].e); i++) {
		sel[k].at = i;
		if (mask & (1u << sel[k].e.kind))
			k++;
	}
	qsort(sel, k, sizeof *sel, cmp_near);
	size_t items = 0;
	for (size_t i = 0; i < k; i++) {
		if (!i || sel[i].e.other != sel[i - 1].e.other) {
			if (limit && items >= limit) {
				res->truncated = true;
				break;
			}
			query_item ni = {.id = sel[i].e.other,
					 .for_id = id,
					 .rel = sel[i].e.kind,
					 .site_off = (uint32_t)res->sites.n};
			pt_vec_push(&res->items, ni);
			items++;
		}
		add_site(res, &res->items.v[res->items.n - 1], &sel[i].e);
	}
	free(sel);
	return PT_OK;
}

int query_callers(store_txn *txn, uint64_t id, size_t limit, query_results *res)
{
	return neighbours(txn, id, true, 1u << REL_CALLS, limit, res);
}

int query_callees(store_txn *txn, uint64_t id, size_t limit, query_results *res)
{
	return neighbours(txn, id, false, 1u << REL_CALLS, limit, res);
}

int query_references(store_txn *txn, uint64_t id, size_t limit, query_results *res)
{
	return neighbours(txn, id, true, (1u << REL_CALLS) | (1u << REL_USES) | (1u << REL_IMPL),
			  limit, res);
}

/* One result per impl or derive site: incoming IMPL edges of a trait (or
 * trait method); for a type, the traits it implements. */
int query_what_implements(store_txn *txn, uint64_t id, size_t limit, query_results *res)
{
	rec_entity t;
	int rc = query_entity(txn, id, &t);
	if (rc)
		return rc;
	bool in = t.kind == PT_TRAIT || t.kind == PT_METHOD;
	query_edges it;
	rec_edge e;
	size_t count = 0;
	query_edges_open(txn, id, in ? QUERY_IN : QUERY_OUT, &it);
	while (query_edges_next(&it, &e)) {
		if (e.kind != REL_IMPL)
			continue;
		if (limit && count >= limit) {
			res->truncated = true;
			break;
		}
		query_item it = {.id = in ? e.other : id,
				 .other = in ? id : e.other,
				 .for_id = id,
				 .rel = REL_IMPL,
				 .site_off = (uint32_t)res->sites.n,
				 .derive = (e.flags & EDGE_DERIVE) != 0};
		add_site(res, &it, &e);
		pt_vec_push(&res->items, it);
		count++;
	}
	return PT_OK;
}

/* ---- blast radius --------------------------------------------------------- */

typedef struct {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
} idmap;

static size_t idmap_slot(const idmap *m, uint64_t k)
{
	size_t i = (size_t)(k * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void idmap_put(idmap *m, uint64_t k, uint32_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		idmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 256;
		m->keys = pt_xcalloc(m->cap, sizeof *m->keys);
		m->vals = pt_xcalloc(m->cap, sizeof *m->vals);
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i])
				idmap_put(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	size_t s = idmap_slot(m, k);
	if (!m->keys[s])
		m->n++;
	m->keys[s] = k;
	m->vals[s] = v;
}

static bool idmap_get(const idmap *m, uint64_t k, uint32_t *v)
{
	if (!m->cap)
		return false;
	size_t s = idmap_slot(m, k);
	if (!m->keys[s])
		return false;
	*v = m->vals[s];
	return true;
}

static void idmap_free(idmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

int query_blast_radius(store_txn *txn, uint64_t id, uint32_t depth, size_t limit,
		       query_results *res)
{
	typedef struct {
		uint64_t id;
		uint32_t parent, depth;
		rec_edge via;
	} node;
	PT_VEC(node) q = {0};
	idmap seen = {0};
	node root = {id, UINT32_MAX, 0, {0}};
	pt_vec_push(&q, root);
	idmap_put(&seen, id, 0);
	unsigned mask = (1u << REL_CALLS) | (1u << REL_USES) | (1u << REL_IMPL);
	for (size_t h = 0; h < q.n && !res->truncated; h++) {
		if (q.v[h].depth >= depth)
			continue;
		query_edges it;
		rec_edge e;
		query_edges_open(txn, q.v[h].id, QUERY_IN, &it);
		while (query_edges_next(&it, &e)) {
			uint32_t dummy;
			/* a `use` is not affected code: the items that use the import are */
			if (!(mask & (1u << e.kind)) || (e.flags & EDGE_IMPORT) ||
			    idmap_get(&seen, e.other, &dummy))
				continue;
			if (limit && q.n > limit) {
				res->truncated = true;
				break;
			}
			node nn = {e.other, (uint32_t)h, q.v[h].depth + 1, e};
			idmap_put(&seen, e.other, (uint32_t)q.n);
			pt_vec_push(&q, nn);
		}
	}
	for (size_t i = 1; i < q.n; i++) {
		query_item it = {.id = q.v[i].id,
				 .for_id = id,
				 .depth = q.v[i].depth,
				 .rel = q.v[i].via.kind,
				 .site_off = (uint32_t)res->sites.n,
				 .via_off = (uint32_t)res->via.n};
		add_site(res, &it, &q.v[i].via);
		/* the path target .. this has one entity per level, however deep */
		uint32_t len = q.v[i].depth + 1, k = len;
		pt_vec_reserve(&res->via, res->via.n + len);
		for (uint32_t j = (uint32_t)i; j != UINT32_MAX; j = q.v[j].parent) {
			pt_assert(k > 0 && (j == 0) == (k == 1));
			res->via.v[res->via.n + --k] = q.v[j].id;
		}
		pt_assert(k == 0 && res->via.v[res->via.n] == id);
		res->via.n += len;
		it.via_n = len;
		pt_vec_push(&res->items, it);
	}
	pt_vec_free(&q);
	idmap_free(&seen);
	return PT_OK;
}

/* ---- search ------------------------------------------------------------------ */

/* Subsequence match, case-insensitive; lower score is better. */
static int fuzzy_score(const char *name, size_t nl, const char *q)
{
	size_t qi = 0, ql = strlen(q);
	int gaps = 0, last = -1;
	for (size_t i = 0; i < nl && qi < ql; i++)
		if (tolower((unsigned char)name[i]) == tolower((unsigned char)q[qi])) {
			if (last >= 0 && (int)i != last + 1)
				gaps++;
			last = (int)i;
			qi++;
		}
	if (qi < ql)
		return -1;
	return gaps * 4 + (int)(nl - ql);
}

/* A search hit: its tier's score, then its name (borrowed from the map),
 * then its id decide the order. */
typedef struct {
	int score;
	const char *name;
	size_t len;
	uint64_t id;
} hit;

static int cmp_hit(const void *a, const void *b)
{
	const hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	if (c || x->len != y->len)
		return c ? c : (x->len < y->len ? -1 : 1);
	return x->id < y->id ? -1 : x->id > y->id;
}

typedef PT_VEC(hit) hits;

/* Names that start with q and are longer, shortest first. */
static int search_prefix(store_txn *txn, const char *q, size_t ql, hits *out)
{
	store_cursor *c = NULL;
	store_val k, v;
	int rc = store_cursor_open(txn, TBL_NAMES, &c);
	if (rc)
		return rc;
	for (int r = store_cursor_seek(c, q, ql, &k, &v);
	     r == PT_OK && k.len >= ql && memcmp(k.data, q, ql) == 0;
	     r = store_cursor_next(c, &k, &v))
		if (k.len > ql) {
			hit h = {(int)(k.len - ql), k.data, k.len, store_load_u64(v.data)};
			pt_vec_push(out, h);
		}
	store_cursor_close(c);
	return PT_OK;
}

/* Names q is a case-insensitive subsequence of, except those the exact
 * and prefix tiers list; with stop_at_one, only whether there is one. */
static int search_fuzzy(store_txn *txn, const char *q, size_t ql, bool stop_at_one, hits *out)
{
	store_cursor *c = NULL;
	store_val k, v;
	int rc = store_cursor_open(txn, TBL_NAMES, &c);
	if (rc)
		return rc;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		int s;
		if ((k.len >= ql && memcmp(k.data, q, ql) == 0) ||
		    (s = fuzzy_score(k.data, k.len, q)) < 0)
			continue;
		hit h = {s, k.data, k.len, store_load_u64(v.data)};
		pt_vec_push(out, h);
		if (stop_at_one)
			break;
	}
	store_cursor_close(c);
	return PT_OK;
}

/* Appends the hits of one tier, in order, while the limit allows. */
static void take(hits *h, size_t limit, query_ids *out, bool *truncated)
{
	if (h->n)
		qsort(h->v, h->n, sizeof *h->v, cmp_hit);
	for (size_t i = 0; i < h->n; i++) {
		if (limit && out->n >= limit) {
			*truncated = true;
			return;
		}
		pt_vec_push(out, h->v[i].id);
	}
}

int query_search(store_txn *txn, const char *q, size_t limit, query_ids *out, bool *truncated)
{
	size_t ql = strlen(q), first = out->n;
	bool cut = false;
	query_ids exact = {0};
	hits h = {0};
	limit = limit ? first + limit : 0;
	/* exact names, then longer names with q as their prefix, then the
	 * fuzzy rest: each tier complete before the next one starts */
	qi_by_name(txn, q, ql, &exact);
	for (size_t i = 0; i < exact.n && !cut; i++) {
		if (limit && out->n >= limit)
			cut = true;
		else
			pt_vec_push(out, exact.v[i]);
	}
	int rc = cut ? PT_OK : search_prefix(txn, q, ql, &h);
	if (!rc && !cut)
		take(&h, limit, out, &cut);
	h.n = 0;
	if (!rc && !cut) {
		/* when the limit is reached exactly, one more hit is enough to
		 * say that the answer was cut */
		bool full = limit && out->n >= limit;
		rc = search_fuzzy(txn, q, ql, full, &h);
		if (!rc)
			take(&h, limit, out, &cut);
	}
	pt_vec_free(&exact);
	pt_vec_free(&h);
	if (truncated)
		*truncated = cut;
	return rc;
}

/* Source order: by start, an enclosing item before what it holds, then id. */
typedef struct {
	uint32_t sl, sc, el, ec;
	uint64_t id;
} placed;

static int cmp_placed(const void *a, const void *b)
{
	const placed *x = a, *y = b;
	if (x->sl != y->sl)
		return x->sl < y->sl ? -1 : 1;
	if (x->sc != y->sc)
		return x->sc < y->sc ? -1 : 1;
	if (x->el != y->el)
		return x->el > y->el ? -1 : 1;
	if (x->ec != y->ec)
		return x->ec > y->ec ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int query_file_entities(store_txn *txn, uint32_t file, query_ids *out)
{
	uint8_t k[4];
	store_val v;
	store_cursor *c = NULL;
	PT_VEC(placed) all = {0};
	store_key_u32(k, file);
	int rc = store_cursor_open(txn, TBL_FILEENTS, &c);
	if (rc)
		return rc;
	for (int r = store_cursor_first_dup(c, k, 4, &v); r == PT_OK;
	     r = store_cursor_next_dup(c, &v)) {
		rec_entity e;
		placed p = {0, 0, 0, 0, store_load_u64(v.data)};
		if (query_entity(txn, p.id, &e) == PT_OK)
			p = (placed){e.sl, e.sc, e.el, e.ec, p.id};
		pt_vec_push(&all, p);
	}
	store_cursor_close(c);
	if (all.n)
		qsort(all.v, all.n, sizeof *all.v, cmp_placed);
	for (size_t i = 0; i < all.n; i++)
		pt_vec_push(out, all.v[i].id);
	pt_vec_free(&all);
	return PT_OK;
}

/* ---- cycles (Tarjan, iterative) --------------------------------------------- */

typedef struct {
	PT_VEC(uint64_t) ids;       /* node → entity id */
	PT_VEC(uint32_t) adj_start; /* CSR adjacency */
	PT_VEC(uint32_t) adj;
} dgraph;

typedef struct {
	uint32_t a, b;
} pair;

static int cmp_pair(const void *x, const void *y)
{
	const pair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static void tarjan(const dgraph *g, query_cycle_set *out, uint8_t level)
{
	size_t n = g->ids.n;
	uint32_t *index = pt_xmalloc((n + 1) * sizeof *index),
		 *low = pt_xmalloc((n + 1) * sizeof *low);
	bool *on = pt_xcalloc(n + 1, 1);
	PT_VEC(uint32_t) stack = {0};
	typedef struct {
		uint32_t v, e;
	} frame;
	PT_VEC(frame) call = {0};
	uint32_t counter = 0;
	for (size_t i = 0; i < n; i++)
		index[i] = UINT32_MAX;
	for (uint32_t s = 0; s < n; s++) {
		if (index[s] != UINT32_MAX)
			continue;
		frame f0 = {s, g->adj_start.v[s]};
		pt_vec_push(&call, f0);
		index[s] = low[s] = counter++;
		pt_vec_push(&stack, s);
		on[s] = true;
		while (call.n) {
			frame *f = &call.v[call.n - 1];
			uint32_t v = f->v;
			if (f->e < g->adj_start.v[v + 1]) {
				uint32_t w = g->adj.v[f->e++];
				if (index[w] == UINT32_MAX) {
					index[w] = low[w] = counter++;
					pt_vec_push(&stack, w);
					on[w] = true;
					frame nf = {w, g->adj_start.v[w]};
					pt_vec_push(&call, nf);
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				size_t top = stack.n;
				while (stack.v[top - 1] != v)
					top--;
				top--;
				if (stack.n - top >= 2) {
					pt_vec_push(&out->starts, (uint32_t)out->members.n);
					pt_vec_push(&out->level, level);
					for (size_t k = top; k < stack.n; k++)
						pt_vec_push(&out->members, g->ids.v[stack.v[k]]);
				}
				for (size_t k = top; k < stack.n; k++)
					on[stack.v[k]] = false;
				stack.n = top;
			}
			call.n--;
			if (call.n) {
				uint32_t u = call.v[call.n - 1].v;
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	free(index);
	free(low);
	free(on);
	pt_vec_free(&stack);
	pt_vec_free(&call);
}

typedef PT_VEC(uint64_t) idvec;

/* Is `anc` a proper ancestor of entity `id` (through parent ids)? */
static bool is_ancestor(const idmap *parent, const void *allp, uint64_t anc, uint64_t id)
{
	const idvec *all = allp;
	uint32_t pi;
	for (int hops = 0; hops < 64 && idmap_get(parent, id, &pi); hops++) {
		id = all->v[pi];
		if (id == anc)
			return true;
		if (!id)
			break;
	}
	return false;
}

/* Node per entity kept by `keep`; edges of CALLS (and USES for modules)
 * lifted through `owner` (the module, or the entity itself). */
static int build_dgraph(store_txn *txn, int level, dgraph *g)
{
	idmap node = {0}, parent = {0};
	idvec all = {0};
	PT_VEC(uint8_t) kinds = {0};
	PT_VEC(pair) edges = {0};
	store_cursor *c = NULL;
	store_val k, v;
	int rc = store_cursor_open(txn, TBL_ENTS, &c);
	if (rc)
		return rc;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		rec_entity e;
		if (rec_entity_decode(v.data, v.len, &e) != 0)
			continue;
		idmap_put(&parent, e.id, (uint32_t)all.n);
		pt_vec_push(&all, e.parent);
		pt_vec_push(&kinds, e.kind);
		bool keep = level == CYCLES_MODULE ? (e.kind == PT_MODULE || e.kind == PT_CRATE)
						   : (e.kind == PT_FUNCTION || e.kind == PT_METHOD);
		if (keep) {
			idmap_put(&node, e.id, (uint32_t)g->ids.n);
			pt_vec_push(&g->ids, e.id);
		}
	}
	store_cursor_close(c);
	/* owner of an entity: itself (function level) or nearest module */
	uint32_t *owner = pt_xmalloc((all.n + 1) * sizeof *owner);
	for (size_t i = 0; i < parent.cap; i++) {
		if (!parent.keys[i])
			continue;
		uint64_t id = parent.keys[i];
		uint32_t idx = parent.vals[i], o = UINT32_MAX, n;
		for (int hops = 0; hops < 64 && id; hops++) {
			uint32_t pi;
			if (idmap_get(&node, id, &n)) {
				o = n;
				break;
			}
			if (level == CYCLES_FUNCTION || !idmap_get(&parent, id, &pi))
				break;
			id = all.v[pi];
		}
		owner[idx] = o;
	}
	for (size_t i = 0; i < parent.cap; i++) {
		if (!parent.keys[i])
			continue;
		uint32_t src = owner[parent.vals[i]];
		if (src == UINT32_MAX)
			continue;
		query_edges it;
		rec_edge e;
		query_edges_open(txn, parent.keys[i], QUERY_OUT, &it);
		while (query_edges_next(&it, &e)) {
			uint32_t di;
			bool want = e.kind == REL_CALLS ||
				    (level == CYCLES_MODULE && e.kind == REL_USES);
			if (!want || !idmap_get(&parent, e.other, &di) || owner[di] == UINT32_MAX ||
			    owner[di] == src)
				continue;
			/* a module naming its own ancestor (`use super::*`) is how Rust
			 * modules are written, not a dependency cycle */
			if (level == CYCLES_MODULE &&
			    is_ancestor(&parent, &all, g->ids.v[owner[di]], g->ids.v[src]))
				continue;
			pair pr = {src, owner[di]};
			pt_vec_push(&edges, pr);
		}
	}
	if (edges.n)
		qsort(edges.v, edges.n, sizeof *edges.v, cmp_pair);
	pt_vec_reserve(&g->adj_start, g->ids.n + 1);
	for (size_t i = 0; i <= g->ids.n; i++)
		pt_vec_push(&g->adj_start, 0);
	for (size_t i = 0; i < edges.n; i++) {
		if (i && edges.v[i].a == edges.v[i - 1].a && edges.v[i].b == edges.v[i - 1].b)
			continue;
		g->adj_start.v[edges.v[i].a + 1]++;
		pt_vec_push(&g->adj, edges.v[i].b);
	}
	for (size_t i = 0; i < g->ids.n; i++)
		g->adj_start.v[i + 1] += g->adj_start.v[i];
	free(owner);
	idmap_free(&node);
	idmap_free(&parent);
	pt_vec_free(&all);
	pt_vec_free(&kinds);
	pt_vec_free(&edges);
	return PT_OK;
}

typedef struct {
	uint8_t level;
	uint32_t a, b;
} cyc;

static int cmp_cyc(const void *x, const void *y)
{
	const cyc *p = x, *q = y;
	if (p->level != q->level)
		return p->level - q->level;
	if (p->b - p->a != q->b - q->a)
		return (p->b - p->a) < (q->b - q->a) ? -1 : 1;
	return p->a < q->a ? -1 : p->a > q->a;
}

/* Module cycles first, then function cycles; smallest (most actionable) first. */
static void sort_cycles(query_cycle_set *c)
{
	size_t n = c->level.n;
	cyc *v = pt_xmalloc((n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (cyc){c->level.v[i], c->starts.v[i], c->starts.v[i + 1]};
	qsort(v, n, sizeof *v, cmp_cyc);
	query_ids m = {0};
	for (size_t i = 0; i < n; i++) {
		c->level.v[i] = v[i].level;
		c->starts.v[i] = (uint32_t)m.n;
		for (uint32_t j = v[i].a; j < v[i].b; j++)
			pt_vec_push(&m, c->members.v[j]);
	}
	if (n)
		c->starts.v[n] = (uint32_t)m.n;
	pt_vec_free(&c->members);
	c->members = m;
	free(v);
}

int query_cycles(store_txn *txn, int levels, query_cycle_set *out)
{
	for (int level = CYCLES_MODULE; level <= CYCLES_FUNCTION; level++) {
		if (!(levels & level))
			continue;
		dgraph g = {0};
		int rc = build_dgraph(txn, level, &g);
		if (!rc)
			tarjan(&g, out, (uint8_t)level);
		pt_vec_free(&g.ids);
		pt_vec_free(&g.adj_start);
		pt_vec_free(&g.adj);
		if (rc)
			return rc;
	}
	pt_vec_push(&out->starts, (uint32_t)out->members.n);
	sort_cycles(out);
	return PT_OK;
}

/* ---- context for an LLM ---------------------------------------------------- */

static void ctx_entity_line(store_txn *txn, uint64_t id, pt_strbuf *out)
{
	rec_entity e;
	if (query_entity(txn, id, &e) != PT_OK)
		return;
	const char *f = query_file_path(txn, e.file);
	pt_strbuf_printf(out, "- %s (%s)", e.qpath, pt_kind_name(e.kind));
	if (*f)
		pt_strbuf_printf(out, " %s:%u", f, e.sl + 1);
	if (*e.sig)
		pt_strbuf_printf(out, ": `%s`", e.sig);
	pt_strbuf_addc(out, '\n');
}

static bool ctx_section(store_txn *txn, const char *title, const query_results *r, bool other,
			size_t budget, pt_strbuf *out)
{
	if (!r->items.n)
		return true;
	size_t mark = out->len;
	pt_strbuf_printf(out, "\n## %s (%zu)\n", title, r->items.n);
	for (size_t i = 0; i < r->items.n; i++) {
		size_t before = out->len;
		ctx_entity_line(txn, other ? r->items.v[i].other : r->items.v[i].id, out);
		if (out->len + 24 > budget) { /* leave room for the "more" line */
			out->len = before;
			if (before == mark)
				out->len = mark;
			pt_strbuf_printf(out, "- … %zu more\n", r->items.n - i);
			return false;
		}
	}
	return true;
}

int query_context(store_txn *txn, uint64_t id, uint32_t tokens, pt_strbuf *out, uint32_t *used)
{
	rec_entity e;
	int rc = query_entity(txn, id, &e);
	if (rc)
		return rc;
	size_t start = out->len, budget = start + (size_t)tokens * 4;
	const char *f = query_file_path(txn, e.file);
	pt_strbuf_printf(out, "# %s %s\n", pt_kind_name(e.kind), e.qpath);
	if (*f)
		pt_strbuf_printf(out, "defined at %s:%u-%u\n", f, e.sl + 1, e.el + 1);
	if (*e.sig)
		pt_strbuf_printf(out, "```rust\n%s\n```\n", e.sig);
	if (e.parent) {
		rec_entity p;
		if (query_entity(txn, e.parent, &p) == PT_OK)
			pt_strbuf_printf(out, "in %s %s\n", pt_kind_name(p.kind), p.qpath);
	}
	query_results callers = {0}, callees = {0}, uses = {0}, impls = {0}, users = {0};
	query_callers(txn, id, 50, &callers);
	query_callees(txn, id, 50, &callees);
	neighbours(txn, id, false, 1u << REL_USES, 50, &uses);
	neighbours(txn, id, true, 1u << REL_USES, 50, &users);
	query_what_implements(txn, id, 50, &impls);
	bool is_trait = e.kind == PT_TRAIT || e.kind == PT_METHOD;
	if (ctx_section(txn, "called by", &callers, false, budget, out) &&
	    ctx_section(txn, "calls", &callees, false, budget, out) &&
	    ctx_section(txn, is_trait ? "implemented by" : "implements", &impls, !is_trait, budget,
			out) &&
	    ctx_section(txn, "uses", &uses, false, budget, out))
		ctx_section(txn, "used by", &users, false, budget, out);
	query_results_free(&callers);
	query_results_free(&callees);
	query_results_free(&uses);
	query_results_free(&users);
	query_results_free(&impls);
	/* the budget is a promise: cut at the last whole line that fits (or,
	 * when not even one does, at a character boundary) */
	if (out->len > budget) {
		size_t cut = budget;
		while (cut > start && out->buf[cut - 1] != '\n')
			cut--;
		if (cut == start) {
			cut = budget;
			while (cut > start && ((unsigned char)out->buf[cut] & 0xC0) == 0x80)
				cut--;
		}
		out->len = cut;
		out->buf[cut] = 0;
	}
	*used = (uint32_t)((out->len - start + 3) / 4);
	return PT_OK;
}
