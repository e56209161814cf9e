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
from itertools import compress, count, islice, repeat
from operator import is_

from . import bulk
from . import labelplans
from . import labels
from . import nodefacts
from . import writer as snapshot_writer
from .bytemasks import SELECT
from .kernel_py_labels import BY_PLAN, KEYED, RECORDED, UNLABELLED  # noqa: F401 - node.labels codes

KEY_LIMIT = labels.KEY_LIMIT  # dict keys longer than this are cut (with "…"): labels, not contents

_U64 = snapshot_writer.U64
_U32 = snapshot_writer.U32
_U8 = snapshot_writer.U8


def label_chunk(walk, objects, start, end, base, type_of, targets, lengths):
    """Write the chunk's label facts.  ``base``: node index of ``objects[start]``; ``targets``,
    ``lengths``: the kernel's walk of the chunk.  Which nodes a plan labels, which dicts are
    keyed and which nodes go one by one is the kernel's (``label_facts``)."""
    facts = walk.facts
    out = walk.writer
    node_labels, keys = walk.kernel.label_facts(objects, start, end, type_of, facts.plan, facts.slots, lengths, targets)
    if keys:
        out.column("dict.key", _U32, walk.strings.add_all(nodefacts.short_texts(keys, KEY_LIMIT, walk.kernel)))
    del keys
    if RECORDED in node_labels:
        _record_one_by_one(walk, objects, start, base, node_labels.translate(SELECT[RECORDED]), lengths, type_of)
    out.column("node.labels", _U8, node_labels)


def _record_one_by_one(walk, objects, start, base, mask, lengths, type_of):
    """``label()`` for the chunk's nodes in ``mask``: the ``label.*`` and ``closure.*`` records.
    The kernel labels those it reads from stored fields (``member_labels``); ``label()`` the rest,
    node after node, so that closures are recorded in node order either way."""
    group = list(compress(islice(objects, start, start + len(mask)), mask))
    group_lengths = array.array("I", compress(lengths, mask))
    nodes = array.array("I", compress(count(base), mask))
    group_types = array.array("I", compress(type_of, mask))
    read, changed = walk.kernel.member_labels(group, group_types, group_lengths, walk.facts.recipes)
    del group_types
    # The nodes the kernel left to label(), in node order.
    left = bytes(map(is_, read, repeat(False)))
    rest = list(compress(group, left))
    rest_lengths = list(compress(group_lengths, left))
    referent_lists = bulk.referent_lists(rest, with_addresses=False)[0] if rest else []
    # A list whose length changed since it was walked: the heap changed while it was read; its
    # references stay unlabelled.
    differs = list(map(int.__ne__, map(len, referent_lists), rest_lengths))
    walk.changed_while_read += changed + differs.count(True)
    if any(differs):
        referent_lists = [None if differ else refs for refs, differ in zip(referent_lists, differs)]
    # A labeler per chunk: its caches hold names read from types, which must not outlive it.
    labeler = labels.Labeler(walk.memory, None)
    # The referents' ids, list by list, read at once (bulk.py) rather than by label().
    sizes = [0 if refs is None else len(refs) for refs in referent_lists]
    flat = bulk.addresses([ref for refs in referent_lists if refs is not None for ref in refs])
    found = bulk.split_by_lengths(iter(flat), sizes)
    del flat
    labelled = _merged(read, zip(rest, referent_lists, found), labeler)
    del group, rest, referent_lists, found, read
    # The native kernel leaves a group with an odd name (None) to the Python function.
    records = walk.kernel.object_records(labelled, group_lengths, walk.strings)
    kinds, names = labelplans.object_records(labelled, group_lengths, walk.strings) if records is None else records
    del records
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


def _merged(read, pending, labeler):
    """Each node's labels in node order: the kernel's (``read``) or, where it left the node
    (False), ``label()``'s from ``pending`` (object, its referents or None, their addresses).
    Closure names are recorded as label() records them, node after node."""
    label = labeler.label
    closure_names = labeler.closure_names
    labelled = []
    for result in read:
        if result is False:
            obj, refs, addresses = next(pending)
            labelled.append(None if refs is None else label(obj, type(obj), -1, refs, addresses))
        else:
            value, closure, code = result
            if closure is not None:
                closure_names[closure] = code.co_freevars
            labelled.append(value)
    return labelled


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
