/* graph/extract_locals.c — locals and receivers: what the code says a value is.
 *
 * The names a fn body binds (params, lets, the patterns of match arms, `for`
 * loops and `if let`, closure params) are kept in x->locals, chained per hash
 * bucket: a lookup reads only its bucket, and truncating the vector when the
 * walk leaves a scope brings back whatever the dropped names shadowed. Each
 * carries a receiver descriptor (desc: a RECV_ kind and pool offsets) built
 * from declared types, constructor calls, struct literals, fields, method
 * results and the other steps a RECV_CHAIN records for the resolver to finish.
 * The walk (extract.c) binds names as it enters and leaves nodes; method calls,
 * there and in macro tokens (extract_macro.c), read the descriptors back.
 */
#define _GNU_SOURCE
#include "extract_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_CHAIN 160 /* bytes of a receiver chain's steps (RECV_CHAIN) */

/* ---- locals and receivers -------------------------------------------------- */

static uint32_t bucket(const char *s, size_t n)
{
	return ((unsigned char)s[0] * 31u + (unsigned char)s[n - 1] + (uint32_t)n) &
	       (LOCAL_BUCKETS - 1);
}

static void bind(pt_extractor *x, TSNode name, desc d)
{
	size_t n;
	const char *s = ident(x, name, &n);
	if (n == 0)
		return;
	uint32_t b = bucket(s, n);
	local l = {(uint32_t)x->names.len, (uint32_t)n, d, x->heads[b], false};
	pt_strbuf_add(&x->names, s, n);
	pt_vec_push(&x->locals, l);
	x->heads[b] = (int32_t)x->locals.n - 1;
}

void ex_locals_truncate(pt_extractor *x, uint32_t n)
{
	while (x->locals.n > n) {
		const local *l = &x->locals.v[--x->locals.n];
		x->heads[bucket(x->names.buf + l->start, l->len)] = l->prev;
	}
}

const local *ex_lookup_str(const pt_extractor *x, const char *s, size_t n)
{
	if (n == 0)
		return NULL;
	for (int32_t i = x->heads[bucket(s, n)]; i >= (int32_t)x->cx.fn_base;
	     i = x->locals.v[i].prev) {
		const local *l = &x->locals.v[i];
		if (l->len == n && memcmp(x->names.buf + l->start, s, n) == 0)
			return l;
	}
	return NULL;
}

static const local *lookup(const pt_extractor *x, TSNode name)
{
	size_t n;
	const char *s = ident(x, name, &n);
	return ex_lookup_str(x, s, n);
}

/* Parts of a pattern that bind nothing: `Path(..)` heads, types of closure
 * params, match guards. */
static bool skip_field(const pt_extractor *x, TSFieldId f)
{
	return f && (f == x->F.type || f == x->F.condition);
}

/* Bind every name a pattern introduces as unknown, so it shadows. */
static void bind_pattern_none(pt_extractor *x, TSNode pat)
{
	TSTreeCursor *c = &x->aux;
	const symbols *S = &x->S;
	ts_tree_cursor_reset(c, pat);
	int depth = 0;
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(c);
		TSSymbol s = ts_node_symbol(n);
		bool down = false;
		if (s == S->ident || s == S->shorthand_field_ident)
			bind(x, n, (desc){0});
		else if (s != S->scoped_ident && s != S->field_ident && depth < 64)
			down = depth == 0 || !skip_field(x, ts_tree_cursor_current_field_id(c));
		if (down && ts_tree_cursor_goto_first_child(c)) {
			depth++;
			continue;
		}
		while (depth > 0 && !ts_tree_cursor_goto_next_sibling(c)) {
			ts_tree_cursor_goto_parent(c);
			depth--;
		}
		if (depth == 0)
			return;
	}
}

/* A parameter or `let` type as a receiver descriptor. */
static desc desc_of_type(pt_extractor *x, TSNode t)
{
	desc d = {0};
	x->tmp.len = 0;
	int k = null(t) ? TY_NONE : ex_type_norm(x, t, TY_UNWRAP | TY_ALL | TY_ELEM, &x->tmp, 0);
	if (k == TY_NONE)
		return d;
	if (k == TY_PATH && !memmem(x->tmp.buf, x->tmp.len, "::", 2)) {
		const gparam *g = ex_gen_find(x, x->tmp.buf, x->tmp.len);
		if (g) {
			if (g->bounds)
				d = (desc){RECV_BOUND, g->bounds, 0};
			return d;
		}
	}
	return (desc){k == TY_BOUND ? RECV_BOUND : RECV_TYPE, ex_intern_buf(x, &x->tmp), 0};
}

desc ex_self_desc(pt_extractor *x)
{
	return (desc){RECV_TYPE, ex_intern(x, "Self", 4), 0};
}

static desc lookup_desc(pt_extractor *x, TSNode n)
{
	if (ts_node_symbol(n) == x->S.self)
		return ex_self_desc(x);
	const local *l = ts_node_symbol(n) == x->S.ident ? lookup(x, n) : NULL;
	return l ? l->d : (desc){0};
}

/* One step from the value b describes (see RECV_CHAIN): op '.' field name,
 * ':' the result of method name, '?' the value inside an Option/Result,
 * '*' an item of iterating it, '[' an element by index, '!' an Option
 * holding it (`Some(e)`). A type's field or
 * method result stays RECV_FIELD/RECV_MRET; `.clone()`/`.to_owned()` give
 * b itself. */
desc ex_chain_op(pt_extractor *x, desc b, char op, const char *name, size_t n)
{
	if (b.kind == RECV_NONE)
		return b;
	if (op == ':' && (text_is(name, n, "clone") || text_is(name, n, "to_owned")))
		return b;
	if (b.kind == RECV_TYPE && op == '.')
		return (desc){RECV_FIELD, b.path, ex_intern(x, name, n)};
	if (b.kind == RECV_TYPE && op == ':')
		return (desc){RECV_MRET, b.path, ex_intern(x, name, n)};
	pt_strbuf *s = &x->chain;
	s->len = 0;
	const pt_strpool *p = &x->out->pool;
	switch (b.kind) {
	case RECV_TYPE: pt_strbuf_addc(s, 'T'); break;
	case RECV_FIELD: pt_strbuf_printf(s, "T.%s", pt_strpool_get(p, b.name)); break;
	case RECV_MRET: pt_strbuf_printf(s, "T:%s", pt_strpool_get(p, b.name)); break;
	case RECV_RET: pt_strbuf_addc(s, 'R'); break;
	case RECV_BOUND: pt_strbuf_addc(s, 'B'); break;
	case RECV_CHAIN: pt_strbuf_adds(s, pt_strpool_get(p, b.name)); break;
	default: return (desc){0};
	}
	if (s->len + n + 1 > MAX_CHAIN)
		return (desc){0};
	pt_strbuf_addc(s, op);
	pt_strbuf_add(s, name, n);
	return (desc){RECV_CHAIN, b.path, ex_intern_buf(x, s)};
}

static desc chain_ident(pt_extractor *x, desc b, char op, TSNode name)
{
	size_t n;
	const char *s = ident(x, name, &n);
	return n ? ex_chain_op(x, b, op, s, n) : (desc){0};
}

/* `e.f`, `e.0` with the value of e described. */
static desc field_desc(pt_extractor *x, TSNode fe)
{
	TSNode v = child(fe, x->F.value), f = child(fe, x->F.field);
	if (null(v) || null(f))
		return (desc){0};
	return chain_ident(x, ex_recv_of(x, v), '.', f);
}

bool ex_is_local_call(pt_extractor *x, TSNode f)
{
	return ts_node_symbol(f) == x->S.ident && lookup(x, f) != NULL;
}

/* `recv.m(..)` as the value it returns, when recv's value is described. */
static desc method_ret_desc(pt_extractor *x, TSNode fe)
{
	TSNode v = child(fe, x->F.value), m = child(fe, x->F.field);
	if (null(v) || null(m) || ts_node_symbol(m) != x->S.field_ident)
		return (desc){0};
	return chain_ident(x, ex_recv_of(x, v), ':', m);
}

/* Whether path text p names a std constructor whose value reaches its
 * argument's methods: `Pin::new(&mut x)` (a Pin derefs to what it pins),
 * `Box::new(x)`, `Box::pin(x)`, `Rc::new(x)`, `Arc::new(x)`; or a std fn
 * that returns a value of its first argument's type: `mem::replace(dest,
 * v)`, `mem::take(dest)` (dest a `&mut T`, the result a T). */
bool ex_wraps_its_argument(const char *p, size_t n)
{
	static const char *const heads[] = {
		"",          "std::pin::",  "core::pin::", "std::boxed::", "alloc::boxed::",
		"std::rc::", "std::sync::", "std::",       "core::",       NULL};
	static const char *const calls[] = {
		"Pin::new", "Pin::new_unchecked", "Box::new",  "Box::pin", "Rc::new",
		"Arc::new", "mem::replace",       "mem::take", NULL};
	for (const char *const *h = heads; *h; h++) {
		size_t hn = strlen(*h);
		if (n <= hn || memcmp(p, *h, hn))
			continue;
		for (const char *const *c = calls; *c; c++)
			if (text_is(p + hn, n - hn, *c))
				return true;
	}
	return false;
}

/* The first argument of a call, NULL node if none. */
static TSNode first_arg(pt_extractor *x, TSNode call)
{
	TSNode args = child(call, x->F.arguments);
	uint32_t n = null(args) ? 0 : ts_node_named_child_count(args);
	for (uint32_t i = 0; i < n; i++) {
		TSNode a = ts_node_named_child(args, i);
		if (!strstr(ts_node_type(a), "comment") &&
		    strcmp(ts_node_type(a), "attribute_item"))
			return a;
	}
	return (TSNode){0};
}

/* `Path::f(..)` / `f(..)` as the value it returns. */
static desc call_desc(pt_extractor *x, TSNode call)
{
	TSNode f = child(call, x->F.function);
	if (!null(f) && ts_node_symbol(f) == x->S.generic_function)
		f = child(f, x->F.function); /* `f::<T>(..)`, `a.m::<T>(..)` */
	if (!null(f) && ts_node_symbol(f) == x->S.field_expr)
		return method_ret_desc(x, f);
	if (null(f) ||
	    (ts_node_symbol(f) != x->S.ident && ts_node_symbol(f) != x->S.scoped_ident) ||
	    ex_is_local_call(x, f))
		return (desc){0};
	int q;
	x->tmp.len = 0;
	int k = ex_path_text(x, f, &x->tmp, &q, 0);
	if (!k || q)
		return (desc){0};
	if (ex_wraps_its_argument(x->tmp.buf, x->tmp.len)) {
		TSNode a = first_arg(x, call);
		return null(a) ? (desc){0} : ex_recv_of(x, a);
	}
	if (text_is(x->tmp.buf, x->tmp.len, "Some")) {
		/* `let mut cb = Some(self)`: an Option of the argument's value */
		TSNode a = first_arg(x, call);
		return null(a) ? (desc){0} : ex_chain_op(x, ex_recv_of(x, a), '!', "", 0);
	}
	/* `T::new()` with T a generic parameter stays a path: the resolver
	 * types it through T's bounds */
	return (desc){RECV_RET, ex_intern_buf(x, &x->tmp), 0};
}

/* A path used as a value that no local binds, capitalised: a unit struct
 * (`Plain`, `m::Plain`), a unit variant, a const or a static, whose value
 * the resolver reads as that of the path (a type's own name gives the
 * type, a const or static its type). */
static desc unit_value(pt_extractor *x, TSNode e)
{
	int q;
	x->tmp.len = 0;
	if (!ex_path_text(x, e, &x->tmp, &q, 0) || q)
		return (desc){0};
	const char *last = x->tmp.buf;
	for (const char *p = x->tmp.buf; p + 1 < x->tmp.buf + x->tmp.len; p++)
		if (p[0] == ':' && p[1] == ':')
			last = p + 2;
	size_t n = (size_t)(x->tmp.buf + x->tmp.len - last);
	if (!n || !isupper((unsigned char)*last) || text_is(last, n, "Self"))
		return (desc){0};
	return (desc){RECV_RET, ex_intern_buf(x, &x->tmp), 0};
}

/* The tail expression of a block that holds nothing else (`unsafe { e }`). */
static TSNode block_value(pt_extractor *x, TSNode b)
{
	if (ts_node_symbol(b) == x->S.unsafe_block)
		b = ts_node_named_child(b, 0);
	if (null(b) || ts_node_symbol(b) != x->S.block || ts_node_named_child_count(b) != 1)
		return (TSNode){0};
	TSNode e = ts_node_named_child(b, 0);
	const char *t = ts_node_type(e);
	size_t n = strlen(t);
	if ((n > 10 && !strcmp(t + n - 10, "_statement")) ||
	    (n > 12 && !strcmp(t + n - 12, "_declaration")) ||
	    (n > 5 && !strcmp(t + n - 5, "_item")))
		return (TSNode){0};
	return e;
}

/* The last named child of n that is not a comment. */
static TSNode last_named(TSNode n)
{
	for (uint32_t i = ts_node_named_child_count(n); i > 0; i--) {
		TSNode c = ts_node_named_child(n, i - 1);
		if (!strstr(ts_node_type(c), "comment"))
			return c;
	}
	return (TSNode){0};
}

/* Whether expression e never yields a value: `return`, `break`,
 * `continue`, `panic!(..)` and its kin, or a block ending in one. */
static bool diverges(pt_extractor *x, TSNode e)
{
	const symbols *S = &x->S;
	for (int guard = 0; guard < 16 && !null(e); guard++) {
		TSSymbol s = ts_node_symbol(e);
		if (s == S->return_expr || s == S->break_expr || s == S->continue_expr)
			return true;
		if (s == S->unsafe_block || s == S->expr_stmt || s == S->paren_expr) {
			e = ts_node_named_child(e, 0);
		} else if (s == S->block) {
			e = last_named(e);
		} else if (s == S->macro_inv) {
			TSNode m = child(e, x->F.macro);
			if (!null(m) && ts_node_symbol(m) == S->scoped_ident)
				m = child(m, x->F.name);
			size_t n = 0;
			const char *t = null(m) ? "" : ident(x, m, &n);
			return text_is(t, n, "panic") || text_is(t, n, "unreachable") ||
			       text_is(t, n, "todo") || text_is(t, n, "unimplemented");
		} else {
			return false;
		}
	}
	return false;
}

/* `match v { p => e, .. }`: the value of the first arm that does not
 * diverge and whose value is described, read with the names of the arm's
 * pattern bound to v's value (every arm has one type). With n > 0 that
 * value must be an n-tuple `(a, b)` and d[k] gets its k-th element's;
 * else d[0] gets the whole value's. Returns false when no arm tells. */
static bool match_value(pt_extractor *x, TSNode m, uint32_t n, desc *d)
{
	TSNode body = child(m, x->F.body);
	uint32_t na = null(body) ? 0 : ts_node_named_child_count(body);
	desc s = {0};
	bool scrutinee = false;
	for (uint32_t i = 0; i < na; i++) {
		TSNode arm = ts_node_named_child(body, i);
		TSNode pat = child(arm, x->F.pattern), v = child(arm, x->F.value);
		if (ts_node_symbol(arm) != x->S.match_arm || null(v) || diverges(x, v))
			continue;
		if (!scrutinee) {
			s = ex_recv_of(x, child(m, x->F.value));
			scrutinee = true;
		}
		uint32_t mark = x->locals.n;
		if (!null(pat))
			ex_bind_pattern(x, pat, s);
		bool known = false;
		if (n == 0) {
			d[0] = ex_recv_of(x, v);
			known = d[0].kind != RECV_NONE;
		} else {
			while (ts_node_symbol(v) == x->S.paren_expr)
				v = ts_node_named_child(v, 0);
			if (ts_node_symbol(v) == x->S.tuple_expr &&
			    ts_node_named_child_count(v) == n) {
				for (uint32_t k = 0; k < n; k++) {
					d[k] = ex_recv_of(x, ts_node_named_child(v, k));
					known = known || d[k].kind != RECV_NONE;
				}
			}
		}
		ex_locals_truncate(x, mark);
		if (known)
			return true;
	}
	return false;
}

/* Whether n is an expression of a list (not an attribute or comment). */
static bool is_expr_elem(TSNode n)
{
	const char *t = ts_node_type(n);
	return !strstr(t, "comment") && strcmp(t, "attribute_item");
}

/* `(a, b)` as the type "()<A,B>" when an element's type is known ("_" for
 * the others, see fact_item.ret_type). */
static desc tuple_desc(pt_extractor *x, TSNode e)
{
	pt_strbuf b = {0};
	pt_strbuf_adds(&b, "()<");
	uint32_t n = ts_node_named_child_count(e), k = 0, known = 0;
	for (uint32_t i = 0; i < n && k <= 16; i++) {
		TSNode el = ts_node_named_child(e, i);
		if (!is_expr_elem(el))
			continue;
		desc d = ex_recv_of(x, el);
		if (k++)
			pt_strbuf_addc(&b, ',');
		if (d.kind == RECV_TYPE) {
			pt_strbuf_adds(&b, pt_strpool_get(&x->out->pool, d.path));
			known++;
		} else {
			pt_strbuf_addc(&b, '_');
		}
	}
	pt_strbuf_addc(&b, '>');
	desc r = known && k <= 16 ? (desc){RECV_TYPE, ex_intern_buf(x, &b), 0} : (desc){0};
	pt_strbuf_free(&b);
	return r;
}

/* Whether unary expression u is the `!(..)` of a Rust 2015 `try!(..)`:
 * the grammar knows `try` only as a keyword and leaves it an error just
 * before. */
static bool try_bang(const pt_extractor *x, TSNode u)
{
	TSNode op = ts_node_child(u, 0), prev = ts_node_prev_sibling(u), up = ts_node_parent(u);
	if (null(prev) && !null(up) && ts_node_symbol(up) == x->S.expr_stmt &&
	    ts_node_start_byte(up) == ts_node_start_byte(u))
		prev = ts_node_prev_sibling(up); /* `try!(e);` as a statement */
	if (null(op) || ts_node_is_named(op) || strcmp(ts_node_type(op), "!") || null(prev) ||
	    ts_node_symbol(prev) != (TSSymbol)-1)
		return false;
	size_t n;
	const char *s = ident(x, prev, &n);
	return text_is(s, n, "try");
}

/* Whether paren expression p is the argument of a `try!(..)`: its value is
 * what `?` takes out (`try!(a.b()).c()`: the grammar reads `!((a.b()).c())`). */
static bool try_arg(const pt_extractor *x, TSNode p)
{
	uint32_t at = ts_node_start_byte(p);
	TSNode u = ts_node_parent(p);
	for (int guard = 0; guard < 32 && !null(u) && ts_node_start_byte(u) == at; guard++)
		u = ts_node_parent(u);
	return !null(u) && ts_node_symbol(u) == x->S.unary_expr &&
	       ts_node_start_byte(u) + 1 == at && try_bang(x, u);
}

static desc recv_of_inner(pt_extractor *x, TSNode e)
{
	const symbols *S = &x->S;
	bool derefs = false;
	for (int guard = 0; guard < 64 && !null(e); guard++) {
		TSSymbol s = ts_node_symbol(e);
		if (s == S->paren_expr && try_arg(x, e)) {
			return ex_chain_op(x, ex_recv_of(x, ts_node_named_child(e, 0)), '?', "", 0);
		} else if (s == S->paren_expr) {
			e = ts_node_named_child(e, 0);
		} else if (s == S->unary_expr && try_bang(x, e)) {
			e = ts_node_named_child(e, 0); /* `try!(e)`: the paren says `?` */
		} else if (s == S->reference_expr) {
			e = child(e, x->F.value);
		} else if (s == S->unary_expr && !derefs) {
			/* `*e`: a reference or pointer read through; `**e` goes
			 * through a Deref impl, which we do not follow */
			TSNode op = ts_node_child(e, 0);
			if (null(op) || ts_node_is_named(op) || strcmp(ts_node_type(op), "*"))
				break;
			e = ts_node_named_child(e, 0);
			derefs = true;
		} else if (s == S->unary_expr) {
			/* `**self` in an impl for `&mut T` / `Box<T>`: the T */
			TSNode op = ts_node_child(e, 0), v = ts_node_named_child(e, 0);
			while (!null(v) && ts_node_symbol(v) == S->paren_expr)
				v = ts_node_named_child(v, 0);
			if (x->cx.deref_self && !null(op) && !ts_node_is_named(op) &&
			    !strcmp(ts_node_type(op), "*") && !null(v) &&
			    ts_node_symbol(v) == S->self)
				return (desc){RECV_BOUND, x->cx.deref_self, 0};
			break;
		} else if (s == S->block || s == S->unsafe_block) {
			e = block_value(x, e);
		} else if (s == S->if_expr) {
			/* both branches have one type: the first's (not after `if let`,
			 * whose names the branch may use) */
			TSNode cond = child(e, x->F.condition);
			if (null(cond) || ts_node_symbol(cond) == S->let_condition ||
			    ts_node_symbol(cond) == S->let_chain)
				break;
			e = block_value(x, child(e, x->F.consequence));
		} else if (s == S->self || s == S->ident) {
			desc d = lookup_desc(x, e);
			return d.kind == RECV_NONE && s == S->ident ? unit_value(x, e) : d;
		} else if (s == S->scoped_ident) {
			return unit_value(x, e);
		} else if (s == S->field_expr) {
			return field_desc(x, e);
		} else if (s == S->call_expr) {
			return call_desc(x, e);
		} else if (s == S->try_expr) {
			return ex_chain_op(x, ex_recv_of(x, ts_node_named_child(e, 0)), '?', "", 0);
		} else if (s == S->index_expr) {
			TSNode a = ts_node_named_child(e, 0), i = ts_node_named_child(e, 1);
			if (null(i))
				break;
			if (ts_node_symbol(i) == S->range_expr) {
				e = a; /* `a[i..]`: a slice of the same items */
				continue;
			}
			return ex_chain_op(x, ex_recv_of(x, a), '[', "", 0);
		} else if (s == S->tuple_expr) {
			return tuple_desc(x, e);
		} else if (s == S->match_expr) {
			desc d;
			return match_value(x, e, 0, &d) ? d : (desc){0};
		} else if (s == S->struct_expr) {
			TSNode name = child(e, x->F.name);
			uint32_t p = ex_type_path(x, name, 0);
			return p ? (desc){RECV_TYPE, p, 0} : (desc){0};
		} else {
			break;
		}
	}
	return (desc){0};
}

/* What the code says about the value of expression e. */
desc ex_recv_of(pt_extractor *x, TSNode e)
{
	if (x->mret_depth > 12)
		return (desc){0};
	x->mret_depth++;
	desc d = recv_of_inner(x, e);
	x->mret_depth--;
	return d;
}

/* Whether a `Path(..)` pattern's path is `Some` or `Ok` (the value
 * inside an Option or Result). */
static bool is_some_or_ok(pt_extractor *x, TSNode path)
{
	if (!null(path) && ts_node_symbol(path) == x->S.scoped_ident)
		path = child(path, x->F.name);
	if (null(path) || ts_node_symbol(path) != x->S.ident)
		return false;
	size_t n;
	const char *s = ident(x, path, &n);
	return text_is(s, n, "Some") || text_is(s, n, "Ok");
}

/* The elements of a tuple pattern, `_` included (at most 16; 0 if more). */
static uint32_t tuple_elems(TSNode pat, TSNode *el)
{
	uint32_t n = ts_node_child_count(pat), k = 0;
	for (uint32_t i = 0; i < n; i++) {
		TSNode c = ts_node_child(pat, i);
		if (!ts_node_is_named(c) && strcmp(ts_node_type(c), "_"))
			continue;
		if (k == 16)
			return 0;
		el[k++] = c;
	}
	return k;
}

/* Type the names pattern pat binds, its value being described by s (may
 * be unknown). A name takes s; `ref`/`mut`/`&`/`x @`/`|` pass s down;
 * `Some(p)`/`Ok(p)` give p the inside of s; names inside `Path(a, b)` and
 * `Path { f, g: h }` get the field they take: RECV_FIELD of Path with
 * field "0"/"f" (for an enum variant `E::V` the resolver reads the
 * variant's fields "V.0"/"V.f"). Run after bind_pattern_none. */
static void type_pattern(pt_extractor *x, TSNode pat, int depth, desc s)
{
	if (null(pat) || depth > 16)
		return;
	TSSymbol sy = ts_node_symbol(pat);
	if (sy == x->S.ident) {
		if (s.kind != RECV_NONE)
			bind(x, pat, s);
		return;
	}
	const char *t = ts_node_type(pat);
	bool tuple = !strcmp(t, "tuple_struct_pattern"), strct = !strcmp(t, "struct_pattern");
	uint32_t n = ts_node_named_child_count(pat);
	if (!tuple && !strct) {
		bool same = !strcmp(t, "match_pattern") || !strcmp(t, "ref_pattern") ||
			    !strcmp(t, "mut_pattern") || !strcmp(t, "or_pattern") ||
			    !strcmp(t, "reference_pattern") || sy == x->S.captured_pattern;
		bool tup = sy == x->S.tuple_pattern;
		if (!same && !tup)
			return;
		if (tup) {
			TSNode el[16];
			uint32_t ne = tuple_elems(pat, el);
			for (uint32_t k = 0; k < ne; k++) {
				if (ts_node_symbol(el[k]) == x->S.rest_pattern)
					s = (desc){
						0}; /* `(a, .., z)`: positions unknown after `..` */
				char idx[16];
				int len = snprintf(idx, sizeof idx, "%u", k);
				type_pattern(x, el[k], depth + 1,
					     ex_chain_op(x, s, '.', idx, (size_t)len));
			}
			return;
		}
		TSNode cond = child(pat, x->F.condition);
		for (uint32_t k = 0; k < n; k++) {
			TSNode sub = ts_node_named_child(pat, k);
			if (!ts_node_eq(sub, cond))
				type_pattern(x, sub, depth + 1, s);
		}
		return;
	}
	TSNode type = child(pat, x->F.type);
	if (tuple && s.kind != RECV_NONE && is_some_or_ok(x, type)) {
		desc in = ex_chain_op(x, s, '?', "", 0);
		for (uint32_t k = 0; k < n; k++) {
			TSNode sub = ts_node_named_child(pat, k);
			if (!ts_node_eq(sub, type))
				type_pattern(x, sub, depth + 1, in);
		}
		return;
	}
	int q;
	x->tmp.len = 0;
	uint32_t path = (!null(type) && ex_path_text(x, type, &x->tmp, &q, 0) && !q)
				? ex_intern_buf(x, &x->tmp)
				: 0;
	unsigned idx = 0;
	/* a tuple pattern's `_` is no named node, yet takes its position
	 * (`V(_, x)`: x is field 1); after `..` the positions are unknown */
	if (tuple)
		n = ts_node_child_count(pat);
	for (uint32_t k = 0; k < n; k++) {
		TSNode sub = tuple ? ts_node_child(pat, k) : ts_node_named_child(pat, k);
		if (ts_node_eq(sub, type))
			continue;
		char field[16];
		uint32_t fname = 0;
		TSNode inner = sub;
		if (tuple && ts_node_symbol(sub) == x->S.rest_pattern)
			break;
		if (tuple && !ts_node_is_named(sub) && strcmp(ts_node_type(sub), "_"))
			continue; /* `(`, `,`, `)` */
		if (tuple && !ts_node_is_named(sub)) {
			idx++;
			continue;
		}
		if (tuple) {
			int len = snprintf(field, sizeof field, "%u", idx++);
			fname = ex_intern(x, field, (size_t)len);
		} else if (!strcmp(ts_node_type(sub), "field_pattern")) {
			TSNode fn = child(sub, x->F.name), fp = child(sub, x->F.pattern);
			if (null(fn))
				continue;
			fname = ex_intern_ident(x, fn);
			inner = null(fp) ? fn : fp;
		} else {
			continue;
		}
		desc fd = path ? (desc){RECV_FIELD, path, fname} : (desc){0};
		if (!null(inner) && ts_node_symbol(inner) == x->S.shorthand_field_ident) {
			if (path)
				bind(x, inner, fd);
		} else {
			type_pattern(x, inner, depth + 1, fd);
		}
	}
}

void ex_bind_pattern(pt_extractor *x, TSNode pat, desc s)
{
	bind_pattern_none(x, pat);
	type_pattern(x, pat, 0, s);
}

/* Closure params that take the items of the receiver: `it.map(|x| ..)`.
 * Returns the index of the one param that does (-1: all of them, as in
 * `v.sort_by(|a, b| ..)`), or -2 when none is known to. */
static int item_param(const char *m, size_t n)
{
	static const char *const one[] = {
		"map",
		"filter",
		"for_each",
		"any",
		"all",
		"find",
		"position",
		"rposition",
		"filter_map",
		"flat_map",
		"take_while",
		"skip_while",
		"map_while",
		"inspect",
		"max_by_key",
		"min_by_key",
		"retain",
		"retain_mut",
		"sort_by_key",
		"sort_unstable_by_key",
		"sort_by_cached_key",
		"and_then",
		"is_some_and",
		"is_ok_and",
		"find_map",
		"partition",
		"try_for_each",
		"map_or",
		"map_or_else",
		NULL,
	};
	static const char *const all[] = {"sort_by", "sort_unstable_by", "max_by",
					  "min_by",  "dedup_by",         NULL};
	for (int i = 0; one[i]; i++)
		if (text_is(m, n, one[i]))
			return 0;
	for (int i = 0; all[i]; i++)
		if (text_is(m, n, all[i]))
			return -1;
	if (text_is(m, n, "fold") || text_is(m, n, "try_fold"))
		return 1;
	return -2;
}

/* Value d as a 'G'/'H' chain's argument (see RECV_CHAIN): "_" when
 * unknown or itself such a chain, else its start kind, its path, and after '|' its
 * steps. */
static void put_arg(pt_extractor *x, pt_strbuf *s, desc d)
{
	const pt_strpool *p = &x->out->pool;
	const char *path = pt_strpool_get(p, d.path), *name = pt_strpool_get(p, d.name);
	switch (d.kind) {
	case RECV_TYPE: pt_strbuf_printf(s, "T%s", path); return;
	case RECV_FIELD: pt_strbuf_printf(s, "T%s|.%s", path, name); return;
	case RECV_MRET: pt_strbuf_printf(s, "T%s|:%s", path, name); return;
	case RECV_RET: pt_strbuf_printf(s, "R%s", path); return;
	case RECV_BOUND: pt_strbuf_printf(s, "B%s", path); return;
	case RECV_CHAIN:
		if (*name && *name != 'G' && *name != 'H') {
			pt_strbuf_printf(s, "%c%s|%s", *name, path, name + 1);
			return;
		}
		break;
	}
	pt_strbuf_addc(s, '_');
}

/* The params of closure cl passed, as argument arg (cl or `&cl`), to a
 * path call `f(a, |p| ..)` or to a method call `r.m(a, |p| ..)` whose
 * method does not hand it its receiver's items: a 'G' (path) or 'H'
 * (method) chain per param (see RECV_CHAIN) that the resolver reads
 * through the callee's signature; ps[i] gets param i's (at most np).
 * Returns false when the call is neither. */
static bool generic_arg_params(pt_extractor *x, TSNode call, TSNode arg, desc *ps, uint32_t np)
{
	TSNode f = child(call, x->F.function), args = child(call, x->F.arguments);
	if (!null(f) && ts_node_symbol(f) == x->S.generic_function)
		f = child(f, x->F.function);
	if (null(f) || null(args))
		return false;
	pt_strbuf a = {0}, g = {0};
	uint32_t k = 0, at = UINT32_MAX, fpath;
	char kind = 'G';
	if (ts_node_symbol(f) == x->S.field_expr) {
		/* `r.m(..)`: the receiver is the method's first argument */
		TSNode m = child(f, x->F.field);
		if (null(m) || ts_node_symbol(m) != x->S.field_ident)
			return false;
		size_t n;
		const char *mn = ident(x, m, &n);
		if (item_param(mn, n) != -2)
			return false;
		fpath = ex_intern(x, mn, n);
		kind = 'H';
		put_arg(x, &a, ex_recv_of(x, child(f, x->F.value)));
		k = 1;
	} else {
		int q;
		x->tmp.len = 0;
		if ((ts_node_symbol(f) != x->S.ident && ts_node_symbol(f) != x->S.scoped_ident) ||
		    ex_is_local_call(x, f) || !ex_path_text(x, f, &x->tmp, &q, 0) || q)
			return false;
		fpath = ex_intern_buf(x, &x->tmp);
	}
	uint32_t n = ts_node_named_child_count(args);
	for (uint32_t i = 0; i < n; i++) {
		TSNode e = ts_node_named_child(args, i);
		if (!is_expr_elem(e))
			continue;
		if (k)
			pt_strbuf_addc(&a, ';');
		if (ts_node_eq(e, arg))
			at = k;
		if (ts_node_symbol(e) == x->S.closure_expr || ts_node_eq(e, arg))
			pt_strbuf_addc(&a, '_');
		else
			put_arg(x, &a, ex_recv_of(x, e));
		k++;
	}
	for (uint32_t j = 0; j < np && at != UINT32_MAX; j++) {
		g.len = 0;
		pt_strbuf_printf(&g, "%c%u,%u{%.*s}", kind, at, j, (int)a.len, a.buf);
		ps[j] = g.len <= MAX_CHAIN ? (desc){RECV_CHAIN, fpath, ex_intern_buf(x, &g)}
					   : (desc){0};
	}
	pt_strbuf_free(&a);
	pt_strbuf_free(&g);
	return at != UINT32_MAX;
}

/* Closure params: typed when written `|x: T|`, when the closure is an
 * argument of a method that hands it the items of its receiver, or else
 * through the signature of the fn or method it is passed to
 * (generic_arg_params). The closure is at depth d, maybe behind `&`. */
void ex_bind_closure_params(pt_extractor *x, TSNode params, size_t d)
{
	desc item = {0};
	int which = -2;
	desc gen[8] = {{0}};
	uint32_t np = ts_node_named_child_count(params);
	size_t a = d; /* the argument: the closure, or `&closure` */
	while (a >= 3 && (ts_node_symbol(x->frames.v[a - 1].node) == x->S.reference_expr ||
			  ts_node_symbol(x->frames.v[a - 1].node) == x->S.paren_expr))
		a--;
	TSNode call = a >= 2 ? x->frames.v[a - 2].node : (TSNode){0};
	if (null(call) || ts_node_symbol(call) != x->S.call_expr) {
		/* not an argument */
	} else if (np && generic_arg_params(x, call, x->frames.v[a].node, gen, np < 8 ? np : 8)) {
		which = -3;
	} else if (a == d) {
		TSNode f = child(call, x->F.function);
		TSNode m = null(f) || ts_node_symbol(f) != x->S.field_expr ? (TSNode){0}
									   : child(f, x->F.field);
		if (!null(m) && ts_node_symbol(m) == x->S.field_ident) {
			size_t n;
			const char *s = ident(x, m, &n);
			which = item_param(s, n);
			if (which > -2)
				item = ex_chain_op(x, ex_recv_of(x, child(f, x->F.value)), '*', "",
						   0);
		}
	}
	bind_pattern_none(x, params);
	uint32_t n = ts_node_named_child_count(params);
	for (uint32_t i = 0; i < n; i++) {
		TSNode p = ts_node_named_child(params, i);
		if (ts_node_symbol(p) == x->S.parameter) {
			TSNode pat = child(p, x->F.pattern), t = child(p, x->F.type);
			if (!null(pat) && !null(t))
				type_pattern(x, pat, 0, desc_of_type(x, t));
			else if (!null(pat) && which == -3 && i < 8)
				type_pattern(x, pat, 0, gen[i]);
			else if (!null(pat) && (which == -1 || which == (int)i))
				type_pattern(x, pat, 0, item);
		} else if (which == -3) {
			if (i < 8)
				type_pattern(x, p, 0, gen[i]);
		} else if (which == -1 || which == (int)i) {
			type_pattern(x, p, 0, item);
		}
	}
}

void ex_bind_params(pt_extractor *x, TSNode params)
{
	uint32_t n = null(params) ? 0 : ts_node_named_child_count(params);
	for (uint32_t i = 0; i < n; i++) {
		TSNode p = ts_node_named_child(params, i);
		if (ts_node_symbol(p) != x->S.parameter)
			continue;
		TSNode pat = child(p, x->F.pattern);
		if (null(pat) || ts_node_symbol(pat) == x->S.self)
			continue;
		if (ts_node_symbol(pat) == x->S.ident)
			bind(x, pat, desc_of_type(x, child(p, x->F.type)));
		else
			bind_pattern_none(x, pat);
	}
}

/* `let (a, b) = (e, f)` (also through parens and `if c { (e, f) } ..`,
 * and `match v { p => (e, f), .. }`, see match_value): each name takes
 * its own expression. Returns false when not that shape. */
static bool bind_tuple_let(pt_extractor *x, TSNode pat, TSNode value)
{
	const symbols *S = &x->S;
	for (int guard = 0; guard < 8 && !null(value); guard++) {
		TSSymbol s = ts_node_symbol(value);
		if (s == S->paren_expr) {
			value = ts_node_named_child(value, 0);
		} else if (s == S->if_expr) {
			TSNode cond = child(value, x->F.condition);
			if (null(cond) || ts_node_symbol(cond) == S->let_condition ||
			    ts_node_symbol(cond) == S->let_chain)
				return false;
			value = block_value(x, child(value, x->F.consequence));
		} else {
			break;
		}
	}
	TSNode el[16];
	uint32_t n = tuple_elems(pat, el);
	if (null(value) || n == 0)
		return false;
	for (uint32_t k = 0; k < n; k++)
		if (ts_node_symbol(el[k]) == S->rest_pattern)
			return false;
	desc d[16];
	if (ts_node_symbol(value) == S->match_expr) {
		if (!match_value(x, value, n, d))
			return false;
	} else if (ts_node_symbol(value) == S->tuple_expr &&
		   ts_node_named_child_count(value) == n) {
		for (uint32_t k = 0; k < n; k++)
			d[k] = ex_recv_of(x, ts_node_named_child(value, k));
	} else {
		return false;
	}
	bind_pattern_none(x, pat);
	for (uint32_t k = 0; k < n; k++)
		type_pattern(x, el[k], 1, d[k]);
	return true;
}

void ex_leave_let(pt_extractor *x, TSNode let)
{
	TSNode pat = child(let, x->F.pattern);
	if (null(pat))
		return;
	TSNode t = child(let, x->F.type);
	if (null(t) && ts_node_symbol(pat) == x->S.tuple_pattern &&
	    bind_tuple_let(x, pat, child(let, x->F.value)))
		return;
	TSNode v = child(let, x->F.value);
	desc d = null(t) ? ex_recv_of(x, v) : desc_of_type(x, t);
	if (ts_node_symbol(pat) != x->S.ident) {
		ex_bind_pattern(x, pat, d);
		return;
	}
	size_t before = x->locals.n;
	bind(x, pat, d);
	if (null(t) && null(v) && x->locals.n > before)
		x->locals.v[x->locals.n - 1].later = true;
}

void ex_assign(pt_extractor *x, TSNode n, uint32_t below, bool check)
{
	TSNode left = child(n, x->F.left), right = child(n, x->F.right);
	if (null(left) || null(right) || ts_node_symbol(left) != x->S.ident)
		return;
	const local *l = lookup(x, left);
	if (!l || !l->later || l->d.kind != RECV_NONE || l >= x->locals.v + below ||
	    (check && !ex_written_in_invocation(x, left)))
		return;
	/* `let x; .. x = e;`: the variable's type is inferred from e (no
	 * coercion: there is no declared type to coerce to) */
	desc d = ex_recv_of(x, right);
	if (d.kind != RECV_NONE)
		x->locals.v[l - x->locals.v].d = d;
}
