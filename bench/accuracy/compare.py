"""Ask Parseltongue about one crate and score its answers against the truth
written by truth.py. Writes CACHE/<crate>/score.json.

usage: compare.py BINARY CRATE_DIR CACHE_DIR
"""
import json
import os
import re
import subprocess
import sys
import threading

CATS = ["path", "self", "other", "trait_bound", "macro"]
FN_KINDS = {"function", "method"}


def run(binary, *args):
    r = subprocess.run([binary] + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


# ------------------------------------------------------------- our graph

class Ours:
    def __init__(self, binary, crate_dir, db):
        self.binary, self.dir, self.db = binary, crate_dir, db
        rc, out, err = run(binary, "onboard", crate_dir, "--db", db, "--quiet")
        if rc != 0:
            raise SystemExit("onboard failed (%d): %s" % (rc, err[-1000:]))
        rc, out, err = run(binary, "export", "--format", "json", "--db", db)
        if rc != 0:
            raise SystemExit("export failed (%d): %s" % (rc, err[-1000:]))
        g = json.loads(out)
        self.entities = g["entities"]
        self.edges = g["edges"]
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
        (innermost)."""
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
    return all(x in it for x in a[1:-1])


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


def binding_of(ls, line, x):
    for l in range(line - 1, max(-1, line - 200), -1):
        txt = ls[l] if l < len(ls) else ""
        for name, pat in BINDINGS:
            if re.search(pat.format(x=re.escape(x)), txt):
                return name
    return "binding not found"


def likely_cause(cat, m, src_lines, ours, compiled):
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
        return pre + binding_of(ls, m["line"], r)
    if re.match(r"^self(\.\w+)+$", r):
        return "`self.field.m()`" + (" (field type generic / via Deref)" if cat == "trait_bound" else "")
    if re.match(r"^[A-Za-z_]\w*(\.\w+)+$", r):
        return "`x.field.m()`, x " + binding_of(ls, m["line"], r.split(".")[0])
    if r.endswith(")"):
        return "`a.f().m()` (return type of a call)"
    if r.endswith("]"):
        return "`a[i].m()` (element type)"
    if r.startswith(("*", "(*", "(&", "&")):
        return "`(*x).m()` / `(&x).m()`"
    return "other receiver expression"


# ------------------------------------------------------------- scoring

def score_impls(ours, truth, compiled):
    truth_impls = [i for i in truth["impls"] if i["kind"] in ("hand", "derive", "macro")]
    names = {i["trait_name"] for i in truth_impls}
    for e in ours.edges:
        if e["kind"] == "IMPL":
            src = ours.paths.get(e["from"], [{}])[0]
            if src.get("kind") not in FN_KINDS:
                names.add(e["to"].split("::")[-1])
    results = {}
    for n in sorted(names):
        q = ours.query("what-implements", n, "--limit", "100000")
        for r in (q or {}).get("results", []):
            if "trait" not in r:
                continue
            key = (r["file"], r["line"], r["column"], r["trait"], r.get("type", ""))
            results[key] = r
    def in_fn(r):
        return any(e["kind"] in FN_KINDS and e["line"] < r["line"] <= e["end_line"]
                   for e in ours.by_file.get(r["file"], []))

    def is_trait_item(r):
        # `type Err = ..` in an impl answers "what implements Visitor::Err":
        # an associated item, not a trait impl
        return any(x["kind"] != "trait" for x in ours.paths.get(r["trait"], []))

    cand = [r for r in results.values() if compiled(r["file"], r["line"]) and not is_trait_item(r)]
    # rustdoc lists no item declared inside a function body: such impls are
    # neither scored nor counted against us
    fn_local = [r for r in cand if in_fn(r)]
    our_list = [r for r in cand if not in_fn(r)]

    def trait_ok(r, t):
        if t["trait_local"]:
            d = t.get("trait_def")
            tents = ours.paths.get(r["trait"], [])
            return any(d and x["file"] == d["file"] and x["line"] <= d["line"] <= x["end_line"] for x in tents)
        return external_trait_matches(r["trait"], t["trait"])

    def site_ok(r, t):
        s = t["site"]
        if r["file"] != s["file"]:
            return False
        if t["kind"] == "derive":
            return r["line"] == s["line"] and r["column"] == s["col"]
        if t["kind"] == "hand":
            return s["line"] <= r["line"] <= max(s["line"], min(s["end_line"], s["line"] + 3)) or \
                (r["line"] <= s["line"] <= r.get("end_line", r["line"]))
        return s["line"] <= r["line"] <= s["end_line"]

    used = set()
    rows = {"hand": [0, 0], "derive": [0, 0], "macro": [0, 0]}
    misses = []
    macro_groups = {}
    for t in truth_impls:
        match = None
        for i, r in enumerate(our_list):
            if site_ok(r, t) and trait_ok(r, t):
                if t["kind"] != "macro" and type_head(r.get("type", "")) != type_head(t["self_type"]) \
                        and type_head(t["self_type"]) not in ("", "?"):
                    # a wrong self type at the right site is still a miss
                    pass
                match = i
                break
        if t["kind"] == "macro":
            g = (t["site"]["file"], t["site"]["line"], t["trait"])
            macro_groups.setdefault(g, [t, False])
            if match is not None:
                macro_groups[g][1] = True
                used.add(match)
            continue
        rows[t["kind"]][1] += 1
        if match is not None:
            rows[t["kind"]][0] += 1
            used.add(match)
        else:
            misses.append({"kind": t["kind"], "file": t["site"]["file"], "line": t["site"]["line"],
                           "col": t["site"]["col"], "trait": t["trait"], "type": t["self_type"]})
    macro_hit = sum(1 for g in macro_groups.values() if g[1])
    rows["macro"] = [macro_hit, len(macro_groups)]
    for g, (t, ok) in macro_groups.items():
        if not ok:
            misses.append({"kind": "macro", "file": g[0], "line": g[1], "col": t["site"]["col"],
                           "trait": t["trait"], "type": t["self_type"]})
    fps = []
    for i, r in enumerate(our_list):
        if i in used:
            continue
        # a second answer at a site that was matched is not an error
        # when it names the same impl (our what-implements may list an impl
        # under several trait names); anything else is a false positive
        fps.append({"file": r["file"], "line": r["line"], "col": r["column"], "trait": r["trait"],
                    "type": r.get("type", "")})
    return {"rows": rows, "ours": len(our_list), "false_positives": fps, "misses": misses,
            "fn_local_unscored": len(fn_local),
            "macro_impls": sum(1 for i in truth_impls if i["kind"] == "macro"),
            "skipped": {k: sum(1 for i in truth["impls"] if i["kind"] == k)
                        for k in ("internal", "nospan")}}


def score_calls(ours, truth, compiled_body):
    # rustc sites: (file, line, col) -> records
    sites = {}
    for c in truth["calls"]:
        sites.setdefault((c["file"], c["line"], c["col"]), []).append(c)
    impl_methods = truth["impl_methods"]

    def expected(recs):
        """expected our-paths, acceptable extras, category, notes"""
        exp, acc, missing_def = set(), set(), []
        for c in recs:
            if not c["local"]:
                continue
            d = c["def"]
            ent = ours.fn_at(d["file"], d["line"], d["name"]) if d else None
            if ent is None:
                missing_def.append(c["callee"])
                continue
            exp.add(ent["path"])
            for m in impl_methods.get(c["callee"], []):
                e2 = ours.fn_at(m["file"], m["line"], m["name"])
                if e2:
                    acc.add(e2["path"])
        return exp, acc, missing_def

    def std_trait_impl_ok(c, tos):
        """rustc calls a std trait method (`FromStr::from_str`, `Extend::extend`)
        with a concrete Self whose impl is in the crate: naming that impl's
        method is right."""
        if not c.get("self_subst") or "::" not in c["callee"]:
            return False
        tpath, name = c["callee"].rsplit("::", 1)
        head = type_head(re.sub(r"'\S+ |'\{erased\} ", "", c["self_subst"]))
        ok = set()
        for im in truth["impls"]:
            if im["trait"] != tpath or type_head(im["self_type"]) != head:
                continue
            for m in im["methods"]:
                if m["name"] == name:
                    e = ours.fn_at(m["file"], m["line"], m["name"])
                    if e:
                        ok.add(e["path"])
        return bool(tos) and tos <= ok

    per = {c: {"total": 0, "correct": 0, "impl_only": 0, "amb_ok": 0, "amb_wrong": 0, "wrong": 0,
               "extra": 0, "missing": 0, "fp_external": 0, "amb_external": 0}
           for c in CATS + ["unknown"]}
    misses = {c: [] for c in CATS}
    fps = []
    local_sites = []
    for key, recs in sites.items():
        local = [c for c in recs if c["local"]]
        cat = (local or recs)[0]["category"]
        got = ours.calls.get(key, [])
        tos = {t for t, _ in got}
        amb = any(a for _, a in got)
        if not local:
            if got and not amb and any(std_trait_impl_ok(r, tos) for r in recs):
                per[cat]["ok_std_impl"] = per[cat].get("ok_std_impl", 0) + 1
                continue
            if got and compiled_body(key[0], key[1]):
                k = "amb_external" if amb else "fp_external"
                per[cat][k] += 1
                fps.append({"file": key[0], "line": key[1], "col": key[2], "category": cat,
                            "expected": recs[0]["callee"], "ours": sorted(tos), "ambiguous": amb})
            continue
        exp, acc, missing_def = expected(local)
        local_sites.append((key, local, exp, acc))
        p = per[cat]
        p["total"] += 1
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
        p[outcome] += 1
        if outcome not in ("correct",):
            misses[cat].append({"file": key[0], "line": key[1], "col": key[2], "outcome": outcome,
                                "expected": sorted(exp) or [c["callee"] for c in local],
                                "rustc": local[0]["callee"], "receiver": local[0]["receiver"],
                                "self_subst": local[0]["self_subst"], "caller": local[0]["caller"],
                                "ours": sorted(tos), "missing_entity": missing_def})
    # our CALLS sites where rustc has no call at all, inside compiled bodies
    spurious = []
    for key, got in ours.calls.items():
        if key in sites or not compiled_body(key[0], key[1]):
            continue
        amb = any(a for _, a in got)
        if not amb:
            per["unknown"]["wrong"] += 1
        else:
            per["unknown"]["amb_wrong"] += 1
        spurious.append({"file": key[0], "line": key[1], "col": key[2], "ours": sorted({t for t, _ in got}),
                         "ambiguous": amb})
    return per, misses, fps, spurious, local_sites


def score_definition(lsp, crate_dir, ours, local_sites):
    params = []
    for (f, l, c), recs, exp, acc in local_sites:
        params.append({"textDocument": {"uri": "file://" + os.path.join(os.path.realpath(crate_dir), f)},
                       "position": {"line": l - 1, "character": c - 1}})
    answers = lsp.batch("textDocument/definition", params) if params else []

    per = {c: {"total": 0, "correct": 0, "ambiguous": 0, "wrong": 0, "missing": 0} for c in CATS}
    misses = []
    root = "file://" + os.path.realpath(crate_dir) + "/"
    for (key, recs, exp, acc), ans in zip(local_sites, answers):
        cat = recs[0]["category"]
        p = per[cat]
        p["total"] += 1
        res = (ans or {}).get("result")
        if isinstance(res, dict):
            res = [res]
        locs = []
        for loc in res or []:
            uri = loc.get("uri") or loc.get("targetUri", "")
            rng = loc.get("range") or loc.get("targetSelectionRange") or {}
            if uri.startswith(root):
                locs.append((uri[len(root):], rng.get("start", {}).get("line", -1) + 1))
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
        p[o] += 1
        if o != "correct" and len(misses) < 400:
            misses.append({"file": key[0], "line": key[1], "col": key[2], "category": cat, "outcome": o,
                           "expected": sorted(exp) or [recs[0]["callee"]],
                           "ours": ["%s:%d" % l for l in locs]})
    return per, misses


def score_references(ours, local_sites):
    by_callee = {}
    for key, recs, exp, acc in local_sites:
        for p in exp:
            by_callee.setdefault(p, set()).add(key)
    total = covered = fns = fns_full = 0
    misses = []
    # a position that starts several of our entities (the fns one macro
    # invocation defines) does not say which: ask those by their path
    # when it names one entity
    at = {}
    for e in ours.entities:
        at[(e["file"], e["line"], e["column"])] = at.get((e["file"], e["line"], e["column"]), 0) + 1
    for path, keys in sorted(by_callee.items()):
        ents = ours.paths.get(path, [])
        got = set()
        for e in ents:
            target = "%s:%d:%d" % (e["file"], e["line"], e["column"])
            if at[(e["file"], e["line"], e["column"])] > 1 and len(ents) == 1:
                target = path
            q = ours.query("references", target, "--limit", "100000")
            for r in (q or {}).get("results", []):
                for s in r.get("sites", []):
                    got.add((s["file"], s["line"], s["column"]))
        fns += 1
        miss = sorted(keys - got)
        total += len(keys)
        covered += len(keys) - len(miss)
        if not miss:
            fns_full += 1
        for m in miss:
            if len(misses) < 400:
                misses.append({"callee": path, "file": m[0], "line": m[1], "col": m[2]})
    return {"sites": total, "covered": covered, "functions": fns, "functions_full": fns_full,
            "misses": misses}


def main():
    binary, crate_dir, cache = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
    with open(os.path.join(cache, "truth.json")) as f:
        truth = json.load(f)
    db = os.path.join(cache, "db")
    subprocess.run(["rm", "-rf", db])
    ours = Ours(binary, crate_dir, db)
    files = set(truth["files"])
    lines_cache = {}

    def src_lines(rel):
        if rel not in lines_cache:
            try:
                with open(os.path.join(crate_dir, rel), encoding="utf-8", errors="replace") as f:
                    lines_cache[rel] = f.read().split("\n")
            except OSError:
                lines_cache[rel] = []
        return lines_cache[rel]

    inactive = cfg_inactive_ranges(ours, truth, src_lines)

    def compiled(f, l):
        return f in files and not any(a <= l <= b for a, b in inactive.get(f, []))

    bodies = {}
    for b in truth["bodies"]:
        bodies.setdefault(b["file"], []).append((b["line"], b["end_line"]))

    def compiled_body(f, l):
        return compiled(f, l) and any(a <= l <= b for a, b in bodies.get(f, []))

    impls = score_impls(ours, truth, compiled)
    per, misses, fps, spurious, local_sites = score_calls(ours, truth, compiled_body)
    for cat, ms in misses.items():
        for m in ms:
            m["cause"] = likely_cause(cat, m, src_lines, ours, compiled)
    lsp = Lsp(binary, crate_dir, db)
    try:
        dper, dmisses = score_definition(lsp, crate_dir, ours, local_sites)
    finally:
        lsp.close()
    refs = score_references(ours, local_sites)
    dup = sum(1 for p, es in ours.paths.items() if len(es) > 1 and any(e["kind"] in FN_KINDS for e in es))
    out = {"crate": truth["crate"], "impls": impls, "calls": per, "call_misses": misses,
           "call_fp_external": fps, "call_spurious": spurious, "definition": dper,
           "definition_misses": dmisses, "references": refs, "duplicate_fn_paths": dup,
           "config": truth["config"], "rustc": truth["rustc"]}
    with open(os.path.join(cache, "score.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
