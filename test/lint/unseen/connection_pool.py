"""A pool whose connections return themselves when dropped."""
import threading

_pools = []


class Connection:
    def __init__(self, pool, raw):
        self._pool = pool
        self._raw = raw
        self.in_use = True

    def query(self, sql):
        return self._raw.execute(sql)

    def __del__(self):
        if self.in_use:
            self.in_use = False
            self._pool._free.append(self)  # expect: HI005


class Pool:
    def __init__(self, factory, size=2):
        self._factory = factory
        self._free = [Connection(self, factory()) for _ in range(size)]
        self._cond = threading.Condition()
        self._closed = False
        _pools.append(self)

    def get(self):
        with self._cond:
            while not self._free:
                self._cond.wait()
            conn = self._free.pop()
            conn.in_use = True
            return conn

    def put(self, conn):
        with self._cond:
            conn.in_use = False
            self._free.append(conn)
            self._cond.notify()

    def close(self):
        self._closed = True
        for conn in self._free:
            conn._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        with self._cond:  # expect: HI003
            self._cond.notify_all()
        if self in _pools:  # expect: HI004
            _pools.remove(self)  # expect: HI004  # ok: HI001


class PoolRegistry:
    by_name = {}

    def __init__(self, name, pool):
        self.name = name
        self.pool = pool

    def __del__(self):
        PoolRegistry.by_name[self.name] = self  # expect: HI005
