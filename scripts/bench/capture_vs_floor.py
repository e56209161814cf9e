"""Capture time and snapshot size on a synthetic heap, next to the floors: a full gc.collect()
and a bare gc.get_referents walk over every tracked object, all measured in the same process.

    python scripts/bench/capture_vs_floor.py [TRACKED_OBJECTS] [OUT.heapsnap]

Prints one JSON line.  Used by `npm run bench` (issue 7) and for the figures in docs/performance.md.
"""
import gc
import json
import os
import sys
import tempfile
import time
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "agent", "heap_inspector_agent")


class Node:
    def __init__(self, value):
        self.value = value
        self.next = None


class Finalized(Node):
    def __del__(self):
        pass


def build(target):
    """About `target` tracked objects: live lists/dicts/instances, cycles, weakrefs, garbage."""
    live = []
    per_block = 5  # a block adds ~5 tracked objects
    for i in range(target // per_block):
        node = Node(i)
        node.next = Node(i + 1)
        node.next.next = node if i % 10 == 0 else None
        live.append([node, {"k": i, "n": node.next}, (i, node)])
        if i % 100 == 0:
            live.append(weakref.ref(node))
        if i % 50 == 0:
            a, b = Finalized(i), Node(i)
            a.next, b.next = b, a  # garbage cycle with a finalizer
    return live


def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(tempfile.mkdtemp(), "bench.heapsnap")
    gc.disable()
    heap = build(target)  # noqa: F841 - kept alive for the measurements
    tracked = len(gc.get_objects())

    started = time.perf_counter()
    for obj in gc.get_objects():
        gc.get_referents(obj)
    walk = time.perf_counter() - started

    namespace = {"__name__": "_heap_inspector_bootstrap"}
    with open(os.path.join(AGENT, "bootstrap.py"), "rb") as source:
        exec(compile(source.read(), "bootstrap.py", "exec"), namespace)
    capture = namespace["load_agent"](AGENT)
    started = time.perf_counter()
    result = capture.capture_to_file(out)
    capture_seconds = time.perf_counter() - started
    size = os.path.getsize(out)

    started = time.perf_counter()
    gc.collect()
    collect = time.perf_counter() - started
    print(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "tracked": tracked,
                "nodes": result["nodes"],
                "edges": result["edges"],
                "captureSeconds": round(capture_seconds, 3),
                "referentsWalkSeconds": round(walk, 3),
                "fullCollectSeconds": round(collect, 3),
                "captureOverWalk": round(capture_seconds / walk, 2),
                "captureOverCollect": round(capture_seconds / collect, 2),
                "snapshotBytes": size,
                "bytesPerNode": round(size / result["nodes"], 1),
                "snapshot": out,
            }
        )
    )


if __name__ == "__main__":
    main()
