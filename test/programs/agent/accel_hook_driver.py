"""Drives the debugger hook's accelerator argument without a debugger.

    python accel_hook_driver.py AGENT_DIRECTORY OUT_DIRECTORY FOLDER DIGEST

Loads the hook as the install expression does, then captures three times from a function's frame:
with "reason:..." (no accelerator), with "find:DIGEST\\0FOLDER" (the build in FOLDER), and with
"find:" another digest (nothing fits).  Prints one JSON line: per capture, the hook's answer and
the snapshot's meta.warnings.
"""
import json
import os
import sys

AGENT, OUT, FOLDER, DIGEST = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "agent"))
from snapshot_reader import Snapshot  # noqa: E402

HOOK_NAME = "_heap_inspector_agent.debugger_hook"
hook = type(sys)(HOOK_NAME)
with open(os.path.join(AGENT, "debugger_hook.py"), "rb") as source:
    exec(compile(source.read(), "<heap-inspector debugger hook>", "exec", 0, True), hook.__dict__)
sys.modules[HOOK_NAME] = hook


def target(name, accelerator):
    path = os.path.join(OUT, name)
    answer = json.loads(hook.capture(path, AGENT, accelerator))
    warnings = Snapshot(path).meta["warnings"] if answer["status"] == "ok" else None
    return {"answer": answer, "warnings": warnings}


report = [
    target("reason.heapsnap", "reason:turned off for this test"),
    target("found.heapsnap", "find:%s\0%s\0%s" % (DIGEST, os.path.join(OUT, "missing"), FOLDER)),
    target("none.heapsnap", "find:otherdigest\0" + FOLDER),
]
print(json.dumps(report))
