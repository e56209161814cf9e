"""A ring of 1,000 objects: node i -> node i+1, the last node -> the first.

`build_ring` returns the first node and the program drops it.  Every node then has exactly one
reference, from its predecessor in the ring, and all of them are internal: the whole ring is
unreachable.  While the ring was being built the automatic collector ran (1,000 allocations pass
the generation-0 threshold of 700), which found nothing and promoted the first nodes to generation
1 -- a full collection still sees all of them.  The ints in `index` are untracked atoms.

Expected (generation 2): collected {"__main__.RingNode": 1000}; no finalizers (RingNode has no
__del__), FINALIZED stays empty.
"""
import gc

FINALIZED = []


class RingNode:
    def __init__(self, index):
        self.index = index
        self.next = None


def build_ring(n):
    first = RingNode(0)
    prev = first
    for i in range(1, n):
        node = RingNode(i)
        prev.next = node
        prev = node
    prev.next = first
    return first


gc.collect()  # start from a heap without import-time garbage

ring = build_ring(1000)
ring = None
pass  # @capture
print("ring dropped")
