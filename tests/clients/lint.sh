#!/usr/bin/env bash
# Tests of lint/parseltongue-lint, the CI client, with the real binary on
# copies of tests/fixtures/lint_cycle (modules a and b use each other's
# types), tests/fixtures/lint_clean (no cycle) and tests/fixtures/lint_rules
# (a rules file: layers, a crate rule, unused public items). Expectations by
# hand, from the fixtures' source:
#   lint_cycle/src/a.rs line 3: `use crate::b::Beta;`   (a → b), column 5
#   lint_cycle/src/b.rs line 4: `use super::a::Alpha;`  (b → a), column 5
#   lint_rules: see the block before its tests.
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
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
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
check "cycle: a.rs:3:5 (use crate::b::Beta) reported" \
    grep -qE '^src/a\.rs:3:5: warning: module dependency cycle: lintcycle::a → lintcycle::b → lintcycle::a; here lintcycle::a imports lintcycle::b::Beta \[module-cycle\]$' "$TMP/cycle.out"
check "cycle: b.rs:4:5 (use super::a::Alpha) reported" \
    grep -qE '^src/b\.rs:4:5: warning: module dependency cycle: lintcycle::b → lintcycle::a → lintcycle::b; here lintcycle::b imports lintcycle::a::Alpha \[module-cycle\]$' "$TMP/cycle.out"
check "cycle: util.rs (not in the cycle) not reported" bash -c "! grep -q util.rs '$TMP/cycle.out'"
check "cycle: summary on stderr, not stdout" grep -q '2 findings (2 failing' "$TMP/cycle.err"

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
check "cycle: the database went where --db said" test -f "$TMP/db-cycle/data.mdb"

# ---- relative paths from another directory; server found on PATH ------------------
mkdir -p "$TMP/bin" && ln -s "$BIN" "$TMP/bin/parseltongue"
(cd "$TMP" && PATH="$TMP/bin:$PATH" timeout 60 python3 "$LINT" -q cycle >"$TMP/cycle2.out" 2>"$TMP/cycle2.err")
rc=$?
check "from the parent directory: exit 1, paths relative to it" \
    bash -c "[ $rc = 1 ] && grep -q '^cycle/src/a\.rs:3:5: ' '$TMP/cycle2.out' && grep -q '^cycle/src/b\.rs:4:5: ' '$TMP/cycle2.out'"
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
check "clean: the binary's log passed through with --verbose" grep -q '^indexed ' "$TMP/clean.err"

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
check "a binary that fails at once: exit 2" [ $? = 2 ]
timeout 30 python3 "$LINT" --no-such-option >/dev/null 2>&1
check "an unknown option: exit 2" [ $? = 2 ]
check "--help: exit 0" timeout 30 python3 "$LINT" --help >/dev/null
check "the script is executable with a python3 shebang" \
    bash -c "[ -x '$LINT' ] && head -1 '$LINT' | grep -qx '#!/usr/bin/env python3'"

# ---- a rules file (tests/fixtures/lint_rules/parseltongue.toml) -------------------------
# By hand, from the fixture's source and rules (layers app > domain > infra;
# crates under crates/core* must not depend on tokio; unused-pub with api = root):
#   crates/core_model/Cargo.toml:8   tokio declared            [core-no-async], error
#   src/infra/db.rs:1 and :3         infra uses domain::Order  [layer-violation], error (twice)
#   src/app/a.rs:4, src/app/b.rs:4   a::ping ⇄ b::pong calls   [module-cycle], warning
#   src/app/mod.rs:4                 pub fn run, never used    [unused-pub]
#   src/domain/rules.rs:7            pub fn never_called       [unused-pub]
# and nothing else: domain ⇄ domain::rules is a parent/child pair (no cycle), the
# allow(unused-pub) with a reason in src/infra/db.rs suppresses legacy_save,
# crates/edge may use tokio, the crates' root fns are their interface.
cp -r "$ROOT/tests/fixtures/lint_rules" "$TMP/rules"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" --server "$BIN" --db "$TMP/db-rules" --sarif "$TMP/rules.sarif" . \
    >"$TMP/rules.out" 2>"$TMP/rules.err")
rc=$?
check "rules: exit 1 (errors and warnings fail)" [ "$rc" = 1 ]
expect_rules() { # the file:line [rule] list of the output
    sed -E 's/^([^:]+:[0-9]+):[0-9]+: [a-z]+: .* \[([^]]+)\]$/\1 \2/' "$1" | sort
}
cat >"$TMP/rules.want" <<'EOF'
crates/core_model/Cargo.toml:8 core-no-async
src/app/a.rs:4 module-cycle
src/app/b.rs:4 module-cycle
src/app/mod.rs:4 unused-pub
src/domain/rules.rs:7 unused-pub
src/infra/db.rs:1 layer-violation
src/infra/db.rs:3 layer-violation
EOF
check "rules: exactly the findings written by hand" diff <(expect_rules "$TMP/rules.out") "$TMP/rules.want"
diff <(expect_rules "$TMP/rules.out") "$TMP/rules.want" >/dev/null || cat "$TMP/rules.out"
check "rules: severities from the rules file" \
    bash -c "grep -q '^src/infra/db.rs:3:17: error: crate::infra is below crate::domain: ' '$TMP/rules.out' && grep -q '^crates/core_model/Cargo.toml:8:1: error: core crates stay synchronous: crate core_model depends on tokio' '$TMP/rules.out'"
check "rules: one suppressed (with its reason), counted in the summary" grep -q '7 failing, 7 new, 0 in the baseline, 1 suppressed' "$TMP/rules.err"
python3 - "$TMP/rules.sarif" "$ROOT/lint/README.md" <<'EOF' && ok "rules: SARIF rules with names and help, fingerprints, the suppression and its reason" || bad "rules: SARIF rules with names and help, fingerprints, the suppression and its reason"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
assert {"module-cycle", "layer-violation", "core-no-async", "unused-pub"} <= set(rules), rules.keys()
for r in rules.values():
    anchor = r["helpUri"].rsplit("#", 1)[1]
    assert r["name"] and r["shortDescription"]["text"] and r["helpUri"].startswith("file://"), r
    assert '<a id="%s"></a>' % anchor in open(sys.argv[2], encoding="utf-8").read(), anchor
assert run["tool"]["driver"]["informationUri"]
res = run["results"]
assert len(res) == 8, len(res)
fps = [r["partialFingerprints"]["parseltongue/v1"] for r in res]
assert len(set(fps)) == 8 and all(len(f) == 32 for f in fps), fps
sup = [r for r in res if r.get("suppressions")]
assert len(sup) == 1 and "migration tool" in sup[0]["suppressions"][0]["justification"], sup
assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in res)
EOF

# parent-child = "report" brings the domain ⇄ domain::rules cycle back
printf '[cycles]\nparent-child = "report"\n' >"$TMP/pc.toml"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --config "$TMP/pc.toml" . >"$TMP/pc.out" 2>&1)
check "rules: parent-child = \"report\": the domain ⇄ domain::rules cycle" \
    bash -c "grep -q '^src/domain/rules.rs:1:5: warning: module dependency cycle: layered::domain::rules → layered::domain → layered::domain::rules' '$TMP/pc.out' && grep -q '^src/domain/mod.rs:.*layered::domain → layered::domain::rules' '$TMP/pc.out'"
printf '[cycles]\nbudget = 1\n' >"$TMP/budget.toml"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --config "$TMP/budget.toml" . >"$TMP/budget.out" 2>&1)
check "rules: a cycle budget of 1 lets the one cycle pass (exit 0, still printed)" \
    bash -c "[ $? = 0 ] && grep -q 'module-cycle' '$TMP/budget.out'"
printf '[cycles]\nbogus = 1\n' >"$TMP/typo.toml"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --config "$TMP/typo.toml" . >"$TMP/typo.out" 2>&1)
check "rules: an unknown key is an error (exit 2) that names it" bash -c "[ $? = 2 ] && grep -q \"unknown key 'bogus'\" '$TMP/typo.out'"

# ---- baseline: an unrelated edit keeps the old findings known; a new one fails ----------
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --write-baseline "$TMP/base.json" . >/dev/null 2>&1)
check "baseline: --write-baseline exits 0 and records 7 findings" \
    bash -c "[ $? = 0 ] && python3 -c \"import json,sys; sys.exit(len(json.load(open('$TMP/base.json'))['findings']) != 7)\""
# unrelated edits: lines added above every finding of two files
sed -i '1i // a comment that moves everything below it\n' "$TMP/rules/src/infra/db.rs" "$TMP/rules/src/app/a.rs"
# the new finding: one more public fn nothing uses
printf '\npub fn brand_new() -> u8 {\n    9\n}\n' >>"$TMP/rules/src/domain/rules.rs"
(cd "$TMP/rules" && GITHUB_ACTIONS= timeout 60 python3 "$LINT" --server "$BIN" --db "$TMP/db-rules" --baseline "$TMP/base.json" \
    --sarif "$TMP/base.sarif" . >"$TMP/base.out" 2>"$TMP/base.err")
rc=$?
check "baseline: exit 1 for the new finding" [ "$rc" = 1 ]
check "baseline: only the new finding is printed" \
    bash -c "[ \$(wc -l <'$TMP/base.out') = 1 ] && grep -q '^src/domain/rules.rs:11:8: warning: public function layered::domain::rules::brand_new is never used in the workspace \[unused-pub\]$' '$TMP/base.out'"
check "baseline: the summary counts 7 known, 1 new" grep -q '1 failing, 1 new, 7 in the baseline' "$TMP/base.err"
check "baseline: SARIF marks 1 new and 7 unchanged" python3 -c "
import json, sys, collections
r = json.load(open('$TMP/base.sarif'))['runs'][0]['results']
c = collections.Counter(x.get('baselineState') for x in r if not x.get('suppressions'))
sys.exit(c != {'new': 1, 'unchanged': 7})"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --baseline "$TMP/base.json" --show-baselined . >"$TMP/all.out" 2>&1)
check "baseline: --show-baselined prints all 8" [ "$(grep -c '\]$' "$TMP/all.out")" = 8 ]

# ---- a suppression without a reason does not suppress, and is reported --------------------
sed -i 's|^pub fn brand_new|// parseltongue: allow(unused-pub)\npub fn brand_new|' "$TMP/rules/src/domain/rules.rs"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --baseline "$TMP/base.json" . >"$TMP/noreason.out" 2>&1)
check "suppression without a reason: still reported, plus bad-suppression" \
    bash -c "grep -q 'brand_new is never used' '$TMP/noreason.out' && grep -q '^src/domain/rules.rs:11:1: warning: this allow(unused-pub) has no reason.*\[bad-suppression\]' '$TMP/noreason.out'"
sed -i 's|allow(unused-pub)$|allow(unused-pub) generated bindings call it|' "$TMP/rules/src/domain/rules.rs"
(cd "$TMP/rules" && timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-rules" --baseline "$TMP/base.json" . >"$TMP/reason.out" 2>&1)
check "suppression with a reason: exit 0, nothing printed" bash -c "[ $? = 0 ] && [ ! -s '$TMP/reason.out' ]"

# ---- GitHub Actions annotations ------------------------------------------------------------
(cd "$TMP/cycle" && GITHUB_ACTIONS=true timeout 60 python3 "$LINT" -q --server "$BIN" --db "$TMP/db-cycle" . >"$TMP/gh.out" 2>&1)
check "GITHUB_ACTIONS=true: ::warning annotations with file, line, col, title" \
    grep -qE '^::warning file=src/a\.rs,line=3,col=5,endLine=3,endColumn=19,title=module-cycle::module dependency cycle%3A|^::warning file=src/a\.rs,line=3,col=5,endLine=3,endColumn=19,title=module-cycle::module dependency cycle: ' "$TMP/gh.out"

check "no sanitizer report from the binary (-v runs)" \
    bash -c "! grep -lE 'Sanitizer|runtime error' '$TMP/cycle.err' '$TMP/clean.err'"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
