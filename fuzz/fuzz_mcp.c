/* fuzz/fuzz_mcp.c — raw bytes → the MCP server's dispatcher (cli/mcp.h).
 *
 * The input is what an agent writes on the server's stdin: lines, each
 * handed to mcp_server_handle, which parses, screens and dispatches it
 * into the real tools, answering from a real database: at start-up the
 * harness copies tests/fixtures/rank1 to WS_DIR (a fixed path, so that the
 * seeds' file names are the fixture's) and indexes it into a temporary
 * folder.
 *
 * What the harness leaves out, and why: the server gets no program to run
 * `onboard` with and no git (cfg.exe NULL, no_git), so a tool call never
 * starts a process; the freshness check still runs (it only reads). Each
 * input starts from a server that has not seen initialize, so inputs do
 * not depend on each other.
 *
 * Checked: no crash, no sanitizer report, every line written is one JSON
 * value: a JSON-RPC 2.0 response (or, for a batch, an array of them) with
 * an id (null only for an error), and the fixture's files are untouched.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli/mcp_int.h"
#include "../graph/index.h"
#include "fuzz_common.h"

#ifndef PT_SOURCE_DIR
#define PT_SOURCE_DIR "."
#endif

#define WS_DIR "/tmp/pt-fuzz-mcp-ws"

/* What cli/main.c defines for the other commands (cli/query.c and the
 * server's entry point refer to them); the dispatcher never calls them. */
void cli_err(const char *fmt, ...)
{
	(void)fmt;
}
int cli_open_db(const cli_opts *o, const char *root, bool write, store **st)
{
	(void)o, (void)root, (void)write, (void)st;
	abort();
}
char *cli_db_dir(const cli_opts *o, const char *root)
{
	(void)o, (void)root;
	abort();
}

static mcp_server *srv;
static char tmp[64], db[96];
static time_t ws_mtime;

static void cleanup(void)
{
	mcp_server_free(srv);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd)) {
	}
}

static time_t max_mtime;

static int note_mtime(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)path, (void)type, (void)ftw;
	if (sb->st_mtime > max_mtime)
		max_mtime = sb->st_mtime;
	return 0;
}

/* The newest modification time under the workspace: a write shows. */
static time_t newest(void)
{
	max_mtime = 0;
	nftw(WS_DIR, note_mtime, 16, FTW_PHYS);
	return max_mtime;
}

static void setup(void)
{
	strcpy(tmp, "/tmp/pt-fuzz-mcp-XXXXXX");
	FUZZ_CHECK(mkdtemp(tmp));
	atexit(cleanup);
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "rm -rf " WS_DIR " && mkdir -p " WS_DIR
		 " && cp -r '%s/tests/fixtures/rank1/.' " WS_DIR "/",
		 PT_SOURCE_DIR);
	FUZZ_CHECK(system(cmd) == 0);
	snprintf(db, sizeof db, "%s/db", tmp);
	store *st;
	FUZZ_CHECK(store_open(db, STORE_CREATE, &st) == PT_OK);
	index_opts o = {.root = WS_DIR, .jobs = 1};
	index_report rep;
	FUZZ_CHECK(index_run(st, &o, &rep) == PT_OK);
	store_close(st);
	json_object_seed(1);
	mcp_config cfg = {.root = WS_DIR, .db = db, .no_git = true};
	srv = mcp_server_new(&cfg);
	ws_mtime = newest();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

static void check_response(json_t *r)
{
	FUZZ_CHECK(json_is_object(r));
	const char *v = json_string_value(json_object_get(r, "jsonrpc"));
	FUZZ_CHECK(v && strcmp(v, "2.0") == 0);
	json_t *id = json_object_get(r, "id");
	FUZZ_CHECK(id && (json_is_string(id) || json_is_integer(id) || json_is_null(id)));
	bool result = json_object_get(r, "result") != NULL;
	json_t *error = json_object_get(r, "error");
	FUZZ_CHECK(result != (error != NULL));
	FUZZ_CHECK(!json_is_null(id) || error);
	if (error)
		FUZZ_CHECK(json_is_integer(json_object_get(error, "code")) &&
			   json_is_string(json_object_get(error, "message")));
}

/* Every line written is one response (or a batch of them). */
static void check_output(const pt_strbuf *out)
{
	for (size_t i = 0; i < out->len;) {
		const char *p = out->buf + i, *nl = memchr(p, '\n', out->len - i);
		FUZZ_CHECK(nl);
		json_error_t e;
		json_t *m = json_loadb(p, (size_t)(nl - p), 0, &e);
		FUZZ_CHECK(m);
		if (json_is_array(m)) {
			FUZZ_CHECK(json_array_size(m) > 0);
			for (size_t k = 0; k < json_array_size(m); k++)
				check_response(json_array_get(m, k));
		} else {
			check_response(m);
		}
		json_decref(m);
		i = (size_t)(nl - out->buf) + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!srv)
		setup();
	srv->initialized = false;
	srv->version[0] = 0;
	pt_strbuf out = {0};
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		out.len = 0;
		mcp_server_handle(srv, p, n, &out);
		check_output(&out);
		if (getenv("FUZZ_MCP_ECHO")) /* what the server answered, to read */
			fwrite(out.buf, 1, out.len, stderr);
		p += n + 1;
	}
	pt_strbuf_free(&out);
	/* reading only: the workspace is as it was (checked now and then: it
	 * walks the folder) */
	static unsigned runs;
	if (++runs % 256 == 0)
		FUZZ_CHECK(newest() == ws_mtime);
	return 0;
}
