/* graph/workspace.h — what is on disk: source files and crates.
 *
 * Walks a workspace folder for `.rs` files and `Cargo.toml` manifests
 * (skipping VCS, build output and hidden folders) and reads the manifests
 * for crate names and roots. Pure file-system work: no store, no parsing.
 */
#ifndef PT_GRAPH_WORKSPACE_H
#define PT_GRAPH_WORKSPACE_H

#include "model.h"

typedef struct {
	char *path; /* workspace-relative, '/'-separated; owned */
	uint64_t size;
	int64_t mtime_ns;
	bool cargo; /* a Cargo.toml */
} ws_file;

/* A file the scan leaves out on purpose, and why. */
enum {
	WS_SKIP_LINK_OUT = 1, /* a symbolic link to a file outside the folder */
	WS_SKIP_TOO_LONG,     /* a path the index cannot key (set by graph/index.c) */
};
typedef struct {
	char *path; /* workspace-relative; owned */
	int why;    /* WS_SKIP_* */
} ws_skip;

typedef struct {
	PT_VEC(ws_file) files;   /* sorted by path */
	PT_VEC(pt_crate) crates; /* strings owned (cast away const on free) */
	PT_VEC(ws_skip) skipped; /* in the order found */
	uint32_t n_unreadable_dirs;
} pt_workspace;

/* Scan flags. */
enum {
	/* Follow a file symlink wherever it leads. By default a symlink whose
	 * target (realpath) is outside root is left out and listed in
	 * skipped: a cloned repository must not make the index read a file
	 * of the machine it is cloned on (`src/x.rs -> ~/.ssh/config`).
	 * Folder symlinks are never followed. */
	WS_FOLLOW_LINKS = 1u << 0,
};

/* Walk root. Returns 0, or an errno value when root itself cannot be read. */
int pt_workspace_scan(const char *root, unsigned flags, pt_workspace *out);

/* Whether root/rel, every symlink on the way followed, is inside root
 * (both resolved with realpath). A path that does not exist has nothing
 * to follow: true. For one-file updates, which must leave out what the
 * scan leaves out. */
bool pt_workspace_contains(const char *root, const char *rel);
/* Read every Cargo.toml in ws (relative to root) and fill ws->crates:
 * [lib] (path, name), [[bin]], src/main.rs, src/bin/NAME.rs, tests/, examples/,
 * benches/, build.rs. Crates are ordered: libraries first, then by root. */
void pt_workspace_crates(const char *root, pt_workspace *ws);
void pt_workspace_free(pt_workspace *ws);

#endif
