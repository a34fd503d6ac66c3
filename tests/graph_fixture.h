/* tests/graph_fixture.h — the workspace fixture of the resolver tests
 * (tests/test_graph*.c): a temporary workspace written file by file,
 * indexed with index_run into its own store, and queried through the query
 * API. Each test binary includes it once; its helpers are static inline so
 * a binary that does not use one builds without a warning.
 *
 * Ownership: a ws owns its temporary folder, its store and its read
 * transaction from ws_make until ws_free, which removes the folder. */
#ifndef PT_TESTS_GRAPH_FIXTURE_H
#define PT_TESTS_GRAPH_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_main.h"

#include "../graph/index.h"
#include "../graph/query.h"
#include "ws_files.h"

typedef struct {
	char root[256], db[300];
	store *st;
	store_txn *txn;
} ws;

static inline void ws_index(ws *w)
{
	index_opts o = {.root = w->root, .jobs = 2};
	index_report rep;
	if (w->txn) {
		store_txn_abort(w->txn);
		w->txn = NULL;
	}
	assert_int_equal(index_run(w->st, &o, &rep), 0);
	assert_int_equal(store_txn_begin(w->st, false, &w->txn), 0);
}

/* files: pairs of (path, text), NULL-terminated. */
static inline void ws_make(ws *w, ...)
{
	memset(w, 0, sizeof *w);
	va_list ap;
	va_start(ap, w);
	ws_files_make(w->root, w->db, "/tmp/pt-graph-XXXXXX", ap);
	va_end(ap);
	assert_int_equal(store_open(w->db, STORE_CREATE, &w->st), 0);
	ws_index(w);
}

static inline void ws_free(ws *w)
{
	store_txn_abort(w->txn);
	store_close(w->st);
	ws_files_remove(w->root);
}

static inline uint64_t one(ws *w, const char *target)
{
	query_ids ids = {0};
	assert_int_equal(query_targets(w->txn, target, &ids), 0);
	if (ids.n != 1)
		fail_msg("target %s matched %zu entities", target, ids.n);
	uint64_t id = ids.v[0];
	pt_vec_free(&ids);
	return id;
}

/* Sorted, comma-joined qualified paths of a query's result entities. */
static inline char *answer(ws *w, const char *kind, const char *target)
{
	query_results r = {0};
	uint64_t id = one(w, target);
	if (!strcmp(kind, "callees"))
		query_callees(w->txn, id, 0, &r);
	else if (!strcmp(kind, "callers"))
		query_callers(w->txn, id, 0, &r);
	else if (!strcmp(kind, "impls"))
		query_what_implements(w->txn, id, 0, &r);
	else if (!strcmp(kind, "blast"))
		query_blast_radius(w->txn, id, 2, 0, &r);
	return joined_qpaths(w->txn, &r);
}

#define assert_answer(w, kind, target, expected)                                                   \
	do {                                                                                       \
		char *got_ = answer((w), (kind), (target));                                        \
		if (strcmp(got_, (expected)) != 0)                                                 \
			fail_msg("%s %s:\n  expected %s\n  got      %s", kind, target, expected,   \
				 got_);                                                            \
		free(got_);                                                                        \
	} while (0)

static const char *cargo = "[package]\nname = \"t\"\nversion = \"0.1.0\"\n";

#endif
