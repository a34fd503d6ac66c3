/* cli/diff.h — the pieces of `parseltongue diff` (cli/diff*.c). */
#ifndef PT_CLI_DIFF_H
#define PT_CLI_DIFF_H

#include "cli.h"

/* The git repository holding a folder. Strings owned. */
typedef struct {
	char *top;    /* absolute path of the work tree's top */
	char *prefix; /* the folder relative to top, "" or ending in '/' */
} diff_repo;

/* 0, or -1 when dir is not inside a git work tree (or git is missing). */
int diff_git_repo(const char *dir, diff_repo *r);
void diff_repo_free(diff_repo *r);
/* The commit id rev names (caller frees), NULL if none. */
char *diff_git_commit(const diff_repo *r, const char *rev);

typedef struct {
	uint32_t linked, checked_out; /* files of the view */
} diff_view_stats;
/* Lay out the Rust files and manifests of commit under folder view (the
 * whole repository, so the workspace is view/prefix): links to the work
 * tree's files where their content is the commit's, files written by git
 * elsewhere. tmpdir holds git's throw-away index. 0, or -1 on failure. */
int diff_git_view(const diff_repo *r, const char *commit, const char *view, const char *tmpdir,
		  diff_view_stats *vs);

#endif
