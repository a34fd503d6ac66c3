/* tests/test_records.c — record encoders and decoders (store/records.h).
 *
 * Records are read in place from the LMDB map, which only promises 2-byte
 * alignment, so every decode is also run from an odd address; a scribbled
 * value must be rejected, never followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include "../store/records.h"

/* A copy of n bytes at an odd address (caller frees base). */
static uint8_t *odd_copy(const void *p, size_t n, uint8_t **base)
{
	*base = pt_xmalloc(n + 2);
	memcpy(*base + 1, p, n);
	return *base + 1;
}

static rec_file sample_file(void)
{
	return (rec_file){
		.id = 0x01020304,
		.type = FILE_CARGO,
		.skip = SKIP_TIMEOUT,
		.flags = FILEF_SYNTAX_ERRORS | FILEF_SKIPPED | 0x8000,
		.size = 0x1122334455667788ull,
		.mtime_ns = -1234567890123456789ll,
		.hash = 0xfedcba9876543210ull,
		.lines = 4000000000u,
		.errors = 7,
		.reserved = 0xa5a5a5a5a5a5a5a5ull,
	};
}

static void assert_file_eq(const rec_file *a, const rec_file *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->skip, b->skip);
	assert_int_equal(a->flags, b->flags);
	assert_true(a->size == b->size);
	assert_true(a->mtime_ns == b->mtime_ns);
	assert_true(a->hash == b->hash);
	assert_int_equal(a->lines, b->lines);
	assert_int_equal(a->errors, b->errors);
	assert_true(a->reserved == b->reserved);
}

static void test_file_roundtrip(void **state)
{
	(void)state;
	rec_file in = sample_file(), out;
	uint8_t buf[REC_FILE_SIZE], *base;
	rec_file_encode(&in, buf);
	memset(&out, 0, sizeof out);
	assert_int_equal(rec_file_decode(buf, sizeof buf, &out), 0);
	assert_file_eq(&in, &out);

	uint8_t *odd = odd_copy(buf, sizeof buf, &base);
	memset(&out, 0, sizeof out);
	assert_int_equal(rec_file_decode(odd, sizeof buf, &out), 0);
	assert_file_eq(&in, &out);
	free(base);
}

/* The layout is an on-disk format: pin a few bytes so a change shows. */
static void test_file_layout(void **state)
{
	(void)state;
	rec_file in = sample_file();
	uint8_t buf[REC_FILE_SIZE];
	rec_file_encode(&in, buf);
	static const uint8_t id[4] = {0x04, 0x03, 0x02, 0x01};
	static const uint8_t size[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
	assert_memory_equal(buf, id, 4);
	assert_int_equal(buf[4], FILE_CARGO);
	assert_int_equal(buf[5], SKIP_TIMEOUT);
	assert_int_equal(buf[6], 0x03);
	assert_int_equal(buf[7], 0x80);
	assert_memory_equal(buf + 8, size, 8);
	assert_int_equal(buf[24], 0x10); /* hash, low byte first */
	assert_int_equal(buf[31], 0xfe);
}

static void test_file_rejects(void **state)
{
	(void)state;
	rec_file in = sample_file(), out;
	uint8_t buf[REC_FILE_SIZE + 1] = {0};
	rec_file_encode(&in, buf);
	assert_int_equal(rec_file_decode(buf, REC_FILE_SIZE - 1, &out),
			 PT_ECORRUPT); /* truncated */
	assert_int_equal(rec_file_decode(buf, REC_FILE_SIZE + 1, &out), PT_ECORRUPT); /* trailing */
	assert_int_equal(rec_file_decode(buf, 0, &out), PT_ECORRUPT);
	buf[4] = FILE_CARGO + 1; /* bad type */
	assert_int_equal(rec_file_decode(buf, REC_FILE_SIZE, &out), PT_ECORRUPT);
}

static void test_edge_roundtrip(void **state)
{
	(void)state;
	rec_edge in =
			 {
				 .other = 0x8000000000000001ull,
				 .file = 0xffffffffu,
				 .kind = 9,
				 .flags = 0xa5,
				 .sl = 1,
				 .sc = 0x10000,
				 .el = 3000000000u,
				 .ec = 4,
			 },
		 out;
	uint8_t buf[REC_EDGE_SIZE], *base;
	memset(buf, 0xee, sizeof buf);
	rec_edge_encode(&in, buf);
	assert_int_equal(buf[14], 0); /* padding is zeroed, not left over */
	assert_int_equal(buf[15], 0);
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(buf[7], 0x80);

	uint8_t *odd = odd_copy(buf, sizeof buf, &base);
	memset(&out, 0, sizeof out);
	rec_edge_decode(odd, &out);
	assert_true(out.other == in.other);
	assert_int_equal(out.file, in.file);
	assert_int_equal(out.kind, in.kind);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.sl, in.sl);
	assert_int_equal(out.sc, in.sc);
	assert_int_equal(out.el, in.el);
	assert_int_equal(out.ec, in.ec);
	free(base);
}

/* Edges are stored as arrays: each element decodes on its own. */
static void test_edge_array(void **state)
{
	(void)state;
	enum {
		N = 5
	};
	uint8_t buf[N * REC_EDGE_SIZE + 1], *arr = buf + 1; /* odd address */
	for (int i = 0; i < N; i++) {
		rec_edge e = {.other = 100u + (uint64_t)i,
			      .file = (uint32_t)i,
			      .kind = (uint8_t)(i + 1),
			      .sl = (uint32_t)(10 * i)};
		rec_edge_encode(&e, arr + i * REC_EDGE_SIZE);
	}
	for (int i = 0; i < N; i++) {
		rec_edge e;
		rec_edge_decode(arr + i * REC_EDGE_SIZE, &e);
		assert_true(e.other == 100u + (uint64_t)i);
		assert_int_equal(e.file, i);
		assert_int_equal(e.kind, i + 1);
		assert_int_equal(e.sl, 10 * i);
	}
}

static rec_entity sample_entity(void)
{
	return (rec_entity){
		.id = 0x0102030405060708ull,
		.parent = 0xffffffffffffffffull,
		.sig_hash = 42,
		.file = 77,
		.kind = 13,
		.flags = 0x1234,
		.start_byte = 10,
		.end_byte = 0xfffffff0u,
		.sl = 1,
		.sc = 2,
		.el = 3,
		.ec = 4,
		.nsl = 5,
		.nsc = 6,
		.nel = 7,
		.nec = 8,
		.disamb = 3,
		.name = "new",
		.qpath = "std::vec::Vec::new",
		.sig = "pub const fn new() -> Vec<T>",
	};
}

static void assert_entity_eq(const rec_entity *a, const rec_entity *b)
{
	assert_true(a->id == b->id);
	assert_true(a->parent == b->parent);
	assert_true(a->sig_hash == b->sig_hash);
	assert_int_equal(a->file, b->file);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->start_byte, b->start_byte);
	assert_int_equal(a->end_byte, b->end_byte);
	assert_int_equal(a->sl, b->sl);
	assert_int_equal(a->sc, b->sc);
	assert_int_equal(a->el, b->el);
	assert_int_equal(a->ec, b->ec);
	assert_int_equal(a->nsl, b->nsl);
	assert_int_equal(a->nsc, b->nsc);
	assert_int_equal(a->nel, b->nel);
	assert_int_equal(a->nec, b->nec);
	assert_int_equal(a->disamb, b->disamb);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->qpath, b->qpath);
	assert_string_equal(a->sig, b->sig);
}

static void test_entity_roundtrip(void **state)
{
	(void)state;
	rec_entity in = sample_entity(), out;
	pt_strbuf b = {0};
	uint8_t *base;
	rec_entity_encode(&in, &b);
	size_t want = REC_ENTITY_HEADER + strlen(in.name) + strlen(in.qpath) + strlen(in.sig) + 3;
	assert_int_equal(b.len, want);

	uint8_t *odd = odd_copy(b.buf, b.len, &base);
	memset(&out, 0, sizeof out);
	assert_int_equal(rec_entity_decode(odd, b.len, &out), 0);
	assert_entity_eq(&in, &out);
	assert_int_equal(out.version, REC_ENTITY_VERSION);
	/* Strings are borrowed views into the value, not copies. */
	assert_ptr_equal(out.name, (const char *)odd + REC_ENTITY_HEADER);
	assert_true(out.sig > out.qpath && out.sig < (const char *)odd + b.len);
	free(base);
	pt_strbuf_free(&b);
}

/* encode clears the buffer first, and empty strings survive. */
static void test_entity_empty_strings(void **state)
{
	(void)state;
	rec_entity in = sample_entity(), out;
	in.name = in.qpath = in.sig = "";
	pt_strbuf b = {0};
	pt_strbuf_adds(&b, "left over from a previous record");
	rec_entity_encode(&in, &b);
	assert_int_equal(b.len, REC_ENTITY_HEADER + 3);
	assert_int_equal(rec_entity_decode(b.buf, b.len, &out), 0);
	assert_string_equal(out.name, "");
	assert_string_equal(out.sig, "");
	pt_strbuf_free(&b);
}

static void test_entity_rejects(void **state)
{
	(void)state;
	rec_entity in = sample_entity(), out;
	pt_strbuf b = {0};
	rec_entity_encode(&in, &b);
	uint8_t *v = pt_xmalloc(b.len + 2);
	size_t n = b.len;
	memcpy(v, b.buf, n);

	assert_int_equal(rec_entity_decode(v, n, &out), 0);               /* control */
	assert_int_equal(rec_entity_decode(v, n - 1, &out), PT_ECORRUPT); /* last NUL cut */
	assert_int_equal(rec_entity_decode(v, REC_ENTITY_HEADER, &out), PT_ECORRUPT);
	assert_int_equal(rec_entity_decode(v, REC_ENTITY_HEADER - 1, &out), PT_ECORRUPT);
	assert_int_equal(rec_entity_decode(v, 0, &out), PT_ECORRUPT);

	v[n] = 0; /* trailing NUL */
	assert_int_equal(rec_entity_decode(v, n + 1, &out), PT_ECORRUPT);
	v[n] = 'x'; /* trailing byte */
	assert_int_equal(rec_entity_decode(v, n + 1, &out), PT_ECORRUPT);

	size_t nul = REC_ENTITY_HEADER + strlen(in.name); /* name's NUL */
	v[nul] = 'x';
	assert_int_equal(rec_entity_decode(v, n, &out), PT_ECORRUPT);
	v[nul] = 0;

	v[29] = REC_ENTITY_VERSION + 1; /* version */
	assert_int_equal(rec_entity_decode(v, n, &out), PT_ECORRUPT);
	v[29] = REC_ENTITY_VERSION;

	v[28] = 0; /* kind */
	assert_int_equal(rec_entity_decode(v, n, &out), PT_ECORRUPT);
	v[28] = REC_ENTITY_KINDS; /* one past the last kind */
	assert_int_equal(rec_entity_decode(v, n, &out), PT_ECORRUPT);
	v[28] = REC_ENTITY_KINDS - 1; /* the enum variant */
	assert_int_equal(rec_entity_decode(v, n, &out), 0);
	v[28] = 13;
	assert_int_equal(rec_entity_decode(v, n, &out), 0); /* restored */
	free(v);
	pt_strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_layout),
		cmocka_unit_test(test_file_rejects),
		cmocka_unit_test(test_edge_roundtrip),
		cmocka_unit_test(test_edge_array),
		cmocka_unit_test(test_entity_roundtrip),
		cmocka_unit_test(test_entity_empty_strings),
		cmocka_unit_test(test_entity_rejects),
	};
	return pt_run_tests(tests, NULL, NULL);
}
