"""HI005: __del__ stores self somewhere that outlives it (resurrection)."""
import atexit

_graveyard = []
_cache = {}
_last = None
_callbacks = []


class Zombie:
    def __del__(self):
        _graveyard.append(self)  # expect: HI004, HI005


class Cached:
    def __init__(self, key):
        self.key = key

    def __del__(self):
        _cache[self.key] = self  # expect: HI004, HI005


class Remembered:
    def __del__(self):
        global _last
        _last = self  # expect: HI005


class TreeNode:
    def __init__(self, parent):
        self.parent = parent

    def __del__(self):
        self.parent.children.append(self)  # expect: HI005


class Tracked:
    _instances = set()

    def __del__(self):
        self.__class__._instances.add(self)  # expect: HI005


class Pooled:
    pool = None

    def __del__(self):
        type(self).pool.put(self)  # expect: HI005


class Adopted:
    def __init__(self, owner):
        self._owner = owner

    def __del__(self):
        self._owner.child = self  # expect: HI005


class ExitHook:
    def flush(self):
        print("flush")

    def __del__(self):
        atexit.register(self.flush)  # expect: HI004, HI005


class Connection:
    _free = []

    def __del__(self):
        Connection._free.append(self)  # expect: HI005


class Pending:
    def __del__(self, _pending=_cache):
        _pending[self] = True  # expect: HI005


class Notifies:
    def on_collected(self):
        print("collected")

    def __del__(self, _callbacks=_callbacks):
        _callbacks.append(self.on_collected)  # expect: HI005


# ---- negatives -----------------------------------------------------------------------------


class RecordsName:
    def __init__(self, name):
        self.name = name
        self.history = []

    def __del__(self):
        self.history.append(self.name)  # ok: HI005


class LocalList:
    def __del__(self):
        dead = []
        dead.append(self)  # ok: HI005
        alias = self  # ok: HI005
        print(len(dead), alias is self)


class Printer:
    def __init__(self, log):
        self._log = log

    def __del__(self):
        print("finalizing", self)  # ok: HI005
        self._log.debug("%r collected", self)  # ok: HI005
        print(repr(self))  # ok: HI005


class IdOnly:
    def __del__(self, _live=_cache):
        _live.pop(id(self), None)  # ok: HI005


class ReleasesConnection:
    def __init__(self, pool, conn):
        self._pool = pool
        self._conn = conn

    def __del__(self):
        self._pool.put_back(self._conn)  # ok: HI005


class StoresValues:
    def __init__(self, stats):
        self._stats = stats
        self.size = 3

    def __del__(self):
        self._stats.update(freed=self.size)  # ok: HI005


def register_everywhere(obj):
    _graveyard.append(obj)  # ok: HI005


class NotAFinalizer:
    def retire(self):
        _graveyard.append(self)  # ok: HI005
