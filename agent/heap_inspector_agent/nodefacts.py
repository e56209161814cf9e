"""Per-node facts of one chunk of the walk: type, size, flags and name (heapwalk.py calls them).

Each fact is computed for the whole chunk at once, with C-level passes: nodes are grouped by what
their type needs (a measured size or the basic one; a name from a str, int or float value, or from
the object) and each group is done at once, then merged back into node order (the kernel's merge_u32).
Nothing here runs user code: sizes come from ``sys.getsizeof`` only where the type's
``__sizeof__`` is built in (typeinfo.py, through the kernel), names from built-in getters and
atoms' own ``__repr__``.  Nothing is kept from one chunk to the next but numbers per type.
"""
import array
import gc
import sys
from itertools import compress, count, repeat
from operator import is_

from . import builtin_types as bt
from . import compat
from . import kernel_py
from . import labelplans
from . import labels
from . import safe
from . import typeinfo
from . import weakrefs
from .bytemasks import SELECT

# Node flag bits (protocol/snapshot.ts NodeFlag).  Immortal and in-gc.garbage are derived by the
# reader (from the count, and from gc.garbage's own node).
TRACKED = 1
GENERATION_SHIFT = 1
FINALIZED = 1 << 3
SUSPENDED = 1 << 6

# How a node's short name (node.name) is computed, per type.
NAME_NONE = 0
NAME_STR = 1
NAME_INT = 2
NAME_FLOAT = 3
NAME_OBJECT = 4
_NAMED_CATEGORIES = ("atom", "function", "class", "module", "frame", "generator")
NAME_LIMIT = 60

# A type's facts that every node of a chunk needs, packed in one byte per type (``traits``), so
# that a chunk looks its types up once (the kernel's ``type_bytes``) and takes each fact out of
# that with ``bytes.translate``: the name rule (bits 0-2), measured size (bit 3), weak reference
# kind (bits 4-5), finalizer (bit 6).
_MEASURE_BIT = 1 << 3
_WEAKREF_SHIFT = 4
_FINALIZER_BIT = 1 << 6
NAME_KIND_OF = bytes(value & 7 for value in range(256))
MEASURE_OF = bytes(int(bool(value & _MEASURE_BIT)) for value in range(256))
WEAKREF_KIND_OF = bytes((value >> _WEAKREF_SHIFT) & 3 for value in range(256))
FINALIZER_OF = bytes(int(bool(value & _FINALIZER_BIT)) for value in range(256))

# A MISSING index's raw bytes.  Found anywhere in the raw indices (not only at a multiple of 4):
# a false alarm would need an index of 2**24 or more, and would only cost the slow path.
_MISSING_WORD = b"\xff\xff\xff\xff"
_TOP_LANE = 3 if sys.byteorder == "little" else 0
_ALL_ONES = bytes(255) + b"\x01"  # 255 -> 1, anything else -> 0

_ODD_SIZE = "object(s) whose built-in __sizeof__ failed: their size is the type's basic size"


class TypeFacts:
    """Numbers per type index for the chunk passes: which name rule, whether to measure the size,
    the basic size, the label plan, whether a weak reference (1) or proxy (2), whether it has a
    finalizer and is generator-like, and for plain instances the number of attribute slots."""

    def __init__(self, types, memory, kernel):
        self.types = types
        self._memory = memory
        self.kernel = kernel
        # Arrays, not lists: see typeinfo.TypeTable.
        self.size = array.array("q")  # the size of every instance, when it is one per type
        self.plan = bytearray()
        self.generator = bytearray()
        self.slots = array.array("I")  # PLAN_INSTANCE_VALUES: attribute slots per instance, else 0
        # How the kernel labels the nodes recorded one by one, per type (LabelPlans.recipe: stored
        # fields, a dict's entries), for a kernel that does (the pure-Python one leaves every node
        # to label()).  They hold names and descriptors of the heap: dropped (drop_recipes)
        # before the leaves' counts are read.
        self.recipes = []
        self._recipes_wanted = kernel is not kernel_py
        # Name rule, measured per object or not (sizes() gives 0 for the others), weak reference
        # kind and finalizer, packed in one byte (see NAME_KIND_OF…).
        self.traits = bytearray()

    def indices(self, type_addresses, objects, start):
        """Type index of each object of the chunk (``type_addresses`` from the kernel), adding
        the types not seen before (found again through ``objects[start + i]``)."""
        by_address = self.types.index_by_id
        found = self.kernel.type_indices(type_addresses, by_address)
        if _MISSING_WORD not in found.tobytes():
            return found
        new_type_positions = getattr(self.kernel, "new_type_positions", None)
        if new_type_positions is not None:
            # The native kernel: where each new address first appears, in one pass.
            positions = new_type_positions(type_addresses, found)
        else:
            # The missing word is all ones; a type index has its top byte clear (far fewer than
            # 2**24 types), so the top bytes alone mark the unknown addresses.
            unknown = found.tobytes()[_TOP_LANE::4].translate(_ALL_ONES)
            # One example position per new type address, in order of first use (a dict keeps one
            # value per key: the last; any instance serves as the example).
            positions = dict.values(dict(zip(compress(type_addresses, unknown), compress(count(), unknown))))
        for position in positions:
            self._add(objects, start + position)
        return self.kernel.type_indices(type_addresses, by_address)

    def _add(self, objects, position):
        index = self.types.index_of(type(objects[position]))
        while len(self.plan) <= index:
            self._describe(len(self.plan), objects, position)
        return index

    def _describe(self, index, objects, position):
        types = self.types
        t = types.types[index]
        category = types.category(index)
        flags = types.flags(index)
        if t is str:
            kind = NAME_STR
        elif t is int:
            kind = NAME_INT
        elif t is float:
            kind = NAME_FLOAT
        elif category in _NAMED_CATEGORIES:
            kind = NAME_OBJECT
        else:
            kind = NAME_NONE
        rule = types.sizeof_safe(index)
        size = types.basic_size(index)
        if rule == 2 and type(objects[position]) is t:
            measured = self.kernel.sizes(objects, position, position + 1, b"\x01")[0]
            if measured < 0:
                safe.note_odd(_ODD_SIZE, objects[position])
            else:
                size = measured
        self.size.append(size)
        # Plans cache names read from the type: made for this type only, then dropped, so that no
        # text of the heap is held from one chunk to the next.
        plans = labelplans.LabelPlans(labels.Labeler(self._memory, None))
        plan = plans.plan(t)
        self.plan.append(plan)
        self.recipes.append(plans.recipe(t) if self._recipes_wanted else None)
        self.slots.append(len(plans.instance_names(t)) if plan == labelplans.PLAN_INSTANCE_VALUES else 0)
        del plans
        self.generator.append(1 if flags & typeinfo.GENERATOR_LIKE else 0)
        self.traits.append(
            kind
            | (_MEASURE_BIT if rule == 1 else 0)
            | (_weakref_kind(t) << _WEAKREF_SHIFT)
            | (_FINALIZER_BIT if flags & typeinfo.HAS_FINALIZER else 0)
        )

    def drop_recipes(self):
        """No more chunks to label: let go of the recipes' names and descriptors."""
        self.recipes = []
        self._recipes_wanted = False


def sizes(kernel, objects, start, end, traits):
    """node.size of the chunk (array('q')): ``sys.getsizeof`` of each object whose type's
    ``__sizeof__`` is built in and says something per object (the kernel measures); 0 for the
    others, whose size is their type's (``facts.size``: one instance measured, or the basic size
    where ``__sizeof__`` could run user code; the reader fills it in).  A measure that failed
    gives 0 too.  ``traits``: the kernel's ``type_bytes`` of ``TypeFacts.traits``, per node."""
    measured = kernel.sizes(objects, start, end, traits.translate(MEASURE_OF))
    if -1 in measured:
        for position in compress(count(), map((-1).__eq__, measured)):
            safe.note_odd(_ODD_SIZE, objects[start + position])
            measured[position] = 0
    return measured


def flags(objects, start, end, type_of, traits, facts, generation):
    """node.flags of the chunk: tracked and generation (``generation``: 0–2 for every object of
    the chunk, None for leaves), finalized, suspended."""
    n = end - start
    if generation is None:
        column = bytearray(n)
    else:
        column = bytearray(bytes((TRACKED | (generation << GENERATION_SHIFT),)) * n)
    finalizers = traits.translate(FINALIZER_OF)
    if any(finalizers):
        is_finalized = gc.is_finalized if compat.HAS_IS_FINALIZED else None
        generator = facts.generator
        obj = None
        for position in compress(count(), finalizers):
            obj = objects[start + position]
            if is_finalized is not None and gc.is_tracked(obj) and is_finalized(obj):
                column[position] |= FINALIZED
            if generator[type_of[position]] and _is_suspended(obj):
                column[position] |= SUSPENDED
        del obj
    return column


def names(objects, start, end, type_of, traits, facts, strings):
    """node.name of the chunk: string indices of each node's short label (see ``_object_names``)."""
    kind_of = traits.translate(NAME_KIND_OF)
    if not any(kind_of):
        return array.array("I", bytes(4 * (end - start)))
    chunk = objects[start:end]
    sources = [None, None, None, None, None]
    for kind in (NAME_STR, NAME_INT, NAME_FLOAT, NAME_OBJECT):
        if kind not in kind_of:
            continue
        mask = kind_of.translate(SELECT[kind])
        group = list(compress(chunk, mask))
        # Atoms are distinct objects: their texts are mostly distinct too, appended as they are.
        if kind == NAME_STR:
            indices = strings.append_all(short_texts(group, NAME_LIMIT, facts.kernel))
        elif kind == NAME_INT:
            try:
                texts = list(map(int.__repr__, group))
            except ValueError:  # more digits than sys.int_max_str_digits allows
                texts = [safe.atom_text(value) for value in group]
            indices = strings.append_all(short_texts(texts, NAME_LIMIT, facts.kernel))
            del texts
        elif kind == NAME_FLOAT:
            indices = strings.append_all(list(map(float.__repr__, group)))
        else:
            indices = _object_names(group, compress(type_of, mask), facts, strings)
        del group
        sources[kind] = indices
    return facts.kernel.merge_u32(kind_of, sources)


def _object_names(group, type_indices, facts, strings):
    """String indices of the names of ``group`` (objects named by NAME_OBJECT), added to the
    table in node order: the native kernel reads functions', code objects' and methods' names from
    their fields (``name_texts``), ``_node_text`` the others, and the pure kernel all of them."""
    read = getattr(facts.kernel, "name_texts", None)
    category = facts.types.category
    if read is None:
        texts = list(map(_node_text, group, map(type, group), map(category, type_indices)))
    else:
        texts = read(group)
        undecided = bytes(map(is_, texts, repeat(None)))
        if any(undecided):
            type_indices = list(compress(type_indices, undecided))
            others = list(compress(group, undecided))
            found = map(_node_text, others, map(type, others), map(category, type_indices))
            for position, text in zip(compress(count(), undecided), found):
                texts[position] = text
            del others
    # Named only by an exact str (a __qualname__ may be a str subclass); "" is index 0 anyway.
    return strings.indices_of(texts)


def short_texts(texts, limit=NAME_LIMIT, kernel=None):
    """Texts (a list of exact str) longer than ``limit`` cut to it, as ``safe.atom_text`` does.
    ``kernel``: the native one finds the long texts in one pass (``long_texts``)."""
    find = getattr(kernel, "long_texts", None)
    if find is not None and type(texts) is list:
        positions = find(texts, limit)
    else:
        lengths = list(map(str.__len__, texts))
        positions = compress(count(), map(limit.__lt__, lengths)) if lengths and max(lengths) > limit else ()
        del lengths
    copied = False
    for position in positions:
        if not copied:
            texts = list(texts)
            copied = True
        texts[position] = str.__getitem__(texts[position], slice(0, limit - 1)) + "\u2026"
    return texts


def _weakref_kind(t):
    """0: not a weak reference type, 1: a reference, 2: a proxy."""
    kind = 0
    for klass in safe.mro(t):
        if klass is weakrefs.REFERENCE_TYPES[0]:
            kind = 1
        elif klass is weakrefs.PROXY_TYPES[0] or klass is weakrefs.PROXY_TYPES[1]:
            kind = 2
    return kind



_generator_suspended = {}
for _type, _getter in ((bt.GeneratorType, "gi_suspended"), (bt.CoroutineType, "cr_suspended")):
    _descriptor = _type.__dict__.get(_getter)
    if _descriptor is not None:
        _generator_suspended[_type] = _descriptor.__get__
del _type, _getter, _descriptor


def _is_suspended(obj):
    """A generator or coroutine paused at a yield/await: its finalizer runs its ``finally``."""
    for base in safe.mro(type(obj)):
        getter = _generator_suspended.get(base)
        if getter is not None:
            return getter(obj) is True
        if base is bt.GeneratorType or base is bt.CoroutineType or base is bt.AsyncGeneratorType:
            # Before 3.11 (and for async generators): started, not finished.
            frame_getter = {bt.GeneratorType: "gi_frame", bt.CoroutineType: "cr_frame"}.get(base, "ag_frame")
            frame = base.__dict__[frame_getter].__get__(obj) if compat.VERSION < (3, 11) else None
            if frame is None:
                return False
            return bt.FrameType.__dict__["f_lasti"].__get__(frame) >= 0
    return False


def _node_text(obj, t, category):
    """A short, safe label for the node (None or an empty text: none)."""
    text = None
    if category == "atom":
        if t is bt.CodeType:
            text = obj.co_name
        else:
            text = safe.atom_text(obj)
    elif category == "function":
        if t is bt.FunctionType:
            text = bt.FunctionType.__dict__["__qualname__"].__get__(obj)
        elif t is bt.BuiltinFunctionType:
            text = bt.BuiltinFunctionType.__dict__["__qualname__"].__get__(obj)
        elif t is bt.MethodType:
            func = bt.MethodType.__dict__["__func__"].__get__(obj)
            if type(func) is bt.FunctionType:
                text = bt.FunctionType.__dict__["__qualname__"].__get__(func)
    elif category == "class":
        text = safe.qualified_type_name(obj)
    elif category == "module":
        text = safe.module_name_of(obj)
    elif category == "frame":
        code = safe.frame_code(obj)
        text = "%s:%d" % (code.co_name, safe.frame_lineno(obj) or 0)
    elif category == "generator":
        for base in safe.mro(t):
            if base is bt.GeneratorType or base is bt.CoroutineType or base is bt.AsyncGeneratorType:
                text = base.__dict__["__qualname__"].__get__(obj)
                break
    return text
