/* tests/ws_files.h — helpers every workspace test needs, whatever its
 * fixture: writing a file of a temporary workspace (its folders made on
 * the way), and the sorted, comma-joined qualified paths of a query's
 * results. Static inline: a binary that does not use one builds without a
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

#endif
