#!/usr/bin/env python3
"""tests/reliability/diskfull.py BINARY — disk full, read-only, scribbled databases.

Needs root (it mounts small tmpfs file systems); skips with a message
otherwise. tests/blackbox.py already covers a missing database, another
schema version and a truncated data.mdb for the CLI; this adds:

  disk full   the database on a 2 MB tmpfs: a small workspace indexes;
              a bigger one then fails cleanly (clear message, non-zero
              exit, no crash), the previous committed graph stays readable
              (query, verify, export unchanged); with space back (remount
              bigger) onboard succeeds and gives the clean graph. The
              language server with its database on a full disk keeps
              answering from the last committed graph, says why in stats
              (state "failed", the changes counted pending, never "ready"
              while they are missing) and once in window/showMessage, and
              writes the kept changes by itself when space returns (retried
              with a back-off); a first index that fails on a full disk is
              retried too and ends ready with the clean graph.
  read-only   the database on a read-only mount: queries answer or fail
              with a clear message (exit 4), onboard says it cannot write;
              the server answers from it read-only and says so (stats
              readOnly and error, one window/showMessage).
  missing dir --db naming a path under a regular file.
  scribbled   data.mdb overwritten with random bytes at random places
              (several seeds) and truncated to odd sizes: query, verify
              and export never crash (exit 0 or 4 with a message); onboard
              rebuilds; the language server starts and answers.
Last line: "N passed, M failed".
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (FIXTURES, Client, check, crashed, export_json, init_params, run, summary, uri_of)  # noqa: E402

REGISTRY = "/usr/share/cargo/registry"
BIG = ["regex-syntax-0.6.27", "aho-corasick-0.7.19", "bytes-1.2.1", "clap-3.2.23"]


def sh(*args):
    return subprocess.run(list(args), capture_output=True).returncode


def mount_tmpfs(path, size, ro=False):
    os.makedirs(path, exist_ok=True)
    opts = "size=%s" % size + (",ro" if ro else "")
    return sh("mount", "-t", "tmpfs", "-o", opts, "tmpfs", path) == 0


def umount(path):
    sh("umount", "-l", path)


def msg_ok(rc, err):
    return rc is not None and rc > 0 and err.strip() != "" and not crashed(rc, err)


def test_disk_full(binary, tmp):
    print("disk full", flush=True)
    mnt = os.path.join(tmp, "full")
    if not mount_tmpfs(mnt, "2m"):
        check("disk full: mount a 2 MB tmpfs", False, "mount failed")
        return
    try:
        small = os.path.join(tmp, "small")
        shutil.copytree(os.path.join(FIXTURES, "ws1"), small)
        db = os.path.join(mnt, "db")
        rc, out, err, _ = run(binary, ["onboard", small, "--db", db])
        check("disk full: a small workspace indexes on 2 MB", rc == 0, err[-500:])
        before = export_json(binary, db)
        # the bigger workspace into the same database directory
        big = os.path.join(tmp, "big")
        os.makedirs(big)
        for c in BIG:
            if os.path.isdir(os.path.join(REGISTRY, c)):
                shutil.copytree(os.path.join(REGISTRY, c), os.path.join(big, c), symlinks=True)
        shutil.copytree(small, os.path.join(big, "ws1"))
        rc, out, err, _ = run(binary, ["onboard", big, "--db", db])
        print("  onboard on a full disk: exit %s, stderr: %s" % (rc, err.strip()[-200:]))
        check("disk full: onboard fails cleanly (non-zero exit, message, no crash)", msg_ok(rc, err), (rc, err[-800:]))
        said = err.replace(mnt, "<db>").lower()
        check("disk full: the message says the disk is full", "space" in said or "disk full" in said, err[-400:])
        rc, out, err, _ = run(binary, ["storage", "verify", "--db", db])
        check("disk full: the previous state still verifies", rc == 0, (out + err)[-400:])
        after = export_json(binary, db)
        check("disk full: the previous committed graph is unchanged", after == before and before is not None,
              "export differs or failed")
        rc, out, err, _ = run(binary, ["query", "search", "norm", "--db", db])
        check("disk full: queries still answer", rc == 0 and not crashed(rc, err), err[-300:])

        server_disk_full(binary, tmp, small)

        # space is back: the CLI finishes the big workspace
        sh("mount", "-o", "remount,size=200m", mnt)
        rc, out, err, _ = run(binary, ["onboard", big, "--db", db], timeout=300)
        check("disk full: with space back, onboard succeeds", rc == 0, err[-500:])
        ref = os.path.join(tmp, "ref-db")
        run(binary, ["onboard", big, "--db", ref], timeout=300)
        check("disk full: ... and gives the clean graph", export_json(binary, db) == export_json(binary, ref))
        rc, out, err, _ = run(binary, ["storage", "verify", "--db", db])
        check("disk full: verify after recovery", rc == 0, (out + err)[-300:])
        first_index_recovers(binary, tmp, big, export_json(binary, ref))
    finally:
        umount(mnt)


def server_disk_full(binary, tmp, small):
    """The language server with its database on a full disk: its own 2 MB
    tmpfs, indexed by the CLI (a compact file: edits need new pages), then
    filled up."""
    mnt = os.path.join(tmp, "full-srv")
    if not mount_tmpfs(mnt, "2m"):
        check("disk full (server): mount", False)
        return
    try:
        db = os.path.join(mnt, "db")
        rc, out, err, _ = run(binary, ["onboard", small, "--db", db])
        check("disk full (server): the folder indexes first", rc == 0, err[-300:])

        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        c = Client(binary, ["--db", db], env={"PARSELTONGUE_LSP_SETTLE_MS": "200"})
        c.request("initialize", init_params(small))
        c.notify("initialized", {})
        st = c.wait_ready(60)
        src = os.path.join(small, "geom", "src", "lib.rs")
        if not os.path.exists(src):
            src = sorted(os.path.join(d, f) for d, _, fs in os.walk(small) for f in fs if f.endswith(".rs"))[0]
        text = open(src, encoding="utf-8").read()
        u = uri_of(src)
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "rust", "version": 1,
                                                           "text": text + "\npub fn disk_full_probe() {}\n" * 1}})
        for k in range(30):
            c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2 + k}, "contentChanges": [
                {"text": text + "".join("\npub fn disk_full_probe_%d_%d() {}\n" % (k, j) for j in range(200))}]})
        time.sleep(1.5)
        r = c.request("workspace/symbol", {"query": "norm"})
        check("disk full (server): still answers from the last committed graph",
              r and isinstance(r.get("result"), list) and len(r["result"]) > 0, r and str(r)[:300])
        states = []
        for _ in range(5):  # while the changes are missing, never "ready"
            r = c.request("parseltongue/stats")
            roots = ((r or {}).get("result") or {}).get("roots") or [{}]
            states.append((roots[0].get("state"), roots[0].get("pendingUpdates")))
            time.sleep(0.3)
        said = (roots[0].get("error") or "").replace(mnt, "<db>").lower()
        check("disk full (server): stats say so (error: no space)", "space" in said or "disk full" in said,
              (roots[0], c.log()[-500:]))
        check("disk full (server): never 'ready' while changes are missing, and they are counted pending",
              all(st == "failed" and (p or 0) > 0 for st, p in states), states)
        shown = [m for m in c.other if m.get("method") == "window/showMessage"]
        check("disk full (server): the user is told once (window/showMessage)",
              len(shown) == 1 and "space" in shown[0]["params"]["message"].lower(), shown)
        os.unlink(filler)
        sh("mount", "-o", "remount,size=200m", mnt)
        # no edit after the space came back: the kept changes are written by the retry
        last = "disk_full_probe_29_199"
        found = None
        deadline = time.time() + 40
        while time.time() < deadline and not found:
            r = c.request("workspace/symbol", {"query": last})
            found = [x for x in (r or {}).get("result") or [] if x.get("name") == last]
            time.sleep(0.3)
        check("disk full (server): the failed changes are retried and written when space returns",
              bool(found), c.log()[-600:])
        r = c.request("parseltongue/stats")
        roots = ((r or {}).get("result") or {}).get("roots") or [{}]
        check("disk full (server): ... then ready again, no error, nothing pending",
              roots[0].get("state") == "ready" and not roots[0].get("error") and roots[0].get("pendingUpdates") == 0,
              roots[0])
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 100}, "contentChanges": [
            {"text": text + "\npub fn disk_back_probe() {}\n"}]})
        found = None
        deadline = time.time() + 30
        while time.time() < deadline:
            r = c.request("workspace/symbol", {"query": "disk_back_probe"})
            found = [x for x in (r or {}).get("result") or [] if x.get("name") == "disk_back_probe"]
            if found:
                break
            time.sleep(0.3)
        check("disk full (server): recovers when space returns", bool(found), r and str(r)[:300])
        code = c.close()
        check("disk full (server): clean exit, no crash", code == 0 and not crashed(code, c.log()), c.log()[-800:])

    finally:
        umount(mnt)


def first_index_recovers(binary, tmp, big, want):
    """The server's first index of a folder fails on a full disk: failed
    (honestly), then retried, and ready with the whole graph once space
    returns, with no stale error."""
    mnt = os.path.join(tmp, "full2")
    if not mount_tmpfs(mnt, "2m"):
        check("disk full (first index): mount", False)
        return
    try:
        db = os.path.join(mnt, "db")
        c = Client(binary, ["--db", db])
        c.request("initialize", init_params(big))
        c.notify("initialized", {})
        st = c.wait_ready(120)
        roots = (st or {}).get("roots") or [{}]
        check("disk full (first index): fails, and says why", roots[0].get("state") == "failed" and
              "space" in (roots[0].get("error") or "").lower(), roots[0])
        sh("mount", "-o", "remount,size=400m", mnt)
        deadline = time.time() + 90
        while time.time() < deadline:
            r = c.request("parseltongue/stats")
            roots = ((r or {}).get("result") or {}).get("roots") or [{}]
            if roots[0].get("state") == "ready":
                break
            time.sleep(0.5)
        check("disk full (first index): retried when space returns: ready, the error gone",
              roots[0].get("state") == "ready" and not roots[0].get("error"), roots[0])
        code = c.close()
        check("disk full (first index): clean exit", code == 0 and not crashed(code, c.log()), c.log()[-500:])
        check("disk full (first index): ... and the graph is the clean index's", export_json(binary, db) == want)
    finally:
        umount(mnt)


def test_read_only(binary, tmp):
    print("read-only and missing database directories", flush=True)
    mnt = os.path.join(tmp, "ro")
    ws = os.path.join(tmp, "ro-ws")
    shutil.copytree(os.path.join(FIXTURES, "ws1"), ws)
    if not mount_tmpfs(mnt, "20m"):
        check("read-only: mount", False)
        return
    try:
        db = os.path.join(mnt, "db")
        run(binary, ["onboard", ws, "--db", db])
        sh("mount", "-o", "remount,ro", mnt)
        rc, out, err, _ = run(binary, ["query", "search", "norm", "--db", db])
        check("read-only: query answers or exits 4 with a message",
              (rc == 0 and out.strip()) or (rc == 4 and err.strip()), (rc, err[-300:]))
        check("read-only: query does not crash", not crashed(rc, err), err[-300:])
        rc, out, err, _ = run(binary, ["onboard", ws, "--db", db])
        check("read-only: onboard after an edit fails with a message, or has nothing to write",
              rc == 0 or msg_ok(rc, err), (rc, err[-300:]))
        with open(os.path.join(ws, "geom", "src", "lib.rs") if os.path.exists(os.path.join(ws, "geom", "src", "lib.rs"))
                  else os.path.join(ws, "Cargo.toml"), "a") as f:
            f.write("\npub fn ro_added() {}\n")
        rc, out, err, _ = run(binary, ["onboard", ws, "--db", db])
        check("read-only: onboard with changes: clear message, no crash", msg_ok(rc, err), (rc, err[-300:]))
        rc, out, err, _ = run(binary, ["storage", "verify", "--db", db])
        check("read-only: verify: no crash", not crashed(rc, err) and (rc == 0 or err.strip()), (rc, err[-300:]))
        c = Client(binary, ["--db", db])
        c.request("initialize", init_params(ws))
        c.notify("initialized", {})
        st = c.wait_ready(30)
        r = c.request("parseltongue/stats")
        check("read-only (server): starts and answers stats", r and "result" in r, r)
        roots = ((r or {}).get("result") or {}).get("roots") or [{}]
        check("read-only (server): serves the database read-only, and says so in stats",
              roots[0].get("state") == "ready" and roots[0].get("readOnly") is True and
              "cannot be written" in (roots[0].get("error") or ""), roots[0])
        r = c.request("workspace/symbol", {"query": "norm"})
        check("read-only (server): answers from it", r and len(r.get("result") or []) > 0, r)
        src = sorted(os.path.join(d, f) for d, _, fs in os.walk(ws) for f in fs if f.endswith(".rs"))[0]
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri_of(src), "languageId": "rust", "version": 1,
                                                           "text": "pub fn ro_buffer() {}\n"}})
        r = c.request("parseltongue/stats")
        roots = ((r or {}).get("result") or {}).get("roots") or [{}]
        shown = [m for m in c.other if m.get("method") == "window/showMessage"]
        check("read-only (server): the user is told once; edits are not queued",
              len(shown) == 1 and "cannot be written" in shown[0]["params"]["message"] and
              roots[0].get("pendingUpdates") == 0, (shown, roots[0]))
        code = c.close()
        check("read-only (server): exits cleanly", code == 0 and not crashed(code, c.log()), (code, c.log()[-500:]))
    finally:
        umount(mnt)
    f = os.path.join(tmp, "plainfile")
    open(f, "w").write("x")
    for args in (["onboard", ws, "--db", os.path.join(f, "db")], ["query", "search", "x", "--db", os.path.join(f, "db")],
                 ["storage", "verify", "--db", os.path.join(f, "db")]):
        rc, out, err, _ = run(binary, args)
        check("missing dir: %s with --db under a regular file: message, no crash" % args[0], msg_ok(rc, err),
              (rc, err[-300:]))


def test_scribbled(binary, tmp):
    print("scribbled and truncated data.mdb", flush=True)
    ws = os.path.join(tmp, "sc-ws")
    shutil.copytree(os.path.join(FIXTURES, "ws1"), ws)
    good = os.path.join(tmp, "sc-good")
    run(binary, ["onboard", ws, "--db", good])
    ref = export_json(binary, good)
    size = os.path.getsize(os.path.join(good, "data.mdb"))
    crashes, not_rebuilt = [], []
    rebuilt = undetected = 0
    cases = []
    for seed in range(12):
        cases.append(("scribble-%d" % seed, seed))
    for cut in (0, 1, 4095, 4096, 8191, 12288, size // 2, size - 1):
        cases.append(("truncate-%d" % cut, cut))
    for name, arg in cases:
        db = os.path.join(tmp, "sc-" + name)
        shutil.copytree(good, db)
        data = os.path.join(db, "data.mdb")
        if name.startswith("scribble"):
            rng = random.Random(arg)
            with open(data, "r+b") as f:
                for _ in range(rng.choice([1, 4, 32, 256])):
                    off = rng.randrange(size)
                    f.seek(off)
                    f.write(bytes(rng.randrange(256) for _ in range(rng.choice([1, 8, 64, 512]))))
        else:
            with open(data, "r+b") as f:
                f.truncate(arg)
        shutil.copytree(db, db + "-lsp")
        verified = None
        for args in (["storage", "verify"], ["query", "callers", "norm"], ["query", "search", "o"],
                     ["export", "--format", "json"], ["storage", "status"]):
            rc, out, err, _ = run(binary, args + ["--db", db], timeout=60)
            if args[1] == "verify":
                verified = rc
            if crashed(rc, err) or rc not in (0, 1, 3, 4) or (rc not in (0, 3) and not err.strip()):
                crashes.append("%s: %s → %s %s" % (name, " ".join(args), rc, err.strip()[-200:]))
        rc, out, err, _ = run(binary, ["onboard", ws, "--db", db], timeout=120)
        if crashed(rc, err):
            crashes.append("%s: onboard → %s %s" % (name, rc, err[-200:]))
        elif rc == 0 and export_json(binary, db) == ref:
            rebuilt += 1
        elif verified == 0:
            undetected += 1    # damage no check can see (a changed byte in a name): not a failure
        else:
            not_rebuilt.append("%s: verify said %s, then onboard exit %s: %s" % (name, verified, rc, err.strip()[-160:]))
        # the language server on the same damage: starts, rebuilds, answers
        c = Client(binary, ["--db", db + "-lsp"])
        c.request("initialize", init_params(ws))
        c.notify("initialized", {})
        c.wait_ready(30)
        r = c.request("workspace/symbol", {"query": "norm"})
        code = c.close()
        if r is None or crashed(code, c.log()):
            crashes.append("%s: server: %s exit %s %s" % (name, r and str(r)[:100], code, c.log()[-300:]))
        shutil.rmtree(db, ignore_errors=True)
        shutil.rmtree(db + "-lsp", ignore_errors=True)
    print("  %d damaged databases: onboard restored %d, %d damaged beyond detection (verify passes)" %
          (len(cases), rebuilt, undetected))
    check("scribbled: %d damaged databases, CLI and server: no crash, an exit code with a message" % len(cases),
          not crashes, "\n".join(crashes[:12]))
    check("scribbled: damage verify detects is repaired by onboard (README: 'detected and rebuilt by onboard')",
          not not_rebuilt, "\n".join(not_rebuilt[:8]))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="pt-disk-")
    try:
        if os.geteuid() != 0:
            print("diskfull: not root: the tmpfs tests are skipped")
        else:
            test_disk_full(binary, tmp)
            test_read_only(binary, tmp)
        test_scribbled(binary, tmp)
    finally:
        for m in ("full", "ro"):
            umount(os.path.join(tmp, m))
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
