"""Byte masks over whole columns, and merging groups of nodes back into node order.

A mask is a ``bytes`` with one 0 or 1 per node (or per edge).  Masks are made, combined and
applied by C-level passes (``bytes.translate``, big-integer ``|`` and ``&``,
``itertools.compress``), never by a Python loop per value: the walk (heapwalk.py) and the column
builders (nodefacts.py, edgefacts.py) run them over millions of values.
"""
import array
from itertools import repeat

U32_MAX = 0xFFFFFFFF


def selector(value):
    """A ``bytes.translate`` table mapping ``value`` to 1 and every other byte to 0."""
    return bytes(int(i == value) for i in range(256))


SELECT = [selector(v) for v in range(8)]  # SELECT[v]: 1 where a byte is v
NOT = selector(0)  # 0 -> 1, anything else -> 0
TIMES = [bytes((0, v)) + bytes(254) for v in range(8)]  # TIMES[v]: 1 -> v, anything else -> 0

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
