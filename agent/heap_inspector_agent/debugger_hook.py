"""Python Heap Inspector's debugger hook: runs inside a debuggee paused under debugpy.

Not part of the agent package proper (bootstrap.py never loads it).  The install expression of
extension/capture/agentExpression.ts reads this file from the agent's directory, compiles it into
a module registered as ``_heap_inspector_agent.debugger_hook`` (under the agent's package name, so
that the agent counts it, and everything it holds, as its own and leaves it out of snapshots), and
later captures call it with a one-line expression.  Every function returns one line of JSON, padded
with spaces (see _padded; the snapshot itself travels through a file).  Never raises: failures are
statuses with a code.  Standard library only, CPython 3.8+.
"""
import gc
import os
import sys
import time

PACKAGE = "_heap_inspector_agent"
FRAME_TYPE = type(sys._getframe(0))
# pydevd (debugpy 1.6 and 1.8) evaluates an expression for a frame in
# pydevd_vars.evaluate_expression(py_db, frame, expression, is_exec): the frame the user
# selected is that function's 'frame' argument, whichever frame of the stack it is.
PYDEVD_EVALUATE = "evaluate_expression"
# How long a capture lets waiting threads run before it starts (see yield_to_waiting_threads).
YIELD_SECONDS = 0.01
# The progress file the editor may make in the capture's private folder, beside the snapshot
# (the agent's progress.py); it polls it while the evaluate request waits.
PROGRESS_FILE = "progress"


def capture(path, agent_directory, accelerator=None, collector_state=None, sentinel=None):
    """Capture the heap at the selected frame into 'path'.

    'accelerator': where the native accelerator may be, "find:DIGEST\0FOLDER\0FOLDER..." (the
    extension does not know which interpreter this is: accel_loader.find picks the build that fits
    it), or "reason:WHY" there is none; None keeps the agent's previous choice.  A string, not a
    list or a dict: the call expression must create no object the collector tracks before this
    function disables it.
    'collector_state' (enabled, counts) and 'sentinel' come from the install expression, which
    disabled the collector before compiling this module; otherwise this function starts so.
    """
    started = time.perf_counter()
    # The program's switch interval: this hook never changes it, and puts it back should anything
    # below (the agent raises it, bounded, for its walk) leave it changed on some path.
    interval = sys.getswitchinterval()
    if collector_state is None:
        yield_to_waiting_threads()
        # As the runner's stop(): no automatic collection from here on (loading the agent
        # allocates), and everything tracked after the sentinel is the capture's own doing.
        enabled = gc.isenabled()
        gc.disable()
        counts = gc.get_count()
        sentinel = []
    else:
        enabled, counts = collector_state  # the install expression did all of the above
    frame = None
    progress = None
    stage = "frame"
    try:
        frame, resolved_by = _selected_frame()
        code = frame.f_code
        where = {"function": code.co_name, "file": code.co_filename, "line": frame.f_lineno,
                 "resolvedBy": resolved_by}
        del code
        stage = "load"
        loaded_now = sys.modules.get(PACKAGE + ".capture") is None
        agent = _load_agent(agent_directory)
        accelerated = _use_accelerator(accelerator)
        if loaded_now:
            yield_to_waiting_threads()  # loading read files: other threads ran meanwhile
        stage = "capture"
        progress = _open_progress(path)
        # The hook's last answers, which pydevd may still hold: the agent's, left out like the rest.
        agent.register_agent_objects(*_ANSWERS)
        try:
            # held_by_caller=1: this function's 'frame' is the only reference the hook holds.
            result = agent.capture_to_file(path, frame, trigger="debugger", held_by_caller=1,
                                           collector_state=(enabled, counts), sentinel=sentinel,
                                           progress=None if progress is None else progress.report)
        finally:
            agent.forget_agent_objects(*_ANSWERS)
        frame = None
        return _json({
            "status": "ok",
            "nodes": result["nodes"],
            "edges": result["edges"],
            "captureSeconds": result["seconds"],
            "seconds": time.perf_counter() - started,
            "agentLoaded": loaded_now,
            "frame": where,
            "python": "%d.%d.%d" % tuple(sys.version_info[:3]),
            "executable": sys.executable or "",
            "accelerated": accelerated,
            "pid": os.getpid(),
            "gcCollections": _collections(),
        })
    except BaseException as error:  # noqa: B902 - every failure must become a status
        return _failure(stage, error, path, agent_directory)
    finally:
        frame = None
        sentinel = None
        if progress is not None:
            progress.finish()
            progress.close()
            progress = None
        restore_switch_interval(interval)
        if enabled:
            gc.enable()


def restore_switch_interval(interval):
    """Put the program's switch interval back, exactly, if anything left it changed.

    CPython keeps the interval in whole microseconds and truncates the seconds it is given, so
    setting the value just read can lose one: 3700 us reads as 0.0036999999999999997, which sets
    3699.  The agent restores what it read that way; aiming at the middle of the microsecond
    gives the program its own value back."""
    if sys.getswitchinterval() != interval:
        sys.setswitchinterval((round(interval * 1e6) + 0.5) / 1e6)


def yield_to_waiting_threads():
    """Let every thread that is waiting for the GIL run now, rather than in the middle of the walk.

    The agent raises the switch interval for its walk (bounded, restored before it writes), and
    that keeps the GIL with the capture only against threads that start waiting afterwards: one
    already waiting (pydevd's writer wakes every 0.1 s) asked with the old interval, takes the GIL
    once mid-walk, and frames and counts read before no longer hold.  Sleeping once lets every
    such thread have its turn first.

    The sleep runs at the program's own switch interval, never a raised one: a thread the debugger
    does not pause (library code under justMyCode, attach sessions, every thread after a detach)
    may be busy, and would then keep the GIL, from this capture and from the debugger's own
    threads, for as long as the interval says.  The install expression (agentExpression.ts) does
    the same before this module exists."""
    time.sleep(YIELD_SECONDS)


def call(agent_directory, module, function, args, pass_frame):
    """Call the agent's module.function(*args[, frame=selected frame]); JSON of its result."""
    interval = sys.getswitchinterval()  # kept as in capture(): whatever the function does
    frame = None
    stage = "frame"
    try:
        if pass_frame:
            frame = _selected_frame()[0]
        stage = "load"
        _load_agent(agent_directory)
        target = sys.modules.get(PACKAGE + "." + module)
        function_object = None if target is None else target.__dict__.get(function)
        if not callable(function_object):
            return _json({"status": "error", "code": "agent-failed",
                          "message": "the agent has no function %s.%s" % (module, function)})
        stage = "call"
        if pass_frame:
            value = function_object(*args, frame=frame)
        else:
            value = function_object(*args)
        frame = None
        return _json({"status": "ok", "value": value, "gcCollections": _collections()})
    except BaseException as error:  # noqa: B902
        return _failure(stage, error, None, agent_directory)
    finally:
        frame = None
        restore_switch_interval(interval)


def _open_progress(path):
    """The progress file beside the snapshot, if the editor made one (else None).  Opened before
    the capture: the agent raises the switch interval only for its walk."""
    return sys.modules[PACKAGE + ".progress"].ProgressFile.open(os.path.join(os.path.dirname(path), PROGRESS_FILE))


def _selected_frame():
    """(frame, how it was found) for the frame the evaluate request named."""
    walk = sys._getframe(2)  # the evaluate expression's own frame
    try:
        while walk is not None:
            code = walk.f_code
            if code.co_name == PYDEVD_EVALUATE and "pydevd" in code.co_filename:
                selected = walk.f_locals.get("frame")
                if type(selected) is FRAME_TYPE:
                    return selected, "pydevd"
                break
            walk = walk.f_back
        # Another debugger: the innermost frame that is neither the debugger's nor ours.
        walk = sys._getframe(2)
        while walk is not None and _is_debugger_file(walk.f_code.co_filename):
            walk = walk.f_back
        if walk is None:
            raise LookupError("no user frame on this thread's stack")
        return walk, "innermost"
    finally:
        walk = None


def _is_debugger_file(filename):
    if filename.startswith("<"):
        return True  # this expression, the debugger's compiled expressions
    parts = filename.replace("\\", "/").split("/")
    return "pydevd" in filename or "debugpy" in parts or "_pydevd_bundle" in parts


def _load_agent(directory):
    """The agent's capture module, loaded once per process by its own bootstrap."""
    loaded = sys.modules.get(PACKAGE + ".capture")
    if loaded is not None:
        return loaded
    separator = "\\" if "\\" in directory and "/" not in directory else "/"
    path = directory + separator + "bootstrap.py"
    with open(path, "rb") as source:
        code = compile(source.read(), path, "exec", 0, True)
    namespace = {"__name__": "_heap_inspector_bootstrap"}
    try:
        exec(code, namespace)
        loaded = namespace["load_agent"](directory)
    finally:
        # load_agent refers to this namespace (its globals) and the namespace to load_agent: a
        # cycle that would be left as garbage for the next collection.
        namespace.clear()
    _adopt_modules()
    return loaded


def _use_accelerator(accelerator):
    """Pass the extension's accelerator choice to the agent; whether the native kernel is in use."""
    loader = sys.modules.get(PACKAGE + ".accel_loader")
    if loader is None:
        return False
    if type(accelerator) is str and accelerator.startswith("find:"):
        fields = accelerator[len("find:") :].split("\0")
        loader.find(fields[1:], fields[0])
    elif type(accelerator) is str and accelerator.startswith("reason:"):
        loader.unavailable(accelerator[len("reason:") :])
    return loader.kernel() is not None


def _adopt_modules():
    """Count the modules the install expression imported, and the program had not, among those
    the agent loaded (the package's loaded_modules, see bootstrap.py): they are left out of
    snapshots, as everything the agent brought into the process."""
    names = [name for name in globals().get("PROGRAM_LACKED", ()) if name in sys.modules]
    package = sys.modules.get(PACKAGE)
    if names and package is not None:
        known = package.__dict__.get("loaded_modules", ())
        package.loaded_modules = tuple(sorted(set(known) | set(names)))


def _collections():
    return [generation["collections"] for generation in gc.get_stats()]


def _failure(stage, error, path, agent_directory):
    kind = type(error).__name__
    detail = "%s: %s" % (kind, error)
    if isinstance(error, KeyboardInterrupt):
        code = "interrupted"
    elif stage == "load" and isinstance(error, OSError):
        code = "agent-missing"
        detail = "cannot read the agent in %s (%s)" % (agent_directory, detail)
    elif stage == "capture" and isinstance(error, OSError):
        code = "cannot-write"
        detail = "cannot write %s (%s)" % (path, detail)
    elif stage == "frame":
        code = "not-paused"
    else:
        code = "agent-failed"
    return _json({"status": "error", "code": code, "stage": stage, "message": detail})


# An answer's length with its padding: more than one TCP segment on a loopback interface (its MSS
# is 65,483 bytes for Linux's 64 KiB MTU; less elsewhere).
ANSWER_LENGTH = 70000


def _json(value):
    parts = []
    _encode(value, parts.append)
    return _padded("".join(parts))


# The last answers (strings of ANSWER_LENGTH): pydevd keeps what an evaluate returned until the
# program resumes, so a capture at the same stop would show them; the hook keeps the last
# KEPT_ANSWERS (140 KB) and hands them to the agent as its own objects.
KEPT_ANSWERS = 2
_ANSWERS = []


def _padded(text):
    """``text`` followed by spaces up to ANSWER_LENGTH.

    pydevd sends each response as two writes (header, then body) on a socket without TCP_NODELAY
    (microsoft/debugpy#2054): Nagle's algorithm holds a short body back until the header is
    acknowledged, and the adapter delays that acknowledgement by up to 40 ms.  A body longer than
    a segment is sent at once.  Measured through debugpy 1.6 and 1.8 on Linux: an evaluate that
    answers 10 characters takes 0.047-0.050 s, one that answers 70,000 takes 0.002-0.004 s.  The
    editor strips the spaces; the string is freed once pydevd has sent it (pydevd may keep the
    last answer until the program resumes)."""
    answer = text + " " * (ANSWER_LENGTH - len(text)) if len(text) < ANSWER_LENGTH else text
    _ANSWERS.append(answer)
    del _ANSWERS[:-KEPT_ANSWERS]
    return answer


def _encode(value, out):
    kind = type(value)
    if value is None or value is True or value is False:
        out("null" if value is None else "true" if value else "false")
    elif kind is int:
        out(str(value))
    elif kind is float:
        out(repr(value) if value == value and value not in (float("inf"), float("-inf")) else "null")
    elif kind is str:
        out('"')
        for char in value:
            point = ord(char)
            if char == '"' or char == "\\":
                out("\\" + char)
            elif 0x20 <= point < 0x7F:
                out(char)
            elif point <= 0xFFFF:
                out("\\u%04x" % point)
            else:
                point -= 0x10000
                out("\\u%04x\\u%04x" % (0xD800 + (point >> 10), 0xDC00 + (point & 0x3FF)))
        out('"')
    elif kind is dict:
        out("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out(",")
            _encode(str(key), out)
            out(":")
            _encode(item, out)
        out("}")
    elif kind is list or kind is tuple:
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _encode(item, out)
        out("]")
    else:
        raise TypeError("cannot encode %s as JSON" % kind.__name__)
