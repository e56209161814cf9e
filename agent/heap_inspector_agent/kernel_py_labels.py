"""The pure-Python kernel's label facts: how the references of whole groups of nodes are named,
decided per chunk without labelling any node one by one (kernel_py.py's contract, whose
functions ``dict_keys``, ``label_facts`` and ``member_labels`` these are; the native kernel has
the same three).

- ``dict_keys``: exact dicts whose referents are their values in entry order, keyed by exact str
  (the reader names each reference by its key);
- ``label_facts``: per node, by its type's label plan (labelplans.py): sequences, dicts, plain
  instances with every attribute slot filled, or recorded one by one (edgefacts.py);
- ``member_labels``: of the nodes recorded one by one, those whose labels are read from stored
  fields or, for dicts, from their entries (the native kernel's; this one leaves them all to
  ``Labeler.label()``).

Masks are made and combined by C-level passes (bytemasks.py), never a Python loop per node.
"""
import array
import operator
from itertools import accumulate, chain, compress, islice, repeat

from . import bulk
from .bytemasks import NOT, SELECT, TIMES, and_bytes, lookup_bytes, merge_bytes, nonzero, word_positions

ADDRESS_TYPECODE = bulk.ADDRESS_TYPECODE
# Label plans (labelplans.py, which takes them from here) and the per-node label codes of
# ``label_facts`` (the node.labels column, docs/snapshot-format.md).
PLAN_NONE, PLAN_SEQUENCE, PLAN_DICT, PLAN_INSTANCE_VALUES, PLAN_INSTANCE_DICT, PLAN_OBJECT = range(6)
BY_PLAN, KEYED, RECORDED, UNLABELLED = range(4)


def dict_keys(items, start, end, dict_mask, lengths, targets, first_edge=0):
    """Which exact dicts among the selected items label their references by str keys alone, and
    those keys.

    ``dict_mask``: bytes, one per selected item, 1 for an exact ``dict`` (``type(item) is dict``,
    decided by the caller from ``type_addresses``).  ``lengths``/``targets``: ``walk``'s results
    for these same items (``targets[first_edge]`` is the first selected item's first referent).

    Returns ``(fast, keys)``: ``fast``, bytes, one per selected item: 1 where the item is a dict
    of ``dict_mask`` that has exactly ``lengths[i]`` entries, every key an exact ``str``, and
    whose referents are its values in entry order (compared by address: identity, never ``==``);
    ``keys``: a list of the keys of those dicts, dict after dict, in entry order (the key objects
    themselves: the caller holds them only until it has recorded their text)."""
    count = end - start
    if not any(dict_mask):
        return bytes(count), []
    dicts = list(compress(items[start:end], dict_mask))
    dict_lengths = list(compress(lengths, dict_mask))
    same = _equal_lanes(array.array("I", dict_lengths), array.array("I", map(dict.__len__, dicts)))
    if not any(same):
        return bytes(count), []
    candidates = list(compress(dicts, same)) if same.count(0) else dicts
    candidate_lengths = list(compress(dict_lengths, same)) if same.count(0) else dict_lengths
    del dicts
    size = targets.itemsize
    raw = targets.tobytes()
    # Byte range of each candidate's referents within ``targets``.
    ends = list(compress(compress(islice(accumulate(lengths, initial=first_edge), 1, None), dict_mask), same))
    starts = list(map(int.__sub__, ends, candidate_lengths))
    referents = b"".join(map(raw.__getitem__, map(slice, map(size.__mul__, starts), map(size.__mul__, ends))))
    del raw, starts, ends
    values = bulk.addresses(list(chain.from_iterable(map(dict.values, candidates)))).tobytes()
    keys = list(chain.from_iterable(map(dict.keys, candidates)))
    key_types = bulk.addresses(list(map(type, keys))).tobytes()
    str_word = array.array(ADDRESS_TYPECODE, (bulk.address_of(str),)).tobytes()
    if values == referents and key_types == str_word * len(keys):
        ok = b"\x01" * len(candidates)  # the common case: one comparison for the whole chunk
    else:
        # Entry by entry: the value is the referent, the key an exact str; then dict by dict.
        entry_ok = and_bytes(_equal_words(values, referents, size), _equal_words(key_types, str_word * len(keys), size))
        entry_ends = list(accumulate(candidate_lengths))
        entry_starts = list(map(int.__sub__, entry_ends, candidate_lengths))
        ok = bytes(map((-1).__eq__, map(entry_ok.find, repeat(b"\x00"), entry_starts, entry_ends)))
        if ok.count(0):
            keys = list(chain.from_iterable(map(dict.keys, compress(candidates, ok))))
    del candidates, values, referents, key_types
    if same.count(0):
        ok = merge_bytes(same, ok)
    if ok.count(0) == 0 and len(ok) == dict_mask.count(1):
        return bytes(dict_mask), keys  # every dict of the mask is on the fast path
    return merge_bytes(dict_mask, ok), keys


def _equal_words(a, b, size):
    """bytes, one per ``size``-byte word of the equally long ``a`` and ``b``: 1 where equal."""
    if not a:
        return b""
    difference = (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(len(a), "little")
    equal = -1
    for lane in range(size):
        equal &= int.from_bytes(difference[lane::size].translate(NOT), "little")
    return equal.to_bytes(len(a) // size, "little")


def label_facts(items, start, end, type_of, plans, slots, lengths, targets):
    """How each selected item's references are labelled (edgefacts.py records the result).

    ``type_of``: ``array('I')``, the type index of each selected item; ``plans``: bytes-like, the
    PLAN_* of each type index; ``slots``: ``array('I')``, per type index, the attribute slots of a
    PLAN_INSTANCE_VALUES class; ``lengths``/``targets``: ``walk``'s results for these items.

    Returns ``(labels, keys)``: ``labels``, bytes, one per selected item, by its type's plan:

    - PLAN_SEQUENCE (exact list or tuple): BY_PLAN, or UNLABELLED when its length is not its
      number of referents (it changed since the walk);
    - PLAN_DICT (exact dict): KEYED where ``dict_keys`` puts it on the fast path, else RECORDED;
    - PLAN_INSTANCE_VALUES: BY_PLAN when it has exactly ``slots + 1`` referents and, with one
      slot, its first referent (read again, through its traverse) is not an exact dict (a
      materialised ``__dict__``); else RECORDED;
    - PLAN_OBJECT: RECORDED;
    - any other plan: BY_PLAN;

    and RECORDED only where the item has referents (else BY_PLAN).  ``keys``: ``dict_keys``'
    keys of the KEYED dicts, in order.  No user code runs: lengths of exact lists and tuples,
    dict entries, a traverse."""
    count = end - start
    plan_of = lookup_bytes(type_of, plans)
    if plan_of is None:
        plan_of = bytes(map(plans.__getitem__, type_of))
    labels = 0  # one byte per item, as a big integer: the groups are ORed in
    recorded = 0
    keys = []
    if PLAN_SEQUENCE in plan_of:
        mask = plan_of.translate(SELECT[PLAN_SEQUENCE])
        group = list(compress(items[start:end], mask))
        expected = array.array("I", compress(lengths, mask))
        found = array.array("I", map(len, group))
        del group
        if found != expected:  # one comparison for the whole chunk, the common case
            changed = bytes(map(operator.ne, found, expected))
            labels |= _as_int(merge_bytes(mask, changed).translate(TIMES[UNLABELLED]))
    if PLAN_DICT in plan_of:
        mask = plan_of.translate(SELECT[PLAN_DICT])
        fast, keys = dict_keys(items, start, end, mask, lengths, targets)
        labels |= _as_int(fast)  # 1: KEYED
        recorded |= _as_int(mask) & ~_as_int(fast)
    if PLAN_INSTANCE_VALUES in plan_of:
        mask = plan_of.translate(SELECT[PLAN_INSTANCE_VALUES])
        ok = _instances_shaped(items, start, mask, type_of, lengths, slots)
        recorded |= _as_int(merge_bytes(mask, ok.translate(NOT)))
    if PLAN_OBJECT in plan_of:
        recorded |= _as_int(plan_of.translate(SELECT[PLAN_OBJECT]))
    if recorded:
        # Items without referents have nothing to label.
        recorded &= _as_int(nonzero(lengths) if type(lengths) is array.array else bytes(map(bool, lengths)))
        labels |= _as_int(recorded.to_bytes(count, "little").translate(TIMES[RECORDED]))
    return labels.to_bytes(count, "little"), keys


def _equal_lanes(a, b):
    """bytes, one per item of the equally long arrays ``a`` and ``b``: 1 where equal (one
    comparison for the whole arrays in the common case where all are)."""
    if a == b:
        return b"\x01" * len(a)
    return bytes(map(operator.eq, a, b))


def _as_int(mask):
    return int.from_bytes(mask, "little")


def _instances_shaped(items, start, mask, type_of, lengths, slots):
    """Per instance of ``mask``: 1 when it has ``slots + 1`` referents and, for one slot, its
    first referent is not an exact dict."""
    group_lengths = array.array("I", compress(lengths, mask))
    expected = array.array("I", map((1).__add__, map(slots.__getitem__, compress(type_of, mask))))
    ok = _equal_lanes(group_lengths, expected)
    single = 0
    if word_positions(expected, 2):  # a class with one slot: [value or __dict__, type]
        single = _as_int(ok) & _as_int(bytes(map((2).__eq__, group_lengths)))
    if single:
        single = single.to_bytes(len(ok), "little")
        positions = list(compress(compress(range(start, start + len(mask)), mask), single))
        candidates = list(map(items.__getitem__, positions))
        lists = bulk.referent_lists(candidates, with_addresses=False)[0]
        first_types = bulk.addresses([type(refs[0]) if refs else None for refs in lists])
        del candidates, lists
        is_dict = bytes(map(bulk.address_of(dict).__eq__, first_types))
        ok = (_as_int(ok) & ~_as_int(merge_bytes(single, is_dict))).to_bytes(len(ok), "little")
    return ok


def member_labels(items, type_of, lengths, recipes):
    """The labels ``Labeler.label()`` gives each of ``items`` (nodes recorded one by one), for
    those a kernel reads by their type's recipe (labelplans.LabelPlans.recipe: stored fields, or
    an exact dict's entries).

    ``type_of``, ``lengths``: array('I'), each item's type index and ``walk``'s count of its
    referents.  ``recipes``: a list by type index, a recipe or None.

    Returns ``(results, changed)``.  ``results``, one per item: ``False`` when the kernel leaves
    the item to ``label()`` (any item, any time: this kernel leaves them all); else
    ``(labels, closure, code)``: ``labels`` exactly what ``label()`` returns (None, or kinds and
    names, here as bytes and a list), and for a function with a closure the closure tuple's
    address and the function's code (``label()`` records the closure's free-variable names),
    else None twice.  An item whose referents are no longer ``lengths[i]`` (the heap changed
    while it was read) is ``(None, None, None)`` and counted in ``changed``."""
    return [False] * len(items), 0
