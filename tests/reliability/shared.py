#!/usr/bin/env python3
"""tests/reliability/shared.py BINARY — the CLI and the server on one database.

The server indexes a copy of tests/fixtures/ws1 into DB and takes a stream
of edits (each one committed to DB) while, at the same time, CLI processes
read DB: `query callers` (answer compared with the hand-checked
expected.json of ws1), `storage verify`, `storage status`. Then a CLI
`onboard` of the same folder writes to DB while the server still serves,
and the server's answers stay right. Finally a reader killed with SIGKILL in
the middle of its reads leaves no slot taken once the next writer ran.

Last line: "N passed, M failed".
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import FIXTURES, Client, check, crashed, init_params, run, summary, uri_of  # noqa: E402


KILLED_READER = r"""
import ctypes, sys
L = ctypes.CDLL("liblmdb.so.0")
env, txn = ctypes.c_void_p(), ctypes.c_void_p()
assert L.mdb_env_create(ctypes.byref(env)) == 0
assert L.mdb_env_set_maxdbs(env, 16) == 0
assert L.mdb_env_open(env, sys.argv[1].encode(), 0x20000 | 0x200000, 0o644) == 0   # MDB_RDONLY | MDB_NOTLS
assert L.mdb_txn_begin(env, None, 0x20000, ctypes.byref(txn)) == 0
print("reading", flush=True)
sys.stdin.read()
"""


COUNT_READERS = r"""
import ctypes, sys
L = ctypes.CDLL("liblmdb.so.0")
env = ctypes.c_void_p()
assert L.mdb_env_create(ctypes.byref(env)) == 0
assert L.mdb_env_set_maxdbs(env, 16) == 0
assert L.mdb_env_open(env, sys.argv[1].encode(), 0x20000 | 0x200000, 0o644) == 0
lines = []
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
L.mdb_reader_list(env, CB(lambda msg, ctx: lines.append(msg) or 0), None)
print(sum(1 for x in lines if not x.strip().startswith(b"pid") and b"(no active readers)" not in x))
"""


def expected_callers(target):
    spec = json.load(open(os.path.join(FIXTURES, "ws1", "expected.json"), encoding="utf-8"))
    for c in spec["checks"]:
        if c["query"] == "callers" and c["target"] == target:
            return sorted(x["path"] for x in c["expect"])
    raise KeyError(target)


def cli_callers(binary, db, target):
    rc, out, err, _ = run(binary, ["query", "callers", target, "--db", db, "--json"], timeout=60)
    if rc != 0:
        return rc, err.strip()[-300:]
    return rc, sorted(x["path"] for x in json.loads(out)["results"])


def readers_used(binary, db):
    """Reader slots taken, read with LMDB itself (our own open would free
    the stale ones first)."""
    rc = subprocess.run([sys.executable, "-c", COUNT_READERS, db], capture_output=True, text=True, timeout=30)
    try:
        return int(rc.stdout.strip())
    except ValueError:
        return None


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="pt-shared-")
    try:
        ws = os.path.join(tmp, "ws")
        shutil.copytree(os.path.join(FIXTURES, "ws1"), ws)
        db = os.path.join(tmp, "db")
        target = "geom::util::square"
        want = expected_callers(target)
        c = Client(binary, ["--db", db])
        c.request("initialize", init_params(ws))
        c.notify("initialized", {})
        check("shared: server ready", c.wait_ready(60) is not None)

        # the server commits an edit every few ms while the CLI reads
        path = os.path.join(ws, "shapes", "src", "edge.rs")
        text = open(path, encoding="utf-8").read()
        uri = uri_of(path)
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rust", "version": 1,
                                                            "text": text}})
        stop = threading.Event()
        served = []

        def editor():
            v = 1
            while not stop.is_set():
                v += 1
                c.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": v},
                    "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                                  "end": {"line": 0, "character": 0}},
                                        "text": "// edit %d\n" % v}]})
                r = c.request("workspace/symbol", {"query": "square"}, timeout=20)
                served.append(r is not None and "result" in r)
                time.sleep(0.005)

        th = threading.Thread(target=editor)
        th.start()
        answers, other = [], []
        t_end = time.time() + 8
        while time.time() < t_end:
            answers.append(cli_callers(binary, db, target))
            rc, out, err, _ = run(binary, ["storage", "verify", "--db", db])
            other.append(("verify", rc, err.strip()[-200:]))
            rc, out, err, _ = run(binary, ["storage", "status", "--db", db])
            other.append(("status", rc, err.strip()[-200:]))
        stop.set()
        th.join()
        time.sleep(1)
        check("shared: the server stamps its database once idle (a CLI command then need not check it)",
              os.path.exists(os.path.join(db, "checked")))
        # the edits only add comment lines at the top: callers stay the same, sites move
        bad = [a for a in answers if a != (0, want)]
        check("shared: %d CLI queries while the server writes: all answer, all right" % len(answers),
              answers and not bad, bad[:3])
        bad = [o for o in other if o[1] != 0 or crashed(o[1], o[2])]
        check("shared: %d storage verify/status runs while the server writes: exit 0" % len(other), not bad, bad[:3])
        check("shared: the server answered all %d requests meanwhile" % len(served), served and all(served))

        # a CLI writer while the server serves
        with open(os.path.join(ws, "geom", "src", "extra.rs"), "w") as f:
            f.write("pub fn extra_fn() { crate::util::square(2.0); }\n")
        with open(os.path.join(ws, "geom", "src", "lib.rs"), "a") as f:
            f.write("\npub mod extra;\n")
        rc, out, err, _ = run(binary, ["onboard", ws, "--db", db], timeout=60)
        check("shared: CLI onboard while the server runs", rc == 0, err[-300:])
        rc, got = cli_callers(binary, db, target)
        check("shared: ... its change is in the CLI's answer", rc == 0 and "geom::extra::extra_fn" in got, got)
        r = c.request("workspace/symbol", {"query": "square"}, timeout=20)
        check("shared: ... and the server still answers", r is not None and "result" in r, r)

        # a reader killed mid-read: a process that opens a read transaction
        # with LMDB itself, then is killed
        before = readers_used(binary, db)
        p = subprocess.Popen([sys.executable, "-c", KILLED_READER, db], stdout=subprocess.PIPE)
        line = p.stdout.readline()
        stale = readers_used(binary, db)
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        time.sleep(0.2)
        stale_after_death = readers_used(binary, db)
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 10 ** 6},
                                            "contentChanges": [{"text": text + "// last\n"}]})
        deadline = time.time() + 10
        after = None
        while time.time() < deadline:
            c.request("workspace/symbol", {"query": "square"}, timeout=20)
            after = readers_used(binary, db)
            if after is not None and before is not None and after <= before:
                break
            time.sleep(0.2)
        check("shared: a reader killed mid-read holds a slot (%s → %s, %s after its death)"
              % (before, stale, stale_after_death), line.strip() == b"reading" and stale is not None
              and before is not None and stale_after_death == stale > before, (line, before, stale, stale_after_death))
        check("shared: ... which the server's next write frees (%s)" % after,
              after is not None and before is not None and after <= before, (before, stale, after))
        code = c.close()
        check("shared: server clean exit", code == 0 and not crashed(code, c.log()), (code, c.log()[-500:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
