"""How the runner catches the line: the part of heap_inspector_run.py that differs by version.

* 3.12+: ``sys.monitoring`` line events, switched on only for code objects of the target file (a
  ``PY_START`` callback that disables itself per code object), so nothing else is slowed down;
* up to 3.11: the target file's code is compiled with one call inserted before the statement at
  the line, in a forked child (heap_inspector_agent/instrument.py: ``ast`` is never imported
  here), and the call's placeholder constant is replaced by the stop function: no new names.
  ``sys.settrace`` is not used: on 3.11 it gives every frame, including every suspended
  generator's, a frame object that the program without tracing would not have.

Not a module: its code is executed in the runner's own namespace, so that these functions are
the runner's as if written in heap_inspector_run.py: the same globals, which are ``__main__``'s and
are emptied before the program runs.  What must outlive the set-up (the monitoring callbacks, the
module finder) goes into the runner's ``stoppers``, the agent's own.  Compiled, the runner carries
this file's code after its own (build_runner.py); from source, the runner compiles it from beside
itself.  So: nothing at module level but functions and constants, no imports there (they would
bind names in the program's namespace), no annotations.
"""

PLACEHOLDER = "\x00heap-inspector-stop\x00"  # replaced by the stop function in compiled code


def _code_lines(code, lines):
    """Every line number that has bytecode, in ``code`` and the code objects nested in it."""
    for _start, _end, line in code.co_lines():
        if line is not None:
            lines.add(line)
    for constant in code.co_consts:
        if type(constant) is type(code):
            _code_lines(constant, lines)
    return lines


def _snap_line_monitoring(main_code, target_file, line, fail):
    """The first line at or after ``line`` that has code (what a debugger binds a breakpoint to)."""
    code = main_code
    if code is None:
        with open(target_file, "rb") as source_file:
            code = compile(source_file.read(), target_file, "exec", dont_inherit=True)
    lines = sorted(_code_lines(code, set()))
    later = [candidate for candidate in lines if candidate >= line]
    if not later:
        fail("%s has no code at or after line %d" % (target_file, line))
    return later[0]


def _install_monitoring(sys, os, target_file, target_line, stop, stoppers, fail):
    monitoring = sys.monitoring
    for tool in (4, 3, 5):
        if monitoring.get_tool(tool) is None:
            break
    else:
        fail("no free sys.monitoring tool id (3, 4 and 5 are taken)")
    monitoring.use_tool_id(tool, "heap-inspector")
    events = monitoring.events
    DISABLE = monitoring.DISABLE
    known_files = {}
    target_name = os.path.basename(target_file)

    def in_target(filename):
        # This runs while the program runs (once per code object): it must not allocate, or the
        # program's automatic collections would move.  A substring test and a dict lookup do not;
        # only a file that has the target's name is resolved (os.path.realpath allocates).
        if filename == target_file:
            return True
        if target_name not in filename:
            return False
        verdict = known_files.get(filename)
        if verdict is None:
            verdict = os.path.realpath(filename) == target_file
            known_files[filename] = verdict
        return verdict

    def on_start(code, _offset):
        if in_target(code.co_filename):
            monitoring.set_local_events(tool, code, events.LINE)
        return DISABLE

    def on_line(code, line):
        if line != target_line:
            return DISABLE
        stop(2)
        return None

    monitoring.register_callback(tool, events.PY_START, on_start)
    monitoring.register_callback(tool, events.LINE, on_line)
    monitoring.set_events(tool, events.PY_START)
    stoppers.extend((on_start, on_line, known_files))


def _compile_instrumented(sys, os, agent_dir, script, source, module_file, line, fail):
    """(main code, target-module code or None, effective line), compiled with a stop call
    inserted before the statement at ``line``.  The compiling happens in a forked child: the
    ``ast`` module it needs is never imported into this process."""
    import marshal

    instrument = os.path.join(agent_dir, "instrument.py")
    request = (script, source, module_file, line, PLACEHOLDER)
    if not hasattr(os, "fork"):
        namespace = {"__name__": "_heap_inspector_instrument"}
        with open(instrument, "rb") as instrument_file:
            exec(compile(instrument_file.read(), instrument, "exec"), namespace)
        reply = namespace["instrument"](*request)
    else:
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # the child: compile, send the result, vanish
            status = 0
            try:
                os.close(read_end)
                namespace = {"__name__": "_heap_inspector_instrument"}
                with open(instrument, "rb") as instrument_file:
                    exec(compile(instrument_file.read(), instrument, "exec"), namespace)
                data = marshal.dumps(namespace["instrument"](*request))
                while data:
                    data = data[os.write(write_end, data) :]
            except BaseException as error:  # noqa: BLE001 - anything must become a message
                os.write(write_end, marshal.dumps(("error", "%s: %s" % (type(error).__name__, error))))
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        chunks = []
        while True:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_end)
        os.waitpid(child, 0)
        reply = marshal.loads(b"".join(chunks)) if chunks else ("error", "the compiler process died")
    if reply[0] == "error":
        fail(reply[1], 1)
    _kind, main_code, module_code, effective_line = reply
    return main_code, module_code, effective_line


def _patch_constants(code, replacement):
    """``code`` with the placeholder constant replaced, in it and every nested code object."""
    changed = False
    constants = []
    for constant in code.co_consts:
        if type(constant) is str and constant == PLACEHOLDER:
            constant = replacement
            changed = True
        elif type(constant) is type(code):
            patched = _patch_constants(constant, replacement)
            changed = changed or patched is not constant
            constant = patched
        constants.append(constant)
    return code.replace(co_consts=tuple(constants)) if changed else code


def _install_module_finder(sys, os, target_file, module_code):
    """Serve the instrumented code when the program imports ``target_file``."""
    import _frozen_importlib_external as external

    class HeapInspectorLoader(external.SourceFileLoader):
        def get_code(self, fullname):
            return module_code

    class HeapInspectorFinder:
        @staticmethod
        def find_spec(fullname, path=None, target=None):
            spec = external.PathFinder.find_spec(fullname, path, target)
            if spec is not None and spec.origin and os.path.realpath(spec.origin) == target_file:
                spec.loader = HeapInspectorLoader(fullname, spec.origin)
                sys.meta_path.remove(HeapInspectorFinder)
            return spec

    position = sys.meta_path.index(external.PathFinder) if external.PathFinder in sys.meta_path else 0
    sys.meta_path.insert(position, HeapInspectorFinder)
    return HeapInspectorFinder
