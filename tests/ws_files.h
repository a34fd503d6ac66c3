/* tests/ws_files.h — helpers every workspace test needs, whatever its
 * fixture: writing a file of a temporary workspace (its folders made on
 * the way), the sorted, comma-joined qualified paths of a query's results,
 * and a target's answer checked against the one expected (assert_answer,
 * for any fixture whose workspace holds a read transaction txn). Static
 * inline: a binary that does not use one builds without a
 * warning. Include after cmocka.h. */
#ifndef PT_TESTS_WS_FILES_H
#define PT_TESTS_WS_FILES_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../graph/query.h"

static inline void write_file(const char *root, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A new temporary folder made from tmpl ("/tmp/pt-x-XXXXXX") in root, the
 * path of its database (root/.db) in db, and the files of ap, pairs of
 * (path, text) ending with NULL, written into it. */
static inline void ws_files_make(char root[256], char db[300], const char *tmpl, va_list ap)
{
	snprintf(root, 256, "%s", tmpl);
	assert_non_null(mkdtemp(root));
	snprintf(db, 300, "%s/.db", root);
	const char *p;
	while ((p = va_arg(ap, const char *)))
		write_file(root, p, va_arg(ap, const char *));
}

/* Remove a folder ws_files_make made, whatever a test did to its modes. */
static inline void ws_files_remove(const char *root)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", root, root);
	assert_int_equal(system(cmd), 0);
}

/* The qualified paths of r's result entities, sorted and comma-joined
 * (caller frees); frees r. */
static inline char *joined_qpaths(store_txn *txn, query_results *r)
{
	char **names = calloc(r->items.n + 1, sizeof *names);
	for (size_t i = 0; i < r->items.n; i++) {
		rec_entity e;
		assert_int_equal(query_entity(txn, r->items.v[i].id, &e), 0);
		names[i] = strdup(e.qpath);
	}
	for (size_t i = 1; i < r->items.n; i++)
		for (size_t j = i; j && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	pt_strbuf b = {0};
	pt_strbuf_add(&b, "", 0);
	for (size_t i = 0; i < r->items.n; i++) {
		if (i)
			pt_strbuf_addc(&b, ',');
		pt_strbuf_adds(&b, names[i]);
		free(names[i]);
	}
	free(names);
	query_results_free(r);
	return b.buf;
}

/* The entity a target names in txn; the test fails unless exactly one
 * matches. */
static inline uint64_t txn_one(store_txn *txn, const char *target)
{
	query_ids ids = {0};
	assert_int_equal(query_targets(txn, target, &ids), 0);
	if (ids.n != 1)
		fail_msg("target %s matched %zu entities", target, ids.n);
	uint64_t id = ids.v[0];
	pt_vec_free(&ids);
	return id;
}

/* Sorted, comma-joined qualified paths of a query's result entities
 * (caller frees): kind is callees, callers, impls or blast (depth 2). */
static inline char *txn_answer(store_txn *txn, const char *kind, const char *target)
{
	query_results r = {0};
	uint64_t id = txn_one(txn, target);
	if (!strcmp(kind, "callees"))
		query_callees(txn, id, 0, &r);
	else if (!strcmp(kind, "callers"))
		query_callers(txn, id, 0, &r);
	else if (!strcmp(kind, "impls"))
		query_what_implements(txn, id, 0, &r);
	else if (!strcmp(kind, "blast"))
		query_blast_radius(txn, id, 2, 0, &r);
	return joined_qpaths(txn, &r);
}

/* For any fixture whose workspace w has an open read transaction txn. */
#define one(w, target)          txn_one((w)->txn, (target))
#define answer(w, kind, target) txn_answer((w)->txn, (kind), (target))

#define assert_answer(w, kind, target, expected)                                                   \
	do {                                                                                       \
		char *got_ = answer((w), (kind), (target));                                        \
		if (strcmp(got_, (expected)) != 0)                                                 \
			fail_msg("%s %s:\n  expected %s\n  got      %s", kind, target, expected,   \
				 got_);                                                            \
		free(got_);                                                                        \
	} while (0)

#endif
