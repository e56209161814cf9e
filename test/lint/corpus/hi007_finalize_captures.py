"""HI007: weakref.finalize callbacks that keep their object alive."""
import functools
import os
import shutil
import tempfile
import weakref
import weakref as wr
from weakref import finalize


def release_all(handles):
    for h in handles:
        h.close()


def log_close(conn=None):
    print("closing", conn)


def close_handle(handle):
    handle.close()


def _log_leak(ident, text):
    print("leak", ident, text)


class Workspace:
    def __init__(self):
        self.path = tempfile.mkdtemp()
        self._finalizer = weakref.finalize(self, self.cleanup)  # expect: HI007

    def cleanup(self):
        """Remove the workspace directory."""
        shutil.rmtree(self.path, ignore_errors=True)


class Channel:
    def __init__(self, sock):
        self._sock = sock
        weakref.finalize(self, self._close, "gc")  # expect: HI007

    def _close(self, reason):
        print("closing because", reason)
        self._sock.close()


class Scratch:
    def __init__(self):
        self.path = tempfile.mkdtemp()
        weakref.finalize(self, lambda: shutil.rmtree(self.path))  # expect: HI007


class Buffers:
    def __init__(self, allocator):
        self._alloc = allocator
        self._block = allocator.allocate(4096)
        weakref.finalize(self, functools.partial(self._release, 3))  # expect: HI007

    def _release(self, retries):
        for _ in range(retries):
            self._alloc.free(self._block)


class PassesSelf:
    def __init__(self, cleanup_fn):
        weakref.finalize(self, cleanup_fn, self)  # expect: HI007


def watch(obj):
    return weakref.finalize(obj, obj.close)  # expect: HI007


class Service:
    def __init__(self, server):
        self._server = server
        self._fin = finalize(self, self.stop)  # expect: HI007

    def stop(self):
        self._server.shutdown()


class Chatty:
    def __init__(self):
        wr.finalize(self, lambda: print("bye", self))  # expect: HI007


class Handles:
    def __init__(self, handle):
        self._handle = handle
        weakref.finalize(self, release_all, (self, self._handle))  # expect: HI007


def track(conn):
    weakref.finalize(conn, log_close, conn=conn)  # expect: HI007


class ByName:
    def __init__(self, path):
        self.path = path
        weakref.finalize(self, getattr(self, "cleanup"))  # expect: HI007

    def cleanup(self):
        os.remove(self.path)


# ---- negatives -----------------------------------------------------------------------------


class GoodWorkspace:
    def __init__(self):
        self.path = tempfile.mkdtemp()
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path)  # ok: HI007


class ClosesSocket:
    def __init__(self, sock):
        self._sock = sock
        weakref.finalize(self, self._sock.close)  # ok: HI007


class StaticCleanup:
    def __init__(self, fd):
        self._fd = fd
        weakref.finalize(self, type(self)._cleanup, self._fd)  # ok: HI007
        weakref.finalize(self, StaticCleanup._cleanup, self._fd)  # ok: HI007
        weakref.finalize(self, self._cleanup, self._fd)  # ok: HI007

    @staticmethod
    def _cleanup(fd):
        os.close(fd)


class FdOwner:
    def __init__(self, path):
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)  # ok: HI007


class DefaultArg:
    def __init__(self):
        self.path = tempfile.mkdtemp()
        weakref.finalize(self, lambda path=self.path: shutil.rmtree(path))  # ok: HI007


class PartialOfFunction:
    def __init__(self):
        self.path = tempfile.mkdtemp()
        cb = functools.partial(shutil.rmtree, self.path, ignore_errors=True)
        weakref.finalize(self, cb)  # ok: HI007
        weakref.finalize(self, functools.partial(shutil.rmtree, self.path))  # ok: HI007


class LeakLogger:
    def __init__(self):
        weakref.finalize(self, _log_leak, id(self), repr(self))  # ok: HI007


def announce(obj):
    weakref.finalize(obj, print, "collected", obj.name)  # ok: HI007


class HandleOwner:
    def __init__(self, handle):
        self._handle = handle
        self._finalizer = weakref.finalize(self, close_handle, self._handle)  # ok: HI007


class TemporaryDirectoryLike:
    """The tempfile.TemporaryDirectory pattern: classmethod callback, message built eagerly."""

    def __init__(self):
        self.name = tempfile.mkdtemp()
        self._finalizer = weakref.finalize(  # ok: HI007
            self,
            self._cleanup,
            self.name,
            warn_message="Implicitly cleaning up {!r}".format(self),
        )

    @classmethod
    def _cleanup(cls, name, warn_message):
        shutil.rmtree(name)
        print(warn_message)
