"""Inter-process lock files."""
import errno
import os
import time


class LockTimeout(Exception):
    pass


class LockFile:
    def __init__(self, path, timeout=10.0):
        self.path = path
        self.timeout = timeout
        self._fd = None

    def acquire(self):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.write(self._fd, str(os.getpid()).encode())
                return self
            except OSError as e:
                if e.errno != errno.EEXIST:
                    raise
                if time.monotonic() > deadline:
                    raise LockTimeout(self.path) from e
                time.sleep(0.05)

    def release(self):
        if self._fd is not None:
            os.close(self._fd)
            os.unlink(self.path)
            self._fd = None

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        self.release()  # expect: HI001


class PollingLock(LockFile):
    def __del__(self):
        while self._fd is not None:
            time.sleep(0.01)  # expect: HI003, HI004
        super().__del__()


class ReentrantLockFile(LockFile):
    def __init__(self, path, timeout=10.0):
        super().__init__(path, timeout)
        self._depth = 0

    def acquire(self):
        if self._depth == 0:
            super().acquire()
        self._depth += 1
        return self

    def release(self):
        self._depth -= 1
        if self._depth == 0:
            super().release()
