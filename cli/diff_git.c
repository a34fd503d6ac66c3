/* cli/diff_git.c — a git revision laid out as a folder, cheaply.
 *
 * `parseltongue diff` indexes a revision by starting from a copy of the
 * working tree's database, so only what differs is parsed again. The
 * folder it indexes is a view of the revision: every Rust file and
 * Cargo.toml of the revision whose content is the working tree's is a
 * symbolic link to the working tree's file (the indexer follows it and
 * sees the same size and modification time the database recorded, so it
 * does not even read it); the others are checked out by git itself
 * (`checkout-index` from a temporary index, never touching the user's).
 * Git runs as a child process with an argument vector: no shell.
 */
#define _GNU_SOURCE
#include "diff.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Run git with argv (NULL-terminated, "git" first) in dir, feeding it
 * `in` (may be NULL) and collecting its standard output into out. env_add
 * (may be NULL) is one more NAME=VALUE for the child. Returns git's exit
 * status, or -1 when it could not run. */
static int git(const char *dir, const char *const *argv, const pt_strbuf *in, const char *env_add,
	       pt_strbuf *out)
{
	int ip[2] = {-1, -1}, op[2] = {-1, -1}, status = -1;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	char **envp = environ;
	if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ip, O_CLOEXEC) != 0)
		goto fail;
	if (env_add) {
		size_t n = 0;
		while (environ[n])
			n++;
		envp = pt_xcalloc(n + 2, sizeof *envp);
		memcpy(envp, environ, n * sizeof *envp);
		envp[n] = (char *)env_add;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	int rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(ip[0]);
	close(op[1]);
	ip[0] = op[1] = -1;
	if (rc != 0)
		goto fail;
	/* write what it reads first: the commands fed here print nothing
	 * before they have read all of it */
	for (size_t off = 0; in && off < in->len;) {
		ssize_t w = write(ip[1], in->buf + off, in->len - off);
		if (w <= 0 && errno != EINTR)
			break;
		off += w > 0 ? (size_t)w : 0;
	}
	close(ip[1]);
	ip[1] = -1;
	char buf[65536];
	for (ssize_t r; (r = read(op[0], buf, sizeof buf)) != 0;) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		pt_strbuf_add(out, buf, (size_t)r);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
fail:
	for (int i = 0; i < 2; i++) {
		if (ip[i] >= 0)
			close(ip[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	if (envp != environ)
		free(envp);
	pt_strbuf_addc(out, 0); /* a C string, and its length without the NUL */
	out->len--;
	return status;
}

/* The output of a git command that prints one line, without the newline;
 * NULL when git fails. Caller frees. */
static char *git_line(const char *dir, const char *const *argv)
{
	pt_strbuf o = {0};
	if (git(dir, argv, NULL, NULL, &o) != 0) {
		pt_strbuf_free(&o);
		return NULL;
	}
	while (o.len && (o.buf[o.len - 1] == '\n' || o.buf[o.len - 1] == '\r'))
		o.buf[--o.len] = 0;
	return o.buf ? o.buf : pt_xstrdup("");
}

int diff_git_repo(const char *dir, diff_repo *r)
{
	static const char *const top[] = {"git", "rev-parse", "--show-toplevel", NULL};
	static const char *const pre[] = {"git", "rev-parse", "--show-prefix", NULL};
	memset(r, 0, sizeof *r);
	r->top = git_line(dir, top);
	r->prefix = git_line(dir, pre);
	if (!r->top || !r->prefix) {
		diff_repo_free(r);
		return -1;
	}
	return 0;
}

void diff_repo_free(diff_repo *r)
{
	free(r->top);
	free(r->prefix);
	memset(r, 0, sizeof *r);
}

char *diff_git_commit(const diff_repo *r, const char *rev)
{
	pt_strbuf spec = {0};
	pt_strbuf_printf(&spec, "%s^{commit}", rev);
	const char *argv[] = {"git",    "rev-parse", "--verify", "--quiet", "--end-of-options",
			      spec.buf, NULL};
	char *c = git_line(r->top, argv);
	pt_strbuf_free(&spec);
	if (c && !*c) {
		free(c);
		c = NULL;
	}
	return c;
}

static bool wanted(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	return strcmp(base, "Cargo.toml") == 0 || (n > 3 && strcmp(base + n - 3, ".rs") == 0);
}

/* The folders above path; *last (owned) remembers the folder made last,
 * so that a sorted listing makes each folder once. */
static int mkdirs(const char *path, char **last)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (*last && strlen(*last) == n && strncmp(*last, path, n) == 0)
		return 0;
	char *p = pt_xstrndup(path, n);
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		if (!s)
			break;
		*s = '/';
	}
	free(*last);
	*last = p;
	return 0;
}

/* NUL-separated list → sorted array of the strings (pointers into buf). */
typedef PT_VEC(const char *) strs;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void split0(const pt_strbuf *b, strs *out)
{
	for (size_t i = 0; i < b->len;) {
		const char *s = b->buf + i;
		size_t n = strlen(s);
		if (n)
			pt_vec_push(out, s);
		i += n + 1;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_str);
}

/* Link or list each wanted file of the tree listing (ls-tree -z). */
static int lay_out(const diff_repo *r, const char *view, const pt_strbuf *tree, const strs *changed,
		   pt_strbuf *checkout, diff_view_stats *vs)
{
	size_t plen = strlen(r->prefix);
	pt_strbuf dst = {0}, src = {0};
	char *made = NULL;
	int rc = 0;
	for (size_t i = 0; i < tree->len && !rc;) {
		const char *line = tree->buf + i;
		i += strlen(line) + 1;
		const char *tab = strchr(line, '\t');
		/* "<mode> blob <id>\t<path>": regular files only (no links, no submodules) */
		if (!tab || strncmp(line, "100", 3) != 0 || !strstr(line, " blob "))
			continue;
		const char *path = tab + 1;
		if (strncmp(path, r->prefix, plen) != 0 || !wanted(path))
			continue;
		dst.len = src.len = 0;
		pt_strbuf_printf(&dst, "%s/%s", view, path);
		pt_strbuf_printf(&src, "%s/%s", r->top, path);
		struct stat st;
		bool same = !(changed->n && bsearch(&path, changed->v, changed->n,
						    sizeof *changed->v, cmp_str)) &&
			    lstat(src.buf, &st) == 0 && S_ISREG(st.st_mode);
		if (mkdirs(dst.buf, &made) != 0) {
			rc = -1;
		} else if (same) {
			rc = symlink(src.buf, dst.buf);
			vs->linked++;
		} else {
			pt_strbuf_add(checkout, path, strlen(path) + 1);
			vs->checked_out++;
		}
	}
	free(made);
	pt_strbuf_free(&dst);
	pt_strbuf_free(&src);
	return rc;
}

int diff_git_view(const diff_repo *r, const char *commit, const char *view, const char *tmpdir,
		  diff_view_stats *vs)
{
	const char *ls[] = {"git", "ls-tree", "-r", "-z", "--full-tree", commit, NULL};
	const char *df[] = {"git",           "diff",          "--name-only", "-z", "--no-renames",
			    "--no-ext-diff", "--no-relative", commit,        "--", NULL};
	pt_strbuf tree = {0}, diff = {0}, co = {0}, idx = {0}, pfx = {0}, none = {0};
	strs changed = {0};
	int rc = -1;
	memset(vs, 0, sizeof *vs);
	if (git(r->top, ls, NULL, NULL, &tree) != 0 || git(r->top, df, NULL, NULL, &diff) != 0)
		goto done;
	split0(&diff, &changed);
	if (mkdir(view, 0777) != 0 && errno != EEXIST)
		goto done;
	if (lay_out(r, view, &tree, &changed, &co, vs) != 0)
		goto done;
	rc = 0;
	if (!co.len)
		goto done;
	/* the files that differ, written by git from a throw-away index */
	pt_strbuf_printf(&idx, "GIT_INDEX_FILE=%s/index", tmpdir);
	pt_strbuf_printf(&pfx, "--prefix=%s/", view);
	const char *rt[] = {"git", "read-tree", commit, NULL};
	const char *ci[] = {"git", "checkout-index", "-z", "--stdin", pfx.buf, NULL};
	if (git(r->top, rt, NULL, idx.buf, &none) != 0 || git(r->top, ci, &co, idx.buf, &none) != 0)
		rc = -1;
done:
	pt_strbuf_free(&tree);
	pt_strbuf_free(&diff);
	pt_strbuf_free(&co);
	pt_strbuf_free(&idx);
	pt_strbuf_free(&pfx);
	pt_strbuf_free(&none);
	pt_vec_free(&changed);
	return rc;
}
