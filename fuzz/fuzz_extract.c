/* fuzz/fuzz_extract.c — the Rust extractor on arbitrary bytes as a .rs file.
 *
 * pt_extractor_text must never crash or read outside the text, whatever the
 * bytes (NULs, invalid UTF-8, deep nesting, half-written macros). What it
 * extracts must be well formed: every span inside the text, every parent
 * and scope index valid, every string offset inside the pool; and the
 * facts must survive pt_facts_encode → pt_facts_decode → pt_facts_encode byte for
 * byte (that blob is what the store caches).
 *
 * FUZZ_DUMP_FACTS=DIR (replayer only): also write each encoded blob to
 * DIR, to seed the records target with real blobs.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../graph/extract.h"
#include "fuzz_common.h"

static pt_extractor *ex;

static void check_span(pt_span s, size_t len)
{
	FUZZ_CHECK(s.start_byte <= s.end_byte);
	FUZZ_CHECK(s.end_byte <= len);
}

static void check_facts(const pt_facts *f, size_t len)
{
	size_t pool = f->pool.b.len;
	for (size_t i = 0; i < f->items.n; i++) {
		const fact_item *it = &f->items.v[i];
		FUZZ_CHECK(it->parent >= -1 && it->parent < (int32_t)i);
		FUZZ_CHECK(it->name < pool && it->sig < pool && it->impl_self < pool &&
			   it->impl_trait < pool);
		FUZZ_CHECK(strlen(pt_strpool_get(&f->pool, it->sig)) <= 512 + 4);
		check_span(it->span, len);
		check_span(it->name_span, len);
	}
	for (size_t i = 0; i < f->uses.n; i++) {
		FUZZ_CHECK(f->uses.v[i].scope >= -1 && f->uses.v[i].scope < (int32_t)f->items.n);
		FUZZ_CHECK(f->uses.v[i].path < pool && f->uses.v[i].alias < pool);
		check_span(f->uses.v[i].span, len);
	}
	for (size_t i = 0; i < f->refs.n; i++) {
		const fact_ref *r = &f->refs.v[i];
		FUZZ_CHECK(r->from >= -1 && r->from < (int32_t)f->items.n);
		FUZZ_CHECK(r->path < pool && r->name < pool && r->recv_path < pool &&
			   r->recv_name < pool);
		check_span(r->span, len);
	}
	for (size_t i = 0; i < f->fields.n; i++) {
		FUZZ_CHECK(f->fields.v[i].owner >= 0 && f->fields.v[i].owner < (int32_t)f->items.n);
		FUZZ_CHECK(f->fields.v[i].name < pool && f->fields.v[i].type < pool);
	}
}

static void dump(const pt_strbuf *b)
{
	const char *dir = getenv("FUZZ_DUMP_FACTS");
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/facts-%016llx", dir,
		 (unsigned long long)pt_hash64(b->buf, b->len));
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(b->buf, 1, b->len, f);
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ex) {
		ex = pt_extractor_new();
		pt_extractor_set_timeout(ex, 1000000); /* 1 s: far below libFuzzer's -timeout */
	}
	pt_facts f, g;
	pt_facts_init(&f);
	pt_facts_init(&g);
	int rc = pt_extractor_text(ex, (const char *)data, size, &f);
	FUZZ_CHECK(rc == PT_OK || rc == PT_ETIMEDOUT || rc == PT_EINVAL);
	if (rc == PT_OK) {
		check_facts(&f, size);
		pt_strbuf b = {0}, c = {0};
		pt_facts_encode(&f, &b);
		dump(&b);
		FUZZ_CHECK(pt_facts_decode(b.buf, b.len, &g) == 0);
		FUZZ_CHECK(g.items.n == f.items.n && g.uses.n == f.uses.n && g.refs.n == f.refs.n &&
			   g.fields.n == f.fields.n && g.n_errors == f.n_errors &&
			   g.n_lines == f.n_lines);
		pt_facts_encode(&g, &c);
		FUZZ_CHECK(b.len == c.len && memcmp(b.buf, c.buf, b.len) == 0);
		pt_strbuf_free(&b);
		pt_strbuf_free(&c);
	}
	pt_facts_free(&f);
	pt_facts_free(&g);
	return 0;
}
