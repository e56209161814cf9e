"""What a repeated piece of code leaves behind, found by prediction (the pytest gate's core,
docs/pytest-gate.md).

The code is run several times with automatic collection off.  Every container CPython tracks is
appended to generation 0 when it is made, and with no collection nothing moves: the objects a run
made, and that are still alive, are exactly those between the sentinel list made before that run
and the one made after it.  Among them, which are garbage is predicted as the collector does it
(reference counts minus the references from inside the set; what is referenced from outside, and
everything it reaches, is alive) — never by collecting.  Nothing of the program runs: counts,
referents and type namespaces are read with C functions and built-in descriptors.
"""
import gc
import sys
import types

from . import safe

GENERATORS = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
_SUSPENDED = {
    types.GeneratorType: "gi_suspended",
    types.CoroutineType: "cr_suspended",
    types.AsyncGeneratorType: "ag_suspended",
}
_FRAME = {types.GeneratorType: "gi_frame", types.CoroutineType: "cr_frame", types.AsyncGeneratorType: "ag_frame"}


class Regions:
    """The objects each run made that are alive now, read from generation 0 between sentinels."""

    def __init__(self, sentinels):
        young = gc.get_objects(generation=0)
        ids = list(map(id, young))
        positions = []
        for sentinel in sentinels:
            try:
                positions.append(ids.index(id(sentinel)))
            except ValueError:
                positions.append(-1)
        self.complete = all(p >= 0 for p in positions) and positions == sorted(positions)
        self.runs = []
        if self.complete:
            for start, end in zip(positions, positions[1:]):
                self.runs.append(young[start + 1 : end])
        del young, ids


def _overhead():
    """References ``list(map(sys.getrefcount, objects))`` adds to each object of ``objects``."""
    held = [[]]
    return list(map(sys.getrefcount, held))[0]


def predict_garbage(objects):
    """Per object of ``objects``: True when nothing outside them keeps it alive (the collector
    would find it unreachable)."""
    index = {}
    for position, obj in enumerate(objects):
        index[id(obj)] = position
    counts = list(map(sys.getrefcount, objects))
    overhead = _overhead()
    gc_refs = [count - overhead for count in counts]
    referents = []
    for obj in objects:
        inside = [index[key] for key in map(id, gc.get_referents(obj)) if key in index]
        referents.append(inside)
        for target in inside:
            gc_refs[target] -= 1
    alive = [refs > 0 for refs in gc_refs]
    stack = [position for position, live in enumerate(alive) if live]
    while stack:
        for target in referents[stack.pop()]:
            if not alive[target]:
                alive[target] = True
                stack.append(target)
    return [not live for live in alive]


def has_finalizer(obj):
    """A ``__del__`` in the type's MRO (``None`` too: CPython calls it), or a suspended generator
    or coroutine (its ``finally`` blocks run when it is finalized)."""
    t = type(obj)
    for klass in GENERATORS:
        if t is klass:
            return _suspended(obj, klass)
    return safe.lookup_in_mro(t, "__del__", safe.MISSING) is not safe.MISSING


def _suspended(obj, klass):
    flag = safe.lookup_in_mro(klass, _SUSPENDED[klass], None)
    if flag is not None:
        return bool(flag.__get__(obj))
    frame = safe.lookup_in_mro(klass, _FRAME[klass], None).__get__(obj)
    return frame is not None and frame.f_lasti >= 0


def is_finalized(obj):
    """Its finalizer already ran (PEP 442); False where CPython cannot say (3.8)."""
    check = getattr(gc, "is_finalized", None)
    return bool(check(obj)) if check is not None else False


def type_name(obj):
    return safe.qualified_type_name(type(obj))
