"""The program disables the collector at the top; garbage piles up round after round.

gc.disable() runs first, so no automatic collection ever happens.  Each of three rounds makes 300
Chunk pairs (a.other <-> b.other) and drops them, then reaches the capture line.  The capture line
runs three times: with --hit N the oracle captures on the Nth time (earlier passes do nothing), so
the garbage of rounds 1..N is all still there.  The oracle restores the disabled state afterwards.

Expected (generation 2): --hit 1: collected {"__main__.Chunk": 600}; --hit 3: {"__main__.Chunk":
1800}.  No finalizers; FINALIZED stays empty.  gc.isenabled() is still False at the end.
"""
import gc

gc.collect()  # start from a heap without import-time garbage
gc.disable()

FINALIZED = []


class Chunk:
    def __init__(self, n):
        self.n = n
        self.other = None


for round_ in range(3):
    for i in range(300):
        a = Chunk(i)
        b = Chunk(i)
        a.other = b
        b.other = a
    a = b = None
    pass  # @capture
print("collector enabled:", gc.isenabled())
