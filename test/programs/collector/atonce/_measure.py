"""What deleting a module global frees at once, without any collection, measured in the program.

``measure(namespace, names)`` forks once per name (and once more with nothing deleted). The child
turns the collector off, counts the collector-tracked objects, deletes ``namespace[name]`` and
counts them again: with no collection, only reference counting freed the difference. Counting
needs no object identity (no ``id()`` that a new object could reuse). The child without a
deletion measures what the counting itself changes (subtracted). Prints one JSON line.
"""
import gc
import json

from _forked_counts import forked_counts


def _freed(namespace, name):
    gc.disable()
    before = len(gc.get_objects())
    if name is not None:
        del namespace[name]
    after = len(gc.get_objects())
    return before - after


def measure(namespace, names):
    baseline, freed = forked_counts(namespace, names, _freed)
    print(json.dumps({"baseline": baseline, "freed": freed}))
