"""CPU time of a capture with each kernel and of a full gc.collect(), in one process, on one heap
(the synthetic heap of capture_vs_floor.py): steadier than wall-clock figures on a loaded machine.

    python scripts/bench/accel_cpu.py TRACKED_OBJECTS ACCELERATOR_MODULE

Captures twice with each kernel, alternating (native, pure, native, pure), then collects.
Prints one JSON line: {"native": [[cpu, wall], ...], "pure": [...], "collect": [cpu, wall],
"tracked": N}.  The accelerator is a module built by agent/accel/build_accel.py for this Python.
"""
import gc
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "agent", "heap_inspector_agent")
sys.path.insert(0, HERE)
from capture_vs_floor import build  # noqa: E402

namespace = {"__name__": "_heap_inspector_bootstrap"}
with open(os.path.join(AGENT, "bootstrap.py"), "rb") as source:
    exec(compile(source.read(), os.path.join(AGENT, "bootstrap.py"), "exec"), namespace)
capture = namespace["load_agent"](AGENT)
loader = sys.modules["_heap_inspector_agent.accel_loader"]
heap = build(int(sys.argv[1]))
gc.disable()
results = {"native": [], "pure": []}
with tempfile.TemporaryDirectory() as folder:
    for kernel in ("native", "pure", "native", "pure"):
        if kernel == "native":
            problem = loader.use(os.path.abspath(sys.argv[2]))
            if problem is not None:
                sys.exit(problem)
        else:
            loader.unavailable("measured without it")
        wall, cpu = time.perf_counter(), time.process_time()
        # As the CLI's single capture: no weak references kept for a next capture (identity.py).
        capture.capture_to_file(os.path.join(folder, "capture.heapsnap"), keep_identity=False)
        results[kernel].append([round(time.process_time() - cpu, 3), round(time.perf_counter() - wall, 3)])
wall, cpu = time.perf_counter(), time.process_time()
gc.collect()
results["collect"] = [round(time.process_time() - cpu, 3), round(time.perf_counter() - wall, 3)]
results["tracked"] = len(gc.get_objects())
print(json.dumps(results))
