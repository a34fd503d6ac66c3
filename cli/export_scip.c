/* cli/export_scip.c — the graph as a SCIP index (Sourcegraph's code
 * intelligence format), encoded with protobuf-c from the published
 * scip.proto (the Makefile generates scip.pb-c.h from the schema an npm
 * package ships; nothing of it is committed).
 *
 * What goes where:
 * - a Document per file that holds a definition or a reference;
 * - a definition occurrence per entity (the name's range; the whole item
 *   as enclosing_range); a reference occurrence per CALLS and USES edge
 *   and per derive (the site; for a call, the call expression as
 *   enclosing_range when the file on disk is the one indexed);
 * - a SymbolInformation per entity defined in the document, with its
 *   kind, name, signature and relationships: IMPL edges become
 *   is_implementation (and, for a method implementing a trait method,
 *   is_reference too, so "find references" on either finds both);
 * - trait and type placeholders from outside the workspace (std traits)
 *   as external_symbols.
 *
 * Symbols follow SCIP's grammar: "parseltongue cargo CRATE . " then one
 * descriptor per level: `m/` module, `T#` type, trait or impl (named
 * `impl Trait for T`, escaped), `f().` function or method (`f(+1).` for
 * the second of a path), `C.` const or static, `m!` macro. A method of an
 * impl hangs under the type the impl is for. Crates are SCIP packages and
 * have no symbol of their own.
 *
 * The Index is written a field at a time (metadata, then each document,
 * then the external symbols), which protobuf merges into one message: only
 * one document's messages are in memory at once. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <scip.pb-c.h>

#include "../graph/tree.h"
#include "export.h"

/* ---- symbols ---------------------------------------------------------------------- */

/* A map from entity id to its symbol (offset into pool; 0: none). */
typedef struct {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
} id_map;

static size_t slot_of(const id_map *m, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ull) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void map_put(id_map *m, uint64_t id, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		id_map big = {pt_xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(uint64_t)),
			      pt_xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(uint32_t)),
			      m->cap ? m->cap * 2 : 1024, 0};
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				map_put(&big, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = big;
	}
	size_t i = slot_of(m, id);
	m->n += !m->keys[i];
	m->keys[i] = id;
	m->vals[i] = val;
}

/* true and *val when id is in the map. Id 0 is never an entity. */
static bool map_get(const id_map *m, uint64_t id, uint32_t *val)
{
	if (!m->cap || !id)
		return false;
	size_t i = slot_of(m, id);
	*val = m->vals[i];
	return m->keys[i] == id;
}

typedef struct {
	store_txn *txn;
	const export_graph *g;
	id_map sym;       /* entity → its symbol in pool, 0 when it has none */
	pt_strpool pool;  /* symbols; frozen (pointers taken) once all are made */
	const char *root; /* the workspace root (borrowed from the transaction) */
	size_t stale;     /* files whose calls got no enclosing range */
} scip_ctx;

/* SCIP's <simple-identifier>: letters, digits, _ + - $. */
static bool simple_identifier(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_+-$", *s)))
			return false;
	return true;
}

/* A descriptor name: as it is when a simple identifier, else between
 * backticks with backticks doubled. */
static void add_name(pt_strbuf *b, const char *name, size_t n)
{
	pt_strbuf t = {0}, q = {0};
	pt_strbuf_add(&t, name, n);
	const char *s = export_text(pt_strbuf_cstr(&t), &q);
	if (simple_identifier(s)) {
		pt_strbuf_adds(b, s);
	} else {
		pt_strbuf_addc(b, '`');
		for (; *s; s++) {
			if (*s == '`')
				pt_strbuf_addc(b, '`');
			pt_strbuf_addc(b, *s);
		}
		pt_strbuf_addc(b, '`');
	}
	pt_strbuf_free(&t);
	pt_strbuf_free(&q);
}

/* A package field: spaces doubled, "." when empty. */
static void add_package_field(pt_strbuf *b, const char *s, size_t n)
{
	if (!n) {
		pt_strbuf_addc(b, '.');
		return;
	}
	pt_strbuf t = {0}, q = {0};
	pt_strbuf_add(&t, s, n);
	for (const char *p = export_text(pt_strbuf_cstr(&t), &q); *p; p++) {
		if (*p == ' ')
			pt_strbuf_addc(b, ' ');
		pt_strbuf_addc(b, *p);
	}
	pt_strbuf_free(&t);
	pt_strbuf_free(&q);
}

/* The qualified path's segments: "::" outside <..> splits (an impl's
 * segment is `<impl A::B for C>`). Fills starts/lens, returns the count. */
static size_t split_qpath(const char *q, size_t *starts, size_t *lens, size_t max)
{
	size_t n = 0, start = 0;
	int depth = 0;
	for (size_t i = 0;; i++) {
		if (q[i] == '<')
			depth++;
		else if (q[i] == '>' && depth > 0)
			depth--;
		bool end = !q[i] || (depth == 0 && q[i] == ':' && q[i + 1] == ':');
		if (!end)
			continue;
		if (n < max) {
			starts[n] = start;
			lens[n++] = i - start;
		}
		if (!q[i])
			return n;
		start = i + 2;
		i++;
	}
}

/* The descriptor suffix an entity of kind k ends with. */
static void add_own(pt_strbuf *b, const rec_entity *e)
{
	const char *name = e->name;
	size_t n = strlen(name);
	if (e->kind == PT_IMPL && n > 2 && name[0] == '<' && name[n - 1] == '>') {
		name++;
		n -= 2;
	}
	add_name(b, name, n);
	switch (e->kind) {
	case PT_MODULE: pt_strbuf_addc(b, '/'); break;
	case PT_FUNCTION:
	case PT_METHOD:
		if (e->disamb)
			pt_strbuf_printf(b, "(+%" PRIu32 ").", e->disamb);
		else
			pt_strbuf_adds(b, "().");
		break;
	case PT_CONST:
	case PT_STATIC: pt_strbuf_addc(b, '.'); break;
	case PT_MACRO: pt_strbuf_addc(b, '!'); break;
	default: pt_strbuf_addc(b, '#'); break;
	}
}

static void add_header(pt_strbuf *b, const char *qpath)
{
	size_t s[1], l[1];
	split_qpath(qpath, s, l, 1);
	pt_strbuf_adds(b, "parseltongue cargo ");
	add_package_field(b, qpath, l[0]);
	pt_strbuf_adds(b, " . ");
}

/* The symbol from the qualified path alone: the crate as package, every
 * segment between as a namespace, but the one before a method, which is
 * its type. For placeholders and whatever has no usable parent. */
static void symbol_from_qpath(pt_strbuf *b, const rec_entity *e)
{
	size_t st[64], ln[64];
	size_t n = split_qpath(e->qpath, st, ln, 64);
	add_header(b, e->qpath);
	for (size_t i = 1; i + 1 < n; i++) {
		add_name(b, e->qpath + st[i], ln[i]);
		pt_strbuf_addc(b, e->kind == PT_METHOD && i + 2 == n ? '#' : '/');
	}
	add_own(b, e);
}

static uint32_t symbol_of(scip_ctx *c, uint64_t id, int depth);

/* The type whose impl defines method m (its incoming DEFINES edge), 0 if
 * none (an impl for a type outside the workspace). */
static uint64_t defining_type(scip_ctx *c, uint64_t m)
{
	query_edges it;
	rec_edge e;
	query_edges_open(c->txn, m, QUERY_IN, &it);
	while (query_edges_next(&it, &e))
		if (e.kind == REL_DEFINES)
			return e.other;
	return 0;
}

/* The symbol an entity's own descriptor is appended to (written to b),
 * false when it must be made from the qualified path. */
static bool symbol_prefix(scip_ctx *c, const rec_entity *e, int depth, pt_strbuf *b)
{
	rec_entity p;
	uint32_t off = 0;
	if (!e->parent || query_entity(c->txn, e->parent, &p) != PT_OK)
		return false;
	if (e->kind == PT_METHOD && p.kind == PT_IMPL) {
		uint64_t t = defining_type(c, e->id);
		if (t && (off = symbol_of(c, t, depth + 1)) != 0) {
			pt_strbuf_adds(b, pt_strpool_get(&c->pool, off));
			return true;
		}
		/* No type of ours: the impl's module, then the type's name. */
		size_t st[64], ln[64];
		size_t n = split_qpath(e->qpath, st, ln, 64);
		if (n < 2 || !(off = symbol_of(c, p.parent, depth + 1)))
			return false;
		pt_strbuf_adds(b, pt_strpool_get(&c->pool, off));
		add_name(b, e->qpath + st[n - 2], ln[n - 2]);
		pt_strbuf_addc(b, '#');
		return true;
	}
	if (!(off = symbol_of(c, e->parent, depth + 1)))
		return false;
	pt_strbuf_adds(b, pt_strpool_get(&c->pool, off));
	return true;
}

/* The symbol of entity id (offset into pool), 0 if unknown. A crate's
 * "symbol" is its header alone: the prefix of its items' symbols, never
 * written as a symbol itself. depth bounds the walk up the parents (a
 * damaged database could make a cycle). */
static uint32_t symbol_of(scip_ctx *c, uint64_t id, int depth)
{
	uint32_t off;
	rec_entity e;
	if (map_get(&c->sym, id, &off))
		return off;
	if (query_entity(c->txn, id, &e) != PT_OK)
		return 0;
	pt_strbuf b = {0};
	if (e.kind == PT_CRATE) {
		add_header(&b, e.qpath);
	} else if (depth < 64 && !(e.flags & ENT_EXTERNAL) && symbol_prefix(c, &e, depth, &b)) {
		add_own(&b, &e);
	} else {
		b.len = 0;
		symbol_from_qpath(&b, &e);
	}
	off = pt_strpool_add(&c->pool, b.buf, b.len);
	pt_strbuf_free(&b);
	map_put(&c->sym, id, off);
	return off;
}

/* The symbol to write for an entity, NULL for crates and unknown ids.
 * Only once the pool is frozen (all symbols made). */
static const char *symbol_str(const scip_ctx *c, uint64_t id, uint8_t kind)
{
	uint32_t off;
	if (kind == PT_CRATE || !map_get(&c->sym, id, &off) || !off)
		return NULL;
	return pt_strpool_get(&c->pool, off);
}

/* ---- occurrences ------------------------------------------------------------------ */

enum {
	ROLE_DEFINITION = SCIP__SYMBOL_ROLE__Definition,
	ROLE_IMPORT = SCIP__SYMBOL_ROLE__Import
};

/* A definition or reference, before it becomes a Scip__Occurrence. */
typedef struct {
	uint32_t file;
	uint32_t r[4];      /* range: start line, column, end line, column */
	uint32_t enc[4];    /* enclosing range, when has_enc */
	uint64_t target;    /* the entity it names */
	uint8_t role, kind; /* ROLE_*; the entity's kind or, for a reference, pt_rel */
	bool has_enc, call;
} occ;

typedef PT_VEC(occ) occ_vec;

static void add_definitions(scip_ctx *c, occ_vec *v)
{
	rec_entity e;
	for (size_t i = 0; i < c->g->ents.n; i++) {
		if (query_entity(c->txn, c->g->ents.v[i], &e) != PT_OK || e.kind == PT_CRATE ||
		    e.file == PT_NO_FILE || !symbol_str(c, e.id, e.kind))
			continue;
		/* a name a macro's template writes lies outside the item (which
		 * is the invocation): no enclosing range then */
		bool inside = (e.nsl > e.sl || (e.nsl == e.sl && e.nsc >= e.sc)) &&
			      (e.nel < e.el || (e.nel == e.el && e.nec <= e.ec));
		occ o = {.file = e.file,
			 .r = {e.nsl, e.nsc, e.nel, e.nec},
			 .enc = {e.sl, e.sc, e.el, e.ec},
			 .target = e.id,
			 .role = ROLE_DEFINITION,
			 .kind = e.kind,
			 .has_enc = inside};
		pt_vec_push(v, o);
	}
}

/* Calls and uses are written where the edge's site is; an IMPL edge only
 * for a derive, whose site is the trait's name (an impl header's site is
 * the whole header: the relationship says it). */
static void add_references(scip_ctx *c, occ_vec *v)
{
	rec_entity t;
	for (size_t i = 0; i < c->g->edges.n; i++) {
		const rec_edge *e = &c->g->edges.v[i];
		bool derive = e->kind == REL_IMPL && (e->flags & EDGE_DERIVE);
		if ((e->kind != REL_CALLS && e->kind != REL_USES && !derive) ||
		    e->file == PT_NO_FILE || query_entity(c->txn, e->other, &t) != PT_OK ||
		    !symbol_str(c, t.id, t.kind))
			continue;
		occ o = {.file = e->file,
			 .r = {e->sl, e->sc, e->el, e->ec},
			 .target = e->other,
			 .role = e->kind == REL_USES && (e->flags & EDGE_IMPORT) ? ROLE_IMPORT : 0,
			 .kind = e->kind,
			 .call = e->kind == REL_CALLS};
		pt_vec_push(v, o);
	}
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* By file, then position, definitions first, then target: a stable order
 * for the same graph. */
static int occ_cmp(const void *pa, const void *pb)
{
	const occ *a = pa, *b = pb;
	int d = cmp_u32(a->file, b->file);
	for (int i = 0; !d && i < 4; i++)
		d = cmp_u32(a->r[i], b->r[i]);
	if (!d)
		d = (b->role & ROLE_DEFINITION) - (a->role & ROLE_DEFINITION);
	if (!d)
		d = a->target < b->target ? -1 : a->target > b->target;
	return d;
}

/* ---- messages ----------------------------------------------------------------------- */

static int32_t i32(uint32_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* SCIP's range: three numbers on one line, four across lines. */
static size_t put_range(int32_t *out, const uint32_t r[4])
{
	out[0] = i32(r[0]);
	out[1] = i32(r[1]);
	if (r[0] == r[2]) {
		out[2] = i32(r[3]);
		return 3;
	}
	out[2] = i32(r[2]);
	out[3] = i32(r[3]);
	return 4;
}

static Scip__SymbolInformation__Kind kind_of(scip_ctx *c, const rec_entity *e)
{
	rec_entity p;
	switch (e->kind) {
	case PT_MODULE: return SCIP__SYMBOL_INFORMATION__KIND__Module;
	case PT_FUNCTION: return SCIP__SYMBOL_INFORMATION__KIND__Function;
	case PT_METHOD:
		return query_entity(c->txn, e->parent, &p) == PT_OK && p.kind == PT_TRAIT
			       ? SCIP__SYMBOL_INFORMATION__KIND__TraitMethod
			       : SCIP__SYMBOL_INFORMATION__KIND__Method;
	case PT_STRUCT: return SCIP__SYMBOL_INFORMATION__KIND__Struct;
	case PT_ENUM: return SCIP__SYMBOL_INFORMATION__KIND__Enum;
	case PT_UNION: return SCIP__SYMBOL_INFORMATION__KIND__Union;
	case PT_TRAIT: return SCIP__SYMBOL_INFORMATION__KIND__Trait;
	case PT_TYPE_ALIAS: return SCIP__SYMBOL_INFORMATION__KIND__TypeAlias;
	case PT_CONST: return SCIP__SYMBOL_INFORMATION__KIND__Constant;
	case PT_STATIC: return SCIP__SYMBOL_INFORMATION__KIND__StaticVariable;
	case PT_MACRO: return SCIP__SYMBOL_INFORMATION__KIND__Macro;
	case PT_VARIANT: return SCIP__SYMBOL_INFORMATION__KIND__EnumMember;
	default: return SCIP__SYMBOL_INFORMATION__KIND__UnspecifiedKind;
	}
}

/* The messages of one document, and what they point to: strings are
 * borrowed from the pool, the map and the read transaction; arrays are
 * owned here and freed by doc_free. */
typedef struct {
	Scip__Document doc;
	Scip__Occurrence *occs;
	Scip__Occurrence **occ_ptrs;
	int32_t *ranges; /* 8 per occurrence: range and enclosing range */
	Scip__SymbolInformation *infos;
	Scip__SymbolInformation **info_ptrs;
	Scip__Document *sigs; /* signature_documentation, one per info */
	PT_VEC(Scip__Relationship) rels;
	PT_VEC(Scip__Relationship *) rel_ptrs;
	PT_VEC(char *) owned; /* strings quoted for this document */
	pt_strbuf path;
} doc_msgs;

/* s as export_text makes it, living as long as the document's messages. */
static char *doc_text(doc_msgs *d, const char *s)
{
	pt_strbuf tmp = {0};
	const char *t = export_text(s, &tmp);
	if (t == s) {
		pt_strbuf_free(&tmp);
		return (char *)s;
	}
	pt_vec_push(&d->owned, tmp.buf);
	return tmp.buf;
}

static void fill_occurrence(scip_ctx *c, const occ *o, Scip__Occurrence *m, int32_t *ranges)
{
	rec_entity t;
	scip__occurrence__init(m);
	m->range = ranges;
	m->n_range = put_range(ranges, o->r);
	if (o->has_enc) {
		m->enclosing_range = ranges + 4;
		m->n_enclosing_range = put_range(ranges + 4, o->enc);
	}
	m->symbol_roles = o->role;
	uint8_t kind = query_entity(c->txn, o->target, &t) == PT_OK ? t.kind : 0;
	m->symbol = (char *)symbol_str(c, o->target, kind);
}

static void doc_free(doc_msgs *d)
{
	free(d->occs);
	free(d->occ_ptrs);
	free(d->ranges);
	free(d->infos);
	free(d->info_ptrs);
	free(d->sigs);
	pt_vec_free(&d->rels);
	pt_vec_free(&d->rel_ptrs);
	for (size_t i = 0; i < d->owned.n; i++)
		free(d->owned.v[i]);
	pt_vec_free(&d->owned);
	pt_strbuf_free(&d->path);
}

/* A defined entity of the document and its symbol (borrowed, frozen pool). */
typedef struct {
	const char *symbol;
	uint64_t id;
} def_ref;

static int def_cmp(const void *pa, const void *pb)
{
	const def_ref *a = pa, *b = pb;
	int d = strcmp(a->symbol, b->symbol);
	return d ? d : (a->id > b->id) - (a->id < b->id);
}

static void add_relationship(doc_msgs *d, const char *sym, bool is_ref, size_t from)
{
	for (size_t i = from; i < d->rels.n; i++)
		if (strcmp(d->rels.v[i].symbol, sym) == 0)
			return;
	Scip__Relationship r;
	scip__relationship__init(&r);
	r.symbol = (char *)sym;
	r.is_implementation = true;
	r.is_reference = is_ref;
	pt_vec_push(&d->rels, r);
}

/* The trait a trait impl block implements: the graph draws the IMPL edge
 * from the type, its site the impl's header, so the impl is the one that
 * starts at that site. */
static void impl_traits(scip_ctx *c, doc_msgs *d, const rec_entity *impl, size_t from)
{
	query_edges it;
	rec_edge e;
	rec_entity t;
	uint64_t ty = 0;
	query_edges_open(c->txn, impl->id, QUERY_OUT, &it);
	while (!ty && query_edges_next(&it, &e))
		if (e.kind == REL_CONTAINS)
			ty = defining_type(c, e.other);
	if (!ty)
		return;
	query_edges_open(c->txn, ty, QUERY_OUT, &it);
	while (query_edges_next(&it, &e)) {
		const char *sym;
		if (e.kind == REL_IMPL && !(e.flags & EDGE_DERIVE) && e.file == impl->file &&
		    e.sl == impl->sl && e.sc == impl->sc &&
		    query_entity(c->txn, e.other, &t) == PT_OK &&
		    (sym = symbol_str(c, t.id, t.kind)))
			add_relationship(d, sym, false, from);
	}
}

/* Relationships of entity e appended to d->rels, skipping symbols already
 * among rels[from..]: its IMPL edges are is_implementation. "Find
 * references" on a trait method should find its implementations and the
 * other way round (is_reference too); on a trait, not the types that
 * implement it. */
static void add_relationships(scip_ctx *c, doc_msgs *d, const rec_entity *ent, size_t from)
{
	query_edges it;
	rec_edge e;
	rec_entity t;
	query_edges_open(c->txn, ent->id, QUERY_OUT, &it);
	while (query_edges_next(&it, &e)) {
		const char *sym;
		if (e.kind == REL_IMPL && query_entity(c->txn, e.other, &t) == PT_OK &&
		    (sym = symbol_str(c, t.id, t.kind)))
			add_relationship(d, sym, ent->kind == PT_METHOD, from);
	}
	if (ent->kind == PT_IMPL && (ent->flags & ENT_TRAIT_IMPL))
		impl_traits(c, d, ent, from);
}

static void fill_info(scip_ctx *c, doc_msgs *d, const rec_entity *e, size_t k)
{
	Scip__SymbolInformation *m = &d->infos[k];
	scip__symbol_information__init(m);
	m->symbol = (char *)symbol_str(c, e->id, e->kind);
	m->kind = kind_of(c, e);
	m->display_name = doc_text(d, e->name);
	if (*e->sig) {
		scip__document__init(&d->sigs[k]);
		d->sigs[k].language = "Rust";
		d->sigs[k].text = doc_text(d, e->sig);
		m->signature_documentation = &d->sigs[k];
	}
}

/* One SymbolInformation per symbol defined in the document (an entity
 * defined twice under one path, as cfg alternatives are, is one symbol),
 * with the relationships of all its definitions. */
static void doc_symbols(scip_ctx *c, doc_msgs *d, const occ *o, size_t n)
{
	PT_VEC(def_ref) defs = {0};
	PT_VEC(size_t) rel_from = {0};
	for (size_t i = 0; i < n; i++)
		if (o[i].role & ROLE_DEFINITION)
			pt_vec_push(&defs, ((def_ref){symbol_str(c, o[i].target, o[i].kind),
						      o[i].target}));
	if (defs.n > 1)
		qsort(defs.v, defs.n, sizeof *defs.v, def_cmp);
	d->infos = pt_xcalloc(defs.n + 1, sizeof *d->infos);
	d->info_ptrs = pt_xcalloc(defs.n + 1, sizeof *d->info_ptrs);
	d->sigs = pt_xcalloc(defs.n + 1, sizeof *d->sigs);
	size_t k = 0;
	for (size_t i = 0; i < defs.n; i++) {
		rec_entity e;
		bool same = i && strcmp(defs.v[i].symbol, defs.v[i - 1].symbol) == 0;
		if (query_entity(c->txn, defs.v[i].id, &e) != PT_OK)
			continue;
		if (!same || !k) {
			fill_info(c, d, &e, k++);
			pt_vec_push(&rel_from, d->rels.n);
		}
		add_relationships(c, d, &e, rel_from.v[k - 1]);
	}
	pt_vec_push(&rel_from, d->rels.n);
	for (size_t i = 0; i < d->rels.n; i++)
		pt_vec_push(&d->rel_ptrs, &d->rels.v[i]);
	for (size_t i = 0; i < k; i++) {
		d->infos[i].relationships = d->rel_ptrs.v + rel_from.v[i];
		d->infos[i].n_relationships = rel_from.v[i + 1] - rel_from.v[i];
		d->info_ptrs[i] = &d->infos[i];
	}
	d->doc.symbols = d->info_ptrs;
	d->doc.n_symbols = k;
	pt_vec_free(&defs);
	pt_vec_free(&rel_from);
}

/* ---- writing ------------------------------------------------------------------------ */

static void put_varint(FILE *out, uint64_t v)
{
	while (v >= 0x80) {
		putc((int)(v & 0x7f) | 0x80, out);
		v >>= 7;
	}
	putc((int)v, out);
}

/* One field of the Index message: tag (length-delimited) and the packed
 * message. */
static void put_field(FILE *out, unsigned field, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = pt_xmalloc(n ? n : 1);
	protobuf_c_message_pack(m, buf);
	put_varint(out, (uint64_t)field << 3 | 2);
	put_varint(out, n);
	fwrite(buf, 1, n, out);
	free(buf);
}

/* The text of the document, if it is still the text that was indexed
 * (size and hash as the files table has them); caller frees. */
static char *indexed_text(scip_ctx *c, uint32_t file, size_t *len)
{
	const char *rel = query_file_path(c->txn, file);
	store_val v;
	rec_file f;
	if (!*rel || store_get(c->txn, TBL_FILES, rel, strlen(rel), &v) != PT_OK ||
	    rec_file_decode(v.data, v.len, &f) != 0)
		return NULL;
	pt_strbuf path = {0};
	pt_strbuf_printf(&path, "%s/%s", c->root, rel);
	char *text = pt_read_file(pt_strbuf_cstr(&path), len);
	pt_strbuf_free(&path);
	if (text && (*len != f.size || pt_hash64(text, *len) != f.hash)) {
		free(text);
		text = NULL;
	}
	return text;
}

/* The call expression around each call of the document, as its
 * enclosing_range. The graph keeps only the callee's name, so the file
 * is parsed again; a file that changed since it was indexed (or an
 * editor's unsaved buffer that was) keeps its calls without one. */
static void call_ranges(scip_ctx *c, occ *o, size_t n)
{
	size_t calls = 0, len = 0;
	for (size_t i = 0; i < n; i++)
		calls += o[i].call;
	if (!calls)
		return;
	char *text = indexed_text(c, o[0].file, &len);
	pt_tree *t = text ? pt_tree_parse(text, len) : NULL;
	c->stale += !t;
	for (size_t i = 0; t && i < n; i++) {
		pt_point cs, ce;
		if (!o[i].call || !pt_tree_call_range(t, (pt_point){o[i].r[0], o[i].r[1]},
						      (pt_point){o[i].r[2], o[i].r[3]}, &cs, &ce))
			continue;
		o[i].enc[0] = cs.line;
		o[i].enc[1] = cs.col;
		o[i].enc[2] = ce.line;
		o[i].enc[3] = ce.col;
		o[i].has_enc = true;
	}
	pt_tree_free(t);
	free(text);
}

static void write_document(scip_ctx *c, occ *o, size_t n, FILE *out)
{
	call_ranges(c, o, n);
	doc_msgs d = {0};
	scip__document__init(&d.doc);
	d.doc.language = "Rust";
	d.doc.position_encoding = SCIP__POSITION_ENCODING__UTF8CodeUnitOffsetFromLineStart;
	pt_strbuf_adds(&d.path, query_file_path(c->txn, o[0].file));
	d.doc.relative_path = doc_text(&d, pt_strbuf_cstr(&d.path));
	d.occs = pt_xcalloc(n, sizeof *d.occs);
	d.occ_ptrs = pt_xcalloc(n, sizeof *d.occ_ptrs);
	d.ranges = pt_xcalloc(n * 8, sizeof *d.ranges);
	for (size_t i = 0; i < n; i++) {
		fill_occurrence(c, &o[i], &d.occs[i], d.ranges + i * 8);
		d.occ_ptrs[i] = &d.occs[i];
	}
	d.doc.occurrences = d.occ_ptrs;
	d.doc.n_occurrences = n;
	doc_symbols(c, &d, o, n);
	put_field(out, 2, &d.doc.base);
	doc_free(&d);
}

/* file:// and the root, percent-encoded but for unreserved bytes and '/'. */
static void root_uri(const char *root, pt_strbuf *b)
{
	pt_strbuf_adds(b, "file://");
	for (const unsigned char *p = (const unsigned char *)root; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			pt_strbuf_addc(b, (char)*p);
		else
			pt_strbuf_printf(b, "%%%02X", *p);
	}
}

static void write_metadata(scip_ctx *c, FILE *out)
{
	Scip__Metadata md;
	Scip__ToolInfo tool;
	pt_strbuf uri = {0};
	scip__metadata__init(&md);
	scip__tool_info__init(&tool);
	tool.name = "parseltongue";
	tool.version = "0.1.0";
	root_uri(export_root(c->txn), &uri);
	md.version = SCIP__PROTOCOL_VERSION__UnspecifiedProtocolVersion;
	md.tool_info = &tool;
	md.project_root = (char *)pt_strbuf_cstr(&uri);
	md.text_document_encoding = SCIP__TEXT_ENCODING__UTF8;
	put_field(out, 1, &md.base);
	pt_strbuf_free(&uri);
}

/* Placeholders of traits and types outside the workspace. */
static void write_external(scip_ctx *c, FILE *out)
{
	rec_entity e;
	for (size_t i = 0; i < c->g->ents.n; i++) {
		if (query_entity(c->txn, c->g->ents.v[i], &e) != PT_OK ||
		    !(e.flags & ENT_EXTERNAL) || !symbol_str(c, e.id, e.kind))
			continue;
		doc_msgs d = {0};
		Scip__SymbolInformation m;
		scip__symbol_information__init(&m);
		m.symbol = (char *)symbol_str(c, e.id, e.kind);
		m.kind = kind_of(c, &e);
		m.display_name = doc_text(&d, e.name);
		put_field(out, 3, &m.base);
		doc_free(&d);
	}
}

/* Every symbol is made before any is written, so that the pool no longer
 * moves while messages point into it. */
static void make_symbols(scip_ctx *c)
{
	for (size_t i = 0; i < c->g->ents.n; i++)
		symbol_of(c, c->g->ents.v[i], 0);
	for (size_t i = 0; i < c->g->edges.n; i++)
		symbol_of(c, c->g->edges.v[i].other, 0);
}

int export_scip(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	scip_ctx c = {.txn = txn, .g = g, .root = export_root(txn)};
	occ_vec occs = {0};
	pt_strpool_init(&c.pool);
	make_symbols(&c);
	add_definitions(&c, &occs);
	add_references(&c, &occs);
	if (occs.n > 1)
		qsort(occs.v, occs.n, sizeof *occs.v, occ_cmp);
	write_metadata(&c, out);
	for (size_t i = 0, j; i < occs.n; i = j) {
		for (j = i + 1; j < occs.n && occs.v[j].file == occs.v[i].file;)
			j++;
		write_document(&c, occs.v + i, j - i, out);
	}
	write_external(&c, out);
	if (c.stale)
		cli_err("export: %zu files changed since they were indexed: their calls have no "
			"enclosing_range (run `parseltongue onboard` first)",
			c.stale);
	pt_vec_free(&occs);
	pt_strpool_free(&c.pool);
	free(c.sym.keys);
	free(c.sym.vals);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}
