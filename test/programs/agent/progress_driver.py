"""Drives capture_to_file's progress callback in a real process.

    python progress_driver.py AGENT_DIRECTORY OUT_DIRECTORY

Loads the agent through bootstrap.py, builds a heap of a few chunks (65,536 objects each) with
garbage in it, and captures three times: with a callback that records every call, with the
progress file the CLI and the editor read (agent/heap_inspector_agent/progress.py), with a
callback that raises.  After each capture the real collector names what it finds unreachable
(gc.DEBUG_COLLECTABLE).  Prints one JSON line.  Runs on CPython 3.8+.
"""
import gc
import io
import json
import os
import re
import sys

AGENT, OUT = sys.argv[1], sys.argv[2]


def load_agent():
    namespace = {"__name__": "_heap_inspector_bootstrap"}
    path = os.path.join(AGENT, "bootstrap.py")
    with open(path, "rb") as source:
        exec(compile(source.read(), path, "exec"), namespace)
    return namespace["load_agent"](AGENT)


class Node:
    def __init__(self):
        self.next = None


def make_garbage(count):
    for _ in range(count):
        a, b = Node(), Node()
        a.next, b.next = b, a


def collectable():
    """Addresses the collector finds unreachable right now."""
    saved, sys.stderr = sys.stderr, io.StringIO()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_COLLECTABLE)
    try:
        gc.collect()
        text = sys.stderr.getvalue()
    finally:
        gc.set_debug(flags)
        sys.stderr = saved
    return sorted(int(address, 16) for address in re.findall(r"gc: collectable <\S+ (0x[0-9a-f]+)>", text))


def reader_file(path, shown=0):
    """A progress file as its reader creates it (server/runner/progressFile.ts)."""
    with open(path, "wb") as out:
        out.write(b"PHIPROG1" + bytes(49) + bytes((shown,)) + bytes(6))


def read_record(path):
    with open(path, "rb") as source:
        data = source.read()
    return {
        "size": len(data),
        "magic": data[0:8].decode("ascii", "replace"),
        "head": int.from_bytes(data[8:16], "little"),
        "phase": data[16:32].rstrip(b"\0").decode("ascii"),
        "done": int.from_bytes(data[32:40], "little"),
        "total": int.from_bytes(data[40:48], "little"),
        "tail": int.from_bytes(data[48:56], "little"),
        "state": data[56],
        "shown": data[57],
    }


def snapshot_class():
    # Imported before the heap is built: importing it (subprocess, signal's enums) leaves garbage
    # of its own, which the collector would find after a capture that never saw it.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "agent"))
    from snapshot_reader import Snapshot

    sys.path.pop(0)
    return Snapshot


def predicted(snapshot_path):
    snapshot = snapshot_class()(snapshot_path)
    address = snapshot.address
    return sorted(int(address[i]) for i in snapshot.predict_unreachable(2)), snapshot.meta["warnings"]


def main():
    agent = load_agent()
    snapshot_class()
    gc.collect()
    gc.disable()
    keep = [[i] for i in range(150000)]  # about three chunks of tracked objects
    report = {"python": "%d.%d.%d" % sys.version_info[:3]}

    # 1. Every call, as the walk makes it.
    calls = []
    make_garbage(20)
    path = os.path.join(OUT, "recorded.heapsnap")
    agent.capture_to_file(path, progress=lambda phase, done, total: calls.append((phase, done, total)))
    report["calls"] = calls
    report["recorded"] = {"predicted": predicted(path)[0], "collector": collectable()}

    # 2. The progress file: the capture is the same, and the file ends on the last phase.
    make_garbage(20)
    progress_path = os.path.join(OUT, "progress")
    reader_file(progress_path)
    progress_module = sys.modules["_heap_inspector_agent.progress"]
    progress = progress_module.ProgressFile.open(progress_path)
    path = os.path.join(OUT, "file.heapsnap")
    agent.capture_to_file(path, progress=progress.report)
    during = read_record(progress_path)
    progress.finish()
    progress.close()
    prediction, warnings = predicted(path)
    report["file"] = {"predicted": prediction, "collector": collectable(), "during": during,
                      "after": read_record(progress_path), "warnings": warnings}

    # 3. A callback that raises: the capture goes on without progress, and says so.
    make_garbage(20)
    raised = []

    def failing(phase, done, total):
        raised.append(phase)
        if len(raised) == 3:
            raise ValueError("broken callback")

    path = os.path.join(OUT, "failing.heapsnap")
    agent.capture_to_file(path, progress=failing)
    prediction, warnings = predicted(path)
    report["failing"] = {"calls": len(raised), "predicted": prediction, "collector": collectable(),
                         "warnings": warnings}

    # 4. Files the progress file refuses: nothing is written to them.
    refused = {}
    for name, content in (("wrong-magic", b"NOTMAGIC" + bytes(56)), ("short", b"PHIPROG1" + bytes(8))):
        candidate = os.path.join(OUT, name)
        with open(candidate, "wb") as out:
            out.write(content)
        opened = progress_module.ProgressFile.open(candidate)
        with open(candidate, "rb") as source:
            refused[name] = {"opened": opened is not None, "unchanged": source.read() == content}
    refused["missing"] = {"opened": progress_module.ProgressFile.open(os.path.join(OUT, "none")) is not None}
    refused["folder"] = {"opened": progress_module.ProgressFile.open(OUT) is not None}
    report["refused"] = refused
    del keep
    print(json.dumps(report))


main()
