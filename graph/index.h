/* graph/index.h — bring the stored graph up to date with the workspace.
 *
 * One run: scan the folder, stat every file against the files table, hash
 * only what stat says may have changed, parse changed files in parallel
 * (one tree-sitter parser per worker), then — in ONE write transaction —
 * store their facts, re-resolve the whole graph from the cached facts and
 * write only the entities and adjacency values that differ. A crash at any
 * point leaves the previous committed graph; the result of any sequence of
 * runs equals a fresh full index of the same tree.
 */
#ifndef PT_GRAPH_INDEX_H
#define PT_GRAPH_INDEX_H

#include "../store/store.h"
#include "resolve.h"
#include "tree.h"
#include "workspace.h"

typedef struct {
	const char *root;       /* workspace folder */
	int jobs;               /* parser threads; 0 = number of cores */
	uint64_t max_file_size; /* bytes; 0 = default (8 MiB) */
	bool force;             /* re-parse every file */
	/* The build to describe (target, --cfg, features). NULL: the one the
	 * index was made for (stored in the meta table; at first the host's,
	 * default features). A different one re-resolves the graph from the
	 * cached facts and is stored for the runs after. */
	const pt_build *build;
	/* Progress while parsing, called on the calling thread. */
	void (*progress)(void *ctx, size_t done, size_t total);
	/* A file skipped or indexed with errors; called on the calling thread. */
	void (*warn)(void *ctx, const char *path, const char *what);
	void *ctx;
} index_opts;

typedef struct {
	uint32_t files, rust_files, changed, added, deleted, touched; /* Rust files */
	uint32_t manifests, manifests_changed;                        /* Cargo.toml */
	uint32_t skipped, syntax_error_files, parsed;
	uint64_t entities, edges;
	uint64_t ents_written, ents_deleted, adj_written;
	uint32_t facts_written; /* facts blobs put (a re-parse that found them stored puts none) */
	uint32_t unresolved_calls, ambiguous_calls;
	bool up_to_date; /* nothing changed: only stat was needed */
	bool reresolved; /* resolved again from cached facts: made by other rules */
	uint32_t map_grows;
	bool fast_path;     /* index_session_update: one file re-resolved alone */
	bool build_changed; /* the build differs from the stored one: resolved again */
	double seconds, parse_seconds, resolve_seconds, write_seconds;
	int root_errno; /* PT_ENOROOT: the errno of reading the workspace folder */
} index_report;

/* Returns PT_OK, PT_ENOROOT (rep->root_errno says why) or another PT_*
 * code from the store (core/error.h). */
int index_run(store *st, const index_opts *o, index_report *rep);

/* The build index st describes (the stored one; the default when none
 * was stored), into *out (caller frees with pt_build_free). */
int index_build_get(store *st, pt_build *out);

/* Re-index one file (workspace-relative rel_path) from text (len bytes),
 * e.g. an editor buffer; text NULL: from disk, or as deleted when it is
 * gone. Same single write transaction and the same result as index_run
 * would give for that content. A buffer-sourced file is recorded with an
 * impossible mtime so the next index_run re-reads the disk. */
int index_update_file(store *st, const char *root, const char *rel_path, const char *text,
		      size_t len, index_report *rep);

/* A workspace resolution kept in memory for an editor session. An edit
 * that leaves a file's declarations as they were (most keystrokes) is
 * re-resolved for that file alone and written as the few records it
 * changes; anything else (new or removed items, uses, files, manifests, or
 * a commit by someone else) takes the index_update_file path and reloads
 * the session at the next edit. Same result as index_update_file. Not
 * thread-safe: one writer thread owns it. */
typedef struct index_session index_session;
index_session *index_session_new(store *st, const char *root); /* loads lazily */
int index_session_update(index_session *s, const char *rel_path, const char *text, size_t len,
			 index_report *rep);
/* The same, re-parsing incrementally: old is the file's previous tree
 * edited to match text (borrowed, may be NULL); *new_tree gets the tree of
 * text when the file was parsed (caller frees it), else NULL. */
int index_session_update_tree(index_session *s, const char *rel_path, const char *text, size_t len,
			      const pt_tree *old, pt_tree **new_tree, index_report *rep);
void index_session_free(index_session *s); /* accepts NULL */

/* Meta keys written by index_run. */
#define META_ROOT            "root"
#define META_LAST_UPDATE     "last_update"
#define META_NEXT_FILE_ID    "next_file_id"
#define META_ENTITIES        "entities"
#define META_EDGES           "edges"
#define META_LAST_SECONDS_US "last_update_us"
#define META_EXTRACT_VERSION "extract_version"
#define META_RESOLVE_VERSION "resolve_version"
#define META_GENERATION      "generation"
#define META_BUILD           "build" /* pt_build_encode of the build described */

#endif
