#!/usr/bin/env python3
"""Collector oracle: run a program, and at one line record exactly what ``gc.collect`` frees.

Usage::

    python3 test/oracle/collect_at_line.py --at FILE:LINE [--hit N] [--generation G]
                                           --out RESULT.json SCRIPT [ARGS...]

SCRIPT runs as ``python3 SCRIPT ARGS`` would: as ``__main__``, with ``sys.argv = [SCRIPT, *ARGS]``,
``sys.path[0]`` the script's directory and ``__file__`` absolute.  FILE is SCRIPT or a module it
imports.  LINE must start a simple statement.  Its source text is rewritten to
``__heap_oracle__(); <statement>`` (same line number, so tracebacks and code objects keep their
lines) and the file is compiled from that text; ``__heap_oracle__`` lives in ``builtins``.  No
tracing or profiling hook is installed (on 3.11 those materialise frame objects and change the
heap).
(Only the capture line's column offsets shift, by the length of the inserted call.)

On the Nth call (``--hit``, default 1) the hook, with nothing of the program's running meanwhile:

1. disables the collector (its own allocations must not trigger a collection);
2. records, for every object in ``gc.get_objects()``, ``module.qualname`` of its type (read through
   ``type``'s own descriptors: no user code runs, ``builtins.`` is kept), whether the type has a
   finalizer (``'__del__'`` in the ``__dict__`` of a class of its MRO -- this includes the slot
   wrappers of generators, coroutines and io objects) and ``gc.is_finalized``; and the pending
   ``weakref.finalize`` entries.  Only ints and strs are kept, no reference to a program object;
3. runs ``gc.collect(G)`` with ``gc.DEBUG_COLLECTABLE`` added to the program's debug flags and
   ``sys.stderr`` swapped for a StringIO, and parses the ``gc: collectable <TYPE 0xADDR>`` lines.
   That list is printed after the unreachable set is computed and before weakref callbacks and
   finalizers run: objects that a finalizer resurrects are listed, although not freed.  Everything
   else written to stderr meanwhile (``Exception ignored in: ...`` from a raising ``__del__``) is
   written to the real stderr afterwards;
4. records the finalize callbacks that fired, what ``__main__.FINALIZED`` gained (if the program
   has such a list), the return value of ``gc.collect`` and ``len(gc.garbage)``;
5. writes RESULT.json, restores the collector's enabled state, and the program goes on.

RESULT.json::

    {"generation": G,
     "collected": {"count": N, "byType": {"__main__.Node": 2, "builtins.dict": 1}},
     "finalizers": {"count": N, "byType": {...}},   # collected, has a finalizer, not yet finalized
     "finalizeCallbacksFired": ["rmtree"],           # qualnames, sorted
     "delLog": ["node a", ...],                      # what FINALIZED gained, in order
     "gcReturn": n, "garbage": len(gc.garbage),
     "addresses": ["0x7f...", ...]}                  # in the collector's order

An address missing from the pre-pass (never seen in practice) is counted under the raw ``tp_name``
printed by the collector.

Exit status: the program's own; 2 for bad arguments (FILE:LINE not found, not a simple statement);
3 when the line was never reached (hit N) and the program itself succeeded (RESULT.json not
written; a stale one is removed at start).
Standard library only.
"""

import ast
import builtins
import gc
import importlib.machinery
import io
import os
import sys
import tokenize
import types

from oracle_capture import State, make_hook

PROG = "collect_at_line"
USAGE = (
    "usage: collect_at_line.py --at FILE:LINE [--hit N] [--generation G] --out RESULT.json "
    "SCRIPT [ARGS...]"
)

_SIMPLE = (
    ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Pass, ast.Break, ast.Continue,
    ast.Return, ast.Raise, ast.Delete, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal,
    ast.Assert,
)


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Rewriting the line


def _read_source(path):
    with open(path, "rb") as fh:
        data = fh.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def rewrite(path, lineno):
    """Source of `path` with `__heap_oracle__(); ` inserted before the statement at `lineno`."""
    try:
        source = _read_source(path)
    except OSError as e:
        raise UsageError("%s:%d: cannot read the file (%s)" % (path, lineno, e.strerror or e))
    except (SyntaxError, UnicodeDecodeError) as e:
        raise UsageError("%s: cannot decode the file (%s)" % (path, e))
    lines = source.splitlines(True)
    if lineno < 1 or lineno > len(lines):
        raise UsageError("%s:%d: no such line (the file has %d lines)" % (path, lineno, len(lines)))
    try:
        tree = ast.parse(source, path)
    except SyntaxError as e:
        raise UsageError("%s: does not compile (%s)" % (path, e))
    text = lines[lineno - 1]
    indent = len(text) - len(text.lstrip(" \t\f"))
    stmt = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno == lineno and node.col_offset == indent:
            stmt = node
            break
    if stmt is None:
        raise UsageError("%s:%d: no statement starts on this line" % (path, lineno))
    if not isinstance(stmt, _SIMPLE):
        raise UsageError(
            "%s:%d: not a simple statement (%s)" % (path, lineno, type(stmt).__name__)
        )
    if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
        raise UsageError("%s:%d: cannot capture at a __future__ import" % (path, lineno))
    lines[lineno - 1] = text[:indent] + "__heap_oracle__(); " + text[indent:]
    new_source = "".join(lines)
    try:
        compile(new_source, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        raise UsageError("%s:%d: the rewritten line does not compile (%s)" % (path, lineno, e.msg))
    return new_source


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


class _RewrittenLoader(importlib.machinery.SourceFileLoader):
    source_text = ""

    def get_code(self, fullname):
        return compile(self.source_text, self.path, "exec", dont_inherit=True)


class _Finder:
    """A sys.meta_path finder that hands out the rewritten source for one file."""

    def __init__(self, target, source_text):
        self.target = target
        self.source_text = source_text

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.has_location or not spec.origin:
            return None
        if not spec.origin.endswith(".py") or not _same_file(spec.origin, self.target):
            return None
        loader = _RewrittenLoader(fullname, spec.origin)
        loader.source_text = self.source_text
        spec.loader = loader
        return spec

    def invalidate_caches(self):
        pass


# --------------------------------------------------------------------------------------------
# Command line and running the program


def parse_args(argv):
    opts = {"at": None, "hit": 1, "generation": 2, "out": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(USAGE)
            print(__doc__)
            raise SystemExit(0)
        if a == "--":
            i += 1
            break
        if not a.startswith("--") or a == "-":
            break
        key, eq, value = a[2:].partition("=")
        if key not in opts:
            raise UsageError("unknown option %s" % a)
        if not eq:
            i += 1
            if i >= len(argv):
                raise UsageError("%s needs a value" % a)
            value = argv[i]
        opts[key] = value
        i += 1
    rest = argv[i:]
    if not rest:
        raise UsageError("no SCRIPT given")
    if not opts["at"] or not opts["out"]:
        raise UsageError("--at FILE:LINE and --out RESULT.json are required")
    file_, sep, line = opts["at"].rpartition(":")
    if not sep or not file_ or not line.isdigit():
        raise UsageError("--at must be FILE:LINE, got %r" % opts["at"])
    try:
        hit = int(opts["hit"])
        generation = int(opts["generation"])
    except ValueError:
        raise UsageError("--hit and --generation take integers")
    if hit < 1:
        raise UsageError("--hit must be 1 or more")
    if generation not in (0, 1, 2):
        raise UsageError("--generation must be 0, 1 or 2")
    return {
        "file": file_,
        "line": int(line),
        "hit": hit,
        "generation": generation,
        "out": os.path.abspath(opts["out"]),
        "script": rest[0],
        "args": rest[1:],
    }


def _exit_code_of(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def main(argv):
    try:
        opts = parse_args(argv)
        script = opts["script"]
        script_abs = os.path.abspath(script)
        target_abs = os.path.abspath(opts["file"])
        if not os.path.isfile(script_abs):
            raise UsageError("%s: no such script" % script)
        if not os.path.isfile(target_abs):
            raise UsageError("%s:%d: no such file" % (opts["file"], opts["line"]))
        new_source = rewrite(target_abs, opts["line"])
        in_main = _same_file(target_abs, script_abs)
        main_source = new_source if in_main else _read_source(script_abs)
        main_code = compile(main_source, script_abs, "exec", dont_inherit=True)
        if os.path.exists(opts["out"]):
            os.unlink(opts["out"])  # never leave a stale result behind
    except UsageError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 2
    except SyntaxError as e:
        sys.stderr.write("%s: error: %s: does not compile (%s)\n" % (PROG, opts["script"], e))
        return 2
    except (OSError, ValueError) as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, str(e).replace("\n", " ")))
        return 2

    # The oracle's own module stays referenced from this frame while the program runs.
    oracle_module = sys.modules.get("__main__")
    main_module = types.ModuleType("__main__")
    main_dict = main_module.__dict__
    main_dict["__file__"] = script_abs
    main_dict["__cached__"] = None
    main_dict["__loader__"] = importlib.machinery.SourceFileLoader("__main__", script_abs)
    main_dict["__builtins__"] = builtins
    sys.modules["__main__"] = main_module
    sys.argv = [script] + opts["args"]
    sys.path[0] = os.path.dirname(os.path.realpath(script_abs))

    state = State(opts["hit"], opts["generation"], opts["out"], main_dict)
    builtins.__heap_oracle__ = make_hook(state)
    if not in_main:
        for mod in list(sys.modules.values()):
            origin = getattr(mod, "__file__", None)
            if type(origin) is str and _same_file(origin, target_abs):
                sys.stderr.write(
                    "%s: error: %s is already imported by the oracle itself; cannot rewrite it\n"
                    % (PROG, opts["file"])
                )
                return 2
        mod = None
        sys.meta_path.insert(0, _Finder(target_abs, new_source))
    del new_source, main_source
    # Start the program from a heap without the oracle's own start-up garbage.
    gc.collect()

    status = 0
    try:
        exec(main_code, main_dict)
    except SystemExit as e:
        status = _exit_code_of(e)
        e = None
    except BaseException as e:
        tb = e.__traceback__
        if tb is not None:
            tb = tb.tb_next  # hide this frame: the traceback starts in the program, as usual
            e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        status = 1
        e = tb = None
    del main_code, oracle_module

    if state.error is not None:
        sys.stderr.write("%s: error: the capture failed: %s\n" % (PROG, state.error))
        return status or 2
    if not state.done:
        sys.stderr.write(
            "%s: %s:%d was reached %d time(s), not %d: %s not written\n"
            % (PROG, opts["file"], opts["line"], state.calls, opts["hit"], opts["out"])
        )
        return status or 3
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
