"""Ground truth for one crate from rustc: trait impls (rustdoc JSON) and
resolved calls (THIR). Writes CACHE/<crate>/truth.json.

usage: truth.py CRATE_DIR CACHE_DIR
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crateconf  # noqa: E402
import thir  # noqa: E402

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Sources:
    """Source files of the crate, for spans → text and char → byte columns."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.cache = {}

    def rel(self, path):
        p = os.path.realpath(path)
        if not p.startswith(self.root + os.sep):
            return None
        return p[len(self.root) + 1:]

    def lines(self, rel):
        if rel not in self.cache:
            try:
                with open(os.path.join(self.root, rel), encoding="utf-8", errors="replace") as f:
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


def rustdoc_truth(doc, src):
    idx, paths = doc["index"], doc["paths"]

    def span_of(item):
        sp = item.get("span")
        if not sp:
            return None
        rel = src.rel(sp["filename"]) if os.path.isabs(sp["filename"]) else src.rel(
            os.path.join(src.root, sp["filename"]))
        if rel is None:
            return None
        (l1, c1), (l2, c2) = sp["begin"], sp["end"]
        # rustdoc columns: 1-based chars, end exclusive
        return {"file": rel, "line": l1, "col": src.byte_col(rel, l1, c1),
                "end_line": l2, "end_col": src.byte_col(rel, l2, c2)}

    local_traits = {}
    for k, v in paths.items():
        if v.get("crate_id") == 0 and v.get("kind") == "trait":
            local_traits["::".join(v["path"])] = k
    trait_methods = {}   # "crate::Tr::m" -> def span
    for tpath, k in local_traits.items():
        item = idx.get(str(k))
        if not item:
            continue
        for mid in item["inner"]["trait"].get("items", []):
            m = idx.get(str(mid))
            if m and "function" in m["inner"]:
                sp = span_of(m)
                if sp:
                    trait_methods[tpath + "::" + m["name"]] = dict(sp, name=m["name"])

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
        pinfo = paths.get(tid)
        tpath = "::".join(pinfo["path"]) if pinfo else tr.get("path", "?")
        tlocal = bool(pinfo and pinfo.get("crate_id") == 0)
        tname = tpath.split("::")[-1]
        attrs = json.dumps(item.get("attrs", []))
        if sp is None:
            kind = "nospan"
        elif "automatically_derived" in attrs:
            txt = src.text(sp["file"], sp["line"], sp["col"], sp["end_line"], sp["end_col"])
            kind = "derive" if txt.split("::")[-1].strip() == tname else "internal"
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
        impls.append({"kind": kind, "trait": tpath, "trait_name": tname, "trait_local": tlocal,
                      "trait_def": span_of(idx[tid]) if tlocal and tid in idx else None,
                      "self_type": type_str(im.get("for")), "site": sp, "methods": methods})
    return impls, trait_methods


# ---------------------------------------------------------------- THIR

PARAM_HEAD = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|impl .*)/#\d+$")


def self_is_generic(arg):
    s = arg.strip()
    while True:
        s2 = re.sub(r"^&(?:'[^ ]+ )?(?:mut )?", "", s)
        s2 = re.sub(r"^\*(?:const|mut) ", "", s2)
        if s2 == s:
            break
        s = s2
    return bool(PARAM_HEAD.match(s) or s.startswith("dyn ") or s.startswith("<")
                or s.startswith("Alias("))


def thir_truth(args, root, src, local_traits_methods, keep_raw=None):
    cmd = ["rustc"] + args + ["-Zunpretty=thir-tree", root]
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, bufsize=1 << 20, errors="replace")
    bodies, raw_calls = {}, []
    for kind, rec in thir.read(proc.stdout):
        if kind == "body":
            bodies[rec["defid"]] = rec
        else:
            raw_calls.append(rec)
    err = proc.stderr.read()
    rc = proc.wait()
    if rc != 0:
        raise RuntimeError("rustc -Zunpretty=thir-tree failed: " + err[-2000:])

    def def_of(path):
        """Definition site of a local fn DefId path: its body, else a
        required trait method (rustdoc)."""
        b = bodies.get(path)
        if b and b.get("span"):
            sp = b["span"]
            rel = src.rel(sp["file"])
            if rel:
                return {"file": rel, "line": sp["line"], "name": path.split("::")[-1], "via": "body"}
        t = local_traits_methods.get(path)
        if t:
            return {"file": t["file"], "line": t["line"], "name": t["name"], "via": "trait-item"}
        return None

    calls = []
    for c in raw_calls:
        fd = c["fndef"]
        fs, fun = c["fn_span"], c["fun_span"]
        if not fd or not fs or not fun or not c["from_hir"]:
            # from_hir_call: false are overloaded operators and auto-deref
            continue
        rel = src.rel(fs["file"])
        if rel is None:
            continue
        crate_num, path, gargs = fd
        local = crate_num == 0
        frel = src.rel(fun["file"]) or rel
        method_syntax = src.before(frel, fun["line"], fun["col"]) == "."
        if method_syntax:
            nl, nc = fun["line"], fun["col"]
        else:
            txt = src.text(frel, fun["line"], fun["col"], fun["end_line"], fun["end_col"])
            off = last_ident_offset(txt)
            nl, nc = fun["line"], fun["col"]
            if off is not None:
                pre = txt[:off]
                nl += pre.count("\n")
                nc = (len(pre) - pre.rfind("\n")) if "\n" in pre else fun["col"] + off
        parent = path.rsplit("::", 1)[0]
        trait_method = parent in TRAITS
        # a method of a trait from another crate: its parent is the trait
        # (inherent and impl methods have `{impl#N}` as parent)
        pseg = parent.split("::")[-1] if "::" in path else ""
        trait_like = bool(pseg[:1].isupper() and "{" not in pseg)
        recv = ""
        if method_syntax and c["arg0_span"]:
            a = c["arg0_span"]
            arel = src.rel(a["file"])
            if arel:
                recv = src.text(arel, a["line"], a["col"], a["end_line"], a["end_col"])
        generic_self = bool(gargs) and self_is_generic(gargs[0])
        if fs["ctx"] != 0:
            cat = "macro"
        elif trait_method and generic_self:
            cat = "trait_bound"
        elif not method_syntax:
            cat = "path"
        elif recv.strip() == "self":
            cat = "self"
        else:
            cat = "other"
        calls.append({"file": frel, "line": nl, "col": src.byte_col(frel, nl, nc),
                      "callee": path, "local": local, "category": cat,
                      "method_syntax": method_syntax, "trait_method": trait_method,
                      "self_subst": gargs[0] if gargs and (trait_method or trait_like) else None,
                      "receiver": recv[:80], "caller": c["caller"],
                      "def": def_of(path) if local else None,
                      "ctx": fs["ctx"]})
    body_list = []
    for b in bodies.values():
        sp = b.get("span")
        if not sp or not b["local"]:
            continue
        rel = src.rel(sp["file"])
        if rel:
            body_list.append({"defid": b["defid"], "file": rel, "line": sp["line"],
                              "end_line": sp["end_line"], "ctx": sp["ctx"]})
    return calls, body_list


TRAITS = set()


def main():
    crate_dir, cache = sys.argv[1], sys.argv[2]
    crate_dir = os.path.realpath(crate_dir)
    os.makedirs(cache, exist_ok=True)
    conf = crateconf.crate_config(crate_dir, os.path.join(cache, "build"))
    if conf["has_required_deps"]:
        print("skip: %s has required dependencies" % crate_dir, file=sys.stderr)
        sys.exit(3)
    args = crateconf.rustc_args(conf)
    src = Sources(crate_dir)
    docdir = os.path.join(cache, "doc")
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    r = subprocess.run(["rustdoc"] + [a for a in args if a != "--cap-lints" and a != "allow"] +
                       ["--cap-lints", "allow", "--output-format", "json", "-Zunstable-options",
                        "--document-private-items", "--document-hidden-items", conf["root"], "-o", docdir],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit("rustdoc failed: " + r.stderr[-2000:])
    with open(os.path.join(docdir, conf["name"] + ".json")) as f:
        doc = json.load(f)
    impls, trait_methods = rustdoc_truth(doc, src)
    for k, v in doc["paths"].items():
        if v.get("crate_id") == 0 and v.get("kind") == "trait":
            TRAITS.add("::".join(v["path"]))
    calls, bodies = thir_truth(args, conf["root"], src, trait_methods)
    # the files rustc read (dep-info) and the spans of every item rustdoc
    # knows: what lies elsewhere was not compiled (cfg'd out, tests, benches)
    dep = os.path.join(cache, "deps.d")
    subprocess.run(["rustc"] + args + ["--emit=dep-info", "-o", dep, conf["root"]],
                   capture_output=True, text=True, env=env)
    files = set()
    try:
        with open(dep) as f:
            for line in f:
                if line.strip() and not line.startswith("#") and ":" in line:
                    head = line.split(":", 1)[0].strip()
                    r_ = src.rel(head) if head.endswith(".rs") else None
                    if r_:
                        files.add(r_)
    except OSError:
        pass
    items = set()
    for item in doc["index"].values():
        sp = item.get("span")
        if item.get("crate_id") == 0 and sp:
            r_ = src.rel(sp["filename"])
            if r_:
                items.add((r_, sp["begin"][0]))
    # implementations of local trait methods (for "linking its implementations
    # in addition is right")
    impl_methods = {}
    for im in impls:
        if im["trait_local"]:
            for m in im["methods"]:
                impl_methods.setdefault(im["trait"] + "::" + m["name"], []).append(
                    {"file": m["file"], "line": m["line"], "name": m["name"]})
    out = {"crate": conf["name"], "dir": crate_dir, "config": conf, "impls": impls,
           "files": sorted(files), "items": sorted(items),
           "calls": calls, "bodies": bodies, "trait_methods": trait_methods,
           "impl_methods": impl_methods, "rustc": subprocess.run(
               ["rustc", "--version"], capture_output=True, text=True).stdout.strip()}
    with open(os.path.join(cache, "truth.json"), "w") as f:
        json.dump(out, f)
    n_local = sum(1 for c in calls if c["local"])
    print("truth %s: %d impls, %d calls (%d to the crate), %d bodies" % (
        conf["name"], len(impls), len(calls), n_local, len(bodies)), file=sys.stderr)


if __name__ == "__main__":
    main()
