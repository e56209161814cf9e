"""The capture's kernel in pure Python: the work done per object and per reference.

The walk (heapwalk.py) spends its time in a few loops over every object and every reference.
Those loops are the *kernel*, a small set of functions with two implementations and one
contract: this module (C-level passes of the standard library: ``map``, ``itertools``, ``bytes``
and ``array`` methods, one audited call per chunk), and a native one (``agent/accel/``, loaded by
accel_loader.py).  kernels.py picks one per capture.  Both must give IDENTICAL results for the
same heap: the same values, in the same order, in the same types.

Common rules, for every function:

- ``items`` is a ``list`` the caller created and holds; no other code changes it during the call.
  ``start``/``end`` select ``items[start:end]`` (0 <= start <= end <= len(items)); the results
  have one entry per selected item, in list order.
- Addresses are ``id()`` values, returned as ``array.array(ADDRESS_TYPECODE)``: unsigned, exactly
  one pointer wide (``Q``/``L`` on 64-bit, ``I``/``L`` on 32-bit), native byte order.  An address
  is only ever compared or stored: nothing here turns a number back into an object.
- Nothing runs user code: no ``__eq__``, ``__hash__``, ``__len__``, ``__sizeof__`` of a user
  class, no attribute lookup on an instance.  Objects are only passed to C functions that read
  them (``tp_traverse``, the reference count, the type pointer, a built-in type's ``__sizeof__``).
- The caller holds the GIL and has the collector disabled.  The kernel allocates only its results
  and short-lived temporaries: when a function returns it holds no reference to any object of
  ``items`` or of the heap (except in the containers the caller passed in to be filled).
- Audit hooks (PEP 578) see O(1) events per call, never one per object: ``gc.get_referents`` is
  called once per ``walk`` (more only in the rare fallback), ids are read through bulk.py.
- Errors: these functions do not raise on odd objects.  ``sizes`` reports a failed measure as -1.
  An exception escaping a kernel function is a bug in the kernel (the capture then fails cleanly
  and says so; the program goes on).

Functions: ``addresses``, ``type_addresses``, ``refcounts``, ``sizes``, ``address_set``,
``walk``, ``add_leaves``, ``dict_keys``, and from interface 2 ``without``, ``type_indices``,
``type_bytes``, ``label_facts``, from interface 3 ``member_labels`` and ``merge_u32`` (``dict_keys``,
``label_facts`` and ``member_labels`` live in kernel_py_labels.py).
``NAME`` says which kernel this is (recorded in ``meta.capture``).
"""
import array
import builtins
import gc
import operator
import sys
from itertools import chain, compress, islice, repeat

from . import bulk
from . import compat
from .bytemasks import NOT, lookup_bytes, merge
# The label facts (kernel_py_labels.py) are part of this kernel's contract.
from .kernel_py_labels import (  # noqa: F401
    BY_PLAN,
    KEYED,
    PLAN_DICT,
    PLAN_INSTANCE_DICT,
    PLAN_INSTANCE_VALUES,
    PLAN_NONE,
    PLAN_OBJECT,
    PLAN_SEQUENCE,
    RECORDED,
    UNLABELLED,
    dict_keys,
    label_facts,
    member_labels,
)

NAME = "python"
# The contract's version: a native kernel says which one it implements (accel_loader.py checks).
INTERFACE = 4
ADDRESS_TYPECODE = bulk.ADDRESS_TYPECODE
_IMMORTAL = compat.IMMORTAL_REFCOUNT_FLOOR
_getrefcount = sys.getrefcount
_is_tracked = gc.is_tracked
_type_flags = type.__dict__["__flags__"].__get__
_HAVE_GC = 1 << 14  # Py_TPFLAGS_HAVE_GC
_SMALL_CHUNK = 64


# The counts are read through objects bound here, once, into an array made before the reads: a
# pass made per call would hold objects of the heap while it reads their counts (``map`` holds
# its function, an ``islice`` its type from 3.12, the callable and arguments of a call sit on the
# stack, a one-letter typecode is a string the program shares, the reads themselves as ints in a
# list would count to small ints), and ``int.__sub__`` or ``array.array`` looked up per call
# would fill a slot of the interpreter's type-attribute cache, which holds a reference to the
# name it caches (or to None).  The native kernel reads the counts holding nothing: the two
# must report the same numbers.  What remains is measured once, below, and taken off.
_count_of = _getrefcount.__call__  # a method wrapper: the pass holds it, not sys.getrefcount
_minus = int.__sub__
_array = array.array
# Binds array.extend to an array, with the type given (without it, 3.11 crashes on a method of
# this kind): the bound method is ours (the descriptor, shared with the program when it imported
# array, would sit on the stack during the read).
_bind_extend = array.array.extend.__get__
_is = operator.is_
_find = bytearray.find  # bytes() would look up __bytes__ (the type cache again)
_Q = "q"
# The overhead is taken off every count at once, as one big-integer subtraction of the counts'
# raw bytes (each count includes the overhead: no lane borrows from the next), with these, bound
# here for the same reason as above.
_tobytes = array.array.tobytes
_frombytes = array.array.frombytes
_from_bytes = int.from_bytes
_to_bytes = int.to_bytes
_LITTLE = sys.byteorder  # the arrays' own byte order


def _call_overhead():
    """References the read in ``refcounts`` adds to what it reports: measured on a probe held
    once by a list, read the same way (the interpreter's borrowing rules change between
    versions)."""
    probe = []
    holder = [probe]
    raw = _array(_Q)
    _bind_extend(raw, _array)(map(_count_of, holder[0:1]))
    return raw[0] - 2  # minus `probe` and `holder`'s reference


def _held_by_the_read(obj):
    """References to ``obj`` the read in ``refcounts`` holds beyond the overhead (the array the
    counts go into and the bound ``extend`` hold the array type, a heap type from 3.10): what it
    reports minus what a plain ``sys.getrefcount`` of the same list item reports."""
    holder = [obj]
    raw = _array(_Q)
    _bind_extend(raw, _array)(map(_count_of, holder[0:1]))
    piped = raw[0]
    del raw  # it holds its type: gone before the plain read
    return piped - _OVERHEAD - (_getrefcount(holder[0]) - 1)


def _counted_in_a_frame(obj):
    return _getrefcount(obj)


def _frame_holds_builtins():
    """1 where a Python frame holds a reference to its builtins (up to 3.10): the frame of
    ``refcounts`` then adds one to the builtins dict's count, which the native kernel (no frame)
    does not see.  Measured against a dict no frame holds."""
    table = builtins.__dict__
    other = {}
    with_table = _counted_in_a_frame(table) - _getrefcount(table)
    with_other = _counted_in_a_frame(other) - _getrefcount(other)
    return with_table - with_other


def _argument_held_by_the_frame():
    """References a Python function's frame adds to its arguments beyond its caller's (1 up to
    3.10, where the frame copies them; 0 from 3.11, where it takes the caller's): ``start`` and
    ``end`` of ``refcounts`` then count once more when they are small ints that are also items."""
    other = object()
    return _counted_in_a_frame(other) - _getrefcount(other) - 1


_OVERHEAD = _call_overhead()
# The overhead as one count's raw bytes (None when it is negative: then subtracted count by count).
_OVERHEAD_WORD = _OVERHEAD.to_bytes(_array(_Q).itemsize, sys.byteorder) if _OVERHEAD >= 0 else None
_ARGUMENT_HELD = _argument_held_by_the_frame()
# (object, references the read in ``refcounts`` adds to its count): taken off where it is read.
_HELD = tuple(
    (obj, extra)
    for obj, extra in ((_array, _held_by_the_read(_array)), (builtins.__dict__, _frame_holds_builtins()))
    if extra
)


def addresses(items, start=0, end=None):
    """``id(item)`` of each selected item: ``array(ADDRESS_TYPECODE)``."""
    if start == 0 and (end is None or end == len(items)):
        return bulk.addresses(items)
    return bulk.addresses(items[start:end])


def type_addresses(items, start, end):
    """``id(type(item))`` of each selected item: ``array(ADDRESS_TYPECODE)``.  The type pointer
    is read, never ``__class__``."""
    return bulk.addresses(list(map(type, islice(items, start, end))))


def refcounts(items, start, end):
    """The reference count of each selected item as it stands while ``items`` holds it (the
    list's own reference included; the kernel's own references excluded): ``Py_REFCNT(item)``,
    what ``sys.getrefcount(item)`` reports minus the references that call itself adds.
    ``array('q')``.  From 3.12, where immortal objects (PEP 683) report a fixed huge count that
    taking a reference does not change, every count at or above ``2**30`` is reported as exactly
    ``2**30``: "immortal", whatever the interpreter's own number."""
    # Read first, holding nothing but the call itself (``int.__sub__`` or a small int held by
    # a pass around the reads would add to their own counts: they are objects of the heap too).
    # From a slice of ``items`` (one reference more for each item: part of the overhead), in
    # this frame (a helper's frame would hold the builtins too).
    raw = _array(_Q)
    _bind_extend(raw, _array)(map(_count_of, items[start:end]))
    held = _HELD
    if _ARGUMENT_HELD:
        # The interpreter's shared small ints: ``start`` and ``end`` may be items too.
        held += tuple((value, _ARGUMENT_HELD) for value in (start, end) if -5 <= value <= 256)
    for obj, extra in held:
        # Found by identity (no comparison runs code); rare, so one pass per such object.
        position = _find(bytearray(map(_is, islice(items, start, end), repeat(obj))), 1)
        if position >= 0:
            raw[position] -= extra
    if _OVERHEAD_WORD is None:
        counts = _array(_Q, map(_minus, raw, repeat(_OVERHEAD)))
    else:
        data = _tobytes(raw)
        count = len(raw)
        del raw
        difference = _from_bytes(data, _LITTLE) - _from_bytes(_OVERHEAD_WORD * count, _LITTLE)
        counts = _array(_Q)
        _frombytes(counts, _to_bytes(difference, len(data), _LITTLE))
        del data, difference
    if _IMMORTAL is None or not counts or max(counts) <= _IMMORTAL:
        return counts
    return _array(_Q, map(min, counts, repeat(_IMMORTAL)))


def sizes(items, start, end, measure):
    """``sys.getsizeof(item)`` of each selected item whose byte in ``measure`` (bytes, one per
    selected item) is 1, else 0; -1 where measuring raised (the error is swallowed).
    ``array('q')``.  The caller sets 1 only for types whose ``__sizeof__`` is a built-in type's
    own C method (typeinfo.py): ``sys.getsizeof`` calls it, and adds the collector's header for
    GC objects, exactly as the native kernel must."""
    chunk = items[start:end]
    if len(measure) != len(chunk):
        raise ValueError("measure has %d bytes for %d items" % (len(measure), len(chunk)))
    if not any(measure):
        return array.array("q", bytes(8 * len(chunk)))
    everything = measure.count(0) == 0
    measured_items = chunk if everything else list(compress(chunk, measure))
    try:
        measured = array.array("q", map(sys.getsizeof, measured_items))
    except Exception:
        measured = array.array("q", map(_size_or_minus_one, measured_items))
    if everything:
        return measured
    sources = [repeat(0), iter(measured)]
    return array.array("q", map(next, map(sources.__getitem__, measure)))


def _size_or_minus_one(obj):
    try:
        return sys.getsizeof(obj)
    except Exception:
        return -1


def address_set(initial):
    """A new set of addresses for ``walk`` to de-duplicate leaves with, holding ``initial`` (an
    iterable of ints: typically the agent's own objects, which must never become leaves).  Its
    type is the kernel's own: the caller only passes it back to this kernel's ``walk`` and may ask
    ``len()`` of it.  Here a ``set`` of ints (no reference to any object)."""
    return set(initial)


def walk(items, start, end, seen, leaves, every_referent=False):
    """The references of each selected item, and the leaves they lead to.

    Returns ``(targets, lengths)``:

    - ``lengths``: ``array('I')``, per selected item, the number of its referents: what
      ``len(gc.get_referents(item))`` gives (0 for objects that are not GC objects);
    - ``targets``: ``array(ADDRESS_TYPECODE)``, the address of every referent, item after item,
      each item's in ``tp_traverse`` order, with multiplicity (exactly ``gc.get_referents``).

    Leaf discovery, in the same pass: every referent that is not tracked by the collector
    (``not gc.is_tracked(referent)``; with ``every_referent`` true, every referent) whose address
    is not in ``seen`` has its address added to ``seen`` and the object appended to ``leaves`` (a
    list), in order of first occurrence in ``targets``.  Tracked referents are otherwise taken to
    be listed by the caller (``gc.get_objects``); a caller that cannot assume that (objects in
    the permanent generation of ``gc.freeze()``) puts every listed address in ``seen`` and passes
    ``every_referent=True``.

    While it runs, the kernel holds the referents of the selected items (at most one chunk's:
    the caller bounds ``end - start``, normally to bulk.CHUNK); after it returns, only ``leaves``
    holds references it added (one per new leaf)."""
    chunk = items[start:end]
    referents, lengths = _referents(chunk)
    del chunk
    targets = bulk.addresses(referents)
    if every_referent:
        candidates = referents
        candidate_addresses = targets
    else:
        untracked = bytes(map(_is_tracked, referents)).translate(NOT)
        candidates = list(compress(referents, untracked))
        candidate_addresses = bulk.addresses(candidates)
    del referents
    _add_fresh(candidate_addresses, candidates, seen, leaves)
    del candidates, candidate_addresses
    return targets, lengths


def _add_fresh(candidate_addresses, candidates, seen, leaves):
    """Leaf discovery: the candidates whose address is not in ``seen``, each once, in order of
    first occurrence, added to ``seen`` and appended to ``leaves``."""
    # First occurrence per address (a dict keeps insertion order; a repeated key keeps its
    # place), then only the addresses not seen before: those seen are found by one set
    # intersection (in C) and dropped, the rest taken whole.
    first = dict(zip(candidate_addresses, candidates))
    known = first.keys() & seen
    if known:
        any(map(first.__delitem__, known))  # each returns None: any() runs them all
    del known
    if first:
        seen.update(first)
        leaves.extend(dict.values(first))
    del first


def add_leaves(objects, seen, leaves, every_referent=False):
    """Leaf discovery for objects the caller found itself (a root's local, a weak reference's
    referent, a finalizer's arguments): exactly what ``walk`` does with the referents of an item,
    when those referents are ``objects`` (a list), without asking any object for its referents.
    Returns their addresses (``array(ADDRESS_TYPECODE)``, one per object, in order)."""
    found = bulk.addresses(objects)
    if every_referent:
        candidates = objects
        candidate_addresses = found
    else:
        untracked = bytes(map(_is_tracked, objects)).translate(NOT)
        candidates = list(compress(objects, untracked))
        candidate_addresses = bulk.addresses(candidates)
    _add_fresh(candidate_addresses, candidates, seen, leaves)
    del candidates, candidate_addresses
    return found


def _referents(chunk):
    """(referents of every object of ``chunk``, one flat list; their counts per object) from one
    ``gc.get_referents`` call (bulk.referents_with_separators)."""
    if not chunk:
        return [], array.array("I")
    if len(chunk) <= _SMALL_CHUNK and not any(map(_HAVE_GC.__and__, map(_type_flags, map(type, chunk)))):
        # Only objects without referents (ints, strs…): no call, so no audit event, for the few
        # leaves a root or a weak reference adds at a time.
        return [], array.array("I", bytes(4 * len(chunk)))
    flat = bulk.referents_with_separators(chunk)
    found = bulk.addresses(flat)
    separators = bulk.separator_mask(found, len(chunk))
    del found
    runs = separators.split(b"\x01")  # runs of zeros: one per object, as long as its referents
    if len(runs) != len(chunk) + 1 or runs[-1]:
        # Something references bulk.SEPARATOR besides the agent: object by object (halving).
        del flat, runs
        lists = bulk.referent_lists(chunk, with_addresses=False)[0]
        return list(chain.from_iterable(lists)), array.array("I", map(len, lists))
    lengths = array.array("I", map(len, islice(runs, len(chunk))))
    del runs
    referents = list(compress(flat, separators.translate(NOT)))
    return referents, lengths


def without(items, excluded):
    """``(kept, types)``: a new list of the items of ``items`` (a list) whose address is not in
    ``excluded`` (a set from this kernel's ``address_set``), in order, and ``id(type(item))`` of
    each kept item (``array(ADDRESS_TYPECODE)``)."""
    dropped = bytes(map(excluded.__contains__, bulk.addresses(items)))
    kept = list(compress(items, dropped.translate(NOT))) if 1 in dropped else items[:]
    return kept, bulk.addresses(list(map(type, kept)))


MISSING = 0xFFFFFFFF  # type_indices: an address not in ``known``


def type_indices(type_addresses, known):
    """``array('I')``, per address of ``type_addresses`` (an address array): ``known[address]``,
    or MISSING where it is not a key of ``known`` (a dict of int addresses to int indices below
    MISSING)."""
    return array.array("I", map(known.get, type_addresses, repeat(MISSING)))


def merge_u32(group_of, sources):
    """``array('I')`` in node order: node i takes the next value of ``sources[group_of[i]]``.
    ``group_of``: bytes-like, a group per node; ``sources``: a list by group of None (zeros), a
    range, a list of ints or an ``array('I')``, each with at least as many values as its group
    has nodes.  ValueError when one has fewer; IndexError for a group without a source."""
    iterators = [repeat(0) if source is None else iter(source) for source in sources]
    merged = array.array("I", merge(group_of, iterators))
    if len(merged) != len(group_of):
        raise ValueError("merge_u32: a source has fewer items than its nodes")
    return merged


def type_bytes(type_of, table):
    """``bytes``, one per entry of ``type_of`` (an ``array('I')`` of type indices):
    ``table[type_of[i]]``, ``table`` being bytes-like with one byte per type index.  IndexError
    when an index is outside ``table``."""
    found = lookup_bytes(type_of, table)
    if found is None:  # not an array('I'), 2**16 types or more, or an index outside the table
        found = bytes(map(table.__getitem__, type_of))
    return found
