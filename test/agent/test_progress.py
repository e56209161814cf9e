"""Progress of a capture (agent/heap_inspector_agent/progress.py): capture_to_file calls its
callback at chunk points, phase after phase, each from 0 to its total; the progress file the CLI
and the editor read carries the last call; and neither changes what the capture predicts.

Each test runs test/programs/agent/progress_driver.py in every installed CPython 3.8+."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from interpreters import RUNNER, interpreters

from conftest import AGENT_DIR

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(os.path.dirname(HERE), "programs", "agent", "progress_driver.py")
# The phases of a capture, in order (progress.py).  Every one is reported, even when short.
PHASES = ["objects", "walk", "leaves", "roots", "write"]


def _drive(python, tmp_path):
    run = subprocess.run([python, DRIVER, AGENT_DIR, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def _phases_in_order(calls):
    """[(phase, [(done, total), ...])] in the order the phases came, each one contiguous."""
    phases = []
    for phase, done, total in calls:
        if not phases or phases[-1][0] != phase:
            assert phase not in [name for name, _ in phases], "%s came back after another phase" % phase
            phases.append((phase, []))
        phases[-1][1].append((done, total))
    return phases


@pytest.mark.parametrize("label,python", interpreters())
def test_progress_is_reported_phase_by_phase_and_changes_nothing(label, python, tmp_path):
    report = _drive(python, tmp_path)

    calls = [tuple(call) for call in report["calls"]]
    phases = _phases_in_order(calls)
    assert [name for name, _ in phases] == PHASES
    for name, steps in phases:
        assert steps[0][0] == 0, "%s does not start at 0: %s" % (name, steps)
        assert steps[-1][0] == steps[-1][1], "%s does not end: %s" % (name, steps)
        for (done, total), (next_done, next_total) in zip(steps, steps[1:]):
            assert done <= next_done and total <= next_total, "%s goes back: %s" % (name, steps)
        assert all(0 <= done <= total for done, total in steps), steps
    walk = dict(phases)["walk"]
    # About three chunks of 65,536 tracked objects: a report after each, none per object.
    assert len(walk) >= 4 and walk[-1][1] > 150000, walk
    assert len(calls) < 100, calls
    assert report["recorded"]["predicted"] == report["recorded"]["collector"] != []

    # The progress file: the capture predicts what the collector finds; the file holds the last
    # report, whole (both sequences agree), and says when the capture ended.
    through_file = report["file"]
    assert through_file["predicted"] == through_file["collector"] != []
    during = through_file["during"]
    assert (during["size"], during["magic"]) == (64, "PHIPROG1")
    assert during["head"] == during["tail"] >= len(PHASES) * 2  # a whole record: both sequences agree
    assert (during["phase"], during["done"], during["state"], during["shown"]) == ("write", during["total"], 1, 0)
    assert through_file["after"]["state"] == 2
    assert not [w for w in through_file["warnings"] if "progress" in w]

    # A callback that raises is dropped: the capture completes and says why progress stopped.
    failing = report["failing"]
    assert failing["calls"] == 3
    assert failing["predicted"] == failing["collector"] != []
    assert "progress reporting stopped: the callback raised ValueError" in failing["warnings"]

    # Not a progress file (wrong magic, wrong size, missing, a folder): not used, not written.
    assert report["refused"] == {
        "wrong-magic": {"opened": False, "unchanged": True},
        "short": {"opened": False, "unchanged": True},
        "missing": {"opened": False},
        "folder": {"opened": False},
    }


PROGRAM = """\
import os, sys
data = [[i] for i in range(50000)]
print("before the line")
sys.stderr.write("to stderr\\n")
pass  # CAPTURE
sys.stdout.write("after the line: %s\\n" % os.path.exists(sys.argv[1]))
sys.stdout.flush()
open(sys.argv[1], "w").close()
"""


def _reader_file(path, shown=0):
    """A progress file as the CLI creates it (server/runner/progressFile.ts)."""
    with open(path, "wb") as out:
        out.write(b"PHIPROG1" + bytes(49) + bytes((shown,)) + bytes(6))


def _record(path):
    with open(path, "rb") as source:
        data = source.read()
    return data[16:32].rstrip(b"\0").decode("ascii"), int.from_bytes(data[32:40], "little"), \
        int.from_bytes(data[40:48], "little"), data[56], data[57]


def _run(python, script, args, progress=None, **popen):
    line = PROGRAM.splitlines().index("pass  # CAPTURE") + 1
    command = [python, RUNNER, "run", "--at", "%s:%d" % (script, line), "--out", str(script) + ".heapsnap"]
    if progress is not None:
        command += ["--progress-out", progress]
    return subprocess.Popen(command + [str(script)] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


@pytest.mark.parametrize("label,python", interpreters())
def test_the_runner_reports_through_the_progress_file_and_the_program_sees_nothing(label, python, tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    plain = subprocess.run([python, str(script), str(tmp_path / "plain-marker")], capture_output=True, timeout=300)
    progress = str(tmp_path / "progress")
    _reader_file(progress)
    run = _run(python, script, [str(tmp_path / "marker")], progress)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    # The program's own output, byte for byte as under plain python.
    assert (out, err) == (plain.stdout, plain.stderr)
    phase, done, total, state, shown = _record(progress)
    assert (phase, done, state, shown) == ("write", total, 2, 0)
    assert os.path.exists(str(script) + ".heapsnap")

    # No usable progress file (missing): the capture is the same, and nothing is created.
    run = _run(python, script, [str(tmp_path / "marker2")], str(tmp_path / "no-such-progress"))
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert (out, err) == (plain.stdout, plain.stderr)
    assert not os.path.exists(str(tmp_path / "no-such-progress"))


def test_the_program_goes_on_only_once_the_terminal_line_is_cleared(tmp_path):
    """While the CLI shows the progress line ("shown"), the runner keeps the program at the line
    after the capture, so that its next output cannot land on that line."""
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    marker = tmp_path / "marker"
    progress = str(tmp_path / "progress")
    _reader_file(progress, shown=1)
    seen = {}

    def clear_when_ended():
        deadline = time.monotonic() + 300  # turns a hang into a failure
        while time.monotonic() < deadline and run.poll() is None:
            with open(progress, "rb") as source:
                state = source.read()[56]
            if state == 2:
                seen["marker when the capture ended"] = marker.exists()
                fd = os.open(progress, os.O_WRONLY)
                os.pwrite(fd, b"\0", 57)
                os.close(fd)
                return
            time.sleep(0.002)

    run = _run(sys.executable, script, [str(marker)], progress)
    watcher = threading.Thread(target=clear_when_ended, daemon=True)
    watcher.start()
    out, err = run.communicate(timeout=600)
    watcher.join(timeout=60)
    assert run.returncode == 0, err
    assert seen == {"marker when the capture ended": False}
    assert out.decode().splitlines()[-1] == "after the line: False"


HOOK_DRIVER = os.path.join(os.path.dirname(HERE), "programs", "agent", "debugger_hook_driver.py")


@pytest.mark.parametrize("label,python", interpreters())
def test_the_debugger_hook_reports_to_the_progress_file_beside_the_snapshot(label, python, tmp_path):
    run = subprocess.run([python, HOOK_DRIVER, "progress", AGENT_DIR, str(tmp_path)], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    with_file = report["withFile"]
    assert with_file == {"status": "ok", "phases": PHASES, "phase": "write", "doneIsTotal": True, "state": 2,
                         "files": ["capture.heapsnap", "progress"]}, with_file
    # No progress file in the folder: the same capture, without progress, and no file is made.
    assert report["withoutFile"] == {"status": "ok", "phases": [], "phase": "", "doneIsTotal": True, "state": None,
                                     "files": ["capture.heapsnap"]}
