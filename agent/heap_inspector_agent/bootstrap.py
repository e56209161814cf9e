"""Loads the agent package under its private name without touching ``sys.path``.

This file is executed by the runner and by the debugger hook (through ``exec`` of its source), so
it must not depend on anything but ``sys`` and the frozen import machinery that every CPython has
loaded at start-up.  It loads the submodules explicitly, in dependency order: the import system
never searches the agent's directory, so no finder is cached in ``sys.path_importer_cache`` and
no ``__pycache__`` is written next to the agent.
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
    "kernel_py",
    "memory",
    "typeinfo",
    "functionfields",
    "labels",
    "labelplans",
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
    "nodefacts",
    "edgefacts",
    "heapwalk",
    "identity",
    "gate",
    "gatepaths",
    "collect",
    "capture",
)


def load_agent(directory):
    """Return the agent's ``capture`` module, loading the package once per process."""
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

    class NoBytecodeLoader(external.SourceFileLoader):
        """Reads source; never writes a .pyc beside the agent."""

        __module__ = PACKAGE  # marks the class as the agent's own (left out of snapshots)

        def set_data(self, path, data, *, _mode=0o666):
            pass

    separator = "\\" if "\\" in directory and "/" not in directory else "/"
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
        if enabled:
            gc.enable()
    return module  # the last submodule: capture
