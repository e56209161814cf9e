"""User code the capture must never run: keys that collide with every name the agent looks up,
and __sizeof__ bound to built-in callables.  Each call is recorded; the line marked CAPTURE is
where the heap is captured, and the program prints what was recorded meanwhile."""
import gc
import os
import sys
import threading  # noqa: F401 - looked up by the agent in sys.modules
import weakref

LOG = []


def hit(what):
    LOG.append(what)


class KeyEq:
    """Hashes like a str the agent looks up; its __eq__ and __hash__ are user code."""

    def __init__(self, h, name):
        self.h = h
        self.name = name

    def __hash__(self):
        if ARMED[0]:
            hit("KeyEq.__hash__ for %s" % self.name)
        return self.h

    def __eq__(self, other):
        hit("KeyEq.__eq__ for %s" % self.name)
        return False


ARMED = [False]
# Names the agent looks up in dicts the program owns: sys.modules, module and class namespaces,
# instance dicts.  (Not the names of modules the agent imports or registers: the import system
# itself looks those up in sys.modules, as for any import.)
MODULE_NAMES = ["__main__", "threading", "weakref", "sysconfig"]
NAMESPACE_NAMES = ["__name__", "__file__", "__dict__", "__del__", "__sizeof__", "_active", "finalize",
                   "_registry", "loaded_modules", "load_artifacts", "_name", "gi_code", "cr_code", "ag_code"]


def collide(d, names):
    """Put a colliding key in ``d`` before each real key, so a lookup meets it first."""
    for name in names:
        real = d.pop(name, LOG)
        d[KeyEq(hash(name), name)] = 0
        if real is not LOG:
            d[name] = real


collide(sys.modules, MODULE_NAMES)
collide(globals(), NAMESPACE_NAMES)
NS = {}
collide(NS, NAMESPACE_NAMES)
NS.update({"__module__": "__main__", "x": 1})
Weird = type("Weird", (), NS)
weird = Weird()
collide(threading.current_thread().__dict__, ["_name"])
weakref.finalize(weird, print, "finalized")


class SizeofBuiltin:
    __sizeof__ = len  # a built-in callable: sys.getsizeof(instance) would fail


def counter():
    hit("generator ran")
    yield 1
    hit("generator ran")
    yield 2


class SizeofMethodWrapper:
    pass


SizeofMethodWrapper.__sizeof__ = counter().__next__  # a method-wrapper that runs user code


class SizeofWrongSlot:
    __sizeof__ = list.__sizeof__  # a C method of another type: raises TypeError on this one


class DelNone:
    __del__ = None


keep = [SizeofBuiltin(), SizeofMethodWrapper(), SizeofWrongSlot(), DelNone()]
cycle = DelNone()
cycle.self = cycle
del cycle
gc.disable()
ARMED[0] = True
LOG.clear()
CAPTURE = 1  # CAPTURE
ARMED[0] = False
os.write(2, ("calls during capture: %d %r\n" % (len(LOG), LOG[:20])).encode())
