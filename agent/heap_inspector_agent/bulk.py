"""Addresses and referents of many objects per call, so that the program's audit hooks see few
events.

``id()`` and ``gc.get_referents()`` raise an audit event (PEP 578) on every call.  Called once
per object and per reference, they ran the program's audit hooks millions of times per capture,
handed them the program's objects in the middle of the walk and doubled the capture's time.  Here
both are done for whole lists at once:

- ``addresses(items)``: the ``id()`` of every item of a list the agent created and holds, read
  from the list's item array in one ``ctypes`` read.  The layout is verified at start-up on a
  probe list (the words read must equal the ids of its known items) and no word read is ever
  dereferenced: they are only compared and stored.  Where ``ctypes`` is missing, refused by an
  audit hook or the layout does not verify, ``object.__hash__`` is used instead (the address
  rotated by four bits: computed in C, not audited, the same for every object whatever its class
  defines), verified likewise; ``id()`` is the last resort.
- ``referents_with_separators(objects)``: ``gc.get_referents(a, M, b, M, ...)`` with ``M`` a tuple
  holding only ``SEPARATOR``, a private object nothing else references, returns the referents of
  ``a``, then ``SEPARATOR``, then those of ``b``, then ``SEPARATOR``... in one audited call.
  ``referent_lists`` splits such a result into per-object lists, checking that there are exactly
  as many separators as objects (a reference to ``SEPARATOR`` from anywhere else would add one).

Work is done in chunks of ``CHUNK`` objects to bound the memory a call holds.
"""
import array
import gc
import sys
from itertools import chain, compress, islice, repeat

try:
    import _ctypes
except ImportError:  # some builds have no ctypes: addresses come from object.__hash__
    _ctypes = None

from . import compat
from . import safe

P = compat.POINTER_SIZE
BITS = 8 * P
MASK = (1 << BITS) - 1
_LOW_SHIFT = BITS - 4
_ALIGNED_HASH_LIMIT = 1 << (BITS - 4)
CHUNK = 1 << 16
# An array typecode whose items are exactly one pointer wide: unsigned, and signed (hashes).
ADDRESS_TYPECODE = [code for code in "ILQ" if array.array(code).itemsize == P][0]
_HASH_TYPECODE = ADDRESS_TYPECODE.lower()

SEPARATOR = object()  # not GC-tracked: gc.get_objects() never lists it
_MARK = (SEPARATOR,)
_SEPARATOR_LANES = []  # see _setup
# Byte lanes of an address in memory, the most varied first: the second-lowest byte up, then the
# lowest (objects are aligned: few values), then the highest (mostly equal in a process).
_LANE_ORDER = list(range(1, P)) + [0] if sys.byteorder == "little" else list(range(P - 2, -1, -1)) + [P - 1]
_ZERO_TO_ONE = bytes((1,)) + bytes(255)  # a separator mask turned into a "keep" mask

_object_hash = object.__hash__


def _address_from_hash(value):
    """The address ``object.__hash__`` was computed from (CPython rotates it right by 4 bits)."""
    value &= MASK
    return ((value << 4) | (value >> (BITS - 4))) & MASK


def _addresses_from_hashes(hashes):
    """``_address_from_hash`` over an array of hashes, lane by lane on one big integer."""
    count = len(hashes)
    if not count:
        return array.array(ADDRESS_TYPECODE)
    order = sys.byteorder
    packed = int.from_bytes(hashes.tobytes(), order)
    # Per pointer-wide lane: (lane << 4) without the bits shifted in from the lane below, and
    # the lane's own top 4 bits moved to its bottom.
    high = int.from_bytes((MASK & ~0xF).to_bytes(P, order) * count, order)
    low = int.from_bytes((0xF).to_bytes(P, order) * count, order)
    rotated = ((packed << 4) & high) | ((packed >> (BITS - 4)) & low)
    result = array.array(ADDRESS_TYPECODE)
    result.frombytes(rotated.to_bytes(P * count, order))
    return result


# Every class the agent defines adds an entry to its base's subclass registry, which is part of
# the heap (a dict held by the base type): this module defines no class of its own beyond the
# _ctypes types it needs, and keeps its state in module globals.
_reader = None  # (list header type, block types by size, offset of the header) once verified
_hash_works = False
method = "id"  # how addresses are read: "memory", "hash" or "id"


def _make_reader():
    class Word(_ctypes._SimpleCData):
        _type_ = "P"

    class Char(_ctypes._SimpleCData):
        _type_ = "c"

    # ob_size, ob_item (the item array), allocated (its capacity): a PyListObject's last words.
    header = type("ListHeader", (_ctypes.Array,), {"_type_": Word, "_length_": 3})
    # Byte-array types by size, powers of two only, so there are few; kept for the life of the
    # process (a class lives in a reference cycle: dropping one would leave garbage).
    blocks = {0: Char}
    return header, blocks, safe.basic_size(list) - 3 * P


def _block(blocks, size):
    block = blocks.get(size)
    if block is None:
        fields = {"_type_": blocks[0], "_length_": size}
        block = blocks[size] = type("Bytes%d" % size, (_ctypes.Array,), fields)
    return block


# Lists up to this many items are read with block types made when the agent loads.
_BLOCKS_MADE_AT_LOAD = 1 << 26


def _make_blocks(blocks):
    """Every block type a read may need, made now: a type made during a capture would be an
    object nobody listed, registered among ``_ctypes.Array``'s subclasses (a dict of the
    program's, if it uses ctypes) while the heap is read."""
    size = 1
    while size <= _BLOCKS_MADE_AT_LOAD:
        _block(blocks, size * P)
        size <<= 1


def _read_list(reader, items, own_address):
    """Addresses of the items of ``items`` (a list at ``own_address``) from its item array, or
    None when its header does not say what it must."""
    header, blocks, offset = reader
    count = list.__len__(items)
    result = array.array(ADDRESS_TYPECODE)
    if not count:
        return result
    # One read of a power-of-two size: the list is padded so that its array holds that many
    # items (the padding goes right after), so the read cannot pass the array's allocation.
    size = 1 << (count - 1).bit_length()
    if size != count:
        list.extend(items, repeat(None, size - count))
    try:
        length, pointer, allocated = header.from_address(own_address + offset)
        if length != size or not pointer or allocated is None or allocated < size:
            return None
        result.frombytes(_block(blocks, size * P).from_address(pointer))
    finally:
        if size != count:
            list.__delitem__(items, slice(count, None))
    del result[count:]
    return result


def _verified(reader):
    known = [object(), [], "probe", 12345678901234567890, None, list]
    for count in (1, 2, 3, 5, 6, 8):
        probe = (known * 2)[:count]
        expected = list(map(id, probe))
        found = _read_list(reader, probe, id(probe))
        if found is None or list(found) != expected or list.__len__(probe) != count:
            return False
    return True


def address_of(obj):
    """``id(obj)`` without the audited call."""
    if _hash_works:
        # _address_from_hash, inlined (called once per label candidate).  A hash with its top
        # four bits clear came from an address whose low four are clear (16-byte aligned), so a
        # shift is the whole rotation.  A static object (True, a built-in type) may be only 4- or
        # 8-aligned: its low bits land on top and take the full rotation below.
        value = _object_hash(obj)
        if 0 <= value < _ALIGNED_HASH_LIMIT:
            return value << 4
        value &= MASK
        return ((value << 4) | (value >> _LOW_SHIFT)) & MASK
    return id(obj)


def addresses(items):
    """array of the ``id()`` of every item of ``items``, a list the agent created and holds
    (no other code may change it meanwhile)."""
    global _reader, method
    if type(items) is not list:
        items = list(items)
    if _reader is not None:
        try:
            found = _read_list(_reader, items, address_of(items))
        except Exception:  # an audit hook refused the read: use the other method from now on
            found = None
            _reader = None
            method = "hash" if _hash_works else "id"
        if found is not None:
            return found
    if _hash_works:
        return _addresses_from_hashes(array.array(_HASH_TYPECODE, map(_object_hash, items)))
    return array.array(ADDRESS_TYPECODE, map(id, items))


def referent_lists(objects, with_addresses=True):
    """``[gc.get_referents(o) for o in objects]`` with one audited call per chunk, and the
    addresses of every referent, object after object (None unless ``with_addresses``):
    (lists, addresses)."""
    lists = []
    found_addresses = array.array(ADDRESS_TYPECODE) if with_addresses else None
    separator = address_of(SEPARATOR)
    for start in range(0, len(objects), CHUNK):
        _read_lists(objects[start : start + CHUNK], separator, lists, found_addresses)
    return lists, found_addresses


def _read_lists(chunk, separator, lists, found_addresses):
    flat = referents_with_separators(chunk)
    found = addresses(flat)
    mask = separator_mask(found, len(chunk))
    runs = mask.split(b"\x01")  # runs of zeros: one per object, as long as its referents
    if len(runs) != len(chunk) + 1 or runs[-1]:
        # An object of the chunk references SEPARATOR (the agent's own _MARK does): halve the
        # chunk until that object is alone, and ask it on its own.
        del flat, found, mask, runs
        if len(chunk) == 1:
            referents = gc.get_referents(chunk[0])
            lists.append(referents)
            if found_addresses is not None:
                found_addresses.extend(addresses(list(referents)))
            return
        half = len(chunk) // 2
        _read_lists(chunk[:half], separator, lists, found_addresses)
        _read_lists(chunk[half:], separator, lists, found_addresses)
        return
    lengths = list(map(len, islice(runs, len(chunk))))
    del runs
    kept = mask.translate(_ZERO_TO_ONE)
    lists.extend(split_by_lengths(compress(flat, kept), lengths))
    if found_addresses is not None:
        found_addresses.extend(compress(found, kept))


def split_by_lengths(items, lengths):
    """Lists of ``lengths[0]``, ``lengths[1]``... consecutive items of the iterator ``items``."""
    return map(list, map(islice, repeat(items), lengths))


def referent_counts(objects):
    """``[len(gc.get_referents(o)) for o in objects]`` (an array), one audited call per chunk
    (more only where an object references SEPARATOR)."""
    return array.array("q", map(len, referent_lists(objects, with_addresses=False)[0]))


def referents_with_separators(objects):
    """``gc.get_referents`` of each object in one call: each object's referents followed by
    ``SEPARATOR``."""
    arguments = [_MARK] * (2 * len(objects))
    arguments[::2] = objects  # one C copy, where chain(zip(...)) took a step per object
    return gc.get_referents(*arguments)


def separator_mask(found, expected=None):
    """bytes, 1 where an entry of the address array ``found`` is SEPARATOR's address, else 0:
    whole words compared, byte lane by byte lane (one ``bytes.translate`` per lane).

    ``expected``: the number of separators the call put in (one per ``_MARK``), of which there
    cannot be fewer.  The lanes that vary most between addresses come first, and the comparison
    stops as soon as only ``expected`` words still match: those are then exactly the separators
    (every separator matches every lane)."""
    if not found:
        return b""
    raw = found.tobytes()
    mask = -1
    for lane in _LANE_ORDER:
        mask &= int.from_bytes(raw[lane::P].translate(_SEPARATOR_LANES[lane]), "little")
        if expected is not None:
            found_mask = mask.to_bytes(len(found), "little")
            if found_mask.count(1) == expected:
                return found_mask
    return mask.to_bytes(len(found), "little")


def _hash_verified():
    probes = [object(), [], "probe", 12345678901234567890, None, list, _MARK, SEPARATOR]
    try:
        expected = list(map(id, probes))
        if list(map(_address_from_hash, map(_object_hash, probes))) != expected:
            return False
        converted = _addresses_from_hashes(array.array(_HASH_TYPECODE, map(_object_hash, probes)))
        return list(converted) == expected
    except Exception:
        return False


def _setup():
    global _reader, _hash_works, method, _SEPARATOR_LANES
    _hash_works = _hash_verified()
    # Per byte of SEPARATOR's address (in memory order): a translate table that maps that byte
    # to 1 and every other to 0.
    word = array.array(ADDRESS_TYPECODE, (address_of(SEPARATOR),)).tobytes()
    _SEPARATOR_LANES = [bytes(int(value == expected) for value in range(256)) for expected in word]
    if _hash_works:
        method = "hash"
    if _ctypes is not None and compat.IS_CPYTHON:
        try:
            reader = _make_reader()
            if _verified(reader):
                _reader = reader
                method = "memory"
                _make_blocks(reader[1])
        except Exception:  # an audit hook that refuses ctypes, an unexpected layout
            _reader = None


_setup()
