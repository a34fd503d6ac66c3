#!/usr/bin/env bash
# Headless Neovim test of the nvim/ plugin with the real server (Debian's
# `neovim` package, 0.7.2, or any newer nvim on PATH). The checks are in
# tests/clients/nvim_test.lua.
# usage: bash tests/clients/nvim.sh BINARY      (last line: N passed, M failed)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/parseltongue}")
NVIM=${NVIM:-nvim}
if [ ! -x "$BIN" ]; then echo "no binary at $BIN"; echo "0 passed, 1 failed"; exit 1; fi
if ! command -v "$NVIM" >/dev/null 2>&1; then
    echo "no nvim on PATH (Debian: apt-get install neovim)"; echo "0 passed, 1 failed"; exit 1
fi
TMP=$(mktemp -d /tmp/pt-nvim.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp -r "$ROOT/tests/fixtures/lsp1" "$TMP/work"
# a copy of the plugin: :helptags writes doc/tags into it
cp -r "$ROOT/nvim" "$TMP/plugin"
mkdir -p "$TMP/home" "$TMP/state"
unset PARSELTONGUE_DB
# Only this plugin on the runtimepath: --clean skips user config and plugins,
# -u NONE any init file; XDG dirs point into the temp dir (LSP log, shada).
HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" XDG_DATA_HOME="$TMP/home/.local/share" \
XDG_STATE_HOME="$TMP/state" XDG_CACHE_HOME="$TMP/home/.cache" \
PT_BIN="$BIN" PT_WORK="$(realpath "$TMP/work")" PT_DB="$TMP/db" PT_OUT="$TMP/results" PT_PLUGIN="$TMP/plugin" \
    timeout 90 "$NVIM" --headless --clean -u NONE -i NONE -n \
        --cmd "set rtp^=$TMP/plugin" \
        -c "luafile $HERE/nvim_test.lua" </dev/null >"$TMP/nvim.log" 2>&1
rc=$?
[ -f "$TMP/results" ] && cat "$TMP/results"
PASS=$(grep -c '^ok ' "$TMP/results" 2>/dev/null)
FAIL=$(grep -c '^FAIL ' "$TMP/results" 2>/dev/null)
PASS=${PASS:-0}; FAIL=${FAIL:-0}
# The server's stderr ends up in Neovim's lsp.log (cache dir on 0.7, state dir later).
LSPLOG=$(find "$TMP/home" "$TMP/state" -name 'lsp.log' 2>/dev/null | head -1)
if [ -n "$LSPLOG" ] && grep -qE 'Sanitizer|runtime error' "$LSPLOG"; then
    echo "FAIL no sanitizer report from the server: $(grep -m1 -E 'Sanitizer|runtime error' "$LSPLOG" | cut -c1-300)"
    FAIL=$((FAIL + 1))
else
    echo "ok   no sanitizer report from the server"; PASS=$((PASS + 1))
fi
if [ "$rc" != 0 ] && [ "$FAIL" = 0 ]; then
    echo "FAIL nvim exited with status $rc (timeout or crash)"; FAIL=1
    tail -c 2000 "$TMP/nvim.log"
fi
if [ "$FAIL" != 0 ]; then
    echo "--- nvim output:"; tail -c 2000 "$TMP/nvim.log"
    [ -n "$LSPLOG" ] && { echo "--- lsp.log:"; tail -c 3000 "$LSPLOG"; }
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] && [ "$rc" = 0 ]
