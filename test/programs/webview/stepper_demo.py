"""A small heap for the collector stepper's screenshots (test/webview/stepper.test.ts).

At the capture line:
- `Session` pair: a reference cycle that survived a full collection while the module held it,
  then dropped: garbage in generation 2. The old session still holds a young `Buffer` (its
  `.buffer`): garbage too, but gc.collect(0) cannot free it — the reference from the older
  generation counts as outside.
- `Job` pair with a `__del__`: a young cycle, dropped: garbage in generation 0 that any
  collection frees, running both finalizers.
- `Task` with a weak reference (callback) and a `weakref.finalize`: young garbage too.
- `cache`: a live dict (module global) holding a young `Job`-free `Buffer`: reachable, rescued.
"""
import gc
import weakref


class Session:
    def __init__(self, name):
        self.name = name
        self.peer = None
        self.buffer = None


class Buffer:
    def __init__(self, size):
        self.data = [0] * size
        self.owner = None


class Job:
    def __init__(self, name):
        self.name = name
        self.next = None

    def __del__(self):
        print("Job.__del__", self.name)


class Task:
    def __init__(self):
        self.me = self


def released(ref):
    print("weak reference to a Task cleared")


def closed():
    print("weakref.finalize callback ran")


gc.collect()
old = Session("old-a")
old.peer = Session("old-b")
old.peer.peer = old
gc.collect()  # the pair survives a full collection: generation 2
old.buffer = Buffer(4)  # young, held only by the old garbage-to-be
old.buffer.owner = old.buffer
del old

a = Job("job-1")
a.next = Job("job-2")
a.next.next = a
del a

task = Task()
watch = weakref.ref(task, released)
weakref.finalize(task, closed)
del task

cache = {"live": Buffer(2)}
cache["live"].owner = cache
pass  # @capture
print("done")
