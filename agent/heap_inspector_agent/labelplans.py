"""Batch labelling: how every node of a type is labelled at once, and the records it produces.

``Labeler.label()`` (labels.py) names one object's references.  Called per object it is the
capture's slowest pass, so edgecolumns.py labels whole groups of nodes instead, with C-level
passes, following a plan per type (``LabelPlans.plan``).  Each plan gives exactly what
``label()`` gives: a plan is chosen only where ``label()`` would find no view of its own (no
getters, no special base), and the nodes a plan cannot vouch for go through ``label()`` one by one.
"""
import array
from itertools import accumulate, chain, compress, repeat

from . import bulk
from . import safe
from .bytemasks import merge_bytes
from .labels import INDEX, STR_KEY, VIEW_BASES

# ``id()`` is audited (PEP 578): bulk.address_of gives the same number without the event.
_address = bulk.address_of

PLAN_NONE = 0  # label() never labels this type: every edge is (REF, 0)
PLAN_SEQUENCE = 1  # exact list or tuple: indices
PLAN_DICT = 2  # exact dict: str keys when the traverse visits exactly its values
PLAN_INSTANCE_VALUES = 3  # plain class, attributes in managed storage (3.11+): names per type
PLAN_INSTANCE_DICT = 4  # plain class, attributes in a real __dict__: (__dict__, __class__)
PLAN_OBJECT = 5  # anything else: label() per object
PLAN_COUNT = 6


class _PlainProbe:
    """The layout of an instance of a class statement without __slots__, for comparison."""


_PLAIN_BASIC_SIZE = safe.basic_size(_PlainProbe)
_PLAIN_FLAGS = safe.type_flags(_PlainProbe) & (safe.TPFLAGS_MANAGED_DICT | safe.TPFLAGS_INLINE_VALUES)


class LabelPlans:
    """The PLAN_* of each type, for one capture's ``Labeler`` (whose getters it shares)."""

    def __init__(self, labeler):
        self._labeler = labeler
        self._memory = labeler.memory
        self._plans = {}  # id(type) -> PLAN_*
        self._instance_names = {}  # id(type) -> attribute names in managed-storage slot order

    def plan(self, obj_type):
        """The PLAN_* for every instance of ``obj_type`` (computed once per type)."""
        key = _address(obj_type)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(obj_type)
        return plan

    def instance_names(self, obj_type):
        """For PLAN_INSTANCE_VALUES: the attribute names, one per managed-storage slot."""
        return self._instance_names[_address(obj_type)]

    def _plan(self, t):
        if t is list or t is tuple:
            return PLAN_SEQUENCE
        if t is dict:
            return PLAN_DICT
        mro = safe.mro(t)
        if not mro or self._labeler.getters_for(t, mro):
            return PLAN_OBJECT
        for base in mro:
            for special in VIEW_BASES:
                if base is special:
                    return PLAN_OBJECT
        flags = safe.type_flags(t)
        managed = flags & (safe.TPFLAGS_MANAGED_DICT | safe.TPFLAGS_INLINE_VALUES)
        if not flags & safe.TPFLAGS_HEAPTYPE:
            # label() finds nothing: no getters, no views, not a heap type.
            return PLAN_NONE if not flags & safe.TPFLAGS_MANAGED_DICT else PLAN_OBJECT
        if not (managed and self._memory.instance_attrs):
            # label()'s candidates are exactly (type, "__class__") and the instance-dict placeholder.
            return PLAN_INSTANCE_DICT
        # Managed storage: the traverse visits the values array, then the type -- when the class
        # is laid out like a class statement's (no C base adding fields or its own traverse).
        for klass in mro[:-1]:
            if not safe.type_flags(klass) & safe.TPFLAGS_HEAPTYPE:
                return PLAN_OBJECT
        if (
            mro[-1] is not object
            or safe.basic_size(t) != _PLAIN_BASIC_SIZE
            or safe.item_size(t) != 0
            or managed != _PLAIN_FLAGS
        ):
            return PLAN_OBJECT
        names = self._memory.shared_key_names(t)
        if names is None:
            return PLAN_OBJECT
        for name in names:
            if type(name) is not str:
                return PLAN_OBJECT
        self._instance_names[_address(t)] = list(names)
        return PLAN_INSTANCE_VALUES


# -- records -------------------------------------------------------------------------------------
# A node's labels are one "piece": a 5-byte record per edge, its kind (u8) then its name (u32,
# native order), joined in node order and split into the two columns with strided slices.

RECORD = 5
_U32_MAX = 0xFFFFFFFF
_ZERO = b"\x00"


def interleave(kinds, names):
    """Records from a kinds column (1 byte per edge) and a names column (4 bytes per edge)."""
    records = bytearray(RECORD * len(kinds))
    records[0::RECORD] = kinds
    for byte in range(4):
        records[1 + byte :: RECORD] = names[byte::4]
    return records


def split(records):
    """(kinds, names) columns from records."""
    kinds = records[0::RECORD]
    names = bytearray(4 * len(kinds))
    for byte in range(4):
        names[byte::4] = records[1 + byte :: RECORD]
    return kinds, names


def _by_length(block, lengths):
    """Pieces ``block[:RECORD * k]`` for each k in ``lengths``: shared objects per length when the
    distinct lengths are few, else slices."""
    distinct = set(lengths)
    if sum(distinct) <= 1 << 18:
        pieces = {k: bytes(block[: RECORD * k]) for k in distinct}
        return map(pieces.__getitem__, lengths)
    return map(block.__getitem__, map(slice, map(RECORD.__mul__, lengths)))


def zero_pieces(lengths):
    """Unlabelled edges: (REF, 0) records."""
    return _by_length(bytes(RECORD * (max(lengths) if lengths else 0)), lengths)


def index_pieces(lengths):
    """(INDEX, i) records, i = k-1 … 0, for each k in ``lengths``: a list's or a tuple's traverse
    visits its items last first, so its referents come in that order."""
    longest = max(lengths) if lengths else 0
    block = interleave(bytes((INDEX,)) * longest, array.array("I", range(longest - 1, -1, -1)).tobytes())
    # A piece of k records is the block's last k: k-1 … 0.
    end = RECORD * longest
    distinct = set(lengths)
    if sum(distinct) <= 1 << 18:
        pieces = {k: bytes(block[end - RECORD * k :]) for k in distinct}
        return map(pieces.__getitem__, lengths)
    return (block[end - RECORD * k :] for k in lengths)


def slices(records, lengths):
    """Consecutive pieces of ``records`` (a group's records, node after node)."""
    ends = list(map(RECORD.__mul__, accumulate(lengths)))
    return map(records.__getitem__, map(slice, [0] + ends[:-1], ends))


def object_records(labelled_list, lengths, strings):
    """Records of a group of nodes labelled one by one (``label()`` results, None: unlabelled)."""
    kinds = bytearray()
    names = array.array("I")
    for labelled, length in zip(labelled_list, lengths):
        if labelled is None:
            kinds += bytes(length)
            names.extend(repeat(0, length))
            continue
        node_kinds, node_names = labelled
        kinds += bytes(node_kinds)
        for kind, name in zip(node_kinds, node_names):
            if kind == INDEX:
                names.append(name if 0 <= name <= _U32_MAX else _U32_MAX)
            elif name:
                names.append(strings.add(name if type(name) is str else safe.key_text(name)))
            else:
                names.append(0)
    return interleave(kinds, names.tobytes())


def dict_fast_mask(dicts, reflists, lengths):
    """Per dict (bytes of 0/1): ``labels._dict_fast_path`` applies -- as many referents as entries, every
    key an exact str, every referent the value of its entry in order -- checked for all dicts with
    a few C-level passes (identity by address, never ``==``)."""
    same_length = bytes(map(int.__eq__, lengths, map(dict.__len__, dicts)))
    if not any(same_length):
        return same_length
    kept = list(compress(dicts, same_length))
    kept_lengths = list(compress(lengths, same_length))
    str_id = _address(str)
    key_types = list(map(type, chain.from_iterable(map(dict.keys, kept))))
    keys_are_str = bytes(map(str_id.__eq__, bulk.addresses(key_types)))
    del key_types
    values = bulk.addresses(list(chain.from_iterable(map(dict.values, kept))))
    referents = bulk.addresses(list(chain.from_iterable(compress(reflists, same_length))))
    values_are_referents = bytes(map(int.__eq__, values, referents))
    del values, referents
    entry_ok = (int.from_bytes(keys_are_str, "little") & int.from_bytes(values_are_referents, "little")).to_bytes(
        len(keys_are_str), "little"
    )
    ends = list(accumulate(kept_lengths))
    starts = [0] + ends[:-1]
    kept_ok = bytes(map((-1).__eq__, map(entry_ok.find, repeat(_ZERO), starts, ends)))
    return merge_bytes(same_length, kept_ok)


def dict_fast_records(dicts, strings):
    """Records of dicts that pass ``dict_fast_mask``: (STR_KEY, key) per entry."""
    keys = list(chain.from_iterable(map(dict.keys, dicts)))
    names = array.array("I", strings.add_all(keys)).tobytes()
    return interleave(bytes((STR_KEY,)) * len(keys), names)
