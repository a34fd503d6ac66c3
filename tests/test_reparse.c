/* tests/test_reparse.c — incremental re-parsing of open buffers.
 *
 * The editor path: a document's tree is edited (pt_tree_apply_edit) with every
 * change and handed to the extractor as the old tree. Whatever the edits,
 * the facts must be exactly those of a parse from scratch of the same text:
 * the reference here is the from-scratch parse, never a stored answer. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_main.h"

#include "../graph/extract.h"
#include "../lsp/text.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	pt_strbuf b = {0};
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		pt_strbuf_add(&b, buf, n);
	fclose(f);
	*len = b.len;
	return b.buf;
}

/* Facts of text as one blob, parsed with old (NULL: from scratch). */
static void facts_blob(pt_extractor *ex, const char *text, size_t len, const pt_tree *old,
		       pt_tree **out, pt_strbuf *blob)
{
	pt_facts f;
	pt_facts_init(&f);
	assert_int_equal(pt_extractor_text_tree(ex, text, len, old, out, &f), PT_OK);
	blob->len = 0;
	pt_facts_encode(&f, blob);
	pt_facts_free(&f);
}

/* A random change in LSP terms (utf-8 positions), from a small menu of
 * what editors send: typing, deleting, pasting lines, replacing a range. */
static lsp_change random_change(const char *text, size_t len, unsigned *seed, pt_strbuf *ins)
{
	static const char *const snippets[] = {
		"x",
		"(",
		")",
		"{",
		"}\n",
		"\n",
		"fn added() { helper(); }\n",
		"let y = 1;",
		"  ",
		"pub struct Z;\n",
		"// comment\n",
		"é",
		"\"",
		"impl Z { fn m(&self) {} }\n",
		"",
	};
	size_t a = len ? (size_t)rand_r(seed) % (len + 1) : 0;
	size_t span = (size_t)rand_r(seed) % 12;
	size_t b = a + span > len ? len : a + span;
	if (rand_r(seed) % 3)
		b = a; /* mostly pure inserts */
	ins->len = 0;
	pt_strbuf_adds(ins, snippets[(size_t)rand_r(seed) % (sizeof snippets / sizeof *snippets)]);
	lsp_change c = {.whole = false, .text = pt_strbuf_cstr(ins), .len = ins->len};
	c.range.start = lsp_text_position(text, len, a, LSP_UTF8);
	c.range.end = lsp_text_position(text, len, b, LSP_UTF8);
	return c;
}

static void test_edits_match_full_parse(void **state)
{
	(void)state;
	size_t len;
	char *orig = slurp("fixtures/ws1/shapes/src/edge.rs", &len);
	const char *uri = "file:///t/edge.rs";
	lsp_docs *docs = lsp_docs_new();
	pt_extractor *ex = pt_extractor_new();
	pt_strbuf inc = {0}, full = {0}, ins = {0};
	unsigned seed = 12345;
	lsp_docs_open(docs, uri, orig, len, 1);
	int reused = 0;
	for (int step = 0; step < 300; step++) {
		char *text;
		size_t tlen;
		int64_t stamp;
		pt_tree *old = NULL, *fresh = NULL;
		assert_true(lsp_docs_snapshot(docs, uri, &text, &tlen, &stamp, &old));
		reused += old != NULL;
		facts_blob(ex, text, tlen, old, &fresh, &inc);
		facts_blob(ex, text, tlen, NULL, NULL, &full);
		if (inc.len != full.len || memcmp(inc.buf, full.buf, inc.len) != 0)
			fail_msg("step %d: incremental facts differ from a full parse", step);
		if (old)
			pt_tree_free(old);
		lsp_docs_set_tree(docs, uri, stamp, fresh);
		/* one to three changes per didChange, applied in order */
		int n = 1 + rand_r(&seed) % 3;
		for (int k = 0; k < n; k++) {
			char *cur;
			size_t clen;
			pt_tree *ignore;
			int64_t st;
			assert_true(lsp_docs_snapshot(docs, uri, &cur, &clen, &st, &ignore));
			if (ignore)
				pt_tree_free(ignore);
			lsp_change c = random_change(cur, clen, &seed, &ins);
			assert_true(lsp_docs_change(docs, uri, 2 + step, &c, 1, LSP_UTF8));
			free(cur);
		}
		free(text);
	}
	assert_true(reused > 250); /* the old tree really was used */
	pt_strbuf_free(&inc);
	pt_strbuf_free(&full);
	pt_strbuf_free(&ins);
	pt_extractor_free(ex);
	lsp_docs_free(docs);
	free(orig);
}

/* A tree handed back for a text the document no longer has is dropped. */
static void test_stale_tree_dropped(void **state)
{
	(void)state;
	lsp_docs *docs = lsp_docs_new();
	pt_extractor *ex = pt_extractor_new();
	const char *uri = "file:///t/a.rs";
	lsp_docs_open(docs, uri, "fn a() {}\n", 10, 1);
	char *text;
	size_t len;
	int64_t stamp;
	pt_tree *old, *t = NULL;
	assert_true(lsp_docs_snapshot(docs, uri, &text, &len, &stamp, &old));
	assert_null(old);
	pt_facts f;
	pt_facts_init(&f);
	assert_int_equal(pt_extractor_text_tree(ex, text, len, NULL, &t, &f), PT_OK);
	pt_facts_free(&f);
	lsp_docs_open(docs, uri, "fn b() {}\n", 10, 1); /* reopened, same version */
	lsp_docs_set_tree(docs, uri, stamp, t);
	free(text);
	assert_true(lsp_docs_snapshot(docs, uri, &text, &len, &stamp, &old));
	assert_null(old); /* the stale tree was not kept */
	free(text);
	pt_extractor_free(ex);
	lsp_docs_free(docs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edits_match_full_parse),
		cmocka_unit_test(test_stale_tree_dropped),
	};
	return pt_run_tests(tests, NULL, NULL);
}
