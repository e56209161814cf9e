"""Server-side web sessions kept in memory with expiry."""
import sys
import threading
import time
import uuid


class SessionExpired(KeyError):
    pass


class WebSession:
    def __init__(self, store, ttl):
        self.id = uuid.uuid4().hex
        self.store = store
        self.data = {}
        self.expires = time.time() + ttl

    def touch(self, ttl):
        self.expires = time.time() + ttl

    def __del__(self):
        if self.data:
            try:
                raise SessionExpired(self.id)  # ok: HI006
            except KeyError:
                self.data.clear()


class SessionStore:
    def __init__(self, ttl=1800):
        self.ttl = ttl
        self._sessions = {}
        self._lock = threading.Lock()
        self._failed = []
        self._reaper = threading.Timer(60, self.reap)
        self.now = time.time

    def new(self):
        session = WebSession(self, self.ttl)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, sid):
        with self._lock:
            session = self._sessions.get(sid)
        if session is None or session.expires < self.now():
            raise SessionExpired(sid)
        session.touch(self.ttl)
        return session

    def reap(self):
        cutoff = self.now()
        with self._lock:
            for sid in [s for s, v in self._sessions.items() if v.expires < cutoff]:
                try:
                    del self._sessions[sid]
                except KeyError:
                    self._failed.append(sys.exc_info())  # expect: HI009

    def save(self, path):
        try:
            with open(path, "w") as fh:
                fh.write("\n".join(self._sessions))
        except OSError as e:
            self._failed.append(e.__traceback__)  # expect: HI009
            raise
