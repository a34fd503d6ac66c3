#!/usr/bin/env bash
# The MCP server driven by real MCP clients (tests/clients/mcp_client.mjs):
# the official TypeScript SDK's Client with its stdio transport (1.x, the
# initialize lifecycle) and its 2.x client (the stateless 2026-07-28), with
# ajv validating every structured answer and Claude's tokenizer measuring
# the budgets. npm installs them (tests/clients/mcp/package-lock.json) into
# build/mcp-client when that is missing or older than the lock file; never
# committed.
#
# usage: bash tests/clients/mcp.sh [BINARY]     (default build/parseltongue)
# The last line is "N passed, M failed"; the exit status is 0 only when M == 0.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$REPO/build/parseltongue}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
DIR=$REPO/build/mcp-client

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "FAIL node and npm are needed (Debian: apt-get install npm)"
	echo "0 passed, 1 failed"
	exit 1
fi
mkdir -p "$DIR"
cp -p "$REPO/tests/clients/mcp/package.json" "$REPO/tests/clients/mcp/package-lock.json" "$DIR/"
if [ ! -f "$DIR/node_modules/.package-lock.json" ] || [ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ]; then
	echo "== npm ci (build/mcp-client)"
	if ! (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
		echo "FAIL npm ci in $DIR"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
# the script runs from the folder npm installed into, so that its imports resolve
cp "$REPO/tests/clients/mcp_client.mjs" "$DIR/"
cd "$DIR" && exec node mcp_client.mjs "$BIN" "$REPO"
