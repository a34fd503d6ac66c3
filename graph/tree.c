/* graph/tree.c — see tree.h. A pt_tree owns one tree-sitter tree. */
#include "tree_int.h"

#include "../core/base.h"

struct pt_tree {
	TSTree *ts;
};

pt_tree *pt_tree_wrap(TSTree *ts)
{
	pt_assert(ts != NULL);
	pt_tree *t = pt_xmalloc(sizeof *t);
	t->ts = ts;
	return t;
}

const TSTree *pt_tree_ts(const pt_tree *self)
{
	return self ? self->ts : NULL;
}

static TSPoint ts_point(pt_point p)
{
	return (TSPoint){.row = p.line, .column = p.col};
}

void pt_tree_apply_edit(pt_tree *self, const pt_tree_edit *e)
{
	pt_assert(e->start_byte <= e->old_end_byte && e->start_byte <= e->new_end_byte);
	TSInputEdit ed = {.start_byte = e->start_byte,
			  .old_end_byte = e->old_end_byte,
			  .new_end_byte = e->new_end_byte,
			  .start_point = ts_point(e->start),
			  .old_end_point = ts_point(e->old_end),
			  .new_end_point = ts_point(e->new_end)};
	ts_tree_edit(self->ts, &ed);
}

pt_tree *pt_tree_copy(const pt_tree *self)
{
	return pt_tree_wrap(ts_tree_copy(self->ts));
}

void pt_tree_free(pt_tree *self)
{
	if (!self)
		return;
	ts_tree_delete(self->ts);
	free(self);
}
