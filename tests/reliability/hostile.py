#!/usr/bin/env python3
"""tests/reliability/hostile.py BINARY — hostile inputs against the real binary.

Rust sources: a 50 MB file, 10,000-level nestings of every recursive
construct, NUL bytes, invalid UTF-8, CRLF and lone-CR line endings,
non-ASCII identifiers, r# raw identifiers, a FIFO named like a source
file. `onboard` must finish in bounded time, skip or partially index with
a warning, never crash; `storage verify` must pass; what is valid must be
indexed (with the right lines) and queries over it must answer.

Protocol (beyond tests/lsp_blackbox.py, which already covers lifecycle
errors, unknown methods, ill-typed params and cancellation): 2,000-deep
and 100,000-deep JSON, odd Content-Length values and header lines,
truncated bodies in the middle of a session, odd request ids, URIs that
are not file:// or outside the workspace (devices, FIFOs), a 10 MB
document, positions past the end of edited text, 1,000 pipelined requests.
After each: the right answer or error code, and the server keeps serving.
Last line: "N passed, M failed".
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (Client, check, crashed, init_params, run, summary, uri_of, frame)  # noqa: E402

N = 10000
ONBOARD_BOUND = 120   # seconds; the real figure is printed


def nestings():
    return {
        "nest_mods.rs": "mod a { " * N + "pub fn deep_mod_fn() {}" + " }" * N,
        "nest_blocks.rs": "pub fn deep_blocks() { " + "{ " * N + "g();" + " }" * N + " }\nfn g() {}\n",
        "nest_parens.rs": "pub fn deep_parens() -> u32 { " + "(" * N + "1" + ")" * N + " }\n",
        "nest_generics.rs": "pub fn deep_generics(x: " + "Vec<" * N + "u8" + ">" * N + ") {}\n",
        "nest_calls.rs": "pub fn deep_calls() { " + "h(" * N + ")" * N + "; }\nfn h() {}\n",
        "nest_fns.rs": "pub fn deep_fns() { " + "fn g() { " * N + " }" * N + " }\n",
        "nest_macro.rs": "m! { " + "( " * N + " )" * N + " }\npub fn after_macro() {}\n",
        "nest_closures.rs": "pub fn deep_closures() { let c = " + "|x| " * N + "1; }\n",
        "nest_methods.rs": "pub fn deep_methods() { a" + ".b()" * N + "; }\n",
        "nest_binop.rs": "pub fn deep_binop() -> u32 { 1" + " + 1" * N + " }\n",
        "nest_use.rs": "use " + "a::{" * N + "b" + "}" * N + ";\npub fn after_use() {}\n",
        "nest_types.rs": "pub type DeepRef = " + "&" * N + "u8;\n",
        "nest_arrays.rs": "pub const DEEP: " + "[" * N + "u8" + "; 1]" * N + " = 0;\n",
        "nest_unbalanced.rs": "pub fn unbalanced() { " + "{ ( [ " * N + "\n",
    }


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def make_workspace(ws):
    src = os.path.join(ws, "src")
    os.makedirs(src)
    write(os.path.join(ws, "Cargo.toml"), '[package]\nname = "hostile"\nversion = "0.1.0"\nedition = "2021"\n')
    files = dict(nestings())
    # 50 MB of valid Rust
    unit = "pub fn big_%07d(x: u32) -> u32 { x + 1 }\n"
    lines, size, i = [], 0, 0
    while size < 50 * 1024 * 1024:
        s = unit % i
        lines.append(s)
        size += len(s)
        i += 1
    files["big.rs"] = "".join(lines)
    files["nul.rs"] = b"\0" * (1 << 20)
    files["nul_mixed.rs"] = b"pub fn before_nul() {}\n" + b"\0" * 1000 + b"\npub fn after_nul() {}\n"
    files["bad_utf8.rs"] = (b"// \xff\xfe comment\npub fn bad_utf8_ok() { let s = \"\xc3\x28 \xe2\x82\"; }\n"
                            b"pub fn \xf0\x9f\x98 broken() {}\npub fn bad_utf8_after() {}\n")
    files["crlf.rs"] = "// crlf\r\n\r\npub fn crlf_third_line() {}\r\npub fn crlf_caller() { crlf_third_line(); }\r\n"
    # (no comment first: a `//` comment runs to the next '\n', so to the end)
    files["lone_cr.rs"] = "pub fn lone_cr_fn() {}\rpub fn lone_cr_caller() { lone_cr_fn(); }\r\r/* x */\r"
    files["unicode.rs"] = ("pub fn größe() -> u32 { 1 }\npub struct Ünïcödé;\npub fn 日本語() { größe(); }\n"
                           "pub fn emoji_after() { let _ = \"😀😀\"; größe(); }\n")
    files["raw_ident.rs"] = ("pub fn r#match() {}\npub struct r#type;\npub fn raw_caller() { r#match(); }\n"
                             "impl r#type { pub fn r#fn(&self) {} }\n")
    files["empty.rs"] = ""
    files["bom.rs"] = "\ufeffpub fn after_bom() {}\n"
    mods = []
    for name, data in files.items():
        write(os.path.join(src, name), data)
        mods.append("pub mod %s;" % name[:-3])
    write(os.path.join(src, "lib.rs"), "\n".join(mods) + "\npub fn lib_root() {}\n")
    os.mkfifo(os.path.join(src, "fifo.rs"))
    # a file that cannot be read
    write(os.path.join(src, "unreadable.rs"), "pub fn secret() {}\n")
    os.chmod(os.path.join(src, "unreadable.rs"), 0)
    return files


def entities(binary, db, rel):
    rc, out, err, _ = run(binary, ["query", "entities-in-file", rel, "--json", "--db", db])
    try:
        return {r["name"]: r for r in json.loads(out).get("results", [])}
    except ValueError:
        return {}


def test_sources(binary, tmp):
    print("hostile Rust sources", flush=True)
    ws = os.path.join(tmp, "ws")
    db = os.path.join(tmp, "db")
    make_workspace(ws)
    rc, out, err, secs = run(binary, ["onboard", ws, "--db", db], timeout=600)
    print("  onboard: exit %s in %.1fs" % (rc, secs))
    check("sources: onboard does not crash", not crashed(rc, err), err[-1500:])
    check("sources: onboard exits 0", rc == 0, err[-800:])
    check("sources: onboard bounded (%.1fs < %ds)" % (secs, ONBOARD_BOUND), secs < ONBOARD_BOUND, secs)
    check("sources: the 50 MB file is skipped with a warning", "big.rs" in err, err[-800:])
    check("sources: NUL file skipped or flagged with a warning", "nul.rs" in err, err[-800:])
    rc, out, verr, _ = run(binary, ["storage", "verify", "--db", db])
    check("sources: storage verify passes", rc == 0, out[-500:] + verr[-500:])
    # what is valid is indexed, at the right lines
    e = entities(binary, db, "src/crlf.rs")
    check("sources: CRLF file indexed, lines right", e.get("crlf_third_line", {}).get("line") == 3, e)
    e = entities(binary, db, "src/lone_cr.rs")
    check("sources: lone-CR file indexed", "lone_cr_fn" in e and "lone_cr_caller" in e, e)
    e = entities(binary, db, "src/unicode.rs")
    check("sources: non-ASCII identifiers indexed", {"größe", "Ünïcödé", "日本語", "emoji_after"} <= set(e), sorted(e))
    rc, out, err2, _ = run(binary, ["query", "callers", "größe", "--json", "--db", db])
    callers = sorted(r["name"] for r in json.loads(out or "{}").get("results", [])) if rc == 0 else []
    check("sources: calls between non-ASCII identifiers", callers == ["emoji_after", "日本語"], (rc, out[:300], err2[:300]))
    e = entities(binary, db, "src/raw_ident.rs")
    names = set(e)
    check("sources: r# raw identifiers indexed", any(n in names for n in ("match", "r#match")) and
          any(n in names for n in ("type", "r#type")), sorted(names))
    target = "r#match" if "r#match" in names else "match"
    rc, out, err2, _ = run(binary, ["query", "callers", target, "--json", "--db", db])
    got = [r["name"] for r in json.loads(out or "{}").get("results", [])] if rc == 0 else []
    check("sources: a call to a raw identifier resolves", got == ["raw_caller"], (rc, out[:300], err2[:300]))
    e = entities(binary, db, "src/bad_utf8.rs")
    check("sources: invalid UTF-8 file: valid items kept or the file skipped with a warning",
          ("bad_utf8_ok" in e and "bad_utf8_after" in e) or "bad_utf8.rs" in err, (sorted(e), err[-400:]))
    e = entities(binary, db, "src/nul_mixed.rs")
    check("sources: items around NUL bytes: kept or skipped with a warning",
          {"before_nul", "after_nul"} <= set(e) or "nul_mixed.rs" in err, sorted(e))
    e = entities(binary, db, "src/bom.rs")
    check("sources: a UTF-8 BOM does not hide the first item", "after_bom" in e, sorted(e))
    for name in sorted(nestings()):
        rc, out, err2, _ = run(binary, ["query", "entities-in-file", "src/" + name, "--db", db], timeout=60)
        check("sources: %s answers" % name, rc in (0, 3) and not crashed(rc, err2), (rc, err2[-300:]))
    rc, out, err, secs = run(binary, ["onboard", ws, "--db", db], timeout=600)
    check("sources: second onboard: nothing to do, no crash", rc == 0 and not crashed(rc, err), err[-500:])
    rc, out, err, _ = run(binary, ["export", "--format", "json", "--db", db], timeout=120)
    check("sources: export works", rc == 0 and out.startswith(("{", "[")), err[-300:])
    return ws, db


def stats_ok(c):
    r = c.request("parseltongue/stats", timeout=20)
    return bool(r and "result" in r)


def test_protocol(binary, ws, db):
    print("hostile protocol", flush=True)
    c = Client(binary, ["--db", db], env={"PARSELTONGUE_LSP_SETTLE_MS": "0"})
    r = c.request("initialize", init_params(ws))
    check("protocol: initialize", r and "result" in r, r)
    c.notify("initialized", {})
    check("protocol: ready", c.wait_ready(120) is not None)

    # deep JSON: 2,000 levels inside the params, and as the whole message
    deep = "[" * 2000 + "]" * 2000
    body = ('{"jsonrpc":"2.0","id":"deep","method":"workspace/symbol","params":{"query":%s}}' % deep).encode()
    c.raw(frame(body))
    r = c.wait("deep")
    check("protocol: 2,000-deep params: an answer (result or -32602)",
          r and ("result" in r or r.get("error", {}).get("code") == -32602), r and str(r)[:200])
    c.raw(frame(deep.encode()))
    check("protocol: 2,000-deep array message: still serving", stats_ok(c))
    very = ("[" * 100000 + "]" * 100000).encode()
    c.raw(frame(very))
    check("protocol: 100,000-deep JSON: still serving", stats_ok(c))
    nulls = c.null_responses()
    check("protocol: deep messages answered with id-null errors",
          all(x.get("error", {}).get("code") in (-32700, -32600) for x in nulls) and len(nulls) >= 2, nulls[:3])

    # odd Content-Length values and headers, each followed by a good request
    good = lambda i: frame({"jsonrpc": "2.0", "id": "after-%d" % i, "method": "parseltongue/stats"})
    faults = [b"Content-Length: 99999999999\r\n\r\n", b"Content-Length: -5\r\n\r\n", b"Content-Length: abc\r\n\r\n",
              b"Content-Length: 1e3\r\n\r\n", b"Content-Length: 0\r\n\r\n",
              b"Content-Length: 18446744073709551617\r\n\r\n", b"Content-Length:\r\n\r\n",
              b"X-Long: " + b"x" * 100000 + b"\r\n\r\n", b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
              b"\0\0\0\r\n\r\n", b"Content-Length: 7\r\n\r\n\xff\xfe\xfd\xfc\xfb\xfa\xf9"]
    for i, f in enumerate(faults):
        # the message right after a fault may be swallowed by it (a wrong
        # length eats its header); the one after that must be answered
        c.raw(f + good(i) + good(i + 1000))
        r = c.wait("after-%d" % (i + 1000), 20)
        check("protocol: fault %d (%r…): the stream recovers" % (i, f[:24]), r and "result" in r, r)

    # truncated body in the middle of a session: it swallows the start of
    # the next message; the one after that must be answered
    c.raw(b"Content-Length: 60\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 1, \"meth")
    c.raw(good(100))
    c.raw(good(101))
    r = c.wait("after-101", 20)
    check("protocol: truncated body mid-session: the stream recovers", r and "result" in r, r)

    # odd ids
    for rid in (1.5, {"a": 1}, [1], True):
        c.send({"jsonrpc": "2.0", "id": rid, "method": "parseltongue/stats"})
    check("protocol: odd ids: still serving", stats_ok(c))
    nulls = c.null_responses()
    check("protocol: odd ids answered -32600", sum(1 for x in nulls if x.get("error", {}).get("code") == -32600) >= 4,
          nulls[-4:])
    r = c.request("$/unknownRequest", {})
    check("protocol: unknown $/ request: -32601", r and r.get("error", {}).get("code") == -32601, r)

    # URIs outside the workspace, not file://, devices and FIFOs
    lib = os.path.join(ws, "src", "lib.rs")
    fifo = os.path.join(ws, "src", "fifo.rs")
    for u in ("untitled:Untitled-1", "http://example.com/a.rs", "file:///dev/zero", "file:///dev/urandom",
              uri_of(fifo), "file:///etc/passwd", "file://", "file:///%zz%", "", "file:///" + "a/" * 3000 + "x.rs"):
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "rust", "version": 1,
                                                           "text": "pub fn opened() {}\n"}})
        for m in ("textDocument/hover", "textDocument/definition", "textDocument/documentSymbol",
                  "textDocument/references", "textDocument/diagnostic"):
            r = c.request(m, {"textDocument": {"uri": u}, "position": {"line": 0, "character": 8},
                              "context": {"includeDeclaration": True}}, timeout=20)
            if not (r and ("result" in r or r.get("error", {}).get("code") == -32602)):
                check("protocol: %s on %r" % (m, u[:40]), False, r)
                break
        else:
            check("protocol: every request on %r answered" % u[:40], True)
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 99, "character": 99}, "end": {"line": 0, "character": 0}}, "text": "x"}]})
        c.notify("textDocument/didSave", {"textDocument": {"uri": u}})
    check("protocol: odd URIs: still serving", stats_ok(c))

    # a 10 MB document, then edits and positions past its end
    big = "pub fn big_doc_%d() {}\n"
    text = "".join(big % i for i in range(450000))[: 10 * 1024 * 1024]
    u = uri_of(lib)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "rust", "version": 1, "text": text}})
    r = c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": {"line": 5, "character": 8}}, 60)
    check("protocol: 10 MB document: hover answered", r and "result" in r, r and str(r)[:200])
    c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 10 ** 9, "character": 10 ** 9}, "end": {"line": 10 ** 9, "character": 10 ** 9}},
         "text": "\npub fn at_the_end() {}\n"},
        {"range": {"start": {"line": 3, "character": 10 ** 6}, "end": {"line": 1, "character": 2}}, "text": "é😀"}]})
    r = c.request("textDocument/documentSymbol", {"textDocument": {"uri": u}}, 60)
    check("protocol: edits past the end: documentSymbol answered", r and "result" in r, r and str(r)[:200])
    c.notify("textDocument/didClose", {"textDocument": {"uri": u}})

    # 1,000 pipelined requests in one write
    batch = b"".join(frame({"jsonrpc": "2.0", "id": "p%d" % i, "method": "workspace/symbol",
                            "params": {"query": "deep"}}) for i in range(1000))
    t0 = time.time()
    c.raw(batch)
    got = sum(1 for i in range(1000) if (c.wait("p%d" % i, 60) or {}).get("result") is not None)
    check("protocol: 1,000 pipelined requests all answered (%.1fs)" % (time.time() - t0), got == 1000, got)

    r = c.request("shutdown", timeout=30)
    check("protocol: shutdown answered after devices were opened (no read of /dev/zero)",
          r is not None and "result" in r, r)
    r = c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}})
    check("protocol: request after shutdown: -32600", r and r.get("error", {}).get("code") == -32600, r)
    c.notify("exit")
    code = c.exit_code(30)
    check("protocol: exit 0", code == 0, code)
    check("protocol: no sanitizer report", not crashed(code, c.log()), c.log()[-1500:])


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="pt-hostile-")
    try:
        ws, db = test_sources(binary, tmp)
        test_protocol(binary, ws, db)
    finally:
        os.chmod(os.path.join(tmp, "ws", "src", "unreadable.rs"), 0o644) if os.path.exists(
            os.path.join(tmp, "ws", "src", "unreadable.rs")) else None
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
