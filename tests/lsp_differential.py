#!/usr/bin/env python3
"""The server's graph after any sequence of edits equals a fresh full index.

Usage: python3 tests/lsp_differential.py path/to/parseltongue [--seed N] [--steps N] [--tree DIR] [--keep]

Copies tests/fixtures/ws1 (or --tree DIR, e.g. a crate of
/usr/share/cargo/registry) to a temporary folder and starts `parseltongue
--stdio` on it, as an editor does. Then, for each of --steps (default 30)
random steps (seeded; rerun with --seed to replay), it applies one of
tests/incremental.py's edits (renames with every use, added and deleted fns,
calls, impls, `use` lines, moved fns, module files added or deleted with
their `mod` line, syntax errors made and fixed, a file made non-UTF-8, a
crate renamed in its Cargo.toml) and tells the server the way an editor
would:

  - a file the editor has open gets its new text by textDocument/didChange
    (the whole text, or the one changed range), and sometimes didSave;
  - a file it has not open is opened first about half of the time (didOpen
    with the new text), else the change comes as
    workspace/didChangeWatchedFiles (created / changed / deleted), as for a
    file changed outside the editor (a checkout, a generator, Cargo.toml);
  - a file that is no longer UTF-8 is closed, and comes from disk.

The tree on disk always holds what the editor shows, so a fresh `onboard` of
a copy of it is the truth. After each step the test waits until the server
has no pending update (parseltongue/stats), then compares `export --format
json` of the server's database with the fresh index's: they must be equal up
to the order of lists, within a few seconds (the server's own file watcher
may apply a disk change a moment later).

Prints "ok"/"FAIL" per check and ends with "N passed, M failed"; exit 0 only
when nothing failed. Python 3 standard library only.
"""

import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import incremental as inc  # noqa: E402  (the edits, export and its diff)
import lsp_blackbox as lb  # noqa: E402  (the LSP client)

CONVERGE_S = float(os.environ.get("LSP_DIFF_CONVERGE_S", "20"))


def snapshot(root):
    """rel path -> bytes of every file the index reads (.rs and Cargo.toml)."""
    out = {}
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if x not in ("target", ".cache", ".parseltongue")]
        for n in names:
            if n.endswith(".rs") or n == "Cargo.toml":
                p = os.path.join(d, n)
                with open(p, "rb") as f:
                    out[os.path.relpath(p, root)] = f.read()
    return out


def utf8(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


def one_range(old, new):
    """The single replaced range (LSP UTF-16 positions) taking old to new."""
    a = 0
    while a < min(len(old), len(new)) and old[a] == new[a]:
        a += 1
    b = 0
    while b < min(len(old), len(new)) - a and old[-1 - b] == new[-1 - b]:
        b += 1

    def pos(text, off):
        line = text.count("\n", 0, off)
        start = text.rfind("\n", 0, off) + 1
        return {"line": line, "character": len(text[start:off].encode("utf-16-le")) // 2}

    return {"range": {"start": pos(old, a), "end": pos(old, len(old) - b)}, "text": new[a:len(new) - b]}


class Editor:
    """What the editor has open, and how it tells the server of a change."""

    def __init__(self, client, root, rng):
        self.c, self.root, self.rng = client, root, rng
        self.open = {}  # rel -> (version, text)
        self.said = []

    def uri(self, rel):
        return lb.uri_of(os.path.join(self.root, rel))

    def watched(self, events):
        if events:
            self.c.notify("workspace/didChangeWatchedFiles", {"changes": [
                {"uri": self.uri(rel), "type": t} for rel, t in events]})
            self.said.append("watched " + ", ".join("%s:%d" % e for e in events))

    def apply(self, before, after):
        events = []
        for rel in sorted(set(before) | set(after)):
            old, new = before.get(rel), after.get(rel)
            if old == new:
                continue
            text = utf8(new) if new is not None else None
            is_rs = rel.endswith(".rs")
            if rel in self.open and (new is None or text is None):
                self.c.notify("textDocument/didClose", {"textDocument": {"uri": self.uri(rel)}})
                del self.open[rel]
                self.said.append("close " + rel)
            if new is None:
                events.append((rel, 3))
            elif rel in self.open:
                v, was = self.open[rel]
                if self.rng.random() < 0.5:
                    changes = [{"text": text}]
                else:
                    changes = [one_range(was, text)]
                self.c.notify("textDocument/didChange", {"textDocument": {"uri": self.uri(rel), "version": v + 1},
                                                         "contentChanges": changes})
                self.open[rel] = (v + 1, text)
                self.said.append("change %s (%s)" % (rel, "whole" if "range" not in changes[0] else "range"))
                if self.rng.random() < 0.3:
                    self.c.notify("textDocument/didSave", {"textDocument": {"uri": self.uri(rel)}})
            elif is_rs and text is not None and self.rng.random() < 0.5:
                self.c.notify("textDocument/didOpen", {"textDocument": {
                    "uri": self.uri(rel), "languageId": "rust", "version": 1, "text": text}})
                self.open[rel] = (1, text)
                self.said.append("open " + rel)
            else:
                events.append((rel, 1 if old is None else 2))
        self.watched(events)
        # now and then the editor closes a file it had open (unchanged: the
        # disk holds the same text)
        if self.open and self.rng.random() < 0.2:
            rel = self.rng.choice(sorted(self.open))
            self.c.notify("textDocument/didClose", {"textDocument": {"uri": self.uri(rel)}})
            del self.open[rel]
            self.said.append("close " + rel)


def settled(c, timeout):
    """Wait until the server has no pending update; its stats then."""
    end = time.time() + timeout
    st = None
    while time.time() < end:
        st = c.result("parseltongue/stats")
        if isinstance(st, dict) and st.get("roots") and all(
                r["state"] == "ready" and r["pendingUpdates"] == 0 for r in st["roots"]):
            return st
        time.sleep(0.02)
    return None


def main():
    argv = sys.argv[1:]
    if not argv:
        print("usage: lsp_differential.py path/to/parseltongue [--seed N] [--steps N] [--tree DIR] [--keep]",
              file=sys.stderr)
        return 2
    binary = os.path.abspath(argv[0])
    lb.BIN = binary
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else random.SystemRandom().randrange(1, 10 ** 9)
    steps = int(argv[argv.index("--steps") + 1]) if "--steps" in argv else 30
    keep = "--keep" in argv
    source = os.path.abspath(argv[argv.index("--tree") + 1]) if "--tree" in argv else inc.FIXTURE
    print("tree: %s" % source)
    print("seed: %d (replay with --seed %d), steps: %d" % (seed, seed, steps), flush=True)
    rng = random.Random(seed)
    C = inc.Checks()
    tmp = tempfile.mkdtemp(prefix="pt-lspdiff-")
    c = None
    try:
        work = os.path.join(tmp, "work")
        shutil.copytree(source, work, symlinks=True, ignore=shutil.ignore_patterns(
            "expected.json", "target", "Cargo.lock", ".cache"))
        db = os.path.join(tmp, "db-server")
        c = lb.Client(args=["--db", db])
        c.request("initialize", lb.init_params([work]))
        c.notify("initialized", {})
        st = lb.wait_ready(c)
        ready = isinstance(st, dict) and st.get("roots") and st["roots"][0]["state"] == "ready"
        if not C.check("server indexes the tree", ready, repr(st)[:300], [c.log()[-800:]]):
            print("%d passed, %d failed" % (C.passed, C.failed))
            return 1
        tree = inc.Tree(work, rng)
        ed = Editor(c, work, rng)
        names = [n for n, _ in inc.OPS if n != "touch"]
        weights = [w for n, w in inc.OPS if n != "touch"]
        waits = []
        for step in range(1, steps + 1):
            before = snapshot(work)
            res, tries = None, 0
            while res is None and tries < 20:
                res = getattr(tree, "op_" + rng.choices(names, weights)[0])()
                tries += 1
            if res is None:
                C.check("step %d" % step, False, "no operation applies to the tree")
                continue
            ed.said = []
            ed.apply(before, snapshot(work))
            print("step %d: %s [%s]" % (step, res[0], "; ".join(ed.said)), flush=True)

            fresh, db_b = os.path.join(tmp, "fresh"), os.path.join(tmp, "db-full")
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(db_b, ignore_errors=True)
            shutil.copytree(work, fresh, ignore=shutil.ignore_patterns(".cache", ".parseltongue"))
            rc, _, err = inc.run(binary, ["onboard", fresh, "--db", db_b])
            if not C.check("step %d fresh onboard" % step, rc == 0, inc.rc_text(rc), [err.strip()[:500]]):
                continue
            want, errb = inc.export(binary, db_b)
            t0 = time.time()
            got, erra, equal = None, None, False
            while True:
                if settled(c, CONVERGE_S) is None:
                    erra = "the server did not settle within %ss" % CONVERGE_S
                    break
                got, erra = inc.export(binary, db)
                equal = got is not None and want is not None and got == want
                if equal or time.time() - t0 > CONVERGE_S:
                    break
                time.sleep(0.1)
            waits.append(time.time() - t0)
            if want is None or got is None:
                C.check("step %d server graph = fresh index" % step, False, erra or errb, [c.log()[-600:]])
                continue
            C.check("step %d server graph = fresh index" % step, equal,
                    "the server's graph differs from a fresh index after: %s" % res[0],
                    inc.diff_exports(got, want))
        alive = c.p.poll() is None
        C.check("server alive after %d steps" % steps, alive, "exit %s" % c.p.poll(), [c.log()[-800:]])
        rc, _, err = inc.run(binary, ["storage", "verify", "--db", db])
        C.check("final storage verify", rc == 0, inc.rc_text(rc), [err.strip()[:500]])
        if waits:
            waits.sort()
            print("time from the edit to an equal graph: median %.0f ms, max %.0f ms (includes the export)" % (
                1000 * waits[len(waits) // 2], 1000 * waits[-1]))
    finally:
        if c is not None:
            c.close()
        if keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("seed: %d" % seed)
    print("%d passed, %d failed" % (C.passed, C.failed))
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
