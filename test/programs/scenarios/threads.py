"""A second thread blocked on an Event holds the only reference to an otherwise garbage-like cycle.

The main thread creates Job("in-thread") (a self-cycle) inside a list `box`; the worker thread pops
it into its local `job`, sets `ready` and blocks in `go.wait()`.  From then on the Job is referenced
only from the worker's frame: a running frame's locals are roots (every thread's stack is), so the
collector must keep it.  The Thread object no longer references it (box is empty, and it was never
in the thread's args directly).  Job("lost"), dropped by the main thread, is real garbage.

Expected (generation 2): collected {"__main__.Job": 1} (the "lost" one); one finalizer; FINALIZED
gains "job lost".  After the capture the worker is released and joined.
"""
import gc
import threading

FINALIZED = []


class Job:
    def __init__(self, name):
        self.name = name
        self.me = self

    def __del__(self):
        FINALIZED.append("job " + self.name)


def worker(box, ready, go, seen):
    job = box.pop()  # the only reference to this Job from now on
    ready.set()
    go.wait()
    seen.append(job.name)


gc.collect()  # start from a heap without import-time garbage

box = [Job("in-thread")]
seen = []
ready = threading.Event()
go = threading.Event()
t = threading.Thread(target=worker, args=(box, ready, go, seen), name="holder")
t.start()
ready.wait()
lost = Job("lost")
lost = None
pass  # @capture
go.set()
t.join()
print("worker still had:", seen, "finalized:", FINALIZED)
