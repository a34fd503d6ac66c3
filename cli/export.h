/* cli/export.h — `parseltongue export`: the graph, or the part of it a
 * query reaches, written in one of several formats.
 *
 * cli/export.c collects the entities and edges and picks the writer from
 * its table of formats; each writer gets the collected graph and the
 * stream (or, for formats made of several files, the directory) to write
 * to. A new format is one writer and one line in that table. Writers write
 * as they go: the graph is held as ids and edge records, never as one
 * document in memory.
 */
#ifndef PT_CLI_EXPORT_H
#define PT_CLI_EXPORT_H

#include <stdio.h>

#include "cli.h"

/* What is exported: entity ids, and every edge between two of them (or,
 * for the whole graph, every edge) with the id of its source. */
typedef struct {
	query_ids ents;
	PT_VEC(rec_edge) edges;
	PT_VEC(uint64_t) edge_src; /* edge_src.v[i] is the source of edges.v[i] */
	bool whole;                /* the whole graph, not a query's part */
	/* What the graph shows: "graph" (the whole graph), "module" or "crate"
	 * (the dependency graph lifted to modules or crates: each edge stands
	 * for edge_count.v[i] CALLS and USES, and its site is the first of
	 * them), or the query's kind ("blast-radius", "find-cycles", ...).
	 * Static text. */
	const char *view;
	query_ids targets; /* the query's targets; none for the others */
	PT_VEC(uint32_t)
	depth;                       /* parallel to ents when a query says it: the
				     * distance from the targets (0 for them) */
	PT_VEC(uint32_t) edge_count; /* lifted views only: how many edges each stands for */
	query_cycle_set cycles;      /* the cycles the query found (find-cycles, module) */
	bool has_cycles;             /* cycles holds the answer (it may be none) */
} export_graph;

/* Writers return EXIT_OK; EXIT_FAIL when out cannot be written (the caller
 * reports it, with errno); or EXPORT_REPORTED after saying themselves what
 * went wrong (a tool they need is missing, say). */
enum {
	EXPORT_REPORTED = -1
};

/* A writer to a stream. */
typedef int (*export_writer)(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
/* A writer of several files into dir (which exists): returns EXIT_OK, or
 * EXIT_FAIL after saying what could not be written. */
typedef int (*export_dir_writer)(store_txn *txn, const export_graph *g, const cli_opts *o,
				 const char *dir);

int export_json(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
int export_dot(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
int export_mermaid(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
/* cli/export_scip.c: a SCIP index (Sourcegraph's scip.proto). */
int export_scip(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
/* cli/export_graphml.c: GraphML (XML), one node per entity, one edge per relation. */
int export_graphml(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
/* cli/export_neo4j.c: nodes.csv and relationships.csv for `neo4j-admin
 * database import`. */
int export_neo4j(store_txn *txn, const export_graph *g, const cli_opts *o, const char *dir);
/* cli/export_html.c: one self-contained page that draws the graph (the
 * viewer in viewer/, bundled at build time) with the graph as JSON in it. */
int export_html(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
/* cli/export_svg.c: the graph laid out and drawn by Graphviz's `dot -Tsvg`
 * (EXPORT_REPORTED when dot is missing or fails). */
int export_svg(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);

/* ---- collecting (cli/export_deps.c) ---------------------------------------------- */

/* The dependency graph lifted to modules (EXPORT_MODULES: crates and
 * modules, each owning the items it holds directly) or to crates
 * (EXPORT_CRATES): one edge per ordered pair of owners between which CALLS
 * or USES edges run (the module graph query_cycles searches), kind
 * REL_USES, with their count and the first one's site. Appends to g->ents,
 * edges, edge_src and edge_count. skip_ancestor: leave out a module's
 * edges to its own ancestors, as query_cycles does. */
enum {
	EXPORT_MODULES = 1,
	EXPORT_CRATES = 2
};
void export_collect_level(store_txn *txn, int level, bool skip_ancestor, export_graph *g);

/* ---- text, shared by the writers ------------------------------------------------ */

/* A string as the writers write it. One that is valid UTF-8, holds no
 * control character but tab, newline and carriage return (nor U+FFFE,
 * U+FFFF) and does not begin with a double quote is returned as it is.
 * Any other (a file name whose bytes are not UTF-8, say) is quoted the way
 * git quotes path names: between double quotes, with \" \\ \t \n \r, and
 * \ooo (three octal digits) for every other control byte and every byte
 * that is not part of valid UTF-8. The result is valid UTF-8 either way,
 * and the original bytes can be recovered from it. Returns s or tmp's
 * text (borrowed until tmp changes). */
const char *export_text(const char *s, pt_strbuf *tmp);
/* export_text(s), escaped for XML character data and attribute values
 * (& < > " ' as entities; tab, newline and carriage return as character
 * references, so attribute normalisation keeps them). */
void export_xml_puts(FILE *out, const char *s);
/* s as one CSV field: always quoted, inner quotes doubled (RFC 4180, what
 * neo4j-admin reads). As export_text(s), but a string that holds a newline
 * or carriage return is quoted git's way too, so that every record is one
 * line (neo4j-admin then needs no --multiline-fields). */
void export_csv_puts(FILE *out, const char *s);
/* The absolute workspace root the database indexed ("" if unknown;
 * borrowed until the transaction ends). */
const char *export_root(store_txn *txn);

/* ---- drawing, shared by the writers that draw (svg, html) ------------------------ */

/* The fill colour of an entity's box (viewer/style.css uses the same). */
const char *export_kind_colour(int kind);
/* The index of the cycle in g->cycles that holds id, or -1 (none, or g
 * has no cycles). Linear in the cycles' members. */
int export_cycle_of(const export_graph *g, uint64_t id);
/* Whether the targets go on top and what reaches them below (a blast
 * radius, callers, references: the edges point at the target). */
bool export_targets_on_top(const export_graph *g);

#endif
