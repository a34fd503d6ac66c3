/* graph/query.h — questions asked of the stored graph.
 *
 * One API for the CLI and the LSP server. Every function reads inside a
 * read transaction the caller holds (store_txn_begin(st, false, ..)):
 * strings in results are borrowed from the map until that transaction
 * ends. Results are lists of query_item, each naming a result entity, the
 * target entity it answers for, and where relevant the sites (call or use
 * locations) and the path that reached it.
 */
#ifndef PT_GRAPH_QUERY_H
#define PT_GRAPH_QUERY_H

#include "../store/records.h"
#include "../store/store.h"
#include "model.h"

typedef PT_VEC(uint64_t) query_ids;

/* A site: file id and 0-based line / byte column range. */
typedef struct {
	uint32_t file, line, col, end_line, end_col;
} query_site;

typedef struct {
	uint64_t id;               /* the result entity */
	uint64_t for_id;           /* the target entity this answers for */
	uint64_t other;            /* what-implements: the trait; else 0 */
	uint32_t depth;            /* blast radius: distance from the target */
	uint32_t site_off, site_n; /* into query_results.sites */
	uint32_t via_off, via_n;   /* into query_results.via: target .. this */
	uint8_t rel, flags;        /* relation of the first edge; EDGE_* or-ed */
	bool derive;               /* what-implements: a #[derive] site */
} query_item;

typedef struct {
	PT_VEC(query_item) items;
	PT_VEC(query_site) sites;
	PT_VEC(uint64_t) via;
	bool truncated; /* a limit cut the answer */
} query_results;

void query_results_free(query_results *r);

/* The edges of one entity in one direction, read in place from the map
 * (borrowed until the read transaction ends); the one way front ends walk
 * adjacency, so that only graph/ and store/ know the record layout:
 *
 *	query_edges it;
 *	rec_edge e;
 *	query_edges_open(txn, id, QUERY_OUT, &it);
 *	while (query_edges_next(&it, &e))
 *		...
 *
 * open returns the number of edges (0 when the entity has none or is
 * unknown). */
enum {
	QUERY_OUT = 0, /* edges whose source is the entity */
	QUERY_IN = 1   /* edges whose target is the entity */
};
typedef struct {
	const uint8_t *p; /* the adjacency value, borrowed */
	size_t n, i;
} query_edges;
size_t query_edges_open(store_txn *txn, uint64_t id, int dir, query_edges *it);
bool query_edges_next(query_edges *it, rec_edge *e);
/* The next edge whose kind is in kinds (a mask of 1u << REL_*) and whose
 * site is in file; the others are skipped without being decoded. */
bool query_edges_next_at(query_edges *it, uint32_t file, unsigned kinds, rec_edge *e);

/* Entity record by id (borrowed). Returns PT_OK / PT_ENOTFOUND. */
int query_entity(store_txn *txn, uint64_t id, rec_entity *out);
/* Workspace-relative path of a file id (borrowed), or "" if unknown. */
const char *query_file_path(store_txn *txn, uint32_t file);
/* File id of a workspace-relative path. */
int query_file_id(store_txn *txn, const char *path, uint32_t *out);

/* Entities a target names, sorted by id: FILE:LINE[:COL] (1-based); a
 * bare name (every entity of that name); a path the tool prints
 * (`m::<impl Tr for X>::f`); a path from a crate root resolved as `use`
 * resolves it, through `pub use` re-exports (renames, globs); else the end
 * of a path (`ast::Visitor`, `crate::m::f`). Nothing else stands in: a
 * path that leads nowhere names nothing (see query_target_suggestions). */
int query_targets(store_txn *txn, const char *target, query_ids *out);
/* For a target that names nothing: at most limit entities (0: all) whose
 * name is its last segment, those sharing most of its segments first;
 * when none has that name, the search's best names like it. */
int query_target_suggestions(store_txn *txn, const char *target, size_t limit, query_ids *out);
/* The innermost entity whose span holds (line, col), both 0-based;
 * col UINT32_MAX: any column. Among entities that share a span (the fns
 * one macro invocation defines), the one whose name is under the cursor.
 * Reads every entity of the file: a caller that asks many positions of
 * one file keeps its query_places instead. */
int query_entity_at(store_txn *txn, uint32_t file, uint32_t line, uint32_t col, uint64_t *out);

/* A file's entities by position, for query_entity_at's question asked
 * many times: made by reading each entity of the file once, then each
 * answer is a binary search (and a walk up through the few items that
 * hold the position). It holds copies, not pointers into the map, so it
 * outlives the transaction; it describes the database as that
 * transaction saw it: a keeper drops it when the database's generation
 * (index.h, META_GENERATION) moves. */
typedef struct query_places query_places;
/* *out: caller frees with query_places_free. */
int query_places_load(store_txn *txn, uint32_t file, query_places **out);
/* What query_entity_at answers for the same file and position. */
int query_places_at(const query_places *p, uint32_t line, uint32_t col, uint64_t *out);
size_t query_places_count(const query_places *p);
void query_places_free(query_places *p); /* accepts NULL */

/* Each appends to res. limit 0 = no limit. */
int query_what_implements(store_txn *txn, uint64_t id, size_t limit, query_results *res);
int query_callers(store_txn *txn, uint64_t id, size_t limit, query_results *res);
int query_callees(store_txn *txn, uint64_t id, size_t limit, query_results *res);
/* Incoming CALLS, USES and IMPL, grouped by the referring entity. */
int query_references(store_txn *txn, uint64_t id, size_t limit, query_results *res);
/* Reverse reachability over CALLS, USES and IMPL up to depth. */
int query_blast_radius(store_txn *txn, uint64_t id, uint32_t depth, size_t limit,
		       query_results *res);
/* Entities by name: those named q exactly (by id), then those whose name
 * starts with q (shortest name first), then the names q is a
 * case-insensitive subsequence of (fewest gaps first); each tier complete
 * before the next. At most limit ids (0: all) are appended to out;
 * *truncated (may be NULL) says whether the limit left some out. */
int query_search(store_txn *txn, const char *q, size_t limit, query_ids *out, bool *truncated);
/* The entities of a file in source order: by start, an item before the
 * items it holds. */
int query_file_entities(store_txn *txn, uint32_t file, query_ids *out);

/* Strongly connected components (size ≥ 2) of the module-level
 * dependency graph (CALLS and USES lifted to the modules holding both
 * ends) or of the function-level call graph. Each cycle appended to out
 * as its member ids; offsets of each cycle in starts (n+1 entries). */
enum {
	CYCLES_MODULE = 1,
	CYCLES_FUNCTION = 2
};
typedef struct {
	query_ids members;
	PT_VEC(uint32_t) starts;
	PT_VEC(uint8_t) level;
} query_cycle_set;
int query_cycles(store_txn *txn, int levels, query_cycle_set *out);
void query_cycle_set_free(query_cycle_set *c);

/* Compact text for an LLM about an entity, within ~tokens (4 bytes per
 * token): signature, location, parent, callers, callees, types used,
 * implementations. Appends to out; *used gets the estimated tokens. */
int query_context(store_txn *txn, uint64_t id, uint32_t tokens, pt_strbuf *out, uint32_t *used);

#endif
