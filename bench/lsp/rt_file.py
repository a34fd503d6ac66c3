#!/usr/bin/env python3
"""Round trips of implementation / references / incomingCalls on the names of
one file, for one or more server binaries side by side in the same run.

usage: python3 bench/lsp/rt_file.py --copy STD_COPY --db DB --file REL
                                    [--rounds N] BINARY [BINARY ...]

Every binary gets its own copy of DB (made once: DB.0, DB.1, ...) and its own
long-lived `parseltongue --stdio` (vscode profile: utf-16 positions). The
targets are the function and method names of REL that have callers in
`export` (references, prepareCallHierarchy then incomingCalls) and every
function, method, struct, enum and trait name of REL (implementation). Each
round asks every target of every kind once of each server, the servers in
turn per request (the order alternates from round to round), so that load on
the machine falls on all of them alike. Prints, per binary and kind, the
median and p99 (nearest rank) of all rounds, and writes them as JSON with
--json. Beside each request's wall time it records the server's CPU time
for it (the run time of all its threads, /proc/PID/task/*/schedstat): on a
loaded machine the wall tail is the scheduler's, the CPU time is the
server's. Python 3 standard library only; reuses bench/lsp/lsp_bench.py.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_bench as lb  # noqa: E402

NAME = re.compile(rb"\b(fn|struct|enum|trait)\s+(?:r#)?([A-Za-z_][A-Za-z0-9_]*)")


def targets(copy, db, rel, binary):
    """(impl_positions, fn_positions) in utf-16: every item name of rel, and
    the names of functions export lists a CALLS edge into."""
    out = subprocess.run([binary, "export", "--format", "json", "--db", db], check=True,
                         stdout=subprocess.PIPE).stdout
    d = json.loads(out)
    called = {e["to"] for e in d["edges"] if e["kind"] == "CALLS"}
    with open(os.path.join(copy, rel), "rb") as f:
        lines = f.read().split(b"\n")
    impl, fns = [], []
    for e in d["entities"]:
        if e.get("file") != rel or e.get("kind") not in ("function", "method", "struct", "enum", "trait"):
            continue
        ln = e["line"] - 1
        for k in range(ln, min(ln + 6, len(lines))):
            m = NAME.search(lines[k])
            if m and m.group(2).decode() == e["name"]:
                pos = {"line": k, "character": lb.col_in(lines[k], m.start(2), "utf-16")}
                impl.append(pos)
                if e["kind"] in ("function", "method") and e["path"] in called:
                    fns.append(pos)
                break
    return impl, fns


def cpu_ms(pid):
    """The process's CPU time so far (all threads), in ms."""
    ns = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                ns += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):   # a thread that just ended
            pass
    return ns / 1e6


def timed(cl, method, params):
    """(result, wall ms, server CPU ms) of one request."""
    c0 = cpu_ms(cl.p.pid)
    res, ms = cl.request(method, params)
    return res, ms, cpu_ms(cl.p.pid) - c0


def start_servers(copy, db, binaries, logdir):
    """One ready server per binary, each on its own copy of db (db.0,
    db.1, ..., made once), its stderr in logdir/server.N.err."""
    servers = []
    for i, b in enumerate(binaries):
        mine = "%s.%d" % (db.rstrip("/"), i)
        if not os.path.isdir(mine):
            shutil.copytree(db, mine)
        lb.BIN = os.path.abspath(b)
        cl = lb.Lsp([copy], mine, "vscode", os.path.join(logdir, "server.%d.err" % i))
        cl.initialize()
        cl.notify("initialized", {})
        cl.wait_ready()
        servers.append(cl)
    return servers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copy", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("binaries", nargs="+")
    a = ap.parse_args()
    os.makedirs("/tmp/rt_file_logs", exist_ok=True)
    impl, fns = targets(a.copy, a.db, a.file, a.binaries[0])
    print("%s: %d names for implementation, %d called functions" % (a.file, len(impl), len(fns)))
    uri = lb.uri_of(os.path.join(a.copy, a.file))
    servers = start_servers(a.copy, a.db, a.binaries, "/tmp/rt_file_logs")
    lat = [{"implementation": [], "references": [], "incomingCalls": []} for _ in servers]
    cpu = [{"implementation": [], "references": [], "incomingCalls": []} for _ in servers]
    time.sleep(3)   # start-up work (the check, the scan) out of the first requests' CPU
    for rnd in range(a.rounds):
        order = list(range(len(servers)))
        if rnd % 2:
            order.reverse()
        for pos in impl:
            td = {"textDocument": {"uri": uri}, "position": pos}
            for i in order:
                _, ms, c = timed(servers[i], "textDocument/implementation", td)
                lat[i]["implementation"].append(ms)
                cpu[i]["implementation"].append(c)
        for pos in fns:
            td = {"textDocument": {"uri": uri}, "position": pos}
            for i in order:
                _, ms, c = timed(servers[i], "textDocument/references",
                                 dict(td, context={"includeDeclaration": True}))
                lat[i]["references"].append(ms)
                cpu[i]["references"].append(c)
                items, _ = servers[i].request("textDocument/prepareCallHierarchy", td)
                if items:
                    _, ms, c = timed(servers[i], "callHierarchy/incomingCalls", {"item": items[0]})
                    lat[i]["incomingCalls"].append(ms)
                    cpu[i]["incomingCalls"].append(c)
    res = {"file": a.file, "rounds": a.rounds, "load": open("/proc/loadavg").read().split()[:3], "binaries": {}}
    for i, b in enumerate(a.binaries):
        row = {}
        for k, v in lat[i].items():
            s, c = lb.summary(v), lb.summary(cpu[i][k])
            row[k] = {"n": s["n"], "p50": s["p50"], "p99": s["p99"], "cpu_p50": c["p50"], "cpu_p99": c["p99"]}
            print("%-40s %-15s n=%5d  p50 %7.3f ms  p99 %7.3f ms   server CPU p50 %7.3f ms  p99 %7.3f ms" % (
                b, k, s["n"], s["p50"], s["p99"], c["p50"], c["p99"]))
        res["binaries"][b] = row
    for cl in servers:
        cl.close()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
