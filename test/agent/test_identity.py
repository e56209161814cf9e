"""Identity across captures of one process: a batch of objects replaced at every hit, whose
memory the allocator hands to the next batch, must read as new, and the objects kept across hits
as the same, on every installed CPython.  Ground truth is a serial number each object gets when
it is made, never its address."""
import os
import subprocess
import textwrap

import pytest

from interpreters import RUNNER, interpreters
from snapshot_reader import Snapshot

NO_PREVIOUS, SAME, NEW, REUSED, UNRECORDED = 0, 1, 2, 3, 4

# Each new batch makes all its objects before any of their attributes.  On CPython 3.8-3.10 an
# Item (48 bytes with its GC header), the 40-byte value array of its __dict__ and a Plain share
# pymalloc's 48-byte size class.  The old batch, freed, leaves that class's free list as Item,
# values, Item, values...  Made one at a time (object, then values), a new batch takes it in the
# same alternation, so either every new Item lands on an old Item or every one on an old value
# array, decided by the parity of the other 48-byte blocks handed out first, which anything in
# the process shifts (the capture's own temporaries, the length of an environment variable).
# Made objects first, the new Items take about every other block of that list whatever its
# parity, so memory is reused at every hit on every version and the check below cannot pass
# by chance.
PROGRAM = textwrap.dedent(
    """
    import gc
    import sys

    gc.{automatic}()
    serials = iter(range(1000000))
    alive = [0]

    class Item:
        def __init__(self):
            self.serial = next(serials)
            alive[0] += 1

        def __del__(self):
            alive[0] -= 1

    class Plain:
        __slots__ = ("serial",)  # no weak references: the engine infers these

        def __init__(self):
            self.serial = next(serials)

    kept = [Item() for _ in range(30)]
    batch = None
    plains = None
    for step in range(5):
        batch = None  # freed first: the next batch gets its memory
        plains = None
        batch = [Item.__new__(Item) for _ in range(1000)]  # all the objects first,
        for item in batch:  # then their attributes
            item.__init__()
        item = None
        plains = [Plain() for _ in range(50)]
        kept.append(Item())
        step = step  # capture here
    batch = None
    # The agent's weak references kept nothing alive: every Item of the old batches is gone.
    print("alive", alive[0], len(kept) + 0)
    """
)
CAPTURE_LINE = PROGRAM.splitlines().index("    step = step  # capture here") + 1


def _serials(snapshot):
    """node -> serial of every Item and Plain (the int its ``serial`` attribute refers to)."""
    found = {}
    for node in range(snapshot.n):
        if snapshot.type_name(node) not in ("__main__.Item", "__main__.Plain"):
            continue
        targets = list(snapshot.edges(node))
        # The attribute may hang off the instance's __dict__ (3.8-3.10) or the instance itself.
        for target, _kind, name in list(targets):
            if snapshot.type_name(target) == "builtins.dict":
                targets.extend(snapshot.edges(target))
        for target, _kind, name in targets:
            if name == "serial" and snapshot.type_name(target) == "builtins.int":
                found[node] = int(snapshot.strings[snapshot.name[target]])
    return found


@pytest.mark.parametrize("automatic", ["enable", "disable"])
@pytest.mark.parametrize("label,python", interpreters())
def test_replaced_batches_are_new_and_kept_objects_the_same(label, python, automatic, tmp_path):
    script = tmp_path / "churn.py"
    script.write_text(PROGRAM.format(automatic=automatic))
    out = str(tmp_path / "hit{hit}.heapsnap")
    run = subprocess.run(
        [python, RUNNER, "run", "--at", "%s:%d" % (script, CAPTURE_LINE), "--hits", "2,3,4", "--out", out, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["alive", "35", "35"], run.stdout
    snapshots = [Snapshot(out.replace("{hit}", str(hit))) for hit in (2, 3, 4)]
    first = snapshots[0]
    assert set(first.sections["node.identity"]) == {NO_PREVIOUS}
    assert first.sections["identity"]["previous"] is None
    reused_per_hit = []
    for before, after in zip(snapshots, snapshots[1:]):
        reused_total = 0
        section = after.sections["identity"]
        assert section["process"] == before.sections["identity"]["process"]
        assert section["previous"] == before.sections["identity"]["capture"]
        states = after.sections["node.identity"]
        assert len(states) == after.n
        serial_before = _serials(before)
        earlier = {serial: int(before.address[node]) for node, serial in serial_before.items()}
        item_addresses_before = {
            int(before.address[node]) for node in serial_before if before.type_name(node) == "__main__.Item"
        }
        for node, serial in _serials(after).items():
            state = states[node]
            if after.type_name(node) == "__main__.Plain":
                assert state == UNRECORDED, (serial, state)
                continue
            if serial in earlier:
                assert state == SAME, (serial, state)
            else:
                assert state in (NEW, REUSED), (serial, state)
                # REUSED exactly when an Item of the previous capture had this address.
                took_memory = int(after.address[node]) in item_addresses_before
                assert (state == REUSED) == took_memory, (serial, state)
                reused_total += took_memory
        reused_per_hit.append(reused_total)
    # At every hit the allocator did hand freed Items' memory to new ones: the test is not
    # passing by chance.
    assert min(reused_per_hit) >= 30 and sum(reused_per_hit) >= 100, reused_per_hit


def test_record_is_dropped_after_the_last_hit_and_costs_a_bounded_amount(tmp_path):
    python = interpreters()[0][1]
    script = tmp_path / "churn.py"
    script.write_text(PROGRAM.format(automatic="enable"))
    out = str(tmp_path / "hit{hit}.heapsnap")
    run = subprocess.run(
        [python, RUNNER, "run", "--at", "%s:%d" % (script, CAPTURE_LINE), "--hits", "1,2", "--out", out, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    kept = Snapshot(out.replace("{hit}", "1")).sections["identity"]
    last = Snapshot(out.replace("{hit}", "2")).sections["identity"]
    assert kept["kept"] > 330 and kept["recordBytes"] >= kept["kept"] * kept["bytesPerObject"] > 0
    assert kept["bytesPerObject"] <= 128
    assert last["kept"] == 0 and last["recordBytes"] == 0


def test_a_capture_without_a_previous_one_says_so(agent, snapshot_path):
    # Earlier captures of this process may have kept a record: one that keeps none drops it.
    agent.capture_to_file(snapshot_path, keep_identity=False)
    agent.capture_to_file(snapshot_path, keep_identity=False)
    snapshot = Snapshot(snapshot_path)
    assert snapshot.sections["identity"]["previous"] is None
    assert set(snapshot.sections["node.identity"]) == {NO_PREVIOUS}


def test_the_marks_are_never_captured_and_leave_no_garbage(agent, tmp_path):
    import gc

    class Held:
        pass

    held = [Held() for _ in range(50)]
    gc.collect()
    first, second = str(tmp_path / "a.heapsnap"), str(tmp_path / "b.heapsnap")
    agent.capture_to_file(first, keep_identity=True)
    agent.capture_to_file(second, keep_identity=False)
    snapshot = Snapshot(second)
    names = [snapshot.type_name(node) for node in range(snapshot.n)]
    assert not any("_Mark" in name for name in names)
    held_nodes = {snapshot.by_address[id(item)] for item in held}
    assert not held_nodes & set(snapshot.sections["weakref.referent"])
    states = snapshot.sections["node.identity"]
    held_states = {states[node] for node in held_nodes}
    assert held_states == {SAME}
    assert gc.collect() == 0
    assert os.path.getsize(second) > 0


QUIET_PROGRAM = textwrap.dedent(
    """
    class Item:
        pass

    kept = []
    for step in range(3):
        kept.append(Item())
        step = step  # capture here
    """
)


def test_what_the_agent_made_at_the_first_capture_stays_out_of_the_next(tmp_path):
    """The first capture loads the agent (its bootstrap's code, a gc module the program never
    imported), and leaves all of it out: none of it may appear in the next capture as new."""
    python = interpreters()[0][1]
    script = tmp_path / "quiet.py"
    script.write_text(QUIET_PROGRAM)
    line = QUIET_PROGRAM.splitlines().index("    step = step  # capture here") + 1
    out = str(tmp_path / "hit{hit}.heapsnap")
    run = subprocess.run(
        [python, RUNNER, "run", "--at", "%s:%d" % (script, line), "--hits", "1,2", "--out", out, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    second = Snapshot(out.replace("{hit}", "2"))
    states = second.sections["node.identity"]
    found = []
    for node in range(second.n):
        if states[node] not in (NEW, REUSED):
            continue  # in the first capture too: not made by the agent's loading
        name = second.strings[second.name[node]]
        kind = second.type_name(node)
        if kind == "builtins.code" and name in ("load_agent", "set_data", "NoBytecodeLoader"):
            found.append((kind, name))
        if kind == "builtins.builtin_function_or_method" and name in ("get_referents", "get_objects"):
            found.append((kind, name))
        if kind == "builtins.module" and name == "gc":
            found.append((kind, name))
    assert found == []


def test_the_record_stops_at_its_limit_and_says_so(agent, tmp_path):
    import sys

    identity = sys.modules["_heap_inspector_agent.identity"]
    limit = identity.LIMIT
    first, second = str(tmp_path / "a.heapsnap"), str(tmp_path / "b.heapsnap")
    try:
        identity.LIMIT = 20
        agent.capture_to_file(first, keep_identity=True)
        agent.capture_to_file(second, keep_identity=False)
    finally:
        identity.LIMIT = limit
    kept = Snapshot(first).sections["identity"]
    assert kept["kept"] == 20 and kept["complete"] is False
    assert kept["recordBytes"] < 20 * 200
    later = Snapshot(second)
    counts = later.sections["identity"]["counts"]
    # Objects with weak references beyond the first 20 cannot be told new or same: unrecorded.
    assert counts["same"] <= 20 and counts["new"] == 0
    assert counts["unrecorded"] > later.n // 2
