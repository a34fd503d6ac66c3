"""Tables, miss lists and the summary from the crate sets' score.json.

usage: report.py --cache DIR [--misses N] [--timing JSON] GROUP=SET_DIR...

GROUP is "singles" for a single crate (all are totalled together) or a
graph's name. Prints per crate and per class, then totals per crate set;
writes every miss to CACHE/misses/<group>/<class>.txt (one per line,
`file:line:col` first) and every figure to CACHE/summary.json.
"""
import argparse
import json
import os

CATS = ["path", "self", "other", "trait_bound", "macro"]
CAT_NAMES = {"path": "path calls", "self": "method on self", "other": "method, other receiver",
             "trait_bound": "through a trait bound", "macro": "in macro bodies",
             "ALL": "ALL", "cross": "cross-crate (subset)"}


def pct(a, b):
    return "   n/a" if not b else "%5.1f%%" % (100.0 * a / b)


def ratio(a, b):
    return None if not b else round(100.0 * a / b, 2)


def add(dst, src):
    for k, v in src.items():
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            dst[k] = dst.get(k, 0) + v
        elif isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v):
            d = dst.setdefault(k, [0, 0])
            d[0] += v[0]
            d[1] += v[1]


def call_figures(p):
    total = p.get("total", 0)
    correct = p.get("correct", 0)
    answered = correct + p.get("impl_only", 0) + p.get("wrong", 0) + p.get("extra", 0) + p.get("fp_external", 0)
    amb = p.get("amb_ok", 0) + p.get("amb_wrong", 0)
    return {"total": total, "correct": correct, "recall": ratio(correct, total),
            "recall_lenient": ratio(correct + p.get("impl_only", 0), total),
            "precision": ratio(correct, answered), "answered": answered,
            "ambiguous": amb, "amb_ok": p.get("amb_ok", 0), "amb_ext": p.get("amb_external", 0),
            "missing": p.get("missing", 0), "wrong": p.get("wrong", 0) + p.get("extra", 0),
            "impl_only": p.get("impl_only", 0), "fp_ext": p.get("fp_external", 0)}


def fmt(x):
    return "   n/a" if x is None else "%5.1f%%" % x


class Agg:
    """Figures of one crate (package) or of a whole crate set."""

    def __init__(self):
        self.calls = {c: {} for c in CATS + ["cross", "unknown", "generated"]}
        self.impls = {"hand": [0, 0], "derive": [0, 0], "macro": [0, 0]}
        self.impl_fp = 0
        self.impl_ours = 0
        self.derive_extra = 0
        self.definition = {c: {} for c in CATS + ["cross"]}
        self.refs = {}
        self.variants = {}

    def take(self, s):
        for c in CATS + ["cross", "unknown", "generated"]:
            add(self.calls[c], s["calls"].get(c, {}))
        for k in self.impls:
            self.impls[k][0] += s["impls"]["rows"][k][0]
            self.impls[k][1] += s["impls"]["rows"][k][1]
        self.impl_fp += len(s["impls"]["false_positives"])
        self.derive_extra += s["impls"].get("derive_extra", 0)
        self.impl_ours += s["impls"].get("ours", 0)
        for c in CATS + ["cross"]:
            add(self.definition[c], s["definition"].get(c, {}))
        add(self.refs, {k: v for k, v in s["references"].items() if k != "misses"})
        add(self.variants, {k: v for k, v in s["variants"].items() if not k.endswith("misses")})

    def all_calls(self):
        a = {}
        for c in CATS:
            add(a, self.calls[c])
        return a

    def all_def(self):
        a = {}
        for c in CATS:
            add(a, self.definition[c])
        return a

    def figures(self):
        calls = {c: call_figures(self.calls[c]) for c in CATS + ["cross"]}
        calls["ALL"] = call_figures(self.all_calls())
        u = self.calls["unknown"]
        calls["unscored_sites"] = u.get("wrong", 0) + u.get("amb_wrong", 0)
        calls["ok_std_impl"] = sum(self.calls[c].get("ok_std_impl", 0) for c in CATS)
        calls["proc_macro_output"] = self.calls["generated"].get("total", 0)
        calls["proc_macro_output_answered"] = self.calls["generated"].get("wrong", 0)
        tp = self.impls["hand"][0] + self.impls["derive"][0]
        n = self.impls["hand"][1] + self.impls["derive"][1]
        d = self.all_def()
        v = self.variants
        return {
            "calls": calls,
            "impls": {"hand": self.impls["hand"], "derive": self.impls["derive"],
                      "macro_groups": self.impls["macro"], "false_positives": self.impl_fp,
                      "derive_extra_unscored": self.derive_extra,
                      "recall": ratio(tp, n),
                      "precision": ratio(tp + self.impls["macro"][0], tp + self.impls["macro"][0] + self.impl_fp)},
            "definition": {"total": d.get("total", 0), "correct": d.get("correct", 0),
                           "agreement": ratio(d.get("correct", 0), d.get("total", 0)),
                           "ambiguous": d.get("ambiguous", 0), "wrong": d.get("wrong", 0),
                           "missing": d.get("missing", 0),
                           "by_category": {c: ratio(self.definition[c].get("correct", 0),
                                                    self.definition[c].get("total", 0)) for c in CATS + ["cross"]}},
            "references": dict(self.refs, site_coverage=ratio(self.refs.get("covered", 0), self.refs.get("sites", 0))),
            "variants": {"defs": v.get("defs", [0, 0]), "uses": v.get("uses", [0, 0]),
                         "uses_enum_only": v.get("uses_enum", 0), "uses_in_macros": v.get("uses_in_macros", 0),
                         "defs_recall": ratio(*v.get("defs", [0, 0])), "uses_recall": ratio(*v.get("uses", [0, 0]))},
        }


HDR = "%-26s %4s %6s %7s %7s %7s %7s %7s %7s %7s %7s %8s %7s %6s %7s %7s %7s" % (
    "crate", "ed", "calls", "recall", "prec", "path", "self", "other", "tbound", "macro", "cross",
    "impl rec", "impl pr", "mgrp", "defn", "var def", "var use")


def crate_row(name, ed, f):
    c = f["calls"]
    i = f["impls"]
    return "%-26s %4s %6d %7s %7s %7s %7s %7s %7s %7s %7s %8s %7s %6s %7s %7s %7s" % (
        name[:26], ed, c["ALL"]["total"], fmt(c["ALL"]["recall"]), fmt(c["ALL"]["precision"]),
        fmt(c["path"]["recall"]), fmt(c["self"]["recall"]), fmt(c["other"]["recall"]),
        fmt(c["trait_bound"]["recall"]), fmt(c["macro"]["recall"]), fmt(c["cross"]["recall"]),
        fmt(i["recall"]), fmt(i["precision"]), "%d/%d" % tuple(i["macro_groups"]),
        fmt(f["definition"]["agreement"]), fmt(f["variants"]["defs_recall"]), fmt(f["variants"]["uses_recall"]))


def class_table(title, f):
    print("\n  %s: per class" % title)
    print("  %-26s %6s %8s %8s %9s %6s %6s %6s %6s" % ("class", "sites", "recall", "+impl", "precision",
                                                      "amb", "miss", "wrong", "FPext"))
    for c in CATS + ["ALL", "cross"]:
        x = f["calls"][c]
        print("  %-26s %6d %8s %8s %9s %6d %6d %6d %6d" % (
            "calls: " + CAT_NAMES[c], x["total"], fmt(x["recall"]), fmt(x["recall_lenient"]),
            fmt(x["precision"]), x["ambiguous"], x["missing"], x["wrong"], x["fp_ext"]))
    i = f["impls"]
    for k in ("hand", "derive"):
        print("  %-26s %6d %8s%s" % ("impls: " + k, i[k][1], pct(*i[k]), (
            "   (%d further impls of derive macros, named nowhere: derive(Parser) -> Args.., unscored)"
            % i["derive_extra_unscored"]) if k == "derive" and i["derive_extra_unscored"] else ""))
    print("  %-26s %6d %8s   (invocation x trait groups)" % ("impls: macro-made", i["macro_groups"][1],
                                                              pct(*i["macro_groups"])))
    print("  %-26s %6s %8s %8s %9s   (%d impls we report that rustc does not have)" % (
        "impls: all", "", "", "", fmt(i["precision"]), i["false_positives"]))
    v = f["variants"]
    print("  %-26s %6d %8s   (an entity of ours at rustdoc's variant)" % ("enum variants: defined", v["defs"][1],
                                                                          fmt(v["defs_recall"])))
    print("  %-26s %6d %8s   (an edge to the variant at rustc's use; %d reach only the enum; %d uses in"
          " macro bodies unscored)" % ("enum variants: uses", v["uses"][1], fmt(v["uses_recall"]),
                                       v["uses_enum_only"], v["uses_in_macros"]))
    d = f["definition"]
    print("  %-26s %6d %8s   (amb %d, wrong %d, none %d; cross-crate %s)" % (
        "definition at call sites", d["total"], fmt(d["agreement"]), d["ambiguous"], d["wrong"],
        d["missing"], fmt(d["by_category"]["cross"])))
    r = f["references"]
    print("  %-26s %6d %8s   (functions with every site: %s)" % (
        "references: call sites", r.get("sites", 0), fmt(r.get("site_coverage")),
        pct(r.get("functions_full", 0), r.get("functions", 0))))
    print("  (calls: recall = our only, unambiguous callee is rustc's; +impl: or the implementing method;"
          " precision over our unambiguous answers at rustc's call sites, FPext = we named a crate fn where"
          " rustc calls std; amb = answers marked ambiguous, counted apart; %d unscored sites of ours where"
          " rustc has no call; %d std-trait calls answered with the set's impl, right and not counted;"
          " %d calls of proc-macro output, written nowhere in the source, not counted)" % (
              f["calls"]["unscored_sites"], f["calls"]["ok_std_impl"], f["calls"]["proc_macro_output"]))


def loc(prefix, m):
    return "%s%s:%d:%d" % (prefix, m["file"], m["line"], m.get("col", 0))


def write_misses(cache, group, scores):
    """Every miss, one per line, grep-able: file:line:col first."""
    d = os.path.join(cache, "misses", group)
    os.makedirs(d, exist_ok=True)
    files = {}

    def out(name, line):
        files.setdefault(name, []).append(line)
    for pre, s in scores:
        for pid, p in s["packages"].items():
            for cat, ms in p["call_misses"].items():
                for m in ms:
                    line = "%s  %-9s rustc: %s  ours: %s%s  {%s}  in %s" % (
                        loc(pre, m), m["outcome"], m["rustc"], ",".join(m["ours"]) or "-",
                        ("  recv `%s`" % m["receiver"].replace("\n", " ")) if m["receiver"] else "",
                        m.get("cause", ""), m.get("caller", ""))
                    out("calls-%s.txt" % cat, line)
                    if m.get("cross"):
                        out("calls-cross.txt", line)
            for m in p["call_fp_external"]:
                if not m["ambiguous"]:
                    out("calls-false-std.txt", "%s  %-12s rustc: %s  ours: %s" % (
                        loc(pre, m), m["category"], m["expected"], ",".join(m["ours"])))
                else:
                    out("calls-ambiguous-std.txt", "%s  %-12s rustc: %s  ours (ambiguous): %s" % (
                        loc(pre, m), m["category"], m["expected"], ",".join(m["ours"])))
            for m in p["call_spurious"]:
                out("calls-unscored.txt", "%s  ours%s: %s" % (loc(pre, m), " (ambiguous)" if m["ambiguous"] else "",
                                                               ",".join(m["ours"])))
            for m in p["impls"]["misses"]:
                out("impls-missed.txt", "%s  %-6s impl %s for %s" % (loc(pre, m), m["kind"], m["trait"], m["type"]))
            for m in p["impls"]["false_positives"]:
                out("impls-false.txt", "%s  impl %s for %s" % (loc(pre, m), m["trait"], m["type"] or "\"\""))
            for m in p["definition_misses"]:
                out("definition.txt", "%s  %-9s %-12s rustc: %s  ours: %s" % (
                    loc(pre, m), m["outcome"], m["category"] + ("+cross" if m.get("cross") else ""),
                    ",".join(m["expected"]), ",".join(m["ours"]) or "-"))
            for m in p["references"]["misses"]:
                out("references.txt", "%s  not among the references of %s" % (loc(pre, m), m["callee"]))
            for m in p["variants"]["def_misses"]:
                out("variants-defined.txt", "%s  no entity for variant %s" % (loc(pre, m), m["variant"]))
            for m in p["variants"]["use_misses"]:
                out("variants-uses.txt", "%s  %s of %s%s" % (
                    loc(pre, m), "pattern" if m["pattern"] else "expression", m["variant"],
                    "  (we link the enum only)" if m["enum_edge"] else ""))
        sl = s.get("set_level", {})
        for m in sl.get("dep_edges", {}).get("examples", []):
            out("edges-without-dependency.txt", "%s:%s:%s  %-5s %s -> %s  (%s -> %s)%s" % (
                m["file"], m["line"], m["col"], m["kind"], m["from"], m["to"], m["from_pkg"],
                ",".join(m["to_pkgs"]), "  ambiguous" if m["ambiguous"] else ""))
        for m in sl.get("module_cycles", {}).get("examples", []):
            out("module-cycles-across-crates.txt", "size %s  crates %s  e.g. %s" % (
                m["size"], ",".join(m["packages"]), " ".join(m["members"])))
    for name in list(os.listdir(d)):
        if name.endswith(".txt"):
            os.remove(os.path.join(d, name))
    for name, lines in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(lines) + "\n")
    return d, {k: len(v) for k, v in files.items()}


def causes_table(scores):
    for cat in CATS:
        causes = {}
        for pre, s in scores:
            for p in s["packages"].values():
                for m in p["call_misses"].get(cat, []):
                    k = m.get("cause", "?")
                    row = causes.setdefault(k, [0, 0, None])
                    row[1 if m["outcome"].startswith("amb") else 0] += 1
                    if row[2] is None:
                        row[2] = loc(pre, m)
        if not causes:
            continue
        print("\n  -- %s --" % CAT_NAMES[cat])
        print("    %5s %5s  %-62s %s" % ("miss", "amb", "likely cause (syntactic guess)", "e.g."))
        for k, (h, am, ex) in sorted(causes.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:12]:
            print("    %5d %5d  %-62s %s" % (h, am, k[:62], ex))


def first_misses(scores, n):
    for cat in CATS:
        rows = [(pre, m) for pre, s in scores for p in s["packages"].values() for m in p["call_misses"].get(cat, [])]
        hard = [x for x in rows if not x[1]["outcome"].startswith("amb")]
        amb = [x for x in rows if x[1]["outcome"].startswith("amb")]
        if not rows:
            continue
        print("  -- %s: %d misses, %d ambiguous --" % (CAT_NAMES[cat], len(hard), len(amb)))
        for pre, m in hard[:n] + amb[:max(0, n - len(hard[:n])) // 2]:
            print("    %s  %-8s %s  <- %s%s" % (loc(pre, m), m["outcome"], m["rustc"], ",".join(m["ours"]) or "-",
                                             ("   [recv `%s`]" % m["receiver"].replace("\n", " ")) if m["receiver"] else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--misses", type=int, default=10)
    ap.add_argument("--timing", default="{}")
    ap.add_argument("sets", nargs="+")
    a = ap.parse_args()
    groups = {}
    for arg in a.sets:
        g, d = arg.split("=", 1)
        with open(os.path.join(d, "score.json")) as f:
            s = json.load(f)
        with open(os.path.join(d, "set.json")) as f:
            spec = json.load(f)
        groups.setdefault(g, []).append((s, spec))
    summary = {"timing": json.loads(a.timing), "sets": {}}
    totals = []
    for g, items in groups.items():
        single = g == "singles"
        print("\n== %s: %s ==" % (g, "%d crates, each alone" % len(items) if single else
                                 "cargo dependency graph of %d crates" % len(items[0][1]["packages"])))
        print(HDR)
        tot = Agg()
        by_ed = {}
        gs = {"packages": {}}
        scores = []
        for s, spec in items:
            for pid, p in sorted(s["packages"].items()):
                ag = Agg()
                ag.take(p)
                tot.take(p)
                ed = next((x.get("edition", "") for x in spec["packages"] if x["id"] == pid), "")
                by_ed.setdefault("2015" if ed == "2015" else "2018+", Agg()).take(p)
                f = ag.figures()
                print(crate_row(pid, ed, f))
                gs["packages"][pid] = f
            scores.append(((s["set"] + "/") if single else "", s))
        for ed, ag in sorted(by_ed.items()):
            f = ag.figures()
            print(crate_row("total, edition " + ed, "", f))
            gs["edition_" + ed] = f
        f = tot.figures()
        print(crate_row("TOTAL", "", f))
        class_table("%s total" % g, f)
        gs["total"] = f
        gs["timing"] = {s["set"]: s.get("timing") for s, _ in items}
        if not single:
            sl = items[0][0].get("set_level", {})
            de = sl.get("dep_edges", {})
            mc = sl.get("module_cycles", {})
            print("  %-26s %6d          (%d more marked ambiguous; of %d edges between two crates, %d edges in all;"
                  " by kind: %s)" % ("edges w/o dependency path", de.get("no_path", 0), de.get("no_path_ambiguous", 0),
                                     de.get("cross_package", 0), de.get("edges", 0),
                                     ", ".join("%s %d" % kv for kv in sorted(de.get("by_kind", {}).items()))))
            top = sorted(de.get("pairs", {}).items(), key=lambda kv: -kv[1])[:6]
            if top:
                print("  %-26s %s" % ("  worst crate pairs", "; ".join("%s: %d" % kv for kv in top)))
            print("  %-26s %6d          (of %d module cycles)" % ("module cycles across crates",
                                                                  mc.get("spanning_packages", 0), mc.get("cycles", 0)))
            gs["dep_edges"] = {k: v for k, v in de.items() if k != "examples"}
            gs["module_cycles"] = {k: v for k, v in mc.items() if k != "examples"}
            gs["entities"], gs["edges"] = items[0][0].get("entities"), items[0][0].get("edges")
        mdir, counts = write_misses(a.cache, g, scores)
        print("  miss lists: %s/ (%s)" % (mdir, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
        print("\n  likely causes of call misses, %s:" % g)
        causes_table(scores)
        if a.misses:
            print("\n  first misses, %s (file:line:col  outcome  rustc's callee  <- ours):" % g)
            first_misses(scores, a.misses)
        summary["sets"][g] = gs
        totals.append((g, f, gs))

    print("\n== totals per crate set ==")
    print("%-14s %6s %7s %7s %6s %7s %7s %8s %8s %7s %8s %8s %8s" % (
        "set", "calls", "recall", "prec", "cross", "recall", "prec", "impl rec", "impl pr", "defn",
        "var def", "var use", "no-dep"))
    for g, f, gs in totals:
        c, x = f["calls"]["ALL"], f["calls"]["cross"]
        nd = gs.get("dep_edges", {})
        print("%-14s %6d %7s %7s %6d %7s %7s %8s %8s %7s %8s %8s %8s" % (
            g, c["total"], fmt(c["recall"]), fmt(c["precision"]), x["total"], fmt(x["recall"]), fmt(x["precision"]),
            fmt(f["impls"]["recall"]), fmt(f["impls"]["precision"]), fmt(f["definition"]["agreement"]),
            fmt(f["variants"]["defs_recall"]), fmt(f["variants"]["uses_recall"]),
            ("%d+%da" % (nd.get("no_path", 0), nd.get("no_path_ambiguous", 0))) if nd else "-"))
    print("(no-dep: our edges between two crates with no dependency path in Cargo's graph, unambiguous + ambiguous)")
    with open(os.path.join(a.cache, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print("summary: %s" % os.path.join(a.cache, "summary.json"))


if __name__ == "__main__":
    main()
