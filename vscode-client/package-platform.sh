#!/usr/bin/env bash
# The platform package: the extension with the server inside (server/parseltongue),
# as rust-analyzer's and clangd's extensions ship theirs. `make vsix` runs it with
# build/parseltongue-portable (our libraries linked in statically).
#
# usage: bash vscode-client/package-platform.sh BINARY TARGET OUT.vsix
#        (TARGET: a vsce target, linux-x64 or linux-arm64)
set -euo pipefail
BIN=$(realpath "${1:?usage: package-platform.sh BINARY TARGET OUT.vsix}")
TARGET=${2:?target}
OUT=$(realpath -m "${3:?output .vsix}")
cd "$(dirname "$0")"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf server
mkdir -p server "$(dirname "$OUT")"
trap 'rm -rf server' EXIT
install -m 755 "$BIN" server/parseltongue
strip server/parseltongue 2>/dev/null || true
# vscode:prepublish builds the bundle and copies LICENSE; stdin closed: vsce asks nothing
npx --no-install vsce package --target "$TARGET" --out "$OUT" </dev/null
