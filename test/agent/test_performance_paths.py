"""The agent's batch paths (docs/performance.md) give exactly what its per-object reference path
gives.

The agent records label facts for whole groups of nodes at once (edgefacts.py,
``labelplans.PLAN_*``: index labels for lists and tuples, str keys for dicts, attribute names per
class for plain instances; the reader derives the labels), names atoms in bulk (nodefacts.py),
reads counts into arrays and writes the string table in chunks.  Each test builds the shapes a
batch path must recognise -- and the look-alikes it must hand back to the reference path -- then
compares the capture with ``Labeler.label()`` / ``_node_name`` / the size rule applied object by
object, in the same process.
"""
import array
import collections
import enum
import functools
import gc
import sys
import weakref

import pytest
from snapshot_reader import Snapshot

INDEX = 4
CLOSURE = 6


def agent_module(name):
    return sys.modules["_heap_inspector_agent." + name]


@pytest.fixture
def quiet_collector():
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if enabled:
        gc.enable()


class Plain:
    def __init__(self, i):
        self.a = i
        self.b = [i]


class One:
    def __init__(self, value):
        self.only = value


class Deleted:
    def __init__(self):
        self.x = 1
        self.y = 2
        self.z = 3
        del self.y  # a NULL slot in the middle of the managed values


class Grows:
    pass


class HoldsItsType:
    def __init__(self):
        self.kind = HoldsItsType  # a value that is the type itself: `__class__` is ambiguous
        self.other = 5


class Duplicates:
    def __init__(self):
        shared = [0]
        self.p = shared
        self.q = shared
        self.r = shared


class Slotted:
    __slots__ = ("left", "right", "__weakref__")


class SlotsAndDict:
    __slots__ = ("s", "__dict__")


class NoSlots:
    __slots__ = ()


class Meta(type):
    pass


class WithMeta(metaclass=Meta):
    def __init__(self):
        self.q = 1


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class MyDict(dict):
    pass


class MyList(list):
    pass


class MyStr(str):
    pass


class MyInt(int):
    pass


class Failure(Exception):
    pass


def shapes(n=60):
    """Every shape the batch paths meet, and the look-alikes they must leave to label()."""
    keep = []
    for i in range(n):
        keep.append(Plain(i))
        keep.append(One({"k": i}))  # one attribute holding a dict: not a materialised __dict__
        keep.append(One(i))
        materialised = One(i)
        materialised.__dict__  # noqa: B018 - materialises the instance dict
        keep.append(materialised)
        materialised_dict = One({"x": i})
        materialised_dict.__dict__  # noqa: B018
        keep.append(materialised_dict)
        keep.append(Deleted())
        grows = Grows()
        if i % 3 == 0:
            grows.first = i
        if i % 3 != 1:
            grows.second = i
        keep.append(grows)
        keep.append(HoldsItsType())
        keep.append(Duplicates())
        slotted = Slotted()
        slotted.left = slotted
        if i % 2:
            slotted.right = [i]
        keep.append(slotted)
        both = SlotsAndDict()
        both.s = i
        both.extra = i
        keep.append(both)
        keep.append(NoSlots())
        keep.append(WithMeta())
        reordered = Plain(i)
        vars(reordered)
        del reordered.a
        reordered.a = i  # instance dict whose insertion order differs from the shared keys
        keep.append(reordered)
        keep.append({"a": i, "b": [i], "c": "text"})  # str keys: the dict fast path
        keep.append({i: "int key", "s": i})
        keep.append({(i, "t"): [i], None: i, 2.5: "float key"})
        once_general = {"x": 1, 2: 2}
        del once_general[2]  # only str keys now, but the traverse still visits the keys
        keep.append(once_general)
        keep.append({})
        keep.append(MyDict(a=i))
        keep.append(collections.OrderedDict(b=i))
        keep.append(collections.defaultdict(list, c=[i]))
        keep.append([i, str(i), (i, i + 1.5), None, []])
        keep.append((i, [i], "x" * (i % 80)))
        keep.append(())
        keep.append(MyList([i, i]))
        keep.append(MyStr("sub%d" % i))
        keep.append(MyInt(i))
        keep.append(2 ** (i % 300 + 64))
        keep.append(float(i) / 7)
        keep.append("long text " * (i % 12))
        keep.append(b"bytes" * (i % 5))
        keep.append(i % 2 == 0)
        keep.append({i, i + 1})
        keep.append(frozenset([str(i)]))
        if i % 10 == 0:
            keep.append(Color.RED)

            def closure(a=i):
                return keep, a

            keep.append(closure)
            keep.append(functools.partial(closure, 1))
            keep.append(keep[0].__init__)

            def generator():
                local = [i]
                yield local

            suspended = generator()
            next(suspended)
            keep.append(suspended)
            try:
                raise Failure("kept")
            except Failure as error:
                keep.append(error)
            keep.append(weakref.ref(keep[0]))
            keep.append(weakref.ref(keep[1], lambda reference: None))
            first, second = Plain(i), Plain(i)
            first.b, second.b = second, first  # garbage cycle
    return keep


def reachable(roots, limit=200000):
    """{id: object} of everything reachable from ``roots`` through gc.get_referents."""
    found = {}
    stack = list(roots)
    while stack and len(found) < limit:
        obj = stack.pop()
        if id(obj) in found:
            continue
        found[id(obj)] = obj
        stack.extend(gc.get_referents(obj))
    return found


def reference_labels(labeler, obj, referents, closures):
    """Labels by the per-object path, as (kind, text or index) per referent."""
    labelled = labeler.label(obj, type(obj), -1, referents) if referents else None
    safe = agent_module("safe")
    out = []
    for position, _referent in enumerate(referents):
        if labelled is None:
            kind, name = 0, 0
        else:
            kind, name = labelled[0][position], labelled[1][position]
        if kind != INDEX:
            name = "" if not name else name if type(name) is str else safe.key_text(name)
        out.append((kind, name))
    if id(obj) in closures:
        names = closures[id(obj)]
        out[: len(names)] = [(CLOSURE, name) for name in names[: len(out)]]
    return out


def snapshot_edges(s, node):
    edges = []
    for to, kind, name in s.edges(node):
        edges.append((int(s.address[to]), kind, name if kind == INDEX else name))
    return edges


@pytest.mark.usefixtures("quiet_collector")
def test_batch_labels_equal_the_per_object_path(agent, snapshot_path):
    keep = shapes()
    agent.capture_to_file(snapshot_path)
    s = Snapshot(snapshot_path)
    labels = agent_module("labels")
    typeinfo = agent_module("typeinfo")
    weakrefs = agent_module("weakrefs")
    types = typeinfo.TypeTable(weakrefs.ALL_TYPES)
    labeler = labels.Labeler(agent_module("capture")._memory, types)
    labelplans = agent_module("labelplans")
    label_plans = labelplans.LabelPlans(labeler)
    objects = reachable([keep])
    closures = {}
    for obj in objects.values():
        if type(obj) is type(shapes) and obj.__closure__ is not None:
            closures[id(obj.__closure__)] = obj.__code__.co_freevars
    # Frames still running changed since the capture (before 3.11 their traverse visits locals).
    running = set()
    frame = sys._getframe()
    while frame is not None:
        running.add(id(frame))
        frame = frame.f_back
    checked = collections.Counter()
    plans = collections.Counter()
    for key, obj in objects.items():
        node = s.by_address.get(key)
        if node is None or key in running:
            continue
        referents = gc.get_referents(obj)
        expected = [
            (id(r), kind, name)
            for r, (kind, name) in zip(referents, reference_labels(labeler, obj, referents, closures))
            if id(r) in s.by_address
        ]
        actual = [(int(s.address[to]), kind, name) for to, kind, name in s.edges(node)]
        if [edge[0] for edge in actual] != [edge[0] for edge in expected]:
            # Changed since the capture (reading the snapshot through the engine imports and
            # uses modules, e.g. tempfile's globals): its labels cannot be compared.
            continue
        assert actual == expected, "labels of %s differ" % type(obj).__qualname__
        checked[type(obj).__qualname__] += 1
        plans[label_plans.plan(type(obj))] += 1
    # The batch plans were all exercised, and the shapes that must fall back were met.
    for plan in (labelplans.PLAN_SEQUENCE, labelplans.PLAN_DICT, labelplans.PLAN_INSTANCE_DICT, labelplans.PLAN_OBJECT):
        assert plans[plan] > 0, plan
    if agent_module("capture")._memory.instance_attrs and sys.version_info >= (3, 11):
        assert plans[labelplans.PLAN_INSTANCE_VALUES] > 0
    for name in ("Plain", "One", "Deleted", "Grows", "HoldsItsType", "Duplicates", "dict", "list", "tuple"):
        assert checked[name] > 0, name
    del keep


@pytest.mark.usefixtures("quiet_collector")
def test_node_names_and_sizes_equal_the_per_object_rules(agent, snapshot_path):
    keep = shapes(20)
    huge = 10 ** 5000  # more digits than int_max_str_digits (3.11+) allows int.__repr__ to print
    keep.append(huge)
    agent.capture_to_file(snapshot_path)
    s = Snapshot(snapshot_path)
    nodefacts = agent_module("nodefacts")
    typeinfo = agent_module("typeinfo")
    types = typeinfo.TypeTable(agent_module("weakrefs").ALL_TYPES)
    specimens = {id(obj): obj for obj in keep}
    for obj in keep:
        for referent in gc.get_referents(obj):
            if not isinstance(referent, type):  # classes and what they reference may change
                specimens.setdefault(id(referent), referent)
    for key, obj in specimens.items():
        node = s.by_address.get(key)
        if node is None:
            continue
        t = type(obj)
        index = types.index_of(t)
        text = nodefacts._node_text(obj, t, types.category(index))
        expected_name = text if type(text) is str else ""
        assert s.strings[s.name[node]] == expected_name
        # Format 2 writes 0 for a type whose instances all have one size; the reader fills it in.
        expected_size = sys.getsizeof(obj) if types.sizeof_safe(index) else types.basic_size(index)
        assert s.sections["node.size"][node] == expected_size, repr(t)
        assert s.type_name(node) == agent_module("safe").qualified_type_name(t)
    del keep


@pytest.mark.usefixtures("quiet_collector")
def test_leaf_counts_are_exact(agent, snapshot_path):
    """Untracked objects (the leaves) are counted after the referent lists are dropped: a fresh
    int referenced from three containers has a count of 3, however many edges point to it."""
    value = int("1" + "0" * 30) + 7  # a fresh, untracked int (not a constant of this code)
    holders = [[value, value], (value,)]
    text = "".join(["leaf", "-", "string"])  # a fresh str, not interned
    holders.append({"a": text, "b": text})
    agent.capture_to_file(snapshot_path)
    s = Snapshot(snapshot_path)
    # Three references from containers and one from this frame's local (not an edge).
    assert s.refcount[s.by_address[id(value)]] == sys.getrefcount(value) - 1 == 4
    assert s.refcount[s.by_address[id(text)]] == sys.getrefcount(text) - 1 == 3
    del holders


def test_dict_fast_mask_equals_the_fast_path():
    labels = agent_module("labels")
    once_general = {"x": 1, 2: 2}
    del once_general[2]
    reordered = Plain(1)
    vars(reordered)
    del reordered.a
    reordered.a = 2
    dicts = [
        {},
        {"a": 1, "b": [2]},
        {1: "a"},
        {"s": 1, 2: "t"},
        once_general,
        vars(reordered),
        {MyStr("k"): 1},
        {"k": once_general, "j": once_general},
    ]
    referents = [gc.get_referents(d) for d in dicts]
    kernel = agent_module("kernel_py")
    seen = kernel.address_set([])
    targets, lengths = kernel.walk(dicts, 0, len(dicts), seen, [], every_referent=True)
    mask, keys = kernel.dict_keys(dicts, 0, len(dicts), bytes([1]) * len(dicts), lengths, targets)
    expected = bytes(labels._dict_fast_path(d, r) is not None for d, r in zip(dicts, referents))
    assert bytes(mask) == expected
    assert mask[1] == 1 and mask[2] == 0 and mask[4] == 0 and mask[6] == 0
    fast_keys = [k for d, fast in zip(dicts, mask) if fast for k in d]
    assert [id(k) for k in keys] == [id(k) for k in fast_keys]


def test_string_table_add_all_equals_add():
    StringTable = agent_module("strings").StringTable
    texts = ["b", "a", "", "b", "c", "a", "é", "b"]
    one_by_one, at_once = StringTable(), StringTable()
    one_by_one.add("a")
    at_once.add("a")
    assert at_once.add_all(texts) == [one_by_one.add(t) for t in texts]
    assert at_once._fresh == one_by_one._fresh


def test_string_list_json_equals_item_by_item():
    writer = agent_module("writer")
    for items in (["", 'q"uote', "back\\slash", "\n\t\r\x00\x1f", "é€😀", "\u2028\u2029"], ["lone \ud800"]):
        parts = []
        writer._encode(items, parts.append)
        assert writer.encode_json(items) == "".join(parts)


def test_a_sequence_that_changed_is_left_unlabelled(agent, tmp_path):
    """Lists and tuples are labelled by index from their type's plan; one whose length no longer
    matches its recorded reference count (it changed after it was walked) is marked unlabelled,
    and the others keep their plan."""
    heapwalk, edgefacts = agent_module("heapwalk"), agent_module("edgefacts")
    writer = agent_module("writer").SnapshotWriter(str(tmp_path / "chunk.heapsnap"))
    try:
        walk = heapwalk.HeapWalk(
            agent_module("kernel_py"), agent._memory, agent_module("strings").StringTable(), writer
        )
        sequences = [[1, 2], ("a", "b", "c"), [5]]
        type_of = walk.facts.indices(agent_module("kernel_py").type_addresses(sequences, 0, 3), sequences, 0)
        recorded = array.array("I", [2, 3, 2])  # the last list was walked with two items
        targets = array.array(agent_module("bulk").ADDRESS_TYPECODE, [id(1), id(2), id("a"), id("b"), id("c"), id(5), 0])
        written = []
        writer.column = lambda name, dtype, values: written.append((name, bytes(values)))
        edgefacts.label_chunk(walk, sequences, 0, 3, 0, type_of, targets, recorded)
    finally:
        writer.abort()
    labels = dict(written)["node.labels"]
    assert labels == bytes([edgefacts.BY_PLAN, edgefacts.BY_PLAN, edgefacts.UNLABELLED])
