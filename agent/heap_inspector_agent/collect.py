"""Run a real collection and record exactly what the collector did.

The stepper shows the collector's phases on a capture (the prediction); this module then runs the
real ``gc.collect(generation)`` in the same process and asks the collector itself what it found:
``gc.DEBUG_COLLECTABLE`` makes it name every object it finds unreachable, before weak references
are cleared and finalizers run.  Around that it records which ``weakref.finalize`` callbacks fired
(they leave the registry), which objects survived (resurrected by a finalizer), what the
finalizers printed, and what ``gc.collect`` returned.  The collector's debug flags and
``sys.stderr`` are restored afterwards, whatever happens; ``gc.garbage`` is left as the program's
own flags make it (with DEBUG_SAVEALL the collected objects go there, as they would without us).
Lines the collector writes for the program's own debug flags (``DEBUG_STATS``) during this
collection are kept out of the program's stderr.
"""
import gc
import sys
import time

from . import safe
from . import weakrefs


def _collectable_address(line):
    """The address in ``gc: collectable <TYPE 0xADDRESS>`` (no ``re``: it is not the agent's to
    import into the program)."""
    start = line.find("<")
    end = line.find(">", start)
    if start < 0 or end < 0:
        return None
    parts = line[start + 1 : end].split(" ")
    try:
        return int(parts[-1], 16)
    except ValueError:
        return None


class _StderrTap:
    """Stands in for sys.stderr during the collection: keeps the collector's debug lines, and
    passes everything else (finalizers' output, "Exception ignored in …") to the real stderr."""

    def __init__(self, real):
        self.real = real
        self.debug_lines = []
        self.other = []

    def write(self, text):
        if text.startswith("gc: ") or (self.debug_lines and not self.debug_lines[-1].endswith("\n")):
            self.debug_lines.append(text)
        else:
            self.other.append(text)
            if self.real is not None:
                self.real.write(text)
        return len(text)

    def flush(self):
        if self.real is not None:
            self.real.flush()


def collect_and_record(generation=2, program_gc_enabled=None):
    """Run ``gc.collect(generation)``; return what it found and did, as plain data.

    ``program_gc_enabled``: whether the program had automatic collection on, when the caller
    already turned it off to capture (reported, so the user learns the program disabled it)."""
    if generation not in (0, 1, 2):
        raise ValueError("generation must be 0, 1 or 2")
    was_enabled = gc.isenabled()
    gc.disable()  # nothing automatic may run between the bookkeeping and the collection
    try:
        names, finalizable = _types_by_address()
        pending = _pending_finalize_entries()
        garbage_before = len(gc.garbage)
        flags = gc.get_debug()
        tap = _StderrTap(sys.stderr)
        real_stderr, sys.stderr = sys.stderr, tap
        started = time.perf_counter()
        try:
            gc.set_debug(flags | gc.DEBUG_COLLECTABLE)
            returned = gc.collect(generation)
        finally:
            gc.set_debug(flags)
            sys.stderr = real_stderr
        seconds = time.perf_counter() - started
        collected = []
        for line in "".join(tap.debug_lines).splitlines():
            address = _collectable_address(line) if line.startswith("gc: collectable") else None
            if address is not None:
                collected.append(address)
        survivors = _still_alive(collected, names)
        fired = [entry for key, entry in pending.items() if key not in _pending_finalize_entries()]
        # DEBUG_SAVEALL was not ours to turn on; anything the program's own flags put in
        # gc.garbage stays there.  We only report how many were added.
        by_type = {}
        finalizers = {}
        for address in collected:
            name = names.get(address, "?")
            by_type[name] = by_type.get(name, 0) + 1
            if finalizable.get(address):
                finalizers[name] = finalizers.get(name, 0) + 1
        return {
            "generation": generation,
            "returned": returned,
            "collected": {
                "count": len(collected),
                "byType": by_type,
                "addresses": ["0x%x" % a for a in collected],
            },
            "finalizers": {"count": sum(finalizers.values()), "byType": finalizers},
            "resurrected": ["0x%x" % a for a in survivors],
            "finalizeCallbacksFired": fired,
            "garbageAdded": len(gc.garbage) - garbage_before,
            "output": "".join(tap.other),
            "gcWasEnabled": was_enabled if program_gc_enabled is None else program_gc_enabled,
            "seconds": seconds,
        }
    finally:
        if was_enabled:
            gc.enable()


def _types_by_address():
    """{address: module.qualname} of every tracked object, and whether its finalizer is pending.
    Holds no reference to any object once it returns (ints and strs only)."""
    names = {}
    finalizable = {}
    type_names = {}
    type_finalizes = {}
    is_finalized = getattr(gc, "is_finalized", None)
    for obj in gc.get_objects():
        t = type(obj)
        key = id(t)
        name = type_names.get(key)
        if name is None:
            name = type_names[key] = safe.qualified_type_name(t)
            # `__del__ = None` still gives the type a finalizer (one that raises).
            type_finalizes[key] = safe.lookup_in_mro(t, "__del__", safe.MISSING) is not safe.MISSING
        names[id(obj)] = name
        if type_finalizes[key] and not (is_finalized is not None and is_finalized(obj)):
            finalizable[id(obj)] = True
    del obj, t
    return names, finalizable


def _pending_finalize_entries():
    """{id of each pending weakref.finalize object: the name of its callback}."""
    pending = {}
    for finalizer, _info, fields in weakrefs.finalize_entries():
        func = fields.get("func")
        pending[id(finalizer)] = weakrefs.callable_name(func) if func is not None else "?"
    return pending


def _still_alive(addresses, names):
    """The addresses, among those the collector listed, whose objects survived (a finalizer
    resurrected them): still tracked, same type, and marked finalized where that is known.

    An address alone does not say it: a freed object's memory is soon another object's (CPython
    keeps freed lists, dicts, tuples for the next one, and this module makes lists right after
    collecting).  The collector moves what survives into an older generation, while everything
    allocated since sits in the youngest; no collection runs in between.  So survivors are
    looked for in generations 1 and 2 only."""
    wanted = set(addresses)
    survivors = []
    is_finalized = getattr(gc, "is_finalized", None)
    for generation in (1, 2):
        for obj in gc.get_objects(generation):
            address = id(obj)
            if address in wanted and names.get(address) == safe.qualified_type_name(type(obj)):
                if (
                    is_finalized is None
                    or is_finalized(obj)
                    or safe.lookup_in_mro(type(obj), "__del__", safe.MISSING) is safe.MISSING
                ):
                    survivors.append(address)
    return survivors
