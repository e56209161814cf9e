"""Which objects are the agent's own, so the snapshot can leave them out.

An object belongs to the agent when it is reachable from the agent's modules and every reference
to it comes from the agent: the same arithmetic the collector uses (reference count minus the
references found inside the set), applied to the agent's candidates.  Shared things the agent only
points at (other modules and their namespaces, classes defined elsewhere, built-in descriptors,
interned names) are referenced from outside too, so they stay in the snapshot.  Computed at each
capture: the agent has about a thousand objects, so this takes a millisecond or two.
"""
import os
import sys
from itertools import chain, compress, count

from . import builtin_types as bt
from . import bulk
from . import safe
from . import weakrefs

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
    roots = agent_modules() + loaded_by_agent() + list(extra_roots)
    agent = set(bulk.addresses(list(roots)))
    modules = [module for module in list(dict.values(sys.modules)) if type(module) is bt.ModuleType]
    module_ids = bulk.addresses(modules)
    others = [module for module, key in zip(modules, module_ids) if key not in agent]
    del modules, module_ids
    foreign_namespaces = set(bulk.addresses([namespace for namespace in _module_dicts(others) if namespace is not None]))
    del others
    candidates = _reachable(roots, lambda o, key: _foreign(o, key, agent, foreign_namespaces))
    shared = _referenced_from_outside(candidates, agent)
    owned = set(_reachable(roots, lambda o, key: key in shared or key not in candidates))
    artifacts = load_artifacts()
    owned.update(bulk.addresses(list(artifacts)))
    owned.add(bulk.address_of(artifacts))
    return owned


def _module_dicts(modules):
    """``safe.module_dict`` of each module (the first exact dict among its referents), with one
    audited ``gc.get_referents`` call for all of them."""
    found = []
    for referents in bulk.referent_lists(modules)[0]:
        namespace = None
        for referent in referents:
            if type(referent) is dict:
                namespace = referent
                break
        found.append(namespace)
    return found


def _reachable(roots, stop):
    """{id: object} of the GC-capable objects reachable from roots without entering stop().
    Breadth first, level by level: one batch of referents per level (bulk.py)."""
    found = {}
    frontier = []
    for obj, key in zip(roots, bulk.addresses(list(roots))):
        if key not in found:
            found[key] = obj
            frontier.append(obj)
    while frontier:
        lists, addresses = bulk.referent_lists(frontier)
        referents = list(chain.from_iterable(lists))
        del lists
        frontier = []
        for referent, key in zip(referents, addresses):
            if key in found or not safe.type_flags(type(referent)) & TPFLAGS_HAVE_GC:
                continue
            if stop(referent, key):
                continue
            found[key] = referent
            frontier.append(referent)
        del referents
    return found


def _referenced_from_outside(candidates, roots):
    """ids of candidates whose reference count exceeds the references the candidates hold."""
    objects = list(dict.values(candidates))
    internal = {}
    for key in bulk.referent_lists(objects)[1]:
        if key in candidates:
            internal[key] = internal.get(key, 0) + 1
    counts = list(map(sys.getrefcount, objects))
    # While counted, each object is also referenced by `candidates`, `objects` and the call
    # itself: measure that overhead on an object of our own held the same way.
    probe = []
    probe_holder = {id(probe): probe}
    probe_list = [probe]
    overhead = list(map(sys.getrefcount, probe_list))[0] - 1  # minus the `probe` local
    del probe_holder, probe_list, probe
    shared = set()
    for key, count in zip(dict.keys(candidates), counts):
        if key not in roots and count - overhead - internal.get(key, 0) > 0:
            shared.add(key)
    return shared


def _foreign(obj, key, agent_modules_ids, foreign_namespaces):
    """Shared things the agent points at but never owns: other modules and their namespaces,
    classes defined elsewhere, built-in functions of other modules.  ``key``: ``id(obj)``."""
    t = type(obj)
    if _subclasses(t, bt.ModuleType):
        return key not in agent_modules_ids
    if key in foreign_namespaces:
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


def without_ids(objects, ids, excluded):
    """(objects, their ids) minus those whose id is in ``excluded`` (the same ones when none)."""
    if excluded.isdisjoint(ids):
        return objects, ids
    dropped = excluded.intersection(ids)
    keep = bytes(map(False.__eq__, map(dropped.__contains__, ids)))
    return list(compress(objects, keep)), list(compress(ids, keep))
