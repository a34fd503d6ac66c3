/* tests/test_lsp_text.c — position conversion and edit application. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ---- line tables against the plain scans, on random texts ---------------- */

/* A small deterministic generator (xorshift), so a failure repeats. */
static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return n ? (uint32_t)(rnd_state % n) : 0;
}

/* Random text of n pieces: ASCII, multi-byte characters, invalid bytes,
 * truncated sequences, CRLF, a lone CR, empty lines. */
static void rnd_text(pt_strbuf *b, size_t n)
{
	static const char *piece[] = {
		"a",    "fn", " ",    "é",    "😀",        "中",           "\n",
		"\r\n", "\r", "\n\n", "\xff", "\xf0\x9f", "\xed\xa0\x80", "x\r",
		"\xc3"};
	b->len = 0;
	for (size_t i = 0; i < n; i++)
		pt_strbuf_adds(b, piece[rnd(sizeof piece / sizeof *piece)]);
	pt_strbuf_cstr(b);
}

static const lsp_enc ENCS[] = {LSP_UTF8, LSP_UTF16, LSP_UTF32};

/* The graph point of off by counting line breaks from the start. */
static void naive_point(const char *t, size_t len, size_t off, uint32_t *line, uint32_t *col)
{
	size_t a = 0;
	if (off > len)
		off = len;
	*line = 0;
	for (size_t i = 0; i < off; i++)
		if (t[i] == '\n') {
			++*line;
			a = i + 1;
		}
	*col = (uint32_t)(off - a);
}

static void check_table(const char *t, size_t len)
{
	lsp_lines L;
	lsp_lines_init(&L, t, len);
	uint32_t nlines = (uint32_t)L.starts.n;
	for (int k = 0; k < 3; k++) {
		lsp_enc e = ENCS[k];
		for (int i = 0; i < 40; i++) {
			/* positions past the last line and past line ends too */
			lsp_pos p = P(rnd(nlines + 3), rnd(12));
			assert_int_equal(lsp_lines_offset(&L, p, e), lsp_text_offset(t, len, p, e));
		}
		for (size_t off = 0; off <= len + 2; off++) {
			lsp_pos a = lsp_lines_position(&L, off, e),
				b = lsp_text_position(t, len, off, e);
			assert_int_equal(a.line, b.line);
			assert_int_equal(a.character, b.character);
			uint32_t gl, gc, nl, nc;
			lsp_lines_graph_at(&L, off, &gl, &gc);
			naive_point(t, len, off, &nl, &nc);
			assert_int_equal(gl, nl);
			assert_int_equal(gc, nc);
		}
	}
	lsp_lines_free(&L);
}

static void test_lines_random(void **st)
{
	(void)st;
	pt_strbuf b = {0};
	rnd_state = 0x9e3779b97f4a7c15u;
	check_table("", 0);
	for (int round = 0; round < 300; round++) {
		rnd_text(&b, rnd(40));
		check_table(b.buf, b.len);
	}
	pt_strbuf_free(&b);
}

/* Whether t's table is the one built from scratch on its text. */
static void assert_fresh_table(const lsp_lines *L)
{
	lsp_lines F;
	lsp_lines_init(&F, L->text, L->len);
	assert_int_equal(L->starts.n, F.starts.n);
	assert_memory_equal(L->starts.v, F.starts.v, F.starts.n * sizeof *F.starts.v);
	lsp_lines_free(&F);
}

static lsp_change rnd_change(const lsp_lines *L, char *ins, pt_strbuf *tmp)
{
	uint32_t n = (uint32_t)L->starts.n;
	rnd_text(tmp, rnd(4));
	memcpy(ins, tmp->buf, tmp->len + 1);
	lsp_change c = {false, {P(rnd(n + 2), rnd(10)), P(rnd(n + 2), rnd(10))}, ins, tmp->len};
	return c;
}

/* Edits applied to a shared text must give the text lsp_apply_changes
 * gives, a table equal to a fresh one, and the tree-sitter edit that
 * counting from the start gives. */
static void test_doctext_edit_random(void **st)
{
	(void)st;
	pt_strbuf b = {0}, ref = {0}, tmp = {0};
	char ins[64];
	rnd_state = 0x2545f4914f6cdd1du;
	for (int round = 0; round < 200; round++) {
		rnd_text(&b, rnd(30));
		lsp_doctext *t = lsp_doctext_new(b.buf, b.len);
		ref.len = 0;
		pt_strbuf_add(&ref, b.buf, b.len);
		lsp_enc e = ENCS[rnd(3)];
		for (int step = 0; step < 20; step++) {
			const lsp_lines *L = lsp_doctext_lines(t);
			lsp_change c = rnd_change(L, ins, &tmp);
			size_t a = lsp_text_offset(ref.buf, ref.len, c.range.start, e);
			size_t z = lsp_text_offset(ref.buf, ref.len, c.range.end, e);
			if (z < a) {
				size_t x = a;
				a = z;
				z = x;
			}
			pt_tree_edit ed;
			lsp_doctext *u = lsp_doctext_edit(t, &c, e, &ed);
			uint32_t l, col;
			naive_point(ref.buf, ref.len, a, &l, &col);
			assert_int_equal(ed.start.line, l);
			assert_int_equal(ed.start.col, col);
			naive_point(ref.buf, ref.len, z, &l, &col);
			assert_int_equal(ed.old_end.line, l);
			assert_int_equal(ed.old_end.col, col);
			assert_int_equal(ed.start_byte, a);
			assert_int_equal(ed.old_end_byte, z);
			assert_int_equal(ed.new_end_byte, a + c.len);
			lsp_apply_changes(&ref, &c, 1, e);
			const lsp_lines *U = lsp_doctext_lines(u);
			assert_int_equal(U->len, ref.len);
			assert_memory_equal(U->text, ref.buf, ref.len);
			assert_int_equal(U->text[U->len], 0);
			naive_point(U->text, U->len, a + c.len, &l, &col);
			assert_int_equal(ed.new_end.line, l);
			assert_int_equal(ed.new_end.col, col);
			assert_fresh_table(U);
			lsp_doctext_unref(t);
			t = u;
		}
		lsp_doctext_unref(t);
	}
	pt_strbuf_free(&b);
	pt_strbuf_free(&ref);
	pt_strbuf_free(&tmp);
}

/* An open document's shared text follows its changes, and a reference
 * taken before a change keeps the old version. */
static void test_docs_text(void **st)
{
	(void)st;
	lsp_docs *d = lsp_docs_new();
	assert_null(lsp_docs_text(d, "file:///a.rs"));
	lsp_docs_open(d, "file:///a.rs", "fn a() {}\r\nfn é() {}\n", 22, 1);
	lsp_doctext *v1 = lsp_docs_text(d, "file:///a.rs");
	lsp_change c[] = {R(1, 3, 1, 4, "b\nc"), R(0, 0, 0, 0, "// x\n")};
	assert_true(lsp_docs_change(d, "file:///a.rs", 2, c, 2, LSP_UTF16));
	lsp_doctext *v2 = lsp_docs_text(d, "file:///a.rs");
	assert_string_equal(lsp_doctext_lines(v1)->text, "fn a() {}\r\nfn é() {}\n");
	assert_string_equal(lsp_doctext_lines(v2)->text, "// x\nfn a() {}\r\nfn b\nc() {}\n");
	assert_int_equal(lsp_doctext_lines(v2)->starts.n, 5);
	assert_fresh_table(lsp_doctext_lines(v2));
	lsp_change w = {true, {{0, 0}, {0, 0}}, "x\ny", 3};
	assert_true(lsp_docs_change(d, "file:///a.rs", 3, &w, 1, LSP_UTF16));
	lsp_doctext *v3 = lsp_docs_text(d, "file:///a.rs");
	assert_string_equal(lsp_doctext_lines(v3)->text, "x\ny");
	assert_true(lsp_docs_close(d, "file:///a.rs"));
	assert_null(lsp_docs_text(d, "file:///a.rs"));
	assert_string_equal(lsp_doctext_lines(v3)->text, "x\ny"); /* still ours */
	lsp_doctext_unref(v1);
	lsp_doctext_unref(v2);
	lsp_doctext_unref(v3);
	lsp_docs_free(d);
}

static void write_file(const char *path, const char *text, time_t mtime)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (mtime) {
		struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
}

/* The disk cache returns a kept text only for an unchanged file that was
 * old enough when read, and keeps within its budget. */
static void test_filecache(void **st)
{
	(void)st;
	char dir[] = "/tmp/pt_test_filecache_XXXXXX", a[64], b[64];
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/a.rs", dir);
	snprintf(b, sizeof b, "%s/b.rs", dir);
	time_t old = time(NULL) - 100;
	write_file(a, "fn a() {}\nfn b() {}\n", old);
	lsp_filecache *c = lsp_filecache_new(30);
	lsp_doctext *t1 = lsp_filecache_get(c, a), *t2 = lsp_filecache_get(c, a);
	assert_non_null(t1);
	assert_ptr_equal(t1, t2); /* kept */
	assert_int_equal(lsp_doctext_lines(t1)->starts.n, 3);
	/* same size, same mtime, different bytes: the inode's ctime moved */
	write_file(a, "fn c() {}\nfn d() {}\n", old);
	lsp_doctext *t3 = lsp_filecache_get(c, a);
	assert_string_equal(lsp_doctext_lines(t3)->text, "fn c() {}\nfn d() {}\n");
	assert_string_equal(lsp_doctext_lines(t1)->text, "fn a() {}\nfn b() {}\n");
	/* a file written just now is read again on every request */
	write_file(b, "fn e() {}\n", 0);
	lsp_doctext *t4 = lsp_filecache_get(c, b), *t5 = lsp_filecache_get(c, b);
	assert_ptr_not_equal(t4, t5);
	assert_string_equal(lsp_doctext_lines(t5)->text, "fn e() {}\n");
	/* 20 + 10 bytes fit the budget of 30, a third file pushes out the least recent */
	write_file(b, "fn f() {}\n", old);
	lsp_doctext *t6 = lsp_filecache_get(c, b), *t7 = lsp_filecache_get(c, b);
	assert_ptr_equal(t6, t7);
	lsp_doctext *t8 = lsp_filecache_get(c, a);
	assert_ptr_equal(t8, t3); /* a is now the most recent */
	char big[64];
	snprintf(big, sizeof big, "%s/c.rs", dir);
	write_file(big, "fn g() {}\n", old);
	lsp_doctext *t9 = lsp_filecache_get(c, big), *t10 = lsp_filecache_get(c, b);
	assert_ptr_not_equal(t10, t6);          /* b was dropped */
	assert_null(lsp_filecache_get(c, dir)); /* not a regular file */
	assert_null(lsp_filecache_get(c, "/nonexistent/x.rs"));
	lsp_doctext *all[] = {t1, t2, t3, t4, t5, t6, t7, t8, t9, t10};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		lsp_doctext_unref(all[i]);
	lsp_filecache_free(c);
	unlink(a);
	unlink(b);
	unlink(big);
	rmdir(dir);
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
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_bytes_for_units),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_docs),
		cmocka_unit_test(test_enc_names),
		cmocka_unit_test(test_lines_random),
		cmocka_unit_test(test_doctext_edit_random),
		cmocka_unit_test(test_docs_text),
		cmocka_unit_test(test_filecache),
	};
	return pt_run_tests(tests, NULL, NULL);
}
