"""Label facts of one chunk of the walk: what the reader needs to name every reference.

The reader (server/engine) derives ``edge.kind`` and ``edge.name`` after the program goes on,
from what is recorded here while the heap is read (docs/snapshot-format.md, format 2):

- ``node.labels``, one byte per node: 0, labelled by its type's plan (exact lists and tuples:
  their indices; plain instances whose every attribute slot holds a value: their class's
  attribute names, matched to the values as ``label()`` does; other plain instances:
  ``__dict__``/``__class__``;
  types ``label()`` never labels: nothing); 1, an exact dict whose references are its values
  under str keys, the keys following in ``dict.key``; 2, labelled one by one here (``label.*``);
  3, unlabelled (a list or tuple whose length is not its reference count: it changed, or a tuple
  is being built);
- ``dict.key``: the key's text (a string index) for each reference of the dicts marked 1;
- ``label.node``, ``label.kind``, ``label.name``: the nodes labelled one by one by
  ``Labeler.label()`` (labels.py: functions, frames, classes, modules, dicts off the fast path,
  instances a plan cannot vouch for…) and their labels, node after node;
- ``closure.address``, ``closure.count``, ``closure.name``: a function's closure tuple holds its
  cells in free-variable order: the tuple's address and the names of its first references.

Whatever a plan cannot vouch for from the chunk's targets (addresses) goes through ``label()``,
as before: the labels are exactly those of the per-object path.
"""
import array
from itertools import compress, count, islice

from . import bulk
from . import labelplans
from . import labels
from . import nodefacts
from . import writer as snapshot_writer
from .bytemasks import NOT, SELECT, and_bytes, merge_bytes, or_bytes

BY_PLAN = 0
KEYED = 1
RECORDED = 2
UNLABELLED = 3
KEY_LIMIT = 120  # dict keys longer than this are cut (with "…"): labels, not contents

_U64 = snapshot_writer.U64
_U32 = snapshot_writer.U32
_U8 = snapshot_writer.U8


def label_chunk(walk, objects, start, end, base, type_of, targets, lengths):
    """Write the chunk's label facts.  ``base``: node index of ``objects[start]``; ``targets``,
    ``lengths``: the kernel's walk of the chunk."""
    facts = walk.facts
    out = walk.writer
    n = end - start
    plan_of = bytes(map(facts.plan.__getitem__, type_of))
    node_labels = bytearray(n)
    one_by_one = bytearray(n)
    if labelplans.PLAN_SEQUENCE in plan_of:
        mask = plan_of.translate(SELECT[labelplans.PLAN_SEQUENCE])
        group = list(compress(islice(objects, start, end), mask))
        same = bytes(map(int.__eq__, map(len, group), compress(lengths, mask)))
        del group
        if same.count(0):
            changed = merge_bytes(mask, same.translate(NOT))
            node_labels = bytearray(or_bytes(node_labels, changed.translate(_TIMES[UNLABELLED])))
    if labelplans.PLAN_DICT in plan_of:
        mask = plan_of.translate(SELECT[labelplans.PLAN_DICT])
        fast, keys = walk.kernel.dict_keys(objects, start, end, mask, lengths, targets)
        if keys:
            out.column("dict.key", _U32, walk.strings.add_all(nodefacts.short_texts(keys, KEY_LIMIT)))
        del keys
        node_labels = bytearray(or_bytes(node_labels, fast))
        one_by_one = bytearray(or_bytes(one_by_one, and_bytes(mask, fast.translate(NOT))))
    if labelplans.PLAN_INSTANCE_VALUES in plan_of:
        mask = plan_of.translate(SELECT[labelplans.PLAN_INSTANCE_VALUES])
        ok = _instances_shaped(objects, start, mask, type_of, lengths, facts)
        if ok.count(0):
            one_by_one = bytearray(or_bytes(one_by_one, merge_bytes(mask, ok.translate(NOT))))
    if labelplans.PLAN_OBJECT in plan_of:
        one_by_one = bytearray(or_bytes(one_by_one, plan_of.translate(SELECT[labelplans.PLAN_OBJECT])))
    if any(one_by_one):
        # Nodes without references have nothing to label.
        one_by_one = bytearray(and_bytes(one_by_one, bytes(map(bool, lengths))))
    if any(one_by_one):
        node_labels = bytearray(or_bytes(node_labels, one_by_one.translate(_TIMES[RECORDED])))
        _record_one_by_one(walk, objects, start, base, one_by_one, lengths)
    out.column("node.labels", _U8, node_labels)


# bytes.translate tables: 1 -> value, anything else -> 0.
_TIMES = [bytes((0, value)) + bytes(254) for value in range(4)]


def _instances_shaped(objects, start, mask, type_of, lengths, facts):
    """Per instance of a PLAN_INSTANCE_VALUES class (``mask``): 1 when every attribute slot of its
    class holds a value, so that its references are those values in slot order, then the class:
    exactly k + 1 references (k slots) and, for k = 1, the first not an exact dict (which could
    be a materialised ``__dict__``, leaving the one slot empty).  The reader matches the values to
    the names (docs/snapshot-format.md); the others are labelled one by one."""
    group_lengths = list(compress(lengths, mask))
    expected = list(map((1).__add__, map(facts.slots.__getitem__, compress(type_of, mask))))
    ok = bytes(map(int.__eq__, group_lengths, expected))
    single = and_bytes(ok, bytes(map((2).__eq__, group_lengths)))  # one slot: [value or __dict__, type]
    if any(single):
        positions = list(compress(compress(count(), mask), single))
        candidates = list(map(objects.__getitem__, map(start.__add__, positions)))
        first = [refs[0] if refs else None for refs in bulk.referent_lists(candidates, with_addresses=False)[0]]
        first_types = bulk.addresses(list(map(type, first)))
        first_is_dict = merge_bytes(single, bytes(map(bulk.address_of(dict).__eq__, first_types)))
        del candidates, first
        ok = and_bytes(ok, first_is_dict.translate(NOT))
    return ok


def _record_one_by_one(walk, objects, start, base, mask, lengths):
    """``label()`` for the chunk's nodes in ``mask``: the ``label.*`` and ``closure.*`` records."""
    group = list(compress(islice(objects, start, start + len(mask)), mask))
    group_lengths = list(compress(lengths, mask))
    nodes = array.array("I", compress(count(base), mask))
    referent_lists = bulk.referent_lists(group, with_addresses=False)[0]
    # A list whose length changed since it was walked: the heap changed while it was read; its
    # references stay unlabelled.
    changed = list(map(int.__ne__, map(len, referent_lists), group_lengths))
    if any(changed):
        walk.changed_while_read += changed.count(True)
        referent_lists = [None if differs else refs for refs, differs in zip(referent_lists, changed)]
    # A labeler per chunk: its caches hold names read from types, which must not outlive it.
    labeler = labels.Labeler(walk.memory, None)
    # The referents' ids, list by list, read at once (bulk.py) rather than by label().
    sizes = [0 if refs is None else len(refs) for refs in referent_lists]
    flat = bulk.addresses([ref for refs in referent_lists if refs is not None for ref in refs])
    found = list(bulk.split_by_lengths(iter(flat), sizes))
    del flat
    label = labeler.label
    labelled = [
        None if refs is None else label(obj, type(obj), -1, refs, addresses)
        for obj, refs, addresses in zip(group, referent_lists, found)
    ]
    del group, referent_lists, found
    kinds, names = labelplans.object_records(labelled, group_lengths, walk.strings)
    del labelled
    out = walk.writer
    out.column("label.node", _U32, nodes)
    out.column("label.kind", _U8, kinds)
    out.column("label.name", _U32, names)
    if labeler.closure_names:
        tuples = array.array(bulk.ADDRESS_TYPECODE)
        counts = array.array("I")
        closure_names = []
        for address, names_of in dict.items(labeler.closure_names):
            tuples.append(address)
            counts.append(len(names_of))
            closure_names.extend(names_of)
        out.column("closure.address", _U64, tuples)
        out.column("closure.count", _U32, counts)
        out.column("closure.name", _U32, walk.strings.add_all(closure_names))


_PLAN_NAMES = {
    labelplans.PLAN_NONE: "none",
    labelplans.PLAN_SEQUENCE: "sequence",
    labelplans.PLAN_DICT: "dict",
    labelplans.PLAN_INSTANCE_VALUES: "instanceValues",
    labelplans.PLAN_INSTANCE_DICT: "instanceDict",
    labelplans.PLAN_OBJECT: "object",
}


def describe_plans(walk, records):
    """Add to each type record what the reader needs: the type's address (an instance's
    reference to its class), the size of its instances where it is one per type (node.size 0),
    its label plan, and for plain instances the class's attribute names in slot order (read again
    now: a class's shared keys only ever grow)."""
    facts = walk.facts
    types = walk.types.types
    memory = walk.memory
    for index, record in enumerate(records):
        t = types[index]
        plan = facts.plan[index]
        record["address"] = bulk.address_of(t)
        record["size"] = facts.size[index]
        record["labels"] = _PLAN_NAMES[plan]
        if plan == labelplans.PLAN_INSTANCE_VALUES:
            names = memory.shared_key_names(t) or []
            slots = facts.slots[index]
            record["attributes"] = [name if type(name) is str else "" for name in names[:slots]]
