/* cli/export_html.c — `export --format html`: one self-contained page that
 * draws the graph.
 *
 * The page is the viewer in viewer/ (dagre lays the graph out in layers,
 * SVG draws it, d3-zoom pans and zooms), bundled by esbuild and made into
 * the two arrays below at build time by tools/embed_viewer.py. This file
 * writes the page's head, the graph as JSON, and its tail. The page loads
 * nothing: its Content-Security-Policy allows only its own script and
 * style, by hash.
 *
 * The JSON sits inside <script type="application/json">. Names in it come
 * from the indexed repository (file names are whatever its author chose),
 * so every <, > and & is written as a \u escape, and every character
 * beyond ASCII too (U+2028 and U+2029 among them): nothing in a name can
 * end the element, start markup, or change how a script reads it.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "export.h"

/* build/gen/viewer_page.c (generated): the page before and after the graph. */
extern const unsigned char pt_viewer_head[], pt_viewer_tail[];
extern const size_t pt_viewer_head_len, pt_viewer_tail_len;

/* The version of the JSON below that viewer/src/model.js reads. */
enum {
	HTML_FORMAT_VERSION = 1
};

/* jansson's dump callback: the JSON as it comes, but <, > and & as \u
 * escapes (outside strings, JSON never holds them). */
static int put_escaped(const char *buf, size_t n, void *data)
{
	FILE *out = data;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '<' || c == '>' || c == '&')
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
	return ferror(out) ? -1 : 0;
}

/* Writes v (consumed) as escaped JSON. */
static void put_json(json_t *v, FILE *out)
{
	if (v)
		json_dump_callback(v, put_escaped, out,
				   JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	json_decref(v);
}

/* A string from the graph as JSON: export_text's form, which is always
 * valid UTF-8 (jansson takes nothing else). */
static json_t *text(const char *s)
{
	pt_strbuf tmp = {0};
	json_t *j = json_string(export_text(s, &tmp));
	pt_strbuf_free(&tmp);
	return j ? j : json_string("");
}

static json_t *hex_id(uint64_t id)
{
	char hex[24];
	snprintf(hex, sizeof hex, "%016" PRIx64, id);
	return json_string(hex);
}

/* depth: the distance from the targets, or UINT32_MAX when unknown. */
static json_t *node_json(store_txn *txn, const rec_entity *e, uint32_t depth)
{
	bool here = e->file != PT_NO_FILE;
	json_t *n = json_object();
	json_object_set_new(n, "id", hex_id(e->id));
	json_object_set_new(n, "name", text(e->name));
	json_object_set_new(n, "kind", json_string(pt_kind_name(e->kind)));
	json_object_set_new(n, "path", text(e->qpath));
	json_object_set_new(n, "file", text(query_file_path(txn, e->file)));
	json_object_set_new(n, "line", json_integer(here ? e->sl + 1 : 0));
	json_object_set_new(n, "column", json_integer(here ? e->sc + 1 : 0));
	json_object_set_new(n, "signature", text(e->sig));
	if (e->flags & ENT_EXTERNAL)
		json_object_set_new(n, "external", json_true());
	if (depth != UINT32_MAX)
		json_object_set_new(n, "depth", json_integer(depth));
	return n;
}

static json_t *edge_json(store_txn *txn, const export_graph *g, size_t i)
{
	const rec_edge *e = &g->edges.v[i];
	bool here = e->file != PT_NO_FILE;
	json_t *j = json_object();
	json_object_set_new(j, "from", hex_id(g->edge_src.v[i]));
	json_object_set_new(j, "to", hex_id(e->other));
	json_object_set_new(j, "kind", json_string(pt_rel_name(e->kind)));
	json_object_set_new(j, "file", text(query_file_path(txn, e->file)));
	json_object_set_new(j, "line", json_integer(here ? e->sl + 1 : 0));
	json_object_set_new(j, "column", json_integer(here ? e->sc + 1 : 0));
	json_object_set_new(j, "ambiguous", json_boolean(e->flags & EDGE_AMBIGUOUS));
	json_object_set_new(j, "count", json_integer(i < g->edge_count.n ? g->edge_count.v[i] : 1));
	return j;
}

/* What the page is titled: the view, and the first target. */
static json_t *title_json(store_txn *txn, const export_graph *g)
{
	static const struct {
		const char *view, *title;
	} fixed[] = {
		{"graph", "all entities"},
		{"module", "module dependencies"},
		{"crate", "crate dependencies"},
		{"find-cycles", "dependency cycles"},
	};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (strcmp(g->view, fixed[i].view) == 0)
			return json_string(fixed[i].title);
	pt_strbuf b = {0};
	rec_entity e;
	pt_strbuf_adds(&b, g->view);
	for (char *p = b.buf; *p; p++)
		if (*p == '-')
			*p = ' ';
	if (g->targets.n && query_entity(txn, g->targets.v[0], &e) == PT_OK)
		pt_strbuf_printf(&b, " of %s", e.qpath);
	if (g->targets.n > 1)
		pt_strbuf_printf(&b, " and %zu more", g->targets.n - 1);
	json_t *j = text(pt_strbuf_cstr(&b));
	pt_strbuf_free(&b);
	return j;
}

static void put_ids(FILE *out, const uint64_t *ids, size_t n)
{
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc(',', out);
		fprintf(out, "\"%016" PRIx64 "\"", ids[i]);
	}
	putc(']', out);
}

static void put_header(store_txn *txn, const export_graph *g, FILE *out)
{
	fprintf(out, "{\"version\":%d,\"view\":", HTML_FORMAT_VERSION);
	put_json(json_string(g->view), out);
	fputs(",\"title\":", out);
	put_json(title_json(txn, g), out);
	fputs(",\"root\":", out);
	put_json(text(export_root(txn)), out);
	fputs(",\"targets\":", out);
	put_ids(out, g->targets.v, g->targets.n);
}

static void put_cycles(const export_graph *g, FILE *out)
{
	const query_cycle_set *c = &g->cycles;
	fputs(",\"cycles\":[", out);
	for (size_t i = 0; i + 1 < c->starts.n; i++) {
		if (i)
			putc(',', out);
		put_ids(out, c->members.v + c->starts.v[i], c->starts.v[i + 1] - c->starts.v[i]);
	}
	putc(']', out);
}

int export_html(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	fwrite(pt_viewer_head, 1, pt_viewer_head_len, out);
	put_header(txn, g, out);
	fputs(",\"nodes\":[", out);
	bool first = true;
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) != PT_OK)
			continue;
		if (!first)
			putc(',', out);
		first = false;
		put_json(node_json(txn, &e, i < g->depth.n ? g->depth.v[i] : UINT32_MAX), out);
	}
	fputs("],\"edges\":[", out);
	for (size_t i = 0; i < g->edges.n; i++) {
		if (i)
			putc(',', out);
		put_json(edge_json(txn, g, i), out);
	}
	putc(']', out);
	if (g->has_cycles)
		put_cycles(g, out);
	putc('}', out);
	fwrite(pt_viewer_tail, 1, pt_viewer_tail_len, out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}
