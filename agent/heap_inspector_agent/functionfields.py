"""The fields of a function (or bound method) that only audited getters return, read from its
referents instead.

``function.__code__``, ``__defaults__`` and ``__kwdefaults__`` (and, on 3.8, ``__globals__`` and
``__closure__``) raise an audit event that hands the function to the program's audit hooks: once
per function, that is thousands of events on an ordinary heap.  ``gc.get_referents(function)``
returns the same fields, in an order fixed by CPython's ``func_traverse`` and verified at start-up
on probe functions, skipping the ones that are NULL:

    code, globals, [builtins: 3.10+], module?, defaults?, kwdefaults?, doc?, name,
    dict?, closure?, annotations?, [type params?: 3.12+], qualname

``fields`` finds where each wanted field is by what is known without an audited call (the
``__module__``, ``__doc__``, ``__name__``, ``__qualname__`` values, and the types CPython requires:
defaults are a tuple, keyword defaults and the function's dict a dict, the closure a tuple).  When
anything is ambiguous -- a module or doc set to None, one object in two fields -- it returns None
and the caller uses the getters.

A bound method's ``__func__`` and ``__self__`` (audited on 3.8) are its two referents, in that
order, never NULL.
"""
from . import builtin_types as bt
from . import compat
from . import safe

_FUNCTION = bt.FunctionType
_METHOD = bt.MethodType
_CODE = bt.CodeType
_namespace = _FUNCTION.__dict__
_module = _namespace["__module__"].__get__
_doc = _namespace["__doc__"].__get__
_name = _namespace["__name__"].__get__
_qualname = _namespace["__qualname__"].__get__
# Members that are not audited on this version, read directly to check positions.
_globals = _namespace["__globals__"].__get__ if compat.VERSION >= (3, 9) else None
_builtins = _namespace["__builtins__"].__get__ if compat.VERSION >= (3, 10) else None
_closure = _namespace["__closure__"].__get__ if compat.VERSION >= (3, 9) else None
# A mapping proxy kept here would make the type's dict, and so its descriptors, look like the
# agent's own to ownership.py: only the bound getters are kept.
del _namespace


def _is_a(value, base):
    """``isinstance`` by the MRO's identity (``isinstance`` may call a metaclass hook)."""
    value_type = type(value)
    if value_type is base:
        return True
    for klass in safe.mro(value_type):
        if klass is base:
            return True
    return False


def fields(function, referents):
    """{getter name: value} for the audited getters of an exact function, from ``referents``
    (its ``gc.get_referents``), or None when they cannot be told apart with certainty."""
    if not _verified or not referents:
        return None
    count = len(referents)
    code = referents[0]
    if type(code) is not _CODE or count < 4:
        return None
    found = {"__code__": code}
    if _globals is None:
        if not _is_a(referents[1], dict):
            return None
        found["__globals__"] = referents[1]
    elif referents[1] is not _globals(function):
        return None
    position = 2
    if _builtins is not None:
        if referents[2] is not _builtins(function):
            return None
        position = 3
    module = _module(function)
    doc = _doc(function)
    name = _name(function)
    # module?: present when its value is not None; None may be the field or a NULL one.
    if module is not None:
        if referents[position] is not module:
            return None
        position += 1
    elif referents[position] is None:
        return None  # module = None, or module NULL and doc = None: ambiguous
    # defaults?, kwdefaults?: a tuple, a dict (which the doc, next, could also be).
    defaults = None
    candidate = referents[position]
    if candidate is not doc and candidate is not name and _is_a(candidate, tuple):
        defaults = candidate
        position += 1
    kwdefaults = None
    candidate = referents[position]
    if candidate is not doc and candidate is not name and _is_a(candidate, dict):
        kwdefaults = candidate
        position += 1
    # doc?: present when it is not None (and None is a doc: a name is never None).
    if doc is not None or referents[position] is None:
        if referents[position] is not doc:
            return None
        position += 1
    if position >= count or referents[position] is not name:
        return None
    found["__defaults__"] = defaults
    found["__kwdefaults__"] = kwdefaults
    if _closure is None:
        closure = _closure_from_tail(function, referents, position + 1)
        if closure is False:
            return None
        found["__closure__"] = closure
    return found


def method_fields(method, referents):
    """{getter name: value} for an exact bound method, from its referents, or None."""
    if not _methods_verified or len(referents) != 2:
        return None
    return {"__func__": referents[0], "__self__": referents[1]}


def _closure_from_tail(function, referents, start):
    """3.8: the closure among [dict?, closure?, annotations?] before the qualname: the only tuple
    there (the others are dicts); False when the tail is not that shape."""
    if referents[-1] is not _qualname(function):
        return False
    tail = referents[start:-1]
    if len(tail) > 3:
        return False
    closure = None
    for item in tail:
        if _is_a(item, tuple):
            if closure is not None:
                return False
            closure = item
        elif not _is_a(item, dict):
            return False
    return closure


def _probe():
    """Whether ``fields`` finds exactly what the getters return, on functions with every
    optional field set and with none."""
    import gc

    namespace = {"__name__": "probe_module"}
    source = (
        "def outer():\n"
        "    cell = [1]\n"
        "    def full(a=(1,), *, b=2):\n"
        "        'doc'\n"
        "        return cell\n"
        "    return full\n"
        "def bare():\n"
        "    pass\n"
    )
    try:
        exec(compile(source, "<heap-inspector probe>", "exec"), namespace)
        full = namespace["outer"]()
        full.attribute = 1
        full.__annotations__ = {"x": int}
        bare = namespace["bare"]
        lone = _FUNCTION(bare.__code__, {"__name__": "probe_module"})
        lone.__doc__ = "doc"
        for function in (full, bare, lone):
            found = fields(function, gc.get_referents(function))
            if found is None:
                return False
            for name, value in found.items():
                if getattr(function, name) is not value:
                    return False
        return True
    finally:
        namespace.clear()  # the namespace and its functions would otherwise form a cycle


def _probe_methods():
    import gc

    class HeapInspectorMethodProbe:
        def method(self):
            pass

    # A class lives in a reference cycle with its namespace: keep it, or it would be garbage the
    # next collection finds (the capture must leave the heap as it found it).
    _probe_types.append(HeapInspectorMethodProbe)
    instance = HeapInspectorMethodProbe()
    bound = instance.method
    found = method_fields(bound, gc.get_referents(bound))
    return found == {"__func__": bound.__func__, "__self__": instance} and type(bound) is _METHOD


_probe_types = []
_verified = _methods_verified = True
try:
    _verified = _probe()
except Exception:
    _verified = False
try:
    _methods_verified = _probe_methods()
except Exception:
    _methods_verified = False
