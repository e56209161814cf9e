"""Reading Python objects without running user code.

Every attribute read here goes through a descriptor taken from a *built-in* type's ``__dict__``
and called directly, so no user ``__getattribute__``, ``__getattr__``, property, metaclass hook or
``__class__`` override can run.  Text for labels is produced only for exact built-in atom types.
"""
import gc
import sys
from itertools import compress, islice

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

# Odd objects met during a capture, by kind: each kind becomes one line of the snapshot's
# warnings (with its count) instead of failing the capture.
_oddities = {}


def note_odd(text, obj):
    """Note an odd object of a kind described by ``text`` (a warning line without the count);
    each object counts once."""
    seen = _oddities.get(text)
    if seen is None:
        seen = _oddities[text] = set()
    seen.add(id(obj))


def take_odd_warnings():
    """The warning lines for the odd objects noted since the last call, and forget them."""
    lines = ["%d %s" % (len(ids), text) for text, ids in dict.items(_oddities)]
    _oddities.clear()
    return lines


_NO_MRO = "type(s) without an MRO (not fully initialised): their type details were left out"


def mro(t):
    """The type's ``__mro__`` tuple, read from the C slot (a metaclass cannot intercept it).
    A type still being built has none yet (None before 3.10): then an empty tuple."""
    try:
        found = _type_mro(t)
    except Exception:
        found = None
    if type(found) is tuple:
        return found
    note_odd(_NO_MRO, t)
    return ()


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


MISSING = object()  # "no such key", distinct from a key bound to None


def str_key_get(d, name, default=None):
    """``d[name]`` for an exact-str ``name``, or ``default``, found without running user code.

    ``d.get(name)`` would hash ``name`` and, on a hash collision with a user object used as a key,
    call that object's ``__eq__``.  Here every key is compared with ``str.__eq__`` of ``name``
    itself (C code: a non-str key gives NotImplemented, never a call into it), in C-level passes.
    The results are only True, False and NotImplemented, so ``list.index(True)`` compares
    singletons and nothing else (and, unlike ``id()``, is not an audited call).
    """
    try:
        matches = list(map(name.__eq__, dict.keys(d)))
        position = matches.index(True)
        for value in islice(dict.values(d), position, None):
            return value
    except (ValueError, RuntimeError):  # no such key; another thread changed the dict mid-scan
        pass
    return default


def module_named(name):
    """``sys.modules[name]`` if it is a module, else None (looked up without user code)."""
    module = str_key_get(sys.modules, name)
    return module if module is not None and _is_module(module) else None


def _is_module(obj):
    for klass in mro(type(obj)):
        if klass is bt.ModuleType:
            return True
    return False


def lookup_in_mro(t, name, default=None):
    """The first value bound to ``name`` in the namespaces of ``t``'s MRO, or ``default`` when
    none binds it (a name bound to None gives None: pass ``default=MISSING`` to tell them apart).

    This is what CPython's ``_PyType_Lookup`` does, read from the dicts directly.
    """
    for klass in mro(t):
        value = str_key_get(type_dict(klass), name, MISSING)
        if value is not MISSING:
            return value
    return default


_objclass = {
    bt.WrapperDescriptorType: bt.WrapperDescriptorType.__dict__["__objclass__"].__get__,
    bt.MethodDescriptorType: bt.MethodDescriptorType.__dict__["__objclass__"].__get__,
}


def is_c_method_of(value, t):
    """True when ``value`` is a built-in (non-heap) type's own C method, of a type in ``t``'s MRO:
    calling it on an instance of ``t`` runs that C code and nothing else.  Any other callable,
    built-in or not (``len``, a generator's bound ``__next__``), may run user code or fail."""
    getter = _objclass.get(type(value))
    if getter is None:
        return False
    owner = getter(value)
    if _type_flags(type(owner)) & (1 << 31) == 0:  # Py_TPFLAGS_TYPE_SUBCLASS: owner is a type
        return False
    if _type_flags(owner) & TPFLAGS_HEAPTYPE:
        return False
    for klass in mro(t):
        if klass is owner:
            return True
    return False


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
    for base in mro(t):
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


# A non-str dict key's text is cut to this length (with "…").  The native kernel's member_labels
# makes an exact int key's text the same way (labelplans.py passes it this limit).
KEY_TEXT_LIMIT = 40


def key_text(key, depth=0):
    """Label text for a dict key: the key itself for atoms, ``(a, b)`` for tuples of atoms,
    ``<module.Type>`` for anything else (its ``__repr__`` is user code)."""
    if type(key) is int:
        # The common non-str key, as atom_text gives it, without its walk of the MRO.
        try:
            text = int.__repr__(key)
        except ValueError:  # more digits than sys.int_max_str_digits allows
            return "<int of %d bits>" % int.bit_length(key)
        return text if len(text) <= KEY_TEXT_LIMIT else text[: KEY_TEXT_LIMIT - 1] + "\u2026"
    text = atom_text(key, KEY_TEXT_LIMIT)
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
    name = str_key_get(namespace, "__name__")
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


_exception_args = BaseException.__dict__["args"].__get__


def exception_args(error):
    """``error.args`` read from the C slot (an exception class may override ``args``)."""
    try:
        args = _exception_args(error)
    except Exception:
        return ()
    return args if type(args) is tuple else ()


def python_version_string():
    return sys.version.split()[0]
