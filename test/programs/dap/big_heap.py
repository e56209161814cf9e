"""About 100,000 tracked objects, for the DAP tests and the debugger-pause benchmark.

    python big_heap.py [RECORDS]      (default 30,000 records: 60,000 tracked objects of its own)

Under debugpy the debugger itself adds some 35,000 tracked objects, so the capture at the marked
line sees about 100,000 tracked objects.  The 1,000 `Ring` objects (500 two-object cycles) were
promoted to the oldest generation by a full collection while still referenced, then dropped: the
debugger's own allocations trigger young collections while the program is paused, and those never
look at the oldest generation, so the garbage is still there when the capture runs.

Expected (full collection): {"__main__.Ring": 1000}.
"""
import gc
import sys


class Record:
    def __init__(self, i):
        self.id = i
        self.tags = [i % 7]


class Ring:
    def __init__(self, i):
        self.i = i
        self.peer = None


count = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
records = [Record(i) for i in range(count)]
leaks = []
for i in range(500):
    a = Ring(i)
    b = Ring(i)
    a.peer = b
    b.peer = a
    leaks.append(a)
gc.collect()  # everything above now lives in the oldest generation
del leaks, a, b
pass  # @capture
print("records:", len(records))
