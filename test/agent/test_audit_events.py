"""A program's audit hooks (PEP 578) see a few thousand events per capture, however big the heap.

``id()`` and ``gc.get_referents()`` are audited.  Called once per object and per reference, they
ran a program's audit hooks millions of times per capture, handed them the program's objects in
the middle of the walk, and slowed the capture down by half.  Each test runs a fresh interpreter
(an audit hook cannot be removed) that builds a heap, installs a hook counting what it receives
while the capture runs, and captures.
"""
import json
import os
import subprocess
import sys

import pytest
from snapshot_reader import Snapshot

from conftest import AGENT_DIR

CHILD = r"""
import gc, json, os, sys, weakref

AGENT_DIR, OUT, UNITS, REFUSE = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "refuse"
EVENTS = {}
CARRYING = {}  # events whose arguments hold anything but numbers, text and None
CAPTURING = [False]
ATOMS = (int, float, str, bytes, bool, type(None))


def plain(value):
    if type(value) in ATOMS:
        return True
    return type(value) is tuple and all(type(item) in ATOMS for item in value)


def hook(event, args):
    if REFUSE and event.startswith("ctypes."):
        raise RuntimeError("ctypes is not allowed here")
    if not CAPTURING[0]:
        return
    EVENTS[event] = EVENTS.get(event, 0) + 1
    if not all(plain(arg) for arg in args):
        CARRYING[event] = CARRYING.get(event, 0) + 1


sys.addaudithook(hook)
gc.disable()


class Plain:
    def __init__(self, i):
        self.number = i
        self.items = [i, str(i)]


class Slotted:
    __slots__ = ("left", "right", "__weakref__")


def closure(i):
    def inner(offset=i, *, scale=2):
        return offset * scale + i
    return inner


heap = []
for i in range(UNITS):
    p = Plain(i)
    s = Slotted()
    s.left, s.right = s, {"key": i, 7: (i, p)}
    heap.append([p, s, {"a": p, "b": [i]}, (i, p), {i, -i}, frozenset((i,)), b"%d" % i, float(i),
                 weakref.ref(p), weakref.proxy(s), closure(i), p.__init__])
    if i % 10 == 0:
        a, b = Plain(i), Plain(-i)
        a.items.append(b)
        b.items.append(a)  # garbage: a reference cycle
        del a, b

namespace = {"__name__": "_heap_inspector_bootstrap"}
with open(os.path.join(AGENT_DIR, "bootstrap.py"), "rb") as source:
    exec(compile(source.read(), "bootstrap.py", "exec"), namespace)
capture = namespace["load_agent"](AGENT_DIR)
tracked = len(gc.get_objects())
CAPTURING[0] = True
capture.capture_to_file(OUT)
CAPTURING[0] = False
print(json.dumps({"events": EVENTS, "carrying": CARRYING, "tracked": tracked}))
"""


def capture_counting_events(tmp_path, units, refuse_ctypes=False):
    out = str(tmp_path / ("capture-%d.heapsnap" % units))
    run = subprocess.run(
        [sys.executable, "-c", CHILD, AGENT_DIR, out, str(units), "refuse" if refuse_ctypes else "allow"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["snapshot"] = Snapshot(out)
    return result


def total(counts):
    return sum(counts.values())


def test_audit_events_do_not_grow_with_the_heap(tmp_path):
    small = capture_counting_events(tmp_path, 1000)
    large = capture_counting_events(tmp_path, 20000)
    added_objects = large["snapshot"].n - small["snapshot"].n
    assert added_objects > 200000  # the larger heap really is larger
    grown = total(large["events"]) - total(small["events"])
    # What may grow: one batch per 65,536 objects in each pass of the walk.
    assert grown < added_objects / 500, (small["events"], large["events"])
    carrying_grown = total(large["carrying"]) - total(small["carrying"])
    assert carrying_grown < added_objects / 2000, (small["carrying"], large["carrying"])
    # No call per object or per reference is audited any more.
    assert large["events"].get("builtins.id", 0) < 1000, large["events"]
    assert large["events"].get("gc.get_referents", 0) < 5000, large["events"]
    assert large["events"].get("object.__getattr__", 0) < 100, large["events"]


def test_a_hook_that_refuses_ctypes_does_not_lose_the_capture(tmp_path):
    refused = capture_counting_events(tmp_path, 300, refuse_ctypes=True)
    allowed = capture_counting_events(tmp_path, 300)
    # Addresses then come from object.__hash__ instead of the lists' memory: the same program
    # objects, the same prediction (the two processes differ in what the agent itself made).
    for run in (refused, allowed):
        snapshot = run["snapshot"]
        types = [snapshot.type_name(i) for i in range(snapshot.n)]
        run["plain"] = types.count("__main__.Plain")
        run["unreachable"] = sorted(snapshot.type_name(i) for i in snapshot.predict_unreachable(2))
    assert refused["plain"] == allowed["plain"] == 300 + 2 * 30
    assert refused["unreachable"] == allowed["unreachable"]
    assert refused["unreachable"].count("__main__.Plain") == 2 * 30


@pytest.fixture(scope="module")
def bulk(agent):
    return sys.modules["_heap_inspector_agent.bulk"]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 8, 9, 1000, 65537])
def test_addresses_are_the_ids(bulk, count):
    items = [object() if i % 3 else str(i) for i in range(count)]
    before = list(items)
    assert list(bulk.addresses(items)) == list(map(id, items))
    assert items == before  # the padding it adds while reading is gone
    assert list(bulk._addresses_from_hashes(__import__("array").array("q", map(object.__hash__, items)))) == list(
        map(id, items)
    )
    assert all(bulk.address_of(item) == id(item) for item in items[:50])


def test_addresses_of_objects_whose_class_defines_hash_and_eq(bulk):
    class Hostile:
        def __hash__(self):
            raise AssertionError("user code ran")

        def __eq__(self, other):
            raise AssertionError("user code ran")

    items = [Hostile() for _ in range(10)]
    assert list(bulk.addresses(items)) == list(map(id, items))
    assert [bulk.address_of(item) for item in items] == list(map(id, items))


def test_addresses_of_static_objects(bulk):
    # Objects outside the allocator (True, None, built-in types) need not be 16-byte aligned:
    # their hash's top bits are the address's low bits (on 32-bit builds even for a positive hash).
    statics = [True, False, None, Ellipsis, NotImplemented, int, type, object, 0, 1, 255]
    assert [bulk.address_of(item) for item in statics] == list(map(id, statics))


def test_referent_lists_match_gc_get_referents(bulk):
    import gc

    class Node:
        pass

    objects = []
    for i in range(3000):
        node = Node()
        node.me = node
        objects.extend([node, [i, node], {"k": node}, (node, i), object(), "text"])
    lists, addresses = bulk.referent_lists(objects)
    expected = list(map(gc.get_referents, objects))
    assert lists == expected
    assert list(addresses) == [id(referent) for referents in expected for referent in referents]


def test_referent_lists_when_an_object_references_the_separator(bulk):
    import gc

    sneaky = [bulk.SEPARATOR, 1]  # something the program could build from gc.get_objects()
    objects = [[1, 2], sneaky, (3, sneaky), {"x": bulk.SEPARATOR}] * 100
    lists, addresses = bulk.referent_lists(objects)
    assert lists == list(map(gc.get_referents, objects))
    assert list(addresses) == [id(r) for refs in lists for r in refs]


def test_the_separator_is_never_a_node(tmp_path, agent):
    import gc

    bulk = sys.modules["_heap_inspector_agent.bulk"]
    enabled = gc.isenabled()
    gc.disable()
    try:
        holder = {"sneaky": bulk.SEPARATOR, "list": [bulk.SEPARATOR] * 3}
        path = str(tmp_path / "separator.heapsnap")
        agent.capture_to_file(path)
    finally:
        if enabled:
            gc.enable()
    snapshot = Snapshot(path)
    assert id(bulk.SEPARATOR) not in set(map(int, snapshot.address))
    node = list(map(int, snapshot.address)).index(id(holder["list"]))
    assert snapshot.edge_count[node] == 0  # its three edges go to the agent's own object: dropped
    del holder
