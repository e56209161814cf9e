"""Run a Python script exactly as ``python SCRIPT ARGS`` would, and capture its heap at a line.

    python heap_inspector_run.py run --at FILE:LINE [--hit N | --hits A,B,...] --out SNAPSHOT [--progress-out FILE]
        [--agent-dir DIR] [--agent-code FILE] SCRIPT [ARGS...]

The script runs as ``__main__`` with ``sys.argv = [SCRIPT, *ARGS]`` and ``sys.path[0]`` set to its
directory; the program's output passes through and the exit status is the program's own.  The
first (or Nth) time FILE:LINE is about to run, the agent writes a snapshot of the heap to SNAPSHOT.
With ``--hits`` it captures at each listed hit, to SNAPSHOT with ``{hit}`` replaced by the hit's
number; the agent then keeps what tells the next capture which objects it already saw (identity.py).

Everything here runs before the user's program starts, so it is written to leave no trace in the
heap the program will see: no imports beyond what the interpreter has loaded at start-up, no new
names in ``__main__``, no tracing.  How the line is caught (``sys.monitoring`` from 3.12, an
inserted call up to 3.11) is heap_inspector_catch_line.py, whose code runs in this file's own
namespace: compiled by build_runner.py, this file carries it.

The CLI runs this file through its first stage, ``python heap_inspector_start.pyc
heap_inspector_run.pyc run ...``, which measures the collector's state before anything of the
runner is loaded, so that the program's automatic collections come exactly where plain python's do
(heap_inspector_schedule.py).  Run on its own, the runner estimates that state, and the snapshot
says the schedule was not exact.
"""

# Run on its own: the collector's allocation count, read before this file defines anything; with
# what compiling this file cost (measured later by compiling it again) it estimates what the count
# would be for the user's script under plain python.
import sys as _sys  # noqa: E402 - deliberately first

# Run through heap_inspector_start.py (how the CLI runs it), the collector's state was measured
# before this file was loaded, and ``gc`` is a private module that ``sys.modules`` never sees.
_START = globals().get("_HEAP_INSPECTOR_START")
if _START is not None:
    _GC_WAS_LOADED = False
    _gc = _START["gc"]
    _COUNT_AT_START = _START["count"]
    _GC_WAS_ENABLED = _START["enabled"]
else:
    _GC_WAS_LOADED = "gc" in _sys.modules
    import gc as _gc  # noqa: E402

    _COUNT_AT_START = _gc.get_count()[0]
    _GC_WAS_ENABLED = _gc.isenabled()
    _gc.disable()  # no collection while the runner sets up: plain python would not have run one

USAGE = (
    "usage: heap_inspector_run.py run --at FILE:LINE [--hit N | --hits A,B,...] --out SNAPSHOT SCRIPT [ARGS...]"
)
EXIT_USAGE = 2


def _main():
    import os
    import sys

    runner_file = os.path.abspath(__file__)
    # The file our code objects name (the source path, even when run from a compiled copy).
    runner_code_file = _main.__code__.co_filename
    status_out = None  # --status-out, once read

    def fail(message, status=EXIT_USAGE):
        sys.stderr.write("heap-inspector: " + message + "\n")
        _write_status(status_out, "refused\n%s\n" % message)
        raise SystemExit(status)

    # -- arguments (no argparse: it would import a dozen modules into the user's process) ----
    args = sys.argv[1:]
    if not args or args[0] != "run":
        fail(USAGE)
    args = args[1:]
    options = {
        "--at": None,
        "--hit": "1",
        "--hits": None,  # several captures in one run: --out names each with {hit}
        "--out": None,
        "--agent-dir": None,
        "--agent-code": None,  # the agent's modules compiled for this interpreter (build_agent_code.py)
        "--accelerator": None,  # the native accelerator to use (see accel_loader.py)
        "--no-accelerator": None,  # or why there is none: one clause for the snapshot's warnings
        "--collect": None,  # after capturing, run the real gc.collect(N) and record what it did
        "--collect-out": None,
        "--status-out": None,  # where to record the capture's outcome (see _write_status)
        "--progress-out": None,  # a progress file its reader made (the agent's progress.py)
    }
    while args and args[0] in options:
        if len(args) < 2:
            fail("%s needs a value. %s" % (args[0], USAGE))
        options[args[0]] = args[1]
        args = args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        fail("no script to run. " + USAGE)
    if options["--at"] is None or options["--out"] is None:
        fail("--at FILE:LINE and --out SNAPSHOT are required. " + USAGE)
    at_file, _, at_line = options["--at"].rpartition(":")
    if not at_file or not at_line.isdigit() or int(at_line) < 1:
        fail("--at must be FILE:LINE with a line number from 1, e.g. app.py:42 (got %r)" % options["--at"])
    if options["--collect"] is not None and (
        options["--collect"] not in ("0", "1", "2") or options["--collect-out"] is None
    ):
        fail("--collect takes a generation (0, 1 or 2) and needs --collect-out FILE")
    if not options["--hit"].isdigit() or int(options["--hit"]) < 1:
        fail("--hit must be a whole number from 1 (got %r)" % options["--hit"])
    if options["--hits"] is not None:
        parts = options["--hits"].split(",")
        if not all(part.isdigit() and int(part) >= 1 for part in parts):
            fail("--hits must be hit numbers from 1, separated by commas, e.g. 2,5,9 (got %r)" % options["--hits"])
        if "{hit}" not in options["--out"]:
            fail("with --hits, --out must contain {hit} (one snapshot per hit)")
        wanted = sorted(set(int(part) for part in parts))
    else:
        wanted = [int(options["--hit"])]
    script = args[0]
    target_line = int(at_line)
    last_hit = wanted[-1]
    out_path = os.path.abspath(options["--out"])
    collect_generation = None if options["--collect"] is None else int(options["--collect"])
    collect_out = None if options["--collect-out"] is None else os.path.abspath(options["--collect-out"])
    status_out = None if options["--status-out"] is None else os.path.abspath(options["--status-out"])
    # The native accelerator's path, or why there is none (accel_loader.py).
    accelerator = (options["--accelerator"], options["--no-accelerator"])
    progress_out = None if options["--progress-out"] is None else os.path.abspath(options["--progress-out"])
    if not os.path.isfile(script):
        fail("script not found: %s" % script)
    if not os.path.isfile(at_file):
        fail("--at file not found: %s" % at_file)
    target_file = os.path.realpath(at_file)
    script_path = os.path.abspath(script) if sys.version_info >= (3, 9) else script
    # Run from a compiled copy (the CLI does, see _load_cost), the runner is told where the agent is.
    agent_dir = options["--agent-dir"] or os.path.join(os.path.dirname(runner_file), "heap_inspector_agent")
    agent_code = None if options["--agent-code"] is None else os.path.abspath(options["--agent-code"])
    # How the line is caught (heap_inspector_catch_line.py): its functions join this file's.
    _load_line_catching(globals(), _START["runner"] if _START is not None else runner_file, fail)
    is_main_target = os.path.realpath(script) == target_file
    with open(script, "rb") as source_file:
        source = source_file.read()
    # Plain python's count when the script starts: the count before this runner was loaded,
    # plus what compiling the script costs.  This is the process's first compilation, as the
    # script's is under plain python, so the compiler's caches are in the same state.
    # The builtin compile() first asks whether its argument is an AST, which creates the _ast
    # module's types on first use: hundreds of objects python's own compile of the script never
    # makes.  Importing _ast creates them outside the measurement (they count as the runner's
    # overhead) without warming anything else the first compilation pays for.
    exact = None
    if _START is not None:
        exact = _START["exact_start"](sys, os, _START, source, script_path, target_file if not is_main_target else None, target_line, _code_lines)
        if exact["syntax_error"] is not None:
            sys.stderr.write(exact["syntax_error"])  # what python prints for it, then its status
            raise SystemExit(1)
    if exact is None or exact["target"] is None:
        import _ast  # noqa: F401
        before = _gc.get_count()[0]
        try:
            compiled = compile(source, script_path, "exec", dont_inherit=True)
        except SyntaxError as error:
            sys.excepthook(SyntaxError, error, None)  # exactly what python prints, then its status
            raise SystemExit(1)
        script_cost = _gc.get_count()[0] - before
        del compiled
        # An estimate: it misses what the free lists hold (the snapshot says the schedule is approximate).
        plain_start = _COUNT_AT_START - _load_cost(_gc, runner_file) - _gc_import_cost(_gc) + script_cost
    schedule_note = _START["note"](exact) if _START is not None else _FALLBACK_NOTE

    state = {"hits": 0, "captured": False, "line": target_line, "error": None, "schedule": schedule_note,
             "progress": progress_out}
    if options["--hits"] is None:
        state["asked"] = ("--hit", "no snapshot was written")
    else:
        state["asked"] = ("--hits", "the snapshots of the hits reached were written")

    collector = _gc
    _schedule_at_capture = _START["note_at_capture"] if _START is not None else _no_capture_change

    def stop(frame_depth=1):
        """Called when the target line is about to run; captures on the wanted hit."""
        if frame_depth == 0:
            return None  # called once during set-up: its frame is made now (schedule's exact_finish)
        state["hits"] += 1
        if state["hits"] not in wanted or state["error"] is not None:
            return None
        hit = state["hits"]
        gc = collector  # the runner's own gc module: importing one would allocate here

        # No automatic collection may run between here and the capture: loading the agent
        # allocates, and a collection now would free the very garbage to be measured.
        enabled = gc.isenabled()
        gc.disable()
        counts_before = gc.get_count()
        # Everything tracked after this object is the agent's doing: its modules, what they
        # import, any garbage that leaves.  The capture leaves all of it out.
        sentinel = []
        write_status(status_out, "capturing\n")
        frame = sys._getframe(frame_depth)
        progress = None
        try:
            # Loaded once: compiling the bootstrap again at a later hit would leave new objects
            # behind at every capture (its code, its namespace).
            capture = state.get("agent")
            namespace = None
            if capture is None:
                namespace = {"__name__": "_heap_inspector_bootstrap"}
                with open(os.path.join(agent_dir, "bootstrap.py"), "rb") as bootstrap_file:
                    exec(compile(bootstrap_file.read(), os.path.join(agent_dir, "bootstrap.py"), "exec"), namespace)
                capture = state["agent"] = namespace["load_agent"](agent_dir, agent_code)
            package = capture.__name__.rpartition(".")[0]
            sys.modules[package + ".gcstate"].SCHEDULE = _schedule_at_capture(
                sys, state["schedule"], collector
            )
            if namespace is not None:
                accel_loader = sys.modules[package + ".accel_loader"]
                if accelerator[0] is not None:
                    accel_loader.use(accelerator[0])
                elif accelerator[1] is not None:
                    accel_loader.unavailable(accelerator[1])
                capture.register_agent_objects(stop, state, stoppers, namespace)
            # Opened now, made after the sentinel: the capture leaves it out.
            progress = sys.modules[package + ".progress"].ProgressFile.open(state["progress"])
            capture.capture_to_file(
                out_path.replace("{hit}", str(hit)),
                frame,
                trigger="runner",
                held_by_caller=1,
                collector_state=(enabled, counts_before),
                sentinel=sentinel,
                keep_identity=hit != last_hit,
                progress=None if progress is None else progress.report,
            )
            state["captured"] = hit == last_hit
            if collect_generation is not None:
                result = capture.collect_and_record(collect_generation, program_gc_enabled=enabled)
                write_json(collect_out, result)
        except Exception as error:  # report, and let the program go on as if nothing happened
            state["error"] = "%s: %s" % (type(error).__name__, error)
            sys.stderr.write("heap-inspector: the capture failed: %s\n" % state["error"])
        finally:
            del frame
            if progress is not None:
                # The CLI may show the progress on the program's terminal: the program goes on
                # once that line is cleared (a moment), so that its next output starts a line.
                progress.finish()
                progress.wait_until_cleared()
                progress.close()
                progress = None
            if state["error"] is None:
                write_status(status_out, "captured\n")
            else:
                write_status(status_out, "failed\n%s\n" % state["error"])
            if enabled:
                gc.enable()
        return None

    stoppers = []  # objects that catch the line (kept alive; marked as the agent's own)
    write_json = _write_json  # this module's globals become the program's: keep a reference
    write_status = _write_status

    # -- how the line is caught ------------------------------------------------------------
    if hasattr(sys, "monitoring"):
        if exact is not None and exact["code"] is not None:
            # Compiled by the replay process (heap_inspector_schedule.exact_start): compile() here
            # would create the ast module's types, which plain python makes only when the program compiles.
            code = exact["code"]
            if exact["line"] is None:
                fail("%s has no code at or after line %d" % (target_file, target_line))
            target_line = exact["line"]
        else:
            code = compile(source, script_path, "exec", dont_inherit=True)
            target_line = _snap_line_monitoring(code if is_main_target else None, target_file, target_line, fail)
        state["line"] = target_line
        _install_monitoring(sys, os, target_file, target_line, stop, stoppers, fail)
    else:
        code, module_code, effective_line = _compile_instrumented(
            sys, os, agent_dir, script, source, target_file if not is_main_target else None, target_line, fail
        )
        state["line"] = effective_line
        code = _patch_constants(code, stop)
        if module_code is not None:
            stoppers.append(_install_module_finder(sys, os, target_file, _patch_constants(module_code, stop)))
    if state["line"] != int(at_line):
        sys.stderr.write(
            "heap-inspector: %s:%s starts no statement; stopping at line %d instead\n"
            % (at_file, at_line, state["line"])
        )


    # -- become the user's program -----------------------------------------------------------
    main_module = sys.modules["__main__"]
    namespace = main_module.__dict__
    loader = namespace.get("__loader__")
    if loader is not None and hasattr(loader, "path"):
        loader.path = script_path  # the same SourceFileLoader python gives a script
    namespace["__doc__"] = None
    namespace["__file__"] = script_path
    namespace["__cached__"] = None
    sys.argv[:] = args
    if not getattr(sys.flags, "safe_path", False):  # python -P / PYTHONSAFEPATH adds no entry
        sys.path[0] = os.path.dirname(os.path.realpath(script))
    if _START is not None and not _START["gc_was_loaded"] and sys.modules.get("gc") is _gc:
        # Before 3.10 making gc registered it: the program's own ``import gc`` must import it, as
        # under python (it then gets a copy of this module, made from the cached first one).
        del sys.modules["gc"]
    # From here on this module's globals are the user's: keep what is still needed as locals.
    report_unreached = _report_unreached
    del source, args, options, main_module, loader
    gc_was_enabled = _GC_WAS_ENABLED
    gc_module = _gc
    keep_schedule = _keep_schedule
    start_info = _START
    # The names python gives a script's namespace (its __annotations__ is an empty dict).
    script_names = (
        "__name__", "__package__", "__loader__", "__spec__", "__builtins__", "__file__", "__cached__", "__doc__",
        "__annotations__",
    )  # fmt: skip
    for name in list(namespace):
        if name not in script_names:
            del namespace[name]
    del name, script_names
    if exact is not None and exact["target"] is not None:
        # Last, when every temporary of the set-up is gone: the free lists and the count as plain
        # python has them when the script starts.  From here to exec nothing is freed (these
        # locals stay) and nothing is allocated.
        start_info["exact_finish"](gc_module, exact, stoppers, stop, start_info)
    else:
        # Last, when every temporary of the set-up is gone: what the count now exceeds plain
        # python's by is what the runner added.
        keep_schedule(gc_module, plain_start, stoppers, sys.version_info >= (3, 14))
        del keep_schedule, exact
    if gc_was_enabled:
        gc_module.enable()

    try:
        exec(code, namespace)
    except SystemExit:
        report_unreached(sys, state, at_file, write_status, status_out)
        raise
    except BaseException as error:
        # Print the traceback as python would, without this runner's frames in it.
        traceback = error.__traceback__
        while traceback is not None and traceback.tb_frame.f_code.co_filename == runner_code_file:
            traceback = traceback.tb_next
        error.__traceback__ = traceback  # what python prints is the exception's own traceback
        sys.last_type, sys.last_value, sys.last_traceback = type(error), error, traceback
        sys.excepthook(type(error), error, traceback)
        del traceback
        report_unreached(sys, state, at_file, write_status, status_out)
        if type(error) is KeyboardInterrupt:
            # End as python ends on an uncaught KeyboardInterrupt: the interpreter finalizes
            # (threads, atexit handlers, flushing), then kills itself with SIGINT, so that a shell
            # sees 130 and stops a script's loop.  The traceback is printed already (without our
            # frames): the hook python calls now prints nothing and puts the program's back.  It
            # is made only now, from defaults: nothing of it exists while the program runs.
            def printed_already(*_args, sys=sys, program_hook=sys.excepthook):
                sys.excepthook = program_hook

            sys.excepthook = printed_already
            raise error
        del error
        raise SystemExit(1)
    report_unreached(sys, state, at_file, write_status, status_out)


def _load_line_catching(namespace, runner_file, fail):
    """Run heap_inspector_catch_line.py's code in ``namespace`` (this file's globals), so that its
    functions are this file's.  Compiled (build_runner.py), this file carries that code after its
    own, with its length in the last 8 bytes; from source it is compiled from beside this file."""
    import marshal
    import os

    if runner_file[-4:] == ".pyc":
        with open(runner_file, "rb") as runner:
            data = runner.read()
        length = int.from_bytes(data[-8:], "little")
        if not 0 < length < len(data) - 24:
            fail("%s carries no line-catching code: build it with build_runner.py" % runner_file, 1)
        code = marshal.loads(data[-8 - length : -8])
        del data
    else:
        path = os.path.join(os.path.dirname(runner_file), "heap_inspector_catch_line.py")
        with open(path, "rb") as source:
            code = compile(source.read(), path, "exec", dont_inherit=True)
    exec(code, namespace)


def _load_cost(gc, runner_file):
    """What loading this runner's code cost generation 0's count before its first line ran.

    From a .pyc (how the CLI runs it) the cost is exactly that of unmarshalling the file again:
    marshal keeps no caches.  From source it is estimated by compiling again (the compiler's
    caches are warm the second time, so this can be off by some dozens of objects)."""
    import marshal

    with open(runner_file, "rb") as runner:
        data = runner.read()
    before = gc.get_count()[0]
    if runner_file.endswith(".pyc"):
        loaded = marshal.loads(data[16:])
    else:
        loaded = compile(data, runner_file, "exec", dont_inherit=True)
    cost = gc.get_count()[0] - before
    del loaded
    return cost


def _gc_import_cost(gc):
    """Tracked objects ``import gc`` created, when plain python would not have imported it:
    the module, its namespace, its functions and its module spec."""
    if _GC_WAS_LOADED:
        return 0
    functions = sum(1 for value in gc.__dict__.values() if type(value) is type(len))
    return 3 + functions + (1 if _sys.version_info < (3, 11) else 0)


def _keep_schedule(gc, plain_start, stoppers, incremental):
    """Make the program's automatic collections come after exactly as many of its own
    allocations as under plain python, whatever this runner allocated before it started:
    generation 0's threshold is raised by the difference until the next collection ends.
    The agent's gcstate.keep_schedule finds the same callback (by its name) and adds to it."""
    # Called after this module's globals were handed to the program: use arguments only.
    if gc.get_threshold()[0] == 0 or incremental:
        return  # no automatic collection / 3.14's incremental collector (docs/versions.md)
    added = gc.get_count()[0] - plain_start
    if added == 0:
        return
    state = {"threshold": gc.get_threshold()[0], "added": added}

    # Same protocol as gcstate.make_schedule_callback (the agent is not loaded yet).
    def heap_inspector_keep_schedule(phase, _info, state=state):
        if phase != "stop":
            return
        current = gc.get_threshold()
        if current[0] == state["threshold"] + state["added"]:
            gc.set_threshold(state["threshold"], current[1], current[2])
        for index, callback in enumerate(gc.callbacks):
            if callback is heap_inspector_keep_schedule:
                del gc.callbacks[index]
                break

    heap_inspector_keep_schedule.__qualname__ = "heap_inspector_keep_schedule"
    threshold = gc.get_threshold()
    gc.set_threshold(max(1, threshold[0] + added), threshold[1], threshold[2])
    gc.callbacks.append(heap_inspector_keep_schedule)
    stoppers.append(heap_inspector_keep_schedule)


# Without heap_inspector_start.py (the runner run from its source): the schedule is estimated.
_FALLBACK_NOTE = {
    "exact": False,
    "reasons": ["the runner ran without its first stage (heap_inspector_start), which measures the collector's state"],
}


def _no_capture_change(sys, note, collector):
    return note


def _write_json(path, value):
    """The real collection's record, written whole or not at all (no json import here: it would
    load re and more into the program; the agent's encoder is already loaded)."""
    import sys

    encode = sys.modules["_heap_inspector_agent.writer"].encode_json
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(encode(value))
    import os

    os.replace(temporary, path)


def _write_status(path, text):
    """Record the capture's outcome for whoever started the runner (the CLI, the extension):
    ``capturing``, ``captured``, ``failed`` and the reason, ``unreached`` and the hits.  A small
    file replaced whole, through os-level calls only: nothing the collector tracks is allocated,
    and a failure to write it is not the program's problem."""
    if path is None:
        return
    import os

    temporary = path + ".new"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode("utf-8", "backslashreplace"))
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError:
        pass


def _report_unreached(sys, state, at_file, write_status=None, status_out=None):
    if not state["captured"] and state["error"] is None:
        if write_status is not None:
            write_status(status_out, "unreached\n%d\n" % state["hits"])
        if state["hits"] == 0:
            sys.stderr.write(
                "heap-inspector: %s:%d was never reached; no snapshot was written\n" % (at_file, state["line"])
            )
        else:
            sys.stderr.write(
                "heap-inspector: %s:%d was reached %d time(s), fewer than %s asked; %s\n"
                % (at_file, state["line"], state["hits"], state["asked"][0], state["asked"][1])
            )


if __name__ == "__main__":
    _main()
