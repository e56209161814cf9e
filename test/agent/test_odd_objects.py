"""One odd object never loses a capture: an object whose type has no MRO at that moment (what a
class being built, or a C type not fully initialised, looks like) is captured with its type's
details left out, one warning line says so with a count, and the prediction is still what the
collector finds.  On every installed CPython."""
import os
import re

import pytest
from interpreters import interpreters, run_to_line
from snapshot_reader import Snapshot

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "odd_type.py")


def _capture_line():
    with open(PROGRAM) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# CAPTURE"):
                return number
    raise AssertionError("no CAPTURE line")


@pytest.mark.parametrize("label,python", interpreters())
def test_type_without_mro(label, python, tmp_path):
    out = str(tmp_path / "capture.heapsnap")
    result = run_to_line(python, PROGRAM, _capture_line(), out)
    assert result.returncode == 0, result.stderr
    assert "heap-inspector" not in result.stderr, result.stderr
    found = int(re.search(r"^found (\d+)$", result.stderr, re.M).group(1))
    snapshot = Snapshot(out)
    assert snapshot.heap_warnings() == [
        "1 type(s) without an MRO (not fully initialised): their type details were left out"
    ]
    unreachable = snapshot.predict_unreachable(2)
    assert "__main__.Odd" in [snapshot.type_name(n) for n in unreachable]
    assert len(unreachable) == found
