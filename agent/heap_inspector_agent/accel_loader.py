"""Loads the optional native accelerator (``agent/accel/``), only when it is safe and exact.

The accelerator is a C extension built for one interpreter (``agent/accel/build_accel.py``), kept
in the runner's cache folder or shipped prebuilt; the CLI, the extension and the debugger hook
pass its path in (``use``), or say why there is none (``unavailable``).  It is never imported:
``_imp.create_dynamic`` loads it without ``sys.modules`` (multi-phase initialisation), and it
holds no state.  Before any of its code runs:

- the file must be a regular file owned by us or root that no one else can write, in a folder
  chain that only root or we can change (sticky folders like /tmp allowed above it): the rules of
  the runner's cache (server/runner/runnerCache.ts), checked again here because a path can come
  from anywhere (the debugger hook receives it through DAP).  It is loaded from its resolved
  folder, so no link can be swapped after the check;
- the ABI it was built for, a string in the file (``ABI_MARKER`` in accel_module.c), must be this
  interpreter's: same major and minor version (the exact release unless both are final), same
  debug, reference-debug and reference-tracing builds, same pointer size, and the kernel interface
  this agent speaks.  The loaded module reports it again (``built_for()``) and must agree.

This interpreter must itself be one the accelerator supports: CPython 3.8 to 3.13 with the GIL.

What loading adds to the heap (the module, its functions, its type's dict and entry among
``object``'s subclasses) is created after a marker object and recorded, as bootstrap.py records
the agent's own loading, among the package's ``load_artifacts``: never part of a snapshot.

Otherwise the capture uses the pure-Python kernel, and ``warning`` is the one line that says why
(the capture puts it in the snapshot's warnings).  This file needs only ``sys``, ``os``, ``gc``
and ``array`` at load time, so that ``build_accel.py`` and the tests can load it on its own to
check a build.
"""
import array
import gc
import os
import sys

# The kernel interface this agent calls: accel_kernel.h HI_KERNEL_INTERFACE must be equal.
INTERFACE = 4
MODULE_NAME = "_heap_inspector_accel"  # its init function: PyInit__heap_inspector_accel
MARKER_PREFIX = b"heap-inspector-accel-abi:"
MARKER_FIELDS = 11
# A built accelerator is tens of kilobytes; anything much larger is not one.
MAX_FILE_BYTES = 16 << 20
FIRST_UNSUPPORTED = (3, 14)
POINTER_SIZE = 8 if sys.maxsize > 2**32 else 4
PACKAGE_NAME = "_heap_inspector_agent"
# What the kernel builds its results with.  Held here: the kernel only borrows them (a reference
# held from C would make them look referenced from outside the agent in every snapshot).
_ARRAY_TYPE = array.array
_GETSIZEOF = sys.getsizeof

# The accelerator in use, as (verified module, the path it was asked for), or None; ``warning``
# says why not, in one line, or is None.  Exactly one of the two is None either way: None is an
# object of the heap whose count a snapshot records, and it must not depend on the kernel.
_in_use = None
# Every module loaded, by the path it was asked for: loading one again would add a new module
# object (a shared library cannot be unloaded, and what loading made is kept as the agent's).
_loaded = {}
warning = "no native accelerator was given to the agent: the heap was read by the pure-Python kernel"


def kernel():
    """The verified native module, or None (then the pure-Python kernel is used)."""
    return None if _in_use is None else _in_use[0]


def loaded_from():
    """The path the module in use was asked for, or None."""
    return None if _in_use is None else _in_use[1]


def unavailable(reason):
    """No accelerator for this capture, for ``reason`` (one short clause)."""
    global _in_use, warning
    _in_use = None
    warning = _pure_line(reason)
    return warning


def use(path):
    """Use the accelerator at ``path`` if it is safe and built for this interpreter.  Returns
    None when it is in use, else the warning line (also kept in ``warning``)."""
    global _in_use, warning
    if type(path) is str and path in _loaded:
        _in_use, warning = (_loaded[path], path), None
        return None
    try:
        problem = interpreter_problem()
        real_path = None
        if problem is None:
            real_path, problem = trusted_path(path)
        if problem is None:
            problem = abi_problem(marker_in_file(real_path))
        if problem is None:
            loaded, problem = _load(real_path)
    except Exception as error:  # an audit hook refused a step, a file vanished: never fatal
        problem = "it could not be loaded (%s)" % _error_text(error)
    if problem is not None:
        return unavailable(problem)
    _loaded[path] = loaded
    _in_use, warning = (loaded, path), None
    return None


def find(folders, digest):
    """Use the first accelerator in ``folders`` that is built from the sources ``digest`` names
    for this interpreter (the debugger hook's way: the extension does not know which interpreter
    the debuggee runs).  Files are read, never loaded, until one fits.  Returns as ``use``."""
    global warning
    problem = interpreter_problem()
    if problem is not None:
        return unavailable(problem)
    if _in_use is not None and _digest_of(_in_use[0].built_for()) == digest:
        return None
    import _imp

    suffix = _imp.extension_suffixes()[0]
    refusals = []
    for folder in folders if type(folders) is list else []:
        try:
            names = sorted(name for name in os.listdir(folder) if _candidate(name, suffix))
        except Exception:  # a folder that is gone or unreadable: look elsewhere
            continue
        for name in names[:MAX_CANDIDATES]:
            path = os.path.join(folder, name)
            try:
                real_path, problem = trusted_path(path)
                marker = marker_in_file(real_path) if problem is None else None
            except Exception:
                continue
            if problem is not None:
                refusals.append(problem)
            elif marker is not None and _digest_of(marker) == digest and abi_problem(marker) is None:
                if use(path) is None:
                    return None
                refusals.append(warning)
    if refusals:
        return unavailable(refusals[0])
    return unavailable("none is built for this interpreter yet")


MAX_CANDIDATES = 64


def _candidate(name, suffix):
    return type(name) is str and name.startswith("heap_inspector_accel") and name.endswith(suffix)


def _digest_of(marker):
    fields = marker.split(";") if type(marker) is str else []
    return fields[MARKER_FIELDS - 1] if len(fields) == MARKER_FIELDS + 1 else None


def interpreter_problem():
    """Why this interpreter cannot use any accelerator, or None."""
    if sys.implementation.name != "cpython":
        return "it is for CPython only"
    if "t" in getattr(sys, "abiflags", "") or _gil_disabled():
        return "this is a free-threaded CPython, where other threads would run during the walk"
    if sys.version_info[:2] >= FIRST_UNSUPPORTED:
        return "it is not verified on Python %d.%d yet" % sys.version_info[:2]
    if sys.version_info[:2] < (3, 8):
        return "it needs Python 3.8 or newer"
    return None


def _gil_disabled():
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_enabled is not None and not is_enabled()


def trusted_path(path):
    """(resolved path, None) when ``path`` is a file only we (or root) own and can change, in a
    folder chain no one else can change; else (None, why not)."""
    if type(path) is not str or not os.path.isabs(path):
        return None, "its path is not absolute (%r)" % (path,)
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return None, "file owners cannot be checked on this system"
    uid = geteuid()
    folder = os.path.realpath(os.path.dirname(path))
    real_path = os.path.join(folder, os.path.basename(path))
    st = os.lstat(real_path)
    if not _is_regular(st.st_mode):
        return None, "%s is not a regular file" % real_path
    if st.st_uid not in (uid, 0) or st.st_mode & 0o022:
        return None, "%s could be changed by another user" % real_path
    if st.st_size > MAX_FILE_BYTES:
        return None, "%s is too large to be the accelerator" % real_path
    current = folder
    while True:
        st = os.lstat(current)
        if not _is_directory(st.st_mode) or st.st_uid not in (uid, 0):
            return None, "its folder %s could be changed by another user" % current
        if st.st_mode & 0o022 and not st.st_mode & 0o1000:
            return None, "its folder %s could be changed by another user" % current
        parent = os.path.dirname(current)
        if parent == current:
            return real_path, None
        current = parent


def _is_regular(mode):
    return mode & 0o170000 == 0o100000


def _is_directory(mode):
    return mode & 0o170000 == 0o040000


def marker_in_file(path):
    """The ABI marker's text in the file at ``path``, or None."""
    with open(path, "rb") as built:
        data = built.read(MAX_FILE_BYTES + 1)
    start = data.find(MARKER_PREFIX)
    if start < 0:
        return None
    start += len(MARKER_PREFIX)
    end = data.find(b"\0", start, start + 512)
    if end < 0:
        return None
    try:
        return data[start:end].decode("ascii")
    except UnicodeDecodeError:
        return None


def abi_problem(marker):
    """Why a module built for ``marker`` (ABI_MARKER's fields) cannot run here, or None."""
    if marker is None:
        return "the file does not say which Python it was built for"
    fields = marker.split(";")
    if len(fields) != MARKER_FIELDS + 1 or fields[-1] != "":
        return "the file's build description is not one this agent reads"
    try:
        major, minor, micro, level, serial, debug, ref_debug, trace_refs, pointer, interface = [
            int(field, 0) for field in fields[:10]
        ]
    except ValueError:
        return "the file's build description is not one this agent reads"
    built = "CPython %d.%d.%d" % (major, minor, micro)
    running = sys.version_info
    if (major, minor) != tuple(running[:2]):
        return "it was built for %s, this is %d.%d.%d" % ((built,) + tuple(running[:3]))
    # Within a minor version the ABI holds between final releases; pre-releases must match exactly.
    if not (level == 0xF and running.releaselevel == "final"):
        wanted = (running.major, running.minor, running.micro, _LEVELS.get(running.releaselevel), running.serial)
        if (major, minor, micro, level, serial) != wanted:
            return "it was built for a different release (%s), this is %s" % (marker, sys.version.split()[0])
    if debug != int("d" in getattr(sys, "abiflags", "")):
        return "it was built for a %s build, this interpreter is a %s build" % _pair(debug, "debug", "release")
    if ref_debug != int(hasattr(sys, "gettotalrefcount")):
        return "it was built %s reference debugging, this interpreter is built %s it" % _pair(ref_debug, "with", "without")
    if trace_refs != int(hasattr(sys, "getobjects")):
        return "it was built %s reference tracing, this interpreter is built %s it" % _pair(trace_refs, "with", "without")
    if pointer != POINTER_SIZE:
        return "it was built for %d-bit pointers, this is a %d-bit Python" % (8 * pointer, 8 * POINTER_SIZE)
    if interface != INTERFACE:
        return "it implements kernel interface %d, this agent calls %d (rebuild it)" % (interface, INTERFACE)
    return None


def _pair(built, yes, no):
    """(what the module was built with, what this interpreter has)."""
    return (yes, no) if built else (no, yes)


_LEVELS = {"alpha": 0xA, "beta": 0xB, "candidate": 0xC, "final": 0xF}


def _load(real_path):
    """(module, None) or (None, why not): the module from ``real_path``, checked again."""
    import _imp
    import _frozen_importlib

    enabled = gc.isenabled()
    gc.disable()  # the tail of generation 0 below must be this function's doing
    marker = []
    try:
        spec = _frozen_importlib.ModuleSpec(MODULE_NAME, None, origin=real_path)
        loaded = _imp.create_dynamic(spec)
        del spec
        _imp.exec_dynamic(loaded)
        reported = loaded.built_for()
        if type(reported) is not str or abi_problem(reported) is not None:
            return None, "the loaded module reports a build for another interpreter (%r)" % (reported,)
        loaded._setup(_ARRAY_TYPE, _GETSIZEOF)
        _record_artifacts(marker)
    finally:
        if enabled:
            gc.enable()
    return loaded, None


def _record_artifacts(marker):
    """Add what was tracked after ``marker`` to the package's ``load_artifacts`` (ownership.py
    leaves those out of every snapshot).  Identity only: nothing of the program is compared."""
    young = gc.get_objects(generation=0)
    start = None
    for position, candidate in enumerate(young):
        if candidate is marker:
            start = position + 1
            break
    tail = young[start:] if start is not None else []
    del young
    for name, package in list(dict.items(sys.modules)):
        if type(name) is str and name == PACKAGE_NAME:
            artifacts = getattr(package, "load_artifacts", None)
            if type(artifacts) is list:
                artifacts.extend(tail)
            break


def _pure_line(reason):
    return "the native accelerator was not used (%s): the heap was read by the pure-Python kernel" % reason


def _error_text(error):
    text = str(error).splitlines()[0] if str(error) else ""
    return "%s: %s" % (type(error).__name__, text) if text else type(error).__name__
