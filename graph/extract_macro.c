/* graph/extract_macro.c — macro invocations: their tokens, their items, their
 * expansions.
 *
 * A token tree is not syntax, so the extractor reads an invocation three ways.
 * A body at item level that opens like an item (and each branch of cfg_if!) is
 * re-parsed from the file's own text with included ranges and walked as if
 * written there, so positions stay the file's. An invocation of a
 * macro_rules! of the same file is matched against its rules: at item level
 * the template gives the impls and fns it generates, with the calls of their
 * bodies; inside a fn the calls of the template are the fn's. What is left
 * is scanned as a flat token list for `impl .. for ..` headers and for calls,
 * a best effort that keeps apart the names the macro binds itself (hygiene).
 * The walk (extract.c) hands each invocation to ex_on_macro and calls
 * ex_expand_local_macros once the file is walked; the shared state is in
 * extract_int.h.
 */
#define _GNU_SOURCE
#include "extract_int.h"

#include <string.h>

/* ---- macro invocations ---------------------------------------------------------- */

/* The leaves of a token tree, flattened (string literals stay one token). */
static void flatten_tokens(pt_extractor *x, TSNode tt)
{
	TSTreeCursor *c = &x->aux;
	int depth = 0;
	pt_vec_clear(&x->toks);
	ts_tree_cursor_reset(c, tt);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(c);
		TSSymbol s = ts_node_symbol(n);
		bool leaf = s == x->S.string_literal || s == x->S.raw_string_literal ||
			    s == x->S.ident || depth >= 64 || !ts_tree_cursor_goto_first_child(c);
		if (!leaf) {
			depth++;
			continue;
		}
		token t = {s, ts_node_start_byte(n), ts_node_end_byte(n), ts_node_start_point(n),
			   ts_node_end_point(n)};
		pt_vec_push(&x->toks, t);
		while (depth > 0 && !ts_tree_cursor_goto_next_sibling(c)) {
			ts_tree_cursor_goto_parent(c);
			depth--;
		}
		if (depth == 0)
			return;
	}
}

static bool tok_is(const pt_extractor *x, size_t i, TSSymbol s)
{
	return i < x->toks.n && x->toks.v[i].sym == s;
}

/* Skip a balanced `<..>` starting at i; records the names that open a
 * parameter (`<T`, `, U`) when names is given. */
static size_t skip_angles(const pt_extractor *x, size_t i, const token **names, int *nn)
{
	int depth = 0;
	for (; i < x->toks.n; i++) {
		TSSymbol s = x->toks.v[i].sym;
		if (s == x->S.t_lt)
			depth++;
		else if (s == x->S.t_gt)
			depth--;
		else if (s == x->S.t_shr)
			depth -= 2;
		else if (names && depth == 1 && s == x->S.ident && *nn < 16 &&
			 (tok_is(x, i - 1, x->S.t_lt) || tok_is(x, i - 1, x->S.t_comma)))
			names[(*nn)++] = &x->toks.v[i];
		if (depth <= 0)
			return i + 1;
	}
	return i;
}

/* Read `a::b::C<..>` at i into out; returns the index after it, 0 if none. */
static size_t read_path(pt_extractor *x, size_t i, pt_strbuf *out, size_t *nseg)
{
	const symbols *S = &x->S;
	out->len = 0;
	*nseg = 0;
	if (tok_is(x, i, S->t_colons))
		i++;
	while (i < x->toks.n) {
		TSSymbol s = x->toks.v[i].sym;
		if (s != S->ident && s != S->self && s != S->crate && s != S->super &&
		    s != S->primitive)
			return 0;
		const token *t = &x->toks.v[i];
		const char *p = x->src + t->start;
		size_t n = t->end - t->start;
		if (n > 2 && p[0] == 'r' && p[1] == '#') {
			p += 2;
			n -= 2;
		}
		ex_add_seg(out, 0, p, n);
		(*nseg)++;
		i++;
		if (!tok_is(x, i, S->t_colons))
			break;
		i++;
	}
	if (tok_is(x, i, S->t_lt))
		i = skip_angles(x, i, NULL, NULL);
	return *nseg ? i : 0;
}

static void macro_impl(pt_extractor *x, TSNode inv, const pt_strbuf *trait, const pt_strbuf *self,
		       bool generic)
{
	int32_t i = ex_add_item(x, inv, PT_IMPL, (TSNode){0});
	fact_item *it = ex_item_at(x, i);
	it->flags = FI_TRAIT_IMPL | FI_MACRO_GEN;
	it->name_span = it->span;
	it->impl_trait = ex_intern_buf(x, trait);
	it->impl_self = generic ? 0 : ex_intern_buf(x, self);
	x->sig.len = 0;
	pt_strbuf_printf(&x->sig, "impl %.*s for %.*s", (int)trait->len, trait->buf, (int)self->len,
			 self->buf);
	ex_item_at(x, i)->sig = ex_intern_buf(x, &x->sig);
}

/* Index k of x->walked, from w0 on, whose range holds byte at, advancing
 * *k (tokens are visited in order and the ranges are sorted); -1 if none. */
static long walked_at(const pt_extractor *x, size_t *k, uint32_t at)
{
	while (*k < x->walked.n && x->walked.v[*k].end <= at)
		(*k)++;
	return (*k < x->walked.n && x->walked.v[*k].start <= at) ? (long)*k : -1;
}

/* The first token at or after i that lies outside the items re-parsed
 * from this invocation (walked ranges from *k on). */
static size_t past_walked(const pt_extractor *x, size_t *k, size_t i)
{
	long w;
	while (i < x->toks.n && (w = walked_at(x, k, x->toks.v[i].start)) >= 0) {
		uint32_t end = x->walked.v[w].end;
		while (i < x->toks.n && x->toks.v[i].start < end)
			i++;
	}
	return i;
}

/* Best effort: `impl <path> for <path>` sequences in an item-level
 * invocation's tokens become macro-generated impls, except inside the
 * items that re-parsing already found (x->walked from w0). */
static void scan_macro_impls(pt_extractor *x, TSNode inv, TSNode tt, size_t w0)
{
	uint32_t a = ts_node_start_byte(tt), b = ts_node_end_byte(tt);
	if (!memmem(x->src + a, b - a, "impl", 4))
		return;
	flatten_tokens(x, tt);
	const symbols *S = &x->S;
	size_t k = w0;
	for (size_t i = 0; (i = past_walked(x, &k, i)) < x->toks.n; i++) {
		if (x->toks.v[i].sym != S->t_impl)
			continue;
		const token *names[16];
		int nn = 0;
		size_t j = i + 1, nt, ns;
		if (tok_is(x, j, S->t_lt))
			j = skip_angles(x, j, names, &nn);
		j = read_path(x, j, &x->gb, &nt);
		if (!j || !tok_is(x, j, S->t_for))
			continue;
		j++;
		while (tok_is(x, j, S->t_amp) || tok_is(x, j, S->t_mut) || tok_is(x, j, S->t_dyn) ||
		       (tok_is(x, j, S->t_quote) && tok_is(x, j + 1, S->ident)))
			j += tok_is(x, j, S->t_quote) ? 2 : 1;
		if (!read_path(x, j, &x->tmp, &ns))
			continue;
		bool generic = false;
		for (int m = 0; m < nn && ns == 1; m++)
			generic |= names[m]->end - names[m]->start == x->tmp.len &&
				   memcmp(x->src + names[m]->start, x->tmp.buf, x->tmp.len) == 0;
		macro_impl(x, inv, &x->gb, &x->tmp, generic);
	}
}

static bool item_level(const pt_extractor *x, size_t d)
{
	size_t up = 1;
	uint8_t p = up_role(x, d, 1);
	if (p == R_EXPR_STMT)
		p = up_role(x, d, ++up);
	/* the top of an expansion written in a fn body holds statements */
	if (p == R_SOURCE && x->stmt_top != SIZE_MAX && d >= up && d - up == x->stmt_top)
		return false;
	return p == R_SOURCE || p == R_DECL_LIST;
}

/* ---- item-level macro bodies, re-parsed -------------------------------------- */

#define MAX_MACRO_NEST 8
#define MAX_RANGES     256

/* The text between a token tree's delimiters, as a range to parse. */
static bool inner_range(TSNode tt, TSRange *r)
{
	uint32_t n = ts_node_child_count(tt);
	if (n < 2)
		return false;
	TSNode o = ts_node_child(tt, 0), c = ts_node_child(tt, n - 1);
	if (ts_node_is_named(o) || ts_node_is_named(c) || ts_node_is_missing(c))
		return false;
	*r = (TSRange){ts_node_end_point(o), ts_node_start_point(c), ts_node_end_byte(o),
		       ts_node_start_byte(c)};
	return r->end_byte > r->start_byte;
}

static bool is_comment(const pt_extractor *x, TSNode t)
{
	TSSymbol s = ts_node_symbol(t);
	return s == x->S.line_comment || s == x->S.block_comment;
}

/* The tokens that can open an item (or its attributes). */
static bool starts_item(const pt_extractor *x, TSNode t)
{
	static const char *const heads[] = {"pub",    "impl",   "fn",     "mod",        "use",
					    "struct", "enum",   "trait",  "type",       "const",
					    "static", "unsafe", "extern", "macro_rules"};
	size_t n;
	const char *s = ident(x, t, &n);
	if (text_is(s, n, "#")) { /* an attribute, not quote!'s `#name` */
		TSNode next = ts_node_next_sibling(t);
		return !null(next) && (x->src[ts_node_start_byte(next)] == '[' ||
				       x->src[ts_node_start_byte(next)] == '!');
	}
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
		if (text_is(s, n, heads[i]))
			return true;
	return false;
}

/* The predicate of a `[cfg(P)]` token tree appended to out (whitespace
 * collapsed); false when the tree is no cfg attribute. */
static bool cfg_attr_pred(const pt_extractor *x, TSNode k, pt_strbuf *out)
{
	const char *t = x->src + ts_node_start_byte(k), *e = x->src + ts_node_end_byte(k);
	if (*t != '[')
		return false;
	for (t++; t < e && (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r'); t++)
		;
	if (e - t < 4 || memcmp(t, "cfg", 3) != 0)
		return false;
	for (t += 3; t < e && (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r'); t++)
		;
	const char *close = e;
	while (close > t && *close != ')')
		close--;
	if (t >= e || *t != '(' || close <= t)
		return false;
	bool space = false;
	for (const char *p = t + 1; p < close; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = true;
			continue;
		}
		if (space)
			pt_strbuf_addc(out, ' ');
		space = false;
		pt_strbuf_addc(out, *p ? *p : ' ');
	}
	return true;
}

/* cfg_if! { if #[cfg(..)] { items } else if .. { items } else { items } }:
 * every `{..}` group at the top of the token tree, and when preds is given
 * the condition of each (its own predicate and the negation of those
 * before it, "all(not(a), b)"; 0 for a branch under no condition). */
static uint32_t cfg_if_ranges(pt_extractor *x, TSNode tt, TSRange *r, uint32_t *preds)
{
	TSTreeCursor *c = &x->aux;
	uint32_t n = 0;
	pt_strbuf before = {0}, cur = {0}, both = {0};
	bool have = false;
	ts_tree_cursor_reset(c, tt);
	if (!ts_tree_cursor_goto_first_child(c))
		return 0;
	while (n < MAX_RANGES && ts_tree_cursor_goto_next_sibling(c)) {
		TSNode k = ts_tree_cursor_current_node(c);
		if (ts_node_symbol(k) != x->S.token_tree)
			continue;
		if (x->src[ts_node_start_byte(k)] == '[') {
			cur.len = 0;
			have = cfg_attr_pred(x, k, &cur);
			continue;
		}
		if (x->src[ts_node_start_byte(k)] != '{' || !inner_range(k, &r[n]))
			continue;
		both.len = 0;
		if (before.len || have)
			pt_strbuf_printf(&both, "all(%.*s%s%.*s)", (int)before.len,
					 before.buf ? before.buf : "",
					 before.len && have ? ", " : "", have ? (int)cur.len : 0,
					 have && cur.buf ? cur.buf : "");
		if (preds)
			preds[n] = both.len ? ex_intern_buf(x, &both) : 0;
		if (have)
			pt_strbuf_printf(&before, "%snot(%.*s)", before.len ? ", " : "",
					 (int)cur.len, cur.buf ? cur.buf : "");
		have = false;
		n++;
	}
	pt_strbuf_free(&before);
	pt_strbuf_free(&cur);
	pt_strbuf_free(&both);
	return n;
}

/* The ranges of invocation n (macro path m, token tree tt) that hold
 * items: cfg_if!'s branches (with their conditions in preds), or the whole
 * body when it opens like an item (preds[0] = 0). */
static uint32_t item_ranges(pt_extractor *x, TSNode m, TSNode tt, TSRange *r, uint32_t *preds)
{
	TSNode name = ts_node_symbol(m) == x->S.scoped_ident ? child(m, x->F.name) : m;
	size_t len = 0;
	const char *s = null(name) ? "" : ident(x, name, &len);
	preds[0] = 0;
	if (text_is(s, len, "cfg_if"))
		return cfg_if_ranges(x, tt, r, preds);
	if (text_is(s, len, "macro_rules"))
		return 0;
	/* comments are not tokens: `m! { /// doc\n pub fn f() {} }` opens with `pub` */
	uint32_t nc = ts_node_child_count(tt), k = 1;
	while (k + 1 < nc && is_comment(x, ts_node_child(tt, k)))
		k++;
	if (k + 1 >= nc || !starts_item(x, ts_node_child(tt, k)))
		return 0;
	return inner_range(tt, r) ? 1 : 0;
}

/* Items of a re-parsed body at its top (their parent is parent), from
 * item `from` on, take the condition of the branch that holds them. */
static void branch_cfgs(pt_extractor *x, size_t from, int32_t parent, const TSRange *r,
			const uint32_t *preds, uint32_t n)
{
	for (size_t i = from; i < x->out->items.n; i++) {
		fact_item *it = &x->out->items.v[i];
		if (it->parent != parent)
			continue;
		for (uint32_t k = 0; k < n; k++) {
			if (!preds[k] || it->span.start_byte < r[k].start_byte ||
			    it->span.start_byte >= r[k].end_byte)
				continue;
			if (it->cfg) {
				x->sig.len = 0;
				pt_strbuf_printf(&x->sig, "all(%s, %s)",
						 pt_strpool_get(&x->out->pool, preds[k]),
						 pt_strpool_get(&x->out->pool, it->cfg));
				it->cfg = ex_intern_buf(x, &x->sig);
			} else {
				it->cfg = preds[k];
			}
			break;
		}
	}
}

/* Parse ranges r of the file's own text and walk the items found there as
 * if written at depth d, in the current context. Positions are the file's,
 * since the ranges select bytes of the same text. */
static bool reparse(pt_extractor *x, const TSRange *r, uint32_t n, size_t d)
{
	if (!n || x->in_macro >= MAX_MACRO_NEST || !ts_parser_set_included_ranges(x->parser, r, n))
		return false;
	TSTree *t = ex_parse(x, NULL, x->src, x->len);
	ts_parser_set_included_ranges(x->parser, NULL, 0);
	if (!t)
		return false;
	TSNode root = ts_tree_root_node(t);
	TSTreeCursor c = ts_tree_cursor_new(root);
	size_t top = x->sub_top;
	x->sub_top = d + 1;
	x->in_macro++;
	ex_clear_pending(x);
	ex_walk(x, &c, root, d);
	ex_clear_pending(x);
	x->in_macro--;
	x->sub_top = top;
	ts_tree_cursor_delete(&c);
	ts_tree_delete(t);
	return true;
}

/* The A of path `T::A::f` (b, sep at its first `::`): an associated type
 * of generic parameter T, interned; 0 for `T::f`. */
uint32_t ex_assoc_seg(pt_extractor *x, const pt_strbuf *b, const char *sep)
{
	const char *a = sep + 2, *end = b->buf + b->len;
	const char *next = memmem(a, (size_t)(end - a), "::", 2);
	if (!next || memmem(next + 2, (size_t)(end - next - 2), "::", 2))
		return 0;
	return ex_intern(x, a, (size_t)(next - a));
}

/* ---- calls in macro arguments ---------------------------------------------------- */

static bool is_name_tok(const pt_extractor *x, TSSymbol s)
{
	const symbols *S = &x->S;
	return s == S->ident || s == S->self || s == S->crate || s == S->super || s == S->primitive;
}

static pt_span tok_span(const token *t)
{
	return (pt_span){t->start, t->end, t->a.row, t->a.column, t->b.row, t->b.column};
}

static const char *tok_text(const pt_extractor *x, const token *t, size_t *n)
{
	const char *p = x->src + t->start;
	*n = t->end - t->start;
	if (*n > 2 && p[0] == 'r' && p[1] == '#') {
		p += 2;
		*n -= 2;
	}
	return p;
}

/* `#[..]` / `#![..]` at i: the index of its `]`, else i. */
static size_t skip_attr(const pt_extractor *x, size_t i)
{
	size_t j = i + 1 + tok_is(x, i + 1, x->S.t_bang);
	int depth = 0;
	if (!tok_is(x, j, x->S.t_lbrack))
		return i;
	for (; j < x->toks.n; j++) {
		depth += (x->toks.v[j].sym == x->S.t_lbrack) - (x->toks.v[j].sym == x->S.t_rbrack);
		if (depth == 0)
			return j;
	}
	return x->toks.n - 1;
}

/* The names the macro's tokens bind themselves: closure params (`|x|`,
 * `|a, b|`; not the middle ones of three), `let x`, `let mut x`,
 * `for x in`, `x @ ..`. A receiver with one of those names is not the
 * local of the same name outside. */
static void find_rebound(pt_extractor *x)
{
	const symbols *S = &x->S;
	pt_vec_clear(&x->rebound);
	for (size_t i = 1; i < x->toks.n; i++) {
		const token *t = &x->toks.v[i], *prev = &x->toks.v[i - 1];
		TSSymbol p = prev->sym;
		if (t->sym != S->ident)
			continue;
		if (p == S->t_pipe || p == S->t_let || p == S->t_for ||
		    text_is(x->src + prev->start, prev->end - prev->start, "mut") ||
		    tok_is(x, i + 1, S->t_pipe) || tok_is(x, i + 1, S->t_at)) {
			brange r = {t->start, t->end};
			pt_vec_push(&x->rebound, r);
		}
	}
}

static bool is_rebound(const pt_extractor *x, const char *s, size_t n)
{
	for (size_t i = 0; i < x->rebound.n; i++) {
		const brange *r = &x->rebound.v[i];
		if (r->end - r->start == n && memcmp(x->src + r->start, s, n) == 0)
			return true;
	}
	return false;
}

static const local *tok_local(const pt_extractor *x, const char *s, size_t n)
{
	return x->hygienic || is_rebound(x, s, n) ? NULL : ex_lookup_str(x, s, n);
}

/* The value a lone token names: `self` or a local. */
static desc tok_base(pt_extractor *x, const token *t)
{
	const symbols *S = &x->S;
	size_t n;
	const char *s = tok_text(x, t, &n);
	if (t->sym == S->self)
		return ex_self_desc(x);
	const local *l = t->sym == S->ident ? tok_local(x, s, n) : NULL;
	return l ? l->d : (desc){0};
}

/* `(**self)` ending at token i (its `)`), not a call's arguments: the T of
 * an impl for `&mut T` / `Box<T>` (see deref_bounds). */
static desc tok_deref_self(pt_extractor *x, size_t i)
{
	const symbols *S = &x->S;
	if (!x->cx.deref_self || i < 4 || !tok_is(x, i, S->t_rparen) ||
	    !tok_is(x, i - 1, S->self) || !tok_is(x, i - 2, S->t_star) ||
	    !tok_is(x, i - 3, S->t_star) || !tok_is(x, i - 4, S->t_lparen))
		return (desc){0};
	TSSymbol p = i >= 5 ? x->toks.v[i - 5].sym : 0;
	if (i >= 5 && (is_name_tok(x, p) || p == S->metavar || p == S->t_rparen ||
		       p == S->t_rbrack || p == S->t_gt || p == S->t_bang))
		return (desc){0};
	return (desc){RECV_BOUND, x->cx.deref_self, 0};
}

/* What the tokens before the `.` at i - 1 say about the receiver: a plain
 * local, `self`, or a field of one of those. */
static desc tok_recv(pt_extractor *x, size_t i)
{
	const symbols *S = &x->S;
	if (i < 3)
		return (desc){0};
	const token *r = &x->toks.v[i - 2];
	bool root = !tok_is(x, i - 3, S->t_dot) && !tok_is(x, i - 3, S->t_colons);
	size_t n;
	const char *s = tok_text(x, r, &n);
	if (r->sym == S->t_rparen)
		return tok_deref_self(x, i - 2);
	if (root && (r->sym == S->self || r->sym == S->ident || r->sym == S->metavar))
		return tok_base(x, r);
	if (r->sym != S->ident || !tok_is(x, i - 3, S->t_dot) || i < 5 ||
	    tok_is(x, i - 5, S->t_dot) || tok_is(x, i - 5, S->t_colons))
		return (desc){0};
	desc base = tok_base(x, &x->toks.v[i - 4]);
	if (base.kind != RECV_TYPE)
		return (desc){0};
	return (desc){RECV_FIELD, base.path, ex_intern(x, s, n)};
}

/* `recv.name(` with name at token i. */
static void tok_method(pt_extractor *x, size_t i)
{
	size_t j = i + 1;
	if (tok_is(x, j, x->S.t_colons) && tok_is(x, j + 1, x->S.t_lt))
		j = skip_angles(x, j + 1, NULL, NULL);
	if (!tok_is(x, j, x->S.t_lparen))
		return;
	desc d = tok_recv(x, i);
	size_t n;
	const char *s = tok_text(x, &x->toks.v[i], &n);
	uint32_t nm = ex_intern(x, s, n);
	fact_ref *r = ex_add_ref(x, FR_CALL_METHOD, tok_span(&x->toks.v[i]), 0);
	r->name = nm;
	r->recv_kind = d.kind;
	r->recv_path = d.path;
	r->recv_name = d.name;
}

/* Words that token trees lex as identifiers but that never name a
 * callee (`for x in (a..b)`, `move (..)`, `self (..)`). */
static bool keyword_word(const char *s, size_t n)
{
	static const char *const words[] = {
		"in",    "ref",    "move",  "dyn",   "else",   "yield", "box",   "extern", "self",
		"super", "crate",  "async", "await", "where",  "loop",  "mut",   "if",     "while",
		"match", "return", "let",   "as",    "unsafe", "for",   "union", "default"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (text_is(s, n, words[i]))
			return true;
	return false;
}

/* `a::b::f(` or `m!(` starting at token i; returns the index of the last
 * name read, so the scan goes on inside the arguments. */
static size_t tok_path_call(pt_extractor *x, size_t i)
{
	const symbols *S = &x->S;
	pt_strbuf *b = &x->tmp;
	size_t j = i, last = i, nseg = 0;
	b->len = 0;
	while (j < x->toks.n && is_name_tok(x, x->toks.v[j].sym) && nseg < MAX_SEGS) {
		size_t n;
		const char *s = tok_text(x, &x->toks.v[j], &n);
		ex_add_seg(b, 0, s, n);
		last = j++;
		nseg++;
		if (tok_is(x, j, S->t_colons) && tok_is(x, j + 1, S->t_lt))
			j = skip_angles(x, j + 1, NULL, NULL); /* turbofish */
		if (!tok_is(x, j, S->t_colons))
			break;
		j++;
	}
	pt_span site = tok_span(&x->toks.v[last]);
	if (tok_is(x, j, S->t_bang) &&
	    (tok_is(x, j + 1, S->t_lparen) || tok_is(x, j + 1, S->t_lbrack) ||
	     (j + 1 < x->toks.n && x->src[x->toks.v[j + 1].start] == '{'))) {
		ex_add_ref(x, FR_MACRO_CALL, site, ex_intern_buf(x, b));
		return last;
	}
	if (!tok_is(x, j, S->t_lparen) ||
	    (nseg == 1 && (keyword_word(b->buf, b->len) || ex_lookup_str(x, b->buf, b->len))))
		return last;
	const char *sep = memmem(b->buf, b->len, "::", 2);
	const gparam *g = sep ? ex_gen_find(x, b->buf, (size_t)(sep - b->buf)) : NULL;
	if (g && g->bounds) {
		size_t n;
		const char *s = tok_text(x, &x->toks.v[last], &n);
		uint32_t nm = ex_intern(x, s, n);
		fact_ref *r = ex_add_ref(x, FR_CALL_PATH, site, 0);
		r->recv_kind = RECV_BOUND;
		r->recv_path = g->bounds;
		r->name = nm;
		r->recv_name = ex_assoc_seg(x, b, sep);
		return last;
	}
	ex_add_ref(x, FR_CALL_PATH, site, ex_intern_buf(x, b));
	return last;
}

/* Calls written in a macro's arguments (`println!("{}", f(x))`), read from
 * its tokens, outside the items re-parsed from it (x->walked from w0). */
static void scan_tokens(pt_extractor *x, size_t i, size_t end, size_t w0);

static void scan_macro_calls(pt_extractor *x, TSNode tt, size_t w0)
{
	uint32_t a = ts_node_start_byte(tt), b = ts_node_end_byte(tt);
	if (b - a < 3 || !memchr(x->src + a + 1, '(', b - a - 2))
		return;
	flatten_tokens(x, tt);
	find_rebound(x);
	scan_tokens(x, 1, x->toks.n, w0);
}

/* The calls of tokens [i, end) of x->toks (i ≥ 1), outside the items
 * re-parsed from them (x->walked from w0). */
static void scan_tokens(pt_extractor *x, size_t i, size_t end, size_t w0)
{
	const symbols *S = &x->S;
	size_t k = w0;
	for (; (i = past_walked(x, &k, i)) < end; i++) {
		TSSymbol s = x->toks.v[i].sym;
		if (s == S->t_hash) {
			i = skip_attr(x, i);
			continue;
		}
		if (!is_name_tok(x, s))
			continue;
		TSSymbol p = x->toks.v[i - 1].sym;
		if (p == S->t_dot)
			tok_method(x, i);
		else if (p != S->t_colons && p != S->t_fn && p != S->t_struct && p != S->t_enum &&
			 p != S->t_union && p != S->t_trait && p != S->t_mod && p != S->t_quote &&
			 p != S->t_hash)
			i = tok_path_call(x, i);
	}
}

/* Item-level invocation n (macro path m, token tree tt) at depth d of a
 * macro we have no definition of: the items of its body where they parse,
 * and impl guesses from the tokens of the rest. Returns whether the
 * whole body parsed as items (nothing left for the token scans). */
static bool item_macro(pt_extractor *x, TSNode n, TSNode m, TSNode tt, size_t d)
{
	TSRange r[MAX_RANGES];
	uint32_t preds[MAX_RANGES];
	size_t w0 = x->walked.n, items0 = x->out->items.n;
	uint32_t skipped = x->skipped, nr = item_ranges(x, m, tt, r, preds);
	bool whole = nr && reparse(x, r, nr, d + 1) && x->skipped == skipped;
	if (nr)
		branch_cfgs(x, items0, x->cx.parent, r, preds, nr);
	if (whole)
		return true;
	scan_macro_impls(x, n, tt, w0);
	return false;
}

/* Items i >= from at the top of an invocation's output (their parent is
 * parent) take the invocation's own #[cfg(..)] too: rustc drops the whole
 * invocation when it is false (serde's two cfg'd `declare_error_trait!`). */
static void invocation_cfg(pt_extractor *x, size_t from, int32_t parent, uint32_t cfg)
{
	for (size_t i = from; cfg && i < x->out->items.n; i++) {
		fact_item *it = &x->out->items.v[i];
		if (it->parent != parent)
			continue;
		if (it->cfg) {
			x->sig.len = 0;
			pt_strbuf_printf(&x->sig, "all(%s, %s)", pt_strpool_get(&x->out->pool, cfg),
					 pt_strpool_get(&x->out->pool, it->cfg));
			it->cfg = ex_intern_buf(x, &x->sig);
		} else {
			it->cfg = cfg;
		}
	}
}

void ex_on_macro(pt_extractor *x, TSNode n, size_t d)
{
	uint32_t cfg = x->inv_cfg;
	x->inv_cfg = 0;
	TSNode m = child(n, x->F.macro);
	if (null(m))
		return;
	int q;
	x->tmp.len = 0;
	if (ex_path_text(x, m, &x->tmp, &q, 0)) {
		TSNode site = ts_node_symbol(m) == x->S.scoped_ident ? child(m, x->F.name) : m;
		ex_add_ref(x, FR_MACRO_CALL, span_of(site), ex_intern_buf(x, &x->tmp));
	}
	TSNode tt = ex_find_child(x, n, x->S.token_tree);
	size_t items0 = x->out->items.n;
	int32_t parent = x->cx.parent;
	if (null(tt))
		return;
	if (ex_expand(x, n, m, tt, d, item_level(x, d))) {
		invocation_cfg(x, items0, parent, cfg);
		return;
	}
	size_t w0 = x->walked.n;
	if (!item_level(x, d))
		ex_scan_args(x, n, tt);
	else if (!item_macro(x, n, m, tt, d))
		scan_macro_calls(x, tt, w0);
	invocation_cfg(x, items0, parent, cfg);
	x->walked.n = w0;
}
