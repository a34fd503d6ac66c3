/* tests/extract_fixture.h — the extractor fixture of tests/test_extract*.c:
 * one extractor and one facts buffer per test binary (setup/teardown make
 * and free them), run() to extract a snippet into it, and look-ups of its
 * items, refs and uses by kind and name. Each test binary includes it once;
 * its helpers are static inline so a binary that does not use one builds
 * without a warning.
 *
 * Ownership: X and F belong to the binary's group, from setup to teardown;
 * every run() frees the previous facts, so the pointers the look-ups return
 * live until the next run(). */
#ifndef PT_TESTS_EXTRACT_FIXTURE_H
#define PT_TESTS_EXTRACT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include "../graph/extract.h"

static pt_extractor *X;
static pt_facts F;

static inline int setup(void **state)
{
	(void)state;
	X = pt_extractor_new();
	pt_facts_init(&F);
	return X ? 0 : -1;
}

static inline int teardown(void **state)
{
	(void)state;
	pt_facts_free(&F);
	pt_extractor_free(X);
	return 0;
}

static inline void run_len(const char *src, size_t len)
{
	pt_facts_free(&F);
	pt_facts_init(&F);
	assert_int_equal(pt_extractor_text(X, src, len, &F), PT_OK);
}

/* What the last run made holds together: parents before children, refs
 * from existing items, and the facts survive their stored form. */
static inline void assert_facts_sound(void)
{
	for (size_t i = 0; i < F.items.n; i++)
		assert_true(F.items.v[i].parent >= -1 && F.items.v[i].parent < (int32_t)i);
	for (size_t i = 0; i < F.refs.n; i++)
		assert_true(F.refs.v[i].from >= -1 && F.refs.v[i].from < (int32_t)F.items.n);
	pt_strbuf enc = {0};
	pt_facts g;
	pt_facts_init(&g);
	pt_facts_encode(&F, &enc);
	assert_int_equal(pt_facts_decode(enc.buf, enc.len, &g), 0);
	pt_facts_free(&g);
	pt_strbuf_free(&enc);
}

static inline void run(const char *src)
{
	run_len(src, strlen(src));
}

static inline const char *S(uint32_t off)
{
	return pt_strpool_get(&F.pool, off);
}

/* Index of the first item of that kind and name, -1 if none. */
static inline int item(int kind, const char *name)
{
	for (size_t i = 0; i < F.items.n; i++)
		if (F.items.v[i].kind == kind && strcmp(S(F.items.v[i].name), name) == 0)
			return (int)i;
	return -1;
}

static inline const fact_item *it(int kind, const char *name)
{
	int i = item(kind, name);
	assert_true(i >= 0);
	return &F.items.v[i];
}

static inline int count_items(int kind)
{
	int n = 0;
	for (size_t i = 0; i < F.items.n; i++)
		n += F.items.v[i].kind == kind;
	return n;
}

/* The nth ref of that kind whose path or name is s, NULL if none. */
static inline const fact_ref *ref_nth(int kind, const char *s, int nth)
{
	for (size_t i = 0; i < F.refs.n; i++) {
		const fact_ref *r = &F.refs.v[i];
		if (r->kind == kind && (strcmp(S(r->path), s) == 0 || strcmp(S(r->name), s) == 0) &&
		    nth-- == 0)
			return r;
	}
	return NULL;
}

static inline const fact_ref *ref(int kind, const char *s)
{
	const fact_ref *r = ref_nth(kind, s, 0);
	if (!r)
		fail_msg("no ref %d '%s'", kind, s);
	return r;
}

static inline int count_refs(int kind, const char *s)
{
	int n = 0;
	while (ref_nth(kind, s, n))
		n++;
	return n;
}

static inline const fact_use *use_of(const char *alias, int nth)
{
	for (size_t i = 0; i < F.uses.n; i++)
		if (strcmp(S(F.uses.v[i].alias), alias) == 0 && nth-- == 0)
			return &F.uses.v[i];
	fail_msg("no use binding '%s'", alias);
	return NULL;
}

static inline void assert_recv(const fact_ref *r, int kind, const char *path, const char *name)
{
	assert_non_null(r);
	if (r->recv_kind != kind)
		print_error("recv of %s: kind %d (%s / %s)\n", S(r->name), r->recv_kind,
			    S(r->recv_path), S(r->recv_name));
	assert_int_equal(r->recv_kind, kind);
	assert_string_equal(S(r->recv_path), path);
	assert_string_equal(S(r->recv_name), name);
}

#endif
