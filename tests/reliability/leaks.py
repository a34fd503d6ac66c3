#!/usr/bin/env python3
"""tests/reliability/leaks.py BINARY — a whole editor session under valgrind.

The server indexes a copy of tests/fixtures/ws1, then takes 38 edits of an
open file, each followed by definition, references, workspace/symbol,
documentSymbol and blastRadius requests, closes the file and exits cleanly.
valgrind (memcheck, --leak-check=full) must report no error and no leak
(definite, indirect or possible); every request must be answered.
Skipped (exit 0, said so) where valgrind is not installed. About a minute.

Last line: "N passed, M failed".
"""
import os
import shutil
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import FIXTURES, Client, check, init_params, summary, uri_of  # noqa: E402

REQUESTS = ["textDocument/definition", "textDocument/references", "workspace/symbol",
            "textDocument/documentSymbol", "parseltongue/blastRadius"]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    valgrind = shutil.which("valgrind")
    if not valgrind:
        print("leaks: valgrind is not installed: skipped")
        return summary()
    tmp = tempfile.mkdtemp(prefix="pt-leaks-")
    try:
        ws = os.path.join(tmp, "ws")
        shutil.copytree(os.path.join(FIXTURES, "ws1"), ws)
        # the client runs BINARY --stdio ARGS: a wrapper puts valgrind first
        wrap = os.path.join(tmp, "under-valgrind")
        with open(wrap, "w") as f:
            f.write("#!/bin/sh\nexec %s --leak-check=full --show-leak-kinds=definite,indirect,possible "
                    "--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=9 "
                    "--child-silent-after-fork=yes %s \"$@\"\n" % (valgrind, binary))
        os.chmod(wrap, stat.S_IRWXU)
        c = Client(wrap, ["--db", os.path.join(tmp, "db")])
        c.request("initialize", init_params(ws), timeout=120)
        c.notify("initialized", {})
        check("leaks: server ready under valgrind", c.wait_ready(300) is not None)
        path = os.path.join(ws, "shapes", "src", "edge.rs")
        text = open(path, encoding="utf-8").read()
        uri = uri_of(path)
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rust", "version": 1,
                                                            "text": text}})
        asked = answered = 0
        for v in range(2, 40):
            c.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                              "end": {"line": 0, "character": 0}}, "text": "// edit %d\n" % v}]})
            for m in REQUESTS:
                p = {"textDocument": {"uri": uri}, "position": {"line": 30, "character": 10},
                     "context": {"includeDeclaration": True}}
                if m == "workspace/symbol":
                    p = {"query": "area"}
                r = c.request(m, p, timeout=120)
                asked += 1
                answered += r is not None and ("result" in r or "error" in r)
        c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        time.sleep(1)
        code = c.close()
        log = c.log()
        lines = [l for l in log.splitlines() if "ERROR SUMMARY" in l or "All heap blocks" in l
                 or "definitely lost" in l or "indirectly lost" in l or "possibly lost" in l]
        print("leaks: %d requests answered of %d; %s" % (answered, asked, "; ".join(l.split("== ", 1)[-1] for l in lines)))
        check("leaks: every request answered", answered == asked, (answered, asked))
        check("leaks: valgrind reports no error and no leak, clean exit", code == 0 and
              any("ERROR SUMMARY: 0 errors" in l for l in lines), (code, "\n".join(lines) or log[-1500:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
