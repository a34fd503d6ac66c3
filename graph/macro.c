/* graph/macro.c — see macro.h.
 *
 * Two of the macro parts: the lexer, and the scan of a file for its
 * definitions and invocations with the choice of the definitions another
 * file lends it. The rules, the matcher and the transcriber are in
 * macro_expand.c: the matcher is a backtracking one with explicit
 * continuations: a repetition tries as many iterations as it can, then
 * fewer when what follows does not match, which is what rustc's matcher
 * accepts for the macros it accepts (it rejects the ambiguous ones).
 * Fragments other than `tt`, `ident`, `lifetime` and `literal` are
 * measured by small parsers of their syntax (a type, a path, an
 * expression up to its follow set); they never backtrack, as rustc's
 * parser does not.
 */
#define _GNU_SOURCE
#include "macro.h"

#include <string.h>

/* ---- the lexer ------------------------------------------------------------------- */

typedef struct {
	const char *s;
	size_t n, i;
	uint32_t src, base;
	pt_mtoks *out;
} lexer;

static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

static void emit(lexer *L, const char *p, size_t len, uint8_t kind, size_t at)
{
	pt_mtok t = {p, (uint32_t)len, L->src, L->base + (uint32_t)at, 0, kind, 0};
	pt_vec_push(L->out, t);
}

/* `# [ doc = "" ]` for a doc comment at `at` (`# ! [ .. ]` when inner). */
static void emit_doc(lexer *L, size_t at, bool inner)
{
	emit(L, "#", 1, MT_PUNCT, at);
	if (inner)
		emit(L, "!", 1, MT_PUNCT, at);
	emit(L, "[", 1, MT_OPEN, at);
	emit(L, "doc", 3, MT_IDENT, at);
	emit(L, "=", 1, MT_PUNCT, at);
	emit(L, "\"\"", 2, MT_LITERAL, at);
	emit(L, "]", 1, MT_CLOSE, at);
}

/* A comment at L->i (`//` or `/ *`): skipped; a doc comment becomes tokens. */
static void comment(lexer *L)
{
	const char *s = L->s;
	size_t at = L->i, n = L->n;
	if (s[at + 1] == '/') {
		bool outer = at + 2 < n && s[at + 2] == '/' && !(at + 3 < n && s[at + 3] == '/');
		bool inner = at + 2 < n && s[at + 2] == '!';
		while (L->i < n && s[L->i] != '\n')
			L->i++;
		if (outer || inner)
			emit_doc(L, at, inner);
		return;
	}
	bool outer = at + 3 < n && s[at + 2] == '*' && s[at + 3] != '*' && s[at + 3] != '/';
	bool inner = at + 2 < n && s[at + 2] == '!';
	int depth = 0;
	while (L->i < n) {
		if (L->i + 1 < n && s[L->i] == '/' && s[L->i + 1] == '*') {
			depth++;
			L->i += 2;
		} else if (L->i + 1 < n && s[L->i] == '*' && s[L->i + 1] == '/') {
			L->i += 2;
			if (--depth == 0)
				break;
		} else {
			L->i++;
		}
	}
	if (outer || inner)
		emit_doc(L, at, inner);
}

/* A quoted literal body from L->i (just after the opening quote q): up to
 * and including the closing quote, escapes skipped. */
static void quoted(lexer *L, char q)
{
	while (L->i < L->n && L->s[L->i] != q)
		L->i += (L->s[L->i] == '\\' && L->i + 1 < L->n) ? 2 : 1;
	if (L->i < L->n)
		L->i++;
}

/* A raw string from L->i (at its `r`): r#*"..."#*. */
static void raw_string(lexer *L)
{
	size_t hashes = 0;
	L->i++;
	while (L->i < L->n && L->s[L->i] == '#')
		hashes++, L->i++;
	if (L->i >= L->n || L->s[L->i] != '"')
		return;
	L->i++;
	while (L->i < L->n) {
		if (L->s[L->i] == '"') {
			size_t k = 0;
			while (k < hashes && L->i + 1 + k < L->n && L->s[L->i + 1 + k] == '#')
				k++;
			if (k == hashes) {
				L->i += 1 + hashes;
				return;
			}
		}
		L->i++;
	}
}

static void suffix(lexer *L)
{
	while (L->i < L->n && ident_char((unsigned char)L->s[L->i]))
		L->i++;
}

/* A literal or identifier starting with a letter: `r"..."`, `b'x'`, `br#".."#`,
 * `c"..."`, `r#ident`, or a plain identifier. */
static void word(lexer *L)
{
	const char *s = L->s;
	size_t at = L->i, n = L->n;
	size_t j = at;
	if (s[j] == 'b' || s[j] == 'c')
		j++;
	if (j < n && s[j] == 'r' && j + 1 < n && (s[j + 1] == '"' || s[j + 1] == '#') &&
	    !(j == at && s[j + 1] == '#' && j + 2 < n && ident_start((unsigned char)s[j + 2]))) {
		L->i = j;
		raw_string(L);
		suffix(L);
		emit(L, s + at, L->i - at, MT_LITERAL, at);
		return;
	}
	if (j > at && j < n && (s[j] == '"' || (s[at] == 'b' && s[j] == '\''))) {
		L->i = j + 1;
		quoted(L, s[j]);
		suffix(L);
		emit(L, s + at, L->i - at, MT_LITERAL, at);
		return;
	}
	L->i = at;
	if (s[at] == 'r' && at + 2 < n && s[at + 1] == '#' && ident_start((unsigned char)s[at + 2]))
		L->i += 2;
	while (L->i < n && ident_char((unsigned char)s[L->i]))
		L->i++;
	emit(L, s + at, L->i - at, MT_IDENT, at);
}

static void number(lexer *L)
{
	const char *s = L->s;
	size_t at = L->i, n = L->n;
	bool hex = s[at] == '0' && at + 1 < n && (s[at + 1] == 'x' || s[at + 1] == 'X');
	/* `x.0.1` is two tuple fields, not the float `0.1` */
	bool dot = false;
	if (L->out->n) { /* the last token, by index: it always exists here */
		const pt_mtok *prev = &L->out->v[L->out->n - 1];
		dot = prev->kind == MT_PUNCT && prev->len == 1 && prev->p[0] == '.' &&
		      prev->p + 1 == s + at;
	}
	L->i++;
	while (L->i < n) {
		char c = s[L->i];
		if (ident_char((unsigned char)c)) {
			L->i++;
		} else if (c == '.' && !dot && !hex && L->i + 1 < n && s[L->i + 1] >= '0' &&
			   s[L->i + 1] <= '9') {
			dot = true;
			L->i++;
		} else if ((c == '+' || c == '-') && !hex &&
			   (s[L->i - 1] == 'e' || s[L->i - 1] == 'E') && L->i + 1 < n &&
			   s[L->i + 1] >= '0' && s[L->i + 1] <= '9') {
			L->i++;
		} else {
			break;
		}
	}
	emit(L, s + at, L->i - at, MT_LITERAL, at);
}

/* `'`: a char literal (`'x'`, `'\n'`, `'é'`) or a lifetime (`'a`). */
static void quote(lexer *L)
{
	const char *s = L->s;
	size_t at = L->i, n = L->n;
	if (at + 1 < n && s[at + 1] == '\\') {
		L->i = at + 1;
		quoted(L, '\'');
		emit(L, s + at, L->i - at, MT_LITERAL, at);
		return;
	}
	size_t c = at + 1;
	if (c < n) { /* one UTF-8 character */
		unsigned char b = (unsigned char)s[c];
		c += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
	}
	if (c < n && s[c] == '\'') {
		L->i = c + 1;
		emit(L, s + at, L->i - at, MT_LITERAL, at);
		return;
	}
	L->i = at + 1;
	if (L->i + 1 < n && s[L->i] == 'r' && s[L->i + 1] == '#')
		L->i += 2;
	while (L->i < n && ident_char((unsigned char)s[L->i]))
		L->i++;
	emit(L, s + at, L->i - at, L->i > at + 1 ? MT_LIFETIME : MT_PUNCT, at);
}

static bool is_punct(char c)
{
	return c && strchr("!#$%&*+,-./:;<=>?@^|~", c) != NULL;
}

/* Operators rustc's lexer glues (`<` and `>` never: the matcher and the
 * type parser see `>>` as two tokens, joint). Longest first. */
static size_t glued(const char *s, size_t left)
{
	/* longest first; each with its length, and none a single character
	 * can start unless it is listed: most punctuation is one byte */
	static const struct {
		char op[4];
		uint8_t n;
	} ops[] = {{"...", 3}, {"..=", 3}, {"::", 2}, {"->", 2}, {"=>", 2}, {"==", 2},
		   {"!=", 2},  {"&&", 2},  {"||", 2}, {"+=", 2}, {"-=", 2}, {"*=", 2},
		   {"/=", 2},  {"%=", 2},  {"^=", 2}, {"&=", 2}, {"|=", 2}, {"..", 2}};
	if (left < 2 || !strchr(".:-=!&|+*/%^", s[0]))
		return 1;
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
		if (ops[k].n <= left && memcmp(s, ops[k].op, ops[k].n) == 0)
			return ops[k].n;
	return 1;
}

static void punct(lexer *L)
{
	size_t at = L->i, m = glued(L->s + at, L->n - at);
	L->i += m;
	emit(L, L->s + at, m, MT_PUNCT, at);
	if (L->i < L->n && is_punct(L->s[L->i]))
		L->out->v[L->out->n - 1].joint = 1;
}

bool pt_macro_match(pt_mtoks *out, size_t from)
{
	PT_VEC(uint32_t) st = {0};
	bool ok = true;
	for (size_t i = from; i < out->n; i++) {
		pt_mtok *t = &out->v[i];
		t->match = (uint32_t)i;
		if (t->kind == MT_OPEN) {
			pt_vec_push(&st, (uint32_t)i);
		} else if (t->kind == MT_CLOSE) {
			char want = t->p[0] == ')' ? '(' : t->p[0] == ']' ? '[' : '{';
			if (!st.n || out->v[st.v[st.n - 1]].p[0] != want) {
				ok = false;
				continue;
			}
			uint32_t o = st.v[--st.n];
			out->v[o].match = (uint32_t)i;
			t->match = o;
		}
	}
	ok = ok && st.n == 0;
	pt_vec_free(&st);
	return ok;
}

bool pt_macro_lex(const char *text, size_t len, uint32_t src, uint32_t base, pt_mtoks *out)
{
	lexer L = {text, len, 0, src, base, out};
	size_t from = out->n;
	while (L.i < len) {
		size_t at = L.i;
		unsigned char c = (unsigned char)text[at];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			L.i++;
		} else if (c == '/' && at + 1 < len &&
			   (text[at + 1] == '/' || text[at + 1] == '*')) {
			comment(&L);
		} else if (c == '"') {
			L.i++;
			quoted(&L, '"');
			suffix(&L);
			emit(&L, text + at, L.i - at, MT_LITERAL, at);
		} else if (c == '\'') {
			quote(&L);
		} else if (c >= '0' && c <= '9') {
			number(&L);
		} else if (ident_start(c)) {
			word(&L);
		} else if (c == '(' || c == '[' || c == '{') {
			L.i++;
			emit(&L, text + at, 1, MT_OPEN, at);
		} else if (c == ')' || c == ']' || c == '}') {
			L.i++;
			emit(&L, text + at, 1, MT_CLOSE, at);
		} else if (is_punct((char)c)) {
			punct(&L);
		} else {
			L.i++; /* a stray byte (a NUL, a backslash): no token */
		}
	}
	return pt_macro_match(out, from);
}

#define NONE UINT32_MAX /* no definition */

/* ---- what a file defines and invokes ------------------------------------------------ */

/* The scan is a pass over bytes, not tokens: it looks only at words
 * followed by `!`, and skips comments, strings and char literals whole, so
 * it costs little next to parsing. */

typedef struct {
	const char *p;
	size_t n;
} sref;
typedef PT_VEC(sref) srefs;

static bool word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
}

/* After a `//` or `/ *` comment at i. */
static size_t skip_comment_at(const char *s, size_t i, size_t n)
{
	if (s[i + 1] == '/') {
		const char *e = memchr(s + i, '\n', n - i);
		return e ? (size_t)(e - s) : n;
	}
	int depth = 0;
	while (i < n) {
		if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (i + 1 < n && s[i] == '*' && s[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return i;
		} else {
			i++;
		}
	}
	return n;
}

/* After a quoted literal whose opening quote is at i. */
static size_t skip_quoted(const char *s, size_t i, size_t n, char q)
{
	for (i++; i < n && s[i] != q; i++)
		if (s[i] == '\\')
			i++;
	return i < n ? i + 1 : n;
}

/* After a raw string whose `r` is at i (`r#"..."#`). */
static size_t skip_raw(const char *s, size_t i, size_t n)
{
	size_t h = 0;
	for (i++; i < n && s[i] == '#'; i++)
		h++;
	if (i >= n || s[i] != '"')
		return i;
	for (i++; i < n; i++) {
		if (s[i] != '"')
			continue;
		size_t k = 0;
		while (k < h && i + 1 + k < n && s[i + 1 + k] == '#')
			k++;
		if (k == h)
			return i + 1 + h;
	}
	return n;
}

/* A literal that starts with a letter at i (`b"..."`, `r#"..."#`, `b'x'`,
 * `br".."`, `c".."`): the index after it, or i when none starts there. */
static size_t skip_prefixed(const char *s, size_t i, size_t n)
{
	size_t j = i;
	if (s[j] == 'b' || s[j] == 'c')
		j++;
	if (j < n && s[j] == 'r' && j + 1 < n && (s[j + 1] == '"' || s[j + 1] == '#') &&
	    !(j == i && s[j + 1] == '#' && j + 2 < n && ident_start((unsigned char)s[j + 2])))
		return skip_raw(s, j, n);
	if (j > i && j < n && (s[j] == '"' || (s[i] == 'b' && s[j] == '\'')))
		return skip_quoted(s, j, n, s[j]);
	return i;
}

/* After a char literal or a lifetime at i (a `'`). */
static size_t skip_tick(const char *s, size_t i, size_t n)
{
	if (i + 1 < n && s[i + 1] == '\\')
		return skip_quoted(s, i, n, '\'');
	size_t c = i + 1;
	if (c < n) {
		unsigned char b = (unsigned char)s[c];
		c += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
	}
	if (c < n && s[c] == '\'')
		return c + 1;
	for (i++; i < n && ident_char((unsigned char)s[i]); i++)
		;
	return i;
}

/* Whitespace and comments from i. */
static size_t skip_space(const char *s, size_t i, size_t n)
{
	while (i < n) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			i++;
		else if (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*'))
			i = skip_comment_at(s, i, n);
		else
			break;
	}
	return i;
}

/* The close of the delimiter opening at i: delimiters of every kind
 * balanced, literals and comments skipped; n when it never closes. */
static size_t close_of(const char *s, size_t i, size_t n)
{
	char st[256];
	int depth = 0;
	while (i < n) {
		char c = s[i];
		if (c == '(' || c == '[' || c == '{') {
			if (depth == (int)sizeof st)
				return n;
			st[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
			i++;
		} else if (c == ')' || c == ']' || c == '}') {
			if (!depth || st[depth - 1] != c)
				return n;
			if (--depth == 0)
				return i;
			i++;
		} else if (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = skip_comment_at(s, i, n);
		} else if (c == '"') {
			i = skip_quoted(s, i, n, '"');
		} else if (c == '\'') {
			i = skip_tick(s, i, n);
		} else if (ident_start((unsigned char)c)) {
			size_t j = skip_prefixed(s, i, n);
			if (j == i)
				while (j < n && ident_char((unsigned char)s[j]))
					j++;
			i = j;
		} else {
			i++;
		}
	}
	return n;
}

/* The path written before the word at [a, b): `x::y::` and `$crate::`
 * prefixes, whitespace between them dropped; appended to out. */
static void path_before(const char *s, size_t a, size_t b, pt_strbuf *out)
{
	size_t start = a;
	for (;;) {
		size_t j = start;
		while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\n'))
			j--;
		if (j < 2 || s[j - 1] != ':' || s[j - 2] != ':')
			break;
		j -= 2;
		while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\n'))
			j--;
		size_t e = j;
		while (j > 0 && ident_char((unsigned char)s[j - 1]))
			j--;
		if (j == e)
			break;
		if (j > 0 && s[j - 1] == '$')
			j--;
		start = j;
	}
	out->len = 0;
	for (size_t i = start; i < b; i++) {
		if (s[i] == 'r' && i + 1 < b && s[i + 1] == '#' &&
		    (i == start || s[i - 1] == ':')) {
			i++; /* a raw identifier's `r#` */
			continue;
		}
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			pt_strbuf_addc(out, s[i]);
	}
}

static int cmp_sref(const void *a, const void *b)
{
	const sref *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Sorted distinct paths, each followed by '\n', interned into f's pool. */
static uint32_t join_paths(srefs *v, pt_facts *f)
{
	pt_strbuf all = {0};
	if (v->n)
		qsort(v->v, v->n, sizeof *v->v, cmp_sref);
	for (size_t i = 0; i < v->n; i++) {
		if (i > 0 && cmp_sref(&v->v[i], &v->v[i - 1]) == 0)
			continue;
		pt_strbuf_add(&all, v->v[i].p, v->v[i].n);
		pt_strbuf_addc(&all, '\n');
	}
	uint32_t off = pt_strpool_add(&f->pool, all.buf ? all.buf : "", all.len);
	pt_strbuf_free(&all);
	return off;
}

typedef struct {
	const char *s;
	size_t n;
	pt_facts *f;
	pt_strbuf paths; /* the paths found, '\0' after each (srefs point in it at the end) */
	PT_VEC(size_t) starts;
	size_t line_at; /* bytes before it are counted in line/line_start */
	uint32_t line, line_start;
	bool callback; /* some rule invokes a macro named by a metavariable (`$m!(..)`) */
} scanner;

static void position_of(scanner *S, size_t at, uint32_t *line, uint32_t *col)
{
	for (; S->line_at < at; S->line_at++)
		if (S->s[S->line_at] == '\n') {
			S->line++;
			S->line_start = (uint32_t)S->line_at + 1;
		}
	*line = S->line;
	*col = (uint32_t)at - S->line_start;
}

/* The paths of the invocations in s[a, b) since mark (into S->paths). */
static uint32_t collect(scanner *S, size_t mark)
{
	srefs v = {0};
	for (size_t k = mark; k < S->starts.n; k++) {
		size_t st = S->starts.v[k];
		sref r = {S->paths.buf + st, strlen(S->paths.buf + st)};
		pt_vec_push(&v, r);
	}
	uint32_t off = join_paths(&v, S->f);
	pt_vec_free(&v);
	return off;
}

static void scan_range(scanner *S, size_t i, size_t end, int depth);

/* Whether the attribute text a[0..n) (inside `#[..]`) is `cfg(doc)`: the
 * item exists for rustdoc only, never in a build. */
static bool attr_is_cfg_doc(const char *a, size_t n)
{
	static const char want[] = "cfg(doc)";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (a[i] == ' ' || a[i] == '\t' || a[i] == '\n' || a[i] == '\r')
			continue;
		if (k >= sizeof want - 1 || a[i] != want[k])
			return false;
		k++;
	}
	return k == sizeof want - 1;
}

/* `macro_rules! name {..}` whose `macro_rules` is at a: its fact; returns
 * where the scan goes on. */
static size_t definition(scanner *S, size_t a, size_t j, size_t end, uint32_t flags, int depth)
{
	const char *s = S->s;
	size_t k = skip_space(s, j + 1, end);
	if (k + 2 < end && s[k] == 'r' && s[k + 1] == '#')
		k += 2; /* `macro_rules! r#impl` */
	size_t na = k;
	while (k < end && ident_char((unsigned char)s[k]))
		k++;
	size_t nb = k;
	k = skip_space(s, k, end);
	if (nb == na || !ident_start((unsigned char)s[na]) || k >= end ||
	    (s[k] != '(' && s[k] != '[' && s[k] != '{'))
		return nb > na ? nb : j + 1;
	size_t close = close_of(s, k, end);
	if (close >= end)
		return k + 1;
	size_t mark = S->starts.n;
	scan_range(S, k + 1, close, depth + 1);
	fact_macro m = {0};
	m.name = pt_strpool_add(&S->f->pool, s + na, nb - na);
	m.text = pt_strpool_add(&S->f->pool, s + a, close + 1 - a);
	m.invokes = collect(S, mark);
	S->starts.n = mark;
	m.flags = flags;
	m.span.start_byte = (uint32_t)a;
	m.span.end_byte = (uint32_t)close + 1;
	position_of(S, a, &m.span.start_line, &m.span.start_col);
	position_of(S, close + 1, &m.span.end_line, &m.span.end_col);
	pt_vec_push(&S->f->macros, m);
	return close + 1;
}

/* Scan s[i, end): definitions (only at depth 0: those inside another
 * definition are templates) and invocations. */
static void scan_range(scanner *S, size_t i, size_t end, int depth)
{
	const char *s = S->s;
	bool exported = false; /* a #[macro_export] stands before what comes */
	bool doc = false;      /* a #[cfg(doc)] does */
	while (i < end) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
		} else if (c == '/' && i + 1 < end && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = skip_comment_at(s, i, end);
		} else if (c == '"') {
			i = skip_quoted(s, i, end, '"');
			exported = doc = false;
		} else if (c == '\'') {
			i = skip_tick(s, i, end);
			exported = doc = false;
		} else if (c == '#' && skip_space(s, i + 1, end) < end &&
			   s[skip_space(s, i + 1, end)] == '[') {
			size_t o = skip_space(s, i + 1, end), cl = close_of(s, o, end);
			if (cl >= end)
				return;
			if (memmem(s + o, cl - o, "macro_export", 12))
				exported = true;
			if (attr_is_cfg_doc(s + o + 1, cl - o - 1))
				doc = true;
			scan_range(S, o + 1, cl, depth + 1);
			i = cl + 1;
		} else if (ident_start((unsigned char)c)) {
			size_t j = skip_prefixed(s, i, end);
			if (j != i) {
				i = j;
				exported = doc = false;
				continue;
			}
			size_t a = i;
			bool raw = s[i] == 'r' && i + 2 < end && s[i + 1] == '#';
			if (raw)
				a = i += 2; /* `r#impl`: the name is `impl` */
			while (i < end && ident_char((unsigned char)s[i]))
				i++;
			size_t b = i, k = skip_space(s, b, end);
			if (k < end && s[k] == '!' && !(k + 1 < end && s[k + 1] == '=')) {
				if (word_is(s + a, b - a, "macro_rules")) {
					if (depth == 0) {
						i = definition(S, a, k, end,
							       (exported ? FM_EXPORT : 0) |
								       (doc ? FM_DOC : 0),
							       depth);
						exported = doc = false;
						continue;
					}
				} else if (raw || !pt_macro_keyword(s + a, b - a)) {
					size_t o = skip_space(s, k + 1, end);
					if (o < end && a > 0 && s[a - 1] == '$')
						S->callback = true;
					if (o < end &&
					    (s[o] == '(' || s[o] == '[' || s[o] == '{')) {
						pt_strbuf tmp = {0};
						path_before(s, a, b, &tmp);
						pt_vec_push(&S->starts, S->paths.len);
						pt_strbuf_add(&S->paths, tmp.buf, tmp.len);
						pt_strbuf_addc(&S->paths, '\0');
						pt_strbuf_free(&tmp);
					}
				}
			}
			exported = doc = false;
		} else {
			i++;
			exported = doc = false;
		}
	}
}

/* Whether word w[0..n) names one of f's definitions other than self. */
static bool names_sibling(const pt_facts *f, size_t self, const char *w, size_t n)
{
	for (size_t k = 0; k < f->macros.n; k++)
		if (k != self && word_is(w, n, pt_strpool_get(&f->pool, f->macros.v[k].name)))
			return true;
	return false;
}

/* Definition m's invokes, with "$crate::w" for each bare word w of its
 * text that names another definition of the file. */
static void add_sibling_words(pt_facts *f, size_t m)
{
	/* the text is copied: the pool moves as the list is added */
	char *t = pt_xstrdup(pt_strpool_get(&f->pool, f->macros.v[m].text));
	pt_strbuf all = {0}, word = {0};
	pt_strbuf_adds(&all, pt_strpool_get(&f->pool, f->macros.v[m].invokes));
	size_t before = all.len, n = strlen(t);
	for (size_t i = 0; i < n;) {
		if (!ident_start((unsigned char)t[i]) ||
		    (i && (ident_char((unsigned char)t[i - 1]) || t[i - 1] == '$'))) {
			i++;
			continue;
		}
		size_t a = i;
		while (i < n && ident_char((unsigned char)t[i]))
			i++;
		if (!names_sibling(f, m, t + a, i - a))
			continue;
		word.len = 0;
		pt_strbuf_adds(&word, "$crate::");
		pt_strbuf_add(&word, t + a, i - a);
		pt_strbuf_addc(&word, '\n');
		if (!memmem(all.buf, all.len, word.buf, word.len))
			pt_strbuf_add(&all, word.buf, word.len);
	}
	if (all.len > before)
		f->macros.v[m].invokes = pt_strpool_add(&f->pool, all.buf, all.len);
	pt_strbuf_free(&all);
	pt_strbuf_free(&word);
	free(t);
}

/* ---- definitions an invocation writes ---------------------------------------------- */

#define MAX_WRITTEN 256  /* definitions invocations may write, per file */
#define MAX_WRITERS 4096 /* invocations of writing definitions expanded, per file */

/* Line and column of byte at of s (counted from the start: only files
 * that invoke a definition-writing macro come here). */
static void line_col(const char *s, size_t at, uint32_t *line, uint32_t *col)
{
	uint32_t l = 0;
	size_t start = 0;
	for (size_t i = 0; i < at; i++)
		if (s[i] == '\n') {
			l++;
			start = i + 1;
		}
	*line = l;
	*col = (uint32_t)(at - start);
}

/* A definition of the file whose rules write macro_rules! definitions:
 * its name and its rules (over its own copy of the text). */
typedef struct {
	const char *name;
	char *text;
	pt_macro_def *def;
} writer;

/* The invocation whose group opens at t[open] expands with w; the
 * definitions its expansion holds are added to f as FM_GEN, placed at the
 * invocation, s[a, b). `$crate` stays `$crate` in their text: what it
 * names depends on where they are expanded, as for a written one. */
static void add_written(pt_facts *f, const writer *w, const pt_mtok *t, size_t open, const char *s,
			uint32_t a, uint32_t b)
{
	pt_mtoks in = {0}, exp = {0};
	for (size_t k = open + 1; k < t[open].match; k++)
		pt_vec_push(&in, t[k]);
	pt_macro_match(&in, 0);
	if (pt_macro_expand(w->def, in.v, in.n, "$crate", &exp) == PT_OK) {
		pt_strbuf text = {0};
		pt_macro_render(exp.v, exp.n, &text, NULL);
		scanner S = {text.buf ? text.buf : "", text.len, f, {0}, {0}, 0, 0, 0, false};
		size_t first = f->macros.n;
		scan_range(&S, 0, text.len, 0);
		pt_span at = {a, b, 0, 0, 0, 0};
		line_col(s, a, &at.start_line, &at.start_col);
		line_col(s, b, &at.end_line, &at.end_col);
		for (size_t k = first; k < f->macros.n; k++) {
			f->macros.v[k].flags |= FM_GEN;
			f->macros.v[k].span = at;
		}
		pt_strbuf_free(&S.paths);
		pt_vec_free(&S.starts);
		pt_strbuf_free(&text);
	}
	pt_vec_free(&in);
	pt_vec_free(&exp);
}

/* The macro_rules! definitions that invocations of the file's own
 * definitions write (syn's `export_token_macro! {}` writes the
 * `macro_rules! Token` every `Token![,]` type uses): added to f->macros
 * like written ones, so that the file and those it lends them to expand
 * them. Only the file's own definitions are read (a scan knows no other
 * file), one level deep. */
static void scan_written(const char *s, size_t len, pt_facts *f)
{
	PT_VEC(writer) ws = {0};
	for (size_t k = 0; k < f->macros.n; k++) {
		const char *text = pt_strpool_get(&f->pool, f->macros.v[k].text);
		if (!strstr(text + strlen("macro_rules"), "macro_rules"))
			continue;
		writer w = {pt_strpool_get(&f->pool, f->macros.v[k].name), pt_xstrdup(text), NULL};
		pt_mtoks dt = {0};
		pt_macro_lex(w.text, strlen(w.text), 0, 0, &dt);
		w.def = pt_macro_def_new(dt.v, dt.n);
		pt_vec_free(&dt);
		w.name = pt_xstrdup(w.name); /* the pool moves as definitions are added */
		pt_vec_push(&ws, w);
	}
	pt_mtoks t = {0};
	if (ws.n)
		pt_macro_lex(s, len, 0, 0, &t);
	size_t first = f->macros.n, expanded = 0;
	for (size_t i = 0;
	     i + 2 < t.n && f->macros.n - first < MAX_WRITTEN && expanded < MAX_WRITERS; i++) {
		if (t.v[i].kind != MT_IDENT || !pt_mtok_is(&t.v[i + 1], "!"))
			continue;
		if (pt_mtok_is(&t.v[i], "macro_rules")) {
			/* a definition: its rules are templates, not invocations */
			if (i + 3 < t.n && t.v[i + 3].kind == MT_OPEN && t.v[i + 3].match < t.n)
				i = t.v[i + 3].match;
			continue;
		}
		size_t open = i + 2;
		if (t.v[open].kind != MT_OPEN || t.v[open].match >= t.n)
			continue;
		for (size_t k = 0; k < ws.n; k++)
			if (ws.v[k].def && pt_mtok_is(&t.v[i], ws.v[k].name)) {
				size_t close = t.v[open].match;
				add_written(f, &ws.v[k], t.v, open, s, t.v[i].off,
					    t.v[close].off + 1);
				expanded++;
				break;
			}
	}
	for (size_t k = 0; k < ws.n; k++) {
		pt_macro_def_free(ws.v[k].def);
		free(ws.v[k].text);
		free((char *)ws.v[k].name);
	}
	pt_vec_free(&ws);
	pt_vec_free(&t);
}

void pt_macro_scan(const char *text, size_t len, pt_facts *f)
{
	scanner S = {text, len, f, {0}, {0}, 0, 0, 0, false};
	if (!f->pool.b.buf)
		pt_strpool_init(&f->pool);
	scan_range(&S, 0, len, 0);
	scan_written(text, len, f);
	/* A rule that invokes `$m!(..)` calls whatever macro its input names:
	 * pin-project-lite passes its helpers' names along
	 * (`[__pin_project_make_proj_field_mut]`) to a rule that writes
	 * `$crate::$m!(..)`. A bare word naming another definition of the
	 * file is then taken as an invocation of it, so that a file using the
	 * first macro is lent the helper too. */
	for (size_t m = 0; S.callback && f->macros.n > 1 && m < f->macros.n; m++)
		add_sibling_words(f, m);
	f->invoked = collect(&S, 0);
	pt_strbuf_free(&S.paths);
	pt_vec_free(&S.starts);
}

/* ---- the definitions other files lend --------------------------------------------- */

uint64_t pt_macro_import_key(const pt_macro_import *imp, size_t n)
{
	uint64_t h = n ? 0x9E3779B97F4A7C15ull : 0;
	for (size_t i = 0; i < n; i++) {
		const pt_macro_import *m = &imp[i];
		h = pt_hash64_seed(m->path, strlen(m->path), h);
		h = pt_hash64_seed(&m->index, sizeof m->index, h);
		h = pt_hash64_seed(m->name, strlen(m->name), h);
		h = pt_hash64_seed(m->text, m->len, h);
		h = pt_hash64_seed(m->krate, strlen(m->krate), h);
	}
	return h;
}

/* One definition: file and index. */
typedef struct {
	uint32_t file, def, next; /* next: the next definition of the same name, or NONE */
} tdef;

struct pt_macro_table {
	const pt_macro_file *files;
	size_t n;
	PT_VEC(tdef) defs;
	uint32_t *heads; /* open addressing on the name's hash: first definition + 1 */
	uint64_t *keys;
	size_t cap;
};

static const char *def_name(const pt_macro_table *t, const tdef *d)
{
	const pt_facts *f = t->files[d->file].facts;
	return pt_strpool_get(&f->pool, f->macros.v[d->def].name);
}

static size_t slot_of(const pt_macro_table *t, uint64_t h)
{
	size_t i = (size_t)(h * 0x9E3779B97F4A7C15ull) & (t->cap - 1);
	while (t->heads[i] && t->keys[i] != h)
		i = (i + 1) & (t->cap - 1);
	return i;
}

pt_macro_table *pt_macro_table_new(const pt_macro_file *files, size_t n)
{
	pt_macro_table *t = pt_xcalloc(1, sizeof *t);
	t->files = files;
	t->n = n;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += files[i].facts ? files[i].facts->macros.n : 0;
	t->cap = 16;
	while (t->cap < 2 * total + 2)
		t->cap *= 2;
	t->heads = pt_xcalloc(t->cap, sizeof *t->heads);
	t->keys = pt_xcalloc(t->cap, sizeof *t->keys);
	/* in reverse, so that each name's list runs in path order */
	for (size_t i = n; i-- > 0;) {
		const pt_facts *f = files[i].facts;
		for (size_t k = f ? f->macros.n : 0; k-- > 0;) {
			tdef d = {(uint32_t)i, (uint32_t)k, NONE};
			const char *nm = def_name(t, &d);
			uint64_t h = pt_hash64(nm, strlen(nm));
			size_t s = slot_of(t, h);
			d.next = t->heads[s] ? t->heads[s] - 1 : NONE;
			t->keys[s] = h;
			pt_vec_push(&t->defs, d);
			t->heads[s] = (uint32_t)t->defs.n;
		}
	}
	return t;
}

void pt_macro_table_free(pt_macro_table *t)
{
	if (!t)
		return;
	pt_vec_free(&t->defs);
	free(t->heads);
	free(t->keys);
	free(t);
}

/* The first definition named name (s, n bytes), NONE if none; walk with .next. */
static uint32_t first_def(const pt_macro_table *t, const char *s, size_t n)
{
	uint64_t h = pt_hash64(s, n);
	size_t i = slot_of(t, h);
	return t->heads[i] ? t->heads[i] - 1 : NONE;
}

static bool named(const pt_macro_table *t, uint32_t d, const char *s, size_t n)
{
	const char *nm = def_name(t, &t->defs.v[d]);
	return strlen(nm) == n && memcmp(nm, s, n) == 0;
}

/* Length of the common folder of two paths. */
static size_t common_dir(const char *a, const char *b)
{
	size_t i = 0, last = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			last = i + 1;
		i++;
	}
	return last;
}

/* Whether file i defines a macro called name itself. */
static bool defines(const pt_macro_table *t, size_t i, const char *s, size_t n)
{
	const pt_facts *f = t->files[i].facts;
	for (size_t k = 0; f && k < f->macros.n; k++) {
		const char *nm = pt_strpool_get(&f->pool, f->macros.v[k].name);
		if (strlen(nm) == n && memcmp(nm, s, n) == 0)
			return true;
	}
	return false;
}

/* The definition named name for a use in file `at`: of package pkg, in
 * area `area` (any when negative), exported ones only when asked; the
 * nearest by folder. NONE if none. */
static uint32_t nearest(const pt_macro_table *t, const char *s, size_t n, size_t at, int32_t pkg,
			int32_t area, bool exported_only)
{
	uint32_t best = NONE;
	size_t best_len = 0;
	for (uint32_t d = first_def(t, s, n); d != NONE; d = t->defs.v[d].next) {
		const tdef *td = &t->defs.v[d];
		const pt_macro_file *f = &t->files[td->file];
		if (td->file == at || !named(t, d, s, n) || f->pkg != pkg ||
		    (area >= 0 && f->area != area))
			continue;
		uint32_t fl = f->facts->macros.v[td->def].flags;
		if ((exported_only && !(fl & FM_EXPORT)) || (fl & FM_DOC))
			continue;
		size_t len = common_dir(f->path, t->files[at].path);
		if (best == NONE || len > best_len) {
			best = d;
			best_len = len;
		}
	}
	return best;
}

/* An exported definition named name of another package: the one of the
 * package whose library is called qual when given, else the only package
 * that exports it; NONE if none or ambiguous. */
static uint32_t exported(const pt_macro_table *t, const char *s, size_t n, int32_t pkg,
			 const char *qual, size_t qn)
{
	uint32_t found = NONE;
	int32_t found_pkg = -1;
	for (uint32_t d = first_def(t, s, n); d != NONE; d = t->defs.v[d].next) {
		const tdef *td = &t->defs.v[d];
		const pt_macro_file *f = &t->files[td->file];
		uint32_t fl = f->facts->macros.v[td->def].flags;
		if (!named(t, d, s, n) || !(fl & FM_EXPORT) || (fl & FM_DOC) ||
		    (f->pkg == pkg && pkg >= 0))
			continue;
		if (qual) {
			if (strlen(f->krate) == qn && memcmp(f->krate, qual, qn) == 0)
				return d;
			continue;
		}
		if (found != NONE && found_pkg != f->pkg)
			return NONE; /* two packages export it: which one is not ours to guess */
		if (found == NONE) {
			found = d;
			found_pkg = f->pkg;
		}
	}
	return found;
}

/* A path to resolve, and where it was written. */
typedef struct {
	const char *p;
	size_t n;
	uint32_t file; /* the file whose text or definition wrote it */
} want;

typedef PT_VEC(want) wants;

static void want_paths(wants *w, const char *list, uint32_t file)
{
	for (const char *s = list; s && *s;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		want x = {s, n, file};
		if (n)
			pt_vec_push(w, x);
		s += n + (e != NULL);
	}
}

/* Which definition path x names, for a use in file i. */
static uint32_t choose(const pt_macro_table *t, size_t i, const want *x)
{
	const char *last = x->p, *e = x->p + x->n;
	for (const char *q = x->p; q + 1 < e; q++)
		if (q[0] == ':' && q[1] == ':')
			last = q + 2;
	size_t n = (size_t)(e - last);
	const char *qual = last > x->p ? x->p : NULL;
	size_t qn = qual ? (size_t)(strstr(x->p, "::") - x->p) : 0;
	const pt_macro_file *at = &t->files[i], *from = &t->files[x->file];
	if (defines(t, i, last, n))
		return NONE; /* the file's own definition: the extractor has it */
	if (qual && qn == 6 && memcmp(qual, "$crate", 6) == 0) {
		/* the crate of the definition that wrote it */
		uint32_t d = nearest(t, last, n, i, from->pkg, from->area, false);
		if (d == NONE && (from->pkg != at->pkg || from->area != at->area))
			d = nearest(t, last, n, x->file, from->pkg, from->area, false);
		return d;
	}
	if (qual && !(qn == 5 && memcmp(qual, "crate", 5) == 0) &&
	    !(qn == 4 && memcmp(qual, "self", 4) == 0) &&
	    !(qn == 5 && memcmp(qual, "super", 5) == 0))
		return exported(t, last, n, at->pkg, qual, qn);
	uint32_t d = nearest(t, last, n, i, at->pkg, at->area, false);
	if (d == NONE && at->pkg >= 0)
		d = nearest(t, last, n, i, at->pkg, -1, true);
	return d != NONE || qual ? d : exported(t, last, n, at->pkg, NULL, 0);
}

static int cmp_import(const void *a, const void *b)
{
	const pt_macro_import *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

void pt_macro_imports(const pt_macro_table *t, size_t i, pt_macro_imports_vec *out)
{
	wants w = {0};
	PT_VEC(uint32_t) seen = {0};
	const pt_facts *f = t->files[i].facts;
	size_t first = out->n;
	if (f) {
		want_paths(&w, pt_strpool_get(&f->pool, f->invoked), (uint32_t)i);
		/* the file's own definitions are expanded here too: what their
		 * rules invoke is needed as much (tokio's `reader!` writes
		 * `pin_project! { .. }`, a macro of another crate, and nothing
		 * else in the file invokes it) */
		for (size_t k = 0; k < f->macros.n; k++)
			want_paths(&w, pt_strpool_get(&f->pool, f->macros.v[k].invokes),
				   (uint32_t)i);
	}
	for (size_t k = 0; k < w.n && out->n - first < 4096; k++) {
		want x = w.v[k];
		uint32_t d = choose(t, i, &x);
		bool dup = d == NONE;
		for (size_t s = 0; s < seen.n && !dup; s++)
			dup = seen.v[s] == d;
		if (dup)
			continue;
		pt_vec_push(&seen, d);
		const tdef *td = &t->defs.v[d];
		const pt_macro_file *df = &t->files[td->file];
		const fact_macro *m = &df->facts->macros.v[td->def];
		const char *text = pt_strpool_get(&df->facts->pool, m->text);
		bool own = df->pkg == t->files[i].pkg && df->area == t->files[i].area;
		pt_macro_import imp = {df->path,
				       td->def,
				       pt_strpool_get(&df->facts->pool, m->name),
				       text,
				       strlen(text),
				       own || !*df->krate ? "crate" : df->krate,
				       (m->flags & FM_GEN) != 0};
		pt_vec_push(out, imp);
		want_paths(&w, pt_strpool_get(&df->facts->pool, m->invokes), td->file);
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof *out->v, cmp_import);
	pt_vec_free(&w);
	pt_vec_free(&seen);
}
