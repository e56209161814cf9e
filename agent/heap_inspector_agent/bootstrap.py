"""Loads the agent package under its private name without touching ``sys.path``.

This file is executed by the runner and by the debugger hook (through ``exec`` of its source), so
it must not depend on anything but ``sys`` and the frozen import machinery that every CPython has
loaded at start-up.  It loads the submodules explicitly, in dependency order: the import system
never searches the agent's directory, so no finder is cached in ``sys.path_importer_cache`` and
no ``__pycache__`` is written next to the agent.

Given the file agent/build_agent_code.py compiled for this interpreter (the CLI keeps it in its
private cache), a module's code is taken from it instead of compiled from source, but only when the
file is intact, was made by this interpreter's bytecode version at this optimisation level, and
holds code for this very path compiled from the module's current source: anything else is ignored
and the module is compiled from source, exactly as without the file.
"""

PACKAGE = "_heap_inspector_agent"
# Dependency order: a module appears after every sibling it imports.
SUBMODULES = (
    "compat",
    "accel_loader",
    "builtin_types",
    "safe",
    "bulk",
    "bytemasks",
    "kernel_py_labels",
    "memory",
    "typeinfo",
    "functionfields",
    "labels",
    "labelplans",
    "kernel_py",
    "weakrefs",
    "ownership",
    "strings",
    "kernels",
    "writer",
    "gcstate",
    "roots",
    "otherthreads",
    "progress",
    "allocations",
    "identity",
    "nodefacts",
    "edgefacts",
    "heapwalk",
    "gate",
    "gatepaths",
    "collect",
    "capture",
)


def _compiled_modules(path, prefix, external):
    """{source path: (source hash, code)} from build_agent_code.py's file at ``path``, for the
    modules under ``prefix``; empty when the file is missing, damaged or not for this interpreter."""
    import _imp
    import marshal
    import sys

    try:
        with open(path, "rb") as compiled_file:
            data = compiled_file.read()
    except (OSError, ValueError):
        return {}
    header = 28
    if (
        len(data) < header
        or data[:4] != external.MAGIC_NUMBER
        or data[4:8] != b"HIAG"
        or int.from_bytes(data[8:12], "little") != sys.flags.optimize
        or int.from_bytes(data[12:20], "little") != len(data) - header
    ):
        return {}
    payload = memoryview(data)[header:]
    try:
        if _imp.source_hash(external._RAW_MAGIC_NUMBER, payload) != data[20:28]:
            return {}
        entries = marshal.loads(payload)
    except Exception:
        return {}
    finally:
        payload.release()
    code_type = type(_compiled_modules.__code__)
    found = {}
    if type(entries) is tuple:
        for entry in entries:
            if (
                type(entry) is tuple
                and len(entry) == 3
                and type(entry[0]) is str
                and entry[0].startswith(prefix)
                and type(entry[1]) is bytes
                and type(entry[2]) is code_type
                and entry[2].co_filename == entry[0]
            ):
                found[entry[0]] = (entry[1], entry[2])
    return found


def load_agent(directory, compiled_path=None):
    """Return the agent's ``capture`` module, loading the package once per process.

    ``compiled_path``: build_agent_code.py's file for this interpreter, if there is one."""
    import sys

    # sys.modules may hold the program's own keys: compare names only as exact str (str.__eq__),
    # never through a lookup that could call a key's __eq__ on a hash collision.
    for name, loaded in dict.items(sys.modules):
        if type(name) is str and name == PACKAGE + ".capture":
            return loaded
    # Before anything is imported: a gc module the agent imports (the runner's is private) is
    # one of the agent's, left out of every capture, not only of the first.
    modules_before = set([n for n in dict.keys(sys.modules) if type(n) is str])
    import _frozen_importlib as bootstrap
    import _frozen_importlib_external as external

    import gc

    # Everything tracked after this object is created by loading the agent: classes, their
    # subclass weak references inside foreign types, modules the agent imports, caches.  Those
    # objects are recorded (and kept alive, so their ids stay theirs) as the agent's own.
    enabled = gc.isenabled()
    gc.disable()
    sentinel = []
    import _imp

    separator = "\\" if "\\" in directory and "/" not in directory else "/"
    compiled = {} if compiled_path is None else _compiled_modules(compiled_path, directory + separator, external)

    class NoBytecodeLoader(external.SourceFileLoader):
        """Reads source, or the code compiled from that very source; never writes a .pyc beside the agent."""

        __module__ = PACKAGE  # marks the class as the agent's own (left out of snapshots)

        def get_code(self, fullname):
            entry = compiled.pop(self.path, None)
            if entry is not None and _imp.source_hash(external._RAW_MAGIC_NUMBER, self.get_data(self.path)) == entry[0]:
                return entry[1]
            return super().get_code(fullname)

        def set_data(self, path, data, *, _mode=0o666):
            pass

    init = directory + separator + "__init__.py"
    spec = external.spec_from_file_location(
        PACKAGE, init, loader=NoBytecodeLoader(PACKAGE, init), submodule_search_locations=[directory]
    )
    package = bootstrap.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    try:
        spec.loader.exec_module(package)
        for name in SUBMODULES:
            full_name = PACKAGE + "." + name
            path = directory + separator + name + ".py"
            sub_spec = external.spec_from_file_location(full_name, path, loader=NoBytecodeLoader(full_name, path))
            module = bootstrap.module_from_spec(sub_spec)
            sys.modules[full_name] = module
            sub_spec.loader.exec_module(module)
            setattr(package, name, module)
        # Modules the program had not loaded and the agent did (zlib, _ctypes…): the agent's own,
        # left out of every capture as they would not exist without it.
        package.loaded_modules = tuple(
            sorted(
                n
                for n in dict.keys(sys.modules)
                if type(n) is str and n not in modules_before and n != PACKAGE and not n.startswith(PACKAGE + ".")
            )
        )
        young = gc.get_objects(generation=0)
        ids = list(map(id, young))
        start = ids.index(id(sentinel)) if id(sentinel) in ids else len(ids)
        package.load_artifacts = young[start:]
        del young, ids
    except BaseException:
        ours = [n for n in dict.keys(sys.modules) if type(n) is str and (n == PACKAGE or n.startswith(PACKAGE + "."))]
        for name in ours:
            del sys.modules[name]
        raise
    finally:
        # The loaders live on (modules keep them): not the code of modules never loaded.
        compiled.clear()
        if enabled:
            gc.enable()
    return module  # the last submodule: capture
