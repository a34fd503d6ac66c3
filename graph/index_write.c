/* graph/index_write.c — the graph written to the store: the first write
 * appends every record in key order; a later one merges the stored tables
 * with the new graph and writes only the records that differ (a put of an
 * unchanged record would still dirty its page). Called by index.c's run
 * and by the editor session through index_int.h.
 */
#define _GNU_SOURCE
#include "index_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- diff-write of the graph ------------------------------------------ */

int ix_cmp_half(const void *a, const void *b)
{
	const half *x = a, *y = b;
	if (x->ent != y->ent)
		return x->ent < y->ent ? -1 : 1;
	uint64_t xo = x->other, yo = y->other;
	if (x->e.kind != y->e.kind)
		return x->e.kind - y->e.kind;
	if (xo != yo)
		return xo < yo ? -1 : 1;
	if (x->e.file != y->e.file)
		return x->e.file < y->e.file ? -1 : 1;
	if (x->e.site.start_byte != y->e.site.start_byte)
		return x->e.site.start_byte < y->e.site.start_byte ? -1 : 1;
	if (x->e.flags != y->e.flags)
		return (int)x->e.flags - (int)y->e.flags;
	/* every encoded field takes part: the stored order is canonical */
	if (x->e.site.start_line != y->e.site.start_line)
		return x->e.site.start_line < y->e.site.start_line ? -1 : 1;
	if (x->e.site.start_col != y->e.site.start_col)
		return x->e.site.start_col < y->e.site.start_col ? -1 : 1;
	if (x->e.site.end_line != y->e.site.end_line)
		return x->e.site.end_line < y->e.site.end_line ? -1 : 1;
	return x->e.site.end_col < y->e.site.end_col ? -1 : x->e.site.end_col > y->e.site.end_col;
}

/* Sorted adjacency for one direction; ranges per entity in start[]. A
 * counting sort by entity, then each entity's few edges sorted in place:
 * sorting all edges at once moved far more memory. */
static half *adjacency(const pt_graph *g, bool in, uint32_t **start)
{
	size_t n = g->edges.n;
	half *h = pt_xmalloc((n + 1) * sizeof *h);
	uint32_t *st = pt_xcalloc(g->ents.n + 1, sizeof *st),
		 *fill = pt_xmalloc((g->ents.n + 1) * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		st[(in ? g->edges.v[i].dst : g->edges.v[i].src) + 1]++;
	for (size_t i = 0; i < g->ents.n; i++)
		st[i + 1] += st[i];
	memcpy(fill, st, g->ents.n * sizeof *fill);
	for (size_t i = 0; i < n; i++) {
		const pt_edge *e = &g->edges.v[i];
		uint32_t ent = in ? e->dst : e->src;
		h[fill[ent]++] = (half){ent, g->ents.v[in ? e->src : e->dst].id, *e, in};
	}
	/* each entity's run holds exactly its edges, and the runs hold them all */
	for (size_t i = 0; i < g->ents.n; i++)
		pt_assert(fill[i] == st[i + 1]);
	pt_assert(st[g->ents.n] == n);
	for (size_t i = 0; i < g->ents.n; i++) {
		uint32_t a = st[i], b = st[i + 1];
		if (b - a > 16) {
			qsort(h + a, b - a, sizeof *h, ix_cmp_half);
			continue;
		}
		for (uint32_t k = a + 1; k < b; k++) {
			half x = h[k];
			uint32_t j = k;
			while (j > a && ix_cmp_half(&h[j - 1], &x) > 0) {
				h[j] = h[j - 1];
				j--;
			}
			h[j] = x;
		}
	}
	free(fill);
	*start = st;
	return h;
}

/* The record of half h at b. The other end's id is the one the half
 * carries: reading it from g->ents again was a cache miss per edge, the
 * largest cost of the first write. */
static void encode_half(const half *h, uint8_t b[REC_EDGE_SIZE])
{
	const pt_edge *e = &h->e;
	rec_edge r = {h->other,           e->file,           e->kind,          e->flags,
		      e->site.start_line, e->site.start_col, e->site.end_line, e->site.end_col};
	rec_edge_encode(&r, b);
}

void ix_encode_adj(const half *h, uint32_t from, uint32_t to, pt_strbuf *out)
{
	uint8_t b[REC_EDGE_SIZE];
	out->len = 0;
	for (uint32_t i = from; i < to; i++) {
		encode_half(&h[i], b);
		pt_strbuf_add(out, b, sizeof b);
	}
}

void ix_ent_record(const pt_graph *g, const pt_entity *e, rec_entity *r)
{
	*r = (rec_entity){
		.id = e->id,
		.parent = e->parent,
		.sig_hash = e->sig_hash,
		.file = e->file,
		.kind = e->kind,
		.flags = e->flags,
		.start_byte = e->span.start_byte,
		.end_byte = e->span.end_byte,
		.sl = e->span.start_line,
		.sc = e->span.start_col,
		.el = e->span.end_line,
		.ec = e->span.end_col,
		.nsl = e->name_span.start_line,
		.nsc = e->name_span.start_col,
		.nel = e->name_span.end_line,
		.nec = e->name_span.end_col,
		.disamb = e->disamb,
		.name = pt_graph_str(g, e->name),
		.qpath = pt_graph_str(g, e->qpath),
		.sig = pt_graph_str(g, e->sig),
	};
}

/* Secondary indexes of one entity: name → id, file → id. */
static int index_entity(store_txn *txn, const char *name, uint32_t file, uint64_t id, bool add)
{
	uint8_t fk[4];
	int rc;
	store_key_u32(fk, file);
	if (add) {
		if (*name && (rc = store_put(txn, TBL_NAMES, name, rec_name_key_len(name), &id, 8)))
			return rc;
		return file == PT_NO_FILE ? PT_OK : store_put(txn, TBL_FILEENTS, fk, 4, &id, 8);
	}
	if (*name)
		store_del(txn, TBL_NAMES, name, rec_name_key_len(name), &id, 8);
	if (file != PT_NO_FILE)
		store_del(txn, TBL_FILEENTS, fk, 4, &id, 8);
	return PT_OK;
}

/* ---- first write: everything appended in key order ------------------- */

/* LMDB's default order: memcmp over the shorter length, shorter first. */
static int memn_cmp(const void *a, size_t an, const void *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* The order of store_key_u64's bytes under memcmp: that of the byte-swapped
 * values (the key's first byte is the value's lowest). Compared as
 * integers, without writing the keys out: the first write sorts every
 * entity three times by it. */
static int cmp_key64(const void *a, const void *b)
{
	uint64_t x = __builtin_bswap64(*(const uint64_t *)a),
		 y = __builtin_bswap64(*(const uint64_t *)b);
	return (x > y) - (x < y);
}

/* An entity's name (its key length in TBL_NAMES, measured once: the sort
 * compares each row many times), file and id. */
typedef struct {
	const char *name;
	uint32_t file;
	uint32_t klen;
	uint64_t id;
} name_row;

static int cmp_name_row(const void *a, const void *b)
{
	const name_row *x = a, *y = b;
	int c = memn_cmp(x->name, x->klen, y->name, y->klen);
	return c ? c : cmp_key64(&x->id, &y->id);
}

/* store_key_u32's order, as cmp_key64's. */
static int cmp_file_row(const void *a, const void *b)
{
	const name_row *x = a, *y = b;
	uint32_t p = __builtin_bswap32(x->file), q = __builtin_bswap32(y->file);
	if (p != q)
		return p < q ? -1 : 1;
	return cmp_key64(&x->id, &y->id);
}

typedef struct {
	uint64_t id;
	uint32_t idx;
} id_row;

#define NONE_IDX UINT32_MAX

/* Entities in the order of their keys' bytes: LMDB's order. */
static id_row *sorted_ids(const pt_graph *g)
{
	id_row *order = pt_xmalloc((g->ents.n + 1) * sizeof *order);
	for (size_t i = 0; i < g->ents.n; i++)
		order[i] = (id_row){g->ents.v[i].id, (uint32_t)i};
	qsort(order, g->ents.n, sizeof *order, cmp_key64); /* id is the first member */
	return order;
}

static int write_fresh(store_txn *txn, const pt_graph *g, index_report *rep)
{
	size_t n = g->ents.n;
	id_row *order = sorted_ids(g);
	name_row *rows = pt_xmalloc((n + 1) * sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		const char *nm = pt_graph_str(g, g->ents.v[i].name);
		rows[i] = (name_row){nm, g->ents.v[i].file, (uint32_t)rec_name_key_len(nm),
				     g->ents.v[i].id};
	}
	pt_strbuf buf = {0};
	int rc = PT_OK;
	uint8_t key[8];
	for (size_t i = 0; i < n && !rc; i++) {
		rec_entity r;
		ix_ent_record(g, &g->ents.v[order[i].idx], &r);
		rec_entity_encode(&r, &buf);
		store_key_u64(key, order[i].id);
		rc = store_append(txn, TBL_ENTS, key, 8, buf.buf, buf.len);
		rep->ents_written++;
	}
	for (int dir = 0; dir < 2 && !rc; dir++) {
		uint32_t *start;
		half *h = adjacency(g, dir == 1, &start);
		for (size_t i = 0; i < n && !rc; i++) {
			uint32_t e = order[i].idx;
			if (start[e] == start[e + 1])
				continue;
			ix_encode_adj(h, start[e], start[e + 1], &buf);
			store_key_u64(key, order[i].id);
			rc = store_append(txn, dir ? TBL_IN : TBL_OUT, key, 8, buf.buf, buf.len);
			rep->adj_written++;
		}
		free(h);
		free(start);
	}
	qsort(rows, n, sizeof *rows, cmp_name_row);
	for (size_t i = 0; i < n && !rc; i++)
		if (*rows[i].name)
			rc = store_append(txn, TBL_NAMES, rows[i].name, rows[i].klen, &rows[i].id,
					  8);
	qsort(rows, n, sizeof *rows, cmp_file_row);
	for (size_t i = 0; i < n && !rc; i++) {
		uint8_t fk[4];
		if (rows[i].file == PT_NO_FILE)
			continue;
		store_key_u32(fk, rows[i].file);
		rc = store_append(txn, TBL_FILEENTS, fk, 4, &rows[i].id, 8);
	}
	pt_strbuf_free(&buf);
	free(order);
	free(rows);
	return rc;
}

/* ---- later writes: a merge of the stored tables with the new graph ---- */

/* What a merge decided for one key: write the new value (idx into order)
 * or delete (idx NONE); old name/file for the secondary indexes. */
typedef struct {
	uint64_t id;
	uint32_t idx;
	char *old_name;
	uint32_t old_file;
	bool had;
} change;
typedef PT_VEC(change) changes;

static void changes_free(changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].old_name);
	pt_vec_free(c);
}

/* New value of entity order[i] in table t (ENTS, OUT or IN); empty = none. */
static void new_value(const pt_graph *g, store_table t, uint32_t e, const half *h,
		      const uint32_t *start, pt_strbuf *out)
{
	out->len = 0;
	if (t == TBL_ENTS) {
		rec_entity r;
		ix_ent_record(g, &g->ents.v[e], &r);
		rec_entity_encode(&r, out);
	} else {
		ix_encode_adj(h, start[e], start[e + 1], out);
	}
}

/* Walk table t in key order beside the new values in the same order:
 * sequential reads, and a change only where bytes differ. */
static int merge(store_txn *txn, const pt_graph *g, store_table t, const id_row *order, size_t n,
		 const half *h, const uint32_t *start, changes *out)
{
	store_cursor *c = NULL;
	store_val k, v;
	pt_strbuf buf = {0};
	int rc = store_cursor_open(txn, t, &c);
	if (rc)
		return rc;
	int r = store_cursor_seek(c, NULL, 0, &k, &v);
	size_t i = 0;
	while (i < n || r == PT_OK) {
		uint8_t nk[8];
		int cmp;
		if (i < n)
			store_key_u64(nk, order[i].id);
		if (i >= n)
			cmp = 1;
		else if (r != PT_OK)
			cmp = -1;
		else
			cmp = memn_cmp(nk, 8, k.data, k.len);
		change ch = {0, NONE_IDX, NULL, PT_NO_FILE, false};
		if (cmp <= 0)
			new_value(g, t, order[i].idx, h, start, &buf);
		if (cmp > 0 ||
		    (cmp == 0 && (buf.len != v.len || memcmp(buf.buf, v.data, v.len) != 0))) {
			ch.had = true;
			ch.id = k.len == 8 ? store_load_u64(k.data) : 0;
			if (t == TBL_ENTS) {
				rec_entity old;
				if (rec_entity_decode(v.data, v.len, &old) == 0) {
					ch.old_name = pt_xstrdup(old.name);
					ch.old_file = old.file;
				}
			}
			if (cmp == 0)
				ch.idx = (uint32_t)i;
			pt_vec_push(out, ch);
		} else if (cmp < 0 && buf.len) {
			ch.id = order[i].id;
			ch.idx = (uint32_t)i;
			pt_vec_push(out, ch);
		}
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			r = store_cursor_next(c, &k, &v);
	}
	store_cursor_close(c);
	pt_strbuf_free(&buf);
	return r == PT_ENOTFOUND || r == PT_OK ? PT_OK : r;
}

static int apply(store_txn *txn, const pt_graph *g, store_table t, const id_row *order,
		 const changes *ch, const half *h, const uint32_t *start, index_report *rep)
{
	pt_strbuf buf = {0};
	int rc = PT_OK;
	for (size_t i = 0; i < ch->n && !rc; i++) {
		const change *c = &ch->v[i];
		uint8_t key[8];
		store_key_u64(key, c->id);
		if (t == TBL_ENTS && c->had && c->old_name)
			index_entity(txn, c->old_name, c->old_file, c->id, false);
		if (c->idx == NONE_IDX) {
			rc = store_del(txn, t, key, 8, NULL, 0);
			if (t == TBL_ENTS)
				rep->ents_deleted++;
			else
				rep->adj_written++;
			continue;
		}
		uint32_t e = order[c->idx].idx;
		new_value(g, t, e, h, start, &buf);
		rc = buf.len ? store_put(txn, t, key, 8, buf.buf, buf.len)
			     : store_del(txn, t, key, 8, NULL, 0);
		if (t == TBL_ENTS) {
			rep->ents_written++;
			if (!rc)
				rc = index_entity(txn, pt_graph_str(g, g->ents.v[e].name),
						  g->ents.v[e].file, c->id, true);
		} else {
			rep->adj_written++;
		}
	}
	pt_strbuf_free(&buf);
	return rc == PT_ENOTFOUND ? PT_OK : rc;
}

static int write_diff(store_txn *txn, const pt_graph *g, index_report *rep)
{
	size_t n = g->ents.n;
	id_row *order = sorted_ids(g);
	int rc = PT_OK;
	for (int t = 0; t < 3 && !rc; t++) {
		store_table tbl = t == 0 ? TBL_ENTS : t == 1 ? TBL_OUT : TBL_IN;
		uint32_t *start = NULL;
		half *h = t ? adjacency(g, t == 2, &start) : NULL;
		changes ch = {0};
		rc = merge(txn, g, tbl, order, n, h, start, &ch);
		if (!rc)
			rc = apply(txn, g, tbl, order, &ch, h, start, rep);
		changes_free(&ch);
		free(h);
		free(start);
	}
	free(order);
	return rc;
}

int ix_write_graph(store_txn *txn, const pt_graph *g, index_report *rep)
{
	uint64_t stored = 0;
	int rc = store_count(txn, TBL_ENTS, &stored);
	if (rc)
		return rc;
	return stored == 0 ? write_fresh(txn, g, rep) : write_diff(txn, g, rep);
}
