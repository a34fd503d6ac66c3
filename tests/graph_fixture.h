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

static const char *cargo = "[package]\nname = \"t\"\nversion = \"0.1.0\"\n";

#endif
