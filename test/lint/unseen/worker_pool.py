"""Background workers pulling jobs off a queue."""
import logging
import queue
import threading
import time

log = logging.getLogger(__name__)
POLL_INTERVAL = 0.5


class Job:
    def __init__(self, fn, *args):
        self.fn = fn
        self.args = args
        self.error = None
        self.result = None
        self.done = threading.Event()

    def run(self):
        try:
            self.result = self.fn(*self.args)
        except Exception as exc:
            self.error = exc  # expect: HI009
        finally:
            self.done.set()


class Worker(threading.Thread):  # expect: HI010
    def __init__(self, jobs):
        super().__init__(daemon=True)
        self.jobs = jobs
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            try:
                job = self.jobs.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                continue
            job.run()
            self.jobs.task_done()

    def close(self):
        self._stop_event.set()


class WorkerPool:
    def __init__(self, size=4):
        self.jobs = queue.Queue()
        self.workers = [Worker(self.jobs) for _ in range(size)]
        for w in self.workers:
            w.start()

    def submit(self, fn, *args):
        job = Job(fn, *args)
        self.jobs.put(job)
        return job

    def close(self):
        for w in self.workers:
            w.close()
        for w in self.workers:
            w.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        for w in self.workers:
            w.close()  # expect: HI001
        self.jobs.join()  # expect: HI003
        log.info("pool finalized after %.1fs", time.monotonic())  # expect: HI004
