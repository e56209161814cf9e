"""HI003: __del__ takes a lock or blocks."""
import queue
import threading
import time

_REGISTRY_LOCK = threading.Lock()


class LockedCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self.count = 0

    def __del__(self):
        with self._lock:  # expect: HI003
            self.count = 0


class ManualLock:
    def __init__(self):
        self._mutex = threading.RLock()

    def __del__(self):
        self._mutex.acquire()  # expect: HI003
        self.state = None


class Worker:
    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self._stop.wait(0.5)

    def __del__(self):
        self._stop.set()
        self._thread.join()  # expect: HI003


class TimedWorker:
    def __init__(self, thread):
        self._worker = thread

    def __del__(self):
        self._worker.join(5)  # expect: HI003


class WaitsForDone:
    def __init__(self):
        self._done = threading.Event()

    def __del__(self):
        self._done.wait()  # expect: HI003


class Throttled:
    def __init__(self):
        self.calls = 0

    def __del__(self):
        time.sleep(0.1)  # expect: HI003, HI004


class Producer:
    def __init__(self, q):
        self._queue = q

    def __del__(self):
        self._queue.put(None)  # expect: HI003


class Consumer:
    def __init__(self, q):
        self._results = q

    def __del__(self):
        self.last = self._results.get()  # expect: HI003


class CondUser:
    def __init__(self):
        self._cond = threading.Condition()

    def __del__(self):
        with self._cond:  # expect: HI003
            self._cond.notify_all()


class ProcessOwner:
    def __init__(self, proc):
        self._proc = proc

    def __del__(self):
        self._proc.wait(timeout=5)  # expect: HI003


class Registered:
    def __init__(self, key):
        self.key = key

    def __del__(self):
        with _REGISTRY_LOCK:  # expect: HI003, HI004
            self.key = None


class Drainer:
    def __init__(self):
        self._q = queue.Queue()

    def __del__(self):
        item = self._q.get(timeout=1)  # expect: HI003
        print(item)


# ---- negatives -----------------------------------------------------------------------------


class Named:
    def __init__(self, names):
        self._names = names
        self._sep = ", "

    def __del__(self):
        print("dropping " + ", ".join(self._names))  # ok: HI003
        print(self._sep.join(self._names))  # ok: HI003


class NonBlocking:
    def __init__(self):
        self._events = queue.SimpleQueue()
        self._token = object()

    def __del__(self):
        self._events.put_nowait(self._token)  # ok: HI003


class Settings:
    def __init__(self, cache):
        self._cache = cache

    def __del__(self):
        value = self._cache.get("key")  # ok: HI003
        other = self._cache.get("other", None)  # ok: HI003
        print(value, other)


class LocksElsewhere:
    def __init__(self):
        self._lock = threading.Lock()
        self._done = threading.Event()
        self.items = []

    def add(self, item):
        with self._lock:  # ok: HI003
            self.items.append(item)

    def wait_done(self):
        self._done.wait()  # ok: HI003

    def __del__(self):
        self._done.set()  # ok: HI003


class Opens:
    def __init__(self, path):
        self.path = path

    def __del__(self):
        with open(self.path, "a") as fh:  # ok: HI003
            fh.write("bye\n")


class TryLock:
    def __init__(self):
        self._lock = threading.Lock()

    def __del__(self):
        if self._lock.acquire(blocking=False):  # ok: HI003
            self.flag = True


class Block:
    def __init__(self, block):
        self.block = block

    def __del__(self):
        with self.block:  # ok: HI003
            pass


def drain(q):
    while True:
        item = q.get()  # ok: HI003
        if item is None:
            break
