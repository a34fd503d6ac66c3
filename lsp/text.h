/* lsp/text.h — open documents and LSP positions.
 *
 * LSP positions are (line, character) where "character" counts code units
 * of the negotiated encoding (utf-8 bytes, utf-16 units, or code points);
 * the graph stores 0-based lines and 0-based BYTE columns. This module
 * converts between the two on the actual text, and keeps the text of every
 * document the editor has open (applying incremental edits in order).
 *
 * Lines are split at '\n' only, as tree-sitter (and so the graph) counts
 * them; a '\r' before the '\n' is not part of the line's length. Invalid
 * UTF-8 bytes count as one unit each in every encoding. Positions past the
 * end of a line clamp to its end; lines past the end clamp to the end of
 * the text; a character inside a multi-unit character maps to its start.
 */
#ifndef PT_LSP_TEXT_H
#define PT_LSP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base.h"
#include "../graph/tree.h"

typedef enum {
	LSP_UTF8 = 8,
	LSP_UTF16 = 16,
	LSP_UTF32 = 32
} lsp_enc;

typedef struct {
	uint32_t line, character;
} lsp_pos;
typedef struct {
	lsp_pos start, end;
} lsp_range;

/* "utf-8" / "utf-16" / "utf-32" and back; 0 for an unknown name. */
const char *lsp_enc_name(lsp_enc e);
lsp_enc lsp_enc_from_name(const char *s);

/* Code units (in e) of the n bytes at s. */
uint32_t lsp_units(const char *s, size_t n, lsp_enc e);
/* Bytes of s (n bytes, one line) covering `units` code units, clamped to
 * n and never splitting a character. */
size_t lsp_bytes_for_units(const char *s, size_t n, uint32_t units, lsp_enc e);

/* A line table over a text (borrowed: the text must outlive it). */
typedef struct {
	const char *text;
	size_t len;
	PT_VEC(size_t) starts; /* byte offset of each line; starts.n = lines */
} lsp_lines;

void lsp_lines_init(lsp_lines *self, const char *text, size_t len);
void lsp_lines_free(lsp_lines *self);
/* Byte length of line l without its line end (0 past the end). */
size_t lsp_lines_len(const lsp_lines *self, uint32_t l);
/* LSP position → byte offset in the text (clamped). */
size_t lsp_lines_offset(const lsp_lines *self, lsp_pos p, lsp_enc e);
/* LSP position → (line, byte column) as the graph counts them (clamped). */
void lsp_lines_to_graph(const lsp_lines *self, lsp_pos p, lsp_enc e, uint32_t *line, uint32_t *col);
/* Graph (line, byte column) → LSP position. */
lsp_pos lsp_lines_from_graph(const lsp_lines *self, uint32_t line, uint32_t col, lsp_enc e);

/* One-shot conversions without a table (scan from the start). */
size_t lsp_text_offset(const char *text, size_t len, lsp_pos p, lsp_enc e);
lsp_pos lsp_text_position(const char *text, size_t len, size_t offset, lsp_enc e);

/* ---- open documents ----------------------------------------------------- */

/* One entry of textDocument/didChange's contentChanges: whole replaces the
 * full text (no range given), otherwise range is replaced. text borrowed. */
typedef struct {
	bool whole;
	lsp_range range;
	const char *text;
	size_t len;
} lsp_change;

/* Apply changes in order to buf (positions in encoding e). */
void lsp_apply_changes(pt_strbuf *buf, const lsp_change *ch, size_t n, lsp_enc e);

/* The set of open documents, by URI. Thread-safe (one mutex): the
 * dispatcher edits it, the indexer and the file watcher read it. */
typedef struct lsp_docs lsp_docs;

lsp_docs *lsp_docs_new(void);
void lsp_docs_free(lsp_docs *self); /* accepts NULL */
/* Open (or reopen: replace) a document; text copied. */
void lsp_docs_open(lsp_docs *self, const char *uri, const char *text, size_t len, int64_t version);
/* Apply changes; returns false if the document is not open. */
bool lsp_docs_change(lsp_docs *self, const char *uri, int64_t version, const lsp_change *ch,
		     size_t n, lsp_enc e);
/* Returns false if it was not open. */
bool lsp_docs_close(lsp_docs *self, const char *uri);
bool lsp_docs_is_open(lsp_docs *self, const char *uri);
/* A copy of the text (caller frees *text; NUL-terminated); false if not open. */
bool lsp_docs_get(lsp_docs *self, const char *uri, char **text, size_t *len, int64_t *version);
/* The document's syntax tree, kept edited (pt_tree_apply_edit) in step with
 * every change, for tree-sitter to re-parse incrementally.
 * snapshot: a copy of the text and of the tree (NULL when there is none:
 * never parsed, or replaced whole), and a stamp naming that text (not the
 * LSP version: it also changes when the document is reopened); false if
 * the document is not open. Caller frees text and deletes the tree.
 * set_tree: the tree parsed from the text of `stamp` (ownership taken);
 * kept only if the document still has that text, else deleted. */
bool lsp_docs_snapshot(lsp_docs *self, const char *uri, char **text, size_t *len, int64_t *stamp,
		       pt_tree **tree);
void lsp_docs_set_tree(lsp_docs *self, const char *uri, int64_t stamp, pt_tree *tree);

/* URIs of every open document (caller frees each and the array). */
size_t lsp_docs_list(lsp_docs *self, char ***uris);

#endif
