"""Byte masks over whole columns, and merging groups of nodes back into node order.

A mask is a ``bytes`` with one 0 or 1 per node (or per edge).  Masks are made, combined and
applied by C-level passes (``bytes.translate``, big-integer ``|`` and ``&``,
``itertools.compress``), never by a Python loop per value: the walk (heapwalk.py) and the column
builders (nodefacts.py, edgefacts.py) run them over millions of values.
"""
import array
import sys
from itertools import repeat

U32_MAX = 0xFFFFFFFF


def selector(value):
    """A ``bytes.translate`` table mapping ``value`` to 1 and every other byte to 0."""
    return bytes(int(i == value) for i in range(256))


SELECT = [selector(v) for v in range(8)]  # SELECT[v]: 1 where a byte is v
NOT = selector(0)  # 0 -> 1, anything else -> 0
TIMES = [bytes((0, v)) + bytes(254) for v in range(8)]  # TIMES[v]: 1 -> v, anything else -> 0
# Lanes of an array('I')'s raw bytes: each item's lowest byte, its second, its two highest.
_LOW_LANE = 0 if sys.byteorder == "little" else 3
_SECOND_LANE = 1 if sys.byteorder == "little" else 2
_HIGH_LANES = (3, 2) if sys.byteorder == "little" else (0, 1)


def lookup_bytes(indices, table):
    """``bytes(map(table.__getitem__, indices))`` for an ``array('I')`` of indices into
    ``table`` (bytes-like), by ``bytes.translate`` of the indices' low bytes, once per block of
    256 table entries the indices use.  None where that does not apply (another array, an index
    of 2**16 or more, or one outside ``table``): the caller then looks them up one by one.

    The second byte of each index says its block; the block's entries are a translate table
    for the low bytes."""
    if type(indices) is not array.array or indices.typecode != "I" or indices.itemsize != 4 or not table:
        return None
    count = len(indices)
    if not count:
        return b""
    raw = indices.tobytes()
    for lane in _HIGH_LANES:
        if raw[lane::4].count(0) != count:
            return None
    low = raw[_LOW_LANE::4]
    block_of = raw[_SECOND_LANE::4]
    size = len(table)
    if block_of.count(0) == count:
        # One block (fewer than 257 types, the common case): one translate.
        return _translated(low, table, 0, size)
    blocks = (size + 255) >> 8
    if blocks < 256 and block_of.translate(_below(blocks)).count(0) != count:
        return None  # a block past the table's end
    result = 0
    for block in range(min(blocks, 256)):
        if block not in block_of:
            continue
        select = int.from_bytes(block_of.translate(_selector_of(block, 255)), "little")
        last = min(size, (block + 1) << 8) - (block << 8)
        if last < 256 and int.from_bytes(low.translate(_below(last)), "little") & select:
            return None  # a low byte past the end of the table's last, partial block
        result |= int.from_bytes(_translated(low, table, block, size, False), "little") & select
    return result.to_bytes(count, "little")


def _translated(low, table, block, size, check=True):
    """``low`` through the table's entries ``block * 256`` … as a translate table (None when
    ``check`` and a byte of ``low`` is past the table's end)."""
    entries = bytes(table[block << 8 : (block + 1) << 8])
    if len(entries) < 256:
        if check and low.translate(_below(len(entries))).count(0) != len(low):
            return None
        entries += bytes(256 - len(entries))
    return low.translate(entries)


def _below(n):
    """A translate table: 0 for a byte below ``n``, 1 for any other."""
    return bytes(n) + b"\x01" * (256 - n)


def _selector_of(value, mark):
    """A translate table: ``mark`` for ``value``, 0 for any other byte."""
    table = bytearray(256)
    table[value] = mark
    return bytes(table)


def nonzero(words):
    """bytes, one per item of the array ``words``: 1 where it is not 0 (its raw bytes, byte lane
    by byte lane: a ``bytes.translate`` each)."""
    raw = words.tobytes()
    size = words.itemsize
    zero = -1
    for lane in range(size):
        zero &= int.from_bytes(raw[lane::size].translate(NOT), "little")
    return zero.to_bytes(len(words), "little").translate(NOT) if words else b""


def or_bytes(*columns):
    """Bitwise OR of equally long byte strings (as big integers: one C operation each)."""
    total = 0
    for column in columns:
        total |= int.from_bytes(column, "little")
    return total.to_bytes(len(columns[0]), "little")


def and_bytes(*columns):
    total = int.from_bytes(columns[0], "little")
    for column in columns[1:]:
        total &= int.from_bytes(column, "little")
    return total.to_bytes(len(columns[0]), "little")


def merge(group_of, sources):
    """Items in node order: node i takes the next item of ``sources[group_of[i]]``."""
    return map(next, map(sources.__getitem__, group_of))


def merge_bytes(mask, selected):
    """``mask`` with its 1s replaced, in order, by the bytes of ``selected`` (one per 1)."""
    if len(selected) == mask.count(1) and mask.count(0) + len(selected) == len(mask):
        # The common cases, without a step per byte: all 0s, or all 1s.
        if selected.count(0) == len(selected):
            return bytes(len(mask))
        if selected.count(1) == len(selected):
            return bytes(mask)
    sources = [repeat(0), iter(selected)]
    return bytes(map(next, map(sources.__getitem__, mask)))


def word_positions(words, value):
    """Positions of ``value`` in ``words`` (an array of any item size), found with ``bytes.find``
    on its raw bytes (a C scan, for values that are rare).  A match must start on a word boundary."""
    raw = words.tobytes()
    pattern = array.array(words.typecode, (value,)).tobytes()
    size = len(pattern)
    found = []
    position = raw.find(pattern)
    while position >= 0:
        if position % size == 0:
            found.append(position // size)
            position = raw.find(pattern, position + size)
        else:
            position = raw.find(pattern, position + 1)
    return found


def _clamp(value):
    return value if 0 <= value <= U32_MAX else (U32_MAX if value > 0 else 0)


def u32(values):
    """array('I') of a sequence of ints, clamping the rare value outside 0..2**32-1."""
    try:
        return array.array("I", values)
    except (OverflowError, TypeError):
        return array.array("I", map(_clamp, values))
