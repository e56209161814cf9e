"""Tracks native handles and frees them when their Python owners are collected."""
import functools
import weakref


class NativeLib:
    def alloc(self, size):
        return object()

    def free(self, handle):
        pass


_lib = NativeLib()


class Buffer:
    def __init__(self, size):
        self.size = size
        self._handle = _lib.alloc(size)
        self._finalizer = weakref.finalize(self, type(self)._free, self._handle)  # ok: HI007

    @staticmethod
    def _free(handle):
        _lib.free(handle)

    def close(self):
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PartialBuffer:
    def __init__(self, size):
        self._handle = _lib.alloc(size)
        weakref.finalize(self, functools.partial(self.release, "finalizer"))  # expect: HI007

    def release(self, reason):
        _lib.free(self._handle)


class SelfArgBuffer:
    def __init__(self, size):
        self._handle = _lib.alloc(size)
        weakref.finalize(self, SelfArgBuffer.release, self)  # expect: HI007

    def release(self):
        _lib.free(self._handle)


def track(obj, handle):
    return weakref.finalize(obj, _lib.free, handle)  # ok: HI007


def track_badly(obj):
    return weakref.finalize(obj, lambda: _lib.free(obj._handle))  # expect: HI007


def track_bound(owner, other):
    return weakref.finalize(owner, other.close)  # ok: HI007


class KwargsBuffer:
    def __init__(self, size):
        self._handle = _lib.alloc(size)
        weakref.finalize(self, _lib.free, handle=self._handle)  # ok: HI007
        weakref.finalize(self, _lib.free, owner=self)  # expect: HI007
