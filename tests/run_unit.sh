#!/usr/bin/env bash
# Run cmocka test binaries from tests/ (their fixtures are relative to it),
# as many at once as there are cores; each one's output goes to a log
# beside it, printed only when it fails. Usage: tests/run_unit.sh BIN...
set -uo pipefail
cd "$(dirname "$0")"
jobs=$(nproc 2>/dev/null || echo 2)
pids=() bins=() failed=0
report() { # report INDEX
    local bin=${bins[$1]} log=${bins[$1]}.log
    if wait "${pids[$1]}"; then
        printf 'ok   %-22s %s\n' "$(basename "$bin")" "$(grep -m1 -o '[0-9]* test(s) run' "$log")"
    else
        printf 'FAIL %s (log: %s)\n' "$(basename "$bin")" "$log"
        cat "$log"
        failed=1
    fi
}
next=0
for b in "$@"; do
    bin=../$b
    case $b in /*) bin=$b ;; esac
    "$bin" >"$bin.log" 2>&1 &
    pids+=($!) bins+=("$bin")
    if [ $(( ${#pids[@]} - next )) -ge "$jobs" ]; then report $next; next=$((next + 1)); fi
done
while [ "$next" -lt "${#pids[@]}" ]; do report $next; next=$((next + 1)); done
exit $failed
