"""HI001: __del__ releases a resource (see test/lint/rules.test.ts for the markers)."""
import logging
import os
import shutil
import socket
import warnings
import weakref
from os import unlink


class SocketHolder:
    def __init__(self, host, port):
        self._sock = socket.create_connection((host, port))

    def __del__(self):
        self._sock.close()  # expect: HI001


class ManagedFile:
    def __init__(self, path):
        self._fh = open(path, "rb")
        self.closed = False

    def close(self):
        if not self.closed:
            self._fh.close()
            self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()  # expect: HI001


class LockFile:
    def __init__(self, path):
        self.path = path
        with open(path, "x"):
            pass

    def __del__(self):
        os.unlink(self.path)  # expect: HI001, HI004


class ScratchDir:
    def __init__(self, root):
        self.root = root

    def __del__(self):
        shutil.rmtree(self.root, ignore_errors=True)  # expect: HI001, HI004


class Subprocess:
    def __init__(self, proc):
        self._proc = proc

    def __del__(self):
        if self._proc.poll() is None:
            self._proc.terminate()  # expect: HI001


class Executor:
    def __init__(self, pool):
        self._pool = pool

    def __del__(self):
        self._pool.shutdown(wait=False)  # expect: HI001


class SessionClient:
    def __init__(self, transport):
        self._conn = transport.connect()
        self._heartbeat = transport.timer(30)

    def __del__(self):
        try:
            self._heartbeat.cancel()  # expect: HI001
        finally:
            self._conn.disconnect()  # expect: HI001


class Mapped:
    def __init__(self, mm):
        self._mmap = mm

    def __del__(self):
        if not self._mmap.closed:
            self._mmap.close()  # expect: HI001


class PidFile:
    def __init__(self, path):
        self.pidfile = path

    def __del__(self):
        unlink(self.pidfile)  # expect: HI001, HI004


class Child:
    def __init__(self, proc):
        self._proc = proc

    def __del__(self):
        try:
            self._proc.kill()  # expect: HI001
        except OSError:
            pass


# ---- negatives -----------------------------------------------------------------------------


class Tracked:
    def __init__(self, name):
        self.name = name
        self._log = logging.getLogger("tracked")

    def __del__(self):  # ok: HI001
        self._log.debug("collected %s", self.name)  # ok: HI001
        print(f"finalizing {self.name}")  # ok: HI001


class WarnsIfLeaked:
    def __init__(self, sock):
        self._sock = sock
        self._closed = False

    def close(self):
        self._sock.close()  # ok: HI001
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()  # ok: HI001

    def __del__(self, _warn=warnings.warn):
        if not self._closed:
            _warn(f"unclosed {self!r}", ResourceWarning)  # ok: HI001


def __del__(resource):
    resource.close()  # ok: HI001


class Workspace:
    def __init__(self, path):
        self.path = path
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path)  # ok: HI001

    def remove(self):
        self._finalizer()  # ok: HI001


class Counter:
    def __init__(self, stats):
        self._stats = stats
        self._stats["live"] += 1

    def __del__(self):
        self._stats["live"] -= 1  # ok: HI001


class Cache:
    def __init__(self):
        self._items = {}

    def __del__(self):
        self._items.clear()  # ok: HI001


class Descriptor:
    def __delete__(self, instance):
        instance._conn.close()  # ok: HI001


def cleanup(path):
    os.remove(path)  # ok: HI001


def make_finalizer():
    def __del__(self):
        self.handle.close()  # ok: HI001

    return __del__
