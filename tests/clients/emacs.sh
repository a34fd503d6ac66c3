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
PARSELTONGUE_LSP_TEST=1 \
    timeout 60 "$EMACS" -Q --batch -l "$HERE/emacs_test.el" </dev/null >"$TMP/results" 2>"$TMP/emacs.log"
rc=$?
# The batch entry point for CI: cycles printed as file:line:col, exit 1 when there are some.
INIT=(--eval "(progn (require 'package) (add-to-list 'package-directory-list \"/usr/share/emacs/site-lisp/elpa\")
                     (package-initialize))" -L "$ROOT/emacs" -l parseltongue --eval "(setq parseltongue-program \"$BIN\")")
cp -r "$ROOT/tests/fixtures/lint_clean" "$TMP/clean"
HOME="$TMP/home" timeout 60 "$EMACS" -Q --batch "${INIT[@]}" -f parseltongue-batch-find-cycles "$TMP/work" \
    </dev/null >"$TMP/batch.out" 2>"$TMP/batch.log"
brc=$?
if [ "$brc" = 1 ] && grep -q '^src/lib\.rs:[0-9]*:[0-9]*: cycle 1 (module): lspfix::ping ' "$TMP/batch.out"; then
    echo "ok   parseltongue-batch-find-cycles: the ping/pong cycle as file:line:col (the mod lines), exit 1" >>"$TMP/results"
else
    echo "FAIL parseltongue-batch-find-cycles on lsp1: exit $brc: $(head -c 600 "$TMP/batch.out") $(tail -c 600 "$TMP/batch.log")" >>"$TMP/results"
fi
HOME="$TMP/home" timeout 60 "$EMACS" -Q --batch "${INIT[@]}" -f parseltongue-batch-find-cycles "$TMP/clean" \
    </dev/null >"$TMP/batch.out" 2>"$TMP/batch.log"
brc=$?
if [ "$brc" = 0 ] && ! grep -q ': cycle ' "$TMP/batch.out"; then
    echo "ok   parseltongue-batch-find-cycles on a crate without cycles: exit 0" >>"$TMP/results"
else
    echo "FAIL parseltongue-batch-find-cycles on lint_clean: exit $brc: $(head -c 600 "$TMP/batch.out") $(tail -c 600 "$TMP/batch.log")" >>"$TMP/results"
fi
# The package byte-compiles without a warning.
cp "$ROOT/emacs/parseltongue.el" "$TMP/parseltongue.el"
if HOME="$TMP/home" "$EMACS" -Q --batch "${INIT[@]}" --eval "(setq byte-compile-error-on-warn t)" \
    -f batch-byte-compile "$TMP/parseltongue.el" >"$TMP/compile.log" 2>&1; then
    echo "ok   parseltongue.el byte-compiles without warnings" >>"$TMP/results"
else
    echo "FAIL parseltongue.el byte-compiles without warnings: $(tail -c 800 "$TMP/compile.log")" >>"$TMP/results"
fi
cat "$TMP/results"
PASS=$(grep -c '^ok ' "$TMP/results")
FAIL=$(grep -c '^FAIL ' "$TMP/results")
if [ "$rc" != 0 ] && [ "$FAIL" = 0 ]; then
    echo "FAIL emacs exited with status $rc (timeout or crash)"; FAIL=1
fi
if [ "$FAIL" != 0 ]; then echo "--- emacs messages:"; tail -c 3000 "$TMP/emacs.log"; fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] && [ "$rc" = 0 ]
