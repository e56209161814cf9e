"""The collector's settings, as the snapshot records them."""
import gc

from . import compat


def read_state():
    return {
        "enabled": gc.isenabled(),
        "counts": list(gc.get_count()),
        "thresholds": list(gc.get_threshold()),
        "debug": gc.get_debug(),
        "garbage": len(gc.garbage),
        "frozen": gc.get_freeze_count() if compat.HAS_FREEZE else 0,
        "generations": compat.NUM_GENERATIONS,
        "incremental": compat.INCREMENTAL_GC,
    }


# -- keeping the collector's schedule ---------------------------------------------------------
# The first capture in a process leaves the agent's modules behind: a few hundred tracked
# objects that advance generation 0's allocation count and would make the next automatic
# collection come sooner than it would have without the agent (running finalizers earlier,
# changing what a later capture sees).  So the agent raises the generation-0 threshold by
# exactly what it added, and a one-shot gc callback puts the threshold back when the next
# collection ends.  From the program's point of view the collector keeps its schedule.
_compensation = {"added": 0, "threshold": None, "callback": None}


def keep_schedule(count_before):
    """Compensate the generation-0 count for what the agent left allocated since
    ``count_before`` (the count when the capture started)."""
    if compat.INCREMENTAL_GC:
        return  # 3.14+: the young generation's schedule works differently; see docs/versions.md
    threshold0, threshold1, threshold2 = gc.get_threshold()
    if threshold0 == 0:
        return  # automatic collection is off: there is no schedule to keep
    if _compensation["callback"] is None:
        _compensation["callback"] = _restore_after_collection
    if _compensation["callback"] not in gc.callbacks:
        gc.callbacks.append(_compensation["callback"])
        _compensation["added"] = 0
        _compensation["threshold"] = threshold0
    added = gc.get_count()[0] - count_before
    if added <= 0:
        return
    _compensation["added"] += added
    gc.set_threshold(_compensation["threshold"] + _compensation["added"], threshold1, threshold2)


def _restore_after_collection(phase, _info):
    if phase != "stop":
        return
    original = _compensation["threshold"]
    current = gc.get_threshold()
    if original is not None and current[0] == original + _compensation["added"]:
        gc.set_threshold(original, current[1], current[2])
    _compensation["added"] = 0
    _compensation["threshold"] = None
    callback = _compensation["callback"]
    if callback in gc.callbacks:
        gc.callbacks.remove(callback)
