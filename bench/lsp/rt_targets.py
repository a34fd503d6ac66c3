#!/usr/bin/env python3
"""lsp_bench.py's round trips (its seeded targets: traits with implementations,
functions with callers, drawn across the whole corpus, each asked once) for
one or more server binaries side by side in the same run.

usage: python3 bench/lsp/rt_targets.py --copy STD_COPY --db DB [--n 200] BINARY [BINARY ...]

Every binary gets its own copy of DB (DB.0, DB.1, ...: made once) and its own
`parseltongue --stdio` (vscode profile). Each target is asked of every
server in turn (the order alternates), so that load on the machine falls on
all of them alike. Printed per binary and kind: wall time and the server's
CPU time for the request (rt_file.py's cpu_ms), p50 / p90 / p99 / max
(nearest rank), then the requests that took the most server CPU. Unlike
rt_file.py, which asks every name of one file many times, these targets
are spread over the corpus: a file is often asked for the first time, which
is what lsp_bench.py's p99 measures. Python 3 standard library only.
"""
import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_bench as lb  # noqa: E402
from rt_file import start_servers, timed  # noqa: E402

KINDS = ("implementation", "references", "incomingCalls")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copy", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("binaries", nargs="+")
    a = ap.parse_args()
    work = "/tmp/rt_targets_logs"
    os.makedirs(work, exist_ok=True)
    lb.WORK = work
    lb.BIN = os.path.abspath(a.binaries[0])
    corpus = lb.Corpus("std", a.copy, a.copy, a.db)
    corpus.load_export(work)
    traits, fns = lb.sample_targets([corpus], a.n, random.Random(lb.SEED))
    servers = start_servers(a.copy, a.db, a.binaries, work)
    time.sleep(3)   # start-up work out of the first requests' CPU
    got = [{k: [] for k in KINDS} for _ in servers]   # (wall, cpu, target, items)
    turn = [0]

    def order():
        turn[0] += 1
        r = list(range(len(servers)))
        return r if turn[0] % 2 else r[::-1]

    def positions(pairs):
        for c, e in pairs:
            pos = c.name_pos(e, "utf-16")
            if pos:
                yield e, {"textDocument": {"uri": lb.uri_of(os.path.join(c.copy, e["file"]))}, "position": pos}

    for k, (e, td) in enumerate(positions(traits)):
        if k >= a.n:
            break
        for i in order():
            res, ms, c = timed(servers[i], "textDocument/implementation", td)
            got[i]["implementation"].append((ms, c, e, len(res or [])))
    for k, (e, td) in enumerate(positions(fns)):
        if k >= a.n:
            break
        for i in order():
            res, ms, c = timed(servers[i], "textDocument/references", dict(td, context={"includeDeclaration": True}))
            got[i]["references"].append((ms, c, e, len(res or [])))
            items, _ = servers[i].request("textDocument/prepareCallHierarchy", td)
            if items:
                res, ms, c = timed(servers[i], "callHierarchy/incomingCalls", {"item": items[0]})
                got[i]["incomingCalls"].append((ms, c, e, len(res or [])))
    for cl in servers:
        cl.close()
    print("load average %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for i, b in enumerate(a.binaries):
        for kind in KINDS:
            for label, col in (("wall", 0), ("server CPU", 1)):
                s = lb.summary([x[col] for x in got[i][kind]])
                if s:
                    print("%-36s %-15s %-10s n=%4d  p50 %7.3f  p90 %7.3f  p99 %7.3f  max %7.3f ms" % (
                        b, kind, label, s["n"], s["p50"], s["p90"], s["p99"], s["max"]))
        worst = sorted((x for v in got[i].values() for x in v), key=lambda x: -x[1])[:6]
        for ms, c, e, n in worst:
            print("    CPU %7.2f ms (wall %7.2f)  %4d items  %s  (%s, %d KB)" % (
                c, ms, n, e["path"], e["file"], os.path.getsize(os.path.join(a.copy, e["file"])) // 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
