"""A small reader of snapshot files for the agent's Python tests (the product's reader is the
TypeScript engine in server/engine/).  Also a reference implementation of the collector
prediction, so agent tests can check captures against the real collector.

The agent writes format 2 (references by address, labels as recorded facts); the engine maps and
labels them.  A format 2 file is therefore read through the engine
(test/helpers/snapshotToFormat1.ts writes what the engine read as format 1), and what these
tests check is what the engine makes of a capture.  ``raw_sections(path)`` reads a file's
sections as they are, without the engine."""
import array
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_CONVERTER = os.path.join(ROOT, "test", "helpers", "snapshotToFormat1.ts")

_TYPECODES = {1: "B", 2: "i", 3: "I", 4: "d", 6: "Q"}


def _from_planes(raw, size):
    count = len(raw) // size
    out = bytearray(len(raw))
    for byte in range(size):
        out[byte::size] = raw[byte * count : (byte + 1) * count]
    return bytes(out)


def raw_sections(path):
    """(format version, {name: value}) of a snapshot file as stored: JSON parsed, columns as arrays,
    the chunks of a column (and of ``strings``) joined in file order."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"PYHEAPSN", "bad magic"
    (version,) = struct.unpack_from("<I", data, 8)
    offset = 12
    sections = {}
    while offset < len(data):
        (name_length,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = data[offset : offset + name_length].decode("ascii")
        offset += name_length
        dtype, encoding, crc, count, stored = struct.unpack_from("<BBIQQ", data, offset)
        offset += 22
        raw = data[offset : offset + stored]
        offset += stored
        assert zlib.crc32(raw) & 0xFFFFFFFF == crc, "crc mismatch in " + name
        if encoding in (1, 2):
            raw = zlib.decompress(raw)
        if encoding == 2:
            raw = _from_planes(raw, array.array(_TYPECODES[dtype]).itemsize)
        if dtype == 5:
            value = json.loads(raw.decode("utf-8"))
            if name in sections:  # format 2: the string table comes in chunks
                sections[name] = sections[name] + value
            else:
                sections[name] = value
        else:
            values = array.array(_TYPECODES[dtype])
            values.frombytes(raw)
            if sys.byteorder != "little":
                values.byteswap()
            assert len(values) == count
            if name in sections:
                sections[name].extend(values)
            else:
                sections[name] = values
    assert "end" in sections, "truncated"
    return version, sections


def _through_the_engine(path):
    """The sections of ``path`` as the engine reads them (format 1)."""
    folder = tempfile.mkdtemp(prefix="hi-snapshot-")
    converted = os.path.join(folder, "format1.heapsnap")
    try:
        run = subprocess.run(
            ["node", "--import", "tsx", _CONVERTER, path, converted], cwd=ROOT, capture_output=True, text=True
        )
        assert run.returncode == 0, "the engine could not read %s: %s" % (path, run.stderr[-2000:])
        return raw_sections(converted)[1]
    finally:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


# The kernel's own line (accel_loader.py): which kernel read the heap, not what it found.
KERNEL_LINE_PREFIXES = ("no native accelerator was given", "the native accelerator was not used")


class Snapshot:
    def __init__(self, path):
        self.format_version, self.file_sections = raw_sections(path)
        if self.format_version == 1:
            self.sections = self.file_sections
        else:
            self.sections = _through_the_engine(path)
        s = self.sections
        self.meta = s["meta"]
        self.strings = s["strings"]
        self.types = s["types"]
        self.address = s["node.address"]
        self.type = s["node.type"]
        self.refcount = s["node.refcount"]
        self.flags = s["node.flags"]
        self.name = s["node.name"]
        self.edge_count = s["node.edgeCount"]
        self.edge_to = s["edge.to"]
        self.edge_kind = s["edge.kind"]
        self.edge_name = s["edge.name"]
        self.n = len(self.address)
        self.edge_start = array.array("I", [0])
        total = 0
        for c in self.edge_count:
            total += c
            self.edge_start.append(total)
        self.by_address = {int(a): i for i, a in enumerate(self.address)}

    def heap_warnings(self):
        """The warnings about the heap read, without the line that says which kernel read it
        (a driver that loads the agent directly gives it no accelerator, and it says so)."""
        return [w for w in self.meta["warnings"] if not w.startswith(KERNEL_LINE_PREFIXES)]

    def type_name(self, node):
        return self.types[self.type[node]]["name"]

    def tracked(self, node):
        return bool(self.flags[node] & 1)

    def generation(self, node):
        return (self.flags[node] >> 1) & 3 if self.tracked(node) else None

    def edges(self, node):
        for e in range(self.edge_start[node], self.edge_start[node + 1]):
            kind = self.edge_kind[e]
            name = self.edge_name[e] if kind == 4 else self.strings[self.edge_name[e]]
            yield self.edge_to[e], kind, name

    def predict_unreachable(self, generation=2):
        """Nodes a gc.collect(generation) would find unreachable (CPython's algorithm)."""
        in_set = [self.tracked(i) and self.generation(i) <= generation for i in range(self.n)]
        gc_refs = [self.refcount[i] if in_set[i] else 0 for i in range(self.n)]
        for i in range(self.n):
            if in_set[i]:
                for e in range(self.edge_start[i], self.edge_start[i + 1]):
                    t = self.edge_to[e]
                    if in_set[t]:
                        gc_refs[t] -= 1
        reachable = [False] * self.n
        stack = [i for i in range(self.n) if in_set[i] and gc_refs[i] > 0]
        for i in stack:
            reachable[i] = True
        while stack:
            i = stack.pop()
            for e in range(self.edge_start[i], self.edge_start[i + 1]):
                t = self.edge_to[e]
                if in_set[t] and not reachable[t]:
                    reachable[t] = True
                    stack.append(t)
        return [i for i in range(self.n) if in_set[i] and not reachable[i]]
