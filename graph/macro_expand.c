/* graph/macro_expand.c — see macro.h: a macro_rules! definition read into
 * its rules (pt_macro_def_new), fragments measured by small parsers of
 * their syntax, the backtracking matcher, the bindings as a tree, and the
 * transcriber (pt_macro_expand, pt_macro_render); how they work is said
 * at the top of macro.c, which holds the lexer and the scan of a file for
 * its definitions and invocations.
 */
#define _GNU_SOURCE
#include "macro.h"

#include <string.h>

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

bool pt_macro_keyword(const char *p, size_t n)
{
	pt_mtok t = {p, (uint32_t)n, 0, 0, 0, MT_IDENT, 0};
	return keyword(&t);
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
