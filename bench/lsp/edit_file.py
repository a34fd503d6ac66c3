#!/usr/bin/env python3
"""The editor path's update time: keystroke-like edits of one file, for one
or more server binaries side by side in the same run.

usage: python3 bench/lsp/edit_file.py --copy STD_COPY --db DB --file REL
                                      [--edits N] BINARY [BINARY ...]

Every binary gets its own copy of DB (DB.0, DB.1, ...: made once) and its
own `parseltongue --stdio` (vscode profile) with REL open. Each edit is
bench/lsp/lsp_bench.py's keystroke edit (one didChange that moves a call to
a function of REL from one host function's `{` line to the next: no line
moves, the declarations stay, so the server takes its one-file path),
followed by callHierarchy/incomingCalls of that function, which the server
answers once the edit is written. The servers take turns edit by edit.
Printed per binary: the server's own time for the update ("re-indexed from
the buffer in X ms", its debug log) and the didChange -> answer round trip,
median and p99 (nearest rank); the first edit (which loads the session) is
left out. Python 3 standard library only.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_bench as lb  # noqa: E402

REINDEXED = re.compile(r"re-indexed from the buffer in ([0-9.]+) ms \(([^;)]*)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copy", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--json")
    ap.add_argument("binaries", nargs="+")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="pt-edit-file-")
    lb.WORK = work
    lb.BIN = os.path.abspath(a.binaries[0])
    corpus = lb.Corpus("std", a.copy, a.copy, a.db)
    corpus.load_export(work)
    # the function whose callers move: a free function of the file with callers
    fn = next(e for e in sorted(corpus.entities, key=lb.stable_key)
              if e["file"] == a.file and e["kind"] == "function" and corpus.calls_in.get(e["path"])
              and "::" in e["path"] and not e["name"].startswith("r#"))
    call = "crate::" + fn["path"].split("::", 1)[1]
    os.environ["PARSELTONGUE_LSP_STDERR_LEVEL"] = "debug"
    servers, docs, items, logs = [], [], [], []
    for i, b in enumerate(a.binaries):
        db = "%s.%d" % (a.db.rstrip("/"), i)
        if not os.path.isdir(db):
            shutil.copytree(a.db, db)
        lb.BIN = os.path.abspath(b)
        log = os.path.join(work, "server.%d.err" % i)
        cl = lb.Lsp([a.copy], db, "vscode", log)
        cl.initialize()
        cl.notify("initialized", {})
        cl.wait_ready()
        d = lb.Doc(corpus, a.file, cl.enc)
        d.find_hosts(corpus, {fn["name"]})
        if len(d.hosts) < 2:
            raise SystemExit("fewer than two host functions in %s" % a.file)
        cl.notify("textDocument/didOpen", {"textDocument": {"uri": d.uri, "languageId": "rust",
                                                            "version": d.version, "text": d.text}})
        it, _ = cl.request("textDocument/prepareCallHierarchy",
                           {"textDocument": {"uri": d.uri}, "position": corpus.name_pos(fn, cl.enc)})
        servers.append(cl)
        docs.append(d)
        items.append(it[0])
        logs.append(log)
    print("%s: %d lines, %d hosts; moving a call to %s" % (a.file, len(docs[0].lines), len(docs[0].hosts), call))
    rtt = [[] for _ in servers]
    for k in range(a.edits + 1):
        for i in (range(len(servers)) if k % 2 == 0 else reversed(range(len(servers)))):
            d = docs[i]
            host = d.hosts[k % len(d.hosts)]
            change = d.change(host, call)
            time.sleep(lb.EDIT_GAP_S)
            t0 = time.perf_counter()
            servers[i].notify("textDocument/didChange", change)
            rid = servers[i].start("callHierarchy/incomingCalls", {"item": items[i]})
            res, t1 = servers[i].wait(rid)
            if k:
                rtt[i].append((t1 - t0) * 1e3)
            if host[1] not in lb.callers_of(res):
                print("  %s: edit %d not reflected in the answer" % (a.binaries[i], k))
    for cl in servers:
        cl.close()
    res = {"file": a.file, "edits": a.edits, "load": open("/proc/loadavg").read().split()[:3], "binaries": {}}
    for i, b in enumerate(a.binaries):
        ms, paths = [], {}
        with open(logs[i]) as f:
            for line in f:
                m = REINDEXED.search(line)
                if m:
                    ms.append(float(m.group(1)))
                    paths[m.group(2)] = paths.get(m.group(2), 0) + 1
        ms = ms[-a.edits:]   # the edits measured (not didOpen and the first edit, which loads the session)
        u, r = lb.summary(ms), lb.summary(rtt[i])
        res["binaries"][b] = {"update": u, "roundtrip": r, "paths": paths}
        print("%-36s update p50 %7.2f ms p99 %7.2f ms (n=%d)   didChange->answer p50 %7.2f ms p99 %7.2f ms   %s" % (
            b, u["p50"], u["p99"], u["n"], r["p50"], r["p99"], paths))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
