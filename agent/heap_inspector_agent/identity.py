"""Which objects of a capture are the very objects of the previous capture of this process.

An address cannot tell: once an object is freed, the allocator hands its memory to the next
object of that size, often at once.  Between two captures the agent keeps, for the previous one,
a weak reference (no callback) to each captured object whose type supports them, up to ``LIMIT``
objects.  At the next capture an object at an address where a mark was kept is the same object
exactly when that mark still refers to it; a dead mark means the old object was freed and this
one took its memory.  Nothing is kept alive (weak references), nothing of the program runs
(creating and calling a ``weakref.ref`` subclass with no callback runs only C code), and the
record is dropped when no capture is to follow.

Objects whose type has no weak references (``dict``, ``list``, ``tuple``, ``str``, ``int``,
frames, ``__slots__`` classes without ``__weakref__``) are written as ``UNRECORDED``: the engine
infers their identity from both snapshots (docs/growth.md says how and when it can be wrong).

The marks are visible to a program that inspects weak references: ``weakref.getweakrefcount``
counts one more, ``weakref.getweakrefs`` lists it, ``obj.__weakref__`` may return it.  They are
never the shared reference ``weakref.ref(obj)`` returns (CPython never hands out a subclass
instance), and calling one returns the object, as the program's own reference would.
"""
import array
import os
import sys
from collections import deque
from itertools import compress, repeat
from operator import is_, is_not

import _weakref

from . import bulk
from . import bytemasks

# At most this many marks (about 100 bytes each on 64-bit CPython, see docs/growth.md).
LIMIT = 500000

# Values of the ``node.identity`` column.
NO_PREVIOUS = 0  # the first capture of this process: nothing to compare with
SAME = 1  # the object the previous capture had at this address (its mark still refers to it)
NEW = 2  # no object with weak references was at this address in the previous capture
REUSED = 3  # the previous capture's object at this address was freed; this one took its memory
UNRECORDED = 4  # no weak reference possible (or over LIMIT): the engine infers

_weakref_offset = type.__dict__["__weakrefoffset__"].__get__
_referent = _weakref.ReferenceType.__dict__["__call__"]


class _Mark(_weakref.ReferenceType):
    """The agent's weak reference to an object of the previous capture."""

    __slots__ = ()


# The process this agent runs in, once per load (a pid can be reused by another process).
PROCESS = os.urandom(8).hex()
_state = {"captures": 0}
_record = {"capture": 0, "addresses": array.array(bulk.ADDRESS_TYPECODE), "marks": [], "complete": True}


class Observation:
    """What ``observe`` found: the column to write and the record that replaces the previous
    one once the snapshot is written (``commit``)."""

    def __init__(self, states, addresses, marks, complete, counts):
        self.states = states
        self._addresses = addresses
        self._marks = marks
        self._complete = complete
        self.counts = counts
        self.capture = _state["captures"] + 1

    def section(self, keep):
        """The ``identity`` section (protocol/snapshot.ts ``IdentitySection``)."""
        previous = _record["capture"]
        kept = len(self._marks) if keep else 0
        mark_bytes = sys.getsizeof(self._marks[0]) if self._marks else 0
        record_bytes = 0
        if kept:
            record_bytes = (
                kept * mark_bytes
                + sys.getsizeof(self._marks)
                + sys.getsizeof(self._addresses)
            )
        return {
            "process": PROCESS,
            "capture": self.capture,
            "previous": previous if previous else None,
            "counts": self.counts,
            "kept": kept,
            "complete": self._complete,
            "limit": LIMIT,
            "recordBytes": record_bytes,
            "bytesPerObject": mark_bytes + 2 * self._addresses.itemsize if kept else 0,
        }

    def commit(self, keep):
        """The snapshot is written: this capture becomes the previous one (``keep``), or the
        record is dropped because no capture is to follow."""
        _state["captures"] = self.capture
        if keep:
            _record.update(capture=self.capture, addresses=self._addresses, marks=self._marks, complete=self._complete)
        else:
            drop()
        self._marks = []
        self._addresses = None


def mark_ids():
    """ids of the weak references kept for the previous capture and of the list holding them (the
    agent's own, holding nothing else of it): ownership.py need not look into the list, whose
    hundreds of thousands of references would cost as much as the rest of the agent."""
    marks = _record["marks"]
    found = set(bulk.addresses(marks))
    found.add(bulk.address_of(marks))
    return found


def drop():
    """Forget the previous capture (its marks are freed)."""
    _record.update(
        capture=0, addresses=array.array(bulk.ADDRESS_TYPECODE), marks=[], complete=True
    )


def needed(keep):
    """Whether ``observe`` will look at the objects (a previous capture, or marks to keep)."""
    return keep or _record["capture"] > 0


def observe(objects, keep=True, weakable=None, kernel=None):
    """Compare ``objects`` (the capture's nodes, in node order) with the previous capture and,
    when ``keep``, make this capture's marks.  Returns an Observation; the previous record is
    untouched.  ``weakable``: bytes, 1 per object whose type has weak references, when the
    caller has it (from the walk's types, heapwalk.HeapWalk.weakable); else read here.
    ``kernel``: the capture's kernel; the native one finds the previous marks in one pass
    (``identity_match``, the same result as the Python below).

    It runs in the program's pause over every node, so the work is done by C-level passes over
    whole lists (``map``, ``compress``, ``bytes.translate``); the only call per object is
    making a mark for an object that has none."""
    has_previous = _record["capture"] > 0
    empty = {"same": 0, "new": 0, "reused": 0, "unrecorded": 0}
    if not needed(keep):
        # Nothing to compare with and nothing to keep: no pass over the objects at all.
        return Observation(bytearray(len(objects)), array.array(bulk.ADDRESS_TYPECODE), [], True, empty)
    # Types answer for their objects: a nonzero weak reference offset read from the type
    # (never a Python-level attribute lookup, which a metaclass could override).
    if weakable is None or len(weakable) != len(objects):
        weakable = bytes(map(bool, map(_weakref_offset, list(map(type, objects)))))
    weak = list(compress(objects, weakable))
    weak_ids = bulk.addresses(weak)
    match = getattr(kernel, "identity_match", None)
    olds = same = None
    if has_previous:
        # The previous mark at each object's address, or a dead mark where there was none.
        no_mark = _Mark(set())
        if match is not None:
            olds, same, found = match(weak, weak_ids, _record["addresses"], _record["marks"], no_mark)
        else:
            olds = list(map(dict(zip(_record["addresses"], _record["marks"])).get, weak_ids, repeat(no_mark)))
            same = bytes(map(is_, map(_referent, olds), weak))
            found = bytes(map(is_not, olds, repeat(no_mark)))
        del no_mark
        states = _states(weakable, same, found)
    else:
        states = bytearray(len(objects))  # NO_PREVIOUS throughout
    addresses = array.array(bulk.ADDRESS_TYPECODE)
    marks = []
    complete = True
    if keep:
        cut = min(len(weak), LIMIT)
        complete = len(weak) <= LIMIT
        try:
            marks = _marks(weak, cut, olds, same)
        except TypeError:  # a type whose offset says yes but refuses (never seen)
            return _observe_one_by_one(objects, keep)
        addresses = weak_ids[:cut]
    return Observation(states, addresses, marks, complete, _counts(states) if has_previous else empty)


def _counts(states):
    """The identity section's counts of each state."""
    return {
        "same": states.count(SAME),
        "new": states.count(NEW),
        "reused": states.count(REUSED),
        "unrecorded": states.count(UNRECORDED),
    }


def _states(weakable, same, found):
    """The ``node.identity`` column from the per-node weakable mask and, per weakable node, the
    masks of same objects and of addresses the previous capture had."""
    # Most weakable objects are the same: write SAME for all of them, then rewrite the others.
    states = bytearray(weakable.translate(_WEAKABLE_STATE))
    differ = same.translate(bytemasks.NOT)
    if 1 not in differ:
        return states
    count = len(same)
    codes = ((int.from_bytes(found, "little") << 1) | int.from_bytes(same, "little")).to_bytes(count, "little")
    table = _CODE_STATE if _record["complete"] else _CODE_STATE_INCOMPLETE
    positions = compress(compress(range(len(weakable)), weakable), differ)
    deque(map(states.__setitem__, positions, compress(codes.translate(table), differ)), 0)
    return states


def _marks(weak, cut, olds, same):
    """This capture's marks for the first ``cut`` weakable objects: the previous mark of a same
    object, a new one for the others.  TypeError when a type refuses weak references."""
    if olds is None:
        return list(map(_Mark, weak[:cut]))
    marks = olds[:cut]
    renew = same[:cut].translate(bytemasks.NOT)
    deque(map(marks.__setitem__, compress(range(cut), renew), map(_Mark, compress(weak, renew))), 0)
    return marks


# Per weakable node: 2 * (the previous capture had a mark at its address) + (the mark still
# refers to it), to its state.
_CODE_STATE = bytes((NEW, NEW, REUSED, SAME)) + bytes(252)
_CODE_STATE_INCOMPLETE = bytes((UNRECORDED, UNRECORDED, REUSED, SAME)) + bytes(252)
_WEAKABLE_STATE = bytes((UNRECORDED, SAME)) + bytes(254)


def _observe_one_by_one(objects, keep):
    """``observe`` one object at a time, for a type that refused a mark: its objects are
    unrecorded, and the LIMIT counts only the marks made.  Called by ``observe`` only when it is
    ``needed``."""
    previous_marks = _record["marks"]
    has_previous = _record["capture"] > 0
    previous_complete = _record["complete"]
    lookup = dict(zip(_record["addresses"], range(len(previous_marks)))) if has_previous else {}
    ids = bulk.addresses(objects)
    types = list(map(type, objects))
    type_ids = bulk.addresses(types)
    weakable = {}
    for t, key in zip(types, type_ids):
        if key not in weakable:
            weakable[key] = supports_weak_references(t)
    del types
    states = bytearray(len(objects))
    addresses = array.array(bulk.ADDRESS_TYPECODE)
    marks = []
    complete = True
    unrecorded = UNRECORDED if has_previous else NO_PREVIOUS
    obj = mark = None
    for position, key in enumerate(ids):
        if not weakable[type_ids[position]]:
            states[position] = unrecorded
            continue
        obj = objects[position]
        mark = None
        state = NO_PREVIOUS
        if has_previous:
            at = lookup.get(key)
            if at is None:
                state = NEW if previous_complete else UNRECORDED
            else:
                old = previous_marks[at]
                if _referent(old) is obj:
                    state = SAME
                    mark = old
                else:
                    state = REUSED
        if keep and len(marks) < LIMIT:
            if mark is None:
                try:
                    mark = _Mark(obj)
                except TypeError:  # a type whose offset says yes but refuses (never seen)
                    states[position] = unrecorded
                    continue
            marks.append(mark)
            addresses.append(key)
        elif keep:
            complete = False
        states[position] = state
    del obj, mark
    counts = _counts(states) if has_previous else {"same": 0, "new": 0, "reused": 0, "unrecorded": 0}
    return Observation(states, addresses, marks, complete, counts)


def supports_weak_references(t):
    try:
        return _weakref_offset(t) != 0
    except Exception:  # not a type object the descriptor accepts: no marks for it
        return False
