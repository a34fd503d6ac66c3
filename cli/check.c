/* cli/check.c — `parseltongue check [DIR] [--rules FILE] [--json]`.
 *
 * Brings the index of DIR up to date (as onboard does), then runs the
 * architecture rules of graph/lint.h over it and prints the findings. The
 * rules come as JSON (lint/parseltongue-lint reads the workspace's
 * parseltongue.toml and writes this; README "Rules"):
 *
 *	{"cycles": {"enabled": true, "parent-child": false, "max-sites": 3},
 *	 "ambiguous": false, "tests": false,
 *	 "forbid": [{"name": "domain-infra", "from": "crate::domain",
 *	             "to": "crate::infra", "message": "…"}],
 *	 "unused-pub": {"enabled": true, "api": "public" | "root"}}
 *
 * Exit: 0 nothing found, 1 findings, 2 bad rules, 4 database problem.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/escape.h"
#include "../graph/lint.h"
#include "cli.h"

static const char *rule_name(const lint_opts *o, const lint_finding *f)
{
	switch (f->rule) {
	case LINT_CYCLE: return "module-cycle";
	case LINT_FORBID: return o->forbid[f->forbid].name;
	default: return "unused-pub";
	}
}

/* A boolean member, or the default; false after saying what is wrong. */
static bool get_bool(json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return true;
	if (!json_is_boolean(v)) {
		cli_err("rules: \"%s\" must be true or false", key);
		return false;
	}
	*out = json_is_true(v);
	return true;
}

static bool get_str(json_t *obj, const char *key, bool need, const char **out)
{
	json_t *v = json_object_get(obj, key);
	if (!v && !need)
		return true;
	if (!json_is_string(v) || (need && !*json_string_value(v))) {
		cli_err("rules: \"%s\" must be a%s string", key, need ? " non-empty" : "");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool read_forbid(json_t *arr, lint_opts *o, lint_forbid **out)
{
	if (!arr)
		return true;
	if (!json_is_array(arr)) {
		cli_err("rules: \"forbid\" must be a list");
		return false;
	}
	*out = pt_xcalloc(json_array_size(arr) + 1, sizeof **out);
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
	{
		lint_forbid *f = &(*out)[i];
		f->name = "forbidden-dependency";
		if (!json_is_object(r) || !get_str(r, "from", true, &f->from) ||
		    !get_str(r, "to", true, &f->to) || !get_str(r, "name", false, &f->name) ||
		    !get_str(r, "message", false, &f->message)) {
			cli_err("rules: forbid rule %zu is not {\"from\", \"to\"[, \"name\", "
				"\"message\"]}",
				i + 1);
			return false;
		}
	}
	o->forbid = *out;
	o->n_forbid = json_array_size(arr);
	return true;
}

/* Rules from the JSON document j into o (strings borrowed from j). */
static bool read_rules(json_t *j, lint_opts *o, lint_forbid **forbid)
{
	json_t *cy = json_object_get(j, "cycles"), *un = json_object_get(j, "unused-pub");
	const char *api = NULL;
	if (!json_is_object(j) || (cy && !json_is_object(cy)) || (un && !json_is_object(un))) {
		cli_err("rules: expected an object with \"cycles\", \"forbid\", \"unused-pub\"");
		return false;
	}
	json_t *ms = json_object_get(cy, "max-sites");
	if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 0 ||
		   json_integer_value(ms) > 1000000)) {
		cli_err("rules: \"max-sites\" must be a whole number");
		return false;
	}
	if (ms)
		o->max_sites = (uint32_t)json_integer_value(ms);
	if (!get_bool(j, "ambiguous", &o->ambiguous) || !get_bool(j, "tests", &o->tests) ||
	    !get_bool(cy, "enabled", &o->cycles) ||
	    !get_bool(cy, "parent-child", &o->parent_child) ||
	    !get_bool(un, "enabled", &o->unused_pub) || !get_str(un, "api", false, &api))
		return false;
	if (api && strcmp(api, "public") != 0 && strcmp(api, "root") != 0) {
		cli_err("rules: \"api\" is \"public\" or \"root\", not \"%s\"", api);
		return false;
	}
	if (api)
		o->api_public = strcmp(api, "public") == 0;
	return read_forbid(json_object_get(j, "forbid"), o, forbid);
}

/* Names come from the repository's file names: JSON keeps their bytes
 * (pt_json_bytes), text spells out what a terminal acts on (cli_term). */
static json_t *finding_json(store_txn *txn, const lint_opts *o, const lint_report *r,
			    const lint_finding *f)
{
	json_t *j = json_pack(
		"{s:o,s:o,s:I,s:I,s:I,s:I,s:o,s:o}", "rule", pt_json_bytes(rule_name(o, f)), "file",
		pt_json_bytes(query_file_path(txn, f->file)), "line", (json_int_t)f->line + 1,
		"column", (json_int_t)f->col + 1, "end_line", (json_int_t)f->end_line + 1,
		"end_column", (json_int_t)f->end_col + 1, "message",
		pt_json_bytes(lint_text(r, f->msg)), "key", pt_json_bytes(lint_text(r, f->key)));
	json_object_set_new(j, "kind",
			    json_string(f->rule == LINT_CYCLE    ? "cycle"
					: f->rule == LINT_FORBID ? "forbid"
								 : "unused"));
	if (f->rule == LINT_CYCLE)
		json_object_set_new(j, "cycle", json_integer(f->cycle));
	return j;
}

static void print_report(store_txn *txn, const cli_opts *co, const lint_opts *o,
			 const lint_report *r)
{
	if (!co->json) {
		for (size_t i = 0; i < r->items.n; i++) {
			const lint_finding *f = &r->items.v[i];
			printf("%s:%u:%u: warning: %s [%s]\n",
			       cli_term(query_file_path(txn, f->file)), f->line + 1, f->col + 1,
			       cli_term(lint_text(r, f->msg)), cli_term(rule_name(o, f)));
		}
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < r->items.n; i++)
		json_array_append_new(a, finding_json(txn, o, r, &r->items.v[i]));
	uint64_t ents = 0;
	store_count(txn, TBL_ENTS, &ents);
	json_t *top =
		json_pack("{s:I,s:I,s:I,s:o}", "cycles", (json_int_t)r->cycles, "modules",
			  (json_int_t)r->modules, "entities", (json_int_t)ents, "findings", a);
	cli_json_print(top);
	json_decref(top);
}

int cmd_check(const cli_opts *o)
{
	lint_opts lo;
	lint_opts_default(&lo);
	lint_forbid *forbid = NULL;
	json_t *rules = NULL;
	json_error_t jerr;
	int ret = EXIT_USAGE;
	if (o->rules && !(rules = json_load_file(o->rules, JSON_REJECT_DUPLICATES, &jerr))) {
		cli_err("rules %s: %s (line %d)", o->rules, jerr.text, jerr.line);
		return EXIT_USAGE;
	}
	if (rules && !read_rules(rules, &lo, &forbid))
		goto done;
	if (!o->no_index && (ret = cli_onboard(o)) != EXIT_OK)
		goto done;
	store *st = NULL;
	store_txn *txn = NULL;
	lint_report rep = {0};
	ret = EXIT_DB;
	if (cli_open_db(o, o->nargs ? o->args[0] : NULL, false, &st) != PT_OK)
		goto done;
	if (store_txn_begin(st, false, &txn) == PT_OK && lint_run(txn, &lo, &rep) == PT_OK) {
		print_report(txn, o, &lo, &rep);
		ret = rep.items.n ? EXIT_FAIL : EXIT_OK;
	} else {
		cli_err("cannot read the database");
	}
	lint_report_free(&rep);
	store_txn_abort(txn);
	store_close(st);
done:
	free(forbid);
	json_decref(rules);
	return ret;
}
