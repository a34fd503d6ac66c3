#!/usr/bin/env python3
"""Incremental indexing must give the same graph as a full index.

Usage: python3 tests/incremental.py path/to/parseltongue [--seed N] [--steps N] [--tree DIR] [--keep]

Copies tests/fixtures/ws1 (or --tree DIR, e.g. a crate from
/usr/share/cargo/registry) to a temporary directory and onboards it into
database A. Then, for each of --steps (default 40, at least 30) random steps
(seeded; the seed is printed, rerun with --seed to replay):

  1. edit the tree: rename a function and every use of its name, rename only
     a definition, add a fn calling an existing one, add a call into an
     existing fn's body, delete an impl block, remove a `use`, move a fn to
     another file, add a new module file plus its `mod` line, delete a module
     file plus its `mod` line, add or remove a syntax error, make a file
     non-UTF-8, rename a crate in its Cargo.toml, add a fn to a macro_rules!
     body or move a file's macro_rules! down a line (the files that expand
     them change too: tests/fixtures/macros has them in another file and
     crate), or touch a file without changing it;
  2. `onboard` incrementally into A, and check the summary's
     "(C changed, A added, D deleted)" against what the step did;
  3. copy the tree to a fresh directory, onboard it from scratch into a new
     database B;
  4. compare `export --format json` of A and B: they must be identical up to
     the order of lists and keys.

Prints "ok"/"FAIL" per check and ends with "N passed, M failed"; exit 0 only
when nothing failed. Python 3 standard library only.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "ws1")
TIMEOUT = 300

# The contract's summary (this build adds ", S skipped, E with syntax errors"
# inside the parentheses), or "up to date: N files, 0 changed, ..." when an
# onboard finds nothing to do.
SUMMARY_RE = re.compile(
    r"(?:indexed|up to date:) (\d+) files? \((\d+) changed, (\d+) added, (\d+) deleted[^)]*\)")
UPTODATE_RE = re.compile(r"up to date: (\d+) files?, (\d+) changed")


def summary_counts(stderr):
    m = SUMMARY_RE.search(stderr)
    if m:
        return tuple(int(x) for x in m.groups()[1:])
    m = UPTODATE_RE.search(stderr)
    if m:
        return (int(m.group(2)), 0, 0)
    return None

# Names tied to std traits or std calls: renaming them would only rename the
# std side too and tells us little; main must stay main.
NO_RENAME = {"main", "fmt", "next", "from", "default", "drop", "clone", "eq",
             "len", "sqrt", "to_string", "collect", "args"}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cid, cond, why="", diff=()):
        if cond:
            self.passed += 1
            print("ok %s" % cid, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (cid, why), flush=True)
            for line in diff:
                print("    " + line, flush=True)
        return cond


def run(binary, args, cwd=None):
    env = dict(os.environ)
    env.pop("PARSELTONGUE_DB", None)
    try:
        p = subprocess.run([binary] + args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ss" % TIMEOUT
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def rc_text(rc):
    if rc is None:
        return "timed out"
    return "killed by signal %d" % -rc if rc < 0 else "exit %d" % rc


def normalise(doc):
    if isinstance(doc, dict):
        return {k: normalise(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return sorted((normalise(x) for x in doc), key=lambda x: json.dumps(x, sort_keys=True))
    return doc


def export(binary, db):
    rc, out, err = run(binary, ["export", "--format", "json", "--db", db])
    if rc != 0:
        return None, "export failed (%s): %s" % (rc_text(rc), err.strip()[:300])
    try:
        return normalise(json.loads(out)), None
    except ValueError:
        return None, "export output is not JSON: " + out[:200]


def diff_exports(a, b, limit=12):
    lines = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        if not isinstance(va, list) or not isinstance(vb, list):
            lines.append("%s: incremental %r / full %r" % (key, va, vb))
            continue
        sa = [json.dumps(x, sort_keys=True) for x in va]
        sb = [json.dumps(x, sort_keys=True) for x in vb]
        only_a = sorted(set(sa) - set(sb))
        only_b = sorted(set(sb) - set(sa))
        lines.append("%s: %d incremental vs %d full; %d only in incremental, %d only in full" % (
            key, len(va), len(vb), len(only_a), len(only_b)))
        for x in only_a[:limit]:
            lines.append("  only incremental: " + x)
        for x in only_b[:limit]:
            lines.append("  only full:        " + x)
        if len(sa) != len(set(sa)) or len(sb) != len(set(sb)):
            lines.append("  (duplicates: incremental %d, full %d)" % (
                len(sa) - len(set(sa)), len(sb) - len(set(sb))))
    return lines


# --- the tree ----------------------------------------------------------------

class Tree:
    def __init__(self, root, rng):
        self.root = root
        self.rng = rng
        self.serial = 0

    def files(self):
        out = []
        for d, dirs, names in os.walk(self.root):
            dirs[:] = sorted(x for x in dirs if x not in ("target", ".cache"))
            for n in sorted(names):
                if n.endswith(".rs"):
                    out.append(os.path.relpath(os.path.join(d, n), self.root))
        return out

    def read(self, rel):
        # surrogateescape: a step may have made a file non-UTF-8 on purpose
        with open(os.path.join(self.root, rel), encoding="utf-8", errors="surrogateescape") as f:
            return f.read()

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)

    def next_serial(self):
        self.serial += 1
        return self.serial

    @staticmethod
    def child_dir(rel):
        """Directory holding the children of the module in file rel."""
        base = os.path.basename(rel)
        d = os.path.dirname(rel)
        if base in ("lib.rs", "main.rs", "mod.rs"):
            return d
        return os.path.join(d, base[:-3])

    def module_children(self):
        """(child file, parent file, index of the `mod x;` line) for every file module."""
        out = []
        for rel in self.files():
            lines = self.read(rel).split("\n")
            for i, line in enumerate(lines):
                m = re.match(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", line)
                if not m:
                    continue
                if i > 0 and lines[i - 1].strip().startswith("#[path"):
                    continue
                d = self.child_dir(rel)
                for cand in (os.path.join(d, m.group(1) + ".rs"), os.path.join(d, m.group(1), "mod.rs")):
                    if os.path.isfile(os.path.join(self.root, cand)):
                        out.append((cand, rel, i))
                        break
        return out

    def module_files(self):
        roots = [f for f in self.files() if os.path.basename(f) in ("lib.rs", "main.rs")]
        return sorted(set(roots) | {c for c, _, _ in self.module_children()})

    # --- operations: each returns (description, (changed, added, deleted)) or None

    def op_rename_fn(self):
        names = set()
        for rel in self.files():
            names.update(re.findall(r"\bfn\s+(\w+)", self.read(rel)))
        names = sorted(n for n in names if n not in NO_RENAME)
        if not names:
            return None
        old = self.rng.choice(names)
        new = "%s_r%d" % (old, self.next_serial())
        changed = 0
        for rel in self.files():
            text = self.read(rel)
            t2 = re.sub(r"\b%s\b" % re.escape(old), new, text)
            if t2 != text:
                self.write(rel, t2)
                changed += 1
        return "rename fn %s -> %s in %d files" % (old, new, changed), (changed, 0, 0)

    def free_fns(self, rel):
        return re.findall(r"^(?:pub(?:\([^)]*\))?\s+)?fn\s+(\w+)", self.read(rel), re.M)

    def op_add_fn(self):
        cands = [f for f in self.files() if self.free_fns(f)]
        methods = [(f, t, m) for f in self.files() for t, m in self.self_methods(f)]
        if not cands and not methods:
            return None
        n = self.next_serial()
        if methods and (not cands or self.rng.random() < 0.4):
            rel, ty, meth = self.rng.choice(methods)
            body = "\npub fn added_%d(x: &%s) -> u32 {\n    x.%s();\n    0\n}\n" % (n, ty, meth)
            what = "x.%s() on a &%s" % (meth, ty)
        else:
            rel = self.rng.choice(cands)
            callee = self.rng.choice(self.free_fns(rel))
            body = "\npub fn added_%d() -> u32 {\n    let _ = %s();\n    0\n}\n" % (n, callee)
            what = "%s()" % callee
        self.write(rel, self.read(rel) + body)
        return "add fn added_%d calling %s in %s" % (n, what, rel), (1, 0, 0)

    def self_methods(self, rel):
        """(type, method) of `impl Type {` blocks at column 0 with &self methods."""
        out = []
        lines = self.read(rel).split("\n")
        ty = None
        for line in lines:
            m = re.match(r"^impl\s+(\w+)\s*\{", line)
            if m:
                ty = m.group(1)
                continue
            if line.startswith("}"):
                ty = None
                continue
            if ty:
                m = re.match(r"^\s+(?:pub\s+)?fn\s+(\w+)\s*\(&(?:mut\s+)?self\s*\)", line)
                if m:
                    out.append((ty, m.group(1)))
        return out

    def op_edit_body(self):
        sites = []
        for rel in self.files():
            lines = self.read(rel).split("\n")
            for i, line in enumerate(lines):
                if re.match(r"^(?:pub\s+)?fn\s+\w+.*\{\s*$", line) and "where" not in line:
                    sites.append((rel, i))
        if not sites:
            return None
        rel, i = self.rng.choice(sites)
        callees = [f for f in self.free_fns(rel)]
        callee = self.rng.choice(callees)
        lines = self.read(rel).split("\n")
        lines.insert(i + 1, "    let _ = %s();" % callee)
        self.write(rel, "\n".join(lines))
        return "add a call to %s() at %s:%d" % (callee, rel, i + 2), (1, 0, 0)

    def op_delete_impl(self):
        blocks = []
        for rel in self.files():
            lines = self.read(rel).split("\n")
            for i, line in enumerate(lines):
                if re.match(r"^impl\b", line):
                    for j in range(i + 1, len(lines)):
                        if lines[j] == "}":
                            blocks.append((rel, i, j))
                            break
        if not blocks:
            return None
        rel, i, j = self.rng.choice(blocks)
        lines = self.read(rel).split("\n")
        head = lines[i]
        del lines[i:j + 1]
        self.write(rel, "\n".join(lines))
        return "delete `%s` (%s:%d-%d)" % (head.rstrip(" {"), rel, i + 1, j + 1), (1, 0, 0)

    def op_add_file(self):
        parent = self.rng.choice(self.module_files())
        n = self.next_serial()
        name = "extra_%d" % n
        child = os.path.join(self.child_dir(parent), name + ".rs")
        callee = None
        fns = self.free_fns(parent)
        if fns:
            callee = self.rng.choice(fns)
        text = ("pub struct Extra%d {\n    pub v: u32,\n}\n\n"
                "impl Extra%d {\n    pub fn get(&self) -> u32 {\n        helper_%d()\n    }\n}\n\n"
                "pub fn helper_%d() -> u32 {\n    %s\n}\n") % (
                    n, n, n, n, ("super::%s();\n    1" % callee) if callee else "1")
        self.write(child, text)
        self.write(parent, self.read(parent).rstrip("\n") + "\npub mod %s;\n" % name)
        return "add %s + `pub mod %s;` in %s" % (child, name, parent), (1, 1, 0)

    def op_delete_file(self):
        # only leaves: a module whose directory still holds other files
        # would leave orphans behind, and whether orphans are indexed is
        # not what this test is about
        kids = []
        for child, parent, idx in self.module_children():
            d = os.path.join(self.root, self.child_dir(child))
            if os.path.basename(child) == "mod.rs" or (
                    os.path.isdir(d) and any(n.endswith(".rs") for n in os.listdir(d))):
                continue
            kids.append((child, parent, idx))
        if not kids:
            return None
        child, parent, idx = self.rng.choice(kids)
        os.remove(os.path.join(self.root, child))
        lines = self.read(parent).split("\n")
        removed = lines.pop(idx)
        self.write(parent, "\n".join(lines))
        return "delete %s + `%s` in %s" % (child, removed.strip(), parent), (1, 0, 1)

    def op_rename_def_only(self):
        """Rename a definition but not its uses: callers elsewhere now dangle
        (and a later step may reuse the old name)."""
        defs = []
        for rel in self.files():
            for m in re.finditer(r"^(?:pub(?:\([^)]*\))?\s+)?fn\s+(\w+)", self.read(rel), re.M):
                if m.group(1) not in NO_RENAME:
                    defs.append((rel, m.group(1)))
        if not defs:
            return None
        rel, old = self.rng.choice(defs)
        new = "%s_d%d" % (old, self.next_serial())
        text = self.read(rel)
        text = re.sub(r"(^(?:pub(?:\([^)]*\))?\s+)?fn\s+)%s\b" % re.escape(old), r"\g<1>" + new, text,
                      count=1, flags=re.M)
        self.write(rel, text)
        return "rename only the definition of %s -> %s in %s" % (old, new, rel), (1, 0, 0)

    def op_remove_use(self):
        sites = []
        for rel in self.files():
            for i, line in enumerate(self.read(rel).split("\n")):
                if re.match(r"^\s*(pub\s+)?use\s", line):
                    sites.append((rel, i))
        if not sites:
            return None
        rel, i = self.rng.choice(sites)
        lines = self.read(rel).split("\n")
        gone = lines.pop(i)
        self.write(rel, "\n".join(lines))
        return "remove `%s` from %s" % (gone.strip(), rel), (1, 0, 0)

    def op_move_fn(self):
        """Move a top-level free fn to another module file of the same crate."""
        mods = self.module_files()
        src_cands = [f for f in mods if self.free_fns(f)]
        if not src_cands:
            return None
        src = self.rng.choice(src_cands)
        crate = src.split(os.sep)[0]
        dests = [f for f in mods if f != src and f.split(os.sep)[0] == crate]
        if not dests:
            return None
        dst = self.rng.choice(dests)
        lines = self.read(src).split("\n")
        starts = [i for i, l in enumerate(lines) if re.match(r"^(?:pub(?:\([^)]*\))?\s+)?fn\s+\w+", l)]
        i = self.rng.choice(starts)
        j = next((k for k in range(i, len(lines)) if lines[k] == "}" or
                  (k == i and lines[k].rstrip().endswith("}"))), None)
        if j is None:
            return None
        block = lines[i:j + 1]
        del lines[i:j + 1]
        self.write(src, "\n".join(lines))
        self.write(dst, self.read(dst).rstrip("\n") + "\n\n" + "\n".join(block) + "\n")
        return "move `%s` from %s to %s" % (block[0].rstrip(" {"), src, dst), (2, 0, 0)

    def op_break_syntax(self):
        rel = self.rng.choice(self.files())
        n = self.next_serial()
        self.write(rel, self.read(rel) + "\npub fn broken_%d(a: u32 -> u32 {\n    let = ;\n" % n)
        self.broken = getattr(self, "broken", []) + [(rel, n)]
        return "append a syntax error to %s" % rel, (1, 0, 0)

    def op_fix_syntax(self):
        # the whole appended text, not just its name: a later step may have
        # added a call to broken_N() or written inside the broken block
        snippet = lambda n: "\npub fn broken_%d(a: u32 -> u32 {\n    let = ;\n" % n
        broken = [(r, n) for r, n in getattr(self, "broken", [])
                  if os.path.isfile(os.path.join(self.root, r)) and snippet(n) in self.read(r)]
        if not broken:
            return None
        rel, n = self.rng.choice(broken)
        self.broken.remove((rel, n))
        text = self.read(rel).replace(snippet(n), "")
        self.write(rel, text)
        return "remove the syntax error from %s" % rel, (1, 0, 0)

    def op_non_utf8(self):
        rel = self.rng.choice([f for f in self.files() if os.path.basename(f) not in ("lib.rs", "main.rs")]
                              or self.files())
        with open(os.path.join(self.root, rel), "ab") as f:
            f.write(b"\n// caf\xe9 (Latin-1)\n")
        return "make %s non-UTF-8" % rel, None

    def op_rename_crate(self):
        """Change a crate's name in its Cargo.toml only: every path in it changes."""
        tomls = [t for t in ("shapes/Cargo.toml", "app/Cargo.toml")
                 if os.path.isfile(os.path.join(self.root, t))]
        if not tomls:
            return None
        t = self.rng.choice(tomls)
        text = self.read(t)
        n = self.next_serial()
        if t.startswith("shapes"):
            text2 = re.sub(r'(\[lib\]\s*\nname = ")([\w-]+)"', r'\g<1>\g<2>%d"' % n, text)
        else:
            text2 = re.sub(r'(\[package\]\s*\nname = ")([\w-]+)"', r'\g<1>\g<2>-%d"' % n, text)
        if text2 == text:
            return None
        self.write(t, text2)
        return "rename the crate in %s" % t, [(0, 0, 0), (1, 0, 0)]

    def macro_files(self):
        return [f for f in self.files() if "macro_rules!" in self.read(f)]

    def template_fn_lines(self, lines):
        """Lines inside a macro_rules! body that start a fn."""
        out, depth, inside = [], 0, False
        for i, line in enumerate(lines):
            if "macro_rules!" in line:
                inside, depth = True, 0
            if not inside:
                continue
            depth += line.count("{") + line.count("(") - line.count("}") - line.count(")")
            s = line.strip()
            if depth > 0 and (s.startswith("fn ") or s.startswith("pub fn ")):
                out.append(i)
            if depth <= 0 and i > 0 and ("}" in line or ")" in line):
                inside = False
        return out

    def op_edit_template(self):
        """Add a fn to a macro_rules! body: every file expanding it changes."""
        cands = [(rel, i) for rel in self.macro_files()
                 for i in self.template_fn_lines(self.read(rel).split("\n"))]
        if not cands:
            return None
        rel, i = self.rng.choice(cands)
        lines = self.read(rel).split("\n")
        n = self.next_serial()
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        lines.insert(i, indent + "fn made_%d(&self) { made_%d(); }" % (n, n))
        self.write(rel, "\n".join(lines))
        return "add fn made_%d to a macro_rules! body in %s:%d" % (n, rel, i + 1), (1, 0, 0)

    def op_shift_template(self):
        """Move every macro_rules! of a file down a line: the calls written in
        them, which other files' expansions make, move too."""
        fs = self.macro_files()
        if not fs:
            return None
        rel = self.rng.choice(fs)
        self.write(rel, "// moved\n" + self.read(rel))
        return "shift the macro_rules! of %s down a line" % rel, (1, 0, 0)

    def op_touch(self):
        rel = self.rng.choice(self.files())
        path = os.path.join(self.root, rel)
        text = self.read(rel)
        self.write(rel, text)  # same bytes, new mtime
        t = time.time() + 2
        os.utime(path, (t, t))
        return "touch %s (no change)" % rel, (0, 0, 0)


OPS = [("rename_fn", 3), ("add_fn", 2), ("edit_body", 2), ("delete_impl", 2),
       ("add_file", 2), ("delete_file", 1), ("touch", 1), ("rename_def_only", 1),
       ("remove_use", 1), ("move_fn", 1), ("break_syntax", 1), ("fix_syntax", 1),
       ("non_utf8", 0.3), ("rename_crate", 0.5), ("edit_template", 1), ("shift_template", 1)]


def main():
    argv = sys.argv[1:]
    if not argv:
        print("usage: incremental.py path/to/parseltongue [--seed N] [--steps N] [--tree DIR] [--keep]",
              file=sys.stderr)
        return 2
    binary = os.path.abspath(argv[0])
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else random.SystemRandom().randrange(1, 10 ** 9)
    steps = max(30, int(argv[argv.index("--steps") + 1])) if "--steps" in argv else 40
    keep = "--keep" in argv
    source = os.path.abspath(argv[argv.index("--tree") + 1]) if "--tree" in argv else FIXTURE
    print("tree: %s" % source)
    print("seed: %d (replay with --seed %d), steps: %d" % (seed, seed, steps), flush=True)
    if not os.access(binary, os.X_OK):
        print("incremental.py: %s is not an executable" % binary, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    rng = random.Random(seed)
    C = Checks()
    tmp = tempfile.mkdtemp(prefix="pt-incremental-")
    try:
        work = os.path.join(tmp, "work")
        shutil.copytree(source, work, symlinks=True, ignore=shutil.ignore_patterns(
            "expected.json", "target", "Cargo.lock", ".cache"))
        db_a = os.path.join(tmp, "db-incremental")
        rc, out, err = run(binary, ["onboard", work, "--db", db_a])
        if not C.check("initial-onboard", rc == 0, rc_text(rc), [err.strip()[:500]]):
            print("%d passed, %d failed" % (C.passed, C.failed))
            return 1
        tree = Tree(work, rng)
        names = [n for n, _ in OPS]
        weights = [w for _, w in OPS]
        for step in range(1, steps + 1):
            res = None
            tries = 0
            while res is None and tries < 20:
                op = rng.choices(names, weights)[0]
                res = getattr(tree, "op_" + op)()
                tries += 1
            if res is None:
                C.check("step %d" % step, False, "no operation applies to the tree")
                continue
            what, expect = res
            if isinstance(expect, tuple):
                expect = [expect]
            print("step %d: %s" % (step, what), flush=True)

            rc, out, err = run(binary, ["onboard", work, "--db", db_a])
            if not C.check("step %d incremental onboard" % step, rc == 0, rc_text(rc), [err.strip()[:500]]):
                continue
            got = summary_counts(err)
            if expect is not None:
                C.check("step %d summary counts" % step, got in expect,
                        "expected %s, got %s" % (
                            " or ".join("(%d changed, %d added, %d deleted)" % e for e in expect),
                            "(%d changed, %d added, %d deleted)" % got if got else "no summary line"),
                        [err.strip()[:300]])

            fresh = os.path.join(tmp, "fresh")
            db_b = os.path.join(tmp, "db-full")
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(db_b, ignore_errors=True)
            shutil.copytree(work, fresh, ignore=shutil.ignore_patterns(".cache"))
            rc, out, err = run(binary, ["onboard", fresh, "--db", db_b])
            if not C.check("step %d full onboard" % step, rc == 0, rc_text(rc), [err.strip()[:500]]):
                continue
            ea, erra = export(binary, db_a)
            eb, errb = export(binary, db_b)
            if ea is None or eb is None:
                C.check("step %d export equal" % step, False, erra or errb)
                continue
            C.check("step %d export equal" % step, ea == eb,
                    "incremental and full graphs differ after: %s" % what, diff_exports(ea, eb))
        rc, out, err = run(binary, ["storage", "verify", "--db", db_a])
        C.check("final storage verify", rc == 0, rc_text(rc), [err.strip()[:500]])
    finally:
        if keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("seed: %d" % seed)
    print("%d passed, %d failed" % (C.passed, C.failed))
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
