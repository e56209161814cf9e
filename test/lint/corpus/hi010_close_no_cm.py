"""HI010: classes with close() that are not context managers."""
import abc
import contextlib
import io
import logging
import socketserver
import threading
from typing import Protocol


class Connection:  # expect: HI010
    def __init__(self, sock):
        self._sock = sock

    def close(self):
        self._sock.close()


class FileHandler(logging.Handler):  # expect: HI010
    def close(self):
        super().close()


class HalfManaged:  # expect: HI010
    def __enter__(self):
        return self

    def close(self):
        pass


class AsyncClient:  # expect: HI010
    def __init__(self, session):
        self._session = session

    async def close(self):
        await self._session.close()


class BaseStore:
    def get(self, key):
        raise NotImplementedError


class FileStore(BaseStore):  # expect: HI010
    def __init__(self, fh):
        self._fh = fh

    def close(self):
        self._fh.close()


class ExitOnly:  # expect: HI010
    def __exit__(self, *exc):
        self.close()

    def close(self):
        pass


class Pool:  # expect: HI010
    def __init__(self, size):
        self._conns = [object() for _ in range(size)]
        self._lock = threading.Lock()

    def close(self):
        with self._lock:
            self._conns.clear()


class Outer:
    class Cursor:  # expect: HI010
        def close(self):
            pass


class Poller(threading.Thread):  # expect: HI010
    def __init__(self):
        super().__init__(daemon=True)
        self._stop = threading.Event()

    def close(self):
        self._stop.set()


class AbstractChannel(abc.ABC):  # expect: HI010
    @abc.abstractmethod
    def close(self):
        ...


# ---- negatives -----------------------------------------------------------------------------


class Managed:  # ok: HI010
    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ManagedBase:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        pass


class DerivedManaged(ManagedBase):  # ok: HI010
    def close(self):
        super().close()


class RawStream(io.RawIOBase):  # ok: HI010
    def close(self):
        super().close()


class Closable(Protocol):  # ok: HI010
    def close(self) -> None: ...


class ShutsDown:  # ok: HI010
    def shutdown(self):
        pass


class AliasedClose:  # ok: HI010
    def _close_impl(self):
        pass

    close = _close_impl


class AbstractCM(contextlib.AbstractContextManager):  # ok: HI010
    def __exit__(self, *exc):
        self.close()

    def close(self):
        pass


class AsyncManaged:  # ok: HI010
    async def close(self):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


class Helpers:  # ok: HI010
    @staticmethod
    def close(handle):
        handle.close()


class Server(socketserver.TCPServer):  # ok: HI010
    def close(self):
        self.server_close()


def close(resource):  # ok: HI010
    resource.close()
