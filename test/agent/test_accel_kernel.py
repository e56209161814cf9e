"""The native kernel (agent/accel/) gives exactly what the pure-Python kernel (kernel_py.py) gives,
function by function, on real heaps: every installed CPython 3.8-3.13 (and Debian's 3.11), under
PYTHONMALLOC=debug and -X dev, and on Debian's debug build (python3.11-dbg).

Each case builds the accelerator with that interpreter's own compiler and headers
(build_accel.py) and runs test/programs/agent/accel_kernel_driver.py, which compares results value by value,
in order, with their array typecodes.
"""
import json
import os
import subprocess
import sys

import pytest

from interpreters import ROOT, interpreters

AGENT = os.path.join(ROOT, "agent", "heap_inspector_agent")
BUILDER = os.path.join(ROOT, "agent", "accel", "build_accel.py")
DRIVER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "accel_kernel_driver.py")
DEBUG_BUILD = "/usr/bin/python3.11d"
FUNCTIONS = {
    "addresses",
    "type_addresses",
    "refcounts",
    "sizes",
    "walk",
    "walk.leaves",
    "walk.seen",
    "dict_keys",
    "without",
    "type_indices",
    "type_bytes",
    "label_facts",
    "member_labels",
    "deflate",
    "json_strings",
    "merge_u32",
    "identity_match",
    "long_texts",
    "new_type_positions",
    "string_indices",
}

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(AGENT, "kernel_py.py")), reason="the kernel contract (kernel_py.py) is not here"
)


def _cases():
    cases = [(label, python, {}, []) for label, python in interpreters() if not label.endswith("-32bit")]
    cases.append(("%d.%d-malloc-debug" % sys.version_info[:2], sys.executable, {"PYTHONMALLOC": "debug"}, []))
    cases.append(("%d.%d-dev" % sys.version_info[:2], sys.executable, {}, ["-X", "dev"]))
    oldest = [python for label, python in interpreters() if label.startswith("3.8.")]
    if oldest:
        cases.append(("3.8-dev-malloc-debug", oldest[0], {"PYTHONMALLOC": "debug"}, ["-X", "dev"]))
    if os.path.exists(DEBUG_BUILD):
        cases.append(("3.11-debug-build", DEBUG_BUILD, {}, []))
    return cases


CASES = _cases()
_built = {}


def build(python, folder):
    """The accelerator built by ``python`` (once per interpreter in this session)."""
    if python not in _built:
        out = os.path.join(str(folder), "accel-%d.so" % len(_built))
        result = subprocess.run(
            [python, "-I", BUILDER, "build", out, "test"], capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, "%s could not build the accelerator: %s" % (python, result.stderr)
        _built[python] = out
    return _built[python]


@pytest.fixture(scope="module")
def build_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("accel")


@pytest.mark.parametrize("label,python,env,flags", CASES, ids=[case[0] for case in CASES])
def test_native_kernel_matches_pure_kernel(label, python, env, flags, build_folder):
    accelerator = build(python, build_folder)
    result = subprocess.run(
        [python] + flags + [DRIVER, AGENT, accelerator],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, **env),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"], report["problem"]
    assert FUNCTIONS <= set(report["checked"]), report["checked"]
    assert report["mismatches"] == []


RECORDS_DRIVER = os.path.join(os.path.dirname(DRIVER), "accel_records_driver.py")
NATIVE = [(label, python) for label, python in interpreters() if not label.endswith("-32bit")]


@pytest.mark.parametrize("label,python", NATIVE, ids=[case[0] for case in NATIVE])
def test_native_object_records_match_the_python_ones(label, python, build_folder):
    """object_records: the same kinds and names, and the string table left in the same state
    (the same text objects, in the same order, at the same indices), for crafted groups (indices
    out of u32, texts new and known before and after a flush, odd names the native kernel leaves
    to Python before adding any text) and for this heap's labels; the usual groups done natively."""
    accelerator = build(python, build_folder)
    result = subprocess.run([python, RECORDS_DRIVER, AGENT, accelerator], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"], report["problem"]
    assert report["mismatches"] == []
    assert report["checked"] > 30 and report["native"] > 15, report
