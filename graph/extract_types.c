/* graph/extract_types.c — paths, types and generic parameters, for the extractor.
 *
 * Type syntax is normalised to the text the resolver reads: "a::b::C" with
 * generic arguments, references and lifetimes dropped, a trait object or
 * `impl Trait` as its trait (TY_BOUND), and, where receivers need it, a std
 * container with its element ("Vec<T>", "[]<T>", "()<A,B>"). The generic
 * parameters in scope, with their bounds, are kept in x->gens: the walk's
 * frames restore it on leaving an item, so a name that is a parameter here is
 * never mistaken for a type path. Called from the walk and the items
 * (extract.c), the receiver typing (extract_locals.c) and the macro scans
 * (extract_macro.c); see extract_int.h.
 */
#define _GNU_SOURCE
#include "extract_int.h"

#include <string.h>

#define MAX_TYPE_DEPTH 8 /* `<<T as A>::B as C>::D` nesting followed */

/* ---- paths and types ------------------------------------------------------ */

void ex_add_seg(pt_strbuf *out, size_t start, const char *s, size_t n)
{
	if (out->len > start)
		pt_strbuf_add(out, "::", 2);
	pt_strbuf_add(out, s, n);
}

/* The head of a path `<T as Trait>::..` or `<T>::..`: appends "Trait" or
 * "T"; sets *qual for the `as` form. */
static bool bracketed_head(pt_extractor *x, TSNode b, pt_strbuf *out, int *qual, int depth)
{
	TSNode inner = ts_node_named_child(b, 0);
	if (null(inner))
		return false;
	if (ts_node_symbol(inner) == x->S.qualified_type) {
		*qual = 1;
		inner = child(inner, x->F.alias);
	}
	return ex_type_norm(x, inner, 0, out, depth + 1) != TY_NONE;
}

/* Append the normalised path of an identifier, scoped identifier or scoped
 * type identifier ("a::b::C": generic arguments and a leading `::` dropped,
 * `r#` removed). Returns the number of segments, 0 when the path has no
 * name we can write (a metavariable, an unknown bracketed type). */
int ex_path_text(pt_extractor *x, TSNode n, pt_strbuf *out, int *qual, int depth)
{
	TSNode seg[MAX_SEGS], head = {0};
	int k = 0;
	bool has_head = false;
	const symbols *S = &x->S;
	*qual = 0;
	while (!null(n)) {
		TSSymbol s = ts_node_symbol(n);
		if (s == S->scoped_ident || s == S->scoped_type) {
			TSNode name = child(n, x->F.name);
			if (null(name) || k == MAX_SEGS)
				return 0;
			seg[k++] = name;
			n = child(n, x->F.path);
		} else if (s == S->generic_type || s == S->generic_turbofish) {
			n = child(n, x->F.type);
			if (null(n))
				return 0;
		} else if (s == S->bracketed_type) {
			head = n;
			has_head = true;
			break;
		} else if (s == S->ident || s == S->type_ident || s == S->self || s == S->crate ||
			   s == S->super || s == S->primitive) {
			if (k == MAX_SEGS)
				return 0;
			seg[k++] = n;
			break;
		} else {
			return 0;
		}
	}
	size_t start = out->len;
	if (has_head && (depth > MAX_TYPE_DEPTH || !bracketed_head(x, head, out, qual, depth))) {
		out->len = start;
		return 0;
	}
	for (int i = k - 1; i >= 0; i--) {
		size_t len;
		const char *t = ident(x, seg[i], &len);
		ex_add_seg(out, start, t, len);
	}
	return k + has_head;
}

/* The last name of a type path (`Box` of `std::boxed::Box`), NULL if none. */
static const char *type_base_name(pt_extractor *x, TSNode base, size_t *n)
{
	if (null(base))
		return NULL;
	if (ts_node_symbol(base) == x->S.scoped_type || ts_node_symbol(base) == x->S.scoped_ident)
		base = child(base, x->F.name);
	return null(base) ? NULL : ident(x, base, n);
}

bool ex_is_smart_pointer(pt_extractor *x, TSNode base)
{
	size_t n;
	const char *s = type_base_name(x, base, &n);
	return s && (text_is(s, n, "Box") || text_is(s, n, "Rc") || text_is(s, n, "Arc"));
}

/* Std containers whose element type receivers follow (TY_ELEM): the
 * value of `Option<T>`, `Result<T, E>`, items of `Vec<T>`/`VecDeque<T>`,
 * what a `NonNull<T>` points to, what the guard of a `Mutex<T>`,
 * `RwLock<T>` or `RefCell<T>` derefs to. */
static bool is_elem_wrapper(pt_extractor *x, TSNode base)
{
	size_t n;
	const char *s = type_base_name(x, base, &n);
	return s && (text_is(s, n, "Option") || text_is(s, n, "Result") || text_is(s, n, "Vec") ||
		     text_is(s, n, "VecDeque") || text_is(s, n, "NonNull") ||
		     text_is(s, n, "Mutex") || text_is(s, n, "RwLock") || text_is(s, n, "RefCell"));
}

TSNode ex_first_type_arg(pt_extractor *x, TSNode g)
{
	TSNode args = child(g, x->F.type_arguments);
	uint32_t n = null(args) ? 0 : ts_node_named_child_count(args);
	for (uint32_t i = 0; i < n; i++) {
		TSNode a = ts_node_named_child(args, i);
		if (ts_node_symbol(a) != x->S.lifetime)
			return a;
	}
	return (TSNode){0};
}

/* `A + B + 'a`: the first trait, or with TY_ALL every trait joined by '+'. */
static int bounded(pt_extractor *x, TSNode t, int opts, pt_strbuf *out, int depth)
{
	int kind = TY_NONE;
	size_t start = out->len;
	uint32_t n = ts_node_named_child_count(t);
	for (uint32_t i = 0; i < n && n <= 64; i++) {
		TSNode c = ts_node_named_child(t, i);
		TSSymbol s = ts_node_symbol(c);
		if (s == x->S.lifetime || s == x->S.removed_bound)
			continue;
		size_t at = out->len;
		if (at > start)
			pt_strbuf_addc(out, '+');
		int k = ex_type_norm(x, c, opts & ~(TY_UNWRAP | TY_ELEM), out, depth + 1);
		if (k == TY_NONE) {
			out->len = at;
			continue;
		}
		kind = (k == TY_BOUND || kind == TY_BOUND) ? TY_BOUND : TY_PATH;
		if (!(opts & TY_ALL))
			break;
	}
	return kind;
}

/* Append the normalised path of type t to out: references, pointers,
 * lifetimes and generic arguments dropped; `dyn`/`impl` give their first
 * trait (TY_BOUND); with TY_UNWRAP, Box/Rc/Arc unwrap once; tuples,
 * arrays, slices and fn pointers are unknown (TY_NONE, nothing appended). */
/* Whether a type kind names what an element is: a path, or the trait of
 * a `dyn Tr` / `impl Tr` (`Option<&dyn Value>`: its methods are Value's). */
static bool is_named(int kind)
{
	return kind == TY_PATH || kind == TY_BOUND;
}

/* With TY_ELEM: "Base<Elem>" for a std container and its element type,
 * "[]<Elem>" for slices and arrays; "Base" alone (or TY_NONE for a slice)
 * when the element has no path. */
static int elem_type(pt_extractor *x, TSNode base, TSNode elem, int opts, pt_strbuf *out, int depth)
{
	size_t at = out->len;
	int q;
	if (null(base))
		pt_strbuf_adds(out, "[]");
	else if (!ex_path_text(x, base, out, &q, depth))
		return TY_NONE;
	size_t mark = out->len;
	pt_strbuf_addc(out, '<');
	if (null(elem) || depth >= MAX_TYPE_DEPTH ||
	    !is_named(ex_type_norm(x, elem, (opts | TY_UNWRAP) & ~TY_ALL, out, depth + 1))) {
		out->len = null(base) ? at : mark;
		return null(base) ? TY_NONE : TY_PATH;
	}
	pt_strbuf_addc(out, '>');
	return TY_PATH;
}

/* With TY_ELEM, `impl Iterator<Item = T>` / `dyn DoubleEndedIterator<Item
 * = T> + '_` (and ExactSizeIterator, IntoIterator): "Iterator<T>", the
 * items' type kept as a container's element is. TY_NONE if t is not so. */
static int iter_type(pt_extractor *x, TSNode t, int opts, pt_strbuf *out, int depth)
{
	if (!null(t) && ts_node_symbol(t) == x->S.bounded_type)
		t = ts_node_named_child(t, 0);
	if (null(t) || ts_node_symbol(t) != x->S.generic_type || depth >= MAX_TYPE_DEPTH)
		return TY_NONE;
	size_t n;
	const char *b = type_base_name(x, child(t, x->F.type), &n);
	if (!b || !(text_is(b, n, "Iterator") || text_is(b, n, "DoubleEndedIterator") ||
		    text_is(b, n, "ExactSizeIterator") || text_is(b, n, "IntoIterator")))
		return TY_NONE;
	TSNode args = child(t, x->F.type_arguments);
	uint32_t na = null(args) ? 0 : ts_node_named_child_count(args);
	for (uint32_t i = 0; i < na; i++) {
		TSNode a = ts_node_named_child(args, i);
		TSNode nm = child(a, x->F.name);
		size_t ln;
		const char *l = null(nm) ? NULL : ident(x, nm, &ln);
		if (strcmp(ts_node_type(a), "type_binding") || !l || !text_is(l, ln, "Item"))
			continue;
		size_t at = out->len;
		pt_strbuf_adds(out, "Iterator<");
		if (ex_type_norm(x, child(a, x->F.type), (opts | TY_UNWRAP) & ~TY_ALL, out,
				 depth + 1) != TY_PATH) {
			out->len = at;
			return TY_NONE;
		}
		pt_strbuf_addc(out, '>');
		return TY_PATH;
	}
	return TY_NONE;
}

/* With TY_ELEM: "()<A,B>" for a tuple type, "_" for an element that has
 * no path. */
static int tuple_type(pt_extractor *x, TSNode t, int opts, pt_strbuf *out, int depth)
{
	uint32_t n = ts_node_named_child_count(t);
	if (n == 0 || n > 16 || depth >= MAX_TYPE_DEPTH)
		return TY_NONE;
	pt_strbuf_adds(out, "()<");
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			pt_strbuf_addc(out, ',');
		size_t at = out->len;
		if (!is_named(ex_type_norm(x, ts_node_named_child(t, i),
					   (opts | TY_UNWRAP) & ~TY_ALL, out, depth + 1))) {
			out->len = at;
			pt_strbuf_addc(out, '_');
		}
	}
	pt_strbuf_addc(out, '>');
	return TY_PATH;
}

/* The type inside parentheses `(T)`, which is T itself (a one-element
 * tuple is written `(T,)`); a null node for any other tuple type. */
static TSNode paren_inner(TSNode t)
{
	TSNode none = {0};
	/* `(` T `)`: three children; a trailing comma makes a fourth */
	if (ts_node_named_child_count(t) != 1 || ts_node_child_count(t) != 3)
		return none;
	return ts_node_named_child(t, 0);
}

/* Whether t is `dyn Tr`, `impl Tr` (or either `+ 'a`): a pointer to one
 * calls the trait's methods, not the pointer's own (`Box<dyn Tr>`). */
static bool is_trait_object(pt_extractor *x, TSNode t)
{
	if (!null(t) && ts_node_symbol(t) == x->S.bounded_type)
		t = ts_node_named_child(t, 0);
	return !null(t) &&
	       (ts_node_symbol(t) == x->S.dynamic_type || ts_node_symbol(t) == x->S.abstract_type);
}

/* With TY_ELEM, any other generic type `W<'a, A, B>` as "W<A,B>": its
 * type arguments ("_" for one without a path), lifetimes left out, so
 * that the resolver can put them in place of W's parameters (a Deref
 * Target that is one: `Sp<Kind>` derefs to Kind). "W" alone when it has
 * no type argument. */
static int args_type(pt_extractor *x, TSNode t, TSNode base, int opts, pt_strbuf *out, int depth)
{
	size_t at = out->len;
	int q;
	if (!ex_path_text(x, base, out, &q, depth)) {
		out->len = at;
		return TY_NONE;
	}
	TSNode args = child(t, x->F.type_arguments);
	uint32_t n = null(args) ? 0 : ts_node_named_child_count(args), k = 0;
	size_t mark = out->len;
	for (uint32_t i = 0; i < n && n <= 16 && depth < MAX_TYPE_DEPTH; i++) {
		TSNode a = ts_node_named_child(args, i);
		if (ts_node_symbol(a) == x->S.lifetime || strstr(ts_node_type(a), "comment"))
			continue;
		pt_strbuf_addc(out, k++ ? ',' : '<');
		size_t el = out->len;
		if (ex_type_norm(x, a, (opts | TY_UNWRAP) & ~TY_ALL, out, depth + 1) != TY_PATH) {
			out->len = el;
			pt_strbuf_addc(out, '_');
		}
	}
	if (k)
		pt_strbuf_addc(out, '>');
	if (k && (n > 16 || depth >= MAX_TYPE_DEPTH))
		out->len = mark;
	return TY_PATH;
}

int ex_type_norm(pt_extractor *x, TSNode t, int opts, pt_strbuf *out, int depth)
{
	const symbols *S = &x->S;
	bool bound = false, unwrapped = false;
	for (int guard = 0; guard < 256 && !null(t) && depth <= MAX_TYPE_DEPTH; guard++) {
		TSSymbol s = ts_node_symbol(t);
		if (s == S->reference_type || s == S->pointer_type || s == S->hrtb) {
			t = child(t, x->F.type);
		} else if (s == S->dynamic_type || s == S->abstract_type) {
			bound = true;
			t = child(t, x->F.trait);
			if ((opts & TY_ELEM) && iter_type(x, t, opts, out, depth) == TY_PATH)
				return TY_PATH;
		} else if (s == S->function_type) {
			t = child(t, x->F.trait);
		} else if (s == S->bounded_type) {
			/* `dyn Iterator<Item = T> + '_` */
			TSNode f = ts_node_named_child(t, 0);
			if ((opts & TY_ELEM) && !null(f) &&
			    (ts_node_symbol(f) == S->dynamic_type ||
			     ts_node_symbol(f) == S->abstract_type) &&
			    iter_type(x, child(f, x->F.trait), opts, out, depth) == TY_PATH)
				return TY_PATH;
			int k = bounded(x, t, opts, out, depth);
			return (k != TY_NONE && bound) ? TY_BOUND : k;
		} else if (s == S->generic_type) {
			TSNode base = child(t, x->F.type);
			TSNode arg = {0};
			size_t bn;
			const char *b = type_base_name(x, base, &bn);
			if ((opts & TY_UNWRAP) && b && text_is(b, bn, "Pin")) {
				/* a Pin derefs to what its pointer points to */
				TSNode p = ex_first_type_arg(x, t);
				if (!null(p)) {
					t = p;
					continue;
				}
			}
			if ((opts & TY_PTR) && (opts & TY_ELEM) && !unwrapped &&
			    ex_is_smart_pointer(x, base) &&
			    !is_trait_object(x, ex_first_type_arg(x, t))) {
				size_t at = out->len;
				if (elem_type(x, base, ex_first_type_arg(x, t), opts & ~TY_PTR, out,
					      depth) == TY_PATH &&
				    out->len > at && out->buf[out->len - 1] == '>')
					return TY_PATH;
				out->len = at; /* `Box<dyn Tr>`, `Rc<[T]>`: unwrapped */
			}
			if ((opts & TY_UNWRAP) && !unwrapped && ex_is_smart_pointer(x, base))
				arg = ex_first_type_arg(x, t);
			else if ((opts & TY_ELEM) && is_elem_wrapper(x, base))
				return elem_type(x, base, ex_first_type_arg(x, t), opts, out,
						 depth);
			else if ((opts & TY_ELEM) && !bound && (!b || !text_is(b, bn, "Pin")))
				return args_type(x, t, base, opts, out, depth);
			unwrapped |= !null(arg);
			t = null(arg) ? base : arg;
		} else if (s == x->S.tuple_type && !null(paren_inner(t))) {
			t = paren_inner(t);
		} else if (s == x->S.tuple_type && (opts & TY_ELEM)) {
			return tuple_type(x, t, opts, out, depth);
		} else if (s == x->S.array_type && (opts & TY_ELEM)) {
			return elem_type(x, (TSNode){0}, child(t, x->F.element), opts, out, depth);
		} else if (s == S->macro_inv) {
			/* `Token![#]`: the path its macro expands to */
			return ex_expand_type(x, t, out) ? (bound ? TY_BOUND : TY_PATH) : TY_NONE;
		} else if (s == S->type_ident || s == S->ident || s == S->scoped_type ||
			   s == S->scoped_ident || s == S->primitive) {
			size_t at = out->len;
			int q;
			if (!ex_path_text(x, t, out, &q, depth) ||
			    (out->len - at == 1 && out->buf[at] == '_')) {
				out->len = at;
				return TY_NONE;
			}
			return bound ? TY_BOUND : TY_PATH;
		} else {
			return TY_NONE;
		}
	}
	return TY_NONE;
}

/* ---- generic parameters -------------------------------------------------- */

const gparam *ex_gen_find(const pt_extractor *x, const char *s, size_t n)
{
	for (size_t i = x->gens.n; i-- > 0;) {
		const gparam *g = &x->gens.v[i];
		if (g->len == n && memcmp(x->names.buf + g->start, s, n) == 0)
			return g;
	}
	return NULL;
}

static void add_pair(pt_extractor *x, TSNode name, uint32_t bound, bool declared)
{
	gpair p = {ts_node_start_byte(name), ts_node_end_byte(name) - ts_node_start_byte(name),
		   bound, declared};
	pt_vec_push(&x->pairs, p);
}

/* One pair per trait in a `: A + B<X> + 'a + ?Sized` list. */
static void add_bounds(pt_extractor *x, TSNode name, TSNode bounds, bool declared)
{
	uint32_t n = null(bounds) ? 0 : ts_node_named_child_count(bounds);
	for (uint32_t i = 0; i < n; i++) {
		TSNode b = ts_node_named_child(bounds, i);
		TSSymbol s = ts_node_symbol(b);
		if (s == x->S.lifetime || s == x->S.removed_bound)
			continue;
		x->tmp.len = 0;
		if (ex_type_norm(x, b, 0, &x->tmp, 0) != TY_NONE)
			add_pair(x, name, ex_intern_buf(x, &x->tmp), declared);
	}
}

static void type_param(pt_extractor *x, TSNode p)
{
	TSSymbol s = ts_node_symbol(p);
	if (s == x->S.optional_param) {
		p = child(p, x->F.name);
		if (null(p))
			return;
		s = ts_node_symbol(p);
	}
	if (s == x->S.type_ident) {
		add_pair(x, p, 0, true);
	} else if (s == x->S.constrained) {
		TSNode left = child(p, x->F.left);
		if (null(left) || ts_node_symbol(left) != x->S.type_ident)
			return;
		add_pair(x, left, 0, true);
		add_bounds(x, left, child(p, x->F.bounds), true);
	}
}

/* `where T: A + B` for a T declared here or by an enclosing item. */
static void where_pred(pt_extractor *x, TSNode w)
{
	TSNode left = child(w, x->F.left);
	if (null(left) || ts_node_symbol(left) != x->S.type_ident)
		return;
	size_t n;
	const char *s = ident(x, left, &n);
	bool here = false;
	for (size_t i = 0; i < x->pairs.n && !here; i++)
		here = x->pairs.v[i].len == n && memcmp(x->src + x->pairs.v[i].start, s, n) == 0;
	if (here || ex_gen_find(x, s, n))
		add_bounds(x, left, child(w, x->F.bounds), false);
}

TSNode ex_find_child(pt_extractor *x, TSNode n, TSSymbol s)
{
	TSTreeCursor *c = &x->aux;
	ts_tree_cursor_reset(c, n);
	if (ts_tree_cursor_goto_first_child(c)) {
		do {
			TSNode k = ts_tree_cursor_current_node(c);
			if (ts_node_symbol(k) == s)
				return k;
		} while (ts_tree_cursor_goto_next_sibling(c));
	}
	return (TSNode){0};
}

/* Join the bounds gathered for pairs[i]'s name into x->gb. */
static void join_bounds(pt_extractor *x, size_t i)
{
	const gpair *p = &x->pairs.v[i];
	for (size_t j = i; j < x->pairs.n; j++) {
		const gpair *q = &x->pairs.v[j];
		if (!q->bound || q->len != p->len ||
		    memcmp(x->src + q->start, x->src + p->start, p->len))
			continue;
		if (x->gb.len)
			pt_strbuf_addc(&x->gb, '+');
		pt_strbuf_adds(&x->gb, pt_strpool_get(&x->out->pool, q->bound));
	}
}

static bool seen_before(const pt_extractor *x, size_t i)
{
	const gpair *p = &x->pairs.v[i];
	for (size_t j = 0; j < i; j++) {
		const gpair *q = &x->pairs.v[j];
		if (q->len == p->len && memcmp(x->src + q->start, x->src + p->start, p->len) == 0)
			return true;
	}
	return false;
}

/* The `T: Bound` pairs of item n's <..> list and where clause. */
static void gather_pairs(pt_extractor *x, TSNode n)
{
	pt_vec_clear(&x->pairs);
	TSNode tp = child(n, x->F.type_parameters);
	uint32_t np = null(tp) ? 0 : ts_node_named_child_count(tp);
	for (uint32_t i = 0; i < np; i++)
		type_param(x, ts_node_named_child(tp, i));
	TSNode wc = ex_find_child(x, n, x->S.where_clause);
	uint32_t nw = null(wc) ? 0 : ts_node_named_child_count(wc);
	for (uint32_t i = 0; i < nw; i++) {
		TSNode w = ts_node_named_child(wc, i);
		if (ts_node_symbol(w) == x->S.where_predicate)
			where_pred(x, w);
	}
}

/* Bring the generic params of item n into scope and return its generics
 * string ("T:A+B;U:C", pool offset). A where clause on a param of an
 * enclosing item narrows it here: the scope entry keeps the outer bounds too. */
uint32_t ex_push_generics(pt_extractor *x, TSNode n)
{
	pt_strbuf *g = &x->pre;
	g->len = 0;
	gather_pairs(x, n);
	for (size_t i = 0; i < x->pairs.n; i++) {
		if (seen_before(x, i))
			continue;
		const gpair p = x->pairs.v[i];
		x->gb.len = 0;
		join_bounds(x, i);
		if (x->gb.len) {
			if (g->len)
				pt_strbuf_addc(g, ';');
			pt_strbuf_printf(g, "%.*s:%.*s", (int)p.len, x->src + p.start,
					 (int)x->gb.len, x->gb.buf);
		}
		const gparam *outer = p.declared ? NULL : ex_gen_find(x, x->src + p.start, p.len);
		if (outer && outer->bounds) {
			pt_strbuf_adds(&x->gb, x->gb.len ? "+" : "");
			pt_strbuf_adds(&x->gb, pt_strpool_get(&x->out->pool, outer->bounds));
		}
		gparam gp = {(uint32_t)x->names.len, p.len, ex_intern_buf(x, &x->gb)};
		pt_strbuf_add(&x->names, x->src + p.start, p.len);
		pt_vec_push(&x->gens, gp);
	}
	return ex_intern_buf(x, g);
}

/* Pool offset of the normalised path of type t, 0 when unknown or when it
 * names a generic parameter in scope. */
uint32_t ex_type_path(pt_extractor *x, TSNode t, int opts)
{
	if (null(t))
		return 0;
	x->tmp.len = 0;
	if (ex_type_norm(x, t, opts, &x->tmp, 0) == TY_NONE)
		return 0;
	if (!memmem(x->tmp.buf, x->tmp.len, "::", 2) && ex_gen_find(x, x->tmp.buf, x->tmp.len))
		return 0;
	return ex_intern_buf(x, &x->tmp);
}
