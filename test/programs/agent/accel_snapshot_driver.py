"""Captures one heap with both kernels and compares the snapshots field by field.

    python accel_snapshot_driver.py AGENT_DIRECTORY ACCELERATOR OUT_DIRECTORY SCRIPT FILE:LINE [HIT]

Runs SCRIPT as __main__ until LINE of FILE is about to run for the HIT-th time (default 1; a trace
function, removed before
anything is captured).  There, two warm-up captures (pure-Python kernel, then native: the agent's
caches settle and the native kernel is verified), then the process forks twice, back to back: one
child captures with the pure-Python kernel, the other with the native one, each from the very same
heap (the same objects at the same addresses, the collector's state as it was at the line; in a
child, only the forking thread runs).  Prints one
JSON line: {"kernels": [pure child's, native child's], "sections": N, "differences": [text]}.
The program is then left with os._exit (the rest of the script does not matter here).

What may differ, and is left out of the comparison: the capture's timings, CPU figures, pid and
kernel record, the accelerator's warning line, and the agent's own objects (excluded.address and
their count: the kernels allocate differently, and those objects are never part of the heap
shown).  Everything else -- every column, every label and key, the string table, types, frames,
finalizers, roots, the collector's state, counts and the other warnings -- must be equal, value
by value.
"""
import array
import json
import os
import struct
import sys
import zlib

AGENT, ACCELERATOR, OUT, SCRIPT, AT = sys.argv[1:6]
AT_FILE, _, LINE = AT.rpartition(":")
LINE = int(LINE)
HITS = array.array("i", [int(sys.argv[6]) if len(sys.argv) > 6 else 1])
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


def without_times(value):
    """``value`` without its keys that are durations (``seconds``, ``cpuSeconds``, …), at any depth."""
    if type(value) is dict:
        return {key: without_times(item) for key, item in value.items() if "econds" not in key}
    if type(value) is list:
        return [without_times(item) for item in value]
    return value


def comparable(sections):
    meta = dict(sections.get("meta", {}))
    capture = dict(meta.pop("capture", {}))
    for key in ("time", "pid"):
        capture.pop(key, None)
    kernel = capture.pop("kernel", {})
    capture = without_times(capture)
    capture["kernelName"] = kernel.get("name")
    meta["capture"] = capture
    meta["warnings"] = [w for w in meta.get("warnings", []) if not w.startswith(ACCEL_LINE)]
    counts = dict(meta.get("counts", {}))
    counts.pop("excludedAgentObjects", None)
    meta["counts"] = counts
    result = dict(sections)
    result.pop("excluded.address", None)
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
for folder in ("pure", "native"):
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
loader = sys.modules["_heap_inspector_agent.accel_loader"]
problem = loader.use(ACCELERATOR)
if problem is not None:
    print(json.dumps({"kernels": [], "differences": {}, "problem": problem}))
    sys.stdout.flush()
    os._exit(0)
target = os.path.realpath(AT_FILE)
import dis  # noqa: E402
import gc  # noqa: E402


# Which kernel a child uses (1: native).  Kept in an array, not in a variable of the frame: the
# two children must run exactly the same code over the same objects, up to the kernel choice.
# The two children's process ids (0 in the child itself), and each child's exit status.  In
# arrays, not variables: the frame's locals are read, and must be the same objects in both
# children; the ints fork() returns are freed at once, so the parent's memory is as it was.
PIDS = array.array("q", [-1, -1])
STATUSES = array.array("i", [-1, -1])
PURE_REASON = "compared with the native kernel"
EFFECTIVE_LINES = {}  # code object -> the line the capture happens at
MADE = "capture.heapsnap"  # in each child's own folder (the same string object in both)


def choose_kernel(native):
    if native:
        # A copy of the path: the loader keeps the string it is given, and ACCELERATOR is
        # referenced from this module (part of the heap) and would count one more.
        loader.use((ACCELERATOR + "/")[:-1])
    else:
        loader.unavailable(PURE_REASON)


def child_capture(frame, state, folders):
    """In a child: the capture into its own folder, then leave."""
    status = 1
    try:
        os.chdir(folders[PIDS[0] != 0])
        choose_kernel(PIDS[0] != 0)
        capture.capture_to_file(MADE, frame, trigger="api", held_by_caller=3, collector_state=state)
        status = 0
    except BaseException as error:  # the parent reports the status
        sys.stderr.write("capture failed: %r\n" % (error,))
    finally:
        os._exit(status)


def fork():
    """os.fork(), always from this line: from 3.12, forking a process that has other threads
    warns, once per line (the warning's registry); the first fork, a throwaway, warns here."""
    return os.fork()


def line_of(code):
    """LINE, or where a line without code of its own (``pass`` has none on 3.8/3.9) runs on: the
    next line of ``code`` that has some.  -1 when LINE is not in ``code``."""
    if code not in EFFECTIVE_LINES:
        starts = sorted(set(line for _offset, line in dis.findlinestarts(code) if line))
        later = [line for line in starts if line >= LINE]
        inside = bool(starts) and code.co_firstlineno <= LINE <= starts[-1]
        EFFECTIVE_LINES[code] = later[0] if inside and later else -1
    return EFFECTIVE_LINES[code]


def at_line(frame, event, arg):
    if event == "call":
        return at_line if os.path.realpath(frame.f_code.co_filename) == target else None
    if event != "line" or frame.f_lineno != line_of(frame.f_code):
        return at_line
    HITS[0] -= 1
    if HITS[0] > 0:
        return at_line
    sys.settrace(None)
    frame.f_trace = None
    enabled = gc.isenabled()
    gc.disable()
    state = (enabled, list(gc.get_count()))
    # The program's other threads must not run between the two forks (they would change the
    # heap one child sees): this thread keeps the GIL from here on (only it goes on in a child).
    sys.setswitchinterval(1000.0)
    PIDS[0] = fork()
    if PIDS[0] == 0:
        os._exit(0)
    os.waitpid(PIDS[0], 0)
    folders = (os.path.join(OUT, "pure"), os.path.join(OUT, "native"))
    # Warm-ups, one per kernel: the agent's caches settle, the native kernel is verified.
    choose_kernel(False)
    capture.capture_to_file(os.path.join(OUT, "warm-up.heapsnap"), frame, held_by_caller=3, collector_state=state)
    choose_kernel(True)
    capture.capture_to_file(os.path.join(OUT, "warm-up.heapsnap"), frame, held_by_caller=3, collector_state=state)
    # Both children forked back to back, from the same heap: the pure kernel's child, then the
    # native kernel's.
    PIDS[0] = fork()
    if PIDS[0] != 0:
        PIDS[1] = fork()
    if PIDS[0] == 0 or PIDS[1] == 0:
        child_capture(frame, state, folders)
    STATUSES[0] = os.waitpid(PIDS[0], 0)[1]
    STATUSES[1] = os.waitpid(PIDS[1], 0)[1]
    frame = None
    if list(STATUSES) != [0, 0]:
        print(json.dumps({"kernels": [], "sections": 0, "differences": [], "problem": "child statuses %r" % list(STATUSES)}))
        sys.stdout.flush()
        os._exit(0)
    files = [comparable(read_sections(os.path.join(folder, MADE))) for folder in folders]
    kernels = [sections["meta"]["capture"].pop("kernelName") for sections in files]
    report = {"kernels": kernels, "sections": len(files[0]), "differences": differences(files[0], files[1])[:20]}
    print(json.dumps(report))
    sys.stdout.flush()
    os._exit(0)


sys.argv = [SCRIPT]
sys.path[0] = os.path.dirname(os.path.realpath(SCRIPT))
main_globals = {"__name__": "__main__", "__file__": SCRIPT, "__builtins__": __builtins__}
with open(SCRIPT, "rb") as source:
    code = compile(source.read(), SCRIPT, "exec")
sys.settrace(at_line)
exec(code, main_globals)
sys.settrace(None)
print(json.dumps({"kernels": [], "differences": [], "problem": "%s was not reached" % AT}))
