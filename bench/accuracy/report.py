"""Tables from CACHE/<crate>/score.json: per crate and overall.

usage: report.py --cache DIR [--misses N] CRATE...
"""
import argparse
import json
import os

CATS = ["path", "self", "other", "trait_bound", "macro"]
CAT_NAMES = {"path": "path calls", "self": "method on self", "other": "method, other receiver",
             "trait_bound": "through a trait bound", "macro": "in macro bodies"}


def pct(a, b):
    return "   n/a" if not b else "%5.1f%%" % (100.0 * a / b)


def add(dst, src):
    for k, v in src.items():
        if isinstance(v, (int, float)):
            dst[k] = dst.get(k, 0) + v


def call_figures(p):
    total = p.get("total", 0)
    correct = p.get("correct", 0)
    answered = correct + p.get("impl_only", 0) + p.get("wrong", 0) + p.get("extra", 0) + p.get("fp_external", 0)
    amb = p.get("amb_ok", 0) + p.get("amb_wrong", 0)
    return {"total": total, "correct": correct, "recall": pct(correct, total),
            "recall_lenient": pct(correct + p.get("impl_only", 0), total),
            "precision": pct(correct, answered), "answered": answered,
            "ambiguous": amb, "amb_ok": p.get("amb_ok", 0), "amb_ext": p.get("amb_external", 0),
            "missing": p.get("missing", 0), "wrong": p.get("wrong", 0) + p.get("extra", 0),
            "fp_ext": p.get("fp_external", 0)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--misses", type=int, default=20)
    ap.add_argument("crates", nargs="+")
    a = ap.parse_args()
    scores = []
    for c in a.crates:
        f = os.path.join(a.cache, c, "score.json")
        if os.path.exists(f):
            with open(f) as fh:
                scores.append((c, json.load(fh)))
    if not scores:
        return
    print("\n== what-implements (rustdoc JSON is the referee) ==")
    print("%-22s %9s %9s %9s %9s %9s %7s" % ("crate", "hand", "derive", "recall", "precision",
                                             "macro grp", "FP"))
    tot = {"h": [0, 0], "d": [0, 0], "m": [0, 0], "fp": 0}
    for c, s in scores:
        r = s["impls"]["rows"]
        fp = len(s["impls"]["false_positives"])
        tp = r["hand"][0] + r["derive"][0]
        n = r["hand"][1] + r["derive"][1]
        print("%-22s %4d/%-4d %4d/%-4d %9s %9s %4d/%-4d %7d" % (
            c, r["hand"][0], r["hand"][1], r["derive"][0], r["derive"][1], pct(tp, n),
            pct(tp + r["macro"][0], tp + r["macro"][0] + fp), r["macro"][0], r["macro"][1], fp))
        for k, kk in (("hand", "h"), ("derive", "d"), ("macro", "m")):
            tot[kk][0] += r[k][0]
            tot[kk][1] += r[k][1]
        tot["fp"] += fp
    tp = tot["h"][0] + tot["d"][0]
    print("%-22s %4d/%-4d %4d/%-4d %9s %9s %4d/%-4d %7d" % (
        "OVERALL", tot["h"][0], tot["h"][1], tot["d"][0], tot["d"][1], pct(tp, tot["h"][1] + tot["d"][1]),
        pct(tp + tot["m"][0], tp + tot["m"][0] + tot["fp"]), tot["m"][0], tot["m"][1], tot["fp"]))
    print("(recall over hand-written impls and derives; precision over all our answers in compiled code;"
          " macro: invocation sites x trait found)")

    print("\n== call sites to functions of the same crate (THIR is the referee) ==")
    hdr = "%-22s %-24s %6s %8s %8s %9s %6s %6s %6s %6s" % (
        "crate", "category", "sites", "recall", "+impl", "precision", "amb", "miss", "wrong", "FPext")
    overall = {k: {} for k in CATS + ["unknown"]}
    for c, s in scores:
        print(hdr)
        allc = {}
        for cat in CATS:
            p = s["calls"][cat]
            add(overall[cat], p)
            add(allc, p)
            f = call_figures(p)
            print("%-22s %-24s %6d %8s %8s %9s %6d %6d %6d %6d" % (
                c, CAT_NAMES[cat], f["total"], f["recall"], f["recall_lenient"], f["precision"],
                f["ambiguous"], f["missing"], f["wrong"], f["fp_ext"]))
        add(overall["unknown"], s["calls"]["unknown"])
        sp = s["calls"]["unknown"]
        f = call_figures(allc)
        print("%-22s %-24s %6d %8s %8s %9s %6d %6d %6d %6d   (%d unscored sites)" % (
            c, "ALL", f["total"], f["recall"], f["recall_lenient"], f["precision"], f["ambiguous"],
            f["missing"], f["wrong"], f["fp_ext"], sp.get("wrong", 0) + sp.get("amb_wrong", 0)))
        print()
    print(hdr)
    allc = {}
    for cat in CATS:
        add(allc, overall[cat])
        f = call_figures(overall[cat])
        print("%-22s %-24s %6d %8s %8s %9s %6d %6d %6d %6d" % (
            "OVERALL", CAT_NAMES[cat], f["total"], f["recall"], f["recall_lenient"], f["precision"],
            f["ambiguous"], f["missing"], f["wrong"], f["fp_ext"]))
    f = call_figures(allc)
    print("%-22s %-24s %6d %8s %8s %9s %6d %6d %6d %6d" % (
        "OVERALL", "ALL", f["total"], f["recall"], f["recall_lenient"], f["precision"], f["ambiguous"],
        f["missing"], f["wrong"], f["fp_ext"]))
    print("recall: our only, unambiguous callee is rustc's (+impl: or the implementing method);"
          " precision: over our unambiguous answers at rustc call sites (FPext: we named a crate fn"
          " where rustc calls std); amb: answers marked ambiguous, counted apart (amb at std sites: %d)"
          % sum(overall[c].get("amb_external", 0) for c in CATS))

    print("\n== textDocument/definition at call sites (LSP) and references coverage (CLI) ==")
    print("%-22s %8s %10s %6s %6s %6s %12s %12s" % ("crate", "sites", "agreement", "amb", "wrong", "none",
                                                   "ref sites", "ref fns"))
    tdef, tref = {}, {}
    for c, s in scores:
        d = {}
        for cat in CATS:
            add(d, s["definition"][cat])
        add(tdef, d)
        r = s["references"]
        add(tref, r)
        print("%-22s %8d %10s %6d %6d %6d %12s %12s" % (
            c, d.get("total", 0), pct(d.get("correct", 0), d.get("total", 0)), d.get("ambiguous", 0),
            d.get("wrong", 0), d.get("missing", 0), pct(r["covered"], r["sites"]),
            pct(r["functions_full"], r["functions"])))
    print("%-22s %8d %10s %6d %6d %6d %12s %12s" % (
        "OVERALL", tdef.get("total", 0), pct(tdef.get("correct", 0), tdef.get("total", 0)),
        tdef.get("ambiguous", 0), tdef.get("wrong", 0), tdef.get("missing", 0),
        pct(tref.get("covered", 0), tref.get("sites", 0)), pct(tref.get("functions_full", 0), tref.get("functions", 0))))
    print("definition by category: " + ", ".join(
        "%s %s" % (cat, pct(sum(s["definition"][cat]["correct"] for _, s in scores),
                            sum(s["definition"][cat]["total"] for _, s in scores))) for cat in CATS))

    print("(calls to a std trait method whose impl for that Self is in the crate, answered with that"
          " impl's method, are right and not counted: %d)" % sum(
              s["calls"][cat].get("ok_std_impl", 0) for _, s in scores for cat in CATS))

    print("\n== likely causes of call misses (syntactic guess; miss = missing/wrong/+impl, amb = ambiguous) ==")
    for cat in CATS:
        causes = {}
        for c, s in scores:
            for m in s["call_misses"][cat]:
                k = m.get("cause", "?")
                row = causes.setdefault(k, [0, 0, None])
                row[1 if m["outcome"].startswith("amb") else 0] += 1
                if row[2] is None:
                    row[2] = "%s/%s:%d" % (c, m["file"], m["line"])
        if not causes:
            continue
        print("\n-- %s --" % CAT_NAMES[cat])
        print("  %5s %5s  %-62s %s" % ("miss", "amb", "cause", "e.g."))
        for k, (h, am, ex) in sorted(causes.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
            print("  %5d %5d  %-62s %s" % (h, am, k[:62], ex))

    summary = {"crates": {}, "overall": {}}
    for c, s in scores:
        r = s["impls"]["rows"]
        d = {}
        for cat in CATS:
            add(d, s["definition"][cat])
        summary["crates"][c] = {
            "impls": {"hand": r["hand"], "derive": r["derive"], "macro_groups": r["macro"],
                      "false_positives": len(s["impls"]["false_positives"])},
            "calls": {cat: call_figures(s["calls"][cat]) for cat in CATS},
            "definition": d, "references": {k: v for k, v in s["references"].items() if k != "misses"}}
    summary["overall"]["calls"] = {cat: call_figures(overall[cat]) for cat in CATS}
    summary["overall"]["calls"]["ALL"] = call_figures(allc)
    with open(os.path.join(a.cache, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)

    n = a.misses
    print("\n== first misses (file:line:col  rustc's callee  <- what we said) ==")
    for cat in CATS:
        rows = [(c, m) for c, s in scores for m in s["call_misses"][cat]]
        hard = [x for x in rows if not x[1]["outcome"].startswith("amb")]
        amb = [x for x in rows if x[1]["outcome"].startswith("amb")]
        print("\n-- %s: %d misses, %d ambiguous --" % (CAT_NAMES[cat], len(hard), len(amb)))
        for c, m in hard[:n] + amb[:max(0, n - len(hard[:n])) // 2]:
            print("  %s/%s:%d:%d  %-8s %s  <- %s%s  {%s}" % (
                c, m["file"], m["line"], m["col"], m["outcome"], ",".join(m["expected"]),
                ",".join(m["ours"]) or "-", ("   [recv `%s`]" % m["receiver"]) if m["receiver"] else "",
                m.get("cause", "")))
    fps = [(c, m) for c, s in scores for m in s["call_fp_external"] if not m["ambiguous"]]
    print("\n-- calls to std/core that we linked to a crate fn: %d --" % len(fps))
    for c, m in fps[:n]:
        print("  %s/%s:%d:%d  %s  <- %s" % (c, m["file"], m["line"], m["col"], m["expected"], ",".join(m["ours"])))
    sp = [(c, m) for c, s in scores for m in s["call_spurious"]]
    print("\n-- unscored: our CALLS where rustc has no call inside a compiled body (cfg'd-out block?): %d --" % len(sp))
    for c, m in sp[:n]:
        print("  %s/%s:%d:%d  <- %s" % (c, m["file"], m["line"], m["col"], ",".join(m["ours"])))
    im = [(c, m) for c, s in scores for m in s["impls"]["misses"]]
    print("\n-- impls we miss: %d --" % len(im))
    for c, m in im[:n]:
        print("  %s/%s:%d:%d  %-6s impl %s for %s" % (c, m["file"], m["line"], m["col"], m["kind"], m["trait"], m["type"]))
    ifp = [(c, m) for c, s in scores for m in s["impls"]["false_positives"]]
    print("\n-- impls we report that rustc does not have: %d --" % len(ifp))
    for c, m in ifp[:n]:
        print("  %s/%s:%d:%d  impl %s for %s" % (c, m["file"], m["line"], m["col"], m["trait"], m["type"]))
    dm = [(c, m) for c, s in scores for m in s["definition_misses"]]
    print("\n-- definition disagreements: %d listed --" % len(dm))
    for c, m in dm[:n]:
        print("  %s/%s:%d:%d  %-9s %s  <- %s" % (c, m["file"], m["line"], m["col"], m["outcome"],
                                             ",".join(m["expected"]), ",".join(m["ours"]) or "-"))
    rm = [(c, m) for c, s in scores for m in s["references"]["misses"]]
    print("\n-- call sites missing from references: %d listed --" % len(rm))
    for c, m in rm[:n]:
        print("  %s/%s:%d:%d  not among references of %s" % (c, m["file"], m["line"], m["col"], m["callee"]))


if __name__ == "__main__":
    main()
