/* graph/resolve_recv.c — the type of a method call's receiver.
 *
 * A method call resolves only as well as its receiver is typed. The
 * extractor describes each receiver as a start and a chain of steps (see
 * RECV_CHAIN in facts.h): a path, a call, a generic parameter's bounds or a
 * closure parameter, then fields, method calls, `?`, iteration and
 * indexing. This file reads that chain into a value: a type of the
 * workspace (or a trait it is known through), and for the standard
 * containers the element type's text, read again where it was written.
 * Types are found by name lookup (resolve_names.c); resolve.c asks for a
 * receiver's type (rs_recv_type) and for the methods of trait bounds
 * (rs_bound_methods, rs_assoc_bound_methods).
 */
#include "resolve_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- trait bounds of generic parameters ------------------------------- */

/* Bounds of generic parameter `name` in scope at item i ("Area+Clone"),
 * from the generics of i and its enclosing items, into out; false if none. */
static bool bounds_of(const resolver *R, uint32_t src, int32_t i, const char *name, pt_strbuf *out)
{
	size_t nl = strlen(name);
	for (int32_t p = i; p >= 0; p = fitem(R, src, p)->parent) {
		const char *g = fstr(R, src, fitem(R, src, p)->generics);
		while (*g) {
			const char *end = strchr(g, ';');
			size_t len = end ? (size_t)(end - g) : strlen(g);
			if (len > nl && strncmp(g, name, nl) == 0 && g[nl] == ':') {
				out->len = 0;
				pt_strbuf_add(out, g + nl + 1, len - nl - 1);
				return true;
			}
			g += len + (end ? 1 : 0);
		}
	}
	return false;
}

void rs_bound_methods(resolver *R, const ref_ctx *c, const char *bounds, seg name, idlist *out)
{
	char *b = pt_xstrdup(bounds);
	for (char *save = NULL, *t = strtok_r(b, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		idlist tr = {0};
		rs_resolve_path(R, c->sc, t, c->self_ent, &tr, 0);
		for (size_t i = 0; i < tr.n; i++)
			if (ekind(R, tr.v[i]) == PT_TRAIT)
				rs_assoc(R, tr.v[i], name, out);
		pt_vec_free(&tr);
	}
	free(b);
}

/* `T::f()` with T a generic parameter bounded by traits: when the trait's
 * f returns Self, the value is a T, known only through that trait. */
static uint32_t bound_ret(resolver *R, const ref_ctx *c, const char *path)
{
	seg segs[MAX_SEGS];
	if (c->item < 0 || rs_split_path(path, segs) != 2)
		return NONE;
	char *gp = pt_xstrndup(segs[0].p, segs[0].n);
	pt_strbuf b = {0};
	uint32_t t = NONE;
	if (bounds_of(R, c->src, c->item, gp, &b)) {
		char *save = NULL;
		for (char *tr = strtok_r(b.buf, "+", &save); tr && t == NONE;
		     tr = strtok_r(NULL, "+", &save)) {
			idlist traits = {0}, m = {0};
			rs_resolve_path(R, c->sc, tr, c->self_ent, &traits, 0);
			for (size_t i = 0; i < traits.n && t == NONE; i++) {
				if (ekind(R, traits.v[i]) != PT_TRAIT)
					continue;
				m.n = 0;
				rs_assoc(R, traits.v[i], segs[1], &m);
				for (size_t k = 0; k < m.n && t == NONE; k++) {
					const ent_aux *a = &R->aux.v[m.v[k]];
					if (a->item >= 0 &&
					    strcmp(fstr(R, a->src,
							fitem(R, a->src, a->item)->ret_type),
						   "Self") == 0)
						t = traits.v[i];
				}
			}
			pt_vec_free(&traits);
			pt_vec_free(&m);
		}
	}
	pt_strbuf_free(&b);
	free(gp);
	return t;
}

/* ---- the value of a receiver -------------------------------------------- */

/* What a receiver's value is known to be: a type (or a trait it is known
 * through), and for the std containers the facts spell as "Option<T>",
 * "Result<T>", "Vec<T>", "VecDeque<T>", "[]<T>" (see fact_item.ret_type),
 * the element type's text, read in scope sc with Self = self. */
enum {
	W_NONE,
	W_OPTION,
	W_RESULT,
	W_SEQ,
	W_ITER,
	W_PTR,
	W_TUPLE,
	W_BOX,    /* Box, Rc, Arc (or ManuallyDrop, which derefs the same way) of a
	          named type: its methods are the type's, but for the pointer's
	          own (box_own) */
	W_LOCK,   /* std's Mutex, RwLock, RefCell: their guards deref to the element */
	W_ATOMIC, /* std's AtomicUsize, AtomicBool..: ext is its key, and the value
	            it holds the primitive atomic_prim names */
	W_HOLD    /* std's Cell, Cursor, BufReader, BufWriter: one value inside,
	             reached by hold_inner methods, no Deref */
};
typedef struct {
	uint32_t ent;
	uint8_t wrap;
	const char *elem;
	size_t elen;
	uint32_t sc, self;
	/* with W_NONE, a type outside the workspace: its key (resolve_ext.c);
	 * with W_SEQ, the container's ("Vec", "VecDeque", "[]"); else p NULL */
	seg ext;
	/* unknown, but what a field or method of a value of a type outside
	 * the workspace gives (`f.debug_struct(..)`, `opt.map(..)`) */
	bool derived;
	/* with W_NONE, the generic arguments written for a workspace type
	 * ("Kind" of `Sp<Kind>`), read in scope sc with Self = self; else p NULL */
	seg args;
	/* a value known through a generic parameter's bounds (ent is the
	 * first trait): all of them when there are several ("Rd+Seek"), read
	 * in scope bsc with Self = bself; else NULL */
	const char *bnd;
	uint32_t bsc, bself;
} tval;

static const tval TV_NONE = {NONE,      W_NONE, NULL,      0,    NONE, NONE,
			     {NULL, 0}, false,  {NULL, 0}, NULL, NONE, NONE};

static bool text_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool in_list(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (text_eq(s, n, *list))
			return true;
	return false;
}

/* A value known by the trait bounds b[0..n) ("Rd+Seek", read in scope sc
 * with Self = self): its first trait, and the whole list when there are
 * more (their methods are its methods too). */
static tval bounds_value(resolver *R, uint32_t sc, uint32_t self, const char *b, size_t n)
{
	tval v = TV_NONE;
	size_t first = strcspn(b, "+;");
	if (first > n)
		first = n;
	char *t = pt_xstrndup(b, first);
	idlist tr = {0};
	rs_resolve_path(R, sc, t, self, &tr, 0);
	for (size_t k = 0; k < tr.n && v.ent == NONE; k++)
		if (ekind(R, tr.v[k]) == PT_TRAIT)
			v.ent = tr.v[k];
	pt_vec_free(&tr);
	free(t);
	if (v.ent != NONE && first < n && b[first] == '+') {
		v.bnd = rs_made_text(R, b, n);
		v.bsc = sc;
		v.bself = self;
	}
	return v;
}

/* Generic parameter name as its bounds where the code is written make it
 * known (a field or element of generic type); ent NONE if unbounded. */
static tval bound_value(resolver *R, const ref_ctx *c, const char *name)
{
	pt_strbuf b = {0};
	tval v = TV_NONE;
	if (c->item >= 0 && !strstr(name, "::") && bounds_of(R, c->src, c->item, name, &b))
		v = bounds_value(R, c->sc, c->self_ent, b.buf, b.len);
	pt_strbuf_free(&b);
	return v;
}

static tval tv_parse_d(resolver *R, const ref_ctx *c, uint32_t sc, uint32_t self, const char *s,
		       size_t n, int depth);
static void trim_type(const char **s, size_t *n);

/* A type path that names no workspace type, read in scope sc: the key of
 * a type outside the workspace when the code says it is one (a primitive,
 * a std type, a path into a crate that is not the workspace's, also
 * through `use`); p NULL when it may be a workspace type we do not see
 * (declared by a macro) or a generic parameter. */
seg rs_ext_key(resolver *R, uint32_t sc, const char *path, size_t n)
{
	seg none = {NULL, 0}, key;
	if (rs_is_primitive(path, n) || text_eq(path, n, "String"))
		return (seg){path, n};
	char *p = pt_xstrndup(path, n);
	const char *x = rs_external_path(R, sc, p);
	free(p);
	if (!x || !rs_type_key(x, strlen(x), &key))
		return none;
	/* the key points into a buffer the next lookup reuses */
	return (seg){rs_made_text(R, key.p, key.n), key.n};
}

/* Whether type path s[0..n), read in scope sc, is the standard library's
 * (written through std, core or alloc, or brought in by a `use` of them). */
static bool std_path(resolver *R, uint32_t sc, const char *s, size_t n)
{
	char *p = pt_xstrndup(s, n);
	const char *x = rs_external_path(R, sc, p);
	free(p);
	return x && strncmp(x, "std::", 5) == 0;
}

/* A type alias as what it stands for: its target (`type X = T;`, read
 * where the alias is written, Self being its impl's type), or for an
 * associated type declared with bounds (`type B: Tr;`) the first trait. */
static tval tv_alias(resolver *R, const ref_ctx *c, uint32_t e, int depth)
{
	const ent_aux *a = &R->aux.v[e];
	if (a->item < 0 || depth > 4)
		return TV_NONE;
	const fact_item *it = fitem(R, a->src, a->item);
	const char *target = fstr(R, a->src, it->ret_type), *g = fstr(R, a->src, it->generics);
	if (*target)
		return tv_parse_d(R, c, a->escope, a->self_ent, target, strlen(target), depth + 1);
	const char *colon = strchr(g, ':');
	if (!colon)
		return TV_NONE;
	return bounds_value(R, a->escope, a->self_ent, colon + 1, strcspn(colon + 1, ";"));
}

/* Self where the code is: the type arguments its impl's header writes
 * (`impl<R: Rd + Seek> Tr for Buf<R>`: "R"), read where the code is. */
static void self_args(const resolver *R, const ref_ctx *c, tval *v)
{
	for (int32_t p = c->item; p >= 0; p = fitem(R, c->src, p)->parent) {
		const fact_item *it = fitem(R, c->src, p);
		seg g, tr, self;
		if (it->kind != PT_IMPL)
			continue;
		if (!rs_impl_header(fstr(R, c->src, it->sig), &g, &tr, &self) || !self.n ||
		    self.p[self.n - 1] != '>')
			return;
		const char *lt = memchr(self.p, '<', self.n);
		if (!lt)
			return;
		v->args = (seg){lt + 1, self.n - (size_t)(lt + 1 - self.p) - 1};
		v->sc = c->sc;
		v->self = c->self_ent;
		return;
	}
}

/* The primitive a std atomic type's name s[0..n) holds ("AtomicU32":
 * "u32", "AtomicBool": "bool"), NULL for any other name. */
static const char *atomic_prim(const char *s, size_t n)
{
	static const char *const prims[] = {"usize", "isize", "u8",  "u16", "u32",  "u64",
					    "i8",    "i16",   "i32", "i64", "bool", NULL};
	if (n < 8 || memcmp(s, "Atomic", 6))
		return NULL;
	for (const char *const *p = prims; *p; p++) {
		size_t pn = strlen(*p);
		/* the name capitalises the primitive's first letter */
		if (n - 6 == pn && toupper((unsigned char)(*p)[0]) == s[6] &&
		    !memcmp(s + 7, *p + 1, pn - 1))
			return *p;
	}
	return NULL;
}

/* The value of type text s[0..n) read in scope sc, Self being self. */
static tval tv_parse(resolver *R, const ref_ctx *c, uint32_t sc, uint32_t self, const char *s,
		     size_t n)
{
	return tv_parse_d(R, c, sc, self, s, n, 0);
}

static tval tv_parse_d(resolver *R, const ref_ctx *c, uint32_t sc, uint32_t self, const char *s,
		       size_t n, int depth)
{
	tval v = TV_NONE;
	if (!n || sc == NONE)
		return v;
	const char *lt = memchr(s, '<', n);
	size_t nl = lt && s[n - 1] == '>' ? (size_t)(lt - s) : n;
	if (nl < n) {
		v.elem = lt + 1;
		v.elen = n - nl - 2;
		v.sc = sc;
		v.self = self;
		const char *last = s + nl;
		while (last > s && last[-1] != ':')
			last--;
		size_t ln = (size_t)(s + nl - last);
		v.wrap = text_eq(last, ln, "Option")   ? W_OPTION
			 : text_eq(last, ln, "Result") ? W_RESULT
			 : (text_eq(last, ln, "Vec") || text_eq(last, ln, "VecDeque") ||
			    text_eq(last, ln, "[]"))
				 ? W_SEQ
			 : text_eq(last, ln, "NonNull")  ? W_PTR
			 : text_eq(last, ln, "()")       ? W_TUPLE
			 : text_eq(last, ln, "Iterator") ? W_ITER
			 : (text_eq(last, ln, "Box") || text_eq(last, ln, "Rc") ||
			    text_eq(last, ln, "Arc") || text_eq(last, ln, "ManuallyDrop"))
				 ? W_BOX
			 : (text_eq(last, ln, "Mutex") || text_eq(last, ln, "RwLock") ||
			    text_eq(last, ln, "RefCell"))
				 ? W_LOCK
				 : W_NONE;
		/* a lock of another crate (parking_lot's, whose lock() gives the
		 * guard itself) or of the workspace: only std's are known */
		if (v.wrap == W_LOCK && !std_path(R, sc, s, nl))
			v.wrap = W_NONE;
		if ((text_eq(last, ln, "Cell") || text_eq(last, ln, "Cursor") ||
		     text_eq(last, ln, "BufReader") || text_eq(last, ln, "BufWriter")) &&
		    std_path(R, sc, s, nl))
			v.wrap = W_HOLD;
		/* std's Cow<'a, B> derefs to B (its methods but for cow_own) */
		if (text_eq(last, ln, "Cow") && std_path(R, sc, s, nl)) {
			const char *comma = memchr(v.elem, ',', v.elen);
			v.wrap = W_BOX;
			if (*v.elem == '\'' && comma) {
				v.elen -= (size_t)(comma + 1 - v.elem);
				v.elem = comma + 1;
				trim_type(&v.elem, &v.elen);
			}
		}
		if (v.wrap == W_SEQ || v.wrap == W_BOX || v.wrap == W_LOCK || v.wrap == W_HOLD)
			v.ext = (seg){last, ln};
	}
	if (nl > 1 && (*s == '#' || *s == '@')) {
		/* a value written by write_value: the same in any scope */
		if (*s == '@')
			v.ext = (seg){s + 1, nl - 1};
		else
			v.ent = (uint32_t)strtoul(s + 1, NULL, 10);
		if (v.ent != NONE && v.ent >= R->g->ents.n)
			v.ent = NONE;
	} else if (text_eq(s, nl, "Self")) {
		v.ent = self;
		/* Self of an impl for a type outside the workspace */
		if (self == c->self_ent && c->self_ext.p)
			v.ext = c->self_ext;
		else if (self == c->self_ent && self != NONE && nl == n)
			self_args(R, c, &v);
	} else if (!text_eq(s, nl, "[]") && !text_eq(s, nl, "()")) {
		char *name = pt_xstrndup(s, nl);
		idlist cands = {0};
		rs_resolve_path(R, sc, name, self, &cands, 0); /* `Self::Item` too */
		v.ent = rs_first_type(R, &cands);
		pt_vec_free(&cands);
		if (v.ent == NONE && v.wrap == W_NONE) {
			tval bv = bound_value(R, c, name);
			v.ent = bv.ent;
			v.bnd = bv.bnd, v.bsc = bv.bsc, v.bself = bv.bself;
		}
		if (v.ent == NONE && v.wrap == W_NONE)
			v.ext = rs_ext_key(R, sc, s, nl);
		if (v.ent == NONE && nl == n && v.ext.p && atomic_prim(v.ext.p, v.ext.n) &&
		    std_path(R, sc, s, nl))
			v.wrap = W_ATOMIC;
		free(name);
		if (v.ent != NONE && v.wrap == W_NONE && ekind(R, v.ent) == PT_TYPE_ALIAS) {
			tval t = tv_alias(R, c, v.ent, depth);
			if (t.ent != NONE || t.wrap != W_NONE)
				return t;
		}
	}
	/* a type of the workspace that merely shares a container's name */
	if (v.wrap != W_NONE && v.ent != NONE && ekind(R, v.ent) != PT_TYPE_ALIAS) {
		const char *q = pt_graph_str(R->g, R->g->ents.v[v.ent].qpath);
		if (strncmp(q, "core::", 6) && strncmp(q, "alloc::", 7) && strncmp(q, "std::", 5))
			v.wrap = W_NONE;
	}
	if (v.wrap == W_NONE && v.elem && v.ent != NONE && ekind(R, v.ent) != PT_TRAIT)
		v.args = (seg){v.elem, v.elen};
	if (v.wrap == W_NONE)
		v.elem = NULL, v.elen = 0;
	if (v.wrap != W_NONE && v.wrap != W_SEQ && v.wrap != W_BOX && v.wrap != W_LOCK &&
	    v.wrap != W_ATOMIC && v.wrap != W_HOLD)
		v.ext = (seg){NULL, 0};
	return v;
}

static tval tv_elem(resolver *R, const ref_ctx *c, tval v)
{
	return v.elem ? tv_parse(R, c, v.sc, v.self, v.elem, v.elen) : TV_NONE;
}

static tval tv_ent(uint32_t e)
{
	tval v = TV_NONE;
	v.ent = e;
	return v;
}

static bool declared_generic(const resolver *R, uint32_t src, int32_t i, const char *name);
static const char *subst_text(resolver *R, const ref_ctx *c, uint32_t src, int32_t pi, int32_t fi,
			      const char *t, const tval *recv);
static tval tv_alias_of(resolver *R, const ref_ctx *c, uint32_t e, const tval *recv);
static bool write_value(resolver *R, const ref_ctx *c, tval v, pt_strbuf *b, int depth);
static bool subst_param(resolver *R, const ref_ctx *c, uint32_t src, int32_t i, const char *p,
			const tval *recv, tval *out);
static bool fn_generic(const resolver *R, uint32_t src, int32_t i, const char *name);

/* The value fn returns; Self is self (NONE: fn's own self type). A
 * parameter of fn's impl is the matching type argument of the receiver
 * recv (NULL: none) when recv has them (`Sp<Kind>`); else a generic
 * parameter of fn (or of its impl or trait) is known through its bounds
 * there; one without bounds is not known. */
static tval tv_ret(resolver *R, const ref_ctx *c, uint32_t fn, uint32_t self, const tval *recv)
{
	const ent_aux *a = &R->aux.v[fn];
	if (a->item < 0)
		return TV_NONE;
	const fact_item *fi = fitem(R, a->src, a->item);
	const char *rt = fstr(R, a->src, fi->ret_type);
	tval sv;
	if (recv && recv->args.p && fi->parent >= 0 && !fn_generic(R, a->src, a->item, rt) &&
	    subst_param(R, c, a->src, fi->parent, rt, recv, &sv))
		return sv;
	/* `-> Option<&T>` of `impl<T> Map<T>`: T is recv's argument, or the
	 * default its type declares when recv's type writes none */
	const char *st = recv && fi->parent >= 0 && !fn_generic(R, a->src, a->item, rt)
				 ? subst_text(R, c, a->src, fi->parent, a->item, rt, recv)
				 : NULL;
	if (st)
		return tv_parse(R, c, a->escope, self != NONE ? self : a->self_ent, st, strlen(st));
	pt_strbuf b = {0};
	if (*rt && !strchr(rt, ':') && !strchr(rt, '<') && strcmp(rt, "Self") &&
	    bounds_of(R, a->src, a->item, rt, &b)) {
		tval v = bounds_value(R, a->escope, a->self_ent, b.buf, b.len);
		pt_strbuf_free(&b);
		return v;
	}
	pt_strbuf_free(&b);
	if (declared_generic(R, a->src, a->item, rt))
		return TV_NONE;
	return tv_parse(R, c, a->escope, self != NONE ? self : a->self_ent, rt, strlen(rt));
}

/* Field fname of type t, as written where t is defined; a field of
 * generic type is the matching type argument of the value it is read
 * from (recv, NULL if none: `Sp<Kind>`'s `T` field is a Kind), else typed
 * by its bounds where the code is written. */
static tval tv_field(resolver *R, const ref_ctx *c, uint32_t t, const char *fname, size_t fn,
		     const tval *recv)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_FIELD, t, fname, fn)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t fi = mm_val(&R->mm, it);
		const ent_aux *a = &R->aux.v[t];
		const char *ftype = fstr(R, a->src, R->src[a->src].facts->fields.v[fi].type);
		tval sv;
		if (recv && recv->args.p && a->item >= 0 &&
		    subst_param(R, c, a->src, a->item, ftype, recv, &sv))
			return sv;
		const char *st = recv && a->item >= 0
					 ? subst_text(R, c, a->src, a->item, -1, ftype, recv)
					 : NULL;
		if (st)
			ftype = st;
		return tv_parse(R, c, a->escope, t, ftype, strlen(ftype));
	}
	return TV_NONE;
}

/* A type text that no fact spells, made from others ("()<T,[]<T>>"), or
 * a copy of one read from a chain's steps: kept once per text until the
 * resolver is freed, so that a tval may point into it. */
uint32_t rs_made_id(resolver *R, const char *s, size_t n)
{
	uint64_t key = key_of(0, 0, s, n);
	for (uint32_t it = mm_first(&R->made_ix, key); it; it = mm_next(&R->made_ix, it)) {
		uint32_t i = mm_val(&R->made_ix, it);
		const char *t = R->made.v[i];
		if (strlen(t) == n && memcmp(t, s, n) == 0)
			return i;
	}
	mm_add(&R->made_ix, key, (uint32_t)R->made.n);
	pt_vec_push(&R->made, pt_xstrndup(s, n));
	return (uint32_t)R->made.n - 1;
}

const char *rs_made_text(resolver *R, const char *s, size_t n)
{
	uint32_t i = rs_made_id(R, s, n); /* before reading R->made.v: it may move */
	return R->made.v[i];
}

/* `split_first()` / `split_last()` (and `_mut`) of a sequence of T:
 * Option<(T, [T])>, the element apart and the rest. */
static tval tv_split(resolver *R, tval v)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "()<%.*s,[]<%.*s>>", (int)v.elen, v.elem, (int)v.elen, v.elem);
	v.elem = rs_made_text(R, b.buf, b.len);
	v.elen = b.len;
	v.wrap = W_OPTION;
	v.ent = NONE;
	pt_strbuf_free(&b);
	return v;
}

/* What Box<T>, Rc<T> and Arc<T> call as their own: the methods of the std
 * traits they implement whenever T does (`b.clone()` is Box's clone, not
 * T's), and the Deref-like ones that give T itself. Their inherent
 * functions (into_raw, leak, as_ptr, into_inner) take the pointer as an
 * argument, so `b.into_raw()` is T's method; Borrow is not in the prelude,
 * so `rc.borrow()` is usually T's (a RefCell's) too. Any other method is T's,
 * through Deref. */
static const char *const box_deref[] = {"as_ref", "as_mut", "deref", "deref_mut", NULL};
static bool box_own(const char *m, size_t n)
{
	static const char *const own[] = {
		"clone",     "clone_from",  "to_owned", "to_string", "eq",        "ne",
		"cmp",       "partial_cmp", "lt",       "le",        "gt",        "ge",
		"max",       "min",         "hash",     "fmt",       "next",      "next_back",
		"size_hint", "nth",         "poll",     "poll_next", "read",      "write",
		"flush",     "source",      "call",     "call_mut",  "call_once", "type_id",
		NULL};
	return in_list(m, n, own) || in_list(m, n, box_deref);
}

/* Whether method m of a pointer v (W_BOX) is the pointer's own: box_own,
 * and for a Cow the methods of Cow itself. */
static bool ptr_own(seg ext, const char *m, size_t n)
{
	static const char *const cow_own[] = {"to_mut", "into_owned", "is_borrowed", "is_owned",
					      NULL};
	return box_own(m, n) || (text_eq(ext.p, ext.n, "Cow") && in_list(m, n, cow_own));
}

static tval tv_deref(resolver *R, const ref_ctx *c, const tval *v);

/* Methods that give the value itself when its type does not declare them:
 * it is seen through what the code wrote around it and the facts leave
 * out (a Pin's `as_mut`, a reference, a Box), pin-project's projection
 * (which has the type's fields), an iterator's or reader's `by_ref`. */
static const char *const see_through[] = {
	"as_mut",   "as_ref",    "get_mut",     "get_ref", "get_unchecked_mut",
	"into_ref", "project",   "project_ref", "borrow",  "borrow_mut",
	"deref",    "deref_mut", "by_ref",      NULL};

/* Whether type t of ours has a method (or an associated fn) name[0..n),
 * its own or a trait's it implements. */
static bool has_method(resolver *R, uint32_t t, const char *name, size_t n)
{
	idlist l = {0};
	rs_assoc(R, t, (seg){name, n}, &l);
	bool any = l.n > 0;
	pt_vec_free(&l);
	return any;
}

/* The result of method m of a std atomic v: the primitive it holds
 * (`load`, `swap`, `fetch_*`, `get_mut`, `into_inner`), or a Result of it
 * (`compare_exchange*`, `fetch_update`); anything else unknown. */
static tval tv_atomic(resolver *R, const ref_ctx *c, tval v, const char *m, size_t n)
{
	static const char *const prim[] = {
		"load",       "swap",     "fetch_add",        "fetch_sub", "fetch_and",
		"fetch_nand", "fetch_or", "fetch_xor",        "fetch_max", "fetch_min",
		"into_inner", "get_mut",  "compare_and_swap", NULL};
	static const char *const res[] = {"compare_exchange", "compare_exchange_weak",
					  "fetch_update", NULL};
	const char *p = atomic_prim(v.ext.p, v.ext.n);
	uint32_t sc = c->sc;
	if (in_list(m, n, prim))
		return tv_parse(R, c, sc, c->self_ent, p, strlen(p));
	if (!in_list(m, n, res))
		return TV_NONE;
	tval r = TV_NONE;
	r.wrap = W_RESULT;
	r.elem = p;
	r.elen = strlen(p);
	r.sc = sc;
	r.self = c->self_ent;
	return r;
}

/* The result of method m called on a value v; deref: whether a type of
 * ours without that method may be seen through its Deref impl. */
static tval tv_method_d(resolver *R, const ref_ctx *c, tval v, const char *m, size_t n, bool deref);

static tval tv_method(resolver *R, const ref_ctx *c, tval v, const char *m, size_t n)
{
	return tv_method_d(R, c, v, m, n, true);
}

static tval tv_method_d(resolver *R, const ref_ctx *c, tval v, const char *m, size_t n, bool deref)
{
	static const char *const opt_inner[] = {"unwrap",    "expect",         "unwrap_unchecked",
						"unwrap_or", "unwrap_or_else", "unwrap_or_default",
						NULL};
	static const char *const opt_same[] = {"as_ref",  "as_mut", "as_deref", "as_deref_mut",
					       "take",    "cloned", "copied",   "or",
					       "or_else", "filter", NULL};
	static const char *const seq_opt[] = {
		"first",     "last",     "get",   "get_mut", "pop",       "first_mut", "last_mut",
		"pop_front", "pop_back", "front", "back",    "front_mut", "back_mut",  NULL};
	static const char *const seq_same[] = {"to_vec", "as_slice", "as_mut_slice", NULL};
	static const char *const seq_split[] = {"split_first", "split_last", "split_first_mut",
						"split_last_mut", NULL};
	static const char *const iters[] = {"iter", "iter_mut", "into_iter", "drain", NULL};
	static const char *const iter_opt[] = {"next",   "next_back",  "last",       "nth",
					       "min",    "max",        "peek",       "peek_mut",
					       "find",   "min_by_key", "max_by_key", "min_by",
					       "max_by", "reduce",     NULL};
	static const char *const iter_same[] = {"rev",        "skip",       "take",    "filter",
						"peekable",   "by_ref",     "cloned",  "copied",
						"skip_while", "take_while", "step_by", "inspect",
						"fuse",       "cycle",      NULL};
	/* Mutex/RwLock: a Result of their guard (or of the value); RefCell:
	 * its guard or the value itself */
	static const char *const lock_guard[] = {"lock",    "try_lock",   "read",
						 "write",   "try_read",   "try_write",
						 "get_mut", "into_inner", NULL};
	static const char *const cell_inner[] = {"borrow",     "borrow_mut", "get_mut",
						 "into_inner", "take",       NULL};
	if (text_eq(m, n, "clone") || text_eq(m, n, "to_owned"))
		return v;
	/* ToString's, for every Display type: a String, unless the type of
	 * ours has a to_string of its own */
	if (text_eq(m, n, "to_string") && (v.ent != NONE || v.wrap != W_NONE || v.ext.p) &&
	    !(v.wrap == W_NONE && v.ent != NONE && has_method(R, v.ent, m, n)))
		return tv_parse(R, c, c->sc, c->self_ent, "String", 6);
	tval w = v;
	switch (v.wrap) {
	case W_OPTION:
	case W_RESULT:
		if (in_list(m, n, opt_inner))
			return tv_elem(R, c, v);
		if (in_list(m, n, opt_same))
			return v;
		if (v.wrap == W_RESULT && text_eq(m, n, "ok")) {
			w.wrap = W_OPTION;
			w.ent = NONE;
			return w;
		}
		if (in_list(m, n, iters)) {
			w.wrap = W_ITER;
			w.ent = NONE;
			return w;
		}
		break;
	case W_SEQ:
		if (in_list(m, n, seq_opt)) {
			w.wrap = W_OPTION;
			w.ent = NONE;
			return w;
		}
		if (text_eq(m, n, "get_unchecked") || text_eq(m, n, "get_unchecked_mut"))
			return tv_elem(R, c, v);
		if (in_list(m, n, seq_same))
			return v;
		if (in_list(m, n, seq_split))
			return tv_split(R, v);
		if (in_list(m, n, iters)) {
			w.wrap = W_ITER;
			w.ent = NONE;
			return w;
		}
		break;
	case W_ITER:
		if (in_list(m, n, iter_opt)) {
			w.wrap = W_OPTION;
			return w;
		}
		if (in_list(m, n, iter_same))
			return v;
		return TV_NONE;
	case W_PTR:
		if (text_eq(m, n, "as_ref") || text_eq(m, n, "as_mut"))
			return tv_elem(R, c, v);
		break;
	case W_LOCK:
		if (text_eq(v.ext.p, v.ext.n, "RefCell")) {
			if (in_list(m, n, cell_inner))
				return tv_elem(R, c, v);
			if (text_eq(m, n, "try_borrow") || text_eq(m, n, "try_borrow_mut")) {
				w.wrap = W_RESULT;
				w.ext = (seg){NULL, 0};
				return w;
			}
		} else if (in_list(m, n, lock_guard)) {
			/* LockResult<Guard<T>>, TryLockResult<..>, LockResult<&mut T>
			 * or LockResult<T>: a Result of what derefs to T */
			w.wrap = W_RESULT;
			w.ext = (seg){NULL, 0};
			return w;
		}
		return TV_NONE;
	case W_ATOMIC: return tv_atomic(R, c, v, m, n);
	case W_HOLD: {
		/* Cell<T>: get/take/replace/into_inner/get_mut give the T;
		 * Cursor, BufReader, BufWriter: get_ref/get_mut/into_inner */
		static const char *const cell[] = {"get",        "take",    "replace",
						   "into_inner", "get_mut", NULL};
		static const char *const io[] = {"get_ref", "get_mut", "into_inner", NULL};
		bool is_cell = text_eq(v.ext.p, v.ext.n, "Cell");
		return in_list(m, n, is_cell ? cell : io) ? tv_elem(R, c, v) : TV_NONE;
	}
	case W_BOX:
		if (in_list(m, n, box_deref))
			return tv_elem(R, c, v);
		if (text_eq(m, n, "clone") || text_eq(m, n, "to_owned"))
			return v;
		return ptr_own(v.ext, m, n) ? TV_NONE : tv_method(R, c, tv_elem(R, c, v), m, n);
	}
	if (v.ent == NONE)
		return TV_NONE;
	idlist cands = {0};
	tval r = TV_NONE;
	rs_assoc(R, v.ent, (seg){m, n}, &cands);
	if (!cands.n && v.bnd) {
		ref_ctx bc = *c;
		bc.sc = v.bsc, bc.self_ent = v.bself;
		rs_bound_methods(R, &bc, v.bnd, (seg){m, n}, &cands);
	}
	for (size_t i = 0; i < cands.n && r.ent == NONE && r.wrap == W_NONE; i++)
		if (callable(ekind(R, cands.v[i])))
			r = tv_ret(R, c, cands.v[i], v.ent, &v);
	/* the value seen through what the code wrote around it and the
	 * facts leave out (a Pin, a reference, a Box), or pin-project's
	 * projection, which has the type's fields: the same value */
	if (!cands.n && in_list(m, n, see_through))
		r = v;
	else if (!cands.n && deref && v.args.p) {
		/* `sp.name()` with sp: Sp<Kind> and `impl<T> Deref for Sp<T> {
		 * type Target = T; }`: Kind's name, once */
		tval d = tv_deref(R, c, &v);
		if (d.wrap != W_NONE || (d.ent != NONE && d.ent != v.ent))
			r = tv_method_d(R, c, d, m, n, false);
	}
	pt_vec_free(&cands);
	return r;
}

/* `T::f()` / `f()` at path: the value it returns (a type's own name, for
 * a tuple struct or variant constructor, gives the type). */
static tval tv_call(resolver *R, const ref_ctx *c, const char *path)
{
	idlist f = {0};
	tval v = TV_NONE;
	rs_resolve_path(R, c->sc, path, c->self_ent, &f, 0);
	for (size_t i = 0; i < f.n && v.ent == NONE && v.wrap == W_NONE; i++) {
		int k = ekind(R, f.v[i]);
		if (callable(k) || k == PT_CONST || k == PT_STATIC)
			v = tv_ret(R, c, f.v[i], NONE, NULL); /* a const's or static's type */
		else if (is_type(k))
			v = tv_ent(f.v[i]);
	}
	pt_vec_free(&f);
	if (v.ent == NONE && v.wrap == W_NONE)
		v = tv_ent(bound_ret(R, c, path));
	return v;
}

/* Associated type alias e of an impl (`type Item = (&'a K, &'a V);` in
 * `impl<'a, K, V> Iterator for Iter<'a, K, V>`), the impl's parameters
 * being the type arguments of recv. */
static tval tv_alias_of(resolver *R, const ref_ctx *c, uint32_t e, const tval *recv)
{
	const ent_aux *a = &R->aux.v[e];
	if (recv->args.p && a->item >= 0 && fitem(R, a->src, a->item)->parent >= 0) {
		const fact_item *fi = fitem(R, a->src, a->item);
		const char *t = fstr(R, a->src, fi->ret_type), *st;
		tval sv;
		if (subst_param(R, c, a->src, fi->parent, t, recv, &sv))
			return sv;
		st = subst_text(R, c, a->src, fi->parent, -1, t, recv);
		if (st)
			return tv_parse(R, c, a->escope, a->self_ent, st, strlen(st));
	}
	return tv_alias(R, c, e, 0);
}

/* The items of iterating a workspace type: the `Item` of its Iterator or
 * IntoIterator impl. */
static tval tv_items(resolver *R, const ref_ctx *c, const tval *t)
{
	tval v = TV_NONE;
	if (ekind(R, t->ent) == PT_TRAIT)
		return v;
	for (uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, t->ent, "Item", 4));
	     it && v.ent == NONE && v.wrap == W_NONE; it = mm_next(&R->mm, it)) {
		uint32_t e = mm_val(&R->mm, it);
		if (ekind(R, e) == PT_TYPE_ALIAS)
			v = tv_alias_of(R, c, e, t);
	}
	return v;
}

/* Element name ("0", "1", ..) of a tuple value: its text in "A,B". */
static tval tv_tuple_elem(resolver *R, const ref_ctx *c, tval v, const char *name, size_t n)
{
	if (!n || n > 2 || !isdigit((unsigned char)name[0]) ||
	    (n == 2 && !isdigit((unsigned char)name[1])))
		return TV_NONE;
	int want = n == 1 ? name[0] - '0' : (name[0] - '0') * 10 + name[1] - '0', k = 0, depth = 0;
	const char *p = v.elem, *end = v.elem + v.elen, *start = p;
	for (; p <= end; p++) {
		if (p == end || (*p == ',' && depth == 0)) {
			if (k++ == want)
				return tv_parse(R, c, v.sc, v.self, start, (size_t)(p - start));
			start = p + 1;
		} else if (*p == '<') {
			depth++;
		} else if (*p == '>') {
			depth--;
		}
	}
	return TV_NONE;
}

/* `e[i]` on a type of ours: the `type Output` of its Index (or IndexMut)
 * impl. */
static tval tv_index(resolver *R, const ref_ctx *c, const tval *v)
{
	uint32_t t = v->ent;
	for (uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, t, "Output", 6)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t e = mm_val(&R->mm, it);
		const ent_aux *a = &R->aux.v[e];
		if (ekind(R, e) != PT_TYPE_ALIAS || a->item < 0 ||
		    fitem(R, a->src, a->item)->parent < 0)
			continue;
		uint32_t ie = R->fi[a->src].item_ent[fitem(R, a->src, a->item)->parent];
		for (uint32_t k = mm_first(&R->mm, key_of(K_IMPLTRAITS, ie, "", 0)); k;
		     k = mm_next(&R->mm, k)) {
			const char *tn = pt_graph_str(R->g, R->g->ents.v[mm_val(&R->mm, k)].name);
			if (!strcmp(tn, "Index") || !strcmp(tn, "IndexMut"))
				return tv_alias_of(R, c, e, v);
		}
	}
	return TV_NONE;
}

/* Whether type t of ours declares a field called name[0..n). */
static bool has_field(resolver *R, uint32_t t, const char *name, size_t n)
{
	return mm_first(&R->mm, key_of(K_FIELD, t, name, n)) != 0;
}

/* Field name of v, a value of a type of ours; a type without that field
 * is read through its Deref impl's Target, as rustc's auto-deref does
 * (`ptr.state` with ptr a handle that derefs to the struct holding it). */
static tval tv_field_deref(resolver *R, const ref_ctx *c, tval v, const char *name, size_t n)
{
	for (int depth = 0; depth < 3; depth++) {
		if (v.wrap == W_BOX)
			v = tv_elem(R, c, v);
		if (v.wrap != W_NONE || v.ent == NONE || ekind(R, v.ent) == PT_TRAIT)
			return TV_NONE;
		if (has_field(R, v.ent, name, n))
			return tv_field(R, c, v.ent, name, n, &v);
		tval d = tv_deref(R, c, &v);
		if (d.ent == v.ent && d.wrap == W_NONE)
			return TV_NONE;
		v = d;
	}
	return TV_NONE;
}

/* `Some(e)` with e's value v: an Option of it, its element written so
 * that it reads the same anywhere (write_value). */
static tval tv_some(resolver *R, const ref_ctx *c, tval v)
{
	pt_strbuf b = {0};
	tval r = TV_NONE;
	pt_strbuf_adds(&b, "Option<");
	if (write_value(R, c, v, &b, 1)) {
		pt_strbuf_addc(&b, '>');
		r = tv_parse(R, c, c->sc, c->self_ent, rs_made_text(R, b.buf, b.len), b.len);
	}
	pt_strbuf_free(&b);
	return r;
}

/* Apply one chain step (see RECV_CHAIN) to v. */
static tval tv_step(resolver *R, const ref_ctx *c, tval v, char op, const char *name, size_t n)
{
	switch (op) {
	case '.':
		if (v.wrap == W_BOX) /* auto-deref */
			v = tv_elem(R, c, v);
		if (v.wrap == W_TUPLE)
			return tv_tuple_elem(R, c, v, name, n);
		return v.wrap == W_NONE && v.ent != NONE ? tv_field_deref(R, c, v, name, n)
							 : TV_NONE;
	case ':': return tv_method(R, c, v, name, n);
	case '?': return v.wrap == W_OPTION || v.wrap == W_RESULT ? tv_elem(R, c, v) : TV_NONE;
	case '*':
		if (v.wrap == W_NONE && v.ent != NONE)
			return tv_items(R, c, &v);
		return v.wrap != W_NONE && v.wrap != W_PTR && v.wrap != W_TUPLE &&
				       v.wrap != W_LOCK && v.wrap != W_ATOMIC && v.wrap != W_HOLD
			       ? tv_elem(R, c, v)
			       : TV_NONE;
	case '!': return tv_some(R, c, v);
	case '[':
		if (v.wrap == W_BOX) /* `b[i]` with b a Box<[T]>: through Deref */
			v = tv_elem(R, c, v);
		if (v.wrap == W_SEQ)
			return tv_elem(R, c, v);
		return v.wrap == W_NONE && v.ent != NONE ? tv_index(R, c, &v) : TV_NONE;
	}
	return TV_NONE;
}

/* ---- closure params typed through a generic fn's signature ------------- */

static tval chain_value(resolver *R, const ref_ctx *c, char kind, const char *path,
			const char *steps, int depth);

/* s[0..n) without spaces around it, `&`, `&mut`, `mut ` and lifetimes. */
static void trim_type(const char **s, size_t *n)
{
	for (;;) {
		while (*n && (**s == ' ' || **s == '&'))
			(*s)++, (*n)--;
		while (*n && (*s)[*n - 1] == ' ')
			(*n)--;
		if (*n > 4 && memcmp(*s, "mut ", 4) == 0) {
			*s += 4;
			*n -= 4;
			continue;
		}
		if (*n && **s == '\'') {
			size_t k = 1;
			while (k < *n && (isalnum((unsigned char)(*s)[k]) || (*s)[k] == '_'))
				k++;
			*s += k;
			*n -= k;
			continue;
		}
		return;
	}
}

/* The index of the bracket closing the one at s[i] (`<`, `(` or `[`; a
 * `->` arrow is no bracket), or n. */
static size_t close_of(const char *s, size_t n, size_t i)
{
	int depth = 0;
	for (; i < n; i++) {
		char ch = s[i];
		if (ch == '<' || ch == '(' || ch == '[')
			depth++;
		else if ((ch == '>' && !(i && s[i - 1] == '-')) || ch == ')' || ch == ']') {
			if (--depth == 0)
				return i;
		}
	}
	return n;
}

/* Piece k of the list s[0..n) separated by sep, trimmed of spaces: for
 * ',' (type lists) none inside brackets splits; ';' (the arguments of a
 * 'G' chain, whose steps may hold '[') appears nowhere else. */
static bool piece_sep(const char *s, size_t n, char sep, uint32_t k, const char **p, size_t *pn)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && sep == ',' && (s[i] == '<' || s[i] == '(' || s[i] == '[')) {
			i = close_of(s, n, i);
			continue;
		}
		if (i < n && s[i] != sep)
			continue;
		if (k-- == 0) {
			*p = s + start;
			*pn = i - start;
			while (*pn && **p == ' ')
				(*p)++, (*pn)--;
			while (*pn && (*p)[*pn - 1] == ' ')
				(*pn)--;
			return true;
		}
		start = i + 1;
	}
	return false;
}

static bool piece(const char *s, size_t n, uint32_t k, const char **p, size_t *pn)
{
	return piece_sep(s, n, ',', k, p, pn);
}

/* The type of `pat: Type` (after the first top-level ':'), trimmed. */
static bool after_colon(const char *s, size_t n, const char **t, size_t *tn)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<' || s[i] == '(' || s[i] == '[')
			i = close_of(s, n, i);
		else if (s[i] == ':' && (i + 1 >= n || s[i + 1] != ':') &&
			 (!i || s[i - 1] != ':')) {
			*t = s + i + 1;
			*tn = n - i - 1;
			trim_type(t, tn);
			return true;
		}
	}
	return false;
}

/* In bounds text s[0..n): the argument list of its `Fn(..)`, `FnMut(..)`
 * or `FnOnce(..)`. */
static bool fn_bound_args(const char *s, size_t n, const char **a, size_t *an)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (memcmp(s + i, "Fn", 2) ||
		    (i && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_')))
			continue;
		size_t k = i + 2;
		if (k + 3 <= n && !memcmp(s + k, "Mut", 3))
			k += 3;
		else if (k + 4 <= n && !memcmp(s + k, "Once", 4))
			k += 4;
		if (k < n && s[k] == '(') {
			size_t e = close_of(s, n, k);
			if (e == n)
				return false;
			*a = s + k + 1;
			*an = e - k - 1;
			return true;
		}
	}
	return false;
}

/* The bounds generic param g[0..gn) has in signature sig: its `<..>`
 * declaration (gl[0..gln)) or the where clause (w[0..wn)), as the text
 * after its ':' holding a Fn bound. */
static bool param_fn_bound(const char *g, size_t gn, const char *gl, size_t gln, const char *w,
			   size_t wn, const char **a, size_t *an)
{
	const char *lists[2] = {gl, w};
	size_t lens[2] = {gln, wn};
	for (int l = 0; l < 2; l++) {
		const char *p;
		size_t pn;
		for (uint32_t k = 0; lists[l] && piece(lists[l], lens[l], k, &p, &pn); k++)
			if (pn > gn && !memcmp(p, g, gn) && (p[gn] == ':' || p[gn] == ' ') &&
			    fn_bound_args(p + gn, pn - gn, a, an))
				return true;
	}
	return false;
}

/* Whether name[0..n) is declared in generic list gl[0..gln). */
static bool declares(const char *gl, size_t gln, const char *name, size_t n)
{
	const char *p;
	size_t pn;
	for (uint32_t k = 0; gl && piece(gl, gln, k, &p, &pn); k++)
		if (pn >= n && !memcmp(p, name, n) && (pn == n || p[n] == ':' || p[n] == ' '))
			return true;
	return false;
}

/* The parts of fn signature sig: its generic list, its params, its where
 * clause (each NULL/0 when absent). */
typedef struct {
	const char *gl, *pl, *w;
	size_t gln, pln, wn;
} sig_parts;

static bool split_sig(const char *sig, sig_parts *sp)
{
	memset(sp, 0, sizeof *sp);
	size_t n = strlen(sig);
	const char *fn = strstr(sig, "fn ");
	while (fn && fn > sig && (isalnum((unsigned char)fn[-1]) || fn[-1] == '_'))
		fn = strstr(fn + 1, "fn ");
	if (!fn)
		return false;
	size_t i = (size_t)(fn - sig) + 3;
	while (i < n &&
	       (isalnum((unsigned char)sig[i]) || sig[i] == '_' || sig[i] == ' ' || sig[i] == '#'))
		i++;
	if (i < n && sig[i] == '<') {
		size_t e = close_of(sig, n, i);
		sp->gl = sig + i + 1;
		sp->gln = e - i - 1;
		i = e + 1;
		while (i < n && sig[i] == ' ')
			i++;
	}
	if (i >= n || sig[i] != '(')
		return false;
	size_t e = close_of(sig, n, i);
	if (e == n)
		return false;
	sp->pl = sig + i + 1;
	sp->pln = e - i - 1;
	const char *w = strstr(sig + e, " where ");
	if (w) {
		sp->w = w + 7;
		sp->wn = n - (size_t)(sp->w - sig);
	}
	return true;
}

/* Whether name is a generic parameter declared by item i (a fn or an
 * impl) or an item around it. */
static bool declared_generic(const resolver *R, uint32_t src, int32_t i, const char *name)
{
	size_t n = strlen(name);
	if (!n || strstr(name, "::") || strchr(name, '<'))
		return false;
	for (int32_t p = i; p >= 0; p = fitem(R, src, p)->parent) {
		const fact_item *it = fitem(R, src, p);
		const char *sig = fstr(R, src, it->sig);
		sig_parts sp;
		seg g, tr, self;
		if ((it->kind == PT_FUNCTION || it->kind == PT_METHOD) && split_sig(sig, &sp) &&
		    declares(sp.gl, sp.gln, name, n))
			return true;
		if (it->kind == PT_IMPL && rs_impl_header(sig, &g, &tr, &self) &&
		    declares(g.p, g.n, name, n))
			return true;
	}
	return false;
}

/* Whether name is a generic parameter fn item i declares itself. */
static bool fn_generic(const resolver *R, uint32_t src, int32_t i, const char *name)
{
	sig_parts sp;
	return split_sig(fstr(R, src, fitem(R, src, i)->sig), &sp) &&
	       declares(sp.gl, sp.gln, name, strlen(name));
}

/* Whether s[0..n) is one identifier. */
static bool plain_ident(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (size_t k = 0; k < n; k++)
		if (!isalnum((unsigned char)s[k]) && s[k] != '_')
			return false;
	return true;
}

/* The position of p among the type parameters of list l[0..n), lifetimes
 * left out: a declaration ("'a, T: Tr, const N: usize") when decl, else a
 * type's arguments as written ("'a, T"); -1 if p is none of them. */
static int param_index(const char *l, size_t n, const char *p, size_t pn, bool decl)
{
	const char *q;
	size_t qn;
	int k = 0;
	for (uint32_t i = 0; piece(l, n, i, &q, &qn); i++) {
		if (qn && *q == '\'')
			continue;
		if (decl && qn > 6 && !memcmp(q, "const ", 6))
			q += 6, qn -= 6;
		size_t idn = 0;
		while (idn < qn && (isalnum((unsigned char)q[idn]) || q[idn] == '_'))
			idn++;
		if ((decl ? idn : qn) == pn && !memcmp(q, p, pn) && (decl || idn == qn))
			return k;
		k++;
	}
	return -1;
}

/* The generic parameters of item i as a list l[0..ln): a struct's, enum's
 * or union's declaration (decl true), or an impl's as its self type
 * writes them (`impl<T> Deref for Sp<T>`: "T"); false for other items. */
static bool param_list(const resolver *R, uint32_t src, int32_t i, const char **l, size_t *ln,
		       bool *decl)
{
	const fact_item *it = fitem(R, src, i);
	const char *sig = fstr(R, src, it->sig);
	*decl = it->kind != PT_IMPL;
	if (it->kind == PT_IMPL) {
		seg g, tr, self;
		if (!rs_impl_header(sig, &g, &tr, &self) || !self.n || self.p[self.n - 1] != '>')
			return false;
		const char *lt = memchr(self.p, '<', self.n);
		if (!lt)
			return false;
		*l = lt + 1;
		*ln = self.n - (size_t)(*l - self.p) - 1;
		return true;
	}
	if (it->kind != PT_STRUCT && it->kind != PT_ENUM && it->kind != PT_UNION)
		return false;
	size_t sn = strlen(sig), lt = strcspn(sig, "<({");
	if (lt >= sn || sig[lt] != '<')
		return false;
	size_t e = close_of(sig, sn, lt);
	if (e == sn)
		return false;
	*l = sig + lt + 1;
	*ln = e - lt - 1;
	return true;
}

/* The argument of recv at parameter index k (lifetimes left out: an impl
 * header writes them), trimmed; false when there is none or it is `_`. */
static bool arg_at(const tval *recv, int k, const char **a, size_t *an)
{
	for (uint32_t i = 0; k >= 0 && piece(recv->args.p, recv->args.n, i, a, an); i++)
		if (!(*an && **a == '\'') && k-- == 0)
			break;
	if (k >= 0)
		return false;
	trim_type(a, an);
	return *an && !(*an == 1 && **a == '_');
}

/* A generic parameter p of item i (see param_list) as the value of the
 * matching type argument of recv; false when p is none of them, or
 * recv's argument there is unknown. */
static bool subst_param(resolver *R, const ref_ctx *c, uint32_t src, int32_t i, const char *p,
			const tval *recv, tval *out)
{
	size_t pn = strlen(p), ln, an;
	const char *l, *a;
	bool decl;
	if (!recv->args.p || !plain_ident(p, pn) || !strcmp(p, "Self") ||
	    !param_list(R, src, i, &l, &ln, &decl))
		return false;
	int k = param_index(l, ln, p, pn, decl);
	if (k < 0 || !arg_at(recv, k, &a, &an))
		return false;
	*out = tv_parse(R, c, recv->sc, recv->self, a, an);
	return out->ent != NONE || out->wrap != W_NONE || out->ext.p;
}

/* Value v written as a type text that reads the same in any scope, onto
 * b: "#e" for entity e (then its arguments, written so too), "@k" for
 * the key k of a type outside the workspace, the std containers by their
 * names with their elements written so; false when v is unknown or
 * cannot be written (a lock, an iterator, a value known by bounds). */
static bool write_value(resolver *R, const ref_ctx *c, tval v, pt_strbuf *b, int depth)
{
	static const char *const names[] = {[W_OPTION] = "Option",
					    [W_RESULT] = "Result",
					    [W_TUPLE] = "()",
					    [W_PTR] = "NonNull"};
	if (depth > 3 || v.bnd)
		return false;
	if (v.wrap == W_NONE && v.ent != NONE) {
		pt_strbuf_printf(b, "#%u", v.ent);
		const char *a;
		size_t an;
		if (!v.args.p || ekind(R, v.ent) == PT_TRAIT)
			return true;
		/* its arguments, each read where v's text is */
		pt_strbuf_addc(b, '<');
		for (uint32_t k = 0; piece(v.args.p, v.args.n, k, &a, &an); k++) {
			trim_type(&a, &an);
			if (an && *a == '\'')
				continue;
			if (b->buf[b->len - 1] != '<')
				pt_strbuf_addc(b, ',');
			if (!write_value(R, c, tv_parse(R, c, v.sc, v.self, a, an), b, depth + 1))
				pt_strbuf_addc(b, '_');
		}
		pt_strbuf_addc(b, '>');
		return true;
	}
	if (v.wrap == W_NONE && v.ext.p) {
		pt_strbuf_printf(b, "@%.*s", (int)v.ext.n, v.ext.p);
		return true;
	}
	const char *name = NULL;
	if (v.wrap == W_LOCK && v.ext.p)
		/* std's, whatever the scope reading it imports */
		name = text_eq(v.ext.p, v.ext.n, "RefCell") ? "std::cell::RefCell"
		       : text_eq(v.ext.p, v.ext.n, "Mutex") ? "std::sync::Mutex"
							    : "std::sync::RwLock";
	else if (v.wrap == W_SEQ || v.wrap == W_BOX)
		name = v.ext.p ? rs_made_text(R, v.ext.p, v.ext.n) : NULL;
	else if (v.wrap < sizeof names / sizeof *names)
		name = names[v.wrap];
	if (!name || !v.elem)
		return false;
	pt_strbuf_printf(b, "%s<", name);
	const char *a;
	size_t an;
	for (uint32_t k = 0; piece(v.elem, v.elen, k, &a, &an); k++) {
		trim_type(&a, &an);
		if (k)
			pt_strbuf_addc(b, ',');
		if (!write_value(R, c, tv_parse(R, c, v.sc, v.self, a, an), b, depth + 1))
			pt_strbuf_addc(b, '_');
	}
	pt_strbuf_addc(b, '>');
	return true;
}

/* The default the declaration of recv's type gives its k-th type
 * parameter (`struct HeaderMap<T = HeaderValue>`: a `HeaderMap` written
 * without arguments is a HeaderMap<HeaderValue>), onto b as write_value
 * writes it; false when it has none. */
static bool default_arg(resolver *R, const ref_ctx *c, const tval *recv, int k, pt_strbuf *b)
{
	if (recv->ent == NONE || recv->wrap != W_NONE || ekind(R, recv->ent) == PT_TRAIT)
		return false;
	const ent_aux *a = &R->aux.v[recv->ent];
	const char *l, *p;
	size_t ln, pn;
	bool decl;
	if (a->item < 0 || !param_list(R, a->src, a->item, &l, &ln, &decl) || !decl)
		return false;
	for (uint32_t i = 0; piece(l, ln, i, &p, &pn); i++) {
		if ((pn && *p == '\'') || k-- > 0)
			continue;
		const char *eq = memchr(p, '=', pn);
		if (!eq)
			return false;
		const char *d = eq + 1;
		size_t dn = pn - (size_t)(d - p);
		trim_type(&d, &dn);
		return dn && write_value(R, c, tv_parse(R, c, a->escope, recv->ent, d, dn), b, 1);
	}
	return false;
}

/* Type text t, written in item i (a fn, a field's type, an alias) whose
 * generic parameters are those of item pi (see param_list), with each
 * parameter replaced by the matching type argument of recv, written as
 * write_value does: `Option<&T>` of `impl<T> Map<T>`'s `get` on a
 * Map<Entry> reads Option<#Entry>. A parameter fn item fi declares itself
 * (fi >= 0) stays. NULL when no parameter was replaced. */
static const char *subst_text(resolver *R, const ref_ctx *c, uint32_t src, int32_t pi, int32_t fi,
			      const char *t, const tval *recv)
{
	const char *l, *a;
	size_t ln, an, n = strlen(t);
	bool decl, any = false;
	/* a type written with no parameter in it, cheaply: no list, no name */
	if (!n || (!strpbrk(t, "<(,") && !plain_ident(t, n)) ||
	    !param_list(R, src, pi, &l, &ln, &decl))
		return NULL;
	pt_strbuf b = {0};
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && (isalnum((unsigned char)t[j]) || t[j] == '_'))
			j++;
		if (j == i) {
			pt_strbuf_addc(&b, t[i++]);
			continue;
		}
		/* an identifier: a parameter when it is no path segment, no
		 * lifetime and no associated item (`T::Item`) */
		int k = -1;
		bool inpath = (i >= 2 && t[i - 1] == ':' && t[i - 2] == ':') ||
			      (j + 1 < n && t[j] == ':' && t[j + 1] == ':') ||
			      (i && t[i - 1] == '\'');
		char *id = pt_xstrndup(t + i, j - i);
		if (!inpath && !isdigit((unsigned char)t[i]) &&
		    (fi < 0 || !fn_generic(R, src, fi, id)))
			k = param_index(l, ln, t + i, j - i, decl);
		free(id);
		size_t at = b.len;
		if (k >= 0 && recv->args.p && arg_at(recv, k, &a, &an) &&
		    write_value(R, c, tv_parse(R, c, recv->sc, recv->self, a, an), &b, 0)) {
			any = true;
		} else if (k >= 0 && !recv->args.p && default_arg(R, c, recv, k, &b)) {
			any = true;
		} else {
			b.len = at;
			pt_strbuf_add(&b, t + i, j - i);
		}
		i = j;
	}
	const char *r = any ? rs_made_text(R, b.buf, b.len) : NULL;
	pt_strbuf_free(&b);
	return r;
}

/* What a value of a generic type of ours derefs to: its Deref impl's
 * Target, a parameter of the impl read from v's type arguments. */
static tval tv_deref(resolver *R, const ref_ctx *c, const tval *v)
{
	if (v->ent == NONE || v->wrap != W_NONE || ekind(R, v->ent) == PT_TRAIT)
		return TV_NONE;
	uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, v->ent, "Target", 6));
	if (!it || ekind(R, mm_val(&R->mm, it)) != PT_TYPE_ALIAS)
		return TV_NONE;
	const ent_aux *a = &R->aux.v[mm_val(&R->mm, it)];
	if (a->item < 0 || fitem(R, a->src, a->item)->parent < 0)
		return TV_NONE;
	return tv_alias_of(R, c, mm_val(&R->mm, it), v);
}

/* Argument m of a 'G'/'H' chain's list args[0..n) (see RECV_CHAIN), as
 * the value it names. */
static tval arg_value(resolver *R, const ref_ctx *c, const char *args, size_t n, uint32_t m,
		      int depth)
{
	const char *arg;
	size_t argl;
	if (!piece_sep(args, n, ';', m, &arg, &argl) || argl < 2 || !strchr("TRB", *arg))
		return TV_NONE;
	/* the path is up to '|', the steps after; the value may point into
	 * the path's text, which rs_made_text keeps */
	const char *bar = memchr(arg, '|', argl);
	size_t pl = bar ? (size_t)(bar - arg - 1) : argl - 1;
	const char *apath = rs_made_text(R, arg + 1, pl);
	char *asteps =
		bar ? pt_xstrndup(bar + 1, argl - (size_t)(bar + 1 - arg)) : pt_xstrndup("", 0);
	tval v = chain_value(R, c, *arg, apath, asteps, depth + 1);
	free(asteps);
	return v;
}

/* The fn a 'G' chain calls at path, or the method name an 'H' chain
 * calls on its first argument. */
static uint32_t chain_callee(resolver *R, const ref_ctx *c, char kind, const char *path,
			     const char *args, size_t n, int depth)
{
	idlist f = {0};
	uint32_t fn = NONE;
	if (kind == 'G') {
		rs_resolve_path(R, c->sc, path, c->self_ent, &f, 0);
	} else {
		tval v = arg_value(R, c, args, n, 0, depth);
		if (v.ent != NONE && v.wrap == W_NONE)
			rs_assoc(R, v.ent, (seg){path, strlen(path)}, &f);
	}
	for (size_t i = 0; i < f.n && fn == NONE; i++)
		if (callable(ekind(R, f.v[i])) && R->aux.v[f.v[i]].item >= 0)
			fn = f.v[i];
	pt_vec_free(&f);
	return fn;
}

/* `f(a, |p| ..)` / `r.m(a, |p| ..)`: param j of the closure passed as
 * argument k, from the callee's signature (see RECV_CHAIN 'G', 'H').
 * steps is "k,j{..}..."; returns how many bytes of it were used. */
static size_t closure_param(resolver *R, const ref_ctx *c, char kind, const char *path,
			    const char *steps, tval *out, int depth)
{
	*out = TV_NONE;
	const char *open = strchr(steps, '{'), *close = open ? strchr(open, '}') : NULL;
	unsigned k, j;
	if (!close || sscanf(steps, "%u,%u", &k, &j) != 2)
		return strlen(steps);
	size_t used = (size_t)(close + 1 - steps), an = (size_t)(close - open - 1);
	if (depth > 2)
		return used;
	uint32_t fn = chain_callee(R, c, kind, path, open + 1, an, depth);
	if (fn == NONE)
		return used;
	const ent_aux *a = &R->aux.v[fn];
	sig_parts sp;
	const char *p, *t, *args, *x;
	size_t pn, tn, argn, xn;
	if (!split_sig(fstr(R, a->src, fitem(R, a->src, a->item)->sig), &sp) ||
	    !piece(sp.pl, sp.pln, k, &p, &pn) || !after_colon(p, pn, &t, &tn))
		return used;
	/* `impl FnMut(A)`, `&dyn Fn(A)`, or a generic param bounded so */
	if (!fn_bound_args(t, tn, &args, &argn) &&
	    !param_fn_bound(t, tn, sp.gl, sp.gln, sp.w, sp.wn, &args, &argn))
		return used;
	if (!piece(args, argn, j, &x, &xn))
		return used;
	trim_type(&x, &xn);
	if (!xn)
		return used;
	if (!declares(sp.gl, sp.gln, x, xn)) {
		/* a type the fn names itself, read where the fn is */
		*out = tv_parse(R, c, a->escope, a->self_ent, x, xn);
		return used;
	}
	/* a generic param of the fn: the value of the argument whose param
	 * has that type */
	for (uint32_t m = 0; piece(sp.pl, sp.pln, m, &p, &pn); m++)
		if (m != k && after_colon(p, pn, &t, &tn) && tn == xn && !memcmp(t, x, xn)) {
			*out = arg_value(R, c, open + 1, an, m, depth);
			break;
		}
	return used;
}

/* The start of a chain, with its first step when the start alone has no
 * value: `E::V(x)` binds x to field "V.0" of enum E; a value bounded by
 * traits has the methods of the traits. Returns how many bytes of steps
 * were used. */
static size_t tv_start(resolver *R, const ref_ctx *c, char kind, const char *path,
		       const char *steps, tval *out, int depth)
{
	size_t n1 = 0;
	if (kind == 'G' || kind == 'H')
		return closure_param(R, c, kind, path, steps, out, depth);
	if (*steps == '.' || *steps == ':') {
		n1 = 1;
		while (steps[n1] && !strchr(".:?*[!", steps[n1]))
			n1++;
	}
	*out = TV_NONE;
	if (kind == 'R') {
		*out = tv_call(R, c, path);
		return 0;
	}
	if (kind == 'B') {
		if (*steps != ':')
			return 0;
		idlist cands = {0};
		char *m = pt_xstrndup(steps + 1, n1 - 1);
		rs_bound_methods(R, c, path, (seg){m, n1 - 1}, &cands);
		for (size_t i = 0; i < cands.n && out->ent == NONE && out->wrap == W_NONE; i++)
			if (callable(ekind(R, cands.v[i])))
				*out = tv_ret(R, c, cands.v[i], NONE, NULL);
		/* `w.as_mut()` with w a Pin<&mut W>, W: AsyncWrite: still a W,
		 * unless a bound says what as_ref/as_mut/borrow/deref give */
		if (!cands.n && in_list(m, n1 - 1, see_through) && !strstr(path, "AsRef") &&
		    !strstr(path, "AsMut") && !strstr(path, "Borrow") && !strstr(path, "Deref"))
			*out = bounds_value(R, c->sc, c->self_ent, path, strlen(path));
		pt_vec_free(&cands);
		free(m);
		return n1;
	}
	*out = tv_parse(R, c, c->sc, c->self_ent, path, strlen(path));
	if (out->ent != NONE || out->wrap != W_NONE || *steps != '.')
		return 0;
	/* `E::V(x)` / `Self::V { f }` patterns: the field of variant V */
	const char *last = rs_last_seg(path);
	if (last == path) {
		/* a bare `V(x)`: a variant a glob `use E::*` in scope brings in */
		pt_strbuf vf = {0};
		pt_strbuf_printf(&vf, "%s.%.*s", path, (int)(n1 - 1), steps + 1);
		for (int32_t s = (int32_t)c->sc; s >= 0 && out->ent == NONE && out->wrap == W_NONE;
		     s = R->scopes.v[s].parent)
			for (uint32_t it = mm_first(&R->mm, key_of(K_GLOB, (uint32_t)s, "", 0)); it;
			     it = mm_next(&R->mm, it)) {
				idlist en = {0};
				rs_use_result(R, mm_val(&R->mm, it), &en, 1);
				for (size_t i = 0;
				     i < en.n && out->ent == NONE && out->wrap == W_NONE; i++)
					if (ekind(R, en.v[i]) == PT_ENUM)
						*out = tv_field(R, c, en.v[i], vf.buf, vf.len,
								NULL);
				pt_vec_free(&en);
			}
		pt_strbuf_free(&vf);
		return n1;
	}
	char *enum_path = pt_xstrndup(path, (size_t)(last - path - 2));
	uint32_t t =
		strcmp(enum_path, "Self") == 0 ? c->self_ent : rs_pick_type(R, c->sc, enum_path);
	free(enum_path);
	if (t == NONE || ekind(R, t) != PT_ENUM)
		return n1;
	pt_strbuf vf = {0};
	pt_strbuf_printf(&vf, "%s.%.*s", last, (int)(n1 - 1), steps + 1);
	*out = tv_field(R, c, t, vf.buf, vf.len, NULL);
	pt_strbuf_free(&vf);
	return n1;
}

/* The value of a chain: start kind and path, then steps (RECV_CHAIN). */
static tval chain_value(resolver *R, const ref_ctx *c, char kind, const char *path,
			const char *steps, int depth)
{
	tval v;
	const char *s = steps + tv_start(R, c, kind, path, steps, &v, depth);
	while (*s && (v.ent != NONE || v.wrap != W_NONE || v.ext.p)) {
		char op = *s++;
		size_t n = 0;
		while (s[n] && !strchr(".:?*[!", s[n]))
			n++;
		bool outside = v.ent == NONE && (v.ext.p || v.wrap != W_NONE);
		v = tv_step(R, c, v, op, s, n);
		s += n;
		if (outside && v.ent == NONE && v.wrap == W_NONE && !v.ext.p) {
			/* a step we cannot follow on a value from outside */
			v = TV_NONE;
			v.derived = true;
			return v;
		}
	}
	return *s ? TV_NONE : v;
}

/* The value a receiver descriptor names. */
static tval recv_value(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	const char *path = fstr(R, c->src, r->recv_path), *name = fstr(R, c->src, r->recv_name);
	char kind = 'T';
	pt_strbuf steps = {0};
	pt_strbuf_add(&steps, "", 0);
	tval v = TV_NONE;
	switch (r->recv_kind) {
	case RECV_TYPE: break;
	case RECV_FIELD: pt_strbuf_printf(&steps, ".%s", name); break;
	case RECV_MRET: pt_strbuf_printf(&steps, ":%s", name); break;
	case RECV_RET: kind = 'R'; break;
	case RECV_CHAIN:
		if (!*name)
			goto done;
		kind = *name;
		pt_strbuf_adds(&steps, name + 1);
		break;
	default: goto done;
	}
	v = chain_value(R, c, kind, path, steps.buf, 0);
done:
	pt_strbuf_free(&steps);
	return v;
}

/* The type entity a receiver descriptor names, or NONE. A method of a
 * smart pointer's target is called through it (auto-deref), but for the
 * pointer's own methods. */
uint32_t rs_recv_type(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	tval v = recv_value(R, c, r);
	if (v.wrap == W_BOX) {
		const char *m = fstr(R, c->src, r->name);
		if (!ptr_own(v.ext, m, strlen(m)))
			v = tv_elem(R, c, v);
	}
	return v.ent;
}

recv_type rs_recv(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	tval v = recv_value(R, c, r);
	if (v.wrap == W_BOX) {
		/* the pointer's own method is std's: its key ("Box"); any other
		 * is its target's */
		const char *m = fstr(R, c->src, r->name);
		if (ptr_own(v.ext, m, strlen(m)))
			return (recv_type){NONE, v.ext, false, {NULL, 0}, NONE,
					   NONE, NULL,  NONE,  NONE};
		v = tv_elem(R, c, v);
	}
	recv_type t = {v.ent, v.ext, v.derived, v.args, v.sc, v.self, v.bnd, v.bsc, v.bself};
	switch (v.wrap) {
	case W_OPTION: t.ext = (seg){"Option", 6}; break;
	case W_RESULT: t.ext = (seg){"Result", 6}; break;
	case W_ITER: t.ext = (seg){"", 0}; break;
	case W_PTR: t.ext = (seg){"NonNull", 7}; break;
	case W_TUPLE: t.ext = (seg){"()", 2}; break;
	default: break;
	}
	if (v.wrap != W_NONE)
		t.ent = NONE;
	return t;
}

/* Non-lifetime piece k of type list s[0..n), trimmed; false past the end. */
static bool type_piece(const char *s, size_t n, uint32_t k, const char **p, size_t *pn)
{
	for (uint32_t i = 0; piece(s, n, i, p, pn); i++) {
		trim_type(p, pn);
		if (*pn && **p != '\'' && k-- == 0)
			return true;
	}
	return false;
}

/* The Target of Deref impl alias al when it is a generic parameter of the
 * impl (`impl<E> Deref for PollEvented<E> { type Target = E; }`): the
 * argument written at that parameter's place in the receiver's type
 * (args, read in scope sc with Self = self), as a value. */
static tval deref_param(resolver *R, const ref_ctx *c, uint32_t al, seg args, uint32_t sc,
			uint32_t self)
{
	const ent_aux *a = &R->aux.v[al];
	if (a->item < 0 || fitem(R, a->src, a->item)->parent < 0)
		return TV_NONE;
	const fact_item *it = fitem(R, a->src, a->item);
	const fact_item *imp = fitem(R, a->src, it->parent);
	const char *target = fstr(R, a->src, it->ret_type);
	size_t tn = strlen(target);
	seg g, tr, st;
	if (!tn || imp->kind != PT_IMPL ||
	    !rs_impl_header(fstr(R, a->src, imp->sig), &g, &tr, &st) ||
	    !declares(g.p, g.n, target, tn))
		return TV_NONE;
	const char *lt = memchr(st.p, '<', st.n), *p, *x;
	size_t pn, xn;
	if (!lt || st.p[st.n - 1] != '>')
		return TV_NONE;
	size_t off = (size_t)(lt + 1 - st.p);
	for (uint32_t k = 0; type_piece(lt + 1, st.n - off - 1, k, &p, &pn); k++)
		if (pn == tn && !memcmp(p, target, tn))
			return type_piece(args.p, args.n, k, &x, &xn)
				       ? tv_parse(R, c, sc, self, x, xn)
				       : TV_NONE;
	return TV_NONE;
}

void rs_deref_methods(resolver *R, const ref_ctx *c, const recv_type *rt, seg name, idlist *out)
{
	uint32_t t = rt->ent, sc = rt->asc, self = rt->aself;
	seg args = rt->args;
	for (int depth = 0; depth < 3 && t != NONE && ekind(R, t) != PT_TRAIT; depth++) {
		uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, t, "Target", 6));
		if (!it || ekind(R, mm_val(&R->mm, it)) != PT_TYPE_ALIAS)
			return;
		tval v = args.p ? deref_param(R, c, mm_val(&R->mm, it), args, sc, self) : TV_NONE;
		if (v.ent == NONE && v.wrap == W_NONE && !v.ext.p)
			v = tv_alias(R, c, mm_val(&R->mm, it), 0);
		if (v.wrap == W_NONE && v.ext.p) {
			ext_ctx x = {c->sc, NONE};
			rs_ext_methods(R, &x, v.ext, name, out);
			return;
		}
		if (v.wrap != W_NONE || v.ent == NONE || v.ent == t)
			return;
		rs_assoc(R, v.ent, name, out);
		if (out->n)
			return;
		t = v.ent;
		args = v.args;
		sc = v.sc;
		self = v.self;
	}
}

/* `T::A::f()`: f of the trait bounding associated type A (`type A: Tr;`)
 * of the traits in T's bounds. */
void rs_assoc_bound_methods(resolver *R, const ref_ctx *c, const char *bounds, const char *at,
			    seg name, idlist *out)
{
	idlist types = {0};
	rs_bound_methods(R, c, bounds, (seg){at, strlen(at)}, &types);
	for (size_t i = 0; i < types.n; i++) {
		if (ekind(R, types.v[i]) != PT_TYPE_ALIAS)
			continue;
		tval v = tv_alias(R, c, types.v[i], 0);
		if (v.ent != NONE && ekind(R, v.ent) == PT_TRAIT)
			rs_assoc(R, v.ent, name, out);
	}
	pt_vec_free(&types);
}
