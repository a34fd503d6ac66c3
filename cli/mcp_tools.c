/* cli/mcp_tools.c — the tools: their names, descriptions, input and
 * output schemas, the checking of arguments, and tools/call.
 *
 * Each tool's inputSchema is made from the same table its arguments are
 * checked against, so the two cannot disagree. Descriptions are short:
 * agents read them with every request.
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arguments --------------------------------------------------------------- */

typedef struct {
	const char *name;
	char type; /* 's' string, 'i' integer, 'a' array of strings */
	const char *desc;
	long min, max;
	const char *choices; /* '|'-separated, or NULL */
} arg_spec;

enum {
	A_TARGET,
	A_LIMIT,
	A_OFFSET,
	A_TOKENS,
	A_DEPTH,
	A_LEVEL,
	A_QUERY,
	A_KIND,
	A_FILE,
	A_DIFF,
	A_FILES,
	A_N
};

static const arg_spec args[A_N] = {
	[A_TARGET] = {"target", 's',
		      "A name (push), a path suffix (Vec::push, crate::m::f) or FILE:LINE[:COL] "
		      "(workspace-relative, 1-based).",
		      0, 0, NULL},
	[A_LIMIT] = {"limit", 'i', "At most this many results.", 1, 1000, NULL},
	[A_OFFSET] = {"offset", 'i', "Skip this many results (the next page: next_offset).", 0,
		      100000000, NULL},
	[A_TOKENS] = {"tokens", 'i', "Budget of the answer, in tokens.", 100, 100000, NULL},
	[A_DEPTH] = {"depth", 'i', "How many steps back from the target.", 1, 10, NULL},
	[A_LEVEL] = {"level", 's', "Cycles between modules, between functions, or both.", 0, 0,
		     "all|module|function"},
	[A_QUERY] = {"query", 's', "Part of a name: exact, prefix and fuzzy matches.", 0, 0, NULL},
	[A_KIND] = {"kind", 's', "Only items of this kind.", 0, 0,
		    "function|method|struct|enum|union|trait|impl|type_alias|const|static|macro|"
		    "module|crate"},
	[A_FILE] = {"file", 's', "Workspace-relative path of a Rust file.", 0, 0, NULL},
	[A_DIFF] = {"diff", 's',
		    "What git diff compares: a revision (HEAD: uncommitted changes, the default; "
		    "main) or a range (main...HEAD). The graph is the working tree's.",
		    0, 0, NULL},
	[A_FILES] = {"files", 'a',
		     "Only these workspace-relative files; without git, every item in them counts "
		     "as changed.",
		     0, 0, NULL},
};

/* ---- the tools --------------------------------------------------------------- */

typedef enum {
	OUT_LIST,
	OUT_CONTEXT,
	OUT_IMPACT
} out_shape;

typedef struct {
	const char *name, *title, *desc;
	mcp_tool_fn fn;
	int args[6]; /* A_* ids, -1 ends; the first `required` ones are required */
	int required;
	long def_limit, def_tokens, def_depth;
	out_shape shape;
	const char *item; /* which item schema: "ref", "impl", "blast", "cycle", "entity" */
} tool;

#define END -1
static const tool tools[] = {
	{"context",
	 "Context for one item",
	 "Everything to know before working on one item, within a token budget: signature, "
	 "location, source, ranked callers, callees, implementations and types it uses.",
	 mcp_tool_context,
	 {A_TARGET, A_TOKENS, END},
	 1,
	 0,
	 2000,
	 0,
	 OUT_CONTEXT,
	 NULL},
	{"where_defined",
	 "Where an item is defined",
	 "Where the items a target names are defined: kind, file:line, signature.",
	 mcp_tool_where_defined,
	 {A_TARGET, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 20,
	 2000,
	 0,
	 OUT_LIST,
	 "entity"},
	{"search",
	 "Search items by name",
	 "Items whose name matches: exact, then prefix, then fuzzy (subsequence) matches.",
	 mcp_tool_search,
	 {A_QUERY, A_KIND, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 20,
	 2000,
	 0,
	 OUT_LIST,
	 "entity"},
	{"callers",
	 "Callers",
	 "Functions and methods that call the target, with call sites. Ranked: the target's "
	 "module and crate first; cfg'd-out code, tests, examples and benches last.",
	 mcp_tool_callers,
	 {A_TARGET, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 100,
	 2000,
	 0,
	 OUT_LIST,
	 "ref"},
	{"callees",
	 "Callees",
	 "What the target calls, with call sites, ranked as for callers.",
	 mcp_tool_callees,
	 {A_TARGET, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 100,
	 2000,
	 0,
	 OUT_LIST,
	 "ref"},
	{"references",
	 "References",
	 "Every call, use and impl of the target, one entry per referring item, with sites.",
	 mcp_tool_references,
	 {A_TARGET, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 100,
	 2000,
	 0,
	 OUT_LIST,
	 "ref"},
	{"what_implements",
	 "Implementations",
	 "impl blocks and #[derive]s of a trait; on a type, the traits it implements; on a trait "
	 "method, the methods implementing it.",
	 mcp_tool_what_implements,
	 {A_TARGET, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 100,
	 2000,
	 0,
	 OUT_LIST,
	 "impl"},
	{"blast_radius",
	 "Blast radius",
	 "What may break if the target changes: items reaching it through calls, uses and impls, "
	 "up to depth, each with its path from the target.",
	 mcp_tool_blast_radius,
	 {A_TARGET, A_DEPTH, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 100,
	 2000,
	 3,
	 OUT_LIST,
	 "blast"},
	{"impact",
	 "Impact of a change",
	 "Items whose signature or body a change touches (a git diff, default: uncommitted "
	 "changes; or given files) and what may break: their blast radius, ranked.",
	 mcp_tool_impact,
	 {A_DIFF, A_FILES, A_DEPTH, A_LIMIT, A_OFFSET, A_TOKENS},
	 0,
	 100,
	 2000,
	 2,
	 OUT_IMPACT,
	 NULL},
	{"find_cycles",
	 "Dependency cycles",
	 "Cycles between modules (calls and uses lifted to modules) and in the call graph.",
	 mcp_tool_find_cycles,
	 {A_LEVEL, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 0,
	 50,
	 2000,
	 0,
	 OUT_LIST,
	 "cycle"},
	{"entities_in_file",
	 "Items in a file",
	 "The items defined in a file in source order, with signatures: an outline.",
	 mcp_tool_entities_in_file,
	 {A_FILE, A_KIND, A_LIMIT, A_OFFSET, A_TOKENS, END},
	 1,
	 200,
	 2000,
	 0,
	 OUT_LIST,
	 "entity"},
};
#define N_TOOLS (sizeof tools / sizeof *tools)

/* ---- schemas ------------------------------------------------------------------ */

static json_t *t_type(const char *type)
{
	return json_pack("{s:s}", "type", type);
}

static json_t *t_array(json_t *items)
{
	return json_pack("{s:s,s:o}", "type", "array", "items", items);
}

/* An object with these properties (stolen) and required names ("a,b"). */
static json_t *t_object(json_t *props, const char *required)
{
	json_t *o = json_pack("{s:s,s:o}", "type", "object", "properties", props);
	json_t *req = json_array();
	for (const char *p = required; p && *p;) {
		size_t n = strcspn(p, ",");
		json_array_append_new(req, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	json_object_set_new(o, "required", req);
	return o;
}

static json_t *t_counts(void)
{
	return json_pack("{s:s,s:{s:s}}", "type", "object", "additionalProperties", "type",
			 "integer");
}

/* Output schemas name their shared parts in $defs (an entity, the index's
 * state, the tool's item), so that tools/list stays short. */
static json_t *ref(const char *def)
{
	char r[64];
	snprintf(r, sizeof r, "#/$defs/%s", def);
	return json_pack("{s:s}", "$ref", r);
}

/* An entity with more properties (stolen) and required names. */
static json_t *entity_plus(json_t *extra, const char *required)
{
	json_t *o = t_object(extra, required);
	json_object_set_new(o, "$ref", json_string("#/$defs/entity"));
	return o;
}

static json_t *s_entity(void)
{
	return t_object(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "path", t_type("string"),
				  "kind", t_type("string"), "file", t_type("string"), "line",
				  t_type("integer"), "end_line", t_type("integer"), "column",
				  t_type("integer"), "signature", t_type("string"), "external",
				  t_type("boolean")),
			"path,kind,file,line");
}

static json_t *s_item(const char *which)
{
	if (strcmp(which, "impl") == 0)
		return t_object(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "kind",
					  json_pack("{s:[s,s]}", "enum", "impl", "derive"), "type",
					  t_type("string"), "trait", t_type("string"), "file",
					  t_type("string"), "line", t_type("integer"), "column",
					  t_type("integer"), "group", t_type("string"), "macro",
					  t_type("boolean")),
				"kind,type,trait,file,line,group");
	if (strcmp(which, "cycle") == 0)
		return t_object(json_pack("{s:o,s:o,s:o}", "level",
					  json_pack("{s:[s,s]}", "enum", "module", "function"),
					  "size", t_type("integer"), "members",
					  t_array(ref("entity"))),
				"level,size,members");
	/* sites as "FILE:LINE:COL" (1-based); relation only for references
	 * (callers and callees are calls) */
	if (strcmp(which, "ref") == 0)
		return entity_plus(json_pack("{s:o,s:o,s:o,s:o,s:o}", "group", t_type("string"),
					     "relation", t_type("string"), "ambiguous",
					     t_type("boolean"), "sites", t_array(t_type("string")),
					     "site_count", t_type("integer")),
				   "group,sites,site_count");
	if (strcmp(which, "blast") == 0)
		return entity_plus(json_pack("{s:o,s:o,s:o,s:o}", "group", t_type("string"),
					     "depth", t_type("integer"), "relation",
					     t_type("string"), "via", t_array(t_type("string"))),
				   "group,depth,via");
	return entity_plus(json_pack("{s:o}", "group", t_type("string")), "group");
}

static json_t *s_index(void)
{
	return t_object(
		json_pack("{s:o,s:o,s:o,s:o}", "state",
			  json_pack("{s:[s,s,s,s]}", "enum", "fresh", "updated", "stale", "editor"),
			  "checked_ms", t_type("number"), "changed_files", t_type("integer"),
			  "note", t_type("string")),
		"state");
}

/* A whole output schema: properties (stolen), required names, and the
 * $defs its refs use. */
static json_t *schema(json_t *props, const char *required, const char *item)
{
	json_t *o = t_object(props, required);
	json_t *defs = json_pack("{s:o,s:o}", "entity", s_entity(), "index", s_index());
	if (item)
		json_object_set_new(defs, "item", s_item(item));
	json_object_set_new(o, "$defs", defs);
	return o;
}

static json_t *status(void)
{
	return json_pack("{s:[s,s]}", "enum", "ok", "ambiguous");
}

/* What every list answer has: status, hint, target, counts, items,
 * candidates, the index's state. */
static json_t *s_list(const char *which)
{
	return schema(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "status",
				status(), "hint", t_type("string"), "target", ref("entity"),
				"total", t_type("integer"), "shown", t_type("integer"), "offset",
				t_type("integer"), "truncated", t_type("boolean"), "next_offset",
				t_type("integer"), "omitted", t_counts(), "items",
				t_array(ref("item")), "candidates", t_array(ref("entity")), "index",
				ref("index")),
		      "status,index", which);
}

static json_t *s_context(void)
{
	json_t *sections = json_object();
	static const char *const names[] = {"called_by", "calls", "implementations", "uses",
					    "used_by"};
	for (size_t i = 0; i < 5; i++)
		json_object_set_new(sections, names[i], ref("section"));
	json_t *o = schema(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "status",
				     status(), "hint", t_type("string"), "target", ref("entity"),
				     "parent", t_type("string"), "source", t_type("string"),
				     "source_truncated", t_type("boolean"), "sections",
				     t_object(sections, NULL), "tokens", t_type("integer"),
				     "truncated", t_type("boolean"), "candidates",
				     t_array(ref("entity")), "index", ref("index")),
			   "status,index", "ref");
	json_object_set_new(json_object_get(o, "$defs"), "section",
			    t_object(json_pack("{s:o,s:o,s:o}", "total", t_type("integer"), "shown",
					       t_array(ref("item")), "omitted", t_counts()),
				     "total,shown,omitted"));
	return o;
}

static json_t *s_impact(void)
{
	json_t *changed =
		entity_plus(json_pack("{s:o,s:o}", "change",
				      json_pack("{s:[s,s,s]}", "enum", "signature", "body", "file"),
				      "group", t_type("string")),
			    "change");
	return schema(json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
				"status", json_pack("{s:[s]}", "enum", "ok"), "hint",
				t_type("string"), "total", t_type("integer"), "shown",
				t_type("integer"), "truncated", t_type("boolean"), "next_offset",
				t_type("integer"), "base", t_type("string"), "changed",
				t_array(changed), "changed_total", t_type("integer"), "files",
				t_array(t_type("string")), "deleted_files",
				t_array(t_type("string")), "affected", t_array(ref("item")),
				"affected_total", t_type("integer"), "omitted", t_counts(), "index",
				ref("index")),
		      "status,changed,affected,index", "blast");
}

static json_t *input_schema(const tool *t)
{
	json_t *props = json_object();
	for (int i = 0; i < 6 && t->args[i] != END; i++) {
		const arg_spec *a = &args[t->args[i]];
		json_t *p = json_pack("{s:s,s:s}", "type",
				      a->type == 's'   ? "string"
				      : a->type == 'i' ? "integer"
						       : "array",
				      "description", a->desc);
		if (a->type == 'i')
			json_object_set_new(p, "minimum", json_integer(a->min));
		if (a->type == 'i')
			json_object_set_new(p, "maximum", json_integer(a->max));
		if (a->type == 'a')
			json_object_set_new(p, "items", t_type("string"));
		if (a->choices) {
			json_t *e = json_array();
			for (const char *c = a->choices; *c;) {
				size_t n = strcspn(c, "|");
				json_array_append_new(e, json_stringn(c, n));
				c += n + (c[n] == '|');
			}
			json_object_set_new(p, "enum", e);
		}
		json_object_set_new(props, a->name, p);
	}
	json_t *req = json_array();
	for (int i = 0; i < t->required; i++)
		json_array_append_new(req, json_string(args[t->args[i]].name));
	return json_pack("{s:s,s:o,s:o,s:b}", "type", "object", "properties", props, "required",
			 req, "additionalProperties", 0);
}

static json_t *output_schema(const tool *t)
{
	if (t->shape == OUT_CONTEXT)
		return s_context();
	if (t->shape == OUT_IMPACT)
		return s_impact();
	return s_list(t->item);
}

json_t *mcp_tools_list(const mcp_era *era)
{
	json_t *list = json_array();
	for (size_t i = 0; i < N_TOOLS; i++) {
		const tool *t = &tools[i];
		json_t *o = json_pack("{s:s,s:s,s:o}", "name", t->name, "description", t->desc,
				      "inputSchema", input_schema(t));
		if (era->structured) {
			json_object_set_new(o, "title", json_string(t->title));
			json_object_set_new(o, "outputSchema", output_schema(t));
		}
		if (era->annotations)
			json_object_set_new(o, "annotations",
					    json_pack("{s:b,s:b,s:b,s:b}", "readOnlyHint", 1,
						      "destructiveHint", 0, "idempotentHint", 1,
						      "openWorldHint", 0));
		json_array_append_new(list, o);
	}
	return list;
}

/* ---- checking the arguments ---------------------------------------------------- */

static const arg_spec *tool_arg(const tool *t, const char *name)
{
	for (int i = 0; i < 6 && t->args[i] != END; i++)
		if (strcmp(args[t->args[i]].name, name) == 0)
			return &args[t->args[i]];
	return NULL;
}

static void list_args(const tool *t, pt_strbuf *err)
{
	pt_strbuf_adds(err, " (");
	pt_strbuf_adds(err, t->name);
	pt_strbuf_adds(err, " takes:");
	for (int i = 0; i < 6 && t->args[i] != END; i++)
		pt_strbuf_printf(err, "%s %s", i ? "," : "", args[t->args[i]].name);
	pt_strbuf_adds(err, ")");
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *c = choices; *c;) {
		size_t k = strcspn(c, "|");
		if (k == n && strncmp(c, v, n) == 0)
			return true;
		c += k + (c[k] == '|');
	}
	return false;
}

/* One argument's value: false with the reason in err. */
static bool check_value(const arg_spec *a, const json_t *v, pt_strbuf *err)
{
	if (a->type == 's') {
		if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 4096) {
			pt_strbuf_printf(err,
					 "'%s' must be a non-empty string of at most 4096 "
					 "bytes",
					 a->name);
			return false;
		}
		if (a->choices && !choice_ok(a->choices, json_string_value(v))) {
			pt_strbuf_printf(err, "'%s' must be one of: %s", a->name, a->choices);
			return false;
		}
		return true;
	}
	if (a->type == 'a') {
		bool ok = json_is_array(v) && json_array_size(v) <= 1000;
		for (size_t i = 0; ok && i < json_array_size(v); i++)
			ok = json_is_string(json_array_get(v, i)) &&
			     json_string_length(json_array_get(v, i));
		if (!ok)
			pt_strbuf_printf(err, "'%s' must be an array of at most 1000 file paths",
					 a->name);
		return ok;
	}
	double d = json_number_value(v);
	if (!json_is_number(v) || d != (double)(long)d || d < (double)a->min ||
	    d > (double)a->max) {
		pt_strbuf_printf(err, "'%s' must be a whole number from %ld to %ld", a->name,
				 a->min, a->max);
		return false;
	}
	return true;
}

static void set_arg(mcp_args *out, const arg_spec *a, const json_t *v)
{
	const char *s = json_string_value(v);
	long n = (long)json_number_value(v);
	switch ((int)(a - args)) {
	case A_TARGET: out->target = s; break;
	case A_QUERY: out->query = s; break;
	case A_LEVEL: out->level = s; break;
	case A_KIND: out->kind = s; break;
	case A_FILE: out->file = s; break;
	case A_DIFF: out->diff = s; break;
	case A_FILES: out->files = v; break;
	case A_LIMIT: out->limit = n; break;
	case A_OFFSET: out->offset = n; break;
	case A_TOKENS: out->tokens = n; break;
	case A_DEPTH: out->depth = n; break;
	}
}

/* The arguments against the tool's table: false with what is wrong (an
 * error the agent can correct, so a tool result, not a protocol error). */
static bool check_args(const tool *t, const json_t *given, mcp_args *out, pt_strbuf *err)
{
	*out = (mcp_args){.limit = t->def_limit, .tokens = t->def_tokens, .depth = t->def_depth};
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)given, key, v)
	{
		const arg_spec *a = tool_arg(t, key);
		if (!a) {
			pt_strbuf_printf(err, "unknown argument '%.64s'", key);
			list_args(t, err);
			return false;
		}
		if (!check_value(a, v, err))
			return false;
		set_arg(out, a, v);
	}
	for (int i = 0; i < t->required; i++)
		if (!json_object_get(given, args[t->args[i]].name)) {
			pt_strbuf_printf(err, "missing argument '%s': %s", args[t->args[i]].name,
					 args[t->args[i]].desc);
			return false;
		}
	return true;
}

/* ---- tools/call ------------------------------------------------------------------- */

static const tool *find_tool(const char *name)
{
	for (size_t i = 0; i < N_TOOLS; i++)
		if (strcmp(tools[i].name, name) == 0)
			return &tools[i];
	return NULL;
}

/* glibc's malloc_trim; not under a sanitizer, whose allocator is not
 * glibc's (as graph/index.c). */
static void trim_heap(void)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	malloc_trim(0);
#endif
}

static void run_tool(mcp_server *s, const tool *t, const mcp_args *a, mcp_answer *ans)
{
	json_t *info = NULL;
	pt_strbuf note = {0}, err = {0};
	store_txn *txn = NULL;
	if (!mcp_fresh_ensure(s, &info, &note, &err)) {
		pt_strbuf_add(&ans->error, err.buf, err.len);
	} else if (store_txn_begin(s->st, false, &txn) != PT_OK) {
		pt_strbuf_adds(&ans->error, "cannot read the database now (try again; if it "
					    "persists, run `parseltongue storage verify`)");
		json_decref(info);
	} else {
		t->fn(s, txn, a, ans);
		store_txn_abort(txn);
		/* between calls the process keeps neither the pages of the index it
		 * read (they stay in the page cache) nor the heap a big answer
		 * took */
		store_release_map(s->st);
		trim_heap();
		json_object_set_new(ans->out, "index", info);
		if (note.len) {
			pt_strbuf_adds(&ans->text, "\n");
			pt_strbuf_add(&ans->text, note.buf, note.len);
		}
	}
	pt_strbuf_free(&note);
	pt_strbuf_free(&err);
}

/* Invalid UTF-8 (a cut in the middle of a character, a file changed on
 * disk since it was indexed) becomes '?': jansson takes only UTF-8. */
void mcp_utf8_clean(char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		size_t k = c < 0x80                 ? 0
			   : c >= 0xC2 && c <= 0xDF ? 1
			   : c >= 0xE0 && c <= 0xEF ? 2
			   : c >= 0xF0 && c <= 0xF4 ? 3
						    : 4;
		bool ok = k < 4 && i + k < n;
		for (size_t j = 1; ok && j <= k; j++)
			ok = ((unsigned char)p[i + j] & 0xC0) == 0x80;
		/* no overlong three- and four-byte forms, no surrogates, nothing
		 * above U+10FFFF */
		if (ok && k == 2)
			ok = !(c == 0xE0 && (unsigned char)p[i + 1] < 0xA0) &&
			     !(c == 0xED && (unsigned char)p[i + 1] >= 0xA0);
		if (ok && k == 3)
			ok = !(c == 0xF0 && (unsigned char)p[i + 1] < 0x90) &&
			     !(c == 0xF4 && (unsigned char)p[i + 1] >= 0x90);
		if (!ok) {
			p[i++] = '?';
			continue;
		}
		if (c == 0)
			p[i] = ' ';
		i += k + 1;
	}
}

static json_t *tool_result(const mcp_era *era, mcp_answer *ans)
{
	bool failed = ans->error.len > 0;
	pt_strbuf *text = failed ? &ans->error : &ans->text;
	/* the budget is a promise: the text is cut at a line end (never mid
	 * character) if an answer overran it */
	size_t limit = ans->budget + 256;
	if (!failed && text->len > limit) {
		size_t cut = limit;
		while (cut && text->buf[cut - 1] != '\n')
			cut--;
		text->len = cut;
	}
	mcp_utf8_clean(text->buf, text->len);
	json_t *r = json_pack("{s:[{s:s,s:s%}],s:b}", "content", "type", "text", "text",
			      text->buf ? text->buf : "", text->len, "isError", failed);
	if (!failed && era->structured)
		json_object_set(r, "structuredContent", ans->out);
	return r;
}

int mcp_tools_call(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
		   pt_strbuf *err)
{
	json_t *name = json_object_get(params, "name");
	json_t *given = json_object_get(params, "arguments");
	if (!json_is_string(name)) {
		pt_strbuf_adds(err, "tools/call needs params.name (a string)");
		return -32602;
	}
	const tool *t = find_tool(json_string_value(name));
	if (!t) {
		pt_strbuf_printf(err, "Unknown tool: %.64s", json_string_value(name));
		return -32602;
	}
	if (given && !json_is_object(given) && !json_is_null(given)) {
		pt_strbuf_adds(err, "tools/call params.arguments must be an object");
		return -32602;
	}
	json_t *none = json_object();
	mcp_args a;
	mcp_answer ans = {.out = json_object()};
	bool ok = check_args(t, json_is_object(given) ? given : none, &a, &ans.error);
	json_decref(none);
	if (ok) {
		ans.budget = (size_t)a.tokens * MCP_BYTES_PER_10_TOKENS / 10;
		ans.json_budget = ans.budget;
		run_tool(s, t, &a, &ans);
	}
	*result = tool_result(era, &ans);
	json_decref(ans.out);
	pt_strbuf_free(&ans.text);
	pt_strbuf_free(&ans.error);
	return 0;
}
