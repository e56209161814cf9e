"""Names for references: which attribute, key, index or local each referent sits in.

``gc.get_referents(obj)`` returns what the collector traverses, in traversal order, without names.
Names come from *views* of the object that run no user code (member descriptors, built-in getters
known to be pure reads, dict items through ``dict.items``, managed attribute storage read from
memory, frame slots read from memory).  Each view yields (address, kind, name) candidates and the
referents are matched to them by identity, in order, so duplicates and unexpected extra referents
stay correct: a referent no view explains is left unlabelled rather than guessed.

This is the reference path, object by object.  edgefacts.py records most nodes' labels in groups
instead (labelplans.py), with results equal to ``Labeler.label()``'s.
"""
from itertools import compress, count, repeat

from . import builtin_types as bt
from . import bulk
from . import compat
from . import functionfields
from . import safe

# ``id()`` is audited (PEP 578): the program's audit hooks would run for every candidate and
# referent.  bulk.address_of gives the same number without the event.
_address = bulk.address_of

# Edge kinds (protocol/snapshot.ts EdgeKind).
REF = 0
ATTR = 1
STR_KEY = 2
OTHER_KEY = 3
INDEX = 4
LOCAL = 5
CLOSURE = 6
SLOT = 7
KEY_OBJECT = 8

_MemberDescriptor = bt.MemberDescriptorType
_ODD_LABELS = "object(s) whose references could not be named (reading them failed): left unlabelled"

# Built-in getters that only read a stored field (no allocation, no materialisation).  Getters
# such as function.__dict__, function.__annotations__, frame.f_locals, generator.gi_frame (3.11+)
# and frame.f_back (3.11+) create objects and are deliberately absent.
_PURE_GETTERS = {
    bt.FunctionType: ("__code__", "__defaults__", "__kwdefaults__", "__name__", "__qualname__", "__closure__"),
    BaseException: ("args", "__traceback__", "__context__", "__cause__"),
    bt.CellType: ("cell_contents",),
    type: ("__mro__", "__bases__", "__base__"),
    bt.FrameType: ("f_trace", "f_globals", "f_builtins", "f_code")
    + (("f_back",) if compat.VERSION < (3, 11) else ()),
    bt.GeneratorType: ("gi_code", "__name__", "__qualname__")
    + (("gi_frame",) if compat.VERSION < (3, 11) else ()),
    bt.CoroutineType: ("cr_code", "__name__", "__qualname__", "cr_await")
    + (("cr_frame",) if compat.VERSION < (3, 11) else ()),
    bt.AsyncGeneratorType: ("ag_code", "__name__", "__qualname__", "ag_await")
    + (("ag_frame",) if compat.VERSION < (3, 11) else ()),
}
_SEQUENCES = (list, tuple)

# Bases whose presence in the MRO makes _candidates() add views of its own.
VIEW_BASES = (
    dict,
    list,
    tuple,
    bt.ModuleType,
    type,
    bt.FrameType,
    bt.GeneratorType,
    bt.CoroutineType,
    bt.AsyncGeneratorType,
    bt.FunctionType,
)


class Labeler:
    """Labels one object's referents (``label``); built per capture, it caches per type what it
    asks of instances."""

    def __init__(self, memory, types):
        self.memory = memory
        self._getters = {}  # id(type) -> [(name, getter)] ; types kept alive by the TypeTable
        self._types = types
        # Closure tuples seen on functions: id(tuple) -> free variable names (applied later).
        self.closure_names = {}
        self._shapes = {}  # id(type) -> see shape()
        self._code_getters = {}  # id(generator type) -> its code getter (looked up once per type)

    # -- entry point --------------------------------------------------------------------------
    def label(self, obj, obj_type, type_index, referents, addresses=None):
        """(kinds, names) lists parallel to ``referents``, or None when nothing is labelled.
        ``addresses``: the referents' ids, when the caller has them (bulk.referent_lists).
        An object that cannot be read as its type says (a half-built object, a view that
        raises) stays unlabelled: one odd object never loses the capture."""
        try:
            return self._label(obj, obj_type, type_index, referents, addresses)
        except Exception:
            safe.note_odd(_ODD_LABELS, obj)
            return None

    def _label(self, obj, obj_type, type_index, referents, addresses=None):
        n = len(referents)
        if n == 0:
            return None
        if obj_type is list or obj_type is tuple:
            # Their traverse visits the items last first.
            if n == safe.safe_len(obj):
                return [INDEX] * n, list(range(n - 1, -1, -1))
            return None
        if obj_type is dict:
            fast = _dict_fast_path(obj, referents)
            if fast is not None:
                return fast
        # A function's audited getters (__code__, ...) are read from its referents instead.
        derived = None
        if obj_type is bt.FunctionType:
            derived = functionfields.fields(obj, referents)
        elif obj_type is bt.MethodType:
            derived = functionfields.method_fields(obj, referents)
        pairs = self._candidates(obj, obj_type, type_index, derived)
        if not pairs:
            return None
        if addresses is None:
            addresses = list(map(_address, referents))
        return _match(referents, pairs, addresses)

    # -- views --------------------------------------------------------------------------------
    def _candidates(self, obj, obj_type, type_index, derived=None):
        pairs = []
        getters, flags, heap_type, managed_attrs, view, instance_dict = self.shape(obj_type)
        for name, getter, kind in getters:
            if derived is not None and name in derived:
                value = derived[name]
            else:
                try:
                    value = getter(obj)
                except Exception:
                    continue
            pairs.append((_address(value), kind, name))
        if heap_type:
            pairs.append((_address(obj_type), SLOT, "__class__"))
            if managed_attrs:
                attributes = self.memory.instance_attributes(obj, obj_type, flags)
                if attributes:
                    pairs.extend((address, ATTR, name) for name, address in attributes)
        if view is not None:
            if view is dict:
                _dict_candidates(obj, pairs)
            elif view is list or view is tuple:
                length = list.__len__(obj) if view is list else tuple.__len__(obj)
                getitem = list.__getitem__ if view is list else tuple.__getitem__
                pairs.extend((_address(getitem(obj, i)), INDEX, i) for i in range(length))
            elif view is bt.ModuleType:
                namespace = safe.module_dict(obj)
                if namespace is not None:
                    pairs.append((_address(namespace), SLOT, "__dict__"))
            elif view is type:
                namespace = safe.type_dict(obj)
                pairs.append((_address(namespace), SLOT, "__dict__"))
            elif view is bt.FrameType:
                self._frame_candidates(obj, pairs)
            elif view is bt.FunctionType:
                self._function_candidates(obj, pairs, derived)
            else:  # generator, coroutine, async generator
                self._generator_candidates(obj, pairs)
        if instance_dict:
            # A materialised instance __dict__ is the one dict referent no other view explains.
            pairs.append((_INSTANCE_DICT, SLOT, "__dict__"))
        return pairs

    def shape(self, obj_type):
        """What ``_candidates`` asks of every instance of ``obj_type`` (computed once per type):
        (getters, flags, heap type, managed attributes readable, the view base or None, whether
        an unexplained dict referent is the instance __dict__)."""
        key = _address(obj_type)
        shape = self._shapes.get(key)
        if shape is None:
            flags = safe.type_flags(obj_type)
            heap_type = flags & safe.TPFLAGS_HEAPTYPE
            mro = safe.mro(obj_type)
            view = None
            for base in mro:
                for special in VIEW_BASES:
                    if base is special:
                        view = special
                        break
                if view is not None:
                    break
            managed_attrs = bool(
                heap_type
                and self.memory.instance_attrs
                and flags & (safe.TPFLAGS_MANAGED_DICT | safe.TPFLAGS_INLINE_VALUES)
            )
            instance_dict = bool(heap_type or flags & safe.TPFLAGS_MANAGED_DICT)
            shape = (self.getters_for(obj_type, mro), flags, heap_type, managed_attrs, view, instance_dict)
            self._shapes[key] = shape
        return shape

    def getters_for(self, obj_type, mro):
        """[(name, getter, kind)]: the member descriptors and pure built-in getters of the MRO."""
        cached = self._getters.get(_address(obj_type))
        if cached is not None:
            return cached
        getters = [
            (name, _member_getter(descriptor, obj_type) if member else descriptor.__get__, kind)
            for name, descriptor, kind, member in getter_sources(obj_type, mro)
        ]
        self._getters[_address(obj_type)] = getters
        return getters

    def _frame_candidates(self, frame, pairs):
        code = safe.frame_code(frame)
        if compat.VERSION >= (3, 11):
            back = self.memory.frame_back_address(frame)
            if back:
                pairs.append((back, SLOT, "f_back"))
        if self.memory.frame_locals:
            slots = self.memory.frame_locals_addresses(frame, code)
            if slots:
                _local_pairs(code, slots, pairs)

    def _generator_candidates(self, generator, pairs):
        if compat.VERSION < (3, 11) or not self.memory.generator_locals:
            return
        key = _address(type(generator))
        if key not in self._code_getters:
            self._code_getters[key] = None
            for getter_name in ("gi_code", "cr_code", "ag_code"):
                descriptor = safe.lookup_in_mro(type(generator), getter_name)
                if descriptor is not None:
                    self._code_getters[key] = descriptor.__get__
                    break
        getter = self._code_getters[key]
        if getter is None:
            return
        code = getter(generator)
        slots = self.memory.generator_locals_addresses(generator, code)
        if slots:
            _local_pairs(code, slots, pairs)

    def _function_candidates(self, function, pairs, derived=None):
        if derived is not None and "__closure__" in derived:
            closure = derived["__closure__"]
        else:
            closure = bt.FunctionType.__dict__["__closure__"].__get__(function)
        if closure is not None:
            code = derived["__code__"] if derived is not None else safe.function_code(function)
            self.closure_names[_address(closure)] = code.co_freevars


def getter_sources(obj_type, mro):
    """[(name, descriptor, kind, is a member descriptor)] of ``obj_type``, in the order its
    candidates are made: per class of the MRO, its member descriptors in its dict's order, then
    its pure built-in getters (_PURE_GETTERS); a name seen once is not taken again."""
    sources = []
    seen = set()
    for klass in mro:
        namespace = safe.type_dict(klass)
        # __slots__ of a class statement are attributes; members of built-in types are slots.
        member_kind = ATTR if safe.type_flags(klass) & safe.TPFLAGS_HEAPTYPE else SLOT
        for name, value in dict.items(namespace):
            if type(name) is str and name not in seen and type(value) is _MemberDescriptor:
                seen.add(name)
                sources.append((name, value, member_kind, True))
        for known, names in _PURE_GETTERS.items():
            if klass is known:
                for name in names:
                    descriptor = safe.str_key_get(namespace, name)
                    if descriptor is not None and name not in seen:
                        seen.add(name)
                        sources.append((name, descriptor, SLOT, False))
    return sources


def _local_pairs(code, slots, pairs):
    cells = set(code.co_cellvars) | set(code.co_freevars)
    for name, address in slots:
        pairs.append((address, CLOSURE if name in cells else LOCAL, name))


_INSTANCE_DICT = -1  # placeholder address: "the one otherwise unexplained dict referent"


def _member_getter(descriptor, obj_type):
    get = descriptor.__get__

    def read(obj):
        return get(obj, obj_type)

    return read


# str dict keys longer than this are cut (with "…"): labels, not contents.  Format 2's bulk path
# (edgefacts.py) cuts at the same length, so a dict reads the same whichever path labelled it.
KEY_LIMIT = 120


def key_label(key):
    """An exact ``str`` dict key as a label: cut to KEY_LIMIT."""
    if str.__len__(key) <= KEY_LIMIT:
        return key
    return str.__getitem__(key, slice(0, KEY_LIMIT - 1)) + "\u2026"


def _dict_candidates(d, pairs):
    for key, value in dict.items(d):
        if type(key) is str:
            text = key_label(key)
            pairs.append((_address(value), STR_KEY, text))
            pairs.append((_address(key), KEY_OBJECT, text))
        else:
            text = safe.key_text(key)
            pairs.append((_address(value), OTHER_KEY, text))
            pairs.append((_address(key), KEY_OBJECT, text))


def _dict_fast_path(d, referents):
    """A str-keyed dict whose traverse visits only values, in entry order (the common case)."""
    if len(referents) != dict.__len__(d):
        return None
    keys = list(dict.keys(d))
    values = list(dict.values(d))
    for key in keys:
        if type(key) is not str:
            return None
    for value, referent in zip(values, referents):
        if value is not referent:
            return None
    return [STR_KEY] * len(keys), list(map(key_label, keys))


_UNLABELLED = (REF, 0)


def _match(referents, pairs, addresses):
    """(kinds, names) for ``referents`` from candidate (address, kind, name) ``pairs``: each
    referent takes the first unused candidate with its address; a dict referent that none
    explains takes the instance-dict placeholder; the rest stay unlabelled.  None when nothing
    is labelled."""
    by_address = {}
    more = None  # address -> its second, third… candidates, in order
    instance_dict = None
    for address, kind, name in pairs:
        if address == _INSTANCE_DICT:
            if instance_dict is None:
                instance_dict = []
            instance_dict.append((kind, name))
        elif address in by_address:
            if more is None:
                more = {}
            queue = more.get(address)
            if queue is None:
                more[address] = [(kind, name)]
            else:
                queue.append((kind, name))
        else:
            by_address[address] = (kind, name)
    # ``pop`` gives each address's first candidate to the first referent with that address.
    found = list(map(by_address.pop, addresses, repeat(_UNLABELLED)))
    # No candidate has kind REF: only _UNLABELLED itself equals _UNLABELLED.
    if more:
        # Later referents with the same address take the next candidates, in referent order.
        for position in compress(count(), map(_UNLABELLED.__eq__, found)):
            queue = more.get(addresses[position])
            if queue:
                found[position] = queue.pop(0)
    if instance_dict:
        for position in compress(count(), map(_UNLABELLED.__eq__, found)):
            if type(referents[position]) is dict:
                found[position] = instance_dict.pop()
                if not instance_dict:
                    break
    if found.count(_UNLABELLED) == len(found):
        return None
    kinds, names = zip(*found)
    return list(kinds), list(names)
