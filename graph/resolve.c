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
 */
#include "resolve.h"
#include "stdnames.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

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

static void mm_free(multimap *m)
{
	free(m->slots);
	pt_vec_free(&m->nodes);
}

static size_t mm_slot(const multimap *m, uint64_t key)
{
	size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->slots[i].head && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void mm_rehash(multimap *m)
{
	multimap old = *m;
	m->cap = old.cap ? old.cap * 2 : 1024;
	m->slots = pt_xcalloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].head)
			m->slots[mm_slot(m, old.slots[i].key)] = old.slots[i];
	free(old.slots);
}

static void mm_add(multimap *m, uint64_t key, uint32_t val)
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
static uint32_t mm_first(const multimap *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	return m->slots[mm_slot(m, key)].head;
}
#define mm_val(m, it)  ((m)->nodes.v[(it)-1].val)
#define mm_next(m, it) ((m)->nodes.v[(it)-1].next)

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
	K_IMPLOF,
	K_ANYNAME,
	K_IMPLTRAITS
};

/* splitmix64: a bijection, so (tag, num) pairs never share a seed for the
 * small numbers (scopes, entity indexes) used here. */
static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t key_of(int tag, uint64_t num, const char *s, size_t n)
{
	return pt_hash64_seed(s, n, mix(num + (uint64_t)tag * 0xD6E8FEB86659FD93ull));
}

/* ---- resolver state -------------------------------------------------- */

typedef struct {
	uint32_t module_ent;   /* module/crate entity whose names these are */
	int32_t parent;        /* lexical parent scope (fn scopes), -1 */
	int32_t parent_module; /* scope of the parent module, -1 at a root */
	int32_t crate_scope;   /* scope of the crate root (for `crate::`) */
} scope;

typedef struct {
	uint32_t scope, src, fu;
	uint8_t state;           /* 0 new, 1 resolving, 2 done */
	uint32_t res_off, res_n; /* into R.results */
} use_rec;

typedef struct {
	uint32_t src;
	int32_t item;      /* fact item index, -1 for modules from files */
	uint32_t escope;   /* scope the item's own names resolve in */
	uint32_t bscope;   /* scope of its body (fns, modules), else escope */
	uint32_t self_ent; /* impl self type / trait for assoc items, NONE */
} ent_aux;

typedef struct {
	int32_t crate;
	bool reached;
	uint32_t mod_ent, scope;
	char *qpath, *child_dir;
	uint32_t use_first, use_end;         /* this file's uses in R.uses */
	uint32_t *item_ent;                  /* per fact item */
	uint32_t *item_scope;                /* per fact item: body scope (modules, fns) */
	int32_t *first_child, *next_sibling; /* per fact item: its members, in order */
} file_info;

struct resolver {
	pt_graph *g;
	pt_source *src; /* the caller's array; refile writes facts pointers */
	size_t n_src;
	const pt_crate *crates;
	size_t n_crates;
	file_info *fi;
	PT_VEC(scope) scopes;
	PT_VEC(use_rec) uses;
	PT_VEC(uint32_t) results;
	PT_VEC(ent_aux) aux;
	int32_t *crate_scope;   /* per crate: its root scope, -1 if absent */
	PT_VEC(uint32_t) cache; /* memoised lookups: (off, n) pairs into results */
	bool caching;           /* on once every name is declared */
	multimap mm;
	pt_strbuf tmp;
	PT_VEC(char *) made; /* type texts no fact spells (made_text) */
	multimap made_ix;    /* their hashes → index in made */
};
typedef struct resolver resolver;

typedef PT_VEC(uint32_t) idlist;

static const char *fstr(const resolver *R, uint32_t src, uint32_t off)
{
	return pt_strpool_get(&R->src[src].facts->pool, off);
}

static const fact_item *fitem(const resolver *R, uint32_t src, int32_t i)
{
	return &R->src[src].facts->items.v[i];
}

static bool list_has(const idlist *l, uint32_t v)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return true;
	return false;
}

static void list_add(idlist *l, uint32_t v)
{
	if (l->n < MAX_CANDIDATES && !list_has(l, v))
		pt_vec_push(l, v);
}

static int ekind(const resolver *R, uint32_t e)
{
	return R->g->ents.v[e].kind;
}

/* ---- paths ------------------------------------------------------------ */

typedef struct {
	const char *p;
	size_t n;
} seg;
#define MAX_SEGS 32

static size_t split_path(const char *path, seg *out)
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

static bool seg_is(seg s, const char *w)
{
	return s.n == strlen(w) && memcmp(s.p, w, s.n) == 0;
}

/* ---- entities and edges ---------------------------------------------- */

static uint32_t new_scope(resolver *R, uint32_t module_ent, int32_t parent, int32_t parent_module,
			  int32_t crate_scope)
{
	scope s = {module_ent, parent, parent_module, crate_scope};
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

static void add_edge(resolver *R, uint32_t src, uint32_t dst, int kind, int flags, uint32_t file,
		     pt_span site)
{
	if (src == NONE || dst == NONE)
		return;
	pt_edge e = {src, dst, (uint8_t)kind, (uint8_t)flags, file, site};
	pt_vec_push(&R->g->edges, e);
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

/* The build the graph describes: the crate's default features on a 64-bit
 * x86 Linux host, not a test build. What is not known is false (`miri`,
 * `doc`, custom `--cfg`s); a predicate that does not parse is true, so
 * code is never dropped for a cfg we cannot read. */
static const char *const cfg_true_values[][2] = {
	{"target_os", "linux"},         {"target_family", "unix"},   {"target_arch", "x86_64"},
	{"target_pointer_width", "64"}, {"target_endian", "little"}, {"target_env", "gnu"},
	{"target_vendor", "unknown"},   {"panic", "unwind"},         {"target_feature", "sse"},
	{"target_feature", "sse2"},     {"target_feature", "fxsr"},  {"target_has_atomic", "8"},
	{"target_has_atomic", "16"},    {"target_has_atomic", "32"}, {"target_has_atomic", "64"},
	{"target_has_atomic", "ptr"},
};

static void cfg_space(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

static size_t cfg_word(const char **p)
{
	const char *s = *p;
	while ((**p >= 'a' && **p <= 'z') || (**p >= 'A' && **p <= 'Z') ||
	       (**p >= '0' && **p <= '9') || **p == '_')
		(*p)++;
	return (size_t)(*p - s);
}

/* One predicate at *p; *ok cleared on a parse error. */
static bool cfg_pred(const char **p, const char *features, bool *ok, int depth)
{
	cfg_space(p);
	const char *w = *p;
	size_t n = cfg_word(p);
	cfg_space(p);
	if (!n || depth > 32) {
		*ok = false;
		return true;
	}
	if (**p == '(') {
		(*p)++;
		bool all = n == 3 && !memcmp(w, "all", 3), any = n == 3 && !memcmp(w, "any", 3);
		bool not = n == 3 && !memcmp(w, "not", 3), acc = any ? false : true;
		if (!all && !any && !not ) {
			*ok = false;
			return true;
		}
		for (;;) {
			cfg_space(p);
			if (**p == ')') {
				(*p)++;
				break;
			}
			bool v = cfg_pred(p, features, ok, depth + 1);
			if (!*ok)
				return true;
			acc = any ? (acc || v) : not ? !v : (acc && v);
			cfg_space(p);
			if (**p == ',')
				(*p)++;
			else if (**p != ')') {
				*ok = false;
				return true;
			}
		}
		return acc;
	}
	if (**p == '=') {
		(*p)++;
		cfg_space(p);
		if (**p != '"') {
			*ok = false;
			return true;
		}
		const char *v = ++*p, *e = strchr(v, '"');
		if (!e) {
			*ok = false;
			return true;
		}
		*p = e + 1;
		size_t vn = (size_t)(e - v);
		if (n == 7 && !memcmp(w, "feature", 7)) {
			for (const char *f = features; f && *f;) {
				const char *nl = strchr(f, '\n');
				size_t fl = nl ? (size_t)(nl - f) : strlen(f);
				if (fl == vn && !memcmp(f, v, vn))
					return true;
				f = nl ? nl + 1 : NULL;
			}
			return false;
		}
		for (size_t i = 0; i < sizeof cfg_true_values / sizeof *cfg_true_values; i++)
			if (strlen(cfg_true_values[i][0]) == n &&
			    !memcmp(cfg_true_values[i][0], w, n) &&
			    strlen(cfg_true_values[i][1]) == vn &&
			    !memcmp(cfg_true_values[i][1], v, vn))
				return true;
		return false;
	}
	return (n == 4 && !memcmp(w, "unix", 4)) ||
	       (n == 16 && !memcmp(w, "debug_assertions", 16)) ||
	       (n == 19 && !memcmp(w, "target_thread_local", 19));
}

static bool cfg_active(const char *pred, const char *features)
{
	bool ok = true;
	const char *p = pred;
	bool v = cfg_pred(&p, features, &ok, 0);
	return !ok || v;
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

/* The file a `mod name;` at inline-module path `inl` refers to. */
static int32_t mod_file(resolver *R, uint32_t src, const fact_item *it, const char *inl)
{
	const file_info *f = &R->fi[src];
	pt_strbuf p = {0}, n = {0};
	int32_t found = -1;
	const char *name = fstr(R, src, it->name);
	if (it->path_attr) {
		char *d = *inl ? pt_xstrdup(f->child_dir) : dir_of(R->src[src].path);
		pt_strbuf dd = {0};
		join_path(&dd, d, inl);
		join_path(&p, pt_strbuf_cstr(&dd), fstr(R, src, it->path_attr));
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
static const char *last_seg(const char *path)
{
	const char *s = path, *e;
	while ((e = strstr(s, "::")))
		s = e + 2;
	return s;
}

static uint32_t item_owner_ent(const resolver *R, uint32_t src, const fact_item *it)
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

static void item_qpath(const resolver *R, uint32_t src, const fact_item *it, pt_strbuf *out)
{
	out->len = 0;
	uint32_t owner = item_owner_ent(R, src, it);
	const pt_graph *g = R->g;
	const fact_item *p = it->parent >= 0 ? fitem(R, src, it->parent) : NULL;
	if (p && p->kind == PT_IMPL) {
		/* methods hang under the impl's module + self type name */
		pt_strbuf_adds(out,
			       pt_graph_str(g, g->ents.v[R->fi[src].item_ent[it->parent]].qpath));
		char *lt = strrchr(out->buf, '<');
		out->len = lt ? (size_t)(lt - out->buf) : out->len;
		const char *self = fstr(R, src, p->impl_self);
		pt_strbuf_printf(out, "%s::%s", *self ? last_seg(self) : "_",
				 fstr(R, src, it->name));
		return;
	}
	pt_strbuf_printf(out, "%s::", pt_graph_str(g, g->ents.v[owner].qpath));
	if (it->kind == PT_IMPL) {
		const char *tr = fstr(R, src, it->impl_trait), *self = fstr(R, src, it->impl_self);
		if (*tr)
			pt_strbuf_printf(out, "<impl %s for %s>", tr, *self ? self : "_");
		else
			pt_strbuf_printf(out, "<impl %s>", *self ? self : "_");
	} else {
		pt_strbuf_adds(out, fstr(R, src, it->name));
	}
}

static void impl_name(const resolver *R, uint32_t src, const fact_item *it, pt_strbuf *out)
{
	out->len = 0;
	const char *tr = fstr(R, src, it->impl_trait), *self = fstr(R, src, it->impl_self);
	if (*tr)
		pt_strbuf_printf(out, "impl %s for %s", tr, *self ? self : "_");
	else
		pt_strbuf_printf(out, "impl %s", *self ? self : "_");
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
				    ((it->flags & FI_HAS_BODY) ? ENT_HAS_BODY : 0)),
		.parent = item_owner_ent(R, src, it),
	};
	/* out of the default build: itself, or inside something that is in
	 * the same file (a file can be declared twice, `#[cfg(a)] mod x;` and
	 * `#[cfg(not(a))] #[path] mod x;`, and is reached from the first) */
	if ((s.parent != NONE && (R->g->ents.v[s.parent].flags & ENT_CFG_OFF) &&
	     R->g->ents.v[s.parent].file == R->src[src].id) ||
	    (it->cfg &&
	     !cfg_active(fstr(R, src, it->cfg), crate >= 0 ? R->crates[crate].features : "")))
		s.flags |= ENT_CFG_OFF;
	ent_aux aux = {src, i, escope, escope, NONE};
	uint32_t e = add_entity(R, &s, aux);
	f->item_ent[i] = e;
	if (!assoc && it->kind != PT_IMPL)
		declare(R, escope, name, e);
	if (it->kind == PT_MACRO)
		mm_add(&R->mm, key_of(K_MACRO, 0, name, strlen(name)), e);
	if (it->kind == PT_METHOD)
		mm_add(&R->mm, key_of(K_METHODNAME, 0, name, strlen(name)), e);
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
			if (child >= 0 && !R->fi[child].reached && R->src[child].facts)
				expand_file(R, (uint32_t)child, crate, e, sc, q.buf, false);
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
		use_rec r = {sc, src, (uint32_t)i, 0, 0, 0};
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
	const char *name = last_seg(qpath);
	ent_spec s = {.kind = kind,
		      .file = R->src[src].id,
		      .name = name,
		      .qpath = qpath,
		      .sig = "",
		      .parent = NONE};
	ent_aux aux = {src, -1, NONE, NONE, NONE};
	uint32_t e = add_entity(R, &s, aux);
	uint32_t sc = new_scope(R, e, -1, -1, crate_scope);
	if (kind == PT_CRATE && crate >= 0)
		R->crate_scope[crate] = (int32_t)sc;
	R->aux.v[e].escope = R->aux.v[e].bscope = sc;
	mm_add(&R->mm, key_of(K_MODSCOPE, e, "", 0), sc);
	if (kind == PT_CRATE && crate >= 0 && R->crates[crate].type == CRATE_LIB)
		mm_add(&R->mm, key_of(K_CRATE, 0, name, strlen(name)), e);
	expand_file(R, src, crate, e, sc, qpath, true);
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

static void add_orphans(resolver *R)
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

/* ---- name lookup ------------------------------------------------------ */

static void resolve_path(resolver *R, uint32_t sc, const char *path, uint32_t self_ent, idlist *out,
			 int depth);
static void lookup(resolver *R, uint32_t sc, seg name, idlist *out, int depth);

static void use_result(resolver *R, uint32_t u, idlist *out, int depth)
{
	use_rec *r = &R->uses.v[u];
	if (r->state == 1 || depth > MAX_DEPTH)
		return;
	if (r->state == 0) {
		r->state = 1;
		idlist tmp = {0};
		const fact_use *fu = &R->src[r->src].facts->uses.v[r->fu];
		resolve_path(R, r->scope, fstr(R, r->src, fu->path), NONE, &tmp, depth + 1);
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

static uint32_t mod_scope_of(const resolver *R, uint32_t ent)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_MODSCOPE, ent, "", 0)); it;
	     it = mm_next(&R->mm, it))
		return mm_val(&R->mm, it);
	return NONE;
}

static void lookup_here(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	size_t before = out->n;
	bool only_modules = true;
	for (uint32_t it = mm_first(&R->mm, key_of(K_ITEM, sc, name.p, name.n)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t e = mm_val(&R->mm, it);
		int k = ekind(R, e);
		only_modules &= k == PT_MODULE || k == PT_CRATE;
		list_add(out, e);
	}
	/* a module lives in the type namespace: a `use` of the same name may
	 * bring the fn of the value namespace (`mod memchr; pub use
	 * memchr::memchr;` at a crate root) */
	if (out->n > before ? !only_modules : out->n > 0)
		return;
	for (uint32_t it = mm_first(&R->mm, key_of(K_USE, sc, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		use_result(R, mm_val(&R->mm, it), out, depth);
	if (out->n || depth > MAX_DEPTH)
		return;
	for (uint32_t it = mm_first(&R->mm, key_of(K_GLOB, sc, "", 0)); it && !out->n;
	     it = mm_next(&R->mm, it)) {
		idlist mods = {0};
		use_result(R, mm_val(&R->mm, it), &mods, depth + 1);
		for (size_t i = 0; i < mods.n; i++) {
			uint32_t ms = mod_scope_of(R, mods.v[i]);
			int k = ekind(R, mods.v[i]);
			if (ms != NONE && ms != sc && (k == PT_MODULE || k == PT_CRATE))
				lookup_here(R, ms, name, out, depth + 1);
		}
		pt_vec_free(&mods);
	}
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

static const char *prelude_path(seg name)
{
	for (size_t i = 0; i < sizeof prelude / sizeof *prelude; i++)
		if (seg_is(name, prelude[i][0]))
			return prelude[i][1];
	return NULL;
}

/* Outside every scope: the workspace's crates, then the prelude. */
static void lookup_outside(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_CRATE, 0, name.p, name.n)); it;
	     it = mm_next(&R->mm, it))
		list_add(out, mm_val(&R->mm, it));
	if (out->n || depth > MAX_DEPTH)
		return;
	const char *pp = prelude_path(name);
	if (pp)
		resolve_path(R, sc, pp, NONE, out, depth + 1);
}

/* Module scope, crates, then the prelude: the part of a lookup that is the
 * same for every fn body in a module. */
static void lookup_module(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	lookup_here(R, sc, name, out, depth);
	if (!out->n)
		lookup_outside(R, sc, name, out, depth);
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
	uint64_t key = key_of(K_LOOKUP, sc, name.p, name.n);
	uint32_t it = mm_first(&R->mm, key);
	if (!it) {
		idlist tmp = {0};
		lookup_module(R, sc, name, &tmp, depth);
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

static void lookup(resolver *R, uint32_t sc, seg name, idlist *out, int depth)
{
	if (!mm_first(&R->mm, key_of(K_ANYNAME, 0, name.p, name.n))) {
		/* declared nowhere: only a crate or the prelude can answer */
		lookup_outside(R, sc, name, out, depth);
		return;
	}
	int32_t s = (int32_t)sc;
	for (; R->scopes.v[s].parent >= 0; s = R->scopes.v[s].parent) {
		lookup_here(R, (uint32_t)s, name, out, depth);
		if (out->n)
			return;
	}
	lookup_module_cached(R, (uint32_t)s, name, out, depth);
}

/* Associated item `name` of type or trait ent: inherent and trait impls'
 * items, then the default items of traits the type implements. */
static void assoc(resolver *R, uint32_t ent, seg name, idlist *out)
{
	int k = ekind(R, ent);
	if (k == PT_TRAIT) {
		for (uint32_t it = mm_first(&R->mm, key_of(K_TRAITITEM, ent, name.p, name.n)); it;
		     it = mm_next(&R->mm, it))
			list_add(out, mm_val(&R->mm, it));
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
}

static bool is_module(int k)
{
	return k == PT_MODULE || k == PT_CRATE;
}
static bool is_type(int k)
{
	return k == PT_STRUCT || k == PT_ENUM || k == PT_UNION || k == PT_TRAIT ||
	       k == PT_TYPE_ALIAS;
}

static int32_t module_scope_of_scope(const resolver *R, uint32_t sc)
{
	int32_t s = (int32_t)sc;
	while (R->scopes.v[s].parent >= 0)
		s = R->scopes.v[s].parent;
	return s;
}

static void resolve_path(resolver *R, uint32_t sc, const char *path, uint32_t self_ent, idlist *out,
			 int depth)
{
	seg segs[MAX_SEGS];
	size_t n = split_path(path, segs);
	if (!n || depth > MAX_DEPTH || sc == NONE)
		return;
	idlist cur = {0}, next = {0};
	size_t i = 0;
	int32_t ms = module_scope_of_scope(R, sc);
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
		lookup(R, sc, segs[0], &cur, depth);
		i = 1;
	}
	for (; i < n && cur.n; i++) {
		next.n = 0;
		for (size_t c = 0; c < cur.n; c++) {
			uint32_t e = cur.v[c];
			int k = ekind(R, e);
			if (is_module(k)) {
				uint32_t msc = mod_scope_of(R, e);
				if (msc != NONE)
					lookup_here(R, msc, segs[i], &next, depth + 1);
			} else if (is_type(k)) {
				assoc(R, e, segs[i], &next);
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

/* ---- external placeholders ------------------------------------------- */

/* The text a path stands for when it leaves the workspace: the first
 * segment expanded through `use`, `core::`/`alloc::` folded to `std::`. */
static void external_text(resolver *R, uint32_t sc, const char *path, pt_strbuf *out, int depth)
{
	seg segs[MAX_SEGS];
	size_t n = split_path(path, segs);
	out->len = 0;
	pt_strbuf_add(out, "", 0);
	if (!n)
		return;
	const char *rest = segs[0].p + segs[0].n;
	if (depth < 8)
		for (int32_t s = (int32_t)sc; s >= 0; s = R->scopes.v[s].parent)
			for (uint32_t it = mm_first(
				     &R->mm, key_of(K_USE, (uint32_t)s, segs[0].p, segs[0].n));
			     it; it = mm_next(&R->mm, it)) {
				const use_rec *u = &R->uses.v[mm_val(&R->mm, it)];
				const char *up =
					fstr(R, u->src, R->src[u->src].facts->uses.v[u->fu].path);
				pt_strbuf sub = {0};
				external_text(R, u->scope, up, &sub, depth + 1);
				pt_strbuf_adds(out, pt_strbuf_cstr(&sub));
				pt_strbuf_adds(out, rest);
				pt_strbuf_free(&sub);
				goto fold;
			}
	const char *pp = n == 1 ? prelude_path(segs[0]) : NULL;
	pt_strbuf_adds(out, pp ? pp : path);
fold:
	if (strncmp(out->buf, "core::", 6) == 0 || strncmp(out->buf, "alloc::", 7) == 0) {
		size_t cut = out->buf[0] == 'c' ? 4 : 5;
		memmove(out->buf + 3, out->buf + cut, out->len - cut + 1);
		memcpy(out->buf, "std", 3);
		out->len -= cut - 3;
	}
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
		      .name = last_seg(qpath),
		      .qpath = qpath,
		      .sig = "",
		      .flags = ENT_EXTERNAL,
		      .parent = NONE};
	ent_aux aux = {0, -1, NONE, NONE, NONE};
	return add_entity(R, &s, aux);
}

/* Resolve a trait path; an unknown one gets an external placeholder. */
static void resolve_trait(resolver *R, uint32_t sc, const char *path, uint32_t self_ent,
			  idlist *out)
{
	idlist c = {0};
	resolve_path(R, sc, path, self_ent, &c, 0);
	for (size_t i = 0; i < c.n; i++)
		if (ekind(R, c.v[i]) == PT_TRAIT)
			list_add(out, c.v[i]);
	pt_vec_free(&c);
	if (out->n)
		return;
	external_text(R, sc, path, &R->tmp, 0);
	if (R->tmp.len)
		pt_vec_push(out, external_trait(R, R->tmp.buf));
}

/* ---- impls ------------------------------------------------------------ */

static bool cfg_off(const resolver *R, uint32_t e)
{
	return R->g->ents.v[e].flags & ENT_CFG_OFF;
}

/* The first type among candidates, one in the default build first
 * (`#[cfg(feature = "std")] use self::std::Forward;` beside the `not`
 * one); NONE if there is none. */
static uint32_t first_type(const resolver *R, const idlist *c)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++)
			if (is_type(ekind(R, c->v[i])) && (pass || !cfg_off(R, c->v[i])))
				return c->v[i];
	return NONE;
}

static uint32_t pick_type(resolver *R, uint32_t sc, const char *path)
{
	idlist c = {0};
	resolve_path(R, sc, path, NONE, &c, 0);
	uint32_t t = first_type(R, &c);
	pt_vec_free(&c);
	return t;
}

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
	uint32_t self =
		*fstr(R, src, it->impl_self) ? pick_type(R, sc, fstr(R, src, it->impl_self)) : NONE;
	idlist traits = {0};
	if (it->impl_trait)
		resolve_trait(R, sc, fstr(R, src, it->impl_trait), self, &traits);
	R->aux.v[ie].self_ent = self;
	for (size_t t = 0; t < traits.n; t++) {
		mm_add(&R->mm, key_of(K_IMPLTRAITS, ie, "", 0), traits.v[t]);
		if (self != NONE)
			mm_add(&R->mm, key_of(K_TYPETRAIT, self, "", 0), traits.v[t]);
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
	int eflags = (it->flags & FI_MACRO_GEN) ? EDGE_MACRO : 0;
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

typedef struct {
	uint32_t src, from_ent, sc, self_ent, fid;
	int32_t item; /* fact item the reference is in, -1 at file level */
} ref_ctx;

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

static bool callable(int k)
{
	return k == PT_FUNCTION || k == PT_METHOD;
}

/* Scope sc lies in a module the default build leaves out. */
static bool in_cfg_off_module(const resolver *R, uint32_t sc)
{
	for (int32_t ms = module_scope_of_scope(R, sc); ms >= 0;
	     ms = R->scopes.v[ms].parent_module) {
		uint32_t m = R->scopes.v[ms].module_ent;
		if (m != NONE && cfg_off(R, m))
			return true;
	}
	return false;
}

/* Candidates of one call: those in the default build when some are (a
 * cfg'd-out variant is not what the build calls), and for name-only guesses
 * those of the caller's own crate when some are. */
static void prefer(resolver *R, const ref_ctx *c, idlist *cands, bool same_crate)
{
	size_t on = 0, here = 0, w = 0;
	int32_t crate = R->fi[c->src].crate;
	for (size_t i = 0; i < cands->n; i++)
		on += !cfg_off(R, cands->v[i]);
	/* code in the build does not call what the build leaves out (code
	 * the build leaves out, itself or in a module it leaves out, may:
	 * our cfg evaluation does not know a build script's cfgs) */
	if (!on && cands->n && !cfg_off(R, c->from_ent) && !in_cfg_off_module(R, c->sc))
		cands->n = 0;
	if (on && on < cands->n) {
		for (size_t i = 0; i < cands->n; i++)
			if (!cfg_off(R, cands->v[i]))
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

static void emit_calls(resolver *R, const ref_ctx *c, idlist *cands, const fact_ref *r, int flags)
{
	size_t n = 0;
	prefer(R, c, cands, false);
	for (size_t i = 0; i < cands->n; i++)
		n += callable(ekind(R, cands->v[i]));
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

static void bound_methods(resolver *R, const ref_ctx *c, const char *bounds, seg name, idlist *out)
{
	char *b = pt_xstrdup(bounds);
	for (char *save = NULL, *t = strtok_r(b, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		idlist tr = {0};
		resolve_path(R, c->sc, t, c->self_ent, &tr, 0);
		for (size_t i = 0; i < tr.n; i++)
			if (ekind(R, tr.v[i]) == PT_TRAIT)
				assoc(R, tr.v[i], name, out);
		pt_vec_free(&tr);
	}
	free(b);
}

/* `T::f()` with T a generic parameter bounded by traits: when the trait's
 * f returns Self, the value is a T, known only through that trait. */
static uint32_t bound_ret(resolver *R, const ref_ctx *c, const char *path)
{
	seg segs[MAX_SEGS];
	if (c->item < 0 || split_path(path, segs) != 2)
		return NONE;
	char *gp = pt_xstrndup(segs[0].p, segs[0].n);
	pt_strbuf b = {0};
	uint32_t t = NONE;
	if (bounds_of(R, c->src, c->item, gp, &b)) {
		char *save = NULL;
		for (char *tr = strtok_r(b.buf, "+", &save); tr && t == NONE;
		     tr = strtok_r(NULL, "+", &save)) {
			idlist traits = {0}, m = {0};
			resolve_path(R, c->sc, tr, c->self_ent, &traits, 0);
			for (size_t i = 0; i < traits.n && t == NONE; i++) {
				if (ekind(R, traits.v[i]) != PT_TRAIT)
					continue;
				m.n = 0;
				assoc(R, traits.v[i], segs[1], &m);
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
	W_TUPLE
};
typedef struct {
	uint32_t ent;
	uint8_t wrap;
	const char *elem;
	size_t elen;
	uint32_t sc, self;
} tval;

static const tval TV_NONE = {NONE, W_NONE, NULL, 0, NONE, NONE};

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

/* The first trait of generic parameter name's bounds where the code is
 * written (a field or element of generic type), or NONE. */
static uint32_t bound_trait(resolver *R, const ref_ctx *c, const char *name)
{
	pt_strbuf b = {0};
	uint32_t t = NONE;
	if (c->item >= 0 && !strstr(name, "::") && bounds_of(R, c->src, c->item, name, &b)) {
		char *plus = strchr(b.buf, '+');
		if (plus)
			*plus = 0;
		idlist tr = {0};
		resolve_path(R, c->sc, b.buf, c->self_ent, &tr, 0);
		for (size_t k = 0; k < tr.n && t == NONE; k++)
			if (ekind(R, tr.v[k]) == PT_TRAIT)
				t = tr.v[k];
		pt_vec_free(&tr);
	}
	pt_strbuf_free(&b);
	return t;
}

static tval tv_parse_d(resolver *R, const ref_ctx *c, uint32_t sc, uint32_t self, const char *s,
		       size_t n, int depth);

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
	size_t bl = strcspn(colon + 1, "+;");
	char *b = pt_xstrndup(colon + 1, bl);
	idlist tr = {0};
	tval v = TV_NONE;
	resolve_path(R, a->escope, b, a->self_ent, &tr, 0);
	for (size_t k = 0; k < tr.n && v.ent == NONE; k++)
		if (ekind(R, tr.v[k]) == PT_TRAIT)
			v.ent = tr.v[k];
	pt_vec_free(&tr);
	free(b);
	return v;
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
			 : text_eq(last, ln, "NonNull") ? W_PTR
			 : text_eq(last, ln, "()")      ? W_TUPLE
							: W_NONE;
	}
	if (text_eq(s, nl, "Self")) {
		v.ent = self;
	} else if (!text_eq(s, nl, "[]") && !text_eq(s, nl, "()")) {
		char *name = pt_xstrndup(s, nl);
		idlist cands = {0};
		resolve_path(R, sc, name, self, &cands, 0); /* `Self::Item` too */
		v.ent = first_type(R, &cands);
		pt_vec_free(&cands);
		if (v.ent == NONE && v.wrap == W_NONE)
			v.ent = bound_trait(R, c, name);
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
	if (v.wrap == W_NONE)
		v.elem = NULL, v.elen = 0;
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

/* The value fn returns; Self is self (NONE: fn's own self type). */
static tval tv_ret(resolver *R, const ref_ctx *c, uint32_t fn, uint32_t self)
{
	const ent_aux *a = &R->aux.v[fn];
	if (a->item < 0)
		return TV_NONE;
	const char *rt = fstr(R, a->src, fitem(R, a->src, a->item)->ret_type);
	return tv_parse(R, c, a->escope, self != NONE ? self : a->self_ent, rt, strlen(rt));
}

/* Field fname of type t, as written where t is defined; a field of
 * generic type is typed by its bounds where the code is written. */
static tval tv_field(resolver *R, const ref_ctx *c, uint32_t t, const char *fname, size_t fn)
{
	for (uint32_t it = mm_first(&R->mm, key_of(K_FIELD, t, fname, fn)); it;
	     it = mm_next(&R->mm, it)) {
		uint32_t fi = mm_val(&R->mm, it);
		const ent_aux *a = &R->aux.v[t];
		const char *ftype = fstr(R, a->src, R->src[a->src].facts->fields.v[fi].type);
		return tv_parse(R, c, a->escope, t, ftype, strlen(ftype));
	}
	return TV_NONE;
}

/* A type text that no fact spells, made from others ("()<T,[]<T>>"), or
 * a copy of one read from a chain's steps: kept once per text until the
 * resolver is freed, so that a tval may point into it. */
static const char *made_text(resolver *R, const char *s, size_t n)
{
	uint64_t key = key_of(0, 0, s, n);
	for (uint32_t it = mm_first(&R->made_ix, key); it; it = mm_next(&R->made_ix, it)) {
		const char *t = R->made.v[mm_val(&R->made_ix, it)];
		if (strlen(t) == n && memcmp(t, s, n) == 0)
			return t;
	}
	char *t = pt_xstrndup(s, n);
	mm_add(&R->made_ix, key, (uint32_t)R->made.n);
	pt_vec_push(&R->made, t);
	return t;
}

/* `split_first()` / `split_last()` (and `_mut`) of a sequence of T:
 * Option<(T, [T])>, the element apart and the rest. */
static tval tv_split(resolver *R, tval v)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "()<%.*s,[]<%.*s>>", (int)v.elen, v.elem, (int)v.elen, v.elem);
	v.elem = made_text(R, b.buf, b.len);
	v.elen = b.len;
	v.wrap = W_OPTION;
	v.ent = NONE;
	pt_strbuf_free(&b);
	return v;
}

/* The result of method m called on a value v. */
static tval tv_method(resolver *R, const ref_ctx *c, tval v, const char *m, size_t n)
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
	if (text_eq(m, n, "clone") || text_eq(m, n, "to_owned"))
		return v;
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
	}
	if (v.ent == NONE)
		return TV_NONE;
	idlist cands = {0};
	tval r = TV_NONE;
	assoc(R, v.ent, (seg){m, n}, &cands);
	for (size_t i = 0; i < cands.n && r.ent == NONE && r.wrap == W_NONE; i++)
		if (callable(ekind(R, cands.v[i])))
			r = tv_ret(R, c, cands.v[i], v.ent);
	pt_vec_free(&cands);
	return r;
}

/* `T::f()` / `f()` at path: the value it returns (a type's own name, for
 * a tuple struct or variant constructor, gives the type). */
static tval tv_call(resolver *R, const ref_ctx *c, const char *path)
{
	idlist f = {0};
	tval v = TV_NONE;
	resolve_path(R, c->sc, path, c->self_ent, &f, 0);
	for (size_t i = 0; i < f.n && v.ent == NONE && v.wrap == W_NONE; i++) {
		int k = ekind(R, f.v[i]);
		if (callable(k))
			v = tv_ret(R, c, f.v[i], NONE);
		else if (is_type(k))
			v = tv_ent(f.v[i]);
	}
	pt_vec_free(&f);
	if (v.ent == NONE && v.wrap == W_NONE)
		v = tv_ent(bound_ret(R, c, path));
	return v;
}

/* The items of iterating a workspace type: the `Item` of its Iterator or
 * IntoIterator impl. */
static tval tv_items(resolver *R, const ref_ctx *c, uint32_t t)
{
	tval v = TV_NONE;
	if (ekind(R, t) == PT_TRAIT)
		return v;
	for (uint32_t it = mm_first(&R->mm, key_of(K_TASSOC, t, "Item", 4));
	     it && v.ent == NONE && v.wrap == W_NONE; it = mm_next(&R->mm, it)) {
		uint32_t e = mm_val(&R->mm, it);
		if (ekind(R, e) == PT_TYPE_ALIAS)
			v = tv_alias(R, c, e, 0);
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

/* Apply one chain step (see RECV_CHAIN) to v. */
static tval tv_step(resolver *R, const ref_ctx *c, tval v, char op, const char *name, size_t n)
{
	switch (op) {
	case '.':
		if (v.wrap == W_TUPLE)
			return tv_tuple_elem(R, c, v, name, n);
		return v.wrap == W_NONE && v.ent != NONE ? tv_field(R, c, v.ent, name, n) : TV_NONE;
	case ':': return tv_method(R, c, v, name, n);
	case '?': return v.wrap == W_OPTION || v.wrap == W_RESULT ? tv_elem(R, c, v) : TV_NONE;
	case '*':
		if (v.wrap == W_NONE && v.ent != NONE)
			return tv_items(R, c, v.ent);
		return v.wrap != W_NONE && v.wrap != W_PTR && v.wrap != W_TUPLE ? tv_elem(R, c, v)
										: TV_NONE;
	case '[': return v.wrap == W_SEQ ? tv_elem(R, c, v) : TV_NONE;
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
	 * the path's text, which made_text keeps */
	const char *bar = memchr(arg, '|', argl);
	size_t pl = bar ? (size_t)(bar - arg - 1) : argl - 1;
	const char *apath = made_text(R, arg + 1, pl);
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
		resolve_path(R, c->sc, path, c->self_ent, &f, 0);
	} else {
		tval v = arg_value(R, c, args, n, 0, depth);
		if (v.ent != NONE && v.wrap == W_NONE)
			assoc(R, v.ent, (seg){path, strlen(path)}, &f);
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
		while (steps[n1] && !strchr(".:?*[", steps[n1]))
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
		bound_methods(R, c, path, (seg){m, n1 - 1}, &cands);
		for (size_t i = 0; i < cands.n && out->ent == NONE && out->wrap == W_NONE; i++)
			if (callable(ekind(R, cands.v[i])))
				*out = tv_ret(R, c, cands.v[i], NONE);
		pt_vec_free(&cands);
		free(m);
		return n1;
	}
	*out = tv_parse(R, c, c->sc, c->self_ent, path, strlen(path));
	if (out->ent != NONE || out->wrap != W_NONE || *steps != '.')
		return 0;
	/* `E::V(x)` / `Self::V { f }` patterns: the field of variant V */
	const char *last = last_seg(path);
	if (last == path) {
		/* a bare `V(x)`: a variant a glob `use E::*` in scope brings in */
		pt_strbuf vf = {0};
		pt_strbuf_printf(&vf, "%s.%.*s", path, (int)(n1 - 1), steps + 1);
		for (int32_t s = (int32_t)c->sc; s >= 0 && out->ent == NONE && out->wrap == W_NONE;
		     s = R->scopes.v[s].parent)
			for (uint32_t it = mm_first(&R->mm, key_of(K_GLOB, (uint32_t)s, "", 0)); it;
			     it = mm_next(&R->mm, it)) {
				idlist en = {0};
				use_result(R, mm_val(&R->mm, it), &en, 1);
				for (size_t i = 0;
				     i < en.n && out->ent == NONE && out->wrap == W_NONE; i++)
					if (ekind(R, en.v[i]) == PT_ENUM)
						*out = tv_field(R, c, en.v[i], vf.buf, vf.len);
				pt_vec_free(&en);
			}
		pt_strbuf_free(&vf);
		return n1;
	}
	char *enum_path = pt_xstrndup(path, (size_t)(last - path - 2));
	uint32_t t = strcmp(enum_path, "Self") == 0 ? c->self_ent : pick_type(R, c->sc, enum_path);
	free(enum_path);
	if (t == NONE || ekind(R, t) != PT_ENUM)
		return n1;
	pt_strbuf vf = {0};
	pt_strbuf_printf(&vf, "%s.%.*s", last, (int)(n1 - 1), steps + 1);
	*out = tv_field(R, c, t, vf.buf, vf.len);
	pt_strbuf_free(&vf);
	return n1;
}

/* The value of a chain: start kind and path, then steps (RECV_CHAIN). */
static tval chain_value(resolver *R, const ref_ctx *c, char kind, const char *path,
			const char *steps, int depth)
{
	tval v;
	const char *s = steps + tv_start(R, c, kind, path, steps, &v, depth);
	while (*s && (v.ent != NONE || v.wrap != W_NONE)) {
		char op = *s++;
		size_t n = 0;
		while (s[n] && !strchr(".:?*[", s[n]))
			n++;
		v = tv_step(R, c, v, op, s, n);
		s += n;
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

/* The type entity a receiver descriptor names, or NONE. */
static uint32_t recv_type(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	return recv_value(R, c, r).ent;
}

static void do_method_call(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	const char *name = fstr(R, c->src, r->name);
	seg nm = {name, strlen(name)};
	idlist cands = {0};
	int flags = 0;
	if (r->recv_kind == RECV_BOUND) {
		bound_methods(R, c, fstr(R, c->src, r->recv_path), nm, &cands);
		flags = EDGE_TRAIT_CALL;
	} else {
		uint32_t t = recv_type(R, c, r);
		if (t != NONE) {
			assoc(R, t, nm, &cands);
			if (ekind(R, t) == PT_TRAIT)
				flags = EDGE_TRAIT_CALL;
		}
	}
	if (!cands.n) {
		/* receiver type unknown: a guess by name, kept only when few
		 * methods have that name. The one method of a name the standard
		 * library does not use is taken; any other guess is marked. */
		size_t n = 0;
		for (uint32_t it = mm_first(&R->mm, key_of(K_METHODNAME, 0, name, strlen(name)));
		     it; it = mm_next(&R->mm, it))
			n++;
		if (n && n <= MAX_GUESSES) {
			for (uint32_t it =
				     mm_first(&R->mm, key_of(K_METHODNAME, 0, name, strlen(name)));
			     it; it = mm_next(&R->mm, it))
				list_add(&cands, mm_val(&R->mm, it));
			prefer(R, c, &cands, true);
			if (cands.n > 1 || pt_std_method_count() == 0 ||
			    pt_is_std_method(name, strlen(name)))
				flags |= EDGE_AMBIGUOUS;
		}
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
	uint32_t t = recv_type(R, c, r), decl = cands->v[0];
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

/* `T::A::f()`: f of the trait bounding associated type A (`type A: Tr;`)
 * of the traits in T's bounds. */
static void assoc_bound_methods(resolver *R, const ref_ctx *c, const char *bounds, const char *at,
				seg name, idlist *out)
{
	idlist types = {0};
	bound_methods(R, c, bounds, (seg){at, strlen(at)}, &types);
	for (size_t i = 0; i < types.n; i++) {
		if (ekind(R, types.v[i]) != PT_TYPE_ALIAS)
			continue;
		tval v = tv_alias(R, c, types.v[i], 0);
		if (v.ent != NONE && ekind(R, v.ent) == PT_TRAIT)
			assoc(R, v.ent, name, out);
	}
	pt_vec_free(&types);
}

static void do_path_call(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	idlist cands = {0};
	int flags = 0;
	if (r->recv_kind == RECV_BOUND) {
		const char *name = fstr(R, c->src, r->name),
			   *bounds = fstr(R, c->src, r->recv_path);
		if (r->recv_name)
			assoc_bound_methods(R, c, bounds, fstr(R, c->src, r->recv_name),
					    (seg){name, strlen(name)}, &cands);
		else
			bound_methods(R, c, bounds, (seg){name, strlen(name)}, &cands);
		flags = EDGE_TRAIT_CALL;
	} else {
		resolve_path(R, c->sc, fstr(R, c->src, r->path), c->self_ent, &cands, 0);
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
	return is_type(k) || k == PT_CONST || k == PT_STATIC;
}

static void do_type_ref(resolver *R, const ref_ctx *c, const fact_ref *r)
{
	idlist cands = {0};
	resolve_path(R, c->sc, fstr(R, c->src, r->path), c->self_ent, &cands, 0);
	for (size_t i = 0; i < cands.n; i++)
		if (usable(ekind(R, cands.v[i])) && cands.v[i] != c->from_ent)
			add_edge(R, c->from_ent, cands.v[i], REL_USES, 0, c->fid, r->span);
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
	resolve_path(R, c->sc, path, NONE, tr, 0);
	size_t n = 0;
	for (size_t i = 0; i < tr->n; i++)
		n += ekind(R, tr->v[i]) == PT_TRAIT;
	if (n)
		return;
	tr->n = 0;
	for (size_t i = 0; i < sizeof derive_paths / sizeof *derive_paths; i++)
		if (strcmp(path, derive_paths[i][0]) == 0)
			path = derive_paths[i][1];
	resolve_trait(R, c->sc, path, NONE, tr);
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
			add_edge(R, c->from_ent, tr.v[i], REL_IMPL, EDGE_DERIVE, c->fid, r->span);
	}
	pt_vec_free(&tr);
}

static void ref_context(resolver *R, uint32_t src, const fact_ref *r, ref_ctx *c)
{
	const file_info *f = &R->fi[src];
	c->src = src;
	c->fid = R->src[src].id;
	c->item = (r->from >= 0 && (size_t)r->from < R->src[src].facts->items.n) ? r->from : -1;
	if (r->from >= 0 && (size_t)r->from < R->src[src].facts->items.n) {
		c->from_ent = f->item_ent[r->from];
		c->sc = R->aux.v[c->from_ent].bscope;
		c->self_ent = self_of(R, src, r->from);
		if (fitem(R, src, r->from)->kind == PT_IMPL)
			c->self_ent = R->aux.v[c->from_ent].self_ent;
	} else {
		c->from_ent = f->mod_ent;
		c->sc = f->scope;
		c->self_ent = NONE;
	}
}

static void do_refs(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	for (size_t i = 0; i < fa->refs.n; i++) {
		const fact_ref *r = &fa->refs.v[i];
		ref_ctx c;
		ref_context(R, src, r, &c);
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
		use_result(R, (uint32_t)u, &res, 0);
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

static void crate_roots(resolver *R)
{
	for (size_t c = 0; c < R->n_crates; c++) {
		int32_t f = find_file(R, R->crates[c].root);
		if (f < 0 || R->fi[f].reached || !R->src[f].facts)
			continue;
		add_root(R, (uint32_t)f, (int32_t)c, R->crates[c].name, PT_CRATE, -1);
	}
}

static void emit_contains(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	for (size_t i = 0; i < fa->items.n; i++) {
		const fact_item *it = &fa->items.v[i];
		add_edge(R, item_owner_ent(R, src, it), R->fi[src].item_ent[i], REL_CONTAINS, 0,
			 R->src[src].id, it->name_span);
	}
}

/* Every edge written in one file: all carry that file's id as their site. */
static void emit_file(resolver *R, uint32_t src)
{
	const pt_facts *fa = R->src[src].facts;
	emit_contains(R, src);
	for (size_t i = 0; i < fa->items.n; i++)
		if (fa->items.v[i].kind == PT_IMPL)
			emit_impl(R, src, (int32_t)i);
	do_refs(R, src);
	emit_uses(R, src);
}

pt_resolver *pt_resolver_new(pt_graph *g, pt_source *src, size_t n_src, const pt_crate *crates,
			     size_t n_crates)
{
	resolver *R = pt_xcalloc(1, sizeof *R);
	*R = (resolver){.g = g, .src = src, .n_src = n_src, .crates = crates, .n_crates = n_crates};
	R->fi = pt_xcalloc(n_src + 1, sizeof *R->fi);
	R->crate_scope = pt_xmalloc((n_crates + 1) * sizeof *R->crate_scope);
	for (size_t c = 0; c < n_crates; c++)
		R->crate_scope[c] = -1;
	for (size_t i = 0; i < n_src; i++)
		mm_add(&R->mm, key_of(K_FILE, 0, src[i].path, strlen(src[i].path)), (uint32_t)i);
	crate_roots(R);
	add_orphans(R);
	R->caching = true;
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
	for (size_t s = 0; s < n_src; s++)
		if (R->fi[s].reached)
			emit_file(R, (uint32_t)s);
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
		    !str_eq(a, x->impl_self, b, y->impl_self) ||
		    !str_eq(a, x->impl_trait, b, y->impl_trait) ||
		    !str_eq(a, x->ret_type, b, y->ret_type) ||
		    !str_eq(a, x->generics, b, y->generics))
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

void pt_resolver_refile(pt_resolver *R, size_t src, const pt_facts *nf, pt_touched *touched)
{
	pt_graph *g = R->g;
	uint32_t fid = R->src[src].id;
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
	size_t w = 0;
	for (size_t i = 0; i < g->edges.n; i++) {
		pt_edge *e = &g->edges.v[i];
		if (e->file == fid) {
			touch(touched, e->src);
			touch(touched, e->dst);
			continue;
		}
		g->edges.v[w++] = *e;
	}
	size_t first_new = w;
	g->edges.n = w;
	emit_file(R, (uint32_t)src);
	for (size_t i = first_new; i < g->edges.n; i++) {
		touch(touched, g->edges.v[i].src);
		touch(touched, g->edges.v[i].dst);
	}
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
	}
	free(R->fi);
	free(R->crate_scope);
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

void pt_graph_resolve(pt_graph *g, const pt_source *src, size_t n_src, const pt_crate *crates,
		      size_t n_crates)
{
	pt_resolver_free(pt_resolver_new(g, (pt_source *)src, n_src, crates, n_crates));
}
