/* graph/macro.c — see macro.h.
 *
 * Four parts: the lexer; the scan of a file for its definitions and
 * invocations, and the choice of the definitions another file lends it;
 * the matcher; the transcriber. The matcher is a backtracking one with
 * explicit continuations: a repetition tries as many iterations as it can,
 * then fewer when what follows does not match, which is what rustc's
 * matcher accepts for the macros it accepts (it rejects the ambiguous
 * ones). Fragments other than `tt`, `ident`, `lifetime` and `literal` are
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
	static const char *const ops[] = {"...", "..=", "::", "->", "=>", "==", "!=", "&&", "||",
					  "+=",  "-=",  "*=", "/=", "%=", "^=", "&=", "|=", ".."};
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		size_t m = strlen(ops[k]);
		if (m <= left && memcmp(s, ops[k], m) == 0)
			return m;
	}
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

bool pt_mtok_is(const pt_mtok *t, const char *s)
{
	size_t n = strlen(s);
	return t->len == n && memcmp(t->p, s, n) == 0;
}

/* ---- definitions ------------------------------------------------------------------- */

/* Fragment kinds. */
enum {
	F_TT = 1,
	F_IDENT,
	F_LIFETIME,
	F_LITERAL,
	F_BLOCK,
	F_EXPR,
	F_STMT,
	F_TY,
	F_PATH,
	F_PAT,
	F_PAT_PARAM,
	F_ITEM,
	F_META,
	F_VIS,
};

/* Pattern nodes: a literal token, a delimited group, a metavariable or a
 * repetition. A group's and a repetition's children are nodes
 * [first, first + n). */
enum {
	PN_TOK = 1,
	PN_GROUP,
	PN_VAR,
	PN_REP
};

#define NONE      UINT32_MAX
#define MAX_NEST  16 /* repetitions nested in one pattern */
#define MAX_RULES 512

typedef struct {
	uint8_t type, frag, op;
	uint32_t tok; /* PN_TOK: the token; PN_GROUP: its open token; PN_VAR: the name */
	uint32_t sep; /* PN_REP: the separator token, NONE if none */
	uint32_t id;  /* PN_VAR: the variable; PN_REP: the repetition */
	uint32_t first, n;
} pnode;

typedef struct {
	uint32_t name; /* token index of its name */
	uint8_t frag, depth;
	uint32_t rep[MAX_NEST]; /* the repetitions it is inside, outermost first */
} pvar;

typedef struct {
	uint32_t tbody, tend; /* the transcriber's tokens [tbody, tend) */
	uint32_t pfirst, pn;  /* the matcher's top-level nodes */
	uint32_t vfirst, vn;  /* its variables in d->vars */
	bool ok;
} rule;

struct pt_macro_def {
	pt_mtoks toks;
	PT_VEC(pnode) nodes;
	PT_VEC(pvar) vars;
	PT_VEC(rule) rules;
	uint32_t nreps;
};

static const struct {
	const char *name;
	uint8_t frag;
} frag_names[] = {
	{"tt", F_TT},           {"ident", F_IDENT}, {"lifetime", F_LIFETIME},
	{"literal", F_LITERAL}, {"block", F_BLOCK}, {"expr", F_EXPR},
	{"expr_2021", F_EXPR},  {"stmt", F_STMT},   {"ty", F_TY},
	{"path", F_PATH},       {"pat", F_PAT},     {"pat_param", F_PAT_PARAM},
	{"item", F_ITEM},       {"meta", F_META},   {"vis", F_VIS},
};

static bool is_tok(const pt_mtok *t, uint8_t kind, const char *s)
{
	return t->kind == kind && pt_mtok_is(t, s);
}

static bool is_punct_tok(const pt_mtok *t, const char *s)
{
	return is_tok(t, MT_PUNCT, s);
}

static bool is_rep_op(const pt_mtok *t)
{
	return is_punct_tok(t, "*") || is_punct_tok(t, "+") || is_punct_tok(t, "?");
}

typedef PT_VEC(pnode) pnodes;

/* A range of token indexes. */
typedef struct {
	uint32_t start, end;
} brange32;

/* Compile pattern tokens [a, b) at repetition depth `depth` inside the
 * repetitions rp[0..depth) of rule r; the nodes of this level end up
 * contiguous: returns their first index, their count in *n. */
static uint32_t compile(pt_macro_def *d, uint32_t a, uint32_t b, uint8_t depth, const uint32_t *rp,
			bool *ok, uint32_t *n, int guard)
{
	pnodes level = {0};
	const pt_mtok *T = d->toks.v;
	if (guard > 64) {
		*ok = false;
		*n = 0;
		return 0;
	}
	for (uint32_t i = a; i < b && *ok;) {
		pnode p = {0};
		p.sep = NONE;
		if (is_punct_tok(&T[i], "$") && i + 3 < b && T[i + 1].kind == MT_IDENT &&
		    is_punct_tok(&T[i + 2], ":") && T[i + 3].kind == MT_IDENT) {
			uint8_t frag = 0;
			for (size_t k = 0; k < sizeof frag_names / sizeof frag_names[0]; k++)
				if (pt_mtok_is(&T[i + 3], frag_names[k].name))
					frag = frag_names[k].frag;
			if (!frag) {
				*ok = false;
				break;
			}
			pvar v = {i + 1, frag, depth, {0}};
			memcpy(v.rep, rp, depth * sizeof *rp);
			p.type = PN_VAR;
			p.frag = frag;
			p.tok = i + 1;
			p.id = (uint32_t)d->vars.n;
			pt_vec_push(&d->vars, v);
			pt_vec_push(&level, p);
			i += 4;
		} else if (is_punct_tok(&T[i], "$") && i + 1 < b && T[i + 1].kind == MT_OPEN &&
			   T[i + 1].p[0] == '(') {
			uint32_t close = T[i + 1].match, j = close + 1;
			if (close >= b || j >= b || depth + 1 >= MAX_NEST) {
				*ok = false;
				break;
			}
			if (!is_rep_op(&T[j])) {
				p.sep = j++;
				if (j >= b || !is_rep_op(&T[j])) {
					*ok = false;
					break;
				}
			}
			p.type = PN_REP;
			p.op = (uint8_t)T[j].p[0];
			p.id = d->nreps++;
			uint32_t sub[MAX_NEST];
			memcpy(sub, rp, depth * sizeof *rp);
			sub[depth] = p.id;
			p.first = compile(d, i + 2, close, (uint8_t)(depth + 1), sub, ok, &p.n,
					  guard + 1);
			pt_vec_push(&level, p);
			i = j + 1;
		} else if (T[i].kind == MT_OPEN) {
			uint32_t close = T[i].match;
			if (close >= b || close <= i) {
				*ok = false;
				break;
			}
			p.type = PN_GROUP;
			p.tok = i;
			p.first = compile(d, i + 1, close, depth, rp, ok, &p.n, guard + 1);
			pt_vec_push(&level, p);
			i = close + 1;
		} else {
			p.type = PN_TOK;
			p.tok = i;
			pt_vec_push(&level, p);
			i++;
		}
	}
	uint32_t first = (uint32_t)d->nodes.n;
	for (size_t k = 0; k < level.n; k++)
		pt_vec_push(&d->nodes, level.v[k]);
	*n = (uint32_t)level.n;
	pt_vec_free(&level);
	return first;
}

pt_macro_def *pt_macro_def_new(const pt_mtok *toks, size_t n)
{
	if (n < 5 || !is_tok(&toks[0], MT_IDENT, "macro_rules") || !is_punct_tok(&toks[1], "!") ||
	    toks[2].kind != MT_IDENT || toks[3].kind != MT_OPEN)
		return NULL;
	pt_macro_def *d = pt_xcalloc(1, sizeof *d);
	for (size_t i = 0; i < n; i++)
		pt_vec_push(&d->toks, toks[i]);
	if (!pt_macro_match(&d->toks, 0) || d->toks.v[3].match != n - 1) {
		/* a trailing `;` after `macro_rules! m ( .. );` is not part of it */
		if (!(d->toks.v[3].match == n - 2 && is_punct_tok(&d->toks.v[n - 1], ";"))) {
			pt_macro_def_free(d);
			return NULL;
		}
	}
	const pt_mtok *T = d->toks.v;
	uint32_t end = T[3].match;
	for (uint32_t i = 4; i < end && d->rules.n < MAX_RULES;) {
		if (T[i].kind != MT_OPEN || T[i].match >= end) {
			i++;
			continue;
		}
		uint32_t pa = i + 1, pb = T[i].match, j = pb + 1;
		if (j + 1 >= end || !is_punct_tok(&T[j], "=>") || T[j + 1].kind != MT_OPEN) {
			i = pb + 1;
			continue;
		}
		rule r = {j + 2, T[j + 1].match, 0, 0, (uint32_t)d->vars.n, 0, true};
		uint32_t none[MAX_NEST] = {0};
		r.pfirst = compile(d, pa, pb, 0, none, &r.ok, &r.pn, 0);
		r.vn = (uint32_t)d->vars.n - r.vfirst;
		pt_vec_push(&d->rules, r);
		i = r.tend + 1;
		if (i < end && is_punct_tok(&T[i], ";"))
			i++;
	}
	if (!d->rules.n) {
		pt_macro_def_free(d);
		return NULL;
	}
	return d;
}

void pt_macro_def_free(pt_macro_def *d)
{
	if (!d)
		return;
	pt_vec_free(&d->toks);
	pt_vec_free(&d->nodes);
	pt_vec_free(&d->vars);
	pt_vec_free(&d->rules);
	free(d);
}

const char *pt_macro_def_name(const pt_macro_def *d, size_t *len)
{
	*len = d->toks.v[2].len;
	return d->toks.v[2].p;
}

/* ---- fragments ----------------------------------------------------------------------- */

/* What the matcher works on: the input tokens and their end. */
typedef struct {
	const pt_mtok *in;
	uint32_t n;
} input;

static bool at_is(const input *I, uint32_t i, uint32_t end, const char *s)
{
	return i < end && (I->in[i].kind == MT_PUNCT || I->in[i].kind == MT_IDENT) &&
	       pt_mtok_is(&I->in[i], s);
}

static bool at_open(const input *I, uint32_t i, uint32_t end, char c)
{
	return i < end && I->in[i].kind == MT_OPEN && I->in[i].p[0] == c;
}

/* After a balanced `<..>` that opens at i; NONE when it does not close
 * before end. Groups inside are skipped whole. */
static uint32_t skip_angles(const input *I, uint32_t i, uint32_t end)
{
	int depth = 0;
	for (; i < end; i++) {
		const pt_mtok *t = &I->in[i];
		if (t->kind == MT_OPEN) {
			i = t->match;
			continue;
		}
		if (t->kind != MT_PUNCT)
			continue;
		if (pt_mtok_is(t, "<"))
			depth++;
		else if (pt_mtok_is(t, ">") && --depth == 0)
			return i + 1;
		else if (pt_mtok_is(t, ";") || pt_mtok_is(t, "=>"))
			return NONE;
	}
	return NONE;
}

static uint32_t p_ty(const input *I, uint32_t i, uint32_t end, int depth);

static bool path_word(const pt_mtok *t)
{
	return t->kind == MT_IDENT;
}

/* A path `a::b<T>::c`, `Fn(A) -> B` sugar in type position; in expression
 * position (expr) generic arguments only after `::`. NONE if none. */
static uint32_t p_path(const input *I, uint32_t i, uint32_t end, bool expr, int depth)
{
	uint32_t words = 0;
	if (at_is(I, i, end, "::"))
		i++;
	while (i < end && path_word(&I->in[i])) {
		i++;
		words++;
		if (!expr && at_is(I, i, end, "<")) {
			i = skip_angles(I, i, end);
		} else if (at_is(I, i, end, "::") && at_is(I, i + 1, end, "<")) {
			i = skip_angles(I, i + 1, end);
		} else if (!expr && at_open(I, i, end, '(')) {
			i = I->in[i].match + 1;
			if (at_is(I, i, end, "->"))
				i = p_ty(I, i + 1, end, depth + 1);
		}
		if (i == NONE)
			return NONE;
		if (at_is(I, i, end, "::") && i + 1 < end && path_word(&I->in[i + 1]))
			i++;
		else
			break;
	}
	return words ? i : NONE;
}

/* One bound of `dyn A + 'b + ?Sized`. */
static uint32_t p_bound(const input *I, uint32_t i, uint32_t end, int depth)
{
	if (i >= end)
		return NONE;
	if (I->in[i].kind == MT_LIFETIME)
		return i + 1;
	if (at_open(I, i, end, '('))
		return I->in[i].match + 1;
	if (at_is(I, i, end, "?") || at_is(I, i, end, "~"))
		i++;
	if (at_is(I, i, end, "const"))
		i++;
	if (at_is(I, i, end, "for") && at_is(I, i + 1, end, "<")) {
		i = skip_angles(I, i + 1, end);
		if (i == NONE)
			return NONE;
	}
	return p_path(I, i, end, false, depth);
}

static uint32_t p_bounds(const input *I, uint32_t i, uint32_t end, int depth)
{
	i = p_bound(I, i, end, depth);
	while (i != NONE && at_is(I, i, end, "+"))
		i = p_bound(I, i + 1, end, depth);
	return i;
}

static uint32_t p_ty(const input *I, uint32_t i, uint32_t end, int depth)
{
	if (i >= end || depth > 64)
		return NONE;
	const pt_mtok *t = &I->in[i];
	if (t->kind == MT_OPEN)
		return t->p[0] == '{' ? NONE : t->match + 1;
	if (at_is(I, i, end, "&") || at_is(I, i, end, "&&")) {
		i++;
		if (i < end && I->in[i].kind == MT_LIFETIME)
			i++;
		if (at_is(I, i, end, "mut"))
			i++;
		return p_ty(I, i, end, depth + 1);
	}
	if (at_is(I, i, end, "*")) {
		i++;
		if (at_is(I, i, end, "const") || at_is(I, i, end, "mut"))
			i++;
		return p_ty(I, i, end, depth + 1);
	}
	if (at_is(I, i, end, "!") || at_is(I, i, end, "_"))
		return i + 1;
	if (at_is(I, i, end, "<")) {
		i = skip_angles(I, i, end);
		while (i != NONE && at_is(I, i, end, "::") && i + 1 < end &&
		       path_word(&I->in[i + 1])) {
			uint32_t j = p_path(I, i + 1, end, false, depth);
			i = j == NONE ? i + 2 : j;
		}
		return i;
	}
	if (at_is(I, i, end, "dyn") || at_is(I, i, end, "impl"))
		return p_bounds(I, i + 1, end, depth);
	if (at_is(I, i, end, "for") && at_is(I, i + 1, end, "<")) {
		i = skip_angles(I, i + 1, end);
		return i == NONE ? NONE : p_ty(I, i, end, depth + 1);
	}
	if (at_is(I, i, end, "unsafe") || at_is(I, i, end, "extern") || at_is(I, i, end, "fn")) {
		while (i < end && !at_is(I, i, end, "fn"))
			i++;
		if (!at_open(I, i + 1, end, '('))
			return NONE;
		i = I->in[i + 1].match + 1;
		return at_is(I, i, end, "->") ? p_ty(I, i + 1, end, depth + 1) : i;
	}
	if (!path_word(t) && !at_is(I, i, end, "::"))
		return NONE;
	i = p_path(I, i, end, false, depth);
	if (i != NONE && at_is(I, i, end, "!") && i + 1 < end && I->in[i + 1].kind == MT_OPEN)
		return I->in[i + 1].match + 1;
	while (i != NONE && at_is(I, i, end, "+"))
		i = p_bound(I, i + 1, end, depth);
	return i;
}

/* Whether a `|` at i opens a closure's parameters: nothing, an operator or
 * an opening keyword before it, not a value. */
static bool closure_bar(const input *I, uint32_t i, uint32_t start)
{
	if (i == start)
		return true;
	const pt_mtok *p = &I->in[i - 1];
	if (p->kind == MT_PUNCT)
		return true;
	return p->kind == MT_IDENT &&
	       (pt_mtok_is(p, "move") || pt_mtok_is(p, "return") || pt_mtok_is(p, "async") ||
		pt_mtok_is(p, "static") || pt_mtok_is(p, "in") || pt_mtok_is(p, "else"));
}

/* An expression or statement: up to a top-level `,`, `;` or `=>`. */
static uint32_t p_expr(const input *I, uint32_t i, uint32_t end, int depth)
{
	uint32_t start = i;
	while (i < end) {
		const pt_mtok *t = &I->in[i];
		if (t->kind == MT_OPEN) {
			i = t->match + 1;
		} else if (t->kind == MT_PUNCT &&
			   (pt_mtok_is(t, ",") || pt_mtok_is(t, ";") || pt_mtok_is(t, "=>"))) {
			break;
		} else if (pt_mtok_is(t, "|") && closure_bar(I, i, start)) {
			uint32_t k = i + 1;
			while (k < end && !at_is(I, k, end, "|"))
				k = I->in[k].kind == MT_OPEN ? I->in[k].match + 1 : k + 1;
			i = k < end ? k + 1 : k;
		} else if (pt_mtok_is(t, "::") && at_is(I, i + 1, end, "<")) {
			uint32_t k = skip_angles(I, i + 1, end);
			i = k == NONE ? i + 1 : k;
		} else if (t->kind == MT_IDENT && pt_mtok_is(t, "as")) {
			uint32_t k = p_ty(I, i + 1, end, depth + 1);
			i = k == NONE ? i + 1 : k;
		} else {
			i++;
		}
	}
	return i > start ? i : NONE;
}

/* A pattern: up to a top-level `=>`, `,`, `=`, `if` or `in`; and `|` for
 * pat_param, or when the rule's next token is `|` (2018's `pat`). */
static uint32_t p_pat(const input *I, uint32_t i, uint32_t end, bool bar)
{
	uint32_t start = i;
	while (i < end) {
		const pt_mtok *t = &I->in[i];
		if (t->kind == MT_OPEN) {
			i = t->match + 1;
			continue;
		}
		if ((t->kind == MT_PUNCT && (pt_mtok_is(t, "=>") || pt_mtok_is(t, ",") ||
					     pt_mtok_is(t, "=") || (bar && pt_mtok_is(t, "|")))) ||
		    (t->kind == MT_IDENT && (pt_mtok_is(t, "if") || pt_mtok_is(t, "in"))))
			break;
		i++;
	}
	return i > start ? i : NONE;
}

static uint32_t p_vis(const input *I, uint32_t i, uint32_t end)
{
	if (at_is(I, i, end, "pub"))
		return at_open(I, i + 1, end, '(') ? I->in[i + 1].match + 1 : i + 1;
	if (at_is(I, i, end, "crate") && !at_is(I, i + 1, end, "::"))
		return i + 1;
	return i; /* a visibility may be empty */
}

static bool semicolon_item(const pt_mtok *t)
{
	return t->kind == MT_IDENT && (pt_mtok_is(t, "const") || pt_mtok_is(t, "static") ||
				       pt_mtok_is(t, "type") || pt_mtok_is(t, "use"));
}

/* An item: its attributes, visibility, then up to its `;` or its body. */
static uint32_t p_item(const input *I, uint32_t i, uint32_t end)
{
	while (at_is(I, i, end, "#") && at_open(I, i + 1, end, '['))
		i = I->in[i + 1].match + 1;
	i = p_vis(I, i, end);
	if (i >= end)
		return NONE;
	bool semi = semicolon_item(&I->in[i]) ||
		    (at_is(I, i, end, "extern") && at_is(I, i + 1, end, "crate"));
	for (uint32_t k = i; k < end;) {
		const pt_mtok *t = &I->in[k];
		if (t->kind == MT_PUNCT && pt_mtok_is(t, ";"))
			return k + 1;
		if (t->kind == MT_OPEN) {
			if (t->p[0] == '{' && !semi)
				return t->match + 1;
			k = t->match + 1;
			continue;
		}
		k++;
	}
	return NONE;
}

static uint32_t p_meta(const input *I, uint32_t i, uint32_t end)
{
	if (at_is(I, i, end, "unsafe") && at_open(I, i + 1, end, '('))
		return I->in[i + 1].match + 1;
	i = p_path(I, i, end, true, 0);
	if (i == NONE)
		return NONE;
	if (i < end && I->in[i].kind == MT_OPEN)
		return I->in[i].match + 1;
	if (at_is(I, i, end, "="))
		return p_expr(I, i + 1, end, 0);
	return i;
}

/* Where fragment frag starting at i ends; NONE when it does not fit. bar:
 * the rule's next token is `|`. */
static uint32_t fragment(const input *I, uint8_t frag, uint32_t i, uint32_t end, bool bar)
{
	const pt_mtok *t = i < end ? &I->in[i] : NULL;
	switch (frag) {
	case F_VIS: return p_vis(I, i, end);
	default: break;
	}
	if (!t || t->kind == MT_CLOSE)
		return NONE;
	switch (frag) {
	case F_TT: return t->kind == MT_OPEN ? t->match + 1 : i + 1;
	case F_IDENT: return t->kind == MT_IDENT && !pt_mtok_is(t, "_") ? i + 1 : NONE;
	case F_LIFETIME: return t->kind == MT_LIFETIME ? i + 1 : NONE;
	case F_LITERAL:
		if (at_is(I, i, end, "-"))
			t = ++i < end ? &I->in[i] : NULL;
		return t && (t->kind == MT_LITERAL || pt_mtok_is(t, "true") ||
			     pt_mtok_is(t, "false"))
			       ? i + 1
			       : NONE;
	case F_BLOCK: return t->kind == MT_OPEN && t->p[0] == '{' ? t->match + 1 : NONE;
	case F_EXPR:
	case F_STMT: return p_expr(I, i, end, 0);
	case F_TY: return p_ty(I, i, end, 0);
	case F_PATH: return p_path(I, i, end, false, 0);
	case F_PAT: return p_pat(I, i, end, bar);
	case F_PAT_PARAM: return p_pat(I, i, end, true);
	case F_ITEM: return p_item(I, i, end);
	case F_META: return p_meta(I, i, end);
	default: return NONE;
	}
}

/* ---- the matcher ----------------------------------------------------------------------- */

/* What a match records, in order: a log that failure truncates. */
enum {
	EV_BIND = 1, /* id: variable; [a, b): the input tokens it took */
	EV_REP,      /* id: repetition; its iterations follow, then EV_END */
	EV_ITER,     /* one iteration's bindings follow, then EV_END */
	EV_END
};
typedef struct {
	uint8_t type;
	uint32_t id, a, b;
} mev;

/* Continuations: what to match once the current sequence is done. */
enum {
	C_TOP = 1, /* the input must end here */
	C_SEQ,     /* nodes [first + k, first + n), input up to end, then up */
	C_GROUP,   /* the group's content ends at close; then C_SEQ after it */
	C_REP      /* one iteration of repetition node ended: maybe another */
};
typedef struct cont {
	const struct cont *up;
	uint8_t kind;
	uint32_t first, n, k, end, close;
	uint32_t node, count, start;
} cont;

typedef struct {
	const pt_macro_def *d;
	input I;
	PT_VEC(mev) log;
	uint32_t steps, depth;
	bool over;
} matcher;

static bool tok_eq(const pt_mtok *a, const pt_mtok *b)
{
	return a->kind == b->kind && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static void log_push(matcher *m, uint8_t type, uint32_t id, uint32_t a, uint32_t b)
{
	mev e = {type, id, a, b};
	pt_vec_push(&m->log, e);
}

static bool m_seq(matcher *m, uint32_t first, uint32_t n, uint32_t k, uint32_t i, uint32_t end,
		  const cont *up);

static bool m_cont(matcher *m, const cont *c, uint32_t i);

/* Repetition node `node` at i after `count` iterations: one more (after
 * the separator) if it fits and what follows fits too, else leave it. */
static bool m_rep(matcher *m, uint32_t node, uint32_t i, uint32_t end, uint32_t count,
		  const cont *after, bool may_more)
{
	const pnode *p = &m->d->nodes.v[node];
	size_t mark = m->log.n;
	if (may_more && (p->op != '?' || count == 0)) {
		uint32_t j = i;
		bool sep = true;
		if (count > 0 && p->sep != NONE) {
			sep = j < end && tok_eq(&m->I.in[j], &m->d->toks.v[p->sep]);
			j++;
		}
		if (sep) {
			log_push(m, EV_ITER, 0, 0, 0);
			cont c = {after, C_REP, 0, 0, 0, end, 0, node, count + 1, j};
			if (m_seq(m, p->first, p->n, 0, j, end, &c))
				return true;
			m->log.n = mark;
		}
	}
	if (m->over || (p->op == '+' && count == 0))
		return false;
	log_push(m, EV_END, 0, 0, 0);
	if (m_cont(m, after, i))
		return true;
	m->log.n = mark;
	return false;
}

static bool m_cont(matcher *m, const cont *c, uint32_t i)
{
	switch (c->kind) {
	case C_TOP: return i == c->end;
	case C_SEQ: return m_seq(m, c->first, c->n, c->k, i, c->end, c->up);
	case C_GROUP: return i == c->close && m_seq(m, c->first, c->n, c->k, i + 1, c->end, c->up);
	case C_REP: {
		size_t mark = m->log.n;
		log_push(m, EV_END, 0, 0, 0);
		/* an iteration that took nothing would repeat forever: stop */
		if (m_rep(m, c->node, i, c->end, c->count, c->up, i > c->start))
			return true;
		m->log.n = mark;
		return false;
	}
	default: return false;
	}
}

static bool m_seq_at(matcher *m, uint32_t first, uint32_t n, uint32_t k, uint32_t i, uint32_t end,
		     const cont *up);

/* Match nodes [first + k, first + n) at input i, then the continuation;
 * the recursion is counted so that its depth stays bounded. */
static bool m_seq(matcher *m, uint32_t first, uint32_t n, uint32_t k, uint32_t i, uint32_t end,
		  const cont *up)
{
	if (++m->steps > PT_MACRO_MAX_STEPS || m->depth >= PT_MACRO_MAX_DEPTH) {
		m->over = true;
		return false;
	}
	m->depth++;
	bool ok = m_seq_at(m, first, n, k, i, end, up);
	m->depth--;
	return ok;
}

static bool m_seq_at(matcher *m, uint32_t first, uint32_t n, uint32_t k, uint32_t i, uint32_t end,
		     const cont *up)
{
	if (k == n)
		return m_cont(m, up, i);
	const pnode *p = &m->d->nodes.v[first + k];
	const pt_mtok *in = m->I.in;
	switch (p->type) {
	case PN_TOK:
		return i < end && tok_eq(&in[i], &m->d->toks.v[p->tok]) &&
		       m_seq(m, first, n, k + 1, i + 1, end, up);
	case PN_GROUP: {
		if (i >= end || in[i].kind != MT_OPEN || in[i].p[0] != m->d->toks.v[p->tok].p[0])
			return false;
		cont g = {up, C_GROUP, first, n, k + 1, end, in[i].match, 0, 0, 0};
		return m_seq(m, p->first, p->n, 0, i + 1, in[i].match, &g);
	}
	case PN_VAR: {
		const pnode *next = k + 1 < n ? &m->d->nodes.v[first + k + 1] : NULL;
		/* what follows: the next token, or the separator of the repetition
		 * this variable ends an iteration of */
		uint32_t follow = next && next->type == PN_TOK ? next->tok : NONE;
		if (!next && up->kind == C_REP)
			follow = m->d->nodes.v[up->node].sep;
		bool bar = follow != NONE && pt_mtok_is(&m->d->toks.v[follow], "|");
		uint32_t j = fragment(&m->I, p->frag, i, end, bar);
		if (j == NONE || j > end)
			return false;
		size_t mark = m->log.n;
		log_push(m, EV_BIND, p->id, i, j);
		if (m_seq(m, first, n, k + 1, j, end, up))
			return true;
		m->log.n = mark;
		return false;
	}
	case PN_REP: {
		size_t mark = m->log.n;
		log_push(m, EV_REP, p->id, 0, 0);
		cont after = {up, C_SEQ, first, n, k + 1, end, 0, 0, 0, 0};
		if (m_rep(m, first + k, i, end, 0, &after, true))
			return true;
		m->log.n = mark;
		return false;
	}
	default: return false;
	}
}

/* ---- bindings as a tree ------------------------------------------------------------------ */

/* Scopes (the top level and each iteration) hold binds and repetitions;
 * a repetition holds its iterations. Children are kids[first, first + n). */
enum {
	BN_SCOPE = 1,
	BN_REP,
	BN_BIND
};
typedef struct {
	uint8_t type;
	uint32_t id, a, b, first, n;
} bnode;

typedef struct {
	PT_VEC(bnode) nodes;
	PT_VEC(uint32_t) kids;
} btree;

/* Build the node for the events from *pos (a scope up to EV_END or the
 * log's end, or a repetition when rep); returns its index. */
static uint32_t build(btree *t, const mev *ev, size_t nev, size_t *pos, bool rep, uint32_t id,
		      int depth)
{
	PT_VEC(uint32_t) mine = {0};
	while (*pos < nev && depth < 64) {
		const mev *e = &ev[(*pos)++];
		if (e->type == EV_END)
			break;
		uint32_t k;
		if (e->type == EV_BIND) {
			bnode b = {BN_BIND, e->id, e->a, e->b, 0, 0};
			k = (uint32_t)t->nodes.n;
			pt_vec_push(&t->nodes, b);
		} else if (e->type == EV_REP) {
			k = build(t, ev, nev, pos, true, e->id, depth + 1);
		} else {
			k = build(t, ev, nev, pos, false, 0, depth + 1);
		}
		pt_vec_push(&mine, k);
	}
	bnode me = {rep ? BN_REP : BN_SCOPE, id, 0, 0, (uint32_t)t->kids.n, (uint32_t)mine.n};
	for (size_t i = 0; i < mine.n; i++)
		pt_vec_push(&t->kids, mine.v[i]);
	pt_vec_free(&mine);
	uint32_t k = (uint32_t)t->nodes.n;
	pt_vec_push(&t->nodes, me);
	return k;
}

/* The child of scope s of that type and id; NONE if none. */
static uint32_t child_of(const btree *t, uint32_t s, uint8_t type, uint32_t id)
{
	const bnode *b = &t->nodes.v[s];
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t c = t->kids.v[b->first + i];
		if (t->nodes.v[c].type == type && t->nodes.v[c].id == id)
			return c;
	}
	return NONE;
}

/* ---- the transcriber ------------------------------------------------------------------ */

typedef struct {
	const pt_macro_def *d;
	const rule *r;
	const input *I;
	btree bt;
	uint32_t root;
	pt_mtoks *out;
	size_t out0;
	const char *krate;
	uint32_t idx[MAX_NEST], depth;
	bool over;
} tx;

/* The variable of rule r named by token t, NONE if none. */
static uint32_t var_named(const tx *T, const pt_mtok *t)
{
	for (uint32_t v = T->r->vfirst; v < T->r->vfirst + T->r->vn; v++) {
		const pt_mtok *nm = &T->d->toks.v[T->d->vars.v[v].name];
		if (nm->len == t->len && memcmp(nm->p, t->p, t->len) == 0)
			return v;
	}
	return NONE;
}

/* The scope that holds variable v's binding at the current iteration
 * indexes, walking its first `levels` repetitions; NONE if absent. */
static uint32_t scope_of(const tx *T, uint32_t v, uint32_t levels)
{
	const pvar *pv = &T->d->vars.v[v];
	uint32_t s = T->root;
	for (uint32_t l = 0; l < levels && s != NONE; l++) {
		uint32_t rep = child_of(&T->bt, s, BN_REP, pv->rep[l]);
		if (rep == NONE || T->idx[l] >= T->bt.nodes.v[rep].n)
			return NONE;
		s = T->bt.kids.v[T->bt.nodes.v[rep].first + T->idx[l]];
	}
	return s;
}

/* How many times a repetition at the current depth repeats: the count of
 * the first variable inside it that repeats at this depth; NONE if none. */
static uint32_t rep_count(const tx *T, uint32_t a, uint32_t b)
{
	const pt_mtok *K = T->d->toks.v;
	for (uint32_t i = a; i + 1 < b; i++) {
		if (!is_punct_tok(&K[i], "$") || K[i + 1].kind != MT_IDENT)
			continue;
		uint32_t v = var_named(T, &K[i + 1]);
		if (v == NONE || T->d->vars.v[v].depth <= T->depth)
			continue;
		uint32_t s = scope_of(T, v, T->depth);
		if (s == NONE)
			continue;
		uint32_t rep = child_of(&T->bt, s, BN_REP, T->d->vars.v[v].rep[T->depth]);
		if (rep != NONE)
			return T->bt.nodes.v[rep].n;
	}
	return NONE;
}

static void put(tx *T, pt_mtok t)
{
	if (T->out->n - T->out0 >= PT_MACRO_MAX_OUTPUT) {
		T->over = true;
		return;
	}
	pt_vec_push(T->out, t);
}

static const pt_mtok synth_open = {"(", 1, PT_MACRO_SYNTH, 0, 0, MT_OPEN, 0};
static const pt_mtok synth_close = {")", 1, PT_MACRO_SYNTH, 0, 0, MT_CLOSE, 0};

/* What variable v took, at the current iteration: its tokens, copied with
 * their origins; an expression of several tokens in parentheses, as rustc
 * keeps it one operand. */
static void put_var(tx *T, uint32_t v)
{
	const pvar *pv = &T->d->vars.v[v];
	if (pv->depth > T->depth)
		return; /* still repeating here: rustc rejects it */
	uint32_t s = scope_of(T, v, pv->depth);
	uint32_t b = s == NONE ? NONE : child_of(&T->bt, s, BN_BIND, v);
	if (b == NONE)
		return;
	const bnode *bn = &T->bt.nodes.v[b];
	const pt_mtok *in = T->I->in;
	bool wrap = (pv->frag == F_EXPR || pv->frag == F_STMT) && bn->b - bn->a > 1 &&
		    !(in[bn->a].kind == MT_OPEN && in[bn->a].match == bn->b - 1);
	size_t open = T->out->n;
	if (wrap)
		put(T, synth_open);
	size_t base = T->out->n;
	for (uint32_t i = bn->a; i < bn->b && !T->over; i++) {
		pt_mtok t = in[i];
		if (t.kind == MT_OPEN || t.kind == MT_CLOSE)
			t.match = (uint32_t)(base + (t.match - bn->a));
		put(T, t);
	}
	if (wrap && !T->over) {
		pt_mtok c = synth_close;
		c.match = (uint32_t)open;
		T->out->v[open].match = (uint32_t)T->out->n;
		put(T, c);
	}
}

static void transcribe(tx *T, uint32_t a, uint32_t b, int guard);

/* `$( .. ) sep op` at i (the `$`) of the body; returns the index after it. */
static uint32_t put_rep(tx *T, uint32_t i, uint32_t b, int guard)
{
	const pt_mtok *K = T->d->toks.v;
	uint32_t close = K[i + 1].match, j = close + 1, sep = NONE;
	if (close >= b)
		return b;
	if (j < b && !is_rep_op(&K[j]))
		sep = j++;
	if (j >= b || !is_rep_op(&K[j]))
		return j;
	uint32_t count = T->depth + 1 < MAX_NEST ? rep_count(T, i + 2, close) : NONE;
	for (uint32_t it = 0; count != NONE && it < count && !T->over; it++) {
		T->idx[T->depth++] = it;
		transcribe(T, i + 2, close, guard + 1);
		T->depth--;
		if (sep != NONE && it + 1 < count)
			put(T, K[sep]);
	}
	return j + 1;
}

static void transcribe(tx *T, uint32_t a, uint32_t b, int guard)
{
	const pt_mtok *K = T->d->toks.v;
	if (guard > 64) {
		T->over = true;
		return;
	}
	for (uint32_t i = a; i < b && !T->over;) {
		const pt_mtok *t = &K[i];
		if (is_punct_tok(t, "$") && i + 1 < b) {
			const pt_mtok *n = &K[i + 1];
			if (n->kind == MT_OPEN && n->p[0] == '(') {
				i = put_rep(T, i, b, guard);
				continue;
			}
			if (n->kind == MT_IDENT && pt_mtok_is(n, "crate")) {
				pt_mtok k = *n;
				k.p = T->krate;
				k.len = (uint32_t)strlen(T->krate);
				put(T, k);
				i += 2;
				continue;
			}
			uint32_t v = n->kind == MT_IDENT ? var_named(T, n) : NONE;
			if (v != NONE) {
				put_var(T, v);
				i += 2;
				continue;
			}
			if (is_punct_tok(n, "$")) {
				put(T, *n);
				i += 2;
				continue;
			}
		}
		if (t->kind == MT_OPEN && t->match < b) {
			size_t open = T->out->n;
			put(T, *t);
			transcribe(T, i + 1, t->match, guard + 1);
			if (T->over)
				return;
			pt_mtok c = K[t->match];
			c.match = (uint32_t)open;
			T->out->v[open].match = (uint32_t)T->out->n;
			put(T, c);
			i = t->match + 1;
			continue;
		}
		put(T, *t);
		i++;
	}
}

int pt_macro_expand(const pt_macro_def *d, const pt_mtok *in, size_t n, const char *krate,
		    pt_mtoks *out)
{
	if (n > PT_MACRO_MAX_INPUT)
		return PT_EINVAL;
	matcher m = {d, {in, (uint32_t)n}, {0}, 0, 0, false};
	int rc = PT_ENOTFOUND;
	for (size_t r = 0; r < d->rules.n && rc == PT_ENOTFOUND && !m.over; r++) {
		const rule *ru = &d->rules.v[r];
		if (!ru->ok)
			continue;
		m.log.n = 0;
		cont top = {NULL, C_TOP, 0, 0, 0, (uint32_t)n, 0, 0, 0, 0};
		if (!m_seq(&m, ru->pfirst, ru->pn, 0, 0, (uint32_t)n, &top))
			continue;
		tx T = {.d = d, .r = ru, .I = &m.I, .out = out, .out0 = out->n, .krate = krate};
		size_t pos = 0;
		T.root = build(&T.bt, m.log.v, m.log.n, &pos, false, 0, 0);
		transcribe(&T, ru->tbody, ru->tend, 0);
		rc = T.over ? PT_EINVAL : PT_OK;
		if (T.over)
			out->n = T.out0;
		pt_vec_free(&T.bt.nodes);
		pt_vec_free(&T.bt.kids);
	}
	if (m.over)
		rc = PT_EINVAL;
	pt_vec_free(&m.log);
	return rc;
}

/* Keywords: never a macro's name before `!` (`if !(a)`, `impl !Send`), never
 * a callee before `(`. */
static bool keyword(const pt_mtok *t)
{
	static const char *const kw[] = {
		"as",     "async",  "await", "break",  "const",  "continue",   "crate",
		"dyn",    "else",   "enum",  "extern", "false",  "fn",         "for",
		"if",     "impl",   "in",    "let",    "loop",   "match",      "mod",
		"move",   "mut",    "pub",   "ref",    "return", "self",       "Self",
		"static", "struct", "super", "trait",  "true",   "type",       "unsafe",
		"use",    "where",  "while", "yield",  "box",    "macro_rules"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (pt_mtok_is(t, kw[i]))
			return true;
	return false;
}

/* Whether b may follow a without a space and still lex as the same two
 * tokens, and reads as written: adjacent where they were written, inside
 * delimiters, a call's or an index's opening, a comma or semicolon. */
static bool tight(const pt_mtok *a, const pt_mtok *b)
{
	if (a->src == b->src && a->src != PT_MACRO_SYNTH && a->off + a->len == b->off)
		return true;
	if ((a->kind == MT_OPEN && a->p[0] != '{') || (b->kind == MT_CLOSE && b->p[0] != '}'))
		return true;
	if (b->kind == MT_OPEN && b->p[0] == '(' &&
	    ((a->kind == MT_IDENT && !keyword(a)) || a->kind == MT_CLOSE))
		return true;
	if (b->kind == MT_PUNCT && b->len == 1 &&
	    (b->p[0] == ',' || b->p[0] == ';' || b->p[0] == '.'))
		return a->kind != MT_PUNCT;
	if (a->kind == MT_PUNCT && a->len == 1 && a->p[0] == '.')
		return b->kind == MT_IDENT || b->kind == MT_LITERAL;
	return (a->kind == MT_PUNCT && a->joint && b->kind == MT_PUNCT) ||
	       (a->len == 1 && a->p[0] == '$');
}

void pt_macro_render(const pt_mtok *t, size_t n, pt_strbuf *text, uint32_t *offs)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && !tight(&t[i - 1], &t[i]))
			pt_strbuf_addc(text, ' ');
		if (offs)
			offs[i] = (uint32_t)text->len;
		pt_strbuf_add(text, t[i].p, t[i].len);
	}
}

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

bool pt_macro_keyword(const char *p, size_t n)
{
	pt_mtok t = {p, (uint32_t)n, 0, 0, 0, MT_IDENT, 0};
	return keyword(&t);
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

/* `macro_rules! name {..}` whose `macro_rules` is at a: its fact; returns
 * where the scan goes on. */
static size_t definition(scanner *S, size_t a, size_t j, size_t end, bool exported, int depth)
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
	m.flags = exported ? FM_EXPORT : 0;
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
	while (i < end) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
		} else if (c == '/' && i + 1 < end && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = skip_comment_at(s, i, end);
		} else if (c == '"') {
			i = skip_quoted(s, i, end, '"');
			exported = false;
		} else if (c == '\'') {
			i = skip_tick(s, i, end);
			exported = false;
		} else if (c == '#' && skip_space(s, i + 1, end) < end &&
			   s[skip_space(s, i + 1, end)] == '[') {
			size_t o = skip_space(s, i + 1, end), cl = close_of(s, o, end);
			if (cl >= end)
				return;
			if (memmem(s + o, cl - o, "macro_export", 12))
				exported = true;
			scan_range(S, o + 1, cl, depth + 1);
			i = cl + 1;
		} else if (ident_start((unsigned char)c)) {
			size_t j = skip_prefixed(s, i, end);
			if (j != i) {
				i = j;
				exported = false;
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
						i = definition(S, a, k, end, exported, depth);
						exported = false;
						continue;
					}
				} else if (raw || !pt_macro_keyword(s + a, b - a)) {
					size_t o = skip_space(s, k + 1, end);
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
			exported = false;
		} else {
			i++;
			exported = false;
		}
	}
}

void pt_macro_scan(const char *text, size_t len, pt_facts *f)
{
	scanner S = {text, len, f, {0}, {0}, 0, 0, 0};
	if (!f->pool.b.buf)
		pt_strpool_init(&f->pool);
	scan_range(&S, 0, len, 0);
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
		if (exported_only && !(f->facts->macros.v[td->def].flags & FM_EXPORT))
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
		if (!named(t, d, s, n) || !(f->facts->macros.v[td->def].flags & FM_EXPORT) ||
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
	if (f)
		want_paths(&w, pt_strpool_get(&f->pool, f->invoked), (uint32_t)i);
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
		pt_macro_import imp = {
			df->path, td->def,      pt_strpool_get(&df->facts->pool, m->name),
			text,     strlen(text), own || !*df->krate ? "crate" : df->krate};
		pt_vec_push(out, imp);
		want_paths(&w, pt_strpool_get(&df->facts->pool, m->invokes), td->file);
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof *out->v, cmp_import);
	pt_vec_free(&w);
	pt_vec_free(&seen);
}
