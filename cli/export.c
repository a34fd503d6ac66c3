/* cli/export.c — `parseltongue export`: collects the whole graph or what a
 * query reaches, then hands it to the writer of the format asked for. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "export.h"

/* ---- collecting ------------------------------------------------------------------- */

static void collect_all(store_txn *txn, export_graph *g)
{
	store_cursor *c = NULL;
	store_val k, v;
	if (store_cursor_open(txn, TBL_ENTS, &c))
		return;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v))
		if (k.len == 8)
			pt_vec_push(&g->ents, store_load_u64(k.data));
	store_cursor_close(c);
}

static bool has_id(const query_ids *ids, uint64_t id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ids->v[i] == id)
			return true;
	return false;
}

static void collect_edges(store_txn *txn, export_graph *g, bool all)
{
	for (size_t i = 0; i < g->ents.n; i++) {
		query_edges it;
		rec_edge e;
		query_edges_open(txn, g->ents.v[i], QUERY_OUT, &it);
		while (query_edges_next(&it, &e)) {
			if (!all && !has_id(&g->ents, e.other))
				continue;
			pt_vec_push(&g->edges, e);
			pt_vec_push(&g->edge_src, g->ents.v[i]);
		}
	}
}

static const char *qpath_of(store_txn *txn, uint64_t id)
{
	rec_entity e;
	return query_entity(txn, id, &e) == PT_OK ? e.qpath : "?";
}

int export_json(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	json_t *ents = json_array(), *edges = json_array();
	for (size_t i = 0; i < g->ents.n; i++) {
		json_t *e = cli_entity_json(txn, g->ents.v[i], 0);
		if (!e)
			continue;
		char id[24];
		snprintf(id, sizeof id, "%016" PRIx64, g->ents.v[i]);
		json_object_set_new(e, "id", json_string(id));
		json_array_append_new(ents, e);
	}
	for (size_t i = 0; i < g->edges.n; i++) {
		const rec_edge *e = &g->edges.v[i];
		json_array_append_new(
			edges,
			json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:b}", "kind", pt_rel_name(e->kind),
				  "from", qpath_of(txn, g->edge_src.v[i]), "to",
				  qpath_of(txn, e->other), "file", query_file_path(txn, e->file),
				  "line", (json_int_t)e->sl + 1, "column", (json_int_t)e->sc + 1,
				  "ambiguous", (e->flags & EDGE_AMBIGUOUS) != 0));
	}
	json_t *top = json_pack("{s:o,s:o}", "entities", ents, "edges", edges);
	int rc = json_dumpf(top, out, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(top);
	return rc == 0 && fputc('\n', out) != EOF ? EXIT_OK : EXIT_FAIL;
}

/* ---- the writers ------------------------------------------------------------------ */

int export_dot(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	fputs("digraph parseltongue {\n  node [shape=box, fontname=\"monospace\"];\n", out);
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) != PT_OK)
			continue;
		fprintf(out, "  n%016" PRIx64 " [label=\"%s\\n(%s)\"];\n", e.id, e.qpath,
			pt_kind_name(e.kind));
	}
	for (size_t i = 0; i < g->edges.n; i++) {
		const rec_edge *e = &g->edges.v[i];
		fprintf(out, "  n%016" PRIx64 " -> n%016" PRIx64 " [label=\"%s\"];\n",
			g->edge_src.v[i], e->other, pt_rel_name(e->kind));
	}
	fputs("}\n", out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

int export_mermaid(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	fputs("graph LR\n", out);
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) != PT_OK)
			continue;
		fprintf(out, "  n%016" PRIx64 "[\"%s (%s)\"]\n", e.id, e.qpath,
			pt_kind_name(e.kind));
	}
	for (size_t i = 0; i < g->edges.n; i++) {
		const rec_edge *e = &g->edges.v[i];
		fprintf(out, "  n%016" PRIx64 " -->|%s| n%016" PRIx64 "\n", g->edge_src.v[i],
			pt_rel_name(e->kind), e->other);
	}
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------ */

static const struct {
	const char *name;
	export_writer write;
} formats[] = {
	{"json", export_json},
	{"dot", export_dot},
	{"mermaid", export_mermaid},
};

static export_writer writer_of(const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (strcmp(formats[i].name, name) == 0)
			return formats[i].write;
	return NULL;
}

static void format_names(pt_strbuf *b)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		pt_strbuf_printf(b, "%s%s", i ? ", " : "", formats[i].name);
}

/* The entities a query reaches from its targets, and the edges between
 * them. */
static int collect_query(store_txn *txn, const cli_opts *o, export_graph *g)
{
	int k = o->nargs >= 2 ? cli_qkind_of(o->args[0]) : -1;
	if (k < 0 || k == Q_CYCLES || k == Q_CONTEXT) {
		cli_err("export --query KIND TARGET");
		return EXIT_USAGE;
	}
	query_ids ids = {0};
	cli_targets_for(txn, (qkind)k, o->args[1], o, &ids);
	if (!ids.n) {
		cli_err("'%s' matches no entity", o->args[1]);
		pt_vec_free(&ids);
		return EXIT_NOTARGET;
	}
	for (size_t t = 0; t < ids.n; t++) {
		query_results r = {0};
		if (!has_id(&g->ents, ids.v[t]))
			pt_vec_push(&g->ents, ids.v[t]);
		cli_run_query(txn, (qkind)k, ids.v[t], o, &r);
		for (size_t i = 0; i < r.items.n; i++) {
			if (!has_id(&g->ents, r.items.v[i].id))
				pt_vec_push(&g->ents, r.items.v[i].id);
			if (r.items.v[i].other && !has_id(&g->ents, r.items.v[i].other))
				pt_vec_push(&g->ents, r.items.v[i].other);
		}
		query_results_free(&r);
	}
	pt_vec_free(&ids);
	collect_edges(txn, g, false);
	return EXIT_OK;
}

int cmd_export(const cli_opts *o)
{
	const char *fmt = o->format ? o->format : "json";
	export_writer write = writer_of(fmt);
	if (!write) {
		pt_strbuf names = {0};
		format_names(&names);
		cli_err("export: --format takes %s", pt_strbuf_cstr(&names));
		pt_strbuf_free(&names);
		return EXIT_USAGE;
	}
	store *st = NULL;
	store_txn *txn = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	if (store_txn_begin(st, false, &txn)) {
		store_close(st);
		return EXIT_DB;
	}
	export_graph g = {.whole = !o->query_mode};
	int rc = EXIT_OK;
	if (o->query_mode) {
		rc = collect_query(txn, o, &g);
	} else {
		collect_all(txn, &g);
		collect_edges(txn, &g, true);
	}
	if (rc == EXIT_OK)
		rc = write(txn, &g, o, stdout);
	pt_vec_free(&g.ents);
	pt_vec_free(&g.edges);
	pt_vec_free(&g.edge_src);
	store_txn_abort(txn);
	store_close(st);
	return rc;
}
