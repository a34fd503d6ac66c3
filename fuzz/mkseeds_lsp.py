#!/usr/bin/env python3
"""fuzz/mkseeds_lsp.py — write the seed corpus of the jsonrpc fuzz target.

Each seed is one client session as raw bytes (Content-Length framing), the
kind of traffic tests/lsp_blackbox.py sends: every request the server
knows, on the files of tests/fixtures/lsp1 as the harness places them
(/tmp/pt-fuzz-lsp-ws), document edits, cancellation, shutdown and exit,
plus framing faults. Run: python3 fuzz/mkseeds_lsp.py fuzz/corpus/jsonrpc
"""
import json
import os
import sys

WS = "/tmp/pt-fuzz-lsp-ws"
LIB = f"file://{WS}/src/lib.rs"
SHAPES = f"file://{WS}/src/shapes.rs"


def frame(obj):
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def req(i, method, params=None):
    m = {"jsonrpc": "2.0", "id": i, "method": method}
    if params is not None:
        m["params"] = params
    return m


def note(method, params=None):
    m = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        m["params"] = params
    return m


def pos(uri, line, ch):
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": ch}}


SEEDS = {}
queries = [
    ("textDocument/definition", pos(LIB, 17, 49)),
    ("textDocument/implementation", pos(SHAPES, 0, 11)),
    ("textDocument/references", dict(pos(LIB, 21, 8), context={"includeDeclaration": True})),
    ("textDocument/prepareCallHierarchy", pos(LIB, 21, 8)),
    ("textDocument/documentSymbol", {"textDocument": {"uri": LIB}}),
    ("workspace/symbol", {"query": "hel"}),
    ("textDocument/hover", pos(LIB, 21, 8)),
    ("textDocument/diagnostic", {"textDocument": {"uri": LIB}}),
    ("workspace/diagnostic", {"previousResultIds": []}),
    ("parseltongue/blastRadius", dict(pos(LIB, 21, 8), depth=3, limit=10)),
    ("parseltongue/whatImplements", pos(SHAPES, 0, 11)),
    ("parseltongue/findCycles", {"level": "all"}),
    ("parseltongue/generateContext", dict(pos(LIB, 21, 8), tokens=200)),
    ("parseltongue/stats", None),
]
for i, (m, p) in enumerate(queries):
    SEEDS["q-" + m.replace("/", "-")] = [req(i + 1, m, p)]
SEEDS["all-queries"] = [req(i + 1, m, p) for i, (m, p) in enumerate(queries)]
SEEDS["call-hierarchy"] = [
    req(1, "callHierarchy/incomingCalls", {"item": {"name": "helper", "kind": 12, "uri": LIB,
        "range": {"start": {"line": 21, "character": 0}, "end": {"line": 23, "character": 1}},
        "selectionRange": {"start": {"line": 21, "character": 7}, "end": {"line": 21, "character": 13}},
        "data": "0000000000000000"}}),
    req(2, "callHierarchy/outgoingCalls", {"item": {"name": "twice", "uri": LIB, "data": "ffffffffffffffff"}}),
]
text = open(os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "lsp1", "src", "lib.rs")).read()
SEEDS["edit-session"] = [
    note("textDocument/didOpen", {"textDocument": {"uri": LIB, "languageId": "rust", "version": 1, "text": text}}),
    note("textDocument/didChange", {"textDocument": {"uri": LIB, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 21, "character": 7}, "end": {"line": 21, "character": 13}}, "text": "helpér"},
        {"range": {"start": {"line": 17, "character": 17}, "end": {"line": 17, "character": 20}}, "text": "😀\r\n"}]}),
    req(3, "textDocument/definition", pos(LIB, 17, 60)),
    req(4, "textDocument/hover", pos(LIB, 99, 99)),
    note("textDocument/didChange", {"textDocument": {"uri": LIB, "version": 3}, "contentChanges": [{"text": "fn x() {}"}]}),
    req(5, "textDocument/documentSymbol", {"textDocument": {"uri": LIB}}),
    note("textDocument/didSave", {"textDocument": {"uri": LIB}}),
    note("textDocument/didClose", {"textDocument": {"uri": LIB}}),
    note("workspace/didChangeWatchedFiles", {"changes": [{"uri": SHAPES, "type": 2}]}),
]
SEEDS["cancel"] = [req(1, "parseltongue/stats"), note("$/cancelRequest", {"id": 1}),
                   note("$/cancelRequest", {"id": "nope"}), req("s", "workspace/symbol", {"query": ""})]
SEEDS["shutdown-exit"] = [req(1, "shutdown"), req(2, "textDocument/hover", pos(LIB, 0, 0)),
                          note("exit"), req(3, "parseltongue/stats")]
SEEDS["hostile-params"] = [
    req(1, "parseltongue/blastRadius", {"id": "zz", "depth": "deep"}),
    req(2, "parseltongue/generateContext", {"id": "0123456789abcdef", "tokens": -5}),
    req(3, "textDocument/definition", {"textDocument": {"uri": "http://x/y.rs"}, "position": {"line": -1, "character": 1e300}}),
    req(4, "textDocument/references", {"textDocument": {"uri": "file:///etc/passwd"}, "position": [1, 2]}),
    req(5, "no/such/method", {}),
    req(None, "parseltongue/stats"),
    req([1], "parseltongue/stats"),
    {"jsonrpc": "2.0", "id": 9, "result": None},
    note("textDocument/didOpen", {"textDocument": {"uri": "file:///dev/null", "text": 5}}),
    req(6, "initialize", {"rootUri": "file:///nonexistent"}),
    req(7, "parseltongue/findCycles", {"level": 3}),
    req(8, "workspace/symbol", {"query": None}),
]
SEEDS["deep-json"] = [b"[" * 2000 + b"]" * 2000, req(1, "parseltongue/stats")]
framing = (b"Content-Length: 99999999999\r\n\r\n{}" + frame(req(1, "parseltongue/stats")) +
           b"Content-Type: x\r\nContent-Length: 2\r\n\r\n{]" + b"garbage\r\n\r\n" +
           frame(req(2, "shutdown")) + b"Content-Length: 40\r\n\r\n{\"jsonrpc\"")
os.makedirs(sys.argv[1], exist_ok=True)
for name, msgs in SEEDS.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(b"".join(frame(m) for m in msgs))
with open(os.path.join(sys.argv[1], "framing"), "wb") as f:
    f.write(framing)
with open(os.path.join(sys.argv[1], "uninitialized"), "wb") as f:
    f.write(b"X" + frame(req(1, "parseltongue/stats")) + frame(note("textDocument/didOpen", {})) + frame(req(2, "shutdown")))
print(f"{len(SEEDS) + 2} seeds in {sys.argv[1]}")
