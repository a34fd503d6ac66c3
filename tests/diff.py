#!/usr/bin/env python3
"""Black-box tests of `parseltongue diff` on a real two-commit git history.

Usage: python3 tests/diff.py path/to/parseltongue [--keep]

The history is made from tests/fixtures/diff/base (first commit) and
tests/fixtures/diff/head (second commit): a crate `shop` whose second commit
changes the body of price::with_tax and Cart::total, the signature of
price::discount (pct: u64 -> u32) and Cart::total_with_discount, removes
price::round, adds price::clamp, and moves every item of price.rs down two
lines (a comment on top) without changing unused_helper. The expectations
below are written by hand from those sources, never from our output.

Prints "ok ID" or "FAIL ID: why" per check, then "N passed, M failed".
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures", "diff")

# ---- the truth, by hand ----------------------------------------------------------------
SIG = {"shop::price::discount": ("pub fn discount(cents: u64, pct: u64) -> u64",
                                 "pub fn discount(cents: u64, pct: u32) -> u64"),
       "shop::cart::Cart::total_with_discount": ("pub fn total_with_discount(&self, pct: u64) -> u64",
                                                 "pub fn total_with_discount(&self, pct: u32) -> u64")}
BODY = {"shop::price::with_tax", "shop::cart::Cart::total"}
ADDED = {"shop::price::clamp"}
REMOVED = {"shop::price::round"}
API_SIG = set(SIG)
API_REMOVED = {"shop::price::round"}
# blast radius at depth 3 (calls and uses, backwards):
#   round (in the base): Cart::total; then total_with_discount and the three
#     tests that call total (empty_cart_costs_nothing, adding_grows,
#     integration::discount_applies) -> 5, 1 direct
#   discount: total_with_discount; then discount_applies -> 2, 1 direct
#   total_with_discount: discount_applies -> 1, 1 direct
IMPACT = [("shop::price::round", "removed", 5, 1), ("shop::price::discount", "signature", 2, 1),
          ("shop::cart::Cart::total_with_discount", "signature", 1, 1)]
# tests reaching a change: the two cart tests call total (body changed);
# discount_applies calls total_with_discount and total. new_is_empty only
# calls Cart::new (unchanged), version_is_one only shop::version.
TESTS = {"shop::cart::tests::empty_cart_costs_nothing": {"shop::cart::Cart::total"},
         "shop::cart::tests::adding_grows": {"shop::cart::Cart::total"},
         "integration::discount_applies": {"shop::cart::Cart::total",
                                           "shop::cart::Cart::total_with_discount"}}
TEST_FILES = ["tests/integration.rs"]

passed = failed = 0


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s%s" % (name, ": " + why if why else ""))


def paths(lst):
    return {e["path"] for e in lst}


def git(repo, *args):
    subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", "-C", repo] + list(args),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(binary, cwd, *args, env=None):
    e = dict(os.environ)
    e.pop("PARSELTONGUE_DB", None)
    e.update(env or {})
    return subprocess.run([binary, "diff"] + list(args), cwd=cwd, capture_output=True, text=True, env=e,
                          timeout=300)


def check_doc(tag, doc):
    check(tag + ": signature changed", paths(doc["signature_changed"]) == set(SIG),
          str(paths(doc["signature_changed"])))
    for e in doc["signature_changed"]:
        old, new = SIG.get(e["path"], (None, None))
        check(tag + ": old and new signature of " + e["path"],
              e.get("old_signature") == old and e.get("signature") == new, str(e))
    check(tag + ": body changed", paths(doc["body_changed"]) == BODY, str(paths(doc["body_changed"])))
    check(tag + ": added", paths(doc["added"]) == ADDED, str(paths(doc["added"])))
    check(tag + ": removed", paths(doc["removed"]) == REMOVED, str(paths(doc["removed"])))
    api = doc["public_api"]
    check(tag + ": public API", paths(api["signature_changed"]) == API_SIG and paths(api["removed"]) == API_REMOVED,
          str(api))
    got = [(i["path"], i["change"], i["affected"], i["direct"]) for i in doc["impact"]]
    check(tag + ": impact ranked", got == IMPACT, str(got))
    tests = {t["path"]: t["reaches"] for t in doc["tests"]}
    check(tag + ": tests that reach a change", set(tests) == set(TESTS), str(sorted(tests)))
    check(tag + ": each test reaches a changed item it calls",
          all(tests.get(k) in v for k, v in TESTS.items()), str(tests))
    check(tag + ": test files", doc["test_files"] == TEST_FILES, str(doc["test_files"]))
    where = {e["path"]: (e["file"], e["line"]) for e in doc["signature_changed"] + doc["added"] + doc["removed"]}
    check(tag + ": locations (head for changed and added, base for removed)",
          where.get("shop::price::discount") == ("src/price.rs", 7) and
          where.get("shop::price::clamp") == ("src/price.rs", 11) and
          where.get("shop::price::round") == ("src/price.rs", 9), str(where))


def main():
    if len(sys.argv) < 2:
        print("usage: diff.py BINARY [--keep]")
        return 2
    binary = os.path.abspath(sys.argv[1])
    keep = "--keep" in sys.argv
    tmp = tempfile.mkdtemp(prefix="pt-diff-test.")
    scratch = os.path.join(tmp, "scratch")
    os.mkdir(scratch)
    env = {"PARSELTONGUE_DIFF_TMP": scratch}
    try:
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        git(repo, "init", "-q")
        # copies with new modification times: git (like our index) trusts
        # size and mtime, and the fixture's two cart.rs have the same size
        shutil.copytree(os.path.join(FIX, "base"), repo, dirs_exist_ok=True, copy_function=shutil.copy)
        with open(os.path.join(repo, ".gitignore"), "w") as f:
            f.write(".cache/\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "base")
        for d in ("src", "tests"):
            shutil.rmtree(os.path.join(repo, d))
        shutil.copytree(os.path.join(FIX, "head"), repo, dirs_exist_ok=True, copy_function=shutil.copy)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "head")

        # two revisions (HEAD is also the work tree here)
        p = run(binary, repo, "HEAD~1", "HEAD", "--json", env=env)
        check("revisions: exit 0", p.returncode == 0, p.stderr)
        doc = json.loads(p.stdout) if p.returncode == 0 else None
        if doc:
            check_doc("revisions", doc)
            st = doc["stats"]
            # base: price.rs and cart.rs differ from the work tree; the head is the work tree
            check("revisions: only the two changed files were checked out, the rest linked",
                  st["files_checked_out"] == 2 and st["files_linked"] == 2 * 5 - 2, str(st))
        check("revisions: the scratch folder is removed", os.listdir(scratch) == [], str(os.listdir(scratch)))

        # BASE against the work tree
        p = run(binary, repo, "HEAD~1", "--json", env=env)
        check("work tree: exit 0", p.returncode == 0, p.stderr)
        if p.returncode == 0:
            check_doc("work tree", json.loads(p.stdout))

        # the work tree's own changes: an uncommitted edit and an untracked file
        with open(os.path.join(repo, "src", "price.rs"), "a") as f:
            f.write("\npub fn surcharge(cents: u64) -> u64 {\n    cents + 1\n}\n")
        with open(os.path.join(repo, "src", "cart.rs")) as f:
            text = f.read()
        with open(os.path.join(repo, "src", "cart.rs"), "w") as f:
            f.write(text.replace("Cart { items: Vec::new() }", "Cart { items: Vec::with_capacity(4) }"))
        p = run(binary, repo, "HEAD", "--json", env=env)
        d = json.loads(p.stdout) if p.returncode == 0 else {}
        check("uncommitted edits: only they show",
              p.returncode == 0 and paths(d["added"]) == {"shop::price::surcharge"} and
              paths(d["body_changed"]) == {"shop::cart::Cart::new"} and not d["signature_changed"] and
              not d["removed"], p.stderr + str({k: paths(d.get(k, [])) for k in ("added", "body_changed")}))
        check("uncommitted edits: the tests calling Cart::new",
              p.returncode == 0 and {t["path"] for t in d["tests"]} ==
              {"shop::cart::tests::empty_cart_costs_nothing", "shop::cart::tests::adding_grows",
               "shop::cart::tests::new_is_empty", "integration::discount_applies"},
              str([t["path"] for t in d.get("tests", [])]))
        # a file name a repository chose: a terminal escape in text, the exact name in JSON
        evil = "e\x1b[31m.rs"
        with open(os.path.join(repo, "src", evil), "w") as f:
            f.write("pub fn evil_fn() {}\n")
        with open(os.path.join(repo, "src", "lib.rs"), "a") as f:
            f.write('\n#[path = "%s"]\npub mod evil;\n' % evil)
        p = run(binary, repo, "HEAD", env=env)
        check("hostile name: text output spells the escape out",
              p.returncode == 0 and "\x1b" not in p.stdout and "src/e\\x1B[31m.rs" in p.stdout, p.stdout[-300:])
        p = run(binary, repo, "HEAD", "--markdown", env=env)
        check("hostile name: Markdown too", p.returncode == 0 and "\x1b" not in p.stdout, p.stdout[-300:])
        p = run(binary, repo, "HEAD", "--json", env=env)
        d = json.loads(p.stdout) if p.returncode == 0 else {}
        check("hostile name: JSON names the file exactly",
              any(e["path"] == "shop::evil::evil_fn" and e["file"] == "src/" + evil for e in d.get("added", [])),
              str(d.get("added")))
        os.remove(os.path.join(repo, "src", evil))
        git(repo, "checkout", "-q", "--", ".")

        # two folders
        fb, fh = os.path.join(tmp, "fb"), os.path.join(tmp, "fh")
        shutil.copytree(os.path.join(FIX, "base"), fb)
        shutil.copytree(os.path.join(FIX, "head"), fh)
        # the same size and modification time in both folders for files
        # whose content differs: BASE's index starts from a copy of HEAD's,
        # and must not take such a file for unchanged
        for rel in ("src/cart.rs", "src/price.rs", "src/lib.rs"):
            os.utime(os.path.join(fb, rel), ns=(1700000000000000000, 1700000000000000000))
            os.utime(os.path.join(fh, rel), ns=(1700000000000000000, 1700000000000000000))
        p = run(binary, tmp, "fb", "fh", "--json", env=env)
        check("folders: exit 0", p.returncode == 0, p.stderr)
        if p.returncode == 0:
            check_doc("folders", json.loads(p.stdout))
        check("folders: BASE keeps no database of ours (a copy was used)",
              not os.path.exists(os.path.join(fb, ".cache")))

        # text and Markdown say the same things
        p = run(binary, repo, "HEAD~1", "HEAD", env=env)
        check("text: summary line",
              p.returncode == 0 and "1 added, 1 removed, 2 signature changed, 2 body changed" in p.stdout.splitlines()[0],
              p.stdout[:200])
        check("text: old and new signature",
              "was: pub fn discount(cents: u64, pct: u64) -> u64" in p.stdout and
              "now: pub fn discount(cents: u64, pct: u32) -> u64" in p.stdout)
        p = run(binary, repo, "HEAD~1", "HEAD", "--markdown", env=env)
        md = p.stdout
        check("markdown: heading, impact table, tests",
              p.returncode == 0 and md.startswith("## Parseltongue: `HEAD~1` → `HEAD`") and
              "| affected | direct | change | item |" in md and "| 5 | 1 | removed | `shop::price::round` |" in md and
              "### Tests that reach a change (3)" in md, md[:300])

        # errors
        p = run(binary, repo, "no-such-rev", env=env)
        check("a bad revision: exit 1, said", p.returncode == 1 and "neither a folder nor a git revision" in p.stderr,
              p.stderr)
        p = run(binary, tmp, "not-a-folder", env=env)
        check("outside git, not a folder: exit 1", p.returncode == 1 and "not in a git work tree" in p.stderr, p.stderr)
        p = run(binary, repo, env=env)
        check("no BASE: usage, exit 2", p.returncode == 2, p.stderr)
    finally:
        if keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
