#!/usr/bin/env bash
# Resolution accuracy against rustc: bash bench/accuracy/run.sh [BINARY]
#
# Single crates (crates.txt), each checked alone, and real cargo dependency
# graphs (graphs/*/), built offline against the registry: rustc's truth
# (rustdoc JSON + THIR, cached per crate and flags) against Parseltongue's
# answers (CLI export, what-implements, references; LSP definition), per
# crate and per class. driver.py runs the steps, report.py prints the tables.
# Skips (exit 0, "SKIPPED: why") when rustc/rustdoc/python3 or the registry
# are missing; the graphs alone are skipped without cargo.
#
# Variables:
#   ACC_CRATES   crate folders under ACC_REGISTRY (default: crates.txt)
#   ACC_GRAPHS   graph projects under bench/accuracy/graphs (default: all)
#   ACC_REGISTRY where crates live (default /usr/share/cargo/registry)
#   ACC_CACHE    scratch and truth cache (default /tmp/parseltongue-accuracy)
#   ACC_MISSES   misses printed per class (default 10; the lists are complete
#                under $ACC_CACHE/misses/)
#   ACC_REFS_MAX cap on the functions asked for references per crate set
set -u
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-build/parseltongue}"
bin="$(cd "$(dirname "$bin")" 2>/dev/null && pwd)/$(basename "$bin")"
registry="${ACC_REGISTRY:-/usr/share/cargo/registry}"

for tool in rustc rustdoc python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-accuracy: SKIPPED: $tool not found (needs rustc and rustdoc, nightly features via RUSTC_BOOTSTRAP=1)"
    exit 0
  fi
done
if ! python3 -c 'import tomllib' 2>/dev/null; then
  echo "bench-accuracy: SKIPPED: python3 has no tomllib (3.11 or later needed)"
  exit 0
fi
if ! RUSTC_BOOTSTRAP=1 rustc -Zunpretty=thir-tree - --crate-type lib -o /dev/null </dev/null >/dev/null 2>&1; then
  echo "bench-accuracy: SKIPPED: this rustc does not accept -Zunpretty=thir-tree (even with RUSTC_BOOTSTRAP=1)"
  exit 0
fi
if [ ! -d "$registry" ] || [ -z "$(ls -A "$registry" 2>/dev/null)" ]; then
  echo "bench-accuracy: SKIPPED: no crates under $registry (install librust-*-dev packages)"
  exit 0
fi
if [ ! -x "$bin" ]; then
  echo "bench-accuracy: binary $bin not found (make first)" >&2
  exit 1
fi
export ACC_REGISTRY="$registry"
exec python3 "$here/driver.py" "$bin"
