/* graph/tree_int.h — what graph/ itself knows of a pt_tree: it wraps one
 * tree-sitter tree. Included by the extractor and the indexer only. */
#ifndef PT_GRAPH_TREE_INT_H
#define PT_GRAPH_TREE_INT_H

#include <tree_sitter/api.h>

#include "tree.h"

/* Takes ownership of ts (not NULL). */
pt_tree *pt_tree_wrap(TSTree *ts);
/* The tree-sitter tree inside (borrowed; NULL for a NULL tree). */
const TSTree *pt_tree_ts(const pt_tree *self);

#endif
