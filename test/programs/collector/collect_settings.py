"""What collect_and_record (agent/heap_inspector_agent/collect.py) leaves behind, checked from
inside one process: the collector's debug flags, its enabled state, gc.garbage (the same list,
holding what the program's own flags put there), sys.stderr, and gc.callbacks. Prints one JSON
line per case; test/collector/collectRecord.test.ts reads them."""
import gc
import json
import sys

agent_dir = sys.argv[1]
namespace = {"__name__": "_heap_inspector_bootstrap"}
with open(agent_dir + "/bootstrap.py", "rb") as source:
    exec(compile(source.read(), agent_dir + "/bootstrap.py", "exec"), namespace)
capture = namespace["load_agent"](agent_dir)


class Node:
    def __init__(self):
        self.me = self


class Raises:
    def __init__(self):
        self.me = self

    def __del__(self):
        raise RuntimeError("finalizer failed")


def case(name, flags, enabled, make):
    gc.collect()
    gc.set_debug(flags)
    (gc.enable if enabled else gc.disable)()
    garbage = gc.garbage
    before = list(garbage)
    stderr = sys.stderr
    callbacks = list(gc.callbacks)
    make()
    result = capture.collect_and_record(2)
    after = {
        "name": name,
        "flags": gc.get_debug() == flags,
        "enabled": gc.isenabled() == enabled,
        "sameGarbageList": gc.garbage is garbage,
        "garbageAdded": len(gc.garbage) - len(before),
        "reportedGarbageAdded": result["garbageAdded"],
        "stderr": sys.stderr is stderr,
        "callbacks": gc.callbacks == callbacks,
        "collected": result["collected"]["byType"],
        "output": result["output"],
        "gcWasEnabled": result["gcWasEnabled"],
    }
    gc.set_debug(0)
    del gc.garbage[len(before):]
    gc.enable()
    print(json.dumps(after))


gc.garbage.append("the program's own entry")
case("plain", 0, True, lambda: (Node(), Node()))
case("stats+uncollectable, disabled", gc.DEBUG_STATS | gc.DEBUG_UNCOLLECTABLE, False, lambda: Node())
case("saveall", gc.DEBUG_SAVEALL, True, lambda: (Node(), Node()))
case("finalizer raises", 0, True, lambda: Raises())
