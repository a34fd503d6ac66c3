/* graph/resolve.c — facts of every file → entities and edges.
 *
 * The steps, in order, each a pass over all files:
 *   1. module tree: from each crate root follow `mod x;` to files; files no
 *      crate reaches become roots of their own (a folder without Cargo.toml);
 *   2. entities for every item, with qualified paths and stable ids, and the
 *      names each scope declares;
 *   3. impls: self type and trait resolved, methods attached to their type
 *      (DEFINES), IMPL edges, derives;
 *   4. references: calls (path and method), types used, macros.
 * `use` declarations are resolved lazily, memoised, with a depth bound so
 * that glob cycles end. Everything here is a pure function of the input, so
 * incremental runs equal full ones.
 *
 * Steps 1 and 2, and every name lookup, are in resolve_names.c; the typing
 * of method-call receivers is in resolve_recv.c. This file holds steps 3
 * and 4 and the driver behind resolve.h; resolve_int.h the state the three
 * share.
 */
#include "resolve_int.h"
#include "stdnames.h"

#include <stdlib.h>

/* ---- edges ------------------------------------------------------------ */

static void add_edge(resolver *R, uint32_t src, uint32_t dst, int kind, int flags, uint32_t file,
		     pt_span site)
{
	if (src == NONE || dst == NONE)
		return;
	pt_assert(src < R->g->ents.n && dst < R->g->ents.n && pt_span_ok(site));
	pt_edge e = {src, dst, (uint8_t)kind, (uint8_t)flags, file, site, R->emitting};
	pt_vec_push(&R->g->edges, e);
}

/* ---- impls ------------------------------------------------------------ */

/* The members of impl i: items whose parent it is (they follow it). */
/* Members may come anywhere after their impl (macro-made methods are added
 * once the file is walked): follow the child lists. */
#define FOR_MEMBERS(R, src, i, j)                                                                  \
	for (int32_t j = (R)->fi[src].first_child[i]; j >= 0; j = (R)->fi[src].next_sibling[j])

/* Registration: self type and traits of impl i, its members as associated
 * items of the type, and which trait items they implement. */
static void reg_impl(resolver *R, uint32_t src, int32_t i)
{
	const pt_facts *fa = R->src[src].facts;
	const fact_item *it = &fa->items.v[i];
	uint32_t ie = R->fi[src].item_ent[i];
	uint32_t sc = R->aux.v[ie].escope;
	uint32_t self = *fstr(R, src, it->impl_self)
				? rs_pick_type(R, sc, fstr(R, src, it->impl_self))
				: NONE;
	idlist traits = {0};
	if (it->impl_trait)
		rs_resolve_trait(R, sc, fstr(R, src, it->impl_trait), self, &traits);
	R->aux.v[ie].self_ent = self;
	/* a self type outside the workspace is known by its key */
	uint32_t xi = self == NONE ? rs_impl_ext_key(R, src, it) : NONE;
	const char *ext = xi != NONE ? R->made.v[xi] : NULL;
	if (ext)
		mm_add(&R->mm, key_of(K_IMPLEXT, ie, "", 0), xi);
	for (size_t t = 0; t < traits.n; t++) {
		mm_add(&R->mm, key_of(K_IMPLTRAITS, ie, "", 0), traits.v[t]);
		if (self != NONE)
			mm_add(&R->mm, key_of(K_TYPETRAIT, self, "", 0), traits.v[t]);
		else if (ext)
			rs_ext_register(R, ext, ie, traits.v[t]);
	}
	FOR_MEMBERS(R, src, i, j)
	{
		const fact_item *m = &fa->items.v[j];
		uint32_t me = R->fi[src].item_ent[j];
		const char *name = fstr(R, src, m->name);
		R->aux.v[me].self_ent = self;
		if (self != NONE)
			mm_add(&R->mm,
			       key_of(it->impl_trait ? K_TASSOC : K_ASSOC, self, name,
				      strlen(name)),
			       me);
		else if (ext && *ext && it->impl_trait)
			rs_ext_register_member(R, ext, name, me);
		for (size_t t = 0; t < traits.n; t++)
			for (uint32_t k = mm_first(
				     &R->mm, key_of(K_TRAITITEM, traits.v[t], name, strlen(name)));
			     k; k = mm_next(&R->mm, k))
				mm_add(&R->mm, key_of(K_IMPLOF, me, "", 0), mm_val(&R->mm, k));
	}
	pt_vec_free(&traits);
}

/* Edges of impl i, from what reg_impl recorded: IMPL (type or impl →
 * trait), DEFINES (type → method), IMPL (method → trait method). */
static void emit_impl(resolver *R, uint32_t src, int32_t i)
{
	const pt_facts *fa = R->src[src].facts;
	const fact_item *it = &fa->items.v[i];
	uint32_t ie = R->fi[src].item_ent[i], fid = R->src[src].id, self = R->aux.v[ie].self_ent;
	int eflags =
		((it->flags & FI_MACRO_GEN) ? EDGE_MACRO : 0) | (cfg_off(R, ie) ? EDGE_CFG_OFF : 0);
	for (uint32_t t = mm_first(&R->mm, key_of(K_IMPLTRAITS, ie, "", 0)); t;
	     t = mm_next(&R->mm, t))
		add_edge(R, self != NONE ? self : ie, mm_val(&R->mm, t), REL_IMPL, eflags, fid,
			 it->span);
	FOR_MEMBERS(R, src, i, j)
	{
		const fact_item *m = &fa->items.v[j];
		uint32_t me = R->fi[src].item_ent[j];
		if (self != NONE && m->kind == PT_METHOD)
			add_edge(R, self, me, REL_DEFINES, 0, fid, m->name_span);
		for (uint32_t k = mm_first(&R->mm, key_of(K_IMPLOF, me, "", 0)); k;
		     k = mm_next(&R->mm, k))
			add_edge(R, me, mm_val(&R->mm, k), REL_IMPL, 0, fid, m->name_span);
	}
}

static void do_trait_selfs(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	for (size_t j = 0; j < fa->items.n; j++) {
		const fact_item *m = &fa->items.v[j];
		if (m->parent >= 0 && fa->items.v[m->parent].kind == PT_TRAIT)
			R->aux.v[R->fi[src].item_ent[j]].self_ent = R->fi[src].item_ent[m->parent];
	}
}

/* Nested items inherit the self type of their enclosing impl or trait. */
static uint32_t self_of(const resolver *R, uint32_t src, int32_t i)
{
	for (int32_t p = i; p >= 0; p = fitem(R, src, p)->parent) {
		uint32_t e = R->fi[src].item_ent[p];
		if (R->aux.v[e].self_ent != NONE)
			return R->aux.v[e].self_ent;
		int k = fitem(R, src, p)->kind;
		if (k == PT_TRAIT)
			return e;
		if (k == PT_IMPL) {
			/* `impl Tr for [u8]`: Self is not ours, but it has Tr */
			uint32_t t = mm_first(&R->mm, key_of(K_IMPLTRAITS, e, "", 0));
			return t ? mm_val(&R->mm, t) : NONE;
		}
	}
	return NONE;
}

/* ---- references -------------------------------------------------------- */

/* Scope sc lies in a module the default build leaves out. */
static bool in_cfg_off_module(const resolver *R, uint32_t sc)
{
	for (int32_t ms = rs_module_scope_of_scope(R, sc); ms >= 0;
	     ms = R->scopes.v[ms].parent_module) {
		uint32_t m = R->scopes.v[ms].module_ent;
		if (m != NONE && cfg_off(R, m))
			return true;
	}
	return false;
}

/* Only what the code's crate may name: itself and its dependency closure
 * (a method of a crate it does not depend on is never its callee). */
static void drop_unreachable(const resolver *R, const ref_ctx *c, idlist *cands)
{
	int32_t from = scope_crate(R, c->sc);
	size_t w = 0;
	for (size_t i = 0; i < cands->n; i++)
		if (crate_reaches(R, from, ent_crate(R, cands->v[i])))
			cands->v[w++] = cands->v[i];
	cands->n = w;
}

/* Candidates of one call: those in the default build when some are (a
 * cfg'd-out variant is not what the build calls), and for name-only guesses
 * those of the caller's own crate when some are. */
static void prefer(resolver *R, const ref_ctx *c, idlist *cands, bool same_crate)
{
	size_t on = 0, here = 0, w = 0;
	int32_t crate = R->fi[c->src].crate;
	drop_unreachable(R, c, cands);
	bool built[MAX_CANDIDATES] = {0};
	pt_assert(cands->n <= MAX_CANDIDATES); /* list_add keeps it so */
	for (size_t i = 0; i < cands->n && i < MAX_CANDIDATES; i++)
		on += built[i] = rs_built(R, cands->v[i]);
	/* code in the build does not call what the build leaves out (code
	 * the build leaves out, itself or in a module it leaves out, may:
	 * our cfg evaluation does not know a build script's cfgs) */
	if (!on && cands->n && !cfg_off(R, c->from_ent) && !in_cfg_off_module(R, c->sc))
		cands->n = 0;
	if (on && on < cands->n) {
		for (size_t i = 0; i < cands->n; i++)
			if (built[i])
				cands->v[w++] = cands->v[i];
		cands->n = w;
	}
	if (!same_crate)
		return;
	for (size_t i = 0; i < cands->n; i++)
		here += R->fi[R->aux.v[cands->v[i]].src].crate == crate;
	if (here && here < cands->n) {
		w = 0;
		for (size_t i = 0; i < cands->n; i++)
			if (R->fi[R->aux.v[cands->v[i]].src].crate == crate)
				cands->v[w++] = cands->v[i];
		cands->n = w;
	}
}

static bool usable(int k);
static void emit_uses_of(resolver *R, const ref_ctx *c, const idlist *cands, const fact_ref *r);

static void emit_calls(resolver *R, const ref_ctx *c, idlist *cands, const fact_ref *r, int flags)
{
	size_t n = 0, variants = 0;
	prefer(R, c, cands, false);
	for (size_t i = 0; i < cands->n; i++) {
		n += callable(ekind(R, cands->v[i]));
		variants += ekind(R, cands->v[i]) == PT_VARIANT;
	}
	if (!n && variants) { /* `E::B(x)` builds a variant: a use, not a call */
		emit_uses_of(R, c, cands, r);
		return;
	}
	if (!n) {
		R->g->n_unresolved_calls++;
		return;
	}
	if (n > 1) {
		flags |= EDGE_AMBIGUOUS;
		R->g->n_ambiguous_calls++;
	}
	for (size_t i = 0; i < cands->n; i++)
		if (callable(ekind(R, cands->v[i])))
			add_edge(R, c->from_ent, cands->v[i], REL_CALLS, flags, c->fid, r->span);
	/* a method of a trait impl is called through its trait: the trait's
	 * method is the callee too (rustc names it), so its callers and
	 * references list this site */
	for (size_t i = 0; i < cands->n; i++) {
		if (ekind(R, cands->v[i]) != PT_METHOD)
			continue;
		for (uint32_t k = mm_first(&R->mm, key_of(K_IMPLOF, cands->v[i], "", 0)); k;
		     k = mm_next(&R->mm, k)) {
			uint32_t decl = mm_val(&R->mm, k);
			bool have = false;
			for (size_t j = 0; j < cands->n && !have; j++)
				have = cands->v[j] == decl;
			if (!have && callable(ekind(R, decl)))
				add_edge(R, c->from_ent, decl, REL_CALLS, flags | EDGE_TRAIT_CALL,
					 c->fid, r->span);
		}
	}
}

/* Whether method m is declared by a trait or a trait's impl. */
static bool of_trait(const resolver *R, uint32_t m)
{
	const ent_aux *a = &R->aux.v[m];
	if (a->item < 0 || fitem(R, a->src, a->item)->parent < 0)
		return false;
	const fact_item *p = fitem(R, a->src, fitem(R, a->src, a->item)->parent);
	return p->kind == PT_TRAIT || (p->kind == PT_IMPL && (p->flags & FI_TRAIT_IMPL));
}

/* Whether a call written at c can reach method m by method syntax: an
 * inherent method always, a trait's (declared or implemented) only where
 * a trait of ours is in scope; a trait outside the workspace we cannot
 * tell, so yes. */
static bool reachable(resolver *R, const ref_ctx *c, uint32_t m)
{
	const ent_aux *a = &R->aux.v[m];
	if (!of_trait(R, m))
		return true;
	int32_t pi = fitem(R, a->src, a->item)->parent;
	uint32_t pe = R->fi[a->src].item_ent[pi];
	uint32_t self_trait =
		c->self_ent != NONE && ekind(R, c->self_ent) == PT_TRAIT ? c->self_ent : NONE;
	if (ekind(R, pe) == PT_TRAIT)
		return rs_trait_in_scope(R, c->sc, self_trait, pe);
	for (uint32_t it = mm_first(&R->mm, key_of(K_IMPLTRAITS, pe, "", 0)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t tr = mm_val(&R->mm, it);
		if ((R->g->ents.v[tr].flags & ENT_EXTERNAL) ||
		    rs_trait_in_scope(R, c->sc, self_trait, tr))
			return true;
	}
	return false;
}

/* Where a call on a type outside the workspace is written: its scope, and
 * the trait whose default method it is in (its own methods are in scope). */
static ext_ctx ext_ctx_of(const resolver *R, const ref_ctx *c)
{
	return (ext_ctx){c->sc, c->self_ent != NONE && ekind(R, c->self_ent) == PT_TRAIT
					? c->self_ent
					: NONE};
}

static void do_method_call(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	const char *name = fstr(R, c->src, r->name);
	seg nm = {name, strlen(name)};
	idlist cands = {0};
	int flags = 0;
	bool typed = false; /* the receiver's type is known: no guess by name */
	bool traits_only = false, derived = false;
	if (r->recv_kind == RECV_BOUND) {
		rs_bound_methods(R, c, fstr(R, c->src, r->recv_path), nm, &cands);
		flags = EDGE_TRAIT_CALL;
	} else {
		recv_type t = rs_recv(R, c, r);
		derived = t.derived;
		if (t.ext.p) {
			/* a type outside the workspace: its own method, or one of a
			 * workspace trait implemented for it; never another type's */
			ext_ctx x = ext_ctx_of(R, c);
			rs_ext_methods(R, &x, t.ext, nm, &cands);
			typed = true;
		} else if (t.ent != NONE) {
			rs_assoc(R, t.ent, nm, &cands);
			if (!cands.n && t.bounds) {
				/* `R: Rd + Seek`: the other traits' methods too */
				ref_ctx bc = *c;
				bc.sc = t.bsc, bc.self_ent = t.bself;
				rs_bound_methods(R, &bc, t.bounds, nm, &cands);
			}
			if (ekind(R, t.ent) == PT_TRAIT)
				flags = EDGE_TRAIT_CALL;
			else if (!cands.n)
				rs_deref_methods(R, c, &t, nm, &cands);
			/* a type of ours without that method: another type's own
			 * method is never it, a trait's may be (a derive, a blanket
			 * or macro-made impl we do not see); a value known only by a
			 * trait (Self of an impl whose type we cannot find) may be
			 * anything */
			traits_only = ekind(R, t.ent) != PT_TRAIT;
		}
	}
	/* a std method's name on what a std value gives is std's */
	if (!cands.n && !typed && !(derived && pt_is_std_method(name, strlen(name)))) {
		/* receiver type unknown: a guess by name, kept only when few
		 * methods have that name that the call can reach (a trait's
		 * only where the trait is in scope). The one method of a name
		 * the standard library does not use is taken; any other guess
		 * is marked. */
		size_t n = 0;
		idlist g = {0};
		int32_t from = scope_crate(R, c->sc);
		for (uint32_t it = mm_first(&R->mm, key_of(K_METHODNAME, 0, name, strlen(name)));
		     it && n <= MAX_GUESSES; it = mm_next(&R->mm, it)) {
			uint32_t m = mm_val(&R->mm, it);
			/* only a crate the code's crate depends on (or itself) */
			if (!crate_reaches(R, from, ent_crate(R, m)) ||
			    (traits_only && !of_trait(R, m)) || !reachable(R, c, m))
				continue;
			n++;
			list_add(&g, m);
		}
		if (n && n <= MAX_GUESSES) {
			for (size_t i = 0; i < g.n; i++)
				list_add(&cands, g.v[i]);
			prefer(R, c, &cands, true);
			if (cands.n > 1 || pt_std_method_count() == 0 ||
			    pt_is_std_method(name, strlen(name)))
				flags |= EDGE_AMBIGUOUS;
		}
		pt_vec_free(&g);
	}
	emit_calls(R, c, &cands, r, flags);
	pt_vec_free(&cands);
}

/* `<Type as Trait>::f()` with Type known: the method of the impl of Trait
 * for Type, when there is one, instead of the trait's declaration. */
static void qualified_impl(resolver *R, const ref_ctx *c, const fact_ref *r, idlist *cands,
			   int *flags)
{
	if (r->recv_kind != RECV_TYPE || cands->n != 1 || ekind(R, cands->v[0]) != PT_METHOD)
		return;
	uint32_t t = rs_recv_type(R, c, r), decl = cands->v[0];
	if (t == NONE || ekind(R, t) == PT_TRAIT)
		return;
	const char *name = pt_graph_str(R->g, R->g->ents.v[decl].name);
	for (uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, t, name, strlen(name))); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t m = mm_val(&R->mm, it);
		for (uint32_t k = mm_first(&R->mm, key_of(K_IMPLOF, m, "", 0)); k;
		     k = mm_next(&R->mm, k))
			if (mm_val(&R->mm, k) == decl) {
				cands->v[0] = m;
				*flags = 0;
				return;
			}
	}
}

/* Whether method m is a workspace trait's: declared by one, or
 * implementing one of its methods. */
static bool of_workspace_trait(resolver *R, uint32_t m)
{
	if (mm_first(&R->mm, key_of(K_IMPLOF, m, "", 0)))
		return true;
	const ent_aux *a = &R->aux.v[m];
	if (a->item < 0)
		return false;
	int32_t p = fitem(R, a->src, a->item)->parent;
	return p >= 0 && ekind(R, R->fi[a->src].item_ent[p]) == PT_TRAIT;
}

/* `OsStr::from_raw_bytes(b)`, `u32::from_be_slice(b)`: a type outside the
 * workspace, then a name its own impls do not have; a workspace trait
 * implemented for that type (and in scope) may give it. */
static void ext_type_path_call(resolver *R, const ref_ctx *c, const char *path, idlist *cands)
{
	const char *last = rs_last_seg(path);
	if (last == path || last - path < 3 || strchr(path, '<'))
		return;
	size_t pn = (size_t)(last - path) - 2; /* the prefix, without "::" */
	char *prefix = pt_xstrndup(path, pn);
	seg key = rs_ext_key(R, c->sc, prefix, pn);
	if (key.p) {
		ext_ctx x = ext_ctx_of(R, c);
		rs_ext_methods(R, &x, key, (seg){last, strlen(last)}, cands);
	}
	free(prefix);
	/* only a workspace trait's: `Arc::from(p)` is as likely std's own
	 * `From` impl as the workspace's impls of `From` for `Arc` */
	size_t w = 0;
	for (size_t i = 0; i < cands->n; i++)
		if (of_workspace_trait(R, cands->v[i]))
			cands->v[w++] = cands->v[i];
	cands->n = w;
}

static void do_path_call(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	idlist cands = {0};
	int flags = 0;
	if (r->recv_kind == RECV_BOUND) {
		const char *name = fstr(R, c->src, r->name),
			   *bounds = fstr(R, c->src, r->recv_path);
		if (r->recv_name)
			rs_assoc_bound_methods(R, c, bounds, fstr(R, c->src, r->recv_name),
					       (seg){name, strlen(name)}, &cands);
		else
			rs_bound_methods(R, c, bounds, (seg){name, strlen(name)}, &cands);
		flags = EDGE_TRAIT_CALL;
	} else {
		rs_resolve_path(R, c->sc, fstr(R, c->src, r->path), c->self_ent, &cands, 0);
		if (!cands.n && !(r->flags & FR_QUALIFIED))
			ext_type_path_call(R, c, fstr(R, c->src, r->path), &cands);
		if (r->flags & FR_QUALIFIED) {
			flags = EDGE_TRAIT_CALL;
			qualified_impl(R, c, r, &cands, &flags);
		}
	}
	emit_calls(R, c, &cands, r, flags);
	pt_vec_free(&cands);
}

static bool usable(int k)
{
	return is_type(k) || k == PT_CONST || k == PT_STATIC || k == PT_VARIANT;
}

/* USES edges to what a path names: a variant is a use of its enum too. */
static void emit_uses_of(resolver *R, const ref_ctx *c, const idlist *cands, const fact_ref *r)
{
	for (size_t i = 0; i < cands->n; i++) {
		uint32_t e = cands->v[i];
		if (!usable(ekind(R, e)) || e == c->from_ent)
			continue;
		add_edge(R, c->from_ent, e, REL_USES, 0, c->fid, r->span);
		if (ekind(R, e) != PT_VARIANT)
			continue;
		const ent_aux *a = &R->aux.v[e];
		uint32_t en = rs_item_owner_ent(R, a->src, fitem(R, a->src, a->item));
		if (en != c->from_ent)
			add_edge(R, c->from_ent, en, REL_USES, 0, c->fid, r->span);
	}
}

static void do_type_ref(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	idlist cands = {0};
	rs_resolve_path(R, c->sc, fstr(R, c->src, r->path), c->self_ent, &cands, 0);
	drop_unreachable(R, c, &cands);
	emit_uses_of(R, c, &cands, r);
	pt_vec_free(&cands);
}

static const char *const derive_paths[][2] = {
	{"Debug", "core::fmt::Debug"},
	{"Clone", "core::clone::Clone"},
	{"Copy", "core::marker::Copy"},
	{"PartialEq", "core::cmp::PartialEq"},
	{"Eq", "core::cmp::Eq"},
	{"PartialOrd", "core::cmp::PartialOrd"},
	{"Ord", "core::cmp::Ord"},
	{"Hash", "core::hash::Hash"},
	{"Default", "core::default::Default"},
};

/* The traits a #[derive(..)] names: those in scope, else the standard
 * derive's trait (placeholder when the standard library is not indexed). */
static void derive_traits(resolver *R, const ref_ctx *c, const fact_ref *r, idlist *tr)
{
	const char *path = fstr(R, c->src, r->path);
	rs_resolve_path(R, c->sc, path, NONE, tr, 0);
	size_t n = 0;
	for (size_t i = 0; i < tr->n; i++)
		n += ekind(R, tr->v[i]) == PT_TRAIT;
	if (n)
		return;
	tr->n = 0;
	const char *written = path;
	for (size_t i = 0; i < sizeof derive_paths / sizeof *derive_paths; i++)
		if (strcmp(path, derive_paths[i][0]) == 0)
			path = derive_paths[i][1];
	uint32_t made = path == written ? rs_derive_trait(R, c->sc, path) : NONE;
	if (made != NONE)
		pt_vec_push(tr, made);
	else
		rs_resolve_trait(R, c->sc, path, NONE, tr);
}

static void do_derive(resolver *R, const ref_ctx *c, const fact_ref *r, bool reg)
{
	idlist tr = {0};
	derive_traits(R, c, r, &tr);
	for (size_t i = 0; i < tr.n; i++) {
		if (ekind(R, tr.v[i]) != PT_TRAIT)
			continue;
		if (reg)
			mm_add(&R->mm, key_of(K_TYPETRAIT, c->from_ent, "", 0), tr.v[i]);
		else
			add_edge(R, c->from_ent, tr.v[i], REL_IMPL,
				 EDGE_DERIVE | (cfg_off(R, c->from_ent) ? EDGE_CFG_OFF : 0), c->fid,
				 r->span);
	}
	pt_vec_free(&tr);
}

/* The key of the self type of the impl around item i when that type lies
 * outside the workspace (not for a blanket impl). */
static seg self_ext_of(const resolver *R, uint32_t src, int32_t i)
{
	for (int32_t p = i; p >= 0; p = fitem(R, src, p)->parent) {
		if (fitem(R, src, p)->kind != PT_IMPL)
			continue;
		uint32_t e = R->fi[src].item_ent[p];
		uint32_t it = R->aux.v[e].self_ent == NONE
				      ? mm_first(&R->mm, key_of(K_IMPLEXT, e, "", 0))
				      : 0;
		const char *k = it ? R->made.v[mm_val(&R->mm, it)] : "";
		return *k ? (seg){k, strlen(k)} : (seg){NULL, 0};
	}
	return (seg){NULL, 0};
}

static void ref_context(resolver *R, uint32_t src, const fact_ref *r, ref_ctx *c)
{
	const file_info *f = &R->fi[src];
	c->self_ext = (seg){NULL, 0};
	c->src = src;
	c->fid = R->src[src].id;
	c->item = (r->from >= 0 && (size_t)r->from < R->src[src].facts->items.n) ? r->from : -1;
	if (r->from >= 0 && (size_t)r->from < R->src[src].facts->items.n) {
		c->from_ent = f->item_ent[r->from];
		c->sc = R->aux.v[c->from_ent].bscope;
		c->self_ent = self_of(R, src, r->from);
		if (fitem(R, src, r->from)->kind == PT_IMPL)
			c->self_ent = R->aux.v[c->from_ent].self_ent;
		c->self_ext = self_ext_of(R, src, r->from);
	} else {
		c->from_ent = f->mod_ent;
		c->sc = f->scope;
		c->self_ent = NONE;
	}
}

/* A reference written in a definition another file lends (an xsite):
 * its span in that file (relative to the definition there), and that
 * file's id; false when the file or the definition is gone. */
static bool lent_site(const resolver *R, uint32_t src, const fact_xsite *x, fact_ref *r,
		      uint32_t *fid)
{
	const char *path = fstr(R, src, x->file);
	for (uint32_t it = mm_first(&R->mm, key_of(K_FILE, 0, path, strlen(path))); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t d = mm_val(&R->mm, it);
		const pt_facts *df = R->src[d].facts;
		if (strcmp(R->src[d].path, path) != 0 || !df || x->def >= df->macros.n)
			continue;
		pt_span b = df->macros.v[x->def].span, s = r->span;
		s.start_byte += b.start_byte;
		s.end_byte += b.start_byte;
		s.start_col += s.start_line == 0 ? b.start_col : 0;
		s.end_col += s.end_line == 0 ? b.start_col : 0;
		s.start_line += b.start_line;
		s.end_line += b.start_line;
		r->span = s;
		*fid = R->src[d].id;
		return true;
	}
	return false;
}

static void do_refs(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	size_t xs = 0;
	for (size_t i = 0; i < fa->refs.n; i++) {
		const fact_ref *r = &fa->refs.v[i];
		ref_ctx c;
		ref_context(R, src, r, &c);
		fact_ref lent;
		if (xs < fa->xsites.n && fa->xsites.v[xs].ref == i) {
			lent = *r;
			if (!lent_site(R, src, &fa->xsites.v[xs++], &lent, &c.fid))
				continue;
			r = &lent;
		}
		switch (r->kind) {
		case FR_CALL_PATH: do_path_call(R, &c, r); break;
		case FR_CALL_METHOD: do_method_call(R, &c, r); break;
		case FR_TYPE: do_type_ref(R, &c, r); break;
		case FR_DERIVE: do_derive(R, &c, r, false); break;
		case FR_MACRO_CALL: break; /* USES names types, traits, consts, statics only */
		}
	}
}

static void reg_derives(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	for (size_t i = 0; i < fa->refs.n; i++) {
		const fact_ref *r = &fa->refs.v[i];
		if (r->kind != FR_DERIVE)
			continue;
		ref_ctx c;
		ref_context(R, src, r, &c);
		do_derive(R, &c, r, true);
	}
}

static void do_fields(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	for (size_t i = 0; i < fa->fields.n; i++) {
		const fact_field *fl = &fa->fields.v[i];
		if (fl->owner < 0 || (size_t)fl->owner >= fa->items.n)
			continue;
		const char *name = fstr(R, src, fl->name);
		/* the field's index, not its string: facts of a file are
		 * replaced by same-shaped ones on an edit, indexes stay */
		mm_add(&R->mm, key_of(K_FIELD, R->fi[src].item_ent[fl->owner], name, strlen(name)),
		       (uint32_t)i);
	}
}

/* A `use` is a dependency of the module (or fn) that writes it: USES edges
 * to what it names, so module cycles show at their `use` sites. */
static void emit_uses(resolver *R, uint32_t src)
{
	for (size_t u = R->fi[src].use_first; u < R->fi[src].use_end; u++) {
		use_rec *r = &R->uses.v[u];
		const fact_use *fu = &R->src[r->src].facts->uses.v[r->fu];
		if (strcmp(fstr(R, r->src, fu->alias), "*") == 0)
			continue;
		idlist res = {0};
		rs_use_result(R, (uint32_t)u, &res, 0);
		uint32_t from = R->scopes.v[r->scope].module_ent;
		if (fu->scope >= 0)
			from = R->fi[r->src].item_ent[fu->scope];
		for (size_t i = 0; i < res.n; i++)
			if (res.v[i] != from && usable(ekind(R, res.v[i])) &&
			    !(R->g->ents.v[res.v[i]].flags & ENT_EXTERNAL))
				add_edge(R, from, res.v[i], REL_USES, EDGE_IMPORT,
					 R->src[r->src].id, fu->span);
		pt_vec_free(&res);
	}
}

/* ---- driver ------------------------------------------------------------ */

static void emit_contains(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	for (size_t i = 0; i < fa->items.n; i++) {
		const fact_item *it = &fa->items.v[i];
		add_edge(R, rs_item_owner_ent(R, src, it), R->fi[src].item_ent[i], REL_CONTAINS, 0,
			 R->src[src].id, it->name_span);
	}
}

static bool same_edge(const pt_edge *a, const pt_edge *b)
{
	return a->src == b->src && a->dst == b->dst && a->kind == b->kind && a->flags == b->flags &&
	       a->file == b->file && a->site.start_byte == b->site.start_byte &&
	       a->site.end_byte == b->site.end_byte && a->site.start_line == b->site.start_line &&
	       a->site.start_col == b->site.start_col && a->site.end_line == b->site.end_line &&
	       a->site.end_col == b->site.end_col;
}

static uint64_t edge_hash(const pt_edge *e)
{
	uint64_t k[4] = {(uint64_t)e->src << 32 | e->dst,
			 (uint64_t)e->kind << 40 | (uint64_t)e->flags << 32 | e->file,
			 (uint64_t)e->site.start_byte << 32 | e->site.end_byte,
			 (uint64_t)e->site.start_line << 32 | e->site.start_col};
	return pt_hash64(k, sizeof k);
}

/* Drop the repeats among edges [first, g->edges.n), keeping the first of
 * each in place. A `$(...)*` repetition of a macro writes the same call
 * (same caller, callee, kind and site) once per repetition: rustc sees
 * that many calls at one span, the graph keeps one edge per site (what a
 * query lists and the referee counts). Done per file, so an edit that
 * replaces one file's edges makes the same ones as a fresh index. */
static void drop_repeated_edges(resolver *R, size_t first)
{
	pt_graph *g = R->g;
	size_t n = g->edges.n - first;
	if (n < 2)
		return;
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *slot = pt_xcalloc(cap, sizeof *slot); /* kept index + 1; 0 = empty */
	size_t w = first;
	for (size_t i = first; i < g->edges.n; i++) {
		const pt_edge *e = &g->edges.v[i];
		size_t h = (size_t)edge_hash(e) & (cap - 1);
		bool dup = false;
		for (; slot[h]; h = (h + 1) & (cap - 1))
			if (same_edge(&g->edges.v[slot[h] - 1], e)) {
				dup = true;
				break;
			}
		if (dup)
			continue;
		g->edges.v[w] = *e;
		slot[h] = (uint32_t)(w + 1);
		w++;
	}
	g->edges.n = w;
	free(slot);
}

/* Every edge one file's facts make: they carry that file's id as their
 * site, but for calls written in a definition another file lends. */
static void emit_file(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	rs_names reads = {0};
	R->emitting = src;
	R->reading = R->track ? &reads : NULL;
	R->fi[src].edge_first = R->g->edges.n;
	emit_contains(R, src);
	for (size_t i = 0; i < fa->items.n; i++)
		if (fa->items.v[i].kind == PT_IMPL)
			emit_impl(R, src, (int32_t)i);
	do_refs(R, src);
	emit_uses(R, src);
	drop_repeated_edges(R, R->fi[src].edge_first);
	R->fi[src].edge_end = R->g->edges.n;
	R->reading = NULL;
	if (R->track)
		rs_keep_reads(R, src, &reads);
	pt_vec_free(&reads);
}

/* Every entity's crate, read once (see resolver.ent_krate). */
static void keep_ent_crates(resolver *R)
{
	size_t n = R->g->ents.n;
	R->ent_krate = pt_xmalloc((n + 1) * sizeof *R->ent_krate);
	for (size_t e = 0; e < n; e++)
		R->ent_krate[e] = ent_crate(R, (uint32_t)e);
	R->n_ent_krate = n;
}

/* Steps 1 to 3 for every file: entities, scopes, impls, derives. */
static resolver *declare_all(pt_graph *g, pt_source *src, size_t n_src, const pt_crates *crates,
			     bool track)
{
	resolver *R = pt_xcalloc(1, sizeof *R);
	size_t n_crates = crates->n;
	*R = (resolver){.g = g,
			.src = src,
			.n_src = n_src,
			.crates = crates->v,
			.n_crates = n_crates,
			.base_cfg = crates->cfg ? crates->cfg : "",
			.track = track};
	R->fi = pt_xcalloc(n_src + 1, sizeof *R->fi);
	R->crate_scope = pt_xmalloc((n_crates + 1) * sizeof *R->crate_scope);
	for (size_t c = 0; c < n_crates; c++)
		R->crate_scope[c] = -1;
	for (size_t i = 0; i < n_src; i++)
		mm_add(&R->mm, key_of(K_FILE, 0, src[i].path, strlen(src[i].path)), (uint32_t)i);
	rs_crate_roots(R);
	rs_add_orphans(R);
	rs_crate_links(R);
	R->caching = true;
	keep_ent_crates(R);
	/* registration first, for every file; then edges, file by file */
	for (size_t s = 0; s < n_src; s++)
		if (R->fi[s].reached) {
			do_trait_selfs(R, (uint32_t)s);
			do_fields(R, (uint32_t)s);
		}
	for (size_t s = 0; s < n_src; s++) {
		if (!R->fi[s].reached)
			continue;
		const pt_facts *fa = src[s].facts;
		for (size_t i = 0; i < fa->items.n; i++)
			if (fa->items.v[i].kind == PT_IMPL)
				reg_impl(R, (uint32_t)s, (int32_t)i);
	}
	for (size_t s = 0; s < n_src; s++)
		if (R->fi[s].reached)
			reg_derives(R, (uint32_t)s);
	return R;
}

static pt_resolver *resolve_all(pt_graph *g, pt_source *src, size_t n_src, const pt_crates *crates,
				bool track)
{
	resolver *R = declare_all(g, src, n_src, crates, track);
	size_t n_ents = g->ents.n;
	for (size_t s = 0; s < n_src; s++)
		if (R->fi[s].reached)
			emit_file(R, (uint32_t)s);
	/* edges make no entity: pt_resolver_new_from, which makes the edges
	 * of a few files only, relies on it */
	pt_assert(g->ents.n == n_ents);
	(void)n_ents;
	return R;
}

pt_resolver *pt_resolver_new(pt_graph *g, pt_source *src, size_t n_src, const pt_crates *crates)
{
	return resolve_all(g, src, n_src, crates, false);
}

pt_resolver *pt_resolver_new_tracked(pt_graph *g, pt_source *src, size_t n_src,
				     const pt_crates *crates)
{
	return resolve_all(g, src, n_src, crates, true);
}

/* The index in R's graph of the entity whose id is that of entity e of
 * prev's, NONE when it is gone. */
static uint32_t renumber(const resolver *R, const resolver *prev, uint32_t e)
{
	uint64_t id = prev->g->ents.v[e].id;
	for (uint32_t it = mm_first(&R->mm, key_hash(K_ID, id, "", 0)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t x = mm_val(&R->mm, it);
		if (R->g->ents.v[x].id == id)
			return x;
	}
	return NONE;
}

/* Whether source s, whose facts are prev's, made the same entities with
 * the same ids (an id's disambiguator counts the entities of its path
 * made before it, in any file). */
static bool same_entities(const resolver *R, const resolver *prev, size_t s)
{
	const file_info *a = &R->fi[s], *b = &prev->fi[s];
	if (a->reached != b->reached || R->src[s].facts != prev->src[s].facts)
		return false;
	if (!a->reached)
		return true;
	if (R->g->ents.v[a->mod_ent].id != prev->g->ents.v[b->mod_ent].id)
		return false;
	for (size_t i = 0; i < R->src[s].facts->items.n; i++)
		if (R->g->ents.v[a->item_ent[i]].id != prev->g->ents.v[b->item_ent[i]].id)
			return false;
	return true;
}

/* Source s's edges and read set as prev made them, renumbered by map
 * (prev's entity index → R's, NONE when gone); false when an end is gone. */
static bool copy_file(resolver *R, const resolver *prev, const uint32_t *map, size_t s)
{
	const file_info *b = &prev->fi[s];
	file_info *a = &R->fi[s];
	a->edge_first = R->g->edges.n;
	for (size_t i = b->edge_first; i < b->edge_end; i++) {
		pt_edge e = prev->g->edges.v[i];
		if (e.origin == PT_EDGE_DEAD)
			continue;
		e.src = map[e.src];
		e.dst = map[e.dst];
		if (e.src == NONE || e.dst == NONE)
			return false;
		pt_vec_push(&R->g->edges, e);
	}
	a->edge_end = R->g->edges.n;
	free(a->reads);
	a->reads = pt_xmalloc((b->n_reads + 1) * sizeof *a->reads);
	if (b->n_reads)
		memcpy(a->reads, b->reads, b->n_reads * sizeof *b->reads);
	a->n_reads = b->n_reads;
	return true;
}

pt_resolver *pt_resolver_new_from(pt_graph *g, pt_source *src, size_t n_src,
				  const pt_crates *crates, const pt_resolver *prev,
				  const bool *redo)
{
	resolver *R = declare_all(g, src, n_src, crates, true);
	bool ok = prev->track && prev->n_src == n_src;
	for (size_t s = 0; s < n_src && ok; s++)
		ok = redo[s] || same_entities(R, prev, s);
	uint32_t *map = pt_xmalloc((prev->g->ents.n + 1) * sizeof *map);
	for (size_t e = 0; e < prev->g->ents.n && ok; e++)
		map[e] = renumber(R, prev, (uint32_t)e);
	for (size_t s = 0; s < n_src && ok; s++) {
		if (!R->fi[s].reached)
			continue;
		if (redo[s])
			emit_file(R, (uint32_t)s);
		else
			ok = copy_file(R, prev, map, s);
	}
	free(map);
	if (!ok) {
		pt_resolver_free(R);
		return NULL;
	}
	return R;
}

static bool str_eq(const pt_facts *a, uint32_t x, const pt_facts *b, uint32_t y)
{
	return strcmp(pt_strpool_get(&a->pool, x), pt_strpool_get(&b->pool, y)) == 0;
}

/* Same declarations: everything resolution of other files can see. Spans,
 * signatures and bodies (calls, types used) may differ. */
bool pt_resolver_same_shape(const pt_resolver *R, size_t src, const pt_facts *b)
{
	const pt_facts *a = R->src[src].facts;
	if (!a || !R->fi[src].reached || a->items.n != b->items.n || a->uses.n != b->uses.n ||
	    a->fields.n != b->fields.n)
		return false;
	for (size_t i = 0; i < a->items.n; i++) {
		const fact_item *x = &a->items.v[i], *y = &b->items.v[i];
		if (x->kind != y->kind || x->flags != y->flags || x->parent != y->parent ||
		    !str_eq(a, x->name, b, y->name) || !str_eq(a, x->path_attr, b, y->path_attr) ||
		    /* an entity's cfg flag is set when it is made */
		    !str_eq(a, x->cfg, b, y->cfg) || !str_eq(a, x->impl_self, b, y->impl_self) ||
		    !str_eq(a, x->impl_trait, b, y->impl_trait) ||
		    !str_eq(a, x->ret_type, b, y->ret_type) ||
		    !str_eq(a, x->generics, b, y->generics))
			return false;
		/* an impl's header names it and keys its self type (resolve_ext.c);
		 * a trait's declares its supertraits */
		if ((x->kind == PT_IMPL || x->kind == PT_TRAIT) && !str_eq(a, x->sig, b, y->sig))
			return false;
		/* impl members are found by span containment */
		if ((x->span.start_byte < x->span.end_byte) !=
		    (y->span.start_byte < y->span.end_byte))
			return false;
	}
	for (size_t i = 0; i < a->uses.n; i++) {
		const fact_use *x = &a->uses.v[i], *y = &b->uses.v[i];
		if (x->scope != y->scope || x->flags != y->flags ||
		    !str_eq(a, x->path, b, y->path) || !str_eq(a, x->alias, b, y->alias))
			return false;
	}
	for (size_t i = 0; i < a->fields.n; i++) {
		const fact_field *x = &a->fields.v[i], *y = &b->fields.v[i];
		if (x->owner != y->owner || !str_eq(a, x->name, b, y->name) ||
		    !str_eq(a, x->type, b, y->type))
			return false;
	}
	/* derives register traits of types: the same ones, in the same order */
	size_t i = 0, j = 0;
	for (;;) {
		while (i < a->refs.n && a->refs.v[i].kind != FR_DERIVE)
			i++;
		while (j < b->refs.n && b->refs.v[j].kind != FR_DERIVE)
			j++;
		if (i == a->refs.n || j == b->refs.n)
			return i == a->refs.n && j == b->refs.n;
		if (a->refs.v[i].from != b->refs.v[j].from ||
		    !str_eq(a, a->refs.v[i].path, b, b->refs.v[j].path))
			return false;
		i++;
		j++;
	}
}

static void touch(pt_touched *t, uint32_t e)
{
	if (e != NONE)
		pt_vec_push(t, e);
}

/* Squeeze the holes out of g->edges; each file's edges stay one run, in
 * the same order, so their bounds move with them. */
static void compact_edges(resolver *R)
{
	pt_graph *g = R->g;
	size_t w = 0;
	uint32_t last = PT_EDGE_DEAD;
	for (size_t i = 0; i < g->edges.n; i++) {
		const pt_edge *e = &g->edges.v[i];
		if (e->origin == PT_EDGE_DEAD)
			continue;
		if (e->origin != last) {
			last = e->origin;
			R->fi[last].edge_first = w;
		}
		R->fi[last].edge_end = w + 1;
		g->edges.v[w++] = *e;
	}
	g->edges.n = w;
	R->dead_edges = 0;
}

/* Take the edges source src made out of the graph, touching their ends:
 * the last run is cut off, another becomes a hole, and the holes are
 * squeezed out once they are half the array (a pass over every edge
 * once per that many replaced edges, not once per edit). */
static void drop_file_edges(resolver *R, size_t src, pt_touched *touched)
{
	pt_graph *g = R->g;
	file_info *f = &R->fi[src];
	for (size_t i = f->edge_first; i < f->edge_end; i++) {
		pt_edge *e = &g->edges.v[i];
		touch(touched, e->src);
		touch(touched, e->dst);
		e->origin = PT_EDGE_DEAD;
	}
	if (f->edge_end == g->edges.n)
		g->edges.n = f->edge_first;
	else
		R->dead_edges += f->edge_end - f->edge_first;
	/* the holes at the end go with it */
	while (g->edges.n && g->edges.v[g->edges.n - 1].origin == PT_EDGE_DEAD) {
		g->edges.n--;
		R->dead_edges--;
	}
	f->edge_first = f->edge_end = g->edges.n;
	if (R->dead_edges > g->edges.n / 2)
		compact_edges(R);
}

void pt_resolver_refile(pt_resolver *R, size_t src, const pt_facts *nf, pt_touched *touched)
{
	pt_graph *g = R->g;
	R->src[src].facts = nf;
	/* entities keep ids; spans and signatures follow the new text */
	for (size_t i = 0; i < nf->items.n; i++) {
		const fact_item *it = &nf->items.v[i];
		uint32_t e = R->fi[src].item_ent[i];
		pt_entity *en = &g->ents.v[e];
		const char *sig = pt_strpool_get(&nf->pool, it->sig);
		en->span = it->span;
		en->name_span = it->name_span;
		if (strcmp(pt_graph_str(g, en->sig), sig) != 0) {
			en->sig = pt_strpool_adds(&g->pool, sig);
			en->sig_hash = *sig ? pt_hash64(sig, strlen(sig)) : 0;
		}
		touch(touched, e);
	}
	drop_file_edges(R, src, touched);
	emit_file(R, (uint32_t)src);
	for (size_t i = R->fi[src].edge_first; i < g->edges.n; i++) {
		touch(touched, g->edges.v[i].src);
		touch(touched, g->edges.v[i].dst);
	}
}

void pt_resolver_rebind(pt_resolver *R, pt_graph *g)
{
	R->g = g;
}

size_t pt_resolver_edges(const pt_resolver *R)
{
	return R->g->edges.n - R->dead_edges;
}

void pt_resolver_file_edges(const pt_resolver *R, size_t src, size_t *first, size_t *end)
{
	*first = R->fi[src].edge_first;
	*end = R->fi[src].edge_end;
}

void pt_resolver_free(pt_resolver *R)
{
	if (!R)
		return;
	for (size_t i = 0; i < R->n_src; i++) {
		free(R->fi[i].qpath);
		free(R->fi[i].child_dir);
		free(R->fi[i].item_ent);
		free(R->fi[i].item_scope);
		free(R->fi[i].first_child);
		free(R->fi[i].next_sibling);
		free(R->fi[i].reads);
	}
	free(R->fi);
	free(R->crate_scope);
	free(R->vis);
	free(R->ent_krate);
	for (size_t i = 0; i < R->deferred.n; i++)
		free(R->deferred.v[i].qpath);
	pt_vec_free(&R->deferred);
	pt_vec_free(&R->scopes);
	pt_vec_free(&R->uses);
	pt_vec_free(&R->results);
	pt_vec_free(&R->cache);
	pt_vec_free(&R->aux);
	mm_free(&R->mm);
	pt_strbuf_free(&R->tmp);
	for (size_t i = 0; i < R->made.n; i++)
		free(R->made.v[i]);
	pt_vec_free(&R->made);
	mm_free(&R->made_ix);
	free(R);
}

void pt_graph_resolve(pt_graph *g, const pt_source *src, size_t n_src, const pt_crates *crates)
{
	pt_resolver_free(pt_resolver_new(g, (pt_source *)src, n_src, crates));
}
