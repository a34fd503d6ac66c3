/* graph/rank.h — which results of a query matter first.
 *
 * A query about a much-used function answers with hundreds of callers in
 * id order; an agent with a token budget, or a person skimming, wants the
 * ones a reviewer would name first. Each result is put in a group, from
 * the most to the least relevant, relative to the entity it answers for
 * (the target):
 *
 *   RANK_MODULE     in the default build, in the target's module or below it
 *   RANK_CRATE      in the default build, in the target's crate
 *   RANK_WORKSPACE  in the default build, in another crate
 *   RANK_EXTERNAL   outside the workspace (a placeholder: std, a dependency)
 *   RANK_CFG_OFF    left out of the default build by a #[cfg] (another
 *                   platform, a feature that is off), itself or an
 *                   enclosing item or module
 *   RANK_TEST       test code: a file under a tests/ folder, or a module
 *                   named `tests` or `test` left out of the default build
 *                   (`#[cfg(test)] mod tests`)
 *   RANK_EXAMPLE    a file under an examples/ folder
 *   RANK_BENCH      a file under a benches/ folder
 *
 * Within a group: more incoming calls and uses of the result first (code
 * many depend on is the code to look at), then more sites in the answer,
 * then the qualified path, so that the order never depends on ids.
 *
 * What the stored graph cannot tell is said here: an item chosen by a
 * cfg_if! branch carries no cfg of its own, so Windows-only code that
 * std selects with cfg_if! counts as in the build.
 */
#ifndef PT_GRAPH_RANK_H
#define PT_GRAPH_RANK_H

#include "query.h"

typedef enum {
	RANK_MODULE = 0,
	RANK_CRATE,
	RANK_WORKSPACE,
	RANK_EXTERNAL,
	RANK_CFG_OFF,
	RANK_TEST,
	RANK_EXAMPLE,
	RANK_BENCH,
	RANK_GROUPS
} rank_group;

/* "module", "crate", "workspace", "external", "cfg_off", "test", "example",
 * "bench"; "" for a value out of range. */
const char *rank_group_name(int g);

/* One result in ranked order. */
typedef struct {
	uint32_t item;   /* index into query_results.items */
	uint8_t group;   /* rank_group */
	uint32_t fan_in; /* incoming CALLS and USES of the result entity */
} rank_entry;
typedef PT_VEC(rank_entry) rank_list;

/* The group of entity id relative to target. PT_OK, or PT_ENOTFOUND
 * when id is unknown. */
int rank_group_of(store_txn *txn, uint64_t target, uint64_t id, rank_group *out);

/* Every item of r, best first (each relative to its for_id); appends to
 * out one entry per item. An item whose entity is unknown goes last, in
 * the workspace group. Reads the graph; r is not changed. */
int rank_results(store_txn *txn, const query_results *r, rank_list *out);

/* Blast radius: by group first, then by depth (what is reached first),
 * then as rank_results. */
int rank_results_by_depth(store_txn *txn, const query_results *r, rank_list *out);

#endif
