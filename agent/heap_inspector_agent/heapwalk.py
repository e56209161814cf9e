"""Walks the heap into snapshot columns: nodes, edges, weak references, roots.

Order matters, because every reference the agent holds changes the reference counts it reads:

1. the tracked objects, per generation, minus the agent's own;
2. their reference counts, read while the agent holds each exactly once (calibrated on a probe);
3. their referents, which brings in the untracked objects they reference (the "leaves");
4. roots and weak-reference referents, which may bring in more leaves;
5. the leaves' reference counts, read once the referent lists are dropped (every edge is a node
   index by then), so that only the node list holds them;
6. only then types, labels and columns, which hold further references freely.

Speed (docs/performance.md): the work per object and per reference is done by C-level passes --
``map``, ``zip``, ``itertools.compress``, ``dict``/``bytes``/``array`` methods -- over whole
columns, not by Python loops.  Addresses and referents are read for whole chunks of objects at
once (bulk.py), never with one ``id()`` or ``gc.get_referents()`` call per object: both are
audited, and the program's audit hooks would otherwise run millions of times.  Nodes are grouped by what their type needs (a name from their
value, index labels, str keys, attribute names per class, or the per-object labeller); each group
is processed at once and the results are merged back into node order with
``map(next, map(sources.__getitem__, group_of_node))``.  Python loops remain for what is rare:
finalizers, weak references, objects that no batch plan vouches for.  While counts are read the
agent holds no list of ints (arrays instead): a list would reference the small ints, which are
nodes too.
"""
import array
import gc
import sys
from itertools import accumulate, chain, compress, count, islice, repeat

from . import builtin_types as bt
from . import compat
from . import bulk
from .bulk import ADDRESS_TYPECODE, CHUNK, referents_with_separators
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
_UNRESOLVED = -2  # an edge target that is not a node yet
_EXCLUDED = -1  # an edge to one of the agent's own objects: dropped

# How a node's short name (node.name) is computed, per type (see _node_name).
NAME_NONE = 0
NAME_STR = 1
NAME_INT = 2
NAME_FLOAT = 3
NAME_OBJECT = 4
_NAMED_CATEGORIES = ("atom", "function", "class", "module", "frame", "generator")
_NAME_LIMIT = 60


def _selector(value):
    """A ``bytes.translate`` table mapping ``value`` to 1 and every other byte to 0."""
    return bytes(int(i == value) for i in range(256))


_SELECT = [_selector(v) for v in range(8)]
_NOT = _selector(0)  # 0 -> 1, anything else -> 0
# Bytes of an array('i') value: which byte is the low one and which the high one.
_LOW, _HIGH = (0, 3) if sys.byteorder == "little" else (3, 0)
_LOW_IS_FE = _selector(0xFE)  # -2 is 0xfffffffe: low byte 0xfe, high byte 0xff
_HIGH_IS_FF = _selector(0xFF)  # only negative values (-1, -2) have a 0xff high byte


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


def _clamp(value):
    return value if 0 <= value <= U32_MAX else (U32_MAX if value > 0 else 0)


def _u32(values):
    """array('I') of a sequence of ints, clamping the rare value outside 0..2**32-1."""
    try:
        return array.array("I", values)
    except (OverflowError, TypeError):
        return array.array("I", map(_clamp, values))


def _or_bytes(*columns):
    """Bitwise OR of equally long byte strings (as big integers: one C operation each)."""
    total = 0
    for column in columns:
        total |= int.from_bytes(column, "little")
    return total.to_bytes(len(columns[0]), "little")


def _and_bytes(*columns):
    total = int.from_bytes(columns[0], "little")
    for column in columns[1:]:
        total &= int.from_bytes(column, "little")
    return total.to_bytes(len(columns[0]), "little")


def _merge(group_of, sources):
    """Items in node order: node i takes the next item of ``sources[group_of[i]]``."""
    return map(next, map(sources.__getitem__, group_of))


class HeapWalk:
    """The heap as columns.  Build with ``walk(...)``; then read the public attributes."""

    def __init__(self, memory, strings):
        self.memory = memory
        self.strings = strings
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
            kept, ids = _without_ids(generation_list, ids, excluded)
            del generation_list
            kept, ids = _without_weakrefs_to(kept, ids, excluded)
            tracked.extend(kept)
            tracked_ids.extend(ids)
            del kept, ids
            self.generation_ends.append(len(tracked))
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
        self.refcounts = _u32(counts)

    # -- 3: referents and leaves -------------------------------------------------------------
    def collect_referents(self, excluded):
        self._excluded = excluded
        self._add_types(0)
        self._walk(0, all_gc=True)

    def _add_types(self, start):
        """Type ids of objects[start:], chunk by chunk, and the facts of the types not seen yet."""
        objects = self.objects
        for chunk_start in range(start, len(objects), CHUNK):
            types = list(map(type, objects[chunk_start : chunk_start + CHUNK]))
            self.type_ids.extend(bulk.addresses(types))
            del types
        self._describe_types(start)

    def _walk(self, start, all_gc=False):
        """Referents of objects[start:] as node indices (``edge_lengths``, ``edge_targets``),
        adding every referent not yet a node (a "leaf") and, round after round, the referents of
        GC-capable leaves (an untracked tuple may hold a dict that became tracked later).
        Leaves are added in order of first use within each round.  ``all_gc``: objects[start:]
        are tracked, so all GC-capable (the first round need not look their types up)."""
        while start < len(self.objects):
            end = len(self.objects)
            if all_gc:
                mask = b"\x01" * (end - start)
                all_gc = False
            else:
                # Non-GC objects have no referents: they are not asked.
                mask = bytes(map(self._gc_capable.__getitem__, self.type_ids[start:end]))
            for chunk_start in range(start, end, CHUNK):
                chunk_end = min(end, chunk_start + CHUNK)
                self._read_referents(chunk_start, chunk_end, mask[chunk_start - start : chunk_end - start])
            if len(self.objects) > end:
                self._add_types(end)
            start = end

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
        kept = separators.translate(_NOT)
        del separators
        # A reference to the separator from elsewhere is not a node: excluded, its edge dropped.
        targets = array.array("i", map(index.get, compress(addresses, kept), repeat(_UNRESOLVED)))
        unresolved = _unresolved_mask(targets)
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
            self.edge_lengths.extend(_merge(mask, [repeat(0), iter(lengths)]))

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
        self.refcounts.extend(_u32(counts))

    # -- 6: columns --------------------------------------------------------------------------
    def build_columns(self, types, labeler, gc_garbage_ids):
        objects = self.objects
        for position in self._type_examples:
            types.index_of(type(objects[position]))
        type_of = list(map(types.index_by_id.__getitem__, self.type_ids))  # node -> type index
        self.node_type = array.array("I", type_of)
        self.node_size = self._size_column(types, type_of)
        self.node_flags = self._flag_column(types, type_of, gc_garbage_ids)
        self.node_name = self._name_column(types, type_of)
        self._edge_columns(types, labeler, type_of)

    def _size_column(self, types, type_of):
        """``sys.getsizeof`` where the type's ``__sizeof__`` is built in, else the basic size."""
        safe_by_type = [types.sizeof_safe(i) for i in range(len(types.records))]
        basic_by_type = [types.basic_size(i) for i in range(len(types.records))]
        if all(safe_by_type):
            return _u32(typeinfo.measured_sizes(self.objects, map(basic_by_type.__getitem__, type_of)))
        measured = bytes(map(safe_by_type.__getitem__, type_of))
        sources = [
            map(basic_by_type.__getitem__, compress(type_of, measured.translate(_NOT))),
            iter(
                typeinfo.measured_sizes(
                    compress(self.objects, measured), map(basic_by_type.__getitem__, compress(type_of, measured))
                )
            ),
        ]
        return _u32(list(_merge(measured, sources)))

    def _flag_column(self, types, type_of, gc_garbage_ids):
        n = len(self.objects)
        flags = bytearray()
        previous = 0
        for generation, end in enumerate(self.generation_ends):
            flags += bytes((TRACKED | (generation << GENERATION_SHIFT),)) * (end - previous)
            previous = end
        flags += bytes(n - previous)
        records = types.records
        finalizer_types = bytes(bool(r["flags"] & typeinfo.HAS_FINALIZER) for r in records)
        if any(finalizer_types):
            is_finalized = gc.is_finalized if compat.HAS_IS_FINALIZED else None
            obj = None
            for position in compress(count(), map(finalizer_types.__getitem__, type_of)):
                obj = self.objects[position]
                if is_finalized is not None and gc.is_tracked(obj) and is_finalized(obj):
                    flags[position] |= FINALIZED
                if records[type_of[position]]["flags"] & typeinfo.GENERATOR_LIKE and _is_suspended(obj):
                    flags[position] |= SUSPENDED
            del obj
        floor = compat.IMMORTAL_REFCOUNT_FLOOR
        if floor is not None:
            immortal = bytes(map(floor.__le__, self.refcounts))
            if any(immortal):
                flags = bytearray(_or_bytes(flags, immortal.translate(bytes((0, IMMORTAL)) + bytes(254))))
        for key in gc_garbage_ids:
            position = self.index.get(key)
            if position is not None:
                flags[position] |= IN_GC_GARBAGE
        return array.array("B", flags)

    def _name_column(self, types, type_of):
        """String index of each node's short label (see ``_node_name``), by groups of nodes."""
        strings = self.strings
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
            mask = kind_of.translate(_SELECT[kind])
            group = list(compress(self.objects, mask))
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
        return array.array("I", _merge(kind_of, sources))

    def _edge_columns(self, types, labeler, type_of):
        """edge.to, edge.kind, edge.name and node.edgeCount.

        Targets were read while walking (``edge_targets``).  Labels come per group of nodes (a
        PLAN_* of labels.py per type) as 5-byte records per edge, one piece per node, merged back
        into node order; finally the edges to the agent's own objects are dropped."""
        lengths = self.edge_lengths
        starts = array.array("q", accumulate(chain((0,), lengths)))  # node -> its first edge
        plan_by_type = bytes(map(labeler.plan, types.types))
        plan_of = bytes(map(plan_by_type.__getitem__, type_of))
        objects = self.objects
        sources = [None] * edge_labels.PLAN_COUNT
        for plan in range(edge_labels.PLAN_COUNT):
            if plan not in plan_of:
                continue
            mask = plan_of.translate(_SELECT[plan])
            group_lengths = list(compress(lengths, mask))
            if plan == edge_labels.PLAN_NONE:
                sources[plan] = iter(edge_labels.zero_pieces(group_lengths))
                continue
            group = list(compress(objects, mask))
            if plan == edge_labels.PLAN_SEQUENCE:
                pieces = self._sequence_pieces(group, group_lengths, labeler)
            elif plan == edge_labels.PLAN_DICT:
                pieces = self._dict_pieces(group, group_lengths, labeler)
            elif plan == edge_labels.PLAN_OBJECT:
                pieces = self._one_by_one(group, group_lengths, labeler)
            else:
                group_starts = list(compress(starts, mask))
                group_type_of = list(compress(type_of, mask))
                pieces = self._instance_pieces(plan, group, group_lengths, group_starts, group_type_of, labeler, types)
            del group
            sources[plan] = iter(pieces)
        del objects
        edge_kind, edge_name = edge_labels.split(b"".join(_merge(plan_of, sources)))
        del sources
        targets = self.edge_targets
        edge_count = array.array("I", lengths)
        excluded = _positions_of_minus_one(targets)
        if excluded:
            targets, edge_kind, edge_name = _drop_edges(excluded, starts, targets, edge_kind, edge_name, edge_count)
        self.edge_to = array.array("I")
        self.edge_to.frombytes(targets.tobytes())
        self.edge_kind = array.array("B", edge_kind)
        self.edge_name = array.array("I")
        self.edge_name.frombytes(edge_name)
        self.node_edge_count = edge_count
        self._apply_closure_names(labeler, None if excluded else starts)

    def _sequence_pieces(self, sequences, lengths, labeler):
        """Exact lists and tuples: the traverse visits every item, in order -> [0], [1], …"""
        sizes = list(map(len, sequences))
        if sizes == lengths:
            return edge_labels.index_pieces(lengths)
        # A NULL item slot (a tuple under construction) or a list that changed since it was
        # walked: label() says what to do with those, one by one.
        same = bytes(map(int.__eq__, sizes, lengths))
        fast = edge_labels.index_pieces(list(compress(lengths, same)))
        different = same.translate(_NOT)
        slow = self._one_by_one(list(compress(sequences, different)), list(compress(lengths, different)), labeler)
        return _merge(same, [iter(slow), fast])

    def _dict_pieces(self, dicts, lengths, labeler):
        """Exact dicts: (STR_KEY, key) per entry where ``_dict_fast_path`` applies, else label()."""
        referent_lists = self._rewalk(dicts, lengths)
        usable = [_EMPTY if refs is None else refs for refs in referent_lists]
        fast = edge_labels.dict_fast_mask(dicts, usable, lengths)
        del usable
        if None in referent_lists:  # a dict changed under the capture: label() leaves it alone
            fast = bytes(0 if refs is None else ok for refs, ok in zip(referent_lists, fast))
        if not any(fast):
            return self._one_by_one(dicts, lengths, labeler, referent_lists)
        records = edge_labels.dict_fast_records(list(compress(dicts, fast)), self.strings)
        pieces = edge_labels.slices(records, list(compress(lengths, fast)))
        slow = fast.translate(_NOT)
        if not any(slow):
            return pieces
        slow_pieces = self._one_by_one(
            list(compress(dicts, slow)), list(compress(lengths, slow)), labeler, list(compress(referent_lists, slow))
        )
        return _merge(fast, [iter(slow_pieces), pieces])

    def _rewalk(self, group, lengths):
        """``gc.get_referents`` of each object again (the first lists were dropped as they were
        mapped); a list whose length changed since is replaced by None (left unlabelled) and
        counted: the heap changed while it was read."""
        lists = bulk.referent_lists(group, with_addresses=False)[0]
        if list(map(len, lists)) == lengths:
            return lists
        lists = [refs if len(refs) == length else None for refs, length in zip(lists, lengths)]
        self.changed_while_read += lists.count(None)
        return lists

    def _one_by_one(self, group, lengths, labeler, referent_lists=None):
        """Pieces from ``label()``, object by object (the reference path)."""
        if referent_lists is None:
            referent_lists = self._rewalk(group, lengths)
        # The referents' ids, list by list, read at once (bulk.py) rather than by label().
        sizes = [0 if refs is None else len(refs) for refs in referent_lists]
        flat = bulk.addresses(list(chain.from_iterable(refs for refs in referent_lists if refs is not None)))
        addresses = list(bulk.split_by_lengths(iter(flat), sizes))
        del flat, sizes
        label = labeler.label
        labelled = [
            None if refs is None else label(obj, type(obj), -1, refs, found)
            for obj, refs, found in zip(group, referent_lists, addresses)
        ]
        records = edge_labels.object_records(labelled, lengths, self.strings)
        return edge_labels.slices(records, lengths)

    def _instance_pieces(self, plan, group, lengths, starts, group_type_of, labeler, types):
        """Instances of plain classes, checked on the edge targets already read:

        - PLAN_INSTANCE_VALUES: k attribute slots (names per class), then the type.  When the
          node has exactly k + 1 edges, the last one and only that one to its type (and, for
          k = 1, the first not to a dict, which could be a materialised __dict__), every slot
          is filled and the edges are the slots in order: [.name_0 … .name_k-1, __class__];
        - PLAN_INSTANCE_DICT: [__dict__ (an exact dict), __class__] or [__class__].

        The other nodes of the group go through ``label()``."""
        targets = self.edge_targets
        node_type = self.node_type
        strings = self.strings
        group_types = dict.fromkeys(group_type_of)  # type indices in the group, once each
        type_node = {i: self.index.get(bulk.address_of(types.types[i]), -3) for i in group_types}
        dict_index = types.known_index(dict)
        class_name = strings.add("__class__")
        if plan == edge_labels.PLAN_INSTANCE_VALUES:
            expected = {}
            piece = {}
            for type_index in group_types:
                names = labeler.instance_names(types.types[type_index])
                expected[type_index] = len(names) + 1
                kinds = bytes((edge_labels.ATTR,)) * len(names) + bytes((edge_labels.SLOT,))
                indices = array.array("I", strings.add_all(names) + [class_name]).tobytes()
                piece[type_index] = bytes(edge_labels.interleave(kinds, indices))
            ok = bytes(map(int.__eq__, lengths, map(expected.__getitem__, group_type_of)))
            if any(ok):
                shaped_starts = list(compress(starts, ok))
                shaped_lengths = list(compress(lengths, ok))
                ends = list(map(int.__add__, shaped_starts, shaped_lengths))
                type_nodes = list(map(type_node.__getitem__, compress(group_type_of, ok)))
                last_is_type = bytes(map(int.__eq__, map(targets.__getitem__, map((-1).__add__, ends)), type_nodes))
                slots = map(targets.__getitem__, map(slice, shaped_starts, ends))
                type_once = bytes(map((1).__eq__, map(array.array.count, slots, type_nodes)))
                checks = [last_is_type, type_once]
                single = bytes(map((2).__eq__, shaped_lengths))  # one slot: [value or __dict__, type]
                if any(single):
                    first = map(targets.__getitem__, compress(shaped_starts, single))
                    first_is_dict = bytes(map(dict_index.__eq__, map(node_type.__getitem__, first)))
                    checks.append(edge_labels.merge_bytes(single, first_is_dict).translate(_NOT))
                ok = edge_labels.merge_bytes(ok, _and_bytes(*checks))
            fast = map(piece.__getitem__, compress(group_type_of, ok))
        else:
            type_nodes = list(map(type_node.__getitem__, group_type_of))
            # [type]: one edge, to the type.
            one = bytes(map((1).__eq__, lengths))
            one_ok = bytes(map(int.__eq__, map(targets.__getitem__, compress(starts, one)), compress(type_nodes, one)))
            # [dict, type]: an exact dict, then the type.
            two = bytes(map((2).__eq__, lengths))
            two_starts = list(compress(starts, two))
            two_ok = b""
            if two_starts:
                second = map(targets.__getitem__, map((1).__add__, two_starts))
                second_is_type = bytes(map(int.__eq__, second, compress(type_nodes, two)))
                first = map(targets.__getitem__, two_starts)
                first_is_dict = bytes(map(dict_index.__eq__, map(node_type.__getitem__, first)))
                two_ok = _and_bytes(second_is_type, first_is_dict)
            ok = _or_bytes(edge_labels.merge_bytes(one, one_ok), edge_labels.merge_bytes(two, two_ok))
            dict_name = strings.add("__dict__")
            slot = edge_labels.SLOT
            piece = {
                1: bytes(edge_labels.interleave(bytes((slot,)), array.array("I", [class_name]).tobytes())),
                2: bytes(
                    edge_labels.interleave(bytes((slot, slot)), array.array("I", [dict_name, class_name]).tobytes())
                ),
            }
            fast = map(piece.__getitem__, compress(lengths, ok))
        slow = ok.translate(_NOT)
        if not any(slow):
            return fast
        slow_pieces = self._one_by_one(list(compress(group, slow)), list(compress(lengths, slow)), labeler)
        return _merge(ok, [iter(slow_pieces), fast])

    def release(self):
        """Drop every reference to captured objects (keeping only the columns), so that nothing
        the capture built can outlive it or form a cycle with user objects."""
        self.node_address = array.array("d", self.index)  # the index's keys: the ids, in node order
        self.objects = []
        self.index = {}
        self._excluded = set()

    def _apply_closure_names(self, labeler, starts):
        """A function's closure tuple holds its cells in free-variable order: name them."""
        if not labeler.closure_names:
            return
        for tuple_id, names in dict.items(labeler.closure_names):
            node = self.index.get(tuple_id)
            if node is None or not self.node_edge_count[node]:
                continue
            if starts is None:
                starts = list(accumulate(chain((0,), self.node_edge_count)))
            start = starts[node]
            for offset, name in enumerate(names[: self.node_edge_count[node]]):
                self.edge_kind[start + offset] = edge_labels.CLOSURE
                self.edge_name[start + offset] = self.strings.add(name)


class _HeldObjects:
    """``get(id, default)`` over the walk's nodes: the object with that id, which the walk holds."""

    __slots__ = ("objects", "index")

    def __init__(self, objects, index):
        self.objects = objects
        self.index = index

    def get(self, key, default=None):
        position = self.index.get(key)
        return default if position is None else self.objects[position]


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


def _unresolved_mask(targets):
    """Per value of an array('i'): 1 where it is -2 (from its raw bytes, no call per value)."""
    raw = targets.tobytes()
    return _and_bytes(raw[_LOW::4].translate(_LOW_IS_FE), raw[_HIGH::4].translate(_HIGH_IS_FF))


def _positions_of_minus_one(targets):
    """Positions of -1 in an array('i'), found with ``bytes.find``: node indices are below
    2**31, so four 0xff bytes in a row only occur as a -1 (and at its own position)."""
    raw = targets.tobytes()
    found = []
    position = raw.find(b"\xff\xff\xff\xff")
    while position >= 0:
        found.append(position // 4)
        position = raw.find(b"\xff\xff\xff\xff", position + 4)
    return found


def _drop_edges(positions, starts, targets, edge_kind, edge_name, edge_count):
    """Remove the edges at ``positions`` (sorted) and count them off their nodes."""
    kept_targets = array.array("i")
    kinds = []
    names = []
    previous = 0
    for position in positions:
        kept_targets.extend(targets[previous:position])
        kinds.append(edge_kind[previous:position])
        names.append(edge_name[4 * previous : 4 * position])
        edge_count[_owner(starts, position)] -= 1
        previous = position + 1
    kept_targets.extend(targets[previous:])
    kinds.append(edge_kind[previous:])
    names.append(edge_name[4 * previous :])
    return kept_targets, b"".join(kinds), b"".join(names)


def _owner(starts, position):
    """The node whose edges include ``position``: the last node starting at or before it (that
    has edges; ``starts`` has one more entry than there are nodes)."""
    low, high = 0, len(starts) - 2
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= position:
            low = middle
        else:
            high = middle - 1
    return low


def _short_texts(texts, lengths):
    """Texts longer than the label limit cut to it, as ``safe.atom_text`` does."""
    if lengths and max(lengths) > _NAME_LIMIT:
        texts = list(texts)
        for position in compress(count(), map(_NAME_LIMIT.__lt__, lengths)):
            texts[position] = str.__getitem__(texts[position], slice(0, _NAME_LIMIT - 1)) + "\u2026"
    return texts


def _without_ids(objects, ids, excluded):
    """(objects, their ids) minus those whose id is in ``excluded`` (the same ones when none)."""
    if excluded.isdisjoint(ids):
        return objects, ids
    dropped = excluded.intersection(ids)
    keep = bytes(map(False.__eq__, map(dropped.__contains__, ids)))
    return list(compress(objects, keep)), list(compress(ids, keep))


def _without_weakrefs_to(objects, ids, excluded):
    """(objects, ids) minus the weak references to the agent's own objects.  Creating a class
    makes a weak reference to it in its base's subclass registry; those belong to the agent."""
    reference_type = bulk.address_of(weakrefs.REFERENCE_TYPES[0])
    types = list(map(type, objects))
    positions = list(compress(count(), map(reference_type.__eq__, bulk.addresses(types))))
    del types
    targets = list(map(weakrefs.referent, map(objects.__getitem__, positions)))
    addresses = bulk.addresses(targets)  # a dead reference's None is never the agent's
    del targets
    dropped = set(compress(positions, map(excluded.__contains__, addresses)))
    if not dropped:
        return objects, ids
    keep = bytes(i not in dropped for i in range(len(objects)))
    return list(compress(objects, keep)), list(compress(ids, keep))


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
