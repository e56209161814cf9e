"""A small database connection pool, with the usual finalizer mistakes."""
import logging
import queue
import threading
import time
import weakref

log = logging.getLogger(__name__)
MAX_IDLE = 30.0


class PoolError(Exception):
    pass


class PooledConnection:
    def __init__(self, pool, raw):
        self._pool = pool
        self._raw = raw
        self._created = time.monotonic()
        self._closed = False

    @property
    def age(self):
        return time.monotonic() - self._created

    def execute(self, sql, *params):
        if self._closed:
            raise PoolError("connection is closed")
        return self._raw.execute(sql, params)

    def close(self):
        if not self._closed:
            self._closed = True
            self._pool._checkin(self._raw)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def __del__(self):
        if not self._closed:
            log.warning("connection garbage-collected without close()")  # expect: HI004
            self._pool._checkin(self._raw)


class ConnectionPool:
    def __init__(self, factory, size=4):
        self._factory = factory
        self._idle = queue.LifoQueue(maxsize=size)
        self._lock = threading.Lock()
        self._all = []
        self._last_error = None
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._on_checkin = self._notify  # expect: HI008
        for _ in range(size):
            raw = factory()
            self._all.append(raw)
            self._idle.put(raw)
        self._reaper.start()

    def _notify(self):
        log.debug("connection returned")

    def acquire(self, timeout=None):
        try:
            raw = self._idle.get(timeout=timeout)
        except queue.Empty as exc:
            self._last_error = exc  # expect: HI009
            raise PoolError("pool exhausted") from exc
        return PooledConnection(self, raw)

    def _checkin(self, raw):
        self._idle.put_nowait(raw)
        self._on_checkin()

    def _reap(self):
        while True:
            time.sleep(MAX_IDLE)
            with self._lock:
                log.debug("%d idle connections", self._idle.qsize())

    def close(self):  # ok: HI001
        with self._lock:
            for raw in self._all:
                raw.close()
            self._all.clear()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def __del__(self):
        with self._lock:  # expect: HI003
            for raw in self._all:
                raw.close()  # expect: HI001
        self._reaper.join(1.0)  # expect: HI003


class SafePool:
    """The same pool done right: explicit close, context manager, finalize as a safety net."""

    def __init__(self, factory, size=4):
        self._conns = [factory() for _ in range(size)]
        self._finalizer = weakref.finalize(self, SafePool._close_all, self._conns)  # ok: HI007

    @staticmethod
    def _close_all(conns):
        for raw in conns:
            raw.close()
        conns.clear()

    def close(self):
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
