#!/usr/bin/env python3
"""Black-box security tests of the parseltongue binary (issue 16).

usage: python3 tests/security.py build/parseltongue [--only SUBSTRING]

What a hostile repository or client tries, through the real binary (CLI
and `--stdio`), and what must happen instead (tests/reliability/README.md,
"Threat model"):

  traversal   URIs that leave the workspace (`..`, `%2e%2e`, `//..`, a
              folder symlink, `%00`) in didOpen/didChange/didClose,
              didChangeWatchedFiles and custom requests: nothing outside a
              workspace folder is read or indexed.
  symlinks    a file symlink to outside the workspace (a secret .rs file,
              /etc/passwd) is not followed by onboard nor the server, and
              is named once in the warnings; one inside the workspace is;
              `onboard --follow-symlinks` opts in and is remembered.
  escaping    file names that inject DOT statements, Mermaid click lines,
              terminal escapes, markup: every output keeps them one value.
  long paths  a path over LMDB's 511-byte key limit and a 600-character
              identifier never fail the workspace.
  non-UTF-8   file and folder names with bytes that are not UTF-8: JSON
              outputs name them losslessly (surrogate escapes), LSP URIs
              percent-encode the bytes, `storage status --json` works.
  storage     `storage clean` on a symlinked database directory and on
              `.`; reader slots in `storage status`.
  protocol    a request with "id": null gets an error with id null.

Expectations are written by hand from the inputs. The last line printed is
"N passed, M failed"; exit status 0 iff M == 0. Python standard library only.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote, unquote_to_bytes, urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reliability"))
from common import Client, check, crashed, init_params, summary  # noqa: E402

BIN = None
ONLY = None
CARGO = '[package]\nname = "sec"\nversion = "0.1.0"\n'
SECRET = "pub fn top_secret_fn() -> u32 { 42 }\n"


def run(args, cwd=None, env=None, timeout=120):
    """(rc, stdout bytes, stderr text); rc None on timeout."""
    e = dict(os.environ)
    e.pop("PARSELTONGUE_DB", None)
    e.update(env or {})
    try:
        p = subprocess.run([BIN] + args, cwd=cwd, env=e, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, b"", "timeout"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)


def crate(root, lib="pub fn inside_fn() -> u32 { 1 }\n"):
    write(os.path.join(root, "Cargo.toml"), CARGO)
    write(os.path.join(root, "src", "lib.rs"), lib)
    return root


def uri_of(path):
    return "file://" + quote(path)


def names(export):
    return {e["name"] for e in (export or {}).get("entities", [])}


def export_json(db):
    rc, out, err = run(["export", "--format", "json", "--db", db])
    try:
        return json.loads(out) if rc == 0 else None
    except ValueError:
        return None


def server(ws, args=(), env=None, caps=None):
    c = Client(BIN, list(args), env=dict({"PARSELTONGUE_LSP_SETTLE_MS": "3000"}, **(env or {})))
    p = init_params(ws)
    if caps:
        p["capabilities"].update(caps)
    c.request("initialize", p)
    c.notify("initialized", {})
    return c


def symbols(c, query):
    r = c.request("workspace/symbol", {"query": query})
    return [s for s in ((r or {}).get("result") or []) if s.get("name") == query]


def open_close(c, uri, text="pub fn buffer_fn() {}\n"):
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rust", "version": 1,
                                                       "text": text}})
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                        "contentChanges": [{"text": text + "pub fn changed_fn() {}\n"}]})
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def settle(c):
    """Wait until the server has indexed what it was sent."""
    deadline = time.time() + 20
    while time.time() < deadline:
        r = c.request("parseltongue/stats")
        roots = ((r or {}).get("result") or {}).get("roots") or []
        if roots and all(x.get("pendingUpdates") == 0 and x.get("state") != "indexing" for x in roots):
            return
        time.sleep(0.1)


# ---- 1. path traversal through URIs ----------------------------------------------------------

def test_traversal(tmp):
    ws = crate(os.path.join(tmp, "ws"))
    out = os.path.join(tmp, "outside")
    write(os.path.join(out, "secret.rs"), SECRET)
    os.symlink(out, os.path.join(ws, "src", "dirlink"))
    c = server(ws)
    c.wait_ready()
    tricks = {
        "..": uri_of(ws) + "/../outside/secret.rs",
        "%2e%2e": uri_of(ws) + "/%2e%2e/outside/secret.rs",
        "%2E%2E%2F": uri_of(ws) + "/src/%2E%2E%2F%2E%2E%2Foutside/secret.rs",
        "src/../../": uri_of(ws) + "/src/../../outside/secret.rs",
        "ws//../": uri_of(ws) + "//../outside/secret.rs",
        "./../": uri_of(ws) + "/./../outside/secret.rs",
        "folder symlink": uri_of(ws) + "/src/dirlink/secret.rs",
        "%00": uri_of(ws) + "/src/x.rs%00/../../../outside/secret.rs",
    }
    for why, u in tricks.items():
        open_close(c, u)
    c.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": u, "type": 2} for u in tricks.values()]})
    settle(c)
    check("traversal: no URI outside the folder gets the secret file indexed", not symbols(c, "top_secret_fn"),
          symbols(c, "top_secret_fn"))
    check("traversal: nor the buffers of such URIs", not symbols(c, "buffer_fn") and not symbols(c, "changed_fn"),
          symbols(c, "buffer_fn") + symbols(c, "changed_fn"))
    for why, u in tricks.items():
        r = c.request("textDocument/documentSymbol", {"textDocument": {"uri": u}})
        if not check("traversal (%s): documentSymbol answers [] for a URI outside the folder" % why,
                     r and r.get("result") in ([], None), r):
            break
    r = c.request("parseltongue/generateContext", {"id": "0000000000000001", "uri": tricks[".."]})
    check("traversal: a custom request naming such a uri answers null", r and r.get("result") is None, r)
    # a URI that only looks odd but names a file of the folder still works
    inside = uri_of(ws) + "/src/../src/./lib.rs"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": inside, "languageId": "rust", "version": 1,
                                                       "text": "pub fn inside_fn() -> u32 { 1 }\npub fn dotted_fn() {}\n"}})
    settle(c)
    check("traversal: a URI with dot segments inside the folder is the folder's file",
          symbols(c, "dotted_fn"), c.log()[-400:])
    code = c.close()
    check("traversal: the server exits cleanly", code == 0 and not crashed(code, c.log()), c.log()[-400:])
    ex = export_json(os.path.join(ws, ".cache", "parseltongue"))
    files = {e.get("file") for e in (ex or {}).get("entities", [])}
    check("traversal: the database names no file outside the folder",
          ex is not None and not any(f and (f.startswith("..") or "outside" in f) for f in files), files)


# ---- 2. symlinked files -----------------------------------------------------------------------

def symlink_ws(tmp, name):
    ws = crate(os.path.join(tmp, name), "pub mod leak;\npub mod alias;\npub mod passwd;\npub fn inside_fn() {}\n")
    out = os.path.join(tmp, name + "-outside")
    write(os.path.join(out, "secret.rs"), SECRET)
    write(os.path.join(ws, "real", "alias_target.rs"), "pub fn aliased_fn() {}\n")
    os.symlink(os.path.join(out, "secret.rs"), os.path.join(ws, "src", "leak.rs"))
    os.symlink("../real/alias_target.rs", os.path.join(ws, "src", "alias.rs"))
    os.symlink("/etc/passwd", os.path.join(ws, "src", "passwd.rs"))
    os.symlink(out, os.path.join(ws, "src", "outdir"))  # a folder symlink: never followed
    return ws


def test_symlinks(tmp):
    ws = symlink_ws(tmp, "sym")
    db = os.path.join(tmp, "sym-db")
    rc, out, err = run(["onboard", ws, "--db", db])
    check("symlinks: onboard succeeds", rc == 0, err[-500:])
    ex = export_json(db)
    got = names(ex)
    check("symlinks: a file symlink to outside the folder is not followed", "top_secret_fn" not in got, got)
    check("symlinks: nor one to /etc/passwd (never parsed)",
          "passwd.rs: syntax errors" not in err and
          not any(e.get("file") == "src/passwd.rs" for e in (ex or {}).get("entities", [])), err[-500:])
    check("symlinks: a file symlink inside the folder is followed", "aliased_fn" in got, got)
    check("symlinks: a folder symlink is not followed",
          not any("outdir" in (e.get("file") or "") for e in (ex or {}).get("entities", [])), got)
    warned = [l for l in err.splitlines() if "src/leak.rs" in l]
    check("symlinks: said once in the warnings, naming the file",
          len(warned) == 1 and "outside" in warned[0] and "passwd.rs" in err, err[-800:])
    rc, out, err = run(["onboard", ws, "--db", db])
    check("symlinks: an unchanged re-run says it again", rc == 0 and "src/leak.rs" in err, err[-500:])
    # the server, on its own database
    ws2 = symlink_ws(tmp, "sym2")
    c = server(ws2)
    c.wait_ready()
    check("symlinks (server): not followed out of the folder", not symbols(c, "top_secret_fn") and symbols(c, "aliased_fn"),
          symbols(c, "top_secret_fn"))
    # an editor opening the link, and the disk event for it
    u = uri_of(os.path.join(ws2, "src", "leak.rs"))
    open_close(c, u, SECRET)
    c.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": u, "type": 2}]})
    settle(c)
    check("symlinks (server): nor through didClose or a watched-file event", not symbols(c, "top_secret_fn"))
    c.close()
    # opting in, remembered by the database for later runs and the server
    rc, out, err = run(["onboard", ws, "--db", db, "--follow-symlinks"])
    check("symlinks: --follow-symlinks opts in", rc == 0 and "top_secret_fn" in names(export_json(db)), err[-300:])
    rc, out, err = run(["onboard", ws, "--db", db])
    check("symlinks: ... and is kept by later runs", rc == 0 and "top_secret_fn" in names(export_json(db)), err[-300:])
    rc, out, err = run(["onboard", ws, "--db", db, "--no-follow-symlinks"])
    check("symlinks: --no-follow-symlinks turns it off", rc == 0 and "top_secret_fn" not in names(export_json(db)),
          err[-300:])


# ---- 3. output injection ----------------------------------------------------------------------

HOSTILE = {
    'x"];evil [label="pwn.rs': "dot_fn",
    'y"]\nclick A "javascript:alert(1)"\n%.rs': "mermaid_fn",
    "z\x1b[31mred\x1b]0;title\x07.rs": "term_fn",
    "<img src=x onerror=alert(1)>.rs": "html_fn",
    "w\u202eevil.rs": "bidi_fn",
    "md`\n# heading\n[x](javascript:y)`.rs": "md_fn",
}

DOT_NODE = re.compile(r'^  n[0-9a-f]{16} \[label="(?:[^"\\\n]|\\.)*"\];$')
DOT_EDGE = re.compile(r'^  n[0-9a-f]{16} -> n[0-9a-f]{16} \[label="[A-Z]+"\];$')
MERMAID_NODE = re.compile(r'^  n[0-9a-f]{16}\["[^"\n]*"\]$')
MERMAID_EDGE = re.compile(r'^  n[0-9a-f]{16} -->\|[A-Z]+\| n[0-9a-f]{16}$')


def hostile_ws(tmp):
    ws = crate(os.path.join(tmp, "inj"), "pub fn inside_fn() {}\n")
    for name, fn in HOSTILE.items():
        write(os.path.join(ws, "src", name), "pub fn %s() {}\n" % fn)
    return ws


def control_chars(b):
    """Bytes that drive a terminal: C0 but newline, DEL, C1 (as UTF-8), bidi overrides."""
    t = b.decode("utf-8", "replace")
    return [c for c in t if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e]


def test_escaping(tmp):
    ws = hostile_ws(tmp)
    db = os.path.join(tmp, "inj-db")
    rc, out, err = run(["onboard", ws, "--db", db])
    check("escaping: onboard", rc == 0, err[-300:])
    check("escaping: onboard's messages carry no terminal control", not control_chars(err.encode()),
          control_chars(err.encode()))
    n_ents = len((export_json(db) or {}).get("entities", []))
    rc, out, err = run(["export", "--format", "dot", "--db", db])
    lines = out.decode("utf-8", "replace").split("\n")
    body = [l for l in lines[2:] if l and l != "}"]
    bad = [l for l in body if not DOT_NODE.match(l) and not DOT_EDGE.match(l)]
    check("escaping: DOT: every line is one node or edge statement", rc == 0 and not bad and lines[-2] == "}", bad[:5])
    check("escaping: DOT: one node per entity, the label names the file",
          sum(1 for l in body if DOT_NODE.match(l)) == n_ents and n_ents > 5 and
          any('x\\"];evil [label=\\"pwn' in l for l in body), (n_ents, body[:3]))
    rc, out, err = run(["export", "--format", "mermaid", "--db", db])
    lines = out.decode("utf-8", "replace").split("\n")
    body = [l for l in lines[1:] if l]
    bad = [l for l in body if not MERMAID_NODE.match(l) and not MERMAID_EDGE.match(l)]
    check("escaping: Mermaid: every line is one node or edge, no click line", rc == 0 and not bad, bad[:5])
    check("escaping: Mermaid: no markup in labels",
          not any("<img" in l or "<" in l for l in body) and any("#lt;img" in l for l in body), body[:3])
    for args in (["query", "search", "fn"], ["query", "entities-in-file", "src/lib.rs"],
                 ["query", "where-defined", "term_fn"], ["query", "find-cycles"],
                 ["query", "generate-context", "term_fn"], ["storage", "status"]):
        rc, out, err = run(args + ["--db", db])
        cc = control_chars(out) + control_chars(err.encode())
        if not check("escaping: text output of %s has no terminal control" % " ".join(args), rc == 0 and not cc,
                     (rc, cc, out[:300])):
            break
    rc, out, err = run(["query", "search", "term_fn", "--db", db])
    check("escaping: ... the escape is shown spelled out", b"\\x1B[31mred" in out, out[:300])
    # the server's hover is Markdown: a name cannot end its code span
    c = server(ws, ["--db", os.path.join(tmp, "inj-lsp-db")])
    c.wait_ready()
    md = os.path.join(ws, "src", "md`\n# heading\n[x](javascript:y)`.rs")
    r = c.request("textDocument/hover", {"textDocument": {"uri": uri_of(md)}, "position": {"line": 0, "character": 8}})
    value = (((r or {}).get("result") or {}).get("contents") or {}).get("value", "")
    lines = value.split("\n")
    check("escaping: hover markdown: the name stays in its code span (no heading, no link, one line)",
          "md_fn" in value and not any(l.startswith("#") for l in lines) and
          any(l.startswith("function ``") and l.rstrip().endswith("``") and "\\x0A# heading" in l for l in lines), value)
    c.close()
    # JSON stays JSON and names the file exactly
    rc, out, err = run(["query", "search", "fn", "--json", "--limit", "100", "--db", db])
    try:
        res = json.loads(out)["results"]
    except ValueError:
        res = []
    files = {r.get("file") for r in res}
    check("escaping: --json names every hostile file exactly",
          all("src/" + n in files for n in HOSTILE), sorted(f for f in files if f))
    test_lint(tmp)


def test_lint(tmp):
    """The lint client on a module cycle whose names and paths are hostile:
    the crate name (which every qualified path starts with) and the folder."""
    ws = os.path.join(tmp, "l\x1b[2Jint\u202e")
    # the escape is TOML's (a raw control character is no TOML: cargo, and we,
    # refuse such a manifest), the crate name holds the real ESC
    write(os.path.join(ws, "Cargo.toml"), '[package]\nname = "s](javascript:x)\\u001b[31m"\nversion = "0.1.0"\n')
    write(os.path.join(ws, "src", "lib.rs"), "pub mod a;\npub mod b;\n")
    write(os.path.join(ws, "src", "a.rs"), "use crate::b::g;\npub fn f() { g(); }\n")
    write(os.path.join(ws, "src", "b.rs"), "use crate::a::f;\npub fn g() { f(); }\n")
    sarif = os.path.join(tmp, "lint.sarif")
    p = subprocess.run([sys.executable, os.path.join(HERE, "..", "lint", "parseltongue-lint"), "--server", BIN,
                        "--db", os.path.join(tmp, "lint-db"), "--sarif", sarif, ws],
                       capture_output=True, timeout=120, cwd=tmp)
    cc = control_chars(p.stdout) + control_chars(p.stderr)
    check("escaping: lint prints findings without terminal control",
          p.returncode == 1 and b"module-cycle" in p.stdout and not cc, (p.returncode, cc, p.stdout[-300:], p.stderr[-300:]))
    try:
        doc = json.load(open(sarif, encoding="utf-8"))
        msgs = [r["message"]["text"] for r in doc["runs"][0]["results"]]
    except (OSError, ValueError, KeyError, IndexError):
        msgs = []
    check("escaping: SARIF messages: no control characters, brackets escaped (embedded-link syntax)",
          msgs and not any(control_chars(m.encode()) for m in msgs) and
          all("\\](javascript:x)" in m for m in msgs) and
          not any(re.search(r"(?<!\\)[\[\]]", m) for m in msgs), msgs[:2])


# ---- 4. long paths and names ------------------------------------------------------------------

def test_long(tmp):
    ws = crate(os.path.join(tmp, "long"), "pub fn inside_fn() {}\npub fn f%s() {}\npub fn caller() { f%s(); }\n"
               % ("x" * 600, "x" * 600))
    deep = os.path.join(ws, "src", *["d" * 50] * 10, "deep.rs")
    write(deep, "pub fn deep_fn() {}\n")
    db = os.path.join(tmp, "long-db")
    rc, out, err = run(["onboard", ws, "--db", db])
    check("long: onboard with a 520-byte path and a 600-character name succeeds", rc == 0, err[-500:])
    got = names(export_json(db))
    check("long: the rest of the folder is indexed, the long name too",
          "inside_fn" in got and "caller" in got and "f" + "x" * 600 in got, sorted(got)[:10])
    check("long: the file over the key limit is skipped with a warning",
          "deep_fn" not in got and "deep.rs" in err and "511" in err, err[-500:])
    rc, out, err = run(["query", "callers", "f" + "x" * 600, "--json", "--db", db])
    try:
        callers = [r["name"] for r in json.loads(out)["results"]]
    except ValueError:
        callers = []
    check("long: the long name is found by name", rc == 0 and callers == ["caller"], (rc, out[:300], err[-300:]))
    rc, out, err = run(["query", "entities-in-file", os.path.relpath(deep, ws), "--db", db])
    check("long: asking for the long file is 'no such file' (exit 3)", rc == 3, (rc, err[-200:]))
    rc, out, err = run(["storage", "verify", "--db", db])
    check("long: verify passes", rc == 0, (out + err.encode())[-300:])
    c = server(ws, ["--db", os.path.join(tmp, "long-lsp-db")])
    st = c.wait_ready()
    roots = (st or {}).get("roots") or [{}]
    check("long (server): the folder is ready, not failed", roots[0].get("state") == "ready", roots)
    u = uri_of(deep)
    open_close(c, u, "pub fn deep_fn() {}\npub fn deep_buffer_fn() {}\n")
    settle(c)
    r = c.request("parseltongue/stats")
    roots = ((r or {}).get("result") or {}).get("roots") or [{}]
    check("long (server): an edit of the long file leaves it ready", roots[0].get("state") == "ready"
          and symbols(c, "caller"), roots)
    code = c.close()
    check("long (server): clean exit", code == 0 and not crashed(code, c.log()), c.log()[-300:])


# ---- 6. names that are not UTF-8 --------------------------------------------------------------

def test_non_utf8(tmp):
    base = os.fsencode(tmp)
    ws = os.path.join(base, b"w\xe9s")   # the folder's own name is Latin-1
    os.makedirs(os.path.join(ws, b"src"))
    write(os.path.join(ws, b"Cargo.toml"), CARGO)
    write(os.path.join(ws, b"src", b"lib.rs"), "pub fn inside_fn() {}\n")
    write(os.path.join(ws, b"src", b"\xe9t\xe9.rs"), "pub fn latin_fn() {}\n")
    rc, out, err = run(["onboard", os.fsdecode(ws)], cwd=tmp)
    check("non-UTF-8: onboard", rc == 0, err[-300:])
    db = os.path.join(ws, b".cache", b"parseltongue")
    rc, out, err = run(["query", "search", "latin_fn", "--json"], cwd=ws)
    try:
        r = json.loads(out)["results"][0]
    except (ValueError, IndexError, KeyError):
        r = {}
    check("non-UTF-8: query --json gives file and path", "file" in r and "path" in r, out[:400])
    check("non-UTF-8: ... the file's exact bytes (surrogate escapes)",
          os.fsencode(r.get("file", "")) == b"src/\xe9t\xe9.rs", r)
    check("non-UTF-8: ... the qualified path the same way", os.fsencode(r.get("path", "")) == b"sec::\xe9t\xe9::latin_fn",
          r)
    ex = export_json(os.fsdecode(db))
    mine = [e for e in (ex or {}).get("entities", []) if e.get("name") == "latin_fn"]
    check("non-UTF-8: export --format json names the file",
          mine and os.fsencode(mine[0].get("file", "")) == b"src/\xe9t\xe9.rs", mine)
    edges = [e for e in (ex or {}).get("edges", []) if os.fsencode(e.get("to", "")).endswith(b"latin_fn")]
    check("non-UTF-8: ... and the edges to its items", len(edges) == 1, (ex or {}).get("edges"))
    rc, out, err = run(["storage", "status", "--json"], cwd=ws)
    try:
        st = json.loads(out)
    except ValueError:
        st = {}
    check("non-UTF-8: storage status --json with such a folder name",
          rc == 0 and os.fsencode(st.get("root", "")) == os.path.realpath(ws), (rc, out[:300], err[-200:]))
    c = server(ws, ["--db", os.path.join(tmp, "u8-lsp-db")])
    c.wait_ready()
    hits = symbols(c, "latin_fn")
    uri = hits[0]["location"]["uri"] if hits else ""
    check("non-UTF-8 (server): the URI percent-encodes the raw bytes",
          unquote_to_bytes(urlparse(uri).path) == os.path.join(ws, b"src", b"\xe9t\xe9.rs") and "%E9" in uri.upper(),
          uri)
    r = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    syms = (r or {}).get("result") or []
    flat = syms + [k for s in syms for k in s.get("children", [])]
    check("non-UTF-8 (server): documentSymbol of that URI (its module named with the bytes)",
          any(s.get("name") == "latin_fn" for s in flat) and
          any(os.fsencode(s.get("name", "")) == b"\xe9t\xe9" for s in syms), r)
    c.close()


# ---- 7. storage and protocol ------------------------------------------------------------------

def test_storage(tmp):
    ws = crate(os.path.join(tmp, "st"))
    real = os.path.join(tmp, "st-real-db")
    link = os.path.join(tmp, "st-link-db")
    rc, out, err = run(["onboard", ws, "--db", real])
    os.symlink(real, link)
    rc, out, err = run(["storage", "clean", "--db", link])
    check("storage clean: a symlinked database directory: exit 0", rc == 0, (rc, err))
    check("storage clean: ... and the database is gone", not os.path.exists(os.path.join(real, "data.mdb")))
    rc, out, err = run(["onboard", ws, "--db", real])
    rc, out, err = run(["storage", "clean", "--db", "."], cwd=real)
    check("storage clean: --db . inside the database directory: exit 0", rc == 0, (rc, err))
    check("storage clean: ... and the database is gone", not os.path.exists(os.path.join(real, "data.mdb")))
    rc, out, err = run(["onboard", ws, "--db", real])
    rc, out, err = run(["storage", "status", "--db", real])
    check("storage status: text output has reader slots",
          rc == 0 and re.search(rb"reader slots\s+\d+ of \d+ in use", out), out)


def test_protocol(tmp):
    ws = crate(os.path.join(tmp, "proto"))
    c = server(ws)
    c.wait_ready()
    c.send({"jsonrpc": "2.0", "id": None, "method": "parseltongue/stats"})
    nulls = c.null_responses(1.0)
    check('protocol: "id": null gets an error response with id null',
          any(x.get("id", "missing") is None and x.get("error", {}).get("code") == -32600 for x in nulls), nulls)
    code = c.close()
    check("protocol: clean exit", code == 0, c.log()[-300:])


def main():
    global BIN, ONLY
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    BIN = os.path.abspath(sys.argv[1])
    if "--only" in sys.argv:
        ONLY = sys.argv[sys.argv.index("--only") + 1]
    tmp = tempfile.mkdtemp(prefix="pt-sec-")
    try:
        for name, fn in (("traversal", test_traversal), ("symlinks", test_symlinks), ("escaping", test_escaping),
                         ("long", test_long), ("non-utf8", test_non_utf8), ("storage", test_storage),
                         ("protocol", test_protocol)):
            if ONLY and ONLY not in name:
                continue
            print("== " + name, flush=True)
            try:
                fn(tmp)
            except Exception as e:  # the test itself failing is a failure
                import traceback
                traceback.print_exc()
                check(name + ": ran to the end", False, repr(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
