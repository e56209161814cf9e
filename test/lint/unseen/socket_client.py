"""A line-oriented TCP client that reconnects on failure."""
import errno
import socket
import time

RECONNECT_DELAY = 0.2


class ProtocolError(Exception):
    pass


class LineClient:  # expect: HI010
    def __init__(self, host, port, timeout=5.0):
        self.address = (host, port)
        self.timeout = timeout
        self._sock = None
        self._buffer = b""
        self.failures = []

    def connect(self):
        for attempt in range(3):
            try:
                self._sock = socket.create_connection(self.address, self.timeout)
                return
            except OSError as e:
                self.failures.append(e)  # expect: HI009
                if e.errno == errno.ECONNREFUSED:
                    time.sleep(RECONNECT_DELAY * (attempt + 1))
        raise ProtocolError("could not connect to %s:%d" % self.address)

    def send_line(self, text):
        if self._sock is None:
            self.connect()
        self._sock.sendall(text.encode() + b"\n")

    def read_line(self):
        while b"\n" not in self._buffer:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise ProtocolError("connection closed")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __del__(self):
        if self._sock is not None:
            self._sock.shutdown(socket.SHUT_RDWR)  # expect: HI001, HI004
            self._sock.close()  # expect: HI001


class ManagedClient(LineClient):
    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):  # expect: HI002
        self._buffer = b""


def probe(host, port):
    try:
        with socket.create_connection((host, port), 1.0):
            return True
    except OSError as e:
        last = e  # ok: HI009
        return last.errno
