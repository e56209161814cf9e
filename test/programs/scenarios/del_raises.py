"""A `__del__` that raises, in a cycle.

Two Fragile objects reference each other and are dropped.  Each __del__ records itself and then
raises RuntimeError.  Exceptions from finalizers are reported through sys.unraisablehook
("Exception ignored in: <function Fragile.__del__ ...>" on stderr) and otherwise ignored: the
collection goes on and frees both (the traceback of the exception references the __del__ frame,
which references `self`, but they are released as soon as the hook returns, before the collector
checks for resurrection).

Expected (generation 2): collected {"__main__.Fragile": 2}; two finalizers; FINALIZED gains
"fragile a" and "fragile b"; two "Exception ignored" reports on stderr; gc.collect() returns 2.
"""
import gc

FINALIZED = []


class Fragile:
    def __init__(self, name):
        self.name = name
        self.peer = None

    def __del__(self):
        FINALIZED.append("fragile " + self.name)
        raise RuntimeError("cleanup failed for " + self.name)


gc.collect()  # start from a heap without import-time garbage

a = Fragile("a")
b = Fragile("b")
a.peer = b
b.peer = a
del a, b
pass  # @capture
print("finalized:", sorted(FINALIZED))
