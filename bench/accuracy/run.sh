#!/usr/bin/env bash
# Resolution accuracy against rustc: bash bench/accuracy/run.sh [BINARY]
#
# For each crate: copy it to a scratch dir, build the truth from rustc
# (truth.py: rustdoc JSON + THIR), ask Parseltongue (compare.py: CLI export,
# what-implements, references, LSP definition), then print the tables
# (report.py). Skips (exit 0) when rustc/rustdoc are missing.
#
# Variables:
#   ACC_CRATES   crate directory names under ACC_REGISTRY (default: the six)
#   ACC_REGISTRY where they live (default /usr/share/cargo/registry)
#   ACC_CACHE    scratch and truth cache (default /tmp/parseltongue-accuracy)
#   ACC_MISSES   misses listed per category (default 20)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-build/parseltongue}"
bin="$(cd "$(dirname "$bin")" 2>/dev/null && pwd)/$(basename "$bin")"
registry="${ACC_REGISTRY:-/usr/share/cargo/registry}"
crates="${ACC_CRATES:-regex-syntax-0.6.27 smallvec-1.9.0 semver-1.0.14 bytes-1.2.1 hashbrown-0.12.3 memchr-2.5.0}"
cache="${ACC_CACHE:-/tmp/parseltongue-accuracy}"

for tool in rustc rustdoc python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-accuracy: SKIPPED: $tool not found (needs rustc and rustdoc, nightly features via RUSTC_BOOTSTRAP=1)"
    exit 0
  fi
done
if ! RUSTC_BOOTSTRAP=1 rustc -Zunpretty=thir-tree - --crate-type lib -o /dev/null </dev/null >/dev/null 2>&1; then
  echo "bench-accuracy: SKIPPED: this rustc does not accept -Zunpretty=thir-tree (even with RUSTC_BOOTSTRAP=1)"
  exit 0
fi
if [ ! -x "$bin" ]; then
  echo "bench-accuracy: binary $bin not found (make first)" >&2
  exit 1
fi

mkdir -p "$cache/src"
status=0
done_list=""
for c in $crates; do
  if [ ! -d "$registry/$c" ]; then
    echo "bench-accuracy: $c: not installed under $registry, skipped"
    continue
  fi
  # a private copy: the tool and rustc see the same files, /usr is never touched
  rm -rf "${cache:?}/src/$c" "${cache:?}/$c"
  cp -r "$registry/$c" "$cache/src/$c"
  mkdir -p "$cache/$c"
  start=$(date +%s)
  if ! python3 "$here/truth.py" "$cache/src/$c" "$cache/$c" 2>"$cache/$c/truth.log"; then
    rc=$?
    if [ $rc = 3 ]; then echo "bench-accuracy: $c: $(tail -1 "$cache/$c/truth.log")"; continue; fi
    echo "bench-accuracy: FAILED: $c: truth generation (log: $cache/$c/truth.log)"; tail -5 "$cache/$c/truth.log"
    status=1; continue
  fi
  if ! python3 "$here/compare.py" "$bin" "$cache/src/$c" "$cache/$c" 2>"$cache/$c/compare.log"; then
    echo "bench-accuracy: FAILED: $c: scoring (log: $cache/$c/compare.log)"; tail -5 "$cache/$c/compare.log"
    status=1; continue
  fi
  echo "bench-accuracy: $c: $(tail -1 "$cache/$c/truth.log") [$(( $(date +%s) - start )) s]"
  done_list="$done_list $c"
done
if [ -n "$done_list" ]; then
  python3 "$here/report.py" --cache "$cache" --misses "${ACC_MISSES:-20}" $done_list
fi
exit $status
