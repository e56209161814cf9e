"""The program of the CLI-overhead rows (scripts/bench/cli-overhead.bench.mjs): builds the synthetic
heap of capture_vs_floor.py with automatic collection on, as a program does, passes the line the
CLI captures at, then measures a full ``gc.collect()``.

    python scripts/bench/cli_overhead_heap.py TRACKED_OBJECTS

Run plainly and under ``heap-inspector snapshot --at THIS_FILE:LINE`` (LINE: the ``# CAPTURE``
line); the bench times both from outside.  Prints one JSON line: the tracked objects, the full
collection's time (wall-clock and CPU), how long the program stood at the line (the capture,
loading the agent included), and the memory the capture added (peak RSS after the line minus RSS before it,
0 in a plain run).
"""
import gc
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_vs_floor import build  # noqa: E402


def rss_now_kb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


heap = build(int(sys.argv[1]))
before = max(rss_now_kb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
line_began = time.perf_counter()
pass  # CAPTURE
paused = time.perf_counter() - line_began
added = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
tracked = len(gc.get_objects())
began, began_cpu = time.perf_counter(), time.process_time()
gc.collect()
collect, collect_cpu = time.perf_counter() - began, time.process_time() - began_cpu
print(
    json.dumps(
        {
            "tracked": tracked,
            "fullCollectSeconds": round(collect, 4),
            "fullCollectCpuSeconds": round(collect_cpu, 4),
            "captureRssAddedKb": max(0, added),
            "pausedAtLineSeconds": round(paused, 4),
        }
    )
)
