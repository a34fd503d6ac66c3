/* graph/workspace.c — see workspace.h. */
#define _GNU_SOURCE
#include "workspace.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Cargo's build directory: a folder marked as a cache (cargo writes
 * CACHEDIR.TAG there), or a `target` beside a manifest that holds what
 * cargo puts in one. Any other folder named target may hold modules
 * (`mod target;`) and is walked. */
static bool build_dir(int dfd, const char *name)
{
	pt_strbuf p = {0};
	bool skip = false;
	pt_strbuf_printf(&p, "%s/CACHEDIR.TAG", name);
	skip = faccessat(dfd, p.buf, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	if (!skip && strcmp(name, "target") == 0 &&
	    faccessat(dfd, "Cargo.toml", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		static const char *const marks[] = {".rustc_info.json", "debug", "release",
						    ".package-cache"};
		for (size_t i = 0; i < sizeof marks / sizeof *marks && !skip; i++) {
			p.len = 0;
			pt_strbuf_printf(&p, "%s/%s", name, marks[i]);
			skip = faccessat(dfd, p.buf, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		}
	}
	pt_strbuf_free(&p);
	return skip;
}

static bool skip_dir(int dfd, const char *name)
{
	return name[0] == '.' || strcmp(name, "node_modules") == 0 || build_dir(dfd, name);
}

static void warn(pt_workspace *ws, const char *path, const char *what)
{
	ws_warning w = {pt_xstrdup(*path ? path : "."), pt_xstrdup(what)};
	pt_vec_push(&ws->warnings, w);
}

static bool wanted(const char *name, bool *cargo)
{
	size_t n = strlen(name);
	*cargo = strcmp(name, "Cargo.toml") == 0;
	return *cargo || (n > 3 && strcmp(name + n - 3, ".rs") == 0);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const ws_file *)a)->path, ((const ws_file *)b)->path);
}

/* One scan: the folder, its real path, and the folders still to read. */
typedef PT_VEC(char *) dirstack;
typedef struct {
	const char *root;
	char *real; /* realpath of root; NULL if it has none */
	unsigned flags;
	pt_workspace *ws;
	dirstack stack;
} scan;

/* Whether the real path of path is real or under it. */
static bool under(const char *real, const char *path)
{
	char *r = realpath(path, NULL);
	size_t n = real ? strlen(real) : 0;
	bool in = r && real &&
		  (strcmp(real, "/") == 0 ||
		   (strncmp(r, real, n) == 0 && (r[n] == '/' || r[n] == 0)));
	free(r);
	return in;
}

bool pt_workspace_contains(const char *root, const char *rel)
{
	pt_strbuf full = {0};
	pt_strbuf_printf(&full, "%s/%s", root, rel);
	struct stat st;
	bool in = true;
	if (lstat(full.buf, &st) == 0) {
		char *real = realpath(root, NULL);
		in = under(real, full.buf);
		free(real);
	}
	pt_strbuf_free(&full);
	return in;
}

/* A file symlink is kept when it leads inside the folder, or when the
 * caller follows links anyway; one that dangles is no file at all. */
static bool keep_link(scan *S, int dir, const char *nm, const char *full, const char *rel,
		      struct stat *st)
{
	if (fstatat(dir, nm, st, 0) != 0 || !S_ISREG(st->st_mode))
		return false;
	if ((S->flags & WS_FOLLOW_LINKS) || under(S->real, full))
		return true;
	ws_skip k = {pt_xstrdup(rel), WS_SKIP_LINK_OUT};
	pt_vec_push(&S->ws->skipped, k);
	return false;
}

/* One folder: files are recorded, sub-folders pushed on the stack. */
static void scan_dir(scan *S, const char *rel)
{
	pt_strbuf full = {0}, path = {0};
	pt_strbuf_printf(&full, "%s%s%s", S->root, *rel ? "/" : "", rel);
	DIR *d = opendir(full.buf);
	if (!d) {
		char what[200];
		snprintf(what, sizeof what,
			 "cannot read this folder (%s): its files and modules are not indexed",
			 strerror(errno));
		S->ws->n_unreadable_dirs++;
		warn(S->ws, rel, what);
		pt_strbuf_free(&full);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		pt_strbuf r = {0};
		pt_strbuf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", nm);
		bool cargo;
		if (S_ISDIR(st.st_mode)) {
			if (!skip_dir(dirfd(d), nm)) {
				pt_vec_push(&S->stack, r.buf);
				r.buf = NULL;
			}
		} else if (wanted(nm, &cargo)) {
			path.len = 0;
			pt_strbuf_printf(&path, "%s/%s", full.buf, nm);
			if (S_ISLNK(st.st_mode) &&
			    !keep_link(S, dirfd(d), nm, path.buf, r.buf, &st)) {
				pt_strbuf_free(&r);
				continue;
			}
			if (S_ISREG(st.st_mode)) {
				ws_file f = {r.buf, (uint64_t)st.st_size,
					     (int64_t)st.st_mtim.tv_sec * 1000000000 +
						     st.st_mtim.tv_nsec,
					     cargo};
				pt_vec_push(&S->ws->files, f);
				r.buf = NULL;
			}
		}
		pt_strbuf_free(&r);
	}
	closedir(d);
	pt_strbuf_free(&full);
	pt_strbuf_free(&path);
}

int pt_workspace_scan(const char *root, unsigned flags, pt_workspace *out)
{
	memset(out, 0, sizeof *out);
	struct stat st;
	if (stat(root, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	if (access(root, R_OK | X_OK) != 0)
		return errno;
	scan S = {.root = root, .real = realpath(root, NULL), .flags = flags, .ws = out};
	pt_vec_push(&S.stack, pt_xstrdup(""));
	while (S.stack.n) {
		char *rel = S.stack.v[--S.stack.n];
		scan_dir(&S, rel);
		free(rel);
	}
	pt_vec_free(&S.stack);
	free(S.real);
	if (out->files.n)
		qsort(out->files.v, out->files.n, sizeof *out->files.v, cmp_file);
	return 0;
}

void pt_workspace_crates_clear(pt_workspace *ws)
{
	for (size_t i = 0; i < ws->owned.n; i++)
		free(ws->owned.v[i]);
	pt_vec_free(&ws->owned);
	pt_vec_free(&ws->crates);
	free(ws->cfg);
	ws->cfg = NULL;
}

pt_crates pt_workspace_crate_set(const pt_workspace *ws)
{
	return (pt_crates){ws->crates.v, ws->crates.n, ws->cfg ? ws->cfg : ""};
}

void pt_workspace_free(pt_workspace *ws)
{
	for (size_t i = 0; i < ws->files.n; i++)
		free(ws->files.v[i].path);
	for (size_t i = 0; i < ws->skipped.n; i++)
		free(ws->skipped.v[i].path);
	for (size_t i = 0; i < ws->warnings.n; i++) {
		free(ws->warnings.v[i].path);
		free(ws->warnings.v[i].what);
	}
	pt_vec_free(&ws->warnings);
	pt_workspace_crates_clear(ws);
	pt_vec_free(&ws->files);
	pt_vec_free(&ws->skipped);
}
