"""Two-object cycle: a.next = b, b.next = a, then both names are deleted (seed 004).

After `del a, b` each Node is kept at reference count 1 by the other, so reference counting frees
nothing.  The collector subtracts the two internal references, finds gc_refs == 0 for both and no
outside path to them: both are unreachable.  A second pair (3 <-> 4) is held by the module global
`survivor` and must not be reported.

Expected (generation 2): collected {"__main__.Node": 2}, both with a finalizer; FINALIZED gains
"node 1" and "node 2" (in the collector's list order).
"""
import gc

FINALIZED = []


class Node:
    def __init__(self, value):
        self.value = value
        self.next = None

    def __del__(self):
        FINALIZED.append("node %d" % self.value)


gc.collect()  # start from a heap without import-time garbage

a = Node(1)
b = Node(2)
a.next = b  # a holds a reference to b
b.next = a  # b holds a reference to a
del a
del b

survivor = Node(3)
survivor.next = Node(4)
survivor.next.next = survivor

marker = 1  # @capture
print("after collection:", sorted(FINALIZED))
