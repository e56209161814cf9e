"""The capture runs no user code, even when the program sets traps for it: dict keys whose hash
collides with every name the agent looks up (their __eq__ records the call), ``__sizeof__`` bound
to built-in callables (``len``, a generator's ``__next__``, another type's C method).  Run through
the runner, on every installed CPython."""
import os
import re

import pytest
from interpreters import interpreters, run_to_line
from snapshot_reader import Snapshot

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "hostile_keys.py")


def _capture_line():
    with open(PROGRAM) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# CAPTURE"):
                return number
    raise AssertionError("no CAPTURE line in " + PROGRAM)


@pytest.mark.parametrize("label,python", interpreters())
def test_hostile_keys_and_sizeof_run_no_user_code(label, python, tmp_path):
    out = str(tmp_path / "capture.heapsnap")
    result = run_to_line(python, PROGRAM, _capture_line(), out)
    assert "calls during capture: 0 []" in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    snapshot = Snapshot(out)
    sizes = {}
    for node in range(snapshot.n):
        name = snapshot.type_name(node)
        if name.startswith("__main__.Sizeof"):
            sizes[name] = snapshot.sections["node.size"][node]
    # The three untrusted __sizeof__ were not called: each instance has its type's basic size.
    assert sorted(sizes) == ["__main__.SizeofBuiltin", "__main__.SizeofMethodWrapper", "__main__.SizeofWrongSlot"]
    assert len(set(sizes.values())) == 1 and 0 < list(sizes.values())[0] <= 64
    assert not [w for w in snapshot.meta["warnings"] if re.search(r"not read|stopped", w)], snapshot.meta["warnings"]
