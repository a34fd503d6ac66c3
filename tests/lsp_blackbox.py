#!/usr/bin/env python3
"""Black-box tests of `parseltongue --stdio`: the real binary, spoken to
through pipes the way an editor does, on copies of tests/fixtures/lsp1 and
tests/fixtures/lsp2. Expectations are written by hand from the fixture
sources (0-based LSP lines; columns in the negotiated encoding).

usage: python3 tests/lsp_blackbox.py build/parseltongue
The last line printed is "N passed, M failed"; exit status 0 iff M == 0.
"""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "parseltongue")
TIMEOUT = float(os.environ.get("LSP_TEST_TIMEOUT", "20"))

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ((": " + str(detail)[:600]) if detail != "" else ""))
    return cond


def uri_of(path):
    from urllib.parse import quote
    return "file://" + quote(path)


class Client:
    """One server process, framed JSON-RPC over its stdin/stdout."""
    every = []

    def __init__(self, args=(), env=None, workdir=None):
        Client.every.append(self)
        e = dict(os.environ)
        e["PARSELTONGUE_LSP_TEST"] = "1"
        # answers wait (bounded) for the edits before them: be generous on slow
        # (sanitizer) builds so that the checks below are deterministic
        e["PARSELTONGUE_LSP_SETTLE_MS"] = "5000"
        e.pop("PARSELTONGUE_DB", None)
        if env:
            e.update(env)
        self.stderr = tempfile.TemporaryFile()
        self.p = subprocess.Popen([BIN, "--stdio"] + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.stderr, env=e, cwd=workdir)
        self.next_id = 0
        self.responses = {}
        self.notes = []            # notifications and requests from the server, in order
        self.junk = []             # anything on stdout that is not a well-formed frame
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        f = self.p.stdout
        while True:
            headers = {}
            while True:
                line = f.readline()
                if not line:
                    with self.cv:
                        self.cv.notify_all()
                    return
                if line in (b"\r\n",):
                    break
                if not line.endswith(b"\r\n") or b":" not in line:
                    self.junk.append(line)
                    continue
                k, v = line.decode("ascii", "replace").split(":", 1)
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length", "-1"))
            if n < 0:
                self.junk.append(b"no content-length")
                continue
            body = f.read(n)
            try:
                msg = json.loads(body)
            except Exception:
                self.junk.append(body)
                continue
            with self.cv:
                if "id" in msg and "method" not in msg:
                    self.responses.setdefault(json.dumps(msg["id"]), []).append(msg)
                else:
                    self.notes.append(msg)
                self.cv.notify_all()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def start(self, method, params=None):
        self.next_id += 1
        m = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)
        return self.next_id

    def wait(self, rid, timeout=TIMEOUT):
        key = json.dumps(rid)
        end = time.time() + timeout
        with self.cv:
            while not self.responses.get(key):
                left = end - time.time()
                if left <= 0 or (self.p.poll() is not None and not self.responses.get(key)):
                    return None
                self.cv.wait(min(left, 0.2))
            return self.responses[key].pop(0)

    def request(self, method, params=None, timeout=TIMEOUT):
        return self.wait(self.start(method, params), timeout)

    def result(self, method, params=None):
        r = self.request(method, params)
        if r is None:
            return "<no answer>"
        if "error" in r:
            return {"<error>": r["error"]}
        return r.get("result")

    def notify(self, method, params=None):
        m = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)

    def wait_note(self, pred, timeout=TIMEOUT):
        end = time.time() + timeout
        with self.cv:
            while True:
                for n in self.notes:
                    if pred(n):
                        return n
                left = end - time.time()
                if left <= 0:
                    return None
                self.cv.wait(min(left, 0.2))

    def null_responses(self):
        with self.cv:
            return self.responses.get("null", [])

    def exit_code(self, timeout=10):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return "timeout"

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
            except Exception:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")


def init_params(roots, encodings=None, progress=False, pull=False, extra_caps=None):
    caps = {"general": {}, "textDocument": {"documentSymbol": {"hierarchicalDocumentSymbolSupport": True}},
            "window": {}, "workspace": {}}
    if encodings:
        caps["general"]["positionEncodings"] = encodings
    if progress:
        caps["window"]["workDoneProgress"] = True
    if pull:
        caps["textDocument"]["diagnostic"] = {}
    if extra_caps:
        caps.update(extra_caps)
    p = {"processId": None, "capabilities": caps, "rootUri": uri_of(roots[0])}
    if len(roots) > 1:
        p["workspaceFolders"] = [{"uri": uri_of(r), "name": os.path.basename(r)} for r in roots]
    return p


def wait_ready(c, roots=1, timeout=TIMEOUT):
    end = time.time() + timeout
    st = None
    while time.time() < end:
        st = c.result("parseltongue/stats")
        if isinstance(st, dict) and len(st.get("roots", [])) == roots and \
                all(r["state"] == "ready" for r in st["roots"]):
            return st
        time.sleep(0.05)
    return st


def pos(line, ch):
    return {"line": line, "character": ch}


def td(uri):
    return {"textDocument": {"uri": uri}}


def at(uri, line, ch, **kw):
    d = {"textDocument": {"uri": uri}, "position": pos(line, ch)}
    d.update(kw)
    return d


def starts(locs):
    """(uri basename, line, character) of each location's start, sorted."""
    if not isinstance(locs, list):
        return locs
    return sorted((os.path.basename(l["uri"]), l["range"]["start"]["line"], l["range"]["start"]["character"])
                  for l in locs)


def poll_until(fn, pred, timeout=TIMEOUT):
    end = time.time() + timeout
    v = fn()
    while not pred(v) and time.time() < end:
        time.sleep(0.05)
        v = fn()
    return v


# ---- the fixture, by hand ------------------------------------------------------
# src/lib.rs line 17: `    let label = "größe — ∑ 😀"; let n = helper(2);`
# `helper` starts at byte 48, utf-16 unit 40, code point 39.
HELPER_CALL_U16 = 40
HELPER_CALL_U8 = 48
HELPER_CALL_U32 = 39


def test_protocol_faults(work):
    """Lifecycle errors and framing faults, before and after initialize."""
    c = Client()
    r = c.request("textDocument/hover", at(uri_of(work + "/src/lib.rs"), 0, 0))
    check("before initialize: -32002", r and r.get("error", {}).get("code") == -32002, r)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.rs", "languageId": "rust", "version": 1,
                                                       "text": ""}})
    c.send({"jsonrpc": "2.0", "id": 900, "method": "initialize", "params": init_params([work])})
    r = c.wait(900)
    check("initialize answers", r and "capabilities" in r.get("result", {}), r)
    r = c.request("initialize", init_params([work]))
    check("second initialize is refused", r and "error" in r, r)
    c.notify("initialized", {})
    r = c.request("textDocument/noSuchThing", {})
    check("unknown request: -32601", r and r.get("error", {}).get("code") == -32601, r)
    c.notify("$/noSuchNotification", {"x": 1})
    c.notify("workspace/noSuchNotification")
    # malformed JSON, then a good request
    bad = b"{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": "
    c.raw(b"Content-Length: %d\r\n\r\n" % len(bad) + bad)
    r = c.request("parseltongue/stats")
    nulls = c.null_responses()
    check("malformed JSON: -32700 with id null", any(x.get("error", {}).get("code") == -32700 for x in nulls), nulls)
    check("malformed JSON: the stream recovers", r and "result" in r, r)
    # absurd Content-Length followed directly by a good message
    good = json.dumps({"jsonrpc": "2.0", "id": 777, "method": "parseltongue/stats"}).encode()
    c.raw(b"Content-Length: 99999999999\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
          b"{\"partial\": 1}" + b"Content-Length: %d\r\n\r\n" % len(good) + good)
    r = c.wait(777)
    check("absurd Content-Length: refused, next message answered", r and "result" in r, r)
    check("absurd Content-Length: an error response", len(c.null_responses()) >= 2, c.null_responses())
    # no Content-Length at all
    c.raw(b"X-Nothing: 1\r\n\r\n{}")
    r = c.request("parseltongue/stats")
    check("missing Content-Length: recovers", r and "result" in r, r)
    # not an object, a request without a method
    body = b"[1,2]"
    c.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    r = c.request("parseltongue/stats")
    check("a JSON array is refused, stream continues", r and "result" in r, r)
    # other headers and \n-only line ends tolerated
    body = json.dumps({"jsonrpc": "2.0", "id": 778, "method": "parseltongue/stats"}).encode()
    c.raw(b"content-length: %d\nContent-Type: x\n\n" % len(body) + body)
    check("lower-case header, bare LF line ends", (c.wait(778) or {}).get("result") is not None)
    # cancellation: running request
    rid = c.start("parseltongue/_sleep", {"ms": 5000})
    time.sleep(0.2)
    t0 = time.time()
    c.notify("$/cancelRequest", {"id": rid})
    r = c.wait(rid, 4)
    check("cancel a running request: -32800", r and r.get("error", {}).get("code") == -32800, r)
    check("cancel answered promptly", time.time() - t0 < 2.5, time.time() - t0)
    # cancellation: a queued request behind a slow one
    a = c.start("parseltongue/_sleep", {"ms": 400})
    b = c.start("parseltongue/stats")
    c.notify("$/cancelRequest", {"id": b})
    rb, ra = c.wait(b), c.wait(a)
    check("cancel a queued request: -32800", rb and rb.get("error", {}).get("code") == -32800, rb)
    check("the request before it still answers", ra and ra.get("result") == 400, ra)
    # string ids
    c.send({"jsonrpc": "2.0", "id": "abc", "method": "parseltongue/stats"})
    check("string request ids", (c.wait("abc") or {}).get("result") is not None)
    r = c.request("shutdown")
    check("shutdown: null result", r is not None and "result" in r and r["result"] is None, r)
    r = c.request("parseltongue/stats")
    check("after shutdown: -32600", r and r.get("error", {}).get("code") == -32600, r)
    c.notify("exit")
    check("exit after shutdown: code 0", c.exit_code() == 0)
    check("stdout holds only protocol", not c.junk, c.junk[:3])

    c = Client()
    c.request("initialize", init_params([work]))
    c.notify("initialized", {})
    c.notify("exit")
    check("exit without shutdown: code 1", c.exit_code() == 1)

    c = Client()
    c.raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"")
    c.p.stdin.close()
    code = c.exit_code()
    check("truncated body at end of input: clean exit 1", code == 1, code)
    check("no crash report on stderr", "Sanitizer" not in c.log() and "runtime error" not in c.log(), c.log()[-800:])


METHODS = ["textDocument/definition", "textDocument/implementation", "textDocument/references",
           "textDocument/prepareCallHierarchy", "callHierarchy/incomingCalls", "callHierarchy/outgoingCalls",
           "textDocument/documentSymbol", "workspace/symbol", "textDocument/hover", "textDocument/diagnostic",
           "workspace/diagnostic", "parseltongue/blastRadius", "parseltongue/whatImplements",
           "parseltongue/findCycles", "parseltongue/generateContext", "parseltongue/stats"]
NOTES = ["textDocument/didOpen", "textDocument/didChange", "textDocument/didSave", "textDocument/didClose",
         "workspace/didChangeWatchedFiles", "$/cancelRequest", "initialized"]


def hostile_params(work):
    u = uri_of(work + "/src/lib.rs")
    big = 2 ** 40
    return [None, [], 5, "x", {}, {"textDocument": 5}, {"textDocument": {"uri": 7}},
            {"textDocument": {"uri": "http://x/y.rs"}, "position": pos(0, 0)},
            {"textDocument": {"uri": "file:///nonexistent/a.rs"}, "position": pos(0, 0)},
            {"textDocument": {"uri": u}, "position": {"line": -5, "character": -1}},
            {"textDocument": {"uri": u}, "position": {"line": big, "character": big}},
            {"textDocument": {"uri": u}, "position": {"line": "1", "character": None}},
            {"textDocument": {"uri": u}, "position": pos(17, 41), "depth": -1, "tokens": -5, "limit": -1},
            {"item": {"uri": u, "data": "zz"}}, {"item": {"uri": u, "data": "ffffffffffffffffff"}},
            {"item": {"uri": u, "data": 12}}, {"item": None}, {"id": "nothex"}, {"id": "0"},
            {"query": 5}, {"query": "\u0000\uffff😀" * 50}, {"level": 3}, {"level": "module"},
            {"textDocument": {"uri": u, "version": "x", "text": 5}, "contentChanges": [{"range": 5, "text": 3}]},
            {"textDocument": {"uri": u, "version": 1}, "contentChanges": [
                {"range": {"start": pos(big, big), "end": pos(0, 0)}, "text": "x"}, 5, None]},
            {"changes": [{"uri": 5}, {"uri": u, "type": 2}, None]}, {"id": None}]


def test_hostile(work):
    """Every method with ill-typed or absurd params: an answer each, no crash."""
    c = Client()
    c.request("initialize", init_params([work]))
    c.notify("initialized", {})
    wait_ready(c)
    u = uri_of(work + "/src/lib.rs")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "rust", "version": 1,
                                                       "text": open(work + "/src/lib.rs", encoding="utf-8").read()}})
    bad = 0
    for m in METHODS:
        for p in hostile_params(work):
            r = c.request(m, p, timeout=10)
            if r is None or ("result" not in r and "error" not in r):
                bad += 1
                print("  no answer to %s %s" % (m, json.dumps(p)[:120]))
            elif "error" in r and r["error"]["code"] not in (-32602,):
                bad += 1
                print("  unexpected error for %s %s: %s" % (m, json.dumps(p)[:120], r["error"]))
    for m in NOTES:
        for p in hostile_params(work):
            c.notify(m, p)
    r = c.request("parseltongue/stats")
    check("hostile params: every request answered (null/[] or -32602)", bad == 0, bad)
    check("hostile params: still serving", r is not None and "result" in r, r)
    c.request("shutdown")
    c.notify("exit")
    check("hostile params: clean exit", c.exit_code() == 0)
    log = c.log()
    check("hostile params: no sanitizer report", "Sanitizer" not in log and "runtime error" not in log, log[-1500:])


def test_stress(work):
    """Bursts of edits interleaved with requests and cancellations."""
    c = Client(env={"PARSELTONGUE_LSP_SETTLE_MS": "0"})
    c.request("initialize", init_params([work]))
    c.notify("initialized", {})
    wait_ready(c)
    ulib = uri_of(work + "/src/lib.rs")
    text = open(work + "/src/lib.rs", encoding="utf-8").read()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": ulib, "languageId": "rust", "version": 1, "text": text}})
    ids = []
    for k in range(300):
        if k % 2 == 0:
            ch = {"range": {"start": pos(13, 0), "end": pos(13, 0)}, "text": "    let _q = helper(%d); // é😀\n" % k}
        else:
            ch = {"range": {"start": pos(13, 0), "end": pos(14, 0)}, "text": ""}
        c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 2 + k}, "contentChanges": [ch]})
        m = ["textDocument/hover", "textDocument/definition", "textDocument/references",
             "textDocument/documentSymbol", "parseltongue/blastRadius"][k % 5]
        rid = c.start(m, at(ulib, 17 + (k % 2), HELPER_CALL_U16 + 1, context={"includeDeclaration": True}))
        ids.append(rid)
        if k % 7 == 0:
            c.notify("$/cancelRequest", {"id": rid})
    answered = 0
    for rid in ids:
        r = c.wait(rid, 30)
        if r and ("result" in r or r.get("error", {}).get("code") == -32800):
            answered += 1
    check("stress: every request answered (or cancelled)", answered == len(ids), (answered, len(ids)))
    c.notify("textDocument/didClose", {"textDocument": {"uri": ulib}})
    refs = poll_until(lambda: c.result("textDocument/references",
                                       at(ulib, 21, 9, context={"includeDeclaration": False})),
                      lambda v: starts(v) == [("lib.rs", 17, HELPER_CALL_U16), ("lib.rs", 30, 4), ("lib.rs", 30, 16)], 15)
    check("stress: the graph settles on the disk version", starts(refs) ==
          [("lib.rs", 17, HELPER_CALL_U16), ("lib.rs", 30, 4), ("lib.rs", 30, 16)], starts(refs))
    c.request("shutdown")
    c.notify("exit")
    check("stress: clean exit", c.exit_code(30) == 0)


def test_no_stale_answers(work):
    """With the default settings, an answer shows every edit sent before it:
    add a caller of helper (a new fn: the whole-graph path) or a call in an
    existing fn (the one-file path), then ask helper's incoming calls at
    once; the new caller must be there, every time."""
    # enough code that one update takes longer than a short fixed wait would
    os.makedirs(work + "/src/bulk", exist_ok=True)
    with open(work + "/src/bulk.rs", "w") as f:
        f.write("".join("pub mod m%d;\n" % i for i in range(300)))
    for i in range(300):
        with open(work + "/src/bulk/m%d.rs" % i, "w") as f:
            f.write("pub struct S%d;\nimpl S%d {\n%s}\n" % (i, i, "".join(
                "    pub fn f%d(&self) -> u32 { crate::helper(%d) }\n" % (k, k) for k in range(20))))
    with open(work + "/src/lib.rs", "a") as f:
        f.write("pub mod bulk;\n")
    c = Client(env={"PARSELTONGUE_LSP_SETTLE_MS": ""})  # the server's default
    c.request("initialize", init_params([work]))
    c.notify("initialized", {})
    wait_ready(c)
    ulib = uri_of(work + "/src/lib.rs")
    text = open(work + "/src/lib.rs", encoding="utf-8").read()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": ulib, "languageId": "rust", "version": 1, "text": text}})
    items = c.result("textDocument/prepareCallHierarchy", at(ulib, 21, 9))
    item = items[0] if isinstance(items, list) and items else None
    check("no stale answers: helper found", item and item["name"] == "helper", items)
    if not item:
        return
    # positions follow an edit that moves every line below it: four comment
    # lines above helper (the file keeps its shape) put its name on line 25,
    # where measure's name was; the answer there must be helper's
    c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 2}, "contentChanges": [
        {"range": {"start": pos(15, 0), "end": pos(15, 0)}, "text": "// a\n// b\n// c\n// d\n"}]})
    moved = c.result("textDocument/prepareCallHierarchy", at(ulib, 25, 9))
    check("no stale answers: a name where an edit moved it",
          isinstance(moved, list) and [x["name"] for x in moved] == ["helper"], moved)
    c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 3}, "contentChanges": [
        {"range": {"start": pos(15, 0), "end": pos(19, 0)}, "text": ""}]})
    back = c.result("textDocument/prepareCallHierarchy", at(ulib, 25, 9))
    check("no stale answers: and back where it was", isinstance(back, list) and
          [x["name"] for x in back] == ["measure"], back)
    nlines = text.count("\n")
    stale = []
    for k in range(20):
        if k % 2 == 0:  # a new fn calling helper, at the end of the file
            name = "probe_%d" % k
            ch = {"range": {"start": pos(nlines, 0), "end": pos(nlines, 0)},
                  "text": "pub fn %s() -> u32 { helper(%d) }\n" % (name, k)}
            nlines += 1
        else:  # a call added inside the fn added just before
            name = "probe_%d" % (k - 1)
            ch = {"range": {"start": pos(nlines - 1, 0), "end": pos(nlines, 0)},
                  "text": "pub fn %s() -> u32 { helper(%d) + helper(%d) }\n" % (name, k - 1, k)}
        c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 4 + k}, "contentChanges": [ch]})
        inc = c.result("callHierarchy/incomingCalls", {"item": item}) or []
        callers = {x["from"]["name"]: len(x["fromRanges"]) for x in inc}
        want = 2 if k % 2 else 1
        if callers.get(name) != want:
            stale.append((k, name, callers))
    check("no stale answers: 20 edits, each shown by the next answer", not stale, stale)


def test_client_death(work):
    sleeper = subprocess.Popen(["sleep", "60"])
    c = Client(["--clientProcessId", str(sleeper.pid)])
    c.request("initialize", init_params([work]))
    time.sleep(0.3)
    check("server alive while the editor lives", c.p.poll() is None)
    sleeper.kill()
    sleeper.wait()
    code = c.exit_code(6)
    check("editor gone (--clientProcessId): the server exits", code not in (None, "timeout"), code)

    sleeper = subprocess.Popen(["sleep", "60"])
    c = Client()
    p = init_params([work])
    p["processId"] = sleeper.pid
    c.request("initialize", p)
    sleeper.kill()
    sleeper.wait()
    code = c.exit_code(6)
    check("editor gone (initialize processId): the server exits", code not in (None, "timeout"), code)


def test_main(work):
    lib, shapes = work + "/src/lib.rs", work + "/src/shapes.rs"
    ulib, ushapes, uping = uri_of(lib), uri_of(shapes), uri_of(work + "/src/ping.rs")
    c = Client()
    r = c.request("initialize", init_params([work], encodings=["utf-16"], progress=True))
    caps = (r or {}).get("result", {}).get("capabilities", {})
    check("positionEncoding utf-16", caps.get("positionEncoding") == "utf-16", caps)
    check("custom requests declared under experimental",
          set(caps.get("experimental", {}).get("parseltongue", {})) >=
          {"blastRadius", "whatImplements", "findCycles", "generateContext", "stats"}, caps.get("experimental"))
    check("incremental sync", caps.get("textDocumentSync", {}).get("change") == 2)
    c.notify("initialized", {})
    st = wait_ready(c)
    check("indexing finishes in the background", st and st["roots"][0]["state"] == "ready", st)
    check("stats: 5 files", st and st["files"] == 5, st)
    check("stats: entities and edges", st and st["entities"] > 10 and st["edges"] > 10, st)
    create = c.wait_note(lambda n: n.get("method") == "window/workDoneProgress/create", 5)
    check("window/workDoneProgress/create sent", create is not None)
    tok = create and create["params"]["token"]
    begin = c.wait_note(lambda n: n.get("method") == "$/progress" and n["params"]["token"] == tok
                        and n["params"]["value"]["kind"] == "begin", 5)
    end = c.wait_note(lambda n: n.get("method") == "$/progress" and n["params"]["token"] == tok
                      and n["params"]["value"]["kind"] == "end", 5)
    check("$/progress begin and end", begin is not None and end is not None)
    if create:
        c.send({"jsonrpc": "2.0", "id": create["id"], "result": None})

    # definition at the call of helper after non-ASCII text (utf-16 column 40)
    d = c.result("textDocument/definition", at(ulib, 17, HELPER_CALL_U16 + 2))
    check("definition at a call after non-ASCII text (utf-16)", starts(d) == [("lib.rs", 21, 7)], d)
    d = c.result("textDocument/definition", at(ulib, 17, HELPER_CALL_U16 - 3))
    check("definition off any call or name: null", d is None, d)
    d = c.result("textDocument/definition", at(ulib, 11, 18))
    check("definition of an ambiguous method call: every candidate",
          starts(d) == [("shapes.rs", 1, 7), ("shapes.rs", 14, 7), ("shapes.rs", 20, 7)], d)
    d = c.result("textDocument/definition", at(ulib, 26, 8))
    check("definition of a call through a trait bound: the trait method", starts(d) == [("shapes.rs", 1, 7)], d)
    d = c.result("textDocument/definition", at(ulib, 5, 14))
    check("definition at a `use` name", starts(d) == [("shapes.rs", 0, 10)], d)
    d = c.result("textDocument/definition", at(ulib, 21, 9))
    check("definition on a definition's name: itself", starts(d) == [("lib.rs", 21, 7)], d)
    d = c.result("textDocument/definition", at(ulib, 3, 10))
    check("definition on `mod shapes;`: the module's file", starts(d) == [("shapes.rs", 0, 0)], d)
    d = c.result("textDocument/definition", at(uri_of(work + "/src/pong.rs"), 0, 19))
    check("definition in a `use` path: what it imports", starts(d) == [("ping.rs", 2, 11)], d)

    h = c.result("textDocument/hover", at(ulib, 17, HELPER_CALL_U16))
    val = (h or {}).get("contents", {}).get("value", "")
    check("hover: signature", "pub fn helper(x: u32) -> u32" in val, h)
    check("hover: where defined and callers", "src/lib.rs:22" in val and "2 callers" in val, val)
    check("hover on nothing: null", c.result("textDocument/hover", at(ulib, 9, 0)) is None)

    refs = c.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": True}))
    want = [("lib.rs", 17, HELPER_CALL_U16), ("lib.rs", 21, 7), ("lib.rs", 30, 4), ("lib.rs", 30, 16)]
    check("references with declaration (utf-16 columns)", starts(refs) == want, starts(refs))
    refs = c.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": False}))
    check("references without declaration", starts(refs) == [w for w in want if w[1] != 21], starts(refs))
    refs = c.result("textDocument/references", at(ulib, 9, 0, context={"includeDeclaration": True}))
    check("references on nothing: []", refs == [], refs)

    impl = c.result("textDocument/implementation", at(ushapes, 0, 11))
    check("implementation of a trait: its impls",
          [(l[0], l[1]) for l in starts(impl) or []] == [("shapes.rs", 13), ("shapes.rs", 19)], impl)
    impl = c.result("textDocument/implementation", at(ushapes, 1, 8))
    check("implementation of a trait method: the impl methods", starts(impl) ==
          [("shapes.rs", 14, 7), ("shapes.rs", 20, 7)], impl)
    impl = c.result("textDocument/implementation", at(ushapes, 5, 12))
    check("implementation on a type: the traits it implements", ("shapes.rs", 0, 10) in (starts(impl) or []), impl)

    items = c.result("textDocument/prepareCallHierarchy", at(ulib, 21, 9))
    item = items[0] if isinstance(items, list) and items else None
    check("prepareCallHierarchy: helper", item and item["name"] == "helper" and isinstance(item.get("data"), str),
          items)
    if item:
        inc = c.result("callHierarchy/incomingCalls", {"item": item})
        got = sorted((x["from"]["name"], sorted((r["start"]["line"], r["start"]["character"]) for r in x["fromRanges"]))
                     for x in inc)
        check("incomingCalls with fromRanges", got == [("describe", [(17, HELPER_CALL_U16)]),
                                                      ("twice", [(30, 4), (30, 16)])], got)
    items = c.result("textDocument/prepareCallHierarchy", at(ulib, 16, 10))
    if isinstance(items, list) and items:
        out = c.result("callHierarchy/outgoingCalls", {"item": items[0]})
        got = [(x["to"]["name"], [(r["start"]["line"], r["start"]["character"]) for r in x["fromRanges"]]) for x in out]
        check("outgoingCalls with fromRanges in the caller", ("helper", [(17, HELPER_CALL_U16)]) in got, got)
    else:
        check("prepareCallHierarchy: describe", False, items)
    check("prepareCallHierarchy on nothing: null", c.result("textDocument/prepareCallHierarchy", at(ulib, 9, 0)) is None)

    syms = c.result("textDocument/documentSymbol", td(ushapes))
    names = [s["name"] for s in syms] if isinstance(syms, list) else syms
    check("documentSymbol: top level", isinstance(names, list) and {"Area", "Circle", "Square", "unit_circle"} <= set(names),
          names)
    area = [s for s in syms if s["name"] == "Area"] if isinstance(syms, list) else []
    check("documentSymbol: hierarchical (trait → method)",
          area and [k["name"] for k in area[0].get("children", [])] == ["area"], area)
    ws = c.result("workspace/symbol", {"query": "helpr"})
    check("workspace/symbol: fuzzy", isinstance(ws, list) and any(s["name"] == "helper" for s in ws), ws)

    # diagnostics: pushed (this client does not pull), and pulled on request
    pub = c.wait_note(lambda n: n.get("method") == "textDocument/publishDiagnostics" and
                      n["params"]["uri"] == uping and n["params"]["diagnostics"], 5)
    check("publishDiagnostics: the module cycle at ping.rs's use", pub and
          pub["params"]["diagnostics"][0]["range"]["start"] == pos(0, 4) and
          pub["params"]["diagnostics"][0]["severity"] == 2, pub)
    wd = c.result("workspace/diagnostic", {"previousResultIds": []})
    got = sorted((os.path.basename(i["uri"]), d["range"]["start"]["line"], d["range"]["start"]["character"])
                 for i in (wd or {}).get("items", []) for d in i["items"])
    check("workspace/diagnostic: cycle sites in ping.rs and pong.rs",
          got == [("ping.rs", 0, 4), ("pong.rs", 0, 4)], wd)
    dd = c.result("textDocument/diagnostic", td(uri_of(work + "/src/pong.rs")))
    check("textDocument/diagnostic", dd and dd["kind"] == "full" and len(dd["items"]) == 1 and
          "ping" in dd["items"][0]["message"], dd)
    dd = c.result("textDocument/diagnostic", td(ushapes))
    check("textDocument/diagnostic without problems: []", dd and dd["items"] == [], dd)

    br = c.result("parseltongue/blastRadius", at(ulib, 21, 9, depth=2))
    got = sorted((i["name"], i["depth"]) for i in (br or {}).get("items", []))
    check("blastRadius", ("describe", 1) in got and ("twice", 1) in got, br)
    wi = c.result("parseltongue/whatImplements", at(ushapes, 0, 11))
    check("whatImplements", sorted(i["type"] for i in (wi or {}).get("items", [])) ==
          ["lspfix::shapes::Circle", "lspfix::shapes::Square"], wi)
    if br and br.get("target"):
        wi2 = c.result("parseltongue/whatImplements", {"id": (wi or {}).get("target", {}).get("id", "")})
        check("whatImplements by entity id", wi2 and len(wi2["items"]) == 2, wi2)
    fc = c.result("parseltongue/findCycles", {"level": "module"})
    mods = [sorted(m["qualifiedName"] for m in cy["members"]) for cy in (fc or {}).get("cycles", [])]
    check("findCycles: the module cycle", mods == [["lspfix::ping", "lspfix::pong"]], fc)
    gc = c.result("parseltongue/generateContext", at(ulib, 21, 9, tokens=500))
    check("generateContext", gc and "helper" in gc.get("text", "") and gc.get("tokens", 0) > 0, gc)
    r = c.request("parseltongue/blastRadius", at(ulib, 21, 9, depth="x"))
    check("bad params: -32602", r and r.get("error", {}).get("code") == -32602, r)
    check("custom request on nothing: null",
          c.result("parseltongue/blastRadius", at(ulib, 9, 0)) is None)

    # ---- edits: the graph follows the buffer -------------------------------------
    text = open(lib, encoding="utf-8").read()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": ulib, "languageId": "rust", "version": 1, "text": text}})
    # insert a call to helper at the start of line 13 ("    sum")
    c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 2}, "contentChanges": [
        {"range": {"start": pos(13, 0), "end": pos(13, 0)}, "text": "    let _z = helper(9);\n"}]})
    inc = c.result("callHierarchy/incomingCalls", {"item": item}) if item else []
    check("didChange: a new call shows at once", sorted(x["from"]["name"] for x in inc) ==
          ["describe", "total_area", "twice"], inc)
    # replace `helper` on the non-ASCII line (now line 18) using utf-16 columns
    c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 3}, "contentChanges": [
        {"range": {"start": pos(18, HELPER_CALL_U16), "end": pos(18, HELPER_CALL_U16 + 6)}, "text": "twice"}]})
    d = c.result("textDocument/definition", at(ulib, 18, HELPER_CALL_U16 + 1))
    check("utf-16 edit on a non-ASCII line, then definition", starts(d) == [("lib.rs", 30, 7)], d)
    inc = c.result("callHierarchy/incomingCalls", {"item": item}) if item else []
    check("the replaced call is gone", sorted(x["from"]["name"] for x in inc) == ["total_area", "twice"], inc)
    # a whole-text change
    c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 4}, "contentChanges": [
        {"text": text.replace("helper(1) + helper(2)", "helper(1)")}]})
    refs = c.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": False}))
    check("full-text change", starts(refs) == [("lib.rs", 17, HELPER_CALL_U16), ("lib.rs", 30, 4)], starts(refs))
    c.notify("textDocument/didSave", {"textDocument": {"uri": ulib}})
    c.notify("textDocument/didClose", {"textDocument": {"uri": ulib}})
    refs = c.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": False}))
    check("didClose: the disk version wins again", starts(refs) == [w for w in want if w[1] != 21], starts(refs))

    # ---- a change on disk, outside the editor (inotify) ------------------------------
    with open(shapes, "a", encoding="utf-8") as f:
        f.write("\npub fn big() -> f64 {\n    unit_circle().r\n}\n")
    uc = c.result("textDocument/prepareCallHierarchy", at(ushapes, 25, 8))

    def callers():
        if not isinstance(uc, list) or not uc:
            return None
        return sorted(x["from"]["name"] for x in c.result("callHierarchy/incomingCalls", {"item": uc[0]}))
    got = poll_until(callers, lambda v: v == ["big"], 10)
    check("file changed on disk: seen through inotify", got == ["big"], got)
    os.unlink(work + "/src/ping.rs")
    got = poll_until(lambda: c.result("parseltongue/stats")["files"], lambda v: v == 4, 10)
    check("file deleted on disk: seen", got == 4, got)
    cleared = c.wait_note(lambda n: n.get("method") == "textDocument/publishDiagnostics" and
                          n["params"]["uri"] == uri_of(work + "/src/pong.rs") and n["params"]["diagnostics"] == [], 10)
    check("the cycle is broken: its diagnostics are withdrawn", cleared is not None)
    cargo = open(work + "/Cargo.toml", encoding="utf-8").read()
    with open(work + "/Cargo.toml", "w", encoding="utf-8") as f:
        f.write(cargo.replace('name = "lspfix"', 'name = "renamed_crate"'))
    wi = poll_until(lambda: c.result("parseltongue/whatImplements", at(ushapes, 0, 11)),
                    lambda v: isinstance(v, dict) and v.get("target") and
                    v["target"]["qualifiedName"] == "renamed_crate::shapes::Area", 15)
    check("Cargo.toml changed on disk: the crate is re-read", isinstance(wi, dict) and wi.get("target") and
          wi["target"]["qualifiedName"] == "renamed_crate::shapes::Area", wi)

    # a buffer left modified at the end of the session (same size, so a
    # stat check alone would not notice): the next session sees the disk
    c.notify("textDocument/didOpen", {"textDocument": {"uri": ulib, "languageId": "rust", "version": 1, "text": text}})
    c.notify("textDocument/didChange", {"textDocument": {"uri": ulib, "version": 2}, "contentChanges": [
        {"range": {"start": pos(30, 16), "end": pos(30, 25)}, "text": "twice(  )"}]})
    refs = c.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": False}))
    check("unsaved edit seen", ("lib.rs", 30, 16) not in (starts(refs) or []), starts(refs))
    r = c.request("shutdown")
    c.notify("exit")
    check("shutdown + exit: code 0", c.exit_code() == 0)
    check("stdout holds only protocol", not c.junk, c.junk[:3])
    c2 = Client()
    c2.request("initialize", init_params([work]))
    c2.notify("initialized", {})
    wait_ready(c2)
    refs = c2.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": False}))
    check("next session: the disk version, not the unsaved buffer", ("lib.rs", 30, 16) in (starts(refs) or []),
          starts(refs))
    c2.request("shutdown")
    c2.notify("exit")
    c2.exit_code()
    log = c.log()
    if os.environ.get("LSP_TEST_LOG"):
        print(log)
    check("no sanitizer report", "Sanitizer" not in log and "runtime error" not in log, log[-1500:])


def test_utf8_and_pull(work):
    ulib = uri_of(work + "/src/lib.rs")
    c = Client(["--db", work + "/../db-utf8"])
    r = c.request("initialize", init_params([work], encodings=["utf-8", "utf-16"], pull=True, extra_caps={
        "workspace": {"diagnostics": {"refreshSupport": True},
                      "didChangeWatchedFiles": {"dynamicRegistration": True}},
        "textDocument": {"definition": {"linkSupport": True}, "diagnostic": {}}}))
    check("positionEncoding: the client's first choice (utf-8)",
          (r or {}).get("result", {}).get("capabilities", {}).get("positionEncoding") == "utf-8", r)
    c.notify("initialized", {})
    wait_ready(c)
    check("--db: database where asked", os.path.isdir(work + "/../db-utf8"))
    d = c.result("textDocument/definition", at(ulib, 17, HELPER_CALL_U8 + 1))
    link = d[0] if isinstance(d, list) and d else {}
    check("definition with utf-8 columns, as a LocationLink (linkSupport)",
          link.get("targetSelectionRange", {}).get("start") == pos(21, 7) and
          link.get("targetRange", {}).get("start") == pos(21, 0) and
          link.get("targetRange", {}).get("end") == pos(23, 1) and
          link.get("originSelectionRange") == {"start": pos(17, HELPER_CALL_U8), "end": pos(17, HELPER_CALL_U8 + 6)}, d)
    refs = c.result("textDocument/references", at(ulib, 21, 9, context={"includeDeclaration": False}))
    check("references with utf-8 columns", ("lib.rs", 17, HELPER_CALL_U8) in (starts(refs) or []), refs)
    ref = c.wait_note(lambda n: n.get("method") == "workspace/diagnostic/refresh", 5)
    check("pull client: diagnostic refresh requested", ref is not None)
    pub = [n for n in c.notes if n.get("method") == "textDocument/publishDiagnostics"]
    check("pull client: nothing pushed", not pub, pub[:1])
    reg = c.wait_note(lambda n: n.get("method") == "client/registerCapability", 5)
    globs = [w["globPattern"] for x in (reg or {}).get("params", {}).get("registrations", [])
             for w in x.get("registerOptions", {}).get("watchers", [])]
    check("didChangeWatchedFiles registered dynamically", sorted(globs) == ["**/*.rs", "**/Cargo.toml"], reg)
    if reg:
        c.send({"jsonrpc": "2.0", "id": reg["id"], "result": None})
    pong = work + "/src/pong.rs"
    with open(pong, "w", encoding="utf-8") as f:
        f.write("pub fn pong(n: u32) -> u32 {\n    n\n}\n")
    time.sleep(0.5)
    dd = c.result("textDocument/diagnostic", td(uri_of(pong)))
    check("a client that watches: no change until it says so", dd and len(dd["items"]) == 1, dd)
    c.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri_of(pong), "type": 2}]})
    dd = poll_until(lambda: c.result("textDocument/diagnostic", td(uri_of(pong))),
                    lambda v: isinstance(v, dict) and v.get("items") == [], 10)
    check("didChangeWatchedFiles: the cycle is gone", dd and dd["items"] == [], dd)
    c.request("shutdown")
    c.notify("exit")
    check("utf-8 session exits 0", c.exit_code() == 0)

    c = Client(["--db", work + "/../db-utf32"])
    r = c.request("initialize", init_params([work], encodings=["utf-32"], extra_caps={"textDocument": {}}))
    c.notify("initialized", {})
    wait_ready(c)
    d = c.result("textDocument/definition", at(ulib, 17, HELPER_CALL_U32 + 1))
    check("definition with utf-32 columns", starts(d) == [("lib.rs", 21, 7)], d)
    syms = c.result("textDocument/documentSymbol", td(uri_of(work + "/src/shapes.rs")))
    flat = sorted((x["name"], x["location"]["range"]["start"]["line"]) for x in syms) if isinstance(syms, list) else syms
    check("documentSymbol without hierarchy support: flat SymbolInformation",
          isinstance(flat, list) and ("Area", 0) in flat and ("area", 1) in flat, syms)
    progress = [n for n in c.notes if n.get("method") in ("$/progress", "window/workDoneProgress/create")]
    check("no progress for a client without window.workDoneProgress", not progress, progress[:1])
    c.request("shutdown")
    c.notify("exit")
    c.exit_code()


def test_multi_root(w1, w2, w5):
    c = Client()
    r = c.request("initialize", init_params([w1, w2]))
    c.notify("initialized", {})
    st = wait_ready(c, 2)
    check("multi-root: two roots ready", st and len(st["roots"]) == 2 and
          all(x["state"] == "ready" for x in st["roots"]), st)
    check("multi-root: one database per root", st and os.path.isdir(w2 + "/.cache/parseltongue") and
          os.path.isdir(w1 + "/.cache/parseltongue"), st)
    ws = c.result("workspace/symbol", {"query": "alpha"})
    check("multi-root: workspace/symbol finds the second root",
          isinstance(ws, list) and any(s["name"] == "alpha" and s["location"]["uri"] == uri_of(w2 + "/src/lib.rs")
                                       for s in ws), ws)
    d = c.result("textDocument/definition", at(uri_of(w2 + "/src/lib.rs"), 2, 5))
    check("multi-root: definition in the second root", starts(d) == [("lib.rs", 5, 7)], d)
    d = c.result("textDocument/definition", at(uri_of(w1 + "/src/lib.rs"), 17, HELPER_CALL_U16))
    check("multi-root: definition in the first root", starts(d) == [("lib.rs", 21, 7)], d)

    def alphas():
        ws = c.result("workspace/symbol", {"query": "alpha"})
        return sorted(os.path.dirname(os.path.dirname(s["location"]["uri"])) for s in ws
                      if s["name"] == "alpha") if isinstance(ws, list) else ws
    folder = lambda p: {"uri": uri_of(p), "name": os.path.basename(p)}
    c.notify("workspace/didChangeWorkspaceFolders", {"event": {"added": [], "removed": [folder(w2)]}})
    check("folder removed: its symbols are gone", alphas() == [], alphas())
    d = c.result("textDocument/definition", at(uri_of(w2 + "/src/lib.rs"), 2, 5))
    check("folder removed: no answers in it", d is None, d)
    c.notify("workspace/didChangeWorkspaceFolders", {"event": {"added": [folder(w2), folder(w5)], "removed": []}})
    got = poll_until(alphas, lambda v: v == sorted([uri_of(w2), uri_of(w5)]), 15)
    check("folders added (one back, one new): both answer", got == sorted([uri_of(w2), uri_of(w5)]), got)
    st = wait_ready(c, 3)
    check("stats: three folders", st and len(st["roots"]) == 3, st)
    with open(w5 + "/src/lib.rs", "a", encoding="utf-8") as f:
        f.write("\npub fn gamma() -> u32 {\n    alpha()\n}\n")
    ws = poll_until(lambda: c.result("workspace/symbol", {"query": "gamma"}),
                    lambda v: isinstance(v, list) and any(x["name"] == "gamma" for x in v), 10)
    check("a folder added later is watched on disk too", isinstance(ws, list) and
          any(x["name"] == "gamma" for x in ws), ws)
    c.request("shutdown")
    c.notify("exit")
    check("multi-root exits 0", c.exit_code() == 0)


def test_build_options(tmp):
    """initializationOptions choose the build (features, target), as onboard's
    options do; none given: the build the index already has."""
    w = os.path.join(tmp, "build")
    os.makedirs(w + "/src")
    with open(w + "/Cargo.toml", "w") as f:
        f.write('[package]\nname = "b"\nversion = "0.1.0"\n[features]\nx = []\n')
    with open(w + "/src/lib.rs", "w") as f:
        f.write('#[cfg(feature = "x")]\npub fn fx() {}\n#[cfg(windows)]\npub fn fw() {}\n'
                'pub fn g() { fx(); fw(); }\n')
    uri = uri_of(w + "/src/lib.rs")

    def defs(c):
        return [starts(c.result("textDocument/definition", at(uri, 4, ch))) for ch in (13, 19)]

    c = Client()
    p = init_params([w])
    p["initializationOptions"] = {"features": ["x"], "target": "x86_64-pc-windows-msvc",
                                  "cfg": ["not a cfg"]}
    c.result("initialize", p)
    c.notify("initialized", {})
    wait_ready(c)
    d = defs(c)
    check("build options: the feature and the target's cfg are on",
          d == [[("lib.rs", 1, 7)], [("lib.rs", 3, 7)]], d)
    check("build options: a bad cfg is said, not fatal", "not a cfg" in c.log(), c.log()[-400:])
    c.request("shutdown")
    c.notify("exit")
    c = Client()
    c.result("initialize", init_params([w]))
    c.notify("initialized", {})
    wait_ready(c)
    d = defs(c)
    check("build options: none given keeps the index's build", d == [[("lib.rs", 1, 7)], [("lib.rs", 3, 7)]], d)
    c.request("shutdown")
    c.notify("exit")
    c = Client()
    p = init_params([w])
    p["initializationOptions"] = {"features": []}
    c.result("initialize", p)
    c.notify("initialized", {})
    wait_ready(c)
    d = defs(c)
    check("build options: the host, default features again", d == [None, None] or d == [[], []], d)
    c.request("shutdown")
    c.notify("exit")
    check("build options: exits 0", c.exit_code() == 0)
# tests/fixtures/lsp3, by hand (0-based lines, utf-8 = utf-16 here: ASCII only):
#   lib.rs  4 `pub trait Named {` (name 10..15)       8 `pub trait Shape: Named + fmt::Debug {` (Named 17..22)
#          13 `pub struct Square {` (12..18)          17 `impl Named for Square {` (Named 5..10)
#          23 `impl Shape for Square {` (Shape 5..10) 29 `pub struct Wrapper<'a, F> {` (11..18)
#          33 `impl<'a, F: Fn(u8) -> u8> fmt::Display for Wrapper<'a, F> {` (Display 31..38)
#          39 `impl<'a, F> Named` / 40 `    for Wrapper<'a, F>` (Named 12..17)
#          12 `#[derive(Debug, Clone)]`
#   shapes.rs 0 `use crate::{Named, Shape};` (Named 12..17)   7 `impl Named for Circle {` (5..10)
#            13 `impl Shape for Circle {` (5..10)            3 `pub struct Circle {` (11..17)


def flat(locs):
    """(basename, start line, start char, end line, end char) of each location, in the order given."""
    return [(os.path.basename(l["uri"]), l["range"]["start"]["line"], l["range"]["start"]["character"],
             l["range"]["end"]["line"], l["range"]["end"]["character"]) for l in (locs or [])]


def test_impl_sites(work):
    """References and implementations at impl sites point at the trait's name in the
    header (generics with `->`, lifetimes, a path, a header over two lines), sorted by
    file and position."""
    lib = uri_of(work + "/src/lib.rs")
    c = Client()
    c.request("initialize", init_params([work], encodings=["utf-8"]))
    c.notify("initialized", {})
    wait_ready(c)
    refs = c.result("textDocument/references", at(lib, 4, 12, context={"includeDeclaration": False}))
    check("references of a trait: the trait's name in each impl header and use, sorted",
          flat(refs) == [("lib.rs", 8, 17, 8, 22), ("lib.rs", 17, 5, 17, 10), ("lib.rs", 39, 12, 39, 17),
                         ("shapes.rs", 0, 12, 0, 17), ("shapes.rs", 7, 5, 7, 10)], flat(refs))
    impls = c.result("textDocument/implementation", at(lib, 4, 12))
    check("implementations of a trait: the trait's name in each impl header, sorted",
          flat(impls) == [("lib.rs", 17, 5, 17, 10), ("lib.rs", 39, 12, 39, 17), ("shapes.rs", 7, 5, 7, 10)],
          flat(impls))
    impls = c.result("textDocument/implementation", at(lib, 29, 13))
    check("implementations of a type: its traits (ours at their definition, std's at `Display` in the header)",
          flat(impls) == [("lib.rs", 4, 10, 4, 15), ("lib.rs", 33, 31, 33, 38)], flat(impls))
    c.request("shutdown")
    c.notify("exit")
    check("impl sites: exit code 0", c.exit_code() == 0)


def test_lsp3_features(work):
    """Type hierarchy, code lens (lazy resolve, refresh after an edit, the setting),
    documentHighlight and workspace/executeCommand, on lsp3 (expectations above)."""
    lib, shapes = uri_of(work + "/src/lib.rs"), uri_of(work + "/src/shapes.rs")
    c = Client()
    r = c.request("initialize", init_params([work], encodings=["utf-8"],
                                            extra_caps={"workspace": {"codeLens": {"refreshSupport": True}}}))
    caps = (r or {}).get("result", {}).get("capabilities", {})
    check("capabilities: type hierarchy, highlight, code lens with resolve",
          caps.get("typeHierarchyProvider") is True and caps.get("documentHighlightProvider") is True and
          caps.get("codeLensProvider") == {"resolveProvider": True}, caps)
    cmds = caps.get("executeCommandProvider", {}).get("commands", [])
    check("executeCommandProvider: the custom requests and reindex",
          sorted(cmds) == sorted(["parseltongue/blastRadius", "parseltongue/whatImplements", "parseltongue/findCycles",
                                  "parseltongue/generateContext", "parseltongue/stats", "parseltongue/reindex"]), cmds)
    c.notify("initialized", {})
    wait_ready(c)

    def names(items):
        if not isinstance(items, list):
            return items
        return [(i["name"], os.path.basename(i["uri"]), i["selectionRange"]["start"]["line"],
                 i["selectionRange"]["start"]["character"]) for i in items]

    def hier(line, ch):
        items = c.result("textDocument/prepareTypeHierarchy", at(lib, line, ch))
        if not isinstance(items, list) or len(items) != 1:
            return items, None, None
        return (items, c.result("typeHierarchy/supertypes", {"item": items[0]}),
                c.result("typeHierarchy/subtypes", {"item": items[0]}))

    it, sup, sub = hier(8, 12)   # trait Shape: Named + fmt::Debug
    check("prepareTypeHierarchy on a trait", names(it) == [("Shape", "lib.rs", 8, 10)], it)
    check("supertypes of a trait: its supertraits in the workspace", names(sup) == [("Named", "lib.rs", 4, 10)], sup)
    check("subtypes of a trait: its implementors",
          names(sub) == [("Square", "lib.rs", 13, 11), ("Circle", "shapes.rs", 3, 11)], sub)
    it, sup, sub = hier(4, 12)   # trait Named
    check("subtypes of a supertrait: the subtrait and the implementors",
          names(sub) == [("Shape", "lib.rs", 8, 10), ("Square", "lib.rs", 13, 11), ("Wrapper", "lib.rs", 29, 11),
                         ("Circle", "shapes.rs", 3, 11)], sub)
    check("supertypes of a trait without supertraits: []", sup == [], sup)
    it, sup, sub = hier(13, 13)  # struct Square, #[derive(Debug, Clone)]
    check("supertypes of a type: its traits, std's derived ones at the derive",
          names(sup) == [("Named", "lib.rs", 4, 10), ("Shape", "lib.rs", 8, 10), ("std::fmt::Debug", "lib.rs", 12, 9),
                         ("std::clone::Clone", "lib.rs", 12, 16)], sup)
    check("subtypes of a type: []", sub == [], sub)
    it, sup, sub = hier(33, 33)  # `Display` in `impl<'a, F: Fn(u8) -> u8> fmt::Display for Wrapper<'a, F>`
    check("prepareTypeHierarchy on a std trait's name in an impl header",
          names(it) == [("std::fmt::Display", "lib.rs", 33, 31)], it)
    check("subtypes of a std trait: the workspace's implementors", names(sub) == [("Wrapper", "lib.rs", 29, 11)], sub)
    check("prepareTypeHierarchy on a function: null", c.result("textDocument/prepareTypeHierarchy",
                                                               at(lib, 49, 9)) is None)
    d = c.result("textDocument/definition", at(lib, 39, 13))
    check("definition on the trait's name in a two-line impl header", starts(d) == [("lib.rs", 4, 10)], d)

    lenses = c.result("textDocument/codeLens", td(lib))
    got = {} if not isinstance(lenses, list) else {
        (l["range"]["start"]["line"], l["range"]["start"]["character"]): l for l in lenses}
    check("code lenses: one per function, method, trait and type of the file, none resolved yet",
          sorted(got) == [(4, 10), (5, 7), (8, 10), (9, 7), (13, 11), (18, 7), (24, 7), (29, 11), (34, 7), (44, 7),
                          (49, 7), (57, 7)] and all("command" not in l for l in got.values()), sorted(got))

    def resolved(key):
        l = got.get(key)
        r = c.result("codeLens/resolve", l) if l else None
        cmd = (r or {}).get("command") or {}
        args = cmd.get("arguments") or [None, None, None]
        return cmd.get("title"), cmd.get("command"), args[1], flat(args[2])
    check("lens on a trait: 3 implementations, shown at the trait's name in each header",
          resolved((4, 10)) == ("3 implementations", "parseltongue.showReferences", pos(4, 10),
                                [("lib.rs", 17, 5, 17, 10), ("lib.rs", 39, 12, 39, 17), ("shapes.rs", 7, 5, 7, 10)]),
          resolved((4, 10)))
    check("lens on a trait method called through dyn: 2 callers at the call sites",
          resolved((9, 7)) == ("2 callers", "parseltongue.showReferences", pos(9, 7),
                               [("lib.rs", 52, 17, 52, 21), ("lib.rs", 59, 14, 59, 18)]), resolved((9, 7)))
    check("lens on a type: 4 implementations (2 impls, 2 derives)", resolved((13, 11))[0] == "4 implementations",
          resolved((13, 11)))
    check("lens on a function: 1 caller", resolved((49, 7))[0:2] == ("1 caller", "parseltongue.showReferences"),
          resolved((49, 7)))
    # an edit adds a second caller of total (a new function): a refresh is asked for, and the lens says 2
    text = open(work + "/src/shapes.rs").read()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": shapes, "languageId": "rust", "version": 1,
                                                       "text": text}})
    with c.cv:
        before = len(c.notes)
    edited = text + "\npub fn none() -> f64 {\n    crate::total(&[])\n}\n"
    c.notify("textDocument/didChange", {"textDocument": {"uri": shapes, "version": 2},
                                        "contentChanges": [{"text": edited}]})
    ref = c.wait_note(lambda n: n.get("method") == "workspace/codeLens/refresh" and c.notes.index(n) >= before, 10)
    check("after an edit: workspace/codeLens/refresh", ref is not None)
    if ref:
        c.send({"jsonrpc": "2.0", "id": ref["id"], "result": None})
    lenses = c.result("textDocument/codeLens", td(lib))
    got = {} if not isinstance(lenses, list) else {
        (l["range"]["start"]["line"], l["range"]["start"]["character"]): l for l in lenses}
    check("after an edit: the lens counts the new caller", resolved((49, 7))[0] == "2 callers", resolved((49, 7)))
    c.notify("workspace/didChangeConfiguration", {"settings": {"parseltongue": {"codeLens": {"enable": False}}}})
    check("setting codeLens.enable false: no lenses", c.result("textDocument/codeLens", td(lib)) == [])
    c.notify("workspace/didChangeConfiguration", {"settings": {"parseltongue": {"codeLens": {"enable": True}}}})
    check("setting codeLens.enable true: lenses again", len(c.result("textDocument/codeLens", td(lib)) or []) == 12)

    hl = c.result("textDocument/documentHighlight", at(lib, 4, 12))
    got = [(h["range"]["start"]["line"], h["range"]["start"]["character"], h["range"]["end"]["character"], h["kind"])
           for h in (hl or [])]
    check("documentHighlight on a trait: its name (text) and its uses in this file (read), in order",
          got == [(4, 10, 15, 1), (8, 17, 22, 2), (17, 5, 10, 2), (39, 12, 17, 2)], got)
    check("documentHighlight off any symbol: []", c.result("textDocument/documentHighlight", at(lib, 2, 0)) == [])

    r = c.result("workspace/executeCommand", {"command": "parseltongue/whatImplements",
                                              "arguments": [at(lib, 4, 12)]})
    check("executeCommand parseltongue/whatImplements: the request's answer",
          isinstance(r, dict) and sorted(i["type"] for i in r["items"]) ==
          ["hier::Square", "hier::Wrapper", "hier::shapes::Circle"], r)
    r = c.result("workspace/executeCommand", {"command": "parseltongue/stats"})
    check("executeCommand without arguments (2 sources and Cargo.toml)", isinstance(r, dict) and r.get("files") == 3, r)
    r = c.request("workspace/executeCommand", {"command": "parseltongue/nothing"})
    check("executeCommand of an unknown command: -32602", (r or {}).get("error", {}).get("code") == -32602, r)
    r = c.result("workspace/executeCommand", {"command": "parseltongue.showReferences",
                                              "arguments": [lib, pos(0, 0), [{"uri": lib, "range": {}}]]})
    check("executeCommand parseltongue.showReferences (a lens a client runs on the server): its locations",
          r == [{"uri": lib, "range": {}}], r)
    c.request("shutdown")
    c.notify("exit")
    check("lsp3: exit code 0", c.exit_code() == 0)

    c = Client()
    c.request("initialize", dict(init_params([work]), initializationOptions={"codeLens": False}))
    c.notify("initialized", {})
    wait_ready(c)
    check("initializationOptions codeLens false: no lenses", c.result("textDocument/codeLens", td(lib)) == [])
    c.request("shutdown")
    c.notify("exit")
    c.exit_code()


def test_start_hold(work):
    """After answering initialize the server holds its own messages until the
    client has a request answered, or has been quiet for PARSELTONGUE_LSP_HOLD_MS
    with no message half-written (Emacs 28's jsonrpc.el loses its place if one
    arrives while it is still writing its first messages: lsp/README.md)."""
    caps = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}

    def ours(c):
        with c.cv:
            return [n.get("method") for n in c.notes]

    def is_reg(n):
        return n.get("method") == "client/registerCapability"

    # 1. a long hold: only an answered request releases
    c = Client(env={"PARSELTONGUE_LSP_HOLD_MS": "60000"})
    c.request("initialize", init_params([work], progress=True, extra_caps=caps))
    before = ours(c)
    c.notify("initialized", {})
    time.sleep(1.0)
    check("hold: nothing of the server's own after initialize while the client is not shown reading",
          ours(c) == before, ours(c))
    st = c.result("parseltongue/stats")
    check("hold: requests are answered meanwhile", isinstance(st, dict), st)
    check("hold: an answered request releases the registration", c.wait_note(is_reg, 5) is not None, ours(c))
    c.request("shutdown")
    c.notify("exit")
    c.exit_code()

    # 2. a quiet client: released after the hold time, without any request
    c = Client(env={"PARSELTONGUE_LSP_HOLD_MS": "300"})
    c.request("initialize", init_params([work], extra_caps=caps))
    c.notify("initialized", {})
    t0 = time.time()
    reg = c.wait_note(is_reg, 10)
    check("hold: a quiet client gets the registration after the hold time",
          reg is not None and time.time() - t0 >= 0.3, (reg, time.time() - t0))

    # 3. a client still writing a message (half of a didOpen): nothing until it is whole
    c = Client(env={"PARSELTONGUE_LSP_HOLD_MS": "300"})
    c.request("initialize", init_params([work], extra_caps=caps))
    c.notify("initialized", {})
    text = "// " + "x" * 200000 + "\n"
    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri_of(work + "/src/big.rs"), "languageId": "rust", "version": 1, "text": text}}}).encode()
    frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
    c.raw(frame[:70000])
    time.sleep(1.2)
    check("hold: nothing while the client's message is half-written", not any(map(is_reg, c.notes)), ours(c))
    c.raw(frame[70000:])
    check("hold: released once the message is whole and the client quiet", c.wait_note(is_reg, 10) is not None,
          ours(c))
    c.request("shutdown")
    c.notify("exit")
    check("hold: exit code 0", c.exit_code() == 0)


def main():
    if not os.access(BIN, os.X_OK):
        print("no binary at " + BIN)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="pt-lsp-")
    try:
        w1, w2, w3, w4, w5, w6, w7 = (os.path.join(tmp, n) for n in ("ws1", "ws2", "ws3", "ws4", "ws5", "ws6", "ws7"))
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp3"), w6)
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp3"), w7)
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp1"), w1)
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp2"), w2)
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp2"), w5)
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp1"), w3)
        w8 = os.path.join(tmp, "ws8")
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp1"), w8)
        os.makedirs(w4)
        shutil.copytree(os.path.join(HERE, "fixtures", "lsp1"), os.path.join(w4, "ünï code"))
        for name, fn in (("protocol faults", lambda: test_protocol_faults(w3)),
                         ("main", lambda: test_main(w1)),
                         ("start-up hold", lambda: test_start_hold(w3)),
                         ("impl sites", lambda: test_impl_sites(w6)),
                         ("type hierarchy, code lens, highlight, commands", lambda: test_lsp3_features(w7)),
                         ("encodings", lambda: test_utf8_and_pull(os.path.join(w4, "ünï code"))),
                         ("multi-root", lambda: test_multi_root(w3, w2, w5)),
                         ("hostile params", lambda: test_hostile(w3)),
                         ("stress", lambda: test_stress(w3)),
                         ("no stale answers", lambda: test_no_stale_answers(w8)),
                         ("client death", lambda: test_client_death(w3)),
                         ("build options", lambda: test_build_options(tmp))):
            print("== " + name)
            try:
                fn()
            except Exception as e:  # a crash of the test itself counts as a failure
                import traceback
                traceback.print_exc()
                check(name + ": ran to the end", False, e)
        bad = []
        for c in Client.every:
            c.close()
            log = c.log()
            at_ = min([i for i in (log.find("Sanitizer"), log.find("runtime error")) if i >= 0], default=-1)
            if at_ >= 0:
                bad.append(log[max(0, at_ - 200):at_ + 4000])
        if bad and os.environ.get("LSP_TEST_LOG"):
            print("\n".join(bad))
        check("no sanitizer report from any server process", not bad, "\n".join(bad)[:1500])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
