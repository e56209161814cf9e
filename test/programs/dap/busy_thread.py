"""A program with a busy thread the debugger does not pause, for the capture's switch interval.

    python busy_thread.py [REPORT.json]

A daemon thread runs busy_library/spinner.py's loop (library code the tests exclude from
debugging: it keeps running while the main thread is paused).  The program sets its own switch
interval, so that "restored" means restored to the program's value, not to CPython's default.
The main thread stops at the marked line; once it goes on (resumed, or the debugger detached), it
writes REPORT: the switch interval it then has, whether the agent was loaded (a capture ran in
this process), and the spinner's turns.

About 100,000 tracked objects with the debugger's own (30,000 records), so that a capture takes
a while (the detach test detaches in the middle of one), and some garbage in the oldest
generation (the debugger's own young collections while paused do not reach it), so that a capture
has something to predict: {"__main__.Pair": 200}.
"""
import gc
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "busy_library"))
import spinner  # noqa: E402

PROGRAM_INTERVAL = 0.004  # not CPython's default (0.005): the value a capture must leave
sys.setswitchinterval(PROGRAM_INTERVAL)


class Pair:
    def __init__(self, peer=None):
        self.peer = peer


class Record:
    def __init__(self, i):
        self.tags = [i]


def leak(count):
    kept = []
    for _ in range(count):
        a = Pair()
        a.peer = Pair(a)
        kept.append(a)
    gc.collect()  # promoted to the oldest generation while still referenced
    kept.clear()


threading.Thread(target=spinner.spin, name="busy library thread", daemon=True).start()
spinner.STARTED.wait()
records = [Record(i) for i in range(30_000)]
leak(100)
pass  # @capture
report = {
    "interval": sys.getswitchinterval(),
    "agentLoaded": "_heap_inspector_agent.capture" in sys.modules,
    "turns": spinner.TURNS[0],
}
if len(sys.argv) > 1:
    with open(sys.argv[1] + ".partial", "w") as out:
        json.dump(report, out)
    os.replace(sys.argv[1] + ".partial", sys.argv[1])
