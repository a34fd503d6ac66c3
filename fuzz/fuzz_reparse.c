/* fuzz/fuzz_reparse.c — incremental re-parsing of open documents.
 *
 * The editor path: lsp/text.c edits a document's tree (pt_tree_apply_edit) with
 * every change, and the indexer hands that tree to the extractor as the
 * old tree. Whatever the edits — utf-8, utf-16 or utf-32 positions, past
 * the end, reversed ranges, CRLF, invalid UTF-8, several changes per
 * didChange, whole-text replacements — the facts extracted with the old
 * tree must be exactly those of a parse from scratch of the same text,
 * whenever that text parses without syntax errors (see reindex).
 *
 * Input layout (as fuzz_text): byte 0 picks the encoding; a 2-byte length
 * and the initial text; then edits: a flag byte (bit 0+1 both set: whole
 * text; bit 4: this edit ends a didChange batch and the indexer runs), four
 * 1-byte coordinates, a 1-byte length and that many bytes of new text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../graph/extract.h"
#include "../lsp/text.h"
#include "fuzz_common.h"

static pt_extractor *ex;

static void blob(const char *text, size_t len, const pt_tree *old, pt_tree **out, pt_strbuf *b,
		 int *rc)
{
	pt_facts f;
	pt_facts_init(&f);
	*rc = pt_extractor_text_tree(ex, text, len, old, out, &f);
	b->len = 0;
	if (*rc == PT_OK)
		pt_facts_encode(&f, b);
	pt_facts_free(&f);
}

/* No error node in the parse (facts blob header: n_errors). */
static bool clean(const char *b, size_t n)
{
	pt_facts f;
	pt_facts_init(&f);
	bool ok = pt_facts_decode(b, n, &f) == 0 && f.n_errors == 0;
	pt_facts_free(&f);
	return ok;
}

/* The indexer's step: snapshot, re-parse with the edited tree, compare
 * with a parse from scratch, hand the new tree back. */
static void reindex(lsp_docs *docs, const char *uri)
{
	char *text;
	size_t len;
	int64_t stamp;
	pt_tree *old = NULL, *fresh = NULL;
	FUZZ_CHECK(lsp_docs_snapshot(docs, uri, &text, &len, &stamp, &old));
	pt_strbuf inc = {0}, full = {0};
	int rc1, rc2;
	blob(text, len, old, &fresh, &inc, &rc1);
	blob(text, len, NULL, NULL, &full, &rc2);
	/* Only texts that parse without errors: where tree-sitter has to
	 * recover from errors, its result depends on the old tree (error
	 * recovery is not history-independent), so an incremental parse of a
	 * broken text may legitimately differ from a parse from scratch — see
	 * fuzz/findings/reparse/ for such a case, reported to the lead. */
	if (rc1 == PT_OK && rc2 == PT_OK && clean(full.buf, full.len))
		FUZZ_CHECK(inc.len == full.len && memcmp(inc.buf, full.buf, inc.len) == 0);
	if (old)
		pt_tree_free(old);
	if (fresh)
		lsp_docs_set_tree(docs, uri, stamp, fresh);
	pt_strbuf_free(&inc);
	pt_strbuf_free(&full);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	if (!ex) {
		ex = pt_extractor_new();
		pt_extractor_set_timeout(ex, 1000000);
	}
	static const lsp_enc encs[] = {LSP_UTF8, LSP_UTF16, LSP_UTF32};
	lsp_enc e = encs[data[0] % 3];
	size_t tl = (size_t)data[1] | (size_t)data[2] << 8, at = 3;
	if (tl > size - at)
		tl = size - at;
	const char *uri = "file:///fuzz/lib.rs";
	lsp_docs *docs = lsp_docs_new();
	lsp_docs_open(docs, uri, (const char *)data + 3, tl, 1);
	at += tl;
	reindex(docs, uri);
	PT_VEC(lsp_change) batch = {0};
	int64_t version = 2;
	while (at + 6 <= size && version < 200) {
		const uint8_t *h = data + at;
		size_t n = h[5];
		at += 6;
		if (n > size - at)
			n = size - at;
		lsp_change c = {.whole = (h[0] & 3) == 3,
				.range = {{h[1] % 16, h[2]}, {h[3] % 16, h[4]}},
				.text = (const char *)data + at,
				.len = n};
		if (h[0] & 4)
			c.range.start.character = h[2] * 1000u;
		at += n;
		pt_vec_push(&batch, c);
		if ((h[0] & 16) || at + 6 > size) {
			FUZZ_CHECK(lsp_docs_change(docs, uri, version++, batch.v, batch.n, e));
			batch.n = 0;
			reindex(docs, uri);
		}
	}
	if (batch.n) {
		FUZZ_CHECK(lsp_docs_change(docs, uri, version, batch.v, batch.n, e));
		reindex(docs, uri);
	}
	pt_vec_free(&batch);
	lsp_docs_free(docs);
	return 0;
}
