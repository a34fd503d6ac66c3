#!/usr/bin/env python3
"""Black-box tests of `parseltongue export` for other tools: SCIP, GraphML, neo4j CSV, SVG.

Usage: python3 tests/exports.py path/to/parseltongue [path/to/scip.desc] [--keep]

Each format is read back by a reader that is not ours:
- SCIP: decoded by protoc (Debian's protobuf-compiler) against the schema
  Sourcegraph publishes (build/scip/scip.desc, the FileDescriptorSet the
  build makes from the npm package generated from scip.proto; see
  tools/scip_descriptor.py), then checked against symbols, relationships
  and call ranges written here by hand from the fixture's Rust source.
- GraphML: loaded with networkx (Debian's python3-networkx).
- neo4j: read with Python's csv module and checked the way
  `neo4j-admin database import` reads it (header types, ID spaces, every
  relationship's ends among the nodes).
- SVG: drawn by Graphviz's dot (Debian's graphviz) and read back with
  ElementTree: the boxes and arrows a blast radius and the cycles must
  show, and no name that escapes its DOT string to add nodes or attributes.
Names an attacker controls (file names of a cloned repository: quotes,
angle brackets, newlines, escape sequences, bytes that are not UTF-8) must
come back as they were, or in the documented quoted form for bytes the
format cannot carry.

Prints "ok ID" or "FAIL ID: why" per check and ends with "N passed, M failed";
exit status 0 only when nothing failed.
"""

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
PREFIX = "parseltongue cargo "

# ---- the hand-written truth (from the Rust source of fixtures/ws1) ---------------

# Symbols defined in a document (a subset of what each file defines).
DEFINED = {
    "geom/src/point.rs": ["geom . point/Point#", "geom . point/Point#new().",
                          "geom . point/Point#norm().", "geom . point/Point#distance().",
                          "geom . point/origin()."],
    "geom/src/traits.rs": ["geom . traits/Area#", "geom . traits/Area#area().",
                           "geom . traits/Area#describe().", "geom . traits/Named#name()."],
    "geom/src/lib.rs": ["geom . MAX_SIDES.", "geom . UNIT_SCALE.", "geom . version().",
                        "geom . point/", "geom . prelude/"],
    "shapes/src/lib.rs": ["shapes . impl_named!", "shapes . items!"],
    "shapes/src/edge.rs": ["shapes . edge/nested_outer().nested_inner().",
                           "shapes . edge/`gr\u00fc\u00dfe`()."],
    "shapes/src/shape/rect.rs": ["shapes . shape/rect/Rect#", "shapes . shape/rect/`impl Rect`#",
                                 "shapes . shape/rect/Rect#describe()."],
}

# is_implementation relationships: symbol -> {target: is_reference}. "exact"
# ones list every relationship the source implies.
RELATIONSHIPS = [
    ("geom . point/Point#", "exact",
     {"std . fmt/Debug#": False, "std . clone/Clone#": False, "std . marker/Copy#": False,
      "std . cmp/PartialEq#": False, "std . fmt/Display#": False}),
    ("shapes . shape/circle/Circle#", "contains",
     {"geom . traits/Area#": False, "std . fmt/Display#": False, "std . fmt/Debug#": False,
      "std . clone/Clone#": False, "std . cmp/PartialEq#": False}),
    ("app_cli . report/Blob#", "exact", {"geom . traits/Area#": False}),
    ("shapes . shape/circle/Circle#area().", "exact", {"geom . traits/Area#area().": True}),
    ("shapes . shape/rect/Rect#area().", "exact", {"geom . traits/Area#area().": True}),
    ("shapes . shape/rect/`impl geom::traits::Area for Rect`#", "exact",
     {"geom . traits/Area#": False}),
    ("geom . traits/Area#", "exact", {}),
    ("geom . point/Point#norm().", "exact", {}),
]

# Calls: (file, 1-based line, callee as written, the call expression as written).
CALLS = [
    ("geom/src/point.rs", 16, "sum_sq", "Self::sum_sq(self.x, self.y)"),
    ("geom/src/point.rs", 24, "new", "Point::new(self.x - other.x, self.y - other.y)"),
    ("geom/src/point.rs", 25, "norm", "d.norm()"),
    ("geom/src/point.rs", 36, "new", "Point::new(0.0, 0.0)"),
    ("geom/src/lib.rs", 25, "clamp_u32", "util::clamp_u32(3, 0, MAX_SIDES)"),
    ("shapes/src/edge.rs", 9, "new", "Point::new(3.0, 4.0)"),
    ("shapes/src/edge.rs", 9, "norm", "Point::new(3.0, 4.0).norm()"),
]

# Files an attacker may name (loose .rs files: their stems become module names).
HOSTILE = [b'x"];evil [label="pwn.rs', b"a<b>&c'd `t`,q.rs", b"new\nline.rs",
           b"esc\x1b[31m.rs", b"caf\xe9.rs", b"calls.rs"]
CALLS_RS = (b"pub fn helper(x: u32) -> u32 { x }\n"
            b"pub fn in_macro() { println!(\"{}\", helper(1)); }\n"
            b"pub fn chain() -> u32 { helper(helper(2)) }\n")
HOSTILE_CALLS = [("calls.rs", 2, "helper", "helper(1)"), ("calls.rs", 3, "helper", "helper(helper(2))"),
                 ("calls.rs", 3, "helper", "helper(2)")]


# blast-radius geom::point::Point::new (--depth 3) drawn: the callers, from the
# source (point.rs:24, 36; edge.rs:9, 40, 59; measure.rs:83; main.rs:30;
# circle.rs:17; shape.rs:15), and the calls between them.
SVG_BLAST = {"geom::point::Point::new", "geom::point::Point::distance", "geom::point::origin",
             "shapes::edge::chained", "shapes::edge::self_literal", "shapes::measure::literal_area",
             "app_cli::main", "shapes::edge::self_path", "shapes::shape::circle::Circle::unit",
             "shapes::shape::Shape::new"}
SVG_BLAST_EDGES = {
    ("geom::point::Point::distance", "geom::point::Point::new"), ("geom::point::origin", "geom::point::Point::new"),
    ("shapes::edge::chained", "geom::point::Point::new"), ("shapes::edge::self_literal", "geom::point::Point::new"),
    ("shapes::edge::self_literal", "geom::point::Point::distance"),
    ("shapes::measure::literal_area", "geom::point::Point::new"), ("app_cli::main", "geom::point::Point::new"),
    ("shapes::edge::self_path", "shapes::edge::chained"),
    ("shapes::shape::circle::Circle::unit", "geom::point::origin"),
    ("shapes::shape::Shape::new", "shapes::shape::circle::Circle::unit")}
# find-cycles: the modules that use each other (cycle_a.rs:1, cycle_b.rs:1) and
# the functions that call each other (cycle_a.rs:7, cycle_b.rs:7).
SVG_CYCLES = {"geom::cycle_a", "geom::cycle_b", "geom::cycle_a::ping", "geom::cycle_b::pong"}
SVG = "{http://www.w3.org/2000/svg}"


class Runner:
    def __init__(self, binary):
        self.bin = binary
        self.passed = self.failed = 0

    def check(self, cid, cond, why="", diff=None):
        if cond:
            self.passed += 1
            print("ok %s" % cid, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (cid, why), flush=True)
            for line in diff or []:
                print("    " + str(line), flush=True)
        return cond

    def run(self, args, cwd=None):
        env = dict(os.environ)
        env.pop("PARSELTONGUE_DB", None)
        p = subprocess.run([self.bin] + args, cwd=cwd, env=env, capture_output=True, timeout=300)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


# ---- readers --------------------------------------------------------------------------

def textpb(text):
    """protoc's text format -> dicts of lists (every field repeated)."""
    root = {}
    stack = [root]
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line == "}":
            stack.pop()
        elif line.endswith("{"):
            d = {}
            stack[-1].setdefault(line[:-1].strip(), []).append(d)
            stack.append(d)
        else:
            k, v = line.split(":", 1)
            v = v.strip()
            if v.startswith('"'):
                v = ast.literal_eval("b" + v).decode("utf-8")
            elif re.fullmatch(r"-?\d+", v):
                v = int(v)
            stack[-1].setdefault(k, []).append(v)
    return root


def one(msg, field, default=None):
    return msg.get(field, [default])[0]


def git_unquote(s):
    """The bytes a git-quoted string stands for; an unquoted one as UTF-8."""
    if not (len(s) >= 2 and s[0] == '"' and s[-1] == '"'):
        return s.encode("utf-8")
    out, i, body = bytearray(), 0, s[1:-1]
    simple = {'"': b'"', "\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
        elif body[i + 1] in simple:
            out += simple[body[i + 1]]
            i += 2
        else:
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
    return bytes(out)


SIMPLE = r"[A-Za-z0-9_+\-$]+"


def symbol_ok(sym):
    """Does sym follow SCIP's symbol grammar (scip.proto, message Symbol)?"""
    pos = 0
    for _ in range(4):  # scheme, manager, package name, version
        m = re.compile(r"((?:[^ ]|  )+) ").match(sym, pos)
        if not m:
            return False
        pos = m.end()
    n = 0
    desc = re.compile(r"(?:%s|`(?:[^`]|``)+`)(?:[/#.:!]|\((?:%s)?\)\.)|\[(?:%s|`(?:[^`]|``)+`)\]"
                      r"|\((?:%s|`(?:[^`]|``)+`)\)" % (SIMPLE, SIMPLE, SIMPLE, SIMPLE), re.S)
    while pos < len(sym):
        m = desc.match(sym, pos)
        if not m:
            return False
        pos = m.end()
        n += 1
    return n > 0


def span_text(lines, r):
    """The text of a SCIP range in a file's lines (bytes)."""
    sl, sc, el, ec = (r[0], r[1], r[0], r[2]) if len(r) == 3 else r
    if sl == el:
        return lines[sl][sc:ec].decode("utf-8", "replace")
    return (b"\n".join([lines[sl][sc:]] + lines[sl + 1:el] + [lines[el][:ec]])).decode("utf-8", "replace")


def encloses(outer, inner):
    o = (outer[0], outer[1], outer[0], outer[2]) if len(outer) == 3 else tuple(outer)
    i = (inner[0], inner[1], inner[0], inner[2]) if len(inner) == 3 else tuple(inner)
    return (o[0], o[1]) <= (i[0], i[1]) and (i[2], i[3]) <= (o[2], o[3])


# ---- checks -------------------------------------------------------------------------------

def check_cli(R, db, work):
    rc, out, err = R.run(["export", "--db", db])
    R.check("export/no-format-exit-2", rc == 2 and out == b"" and "--format" in err,
            "export without --format or -o: want exit 2, nothing on stdout", [rc, out[:80], err])
    rc, out, err = R.run(["export", "-o", os.path.join(work, "x.unknown"), "--db", db])
    R.check("export/unknown-extension-exit-2", rc == 2 and "format" in err, "", [rc, err])
    rc, out, err = R.run(["export", "--format", "neo4j", "--db", db])
    R.check("export/neo4j-needs-dir-exit-2", rc == 2 and out == b"", "", [rc, err])
    rc, out, err = R.run(["export", "--format", "json", "--db", db])
    f = os.path.join(work, "ws1.json")
    rc2, _, err2 = R.run(["export", "-o", f, "--db", db])
    same = rc == 0 and rc2 == 0 and open(f, "rb").read() == out
    R.check("export/o-json-equals-stdout", same, "-o x.json differs from --format json", [err, err2])
    left = [n for n in os.listdir(work) if ".tmp." in n]
    R.check("export/no-temp-files-left", not left, "temporary files left", left)
    rc, _, err = R.run(["export", "-o", os.path.join(work, "no/such/dir/x.json"), "--db", db])
    R.check("export/unwritable-exit-1", rc == 1 and "cannot" in err, "", [rc, err])
    # The JSON is written an element at a time: it must be the document
    # jansson writes whole (one-space indent, sorted keys), which is what
    # Python writes for the same data.
    try:
        doc = json.loads(out)
        again = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        R.check("export/json-streamed-is-one-document", again.encode("utf-8") == out,
                "streamed JSON differs from the document it holds")
    except ValueError as e:
        R.check("export/json-streamed-is-one-document", False, "not JSON: %s" % e)
        doc = {"entities": [], "edges": []}
    return doc


def decode_scip(R, cid, path, desc):
    p = subprocess.run(["protoc", "--descriptor_set_in=" + desc, "--decode=scip.Index", "scip.proto"],
                       stdin=open(path, "rb"), capture_output=True, timeout=300)
    ok = R.check(cid, p.returncode == 0 and not p.stderr,
                 "protoc --decode failed", [p.stderr.decode("utf-8", "replace")[:2000]])
    return textpb(p.stdout.decode("utf-8")) if ok else None


def scip_common(R, tag, idx, tree):
    """What every index must satisfy, whatever the fixture."""
    md = one(idx, "metadata", {})
    R.check(tag + "metadata", one(md, "project_root") == "file://" + urllib.parse.quote(tree)
            and one(md, "text_document_encoding") == "UTF8"
            and one(one(md, "tool_info", {}), "name") == "parseltongue",
            "metadata", [md])
    docs = idx.get("documents", [])
    defined = {one(s, "symbol") for d in docs for s in d.get("symbols", [])}
    defined |= {one(s, "symbol") for s in idx.get("external_symbols", [])}
    bad_doc, bad_sym, bad_enc, undefined, bad_def = [], set(), [], set(), []
    for d in docs:
        rel = one(d, "relative_path")
        if one(d, "language") != "Rust" or \
           one(d, "position_encoding") != "UTF8CodeUnitOffsetFromLineStart" or \
           not os.path.isfile(os.path.join(tree.encode(), git_unquote(rel))):
            bad_doc.append(rel)
            continue
        lines = open(os.path.join(tree.encode(), git_unquote(rel)), "rb").read().split(b"\n")
        defs = {}
        for o in d.get("occurrences", []):
            sym = one(o, "symbol")
            if not symbol_ok(sym):
                bad_sym.add(sym)
            if sym not in defined:
                undefined.add(sym)
            if "enclosing_range" in o and not encloses(o["enclosing_range"], o["range"]):
                bad_enc.append((rel, o["range"], o["enclosing_range"]))
            if one(o, "symbol_roles", 0) & 1:
                defs.setdefault(sym, []).append(span_text(lines, o["range"]))
        for s in d.get("symbols", []):
            # A file indexed alone is a module no source names: its
            # definition is the empty range at the file's start.
            unnamed = one(s, "kind") == "Module" and defs.get(one(s, "symbol")) == [""]
            named = one(s, "kind") not in (None, "UnspecifiedKind") and not unnamed
            if named and one(s, "display_name") not in defs.get(one(s, "symbol"), []):
                bad_def.append((rel, one(s, "symbol"), one(s, "display_name"), defs.get(one(s, "symbol"))))
    R.check(tag + "documents", docs and not bad_doc, "documents without language, encoding or file", bad_doc)
    R.check(tag + "symbol-grammar", not bad_sym, "symbols that break SCIP's grammar", sorted(bad_sym)[:10])
    R.check(tag + "occurrences-defined", not undefined, "occurrences of symbols no SymbolInformation has",
            sorted(undefined)[:10])
    R.check(tag + "enclosing-ranges-enclose", not bad_enc, "enclosing_range not around range", bad_enc[:10])
    R.check(tag + "definition-range-is-the-name", not bad_def,
            "a definition's range is not the name in the source", bad_def[:10])
    return docs


def check_calls(R, tag, docs, tree, calls):
    by_path = {one(d, "relative_path"): d for d in docs}
    missing = []
    for path, line, callee, call in calls:
        d = by_path.get(path)
        lines = open(os.path.join(tree, path), "rb").read().split(b"\n")
        found = d is not None and any(
            o["range"][0] == line - 1 and not one(o, "symbol_roles", 0) & 1 and
            span_text(lines, o["range"]) == callee and "enclosing_range" in o and
            span_text(lines, o["enclosing_range"]) == call for o in d.get("occurrences", []))
        if not found:
            missing.append((path, line, callee, call))
    R.check(tag + "call-enclosing-ranges", not missing, "calls without their call expression", missing)


def check_scip_ws1(R, db, tree, work, desc):
    path = os.path.join(work, "ws1.scip")
    rc, _, err = R.run(["export", "-o", path, "--db", db])
    if not R.check("scip/ws1-export", rc == 0, "exit %s" % rc, [err]):
        return
    idx = decode_scip(R, "scip/ws1-decodes-with-published-schema", path, desc)
    if idx is None:
        return
    docs = scip_common(R, "scip/ws1-", idx, tree)
    by_path = {one(d, "relative_path"): d for d in docs}
    missing = []
    for f, syms in DEFINED.items():
        have = {one(s, "symbol") for s in by_path.get(f, {}).get("symbols", [])}
        missing += [(f, s) for s in syms if PREFIX + s not in have]
    R.check("scip/ws1-definitions", not missing, "symbols not defined where the source defines them", missing)
    rect = by_path.get("shapes/src/shape/rect.rs", {})
    impls = [o for o in rect.get("occurrences", []) if one(o, "symbol") == PREFIX + "shapes . shape/rect/`impl Rect`#"
             and one(o, "symbol_roles", 0) & 1]
    infos = [s for s in rect.get("symbols", []) if one(s, "symbol") == PREFIX + "shapes . shape/rect/`impl Rect`#"]
    R.check("scip/ws1-two-impl-blocks-one-symbol", len(impls) == 2 and len(infos) == 1,
            "want two definitions and one SymbolInformation", [len(impls), len(infos)])
    infos = {one(s, "symbol"): s for d in docs for s in d.get("symbols", [])}
    for sym, how, want in RELATIONSHIPS:
        s = infos.get(PREFIX + sym)
        got = {}
        for r in (s or {}).get("relationships", []):
            if one(r, "is_implementation") == "true":
                got[one(r, "symbol")[len(PREFIX):]] = one(r, "is_reference") == "true"
        ok = s is not None and (got == want if how == "exact" else all(got.get(k) == v for k, v in want.items()))
        R.check("scip/ws1-relationships %s" % sym, ok, "is_implementation relationships",
                ["want (%s): %s" % (how, sorted(want.items())), "got: %s" % sorted(got.items())])
    ext = {one(s, "symbol") for s in idx.get("external_symbols", [])}
    R.check("scip/ws1-external-symbols", PREFIX + "std . fmt/Display#" in ext and
            PREFIX + "std . clone/Clone#" in ext, "std traits not among external_symbols", sorted(ext))
    check_calls(R, "scip/ws1-", docs, tree, CALLS)
    qpath = os.path.join(work, "q.scip")
    rc, _, err = R.run(["export", "--format", "scip", "--query", "callers", "Point::norm", "-o", qpath, "--db", db])
    q = decode_scip(R, "scip/query-export-decodes", qpath, desc) if rc == 0 else None
    R.check("scip/query-export", q is not None and q.get("documents"), "exit %s" % rc, [err])


def check_graphml(R, path, doc, tag):
    import networkx as nx
    try:
        g = nx.read_graphml(path)
    except Exception as e:  # noqa: BLE001 - any reader error is the failure
        R.check(tag + "loads-in-networkx", False, "networkx cannot read it: %s" % e)
        return None
    R.check(tag + "loads-in-networkx", True)
    ents = [e for e in doc["entities"]]
    R.check(tag + "node-and-edge-counts", g.number_of_nodes() == len(ents) and
            g.number_of_edges() == len(doc["edges"]), "counts differ from the JSON export",
            [(g.number_of_nodes(), len(ents)), (g.number_of_edges(), len(doc["edges"]))])
    wrong = []
    for e in ents:
        n = g.nodes.get("n" + e["id"])
        if n is None or any(n.get(k) != e[k] for k in ("kind", "name", "path", "file", "line", "column",
                                                       "end_line", "end_column", "signature")):
            wrong.append((e["path"], n))
    R.check(tag + "nodes-equal-json", not wrong, "nodes whose data differ from the JSON export", wrong[:5])
    kinds = sorted({d["relation"] for _, _, d in g.edges(data=True)})
    want = sorted({e["kind"] for e in doc["edges"]})
    R.check(tag + "edge-relations", kinds == want, "relations", [kinds, want])
    return g


def check_neo4j(R, d, doc, tag, root):
    try:
        nodes = list(csv.reader(open(os.path.join(d, "nodes.csv"), newline="", encoding="utf-8")))
        rels = list(csv.reader(open(os.path.join(d, "relationships.csv"), newline="", encoding="utf-8")))
        lines = [sum(1 for _ in open(os.path.join(d, f), "rb")) for f in ("nodes.csv", "relationships.csv")]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        R.check(tag + "csv-reads", False, str(e))
        return None
    nh, rh = nodes[0], rels[0]
    m = re.fullmatch(r"id:ID\((\w+)\)", nh[0])
    space = m and m.group(1)
    R.check(tag + "headers", m and ":LABEL" in nh and rh[:3] == [":START_ID(%s)" % space, ":END_ID(%s)" % space, ":TYPE"],
            "headers neo4j-admin expects", [nh, rh])
    R.check(tag + "one-record-per-line", lines == [len(nodes), len(rels)],
            "a record spans lines (would need --multiline-fields)", [lines, len(nodes), len(rels)])
    bad = [r for r in nodes[1:] if len(r) != len(nh)] + [r for r in rels[1:] if len(r) != len(rh)]
    types = {"int": lambda v: re.fullmatch(r"-?\d+", v), "boolean": lambda v: v in ("true", "false")}
    for header, rows in ((nh, nodes[1:]), (rh, rels[1:])):
        for i, h in enumerate(header):
            t = h.rsplit(":", 1)[-1] if ":" in h and not h.startswith(":") else None
            if t in types:
                bad += [r for r in rows if len(r) == len(header) and not types[t](r[i])]
    R.check(tag + "fields-and-types", not bad, "rows with the wrong field count or type", bad[:5])
    ids = [r[0] for r in nodes[1:]]
    R.check(tag + "ids-unique", len(ids) == len(set(ids)), "duplicate node ids")
    idset = set(ids)
    dangling = [r for r in rels[1:] if r[0] not in idset or r[1] not in idset]
    R.check(tag + "relationship-ends-are-nodes", not dangling, "relationships to unknown ids", dangling[:5])
    R.check(tag + "counts", len(ids) == len(doc["entities"]) and len(rels) - 1 == len(doc["edges"]),
            "counts differ from the JSON export", [len(ids), len(doc["entities"]), len(rels) - 1, len(doc["edges"])])
    col = {h: i for i, h in enumerate(nh)}
    lab = [r for r in nodes[1:] if r[col[":LABEL"]] != "Entity;" + {
        "type_alias": "TypeAlias"}.get(r[col["kind"]], r[col["kind"]].capitalize())]
    R.check(tag + "labels", not lab, "labels are Entity and the kind", lab[:5])
    R.check(tag + "workspace", all(r[col["workspace"]] == root for r in nodes[1:]), "workspace column")
    return nodes, col


def read_svg(path):
    """The nodes ({dot id: (text lines, border colour, border width)}) and
    edges ([(dot id, dot id)]) of an SVG that dot drew."""
    import xml.etree.ElementTree as ET
    root = ET.parse(path).getroot()
    nodes, edges = {}, []
    for g in root.iter(SVG + "g"):
        title = g.find(SVG + "title")
        if g.get("class") == "node":
            shape = next((e for e in g.iter() if e.tag in (SVG + "path", SVG + "polygon")), None)
            nodes[title.text] = ([t.text or "" for t in g.iter(SVG + "text")],
                                 shape.get("stroke") if shape is not None else None,
                                 shape.get("stroke-width") if shape is not None else None)
        elif g.get("class") == "edge":
            edges.append(tuple(title.text.split("->")))
    return root, nodes, edges


def check_svg_ws1(R, db, work):
    out = os.path.join(work, "blast.svg")
    rc, _, err = R.run(["export", "--format", "svg", "--query", "blast-radius", "Point::new", "-o", out, "--db", db])
    if not R.check("svg/blast-export", rc == 0, "exit %s" % rc, [err]):
        return
    _, nodes, edges = read_svg(out)
    path_of = {k: v[0][0] for k, v in nodes.items()}
    R.check("svg/blast-nodes", set(path_of.values()) == SVG_BLAST, "the boxes drawn",
            [sorted(set(path_of.values()) ^ SVG_BLAST)])
    got = {(path_of.get(a), path_of.get(b)) for a, b in edges}
    R.check("svg/blast-edges", got == SVG_BLAST_EDGES and len(edges) == len(SVG_BLAST_EDGES), "the arrows drawn",
            [sorted(got ^ SVG_BLAST_EDGES)])
    target = [v for v in nodes.values() if v[0][0] == "geom::point::Point::new"]
    R.check("svg/blast-target-marked", target and target[0][1] == "#1d1f23" and float(target[0][2]) >= 3,
            "the target has a heavy dark border", target)
    out = os.path.join(work, "cycles.svg")
    rc, _, err = R.run(["export", "--query", "find-cycles", "-o", out, "--db", db])
    if not R.check("svg/cycles-export", rc == 0, "exit %s (format from .svg)" % rc, [err]):
        return
    _, nodes, edges = read_svg(out)
    got = {v[0][0] for v in nodes.values()}
    red = {v[0][0] for v in nodes.values() if v[1] == "#d62728"}
    R.check("svg/cycles-red", got == SVG_CYCLES and red == SVG_CYCLES and len(edges) == 4,
            "the cycles' members drawn in red, joined both ways", [sorted(got), sorted(red), edges])


def check_hostile_svg(R, work, db):
    out = os.path.join(work, "hostile.svg")
    rc, _, err = R.run(["export", "-o", out, "--db", db])
    if not R.check("hostile/svg-export", rc == 0, "exit %s" % rc, [err]):
        return
    try:
        root, nodes, edges = read_svg(out)
    except Exception as e:  # noqa: BLE001
        R.check("hostile/svg-well-formed", False, str(e))
        return
    ids = re.compile(r"n[0-9a-f]{16}$")
    bad = [k for k in nodes if not ids.match(k)] + [e for e in edges if not all(ids.match(x) for x in e)]
    R.check("hostile/svg-no-injected-nodes", not bad, "nodes or edges that names made", bad)
    texts = {t for v in nodes.values() for t in v[0]}
    R.check("hostile/svg-names-as-text", {'x"];evil [label="pwn', "a<b>&c'd `t`,q"} <= texts,
            "names drawn as written", sorted(texts))
    links = [a for e in root.iter() for a in e.attrib.values() if "javascript:" in a or a.startswith("http")]
    R.check("hostile/svg-no-links", not links and "pwn" not in {v[0][0] for v in nodes.values()},
            "links or labels in the SVG that names added", links)


def check_hostile(R, work, desc):
    tree = os.path.join(work, "hostile")
    os.makedirs(tree)
    for name in HOSTILE:
        body = CALLS_RS if name == b"calls.rs" else b"pub fn f() -> u32 { g() }\nfn g() -> u32 { 1 }\n"
        with open(os.path.join(tree.encode(), name), "wb") as f:
            f.write(body)
    db = os.path.join(work, "hostile.db")
    rc, _, err = R.run(["onboard", tree, "--db", db, "--quiet"])
    if not R.check("hostile/onboard", rc == 0, "exit %s" % rc, [err]):
        return
    rc, out, err = R.run(["export", "--format", "json", "--db", db])
    doc = json.loads(out)
    files = set(os.listdir(tree.encode())) - {b".cache"}
    # GraphML: well-formed, and every file name comes back (quoted git's way
    # where XML cannot carry it).
    gpath = os.path.join(work, "hostile.graphml")
    rc, _, err = R.run(["export", "-o", gpath, "--db", db])
    raw = open(gpath, "rb").read() if rc == 0 else b""
    R.check("hostile/graphml-no-raw-controls", rc == 0 and not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", raw),
            "control bytes in the XML", [err])
    g = None
    try:
        import networkx as nx
        g = nx.read_graphml(gpath)
    except Exception as e:  # noqa: BLE001
        R.check("hostile/graphml-loads", False, str(e))
    if g is not None:
        got = {git_unquote(d["file"]) for _, d in g.nodes(data=True) if d.get("file")}
        R.check("hostile/graphml-file-names-round-trip", got == files, "file names",
                [sorted(got), sorted(files)])
        plain = {d["file"] for _, d in g.nodes(data=True)}
        R.check("hostile/graphml-utf8-names-unchanged",
                {'x"];evil [label="pwn.rs', "a<b>&c'd `t`,q.rs", "new\nline.rs"} <= plain,
                "UTF-8 names must come back exactly", sorted(plain))
    # neo4j: one record per line, names round-trip.
    ndir = os.path.join(work, "hostile-neo4j")
    rc, _, err = R.run(["export", "--format", "neo4j", "-o", ndir, "--db", db])
    res = check_neo4j(R, ndir, {"entities": [0] * len(g.nodes) if g is not None else [],
                                 "edges": [0] * len(g.edges) if g is not None else []},
                      "hostile/neo4j-", os.path.realpath(tree)) if rc == 0 else None
    if res:
        nodes, col = res
        got = {git_unquote(r[col["file"]]) for r in nodes[1:]}
        R.check("hostile/neo4j-file-names-round-trip", got == files, "file names", [sorted(got), sorted(files)])
    # SCIP: protoc decodes it (strings must be UTF-8), symbols keep the grammar.
    spath = os.path.join(work, "hostile.scip")
    rc, _, err = R.run(["export", "-o", spath, "--db", db])
    idx = decode_scip(R, "hostile/scip-decodes", spath, desc) if rc == 0 else None
    if idx is not None:
        docs = scip_common(R, "hostile/scip-", idx, os.path.realpath(tree))
        got = {git_unquote(one(d, "relative_path")) for d in docs}
        R.check("hostile/scip-paths-round-trip", got == files, "relative paths", [sorted(got), sorted(files)])
        check_calls(R, "hostile/scip-", docs, os.path.realpath(tree), HOSTILE_CALLS)
    check_hostile_svg(R, work, db)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    keep = "--keep" in sys.argv
    if not args:
        sys.exit(__doc__)
    binary = os.path.abspath(args[0])
    desc = os.path.abspath(args[1] if len(args) > 1 else os.path.join(HERE, "..", "build", "scip", "scip.desc"))
    R = Runner(binary)
    work = os.path.realpath(tempfile.mkdtemp(prefix="pt-exports-"))
    try:
        tree = os.path.join(work, "ws1")
        shutil.copytree(os.path.join(FIXTURES, "ws1"), tree, ignore=shutil.ignore_patterns("expected.json"))
        db = os.path.join(work, "ws1.db")
        rc, _, err = R.run(["onboard", tree, "--db", db, "--quiet"])
        if R.check("ws1/onboard", rc == 0, "exit %s" % rc, [err]):
            doc = check_cli(R, db, work)
            check_scip_ws1(R, db, tree, work, desc)
            gpath = os.path.join(work, "ws1.graphml")
            rc, _, err = R.run(["export", "-o", gpath, "--db", db])
            if R.check("graphml/ws1-export", rc == 0, "exit %s" % rc, [err]):
                check_graphml(R, gpath, doc, "graphml/ws1-")
            ndir = os.path.join(work, "ws1-neo4j")
            rc, _, err = R.run(["export", "--format", "neo4j", "-o", ndir, "--db", db])
            if R.check("neo4j/ws1-export", rc == 0, "exit %s" % rc, [err]):
                check_neo4j(R, ndir, doc, "neo4j/ws1-", tree)
            check_svg_ws1(R, db, work)
        check_hostile(R, work, desc)
    finally:
        if keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (R.passed, R.failed))
    sys.exit(1 if R.failed else 0)


if __name__ == "__main__":
    main()
