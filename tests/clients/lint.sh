#!/usr/bin/env bash
# Tests of lint/parseltongue-lint, the headless CI client, with the real server
# on copies of tests/fixtures/lint_cycle (modules a and b use each other's
# types) and tests/fixtures/lint_clean (no cycle). Expectations by hand:
#   lint_cycle/src/a.rs line 3: `use crate::b::Beta;`   (a → b)
#   lint_cycle/src/b.rs line 4: `use super::a::Alpha;`  (b → a)
# usage: bash tests/clients/lint.sh BINARY      (last line: N passed, M failed)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/parseltongue}")
LINT="$ROOT/lint/parseltongue-lint"
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1${2:+: $2}"; }
check() { # name, then a command that must succeed
    local name=$1; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

if [ ! -x "$BIN" ]; then echo "no binary at $BIN"; echo "0 passed, 1 failed"; exit 1; fi
TMP=$(mktemp -d /tmp/pt-lint.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp -r "$ROOT/tests/fixtures/lint_cycle" "$TMP/cycle"
cp -r "$ROOT/tests/fixtures/lint_clean" "$TMP/clean"
export PARSELTONGUE_LSP_SETTLE_MS=2000
unset PARSELTONGUE_DB

# ---- a module cycle: exit 1, both sites printed ---------------------------------
(cd "$TMP/cycle" && timeout 60 python3 "$LINT" -v --server "$BIN" --db "$TMP/db-cycle" --sarif "$TMP/cycle.sarif" . \
    >"$TMP/cycle.out" 2>"$TMP/cycle.err")
rc=$?
check "cycle: exit status 1" [ "$rc" = 1 ]
[ "$rc" = 1 ] || { cat "$TMP/cycle.out" "$TMP/cycle.err"; }
findings=$(grep -c '^src/' "$TMP/cycle.out")
check "cycle: exactly two findings" [ "$findings" = 2 ]
check "cycle: a.rs:3 (use crate::b::Beta) reported" \
    grep -qE '^src/a\.rs:3: warning: module dependency cycle .*lintcycle::a.*lintcycle::b.* \[module-cycle\]$' "$TMP/cycle.out"
check "cycle: b.rs:4 (use super::a::Alpha) reported" \
    grep -qE '^src/b\.rs:4: warning: module dependency cycle .*lintcycle::a.*lintcycle::b.* \[module-cycle\]$' "$TMP/cycle.out"
check "cycle: util.rs (not in the cycle) not reported" bash -c "! grep -q util.rs '$TMP/cycle.out'"
check "cycle: summary on stderr, not stdout" grep -q '2 findings (2 failing)' "$TMP/cycle.err"

sarif_check() { # file, expected result count, expected "uri:line" list
    python3 - "$@" <<'EOF'
import json, sys
path, n, want = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
doc = json.load(open(path, encoding="utf-8"))
assert doc["version"] == "2.1.0", doc.get("version")
assert "sarif-2.1.0" in doc["$schema"]
run = doc["runs"][0]
assert run["tool"]["driver"]["name"] == "parseltongue"
res = run["results"]
assert len(res) == n, (len(res), n)
rules = {r["id"] for r in run["tool"]["driver"].get("rules", [])}
got = []
for r in res:
    assert r["ruleId"] in rules and r["level"] in ("error", "warning", "note") and r["message"]["text"]
    pl = r["locations"][0]["physicalLocation"]
    assert pl["artifactLocation"].get("uriBaseId") in (None, "SRCROOT")
    assert pl["region"]["startLine"] >= 1 and pl["region"]["startColumn"] >= 1
    got.append("%s:%d" % (pl["artifactLocation"]["uri"], pl["region"]["startLine"]))
assert sorted(got) == sorted(want), (got, want)
base = run.get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri", "file:///")
assert base.startswith("file:///") and base.endswith("/"), base
EOF
}
check "cycle: SARIF 2.1.0 with 2 results at a.rs:3 and b.rs:4" sarif_check "$TMP/cycle.sarif" 2 "src/a.rs:3 src/b.rs:4"
check "cycle: SARIF column of a.rs:3 is the path after \`use \`" \
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0]['results']; \
reg=[x['locations'][0]['physicalLocation']['region'] for x in r if x['locations'][0]['physicalLocation']['artifactLocation']['uri']=='src/a.rs'][0]; \
sys.exit(0 if (reg['startColumn'], reg['endColumn']) == (5, 19) else 1)" "$TMP/cycle.sarif"
check "cycle: the server exited 0 (shutdown + exit)" bash -c "! grep -q 'server exit code' '$TMP/cycle.err'"
check "cycle: the database went where --db said" test -f "$TMP/db-cycle/data.mdb"

# ---- relative paths from another directory; server found on PATH ------------------
mkdir -p "$TMP/bin" && ln -s "$BIN" "$TMP/bin/parseltongue"
(cd "$TMP" && PATH="$TMP/bin:$PATH" timeout 60 python3 "$LINT" -q cycle >"$TMP/cycle2.out" 2>"$TMP/cycle2.err")
rc=$?
check "from the parent directory: exit 1, paths relative to it" \
    bash -c "[ $rc = 1 ] && grep -q '^cycle/src/a\.rs:3: ' '$TMP/cycle2.out' && grep -q '^cycle/src/b\.rs:4: ' '$TMP/cycle2.out'"
check "server found on PATH; default database in the folder" test -f "$TMP/cycle/.cache/parseltongue/data.mdb"
check "-q: no summary" test ! -s "$TMP/cycle2.err"

# ---- clean: exit 0, nothing printed ---------------------------------------------------
(cd "$TMP/clean" && timeout 60 python3 "$LINT" --server "$BIN" --db "$TMP/db-clean" --sarif "$TMP/clean.sarif" --verbose . \
    >"$TMP/clean.out" 2>"$TMP/clean.err")
rc=$?
check "clean: exit status 0" [ "$rc" = 0 ]
[ "$rc" = 0 ] || { cat "$TMP/clean.out"; tail -20 "$TMP/clean.err"; }
check "clean: no findings printed" test ! -s "$TMP/clean.out"
check "clean: SARIF with 0 results" sarif_check "$TMP/clean.sarif" 0 ""
check "clean: the server exited 0 (shutdown + exit)" bash -c "! grep -q 'server exit code' '$TMP/clean.err'"
check "clean: server log passed through with --verbose" test -s "$TMP/clean.err"

# ---- two folders at once: the cycle is found in the second ----------------------------
(cd "$TMP" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-two" clean cycle >"$TMP/two.out" 2>&1)
rc=$?
check "two folders: exit 1, the cycle's two sites" bash -c "[ $rc = 1 ] && [ \$(grep -c '^cycle/src/' '$TMP/two.out') = 2 ]"

# ---- usage and server failures: exit 2 ------------------------------------------------
timeout 30 python3 "$LINT" --server "$BIN" "$TMP/no-such-dir" >/dev/null 2>&1
check "a missing folder: exit 2" [ $? = 2 ]
timeout 30 python3 "$LINT" --server "$TMP/no-such-binary" "$TMP/clean" >/dev/null 2>&1
check "a missing server: exit 2" [ $? = 2 ]
timeout 30 python3 "$LINT" --server /bin/false "$TMP/clean" >/dev/null 2>&1
check "a server that dies at once: exit 2" [ $? = 2 ]
timeout 30 python3 "$LINT" --no-such-option >/dev/null 2>&1
check "an unknown option: exit 2" [ $? = 2 ]
check "--help: exit 0" timeout 30 python3 "$LINT" --help >/dev/null
check "the script is executable with a python3 shebang" \
    bash -c "[ -x '$LINT' ] && head -1 '$LINT' | grep -qx '#!/usr/bin/env python3'"

check "no sanitizer report from the server (-v runs)" \
    bash -c "! grep -lE 'Sanitizer|runtime error' '$TMP/cycle.err' '$TMP/clean.err'"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
