/* cli/export_dot.c — `export --format dot`: Graphviz's DOT language, and
 * what `--format svg` hands to dot.
 *
 * Every string is written quoted and escaped for DOT: names come from the
 * indexed repository, where file names (and so module names) are whatever
 * an attacker chose, and nothing in them may end a string and add
 * attributes (a URL in the SVG that Graphviz draws, say). Boxes are
 * coloured by kind as in the HTML view; targets have a heavy border and
 * the members of the cycles the query found are drawn in red. */
#include <inttypes.h>
#include <stdio.h>

#include "export.h"

/* s escaped for the inside of a DOT string: export_text's form, then
 * backslash and double quote escaped and line breaks as \n. */
static void dot_text(FILE *out, const char *s)
{
	pt_strbuf tmp = {0};
	for (const char *p = export_text(s, &tmp); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n' || *p == '\r')
			fputs("\\n", out);
		else
			putc(*p, out);
	}
	pt_strbuf_free(&tmp);
}

static void dot_site(FILE *out, store_txn *txn, uint32_t file, uint32_t line)
{
	const char *f = query_file_path(txn, file);
	if (!*f)
		return;
	fputs(", tooltip=\"", out);
	dot_text(out, f);
	fprintf(out, ":%u\"", line + 1);
}

static void dot_node(FILE *out, store_txn *txn, const export_graph *g, const rec_entity *e)
{
	fprintf(out, "  n%016" PRIx64 " [label=\"", e->id);
	dot_text(out, e->qpath);
	fprintf(out, "\\n(%s)\", fillcolor=\"%s\"", pt_kind_name(e->kind),
		export_kind_colour(e->kind));
	dot_site(out, txn, e->file, e->sl);
	if (export_cycle_of(g, e->id) >= 0)
		fputs(", color=\"#d62728\", penwidth=2.2", out);
	for (size_t i = 0; i < g->targets.n; i++)
		if (g->targets.v[i] == e->id)
			fputs(", color=\"#1d1f23\", penwidth=3", out);
	fputs("];\n", out);
}

static void dot_edge(FILE *out, store_txn *txn, const export_graph *g, size_t i)
{
	const rec_edge *e = &g->edges.v[i];
	uint64_t from = g->edge_src.v[i];
	fprintf(out, "  n%016" PRIx64 " -> n%016" PRIx64 " [label=\"%s", from, e->other,
		pt_rel_name(e->kind));
	if (i < g->edge_count.n && g->edge_count.v[i] > 1)
		fprintf(out, " ×%" PRIu32, g->edge_count.v[i]);
	fputc('"', out);
	dot_site(out, txn, e->file, e->sl);
	int c = export_cycle_of(g, from);
	if (c >= 0 && c == export_cycle_of(g, e->other))
		fputs(", color=\"#d62728\", penwidth=1.8", out);
	if (e->flags & EDGE_AMBIGUOUS)
		fputs(", style=dashed", out);
	fputs("];\n", out);
}

int export_dot(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	fprintf(out,
		"digraph parseltongue {\n  rankdir=%s;\n"
		"  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", "
		"fontsize=11, color=\"#9aa0a8\"];\n"
		"  edge [color=\"#7a7a7a\", fontname=\"sans-serif\", fontsize=9, "
		"fontcolor=\"#5f6670\", arrowsize=0.7];\n",
		export_targets_on_top(g) ? "BT" : "TB");
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) == PT_OK)
			dot_node(out, txn, g, &e);
	}
	for (size_t i = 0; i < g->edges.n; i++)
		dot_edge(out, txn, g, i);
	fputs("}\n", out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}
