"""Walks the heap into snapshot columns: nodes, edges, weak references, roots.

Order matters, because every reference the agent holds changes the reference counts it reads:

1. the tracked objects, per generation, minus the agent's own;
2. their reference counts, read while the agent holds each exactly once (calibrated on a probe);
3. their referents, which brings in the untracked objects they reference (the "leaves");
4. roots and weak-reference referents, which may bring in more leaves;
5. the leaves' reference counts, minus the references the agent's referent lists hold;
6. only then types, labels and columns, which hold further references freely.
"""
import array
import gc
import sys
from itertools import islice

from . import builtin_types as bt
from . import compat
from . import labels as edge_labels
from . import roots as root_kinds
from . import safe
from . import typeinfo
from . import weakrefs

TPFLAGS_HAVE_GC = 1 << 14

# Node flag bits (protocol/snapshot.ts NodeFlag).
TRACKED = 1
GENERATION_SHIFT = 1
FINALIZED = 1 << 3
IMMORTAL = 1 << 4
IN_GC_GARBAGE = 1 << 5
SUSPENDED = 1 << 6

U32_MAX = 0xFFFFFFFF
_EMPTY = ()


def _count_overhead(shape):
    """References the agent adds to a count read as ``list(map(getrefcount, shape(xs)))`` for an
    object held by the list ``xs``: the list's own reference plus whatever the call holds.
    Calibrated on a probe, not assumed: the interpreter's borrowing rules change between
    versions."""
    probe = []
    holder = [probe]
    reported = list(map(sys.getrefcount, shape(holder)))[0]
    return reported - 1  # minus the one reference that is not the agent's: `probe`


def _whole(objects):
    return objects


def _tail_from(start):
    def shape(objects):
        return islice(objects, start, None)

    return shape


class HeapWalk:
    """The heap as columns.  Build with ``walk(...)``; then read the public attributes."""

    def __init__(self, memory, strings):
        self.memory = memory
        self.strings = strings
        self.objects = []  # node index -> object (alive for the duration of the capture)
        self.index = {}  # id(object) -> node index
        self.tracked_count = 0
        self.generation_ends = []  # node index where each generation's objects end
        self.refcounts = array.array("I")
        self.reflists = []
        self.root_kind = array.array("B")
        self.root_node = array.array("I")
        self.root_name = array.array("I")
        self.root_frame = array.array("i")
        self.frame_nodes = {}  # id(frame) -> node index, for frames on the recorded stacks
        self.node_address = array.array("d")
        self.finalize_records = []
        self.warnings = []
        self._weakref_kind = {}  # id(type) -> 0 not a weakref, 1 reference, 2 proxy
        self._gc_capable = {}  # id(type) -> bool

    # -- 1, 2: tracked objects and their counts ----------------------------------------------
    def collect_tracked(self, excluded, sentinel, keep, held):
        """Gather tracked objects generation by generation, leaving out the agent's own.

        ``excluded``: ids of the agent's objects.  ``sentinel``: an object the capture created
        first; everything tracked after it (the tail of generation 0) was created by the agent,
        except the ids in ``keep`` (user frames the capture materialised to record the stack).
        ``held``: id -> references the caller holds to that object while counts are read."""
        tracked = []
        for generation in range(compat.NUM_GENERATIONS):
            generation_list = gc.get_objects(generation=generation)
            excluded.add(id(generation_list))
            if generation == 0:
                ids = list(map(id, generation_list))
                try:
                    start = ids.index(id(sentinel))
                except ValueError:
                    start = len(ids)
                for key in islice(ids, start, None):
                    if key not in keep:
                        excluded.add(key)
                del ids
            kept = [o for o in generation_list if id(o) not in excluded]
            del generation_list
            tracked.extend(_without_weakrefs_to(kept, excluded))
            del kept
            self.generation_ends.append(len(tracked))
        overhead = _count_overhead(_whole)
        counts = list(map(sys.getrefcount, tracked))
        self.objects = tracked
        self.tracked_count = len(tracked)
        self.index = dict(zip(map(id, tracked), range(len(tracked))))
        for key, extra in dict.items(held):
            position = self.index.get(key)
            if position is not None:
                counts[position] -= extra
        self.refcounts = array.array("I", (self._clamp(c - overhead) for c in counts))

    @staticmethod
    def _clamp(count):
        return count if 0 <= count <= U32_MAX else (U32_MAX if count > 0 else 0)

    # -- 3: referents and leaves -------------------------------------------------------------
    def collect_referents(self, excluded):
        get_referents = gc.get_referents
        self.reflists = list(map(get_referents, self.objects))
        self._excluded = excluded
        self._expand_leaves(0)

    def _expand_leaves(self, start):
        """Add every referent not yet a node, from reflists[start:], and the referents of
        GC-capable leaves (an untracked tuple may hold a dict that became tracked later)."""
        objects = self.objects
        index = self.index
        excluded = self._excluded
        position = start
        while position < len(self.reflists):
            for referent in self.reflists[position]:
                key = id(referent)
                if key not in index and key not in excluded:
                    index[key] = len(objects)
                    objects.append(referent)
            position += 1
            if position == len(self.reflists) and len(self.reflists) < len(objects):
                self._add_leaf_referents()

    def _add_leaf_referents(self):
        get_referents = gc.get_referents
        for obj in islice(self.objects, len(self.reflists), None):
            self.reflists.append(get_referents(obj) if self._is_gc_capable(type(obj)) else _EMPTY)

    def add_leaf(self, obj):
        """Node index of ``obj``, adding it (and what it references) as a leaf if needed."""
        key = id(obj)
        node = self.index.get(key)
        if node is None:
            if key in self._excluded:
                return None
            node = len(self.objects)
            self.index[key] = node
            self.objects.append(obj)
            start = len(self.reflists)
            self._add_leaf_referents()
            self._expand_leaves(start)
        return node

    def _is_gc_capable(self, t):
        known = self._gc_capable.get(id(t))
        if known is None:
            known = bool(safe.type_flags(t) & TPFLAGS_HAVE_GC)
            self._gc_capable[id(t)] = known
        return known

    # -- 4: roots, weak references, finalizers -----------------------------------------------
    def add_root(self, kind, node, name, frame_node=-1):
        if node is None:
            return
        self.root_kind.append(kind)
        self.root_node.append(node)
        self.root_name.append(self.strings.add(name) if name else 0)
        self.root_frame.append(frame_node)

    def collect_roots(self, paused_stack, thread_stacks, thread_names, current_ident):
        for name, module in list(dict.items(sys.modules)):
            if type(name) is str:
                self.add_root(root_kinds.MODULE, self.index.get(id(module)), name)
        del name, module
        for depth, frame in enumerate(paused_stack):
            node = self.add_leaf(frame)
            self.frame_nodes[id(frame)] = node
            kind = root_kinds.PAUSED_FRAME if depth == 0 else root_kinds.STACK_FRAME
            self.add_root(kind, node, safe.frame_code(frame).co_name)
            self._frame_local_roots(frame, node)
        for ident, frames in thread_stacks:
            for depth, frame in enumerate(frames):
                node = self.add_leaf(frame)
                self.frame_nodes[id(frame)] = node
                if depth == 0:
                    self.add_root(root_kinds.THREAD, node, thread_names.get(ident, "Thread %d" % ident))
                self._frame_local_roots(frame, node)
        garbage_node = self.index.get(id(gc.garbage))
        self.add_root(root_kinds.GC_GARBAGE, garbage_node, "gc.garbage")

    def _frame_local_roots(self, frame, frame_node):
        pairs = root_kinds.frame_locals(frame, self.memory)
        if pairs is None:
            return
        for name, value in pairs:
            self.add_root(root_kinds.FRAME_LOCAL, self.add_leaf(value), name, frame_node)

    def weakref_kind(self, t):
        kind = self._weakref_kind.get(id(t))
        if kind is None:
            mro = safe.mro(t)
            kind = 0
            for klass in mro:
                if klass is weakrefs.REFERENCE_TYPES[0]:
                    kind = 1
                elif klass is weakrefs.PROXY_TYPES[0] or klass is weakrefs.PROXY_TYPES[1]:
                    kind = 2
            self._weakref_kind[id(t)] = kind
        return kind

    def collect_weakrefs(self):
        """Weak reference columns: (node, referent or -1, callback or -1)."""
        nodes = array.array("I")
        referents = array.array("i")
        callbacks = array.array("i")
        proxies = {}
        position = 0
        obj = None
        while position < len(self.objects):
            obj = self.objects[position]
            kind = self.weakref_kind(type(obj))
            if kind:
                nodes.append(position)
                if kind == 1:
                    target = weakrefs.referent(obj)
                    referents.append(-1 if target is None else _or_minus_one(self.add_leaf(target)))
                    del target
                else:
                    proxies[id(obj)] = len(referents)
                    referents.append(-1)
                refs = self.reflists[position]
                callbacks.append(_or_minus_one(self.index.get(id(refs[0]))) if refs else -1)
            position += 1
        del obj
        if proxies:
            found = weakrefs.proxy_referents(proxies, self.objects)
            for key, target in dict.items(found):
                referents[proxies[key]] = self.index[id(target)]
            del found
        self.weakref_node, self.weakref_referent, self.weakref_callback = nodes, referents, callbacks

    def collect_finalizers(self):
        records = []
        for finalizer, _info, fields in weakrefs.finalize_entries():
            reference = fields.get("weakref")
            target = weakrefs.referent(reference) if reference is not None else None
            func = fields.get("func")
            records.append(
                {
                    "node": _or_minus_one(self.add_leaf(finalizer)),
                    "referent": -1 if target is None else _or_minus_one(self.add_leaf(target)),
                    "func": -1 if func is None else _or_minus_one(self.add_leaf(func)),
                    "args": _node_or_minus_one(self, fields.get("args")),
                    "kwargs": _node_or_minus_one(self, fields.get("kwargs")),
                    "atexit": fields.get("atexit") is True,
                    "index": fields.get("index") if type(fields.get("index")) is int else -1,
                    "funcName": weakrefs.callable_name(func) if func is not None else "?",
                }
            )
            del target, func, reference
        self.finalize_records = records

    # -- 5: counts of the leaves -------------------------------------------------------------
    def count_leaves(self, held):
        start = self.tracked_count
        # The referent lists hold one reference per edge into each leaf.
        held_by_lists = {}
        for refs in self.reflists:
            for referent in refs:
                key = id(referent)
                held_by_lists[key] = held_by_lists.get(key, 0) + 1
        overhead = _count_overhead(_tail_from(0))
        counts = list(map(sys.getrefcount, islice(self.objects, start, None)))
        for offset, count in enumerate(counts):
            obj_id = id(self.objects[start + offset])
            true_count = count - overhead - held_by_lists.get(obj_id, 0) - held.get(obj_id, 0)
            self.refcounts.append(self._clamp(true_count))

    # -- 6: columns --------------------------------------------------------------------------
    def build_columns(self, types, labeler, gc_garbage_ids):
        n = len(self.objects)
        strings = self.strings
        index = self.index
        self.node_type = node_type = array.array("I")
        self.node_size = node_size = array.array("I")
        self.node_flags = node_flags = array.array("B")
        self.node_name = node_name = array.array("I")
        self.node_edge_count = edge_count = array.array("I")
        self.edge_to = edge_to = array.array("I")
        self.edge_kind = edge_kind = array.array("B")
        self.edge_name = edge_name = array.array("I")
        getsizeof = sys.getsizeof
        generation_ends = self.generation_ends
        immortal_floor = compat.IMMORTAL_REFCOUNT_FLOOR
        is_finalized = gc.is_finalized if compat.HAS_IS_FINALIZED else None
        edge_start = {}
        for position in range(n):
            obj = self.objects[position]
            t = type(obj)
            type_index = types.index_of(t)
            record_flags = types.records[type_index]["flags"]
            node_type.append(type_index)
            size = getsizeof(obj) if types.sizeof_safe(type_index) else types.basic_size(type_index)
            node_size.append(size if 0 <= size <= U32_MAX else U32_MAX)
            flags = 0
            if position < self.tracked_count:
                generation = 0
                while position >= generation_ends[generation]:
                    generation += 1
                flags = TRACKED | (generation << GENERATION_SHIFT)
            if record_flags & typeinfo.HAS_FINALIZER:
                if is_finalized is not None and gc.is_tracked(obj) and is_finalized(obj):
                    flags |= FINALIZED
                if record_flags & typeinfo.GENERATOR_LIKE and _is_suspended(obj):
                    flags |= SUSPENDED
            if immortal_floor is not None and self.refcounts[position] >= immortal_floor:
                flags |= IMMORTAL
            if id(obj) in gc_garbage_ids:
                flags |= IN_GC_GARBAGE
            node_flags.append(flags)
            node_name.append(_node_name(obj, t, types.records[type_index]["category"], strings))
            refs = self.reflists[position]
            if not refs:
                edge_count.append(0)
                continue
            labelled = labeler.label(obj, t, type_index, refs)
            edge_start[position] = len(edge_to)
            written = 0
            if labelled is None:
                for referent in refs:
                    target = index.get(id(referent))
                    if target is not None:
                        edge_to.append(target)
                        written += 1
                edge_kind.extend(bytes(written))
                edge_name.extend(array.array("I", bytes(4 * written)))
            else:
                kinds, names = labelled
                for referent, kind, name in zip(refs, kinds, names):
                    target = index.get(id(referent))
                    if target is None:
                        continue
                    edge_to.append(target)
                    edge_kind.append(kind)
                    if kind == edge_labels.INDEX:
                        edge_name.append(name if 0 <= name <= U32_MAX else U32_MAX)
                    elif name:
                        edge_name.append(strings.add(name if type(name) is str else safe.key_text(name)))
                    else:
                        edge_name.append(0)
                    written += 1
            edge_count.append(written)
        self._apply_closure_names(labeler, edge_start)

    def release(self):
        """Drop every reference to captured objects (keeping only the columns), so that nothing
        the capture built can outlive it or form a cycle with user objects."""
        self.node_address = array.array("d", map(float, map(id, self.objects)))
        self.objects = []
        self.reflists = []
        self.index = {}
        self._excluded = set()

    def _apply_closure_names(self, labeler, edge_start):
        """A function's closure tuple holds its cells in free-variable order: name them."""
        for tuple_id, names in dict.items(labeler.closure_names):
            node = self.index.get(tuple_id)
            if node is None or node not in edge_start:
                continue
            start = edge_start[node]
            for offset, name in enumerate(names[: self.node_edge_count[node]]):
                self.edge_kind[start + offset] = edge_labels.CLOSURE
                self.edge_name[start + offset] = self.strings.add(name)


def _without_weakrefs_to(objects, excluded):
    """``objects`` minus the weak references to the agent's own objects.  Creating a class makes
    a weak reference to it in its base's subclass registry; those belong to the agent too."""
    reference_type = weakrefs.REFERENCE_TYPES[0]
    positions = [i for i, t in enumerate(map(type, objects)) if t is reference_type]
    dropped = set()
    for position in positions:
        target = weakrefs.referent(objects[position])
        if target is not None and id(target) in excluded:
            dropped.add(position)
        del target
    if not dropped:
        return objects
    return [o for i, o in enumerate(objects) if i not in dropped]


def _or_minus_one(node):
    return -1 if node is None else node


def _node_or_minus_one(walk, obj):
    return -1 if obj is None else _or_minus_one(walk.add_leaf(obj))


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
