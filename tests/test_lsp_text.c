/* tests/test_lsp_text.c — position conversion and edit application. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_main.h"

#include "../lsp/text.h"

/* "é" is 2 bytes / 1 utf-16 unit; "😀" is 4 bytes / 2 units / 1 code point. */
static const char T[] = "fn a() {}\n// é😀 x\r\nlet y = f(1);\nlast";

static lsp_pos P(uint32_t l, uint32_t c)
{
	lsp_pos p = {l, c};
	return p;
}

static void test_units(void **st)
{
	(void)st;
	const char *s = "é😀x";
	assert_int_equal(lsp_units(s, strlen(s), LSP_UTF8), 7);
	assert_int_equal(lsp_units(s, strlen(s), LSP_UTF16), 4);
	assert_int_equal(lsp_units(s, strlen(s), LSP_UTF32), 3);
	/* invalid bytes count one unit each */
	assert_int_equal(lsp_units("\xff\xc3", 2, LSP_UTF16), 2);
	assert_int_equal(lsp_units("\xf0\x9f\x98", 3, LSP_UTF16), 3); /* truncated sequence */
}

static void test_bytes_for_units(void **st)
{
	(void)st;
	const char *s = "é😀x";
	size_t n = strlen(s);
	assert_int_equal(lsp_bytes_for_units(s, n, 1, LSP_UTF16), 2);
	assert_int_equal(lsp_bytes_for_units(s, n, 3, LSP_UTF16), 6);
	assert_int_equal(lsp_bytes_for_units(s, n, 2, LSP_UTF16),
			 2); /* inside the surrogate pair */
	assert_int_equal(lsp_bytes_for_units(s, n, 4, LSP_UTF16), 7);
	assert_int_equal(lsp_bytes_for_units(s, n, 99, LSP_UTF16), 7); /* clamps */
	assert_int_equal(lsp_bytes_for_units(s, n, 2, LSP_UTF32), 6);
	assert_int_equal(lsp_bytes_for_units(s, n, 1, LSP_UTF8), 0); /* inside é: its start */
	assert_int_equal(lsp_bytes_for_units(s, n, 4, LSP_UTF8), 2); /* inside 😀 */
	assert_int_equal(lsp_bytes_for_units(s, n, 6, LSP_UTF8), 6);
	assert_int_equal(lsp_bytes_for_units(s, n, 100, LSP_UTF8), 7);
}

static void test_offsets(void **st)
{
	(void)st;
	size_t n = strlen(T);
	/* line 1 is "// é😀 x" + "\r\n": x is at byte 10, utf-16 7, utf-32 6 */
	assert_int_equal(lsp_text_offset(T, n, P(1, 7), LSP_UTF16), 10 + 10);
	assert_int_equal(lsp_text_offset(T, n, P(1, 6), LSP_UTF32), 10 + 10);
	assert_int_equal(lsp_text_offset(T, n, P(1, 10), LSP_UTF8), 10 + 10);
	/* past the end of the line: before the \r\n */
	assert_int_equal(lsp_text_offset(T, n, P(1, 50), LSP_UTF16), 10 + 11);
	/* past the last line: end of text */
	assert_int_equal(lsp_text_offset(T, n, P(9, 0), LSP_UTF16), n);
	assert_int_equal(lsp_text_offset(T, n, P(3, 99), LSP_UTF16), n);
	lsp_pos p = lsp_text_position(T, n, 10 + 10, LSP_UTF16);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.character, 7);
	p = lsp_text_position(T, n, n, LSP_UTF8);
	assert_int_equal(p.line, 3);
	assert_int_equal(p.character, 4);
}

static void test_lines(void **st)
{
	(void)st;
	lsp_lines L;
	lsp_lines_init(&L, T, strlen(T));
	assert_int_equal(L.starts.n, 4);
	assert_int_equal(lsp_lines_len(&L, 1), 11);
	assert_int_equal(lsp_lines_len(&L, 3), 4);
	uint32_t line, col;
	lsp_lines_to_graph(&L, P(1, 7), LSP_UTF16, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 10);
	lsp_pos p = lsp_lines_from_graph(&L, 1, 10, LSP_UTF16);
	assert_int_equal(p.character, 7);
	p = lsp_lines_from_graph(&L, 1, 10, LSP_UTF32);
	assert_int_equal(p.character, 6);
	p = lsp_lines_from_graph(&L, 1, 10, LSP_UTF8);
	assert_int_equal(p.character, 10);
	assert_int_equal(lsp_lines_offset(&L, P(2, 8), LSP_UTF16), 23 + 8);
	lsp_lines_to_graph(&L, P(40, 3), LSP_UTF16, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 4);
	lsp_lines_free(&L);
	/* empty text: one empty line */
	lsp_lines_init(&L, "", 0);
	assert_int_equal(L.starts.n, 1);
	assert_int_equal(lsp_lines_offset(&L, P(0, 5), LSP_UTF16), 0);
	lsp_lines_free(&L);
}

static lsp_change R(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2, const char *t)
{
	lsp_change c = {false, {{l1, c1}, {l2, c2}}, t, strlen(t)};
	return c;
}

static void test_apply(void **st)
{
	(void)st;
	pt_strbuf b = {0};
	pt_strbuf_adds(&b, "abc\né😀z\n");
	/* insert after the emoji (utf-16 col 3), then delete é, then a multi-line replace */
	lsp_change ch[] = {R(1, 3, 1, 3, "Q"), R(1, 0, 1, 1, ""), R(0, 1, 1, 2, "-")};
	lsp_apply_changes(&b, ch, 1, LSP_UTF16);
	assert_string_equal(b.buf, "abc\né😀Qz\n");
	lsp_apply_changes(&b, ch + 1, 1, LSP_UTF16);
	assert_string_equal(b.buf, "abc\n😀Qz\n");
	lsp_apply_changes(&b, ch + 2, 1, LSP_UTF16);
	assert_string_equal(b.buf, "a-Qz\n");
	/* whole replacement, then edits in order in one call */
	lsp_change w = {true, {{0, 0}, {0, 0}}, "x\ny", 3};
	lsp_change seq[] = {w, R(1, 1, 1, 1, "!"), R(0, 0, 0, 1, "")};
	lsp_apply_changes(&b, seq, 3, LSP_UTF8);
	assert_string_equal(b.buf, "\ny!");
	/* ranges past the end clamp; reversed ranges are swapped */
	lsp_change far[] = {R(7, 0, 9, 9, "END"), R(0, 0, 0, 0, ">"), R(1, 2, 1, 0, "")};
	lsp_apply_changes(&b, far, 3, LSP_UTF8);
	assert_string_equal(b.buf, ">\nEND");
	pt_strbuf_free(&b);
}

static void test_docs(void **st)
{
	(void)st;
	lsp_docs *d = lsp_docs_new();
	char *t;
	size_t n;
	int64_t v;
	assert_false(lsp_docs_get(d, "file:///a.rs", &t, &n, &v));
	lsp_docs_open(d, "file:///a.rs", "fn main() {}\n", 13, 1);
	lsp_docs_open(d, "file:///b.rs", "", 0, 1);
	assert_true(lsp_docs_is_open(d, "file:///a.rs"));
	lsp_change c = R(0, 3, 0, 7, "start");
	assert_true(lsp_docs_change(d, "file:///a.rs", 2, &c, 1, LSP_UTF16));
	assert_false(lsp_docs_change(d, "file:///c.rs", 2, &c, 1, LSP_UTF16));
	assert_true(lsp_docs_get(d, "file:///a.rs", &t, &n, &v));
	assert_string_equal(t, "fn start() {}\n");
	assert_int_equal(n, 14);
	assert_int_equal(v, 2);
	free(t);
	char **uris;
	assert_int_equal(lsp_docs_list(d, &uris), 2);
	for (int i = 0; i < 2; i++)
		free(uris[i]);
	free(uris);
	assert_true(lsp_docs_close(d, "file:///a.rs"));
	assert_false(lsp_docs_close(d, "file:///a.rs"));
	assert_false(lsp_docs_is_open(d, "file:///a.rs"));
	assert_true(lsp_docs_is_open(d, "file:///b.rs"));
	lsp_docs_free(d);
}

static void test_enc_names(void **st)
{
	(void)st;
	assert_int_equal(lsp_enc_from_name("utf-8"), LSP_UTF8);
	assert_int_equal(lsp_enc_from_name("utf-32"), LSP_UTF32);
	assert_int_equal(lsp_enc_from_name("latin1"), 0);
	assert_string_equal(lsp_enc_name(LSP_UTF16), "utf-16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),     cmocka_unit_test(test_bytes_for_units),
		cmocka_unit_test(test_offsets),   cmocka_unit_test(test_lines),
		cmocka_unit_test(test_apply),     cmocka_unit_test(test_docs),
		cmocka_unit_test(test_enc_names),
	};
	return pt_run_tests(tests, NULL, NULL);
}
