"""Other threads while the heap is read: held off no longer than the capture, never by sleeping,
and measured (``meta.capture.otherThreads``).

Each test runs a real program under the runner in its own interpreter, so the threads are real.
"""
import json
import os
import subprocess
import sys

from snapshot_reader import Snapshot

from conftest import AGENT_DIR

RUNNER = os.path.join(os.path.dirname(AGENT_DIR), "heap_inspector_run.py")

BUSY = """\
import sys, threading, time
STOP = []


def spin():
    n = 0
    while not STOP:
        n += 1


threading.Thread(target=spin, name="spinner").start()
data = [[i] for i in range(20000)]
time.sleep(0.05)
pass  # capture: line 14
STOP.append(1)
"""

QUIET = """\
import threading
ready, go = threading.Event(), threading.Event()


def wait():
    ready.set()
    go.wait()


t = threading.Thread(target=wait, name="waiter")
t.start()
ready.wait()
data = [[i] for i in range(20000)]
pass  # capture: line 14
go.set()
t.join()
"""

# An audit hook that notes every event that can give up the GIL (sleeping, files, processes)
# with the switch interval in force at that moment.
WATCH = """\
import sys
SEEN = []


def watch(event, args):
    if event == "time.sleep" or event == "open" or event.startswith("os.") or event.startswith("subprocess"):
        SEEN.append((event, sys.getswitchinterval()))
    elif event == "gc.get_objects":  # the capture reading the heap
        SEEN.append((event, sys.getswitchinterval()))


sys.addaudithook(watch)
"""


def capture(tmp_path, source, line, name):
    script = tmp_path / name
    script.write_text(source)
    out = str(tmp_path / (name + ".heapsnap"))
    run = subprocess.run(
        [sys.executable, RUNNER, "run", "--at", "%s:%d" % (script, line), "--out", out, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(tmp_path),
    )
    assert run.returncode == 0, run.stderr
    return Snapshot(out), run


def test_a_busy_thread_is_measured_and_named(tmp_path):
    snapshot, _run = capture(tmp_path, BUSY, 14, "busy.py")
    capture_meta = snapshot.meta["capture"]
    activity = capture_meta["otherThreads"]
    assert activity["cpuSeconds"] > 0
    names = [thread["name"] for thread in activity["threads"]]
    assert "spinner" in names
    if sys.platform.startswith("linux"):
        assert activity["measuredBy"] == "thread-clocks"
    # Other threads are held off at most about as long as the capture works, never more.
    assert sys.getswitchinterval() <= activity["switchInterval"] <= capture_meta["cpuSeconds"]


def test_an_idle_thread_uses_no_time(tmp_path):
    snapshot, _run = capture(tmp_path, QUIET, 14, "quiet.py")
    activity = snapshot.meta["capture"]["otherThreads"]
    assert activity["cpuSeconds"] < 0.001
    assert activity["threads"] == [] or all(t["cpuSeconds"] < 0.001 for t in activity["threads"])
    assert activity["changedObjects"] == 0
    assert activity["ended"] == 0


def test_the_gil_is_never_given_up_while_the_interval_is_raised(tmp_path):
    # The main thread's CPU time across the captured line: loading the agent and capturing.
    timed = "CPU = time.thread_time()\npass  # capture\nCPU = time.thread_time() - CPU"
    program = WATCH + BUSY.replace("pass  # capture: line 14", timed)
    line = program.splitlines().index("pass  # capture") + 1
    program += "print(repr((SEEN, CPU)))\n"
    snapshot, run = capture(tmp_path, program, line, "watched.py")
    seen, capture_cpu = eval(run.stdout.strip().splitlines()[-1])
    interval = sys.getswitchinterval()
    reading = [during for event, during in seen if event == "gc.get_objects"]
    assert reading, seen
    # While the heap is read, other threads wait at most about as long as the capture works:
    # a thread that takes its turn then keeps the GIL for up to that interval.
    assert max(reading) <= capture_cpu, (reading, capture_cpu)
    # Writing the snapshot opens a file: only after the program's interval is back.
    assert any(event == "open" for event, _ in seen)
    raised = [(event, during) for event, during in seen if event != "gc.get_objects" and during != interval]
    assert raised == [], raised
    assert abs(snapshot.meta["capture"]["otherThreads"]["switchInterval"] - max(reading)) < 1e-5


def test_the_switch_interval_is_restored_on_every_path(agent, tmp_path):
    saved = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.0123)
        agent.capture_to_file(str(tmp_path / "ok.heapsnap"))
        assert sys.getswitchinterval() == 0.0123
        try:
            agent.capture_to_file(str(tmp_path / "no-such-directory" / "x.heapsnap"))
        except OSError:
            pass
        else:
            raise AssertionError("writing into a missing directory should fail")
        assert sys.getswitchinterval() == 0.0123
    finally:
        sys.setswitchinterval(saved)


def test_the_figures_are_in_the_snapshot_meta(agent, tmp_path):
    path = str(tmp_path / "meta.heapsnap")
    agent.capture_to_file(path)
    capture_meta = Snapshot(path).meta["capture"]
    activity = capture_meta["otherThreads"]
    for key in ("readSeconds", "readCpuSeconds", "cpuSeconds", "processCpuSeconds", "switchInterval"):
        # Read back through the engine (JSON from JavaScript): 0.0 comes back as 0.
        assert type(activity[key]) in (int, float) and activity[key] >= 0, key
    assert type(capture_meta["cpuSeconds"]) is float
    assert json.loads(json.dumps(activity)) == activity


HUGE = """\
import sys, threading
ready, go = threading.Event(), threading.Event()


def wait():
    ready.set()
    go.wait()


t = threading.Thread(target=wait, name="waiter")
t.start()
ready.wait()
sys.setswitchinterval(1000.0)  # what a debugger hook used to set before capturing
pass  # capture: line 14
sys.stdout.write(repr(sys.getswitchinterval()) + chr(10))
sys.setswitchinterval(0.005)
go.set()
t.join()
"""


def test_a_huge_interval_set_before_the_capture_is_not_used_for_the_walk(tmp_path):
    # Another thread is there (so the capture considers letting it through first), idle, so
    # the program's own 1000 s interval freezes nothing by itself.
    snapshot, run = capture(tmp_path, HUGE, 14, "huge.py")
    assert snapshot.meta["capture"]["otherThreads"]["switchInterval"] <= 1.0
    assert float(run.stdout.strip().splitlines()[-1]) == 1000.0  # the program's, restored
