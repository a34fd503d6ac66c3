/* graph/rank.c — see rank.h. */
#include "rank.h"

#include <stdlib.h>
#include <string.h>

/* Deeper nesting than this is not Rust anyone writes; it bounds the walk
 * up the parents of a damaged graph too. */
#define MAX_DEPTH 64

const char *rank_group_name(int g)
{
	static const char *const names[RANK_GROUPS] = {
		"module", "crate", "workspace", "external", "cfg_off", "test", "example", "bench",
	};
	return g >= 0 && g < RANK_GROUPS ? names[g] : "";
}

/* What the ranking needs to know of one entity. Strings are borrowed from
 * the map until the read transaction ends. */
typedef struct {
	const char *qpath;
	const char *module; /* qualified path of the innermost module or crate */
	size_t crate_len;   /* length of the crate's name at the head of qpath */
	bool external, cfg_off, test_module;
	uint32_t file;
} facts;

/* A module named like the tests of `#[cfg(test)] mod tests`. */
static bool test_name(const char *name)
{
	return strcmp(name, "tests") == 0 || strcmp(name, "test") == 0;
}

static int entity_facts(store_txn *txn, uint64_t id, facts *f)
{
	rec_entity e;
	int rc = query_entity(txn, id, &e);
	if (rc)
		return rc;
	memset(f, 0, sizeof *f);
	f->qpath = e.qpath;
	f->file = e.file;
	f->external = (e.flags & ENT_EXTERNAL) || e.file == PT_NO_FILE;
	const char *sep = strstr(e.qpath, "::");
	f->crate_len = sep ? (size_t)(sep - e.qpath) : strlen(e.qpath);
	/* the item itself, then its parents: the first module or crate is
	 * where it lives; a #[cfg] anywhere on the way leaves it out */
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		bool off = e.flags & ENT_CFG_OFF;
		f->cfg_off |= off;
		if (e.kind == PT_MODULE || e.kind == PT_CRATE) {
			if (!f->module)
				f->module = e.qpath;
			f->test_module |= off && test_name(e.name);
		}
		if (!e.parent || query_entity(txn, e.parent, &e) != PT_OK)
			break;
	}
	if (!f->module)
		f->module = "";
	return PT_OK;
}

/* A path component (a folder) of the workspace-relative file path. */
static bool in_folder(const char *path, const char *folder)
{
	size_t n = strlen(folder);
	for (const char *p = path; (p = strstr(p, folder)); p += n)
		if ((p == path || p[-1] == '/') && p[n] == '/')
			return true;
	return false;
}

static bool under(const char *module, const char *prefix)
{
	size_t n = strlen(prefix);
	return n && strncmp(module, prefix, n) == 0 &&
	       (!module[n] || strncmp(module + n, "::", 2) == 0);
}

static rank_group group_of(store_txn *txn, const facts *t, const facts *f)
{
	const char *path = f->external ? "" : query_file_path(txn, f->file);
	if (in_folder(path, "benches"))
		return RANK_BENCH;
	if (in_folder(path, "examples"))
		return RANK_EXAMPLE;
	if (in_folder(path, "tests") || f->test_module)
		return RANK_TEST;
	if (f->cfg_off)
		return RANK_CFG_OFF;
	if (f->external)
		return RANK_EXTERNAL;
	if (t && under(f->module, t->module))
		return RANK_MODULE;
	if (t && f->crate_len == t->crate_len && strncmp(f->qpath, t->qpath, t->crate_len) == 0)
		return RANK_CRATE;
	return RANK_WORKSPACE;
}

int rank_group_of(store_txn *txn, uint64_t target, uint64_t id, rank_group *out)
{
	facts t, f;
	int rc = entity_facts(txn, id, &f);
	if (rc)
		return rc;
	bool have_target = entity_facts(txn, target, &t) == PT_OK;
	*out = group_of(txn, have_target ? &t : NULL, &f);
	return PT_OK;
}

static uint32_t fan_in(store_txn *txn, uint64_t id)
{
	query_edges it;
	rec_edge e;
	uint32_t n = 0;
	query_edges_open(txn, id, QUERY_IN, &it);
	while (query_edges_next(&it, &e))
		n += e.kind == REL_CALLS || e.kind == REL_USES;
	return n;
}

/* The sort keys of one item, beside its entry. */
typedef struct {
	rank_entry e;
	uint32_t depth, sites;
	const char *qpath;
	bool by_depth;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	if (x->e.group != y->e.group)
		return x->e.group < y->e.group ? -1 : 1;
	if (x->by_depth && x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (x->e.fan_in != y->e.fan_in)
		return x->e.fan_in > y->e.fan_in ? -1 : 1;
	if (x->sites != y->sites)
		return x->sites > y->sites ? -1 : 1;
	int c = strcmp(x->qpath, y->qpath);
	if (c)
		return c;
	return x->e.item < y->e.item ? -1 : x->e.item > y->e.item;
}

static int rank(store_txn *txn, const query_results *r, bool by_depth, rank_list *out)
{
	keyed *k = pt_xcalloc(r->items.n + 1, sizeof *k);
	uint64_t target = 0;
	facts t;
	bool have_target = false;
	for (size_t i = 0; i < r->items.n; i++) {
		const query_item *it = &r->items.v[i];
		facts f;
		if (i == 0 || it->for_id != target) {
			target = it->for_id;
			have_target = entity_facts(txn, target, &t) == PT_OK;
		}
		k[i] = (keyed){.e = {.item = (uint32_t)i, .group = RANK_WORKSPACE},
			       .depth = it->depth,
			       .sites = it->site_n,
			       .qpath = "\xff",
			       .by_depth = by_depth};
		if (entity_facts(txn, it->id, &f) != PT_OK)
			continue;
		k[i].e.group = (uint8_t)group_of(txn, have_target ? &t : NULL, &f);
		k[i].e.fan_in = fan_in(txn, it->id);
		k[i].qpath = f.qpath;
	}
	qsort(k, r->items.n, sizeof *k, cmp_keyed);
	pt_vec_reserve(out, out->n + r->items.n);
	for (size_t i = 0; i < r->items.n; i++)
		pt_vec_push(out, k[i].e);
	free(k);
	return PT_OK;
}

int rank_results(store_txn *txn, const query_results *r, rank_list *out)
{
	return rank(txn, r, false, out);
}

int rank_results_by_depth(store_txn *txn, const query_results *r, rank_list *out)
{
	return rank(txn, r, true, out);
}
