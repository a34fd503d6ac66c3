"""How to check one crate alone with rustc: edition, crate name, root file,
features and build-script cfgs, all read from the crate itself.

Rules (general, never per crate):
- edition and name from Cargo.toml ([lib] name/path when given);
- the default features, expanded, minus every feature that would pull in an
  optional dependency (a crate with dependencies cannot be checked alone);
- the build script, when there is one, is compiled and run the way cargo would
  (CARGO_CFG_*, CARGO_FEATURE_*, RUSTC, OUT_DIR) and its `rustc-cfg` lines
  are passed on.
"""
import os
import re
import shutil
import subprocess
import tomllib


_HOST_CFG = None


def _rustc_cfg():
    global _HOST_CFG
    if _HOST_CFG is not None:
        return _HOST_CFG
    out = subprocess.run(["rustc", "--print", "cfg"], capture_output=True,
                         text=True, check=True).stdout
    cfg = {}
    for line in out.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            cfg.setdefault(k, []).append(v.strip('"'))
        else:
            cfg.setdefault(line, [])
    _HOST_CFG = cfg
    return cfg


def _cfg_tokens(text):
    return re.findall(r'[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|[(),=]', text)


def cfg_holds(expr, cfg):
    """Evaluates a Cargo `cfg(..)` target expression (or a target triple)
    against `rustc --print cfg` of the host."""
    expr = expr.strip()
    if not expr.startswith("cfg("):
        return expr == "x86_64-unknown-linux-gnu" or expr in cfg.get("target_triple", [])
    toks = _cfg_tokens(expr[4:-1])
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        pos[0] += 1
        return toks[pos[0] - 1]

    def pred():
        name = take()
        if name in ("all", "any", "not") and peek() == "(":
            take()
            vals = []
            while peek() not in (")", None):
                vals.append(pred())
                if peek() == ",":
                    take()
            take()
            if name == "all":
                return all(vals)
            if name == "any":
                return any(vals)
            return not vals[0] if vals else True
        if peek() == "=":
            take()
            val = take().strip('"')
            return val in cfg.get(name, [])
        return name in cfg

    try:
        return pred()
    except IndexError:
        return False


def _expand_features(manifest, optional_deps):
    feats = manifest.get("features", {})
    blocked = set()

    def pulls_dep(f, seen=()):
        if f in optional_deps and f not in feats:
            return True
        if f in blocked:
            return True
        for item in feats.get(f, []):
            if item.startswith("dep:") or "/" in item:
                return True
            if item in optional_deps:
                return True
            if item in feats and item not in seen and pulls_dep(item, seen + (f,)):
                return True
        return False

    on = set()
    todo = list(feats.get("default", []))
    while todo:
        f = todo.pop()
        if f in on or f not in feats or pulls_dep(f):
            continue
        on.add(f)
        todo.extend(feats.get(f, []))
    return sorted(on)


def _build_script_cfgs(src, manifest, features, work):
    pkg = manifest.get("package", {})
    build = pkg.get("build")
    if build is False:
        return [], None
    path = os.path.join(src, build if isinstance(build, str) else "build.rs")
    if not os.path.exists(path):
        return [], None
    os.makedirs(work, exist_ok=True)
    exe = os.path.join(work, "build-script")
    ed = pkg.get("edition", "2015")
    # cargo sets the package's variables for the build script's compilation
    # too (`env!("CARGO_PKG_NAME")` in build.rs)
    version = str(pkg.get("version", "0.0.0"))
    major, minor, patch = (re.split(r"[.+-]", version) + ["0", "0", "0"])[:3]
    pkg_env = dict(os.environ, CARGO_PKG_NAME=pkg.get("name", ""), CARGO_PKG_VERSION=version,
                   CARGO_PKG_VERSION_MAJOR=major, CARGO_PKG_VERSION_MINOR=minor,
                   CARGO_PKG_VERSION_PATCH=patch, CARGO_MANIFEST_DIR=src,
                   CARGO_CRATE_NAME="build_script_build")
    r = subprocess.run(["rustc", "--edition", ed, "--crate-type", "bin",
                        "--crate-name", "build_script_build", path, "-o", exe],
                       capture_output=True, text=True, env=pkg_env)
    if r.returncode != 0:
        return [], "build script failed to compile: " + r.stderr[-500:]
    env = dict(pkg_env)
    for k, vals in _rustc_cfg().items():
        env["CARGO_CFG_" + k.upper()] = ",".join(vals)
    for f in features:
        env["CARGO_FEATURE_" + f.upper().replace("-", "_")] = "1"
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    env.update({"RUSTC": shutil.which("rustc") or "rustc", "OUT_DIR": out_dir,
                "CARGO_MANIFEST_DIR": src, "TARGET": "x86_64-unknown-linux-gnu",
                "HOST": "x86_64-unknown-linux-gnu", "PROFILE": "debug",
                "OPT_LEVEL": "0", "DEBUG": "true", "NUM_JOBS": "1",
                "CARGO_PKG_NAME": pkg.get("name", ""),
                "CARGO_PKG_VERSION": str(pkg.get("version", ""))})
    r = subprocess.run([exe], capture_output=True, text=True, env=env, cwd=src)
    if r.returncode != 0:
        return [], "build script failed: " + r.stderr[-500:]
    cfgs = []
    for line in r.stdout.splitlines():
        m = re.match(r"cargo::?rustc-cfg=(.*)$", line.strip())
        if m:
            cfgs.append(m.group(1))
    return cfgs, None


def crate_config(src, work):
    """Returns a dict: name, edition, root, features, cfgs, notes."""
    with open(os.path.join(src, "Cargo.toml"), "rb") as f:
        manifest = tomllib.load(f)
    pkg = manifest.get("package", {})
    lib = manifest.get("lib", {})
    name = lib.get("name", pkg.get("name", "")).replace("-", "_")
    root = os.path.join(src, lib.get("path", "src/lib.rs"))
    optional = set()
    for section in ("dependencies", "build-dependencies"):
        for dep, spec in manifest.get(section, {}).items():
            if isinstance(spec, dict) and spec.get("optional"):
                optional.add(dep)
    host = _rustc_cfg()
    required = [d for d, s in manifest.get("dependencies", {}).items()
                if not (isinstance(s, dict) and s.get("optional"))]
    for expr, tgt in manifest.get("target", {}).items():
        for dep, spec in tgt.get("dependencies", {}).items():
            if isinstance(spec, dict) and spec.get("optional"):
                optional.add(dep)
            elif cfg_holds(expr, host):
                # a dependency of this host (`[target.'cfg(unix)'.dependencies]`)
                required.append(dep)
    features = _expand_features(manifest, optional)
    cfgs, note = _build_script_cfgs(src, manifest, features, work)
    notes = [note] if note else []
    if required:
        notes.append("has required dependencies: " + ", ".join(required))
    return {"name": name, "edition": str(pkg.get("edition", "2015")),
            "root": root, "features": features, "cfgs": cfgs,
            "notes": notes, "has_required_deps": bool(required)}


def rustc_args(conf):
    args = ["--crate-type", "lib", "--crate-name", conf["name"],
            "--edition", conf["edition"], "--cap-lints", "allow"]
    for f in conf["features"]:
        args += ["--cfg", 'feature="%s"' % f]
    for c in conf["cfgs"]:
        args += ["--cfg", c]
    return args
