/* graph/workspace.h — what is on disk: source files, packages and crates.
 *
 * Two steps. The walk (workspace.c) lists the `.rs` files and `Cargo.toml`
 * manifests of a folder, skipping hidden folders, node_modules and Cargo's
 * build directories (a folder holding CACHEDIR.TAG, or the `target/` beside
 * a manifest that holds what cargo writes there) but no other folder named
 * `target`. Then Cargo's model (cargo.c) reads every manifest in full and
 * makes the crates: each package's targets ([lib], [[bin]], [[example]],
 * [[test]], [[bench]], build script, and the ones cargo finds by itself),
 * its edition, its dependencies resolved to packages of the folder (path
 * dependencies by folder, the others by name and version requirement, so
 * two versions of a crate stay two crates; renames, `workspace = true`
 * inheritance, target-specific tables evaluated for the build's target),
 * and the features cargo would enable, unified across the folder. Pure
 * file-system work: no store, no parsing of Rust.
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

/* Something the user should hear about: a folder that cannot be read, a
 * manifest that cannot be used, a folder without any Cargo.toml. */
typedef struct {
	char *path; /* workspace-relative; owned */
	char *what; /* a sentence; owned */
} ws_warning;

typedef struct {
	PT_VEC(ws_file) files;   /* sorted by path */
	PT_VEC(pt_crate) crates; /* strings and arrays owned by the workspace */
	char *cfg;               /* cfg set of the build's target, --cfg included */
	PT_VEC(ws_skip) skipped; /* in the order found */
	PT_VEC(ws_warning) warnings;
	uint32_t n_unreadable_dirs;
	PT_VEC(void *) owned; /* what the crates point into */
} pt_workspace;

/* How the workspace is built: what cargo's command line would say. Every
 * field may be empty; strings owned (pt_build_free). */
typedef struct {
	char *target;   /* --target triple; NULL: the host's */
	char *cfgs;     /* --cfg options as cfg-set lines ("name\n", "name=value\n") */
	char *features; /* --features, one per line: "f" (every root package's
	                   feature f) or "pkg/f" (package pkg's) */
	bool all_features, no_default_features;
} pt_build;

void pt_build_free(pt_build *b); /* accepts a zeroed value */
/* A canonical text of b (appended to out), for the meta table: two
 * builds are the same exactly when their texts are. */
void pt_build_encode(const pt_build *b, pt_strbuf *out);
/* Reads what pt_build_encode wrote into *out (zeroed first). Returns
 * PT_OK or PT_ECORRUPT. */
int pt_build_decode(const char *s, size_t n, pt_build *out);
/* --features: a comma- or space-separated list, added to b. */
void pt_build_add_features(pt_build *b, const char *list);
/* --cfg: `name` or `name="value"` (quotes optional), added to b.
 * Returns PT_OK or PT_EINVAL when spec is not of that form. */
int pt_build_add_cfg(pt_build *b, const char *spec);

/* Scan flags. */
enum {
	/* Follow a file symlink wherever it leads. By default a symlink whose
	 * target (realpath) is outside root is left out and listed in
	 * skipped: a cloned repository must not make the index read a file
	 * of the machine it is cloned on (`src/x.rs -> ~/.ssh/config`).
	 * Folder symlinks are never followed. */
	WS_FOLLOW_LINKS = 1u << 0,
};

/* Walk root. Returns 0, or an errno value when root itself cannot be read.
 * Unreadable folders below it are counted and listed as warnings. */
int pt_workspace_scan(const char *root, unsigned flags, pt_workspace *out);

/* Whether root/rel, every symlink on the way followed, is inside root
 * (both resolved with realpath). A path that does not exist has nothing
 * to follow: true. For one-file updates, which must leave out what the
 * scan leaves out. */
bool pt_workspace_contains(const char *root, const char *rel);
/* Read every Cargo.toml in ws (relative to root) and fill ws->crates and
 * ws->cfg for build b (NULL: the host, default features). Crates are
 * ordered: libraries first, then by root. A manifest that cannot be read
 * or parsed adds a warning and no package; so does a folder with no
 * manifest at all (its files become modules named by their paths). */
void pt_workspace_crates(const char *root, pt_workspace *ws, const pt_build *b);
/* The crates as the resolver takes them (borrowed from ws). */
pt_crates pt_workspace_crate_set(const pt_workspace *ws);
/* Forget the crates, keep the files and the warnings. */
void pt_workspace_crates_clear(pt_workspace *ws);
void pt_workspace_free(pt_workspace *ws);

#endif
