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
``walk``, ``add_leaves``, ``dict_keys``.  ``NAME`` says which kernel this is (recorded in ``meta.capture``).
"""
import array
import gc
import sys
from itertools import accumulate, chain, compress, filterfalse, islice, repeat

from . import bulk
from . import compat

NAME = "python"
# The contract's version: a native kernel says which one it implements (accel_loader.py checks).
INTERFACE = 1
ADDRESS_TYPECODE = bulk.ADDRESS_TYPECODE
_IMMORTAL = compat.IMMORTAL_REFCOUNT_FLOOR
_NOT = bytes((1,)) + bytes(255)  # bytes.translate table: 0 -> 1, anything else -> 0
_getrefcount = sys.getrefcount
_is_tracked = gc.is_tracked
_type_flags = type.__dict__["__flags__"].__get__
_HAVE_GC = 1 << 14  # Py_TPFLAGS_HAVE_GC
_SMALL_CHUNK = 64


def _call_overhead():
    """References ``map(sys.getrefcount, islice(items, ...))`` adds to what it reports: measured
    on a probe held once by a list (the interpreter's borrowing rules change between versions)."""
    probe = []
    holder = [probe]
    reported = list(map(_getrefcount, islice(holder, 0, 1)))[0]
    return reported - 2  # minus `probe` and `holder`'s reference


_OVERHEAD = _call_overhead()


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
    ``array('q')``.  Immortal objects (3.12+, counts at or above 2**30) report their fixed count
    unchanged (taking a reference does not change it)."""
    raw = array.array("q", map(_getrefcount, islice(items, start, end)))
    if _IMMORTAL is None:
        return array.array("q", map(int.__sub__, raw, repeat(_OVERHEAD)))
    # raw - overhead, except where raw is an immortal's fixed count: (raw < floor) * overhead.
    return array.array("q", map(int.__sub__, raw, map(_OVERHEAD.__mul__, map(_IMMORTAL.__gt__, raw))))


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
        untracked = bytes(map(_is_tracked, referents)).translate(_NOT)
        candidates = list(compress(referents, untracked))
        candidate_addresses = bulk.addresses(candidates)
    del referents
    # First occurrence per address (a dict keeps insertion order; a repeated key keeps its
    # place), then only the addresses not seen before.
    first = dict(zip(candidate_addresses, candidates))
    del candidates, candidate_addresses
    fresh = list(filterfalse(seen.__contains__, first))
    if fresh:
        seen.update(fresh)
        leaves.extend(map(first.__getitem__, fresh))
    del first, fresh
    return targets, lengths


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
        untracked = bytes(map(_is_tracked, objects)).translate(_NOT)
        candidates = list(compress(objects, untracked))
        candidate_addresses = bulk.addresses(candidates)
    first = dict(zip(candidate_addresses, candidates))
    del candidates, candidate_addresses
    fresh = list(filterfalse(seen.__contains__, first))
    if fresh:
        seen.update(fresh)
        leaves.extend(map(first.__getitem__, fresh))
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
    separators = bulk.separator_mask(found)
    del found
    runs = separators.split(b"\x01")  # runs of zeros: one per object, as long as its referents
    if len(runs) != len(chunk) + 1 or runs[-1]:
        # Something references bulk.SEPARATOR besides the agent: object by object (halving).
        del flat, runs
        lists = bulk.referent_lists(chunk, with_addresses=False)[0]
        return list(chain.from_iterable(lists)), array.array("I", map(len, lists))
    lengths = array.array("I", map(len, islice(runs, len(chunk))))
    del runs
    referents = list(compress(flat, separators.translate(_NOT)))
    return referents, lengths


def dict_keys(items, start, end, dict_mask, lengths, targets, first_edge=0):
    """Which exact dicts among the selected items label their references by str keys alone, and
    those keys.

    ``dict_mask``: bytes, one per selected item, 1 for an exact ``dict`` (``type(item) is dict``,
    decided by the caller from ``type_addresses``).  ``lengths``/``targets``: ``walk``'s results
    for these same items (``targets[first_edge]`` is the first selected item's first referent).

    Returns ``(fast, keys)``: ``fast``, bytes, one per selected item: 1 where the item is a dict
    of ``dict_mask`` that has exactly ``lengths[i]`` entries, every key an exact ``str``, and
    whose referents are its values in entry order (compared by address: identity, never ``==``);
    ``keys``: a list of the keys of those dicts, dict after dict, in entry order (the key objects
    themselves: the caller holds them only until it has recorded their text)."""
    chunk = items[start:end]
    count = len(chunk)
    if not any(dict_mask):
        return bytes(count), []
    dicts = list(compress(chunk, dict_mask))
    del chunk
    dict_lengths = list(compress(lengths, dict_mask))
    same = bytes(map(int.__eq__, dict_lengths, map(dict.__len__, dicts)))
    fast = bytearray(len(dicts))
    keys = []
    if any(same):
        size = targets.itemsize
        raw_targets = memoryview(targets).cast("B")
        # Byte range of each dict's referents within ``targets``.
        ends = list(map(size.__mul__, islice(accumulate(lengths, initial=first_edge), 1, None)))
        starts = [size * first_edge] + ends[:-1]
        dict_starts = list(compress(compress(starts, dict_mask), same))
        dict_ends = list(compress(compress(ends, dict_mask), same))
        candidates = list(compress(dicts, same))
        candidate_lengths = list(compress(dict_lengths, same))
        # Values, by address, against the referents: one bytes comparison per dict.
        values = bulk.addresses(list(chain.from_iterable(map(dict.values, candidates)))).tobytes()
        value_ends = list(map(size.__mul__, accumulate(candidate_lengths)))
        value_starts = [0] + value_ends[:-1]
        value_pieces = map(values.__getitem__, map(slice, value_starts, value_ends))
        target_pieces = map(bytes, map(raw_targets.__getitem__, map(slice, dict_starts, dict_ends)))
        values_match = bytes(map(bytes.__eq__, value_pieces, target_pieces))
        del values, raw_targets
        # Keys: every key's type pointer is str's.
        key_types = bulk.addresses(list(map(type, chain.from_iterable(map(dict.keys, candidates))))).tobytes()
        str_word = array.array(ADDRESS_TYPECODE, (bulk.address_of(str),)).tobytes()
        key_pieces = map(key_types.__getitem__, map(slice, value_starts, value_ends))
        keys_are_str = bytes(map(bytes.__eq__, key_pieces, map(str_word.__mul__, candidate_lengths)))
        ok = (int.from_bytes(values_match, "little") & int.from_bytes(keys_are_str, "little")).to_bytes(
            len(candidates), "little"
        )
        keys = list(chain.from_iterable(map(dict.keys, compress(candidates, ok))))
        del candidates
        sources = [repeat(0), iter(ok)]
        fast = bytes(map(next, map(sources.__getitem__, same)))
    sources = [repeat(0), iter(fast)]
    return bytes(map(next, map(sources.__getitem__, dict_mask))), keys

