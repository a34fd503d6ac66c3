/* graph/query_places.c — a file's entities by position (query.h).
 *
 * The places are the file's entities sorted by start, an item before the
 * items it holds (end descending), each with the nearest earlier place
 * whose span holds its own (`up`). When spans nest or are disjoint (what
 * Rust's syntax gives), every place holding a position holds the last
 * place starting at or before it, so the innermost one is found by a
 * binary search and a short walk up; a file whose spans cross or touch
 * (two items on one line with nothing between them) is searched place by
 * place, which is still no read of the store.
 */
#include "query_int.h"

#include <stdlib.h>

#define NONE UINT32_MAX

typedef struct {
	uint32_t sl, sc, el, ec;     /* the item */
	uint32_t nsl, nsc, nel, nec; /* its name */
	uint32_t size;               /* in bytes: the innermost is the smallest */
	uint32_t ord;                /* its rank in TBL_FILEENTS (id order) */
	uint32_t up;                 /* nearest earlier place holding it, or NONE */
	uint64_t id;
} place;

struct query_places {
	place *v; /* owned */
	size_t n;
	bool nested; /* spans nest or are disjoint: the walk up is exact */
};

/* (a, b) against (c, d), lexicographically. */
static int pos_cmp(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	if (a != c)
		return a < c ? -1 : 1;
	return b < d ? -1 : b > d;
}

/* By start, then the longer first (a holder before what it holds), then
 * the store's order. */
static int cmp_place(const void *a, const void *b)
{
	const place *x = a, *y = b;
	int c = pos_cmp(x->sl, x->sc, y->sl, y->sc);
	if (!c)
		c = -pos_cmp(x->el, x->ec, y->el, y->ec);
	return c ? c : (x->ord > y->ord) - (x->ord < y->ord);
}

static bool span_holds(const place *o, const place *i)
{
	return pos_cmp(o->sl, o->sc, i->sl, i->sc) <= 0 &&
	       pos_cmp(i->el, i->ec, o->el, o->ec) <= 0 && o->size >= i->size;
}

/* Fills up[] with a stack of the open holders; any place that meets the
 * top without being held by it (or is held but larger in bytes) makes
 * the walk up unsafe. */
static void link_up(query_places *p)
{
	uint32_t *stack = pt_xmalloc((p->n + 1) * sizeof *stack);
	size_t top = 0;
	p->nested = true;
	for (size_t k = 0; k < p->n; k++) {
		place *x = &p->v[k];
		while (top && !span_holds(&p->v[stack[top - 1]], x)) {
			const place *o = &p->v[stack[top - 1]];
			if (pos_cmp(x->sl, x->sc, o->el, o->ec) <= 0)
				p->nested = false; /* crossing or touching */
			top--;
		}
		x->up = top ? stack[top - 1] : NONE;
		stack[top++] = (uint32_t)k;
	}
	free(stack);
}

int query_places_load(store_txn *txn, uint32_t file, query_places **out)
{
	uint8_t k[4];
	store_val v;
	store_cursor *c = NULL;
	PT_VEC(place) all = {0};
	*out = NULL;
	store_key_u32(k, file);
	int rc = store_cursor_open(txn, TBL_FILEENTS, &c);
	if (rc)
		return rc;
	for (int r = store_cursor_first_dup(c, k, 4, &v); r == PT_OK;
	     r = store_cursor_next_dup(c, &v)) {
		rec_entity e;
		uint64_t id = store_load_u64(v.data);
		if (query_entity(txn, id, &e) != PT_OK)
			continue;
		place pl = {e.sl,
			    e.sc,
			    e.el,
			    e.ec,
			    e.nsl,
			    e.nsc,
			    e.nel,
			    e.nec,
			    e.end_byte - e.start_byte,
			    (uint32_t)all.n,
			    NONE,
			    id};
		pt_vec_push(&all, pl);
	}
	store_cursor_close(c);
	query_places *p = pt_xcalloc(1, sizeof *p);
	p->v = all.v;
	p->n = all.n;
	if (p->n)
		qsort(p->v, p->n, sizeof *p->v, cmp_place);
	link_up(p);
	*out = p;
	return PT_OK;
}

void query_places_free(query_places *p)
{
	if (!p)
		return;
	free(p->v);
	free(p);
}

size_t query_places_count(const query_places *p)
{
	return p ? p->n : 0;
}

/* Whether x's span holds (line, col); col UINT32_MAX: any column. */
static bool holds_pos(const place *x, uint32_t line, uint32_t col)
{
	bool after = line > x->sl || (line == x->sl && (col == UINT32_MAX || col >= x->sc));
	bool before = line < x->el || (line == x->el && (col == UINT32_MAX || col <= x->ec));
	return after && before;
}

static bool on_name(const place *x, uint32_t line, uint32_t col)
{
	return col != UINT32_MAX && pos_cmp(line, col, x->nsl, x->nsc) >= 0 &&
	       pos_cmp(line, col, x->nel, x->nec) <= 0;
}

/* Whether x is a better answer than the current best b (NULL: none): the
 * smallest; among equal sizes (the items one macro invocation defines
 * share a span) the one whose name is under the cursor, then the first
 * in the store's order. */
static bool better(const place *x, const place *b, uint32_t line, uint32_t col)
{
	if (!b)
		return true;
	if (x->size != b->size)
		return x->size < b->size;
	bool xn = on_name(x, line, col), bn = on_name(b, line, col);
	if (xn != bn)
		return xn;
	return x->ord < b->ord;
}

/* The last place starting at or before (line, col), or NONE. */
static uint32_t last_start(const query_places *p, uint32_t line, uint32_t col)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pos_cmp(p->v[mid].sl, p->v[mid].sc, line, col) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (uint32_t)(lo - 1) : NONE;
}

int query_places_at(const query_places *p, uint32_t line, uint32_t col, uint64_t *out)
{
	const place *best = NULL;
	*out = 0;
	if (!p || !p->n)
		return PT_ENOTFOUND;
	if (col == UINT32_MAX || !p->nested) {
		for (size_t k = 0; k < p->n; k++)
			if (holds_pos(&p->v[k], line, col) && better(&p->v[k], best, line, col))
				best = &p->v[k];
	} else {
		uint32_t j = last_start(p, line, col);
		while (j != NONE && !holds_pos(&p->v[j], line, col))
			j = p->v[j].up;
		/* j is the innermost; places of the same size above it share its span */
		for (; j != NONE && (!best || p->v[j].size == best->size); j = p->v[j].up)
			if (better(&p->v[j], best, line, col))
				best = &p->v[j];
	}
	if (!best)
		return PT_ENOTFOUND;
	*out = best->id;
	return PT_OK;
}
