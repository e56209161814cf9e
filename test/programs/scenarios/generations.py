"""Garbage spread over the three generations.

- OldNode pair: built while referenced from the module global `keep_old`, then gc.collect() (a full
  collection) promotes the live pair to generation 2.
- MiddleNode pair: built while referenced from `keep_middle`, then gc.collect(0) promotes it from
  generation 0 to generation 1.
- Both globals are deleted: the old pair is now garbage in generation 2, the middle pair garbage
  in generation 1.
- YoungNode pair: built and dropped right away: garbage in generation 0.

Fewer than 700 gc allocations happen after the last explicit collection, so no automatic
collection moves anything before the capture line (and the oracle disables the collector before
it allocates anything itself).

Expected:
- generation 0: collected {"__main__.YoungNode": 2}
- generation 1: collected {"__main__.MiddleNode": 2, "__main__.YoungNode": 2}
- generation 2: collected {"__main__.MiddleNode": 2, "__main__.OldNode": 2, "__main__.YoungNode": 2}
Every node has a __del__, so the finalizers equal the collected objects, and FINALIZED gains one
"<name>" per collected node.
"""
import gc

FINALIZED = []


class _Node:
    def __init__(self, name):
        self.name = name
        self.partner = None

    def __del__(self):
        FINALIZED.append(self.name)


class OldNode(_Node):
    pass


class MiddleNode(_Node):
    pass


class YoungNode(_Node):
    pass


def pair(cls, name):
    a = cls(name + "-1")
    b = cls(name + "-2")
    a.partner = b
    b.partner = a
    return a


gc.collect()  # start from a heap without import-time garbage

keep_old = pair(OldNode, "old")
gc.collect()  # the old pair survives a full collection: generation 2
keep_middle = pair(MiddleNode, "middle")
gc.collect(0)  # the middle pair survives a young collection: generation 1
del keep_old, keep_middle
young = pair(YoungNode, "young")
young = None
pass  # @capture
print("finalized:", sorted(FINALIZED))
