"""Resurrection in `__del__`: the finalizer stores `self` in a global list.

Setup, before the capture line:
- "old": a Phoenix with a self-reference is dropped and collected once; its __del__ puts it into
  GRAVEYARD, so the collection resurrects it (gc.is_finalized(old) is now true).  Then
  GRAVEYARD.clear() drops it again: it is garbage a second time, but CPython calls __del__ only
  once per object (PEP 442), so it has no finalizer left to run.
- "fawkes": a fresh Phoenix in a 2-cycle with an Ash (fawkes.ash <-> ash.bird).

At the capture line the collector finds three unreachable objects and prints all three as
collectable (the list is printed before finalizers run).  Then fawkes.__del__ runs (the only
pending finalizer: "old" is already finalized) and appends fawkes to GRAVEYARD: fawkes and the Ash
it references are resurrected and survive; only "old" is freed.

Expected (generation 2): collected {"__main__.Ash": 1, "__main__.Phoenix": 2}; finalizers
{"__main__.Phoenix": 1} (fawkes; "old" is already finalized); FINALIZED gains "phoenix fawkes";
gc.collect() returns 1 (only "old" is cleared).
"""
import gc

FINALIZED = []
GRAVEYARD = []


class Phoenix:
    def __init__(self, name):
        self.name = name
        self.ash = None

    def __del__(self):
        FINALIZED.append("phoenix " + self.name)
        GRAVEYARD.append(self)


class Ash:
    def __init__(self):
        self.bird = None


gc.collect()  # start from a heap without import-time garbage

old = Phoenix("old")
old.ash = old
old = None
gc.collect()  # finalizes and resurrects "old"
GRAVEYARD.clear()  # garbage again, already finalized

p = Phoenix("fawkes")
ash = Ash()
p.ash = ash
ash.bird = p
del p, ash
pass  # @capture
print("resurrected:", [bird.name for bird in GRAVEYARD])
