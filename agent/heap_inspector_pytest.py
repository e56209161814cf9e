"""A pytest plugin that fails a test which leaves memory behind (docs/pytest-gate.md).

Run by ``heap-inspector pytest [--heap-repeat N] [PYTEST ARGS...]``, which loads this file into
pytest without installing anything: ``python -c`` executes it into a fresh module and calls
``main``.  Each test runs once as usual; its outcome is the test's own.  When it passes, it runs N
more times with automatic collection off (and tracemalloc on, for creation lines); what those runs
left is read between sentinels in generation 0 and judged by prediction (gate.py), never by
``gc.collect()``.  The test fails when

- objects made by the first repeat are still alive, and not garbage, after the last one;
- objects with finalizers (``__del__``, a suspended generator) are left in reference cycles;
- an object's finalizer ran and the object is alive again (resurrected);
- the first run added objects to ``gc.garbage`` (uncollectable).

A test that leaves nothing passes exactly as it would without the plugin; a test that fails in a
repeat (it cannot run twice) is not judged, and a warning says so.
"""
import functools
import gc
import os
import sys
import warnings

import pytest

AGENT_DIR = None  # set by main(): the agent package's folder
MAX_LINES = 15
DEFAULT_REPEAT = 2
_state = {"agent": None}


class HeapGateFailure(AssertionError):
    """The gate's verdict; its message is the failure report (at most MAX_LINES lines)."""


class HeapGateWarning(pytest.PytestWarning):
    """The gate could not judge a test."""


def pytest_addoption(parser):
    group = parser.getgroup("heap-inspector", "heap-inspector leak gate")
    group.addoption(
        "--heap-repeat",
        type=int,
        default=DEFAULT_REPEAT,
        metavar="N",
        help="run each passing test N more times and fail it if what the first repeat made survives "
        "the last (0: only cycles with finalizers, resurrection and gc.garbage of the real run)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "no_heap_gate: the heap-inspector gate does not judge this test")
    if _state["agent"] is None:
        namespace = {"__name__": "_heap_inspector_bootstrap"}
        bootstrap = os.path.join(AGENT_DIR, "bootstrap.py")
        with open(bootstrap, "rb") as source:
            exec(compile(source.read(), bootstrap, "exec"), namespace)
        namespace["load_agent"](AGENT_DIR)
        package = sys.modules["_heap_inspector_agent"]
        _state["agent"] = (package.gate, package.gatepaths)
    import tracemalloc  # noqa: F401 - loaded before any test, not inside a measured run


def pytest_collection_modifyitems(items):
    for item in items:
        if isinstance(item, pytest.Function) and item.get_closest_marker("no_heap_gate") is None:
            item.runtest = functools.partial(_gated_run, item, item.runtest)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and isinstance(call.excinfo.value, HeapGateFailure):
        report.longrepr = str(call.excinfo.value)


def _gated_run(item, runtest):
    garbage_before = len(gc.garbage)
    runtest()  # the real run: an exception here is the test's own outcome
    lines = []
    uncollectable = gc.garbage[garbage_before:]
    if uncollectable:
        lines.append("heap-inspector: the test added %d uncollectable object(s) to gc.garbage:" % len(uncollectable))
        lines.extend(_by_type(uncollectable, item))
    del uncollectable
    repeat = item.config.getoption("heap_repeat")
    lines.extend(_repeated(item, runtest, max(repeat, 1), check_survivors=repeat > 0))
    if lines:
        if len(lines) > MAX_LINES:
            lines = lines[: MAX_LINES - 1] + ["  … (%d more lines)" % (len(lines) - MAX_LINES + 1)]
        __tracebackhide__ = True
        raise HeapGateFailure("\n".join(lines))


def _repeated(item, runtest, repeat, check_survivors):
    import tracemalloc

    gate, _paths = _state["agent"]
    enabled = gc.isenabled()
    gc.disable()
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start(25)
    logging = sys.modules.get("logging")
    log_level = logging.root.manager.disable if logging is not None else None
    collections = [s["collections"] for s in gc.get_stats()]
    sentinels = []
    sentinels.append([])  # made after the list that holds it: the first run starts here
    failed = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pytest records warnings: no records pile up
            if logging is not None:
                logging.disable(logging.CRITICAL)  # nor log records in pytest's handlers
            try:
                for _ in range(repeat):
                    try:
                        runtest()
                    except Exception as error:  # noqa: BLE001 - any failure means "cannot repeat"
                        failed = "%s: %s" % (type(error).__name__, error)
                        break
                    sentinels.append([])
            finally:
                if logging is not None:
                    logging.disable(log_level)
        if failed is not None:
            warnings.warn(HeapGateWarning("not judged: the test failed when run again (%s)" % failed[:200]))
            return []
        if [s["collections"] for s in gc.get_stats()] != collections:
            warnings.warn(HeapGateWarning("not judged: the test ran the collector itself"))
            return []
        return _judge(item, gate, sentinels, check_survivors)
    finally:
        del sentinels
        if not tracing:
            tracemalloc.stop()
        if enabled:
            gc.enable()


def _judge(item, gate, sentinels, check_survivors):
    regions = gate.Regions(sentinels)
    if not regions.complete:
        warnings.warn(HeapGateWarning("not judged: the objects of the runs could not be told apart"))
        return []
    first = set(map(id, regions.runs[0]))
    everything = [obj for run in regions.runs for obj in run]
    del regions
    garbage = gate.predict_garbage(everything)
    finalizers = [o for o, g in zip(everything, garbage) if g and gate.has_finalizer(o)]
    resurrected = [o for o, g in zip(everything, garbage) if not g and gate.is_finalized(o)]
    survivors = [o for o, g in zip(everything, garbage) if not g and id(o) in first] if check_survivors else []
    del everything, garbage
    lines = []
    if survivors:
        runs = len(sentinels) - 1
        lines.append(
            "heap-inspector: %d object(s) made by the test survive %d more run(s) of it (nothing was collected; "
            "what is alive is not garbage):" % (len(survivors), runs)
        )
        lines.extend(_held(survivors, item))
    if finalizers:
        lines.append(
            "heap-inspector: the test leaves %d object(s) with finalizers in reference cycles (they run whenever "
            "the collector next runs):" % len(finalizers)
        )
        lines.extend(_by_type(finalizers, item, " in a reference cycle"))
    if resurrected:
        lines.append("heap-inspector: %d object(s) were resurrected by their finalizer:" % len(resurrected))
        lines.extend(_by_type(resurrected, item))
    return lines


def _held(objects, item):
    """Survivors grouped by type and by what holds them, most first."""
    gate, gatepaths = _state["agent"]
    paths = gatepaths.ModulePaths(objects)
    ids = set(map(id, objects))
    groups = {}
    for obj in objects:
        holder = paths.holder(obj)
        if holder is not None and id(holder) in ids and type(holder) not in gatepaths.CONTAINERS:
            continue  # part of another survivor (its __dict__, its attributes' values)
        if holder is not None and type(holder) in gatepaths.CONTAINERS and not _is_namespace(holder, paths):
            where = paths.path(holder)
        else:
            where = paths.path(obj)
        key = (gate.type_name(obj), where or "<not reached from any module: a frame, a thread or C code holds it>")
        entry = groups.setdefault(key, [0, _creation(obj, item)])
        entry[0] += 1
    paths.release()
    ordered = sorted(groups.items(), key=lambda pair: -pair[1][0])
    return [
        "  %d × %s held by %s%s" % (count, name, where, _at(site)) for (name, where), (count, site) in ordered[:6]
    ]


def _is_namespace(holder, paths):
    """A dict that is some object's or module's namespace: its entries are attributes."""
    if type(holder) is not dict:
        return False
    owner = paths.holder(holder)
    return owner is not None and type(owner) is not dict and type(owner) not in (list, tuple, set, frozenset)


def _by_type(objects, item, suffix=""):
    gate, _paths = _state["agent"]
    groups = {}
    for obj in objects:
        entry = groups.setdefault(gate.type_name(obj), [0, _creation(obj, item)])
        entry[0] += 1
    ordered = sorted(groups.items(), key=lambda pair: -pair[1][0])
    return ["  %d × %s%s%s" % (count, name, suffix, _at(site)) for name, (count, site) in ordered[:4]]


def _creation(obj, item):
    """``file:line`` that made ``obj``: the innermost frame under the test's root folder, else the
    innermost one; None when tracemalloc did not see it made (objects from a free list)."""
    frames = sys.modules["_heap_inspector_agent.allocations"].process_sites().frames(obj)
    if not frames:
        return None
    root = str(item.config.rootpath) + os.sep
    chosen = next((f for f in frames if type(f[0]) is str and f[0].startswith(root)), frames[0])
    filename, line = chosen
    if filename.startswith(root):
        filename = filename[len(root) :]
    return "%s:%d" % (filename, line)


def _at(site):
    return " (created at %s)" % site if site else ""


def main(module):
    """``python -c`` entry: ``sys.argv`` is ``[-c, THIS_FILE, AGENT_DIR, PYTEST ARGS...]``."""
    global AGENT_DIR
    AGENT_DIR = sys.argv[2]
    args = sys.argv[3:]
    sys.argv[1:] = args
    # As ``python -m pytest`` has it: the current folder first on the path.
    sys.path[0] = os.getcwd()
    sys.modules.setdefault(module.__name__, module)
    raise SystemExit(pytest.main(args, plugins=[module]))

