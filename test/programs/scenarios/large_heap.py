"""A large heap: 120,000+ tracked objects, 400 of them garbage.

`records` holds 60,000 Record instances, each with a `tags` list (60,000 instances + 60,000 lists
+ the list `records` + the dict `by_id`, all reachable).  After a full collection, 200 Leaf pairs
are built and dropped (a.peer <-> b.peer): 400 allocations, below the generation-0 threshold of
700, so nothing collects them before the capture line.

Expected (generation 2): collected {"__main__.Leaf": 400}; no finalizers; FINALIZED stays empty.
"""
import gc

FINALIZED = []


class Record:
    def __init__(self, i):
        self.id = i
        self.tags = [i % 7]


class Leaf:
    def __init__(self, i):
        self.i = i
        self.peer = None


records = [Record(i) for i in range(60_000)]
by_id = {r.id: r for r in records}
gc.collect()  # the big live heap goes to generation 2; import-time garbage is gone

for i in range(200):
    a = Leaf(i)
    b = Leaf(i)
    a.peer = b
    b.peer = a
a = b = None
pass  # @capture
print("records:", len(records))
