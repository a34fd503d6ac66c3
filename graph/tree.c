/* graph/tree.c — see tree.h. A pt_tree owns one tree-sitter tree. */
#include "tree_int.h"

#include <string.h>

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

const TSLanguage *tree_sitter_rust(void);

pt_tree *pt_tree_parse(const char *text, size_t len)
{
	if (len > UINT32_MAX)
		return NULL;
	TSParser *p = ts_parser_new();
	ts_parser_set_language(p, tree_sitter_rust());
	ts_parser_set_timeout_micros(p, 2000000);
	TSTree *t = ts_parser_parse_string(p, NULL, text, (uint32_t)len);
	ts_parser_delete(p);
	return t ? pt_tree_wrap(t) : NULL;
}

static bool point_le(TSPoint a, TSPoint b)
{
	return a.row < b.row || (a.row == b.row && a.column <= b.column);
}

/* Does node n hold [s, e)? */
static bool holds(TSNode n, TSPoint s, TSPoint e)
{
	return !ts_node_is_null(n) && point_le(ts_node_start_point(n), s) &&
	       point_le(e, ts_node_end_point(n));
}

static pt_point pt_of(TSPoint p)
{
	return (pt_point){.line = p.row, .col = p.column};
}

/* A call read from a macro's tokens: the name, then a `( .. )` token tree. */
static bool token_call(TSNode name, pt_point *cs, pt_point *ce)
{
	TSNode args = ts_node_next_sibling(name);
	if (ts_node_is_null(args) || strcmp(ts_node_type(args), "token_tree") != 0 ||
	    ts_node_child_count(args) == 0 ||
	    strcmp(ts_node_type(ts_node_child(args, 0)), "(") != 0)
		return false;
	*cs = pt_of(ts_node_start_point(name));
	*ce = pt_of(ts_node_end_point(args));
	return true;
}

bool pt_tree_call_range(const pt_tree *self, pt_point start, pt_point end, pt_point *call_start,
			pt_point *call_end)
{
	TSPoint s = {start.line, start.col}, e = {end.line, end.col};
	TSNode n = ts_node_descendant_for_point_range(ts_tree_root_node(self->ts), s, e);
	if (!ts_node_is_null(ts_node_parent(n)) &&
	    strcmp(ts_node_type(ts_node_parent(n)), "token_tree") == 0)
		return token_call(n, call_start, call_end);
	for (; !ts_node_is_null(n); n = ts_node_parent(n)) {
		const char *t = ts_node_type(n);
		bool call = strcmp(t, "call_expression") == 0 &&
			    holds(ts_node_child_by_field_name(n, "function", 8), s, e);
		bool mac = strcmp(t, "macro_invocation") == 0 &&
			   holds(ts_node_child_by_field_name(n, "macro", 5), s, e);
		if (call || mac) {
			*call_start = pt_of(ts_node_start_point(n));
			*call_end = pt_of(ts_node_end_point(n));
			return true;
		}
		size_t len = strlen(t);
		if (len > 5 && strcmp(t + len - 5, "_item") == 0)
			return false;
	}
	return false;
}
