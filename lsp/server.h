/* lsp/server.h — the server's shared state, for lsp/ files only.
 *
 * Threads: the reader (stdin → queue, answers $/cancelRequest at once),
 * the dispatcher (lsp_main's thread: runs every handler in order), one
 * indexer per workspace root (the only writer of that root's store), the
 * file watcher (inotify, when the client does not watch for us) and the
 * client-process watchdog. They share: the writer (its own mutex), the
 * documents (their own mutex), and each root's queue (root->mu).
 */
#ifndef PT_LSP_SERVER_H
#define PT_LSP_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../core/escape.h"
#include "../graph/query.h"
#include "../graph/tree.h"
#include "../graph/workspace.h"
#include "../store/store.h"
#include "jsonrpc.h"
#include "text.h"

typedef struct lsp_server lsp_server;

enum {
	ROOT_WAITING = 0,
	ROOT_INDEXING,
	ROOT_READY,
	ROOT_FAILED
};

typedef struct {
	char *uri;
	uint64_t hash;
} lsp_diag_file;

/* A pending change for a root's indexer. */
typedef struct {
	char *rel;  /* workspace-relative path; NULL: whole workspace */
	char *text; /* buffer text (owned); NULL: read from disk */
	size_t len;
	bool doc;      /* came from the editor (didOpen/Change/Close) */
	char *uri;     /* open buffers: the document (owned), else NULL */
	int64_t stamp; /* ... the text's stamp (lsp_docs_snapshot) */
	pt_tree *tree; /* ... its previous parse, edited to match (owned) */
} lsp_update;

typedef struct {
	char *path;     /* folder, no trailing '/' */
	char *uri;      /* its file:// URI, no trailing '/' */
	char *db;       /* database directory */
	store *st;      /* NULL when the database could not be opened */
	bool read_only; /* st could be opened for reading only: answers, no indexer */
	struct index_session *session; /* the indexer thread's in-memory resolution */
	lsp_server *srv;
	pthread_t thread;
	bool started;
	atomic_bool retired; /* removed from the workspace (kept until exit) */
	bool watched;        /* inotify watches added (dispatcher only) */
	pthread_mutex_t mu;  /* guards everything below */
	pthread_cond_t cv;   /* work queued, or work done */
	PT_VEC(lsp_update) queue;
	int state;             /* ROOT_* */
	bool busy;             /* an update is being written */
	bool full_running;     /* ... and it is a whole-workspace run */
	uint32_t pending_docs; /* editor updates queued or running */
	uint64_t last_update_us, updates;
	uint64_t indexed_files, last_full_ms;
	char *error; /* why the database or the index failed */
	/* Updates whose write failed (a full disk, ...), tried again with a
	 * back-off until they are written; a whole-folder run that failed is
	 * kept as an update with rel NULL. While any is kept the state is
	 * ROOT_FAILED, never ROOT_READY: the graph lacks those changes. */
	PT_VEC(lsp_update) retry;
	uint32_t retry_ms;    /* the current back-off (0: nothing kept) */
	int retry_rc;         /* why the last write failed (PT_*) */
	uint64_t retry_at_ns; /* when the next try is due */
	bool told;            /* the user was shown the current failure */
	/* uris that carry reported cycle diagnostics, with a hash of what
	 * was last sent for each (pushes skip what did not change); under
	 * the server's diag_mu */
	PT_VEC(lsp_diag_file) diag;
	/* what pull requests answer: the folder's diagnostics as of database
	 * generation pull_gen (under diag_mu; made by the diagnostics thread once idle,
	 * or by the first pull after a commit) */
	json_t *pull_cache;
	uint64_t pull_gen;
	/* Diagnostics (a walk of every module) are made on their own thread,
	 * never on the indexer's, so that they never delay the next edit:
	 * the indexer arms diag_due_ns after a batch that leaves the queue
	 * empty, and the diagnostics thread makes them once the folder has
	 * been idle until then (at most once a second). Under mu. */
	pthread_t diag_thread;
	bool diag_started;
	pthread_cond_t diag_cv; /* diag_due_ns armed, or quit */
	uint64_t diag_due_ns;   /* 0: nothing to make */
} lsp_root;

/* A file's entities by position (query.h), kept between requests: the
 * innermost item under a cursor is then a binary search, not a read of
 * every entity of the file (55,830-line generated files have thousands).
 * Valid while the root's database generation is gen. */
typedef struct {
	lsp_root *r; /* NULL: a free slot */
	uint32_t file;
	uint64_t gen;
	uint64_t used;   /* the request count when last used (the oldest goes) */
	query_places *p; /* owned */
} lsp_places_slot;
#define LSP_PLACES_SLOTS 32

/* A message read, waiting for the dispatcher, and when it was read. */
typedef struct {
	json_t *msg;
	uint64_t t_ns;
} lsp_queued;

struct lsp_server {
	jrpc_writer *out;
	jrpc_reader *in;
	lsp_docs *docs;
	/* texts of files on disk that answers mention, with their line tables */
	lsp_filecache *files;
	lsp_enc enc;
	/* appended by the dispatcher only, never moved (reserved once); other
	 * threads read the count with lsp_roots_count; retired roots stay */
	PT_VEC(lsp_root *) roots;
	const char *db_arg;
	int phase;      /* 0 before initialize, 1 running, 2 after shutdown */
	bool test_mode; /* PARSELTONGUE_LSP_TEST=1: test-only methods */
	int settle_ms;  /* PARSELTONGUE_LSP_SETTLE_MS, default 10000 */
	int slow_ms;    /* PARSELTONGUE_LSP_SLOW_MS (default 100, -1 off): log slower messages */
	/* PARSELTONGUE_LSP_HOLD_MS (default 500, 0 off): after answering
	 * initialize, the server's own messages wait until the client is
	 * quiet this long or has a request answered (README "Start-up") */
	int hold_ms;
	/* client capabilities */
	bool cap_progress, cap_watch_dynamic, cap_pull_diag, cap_diag_refresh, cap_hier_symbols;
	/* initializationOptions' build (target, cfg, features): what the
	 * roots' full index describes; build_set when the client gave any */
	pt_build build;
	bool build_set;
	bool cap_link, cap_lens_refresh;
	atomic_bool lens_on; /* code lenses (initializationOptions / settings: codeLens) */
	/* the reader → dispatcher queue */
	pthread_mutex_t qmu;
	pthread_cond_t qcv;
	PT_VEC(lsp_queued) queue;
	uint64_t arrived_ns; /* when the message being dispatched was read */
	/* requests answered: how many, and how long from read to answer
	 * written (the dispatcher writes, parseltongue/stats reads) */
	atomic_uint_fast64_t req_count, req_max_us, req_over_50ms;
	bool eof;
	json_t *current_id;    /* request being handled (under qmu) */
	atomic_bool cancelled; /* ... and $/cancelRequest named it */
	atomic_bool quit;
	pid_t client_pid;
	pthread_t reader, watchdog;
	bool reader_on, watchdog_on;
	struct lsp_watches *watches; /* inotify (watch.c); NULL when unused */
	pthread_mutex_t diag_mu;     /* one diagnostics publication at a time */
	/* positions asked of lately (handlers.c hd_entity_at; the dispatcher's alone) */
	lsp_places_slot places[LSP_PLACES_SLOTS];
	uint64_t places_clock;
};

/* An error a handler reports: code 0 = none. */
typedef struct {
	int code;
	char msg[200];
} lsp_err;

/* The one handler signature: requests return their result (a new
 * reference; NULL means null), notifications return NULL. params is
 * borrowed and may be NULL. */
typedef json_t *lsp_handler(lsp_server *s, json_t *params, lsp_err *err);

/* server.c */
void lsp_log(lsp_server *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum {
	LSP_LOG_ERROR = 1,
	LSP_LOG_WARNING = 2,
	LSP_LOG_INFO = 3,
	LSP_LOG_DEBUG = 4
};
bool lsp_is_cancelled(lsp_server *s);

/* Test seam (fuzz/fuzz_jsonrpc.c): one jrpc_read result (rc JRPC_OK or
 * recoverable; msg stolen, may be NULL; why the reader's detail) handled
 * synchronously on the caller's thread, exactly as the reader thread and
 * then the dispatcher handle it in a running server. Returns -1, or the
 * exit code once `exit` arrives. The caller builds s itself (no reader
 * thread, no watchdog); the real server never calls this. */
int lsp_server_handle(lsp_server *s, int rc, json_t *msg, const char *why);

/* roots.c: URIs and workspace folders */
/* The absolute path a file: URI names, percent-decoded then with `.`,
 * `..` and empty segments resolved (caller frees); NULL if not file:// or
 * if it holds a NUL. */
char *lsp_uri_to_path(const char *uri);
char *lsp_path_to_uri(const char *path); /* caller frees */
/* The (active) root holding uri (after lsp_uri_to_path: a URI that climbs
 * out of every folder has none), and the path relative to it (caller
 * frees). Every path a client names goes through here before it is read
 * or indexed. From any thread. */
lsp_root *lsp_root_of(lsp_server *s, const char *uri, char **rel);
char *lsp_root_file_uri(const lsp_root *r, const char *rel); /* caller frees */

void lsp_roots_open(lsp_server *s, json_t *init_params);
size_t lsp_roots_count(lsp_server *s); /* from any thread */
/* workspace/didChangeWorkspaceFolders: params.event {added, removed}. */
void lsp_roots_change(lsp_server *s, json_t *event);
void lsp_roots_start(lsp_server *s); /* start the indexers (after initialize) */
/* At exit, before quit is set: let the indexers finish what is queued
 * (up to 3 s each); false when one is still busy. */
bool lsp_roots_drain(lsp_server *s);
/* After quit is set: stop the watcher; with idle (lsp_roots_drain's
 * answer) join the indexers and free every root and return true. Else
 * free nothing and return false: an indexer still uses the server until
 * the process exits, so the server must not be freed either. */
bool lsp_roots_stop(lsp_server *s, bool idle);
void lsp_root_queue(lsp_root *r, const char *rel, const char *text, size_t len, bool doc);
/* An open buffer's text: queued with its stamp and its edited tree (taken),
 * so the indexer re-parses incrementally and hands the new tree back. */
void lsp_root_queue_buffer(lsp_root *r, const char *rel, const char *uri, char *text, size_t len,
			   int64_t stamp, pt_tree *tree);
void lsp_update_free(lsp_update *u);
/* Wait until the editor's updates of r that came before the current
 * request are written (LSP message order: an answer shows every edit
 * sent before it), unless a whole-workspace run is in progress or the
 * request is cancelled; all the calls of one request together wait at
 * most s->settle_ms, a safety bound (then it is answered from the last
 * committed graph, and a warning says so). Only the dispatcher calls it,
 * never r's indexer. */
void lsp_root_settle(lsp_root *r);
/* Time the dispatcher spent in lsp_root_settle for the current request. */
extern __thread uint64_t lsp_settle_ns;

/* watch.c */
/* Dispatcher: watch (inotify) every folder not yet watched, and start the
 * watcher thread; call before the folders' indexers start. */
void lsp_watch_start(lsp_server *s);
void lsp_watch_stop(lsp_server *s); /* after quit is set */
/* A file changed on disk (any thread): re-index it unless it is open. */
void lsp_watched_change(lsp_server *s, const char *uri);
/* handlers.c: texts and ranges as the editor sees them */
/* The file's text with its line table: the open buffer's current
 * version, else the disk's (through s->files: kept while the file is
 * unchanged); a reference the caller drops with lsp_doctext_unref; NULL
 * when unreadable or outside every folder. Any thread. */
lsp_doctext *lsp_file_doctext(lsp_server *s, const char *uri);
/* The file's text on disk (caller frees; NULL when unreadable). */
char *lsp_disk_text(const char *uri, size_t *len);
/* Convert the "range" of every element of items from graph coordinates
 * to the negotiated encoding, on the text of uri. */
void lsp_convert_ranges(lsp_server *s, const char *uri, json_t *items);

/* handlers.c: the request table entries for the graph questions */
json_t *lsp_req_definition(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_implementation(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_references(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_prepare_call_hierarchy(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_incoming_calls(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_outgoing_calls(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_document_symbol(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_workspace_symbol(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_hover(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_blast_radius(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_what_implements(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_find_cycles(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_generate_context(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_stats(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_prepare_type_hierarchy(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_type_supertypes(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_type_subtypes(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_code_lens(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_code_lens_resolve(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_document_highlight(lsp_server *s, json_t *params, lsp_err *err);
/* After the graph changed: ask the client to re-request its code lenses
 * (when it can, and lenses are on). Any thread. */
void lsp_codelens_refresh(lsp_server *s);

/* diagnostics.c */
/* Cycle diagnostics of r: uri → Diagnostic[] (a new object); ranges in
 * graph coordinates (line, byte column) until lsp_convert_ranges. */
json_t *lsp_cycle_diagnostics(lsp_server *s, lsp_root *r, store_txn *txn);
/* Publish r's cycle diagnostics (push clients), or ask pull clients to
 * refresh. Called by r's indexer after updates. */
/* Pull clients: make folder r's diagnostics for the graph as committed
 * now, ahead of the pulls (the indexer, after each commit). */
void lsp_refresh_pull_diagnostics(lsp_server *s, lsp_root *r);
void lsp_publish_diagnostics(lsp_server *s, lsp_root *r);
void lsp_diagnostics_forget(lsp_server *s, lsp_root *r,
			    const char *uri); /* re-send uri at the next publication */
json_t *lsp_req_document_diagnostic(lsp_server *s, json_t *params, lsp_err *err);
json_t *lsp_req_workspace_diagnostic(lsp_server *s, json_t *params, lsp_err *err);

#endif
