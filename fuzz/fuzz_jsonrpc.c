/* fuzz/fuzz_jsonrpc.c — raw bytes → the JSON-RPC framer → the LSP server.
 *
 * The input is what a client writes on the server's stdin. It goes through
 * lsp/jsonrpc.c's reader (Content-Length framing, recovery from bad
 * headers, refused lengths and malformed bodies) and every message it
 * yields through lsp_server_handle (lsp/server.h's test seam: the reader
 * thread's screening, then the dispatcher, synchronously) into the real
 * handlers, which answer from a real database: at start-up the harness
 * copies tests/fixtures/lsp1 to WS_DIR (a fixed path, so that the URIs of
 * the seed corpus name its files), opens it as the one workspace folder
 * with its database in a fresh temporary folder, and indexes it.
 *
 * What the harness leaves out, and why: the server is already initialized
 * (an input starting with 'X' runs one as not yet initialized, to reach
 * the -32002 paths; `initialize` is then dropped, as it would open the
 * folder's database a second time); `initialized` (starts indexer and
 * watcher threads) and `workspace/didChangeWorkspaceFolders` (opens
 * databases at paths the input names) are dropped. No indexer runs, so
 * edits are queued and the queue is emptied after each input; open
 * documents are closed after each input so that inputs do not depend on
 * each other.
 *
 * Checked: no crash, no sanitizer report, and everything the server wrote
 * is well framed JSON-RPC 2.0 (each message an object with "jsonrpc":
 * "2.0" and an id or a method).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../graph/index.h"
#include "../lsp/server.h"
#include "fuzz_common.h"

#ifndef PT_SOURCE_DIR
#define PT_SOURCE_DIR "."
#endif

#define WS_DIR "/tmp/pt-fuzz-lsp-ws"

static lsp_server *srv;
static int out_fd;
static char tmp[64];

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd)) {
	}
}

static void setup(void)
{
	strcpy(tmp, "/tmp/pt-fuzz-lsp-XXXXXX");
	FUZZ_CHECK(mkdtemp(tmp));
	atexit(cleanup);
	char cmd[4096];
	/* plus a FIFO named like a source file: neither the indexer nor a
	 * handler may block on it */
	snprintf(cmd, sizeof cmd,
		 "mkdir -p " WS_DIR " && cp -r '%s/tests/fixtures/lsp1/.' " WS_DIR "/ && "
		 "{ test -p " WS_DIR "/src/fifo.rs || mkfifo " WS_DIR "/src/fifo.rs; }",
		 PT_SOURCE_DIR);
	FUZZ_CHECK(system(cmd) == 0);

	json_object_seed(1);
	lsp_server *s = pt_xcalloc(1, sizeof *s);
	s->enc = LSP_UTF16;
	pthread_mutex_init(&s->qmu, NULL);
	pthread_cond_init(&s->qcv, NULL);
	pthread_mutex_init(&s->diag_mu, NULL);
	s->settle_ms = 0;
	s->docs = lsp_docs_new();
	s->files = lsp_filecache_new((size_t)1 << 20);
	out_fd = memfd_create("lsp-out", 0);
	FUZZ_CHECK(out_fd >= 0);
	s->out = jrpc_writer_new(out_fd);
	char db[128], ws[128];
	snprintf(db, sizeof db, "%s/db", tmp);
	snprintf(ws, sizeof ws, "%s", WS_DIR);
	s->db_arg = strdup(db);
	char *uri = lsp_path_to_uri(ws);
	json_t *init = json_pack("{s:s,s:{s:{s:[s]}}}", "rootUri", uri, "capabilities", "general",
				 "positionEncodings", "utf-16");
	free(uri);
	lsp_roots_open(s, init);
	json_decref(init);
	s->phase = 1;
	FUZZ_CHECK(s->roots.n == 1 && s->roots.v[0]->st);
	index_opts o = {.root = ws, .jobs = 1};
	index_report rep;
	FUZZ_CHECK(index_run(s->roots.v[0]->st, &o, &rep) == PT_OK);
	srv = s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

static bool dropped(json_t *m, bool uninit)
{
	const char *method = json_string_value(json_object_get(m, "method"));
	if (!method)
		return false;
	return strcmp(method, "initialized") == 0 ||
	       strcmp(method, "workspace/didChangeWorkspaceFolders") == 0 ||
	       (uninit && strcmp(method, "initialize") == 0);
}

/* Everything the server wrote parses as framed JSON-RPC 2.0. */
static void check_output(void)
{
	off_t end = lseek(out_fd, 0, SEEK_CUR);
	FUZZ_CHECK(lseek(out_fd, 0, SEEK_SET) == 0);
	jrpc_reader *rd = jrpc_reader_new(out_fd);
	json_t *m;
	int rc;
	while ((rc = jrpc_read(rd, &m, NULL, 0)) == JRPC_OK) {
		FUZZ_CHECK(json_is_object(m));
		const char *v = json_string_value(json_object_get(m, "jsonrpc"));
		FUZZ_CHECK(v && strcmp(v, "2.0") == 0);
		FUZZ_CHECK(json_object_get(m, "id") || json_object_get(m, "method"));
		json_decref(m);
	}
	if (rc != JRPC_EOF) {
		/* show what the server wrote, then fail */
		fprintf(stderr, "jrpc_read of the server's output: %d\n", rc);
		char buf[4096];
		ssize_t n = pread(out_fd, buf, sizeof buf, 0);
		if (n > 0)
			fwrite(buf, 1, (size_t)n, stderr);
		fputc('\n', stderr);
	}
	FUZZ_CHECK(rc == JRPC_EOF);
	FUZZ_CHECK(lseek(out_fd, 0, SEEK_CUR) == end);
	jrpc_reader_free(rd);
	FUZZ_CHECK(ftruncate(out_fd, 0) == 0 && lseek(out_fd, 0, SEEK_SET) == 0);
}

static void reset(void)
{
	lsp_docs_free(srv->docs);
	srv->docs = lsp_docs_new();
	lsp_filecache_free(srv->files); /* each input starts with nothing kept */
	srv->files = lsp_filecache_new((size_t)1 << 20);
	lsp_root *r = srv->roots.v[0];
	for (size_t i = 0; i < r->queue.n; i++)
		lsp_update_free(&r->queue.v[i]);
	r->queue.n = 0;
	r->pending_docs = 0;
	atomic_store(&srv->cancelled, false);
	srv->current_id = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!srv)
		setup();
	bool uninit = size > 0 && data[0] == 'X';
	if (uninit) {
		data++;
		size--;
	}
	static const lsp_enc encs[] = {LSP_UTF16, LSP_UTF8, LSP_UTF32};
	srv->enc = encs[size % 3];
	srv->phase = uninit ? 0 : 1;

	int in = memfd_create("lsp-in", 0);
	FUZZ_CHECK(in >= 0);
	FUZZ_CHECK(size == 0 || write(in, data, size) == (ssize_t)size);
	lseek(in, 0, SEEK_SET);
	jrpc_reader *rd = jrpc_reader_new(in);
	for (;;) {
		json_t *m = NULL;
		char why[256] = "";
		int rc = jrpc_read(rd, &m, why, sizeof why);
		if (rc != JRPC_OK && !jrpc_recoverable(rc))
			break;
		if (m && json_is_object(m) && dropped(m, uninit)) {
			json_decref(m);
			continue;
		}
		if (lsp_server_handle(srv, rc, m, why) >= 0)
			break; /* exit */
	}
	jrpc_reader_free(rd);
	close(in);
	check_output();
	reset();
	return 0;
}
