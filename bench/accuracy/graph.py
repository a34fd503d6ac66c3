"""A real cargo dependency graph as a crate set: cargo builds the project in
GRAPH_DIR offline against the registry (a directory source), a
RUSTC_WRAPPER records each crate's rustc command, and truth.py re-runs each
command for rustc's truth. Writes OUT/set.json for compare.py.

usage: graph.py GRAPH_DIR REGISTRY OUT   (prints progress on stderr)

The workspace Parseltongue indexes is OUT/ws: the project itself at its top
(Cargo.toml, src/), and every registry package of the dependency graph
copied to OUT/ws/vendor/<name>-<version>/ as `cargo vendor` would lay it
out. Every Cargo.toml there is a crate to us; only rustc's command lines say
which features and cfgs are on. rustc reads the registry's files, not the
copies: truth.py maps REGISTRY/<dir>/ to vendor/<dir>/.

Cache: the recorded commands are kept per plan (the project's files, the
resolved graph and the rustc version); each crate's truth per command (its
flags without paths, the crate, rustc and the truth scripts), under
ACC_CACHE/truth/. cargo runs only when a truth is missing.
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
import keys  # noqa: E402

# rustc flags that take a value as the next argument
VALUE_FLAGS = {"--crate-name", "--crate-type", "--cfg", "--check-cfg", "--extern", "-L", "-C",
               "--cap-lints", "--out-dir", "-o", "--target", "--emit", "--edition", "-Z", "-A",
               "-W", "-D", "-F", "--explain", "--print", "--remap-path-prefix", "-l",
               "--error-format", "--json", "--color", "--codegen", "--sysroot"}
# flags dropped for the truth runs: outputs, incremental state, diagnostics format
DROP = {"--out-dir", "-o", "--emit", "--error-format", "--json", "--color", "--diagnostic-width"}


def log(*a):
    print("graph:", *a, file=sys.stderr, flush=True)


def split_invocation(args):
    """(flags without outputs, input file) of a recorded rustc command."""
    flags, root, i = [], None, 0
    while i < len(args):
        a = args[i]
        name = a.split("=", 1)[0]
        if a in VALUE_FLAGS and i + 1 < len(args):
            val = args[i + 1]
            i += 2
            if a in DROP or (a in ("-C", "--codegen") and val.startswith("incremental")):
                continue
            flags += [a, val]
            continue
        i += 1
        if name in DROP or a.startswith("-Cincremental") or a.startswith("--diagnostic-width"):
            continue
        if not a.startswith("-") and a.endswith(".rs") and root is None:
            root = a
            continue
        flags.append(a)
    return flags, root


def flag_key(flags):
    """The flags that decide what rustc compiles, without paths of the
    build directory (externs keep their crate names, -L is dropped)."""
    out, i = [], 0
    while i < len(flags):
        a = flags[i]
        if a == "-L":
            i += 2
            continue
        if a == "--extern" and i + 1 < len(flags):
            out += [a, flags[i + 1].split("=", 1)[0]]
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def metadata(ws, host):
    r = sh(["cargo", "metadata", "--offline", "--format-version", "1", "--filter-platform", host],
           cwd=ws)
    if r.returncode != 0:
        # a package missing from the registry: this graph cannot be built here
        err = [l for l in r.stderr.splitlines() if l.startswith("error")] or r.stderr.splitlines() or [""]
        print("cargo cannot resolve the graph offline against the registry: " + err[0][:300],
              file=sys.stderr)
        sys.exit(3)
    return json.loads(r.stdout)


def main():
    gdir, registry, out = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2]), sys.argv[3]
    cache = os.environ.get("ACC_CACHE", os.path.dirname(os.path.dirname(out)))
    name = os.path.basename(gdir)
    ws = os.path.join(out, "ws")
    host = keys.host_triple()
    # the project, with the registry as its only source
    shutil.rmtree(ws, ignore_errors=True)
    os.makedirs(ws)
    for f in os.listdir(gdir):
        if f in ("Cargo.toml", "src", "build.rs", "README.md"):
            s, d = os.path.join(gdir, f), os.path.join(ws, f)
            (shutil.copytree if os.path.isdir(s) else shutil.copy)(s, d)
    os.makedirs(os.path.join(ws, ".cargo"))
    with open(os.path.join(ws, ".cargo", "config.toml"), "w") as f:
        f.write('[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\n'
                'directory = "%s"\n\n[net]\noffline = true\n' % registry)
    meta = metadata(ws, host)
    pkgs = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root_id = meta["resolve"]["root"]
    packages, pid_of = [], {}
    for nid in sorted(nodes):
        p = pkgs[nid]
        pid = "%s-%s" % (p["name"], p["version"])
        pid_of[nid] = pid
    for nid in sorted(nodes):
        p, n = pkgs[nid], nodes[nid]
        mdir = os.path.dirname(os.path.realpath(p["manifest_path"]))
        if nid == root_id:
            prefix = ""
        else:
            prefix = "vendor/%s/" % os.path.basename(mdir)
            shutil.copytree(mdir, os.path.join(ws, prefix), symlinks=True)
        build = None
        for t in p["targets"]:
            if "custom-build" in t["kind"]:
                build = os.path.relpath(t["src_path"], mdir)
        deps = [{"pkg": pid_of[d["pkg"]], "name": d["name"],
                 "kinds": sorted({(k["kind"] or "normal") for k in d["dep_kinds"]})} for d in n["deps"]]
        # declared dev-dependencies: cargo resolves them for the root only,
        # yet a package's tests may name them when they are in the folder
        dev_names = sorted({d["name"] for d in p.get("dependencies", []) if d.get("kind") == "dev"})
        packages.append({"id": pid_of[nid], "name": p["name"], "version": p["version"],
                         "dev_names": dev_names,
                         "edition": p.get("edition", "2015"),
                         "prefix": prefix, "dir": mdir, "deps": deps, "build": build,
                         "features": n.get("features", [])})
    # the plan: what cargo would compile, and with which rustc
    plan = hashlib.sha256(json.dumps([
        keys.rustc_version(), keys.scripts_hash(),
        sorted((p["id"], p["features"]) for p in packages),
        {f: open(os.path.join(ws, f), "rb").read().hex() for f in ("Cargo.toml",)},
        sorted(keys.tree_hash(os.path.join(ws, "src")))]).encode()).hexdigest()[:16]
    rec_dir = os.path.join(out, "commands-" + plan)
    invs = load_invocations(rec_dir, packages, registry, ws) if os.path.isdir(rec_dir) else None
    if invs is None or any(not os.path.exists(truth_path(cache, i)) for i in invs):
        invs = record(ws, out, rec_dir, packages, registry)
    truths, t0 = [], time.time()
    made = 0
    for inv in invs:
        tp = truth_path(cache, inv)
        if not os.path.exists(tp):
            made += 1
            make_truth(inv, tp)
        truths.append(tp)
    log("%s: %d crates, %d truths built (%.0f s)" % (name, len(invs), made, time.time() - t0))
    spec = {"name": name, "kind": "graph", "root": ws, "packages": packages, "truths": truths,
            "crates": [{"crate": i["name"], "package": i["package"], "crate_type": i["crate_type"]}
                       for i in invs]}
    with open(os.path.join(out, "set.json"), "w") as f:
        json.dump(spec, f, indent=1)


def truth_path(cache, inv):
    return os.path.join(cache, "truth", "%s-%s" % (inv["package"], inv["key"][:16]), "truth.json")


def make_truth(inv, tp):
    d = os.path.dirname(tp)
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(os.path.join(tmp, "inv.json"), "w") as f:
        json.dump(inv, f)
    t0 = time.time()
    with open(os.path.join(tmp, "truth.log"), "w") as lf:
        r = subprocess.run([sys.executable, os.path.join(HERE, "truth.py"),
                            os.path.join(tmp, "inv.json"), tmp], stderr=lf)
    if r.returncode != 0:
        with open(os.path.join(tmp, "truth.log")) as lf:
            raise SystemExit("truth failed for %s: %s" % (inv["package"], lf.read()[-2000:]))
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    with open(os.path.join(d, "truth.log")) as lf:
        log("%s (%.0f s) %s" % (inv["package"], time.time() - t0, lf.read().strip().splitlines()[-1]))


def record(ws, out, rec_dir, packages, registry):
    """cargo check with the recording wrapper, from a clean build directory
    (cargo only calls rustc for what it has to build)."""
    target = os.path.join(out, "target")
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(rec_dir, ignore_errors=True)
    os.makedirs(rec_dir)
    env = dict(os.environ)
    env.pop("RUSTC_BOOTSTRAP", None)
    env.update({"RUSTC_WRAPPER": os.path.join(HERE, "wrapper.py"), "ACC_RECORD_DIR": rec_dir,
                "ACC_BASE_ENV": ",".join(sorted(os.environ)), "CARGO_TARGET_DIR": target})
    t0 = time.time()
    r = sh(["cargo", "check", "--offline", "-j", os.environ.get("ACC_JOBS", "2")], cwd=ws, env=env)
    if r.returncode != 0:
        raise SystemExit("cargo check failed: " + r.stderr[-3000:])
    log("cargo check with the recording wrapper: %.0f s" % (time.time() - t0))
    invs = load_invocations(rec_dir, packages, registry, ws)
    if invs is None:
        raise SystemExit("no rustc command recorded in " + rec_dir)
    return invs


def load_invocations(rec_dir, packages, registry, ws):
    by_dir = {p["dir"]: p for p in packages}
    invs, seen = [], {}
    for fn in sorted(os.listdir(rec_dir)):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(rec_dir, fn)) as f:
            rec = json.load(f)
        flags, root = split_invocation(rec["args"])
        if root is None:
            continue
        i = flags.index("--crate-name")
        crate = flags[i + 1]
        if crate == "build_script_build" or crate.startswith("build_script_"):
            continue
        absroot = os.path.realpath(os.path.join(rec["cwd"], root))
        pkg = None
        for d, p in by_dir.items():
            if absroot.startswith(d + os.sep):
                pkg = p
        if pkg is None:
            continue
        ctype = flags[flags.index("--crate-type") + 1] if "--crate-type" in flags else "lib"
        inv = {"name": crate, "package": pkg["id"], "crate_type": ctype, "args": flags, "root": root,
               "cwd": rec["cwd"], "env": rec["env"],
               "map": [[registry, "vendor/"], [ws, ""]]}
        inv["key"] = hashlib.sha256(json.dumps([
            keys.rustc_version(), keys.scripts_hash(), pkg["id"], crate, flag_key(flags),
            os.path.relpath(absroot, pkg["dir"])]).encode()).hexdigest()
        # a crate compiled twice (two feature sets, host and target): the
        # command with the most cfgs is kept
        k = (pkg["id"], crate)
        if k in seen:
            old = invs[seen[k]]
            if flags.count("--cfg") > old["args"].count("--cfg"):
                invs[seen[k]] = inv
            continue
        seen[k] = len(invs)
        invs.append(inv)
    return invs or None


if __name__ == "__main__":
    main()
