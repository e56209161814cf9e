"""`__slots__` classes in a cycle, plus what hangs off the cycle.

Pair uses `__slots__ = ('name', 'other', 'token', 'extra')`: no instance dict, references in slots
(what tp_traverse visits).  a.other = b, b.other = a, then both names are dropped: a 2-cycle.

Hanging off a:
- `a.token` is a Token, a class with `__slots__ = ()`.  On CPython 3.11 it is nevertheless
  TRACKED: every heap type gets Py_TPFLAGS_HAVE_GC ("all heap types need GC", typeobject.c), so
  its instances are gc objects (they reference their type).  It is referenced only from the
  garbage, so it is unreachable too and is listed.
- `a.extra` is a tuple `(date, {"k": 1})`.  The date is a non-gc C object, the dict holds only
  atoms and is untracked: neither is listed, yet both die with the cycle.  The tuple itself was
  created at run time and no collection has passed over it since, so it is still tracked and
  is listed (a collection only untracks atom-only tuples when it examines them; this one holds an
  untracked dict and a date, so it would be untracked on the next pass if it survived).

Expected (generation 2): collected {"__main__.Pair": 2, "__main__.Token": 1, "builtins.tuple": 1};
three finalizers.  FINALIZED gains "pair a", "pair b" and "token": the Token is itself in the
unreachable set, so its __del__ runs in the collector's finalizer pass with the Pairs' (in list
order), not later when a's slots are cleared.  The module global `spare` (a Token) is reachable
and not reported.
"""
import datetime
import gc

FINALIZED = []


class Token:
    __slots__ = ()

    def __del__(self):
        FINALIZED.append("token")


class Pair:
    __slots__ = ("name", "other", "token", "extra")

    def __init__(self, name):
        self.name = name
        self.other = None
        self.token = None
        self.extra = None

    def __del__(self):
        FINALIZED.append("pair " + self.name)


def make():
    a = Pair("a")
    b = Pair("b")
    a.other = b
    b.other = a
    a.token = Token()
    a.extra = (datetime.date(2024, 1, 1), {"k": 1})


gc.collect()  # start from a heap without import-time garbage

spare = Token()
make()
pass  # @capture
print("finalized:", FINALIZED)
