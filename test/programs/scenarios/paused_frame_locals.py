"""Objects reachable only from frame locals must NOT be collected.

outer() holds a LocalNode pair in its local `held_by_caller` and calls inner(), which holds
another pair in `held_here` and builds a DroppedNode pair that it drops before the capture line.
While a function runs, its locals live in the interpreter frame, referenced from the C stack: the
collector does not traverse a running frame's locals, so their referents keep gc_refs > 0 and
everything reachable from them survives -- for the paused frame and for every caller up the stack.

Expected (generation 2): collected {"__main__.DroppedNode": 2}, two finalizers, FINALIZED gains
"dropped-1" and "dropped-2".  No LocalNode is reported.
"""
import gc

FINALIZED = []


class _Node:
    def __init__(self, name):
        self.name = name
        self.partner = None

    def __del__(self):
        FINALIZED.append(self.name)


class LocalNode(_Node):
    pass


class DroppedNode(_Node):
    pass


def cycle(cls, name):
    a = cls(name + "-1")
    b = cls(name + "-2")
    a.partner = b
    b.partner = a
    return a


def inner():
    held_here = cycle(LocalNode, "local")
    dropped = cycle(DroppedNode, "dropped")
    dropped = None
    pass  # @capture
    return held_here


def outer():
    held_by_caller = cycle(LocalNode, "caller")
    inner()
    return held_by_caller


gc.collect()  # start from a heap without import-time garbage

outer()
print("finalized:", FINALIZED)
