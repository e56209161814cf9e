"""The debugger hook passes the extension's accelerator argument to the agent: the build that
fits this interpreter is found in the folders given (accel_loader.find), and the hook's answer
says whether the native kernel read the heap and which interpreter this is; without one, the
snapshot says why in one line.  On every installed CPython that can build the accelerator."""
import json
import os
import subprocess

import pytest

from interpreters import ROOT, interpreters

AGENT = os.path.join(ROOT, "agent", "heap_inspector_agent")
BUILDER = os.path.join(ROOT, "agent", "accel", "build_accel.py")
DRIVER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "accel_hook_driver.py")
PREFIX = "the native accelerator was not used ("
CASES = [(label, python) for label, python in interpreters() if "32bit" not in label]


@pytest.mark.parametrize("label,python", CASES, ids=[label for label, _ in CASES])
def test_the_hook_finds_the_build_for_its_interpreter(label, python, tmp_path):
    os.chmod(str(tmp_path), 0o700)
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    suffix = subprocess.run(
        [python, "-c", "import _imp; print(_imp.extension_suffixes()[0])"], capture_output=True, text=True
    ).stdout.strip()
    built = subprocess.run(
        [python, "-I", BUILDER, "build", str(folder / ("heap_inspector_accel-x" + suffix)), "hooktest"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    result = subprocess.run(
        [python, DRIVER, AGENT, str(tmp_path), str(folder), "hooktest"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    off, found, none = json.loads(result.stdout.strip().splitlines()[-1])
    executable = subprocess.run([python, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    for capture in (off, found, none):
        assert capture["answer"]["status"] == "ok", capture
        assert capture["answer"]["executable"] == executable.stdout.strip()
    assert off["answer"]["accelerated"] is False
    pure = "): the heap was read by the pure-Python kernel"
    assert [w for w in off["warnings"] if w.startswith(PREFIX)] == [PREFIX + "turned off for this test" + pure]
    assert found["answer"]["accelerated"] is True
    assert [w for w in found["warnings"] if w.startswith(PREFIX)] == []
    assert none["answer"]["accelerated"] is False
    assert [w for w in none["warnings"] if w.startswith(PREFIX)] == [PREFIX + "none is built for this interpreter yet" + pure]
