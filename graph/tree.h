/* graph/tree.h — a document's syntax tree, opaque outside graph/.
 *
 * The language server keeps the last parse of every open buffer and tells
 * it about each edit, so that the next parse re-reads only what changed.
 * That is all a front end does with a tree: edit, copy, free. How it is
 * represented (a tree-sitter tree) is known only to the extractor and the
 * indexer, which make trees (pt_extractor_text_tree, index_session_*).
 */
#ifndef PT_GRAPH_TREE_H
#define PT_GRAPH_TREE_H

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

#endif
