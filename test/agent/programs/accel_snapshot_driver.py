"""Captures one heap with both kernels and compares the snapshots section by section.

    python accel_snapshot_driver.py AGENT_DIRECTORY ACCELERATOR OUT_DIRECTORY SCRIPT LINE

Runs SCRIPT as __main__ until LINE of SCRIPT is about to run (a trace function, removed before
anything is captured), then, on that same heap: one capture with the pure-Python kernel (a
warm-up: the agent's caches settle), then pure, native, pure, native, each with the collector's
state as it was at the line.  Prints one JSON line: {"kernels": [...], "differences": {pair:
[text]}} where the pairs are each capture against the one before it (0-1: pure against pure).  The program is then left
with os._exit (the rest of the script does not matter here).

What may differ between two captures of the same heap, and is left out of the comparison: the
capture's timings and CPU figures, its kernel record, the accelerator's warning line, and the
other threads' activity (meta.capture).  Everything else -- every column chunk, the string
table, types, frames, finalizers, roots, the collector's state, counts and the other warnings --
must be byte for byte the same.
"""
import array
import json
import os
import struct
import sys
import zlib

AGENT, ACCELERATOR, OUT, SCRIPT, LINE = sys.argv[1:6]
LINE = int(LINE)
ACCEL_LINE = "the native accelerator was not used ("


def read_sections(path):
    """{name: bytes or JSON} with the chunks of a section joined in file order."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"PYHEAPSN", "bad magic"
    offset = 12
    sections = {}
    while offset < len(data):
        (name_length,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = data[offset : offset + name_length].decode("ascii")
        offset += name_length
        dtype, encoding, _crc, count, stored = struct.unpack_from("<BBIQQ", data, offset)
        offset += 22
        raw = data[offset : offset + stored]
        offset += stored
        if encoding in (1, 2):
            raw = zlib.decompress(raw)
        if encoding == 2 and count:
            size = len(raw) // count
            out = bytearray(len(raw))
            for byte in range(size):
                out[byte::size] = raw[byte * count : (byte + 1) * count]
            raw = bytes(out)
        if dtype == 5:
            value = json.loads(raw.decode("utf-8"))
            if name in sections and type(value) is list:
                sections[name] = sections[name] + value
            else:
                sections[name] = value
        else:
            sections[name] = sections.get(name, b"") + raw
    return sections


def comparable(sections):
    meta = dict(sections.get("meta", {}))
    capture = dict(meta.pop("capture", {}))
    for key in ("time", "otherThreads"):
        capture.pop(key, None)
    kernel = capture.pop("kernel", {})
    capture = {key: value for key, value in capture.items() if "econds" not in key}
    capture["kernelName"] = kernel.get("name")
    meta["capture"] = capture
    meta["warnings"] = [w for w in meta.get("warnings", []) if not w.startswith(ACCEL_LINE)]
    result = dict(sections)
    result["meta"] = meta
    return result


def differences(left, right):
    found = []
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name), right.get(name)
        if a == b:
            continue
        if type(a) is bytes and type(b) is bytes:
            first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            found.append("%s: %d/%d bytes, first difference at byte %d" % (name, len(a), len(b), first))
        else:
            text_a, text_b = json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True)
            first = next((i for i in range(min(len(text_a), len(text_b))) if text_a[i] != text_b[i]), 0)
            found.append("%s: %s | %s" % (name, text_a[max(0, first - 60) : first + 60], text_b[max(0, first - 60) : first + 60]))
    return found


def load_agent(directory):
    namespace = {"__name__": "_heap_inspector_bootstrap"}
    path = os.path.join(directory, "bootstrap.py")
    with open(path, "rb") as source:
        exec(compile(source.read(), path, "exec"), namespace)
    return namespace["load_agent"](directory)


capture = load_agent(AGENT)
loader = sys.modules["_heap_inspector_agent.accel_loader"]
problem = loader.use(ACCELERATOR)
if problem is not None:
    print(json.dumps({"kernels": [], "differences": {}, "problem": problem}))
    sys.stdout.flush()
    os._exit(0)
target = os.path.realpath(SCRIPT)
import gc  # noqa: E402


# Which kernel each capture uses (1: native), and where the plan is: in a bytes object and an
# array, whose contents are no references.  While a capture runs, this driver's frame holds the
# same objects every time (on 3.8-3.10 a frame is a heap object, and from 3.11 its locals are
# read): a loop variable or a path that changed from one capture to the next would show as a
# difference that no kernel made.
PLAN = b"\x00\x01\x00\x00\x01\x00\x01"
STEP = array.array("i", [0])
CAPTURE_PATH = os.path.join(OUT, "capture.heapsnap")
PURE_REASON = "compared with the native kernel"


def at_line(frame, event, arg):
    if event == "call":
        return at_line if os.path.realpath(frame.f_code.co_filename) == target else None
    if event != "line" or frame.f_lineno != LINE:
        return at_line
    sys.settrace(None)
    frame.f_trace = None
    enabled = gc.isenabled()
    gc.disable()
    state = (enabled, list(gc.get_count()))
    # Nothing read back until every capture is made: what the comparison holds would be heap.
    while STEP[0] < len(PLAN):
        if PLAN[STEP[0]]:
            loader.use(ACCELERATOR)
        else:
            loader.unavailable(PURE_REASON)
        capture.capture_to_file(CAPTURE_PATH, frame, trigger="api", held_by_caller=2, collector_state=state)
        os.replace(CAPTURE_PATH, os.path.join(OUT, "capture-%d.heapsnap" % STEP[0]))
        STEP[0] += 1
    frame = None
    files = [comparable(read_sections(os.path.join(OUT, "capture-%d.heapsnap" % index))) for index in range(len(PLAN))]
    kernels = [sections["meta"]["capture"].pop("kernelName") for sections in files]
    report = {"kernels": kernels, "differences": {}}
    for index in range(1, len(files)):
        report["differences"]["%d-%d" % (index - 1, index)] = differences(files[index - 1], files[index])[:10]
    print(json.dumps(report))
    sys.stdout.flush()
    os._exit(0)


sys.argv = [SCRIPT]
sys.path[0] = os.path.dirname(target)
main_globals = {"__name__": "__main__", "__file__": SCRIPT, "__builtins__": __builtins__}
with open(SCRIPT, "rb") as source:
    code = compile(source.read(), SCRIPT, "exec")
sys.settrace(at_line)
exec(code, main_globals)
sys.settrace(None)
print(json.dumps({"kernels": [], "differences": {}, "problem": "line %d was not reached" % LINE}))
