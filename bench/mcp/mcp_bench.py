#!/usr/bin/env python3
"""bench/mcp/mcp_bench.py — the MCP server as an agent uses it, on real corpora.

    python3 bench/mcp/mcp_bench.py [build/parseltongue]

On the Rust standard library and on the 2.7M-line corpus (std and the crates
of bench/run.sh's CRATE_PKGS under /usr/share/cargo/registry, copied into one
workspace folder), with the index built once beforehand (not timed):

  1. start -> first answer: a process started, initialize, initialized and a
     tools/call written at once, until the call's answer is read (median of N
     starts), and the server's own no-change check before it (checked_ms);
  2. a session of tool calls on sampled functions (context, callers, callees,
     blast_radius, where_defined, search, impact): round trips per tool;
  3. the memory of that process after the session: private (Private_Clean +
     Private_Dirty, /proc/PID/smaps_rollup), of which the LMDB map's pages
     (file-backed, private while only this process maps them), RSS, peak RSS;
  4. (std) whether the context holds the callers a reviewer names first
     (bench/mcp/reviewer_std.json, hand-checked from the source), beside the
     CLI's generate-context on the same target.

Medians throughout; the machine is shared and noisy. Figures go to
bench/results/mcp_latest.json. Environment: BENCH_WORK (default
/tmp/parseltongue-bench; this script uses $BENCH_WORK/mcp), BENCH_CORPORA
("std crates"), BENCH_QUICK=1 (3 starts, 20 targets; else 7 and 60),
BENCH_MCP_REUSE=1 (keep and reuse the copies and indexes).
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "parseltongue"))
WORK = os.path.join(os.environ.get("BENCH_WORK", "/tmp/parseltongue-bench"), "mcp")
QUICK = os.environ.get("BENCH_QUICK") == "1"
STARTS = 3 if QUICK else 7
NTARGETS = 20 if QUICK else 60
CORPORA = os.environ.get("BENCH_CORPORA", "std crates").split()
REUSE = os.environ.get("BENCH_MCP_REUSE") == "1"
STD_SRC = "/usr/lib/rustlib/src/rust/library"
CRATES_SRC = "/usr/share/cargo/registry"
TARGETS = {"private_mb": 30.0, "first_answer_ms": 50.0}


def say(*a):
    print(*a, flush=True)


def copy_sources(src, dst):
    """Only .rs files and Cargo.toml, mtimes kept (as bench/run.sh does)."""
    if os.path.isdir(dst) and REUSE:
        return
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    find = subprocess.Popen(["find", ".", "-type", "f", "(", "-name", "*.rs", "-o", "-name", "Cargo.toml", ")",
                             "-print0"], cwd=src, stdout=subprocess.PIPE)
    tar = subprocess.Popen(["tar", "--null", "-cf", "-", "-T", "-"], cwd=src, stdin=find.stdout,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    subprocess.check_call(["tar", "-xf", "-"], cwd=dst, stdin=tar.stdout)
    tar.wait()
    find.wait()


def lines_of(root):
    n = 0
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".rs"):
                with open(os.path.join(d, f), "rb") as fh:
                    n += fh.read().count(b"\n")
    return n


def onboard(root, db):
    t0 = time.perf_counter()
    subprocess.check_call([BIN, "onboard", root, "--db", db, "--quiet"])
    return time.perf_counter() - t0


# ---- a session ---------------------------------------------------------------------------

class Poller(threading.Thread):
    """Reads /proc/PID/status every millisecond: the largest anonymous
    (the process's own) and file-backed (mapped page cache: the index)
    resident sizes seen while it answers."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop, self.anon, self.file = pid, False, 0, 0

    def run(self):
        while not self.stop:
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    for line in f:
                        if line.startswith("RssAnon"):
                            self.anon = max(self.anon, int(line.split()[1]))
                        elif line.startswith("RssFile"):
                            self.file = max(self.file, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.001)


class Session:
    """One `parseltongue mcp` process, spoken to through pipes, one line a message."""

    def __init__(self, root, db, poll=False):
        self.t0 = time.perf_counter()
        self.p = subprocess.Popen([BIN, "mcp", root, "--db", db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1
        self.poller = None
        if poll:
            self.poller = Poller(self.p.pid)
            self.poller.start()

    def send(self, obj):
        self.p.stdin.write((json.dumps(obj) + "\n").encode())
        self.p.stdin.flush()

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("the server closed its output")
        return json.loads(line)

    def request(self, method, params):
        i = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        return i

    def wait(self, i):
        while True:
            m = self.read()
            if m.get("id") == i:
                return m

    def call(self, name, args):
        t = time.perf_counter()
        m = self.wait(self.request("tools/call", {"name": name, "arguments": args}))
        return m, (time.perf_counter() - t) * 1e3

    def initialize(self):
        i = self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                        "clientInfo": {"name": "bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return i

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
                if line.startswith("VmHWM"):
                    m["hwm"] = int(line.split()[1])
        db_priv = 0
        cur = False
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    cur = line.rstrip().endswith("data.mdb")
                elif cur and line.startswith(("Private_Clean:", "Private_Dirty:")):
                    db_priv += int(line.split()[1])
        mb = lambda kb: round(kb / 1024.0, 1)  # noqa: E731
        priv = m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)
        peaks = {}
        if self.poller:
            peaks = {"peak_anonymous_mb": mb(self.poller.anon), "peak_mapped_index_mb": mb(self.poller.file)}
        return {**peaks, "private_mb": mb(priv), "lmdb_map_private_mb": mb(db_priv),
                "private_excl_lmdb_map_mb": mb(priv - db_priv), "anonymous_mb": mb(m.get("Anonymous", 0)),
                "rss_mb": mb(m.get("Rss", 0)), "peak_rss_mb": mb(m.get("hwm", 0))}

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


# ---- the measurements ----------------------------------------------------------------------

def sample_targets(root, db, n):
    """Functions and methods in the build, spread over the corpus: search by
    two-letter prefixes, every k-th hit (deterministic)."""
    s = Session(root, db)
    s.wait(s.initialize())
    paths = []
    for pre in ["ne", "pu", "re", "wr", "fr", "to", "is", "ge", "se", "ma", "fo", "pa", "le", "co", "in"]:
        m, _ = s.call("search", {"query": pre, "limit": 200, "tokens": 100000})
        for it in m["result"]["structuredContent"]["items"]:
            if it["kind"] in ("function", "method") and it["group"] not in ("test", "bench", "example", "cfg_off") \
                    and it["path"] not in paths:
                paths.append(it["path"])
    s.close()
    step = max(1, len(paths) // n)
    return paths[::step][:n]


def first_answer(root, db, target):
    """Start -> the first tools/call answered (all written at once)."""
    times, checks = [], []
    for _ in range(STARTS):
        s = Session(root, db)
        s.initialize()
        i = s.request("tools/call", {"name": "where_defined", "arguments": {"target": target}})
        m = s.wait(i)
        times.append((time.perf_counter() - s.t0) * 1e3)
        checks.append(m["result"]["structuredContent"]["index"]["checked_ms"])
        s.close()
    # as a client does it: initialize and tools/list answered, the model
    # decides, then the first call (the start-up check has run by then)
    later = []
    for _ in range(STARTS):
        s = Session(root, db)
        s.wait(s.initialize())
        s.wait(s.request("tools/list", {}))
        time.sleep(0.3)
        t = time.perf_counter()
        s.wait(s.request("tools/call", {"name": "where_defined", "arguments": {"target": target}}))
        later.append((time.perf_counter() - t) * 1e3)
        s.close()
    return {"first_answer_ms": round(statistics.median(times), 1), "runs": [round(t, 1) for t in times],
            "check_ms": round(statistics.median(checks), 2),
            "first_call_after_handshake_ms": round(statistics.median(later), 2)}


def session(root, db, targets):
    s = Session(root, db, poll=True)
    s.wait(s.initialize())
    lat = {}
    sizes = {}
    plan = []
    for t in targets:
        plan += [("context", {"target": t}), ("callers", {"target": t}), ("callees", {"target": t}),
                 ("blast_radius", {"target": t}), ("where_defined", {"target": t})]
    heavy = [("search", {"query": "parse"}), ("entities_in_file", {"file": "std/src/path.rs"}),
             ("impact", {"files": []}), ("find_cycles", {"level": "module"})]
    plan += [("memory", None)] + heavy
    errors = 0
    touched = None
    mem_common = None
    for name, args in plan:
        if name == "memory":
            mem_common = s.memory()
            continue
        if name == "impact":
            # the file of the first target: an agent's "I touched this"
            args = {"files": [touched or "std/src/path.rs"]}
        m, ms = s.call(name, args)
        if name == "where_defined" and not touched:
            items = m.get("result", {}).get("structuredContent", {}).get("items") or [{}]
            touched = items[0].get("file")
        r = m.get("result", {})
        if r.get("isError") and "names no item" not in r["content"][0]["text"] and "not an indexed" not in r["content"][0]["text"]:
            errors += 1
        lat.setdefault(name, []).append(ms)
        sizes.setdefault(name, []).append(len(json.dumps(r.get("structuredContent", {}))))
    mem = s.memory()
    s.close()
    return {"latency_ms": {k: {"median": round(statistics.median(v), 2), "p90": round(pct(v, 0.9), 2),
                               "max": round(max(v), 2), "n": len(v)} for k, v in lat.items()},
            "json_bytes_median": {k: int(statistics.median(v)) for k, v in sizes.items()},
            "memory_after_common_tools": mem_common, "memory": mem, "tool_errors": errors}


def reviewer_first(root, db):
    spec = json.load(open(os.path.join(HERE, "reviewer_std.json")))
    s = Session(root, db)
    s.wait(s.initialize())
    out = []
    for t in spec["targets"]:
        m, _ = s.call("context", {"target": t["target"]})
        shown = m["result"]["structuredContent"]["sections"][t["section"]]
        got = {(i["file"], i["line"]) for i in shown["shown"]}
        want = [(f["file"], f["line"]) for f in t["first"]]
        ours = sum(w in got for w in want)
        cli = subprocess.run([BIN, "query", "generate-context", t["target"], "--db", db], cwd=root,
                             capture_output=True, text=True).stdout
        cli_got = set(re.findall(r"^- \S+ \([a-z_]+\) (\S+?):(\d+)", cli, re.M))
        cli_n = sum((f, str(l)) in cli_got for f, l in want)
        out.append({"target": t["target"], "want": len(want), "ours": ours, "cli": cli_n,
                    "shown": len(shown["shown"]), "total": shown["total"],
                    "missed": [w for w in want if w not in got]})
        say("  %-34s reviewer-first %d/%d (ours, %d of %d callers shown), %d/%d (CLI generate-context)"
            % (t["target"], ours, len(want), len(shown["shown"]), shown["total"], cli_n, len(want)))
    s.close()
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    results = {"binary": BIN, "quick": QUICK, "corpora": {}}
    say("setup (not timed): copies under %s, one index each" % WORK)
    copy_sources(STD_SRC, os.path.join(WORK, "src", "std"))
    corpora = {"std": (os.path.join(WORK, "src", "std"), os.path.join(WORK, "db", "std"))}
    if "crates" in CORPORA:
        combined = os.path.join(WORK, "src", "combined")
        if not (REUSE and os.path.isdir(combined)):
            shutil.rmtree(combined, ignore_errors=True)
            os.makedirs(combined)
            copy_sources(STD_SRC, os.path.join(combined, "std"))
            copy_sources(CRATES_SRC, os.path.join(combined, "crates"))
        corpora["std+crates"] = (combined, os.path.join(WORK, "db", "combined"))
    for name, (root, db) in corpora.items():
        if not REUSE:
            shutil.rmtree(db, ignore_errors=True)
        secs = onboard(root, db)
        lines = lines_of(root)
        say("\n== %s: %s lines, indexed in %.1f s" % (name, format(lines, ","), secs))
        targets = sample_targets(root, db, NTARGETS)
        r = {"rs_lines": lines, "targets": len(targets)}
        r["start"] = first_answer(root, db, targets[0])
        say("  start -> first answer: median %.1f ms (%s), no-change check %.2f ms; the first call 0.3 s after "
            "initialize and tools/list: %.2f ms" % (r["start"]["first_answer_ms"], r["start"]["runs"],
                                                     r["start"]["check_ms"],
                                                     r["start"]["first_call_after_handshake_ms"]))
        r["session"] = session(root, db, targets)
        for k, v in r["session"]["latency_ms"].items():
            say("  %-16s median %7.2f ms  p90 %7.2f  max %7.2f  (n=%d)" % (k, v["median"], v["p90"], v["max"], v["n"]))
        for label, mem in (("context, callers, callees, blast_radius, where_defined", r["session"]["memory_after_common_tools"]),
                           ("then search, entities_in_file, impact, find_cycles", r["session"]["memory"])):
            say("  memory after %s: private %.1f MB (LMDB map %.1f, the rest %.1f; anonymous %.1f), RSS %.1f MB; "
                "so far: peak RSS %.1f MB, peak anonymous %.1f MB, peak mapped file pages %.1f MB"
                % (label, mem["private_mb"], mem["lmdb_map_private_mb"], mem["private_excl_lmdb_map_mb"],
                   mem["anonymous_mb"], mem["rss_mb"], mem["peak_rss_mb"], mem.get("peak_anonymous_mb", 0),
                   mem.get("peak_mapped_index_mb", 0)))
        if name == "std":
            r["reviewer_first"] = reviewer_first(root, db)
        results["corpora"][name] = r
    say("\n%-44s %10s %8s" % ("figure", "value", "target"))
    for name, r in results["corpora"].items():
        for label, v, t, unit in (("%s: start -> first answer" % name, r["start"]["first_answer_ms"], TARGETS["first_answer_ms"], "ms"),
                                  ("%s: private memory between calls" % name, r["session"]["memory"]["private_mb"], TARGETS["private_mb"], "MB"),
                                  ("%s: peak anonymous memory, all tools" % name, r["session"]["memory"]["peak_anonymous_mb"], TARGETS["private_mb"], "MB")):
            say("%-44s %7.1f %s %6.0f %s" % (label, v, unit, t, "ok" if v <= t else "MISS"))
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "mcp_latest.json"), "w") as f:
        json.dump(results, f, indent=1)


main()
