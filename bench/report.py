#!/usr/bin/env python3
"""Summarise bench/run.sh's raw measurements: one table per corpus, the
targets beside each figure, and bench/results/latest.json.

    python3 bench/report.py RAW.tsv OUT.json

RAW.tsv lines (tab-separated), written by run.sh:
    M corpus tool phase run wall_s peak_rss_kb exit_code   one timed command
    I corpus key value                                     a fact
    F corpus tool phase reason                             a failed step
"""
import datetime
import json
import os
import statistics
import sys

# Targets (see bench/README.md). Times in seconds, sizes in MB (MiB).
TARGETS = {
    "std_cold_s": 3.0,
    "std_cold_rss_mb": 200.0,
    "both_cold_s": 15.0,
    "std_nochange_s": 0.15,
    "onefile_s": 0.2,
    "db_mb_per_100k_lines": 10.0,
    "query_p99_ms": 0.5,          # what-implements, callers, callees
    "blast_radius_3_p99_ms": 1.0,
}
QUERY_TARGET_KINDS = {"what-implements": "query_p99_ms", "callers": "query_p99_ms",
                      "callees": "query_p99_ms", "blast-radius-3": "blast_radius_3_p99_ms"}
CORPUS_TITLES = {"std": "Rust standard library (rust-src)",
                 "crates": "crates from librust-*-dev (/usr/share/cargo/registry)"}
PEERS = ["ctags", "codegraph"]


def load(path):
    runs, facts, fails = [], {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "M" and len(p) in (8, 9):
                runs.append({"corpus": p[1], "tool": p[2], "phase": p[3], "run": int(p[4]),
                             "wall_s": float(p[5]), "rss_kb": int(p[6]), "rc": int(p[7]),
                             "cpu_s": float(p[8]) if len(p) == 9 else None})
            elif p[0] == "I" and len(p) >= 4:
                facts.setdefault(p[1], {})[p[2]] = "\t".join(p[3:])
            elif p[0] == "F" and len(p) >= 5:
                fails.append({"corpus": p[1], "tool": p[2], "phase": p[3], "reason": "\t".join(p[4:])})
    return runs, facts, fails


def num(s):
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return s
    try:
        return int(s)
    except (TypeError, ValueError):
        try:
            return float(s)
        except (TypeError, ValueError):
            return None


def find_key(obj, key):
    """The first value named key anywhere in a JSON object (depth first)."""
    if isinstance(obj, dict):
        if key in obj and not isinstance(obj[key], (dict, list)):
            return obj[key]
        for v in obj.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Phase:
    """The successful runs of one (corpus, tool, phase)."""

    def __init__(self, runs, corpus, tool, phase):
        mine = [r for r in runs if (r["corpus"], r["tool"], r["phase"]) == (corpus, tool, phase)]
        ok = [r for r in mine if r["rc"] == 0]
        self.attempted = len(mine)
        self.walls = [r["wall_s"] for r in ok]
        self.rss_kb = [r["rss_kb"] for r in ok]
        self.cpus = [r["cpu_s"] for r in ok if r["cpu_s"] is not None]
        self.failed = len(mine) - len(ok)

    @property
    def median_s(self):
        return statistics.median(self.walls) if self.walls else None

    @property
    def cpu_s(self):
        return statistics.median(self.cpus) if self.cpus else None

    @property
    def peak_mb(self):
        return max(self.rss_kb) / 1024 if self.rss_kb else None

    def as_json(self):
        return {"median_s": rnd(self.median_s, 4), "runs_s": [round(w, 4) for w in self.walls],
                "median_cpu_s": rnd(self.cpu_s, 2),
                "peak_rss_mb": rnd(self.peak_mb, 1), "failed_runs": self.failed}


def rnd(x, n):
    return None if x is None else round(x, n)


def fmt_s(x):
    if x is None:
        return None
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def fmt_mb(x):
    if x is None:
        return None
    return f"{x:.1f} MB" if x < 100 else f"{x:.0f} MB"


def fmt_int(x):
    return None if x is None else f"{x:,}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    if r is None:
        return ""
    return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"


class Report:
    def __init__(self, runs, facts, fails):
        self.runs, self.facts, self.fails = runs, facts, fails
        self.checks = []
        self.active = {r["tool"] for r in runs} | {f["tool"] for f in fails}
        self.out = {"generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "targets": TARGETS, "corpora": {}, "checks": self.checks, "failures": fails}
        g = facts.get("all", {})
        self.out["run"] = {
            "quick": g.get("quick") == "1", "binary": g.get("binary"), "binary_id": g.get("binary_id"),
            "repetitions": dict(zip(["cold", "no_change", "one_file"], map(int, (g.get("reps") or "0 0 0").split()))),
            "elapsed_s": num(g.get("elapsed_s")), "timer_overhead_ms": num(g.get("timer_overhead_ms")),
            "host": {"cpu": g.get("cpu"), "nproc": num(g.get("nproc")), "mem_mb": num(g.get("mem_mb")),
                     "kernel": g.get("kernel")},
            "peers": {"ctags": g.get("ctags_version"), "codegraph": g.get("codegraph_version"),
                      "codegraph_engine": g.get("codegraph_engine"), "node": g.get("node_version")},
        }

    def failed(self, corpus, tool, phase=None):
        for f in self.fails:
            if f["corpus"] in (corpus, "all") and f["tool"] == tool and \
                    (phase is None or f["phase"].split("#")[0] in (phase, "all", "setup", "rest")):
                return True
        return False

    def cell(self, text, corpus, tool, phase):
        if text is not None:
            return text
        return "FAILED" if self.failed(corpus, tool, phase) else "n/a"

    def check(self, name, corpus, value, target_key, unit):
        target = TARGETS[target_key]
        ok = None if value is None else value <= target
        self.checks.append({"name": name, "corpus": corpus, "value": rnd(value, 4),
                            "target": target, "unit": unit, "pass": ok})
        mark = "n/a" if ok is None else ("ok" if ok else "MISSED")
        return f"<= {target:g} {unit}", mark

    def corpus(self, c):
        f = self.facts.get(c, {})
        lines = num(f.get("lines"))
        phases = {(t, p): Phase(self.runs, c, t, p)
                  for t in ["parseltongue", "ctags", "codegraph", "codegraph-lean"]
                  for p in ["cold", "nochange", "onefile"]}
        ours = {p: phases[("parseltongue", p)] for p in ["cold", "nochange", "onefile"]}
        cg = {p: phases[("codegraph", p)] for p in ["cold", "nochange", "onefile"]}
        ct = phases[("ctags", "cold")]
        cglean = phases[("codegraph-lean", "cold")]

        status = read_json(f.get("ours_status_file")) if f.get("ours_status_file") else None
        st = {k: find_key(status, k) for k in ["files", "entities", "edges"]} if status else {}
        qb = read_json(f.get("ours_qbench_file")) if f.get("ours_qbench_file") else None
        kinds = (qb or {}).get("kinds") or {}

        db_mb = num(f.get("ours_db_kb"))
        db_mb = db_mb / 1024 if db_mb is not None else None
        per100k = db_mb / (lines / 1e5) if db_mb is not None and lines else None
        tags_mb = num(f.get("ctags_tags_kb"))
        tags_mb = tags_mb / 1024 if tags_mb is not None else None
        cg_mb = num(f.get("codegraph_db_kb"))
        cg_mb = cg_mb / 1024 if cg_mb is not None else None
        cg_counts = parse_codegraph_summary(f.get("codegraph_cold_summary"))

        # ---- the JSON record
        rec = {
            "title": CORPUS_TITLES.get(c, c), "source": f.get("source"), "copy": f.get("copy"),
            "rs_files": num(f.get("files")), "rs_lines": lines, "rs_bytes": num(f.get("bytes")),
            "edited_file": f.get("edit_file"), "edited_file_lines": num(f.get("edit_file_lines")),
            "parseltongue": {
                "cold": ours["cold"].as_json(), "no_change": ours["nochange"].as_json(),
                "one_file": ours["onefile"].as_json(),
                "db_mb": rnd(db_mb, 2), "db_mb_after_updates": rnd((num(f.get("ours_db_kb_after_updates")) or 0) / 1024, 2)
                if f.get("ours_db_kb_after_updates") else None,
                "db_mb_per_100k_lines": rnd(per100k, 2),
                "files": st.get("files"), "entities": st.get("entities"), "edges": st.get("edges"),
                "storage_status": status,
                "queries": kinds or None, "query_bench_error": f.get("ours_qbench_error"),
                "summaries": {k: f.get("ours_" + k + "_summary") for k in ["cold", "nochange", "onefile"]},
            },
            "ctags": {"cold": ct.as_json(), "tags_mb": rnd(tags_mb, 2), "tags": num(f.get("ctags_tags"))},
            "codegraph": {
                "cold": cg["cold"].as_json(), "no_change": cg["nochange"].as_json(),
                "one_file": cg["onefile"].as_json(), "graph_only_cold": cglean.as_json(),
                "db_mb": rnd(cg_mb, 2), "db_mb_graph_only": rnd((num(f.get("codegraph_lean_db_kb")) or 0) / 1024, 2)
                if f.get("codegraph_lean_db_kb") else None,
                "nodes": cg_counts.get("nodes"), "edges": cg_counts.get("edges"), "files": cg_counts.get("files"),
                "summary": f.get("codegraph_cold_summary"),
            },
        }
        ratios = {}
        for peer, theirs in [("ctags", {"cold_s": ct.median_s, "cold_rss_mb": ct.peak_mb, "size_mb": tags_mb}),
                             ("codegraph", {"cold_s": cg["cold"].median_s, "cold_rss_mb": cg["cold"].peak_mb,
                                            "no_change_s": cg["nochange"].median_s,
                                            "one_file_s": cg["onefile"].median_s, "size_mb": cg_mb})]:
            mine = {"cold_s": ours["cold"].median_s, "cold_rss_mb": ours["cold"].peak_mb,
                    "no_change_s": ours["nochange"].median_s, "one_file_s": ours["onefile"].median_s,
                    "size_mb": db_mb}
            ratios[peer] = {k: rnd(ratio(mine[k], v), 3) for k, v in theirs.items()}
        rec["ratios_ours_over_theirs"] = ratios
        self.out["corpora"][c] = rec

        # ---- the table
        reps = self.out["run"]["repetitions"]
        rows = []

        def row(label, tool_phase, ours_txt, target_txt, mark, ct_txt, cg_txt, r_ct, r_cg):
            p = tool_phase
            rows.append([label, self.cell(ours_txt, c, "parseltongue", p), target_txt, mark,
                         ct_txt if ct_txt is not None else "", cg_txt if cg_txt is not None else "",
                         fmt_ratio(r_ct), fmt_ratio(r_cg)])

        def peer_cell(tool, text, phase):
            return self.cell(text, c, tool, phase)

        tgt, mark = (self.check("std cold index", c, ours["cold"].median_s, "std_cold_s", "s")
                     if c == "std" else ("", ""))
        row(f"cold index (median of {reps['cold']})", "cold", fmt_s(ours["cold"].median_s), tgt, mark,
            peer_cell("ctags", fmt_s(ct.median_s), "cold"), peer_cell("codegraph", fmt_s(cg["cold"].median_s), "cold"),
            ratios["ctags"]["cold_s"], ratios["codegraph"]["cold_s"])
        row("  CPU time (user+sys, median)", "cold", fmt_s(ours["cold"].cpu_s), "", "",
            peer_cell("ctags", fmt_s(ct.cpu_s), "cold"), peer_cell("codegraph", fmt_s(cg["cold"].cpu_s), "cold"),
            ratio(ours["cold"].cpu_s, ct.cpu_s), ratio(ours["cold"].cpu_s, cg["cold"].cpu_s))
        tgt, mark = (self.check("std cold peak RSS", c, ours["cold"].peak_mb, "std_cold_rss_mb", "MB")
                     if c == "std" else ("", ""))
        row("peak RSS, cold index", "cold", fmt_mb(ours["cold"].peak_mb), tgt, mark,
            peer_cell("ctags", fmt_mb(ct.peak_mb), "cold"), peer_cell("codegraph", fmt_mb(cg["cold"].peak_mb), "cold"),
            ratios["ctags"]["cold_rss_mb"], ratios["codegraph"]["cold_rss_mb"])
        tgt, mark = (self.check("std no-change re-run", c, ours["nochange"].median_s, "std_nochange_s", "s")
                     if c == "std" else ("", ""))
        row(f"no-change re-run (median of {reps['no_change']})", "nochange", fmt_s(ours["nochange"].median_s),
            tgt, mark, "-", peer_cell("codegraph", fmt_s(cg["nochange"].median_s), "nochange"),
            None, ratios["codegraph"]["no_change_s"])
        tgt, mark = self.check("one-file re-run", c, ours["onefile"].median_s, "onefile_s", "s")
        row(f"one-file re-run (median of {reps['one_file']})", "onefile", fmt_s(ours["onefile"].median_s),
            tgt, mark, "-", peer_cell("codegraph", fmt_s(cg["onefile"].median_s), "onefile"),
            None, ratios["codegraph"]["one_file_s"])
        row("on-disk size (db / tags / graph.db)", "cold", fmt_mb(db_mb), "", "",
            peer_cell("ctags", fmt_mb(tags_mb), "cold"), peer_cell("codegraph", fmt_mb(cg_mb), "cold"),
            ratios["ctags"]["size_mb"], ratios["codegraph"]["size_mb"])
        tgt, mark = self.check("db size per 100K lines", c, per100k, "db_mb_per_100k_lines", "MB")
        per = lambda mb: fmt_mb(mb / (lines / 1e5)) if mb is not None and lines else None  # noqa: E731
        row("  per 100K lines", "cold", fmt_mb(per100k), tgt, mark,
            peer_cell("ctags", per(tags_mb), "cold"), peer_cell("codegraph", per(cg_mb), "cold"), None, None)
        row("files indexed", "cold", fmt_int(st.get("files")), "", "", "",
            fmt_int(cg_counts.get("files")), None, None)
        row("entities (tags / nodes)", "cold", fmt_int(st.get("entities")), "", "",
            fmt_int(num(f.get("ctags_tags"))), fmt_int(cg_counts.get("nodes")), None, None)
        row("edges", "cold", fmt_int(st.get("edges")), "", "", "-", fmt_int(cg_counts.get("edges")), None, None)

        print(f"\n{c}: {rec['title']}")
        rec["load_before"], rec["load_after"] = f.get("load_before"), f.get("load_after")
        load = max((num((f.get(k) or "").split()[0]) or 0.0) if f.get(k) else 0.0
                   for k in ["load_before", "load_after"])
        print(f"  {fmt_int(rec['rs_files'])} .rs files, {fmt_int(lines)} lines "
              f"({(rec['rs_bytes'] or 0) / 2**20:.1f} MB) - one-file edits to {rec['edited_file']} "
              f"({rec['edited_file_lines']} lines)")
        header = ["figure", "parseltongue", "target", "", "ctags", "codegraph", "ours/ctags", "ours/codegraph"]
        keep = [i for i, h in enumerate(header)
                if not any(p in h and p not in self.active for p in PEERS)]
        print_table([header[i] for i in keep], [[r[i] for i in keep] for r in rows])
        if load > 0.7:
            print(f"  NOTE: the machine was busy with other work (load average {f.get('load_before')} before, "
                  f"{f.get('load_after')} after): wall times are inflated; CPU times are steadier.")
        print()

        # query latency
        qrows = []
        for kind, q in sorted(kinds.items(), key=lambda kv: (kv[0] not in QUERY_TARGET_KINDS, kv[0])):
            med, p99 = num((q or {}).get("median_us")), num((q or {}).get("p99_us"))
            tgt, mark = "", ""
            if kind in QUERY_TARGET_KINDS:
                tgt, mark = self.check(f"{kind} p99", c, p99 / 1000 if p99 is not None else None,
                                       QUERY_TARGET_KINDS[kind], "ms")
            qrows.append([kind, fmt_us(med), fmt_us(p99), fmt_int(num((q or {}).get("n"))), tgt, mark])
        if qrows:
            print_table(["query (in-process)", "median", "p99", "n", "target (p99)", ""], qrows, indent="  ")
        else:
            why = f.get("ours_qbench_error") or "no result"
            for kind, key in QUERY_TARGET_KINDS.items():
                self.check(f"{kind} p99", c, None, key, "ms")
            print(f"  query latency: n/a ({why})")

        notes = []
        if cglean.median_s is not None:
            notes.append(f"codegraph graph only (--no-ast --no-complexity --no-dataflow --no-cfg): cold "
                         f"{fmt_s(cglean.median_s)}, peak {fmt_mb(cglean.peak_mb)}"
                         + (f" -> ours/that {fmt_ratio(ratio(ours['cold'].median_s, cglean.median_s))}"
                            if ours["cold"].median_s is not None else ""))
        for k, label in [("cold", "cold"), ("nochange", "no-change"), ("onefile", "one-file")]:
            s = f.get(f"ours_{k}_summary")
            if s:
                notes.append(f"parseltongue {label} said: {s}")
        if f.get("codegraph_onefile_summary"):
            notes.append(f"codegraph one-file said: {f['codegraph_onefile_summary']}")
        for fl in self.fails:
            if fl["corpus"] == c:
                notes.append(f"FAILED: {fl['tool']} {fl['phase']}: {fl['reason']}")
        for n in notes:
            print(f"  - {n}")
        return ours["cold"].median_s

    def run(self, path_out):
        run = self.out["run"]
        h = run["host"]
        peers = []
        if "ctags" in self.active:
            peers.append(run["peers"]["ctags"] or "ctags")
        if "codegraph" in self.active:
            pc = run["peers"]
            peers.append(f"codegraph {pc['codegraph'] or '?'} ({(pc['codegraph_engine'] or '?').split()[0]} engine, node {pc['node'] or '?'})")
        print(f"host: {h['cpu']}, {h['nproc']} cores, {h['mem_mb']} MB; peers: {', '.join(peers) or 'none'}")
        print(f"binary: {run['binary']} ({run['binary_id'] or 'missing'})")
        print("ratios are ours / theirs: below 1 means parseltongue is faster or smaller. "
              "Times are wall clock; RSS is the peak of any run.")
        for fl in self.fails:
            if fl["corpus"] == "all":
                print(f"FAILED: {fl['tool']} {fl['phase']}: {fl['reason']}")
        colds = {}
        for c in [c for c in self.facts if c != "all"]:
            colds[c] = self.corpus(c)
        if "std" in colds and "crates" in colds:
            total = None if None in (colds["std"], colds["crates"]) else colds["std"] + colds["crates"]
            tgt, mark = self.check("both corpora cold (sum)", "both", total, "both_cold_s", "s")
            print(f"\nboth corpora, cold index (sum of the medians): {self.cell(fmt_s(total), 'both', 'parseltongue', 'cold')}"
                  f"   target {tgt}  {mark}")
            self.out["both_cold_s"] = rnd(total, 4)
        met = sum(1 for k in self.checks if k["pass"])
        missed = [k for k in self.checks if k["pass"] is False]
        na = sum(1 for k in self.checks if k["pass"] is None)
        print(f"\ntargets: {met} met, {len(missed)} missed, {na} not measured (of {len(self.checks)})")
        for k in missed:
            print(f"  MISSED {k['corpus']}: {k['name']} = {k['value']} {k['unit']} (target <= {k['target']} {k['unit']})")
        self.out["summary"] = {"met": met, "missed": len(missed), "not_measured": na}
        os.makedirs(os.path.dirname(os.path.abspath(path_out)), exist_ok=True)
        with open(path_out, "w", encoding="utf-8") as fo:
            json.dump(self.out, fo, indent=2)
            fo.write("\n")
        print(f"figures written to {path_out}")


def fmt_us(us):
    if us is None:
        return None
    return f"{us:.0f} us" if us >= 10 else f"{us:.1f} us"


def parse_codegraph_summary(s):
    # "[codegraph] Native build orchestrator completed: 77031 nodes, 142618 edges, 1269 files"
    out = {}
    if not s:
        return out
    for part in s.split(":")[-1].split(","):
        w = part.split()
        if len(w) == 2 and w[0].isdigit():
            out[w[1]] = int(w[0])
    return out


def print_table(header, rows, indent="  "):
    rows = [[("" if x is None else str(x)) for x in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda r: indent + "  ".join(  # noqa: E731
        (v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) if i != 3 else v.ljust(widths[i]))
        for i, v in enumerate(r)).rstrip()
    print(line(header))
    print(indent + "  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RAW.tsv OUT.json")
    Report(*load(sys.argv[1])).run(sys.argv[2])


if __name__ == "__main__":
    main()
