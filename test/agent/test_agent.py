"""The agent inside a real process, checked against the real collector.

Every test that predicts a collection compares with what CPython's collector itself reports:
``gc.set_debug(gc.DEBUG_COLLECTABLE)`` names each object it finds unreachable.
"""
import collections
import gc
import io
import os
import re
import sys
import weakref

import pytest
from snapshot_reader import Snapshot

from conftest import AGENT_DIR


def type_name(t):
    return type.__dict__["__module__"].__get__(t) + "." + type.__dict__["__qualname__"].__get__(t)


def collect_with_oracle(generation=2):
    """What gc.collect(generation) finds unreachable right now, by type (the collector's own list)."""
    names = {id(o): type_name(type(o)) for o in gc.get_objects()}
    captured = io.StringIO()
    saved, sys.stderr = sys.stderr, captured
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_COLLECTABLE)
    try:
        gc.collect(generation)
    finally:
        gc.set_debug(flags)
        sys.stderr = saved
    found = re.findall(r"gc: collectable <(\S+) (0x[0-9a-f]+)>", captured.getvalue())
    return collections.Counter(names.get(int(address, 16), raw) for raw, address in found)


def predicted(snapshot, generation=2):
    return collections.Counter(snapshot.type_name(i) for i in snapshot.predict_unreachable(generation))


@pytest.fixture
def quiet_collector():
    """No automatic collection between building garbage, capturing and collecting."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if enabled:
        gc.enable()


class Node:
    def __init__(self, name):
        self.name = name
        self.next = None


class Finalized(Node):
    def __del__(self):
        pass


class Slotted:
    __slots__ = ("left", "right")


def build_garbage():
    a, b = Node("a"), Node("b")
    a.next, b.next = b, a
    ring = [Finalized(str(i)) for i in range(50)]
    for first, second in zip(ring, ring[1:] + ring[:1]):
        first.next = second
    s = Slotted()
    s.left = s
    s.right = {"back": s, 3: [s, s]}
    d = {}
    d["self"] = d

    def closure():
        return closure

    try:
        raise ValueError("kept")
    except ValueError as error:
        kept_error = error  # noqa: F841 - the traceback <-> frame cycle is the point

    def generator():
        try:
            yield 1
        finally:
            pass

    g = generator()
    next(g)
    holder = Node("gen holder")
    holder.next = holder
    holder.gen = g


@pytest.mark.usefixtures("quiet_collector")
def test_prediction_equals_the_collector(agent, snapshot_path):
    build_garbage()
    agent.capture_to_file(snapshot_path)
    snapshot = Snapshot(snapshot_path)
    real = collect_with_oracle()
    assert predicted(snapshot) == real
    assert real["tests.agent.test_agent.Finalized".replace("tests.agent.", "")] == 50 or real[
        type_name(Finalized)
    ] == 50


@pytest.mark.usefixtures("quiet_collector")
@pytest.mark.parametrize("generation", [0, 1])
def test_young_collections_treat_older_references_as_external(agent, snapshot_path, generation):
    old = Node("old")
    old.next = old
    gc.collect()  # `old` is alive (a local): it is now in the oldest generation
    young = Node("young")
    young.next = young
    old.kept = Node("kept by old")  # young, referenced only from an old object
    old.kept.next = old.kept
    del young
    agent.capture_to_file(snapshot_path)
    snapshot = Snapshot(snapshot_path)
    assert predicted(snapshot, generation) == collect_with_oracle(generation)
    del old


class Hostile:
    """Every question asked of an instance raises (and is recorded)."""

    calls = []

    def _refuse(self, what):
        Hostile.calls.append(what)
        raise RuntimeError("the agent must not call " + what)

    def __getattribute__(self, name):
        Hostile.calls.append("__getattribute__ " + name)
        raise RuntimeError(name)

    def __getattr__(self, name):
        Hostile.calls.append("__getattr__ " + name)
        raise RuntimeError(name)

    def __eq__(self, other):
        Hostile.calls.append("__eq__")
        raise RuntimeError("__eq__")

    def __hash__(self):
        Hostile.calls.append("__hash__")
        raise RuntimeError("__hash__")

    def __repr__(self):
        Hostile.calls.append("__repr__")
        raise RuntimeError("__repr__")

    def __sizeof__(self):
        Hostile.calls.append("__sizeof__")
        raise RuntimeError("__sizeof__")

    def __len__(self):
        Hostile.calls.append("__len__")
        raise RuntimeError("__len__")

    def __bool__(self):
        Hostile.calls.append("__bool__")
        raise RuntimeError("__bool__")

    @property
    def __class__(self):
        Hostile.calls.append("__class__")
        raise RuntimeError("__class__")


class HostileMeta(type):
    """Hashable while the test builds its data; hostile while the agent captures."""

    armed = False

    def __eq__(cls, other):
        if HostileMeta.armed:
            Hostile.calls.append("metaclass __eq__")
            raise RuntimeError("metaclass __eq__")
        return type.__eq__(cls, other)

    def __hash__(cls):
        if HostileMeta.armed:
            Hostile.calls.append("metaclass __hash__")
            raise RuntimeError("metaclass __hash__")
        return type.__hash__(cls)

    def __getattribute__(cls, name):
        if type.__getattribute__(HostileMeta, "armed"):
            Hostile.calls.append("metaclass __getattribute__ " + name)
            raise RuntimeError(name)
        return type.__getattribute__(cls, name)


class HostileKey(metaclass=HostileMeta):
    pass


class HostileStr(str):
    def __len__(self):
        Hostile.calls.append("str __len__")
        raise RuntimeError("str __len__")


@pytest.mark.usefixtures("quiet_collector")
def test_no_user_code_runs(agent, snapshot_path):
    Hostile.calls.clear()
    first, second = Hostile(), Hostile()
    object.__setattr__(first, "peer", second)
    object.__setattr__(second, "peer", first)
    kept = Hostile()
    object.__setattr__(kept, "data", {HostileKey: [kept], HostileStr("key"): kept})
    weak = weakref.ref(HostileKey)  # noqa: F841
    del first, second
    HostileMeta.armed = True
    try:
        agent.capture_to_file(snapshot_path)
    finally:
        HostileMeta.armed = False
    assert Hostile.calls == []
    snapshot = Snapshot(snapshot_path)
    assert predicted(snapshot)[type_name(Hostile)] == 2
    assert Hostile.calls == []
    del kept


@pytest.mark.usefixtures("quiet_collector")
def test_two_captures_in_a_row_agree(agent, tmp_path):
    build_garbage()
    agent.capture_to_file(str(tmp_path / "first.heapsnap"))
    agent.capture_to_file(str(tmp_path / "second.heapsnap"))
    first = Snapshot(str(tmp_path / "first.heapsnap"))
    second = Snapshot(str(tmp_path / "second.heapsnap"))

    def tracked(s):
        return {(int(s.address[i]), s.type_name(i), s.refcount[i], s.generation(i)) for i in range(s.n) if s.tracked(i)}

    assert tracked(first) == tracked(second)
    assert first.meta["counts"]["edges"] == second.meta["counts"]["edges"]
    assert predicted(first) == predicted(second)


@pytest.mark.usefixtures("quiet_collector")
def test_capture_leaves_no_garbage_and_restores_the_collector(agent, snapshot_path):
    thresholds, debug = gc.get_threshold(), gc.get_debug()
    switch = sys.getswitchinterval()
    gc.collect()
    agent.capture_to_file(snapshot_path)
    assert gc.isenabled() is False  # the fixture disabled it: the agent must leave it so
    assert gc.get_debug() == debug
    assert sys.getswitchinterval() == switch
    assert gc.collect() == 0, "the capture left garbage behind"
    assert gc.garbage == []
    assert gc.get_threshold() == thresholds  # any schedule compensation ended with that collection


def test_writes_only_the_snapshot_and_touches_no_user_state(agent, tmp_path):
    before_files = set(os.listdir(tmp_path))
    agent_files = set(os.listdir(AGENT_DIR))
    path_before = list(sys.path)
    modules_before = set(sys.modules)
    agent.capture_to_file(str(tmp_path / "only.heapsnap"))
    assert set(os.listdir(tmp_path)) - before_files == {"only.heapsnap"}
    assert set(os.listdir(AGENT_DIR)) == agent_files  # no __pycache__, no temporary file
    assert sys.path == path_before
    added = {m for m in set(sys.modules) - modules_before if not m.startswith("_heap_inspector_agent")}
    # Built-in or C extension modules the agent itself uses, nothing else.
    assert added <= {"array", "zlib", "_ctypes", "_weakref", "_thread", "itertools", "marshal", "time"}


@pytest.mark.usefixtures("quiet_collector")
def test_labels(agent, snapshot_path):
    class Labelled:
        def describe(self):
            return "labelled"

    target = Labelled()
    target.attribute = ["attribute value"]
    target.mapping = {"str key": ["by str key"], 42: ["by int key"]}
    target.sequence = [["at index 0"], ["at index 1"]]
    target.triple = (["first"], ["second"], ["third"])
    target.slotted = Slotted()
    target.slotted.left = ["left slot"]
    captured_cell = ["in a closure"]

    def closure():
        return captured_cell

    target.function = closure
    target.method = target.describe
    local_variable = ["a local"]  # noqa: F841
    agent.capture_to_file(snapshot_path)
    s = Snapshot(snapshot_path)
    node = s.by_address[id(target)]
    labels = {name for _to, _kind, name in s.edges(node)}
    assert {"attribute", "mapping", "sequence", "slotted", "function", "method", "__class__"} <= labels
    mapping = s.by_address[id(target.mapping)]
    assert {name for _to, _kind, name in s.edges(mapping)} >= {"str key", "42"}
    sequence = s.by_address[id(target.sequence)]
    assert sorted(name for _to, kind, name in s.edges(sequence)) == [0, 1]
    # Each index names the item at that index (the collector visits a list's items last first).
    for items in (target.sequence, target.triple):
        node = s.by_address[id(items)]
        named = {name: int(s.address[to]) for to, _kind, name in s.edges(node)}
        assert named == {i: id(item) for i, item in enumerate(items)}
    slotted = s.by_address[id(target.slotted)]
    assert "left" in {name for _to, _kind, name in s.edges(slotted)}
    cells = s.by_address[id(closure.__closure__)]
    assert [name for _to, _kind, name in s.edges(cells)] == ["captured_cell"]
    method = s.by_address[id(target.method)] if id(target.method) in s.by_address else None
    if method is not None:
        assert {"__self__", "__func__"} <= {name for _to, _kind, name in s.edges(method)}
    # The capture's frame locals are named roots.
    frame_roots = [
        s.strings[s.sections["root.name"][r]]
        for r in range(len(s.sections["root.kind"]))
        if s.sections["root.kind"][r] == 2
    ]
    assert "local_variable" in frame_roots and "target" in frame_roots
    assert not [w for w in s.meta["warnings"] if "not readable" in w]


@pytest.mark.usefixtures("quiet_collector")
def test_weak_references_and_finalize(agent, snapshot_path):
    class Resource:
        def cleanup(self):
            pass

    def callback(reference):
        pass

    good = Resource()
    weakref.finalize(good, print, "cleaned")
    bad = Resource()
    weakref.finalize(bad, bad.cleanup)  # self-defeating: the bound method keeps `bad` alive
    dying = Resource()
    dying.cycle = dying
    reference = weakref.ref(dying, callback)
    proxy = weakref.proxy(good)
    del dying
    agent.capture_to_file(snapshot_path)
    s = Snapshot(snapshot_path)
    finalizers = s.sections["finalizers"]
    by_referent = {int(s.address[f["referent"]]): f for f in finalizers if f["referent"] >= 0}
    assert by_referent[id(good)]["funcName"] == "builtins.print" or by_referent[id(good)]["funcName"] == "print"
    assert by_referent[id(bad)]["funcName"].endswith("Resource.cleanup")
    weak_nodes = list(s.sections["weakref.node"])
    referents = {int(s.address[w]): r for w, r in zip(weak_nodes, s.sections["weakref.referent"])}
    assert int(s.address[referents[id(reference)]]) == id(reference())
    assert int(s.address[referents[id(proxy)]]) == id(good)
    del reference, proxy, bad, good


@pytest.mark.usefixtures("quiet_collector")
def test_weak_reference_callbacks_of_subclasses(agent, snapshot_path):
    """A subclass of weakref.ref (a WeakValueDictionary's KeyedRef) visits its own slots and its
    type before its callback: the callback is found as the callback, never as its key."""

    class Value:
        pass

    def on_death(reference):
        pass

    values = [Value(), Value()]
    cache = weakref.WeakValueDictionary({"first-key": values[0], "second-key": values[1]})
    plain = weakref.ref(values[0], on_death)
    keyed = weakref.KeyedRef(values[1], on_death, "own-key")
    agent.capture_to_file(snapshot_path)
    s = Snapshot(snapshot_path)
    callback_of = {
        int(s.address[w]): c for w, c in zip(s.sections["weakref.node"], s.sections["weakref.callback"])
    }
    for reference in [plain, keyed] + [cache.data[key] for key in ("first-key", "second-key")]:
        found = callback_of[id(reference)]
        assert found >= 0 and int(s.address[found]) == id(reference.__callback__), type(reference)
    del plain, keyed, cache, values


@pytest.mark.usefixtures("quiet_collector")
def test_large_heap(agent, snapshot_path):
    live = [[i, str(i), {"k": i}] for i in range(60000)]
    for _ in range(500):
        a, b = Node("x"), Node("y")
        a.next, b.next = b, a
    del a, b
    result = agent.capture_to_file(snapshot_path)
    assert result["nodes"] > 200000
    s = Snapshot(snapshot_path)
    assert predicted(s) == collect_with_oracle()
    del live


def test_allocation_sites_when_tracemalloc_traces(agent, snapshot_path):
    import tracemalloc

    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start(2)
    try:

        class Allocated:
            pass

        obj = Allocated()
        line = sys._getframe().f_lineno - 1
        agent.capture_to_file(snapshot_path)
    finally:
        if not was_tracing:
            tracemalloc.stop()
    s = Snapshot(snapshot_path)
    sites = {
        int(n): (s.strings[f], l)
        for n, f, l in zip(s.sections["alloc.node"], s.sections["alloc.file"], s.sections["alloc.line"])
    }
    assert sites[s.by_address[id(obj)]] == (__file__, line)


def test_no_allocation_sites_without_tracemalloc(agent, snapshot_path):
    import tracemalloc

    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is on for the whole run")
    agent.capture_to_file(snapshot_path)
    assert "alloc.node" not in Snapshot(snapshot_path).sections
