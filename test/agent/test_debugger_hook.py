"""The debugger hook (agent/heap_inspector_agent/debugger_hook.py) run directly, without a debugger,
on every installed CPython: the status record it answers, what it puts back on every path (the
program's switch interval, its collector), and its refusals, each a status with a code -- never an
exception.  Through a real debugpy the same hook is tested by test/dap/."""
import json
import os
import subprocess

import pytest
from interpreters import interpreters
from snapshot_reader import Snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(os.path.dirname(HERE), "programs", "agent", "debugger_hook_driver.py")
# HEAP_INSPECTOR_AGENT_DIR: another copy of the agent (e.g. a release's, or an older hook to see a test fail).
AGENT_DIR = os.environ.get("HEAP_INSPECTOR_AGENT_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(HERE)), "agent", "heap_inspector_agent")
YIELD_SECONDS = 0.01
OK_KEYS = {"status", "nodes", "edges", "captureSeconds", "seconds", "agentLoaded", "frame", "python", "pid",
           "executable", "accelerated", "gcCollections"}


def _line(marker):
    with open(DRIVER) as source:
        for number, text in enumerate(source, 1):
            if text.rstrip().endswith("# " + marker):
                return number
    raise AssertionError("no %s line" % marker)


def _drive(python, scenario, tmp_path):
    result = subprocess.run([python, DRIVER, scenario, AGENT_DIR, str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# Every answer is padded with spaces to this length: longer than a loopback TCP segment, so that
# pydevd's reply is not held back by Nagle's algorithm (debugger_hook._padded).
ANSWER_LENGTH = 70000


def _restored(observed, collector_enabled=True):
    """The program's switch interval and collector are as they were before the call."""
    assert observed["interval"] == observed["programInterval"] != 0.005  # 5 ms: CPython's default
    assert observed["gcEnabled"] is collector_enabled
    assert observed["ascii"], "one line of ASCII JSON"
    assert observed["length"] == ANSWER_LENGTH and observed["padding"] > 0, "JSON padded with spaces"


def _refused(observed, code, stage):
    answer = observed["answer"]
    assert (answer["status"], answer["code"], answer["stage"]) == ("error", code, stage), answer
    assert isinstance(answer["message"], str) and answer["message"]
    _restored(observed)
    return answer["message"]


@pytest.mark.parametrize("label,python", interpreters())
def test_capture_status_restores_and_refusals(label, python, tmp_path):
    report = _drive(python, "capture", tmp_path)

    # Refused before the agent is loaded: nothing of the agent stays in the process.
    message = _refused(report["missingAgent"], "agent-missing", "load")
    assert os.path.join(str(tmp_path), "no-agent") in message
    assert report["missingAgent"]["agentModules"] == ["_heap_inspector_agent.debugger_hook"]
    _refused(report["noUserFrame"], "not-paused", "frame")
    assert report["noUserFrame"]["agentModules"] == ["_heap_inspector_agent.debugger_hook"]

    # The status record of a capture.
    for name, loaded in (("first", True), ("second", False), ("collectorOff", False)):
        observed = report[name]
        answer = observed["answer"]
        assert set(answer) == OK_KEYS, answer
        assert answer["status"] == "ok"
        assert answer["agentLoaded"] is loaded
        assert answer["frame"] == {"function": "target", "file": DRIVER, "line": _line("CAPTURE-LINE"),
                                   "resolvedBy": "innermost"}
        assert answer["python"] == report["python"] and answer["pid"] == report["pid"]
        assert isinstance(answer["nodes"], int) and answer["nodes"] > 1000
        assert isinstance(answer["edges"], int) and answer["edges"] > answer["nodes"]
        assert 0 < answer["captureSeconds"] <= answer["seconds"]
        # Counts read right after the capture: later ones can only be higher.
        assert len(answer["gcCollections"]) == 3
        assert all(0 <= a <= b for a, b in zip(answer["gcCollections"], observed["collections"]))
        _restored(observed, collector_enabled=name != "collectorOff")
        snapshot = Snapshot(os.path.join(str(tmp_path), name.replace("collectorOff", "off") + ".heapsnap"))
        assert snapshot.sections["frames"]["paused"][0]["function"] == "target"
        assert snapshot.meta["capture"]["trigger"] == "debugger"
        assert snapshot.n == answer["nodes"]
    assert report["pydevd"]["answer"]["frame"] == {"function": "selected_by_pydevd", "file": DRIVER,
                                                   "line": _line("PYDEVD-LINE"), "resolvedBy": "pydevd"}
    _restored(report["pydevd"])

    # The first capture lets waiting threads run twice (before it starts, after loading the agent),
    # later ones once; always at the program's own switch interval, never a raised one.
    assert [sleep["seconds"] for sleep in report["firstSleeps"]] == [YIELD_SECONDS, YIELD_SECONDS]
    assert [sleep["seconds"] for sleep in report["secondSleeps"]] == [YIELD_SECONDS]
    for sleep in report["firstSleeps"] + report["secondSleeps"]:
        assert sleep["interval"] == report["programInterval"]
    # Before the first sleep the collector is still the program's; after it the hook has disabled it.
    assert [sleep["gcEnabled"] for sleep in report["firstSleeps"]] == [True, False]
    # The agent is given the program's interval and a disabled collector (it raises the interval
    # for its walk itself, bounded, and restores it).
    assert report["secondEntry"] == [{"interval": report["programInterval"], "gcEnabled": False}]

    # Modules the install expression imported for the capture are counted as the agent's own.
    assert "colorsys" in report["loadedModules"]
    assert "not_a_loaded_module" not in report["loadedModules"]

    # Refusals once the agent is loaded; each leaves the program as it was.
    assert "no-such-directory" in _refused(report["unwritable"], "cannot-write", "capture")
    assert _refused(report["interrupted"], "interrupted", "capture") == "KeyboardInterrupt: "
    assert _refused(report["agentBug"], "agent-failed", "capture") == "RuntimeError: agent bug"
    # The agent left the switch interval at 100 s and failed: the hook puts the program's back.
    assert _refused(report["intervalLeftRaised"], "agent-failed", "capture") == (
        "RuntimeError: left the interval raised")
    assert report["pathSame"] is True
    # Only the snapshots that succeeded were written.
    assert report["files"] == ["first.heapsnap", "off.heapsnap", "pydevd.heapsnap", "second.heapsnap"]


@pytest.mark.parametrize("label,python", interpreters())
def test_agent_call_status_and_encoding(label, python, tmp_path):
    report = _drive(python, "call", tmp_path)

    _refused(report["missingAgent"], "agent-missing", "load")
    _refused(report["noUserFrame"], "not-paused", "frame")
    # A function the agent does not have: refused before anything is called.
    for name, what in (("noFunction", "capture.no_such_function"), ("noModule", "no_such_module.f")):
        answer = report[name]["answer"]
        assert answer == {"status": "error", "code": "agent-failed", "message": "the agent has no function " + what}
        _restored(report[name])
    assert _refused(report["raises"], "agent-failed", "call") == "ValueError: bad argument"

    collect = report["collect"]
    assert set(collect["answer"]) == {"status", "value", "gcCollections"}
    assert collect["answer"]["status"] == "ok"
    assert isinstance(collect["answer"]["value"], dict)
    assert len(collect["answer"]["gcCollections"]) == 3
    _restored(collect)
    # passFrame: the agent function is given the frame that called the hook.
    framed = report["withFrame"]
    assert framed["answer"]["status"] == "ok", framed["answer"]
    _restored(framed)
    snapshot = Snapshot(os.path.join(str(tmp_path), "framed.heapsnap"))
    assert snapshot.sections["frames"]["paused"][0]["function"] == "call_in_frame"
    assert snapshot.sections["frames"]["paused"][0]["line"] == _line("CALL-LINE")

    # The status encoder: ASCII JSON that a JSON parser reads back as the values given.
    encoded = report["encoded"]
    assert all(ord(char) < 0x80 for char in encoded["text"])
    assert encoded["parsed"] == {
        "plain": "abc",
        "quotes": 'say "hi" \\ there',
        "controls": "tab\there\nline\x00nul\x7fdel",
        "accents": "d\u00e9j\u00e0 \u20ac",
        "astral": "\U0001f600 and \U00010000",
        "numbers": [0, -7, 2**70, 1.5, None, None, None],
        "constants": [None, True, False],
        "nested": {"tuple": [1, [2, {"3": None}]], "4": "int key"},
    }
    assert report["unencodable"] == "cannot encode set as JSON"
    assert report["interval"] == report["programInterval"]
