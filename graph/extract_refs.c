/* graph/extract_refs.c — the walk's handlers for `use` declarations
 * (every path a use tree names, with its alias and visibility), `extern
 * crate`, calls and the paths and types a body names (see extract.c for
 * the walk that calls them, extract_int.h for the shared state).
 */
#define _GNU_SOURCE
#include "extract_int.h"
#include "tree_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

/* ---- uses --------------------------------------------------------------------- */

static void emit_use(pt_extractor *x, TSNode n, const char *alias, size_t alen, uint32_t flags)
{
	pt_strbuf *p = &x->pre;
	if (p->len == 0)
		return;
	if (!alias) {
		const char *s = p->buf, *e = p->buf + p->len, *q;
		while ((q = memmem(s, (size_t)(e - s), "::", 2)))
			s = q + 2;
		alias = s;
		alen = (size_t)(e - s);
	}
	uint32_t a = ex_intern(x, alias, alen), src;
	pt_span at = ex_map_site(x, span_of(n), &src);
	fact_use u = {x->cx.scope, ex_intern_buf(x, p), a, flags, src ? x->inv_span : at};
	pt_vec_push(&x->out->uses, u);
}

static bool append_use_path(pt_extractor *x, TSNode n)
{
	pt_strbuf *p = &x->pre;
	size_t at = p->len;
	int q;
	if (ts_node_symbol(n) == x->S.self)
		return true; /* `a::{self}`: the prefix itself */
	if (at)
		pt_strbuf_add(p, "::", 2);
	if (!ex_path_text(x, n, p, &q, 0)) {
		p->len = at;
		return false;
	}
	return true;
}

/* One node of a use tree, with the prefix already in x->pre; returns
 * whether its children are part of the tree. */
static bool use_node(pt_extractor *x, TSTreeCursor *c, int d, uint32_t flags)
{
	TSNode n = ts_tree_cursor_current_node(c);
	TSSymbol s = ts_node_symbol(n);
	const symbols *S = &x->S;
	if (!ts_node_is_named(n) || (d > 0 && ts_tree_cursor_current_field_id(c) == x->F.path))
		return false;
	if (s == S->use_list)
		return true;
	if (s == S->scoped_use_list) {
		TSNode p = child(n, x->F.path);
		return null(p) || append_use_path(x, p);
	}
	if (s == S->use_as_clause) {
		TSNode p = child(n, x->F.path), a = child(n, x->F.alias);
		size_t len;
		const char *t = null(a) ? NULL : ident(x, a, &len);
		if (!null(p) && t && append_use_path(x, p))
			emit_use(x, n, t, len, flags);
	} else if (s == S->use_wildcard) {
		TSNode p = ts_node_named_child(n, 0);
		if (null(p) || append_use_path(x, p))
			emit_use(x, n, "*", 1, flags);
	} else if (s == S->ident || s == S->scoped_ident || s == S->crate || s == S->super ||
		   s == S->self) {
		if (append_use_path(x, n))
			emit_use(x, n, NULL, 0, flags);
	}
	return false;
}

/* Flatten a use tree, iteratively (the prefix length is kept per depth). */
static void add_uses(pt_extractor *x, TSNode arg, uint32_t flags)
{
	TSTreeCursor *c = &x->aux;
	size_t plen[MAX_USE_DEPTH + 1];
	int d = 0;
	ts_tree_cursor_reset(c, arg);
	x->pre.len = 0;
	plen[0] = 0;
	bool down = use_node(x, c, 0, flags);
	for (;;) {
		if (down && d < MAX_USE_DEPTH) {
			plen[d + 1] = x->pre.len;
			if (ts_tree_cursor_goto_first_child(c)) {
				d++;
				down = use_node(x, c, d, flags);
				continue;
			}
		}
		for (;;) {
			if (d == 0)
				return;
			x->pre.len = plen[d];
			if (ts_tree_cursor_goto_next_sibling(c)) {
				down = use_node(x, c, d, flags);
				break;
			}
			ts_tree_cursor_goto_parent(c);
			d--;
		}
	}
}

static uint32_t vis_flags(pt_extractor *x, TSNode n)
{
	TSNode first = ts_node_named_child(n, 0);
	return (!null(first) && ts_node_symbol(first) == x->S.visibility) ? FU_PUB : 0;
}

void ex_on_use(pt_extractor *x, TSNode n)
{
	TSNode arg = child(n, x->F.argument);
	if (!null(arg))
		add_uses(x, arg, vis_flags(x, n));
}

/* `extern crate a as b;` binds b (or a) to the crate, like a use. */
void ex_on_extern_crate(pt_extractor *x, TSNode n)
{
	TSNode name = child(n, x->F.name), alias = child(n, x->F.alias);
	if (null(name))
		return;
	size_t len, alen = 0;
	const char *s = ident(x, name, &len);
	const char *a = null(alias) ? s : ident(x, alias, &alen);
	if (null(alias))
		alen = len;
	uint32_t src;
	pt_span at = ex_map_site(x, span_of(name), &src);
	fact_use u = {x->cx.scope, ex_intern(x, s, len), ex_intern(x, a, alen),
		      vis_flags(x, n) | FU_EXTERN_CRATE, src ? x->inv_span : at};
	pt_vec_push(&x->out->uses, u);
}

/* ---- calls and type references ---------------------------------------------- */

/* The T of `<T as Trait>::f`: its normalised path, 0 when it is a generic
 * parameter or cannot be named. */
static uint32_t qualified_self(pt_extractor *x, TSNode f)
{
	for (int hops = 0; hops < MAX_SEGS && !null(f); hops++) {
		TSSymbol s = ts_node_symbol(f);
		if (s == x->S.bracketed_type) {
			TSNode inner = ts_node_named_child(f, 0);
			if (null(inner) || ts_node_symbol(inner) != x->S.qualified_type)
				return 0;
			return ex_type_path(x, child(inner, x->F.type), 0);
		}
		if (s == x->S.scoped_ident || s == x->S.scoped_type)
			f = child(f, x->F.path);
		else if (s == x->S.generic_type || s == x->S.generic_turbofish)
			f = child(f, x->F.type);
		else
			return 0;
	}
	return 0;
}

static void path_call(pt_extractor *x, TSNode f)
{
	bool scoped = ts_node_symbol(f) == x->S.scoped_ident;
	TSNode site = scoped ? child(f, x->F.name) : f;
	if (null(site) || ex_is_local_call(x, f))
		return;
	pt_strbuf *b = &x->tmp;
	int q;
	b->len = 0;
	int k = ex_path_text(x, f, b, &q, 0);
	if (!k) {
		/* `<[T]>::len(..)`: a method of a type we cannot name */
		fact_ref *r = ex_add_ref(x, FR_CALL_METHOD, span_of(site), 0);
		r->name = ex_intern_ident(x, site);
		return;
	}
	const char *sep = memmem(b->buf, b->len, "::", 2);
	const gparam *g = (sep && !q) ? ex_gen_find(x, b->buf, (size_t)(sep - b->buf)) : NULL;
	if (g && g->bounds) {
		fact_ref *r = ex_add_ref(x, FR_CALL_PATH, span_of(site), 0);
		r->recv_kind = RECV_BOUND;
		r->recv_path = g->bounds;
		r->name = ex_intern_ident(x, site);
		r->recv_name = ex_assoc_seg(x, b, sep);
		return;
	}
	uint32_t path = ex_intern_buf(x, b);
	uint32_t self = q ? qualified_self(x, f) : 0;
	fact_ref *r = ex_add_ref(x, FR_CALL_PATH, span_of(site), path);
	r->flags = q ? FR_QUALIFIED : 0;
	if (self) {
		r->recv_kind = RECV_TYPE;
		r->recv_path = self;
	}
}

static void method_call(pt_extractor *x, TSNode fe)
{
	TSNode name = child(fe, x->F.field);
	if (null(name) || ts_node_symbol(name) != x->S.field_ident)
		return;
	desc d = ex_recv_of(x, child(fe, x->F.value));
	uint32_t nm = ex_intern_ident(x, name);
	fact_ref *r = ex_add_ref(x, FR_CALL_METHOD, span_of(name), 0);
	r->name = nm;
	r->recv_kind = d.kind;
	r->recv_path = d.path;
	r->recv_name = d.name;
}

/* The path a parenthesized callee holds: `(Self::write_u16)(chunk, n)`
 * calls the fn as `Self::write_u16(chunk, n)` does. A macro's `$write(..)`
 * with `$write:expr` bound to a path of several tokens is written so in an
 * expansion (rustc keeps an expression fragment one operand). Anything else
 * in the parentheses stays as it is: `(self.f)(x)` calls the value of a
 * field, not a method. */
static TSNode unparenthesized_path(pt_extractor *x, TSNode f)
{
	TSNode in = f;
	while (!null(in) && ts_node_symbol(in) == x->S.paren_expr &&
	       ts_node_named_child_count(in) == 1)
		in = ts_node_named_child(in, 0);
	if (null(in) || in.id == f.id)
		return f;
	TSSymbol s = ts_node_symbol(in);
	if (s == x->S.generic_function)
		in = child(in, x->F.function);
	if (!null(in) &&
	    (ts_node_symbol(in) == x->S.ident || ts_node_symbol(in) == x->S.scoped_ident))
		return in;
	return f;
}

void ex_on_call(pt_extractor *x, TSNode n)
{
	TSNode f = child(n, x->F.function);
	if (!null(f) && ts_node_symbol(f) == x->S.generic_function)
		f = child(f, x->F.function);
	if (null(f))
		return;
	f = unparenthesized_path(x, f);
	TSSymbol s = ts_node_symbol(f);
	if (s == x->S.field_expr)
		method_call(x, f);
	else if (s == x->S.ident || s == x->S.scoped_ident)
		path_call(x, f);
}

static bool all_caps(const char *s, size_t n)
{
	bool upper = false;
	if (n < 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (!(c == '_' || (c >= '0' && c <= '9')))
			return false;
	}
	return upper;
}

/* A name that starts with a capital and has a small letter (`Fast`,
 * `Ordering`): in expression or pattern position, a unit struct or an
 * enum's variant; not the prelude's Option and Result variants, which
 * are never the workspace's. */
static bool camel(const char *s, size_t n)
{
	if (n < 1 || s[0] < 'A' || s[0] > 'Z' || text_is(s, n, "Some") || text_is(s, n, "None") ||
	    text_is(s, n, "Ok") || text_is(s, n, "Err") || text_is(s, n, "Self"))
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return true;
	return false; /* `X`: a generic const, likely */
}

/* An ALL_CAPS name in expression position (a const or static), or a
 * CamelCase one (a variant, a unit struct). */
void ex_on_ident(pt_extractor *x, TSTreeCursor *c, TSNode n, size_t d)
{
	size_t len;
	const char *s = ident(x, n, &len);
	if (!all_caps(s, len) && !camel(s, len))
		return;
	uint8_t p = up_role(x, d, 1);
	TSFieldId f = ts_tree_cursor_current_field_id(c);
	if (f == x->F.name || (p == R_CALL && f == x->F.function) || f == x->F.macro)
		return;
	ex_add_ref(x, FR_TYPE, span_of(n), ex_intern(x, s, len));
}

/* `a::B_C` in expression position, when its last name is ALL_CAPS (a
 * const); `E::A` in expression or pattern position, when it is CamelCase
 * (a variant); not a call's callee (path_call has it). */
void ex_on_scoped_ident(pt_extractor *x, TSTreeCursor *c, TSNode n, size_t d)
{
	TSNode name = child(n, x->F.name);
	if (null(name))
		return;
	size_t len;
	const char *s = ident(x, name, &len);
	bool letter = len == 1 && s[0] >= 'A' && s[0] <= 'Z'; /* `E::A`: a path, not a generic */
	if (!all_caps(s, len) && !camel(s, len) && !letter)
		return;
	if (up_role(x, d, 1) == R_CALL && ts_tree_cursor_current_field_id(c) == x->F.function)
		return;
	int q;
	x->tmp.len = 0;
	if (ex_path_text(x, n, &x->tmp, &q, 0))
		ex_add_ref(x, FR_TYPE, span_of(n), ex_intern_buf(x, &x->tmp));
}

void ex_on_type_ident(pt_extractor *x, TSTreeCursor *c, TSNode n, size_t d)
{
	size_t len;
	const char *s = ident(x, n, &len);
	uint8_t p = up_role(x, d, 1);
	if (text_is(s, len, "Self") || text_is(s, len, "_") || p == R_TYPE_PARAMS)
		return;
	TSFieldId f = ts_tree_cursor_current_field_id(c);
	if ((f == x->F.name && p != R_STRUCT_EXPR) || (f == x->F.left && p == R_CONSTRAINED) ||
	    ex_gen_find(x, s, len))
		return;
	ex_add_ref(x, FR_TYPE, span_of(n), ex_intern(x, s, len));
}

/* Returns whether to look inside (only when the path had no usable text). */
bool ex_on_scoped_type(pt_extractor *x, TSNode n)
{
	int q;
	x->tmp.len = 0;
	if (!ex_path_text(x, n, &x->tmp, &q, 0))
		return true;
	const char *sep = memmem(x->tmp.buf, x->tmp.len, "::", 2);
	if (!q && sep && ex_gen_find(x, x->tmp.buf, (size_t)(sep - x->tmp.buf)))
		return false;
	ex_add_ref(x, FR_TYPE, span_of(n), ex_intern_buf(x, &x->tmp));
	return false;
}
