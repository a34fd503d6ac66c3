/* graph/extract.h — Rust source text → pt_facts, with tree-sitter.
 *
 * One extractor per thread (it owns a TSParser). Parsing is bounded: a file
 * whose parse exceeds the time budget is reported as PT_ETIMEDOUT and
 * yields no facts. Syntax errors are not failures: what parses is
 * extracted and facts.n_errors counts the error nodes.
 */
#ifndef PT_GRAPH_EXTRACT_H
#define PT_GRAPH_EXTRACT_H

#include "../core/error.h"
#include "facts.h"
#include "macro.h"
#include "tree.h"

/* Bump whenever the facts a given text yields change: cached facts from
 * another version are re-extracted by the next index run. */
#define EXTRACT_VERSION 38

typedef struct pt_extractor pt_extractor;

pt_extractor *pt_extractor_new(void);
void pt_extractor_free(pt_extractor *self); /* accepts NULL */
/* Parse text (len bytes, need not be NUL-terminated) and append the facts
 * to out (which must be initialised and is normally empty). */
int pt_extractor_text(pt_extractor *self, const char *text, size_t len, pt_facts *out);
/* As pt_extractor_text, reusing old (a previous tree of this document, already
 * edited with pt_tree_apply_edit to match text; NULL: none) so the parser
 * re-reads only what changed. With out_tree, the new tree is returned
 * there (caller frees with pt_tree_free) for the next edit. */
int pt_extractor_text_tree(pt_extractor *self, const char *text, size_t len, const pt_tree *old,
			   pt_tree **out_tree, pt_facts *out);
/* The macro_rules! definitions of other files the next extraction may
 * expand where this file invokes them (graph/macro.h says how the indexer
 * chooses them): borrowed until that extraction returns, forgotten after
 * it. The facts record which (import_key, imported), and calls written in
 * their bodies are placed in their files (xsites). */
void pt_extractor_set_imports(pt_extractor *x, const pt_macro_import *imp, size_t n);
/* pt_macro_scan of the text the next extraction gets, when the caller has it
 * (borrowed until that extraction returns): not scanned again. */
void pt_extractor_set_scan(pt_extractor *x, const pt_facts *scan);
/* Keep the trees of macro expansions from one extraction to the next (off
 * by default): re-extracting a file after a small edit then parses only the
 * expansions whose text changed. Memory: the trees of the expansions of the
 * last file extracted. For an extractor that sees the same file again and
 * again (an editor session), not one that walks a workspace. */
void pt_extractor_keep_parses(pt_extractor *x, bool on);
/* Parse budget in microseconds (default 2,000,000). */
void pt_extractor_set_timeout(pt_extractor *self, uint64_t micros);

#endif
