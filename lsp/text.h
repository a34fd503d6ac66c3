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
/* Byte offset (clamped to the text) → graph (line, byte column). */
void lsp_lines_graph_at(const lsp_lines *self, size_t off, uint32_t *line, uint32_t *col);
/* Byte offset (clamped) → LSP position, exactly as lsp_text_position. */
lsp_pos lsp_lines_position(const lsp_lines *self, size_t off, lsp_enc e);

/* One-shot conversions without a table: they scan from the start of the
 * text, so they cost O(offset). The server converts through tables
 * (O(log lines + line length)); these stay as the plain reference the
 * tests and the fuzzer compare the tables with. */
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

/* ---- shared texts ------------------------------------------------------- */

/* An immutable text with its line table, shared by reference counting: one
 * content version of an open document, or a file as read from disk. The
 * table is built once per version, so every conversion on it costs
 * O(log lines + line length) however many requests use it. Any thread may
 * take and drop references. */
typedef struct lsp_doctext lsp_doctext;

/* A new text (the len bytes at text are copied; NUL-terminated), one reference. */
lsp_doctext *lsp_doctext_new(const char *text, size_t len);
/* Another reference to self (returned). */
lsp_doctext *lsp_doctext_ref(lsp_doctext *self);
/* Drops a reference; the last one frees the text. Accepts NULL. */
void lsp_doctext_unref(lsp_doctext *self);
/* The line table; its text (NUL-terminated) lives as long as self. */
const lsp_lines *lsp_doctext_lines(const lsp_doctext *self);
/* A new text (one reference): self with the ranged change c applied, its
 * positions in encoding e on self's text, exactly as lsp_apply_changes
 * would; the line table is derived from self's, not rebuilt. When ed is
 * not NULL it receives the edit in tree-sitter's terms (bytes and
 * (line, byte column) points) for pt_tree_apply_edit. */
lsp_doctext *lsp_doctext_edit(const lsp_doctext *self, const lsp_change *c, lsp_enc e,
			      pt_tree_edit *ed);

/* Texts of files on disk, kept while the file is unchanged. */
typedef struct lsp_filecache lsp_filecache;

/* A cache holding at most about max_bytes of text. */
lsp_filecache *lsp_filecache_new(size_t max_bytes);
void lsp_filecache_free(lsp_filecache *self); /* accepts NULL */
/* The text of the regular file at path (a reference, caller unrefs), or
 * NULL with errno set. A kept text is returned again only while the file's
 * device, inode, size, mtime and ctime are those seen when it was read, and
 * only if its mtime was then at least two seconds old: a file written in
 * the same timestamp tick as the read could have changed without changing
 * its stat, so it is read again until it is older. Thread-safe. */
lsp_doctext *lsp_filecache_get(lsp_filecache *self, const char *path);

/* ---- open documents, continued ---------------------------------------------- */

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
/* The document's current text (a reference, caller unrefs); NULL if not open. */
lsp_doctext *lsp_docs_text(lsp_docs *self, const char *uri);
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
