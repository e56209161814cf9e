"""The whole snapshot is the same with either kernel: every scenario of test/programs/scenarios (and the
odd and hostile heaps of the agent tests' programs), captured
from one heap by the pure-Python kernel and by the native one (test/programs/agent/accel_snapshot_driver.py
forks both captures from the same process at the scenario's line), compared field by field --
every column value, label, key, string, type, frame, finalizer, root, count and warning -- on
every installed CPython 3.8-3.13 (and Debian's 3.11), each also under PYTHONMALLOC=debug and
-X dev, and on Debian's debug build (python3.11-dbg).

Left out of the comparison, because they are no part of the heap: the capture's timings, pid and
kernel record, the accelerator's warning line, and the agent's own objects (excluded.address).
"""
import json
import os
import subprocess

import pytest

from interpreters import ROOT, interpreters

AGENT = os.path.join(ROOT, "agent", "heap_inspector_agent")
BUILDER = os.path.join(ROOT, "agent", "accel", "build_accel.py")
SCENARIOS = os.path.join(ROOT, "test", "programs", "scenarios")
PROGRAMS = os.path.join(ROOT, "test", "programs", "agent")
DRIVER = os.path.join(PROGRAMS, "accel_snapshot_driver.py")
# The agent tests' programs of odd and hostile heaps, captured at their "# CAPTURE" line.
ODD_PROGRAMS = ("odd_type.py", "hostile_keys.py", "thread_locals.py")
DEBUG_BUILD = "/usr/bin/python3.11d"


def _interpreters():
    """[(label, python, env, flags)]: each interpreter plain, each pyenv version also with the
    debug allocator and in development mode, and the debug build."""
    cases = []
    for label, python in interpreters():
        if label.endswith("-32bit"):
            continue
        cases.append((label, python, {}, []))
        if "/.pyenv/" in python:
            cases.append((label + "-malloc-debug", python, {"PYTHONMALLOC": "debug"}, []))
            cases.append((label + "-dev", python, {}, ["-X", "dev"]))
    if os.path.exists(DEBUG_BUILD):
        cases.append(("3.11-debug-build", DEBUG_BUILD, {}, []))
    return cases


def _capture_line(path):
    with open(path) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# CAPTURE"):
                return number
    raise AssertionError("no CAPTURE line in %s" % path)


def _scenarios():
    """[(folder, name, at, hit)]: each scenario's line and every hit its expectations use, then
    the odd programs'."""
    with open(os.path.join(SCENARIOS, "expected.json")) as f:
        expected = json.load(f)["scenarios"]
    runs = [
        (SCENARIOS, name, entry["at"], hit)
        for name, entry in sorted(expected.items())
        for hit in sorted({run["hit"] for run in entry["runs"]})
    ]
    for name in ODD_PROGRAMS:
        runs.append((PROGRAMS, name, "%s:%d" % (name, _capture_line(os.path.join(PROGRAMS, name))), 1))
    return runs


INTERPRETERS = _interpreters()
SCENARIO_RUNS = _scenarios()
_built = {}


@pytest.fixture(scope="module")
def build_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("accel")


def build(python, folder):
    """The accelerator built by ``python`` with its own compiler and headers (once each)."""
    if python not in _built:
        out = os.path.join(str(folder), "accel-%d.so" % len(_built))
        result = subprocess.run([python, "-I", BUILDER, "build", out, "test"], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, "%s could not build the accelerator: %s" % (python, result.stderr)
        _built[python] = out
    return _built[python]


@pytest.mark.parametrize(
    "label,python,env,flags", INTERPRETERS, ids=[case[0] for case in INTERPRETERS]
)
@pytest.mark.parametrize(
    "folder,scenario,at,hit", SCENARIO_RUNS, ids=["%s@%d" % (name, hit) for _f, name, _at, hit in SCENARIO_RUNS]
)
def test_both_kernels_write_the_same_snapshot(folder, scenario, at, hit, label, python, env, flags, build_folder, tmp_path):
    accelerator = build(python, build_folder)
    result = subprocess.run(
        [python] + flags + [DRIVER, AGENT, accelerator, str(tmp_path), scenario, at, str(hit)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=folder,
        env=dict(os.environ, **env),
    )
    lines = result.stdout.strip().splitlines()
    assert lines, "no report: %s" % result.stderr[-2000:]
    report = json.loads(lines[-1])
    assert report.get("problem") is None, "%s\n%s" % (report["problem"], result.stderr[-2000:])
    assert report["kernels"] == ["python", "native"], report
    assert report["sections"] > 20, report
    assert report["differences"] == []
