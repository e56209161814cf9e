"""A program's audit hook that refuses ctypes operations switches the memory reader off; the
capture still succeeds, and the warning names the refused event instead of blaming the version."""
import os

import pytest
from interpreters import interpreters, run_to_line
from snapshot_reader import Snapshot

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "audit_deny.py")


def _capture_line():
    with open(PROGRAM) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# CAPTURE"):
                return number
    raise AssertionError("no CAPTURE line")


@pytest.mark.parametrize(
    "refused,event", [("ctypes", "ctypes.cdata"), ("ctypes.PyObj_FromPtr", "ctypes.PyObj_FromPtr")]
)
@pytest.mark.parametrize("label,python", interpreters())
def test_audit_hook_refusal_is_named(label, python, refused, event, tmp_path):
    out = str(tmp_path / "capture.heapsnap")
    result = run_to_line(python, PROGRAM, _capture_line(), out, args=[refused])
    assert result.returncode == 0, result.stderr
    snapshot = Snapshot(out)
    names = [snapshot.type_name(n) for n in snapshot.predict_unreachable(2)]
    assert names.count("__main__.Connection") == 1
    warnings = snapshot.heap_warnings()
    version = tuple(int(part) for part in label.split("-")[0].split(".")[:2])
    if event == "ctypes.PyObj_FromPtr" and version < (3, 11):
        # Before 3.11 no name needs an object taken from an address: nothing was refused.
        assert warnings == []
        return
    assert warnings, "the refusal must be reported"
    for warning in warnings:
        assert "an audit hook refused " + event in warning, warnings
        assert "layout" not in warning and "Python %s" % label.split("-")[0] not in warning, warnings
