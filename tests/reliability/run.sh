#!/usr/bin/env bash
# tests/reliability/run.sh BINARY [--quick] — `make reliability` (and, with
# --quick, the reliability part of `make test`).
#
#   full    fuzz every target for FUZZ_SECONDS (default 60) each (needs clang),
#           replay the fuzz regressions, hostile inputs, KILL_TRIALS (default
#           54) SIGKILL trials, disk full / read-only / scribbled databases
#           (tmpfs: needs root), the CLI and the server on one database, a
#           session under valgrind (skipped without it), and a SOAK_SECONDS
#           (default 60) soak, and EMACS_STARTS (default 50) Emacs session
#           starts in batch and as many in a terminal.
#   --quick no fuzzing (replay only), 9 kill trials, a 10 s soak: about
#           two minutes. QUICK_PARTS (default "replay hostile killtest
#           diskfull shared soak") picks the parts.
#
# Every part runs even if an earlier one failed; the summary at the end
# gives: inputs fuzzed and crashes found, kill trials survived, soak
# duration, requests served, max latency, memory at start and end; exit 1
# if any part failed. Logs: build/reliability/*.log.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:?usage: run.sh BINARY [--quick]}
QUICK=0
[ "${2:-}" = "--quick" ] && QUICK=1
LOG=build/reliability
mkdir -p "$LOG"
if [ $QUICK = 1 ]; then
    KILL_TRIALS=${KILL_TRIALS_QUICK:-9}; SOAK_SECONDS=${SOAK_SECONDS_QUICK:-10}
else
    KILL_TRIALS=${KILL_TRIALS:-54}; SOAK_SECONDS=${SOAK_SECONDS:-60}
fi
export KILL_TRIALS SOAK_SECONDS
failed=()
T0=$(date +%s)

QUICK_PARTS=${QUICK_PARTS:-replay hostile killtest diskfull shared soak}
part() {   # name, log file, command...
    local name=$1 log=$2; shift 2
    if [ $QUICK = 1 ] && [[ " $QUICK_PARTS " != *" $name "* ]]; then
        printf '== %-10s skipped (--quick)\n' "$name"
        : >"$log"
        return
    fi
    local t=$(date +%s)
    printf '== %-10s ' "$name"
    if "$@" >"$log" 2>&1; then
        printf 'ok (%ss)\n' "$(($(date +%s) - t))"
    else
        printf 'FAILED (%ss, see %s)\n' "$(($(date +%s) - t))" "$log"
        grep -E '^  FAIL|FAILED|Sanitizer' "$log" | head -8 | sed 's/^/   /'
        failed+=("$name")
    fi
}

if [ $QUICK = 0 ]; then
    if command -v clang >/dev/null; then
        part fuzz "$LOG/fuzz.log" bash fuzz/run.sh
    else
        echo "== fuzz       skipped: clang is not installed"
    fi
fi
part replay   "$LOG/replay.log"   env SAN="${SAN:-}" BUILD="${BUILD:-}" bash fuzz/replay.sh
part hostile  "$LOG/hostile.log"  python3 tests/reliability/hostile.py "$BIN"
part killtest "$LOG/killtest.log" python3 tests/reliability/killtest.py "$BIN" --trials "$KILL_TRIALS"
part diskfull "$LOG/diskfull.log" python3 tests/reliability/diskfull.py "$BIN"
part shared   "$LOG/shared.log"   python3 tests/reliability/shared.py "$BIN"
part leaks    "$LOG/leaks.log"    python3 tests/reliability/leaks.py "$BIN"
part soak     "$LOG/soak.log"     env SOAK_STRICT=$((1 - QUICK)) python3 tests/reliability/soak.py "$BIN" --seconds "$SOAK_SECONDS"
# 50 + 50 Emacs session starts on regex-syntax (make test runs 10 + 5 of them)
part emacs-starts "$LOG/emacs-starts.log" python3 tests/clients/emacs_starts.py "$BIN" \
    --batch "${EMACS_STARTS:-50}" --tty "${EMACS_STARTS:-50}"

echo
echo "==================== reliability summary ===================="
if [ $QUICK = 0 ] && [ -f build/fuzz/summary.txt ] && [ "$(stat -c %Y build/fuzz/summary.txt)" -ge "$T0" ]; then
    sed 's/^/  /' build/fuzz/summary.txt
else
    echo "  fuzzing: not run ($([ $QUICK = 1 ] && echo "--quick" || echo "failed or clang missing")); regressions replayed:"
fi
grep -E '^fuzz replay:|^reliability regressions' "$LOG/replay.log" | sed 's/^/  /'
grep -hE 'passed, [0-9]+ failed' "$LOG/hostile.log" | sed 's/^/  hostile inputs: /'
grep -hE '^kill trials:' "$LOG/killtest.log" | sed 's/^/  /'
grep -hE 'passed, [0-9]+ failed' "$LOG/diskfull.log" | sed 's/^/  disk full, read-only, scribbled: /'
grep -hE 'passed, [0-9]+ failed' "$LOG/shared.log" | sed 's/^/  CLI and server on one database: /'
grep -hE '^leaks:' "$LOG/leaks.log" | sed 's/^/  a session under valgrind: /'
grep -hE '^soak:' "$LOG/soak.log" | sed 's/^/  /'
grep -hE '^(batch|tty): ' "$LOG/emacs-starts.log" | sed 's/^/  Emacs session starts, /'
echo "  total time: $(($(date +%s) - T0))s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "  FAILED: ${failed[*]}"
    exit 1
fi
echo "  all reliability tests passed"
