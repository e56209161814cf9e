"""Weak references and the ``weakref.finalize`` registry, read without calling user code."""
import sys
from itertools import chain, compress, repeat

import _weakref

from . import builtin_types as bt
from . import safe

REFERENCE_TYPES = (_weakref.ReferenceType,)
PROXY_TYPES = (_weakref.ProxyType, _weakref.CallableProxyType)
ALL_TYPES = REFERENCE_TYPES + PROXY_TYPES

_call_reference = _weakref.ReferenceType.__dict__["__call__"]
_reference_callback = _weakref.ReferenceType.__dict__["__callback__"].__get__


def referent(reference):
    """The referent of a ``weakref.ref`` (or subclass: its own ``__call__`` is bypassed)."""
    return _call_reference(reference)


def callback(reference):
    """The callback of a ``weakref.ref`` or subclass, or None (a C member read: nothing of the
    subclass runs).  A subclass's other referents (its slots, its type) come before it."""
    return _reference_callback(reference)


def proxy_referents(proxy_ids, objects, addresses):
    """{id(proxy): referent} found by asking each object for the weak references to it.
    ``addresses(items)``: the ids of a list's items (bulk.py: no audited call per item)."""
    holders = list(compress(objects, map(_weakref.getweakrefcount, objects)))
    references = list(map(_weakref.getweakrefs, holders))
    owners = chain.from_iterable(map(repeat, holders, map(len, references)))
    references = list(chain.from_iterable(references))
    reference_ids = addresses(references)
    del references
    found = {}
    for key, owner in zip(reference_ids, owners):
        if key in proxy_ids:
            found[key] = owner
    return found


def finalize_entries():
    """[(finalize object, info dict)] of pending ``weakref.finalize`` callbacks, or []."""
    weakref_module = safe.module_named("weakref")
    if weakref_module is None:
        return []
    namespace = safe.module_dict(weakref_module)
    finalize = safe.str_key_get(namespace, "finalize") if namespace is not None else None
    if type(finalize) is not type:
        return []
    registry = safe.str_key_get(safe.type_dict(finalize), "_registry")
    if type(registry) is not dict:
        return []
    entries = []
    for finalizer, info in list(dict.items(registry)):
        fields = {}
        for klass in safe.mro(type(info)):
            for name, descriptor in dict.items(safe.type_dict(klass)):
                if type(descriptor) is bt.MemberDescriptorType and type(name) is str and name not in fields:
                    try:
                        fields[name] = descriptor.__get__(info, type(info))
                    except AttributeError:
                        pass
        entries.append((finalizer, info, fields))
    return entries


def callable_name(func):
    """``module.qualname`` of a function or method, from C fields only."""
    t = type(func)
    if t is bt.MethodType:
        inner = bt.MethodType.__dict__["__func__"].__get__(func)
        return callable_name(inner)
    if t is bt.FunctionType:
        qualname = bt.FunctionType.__dict__["__qualname__"].__get__(func)
        module = bt.FunctionType.__dict__["__module__"].__get__(func)
        if type(module) is str and type(qualname) is str:
            return module + "." + qualname
        return qualname if type(qualname) is str else "?"
    if t is bt.BuiltinFunctionType:
        qualname = bt.BuiltinFunctionType.__dict__["__qualname__"].__get__(func)
        return qualname if type(qualname) is str else "?"
    return "<" + safe.qualified_type_name(t) + ">"
