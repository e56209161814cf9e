"""Which objects are the agent's own, so the snapshot can leave them out.

An object belongs to the agent when it is reachable from the agent's modules and every reference
to it comes from the agent: the same arithmetic the collector uses (reference count minus the
references found inside the set), applied to the agent's candidates.  Shared things the agent only
points at (other modules and their namespaces, classes defined elsewhere, built-in descriptors,
interned names) are referenced from outside too, so they stay in the snapshot.  Computed at each
capture: the agent has a few thousand objects (about 4,000 under debugpy: 0.02 s).
"""
import collections
import os
import sys
from itertools import chain, compress, count

from . import builtin_types as bt
from . import compat
from . import bulk
from . import safe
from . import weakrefs
from .bytemasks import NOT, SELECT, and_bytes, or_bytes

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


def owned_ids(extra_roots=(), known=frozenset()):
    """ids of every object owned by the agent (its modules, functions, classes, data).
    ``known``: ids of objects known to be the agent's and to hold nothing else of it (its weak
    references of identity.py): they are not walked into, which would cost as much as the rest."""
    roots = agent_modules() + loaded_by_agent() + list(extra_roots)
    agent = set(bulk.addresses(list(roots)))
    modules = [module for module in list(dict.values(sys.modules)) if type(module) is bt.ModuleType]
    module_ids = bulk.addresses(modules)
    others = [module for module, key in zip(modules, module_ids) if key not in agent]
    del modules, module_ids
    foreign_namespaces = set(bulk.addresses([namespace for namespace in _module_dicts(others) if namespace is not None]))
    del others
    candidates, edges = _reachable(roots, _Boundary(agent, foreign_namespaces, known).stops)
    shared = _referenced_from_outside(candidates, edges, agent)
    # The candidates reachable from the roots without passing through a shared one.
    owned = _reachable_within(agent, edges, dict.keys(candidates) - shared)
    del candidates, edges
    owned.update(known)
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


# What _reachable does with a referent, by its type: pass it by (not GC-capable: it holds
# nothing), enter it, or keep it without entering (a code object: see _reachable).
_PASS = 0
_ENTER = 1
_CODE = 2


def _reachable(roots, stops):
    """({id: object} of the GC-capable objects reachable from roots without entering those
    ``stops`` marks, {id: the ids it references} for each of them: a code object's are its
    constants' tuples).  Breadth first, level by level: one batch of referents per level
    (bulk.py); ``stops(objects, ids, types, type ids)`` gives a byte per object (1: do not enter),
    asked of the referents not seen before whose type is GC-capable."""
    found = {}
    edges = {}
    frontier = []
    frontier_keys = []
    for obj, key in zip(roots, bulk.addresses(list(roots))):
        if key not in found:
            found[key] = obj
            frontier.append(obj)
            frontier_keys.append(key)
    kinds = {}  # id(type) -> _PASS, _ENTER or _CODE; the types are held by their objects meanwhile
    while frontier:
        lists, addresses = bulk.referent_lists(frontier)
        start = 0
        for key, length in zip(frontier_keys, map(len, lists)):
            edges[key] = addresses[start : start + length]
            start += length
        # Each referent not seen before, once (a dict keyed by id keeps the first position).
        fresh = dict(zip(addresses, chain.from_iterable(lists)))
        del lists, addresses
        for key in found.keys() & fresh.keys():
            del fresh[key]
        objects = list(dict.values(fresh))
        keys = list(dict.keys(fresh))
        del fresh
        types = list(map(type, objects))
        type_keys = bulk.addresses(types)
        new_types = set(type_keys).difference(kinds)
        if new_types:
            by_key = dict(zip(type_keys, types))
            for type_key in new_types:
                kinds[type_key] = _kind(by_key[type_key])
            del by_key
        wanted = bytes(map(kinds.__getitem__, type_keys))
        objects = list(compress(objects, wanted))
        keys = list(compress(keys, wanted))
        types = list(compress(types, wanted))
        type_keys = list(compress(type_keys, wanted))
        enter = stops(objects, keys, types, type_keys).translate(NOT)
        frontier = []
        frontier_keys = []
        codes = []
        for referent, key, kind in zip(compress(objects, enter), compress(keys, enter), compress(filter(None, wanted), enter)):
            found[key] = referent
            if kind == _CODE:
                codes.append(referent)
            else:
                frontier.append(referent)
                frontier_keys.append(key)
        del objects, keys, types, type_keys, wanted
        # A code object is not GC-capable, but its constants (a tracked tuple holding nested
        # code) are reached only through it: the agent's functions' code owns them.
        tuples = [_code_tuples(code) for code in codes]
        for code, tuple_keys in zip(codes, map(bulk.addresses, tuples)):
            edges[bulk.address_of(code)] = tuple_keys
        constants = list(chain.from_iterable(tuples))
        del codes, tuples
        constant_keys = bulk.addresses(constants)
        constant_types = list(map(type, constants))
        enter = stops(constants, constant_keys, constant_types, bulk.addresses(constant_types)).translate(NOT)
        for constant, key in zip(compress(constants, enter), compress(constant_keys, enter)):
            if key not in found:
                found[key] = constant
                frontier.append(constant)
                frontier_keys.append(key)
        del constants, constant_keys, constant_types
    return found, edges


def _reachable_within(roots, edges, allowed):
    """ids reachable from ``roots`` (ids) through ``edges`` entering only ids in ``allowed``."""
    reached = set(roots)
    frontier = reached
    while frontier:
        frontier = set(chain.from_iterable(map(edges.__getitem__, frontier)))
        frontier &= allowed
        frontier -= reached
        reached |= frontier
    return reached


def _kind(t):
    if t is bt.CodeType:
        return _CODE
    return _ENTER if safe.type_flags(t) & TPFLAGS_HAVE_GC else _PASS


_CODE_TUPLES = [bt.CodeType.__dict__[name].__get__ for name in ("co_consts", "co_names")]
if compat.VERSION < (3, 11):
    # Stored before 3.11; from 3.11 co_varnames is made anew at each access (not read then).
    _CODE_TUPLES.append(bt.CodeType.__dict__["co_varnames"].__get__)


def _code_tuples(code):
    """The tuples a code object holds that the agent can read without making new ones."""
    return [read(code) for read in _CODE_TUPLES]


def _referenced_from_outside(candidates, edges, roots):
    """ids of candidates whose reference count exceeds the references the candidates hold
    (``edges``: what each references, as _reachable found it)."""
    objects = list(dict.values(candidates))
    internal = collections.Counter(chain.from_iterable(dict.values(edges)))
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


class _Boundary:
    """Where the search for the agent's objects stops: at objects known to be the agent's and to
    hold nothing else of it, and at shared things the agent points at but never owns (other
    modules and their namespaces, classes defined elsewhere, built-in functions of other modules).
    What to ask of an object depends on its type alone, so that is decided once per type."""

    _OTHER = 0
    _MODULE = 1
    _CLASS = 2
    _BUILTIN = 3

    def __init__(self, agent_modules_ids, foreign_namespaces, known):
        self._agent = agent_modules_ids
        self._namespaces = foreign_namespaces
        self._known = known
        self._sorts = {}  # id(type) -> one of the sorts above

    def stops(self, objects, keys, types, type_keys):
        """A byte per object (``keys``: their ids; ``types``, ``type_keys``: their types and the
        types' ids): 1 where the search stops.  Passes over the whole list; a Python step only for
        classes and built-in functions that no cheaper test settles."""
        sorts_of = self._sorts
        new_types = set(type_keys).difference(sorts_of)
        if new_types:
            by_key = dict(zip(type_keys, types))
            for type_key in new_types:
                sorts_of[type_key] = self._sort(by_key[type_key])
            del by_key
        sorts = bytes(map(sorts_of.__getitem__, type_keys))
        module = sorts.translate(SELECT[self._MODULE])
        # A module stops the search unless it is the agent's; anything else stops at a foreign
        # namespace; anything at all when it is known.
        stop = or_bytes(
            bytes(map(self._known.__contains__, keys)),
            and_bytes(module, bytes(map(self._agent.__contains__, keys)).translate(NOT)),
            and_bytes(module.translate(NOT), bytes(map(self._namespaces.__contains__, keys))),
        )
        undecided = and_bytes(stop.translate(NOT), sorts.translate(_CLASS_OR_BUILTIN))
        if not any(undecided):
            return stop
        stop = bytearray(stop)
        for position in compress(range(len(keys)), undecided):
            stop[position] = self._foreign(objects[position], sorts[position])
        return bytes(stop)

    def _foreign(self, obj, sort):
        if sort == self._CLASS:
            module = safe.qualified_type_name(obj).rsplit(".", 1)[0]
            return not module.startswith(PACKAGE_NAME)
        owner = bt.BuiltinFunctionType.__dict__["__self__"].__get__(obj)
        # A module the agent loaded (gc, when the program had not) owns its functions.
        return owner is None or (type(owner) is bt.ModuleType and id(owner) not in self._agent)

    def _sort(self, t):
        mro = safe.mro(t)
        if any(klass is bt.ModuleType for klass in mro):
            return self._MODULE
        if any(klass is type for klass in mro):
            return self._CLASS
        if t is bt.BuiltinFunctionType:
            return self._BUILTIN
        return self._OTHER


_CLASS_OR_BUILTIN = bytes((0, 0, 1, 1)) + bytes(252)  # the sorts _foreign() decides


def without_ids(objects, ids, excluded):
    """(objects, their ids) minus those whose id is in ``excluded`` (the same ones when none)."""
    if excluded.isdisjoint(ids):
        return objects, ids
    dropped = excluded.intersection(ids)
    keep = bytes(map(False.__eq__, map(dropped.__contains__, ids)))
    return list(compress(objects, keep)), list(compress(ids, keep))
