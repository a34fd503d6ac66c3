/* graph/query_int.h — what query.c and query_targets.c share. Only those
 * two files include it; query.h is the API of both. */
#ifndef PT_GRAPH_QUERY_INT_H
#define PT_GRAPH_QUERY_INT_H

#include "query.h"

/* The ids of the entities called name[0..n), appended to out (by id). */
void qi_by_name(store_txn *txn, const char *name, size_t n, query_ids *out);
/* Sorts ids and drops repeats. */
void qi_ids_sort_unique(query_ids *ids);

#endif
