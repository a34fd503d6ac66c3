/* graph/graph.h — the in-memory graph the resolver builds.
 *
 * Input: the workspace's files (sorted by path) with their facts and the
 * crates found from Cargo.toml. Output: entities and edges with stable ids.
 * The same input always gives the same graph, byte for byte: that is what
 * makes an incremental run equal to a full one (index.c re-resolves from
 * cached facts and writes only the difference).
 */
#ifndef PT_GRAPH_GRAPH_H
#define PT_GRAPH_GRAPH_H

/* Bump whenever the graph that the same facts resolve to changes (a new
 * resolution rule): an index made by another version is re-resolved from
 * its cached facts by the next run, even when no file changed. */
#define RESOLVE_VERSION 5

#include "facts.h"

typedef struct {
	uint64_t id, parent, sig_hash;
	uint32_t file; /* file id, PT_NO_FILE for external placeholders */
	uint8_t kind;
	uint16_t flags; /* ENT_* */
	uint32_t disamb;
	pt_span span, name_span;
	uint32_t name, qpath, sig; /* offsets into pt_graph.pool */
} pt_entity;

typedef struct {
	uint32_t src, dst;   /* indexes into pt_graph.ents */
	uint8_t kind, flags; /* pt_rel, EDGE_* */
	uint32_t file;       /* file id of the site */
	pt_span site;
} pt_edge;

typedef struct {
	VEC(pt_entity) ents;
	VEC(pt_edge) edges;
	strpool pool;
	uint32_t n_unresolved_calls;
	uint32_t n_ambiguous_calls;
} pt_graph;

/* One source file as the resolver sees it. Borrowed: the caller owns the
 * path and the facts and keeps them alive while resolving. */
typedef struct {
	const char *path;      /* workspace-relative, '/'-separated */
	uint32_t id;           /* file id in the store */
	const pt_facts *facts; /* NULL for skipped files */
} pt_source;

enum {
	CRATE_LIB = 0,
	CRATE_BIN = 1,
	CRATE_OTHER = 2
};
typedef struct {
	const char *name;     /* crate name, '-' already folded to '_' */
	const char *root;     /* workspace-relative path of the root file */
	const char *pkg_dir;  /* workspace-relative package directory ("" = root) */
	int type;             /* CRATE_* */
	const char *features; /* enabled features ("default" and what it enables),
	                         each followed by '\n'; "" if none */
} pt_crate;

void graph_init(pt_graph *g);
void graph_free(pt_graph *g); /* accepts a zeroed value */

/* Resolve: sources must be sorted by path (strcmp). */
void graph_resolve(pt_graph *g, const pt_source *src, size_t n_src, const pt_crate *crates,
		   size_t n_crates);

static inline const char *graph_str(const pt_graph *g, uint32_t off)
{
	return strpool_get(&g->pool, off);
}

/* A resolution kept alive, so that an edit that leaves a file's
 * declarations as they were re-resolves that file alone.
 *
 * new: resolves everything (as graph_resolve) and keeps its state; src and
 * crates stay borrowed (and src writable) until free.
 * same_shape: whether facts nf declare exactly what source src declares
 * (items, uses, fields, derives; spans, signatures and bodies may differ).
 * refile: for same-shaped facts only: makes src[i].facts = nf (borrowed),
 * updates that file's entities and re-emits the edges written in it;
 * appends to touched the indexes of entities whose record or adjacency
 * may have changed (with repeats). The graph then equals what a full
 * resolve of the new sources gives, up to the order of edges. */
typedef struct resolver pt_resolver;
typedef VEC(uint32_t) pt_touched;
pt_resolver *graph_resolver_new(pt_graph *g, pt_source *src, size_t n_src, const pt_crate *crates,
				size_t n_crates);
bool graph_resolver_same_shape(const pt_resolver *R, size_t src, const pt_facts *nf);
void graph_resolver_refile(pt_resolver *R, size_t src, const pt_facts *nf, pt_touched *touched);
void graph_resolver_free(pt_resolver *R); /* accepts NULL; the graph stays */

/* Stable entity id from kind, qualified path and disambiguator. */
uint64_t graph_entity_id(int kind, const char *qpath, uint32_t disamb);

#endif
