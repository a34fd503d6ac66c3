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
} export_graph;

/* A writer to a stream: returns EXIT_OK, or EXIT_FAIL when out cannot be
 * written (the caller reports it). */
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

#endif
