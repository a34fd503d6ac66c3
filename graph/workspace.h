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

typedef struct {
	PT_VEC(ws_file) files;   /* sorted by path */
	PT_VEC(pt_crate) crates; /* strings owned (cast away const on free) */
	uint32_t n_unreadable_dirs;
} pt_workspace;

/* Walk root. Returns 0, or an errno value when root itself cannot be read. */
int pt_workspace_scan(const char *root, pt_workspace *out);
/* Read every Cargo.toml in ws (relative to root) and fill ws->crates:
 * [lib] (path, name), [[bin]], src/main.rs, src/bin/NAME.rs, tests/, examples/,
 * benches/, build.rs. Crates are ordered: libraries first, then by root. */
void pt_workspace_crates(const char *root, pt_workspace *ws);
void pt_workspace_free(pt_workspace *ws);

#endif
