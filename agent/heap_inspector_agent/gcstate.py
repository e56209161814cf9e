"""The collector's settings, as the snapshot records them."""
import gc

from . import builtin_types as bt
from . import compat


# What the runner knows about the collector's schedule in this run: {"exact": bool, "reasons":
# [str]} (heap_inspector_run.py sets it before a capture); None when the agent was not loaded by
# the runner (a debugger capture: the program was started by python itself).
SCHEDULE = None


def read_state():
    thresholds = list(gc.get_threshold())
    pending = _pending_schedule_state()
    if pending is not None:
        thresholds[0] = pending["threshold"]  # the program's own threshold, not the compensated one
    state = {
        "enabled": gc.isenabled(),
        "counts": program_counts(gc.get_count()),
        "thresholds": thresholds,
        "debug": gc.get_debug(),
        "garbage": len(gc.garbage),
        "frozen": gc.get_freeze_count() if compat.HAS_FREEZE else 0,
        "generations": compat.NUM_GENERATIONS,
        "incremental": compat.INCREMENTAL_GC,
    }
    if SCHEDULE is not None:
        state["schedule"] = SCHEDULE
    return state


def program_counts(counts):
    """``counts`` as the program's own: generation 0's less what a pending compensation added (the
    threshold is raised by the same amount until the next collection, see below)."""
    counts = list(counts)
    pending = _pending_schedule_state()
    if pending is not None:
        counts[0] -= pending["added"]
    return counts


# -- keeping the collector's schedule ---------------------------------------------------------
# The agent (and the runner, before the program starts) allocates objects the program would not
# have: they advance generation 0's allocation count and would make the next automatic collection
# come sooner than without the agent (running finalizers earlier, changing what a later capture
# sees).  So the generation-0 threshold is raised by exactly what was added, and a one-shot gc
# callback puts it back when the next collection ends: the program's collections happen after
# the same number of its own allocations as under plain python.
#
# The runner (heap_inspector_run.py) installs the same callback before the program starts; it is
# found by its name and shares its state through its default argument, so both add up.
SCHEDULE_CALLBACK_NAME = "heap_inspector_keep_schedule"


def _pending_schedule_state():
    """The state of a pending compensation (the runner's or ours), or None."""
    for callback in gc.callbacks:
        if type(callback) is bt.FunctionType and _qualname(callback) == SCHEDULE_CALLBACK_NAME:
            defaults = bt.FunctionType.__dict__["__defaults__"].__get__(callback)
            if defaults and type(defaults[0]) is dict:
                return defaults[0]
    return None


# One callback and one state for the agent's whole life: creating a function per capture would
# itself change the heap (every function references its globals and builtins).
_state = {"threshold": 0, "added": 0}


def heap_inspector_keep_schedule(phase, _info, state=_state):
    if phase != "stop":
        return
    current = gc.get_threshold()
    if current[0] == state["threshold"] + state["added"]:
        gc.set_threshold(state["threshold"], current[1], current[2])
    for index, callback in enumerate(gc.callbacks):
        if callback is heap_inspector_keep_schedule:
            del gc.callbacks[index]
            break


def _schedule_state():
    """The pending compensation's state dict, installing the agent's callback if none is."""
    state = _pending_schedule_state()
    if state is not None:
        return state
    _state["threshold"] = gc.get_threshold()[0]
    _state["added"] = 0
    gc.callbacks.append(heap_inspector_keep_schedule)
    return _state


def _qualname(function):
    return bt.FunctionType.__dict__["__qualname__"].__get__(function)


def keep_schedule(count_before):
    """Compensate generation 0's count for what was allocated since ``count_before``."""
    if compat.INCREMENTAL_GC:
        return  # 3.14+: the young generation is scheduled differently; see docs/versions.md
    if gc.get_threshold()[0] == 0:
        return  # automatic collection is off: there is no schedule to keep
    state = _schedule_state()
    added = gc.get_count()[0] - count_before
    if added <= 0:
        return
    state["added"] += added
    current = gc.get_threshold()
    gc.set_threshold(state["threshold"] + state["added"], current[1], current[2])
