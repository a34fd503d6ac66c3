/* graph/resolve.h — the resolver: facts of every file → the graph.
 *
 * Input: the workspace's files (sorted by path) with their facts and the
 * crates found from Cargo.toml. Output: entities and edges with stable ids.
 * The same input always gives the same graph, byte for byte: that is what
 * makes an incremental run equal to a full one (index.c re-resolves from
 * cached facts and writes only the difference).
 */
#ifndef PT_GRAPH_RESOLVE_H
#define PT_GRAPH_RESOLVE_H

/* Bump whenever the graph that the same facts resolve to changes (a new
 * resolution rule): an index made by another version is re-resolved from
 * its cached facts by the next run, even when no file changed. */
#define RESOLVE_VERSION 19

#include "facts.h"

/* One source file as the resolver sees it. Borrowed: the caller owns the
 * path and the facts and keeps them alive while resolving. */
typedef struct {
	const char *path;      /* workspace-relative, '/'-separated */
	uint32_t id;           /* file id in the store */
	const pt_facts *facts; /* NULL for skipped files */
} pt_source;

/* Resolve: sources must be sorted by path (strcmp). */
void pt_graph_resolve(pt_graph *g, const pt_source *src, size_t n_src, const pt_crates *crates);

/* A resolution kept alive, so that an edit that leaves a file's
 * declarations as they were re-resolves that file alone.
 *
 * new: resolves everything (as pt_graph_resolve) and keeps its state; src and
 * crates (and what they point to) stay borrowed (and src writable) until free.
 * same_shape: whether facts nf declare exactly what source src declares
 * (items, uses, fields, derives; spans, signatures and bodies may differ).
 * refile: for same-shaped facts only: makes src[i].facts = nf (borrowed),
 * updates that file's entities and re-emits the edges written in it;
 * appends to touched the indexes of entities whose record or adjacency
 * may have changed (with repeats). The graph then equals what a full
 * resolve of the new sources gives, up to the order of edges and but for
 * the edges it replaced: those stay in g->edges as holes (origin
 * PT_EDGE_DEAD, to be skipped by whoever walks every edge) until enough of
 * them gather to be squeezed out, so that an edit costs what the file
 * holds, not what the graph holds. Each source's edges are one run of
 * g->edges, at the end after its refile.
 * edges: how many edges the graph holds (g->edges.n less the holes).
 * file_edges: the run [*first, *end) of g->edges that source src made. */
typedef struct resolver pt_resolver;
typedef PT_VEC(uint32_t) pt_touched;
pt_resolver *pt_resolver_new(pt_graph *g, pt_source *src, size_t n_src, const pt_crates *crates);
bool pt_resolver_same_shape(const pt_resolver *R, size_t src, const pt_facts *nf);
void pt_resolver_refile(pt_resolver *R, size_t src, const pt_facts *nf, pt_touched *touched);
size_t pt_resolver_edges(const pt_resolver *R);
void pt_resolver_file_edges(const pt_resolver *R, size_t src, size_t *first, size_t *end);
void pt_resolver_free(pt_resolver *R); /* accepts NULL; the graph stays */

/* Dependency-tracked re-resolution, for an edit that changes what a file
 * declares (resolve_deps.c says why it is safe).
 *
 * new_tracked: as pt_resolver_new, and each file's read set (the names
 * its edges looked up) is kept; refile keeps it up to date.
 * changed_names: the hashes of the names whose lookups facts nf, as the
 * new facts of source src, may answer differently (appended to out);
 * false when that cannot be bounded (a `mod`, a glob import, an extern
 * crate changed): then resolve everything.
 * dependents: redo[i] (n_src of them, caller's) = whether source i must be
 * made again: src itself, and each file whose read set names one of
 * names or of the names of declarations that name them, transitively
 * (in every file, and in nf, src's new facts). Returns how many are
 * marked. Call before src's facts are replaced.
 * new_from: a tracked resolution of src (src[i] replaced for the edited
 * files) into the empty graph g: every file's entities and registrations
 * are made again, the edges of the files redo marks too; every other
 * file's edges and read set are prev's, their ends renumbered by entity
 * id. The graph equals what pt_graph_resolve gives, up to the order of
 * edges. NULL (nothing kept) when an entity an edge of prev reaches is
 * gone or another file's entities changed ids: resolve everything. prev
 * stays as it was, and must have been made over the same sources. */
typedef PT_VEC(uint64_t) pt_names;
pt_resolver *pt_resolver_new_tracked(pt_graph *g, pt_source *src, size_t n_src,
				     const pt_crates *crates);
bool pt_resolver_changed_names(const pt_resolver *R, size_t src, const pt_facts *nf, pt_names *out);
size_t pt_resolver_dependents(const pt_resolver *R, size_t src, const pt_facts *nf,
			      const pt_names *names, bool *redo);
pt_resolver *pt_resolver_new_from(pt_graph *g, pt_source *src, size_t n_src,
				  const pt_crates *crates, const pt_resolver *prev,
				  const bool *redo);
/* The graph R resolves into was moved (copied to g, the old place no
 * longer used): R follows it. */
void pt_resolver_rebind(pt_resolver *R, pt_graph *g);

#endif
