"""Ground truth for one crate from rustc: trait impls and enum variants
(rustdoc JSON), resolved calls and variant uses (THIR). Writes
OUT/truth.json. The truth is raw: which of its calls are scored, and how,
is decided by compare.py for the whole crate set (a callee may live in
another crate of a dependency graph).

usage: truth.py INVOCATION.json OUT_DIR

INVOCATION.json: {"args": [rustc flags, no input, no output], "root": input
file, "cwd": dir, "env": {..}, "map": [[abs dir, workspace-relative prefix],
..], "name": crate name}. Paths in the truth are workspace-relative (files
outside every mapped dir, such as std's, are dropped); DefId paths keep
rustc's crate hash (`semver[82ee]::display::pad`).
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thir  # noqa: E402

IDENT = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*")


class Sources:
    """Source files, for spans → text and char → byte columns. `rel` maps an
    absolute path under one of the mapped directories to its
    workspace-relative name; relative paths are taken from cwd (cargo passes
    the root package's files relative to it)."""

    def __init__(self, mapping, cwd):
        self.map = sorted(((os.path.realpath(a), r) for a, r in mapping),
                          key=lambda x: -len(x[0]))
        self.cwd = cwd
        self.abs = {}
        self.cache = {}

    def rel(self, path):
        if not path:
            return None
        p = os.path.realpath(path if os.path.isabs(path) else os.path.join(self.cwd, path))
        for a, r in self.map:
            if p.startswith(a + os.sep):
                out = r + p[len(a) + 1:]
                self.abs[out] = p
                return out
        return None

    def lines(self, rel):
        if rel not in self.cache:
            try:
                with open(self.abs.get(rel, rel), encoding="utf-8", errors="replace") as f:
                    self.cache[rel] = f.read().split("\n")
            except OSError:
                self.cache[rel] = []
        return self.cache[rel]

    def byte_col(self, rel, line, col):
        """rustc columns count chars (1-based); ours count bytes."""
        ls = self.lines(rel)
        if not 0 < line <= len(ls):
            return col
        return len(ls[line - 1][:col - 1].encode()) + 1

    def text(self, rel, l1, c1, l2, c2):
        ls = self.lines(rel)
        if not (0 < l1 <= len(ls) and 0 < l2 <= len(ls)):
            return ""
        if l1 == l2:
            return ls[l1 - 1][c1 - 1:c2 - 1]
        parts = [ls[l1 - 1][c1 - 1:]] + ls[l1:l2 - 1] + [ls[l2 - 1][:c2 - 1]]
        return "\n".join(parts)

    def before(self, rel, line, col):
        """The last non-blank character before (line, col), or ''."""
        ls = self.lines(rel)
        l, c = line, col - 1
        while l >= 1 and l <= len(ls):
            s = ls[l - 1][:c]
            if "//" in s:   # a line comment (naive: ignores `//` in strings)
                s = s[:s.index("//")]
            s = s.rstrip()
            if s:
                return s[-1]
            l -= 1
            c = len(ls[l - 1]) if l >= 1 else 0
        return ""


def last_ident_offset(text):
    """Offset in text of the last identifier outside <...> (the callee
    name of a path such as `a::B::<T>::f` or `<S as Tr>::m`)."""
    depth, kept = 0, []
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
            continue
        if ch == ">" and depth > 0 and not (i > 0 and text[i - 1] == "-"):
            depth -= 1
            continue
        if depth == 0:
            kept.append((i, ch))
    s = "".join(ch for _, ch in kept)
    last = None
    for m in IDENT.finditer(s):
        last = m
    if not last:
        return None
    return kept[last.start()][0]


def path_head(text):
    """The path part of a variant expression or pattern: `E::B(x)` → `E::B`,
    `E::C { x }` → `E::C` (cut at the first `(` or `{` outside <..>)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">" and depth > 0:
            depth -= 1
        elif depth == 0 and ch in "({":
            return text[:i]
    return text


def site_of(src, rel, sp, head_only=False):
    """(line, byte col) of the last identifier of the path at span sp."""
    txt = src.text(rel, sp["line"], sp["col"], sp["end_line"], sp["end_col"])
    if head_only:
        txt = path_head(txt)
    off = last_ident_offset(txt)
    nl, nc = sp["line"], sp["col"]
    if off is not None:
        pre = txt[:off]
        nl += pre.count("\n")
        nc = (len(pre) - pre.rfind("\n")) if "\n" in pre else sp["col"] + off
    return nl, src.byte_col(rel, nl, nc)


# ---------------------------------------------------------------- rustdoc

def type_str(t):
    """A short rendering of a rustdoc JSON type (the head matters)."""
    if t is None:
        return "?"
    if isinstance(t, str):
        return t
    k, v = next(iter(t.items()))
    if k == "resolved_path":
        return v.get("path") or v.get("name", "?")
    if k == "primitive":
        return v
    if k == "generic":
        return v
    if k == "borrowed_ref":
        return "&" + ("mut " if v.get("is_mutable") or v.get("mutable") else "") + type_str(v.get("type"))
    if k == "raw_pointer":
        return "*" + type_str(v.get("type"))
    if k == "slice":
        return "[" + type_str(v) + "]"
    if k == "array":
        return "[" + type_str(v.get("type")) + "; " + str(v.get("len")) + "]"
    if k == "tuple":
        return "(" + ", ".join(type_str(x) for x in v) + ")"
    if k == "dyn_trait":
        ts = v.get("traits", [])
        return "dyn " + (ts[0]["trait"]["path"] if ts else "?")
    if k == "qualified_path":
        return "<%s as %s>::%s" % (type_str(v.get("self_type")),
                                   (v.get("trait") or {}).get("path", "?"), v.get("name"))
    return k


def in_derive(src, sp):
    """Is the span a name inside `#[derive(..)]` (a derive macro's impl,
    which rustdoc places on the macro's name)?"""
    ls = src.lines(sp["file"])
    if not 0 < sp["line"] <= len(ls):
        return False
    text = ls[sp["line"] - 1][:max(0, sp["col"] - 1)]
    for l in range(sp["line"] - 2, max(-1, sp["line"] - 8), -1):
        if "#[" in text:
            break
        text = ls[l] + "\n" + text
    head = text[text.rfind("#["):] if "#[" in text else ""
    return bool(re.match(r"#\[\s*derive\s*\(", head)) and "]" not in head


def rustdoc_truth(doc, src):
    """Impls, local traits (with their methods), local enum variants.
    Paths are rustdoc's, crate name first, no hash."""
    idx, paths = doc["index"], doc["paths"]
    ext = {str(k): v.get("name") for k, v in doc.get("external_crates", {}).items()}

    def span_of(item):
        sp = item.get("span")
        if not sp:
            return None
        rel = src.rel(sp["filename"])
        if rel is None:
            return None
        (l1, c1), (l2, c2) = sp["begin"], sp["end"]
        # rustdoc columns: 1-based chars, end exclusive
        return {"file": rel, "line": l1, "col": src.byte_col(rel, l1, c1),
                "end_line": l2, "end_col": src.byte_col(rel, l2, c2)}

    def path_of(k):
        """rustdoc's path of an item id, the crate's name first."""
        info = paths.get(str(k))
        if not info:
            return None, None
        cid = info.get("crate_id")
        crate = doc_crate_name if cid == 0 else ext.get(str(cid), "?")
        return crate, "::".join(info["path"])

    doc_crate_name = (paths.get(str(doc.get("root")), {}).get("path") or ["?"])[0]

    traits = {}          # "crate::m::Tr" -> def span
    trait_methods = {}   # "crate::m::Tr::f" -> def span + name
    for k, v in paths.items():
        if v.get("crate_id") != 0 or v.get("kind") != "trait":
            continue
        item = idx.get(str(k))
        if not item:
            continue
        tpath = "::".join(v["path"])
        sp = span_of(item)
        if sp:
            traits[tpath] = sp
        for mid in item["inner"]["trait"].get("items", []):
            m = idx.get(str(mid))
            if m and "function" in m["inner"]:
                msp = span_of(m)
                if msp:
                    trait_methods[tpath + "::" + m["name"]] = dict(msp, name=m["name"])

    # functions of extern blocks: no THIR body; rustdoc knows their site
    foreign_fns = {}
    for k, v in paths.items():
        if v.get("crate_id") != 0 or v.get("kind") != "function":
            continue
        item = idx.get(str(k))
        fn = (item or {}).get("inner", {}).get("function")
        if fn is not None and fn.get("has_body") is False:
            sp = span_of(item)
            if sp:
                foreign_fns["::".join(v["path"])] = dict(sp, name=item["name"])

    variants = []
    for k, v in paths.items():
        if v.get("crate_id") != 0 or v.get("kind") != "enum":
            continue
        item = idx.get(str(k))
        if not item or "enum" not in item["inner"]:
            continue
        epath = "::".join(v["path"])
        for vid in item["inner"]["enum"].get("variants", []):
            var = idx.get(str(vid))
            sp = span_of(var) if var else None
            if sp:
                variants.append(dict(sp, name=var["name"], enum=epath,
                                     path=epath + "::" + var["name"]))

    impls = []
    for item in idx.values():
        if item.get("crate_id") != 0 or "impl" not in item["inner"]:
            continue
        im = item["inner"]["impl"]
        if im.get("is_synthetic") or im.get("blanket_impl") or not im.get("trait"):
            continue
        sp = span_of(item)
        tr = im["trait"]
        tid = str(tr.get("id"))
        tcrate, tpath = path_of(tid)
        if tpath is None:
            tcrate, tpath = "?", tr.get("path", "?")
        tlocal = bool(paths.get(tid, {}).get("crate_id") == 0)
        tname = tpath.split("::")[-1]
        attrs = json.dumps(item.get("attrs", []))
        if sp is None:
            kind = "nospan"
        elif "automatically_derived" in attrs or in_derive(src, sp):
            txt = src.text(sp["file"], sp["line"], sp["col"], sp["end_line"], sp["end_col"])
            if txt.split("::")[-1].strip() == tname:
                kind = "derive"
            elif "automatically_derived" in attrs:
                kind = "internal"     # StructuralPartialEq from derive(PartialEq)
            else:
                kind = "derive_extra"  # a derive macro's further impls: derive(Parser) → Args, ..
        else:
            ls = src.lines(sp["file"])
            first = ls[sp["line"] - 1][sp["col"] - 1:] if sp["line"] <= len(ls) else ""
            kind = "hand" if re.match(r"\s*(unsafe\s+|default\s+)*impl\b", first) else "macro"
        methods = []
        for mid in im.get("items", []):
            m = idx.get(str(mid))
            if m and "function" in m["inner"]:
                msp = span_of(m)
                if msp:
                    methods.append(dict(msp, name=m["name"]))
        impls.append({"kind": kind, "trait": tpath, "trait_crate": tcrate, "trait_name": tname,
                      "trait_local": tlocal,
                      "trait_def": span_of(idx[tid]) if tlocal and tid in idx else None,
                      "self_type": type_str(im.get("for")), "site": sp, "methods": methods})
    items = set()
    for item in idx.values():
        sp = item.get("span")
        if item.get("crate_id") == 0 and sp:
            r_ = src.rel(sp["filename"])
            if r_:
                items.add((r_, sp["begin"][0]))
    return {"impls": impls, "traits": traits, "trait_methods": trait_methods, "foreign_fns": foreign_fns,
            "variants": variants, "items": sorted(items), "doc_crate": doc_crate_name}


# ---------------------------------------------------------------- THIR

SELF_WRAPPERS = re.compile(r"^(?:&'\S+ (?:mut )?|&(?:mut )?|\*(?:const|mut) |"
                           r"(?:core|alloc|std)::(?:pin::Pin|boxed::Box|rc::Rc|sync::Arc)<)")


def self_type_path(ty, crate_id):
    """The def path of the type of a `self` parameter, as rustc prints it
    (`core::pin::Pin<&'{erased} mut stream::peek::Peekable<St/#0>>` →
    `futures_util[0e11]::stream::peek::Peekable`): references and the
    receiver wrappers `Pin`, `Box`, `Rc`, `Arc` peeled, generic arguments
    dropped; a path of the local crate is printed without its crate, so the
    crate's id is put first. None for a type that is not a path."""
    t = ty.strip()
    while True:
        m = SELF_WRAPPERS.match(t)
        if not m:
            break
        t = t[m.end():]
        if m.group(0).endswith("<") and t.endswith(">"):
            t = t[:-1]
    t = t.split("<", 1)[0].strip()
    if not re.match(r"^[A-Za-z_][\w:]*$", t):
        return None
    first = t.split("::")[0]
    if crate_id and not re.search(r"\[[0-9a-f]{4}\]$", first) and first not in ("core", "alloc", "std"):
        t = crate_id + "::" + t
    return t


def thir_truth(cmd, env, cwd, src):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd, bufsize=1 << 20, errors="replace")
    err_chunks = []

    import threading
    t = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    t.start()
    bodies, calls, vuses = [], [], []
    crate_id = None
    for kind, rec in thir.read(proc.stdout):
        if kind == "body":
            if rec["local"] and crate_id is None:
                crate_id = rec["defid"].split("::")[0]
            sp = rec.get("span")
            rel = src.rel(sp["file"]) if sp and rec["local"] else None
            if rel:
                b = {"defid": rec["defid"], "file": rel, "line": sp["line"],
                     "end_line": sp["end_line"], "ctx": sp["ctx"]}
                if sp["ctx"] != 0:
                    # a body a macro wrote: where its invocation's own
                    # tokens landed, and the type of its `self`
                    b["anchors"] = [[src.rel(f), l] for f, l in rec.get("anchors", []) if src.rel(f)]
                    if rec.get("p0_name") == "self" and rec.get("p0_ty"):
                        b["self_ty"] = self_type_path(rec["p0_ty"], crate_id)
                bodies.append(b)
        elif kind == "variant":
            sp = rec["span"]
            rel = src.rel(sp["file"]) if sp else None
            if rel:
                l, c = site_of(src, rel, sp, head_only=True)
                vuses.append({"file": rel, "line": l, "col": c, "variant": rec["variant"],
                              "enum": rec["enum"], "ctx": sp["ctx"], "pattern": rec["pattern"],
                              "caller": rec["caller"]})
        else:
            c = call_record(rec, src)
            if c:
                calls.append(c)
    rc = proc.wait()
    t.join()
    if rc != 0:
        raise RuntimeError("rustc -Zunpretty=thir-tree failed: " + "".join(err_chunks)[-2000:])
    return crate_id, bodies, calls, vuses


def call_record(c, src):
    fd = c["fndef"]
    fs, fun = c["fn_span"], c["fun_span"]
    if not fd or not fs or not fun or not c["from_hir"]:
        # from_hir_call: false are overloaded operators and auto-deref
        return None
    rel = src.rel(fs["file"])
    if rel is None:
        return None
    crate_num, path, gargs = fd
    frel = src.rel(fun["file"]) or rel
    method_syntax = src.before(frel, fun["line"], fun["col"]) == "."
    if method_syntax:
        nl, nc = fun["line"], src.byte_col(frel, fun["line"], fun["col"])
    else:
        nl, nc = site_of(src, frel, fun)
    recv = ""
    if method_syntax and c["arg0_span"]:
        a = c["arg0_span"]
        arel = src.rel(a["file"])
        if arel:
            recv = src.text(arel, a["line"], a["col"], a["end_line"], a["end_col"])
    return {"file": frel, "line": nl, "col": nc, "callee": path,
            "crate": path.split("::")[0], "local": crate_num == 0,
            "method_syntax": method_syntax, "receiver": recv[:80],
            "self_subst": gargs[0][:300] if gargs else None,
            "caller": c["caller"], "ctx": fs["ctx"]}


def dep_files(cmd, env, cwd, out, src):
    """The crate's source files, from rustc's dep-info."""
    subprocess.run(cmd + ["--emit=dep-info", "-o", out], capture_output=True, text=True,
                   env=env, cwd=cwd)
    files = set()
    try:
        with open(out) as f:
            for line in f:
                if line.strip() and not line.startswith("#") and ":" in line:
                    head = line.split(":", 1)[0].strip()
                    r_ = src.rel(head) if head.endswith(".rs") else None
                    if r_:
                        files.add(r_)
    except OSError:
        pass
    return sorted(files)


RUSTDOC_FLAGS_1 = {"--crate-name", "--edition", "--crate-type", "--cfg", "--check-cfg",
                   "--extern", "-L", "--cap-lints", "--target"}


def rustdoc_args(args):
    """The flags of a rustc command that rustdoc understands the same way."""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in RUSTDOC_FLAGS_1 and i + 1 < len(args):
            out += [a, args[i + 1]]
            i += 2
            continue
        for f in RUSTDOC_FLAGS_1:
            if a.startswith(f + "="):
                out.append(a)
        if a.startswith("-L") and len(a) > 2:
            out.append(a)
        i += 1
    return out


def main():
    inv_path, out_dir = sys.argv[1], sys.argv[2]
    with open(inv_path) as f:
        inv = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ)
    env.update(inv.get("env", {}))
    env["RUSTC_BOOTSTRAP"] = "1"
    cwd = inv.get("cwd") or os.getcwd()
    src = Sources(inv["map"], cwd)
    args = list(inv["args"])
    root = inv["root"]
    crate_id, bodies, calls, vuses = thir_truth(
        ["rustc"] + args + ["-Zunpretty=thir-tree", root], env, cwd, src)
    docdir = os.path.join(out_dir, "doc")
    r = subprocess.run(["rustdoc"] + rustdoc_args(args) +
                       ["--output-format", "json", "-Zunstable-options",
                        "--document-private-items", "--document-hidden-items", root, "-o", docdir],
                       capture_output=True, text=True, env=env, cwd=cwd)
    if r.returncode != 0:
        raise SystemExit("rustdoc failed: " + r.stderr[-2000:])
    name = inv["name"]
    with open(os.path.join(docdir, name + ".json")) as f:
        doc = json.load(f)
    rd = rustdoc_truth(doc, src)
    del doc
    files = dep_files(["rustc"] + args + [root], env, cwd, os.path.join(out_dir, "deps.d"), src)
    if crate_id is None:
        crate_id = name + "[?]"
    out = {"crate": name, "crate_id": crate_id, "package": inv.get("package", name),
           "impls": rd["impls"], "traits": rd["traits"], "trait_methods": rd["trait_methods"],
           "foreign_fns": rd["foreign_fns"],
           "variants": rd["variants"], "items": rd["items"], "files": files,
           "calls": calls, "bodies": bodies, "variant_uses": vuses,
           "args": args, "rustc": subprocess.run(["rustc", "--version"], capture_output=True,
                                                 text=True).stdout.strip()}
    with open(os.path.join(out_dir, "truth.json"), "w") as f:
        json.dump(out, f)
    subprocess.run(["rm", "-rf", docdir])
    n_local = sum(1 for c in calls if c["local"])
    print("truth %s: %d impls, %d calls (%d to the crate), %d bodies, %d variants, %d variant uses" % (
        name, len(rd["impls"]), len(calls), n_local, len(bodies), len(rd["variants"]), len(vuses)),
        file=sys.stderr)


if __name__ == "__main__":
    main()
