"""What really disappears when a module global is deleted, measured in the program itself.

``measure(namespace, names)`` forks once per name (and once more with nothing deleted): the
child deletes ``namespace[name]``, runs ``gc.collect()`` and counts the collector-tracked objects
that existed before and no longer exist. Identity is kept as ``id()`` values (ints: holding them
keeps no object alive). An object the collection only untracked (a tuple of atoms, a dict of
atoms) is still alive: it is found among the referents of the live objects and not counted.
Objects the measurement itself creates after the deletion are never in the "before" set. The
child without a deletion measures what the collection frees anyway (garbage already there),
which is subtracted. Prints one JSON line: {"name": freed, ...}.
"""
import gc
import json

from _forked_counts import forked_counts


def _untracked_alive(alive):
    """ids of the untracked objects reachable from ``alive`` through untracked objects."""
    seen = set()
    frontier = [o for o in gc.get_referents(*alive) if not gc.is_tracked(o)]
    while frontier:
        fresh = []
        for o in frontier:
            if id(o) not in seen:
                seen.add(id(o))
                fresh.append(o)
        frontier = [o for o in gc.get_referents(*fresh) if not gc.is_tracked(o)] if fresh else []
    return seen


def _freed(namespace, name):
    gc.disable()
    before = set(map(id, gc.get_objects()))
    if name is not None:
        del namespace[name]
    gc.collect()
    alive = gc.get_objects()
    gone = before.difference(map(id, alive))
    return len(gone.difference(_untracked_alive(alive)))


def measure(namespace, names):
    baseline, freed = forked_counts(namespace, names, _freed)
    print(json.dumps({"garbage": baseline, "freed": freed}))
