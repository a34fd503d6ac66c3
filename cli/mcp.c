/* cli/mcp.c — the MCP protocol: messages, lifecycle, revisions, and the
 * stdio transport. See mcp.h; the tools are in mcp_tools.c.
 *
 * One thread: a line is read, answered, written. A request being answered
 * can be cancelled only while it waits for an index update (the one thing
 * that takes long); input that arrives meanwhile is read ahead and scanned
 * for notifications/cancelled naming it, and an answer to a cancelled
 * request is not written.
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"

/* A message longer than this is refused (and skipped to its newline)
 * before it is parsed: no tool call needs a tenth of it. */
#define MAX_LINE ((size_t)4 << 20)

enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_UNSUPPORTED_VERSION = -32022 /* 2026-07-28 UnsupportedProtocolVersionError */
};

/* The revisions answered in initialize, newest first. */
static const char *const legacy_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
					      "2024-11-05"};
#define N_LEGACY (sizeof legacy_versions / sizeof *legacy_versions)

static const char instructions[] =
	"Code graph of a Rust workspace, kept up to date with the files. A target is a name "
	"(parse_group), a path suffix (Parser::parse_group) or FILE:LINE. Start with context for "
	"one item; use impact before editing, blast_radius to see what depends on an item. "
	"Answers are ranked (the target's module and crate first; tests, examples and cfg'd-out "
	"code last) and cut to a token budget: each says what it left out and how to get more.";

mcp_server *mcp_server_new(const mcp_config *cfg)
{
	mcp_server *s = pt_xcalloc(1, sizeof *s);
	s->cfg = *cfg;
	s->last_onboard = -1;
	s->first_rc = -1;
	if (cfg->watch)
		mcp_fresh_start(s);
	return s;
}

void mcp_server_free(mcp_server *s)
{
	if (!s)
		return;
	mcp_fresh_close(s);
	free(s);
}

/* ---- messages ----------------------------------------------------------------- */

static json_t *server_info(const mcp_era *era)
{
	json_t *i = json_pack("{s:s,s:s}", "name", "parseltongue", "version", "0.1.0");
	if (era->structured)
		json_object_set_new(i, "title", json_string("Parseltongue code graph"));
	return i;
}

static json_t *error_response(const json_t *id, int code, const char *msg, json_t *data)
{
	json_t *e = json_pack("{s:i,s:s}", "code", code, "message", msg);
	if (data)
		json_object_set_new(e, "data", data);
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error",
			 e);
}

/* A result as the era wants it: every 2026-07-28 result says its type and
 * who answered. */
static json_t *result_response(const json_t *id, const mcp_era *era, json_t *result)
{
	if (era->modern) {
		json_object_set_new(result, "resultType", json_string("complete"));
		json_t *meta = json_object();
		json_object_set_new(meta, "io.modelcontextprotocol/serverInfo", server_info(era));
		json_object_set_new(result, "_meta", meta);
	}
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

static bool is_revision_date(const char *v)
{
	static const char shape[] = "dddd-dd-dd";
	if (strlen(v) != sizeof shape - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (v[i] < '0' || v[i] > '9') : v[i] != shape[i])
			return false;
	return true;
}

static json_t *legacy_list(void)
{
	json_t *a = json_array();
	for (size_t i = 0; i < N_LEGACY; i++)
		json_array_append_new(a, json_string(legacy_versions[i]));
	return a;
}

static void era_for(const char *version, mcp_era *era)
{
	*era = (mcp_era){.version = MCP_LEGACY_LATEST};
	for (size_t i = 0; i < N_LEGACY; i++)
		if (strcmp(version, legacy_versions[i]) == 0)
			era->version = legacy_versions[i];
	era->modern = strcmp(version, MCP_MODERN) == 0;
	if (era->modern)
		era->version = MCP_MODERN;
	era->structured = strcmp(era->version, "2025-06-18") >= 0;
	era->annotations = strcmp(era->version, "2025-03-26") >= 0;
}

/* The revision a request is served under: the one its _meta names (the
 * stateless era), else the one initialize negotiated. Returns 0, or a
 * JSON-RPC error code with its message (and data) set. */
static int request_era(const mcp_server *s, const char *method, const json_t *params, mcp_era *era,
		       const char **msg, json_t **data)
{
	json_t *meta = json_object_get(params, "_meta");
	json_t *pv = json_object_get(meta, "io.modelcontextprotocol/protocolVersion");
	if (pv && strcmp(method, "initialize") != 0) {
		if (!json_is_string(pv)) {
			*msg = "_meta io.modelcontextprotocol/protocolVersion must be a string";
			return RPC_INVALID_PARAMS;
		}
		if (strcmp(json_string_value(pv), MCP_MODERN) != 0) {
			*msg = "Unsupported protocol version";
			*data = json_pack("{s:[s],s:O}", "supported", MCP_MODERN, "requested", pv);
			return RPC_UNSUPPORTED_VERSION;
		}
		if (!json_is_object(
			    json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"))) {
			*msg = "_meta io.modelcontextprotocol/clientCapabilities (an object) is "
			       "required with a protocolVersion";
			return RPC_INVALID_PARAMS;
		}
		era_for(MCP_MODERN, era);
		return 0;
	}
	if (s->initialized || strcmp(method, "initialize") == 0 || strcmp(method, "ping") == 0) {
		era_for(s->initialized ? s->version : MCP_LEGACY_LATEST, era);
		return 0;
	}
	*msg = "this request names no protocol version: send initialize first, or name the "
	       "revision (" MCP_MODERN ") in params._meta[\"io.modelcontextprotocol/"
	       "protocolVersion\"] with clientCapabilities";
	return RPC_INVALID_PARAMS;
}

/* ---- methods ---------------------------------------------------------------------- */

typedef int (*method_fn)(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
			 pt_strbuf *err, json_t **data);

static int do_initialize(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
			 pt_strbuf *err, json_t **data)
{
	(void)era;
	json_t *pv = json_object_get(params, "protocolVersion");
	if (s->initialized) {
		pt_strbuf_adds(err, "initialize was already answered in this process");
		return RPC_INVALID_REQUEST;
	}
	if (!json_is_string(pv)) {
		pt_strbuf_adds(err, "initialize needs params.protocolVersion (a string)");
		return RPC_INVALID_PARAMS;
	}
	const char *want = json_string_value(pv), *got = NULL;
	for (size_t i = 0; i < N_LEGACY && !got; i++)
		if (strcmp(want, legacy_versions[i]) == 0)
			got = legacy_versions[i];
	/* a revision we do not know but that could exist: answer ours, the
	 * client decides; anything else is not a revision at all */
	if (!got && is_revision_date(want) && strcmp(want, "2024-11-05") > 0)
		got = MCP_LEGACY_LATEST;
	if (!got) {
		pt_strbuf_adds(err, "Unsupported protocol version");
		*data = json_pack("{s:o,s:O}", "supported", legacy_list(), "requested", pv);
		return RPC_INVALID_PARAMS;
	}
	s->initialized = true;
	snprintf(s->version, sizeof s->version, "%s", got);
	mcp_era e;
	era_for(got, &e);
	*result = json_pack("{s:s,s:{s:{s:b}},s:o,s:s}", "protocolVersion", got, "capabilities",
			    "tools", "listChanged", 0, "serverInfo", server_info(&e),
			    "instructions", instructions);
	return 0;
}

static int do_ping(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
		   pt_strbuf *err, json_t **data)
{
	(void)s, (void)era, (void)params, (void)err, (void)data;
	*result = json_object();
	return 0;
}

static int do_discover(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
		       pt_strbuf *err, json_t **data)
{
	(void)s, (void)era, (void)params, (void)err, (void)data;
	*result = json_pack("{s:[s],s:{s:{s:b}},s:s,s:i,s:s}", "supportedVersions", MCP_MODERN,
			    "capabilities", "tools", "listChanged", 0, "instructions", instructions,
			    "ttlMs", 3600000, "cacheScope", "public");
	return 0;
}

static int do_tools_list(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
			 pt_strbuf *err, json_t **data)
{
	(void)s, (void)err, (void)data;
	json_t *cursor = json_object_get(params, "cursor");
	if (cursor && !json_is_string(cursor) && !json_is_null(cursor)) {
		pt_strbuf_adds(err, "cursor must be a string");
		return RPC_INVALID_PARAMS;
	}
	*result = json_pack("{s:o}", "tools", mcp_tools_list(era));
	if (era->modern) {
		json_object_set_new(*result, "ttlMs", json_integer(3600000));
		json_object_set_new(*result, "cacheScope", json_string("public"));
	}
	return 0;
}

static int do_tools_call(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
			 pt_strbuf *err, json_t **data)
{
	(void)data;
	return mcp_tools_call(s, era, params, result, err);
}

static const struct {
	const char *name;
	method_fn fn;
} methods[] = {
	{"initialize", do_initialize},    {"ping", do_ping},
	{"server/discover", do_discover}, {"tools/list", do_tools_list},
	{"tools/call", do_tools_call},
};

/* ---- one message -------------------------------------------------------------------- */

static bool valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

/* The answer to one message (NULL for a notification or a response). */
static json_t *handle_one(mcp_server *s, json_t *m)
{
	json_t *id = json_object_get(m, "id");
	json_t *method = json_object_get(m, "method");
	json_t *params = json_object_get(m, "params");
	if (!json_is_object(m) || !json_is_string(json_object_get(m, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0") != 0)
		return error_response(NULL, RPC_INVALID_REQUEST, "not a JSON-RPC 2.0 message",
				      NULL);
	if (!method && (json_object_get(m, "result") || json_object_get(m, "error")))
		return NULL; /* a client's response: this server sends no requests */
	if (!json_is_string(method) || (id && !valid_id(id)))
		return error_response(valid_id(id) ? id : NULL, RPC_INVALID_REQUEST,
				      !json_is_string(method) ? "method must be a string"
							      : "id must be a string or an integer",
				      NULL);
	const char *name = json_string_value(method);
	if (!id)
		return NULL; /* notifications: initialized, cancelled, anything else */
	if (params && !json_is_object(params))
		return error_response(id, RPC_INVALID_PARAMS, "params must be an object", NULL);
	mcp_era era;
	const char *msg = NULL;
	json_t *data = NULL, *result = NULL;
	int code = request_era(s, name, params, &era, &msg, &data);
	if (code)
		return error_response(id, code, msg, data);
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
		if (strcmp(name, methods[i].name) != 0)
			continue;
		pt_strbuf err = {0};
		s->call_id = id;
		code = methods[i].fn(s, &era, params, &result, &err, &data);
		s->call_id = NULL;
		json_t *r = code ? error_response(id, code, pt_strbuf_cstr(&err), data)
				 : result_response(id, &era, result);
		pt_strbuf_free(&err);
		return r;
	}
	return error_response(id, RPC_METHOD_NOT_FOUND, "Method not found", NULL);
}

static void emit(json_t *r, pt_strbuf *out)
{
	char *text = json_dumps(r, JSON_COMPACT);
	if (text) {
		pt_strbuf_adds(out, text);
		pt_strbuf_addc(out, '\n');
		free(text);
	}
}

/* A batch (an array of messages) is part of 2025-03-26 alone. */
static void handle_batch(mcp_server *s, json_t *a, pt_strbuf *out)
{
	if (!json_array_size(a) || !s->initialized || strcmp(s->version, "2025-03-26") != 0) {
		json_t *r =
			error_response(NULL, RPC_INVALID_REQUEST,
				       json_array_size(a) ? "batches are part of 2025-03-26 only"
							  : "an empty batch",
				       NULL);
		emit(r, out);
		json_decref(r);
		return;
	}
	json_t *answers = json_array();
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *r = handle_one(s, json_array_get(a, i));
		if (r)
			json_array_append_new(answers, r);
	}
	if (json_array_size(answers))
		emit(answers, out);
	json_decref(answers);
}

void mcp_server_handle(mcp_server *s, const char *line, size_t len, pt_strbuf *out)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		return; /* a blank line between messages is tolerated */
	json_error_t jerr;
	json_t *m = json_loadb(line + i, len - i, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	json_t *r = NULL;
	if (!m)
		r = error_response(NULL, RPC_PARSE_ERROR, "Parse error", NULL);
	else if (json_is_array(m))
		handle_batch(s, m, out);
	else
		r = handle_one(s, m);
	if (r)
		emit(r, out);
	json_decref(r);
	json_decref(m);
}

/* ---- the stdio transport ------------------------------------------------------------------ */

typedef struct {
	int fd;
	pt_strbuf in; /* bytes read and not yet handled, from pos */
	size_t pos;
	bool eof;
	const json_t *current; /* id of the request being answered */
} transport;

/* Read what is there without waiting (timeout_ms 0) or up to timeout_ms. */
static void read_more(transport *t, int timeout_ms)
{
	struct pollfd p = {t->fd, POLLIN, 0};
	if (t->eof || poll(&p, 1, timeout_ms) <= 0)
		return;
	char buf[65536];
	ssize_t n = read(t->fd, buf, sizeof buf);
	if (n > 0)
		pt_strbuf_add(&t->in, buf, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		t->eof = true;
}

/* A notifications/cancelled naming id among the lines read ahead. */
static bool cancel_queued(transport *t, const json_t *id)
{
	if (!t->in.buf)
		return false;
	const char *p = t->in.buf + t->pos, *end = t->in.buf + t->in.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if (memmem(p, (size_t)(nl - p), "notifications/cancelled", 23)) {
			json_t *m = json_loadb(p, (size_t)(nl - p), 0, NULL);
			json_t *rid = json_object_get(json_object_get(m, "params"), "requestId");
			bool hit = rid && json_equal(rid, id);
			json_decref(m);
			if (hit)
				return true;
		}
		p = nl + 1;
	}
	return false;
}

static bool transport_cancelled(void *ctx, const json_t *id)
{
	transport *t = ctx;
	read_more(t, 0);
	return id && cancel_queued(t, id);
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* The id of a message, parsed again for the cancellation check (NULL if
 * none). Caller decrefs. */
static json_t *id_of(const char *line, size_t len)
{
	json_t *m = json_loadb(line, len, 0, NULL);
	json_t *id = json_incref(json_object_get(m, "id"));
	json_decref(m);
	return id;
}

static void serve(mcp_server *s, transport *t)
{
	pt_strbuf out = {0};
	bool skipping = false; /* inside a line longer than MAX_LINE */
	for (;;) {
		/* nothing read yet is a NULL buffer: no arithmetic on it */
		char *start = t->in.buf ? t->in.buf + t->pos : NULL;
		char *nl = start && t->in.len > t->pos ? memchr(start, '\n', t->in.len - t->pos)
						       : NULL;
		if (!nl && !t->eof && t->in.len - t->pos <= MAX_LINE) {
			if (t->pos == t->in.len) {
				t->pos = t->in.len = 0;
			} else if (start &&
				   t->pos > (1u << 20)) { /* the unread part to the front */
				memmove(t->in.buf, start, t->in.len - t->pos);
				t->in.len -= t->pos;
				t->pos = 0;
			}
			read_more(t, -1);
			continue;
		}
		size_t len = nl ? (size_t)(nl - start) : t->in.len - t->pos;
		size_t end = nl ? (size_t)(nl - t->in.buf) + 1 : t->in.len;
		if ((!nl && !t->eof) || (nl && len > MAX_LINE && !skipping)) {
			/* too long: refuse it once, drop it to its end */
			if (!skipping)
				pt_strbuf_adds(
					&out,
					"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":"
					"-32600,\"message\":\"message too long\"}}\n");
			skipping = !nl;
		} else if (skipping) {
			skipping = false;
		} else if (len) {
			/* a copy: reading ahead during the call may move the buffer */
			char *line = pt_xstrndup(start, len);
			json_t *id = id_of(line, len);
			mcp_server_handle(s, line, len, &out);
			/* a request cancelled while it was answered gets no answer */
			if (id && transport_cancelled(t, id))
				out.len = 0;
			json_decref(id);
			free(line);
		}
		t->pos = end;
		if (out.len && !write_all(1, out.buf, out.len))
			break;
		out.len = 0;
		if (!nl && t->eof)
			break;
	}
	pt_strbuf_free(&out);
}

/* ---- `parseltongue mcp` ------------------------------------------------------------------- */

/* The nearest folder, from dir up, that has a database; else dir itself.
 * dir is changed. */
static char *nearest_indexed(char *dir)
{
	char probe[PATH_MAX + 32];
	char *orig = pt_xstrdup(dir);
	for (;;) {
		struct stat st;
		snprintf(probe, sizeof probe, "%s/.cache/parseltongue", dir);
		if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(orig);
			return pt_xstrdup(dir);
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = 0;
	}
	return orig;
}

/* No folder named: the folder the agent says it works in (Cursor starts
 * servers in / and names the workspace in WORKSPACE_FOLDER_PATHS; Claude
 * Code names it in CLAUDE_PROJECT_DIR), else the current folder; from
 * there up, the nearest folder with a database. */
static char *find_root(void)
{
	static const char *const vars[] = {"WORKSPACE_FOLDER_PATHS", "CLAUDE_PROJECT_DIR"};
	char dir[PATH_MAX];
	dir[0] = 0;
	for (size_t i = 0; i < sizeof vars / sizeof *vars && !dir[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && v[0] == '/') /* several folders: the first */
			snprintf(dir, sizeof dir, "%.*s", (int)strcspn(v, ","), v);
	}
	if (!dir[0] && !getcwd(dir, sizeof dir))
		return NULL;
	char *real = realpath(dir, NULL);
	if (!real)
		return NULL;
	snprintf(dir, sizeof dir, "%s", real);
	free(real);
	return nearest_indexed(dir);
}

/* Indexing / or a home folder is never what was meant: the agent was
 * started elsewhere than its project. */
static bool too_wide(const char *dir)
{
	const char *home = getenv("HOME");
	char *h = home ? realpath(home, NULL) : NULL;
	bool wide = strcmp(dir, "/") == 0 || (h && strcmp(dir, h) == 0);
	free(h);
	return wide;
}

static unsigned wait_ms_setting(void)
{
	const char *e = getenv("PARSELTONGUE_MCP_WAIT_MS");
	char *end;
	long v = e ? strtol(e, &end, 10) : -1;
	return e && *e && !*end && v >= 0 && v <= 3600000 ? (unsigned)v : 30000;
}

int mcp_main(const cli_opts *o)
{
	char *named = o->nargs > 0 ? realpath(o->args[0], NULL) : find_root();
	struct stat st;
	if (!named || stat(named, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_err("mcp: %s is not a folder",
			o->nargs > 0 ? o->args[0] : "the current folder");
		free(named);
		return EXIT_USAGE;
	}
	/* the server still starts, so that the agent can tell its user why
	 * every tool fails */
	if (too_wide(named) && o->nargs == 0) {
		cli_err("mcp: started in %s, which is not a project: name the workspace, "
			"`parseltongue mcp DIR`",
			named);
		free(named);
		named = NULL;
	}
	char *db = named ? cli_db_dir(o, named) : NULL;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	signal(SIGPIPE, SIG_IGN);
	transport t = {.fd = 0};
	mcp_config cfg = {.root = named,
			  .db = db,
			  .exe = n > 0 ? exe : NULL,
			  .wait_ms = wait_ms_setting(),
			  .watch = true,
			  .cancelled = transport_cancelled,
			  .ctx = &t};
	if (named)
		fprintf(stderr, "parseltongue mcp: workspace %s, database %s\n", named, db);
	mcp_server *s = mcp_server_new(&cfg);
	serve(s, &t);
	mcp_server_free(s);
	pt_strbuf_free(&t.in);
	free(db);
	free(named);
	return EXIT_OK;
}
