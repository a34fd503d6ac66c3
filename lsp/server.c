/* lsp/server.c — lifecycle, the message loop and the dispatch table. */
#define _GNU_SOURCE
#include "lsp.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1.0"

/* Texts of unopened files kept for converting positions: enough for the
 * files a large answer mentions and a few big generated ones (std's
 * largest is 2.5 MB), small beside the LMDB map. */
#define FILE_CACHE_BYTES ((size_t)16 << 20)

/* ---- logging ------------------------------------------------------------- */

/* PARSELTONGUE_LSP_STDERR_LEVEL (error, warning, info, debug: the default):
 * the least severe level written to stderr. Neovim logs a server's stderr
 * as errors; its plugin sets warning, since info reaches the client through
 * window/logMessage anyway. Set once in lsp_main, before any thread. */
static int stderr_level = LSP_LOG_DEBUG;

static int level_of(const char *name)
{
	const char *names[] = {"error", "warning", "info", "debug"};
	for (int i = 0; name && i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return LSP_LOG_ERROR + i;
	return LSP_LOG_DEBUG;
}

void lsp_log(lsp_server *s, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* a message may quote what a client or a file holds (or be cut inside
	 * a character): bytes that are not UTF-8 and control characters are
	 * spelled out, so the log is text and every client's JSON reader
	 * takes it (a lone \udcHH escape is refused by jansson, Emacs') */
	pt_strbuf text = {0};
	pt_esc_term(&text, msg);
	const char *t = pt_strbuf_cstr(&text);
	if (level <= stderr_level)
		fprintf(stderr, "parseltongue: %s\n", t);
	if (s && s->out && level <= LSP_LOG_INFO)
		jrpc_notify(s->out, "window/logMessage",
			    json_pack("{s:i,s:s}", "type", level, "message", t));
	pt_strbuf_free(&text);
}

/* ---- the reader thread ---------------------------------------------------- */

static bool is_method(const json_t *m, const char *name)
{
	const char *x = json_string_value(json_object_get(m, "method"));
	return x && strcmp(x, name) == 0;
}

/* $/cancelRequest: a request still queued is answered -32800 now; the
 * one running is flagged and answered -32800 when it returns. */
static void cancel(lsp_server *s, json_t *msg)
{
	json_t *id = json_object_get(json_object_get(msg, "params"), "id");
	if (!id)
		return;
	pthread_mutex_lock(&s->qmu);
	for (size_t i = 0; i < s->queue.n; i++) {
		json_t *q = s->queue.v[i].msg, *qid = json_object_get(q, "id");
		if (qid && json_object_get(q, "method") && json_equal(qid, id)) {
			jrpc_reply_error(s->out, qid, JRPC_REQUEST_CANCELLED, "request cancelled");
			json_decref(q);
			memmove(&s->queue.v[i], &s->queue.v[i + 1],
				(s->queue.n - i - 1) * sizeof *s->queue.v);
			s->queue.n--;
			pthread_mutex_unlock(&s->qmu);
			return;
		}
	}
	if (s->current_id && json_equal(s->current_id, id))
		atomic_store(&s->cancelled, true);
	pthread_mutex_unlock(&s->qmu);
}

static void enqueue(lsp_server *s, json_t *msg)
{
	pthread_mutex_lock(&s->qmu);
	if (msg) {
		lsp_queued q = {msg, pt_now_ns()};
		pt_vec_push(&s->queue, q);
	} else
		s->eof = true;
	pthread_cond_signal(&s->qcv);
	pthread_mutex_unlock(&s->qmu);
}

/* The reader's part for one jrpc_read result: answer framing faults and
 * $/cancelRequest, drop responses. Returns true when msg goes on to the
 * dispatcher (which then owns it); else msg has been consumed. rc must be
 * JRPC_OK or recoverable. */
static bool screen(lsp_server *s, int rc, json_t *msg, const char *why)
{
	if (rc == JRPC_EPARSE) {
		lsp_log(s, LSP_LOG_WARNING, "malformed message: %s", why);
		jrpc_reply_error(s->out, NULL, JRPC_PARSE_ERROR, why);
		return false;
	}
	if (rc) {
		lsp_log(s, LSP_LOG_WARNING, "refused a message: %s", why);
		jrpc_reply_error(s->out, NULL, JRPC_INVALID_REQUEST, why);
		return false;
	}
	if (!json_is_object(msg)) {
		jrpc_reply_error(s->out, NULL, JRPC_INVALID_REQUEST,
				 "a message must be a JSON object");
	} else if (is_method(msg, "$/cancelRequest")) {
		cancel(s, msg);
	} else if (!json_object_get(msg, "method")) {
		; /* a response to one of our requests */
	} else {
		return true;
	}
	json_decref(msg);
	return false;
}

/* Answers the framing faults itself; hands every message on in order. */
static void *reader_main(void *arg)
{
	lsp_server *s = arg;
	for (;;) {
		json_t *msg = NULL;
		char why[256] = "";
		int rc = jrpc_read(s->in, &msg, why, sizeof why);
		if (rc && !jrpc_recoverable(rc)) {
			if (rc != JRPC_EOF)
				lsp_log(s, LSP_LOG_WARNING, "input ended: %s", jrpc_strerror(rc));
			break;
		}
		if (screen(s, rc, msg, why))
			enqueue(s, msg);
	}
	enqueue(s, NULL);
	return NULL;
}

/* ---- the client watchdog -------------------------------------------------- */

static void *watchdog_main(void *arg)
{
	lsp_server *s = arg;
	while (!atomic_load(&s->quit)) {
		for (int i = 0; i < 10 && !atomic_load(&s->quit); i++) {
			struct timespec t = {0, 100 * 1000 * 1000};
			nanosleep(&t, NULL);
		}
		if (atomic_load(&s->quit))
			break;
		if (kill(s->client_pid, 0) != 0 && errno == ESRCH) {
			lsp_log(NULL, LSP_LOG_ERROR, "the editor (process %d) is gone: exiting",
				(int)s->client_pid);
			_exit(1);
		}
	}
	return NULL;
}

static void watch_client(lsp_server *s, pid_t pid)
{
	if (pid <= 0 || s->watchdog_on)
		return;
	s->client_pid = pid;
	s->watchdog_on = pthread_create(&s->watchdog, NULL, watchdog_main, s) == 0;
}

bool lsp_is_cancelled(lsp_server *s)
{
	return atomic_load(&s->cancelled);
}

/* ---- lifecycle ------------------------------------------------------------ */

static bool path_bool(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *x = json_object_get(o, a);
	if (b)
		x = json_object_get(x, b);
	if (c)
		x = json_object_get(x, c);
	return json_is_true(x);
}

static void read_client_caps(lsp_server *s, json_t *caps)
{
	json_t *td = json_object_get(caps, "textDocument"),
	       *ws = json_object_get(caps, "workspace");
	s->cap_progress = path_bool(caps, "window", "workDoneProgress", NULL);
	s->cap_watch_dynamic = path_bool(ws, "didChangeWatchedFiles", "dynamicRegistration", NULL);
	s->cap_pull_diag = json_object_get(td, "diagnostic") != NULL;
	s->cap_diag_refresh = path_bool(ws, "diagnostics", "refreshSupport", NULL);
	s->cap_hier_symbols =
		path_bool(td, "documentSymbol", "hierarchicalDocumentSymbolSupport", NULL);
	s->cap_link = path_bool(td, "definition", "linkSupport", NULL);
	s->cap_lens_refresh = path_bool(ws, "codeLens", "refreshSupport", NULL);
	/* the first encoding the client offers that we speak; utf-16 if none */
	s->enc = LSP_UTF16;
	json_t *encs = json_object_get(json_object_get(caps, "general"), "positionEncodings");
	size_t i;
	json_t *e;
	json_array_foreach(encs, i, e)
	{
		lsp_enc x = lsp_enc_from_name(json_string_value(e));
		if (x) {
			s->enc = x;
			break;
		}
	}
}

/* ---- workspace/executeCommand ------------------------------------------------ *
 *
 * Each custom request is also a command of the same name, for clients that
 * can run a server's commands but not send its own requests (code lenses,
 * generic clients): arguments[0] is the request's params. */

/* parseltongue/reindex: compare every folder with the disk again. */
static json_t *h_reindex(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)params;
	(void)err;
	for (size_t i = 0; i < s->roots.n; i++)
		if (!atomic_load(&s->roots.v[i]->retired))
			lsp_root_queue(s->roots.v[i], NULL, NULL, 0, false);
	return NULL;
}

typedef struct {
	const char *name;
	lsp_handler *fn;
} command;

static const command commands[] = {
	{"parseltongue/blastRadius", lsp_req_blast_radius},
	{"parseltongue/whatImplements", lsp_req_what_implements},
	{"parseltongue/findCycles", lsp_req_find_cycles},
	{"parseltongue/generateContext", lsp_req_generate_context},
	{"parseltongue/stats", lsp_req_stats},
	{"parseltongue/reindex", h_reindex},
};

static json_t *h_execute_command(lsp_server *s, json_t *params, lsp_err *err)
{
	const char *name = json_string_value(json_object_get(params, "command"));
	json_t *args = json_object_get(params, "arguments"), *a0 = json_array_get(args, 0);
	/* a code lens clicked in a client that does not handle it itself:
	 * the locations it would show */
	if (name && strcmp(name, "parseltongue.showReferences") == 0) {
		json_t *locs = json_array_get(args, 2);
		return locs ? json_incref(locs) : NULL;
	}
	for (size_t i = 0; name && i < sizeof commands / sizeof *commands; i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		json_t *p = json_is_object(a0) ? json_incref(a0) : json_object();
		json_t *res = commands[i].fn(s, p, err);
		json_decref(p);
		return res;
	}
	err->code = JRPC_INVALID_PARAMS;
	snprintf(err->msg, sizeof err->msg, "unknown command %s", name ? name : "(none)");
	return NULL;
}

/* codeLens: false (initializationOptions), or settings
 * {"parseltongue": {"codeLens": false | {"enable": false}}}; true/absent: on. */
static void read_lens_setting(lsp_server *s, json_t *v)
{
	if (json_is_object(v))
		v = json_object_get(v, "enable");
	if (!json_is_boolean(v) || json_is_true(v) == atomic_load(&s->lens_on))
		return;
	atomic_store(&s->lens_on, json_is_true(v));
	if (s->phase == 1 && s->cap_lens_refresh)
		jrpc_request(s->out, "workspace/codeLens/refresh", NULL);
}

static json_t *h_did_change_configuration(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	json_t *pt = json_object_get(json_object_get(params, "settings"), "parseltongue");
	read_lens_setting(s, json_object_get(pt, "codeLens"));
	return NULL;
}

static json_t *server_caps(lsp_server *s)
{
	json_t *c = json_object();
	json_object_set_new(c, "positionEncoding", json_string(lsp_enc_name(s->enc)));
	json_object_set_new(c, "textDocumentSync",
			    json_pack("{s:b,s:i,s:{s:b}}", "openClose", 1, "change", 2, "save",
				      "includeText", 0));
	const char *on[] = {
		"definitionProvider",    "implementationProvider", "referencesProvider",
		"callHierarchyProvider", "documentSymbolProvider", "workspaceSymbolProvider",
		"hoverProvider",         "typeHierarchyProvider",  "documentHighlightProvider"};
	for (size_t i = 0; i < sizeof on / sizeof *on; i++)
		json_object_set_new(c, on[i], json_true());
	json_object_set_new(c, "diagnosticProvider",
			    json_pack("{s:s,s:b,s:b}", "identifier", "parseltongue",
				      "interFileDependencies", 1, "workspaceDiagnostics", 1));
	json_object_set_new(c, "workspace",
			    json_pack("{s:{s:b,s:b}}", "workspaceFolders", "supported", 1,
				      "changeNotifications", 1));
	json_object_set_new(c, "codeLensProvider", json_pack("{s:b}", "resolveProvider", 1));
	json_t *cmds = json_array();
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		json_array_append_new(cmds, json_string(commands[i].name));
	json_object_set_new(c, "executeCommandProvider", json_pack("{s:o}", "commands", cmds));
	json_object_set_new(c, "experimental",
			    json_pack("{s:{s:b,s:b,s:b,s:b,s:b}}", "parseltongue", "blastRadius", 1,
				      "whatImplements", 1, "findCycles", 1, "generateContext", 1,
				      "stats", 1));
	return c;
}

/* A string or an array of strings, each passed to add. */
static void each_string(json_t *v, void (*add)(lsp_server *, const char *), lsp_server *s)
{
	size_t i;
	json_t *e;
	if (json_is_string(v))
		add(s, json_string_value(v));
	json_array_foreach(v, i, e) if (json_is_string(e)) add(s, json_string_value(e));
}

static void add_feature(lsp_server *s, const char *f)
{
	pt_build_add_features(&s->build, f);
}

static void add_cfg(lsp_server *s, const char *c)
{
	if (pt_build_add_cfg(&s->build, c) != PT_OK)
		lsp_log(s, LSP_LOG_WARNING,
			"initializationOptions.cfg: '%s' is not NAME or NAME=\"VALUE\": ignored",
			c);
}

/* initializationOptions: {"target": "TRIPLE", "cfg": ["NAME", "NAME=\"V\""],
 * "features": ["F", "PKG/F"], "allFeatures": true, "noDefaultFeatures":
 * true}, as `onboard`'s options; none given: the build the index has. */
static void read_build(lsp_server *s, json_t *o)
{
	pt_build_free(&s->build);
	s->build_set = false;
	if (!json_is_object(o))
		return;
	json_t *t = json_object_get(o, "target");
	if (json_is_string(t) && *json_string_value(t)) {
		s->build.target = pt_xstrdup(json_string_value(t));
		s->build_set = true;
	}
	json_t *c = json_object_get(o, "cfg"), *f = json_object_get(o, "features");
	each_string(c, add_cfg, s);
	each_string(f, add_feature, s);
	s->build.all_features = json_is_true(json_object_get(o, "allFeatures"));
	s->build.no_default_features = json_is_true(json_object_get(o, "noDefaultFeatures"));
	s->build_set |= c || f || json_object_get(o, "allFeatures") ||
			json_object_get(o, "noDefaultFeatures");
}

static json_t *h_initialize(lsp_server *s, json_t *params, lsp_err *err)
{
	if (s->phase != 0) {
		err->code = JRPC_INVALID_REQUEST;
		snprintf(err->msg, sizeof err->msg, "initialize was already received");
		return NULL;
	}
	json_t *pid = json_object_get(params, "processId");
	if (json_is_integer(pid))
		watch_client(s, (pid_t)json_integer_value(pid));
	read_client_caps(s, json_object_get(params, "capabilities"));
	read_build(s, json_object_get(params, "initializationOptions"));
	read_lens_setting(
		s, json_object_get(json_object_get(params, "initializationOptions"), "codeLens"));
	lsp_roots_open(s, params);
	s->phase = 1;
	if (s->hold_ms > 0)
		jrpc_writer_hold(s->out);
	return json_pack("{s:o,s:{s:s,s:s}}", "capabilities", server_caps(s), "serverInfo", "name",
			 "parseltongue", "version", VERSION);
}

static json_t *h_initialized(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)params;
	(void)err;
	if (s->cap_watch_dynamic) {
		json_t *watchers = json_pack("[{s:s},{s:s}]", "globPattern", "**/*.rs",
					     "globPattern", "**/Cargo.toml");
		json_t *reg =
			json_pack("{s:[{s:s,s:s,s:{s:o}}]}", "registrations", "id",
				  "parseltongue-watch", "method", "workspace/didChangeWatchedFiles",
				  "registerOptions", "watchers", watchers);
		jrpc_request(s->out, "client/registerCapability", reg);
	} else {
		lsp_watch_start(s);
	}
	lsp_roots_start(s);
	return NULL;
}

/* Test-only (PARSELTONGUE_LSP_TEST=1): a request that takes params.ms
 * milliseconds unless cancelled, to test cancellation deterministically. */
static json_t *h_test_sleep(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	json_int_t ms = json_integer_value(json_object_get(params, "ms"));
	for (json_int_t t = 0; t < ms && !lsp_is_cancelled(s); t += 5) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return json_integer(ms);
}

/* ---- document sync ---------------------------------------------------------- */

static const char *doc_uri(json_t *params)
{
	return json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
}

static bool has_suffix(const char *s, const char *x)
{
	size_t a = strlen(s), b = strlen(x);
	return a >= b && strcmp(s + a - b, x) == 0;
}

/* Hand the buffer (or the disk: text NULL) of uri to its root's indexer.
 * Only Rust sources follow their buffers; a manifest is read from disk
 * when saved or closed, and re-reads the whole folder. */
static void reindex(lsp_server *s, const char *uri, bool from_buffer)
{
	char *rel = NULL, *text = NULL;
	size_t len = 0;
	lsp_root *r = lsp_root_of(s, uri, &rel);
	if (!r)
		return;
	if (has_suffix(rel, "Cargo.toml")) {
		if (!from_buffer)
			lsp_root_queue(r, NULL, NULL, 0, false);
	} else if (has_suffix(rel, ".rs")) {
		int64_t stamp;
		pt_tree *tree;
		if (from_buffer && lsp_docs_snapshot(s->docs, uri, &text, &len, &stamp, &tree)) {
			lsp_root_queue_buffer(r, rel, uri, text, len, stamp, tree);
			text = NULL; /* taken */
		} else {
			lsp_root_queue(r, rel, NULL, 0, true);
		}
	}
	free(text);
	free(rel);
}

static json_t *h_did_open(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	json_t *td = json_object_get(params, "textDocument");
	const char *uri = json_string_value(json_object_get(td, "uri"));
	json_t *text = json_object_get(td, "text");
	if (!uri || !json_is_string(text))
		return NULL;
	lsp_docs_open(s->docs, uri, json_string_value(text), json_string_length(text),
		      json_integer_value(json_object_get(td, "version")));
	char *rel = NULL;
	lsp_root *r = lsp_root_of(s, uri, &rel);
	if (r)
		lsp_diagnostics_forget(s, r, uri);
	free(rel);
	reindex(s, uri, true);
	return NULL;
}

static bool parse_pos(json_t *o, lsp_pos *p)
{
	json_t *l = json_object_get(o, "line"), *c = json_object_get(o, "character");
	if (!json_is_integer(l) || !json_is_integer(c))
		return false;
	json_int_t li = json_integer_value(l), ci = json_integer_value(c);
	p->line = li < 0 ? 0 : li > UINT32_MAX ? UINT32_MAX : (uint32_t)li;
	p->character = ci < 0 ? 0 : ci > UINT32_MAX ? UINT32_MAX : (uint32_t)ci;
	return true;
}

static json_t *h_did_change(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri = doc_uri(params);
	json_t *changes = json_object_get(params, "contentChanges"), *c;
	if (!uri || !json_is_array(changes))
		return NULL;
	PT_VEC(lsp_change) v = {0};
	size_t i;
	json_array_foreach(changes, i, c)
	{
		json_t *text = json_object_get(c, "text"), *range = json_object_get(c, "range");
		if (!json_is_string(text))
			continue;
		lsp_change ch = {.whole = !range,
				 .text = json_string_value(text),
				 .len = json_string_length(text)};
		if (range && (!parse_pos(json_object_get(range, "start"), &ch.range.start) ||
			      !parse_pos(json_object_get(range, "end"), &ch.range.end)))
			continue;
		pt_vec_push(&v, ch);
	}
	json_int_t version = json_integer_value(
		json_object_get(json_object_get(params, "textDocument"), "version"));
	if (lsp_docs_change(s->docs, uri, version, v.v, v.n, s->enc))
		reindex(s, uri, true);
	else
		lsp_log(s, LSP_LOG_WARNING, "didChange for a document that is not open: %s", uri);
	pt_vec_free(&v);
	return NULL;
}

static json_t *h_did_save(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri = doc_uri(params);
	bool rust = uri && has_suffix(uri, ".rs");
	if (uri)
		reindex(s, uri, rust && lsp_docs_is_open(s->docs, uri));
	return NULL;
}

/* At the end of a session every document closes: a buffer that differs
 * from its file is re-indexed from disk, so that the database the next
 * session (or the CLI) opens describes the files. */
static void restore_disk_versions(lsp_server *s)
{
	char **uris;
	size_t n = lsp_docs_list(s->docs, &uris);
	for (size_t i = 0; i < n; i++) {
		char *buf = NULL, *disk = NULL;
		size_t blen = 0, dlen = 0;
		/* only the files of a folder are read: a client opens anything */
		if (lsp_root_of(s, uris[i], NULL) &&
		    lsp_docs_get(s->docs, uris[i], &buf, &blen, NULL))
			disk = lsp_disk_text(uris[i], &dlen);
		if (buf && (!disk || dlen != blen || memcmp(buf, disk, blen) != 0))
			reindex(s, uris[i], false);
		free(buf);
		free(disk);
		free(uris[i]);
	}
	free(uris);
}

static json_t *h_shutdown(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)params;
	(void)err;
	restore_disk_versions(s);
	s->phase = 2;
	return NULL;
}

static json_t *h_did_close(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri = doc_uri(params);
	if (uri && lsp_docs_close(s->docs, uri))
		reindex(s, uri, false); /* the disk wins again */
	return NULL;
}

static json_t *h_folders(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	lsp_roots_change(s, json_object_get(params, "event"));
	return NULL;
}

static json_t *h_watched_files(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	json_t *ch;
	size_t i;
	json_array_foreach(json_object_get(params, "changes"), i, ch)
	{
		const char *uri = json_string_value(json_object_get(ch, "uri"));
		if (uri)
			lsp_watched_change(s, uri);
	}
	return NULL;
}

/* ---- dispatch ----------------------------------------------------------------- */

enum {
	NOTIFY = 1u << 0,
	TEST_ONLY = 1u << 1
};

typedef struct {
	const char *method;
	lsp_handler *fn;
	unsigned flags;
} route;

static const route routes[] = {
	{"initialize", h_initialize, 0},
	{"initialized", h_initialized, NOTIFY},
	{"shutdown", h_shutdown, 0},
	{"textDocument/didOpen", h_did_open, NOTIFY},
	{"textDocument/didChange", h_did_change, NOTIFY},
	{"textDocument/didSave", h_did_save, NOTIFY},
	{"textDocument/didClose", h_did_close, NOTIFY},
	{"workspace/didChangeWatchedFiles", h_watched_files, NOTIFY},
	{"workspace/didChangeWorkspaceFolders", h_folders, NOTIFY},
	{"textDocument/definition", lsp_req_definition, 0},
	{"textDocument/implementation", lsp_req_implementation, 0},
	{"textDocument/references", lsp_req_references, 0},
	{"textDocument/prepareCallHierarchy", lsp_req_prepare_call_hierarchy, 0},
	{"callHierarchy/incomingCalls", lsp_req_incoming_calls, 0},
	{"callHierarchy/outgoingCalls", lsp_req_outgoing_calls, 0},
	{"textDocument/documentSymbol", lsp_req_document_symbol, 0},
	{"workspace/symbol", lsp_req_workspace_symbol, 0},
	{"textDocument/hover", lsp_req_hover, 0},
	{"textDocument/diagnostic", lsp_req_document_diagnostic, 0},
	{"workspace/diagnostic", lsp_req_workspace_diagnostic, 0},
	{"workspace/didChangeConfiguration", h_did_change_configuration, NOTIFY},
	{"workspace/executeCommand", h_execute_command, 0},
	{"textDocument/prepareTypeHierarchy", lsp_req_prepare_type_hierarchy, 0},
	{"typeHierarchy/supertypes", lsp_req_type_supertypes, 0},
	{"typeHierarchy/subtypes", lsp_req_type_subtypes, 0},
	{"textDocument/codeLens", lsp_req_code_lens, 0},
	{"codeLens/resolve", lsp_req_code_lens_resolve, 0},
	{"textDocument/documentHighlight", lsp_req_document_highlight, 0},
	{"parseltongue/blastRadius", lsp_req_blast_radius, 0},
	{"parseltongue/whatImplements", lsp_req_what_implements, 0},
	{"parseltongue/findCycles", lsp_req_find_cycles, 0},
	{"parseltongue/generateContext", lsp_req_generate_context, 0},
	{"parseltongue/stats", lsp_req_stats, 0},
	{"parseltongue/_sleep", h_test_sleep, TEST_ONLY},
};

static const route *route_of(lsp_server *s, const char *method)
{
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
		if (strcmp(routes[i].method, method) == 0)
			return (routes[i].flags & TEST_ONLY) && !s->test_mode ? NULL : &routes[i];
	return NULL;
}

static void set_current(lsp_server *s, json_t *id)
{
	pthread_mutex_lock(&s->qmu);
	s->current_id = id;
	atomic_store(&s->cancelled, false);
	pthread_mutex_unlock(&s->qmu);
}

/* ---- start-up: holding the server's own messages --------------------------- *
 *
 * A client answering `initialize` may go on writing for a while (Emacs'
 * eglot writes `initialized` and a didOpen with each managed buffer's
 * whole text from inside the process filter that read the answer). A
 * message of ours that arrives meanwhile is read by a nested run of that
 * filter, and jsonrpc.el up to 1.0.15 (Emacs 28) then loses its place in
 * the stream for the rest of the session. So from the answer to
 * `initialize` on, requests and notifications of ours (registrations,
 * progress, diagnostics, logs) are held until the client has shown it is
 * reading: a request of its own has been answered, or it has sent nothing
 * for hold_ms with no message half-written. */

static void release(lsp_server *s, const char *why)
{
	size_t n = jrpc_writer_release(s->out);
	if (n)
		lsp_log(NULL, LSP_LOG_DEBUG, "%zu messages held since initialize sent (%s)", n,
			why);
}

/* The nanoseconds until the client will have been quiet for hold_ms
 * (0: it has been, or nothing is held). */
static uint64_t hold_left_ns(lsp_server *s)
{
	if (s->phase != 1 || !jrpc_writer_holding(s->out))
		return 0;
	uint64_t want = (uint64_t)s->hold_ms * 1000000u, quiet = jrpc_reader_quiet_ns(s->in);
	if (quiet >= want)
		return 0;
	/* a message half-read: look again soon */
	return quiet ? want - quiet : want / 4;
}

static void request(lsp_server *s, const char *method, json_t *id, json_t *params)
{
	if (s->phase == 0 && strcmp(method, "initialize") != 0) {
		jrpc_reply_error(s->out, id, JRPC_SERVER_NOT_INITIALIZED,
				 "the server is not initialized");
		return;
	}
	if (s->phase == 2) {
		jrpc_reply_error(s->out, id, JRPC_INVALID_REQUEST, "the server is shutting down");
		return;
	}
	const route *r = route_of(s, method);
	if (!r || (r->flags & NOTIFY)) {
		char m[300];
		snprintf(m, sizeof m, "unknown method %s", method);
		jrpc_reply_error(s->out, id, JRPC_METHOD_NOT_FOUND, m);
		return;
	}
	lsp_err err = {0};
	set_current(s, id);
	uint64_t t0 = pt_now_ns();
	lsp_settle_ns = 0;
	json_t *res = r->fn(s, params, &err);
	if (lsp_is_cancelled(s)) {
		json_decref(res);
		jrpc_reply_error(s->out, id, JRPC_REQUEST_CANCELLED, "request cancelled");
	} else if (err.code) {
		json_decref(res);
		jrpc_reply_error(s->out, id, err.code, err.msg);
	} else {
		jrpc_reply(s->out, id, res);
	}
	if (strcmp(method, "initialize") != 0 && jrpc_writer_holding(s->out))
		release(s, "a request was answered");
	set_current(s, NULL);
	uint64_t now = pt_now_ns(), ms = (now - t0) / 1000000;
	uint64_t total_ns = s->arrived_ns && s->arrived_ns <= t0 ? now - s->arrived_ns : now - t0;
	uint64_t total = total_ns / 1000000;
	atomic_fetch_add(&s->req_count, 1);
	if (total_ns / 1000 > atomic_load(&s->req_max_us))
		atomic_store(&s->req_max_us, total_ns / 1000);
	if (total_ns > 50000000ull)
		atomic_fetch_add(&s->req_over_50ms, 1);
	if (s->slow_ms >= 0 && total >= (uint64_t)s->slow_ms)
		lsp_log(s, LSP_LOG_INFO,
			"slow request %s: %llu ms since it was read, %llu ms handling it "
			"(%llu ms waiting for pending edits)",
			method, (unsigned long long)total, (unsigned long long)ms,
			(unsigned long long)(lsp_settle_ns / 1000000));
}

static void notification(lsp_server *s, const char *method, json_t *params)
{
	if (s->phase != 1)
		return; /* before initialize / after shutdown: dropped */
	const route *r = route_of(s, method);
	if (!r || !(r->flags & NOTIFY))
		return; /* unknown notifications are ignored */
	lsp_err err = {0};
	uint64_t t0 = pt_now_ns();
	json_decref(r->fn(s, params, &err));
	uint64_t ms = (pt_now_ns() - t0) / 1000000;
	if (s->slow_ms >= 0 && ms >= (uint64_t)s->slow_ms)
		lsp_log(s, LSP_LOG_INFO, "slow notification %s: %llu ms", method,
			(unsigned long long)ms);
}

static void deadline_after(struct timespec *t, uint64_t ns)
{
	clock_gettime(CLOCK_REALTIME, t);
	uint64_t x = (uint64_t)t->tv_nsec + ns;
	t->tv_sec += (time_t)(x / 1000000000u);
	t->tv_nsec = (long)(x % 1000000000u);
}

/* The next message read (NULL at the end of input). While the server's
 * own messages are held, waits at most until the client has been quiet
 * long enough and then releases them. */
static json_t *next_message(lsp_server *s)
{
	pthread_mutex_lock(&s->qmu);
	while (!s->queue.n && !s->eof) {
		uint64_t left = s->hold_ms > 0 ? hold_left_ns(s) : 0;
		if (!left && s->hold_ms > 0 && s->phase == 1 && jrpc_writer_holding(s->out)) {
			/* written without qmu: the reader must keep reading meanwhile */
			pthread_mutex_unlock(&s->qmu);
			release(s, "the client is quiet");
			pthread_mutex_lock(&s->qmu);
			continue;
		}
		if (!left) {
			pthread_cond_wait(&s->qcv, &s->qmu);
			continue;
		}
		struct timespec t;
		deadline_after(&t, left);
		pthread_cond_timedwait(&s->qcv, &s->qmu, &t);
	}
	json_t *m = NULL;
	if (s->queue.n) {
		m = s->queue.v[0].msg;
		s->arrived_ns = s->queue.v[0].t_ns;
		memmove(&s->queue.v[0], &s->queue.v[1], (s->queue.n - 1) * sizeof *s->queue.v);
		s->queue.n--;
	}
	pthread_mutex_unlock(&s->qmu);
	return m;
}

/* The dispatcher's part for one message (borrowed): returns -1, or the
 * process exit code after `exit`. */
static int dispatch(lsp_server *s, json_t *m)
{
	const char *method = json_string_value(json_object_get(m, "method"));
	json_t *id = json_object_get(m, "id"), *params = json_object_get(m, "params");
	if (!method) {
		jrpc_reply_error(s->out, id, JRPC_INVALID_REQUEST, "a request needs a method");
	} else if (strcmp(method, "exit") == 0) {
		return s->phase == 2 ? 0 : 1;
	} else if (id) {
		/* a request id is a number or a string; anything else (null too,
		 * which JSON-RPC reserves for replies to unreadable requests) is
		 * answered with an error whose id is null */
		if (!json_is_integer(id) && !json_is_string(id))
			jrpc_reply_error(s->out, NULL, JRPC_INVALID_REQUEST,
					 "a request id is a number or a string");
		else
			request(s, method, id, params);
	} else {
		notification(s, method, params);
	}
	return -1;
}

/* Run until `exit` (or the end of input); returns the exit code. */
static int serve(lsp_server *s)
{
	json_t *m;
	while ((m = next_message(s))) {
		int code = dispatch(s, m);
		json_decref(m);
		if (code >= 0)
			return code;
	}
	lsp_log(NULL, LSP_LOG_INFO, "input closed without exit");
	return 1;
}

int lsp_server_handle(lsp_server *s, int rc, json_t *msg, const char *why)
{
	if (!screen(s, rc, msg, why ? why : ""))
		return -1;
	int code = dispatch(s, msg);
	json_decref(msg);
	return code;
}

/* ---- entry point ---------------------------------------------------------------- */

static int parse_args(lsp_server *s, int argc, char **argv)
{
	for (int i = 1; i < argc && argv[i]; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strncmp(a, "--clientProcessId=", 18) == 0) {
			s->client_pid = (pid_t)atol(a + 18);
			continue;
		}
		if (strncmp(a, "--db=", 5) == 0) {
			s->db_arg = a + 5;
			continue;
		}
		if (strcmp(a, "--clientProcessId") == 0 && v) {
			s->client_pid = (pid_t)atol(v);
			i++;
			continue;
		}
		if (strcmp(a, "--db") == 0 && v) {
			s->db_arg = v;
			i++;
			continue;
		}
		if (strcmp(a, "--stdio") == 0)
			continue;
		fprintf(stderr, "parseltongue: --stdio: unknown option '%s'\n", a);
		return -1;
	}
	return 0;
}

static void server_free(lsp_server *s)
{
	for (size_t i = 0; i < s->queue.n; i++)
		json_decref(s->queue.v[i].msg);
	pt_vec_free(&s->queue);
	lsp_docs_free(s->docs);
	lsp_filecache_free(s->files);
	for (size_t i = 0; i < LSP_PLACES_SLOTS; i++)
		query_places_free(s->places[i].p);
	pt_build_free(&s->build);
	jrpc_reader_free(s->in);
	jrpc_writer_free(s->out);
	pthread_mutex_destroy(&s->qmu);
	pthread_cond_destroy(&s->qcv);
	pthread_mutex_destroy(&s->diag_mu);
	free(s);
}

int lsp_main(int argc, char **argv)
{
	lsp_server *s = pt_xcalloc(1, sizeof *s);
	s->enc = LSP_UTF16;
	atomic_store(&s->lens_on, true);
	pthread_mutex_init(&s->qmu, NULL);
	pthread_cond_init(&s->qcv, NULL);
	pthread_mutex_init(&s->diag_mu, NULL);
	const char *t = getenv("PARSELTONGUE_LSP_TEST");
	s->test_mode = t && strcmp(t, "1") == 0;
	const char *ms = getenv("PARSELTONGUE_LSP_SETTLE_MS");
	s->settle_ms = ms && *ms ? atoi(ms) : 10000;
	const char *slow = getenv("PARSELTONGUE_LSP_SLOW_MS");
	s->slow_ms = slow && *slow ? atoi(slow) : 100;
	stderr_level = level_of(getenv("PARSELTONGUE_LSP_STDERR_LEVEL"));
	const char *hold = getenv("PARSELTONGUE_LSP_HOLD_MS");
	s->hold_ms = hold && *hold ? atoi(hold) : 500;
	if (parse_args(s, argc, argv)) {
		server_free(s);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	json_object_seed(0); /* before any thread creates objects */
	s->docs = lsp_docs_new();
	s->files = lsp_filecache_new(FILE_CACHE_BYTES);
	/* the protocol keeps the real stdout to itself; anything else that
	 * prints to stdout (a stray printf in some library) lands in stderr */
	int proto = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (proto < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		proto = STDOUT_FILENO;
	s->out = jrpc_writer_new(proto);
	s->in = jrpc_reader_new(STDIN_FILENO);
	pid_t pid = s->client_pid;
	s->client_pid = 0;
	watch_client(s, pid);
	s->reader_on = pthread_create(&s->reader, NULL, reader_main, s) == 0;
	int code = s->reader_on ? serve(s) : 1;
	jrpc_reader_stop(s->in);
	if (s->reader_on)
		pthread_join(s->reader, NULL);
	bool idle = lsp_roots_drain(s);
	atomic_store(&s->quit, true);
	if (s->watchdog_on)
		pthread_join(s->watchdog, NULL);
	if (lsp_roots_stop(s, idle))
		server_free(s);
	if (proto != STDOUT_FILENO)
		close(proto);
	return code;
}
