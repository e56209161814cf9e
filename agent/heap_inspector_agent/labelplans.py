"""How the nodes of a type are labelled: a plan per type, and the records of nodes labelled one by one.

``Labeler.label()`` (labels.py) names one object's references.  Called per object it is the
capture's slowest pass, so most nodes are labelled from facts instead (edgefacts.py records them
while the heap is read; the reader derives the labels after the program goes on), following a
plan per type (``LabelPlans.plan``).  Each plan gives exactly what ``label()`` gives: a plan is
chosen only where ``label()`` would find no view of its own (no getters, no special base), and
the nodes a plan cannot vouch for go through ``label()`` one by one.
"""
import array
from itertools import chain, compress, repeat

from . import builtin_types as bt
from . import bulk
from . import safe
from .bytemasks import NOT, SELECT, TIMES, and_bytes, merge, merge_bytes, or_bytes
# The kernel's label_facts reads them per node: their numbers are the kernel's (kernel_py_labels.py).
# PLAN_NONE: label() never labels this type: every edge is (REF, 0).
# PLAN_SEQUENCE: exact list or tuple: indices.
# PLAN_DICT: exact dict: str keys when the traverse visits exactly its values.
# PLAN_INSTANCE_VALUES: plain class, attributes in managed storage (3.11+): names per type.
# PLAN_INSTANCE_DICT: plain class, attributes in a real __dict__: (__dict__, __class__).
# PLAN_OBJECT: anything else: label() per object.
from .kernel_py_labels import (
    PLAN_DICT,
    PLAN_INSTANCE_DICT,
    PLAN_INSTANCE_VALUES,
    PLAN_NONE,
    PLAN_OBJECT,
    PLAN_SEQUENCE,
)
from .labels import INDEX, KEY_LIMIT, KEY_OBJECT, OTHER_KEY, SLOT, STR_KEY, VIEW_BASES, getter_sources

# ``id()`` is audited (PEP 578): bulk.address_of gives the same number without the event.
_address = bulk.address_of

PLAN_COUNT = 6

# Recipes (``LabelPlans.recipe``) for the native kernel's member_labels (accel_memberlabels.c):
# candidates read from stored fields, in label()'s order; or an exact dict's entries.
RECIPE_FIELDS = 0
RECIPE_DICT = 1
# Field codes: what a recipe entry reads instead of calling a built-in getter, each giving what
# the getter returns.  An exact function's fields (None for an absent one) and a cell's contents
# (nothing for an empty cell, whose getter raises); a class's (an instance of type or of a
# metaclass, a heap type) type.__bases__ and, where it is a getter (3.12+), type.__mro__ (None
# when unset); the object's class (label()'s __class__ candidate) and a class's namespace dict
# (what safe.type_dict finds).
FUNCTION_FIELDS = {"__code__": 0, "__defaults__": 1, "__kwdefaults__": 2, "__name__": 3, "__qualname__": 4}
CELL_CONTENTS = 5
TYPE_FIELDS = {"__bases__": 6, "__mro__": 7}
CLASS = 8
TYPE_DICT = 9


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

    def recipe(self, t):
        """How the native kernel's member_labels labels the instances of ``t`` exactly as
        ``label()`` does, or None (label() does, instance by instance):

        - ``(RECIPE_FIELDS, t, entries, "__dict__" or None, whether label() records a function's
          closure names)`` for a PLAN_OBJECT type whose candidates are stored fields only: member
          descriptors (any member kind: a number member's candidate is the number the getter
          makes), an exact function's or cell's fields, a class's type getters and namespace, the
          class of a heap type; ``entries`` the candidates in label()'s order as ``(kind, name,
          member descriptor or field code)``; then the instance-dict placeholder's name.  Other
          views (frames, generators, modules, managed attributes, other getters) are label()'s.
        - ``(RECIPE_DICT, dict, STR_KEY, OTHER_KEY, KEY_OBJECT, KEY_LIMIT, safe.KEY_TEXT_LIMIT)``
          for exact dicts: those off the str-keyed fast path whose traverse visits each entry's
          value then key, every key an exact str or int, are labelled as ``_dict_candidates``
          names them (the kernel checks all of it and leaves any other dict to label()).

        The kernel checks each descriptor again and leaves to label() what it cannot read exactly
        as the getter would."""
        plan = self.plan(t)
        if plan == PLAN_DICT:
            return (RECIPE_DICT, t, STR_KEY, OTHER_KEY, KEY_OBJECT, KEY_LIMIT, safe.KEY_TEXT_LIMIT)
        if plan != PLAN_OBJECT:
            return None
        _getters, _flags, heap_type, managed_attrs, view, instance_dict = self._labeler.shape(t)
        function = t is bt.FunctionType
        klass = view is type
        if managed_attrs or (view is not None and not klass and not (function and view is bt.FunctionType)):
            return None
        entries = []
        for name, descriptor, kind, member in getter_sources(t, safe.mro(t)):
            if member:
                entries.append((kind, name, descriptor))
            elif function and name in FUNCTION_FIELDS:
                entries.append((kind, name, FUNCTION_FIELDS[name]))
            elif t is bt.CellType and name == "cell_contents":
                entries.append((kind, name, CELL_CONTENTS))
            elif klass and name in TYPE_FIELDS:
                entries.append((kind, name, TYPE_FIELDS[name]))
            else:
                return None
        if heap_type:
            entries.append((SLOT, "__class__", CLASS))
        if klass:
            entries.append((SLOT, "__dict__", TYPE_DICT))
        return (RECIPE_FIELDS, t, tuple(entries), "__dict__" if instance_dict else None, function)

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
_U32_MAX = 0xFFFFFFFF


def object_records(labelled_list, lengths, strings):
    """(kinds bytes, names array('I')) of a group of nodes labelled one by one (``label()``
    results, None: unlabelled), node after node, ``lengths[i]`` edges each.  An index is its
    number (clamped to u32), a non-empty text its string index, anything else 0; done for all the
    edges at once, by groups (texts, indices, zeros, and the odd rest one by one)."""
    kind_parts = []
    name_parts = []
    for labelled, length in zip(labelled_list, lengths):
        if labelled is None:
            kind_parts.append(bytes(length))
            name_parts.append(repeat(0, length))
        else:
            kind_parts.append(bytes(labelled[0]))
            name_parts.append(labelled[1])
    kinds = b"".join(kind_parts)
    del kind_parts
    flat = list(chain.from_iterable(name_parts))
    del name_parts
    if not flat:
        return kinds, array.array("I")
    types = bulk.addresses(list(map(type, flat)))
    index = kinds.translate(SELECT[INDEX])
    not_index = index.translate(NOT)
    text = and_bytes(bytes(map(_STR.__eq__, types)), not_index)
    rest = and_bytes(not_index, text.translate(NOT))
    # Of the rest, exact ints equal to 0 (the unlabelled edges) are 0; anything else is odd.
    rest_ints = and_bytes(rest, bytes(map(_INT.__eq__, types)))
    zero = merge_bytes(rest_ints, bytes(map((0).__eq__, compress(flat, rest_ints))))
    odd = and_bytes(rest, zero.translate(NOT))
    del types, rest, rest_ints, zero
    group = or_bytes(index.translate(TIMES[2]), text, odd.translate(TIMES[3]))
    sources = [repeat(0), iter(strings.add_all(list(compress(flat, text)))), None, None]
    numbers = list(compress(flat, index))
    try:
        sources[2] = iter(array.array("I", numbers))
    except (OverflowError, TypeError):
        sources[2] = iter([name if type(name) is int and 0 <= name <= _U32_MAX else _U32_MAX for name in numbers])
    del numbers
    if any(odd):
        sources[3] = iter([_odd_name(name, strings) for name in compress(flat, odd)])
    return kinds, array.array("I", merge(group, sources))


def _odd_name(name, strings):
    """A name that is neither an index, a text nor 0 (none is expected): as labels were recorded
    one by one before."""
    if not name:
        return 0
    return strings.add(name if type(name) is str else safe.key_text(name))


_STR = _address(str)
_INT = _address(int)
