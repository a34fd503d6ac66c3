/* cli/export_deps.c — the dependency graph lifted to modules or crates:
 * `export --level module|crate`, and the module cycles of `export --query
 * find-cycles`. Every CALLS and USES edge counts for the modules (or
 * crates) that hold its two ends; the graph then has one edge per ordered
 * pair, with how many it stands for. */
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define NONE UINT32_MAX
/* How far up the parent chain an owner is looked for: deeper than any
 * real module nesting, and a bound should a record loop. */
#define MAX_HOPS 64

typedef struct {
	uint64_t id, parent;
	uint8_t kind;
	uint16_t flags;
	uint32_t owner; /* index of the module or crate that holds it, or NONE */
} ent_info;

typedef PT_VEC(ent_info) ent_infos;

typedef struct {
	uint32_t a, b, seq; /* owners (indexes into the infos) and discovery order */
	rec_edge e;
} lifted;

typedef PT_VEC(lifted) lifted_vec;

static int cmp_info(const void *x, const void *y)
{
	const ent_info *p = x, *q = y;
	return p->id < q->id ? -1 : p->id > q->id;
}

static int cmp_lifted(const void *x, const void *y)
{
	const lifted *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static uint32_t find(const ent_infos *in, uint64_t id)
{
	ent_info key = {.id = id};
	const ent_info *f = in->n ? bsearch(&key, in->v, in->n, sizeof key, cmp_info) : NULL;
	return f ? (uint32_t)(f - in->v) : NONE;
}

static bool is_node(const ent_info *e, int level)
{
	if (e->flags & ENT_EXTERNAL)
		return false;
	return e->kind == PT_CRATE || (level == EXPORT_MODULES && e->kind == PT_MODULE);
}

static void read_entities(store_txn *txn, ent_infos *in)
{
	store_cursor *c = NULL;
	store_val k, v;
	if (store_cursor_open(txn, TBL_ENTS, &c))
		return;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		rec_entity e;
		if (rec_entity_decode(v.data, v.len, &e) != PT_OK)
			continue;
		ent_info i = {e.id, e.parent, e.kind, e.flags, NONE};
		pt_vec_push(in, i);
	}
	store_cursor_close(c);
	if (in->n)
		qsort(in->v, in->n, sizeof *in->v, cmp_info);
}

/* Each entity's owner: itself when it is a node, else the nearest
 * ancestor that is. */
static void find_owners(ent_infos *in, int level)
{
	for (size_t i = 0; i < in->n; i++) {
		uint32_t at = (uint32_t)i;
		for (int hops = 0; hops < MAX_HOPS && at != NONE; hops++) {
			if (is_node(&in->v[at], level)) {
				in->v[i].owner = at;
				break;
			}
			at = in->v[at].parent ? find(in, in->v[at].parent) : NONE;
		}
	}
}

/* Whether entity anc is a proper ancestor of entity at (indexes). */
static bool is_ancestor(const ent_infos *in, uint32_t anc, uint32_t at)
{
	for (int hops = 0; hops < MAX_HOPS && in->v[at].parent; hops++) {
		at = find(in, in->v[at].parent);
		if (at == NONE)
			return false;
		if (at == anc)
			return true;
	}
	return false;
}

static void lift_edges(store_txn *txn, const ent_infos *in, bool skip_ancestor, lifted_vec *out)
{
	for (size_t i = 0; i < in->n; i++) {
		uint32_t a = in->v[i].owner;
		if (a == NONE)
			continue;
		query_edges it;
		rec_edge e;
		query_edges_open(txn, in->v[i].id, QUERY_OUT, &it);
		while (query_edges_next(&it, &e)) {
			if (e.kind != REL_CALLS && e.kind != REL_USES)
				continue;
			uint32_t j = find(in, e.other);
			uint32_t b = j == NONE ? NONE : in->v[j].owner;
			if (b == NONE || b == a || (skip_ancestor && is_ancestor(in, b, a)))
				continue;
			lifted l = {a, b, (uint32_t)out->n, e};
			pt_vec_push(out, l);
		}
	}
}

void export_collect_level(store_txn *txn, int level, bool skip_ancestor, export_graph *g)
{
	ent_infos in = {0};
	lifted_vec l = {0};
	read_entities(txn, &in);
	find_owners(&in, level);
	for (size_t i = 0; i < in.n; i++)
		if (in.v[i].owner == i)
			pt_vec_push(&g->ents, in.v[i].id);
	lift_edges(txn, &in, skip_ancestor, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, cmp_lifted);
	for (size_t i = 0, run; i < l.n; i += run) {
		for (run = 1;
		     i + run < l.n && l.v[i + run].a == l.v[i].a && l.v[i + run].b == l.v[i].b;)
			run++;
		rec_edge e = l.v[i].e;
		e.other = in.v[l.v[i].b].id;
		e.kind = REL_USES;
		e.flags = 0;
		pt_vec_push(&g->edges, e);
		pt_vec_push(&g->edge_src, in.v[l.v[i].a].id);
		pt_vec_push(&g->edge_count, (uint32_t)run);
	}
	pt_vec_free(&l);
	pt_vec_free(&in);
}
