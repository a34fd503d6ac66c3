/* core/escape.c — see escape.h. */
#define _GNU_SOURCE
#include "escape.h"

#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ----------------------------------------------------------------------- */

size_t pt_utf8_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!n)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		/* no overlong form (E0 80..9F) and no surrogate (ED A0..BF) */
		unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
		return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		/* no overlong form (F0 80..8F), nothing over U+10FFFF (F4 90..) */
		unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
		return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
				       (p[3] & 0xc0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

bool pt_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = pt_utf8_len(s + i, n - i)))
			return false;
	return true;
}

/* The code point of the valid sequence of k bytes at s. */
static uint32_t code_point(const char *s, size_t k)
{
	const unsigned char *p = (const unsigned char *)s;
	static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t c = p[0] & lead_mask[k];
	for (size_t i = 1; i < k; i++)
		c = (c << 6) | (p[i] & 0x3f);
	return c;
}

/* Characters no output passes through as they are: they move the cursor,
 * start terminal escapes, end lines, or reorder what is displayed
 * (bidirectional controls, the "Trojan Source" characters). */
static bool hidden(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Spell a hidden character (or, k == 0, the invalid byte at s) visibly. */
static void spell(pt_strbuf *out, const char *s, size_t k)
{
	uint32_t c = k ? code_point(s, k) : (unsigned char)s[0];
	if (!k || c < 0x80)
		pt_strbuf_printf(out, "\\x%02X", (unsigned)c);
	else
		pt_strbuf_printf(out, "\\u{%04X}", (unsigned)c);
}

/* The one loop of every escaper: each character (or invalid byte) of s is
 * either spelled (hidden), handed to special (when it returns true it has
 * written the character), or copied. */
typedef bool special_fn(pt_strbuf *out, char c);

static void escape(pt_strbuf *out, const char *s, special_fn *special)
{
	size_t n = s ? strlen(s) : 0;
	pt_strbuf_add(out, "", 0);
	for (size_t i = 0, k; i < n; i += k ? k : 1) {
		k = pt_utf8_len(s + i, n - i);
		if (!k || hidden(code_point(s + i, k)))
			spell(out, s + i, k);
		else if (!(k == 1 && special && special(out, s[i])))
			pt_strbuf_add(out, s + i, k);
	}
}

/* ---- the formats ------------------------------------------------------------------- */

void pt_esc_term(pt_strbuf *out, const char *s)
{
	escape(out, s, NULL);
}

void pt_esc_lines(pt_strbuf *out, const char *s)
{
	pt_strbuf_add(out, "", 0);
	for (const char *p = s ? s : "", *nl;; p = nl + 1) {
		nl = strchr(p, '\n');
		char *line = nl ? pt_xstrndup(p, (size_t)(nl - p)) : pt_xstrdup(p);
		escape(out, line, NULL);
		free(line);
		if (!nl)
			break;
		pt_strbuf_addc(out, '\n');
	}
}

static bool dot_char(pt_strbuf *out, char c)
{
	if (c == '"' || c == '\\')
		pt_strbuf_addc(out, '\\');
	else if (c == '&')
		pt_strbuf_adds(out, "&amp");
	else
		return false;
	pt_strbuf_addc(out, c == '&' ? ';' : c);
	return true;
}

/* In DOT a spelled character's backslash must itself be escaped, or
 * Graphviz reads `\x` as an escape of its own: spell into a scratch
 * buffer first, then escape that. */
void pt_esc_dot(pt_strbuf *out, const char *s)
{
	pt_strbuf t = {0};
	escape(&t, s, NULL);
	pt_strbuf_add(out, "", 0);
	for (size_t i = 0; i < t.len; i++)
		if (!dot_char(out, t.buf[i]))
			pt_strbuf_addc(out, t.buf[i]);
	pt_strbuf_free(&t);
}

static bool mermaid_char(pt_strbuf *out, char c)
{
	switch (c) {
	case '"': pt_strbuf_adds(out, "#quot;"); return true;
	case '#': pt_strbuf_adds(out, "#35;"); return true;
	case '&': pt_strbuf_adds(out, "#amp;"); return true;
	case '<': pt_strbuf_adds(out, "#lt;"); return true;
	case '>': pt_strbuf_adds(out, "#gt;"); return true;
	case '`': pt_strbuf_adds(out, "#96;"); return true;
	}
	return false;
}

void pt_esc_mermaid(pt_strbuf *out, const char *s)
{
	escape(out, s, mermaid_char);
}

static bool html_char(pt_strbuf *out, char c)
{
	switch (c) {
	case '&': pt_strbuf_adds(out, "&amp;"); return true;
	case '<': pt_strbuf_adds(out, "&lt;"); return true;
	case '>': pt_strbuf_adds(out, "&gt;"); return true;
	case '"': pt_strbuf_adds(out, "&quot;"); return true;
	case '\'': pt_strbuf_adds(out, "&#39;"); return true;
	}
	return false;
}

void pt_esc_html(pt_strbuf *out, const char *s)
{
	escape(out, s, html_char);
}

static bool md_char(pt_strbuf *out, char c)
{
	if (c == '&' || c == '<')
		return html_char(out, c);
	if (!strchr("\\`*_{}[]()#+-.!|>~", c))
		return false;
	pt_strbuf_addc(out, '\\');
	pt_strbuf_addc(out, c);
	return true;
}

/* Markdown text: a spelled character's backslash is escaped too, so it
 * shows instead of escaping what follows. */
void pt_esc_md(pt_strbuf *out, const char *s)
{
	pt_strbuf t = {0};
	escape(&t, s, NULL);
	pt_strbuf_add(out, "", 0);
	for (size_t i = 0; i < t.len; i++)
		if (!md_char(out, t.buf[i]))
			pt_strbuf_addc(out, t.buf[i]);
	pt_strbuf_free(&t);
}

static size_t longest_backquotes(const char *s)
{
	size_t best = 0, run = 0;
	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void backquotes(pt_strbuf *out, size_t n)
{
	while (n--)
		pt_strbuf_addc(out, '`');
}

void pt_esc_md_code(pt_strbuf *out, const char *s)
{
	pt_strbuf t = {0};
	escape(&t, s, NULL); /* one line: newlines and controls are spelled */
	const char *x = pt_strbuf_cstr(&t);
	size_t fence = longest_backquotes(x) + 1;
	/* CommonMark strips one space at each end when both are there */
	bool pad = t.len && (x[0] == '`' || x[t.len - 1] == '`' || x[0] == ' ');
	backquotes(out, fence);
	pt_strbuf_adds(out, pad ? " " : "");
	pt_strbuf_add(out, x, t.len);
	pt_strbuf_adds(out, pad ? " " : "");
	backquotes(out, fence);
	pt_strbuf_free(&t);
}

void pt_esc_md_block(pt_strbuf *out, const char *lang, const char *s)
{
	pt_strbuf t = {0};
	pt_esc_lines(&t, s); /* newlines stay, every other hidden character is spelled */
	const char *x = pt_strbuf_cstr(&t);
	size_t fence = longest_backquotes(x) + 1;
	fence = fence < 3 ? 3 : fence;
	backquotes(out, fence);
	pt_strbuf_printf(out, "%s\n%s\n", lang ? lang : "", x);
	backquotes(out, fence);
	pt_strbuf_addc(out, '\n');
	pt_strbuf_free(&t);
}

/* ---- JSON ---------------------------------------------------------------------------- */

/* jansson writes only valid UTF-8, so a string with invalid bytes goes
 * through it marked: each invalid byte becomes MARK and two hex digits,
 * and a MARK the string really holds becomes MARK "--". MARK is U+FDEF, a
 * noncharacter (Unicode sets those aside for a program's internal use).
 * The dumped text is then rewritten: MARK HH → \udcHH, MARK -- → MARK. */
#define MARK     "\xef\xb7\xaf"
#define MARK_LEN 3

json_t *pt_json_bytes(const char *s)
{
	json_t *j = json_string_nocheck(s ? s : "");
	if (!j)
		abort(); /* jansson fails only when out of memory */
	return j;
}

static bool needs_marks(const char *s, size_t n)
{
	return !pt_utf8_valid(s, n) || memmem(s, n, MARK, MARK_LEN);
}

static bool any_needs_marks(const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	switch (json_typeof(j)) {
	case JSON_STRING: return needs_marks(json_string_value(j), json_string_length(j));
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
		{
			if (any_needs_marks(v))
				return true;
		}
		return false;
	case JSON_OBJECT:
		json_object_foreach((json_t *)j, k, v)
		{
			if (any_needs_marks(v))
				return true;
		}
		return false;
	default: return false;
	}
}

static void mark_string(json_t *j)
{
	const char *s = json_string_value(j);
	size_t n = json_string_length(j);
	if (!needs_marks(s, n))
		return;
	pt_strbuf b = {0};
	for (size_t i = 0, k; i < n; i += k ? k : 1) {
		k = pt_utf8_len(s + i, n - i);
		if (k == MARK_LEN && memcmp(s + i, MARK, MARK_LEN) == 0)
			pt_strbuf_adds(&b, MARK "--");
		else if (k)
			pt_strbuf_add(&b, s + i, k);
		else
			pt_strbuf_printf(&b, MARK "%02X", (unsigned char)s[i]);
	}
	json_string_setn(j, pt_strbuf_cstr(&b), b.len);
	pt_strbuf_free(&b);
}

static void mark_all(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	if (json_is_string(j)) {
		mark_string(j);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
			mark_all(v);
		}
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
		{
			mark_all(v);
		}
	}
}

static char *unmark(const char *d)
{
	pt_strbuf b = {0};
	for (const char *p = d, *m; *p; p = m + MARK_LEN + 2) {
		if (!(m = strstr(p, MARK))) {
			pt_strbuf_adds(&b, p);
			break;
		}
		pt_strbuf_add(&b, p, (size_t)(m - p));
		if (m[MARK_LEN] == '-')
			pt_strbuf_adds(&b, MARK);
		else
			pt_strbuf_printf(&b, "\\udc%c%c", m[MARK_LEN] | 0x20,
					 m[MARK_LEN + 1] | 0x20);
	}
	return b.buf ? b.buf : pt_xstrdup("");
}

char *pt_json_dumps(const json_t *j, size_t flags)
{
	if (!any_needs_marks(j))
		return json_dumps(j, flags);
	json_t *copy = json_deep_copy(j);
	if (!copy)
		return NULL;
	mark_all(copy);
	char *d = json_dumps(copy, flags);
	json_decref(copy);
	if (!d)
		return NULL;
	char *r = unmark(d);
	free(d);
	return r;
}

int pt_json_dumpf(const json_t *j, size_t flags, FILE *out)
{
	char *s = pt_json_dumps(j, flags);
	if (!s)
		return -1;
	int rc = fputs(s, out) < 0 ? -1 : 0;
	free(s);
	return rc;
}
