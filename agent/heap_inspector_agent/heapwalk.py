"""Walks the heap into snapshot format 2, chunk after chunk, streaming the columns to the file.

The agent maps nothing: a reference is recorded as its target's *address*, and the reader maps
addresses to nodes after the program goes on (docs/snapshot-format.md).  So the walk keeps no
index of the heap, only the objects themselves (the collector's lists, and the "leaves": the
untracked objects they reference), the addresses of the leaves found so far (the kernel's set)
and, per type, a few numbers.  Order matters, because every reference the agent holds changes
the counts it reads:

1. the tracked objects, per generation, minus the agent's own; their counts, read while the
   agent holds each exactly once (the list; the kernel excludes its own references);
2. chunk after chunk (nodefacts.py, edgefacts.py): every tracked object, then every leaf, in the
   order they were found: types, references (each leaf found is appended), sizes, flags, names,
   label facts;
3. roots, weak references, finalizers: they may find more leaves, walked the same way at once;
4. the leaves' counts, once nothing but the list of leaves, the type table (one reference per
   type) and what the caller declares in ``held`` refers to them.

Whatever steps 2 and 3 hold (a chunk's objects, texts, a labeler's caches) is dropped before
step 4.  The work per object and per reference is the kernel's (kernel_py.py, or the native
one): whole chunks at once, never an audited call per object.
"""
import array
import gc
import sys
from itertools import compress, count, islice

from . import allocations
from . import bulk
from . import compat
from . import edgefacts
from . import identity
from . import nodefacts
from . import roots as root_kinds
from . import safe
from . import typeinfo
from . import weakrefs
from . import writer as snapshot_writer
from .bulk import CHUNK
from .bytemasks import word_positions

# Before 3.12 the names the type cache holds, and None, are counted objects (from 3.12 both are
# immortal, reported as such).
_TYPE_CACHE_COUNTS = sys.version_info < (3, 12) and hasattr(sys, "_clear_type_cache")

_U64 = snapshot_writer.U64
_U32 = snapshot_writer.U32
_U8 = snapshot_writer.U8


class HeapWalk:
    """The heap as streamed columns.  capture.py calls ``collect_tracked``, ``walk``,
    ``collect_roots``, ``collect_weakrefs``, ``collect_finalizers``, ``count_leaves`` and
    ``finish`` in order."""

    def __init__(self, kernel, memory, strings, writer, progress=None, keep_types=False):
        self.kernel = kernel
        self.memory = memory
        self.strings = strings
        self.writer = writer
        self._progress = progress
        self.types = typeinfo.TypeTable(weakrefs.ALL_TYPES)
        self.facts = nodefacts.TypeFacts(self.types, memory, kernel)
        self.tracked = []  # node i < tracked_count: the collector's objects, generation by generation
        self.leaves = []  # node tracked_count + j: the untracked objects found, in order
        self.tracked_count = 0
        self.generation_ends = []
        self.seen = None  # the kernel's set of leaf (and excluded) addresses
        self.every_referent = False
        self.held = {}  # id -> references the caller holds while counts are read
        self._walked = 0  # leaves walked so far
        self.nodes = 0
        self.edges = 0
        self.changed_while_read = 0
        self.warnings = []
        self._weakref_nodes = array.array("q")  # node index of each weak reference or proxy
        self._weakref_kinds = bytearray()  # 1 reference, 2 proxy
        self._tracked_types = None  # id(type(o)) of each tracked object, until they are walked
        self.weakref_count = 0
        self.root_kind = array.array("B")
        self.root_address = array.array("Q")
        self.root_name = array.array("I")
        self.root_frame = array.array("Q")  # the frame's address for frame locals, else 0
        self.finalize_records = []
        self._sites = allocations.sites()  # None unless tracemalloc is tracing
        self.allocation_records = 0
        # Every node's type index, in node order, when the caller asks (identity.py's marks).
        self._node_types = array.array("I") if keep_types else None

    def _report(self, phase, done, total):
        # A progress.Reporter: it never raises (a failing callback is dropped and named).
        if self._progress is not None:
            self._progress(phase, done, total)

    def node_object(self, node):
        if node < self.tracked_count:
            return self.tracked[node]
        return self.leaves[node - self.tracked_count]

    # -- 1: tracked objects and their counts -------------------------------------------------
    def collect_tracked(self, excluded, sentinel, keep, held):
        """Gather tracked objects generation by generation, leaving out the agent's own, and
        write their counts.

        ``excluded``: ids of the agent's objects.  ``sentinel``: an object the capture created
        first; everything tracked after it (the tail of generation 0) was created by the agent,
        except the ids in ``keep`` (user frames the capture materialised to record the stack).
        ``held``: id -> references the caller holds to that object while counts are read."""
        kernel = self.kernel
        # Every generation's list first, so that the agent's set of addresses is made once (it
        # holds tens of thousands of identity marks) and serves the walk too.
        generation_lists = []
        for generation in range(compat.NUM_GENERATIONS):
            self._report("objects", generation, compat.NUM_GENERATIONS)
            generation_list = gc.get_objects(generation=generation)
            excluded.add(bulk.address_of(generation_list))
            if generation == 0:
                ids = kernel.addresses(generation_list)
                try:
                    start = ids.index(bulk.address_of(sentinel))
                except ValueError:
                    start = len(ids)
                tail = set(islice(ids, start, None))
                del ids
                tail.difference_update(keep)
                excluded.update(tail)
                del tail
            generation_lists.append(generation_list)
            del generation_list
        agent_set = kernel.address_set(excluded)
        tracked = []
        tracked_types = array.array(bulk.ADDRESS_TYPECODE)
        generation_lists.reverse()
        while generation_lists:
            # One pass (the kernel's): the objects that are not the agent's, and their types.
            kept, types = kernel.without(generation_lists.pop(), agent_set)
            kept, types = _without_agent_weakrefs(kept, types, excluded)
            tracked.extend(kept)
            tracked_types.extend(types)
            del kept, types
            self.generation_ends.append(len(tracked))
        self.tracked = tracked
        self.tracked_count = len(tracked)
        self._tracked_types = tracked_types  # read once here, used again by the walk
        self._report("objects", compat.NUM_GENERATIONS, compat.NUM_GENERATIONS)
        # Counts as they stand while the list holds each object once; the reader subtracts that
        # reference and ``held`` (``held.*``).
        for start in range(0, len(tracked), CHUNK):
            self.writer.column("node.refcount", _U64, kernel.refcounts(tracked, start, min(len(tracked), start + CHUNK)))
        self.held = held
        # The frozen generation (gc.freeze) is not listed: references to its objects are found
        # like those to untracked ones, against every listed address (slower, and rare).
        self.every_referent = compat.HAS_FREEZE and gc.get_freeze_count() > 0
        if self.every_referent:
            initial = list(excluded)
            for start in range(0, len(tracked), CHUNK):
                initial.extend(kernel.addresses(tracked, start, min(len(tracked), start + CHUNK)))
            agent_set = kernel.address_set(initial)
            del initial
        # The walk's leaves are added to it: the agent's objects never become leaves.
        self.seen = agent_set

    # -- 2: chunk after chunk ----------------------------------------------------------------
    def walk(self):
        """Every tracked object, then every leaf found (and the leaves they lead to)."""
        ends = self.generation_ends
        start = 0
        self._report("walk", 0, self.tracked_count)
        for generation, end in enumerate(ends):
            while start < end:
                stop = min(end, start + CHUNK)
                self._chunk(self.tracked, start, stop, start, generation)
                self._report("walk", stop, self.tracked_count)
                start = stop
        self._tracked_types = None
        self._report("leaves", 0, len(self.leaves))
        self._drain("leaves")
        self._report("leaves", len(self.leaves), len(self.leaves))

    def _drain(self, phase):
        leaves = self.leaves
        while self._walked < len(leaves):
            start = self._walked
            stop = min(len(leaves), start + CHUNK)
            self._chunk(leaves, start, stop, self.tracked_count + start, None)
            self._walked = stop
            if phase == "leaves":  # roots report their own steps (capture.py)
                self._report(phase, stop, len(leaves))

    def _chunk(self, objects, start, end, base, generation):
        """Columns of ``objects[start:end]`` (nodes ``base`` …): the kernel's passes, then
        nodefacts.py and edgefacts.py.  ``generation``: of every object, or None for leaves."""
        kernel = self.kernel
        out = self.writer
        facts = self.facts
        addresses = kernel.addresses(objects, start, end)
        out.column("node.address", _U64, addresses)
        del addresses
        if objects is self.tracked:
            type_addresses = self._tracked_types[start:end]
        else:
            type_addresses = kernel.type_addresses(objects, start, end)
        type_of = facts.indices(type_addresses, objects, start)
        out.column("node.type", _U32, type_of)
        if self._node_types is not None:
            self._node_types.extend(type_of)
        targets, lengths = kernel.walk(objects, start, end, self.seen, self.leaves, self.every_referent)
        out.column("node.edgeCount", _U32, lengths)
        out.column("edge.target", _U64, targets)
        self.nodes += end - start
        self.edges += len(targets)
        traits = kernel.type_bytes(type_of, facts.traits)
        out.column("node.size", _U64, nodefacts.sizes(kernel, objects, start, end, traits))
        out.column("node.flags", _U8, nodefacts.flags(objects, start, end, type_of, traits, facts, generation))
        out.column("node.name", _U32, nodefacts.names(objects, start, end, type_of, traits, facts, self.strings))
        edgefacts.label_chunk(self, objects, start, end, base, type_of, targets, lengths)
        del targets, lengths, type_addresses
        kinds = traits.translate(nodefacts.WEAKREF_KIND_OF)
        if any(kinds):
            positions = list(compress(count(), kinds))
            self._weakref_nodes.extend(map(base.__add__, positions))
            self._weakref_kinds.extend(map(kinds.__getitem__, positions))
        if self._sites is not None:
            self._allocation_sites(objects, start, end, base)
        self.strings.flush(out)
        out.flush_if_full()

    def _allocation_sites(self, objects, start, end, base):
        nodes = array.array("I")
        files = []
        lines = array.array("I")
        site = self._sites.site
        for offset, obj in enumerate(islice(objects, start, end)):
            found = site(obj)
            if found is not None:
                nodes.append(base + offset)
                files.append(found[0])
                lines.append(found[1] if 0 <= found[1] <= 0xFFFFFFFF else 0)
        del obj
        if nodes:
            self.writer.column("alloc.node", _U32, nodes)
            self.writer.column("alloc.file", _U32, self.strings.add_all(files))
            self.writer.column("alloc.line", _U32, lines)
            self.allocation_records += len(nodes)

    def add_leaves(self, objects):
        """Addresses of ``objects`` (a list), adding those that are not nodes yet as leaves and
        walking them (and what they lead to) at once."""
        found = self.kernel.add_leaves(objects, self.seen, self.leaves, self.every_referent)
        self._drain("roots")
        return found

    def add_leaf(self, obj):
        return self.add_leaves([obj])[0]

    # -- 3: roots, weak references, finalizers -----------------------------------------------
    def add_root(self, kind, address, name, frame_address=0):
        self.root_kind.append(kind)
        self.root_address.append(address)
        self.root_name.append(self.strings.add(name) if name else 0)
        self.root_frame.append(frame_address)

    def collect_roots(self, paused_stack, thread_stacks, thread_names, current_ident):
        """Root records, by address: the reader keeps those that are nodes (an agent's module or
        a local that is nothing else's is not)."""
        named = [(name, module) for name, module in list(dict.items(sys.modules)) if type(name) is str]
        modules = [module for _name, module in named]
        for (name, _module), address in zip(named, bulk.addresses(modules)):
            self.add_root(root_kinds.MODULE, address, name)
        del named, modules
        for depth, frame in enumerate(paused_stack):
            address = self.add_leaf(frame)
            kind = root_kinds.PAUSED_FRAME if depth == 0 else root_kinds.STACK_FRAME
            self.add_root(kind, address, safe.frame_code(frame).co_name)
            self._frame_local_roots(frame, address, True)
        for ident, frames in thread_stacks:
            for depth, frame in enumerate(frames):
                address = self.add_leaf(frame)
                if depth == 0:
                    self.add_root(root_kinds.THREAD, address, thread_names.get(ident, "Thread %d" % ident))
                self._frame_local_roots(frame, address, False)
        self.add_root(root_kinds.GC_GARBAGE, bulk.address_of(gc.garbage), "gc.garbage")
        self.strings.flush(self.writer)

    def _frame_local_roots(self, frame, frame_address, own_thread):
        locals_found = root_kinds.frame_locals(frame, self.memory, own_thread)
        if locals_found is None:
            return
        for name, address, taken in locals_found:
            if taken:
                address = self.add_leaf(taken[0])
            self.add_root(root_kinds.FRAME_LOCAL, address, name, frame_address)
        del locals_found

    def collect_weakrefs(self):
        """Weak reference records: its address, its referent's (0 when dead), its callback's (0:
        none).  Referents that are not nodes yet are added as leaves; the proxies' referents are
        found last, and their callbacks among their references (a proxy's only one)."""
        nodes = array.array("Q")
        referents = array.array("Q")
        callbacks = array.array("Q")
        proxies = {}  # address of a proxy -> its entry in ``referents``
        position = 0
        # Round by round: the referents added as leaves may lead to more weak references.
        while position < len(self._weakref_nodes):
            end = len(self._weakref_nodes)
            targets = []  # the live referents of this round, added as leaves at once
            entries = array.array("I")  # where each one's address goes in ``referents``
            for index in range(position, end):
                obj = self.node_object(self._weakref_nodes[index])
                nodes.append(bulk.address_of(obj))
                if self._weakref_kinds[index] == 1:
                    target = weakrefs.referent(obj)
                    if target is not None:
                        entries.append(len(referents))
                        targets.append(target)
                    referents.append(0)
                    # Read as the callback: a subclass (a WeakValueDictionary's KeyedRef) visits
                    # its slots and its type before it.
                    function = weakrefs.callback(obj)
                    callbacks.append(0 if function is None else bulk.address_of(function))
                    del target, function
                else:
                    proxies[nodes[-1]] = len(referents)
                    referents.append(0)
                    callbacks.append(0)
                del obj
            if targets:
                # One batch: an audit hook sees a few events per round, not one per reference.
                for entry, address in zip(entries, self.add_leaves(targets)):
                    referents[entry] = address
            del targets
            position = end
        if proxies:
            proxy_objects = [
                self.node_object(node) for node, kind in zip(self._weakref_nodes, self._weakref_kinds) if kind == 2
            ]
            for proxy, found in zip(proxy_objects, _first_referents(proxy_objects)):
                callbacks[proxies[bulk.address_of(proxy)]] = found
            del proxy_objects
            for objects in (self.tracked, self.leaves):
                found = weakrefs.proxy_referents(proxies, objects, bulk.addresses)
                for key, target in dict.items(found):
                    referents[proxies[key]] = bulk.address_of(target)
                del found
        self.weakref_count = len(nodes)
        self.writer.column("weakref.address", _U64, nodes)
        self.writer.column("weakref.referent", _U64, referents)
        self.writer.column("weakref.callback", _U64, callbacks)

    def collect_finalizers(self):
        """``weakref.finalize`` records, by address (0: absent)."""
        records = []
        for finalizer, _info, fields in weakrefs.finalize_entries():
            reference = fields.get("weakref")
            target = weakrefs.referent(reference) if reference is not None else None
            func = fields.get("func")
            records.append(
                {
                    "address": self.add_leaf(finalizer),
                    "referent": 0 if target is None else self.add_leaf(target),
                    "func": 0 if func is None else self.add_leaf(func),
                    "args": self._address_or_zero(fields.get("args")),
                    "kwargs": self._address_or_zero(fields.get("kwargs")),
                    "atexit": fields.get("atexit") is True,
                    "index": fields.get("index") if type(fields.get("index")) is int else -1,
                    "funcName": weakrefs.callable_name(func) if func is not None else "?",
                }
            )
            del target, func, reference, fields, finalizer
        self.finalize_records = records
        self.strings.flush(self.writer)

    def _address_or_zero(self, obj):
        return 0 if obj is None else self.add_leaf(obj)

    # -- 4: counts of the leaves -------------------------------------------------------------
    def count_leaves(self):
        """The leaves' counts, once only the list of leaves, the type table (one reference per
        type) and ``held`` refer to them: the reader subtracts those (``held.*``; the types by
        their records' addresses)."""
        self.strings.flush(self.writer)
        self.facts.drop_recipes()
        kernel = self.kernel
        leaves = self.leaves
        if _TYPE_CACHE_COUNTS:
            # The interpreter's type-attribute cache holds a reference to each name it caches
            # (None in an empty slot): which names depends on the code that ran, the capture's
            # included.  Emptied here, the counts of None and of those names no longer depend on
            # it (only speed does, for a moment; the cache refills as the program runs).
            sys._clear_type_cache()
        for start in range(0, len(leaves), CHUNK):
            self.writer.column("node.refcount", _U64, kernel.refcounts(leaves, start, min(len(leaves), start + CHUNK)))

    def weakable(self):
        """bytes, 1 per node whose type has weak references (from the types the walk read);
        None unless the walk was asked to keep its types."""
        if self._node_types is None or len(self._node_types) != self.nodes:
            return None
        table = bytes(map(identity.supports_weak_references, self.types.types))
        return bytes(self.kernel.type_bytes(self._node_types, table))

    def finish(self):
        """The type table, weak reference and root columns; drop every object reference."""
        out = self.writer
        held = list(dict.items(self.held))
        out.column("held.address", _U64, array.array("Q", [key for key, _extra in held]))
        out.column("held.count", _U32, array.array("I", [extra for _key, extra in held]))
        out.column("root.kind", _U8, self.root_kind)
        out.column("root.address", _U64, self.root_address)
        out.column("root.name", _U32, self.root_name)
        out.column("root.frame", _U64, self.root_frame)
        records = self.types.finish()
        edgefacts.describe_plans(self, records)
        self.strings.flush(out)
        self.tracked = []
        self.leaves = []
        self.seen = None
        return records


def _without_agent_weakrefs(objects, types, excluded):
    """(objects, their type addresses) minus the weak references to the agent's own objects.
    Creating a class makes a weak reference to it in its base's subclass registry; those belong
    to the agent."""
    positions = word_positions(types, bulk.address_of(weakrefs.REFERENCE_TYPES[0]))
    if not positions:
        return objects, types
    targets = list(map(weakrefs.referent, map(objects.__getitem__, positions)))
    addresses = bulk.addresses(targets)  # a dead reference's None is never the agent's
    del targets
    dropped = list(compress(positions, map(excluded.__contains__, addresses)))
    if not dropped:
        return objects, types
    keep = bytearray(b"\x01") * len(objects)
    for position in dropped:
        keep[position] = 0
    return list(compress(objects, keep)), array.array(bulk.ADDRESS_TYPECODE, compress(types, keep))


def _first_referents(objects):
    """Address of each object's first referent (0: none), with one audited call for all."""
    lists, addresses = bulk.referent_lists(objects)
    found = []
    at = 0
    for referents in lists:
        found.append(addresses[at] if referents else 0)
        at += len(referents)
    return found
