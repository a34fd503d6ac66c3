#!/usr/bin/env python3
"""tests/reliability/killtest.py BINARY [--trials N] — crash safety under SIGKILL.

A copy of a few real crates (/usr/share/cargo/registry: regex-syntax,
aho-corasick, bytes; else tests/fixtures/ws1) is indexed while the process
is killed with SIGKILL at a random moment, in three kinds of trials:

  full   `onboard` of the whole tree into an empty database (or over a
         finished one with --full), killed during the run;
  edits  a burst of edits on disk (changed, added, deleted files), then
         `onboard` killed during the incremental run;
  lsp    the language server under a burst of didOpen/didChange/didSave
         with buffers that differ from the disk, killed mid-burst.

After each kill: `storage verify` passes (a database that was never
created is counted, not failed), and a restart (`onboard`) reaches exactly
the graph a clean index of the same tree gives (`export --format json`
compared with that of a fresh database). Prints one line per trial and
"kill trials: N survived of M"; last line "N passed, M failed".
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (FIXTURES, Client, check, crashed, export_json, init_params, run, summary, uri_of)  # noqa: E402

CRATES = ["regex-syntax-0.6.27", "aho-corasick-0.7.19", "bytes-1.2.1"]
REGISTRY = "/usr/share/cargo/registry"


def make_corpus(dest):
    os.makedirs(dest)
    have = [c for c in CRATES if os.path.isdir(os.path.join(REGISTRY, c))]
    if len(have) == len(CRATES):
        for c in have:
            shutil.copytree(os.path.join(REGISTRY, c), os.path.join(dest, c), symlinks=True)
        return "crates " + ", ".join(have)
    shutil.copytree(os.path.join(FIXTURES, "ws1"), dest, dirs_exist_ok=True)
    return "tests/fixtures/ws1 (the crates are missing: apt-get install librust-regex-syntax-dev ...)"


def rust_files(ws):
    out = []
    for d, dirs, files in os.walk(ws):
        dirs[:] = [x for x in dirs if not x.startswith(".") and x != "target"]
        out += [os.path.join(d, f) for f in files if f.endswith(".rs")]
    return sorted(out)


def edit_burst(ws, rng, n=12):
    """Change, add and delete files the way a refactoring does."""
    files = rust_files(ws)
    for k in range(n):
        f = rng.choice(files)
        if not os.path.exists(f):
            continue
        op = rng.random()
        if op < 0.6:
            with open(f, "a", encoding="utf-8") as fh:
                fh.write("\npub fn killtest_added_%d_%d(x: u32) -> u32 { x + %d }\n" % (k, rng.randrange(10 ** 6), k))
        elif op < 0.75:
            with open(f, "r", encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            cut = rng.randrange(len(text) + 1)
            with open(f, "w", encoding="utf-8") as fh:
                fh.write(text[:cut])     # a half-written file: syntax errors
        elif op < 0.85 and len(files) > 5:
            os.unlink(f)
        else:
            nf = os.path.join(os.path.dirname(f), "killtest_new_%d.rs" % rng.randrange(10 ** 6))
            with open(nf, "w", encoding="utf-8") as fh:
                fh.write("pub struct KillNew%d;\nimpl KillNew%d { pub fn go(&self) { helper(); } }\nfn helper() {}\n"
                         % (k, k))


def normalise(doc):
    """The graph, without run metadata (times, sizes, the database path)."""
    if isinstance(doc, dict):
        return {k: normalise(v) for k, v in doc.items()
                if k not in ("generated", "database", "db", "root", "last_update", "seconds", "elapsed", "bytes")}
    if isinstance(doc, list):
        return [normalise(x) for x in doc]
    return doc


class Killer:
    def __init__(self, binary, tmp, rng):
        self.binary, self.tmp, self.rng = binary, tmp, rng
        self.survived = 0
        self.trials = 0
        self.never_created = 0
        self.refs = {}
        self.kinds = {}

    def reference(self, ws):
        """export of a clean index of ws as it is now (cached by tree content)."""
        key = tuple((os.path.relpath(f, ws), os.path.getsize(f), os.stat(f).st_mtime_ns) for f in rust_files(ws))
        if key not in self.refs:
            db = tempfile.mkdtemp(prefix="ref-", dir=self.tmp)
            shutil.rmtree(db)
            rc, _, err, secs = run(self.binary, ["onboard", ws, "--db", db, "--quiet"], timeout=300)
            assert rc == 0, err
            self.last_secs = secs
            self.refs[key] = normalise(export_json(self.binary, db))
            shutil.rmtree(db, ignore_errors=True)
        return self.refs[key]

    def kill_onboard(self, ws, db, delay, extra=()):
        p = subprocess.Popen([self.binary, "onboard", ws, "--db", db, "--quiet"] + list(extra),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        err = p.stderr.read().decode("utf-8", "replace")
        return p.returncode, err

    def after(self, kind, ws, db, note, err=""):
        """verify, restart, compare; one line per trial."""
        self.trials += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        problems = []
        if "Sanitizer" in err or "runtime error" in err:
            problems.append("sanitizer report before the kill: " + err[-300:])
        if not os.path.exists(os.path.join(db, "data.mdb")):
            self.never_created += 1
            verify = "no database yet"
        else:
            rc, out, verr, _ = run(self.binary, ["storage", "verify", "--db", db], timeout=120)
            verify = "verify ok" if rc == 0 else "verify FAILED (%s): %s" % (rc, (out + verr)[-300:])
            if rc != 0:
                problems.append(verify)
        rc, _, oerr, secs = run(self.binary, ["onboard", ws, "--db", db, "--quiet"], timeout=300)
        if rc != 0 or crashed(rc, oerr):
            problems.append("restart onboard exit %s: %s" % (rc, oerr[-300:]))
        rc2, out, verr, _ = run(self.binary, ["storage", "verify", "--db", db], timeout=120)
        if rc2 != 0:
            problems.append("verify after restart failed: " + (out + verr)[-300:])
        got = normalise(export_json(self.binary, db))
        want = self.reference(ws)
        if got != want:
            problems.append("graph after restart differs from a clean index: %s" % diff_summary(want, got))
        ok = not problems
        self.survived += ok
        print("  trial %2d %-5s %-34s %-16s %s" % (self.trials, kind, note, verify if ok else "", "ok" if ok else
                                                  "FAILED: " + "; ".join(problems)[:1200]), flush=True)
        return ok


def diff_summary(want, got):
    if got is None:
        return "export failed"
    out = []
    for k in sorted(set(want) | set(got)):
        a, b = want.get(k), got.get(k)
        if a != b:
            if isinstance(a, list) and isinstance(b, list):
                sa = {json.dumps(x, sort_keys=True) for x in a}
                sb = {json.dumps(x, sort_keys=True) for x in b}
                out.append("%s: %d missing, %d extra (e.g. %s)" % (k, len(sa - sb), len(sb - sa),
                                                                   (sorted(sa - sb) or sorted(sb - sa))[0][:200]))
            else:
                out.append("%s: %r != %r" % (k, str(a)[:80], str(b)[:80]))
    return "; ".join(out)


def lsp_trial(K, ws, db, rng):
    """The server indexing a burst of editor changes, killed in the middle."""
    c = Client(K.binary, ["--db", db], env={"PARSELTONGUE_LSP_SETTLE_MS": "0"})
    c.request("initialize", init_params(ws))
    c.notify("initialized", {})
    c.wait_ready(120)
    files = rust_files(ws)
    picks = [rng.choice(files) for _ in range(6)]
    deadline = time.time() + rng.uniform(0.05, 1.5)
    v = 1
    for f in picks:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri_of(f), "languageId": "rust", "version": v,
                                                           "text": text}})
    while time.time() < deadline:
        f = rng.choice(picks)
        v += 1
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri_of(f), "version": v}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
             "text": "pub fn lsp_edit_%d() { lsp_edit_%d(); }\n" % (v, v - 1)}]})
        if v % 5 == 0:
            # some edits reach the disk too, as a save does
            with open(f, "a", encoding="utf-8") as fh:
                fh.write("\npub fn saved_%d() {}\n" % v)
            c.notify("textDocument/didSave", {"textDocument": {"uri": uri_of(f)}})
        time.sleep(0.002)
    c.p.send_signal(signal.SIGKILL)
    c.p.wait()
    return K.after("lsp", ws, db, "%d edits" % v, c.log())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--trials", type=int, default=int(os.environ.get("KILL_TRIALS", "54")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("KILL_SEED", "0")) or int(time.time()))
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    rng = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix="pt-kill-")
    print("killtest: seed %d, %d trials" % (a.seed, a.trials))
    try:
        pristine = os.path.join(tmp, "pristine")
        what = make_corpus(pristine)
        K = Killer(binary, tmp, rng)
        K.reference(pristine)
        full_secs = max(K.last_secs, 0.05)   # one clean full index
        print("killtest: corpus %s, %d files, clean index ~%.2fs" % (what, len(rust_files(pristine)), full_secs))
        n_full = a.trials * 5 // 9
        n_edit = a.trials * 2 // 9
        n_lsp = a.trials - n_full - n_edit
        ws = os.path.join(tmp, "ws")
        for i in range(n_full):
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(pristine, ws, symlinks=True)
            db = os.path.join(tmp, "db-full-%d" % i)
            extra = ["--full"] if i % 4 == 3 else []
            if extra:
                run(binary, ["onboard", ws, "--db", db, "--quiet"], timeout=300)
            delay = rng.uniform(0, full_secs)
            rc, err = K.kill_onboard(ws, db, delay, extra)
            while rc != -signal.SIGKILL and rc == 0 and delay > 0.002:
                # it finished first: not a kill; start over from the same state, sooner
                shutil.rmtree(db, ignore_errors=True)
                if extra:
                    run(binary, ["onboard", ws, "--db", db, "--quiet"], timeout=300)
                delay /= 2
                rc, err = K.kill_onboard(ws, db, delay, extra)
            K.after("full", ws, db, "killed at %.3fs%s%s" % (delay, " --full" if extra else "",
                                                              "" if rc == -9 else " (had exited %s)" % rc), err)
            shutil.rmtree(db, ignore_errors=True)
        ews = os.path.join(tmp, "ews")
        shutil.copytree(pristine, ews, symlinks=True)
        db = os.path.join(tmp, "db-edits")
        run(binary, ["onboard", ews, "--db", db, "--quiet"], timeout=300)
        for i in range(n_edit):
            edit_burst(ews, rng)
            delay = rng.uniform(0, full_secs * 0.5)
            snap = db + ".before"
            shutil.rmtree(snap, ignore_errors=True)
            shutil.copytree(db, snap)
            rc, err = K.kill_onboard(ews, db, delay)
            while rc != -signal.SIGKILL and rc == 0 and delay > 0.002:
                # the incremental run finished first: put the database back, kill sooner
                shutil.rmtree(db)
                shutil.copytree(snap, db)
                delay /= 2
                rc, err = K.kill_onboard(ews, db, delay)
            K.after("edits", ews, db, "killed at %.3fs%s" % (delay, "" if rc == -9 else " (had exited %s)" % rc), err)
        lws = os.path.join(tmp, "lws")
        shutil.copytree(pristine, lws, symlinks=True)
        db = os.path.join(tmp, "db-lsp")
        run(binary, ["onboard", lws, "--db", db, "--quiet"], timeout=300)
        for i in range(n_lsp):
            lsp_trial(K, lws, db, rng)
        print("kill trials: %d survived of %d (%s; %d killed before the database existed)" %
              (K.survived, K.trials, ", ".join("%d %s" % (n, k) for k, n in K.kinds.items()), K.never_created))
        check("killtest: every trial survived (verify passes, restart = clean index)", K.survived == K.trials,
              "%d of %d" % (K.survived, K.trials))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
