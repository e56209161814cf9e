"""Where objects were allocated, when the program runs with tracemalloc on.

``tracemalloc`` records the Python line that allocated each memory block.  Asking it for an
object's block is ``_tracemalloc._get_object_traceback(obj)`` — except on 3.11, where it computes
the block's start wrongly for instances whose attributes live in managed storage (the two words
before the object's header) and answers None for almost every user instance.  There the agent asks
tracemalloc's C function for the right address itself, after verifying on a probe instance that
the answer is what it should be.  Nothing is recorded when tracemalloc is not tracing.
"""
import sys

try:
    import _tracemalloc
except ImportError:  # very old or stripped builds
    _tracemalloc = None

from . import compat
from . import safe

P = compat.POINTER_SIZE


def sites():
    """The allocation-site reader, or None when tracemalloc is not tracing."""
    if _tracemalloc is None or not _tracemalloc.is_tracing():
        return None
    return _sites()


_cache = []  # one AllocationSites per process: its probe class must outlive every capture


def _sites():
    if not _cache:
        _cache.append(AllocationSites())
    return _cache[0]


class AllocationSites:
    def __init__(self):
        self._by_address = None
        if compat.VERSION == (3, 11):
            self._by_address = _c_traceback_function()
            if self._by_address is not None and not self._verify():
                self._by_address = None

    def site(self, obj):
        """(filename, line) of the innermost frame that allocated ``obj``, or None."""
        frames = None
        if self._by_address is not None and safe.type_flags(type(obj)) & safe.TPFLAGS_MANAGED_DICT:
            frames = self._by_address(0, id(obj) - 4 * P)  # managed dict/values + GC header
        if frames is None:
            frames = _tracemalloc._get_object_traceback(obj)
        if not frames:
            return None
        filename, line = frames[0]
        return (filename, line) if type(filename) is str and type(line) is int else None

    def _verify(self):
        class HeapInspectorAllocationProbe:
            pass

        self._probe_type = HeapInspectorAllocationProbe  # a class lives in a cycle: keep it
        probe = HeapInspectorAllocationProbe()
        expected_line = sys._getframe().f_lineno - 1
        frames = self._by_address(0, id(probe) - 4 * P)
        return bool(frames) and frames[0][1] == expected_line and frames[0][0] == __file__


def _c_traceback_function():
    """``_PyTraceMalloc_GetTraceback(domain, address)`` through _ctypes, or None."""
    try:
        import _ctypes

        class UnsignedInt(_ctypes._SimpleCData):
            _type_ = "I"

        class Pointer(_ctypes._SimpleCData):
            _type_ = "P"

        class PythonObject(_ctypes._SimpleCData):
            _type_ = "O"

        class Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_PYTHONAPI
            _restype_ = PythonObject
            _argtypes_ = (UnsignedInt, Pointer)

        address = _ctypes.dlsym(_ctypes.dlopen(None), "_PyTraceMalloc_GetTraceback")
        return Function(address)
    except Exception:
        return None
