"""Reading Python objects without running user code.

Every attribute read here goes through a descriptor taken from a *built-in* type's ``__dict__``
and called directly, so no user ``__getattribute__``, ``__getattr__``, property, metaclass hook or
``__class__`` override can run.  Text for labels is produced only for exact built-in atom types.
"""
import gc
import sys

from . import builtin_types as bt

_type_dict = type.__dict__
_type_mro = _type_dict["__mro__"].__get__
_type_name = _type_dict["__name__"].__get__
_type_qualname = _type_dict["__qualname__"].__get__
_type_flags = _type_dict["__flags__"].__get__
_type_basicsize = _type_dict["__basicsize__"].__get__
_type_itemsize = _type_dict["__itemsize__"].__get__
_type_module_get = _type_dict["__module__"].__get__
_mappingproxy_of = _type_dict["__dict__"].__get__

# Py_TPFLAGS_HEAPTYPE: a class created at run time (class statement, type()).
TPFLAGS_HEAPTYPE = 1 << 9
# Py_TPFLAGS_MANAGED_DICT (3.11+): instance attributes live before the object header.
TPFLAGS_MANAGED_DICT = 1 << 4
# Py_TPFLAGS_INLINE_VALUES (3.13+): instance attribute values live after the object.
TPFLAGS_INLINE_VALUES = 1 << 2

def mro(t):
    """The type's ``__mro__`` tuple, read from the C slot (a metaclass cannot intercept it)."""
    return _type_mro(t)


def type_flags(t):
    return _type_flags(t)


def basic_size(t):
    return _type_basicsize(t)


def item_size(t):
    return _type_itemsize(t)


def type_dict(t):
    """The type's own namespace as a real dict, without calling anything the type defines."""
    proxy = _mappingproxy_of(t)
    for referent in gc.get_referents(proxy):
        if type(referent) is dict:
            return referent
    return {}


def qualified_type_name(t):
    """``module.qualname`` of a type, e.g. ``__main__.Node`` or ``builtins.dict``."""
    try:
        qualname = _type_qualname(t)
    except Exception:
        qualname = None
    if type(qualname) is not str:
        try:
            qualname = _type_name(t)
        except Exception:
            qualname = "?"
        if type(qualname) is not str:
            qualname = "?"
    module = None
    try:
        module = _type_module_get(t)
    except Exception:
        module = None
    if type(module) is not str:
        module = "builtins" if not (_type_flags(t) & TPFLAGS_HEAPTYPE) else "?"
    return module + "." + qualname


def lookup_in_mro(t, name):
    """The first value bound to ``name`` in the namespaces of ``t``'s MRO, or None.

    This is what CPython's ``_PyType_Lookup`` does, read from the dicts directly.
    """
    for klass in _type_mro(t):
        namespace = type_dict(klass)
        if name in namespace:
            return namespace[name]
    return None


def is_builtin_callable(value):
    """True for C-implemented functions and slot wrappers (no Python code behind them)."""
    value_type = type(value)
    for builtin in bt.BUILTIN_CALLABLE_TYPES:
        if value_type is builtin:
            return True
    return False


def atom_text(obj, limit=60):
    """Short text of a built-in atom, or None for anything else.

    Subclasses of ``str``/``int``/``float``/``bytes`` are read through the base type's C methods,
    never their own (which are user code)."""
    t = type(obj)
    if t is type(None):
        return "None"
    if t is bool:
        return "True" if obj is True else "False"
    mro = _type_mro(t)
    for base in mro:
        if base is str:
            if str.__len__(obj) <= limit:
                return str.__getitem__(obj, slice(None))
            return str.__getitem__(obj, slice(0, limit - 1)) + "\u2026"
        if base is int:
            try:
                text = int.__repr__(obj)
            except ValueError:  # more digits than sys.int_max_str_digits allows
                return "<int of %d bits>" % int.bit_length(obj)
            return text if len(text) <= limit else text[: limit - 1] + "\u2026"
        if base is float:
            return float.__repr__(obj)
        if base is bytes:
            return bytes.__repr__(bytes.__getitem__(obj, slice(0, limit)))
        if base is complex:
            return complex.__repr__(obj)
    return None


def key_text(key, depth=0):
    """Label text for a dict key: the key itself for atoms, ``(a, b)`` for tuples of atoms,
    ``<module.Type>`` for anything else (its ``__repr__`` is user code)."""
    text = atom_text(key, 40)
    if text is not None:
        return text
    if type(key) is tuple and depth < 2 and len(key) <= 4:
        parts = [key_text(item, depth + 1) for item in key]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return "<" + qualified_type_name(type(key)) + ">"


def module_name_of(module):
    """``__name__`` of a module object from its dict, or None."""
    namespace = module_dict(module)
    if namespace is None:
        return None
    name = namespace.get("__name__")
    return name if type(name) is str else None


def module_dict(module):
    """The module's ``__dict__`` (the C field ``md_dict``), read through ``gc.get_referents``."""
    for referent in gc.get_referents(module):
        if type(referent) is dict:
            return referent
    return None


def safe_len(obj):
    """len() of exact built-in containers only."""
    t = type(obj)
    if t is list:
        return list.__len__(obj)
    if t is tuple:
        return tuple.__len__(obj)
    if t is dict:
        return dict.__len__(obj)
    return None


def code_filename(code):
    """``co_filename`` of a code object (a C member: safe)."""
    name = code.co_filename
    return name if type(name) is str else "?"


_frame_type = bt.FrameType


def is_frame(obj):
    return type(obj) is _frame_type


_frame_code = _frame_type.__dict__["f_code"].__get__
_frame_lineno = _frame_type.__dict__["f_lineno"].__get__
_frame_back = _frame_type.__dict__["f_back"].__get__


def frame_code(frame):
    return _frame_code(frame)


def frame_lineno(frame):
    return _frame_lineno(frame)


def frame_back(frame):
    """``frame.f_back`` (on 3.11+ this materialises the caller's frame object if needed)."""
    return _frame_back(frame)


def function_code(func):
    return bt.FunctionType.__dict__["__code__"].__get__(func)


def python_version_string():
    return sys.version.split()[0]
