/* graph/check.c — the consistency pass of graph/check.h. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "../store/records.h"
#include "extract.h"
#include "facts.h"
#include "index.h"
#include "model.h"

typedef PT_VEC(uint32_t) u32s;
typedef PT_VEC(uint64_t) u64s;

/* Order-free sums of record hashes: a multiset on each side. */
static uint64_t h_pair(const void *s, size_t n, uint64_t id)
{
	return pt_hash64_seed(s, n, id * 0x9E3779B97F4A7C15ull + 1);
}

static uint64_t h_edge(uint64_t from, uint64_t to, const rec_edge *e)
{
	uint64_t w[6] = {
		from,  to,    ((uint64_t)e->kind << 40) | ((uint64_t)e->flags << 32) | e->file,
		e->sl, e->sc, ((uint64_t)e->el << 32) | e->ec};
	return pt_hash64(w, sizeof w);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static bool has64(const uint64_t *v, size_t n, uint64_t x)
{
	return n && bsearch(&x, v, n, sizeof x, cmp_u64) != NULL;
}
static bool has32(const uint32_t *v, size_t n, uint32_t x)
{
	return n && bsearch(&x, v, n, sizeof x, cmp_u32) != NULL;
}

/* Files: TBL_FILES (path → record with id) against TBL_FILEIDS (id → path). */
static int check_files(store_txn *txn, graph_check_report *r, u32s *ids)
{
	store_cursor *c = NULL;
	store_val k, v;
	uint64_t a = 0, b = 0;
	int rc = store_cursor_open(txn, TBL_FILES, &c);
	for (rc = rc ? rc : store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		rec_file f;
		r->files++;
		if (rec_file_decode(v.data, v.len, &f) != 0) {
			r->bad_records++;
			continue;
		}
		a += h_pair(k.data, k.len, f.id);
	}
	store_cursor_close(c);
	if (rc != PT_ENOTFOUND)
		return rc;
	rc = store_cursor_open(txn, TBL_FILEIDS, &c);
	for (rc = rc ? rc : store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		const char *p = v.data;
		if (k.len != 4 || !v.len || p[v.len - 1] != 0) {
			r->bad_records++;
			continue;
		}
		uint32_t id = store_load_u32(k.data);
		pt_vec_push(ids, id);
		b += h_pair(p, v.len - 1, id);
	}
	store_cursor_close(c);
	if (rc != PT_ENOTFOUND)
		return rc;
	r->fileids_differ = a != b;
	if (ids->n)
		qsort(ids->v, ids->n, sizeof *ids->v, cmp_u32);
	return PT_OK;
}

/* A DUPSORT index (key → 8-byte ids): the sum of its pairs' hashes. */
static int index_sum(store_txn *txn, store_table t, graph_check_report *r, uint64_t *sum)
{
	store_cursor *c = NULL;
	store_val k, v;
	int rc = store_cursor_open(txn, t, &c);
	for (rc = rc ? rc : store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		if (v.len != 8) {
			r->bad_records++;
			continue;
		}
		*sum += h_pair(k.data, k.len, store_load_u64(v.data));
	}
	store_cursor_close(c);
	return rc == PT_ENOTFOUND ? PT_OK : rc;
}

static int check_edges(store_txn *txn, store_table t, graph_check_report *r, const uint64_t *ids,
		       size_t n, uint64_t *sum)
{
	store_cursor *c = NULL;
	store_val k, v;
	int rc = store_cursor_open(txn, t, &c);
	for (rc = rc ? rc : store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		if (k.len != 8 || !v.len || v.len % REC_EDGE_SIZE) {
			r->bad_records++;
			continue;
		}
		uint64_t self = store_load_u64(k.data);
		if (!has64(ids, n, self))
			r->dangling++;
		for (size_t i = 0; i < v.len / REC_EDGE_SIZE; i++) {
			rec_edge e;
			rec_edge_decode((const uint8_t *)v.data + i * REC_EDGE_SIZE, &e);
			if (t == TBL_OUT)
				r->edges++;
			if (e.kind < REL_CONTAINS || e.kind >= REL_MAX)
				r->bad_records++;
			if (!has64(ids, n, e.other))
				r->dangling++;
			*sum += t == TBL_OUT ? h_edge(self, e.other, &e)
					     : h_edge(e.other, self, &e);
		}
	}
	store_cursor_close(c);
	return rc == PT_ENOTFOUND ? PT_OK : rc;
}

static int check_facts(store_txn *txn, graph_check_report *r, const uint32_t *files, size_t nfiles)
{
	uint64_t version = 0;
	bool current = store_meta_get_u64(txn, META_EXTRACT_VERSION, &version) == PT_OK &&
		       version == EXTRACT_VERSION;
	store_cursor *c = NULL;
	store_val k, v;
	int rc = store_cursor_open(txn, TBL_FACTS, &c);
	for (rc = rc ? rc : store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		r->facts++;
		if (k.len != 4) {
			r->bad_records++;
			continue;
		}
		if (!has32(files, nfiles, store_load_u32(k.data)))
			r->dangling++;
		if (!current) {
			r->stale_facts++;
			continue;
		}
		pt_facts f;
		pt_facts_init(&f);
		if (pt_facts_decode(v.data, v.len, &f) != 0)
			r->bad_facts++;
		pt_facts_free(&f);
	}
	store_cursor_close(c);
	return rc == PT_ENOTFOUND ? PT_OK : rc;
}

int graph_check(store_txn *txn, graph_check_report *r)
{
	memset(r, 0, sizeof *r);
	u32s files = {0};
	u64s ids = {0};
	uint64_t names = 0, fileents = 0, names_ix = 0, fileents_ix = 0, out = 0, in = 0;
	int rc = check_files(txn, r, &files);
	store_cursor *c = NULL;
	store_val k, v;
	if (!rc)
		rc = store_cursor_open(txn, TBL_ENTS, &c);
	for (rc = rc ? rc : store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		rec_entity e;
		r->ents++;
		if (k.len != 8 || rec_entity_decode(v.data, v.len, &e) != 0 ||
		    e.id != store_load_u64(k.data) || e.kind >= PT_KIND_MAX) {
			r->bad_records++;
			continue;
		}
		pt_vec_push(&ids, e.id);
		if (*e.name)
			names += h_pair(e.name, rec_name_key_len(e.name), e.id);
		if (e.file != PT_NO_FILE) {
			uint8_t fk[4];
			store_key_u32(fk, e.file);
			fileents += h_pair(fk, 4, e.id);
			if (!has32(files.v, files.n, e.file))
				r->dangling++;
		}
	}
	store_cursor_close(c);
	if (rc == PT_ENOTFOUND)
		rc = PT_OK;
	if (ids.n)
		qsort(ids.v, ids.n, sizeof *ids.v, cmp_u64);
	if (!rc)
		rc = check_edges(txn, TBL_OUT, r, ids.v, ids.n, &out);
	if (!rc)
		rc = check_edges(txn, TBL_IN, r, ids.v, ids.n, &in);
	if (!rc)
		rc = index_sum(txn, TBL_NAMES, r, &names_ix);
	if (!rc)
		rc = index_sum(txn, TBL_FILEENTS, r, &fileents_ix);
	if (!rc)
		rc = check_facts(txn, r, files.v, files.n);
	r->edges_differ = out != in;
	r->names_differ = names != names_ix;
	r->fileents_differ = fileents != fileents_ix;
	pt_vec_free(&files);
	pt_vec_free(&ids);
	if (rc)
		return rc;
	bool bad = r->bad_records || r->dangling || r->edges_differ || r->names_differ ||
		   r->fileents_differ || r->fileids_differ || r->bad_facts;
	return bad ? PT_ECORRUPT : PT_OK;
}

int graph_check_hook(store_txn *txn)
{
	graph_check_report r;
	return graph_check(txn, &r);
}
