/* graph/model.h — the vocabulary of the Interface Signature Graph.
 *
 * Value types only: kinds of entities and relations, source spans, crates,
 * and the in-memory graph (entities and edges) the resolver produces and
 * the indexer writes as records (store/records.h). No tree-sitter, no
 * LMDB, no JSON here.
 */
#ifndef PT_GRAPH_MODEL_H
#define PT_GRAPH_MODEL_H

#include <stdint.h>

#include "../core/base.h"

typedef enum {
	PT_CRATE = 1,
	PT_MODULE,
	PT_FUNCTION,
	PT_METHOD,
	PT_STRUCT,
	PT_ENUM,
	PT_UNION,
	PT_TRAIT,
	PT_IMPL,
	PT_TYPE_ALIAS,
	PT_CONST,
	PT_STATIC,
	PT_MACRO,
	PT_VARIANT, /* an enum's variant; its parent is the enum */
	PT_KIND_MAX
} pt_kind;

typedef enum {
	REL_CONTAINS = 1, /* crate → module → item; trait/impl → its methods */
	REL_DEFINES,      /* type → methods its impls define for it */
	REL_IMPL,         /* type (or impl, when its self type is not ours) → trait;
	                     impl method → the trait method it implements */
	REL_CALLS,        /* function/method → callee */
	REL_USES,         /* item → type, trait, const or static it names */
	REL_MAX
} pt_rel;

/* Entity flags. */
enum {
	ENT_PUB = 1u << 0,
	ENT_EXTERNAL = 1u << 1,   /* placeholder for a trait/type outside the workspace */
	ENT_TRAIT_IMPL = 1u << 2, /* impl block of a trait (`impl T for X`) */
	ENT_HAS_BODY = 1u << 3,
	ENT_CFG_OFF = 1u << 4, /* under a #[cfg] that the default build leaves out */
	ENT_TEST = 1u << 5,    /* a #[test] or #[bench] fn (the harness calls it) */
	ENT_ENTRY = 1u << 6,   /* called from outside the Rust code: #[no_mangle],
	                          #[export_name], #[proc_macro*], extern "ABI" fn */
};

/* Edge flags. */
enum {
	EDGE_AMBIGUOUS = 1u << 0,  /* one of several candidates kept for this site */
	EDGE_DERIVE = 1u << 1,     /* IMPL edge from #[derive(..)] */
	EDGE_TRAIT_CALL = 1u << 2, /* call resolved to a trait method through a bound */
	EDGE_MACRO = 1u << 3,      /* IMPL found inside a macro_rules! invocation */
	EDGE_IMPORT = 1u << 4,     /* USES written as a `use` declaration */
	EDGE_CFG_OFF = 1u << 5,    /* IMPL of an impl block (or a derive on a type) that
	                              the default build leaves out */
};

/* A source range. Lines are 0-based, columns are 0-based byte offsets in
 * the line (front ends convert to what they show). */
typedef struct {
	uint32_t start_byte, end_byte;
	uint32_t start_line, start_col, end_line, end_col;
} pt_span;

#define PT_NO_FILE UINT32_MAX

/* Whether s is ordered: it ends where or after it starts, in bytes and in
 * (line, column). Every span the extractor makes is (see pt_assert). */
static inline bool pt_span_ok(pt_span s)
{
	return s.start_byte <= s.end_byte &&
	       (s.start_line < s.end_line ||
		(s.start_line == s.end_line && s.start_col <= s.end_col));
}

const char *pt_kind_name(pt_kind k);  /* "function", "struct", ... */
int pt_kind_from_name(const char *s); /* 0 when unknown */
const char *pt_rel_name(pt_rel r);    /* "CALLS", ... */

/* A crate found from a Cargo.toml (graph/workspace.h) or a folder without
 * one; the resolver's roots. */
enum {
	CRATE_LIB = 0,
	CRATE_BIN = 1,
	CRATE_OTHER = 2
};
/* Cargo's target kinds: which dependencies a crate's code may name. */
enum {
	TGT_LIB = 0, /* normal dependencies */
	TGT_BIN,     /* normal dependencies and its package's library */
	TGT_EXAMPLE, /* ... and dev-dependencies */
	TGT_TEST,
	TGT_BENCH,
	TGT_BUILD /* build.rs: build-dependencies only */
};
/* A name a crate's code may use for another crate (its extern prelude):
 * a dependency, under its rename if it has one, or for a binary, test,
 * example or bench its own package's library. */
typedef struct {
	const char *name;
	uint32_t crate; /* index in the same crate array */
} pt_extern;
typedef struct {
	const char *name;      /* crate name, '-' already folded to '_' */
	const char *root;      /* workspace-relative path of the root file */
	const char *pkg_dir;   /* workspace-relative package directory ("" = root) */
	int type;              /* CRATE_* */
	const char *cfg;       /* its cfg set (graph/cfg.h): the target's options,
	                         --cfg options, debug_assertions, `test` for tests
	                         and benches, and its package's enabled features
	                         as "feature=x" */
	uint16_t edition;      /* 2015, 2018, 2021, 2024 */
	uint8_t target;        /* TGT_* */
	const pt_extern *deps; /* its extern prelude, n_deps names (std, core
	                          and alloc are not listed: every crate has them) */
	uint32_t n_deps;
} pt_crate;

/* The crates of a workspace, as the resolver takes them. Borrowed. */
typedef struct {
	const pt_crate *v;
	size_t n;
	const char *cfg; /* cfg set of files no crate reaches (the target's) */
} pt_crates;

/* The graph: entities and the edges between them, strings in one pool. */
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
	uint32_t origin; /* in memory only: the resolver's index of the file whose facts
	                    made the edge (a call written in a macro another file
	                    defines has its site there, its origin here) */
} pt_edge;

/* The origin of an edge a kept resolver (pt_resolver_refile) replaced and
 * has not yet compacted away: not part of the graph. */
#define PT_EDGE_DEAD UINT32_MAX

typedef struct {
	PT_VEC(pt_entity) ents;
	PT_VEC(pt_edge) edges;
	pt_strpool pool;
	uint32_t n_unresolved_calls;
	uint32_t n_ambiguous_calls;
} pt_graph;

void pt_graph_init(pt_graph *g);
void pt_graph_free(pt_graph *g); /* accepts a zeroed value */

static inline const char *pt_graph_str(const pt_graph *g, uint32_t off)
{
	return pt_strpool_get(&g->pool, off);
}

/* Stable entity id from kind, qualified path and disambiguator. */
uint64_t pt_graph_entity_id(int kind, const char *qpath, uint32_t disamb);

#endif
