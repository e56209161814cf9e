"""Capture time and snapshot size on a synthetic heap, next to the floors and a peer, all measured
in the same process on the same heap:

- a bare ``gc.get_referents`` walk over every tracked object (results discarded), and a walk that
  keeps what it reads (``list(map(gc.get_referents, objects))``: what any capture must at least do);
- the agent's capture (walk + write), wall-clock and CPU time;
- a full ``gc.collect()`` (the collector itself, in C) -- this frees the heap's garbage cycles;
- objgraph's ``get_leaking_objects()`` where objgraph is importable (Debian's python3-objgraph is
  found in /usr/lib/python3/dist-packages too); it runs ``gc.collect()`` itself first, as users
  call it, so it runs last.

    python scripts/bench/capture_vs_floor.py [TRACKED_OBJECTS] [OUT.heapsnap]

Prints one JSON line.  Used by `npm run bench` (scripts/bench/agent.bench.mjs) and for the figures
in docs/performance.md.
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
DEBIAN_PACKAGES = "/usr/lib/python3/dist-packages"


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


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bare_walk():
    for obj in gc.get_objects():
        gc.get_referents(obj)


def keeping_walk():
    return list(map(gc.get_referents, gc.get_objects()))


def import_objgraph():
    try:
        import objgraph
    except ImportError:
        if not os.path.isdir(DEBIAN_PACKAGES):
            return None
        sys.path.append(DEBIAN_PACKAGES)
        try:
            import objgraph
        except ImportError:
            return None
        finally:
            sys.path.remove(DEBIAN_PACKAGES)
    return objgraph


def max_rss_kb():
    try:
        import resource
    except ImportError:
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == "darwin" else usage


def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(tempfile.mkdtemp(), "bench.heapsnap")
    objgraph = import_objgraph()  # imported before the heap is built: not part of any timing
    gc.disable()
    heap = build(target)  # noqa: F841 - kept alive for the measurements
    tracked = len(gc.get_objects())

    _, walk, walk_cpu = timed(bare_walk)
    kept, keep_walk, keep_walk_cpu = timed(keeping_walk)
    del kept

    namespace = {"__name__": "_heap_inspector_bootstrap"}
    with open(os.path.join(AGENT, "bootstrap.py"), "rb") as source:
        exec(compile(source.read(), "bootstrap.py", "exec"), namespace)
    capture = namespace["load_agent"](AGENT)
    rss_before = max_rss_kb()
    result, capture_wall, capture_cpu = timed(lambda: capture.capture_to_file(out))
    rss_after = max_rss_kb()
    size = os.path.getsize(out)

    freed, collect, collect_cpu = timed(gc.collect)
    leaking_seconds = leaking_cpu = leaking_count = None
    if objgraph is not None:
        leaking, leaking_seconds, leaking_cpu = timed(objgraph.get_leaking_objects)
        leaking_count = len(leaking)
        del leaking
    print(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "executable": sys.executable,
                "tracked": tracked,
                "nodes": result["nodes"],
                "edges": result["edges"],
                "captureSeconds": round(capture_wall, 4),
                "captureCpuSeconds": round(capture_cpu, 4),
                "referentsWalkSeconds": round(walk, 4),
                "referentsWalkCpuSeconds": round(walk_cpu, 4),
                "keepingWalkCpuSeconds": round(keep_walk_cpu, 4),
                "fullCollectCpuSeconds": round(collect_cpu, 4),
                "objgraphLeakingCpuSeconds": None if leaking_cpu is None else round(leaking_cpu, 4),
                "keepingWalkSeconds": round(keep_walk, 4),
                "fullCollectSeconds": round(collect, 4),
                "collected": freed,
                "objgraphLeakingSeconds": None if leaking_seconds is None else round(leaking_seconds, 4),
                "objgraphLeakingObjects": leaking_count,
                "captureOverWalk": round(capture_wall / walk, 2),
                "captureOverKeepingWalk": round(capture_wall / keep_walk, 2),
                "captureOverCollect": round(capture_wall / collect, 2),
                "snapshotBytes": size,
                "bytesPerNode": round(size / result["nodes"], 2),
                "bytesPerTracked": round(size / tracked, 2),
                "captureMaxRssAddedKb": None if rss_before is None else rss_after - rss_before,
                "maxRssKb": rss_after,
                "snapshot": out,
            }
        )
    )


if __name__ == "__main__":
    main()
