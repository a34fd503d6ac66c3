/* cli/facts.c — `parseltongue facts FILE`: what the extractor sees in one
 * file, as JSON (a debugging aid for resolution problems). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../graph/extract.h"
#include "cli.h"

static json_t *span_json(pt_span s)
{
	return json_pack("[i,i,i,i]", (json_int_t)s.start_line + 1, (json_int_t)s.start_col + 1,
			 (json_int_t)s.end_line + 1, (json_int_t)s.end_col + 1);
}

int cmd_facts(const cli_opts *o)
{
	if (o->nargs < 1) {
		cli_err("facts FILE");
		return EXIT_USAGE;
	}
	FILE *f = fopen(o->args[0], "rb");
	if (!f) {
		cli_err("%s: %s", o->args[0], strerror(errno));
		return EXIT_FAIL;
	}
	pt_strbuf text = {0};
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		pt_strbuf_add(&text, buf, n);
	fclose(f);
	pt_facts fa;
	pt_facts_init(&fa);
	pt_extractor *ex = pt_extractor_new();
	int rc = pt_extractor_text(ex, text.buf ? text.buf : "", text.len, &fa);
	pt_extractor_free(ex);
	json_t *items = json_array(), *uses = json_array(), *refs = json_array(),
	       *fields = json_array(), *macros = json_array();
#define S(off) pt_strpool_get(&fa.pool, (off))
	for (size_t i = 0; i < fa.items.n; i++) {
		const fact_item *it = &fa.items.v[i];
		json_array_append_new(
			items, json_pack("{s:i,s:s,s:s,s:i,s:i,s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "i",
					 (json_int_t)i, "kind", pt_kind_name(it->kind), "name",
					 S(it->name), "parent", (json_int_t)it->parent, "flags",
					 (json_int_t)it->flags, "span", span_json(it->span), "sig",
					 S(it->sig), "impl_self", S(it->impl_self), "impl_trait",
					 S(it->impl_trait), "ret", S(it->ret_type), "generics",
					 S(it->generics), "cfg", S(it->cfg)));
	}
	for (size_t i = 0; i < fa.uses.n; i++) {
		const fact_use *u = &fa.uses.v[i];
		json_array_append_new(uses,
				      json_pack("{s:i,s:s,s:s,s:i}", "scope", (json_int_t)u->scope,
						"path", S(u->path), "alias", S(u->alias), "flags",
						(json_int_t)u->flags));
	}
	static const char *const rk[] = {"?",    "call_path", "call_method",
					 "type", "derive",    "macro_call"};
	for (size_t i = 0; i < fa.refs.n; i++) {
		const fact_ref *r = &fa.refs.v[i];
		json_array_append_new(
			refs, json_pack("{s:s,s:i,s:s,s:s,s:i,s:s,s:s,s:o,s:i}", "kind",
					rk[r->kind < 6 ? r->kind : 0], "from", (json_int_t)r->from,
					"path", S(r->path), "name", S(r->name), "recv",
					(json_int_t)r->recv_kind, "recv_path", S(r->recv_path),
					"recv_name", S(r->recv_name), "span", span_json(r->span),
					"flags", (json_int_t)r->flags));
	}
	for (size_t i = 0; i < fa.fields.n; i++) {
		const fact_field *fl = &fa.fields.v[i];
		json_array_append_new(fields,
				      json_pack("{s:i,s:s,s:s}", "owner", (json_int_t)fl->owner,
						"name", S(fl->name), "type", S(fl->type)));
	}
	for (size_t i = 0; i < fa.macros.n; i++) {
		const fact_macro *m = &fa.macros.v[i];
		json_array_append_new(macros,
				      json_pack("{s:s,s:i,s:o,s:s}", "name", S(m->name), "flags",
						(json_int_t)m->flags, "span", span_json(m->span),
						"invokes", S(m->invokes)));
	}
	json_t *top = json_pack("{s:i,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:s}", "status", rc, "errors",
				(json_int_t)fa.n_errors, "lines", (json_int_t)fa.n_lines, "items",
				items, "uses", uses, "refs", refs, "fields", fields, "macros",
				macros, "invoked", S(fa.invoked));
#undef S
	json_dumpf(top, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(top);
	pt_facts_free(&fa);
	pt_strbuf_free(&text);
	return rc ? EXIT_FAIL : EXIT_OK;
}
