"""kernel_py.refcounts on the objects its own reading uses, against counts read plainly.

    python kernel_refcounts.py AGENT_DIRECTORY

A native kernel reads Py_REFCNT holding nothing; the pure-Python one reads through
``map(sys.getrefcount, islice(...))`` into an ``array``, in a frame of its own.  The objects that
reading holds (sys.getrefcount, the array and islice types, the builtins dict) are objects of the
program too: their counts must come out as if nothing held them, as the object's ``ob_refcnt`` read from
memory here.  Prints one JSON line: {name: [kernel's count, ob_refcnt]}.
"""
import array
import builtins
import ctypes
import gc
import itertools
import json
import os
import sys

AGENT = sys.argv[1]
namespace = {"__name__": "_heap_inspector_bootstrap"}
path = os.path.join(AGENT, "bootstrap.py")
with open(path, "rb") as source:
    exec(compile(source.read(), path, "exec"), namespace)
namespace["load_agent"](AGENT)
kernel = sys.modules["_heap_inspector_agent.kernel_py"]
gc.disable()

names = ["sys.getrefcount", "array.array", "itertools.islice", "builtins dict", "map", "a list", "a probe"]
holder = [sys.getrefcount, array.array, itertools.islice, builtins.__dict__, map, [1, 2], []]
results = {}
for _round in range(2):  # the first call may set things up
    counts = None
    counts = kernel.refcounts(holder, 0, len(holder)).tolist()
    # Py_REFCNT read from memory: nothing held while it is read (a loop at module level: no frame
    # of a comprehension holding the builtins).
    plain = []
    for i in range(len(holder)):
        plain.append(ctypes.c_ssize_t.from_address(id(holder[i])).value)
    # From 3.12 an immortal object's count is reported as 2**30 exactly (kernel_py.refcounts).
    results = {name: [counts[i], plain[i] if plain[i] < 2**30 or sys.version_info < (3, 12) else 2**30]
               for i, name in enumerate(names)}
print(json.dumps(results))
