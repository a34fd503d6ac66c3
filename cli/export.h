/* cli/export.h — `parseltongue export`: the graph, or the part of it a
 * query reaches, written in one of several formats.
 *
 * cli/export.c collects the entities and edges and picks the writer from
 * its table of formats; each writer gets the collected graph and the
 * stream to write to. A new format is one writer and one line in that
 * table. */
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

/* A writer: returns EXIT_OK, or EXIT_FAIL when out cannot be written. */
typedef int (*export_writer)(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);

int export_json(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
int export_dot(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);
int export_mermaid(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out);

#endif
