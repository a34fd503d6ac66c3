/* graph/tree.h — a document's syntax tree, opaque outside graph/.
 *
 * The language server keeps the last parse of every open buffer and tells
 * it about each edit, so that the next parse re-reads only what changed.
 * That is all a front end does with a tree: edit, copy, free; and an
 * exporter asks it where the call around a call site begins and ends. How
 * it is represented (a tree-sitter tree) is known only to graph/: the
 * extractor and the indexer make trees (pt_extractor_text_tree,
 * index_session_*), and pt_tree_parse makes one for those questions.
 */
#ifndef PT_GRAPH_TREE_H
#define PT_GRAPH_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pt_tree pt_tree;

/* A place in a text: 0-based line and byte column in that line. */
typedef struct {
	uint32_t line, col;
} pt_point;

/* One edit of the text a tree was parsed from: bytes [start, old_end)
 * became [start, new_end), with the points of those three offsets (in the
 * text before the edit for start and old_end, after it for new_end). */
typedef struct {
	uint32_t start_byte, old_end_byte, new_end_byte;
	pt_point start, old_end, new_end;
} pt_tree_edit;

/* Tell the tree about an edit, so it matches the edited text. */
void pt_tree_apply_edit(pt_tree *self, const pt_tree_edit *edit);
/* An independent copy (cheap: subtrees are shared); caller frees. */
pt_tree *pt_tree_copy(const pt_tree *self);
void pt_tree_free(pt_tree *self); /* accepts NULL */

/* Parse Rust text (len bytes, need not be NUL-terminated) within the
 * extractor's default time budget; NULL if the parser gave up. Caller
 * frees. */
pt_tree *pt_tree_parse(const char *text, size_t len);
/* The call written around a call site: [start, end) is where a call edge
 * is recorded (the callee's last name segment, or the method's name).
 * Gives the range of the innermost call expression or macro invocation
 * whose callee holds the site (for `f` in `a.b(41).f(42)`, all of it);
 * for a call read from a macro's tokens (`println!("{}", f(x))`), from the
 * site to its argument list's end. false when no call holds the site. */
bool pt_tree_call_range(const pt_tree *self, pt_point start, pt_point end, pt_point *call_start,
			pt_point *call_end);

#endif
