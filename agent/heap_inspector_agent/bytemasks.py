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
# Bytes of an array('i') value: which byte is the low one and which the high one.
_LOW, _HIGH = (0, 3) if sys.byteorder == "little" else (3, 0)
_LOW_IS_FE = selector(0xFE)  # -2 is 0xfffffffe: low byte 0xfe, high byte 0xff
_HIGH_IS_FF = selector(0xFF)  # only negative values (-1, -2) have a 0xff high byte


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
    sources = [repeat(0), iter(selected)]
    return bytes(map(next, map(sources.__getitem__, mask)))


def minus_two_mask(values):
    """Per value of an array('i'): 1 where it is -2 (from its raw bytes, no call per value)."""
    raw = values.tobytes()
    return and_bytes(raw[_LOW::4].translate(_LOW_IS_FE), raw[_HIGH::4].translate(_HIGH_IS_FF))


def positions_of_minus_one(values):
    """Positions of -1 in an array('i') of node indices, found with ``bytes.find``: node indices
    are below 2**31, so four 0xff bytes in a row only occur as a -1 (and at its own position)."""
    raw = values.tobytes()
    found = []
    position = raw.find(b"\xff\xff\xff\xff")
    while position >= 0:
        found.append(position // 4)
        position = raw.find(b"\xff\xff\xff\xff", position + 4)
    return found


def _clamp(value):
    return value if 0 <= value <= U32_MAX else (U32_MAX if value > 0 else 0)


def u32(values):
    """array('I') of a sequence of ints, clamping the rare value outside 0..2**32-1."""
    try:
        return array.array("I", values)
    except (OverflowError, TypeError):
        return array.array("I", map(_clamp, values))
