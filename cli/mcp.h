/* cli/mcp.h — the Model Context Protocol server: `parseltongue mcp [DIR]`.
 *
 * One process per agent, speaking MCP over stdin/stdout: JSON-RPC 2.0,
 * one message per line (the stdio transport; no Content-Length headers).
 * It reads the same LMDB database as the editor's language server and the
 * CLI (many readers, one writer) and never writes it itself: when the
 * files on disk are newer than the graph, it runs `parseltongue onboard`
 * as a child process (the one writer for that update) and answers once it
 * has committed, or says that the answer comes from an older graph.
 *
 * Protocol revisions (README "Use with AI agents"): the legacy lifecycle
 * (`initialize`, `notifications/initialized`, `ping`) of 2025-11-25,
 * 2025-06-18, 2025-03-26 and 2024-11-05, the revision a client names in
 * `initialize` being answered when known; and 2026-07-28, where every
 * request names its revision in `params._meta` and `server/discover`
 * replaces `initialize`. Tools: cli/mcp_tools.c.
 *
 * Nothing a client sends can make the server exit or write a file: a bad
 * message is answered with a JSON-RPC error (-32700, -32600, -32601,
 * -32602, -32022), a tool that fails answers `isError` with what to do.
 * Logs go to stderr; stdout carries only protocol messages.
 */
#ifndef PT_CLI_MCP_H
#define PT_CLI_MCP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "../core/base.h"
#include "cli.h"

typedef struct mcp_server mcp_server;

typedef struct {
	const char *root; /* workspace folder, absolute (borrowed for the
	                     server's life); source excerpts and freshness
	                     checks read it. NULL: no workspace, every tool
	                     says so */
	const char *db;   /* database directory (borrowed) */
	/* The program to run `onboard` with when the graph is older than the
	 * files (normally /proc/self/exe); NULL: never update, only say so. */
	const char *exe;
	bool no_git; /* impact never runs git (the fuzz harness) */
	/* Watch the workspace (inotify) so that a call after which no file
	 * changed needs no full freshness check, and start that watch and the
	 * first check in a thread at once (mcp_server_new). */
	bool watch;
	unsigned wait_ms; /* longest a tool call waits for an update */
	/* Asked while a call waits for an update: true when the client has
	 * cancelled the request with this id (borrowed), so the wait ends and
	 * the answer is dropped. NULL: never. */
	bool (*cancelled)(void *ctx, const json_t *id);
	void *ctx;
} mcp_config;

/* The config is copied (its strings are borrowed). Never fails: the
 * database is opened at the first tool call, so that a missing or broken
 * one is reported to the agent, not at start. Free with mcp_server_free. */
mcp_server *mcp_server_new(const mcp_config *cfg);
void mcp_server_free(mcp_server *s); /* accepts NULL */

/* Handle one message: the bytes of one line, without its newline (need
 * not be NUL-terminated). The answer, if any, is appended to out as one
 * line ending in '\n'. */
void mcp_server_handle(mcp_server *s, const char *line, size_t len, pt_strbuf *out);

/* `parseltongue mcp [DIR]` and `parseltongue --mcp [DIR]`: serve until
 * stdin ends. DIR is the workspace; without it, the folder the agent
 * names (WORKSPACE_FOLDER_PATHS, CLAUDE_PROJECT_DIR) or the current one,
 * or the nearest folder above it that has a database; never / or the home
 * folder. --db as for the other commands. Returns the exit code. */
int mcp_main(const cli_opts *o);

#endif
