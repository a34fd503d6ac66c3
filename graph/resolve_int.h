/* graph/resolve_int.h — the resolver's private state, shared by its files.
 *
 * The resolver (resolve.h) is three files that share this header; nothing
 * outside them includes it. resolve_names.c builds the module tree from the
 * crate roots (entities, scopes, cfg) and answers name lookups (`use`
 * declarations, paths, associated items, placeholders for what lies
 * outside the workspace). resolve_recv.c types the receivers of method
 * calls (chains of steps from a start, closure parameters, trait bounds of
 * generics); it looks names up through resolve_names.c. resolve.c registers
 * impls, turns every reference into edges and drives the passes in order.
 * (resolve_ext.c and resolve_lookup.c hold more of the lookups;
 * resolve_deps.c the read sets of a tracked resolution, noted through
 * key_of.) The multimap, its keys and the small accessors are static inline here:
 * every lookup runs through them, and each file should inline them as the
 * single file did.
 */
#ifndef PT_GRAPH_RESOLVE_INT_H
#define PT_GRAPH_RESOLVE_INT_H

#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#define NONE           UINT32_MAX
#define MAX_DEPTH      24
#define MAX_CANDIDATES 16
#define MAX_GUESSES    3

/* ---- a multimap u64 → u32, insertion order kept per key -------------- */

typedef struct {
	uint32_t val, next;
} mm_node;
/* One slot: key and list ends together, so a probe touches one line. */
typedef struct {
	uint64_t key;
	uint32_t head, tail;
} mm_slot_t; /* node index + 1; 0 = empty */
typedef struct {
	mm_slot_t *slots;
	size_t cap, used;
	PT_VEC(mm_node) nodes;
} multimap;

static inline void mm_free(multimap *m)
{
	free(m->slots);
	pt_vec_free(&m->nodes);
}

static inline size_t mm_slot(const multimap *m, uint64_t key)
{
	size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->slots[i].head && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static inline void mm_rehash(multimap *m)
{
	multimap old = *m;
	m->cap = old.cap ? old.cap * 2 : 1024;
	m->slots = pt_xcalloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].head)
			m->slots[mm_slot(m, old.slots[i].key)] = old.slots[i];
	free(old.slots);
}

static inline void mm_add(multimap *m, uint64_t key, uint32_t val)
{
	if ((m->used + 1) * 2 > m->cap)
		mm_rehash(m);
	size_t s = mm_slot(m, key);
	mm_node n = {val, 0};
	pt_vec_push(&m->nodes, n);
	uint32_t id = (uint32_t)m->nodes.n;
	mm_slot_t *sl = &m->slots[s];
	if (!sl->head) {
		sl->key = key;
		sl->head = sl->tail = id;
		m->used++;
	} else {
		m->nodes.v[sl->tail - 1].next = id;
		sl->tail = id;
	}
}

/* First node (index + 1) for key, 0 if none; walk with mm_next. */
static inline uint32_t mm_first(const multimap *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	return m->slots[mm_slot(m, key)].head;
}
/* The value at node it (a node index + 1 from mm_first or mm_next), and the
 * next node of the same key (0 at the end). */
static inline uint32_t mm_val(const multimap *m, uint32_t it)
{
	pt_assert(it > 0 && it <= m->nodes.n);
	return m->nodes.v[it - 1].val;
}
static inline uint32_t mm_next(const multimap *m, uint32_t it)
{
	pt_assert(it > 0 && it <= m->nodes.n);
	uint32_t next = m->nodes.v[it - 1].next;
	pt_assert(next == 0 || next > it); /* a key's list only runs forward: walks end */
	return next;
}

/* Keys: a tag, a number and a name hashed together. */
enum {
	K_ITEM = 1,
	K_USE,
	K_GLOB,
	K_ASSOC,
	K_TASSOC,
	K_TRAITITEM,
	K_MODSCOPE,
	K_FIELD,
	K_TYPETRAIT,
	K_CRATE,
	K_FILE,
	K_ID,
	K_METHODNAME,
	K_QPATH,
	K_MACRO,
	K_LOOKUP,
	K_SEGLOOKUP, /* module scope + name → a path segment's lookup (rs_resolve_path) */
	K_IMPLOF,
	K_ANYNAME,
	K_IMPLTRAITS,
	K_IMPLEXT,   /* impl entity → index in R.made of its self type's key */
	K_EXTTRAIT,  /* key of a type outside the workspace → trait implemented for it */
	K_EXTTASSOC, /* "key\tname" → member of such an impl */
	K_SUPERS,    /* trait → NONE, then its supertraits (read once) */
	K_TRAITNAME, /* name → trait of the workspace */
	K_DERIVEREX, /* crate name → NONE, then the crates whose uses name it first */
	K_INSCOPE,   /* (scope, trait) → 1 when the trait is in scope there, else 0 */
	K_BLANKET,   /* item name → impl of a trait for a generic parameter
	                (`impl<T: B> Tr for T`) whose trait has that item */
	K_EXTERN,    /* (crate, name) → the crate entity that name means there */
};

/* splitmix64: a bijection, so (tag, num) pairs never share a seed for the
 * small numbers (scopes, entity indexes) used here. */
static inline uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static inline uint64_t key_hash(int tag, uint64_t num, const char *s, size_t n)
{
	return pt_hash64_seed(s, n, mix(num + (uint64_t)tag * 0xD6E8FEB86659FD93ull));
}

/* ---- resolver state -------------------------------------------------- */

/* Name hashes (pt_hash64 of each identifier) a file's resolution read. */
typedef pt_names rs_names;

typedef struct {
	uint32_t module_ent;   /* module/crate entity whose names these are */
	int32_t parent;        /* lexical parent scope (fn scopes), -1 */
	int32_t parent_module; /* scope of the parent module, -1 at a root */
	int32_t crate_scope;   /* scope of the crate root (for `crate::`) */
	int32_t krate;         /* the crate whose code this is (its extern prelude,
	                          edition, dependency closure); -1: unknown (files
	                          no crate reaches, outside every package) */
} scope;

typedef struct {
	uint32_t scope, src, fu;
	uint8_t state;           /* 0 new, 1 resolving, 2 done */
	uint8_t walking;         /* being followed out of the workspace (ext_walk) */
	uint32_t res_off, res_n; /* into R.results */
} use_rec;

typedef struct {
	uint32_t src;
	int32_t item;      /* fact item index, -1 for modules from files */
	uint32_t escope;   /* scope the item's own names resolve in */
	uint32_t bscope;   /* scope of its body (fns, modules), else escope */
	uint32_t self_ent; /* impl self type / trait for assoc items, NONE */
} ent_aux;

/* A `mod x;` whose file waits (resolver.deferred): qpath owned. */
struct deferred_mod {
	uint32_t child, mod_ent, scope;
	int32_t crate;
	char *qpath;
};

typedef struct {
	int32_t crate;
	bool reached;
	uint32_t mod_ent, scope;
	char *qpath, *child_dir;
	uint32_t use_first, use_end;         /* this file's uses in R.uses */
	uint32_t *item_ent;                  /* per fact item */
	uint32_t *item_scope;                /* per fact item: body scope (modules, fns) */
	int32_t *first_child, *next_sibling; /* per fact item: its members, in order */
	/* The edges this file's facts made (origin), one run of g->edges:
	 * emit_file appends them together, and refile replaces them by
	 * these bounds instead of a pass over every edge. */
	size_t edge_first, edge_end;
	/* What making those edges looked up (resolver.track): the hashes
	 * of the names, sorted and distinct (owned). */
	uint64_t *reads;
	size_t n_reads;
} file_info;

struct resolver {
	pt_graph *g;
	pt_source *src; /* the caller's array; refile writes facts pointers */
	size_t n_src;
	const pt_crate *crates;
	size_t n_crates;
	const char *base_cfg; /* cfg set of files no crate reaches */
	file_info *fi;
	PT_VEC(scope) scopes;
	PT_VEC(use_rec) uses;
	PT_VEC(uint32_t) results;
	PT_VEC(ent_aux) aux;
	int32_t *crate_scope;   /* per crate: its root scope, -1 if absent */
	uint64_t *vis;          /* per crate, a bit per crate: those its code may
	                           reach (itself and its dependency closure) */
	size_t vis_words;       /* 64-bit words per crate in vis */
	PT_VEC(uint32_t) cache; /* memoised lookups: (off, n) pairs into results */
	bool caching;           /* on once every name is declared */
	multimap mm;
	pt_strbuf tmp;
	PT_VEC(char *) made; /* type texts no fact spells (made_text) */
	/* `mod x;` the build leaves out, expanded once every crate's tree is
	 * (a file may also be reached from a declaration the build has) */
	PT_VEC(struct deferred_mod) deferred;
	multimap made_ix;  /* their hashes → index in made */
	uint32_t emitting; /* the file whose edges are being made (pt_edge.origin) */
	/* Edges refile left in g->edges as holes (origin PT_EDGE_DEAD) until
	 * the next compaction. */
	size_t dead_edges;
	/* ent_crate of the first n_ent_krate entities, kept once every file's
	 * entities are made: a guess by method name asks it of every method of
	 * that name, and the chain it reads (aux, file, scope) misses the cache
	 * at each step. Owned; entities made later are asked the long way. */
	int32_t *ent_krate;
	size_t n_ent_krate;
	/* Read sets (resolve_deps.c): when track is on, every key a file's
	 * edges look up while they are made is noted in *reading by its
	 * names, and kept in that file's file_info. A pointer, so that
	 * lookups through a const resolver note too. */
	bool track;
	rs_names *reading;
};
typedef struct resolver resolver;

typedef PT_VEC(uint32_t) idlist;

static inline const char *fstr(const resolver *R, uint32_t src, uint32_t off)
{
	return pt_strpool_get(&R->src[src].facts->pool, off);
}

static inline const fact_item *fitem(const resolver *R, uint32_t src, int32_t i)
{
	return &R->src[src].facts->items.v[i];
}

static inline bool list_has(const idlist *l, uint32_t v)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return true;
	return false;
}

static inline void list_add(idlist *l, uint32_t v)
{
	if (l->n < MAX_CANDIDATES && !list_has(l, v))
		pt_vec_push(l, v);
}

static inline int ekind(const resolver *R, uint32_t e)
{
	return R->g->ents.v[e].kind;
}

/* Notes the names key (tag, num, s[0..n)) reads in *R->reading: each
 * identifier of s, and for keys made from an entity that entity's name
 * (resolve_deps.c). */
void rs_note_read(const resolver *R, int tag, uint64_t num, const char *s, size_t n);
/* Keeps reads (sorted and deduped here) as source src's read set. */
void rs_keep_reads(resolver *R, uint32_t src, rs_names *reads);

/* The key of (tag, num, s[0..n)), noted as read while a file's edges are
 * made for a tracked resolution. Every lookup of the resolver builds its
 * key with key_of, which is this with the resolver R in scope: so a
 * file's read set holds every name its edges depend on, and a lookup
 * written later is noted without a thought. */
static inline uint64_t rkey(const struct resolver *R, int tag, uint64_t num, const char *s,
			    size_t n)
{
	if (R->reading)
		rs_note_read(R, tag, num, s, n);
	return key_hash(tag, num, s, n);
}
#define key_of(tag, num, s, n) rkey(R, (tag), (num), (s), (n))

/* ---- paths ------------------------------------------------------------ */

typedef struct {
	const char *p;
	size_t n;
} seg;
#define MAX_SEGS 32

/* ---- kinds and flags of entities -------------------------------------- */

static inline bool is_type(int k)
{
	return k == PT_STRUCT || k == PT_ENUM || k == PT_UNION || k == PT_TRAIT ||
	       k == PT_TYPE_ALIAS;
}

static inline bool callable(int k)
{
	return k == PT_FUNCTION || k == PT_METHOD;
}

/* The crate of the code at scope sc, -1 when unknown. */
static inline int32_t scope_crate(const resolver *R, uint32_t sc)
{
	return sc == NONE ? -1 : R->scopes.v[sc].krate;
}

/* The crate entity e is defined in, -1 for placeholders and unknown. */
static inline int32_t ent_crate(const resolver *R, uint32_t e)
{
	if (e < R->n_ent_krate)
		return R->ent_krate[e];
	if (R->g->ents.v[e].flags & ENT_EXTERNAL)
		return -1;
	return R->scopes.v[R->fi[R->aux.v[e].src].scope].krate;
}

/* Whether code of crate from may name what crate to defines: to is from
 * or in its dependency closure (anything, when either is unknown). */
static inline bool crate_reaches(const resolver *R, int32_t from, int32_t to)
{
	if (from < 0 || to < 0 || !R->vis)
		return true;
	return (R->vis[(size_t)from * R->vis_words + (size_t)to / 64] >> (to % 64)) & 1;
}

static inline bool seg_is(seg s, const char *w)
{
	return s.n == strlen(w) && memcmp(s.p, w, s.n) == 0;
}

static inline bool is_module(int k)
{
	return k == PT_MODULE || k == PT_CRATE;
}

static inline bool cfg_off(const resolver *R, uint32_t e)
{
	return R->g->ents.v[e].flags & ENT_CFG_OFF;
}

/* ---- references ------------------------------------------------------- */

/* Where a reference is written: its file, the entity it is in, the scope
 * and Self there. */
typedef struct {
	uint32_t src, from_ent, sc, self_ent, fid;
	int32_t item; /* fact item the reference is in, -1 at file level */
	seg self_ext; /* inside an impl for a type outside the workspace: its
	                    key (resolve_ext.c); else n = 0 and p NULL */
} ref_ctx;

/* ---- resolve_names.c -------------------------------------------------- */

/* Splits path at its `::` into at most MAX_SEGS segments; their count. */
size_t rs_split_path(const char *path, seg *out);
/* The last segment of a type path (points into path). */
const char *rs_last_seg(const char *path);
/* The entity item it of file src belongs to: its parent's, else the file's module. */
uint32_t rs_item_owner_ent(const resolver *R, uint32_t src, const fact_item *it);
/* Module tree, first step: a root per crate whose root file is among the sources. */
void rs_crate_roots(resolver *R);
/* Module tree, second step: files no crate reaches become roots of their own. */
void rs_add_orphans(resolver *R);
/* Each crate's extern prelude (K_EXTERN) and dependency closure (vis). */
void rs_crate_links(resolver *R);
/* Whether entity e is in the build: not cfg'd out, nor in a module that is. */
bool rs_built(const resolver *R, uint32_t e);
/* The entities use u names, added to out; resolved once, then memoised. */
void rs_use_result(resolver *R, uint32_t u, idlist *out, int depth);
/* The entities path names in scope sc, Self being self_ent, added to out. */
void rs_resolve_path(resolver *R, uint32_t sc, const char *path, uint32_t self_ent, idlist *out,
		     int depth);
/* The associated items called name of type or trait ent, added to out. */
void rs_assoc(resolver *R, uint32_t ent, seg name, idlist *out);
/* The scope of the module that scope sc lies in. */
int32_t rs_module_scope_of_scope(const resolver *R, uint32_t sc);
/* The traits path names in scope sc, else an external placeholder, added to out. */
void rs_resolve_trait(resolver *R, uint32_t sc, const char *path, uint32_t self_ent, idlist *out);
/* The trait a derive written path (in scope sc) makes when path names a
 * derive macro of a proc-macro crate of the workspace (`use
 * serde_derive::Serialize;`): the one trait of that name in a crate that
 * re-exports the macro's crate (serde::ser::Serialize); else NONE. */
uint32_t rs_derive_trait(resolver *R, uint32_t sc, const char *path);
/* The first type among candidates c, one in the default build first; NONE if none. */
uint32_t rs_first_type(const resolver *R, const idlist *c);
/* The type path names in scope sc, or NONE. */
uint32_t rs_pick_type(resolver *R, uint32_t sc, const char *path);
/* The path a type path written in scope sc stands for when the code says
 * it lies outside the workspace (std, core, alloc, or a crate the
 * workspace does not have), expanded through `use` and with core/alloc
 * folded to std; NULL when it may lie inside. Borrowed until the next
 * lookup. */
const char *rs_external_path(resolver *R, uint32_t sc, const char *path);
/* The scope use u's path starts from: the crate root for a Rust 2015 path
 * whose first name the root binds (`use lib::fmt::Write;` in a submodule),
 * else the scope the use is written in. */
uint32_t rs_use_start_scope(resolver *R, uint32_t u);
/* The key of type path[0..n) read in scope sc when it is a type outside
 * the workspace (a primitive, String, a std type, a path into a crate we do
 * not have), for rs_ext_methods; p NULL otherwise (resolve_recv.c). */
seg rs_ext_key(resolver *R, uint32_t sc, const char *path, size_t n);
/* The crates name means in the extern prelude of scope sc's crate (its
 * dependencies, std's crates, `extern crate a as name;` at the root):
 * the type namespace only, for a path whose first name a `use` also binds
 * to a macro or fn (`use bitflags::bitflags;`). */
void rs_lookup_crate(resolver *R, uint32_t sc, seg name, idlist *out);

/* ---- resolve_recv.c --------------------------------------------------- */

/* The methods called name of the traits in bounds ("Tr+Clone"), added to out. */
void rs_bound_methods(resolver *R, const ref_ctx *c, const char *bounds, seg name, idlist *out);
/* `T::A::f()`: f of the trait bounding associated type at of T's bounds, added to out. */
void rs_assoc_bound_methods(resolver *R, const ref_ctx *c, const char *bounds, const char *at,
			    seg name, idlist *out);
/* The type entity a method call's receiver descriptor names, or NONE. */
uint32_t rs_recv_type(resolver *R, const ref_ctx *c, const fact_ref *r);
/* A receiver's type: a workspace type (or the trait it is known through),
 * and when the type lies outside the workspace its key (ext.p non-NULL;
 * "" when only that is known, as for iterators). */
typedef struct {
	uint32_t ent;
	seg ext;
	bool derived;        /* unknown, but reached from a value of a type outside the
	                 workspace through its fields or methods */
	seg args;            /* generic arguments written for ent ("Kind" of
	                       `Sp<Kind>`), p NULL if none; borrowed from the
	                       facts or R.made */
	uint32_t asc, aself; /* the scope and Self to read args in */
	/* ent is the first trait of a generic parameter's bounds: all of them
	 * ("Rd+Seek", borrowed until the resolver is freed), read in scope bsc
	 * with Self = bself; NULL when there is one or none */
	const char *bounds;
	uint32_t bsc, bself;
} recv_type;
recv_type rs_recv(resolver *R, const ref_ctx *c, const fact_ref *r);
/* The methods called name that a receiver of type t reaches through its
 * Deref impl's Target (`impl Deref for W { type Target = Inner; }`; a
 * Target that is a generic parameter of the impl is the argument t's
 * type text gives at its place), added to out. */
void rs_deref_methods(resolver *R, const ref_ctx *c, const recv_type *t, seg name, idlist *out);
/* A copy of s[0..n) kept until the resolver is freed, once per text: its
 * index in R.made, and the text. */
uint32_t rs_made_id(resolver *R, const char *s, size_t n);
const char *rs_made_text(resolver *R, const char *s, size_t n);

/* ---- resolve_ext.c ------------------------------------------------------ */

/* The parts of an impl header (an impl's sig): its generic parameter list,
 * its trait and its self type as written (seg.n 0 when absent). */
bool rs_impl_header(const char *sig, seg *generics, seg *trait, seg *self);
/* Whether t[0..n) is a primitive type's name (u8 .. f64, bool, char, str). */
bool rs_is_primitive(const char *t, size_t n);
/* The key of a type written t[0..n) outside the workspace ("Vec", "[]"),
 * false when it has none (pointers, fn types, trait objects). */
bool rs_type_key(const char *t, size_t n, seg *key);
/* The key of impl it's self type (see resolve_ext.c), as an index into
 * R.made: "" for a blanket impl; NONE when it has none. */
uint32_t rs_impl_ext_key(resolver *R, uint32_t src, const fact_item *it);
/* Registers impl ie of trait for the types of key ("": a blanket impl). */
void rs_ext_register(resolver *R, const char *key, uint32_t ie, uint32_t trait);
/* Registers member of an impl of a trait for the types of key. */
void rs_ext_register_member(resolver *R, const char *key, const char *name, uint32_t member);
/* Where a method is called: the scope (traits must be in scope there)
 * and the trait of the impl around it, NONE if none. */
typedef struct {
	uint32_t sc, self_trait;
} ext_ctx;
/* Whether trait tr's methods can be called in scope sc (in scope there,
 * or self_trait, the trait of the impl around the call). */
bool rs_trait_in_scope(resolver *R, uint32_t sc, uint32_t self_trait, uint32_t tr);
/* The methods called name a value of the type of key has, of the
 * workspace: none when the std type has an inherent one. */
void rs_ext_methods(resolver *R, const ext_ctx *x, seg key, seg name, idlist *out);

/* ---- name lookup (resolve_lookup.c) ---------------------------------- */

void rs_lookup(resolver *R, uint32_t sc, seg name, idlist *out, int depth);
void rs_lookup_here(resolver *R, uint32_t sc, seg name, idlist *out, int depth);
uint32_t rs_mod_scope_of(const resolver *R, uint32_t ent);
const char *rs_prelude_path(seg name);

#endif
