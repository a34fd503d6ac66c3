/* lsp/watch.c — changes on disk made outside the editor.
 *
 * When the client does not watch files for us (Neovim on Linux), one
 * inotify instance watches every folder recursively (the folders the
 * workspace scan skips are skipped here too). Watches for a folder are
 * added by the dispatcher before its indexer starts, so no change falls
 * between the scan and the watch; the watcher thread then turns events
 * into updates, and watches folders created later itself. The watch list
 * is shared between the two under its mutex.
 */
#define _GNU_SOURCE
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	int wd;
	char *dir;
} watch;

struct lsp_watches {
	pthread_mutex_t mu; /* guards w and full */
	int fd;
	PT_VEC(watch) w;
	bool full; /* the kernel's watch limit was hit */
	pthread_t thread;
	bool on;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool wanted_file(const char *name)
{
	return ends_with(name, ".rs") || ends_with(name, "Cargo.toml");
}

/* The folders the workspace scan skips (graph/workspace.c): hidden ones,
 * build output, node_modules. */
static bool skip_dir(const char *name)
{
	return name[0] == '.' || strcmp(name, "target") == 0 || strcmp(name, "node_modules") == 0;
}

/* A relative path under one of those folders, or a hidden file (editor
 * lock and backup files such as `.#lib.rs`). */
static bool skipped_path(const char *rel)
{
	char dir[256];
	const char *base = strrchr(rel, '/');
	if ((base ? base[1] : rel[0]) == '.')
		return true;
	for (const char *p = rel, *slash; (slash = strchr(p, '/')); p = slash + 1) {
		size_t n = (size_t)(slash - p);
		if (n >= sizeof dir)
			continue;
		memcpy(dir, p, n);
		dir[n] = 0;
		if (skip_dir(dir))
			return true;
	}
	return false;
}

void lsp_watched_change(lsp_server *s, const char *uri)
{
	char *rel = NULL;
	lsp_root *r = lsp_root_of(s, uri, &rel);
	if (!r || !r->st || !wanted_file(rel) || skipped_path(rel)) {
		free(rel);
		return;
	}
	/* a manifest changes the crates: the whole folder */
	if (ends_with(rel, "Cargo.toml"))
		lsp_root_queue(r, NULL, NULL, 0, false);
	else if (!lsp_docs_is_open(s->docs, uri))
		lsp_root_queue(r, rel, NULL, 0, false);
	free(rel);
}

/* Watch dir and everything under it (w->mu held); with announce, report
 * the files found: they may have been written before the watch existed. */
static void watch_tree(lsp_server *s, struct lsp_watches *w, const char *dir, bool announce,
		       int depth)
{
	int wd = inotify_add_watch(w->fd, dir,
				   IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
					   IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR);
	if (wd < 0) {
		if (errno != ENOSPC)
			lsp_log(NULL, LSP_LOG_WARNING, "cannot watch %s: %s", dir, strerror(errno));
		else if (!w->full)
			lsp_log(s, LSP_LOG_WARNING,
				"inotify watch limit reached (fs.inotify.max_user_watches): "
				"changes on disk "
				"under some folders are seen at the next start");
		w->full |= errno == ENOSPC;
		return;
	}
	watch x = {wd, pt_xstrdup(dir)};
	pt_vec_push(&w->w, x);
	DIR *d = depth < 64 ? opendir(dir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		pt_strbuf p = {0};
		pt_strbuf_printf(&p, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (lstat(p.buf, &sb) == 0 && S_ISDIR(sb.st_mode) && !skip_dir(e->d_name)) {
			watch_tree(s, w, p.buf, announce, depth + 1);
		} else if (announce && S_ISREG(sb.st_mode) && wanted_file(e->d_name)) {
			char *u = lsp_path_to_uri(p.buf);
			lsp_watched_change(s, u);
			free(u);
		}
		pt_strbuf_free(&p);
	}
	if (d)
		closedir(d);
}

/* Events were lost: every folder is compared with its store again. */
static void rescan_all(lsp_server *s)
{
	for (size_t k = 0, n = lsp_roots_count(s); k < n; k++)
		if (s->roots.v[k]->st && !atomic_load(&s->roots.v[k]->retired))
			lsp_root_queue(s->roots.v[k], NULL, NULL, 0, false);
}

/* The changed path of an event (caller frees), or NULL; keeps the watch
 * list current. w->mu held. */
static char *event_path(struct lsp_watches *w, const struct inotify_event *ev)
{
	size_t i = 0;
	while (i < w->w.n && w->w.v[i].wd != ev->wd)
		i++;
	if (i == w->w.n)
		return NULL;
	if (ev->mask & IN_IGNORED) {
		free(w->w.v[i].dir);
		w->w.v[i] = w->w.v[--w->w.n];
		return NULL;
	}
	if (!ev->len || (ev->mask & IN_DELETE_SELF))
		return NULL;
	pt_strbuf p = {0};
	pt_strbuf_printf(&p, "%s/%s", w->w.v[i].dir, ev->name);
	return p.buf;
}

static void watch_event(lsp_server *s, struct lsp_watches *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		rescan_all(s);
		return;
	}
	pthread_mutex_lock(&w->mu);
	char *path = event_path(w, ev);
	if (path && (ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
	    !skip_dir(ev->name))
		watch_tree(s, w, path, true, 0);
	pthread_mutex_unlock(&w->mu);
	/* IN_CREATE alone: the content follows with IN_CLOSE_WRITE */
	if (path && !(ev->mask & IN_ISDIR) && wanted_file(ev->name) && !(ev->mask & IN_CREATE)) {
		char *u = lsp_path_to_uri(path);
		lsp_watched_change(s, u);
		free(u);
	}
	free(path);
}

static void *watcher_main(void *arg)
{
	lsp_server *s = arg;
	struct lsp_watches *w = s->watches;
	_Alignas(struct inotify_event) char buf[16384];
	while (!atomic_load(&s->quit)) {
		struct pollfd p = {w->fd, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(w->fd, buf, sizeof buf);
		for (char *q = buf; n > 0 && q < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)q;
			watch_event(s, w, ev);
			q += sizeof *ev + ev->len;
		}
	}
	return NULL;
}

void lsp_watch_start(lsp_server *s)
{
	struct lsp_watches *w = s->watches;
	if (!w) {
		int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fd < 0) {
			lsp_log(s, LSP_LOG_WARNING,
				"inotify unavailable (%s): changes on disk are seen at the next "
				"start",
				strerror(errno));
			return;
		}
		w = s->watches = pt_xcalloc(1, sizeof *w);
		w->fd = fd;
		pthread_mutex_init(&w->mu, NULL);
	}
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < s->roots.n; i++) {
		lsp_root *r = s->roots.v[i];
		if (r->watched || !r->st)
			continue;
		watch_tree(s, w, r->path, false, 0);
		r->watched = true;
	}
	pthread_mutex_unlock(&w->mu);
	if (!w->on)
		w->on = pthread_create(&w->thread, NULL, watcher_main, s) == 0;
}

void lsp_watch_stop(lsp_server *s)
{
	struct lsp_watches *w = s->watches;
	if (!w)
		return;
	if (w->on)
		pthread_join(w->thread, NULL);
	close(w->fd);
	for (size_t i = 0; i < w->w.n; i++)
		free(w->w.v[i].dir);
	pt_vec_free(&w->w);
	pthread_mutex_destroy(&w->mu);
	free(w);
	s->watches = NULL;
}
