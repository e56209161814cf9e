"""A small reader of snapshot files for the agent's Python tests (the product's reader is the
TypeScript engine in server/engine/).  Also a reference implementation of the collector
prediction, so agent tests can check captures against the real collector without Node."""
import array
import json
import struct
import sys
import zlib

_TYPECODES = {1: "B", 2: "i", 3: "I", 4: "d"}


class Snapshot:
    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        assert data[:8] == b"PYHEAPSN", "bad magic"
        (self.format_version,) = struct.unpack_from("<I", data, 8)
        offset = 12
        self.sections = {}
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
            if encoding == 1:
                raw = zlib.decompress(raw)
            if dtype == 5:
                self.sections[name] = json.loads(raw.decode("utf-8"))
            else:
                values = array.array(_TYPECODES[dtype])
                values.frombytes(raw)
                if sys.byteorder != "little":
                    values.byteswap()
                assert len(values) == count
                self.sections[name] = values
        assert "end" in self.sections, "truncated"
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
