/* tests/test_facts.c — facts blobs: round trip, and decode of hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <zstd.h>

#include "test_main.h"

#include "../graph/facts.h"

static pt_span span(uint32_t a, uint32_t b, uint32_t line)
{
	return (pt_span){a, b, line, a, line, b};
}

/* A small but complete value: every record kind, every field non-zero. */
static void sample(pt_facts *f)
{
	pt_facts_init(f);
	uint32_t m = pt_strpool_adds(&f->pool, "m"), fun = pt_strpool_adds(&f->pool, "run"),
		 sig = pt_strpool_adds(&f->pool, "pub fn run() -> Self"),
		 self = pt_strpool_adds(&f->pool, "Self"), tr = pt_strpool_adds(&f->pool, "Tr"),
		 gen = pt_strpool_adds(&f->pool, "T:Tr"), p = pt_strpool_adds(&f->pool, "m.rs"),
		 x = pt_strpool_adds(&f->pool, "x");
	fact_item mod = {PT_MODULE, FI_PUB, -1, span(0, 40, 0), span(4, 5, 0), m, m, p, 0, 0,
			 0,         0,      0};
	fact_item fn = {PT_METHOD,
			FI_HAS_BODY | FI_PUB,
			0,
			span(10, 30, 1),
			span(17, 20, 1),
			fun,
			sig,
			0,
			self,
			tr,
			self,
			x,
			gen};
	pt_vec_push(&f->items, mod);
	pt_vec_push(&f->items, fn);
	fact_use u = {0, tr, tr, FU_PUB, span(1, 3, 2)};
	pt_vec_push(&f->uses, u);
	fact_ref r = {FR_CALL_METHOD, RECV_FIELD, FR_QUALIFIED,   1, tr, fun,
		      self,           x,          span(20, 23, 1)};
	pt_vec_push(&f->refs, r);
	fact_field fl = {0, x, self};
	pt_vec_push(&f->fields, fl);
	uint32_t mt = pt_strpool_adds(&f->pool, "macro_rules! m { () => { f() } }"),
		 inv = pt_strpool_adds(&f->pool, "$crate::g\n"),
		 lib = pt_strpool_adds(&f->pool, "src/lib.rs\n");
	fact_macro mac = {m, mt, inv, FM_EXPORT, span(5, 37, 3)};
	pt_vec_push(&f->macros, mac);
	fact_xsite xs = {0, p, 0};
	pt_vec_push(&f->xsites, xs);
	f->invoked = inv;
	f->imported = lib;
	f->import_key = 0x1234567890abcdefull;
	f->n_errors = 3;
	f->n_lines = 42;
}

static void assert_span(pt_span a, pt_span b)
{
	assert_memory_equal(&a, &b, sizeof a);
}

/* Field by field: records have padding that decode does not promise. */
static void assert_same(const pt_facts *a, const pt_facts *b)
{
	assert_int_equal(a->items.n, b->items.n);
	assert_int_equal(a->uses.n, b->uses.n);
	assert_int_equal(a->refs.n, b->refs.n);
	assert_int_equal(a->fields.n, b->fields.n);
	assert_int_equal(a->n_errors, b->n_errors);
	assert_int_equal(a->n_lines, b->n_lines);
	assert_int_equal(a->pool.b.len, b->pool.b.len);
	assert_memory_equal(a->pool.b.buf, b->pool.b.buf, a->pool.b.len);
	for (size_t i = 0; i < a->items.n; i++) {
		const fact_item *x = &a->items.v[i], *y = &b->items.v[i];
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->parent, y->parent);
		assert_span(x->span, y->span);
		assert_span(x->name_span, y->name_span);
		assert_int_equal(x->name, y->name);
		assert_int_equal(x->sig, y->sig);
		assert_int_equal(x->path_attr, y->path_attr);
		assert_int_equal(x->impl_self, y->impl_self);
		assert_int_equal(x->impl_trait, y->impl_trait);
		assert_int_equal(x->ret_type, y->ret_type);
		assert_int_equal(x->generics, y->generics);
		assert_int_equal(x->cfg, y->cfg);
	}
	for (size_t i = 0; i < a->uses.n; i++) {
		const fact_use *x = &a->uses.v[i], *y = &b->uses.v[i];
		assert_int_equal(x->scope, y->scope);
		assert_int_equal(x->path, y->path);
		assert_int_equal(x->alias, y->alias);
		assert_int_equal(x->flags, y->flags);
		assert_span(x->span, y->span);
	}
	for (size_t i = 0; i < a->refs.n; i++) {
		const fact_ref *x = &a->refs.v[i], *y = &b->refs.v[i];
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->recv_kind, y->recv_kind);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->from, y->from);
		assert_int_equal(x->path, y->path);
		assert_int_equal(x->name, y->name);
		assert_int_equal(x->recv_path, y->recv_path);
		assert_int_equal(x->recv_name, y->recv_name);
		assert_span(x->span, y->span);
	}
	for (size_t i = 0; i < a->fields.n; i++) {
		assert_int_equal(a->fields.v[i].owner, b->fields.v[i].owner);
		assert_int_equal(a->fields.v[i].name, b->fields.v[i].name);
		assert_int_equal(a->fields.v[i].type, b->fields.v[i].type);
	}
	assert_int_equal(a->macros.n, b->macros.n);
	for (size_t i = 0; i < a->macros.n; i++) {
		const fact_macro *x = &a->macros.v[i], *y = &b->macros.v[i];
		assert_int_equal(x->name, y->name);
		assert_int_equal(x->text, y->text);
		assert_int_equal(x->invokes, y->invokes);
		assert_int_equal(x->flags, y->flags);
		assert_span(x->span, y->span);
	}
	assert_int_equal(a->xsites.n, b->xsites.n);
	for (size_t i = 0; i < a->xsites.n; i++) {
		assert_int_equal(a->xsites.v[i].ref, b->xsites.v[i].ref);
		assert_int_equal(a->xsites.v[i].file, b->xsites.v[i].file);
		assert_int_equal(a->xsites.v[i].def, b->xsites.v[i].def);
	}
	assert_int_equal(a->invoked, b->invoked);
	assert_int_equal(a->imported, b->imported);
	assert_true(a->import_key == b->import_key);
}

static void assert_empty(const pt_facts *f)
{
	assert_int_equal(
		f->items.n + f->uses.n + f->refs.n + f->fields.n + f->macros.n + f->xsites.n, 0);
	assert_true(f->invoked == 0 && f->imported == 0 && f->import_key == 0);
	assert_int_equal(f->n_errors + f->n_lines, 0);
	assert_string_equal(pt_strpool_get(&f->pool, 0), "");
}

/* Every item flag survives the trip, FI_IN_MACRO and FI_MACRO_GEN too. */
static void test_item_flags(void **state)
{
	(void)state;
	const uint32_t all =
		FI_PUB | FI_HAS_BODY | FI_MOD_EXTERNAL | FI_TRAIT_IMPL | FI_MACRO_GEN | FI_IN_MACRO;
	pt_facts a, b;
	pt_strbuf blob = {0};
	sample(&a);
	a.items.v[0].flags = all;
	a.items.v[1].flags = FI_IN_MACRO;
	pt_facts_encode(&a, &blob);
	pt_facts_init(&b);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &b), 0);
	assert_int_equal(b.items.v[0].flags, all);
	assert_int_equal(b.items.v[1].flags, FI_IN_MACRO);
	pt_facts_free(&a);
	pt_facts_free(&b);
	pt_strbuf_free(&blob);
}

static void test_round_trip(void **state)
{
	(void)state;
	pt_facts a, b;
	pt_strbuf blob = {0};
	sample(&a);
	pt_facts_encode(&a, &blob);
	pt_facts_init(&b);
	/* decode replaces what b held */
	pt_vec_push(&b.uses, a.uses.v[0]);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &b), 0);
	/* encoding the decoded value gives the same bytes */
	pt_strbuf again = {0};
	pt_facts_encode(&b, &again);
	assert_int_equal(blob.len, again.len);
	assert_memory_equal(blob.buf, again.buf, blob.len);
	assert_int_equal(b.items.n, 2);
	assert_int_equal(b.items.v[1].parent, 0);
	assert_string_equal(pt_strpool_get(&b.pool, b.items.v[1].sig), "pub fn run() -> Self");
	assert_string_equal(pt_strpool_get(&b.pool, b.items.v[0].path_attr), "m.rs");
	assert_string_equal(pt_strpool_get(&b.pool, b.refs.v[0].recv_name), "x");
	assert_int_equal(b.refs.v[0].recv_kind, RECV_FIELD);
	assert_int_equal(b.refs.v[0].flags, FR_QUALIFIED);
	assert_int_equal(b.items.v[1].span.end_col, 30);
	assert_int_equal(b.n_lines, 42);
	assert_int_equal(b.n_errors, 3);
	assert_same(&a, &b);
	pt_facts_free(&a);
	pt_facts_free(&b);
	pt_strbuf_free(&blob);
	pt_strbuf_free(&again);
}

static void test_empty(void **state)
{
	(void)state;
	pt_facts a, b, z;
	pt_strbuf blob = {0};
	pt_facts_init(&a);
	pt_facts_encode(&a, &blob);
	pt_facts_init(&b);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &b), 0);
	assert_empty(&b);
	/* a zeroed value encodes too, and frees */
	memset(&z, 0, sizeof z);
	blob.len = 0;
	pt_facts_encode(&z, &blob);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &b), 0);
	assert_empty(&b);
	pt_facts_free(&z);
	pt_facts_free(&z);
	pt_facts_free(&a);
	pt_facts_free(&b);
	pt_strbuf_free(&blob);
}

/* Encode f and expect decode to refuse it, leaving the output empty. */
static void assert_rejected(pt_facts *f)
{
	pt_strbuf blob = {0};
	pt_facts g;
	pt_facts_encode(f, &blob);
	pt_facts_init(&g);
	pt_vec_push(&g.items, f->items.v[0]);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &g), PT_ECORRUPT);
	assert_empty(&g);
	pt_facts_free(&g);
	pt_strbuf_free(&blob);
}

/* Every prefix of blob (every step-th length) is refused, g left empty. */
static void assert_cuts_refused(const char *blob, size_t len, size_t step, pt_facts *g)
{
	for (size_t n = 0; n < len; n += step) {
		/* a private copy of exactly n bytes, so ASan sees any overread */
		char *copy = malloc(n ? n : 1);
		memcpy(copy, blob, n);
		assert_int_equal(pt_facts_decode(copy, n, g), PT_ECORRUPT);
		assert_empty(g);
		free(copy);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	pt_facts a, g;
	pt_strbuf blob = {0};
	sample(&a);
	pt_facts_encode(&a, &blob);
	pt_facts_init(&g);
	assert_cuts_refused(blob.buf, blob.len, 1, &g);
	/* and one byte too many */
	pt_strbuf_addc(&blob, 0);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &g), PT_ECORRUPT);
	assert_int_equal(pt_facts_decode(NULL, 0, &g), PT_ECORRUPT);
	pt_facts_free(&a);
	pt_facts_free(&g);
	pt_strbuf_free(&blob);
}

/* What choosing imports reads, alone: the macros with their strings, the
 * invoked and imported lists, the key; nothing else. */
static void test_decode_macros(void **state)
{
	(void)state;
	pt_facts a, b;
	pt_strbuf blob = {0};
	sample(&a);
	pt_facts_encode(&a, &blob);
	pt_facts_init(&b);
	assert_int_equal(pt_facts_decode_macros(blob.buf, blob.len, &b), 0);
	assert_int_equal(b.items.n + b.uses.n + b.refs.n + b.fields.n + b.xsites.n, 0);
	assert_int_equal(b.macros.n, 1);
	assert_string_equal(pt_strpool_get(&b.pool, b.macros.v[0].name), "m");
	assert_string_equal(pt_strpool_get(&b.pool, b.macros.v[0].text),
			    "macro_rules! m { () => { f() } }");
	assert_string_equal(pt_strpool_get(&b.pool, b.macros.v[0].invokes), "$crate::g\n");
	assert_int_equal(b.macros.v[0].flags, FM_EXPORT);
	assert_int_equal(b.macros.v[0].span.start_line, 3);
	assert_string_equal(pt_strpool_get(&b.pool, b.invoked), "$crate::g\n");
	assert_string_equal(pt_strpool_get(&b.pool, b.imported), "src/lib.rs\n");
	assert_true(b.import_key == 0x1234567890abcdefull);
	/* a short blob is refused, and leaves nothing */
	assert_int_equal(pt_facts_decode_macros(blob.buf, blob.len - 1, &b), PT_ECORRUPT);
	assert_empty(&b);
	pt_facts_free(&a);
	pt_facts_free(&b);
	pt_strbuf_free(&blob);
}

static void test_bad_offsets(void **state)
{
	(void)state;
	pt_facts a;
	uint32_t end;

	sample(&a);
	end = (uint32_t)a.pool.b.len;
	a.items.v[1].generics = end;
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.refs.v[0].recv_name = UINT32_MAX;
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.macros.v[0].text = (uint32_t)a.pool.b.len;
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.xsites.v[0].file = (uint32_t)a.pool.b.len + 1;
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.invoked = (uint32_t)a.pool.b.len;
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.xsites.v[0].ref = 1; /* there is one ref */
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	pt_vec_push(&a.refs, a.refs.v[0]);
	pt_vec_push(&a.xsites, a.xsites.v[0]); /* two for ref 0: not in order */
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.macros.v[0].flags = 8; /* no such flag (FM_GEN is 4) */
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.uses.v[0].alias = (uint32_t)a.pool.b.len + 7;
	assert_rejected(&a);
	pt_facts_free(&a);

	sample(&a);
	a.fields.v[0].type = (uint32_t)a.pool.b.len;
	assert_rejected(&a);
	pt_facts_free(&a);

	/* a pool whose last string is not NUL-terminated */
	sample(&a);
	a.pool.b.len--;
	assert_rejected(&a);
	pt_facts_free(&a);

	/* a pool that does not start with the empty string */
	sample(&a);
	a.pool.b.buf[0] = 'x';
	assert_rejected(&a);
	pt_facts_free(&a);
}

static void test_bad_indexes(void **state)
{
	(void)state;
	pt_facts a;
	int32_t bad[] = {2, -2, INT32_MAX, INT32_MIN};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sample(&a);
		a.items.v[1].parent = bad[i];
		assert_rejected(&a);
		pt_facts_free(&a);
		sample(&a);
		a.uses.v[0].scope = bad[i];
		assert_rejected(&a);
		pt_facts_free(&a);
		sample(&a);
		a.refs.v[0].from = bad[i];
		assert_rejected(&a);
		pt_facts_free(&a);
		sample(&a);
		a.fields.v[0].owner = bad[i];
		assert_rejected(&a);
		pt_facts_free(&a);
	}
	/* a parent after its child (a cycle waiting to happen) */
	sample(&a);
	a.items.v[0].parent = 1;
	assert_rejected(&a);
	pt_facts_free(&a);
	sample(&a);
	a.items.v[1].parent = 1;
	assert_rejected(&a);
	pt_facts_free(&a);
}

static void test_bad_kinds(void **state)
{
	(void)state;
	pt_facts a;
	uint8_t items[] = {0, PT_CRATE, PT_KIND_MAX, 200};
	for (size_t i = 0; i < sizeof items; i++) {
		sample(&a);
		a.items.v[1].kind = items[i];
		assert_rejected(&a);
		pt_facts_free(&a);
	}
	uint8_t refs[] = {0, FR_MACRO_CALL + 1, 255};
	for (size_t i = 0; i < sizeof refs; i++) {
		sample(&a);
		a.refs.v[0].kind = refs[i];
		assert_rejected(&a);
		pt_facts_free(&a);
	}
	sample(&a);
	a.refs.v[0].recv_kind = RECV_CHAIN + 1;
	assert_rejected(&a);
	pt_facts_free(&a);
	sample(&a);
	a.items.v[0].flags |= 1u << 20;
	assert_rejected(&a);
	pt_facts_free(&a);
	sample(&a);
	a.items.v[0].flags |= FI_ENTRY << 1; /* the first flag past the known ones */
	assert_rejected(&a);
	pt_facts_free(&a);
	sample(&a);
	a.refs.v[0].flags |= 1u << 9;
	assert_rejected(&a);
	pt_facts_free(&a);
	sample(&a);
	a.uses.v[0].flags = FU_EXTERN_CRATE << 1; /* the first flag past the known ones */
	assert_rejected(&a);
	pt_facts_free(&a);
	sample(&a);
	a.items.v[0].span.start_byte = 100; /* after its end */
	assert_rejected(&a);
	pt_facts_free(&a);

	/* a wrong magic */
	pt_strbuf blob = {0};
	pt_facts g;
	sample(&a);
	pt_facts_encode(&a, &blob);
	blob.buf[3] = '9';
	pt_facts_init(&g);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &g), PT_ECORRUPT);
	pt_facts_free(&a);
	pt_facts_free(&g);
	pt_strbuf_free(&blob);
}

/* Every string of a decoded value must be readable inside the pool. */
static void assert_sane(const pt_facts *f)
{
	size_t n = f->pool.b.len;
	const char *p = f->pool.b.buf;
	for (size_t i = 0; i < f->items.n; i++) {
		const fact_item *it = &f->items.v[i];
		assert_true(it->parent >= -1 && it->parent < (int32_t)i);
		assert_true(strlen(p + it->name) < n - it->name);
		assert_true(strlen(p + it->generics) < n - it->generics);
	}
	for (size_t i = 0; i < f->refs.n; i++)
		assert_true(strlen(p + f->refs.v[i].recv_path) < n - f->refs.v[i].recv_path);
}

static void test_garbage(void **state)
{
	(void)state;
	pt_facts a, g;
	pt_strbuf blob = {0};
	sample(&a);
	pt_facts_encode(&a, &blob);
	pt_facts_init(&g);
	srand(12345);
	int ok = 0;
	for (int round = 0; round < 4000; round++) {
		size_t n;
		uint8_t *buf;
		if (round % 2) {
			/* pure noise, sometimes with a valid magic */
			n = (size_t)(rand() % 600);
			buf = malloc(n ? n : 1);
			for (size_t i = 0; i < n; i++)
				buf[i] = (uint8_t)rand();
			if (n >= 4 && round % 4 == 1)
				memcpy(buf, "PTF1", 4);
		} else {
			/* a valid blob with a few bytes flipped */
			n = blob.len;
			buf = malloc(n);
			memcpy(buf, blob.buf, n);
			for (int k = 1 + rand() % 4; k > 0; k--)
				buf[(size_t)rand() % n] ^= (uint8_t)(1u << (rand() % 8));
		}
		int rc = pt_facts_decode(buf, n, &g);
		assert_true(rc == 0 || rc == PT_ECORRUPT);
		if (rc == 0) {
			ok++;
			assert_sane(&g);
		} else {
			assert_empty(&g);
		}
		free(buf);
	}
	assert_true(ok > 0); /* some flips land in harmless places (spans, counts) */
	pt_facts_free(&a);
	pt_facts_free(&g);
	pt_strbuf_free(&blob);
}

/* ---- the compressed form ("PTZ1" raw_len zstd-frame) --------------------- */

static uint32_t le32(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;
	return u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/* The sample with n more methods: the size of a real file's facts. */
static void big_sample(pt_facts *f, int n)
{
	sample(f);
	for (int i = 0; i < n; i++) {
		fact_item it = f->items.v[1];
		it.span = span(10 + (uint32_t)i, 30 + (uint32_t)i, 1 + (uint32_t)i);
		pt_vec_push(&f->items, it);
	}
}

/* The layout a compressed blob holds, decompressed here with zstd itself. */
static char *inflate(const pt_strbuf *blob, size_t *n)
{
	assert_true(blob->len > 8);
	assert_memory_equal(blob->buf, "PTZ1", 4);
	*n = le32(blob->buf + 4);
	char *raw = malloc(*n);
	assert_int_equal(ZSTD_decompress(raw, *n, blob->buf + 8, blob->len - 8), *n);
	return raw;
}

static void test_compressed(void **state)
{
	(void)state;
	pt_facts a, b, c;
	pt_strbuf blob = {0};
	big_sample(&a, 300);
	pt_facts_encode(&a, &blob);
	size_t n;
	char *raw = inflate(&blob, &n);
	assert_memory_equal(raw, "PTF3", 4);
	assert_true(blob.len * 4 < n); /* fixed-size records compress well */
	pt_facts_init(&b);
	pt_facts_init(&c);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &b), 0);
	assert_int_equal(pt_facts_decode(raw, n, &c), 0); /* the raw form is still read */
	assert_same(&a, &b);
	assert_same(&a, &c);
	assert_int_equal(b.items.n, 302);
	/* what choosing imports reads comes out of the compressed form too */
	assert_int_equal(pt_facts_decode_macros(blob.buf, blob.len, &b), 0);
	assert_int_equal(b.items.n, 0);
	assert_int_equal(b.macros.n, 1);
	assert_true(b.import_key == a.import_key);
	/* the raw layout is checked as before: every truncation is refused */
	assert_cuts_refused(raw, n, 7, &c);
	free(raw);
	/* the editor's faster level: another blob, the same raw record */
	pt_strbuf fast = {0};
	pt_facts_encode_fast(&a, &fast);
	size_t fn;
	char *fraw = inflate(&fast, &fn);
	raw = inflate(&blob, &n);
	assert_true(fast.len * 4 < fn);
	assert_int_equal(fn, n);
	assert_memory_equal(fraw, raw, n);
	assert_int_equal(pt_facts_decode(fast.buf, fast.len, &c), 0);
	assert_same(&a, &c);
	free(fraw);
	free(raw);
	pt_strbuf_free(&fast);
	pt_facts_free(&a);
	pt_facts_free(&b);
	pt_facts_free(&c);
	pt_strbuf_free(&blob);

	/* a value too small to gain is kept as it is */
	pt_facts_init(&a);
	pt_facts_encode(&a, &blob);
	assert_memory_equal(blob.buf, "PTF3", 4);
	pt_facts_free(&a);
	pt_strbuf_free(&blob);
}

/* Compress bytes as the store's form, saying raw_len for their length. */
static void forge(pt_strbuf *out, const void *raw, size_t n, uint32_t said)
{
	size_t bound = ZSTD_compressBound(n);
	char *z = malloc(8 + bound);
	size_t zn = ZSTD_compress(z + 8, bound, raw, n, 1);
	assert_false(ZSTD_isError(zn));
	memcpy(z, "PTZ1", 4);
	for (int i = 0; i < 4; i++)
		z[4 + i] = (char)(said >> (8 * i));
	out->len = 0;
	pt_strbuf_add(out, z, 8 + zn);
	free(z);
}

static void test_forged_compressed(void **state)
{
	(void)state;
	pt_facts a, g;
	pt_strbuf blob = {0}, f = {0};
	big_sample(&a, 50);
	pt_facts_encode(&a, &blob);
	size_t n;
	char *raw = inflate(&blob, &n);
	pt_facts_init(&g);
	forge(&f, raw, n, (uint32_t)n);
	assert_int_equal(pt_facts_decode(f.buf, f.len, &g), 0);
	/* a raw length that is not the frame's */
	uint32_t wrong[] = {(uint32_t)n - 1, (uint32_t)n + 1, 0, 31, UINT32_MAX};
	for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
		forge(&f, raw, n, wrong[i]);
		assert_int_equal(pt_facts_decode(f.buf, f.len, &g), PT_ECORRUPT);
		assert_empty(&g);
	}
	/* a frame of the right size whose content is no facts */
	char *noise = malloc(n);
	memset(noise, 0x5a, n);
	forge(&f, noise, n, (uint32_t)n);
	assert_int_equal(pt_facts_decode(f.buf, f.len, &g), PT_ECORRUPT);
	/* a compressed blob inside a compressed blob */
	forge(&f, blob.buf, blob.len, (uint32_t)blob.len);
	assert_int_equal(pt_facts_decode(f.buf, f.len, &g), PT_ECORRUPT);
	/* the stored form cut anywhere, or with a byte more */
	assert_cuts_refused(blob.buf, blob.len, 1, &g);
	pt_strbuf_addc(&blob, 0);
	assert_int_equal(pt_facts_decode(blob.buf, blob.len, &g), PT_ECORRUPT);
	free(noise);
	free(raw);
	pt_facts_free(&a);
	pt_facts_free(&g);
	pt_strbuf_free(&blob);
	pt_strbuf_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_item_flags),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_decode_macros),
		cmocka_unit_test(test_bad_offsets),
		cmocka_unit_test(test_bad_indexes),
		cmocka_unit_test(test_bad_kinds),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_forged_compressed),
	};
	return pt_run_tests(tests, NULL, NULL);
}
