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

/* One folder: files are recorded, sub-folders pushed on the stack. */
typedef PT_VEC(char *) dirstack;

static void scan_dir(const char *root, const char *rel, pt_workspace *ws, dirstack *stack)
{
	pt_strbuf full = {0};
	pt_strbuf_printf(&full, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(full.buf);
	if (!d) {
		char what[200];
		snprintf(what, sizeof what,
			 "cannot read this folder (%s): its files and modules are not indexed",
			 strerror(errno));
		ws->n_unreadable_dirs++;
		warn(ws, rel, what);
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
				pt_vec_push(stack, r.buf);
				r.buf = NULL;
			}
		} else if (wanted(nm, &cargo)) {
			if (S_ISLNK(st.st_mode) && fstatat(dirfd(d), nm, &st, 0) != 0) {
				pt_strbuf_free(&r);
				continue;
			}
			if (S_ISREG(st.st_mode)) {
				ws_file f = {r.buf, (uint64_t)st.st_size,
					     (int64_t)st.st_mtim.tv_sec * 1000000000 +
						     st.st_mtim.tv_nsec,
					     cargo};
				pt_vec_push(&ws->files, f);
				r.buf = NULL;
			}
		}
		pt_strbuf_free(&r);
	}
	closedir(d);
	pt_strbuf_free(&full);
}

int pt_workspace_scan(const char *root, pt_workspace *out)
{
	memset(out, 0, sizeof *out);
	struct stat st;
	if (stat(root, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	if (access(root, R_OK | X_OK) != 0)
		return errno;
	dirstack stack = {0};
	pt_vec_push(&stack, pt_xstrdup(""));
	while (stack.n) {
		char *rel = stack.v[--stack.n];
		scan_dir(root, rel, out, &stack);
		free(rel);
	}
	pt_vec_free(&stack);
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
	for (size_t i = 0; i < ws->warnings.n; i++) {
		free(ws->warnings.v[i].path);
		free(ws->warnings.v[i].what);
	}
	pt_vec_free(&ws->warnings);
	pt_workspace_crates_clear(ws);
	pt_vec_free(&ws->files);
}
