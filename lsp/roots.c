/* lsp/roots.c — workspace folders: URIs, databases, and one indexer
 * thread per folder (the only writer of its store). */
#define _GNU_SOURCE

#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../graph/index.h"

/* ---- URIs -------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An absolute path with its `.`, `..` and empty segments resolved, as
 * the file system would resolve them if no symlink were on the way
 * (RFC 3986's remove_dot_segments: `..` at the top stays at the top).
 * Symlinks are the indexer's business (graph/workspace.h). */
static char *normalize(const char *path)
{
	pt_strbuf b = {0};
	pt_strbuf_addc(&b, '/');
	for (const char *p = path, *e; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (b.len > 1 && b.buf[b.len - 1] != '/')
				b.len--;
			if (b.len > 1)
				b.len--; /* the '/' before the segment dropped */
			b.buf[b.len] = 0;
			continue;
		}
		if (b.len > 1)
			pt_strbuf_addc(&b, '/');
		pt_strbuf_add(&b, p, n);
	}
	return b.buf;
}

/* Percent-decoding comes first, then the segments: `%2e%2e%2f` is a `../`
 * of the path the file system sees. A NUL (`%00`) would cut the path
 * short in every system call: such a URI names no file. */
char *lsp_uri_to_path(const char *uri)
{
	if (!uri || strncmp(uri, "file://", 7) != 0)
		return NULL;
	const char *p = uri + 7;
	if (*p != '/') { /* file://host/path: skip an empty or local host */
		p = strchr(p, '/');
		if (!p)
			return NULL;
	}
	pt_strbuf b = {0};
	bool nul = false;
	for (; *p && *p != '?' && *p != '#'; p++) {
		int h, l;
		if (*p == '%' && (h = hexval((unsigned char)p[1])) >= 0 &&
		    (l = hexval((unsigned char)p[2])) >= 0) {
			nul |= h == 0 && l == 0;
			pt_strbuf_addc(&b, (char)(h * 16 + l));
			p += 2;
		} else {
			pt_strbuf_addc(&b, *p);
		}
	}
	char *path = nul ? NULL : normalize(pt_strbuf_cstr(&b));
	pt_strbuf_free(&b);
	return path;
}

char *lsp_path_to_uri(const char *path)
{
	pt_strbuf b = {0};
	pt_strbuf_adds(&b, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~!$&'()*+,;=:@", *p))
			pt_strbuf_addc(&b, (char)*p);
		else
			pt_strbuf_printf(&b, "%%%02X", *p);
	}
	return b.buf;
}

lsp_root *lsp_root_of(lsp_server *s, const char *uri, char **rel)
{
	char *path = lsp_uri_to_path(uri);
	lsp_root *best = NULL;
	size_t best_len = 0;
	if (!path)
		return NULL;
	for (size_t i = 0, nr = lsp_roots_count(s); i < nr; i++) {
		lsp_root *r = s->roots.v[i];
		if (atomic_load(&r->retired))
			continue;
		size_t n = strlen(r->path);
		if (strncmp(path, r->path, n) == 0 && path[n] == '/' && n >= best_len) {
			best = r;
			best_len = n;
		}
	}
	if (best && rel)
		*rel = pt_xstrdup(path + best_len + 1);
	free(path);
	return best;
}

char *lsp_root_file_uri(const lsp_root *r, const char *rel)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "%s/%s", r->path, rel);
	char *u = lsp_path_to_uri(b.buf);
	pt_strbuf_free(&b);
	return u;
}

static void *indexer_main(void *arg);

/* ---- opening -------------------------------------------------------------------- */

static store *open_db(lsp_server *s, const char *dir, char **why, bool *read_only)
{
	store *st = NULL;
	/* LMDB trusts its file: store_open first checks a data.mdb that
	 * something else changed (tests/reliability/diskfull.py) */
	int rc = store_open(dir, STORE_CREATE | STORE_NOSYNC, &st);
	if (rc == PT_ESCHEMA || rc == PT_ECORRUPT) {
		lsp_log(s, LSP_LOG_WARNING, "database %s is %s: rebuilding it", dir,
			rc == PT_ESCHEMA ? "from another version" : "corrupted");
		store_close(st);
		st = NULL;
		store_remove(dir);
		rc = store_open(dir, STORE_CREATE | STORE_NOSYNC, &st);
	}
	/* a database we may read but not write (a read-only mount, another
	 * user's files) still answers, as the CLI's queries do */
	if (rc == PT_EACCES && store_open(dir, STORE_RDONLY, &st) == PT_OK) {
		pt_strbuf b = {0};
		pt_strbuf_printf(&b,
				 "database %s cannot be written: answering from it as it was last "
				 "written; changes are not indexed",
				 dir);
		lsp_log(s, LSP_LOG_WARNING, "%s", b.buf);
		*why = b.buf;
		*read_only = true;
		return st;
	}
	if (rc) {
		pt_strbuf b = {0};
		pt_strbuf_printf(&b, "cannot open database %s: %s", dir, pt_strerror(rc));
		lsp_log(s, LSP_LOG_ERROR, "%s", b.buf);
		*why = b.buf;
		return NULL;
	}
	return st;
}

/* Folders are never removed from s->roots (a removed folder is retired:
 * its store stays open, as LMDB forbids opening a directory twice in one
 * process, and re-adding it revives it). The array is reserved once, so
 * other threads can read it while the dispatcher appends. */
#define MAX_ROOTS 64

size_t lsp_roots_count(lsp_server *s)
{
	return __atomic_load_n(&s->roots.n, __ATOMIC_ACQUIRE);
}

static char *folder_path(const char *uri_or_path, bool is_uri)
{
	if (is_uri)
		return lsp_uri_to_path(uri_or_path);
	/* rootPath: a path, made absolute as lsp_uri_to_path makes one */
	if (!uri_or_path || !*uri_or_path)
		return NULL;
	if (uri_or_path[0] == '/')
		return normalize(uri_or_path);
	char *cwd = getcwd(NULL, 0);
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "%s/%s", cwd ? cwd : "", uri_or_path);
	char *path = normalize(b.buf);
	pt_strbuf_free(&b);
	free(cwd);
	return path;
}

static lsp_root *find_root(lsp_server *s, const char *path)
{
	for (size_t i = 0; i < s->roots.n; i++)
		if (strcmp(s->roots.v[i]->path, path) == 0)
			return s->roots.v[i];
	return NULL;
}

/* A new root for path (owned), not yet visible to other threads. */
static lsp_root *new_root(lsp_server *s, char *path)
{
	lsp_root *r = pt_xcalloc(1, sizeof *r);
	r->path = path;
	r->uri = lsp_path_to_uri(path);
	r->srv = s;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_cond_init(&r->diag_cv, NULL);
	return r;
}

/* Database directory and store of root number i. */
static void open_root(lsp_server *s, lsp_root *r, size_t i, bool only)
{
	pt_strbuf b = {0};
	if (s->db_arg && only)
		pt_strbuf_adds(&b, s->db_arg);
	else if (s->db_arg)
		pt_strbuf_printf(&b, "%s/%zu", s->db_arg, i);
	else
		pt_strbuf_printf(&b, "%s/.cache/parseltongue", r->path);
	r->db = b.buf;
	struct stat sb;
	if (stat(r->path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		pt_strbuf e = {0};
		pt_strbuf_printf(&e, "workspace folder %s cannot be read", r->path);
		lsp_log(s, LSP_LOG_ERROR, "%s", e.buf);
		r->error = e.buf;
		r->state = ROOT_FAILED;
	} else if (!(r->st = open_db(s, r->db, &r->error, &r->read_only))) {
		r->state = ROOT_FAILED;
	} else if (r->read_only) {
		r->state = ROOT_READY; /* as ready as it will be: nothing is indexed */
	}
	lsp_log(s, LSP_LOG_INFO, "workspace %s, database %s", r->path, r->db);
}

/* Make a complete root visible to every thread. */
static void publish_root(lsp_server *s, lsp_root *r)
{
	s->roots.v[s->roots.n] = r;
	__atomic_store_n(&s->roots.n, s->roots.n + 1, __ATOMIC_RELEASE);
}

/* A folder not known yet: its path (caller frees), else NULL. */
static char *new_folder(lsp_server *s, const char *uri_or_path, bool is_uri)
{
	char *path = folder_path(uri_or_path, is_uri);
	if (path && find_root(s, path)) {
		free(path);
		return NULL;
	}
	if (path && s->roots.n >= MAX_ROOTS) {
		lsp_log(s, LSP_LOG_ERROR, "too many workspace folders (at most %d): %s is ignored",
			MAX_ROOTS, path);
		free(path);
		return NULL;
	}
	return path;
}

void lsp_roots_open(lsp_server *s, json_t *params)
{
	json_t *folders = json_object_get(params, "workspaceFolders"), *f;
	PT_VEC(char *) paths = {0};
	size_t i;
	pt_vec_reserve(&s->roots, MAX_ROOTS);
	json_array_foreach(folders, i, f)
	{
		char *p = folder_path(json_string_value(json_object_get(f, "uri")), true);
		bool dup = false;
		for (size_t k = 0; p && k < paths.n; k++)
			dup |= strcmp(paths.v[k], p) == 0;
		if (p && !dup && paths.n < MAX_ROOTS)
			pt_vec_push(&paths, p);
		else
			free(p);
	}
	char *one = NULL;
	if (!paths.n)
		one = folder_path(json_string_value(json_object_get(params, "rootUri")), true);
	if (!paths.n && !one)
		one = folder_path(json_string_value(json_object_get(params, "rootPath")), false);
	if (one)
		pt_vec_push(&paths, one);
	if (!paths.n)
		lsp_log(s, LSP_LOG_WARNING, "no workspace folder: answers will be empty");
	for (i = 0; i < paths.n; i++) {
		lsp_root *r = new_root(s, paths.v[i]);
		open_root(s, r, i, paths.n == 1);
		publish_root(s, r);
	}
	pt_vec_free(&paths);
}

/* Show the user msg (window/showMessage, a warning), once per episode:
 * r->told is cleared when the trouble is over. */
static void tell(lsp_root *r, const char *msg)
{
	if (r->told)
		return;
	r->told = true;
	jrpc_notify(r->srv->out, "window/showMessage",
		    json_pack("{s:i,s:o}", "type", LSP_LOG_WARNING, "message", pt_json_bytes(msg)));
}

static void *indexer_main(void *arg);
static void *diag_main(void *arg);

static void start_root(lsp_root *r)
{
	if (r->read_only && r->error)
		tell(r, r->error);
	if (!r->st || r->read_only || r->started)
		return;
	lsp_root_queue(r, NULL, NULL, 0, false);
	pthread_mutex_lock(&r->mu);
	r->state = ROOT_INDEXING;
	pthread_mutex_unlock(&r->mu);
	r->started = pthread_create(&r->thread, NULL, indexer_main, r) == 0;
	if (r->started)
		r->diag_started = pthread_create(&r->diag_thread, NULL, diag_main, r) == 0;
}

/* Withdraw what a removed folder published. */
static void retire(lsp_server *s, lsp_root *r)
{
	atomic_store(&r->retired, true);
	lsp_log(s, LSP_LOG_INFO, "workspace folder removed: %s", r->path);
	pthread_mutex_lock(&s->diag_mu);
	for (size_t i = 0; i < r->diag.n; i++) {
		if (!s->cap_pull_diag)
			jrpc_notify(
				s->out, "textDocument/publishDiagnostics",
				json_pack("{s:s,s:[]}", "uri", r->diag.v[i].uri, "diagnostics"));
		free(r->diag.v[i].uri);
	}
	r->diag.n = 0;
	pthread_mutex_unlock(&s->diag_mu);
	if (s->cap_pull_diag && s->cap_diag_refresh)
		jrpc_request(s->out, "workspace/diagnostic/refresh", NULL);
}

void lsp_roots_change(lsp_server *s, json_t *event)
{
	json_t *f;
	size_t i;
	json_array_foreach(json_object_get(event, "removed"), i, f)
	{
		char *path = folder_path(json_string_value(json_object_get(f, "uri")), true);
		lsp_root *r = path ? find_root(s, path) : NULL;
		if (r && !atomic_load(&r->retired))
			retire(s, r);
		free(path);
	}
	size_t first_new = s->roots.n;
	json_array_foreach(json_object_get(event, "added"), i, f)
	{
		const char *uri = json_string_value(json_object_get(f, "uri"));
		char *path = folder_path(uri, true);
		lsp_root *r = path ? find_root(s, path) : NULL;
		free(path);
		if (r && atomic_load(&r->retired)) {
			atomic_store(&r->retired, false); /* revived: catch up with the disk */
			if (r->started)
				lsp_root_queue(r, NULL, NULL, 0, false);
		} else if (!r && (path = new_folder(s, uri, true))) {
			r = new_root(s, path);
			open_root(s, r, s->roots.n, false);
			publish_root(s, r);
		}
	}
	/* watches first: nothing changed between the scan and the watch is lost */
	if (!s->cap_watch_dynamic)
		lsp_watch_start(s);
	for (i = first_new; i < s->roots.n; i++)
		start_root(s->roots.v[i]);
}

/* ---- the indexer ------------------------------------------------------------------ */

/* A root whose database cannot be written has no indexer: its updates
 * are dropped instead of piling up. */
static void push_update(lsp_root *r, lsp_update u)
{
	if (!r->st || r->read_only) {
		lsp_update_free(&u);
		return;
	}
	pthread_mutex_lock(&r->mu);
	pt_vec_push(&r->queue, u);
	if (u.doc)
		r->pending_docs++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void lsp_root_queue_buffer(lsp_root *r, const char *rel, const char *uri, char *text, size_t len,
			   int64_t stamp, pt_tree *tree)
{
	lsp_update u = {pt_xstrdup(rel), text, len, true, pt_xstrdup(uri), stamp, tree};
	push_update(r, u);
}

void lsp_update_free(lsp_update *u)
{
	free(u->rel);
	free(u->text);
	free(u->uri);
	if (u->tree)
		pt_tree_free(u->tree);
}

void lsp_root_queue(lsp_root *r, const char *rel, const char *text, size_t len, bool doc)
{
	lsp_update u = {rel ? pt_xstrdup(rel) : NULL,
			text ? pt_xstrndup(text, len) : NULL,
			len,
			doc,
			NULL,
			0,
			NULL};
	push_update(r, u);
}

__thread uint64_t lsp_settle_ns;

void lsp_root_settle(lsp_root *r)
{
	/* one budget per request, however many folders it asks */
	int64_t left_ns = (int64_t)r->srv->settle_ms * 1000000 - (int64_t)lsp_settle_ns;
	if (left_ns <= 0)
		return;
	uint64_t t0 = pt_now_ns(), end = t0 + (uint64_t)left_ns;
	pthread_mutex_lock(&r->mu);
	/* Every edit that came before this request is queued already (the
	 * dispatcher takes messages in order): wait until they are written, in
	 * slices, so that a $/cancelRequest for it ends the wait. */
	while (r->pending_docs && r->state == ROOT_READY && !r->full_running &&
	       !lsp_is_cancelled(r->srv)) {
		uint64_t now = pt_now_ns();
		if (now >= end) {
			lsp_log(NULL, LSP_LOG_WARNING,
				"%s: answering before %u pending edits are indexed (waited %d ms)",
				r->path, r->pending_docs, r->srv->settle_ms);
			break;
		}
		uint64_t slice = end - now < 20000000 ? end - now : 20000000;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)slice;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &until);
	}
	pthread_mutex_unlock(&r->mu);
	lsp_settle_ns += pt_now_ns() - t0;
}

typedef struct {
	lsp_root *r;
	char token[64];
	uint64_t last_ns;
} progress;

static void on_progress(void *ctx, size_t done, size_t total)
{
	progress *p = ctx;
	lsp_server *s = p->r->srv;
	uint64_t now = pt_now_ns();
	if (!s->cap_progress || !total || (now - p->last_ns < 100000000ull && done != total))
		return;
	p->last_ns = now;
	char msg[64];
	snprintf(msg, sizeof msg, "%zu/%zu files", done, total);
	jrpc_notify(s->out, "$/progress",
		    json_pack("{s:s,s:{s:s,s:s,s:i}}", "token", p->token, "value", "kind", "report",
			      "message", msg, "percentage", (int)(done * 100 / total)));
}

static void on_warn(void *ctx, const char *path, const char *what)
{
	progress *p = ctx;
	lsp_log(NULL, LSP_LOG_DEBUG, "%s: %s: %s", p->r->path, path, what);
}

static int full_index(lsp_root *r)
{
	lsp_server *s = r->srv;
	progress p = {.r = r};
	snprintf(p.token, sizeof p.token, "parseltongue/index/%p", (void *)r);
	if (s->cap_progress) {
		jrpc_request(s->out, "window/workDoneProgress/create",
			     json_pack("{s:s}", "token", p.token));
		jrpc_notify(s->out, "$/progress",
			    json_pack("{s:s,s:{s:s,s:s,s:s,s:i,s:b}}", "token", p.token, "value",
				      "kind", "begin", "title", "Parseltongue: indexing", "message",
				      r->path, "percentage", 0, "cancellable", 0));
	}
	index_opts o = {.root = r->path,
			.build = s->build_set ? &s->build : NULL,
			.progress = on_progress,
			.warn = on_warn,
			.ctx = &p};
	index_report rep;
	int rc = index_run(r->st, &o, &rep);
	if (rc) {
		pt_strbuf b = {0};
		if (rc == PT_ENOROOT)
			pt_strbuf_printf(&b, "cannot read %s: %s", r->path,
					 strerror(rep.root_errno));
		else
			pt_strbuf_printf(&b, "indexing %s failed: %s", r->path, pt_strerror(rc));
		lsp_log(s, LSP_LOG_ERROR, "%s", b.buf);
		pt_strbuf_free(&b);
	} else {
		lsp_log(s, LSP_LOG_INFO,
			"%s: %u files (%u changed), %llu entities, %llu edges in %.3f s", r->path,
			rep.files, rep.changed + rep.added + rep.deleted,
			(unsigned long long)rep.entities, (unsigned long long)rep.edges,
			rep.seconds);
		r->indexed_files = rep.files;
		r->last_full_ms = (uint64_t)(rep.seconds * 1000);
	}
	if (s->cap_progress)
		jrpc_notify(s->out, "$/progress",
			    json_pack("{s:s,s:{s:s,s:s}}", "token", p.token, "value", "kind", "end",
				      "message", rc ? "failed" : "done"));
	return rc;
}

/* The editor's buffers win over the disk: after a whole-workspace run,
 * put every open document of this root back. */
static void requeue_open_docs(lsp_root *r)
{
	char **uris;
	size_t n = lsp_docs_list(r->srv->docs, &uris);
	for (size_t i = 0; i < n; i++) {
		char *rel = NULL, *text;
		size_t len;
		int64_t stamp;
		pt_tree *tree;
		if (lsp_root_of(r->srv, uris[i], &rel) == r &&
		    lsp_docs_snapshot(r->srv->docs, uris[i], &text, &len, &stamp, &tree))
			lsp_root_queue_buffer(r, rel, uris[i], text, len, stamp, tree);
		free(rel);
		free(uris[i]);
	}
	free(uris);
}

/* One file from the given text (NULL: the disk). The only call that
 * knows how a single file is re-indexed. */
static int update_file(lsp_root *r, lsp_update *u, index_report *rep)
{
	/* the session keeps the workspace resolved in memory: an edit that
	 * keeps the file's declarations is re-resolved for that file alone */
	if (!r->session)
		r->session = index_session_new(r->st, r->path);
	pt_tree *t = NULL;
	int rc = index_session_update_tree(r->session, u->rel, u->text, u->len, u->tree, &t, rep);
	if (t && u->uri && u->text)
		lsp_docs_set_tree(r->srv->docs, u->uri, u->stamp, t);
	else if (t)
		pt_tree_free(t);
	return rc;
}

/* What a batch could not write: the updates to try again (owned), and
 * the last failure's code. */
typedef struct {
	PT_VEC(lsp_update) kept;
	int rc;
} failed;

/* Keep u (moved out of the batch) for a retry. */
static void keep(failed *f, lsp_update *u, int rc)
{
	lsp_update k = *u;
	k.doc = false; /* counted out of pending_docs with its batch already */
	pt_vec_push(&f->kept, k);
	*u = (lsp_update){0};
	f->rc = rc;
}

static void run_batch(lsp_root *r, lsp_update *u, size_t n, bool full, failed *f)
{
	uint64_t t0 = pt_now_ns();
	if (full) {
		int rc = full_index(r);
		if (rc) {
			lsp_update whole = {0}; /* rel NULL: the whole folder again */
			keep(f, &whole, rc);
		}
		requeue_open_docs(r);
	}
	for (size_t i = 0; i < n; i++) {
		if (!u[i].rel)
			continue;
		bool later = false; /* a later update of the same file supersedes this one */
		for (size_t j = i + 1; j < n && !later; j++)
			later = u[j].rel && strcmp(u[j].rel, u[i].rel) == 0;
		if (later)
			continue;
		index_report rep;
		uint64_t t1 = pt_now_ns();
		int rc = update_file(r, &u[i], &rep);
		if (rc) {
			lsp_log(NULL, LSP_LOG_WARNING,
				"re-indexing %s failed: %s (kept, tried again)", u[i].rel,
				pt_strerror(rc));
			keep(f, &u[i], rc);
		} else {
			char how[64];
			snprintf(how, sizeof how, "re-resolved %u of %u files", rep.resolved_files,
				 rep.rust_files);
			lsp_log(NULL, LSP_LOG_DEBUG,
				"%s: re-indexed from %s in %.1f ms (%s; parse %.2f, resolve %.2f, "
				"write %.2f of which commit %.2f ms)",
				u[i].rel, u[i].text ? "the buffer" : "disk",
				(double)(pt_now_ns() - t1) / 1e6,
				rep.skipped ? "not indexed: path too long" : how,
				rep.parse_seconds * 1e3, rep.resolve_seconds * 1e3,
				rep.write_seconds * 1e3, rep.commit_seconds * 1e3);
		}
	}
	pthread_mutex_lock(&r->mu);
	r->last_update_us = (pt_now_ns() - t0) / 1000;
	r->updates++;
	pthread_mutex_unlock(&r->mu);
}

#define RETRY_FIRST_MS 500u   /* the first retry of a failed write */
#define RETRY_MAX_MS   15000u /* the back-off doubles up to this */

/* After a batch (r->mu held): keep what failed, set the back-off and the
 * state. A batch that wrote everything it had, with nothing else kept,
 * ends the episode: the error goes and the state is ready again. */
static void settle_failures(lsp_root *r, failed *f, bool retried)
{
	lsp_server *s = r->srv;
	for (size_t i = 0; i < f->kept.n; i++)
		pt_vec_push(&r->retry, f->kept.v[i]);
	pt_vec_free(&f->kept);
	if (!r->retry.n) {
		if (r->retry_ms)
			lsp_log(s, LSP_LOG_INFO, "%s: the changes kept are written now", r->path);
		r->retry_ms = 0;
		r->retry_at_ns = 0;
		r->told = false;
		free(r->error);
		r->error = NULL;
		r->state = ROOT_READY;
		return;
	}
	if (f->rc)
		r->retry_rc = f->rc;
	/* the clock starts at the first failure and moves at each retry, not
	 * at every edit meanwhile (typing would put the retry off forever) */
	if (!r->retry_ms || retried) {
		r->retry_ms = !r->retry_ms                     ? RETRY_FIRST_MS
			      : r->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
							       : r->retry_ms * 2;
		r->retry_at_ns = pt_now_ns() + (uint64_t)r->retry_ms * 1000000u;
	}
	pt_strbuf b = {0};
	size_t whole = 0;
	for (size_t i = 0; i < r->retry.n; i++)
		whole |= !r->retry.v[i].rel;
	size_t files = r->retry.n - whole;
	if (whole)
		pt_strbuf_printf(&b, "indexing %s failed", r->path);
	if (files)
		pt_strbuf_printf(&b, "%s%zu change%s to %s not written", whole ? "; " : "", files,
				 files == 1 ? "" : "s", r->path);
	pt_strbuf_printf(&b, ": %s; trying again every %u s at most", pt_strerror(r->retry_rc),
			 RETRY_MAX_MS / 1000);
	free(r->error);
	r->error = b.buf;
	r->state = ROOT_FAILED; /* never ready while changes are missing */
}

#define DIAG_INTERVAL_NS 1000000000ull /* at most one publication a second */
#define DIAG_IDLE_NS     200000000ull  /* diagnostics once the folder is idle this long */
#define STAMP_DELAY_NS   200000000ull  /* stamp the database once idle this long */

/* Set `until` to now + ns on the realtime clock (pthread_cond_timedwait). */
static void deadline_in(uint64_t ns, struct timespec *until)
{
	clock_gettime(CLOCK_REALTIME, until);
	ns += (uint64_t)until->tv_nsec;
	until->tv_sec += (time_t)(ns / 1000000000ull);
	until->tv_nsec = (long)(ns % 1000000000ull);
}

/* Wait for work; false at quit. *publish: the wait ended because a timer
 * (delayed diagnostics, the database's stamp) is due and nothing is
 * queued. Called with r->mu held. */
static bool wait_work(lsp_root *r, uint64_t due_ns, bool *publish)
{
	lsp_server *s = r->srv;
	*publish = false;
	while (!r->queue.n && !atomic_load(&s->quit)) {
		if (!due_ns) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		uint64_t now = pt_now_ns();
		if (now >= due_ns) {
			*publish = true;
			return true;
		}
		struct timespec until;
		deadline_in(due_ns - now, &until);
		pthread_cond_timedwait(&r->cv, &r->mu, &until);
	}
	return !atomic_load(&s->quit);
}

/* Whether the queue holds an update of rel (NULL: a whole-folder run). */
static bool queued(const lsp_root *r, const char *rel)
{
	for (size_t i = 0; i < r->queue.n; i++)
		if (!r->queue.v[i].rel || (rel && strcmp(r->queue.v[i].rel, rel) == 0))
			return true;
	return false;
}

/* The kept updates join the batch (before the queue: what is queued is
 * newer) when their retry is due or a whole-folder run is queued; until
 * then a queued update of the same file replaces its kept one. */
static void merge_kept(lsp_root *r, bool due)
{
	size_t w = 0;
	for (size_t i = 0; i < r->retry.n; i++) {
		if (!due && r->retry.v[i].rel && queued(r, r->retry.v[i].rel))
			lsp_update_free(&r->retry.v[i]);
		else
			r->retry.v[w++] = r->retry.v[i];
	}
	r->retry.n = w;
	if (!due && !queued(r, NULL))
		return;
	for (size_t i = 0; i < r->retry.n; i++)
		pt_vec_push(&r->queue, r->retry.v[i]);
	if (r->retry.n) {
		size_t k = r->retry.n, q = r->queue.n - k;
		lsp_update *tmp = pt_xmalloc(k * sizeof *tmp);
		memcpy(tmp, r->queue.v + q, k * sizeof *tmp);
		memmove(r->queue.v + k, r->queue.v, q * sizeof *tmp);
		memcpy(r->queue.v, tmp, k * sizeof *tmp);
		free(tmp);
	}
	r->retry.n = 0;
}

/* Take the whole queue as one batch; the caller owns the array. */
static lsp_update *take_batch(lsp_root *r, bool due, size_t *n, size_t *docs, bool *full)
{
	merge_kept(r, due);
	lsp_update *batch = r->queue.v;
	*n = r->queue.n;
	*docs = 0;
	*full = false;
	for (size_t i = 0; i < *n; i++) {
		*full |= !batch[i].rel;
		*docs += batch[i].doc;
	}
	r->queue.v = NULL;
	r->queue.n = r->queue.cap = 0;
	r->busy = true;
	r->full_running = *full;
	if (*full && r->state != ROOT_READY)
		r->state = ROOT_INDEXING;
	return batch;
}

/* The earlier of two deadlines, 0 meaning none. */
static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* Whether the diagnostics thread should make them now (r->mu held): armed,
 * due, and the folder idle (an edit queued or being written re-arms it). */
static bool diag_ready(const lsp_root *r, uint64_t last_pub, uint64_t *wait_ns)
{
	uint64_t now = pt_now_ns(), due = r->diag_due_ns;
	if (last_pub && due < last_pub + DIAG_INTERVAL_NS)
		due = last_pub + DIAG_INTERVAL_NS;
	*wait_ns = now < due ? due - now : 0;
	return !*wait_ns && !r->busy && !r->queue.n;
}

/* The diagnostics thread: the pull cache (pull clients) and the pushed
 * diagnostics and code lenses (the others), made from a read transaction
 * beside the indexer, once the folder is idle, at most once a second. */
static void *diag_main(void *arg)
{
	lsp_root *r = arg;
	lsp_server *s = r->srv;
	uint64_t last_pub = 0, wait_ns;
	pthread_mutex_lock(&r->mu);
	while (!atomic_load(&s->quit)) {
		if (!r->diag_due_ns) {
			pthread_cond_wait(&r->diag_cv, &r->mu);
			continue;
		}
		if (!diag_ready(r, last_pub, &wait_ns)) {
			struct timespec until;
			/* busy: the indexer arms it again after its batch */
			deadline_in(wait_ns ? wait_ns : DIAG_IDLE_NS, &until);
			pthread_cond_timedwait(&r->diag_cv, &r->mu, &until);
			continue;
		}
		r->diag_due_ns = 0;
		pthread_mutex_unlock(&r->mu);
		lsp_refresh_pull_diagnostics(s, r);
		lsp_publish_diagnostics(s, r);
		lsp_codelens_refresh(s);
		last_pub = pt_now_ns();
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void *indexer_main(void *arg)
{
	lsp_root *r = arg;
	uint64_t stamp_due = 0;
	for (;;) {
		bool publish, full;
		size_t n, docs;
		pthread_mutex_lock(&r->mu);
		uint64_t wake = earliest(stamp_due, r->retry_at_ns);
		if (!wait_work(r, wake, &publish)) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		bool retry = r->retry_at_ns && pt_now_ns() >= r->retry_at_ns;
		if (publish && !retry) {
			pthread_mutex_unlock(&r->mu);
			if (stamp_due && pt_now_ns() >= stamp_due) {
				store_stamp(
					r->st); /* idle a moment: our last commit needs no check */
				stamp_due = 0;
			}
			continue;
		}
		lsp_update *batch = take_batch(r, retry, &n, &docs, &full);
		pthread_mutex_unlock(&r->mu);

		failed f = {0};
		run_batch(r, batch, n, full, &f);
		for (size_t i = 0; i < n; i++)
			lsp_update_free(&batch[i]);
		free(batch);

		pthread_mutex_lock(&r->mu);
		r->busy = r->full_running = false;
		r->pending_docs -= (uint32_t)docs;
		bool was_told = r->told;
		settle_failures(r, &f, retry);
		bool tell_now = r->retry.n && !was_told;
		bool idle = !r->queue.n;
		if (idle) {
			r->diag_due_ns = pt_now_ns() + DIAG_IDLE_NS;
			pthread_cond_signal(&r->diag_cv);
		}
		pthread_cond_broadcast(&r->cv);
		char *why = tell_now ? pt_xstrdup(r->error) : NULL;
		pthread_mutex_unlock(&r->mu);
		if (why)
			tell(r, why); /* once per episode */
		free(why);
		stamp_due = pt_now_ns() + STAMP_DELAY_NS;
	}
	return NULL;
}

void lsp_roots_start(lsp_server *s)
{
	for (size_t i = 0; i < s->roots.n; i++)
		start_root(s->roots.v[i]);
}

static void root_free(lsp_root *r)
{
	for (size_t i = 0; i < r->queue.n; i++)
		lsp_update_free(&r->queue.v[i]);
	pt_vec_free(&r->queue);
	for (size_t i = 0; i < r->retry.n; i++)
		lsp_update_free(&r->retry.v[i]);
	pt_vec_free(&r->retry);
	for (size_t i = 0; i < r->diag.n; i++)
		free(r->diag.v[i].uri);
	pt_vec_free(&r->diag);
	json_decref(r->pull_cache);
	index_session_free(r->session);
	store_close(r->st);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	pthread_cond_destroy(&r->diag_cv);
	free(r->path);
	free(r->uri);
	free(r->db);
	free(r->error);
	free(r);
}

/* Wait up to 3 s for r's queued and current updates; true when done. */
static bool root_drain(lsp_root *r)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	pthread_mutex_lock(&r->mu);
	while (r->busy || (r->queue.n && r->started))
		if (pthread_cond_timedwait(&r->cv, &r->mu, &until) == ETIMEDOUT)
			break;
	bool idle = !r->busy && (!r->queue.n || !r->started);
	pthread_mutex_unlock(&r->mu);
	return idle;
}

bool lsp_roots_drain(lsp_server *s)
{
	bool all = true;
	for (size_t i = 0; i < s->roots.n; i++) {
		if (root_drain(s->roots.v[i]))
			continue;
		lsp_log(NULL, LSP_LOG_WARNING,
			"%s: indexing still running at exit; it resumes at the next start",
			s->roots.v[i]->path);
		all = false;
	}
	return all;
}

bool lsp_roots_stop(lsp_server *s, bool idle)
{
	lsp_watch_stop(s);
	/* a whole-folder run cannot be interrupted: then nothing is freed and
	 * the process exit ends it (LMDB drops the uncommitted transaction;
	 * the next start re-indexes from the file hashes) */
	if (!idle)
		return false;
	for (size_t i = 0; i < s->roots.n; i++) {
		lsp_root *r = s->roots.v[i];
		pthread_mutex_lock(&r->mu);
		pthread_cond_broadcast(&r->cv);
		pthread_cond_broadcast(&r->diag_cv);
		pthread_mutex_unlock(&r->mu);
	}
	/* an indexer can be stuck writing to a client that stopped reading
	 * (pushed diagnostics): wait a little, then let the exit end it */
	for (size_t i = 0; i < s->roots.n; i++) {
		lsp_root *r = s->roots.v[i];
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		if (r->started && pthread_timedjoin_np(r->thread, NULL, &until) != 0) {
			lsp_log(NULL, LSP_LOG_WARNING,
				"%s: the indexer did not stop (client not reading?); exiting "
				"anyway",
				r->path);
			return false;
		}
		r->started = false;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		if (r->diag_started && pthread_timedjoin_np(r->diag_thread, NULL, &until) != 0) {
			lsp_log(NULL, LSP_LOG_WARNING,
				"%s: the diagnostics did not stop (client not reading?); exiting "
				"anyway",
				r->path);
			return false;
		}
		r->diag_started = false;
	}
	for (size_t i = 0; i < s->roots.n; i++)
		root_free(s->roots.v[i]);
	pt_vec_free(&s->roots);
	return true;
}
