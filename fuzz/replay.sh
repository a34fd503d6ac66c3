#!/usr/bin/env bash
# fuzz/replay.sh — the fuzz regression test (part of `make test`).
#
# Builds every fuzz target with the ordinary compiler and a plain main()
# (fuzz/replay_main.c: no clang or libFuzzer needed), linked with the
# main build's library objects (SAN=1: the ASan+UBSan build's)
# and runs it once on every input kept under fuzz/regressions/T/ (inputs
# that once crashed) and on its seed corpus fuzz/corpus/T/. Any crash,
# failed check or sanitizer report fails the test.
set -euo pipefail
cd "$(dirname "$0")/.."
SAN=${SAN:-}
if [ "$SAN" = 1 ]; then M=${BUILD:-build/san}; else M=${BUILD:-build}; fi
B=$M/fuzz-replay
# the library objects come from the main build (make SAN=.. BUILD=.. all)
make --no-print-directory SAN="$SAN" BUILD="$M" -j"$(nproc)" all >/dev/null
make --no-print-directory -f fuzz/Makefile -j"$(nproc)" SAN="$SAN" MAIN_BUILD="$M" replay >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
total=0
. fuzz/seeds.sh
rm -rf "$B/seeds" "$B/toml_seeds" && rust_seeds "$B/seeds" && toml_seeds "$B/toml_seeds"
for t in jsonrpc text extract records reparse export mcp toml; do
    dirs=()
    for d in fuzz/regressions/$t fuzz/corpus/$t; do [ -d "$d" ] && dirs+=("$d"); done
    [ "$t" = extract ] && dirs+=("$B/seeds")
    [ "$t" = toml ] && dirs+=("$B/toml_seeds")
    # bounded: an input that regresses into a hang or a runaway allocation
    # (e.g. reading /dev/zero) fails instead of stalling the suite
    out=$( ([ "$SAN" = 1 ] || ulimit -v 4194304; timeout 120 "$B/replay_$t" "${dirs[@]}") 2>"$B/replay_$t.err") || {
        tail -30 "$B/replay_$t.err" >&2; echo "fuzz replay $t: FAILED" >&2; exit 1; }
    n=$(echo "$out" | grep -o '[0-9]*')
    total=$((total + n))
    echo "fuzz replay $t: $n inputs ok ($(ls fuzz/regressions/$t 2>/dev/null | wc -l) regressions)"
done
echo "fuzz replay: $total inputs, all passed"
"$B/test_regressions" >"$B/test_regressions.log" 2>&1 || {
    cat "$B/test_regressions.log" >&2; echo "reliability regressions (cmocka): FAILED" >&2; exit 1; }
echo "reliability regressions (cmocka): $(grep -c '^\[       OK \]' "$B/test_regressions.log") passed"
