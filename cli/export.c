/* cli/export.c — `parseltongue export`: collects the whole graph or what a
 * query reaches, then hands it to the writer of the format asked for. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/escape.h"
#include "../graph/index.h"
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

/* Adds id to a query's entities at distance depth from its targets (the
 * smaller distance when it is there already). */
static void add_at_depth(export_graph *g, uint64_t id, uint32_t depth)
{
	for (size_t i = 0; i < g->ents.n; i++) {
		if (g->ents.v[i] == id) {
			if (depth < g->depth.v[i])
				g->depth.v[i] = depth;
			return;
		}
	}
	pt_vec_push(&g->ents, id);
	pt_vec_push(&g->depth, depth);
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

/* One array element of the JSON document, dumped alone then indented to its
 * depth (2): jansson indents by depth, so the bytes are those of dumping
 * the whole document at once. Consumes (decrefs) v; a NULL v (a string
 * jansson refused) is skipped, as appending it to the array would be. */
static void json_element(json_t *v, bool *first, FILE *out)
{
	if (!v)
		return;
	char *s = pt_json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(v);
	if (!s)
		return;
	fputs(*first ? "\n  " : ",\n  ", out);
	*first = false;
	for (const char *p = s, *nl; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n'))) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(nl - p) + 1, out);
		fputs("  ", out);
	}
	free(s);
}

static json_t *edge_json(store_txn *txn, const export_graph *g, size_t i)
{
	const rec_edge *e = &g->edges.v[i];
	/* names and paths may hold bytes that are not UTF-8 (core/escape.h) */
	return json_pack("{s:s,s:o,s:o,s:o,s:i,s:i,s:b}", "kind", pt_rel_name(e->kind), "from",
			 pt_json_bytes(qpath_of(txn, g->edge_src.v[i])), "to",
			 pt_json_bytes(qpath_of(txn, e->other)), "file",
			 pt_json_bytes(query_file_path(txn, e->file)), "line",
			 (json_int_t)e->sl + 1, "column", (json_int_t)e->sc + 1, "ambiguous",
			 (e->flags & EDGE_AMBIGUOUS) != 0);
}

static json_t *entity_json(store_txn *txn, uint64_t id)
{
	json_t *e = cli_entity_json(txn, id, 0);
	if (!e)
		return NULL;
	char hex[24];
	snprintf(hex, sizeof hex, "%016" PRIx64, id);
	json_object_set_new(e, "id", json_string(hex));
	return e;
}

/* {"edges": [...], "entities": [...]} with one-space indentation and
 * sorted keys, written an element at a time. */
int export_json(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	bool first = true;
	fputs("{\n \"edges\": [", out);
	for (size_t i = 0; i < g->edges.n; i++)
		json_element(edge_json(txn, g, i), &first, out);
	fputs(first ? "],\n \"entities\": [" : "\n ],\n \"entities\": [", out);
	first = true;
	for (size_t i = 0; i < g->ents.n; i++)
		json_element(entity_json(txn, g->ents.v[i]), &first, out);
	fputs(first ? "]\n}\n" : "\n ]\n}\n", out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

/* ---- the writers ------------------------------------------------------------------ */

/* Labels are names a repository chose (file and folder names): each is
 * escaped for its format (core/escape.h), so it stays one label. */
int export_dot(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	(void)o;
	pt_strbuf label = {0};
	fputs("digraph parseltongue {\n  node [shape=box, fontname=\"monospace\"];\n", out);
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) != PT_OK)
			continue;
		label.len = 0;
		pt_esc_dot(&label, e.qpath);
		fprintf(out, "  n%016" PRIx64 " [label=\"%s\\n(%s)\"];\n", e.id, label.buf,
			pt_kind_name(e.kind));
	}
	pt_strbuf_free(&label);
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
	pt_strbuf label = {0};
	fputs("graph LR\n", out);
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) != PT_OK)
			continue;
		label.len = 0;
		pt_esc_mermaid(&label, e.qpath);
		fprintf(out, "  n%016" PRIx64 "[\"%s (%s)\"]\n", e.id, label.buf,
			pt_kind_name(e.kind));
	}
	pt_strbuf_free(&label);
	for (size_t i = 0; i < g->edges.n; i++) {
		const rec_edge *e = &g->edges.v[i];
		fprintf(out, "  n%016" PRIx64 " -->|%s| n%016" PRIx64 "\n", g->edge_src.v[i],
			pt_rel_name(e->kind), e->other);
	}
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

/* ---- text ------------------------------------------------------------------------ */

/* The length of the UTF-8 sequence at p that XML can carry (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF; and not
 * U+FFFE or U+FFFF), or 0. */
static size_t utf8_char(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
		if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
			return 0;
		return p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe ? 0 : 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
		if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

static bool plain_control(unsigned char c)
{
	return c == '\t' || c == '\n' || c == '\r';
}

/* one_line: newline and carriage return need quoting too. */
static bool text_is_clean(const char *s, bool one_line)
{
	if (*s == '"')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_char(p);
		if (!n || (*p < 0x20 && !plain_control(*p)) || *p == 0x7f ||
		    (one_line && (*p == '\n' || *p == '\r')))
			return false;
		p += n;
	}
	return true;
}

static const char *quote_text(const char *s, bool one_line, pt_strbuf *tmp)
{
	if (text_is_clean(s, one_line))
		return s;
	tmp->len = 0;
	pt_strbuf_addc(tmp, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_char(p);
		const char *esc = *p == '"'    ? "\\\""
				  : *p == '\\' ? "\\\\"
				  : *p == '\t' ? "\\t"
				  : *p == '\n' ? "\\n"
				  : *p == '\r' ? "\\r"
					       : NULL;
		if (esc) {
			pt_strbuf_adds(tmp, esc);
			p++;
		} else if (!n || *p < 0x20 || *p == 0x7f) {
			pt_strbuf_printf(tmp, "\\%03o", *p);
			p++;
		} else {
			pt_strbuf_add(tmp, p, n);
			p += n;
		}
	}
	pt_strbuf_addc(tmp, '"');
	return pt_strbuf_cstr(tmp);
}

const char *export_text(const char *s, pt_strbuf *tmp)
{
	return quote_text(s, false, tmp);
}

void export_xml_puts(FILE *out, const char *s)
{
	pt_strbuf tmp = {0};
	for (const char *p = export_text(s, &tmp); *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '\t': fputs("&#9;", out); break;
		case '\n': fputs("&#10;", out); break;
		case '\r': fputs("&#13;", out); break;
		default: putc(*p, out);
		}
	}
	pt_strbuf_free(&tmp);
}

void export_csv_puts(FILE *out, const char *s)
{
	pt_strbuf tmp = {0};
	putc('"', out);
	for (const char *p = quote_text(s, true, &tmp); *p; p++) {
		if (*p == '"')
			putc('"', out);
		putc(*p, out);
	}
	putc('"', out);
	pt_strbuf_free(&tmp);
}

const char *export_root(store_txn *txn)
{
	store_val v;
	if (store_get(txn, TBL_META, META_ROOT, strlen(META_ROOT), &v) != PT_OK || !v.len ||
	    memchr(v.data, 0, v.len) != (const char *)v.data + v.len - 1)
		return "";
	return v.data;
}

/* ---- drawing ---------------------------------------------------------------------- */

const char *export_kind_colour(int kind)
{
	switch (kind) {
	case PT_FUNCTION:
	case PT_METHOD: return "#dbe9fb";
	case PT_STRUCT:
	case PT_ENUM:
	case PT_UNION:
	case PT_TYPE_ALIAS: return "#dcf1dc";
	case PT_TRAIT: return "#ece1f7";
	case PT_MODULE:
	case PT_CRATE: return "#fbf1cf";
	case PT_CONST:
	case PT_STATIC:
	case PT_MACRO: return "#fde5d2";
	default: return "#eceff1";
	}
}

int export_cycle_of(const export_graph *g, uint64_t id)
{
	const query_cycle_set *c = &g->cycles;
	for (size_t i = 0; i + 1 < c->starts.n; i++)
		for (uint32_t j = c->starts.v[i]; j < c->starts.v[i + 1]; j++)
			if (c->members.v[j] == id)
				return (int)i;
	return -1;
}

bool export_targets_on_top(const export_graph *g)
{
	return strcmp(g->view, "blast-radius") == 0 || strcmp(g->view, "callers") == 0 ||
	       strcmp(g->view, "references") == 0;
}

/* ---- the command ------------------------------------------------------------------ */

/* More than a drawing shows legibly, and than a browser (dagre) or dot
 * lays out in seconds rather than minutes (in Chromium, dagre takes about
 * 2 s for 120 entities and 220 edges, 10 s for 400 and 1,700, 40 s for
 * std's cycles, 390 and 2,200): the formats that draw refuse it unless
 * --full says otherwise. */
#define DRAW_MAX_NODES 1000
#define DRAW_MAX_EDGES 1500

/* The formats: a stream writer, or a directory writer for formats made of
 * several files; exts are the file name endings -o picks the format by
 * (space-separated); binary formats are never written to a terminal;
 * formats that draw are held to DRAW_MAX_NODES and DRAW_MAX_EDGES. */
static const struct {
	const char *name, *exts;
	export_writer write;
	export_dir_writer write_dir;
	bool binary, draws;
} formats[] = {
	{"json", ".json", export_json, NULL, false, false},
	{"dot", ".dot .gv", export_dot, NULL, false, false},
	{"mermaid", ".mmd .mermaid", export_mermaid, NULL, false, false},
	{"scip", ".scip", export_scip, NULL, true, false},
	{"graphml", ".graphml", export_graphml, NULL, false, false},
	{"neo4j", "", NULL, export_neo4j, false, false},
	{"html", ".html .htm", export_html, NULL, false, true},
	{"svg", ".svg", export_svg, NULL, false, true},
};
enum {
	N_FORMATS = sizeof formats / sizeof *formats
};

static int format_named(const char *name)
{
	for (int i = 0; i < N_FORMATS; i++)
		if (strcmp(formats[i].name, name) == 0)
			return i;
	return -1;
}

static bool ends_with(const char *s, const char *end, size_t n)
{
	size_t len = strlen(s);
	return len > n && strncmp(s + len - n, end, n) == 0;
}

/* The format whose extension path ends with, -1 if none. */
static int format_of_path(const char *path)
{
	for (int i = 0; i < N_FORMATS; i++) {
		for (const char *e = formats[i].exts; *e;) {
			size_t n = strcspn(e, " ");
			if (ends_with(path, e, n))
				return i;
			e += n + (e[n] == ' ');
		}
	}
	return -1;
}

static void format_names(pt_strbuf *b)
{
	for (int i = 0; i < N_FORMATS; i++)
		pt_strbuf_printf(b, "%s%s", i ? ", " : "", formats[i].name);
}

/* The format the options ask for, or -1 after saying what is wrong. */
static int pick_format(const cli_opts *o)
{
	int f = -1;
	if (o->format)
		f = format_named(o->format);
	else if (o->output)
		f = format_of_path(o->output);
	if (f >= 0 && !formats[f].write_dir)
		return f;
	if (f >= 0 && o->output)
		return f;
	pt_strbuf names = {0};
	format_names(&names);
	if (f >= 0)
		cli_err("export --format %s writes several files: give the directory with -o DIR",
			o->format);
	else if (o->format)
		cli_err("export: --format takes %s", pt_strbuf_cstr(&names));
	else if (o->output)
		cli_err("export: cannot tell the format from '%s': give --format (%s)", o->output,
			pt_strbuf_cstr(&names));
	else
		cli_err("export: give --format FORMAT (%s) or -o FILE", pt_strbuf_cstr(&names));
	pt_strbuf_free(&names);
	return -1;
}
/* The entities a query reaches from its targets, and the edges between
 * them. */
static int collect_query(store_txn *txn, const cli_opts *o, int k, export_graph *g)
{
	query_ids *ids = &g->targets;
	cli_targets_for(txn, (qkind)k, o->args[1], o, ids);
	if (!ids->n) {
		cli_err("'%s' matches no entity", o->args[1]);
		return EXIT_NOTARGET;
	}
	for (size_t t = 0; t < ids->n; t++)
		add_at_depth(g, ids->v[t], 0);
	for (size_t t = 0; t < ids->n; t++) {
		query_results r = {0};
		cli_run_query(txn, (qkind)k, ids->v[t], o, &r);
		for (size_t i = 0; i < r.items.n; i++) {
			const query_item *it = &r.items.v[i];
			add_at_depth(g, it->id, k == Q_BLAST ? it->depth : 1);
			if (it->other)
				add_at_depth(g, it->other, 1);
		}
		query_results_free(&r);
	}
	collect_edges(txn, g, false);
	return EXIT_OK;
}

/* Appends to g the edges of from whose two ends lie in one cycle of
 * g->cycles, of the relation kind (0: any). */
static void keep_cycle_edges(export_graph *g, const export_graph *from, int kind)
{
	for (size_t i = 0; i < from->edges.n; i++) {
		const rec_edge *e = &from->edges.v[i];
		int c = export_cycle_of(g, from->edge_src.v[i]);
		if ((kind && e->kind != kind) || c < 0 || c != export_cycle_of(g, e->other))
			continue;
		pt_vec_push(&g->edges, *e);
		pt_vec_push(&g->edge_src, from->edge_src.v[i]);
		if (from->edge_count.n)
			pt_vec_push(&g->edge_count, from->edge_count.v[i]);
		else if (g->edge_count.n)
			pt_vec_push(&g->edge_count, 1);
	}
}

static void export_graph_free(export_graph *g)
{
	pt_vec_free(&g->ents);
	pt_vec_free(&g->edges);
	pt_vec_free(&g->edge_src);
	pt_vec_free(&g->targets);
	pt_vec_free(&g->depth);
	pt_vec_free(&g->edge_count);
	query_cycle_set_free(&g->cycles);
}

/* The cycles find-cycles reports (--level module|function, both by
 * default), drawn: their members, and the edges that close them (the
 * calls between functions of one cycle; the lifted edges between modules
 * of one cycle, as query_cycles lifts them). */
static int collect_cycles(store_txn *txn, const cli_opts *o, export_graph *g)
{
	int levels = CYCLES_MODULE | CYCLES_FUNCTION;
	if (o->level && strcmp(o->level, "module") == 0)
		levels = CYCLES_MODULE;
	else if (o->level && strcmp(o->level, "function") == 0)
		levels = CYCLES_FUNCTION;
	else if (o->level) {
		cli_err("export --query find-cycles: --level takes module or function");
		return EXIT_USAGE;
	}
	if (query_cycles(txn, levels, &g->cycles)) {
		cli_err("cannot read the graph");
		return EXIT_DB;
	}
	g->has_cycles = true;
	for (size_t i = 0; i < g->cycles.members.n; i++)
		if (!has_id(&g->ents, g->cycles.members.v[i]))
			pt_vec_push(&g->ents, g->cycles.members.v[i]);
	export_graph all = {0};
	for (size_t i = 0; i < g->ents.n; i++)
		pt_vec_push(&all.ents, g->ents.v[i]);
	collect_edges(txn, &all, false);
	keep_cycle_edges(g, &all, REL_CALLS);
	export_graph_free(&all);
	all = (export_graph){0};
	if (levels & CYCLES_MODULE) {
		export_collect_level(txn, EXPORT_MODULES, true, &all);
		keep_cycle_edges(g, &all, 0);
		export_graph_free(&all);
	}
	return EXIT_OK;
}

/* What `export` is asked for: a query's part of the graph, the graph
 * lifted to modules or crates (--level), or all of it. */
static int collect(store_txn *txn, const cli_opts *o, export_graph *g)
{
	if (o->query_mode) {
		int k = o->nargs >= 1 ? cli_qkind_of(o->args[0]) : -1;
		g->view = k >= 0 ? o->args[0] : "";
		if (k == Q_CYCLES && o->nargs == 1)
			return collect_cycles(txn, o, g);
		if (k < 0 || k == Q_CYCLES || k == Q_CONTEXT || o->nargs < 2) {
			cli_err("export --query KIND TARGET, or export --query find-cycles");
			return EXIT_USAGE;
		}
		return collect_query(txn, o, k, g);
	}
	if (!o->level) {
		g->view = "graph";
		collect_all(txn, g);
		collect_edges(txn, g, true);
		return EXIT_OK;
	}
	bool modules = strcmp(o->level, "module") == 0;
	if (!modules && strcmp(o->level, "crate") != 0) {
		cli_err("export: --level takes module or crate");
		return EXIT_USAGE;
	}
	g->view = modules ? "module" : "crate";
	export_collect_level(txn, modules ? EXPORT_MODULES : EXPORT_CRATES, false, g);
	if (modules && query_cycles(txn, CYCLES_MODULE, &g->cycles) == PT_OK)
		g->has_cycles = true;
	return EXIT_OK;
}

/* Write the graph to o->output through a temporary file renamed over it
 * at the end, so a failed export leaves any earlier file whole; "-" or no
 * -o is stdout. */
static int write_stream(store_txn *txn, const export_graph *g, const cli_opts *o, int f)
{
	if (!o->output || strcmp(o->output, "-") == 0) {
		if (formats[f].binary && isatty(STDOUT_FILENO)) {
			cli_err("export --format %s is binary: redirect it or give -o FILE",
				formats[f].name);
			return EXIT_USAGE;
		}
		int rc = formats[f].write(txn, g, o, stdout);
		if (rc == EXPORT_REPORTED)
			return EXIT_FAIL;
		if (fflush(stdout) != 0 || rc != EXIT_OK) {
			cli_err("export: cannot write to stdout: %s", strerror(errno));
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	pt_strbuf tmp = {0};
	pt_strbuf_printf(&tmp, "%s.tmp.%ld", o->output, (long)getpid());
	const char *path = pt_strbuf_cstr(&tmp);
	FILE *out = fopen(path, "wb");
	int rc = EXIT_FAIL;
	if (!out) {
		cli_err("export: cannot create %s: %s", path, strerror(errno));
		goto done;
	}
	rc = formats[f].write(txn, g, o, out);
	int err = rc != EXIT_OK || ferror(out) ? errno : 0;
	if (fclose(out) != 0 && !err)
		err = errno ? errno : EIO;
	if (rc == EXIT_OK && !err && rename(path, o->output) != 0)
		err = errno;
	if (rc != EXIT_OK || err) {
		if (rc != EXPORT_REPORTED)
			cli_err("export: cannot write %s: %s", o->output,
				strerror(err ? err : EIO));
		unlink(path);
		rc = EXIT_FAIL;
	}
done:
	pt_strbuf_free(&tmp);
	return rc;
}

static int write_dir(store_txn *txn, const export_graph *g, const cli_opts *o, int f)
{
	struct stat st;
	if (mkdir(o->output, 0777) != 0 && errno != EEXIST) {
		cli_err("export: cannot create directory %s: %s", o->output, strerror(errno));
		return EXIT_FAIL;
	}
	if (stat(o->output, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_err("export --format %s: %s is not a directory", formats[f].name, o->output);
		return EXIT_FAIL;
	}
	return formats[f].write_dir(txn, g, o, o->output);
}

int cmd_export(const cli_opts *o)
{
	int f = pick_format(o);
	if (f < 0)
		return EXIT_USAGE;
	store *st = NULL;
	store_txn *txn = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	if (store_txn_begin(st, false, &txn)) {
		store_close(st);
		return EXIT_DB;
	}
	export_graph g = {.whole = !o->query_mode && !o->level};
	int rc = collect(txn, o, &g);
	if (rc == EXIT_OK && formats[f].draws && !o->full &&
	    (g.ents.n > DRAW_MAX_NODES || g.edges.n > DRAW_MAX_EDGES)) {
		cli_err("export --format %s: %zu entities and %zu edges are more than a drawing "
			"shows legibly (at most %d and %d): draw a part (--query KIND TARGET, "
			"--level module, --level crate) or pass --full",
			formats[f].name, g.ents.n, g.edges.n, DRAW_MAX_NODES, DRAW_MAX_EDGES);
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK)
		rc = formats[f].write_dir ? write_dir(txn, &g, o, f) : write_stream(txn, &g, o, f);
	export_graph_free(&g);
	store_txn_abort(txn);
	store_close(st);
	return rc;
}
