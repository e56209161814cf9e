"""The collector oracle's capture (collect_at_line.py): what ``gc.collect`` frees at the line.

``make_hook(State(...))`` is the ``__heap_oracle__`` the rewritten line calls; on the chosen hit it
records, with the collector off and no code of the program running, what collect_at_line.py's
docstring describes (steps 1 to 5) and writes RESULT.json. Names are read through ``type``'s own
descriptors. Standard library only.
"""
import gc
import io
import json
import re
import sys
import types
import weakref

# Descriptors of `type` itself: reading through them never runs code of the program (a metaclass
# can override attribute lookup on its classes, not these C getters).
_TYPE_MODULE = type.__dict__["__module__"].__get__
_TYPE_QUALNAME = type.__dict__["__qualname__"].__get__
_TYPE_MRO = type.__dict__["__mro__"].__get__
_TYPE_DICT = type.__dict__["__dict__"].__get__
_FUNC_QUALNAME = types.FunctionType.__dict__["__qualname__"].__get__
_BUILTIN_QUALNAME = types.BuiltinFunctionType.__dict__["__qualname__"].__get__
_METHOD_FUNC = types.MethodType.__dict__["__func__"].__get__

_COLLECTABLE = re.compile(r"^gc: collectable <(.*) (0x[0-9a-fA-F]+|\(nil\))>$")


# --------------------------------------------------------------------------------------------
# Reading names without running user code


def _type_name(t):
    try:
        mod = _TYPE_MODULE(t)
    except Exception:  # a heap type whose __module__ was deleted
        mod = None
    try:
        qual = _TYPE_QUALNAME(t)
    except Exception:
        qual = None
    if type(qual) is not str:
        qual = "?"
    if type(mod) is not str:
        return qual
    return mod + "." + qual


def _type_has_finalizer(t):
    mro = _TYPE_MRO(t)
    if type(mro) is not tuple:
        mro = (t,)
    for k in mro:
        try:
            if "__del__" in _TYPE_DICT(k):
                return True
        except TypeError:  # not a type (cannot happen for a valid MRO)
            pass
    return False


def _callable_name(func):
    t = type(func)
    if t is types.MethodType:
        func = _METHOD_FUNC(func)
        t = type(func)
    if t is types.FunctionType:
        return _FUNC_QUALNAME(func)
    if t is types.BuiltinFunctionType:
        return _BUILTIN_QUALNAME(func)
    return "<" + _type_name(t) + " instance>"


# --------------------------------------------------------------------------------------------
# The capture


def _prepass():
    """Returns (names, flags, finalize) -- int->str, int->int, int->str dicts (untracked)."""
    names = {}
    flags = {}  # id -> 1 (type has a finalizer) | 2 (and already finalized)
    type_names = {}
    type_fin = {}
    objs = gc.get_objects()
    for o in objs:
        t = type(o)
        tid = id(t)
        name = type_names.get(tid)
        if name is None:
            name = type_names[tid] = _type_name(t)
            type_fin[tid] = 1 if _type_has_finalizer(t) else 0
        i = id(o)
        names[i] = name
        if type_fin[tid]:
            flags[i] = 2 if (gc.is_finalized(o) if hasattr(gc, "is_finalized") else False) else 1
    o = t = None
    del objs
    finalize = {}
    for f, info in list(weakref.finalize._registry.items()):
        finalize[id(f)] = _callable_name(info.func)
    f = info = None
    return names, flags, finalize


class State:
    def __init__(self, hit, generation, out, main_dict):
        self.hit = hit
        self.generation = generation
        self.out = out
        self.main_dict = main_dict
        self.calls = 0
        self.done = False
        self.error = None


def _finalized_list(main_dict):
    lst = main_dict.get("FINALIZED")
    return lst if type(lst) is list else None


def _capture(state):
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _capture_disabled(state)
    finally:
        if was_enabled:
            gc.enable()


def _capture_disabled(state):
    old_debug = gc.get_debug()
    names, flags, finalize_before = _prepass()
    lst = _finalized_list(state.main_dict)
    log_before = len(lst) if lst is not None else None
    lst = None
    buf = io.StringIO()
    real_stderr = sys.stderr
    sys.stderr = buf
    gc.set_debug(old_debug | gc.DEBUG_COLLECTABLE)
    try:
        ret = gc.collect(state.generation)
    finally:
        gc.set_debug(old_debug)
        sys.stderr = real_stderr
    garbage = len(gc.garbage)

    by_type = {}
    fin_by_type = {}
    addresses = []
    passthrough = []
    for line in buf.getvalue().splitlines(True):
        m = _COLLECTABLE.match(line.rstrip("\n"))
        if m is None:
            passthrough.append(line)
            continue
        if old_debug & gc.DEBUG_COLLECTABLE:
            passthrough.append(line)  # the program asked for these lines itself
        addr = m.group(2)
        addresses.append(addr)
        i = int(addr, 16) if addr.startswith("0x") else 0
        name = names.get(i)
        if name is None:
            name = m.group(1)
        by_type[name] = by_type.get(name, 0) + 1
        if flags.get(i) == 1:
            fin_by_type[name] = fin_by_type.get(name, 0) + 1
    if passthrough:
        try:
            sys.stderr.write("".join(passthrough))
        except Exception:
            pass

    finalize_after = set(id(f) for f in list(weakref.finalize._registry))
    fired = sorted(n for i, n in finalize_before.items() if i not in finalize_after)

    lst = _finalized_list(state.main_dict)
    del_log = []
    if lst is not None and log_before is not None:
        for entry in lst[log_before:]:
            del_log.append(entry if type(entry) is str else "<" + _type_name(type(entry)) + ">")
    lst = entry = None

    result = {
        "generation": state.generation,
        "collected": {"count": len(addresses), "byType": dict(sorted(by_type.items()))},
        "finalizers": {
            "count": sum(fin_by_type.values()),
            "byType": dict(sorted(fin_by_type.items())),
        },
        "finalizeCallbacksFired": fired,
        "delLog": del_log,
        "gcReturn": ret,
        "garbage": garbage,
        "addresses": addresses,
    }
    with open(state.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")


def make_hook(state):
    def __heap_oracle__():
        state.calls += 1
        if state.calls != state.hit or state.done:
            return
        state.done = True
        try:
            _capture(state)
        except Exception as e:  # never let the oracle change the program's control flow
            state.error = "%s: %s" % (type(e).__name__, e)

    return __heap_oracle__
