"""Ask Parseltongue about one crate set (a single crate, or the workspace of
a cargo dependency graph) and score its answers against the truths written
by truth.py. Writes OUT/score.json.

usage: compare.py BINARY SET.json OUT_DIR

SET.json: {"name", "kind": "single"|"graph", "root": the folder we index,
"packages": [{"id", "name", "version", "prefix": workspace-relative folder
("" for the root), "deps": [{"pkg": id, "kinds": ["normal"|"dev"|"build"]}],
"build": build script path or null}], "truths": [truth.json paths]}.

Everything is per package: a site counts for the package whose folder holds
its file (a call written in crate B's macro_rules! body and expanded in crate
A counts for B, once, whatever crates expand it).
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

CATS = ["path", "self", "other", "trait_bound", "macro"]
FN_KINDS = {"function", "method"}
VARIANT_KINDS = {"variant", "enum_variant", "enum variant"}


def run(binary, *args):
    r = subprocess.run([binary] + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


# ------------------------------------------------------------- our graph

class Ours:
    def __init__(self, binary, crate_dir, db):
        self.binary, self.dir, self.db = binary, crate_dir, db
        t0 = time.time()
        rc, out, err = run(binary, "onboard", crate_dir, "--db", db, "--quiet")
        self.onboard_s = time.time() - t0
        if rc != 0:
            raise SystemExit("onboard failed (%d): %s" % (rc, err[-1000:]))
        rc, out, err = run(binary, "export", "--format", "json", "--db", db)
        if rc != 0:
            raise SystemExit("export failed (%d): %s" % (rc, err[-1000:]))
        g = json.loads(out)
        self.entities = g["entities"]
        self.edges = g["edges"]
        self._fn_at = {}
        self.by_file = {}
        for e in self.entities:
            self.by_file.setdefault(e["file"], []).append(e)
        self.paths = {}
        for e in self.entities:
            self.paths.setdefault(e["path"], []).append(e)
        self.calls = {}   # (file, line, col) -> [(to, ambiguous)]
        for e in self.edges:
            if e["kind"] == "CALLS":
                self.calls.setdefault((e["file"], e["line"], e["column"]), []).append(
                    (e["to"], bool(e.get("ambiguous"))))

    def fn_at(self, file, line, name):
        """Our function/method named `name` whose range holds `line`
        (innermost). Memoised: asked once per call site and implementation."""
        k = (file, line, name)
        if k not in self._fn_at:
            self._fn_at[k] = self._fn_at_uncached(file, line, name)
        return self._fn_at[k]

    def _fn_at_uncached(self, file, line, name):
        best = None
        for e in self.by_file.get(file, []):
            if e["kind"] in FN_KINDS and e["name"] == name and e["line"] <= line <= e["end_line"]:
                if best is None or e["line"] >= best["line"]:
                    best = e
        if best is None:
            # a fn a macro_rules! expansion defines: rustc places it in the
            # macro's body, we at the invocation that names it. The one fn
            # of that name in the file, written by a macro (its signature
            # is only `fn name`), is it.
            made = [e for e in self.by_file.get(file, [])
                    if e["kind"] in FN_KINDS and e["name"] == name
                    and e.get("signature", "") == "fn " + name]
            if len(made) == 1:
                best = made[0]
        return best

    def query(self, *args):
        rc, out, err = run(self.binary, "query", *args, "--json", "--db", self.db)
        if rc not in (0, 3):
            return None
        try:
            return json.loads(out) if out.strip() else None
        except ValueError:
            return None


# ------------------------------------------------------------- LSP client

class Lsp:
    """Minimal LSP client: initialize, then pipelined requests."""

    def __init__(self, binary, root, db):
        self.p = subprocess.Popen([binary, "--stdio", "--db", db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1
        self.uri_root = "file://" + os.path.realpath(root)
        r = self.request("initialize", {
            "processId": os.getpid(), "rootUri": self.uri_root,
            "workspaceFolders": [{"uri": self.uri_root, "name": "crate"}],
            "capabilities": {"general": {"positionEncodings": ["utf-8"]}}})
        self.enc = ((r or {}).get("result") or {}).get("capabilities", {}).get("positionEncoding", "utf-16")
        self.notify("initialized", {})

    def _send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def _recv(self):
        headers = {}
        while True:
            line = self.p.stdout.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            k, v = line.decode().split(":", 1)
            headers[k.lower()] = v.strip()
        return json.loads(self.p.stdout.read(int(headers["content-length"])))

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        return self.batch(method, [params])[0]

    def batch(self, method, params_list):
        """Sends all requests from a thread, reads answers here."""
        ids = list(range(self.next_id, self.next_id + len(params_list)))
        self.next_id += len(params_list)

        def writer():
            for i, p in zip(ids, params_list):
                self._send({"jsonrpc": "2.0", "id": i, "method": method, "params": p})
        t = threading.Thread(target=writer)
        t.start()
        got, want = {}, set(ids)
        while want:
            m = self._recv()
            if m is None:
                break
            if "id" in m and m["id"] in want and ("result" in m or "error" in m):
                got[m["id"]] = m
                want.discard(m["id"])
            elif "id" in m and "method" in m:   # a request from the server
                self._send({"jsonrpc": "2.0", "id": m["id"], "result": None})
        t.join()
        return [got.get(i) for i in ids]

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.p.wait(timeout=5)
        except Exception:
            self.p.kill()


# ------------------------------------------------------------- helpers

def norm_trait(path):
    segs = path.split("::")
    if segs and segs[0] in ("core", "alloc", "std"):
        segs[0] = "std"
    return segs


def external_trait_matches(ours, theirs):
    """`std::ops::Deref` names `core::ops::deref::Deref`: same last name,
    same crate family, and our modules a subsequence of rustc's."""
    a, b = norm_trait(ours), norm_trait(theirs)
    if a[-1] != b[-1]:
        return False
    if len(a) == 1:
        return True
    if a[0] != b[0]:
        return False
    it = iter(b[1:-1])
    if all(x in it for x in a[1:-1]):
        return True
    # std re-exports a trait under other modules of the same top module
    # (`std::os::unix::io::FromRawFd` is `std::os::fd::raw::FromRawFd`);
    # the top module still tells `io::Write` from `fmt::Write`
    return a[0] == "std" and len(a) > 2 and len(b) > 2 and a[1] == b[1]


def type_head(t):
    t = re.sub(r"^(&\s*(mut\s+)?|\*(const|mut)\s+)+", "", t or "")
    t = re.sub(r"<.*$", "", t)
    return t.split("::")[-1].strip()


def cfg_inactive_ranges(ours, truth, src_lines):
    """Ranges of our items that carry a #[cfg] and that rustc does not know
    (no rustdoc item and no THIR body starts inside): not compiled."""
    known = {}
    for f, l in truth["items"]:
        known.setdefault(f, []).append(l)
    for b in truth["bodies"]:
        known.setdefault(b["file"], []).append(b["line"])
    out = {}
    for e in ours.entities:
        if e["kind"] not in ("module", "impl", "function", "method", "trait", "struct", "enum", "const"):
            continue
        ls = src_lines(e["file"])
        has_cfg, i, top = False, e["line"] - 2, e["line"]
        cur = ls[e["line"] - 1] if 0 < e["line"] <= len(ls) else ""
        if "#[cfg(" in cur:
            has_cfg = True
        while i >= 0:
            s = ls[i].strip()
            if s.startswith("#[") or s.startswith("//") or s.startswith("#!") or s.endswith(")]"):
                if "#[cfg(" in s or "#[cfg (" in s:
                    has_cfg = True
                top = i + 1
                i -= 1
                continue
            break
        if not has_cfg:
            continue
        ks = known.get(e["file"], [])
        if any(e["line"] <= k <= e["end_line"] for k in ks):
            continue
        out.setdefault(e["file"], []).append((top, e["end_line"]))
    return out


# ------------------------------------------------------------- likely causes

BINDINGS = [
    ("closure parameter", r"\|[^|]*\b{x}\b[^|]*\|"),
    ("`for` loop variable", r"\bfor\s+\(?[^;]*\b{x}\b[^;]*\bin\b"),
    ("`let x: T` (typed)", r"\blet\s+(mut\s+)?{x}\s*:"),
    ("`let x = Type::f(..)`", r"\blet\s+(mut\s+)?{x}\s*=\s*[A-Z][\w:]*(::<[^>]*>)?::\w+\s*\("),
    ("`let x = Type {..}`", r"\blet\s+(mut\s+)?{x}\s*=\s*[A-Z]\w*\s*\{{"),
    ("`let x = a.m(..)` (method return type)", r"\blet\s+(mut\s+)?{x}\s*=\s*[^;]*\.\w+\("),
    ("`let x = f(..)` (fn return type)", r"\blet\s+(mut\s+)?{x}\s*=\s*[a-z_][\w:]*\("),
    ("`let x = <other expr>`", r"\blet\s+(mut\s+)?{x}\s*="),
    ("tuple/struct `let` pattern", r"\blet\s+[\(\w:]*[\(\{{][^=]*\b{x}\b[^=]*="),
    ("`match`/`if let` binding", r"(\bSome|\bOk|\bErr|[A-Z]\w*::\w+|\bref)\s*\(?[^=>]*\b{x}\b"),
    ("fn parameter `x: T`", r"(\bfn\b.*|^\s*|,\s*)\b{x}\s*:\s*[&\w\[(*]"),
]


def binding_of(ls, line, x, top=None):
    """How local x is bound: the nearest line above that binds it, up to the
    top of the enclosing function (its signature: a few lines above the
    body) or 200 lines."""
    pats = [(name, re.compile(pat.format(x=re.escape(x)))) for name, pat in BINDINGS]
    stop = max(-1, line - 200, (top - 12) if top else -1)
    for l in range(line - 1, stop, -1):
        txt = ls[l] if l < len(ls) else ""
        if x not in txt:
            continue
        for name, pat in pats:
            if pat.search(txt):
                return name
    return "binding not found"


def likely_cause(cat, m, src_lines, ours, compiled, top=None):
    """A syntactic guess at why we missed: the receiver's shape and, for a
    local variable, how it is bound."""
    if m["missing_entity"]:
        return "callee not in our graph (defined inside a macro_rules! expansion)"
    extra = [p for p in m["ours"] if p not in m["expected"] and all(
        not compiled(e["file"], e["line"]) for e in ours.paths.get(p, []))]
    if extra and m["outcome"].startswith("amb"):
        return "other candidates are cfg'd out (cfg(test), tests/, benches/, features)"
    dup = any(len([e for e in ours.paths.get(p, []) if e["kind"] in FN_KINDS]) > 1 for p in m["expected"])
    if dup and m["outcome"].startswith("amb") and set(m["ours"]) <= set(m["expected"]):
        return "several cfg variants of the callee (same path)"
    ls = src_lines(m["file"])
    text = ls[m["line"] - 1] if 0 < m["line"] <= len(ls) else ""
    if cat == "macro":
        return "call written in a macro_rules! body"
    if cat == "path" or (cat == "trait_bound" and not m["receiver"]):
        pre = text[:m["col"] - 1]
        mm = re.search(r"([\w:<>\s,&]*)::\s*$", pre)
        q = (mm.group(1).strip().split()[-1] if mm and mm.group(1).strip() else "")
        if cat == "trait_bound":
            return "assoc fn on a type parameter / assoc type (`T::f`, `I::Bound::f`)"
        if q.startswith("Self"):
            return "`Self::f(..)`"
        if q[:1].isupper():
            return "`Type::f(..)`"
        if q:
            return "`module::f(..)`"
        return "plain `f(..)`"
    if cat == "self":
        if m["outcome"] == "impl_only":
            return "`self.m()` in a trait impl: we name the impl method, rustc the trait method"
        return "`self.m()` in a trait default method / blanket impl"
    r = m["receiver"].strip()
    pre = "bound `x`: " if cat == "other" else "generic `x`: "
    if re.match(r"^[A-Za-z_]\w*$", r):
        return pre + binding_of(ls, m["line"], r, top)
    if re.match(r"^self(\.\w+)+$", r):
        return "`self.field.m()`" + (" (field type generic / via Deref)" if cat == "trait_bound" else "")
    if re.match(r"^[A-Za-z_]\w*(\.\w+)+$", r):
        return "`x.field.m()`, x " + binding_of(ls, m["line"], r.split(".")[0], top)
    if r.endswith(")"):
        return "`a.f().m()` (return type of a call)"
    if r.endswith("]"):
        return "`a[i].m()` (element type)"
    if r.startswith(("*", "(*", "(&", "&")):
        return "`(*x).m()` / `(&x).m()`"
    return "other receiver expression"


# ------------------------------------------------------------- the crate set

PARAM_HEAD = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|impl .*)/#\d+$")


def self_is_generic(arg):
    s = (arg or "").strip()
    while True:
        s2 = re.sub(r"^&(?:'[^ ]+ )?(?:mut )?", "", s)
        s2 = re.sub(r"^\*(?:const|mut) ", "", s2)
        if s2 == s:
            break
        s = s2
    return bool(PARAM_HEAD.match(s) or s.startswith("dyn ") or s.startswith("<")
                or s.startswith("Alias("))


def strip_hash(path):
    """semver[82ee]::display::pad -> semver::display::pad"""
    return re.sub(r"\[[0-9a-f]{4}\]", "", path or "")


def hashed(crate_id, rustdoc_path):
    """rustdoc's `semver::m::Tr` in THIR's form `semver[82ee]::m::Tr`."""
    segs = rustdoc_path.split("::")
    return "::".join([crate_id] + segs[1:])


class CrateSet:
    """The truths of every crate of a set, joined: where each function is
    defined (by its THIR body or its trait item), which traits exist, which
    package holds a file."""

    def __init__(self, spec):
        self.spec = spec
        self.truths = []
        for t in spec["truths"]:
            with open(t) as f:
                self.truths.append(json.load(f))
        self.packages = spec["packages"]
        self.prefixes = sorted(((p["prefix"], p["id"]) for p in self.packages), key=lambda x: -len(x[0]))
        self.pkg_by_id = {p["id"]: p for p in self.packages}
        self._pkg_of = {}
        self.crate_ids = {t["crate_id"] for t in self.truths}
        self.crate_pkg = {t["crate_id"]: t["package"] for t in self.truths}
        self.name_ids = {}
        for t in self.truths:
            self.name_ids.setdefault(t["crate"], set()).add(t["crate_id"])
        self.bodies = {}
        self.trait_methods = {}
        self.foreign_fns = {}       # functions of extern blocks
        self.traits = {}            # hashed trait path -> def span
        self.traits_by_name = {}    # (crate name, rustdoc path) -> hashed path
        self.trait_crate_name = {}  # (crate name, trait name) -> [hashed paths]
        for t in self.truths:
            for b in t["bodies"]:
                self.bodies.setdefault(b["defid"], b)
            for k, v in t["trait_methods"].items():
                self.trait_methods.setdefault(hashed(t["crate_id"], k), v)
            for k, v in t.get("foreign_fns", {}).items():
                self.foreign_fns.setdefault(hashed(t["crate_id"], k), v)
            for k, v in t["traits"].items():
                hk = hashed(t["crate_id"], k)
                self.traits.setdefault(hk, v)
                self.traits_by_name[(t["crate"], k)] = hk
                self.trait_crate_name.setdefault((t["crate"], k.split("::")[-1]), []).append(hk)
        self.variants = {}          # hashless variant path -> def
        for t in self.truths:
            for v in t["variants"]:
                self.variants.setdefault(v["path"], v)

    def pkg_of(self, file):
        if file not in self._pkg_of:
            self._pkg_of[file] = next((pid for pre, pid in self.prefixes if file.startswith(pre)), None)
        return self._pkg_of[file]

    def def_of(self, path):
        """Definition site of a function DefId path (with its crate hash):
        its body, else a required trait method (rustdoc)."""
        b = self.bodies.get(path)
        t = self.trait_methods.get(path)
        if b and b["ctx"] != 0 and t:
            # a trait a macro wrote (`declare_error_trait!`): the default
            # body lies in the macro's definition, rustdoc places the
            # method at the invocation, where ours is
            return {"file": t["file"], "line": t["line"], "name": t["name"], "via": "trait-item"}
        if b:
            return {"file": b["file"], "line": b["line"], "name": path.split("::")[-1], "via": "body",
                    "ctx": b["ctx"]}
        if t:
            return {"file": t["file"], "line": t["line"], "name": t["name"], "via": "trait-item"}
        t = self.foreign_fns.get(re.sub(r"::\{extern#\d+\}", "", path))
        if t:
            return {"file": t["file"], "line": t["line"], "name": t["name"], "via": "extern"}
        return None

    def trait_key(self, impl):
        """The hashed path of an impl's trait when a crate of the set defines
        it, else None (a std trait, or a crate outside the set)."""
        crate = impl.get("trait_crate")
        k = self.traits_by_name.get((crate, impl["trait"]))
        if k:
            return k
        cands = self.trait_crate_name.get((crate, impl["trait_name"]), [])
        return cands[0] if len(cands) == 1 else None

    def category(self, c):
        parent = c["callee"].rsplit("::", 1)[0]
        trait_method = parent in self.traits
        if c["ctx"] != 0:
            return "macro"
        if trait_method and self_is_generic(c["self_subst"]):
            return "trait_bound"
        if not c["method_syntax"]:
            return "path"
        if c["receiver"].strip() == "self":
            return "self"
        return "other"


# ------------------------------------------------------------- scoring

def score_impls(ours, cs, compiled, src_lines):
    truth_impls = [i for t in cs.truths for i in t["impls"] if i["kind"] in ("hand", "derive", "macro",
                                                                              "derive_extra", "internal")]
    names = {i["trait_name"] for i in truth_impls}
    for e in ours.edges:
        if e["kind"] == "IMPL":
            src = ours.paths.get(e["from"], [{}])[0]
            if src.get("kind") not in FN_KINDS:
                names.add(e["to"].split("::")[-1])
    results = {}
    for n in sorted(names):
        q = ours.query("what-implements", n, "--limit", "1000000")
        for r in (q or {}).get("results", []):
            if "trait" not in r:
                continue
            key = (r["file"], r["line"], r["column"], r["trait"], r.get("type", ""))
            results[key] = r

    def written_here(e):
        """Whether our fn e is written where it stands (its first lines
        declare it), not the whole invocation of a macro that wrote it:
        pin_project!'s `project()` spans the invocation, with the struct's
        `#[derive(Debug)]` in it, which is no fn-local item."""
        ls = src_lines(e["file"])
        txt = "\n".join(ls[max(0, e["line"] - 1):min(len(ls), e["line"] + 5, e["end_line"])])
        return re.search(r"\bfn\s+" + re.escape(e["name"]) + r"\b", txt) is not None

    def under_fn(path):
        # a type or trait declared in a fn body, by its path: one a
        # template wrote in the body of a fn it wrote (serde's
        # `..::deserialize::TupleVisitor`, bitflags' `..::all::__BitFlags`)
        segs = (path or "").split("::")
        return any(any(e["kind"] in FN_KINDS for e in ours.paths.get("::".join(segs[:i]), []))
                   for i in range(len(segs) - 1, 0, -1))

    def in_fn(r):
        return any(e["kind"] in FN_KINDS and e["line"] < r["line"] <= e["end_line"] and written_here(e)
                   for e in ours.by_file.get(r["file"], [])) or \
            under_fn(r.get("type")) or under_fn(r["trait"])

    def is_trait_item(r):
        # `type Err = ..` in an impl answers "what implements Visitor::Err":
        # an associated item, not a trait impl
        return any(x["kind"] != "trait" for x in ours.paths.get(r["trait"], []))

    def type_compiled(r):
        # an impl of a type rustc did not compile (made in a cfg(test)
        # module or an example by a macro whose body is compiled code) is
        # not scored: its site is the compiled template's
        ents = [e for e in ours.paths.get(r.get("type", ""), []) if e.get("file")]
        return not ents or any(compiled(e["file"], e["line"]) for e in ents)

    def trait_unnameable(r):
        # a trait declared in an anonymous `const _: () = { .. }` block
        # (pin_project_lite's MustNotImplDrop) is in no module: rustdoc
        # lists neither it nor its impls, which rustc still has. Our trait
        # sits in the block's lines (at the invocation, for a macro's)
        ts = [x for x in ours.paths.get(r["trait"], []) if x.get("file")]
        return bool(ts) and all(any(
            c["kind"] == "const" and c["name"] == "_" and c["line"] <= x["line"] and
            x["end_line"] <= c["end_line"] for c in ours.by_file.get(x["file"], [])) for x in ts)

    cand = [r for r in results.values() if compiled(r["file"], r["line"]) and not is_trait_item(r)
            and type_compiled(r) and not trait_unnameable(r)]
    # an impl declared inside a function body (serde's visitors) is scored
    # when rustc's truth has it, but one of ours that matches nothing is not
    # counted against us: rustdoc, one source of the truth, lists no such item
    fn_local = [r for r in cand if in_fn(r)]
    our_list = [r for r in cand if not in_fn(r)]
    n_top = len(our_list)
    our_list += fn_local

    def trait_ok(r, t):
        k = cs.trait_key(t)
        if k:
            d = cs.traits.get(k)
            tents = ours.paths.get(r["trait"], [])
            return any(d and x["file"] == d["file"] and x["line"] <= d["line"] <= x["end_line"] for x in tents)
        return external_trait_matches(r["trait"], t["trait"])

    def site_ok(r, t):
        s = t["site"]
        if r["file"] != s["file"]:
            return False
        if t["kind"] in ("derive", "derive_extra"):
            return r["line"] == s["line"] and r["column"] == s["col"]
        if t["kind"] == "hand":
            return s["line"] <= r["line"] <= max(s["line"], min(s["end_line"], s["line"] + 3)) or \
                (r["line"] <= s["line"] <= r.get("end_line", r["line"]))
        return s["line"] <= r["line"] <= s["end_line"]

    def same_type(r, t):
        ours_t = (r.get("type") or "").split("::")[-1]
        return bool(ours_t) and type_head(t["self_type"]).split("::")[-1] == ours_t

    by_file = {}
    for i, r in enumerate(our_list):
        by_file.setdefault(r["file"], []).append(i)
    used = set()
    per = {}

    def row(pkg):
        return per.setdefault(pkg, {"rows": {"hand": [0, 0], "derive": [0, 0], "macro": [0, 0]},
                                    "misses": [], "false_positives": [], "ours": 0,
                                    "fn_local_unscored": 0, "macro_groups": {}})
    seen = set()
    for t in truth_impls:
        s = t["site"]
        # one impl compiled twice (a crate built for two feature sets) counts once
        k = (s["file"], s["line"], s["col"], t["trait"], t["self_type"], t["kind"])
        if k in seen:
            continue
        seen.add(k)
        p = row(cs.pkg_of(s["file"]))
        match, best = None, -1
        for i in by_file.get(s["file"], []):
            r = our_list[i]
            if site_ok(r, t) and trait_ok(r, t):
                # one invocation makes impls for many types: the one for
                # this type not yet taken, else one not yet taken
                rank = (i not in used) * 2 + same_type(r, t)
                if rank > best:
                    match, best = i, rank
        if t["kind"] in ("derive_extra", "internal"):
            # `#[derive(Parser)]` also implements Args, CommandFactory..:
            # named nowhere, so not asked of us, but right if we say it;
            # likewise a derive a macro writes (rustdoc's span is no
            # derive name: "internal")
            p[t["kind"]] = p.get(t["kind"], 0) + 1
            if match is not None:
                used.add(match)
            continue
        if t["kind"] == "macro":
            g = (s["file"], s["line"], t["trait"])
            p["macro_groups"].setdefault(g, [t, False])
            if match is not None:
                p["macro_groups"][g][1] = True
                used.add(match)
            continue
        p["rows"][t["kind"]][1] += 1
        if match is not None:
            p["rows"][t["kind"]][0] += 1
            used.add(match)
        else:
            p["misses"].append({"kind": t["kind"], "file": s["file"], "line": s["line"],
                                "col": s["col"], "trait": t["trait"], "type": t["self_type"]})
    for i in range(n_top, len(our_list)):
        if i not in used:
            row(cs.pkg_of(our_list[i]["file"]))["fn_local_unscored"] += 1
    for i, r in enumerate(our_list[:n_top]):
        p = row(cs.pkg_of(r["file"]))
        if i not in used and r.get("cfg_off"):
            # an impl we mark as left out of the build that rustc does not
            # have either: no claim about the build, neither right nor wrong
            p["cfg_off_unscored"] = p.get("cfg_off_unscored", 0) + 1
            continue
        p["ours"] += 1
        if i in used:
            continue
        p["false_positives"].append({"file": r["file"], "line": r["line"], "col": r["column"],
                                     "trait": r["trait"], "type": r.get("type", "")})
    for pkg, p in per.items():
        groups = p.pop("macro_groups")
        p["rows"]["macro"] = [sum(1 for g in groups.values() if g[1]), len(groups)]
        for g, (t, ok) in groups.items():
            if not ok:
                p["misses"].append({"kind": "macro", "file": g[0], "line": g[1], "col": t["site"]["col"],
                                    "trait": t["trait"], "type": t["self_type"]})
    return per


def new_call_row():
    return {"total": 0, "correct": 0, "impl_only": 0, "amb_ok": 0, "amb_wrong": 0, "wrong": 0,
            "extra": 0, "missing": 0, "fp_external": 0, "amb_external": 0}


IDENT_AT = re.compile(r"(?:r#)?([A-Za-z_][A-Za-z0-9_]*)")


MACRO_RULES = re.compile(r"\bmacro_rules!\s*[A-Za-z_][A-Za-z0-9_]*\s*([\[({])")


def macro_rules_ranges(lines):
    """(first line, last line) of every `macro_rules!` definition in a file,
    by matching its brackets (strings and comments skipped roughly)."""
    text = "\n".join(lines)
    out = []
    for m in MACRO_RULES.finditer(text):
        depth, i, n = 0, m.start(1), len(text)
        while i < n:
            ch = text[i]
            if ch == "/" and text.startswith("//", i):
                i = text.find("\n", i)
                if i < 0:
                    break
                continue
            if ch == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
                continue
            if ch in "[({":
                depth += 1
            elif ch in "])}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append((text.count("\n", 0, m.start()) + 1, text.count("\n", 0, i) + 1))
    return out


def in_attribute(lines, line, col):
    """Is (line, byte col) inside an attribute `#[..]` (a derive's list, or a
    proc macro's arguments such as clap's `#[arg(short, long)]`)?"""
    if not 0 < line <= len(lines):
        return False
    text = lines[line - 1].encode()[:col - 1].decode("utf-8", "replace")
    for l in range(line - 2, max(-1, line - 8), -1):
        if "#[" in text:
            break
        text = lines[l] + "\n" + text
    if "#[" not in text:
        return False
    head = text[text.rfind("#["):]
    return head.count("[") > head.count("]")


KEYWORDS = {"as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
            "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
            "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
            "true", "type", "unsafe", "use", "where", "while"}


def generated(c, cs, ident_at, in_macro_rules, in_attr):
    """A call that no source text writes, made by a proc macro or a built-in
    derive (`#[derive(Parser)]`, `#[derive(PartialEq)]`, `#[tokio::main]`):
    from a macro expansion (non-root syntax context), outside every
    `macro_rules!` body, and either inside an attribute or at a name that
    is not the callee's; or, from the root context, at a name that is not
    the callee's while the call is method syntax (methods cannot be renamed)
    or sits in a body a macro made, or inside one (the tokens carry spans of
    the macro's input). Kept: calls written in a macro_rules! body; a method
    name passed to a macro_rules! invocation (`primitive_impl!(bool,
    serialize_bool)`); a path call through a renamed import (`use a::f as
    g; g()`); a call written inside a proc macro's input
    (`#[arg(value_parser = f().range(1..))]`)."""
    name = c["callee"].rsplit("::", 1)[-1]
    at = ident_at(c["file"], c["line"], c["col"])
    name_ok = at == name

    def not_a_callee_name(c):
        # a keyword (`async fn main`) or the name a definition declares
        # (`fn main`, `struct Cli`): a macro's output placed there
        return at is None or at in KEYWORDS or ident_at.before(c["file"], c["line"], c["col"]) in (
            "fn", "struct", "enum", "trait", "type", "mod", "const", "static", "union")
    if c["ctx"] != 0:
        if in_macro_rules(c["file"], c["line"]):
            return False
        return in_attr(c["file"], c["line"], c["col"]) or not name_ok
    if name_ok:
        return False
    if c["method_syntax"] or not_a_callee_name(c):
        return True
    # the body, or one that encloses it (a closure, a static in a fn)
    segs = (c["caller"] or "").split("::")
    for i in range(len(segs), 1, -1):
        b = cs.bodies.get("::".join(segs[:i]))
        if b and b["ctx"] != 0:
            return True
    return False


def score_calls(ours, cs, compiled_body, ident_at, in_macro_rules, in_attr):
    # rustc sites: (file, line, col) -> records, over every crate of the set
    sites = {}
    for t in cs.truths:
        for c in t["calls"]:
            sites.setdefault((c["file"], c["line"], c["col"]), []).append(c)
    impl_methods = {}   # hashed trait method path -> implementing methods
    for t in cs.truths:
        for im in t["impls"]:
            k = cs.trait_key(im)
            if not k:
                continue
            for m in im["methods"]:
                impl_methods.setdefault(k + "::" + m["name"], []).append((im, m))
    std_impls = {}      # hashless std trait path -> impls in the set
    for t in cs.truths:
        for im in t["impls"]:
            if not cs.trait_key(im):
                std_impls.setdefault(im["trait"], []).append(im)

    impl_paths = {}     # memo: callee -> our paths of its implementations

    def made_fn(callee):
        """A fn whose body a macro wrote: rustc places the body in the
        macro's definition, so its span says nothing about which expansion
        it is. rustc's own data does: the spans of the invocation's tokens
        inside the bodies of the same impl (`anchors`, root syntax context:
        where the invocation is written) and the type of their `self`
        parameters. A method of an impl a macro wrote (`m::{impl#N}::f`,
        `m::_::{impl#N}::f` inside pin-project's `const _: () = {..}`):
        our method `f` of that self type under module m, narrowed to the
        one whose range holds an anchor; a free fn (`m::f`): our fn of that
        path, narrowed the same way. None unless exactly one is left."""
        p = strip_hash(callee)
        m = re.match(r"^(.*)::\{impl#\d+\}::([A-Za-z_][A-Za-z0-9_]*)$", p)
        if m:
            prefix = callee.rsplit("::", 1)[0] + "::"
            sib = impl_bodies.get(prefix, [])
            # `const _: () = { impl .. }` (pin-project's) is no module
            mod = re.sub(r"::_(#\d+)?(?=::|$)", "", m.group(1))
            cands = made_methods.get((mod, m.group(2)), [])
            tys = {b["self_ty"].split("::")[-1] for b in sib if b.get("self_ty")}
            if tys:
                cands = [e for e in cands if e["path"].rsplit("::", 2)[-2] in tys]
        else:
            if "{" in p:
                return None
            sib = [cs.bodies.get(callee) or {}]
            cands = [e for e in ours.paths.get(p, []) if e["kind"] in FN_KINDS]
        anchors = [a for b in sib for a in b.get("anchors", [])]
        held = [e for e in cands if any(e["file"] == f and e["line"] <= l <= e["end_line"]
                                        for f, l in anchors)]
        if held:
            cands = held
        return cands[0] if len(cands) == 1 else None

    impl_bodies = {}  # "crate[hash]::m::{impl#N}::" -> THIR bodies of its fns
    for b in cs.bodies.values():
        mm = re.match(r"^(.*::\{impl#\d+\}::)[^:]+$", b["defid"])
        if mm:
            impl_bodies.setdefault(mm.group(1), []).append(b)

    made_methods = {}  # (module, name) -> our methods `module::Type::name`
    for e in ours.entities:
        if e["kind"] == "method" and e.get("path", "").count("::") >= 2:
            mod, typ, name = e["path"].rsplit("::", 2)
            made_methods.setdefault((mod, name), []).append(e)

    def expected(recs):
        """our paths for rustc's callee, acceptable extras (implementations
        of that trait method), callees we have no entity for"""
        exp, acc, missing_def = set(), set(), []
        for c in recs:
            d = cs.def_of(c["callee"])
            ent = ours.fn_at(d["file"], d["line"], d["name"]) if d else None
            if ent is None and d and d.get("ctx"):
                ent = made_fn(c["callee"])
            if ent is None:
                missing_def.append(strip_hash(c["callee"]))
                continue
            exp.add(ent["path"])
            if c["callee"] not in impl_paths:
                # impl_method: a macro-made impl's method too (its body is
                # in the macro's definition, ours at the invocation)
                impl_paths[c["callee"]] = {e2["path"] for e2 in (
                    impl_method(im, m) for im, m in impl_methods.get(c["callee"], []))
                    if e2}
            acc |= impl_paths[c["callee"]]
        return exp, acc, missing_def

    def impl_method(im, m):
        """Our method m of truth impl im: at its body, or, for an impl a
        macro wrote (rustc places the body in the macro's definition), the
        method of that name and type within the invocation, where ours is
        (one invocation makes the methods of several types: by type first)."""
        if im["kind"] == "macro":
            s, head = im["site"], type_head(im["self_type"])
            for x in ours.by_file.get(s["file"], []):
                if x["kind"] == "method" and x["name"] == m["name"] and \
                        s["line"] <= x["line"] <= s["end_line"] and \
                        x["path"].rsplit("::", 2)[-2:-1] == [head]:
                    return x
        return ours.fn_at(m["file"], m["line"], m["name"])

    def std_trait_impl_ok(recs, tos):
        """rustc calls a std trait method (`FromStr::from_str`, `Extend::extend`)
        with a concrete Self whose impl is in the set: naming that impl's
        method is right. A site in a macro body is every expansion's: the
        impls of each record of the site."""
        ok = set()
        for c in recs:
            callee = strip_hash(c["callee"])
            if not c.get("self_subst") or "::" not in callee:
                continue
            tpath, name = callee.rsplit("::", 1)
            head = type_head(re.sub(r"'\S+ |'\{erased\} ", "", c["self_subst"]))
            for im in std_impls.get(tpath, []):
                if type_head(im["self_type"]) != head:
                    continue
                for m in im["methods"]:
                    if m["name"] == name:
                        e = impl_method(im, m)
                        if e:
                            ok.add(e["path"])
        return bool(tos) and tos <= ok

    per = {}     # pkg -> cat -> row ("cross" is the subset of calls into another package)
    misses = {}  # pkg -> cat -> [..]
    fps, spurious, local_sites = {}, {}, []

    def prow(pkg, cat):
        d = per.setdefault(pkg, {c: new_call_row() for c in CATS + ["unknown", "cross", "generated"]})
        return d[cat]

    for key, recs0 in sites.items():
        pkg = cs.pkg_of(key[0])
        recs = [c for c in recs0 if not generated(c, cs, ident_at, in_macro_rules, in_attr)]
        if not recs:
            if any(c["crate"] in cs.crate_ids for c in recs0):
                r_ = prow(pkg, "generated")
                r_["total"] += 1
                if ours.calls.get(key):
                    r_["wrong"] += 1
            continue
        inset = [c for c in recs if c["crate"] in cs.crate_ids]
        cat = cs.category((inset or recs)[0])
        got = ours.calls.get(key, [])
        tos = {t for t, _ in got}
        amb = any(a for _, a in got)
        if not inset:
            if got and not amb and std_trait_impl_ok(recs, tos):
                r_ = prow(pkg, cat)
                r_["ok_std_impl"] = r_.get("ok_std_impl", 0) + 1
                continue
            if got and compiled_body(key[0], key[1]):
                k = "amb_external" if amb else "fp_external"
                prow(pkg, cat)[k] += 1
                # an answer in another crate where rustc calls std: a false
                # cross-crate edge
                if any(cs.pkg_of(e["file"]) != pkg for t_ in tos for e in ours.paths.get(t_, [])
                       if e["file"]):
                    prow(pkg, "cross")[k] += 1
                fps.setdefault(pkg, []).append({"file": key[0], "line": key[1], "col": key[2], "category": cat,
                                                "expected": strip_hash(recs[0]["callee"]),
                                                "ours": sorted(tos), "ambiguous": amb})
            continue
        # one callee per site, the first crate's (a site in a macro body
        # expanded by several crates may name several: all are expected)
        exp, acc, missing_def = expected(inset)
        defs = [cs.def_of(c["callee"]) for c in inset]
        cross = any(d and cs.pkg_of(d["file"]) != pkg for d in defs) or \
            any(not d and cs.crate_pkg.get(c["crate"]) != pkg for c, d in zip(inset, defs))
        local_sites.append((key, inset, exp, acc, cat, cross, pkg))
        if not got:
            outcome = "missing"
        elif amb:
            outcome = "amb_ok" if tos & exp else "amb_wrong"
        elif tos & exp:
            outcome = "correct" if tos <= exp | acc else "extra"
        elif tos <= acc and tos:
            outcome = "impl_only"
        else:
            outcome = "wrong"
        for c_ in [cat] + (["cross"] if cross else []):
            p = prow(pkg, c_)
            p["total"] += 1
            p[outcome] += 1
        if outcome != "correct":
            misses.setdefault(pkg, {}).setdefault(cat, []).append({
                "file": key[0], "line": key[1], "col": key[2], "outcome": outcome,
                "expected": sorted(exp) or [strip_hash(c["callee"]) for c in inset],
                "rustc": strip_hash(inset[0]["callee"]), "receiver": inset[0]["receiver"],
                "self_subst": inset[0]["self_subst"], "caller": strip_hash(inset[0]["caller"]),
                "caller_raw": inset[0]["caller"],
                "cross": cross, "ours": sorted(tos), "missing_entity": missing_def})
    # our CALLS sites where rustc has no call at all, inside compiled bodies
    for key, got in ours.calls.items():
        if key in sites or not compiled_body(key[0], key[1]):
            continue
        pkg = cs.pkg_of(key[0])
        amb = any(a for _, a in got)
        prow(pkg, "unknown")["amb_wrong" if amb else "wrong"] += 1
        spurious.setdefault(pkg, []).append({"file": key[0], "line": key[1], "col": key[2],
                                             "ours": sorted({t for t, _ in got}), "ambiguous": amb})
    return per, misses, fps, spurious, local_sites


def score_definition(lsp, root, ours, local_sites):
    params = []
    for (f, l, c), recs, exp, acc, cat, cross, pkg in local_sites:
        params.append({"textDocument": {"uri": "file://" + os.path.join(os.path.realpath(root), f)},
                       "position": {"line": l - 1, "character": c - 1}})
    answers = []
    for i in range(0, len(params), 2000):
        answers += lsp.batch("textDocument/definition", params[i:i + 2000])

    per, misses = {}, {}
    rootu = "file://" + os.path.realpath(root) + "/"
    for (key, recs, exp, acc, cat, cross, pkg), ans in zip(local_sites, answers):
        d = per.setdefault(pkg, {c: {"total": 0, "correct": 0, "ambiguous": 0, "wrong": 0, "missing": 0}
                                 for c in CATS + ["cross"]})
        res = (ans or {}).get("result")
        if isinstance(res, dict):
            res = [res]
        locs = []
        for loc in res or []:
            uri = loc.get("uri") or loc.get("targetUri", "")
            rng = loc.get("range") or loc.get("targetSelectionRange") or {}
            if uri.startswith(rootu):
                locs.append((uri[len(rootu):], rng.get("start", {}).get("line", -1) + 1))
            else:
                locs.append((uri, -1))
        ents = [e for p_ in exp for e in ours.paths.get(p_, [])]
        also = [e for p_ in acc for e in ours.paths.get(p_, [])]   # implementations: right in addition
        within = lambda l, es: any(e["file"] == l[0] and e["line"] <= l[1] <= e["end_line"] for e in es)
        hit = [l for l in locs if within(l, ents)]
        extra = [l for l in locs if not within(l, ents) and not within(l, also)]
        if not locs:
            o = "missing"
        elif hit and not extra:
            o = "correct"
        elif hit:
            o = "ambiguous"
        else:
            o = "wrong"
        for c_ in [cat] + (["cross"] if cross else []):
            d[c_]["total"] += 1
            d[c_][o] += 1
        ms = misses.setdefault(pkg, [])
        if o != "correct" and len(ms) < 2000:
            ms.append({"file": key[0], "line": key[1], "col": key[2], "category": cat, "outcome": o,
                       "cross": cross, "expected": sorted(exp) or [strip_hash(recs[0]["callee"])],
                       "ours": ["%s:%d" % l for l in locs]})
    return per, misses


def score_references(ours, cs, local_sites, budget):
    """For every function rustc sees called: the share of its call sites
    among `query references` of its definition. `budget` caps the number of
    functions asked (one process each), taken in a fixed order (sorted by
    path): the figures then say how many were asked."""
    by_callee = {}
    for key, recs, exp, acc, cat, cross, pkg in local_sites:
        for p in exp:
            by_callee.setdefault(p, set()).add(key)
    per = {}
    # a position that starts several of our entities (the fns one macro
    # invocation defines) does not say which: ask those by their path
    # when it names one entity
    at = {}
    for e in ours.entities:
        at[(e["file"], e["line"], e["column"])] = at.get((e["file"], e["line"], e["column"]), 0) + 1
    asked = 0
    for path, keys in sorted(by_callee.items()):
        if budget is not None and asked >= budget:
            break
        asked += 1
        ents = ours.paths.get(path, [])
        got = set()
        for e in ents:
            target = "%s:%d:%d" % (e["file"], e["line"], e["column"])
            if at[(e["file"], e["line"], e["column"])] > 1 and len(ents) == 1:
                target = path
            q = ours.query("references", target, "--limit", "1000000")
            for r in (q or {}).get("results", []):
                for s in r.get("sites", []):
                    got.add((s["file"], s["line"], s["column"]))
        pkg = cs.pkg_of(ents[0]["file"]) if ents else None
        miss = sorted(keys - got)
        # counted for the package that defines the function
        d = per.setdefault(pkg, {"sites": 0, "covered": 0, "functions": 0, "functions_full": 0,
                                 "misses": []})
        d["functions"] += 1
        d["sites"] += len(keys)
        d["covered"] += len(keys) - len(miss)
        if not miss:
            d["functions_full"] += 1
        for m in miss:
            if len(d["misses"]) < 400:
                d["misses"].append({"callee": path, "file": m[0], "line": m[1], "col": m[2]})
    return per, asked, len(by_callee)


def score_variants(ours, cs, compiled):
    """Enum variants: is each variant rustdoc lists an entity of ours (at its
    site), and is each use rustc sees (expression or pattern, written
    outside macro bodies) an edge of ours to that variant — or, failing
    that, to its enum."""
    per = {}

    def row(pkg):
        return per.setdefault(pkg, {"defs": [0, 0], "uses": [0, 0], "uses_enum": 0, "uses_in_macros": 0,
                                    "def_misses": [], "use_misses": []})

    def variant_ent(v):
        for e in ours.by_file.get(v["file"], []):
            if (e["kind"] in VARIANT_KINDS or "variant" in e["kind"]) and e["name"] == v["name"] and \
                    e["line"] <= v["line"] <= e["end_line"]:
                return e
        return None

    def enum_ent(v):
        best = None
        for e in ours.by_file.get(v["file"], []):
            if e["kind"] == "enum" and e["line"] <= v["line"] <= e["end_line"]:
                if best is None or e["line"] >= best["line"]:
                    best = e
        return best

    ents = {}
    for path, v in cs.variants.items():
        if not compiled(v["file"], v["line"]):
            continue
        e = variant_ent(v)
        ents[path] = (e, enum_ent(v))
        r = row(cs.pkg_of(v["file"]))
        r["defs"][1] += 1
        if e:
            r["defs"][0] += 1
        else:
            r["def_misses"].append({"file": v["file"], "line": v["line"], "col": v["col"], "variant": path})
    edges_at = {}
    for e in ours.edges:
        if e["kind"] in ("USES", "CALLS", "CONTAINS"):
            edges_at.setdefault((e["file"], e["line"]), set()).add(e["to"])
    seen = set()
    for t in cs.truths:
        for u in t["variant_uses"]:
            path = strip_hash(u["variant"])
            if path not in ents:
                continue
            k = (u["file"], u["line"], u["col"], path)
            if k in seen:
                continue
            seen.add(k)
            r = row(cs.pkg_of(u["file"]))
            if u["ctx"] != 0:
                r["uses_in_macros"] += 1
                continue
            ve, ee = ents[path]
            tos = edges_at.get((u["file"], u["line"]), set())
            r["uses"][1] += 1
            if ve and ve["path"] in tos:
                r["uses"][0] += 1
                continue
            if ee and ee["path"] in tos:
                r["uses_enum"] += 1
            if len(r["use_misses"]) < 2000:
                r["use_misses"].append({"file": u["file"], "line": u["line"], "col": u["col"],
                                        "variant": path, "pattern": u["pattern"],
                                        "enum_edge": bool(ee and ee["path"] in tos)})
    return per


# ------------------------------------------------------------- Cargo's graph

def dep_closure(cs):
    """package id -> packages its lib/bin code may name, and packages its
    tests/examples/benches may name, and its build script: the dependency
    closure (first hop by the file's target kind, then normal deps). A
    package's declared dev-dependencies count for its tests when they are
    in the folder (cargo resolves them for the root package only)."""
    normal = {p["id"]: [d["pkg"] for d in p["deps"] if "normal" in d["kinds"]] for p in cs.packages}

    def closure(starts):
        seen, todo = set(), list(starts)
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            todo.extend(normal.get(x, []))
        return seen
    by_name = {}
    for p in cs.packages:
        by_name.setdefault(p["name"], []).append(p["id"])
    out = {}
    for p in cs.packages:
        first = {k: [d["pkg"] for d in p["deps"] if set(d["kinds"]) & ks]
                 for k, ks in (("lib", {"normal"}), ("dev", {"normal", "dev"}), ("build", {"build"}))}
        for n in p.get("dev_names", []):
            first["dev"] += by_name.get(n, [])
        out[p["id"]] = {k: closure(v) | {p["id"]} for k, v in first.items()}
    return out


def file_target(cs, pkg, file):
    p = cs.pkg_by_id[pkg]
    rel = file[len(p["prefix"]):]
    if p.get("build") and rel == p["build"]:
        return "build"
    if rel.split("/")[0] in ("tests", "examples", "benches"):
        return "dev"
    return "lib"


def score_dep_edges(ours, cs):
    """Our edges from an entity of one package to an entity of another that
    Cargo's graph gives no dependency path to."""
    clo = dep_closure(cs)

    def reach(pkg, file):
        """What code of pkg in file (its target: lib, bin, test...) may name."""
        return clo.get(pkg, {}).get(file_target(cs, pkg, file) if file else "lib", set())

    ent_pkgs, ent_file = {}, {}
    for e in ours.entities:
        if e.get("external") or not e["file"]:
            continue
        ent_pkgs.setdefault(e["path"], set()).add(cs.pkg_of(e["file"]))
        ent_file.setdefault(e["path"], e["file"])
    out = {"edges": 0, "cross_package": 0, "no_path": 0, "no_path_ambiguous": 0, "by_kind": {},
           "pairs": {}, "examples": []}
    for e in ours.edges:
        if e["kind"] == "CONTAINS":
            continue
        out["edges"] += 1
        src_pkgs = ent_pkgs.get(e["from"], set())
        dst_pkgs = ent_pkgs.get(e["to"], set())
        if not src_pkgs or not dst_pkgs:
            continue
        spkg = cs.pkg_of(e["file"]) if e.get("file") else next(iter(src_pkgs))
        tfile = e.get("file")
        if e["kind"] in ("IMPL", "DEFINES") and spkg is not None:
            # written at the impl: its crate names the self type (the
            # edge's source, often another crate's: impl Tr for Span) and
            # what it defines, so each end must be its own or a dependency
            allowed = reach(spkg, tfile)
            if src_pkgs == {spkg} and dst_pkgs == {spkg}:
                continue
            out["cross_package"] += 1
            bad = [x for x in (src_pkgs, dst_pkgs) if spkg not in x and not x & allowed]
            if not bad:
                continue
            dst_pkgs = bad[0]
        elif spkg not in src_pkgs:
            # a call written in another crate's macro_rules! body is the
            # code of the crate that expands it: the caller's
            tfile = ent_file.get(e["from"])
            spkg = cs.pkg_of(tfile)
        if e["kind"] not in ("IMPL", "DEFINES") or spkg is None:
            if spkg is None or dst_pkgs == {spkg}:
                continue
            out["cross_package"] += 1
            allowed = reach(spkg, tfile)
            if dst_pkgs & allowed:
                continue
        if e.get("ambiguous"):
            out["no_path_ambiguous"] += 1
        else:
            out["no_path"] += 1
        out["by_kind"][e["kind"]] = out["by_kind"].get(e["kind"], 0) + 1
        pair = "%s -> %s" % (spkg, ",".join(sorted(x or "?" for x in dst_pkgs)))
        out["pairs"][pair] = out["pairs"].get(pair, 0) + 1
        if len(out["examples"]) < 2000:
            out["examples"].append({"file": e.get("file"), "line": e.get("line"), "col": e.get("column"),
                                    "kind": e["kind"], "from": e["from"], "to": e["to"],
                                    "ambiguous": bool(e.get("ambiguous")),
                                    "from_pkg": spkg, "to_pkgs": sorted(x or "?" for x in dst_pkgs)})
    return out


def score_module_cycles(ours, cs):
    q = ours.query("find-cycles", "--level", "module", "--limit", "100000")
    res = (q or {}).get("results", [])
    spanning = []
    for c in res:
        pkgs = set()
        for m in c.get("members", []):
            for e in ours.paths.get(m, []):
                if e["file"]:
                    pkgs.add(cs.pkg_of(e["file"]))
        if len(pkgs) > 1:
            spanning.append({"size": c.get("size"), "packages": sorted(x or "?" for x in pkgs),
                             "members": c.get("members", [])[:10]})
    return {"cycles": len(res), "spanning_packages": len(spanning), "examples": spanning[:50]}


def main():
    binary, spec_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(spec_path) as f:
        spec = json.load(f)
    root = os.path.realpath(spec["root"])
    cs = CrateSet(spec)
    db = os.path.join(out_dir, "db")
    subprocess.run(["rm", "-rf", db])
    t0 = time.time()
    ours = Ours(binary, root, db)
    t_export = time.time() - t0
    files = {f for t in cs.truths for f in t["files"]}
    lines_cache = {}

    def src_lines(rel):
        if rel not in lines_cache:
            try:
                with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                    lines_cache[rel] = f.read().split("\n")
            except OSError:
                lines_cache[rel] = []
        return lines_cache[rel]

    merged = {"items": [i for t in cs.truths for i in t["items"]],
              "bodies": [b for t in cs.truths for b in t["bodies"]]}
    inactive = cfg_inactive_ranges(ours, merged, src_lines)

    def compiled(f, l):
        return f in files and not any(a <= l <= b for a, b in inactive.get(f, []))

    bodies = {}
    for b in merged["bodies"]:
        bodies.setdefault(b["file"], []).append((b["line"], b["end_line"]))

    def compiled_body(f, l):
        return compiled(f, l) and any(a <= l <= b for a, b in bodies.get(f, []))

    # Our calls from code rustc did not compile (a cfg(test) module, an
    # example, a test crate) are not scored: a call written in a
    # macro_rules! body is expanded there too, at the same site as in the
    # compiled expansions, and rustc's truth knows only those.
    caller_ok = {}

    def caller_compiled(path):
        if path not in caller_ok:
            caller_ok[path] = any(compiled(e["file"], e["line"])
                                  for e in ours.paths.get(path, []) if e.get("file"))
        return caller_ok[path]
    ours.calls = {}
    for e in ours.edges:
        if e["kind"] == "CALLS" and caller_compiled(e["from"]):
            ours.calls.setdefault((e["file"], e["line"], e["column"]), []).append(
                (e["to"], bool(e.get("ambiguous"))))

    timing = {"onboard_export_s": round(t_export, 1), "onboard_s": round(ours.onboard_s, 1)}
    t0 = time.time()
    impls = score_impls(ours, cs, compiled, src_lines)
    timing["impls_s"] = round(time.time() - t0, 1)
    t0 = time.time()
    def ident_at(f, l, c):
        ls = src_lines(f)
        if not 0 < l <= len(ls):
            return None
        m = IDENT_AT.match(ls[l - 1].encode()[c - 1:].decode("utf-8", "replace"))
        return m.group(1) if m else None

    def word_before(f, l, c):
        ls = src_lines(f)
        if not 0 < l <= len(ls):
            return None
        m = re.search(r"([A-Za-z_]+)\s+$", ls[l - 1].encode()[:c - 1].decode("utf-8", "replace"))
        return m.group(1) if m else None
    ident_at.before = word_before

    mr_cache = {}

    def in_macro_rules(f, l):
        if f not in mr_cache:
            mr_cache[f] = macro_rules_ranges(src_lines(f))
        return any(a <= l <= b for a, b in mr_cache[f])

    def in_attr(f, l, c):
        return in_attribute(src_lines(f), l, c)

    per, misses, fps, spurious, local_sites = score_calls(ours, cs, compiled_body, ident_at,
                                                          in_macro_rules, in_attr)
    for pkg, bycat in misses.items():
        for cat, ms in bycat.items():
            for m in ms:
                b = cs.bodies.get(m.pop("caller_raw", None))
                m["cause"] = likely_cause(cat, m, src_lines, ours, compiled, b["line"] if b else None)
    timing["calls_s"] = round(time.time() - t0, 1)
    t0 = time.time()
    lsp = Lsp(binary, root, db)
    try:
        dper, dmisses = score_definition(lsp, root, ours, local_sites)
    finally:
        lsp.close()
    timing["definition_s"] = round(time.time() - t0, 1)
    t0 = time.time()
    budget = os.environ.get("ACC_REFS_MAX")
    refs, asked, nfns = score_references(ours, cs, local_sites, int(budget) if budget else None)
    timing["references_s"] = round(time.time() - t0, 1)
    variants = score_variants(ours, cs, compiled)
    setlevel = {}
    if spec["kind"] == "graph":
        setlevel["dep_edges"] = score_dep_edges(ours, cs)
        setlevel["module_cycles"] = score_module_cycles(ours, cs)
    pkgs = {}
    for p in cs.packages:
        pid = p["id"]
        pfile_refs = refs.get(pid, {"sites": 0, "covered": 0, "functions": 0, "functions_full": 0,
                                    "misses": []})
        empty_calls = {c: new_call_row() for c in CATS + ["unknown", "cross", "generated"]}
        pkgs[pid] = {"impls": impls.get(pid, {"rows": {"hand": [0, 0], "derive": [0, 0], "macro": [0, 0]},
                                              "misses": [], "false_positives": [], "ours": 0,
                                              "fn_local_unscored": 0}),
                     "calls": per.get(pid, empty_calls),
                     "call_misses": misses.get(pid, {}),
                     "call_fp_external": fps.get(pid, []), "call_spurious": spurious.get(pid, []),
                     "definition": dper.get(pid, {c: {"total": 0, "correct": 0, "ambiguous": 0, "wrong": 0,
                                                     "missing": 0} for c in CATS + ["cross"]}),
                     "definition_misses": dmisses.get(pid, []), "references": pfile_refs,
                     "variants": variants.get(pid, {"defs": [0, 0], "uses": [0, 0], "uses_enum": 0,
                                                    "uses_in_macros": 0, "def_misses": [], "use_misses": []}),
                     "name": p["name"], "version": p.get("version", "")}
    dup = sum(1 for p, es in ours.paths.items() if len(es) > 1 and any(e["kind"] in FN_KINDS for e in es))
    out = {"set": spec["name"], "kind": spec["kind"], "packages": pkgs, "set_level": setlevel,
           "references_asked": [asked, nfns], "duplicate_fn_paths": dup, "timing": timing,
           "entities": len(ours.entities), "edges": len(ours.edges),
           "rustc": cs.truths[0]["rustc"] if cs.truths else ""}
    with open(os.path.join(out_dir, "score.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
