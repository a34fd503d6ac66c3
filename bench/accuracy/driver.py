"""Runs the whole referee: single crates, then dependency graphs, then the
report. Called by run.sh (which checks the tools first).

usage: driver.py BINARY

Variables: see run.sh. Layout of ACC_CACHE:
  src/<crate>/          private copy of a single crate (indexed and compiled)
  conf/<crate>-<key>.json   its configuration (features, build-script cfgs)
  truth/<crate>-<key>/  rustc's truth for one crate and one set of flags
  sets/<set>/           set.json, score.json, db/ (our index) per crate set
  graphs/<graph>/       the workspace (ws/), cargo's build dir and commands
  misses/<set>/*.txt    miss lists per class; summary.json: every figure
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import crateconf  # noqa: E402
import keys  # noqa: E402


def log(msg):
    print("bench-accuracy: " + msg, flush=True)


def default_crates():
    out = []
    with open(os.path.join(HERE, "crates.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


def crate_conf(cache, src, c):
    """crateconf's answer, cached: it compiles and runs the build script."""
    h = hashlib.sha256()
    with open(os.path.join(HERE, "crateconf.py"), "rb") as f:
        h.update(f.read())
    h.update(keys.rustc_version().encode())
    path = os.path.join(cache, "conf", "%s-%s.json" % (c, h.hexdigest()[:16]))
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    conf = crateconf.crate_config(src, os.path.join(cache, "conf", c + ".build"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(conf, f)
    return conf


def single(binary, cache, registry, c):
    """One crate alone: its truth (cached) and its set. Returns the set's
    directory, or None when skipped."""
    if not os.path.isdir(os.path.join(registry, c)):
        log("%s: not installed under %s, skipped" % (c, registry))
        return None
    src = os.path.join(cache, "src", c)
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(os.path.join(registry, c), src, symlinks=True)
    conf = crate_conf(cache, src, c)
    if conf["has_required_deps"]:
        log("%s: skipped: %s" % (c, "; ".join(conf["notes"])))
        return None
    args = crateconf.rustc_args(conf)
    inv = {"name": conf["name"], "package": c, "args": args, "root": conf["root"], "cwd": src,
           "env": {}, "map": [[src, ""]]}
    key = hashlib.sha256(json.dumps([keys.rustc_version(), keys.scripts_hash(), c, args,
                                     os.path.relpath(conf["root"], src)]).encode()).hexdigest()
    tdir = os.path.join(cache, "truth", "%s-%s" % (c, key[:16]))
    tp = os.path.join(tdir, "truth.json")
    built = ""
    if not os.path.exists(tp):
        tmp = tdir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        with open(os.path.join(tmp, "inv.json"), "w") as f:
            json.dump(inv, f)
        t0 = time.time()
        with open(os.path.join(tmp, "truth.log"), "w") as lf:
            r = subprocess.run([sys.executable, os.path.join(HERE, "truth.py"),
                                os.path.join(tmp, "inv.json"), tmp], stderr=lf)
        if r.returncode != 0:
            log("FAILED: %s: truth generation (log: %s)" % (c, os.path.join(tmp, "truth.log")))
            return False
        shutil.rmtree(tdir, ignore_errors=True)
        os.rename(tmp, tdir)
        built = ", truth built in %.0f s" % (time.time() - t0)
    sdir = os.path.join(cache, "sets", c)
    os.makedirs(sdir, exist_ok=True)
    spec = {"name": c, "kind": "single", "root": src,
            "packages": [{"id": c, "name": conf["name"], "version": c.rsplit("-", 1)[-1],
                          "edition": conf["edition"],
                          "prefix": "", "deps": [], "build": None}],
            "truths": [tp], "edition": conf["edition"], "features": conf["features"],
            "cfgs": conf["cfgs"], "notes": conf["notes"]}
    with open(os.path.join(sdir, "set.json"), "w") as f:
        json.dump(spec, f, indent=1)
    if score(binary, sdir) is False:
        return False
    with open(os.path.join(tdir, "truth.log")) as f:
        last = f.read().strip().splitlines()[-1]
    log("%s (edition %s): %s%s" % (c, conf["edition"], last, built))
    return sdir


def score(binary, sdir):
    t0 = time.time()
    with open(os.path.join(sdir, "compare.log"), "w") as lf:
        r = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), binary,
                            os.path.join(sdir, "set.json"), sdir], stderr=lf)
    if r.returncode != 0:
        log("FAILED: scoring %s (log: %s)" % (sdir, os.path.join(sdir, "compare.log")))
        return False
    return time.time() - t0


def graph(binary, cache, registry, g):
    gdir = os.path.join(HERE, "graphs", g)
    out = os.path.join(cache, "graphs", g)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    with open(os.path.join(out, "graph.log"), "w") as lf:
        r = subprocess.run([sys.executable, os.path.join(HERE, "graph.py"), gdir, registry, out],
                           stderr=lf, env=dict(os.environ, ACC_CACHE=cache))
    with open(os.path.join(out, "graph.log")) as lf:
        glog = lf.read().strip().splitlines()
    if r.returncode == 3:
        log("graph %s SKIPPED: %s" % (g, (glog or [""])[-1][:300]))
        return None
    if r.returncode != 0:
        log("FAILED: graph %s (log: %s): %s" % (g, os.path.join(out, "graph.log"), (glog or [""])[-1][:300]))
        return False
    t_truth = time.time() - t0
    sdir = os.path.join(cache, "sets", g)
    os.makedirs(sdir, exist_ok=True)
    shutil.copy(os.path.join(out, "set.json"), os.path.join(sdir, "set.json"))
    t_score = score(binary, sdir)
    if t_score is False:
        return False
    with open(os.path.join(out, "set.json")) as f:
        n = len(json.load(f)["truths"])
    log("graph %s: %d crates; %s; truth step %.0f s, scoring %.0f s" % (
        g, n, glog[-1].replace("graph: ", "") if glog else "", t_truth, t_score))
    return sdir


def main():
    binary = sys.argv[1]
    registry = os.environ.get("ACC_REGISTRY", "/usr/share/cargo/registry")
    cache = os.environ.get("ACC_CACHE", "/tmp/parseltongue-accuracy")
    crates = os.environ.get("ACC_CRATES")
    crates = crates.split() if crates is not None else default_crates()
    graphs = os.environ.get("ACC_GRAPHS")
    gdir = os.path.join(HERE, "graphs")
    graphs = graphs.split() if graphs is not None else (
        sorted(os.listdir(gdir)) if os.path.isdir(gdir) else [])
    os.makedirs(cache, exist_ok=True)
    t_start = time.time()
    status = 0
    sets = []
    for c in crates:
        d = single(binary, cache, registry, c)
        if d is False:
            status = 1
        elif d:
            sets.append(("singles", d))
    t_singles = time.time() - t_start
    if graphs and not shutil.which("cargo"):
        log("graphs SKIPPED: cargo not found")
        graphs = []
    for g in graphs:
        d = graph(binary, cache, registry, g)
        if d is False:
            status = 1
        elif d:
            sets.append((g, d))
    t_all = time.time() - t_start
    if not sets and status == 0:
        log("SKIPPED: none of the crates or graphs could be checked here (see above)")
        sys.exit(0)
    if sets:
        cmd = [sys.executable, os.path.join(HERE, "report.py"), "--cache", cache,
               "--misses", os.environ.get("ACC_MISSES", "10"),
               "--timing", json.dumps({"singles_s": round(t_singles), "total_s": round(t_all)})]
        for group, d in sets:
            cmd += ["%s=%s" % (group, d)]
        r = subprocess.run(cmd)
        if r.returncode != 0:
            status = 1
    log("%d crate sets scored in %.0f s (singles %.0f s)" % (len(sets), t_all, t_singles))
    sys.exit(status)


if __name__ == "__main__":
    main()
