/* fuzz/fuzz_text.c — the LSP incremental text-edit applier (lsp/text.c).
 *
 * The input is an initial text and a sequence of edits (whole-text
 * replacements and ranged replacements in utf-8, utf-16 or utf-32
 * positions). Each edit is applied by lsp_apply_changes and by a plain
 * reference written here from the rules in text.h — lines split at '\n',
 * a '\r' before a '\n' is not part of the line, each invalid UTF-8 byte
 * one unit, a character past the end clamps, a position inside a
 * multi-unit character maps to its start, a reversed range is swapped —
 * and the texts must stay equal after every edit. The whole sequence is
 * also applied as one batch through lsp_docs_change, and the line-table
 * conversions (lsp_lines_*) must agree with the one-shot ones.
 *
 * Input layout: byte 0 picks the encoding; then a 2-byte length and that
 * many bytes of initial text; then edits, each: a flag byte (bit 0: whole
 * text), four 1-byte coordinates (start line, start char, end line, end
 * char: small, so that they hit the text), a 1-byte length and that many
 * bytes of new text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lsp/text.h"
#include "fuzz_common.h"

/* ---- the reference ---------------------------------------------------- */

/* Bytes of the character at s[0..n): the rule of text.h, written out. */
static size_t ref_char_bytes(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0x80   ? 1
		   : s[0] < 0xC2 ? 0
		   : s[0] < 0xE0 ? 2
		   : s[0] < 0xF0 ? 3
		   : s[0] < 0xF5 ? 4
				 : 0;
	if (k == 0 || k > n)
		return 1; /* an invalid byte: one unit */
	/* the second byte's range (Unicode Table 3-7): no overlong forms,
	 * no surrogates, nothing past U+10FFFF */
	unsigned lo = s[0] == 0xE0 ? 0xA0 : s[0] == 0xF0 ? 0x90 : 0x80;
	unsigned hi = s[0] == 0xED ? 0x9F : s[0] == 0xF4 ? 0x8F : 0xBF;
	if (k > 1 && (s[1] < lo || s[1] > hi))
		return 1;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 1;
	return k;
}

static uint32_t ref_char_units(size_t k, lsp_enc e)
{
	return e == LSP_UTF8 ? (uint32_t)k : e == LSP_UTF16 ? (k == 4 ? 2u : 1u) : 1u;
}

/* Position → offset: find the line by counting '\n', then walk its
 * characters while the units still fit. */
static size_t ref_offset(const char *t, size_t len, lsp_pos p, lsp_enc e)
{
	size_t start = 0;
	uint32_t line = 0;
	for (size_t i = 0; i < len && line < p.line; i++)
		if (t[i] == '\n') {
			line++;
			start = i + 1;
		}
	if (line < p.line)
		return len; /* past the last line */
	size_t end = start;
	while (end < len && t[end] != '\n')
		end++;
	if (end < len && end > start && t[end - 1] == '\r')
		end--;
	size_t off = start;
	uint64_t units = 0;
	while (off < end) {
		size_t k = ref_char_bytes((const unsigned char *)t + off, end - off);
		units += ref_char_units(k, e);
		if (units > p.character)
			break;
		off += k;
	}
	return off;
}

static void ref_apply(pt_strbuf *b, const lsp_change *c, lsp_enc e)
{
	if (c->whole) {
		b->len = 0;
		pt_strbuf_add(b, c->text, c->len);
		return;
	}
	const char *t = b->buf ? b->buf : "";
	size_t x = ref_offset(t, b->len, c->range.start, e),
	       y = ref_offset(t, b->len, c->range.end, e);
	size_t lo = x < y ? x : y, hi = x < y ? y : x;
	char *n = malloc(b->len - (hi - lo) + c->len + 1);
	memcpy(n, t, lo);
	memcpy(n + lo, c->text, c->len);
	memcpy(n + lo + c->len, t + hi, b->len - hi);
	size_t nl = b->len - (hi - lo) + c->len;
	b->len = 0;
	pt_strbuf_add(b, n, nl);
	free(n);
}

/* ---- the checks ----------------------------------------------------------- */

static bool same(const pt_strbuf *a, const pt_strbuf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* The line table and the one-shot conversions agree, and a position
 * computed from an offset leads back to it when the offset starts a
 * character outside a "\r\n". */
static void check_conversions(const pt_strbuf *b, lsp_enc e, const uint8_t *coords)
{
	const char *t = b->buf ? b->buf : "";
	lsp_lines L;
	lsp_lines_init(&L, t, b->len);
	for (int i = 0; i < 4; i++) {
		lsp_pos p = {coords[i] % 8, coords[(i + 1) % 4]};
		FUZZ_CHECK(lsp_lines_offset(&L, p, e) == lsp_text_offset(t, b->len, p, e));
		FUZZ_CHECK(lsp_text_offset(t, b->len, p, e) == ref_offset(t, b->len, p, e));
		uint32_t gl, gc;
		lsp_lines_to_graph(&L, p, e, &gl, &gc);
		FUZZ_CHECK(gl < L.starts.n && L.starts.v[gl] + gc <= b->len);
	}
	for (size_t off = 0; off <= b->len && off < 64; off++) {
		if (off < b->len && off > 0 && (((unsigned char)t[off] & 0xC0) == 0x80))
			continue;
		if (off < b->len && t[off] == '\n' && off > 0 && t[off - 1] == '\r')
			continue;
		lsp_pos p = lsp_text_position(t, b->len, off, e);
		lsp_pos q = lsp_lines_position(&L, off, e);
		FUZZ_CHECK(p.line == q.line && p.character == q.character);
		size_t back = lsp_text_offset(t, b->len, p, e);
		/* inside a character lsp_text_position counts partial bytes:
		 * only require round trips at offsets the reference reaches */
		if (ref_offset(t, b->len, p, e) == off)
			FUZZ_CHECK(back == off);
	}
	lsp_lines_free(&L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	static const lsp_enc encs[] = {LSP_UTF8, LSP_UTF16, LSP_UTF32};
	lsp_enc e = encs[data[0] % 3];
	size_t tl = (size_t)data[1] | (size_t)data[2] << 8, at = 3;
	if (tl > size - at)
		tl = size - at;
	pt_strbuf got = {0}, want = {0};
	pt_strbuf_add(&got, data + at, tl);
	pt_strbuf_add(&want, data + at, tl);
	at += tl;
	lsp_docs *docs = lsp_docs_new();
	lsp_docs_open(docs, "file:///fuzz.rs", (const char *)data + 3, tl, 1);
	PT_VEC(lsp_change) all = {0};
	while (at + 6 <= size && all.n < 256) {
		const uint8_t *h = data + at;
		size_t n = h[5];
		at += 6;
		if (n > size - at)
			n = size - at;
		lsp_change c = {.whole = (h[0] & 3) == 3,
				.range = {{h[1] % 16, h[2]}, {h[3] % 16, h[4]}},
				.text = (const char *)data + at,
				.len = n};
		if (h[0] & 4)
			c.range.start.character = h[2] * 1000u; /* far past the end */
		at += n;
		lsp_apply_changes(&got, &c, 1, e);
		ref_apply(&want, &c, e);
		FUZZ_CHECK(same(&got, &want));
		FUZZ_CHECK(got.buf && got.buf[got.len] == 0);
		check_conversions(&got, e, h + 1);
		pt_vec_push(&all, c);
	}
	/* the whole sequence at once, through the document set */
	char *text = NULL;
	size_t len = 0;
	FUZZ_CHECK(lsp_docs_change(docs, "file:///fuzz.rs", 2, all.v, all.n, e));
	FUZZ_CHECK(lsp_docs_get(docs, "file:///fuzz.rs", &text, &len, NULL));
	FUZZ_CHECK(len == want.len && memcmp(text, want.buf ? want.buf : "", len) == 0);
	free(text);
	/* the document's table, derived edit by edit, is the one built afresh */
	lsp_doctext *dt = lsp_docs_text(docs, "file:///fuzz.rs");
	const lsp_lines *D = lsp_doctext_lines(dt);
	lsp_lines F;
	lsp_lines_init(&F, D->text, D->len);
	FUZZ_CHECK(F.starts.n == D->starts.n &&
		   memcmp(F.starts.v, D->starts.v, F.starts.n * sizeof *F.starts.v) == 0);
	lsp_lines_free(&F);
	lsp_doctext_unref(dt);
	FUZZ_CHECK(lsp_docs_close(docs, "file:///fuzz.rs"));
	lsp_docs_free(docs);
	pt_vec_free(&all);
	pt_strbuf_free(&got);
	pt_strbuf_free(&want);
	return 0;
}
