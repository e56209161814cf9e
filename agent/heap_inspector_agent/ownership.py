"""Which objects are the agent's own, so the snapshot can leave them out.

An object belongs to the agent when it is reachable from the agent's modules and every reference
to it comes from the agent: the same arithmetic the collector uses (reference count minus the
references found inside the set), applied to the agent's candidates.  Shared things the agent only
points at (other modules and their namespaces, classes defined elsewhere, built-in descriptors,
interned names) are referenced from outside too, so they stay in the snapshot.  Computed at each
capture: the agent has about a thousand objects, so this takes a millisecond or two.
"""
import gc
import os
import sys

from . import builtin_types as bt
from . import safe

PACKAGE_NAME = "_heap_inspector_agent"
TPFLAGS_HAVE_GC = 1 << 14
AGENT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_agent_file(filename):
    """True for code that belongs to the agent (the package and the runner next to it)."""
    return type(filename) is str and filename.startswith(AGENT_ROOT + os.sep)


def agent_modules():
    modules = []
    for name, module in dict.items(sys.modules):
        if type(name) is str and (name == PACKAGE_NAME or name.startswith(PACKAGE_NAME + ".")):
            modules.append(module)
    return modules


def loaded_by_agent():
    """Modules the agent imported into a program that had not loaded them (see bootstrap.py)."""
    package = safe.module_named(PACKAGE_NAME)
    names = safe.str_key_get(safe.module_dict(package), "loaded_modules", ()) if package is not None else ()
    found = []
    for name in names:
        module = safe.str_key_get(sys.modules, name, safe.MISSING)
        if module is not safe.MISSING:
            found.append(module)
    return found


def load_artifacts():
    """Objects created while the agent loaded (recorded by bootstrap.py)."""
    package = safe.module_named(PACKAGE_NAME)
    namespace = safe.module_dict(package) if package is not None else None
    artifacts = safe.str_key_get(namespace, "load_artifacts") if namespace is not None else None
    return artifacts if type(artifacts) is list else []


def owned_ids(extra_roots=()):
    """ids of every object owned by the agent (its modules, functions, classes, data)."""
    foreign_namespaces = set()
    agent = set()
    roots = agent_modules() + loaded_by_agent() + list(extra_roots)
    for module in roots:
        agent.add(id(module))
    for module in list(dict.values(sys.modules)):
        if id(module) not in agent and type(module) is bt.ModuleType:
            namespace = safe.module_dict(module)
            if namespace is not None:
                foreign_namespaces.add(id(namespace))
    candidates = _reachable(roots, lambda o: _foreign(o, agent, foreign_namespaces))
    shared = _referenced_from_outside(candidates, agent)
    owned = set(_reachable(roots, lambda o: id(o) in shared or id(o) not in candidates))
    artifacts = load_artifacts()
    owned.update(map(id, artifacts))
    owned.add(id(artifacts))
    return owned


def _reachable(roots, stop):
    """{id: object} of the GC-capable objects reachable from roots without entering stop()."""
    found = {}
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in found:
            continue
        found[id(obj)] = obj
        for referent in gc.get_referents(obj):
            if id(referent) in found or not safe.type_flags(type(referent)) & TPFLAGS_HAVE_GC:
                continue
            if stop(referent):
                continue
            stack.append(referent)
    return found


def _referenced_from_outside(candidates, roots):
    """ids of candidates whose reference count exceeds the references the candidates hold."""
    internal = {}
    for referents in map(gc.get_referents, dict.values(candidates)):
        for referent in referents:
            key = id(referent)
            if key in candidates:
                internal[key] = internal.get(key, 0) + 1
    objects = list(dict.values(candidates))
    counts = list(map(sys.getrefcount, objects))
    # While counted, each object is also referenced by `candidates`, `objects` and the call
    # itself: measure that overhead on an object of our own held the same way.
    probe = []
    probe_holder = {id(probe): probe}
    probe_list = [probe]
    overhead = list(map(sys.getrefcount, probe_list))[0] - 1  # minus the `probe` local
    del probe_holder, probe_list, probe
    shared = set()
    for obj, count in zip(objects, counts):
        key = id(obj)
        if key not in roots and count - overhead - internal.get(key, 0) > 0:
            shared.add(key)
    return shared


def _foreign(obj, agent_modules_ids, foreign_namespaces):
    """Shared things the agent points at but never owns: other modules and their namespaces,
    classes defined elsewhere, built-in functions of other modules."""
    t = type(obj)
    if _subclasses(t, bt.ModuleType):
        return id(obj) not in agent_modules_ids
    if id(obj) in foreign_namespaces:
        return True
    if _subclasses(t, type):
        module = safe.qualified_type_name(obj).rsplit(".", 1)[0]
        return not module.startswith(PACKAGE_NAME)
    if t is bt.BuiltinFunctionType:
        owner = bt.BuiltinFunctionType.__dict__["__self__"].__get__(obj)
        return owner is None or type(owner) is bt.ModuleType
    return False


def _subclasses(t, base):
    for klass in safe.mro(t):
        if klass is base:
            return True
    return False
