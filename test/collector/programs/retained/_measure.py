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
import os
import sys


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
    sys.stdout.flush()
    sys.stderr.flush()
    results = {}
    for name in [None] + list(names):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                count = _freed(namespace, name)
                os.write(write, str(count).encode())
            finally:
                os._exit(0)
        os.close(write)
        chunks = []
        while True:
            chunk = os.read(read, 64)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        results[name] = int(b"".join(chunks))
    baseline = results.pop(None)
    print(json.dumps({"garbage": baseline, "freed": {k: v - baseline for k, v in results.items()}}))
