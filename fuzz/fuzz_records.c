/* fuzz/fuzz_records.c — the record decoders on arbitrary bytes.
 *
 * Every decoder of a stored value (store/records.c: files, edges,
 * entities; graph/facts.c: cached per-file facts) must reject a scribbled
 * value, never read outside it. What a decoder accepts must survive
 * encode → decode unchanged, and re-encoding a decoded facts blob must
 * give back the same bytes.
 */
#include <stdint.h>
#include <string.h>

#include "../graph/facts.h"
#include "../store/records.h"
#include "fuzz_common.h"

static void check_file(const uint8_t *d, size_t n)
{
	rec_file r, r2;
	memset(&r, 0, sizeof r);
	if (rec_file_decode(d, n, &r) != 0)
		return;
	uint8_t out[REC_FILE_SIZE];
	rec_file_encode(&r, out);
	memset(&r2, 0, sizeof r2);
	FUZZ_CHECK(rec_file_decode(out, sizeof out, &r2) == 0);
	FUZZ_CHECK(memcmp(&r, &r2, sizeof r) == 0);
}

static void check_edges(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + REC_EDGE_SIZE <= n; i += REC_EDGE_SIZE) {
		rec_edge e, e2;
		memset(&e, 0, sizeof e);
		memset(&e2, 0, sizeof e2);
		rec_edge_decode(d + i, &e);
		uint8_t out[REC_EDGE_SIZE];
		rec_edge_encode(&e, out);
		rec_edge_decode(out, &e2);
		FUZZ_CHECK(memcmp(&e, &e2, sizeof e) == 0);
	}
}

static void check_entity(const uint8_t *d, size_t n)
{
	rec_entity r, r2;
	memset(&r, 0, sizeof r);
	if (rec_entity_decode(d, n, &r) != 0)
		return;
	/* the strings lie inside the value */
	const char *lo = (const char *)d, *hi = lo + n;
	FUZZ_CHECK(r.name >= lo && r.name + strlen(r.name) < hi);
	FUZZ_CHECK(r.qpath >= lo && r.qpath + strlen(r.qpath) < hi);
	FUZZ_CHECK(r.sig >= lo && r.sig + strlen(r.sig) < hi);
	pt_strbuf b = {0};
	rec_entity_encode(&r, &b);
	memset(&r2, 0, sizeof r2);
	FUZZ_CHECK(rec_entity_decode(b.buf, b.len, &r2) == 0);
	FUZZ_CHECK(r.id == r2.id && r.parent == r2.parent && r.sig_hash == r2.sig_hash &&
		   r.file == r2.file);
	FUZZ_CHECK(r.kind == r2.kind && r.flags == r2.flags && r.disamb == r2.disamb);
	FUZZ_CHECK(r.start_byte == r2.start_byte && r.end_byte == r2.end_byte && r.sl == r2.sl &&
		   r.ec == r2.ec);
	FUZZ_CHECK(r.nsl == r2.nsl && r.nsc == r2.nsc && r.nel == r2.nel && r.nec == r2.nec);
	FUZZ_CHECK(strcmp(r.name, r2.name) == 0 && strcmp(r.qpath, r2.qpath) == 0 &&
		   strcmp(r.sig, r2.sig) == 0);
	pt_strbuf_free(&b);
}

static void check_facts(const uint8_t *d, size_t n)
{
	pt_facts f, g;
	pt_facts_init(&f);
	pt_facts_init(&g);
	if (pt_facts_decode(d, n, &f) == 0) {
		/* every string offset points inside the pool */
		for (size_t i = 0; i < f.items.n; i++) {
			FUZZ_CHECK(f.items.v[i].name < f.pool.b.len &&
				   f.items.v[i].sig < f.pool.b.len);
			FUZZ_CHECK(f.items.v[i].parent < (int32_t)i);
		}
		pt_strbuf b = {0};
		pt_facts_encode(&f, &b);
		FUZZ_CHECK(pt_facts_decode(b.buf, b.len, &g) == 0);
		pt_strbuf c = {0};
		pt_facts_encode(&g, &c);
		FUZZ_CHECK(b.len == c.len && memcmp(b.buf, c.buf, b.len) == 0);
		pt_strbuf_free(&b);
		pt_strbuf_free(&c);
	}
	pt_facts_free(&f);
	pt_facts_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* each decoder on the whole input: libFuzzer (and the replayer) hand
	 * over an exact-size buffer, so a read past the end is caught */
	check_file(data, size);
	check_edges(data, size);
	check_entity(data, size);
	check_facts(data, size);
	return 0;
}
