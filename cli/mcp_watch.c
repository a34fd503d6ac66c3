/* cli/mcp_watch.c — knowing that no file changed without looking at each.
 *
 * The freshness check before an answer stats every file of the workspace:
 * a few milliseconds for the standard library, 50 on a 2.7M-line
 * workspace. So the server watches the workspace's folders with inotify
 * (the folders the workspace scan reads: not hidden ones, not target/ or
 * node_modules/) and runs that check again only when something happened
 * since the last one: a Rust file or a Cargo.toml written, created,
 * removed or renamed, a folder created or removed, or the kernel's queue
 * overflowed. Anything the watch cannot see reliably makes every call
 * check in full: a folder it could not watch (the kernel's limit of
 * watches), a symbolic link (its target may change elsewhere).
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

struct mcp_watch {
	int fd;
	const char *root;    /* borrowed */
	PT_VEC(char *) dirs; /* workspace-relative folder of each watch, by wd */
	bool unreliable;     /* every call checks in full */
	bool dirty;          /* something changed since the last drain */
};

#define MASK                                                                                       \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |        \
	 IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* The folders graph/workspace.c skips. */
static bool skipped(const char *name)
{
	return name[0] == '.' || strcmp(name, "target") == 0 || strcmp(name, "node_modules") == 0;
}

static bool indexed_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' &&
	       (strcmp(name, "Cargo.toml") == 0 || (n > 3 && strcmp(name + n - 3, ".rs") == 0));
}

static void remember(mcp_watch *w, int wd, const char *rel)
{
	while (w->dirs.n <= (size_t)wd)
		pt_vec_push(&w->dirs, NULL);
	free(w->dirs.v[wd]);
	w->dirs.v[wd] = pt_xstrdup(rel);
}

/* Watch rel and every folder under it that the scan reads. */
static void watch_tree(mcp_watch *w, const char *start)
{
	PT_VEC(char *) stack = {0};
	pt_vec_push(&stack, pt_xstrdup(start));
	pt_strbuf full = {0};
	while (stack.n) {
		char *rel = stack.v[--stack.n];
		full.len = 0;
		pt_strbuf_printf(&full, "%s%s%s", w->root, *rel ? "/" : "", rel);
		int wd = inotify_add_watch(w->fd, full.buf, MASK);
		DIR *d = wd >= 0 ? opendir(full.buf) : NULL;
		if (wd < 0 || !d) {
			w->unreliable = true; /* the limit of watches, or unreadable */
		} else {
			remember(w, wd, rel);
			struct dirent *de;
			while ((de = readdir(d))) {
				const char *nm = de->d_name;
				if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
					continue;
				unsigned char t = de->d_type;
				struct stat st;
				if (t == DT_UNKNOWN &&
				    fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) == 0)
					t = S_ISDIR(st.st_mode)   ? DT_DIR
					    : S_ISLNK(st.st_mode) ? DT_LNK
								  : DT_REG;
				if (t == DT_LNK && indexed_name(nm))
					w->unreliable = true;
				if (t != DT_DIR || skipped(nm))
					continue;
				pt_strbuf r = {0};
				pt_strbuf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", nm);
				pt_vec_push(&stack, r.buf);
			}
			closedir(d);
		}
		free(rel);
	}
	pt_strbuf_free(&full);
	pt_vec_free(&stack);
}

mcp_watch *mcp_watch_new(const char *root)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return NULL;
	mcp_watch *w = pt_xcalloc(1, sizeof *w);
	w->fd = fd;
	w->root = root;
	watch_tree(w, "");
	return w;
}

void mcp_watch_free(mcp_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	for (size_t i = 0; i < w->dirs.n; i++)
		free(w->dirs.v[i]);
	pt_vec_free(&w->dirs);
	free(w);
}

static void event(mcp_watch *w, const struct inotify_event *e)
{
	if (e->mask & IN_Q_OVERFLOW) {
		w->dirty = true;
		return;
	}
	const char *dir = e->wd >= 0 && (size_t)e->wd < w->dirs.n ? w->dirs.v[e->wd] : NULL;
	if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		w->dirty = true; /* a folder went: its files with it */
		return;
	}
	if (!dir || !e->len)
		return;
	if (e->mask & IN_ISDIR) {
		if (skipped(e->name))
			return;
		w->dirty = true;
		if (e->mask & (IN_CREATE | IN_MOVED_TO)) { /* watch what appeared */
			pt_strbuf r = {0};
			pt_strbuf_printf(&r, "%s%s%s", dir, *dir ? "/" : "", e->name);
			watch_tree(w, r.buf);
			pt_strbuf_free(&r);
		}
		return;
	}
	if (indexed_name(e->name))
		w->dirty = true;
}

bool mcp_watch_dirty(mcp_watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			event(w, e);
			p += sizeof *e + e->len;
		}
	}
	bool dirty = w->dirty || w->unreliable;
	w->dirty = false;
	return dirty;
}
