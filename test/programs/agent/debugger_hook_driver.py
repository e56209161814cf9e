"""Drives the debugger hook (agent/heap_inspector_agent/debugger_hook.py) without a debugger.

    python debugger_hook_driver.py SCENARIO AGENT_DIRECTORY OUT_DIRECTORY

Loads the hook the way the install expression does (compiled from its file into a module
registered under the agent's package name), calls it as a debugger would, and prints one JSON
line: the hook's answers parsed, and what the program's switch interval, collector and modules
were around each call.  SCENARIO "capture" runs the capture entry point, "call" the agent-call
entry point and the status encoder.  Runs on CPython 3.8+.
"""
import _thread
import gc
import json
import os
import sys
import time

SCENARIO, AGENT, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
HOOK_NAME = "_heap_inspector_agent.debugger_hook"
# The program's own switch interval: an odd value that nothing else would set (read back: CPython
# keeps it in whole microseconds).
sys.setswitchinterval(0.0037)
PROGRAM_INTERVAL = sys.getswitchinterval()
# pydevd evaluates an expression for a frame in pydevd_vars.evaluate_expression(py_db, frame,
# expression, is_exec): this function has that name and file name, as in evaluate_in_frame.py.
PYDEVD_VARS = "/site-packages/debugpy/_vendored/pydevd/_pydevd_bundle/pydevd_vars.py"
EVALUATE = """
def evaluate_expression(py_db, frame, expression, is_exec):
    return eval(expression, {"hook": HOOK, "args": ARGS})
"""


def load_hook():
    hook = type(sys)(HOOK_NAME)
    path = os.path.join(AGENT, "debugger_hook.py")
    with open(path, "rb") as source:
        code = compile(source.read(), "<heap-inspector debugger hook>", "exec", 0, True)
    exec(code, hook.__dict__)
    sys.modules[HOOK_NAME] = hook
    return hook


hook = load_hook()


def agent_modules():
    return sorted(name for name in sys.modules if name.startswith("_heap_inspector_agent"))


# How a debugger calls the hook: an expression evaluated in a namespace of its own, from code the
# hook does not take for the program's ("<string>"); the frame that called it is the program's.
CALL = compile("function(*args)", "<string>", "eval")


def observe(answer):
    """The hook's answer, parsed, and the program's state right after it."""
    return {
        "answer": json.loads(answer),
        "ascii": all(ord(char) < 0x80 for char in answer) and "\n" not in answer,
        # The JSON, then spaces up to the answer's length (see debugger_hook._padded).
        "length": len(answer),
        "padding": len(answer) - len(answer.rstrip(" ")),
        "interval": sys.getswitchinterval(),
        "programInterval": PROGRAM_INTERVAL,
        "gcEnabled": gc.isenabled(),
        "collections": [generation["collections"] for generation in gc.get_stats()],
        "agentModules": agent_modules(),
    }


def in_bare_thread(function, *args):
    """function(*args) on a thread whose only Python frame is the debugger's ("<...>")."""
    done = _thread.allocate_lock()
    done.acquire()
    namespace = {"function": function, "args": args, "result": [], "done": done}
    code = compile("result.append(function(*args))\ndone.release()", "<debugger thread>", "exec")
    _thread.start_new_thread(exec, (code, namespace))
    done.acquire()
    return observe(namespace["result"][0])


class SleepRecorder:
    """Stands in for the hook's `time` module: records the program's state at each sleep."""

    def __init__(self):
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append({"seconds": seconds, "interval": sys.getswitchinterval(), "gcEnabled": gc.isenabled()})
        time.sleep(seconds)

    perf_counter = staticmethod(time.perf_counter)


class AgentPatch:
    """Replaces one function of the loaded agent's capture module while the block runs."""

    def __init__(self, name, replacement):
        self.module = sys.modules["_heap_inspector_agent.capture"]
        self.name = name
        self.replacement = replacement

    def __enter__(self):
        self.original = self.module.__dict__[self.name]
        self.module.__dict__[self.name] = self.replacement

    def __exit__(self, *exc):
        self.module.__dict__[self.name] = self.original


def target(path, agent):
    program_local = ["kept"]  # noqa: F841 - a local of the captured frame
    answer = eval(CALL, {"function": hook.capture, "args": (path, agent)})  # CAPTURE-LINE
    return observe(answer)


def call_in_frame(*args):
    """hook.call(*args) from this frame (the one a frame-taking agent function is given)."""
    answer = eval(CALL, {"function": hook.call, "args": args})  # CALL-LINE
    return observe(answer)


def selected_by_pydevd(path):
    selected = sys._getframe()  # the frame "pydevd" is asked to evaluate in
    return inner_frame(selected, path)  # PYDEVD-LINE


def inner_frame(selected, path):
    namespace = {"HOOK": hook, "ARGS": (path, AGENT)}
    exec(compile(EVALUATE, PYDEVD_VARS, "exec"), namespace)
    evaluate = namespace["evaluate_expression"]
    return observe(evaluate(None, selected, "hook.capture(*args)", False))


def out(name):
    return os.path.join(OUT, name)


def capture_scenario():
    report = {"pid": os.getpid(), "python": "%d.%d.%d" % tuple(sys.version_info[:3]),
              "programInterval": PROGRAM_INTERVAL}
    path_before = list(sys.path)
    # Refusals before the agent is loaded (a loaded agent is reused whatever the directory).
    report["missingAgent"] = target(out("missing.heapsnap"), os.path.join(OUT, "no-agent"))
    report["noUserFrame"] = in_bare_thread(hook.capture, out("bare.heapsnap"), AGENT)
    # A module the install expression imported and the program had not (see _adopt_modules).
    import colorsys  # noqa: F401 - stands for such a module

    hook.PROGRAM_LACKED = ("colorsys", "not_a_loaded_module")
    recorder = SleepRecorder()
    hook.time = recorder
    report["first"] = target(out("first.heapsnap"), AGENT)
    report["firstSleeps"] = list(recorder.sleeps)
    report["loadedModules"] = list(sys.modules["_heap_inspector_agent"].loaded_modules)
    # The second capture: the agent is loaded; what capture_to_file sees when it is called.
    entry = []
    real = sys.modules["_heap_inspector_agent.capture"].capture_to_file

    def observed(*args, **kwargs):
        entry.append({"interval": sys.getswitchinterval(), "gcEnabled": gc.isenabled()})
        return real(*args, **kwargs)

    recorder.sleeps[:] = []
    with AgentPatch("capture_to_file", observed):
        report["second"] = target(out("second.heapsnap"), AGENT)
    report["secondSleeps"] = list(recorder.sleeps)
    report["secondEntry"] = entry
    report["pydevd"] = selected_by_pydevd(out("pydevd.heapsnap"))
    gc.disable()
    report["collectorOff"] = target(out("off.heapsnap"), AGENT)
    gc.enable()
    report["unwritable"] = target(os.path.join(OUT, "no-such-directory", "x.heapsnap"), AGENT)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    def broken(*args, **kwargs):
        raise RuntimeError("agent bug")

    def leaves_interval_raised(*args, **kwargs):
        sys.setswitchinterval(100.0)
        raise RuntimeError("left the interval raised")

    for name, replacement in (
        ("interrupted", interrupted),
        ("agentBug", broken),
        ("intervalLeftRaised", leaves_interval_raised),
    ):
        with AgentPatch("capture_to_file", replacement):
            report[name] = target(out(name + ".heapsnap"), AGENT)
    report["pathSame"] = sys.path == path_before
    report["files"] = sorted(os.listdir(OUT))
    return report


def call_scenario():
    report = {"programInterval": PROGRAM_INTERVAL}
    report["missingAgent"] = call_in_frame(os.path.join(OUT, "no-agent"), "capture", "capture_to_file", [], False)
    report["noUserFrame"] = in_bare_thread(hook.call, AGENT, "capture", "capture_to_file", [out("bare.heapsnap")], True)
    report["noFunction"] = call_in_frame(AGENT, "capture", "no_such_function", [], False)
    report["noModule"] = call_in_frame(AGENT, "no_such_module", "f", [], False)
    report["collect"] = call_in_frame(AGENT, "capture", "collect_and_record", [2, None], False)
    # capture_to_file(path, frame=<the frame that called the hook>): this one.
    report["withFrame"] = call_in_frame(AGENT, "capture", "capture_to_file", [out("framed.heapsnap")], True)

    def raises(*args, **kwargs):
        raise ValueError("bad argument")

    with AgentPatch("collect_and_record", raises):
        report["raises"] = call_in_frame(AGENT, "capture", "collect_and_record", [2, None], False)
    # The status encoder: what each value becomes, read back by a real JSON parser.
    values = {
        "plain": "abc",
        "quotes": 'say "hi" \\ there',
        "controls": "tab\there\nline\x00nul\x7fdel",
        "accents": "d\u00e9j\u00e0 \u20ac",
        "astral": "\U0001f600 and \U00010000",
        "numbers": [0, -7, 2**70, 1.5, float("nan"), float("inf"), float("-inf")],
        "constants": [None, True, False],
        "nested": {"tuple": (1, [2, {"3": None}]), 4: "int key"},
    }
    encoded = hook._json(values)
    report["encoded"] = {"text": encoded, "parsed": json.loads(encoded)}
    try:
        hook._json({"set": {1}})
        report["unencodable"] = None
    except TypeError as error:
        report["unencodable"] = str(error)
    report["interval"] = sys.getswitchinterval()
    return report


def progress_scenario():
    """The progress file the editor makes beside the snapshot, in the capture's private folder."""
    report = {}
    for name, make_file in (("withFile", True), ("withoutFile", False)):
        folder = out(name)
        os.mkdir(folder)
        progress = os.path.join(folder, "progress")
        if make_file:
            with open(progress, "wb") as reader_made:
                reader_made.write(b"PHIPROG1" + bytes(56))
        calls = []
        real = sys.modules.get("_heap_inspector_agent.capture")

        def observed(*args, **kwargs):
            callback = kwargs.get("progress")
            if callback is None:
                return capture_module.capture_to_file_real(*args, **kwargs)

            def recording(phase, done, total):
                calls.append(phase)
                callback(phase, done, total)

            kwargs["progress"] = recording
            return capture_module.capture_to_file_real(*args, **kwargs)

        if real is None:  # the first capture loads the agent
            report["load"] = target(out("load.heapsnap"), AGENT)["answer"]["status"]
        capture_module = sys.modules["_heap_inspector_agent.capture"]
        capture_module.capture_to_file_real = capture_module.capture_to_file
        with AgentPatch("capture_to_file", observed):
            answer = target(os.path.join(folder, "capture.heapsnap"), AGENT)
        with open(progress, "rb") if make_file else open(os.devnull, "rb") as written:
            data = written.read()
        report[name] = {
            "status": answer["answer"]["status"],
            "phases": sorted(set(calls), key=calls.index),
            "phase": data[16:32].rstrip(b"\0").decode("ascii"),
            "doneIsTotal": data[32:40] == data[40:48],
            "state": data[56] if data else None,
            "files": sorted(os.listdir(folder)),
        }
    return report


SCENARIOS = {"capture": capture_scenario, "call": call_scenario, "progress": progress_scenario}
print(json.dumps(SCENARIOS[SCENARIO]()))
