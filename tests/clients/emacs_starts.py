#!/usr/bin/env python3
"""Consecutive eglot session starts on a real crate: none may be dead.

Debian 12's Emacs 28 ships jsonrpc.el 1.0.14, whose process filter is not
re-entrant: eglot answers `initialize` from inside it, writing `initialized`
and a didOpen with the whole text of every managed buffer; a write larger
than the pipe waits for the server to read, and while it waits Emacs runs
the filter again on whatever the server has sent meanwhile. The outer run
then loses its place in the stream and the session is dead: every request
times out. The server holds its own messages until the client has shown it
is reading (lsp/README.md, "Start-up"); this test starts sessions the way
the issue that found it did (issue 14) and counts the dead ones.

Each start visits regex-syntax's src/hir/translate.rs (109 KB, 0.6.27 from
Debian's librust-regex-syntax-dev) and asks for the definition of `push` in
its first `self.push(` with a 3 s timeout (tests/clients/emacs_start.el).
The first start is cold (no database: any answer counts); the others are
warm, and the answer must be the line of `fn push(` in that file (read from
the file here, not from the server).

  batch: emacs --batch -Q, the README's init lines, find-file,
         post-command-hook, wait for eglot-current-server, ask.
  tty:   emacs -nw -Q FILE in a pseudo-terminal; once eglot manages the
         buffer the harness types C-c p, a command that asks, and then
         reads the mode line, which must show parseltongue-mode's index
         state (PT[entities]).

usage: python3 tests/clients/emacs_starts.py BINARY [--batch N] [--tty N]
       (defaults 10 and 3; `make emacs-starts` runs 50 and 50)
Last line: "N passed, M failed" (one check per start).
"""
import argparse
import glob
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
REGISTRY = "/usr/share/cargo/registry"
FILE = "src/hir/translate.rs"

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name, flush=True)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""), flush=True)


def push_line(path):
    """1-based line of `fn push(` in the file: the expected definition."""
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if "fn push(" in line:
                return i
    return None


def run_batch(env):
    subprocess.run([env["EMACS"], "--batch", "-Q", "-l", os.path.join(HERE, "emacs_start.el")],
                   env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=90)


def run_tty(env, path):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvpe(env["EMACS"], [env["EMACS"], "-nw", "-Q", "-l",
                                      os.path.join(HERE, "emacs_start.el"), path], env)
        finally:
            os._exit(127)
    end, typed, done = time.time() + 90, False, False
    try:
        while time.time() < end and not done:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    os.read(fd, 65536)          # the screen: read and dropped
                except OSError:
                    pass
            if not typed and os.path.exists(env["PT_OUT"] + ".connected"):
                os.write(fd, b"\x03p")          # C-c p
                typed = True
            done = os.waitpid(pid, os.WNOHANG)[0] != 0
        if not done:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--tty", type=int, default=3)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    emacs = os.environ.get("EMACS", "emacs")
    crates = sorted(glob.glob(os.path.join(REGISTRY, "regex-syntax-0.6.*")))
    if not shutil.which(emacs) or not crates:
        print("needs emacs-nox, elpa-eglot and librust-regex-syntax-dev (make deps)")
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="pt-emacs-starts.")
    try:
        work = os.path.join(tmp, "crate")
        shutil.copytree(crates[-1], work)
        path = os.path.join(work, FILE)
        want = "translate.rs:%d" % push_line(path)
        os.makedirs(os.path.join(tmp, "home"))
        env = dict(os.environ, HOME=os.path.join(tmp, "home"), PT_BIN=binary, PT_ROOT=ROOT,
                   PT_FILE=path, PT_OUT=os.path.join(tmp, "out"), EMACS=emacs, TERM="vt100")
        env.pop("PARSELTONGUE_DB", None)
        print("crate %s, %s; expected definition %s" % (os.path.basename(crates[-1]), FILE, want),
              flush=True)
        runs = [("batch", i) for i in range(a.batch)] + [("tty", i) for i in range(a.tty)]
        tally = {}
        for n, (mode, i) in enumerate(runs):
            for x in ("", ".connected"):
                if os.path.exists(env["PT_OUT"] + x):
                    os.unlink(env["PT_OUT"] + x)
            cold = n == 0
            if n == 1:   # from here on a complete database, whatever the first session left
                subprocess.run([binary, "onboard", "--quiet", work], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
            t0 = time.time()
            try:
                run_batch(env) if mode == "batch" else run_tty(env, path)
            except subprocess.TimeoutExpired:
                pass
            took = time.time() - t0
            out = open(env["PT_OUT"]).read().replace("\n", " ").strip() if os.path.exists(env["PT_OUT"]) else "no result"
            word = out.split()[0]
            tally.setdefault(mode, {}).setdefault(word, 0)
            tally[mode][word] += 1
            ok = word == "alive" and (cold or (" %s " % want) in out + " ")
            # in a terminal, the mode line shows the index state once the index is there
            if mode == "tty" and not cold:
                ok = ok and re.search(r"modeline=PT\[\d+\]", out) is not None
            check("%s start %d%s: %s (%.1f s)" % (mode, i + 1, " (cold)" if cold else "", out, took),
                  ok)
        for mode in ("batch", "tty"):
            if mode in tally:
                t = tally[mode]
                print("%s: %d starts, %d dead, %d without a server, %d other" % (
                    mode, sum(t.values()), t.get("dead", 0), t.get("noserver", 0),
                    sum(v for k, v in t.items() if k not in ("alive", "dead", "noserver"))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
