"""How the modules reach some objects, written as Python would (``app.registry['users'][3]``),
for the pytest gate's failure message.  One breadth-first walk from ``sys.modules`` through
``gc.get_referents``; labels are found by identity in the holder's items (``dict.items``,
``list``/``tuple`` items: C iteration, no key is hashed or compared), so nothing of the program runs.
"""
import gc
import sys
import types

from . import safe

CONTAINERS = (list, tuple, set, frozenset, dict)


def _key_text(key):
    if type(key) is str:
        return str.__repr__(key)
    if type(key) is int:
        return int.__repr__(key)
    return "<%s>" % safe.qualified_type_name(type(key))


class ModulePaths:
    def __init__(self, targets):
        """Walks until every target is reached (or the heap is exhausted)."""
        wanted = set(map(id, targets))
        self._parent = {}  # id -> (holder or None, object, module name for modules)
        frontier = []
        for name, module in list(dict.items(sys.modules)):
            if type(module) is types.ModuleType and type(name) is str and id(module) not in self._parent:
                self._parent[id(module)] = (None, module, name)
                frontier.append(module)
        wanted.difference_update(self._parent)
        while frontier and wanted:
            following = []
            for holder in frontier:
                for obj in gc.get_referents(holder):
                    key = id(obj)
                    if key in self._parent:
                        continue
                    self._parent[key] = (holder, obj, None)
                    wanted.discard(key)
                    if gc.is_tracked(obj):
                        following.append(obj)
            frontier = following

    def holder(self, obj):
        """The object the walk reached ``obj`` from (None for modules and unreached objects)."""
        entry = self._parent.get(id(obj))
        return entry[0] if entry is not None else None

    def reached(self, obj):
        return id(obj) in self._parent

    def path(self, obj):
        """``module.name[...]`` or None when no module reaches ``obj``."""
        chain = []
        entry = self._parent.get(id(obj))
        if entry is None:
            return None
        while entry[0] is not None:
            chain.append(entry[1])
            entry = self._parent[id(entry[0])]
        text = entry[2]
        holder = entry[1]
        namespace_of = None  # the object whose __dict__ the current holder is
        for obj in reversed(chain):
            label, namespace_of = _step(holder, obj, namespace_of)
            text += label
            holder = obj
        return text

    def release(self):
        self._parent = {}


def _step(holder, obj, owner):
    """(label text, next owner): how ``holder`` refers to ``obj``.  ``owner``: the object or
    module ``holder`` is the ``__dict__`` of, if any."""
    kind = type(holder)
    if kind is types.ModuleType and type(obj) is dict:
        return "", holder  # its namespace: the next step is an attribute
    if kind is not dict and safe.type_flags(kind) & safe.TPFLAGS_HEAPTYPE:
        namespace = _instance_dict(holder)
        if namespace is obj:
            return "", holder
        if namespace is not None:
            for key, value in dict.items(namespace):
                if value is obj and type(key) is str:
                    return "." + key, None
    if kind is dict:
        for key, value in dict.items(holder):
            if value is obj:
                if owner is not None and type(key) is str:
                    return "." + key, None
                return "[%s]" % _key_text(key), None
            if key is obj:
                return "<key %s>" % _key_text(key), None
    if kind is list or kind is tuple:
        for position, value in enumerate(kind.__iter__(holder)):
            if value is obj:
                return "[%d]" % position, None
    if kind is set or kind is frozenset:
        return "{…}", None
    return " → %s" % safe.qualified_type_name(type(obj)), None


def _instance_dict(obj):
    """The instance's ``__dict__`` through the built-in descriptor its class inherits (no
    property or ``__getattribute__`` of the class runs), or None."""
    descriptor = safe.lookup_in_mro(type(obj), "__dict__")
    if type(descriptor) is not types.GetSetDescriptorType:
        return None
    try:
        namespace = types.GetSetDescriptorType.__get__(descriptor, obj)
    except Exception:
        return None
    return namespace if type(namespace) is dict else None
