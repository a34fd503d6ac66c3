/* tests/test_rank.c — graph/rank.h on the hand-checked fixture
 * tests/fixtures/rank1: the order of every answer in its expected.json,
 * and the groups, through index_run and the query API. Also what the MCP
 * server needs besides: index_check (graph/index.h), what it reports after
 * each kind of change on disk; and query_search's order. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "test_main.h"
#include "ws_files.h"

#include "../graph/index.h"
#include "../graph/query.h"
#include "../graph/rank.h"

typedef struct {
	char root[64], db[96];
	store *st;
} fixture;

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	strcpy(f->root, "/tmp/pt-rank-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/.db", f->root);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cp -r fixtures/rank1/. '%s/'", f->root);
	if (system(cmd) != 0 || store_open(f->db, STORE_CREATE, &f->st) != 0)
		return -1;
	index_opts o = {.root = f->root, .jobs = 1};
	index_report rep;
	if (index_run(f->st, &o, &rep) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* One "ranked" check of expected.json: the query's items in rank order,
 * path and group, are exactly the expected list. */
static void check_ranked(store_txn *txn, json_t *c)
{
	const char *q = json_string_value(json_object_get(c, "query"));
	const char *target = json_string_value(json_object_get(c, "target"));
	json_t *want = json_object_get(c, "expect");
	query_results r = {0};
	rank_list order = {0};
	uint64_t id = txn_one(txn, target);
	if (strcmp(q, "callers") == 0)
		query_callers(txn, id, 0, &r);
	else
		query_callees(txn, id, 0, &r);
	assert_int_equal(rank_results(txn, &r, &order), 0);
	assert_int_equal(order.n, r.items.n);
	if (order.n != json_array_size(want))
		fail_msg("%s %s: %zu results, expected %zu", q, target, order.n,
			 json_array_size(want));
	for (size_t i = 0; i < order.n; i++) {
		rec_entity e;
		json_t *w = json_array_get(want, i);
		assert_int_equal(query_entity(txn, r.items.v[order.v[i].item].id, &e), 0);
		const char *wp = json_string_value(json_object_get(w, "path"));
		const char *wg = json_string_value(json_object_get(w, "group"));
		if (strcmp(e.qpath, wp) != 0 || strcmp(rank_group_name(order.v[i].group), wg) != 0)
			fail_msg("%s %s #%zu: %s (%s), expected %s (%s)", q, target, i + 1, e.qpath,
				 rank_group_name(order.v[i].group), wp, wg);
	}
	pt_vec_free(&order);
	query_results_free(&r);
}

static void test_rank_fixture(void **state)
{
	fixture *f = *state;
	json_error_t err;
	json_t *spec = json_load_file("fixtures/rank1/expected.json", 0, &err);
	assert_non_null(spec);
	store_txn *txn;
	assert_int_equal(store_txn_begin(f->st, false, &txn), 0);
	json_t *checks = json_object_get(spec, "ranked");
	assert_true(json_array_size(checks) >= 3);
	for (size_t i = 0; i < json_array_size(checks); i++)
		check_ranked(txn, json_array_get(checks, i));
	store_txn_abort(txn);
	json_decref(spec);
}

static void test_rank_group_of(void **state)
{
	fixture *f = *state;
	store_txn *txn;
	rank_group g;
	assert_int_equal(store_txn_begin(f->st, false, &txn), 0);
	uint64_t push = txn_one(txn, "store::buffer::Buffer::push");
	/* the target itself is in its own module */
	assert_int_equal(rank_group_of(txn, push, push, &g), 0);
	assert_int_equal(g, RANK_MODULE);
	/* a module under a #[cfg(windows)] `mod win;` in another file */
	assert_int_equal(rank_group_of(txn, push, txn_one(txn, "store::win::flush_windows"), &g),
			 0);
	assert_int_equal(g, RANK_CFG_OFF);
	assert_int_equal(rank_group_of(txn, push, 12345, &g), PT_ENOTFOUND);
	assert_string_equal(rank_group_name(RANK_BENCH), "bench");
	assert_string_equal(rank_group_name(RANK_GROUPS), "");
	store_txn_abort(txn);
}

/* Blast radius ranked: groups first, and within one group the nearer
 * entity first. */
static void test_rank_by_depth(void **state)
{
	fixture *f = *state;
	store_txn *txn;
	query_results r = {0};
	rank_list order = {0};
	assert_int_equal(store_txn_begin(f->st, false, &txn), 0);
	query_blast_radius(txn, txn_one(txn, "store::buffer::Buffer::push"), 3, 0, &r);
	assert_int_equal(rank_results_by_depth(txn, &r, &order), 0);
	const query_item *a = &r.items.v[order.v[0].item], *b = &r.items.v[order.v[1].item];
	rec_entity ea, eb;
	query_entity(txn, a->id, &ea);
	query_entity(txn, b->id, &eb);
	/* fill (depth 1) before refill and top_up (depth 2, same module) */
	assert_string_equal(ea.qpath, "store::buffer::fill");
	assert_int_equal(a->depth, 1);
	for (size_t i = 1; i < order.n; i++) {
		const rank_entry *p = &order.v[i - 1], *q = &order.v[i];
		assert_true(p->group <= q->group);
		if (p->group == q->group)
			assert_true(r.items.v[p->item].depth <= r.items.v[q->item].depth);
	}
	pt_vec_free(&order);
	query_results_free(&r);
	store_txn_abort(txn);
}

static void check_status(fixture *f, uint32_t changed, uint32_t added, uint32_t deleted)
{
	index_staleness s;
	assert_int_equal(index_check(f->st, f->root, &s), 0);
	if (s.changed != changed || s.added != added || s.deleted != deleted)
		fail_msg("changed/added/deleted %u/%u/%u, expected %u/%u/%u (%s)", s.changed,
			 s.added, s.deleted, changed, added, deleted, s.paths);
	assert_int_equal(index_staleness_any(&s), changed + added + deleted > 0);
	index_staleness_free(&s);
}

/* index_check counts what changed on disk, a touch is not a change, and
 * an index_run makes it report nothing again. Runs last: it edits the
 * fixture. */
static void test_index_check(void **state)
{
	fixture *f = *state;
	check_status(f, 0, 0, 0);
	/* the same bytes, a new mtime */
	sh("touch -d '+1 minute' '%s/store/src/log.rs'", f->root);
	check_status(f, 0, 0, 0);
	sh("echo 'pub fn more() {}' >> '%s/store/src/log.rs'", f->root);
	sh("echo 'pub fn new_one() {}' > '%s/store/src/extra.rs'", f->root);
	sh("rm '%s/store/benches/bench.rs'", f->root);
	index_staleness s;
	assert_int_equal(index_check(f->st, f->root, &s), 0);
	assert_int_equal(s.changed, 1);
	assert_int_equal(s.added, 1);
	assert_int_equal(s.deleted, 1);
	assert_non_null(strstr(s.paths, "store/src/log.rs\n"));
	assert_non_null(strstr(s.paths, "store/benches/bench.rs\n"));
	index_staleness_free(&s);
	index_opts o = {.root = f->root, .jobs = 1};
	index_report rep;
	assert_int_equal(index_run(f->st, &o, &rep), 0);
	check_status(f, 0, 0, 0);
	assert_int_equal(index_check(f->st, "/nonexistent/pt-rank", &s), PT_ENOROOT);
	index_staleness_free(&s);
}

/* store_release_map drops the pages a reader mapped; what it reads next
 * is the same (the pages come back from the page cache). */
static void test_release_map(void **state)
{
	fixture *f = *state;
	store_txn *txn;
	query_results a = {0}, b = {0};
	assert_int_equal(store_txn_begin(f->st, false, &txn), 0);
	uint64_t id = txn_one(txn, "store::buffer::Buffer::push");
	query_callers(txn, id, 0, &a);
	store_txn_abort(txn);
	store_release_map(f->st);
	store_release_map(NULL);
	assert_int_equal(store_txn_begin(f->st, false, &txn), 0);
	query_callers(txn, id, 0, &b);
	assert_int_equal(a.items.n, b.items.n);
	assert_true(a.items.n > 0);
	for (size_t i = 0; i < a.items.n; i++)
		assert_int_equal(a.items.v[i].id, b.items.v[i].id);
	store_txn_abort(txn);
	query_results_free(&a);
	query_results_free(&b);
}

/* The exact match first, however many fuzzy matches come before it in
 * the name table (a0b .. a9b sort before ab). */
static void test_search_exact_first(void **state)
{
	(void)state;
	char root[] = "/tmp/pt-search-XXXXXX", db[64];
	assert_non_null(mkdtemp(root));
	snprintf(db, sizeof db, "%s/.db", root);
	sh("mkdir -p '%s/src' && printf '[package]\\nname = \"s\"\\n' > '%s/Cargo.toml'", root,
	   root);
	sh("for i in 0 1 2 3 4 5 6 7 8 9; do echo \"pub fn a${i}b() {}\"; done > '%s/src/lib.rs'",
	   root);
	sh("echo 'pub fn ab() {}' >> '%s/src/lib.rs'", root);
	store *st;
	store_txn *txn;
	index_report rep;
	index_opts o = {.root = root, .jobs = 1};
	assert_int_equal(store_open(db, STORE_CREATE, &st), 0);
	assert_int_equal(index_run(st, &o, &rep), 0);
	assert_int_equal(store_txn_begin(st, false, &txn), 0);
	query_ids ids = {0};
	rec_entity e;
	assert_int_equal(query_search(txn, "ab", 1, &ids, NULL), 0);
	assert_int_equal(ids.n, 1);
	assert_int_equal(query_entity(txn, ids.v[0], &e), 0);
	assert_string_equal(e.name, "ab");
	pt_vec_free(&ids);
	store_txn_abort(txn);
	store_close(st);
	sh("rm -rf '%s'", root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_fixture),  cmocka_unit_test(test_rank_group_of),
		cmocka_unit_test(test_rank_by_depth), cmocka_unit_test(test_release_map),
		cmocka_unit_test(test_index_check),   cmocka_unit_test(test_search_exact_first),
	};
	return pt_run_tests(tests, setup, teardown);
}
