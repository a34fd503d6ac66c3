#!/usr/bin/env bash
# What `make run` executes: index the Rust standard library, then ask it a few
# questions, showing each command line before its answer.
#
#   bash tests/run_demo.sh BINARY STD_SRC DBDIR
#
# Run it twice: the second run is a warm start (the graph is already on disk,
# so onboarding finds 0 changed files and returns at once).
set -uo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BINARY STD_SRC DBDIR" >&2
    exit 2
fi
BIN=$1 STD=$2 DB=$3

if [ -t 1 ]; then
    B=$'\e[1m' DIM=$'\e[2m' G=$'\e[32m' R=$'\e[31m' C=$'\e[36m' N=$'\e[0m'
else
    B='' DIM='' G='' R='' C='' N=''
fi

die() { printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }
[ -x "$BIN" ] || die "no binary at $BIN (build it with: make)"
[ -d "$STD" ] || die "no standard library sources at $STD (install them with: apt-get install rust-src)"

now_ns() { date +%s%N; }
secs() { # NS -> "1.234"
    local ns=$1
    printf '%d.%03d' $((ns / 1000000000)) $((ns / 1000000 % 1000))
}
rule() { printf '%s%s%s\n' "$DIM" "────────────────────────────────────────────────────────────────────────" "$N"; }
title() { printf '\n%s%s%s\n' "$B" "$*" "$N"; rule; }
show() { printf '%s$ %s%s\n' "$C" "$*" "$N"; }

FAILED=0
# run CMD...: echo the command line, run it, say so if it failed.
run() {
    show "$@"
    "$@" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then
        printf '%s(exit %d)%s\n' "$R" "$rc" "$N"
        FAILED=$((FAILED + 1))
    fi
    return 0
}

commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
files=$(find "$STD" -name '*.rs' -type f | wc -l | commas)
lines=$(find "$STD" -name '*.rs' -type f -print0 | xargs -0 cat | wc -l | commas)

printf '\n%sParseltongue demo%s: the Rust standard library as a code graph\n' "$B" "$N"
printf '  sources   %s  (%s .rs files, %s lines)\n' "$STD" "$files" "$lines"
printf '  database  %s\n' "$DB"
if [ -d "$DB" ] && [ -n "$(ls -A "$DB" 2>/dev/null)" ]; then
    printf '  %swarm start%s: the graph is already on disk; only changed files are re-read\n' "$G" "$N"
    start=warm
else
    printf '  %scold start%s: first index of every file\n' "$G" "$N"
    start=cold
fi

# --- 1. onboard ---------------------------------------------------------------
title "1. Index ($start start)"
show "$BIN" onboard "$STD" --db "$DB"
mem=""
log=$(mktemp)
t0=$(now_ns)
if [ -x /usr/bin/time ]; then
    tf=$(mktemp)
    /usr/bin/time -f '%M' -o "$tf" "$BIN" onboard "$STD" --db "$DB" >"$log" 2>&1
    rc=$?
    kb=$(tail -1 "$tf" 2>/dev/null)
    rm -f "$tf"
    case $kb in ''|*[!0-9]*) ;; *) mem=", peak memory $((kb / 1024)) MB" ;; esac
else
    "$BIN" onboard "$STD" --db "$DB" >"$log" 2>&1
    rc=$?
fi
t1=$(now_ns)
# Files the grammar cannot fully parse are indexed as far as they parse; the
# summary line counts them, so their one-line warnings are left out here.
grep -v '^warning: ' "$log"
hidden=$(grep -c '^warning: ' "$log")
[ "$hidden" -gt 0 ] && printf '%s(%s warning lines not shown: files with syntax errors, indexed as far as they parse)%s\n' "$DIM" "$hidden" "$N"
[ $rc -eq 0 ] || { tail -n 20 "$log"; rm -f "$log"; die "onboard failed (exit $rc)"; }
rm -f "$log"
printf '%s%s start: %s s wall%s%s\n' "$G" "$start" "$(secs $((t1 - t0)))" "$mem" "$N"
if [ "$start" = cold ]; then
    printf '%s(run "make run" again to see the warm start)%s\n' "$DIM" "$N"
fi

# --- 2. questions -------------------------------------------------------------
title "2. What is in the graph"
run "$BIN" storage status --db "$DB"

title "3. Who implements Iterator?"
run "$BIN" query what-implements Iterator --db "$DB" --limit 10

title "4. Who calls Vec::push?"
run "$BIN" query callers Vec::push --db "$DB" --limit 10

title "5. What does Vec::push call?"
run "$BIN" query callees Vec::push --db "$DB" --limit 10

title "6. If the signature of Vec::reserve changes, what may break? (3 levels)"
run "$BIN" query blast-radius Vec::reserve --db "$DB" --depth 3 --limit 10

title "7. Where is HashMap defined?"
run "$BIN" query where-defined HashMap --db "$DB" --limit 5

title "8. Call cycles (mutual recursion)"
run "$BIN" query find-cycles --db "$DB" --limit 5

title "9. Context for an assistant, in 600 tokens"
run "$BIN" query generate-context Vec::push --db "$DB" --tokens 600

rule
if [ $FAILED -ne 0 ]; then
    printf '%s%d of the sample queries failed%s\n' "$R" "$FAILED" "$N"
    exit 1
fi
printf '%sDone.%s Ask your own: %s query callers NAME --db %s\n' "$G" "$N" "$BIN" "$DB"
