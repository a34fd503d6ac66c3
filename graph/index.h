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

/* File symlinks whose target is outside the workspace folder (a cloned
 * repository must not make the index read the files of the machine it is
 * on): left out by default, with a warning for each. The choice made by
 * a run is kept in the database for the runs and editor updates after it. */
enum {
	INDEX_LINKS_AS_STORED = 0, /* as the database says (not followed, for a new one) */
	INDEX_LINKS_FOLLOW,        /* follow them from now on */
	INDEX_LINKS_NOFOLLOW,      /* leave them out from now on */
};

/* A file whose workspace-relative path is longer than STORE_MAX_KEY bytes
 * (the files table's key) is left out with a warning; the rest of the
 * workspace is indexed. */

typedef struct {
	const char *root;       /* workspace folder */
	int links;              /* INDEX_LINKS_* */
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
	/* A file skipped (also a symlink left out, a path too long) or
	 * indexed with errors; called on the calling thread. */
	void (*warn)(void *ctx, const char *path, const char *what);
	void *ctx;
} index_opts;

typedef struct {
	uint32_t files, rust_files, changed, added, deleted, touched; /* Rust files */
	uint32_t manifests, manifests_changed;                        /* Cargo.toml */
	uint32_t skipped, syntax_error_files, parsed;
	uint32_t reextracted; /* unchanged files parsed again: the macro definitions
	                         they expand from other files changed */
	uint64_t entities, edges;
	uint64_t ents_written, ents_deleted, adj_written;
	uint32_t facts_written; /* facts blobs put (a re-parse that found them stored puts none) */
	uint32_t unresolved_calls, ambiguous_calls;
	bool up_to_date; /* nothing changed: only stat was needed */
	bool reresolved; /* resolved again from cached facts: made by other rules */
	uint32_t map_grows;
	bool fast_path; /* index_session_update: one file re-resolved alone */
	/* Rust files whose edges were made again, of rust_files: all of them
	 * when the graph was resolved from scratch; for index_session_update
	 * the edited file and the files that read what its edit changed */
	uint32_t resolved_files;
	bool build_changed; /* the build differs from the stored one: resolved again */
	/* index_session_update's fast path: edges its write examined (the
	 * edited file's new ones and the touched entities' stored ones) */
	uint64_t edges_read;
	double seconds, parse_seconds, resolve_seconds, write_seconds;
	/* index_session_update's fast path: of write_seconds, the commit
	 * (LMDB's page writes and sync) */
	double commit_seconds;
	int root_errno; /* PT_ENOROOT: the errno of reading the workspace folder */
} index_report;

/* Returns PT_OK, PT_ENOROOT (rep->root_errno says why) or another PT_*
 * code from the store (core/error.h). */
int index_run(store *st, const index_opts *o, index_report *rep);

/* The build index st describes (the stored one; the default when none
 * was stored), into *out (caller frees with pt_build_free). */
int index_build_get(store *st, pt_build *out);
/* What index_run would find to do, found without doing it: the workspace
 * scan and the stat comparison with the files table, then a hash of each
 * file stat says may have changed, so that a touched file whose content is
 * what was indexed is not counted. Reads only; costs about what a
 * no-change index_run costs, plus reading the files stat flags. */
typedef struct {
	uint32_t changed, added, deleted; /* Rust files and Cargo.toml */
	/* Indexed from an editor buffer (index_update_file with text) whose
	 * content is not the file's on disk: the graph follows the editor. */
	uint32_t buffers;
	bool versions;  /* made by another extractor or resolver version */
	int root_errno; /* PT_ENOROOT: the errno of reading the workspace folder */
	char *paths;    /* some of the changed, added and deleted paths, one a
	                  line, at most INDEX_CHECK_PATHS of them; caller frees */
	double seconds;
} index_staleness;
#define INDEX_CHECK_PATHS 8

/* Returns PT_OK, PT_ENOROOT (out->root_errno says why) or another PT_*
 * code; *out is filled in every case (free it with index_staleness_free). */
int index_check(store *st, const char *root, index_staleness *out);
void index_staleness_free(index_staleness *s); /* accepts NULL */
/* True when index_run would change the graph. */
static inline bool index_staleness_any(const index_staleness *s)
{
	return s->changed || s->added || s->deleted || s->versions;
}

/* Re-index one file (workspace-relative rel_path) from text (len bytes),
 * e.g. an editor buffer; text NULL: from disk, or as deleted when it is
 * gone. Same single write transaction and the same result as index_run
 * would give for that content. A buffer-sourced file is recorded with an
 * impossible mtime so the next index_run re-reads the disk. What index_run
 * leaves out is left out here too (gone from the graph if it was in it):
 * a symlink out of the folder unless the database follows them, and a
 * path too long (then PT_OK, nothing written, rep->skipped = 1). */
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
#define META_BUILD           "build"           /* pt_build_encode of the build described */
#define META_FOLLOW_LINKS    "follow_symlinks" /* 1: file symlinks out of the folder followed */

#endif
