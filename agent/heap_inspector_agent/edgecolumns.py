"""Edge columns: edge.to, edge.kind, edge.name and node.edgeCount (step 6 of heapwalk.py).

The targets were read while walking (``HeapWalk.edge_targets``, one node index per reference).
Labels come per group of nodes, following the plan of their type (labelplans.py): exact lists and
tuples get their indices, exact dicts their str keys, instances of plain classes their attribute
names per class, each checked in C-level passes over the whole group; the nodes a plan cannot
vouch for, and the types without a plan, go through ``Labeler.label()`` (labels.py) one by one.
Each node's labels are one piece of 5-byte records, merged back into node order
(bytemasks.merge); last, the edges to the agent's own objects (target -1) are dropped.
Built once every count is read: these passes may hold references freely.
"""
import array
from itertools import accumulate, chain, compress

from . import bulk
from . import labelplans
from . import labels
from .bytemasks import NOT, SELECT, and_bytes, merge, merge_bytes, or_bytes, positions_of_minus_one

_EMPTY = ()


class EdgeColumns:
    """The edge columns of one walk, labelled with one capture's ``Labeler``."""

    def __init__(self, walk, labeler):
        self.walk = walk
        self.labeler = labeler
        self.plans = labelplans.LabelPlans(labeler)

    def build(self, types, type_of):
        """Set the walk's ``edge_to``, ``edge_kind``, ``edge_name`` and ``node_edge_count``.
        ``type_of``: node -> type index (``walk.node_type`` is set already)."""
        walk = self.walk
        lengths = walk.edge_lengths
        starts = array.array("q", accumulate(chain((0,), lengths)))  # node -> its first edge
        plan_by_type = bytes(map(self.plans.plan, types.types))
        plan_of = bytes(map(plan_by_type.__getitem__, type_of))
        objects = walk.objects
        sources = [None] * labelplans.PLAN_COUNT
        for plan in range(labelplans.PLAN_COUNT):
            if plan not in plan_of:
                continue
            mask = plan_of.translate(SELECT[plan])
            group_lengths = list(compress(lengths, mask))
            if plan == labelplans.PLAN_NONE:
                sources[plan] = iter(labelplans.zero_pieces(group_lengths))
                continue
            group = list(compress(objects, mask))
            if plan == labelplans.PLAN_SEQUENCE:
                pieces = self._sequence_pieces(group, group_lengths)
            elif plan == labelplans.PLAN_DICT:
                pieces = self._dict_pieces(group, group_lengths)
            elif plan == labelplans.PLAN_OBJECT:
                pieces = self._one_by_one(group, group_lengths)
            else:
                group_starts = list(compress(starts, mask))
                group_type_of = list(compress(type_of, mask))
                pieces = self._instance_pieces(plan, group, group_lengths, group_starts, group_type_of, types)
            del group
            sources[plan] = iter(pieces)
        del objects
        edge_kind, edge_name = labelplans.split(b"".join(merge(plan_of, sources)))
        del sources
        targets = walk.edge_targets
        edge_count = array.array("I", lengths)
        excluded = positions_of_minus_one(targets)
        if excluded:
            targets, edge_kind, edge_name = _drop_edges(excluded, starts, targets, edge_kind, edge_name, edge_count)
        walk.edge_to = array.array("I")
        walk.edge_to.frombytes(targets.tobytes())
        walk.edge_kind = array.array("B", edge_kind)
        walk.edge_name = array.array("I")
        walk.edge_name.frombytes(edge_name)
        walk.node_edge_count = edge_count
        self._apply_closure_names(None if excluded else starts)

    def _sequence_pieces(self, sequences, lengths):
        """Exact lists and tuples: the traverse visits every item, last first -> […], [1], [0]."""
        sizes = list(map(len, sequences))
        if sizes == lengths:
            return labelplans.index_pieces(lengths)
        # A NULL item slot (a tuple under construction) or a list that changed since it was
        # walked: label() says what to do with those, one by one.
        same = bytes(map(int.__eq__, sizes, lengths))
        fast = labelplans.index_pieces(list(compress(lengths, same)))
        different = same.translate(NOT)
        slow = self._one_by_one(list(compress(sequences, different)), list(compress(lengths, different)))
        return merge(same, [iter(slow), fast])

    def _dict_pieces(self, dicts, lengths):
        """Exact dicts: (STR_KEY, key) per entry where ``_dict_fast_path`` applies, else label()."""
        referent_lists = self._rewalk(dicts, lengths)
        usable = [_EMPTY if refs is None else refs for refs in referent_lists]
        fast = labelplans.dict_fast_mask(dicts, usable, lengths)
        del usable
        if None in referent_lists:  # a dict changed under the capture: label() leaves it alone
            fast = bytes(0 if refs is None else ok for refs, ok in zip(referent_lists, fast))
        if not any(fast):
            return self._one_by_one(dicts, lengths, referent_lists)
        records = labelplans.dict_fast_records(list(compress(dicts, fast)), self.walk.strings)
        pieces = labelplans.slices(records, list(compress(lengths, fast)))
        slow = fast.translate(NOT)
        if not any(slow):
            return pieces
        slow_pieces = self._one_by_one(
            list(compress(dicts, slow)), list(compress(lengths, slow)), list(compress(referent_lists, slow))
        )
        return merge(fast, [iter(slow_pieces), pieces])

    def _rewalk(self, group, lengths):
        """``gc.get_referents`` of each object again (the first lists were dropped as they were
        mapped); a list whose length changed since is replaced by None (left unlabelled) and
        counted: the heap changed while it was read."""
        lists = bulk.referent_lists(group, with_addresses=False)[0]
        if list(map(len, lists)) == lengths:
            return lists
        lists = [refs if len(refs) == length else None for refs, length in zip(lists, lengths)]
        self.walk.changed_while_read += lists.count(None)
        return lists

    def _one_by_one(self, group, lengths, referent_lists=None):
        """Pieces from ``label()``, object by object (the reference path)."""
        if referent_lists is None:
            referent_lists = self._rewalk(group, lengths)
        # The referents' ids, list by list, read at once (bulk.py) rather than by label().
        sizes = [0 if refs is None else len(refs) for refs in referent_lists]
        flat = bulk.addresses(list(chain.from_iterable(refs for refs in referent_lists if refs is not None)))
        addresses = list(bulk.split_by_lengths(iter(flat), sizes))
        del flat, sizes
        label = self.labeler.label
        labelled = [
            None if refs is None else label(obj, type(obj), -1, refs, found)
            for obj, refs, found in zip(group, referent_lists, addresses)
        ]
        records = labelplans.object_records(labelled, lengths, self.walk.strings)
        return labelplans.slices(records, lengths)

    def _instance_pieces(self, plan, group, lengths, starts, group_type_of, types):
        """Instances of plain classes, checked on the edge targets already read:

        - PLAN_INSTANCE_VALUES: k attribute slots (names per class), then the type.  When the
          node has exactly k + 1 edges, the last one and only that one to its type (and, for
          k = 1, the first not to a dict, which could be a materialised __dict__), every slot
          is filled and the edges are the slots in order: [.name_0 … .name_k-1, __class__];
        - PLAN_INSTANCE_DICT: [__dict__ (an exact dict), __class__] or [__class__].

        The other nodes of the group go through ``label()``."""
        walk = self.walk
        targets = walk.edge_targets
        node_type = walk.node_type
        strings = walk.strings
        group_types = dict.fromkeys(group_type_of)  # type indices in the group, once each
        type_node = {i: walk.index.get(bulk.address_of(types.types[i]), -3) for i in group_types}
        dict_index = types.known_index(dict)
        class_name = strings.add("__class__")
        if plan == labelplans.PLAN_INSTANCE_VALUES:
            expected = {}
            piece = {}
            for type_index in group_types:
                names = self.plans.instance_names(types.types[type_index])
                expected[type_index] = len(names) + 1
                kinds = bytes((labels.ATTR,)) * len(names) + bytes((labels.SLOT,))
                indices = array.array("I", strings.add_all(names) + [class_name]).tobytes()
                piece[type_index] = bytes(labelplans.interleave(kinds, indices))
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
                    checks.append(merge_bytes(single, first_is_dict).translate(NOT))
                ok = merge_bytes(ok, and_bytes(*checks))
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
                two_ok = and_bytes(second_is_type, first_is_dict)
            ok = or_bytes(merge_bytes(one, one_ok), merge_bytes(two, two_ok))
            dict_name = strings.add("__dict__")
            slot = labels.SLOT
            piece = {
                1: bytes(labelplans.interleave(bytes((slot,)), array.array("I", [class_name]).tobytes())),
                2: bytes(
                    labelplans.interleave(bytes((slot, slot)), array.array("I", [dict_name, class_name]).tobytes())
                ),
            }
            fast = map(piece.__getitem__, compress(lengths, ok))
        slow = ok.translate(NOT)
        if not any(slow):
            return fast
        slow_pieces = self._one_by_one(list(compress(group, slow)), list(compress(lengths, slow)))
        return merge(ok, [iter(slow_pieces), fast])

    def _apply_closure_names(self, starts):
        """A function's closure tuple holds its cells in free-variable order: name them."""
        labeler = self.labeler
        walk = self.walk
        if not labeler.closure_names:
            return
        for tuple_id, names in dict.items(labeler.closure_names):
            node = walk.index.get(tuple_id)
            if node is None or not walk.node_edge_count[node]:
                continue
            if starts is None:
                starts = list(accumulate(chain((0,), walk.node_edge_count)))
            start = starts[node]
            for offset, name in enumerate(names[: walk.node_edge_count[node]]):
                walk.edge_kind[start + offset] = labels.CLOSURE
                walk.edge_name[start + offset] = walk.strings.add(name)


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
