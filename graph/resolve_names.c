/* graph/resolve_names.c — the module tree and name lookup.
 *
 * The module tree comes first: from each crate root `mod x;` is followed to
 * its file (`x.rs`, `x/mod.rs`, `#[path]`), every item becomes an entity
 * with its qualified path and stable id, and each module and fn gets the
 * scope its names are declared in; items the default build leaves out
 * (`#[cfg]`) are marked, not dropped. Files no crate reaches become roots
 * of their own. Name lookup then answers what a path names from a scope:
 * the scope chain, `use` declarations (resolved lazily, memoised, with a
 * depth bound so that glob cycles end), the workspace's crates and the
 * prelude, then associated items along the path; a trait path that leaves
 * the workspace gets a placeholder entity. The state is in resolve_int.h;
 * name lookup is in resolve_lookup.c; resolve_recv.c and resolve.c look
 * names up through the rs_ functions of both.
 */
#include "resolve_int.h"
#include "cfg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- paths ------------------------------------------------------------ */

size_t rs_split_path(const char *path, seg *out)
{
	size_t n = 0;
	const char *p = path;
	while (*p && n < MAX_SEGS) {
		const char *e = strstr(p, "::");
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len)
			out[n++] = (seg){p, len};
		if (!e)
			break;
		p = e + 2;
	}
	return n;
}

/* ---- entities --------------------------------------------------------- */

static uint32_t new_scope(resolver *R, uint32_t module_ent, int32_t parent, int32_t parent_module,
			  int32_t crate_scope)
{
	scope s = {module_ent, parent, parent_module, crate_scope,
		   crate_scope >= 0 ? R->scopes.v[crate_scope].krate : -1};
	pt_vec_push(&R->scopes, s);
	uint32_t id = (uint32_t)R->scopes.n - 1;
	if (R->scopes.v[id].crate_scope < 0)
		R->scopes.v[id].crate_scope = (int32_t)id;
	return id;
}

typedef struct {
	int kind;
	uint32_t file;
	const char *name, *qpath, *sig;
	pt_span span, name_span;
	uint16_t flags;
	uint32_t parent; /* entity index or NONE */
} ent_spec;

static uint32_t add_entity(resolver *R, const ent_spec *s, ent_aux aux)
{
	pt_graph *g = R->g;
	pt_entity e = {0};
	uint32_t d = 0;
	for (;; d++) {
		e.id = pt_graph_entity_id(s->kind, s->qpath, d);
		bool taken = false;
		for (uint32_t it = mm_first(&R->mm, key_of(K_ID, e.id, "", 0)); it;
		     it = mm_next(&R->mm, it))
			taken = true;
		if (!taken)
			break;
	}
	e.disamb = d;
	e.kind = (uint8_t)s->kind;
	e.file = s->file;
	e.flags = s->flags;
	e.span = s->span;
	e.name_span = s->name_span;
	e.name = pt_strpool_adds(&g->pool, s->name);
	e.qpath = pt_strpool_adds(&g->pool, s->qpath);
	e.sig = pt_strpool_adds(&g->pool, s->sig ? s->sig : "");
	e.sig_hash = s->sig ? pt_hash64(s->sig, strlen(s->sig)) : 0;
	e.parent = s->parent == NONE ? 0 : g->ents.v[s->parent].id;
	pt_vec_push(&g->ents, e);
	pt_vec_push(&R->aux, aux);
	uint32_t idx = (uint32_t)g->ents.n - 1;
	mm_add(&R->mm, key_of(K_ID, e.id, "", 0), idx);
	mm_add(&R->mm, key_of(K_QPATH, 0, s->qpath, strlen(s->qpath)), idx);
	return idx;
}

/* Names some scope declares or imports: a lookup of any other name fails
 * at once instead of walking every glob on the way. */
static void note_name(resolver *R, const char *name, size_t n)
{
	uint64_t k = key_of(K_ANYNAME, 0, name, n);
	if (!mm_first(&R->mm, k))
		mm_add(&R->mm, k, 0);
}

static void declare(resolver *R, uint32_t scope, const char *name, uint32_t ent)
{
	if (!*name)
		return;
	mm_add(&R->mm, key_of(K_ITEM, scope, name, strlen(name)), ent);
	note_name(R, name, strlen(name));
}

/* ---- cfg ----------------------------------------------------------------- */

/* The build the graph describes is each crate's cfg set (pt_crate.cfg,
 * graph/cfg.h): the target's options, its enabled features, not a test
 * build unless the crate is a test. What is not known is false (`miri`,
 * `doc`, a build script's own cfgs); a predicate that does not parse is
 * true, so code is never dropped for a cfg we cannot read. */
static bool cfg_active(const resolver *R, int32_t crate, const char *pred)
{
	return pt_cfg_eval(pred, crate >= 0 ? R->crates[crate].cfg : R->base_cfg);
}

/* ---- module tree ------------------------------------------------------ */

static int32_t find_file(const resolver *R, const char *path)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_FILE, 0, path, strlen(path))); it;
	     it = mm_next(&R->mm, it))
		return (int32_t)mm_val(&R->mm, it);
	return -1;
}

/* Normalise "a/./b/../c" → "a/c" into out. */
static void norm_path(const char *in, pt_strbuf *out)
{
	seg parts[128];
	size_t n = 0;
	const char *p = in;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (n)
				n--;
		} else if (len && !(len == 1 && p[0] == '.') && n < 128)
			parts[n++] = (seg){p, len};
		if (!e)
			break;
		p = e + 1;
	}
	out->len = 0;
	pt_strbuf_add(out, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			pt_strbuf_addc(out, '/');
		pt_strbuf_add(out, parts[i].p, parts[i].n);
	}
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? pt_xstrndup(path, (size_t)(s - path)) : pt_xstrdup("");
}

/* Where `mod x;` declared in this file looks for x: crate roots and mod.rs
 * look beside themselves, other files in a folder named after them. */
static char *child_dir_of(const char *path, bool is_root)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *d = dir_of(path);
	if (is_root || strcmp(base, "mod.rs") == 0)
		return d;
	pt_strbuf b = {0};
	if (*d) {
		pt_strbuf_adds(&b, d);
		pt_strbuf_addc(&b, '/');
	}
	pt_strbuf_add(&b, base, strlen(base) - (strlen(base) > 3 ? 3 : 0));
	free(d);
	return b.buf ? b.buf : pt_xstrdup("");
}

static void join_path(pt_strbuf *b, const char *dir, const char *rest)
{
	b->len = 0;
	pt_strbuf_add(b, "", 0);
	if (*dir) {
		pt_strbuf_adds(b, dir);
		pt_strbuf_addc(b, '/');
	}
	pt_strbuf_adds(b, rest);
}

/* The #[path] a module has in this build: the plain one, or the first
 * #[cfg_attr(pred, path = "..")] alternative whose pred holds (copied to
 * tmp); NULL when none holds (the file is found by the module's name). */
static const char *path_of_build(const resolver *R, uint32_t src, const char *attr, pt_strbuf *tmp)
{
	if (*attr != '\x01')
		return attr;
	int32_t crate = R->fi[src].crate;
	for (const char *a = attr; a && *a == '\x01';) {
		const char *sep = strchr(a, '\x02'), *next = sep ? strchr(sep, '\x01') : NULL;
		if (!sep)
			return NULL;
		tmp->len = 0;
		pt_strbuf_add(tmp, a + 1, (size_t)(sep - a - 1));
		if (cfg_active(R, crate, pt_strbuf_cstr(tmp))) {
			tmp->len = 0;
			pt_strbuf_add(tmp, sep + 1,
				      next ? (size_t)(next - sep - 1) : strlen(sep + 1));
			return pt_strbuf_cstr(tmp);
		}
		a = next;
	}
	return NULL;
}

/* The file a `mod name;` at inline-module path `inl` refers to. */
static int32_t mod_file(resolver *R, uint32_t src, const fact_item *it, const char *inl)
{
	const file_info *f = &R->fi[src];
	pt_strbuf p = {0}, n = {0};
	int32_t found = -1;
	const char *name = fstr(R, src, it->name);
	const char *attr =
		it->path_attr ? path_of_build(R, src, fstr(R, src, it->path_attr), &n) : NULL;
	if (attr) {
		char *d = *inl ? pt_xstrdup(f->child_dir) : dir_of(R->src[src].path);
		pt_strbuf dd = {0};
		join_path(&dd, d, inl);
		join_path(&p, pt_strbuf_cstr(&dd), attr);
		norm_path(pt_strbuf_cstr(&p), &n);
		found = find_file(R, pt_strbuf_cstr(&n));
		free(d);
		pt_strbuf_free(&dd);
	} else {
		pt_strbuf dd = {0};
		join_path(&dd, f->child_dir, inl);
		norm_path(pt_strbuf_cstr(&dd), &n);
		pt_strbuf_free(&dd);
		pt_strbuf_printf(&p, "%s%s%s.rs", n.buf, *n.buf ? "/" : "", name);
		found = find_file(R, pt_strbuf_cstr(&p));
		if (found < 0) {
			p.len = 0;
			pt_strbuf_printf(&p, "%s%s%s/mod.rs", n.buf, *n.buf ? "/" : "", name);
			found = find_file(R, pt_strbuf_cstr(&p));
		}
	}
	pt_strbuf_free(&p);
	pt_strbuf_free(&n);
	return found;
}

static void expand_file(resolver *R, uint32_t src, int32_t crate, uint32_t mod_ent,
			uint32_t mod_scope, const char *qpath, bool is_root);

/* Inline-module folder path of item i ("a/b" for mod a { mod b { .. } }). */
static void inline_path(const resolver *R, uint32_t src, int32_t i, pt_strbuf *out)
{
	out->len = 0;
	pt_strbuf_add(out, "", 0);
	int32_t chain[64];
	int n = 0;
	for (int32_t p = fitem(R, src, i)->parent; p >= 0 && n < 64; p = fitem(R, src, p)->parent)
		if (fitem(R, src, p)->kind == PT_MODULE)
			chain[n++] = p;
	while (n--) {
		if (out->len)
			pt_strbuf_addc(out, '/');
		pt_strbuf_adds(out, fstr(R, src, fitem(R, src, chain[n])->name));
	}
}

/* Last segment of a type path: the name an impl's methods hang under. */
const char *rs_last_seg(const char *path)
{
	const char *s = path, *e;
	while ((e = strstr(s, "::")))
		s = e + 2;
	return s;
}

uint32_t rs_item_owner_ent(const resolver *R, uint32_t src, const fact_item *it)
{
	return it->parent >= 0 ? R->fi[src].item_ent[it->parent] : R->fi[src].mod_ent;
}

/* Scope the names of item i are declared in, and whether i is associated. */
static uint32_t item_escope(const resolver *R, uint32_t src, const fact_item *it, bool *assoc)
{
	*assoc = false;
	if (it->parent < 0)
		return R->fi[src].scope;
	const fact_item *p = fitem(R, src, it->parent);
	if (p->kind == PT_IMPL || p->kind == PT_TRAIT) {
		*assoc = true;
		bool a;
		return item_escope(R, src, p, &a);
	}
	uint32_t s = R->fi[src].item_scope[it->parent];
	return s != NONE ? s : R->fi[src].scope;
}

/* Type text t[0..n) without its lifetimes (`&'a [u8]` → `&[u8]`,
 * `Cow<'_, T>` → `Cow<T>`), appended to out. */
static void add_without_lifetimes(pt_strbuf *out, const char *t, size_t n)
{
	size_t start = out->len;
	for (size_t i = 0; i < n;) {
		if (t[i] != '\'') {
			pt_strbuf_addc(out, t[i++]);
			continue;
		}
		i++;
		while (i < n && (isalnum((unsigned char)t[i]) || t[i] == '_'))
			i++;
		while (i < n && t[i] == ' ')
			i++;
		if (i < n && t[i] == ',') {
			for (i++; i < n && t[i] == ' '; i++)
				;
		} else {
			/* the last argument: drop the ", " before it */
			while (out->len > start &&
			       (out->buf[out->len - 1] == ' ' || out->buf[out->len - 1] == ','))
				out->len--;
		}
	}
	/* `Foo<'a>` leaves `Foo<>` */
	for (size_t i = start; i + 1 < out->len; i++)
		if (out->buf[i] == '<' && out->buf[i + 1] == '>') {
			memmove(out->buf + i, out->buf + i + 2, out->len - i - 2);
			out->len -= 2;
			i--;
		}
	pt_strbuf_add(out, "", 0);
}

/* An impl's name: "impl Tr for Type" (or "impl Type") with the trait and
 * the self type as its header writes them, lifetimes left out
 * (`impl Read for VecDeque<u8>`, `impl Tr for &[u8]`); the paths of the
 * facts when the header does not parse. */
static void impl_name(const resolver *R, uint32_t src, const fact_item *it, pt_strbuf *out)
{
	out->len = 0;
	seg g, tr, self;
	pt_strbuf_adds(out, "impl ");
	if (rs_impl_header(fstr(R, src, it->sig), &g, &tr, &self) &&
	    (tr.n > 0) == (it->impl_trait != 0)) {
		if (tr.n) {
			add_without_lifetimes(out, tr.p, tr.n);
			pt_strbuf_adds(out, " for ");
		}
		add_without_lifetimes(out, self.p, self.n);
		return;
	}
	const char *t = fstr(R, src, it->impl_trait), *s = fstr(R, src, it->impl_self);
	if (*t)
		pt_strbuf_printf(out, "%s for ", t);
	pt_strbuf_adds(out, *s ? s : "_");
}

static void item_qpath(const resolver *R, uint32_t src, const fact_item *it, pt_strbuf *out)
{
	out->len = 0;
	uint32_t owner = rs_item_owner_ent(R, src, it);
	const pt_graph *g = R->g;
	const fact_item *p = it->parent >= 0 ? fitem(R, src, it->parent) : NULL;
	if (p && p->kind == PT_IMPL) {
		/* methods hang under the impl's module + self type name; when
		 * the self type is no path (`[u8]`, a generic `T`), under the
		 * impl itself */
		pt_strbuf_printf(out, "%s::",
				 pt_graph_str(g, g->ents.v[rs_item_owner_ent(R, src, p)].qpath));
		const char *self = fstr(R, src, p->impl_self);
		if (*self) {
			pt_strbuf_adds(out, rs_last_seg(self));
		} else {
			pt_strbuf nm = {0};
			impl_name(R, src, p, &nm);
			pt_strbuf_printf(out, "<%s>", nm.buf);
			pt_strbuf_free(&nm);
		}
		pt_strbuf_printf(out, "::%s", fstr(R, src, it->name));
		return;
	}
	pt_strbuf_printf(out, "%s::", pt_graph_str(g, g->ents.v[owner].qpath));
	if (it->kind == PT_IMPL) {
		pt_strbuf nm = {0};
		impl_name(R, src, it, &nm);
		pt_strbuf_printf(out, "<%s>", nm.buf);
		pt_strbuf_free(&nm);
	} else {
		pt_strbuf_adds(out, fstr(R, src, it->name));
	}
}

static void make_item(resolver *R, uint32_t src, int32_t i, int32_t crate)
{
	const fact_item *it = fitem(R, src, i);
	file_info *f = &R->fi[src];
	pt_strbuf q = {0}, nm = {0};
	bool assoc;
	uint32_t escope = item_escope(R, src, it, &assoc);
	item_qpath(R, src, it, &q);
	const char *name = fstr(R, src, it->name);
	if (it->kind == PT_IMPL) {
		impl_name(R, src, it, &nm);
		name = nm.buf;
	}
	ent_spec s = {
		.kind = it->kind,
		.file = R->src[src].id,
		.name = name,
		.qpath = q.buf,
		.sig = fstr(R, src, it->sig),
		.span = it->span,
		.name_span = it->name_span,
		.flags = (uint16_t)(((it->flags & FI_PUB) ? ENT_PUB : 0) |
				    ((it->flags & FI_TRAIT_IMPL) ? ENT_TRAIT_IMPL : 0) |
				    ((it->flags & FI_HAS_BODY) ? ENT_HAS_BODY : 0) |
				    ((it->flags & FI_TEST) ? ENT_TEST : 0) |
				    ((it->flags & FI_ENTRY) ? ENT_ENTRY : 0)),
		.parent = rs_item_owner_ent(R, src, it),
	};
	/* out of the default build: itself, or inside something the build
	 * leaves out, in this file or in the module that reached this file
	 * (a module left out is expanded only after every module in the
	 * build, `deferred`, so a file that `#[cfg(a)] mod x;` and
	 * `#[cfg(not(a))] mod x;` both declare is reached from the one in
	 * the build). The flag is what rs_built answers, so export, ranks and
	 * lints see the same build the resolver does. */
	if ((s.parent != NONE && (R->g->ents.v[s.parent].flags & ENT_CFG_OFF)) ||
	    (it->cfg && !cfg_active(R, crate, fstr(R, src, it->cfg))))
		s.flags |= ENT_CFG_OFF;
	ent_aux aux = {src, i, escope, escope, NONE};
	uint32_t e = add_entity(R, &s, aux);
	f->item_ent[i] = e;
	if (it->kind == PT_VARIANT) {
		/* `E::A`, `Self::A`, and `use E::*` (rs_lookup_here): a name of
		 * the enum, not of the module */
		mm_add(&R->mm, key_of(K_ASSOC, s.parent, name, strlen(name)), e);
		note_name(R, name, strlen(name));
	} else if (!assoc && it->kind != PT_IMPL) {
		declare(R, escope, name, e);
	}
	if (it->kind == PT_MACRO)
		mm_add(&R->mm, key_of(K_MACRO, 0, name, strlen(name)), e);
	if (it->kind == PT_METHOD)
		mm_add(&R->mm, key_of(K_METHODNAME, 0, name, strlen(name)), e);
	if (it->kind == PT_TRAIT)
		mm_add(&R->mm, key_of(K_TRAITNAME, 0, name, strlen(name)), e);
	if (it->kind == PT_FUNCTION || it->kind == PT_METHOD) {
		f->item_scope[i] = new_scope(R, R->scopes.v[escope].module_ent, (int32_t)escope, -1,
					     R->scopes.v[escope].crate_scope);
		R->aux.v[e].bscope = f->item_scope[i];
	} else if (it->kind == PT_MODULE) {
		int32_t ms = (int32_t)escope;
		while (R->scopes.v[ms].parent >= 0)
			ms = R->scopes.v[ms].parent;
		uint32_t sc = new_scope(R, e, -1, ms, R->scopes.v[escope].crate_scope);
		f->item_scope[i] = sc;
		R->aux.v[e].bscope = sc;
		mm_add(&R->mm, key_of(K_MODSCOPE, e, "", 0), sc);
		if (it->flags & FI_MOD_EXTERNAL) {
			pt_strbuf ip = {0};
			inline_path(R, src, i, &ip);
			int32_t child = mod_file(R, src, it, pt_strbuf_cstr(&ip));
			pt_strbuf_free(&ip);
			if (child >= 0 && !R->fi[child].reached && R->src[child].facts) {
				if (s.flags & ENT_CFG_OFF) {
					struct deferred_mod d = {(uint32_t)child, e, sc, crate,
								 pt_xstrdup(q.buf)};
					pt_vec_push(&R->deferred, d);
				} else {
					expand_file(R, (uint32_t)child, crate, e, sc, q.buf, false);
				}
			}
		}
	}
	if (it->kind == PT_TRAIT)
		mm_add(&R->mm, key_of(K_MODSCOPE, e, "", 0), escope);
	if (assoc && fitem(R, src, it->parent)->kind == PT_TRAIT)
		mm_add(&R->mm, key_of(K_TRAITITEM, f->item_ent[it->parent], name, strlen(name)), e);
	pt_strbuf_free(&q);
	pt_strbuf_free(&nm);
}

static void expand_file(resolver *R, uint32_t src, int32_t crate, uint32_t mod_ent,
			uint32_t mod_scope, const char *qpath, bool is_root)
{
	file_info *f = &R->fi[src];
	const pt_facts *fa = R->src[src].facts;
	f->reached = true;
	f->crate = crate;
	f->mod_ent = mod_ent;
	f->scope = mod_scope;
	f->qpath = pt_xstrdup(qpath);
	f->child_dir = child_dir_of(R->src[src].path, is_root);
	f->item_ent = pt_xmalloc((fa->items.n + 1) * sizeof *f->item_ent);
	f->item_scope = pt_xmalloc((fa->items.n + 1) * sizeof *f->item_scope);
	f->first_child = pt_xmalloc((fa->items.n + 1) * sizeof *f->first_child);
	f->next_sibling = pt_xmalloc((fa->items.n + 1) * sizeof *f->next_sibling);
	for (size_t i = 0; i < fa->items.n; i++) {
		f->item_ent[i] = f->item_scope[i] = NONE;
		f->first_child[i] = f->next_sibling[i] = -1;
	}
	for (size_t i = fa->items.n; i-- > 0;) {
		int32_t p = fa->items.v[i].parent;
		if (p >= 0 && (size_t)p < i) {
			f->next_sibling[i] = f->first_child[p];
			f->first_child[p] = (int32_t)i;
		}
	}
	for (size_t i = 0; i < fa->items.n; i++) {
		fact_item *it = &R->src[src].facts->items.v[i];
		if (it->parent >= (int32_t)i)
			it->parent = -1; /* defensive: parents come first */
		make_item(R, src, (int32_t)i, crate);
	}
	f->use_first = (uint32_t)R->uses.n;
	for (size_t i = 0; i < fa->uses.n; i++) {
		const fact_use *u = &fa->uses.v[i];
		uint32_t sc = (u->scope >= 0 && (size_t)u->scope < fa->items.n &&
			       f->item_scope[u->scope] != NONE)
				      ? f->item_scope[u->scope]
				      : mod_scope;
		use_rec r = {sc, src, (uint32_t)i, 0, 0, 0, 0};
		pt_vec_push(&R->uses, r);
		const char *alias = fstr(R, src, u->alias);
		int tag = strcmp(alias, "*") == 0 ? K_GLOB : K_USE;
		if (tag == K_USE)
			note_name(R, alias, strlen(alias));
		mm_add(&R->mm,
		       key_of(tag, sc, tag == K_GLOB ? "" : alias,
			      tag == K_GLOB ? 0 : strlen(alias)),
		       (uint32_t)R->uses.n - 1);
	}
	f->use_end = (uint32_t)R->uses.n;
}

/* A root module (crate root or orphan file). */
/* crate_scope: the scope `crate::` means for an orphan, -1 for itself. */
static void add_root(resolver *R, uint32_t src, int32_t crate, const char *qpath, int kind,
		     int32_t crate_scope)
{
	const char *name = rs_last_seg(qpath);
	ent_spec s = {.kind = kind,
		      .file = R->src[src].id,
		      .name = name,
		      .qpath = qpath,
		      .sig = "",
		      .parent = NONE};
	ent_aux aux = {src, -1, NONE, NONE, NONE};
	uint32_t e = add_entity(R, &s, aux);
	uint32_t sc = new_scope(R, e, -1, -1, crate_scope);
	if (kind == PT_CRATE && crate >= 0) {
		R->crate_scope[crate] = (int32_t)sc;
		R->scopes.v[sc].krate = crate;
	}
	R->aux.v[e].escope = R->aux.v[e].bscope = sc;
	mm_add(&R->mm, key_of(K_MODSCOPE, e, "", 0), sc);
	if (kind == PT_CRATE && crate >= 0 && R->crates[crate].type == CRATE_LIB)
		mm_add(&R->mm, key_of(K_CRATE, 0, name, strlen(name)), e);
	expand_file(R, src, crate, e, sc, qpath, true);
}

/* Extern preludes: each dependency's name → its library's crate entity.
 * Dependency closures: a crate reaches itself, and what its dependencies
 * reach (their own extern preludes are normal dependencies). */
void rs_crate_links(resolver *R)
{
	size_t n = R->n_crates, w = (n + 63) / 64;
	for (size_t c = 0; c < n; c++)
		for (uint32_t k = 0; k < R->crates[c].n_deps; k++) {
			const pt_extern *d = &R->crates[c].deps[k];
			if (d->crate >= n || R->crate_scope[d->crate] < 0)
				continue;
			uint32_t e = R->scopes.v[R->crate_scope[d->crate]].module_ent;
			mm_add(&R->mm, key_of(K_EXTERN, c, d->name, strlen(d->name)), e);
		}
	if (!n)
		return;
	R->vis_words = w;
	R->vis = pt_xcalloc(n * w + 1, sizeof *R->vis);
	uint32_t *stack = pt_xmalloc((n + 1) * sizeof *stack);
	for (size_t c = 0; c < n; c++) {
		uint64_t *row = R->vis + c * w;
		size_t top = 0;
		row[c / 64] |= 1ull << (c % 64);
		stack[top++] = (uint32_t)c;
		while (top) {
			const pt_crate *x = &R->crates[stack[--top]];
			for (uint32_t k = 0; k < x->n_deps; k++) {
				uint32_t d = x->deps[k].crate;
				if (d >= n || (row[d / 64] >> (d % 64)) & 1)
					continue;
				row[d / 64] |= 1ull << (d % 64);
				stack[top++] = d;
			}
		}
	}
	free(stack);
}

void rs_crate_roots(resolver *R)
{
	for (size_t c = 0; c < R->n_crates; c++) {
		int32_t f = find_file(R, R->crates[c].root);
		if (f < 0 || R->fi[f].reached || !R->src[f].facts)
			continue;
		add_root(R, (uint32_t)f, (int32_t)c, R->crates[c].name, PT_CRATE, -1);
	}
	/* files of modules the build leaves out, unless a module it has took
	 * them (hashbrown's raw/mod.rs: `#[cfg(feature = "raw")] pub mod raw
	 * { #[path = "mod.rs"] mod inner; }` before `#[cfg(not(..))] mod raw;`) */
	for (size_t i = 0; i < R->deferred.n; i++) {
		struct deferred_mod d = R->deferred.v[i];
		if (!R->fi[d.child].reached)
			expand_file(R, d.child, d.crate, d.mod_ent, d.scope, d.qpath, false);
		free(d.qpath);
	}
	pt_vec_free(&R->deferred);
}

/* Orphans: files no crate reaches. Those that another orphan's `mod x;`
 * would reach are left to it; the rest become roots named by their path. */
/* An orphan inside a package is named as the module it would be in the
 * package's library (`std/src/sys/wasi/fs.rs` → `std::sys::wasi::fs`), and
 * `crate::` in it means that library; elsewhere it is named by its path. */
static void orphan_path(const resolver *R, const char *path, pt_strbuf *q, int32_t *cs)
{
	size_t best = 0;
	int32_t crate = -1;
	for (size_t c = 0; c < R->n_crates; c++) {
		const char *pd = R->crates[c].pkg_dir;
		size_t n = strlen(pd);
		if (R->crates[c].type != CRATE_LIB || R->crate_scope[c] < 0)
			continue;
		if ((n == 0 || (strncmp(path, pd, n) == 0 && path[n] == '/')) &&
		    (crate < 0 || n > best)) {
			best = n;
			crate = (int32_t)c;
		}
	}
	const char *rel = path;
	q->len = 0;
	pt_strbuf_add(q, "", 0);
	if (crate >= 0) {
		rel = path + best + (best ? 1 : 0);
		if (strncmp(rel, "src/", 4) == 0)
			rel += 4;
		pt_strbuf_printf(q, "%s", R->crates[crate].name);
		*cs = R->crate_scope[crate];
	}
	size_t n = strlen(rel);
	if (n > 3 && strcmp(rel + n - 3, ".rs") == 0)
		n -= 3;
	if (n >= 4 && strncmp(rel + n - 4, "/mod", 4) == 0)
		n -= 4;
	bool start = true;
	for (size_t k = 0; k < n; k++) {
		char c = rel[k];
		if (start && q->len)
			pt_strbuf_adds(q, "::");
		start = c == '/';
		if (!start)
			pt_strbuf_addc(q, (c == '-' || c == '.') ? '_' : c);
	}
}

static void mark_referenced(resolver *R, bool *referenced)
{
	pt_strbuf p = {0};
	for (size_t i = 0; i < R->n_src; i++) {
		const pt_facts *fa = R->src[i].facts;
		if (R->fi[i].reached || !fa)
			continue;
		char *dir = dir_of(R->src[i].path);
		for (size_t k = 0; k < fa->items.n; k++) {
			const fact_item *it = &fa->items.v[k];
			if (it->kind != PT_MODULE || !(it->flags & FI_MOD_EXTERNAL) ||
			    it->parent >= 0)
				continue;
			const char *nm = fstr(R, (uint32_t)i, it->name);
			const char *forms[2] = {"%s%s%s.rs", "%s%s%s/mod.rs"};
			for (int f = 0; f < 2; f++) {
				p.len = 0;
				pt_strbuf_printf(&p, forms[f], dir, *dir ? "/" : "", nm);
				int32_t c = find_file(R, p.buf);
				if (c >= 0 && (size_t)c != i)
					referenced[c] = true;
			}
		}
		free(dir);
	}
	pt_strbuf_free(&p);
}

void rs_add_orphans(resolver *R)
{
	pt_strbuf q = {0};
	bool *referenced = pt_xcalloc(R->n_src + 1, 1);
	mark_referenced(R, referenced);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < R->n_src; i++) {
			if (R->fi[i].reached || !R->src[i].facts || (pass == 0 && referenced[i]))
				continue;
			int32_t cs = -1;
			orphan_path(R, R->src[i].path, &q, &cs);
			add_root(R, (uint32_t)i, -1, pt_strbuf_cstr(&q), PT_MODULE, cs);
		}
	free(referenced);
	pt_strbuf_free(&q);
}

/* ---- external placeholders ------------------------------------------- */

/* ---- paths that leave the workspace -------------------------------- */

/* The use of scope sc that binds name to nothing of the workspace (its
 * path leads outside), else NONE. A use never expands itself: the `quote`
 * of `use quote::quote;` is not the prefix of its own path. */
static uint32_t outbound_use(resolver *R, uint32_t sc, seg name, int depth)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_USE, sc, name.p, name.n)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t u = mm_val(&R->mm, it);
		const use_rec *ur = &R->uses.v[u];
		const char *up = fstr(R, ur->src, R->src[ur->src].facts->uses.v[ur->fu].path);
		seg first[MAX_SEGS];
		if (ur->walking || (rs_split_path(up, first) && first[0].n == name.n &&
				    !memcmp(first[0].p, name.p, name.n)))
			continue;
		idlist res = {0};
		rs_use_result(R, u, &res, depth + 1);
		size_t found = res.n;
		pt_vec_free(&res);
		if (!found)
			return u;
	}
	return NONE;
}

static bool ext_walk(resolver *R, uint32_t sc, const char *path, pt_strbuf *out, int depth);

/* The text of use u's path followed by rest ("" or "::a::b"). A use
 * being followed is not followed again (`use lib::*;` inside a module
 * that `lib` names nothing in). */
static bool ext_through_use(resolver *R, uint32_t u, const char *rest, pt_strbuf *out, int depth)
{
	const use_rec *ur = &R->uses.v[u];
	const fact_use *fu = &R->src[ur->src].facts->uses.v[ur->fu];
	if (ur->walking)
		return false;
	pt_strbuf p = {0};
	pt_strbuf_printf(&p, "%s%s", fstr(R, ur->src, fu->path), rest);
	R->uses.v[u].walking = 1;
	bool ok = ext_walk(R, rs_use_start_scope(R, u), p.buf, out, depth + 1);
	R->uses.v[u].walking = 0;
	pt_strbuf_free(&p);
	return ok;
}

/* Whether glob import g's path leaves the workspace (`use core::*;`, not
 * a `use lib::*;` whose `lib` we cannot find). */
static bool glob_leaves(resolver *R, uint32_t g, int depth)
{
	pt_strbuf t = {0};
	bool ok = ext_through_use(R, g, "", &t, depth);
	pt_strbuf_free(&t);
	return ok;
}

/* Through a glob import of a module of ours that binds name with a
 * `pub use` leading outside: serde's modules say `use lib::*;` and
 * `mod lib { mod core { pub use std::*; } pub use self::core::fmt; }`, so
 * their `fmt::Display` is std's. The use is named exactly, so this holds
 * for a lower-case name too, unlike a glob from outside. */
static bool facade_use(resolver *R, uint32_t ms, seg name, const char *rest, pt_strbuf *out,
		       int depth)
{
	if (depth > 8)
		return false;
	for (uint32_t it = mm_first(&R->mm, key_of(K_GLOB, ms, "", 0)); it;
	     it = mm_next(&R->mm, it)) {
		idlist mods = {0};
		rs_use_result(R, mm_val(&R->mm, it), &mods, depth + 1);
		uint32_t u = NONE;
		for (size_t k = 0; k < mods.n && u == NONE; k++) {
			uint32_t gs = rs_mod_scope_of(R, mods.v[k]);
			if (gs == NONE || gs == ms || !is_module(ekind(R, mods.v[k])))
				continue;
			u = outbound_use(R, gs, name, depth + 1);
			if (u != NONE) {
				const use_rec *ur = &R->uses.v[u];
				if (!(R->src[ur->src].facts->uses.v[ur->fu].flags & FU_PUB))
					u = NONE;
			}
		}
		pt_vec_free(&mods);
		if (u != NONE)
			return ext_through_use(R, u, rest, out, depth + 1);
	}
	return false;
}

/* In module scope ms: name segs[i] and the rest, through a `use` or a
 * glob import whose path leads outside the workspace (`pub use
 * core::*;`). */
static bool ext_in_module(resolver *R, uint32_t ms, const seg *segs, size_t i, const char *rest,
			  pt_strbuf *out, int depth)
{
	uint32_t u = outbound_use(R, ms, segs[i], depth);
	if (u != NONE)
		return ext_through_use(R, u, rest, out, depth);
	if (facade_use(R, ms, segs[i], rest, out, depth))
		return true;
	/* what a glob from outside brings cannot be listed: for a path's
	 * first name take it for the types and traits it may bring (a
	 * capitalised name), never for a crate (`core::fmt` after `use
	 * std::io::prelude::*;`); inside a module of ours (`mod lib { pub use
	 * core::*; }`, then `lib::fmt`) for any name */
	if (i == 0 && !isupper((unsigned char)*segs[i].p))
		return false;
	for (uint32_t it = mm_first(&R->mm, key_of(K_GLOB, ms, "", 0)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t g = mm_val(&R->mm, it);
		idlist res = {0};
		rs_use_result(R, g, &res, depth + 1);
		size_t found = res.n;
		pt_vec_free(&res);
		if (found || !glob_leaves(R, g, depth))
			continue;
		pt_strbuf r = {0};
		pt_strbuf_printf(&r, "::%.*s%s", (int)segs[i].n, segs[i].p, rest);
		bool ok = ext_through_use(R, g, r.buf, out, depth);
		pt_strbuf_free(&r);
		if (ok)
			return true;
	}
	return false;
}

/* The path written in scope sc, followed through the workspace's modules
 * and `use`s to where it leaves the workspace: "std::fmt::Display" for
 * `fmt::Display` after `use std::fmt;`, for `crate::lib::fmt::Display`
 * when `mod lib { pub use core::*; }`, and for `futures_core::future::Future`
 * when futures_core re-exports core's. False when the path does not leave
 * through anything we see (then out holds the path as written, or the
 * prelude path of a prelude name). */
static bool ext_walk(resolver *R, uint32_t sc, const char *path, pt_strbuf *out, int depth)
{
	seg segs[MAX_SEGS];
	size_t n = rs_split_path(path, segs), i = 0;
	out->len = 0;
	pt_strbuf_add(out, "", 0);
	if (!n || depth > 8)
		goto as_written;
	int32_t ms = rs_module_scope_of_scope(R, sc);
	if (seg_is(segs[0], "crate")) {
		ms = R->scopes.v[ms].crate_scope;
		i = 1;
	} else if (seg_is(segs[0], "self") || seg_is(segs[0], "super")) {
		for (; i < n && (seg_is(segs[i], "self") || seg_is(segs[i], "super")); i++)
			if (seg_is(segs[i], "super") && ms >= 0)
				ms = R->scopes.v[ms].parent_module;
	} else {
		/* the first name: a module of ours to walk into, else a use
		 * that leads out, in the scope chain */
		idlist first = {0};
		rs_lookup(R, sc, segs[0], &first, depth); /* cached at depth 0 */
		uint32_t m = NONE;
		size_t found = 0;
		bool all_off = true;
		for (size_t k = 0; k < first.n && m == NONE; k++)
			if (is_module(ekind(R, first.v[k])))
				m = rs_mod_scope_of(R, first.v[k]);
		for (size_t k = 0; k < first.n; k++) {
			/* a macro, fn, const or static starts no longer path:
			 * bitflags' `$crate::_core::ops::BitOr` after `use
			 * bitflags::bitflags;` names the crate, not the macro */
			int kind = ekind(R, first.v[k]);
			if (n > 1 && (kind == PT_MACRO || kind == PT_FUNCTION || kind == PT_CONST ||
				      kind == PT_STATIC))
				continue;
			found++;
			all_off &= !rs_built(R, first.v[k]);
		}
		if (first.n && !found) {
			first.n = 0;
			rs_lookup_crate(R, sc, segs[0], &first);
			for (size_t k = 0; k < first.n && m == NONE; k++)
				if (is_module(ekind(R, first.v[k])))
					m = rs_mod_scope_of(R, first.v[k]);
		}
		pt_vec_free(&first);
		if (m == NONE && found && all_off) {
			/* a stand-in the build leaves out gives way to a `use`
			 * that leads out: anyhow's `#[cfg(not(feature = "std"))]
			 * trait StdError` beside `#[cfg(feature = "std")] use
			 * std::error::Error as StdError;` (uses carry no cfg;
			 * with the stand-in gone, the use must be the one built) */
			const char *rest = segs[0].p + segs[0].n;
			for (int32_t s = (int32_t)sc; s >= 0; s = R->scopes.v[s].parent)
				for (uint32_t it = mm_first(&R->mm, key_of(K_USE, (uint32_t)s,
									   segs[0].p, segs[0].n));
				     it; it = mm_next(&R->mm, it))
					if (ext_through_use(R, mm_val(&R->mm, it), rest, out,
							    depth))
						return true;
		}
		if (m == NONE && found) {
			/* a type or item of ours: the path does not leave */
			pt_strbuf_adds(out, path);
			return false;
		}
		if (m == NONE) {
			const char *rest = segs[0].p + segs[0].n;
			for (int32_t s = (int32_t)sc; s >= 0; s = R->scopes.v[s].parent) {
				uint32_t u = outbound_use(R, (uint32_t)s, segs[0], depth);
				if (u != NONE)
					return ext_through_use(R, u, rest, out, depth);
			}
			/* a prelude name, else one a glob import from outside
			 * brings (`use std::fmt::*;`) */
			if (rs_prelude_path(segs[0]))
				goto as_written;
			for (int32_t s = (int32_t)sc; s >= 0; s = R->scopes.v[s].parent)
				if (ext_in_module(R, (uint32_t)s, segs, 0, rest, out, depth))
					return true;
			goto as_written;
		}
		ms = (int32_t)m;
		i = 1;
	}
	for (; i < n && ms >= 0; i++) {
		const char *rest = segs[i].p + segs[i].n;
		idlist next = {0};
		rs_lookup_here(R, (uint32_t)ms, segs[i], &next, depth + 1);
		uint32_t m = NONE;
		for (size_t k = 0; k < next.n && m == NONE && i + 1 < n; k++)
			if (is_module(ekind(R, next.v[k])))
				m = rs_mod_scope_of(R, next.v[k]);
		pt_vec_free(&next);
		if (m == NONE)
			return ext_in_module(R, (uint32_t)ms, segs, i, rest, out, depth) ||
			       (out->len = 0, false);
		ms = (int32_t)m;
	}
	out->len = 0;
	return false;
as_written:;
	out->len = 0;
	const char *pp = n ? rs_prelude_path(segs[0]) : NULL;
	if (pp) {
		pt_strbuf_printf(out, "%s%s", pp, segs[0].p + segs[0].n);
		return true;
	}
	pt_strbuf_adds(out, path);
	/* a path into a crate we do not have (a lone lowercase name is such
	 * a crate: `use core::*;`) */
	return n && (n > 1 || islower((unsigned char)*segs[0].p)) && !seg_is(segs[0], "crate") &&
	       !seg_is(segs[0], "self") && !seg_is(segs[0], "super") && !seg_is(segs[0], "Self");
}

/* The text a path stands for when it leaves the workspace (ext_walk), with
 * `core::`/`alloc::` folded to `std::`; the path as written when it does
 * not leave through anything we see. */
static void fold_std(pt_strbuf *out)
{
	if (strncmp(out->buf, "core::", 6) == 0 || strncmp(out->buf, "alloc::", 7) == 0) {
		size_t cut = out->buf[0] == 'c' ? 4 : 5;
		memmove(out->buf + 3, out->buf + cut, out->len - cut + 1);
		memcpy(out->buf, "std", 3);
		out->len -= cut - 3;
	}
}

static void external_text(resolver *R, uint32_t sc, const char *path, pt_strbuf *out, int depth)
{
	if (!ext_walk(R, sc, path, out, depth) && !out->len)
		pt_strbuf_adds(out, path);
	fold_std(out);
}

const char *rs_external_path(resolver *R, uint32_t sc, const char *path)
{
	seg f;
	if (!ext_walk(R, sc, path, &R->tmp, 0))
		return NULL;
	fold_std(&R->tmp);
	const char *x = R->tmp.buf, *e = strstr(x, "::");
	if (!e)
		return NULL; /* one name: a generic parameter, or a type we do not see */
	f = (seg){x, (size_t)(e - x)};
	if (seg_is(f, "std"))
		return x;
	/* a path into the workspace, or a crate of it */
	if (seg_is(f, "crate") || seg_is(f, "self") || seg_is(f, "super") || seg_is(f, "Self") ||
	    mm_first(&R->mm, key_of(K_CRATE, 0, f.p, f.n)))
		return NULL;
	/* crates are named in lower case; generic parameters (`T::Item`) and
	 * types are not */
	return islower((unsigned char)*x) ? x : NULL;
}

static uint32_t external_trait(resolver *R, const char *qpath)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_QPATH, 0, qpath, strlen(qpath))); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t e = mm_val(&R->mm, it);
		if (R->g->ents.v[e].flags & ENT_EXTERNAL)
			return e;
	}
	ent_spec s = {.kind = PT_TRAIT,
		      .file = PT_NO_FILE,
		      .name = rs_last_seg(qpath),
		      .qpath = qpath,
		      .sig = "",
		      .flags = ENT_EXTERNAL,
		      .parent = NONE};
	ent_aux aux = {0, -1, NONE, NONE, NONE};
	return add_entity(R, &s, aux);
}

/* Whether path starts with the name of a library of the folder that the
 * code at sc cannot reach (an optional dependency this build leaves out,
 * named by code the build leaves out too): such a trait is that crate's,
 * and a placeholder of the same path would be a second entity for it. */
static bool names_unlinked_crate(const resolver *R, uint32_t sc, const char *path)
{
	const char *e = strstr(path, "::");
	size_t n = e ? (size_t)(e - path) : strlen(path);
	bool any = false;
	int32_t from = scope_crate(R, sc);
	for (uint32_t it = mm_first(&R->mm, key_of(K_CRATE, 0, path, n)); it;
	     it = mm_next(&R->mm, it)) {
		if (crate_reaches(R, from, ent_crate(R, mm_val(&R->mm, it))))
			return false;
		any = true;
	}
	return any;
}

/* Resolve a trait path; an unknown one gets an external placeholder. */
/* Whether some `use` of crate `crate` names crate `of` first (`pub use
 * serde_derive::*;` in serde), memoised per (of, crate). */
static bool crate_uses(resolver *R, const char *of, int32_t crate)
{
	uint64_t key = key_of(K_DERIVEREX, 0, of, strlen(of));
	if (!mm_first(&R->mm, key)) {
		mm_add(&R->mm, key, NONE);
		size_t n = strlen(of);
		for (size_t u = 0; u < R->uses.n; u++) {
			const use_rec *ur = &R->uses.v[u];
			const char *p =
				fstr(R, ur->src, R->src[ur->src].facts->uses.v[ur->fu].path);
			if (!strncmp(p, of, n) && (!p[n] || p[n] == ':') &&
			    R->fi[ur->src].crate >= 0)
				mm_add(&R->mm, key, (uint32_t)R->fi[ur->src].crate);
		}
	}
	for (uint32_t it = mm_first(&R->mm, key); it; it = mm_next(&R->mm, it))
		if (mm_val(&R->mm, it) == (uint32_t)crate)
			return true;
	return false;
}

/* path with its first segment replaced by the path of the `use` that
 * binds it in scope sc, repeatedly (the text a use names, whether or not
 * it resolves). */
static void use_text(resolver *R, uint32_t sc, const char *path, pt_strbuf *out)
{
	out->len = 0;
	pt_strbuf_adds(out, path);
	for (int depth = 0; depth < 8; depth++) {
		seg segs[MAX_SEGS];
		if (!rs_split_path(out->buf, segs))
			return;
		uint32_t u = NONE;
		for (int32_t s = (int32_t)sc; s >= 0 && u == NONE; s = R->scopes.v[s].parent)
			for (uint32_t it = mm_first(
				     &R->mm, key_of(K_USE, (uint32_t)s, segs[0].p, segs[0].n));
			     it && u == NONE; it = mm_next(&R->mm, it))
				u = mm_val(&R->mm, it);
		if (u == NONE)
			return;
		const use_rec *ur = &R->uses.v[u];
		const char *up = fstr(R, ur->src, R->src[ur->src].facts->uses.v[ur->fu].path);
		seg first[MAX_SEGS];
		if (rs_split_path(up, first) && seg_is(first[0], "") == false &&
		    first[0].n == segs[0].n && !memcmp(first[0].p, segs[0].p, segs[0].n))
			return; /* `use x::x;` names the crate x */
		pt_strbuf t = {0};
		pt_strbuf_printf(&t, "%s%s", up, segs[0].p + segs[0].n);
		out->len = 0;
		pt_strbuf_adds(out, t.buf);
		pt_strbuf_free(&t);
		sc = ur->scope;
	}
}

uint32_t rs_derive_trait(resolver *R, uint32_t sc, const char *path)
{
	pt_strbuf t = {0};
	use_text(R, sc, path, &t);
	const char *e = strstr(t.buf, "::");
	uint32_t found = NONE;
	size_t n = 0;
	if (e) {
		char *krate = pt_xstrndup(t.buf, (size_t)(e - t.buf));
		const char *name = rs_last_seg(t.buf);
		if (mm_first(&R->mm, key_of(K_CRATE, 0, krate, strlen(krate))))
			for (uint32_t it =
				     mm_first(&R->mm, key_of(K_TRAITNAME, 0, name, strlen(name)));
			     it; it = mm_next(&R->mm, it)) {
				uint32_t tr = mm_val(&R->mm, it);
				int32_t c = R->fi[R->aux.v[tr].src].crate;
				if (!cfg_off(R, tr) && c >= 0 && crate_uses(R, krate, c)) {
					found = tr;
					n++;
				}
			}
		free(krate);
	}
	pt_strbuf_free(&t);
	return n == 1 ? found : NONE;
}

void rs_resolve_trait(resolver *R, uint32_t sc, const char *path, uint32_t self_ent, idlist *out)
{
	idlist c = {0};
	rs_resolve_path(R, sc, path, self_ent, &c, 0);
	bool all_off = true;
	for (size_t i = 0; i < c.n; i++)
		if (ekind(R, c.v[i]) == PT_TRAIT) {
			list_add(out, c.v[i]);
			all_off &= !rs_built(R, c.v[i]);
		}
	pt_vec_free(&c);
	if (out->n && !all_off)
		return;
	if (out->n) {
		/* only stand-ins the build leaves out: a `use` of the same
		 * name that leads out is the trait meant (ext_walk) */
		if (!ext_walk(R, sc, path, &R->tmp, 0))
			return;
		fold_std(&R->tmp);
		out->n = 0;
		if (!names_unlinked_crate(R, sc, R->tmp.buf))
			pt_vec_push(out, external_trait(R, R->tmp.buf));
		return;
	}
	external_text(R, sc, path, &R->tmp, 0);
	if (R->tmp.len && !names_unlinked_crate(R, sc, R->tmp.buf))
		pt_vec_push(out, external_trait(R, R->tmp.buf));
}
