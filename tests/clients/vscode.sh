#!/usr/bin/env bash
# The VS Code client's tests: npm ci (when node_modules is missing or stale),
# type check, lint, build, package the .vsix (universal, and the platform one
# with BINARY inside), check both, and the integration test against the real
# server.
#
# usage: bash tests/clients/vscode.sh [BINARY]     (default build/parseltongue)
# Needs node and npm; offline once node_modules is installed. The last line is
# "N passed, M failed" (all steps and checks); the exit status is 0 only when M == 0.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
EXT="$REPO/vscode-client"
BIN=${1:-$REPO/build/parseltongue}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac

passed=0
failed=0
step() {   # step NAME COMMAND...: one check per command
	local name=$1
	shift
	echo "== $name: $*"
	if "$@"; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		failed=$((failed + 1))
	fi
}
suite() {  # suite NAME COMMAND...: a test program ending in "N passed, M failed"
	local name=$1 out rc line p f
	shift
	echo "== $name: $*"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(tail -n 1 "$out")
	rm -f "$out"
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

cd "$EXT" || exit 1
if ! command -v npm >/dev/null 2>&1; then
	echo "FAIL npm is not installed (Debian: apt-get install npm)"
	failed=1
	finish
fi
# npm ci when node_modules is missing or older than the lock file
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	step "npm ci" npm ci --no-audit --no-fund --loglevel=error
	[ "$failed" -eq 0 ] || finish
fi

step "typecheck (tsc --noEmit, strict)" npx --no-install tsc -p . --noEmit
step "lint (eslint + typescript-eslint)" npx --no-install eslint src test
step "build (tsc + esbuild bundle)" npm run --silent build
rm -f parseltongue.vsix LICENSE
# `vsce package` alone, as on a fresh checkout: vscode:prepublish builds and copies
# LICENSE, and with stdin closed any question vsce would ask fails the step
step "package (vsce package, no options)" npx --no-install vsce package --out parseltongue.vsix </dev/null
PLATFORM=$(mktemp -d)/parseltongue-linux-x64.vsix
step "platform package (the server inside)" bash package-platform.sh "$BIN" linux-x64 "$PLATFORM"
if [ -f parseltongue.vsix ] && [ -f out/test/manifest.js ]; then
	suite ".vsix manifest (universal and platform)" node out/test/manifest.js parseltongue.vsix --platform "$PLATFORM"
	rm -rf "$(dirname "$PLATFORM")"
else
	echo "FAIL .vsix manifest: nothing to check"
	failed=$((failed + 1))
fi
if [ -f out/test/graph.js ]; then
	suite "graph view (real binary)" node out/test/graph.js "$BIN"
else
	echo "FAIL graph view: not built"
	failed=$((failed + 1))
fi
if [ -f out/test/integration.js ]; then
	suite "integration (real server)" node out/test/integration.js "$BIN"
else
	echo "FAIL integration: not built"
	failed=$((failed + 1))
fi
finish
