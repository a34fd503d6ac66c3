#!/usr/bin/env bash
# fuzz/run.sh — `make fuzz`: build the libFuzzer targets and run each for
# FUZZ_SECONDS (default 60) seconds, from its seed corpus (fuzz/corpus/T)
# plus what earlier runs found (build/fuzz/corpus/T, kept between runs).
#
# Every crash, leak, timeout or out-of-memory input is copied to
# fuzz/regressions/T/ (replayed by fuzz/replay.sh in `make test`: commit it
# with the fix). Prints one line per target and a total, writes the same to
# build/fuzz/summary.txt (read by tests/reliability/run.sh), and exits 1 if
# anything was found.
#
#   FUZZ_SECONDS=N    seconds per target
#   FUZZ_TARGETS="…"  a subset of: jsonrpc text extract records reparse export mcp toml
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"jsonrpc text extract records reparse export mcp toml"}
OUT=build/fuzz
command -v clang >/dev/null || {
    echo "make fuzz: clang with the libFuzzer runtime is needed: apt-get install clang libclang-rt-dev" >&2; exit 1; }
# the main build first: the grammar and any generated sources come from it
MAIN=${BUILD:-build}
make --no-print-directory -j"$(nproc)" SAN="${SAN:-}" BUILD="$MAIN" all >/dev/null || { echo "make fuzz: make all failed" >&2; exit 1; }
make --no-print-directory -f fuzz/Makefile -j"$(nproc)" FUZZ_BUILD=$OUT GEN_DIR="$MAIN" fuzz >"$OUT.log" 2>&1 || {
    mkdir -p "$OUT"; tail -30 "$OUT.log" >&2; echo "make fuzz: build failed (see $OUT.log)" >&2; exit 1; }
mkdir -p "$OUT"

# per-target options: input size bound, and the output the target may silence
declare -A OPTS=(
    [jsonrpc]="-max_len=16384 -close_fd_mask=2"
    [text]="-max_len=4096"
    [extract]="-max_len=16384"
    [records]="-max_len=8192"
    [reparse]="-max_len=16384"
    [export]="-max_len=4096"
    [mcp]="-max_len=8192"
    [toml]="-max_len=8192"
)
# Real Rust as seeds for the parsing targets (fuzz/seeds.sh).
. fuzz/seeds.sh
for t in extract reparse; do rust_seeds "$OUT/corpus/$t"; done
toml_seeds "$OUT/corpus/toml"
total_runs=0 total_found=0
: >"$OUT/summary.txt"
for t in $TARGETS; do
    corpus=$OUT/corpus/$t art=$OUT/artifacts/$t
    mkdir -p "$corpus" "$art" "fuzz/regressions/$t"
    rm -f "$art"/*
    log=$OUT/$t.log
    # -fork keeps fuzzing after a crash, so one run reports every kind found
    "$OUT/fuzz_$t" ${OPTS[$t]} -max_total_time="$SECS" -timeout=25 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$art/" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        "$corpus" $([ -d "fuzz/corpus/$t" ] && echo "fuzz/corpus/$t") >"$log" 2>&1
    # -fork prints the running total of executed inputs as "#N: cov: ..."
    runs=$(grep -o '^#[0-9]*:' "$log" | tail -1 | tr -dc '0-9')
    runs=${runs:-0}
    found=0
    for f in "$art"/*; do
        [ -e "$f" ] || continue
        found=$((found + 1))
        cp "$f" "fuzz/regressions/$t/$(basename "$f")"
    done
    where=""
    [ "$found" -gt 0 ] && where=" → fuzz/regressions/$t/, log $log"
    printf 'fuzz %-8s %10d inputs in %ss, %d crashes%s\n' "$t" "$runs" "$SECS" "$found" "$where" | tee -a "$OUT/summary.txt"
    total_runs=$((total_runs + runs)) total_found=$((total_found + found))
    if [ "$found" -gt 0 ]; then
        # what was found, where the log is not kept (a CI run): the
        # sanitizer's or libFuzzer's report and the input, base64
        for f in "$art"/*; do
            echo "--- $t: $(basename "$f") ($(stat -c %s "$f") bytes), base64:"
            head -c 4096 "$f" | base64 -w 0; echo
        done >&2
        grep -E -A 30 'ERROR: (AddressSanitizer|UndefinedBehavior|LeakSanitizer|libFuzzer)|runtime error:|==[0-9]+== ERROR' \
            "$log" | head -80 >&2
    fi
done
echo "fuzz total: $total_runs inputs, $total_found crashes" | tee -a "$OUT/summary.txt"
[ "$total_found" -eq 0 ]
