/* graph/resolve_deps.c — what an edit can change, and who reads it.
 *
 * A tracked resolution (resolver.track) keeps, per file, the names its
 * edges looked up (its read set): every lookup builds its key through
 * rkey, which notes the identifiers of the key's text and, for keys made
 * from an entity (a type's methods, a trait's items), that entity's name.
 * An edit that changes what a file declares changes the values of keys
 * of a few names only: the names it declares, or declared, differently
 * (pt_resolver_changed_names). A declaration elsewhere whose text names
 * one of them (a `use` of it, a return type, a field type, an impl
 * header, a bound) may then mean something else too, so its own names
 * join the set, until nothing more joins (close_names). A file whose
 * read set holds none of those names looks up the same values as before,
 * so its edges are what they were (pt_resolver_dependents).
 *
 * Memoised lookups are covered by that closure: a memo is keyed by the
 * name looked up (noted on every hit), and what it depends on beyond that
 * name goes through declarations that name it. What the closure cannot
 * bound (the module tree, glob imports, extern crates) makes
 * pt_resolver_changed_names say no: the caller resolves everything.
 */
#include "resolve_int.h"

#include <ctype.h>

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Each identifier of s[0..n), hashed, appended to out. */
static void add_tokens(rs_names *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && !ident_char(s[i]))
			i++;
		size_t b = i;
		while (i < n && ident_char(s[i]))
			i++;
		if (i > b)
			pt_vec_push(out, pt_hash64(s + b, i - b));
	}
}

static void add_str(rs_names *out, const char *s)
{
	add_tokens(out, s, strlen(s));
}

/* Keys whose number is an entity index (K_INSCOPE holds one in its low
 * half): what they read is that entity's. */
static bool entity_keyed(int tag)
{
	switch (tag) {
	case K_ASSOC:
	case K_TASSOC:
	case K_TRAITITEM:
	case K_FIELD:
	case K_TYPETRAIT:
	case K_IMPLOF:
	case K_IMPLTRAITS:
	case K_IMPLEXT:
	case K_SUPERS:
	case K_MODSCOPE:
	case K_INSCOPE: return true;
	default: return false;
	}
}

void rs_note_read(const resolver *R, int tag, uint64_t num, const char *s, size_t n)
{
	add_tokens(R->reading, s, n);
	if (!entity_keyed(tag))
		return;
	uint64_t e = tag == K_INSCOPE ? (num & 0xffffffffu) : num;
	if (e >= R->g->ents.n)
		return;
	const pt_entity *en = &R->g->ents.v[e];
	add_str(R->reading, pt_graph_str(R->g, en->name));
	if (en->kind == PT_IMPL)
		add_str(R->reading, pt_graph_str(R->g, en->sig));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts and dedupes v. */
static void names_sort(rs_names *v)
{
	if (!v->n)
		return;
	qsort(v->v, v->n, sizeof *v->v, cmp_u64);
	size_t w = 1;
	for (size_t i = 1; i < v->n; i++)
		if (v->v[i] != v->v[w - 1])
			v->v[w++] = v->v[i];
	v->n = w;
}

void rs_keep_reads(resolver *R, uint32_t src, rs_names *reads)
{
	names_sort(reads);
	file_info *f = &R->fi[src];
	free(f->reads);
	f->reads = pt_xmalloc((reads->n + 1) * sizeof *f->reads);
	if (reads->n)
		memcpy(f->reads, reads->v, reads->n * sizeof *reads->v);
	f->n_reads = reads->n;
}

/* ---- what an edit changes ------------------------------------------------ */

/* One declaration of a file as a string of what other files may read of
 * it (the fields pt_resolver_same_shape compares), its parents' included,
 * so that two versions of a file compare declaration by declaration.
 * Declarations of one name in one place (an item and its cfg'd twin, two
 * derives of a type, two uses of one alias) also carry their rank among
 * them: their order is the order of the candidates a lookup finds, and of
 * the ids of entities of one path (the disambiguator counts them). */
typedef struct {
	char *text;
	uint64_t group; /* hash of the name and place the rank counts in */
	int what;       /* D_ITEM, D_USE, D_FIELD, D_DERIVE */
	int32_t index;
	const pt_facts *fa;
} decl;
typedef PT_VEC(decl) decls;
enum {
	D_ITEM,
	D_USE,
	D_FIELD,
	D_DERIVE
};

#define S(x) pt_strpool_get(&fa->pool, (x))

static void item_text(const pt_facts *fa, int32_t i, pt_strbuf *b)
{
	for (; i >= 0 && (size_t)i < fa->items.n; i = fa->items.v[i].parent) {
		const fact_item *it = &fa->items.v[i];
		bool hdr = it->kind == PT_IMPL || it->kind == PT_TRAIT;
		pt_strbuf_printf(
			b, "%u\x1f%u\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d\x1e",
			it->kind, it->flags, S(it->name), S(it->path_attr), S(it->cfg),
			S(it->impl_self), S(it->impl_trait), S(it->ret_type), S(it->generics),
			hdr ? S(it->sig) : "", it->span.start_byte < it->span.end_byte);
	}
}

/* Declaration (what, index) of fa: its own text (b, emptied here), its
 * name (the group with the place), the text of its place (item parent). */
static void add_decl(decls *d, int what, int32_t index, const pt_facts *fa, pt_strbuf *b,
		     const char *name, int32_t parent)
{
	pt_strbuf g = {0};
	pt_strbuf_printf(&g, "%d\x1f%s\x1e", what, name);
	item_text(fa, parent, &g);
	item_text(fa, parent, b);
	decl x = {pt_xstrdup(b->buf ? b->buf : ""), pt_hash64(g.buf, g.len), what, index, fa};
	pt_vec_push(d, x);
	pt_strbuf_free(&g);
	b->len = 0;
	pt_strbuf_add(b, "", 0);
}

static int cmp_group(const void *a, const void *b)
{
	const decl *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->what != y->what)
		return x->what - y->what;
	return x->index - y->index;
}

/* Appends to each text its rank in its group. */
static void rank_decls(decls *d)
{
	if (d->n)
		qsort(d->v, d->n, sizeof *d->v, cmp_group);
	uint32_t r = 0;
	for (size_t i = 0; i < d->n; i++) {
		r = i && d->v[i].group == d->v[i - 1].group ? r + 1 : 0;
		if (!r)
			continue;
		pt_strbuf t = {0};
		pt_strbuf_printf(&t, "%s\x1d%u", d->v[i].text, r);
		free(d->v[i].text);
		d->v[i].text = pt_xstrdup(t.buf);
		pt_strbuf_free(&t);
	}
}

static void file_decls(const pt_facts *fa, decls *d)
{
	pt_strbuf b = {0};
	for (size_t i = 0; i < fa->items.n; i++) {
		const fact_item *it = &fa->items.v[i];
		item_text(fa, (int32_t)i, &b);
		add_decl(d, D_ITEM, (int32_t)i, fa, &b, S(it->name), it->parent);
	}
	for (size_t i = 0; i < fa->uses.n; i++) {
		const fact_use *u = &fa->uses.v[i];
		pt_strbuf_printf(&b, "%u\x1f%s\x1f%s\x1e", u->flags, S(u->path), S(u->alias));
		add_decl(d, D_USE, (int32_t)i, fa, &b, S(u->alias), u->scope);
	}
	for (size_t i = 0; i < fa->fields.n; i++) {
		const fact_field *f = &fa->fields.v[i];
		pt_strbuf_printf(&b, "%s\x1f%s\x1e", S(f->name), S(f->type));
		add_decl(d, D_FIELD, (int32_t)i, fa, &b, S(f->name), f->owner);
	}
	for (size_t i = 0; i < fa->refs.n; i++) {
		const fact_ref *r = &fa->refs.v[i];
		if (r->kind != FR_DERIVE)
			continue;
		pt_strbuf_printf(&b, "%s\x1e", S(r->path));
		add_decl(d, D_DERIVE, (int32_t)i, fa, &b, "", r->from);
	}
	pt_strbuf_free(&b);
	rank_decls(d);
}

static void decls_free(decls *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	pt_vec_free(d);
}

static int cmp_decl(const void *a, const void *b)
{
	const decl *x = a, *y = b;
	if (x->what != y->what)
		return x->what - y->what;
	return strcmp(x->text, y->text);
}

/* The last identifier of a type path before its generic arguments:
 * "S" of "crate::b::S<u16>". */
static void add_type_name(rs_names *out, const char *t)
{
	size_t n = strcspn(t, "<"), e = n;
	while (e && !ident_char(t[e - 1]))
		e--;
	size_t b = e;
	while (b && ident_char(t[b - 1]))
		b--;
	if (e > b)
		pt_vec_push(out, pt_hash64(t + b, e - b));
}

/* The names whose keys declaration x sets: false when they cannot be
 * told (the module tree, a glob import, an extern crate). */
static bool decl_names(const decl *x, rs_names *out)
{
	const pt_facts *fa = x->fa;
	if (x->what == D_USE) {
		const fact_use *u = &fa->uses.v[x->index];
		if (strcmp(S(u->alias), "*") == 0 || (u->flags & FU_EXTERN_CRATE))
			return false;
		add_str(out, S(u->alias));
		/* crate_uses finds the crates whose uses name a crate first */
		seg first[MAX_SEGS];
		if (rs_split_path(S(u->path), first) && !seg_is(first[0], "crate") &&
		    !seg_is(first[0], "self") && !seg_is(first[0], "super"))
			add_tokens(out, first[0].p, first[0].n);
		return true;
	}
	if (x->what == D_FIELD) {
		add_str(out, S(fa->fields.v[x->index].name));
		return true;
	}
	if (x->what == D_DERIVE) {
		const fact_ref *r = &fa->refs.v[x->index];
		add_str(out, S(r->path));
		if (r->from >= 0 && (size_t)r->from < fa->items.n)
			add_str(out, S(fa->items.v[r->from].name));
		return true;
	}
	const fact_item *it = &fa->items.v[x->index];
	if (it->kind == PT_MODULE || it->kind == PT_CRATE || *S(it->path_attr))
		return false;
	add_str(out, S(it->name));
	if (it->kind != PT_IMPL)
		return true;
	/* an impl sets its type's traits and members: every member's name */
	add_type_name(out, S(it->impl_self));
	add_type_name(out, S(it->impl_trait));
	for (size_t j = 0; j < fa->items.n; j++)
		if (fa->items.v[j].parent == x->index)
			add_str(out, S(fa->items.v[j].name));
	return true;
}

/* Whether the macro definitions of a and b have the same names, in order. */
static bool same_macros(const pt_facts *a, const pt_facts *b)
{
	if (a->macros.n != b->macros.n)
		return false;
	for (size_t i = 0; i < a->macros.n; i++)
		if (strcmp(pt_strpool_get(&a->pool, a->macros.v[i].name),
			   pt_strpool_get(&b->pool, b->macros.v[i].name)) ||
		    strcmp(pt_strpool_get(&a->pool, a->macros.v[i].text),
			   pt_strpool_get(&b->pool, b->macros.v[i].text)))
			return false;
	return true;
}

bool pt_resolver_changed_names(const pt_resolver *R, size_t src, const pt_facts *nf, pt_names *out)
{
	const pt_facts *of = R->src[src].facts;
	if (!of || !R->fi[src].reached)
		return false;
	decls a = {0}, b = {0};
	file_decls(of, &a);
	file_decls(nf, &b);
	if (a.n) /* a.v is NULL for a file that declares nothing */
		qsort(a.v, a.n, sizeof *a.v, cmp_decl);
	if (b.n)
		qsort(b.v, b.n, sizeof *b.v, cmp_decl);
	bool ok = true;
	size_t i = 0, j = 0;
	while (ok && (i < a.n || j < b.n)) {
		int c = i == a.n ? 1 : j == b.n ? -1 : cmp_decl(&a.v[i], &b.v[j]);
		if (c == 0) {
			i++, j++;
			continue;
		}
		ok = decl_names(c < 0 ? &a.v[i] : &b.v[j], out);
		c < 0 ? i++ : j++;
	}
	/* a macro's name is looked up as any other (K_MACRO) */
	if (ok && !same_macros(of, nf)) {
		for (size_t k = 0; k < of->macros.n; k++)
			add_str(out, pt_strpool_get(&of->pool, of->macros.v[k].name));
		for (size_t k = 0; k < nf->macros.n; k++)
			add_str(out, pt_strpool_get(&nf->pool, nf->macros.v[k].name));
	}
	decls_free(&a);
	decls_free(&b);
	return ok;
}

/* ---- who reads it ------------------------------------------------------- */

/* A set of name hashes: open addressing, 0 never a member (a hash of 0
 * is taken as 1, which only makes the set larger). */
typedef struct {
	uint64_t *v;
	size_t cap, n;
} nset;

static uint64_t nz(uint64_t h)
{
	return h ? h : 1;
}

static bool nset_has(const nset *s, uint64_t h)
{
	h = nz(h);
	for (size_t i = (size_t)(h * 0x9E3779B97F4A7C15ull) & (s->cap - 1); s->v[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i] == h)
			return true;
	return false;
}

static bool nset_add(nset *s, uint64_t h);

static void nset_grow(nset *s)
{
	nset o = *s;
	s->cap = o.cap ? o.cap * 2 : 256;
	s->v = pt_xcalloc(s->cap, sizeof *s->v);
	s->n = 0;
	for (size_t i = 0; i < o.cap; i++)
		if (o.v[i])
			nset_add(s, o.v[i]);
	free(o.v);
}

/* Whether h was new. */
static bool nset_add(nset *s, uint64_t h)
{
	if ((s->n + 1) * 2 > s->cap)
		nset_grow(s);
	h = nz(h);
	size_t i = (size_t)(h * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
	for (; s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == h)
			return false;
	s->v[i] = h;
	s->n++;
	return true;
}

/* Whether some identifier of s is in set. */
static bool mentions(const nset *set, const char *s)
{
	rs_names t = {0};
	add_str(&t, s);
	bool yes = false;
	for (size_t i = 0; i < t.n && !yes; i++)
		yes = nset_has(set, t.v[i]);
	pt_vec_free(&t);
	return yes;
}

/* Adds the names of fa's declarations whose text names one of set;
 * whether any was new. */
static bool close_file(const pt_facts *fa, nset *set)
{
	bool grew = false;
	rs_names add = {0};
	for (size_t i = 0; i < fa->uses.n; i++)
		if (mentions(set, S(fa->uses.v[i].path)))
			add_str(&add, S(fa->uses.v[i].alias));
	for (size_t i = 0; i < fa->fields.n; i++)
		if (mentions(set, S(fa->fields.v[i].type)))
			add_str(&add, S(fa->fields.v[i].name));
	for (size_t i = 0; i < fa->items.n; i++) {
		const fact_item *it = &fa->items.v[i];
		bool hdr = it->kind == PT_IMPL || it->kind == PT_TRAIT;
		if (!mentions(set, S(it->impl_self)) && !mentions(set, S(it->impl_trait)) &&
		    !mentions(set, S(it->ret_type)) && !mentions(set, S(it->generics)) &&
		    !(hdr && mentions(set, S(it->sig))))
			continue;
		decl d = {.what = D_ITEM, .index = (int32_t)i, .fa = fa};
		if (!decl_names(&d, &add))
			add_str(&add, S(it->name));
	}
	for (size_t i = 0; i < fa->refs.n; i++) {
		const fact_ref *r = &fa->refs.v[i];
		if (r->kind == FR_DERIVE && r->from >= 0 && (size_t)r->from < fa->items.n &&
		    mentions(set, S(r->path)))
			add_str(&add, S(fa->items.v[r->from].name));
	}
	for (size_t i = 0; i < add.n; i++)
		grew |= nset_add(set, add.v[i]);
	pt_vec_free(&add);
	return grew;
}

#undef S

size_t pt_resolver_dependents(const pt_resolver *R, size_t src, const pt_facts *nf,
			      const pt_names *names, bool *redo)
{
	nset set = {0};
	nset_grow(&set);
	for (size_t i = 0; i < names->n; i++)
		nset_add(&set, names->v[i]);
	/* the closure: declarations that name a changed name, in every file
	 * (the edited one in both versions), until none is added */
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t s = 0; s < R->n_src; s++)
			if (R->src[s].facts)
				grew |= close_file(R->src[s].facts, &set);
		grew |= close_file(nf, &set);
	}
	size_t k = 0;
	for (size_t s = 0; s < R->n_src; s++) {
		const file_info *f = &R->fi[s];
		redo[s] = s == src;
		for (size_t i = 0; i < f->n_reads && !redo[s]; i++)
			redo[s] = nset_has(&set, f->reads[i]);
		k += redo[s];
	}
	free(set.v);
	return k;
}
