#!/usr/bin/env python3
"""Write scip.proto's schema as a FileDescriptorSet, for protoc-c and protoc.

The npm package @c4312/scip is generated from Sourcegraph's published
scip.proto by protoc-gen-es, which embeds the compiled schema (a
FileDescriptorProto, base64) in scip_pb.js. A FileDescriptorSet is that
message as field 1 of another: one tag byte, the length, the bytes.
protoc-c --descriptor_set_in=OUT then generates the C code, and
protoc --descriptor_set_in=OUT --decode=scip.Index decodes an index, from
the published schema and without a copy of scip.proto in the repository.

usage: scip_descriptor.py scip_pb.js OUT
"""
import base64
import re
import sys


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def main():
    js, out = sys.argv[1], sys.argv[2]
    with open(js, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'fileDesc\)?\("([A-Za-z0-9+/=_-]+)"', text)
    if not m:
        sys.exit("%s: no embedded file descriptor (fileDesc(\"...\")) found" % js)
    b64 = m.group(1)
    fdp = base64.b64decode(b64 + "=" * (-len(b64) % 4))
    # A FileDescriptorProto starts with field 1, its name: "scip.proto".
    if not fdp.startswith(b"\x0a\x0ascip.proto"):
        sys.exit("%s: the embedded descriptor is not scip.proto's" % js)
    with open(out, "wb") as f:
        f.write(b"\x0a" + varint(len(fdp)) + fdp)


if __name__ == "__main__":
    main()
