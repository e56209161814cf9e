"""Walks the heap into snapshot columns: nodes, edges, weak references, roots.

Order matters, because every reference the agent holds changes the reference counts it reads:

1. the tracked objects, per generation, minus the agent's own;
2. their reference counts, read while the agent holds each exactly once (calibrated on a probe);
3. their referents, which brings in the untracked objects they reference (the "leaves");
4. roots and weak-reference referents, which may bring in more leaves;
5. the leaves' reference counts, read once the referent lists are dropped (every edge is a node
   index by then), so that only the node list holds them;
6. only then types, labels and columns, which hold further references freely: node columns in
   nodecolumns.py, edge columns and labels in edgecolumns.py.

Steps 1 to 5 are this file.  Whatever they hold while a count is read is either accounted for
(the node list, calibrated by ``_count_overhead``; the caller's ``held``) or no node at all: no
list of ints (arrays instead: a list would reference the small ints, which are nodes too), and no
object of the heap kept in a module-level name, a default argument or a closure.

Speed (docs/performance.md): the work per object and per reference is done by C-level passes --
``map``, ``zip``, ``itertools.compress``, ``dict``/``bytes``/``array`` methods, the byte masks of
bytemasks.py -- over whole columns, not by Python loops.  Addresses and referents are read for
whole chunks of objects at once (bulk.py), never with one ``id()`` or ``gc.get_referents()`` call
per object: both are audited, and the program's audit hooks would otherwise run millions of
times.  Python loops remain for what is rare: finalizers, weak references, objects that no batch
plan vouches for.
"""
import array
import gc
import sys
from itertools import compress, count, islice, repeat

from . import bulk
from . import compat
from . import edgecolumns
from . import nodecolumns
from . import ownership
from . import roots as root_kinds
from . import safe
from . import weakrefs
from .bulk import ADDRESS_TYPECODE, CHUNK, referents_with_separators
from .bytemasks import NOT, merge, minus_two_mask, u32

TPFLAGS_HAVE_GC = 1 << 14

_UNRESOLVED = -2  # an edge target that is not a node yet
_EXCLUDED = -1  # an edge to one of the agent's own objects: dropped


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


def _counts(objects, overhead):
    """Reference counts minus ``overhead``, as an array: a list of the counts would itself
    reference the small ints among them, which may be nodes counted later in the same pass."""
    counts = array.array("q", map(sys.getrefcount, objects))
    return array.array("q", map(int.__sub__, counts, repeat(overhead)))


class HeapWalk:
    """The heap as columns.  capture.py calls the steps in order (``collect_tracked`` …
    ``build_columns``), then reads the public attributes."""

    def __init__(self, memory, strings, progress=None):
        self.memory = memory
        self.strings = strings
        # progress.Reporter: called at chunk points only (a generation listed, a chunk walked).
        self.progress = progress if progress is not None else _no_progress
        self.objects = []  # node index -> object (alive for the duration of the capture)
        self.index = {}  # id(object) -> node index, in node order
        self.tracked_count = 0
        self.generation_ends = []  # node index where each generation's objects end
        self.refcounts = array.array("I")
        self.edge_lengths = array.array("I")  # node index -> len(gc.get_referents(object))
        self.edge_targets = array.array("i")  # every referent's node index, node after node
        # node index -> id(type(object)): no reference to a type
        self.type_ids = array.array(ADDRESS_TYPECODE)
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
        # A node of each type, in order of discovery: the types are found again from these, so
        # no list of types is alive while counts are read (static types are nodes too).
        self._type_examples = array.array("q")
        self._excluded = set()
        self.changed_while_read = 0  # objects whose references changed between two reads

    # -- 1, 2: tracked objects and their counts ----------------------------------------------
    def collect_tracked(self, excluded, sentinel, keep, held):
        """Gather tracked objects generation by generation, leaving out the agent's own.

        ``excluded``: ids of the agent's objects.  ``sentinel``: an object the capture created
        first; everything tracked after it (the tail of generation 0) was created by the agent,
        except the ids in ``keep`` (user frames the capture materialised to record the stack).
        ``held``: id -> references the caller holds to that object while counts are read."""
        tracked = []
        tracked_ids = []
        self.progress("objects", 0, compat.NUM_GENERATIONS)
        for generation in range(compat.NUM_GENERATIONS):
            generation_list = gc.get_objects(generation=generation)
            excluded.add(bulk.address_of(generation_list))
            ids = bulk.addresses(generation_list).tolist()  # ints made once, used several times
            if generation == 0:
                try:
                    start = ids.index(bulk.address_of(sentinel))
                except ValueError:
                    start = len(ids)
                tail = set(islice(ids, start, None))
                tail.difference_update(keep)
                excluded.update(tail)
                del tail
            kept, ids = ownership.without_ids(generation_list, ids, excluded)
            del generation_list
            kept, ids = ownership.without_weakrefs_to(kept, ids, excluded)
            tracked.extend(kept)
            tracked_ids.extend(ids)
            del kept, ids
            self.generation_ends.append(len(tracked))
            self.progress("objects", generation + 1, compat.NUM_GENERATIONS)
        overhead = _count_overhead(_whole)
        counts = _counts(tracked, overhead)
        self.objects = tracked
        self.tracked_count = len(tracked)
        self.index = dict(zip(tracked_ids, count()))
        del tracked_ids
        for key, extra in dict.items(held):
            position = self.index.get(key)
            if position is not None:
                counts[position] -= extra
        self.refcounts = u32(counts)

    # -- 3: referents and leaves -------------------------------------------------------------
    def collect_referents(self, excluded):
        self._excluded = excluded
        self._add_types(0)
        self._walk(0, all_gc=True, report=True)

    def _add_types(self, start):
        """Type ids of objects[start:], chunk by chunk, and the facts of the types not seen yet."""
        objects = self.objects
        for chunk_start in range(start, len(objects), CHUNK):
            types = list(map(type, objects[chunk_start : chunk_start + CHUNK]))
            self.type_ids.extend(bulk.addresses(types))
            del types
        self._describe_types(start)

    def _walk(self, start, all_gc=False, report=False):
        """Referents of objects[start:] as node indices (``edge_lengths``, ``edge_targets``),
        adding every referent not yet a node (a "leaf") and, round after round, the referents of
        GC-capable leaves (an untracked tuple may hold a dict that became tracked later).
        Leaves are added in order of first use within each round.  ``all_gc``: objects[start:]
        are tracked, so all GC-capable (the first round need not look their types up).
        ``report``: progress after each chunk, as "walk" (the tracked objects, the first round)
        then "leaves" (the rounds of leaves; their total grows as more are found)."""
        progress = self.progress if report else _no_progress
        phase = "walk"
        base = start  # where the phase's objects begin
        while start < len(self.objects):
            end = len(self.objects)
            if all_gc:
                mask = b"\x01" * (end - start)
                all_gc = False
            else:
                # Non-GC objects have no referents: they are not asked.
                mask = bytes(map(self._gc_capable.__getitem__, self.type_ids[start:end]))
            progress(phase, start - base, end - base)
            for chunk_start in range(start, end, CHUNK):
                chunk_end = min(end, chunk_start + CHUNK)
                self._read_referents(chunk_start, chunk_end, mask[chunk_start - start : chunk_end - start])
                progress(phase, chunk_end - base, (end if phase == "walk" else len(self.objects)) - base)
            if phase == "walk":
                phase, base = "leaves", end
            if len(self.objects) > end:
                self._add_types(end)
            start = end
        if report:
            if phase == "walk":  # nothing to walk: the phases still start and end
                progress("walk", 0, 0)
            leaves = len(self.objects) - base if phase == "leaves" else 0
            progress("leaves", leaves, leaves)

    def _read_referents(self, start, end, mask):
        """Edges of objects[start:end] (``mask``: which of them to ask), from one
        ``gc.get_referents`` call for the whole chunk (bulk.referents_with_separators)."""
        objects = self.objects
        index = self.index
        walked = objects[start:end]
        if mask.count(0):
            walked = list(compress(walked, mask))
        walked_count = len(walked)
        if not walked_count:
            self.edge_lengths.extend(repeat(0, end - start))
            return
        referents = referents_with_separators(walked)
        addresses = bulk.addresses(referents)
        separators = bulk.separator_mask(addresses)
        pieces = separators.split(b"\x01")  # runs of zeros: one per object, as long as its referents
        if len(pieces) != walked_count + 1 or pieces[-1]:
            # Something besides the agent references bulk.SEPARATOR: count object by object.
            pieces = [bytes(length) for length in bulk.referent_counts(walked)] + [b""]
            separators = _real_separators(pieces, len(addresses))
        lengths = array.array("I", map(len, islice(pieces, walked_count)))
        del walked, pieces
        kept = separators.translate(NOT)
        del separators
        # A reference to the separator from elsewhere is not a node: excluded, its edge dropped.
        targets = array.array("i", map(index.get, compress(addresses, kept), repeat(_UNRESOLVED)))
        unresolved = minus_two_mask(targets)  # the _UNRESOLVED targets
        if any(unresolved):
            first = len(objects)
            fresh = list(compress(compress(referents, kept), unresolved))
            fresh_ids = bulk.addresses(fresh)
            new = dict(zip(fresh_ids, fresh))  # one entry per object, in order of first use
            del fresh
            for key in self._excluded.intersection(new):
                del new[key]
            objects.extend(dict.values(new))
            leaves = dict(zip(new, count(first)))  # smaller than the index: faster to search
            del new
            index.update(leaves)
            found = map(leaves.get, fresh_ids, repeat(_EXCLUDED))
            any(map(targets.__setitem__, compress(count(), unresolved), found))  # C-level scatter
            del fresh_ids, found, leaves
        del referents, addresses, kept
        self.edge_targets.extend(targets)
        if walked_count == end - start:
            self.edge_lengths.extend(lengths)
        else:
            self.edge_lengths.extend(merge(mask, [repeat(0), iter(lengths)]))

    def _describe_types(self, start):
        """Per-type facts for the types of objects[start:] not seen yet (one dict pass)."""
        last = dict(zip(self.type_ids[start:] if start else self.type_ids, count(start)))
        for key, position in dict.items(last):
            if key not in self._gc_capable:
                t = type(self.objects[position])
                self._gc_capable[key] = _gc_capable(t)
                self._weakref_kind[key] = _weakref_kind(t)
                self._type_examples.append(position)

    def add_leaf(self, obj):
        """Node index of ``obj``, adding it (and what it references) as a leaf if needed."""
        key = bulk.address_of(obj)
        node = self.index.get(key)
        if node is None:
            if key in self._excluded:
                return None
            node = len(self.objects)
            self.index[key] = node
            self.objects.append(obj)
            self._add_types(node)
            self._walk(node)
        return node

    # -- 4: roots, weak references, finalizers -----------------------------------------------
    def add_root(self, kind, node, name, frame_node=-1):
        if node is None:
            return
        self.root_kind.append(kind)
        self.root_node.append(node)
        self.root_name.append(self.strings.add(name) if name else 0)
        self.root_frame.append(frame_node)

    def collect_roots(self, paused_stack, thread_stacks, thread_names, current_ident):
        named = [(name, module) for name, module in list(dict.items(sys.modules)) if type(name) is str]
        modules = [module for _name, module in named]
        for (name, _module), address in zip(named, bulk.addresses(modules)):
            self.add_root(root_kinds.MODULE, self.index.get(address), name)
        del named, modules
        for depth, frame in enumerate(paused_stack):
            node = self.add_leaf(frame)
            self.frame_nodes[bulk.address_of(frame)] = node
            kind = root_kinds.PAUSED_FRAME if depth == 0 else root_kinds.STACK_FRAME
            self.add_root(kind, node, safe.frame_code(frame).co_name)
            self._frame_local_roots(frame, node, True)
        for ident, frames in thread_stacks:
            for depth, frame in enumerate(frames):
                node = self.add_leaf(frame)
                self.frame_nodes[bulk.address_of(frame)] = node
                if depth == 0:
                    self.add_root(root_kinds.THREAD, node, thread_names.get(ident, "Thread %d" % ident))
                self._frame_local_roots(frame, node, False)
        garbage_node = self.index.get(bulk.address_of(gc.garbage))
        self.add_root(root_kinds.GC_GARBAGE, garbage_node, "gc.garbage")

    def _frame_local_roots(self, frame, frame_node, own_thread):
        held = _HeldObjects(self.objects, self.index)
        pairs = root_kinds.frame_locals(frame, self.memory, held, own_thread)
        if pairs is None:
            return
        for name, value in pairs:
            self.add_root(root_kinds.FRAME_LOCAL, self.add_leaf(value), name, frame_node)

    def collect_weakrefs(self):
        """Weak reference columns: (node, referent or -1, callback or -1)."""
        nodes = array.array("I")
        referents = array.array("i")
        callbacks = array.array("i")
        proxies = {}  # address of a proxy -> its entry in ``referents``
        lengths = self.edge_lengths
        start = 0
        edges_before = 0  # edges of the nodes before ``counted``
        counted = 0
        while start < len(self.objects):
            # Weak references among objects[start:] (referents added as leaves come next round).
            end = len(self.objects)
            kinds = bytes(map(self._weakref_kind.__getitem__, self.type_ids[start:end]))
            positions = list(compress(count(start), kinds))
            if not positions:
                start = end
                continue
            references = [position for position in positions if kinds[position - start] == 1]
            targets = list(map(weakrefs.referent, map(self.objects.__getitem__, references)))
            target_addresses = iter(bulk.addresses(targets))
            targets = iter(targets)
            for position in positions:
                nodes.append(position)
                if kinds[position - start] == 1:
                    target = next(targets)
                    address = next(target_addresses)
                    node = None if target is None else self.index.get(address)
                    if node is None and target is not None:
                        node = self.add_leaf(target)
                    referents.append(_or_minus_one(node))
                    del target
                else:
                    proxies[bulk.address_of(self.objects[position])] = len(referents)
                    referents.append(-1)
                # The callback is a weak reference's only referent: its edge target, already read.
                edges_before += sum(lengths[counted:position])
                counted = position
                callbacks.append(self.edge_targets[edges_before] if lengths[position] else -1)
            del targets, target_addresses
            start = end
        if proxies:
            found = weakrefs.proxy_referents(proxies, self.objects, bulk.addresses)
            for key, target in dict.items(found):
                referents[proxies[key]] = self.index[bulk.address_of(target)]
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
        """Counts of the objects added after the tracked ones.  The referent lists held one
        reference per edge into them; every edge is a node index by now, so the lists are
        dropped as they are mapped, and only the node list (calibrated) and ``held`` remain to
        subtract."""
        start = self.tracked_count
        overhead = _count_overhead(_tail_from(0))
        counts = _counts(islice(self.objects, start, None), overhead)
        for key, extra in dict.items(held):
            position = self.index.get(key)
            if position is not None and position >= start:
                counts[position - start] -= extra
        self.refcounts.extend(u32(counts))

    # -- 6: columns (nodecolumns.py, edgecolumns.py) ----------------------------------------
    def build_columns(self, types, labeler, gc_garbage_ids):
        progress = self.progress
        progress("labels", 0, 5)
        objects = self.objects
        for position in self._type_examples:
            types.index_of(type(objects[position]))
        type_of = list(map(types.index_by_id.__getitem__, self.type_ids))  # node -> type index
        self.node_type = array.array("I", type_of)
        progress("labels", 1, 5)
        self.node_size = nodecolumns.size_column(self, types, type_of)
        progress("labels", 2, 5)
        self.node_flags = nodecolumns.flag_column(self, types, type_of, gc_garbage_ids)
        progress("labels", 3, 5)
        self.node_name = nodecolumns.name_column(self, types, type_of)
        progress("labels", 4, 5)
        edgecolumns.EdgeColumns(self, labeler).build(types, type_of)
        progress("labels", 5, 5)

    def release(self):
        """Drop every reference to captured objects (keeping only the columns), so that nothing
        the capture built can outlive it or form a cycle with user objects."""
        self.node_address = array.array("d", self.index)  # the index's keys: the ids, in node order
        self.objects = []
        self.index = {}
        self._excluded = set()


class _HeldObjects:
    """``get(id, default)`` over the walk's nodes: the object with that id, which the walk holds."""

    __slots__ = ("objects", "index")

    def __init__(self, objects, index):
        self.objects = objects
        self.index = index

    def get(self, key, default=None):
        position = self.index.get(key)
        return default if position is None else self.objects[position]


def _no_progress(_phase, _done, _total):
    pass


def _gc_capable(t):
    return bool(safe.type_flags(t) & TPFLAGS_HAVE_GC)


def _weakref_kind(t):
    """0: not a weak reference type, 1: a reference, 2: a proxy."""
    kind = 0
    for klass in safe.mro(t):
        if klass is weakrefs.REFERENCE_TYPES[0]:
            kind = 1
        elif klass is weakrefs.PROXY_TYPES[0] or klass is weakrefs.PROXY_TYPES[1]:
            kind = 2
    return kind


def _real_separators(pieces, total):
    """The separator mask from per-object runs: a 1 after each object's referents."""
    mask = bytearray(total)
    position = -1
    for piece in pieces[:-1]:
        position += len(piece) + 1
        mask[position] = 1
    return bytes(mask)


def _or_minus_one(node):
    return -1 if node is None else node


def _node_or_minus_one(walk, obj):
    return -1 if obj is None else _or_minus_one(walk.add_leaf(obj))
