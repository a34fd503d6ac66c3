#!/usr/bin/env bash
# Batch Emacs test of emacs/parseltongue.el with eglot (Debian: emacs-nox +
# elpa-eglot; any Emacs with eglot 1.9 or newer) and the real server. The
# checks are in tests/clients/emacs_test.el.
# usage: bash tests/clients/emacs.sh BINARY      (last line: N passed, M failed)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/parseltongue}")
EMACS=${EMACS:-emacs}
if [ ! -x "$BIN" ]; then echo "no binary at $BIN"; echo "0 passed, 1 failed"; exit 1; fi
if ! command -v "$EMACS" >/dev/null 2>&1; then
    echo "no emacs on PATH (Debian: apt-get install emacs-nox elpa-eglot)"; echo "0 passed, 1 failed"; exit 1
fi
TMP=$(mktemp -d /tmp/pt-emacs.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp -r "$ROOT/tests/fixtures/lsp1" "$TMP/work"
mkdir -p "$TMP/home"
unset PARSELTONGUE_DB
HOME="$TMP/home" PT_BIN="$BIN" PT_WORK="$(realpath "$TMP/work")" PT_DB="$TMP/db" PT_ROOT="$ROOT" \
    timeout 60 "$EMACS" -Q --batch -l "$HERE/emacs_test.el" </dev/null >"$TMP/results" 2>"$TMP/emacs.log"
rc=$?
cat "$TMP/results"
PASS=$(grep -c '^ok ' "$TMP/results")
FAIL=$(grep -c '^FAIL ' "$TMP/results")
if [ "$rc" != 0 ] && [ "$FAIL" = 0 ]; then
    echo "FAIL emacs exited with status $rc (timeout or crash)"; FAIL=1
fi
if [ "$FAIL" != 0 ]; then echo "--- emacs messages:"; tail -c 3000 "$TMP/emacs.log"; fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] && [ "$rc" = 0 ]
