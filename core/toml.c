/* core/toml.c — see toml.h.
 *
 * A recursive-descent reader over the whole text. Values are nodes of one
 * growable array (children as linked lists of node indexes, so that a
 * handle never moves); strings go to one pool. The grammar's rules about
 * redefinition are kept with three marks per table: defined by a header,
 * made by dotted keys, or closed (an inline table, which nothing may
 * extend).
 */
#include "toml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "error.h"

#define MAX_DEPTH 64 /* nested arrays and inline tables */
#define MAX_KEYS  64 /* segments of one dotted key */

enum {
	T_HEADER = 1u << 0, /* defined by a [table] header */
	T_DOTTED = 1u << 1, /* made by a dotted key (a.b = 1) */
	T_CLOSED = 1u << 2, /* inline table: complete as written */
	T_AOT = 1u << 3,    /* array made by [[headers]] */
};

typedef struct {
	uint8_t type, marks;
	uint32_t key;   /* pool offset of the member's key, 0 = "" */
	uint32_t str;   /* strings and dates: pool offset */
	uint32_t first; /* children: node indexes, 0 = none (node 0 is the root) */
	uint32_t last, next, count;
	union {
		int64_t i;
		double f;
		bool b;
	} v;
} node;

struct pt_toml {
	PT_VEC(node) nodes;
	pt_strpool pool;
};

typedef struct {
	const char *s;
	size_t n, i;
	pt_toml *t;
	pt_toml_error *err;
	bool failed;
	pt_strbuf buf; /* the string being read */
} reader;

/* ---- errors -------------------------------------------------------------- */

static bool fail(reader *r, const char *msg)
{
	if (r->failed)
		return false;
	r->failed = true;
	if (r->err) {
		uint32_t line = 1, col = 1;
		for (size_t k = 0; k < r->i && k < r->n; k++) {
			if (r->s[k] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		r->err->line = line;
		r->err->col = col;
		snprintf(r->err->msg, sizeof r->err->msg, "%s", msg);
	}
	return false;
}

/* ---- nodes --------------------------------------------------------------- */

static uint32_t new_node(reader *r, int type)
{
	node n = {0};
	n.type = (uint8_t)type;
	pt_vec_push(&r->t->nodes, n);
	return (uint32_t)r->t->nodes.n - 1;
}

static node *nd(reader *r, uint32_t i)
{
	return &r->t->nodes.v[i];
}

static void append(reader *r, uint32_t parent, uint32_t child)
{
	node *p = nd(r, parent);
	if (p->first)
		nd(r, p->last)->next = child;
	else
		p->first = child;
	p->last = child;
	p->count++;
}

static uint32_t member(const pt_toml *t, uint32_t tab, const char *key, size_t klen)
{
	for (uint32_t c = t->nodes.v[tab].first; c; c = t->nodes.v[c].next) {
		const char *k = pt_strpool_get(&t->pool, t->nodes.v[c].key);
		if (strlen(k) == klen && memcmp(k, key, klen) == 0)
			return c;
	}
	return 0;
}

/* ---- characters ---------------------------------------------------------- */

static int peek(const reader *r, size_t ahead)
{
	return r->i + ahead < r->n ? (unsigned char)r->s[r->i + ahead] : -1;
}

static void skip_ws(reader *r)
{
	while (peek(r, 0) == ' ' || peek(r, 0) == '\t')
		r->i++;
}

static bool skip_comment(reader *r)
{
	if (peek(r, 0) != '#')
		return true;
	while (r->i < r->n && r->s[r->i] != '\n') {
		unsigned char c = (unsigned char)r->s[r->i];
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return fail(r, "control character in a comment");
		r->i++;
	}
	return true;
}

/* A newline: "\n" or "\r\n". */
static bool at_newline(const reader *r)
{
	return peek(r, 0) == '\n' || (peek(r, 0) == '\r' && peek(r, 1) == '\n');
}

static void eat_newline(reader *r)
{
	r->i += peek(r, 0) == '\r' ? 2 : 1;
}

/* Whitespace, comments and newlines (inside arrays). */
static bool skip_blank(reader *r)
{
	for (;;) {
		skip_ws(r);
		if (!skip_comment(r))
			return false;
		if (!at_newline(r))
			return true;
		eat_newline(r);
	}
}

/* The rest of a line after a header or a key/value: nothing but a comment. */
static bool end_of_line(reader *r)
{
	skip_ws(r);
	if (!skip_comment(r))
		return false;
	if (r->i >= r->n)
		return true;
	if (!at_newline(r))
		return fail(r, "expected the end of the line");
	eat_newline(r);
	return true;
}

/* ---- strings ------------------------------------------------------------- */

static void put_utf8(pt_strbuf *b, uint32_t c)
{
	if (c < 0x80) {
		pt_strbuf_addc(b, (char)c);
	} else if (c < 0x800) {
		pt_strbuf_addc(b, (char)(0xC0 | (c >> 6)));
		pt_strbuf_addc(b, (char)(0x80 | (c & 0x3F)));
	} else if (c < 0x10000) {
		pt_strbuf_addc(b, (char)(0xE0 | (c >> 12)));
		pt_strbuf_addc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		pt_strbuf_addc(b, (char)(0x80 | (c & 0x3F)));
	} else {
		pt_strbuf_addc(b, (char)(0xF0 | (c >> 18)));
		pt_strbuf_addc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
		pt_strbuf_addc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		pt_strbuf_addc(b, (char)(0x80 | (c & 0x3F)));
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The escape after a backslash of a basic string, appended to r->buf. */
static bool escape(reader *r)
{
	int c = peek(r, 0);
	static const char from[] = "btnfre\"\\", to[] = "\b\t\n\f\r\x1b\"\\";
	const char *k = c > 0 ? strchr(from, c) : NULL;
	if (k) {
		pt_strbuf_addc(&r->buf, to[k - from]);
		r->i++;
		return true;
	}
	int digits = c == 'u' ? 4 : c == 'U' ? 8 : c == 'x' ? 2 : 0;
	if (!digits)
		return fail(r, "unknown escape in a string");
	r->i++;
	uint32_t v = 0;
	for (int d = 0; d < digits; d++) {
		int h = hexval(peek(r, 0));
		if (h < 0)
			return fail(r, "bad hexadecimal digit in an escape");
		v = v * 16 + (uint32_t)h;
		r->i++;
	}
	if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return fail(r, "escape is not a Unicode scalar value (or is NUL)");
	put_utf8(&r->buf, v);
	return true;
}

static bool ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* After `"""` or `'''`: up to two more quotes belong to the content. */
static bool close_multi(reader *r, char q)
{
	if (peek(r, 0) != q || peek(r, 1) != q || peek(r, 2) != q)
		return false;
	size_t extra = 0;
	while (extra < 2 && peek(r, 3 + extra) == q)
		extra++;
	for (size_t k = 0; k < extra; k++)
		pt_strbuf_addc(&r->buf, q);
	r->i += 3 + extra;
	return true;
}

/* A backslash at a line's end in a """ string: the line break and every
 * blank after it vanish. */
static bool line_continuation(reader *r)
{
	size_t j = r->i;
	while (j < r->n && (r->s[j] == ' ' || r->s[j] == '\t'))
		j++;
	if (j >= r->n ||
	    (r->s[j] != '\n' && !(r->s[j] == '\r' && j + 1 < r->n && r->s[j + 1] == '\n')))
		return false;
	r->i = j;
	while (r->i < r->n && (peek(r, 0) == ' ' || peek(r, 0) == '\t' || at_newline(r)))
		r->i += peek(r, 0) == '\r' ? 2 : 1;
	return true;
}

/* A string of any of the four kinds at r->i into r->buf. */
static bool string(reader *r)
{
	char q = (char)peek(r, 0);
	bool multi = peek(r, 1) == q && peek(r, 2) == q, literal = q == '\'';
	r->buf.len = 0;
	pt_strbuf_add(&r->buf, "", 0);
	r->i += multi ? 3 : 1;
	if (multi && at_newline(r))
		eat_newline(r);
	for (;;) {
		int c = peek(r, 0);
		if (c < 0)
			return fail(r, "unterminated string");
		if (multi ? close_multi(r, q) : c == q) {
			r->i += multi ? 0 : 1;
			return true;
		}
		if (multi && at_newline(r)) {
			pt_strbuf_addc(&r->buf, '\n');
			eat_newline(r);
			continue;
		}
		if (ctrl(c))
			return fail(r, "control character in a string");
		r->i++;
		if (c != '\\' || literal) {
			pt_strbuf_addc(&r->buf, (char)c);
			continue;
		}
		if (multi && line_continuation(r))
			continue;
		if (!escape(r))
			return false;
	}
}

/* ---- keys ---------------------------------------------------------------- */

static bool bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* One key segment into a pool offset. */
static bool key_seg(reader *r, uint32_t *out)
{
	int c = peek(r, 0);
	if (c == '"' || c == '\'') {
		if (peek(r, 1) == c && peek(r, 2) == c)
			return fail(r, "a key cannot be a multi-line string");
		if (!string(r))
			return false;
		*out = pt_strpool_add(&r->t->pool, r->buf.buf, r->buf.len);
		return true;
	}
	size_t s = r->i;
	while (bare_char(peek(r, 0)))
		r->i++;
	if (r->i == s)
		return fail(r, "expected a key");
	*out = pt_strpool_add(&r->t->pool, r->s + s, r->i - s);
	return true;
}

/* A dotted key: its segments. */
static bool key_path(reader *r, uint32_t *segs, size_t *n)
{
	*n = 0;
	for (;;) {
		skip_ws(r);
		if (*n == MAX_KEYS)
			return fail(r, "key has too many parts");
		if (!key_seg(r, &segs[(*n)++]))
			return false;
		skip_ws(r);
		if (peek(r, 0) != '.')
			return true;
		r->i++;
	}
}

static const char *pstr(const reader *r, uint32_t off)
{
	return pt_strpool_get(&r->t->pool, off);
}

/* ---- scalars ------------------------------------------------------------- */

static bool digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Digits of base with single '_' between them; value into *v. */
static bool digits(const char *s, size_t n, int base, uint64_t *v)
{
	*v = 0;
	if (!n || s[0] == '_' || s[n - 1] == '_')
		return false;
	for (size_t k = 0; k < n; k++) {
		if (s[k] == '_') {
			if (s[k + 1] == '_')
				return false;
			continue;
		}
		int d = hexval((unsigned char)s[k]);
		if (d < 0 || d >= base || *v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return true;
}

static bool is_datetime(const char *s, size_t n)
{
	if (n >= 5 && digit(s[0]) && digit(s[1]) && digit(s[2]) && digit(s[3]) && s[4] == '-')
		return true;
	return n >= 3 && digit(s[0]) && digit(s[1]) && s[2] == ':';
}

/* n digits at s[*k] as a number no greater than max; *k moves past them. */
static bool dnum(const char *s, size_t len, size_t *k, int n, int max)
{
	int v = 0;
	for (int d = 0; d < n; d++, (*k)++) {
		if (*k >= len || !digit(s[*k]))
			return false;
		v = v * 10 + (s[*k] - '0');
	}
	return v <= max;
}

/* HH:MM[:SS[.frac]] (seconds optional, as TOML 1.1 allows). */
static bool time_part(const char *s, size_t len, size_t *k)
{
	if (!dnum(s, len, k, 2, 23) || *k >= len || s[(*k)++] != ':' || !dnum(s, len, k, 2, 59))
		return false;
	if (*k < len && s[*k] == ':') {
		(*k)++;
		if (!dnum(s, len, k, 2, 60))
			return false;
		if (*k < len && s[*k] == '.') {
			size_t f = ++*k;
			while (*k < len && digit(s[*k]))
				(*k)++;
			if (*k == f)
				return false;
		}
	}
	return true;
}

/* The length of the date, time or date-time at s (RFC 3339 as TOML
 * writes it), 0 when it is malformed. */
static size_t datetime_len(const char *s, size_t len)
{
	size_t k = 0;
	if (len >= 3 && s[2] == ':')
		return time_part(s, len, &k) ? k : 0;
	if (!dnum(s, len, &k, 4, 9999) || k >= len || s[k++] != '-' || !dnum(s, len, &k, 2, 12) ||
	    k >= len || s[k++] != '-' || !dnum(s, len, &k, 2, 31))
		return 0;
	if (k + 1 >= len || !(s[k] == 'T' || s[k] == 't' || (s[k] == ' ' && digit(s[k + 1]))))
		return k;
	k++;
	if (!time_part(s, len, &k))
		return 0;
	if (k < len && (s[k] == 'Z' || s[k] == 'z'))
		return k + 1;
	if (k < len && (s[k] == '+' || s[k] == '-')) {
		k++;
		if (!dnum(s, len, &k, 2, 23) || k >= len || s[k++] != ':' ||
		    !dnum(s, len, &k, 2, 59))
			return 0;
	}
	return k;
}

static bool integer(reader *r, const char *s, size_t n, node *out)
{
	int base = 10;
	bool neg = false;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		s += 2;
		n -= 2;
	} else if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (base == 10 && n > 1 && s[0] == '0')
		return fail(r, "leading zero in an integer");
	uint64_t v;
	if (!digits(s, n, base, &v) || v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return fail(r, "bad integer");
	out->type = PT_TOML_INT;
	out->v.i = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* A float's shape: [+-] int [. digits] [e [+-] digits], `_` between digits. */
static bool float_shape(const char *s, size_t n)
{
	size_t k = (s[0] == '+' || s[0] == '-') ? 1 : 0, start = k;
	bool dot = false, exp = false, any = false;
	for (; k < n; k++) {
		char c = s[k];
		if (digit(c)) {
			any = true;
		} else if (c == '_') {
			if (k == 0 || !digit(s[k - 1]) || k + 1 >= n || !digit(s[k + 1]))
				return false;
		} else if (c == '.' && !dot && !exp) {
			if (!any || k + 1 >= n || !digit(s[k + 1]))
				return false;
			dot = true;
		} else if ((c == 'e' || c == 'E') && !exp && any) {
			exp = true;
			if (k + 1 < n && (s[k + 1] == '+' || s[k + 1] == '-'))
				k++;
			if (k + 1 >= n || !digit(s[k + 1]))
				return false;
		} else {
			return false;
		}
	}
	if (n > start + 1 && s[start] == '0' && digit(s[start + 1]))
		return false;
	return any && (dot || exp);
}

static bool number(reader *r, node *out)
{
	size_t s = r->i;
	while (r->i < r->n && (bare_char(peek(r, 0)) || peek(r, 0) == '+' || peek(r, 0) == '.'))
		r->i++;
	const char *t = r->s + s;
	size_t n = r->i - s;
	if (!n)
		return fail(r, "expected a value");
	size_t sign = (t[0] == '+' || t[0] == '-') ? 1 : 0;
	if (n - sign == 3 && (!memcmp(t + sign, "inf", 3) || !memcmp(t + sign, "nan", 3))) {
		out->type = PT_TOML_FLOAT;
		out->v.f = t[sign] == 'i' ? (t[0] == '-' ? -INFINITY : INFINITY) : NAN;
		return true;
	}
	if (float_shape(t, n)) {
		char tmp[128];
		size_t w = 0;
		for (size_t k = 0; k < n && w + 1 < sizeof tmp; k++)
			if (t[k] != '_')
				tmp[w++] = t[k];
		tmp[w] = 0;
		out->type = PT_TOML_FLOAT;
		out->v.f = strtod(tmp, NULL);
		return true;
	}
	r->i = s; /* an error points at the number's start */
	if (!integer(r, t, n, out))
		return false;
	r->i = s + n;
	return true;
}

/* ---- values -------------------------------------------------------------- */

static bool value(reader *r, uint32_t *out, int depth);
static bool keyval(reader *r, uint32_t tab, int depth);

static bool array(reader *r, uint32_t *out, int depth)
{
	uint32_t a = new_node(r, PT_TOML_ARRAY);
	nd(r, a)->marks = T_CLOSED;
	r->i++;
	for (;;) {
		if (!skip_blank(r))
			return false;
		if (peek(r, 0) == ']') {
			r->i++;
			*out = a;
			return true;
		}
		uint32_t v;
		if (!value(r, &v, depth + 1))
			return false;
		append(r, a, v);
		if (!skip_blank(r))
			return false;
		if (peek(r, 0) == ',')
			r->i++;
		else if (peek(r, 0) != ']')
			return fail(r, "expected ',' or ']' in an array");
	}
}

static bool inline_table(reader *r, uint32_t *out, int depth)
{
	uint32_t t = new_node(r, PT_TOML_TABLE);
	r->i++;
	for (;;) {
		/* newlines and a trailing comma are TOML 1.1's: accepted */
		if (!skip_blank(r))
			return false;
		if (peek(r, 0) == '}') {
			r->i++;
			break;
		}
		if (!keyval(r, t, depth + 1))
			return false;
		if (!skip_blank(r))
			return false;
		if (peek(r, 0) == ',')
			r->i++;
		else if (peek(r, 0) != '}')
			return fail(r, "expected ',' or '}' in an inline table");
	}
	/* closed only now: its own dotted keys could extend it while it was read */
	nd(r, t)->marks |= T_CLOSED;
	for (uint32_t c = nd(r, t)->first; c; c = nd(r, c)->next)
		if (nd(r, c)->type == PT_TOML_TABLE)
			nd(r, c)->marks |= T_CLOSED;
	*out = t;
	return true;
}

static bool scalar_node(reader *r, uint32_t *out)
{
	node n = {0};
	int c = peek(r, 0);
	if (c == '"' || c == '\'') {
		if (!string(r))
			return false;
		n.type = PT_TOML_STRING;
		n.str = pt_strpool_add(&r->t->pool, r->buf.buf, r->buf.len);
	} else if (r->n - r->i >= 4 && !memcmp(r->s + r->i, "true", 4) && !bare_char(peek(r, 4))) {
		n.type = PT_TOML_BOOL;
		n.v.b = true;
		r->i += 4;
	} else if (r->n - r->i >= 5 && !memcmp(r->s + r->i, "false", 5) && !bare_char(peek(r, 5))) {
		n.type = PT_TOML_BOOL;
		r->i += 5;
	} else if (is_datetime(r->s + r->i, r->n - r->i)) {
		size_t len = datetime_len(r->s + r->i, r->n - r->i);
		if (!len)
			return fail(r, "bad date or time");
		n.type = PT_TOML_DATETIME;
		n.str = pt_strpool_add(&r->t->pool, r->s + r->i, len);
		r->i += len;
	} else if (!number(r, &n)) {
		return false;
	}
	pt_vec_push(&r->t->nodes, n);
	*out = (uint32_t)r->t->nodes.n - 1;
	return true;
}

static bool value(reader *r, uint32_t *out, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(r, "values nested too deeply");
	skip_ws(r);
	int c = peek(r, 0);
	if (c == '[')
		return array(r, out, depth);
	if (c == '{')
		return inline_table(r, out, depth);
	if (c < 0 || at_newline(r))
		return fail(r, "expected a value");
	return scalar_node(r, out);
}

/* The table under key seg of tab, made (with marks) when missing, for a
 * dotted key; fails on a value that is not a table, or a closed one. */
static bool sub_table(reader *r, uint32_t tab, uint32_t seg, uint32_t *out)
{
	const char *k = pstr(r, seg);
	uint32_t m = member(r->t, tab, k, strlen(k));
	if (!m) {
		m = new_node(r, PT_TOML_TABLE);
		nd(r, m)->key = seg;
		nd(r, m)->marks = T_DOTTED;
		append(r, tab, m);
	} else if (nd(r, m)->type != PT_TOML_TABLE || (nd(r, m)->marks & (T_CLOSED | T_HEADER))) {
		return fail(r, "dotted key extends a value that is already complete");
	}
	*out = m;
	return true;
}

/* key = value, into table tab. */
static bool keyval(reader *r, uint32_t tab, int depth)
{
	uint32_t segs[MAX_KEYS] = {0};
	size_t n = 0;
	if (!key_path(r, segs, &n) || n == 0)
		return false;
	if (peek(r, 0) != '=')
		return fail(r, "expected '=' after a key");
	r->i++;
	for (size_t k = 0; k + 1 < n; k++)
		if (!sub_table(r, tab, segs[k], &tab))
			return false;
	const char *last = pstr(r, segs[n - 1]);
	if (member(r->t, tab, last, strlen(last)))
		return fail(r, "key defined twice");
	uint32_t v = 0;
	if (!value(r, &v, depth))
		return false;
	nd(r, v)->key = segs[n - 1];
	append(r, tab, v);
	return true;
}

/* ---- headers ------------------------------------------------------------- */

/* The table a header's leading segment names, walking into the last
 * element of arrays of tables. */
static bool header_step(reader *r, uint32_t tab, uint32_t seg, uint32_t *out)
{
	const char *k = pstr(r, seg);
	uint32_t m = member(r->t, tab, k, strlen(k));
	if (!m) {
		m = new_node(r, PT_TOML_TABLE);
		nd(r, m)->key = seg;
		append(r, tab, m);
	} else if (nd(r, m)->type == PT_TOML_ARRAY && (nd(r, m)->marks & T_AOT)) {
		m = nd(r, m)->last;
	} else if (nd(r, m)->type != PT_TOML_TABLE || (nd(r, m)->marks & T_CLOSED)) {
		return fail(r, "header names a value that is not a table");
	}
	*out = m;
	return true;
}

static bool header(reader *r, uint32_t *cur)
{
	bool aot = peek(r, 1) == '[';
	r->i += aot ? 2 : 1;
	uint32_t segs[MAX_KEYS] = {0}, tab = 0;
	size_t n = 0;
	if (!key_path(r, segs, &n) || n == 0)
		return false;
	if (peek(r, 0) != ']' || (aot && peek(r, 1) != ']'))
		return fail(r, "expected ']' to close a table header");
	r->i += aot ? 2 : 1;
	for (size_t k = 0; k + 1 < n; k++)
		if (!header_step(r, tab, segs[k], &tab))
			return false;
	const char *last = pstr(r, segs[n - 1]);
	uint32_t m = member(r->t, tab, last, strlen(last));
	if (aot) {
		if (!m) {
			m = new_node(r, PT_TOML_ARRAY);
			nd(r, m)->key = segs[n - 1];
			nd(r, m)->marks = T_AOT;
			append(r, tab, m);
		} else if (nd(r, m)->type != PT_TOML_ARRAY || !(nd(r, m)->marks & T_AOT)) {
			return fail(r, "[[header]] names a value that is not an array of tables");
		}
		uint32_t e = new_node(r, PT_TOML_TABLE);
		nd(r, e)->marks = T_HEADER;
		append(r, m, e);
		*cur = e;
		return end_of_line(r);
	}
	if (!m) {
		m = new_node(r, PT_TOML_TABLE);
		nd(r, m)->key = segs[n - 1];
		append(r, tab, m);
	} else if (nd(r, m)->type != PT_TOML_TABLE ||
		   (nd(r, m)->marks & (T_HEADER | T_DOTTED | T_CLOSED))) {
		return fail(r, "table defined twice");
	}
	nd(r, m)->marks |= T_HEADER;
	*cur = m;
	return end_of_line(r);
}

static bool document(reader *r)
{
	uint32_t cur = 0;
	for (;;) {
		if (!skip_blank(r))
			return false;
		if (r->i >= r->n)
			return true;
		if (peek(r, 0) == '[') {
			if (!header(r, &cur))
				return false;
		} else if (!keyval(r, cur, 0) || !end_of_line(r)) {
			return false;
		}
	}
}

/* Offset of the first byte that breaks UTF-8 (overlong forms, surrogates
 * and code points past U+10FFFF included), or len. */
static size_t utf8_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80         ? 1
			   : (c >> 5) == 6  ? 2
			   : (c >> 4) == 14 ? 3
			   : (c >> 3) == 30 ? 4
					    : 0;
		if (!n || i + n > len)
			return i;
		uint32_t cp = n == 1 ? c : (uint32_t)(c & (0x7F >> n));
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += n;
	}
	return len;
}

int pt_toml_parse(const char *text, size_t len, pt_toml **out, pt_toml_error *err)
{
	pt_toml *t = pt_xcalloc(1, sizeof *t);
	pt_strpool_init(&t->pool);
	reader r = {.s = text, .n = len, .t = t, .err = err};
	new_node(&r, PT_TOML_TABLE);
	size_t bad = utf8_prefix((const unsigned char *)text, len);
	if (memchr(text, 0, len)) {
		r.i = (size_t)((const char *)memchr(text, 0, len) - text);
		fail(&r, "NUL byte in the document");
	} else if (bad < len) {
		r.i = bad;
		fail(&r, "the document is not UTF-8");
	} else {
		document(&r);
	}
	pt_strbuf_free(&r.buf);
	if (r.failed) {
		pt_toml_free(t);
		*out = NULL;
		return PT_EINVAL;
	}
	*out = t;
	return PT_OK;
}

void pt_toml_free(pt_toml *t)
{
	if (!t)
		return;
	pt_vec_free(&t->nodes);
	pt_strpool_free(&t->pool);
	free(t);
}

/* ---- access -------------------------------------------------------------- */

static const node *get(const pt_toml *t, pt_toml_ref v)
{
	return (t && v < t->nodes.n) ? &t->nodes.v[v] : NULL;
}

pt_toml_ref pt_toml_root(const pt_toml *t)
{
	return t ? 0 : PT_TOML_NONE;
}

int pt_toml_type(const pt_toml *t, pt_toml_ref v)
{
	const node *n = get(t, v);
	return n ? n->type : 0;
}

pt_toml_ref pt_toml_get(const pt_toml *t, pt_toml_ref tab, const char *key)
{
	const node *n = get(t, tab);
	if (!n || n->type != PT_TOML_TABLE)
		return PT_TOML_NONE;
	uint32_t m = member(t, tab, key, strlen(key));
	return m ? m : PT_TOML_NONE;
}

pt_toml_ref pt_toml_first(const pt_toml *t, pt_toml_ref v)
{
	const node *n = get(t, v);
	return (n && n->first) ? n->first : PT_TOML_NONE;
}

pt_toml_ref pt_toml_next(const pt_toml *t, pt_toml_ref v)
{
	const node *n = get(t, v);
	return (n && n->next) ? n->next : PT_TOML_NONE;
}

size_t pt_toml_count(const pt_toml *t, pt_toml_ref v)
{
	const node *n = get(t, v);
	return n ? n->count : 0;
}

const char *pt_toml_key(const pt_toml *t, pt_toml_ref v)
{
	const node *n = get(t, v);
	return n ? pt_strpool_get(&t->pool, n->key) : "";
}

const char *pt_toml_str(const pt_toml *t, pt_toml_ref v)
{
	const node *n = get(t, v);
	if (!n || (n->type != PT_TOML_STRING && n->type != PT_TOML_DATETIME))
		return NULL;
	return pt_strpool_get(&t->pool, n->str);
}

bool pt_toml_bool(const pt_toml *t, pt_toml_ref v, bool dflt)
{
	const node *n = get(t, v);
	return (n && n->type == PT_TOML_BOOL) ? n->v.b : dflt;
}

int64_t pt_toml_int(const pt_toml *t, pt_toml_ref v, int64_t dflt)
{
	const node *n = get(t, v);
	return (n && n->type == PT_TOML_INT) ? n->v.i : dflt;
}

double pt_toml_float(const pt_toml *t, pt_toml_ref v, double dflt)
{
	const node *n = get(t, v);
	return (n && n->type == PT_TOML_FLOAT) ? n->v.f : dflt;
}

const char *pt_toml_get_str(const pt_toml *t, pt_toml_ref tab, const char *key)
{
	return pt_toml_str(t, pt_toml_get(t, tab, key));
}
