/* cli/export_graphml.c — the graph as GraphML: a node per entity with its
 * kind, name, qualified path, location and signature as data, an edge per
 * relation with its kind and site. Every string goes through
 * export_xml_puts, so names an attacker chose (file and folder names)
 * cannot end an attribute or add an element, and the document stays
 * well-formed XML whatever bytes they hold. */
#include <inttypes.h>
#include <stdio.h>

#include "export.h"

/* The attributes GraphML declares: id, what it is on, name, type. */
static const char *const keys[][4] = {
	{"kind", "node", "kind", "string"},
	{"name", "node", "name", "string"},
	{"path", "node", "path", "string"},
	{"file", "node", "file", "string"},
	{"line", "node", "line", "int"},
	{"column", "node", "column", "int"},
	{"end_line", "node", "end_line", "int"},
	{"end_column", "node", "end_column", "int"},
	{"signature", "node", "signature", "string"},
	{"external", "node", "external", "boolean"},
	{"cfg_off", "node", "cfg_off", "boolean"},
	{"relation", "edge", "relation", "string"},
	{"site_file", "edge", "file", "string"},
	{"site_line", "edge", "line", "int"},
	{"site_column", "edge", "column", "int"},
	{"ambiguous", "edge", "ambiguous", "boolean"},
};

static void header(FILE *out)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
	      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	      "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
	      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
	      out);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		fprintf(out, "  <key id=\"%s\" for=\"%s\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
			keys[i][0], keys[i][1], keys[i][2], keys[i][3]);
	fputs("  <graph id=\"parseltongue\" edgedefault=\"directed\">\n", out);
}

static void data_str(FILE *out, const char *key, const char *s)
{
	fprintf(out, "      <data key=\"%s\">", key);
	export_xml_puts(out, s);
	fputs("</data>\n", out);
}

static void data_int(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, "      <data key=\"%s\">%" PRIu64 "</data>\n", key, v);
}

static void node(store_txn *txn, const rec_entity *e, FILE *out)
{
	bool located = e->file != PT_NO_FILE;
	fprintf(out, "    <node id=\"n%016" PRIx64 "\">\n", e->id);
	data_str(out, "kind", pt_kind_name(e->kind));
	data_str(out, "name", e->name);
	data_str(out, "path", e->qpath);
	data_str(out, "file", query_file_path(txn, e->file));
	data_int(out, "line", located ? (uint64_t)e->sl + 1 : 0);
	data_int(out, "column", located ? (uint64_t)e->sc + 1 : 0);
	data_int(out, "end_line", located ? (uint64_t)e->el + 1 : 0);
	data_int(out, "end_column", located ? (uint64_t)e->ec + 1 : 0);
	data_str(out, "signature", e->sig);
	if (e->flags & ENT_EXTERNAL)
		fputs("      <data key=\"external\">true</data>\n", out);
	if (e->flags & ENT_CFG_OFF)
		fputs("      <data key=\"cfg_off\">true</data>\n", out);
	fputs("    </node>\n", out);
}

static void edge(store_txn *txn, uint64_t src, const rec_edge *e, size_t i, FILE *out)
{
	fprintf(out,
		"    <edge id=\"e%zu\" source=\"n%016" PRIx64 "\" target=\"n%016" PRIx64 "\">\n", i,
		src, e->other);
	data_str(out, "relation", pt_rel_name(e->kind));
	data_str(out, "site_file", query_file_path(txn, e->file));
	data_int(out, "site_line", (uint64_t)e->sl + 1);
	data_int(out, "site_column", (uint64_t)e->sc + 1);
	fprintf(out, "      <data key=\"ambiguous\">%s</data>\n",
		e->flags & EDGE_AMBIGUOUS ? "true" : "false");
	fputs("    </edge>\n", out);
}

/* Nodes first, then edges (a query's export holds only edges between its
 * nodes); an edge whose far end is missing from the database is left
 * out, as GraphML readers would invent the node. */
int export_graphml(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	rec_entity e;
	header(out);
	for (size_t i = 0; i < g->ents.n; i++)
		if (query_entity(txn, g->ents.v[i], &e) == PT_OK)
			node(txn, &e, out);
	for (size_t i = 0; i < g->edges.n; i++)
		if (query_entity(txn, g->edges.v[i].other, &e) == PT_OK)
			edge(txn, g->edge_src.v[i], &g->edges.v[i], i, out);
	fputs("  </graph>\n</graphml>\n", out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}
