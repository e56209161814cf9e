"""identity.observe, state by state, against a straightforward one-object-at-a-time reference
(the loop observe was before it did its work in bulk passes): same column, same counts, same
marks in the same order (the previous mark reused for a same object), same LIMIT cut."""
import array
import gc
import sys

import pytest

NO_PREVIOUS, SAME, NEW, REUSED, UNRECORDED = 0, 1, 2, 3, 4


def reference_observe(identity, objects, keep):
    """(states, addresses, marks, complete, counts), one object at a time."""
    record = identity._record
    previous_marks = record["marks"]
    has_previous = record["capture"] > 0
    empty = {"same": 0, "new": 0, "reused": 0, "unrecorded": 0}
    if not has_previous and not keep:
        return bytearray(len(objects)), [], [], True, empty
    previous_complete = record["complete"]
    lookup = dict(zip(record["addresses"], range(len(previous_marks)))) if has_previous else {}
    states = bytearray(len(objects))
    addresses = []
    marks = []
    complete = True
    unrecorded = UNRECORDED if has_previous else NO_PREVIOUS
    for position, obj in enumerate(objects):
        if not identity.supports_weak_references(type(obj)):
            states[position] = unrecorded
            continue
        key = id(obj)
        mark = None
        state = NO_PREVIOUS
        if has_previous:
            at = lookup.get(key)
            if at is None:
                state = NEW if previous_complete else UNRECORDED
            else:
                old = previous_marks[at]
                if identity._referent(old) is obj:
                    state = SAME
                    mark = old
                else:
                    state = REUSED
        if keep and len(marks) < identity.LIMIT:
            if mark is None:
                try:
                    mark = identity._Mark(obj)
                except TypeError:
                    states[position] = unrecorded
                    continue
            marks.append(mark)
            addresses.append(key)
        elif keep:
            complete = False
        states[position] = state
    counts = empty
    if has_previous:
        counts = {name: states.count(value) for name, value in
                  (("same", SAME), ("new", NEW), ("reused", REUSED), ("unrecorded", UNRECORDED))}
    return states, addresses, marks, complete, counts


@pytest.fixture
def identity(agent, monkeypatch):
    """The agent's identity module with a record of its own (restored afterwards)."""
    module = sys.modules["_heap_inspector_agent.identity"]
    monkeypatch.setattr(module, "_record", dict(module._record))
    monkeypatch.setattr(module, "_state", dict(module._state))
    module.drop()
    return module


class Weakable:
    pass


class Slotted:  # no __weakref__: never marked
    __slots__ = ("value",)


def function_of(i):
    def inner():
        return i

    return inner


def heap(count):
    """A mix like a capture's nodes: tracked objects, then leaves."""
    tracked, leaves = [], []
    for i in range(count):
        tracked.extend((Weakable(), {"i": i}, [i], function_of(i), Slotted(), {i}))
        leaves.extend((i * 1000 + 7, "s%d" % i, (i, i)))
    return tracked, leaves


def assert_same_as_reference(identity, objects, keep):
    expected_states, expected_addresses, expected_marks, expected_complete, expected_counts = reference_observe(
        identity, objects, keep
    )
    observation = identity.observe(objects, keep)
    assert bytes(observation.states) == bytes(expected_states)
    assert observation.counts == expected_counts
    assert observation._complete is expected_complete
    assert list(observation._addresses) == expected_addresses
    assert len(observation._marks) == len(expected_marks)
    previous = {id(mark) for mark in identity._record["marks"]}
    for mark, expected in zip(observation._marks, expected_marks):
        assert type(mark) is identity._Mark
        assert identity._referent(mark) is identity._referent(expected)
        # A same object keeps its previous mark; every other object gets a new one.
        assert (id(mark) in previous) == (id(expected) in previous)
        if id(expected) in previous:
            assert mark is expected
    return observation


def test_first_capture_with_and_without_keeping(identity):
    tracked, leaves = heap(300)
    objects = tracked + leaves
    kept = assert_same_as_reference(identity, objects, True)
    assert set(kept.states) == {NO_PREVIOUS} and len(kept._marks) == 900  # instance, function, set
    skipped = assert_same_as_reference(identity, objects, False)
    assert skipped._marks == []


def test_same_new_reused_and_unrecorded_objects(identity):
    tracked, leaves = heap(400)
    identity.observe(tracked + leaves, True).commit(True)
    survivors = [obj for obj in tracked if type(obj) is Weakable][:100]
    # Free a block of Weakable instances, then make as many: the allocator hands their memory on.
    freed = 0
    for position, obj in enumerate(tracked):
        if type(obj) is Weakable and all(obj is not kept for kept in survivors):
            tracked[position] = None
            freed += 1
    del obj
    tracked = [Weakable() if obj is None else obj for obj in tracked]
    tracked.extend(Weakable() for _ in range(50))
    tracked.extend(function_of(i) for i in range(50))
    objects = tracked + leaves
    for keep in (True, False):
        observation = assert_same_as_reference(identity, objects, keep)
        counts = observation.counts
        # Every state occurs: the comparison is not passing on a trivial heap.
        assert counts["same"] >= 100 and counts["new"] > 0 and counts["reused"] > 0
        assert counts["unrecorded"] > 0 and counts["same"] + counts["new"] + counts["reused"] > freed
        states = observation.states
        # Ground truth by construction (never by address): the survivors are the same objects.
        positions = {id(obj): position for position, obj in enumerate(objects)}
        assert {states[positions[id(obj)]] for obj in survivors} == {SAME}
        assert {states[positions[id(obj)]] for obj in objects if type(obj) is Slotted} == {UNRECORDED}


def test_limit_cut_and_an_incomplete_previous_record(identity, monkeypatch):
    monkeypatch.setattr(identity, "LIMIT", 70)
    tracked, leaves = heap(100)
    first = assert_same_as_reference(identity, tracked + leaves, True)
    assert first._complete is False and len(first._marks) == 70
    first.commit(True)
    tracked[10:30] = [Weakable() for _ in range(20)]
    tracked.extend(Weakable() for _ in range(30))
    objects = tracked + leaves
    # Beyond the previous record's first 70 objects, nothing can be told new: unrecorded.
    for keep in (True, False):
        observation = assert_same_as_reference(identity, objects, keep)
        assert observation.counts["new"] == 0 and observation.counts["same"] > 0
    assert_same_as_reference(identity, objects, True).commit(True)
    monkeypatch.setattr(identity, "LIMIT", 10000)
    assert_same_as_reference(identity, objects + [Weakable()], True)


def test_exactly_as_many_objects_as_the_limit_is_complete(identity, monkeypatch):
    tracked, leaves = heap(10)
    monkeypatch.setattr(identity, "LIMIT", 30)  # instance, function and set per step
    exact = assert_same_as_reference(identity, tracked + leaves, True)
    assert exact._complete is True and len(exact._marks) == 30
    monkeypatch.setattr(identity, "LIMIT", 29)
    assert assert_same_as_reference(identity, tracked + leaves, True)._complete is False


def test_a_type_that_says_yes_but_refuses(identity, monkeypatch):
    """A type whose weak reference offset is nonzero but that refuses a reference: its objects
    are unrecorded where a mark was to be made, and do not count toward LIMIT."""
    offset = identity._weakref_offset
    monkeypatch.setattr(identity, "_weakref_offset", lambda t: 8 if t is dict else offset(t))
    monkeypatch.setattr(identity, "LIMIT", 500)
    tracked, leaves = heap(150)
    objects = tracked + leaves
    first = assert_same_as_reference(identity, objects, True)
    assert len(first._marks) == 450
    first.commit(True)
    tracked.extend(Weakable() for _ in range(100))
    objects = tracked + leaves
    for keep in (True, False):
        assert_same_as_reference(identity, objects, keep)


def test_no_reference_to_the_objects_is_kept(identity):
    tracked, leaves = heap(50)
    objects = tracked + leaves
    before = [sys.getrefcount(obj) for obj in tracked]
    identity.observe(objects, True).commit(True)
    identity.observe(objects, True).commit(True)
    assert [sys.getrefcount(obj) for obj in tracked] == before
    gc.collect()
    assert gc.collect() == 0
    assert isinstance(identity._record["addresses"], array.array)
