#!/usr/bin/env bash
# Parseltongue benchmark on two real corpora from Debian packages, beside two
# peers (universal-ctags and the npm package @optave/codegraph), on the same
# files in the same run.  See bench/README.md.
#
#   bash bench/run.sh [BINARY]          (make bench runs it on build/parseltongue)
#
# Environment:
#   BENCH_QUICK=1        fewer repetitions (1 cold, 2 no-change, 2 one-file)
#   BENCH_CORPORA="std crates"   which corpora
#   BENCH_PEERS="ctags codegraph" which peers ("" for none)
#   BENCH_WORK=DIR       scratch directory (default /tmp/parseltongue-bench)
#   BENCH_JOBS=N         pass --jobs N to parseltongue onboard
#   BENCH_TIMEOUT=S      per-command time limit in seconds (default 900)
#   BENCH_KEEP=1         keep the corpus copies and databases afterwards
#   BENCH_NO_INSTALL=1   never apt-get/npm install anything; skip what is missing
#
# A failing step prints "FAILED: reason" and the rest still runs.  Exit status:
# 0 when every parseltongue step ran (whether or not targets were met), 1 when
# one of parseltongue's steps failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${1:-$ROOT/build/parseltongue}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then COLD_N=1 NOCHG_N=2 ONE_N=2; else COLD_N=3 NOCHG_N=5 ONE_N=5; fi
QB_N=${BENCH_QUERY_N:-1000}
CORPORA=${BENCH_CORPORA:-std crates}
PEERS=${BENCH_PEERS-ctags codegraph}
WORK=${BENCH_WORK:-/tmp/parseltongue-bench}
TIMEOUT=${BENCH_TIMEOUT:-900}
NO_INSTALL=${BENCH_NO_INSTALL:-0}
CODEGRAPH_VERSION=${BENCH_CODEGRAPH_VERSION:-3.11.2}
PEERS_DIR=$HERE/.peers
CODEGRAPH=$PEERS_DIR/node_modules/.bin/codegraph
RESULTS=$HERE/results/latest.json

STD_SRC=/usr/lib/rustlib/src/rust/library
CRATES_SRC=/usr/share/cargo/registry
CRATE_PKGS="librust-tokio-dev librust-syn-dev librust-regex-dev librust-clap-dev librust-serde-dev librust-rustix-dev librust-nix-dev librust-hyper-dev librust-rayon-dev librust-cargo-dev"

RAW=$WORK/raw.tsv
LOGS=$WORK/logs
OURS_FAILED=0

# --- output helpers -------------------------------------------------------------
say() { printf '%s\n' "$*"; }
head1() { printf '\n=== %s ===\n' "$*"; }
clean() { tr '\t\n\r' '   ' | cut -c1-300; }
# fail CORPUS TOOL PHASE REASON: record and print a failed step.
fail() {
    local reason; reason=$(printf '%s' "$4" | clean)
    printf 'FAILED: %s %s %s: %s\n' "$1" "$2" "$3" "$reason"
    printf 'F\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$reason" >>"$RAW"
    [ "$2" = parseltongue ] && OURS_FAILED=1
    return 0
}
# info CORPUS KEY VALUE
info() { printf 'I\t%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | clean)" >>"$RAW"; }
# summary FILE: onboard's summary line from its stderr (the "indexed ..." line,
# else the last line that is not a warning).
summary() {
    grep -m1 '^indexed' "$1" 2>/dev/null || grep -v '^warning' "$1" 2>/dev/null | tail -n 1
}
now_us() { local t=${EPOCHREALTIME//[.,]/}; printf '%s' "$t"; }

# timed CORPUS TOOL PHASE RUN -- CMD...
# Runs CMD under /usr/bin/time (peak RSS) and times its wall clock with the
# shell's microsecond clock. Output goes to $LOGS; records an M line.
timed() {
    local corpus=$1 tool=$2 phase=$3 run=$4; shift 5
    local base="$LOGS/$corpus.$tool.$phase.$run"
    local t0 t1 rc rss cpu
    t0=${EPOCHREALTIME//[.,]/}
    timeout "$TIMEOUT" /usr/bin/time -f '%e %M %U %S' -o "$base.time" "$@" >"$base.out" 2>"$base.err"
    rc=$?
    t1=${EPOCHREALTIME//[.,]/}
    rss=$(awk 'END { print $2 }' "$base.time" 2>/dev/null)
    case $rss in ''|*[!0-9]*) rss=0 ;; esac
    cpu=$(awk 'END { printf "%.2f", $3 + $4 }' "$base.time" 2>/dev/null)
    printf 'M\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$corpus" "$tool" "$phase" "$run" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e6 }')" "$rss" "$rc" "${cpu:-0}" >>"$RAW"
    if [ $rc -ne 0 ]; then
        local why
        if [ $rc -eq 124 ]; then why="timed out after ${TIMEOUT}s"
        elif [ $rc -gt 128 ] && [ $rc -lt 160 ]; then
            why="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null) (exit $rc): $(grep -v '^Command terminated' "$base.err" | tail -n 2)"
        else why="exit $rc: $(grep -v '^Command exited' "$base.err" | tail -n 2)"; fi
        fail "$corpus" "$tool" "$phase#$run" "$why (log: $base.err)"
    fi
    return $rc
}

# --- setup ------------------------------------------------------------------------
pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
apt_install() { # PKG...: install the missing ones
    local missing=() p
    for p in "$@"; do pkg_ok "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$NO_INSTALL" = 1 ]; then say "missing packages (BENCH_NO_INSTALL=1): ${missing[*]}"; return 1; fi
    local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    say "installing: ${missing[*]}"
    if [ ! -f "$WORK/.apt-updated" ]; then
        $sudo apt-get update -qq >"$LOGS/apt-update.log" 2>&1 && touch "$WORK/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >"$LOGS/apt-install.log" 2>&1
}

setup() {
    mkdir -p "$WORK" "$LOGS" "$HERE/results"
    rm -f "$LOGS"/* "$RAW"
    : >"$RAW"
    head1 "Setup"
    apt_install time || fail all setup time "cannot install package time (/usr/bin/time); see $LOGS/apt-install.log"
    if [ ! -x /usr/bin/time ]; then
        say "FAILED: /usr/bin/time is required; stopping"; exit 1
    fi
    for c in $CORPORA; do
        case $c in
        std) apt_install rust-src || fail std setup corpus "cannot install rust-src" ;;
        crates)
            # shellcheck disable=SC2086
            apt_install $CRATE_PKGS || fail crates setup corpus "cannot install the librust-*-dev packages" ;;
        *) fail "$c" setup corpus "unknown corpus (std, crates)" ;;
        esac
    done
    case " $PEERS " in *" ctags "*)
        apt_install universal-ctags || fail all ctags setup "cannot install universal-ctags" ;;
    esac
    case " $PEERS " in *" codegraph "*) setup_codegraph ;; esac
    [ -x "$BIN" ] || fail all parseltongue setup "no binary at $BIN (build it with make)"

    info all quick "$QUICK"
    info all reps "$COLD_N $NOCHG_N $ONE_N"
    info all binary "$BIN"
    [ -x "$BIN" ] && info all binary_id "$(stat -c '%y' "$BIN" | cut -c1-19) sha256:$(sha256sum "$BIN" | cut -c1-12)"
    info all nproc "$(nproc)"
    info all mem_mb "$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
    info all cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    info all kernel "$(uname -r)"
    command -v ctags >/dev/null && info all ctags_version "$(ctags --version | head -1 | cut -d, -f1)"
    # What the timer itself costs (timeout + /usr/bin/time + fork/exec).
    local i t0 t1
    t0=$(now_us)
    for i in 1 2 3 4 5 6 7 8 9 10; do timeout 10 /usr/bin/time -o /dev/null true; done
    t1=$(now_us)
    info all timer_overhead_ms "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e4 }')"
}

setup_codegraph() {
    if [ ! -x "$CODEGRAPH" ]; then
        if [ "$NO_INSTALL" = 1 ]; then fail all codegraph setup "not installed in $PEERS_DIR (BENCH_NO_INSTALL=1)"; return; fi
        if ! command -v npm >/dev/null; then fail all codegraph setup "npm not found"; return; fi
        say "installing @optave/codegraph@$CODEGRAPH_VERSION into $PEERS_DIR"
        mkdir -p "$PEERS_DIR"
        if ! npm install --prefix "$PEERS_DIR" --no-audit --no-fund "@optave/codegraph@$CODEGRAPH_VERSION" \
                >"$LOGS/npm-install.log" 2>&1; then
            fail all codegraph setup "npm install failed: $(tail -n 3 "$LOGS/npm-install.log")"; return
        fi
    fi
    if ! "$CODEGRAPH" info >"$LOGS/codegraph-info.log" 2>&1; then
        fail all codegraph setup "codegraph does not run here: $(tail -n 3 "$LOGS/codegraph-info.log")"; return
    fi
    info all codegraph_version "$("$CODEGRAPH" --version 2>/dev/null | head -1)"
    info all codegraph_engine "$(awk -F': ' '/Active engine/ { print $2 }' "$LOGS/codegraph-info.log")"
    info all node_version "$(node --version 2>/dev/null)"
}

# --- corpora ------------------------------------------------------------------------
# prepare CORPUS: copy its .rs files and Cargo.toml manifests (mtimes kept) into
# $WORK/src/CORPUS; every tool reads that copy, never /usr.
prepare() {
    local c=$1 src
    case $c in std) src=$STD_SRC ;; crates) src=$CRATES_SRC ;; *) return 1 ;; esac
    if [ ! -d "$src" ]; then fail "$c" setup corpus "no sources at $src"; return 1; fi
    SRC=$WORK/src/$c
    rm -rf "$SRC"
    mkdir -p "$SRC"
    if ! (cd "$src" && find . -type f \( -name '*.rs' -o -name Cargo.toml \) -print0 | tar --null -cf - -T -) \
            | (cd "$SRC" && tar -xf -); then
        fail "$c" setup copy "copying $src failed"; return 1
    fi
    local files lines bytes
    files=$(find "$SRC" -type f -name '*.rs' | wc -l)
    lines=$(find "$SRC" -type f -name '*.rs' -print0 | xargs -0 cat | wc -l)
    bytes=$(find "$SRC" -type f -name '*.rs' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    info "$c" source "$src"
    info "$c" copy "$SRC"
    info "$c" files "$files"
    info "$c" lines "$lines"
    info "$c" bytes "$bytes"
    # The file edited for the one-file re-runs: the median-sized ordinary
    # source file (under src/, not a test, bench or example).
    EDIT_REL=$(cd "$SRC" && find . -type f -name '*.rs' -path '*/src/*' \
        ! -path '*/tests/*' ! -path '*/benches/*' ! -path '*/examples/*' ! -name 'tests.rs' ! -name 'test.rs' \
        -printf '%s %P\n' | sort -n -k1,1 -k2,2 | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
    EDIT=$SRC/$EDIT_REL
    PRISTINE=$WORK/pristine.$c.rs
    cp -p "$EDIT" "$PRISTINE"
    info "$c" edit_file "$EDIT_REL"
    info "$c" edit_file_lines "$(wc -l <"$EDIT")"
    say "$c: $files .rs files, $lines lines, copied to $SRC; one-file edits go to $EDIT_REL"
}

# edit N: put back the pristine file, then append a comment line whose length
# differs from run to run, so that size as well as mtime and content change.
edit() {
    cp -p "$PRISTINE" "$EDIT"
    printf '// parseltongue-bench edit %d %s\n' "$1" "$(printf '%*s' "$1" '' | tr ' ' x)" >>"$EDIT"
}
restore() { cp -p "$PRISTINE" "$EDIT"; }

# --- parseltongue ---------------------------------------------------------------------
bench_ours() {
    local c=$1 i db jobs=()
    [ -n "${BENCH_JOBS:-}" ] && jobs=(--jobs "$BENCH_JOBS")
    if [ ! -x "$BIN" ]; then fail "$c" parseltongue all "no binary at $BIN"; return; fi
    say "parseltongue: cold index x$COLD_N"
    rm -rf "$WORK/db/$c"/ours-*
    local good=""
    for i in $(seq 1 "$COLD_N"); do
        db=$WORK/db/$c/ours-$i
        mkdir -p "$db"
        if timed "$c" parseltongue cold "$i" -- "$BIN" onboard "$SRC" --db "$db" "${jobs[@]}"; then
            [ -n "$good" ] && rm -rf "$WORK/db/$c/ours-$good"
            good=$i
        else
            rm -rf "$db"
        fi
    done
    if [ -z "$good" ]; then
        fail "$c" parseltongue rest "no successful cold index; skipping re-runs and queries"; return
    fi
    db=$WORK/db/$c/ours-$good
    info "$c" ours_cold_summary "$(summary "$LOGS/$c.parseltongue.cold.$good.err")"
    info "$c" ours_db_kb "$(du -sk "$db" | cut -f1)"

    say "parseltongue: storage status"
    if "$BIN" storage status --json --db "$db" >"$LOGS/$c.parseltongue.status.json" 2>"$LOGS/$c.parseltongue.status.err"; then
        info "$c" ours_status_file "$LOGS/$c.parseltongue.status.json"
    else
        fail "$c" parseltongue "storage status" "$(tail -n 2 "$LOGS/$c.parseltongue.status.err")"
    fi

    say "parseltongue: no-change re-run x$NOCHG_N"
    for i in $(seq 1 "$NOCHG_N"); do
        timed "$c" parseltongue nochange "$i" -- "$BIN" onboard "$SRC" --db "$db" "${jobs[@]}"
    done
    info "$c" ours_nochange_summary "$(summary "$LOGS/$c.parseltongue.nochange.$NOCHG_N.err")"

    say "parseltongue: one-file re-run x$ONE_N"
    for i in $(seq 1 "$ONE_N"); do
        edit "$i"
        timed "$c" parseltongue onefile "$i" -- "$BIN" onboard "$SRC" --db "$db" "${jobs[@]}"
    done
    restore
    info "$c" ours_onefile_summary "$(summary "$LOGS/$c.parseltongue.onefile.$ONE_N.err")"
    info "$c" ours_db_kb_after_updates "$(du -sk "$db" | cut -f1)"

    say "parseltongue: query-bench --n $QB_N"
    if "$BIN" query-bench --db "$db" --n "$QB_N" --json >"$LOGS/$c.parseltongue.qbench.json" 2>"$LOGS/$c.parseltongue.qbench.err"; then
        info "$c" ours_qbench_file "$LOGS/$c.parseltongue.qbench.json"
    else
        say "query-bench: n/a ($(tail -n 1 "$LOGS/$c.parseltongue.qbench.err" | clean))"
        info "$c" ours_qbench_error "$(tail -n 1 "$LOGS/$c.parseltongue.qbench.err")"
    fi
}

# --- peers ------------------------------------------------------------------------------
bench_ctags() {
    local c=$1 i tags=$WORK/db/$1/ctags.tags
    if ! command -v ctags >/dev/null; then fail "$c" ctags all "ctags not installed"; return; fi
    say "ctags: cold x$COLD_N"
    mkdir -p "$WORK/db/$c"
    for i in $(seq 1 "$COLD_N"); do
        rm -f "$tags"
        timed "$c" ctags cold "$i" -- ctags -R --languages=Rust -f "$tags" "$SRC"
    done
    if [ -f "$tags" ]; then
        info "$c" ctags_tags_kb "$(du -sk "$tags" | cut -f1)"
        info "$c" ctags_tags_bytes "$(stat -c %s "$tags")"
        info "$c" ctags_tags "$(grep -vc '^!_' "$tags")"
    fi
}

bench_codegraph() {
    local c=$1 i dir=$WORK/db/$1/codegraph
    if [ ! -x "$CODEGRAPH" ] || grep -q "^F	all	codegraph	" "$RAW"; then
        fail "$c" codegraph all "codegraph is not available (see setup above)"; return
    fi
    # codegraph keeps its database at DIR/.codegraph/graph.db unless --db says
    # otherwise, and writes DIR/.codegraph/changes.journal in any case: it runs
    # on our copy only, with --db in the scratch directory, both cleaned per run.
    local full=(build "$SRC" --db "$dir/graph.db")
    say "codegraph: cold x$COLD_N"
    for i in $(seq 1 "$COLD_N"); do
        rm -rf "$dir" "$SRC/.codegraph"; mkdir -p "$dir"
        timed "$c" codegraph cold "$i" -- "$CODEGRAPH" "${full[@]}"
    done
    info "$c" codegraph_cold_summary "$(grep -h 'completed' "$LOGS/$c.codegraph.cold.$COLD_N".{out,err} 2>/dev/null | tail -n 1)"
    info "$c" codegraph_files_line "$(grep -h 'files to parse' "$LOGS/$c.codegraph.cold.$COLD_N".{out,err} 2>/dev/null | tail -n 1)"
    info "$c" codegraph_db_kb "$(du -sk "$dir" | cut -f1)"
    say "codegraph: no-change re-run x$NOCHG_N"
    for i in $(seq 1 "$NOCHG_N"); do
        timed "$c" codegraph nochange "$i" -- "$CODEGRAPH" "${full[@]}"
    done
    say "codegraph: one-file re-run x$ONE_N"
    for i in $(seq 1 "$ONE_N"); do
        edit "$i"
        timed "$c" codegraph onefile "$i" -- "$CODEGRAPH" "${full[@]}"
    done
    restore
    info "$c" codegraph_onefile_summary "$(grep -h 'Incremental' "$LOGS/$c.codegraph.onefile.$ONE_N".{out,err} 2>/dev/null | tail -n 1)"
    # The same build without the extras parseltongue does not compute (stored
    # AST nodes, complexity metrics, data flow, control flow graphs).
    say "codegraph (graph only: --no-ast --no-complexity --no-dataflow --no-cfg): cold x$COLD_N"
    for i in $(seq 1 "$COLD_N"); do
        rm -rf "$dir" "$SRC/.codegraph"; mkdir -p "$dir"
        timed "$c" codegraph-lean cold "$i" -- "$CODEGRAPH" "${full[@]}" --no-ast --no-complexity --no-dataflow --no-cfg
    done
    info "$c" codegraph_lean_db_kb "$(du -sk "$dir" | cut -f1)"
    rm -rf "$dir" "$SRC/.codegraph"
}

# --- main ---------------------------------------------------------------------------------
T0=$(date +%s)
printf 'Parseltongue benchmark  %s  (%s)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$([ "$QUICK" = 1 ] && echo 'BENCH_QUICK=1: 1 cold, 2 no-change, 2 one-file runs' || echo '3 cold, 5 no-change, 5 one-file runs')"
setup
for c in $CORPORA; do
    head1 "Corpus: $c"
    info "$c" load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
    prepare "$c" || continue
    bench_ours "$c"
    case " $PEERS " in *" ctags "*) bench_ctags "$c" ;; esac
    case " $PEERS " in *" codegraph "*) bench_codegraph "$c" ;; esac
    restore
    info "$c" load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
done
# The language server driven like an editor (bench/lsp/README.md).
python3 "$HERE/lsp/lsp_bench.py" "$BIN" || fail all parseltongue lsp "bench/lsp/lsp_bench.py failed (logs: ${BENCH_WORK:-/tmp/parseltongue-bench}/lsp/logs)"

info all elapsed_s "$(($(date +%s) - T0))"

head1 "Results"
if ! python3 "$HERE/report.py" "$RAW" "$RESULTS"; then
    say "FAILED: report: bench/report.py could not summarise $RAW"
fi
if [ "${BENCH_KEEP:-0}" != 1 ]; then
    rm -rf "$WORK/src" "$WORK/db"
fi
say "raw measurements and logs: $WORK"
exit $OURS_FAILED
