"""A class whose every dunder raises, in a cycle: the inspector must never call them.

Hostile raises from __getattribute__, __getattr__, __eq__, __hash__, __repr__, __str__, __sizeof__,
__len__, __iter__ and __bool__, and its `__class__` and `__dict__` are properties that raise.  Two
instances point at each other (set through object.__setattr__, which bypasses all of them) and
are dropped.  Anything that asks an instance a question -- hasattr, getattr, repr, ==, hash,
sys.getsizeof, len, iteration, truth testing, obj.__class__, vars(obj) -- raises RuntimeError.
Safe: type(obj), gc.get_referents(obj), looking the class's MRO dicts up.

Expected (generation 2): collected {"__main__.Hostile": 2}; two finalizers; FINALIZED gains
"hostile a" and "hostile b" (__del__ is looked up on the type and reads the name through
object.__getattribute__).
"""
import gc

FINALIZED = []


def _refuse(what):
    raise RuntimeError("Hostile.%s must not be called by the inspector" % what)


class Hostile:
    def __init__(self, name):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "peer", None)

    def __getattribute__(self, name):
        _refuse("__getattribute__(%s)" % name)

    def __getattr__(self, name):
        _refuse("__getattr__(%s)" % name)

    def __eq__(self, other):
        _refuse("__eq__")

    def __hash__(self):
        _refuse("__hash__")

    def __repr__(self):
        _refuse("__repr__")

    def __str__(self):
        _refuse("__str__")

    def __sizeof__(self):
        _refuse("__sizeof__")

    def __len__(self):
        _refuse("__len__")

    def __iter__(self):
        _refuse("__iter__")

    def __bool__(self):
        _refuse("__bool__")

    @property
    def __class__(self):
        _refuse("__class__")

    @property
    def __dict__(self):
        _refuse("__dict__")

    def __del__(self):
        FINALIZED.append("hostile " + object.__getattribute__(self, "name"))


gc.collect()  # start from a heap without import-time garbage

a = Hostile("a")
b = Hostile("b")
object.__setattr__(a, "peer", b)
object.__setattr__(b, "peer", a)
del a, b
pass  # @capture
print("finalized:", sorted(FINALIZED))
