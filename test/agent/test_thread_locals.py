"""Locals of other threads' frames: their slots are read from memory while those threads may run,
so a slot's address is taken as an object only when it is an object the capture already holds
(then it is alive, whatever the thread does).  The capturing thread's own frames cannot change
meanwhile: their locals are taken with their reference in one step.  On every installed CPython."""
import os

import pytest
from interpreters import interpreters, run_to_line
from snapshot_reader import Snapshot

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "thread_locals.py")
FRAME_LOCAL = 2


def _capture_line():
    with open(PROGRAM) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# CAPTURE"):
                return number
    raise AssertionError("no CAPTURE line")


@pytest.mark.parametrize("label,python", interpreters())
def test_other_threads_locals_only_as_held_objects(label, python, tmp_path):
    out = str(tmp_path / "capture.heapsnap")
    result = run_to_line(python, PROGRAM, _capture_line(), out)
    assert result.returncode == 0, result.stderr
    snapshot = Snapshot(out)
    s = snapshot.sections
    locals_by_frame = {}
    for kind, node, name, frame in zip(s["root.kind"], s["root.node"], s["root.name"], s["root.frame"]):
        if kind == FRAME_LOCAL:
            locals_by_frame.setdefault(frame, {})[snapshot.strings[name]] = snapshot.type_name(node)
    paused = s["frames"]["paused"][0]["node"]
    thread = [t for t in s["frames"]["threads"] if t["name"] == "worker-thread"][0]
    worker = [f for f in thread["frames"] if f["function"] == "worker"][0]["node"]
    # The capturing thread's frame: both locals, the untracked int too.
    assert locals_by_frame[paused]["main_items"] == "builtins.list"
    assert locals_by_frame[paused]["main_number"] == "builtins.int"
    # The other thread's frame: the list (a node of the heap), not the int nothing else holds --
    # except before 3.11, where a frame's traverse visits its locals: the int is then a referent
    # of the frame, an object the capture holds.
    assert locals_by_frame[worker]["worker_items"] == "builtins.list"
    version = tuple(int(part) for part in label.split("-")[0].split(".")[:2])
    if version < (3, 11):
        assert locals_by_frame[worker]["worker_number"] == "builtins.int"
    else:
        assert "worker_number" not in locals_by_frame[worker]
