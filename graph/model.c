/* graph/model.c — names of kinds and relations; the graph value. */
#include "model.h"

#include <string.h>

static const char *const kind_names[PT_KIND_MAX] = {
	[PT_CRATE] = "crate",           [PT_MODULE] = "module",   [PT_FUNCTION] = "function",
	[PT_METHOD] = "method",         [PT_STRUCT] = "struct",   [PT_ENUM] = "enum",
	[PT_UNION] = "union",           [PT_TRAIT] = "trait",     [PT_IMPL] = "impl",
	[PT_TYPE_ALIAS] = "type_alias", [PT_CONST] = "const",     [PT_STATIC] = "static",
	[PT_MACRO] = "macro",           [PT_VARIANT] = "variant",
};

static const char *const rel_names[REL_MAX] = {
	[REL_CONTAINS] = "CONTAINS", [REL_DEFINES] = "DEFINES", [REL_IMPL] = "IMPL",
	[REL_CALLS] = "CALLS",       [REL_USES] = "USES",
};

const char *pt_kind_name(pt_kind k)
{
	return (k > 0 && k < PT_KIND_MAX) ? kind_names[k] : "unknown";
}

int pt_kind_from_name(const char *s)
{
	for (int k = 1; k < PT_KIND_MAX; k++)
		if (strcmp(kind_names[k], s) == 0)
			return k;
	return 0;
}

const char *pt_rel_name(pt_rel r)
{
	return (r > 0 && r < REL_MAX) ? rel_names[r] : "UNKNOWN";
}

void pt_graph_init(pt_graph *g)
{
	memset(g, 0, sizeof *g);
	pt_strpool_init(&g->pool);
}

void pt_graph_free(pt_graph *g)
{
	if (!g)
		return;
	pt_vec_free(&g->ents);
	pt_vec_free(&g->edges);
	pt_strpool_free(&g->pool);
}

uint64_t pt_graph_entity_id(int kind, const char *qpath, uint32_t disamb)
{
	uint64_t h = pt_hash64_seed(qpath, strlen(qpath), (uint64_t)kind);
	if (disamb)
		h = pt_hash64_seed(&disamb, sizeof disamb, h);
	return h ? h : 1;
}
