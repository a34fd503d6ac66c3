"""Streaming reader of `rustc -Zunpretty=thir-tree` output.

The tree is printed one field per line, nested by indentation (4 spaces a
level). We keep, per body (a line `DefId(..):` in column 0), the body's span,
and per `Call {` node its callee type (`ty: FnDef(DefId(..), [generic args])`),
`from_hir_call`, `fn_span`, the span of the whole call expression (the `span:`
line just before `kind:` of the enclosing Expr) and, for the first argument
(the receiver of a method call), its span and type. It also yields every use
of an enum variant: an `Adt {` expression (`E::A`, `E::B(x)`, `E::C { .. }`:
THIR writes a tuple-variant constructor call as an Adt expression, not a Call)
and a `Variant {` pattern, with the span of the enclosing Expr or Pat, the
enum's DefId and the variant's DefId (the `variant_index`-th entry of the
printed `variants: [VariantDef { def_id: .. }, ..]` list). The output can be
hundreds of megabytes (large const tables), so it is read line by line and
only lines inside an open Call or variant use are looked at closely.
"""
import re

SPAN_RE = re.compile(r"(.+?):(\d+):(\d+): (\d+):(\d+) \(#(\d+)\)\s*$")
ROOT_SPAN_RE = re.compile(r"span: (?:Some\()?(.+?):(\d+):\d+: \d+:\d+ \(#0\)\)?\s*$")
ANCHORS_MAX = 4
DEFID_RE = re.compile(r"DefId\((\d+):(\d+) ~ ([^)]*)\)")


def parse_span(text):
    m = SPAN_RE.match(text.strip())
    if not m:
        return None
    f, l1, c1, l2, c2, ctx = m.groups()
    return {"file": f, "line": int(l1), "col": int(c1), "end_line": int(l2),
            "end_col": int(c2), "ctx": int(ctx)}


def strip_hash(path):
    """semver[82ee]::display::pad -> semver::display::pad"""
    return re.sub(r"\[[0-9a-f]{4}\]", "", path)


def split_top(s):
    """Split a generic-argument list at top-level commas."""
    out, depth, cur = [], 0, []
    for ch in s:
        if ch in "([<{":
            depth += 1
        elif ch in ")]>}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def parse_fndef(ty):
    """'FnDef(DefId(0:38 ~ c[82ee]::m::f), [A, B])' -> (crate_num, path, [args]);
    the path keeps its crate hash."""
    m = DEFID_RE.search(ty)
    if not m or not ty.startswith("FnDef("):
        return None
    crate_num = int(m.group(1))
    path = m.group(3)
    rest = ty[m.end():]
    args = []
    i = rest.find("[")
    if i >= 0:
        depth, j = 0, i
        for j in range(i, len(rest)):
            if rest[j] == "[":
                depth += 1
            elif rest[j] == "]":
                depth -= 1
                if depth == 0:
                    break
        args = split_top(rest[i + 1:j])
    return crate_num, path, args


VARIANT_DEF_RE = re.compile(r"VariantDef \{ def_id: DefId\(\d+:\d+ ~ ([^)]*)\)")


def _variant_use(v, body):
    """The record of one enum variant use, or None when the ADT is not an
    enum (structs are Adt expressions too) or a field was not printed."""
    if not v.get("enum") or "index" not in v or "variants" not in v:
        return None
    defs = VARIANT_DEF_RE.findall(v["variants"])
    if v["index"] >= len(defs):
        return None
    return {"caller": body["defid"] if body else None, "enum": v["did"],
            "variant": defs[v["index"]], "span": parse_span(v["span"]) if v["span"] else None,
            "pattern": v["pattern"]}


def read(lines):
    """Yields ('body', {...}), ('call', {...}) and ('variant', {...}) records.
    Paths keep rustc's crate hash (`semver[82ee]::display::pad`): two crates
    of one name are told apart by it."""
    body = None
    last_span = None          # most recent `span:` line text (enclosing Expr)
    open_calls = []           # stack of dicts with 'ind'
    expect_body_span = False
    var = None                # the variant use being read, until its variant_index
    want_anchor = False       # the body may be a macro's: look for root-context spans
    in_params = False
    for raw in lines:
        if want_anchor and (raw.endswith("(#0)\n") or raw.endswith("(#0))\n")):
            m = ROOT_SPAN_RE.search(raw) if body is not None else None
            if m:
                a = [m.group(1), int(m.group(2))]
                if a not in body["anchors"]:
                    body["anchors"].append(a)
                want_anchor = len(body["anchors"]) < ANCHORS_MAX
        if in_params and raw.startswith("        ") and raw[8:9] not in (" ", ""):
            # the first parameter's type and binding name: a `self`
            # parameter gives the impl's self type
            if raw.startswith("        ty: ") and "p0_ty" not in body:
                body["p0_ty"] = raw[12:].rstrip("\n")
        if in_params and "p0_name" not in body and raw.lstrip(" ").startswith('name: "'):
            body["p0_name"] = raw.strip()[7:-1]
        if var is not None:
            s = raw.lstrip(" ")
            if s.startswith("did: ") and "did" not in var:
                m = DEFID_RE.search(s)
                var["did"] = m.group(3) if m else ""
            elif s.startswith("variants: [") and "variants" not in var:
                var["variants"] = s
            elif s.startswith("flags: ") and "enum" not in var:
                var["enum"] = "IS_ENUM" in s
            elif s.startswith("variant_index: "):
                try:
                    var["index"] = int(s[15:].strip())
                except ValueError:
                    pass
                rec = _variant_use(var, body)
                var = None
                if rec:
                    yield "variant", rec
            continue
        if raw and raw[0] not in " \n":
            if raw.startswith("DefId("):
                if body:
                    yield "body", body
                m = DEFID_RE.match(raw)
                body = {"defid": m.group(3) if m else raw.strip(),
                        "local": bool(m and m.group(1) == "0"), "span": None, "anchors": []}
                expect_body_span = False
                want_anchor = body["local"]
                in_params = True
            elif raw.startswith("body:"):
                expect_body_span = True
                in_params = False
            continue
        s = raw.lstrip(" ")
        if s.startswith("Adt {") or s.startswith("Variant {"):
            var = {"span": last_span, "pattern": s.startswith("V")}
            continue
        if not open_calls:
            if s.startswith("span: "):
                last_span = s[6:]
                if expect_body_span and body is not None and body["span"] is None:
                    body["span"] = parse_span(last_span)
                    expect_body_span = False
                    # a body written where it stands needs no anchor
                    if body["span"] and body["span"]["ctx"] == 0:
                        want_anchor = False
                        body["anchors"] = []
                continue
            if not s.startswith("Call {"):
                continue
        ind = len(raw) - len(s)
        while open_calls and ind <= open_calls[-1]["ind"] and s.strip():
            c = open_calls.pop()
            yield "call", finish(c, body)
        if s.startswith("span: "):
            last_span = s[6:]
        if s.startswith("Call {"):
            open_calls.append({"ind": ind, "expr_span": last_span, "state": 0})
            continue
        if not open_calls:
            continue
        c = open_calls[-1]
        rel = ind - c["ind"]
        if rel == 4:
            if s.startswith("ty: "):
                c["ty"] = s[4:].rstrip("\n")
            elif s.startswith("from_hir_call: "):
                c["from_hir"] = s.strip().endswith("true")
            elif s.startswith("fn_span: "):
                c["fn_span"] = s[9:]
            elif s.startswith("args: ["):
                c["state"] = 1
            elif s.startswith("fun:"):
                c["state"] = 3
        elif rel == 12 and c["state"] == 1:
            if s.startswith("ty: ") and "arg0_ty" not in c:
                c["arg0_ty"] = s[4:].rstrip("\n")
            elif s.startswith("span: ") and "arg0_span" not in c:
                c["arg0_span"] = s[6:]
                c["state"] = 2
        elif rel == 12 and c["state"] == 3 and s.startswith("span: "):
            c["fun_span"] = s[6:]
            c["state"] = 0
    while open_calls:
        yield "call", finish(open_calls.pop(), body)
    if body:
        yield "body", body


def finish(c, body):
    fd = parse_fndef(c.get("ty", ""))
    return {"caller": body["defid"] if body else None,
            "fndef": fd,
            "from_hir": c.get("from_hir", False),
            "fn_span": parse_span(c.get("fn_span", "")) if c.get("fn_span") else None,
            "expr_span": parse_span(c["expr_span"]) if c.get("expr_span") else None,
            "fun_span": parse_span(c["fun_span"]) if c.get("fun_span") else None,
            "arg0_span": parse_span(c["arg0_span"]) if c.get("arg0_span") else None,
            "arg0_ty": c.get("arg0_ty")}
