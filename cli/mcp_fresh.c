/* cli/mcp_fresh.c — an answer never comes from a graph older than the
 * files without saying so.
 *
 * Before each tool call the server compares the workspace with the index
 * (index_check: a stat of every file, a hash of what stat flags; a few
 * milliseconds). When something changed it runs `parseltongue onboard` as
 * a child process, the one writer of that update, and answers once the
 * child has committed; LMDB's readers see the new graph from their next
 * transaction. The child, not this process, holds the memory an update
 * needs, so the server stays small; and a crash while indexing cannot end
 * the server. A child that takes longer than wait_ms keeps running and
 * the answer says it comes from the graph before the change.
 *
 * An editor's language server indexes its unsaved buffers: such files
 * differ from the disk on purpose, and the graph follows the editor, so
 * they are reported, not re-indexed from the disk.
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- the database ---------------------------------------------------------------- */

static void db_file_id(const mcp_server *s, dev_t *dev, ino_t *ino)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/data.mdb", s->cfg.db);
	*dev = 0;
	*ino = 0;
	if (stat(path, &st) == 0) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
}

/* PT_OK, or why the database cannot be read (ENOENT, ESCHEMA and
 * ECORRUPT are what an onboard repairs). */
static int open_db(mcp_server *s)
{
	if (s->st)
		return PT_OK;
	int rc = store_open(s->cfg.db, STORE_RDONLY, &s->st);
	if (rc) {
		store_close(s->st); /* ESCHEMA leaves it open */
		s->st = NULL;
		return rc;
	}
	db_file_id(s, &s->db_dev, &s->db_ino);
	return PT_OK;
}

/* After an onboard: a database it rebuilt is a new file, opened again. */
static void follow_rebuild(mcp_server *s)
{
	dev_t dev;
	ino_t ino;
	db_file_id(s, &dev, &ino);
	if (s->st && (dev != s->db_dev || ino != s->db_ino)) {
		store_close(s->st);
		s->st = NULL;
	}
	open_db(s);
}

/* ---- the onboard child ------------------------------------------------------------ */

static bool start_onboard(mcp_server *s)
{
	if (s->child || !s->cfg.exe)
		return s->child != 0;
	char *argv[] = {"parseltongue", "onboard", (char *)s->cfg.root, "--db", (char *)s->cfg.db,
			"--quiet",      NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* stdout belongs to the protocol: the child's goes to our stderr */
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	pid_t pid;
	int rc = posix_spawn(&pid, s->cfg.exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "parseltongue mcp: cannot run %s onboard: %s\n", s->cfg.exe,
			strerror(rc));
		return false;
	}
	s->child = pid;
	s->child_t0 = pt_now_ns();
	return true;
}

/* Wait for the child up to ms: true when it has ended (its status in
 * last_onboard), false when it still runs (time out, or the request was
 * cancelled). */
static bool wait_onboard(mcp_server *s, unsigned ms)
{
	uint64_t deadline = pt_now_ns() + (uint64_t)ms * 1000000u;
	for (;;) {
		int st;
		pid_t r = waitpid(s->child, &st, WNOHANG);
		if (r == s->child || (r < 0 && errno != EINTR)) {
			s->last_onboard = r < 0           ? 255
					  : WIFEXITED(st) ? WEXITSTATUS(st)
							  : 128 + WTERMSIG(st);
			s->child = 0;
			return true;
		}
		if (pt_now_ns() >= deadline ||
		    (s->cfg.cancelled && s->cfg.cancelled(s->cfg.ctx, s->call_id)))
			return false;
		poll(NULL, 0, 2);
	}
}

static double since_s(uint64_t t0)
{
	return (double)(pt_now_ns() - t0) / 1e9;
}

/* ---- before every answer ------------------------------------------------------------- */

static json_t *info_json(const char *state, double ms, uint32_t changed, const pt_strbuf *note)
{
	json_t *o = json_pack("{s:s,s:f,s:i}", "state", state, "checked_ms", ms, "changed_files",
			      (json_int_t)changed);
	if (note->len) {
		json_t *n = json_stringn(note->buf, note->len);
		if (n)
			json_object_set_new(o, "note", n);
	}
	return o;
}

static void list_paths(const char *paths, uint32_t n, pt_strbuf *note)
{
	pt_strbuf_adds(note, ": ");
	for (const char *p = paths; *p;) {
		size_t k = strcspn(p, "\n");
		pt_strbuf_printf(note, "%s%.*s", p == paths ? "" : ", ", (int)k, p);
		p += k + (p[k] == '\n');
	}
	if (n > INDEX_CHECK_PATHS)
		pt_strbuf_printf(note, " and %u more", n - INDEX_CHECK_PATHS);
}

/* No database yet (or one onboard must rebuild): index, and wait. */
static bool first_index(mcp_server *s, int why, pt_strbuf *err)
{
	if (!s->cfg.exe) {
		pt_strbuf_printf(err, "no usable index at %s (%s): run `parseltongue onboard %s`",
				 s->cfg.db, pt_strerror(why), s->cfg.root);
		return false;
	}
	if (!start_onboard(s)) {
		pt_strbuf_printf(err, "cannot start indexing %s (see the server's stderr)",
				 s->cfg.root);
		return false;
	}
	if (!wait_onboard(s, s->cfg.wait_ms)) {
		pt_strbuf_printf(err,
				 "indexing %s for the first time (%.0f s so far): ask again in a "
				 "few seconds",
				 s->cfg.root, since_s(s->child_t0));
		return false;
	}
	int rc = s->last_onboard ? PT_EIO : open_db(s);
	if (rc)
		pt_strbuf_printf(err,
				 "indexing %s failed (onboard exit %d, see the server's stderr); "
				 "run `parseltongue onboard %s` to see why",
				 s->cfg.root, s->last_onboard, s->cfg.root);
	return rc == PT_OK;
}

/* The starter: the database, the watch, then the first check (the watch
 * is set first, so a change during the check is an event). Touches the
 * server alone until mcp_fresh_ensure joins it. */
static void *starter(void *arg)
{
	mcp_server *s = arg;
	if (!s->cfg.root)
		return NULL;
	s->watch = mcp_watch_new(s->cfg.root);
	if (open_db(s) == PT_OK)
		s->first_rc = index_check(s->st, s->cfg.root, &s->first);
	return NULL;
}

void mcp_fresh_start(mcp_server *s)
{
	s->starter_on = pthread_create(&s->starter, NULL, starter, s) == 0;
	if (!s->starter_on) /* no thread: the same work, now */
		starter(s);
}

/* The full check, and an update when it finds one is needed. */
static const char *check(mcp_server *s, pt_strbuf *note, double *ms, uint32_t *changed)
{
	index_staleness st;
	int rc;
	if (s->first_rc >= 0) { /* the starter's, not yet used */
		st = s->first;
		rc = s->first_rc;
		s->first_rc = -1;
	} else {
		rc = index_check(s->st, s->cfg.root, &st);
	}
	*ms = st.seconds * 1e3;
	uint32_t n = st.changed + st.added + st.deleted;
	*changed = n;
	const char *state = "fresh";
	if (rc == PT_ENOROOT) {
		state = "stale";
		pt_strbuf_printf(note,
				 "WARNING: the workspace %s cannot be read (%s): the graph "
				 "may be older than the files",
				 s->cfg.root, strerror(st.root_errno));
	} else if (rc || index_staleness_any(&st)) {
		bool done = start_onboard(s) && wait_onboard(s, s->cfg.wait_ms);
		if (done && s->last_onboard == 0) {
			follow_rebuild(s);
			state = "updated";
			pt_strbuf_printf(note, "(the index was brought up to date first: %u file%s",
					 n, n == 1 ? "" : "s");
			list_paths(st.paths, n, note);
			pt_strbuf_adds(note, ")");
		} else {
			state = "stale";
			pt_strbuf_printf(
				note,
				"WARNING: answered from the graph before %u change%s on disk, %s",
				n, n == 1 ? "" : "s",
				s->child ? "still being indexed: ask again for the new graph"
					 : "which could not be indexed (see the server's stderr)");
			list_paths(st.paths, n, note);
		}
	} else if (st.buffers) {
		state = "editor";
		pt_strbuf_printf(note,
				 "(%u file%s indexed from an editor's unsaved buffer%s: the graph "
				 "follows the editor, not the disk)",
				 st.buffers, st.buffers == 1 ? "" : "s",
				 st.buffers == 1 ? "" : "s");
	}
	index_staleness_free(&st);
	return state;
}

bool mcp_fresh_ensure(mcp_server *s, json_t **info, pt_strbuf *note, pt_strbuf *err)
{
	if (s->starter_on) {
		pthread_join(s->starter, NULL);
		s->starter_on = false;
	}
	if (!s->cfg.root) {
		pt_strbuf_adds(err, "no workspace: the server was started outside any project "
				    "(in / or a home folder). Name the workspace in the client's "
				    "configuration: args [\"mcp\", \"/path/to/workspace\"]");
		return false;
	}
	/* an update a previous call left running */
	if (s->child && wait_onboard(s, s->cfg.wait_ms))
		follow_rebuild(s);
	int rc = open_db(s);
	if (rc && rc != PT_ENOENT && rc != PT_ESCHEMA && rc != PT_ECORRUPT) {
		pt_strbuf_printf(err, "cannot open the index at %s: %s", s->cfg.db,
				 pt_strerror(rc));
		return false;
	}
	if (rc && !first_index(s, rc, err))
		return false;
	/* the watch first: what happens during the check is left for the next */
	uint64_t t0 = pt_now_ns();
	bool dirty = !s->watch || mcp_watch_dirty(s->watch);
	double ms = (double)(pt_now_ns() - t0) / 1e6;
	uint32_t changed = 0;
	const char *state = "fresh";
	if (dirty || !s->clean) {
		state = check(s, note, &ms, &changed);
		s->clean = strcmp(state, "fresh") == 0 || strcmp(state, "updated") == 0;
	}
	*info = info_json(state, ms, changed, note);
	return true;
}

void mcp_fresh_close(mcp_server *s)
{
	if (s->starter_on) {
		pthread_join(s->starter, NULL);
		s->starter_on = false;
	}
	if (s->first_rc >= 0)
		index_staleness_free(&s->first);
	s->first_rc = -1;
	mcp_watch_free(s->watch);
	s->watch = NULL;
	/* a running onboard is left to finish its commit on its own */
	store_close(s->st);
	s->st = NULL;
}

/* ---- other programs ----------------------------------------------------------------- */

int mcp_run_capture(const char *dir, char *const argv[], size_t max, unsigned ms, pt_strbuf *out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return -1;
	}
	uint64_t deadline = pt_now_ns() + (uint64_t)ms * 1000000u;
	size_t start = out->len;
	bool killed = false;
	for (;;) {
		uint64_t now = pt_now_ns();
		struct pollfd pf = {p[0], POLLIN, 0};
		int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;
		if (now >= deadline || out->len - start > max) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		if (poll(&pf, 1, left) <= 0)
			continue;
		char buf[65536];
		ssize_t n = read(p[0], buf, sizeof buf);
		if (n > 0)
			pt_strbuf_add(out, buf, (size_t)n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (killed || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}
