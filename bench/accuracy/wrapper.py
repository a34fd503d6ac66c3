#!/usr/bin/env python3
"""RUSTC_WRAPPER for graph.py: records each crate's rustc command as cargo
runs it, then runs it unchanged.

cargo calls `wrapper.py RUSTC ARGS..`. When the command compiles a crate
(`--crate-name` and an input file), this writes ACC_RECORD_DIR/<n>.json:
the arguments (an `@file` argument expanded), the working directory, and
the environment variables cargo set for the crate (CARGO_*, OUT_DIR and
those a build script asked for with `rustc-env`): every variable whose name
is not in ACC_BASE_ENV, the names graph.py's own environment had. Nothing
else of the environment is written. truth.py later re-runs the command with
`-Zunpretty=thir-tree` and as `rustdoc --output-format json`.
"""
import json
import os
import sys


def expand(args):
    out = []
    for a in args:
        if a.startswith("@") and os.path.isfile(a[1:]):
            with open(a[1:]) as f:
                out.extend(line.rstrip("\n") for line in f if line.strip())
        else:
            out.append(a)
    return out


def main():
    rustc, args = sys.argv[1], sys.argv[2:]
    rec_dir = os.environ.get("ACC_RECORD_DIR")
    full = expand(args)
    if rec_dir and "--crate-name" in full and not any(a.startswith("--print") for a in full):
        base = set(os.environ.get("ACC_BASE_ENV", "").split(","))
        env = {k: v for k, v in os.environ.items()
               if k not in base and not k.startswith("ACC_") and k not in ("RUSTC_WRAPPER",)}
        rec = {"rustc": rustc, "args": full, "cwd": os.getcwd(), "env": env}
        name = "%d-%d.json" % (os.getpid(), len(os.listdir(rec_dir)))
        with open(os.path.join(rec_dir, name + ".tmp"), "w") as f:
            json.dump(rec, f)
        os.rename(os.path.join(rec_dir, name + ".tmp"), os.path.join(rec_dir, name))
    os.execvp(rustc, [rustc] + args)


if __name__ == "__main__":
    main()
