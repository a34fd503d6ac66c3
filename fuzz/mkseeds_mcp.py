#!/usr/bin/env python3
"""fuzz/mkseeds_mcp.py — write the seed corpus of the mcp fuzz target.

Each seed is one agent session as the bytes it writes on the server's
stdin (one JSON-RPC message a line): the lifecycle of each revision, every
tool with good and bad arguments on the files of tests/fixtures/rank1 (as
the harness places them), the stateless 2026-07-28 requests, a batch, and
malformed messages. Run: python3 fuzz/mkseeds_mcp.py fuzz/corpus/mcp
"""
import json
import os
import sys

MODERN = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {}}


def line(obj):
    return (obj if isinstance(obj, str) else json.dumps(obj)) + "\n"


def req(i, method, params=None):
    m = {"jsonrpc": "2.0", "id": i, "method": method}
    if params is not None:
        m["params"] = params
    return m


def init(version="2025-11-25"):
    return [req(0, "initialize", {"protocolVersion": version, "capabilities": {},
                                  "clientInfo": {"name": "seed", "version": "1"}}),
            {"jsonrpc": "2.0", "method": "notifications/initialized"}]


def call(i, name, args, modern=False):
    p = {"name": name, "arguments": args}
    if modern:
        p["_meta"] = MODERN
    return req(i, "tools/call", p)


CALLS = [
    ("context", {"target": "store::buffer::Buffer::push"}),
    ("context", {"target": "push", "tokens": 120}),
    ("context", {"target": "Buffer"}),
    ("where_defined", {"target": "main"}),
    ("where_defined", {"target": "store/src/buffer.rs:12:9"}),
    ("search", {"query": "pu", "kind": "method", "limit": 2, "offset": 1}),
    ("callers", {"target": "Buffer::push", "limit": 3, "offset": 3, "tokens": 150}),
    ("callees", {"target": "app::main"}),
    ("references", {"target": "store::buffer::Buffer"}),
    ("what_implements", {"target": "Buffer"}),
    ("blast_radius", {"target": "store::buffer::fill", "depth": 10, "limit": 1}),
    ("impact", {"files": ["store/src/log.rs", "nope.rs", "../../etc/passwd"]}),
    ("impact", {"diff": "HEAD~1..HEAD"}),
    ("find_cycles", {"level": "function"}),
    ("entities_in_file", {"file": "store/src/buffer.rs", "kind": "method"}),
    ("callers", {"target": "main"}),
    ("callers", {"target": ""}),
    ("callers", {"target": 7, "limit": "x"}),
    ("callers", {"target": "x", "limit": 1.5, "extra": True}),
    ("nope", {}),
]


def sessions():
    yield "lifecycle-2025-11-25", init() + [req(1, "tools/list"), req(2, "ping")]
    for v in ("2025-06-18", "2025-03-26", "2024-11-05", "2027-01-01", "1.0.0", 7):
        yield "initialize-%s" % v, init(v) + [req(1, "tools/list"), call(2, "callers", {"target": "fill"})]
    for k, (name, args) in enumerate(CALLS):
        yield "tool-%02d-%s" % (k, name), init() + [call(1, name, args)]
    yield "modern", [req("d", "server/discover", {"_meta": MODERN}),
                     req("l", "tools/list", {"_meta": MODERN}),
                     call("c", "context", {"target": "fill"}, modern=True),
                     req("v", "tools/list", {"_meta": dict(MODERN, **{"io.modelcontextprotocol/protocolVersion": "2099-01-01"})}),
                     req("m", "tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}})]
    yield "batch-2025-03-26", init("2025-03-26") + [
        line([req(5, "ping"), call(6, "callers", {"target": "fill"}),
              {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 6}}]).strip(), "[]"]
    yield "malformed", [
        "{", "[", "null", "3", '"x"', '{"jsonrpc":"1.0","id":1,"method":"ping"}',
        '{"jsonrpc":"2.0","id":null,"method":"ping"}', '{"jsonrpc":"2.0","id":{},"method":"ping"}',
        '{"jsonrpc":"2.0","id":1,"method":5}', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}',
        '{"jsonrpc":"2.0","id":1,"result":{}}', '{"jsonrpc":"2.0","id":1,"method":"ping","id":2}',
        '\t {"jsonrpc":"2.0","id":9,"method":"ping"}\r', "\xff\xfe", ""]
    yield "before-initialize", [req(1, "tools/list"), call(2, "callers", {"target": "fill"}),
                                req(3, "initialize", {"protocolVersion": "2025-11-25"}),
                                req(4, "initialize", {"protocolVersion": "2025-11-25"})]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, msgs in sessions():
        with open(os.path.join(out, name), "wb") as f:
            f.write("".join(line(m) for m in msgs).encode("utf-8", "surrogateescape"))


main()
