/* cli/query.c — `parseltongue query` and `query-bench`; the target and
 * rendering helpers export shares (cli.h). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/escape.h"
#include "../graph/query.h"
#include "cli.h"

static const char *const qnames[] = {
	"what-implements", "callers",          "callees",       "references", "blast-radius",
	"find-cycles",     "generate-context", "where-defined", "search",     "entities-in-file",
};

int cli_qkind_of(const char *s)
{
	for (size_t i = 0; i < sizeof qnames / sizeof *qnames; i++)
		if (strcmp(s, qnames[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- rendering -------------------------------------------------------------- */

/* Names and paths come from the repository's file names: JSON keeps their
 * bytes (pt_json_bytes, written by pt_json_dumpf), text output spells
 * out what a terminal would act on (cli_term). */

const char *cli_term(const char *s)
{
	static pt_strbuf ring[4]; /* the CLI prints from one thread */
	static unsigned next;
	pt_strbuf *b = &ring[next++ % 4];
	b->len = 0;
	pt_esc_term(b, s);
	return b->buf;
}

int cli_json_print(const json_t *j)
{
	int rc = pt_json_dumpf(j, JSON_INDENT(1), stdout);
	putchar('\n');
	return rc;
}

json_t *cli_entity_json(store_txn *txn, uint64_t id, uint64_t for_id)
{
	rec_entity e, f;
	if (query_entity(txn, id, &e) != PT_OK)
		return NULL;
	json_t *o = json_object();
	if (for_id)
		json_object_set_new(
			o, "for",
			pt_json_bytes(query_entity(txn, for_id, &f) == PT_OK ? f.qpath : ""));
	json_object_set_new(o, "name", pt_json_bytes(e.name));
	json_object_set_new(o, "kind", json_string(pt_kind_name(e.kind)));
	json_object_set_new(o, "path", pt_json_bytes(e.qpath));
	json_object_set_new(o, "file", pt_json_bytes(query_file_path(txn, e.file)));
	json_object_set_new(o, "line", json_integer(e.file == PT_NO_FILE ? 0 : e.sl + 1));
	json_object_set_new(o, "column", json_integer(e.file == PT_NO_FILE ? 0 : e.sc + 1));
	json_object_set_new(o, "end_line", json_integer(e.file == PT_NO_FILE ? 0 : e.el + 1));
	json_object_set_new(o, "end_column", json_integer(e.file == PT_NO_FILE ? 0 : e.ec + 1));
	json_object_set_new(o, "signature", pt_json_bytes(e.sig));
	if (e.flags & ENT_EXTERNAL)
		json_object_set_new(o, "external", json_true());
	if (e.flags & ENT_CFG_OFF)
		json_object_set_new(o, "cfg_off", json_true());
	return o;
}

static json_t *sites_json(store_txn *txn, const query_results *r, const query_item *it)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < it->site_n; i++) {
		const query_site *s = &r->sites.v[it->site_off + i];
		json_array_append_new(a, json_pack("{s:o,s:i,s:i}", "file",
						   pt_json_bytes(query_file_path(txn, s->file)),
						   "line", (json_int_t)s->line + 1, "column",
						   (json_int_t)s->col + 1));
	}
	return a;
}

const char *cli_impl_self_text(const char *name)
{
	const char *s = strncmp(name, "impl ", 5) == 0 ? name + 5 : name, *self = s;
	int depth = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '<' || *p == '(' || *p == '[')
			depth++;
		else if ((*p == '>' && p > s && p[-1] != '-') || *p == ')' || *p == ']')
			depth--;
		else if (!depth && strncmp(p, " for ", 5) == 0) {
			self = p + 5;
			break;
		}
	}
	return self;
}

static json_t *impl_json(store_txn *txn, const query_results *r, const query_item *it)
{
	rec_entity impl, trait;
	const query_site *s = &r->sites.v[it->site_off];
	if (query_entity(txn, it->id, &impl) != PT_OK ||
	    query_entity(txn, it->other, &trait) != PT_OK)
		return NULL;
	json_t *o = json_object();
	rec_entity f;
	json_object_set_new(
		o, "for", pt_json_bytes(query_entity(txn, it->for_id, &f) == PT_OK ? f.qpath : ""));
	bool is_type = impl.kind != PT_IMPL;
	json_object_set_new(o, "name", pt_json_bytes(impl.name));
	json_object_set_new(o, "kind", json_string(it->derive ? "derive" : "impl"));
	json_object_set_new(o, "path", pt_json_bytes(impl.qpath));
	json_object_set_new(o, "file", pt_json_bytes(query_file_path(txn, s->file)));
	json_object_set_new(o, "line", json_integer(s->line + 1));
	json_object_set_new(o, "column", json_integer(s->col + 1));
	json_object_set_new(o, "end_line", json_integer(s->end_line + 1));
	json_object_set_new(o, "end_column", json_integer(s->end_col + 1));
	json_object_set_new(o, "type",
			    pt_json_bytes(is_type ? impl.qpath : cli_impl_self_text(impl.name)));
	json_object_set_new(o, "trait", pt_json_bytes(trait.qpath));
	if (it->flags & EDGE_MACRO)
		json_object_set_new(o, "macro", json_true());
	if (it->flags & EDGE_CFG_OFF)
		json_object_set_new(o, "cfg_off", json_true());
	return o;
}

static json_t *item_json(store_txn *txn, qkind k, const query_results *r, const query_item *it)
{
	if (k == Q_IMPL)
		return impl_json(txn, r, it);
	json_t *o = cli_entity_json(txn, it->id, it->for_id);
	if (!o)
		return NULL;
	if (k == Q_CALLERS || k == Q_CALLEES || k == Q_REFS || k == Q_BLAST) {
		json_object_set_new(o, "ambiguous", json_boolean(it->flags & EDGE_AMBIGUOUS));
		json_object_set_new(o, "relation", json_string(pt_rel_name(it->rel)));
		json_object_set_new(o, "sites", sites_json(txn, r, it));
	}
	if (k == Q_BLAST) {
		json_object_set_new(o, "depth", json_integer(it->depth));
		json_t *via = json_array();
		for (uint32_t i = 0; i < it->via_n; i++) {
			rec_entity e;
			if (query_entity(txn, r->via.v[it->via_off + i], &e) == PT_OK)
				json_array_append_new(via, pt_json_bytes(e.qpath));
		}
		json_object_set_new(o, "via", via);
	}
	return o;
}

static void print_human_item(store_txn *txn, qkind k, const query_results *r, const query_item *it)
{
	rec_entity e, t;
	if (query_entity(txn, it->id, &e) != PT_OK)
		return;
	if (k == Q_IMPL) {
		const query_site *s = &r->sites.v[it->site_off];
		if (query_entity(txn, it->other, &t) != PT_OK)
			return;
		printf("  %-8s %s for %s  %s:%u\n", it->derive ? "derive" : "impl",
		       cli_term(t.qpath),
		       cli_term(e.kind == PT_IMPL ? cli_impl_self_text(e.name) : e.qpath),
		       cli_term(query_file_path(txn, s->file)), s->line + 1);
		return;
	}
	const char *f = query_file_path(txn, e.file);
	printf("  %s (%s)", cli_term(e.qpath), pt_kind_name(e.kind));
	if (k == Q_BLAST)
		printf(" depth %u", it->depth);
	if (*f)
		printf("  %s:%u", cli_term(f), e.sl + 1);
	if (it->flags & EDGE_AMBIGUOUS)
		printf("  [ambiguous]");
	putchar('\n');
	if (k == Q_CALLERS || k == Q_CALLEES || k == Q_REFS)
		for (uint32_t i = 0; i < it->site_n && i < 5; i++) {
			const query_site *s = &r->sites.v[it->site_off + i];
			printf("      at %s:%u:%u\n", cli_term(query_file_path(txn, s->file)),
			       s->line + 1, s->col + 1);
		}
}

/* ---- one query ---------------------------------------------------------------- */

int cli_run_query(store_txn *txn, qkind k, uint64_t id, const cli_opts *o, query_results *r)
{
	switch (k) {
	case Q_IMPL: return query_what_implements(txn, id, o->limit, r);
	case Q_CALLERS: return query_callers(txn, id, o->limit, r);
	case Q_CALLEES: return query_callees(txn, id, o->limit, r);
	case Q_REFS: return query_references(txn, id, o->limit, r);
	case Q_BLAST: return query_blast_radius(txn, id, o->depth, o->limit, r);
	default: {
		query_item it = {.id = id, .for_id = id};
		pt_vec_push(&r->items, it);
		return PT_OK;
	}
	}
}

/* what-implements on a name that is both a trait and something else:
 * answer for the traits. */
static void prefer_traits(store_txn *txn, query_ids *ids)
{
	size_t w = 0, traits = 0;
	for (size_t i = 0; i < ids->n; i++) {
		rec_entity e;
		if (query_entity(txn, ids->v[i], &e) == PT_OK && e.kind == PT_TRAIT)
			traits++;
	}
	if (!traits)
		return;
	for (size_t i = 0; i < ids->n; i++) {
		rec_entity e;
		if (query_entity(txn, ids->v[i], &e) == PT_OK && e.kind == PT_TRAIT)
			ids->v[w++] = ids->v[i];
	}
	ids->n = w;
}

static int print_cycles(store_txn *txn, const cli_opts *o)
{
	int levels = CYCLES_MODULE | CYCLES_FUNCTION;
	if (o->level && strcmp(o->level, "module") == 0)
		levels = CYCLES_MODULE;
	else if (o->level && strcmp(o->level, "function") == 0)
		levels = CYCLES_FUNCTION;
	else if (o->level) {
		cli_err("--level takes module or function");
		return EXIT_USAGE;
	}
	query_cycle_set c = {0};
	if (query_cycles(txn, levels, &c)) {
		cli_err("cannot read the graph");
		return EXIT_DB;
	}
	size_t n = c.level.n;
	json_t *res = json_array();
	if (!o->json)
		printf("%zu cycle%s\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n && (!o->limit || i < o->limit); i++) {
		const char *lv = c.level.v[i] == CYCLES_MODULE ? "module" : "function";
		json_t *members = json_array();
		uint32_t a = c.starts.v[i], b = c.starts.v[i + 1];
		if (!o->json)
			printf("  %s cycle of %u:\n", lv, b - a);
		for (uint32_t j = a; j < b; j++) {
			rec_entity e;
			if (query_entity(txn, c.members.v[j], &e) != PT_OK)
				continue;
			json_array_append_new(members, pt_json_bytes(e.qpath));
			if (!o->json)
				printf("    %s  %s:%u\n", cli_term(e.qpath),
				       cli_term(query_file_path(txn, e.file)), e.sl + 1);
		}
		json_array_append_new(res, json_pack("{s:s,s:o,s:i}", "level", lv, "members",
						     members, "size", (json_int_t)(b - a)));
	}
	if (o->json) {
		json_t *top = json_pack("{s:s,s:n,s:o}", "query", "find-cycles", "target",
					"results", res);
		cli_json_print(top);
		json_decref(top);
	} else {
		json_decref(res);
	}
	query_cycle_set_free(&c);
	return EXIT_OK;
}

int cli_targets_cut(store_txn *txn, qkind k, const char *target, const cli_opts *o, query_ids *ids,
		    bool *truncated)
{
	*truncated = false;
	if (k == Q_SEARCH)
		return query_search(txn, target, o->limit ? o->limit : 50, ids, truncated);
	if (k == Q_FILE) {
		uint32_t f;
		if (query_file_id(txn, target, &f) != PT_OK)
			return PT_ENOTFOUND;
		int rc = query_file_entities(txn, f, ids);
		if (!rc && o->limit && ids->n > o->limit) {
			ids->n = o->limit;
			*truncated = true;
		}
		return rc;
	}
	int rc = query_targets(txn, target, ids);
	if (!rc && k == Q_IMPL)
		prefer_traits(txn, ids);
	return rc;
}

int cli_targets_for(store_txn *txn, qkind k, const char *target, const cli_opts *o, query_ids *ids)
{
	bool truncated;
	return cli_targets_cut(txn, k, target, o, ids, &truncated);
}

static int print_context(store_txn *txn, const query_ids *ids, const char *target,
			 const cli_opts *o)
{
	pt_strbuf text = {0};
	uint32_t used = 0, total = 0;
	json_t *res = json_array();
	for (size_t i = 0; i < ids->n; i++) {
		uint32_t budget = o->tokens > total ? o->tokens - total : 0;
		if (!budget)
			break;
		if (i)
			pt_strbuf_adds(&text, "\n");
		query_context(txn, ids->v[i], budget, &text, &used);
		total += used;
		json_t *e = cli_entity_json(txn, ids->v[i], ids->v[i]);
		if (e)
			json_array_append_new(res, e);
	}
	if (o->json) {
		json_t *top = json_pack("{s:s,s:o,s:o,s:o,s:i}", "query", "generate-context",
					"target", pt_json_bytes(target), "results", res, "text",
					pt_json_bytes(pt_strbuf_cstr(&text)), "tokens",
					(json_int_t)total);
		cli_json_print(top);
		json_decref(top);
	} else {
		pt_strbuf shown = {0};
		pt_esc_lines(&shown, pt_strbuf_cstr(&text));
		fputs(shown.buf, stdout);
		pt_strbuf_free(&shown);
		fprintf(stderr, "(%u tokens of %u)\n", total, o->tokens);
		json_decref(res);
	}
	pt_strbuf_free(&text);
	return EXIT_OK;
}

/* A target that names nothing: said on stderr with the closest names,
 * never answered for another item. */
static void no_target(store_txn *txn, const char *target)
{
	query_ids near = {0};
	query_target_suggestions(txn, target, 8, &near);
	cli_err("'%s' matches no entity%s", target, near.n ? "; the closest:" : "");
	for (size_t i = 0; i < near.n; i++) {
		rec_entity e;
		if (query_entity(txn, near.v[i], &e) != PT_OK)
			continue;
		fprintf(stderr, "  %s (%s)", cli_term(e.qpath), pt_kind_name(e.kind));
		if (e.file != PT_NO_FILE)
			fprintf(stderr, "  %s:%u", cli_term(query_file_path(txn, e.file)),
				e.sl + 1);
		fputc('\n', stderr);
	}
	if (!near.n)
		fprintf(stderr, "(try `parseltongue query search %s`)\n", target);
	pt_vec_free(&near);
}

static int answer(store_txn *txn, qkind k, const char *target, const cli_opts *o)
{
	query_ids ids = {0};
	bool truncated = false;
	int rc = cli_targets_cut(txn, k, target, o, &ids, &truncated);
	if (rc == PT_ENOTFOUND && k == Q_FILE) {
		cli_err("%s: no such file in the index", target);
		return EXIT_NOTARGET;
	}
	if (rc) {
		cli_err("cannot read the graph: %s", pt_strerror(rc));
		pt_vec_free(&ids);
		return EXIT_DB;
	}
	if (!ids.n && k != Q_SEARCH) {
		no_target(txn, target);
		pt_vec_free(&ids);
		return EXIT_NOTARGET;
	}
	if (k == Q_CONTEXT) {
		rc = print_context(txn, &ids, target, o);
		pt_vec_free(&ids);
		return rc;
	}
	json_t *results = json_array();
	bool single = k == Q_WHERE || k == Q_SEARCH || k == Q_FILE;
	for (size_t t = 0; t < ids.n; t++) {
		query_results r = {0};
		if (single) {
			query_item it = {.id = ids.v[t], .for_id = k == Q_WHERE ? ids.v[t] : 0};
			pt_vec_push(&r.items, it);
		} else
			cli_run_query(txn, k, ids.v[t], o, &r);
		rec_entity e;
		if (!o->json && !single && query_entity(txn, ids.v[t], &e) == PT_OK) {
			if (e.file == PT_NO_FILE)
				printf("%s %s (%s, outside the workspace): %zu result%s\n",
				       qnames[k], cli_term(e.qpath), pt_kind_name(e.kind),
				       r.items.n, r.items.n == 1 ? "" : "s");
			else
				printf("%s %s (%s)  %s:%u: %zu result%s\n", qnames[k],
				       cli_term(e.qpath), pt_kind_name(e.kind),
				       cli_term(query_file_path(txn, e.file)), e.sl + 1, r.items.n,
				       r.items.n == 1 ? "" : "s");
		}
		for (size_t i = 0; i < r.items.n; i++) {
			if (o->json) {
				json_t *j = item_json(txn, k, &r, &r.items.v[i]);
				if (j)
					json_array_append_new(results, j);
			} else {
				print_human_item(txn, k, &r, &r.items.v[i]);
			}
		}
		if (r.truncated && !o->json)
			printf("  … (limit reached)\n");
		truncated |= r.truncated;
		query_results_free(&r);
	}
	if (truncated && !o->json && single)
		printf("… (limit reached: --limit %zu)\n", o->limit ? o->limit : 50);
	if (o->json) {
		json_t *top = json_pack("{s:s,s:o,s:o,s:b}", "query", qnames[k], "target",
					pt_json_bytes(target), "results", results, "truncated",
					truncated);
		cli_json_print(top);
		json_decref(top);
	} else {
		json_decref(results);
	}
	pt_vec_free(&ids);
	return EXIT_OK;
}

int cmd_query(const cli_opts *o)
{
	if (o->nargs < 1) {
		cli_err("query: which kind? (what-implements, callers, callees, ...)");
		return EXIT_USAGE;
	}
	int k = cli_qkind_of(o->args[0]);
	if (k < 0) {
		cli_err("query: unknown kind '%s'", o->args[0]);
		return EXIT_USAGE;
	}
	if (k != Q_CYCLES && o->nargs < 2) {
		cli_err("query %s: missing TARGET", o->args[0]);
		return EXIT_USAGE;
	}
	store *st = NULL;
	store_txn *txn = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	if (store_txn_begin(st, false, &txn)) {
		cli_err("cannot read the database");
		store_close(st);
		return EXIT_DB;
	}
	int rc = k == Q_CYCLES ? print_cycles(txn, o) : answer(txn, (qkind)k, o->args[1], o);
	store_txn_abort(txn);
	store_close(st);
	return rc;
}

/* ---- in-process latency ------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sample n targets of the kinds a query makes sense for and time each
 * query inside this process: median and p99 in microseconds. */
int cmd_query_bench(const cli_opts *o)
{
	store *st = NULL;
	store_txn *txn = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	if (store_txn_begin(st, false, &txn)) {
		store_close(st);
		return EXIT_DB;
	}
	query_ids traits = {0}, fns = {0};
	store_cursor *c = NULL;
	store_val k, v;
	store_cursor_open(txn, TBL_ENTS, &c);
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		rec_entity e;
		if (rec_entity_decode(v.data, v.len, &e) != 0)
			continue;
		if (e.kind == PT_TRAIT)
			pt_vec_push(&traits, e.id);
		else if (e.kind == PT_FUNCTION || e.kind == PT_METHOD)
			pt_vec_push(&fns, e.id);
	}
	store_cursor_close(c);
	static const char *const kinds[] = {"what-implements", "callers", "callees",
					    "blast-radius-3", "search"};
	json_t *out = json_object();
	uint64_t *lat = pt_xmalloc((o->n + 1) * sizeof *lat);
	for (size_t q = 0; q < 5; q++) {
		query_ids *pool = q == 0 ? &traits : &fns;
		if (!pool->n)
			continue;
		size_t n = o->n;
		for (size_t i = 0; i < n; i++) {
			uint64_t id = pool->v[(i * 7919) % pool->n];
			query_results r = {0};
			query_ids s = {0};
			uint64_t t0 = pt_now_ns();
			if (q == 0)
				query_what_implements(txn, id, 0, &r);
			else if (q == 1)
				query_callers(txn, id, 0, &r);
			else if (q == 2)
				query_callees(txn, id, 0, &r);
			else if (q == 3)
				query_blast_radius(txn, id, 3, 0, &r);
			else {
				rec_entity e;
				query_entity(txn, id, &e);
				query_targets(txn, e.name, &s);
			}
			lat[i] = pt_now_ns() - t0;
			query_results_free(&r);
			pt_vec_free(&s);
		}
		qsort(lat, n, sizeof *lat, cmp_u64);
		json_object_set_new(
			out, kinds[q],
			json_pack("{s:f,s:f,s:i}", "median_us", (double)lat[n / 2] / 1e3, "p99_us",
				  (double)lat[(n * 99) / 100] / 1e3, "n", (json_int_t)n));
		if (!o->json)
			printf("%-16s median %8.1f us   p99 %8.1f us   (n=%zu)\n", kinds[q],
			       (double)lat[n / 2] / 1e3, (double)lat[(n * 99) / 100] / 1e3, n);
	}
	if (o->json) {
		json_t *top = json_pack("{s:o}", "kinds", out);
		json_dumpf(top, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(top);
	} else {
		json_decref(out);
	}
	free(lat);
	pt_vec_free(&traits);
	pt_vec_free(&fns);
	store_txn_abort(txn);
	store_close(st);
	return EXIT_OK;
}
