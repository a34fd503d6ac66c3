/* graph/facts.c — see facts.h.
 *
 * Blob layout (all integers little-endian, records fixed-size, no padding
 * is ever read back as data):
 *
 *   "PTF3"  n_items n_uses n_refs n_fields n_macros n_xsites pool_len
 *           n_errors n_lines invoked imported (u32) import_key (u64)
 *   items   ITEM_SIZE bytes each
 *   uses    USE_SIZE bytes each
 *   refs    REF_SIZE bytes each
 *   fields  FIELD_SIZE bytes each
 *   macros  MACRO_SIZE bytes each
 *   xsites  XSITE_SIZE bytes each
 *   pool    pool_len bytes: starts and ends with NUL
 *
 * What the store keeps is that layout compressed with zstd when it is at
 * least ZMIN bytes (fixed-size records are mostly zero bytes: about a
 * quarter of the size, and facts were half the database's pages):
 *
 *   "PTZ1"  raw_len (u32)  one zstd frame whose content is raw_len bytes
 *
 * Smaller blobs are stored as they are; decode takes either.
 *
 * The blob comes from the store, which may hold anything after a crash or
 * a version skew, so decode trusts nothing: the total length must match the
 * counts exactly, and every index, offset, kind and flag is checked before
 * the facts are handed out; a compressed blob must say its raw length, be
 * within RAW_MAX, and decompress to exactly that.
 */
#include "facts.h"

#include <pthread.h>
#include <stdlib.h>
#include <zstd.h>

#define MAGIC       "PTF3"
#define N_HEADER    11
#define HEADER_SIZE (4 + 4 * N_HEADER + 8)
#define ZMAGIC      "PTZ1"
#define ZHEADER     8
#define ZMIN        256
#define ZLEVEL      3
/* An editor session's write: on a 280 KB record (aarch64/neon/mod.rs)
 * level 1 takes 35% less time than 3 for about the same size. */
#define ZLEVEL_FAST 1
#define RAW_MAX     (256u << 20)
#define SPAN_SIZE   24
#define ITEM_SIZE   (12 + 2 * SPAN_SIZE + 32)
#define USE_SIZE    (16 + SPAN_SIZE)
#define REF_SIZE    (24 + SPAN_SIZE)
#define FIELD_SIZE  12
#define MACRO_SIZE  (16 + SPAN_SIZE)
#define XSITE_SIZE  12

#define ITEM_FLAGS                                                                                 \
	(FI_PUB | FI_HAS_BODY | FI_MOD_EXTERNAL | FI_TRAIT_IMPL | FI_MACRO_GEN | FI_IN_MACRO |     \
	 FI_TEST | FI_ENTRY)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void pt_facts_init(pt_facts *f)
{
	memset(f, 0, sizeof *f);
	pt_strpool_init(&f->pool);
}

void pt_facts_free(pt_facts *f)
{
	pt_vec_free(&f->items);
	pt_vec_free(&f->uses);
	pt_vec_free(&f->refs);
	pt_vec_free(&f->fields);
	pt_vec_free(&f->macros);
	pt_vec_free(&f->xsites);
	pt_strpool_free(&f->pool);
	f->n_errors = f->n_lines = f->first_error_line = 0;
	f->invoked = f->imported = 0;
	f->import_key = 0;
}

/* ---- encode --------------------------------------------------------------- */

static uint8_t *put_span(uint8_t *p, pt_span s)
{
	put32(p, s.start_byte);
	put32(p + 4, s.end_byte);
	put32(p + 8, s.start_line);
	put32(p + 12, s.start_col);
	put32(p + 16, s.end_line);
	put32(p + 20, s.end_col);
	return p + SPAN_SIZE;
}

static void put_item(uint8_t *p, const fact_item *it)
{
	memset(p, 0, 4);
	p[0] = it->kind;
	put32(p + 4, it->flags);
	put32(p + 8, (uint32_t)it->parent);
	p = put_span(p + 12, it->span);
	p = put_span(p, it->name_span);
	const uint32_t s[8] = {it->name,       it->sig,      it->path_attr, it->impl_self,
			       it->impl_trait, it->ret_type, it->generics,  it->cfg};
	for (int i = 0; i < 8; i++)
		put32(p + 4 * i, s[i]);
}

static void put_use(uint8_t *p, const fact_use *u)
{
	put32(p, (uint32_t)u->scope);
	put32(p + 4, u->path);
	put32(p + 8, u->alias);
	put32(p + 12, u->flags);
	put_span(p + 16, u->span);
}

static void put_ref(uint8_t *p, const fact_ref *r)
{
	p[0] = r->kind;
	p[1] = r->recv_kind;
	p[2] = (uint8_t)r->flags;
	p[3] = (uint8_t)(r->flags >> 8);
	put32(p + 4, (uint32_t)r->from);
	put32(p + 8, r->path);
	put32(p + 12, r->name);
	put32(p + 16, r->recv_path);
	put32(p + 20, r->recv_name);
	put_span(p + 24, r->span);
}

static void put_field(uint8_t *p, const fact_field *fl)
{
	put32(p, (uint32_t)fl->owner);
	put32(p + 4, fl->name);
	put32(p + 8, fl->type);
}

static void put_macro(uint8_t *p, const fact_macro *m)
{
	put32(p, m->name);
	put32(p + 4, m->text);
	put32(p + 8, m->invokes);
	put32(p + 12, m->flags);
	put_span(p + 16, m->span);
}

static void put_xsite(uint8_t *p, const fact_xsite *x)
{
	put32(p, x->ref);
	put32(p + 4, x->file);
	put32(p + 8, x->def);
}

static void encode_raw(const pt_facts *f, pt_strbuf *out)
{
	static const char empty[1] = "";
	const char *pool = f->pool.b.buf ? f->pool.b.buf : empty;
	uint32_t pool_len = f->pool.b.buf ? (uint32_t)f->pool.b.len : 1;
	uint8_t h[HEADER_SIZE], rec[ITEM_SIZE];
	const uint32_t hv[N_HEADER] = {(uint32_t)f->items.n,
				       (uint32_t)f->uses.n,
				       (uint32_t)f->refs.n,
				       (uint32_t)f->fields.n,
				       (uint32_t)f->macros.n,
				       (uint32_t)f->xsites.n,
				       pool_len,
				       f->n_errors,
				       f->n_lines,
				       f->invoked,
				       f->imported};
	memcpy(h, MAGIC, 4);
	for (int i = 0; i < N_HEADER; i++)
		put32(h + 4 + 4 * i, hv[i]);
	put32(h + 4 + 4 * N_HEADER, (uint32_t)f->import_key);
	put32(h + 8 + 4 * N_HEADER, (uint32_t)(f->import_key >> 32));
	pt_strbuf_add(out, h, sizeof h);
	for (size_t i = 0; i < f->items.n; i++) {
		put_item(rec, &f->items.v[i]);
		pt_strbuf_add(out, rec, ITEM_SIZE);
	}
	for (size_t i = 0; i < f->uses.n; i++) {
		put_use(rec, &f->uses.v[i]);
		pt_strbuf_add(out, rec, USE_SIZE);
	}
	for (size_t i = 0; i < f->refs.n; i++) {
		put_ref(rec, &f->refs.v[i]);
		pt_strbuf_add(out, rec, REF_SIZE);
	}
	for (size_t i = 0; i < f->fields.n; i++) {
		put_field(rec, &f->fields.v[i]);
		pt_strbuf_add(out, rec, FIELD_SIZE);
	}
	for (size_t i = 0; i < f->macros.n; i++) {
		put_macro(rec, &f->macros.v[i]);
		pt_strbuf_add(out, rec, MACRO_SIZE);
	}
	for (size_t i = 0; i < f->xsites.n; i++) {
		put_xsite(rec, &f->xsites.v[i]);
		pt_strbuf_add(out, rec, XSITE_SIZE);
	}
	pt_strbuf_add(out, pool, pool_len);
}

/* ---- zstd contexts, one pair per thread --------------------------------- */

/* ZSTD_compress and ZSTD_decompress make and free a context on every call:
 * a compression context at level 3 is hundreds of kilobytes of tables that
 * malloc maps and the kernel zeroes again for every file. Each thread keeps
 * one pair instead (the indexer's workers encode, resolution decodes);
 * the key's destructor frees them when the thread ends, and the main
 * thread's stay reachable from its thread-specific data until exit. */
typedef struct {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
} zctx;

static pthread_key_t zkey;
static pthread_once_t zonce = PTHREAD_ONCE_INIT;
static bool zkey_ok;

static void zctx_free(void *p)
{
	zctx *z = p;
	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	free(z);
}

static void zkey_make(void)
{
	zkey_ok = pthread_key_create(&zkey, zctx_free) == 0;
}

/* This thread's contexts; NULL if the key could not be made (then each
 * call makes its own, as zstd's one-shot functions do). */
static zctx *zctx_get(void)
{
	pthread_once(&zonce, zkey_make);
	if (!zkey_ok)
		return NULL;
	zctx *z = pthread_getspecific(zkey);
	if (!z) {
		z = pt_xcalloc(1, sizeof *z);
		if (pthread_setspecific(zkey, z) != 0) {
			free(z);
			return NULL;
		}
	}
	return z;
}

static size_t z_compress(void *dst, size_t cap, const void *src, size_t n, int level)
{
	zctx *z = zctx_get();
	if (z && !z->c)
		z->c = ZSTD_createCCtx();
	if (!z || !z->c)
		return ZSTD_compress(dst, cap, src, n, level);
	return ZSTD_compressCCtx(z->c, dst, cap, src, n, level);
}

static size_t z_decompress(void *dst, size_t cap, const void *src, size_t n)
{
	zctx *z = zctx_get();
	if (z && !z->d)
		z->d = ZSTD_createDCtx();
	if (!z || !z->d)
		return ZSTD_decompress(dst, cap, src, n);
	return ZSTD_decompressDCtx(z->d, dst, cap, src, n);
}

static void encode_at(const pt_facts *f, int level, pt_strbuf *out)
{
	pt_strbuf raw = {0};
	encode_raw(f, &raw);
	size_t bound = ZSTD_compressBound(raw.len);
	char *z = raw.len >= ZMIN && raw.len <= RAW_MAX ? pt_xmalloc(ZHEADER + bound) : NULL;
	size_t zn = z ? z_compress(z + ZHEADER, bound, raw.buf, raw.len, level) : 0;
	if (z && !ZSTD_isError(zn) && ZHEADER + zn < raw.len) {
		memcpy(z, ZMAGIC, 4);
		put32((uint8_t *)z + 4, (uint32_t)raw.len);
		pt_strbuf_add(out, z, ZHEADER + zn);
	} else {
		pt_strbuf_add(out, raw.buf, raw.len);
	}
	free(z);
	pt_strbuf_free(&raw);
}

void pt_facts_encode(const pt_facts *f, pt_strbuf *out)
{
	encode_at(f, ZLEVEL, out);
}

void pt_facts_encode_fast(const pt_facts *f, pt_strbuf *out)
{
	encode_at(f, ZLEVEL_FAST, out);
}

/* ---- decode --------------------------------------------------------------- */

/* Bounds every decoded record is checked against. */
typedef struct {
	uint32_t pool_len;
	uint32_t n_items, n_refs;
} limits;

static bool str_ok(const limits *l, uint32_t off)
{
	return off < l->pool_len;
}
static bool index_ok(const limits *l, int32_t i)
{
	return i >= -1 && i < (int32_t)l->n_items;
}

static bool get_span(const uint8_t *p, pt_span *s)
{
	s->start_byte = get32(p);
	s->end_byte = get32(p + 4);
	s->start_line = get32(p + 8);
	s->start_col = get32(p + 12);
	s->end_line = get32(p + 16);
	s->end_col = get32(p + 20);
	return s->start_byte <= s->end_byte && s->start_line <= s->end_line &&
	       (s->start_line < s->end_line || s->start_col <= s->end_col);
}

static bool get_item(const uint8_t *p, const limits *l, fact_item *it)
{
	uint32_t s[8];
	if (p[1] || p[2] || p[3])
		return false;
	it->kind = p[0];
	it->flags = get32(p + 4);
	it->parent = (int32_t)get32(p + 8);
	if (!get_span(p + 12, &it->span) || !get_span(p + 12 + SPAN_SIZE, &it->name_span))
		return false;
	for (int i = 0; i < 8; i++) {
		s[i] = get32(p + 12 + 2 * SPAN_SIZE + 4 * i);
		if (!str_ok(l, s[i]))
			return false;
	}
	it->name = s[0];
	it->sig = s[1];
	it->path_attr = s[2];
	it->impl_self = s[3];
	it->impl_trait = s[4];
	it->ret_type = s[5];
	it->generics = s[6];
	it->cfg = s[7];
	return it->kind >= PT_MODULE && it->kind <= PT_VARIANT &&
	       !(it->flags & ~(uint32_t)ITEM_FLAGS) && index_ok(l, it->parent);
}

static bool get_use(const uint8_t *p, const limits *l, fact_use *u)
{
	u->scope = (int32_t)get32(p);
	u->path = get32(p + 4);
	u->alias = get32(p + 8);
	u->flags = get32(p + 12);
	return get_span(p + 16, &u->span) && index_ok(l, u->scope) && str_ok(l, u->path) &&
	       str_ok(l, u->alias) && !(u->flags & ~(uint32_t)(FU_PUB | FU_EXTERN_CRATE));
}

static bool get_ref(const uint8_t *p, const limits *l, fact_ref *r)
{
	r->kind = p[0];
	r->recv_kind = p[1];
	r->flags = (uint16_t)(p[2] | (p[3] << 8));
	r->from = (int32_t)get32(p + 4);
	r->path = get32(p + 8);
	r->name = get32(p + 12);
	r->recv_path = get32(p + 16);
	r->recv_name = get32(p + 20);
	return get_span(p + 24, &r->span) && r->kind >= FR_CALL_PATH && r->kind <= FR_MACRO_CALL &&
	       r->recv_kind <= RECV_CHAIN && !(r->flags & ~(uint16_t)FR_QUALIFIED) &&
	       index_ok(l, r->from) && str_ok(l, r->path) && str_ok(l, r->name) &&
	       str_ok(l, r->recv_path) && str_ok(l, r->recv_name);
}

static bool get_field(const uint8_t *p, const limits *l, fact_field *fl)
{
	fl->owner = (int32_t)get32(p);
	fl->name = get32(p + 4);
	fl->type = get32(p + 8);
	return index_ok(l, fl->owner) && str_ok(l, fl->name) && str_ok(l, fl->type);
}

static bool get_macro(const uint8_t *p, const limits *l, fact_macro *m)
{
	m->name = get32(p);
	m->text = get32(p + 4);
	m->invokes = get32(p + 8);
	m->flags = get32(p + 12);
	return get_span(p + 16, &m->span) && str_ok(l, m->name) && str_ok(l, m->text) &&
	       str_ok(l, m->invokes) && !(m->flags & ~(uint32_t)(FM_EXPORT | FM_DOC | FM_GEN));
}

static bool get_xsite(const uint8_t *p, const limits *l, fact_xsite *x)
{
	x->ref = get32(p);
	x->file = get32(p + 4);
	x->def = get32(p + 8);
	return x->ref < l->n_refs && str_ok(l, x->file);
}

static void reset(pt_facts *f)
{
	pt_vec_clear(&f->items);
	pt_vec_clear(&f->uses);
	pt_vec_clear(&f->refs);
	pt_vec_clear(&f->fields);
	pt_vec_clear(&f->macros);
	pt_vec_clear(&f->xsites);
	pt_strpool_free(&f->pool);
	pt_strpool_init(&f->pool);
	f->n_errors = f->n_lines = f->first_error_line = 0;
	f->invoked = f->imported = 0;
	f->import_key = 0;
}

/* The header of a blob: its counts, checked against its length; the
 * pool's start through *pool. */
static bool header(const uint8_t *p, size_t len, uint32_t *hv, uint64_t *key, const uint8_t **pool)
{
	if (!p || len < HEADER_SIZE || memcmp(p, MAGIC, 4) != 0)
		return false;
	for (int i = 0; i < N_HEADER; i++)
		hv[i] = get32(p + 4 + 4 * i);
	*key = get32(p + 4 + 4 * N_HEADER) | (uint64_t)get32(p + 8 + 4 * N_HEADER) << 32;
	uint64_t need = HEADER_SIZE + (uint64_t)hv[0] * ITEM_SIZE + (uint64_t)hv[1] * USE_SIZE +
			(uint64_t)hv[2] * REF_SIZE + (uint64_t)hv[3] * FIELD_SIZE +
			(uint64_t)hv[4] * MACRO_SIZE + (uint64_t)hv[5] * XSITE_SIZE + hv[6];
	if (need != len || hv[0] > INT32_MAX || hv[6] == 0 || hv[9] >= hv[6] || hv[10] >= hv[6])
		return false;
	*pool = p + len - hv[6];
	return (*pool)[0] == 0 && (*pool)[hv[6] - 1] == 0;
}

/* Decode n records of one kind; the macro keeps the four loops honest. */
#define DECODE_ARRAY(V, N, SIZE, GET)                                                              \
	do {                                                                                       \
		pt_vec_reserve(&(V), (N));                                                         \
		for (uint32_t i_ = 0; i_ < (N); i_++, p += (SIZE))                                 \
			if (!GET(p, &l, &(V).v[i_]))                                               \
				goto fail;                                                         \
		(V).n = (N);                                                                       \
	} while (0)

static int decode_raw(const void *data, size_t len, pt_facts *f)
{
	const uint8_t *p = data, *pool;
	uint32_t hv[N_HEADER];
	uint64_t key;
	reset(f);
	if (!header(p, len, hv, &key, &pool))
		return PT_ECORRUPT;
	limits l = {hv[6], hv[0], hv[2]};
	p += HEADER_SIZE;
	DECODE_ARRAY(f->items, hv[0], ITEM_SIZE, get_item);
	/* parents come before their children: no cycle can reach the resolver */
	for (uint32_t i = 0; i < hv[0]; i++)
		if (f->items.v[i].parent >= (int32_t)i)
			goto fail;
	DECODE_ARRAY(f->uses, hv[1], USE_SIZE, get_use);
	DECODE_ARRAY(f->refs, hv[2], REF_SIZE, get_ref);
	DECODE_ARRAY(f->fields, hv[3], FIELD_SIZE, get_field);
	DECODE_ARRAY(f->macros, hv[4], MACRO_SIZE, get_macro);
	DECODE_ARRAY(f->xsites, hv[5], XSITE_SIZE, get_xsite);
	for (uint32_t i = 1; i < hv[5]; i++)
		if (f->xsites.v[i].ref <= f->xsites.v[i - 1].ref)
			goto fail;
	f->pool.b.len = 0;
	pt_strbuf_add(&f->pool.b, pool, hv[6]);
	f->n_errors = hv[7];
	f->n_lines = hv[8];
	f->invoked = hv[9];
	f->imported = hv[10];
	f->import_key = key;
	return 0;
fail:
	reset(f);
	return PT_ECORRUPT;
}

static int decode_macros_raw(const void *data, size_t len, pt_facts *f)
{
	const uint8_t *p = data, *pool;
	uint32_t hv[N_HEADER];
	uint64_t key;
	reset(f);
	if (!header(p, len, hv, &key, &pool))
		return PT_ECORRUPT;
	limits l = {hv[6], hv[0], hv[2]};
	p += HEADER_SIZE + (uint64_t)hv[0] * ITEM_SIZE + (uint64_t)hv[1] * USE_SIZE +
	     (uint64_t)hv[2] * REF_SIZE + (uint64_t)hv[3] * FIELD_SIZE;
	DECODE_ARRAY(f->macros, hv[4], MACRO_SIZE, get_macro);
	/* only the strings these need, re-interned: the pool's terminating
	 * NUL bounds every one of them */
	for (uint32_t i = 0; i < hv[4]; i++) {
		fact_macro *m = &f->macros.v[i];
		m->name = pt_strpool_adds(&f->pool, (const char *)pool + m->name);
		m->text = pt_strpool_adds(&f->pool, (const char *)pool + m->text);
		m->invokes = pt_strpool_adds(&f->pool, (const char *)pool + m->invokes);
	}
	f->invoked = pt_strpool_adds(&f->pool, (const char *)pool + hv[9]);
	f->imported = pt_strpool_adds(&f->pool, (const char *)pool + hv[10]);
	f->import_key = key;
	f->n_errors = hv[7];
	f->n_lines = hv[8];
	return 0;
fail:
	reset(f);
	return PT_ECORRUPT;
}

/* Runs dec on the layout a stored blob holds: the blob itself, or the
 * content of its zstd frame. */
static int decode_stored(const void *data, size_t len, pt_facts *f,
			 int (*dec)(const void *, size_t, pt_facts *))
{
	const uint8_t *p = data;
	reset(f);
	if (!data)
		return PT_ECORRUPT;
	if (len < ZHEADER || memcmp(p, ZMAGIC, 4) != 0)
		return dec(data, len, f);
	uint32_t raw_len = get32(p + 4);
	unsigned long long said = ZSTD_getFrameContentSize(p + ZHEADER, len - ZHEADER);
	if (raw_len < HEADER_SIZE || raw_len > RAW_MAX || said != raw_len)
		return PT_ECORRUPT;
	void *raw = pt_xmalloc(raw_len);
	size_t n = z_decompress(raw, raw_len, p + ZHEADER, len - ZHEADER);
	int rc = !ZSTD_isError(n) && n == raw_len ? dec(raw, raw_len, f) : PT_ECORRUPT;
	free(raw);
	return rc;
}

int pt_facts_decode(const void *data, size_t len, pt_facts *f)
{
	return decode_stored(data, len, f, decode_raw);
}

int pt_facts_decode_macros(const void *data, size_t len, pt_facts *f)
{
	return decode_stored(data, len, f, decode_macros_raw);
}
