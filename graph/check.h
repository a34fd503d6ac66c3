/* graph/check.h — is a stored graph consistent? One linear pass per table.
 *
 * Entities decode and sit under their own id; every edge's two ends, and
 * every entity's file, exist; the outgoing and incoming tables describe the
 * same edges; the name and file indexes list exactly the entities; every
 * cached facts blob decodes. Pairs of tables are compared as multisets (a
 * sum of record hashes on each side), so the pass costs a read of each
 * table and no lookups (its cost is measured in bench/, not promised here).
 */
#ifndef PT_GRAPH_CHECK_H
#define PT_GRAPH_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "../store/store.h"

typedef struct {
	uint64_t files, ents, edges, facts;
	uint64_t bad_records; /* a key or value that does not decode */
	uint64_t dangling;    /* an edge end, an entity's file that does not exist */
	bool edges_differ;    /* TBL_OUT and TBL_IN do not mirror each other */
	bool names_differ;    /* TBL_NAMES is not the entities' names */
	bool fileents_differ; /* TBL_FILEENTS is not the entities' files */
	bool fileids_differ;  /* TBL_FILES and TBL_FILEIDS disagree */
	uint64_t bad_facts;   /* cached facts that do not decode */
	uint64_t
		stale_facts; /* facts of an older extractor: not checked, re-made by the next run */
} graph_check_report;

/* Fills r; returns PT_OK when the graph is consistent, PT_ECORRUPT
 * when it is not, another STORE_* code when a table cannot be read. */
int graph_check(store_txn *txn, graph_check_report *r);

/* The same, as store_set_deep_check's hook. */
int graph_check_hook(store_txn *txn);

#endif
