#!/usr/bin/env python3
"""LSP benchmark: drives `parseltongue --stdio` through pipes the way an
editor does, on the Rust standard library and on the combined 2.7M-line
corpus (std + /usr/share/cargo/registry), and prints what a user sees:

  1. start-up: process spawn -> initialize -> initialized -> first
     textDocument/implementation answered, on an already indexed workspace;
  2. didChange -> answered callHierarchy/incomingCalls that reflects the edit;
  3. request round trip of implementation / references / prepareCallHierarchy
     / incomingCalls on many targets;
  4. resident memory of the server while serving the combined corpus.

usage: python3 bench/lsp/lsp_bench.py [BINARY]      (see bench/lsp/README.md)

Environment: BENCH_QUICK=1 (fewer repetitions), BENCH_WORK (scratch, this
script uses $BENCH_WORK/lsp; default /tmp/parseltongue-bench/lsp),
BENCH_CORPORA ("std crates": "crates" adds the combined corpus),
BENCH_KEEP=1 (keep copies and databases), BENCH_LSP_PROFILES ("vscode
neovim"), BENCH_LSP_JSON (result file). Python 3 standard library only.
Exit status: 0 when every step ran (targets met or not), 1 otherwise.
"""
import hashlib
import json
import os
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import time
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "parseltongue")
QUICK = os.environ.get("BENCH_QUICK", "0") == "1"
WORK = os.environ.get("BENCH_LSP_WORK") or os.path.join(os.environ.get("BENCH_WORK", "/tmp/parseltongue-bench"), "lsp")
CORPORA = os.environ.get("BENCH_CORPORA", "std crates").split()
PROFILES = os.environ.get("BENCH_LSP_PROFILES", "vscode neovim").split()
KEEP = os.environ.get("BENCH_KEEP", "0") == "1"
REUSE = os.environ.get("BENCH_LSP_REUSE", "0") == "1"   # reuse copies and databases kept by BENCH_KEEP=1
RESULTS = os.environ.get("BENCH_LSP_JSON") or os.path.join(ROOT, "bench", "results", "lsp_latest.json")
STD_SRC = "/usr/lib/rustlib/src/rust/library"
CRATES_SRC = "/usr/share/cargo/registry"

SPAWNS = 3 if QUICK else 5          # start-up: spawns per corpus and profile
RT_N = 200 if QUICK else 1000       # round trip: targets per request kind
EDITS = 30 if QUICK else 200        # didChange: measured edits per corpus and profile
BIG_FILE = 256 * 1024               # round trips are also summarised without targets in bigger files
EDIT_GAP_S = 0.03                   # pause between edits (a typist's pace, not a flood)
TIMEOUT = 60.0                      # seconds for any one answer
SEED = 20261121

TARGETS = {
    "startup_ms_std": 100.0,
    "didchange_p50_ms": 5.0,
    "didchange_p99_ms": 12.0,
    "roundtrip_p99_ms": 2.0,
    "private_mb_combined": 150.0,
}

FAILURES = []


def say(*a):
    print(*a, flush=True)


def fail(what, why):
    FAILURES.append({"step": what, "reason": str(why)[:400]})
    say("FAILED: %s: %s" % (what, str(why)[:400]))


def uri_of(path):
    return "file://" + quote(path)


def pct(xs, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def summary(xs):
    if not xs:
        return None
    return {"n": len(xs), "p50": round(pct(xs, 50), 3), "p90": round(pct(xs, 90), 3),
            "p99": round(pct(xs, 99), 3), "max": round(max(xs), 3), "mean": round(statistics.fmean(xs), 3)}


# --- the client -----------------------------------------------------------------------------

class ServerDied(Exception):
    pass


class Lsp:
    """One server process; framed JSON-RPC over pipes, read synchronously
    (no reader thread: the time of an answer is when its last byte is read)."""

    def __init__(self, folders, db, profile, log_path):
        self.profile = profile
        env = dict(os.environ)
        env.pop("PARSELTONGUE_DB", None)
        env.pop("PARSELTONGUE_LSP_TEST", None)
        self.log = open(log_path, "ab")
        self.t_spawn = time.perf_counter()
        self.p = subprocess.Popen([BIN, "--stdio", "--db", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.log, env=env, bufsize=0)
        self.out = self.p.stdout.fileno()
        self.inp = self.p.stdin.fileno()
        self.buf = bytearray()
        self.next_id = 0
        self.notes = {}
        self.folders = folders
        self.enc = "utf-16"

    # framing
    def send(self, msg):
        body = json.dumps(msg, separators=(",", ":")).encode()
        data = b"Content-Length: %d\r\n\r\n" % len(body) + body
        view = memoryview(data)
        while view:
            n = os.write(self.inp, view)
            view = view[n:]

    def _frame(self, deadline):
        """The next message's body (bytes)."""
        while True:
            h = self.buf.find(b"\r\n\r\n")
            if h >= 0:
                n = -1
                for line in bytes(self.buf[:h]).split(b"\r\n"):
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v)
                if n < 0:
                    raise ServerDied("frame without Content-Length")
                if len(self.buf) >= h + 4 + n:
                    body = bytes(self.buf[h + 4:h + 4 + n])
                    del self.buf[:h + 4 + n]
                    return body
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no answer within %.0f s" % TIMEOUT)
            r, _, _ = select.select([self.out], [], [], left)
            if r:
                chunk = os.read(self.out, 1 << 20)
                if not chunk:
                    raise ServerDied("server closed stdout (exit %s)" % self.p.poll())
                self.buf += chunk

    def _handle_other(self, msg):
        m = msg.get("method")
        self.notes[m] = self.notes.get(m, 0) + 1
        if "id" in msg and m:            # a request from the server: answer it like an editor
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})

    def notify(self, method, params=None):
        m = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)

    def start(self, method, params=None):
        self.next_id += 1
        m = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)
        return self.next_id

    def wait(self, rid, timeout=TIMEOUT):
        """(result, time the answer was complete)."""
        deadline = time.perf_counter() + timeout
        while True:
            body = self._frame(deadline)
            t = time.perf_counter()
            msg = json.loads(body)
            if msg.get("id") == rid and "method" not in msg:
                if "error" in msg:
                    raise RuntimeError("error answer: %s" % msg["error"])
                return msg.get("result"), t
            self._handle_other(msg)

    def request(self, method, params=None, timeout=TIMEOUT):
        """(result, round trip in ms): from just before the request is written
        to the moment the last byte of its answer has been read."""
        t0 = time.perf_counter()
        rid = self.start(method, params)
        res, t1 = self.wait(rid, timeout)
        return res, (t1 - t0) * 1e3

    # lifecycle
    def initialize(self):
        folders = [{"uri": uri_of(f), "name": os.path.basename(f)} for f in self.folders]
        vscode = self.profile == "vscode"
        caps = {
            "general": {"positionEncodings": ["utf-16"] if vscode else ["utf-8", "utf-16", "utf-32"]},
            "workspace": {"workspaceFolders": True,
                          "didChangeWatchedFiles": {"dynamicRegistration": vscode}},
            "textDocument": {
                "synchronization": {"didSave": True},
                "implementation": {"linkSupport": vscode}, "references": {}, "callHierarchy": {},
                "definition": {"linkSupport": vscode},
            },
        }
        if vscode:   # VS Code pulls diagnostics (here: declared, pulled never); Neovim has them pushed
            caps["textDocument"]["diagnostic"] = {"relatedDocumentSupport": False}
        res, _ = self.request("initialize", {"processId": os.getpid(), "rootUri": folders[0]["uri"],
                                             "workspaceFolders": folders, "capabilities": caps})
        self.enc = res["capabilities"].get("positionEncoding", "utf-16")
        return res

    def wait_ready(self, timeout=600):
        """Poll parseltongue/stats until every folder is ready with nothing pending."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            st, _ = self.request("parseltongue/stats", {})
            roots = st.get("roots", [])
            if roots and all(r.get("state") == "ready" and not r.get("pendingUpdates") for r in roots):
                return st, time.perf_counter() - t0
            if any(r.get("state") == "failed" for r in roots):
                raise RuntimeError("a folder failed: %s" % roots)
            time.sleep(0.02)
        raise TimeoutError("server not ready after %d s" % timeout)

    def close(self):
        try:
            if self.p.poll() is None:
                rid = self.start("shutdown")
                self.wait(rid, 30)
                self.notify("exit")
                # keep reading until the server closes stdout, as an editor does: a
                # server blocked writing (e.g. pushed diagnostics) must not hang us
                deadline = time.perf_counter() + 30
                while time.perf_counter() < deadline:
                    r, _, _ = select.select([self.out], [], [], 0.5)
                    if r and not os.read(self.out, 1 << 20):
                        break
                self.p.wait(max(0.1, deadline - time.perf_counter()))
        except Exception as e:   # noqa: BLE001
            fail("shutdown", e)
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
            self.log.close()
        return self.p.returncode

    # memory
    def memory(self):
        pid = self.p.pid
        m = {}
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                v = v.split()
                if v and v[-1] == "kB":
                    m[k.strip()] = int(v[0])
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile", "Threads")):
                    k, _, v = line.partition(":")
                    m["status_" + k] = int(v.split()[0])
        # the LMDB maps (data.mdb): file-backed pages, counted as private when only we map them
        db_rss = db_priv = 0
        cur = None
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    cur = line.rstrip().endswith("data.mdb")
                elif cur and line.startswith("Rss:"):
                    db_rss += int(line.split()[1])
                elif cur and line.startswith(("Private_Clean:", "Private_Dirty:")):
                    db_priv += int(line.split()[1])
        mb = lambda kb: round(kb / 1024.0, 1)  # noqa: E731
        priv = m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)
        return {"private_mb": mb(priv), "rss_mb": mb(m.get("Rss", 0)), "pss_mb": mb(m.get("Pss", 0)),
                "anonymous_mb": mb(m.get("Anonymous", 0)), "private_clean_mb": mb(m.get("Private_Clean", 0)),
                "private_dirty_mb": mb(m.get("Private_Dirty", 0)), "lmdb_map_rss_mb": mb(db_rss),
                "lmdb_map_private_mb": mb(db_priv), "private_excl_lmdb_map_mb": mb(priv - db_priv),
                "peak_rss_mb": mb(m.get("status_VmHWM", 0)), "threads": m.get("status_Threads")}


# --- corpora, databases, targets ----------------------------------------------------------------

def run(cmd, log, timeout=1800):
    with open(log, "ab") as lf:
        lf.write(("$ %s\n" % " ".join(cmd)).encode())
        lf.flush()
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, stdout=lf, stderr=lf, timeout=timeout)
        return rc, time.perf_counter() - t0


def copy_tree(src, dst):
    """Only .rs files and Cargo.toml manifests, mtimes kept (as bench/run.sh)."""
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    find = subprocess.Popen(["find", ".", "-type", "f", "(", "-name", "*.rs", "-o", "-name", "Cargo.toml", ")",
                             "-print0"], cwd=src, stdout=subprocess.PIPE)
    tar1 = subprocess.Popen(["tar", "--null", "-cf", "-", "-T", "-"], cwd=src, stdin=find.stdout,
                            stdout=subprocess.PIPE)
    find.stdout.close()
    tar2 = subprocess.Popen(["tar", "-xf", "-"], cwd=dst, stdin=tar1.stdout)
    tar1.stdout.close()
    rc = tar2.wait() | tar1.wait() | find.wait()
    if rc:
        raise RuntimeError("copying %s failed" % src)


def corpus_lines(d):
    files = lines = 0
    for dp, _, fs in os.walk(d):
        for f in fs:
            if f.endswith(".rs"):
                files += 1
                with open(os.path.join(dp, f), "rb") as fh:
                    lines += fh.read().count(b"\n")
    return files, lines


class Corpus:
    """One indexed folder: its copy, its database and what export says of it."""

    def __init__(self, name, src, copy, db):
        self.name, self.src, self.copy, self.db = name, src, copy, db
        self.entities = []
        self.calls_in = {}     # qualified path -> number of incoming CALLS edges (export)
        self.impl_in = {}      # qualified path -> number of incoming IMPL edges
        self.lines_cache = {}

    def load_export(self, logs):
        out = os.path.join(WORK, "export.%s.json" % self.name)
        with open(out, "wb") as f, open(os.path.join(logs, "export.%s.err" % self.name), "wb") as e:
            rc = subprocess.call([BIN, "export", "--format", "json", "--db", self.db], stdout=f, stderr=e)
        if rc:
            raise RuntimeError("parseltongue export failed (exit %d)" % rc)
        with open(out) as f:
            d = json.load(f)
        os.unlink(out)
        for e in d["edges"]:
            if e["kind"] == "CALLS":
                self.calls_in[e["to"]] = self.calls_in.get(e["to"], 0) + 1
            elif e["kind"] == "IMPL":
                self.impl_in[e["to"]] = self.impl_in.get(e["to"], 0) + 1
        self.path_count = {}
        for x in d["entities"]:
            self.path_count[x["path"]] = self.path_count.get(x["path"], 0) + 1
        keep = ("trait", "function", "method")
        self.entities = [x for x in d["entities"] if x.get("kind") in keep and x.get("file")]
        del d

    def file_lines(self, rel):
        ls = self.lines_cache.get(rel)
        if ls is None:
            try:
                with open(os.path.join(self.copy, rel), "rb") as f:
                    ls = f.read().split(b"\n")
            except OSError:
                ls = []
            if len(self.lines_cache) > 4096:
                self.lines_cache.clear()
            self.lines_cache[rel] = ls
        return ls

    def name_pos(self, ent, enc):
        """LSP position of the entity's name (0-based line, column in enc), or None."""
        ls = self.file_lines(ent["file"])
        kw = b"trait" if ent["kind"] == "trait" else b"fn"
        name = ent["name"][2:] if ent["name"].startswith("r#") else ent["name"]
        pat = re.compile(rb"\b" + kw + rb"\s+(?:r#)?(" + re.escape(name.encode()) + rb")\b")
        l0 = ent["line"] - 1
        for ln in range(max(0, l0), min(l0 + 6, len(ls))):
            m = pat.search(ls[ln], max(0, ent["column"] - 1) if ln == l0 else 0)
            if m:
                return {"line": ln, "character": col_in(ls[ln], m.start(1), enc)}
        return None


def col_in(line, byte_col, enc):
    if enc == "utf-8":
        return byte_col
    s = line[:byte_col].decode("utf-8", "replace")
    if enc == "utf-32":
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def sample_targets(corpora, n, rng):
    """Traits that have impls, and functions/methods that have callers, from all
    the given corpora, in a seeded pseudo-random order (the caller takes n)."""
    traits, fns = [], []
    for c in corpora:
        for e in c.entities:
            if e["kind"] == "trait" and c.impl_in.get(e["path"]):
                traits.append((c, e))
            elif e["kind"] in ("function", "method") and c.calls_in.get(e["path"]):
                fns.append((c, e))
    traits.sort(key=lambda ce: stable_key(ce[1]))
    fns.sort(key=lambda ce: stable_key(ce[1]))
    return traits, fns


def stable_key(e):
    """A seeded pseudo-random order that does not depend on export's order and
    that an added entity does not reshuffle: runs on different builds ask
    (nearly) the same questions."""
    return hashlib.sha1(("%d %s %s %d" % (SEED, e["path"], e["file"], e["line"])).encode()).digest()


# --- 1. start-up ------------------------------------------------------------------------------------

def bench_startup(folders, db, profile, target_uri, pos, logs, label):
    """One spawn: (ms to initialize answer, ms to first implementation answer, items)."""
    c = Lsp(folders, db, profile, os.path.join(logs, "%s.startup.%s.err" % (label, profile)))
    try:
        t0 = c.t_spawn
        c.initialize()
        t_init = time.perf_counter()
        c.notify("initialized", {})
        rid = c.start("textDocument/implementation", {"textDocument": {"uri": target_uri}, "position": pos})
        res, t1 = c.wait(rid)
        return (t_init - t0) * 1e3, (t1 - t0) * 1e3, len(res or [])
    finally:
        c.close()


def pick_startup_target(corpus, traits, enc_hint="utf-16"):
    """A trait of this corpus with a moderate number of impls (5..50)."""
    for c, e in traits:
        if c is corpus and 5 <= c.impl_in.get(e["path"], 0) <= 50:
            pos = c.name_pos(e, enc_hint)
            if pos:
                return e, pos
    for c, e in traits:
        if c is corpus:
            pos = c.name_pos(e, enc_hint)
            if pos:
                return e, pos
    return None, None


# --- 3. round trips ------------------------------------------------------------------------------------

def bench_roundtrip(cl, traits, fns, n):
    out = {}
    checks = {"implementation_empty": 0, "references_empty": 0, "prepare_empty": 0, "incoming_empty": 0,
              "incoming_sites_differ_from_export": 0, "compared_with_export": 0, "examples": []}
    lat = {"implementation": [], "references": [], "prepareCallHierarchy": [], "incomingCalls": []}
    worst = {}

    small = {k: [] for k in lat}     # targets in files under BIG_FILE bytes

    def note(kind, ms, what, size, c=None, rel=None):
        lat[kind].append(ms)
        if c is not None and os.path.getsize(os.path.join(c.copy, rel)) < BIG_FILE:
            small[kind].append(ms)
        if ms > worst.get(kind, (0,))[0]:
            worst[kind] = (ms, what, size)

    done = 0
    for c, e in traits:
        if done >= n:
            break
        pos = c.name_pos(e, cl.enc)
        if not pos:
            continue
        uri = uri_of(os.path.join(c.copy, e["file"]))
        res, ms = cl.request("textDocument/implementation", {"textDocument": {"uri": uri}, "position": pos})
        note("implementation", ms, e["path"], len(res or []), c, e["file"])
        if not res and c.path_count.get(e["path"]) == 1:   # a cfg twin may rightly have none
            checks["implementation_empty"] += 1
            if len(checks["examples"]) < 12:
                checks["examples"].append({"kind": "implementation empty", "target": e["path"],
                                           "file": e["file"], "position": pos, "export_impls": c.impl_in.get(e["path"])})
        done += 1
    done = 0
    for c, e in fns:
        if done >= n:
            break
        pos = c.name_pos(e, cl.enc)
        if not pos:
            continue
        uri = uri_of(os.path.join(c.copy, e["file"]))
        td = {"textDocument": {"uri": uri}, "position": pos}
        res, ms = cl.request("textDocument/references", dict(td, context={"includeDeclaration": True}))
        note("references", ms, e["path"], len(res or []), c, e["file"])
        if not res and c.path_count.get(e["path"]) == 1:
            checks["references_empty"] += 1
        items, ms = cl.request("textDocument/prepareCallHierarchy", td)
        note("prepareCallHierarchy", ms, e["path"], len(items or []), c, e["file"])
        if not items:
            checks["prepare_empty"] += 1
            if len(checks["examples"]) < 12:
                checks["examples"].append({"kind": "prepareCallHierarchy empty", "target": e["path"],
                                           "file": e["file"], "position": pos})
            done += 1
            continue
        res, ms = cl.request("callHierarchy/incomingCalls", {"item": items[0]})
        sites = sum(len(x.get("fromRanges", [])) for x in (res or []))
        note("incomingCalls", ms, e["path"], len(res or []), c, e["file"])
        if not res and c.path_count.get(e["path"]) == 1:
            checks["incoming_empty"] += 1
        exp = c.calls_in.get(e["path"], 0)
        if c.path_count.get(e["path"]) == 1:
            checks["compared_with_export"] += 1
        if c.path_count.get(e["path"]) == 1 and sites != exp:   # export names edges by path: unique ones only
            checks["incoming_sites_differ_from_export"] += 1
            if len(checks["examples"]) < 12:
                checks["examples"].append({"kind": "incoming sites != export CALLS", "target": e["path"],
                                           "file": e["file"], "position": pos, "lsp_sites": sites,
                                           "export_calls": exp, "items": len(items)})
        done += 1
    for k, v in lat.items():
        out[k] = summary(v)
        if out[k]:
            out[k]["files_under_256k"] = summary(small[k])
        if k in worst:
            out[k]["slowest"] = {"ms": round(worst[k][0], 3), "target": worst[k][1], "answer_items": worst[k][2]}
    allq = lat["implementation"] + lat["references"] + lat["incomingCalls"]
    out["all_three"] = summary(allq)
    out["all_three"]["files_under_256k"] = summary(small["implementation"] + small["references"] + small["incomingCalls"])
    out["checks"] = checks
    return out


# --- 2. didChange -> incomingCalls ------------------------------------------------------------------------

def crate_dir(rel):
    """The folder that holds a crate's files: registry 'name-1.2.3/...', std 'core/...'."""
    return rel.split("/", 1)[0]


def edit_candidates(corpus, rng):
    """(function entity, [edit files]) candidates: a free function with a few
    callers, called by its qualified path from other files of its crate."""
    by_dir = {}     # (crate folder, crate name) -> files holding that crate's items
    for e in corpus.entities:
        by_dir.setdefault((crate_dir(e["file"]), e["path"].split("::")[0]), set()).add(e["file"])
    cands = []
    for e in corpus.entities:
        if e["kind"] != "function" or not (1 <= corpus.calls_in.get(e["path"], 0) <= 20):
            continue
        if e.get("cfg_off"):
            continue      # out of the default build: calls from code in the build are not linked to it
        f = e["file"]
        if re.search(r"(^|/)(tests?|benches|examples)(/|\.rs$)", f) or "/src/" not in "/" + f:
            continue
        if e["name"].startswith("r#") or "::" not in e["path"]:
            continue
        cands.append(e)
    cands.sort(key=stable_key)
    out = []
    for e in cands[:200]:
        crate = e["path"].split("::")[0]
        files = []
        for f in by_dir.get((crate_dir(e["file"]), crate), ()):
            if f == e["file"] or re.search(r"(^|/)(tests?|benches|examples)(/|\.rs$)", f):
                continue
            files.append(f)
        sized = []
        for f in files:
            ls = corpus.file_lines(f)
            if 50 <= len(ls):
                sized.append((len(ls), f))
        if len(sized) < 4:
            continue
        sized.sort()
        pick = []
        for q in (0.25, 0.5, 0.75, 0.9):
            f = sized[min(len(sized) - 1, int(q * len(sized)))][1]
            if f not in pick:
                pick.append(f)
        out.append((e, crate, pick))
    return out


class Doc:
    """An open document and the places in it where a call can be typed: the end
    of a function's `fn name(...) {` line, inside its body. One call at a time
    lives in a document; each edit moves it to the next host function, so the
    declarations stay as they were (the keystroke case) and no line moves."""

    def __init__(self, corpus, rel, enc):
        self.rel = rel
        self.path = os.path.join(corpus.copy, rel)
        self.uri = uri_of(self.path)
        with open(self.path, "rb") as f:
            raw = f.read()
        self.text = raw.decode("utf-8", "replace")
        self.lines = raw.split(b"\n")
        self.enc = enc
        self.version = 1
        self.cur = None          # (line, character, inserted text) of the call in the buffer
        self.hosts = []          # (line, name)

    def find_hosts(self, corpus, avoid):
        seen = set()
        for e in corpus.entities:
            if e["file"] != self.rel or e["kind"] not in ("function", "method") or e["name"] in avoid:
                continue
            if e["name"] in seen or e.get("end_line", 0) - e["line"] < 2:
                continue
            ln = e["line"] - 1
            if ln >= len(self.lines):
                continue
            line = self.lines[ln].rstrip()
            if not re.search(rb"\bfn\s+" + re.escape(e["name"].encode()) + rb"\b", line):
                continue
            if not line.endswith(b"{") or line.count(b"{") != 1 or b"//" in line or b"}" in line:
                continue
            seen.add(e["name"])
            self.hosts.append((ln, e["name"]))
        self.hosts.sort()

    def change(self, host, call):
        """didChange params: take the call out of its current host, type it into host."""
        ln, _ = host
        self.version += 1
        changes = []
        if self.cur:
            l0, c0, t0 = self.cur
            changes.append({"range": {"start": {"line": l0, "character": c0},
                                      "end": {"line": l0, "character": c0 + col_in(t0.encode(), len(t0.encode()), self.enc)}},
                            "text": ""})
        line = self.lines[ln].rstrip(b"\r")
        c = col_in(line, len(line), self.enc)
        text = " %s();" % call
        changes.append({"range": {"start": {"line": ln, "character": c}, "end": {"line": ln, "character": c}},
                        "text": text})
        self.cur = (ln, c, text)
        return {"textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": changes}


def callers_of(res):
    return {x["from"].get("name") for x in (res or [])}


def prepare_edit(cl, corpus, rng, logs):
    """Find a function whose incoming calls follow edits in other files of its crate:
    returns (function entity, call hierarchy item, call text, [Doc]) or raises."""
    tried = 0
    for e, crate, files in edit_candidates(corpus, rng):
        if tried >= 8:
            break
        tried += 1
        pos = corpus.name_pos(e, cl.enc)
        if not pos:
            continue
        items, _ = cl.request("textDocument/prepareCallHierarchy",
                              {"textDocument": {"uri": uri_of(os.path.join(corpus.copy, e["file"]))}, "position": pos})
        if not items:
            continue
        item = items[0]
        base, _ = cl.request("callHierarchy/incomingCalls", {"item": item})
        avoid = set(callers_of(base)) | {e["name"]}
        call = "crate::" + e["path"].split("::", 1)[1]
        docs = []
        first = None     # the session's first edit (the server loads its in-memory resolution then)
        for rel in files:
            d = Doc(corpus, rel, cl.enc)
            d.find_hosts(corpus, avoid)
            if len(d.hosts) < 2:
                continue
            avoid |= {h[1] for h in d.hosts}
            cl.notify("textDocument/didOpen", {"textDocument": {"uri": d.uri, "languageId": "rust",
                                                                "version": d.version, "text": d.text}})
            # warm-up edit, checked with patience: does a call typed in this file reach the function?
            host = d.hosts[-1]
            t0 = time.perf_counter()
            cl.notify("textDocument/didChange", d.change(host, call))
            ok = False
            patience = time.perf_counter() + 20      # the first edit loads the session: seconds
            for k in range(100000):
                if k and time.perf_counter() > patience:
                    break
                res, ms = cl.request("callHierarchy/incomingCalls", {"item": item})
                if k == 0 and first is None:
                    first = {"file": rel, "first_answer_ms": round((time.perf_counter() - t0) * 1e3, 2),
                             "first_answer_reflected": host[1] in callers_of(res)}
                if host[1] in callers_of(res):
                    ok = True
                    if k == 0 or "reflected_after_ms" not in first:
                        first.setdefault("reflected_after_ms", round((time.perf_counter() - t0) * 1e3, 2))
                    break
                time.sleep(0.02)
            if ok:
                docs.append(d)
            else:
                cl.notify("textDocument/didClose", {"textDocument": {"uri": d.uri}})
        if docs:
            return e, item, call, docs, first
        say("  (function %s: no edit reached it; trying another)" % e["path"])
    raise RuntimeError("no function found whose callers follow an edit")


def bench_didchange(cl, corpus, rng, n, logs):
    e, item, call, docs, first = prepare_edit(cl, corpus, rng, logs)
    cl.wait_ready()
    lat, stale, old_left = [], 0, 0
    stale_ms = []
    per_file = {d.rel: [] for d in docs}
    nd = len(docs)
    for i in range(n):
        d = docs[i % nd]
        host = d.hosts[(i // nd) % len(d.hosts)]
        was = d.cur
        prev_name = next((h[1] for h in d.hosts if was and h[0] == was[0]), None)
        if prev_name == host[1]:      # a one-host cycle cannot show a change: skip to the next host
            host = d.hosts[((i // nd) + 1) % len(d.hosts)]
        change = d.change(host, call)
        time.sleep(EDIT_GAP_S)
        t0 = time.perf_counter()
        cl.notify("textDocument/didChange", change)
        rid = cl.start("callHierarchy/incomingCalls", {"item": item})
        res, t1 = cl.wait(rid)
        ms = (t1 - t0) * 1e3
        lat.append(ms)
        per_file[d.rel].append(ms)
        names = callers_of(res)
        if host[1] not in names:
            stale += 1
            stale_ms.append(round(ms, 2))
        if prev_name and prev_name != host[1] and prev_name in names:
            old_left += 1
    st, _ = cl.request("parseltongue/stats", {})
    for d in docs:
        cl.notify("textDocument/didClose", {"textDocument": {"uri": d.uri}})
    r = summary(lat)
    r.update({"function": e["path"], "call_text": "%s();" % call,
              "files": [{"file": d.rel, "lines": len(d.lines), "bytes": len(d.text.encode()), "hosts": len(d.hosts),
                         "p50": round(pct(per_file[d.rel], 50), 3) if per_file[d.rel] else None,
                         "max": round(max(per_file[d.rel]), 3) if per_file[d.rel] else None} for d in docs],
              "first_edit": first,
              "not_reflected": stale, "not_reflected_ms": stale_ms[:20],
              "previous_caller_still_listed": old_left,
              "server_last_update_ms": [x.get("lastUpdateMs") for x in st.get("roots", [])]})
    return r


# --- scenarios ---------------------------------------------------------------------------------------------

def scenario(label, corpora, folders, db, traits, fns, logs, results, memory=False):
    say("\n=== %s: %s ===" % (label, " + ".join(c.name for c in corpora)))
    res = results.setdefault(label, {})
    res["load_before"] = open("/proc/loadavg").read().split()[:3]
    # 1. start-up, each client profile
    edit_corpus = corpora[-1]
    e, pos = pick_startup_target(edit_corpus, traits)
    if not e:
        fail(label + " startup", "no trait with impls to ask about")
    else:
        turi = uri_of(os.path.join(edit_corpus.copy, e["file"]))
        for prof in PROFILES:
            runs = []
            try:
                for _ in range(SPAWNS):
                    runs.append(bench_startup(folders, db, prof, turi, pos, logs, label))
            except Exception as ex:   # noqa: BLE001
                fail("%s startup %s" % (label, prof), ex)
            if runs:
                firsts = [r[1] for r in runs]
                res.setdefault("startup", {})[prof] = {
                    "median_ms": round(statistics.median(firsts), 2), "runs_ms": [round(x, 2) for x in firsts],
                    "initialize_answered_ms": [round(r[0], 2) for r in runs],
                    "answer_items": [r[2] for r in runs], "target": e["path"],
                    "request": "textDocument/implementation"}
                say("startup %-7s first answer median %.1f ms  runs %s  (initialize answered %s; %d items, %s)" % (
                    prof, statistics.median(firsts), [round(x, 1) for x in firsts],
                    [round(r[0], 1) for r in runs], runs[0][2], e["path"]))
                if any(r[2] == 0 for r in runs):
                    fail("%s startup %s" % (label, prof), "an empty first answer for %s" % e["path"])
    # 2-4. one long-lived server per profile
    for prof in PROFILES:
        rng = random.Random(SEED)
        try:
            cl = Lsp(folders, db, prof, os.path.join(logs, "%s.serve.%s.err" % (label, prof)))
        except Exception as ex:   # noqa: BLE001
            fail("%s serve %s" % (label, prof), ex)
            continue
        try:
            cl.initialize()
            cl.notify("initialized", {})
            st, ready_s = cl.wait_ready()
            res.setdefault("ready_after_start_s", {})[prof] = round(ready_s, 3)
            res["graph"] = {"files": st.get("files"), "entities": st.get("entities"), "edges": st.get("edges")}
            say("[%s] ready %.2f s after initialized (files %s, entities %s, edges %s)" % (
                prof, ready_s, st.get("files"), st.get("entities"), st.get("edges")))
            res.setdefault("memory_ready", {})[prof] = cl.memory()
            if prof == PROFILES[0]:
                t0 = time.perf_counter()
                rt = bench_roundtrip(cl, traits, fns, RT_N)
                res["roundtrip"] = rt
                res["roundtrip"]["profile"] = prof
                for k in ("implementation", "references", "prepareCallHierarchy", "incomingCalls", "all_three"):
                    if rt.get(k):
                        sm = rt[k].get("files_under_256k") or {}
                        say("[%s] round trip %-22s n=%-5d p50 %.3f  p99 %.3f  max %.2f ms   "
                            "(targets in files < 256 KB: n=%s p50 %s p99 %s)" % (
                                prof, k, rt[k]["n"], rt[k]["p50"], rt[k]["p99"], rt[k]["max"],
                                sm.get("n"), sm.get("p50"), sm.get("p99")))
                ch = rt["checks"]
                say("[%s] answers: %d empty implementation, %d empty references, %d empty prepare, "
                    "%d empty incoming, %d of %d incoming site counts differ from export  (%.1f s)" % (
                        prof, ch["implementation_empty"], ch["references_empty"], ch["prepare_empty"],
                        ch["incoming_empty"], ch["incoming_sites_differ_from_export"], ch["compared_with_export"], time.perf_counter() - t0))
                res["memory_after_roundtrip"] = cl.memory()
                # what a diagnostic pull costs (VS Code pulls after edits; the server
                # computes the folder's module cycles on the dispatcher thread)
                dp = []
                for c in corpora:
                    f = next((e["file"] for e in c.entities if e["file"].endswith("lib.rs")), c.entities[0]["file"])
                    for _ in range(3):
                        _, ms = cl.request("textDocument/diagnostic",
                                           {"textDocument": {"uri": uri_of(os.path.join(c.copy, f))}})
                        dp.append(ms)
                    res.setdefault("diagnostic_pull_ms", {})[c.name] = round(statistics.median(dp[-3:]), 1)
                say("[%s] textDocument/diagnostic (one pull, median of 3): %s" % (
                    prof, ", ".join("%s %.1f ms" % kv for kv in res["diagnostic_pull_ms"].items())))
            try:
                dc = bench_didchange(cl, edit_corpus, rng, EDITS, logs)
                res.setdefault("didchange", {})[prof] = dc
                say("[%s] didChange -> incomingCalls n=%d p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms; "
                    "%d answers did not reflect the edit, %d still listed the previous caller; function %s; files %s" % (
                        prof, dc["n"], dc["p50"], dc["p90"], dc["p99"], dc["max"], dc["not_reflected"],
                        dc["previous_caller_still_listed"], dc["function"],
                        ", ".join("%s (%d lines, p50 %.1f ms)" % (f["file"], f["lines"], f["p50"] or 0)
                                  for f in dc["files"])))
                fe = dc.get("first_edit") or {}
                say("[%s] first edit of the session (%s): first answer %.1f ms, %s; edit visible after %s ms" % (
                    prof, fe.get("file"), fe.get("first_answer_ms", 0),
                    "reflected it" if fe.get("first_answer_reflected") else "did NOT reflect it",
                    fe.get("reflected_after_ms")))
            except Exception as ex:   # noqa: BLE001
                fail("%s didChange %s" % (label, prof), ex)
            cl.wait_ready()
            mem = cl.memory()
            res.setdefault("memory", {})[prof] = mem
            m0 = res["memory_ready"][prof]
            say("[%s] memory when ready, before any request: private %.1f MB (LMDB map %.1f MB), Rss %.1f MB, "
                "anonymous %.1f MB" % (prof, m0["private_mb"], m0["lmdb_map_private_mb"], m0["rss_mb"], m0["anonymous_mb"]))
            say("[%s] memory at the end: private %.1f MB (of which LMDB map %.1f MB), Rss %.1f MB, anonymous %.1f MB, "
                "peak Rss %.1f MB, %s threads" % (prof, mem["private_mb"], mem["lmdb_map_private_mb"], mem["rss_mb"],
                                                  mem["anonymous_mb"], mem["peak_rss_mb"], mem["threads"]))
            res.setdefault("notifications", {})[prof] = cl.notes
        except Exception as ex:   # noqa: BLE001
            fail("%s serve %s" % (label, prof), ex)
        finally:
            rc = cl.close()
            if rc not in (0, None):
                fail("%s serve %s" % (label, prof), "exit status %s after shutdown/exit" % rc)
    res["load_after"] = open("/proc/loadavg").read().split()[:3]
    say("load average before/after: %s / %s" % (" ".join(res["load_before"]), " ".join(res["load_after"])))


# --- report --------------------------------------------------------------------------------------------------

def checks_of(results):  # noqa: C901
    out = []

    def add(name, value, target, unit="ms"):
        out.append({"check": name, "value": value, "target": target, "unit": unit,
                    "pass": None if value is None else value <= target})

    for label, corpus_word in (("std", "std"), ("combined", "std+crates")):
        r = results.get(label)
        if not r:
            continue
        for prof in PROFILES:
            s = r.get("startup", {}).get(prof)
            add("%s: start -> first answer, median (%s)%s" % (corpus_word, prof, "" if label == "std" else " [std's target]"),
                s and s["median_ms"], TARGETS["startup_ms_std"])
        for prof in PROFILES:
            d = r.get("didchange", {}).get(prof)
            add("%s: didChange -> incomingCalls p50 (%s)" % (corpus_word, prof), d and d["p50"], TARGETS["didchange_p50_ms"])
            add("%s: didChange -> incomingCalls p99 (%s)" % (corpus_word, prof), d and d["p99"], TARGETS["didchange_p99_ms"])
            if d:
                out.append({"check": "%s: didChange answers not reflecting the edit (%s)" % (corpus_word, prof),
                            "value": d["not_reflected"], "target": 0, "unit": "of %d" % d["n"],
                            "pass": d["not_reflected"] == 0})
        rt = r.get("roundtrip", {})
        for k in ("implementation", "references", "incomingCalls"):
            add("%s: round trip %s p99" % (corpus_word, k), rt.get(k) and rt[k]["p99"], TARGETS["roundtrip_p99_ms"])
        if label == "combined":
            for prof in PROFILES:
                m = r.get("memory", {}).get(prof)
                add("std+crates: private memory while serving (%s)" % prof, m and m["private_mb"],
                    TARGETS["private_mb_combined"], "MB")
    return out


def print_table(checks):
    say("\n%-72s %12s %10s  %s" % ("figure", "value", "target", "result"))
    say("-" * 106)
    for c in checks:
        v = "n/a" if c["value"] is None else ("%.2f" % c["value"] if isinstance(c["value"], float) else str(c["value"]))
        res = "n/a" if c["pass"] is None else ("pass" if c["pass"] else "MISS")
        tgt = ("<= %s" % c["target"]) if c["unit"] in ("ms", "MB") else ("= %s" % c["target"])
        say("%-72s %9s %-3s %9s  %s" % (c["check"], v, c["unit"] if c["unit"] in ("ms", "MB") else "",
                                       tgt, res + ("" if c["unit"] in ("ms", "MB") else " (" + c["unit"] + ")")))


def main():
    t_start = time.time()
    say("Parseltongue LSP benchmark  %s  (%s)" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                                 "BENCH_QUICK=1" if QUICK else "full"))
    say("scratch %s; profiles %s; %d spawns, %d targets per kind, %d edits" % (
        WORK, " ".join(PROFILES), SPAWNS, RT_N, EDITS))
    global BIN
    if not os.access(BIN, os.X_OK):
        fail("setup", "no binary at %s (build it with make)" % BIN)
        return 1
    logs = os.path.join(WORK, "logs")
    os.makedirs(logs, exist_ok=True)
    # one binary for the whole run, even if the build tree is rebuilt meanwhile
    src_bin = BIN
    BIN = os.path.join(WORK, "parseltongue")
    shutil.copy2(src_bin, BIN)
    with open(BIN, "rb") as f:
        bin_id = "%s sha256:%s" % (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(os.stat(src_bin).st_mtime)),
                                   hashlib.sha256(f.read()).hexdigest()[:12])
    say("binary %s (%s), run from a copy at %s" % (src_bin, bin_id, BIN))
    for f in os.listdir(logs):
        os.unlink(os.path.join(logs, f))
    results = {"generated_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "run": {"quick": QUICK, "spawns": SPAWNS, "roundtrip_targets_per_kind": RT_N, "edits": EDITS,
                       "edit_gap_ms": EDIT_GAP_S * 1e3, "profiles": PROFILES, "binary": src_bin, "binary_id": bin_id,
                       "settle_ms": os.environ.get("PARSELTONGUE_LSP_SETTLE_MS", "30 (default)"),
                       "nproc": os.cpu_count(), "load_before": open("/proc/loadavg").read().split()[:3]},
               "targets": TARGETS, "corpora": {}}
    want = [("std", STD_SRC)] + ([("crates", CRATES_SRC)] if "crates" in CORPORA else [])
    corp = []
    say("\n=== Setup ===")
    for i, (name, src) in enumerate(want):
        if not os.path.isdir(src):
            fail("setup " + name, "no sources at %s (Debian package %s)" % (
                src, "rust-src" if name == "std" else "librust-*-dev"))
            continue
        c = Corpus(name, src, os.path.join(WORK, "src", name), os.path.join(WORK, "db", str(i)))
        try:
            reuse = REUSE and os.path.isdir(c.copy) and os.path.exists(os.path.join(c.db, "data.mdb"))
            if not reuse:
                copy_tree(src, c.copy)
            files, lines = corpus_lines(c.copy)
            if not reuse:
                shutil.rmtree(c.db, ignore_errors=True)
                os.makedirs(c.db)
            # on a reused database this is a no-change run (it also repairs what a crash left)
            rc, secs = run([BIN, "onboard", c.copy, "--db", c.db], os.path.join(logs, "onboard.%s.log" % name))
            if rc:
                raise RuntimeError("onboard exit %d (log %s)" % (rc, os.path.join(logs, "onboard.%s.log" % name)))
            t0 = time.perf_counter()
            c.load_export(logs)
            say("%s: %d .rs files, %d lines; copied to %s; indexed in %.1f s into %s; export read in %.1f s" % (
                name, files, lines, c.copy, secs, c.db, time.perf_counter() - t0))
            results["corpora"][name] = {"source": src, "copy": c.copy, "db": c.db, "rs_files": files,
                                        "rs_lines": lines, "onboard_s": round(secs, 2)}
            corp.append(c)
        except Exception as ex:   # noqa: BLE001
            fail("setup " + name, ex)
            if i == 0:
                break
    rng = random.Random(SEED)
    if corp and corp[0].name == "std":
        traits, fns = sample_targets(corp[:1], RT_N, rng)
        scenario("std", corp[:1], [corp[0].copy], corp[0].db, traits, fns, logs, results)
    if len(corp) == 2:
        traits, fns = sample_targets(corp, RT_N, rng)
        # two workspace folders in one initialize: --db DIR serves folder i from DIR/i,
        # which are exactly the databases onboard wrote (db/0 std, db/1 crates)
        scenario("combined", corp, [corp[0].copy, corp[1].copy], os.path.join(WORK, "db"), traits, fns, logs,
                 results, memory=True)
        results["combined"]["rs_lines"] = sum(results["corpora"][c.name]["rs_lines"] for c in corp)
    checks = checks_of(results)
    results["checks"] = checks
    results["failures"] = FAILURES
    results["run"]["elapsed_s"] = round(time.time() - t_start, 1)
    results["run"]["load_after"] = open("/proc/loadavg").read().split()[:3]
    print_table(checks)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    say("\nresults: %s; logs: %s; %.0f s" % (RESULTS, logs, time.time() - t_start))
    if not KEEP:
        shutil.rmtree(os.path.join(WORK, "src"), ignore_errors=True)
        shutil.rmtree(os.path.join(WORK, "db"), ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
