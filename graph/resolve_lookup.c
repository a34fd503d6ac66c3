/* graph/resolve_lookup.c — name lookup, as described at the top of
 * resolve_names.c: a name from a scope (its items and uses, lazily
 * resolved and memoised, the crate's extern prelude and the std prelude,
 * both editions' path rules), associated items along a path (supertraits,
 * type aliases), and whole paths (rs_resolve_path, rs_pick_type). The
 * module tree it walks is built in resolve_names.c; shared state in
 * resolve_int.h.
 */
#include "resolve_int.h"
#include "cfg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- name lookup ------------------------------------------------------ */

static bool edition_2015(const resolver *R, uint32_t sc)
{
	int32_t k = scope_crate(R, sc);
	return k >= 0 && R->crates[k].edition <= 2015;
}

/* The scope of the crate root the code at sc belongs to. */
static uint32_t crate_root_scope(const resolver *R, uint32_t sc)
{
	return (uint32_t)R->scopes.v[rs_module_scope_of_scope(R, sc)].crate_scope;
}

/* A path that names its start: self::, super::, crate::, Self:: */
static bool relative_head(const char *path)
{
	static const char *const heads[] = {"self", "super", "crate", "Self"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(heads[i]);
		if (!strncmp(path, heads[i], n) && (path[n] == 0 || path[n] == ':'))
			return true;
	}
	return false;
}

static void extern_crates(resolver *R, int32_t krate, seg name, idlist *out);

void rs_use_result(resolver *R, uint32_t u, idlist *out, int depth)
{
	use_rec *r = &R->uses.v[u];
	if (r->state == 1 || depth > MAX_DEPTH)
		return;
	if (r->state == 0) {
		r->state = 1;
		idlist tmp = {0};
		const fact_use *fu = &R->src[r->src].facts->uses.v[r->fu];
		const char *path = fstr(R, r->src, fu->path);
		/* `extern crate alloc as alloc_crate;` names the crate, never
		 * an item of the same name (std's `mod alloc`) */
		if ((fu->flags & FU_EXTERN_CRATE) && strcmp(path, "self") != 0)
			extern_crates(R, scope_crate(R, r->scope), (seg){path, strlen(path)}, &tmp);
		/* Rust 2015: a `use` path is relative to the crate root unless
		 * it says self/super/crate (the code compiled, so where the
		 * root has no such name the uniform rule is tried after) */
		if (!tmp.n && edition_2015(R, r->scope) && !relative_head(path))
			rs_resolve_path(R, crate_root_scope(R, r->scope), path, NONE, &tmp,
					depth + 1);
		if (!tmp.n)
			rs_resolve_path(R, r->scope, path, NONE, &tmp, depth + 1);
		r = &R->uses.v[u];
		r->res_off = (uint32_t)R->results.n;
		r->res_n = (uint32_t)tmp.n;
		for (size_t i = 0; i < tmp.n; i++)
			pt_vec_push(&R->results, tmp.v[i]);
		r->state = 2;
		pt_vec_free(&tmp);
	}
	for (uint32_t i = 0; i < r->res_n; i++)
		list_add(out, R->results.v[r->res_off + i]);
}

uint32_t rs_use_start_scope(resolver *R, uint32_t u)
{
	const use_rec *r = &R->uses.v[u];
	const fact_use *fu = &R->src[r->src].facts->uses.v[r->fu];
	const char *path = fstr(R, r->src, fu->path);
	if (!edition_2015(R, r->scope) || relative_head(path) || (fu->flags & FU_EXTERN_CRATE))
		return r->scope;
	seg first[MAX_SEGS];
	if (!rs_split_path(path, first))
		return r->scope;
	uint32_t root = crate_root_scope(R, r->scope);
	idlist got = {0};
	rs_lookup_here(R, root, first[0], &got, 1);
	size_t n = got.n;
	pt_vec_free(&got);
	return n ? root : r->scope;
}

uint32_t rs_mod_scope_of(const resolver *R, uint32_t ent)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_MODSCOPE, ent, "", 0)); it;
	     it = mm_next(&R->mm, it))
		return mm_val(&R->mm, it);
	return NONE;
}

bool rs_built(const resolver *R, uint32_t e)
{
	/* an item under a module the build leaves out carries the flag too
	 * (make_item) */
	return !cfg_off(R, e);
}

/* Whether the code of scope sc lies in module scope ms or below it: the
 * private names of ms are visible there and nowhere else. */
static bool scope_within(const resolver *R, uint32_t sc, uint32_t ms)
{
	for (int32_t m = rs_module_scope_of_scope(R, sc); m >= 0; m = R->scopes.v[m].parent_module)
		if ((uint32_t)m == ms)
			return true;
	return false;
}

static bool use_is_pub(const resolver *R, uint32_t u)
{
	const use_rec *r = &R->uses.v[u];
	return R->src[r->src].facts->uses.v[r->fu].flags & FU_PUB;
}

/* The names scope sc binds. pub_only: as a glob import from outside sc
 * sees them, its `pub` items and `pub use`s only (`use super::*;` in a
 * child module sees everything; `use crate::m::*;` elsewhere does not see
 * what m imports privately, nor m's private fns). */
static void lookup_here_vis(resolver *R, uint32_t sc, seg name, idlist *out, int depth,
			    bool pub_only)
{
	size_t before = out->n;
	bool only_modules = true, only_values = true, all_off = true;
	for (uint32_t it = mm_first(&R->mm, key_of(K_ITEM, sc, name.p, name.n)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t e = mm_val(&R->mm, it);
		if (pub_only && !(R->g->ents.v[e].flags & ENT_PUB))
			continue;
		int k = ekind(R, e);
		only_modules &= k == PT_MODULE || k == PT_CRATE;
		only_values &= k == PT_FUNCTION || k == PT_CONST || k == PT_STATIC;
		all_off &= cfg_off(R, e);
		list_add(out, e);
	}
	/* a module lives in the type namespace: a `use` of the same name may
	 * bring the fn of the value namespace (`mod memchr; pub use
	 * memchr::memchr;` at a crate root); an item the build leaves out
	 * (`cfg_not_rt! { fn spawn_blocking() }`) hides no `use` either
	 * (`cfg_rt! { use crate::runtime::spawn_blocking; }`) */
	if (out->n > before && !all_off && only_values) {
		/* fns, consts and statics live in the value namespace: a `use`
		 * of the same name brings what lives in the type namespace (Rust
		 * rejects two of one namespace), as syn's `pub fn Ident(..)`
		 * beside `pub use proc_macro2::Ident;` */
		idlist got = {0};
		for (uint32_t it = mm_first(&R->mm, key_of(K_USE, sc, name.p, name.n)); it;
		     it = mm_next(&R->mm, it))
			if (!pub_only || use_is_pub(R, mm_val(&R->mm, it)))
				rs_use_result(R, mm_val(&R->mm, it), &got, depth);
		for (size_t i = 0; i < got.n; i++)
			if (is_type(ekind(R, got.v[i])) || is_module(ekind(R, got.v[i])))
				list_add(out, got.v[i]);
		pt_vec_free(&got);
		return;
	}
	if (out->n > before ? !only_modules && !all_off : out->n > 0)
		return;
	for (uint32_t it = mm_first(&R->mm, key_of(K_USE, sc, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		if (!pub_only || use_is_pub(R, mm_val(&R->mm, it)))
			rs_use_result(R, mm_val(&R->mm, it), out, depth);
	if (out->n || depth > MAX_DEPTH)
		return;
	/* the first glob that brings the name; two that bring it are
	 * alternatives of cfg (`cfg_if! { if #[cfg(windows)] { pub use
	 * windows::*; } else { pub use unix::*; } }`): the first whose answer
	 * the build has wins over one it leaves out */
	idlist got = {0};
	for (uint32_t it = mm_first(&R->mm, key_of(K_GLOB, sc, "", 0)); it;
	     it = mm_next(&R->mm, it)) {
		if (pub_only && !use_is_pub(R, mm_val(&R->mm, it)))
			continue;
		idlist mods = {0};
		got.n = 0;
		rs_use_result(R, mm_val(&R->mm, it), &mods, depth + 1);
		for (size_t i = 0; i < mods.n; i++) {
			uint32_t ms = rs_mod_scope_of(R, mods.v[i]);
			int k = ekind(R, mods.v[i]);
			if (ms != NONE && ms != sc && (k == PT_MODULE || k == PT_CRATE))
				lookup_here_vis(R, ms, name, &got, depth + 1,
						pub_only || !scope_within(R, sc, ms));
			else if (k == PT_ENUM) /* `use E::*`: its variants */
				for (uint32_t v = mm_first(
					     &R->mm, key_of(K_ASSOC, mods.v[i], name.p, name.n));
				     v; v = mm_next(&R->mm, v))
					if (ekind(R, mm_val(&R->mm, v)) == PT_VARIANT)
						list_add(&got, mm_val(&R->mm, v));
		}
		pt_vec_free(&mods);
		bool built = false;
		for (size_t i = 0; i < got.n && !built; i++)
			built = rs_built(R, got.v[i]);
		if (got.n && (built || !out->n)) {
			out->n = 0;
			for (size_t i = 0; i < got.n; i++)
				list_add(out, got.v[i]);
		}
		if (built)
			break;
	}
	pt_vec_free(&got);
}

void rs_lookup_here(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	lookup_here_vis(R, sc, name, out, depth, false);
}

static const char *const prelude[][2] = {
	{"Option", "core::option::Option"},
	{"Result", "core::result::Result"},
	{"Vec", "alloc::vec::Vec"},
	{"String", "alloc::string::String"},
	{"Box", "alloc::boxed::Box"},
	{"ToString", "alloc::string::ToString"},
	{"ToOwned", "alloc::borrow::ToOwned"},
	{"Clone", "core::clone::Clone"},
	{"Copy", "core::marker::Copy"},
	{"Send", "core::marker::Send"},
	{"Sync", "core::marker::Sync"},
	{"Sized", "core::marker::Sized"},
	{"Unpin", "core::marker::Unpin"},
	{"Default", "core::default::Default"},
	{"Drop", "core::ops::Drop"},
	{"Fn", "core::ops::Fn"},
	{"FnMut", "core::ops::FnMut"},
	{"FnOnce", "core::ops::FnOnce"},
	{"Iterator", "core::iter::Iterator"},
	{"IntoIterator", "core::iter::IntoIterator"},
	{"Extend", "core::iter::Extend"},
	{"DoubleEndedIterator", "core::iter::DoubleEndedIterator"},
	{"ExactSizeIterator", "core::iter::ExactSizeIterator"},
	{"From", "core::convert::From"},
	{"Into", "core::convert::Into"},
	{"TryFrom", "core::convert::TryFrom"},
	{"TryInto", "core::convert::TryInto"},
	{"AsRef", "core::convert::AsRef"},
	{"AsMut", "core::convert::AsMut"},
	{"PartialEq", "core::cmp::PartialEq"},
	{"Eq", "core::cmp::Eq"},
	{"PartialOrd", "core::cmp::PartialOrd"},
	{"Ord", "core::cmp::Ord"},
	{"Debug", "core::fmt::Debug"},
	{"Hash", "core::hash::Hash"},
};

const char *rs_prelude_path(seg name)
{
	for (size_t i = 0; i < sizeof prelude / sizeof *prelude; i++)
		if (seg_is(name, prelude[i][0]))
			return prelude[i][1];
	return NULL;
}

/* The crates a name means outside every scope of crate krate: its extern
 * prelude (Cargo's dependencies under their names), and the standard
 * library's crates when the folder holds them. Code of no known crate
 * may name any library of the folder. */
static void extern_crates(resolver *R, int32_t krate, seg name, idlist *out)
{
	bool sysroot = seg_is(name, "std") || seg_is(name, "core") || seg_is(name, "alloc") ||
		       seg_is(name, "proc_macro") || seg_is(name, "test");
	if (krate >= 0)
		for (uint32_t it =
			     mm_first(&R->mm, key_of(K_EXTERN, (uint64_t)krate, name.p, name.n));
		     it; it = mm_next(&R->mm, it))
			list_add(out, mm_val(&R->mm, it));
	if (krate >= 0 && !sysroot)
		return;
	for (uint32_t it = mm_first(&R->mm, key_of(K_CRATE, 0, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		list_add(out, mm_val(&R->mm, it));
}

/* Outside every scope: the crate's extern prelude, then the prelude. */
/* `extern crate a as b;` at a crate root puts b in the extern prelude of
 * every module of the crate (std's `extern crate alloc as alloc_crate;`,
 * then `pub use alloc_crate::alloc::*;` in std::alloc). */
static void root_extern_alias(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	uint32_t root = crate_root_scope(R, sc);
	if (root == sc)
		return; /* the root's own uses were looked up already */
	for (uint32_t it = mm_first(&R->mm, key_of(K_USE, root, name.p, name.n)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t u = mm_val(&R->mm, it);
		const use_rec *r = &R->uses.v[u];
		if (R->src[r->src].facts->uses.v[r->fu].flags & FU_EXTERN_CRATE)
			rs_use_result(R, u, out, depth + 1);
	}
}

static void lookup_outside(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	extern_crates(R, scope_crate(R, sc), name, out);
	if (out->n || depth > MAX_DEPTH)
		return;
	root_extern_alias(R, sc, name, out, depth);
	if (out->n)
		return;
	const char *pp = rs_prelude_path(name);
	if (pp)
		rs_resolve_path(R, sc, pp, NONE, out, depth + 1);
}

void rs_lookup_crate(resolver *R, uint32_t sc, seg name, idlist *out)
{
	extern_crates(R, scope_crate(R, sc), name, out);
	if (!out->n)
		root_extern_alias(R, sc, name, out, 0);
}

/* Module scope, crates, then the prelude: the part of a lookup that is the
 * same for every fn body in a module. */
static void lookup_module(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	rs_lookup_here(R, sc, name, out, depth);
	if (!out->n)
		lookup_outside(R, sc, name, out, depth);
}

typedef void lookup_fn(resolver *R, uint32_t sc, seg name, idlist *out, int depth);

/* The answer of look(sc, name, depth) into an empty list, kept under key
 * (made once, then read), added to out. */
static void lookup_kept(resolver *R, uint64_t key, lookup_fn *look, uint32_t sc, seg name,
			idlist *out, int depth)
{
	uint32_t it = mm_first(&R->mm, key);
	if (!it) {
		idlist tmp = {0};
		look(R, sc, name, &tmp, depth);
		mm_add(&R->mm, key, (uint32_t)R->cache.n);
		pt_vec_push(&R->cache, (uint32_t)R->results.n);
		pt_vec_push(&R->cache, (uint32_t)tmp.n);
		for (size_t i = 0; i < tmp.n; i++)
			pt_vec_push(&R->results, tmp.v[i]);
		pt_vec_free(&tmp);
		it = mm_first(&R->mm, key);
	}
	uint32_t c = mm_val(&R->mm, it);
	for (uint32_t i = 0; i < R->cache.v[c + 1]; i++)
		list_add(out, R->results.v[R->cache.v[c] + i]);
}

/* A lookup that starts with no `use` in progress (depth 0) does not depend
 * on the call stack, so its answer per module scope can be kept: the same
 * names are looked up from every function of a module. */
static void lookup_module_cached(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	if (depth > 0 || !R->caching) {
		lookup_module(R, sc, name, out, depth);
		return;
	}
	lookup_kept(R, key_of(K_LOOKUP, sc, name.p, name.n), lookup_module, sc, name, out, depth);
}

/* A later segment of a path resolved with no `use` in progress (depth 0),
 * looked up in module scope msc into an empty list: as above, its answer
 * does not depend on the call stack and is kept (`ffi::X` through the
 * globs of a -sys crate is looked up from every function that names it).
 * A list that already holds candidates changes what rs_lookup_here does
 * with globs: then it is asked directly. */
static void lookup_segment(resolver *R, uint32_t msc, seg name, idlist *out, int depth)
{
	if (depth > 0 || !R->caching || out->n) {
		rs_lookup_here(R, msc, name, out, depth + 1);
		return;
	}
	lookup_kept(R, key_of(K_SEGLOOKUP, msc, name.p, name.n), rs_lookup_here, msc, name, out,
		    depth + 1);
}

void rs_lookup(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	if (!mm_first(&R->mm, key_of(K_ANYNAME, 0, name.p, name.n))) {
		/* declared nowhere: only a crate or the prelude can answer */
		lookup_outside(R, sc, name, out, depth);
		return;
	}
	int32_t s = (int32_t)sc;
	for (; R->scopes.v[s].parent >= 0; s = R->scopes.v[s].parent) {
		rs_lookup_here(R, (uint32_t)s, name, out, depth);
		if (out->n)
			return;
	}
	lookup_module_cached(R, (uint32_t)s, name, out, depth);
}

/* The bounds in s[0..n) (`B + C<X> + ?Sized + 'a`), each resolved as a
 * trait in scope sc with Self = self, added to out. */
static void bound_traits(resolver *R, uint32_t sc, uint32_t self, const char *s, size_t n,
			 idlist *out)
{
	size_t i = 0;
	while (i < n) {
		size_t start = i;
		int depth = 0;
		for (; i < n && (depth || s[i] != '+'); i++)
			depth += (s[i] == '<' || s[i] == '(') - (s[i] == '>' || s[i] == ')');
		const char *b = s + start, *e = s + i;
		while (b < e && (*b == ' ' || *b == '?'))
			b++;
		const char *lt = memchr(b, '<', (size_t)(e - b)),
			   *pa = memchr(b, '(', (size_t)(e - b));
		if (lt)
			e = lt;
		if (pa && pa < e)
			e = pa;
		while (e > b && e[-1] == ' ')
			e--;
		if (e > b && *b != '\'') {
			char *path = pt_xstrndup(b, (size_t)(e - b));
			idlist c = {0};
			rs_resolve_path(R, sc, path, self, &c, 0);
			for (size_t k = 0; k < c.n; k++)
				if (ekind(R, c.v[k]) == PT_TRAIT && c.v[k] != self)
					list_add(out, c.v[k]);
			pt_vec_free(&c);
			free(path);
		}
		i++;
	}
}

/* The supertraits of trait tr as its declaration writes them (`trait A:
 * B + C`, `where Self: D`), resolved where it is declared. */
static void supertraits(resolver *R, uint32_t tr, idlist *out)
{
	const ent_aux *a = &R->aux.v[tr];
	if (a->item < 0)
		return;
	const char *sig = fstr(R, a->src, fitem(R, a->src, a->item)->sig), *p = sig;
	while ((p = strstr(p, "trait ")) && p > sig &&
	       (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		p++;
	if (!p)
		return;
	p += 6;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	while (*p == ' ')
		p++;
	if (*p == '<')
		for (int depth = 0; *p; p++) {
			depth += (*p == '<') - (*p == '>');
			if (!depth) {
				p++;
				break;
			}
		}
	while (*p == ' ')
		p++;
	const char *w = strstr(p, " where ");
	if (*p == ':') {
		p++;
		bound_traits(R, a->escope, tr, p, w ? (size_t)(w - p) : strlen(p), out);
	}
	for (const char *s = w ? strstr(w, "Self:") : NULL; s; s = strstr(s + 5, "Self:")) {
		const char *e = s + 5;
		for (int depth = 0; *e && (depth || *e != ','); e++)
			depth += (*e == '<' || *e == '(') - (*e == '>' || *e == ')');
		bound_traits(R, a->escope, tr, s + 5, (size_t)(e - s - 5), out);
	}
}

static void trait_items(resolver *R, uint32_t tr, seg name, idlist *out, int depth)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_TRAITITEM, tr, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		list_add(out, mm_val(&R->mm, it));
	if (out->n || depth > 4)
		return;
	/* an item of a supertrait is one of the trait's too; a trait's
	 * supertraits are read once (K_SUPERS holds NONE first, then them) */
	uint64_t key = key_of(K_SUPERS, tr, "", 0);
	if (!mm_first(&R->mm, key)) {
		idlist sup = {0};
		mm_add(&R->mm, key, NONE);
		supertraits(R, tr, &sup);
		for (size_t i = 0; i < sup.n; i++)
			mm_add(&R->mm, key, sup.v[i]);
		pt_vec_free(&sup);
	}
	for (uint32_t it = mm_first(&R->mm, key); it; it = mm_next(&R->mm, it))
		if (mm_val(&R->mm, it) != NONE)
			trait_items(R, mm_val(&R->mm, it), name, out, depth + 1);
}

/* Associated item `name` of type or trait ent: inherent and trait impls'
 * items, then the default items of traits the type implements; a trait's
 * own items, else its supertraits'. */
/* The type a type alias stands for (`type VecType = StackVec<u8>;` →
 * StackVec), read where the alias is written; NONE when it is no type of
 * ours. */
static uint32_t alias_target(resolver *R, uint32_t alias)
{
	const ent_aux *a = &R->aux.v[alias];
	if (a->item < 0 || a->escope == NONE)
		return NONE;
	const char *t = fstr(R, a->src, fitem(R, a->src, a->item)->ret_type);
	size_t n = strcspn(t, "<");
	if (!n)
		return NONE;
	if (n == 4 && !memcmp(t, "Self", 4))
		return a->self_ent;
	char *path = pt_xstrndup(t, n);
	idlist c = {0};
	rs_resolve_path(R, a->escope, path, a->self_ent, &c, 0);
	uint32_t ty = rs_first_type(R, &c);
	pt_vec_free(&c);
	free(path);
	return ty == alias ? NONE : ty;
}

static void assoc_d(resolver *R, uint32_t ent, seg name, idlist *out, int depth);

void rs_assoc(resolver *R, uint32_t ent, seg name, idlist *out)
{
	assoc_d(R, ent, name, out, 0);
}

static void assoc_d(resolver *R, uint32_t ent, seg name, idlist *out, int depth)
{
	int k = ekind(R, ent);
	if (k == PT_TRAIT) {
		trait_items(R, ent, name, out, 0);
		return;
	}
	for (uint32_t it = mm_first(&R->mm, key_of(K_ASSOC, ent, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		list_add(out, mm_val(&R->mm, it));
	if (out->n)
		return; /* inherent items win over trait items, as in Rust */
	for (uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, ent, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		list_add(out, mm_val(&R->mm, it));
	if (out->n)
		return;
	for (uint32_t it = mm_first(&R->mm, key_of(K_TYPETRAIT, ent, "", 0)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t tr = mm_val(&R->mm, it);
		for (uint32_t j = mm_first(&R->mm, key_of(K_TRAITITEM, tr, name.p, name.n)); j;
		     j = mm_next(&R->mm, j))
			list_add(out, mm_val(&R->mm, j));
	}
	/* an alias as a path's root (`VecType::new()` after `type VecType =
	 * StackVec<u8>;`): the items of what it stands for */
	if (!out->n && k == PT_TYPE_ALIAS && depth < 4) {
		uint32_t t = alias_target(R, ent);
		if (t != NONE && t != ent)
			assoc_d(R, t, name, out, depth + 1);
	}
}

int32_t rs_module_scope_of_scope(const resolver *R, uint32_t sc)
{
	int32_t s = (int32_t)sc;
	while (R->scopes.v[s].parent >= 0)
		s = R->scopes.v[s].parent;
	return s;
}

/* A path's first segment lives in the type namespace: a module, crate or
 * type. A `use` that brings a fn or macro of that name (`use
 * quote::quote;`) does not hide the crate `quote` in `quote::ToTokens`. */
static void keep_prefixes(resolver *R, uint32_t sc, seg name, idlist *cur, int depth)
{
	size_t w = 0, had = cur->n;
	for (size_t k = 0; k < cur->n; k++) {
		int kind = ekind(R, cur->v[k]);
		if (is_module(kind) || is_type(kind))
			cur->v[w++] = cur->v[k];
	}
	cur->n = w;
	if (!w && had)
		lookup_outside(R, sc, name, cur, depth);
}

void rs_resolve_path(resolver *R, uint32_t sc, const char *path, uint32_t self_ent, idlist *out,
		     int depth)
{
	seg segs[MAX_SEGS];
	size_t n = rs_split_path(path, segs);
	if (!n || depth > MAX_DEPTH || sc == NONE)
		return;
	idlist cur = {0}, next = {0};
	size_t i = 0;
	int32_t ms = rs_module_scope_of_scope(R, sc);
	if (seg_is(segs[0], "crate")) {
		pt_vec_push(&cur, R->scopes.v[R->scopes.v[ms].crate_scope].module_ent);
		i = 1;
	} else if (seg_is(segs[0], "self") || seg_is(segs[0], "super")) {
		while (i < n && (seg_is(segs[i], "self") || seg_is(segs[i], "super"))) {
			if (seg_is(segs[i], "super") && ms >= 0)
				ms = R->scopes.v[ms].parent_module;
			i++;
		}
		if (ms >= 0)
			pt_vec_push(&cur, R->scopes.v[ms].module_ent);
	} else if (seg_is(segs[0], "Self")) {
		if (self_ent != NONE)
			pt_vec_push(&cur, self_ent);
		i = 1;
	} else {
		rs_lookup(R, sc, segs[0], &cur, depth);
		/* Rust 2015: `::a::b` (its `::` is not kept) starts at the crate root */
		if (!cur.n && edition_2015(R, sc) && (uint32_t)ms != crate_root_scope(R, sc))
			lookup_module_cached(R, crate_root_scope(R, sc), segs[0], &cur, depth);
		i = 1;
		if (n > 1)
			keep_prefixes(R, sc, segs[0], &cur, depth);
	}
	for (; i < n && cur.n; i++) {
		next.n = 0;
		for (size_t c = 0; c < cur.n; c++) {
			uint32_t e = cur.v[c];
			int k = ekind(R, e);
			if (is_module(k)) {
				uint32_t msc = rs_mod_scope_of(R, e);
				if (msc != NONE)
					lookup_segment(R, msc, segs[i], &next, depth);
			} else if (is_type(k)) {
				rs_assoc(R, e, segs[i], &next);
			}
		}
		idlist t = cur;
		cur = next;
		next = t;
	}
	if (i == n)
		for (size_t c = 0; c < cur.n; c++)
			list_add(out, cur.v[c]);
	pt_vec_free(&cur);
	pt_vec_free(&next);
}

/* The first type among candidates, one in the default build first
 * (`#[cfg(feature = "std")] use self::std::Forward;` beside the `not`
 * one); NONE if there is none. */
uint32_t rs_first_type(const resolver *R, const idlist *c)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++)
			if (is_type(ekind(R, c->v[i])) && (pass || rs_built(R, c->v[i])))
				return c->v[i];
	return NONE;
}

uint32_t rs_pick_type(resolver *R, uint32_t sc, const char *path)
{
	idlist c = {0};
	rs_resolve_path(R, sc, path, NONE, &c, 0);
	uint32_t t = rs_first_type(R, &c);
	pt_vec_free(&c);
	return t;
}
