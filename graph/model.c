/* graph/model.c — names of kinds and relations. */
#include "model.h"

#include <string.h>

static const char *const kind_names[PT_KIND_MAX] = {
	[PT_CRATE] = "crate",           [PT_MODULE] = "module", [PT_FUNCTION] = "function",
	[PT_METHOD] = "method",         [PT_STRUCT] = "struct", [PT_ENUM] = "enum",
	[PT_UNION] = "union",           [PT_TRAIT] = "trait",   [PT_IMPL] = "impl",
	[PT_TYPE_ALIAS] = "type_alias", [PT_CONST] = "const",   [PT_STATIC] = "static",
	[PT_MACRO] = "macro",
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
