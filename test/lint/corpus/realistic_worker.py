"""A background thread worker that reports failures back to its owner."""
import gc
import queue
import threading
import traceback

_workers = []


class Worker:
    def __init__(self, handler):
        self._handler = handler
        self._jobs = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker", daemon=True)
        self._error = None
        self.failures = []
        self._thread.start()
        _workers.append(self)

    def submit(self, job):
        self._jobs.put(job)

    def _loop(self):
        while not self._stopped.is_set():
            job = self._jobs.get()
            if job is None:
                break
            try:
                self._handler(job)
            except Exception as exc:
                self._error = exc  # expect: HI009
                self.failures.append(traceback.format_exc())  # ok: HI009

    def stop(self):
        self._stopped.set()
        self._jobs.put(None)
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __del__(self):
        self.stop()  # expect: HI001
        if self._error is not None:
            raise self._error  # expect: HI006


class BatchWorker(Worker):
    def __init__(self, handler, batch_size):
        super().__init__(handler)
        self.batch_size = batch_size

    def process_batch(self, jobs):
        gc.disable()  # expect: HI011
        for job in jobs:
            self._handler(job)
        gc.enable()

    def process_batch_safely(self, jobs):
        gc.disable()  # ok: HI011
        try:
            for job in jobs:
                self._handler(job)
        finally:
            gc.enable()

    def __del__(self):  # expect: HI002
        self._jobs.put_nowait(None)  # ok: HI003
        _workers.remove(self)  # expect: HI001, HI004
