"""``__del__ = None`` still gives a class a finalizer (it raises TypeError when the collector runs
it): the snapshot marks such types, counts their objects' finalizers as pending, and the real
collector agrees -- with automatic collection on and off, on every installed CPython."""
import json
import os

import pytest
from interpreters import interpreters, run_to_line
from snapshot_reader import Snapshot

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "del_none.py")
HAS_FINALIZER = 1 << 0
PYTHON_DEL = 1 << 1
DEL_IS_NONE = 1 << 5


def _capture_line():
    with open(PROGRAM) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# CAPTURE"):
                return number
    raise AssertionError("no CAPTURE line")


@pytest.mark.parametrize("automatic", ["on", "off"])
@pytest.mark.parametrize("label,python", interpreters())
def test_del_none_is_a_pending_finalizer_that_raises(label, python, automatic, tmp_path):
    out = str(tmp_path / "capture.heapsnap")
    result = run_to_line(python, PROGRAM, _capture_line(), out, args=[automatic])
    assert result.returncode == 0, result.stderr
    real = json.loads(result.stdout.strip().splitlines()[-1])
    snapshot = Snapshot(out)
    flags = {t["name"]: t["flags"] for t in snapshot.types}
    for name in ("__main__.DelNone", "__main__.Child"):
        assert flags[name] & (HAS_FINALIZER | DEL_IS_NONE | PYTHON_DEL) == HAS_FINALIZER | DEL_IS_NONE, name
    assert flags["__main__.Restored"] & (HAS_FINALIZER | DEL_IS_NONE | PYTHON_DEL) == HAS_FINALIZER | PYTHON_DEL
    unreachable = snapshot.predict_unreachable(2)
    predicted = {}
    for node in unreachable:
        short = snapshot.type_name(node).rsplit(".", 1)[-1]
        predicted[short] = predicted.get(short, 0) + 1
    assert predicted == real["collectable"]
    raising = [n for n in unreachable if snapshot.types[snapshot.type[n]]["flags"] & DEL_IS_NONE]
    assert len(raising) == len(real["raised"]) == 4
    assert set(real["raised"]) == {"TypeError: 'NoneType' object is not callable"}

