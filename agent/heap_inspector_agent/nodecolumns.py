"""Node columns: node.size, node.flags and node.name (step 6 of heapwalk.py).

Built once every count is read, so these passes may hold references freely.  Nodes are grouped by
what their type needs (a measured size or the basic one; a name from a str, int or float value,
or from the object) and each group is done at once, then merged back into node order
(bytemasks.merge).  Nothing here runs user code: sizes come from ``sys.getsizeof`` only where the
type's ``__sizeof__`` is built in (typeinfo.py), names from built-in getters and atoms' own
``__repr__``.
"""
import array
import gc
from itertools import compress, count, repeat

from . import builtin_types as bt
from . import compat
from . import safe
from . import typeinfo
from .bytemasks import NOT, SELECT, merge, or_bytes, u32

# Node flag bits (protocol/snapshot.ts NodeFlag).
TRACKED = 1
GENERATION_SHIFT = 1
FINALIZED = 1 << 3
IMMORTAL = 1 << 4
IN_GC_GARBAGE = 1 << 5
SUSPENDED = 1 << 6

# How a node's short name (node.name) is computed, per type (see _node_name).
NAME_NONE = 0
NAME_STR = 1
NAME_INT = 2
NAME_FLOAT = 3
NAME_OBJECT = 4
_NAMED_CATEGORIES = ("atom", "function", "class", "module", "frame", "generator")
_NAME_LIMIT = 60


def size_column(walk, types, type_of):
    """``sys.getsizeof`` where the type's ``__sizeof__`` is built in, else the basic size."""
    safe_by_type = [types.sizeof_safe(i) for i in range(len(types.records))]
    basic_by_type = [types.basic_size(i) for i in range(len(types.records))]
    if all(safe_by_type):
        return u32(typeinfo.measured_sizes(walk.objects, map(basic_by_type.__getitem__, type_of)))
    measured = bytes(map(safe_by_type.__getitem__, type_of))
    sources = [
        map(basic_by_type.__getitem__, compress(type_of, measured.translate(NOT))),
        iter(
            typeinfo.measured_sizes(
                compress(walk.objects, measured), map(basic_by_type.__getitem__, compress(type_of, measured))
            )
        ),
    ]
    return u32(list(merge(measured, sources)))


def flag_column(walk, types, type_of, gc_garbage_ids):
    """Tracked and generation, finalized, suspended, immortal, in ``gc.garbage``."""
    n = len(walk.objects)
    flags = bytearray()
    previous = 0
    for generation, end in enumerate(walk.generation_ends):
        flags += bytes((TRACKED | (generation << GENERATION_SHIFT),)) * (end - previous)
        previous = end
    flags += bytes(n - previous)
    records = types.records
    finalizer_types = bytes(bool(r["flags"] & typeinfo.HAS_FINALIZER) for r in records)
    if any(finalizer_types):
        is_finalized = gc.is_finalized if compat.HAS_IS_FINALIZED else None
        obj = None
        for position in compress(count(), map(finalizer_types.__getitem__, type_of)):
            obj = walk.objects[position]
            if is_finalized is not None and gc.is_tracked(obj) and is_finalized(obj):
                flags[position] |= FINALIZED
            if records[type_of[position]]["flags"] & typeinfo.GENERATOR_LIKE and _is_suspended(obj):
                flags[position] |= SUSPENDED
        del obj
    floor = compat.IMMORTAL_REFCOUNT_FLOOR
    if floor is not None:
        immortal = bytes(map(floor.__le__, walk.refcounts))
        if any(immortal):
            flags = bytearray(or_bytes(flags, immortal.translate(bytes((0, IMMORTAL)) + bytes(254))))
    for key in gc_garbage_ids:
        position = walk.index.get(key)
        if position is not None:
            flags[position] |= IN_GC_GARBAGE
    return array.array("B", flags)


def name_column(walk, types, type_of):
    """String index of each node's short label (see ``_node_name``), by groups of nodes."""
    strings = walk.strings
    records = types.records
    name_kinds = bytearray()
    for t, record in zip(types.types, records):
        if t is str:
            name_kinds.append(NAME_STR)
        elif t is int:
            name_kinds.append(NAME_INT)
        elif t is float:
            name_kinds.append(NAME_FLOAT)
        elif record["category"] in _NAMED_CATEGORIES:
            name_kinds.append(NAME_OBJECT)
        else:
            name_kinds.append(NAME_NONE)
    kind_of = bytes(map(name_kinds.__getitem__, type_of))
    sources = [repeat(0), None, None, None, None]
    for kind in (NAME_STR, NAME_INT, NAME_FLOAT, NAME_OBJECT):
        if kind not in kind_of:
            continue
        mask = kind_of.translate(SELECT[kind])
        group = list(compress(walk.objects, mask))
        if kind == NAME_STR:
            indices = strings.add_all(_short_texts(group, list(map(str.__len__, group))))
        elif kind == NAME_INT:
            try:
                texts = list(map(int.__repr__, group))
            except ValueError:  # more digits than sys.int_max_str_digits allows
                texts = [safe.atom_text(value) for value in group]
            indices = strings.add_all(_short_texts(texts, list(map(str.__len__, texts))))
            del texts
        elif kind == NAME_FLOAT:
            indices = strings.add_all(list(map(float.__repr__, group)))
        else:
            categories = [r["category"] for r in records]
            indices = list(
                map(
                    _node_name,
                    group,
                    map(type, group),
                    map(categories.__getitem__, compress(type_of, mask)),
                    repeat(strings),
                )
            )
        del group
        sources[kind] = iter(indices)
    return array.array("I", merge(kind_of, sources))


def _short_texts(texts, lengths):
    """Texts longer than the label limit cut to it, as ``safe.atom_text`` does."""
    if lengths and max(lengths) > _NAME_LIMIT:
        texts = list(texts)
        for position in compress(count(), map(_NAME_LIMIT.__lt__, lengths)):
            texts[position] = str.__getitem__(texts[position], slice(0, _NAME_LIMIT - 1)) + "\u2026"
    return texts


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


def _node_name(obj, t, category, strings):
    """String index of a short, safe label for the node."""
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
    if type(text) is not str or not text:
        return 0
    return strings.add(text)
