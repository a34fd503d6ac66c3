"""tests/reliability/common.py — shared by the reliability tests.

A result tally (check → "N passed, M failed"), a runner for the CLI with
a time bound, and a minimal LSP client over pipes (a reader thread
collects every message; requests are matched by id).
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")

PASSED = []
FAILED = []


def check(name, cond, detail=""):
    if cond:
        PASSED.append(name)
        print("  ok   %s" % name, flush=True)
    else:
        FAILED.append(name)
        d = detail if isinstance(detail, str) else repr(detail)
        print("  FAIL %s: %s" % (name, d[:1500]), flush=True)
    return bool(cond)


def summary():
    print("%d passed, %d failed" % (len(PASSED), len(FAILED)), flush=True)
    return 1 if FAILED else 0


def crashed(rc, err=""):
    """A signal death, or a sanitizer report: never acceptable."""
    return rc is None or rc < 0 or "Sanitizer" in (err or "") or "runtime error" in (err or "")


def run(binary, args, cwd=None, env=None, timeout=120, stdin=None):
    """(rc, stdout, stderr, seconds); rc None on timeout."""
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.time()
    try:
        p = subprocess.run([binary] + list(args), cwd=cwd, env=e, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL if stdin is None else stdin)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), time.time() - t0
    except subprocess.TimeoutExpired as x:
        return None, "", (x.stderr or b"").decode("utf-8", "replace"), time.time() - t0


def export_json(binary, db, cwd=None):
    rc, out, err, _ = run(binary, ["export", "--format", "json", "--db", db], cwd=cwd)
    if rc != 0:
        return None
    try:
        return json.loads(out)
    except ValueError:
        return None


def copytree(src, dst):
    shutil.copytree(src, dst, symlinks=True)
    return dst


def uri_of(path):
    from urllib.parse import quote
    return "file://" + quote(os.path.abspath(path))


def frame(obj):
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def init_params(root, encodings=None):
    caps = {"general": {"positionEncodings": encodings or ["utf-16"]},
            "textDocument": {"documentSymbol": {"hierarchicalDocumentSymbolSupport": True}},
            "window": {}, "workspace": {}}
    return {"processId": None, "capabilities": caps, "rootUri": uri_of(root) if root else None}


class Client:
    """The server as a child process on pipes."""

    def __init__(self, binary, args=(), env=None, cwd=None):
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen([binary, "--stdio"] + list(args), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=cwd)
        self.msgs = queue.Queue()
        self.byid = {}
        self.other = []
        self.next_id = 1
        self.lock = threading.Lock()
        self.err = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_err, daemon=True).start()

    def _drain_err(self):
        for line in self.p.stderr:
            self.err.append(line.decode("utf-8", "replace"))
            if len(self.err) > 20000:
                del self.err[:10000]

    def _read(self):
        f = self.p.stdout
        while True:
            n = None
            while True:
                line = f.readline()
                if not line:
                    self.msgs.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    n = int(v)
            if n is None:
                continue
            body = f.read(n)
            try:
                m = json.loads(body)
            except ValueError:
                m = {"_junk": body[:200].decode("utf-8", "replace")}
            self.msgs.put(m)

    def _pump(self, deadline):
        while True:
            left = deadline - time.time()
            if left <= 0:
                return False
            try:
                m = self.msgs.get(timeout=left)
            except queue.Empty:
                return False
            if m is None:
                self.msgs.put(None)
                return False
            if "id" in m and "method" not in m:
                key = json.dumps(m["id"])
                with self.lock:
                    self.byid.setdefault(key, []).append(m)
            else:
                self.other.append(m)
            return True

    def send(self, msg):
        self.raw(frame(msg))

    def raw(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def start(self, method, params=None, rid=None):
        if rid is None:
            rid = self.next_id
            self.next_id += 1
        m = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)
        return rid

    def wait(self, rid, timeout=20):
        key = json.dumps(rid)
        deadline = time.time() + timeout
        while True:
            with self.lock:
                if self.byid.get(key):
                    return self.byid[key].pop(0)
            if not self._pump(deadline):
                with self.lock:
                    if self.byid.get(key):
                        return self.byid[key].pop(0)
                return None

    def request(self, method, params=None, timeout=20):
        return self.wait(self.start(method, params), timeout)

    def notify(self, method, params=None):
        m = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)

    def null_responses(self, timeout=0.3):
        deadline = time.time() + timeout
        while self._pump(deadline):
            pass
        with self.lock:
            return list(self.byid.get("null", []))

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.request("parseltongue/stats", timeout=10)
            roots = ((r or {}).get("result") or {}).get("roots") or []
            if roots and all(x.get("state") in ("ready", "failed") for x in roots):
                return r["result"]
            time.sleep(0.1)
        return None

    def exit_code(self, timeout=20):
        try:
            self.p.stdin.close()
        except Exception:
            pass
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return None

    def close(self):
        if self.p.poll() is None:
            self.request("shutdown", timeout=10)
            self.notify("exit")
        return self.exit_code()

    def log(self):
        return "".join(self.err)

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.p.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0
