"""A minimal ORM-ish unit of work over DB-API connections."""
import logging
import sqlite3
import threading

logger = logging.getLogger("orm")
_sessions = []


class SessionError(Exception):
    pass


class Session:
    def __init__(self, dsn):
        self._conn = sqlite3.connect(dsn)
        self._lock = threading.Lock()
        self._identity_map = {}
        self._dirty = set()
        self.last_failure = None
        self.session = self  # expect: HI008
        _sessions.append(self)

    def add(self, obj):
        self._identity_map[(type(obj), obj.id)] = obj
        self._dirty.add(obj)

    def flush(self):
        with self._lock:
            cur = self._conn.cursor()
            try:
                for obj in self._dirty:
                    obj.save(cur)
            except sqlite3.Error as err:
                self.last_failure = err  # expect: HI009
                self._conn.rollback()
                raise SessionError(str(err)) from err
            else:
                self._conn.commit()
                self._dirty.clear()

    def close(self):
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.flush()
        self.close()

    def __del__(self):
        try:
            self._conn.rollback()
            self._conn.close()  # expect: HI001
        except sqlite3.ProgrammingError:  # expect: HI004
            pass


class ReadOnlySession(Session):
    def __del__(self):  # expect: HI002
        logger.debug("read-only session dropped")  # expect: HI004


class ScopedSession(Session):
    def __del__(self):  # ok: HI002
        self._identity_map.clear()
        super().__del__()


class Model:
    table = None

    def __init__(self, id, **fields):
        self.id = id
        self.fields = fields

    def save(self, cur):
        cols = ", ".join(self.fields)
        marks = ", ".join("?" for _ in self.fields)
        cur.execute(
            "INSERT OR REPLACE INTO %s (id, %s) VALUES (?, %s)" % (self.table, cols, marks),
            (self.id, *self.fields.values()),
        )
