"""Logging handlers that write to rotating files and a remote collector."""
import logging
import os
import socket
import threading


class BufferedFileHandler(logging.Handler):  # expect: HI010
    def __init__(self, path, capacity=100):
        super().__init__()
        self.path = path
        self.capacity = capacity
        self.buffer = []
        self._fh = open(path, "a", encoding="utf-8")
        self._flush_lock = threading.Lock()

    def emit(self, record):
        self.buffer.append(self.format(record))
        if len(self.buffer) >= self.capacity:
            self.flush()

    def flush(self):
        with self._flush_lock:
            self._fh.write("\n".join(self.buffer) + "\n")
            self.buffer.clear()

    def close(self):
        self.flush()
        self._fh.close()
        super().close()

    def __del__(self):
        if not self._fh.closed:
            self._flush_lock.acquire()  # expect: HI003
            self._fh.close()  # expect: HI001
            self._flush_lock.release()  # expect: HI001


class RotatingBufferedHandler(BufferedFileHandler):
    def rotate(self):
        self.flush()
        self._fh.close()
        os.replace(self.path, self.path + ".1")
        self._fh = open(self.path, "a", encoding="utf-8")

    def __del__(self):  # expect: HI002
        self.buffer.clear()


class RemoteHandler(logging.Handler):
    def __init__(self, host, port):
        super().__init__()
        self._sock = socket.create_connection((host, port))
        self.last_error = None

    def emit(self, record):
        try:
            self._sock.sendall(self.format(record).encode() + b"\n")
        except OSError:
            self.handleError(record)

    def close(self):
        self._sock.close()
        super().close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if self._sock.fileno() != -1:
            self._sock.close()  # expect: HI001


def install(path):
    handler = BufferedFileHandler(path)
    logging.getLogger().addHandler(handler)
    return handler
