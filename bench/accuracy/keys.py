"""Cache keys shared by driver.py and graph.py: what a cached truth depends
on besides the crate and its flags."""
import functools
import hashlib
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(None)
def rustc_version():
    """`rustc -vV`: the compiler's version, commit and host."""
    return subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout


@functools.lru_cache(None)
def host_triple():
    for line in rustc_version().splitlines():
        if line.startswith("host: "):
            return line[6:].strip()
    return "x86_64-unknown-linux-gnu"


@functools.lru_cache(None)
def scripts_hash():
    """The scripts that write a truth: a change to them makes new truths."""
    h = hashlib.sha256()
    for f in ("truth.py", "thir.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def tree_hash(d):
    """(relative path, content hash) of every file under d."""
    out = []
    for r, _, fs in os.walk(d):
        for f in fs:
            p = os.path.join(r, f)
            with open(p, "rb") as fh:
                out.append((os.path.relpath(p, d), hashlib.sha256(fh.read()).hexdigest()))
    return out
