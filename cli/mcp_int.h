/* cli/mcp_int.h — what the files of the MCP server share. Not a public
 * header (cli/mcp.h is): the protocol (mcp.c), the tool table and its
 * arguments (mcp_tools.c), the answers (mcp_answer.c, mcp_context.c,
 * mcp_impact.c) and the database's freshness (mcp_fresh.c).
 */
#ifndef PT_CLI_MCP_INT_H
#define PT_CLI_MCP_INT_H

#include <pthread.h>
#include <sys/types.h>

#include "../graph/index.h"
#include "../graph/rank.h"
#include "mcp.h"

/* The revision of the stateless era (every request names it in _meta),
 * and the newest of the initialize era. */
#define MCP_MODERN        "2026-07-28"
#define MCP_LEGACY_LATEST "2025-11-25"

typedef struct mcp_watch mcp_watch;

struct mcp_server {
	mcp_config cfg;
	mcp_watch *watch;  /* NULL: every call checks in full */
	pthread_t starter; /* sets up the watch and the first check */
	bool starter_on;
	int first_rc;          /* the starter's check: its status, */
	index_staleness first; /* its findings (valid when first_rc >= 0) */
	bool clean;            /* the last full check found the index up to date
	                        and nothing changed since as far as the watch
	                        saw */
	store *st;             /* opened at the first tool call; NULL before */
	dev_t db_dev;          /* data.mdb as opened: a rebuild by onboard makes */
	ino_t db_ino;          /* a new file, which is then opened again */
	bool initialized;      /* an initialize was answered */
	char version[16];      /* the revision it negotiated */
	pid_t child;           /* a running `onboard`, or 0 */
	uint64_t child_t0;     /* when it started (pt_now_ns) */
	int last_onboard;      /* exit status of the last one, -1: none yet */
	const json_t *call_id; /* the request being answered (borrowed) */
};

/* How the current request is served. */
typedef struct {
	const char *version; /* the revision (a string literal) */
	bool modern;         /* 2026-07-28: resultType, serverInfo in _meta */
	bool structured;     /* 2025-06-18 on: outputSchema, structuredContent */
	bool annotations;    /* 2025-03-26 on: tool annotations */
} mcp_era;

/* ---- tools (mcp_tools.c) ---------------------------------------------- */

/* The tools array of tools/list for this era (new reference). */
json_t *mcp_tools_list(const mcp_era *era);
/* tools/call. Returns 0 and *result (new reference), or a JSON-RPC error
 * code with its message in err (a malformed call or an unknown tool; a
 * tool that fails is a result with isError). */
int mcp_tools_call(mcp_server *s, const mcp_era *era, const json_t *params, json_t **result,
		   pt_strbuf *err);

/* The arguments of every tool, checked against its inputSchema; strings
 * borrowed from the request. */
typedef struct {
	const char *target, *file, *query, *level, *kind, *diff;
	const json_t *files; /* array of strings, or NULL */
	long limit, offset, tokens, depth;
} mcp_args;

/* An answer being built: the structured content and its text rendering.
 * Each alone must fit the token budget, because clients show the model
 * one of them: Claude Code and VS Code send JSON.stringify of the
 * structured content when there is one, others the text. So both carry
 * everything, the hint included, and each is kept within budget bytes.
 * Code paths tokenize densely (`::`, `_`, short words): both renderings
 * come to 2.6 to 2.9 bytes a token with Claude's tokenizer, so a token is
 * counted as 2.5 bytes (tests/clients/mcp_client.mjs measures the answers
 * with the tokenizer). A non-empty error makes the call an isError result
 * with that text. */
#define MCP_BYTES_PER_10_TOKENS 25
typedef struct {
	json_t *out;
	pt_strbuf text;
	pt_strbuf error;
	size_t budget, json_budget;
} mcp_answer;

/* A line of advice (what was left out, how to get more, what to call
 * instead): appended to the text and set as "hint" in the structured
 * answer (after any earlier hint). */
void mcp_hint(mcp_answer *ans, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef void (*mcp_tool_fn)(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);

/* Make n bytes valid UTF-8 in place: a byte that does not start a valid
 * sequence becomes '?', a NUL a space. */
void mcp_utf8_clean(char *p, size_t n);

/* ---- answers (mcp_answer.c) -------------------------------------------- */

void mcp_tool_where_defined(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_search(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_what_implements(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_callers(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_callees(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_references(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_blast_radius(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_find_cycles(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_entities_in_file(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_context(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);
void mcp_tool_impact(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans);

/* Helpers the answers share. */

/* An entity as the tools show it: path, kind, file, line, end_line, and
 * the signature when sig is set; NULL when id is unknown. */
json_t *mcp_entity_json(store_txn *txn, uint64_t id, bool sig);
/* "path (kind) file:line" (or "path (kind, outside the workspace)"). */
void mcp_entity_text(store_txn *txn, uint64_t id, pt_strbuf *out);
/* The one entity target names for query kind k: true and *id; otherwise
 * the answer says why (none: an error; several: status "ambiguous" and
 * the candidates, the agent's to choose). */
bool mcp_one_target(store_txn *txn, int k, const char *target, const mcp_args *a, mcp_answer *ans,
		    uint64_t *id);

/* " [test]", " [bench]", " [example]", " [cfg'd out]" after an item of
 * those groups; nothing for code in the build. */
void mcp_group_tag(int group, pt_strbuf *line);
/* A caller, callee or reference as an item (and its text line): the
 * entity, its group, the relation and up to three sites. */
json_t *mcp_ref_item(store_txn *txn, const query_results *r, const query_item *it, int group,
		     pt_strbuf *line);

/* A list cut to a limit and a budget. Items are offered best first; an
 * item that does not fit is counted in omitted by its group. */
typedef struct {
	mcp_answer *ans;
	json_t *items;   /* borrowed: the array in ans->out */
	size_t json_len; /* bytes of structured content so far (estimate) */
	size_t limit, offset, seen, shown;
	size_t omitted[RANK_GROUPS];
	bool full; /* the limit or the budget was reached */
} mcp_list;

/* What a list left out, per group: "2 in tests, 1 in benches". */
void mcp_omitted_text(const size_t *omitted, pt_strbuf *out);
/* Starts a list: ans->out gets "items" (an array) and "omitted". */
void mcp_list_begin(mcp_list *l, mcp_answer *ans, const mcp_args *a);
/* Offers one item (stolen) and its text line (without newline): true if
 * shown. */
bool mcp_list_add(mcp_list *l, json_t *item, const char *line, int group);
/* total, shown, offset, truncated, next_offset, omitted, and the text's
 * last line saying what was left out and how to get it. */
void mcp_list_end(mcp_list *l, const char *tool, const char *target, size_t total);

/* ---- context (mcp_context.c), impact (mcp_impact.c) ---------------------- */

/* The lines first..last (1-based) of a workspace file, at most max bytes,
 * cut at a line end; false when the file cannot be read. */
bool mcp_source_lines(const mcp_server *s, const char *rel, uint32_t first, uint32_t last,
		      size_t max, pt_strbuf *out);

/* ---- the watch (mcp_watch.c) --------------------------------------------- */

/* Watch every folder of the workspace the index reads; NULL when inotify
 * is not available. root is borrowed for the watch's life. */
mcp_watch *mcp_watch_new(const char *root);
/* True when something that may change the index happened since the last
 * call (or the watch cannot tell: then always); reads the pending events. */
bool mcp_watch_dirty(mcp_watch *w);
void mcp_watch_free(mcp_watch *w); /* accepts NULL */

/* ---- freshness (mcp_fresh.c) -------------------------------------------- */

/* With cfg.watch: open the database, watch the workspace and check it,
 * in a thread, while the client says hello (joined by the first call). */
void mcp_fresh_start(mcp_server *s);

/* Before a tool answers: open the database if it is not, and bring it up
 * to date with the files on disk (or say why not). Returns true with
 * *info (new reference: the "index" object of every answer) and a note
 * for the text when the answer comes from an older graph; false with the
 * reason in err (no usable database yet). */
bool mcp_fresh_ensure(mcp_server *s, json_t **info, pt_strbuf *note, pt_strbuf *err);
/* Wait for a running onboard to end (or kill it after wait_ms) and close
 * the database. */
void mcp_fresh_close(mcp_server *s);
/* Run argv (argv[0] found on PATH), in dir, with stdin closed and stderr
 * discarded; its stdout (at most max bytes) appended to out. Killed after
 * ms milliseconds. Returns its exit status (0..255), or -1 when it could
 * not run, was killed, or wrote too much. Used for git. */
int mcp_run_capture(const char *dir, char *const argv[], size_t max, unsigned ms, pt_strbuf *out);

#endif
