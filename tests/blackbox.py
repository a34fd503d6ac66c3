#!/usr/bin/env python3
"""Black-box tests of the parseltongue binary.

Usage: python3 tests/blackbox.py path/to/parseltongue [--only SUBSTRING] [--keep]

Drives the real binary the way a user or CI does: `onboard` each fixture of
tests/fixtures/ into a temporary database, runs the queries listed in the
fixture's expected.json with --json and compares the answers with the
hand-checked expectations (see tests/README.md for the format), then checks
the CLI's behaviour: exit codes, messages, human output, storage commands,
snapshot/restore, damaged databases, the broken fixture, re-onboarding.

Prints one line per check ("ok ID" or "FAIL ID: why" followed by a diff) and
ends with "N passed, M failed". Exit status 0 only when M == 0.
Python 3 standard library only.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
QUERY_TIMEOUT = 60
ONBOARD_TIMEOUT = 300

# The contract's summary, with the optional extra counts this build prints:
# "indexed N files (C changed, A added, D deleted[, S skipped][, E with syntax
# errors]), X entities, R edges in T s". An onboard that finds nothing to do
# may say "up to date: N files, 0 changed, X entities, R edges".
SUMMARY_RE = re.compile(
    r"(?:indexed|up to date:) (\d+) files? \((\d+) changed, (\d+) added, (\d+) deleted"
    r"(?:, (\d+) skipped)?(?:, (\d+) with syntax errors?)?[^)]*\), "
    r"(\d+) entit(?:y|ies), (\d+) edges?")
UPTODATE_RE = re.compile(
    r"up to date: (\d+) files?, (\d+) changed, (\d+) entit(?:y|ies), (\d+) edges?")


class Runner:
    def __init__(self, binary, only=None):
        self.bin = binary
        self.only = only
        self.passed = 0
        self.failed = 0
        self.failures = []

    def wanted(self, cid):
        return self.only is None or self.only in cid

    def ok(self, cid):
        self.passed += 1
        print("ok %s" % cid, flush=True)

    def fail(self, cid, why, diff=None):
        self.failed += 1
        self.failures.append(cid)
        print("FAIL %s: %s" % (cid, why), flush=True)
        for line in diff or []:
            print("    " + line, flush=True)

    def check(self, cid, cond, why, diff=None):
        if cond:
            self.ok(cid)
        else:
            self.fail(cid, why, diff)
        return cond

    def run(self, args, cwd=None, env=None, timeout=QUERY_TIMEOUT):
        """Run the binary; returns (rc, stdout, stderr). rc is None on timeout."""
        full_env = dict(os.environ)
        full_env.pop("PARSELTONGUE_DB", None)
        if env:
            full_env.update(env)
        try:
            p = subprocess.run([self.bin] + args, cwd=cwd, env=full_env,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            err = (e.stderr or b"").decode("utf-8", "replace")
            return None, out, err + "\n[timed out after %ss]" % timeout
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))


def describe_rc(rc):
    if rc is None:
        return "timed out"
    if rc < 0:
        return "killed by signal %d (crash)" % -rc
    return "exit %d" % rc


def short(s, n=400):
    s = s.strip()
    return s if len(s) <= n else s[:n] + "..."


# --- comparing answers ------------------------------------------------------

def site_key(site, keys):
    return tuple(site.get(k) for k in keys)


def value_match(key, want, got):
    if key == "sites":
        if not isinstance(got, list):
            return False
        keys = sorted({k for s in want for k in s}) or ["file", "line"]
        return ({site_key(s, keys) for s in want} ==
                {site_key(s, keys) for s in got if isinstance(s, dict)})
    if isinstance(want, list):
        if not isinstance(got, list):
            return False
        if all(isinstance(x, str) for x in want):
            return sorted(set(want)) == sorted(set(got)) and len(got) == len(set(got))
        return want == got
    if isinstance(want, bool) or want is None:
        return got is want
    if isinstance(want, int):
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    return got == want


def elem_match(want, got):
    if not isinstance(got, dict):
        return False
    for k, v in want.items():
        if k not in got and not (v is None):
            return False
        if not value_match(k, v, got.get(k)):
            return False
    return True


def max_matching(expect, results):
    """Bipartite matching expected elements -> results. Returns (pairs, free_e, free_r)."""
    cand = [[j for j, r in enumerate(results) if elem_match(e, r)] for e in expect]
    owner = {}

    def augment(i, seen):
        for j in cand[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    order = sorted(range(len(expect)), key=lambda i: len(cand[i]))
    for i in order:
        augment(i, set())
    matched_e = set(owner.values())
    free_e = [i for i in range(len(expect)) if i not in matched_e]
    free_r = [j for j in range(len(results)) if j not in owner]
    return owner, free_e, free_r


def ignored(result, patterns):
    for pat in patterns or []:
        hit = True
        for k, v in pat.items():
            if k == "path_re":
                if not re.search(v, str(result.get("path", ""))):
                    hit = False
            elif k not in result and v is None:
                continue
            elif result.get(k, "<absent>") != v:
                hit = False
            if not hit:
                break
        if hit:
            return True
    return False


def fmt_result(r, keys):
    if not isinstance(r, dict):
        return repr(r)
    shown = {}
    for k in keys:
        if k in r:
            v = r[k]
            if k == "sites" and isinstance(v, list):
                v = ["%s:%s:%s" % (s.get("file"), s.get("line"), s.get("column")) for s in v]
            shown[k] = v
    if not shown:
        shown = r
    return json.dumps(shown, sort_keys=True)


def compare(expect, results, mode):
    """Returns a list of diff lines; empty when the answer is right."""
    owner, free_e, free_r = max_matching(expect, results)
    keys = []
    for e in expect:
        for k in e:
            if k not in keys:
                keys.append(k)
    for k in ("for", "path", "name", "kind", "file", "line"):
        if k not in keys:
            keys.append(k)
    diff = []
    for i in free_e:
        diff.append("missing:    " + json.dumps(expect[i], sort_keys=True))
        # show the closest results (same path/name) to make the diff readable
        for r in results:
            if isinstance(r, dict) and any(
                    expect[i].get(k) is not None and r.get(k) == expect[i].get(k)
                    for k in ("path", "name")):
                diff.append("  got near: " + fmt_result(r, keys))
    if mode == "exact":
        for j in free_r:
            diff.append("unexpected: " + fmt_result(results[j], keys))
    if free_e and not any(x.startswith("  got near") for x in diff) and 0 < len(results) <= 8:
        for r in results:
            diff.append("  got:      " + fmt_result(r, keys))
    return diff


# --- fixtures -----------------------------------------------------------------

def copy_fixture(name, dest):
    src = os.path.join(FIXTURES, name)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(
        "expected.json", "target", "Cargo.lock", ".cache"))
    return dest


def parse_summary(stderr):
    m = None
    for m in SUMMARY_RE.finditer(stderr):
        pass
    if m:
        f, c, a, d, sk, se, e, r = (None if x is None else int(x) for x in m.groups())
        return {"files": f, "changed": c, "added": a, "deleted": d, "skipped": sk,
                "syntax_errors": se, "entities": e, "edges": r}
    m = None
    for m in UPTODATE_RE.finditer(stderr):
        pass
    if m:
        f, c, e, r = (int(x) for x in m.groups())
        return {"files": f, "changed": c, "added": 0, "deleted": 0, "skipped": None,
                "syntax_errors": None, "entities": e, "edges": r}
    return None


def accepted_file_counts(ob):
    """The onboard summary may count only the Rust files it indexed, or also
    the Cargo.toml manifests it tracks and the files it skipped."""
    r = ob["rust_files"]
    m = ob.get("manifests", 0)
    s = ob.get("skipped", 0)
    return sorted({r, r + m, r + s, r + m + s})


def onboard(R, cid, tree, db, extra=None):
    rc, out, err = R.run(["onboard", tree, "--db", db] + (extra or []), timeout=ONBOARD_TIMEOUT)
    summ = parse_summary(err)
    ok = rc == 0
    R.check(cid, ok, "onboard failed (%s)" % describe_rc(rc), ["stderr: " + short(err, 2000)])
    return rc, err, summ


def run_query_json(R, db, query, target, args, cwd):
    cmd = ["query", query]
    if target is not None:
        cmd.append(target)
    cmd += list(args or []) + ["--json", "--db", db]
    rc, out, err = R.run(cmd, cwd=cwd)
    doc = None
    if rc == 0:
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
    return cmd, rc, out, err, doc


def export_json(R, db, cwd=None):
    rc, out, err = R.run(["export", "--format", "json", "--db", db], cwd=cwd)
    if rc != 0:
        return rc, None, err
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, "export output is not JSON: " + short(out)


def run_expected_checks(R, name, tree, db):
    spec = json.load(open(os.path.join(FIXTURES, name, "expected.json"), encoding="utf-8"))
    export_cache = None
    for chk in spec["checks"]:
        cid = "%s/%s" % (name, chk["id"]) if not chk["id"].startswith(name + "/") else chk["id"]
        if not R.wanted(cid):
            continue
        want_rc = chk.get("exit", 0)
        if chk["query"] in ("export-entities", "export-edges"):
            if export_cache is None:
                export_cache = export_json(R, db, cwd=tree)
            rc, doc, err = export_cache
            part = chk["query"][len("export-"):]
            if rc != 0 or not isinstance(doc, dict) or not isinstance(doc.get(part), list):
                R.fail(cid, "export --format json failed (%s)" % describe_rc(rc), [short(err)])
                continue
            results = doc[part]
            cmd = ["export", "--format", "json"]
        else:
            cmd, rc, out, err, doc = run_query_json(R, db, chk["query"], chk.get("target"),
                                                    chk.get("args"), tree)
            if rc != want_rc:
                R.fail(cid, "`%s` gave %s, expected exit %d" % (" ".join(cmd[:-2]), describe_rc(rc), want_rc),
                       ["stderr: " + short(err), "stdout: " + short(out)])
                continue
            if want_rc != 0:
                R.ok(cid)
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
                R.fail(cid, "output is not {\"results\": [...]} JSON", ["stdout: " + short(out)])
                continue
            if doc.get("query") != chk["query"]:
                R.fail(cid, "\"query\" field is %r, expected %r" % (doc.get("query"), chk["query"]))
                continue
            results = doc["results"]
        results = [r for r in results if not ignored(r, chk.get("ignore"))]
        diff = compare(chk["expect"], results, chk.get("match", "exact"))
        if diff:
            R.fail(cid, "`%s %s` answer differs (%d expected, %d got)" % (
                " ".join(cmd[:3]), " ".join(chk.get("args", [])),
                len(chk["expect"]), len(results)), diff)
        else:
            R.ok(cid)
    return spec


# --- CLI behaviour ------------------------------------------------------------

def cli_checks(R, tmp, ws_tree, ws_db):
    spec = json.load(open(os.path.join(FIXTURES, "ws1", "expected.json"), encoding="utf-8"))
    counts = accepted_file_counts(spec["onboard"])

    # no such path
    rc, out, err = R.run(["onboard", os.path.join(tmp, "no", "such", "dir"), "--db",
                          os.path.join(tmp, "db-nopath")])
    R.check("cli/onboard-missing-path", rc is not None and rc > 0 and err.strip() != "",
            "expected a non-zero exit and a message on stderr, got %s" % describe_rc(rc),
            ["stderr: " + short(err)])

    # unknown query kind
    rc, out, err = R.run(["query", "no-such-kind", "foo", "--db", ws_db], cwd=ws_tree)
    R.check("cli/unknown-query-kind-exit-2", rc == 2,
            "expected exit 2, got %s" % describe_rc(rc), ["stderr: " + short(err)])

    # no subcommand / unknown subcommand
    rc, out, err = R.run(["frobnicate"], cwd=ws_tree)
    R.check("cli/unknown-command-exit-2", rc == 2,
            "expected exit 2, got %s" % describe_rc(rc), ["stderr: " + short(err)])

    # unknown export format
    rc, out, err = R.run(["export", "--format", "yaml", "--db", ws_db], cwd=ws_tree)
    R.check("cli/unknown-export-format-exit-2", rc == 2,
            "expected exit 2, got %s" % describe_rc(rc), ["stderr: " + short(err)])

    # usage errors
    for args, what in ((["query", "callers"], "missing target"),
                       (["query", "find-cycles", "--level", "galaxy"], "bad --level"),
                       (["query", "blast-radius", "geom::util::square", "--depth", "deep"], "bad --depth"),
                       (["query", "callers", "norm", "--no-such-flag"], "unknown flag"),
                       (["storage", "frobnicate"], "unknown storage command")):
        rc, out, err = R.run(args + ["--db", ws_db], cwd=ws_tree)
        R.check("cli/usage-error-exit-2 (%s)" % what, rc == 2 and err.strip() != "",
                "`%s`: expected exit 2 with a message, got %s" % (" ".join(args), describe_rc(rc)),
                ["stderr: " + short(err)])

    # target not found
    rc, out, err = R.run(["query", "callers", "NoSuchEntityAnywhere", "--json", "--db", ws_db], cwd=ws_tree)
    R.check("cli/target-not-found-exit-3", rc == 3,
            "expected exit 3, got %s" % describe_rc(rc), ["stderr: " + short(err), "stdout: " + short(out)])
    rc, out, err = R.run(["query", "where-defined", "geom/src/point.rs:999", "--json", "--db", ws_db], cwd=ws_tree)
    R.check("cli/file-line-beyond-end-exit-3", rc == 3,
            "expected exit 3, got %s" % describe_rc(rc), ["stderr: " + short(err), "stdout: " + short(out)])

    # --db pointing at a regular file
    afile = os.path.join(tmp, "not-a-dir")
    with open(afile, "w") as f:
        f.write("just a file\n")
    rc, out, err = R.run(["query", "callers", "norm", "--db", afile], cwd=ws_tree)
    R.check("cli/db-is-a-file-exit-4", rc == 4 and err.strip() != "",
            "expected exit 4 with a message, got %s" % describe_rc(rc), ["stderr: " + short(err)])
    R.check("cli/db-is-a-file-message", ("not-a-dir" in err or "directory" in err.lower()),
            "the message should name the path or say it is not a directory", ["stderr: " + short(err)])
    rc, out, err = R.run(["onboard", ws_tree, "--db", afile])
    R.check("cli/onboard-db-is-a-file-exit-4", rc == 4 and err.strip() != "",
            "expected exit 4 with a message, got %s" % describe_rc(rc), ["stderr: " + short(err)])

    # --db missing (queries never create a database)
    missing = os.path.join(tmp, "db-missing")
    rc, out, err = R.run(["query", "callers", "norm", "--db", missing], cwd=ws_tree)
    R.check("cli/db-missing-exit-4", rc == 4 and err.strip() != "",
            "expected exit 4 with a message, got %s" % describe_rc(rc), ["stderr: " + short(err)])
    R.check("cli/db-missing-not-created", not os.path.exists(os.path.join(missing, "data.mdb")),
            "a query created a database at " + missing)

    # human output has file:line
    rc, out, err = R.run(["query", "where-defined", "Circle", "--db", ws_db], cwd=ws_tree)
    R.check("cli/human-where-defined-file-line", rc == 0 and "shapes/src/shape/circle.rs:6" in out,
            "expected `shapes/src/shape/circle.rs:6` in the output (%s)" % describe_rc(rc),
            ["stdout: " + short(out), "stderr: " + short(err)])
    rc, out, err = R.run(["query", "callers", "Point::norm", "--db", ws_db], cwd=ws_tree)
    R.check("cli/human-callers-file-line",
            rc == 0 and "geom/src/point.rs:23" in out and "shapes/src/shape/circle.rs:20" in out
            and "geom::point::Point::distance" in out,
            "expected the callers with path and file:line (point.rs:23, circle.rs:20)",
            ["stdout: " + short(out), "stderr: " + short(err)])
    R.check("cli/human-output-not-json", rc == 0 and not out.lstrip().startswith("{"),
            "default output should be human-readable, not JSON", ["stdout: " + short(out)])

    # --limit
    rc, out, err = R.run(["query", "search", "area", "--limit", "2", "--json", "--db", ws_db], cwd=ws_tree)
    try:
        n = len(json.loads(out)["results"]) if rc == 0 else -1
    except (ValueError, KeyError, TypeError):
        n = -1
    R.check("cli/search-limit", 1 <= n <= 2, "expected 1..2 results with --limit 2, got %d (%s)" % (n, describe_rc(rc)),
            ["stdout: " + short(out)])

    # generate-context
    rc, out, err = R.run(["query", "generate-context", "Circle::offset", "--tokens", "400", "--json",
                          "--db", ws_db], cwd=ws_tree)
    why = None
    try:
        doc = json.loads(out)
        if not isinstance(doc.get("text"), str) or "offset" not in doc["text"]:
            why = "\"text\" should be a string mentioning offset"
        elif not isinstance(doc.get("tokens"), int) or not 0 < doc["tokens"] <= 400:
            why = "\"tokens\" should be an int in 1..400, got %r" % doc.get("tokens")
        elif not doc.get("results") or doc["results"][0].get("path") != "shapes::shape::circle::Circle::offset":
            why = "results[0].path should be shapes::shape::circle::Circle::offset"
    except (ValueError, AttributeError, TypeError, KeyError, IndexError):
        why = "not JSON (%s)" % describe_rc(rc)
    R.check("cli/generate-context", rc == 0 and why is None, why or describe_rc(rc),
            ["stdout: " + short(out, 800), "stderr: " + short(err)])

    over = []
    for budget in (20, 60):
        rc, out, err = R.run(["query", "generate-context", "Circle::offset", "--tokens", str(budget), "--json",
                              "--db", ws_db], cwd=ws_tree)
        try:
            got = json.loads(out).get("tokens")
        except (ValueError, AttributeError):
            got = None
        if rc != 0 or not isinstance(got, int) or got > budget:
            over.append("--tokens %d: %s, tokens %r" % (budget, describe_rc(rc), got))
    R.check("cli/generate-context-budget", not over, "the context must fit the --tokens budget", over)

    # storage status --json
    rc, out, err = R.run(["storage", "status", "--json", "--db", ws_db], cwd=ws_tree)
    status = None
    try:
        status = json.loads(out)
    except ValueError:
        pass
    good = (rc == 0 and isinstance(status, dict) and
            all(isinstance(status.get(k), int) for k in ("files", "entities", "edges")))
    R.check("cli/storage-status-json", good,
            "expected JSON with integer files/entities/edges (%s)" % describe_rc(rc), ["stdout: " + short(out)])
    if good:
        R.check("cli/storage-status-counts", status["files"] in counts and status["entities"] >= 100
                and status["edges"] >= 100,
                "expected files in %s (with or without the Cargo.toml files), entities >= 100, edges >= 100; got %r" % (
                    counts,
                    {k: status[k] for k in ("files", "entities", "edges")}))

    # --jobs does not change the graph
    dbj1 = os.path.join(tmp, "db-jobs1")
    dbj8 = os.path.join(tmp, "db-jobs8")
    rc1, _, e1 = R.run(["onboard", ws_tree, "--db", dbj1, "--jobs", "1"], timeout=ONBOARD_TIMEOUT)
    rc8, _, e8 = R.run(["onboard", ws_tree, "--db", dbj8, "--jobs", "8"], timeout=ONBOARD_TIMEOUT)
    x1 = export_json(R, dbj1)[1] if rc1 == 0 else None
    x8 = export_json(R, dbj8)[1] if rc8 == 0 else None
    xr = export_json(R, ws_db)[1]
    R.check("cli/jobs-1-vs-8-same-graph", x1 is not None and normalise(x1) == normalise(x8) == normalise(xr),
            "onboard --jobs 1 / --jobs 8 / default give different graphs (%s, %s)" % (describe_rc(rc1), describe_rc(rc8)),
            ["stderr: " + short(e1 + e8)])
    rc, o1, _ = R.run(["export", "--format", "json", "--db", ws_db])
    rc, o2, _ = R.run(["export", "--format", "json", "--db", ws_db])
    R.check("cli/export-deterministic", o1 == o2 and o1.strip() != "", "two exports of the same db differ")

    # storage verify
    rc, out, err = R.run(["storage", "verify", "--db", ws_db], cwd=ws_tree)
    R.check("cli/storage-verify", rc == 0, "storage verify: %s" % describe_rc(rc),
            ["stdout: " + short(out), "stderr: " + short(err)])

    # workspace discovery and PARSELTONGUE_DB
    probe = ["query", "callers", "Point::norm", "--json"]
    rc0, ref_out, _ = R.run(probe + ["--db", ws_db], cwd=ws_tree)
    ref = answers(ref_out)
    rc, out, err = R.run(probe, cwd=ws_tree, env={"PARSELTONGUE_DB": ws_db})
    R.check("cli/env-PARSELTONGUE_DB", rc == 0 and bool(ref) and answers(out) == ref,
            "query with PARSELTONGUE_DB should answer as with --db (%s)" % describe_rc(rc),
            ["stderr: " + short(err)])

    disc = copy_fixture("ws1", os.path.join(tmp, "ws1-discovery"))
    rc, out, err = R.run(["onboard", "--quiet"], cwd=disc, timeout=ONBOARD_TIMEOUT)
    R.check("cli/onboard-default-db", rc == 0 and os.path.isdir(os.path.join(disc, ".cache", "parseltongue")),
            "onboard in a workspace without --db should create .cache/parseltongue/ (%s)" % describe_rc(rc),
            ["stderr: " + short(err)])
    # what onboard just committed is stamped as checked (data.mdb's device,
    # inode, size and time), so the next command does not check it again
    dbdir = os.path.join(disc, ".cache", "parseltongue")
    try:
        with open(os.path.join(dbdir, "checked")) as f:
            stamp = f.read().split()
        st = os.stat(os.path.join(dbdir, "data.mdb"))
        want = [str(st.st_dev), str(st.st_ino), str(st.st_size)]
        stamped = stamp[:3] == want
    except OSError as e:
        stamp, want, stamped = str(e), "", False
    R.check("cli/onboard-stamps-its-commit", stamped,
            "after onboard, .cache/parseltongue/checked should name data.mdb",
            ["stamp: %s" % (stamp,), "data.mdb: %s" % (want,)])
    rc, out, err = R.run(probe, cwd=os.path.join(disc, "geom", "src", "vector"))
    R.check("cli/query-discovers-db-from-subdir", rc == 0 and answers(out) == ref and bool(ref),
            "query from geom/src/vector without --db should find the workspace db (%s)" % describe_rc(rc),
            ["stderr: " + short(err), "stdout: " + short(out)])
    rc, out, err = R.run(["query", "callers", "norm"], cwd=tmp)
    R.check("cli/query-no-db-found-exit-4", rc == 4 and err.strip() != "",
            "query outside any workspace without --db: expected exit 4 with a message, got %s" % describe_rc(rc),
            ["stderr: " + short(err)])

    # snapshot -> restore -> same answers
    snap = os.path.join(tmp, "ws1.snapshot")
    rc, out, err = R.run(["storage", "snapshot", snap, "--db", ws_db], cwd=ws_tree)
    R.check("cli/snapshot", rc == 0 and os.path.isfile(snap) and os.path.getsize(snap) > 0,
            "storage snapshot: %s" % describe_rc(rc), ["stderr: " + short(err)])
    db2 = os.path.join(tmp, "db-restored")
    rc, out, err = R.run(["storage", "restore", snap, "--db", db2], cwd=ws_tree)
    R.check("cli/restore", rc == 0, "storage restore into a new dir: %s" % describe_rc(rc),
            ["stderr: " + short(err)])
    same = True
    diffs = []
    for q in (["callers", "Point::norm"], ["what-implements", "geom::traits::Area"],
              ["blast-radius", "geom::util::square", "--depth", "10"], ["find-cycles"],
              ["entities-in-file", "shapes/src/iter.rs"]):
        _, a, _ = R.run(["query"] + q + ["--json", "--db", ws_db], cwd=ws_tree)
        _, b, _ = R.run(["query"] + q + ["--json", "--db", db2], cwd=ws_tree)
        if not answers(a) or answers(a) != answers(b):
            same = False
            diffs.append("%s: original %s / restored %s" % (" ".join(q), short(a, 150), short(b, 150)))
    ea = export_json(R, ws_db)[1]
    eb = export_json(R, db2)[1]
    if ea is None or normalise(ea) != normalise(eb):
        same = False
        diffs.append("export --format json differs")
    R.check("cli/restore-same-answers", same, "restored database answers differently", diffs)
    rc, out, err = R.run(["storage", "verify", "--db", db2])
    R.check("cli/restored-verify", rc == 0, "storage verify on the restored db: %s" % describe_rc(rc),
            ["stderr: " + short(err)])
    # restoring a file that is not a snapshot must not destroy the database
    junk = os.path.join(tmp, "junk.snapshot")
    with open(junk, "wb") as f:
        f.write(b"this is not an lmdb file\n" * 100)
    rc, out, err = R.run(["storage", "restore", junk, "--db", db2])
    R.check("cli/restore-junk-refused", rc is not None and rc > 0 and err.strip() != "",
            "restore of a junk file should fail with a message, got %s" % describe_rc(rc), ["stderr: " + short(err)])
    _, b, _ = R.run(["query", "callers", "Point::norm", "--json", "--db", db2])
    R.check("cli/restore-junk-keeps-db", answers(b) == ref and bool(ref),
            "after a refused restore the database should still answer as before", ["stdout: " + short(b)])

    # storage compact keeps the answers
    rc, out, err = R.run(["storage", "compact", "--db", db2])
    _, b, _ = R.run(["query", "callers", "Point::norm", "--json", "--db", db2])
    R.check("cli/compact-keeps-answers", rc == 0 and answers(b) == ref and bool(ref),
            "storage compact: %s, answers after compact differ or fail" % describe_rc(rc),
            ["stderr: " + short(err), "stdout: " + short(b)])
    # storage clean removes it
    rc, out, err = R.run(["storage", "clean", "--db", db2])
    R.check("cli/clean-removes-db", rc == 0 and not os.path.exists(os.path.join(db2, "data.mdb")),
            "storage clean: %s, data.mdb still there?" % describe_rc(rc), ["stderr: " + short(err)])

    # damaged databases
    garbage_db = os.path.join(tmp, "db-garbage")
    os.makedirs(garbage_db)
    rnd = random.Random(7)
    with open(os.path.join(garbage_db, "data.mdb"), "wb") as f:
        f.write(bytes(rnd.randrange(256) for _ in range(65536)))
    for args, cid in ((["query", "callers", "norm"], "cli/garbage-db-query"),
                      (["storage", "status"], "cli/garbage-db-status"),
                      (["storage", "verify"], "cli/garbage-db-verify")):
        rc, out, err = R.run(args + ["--db", garbage_db], cwd=ws_tree)
        R.check(cid, rc == 4 and err.strip() != "",
                "garbage data.mdb: expected exit 4 with a clear message, got %s" % describe_rc(rc),
                ["stderr: " + short(err)])
    empty_db = os.path.join(tmp, "db-empty-file")
    os.makedirs(empty_db)
    open(os.path.join(empty_db, "data.mdb"), "wb").close()
    rc, out, err = R.run(["query", "callers", "norm", "--db", empty_db], cwd=ws_tree)
    R.check("cli/empty-data-mdb", rc is not None and rc > 0 and err.strip() != "",
            "empty data.mdb: expected a failure exit with a message, got %s" % describe_rc(rc),
            ["stderr: " + short(err)])
    trunc_db = os.path.join(tmp, "db-truncated")
    shutil.copytree(ws_db, trunc_db)
    data = os.path.join(trunc_db, "data.mdb")
    with open(data, "r+b") as f:
        f.truncate(min(os.path.getsize(data), 8192 + 100))
    rc, out, err = R.run(["query", "callers", "norm", "--db", trunc_db], cwd=ws_tree)
    R.check("cli/truncated-data-mdb-no-crash", rc is not None and rc >= 0 and (rc == 0 or err.strip() != ""),
            "truncated data.mdb: %s" % describe_rc(rc), ["stderr: " + short(err)])
    rc, out, err = R.run(["onboard", ws_tree, "--db", garbage_db], timeout=ONBOARD_TIMEOUT)
    R.check("cli/onboard-over-garbage-no-crash", rc is not None and rc >= 0 and err.strip() != "",
            "onboard into a garbage db: %s" % describe_rc(rc), ["stderr: " + short(err)])

    # schema mismatch: rewrite the META "schema" value in a copy of the db
    schema_db = os.path.join(tmp, "db-old-schema")
    shutil.copytree(ws_db, schema_db)
    patched = patch_schema(os.path.join(schema_db, "data.mdb"), 999)
    if not patched:
        R.fail("cli/schema-mismatch-query", "could not find the META schema record to simulate an old database")
    else:
        rc, out, err = R.run(["query", "callers", "norm", "--db", schema_db], cwd=ws_tree)
        R.check("cli/schema-mismatch-query", rc == 4 and "schema" in err.lower(),
                "old schema: expected exit 4 and a message about the schema, got %s" % describe_rc(rc),
                ["stderr: " + short(err)])
        rc, out, err = R.run(["onboard", ws_tree, "--db", schema_db], timeout=ONBOARD_TIMEOUT)
        summ = parse_summary(err)
        R.check("cli/schema-mismatch-onboard-rebuilds",
                rc == 0 and ("schema" in err.lower() or "rebuild" in err.lower())
                and summ is not None and summ["files"] in counts and summ["added"] in counts,
                "onboard over an old schema: expected a said-out-loud full rebuild, got %s" % describe_rc(rc),
                ["stderr: " + short(err)])
        _, b, _ = R.run(["query", "callers", "Point::norm", "--json", "--db", schema_db])
        R.check("cli/schema-mismatch-rebuilt-answers", answers(b) == ref and bool(ref),
                "after the rebuild the answers differ", ["stdout: " + short(b)])

    # exports
    rc, out, err = R.run(["export", "--format", "dot", "--db", ws_db])
    R.check("cli/export-dot", rc == 0 and "digraph" in out and "->" in out,
            "export --format dot: %s" % describe_rc(rc), ["stdout: " + short(out)])
    rc, out, err = R.run(["export", "--format", "mermaid", "--db", ws_db])
    R.check("cli/export-mermaid", rc == 0 and ("graph" in out or "flowchart" in out) and "-->" in out,
            "export --format mermaid: %s" % describe_rc(rc), ["stdout: " + short(out)])
    rc, out, err = R.run(["export", "--format", "json", "--query", "callers", "Point::norm", "--db", ws_db])
    why = None
    try:
        doc = json.loads(out)
        paths = {e.get("path") for e in doc["entities"]}
        need = {"geom::point::Point::distance", "shapes::shape::circle::Circle::offset"}
        if not need <= paths:
            why = "the exported subgraph lacks %s" % sorted(need - paths)
        elif "app_cli::report::Blob" in paths:
            why = "the exported subgraph should be the query's, not the whole graph"
    except (ValueError, KeyError, TypeError, AttributeError):
        why = "not the export JSON (%s)" % describe_rc(rc)
    R.check("cli/export-json-query", rc == 0 and why is None, why or describe_rc(rc), ["stdout: " + short(out)])
    ok_edges = False
    rc, doc, err = export_json(R, ws_db)
    if doc:
        es = doc.get("edges", [])
        kinds = {e.get("kind") for e in es}
        ok_edges = {"CONTAINS", "DEFINES", "IMPL", "CALLS", "USES"} <= kinds and all(
            all(k in e for k in ("kind", "from", "to", "file", "line", "column", "ambiguous")) for e in es)
        ents = doc.get("entities", [])
        ok_ents = all(all(k in e for k in ("id", "kind", "name", "path", "file", "line", "column",
                                             "end_line", "end_column", "signature")) for e in ents)
        lacking = sorted({"%s %s lacks %s" % (e.get("kind"), e.get("path"), ",".join(
            k for k in ("id", "kind", "name", "path", "file", "line", "column", "end_line", "end_column",
                        "signature") if k not in e)) for e in ents
            if not all(k in e for k in ("id", "kind", "name", "path", "file", "line", "column",
                                        "end_line", "end_column", "signature"))})
        R.check("cli/export-json-entity-fields", ok_ents and len(ents) > 0,
                "every exported entity must have id/kind/name/path/file/line/column/end_line/end_column/signature",
                lacking[:15])
        sig = [e for e in ents if e.get("path") == "geom::vector::Vec2::norm"]
        R.check("cli/export-json-signature", len(sig) == 1 and
                re.sub(r"\s+", " ", str(sig[0].get("signature"))).strip() == "pub fn norm(&self) -> f64",
                "signature of Vec2::norm should be `pub fn norm(&self) -> f64`, got %r" % (
                    sig[0].get("signature") if sig else None))
        R.check("cli/export-json-edge-kinds", ok_edges,
                "edges must carry kind/from/to/file/line/column/ambiguous and cover all five relations; kinds: %s"
                % sorted(str(k) for k in kinds))
        kind_of = {e.get("path"): e.get("kind") for e in ents}
        bad_uses = sorted({"%s -> %s (%s)" % (e.get("from"), e.get("to"), kind_of.get(e.get("to")))
                           for e in es if e.get("kind") == "USES" and kind_of.get(e.get("to")) not in
                           ("struct", "enum", "union", "trait", "type_alias", "const", "static",
                            "variant")})
        R.check("cli/export-json-uses-targets", not bad_uses,
                "USES edges must point at a type, trait, const, static or enum variant (contract); %d do not"
                % len(bad_uses),
                bad_uses[:12])
        parents = {}
        for e in es:
            if e.get("kind") == "CONTAINS":
                parents.setdefault(e.get("to"), []).append(e.get("from"))
        orphans = sorted("%s %s: %s" % (e.get("kind"), e.get("path"), parents.get(e.get("path")))
                         for e in ents if e.get("file") and e.get("kind") != "crate"
                         and len(parents.get(e.get("path"), [])) != 1
                         and not re.search(r"<impl [^>]*>$", str(e.get("path"))))
        R.check("cli/export-json-contains-tree", not orphans,
                "every entity but crates must have exactly one CONTAINS parent", orphans[:12])
        calls = {(e.get("from"), e.get("to")) for e in es if e.get("kind") == "CALLS"}
        R.check("cli/export-json-calls-edge", ("geom::cycle_a::ping", "geom::cycle_b::pong") in calls
                and ("geom::point::Point::norm", "geom::point::Point::sum_sq") in calls,
                "expected CALLS edges ping->pong and Point::norm->Point::sum_sq")
    else:
        R.fail("cli/export-json", "export --format json failed: %s" % short(err))


def answers(out):
    """The comparable part of a --json answer (results, order-free)."""
    try:
        doc = json.loads(out)
    except (ValueError, TypeError):
        return None
    if not isinstance(doc, dict) or "results" not in doc:
        return None
    return sorted(json.dumps(r, sort_keys=True) for r in doc["results"])


def normalise(doc):
    if isinstance(doc, dict):
        return {k: normalise(v) for k, v in doc.items()}
    if isinstance(doc, list):
        items = [normalise(x) for x in doc]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    return doc


def patch_schema(path, new_version):
    """Rewrite the u32 value of the META key "schema" in an LMDB data file.

    LMDB leaf nodes are: u16 lo, u16 hi (data size), u16 flags, u16 key size,
    key bytes, data bytes. Pages carry no checksum, so flipping the value
    simulates a database written by another schema version.
    """
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        count = 0
        for key in (b"schema", b"schema\0"):
            start = 0
            while True:
                i = data.find(key, start)
                if i < 0:
                    break
                start = i + 1
                if i < 8:
                    continue
                lo, hi, flags, ksize = (int.from_bytes(data[i - 8 + 2 * k:i - 6 + 2 * k], "little")
                                        for k in range(4))
                dsize = lo | (hi << 16)
                if ksize != len(key) or dsize not in (4, 8) or flags != 0:
                    continue
                v = i + len(key)
                data[v:v + dsize] = new_version.to_bytes(dsize, "little")
                count += 1
        if count:
            f.seek(0)
            f.write(data)
    return count > 0


# --- fixtures with their own behaviour ---------------------------------------

def fixture_run(R, tmp, name):
    tree = copy_fixture(name, os.path.join(tmp, name))
    db = os.path.join(tmp, "db-" + name)
    spec = json.load(open(os.path.join(FIXTURES, name, "expected.json"), encoding="utf-8"))
    rc, err, summ = onboard(R, "%s/onboard" % name, tree, db)
    if rc != 0:
        return tree, db, False, err
    ob = spec.get("onboard", {})
    if "rust_files" in ob:
        want = accepted_file_counts(ob)
        R.check("%s/onboard-summary-files" % name, summ is not None and summ["files"] in want,
                "expected a summary `indexed N files (...)` on stderr with N in %s" % want,
                ["stderr: " + short(err, 1500)])
        R.check("%s/onboard-summary-counts" % name, summ is not None and summ["changed"] == 0
                and summ["deleted"] == 0 and summ["added"] == summ["files"],
                "a first onboard should report every file as added, none changed or deleted",
                ["stderr: " + short(err, 1500)])
    for key in ("skipped", "syntax_errors"):
        if key in ob and summ is not None and summ.get(key) is not None:
            R.check("%s/onboard-summary-%s" % (name, key.replace("_", "-")), summ[key] == ob[key],
                    "expected %d %s in the summary, got %d" % (ob[key], key.replace("_", " "), summ[key]),
                    ["stderr: " + short(err, 1500)])
    for word in ob.get("stderr_mentions", []):
        R.check("%s/onboard-warns-%s" % (name, word), word in err,
                "the onboard warnings should name %s" % word, ["stderr: " + short(err, 1500)])
    run_expected_checks(R, name, tree, db)
    return tree, db, True, err


def broken_extra(R, tree, db, onboard_err):
    rc, out, err = R.run(["storage", "status", "--json", "--db", db])
    counted = False
    try:
        st = json.loads(out)
        counted = any(re.search(r"warn|error|syntax", k, re.I) and isinstance(v, int) and v >= 2
                      for k, v in flatten(st))
    except ValueError:
        pass
    err2 = onboard_err
    R.check("broken/syntax-errors-counted",
            counted or re.search(r"(\d+) (syntax )?errors?", err2) is not None or "bad.rs" in err2,
            "the syntax errors of src/bad.rs should be counted (status --json or onboard warnings)",
            ["status: " + short(out), "stderr: " + short(err2)])
    rc, out, err = R.run(["query", "entities-in-file", "src/x.rs", "--json", "--db", db])
    empty = rc == 3 or (rc == 0 and answers(out) == [])
    R.check("broken/binary-file-has-no-entities", empty,
            "src/x.rs must be skipped (%s)" % describe_rc(rc), ["stdout: " + short(out)])
    rc, out, err = R.run(["storage", "verify", "--db", db])
    R.check("broken/verify", rc == 0, "storage verify: %s" % describe_rc(rc), ["stderr: " + short(err)])


def reexports_extra(R, tree, db):
    """search tiers and --limit's flag, entities-in-file order, the closest
    names for a target that names nothing (issue 11, points 2 and 10)."""
    rc, out, err = R.run(["query", "search", "get", "--json", "--db", db], cwd=tree)
    try:
        doc = json.loads(out)
        names = [r["name"] for r in doc["results"]]
    except (ValueError, KeyError, TypeError):
        doc, names = {}, []
    tier = [0 if n == "get" else 1 if n.startswith("get") else 2 for n in names]
    R.check("reexports/search-tiers", rc == 0 and tier[:3] == [0, 0, 0] and tier == sorted(tier)
            and "gadget_text" in names and doc.get("truncated") is False,
            "search get: exact names, then prefixes, then fuzzy ones, not cut", ["names: %s" % names])
    rc, out, err = R.run(["query", "search", "get", "--limit", "3", "--json", "--db", db], cwd=tree)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    R.check("reexports/search-limit-truncated", rc == 0 and doc.get("truncated") is True
            and len(doc.get("results", [])) == 3,
            "--limit 3 of 6 hits: 3 results and \"truncated\": true", ["stdout: " + short(out)])
    rc, out, err = R.run(["query", "entities-in-file", "src/getters.rs", "--json", "--db", db], cwd=tree)
    try:
        lines = [r["line"] for r in json.loads(out)["results"]]
    except (ValueError, KeyError, TypeError):
        lines = []
    R.check("reexports/entities-in-file-by-line", rc == 0 and len(lines) >= 8 and lines == sorted(lines),
            "entities-in-file lists the file's entities by line", ["lines: %s" % lines])
    rc, out, err = R.run(["query", "where-defined", "rx::sync::Handle", "--db", db], cwd=tree)
    R.check("reexports/closest-names", rc == 3 and "rx::task::Handle" in err,
            "a target that names nothing exits 3 and names the closest (rx::task::Handle)",
            ["stderr: " + short(err)])


def warnings_checks(R, tmp):
    """The onboard's warning cap says what it held back and how to see it;
    a syntax error's warning says where (issue 11, point 10)."""
    tree = os.path.join(tmp, "many-errors")
    os.makedirs(os.path.join(tree, "src"))
    with open(os.path.join(tree, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "many"\nversion = "0.1.0"\n')
    with open(os.path.join(tree, "src", "lib.rs"), "w") as f:
        f.write("".join("mod m%d;\n" % i for i in range(23)))
    for i in range(23):
        with open(os.path.join(tree, "src", "m%d.rs" % i), "w") as f:
            f.write("pub fn ok() {}\n" * (i % 3) + "pub fn broken( {\n")
    rc, out, err = R.run(["onboard", tree, "--db", os.path.join(tmp, "db-many")])
    shown = [l for l in err.splitlines() if l.startswith("warning: src/")]
    R.check("warnings/cap-says-how-many", rc == 0 and len(shown) == 20
            and "3 more warnings not shown" in err and "--warnings all" in err,
            "20 warnings shown, then how many more and how to see them", ["stderr: " + short(err, 2000)])
    R.check("warnings/syntax-error-line", shown and all(re.search(r"line \d+", l) for l in shown)
            and any("m2.rs: syntax error at line 3" in l for l in shown),
            "each syntax-error warning names the line of the first error (m2.rs: line 3)",
            ["stderr: " + short(err, 2000)])
    rc, out, err = R.run(["onboard", tree, "--full", "--warnings", "all", "--db", os.path.join(tmp, "db-many")])
    shown = [l for l in err.splitlines() if l.startswith("warning: src/")]
    R.check("warnings/all", rc == 0 and len(shown) == 23 and "not shown" not in err,
            "--warnings all shows every warning", ["stderr: " + short(err, 2000)])


def flatten(d, prefix=""):
    if isinstance(d, dict):
        for k, v in d.items():
            yield from flatten(v, prefix + "." + str(k))
    else:
        yield prefix, d


def git_status_check(R, tmp):
    """The default database folder, <workspace>/.cache/parseltongue, holds a
    .gitignore of `*` from its creation: `git status` of a repository where
    onboard ran shows nothing new (nor does `storage clean` leave the folder)."""
    if shutil.which("git") is None:
        R.check("cli/gitignore", False, "git is not installed")
        return
    work = os.path.join(tmp, "gitws")
    shutil.copytree(os.path.join(FIXTURES, "lsp1"), work)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(git + args, cwd=work, check=True, capture_output=True)
    rc, out, err = R.run(["onboard", "."], cwd=work, timeout=ONBOARD_TIMEOUT)
    st = subprocess.run(git + ["status", "--porcelain", "--untracked-files=all"], cwd=work,
                        capture_output=True, text=True).stdout
    gi = os.path.join(work, ".cache", "parseltongue", ".gitignore")
    R.check("cli/gitignore", rc == 0 and st == "" and os.path.exists(gi) and "*" in open(gi).read().split("\n"),
            "after onboard, git status should show nothing: the database folder has a .gitignore of `*`",
            ["git status: " + repr(st), "stderr: " + short(err)])
    rc, out, err = R.run(["storage", "clean"], cwd=work)
    R.check("cli/gitignore-clean", rc == 0 and not os.path.exists(os.path.join(work, ".cache", "parseltongue")),
            "storage clean removes the database folder, .gitignore included", ["stderr: " + short(err)])


def main():
    argv = sys.argv[1:]
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary = os.path.abspath(argv[0])
    only = None
    keep = "--keep" in argv
    if "--only" in argv:
        only = argv[argv.index("--only") + 1]
    if not os.access(binary, os.X_OK):
        print("blackbox.py: %s is not an executable" % binary, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    R = Runner(binary, only)
    tmp = tempfile.mkdtemp(prefix="pt-blackbox-")
    try:
        ws_tree, ws_db, ok, _ = fixture_run(R, tmp, "ws1")
        if ok:
            rc, out, err = R.run(["onboard", ws_tree, "--db", ws_db], timeout=ONBOARD_TIMEOUT)
            s = parse_summary(err)
            R.check("ws1/reonboard-unchanged",
                    rc == 0 and s is not None and (s["changed"], s["added"], s["deleted"]) == (0, 0, 0),
                    "a second onboard of an unchanged tree should report 0 changed, 0 added, 0 deleted",
                    ["stderr: " + short(err)])
            if only is None or only.startswith("cli"):
                cli_checks(R, tmp, ws_tree, ws_db)
                git_status_check(R, tmp)
        fixture_run(R, tmp, "loose")
        fixture_run(R, tmp, "macros")
        b_tree, b_db, ok, b_err = fixture_run(R, tmp, "broken")
        if ok and (only is None or "broken" in only):
            broken_extra(R, b_tree, b_db, b_err)
        r_tree, r_db, ok, _ = fixture_run(R, tmp, "reexports")
        if ok and (only is None or "reexports" in only):
            reexports_extra(R, r_tree, r_db)
        if only is None or "warnings" in only:
            warnings_checks(R, tmp)
    finally:
        if keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (R.passed, R.failed))
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
