"""A generator with a `finally`, caught in a cycle: its cleanup waits for the collector.

LogTail follows a file with a generator whose `finally` closes the file.  The tail stores the
generator (`self.lines = self._follow()`), and the generator's frame holds `self`: LogTail <->
generator is a cycle.  When the program drops the tail, nothing closes the generator -- its
`finally` runs only when the cyclic collector finalizes it (PEP 442), which may be much later.
Meanwhile the file stays open (file descriptors leak; on Windows the file cannot be deleted).

Capture at the "Inspect here" line: the LogTail, its suspended generator and the open file (a
TextIOWrapper over a BufferedReader over a FileIO, all referenced from the generator's frame) are
unreachable.  The generator and the three file objects have finalizers: the generator's runs the
`finally`.

The fix: do not rely on generator finalization for cleanup.  Give LogTail a close() that calls
self.lines.close() (or use it as a context manager), or open the file outside the generator in a
`with` block that bounds its lifetime.
"""
import gc
import os
import tempfile

EVENTS = []


class LogTail:
    def __init__(self, path):
        self.path = path
        self.lines = self._follow()

    def _follow(self):
        f = open(self.path, encoding="utf-8")
        try:
            for line in f:
                yield line.rstrip("\n")
        finally:
            f.close()
            EVENTS.append("closed " + os.path.basename(self.path))


fd, path = tempfile.mkstemp(prefix="tail-", suffix=".log")
with os.fdopen(fd, "w", encoding="utf-8") as out:
    out.write("started\nlistening\nready\n")
try:
    tail = LogTail(path)
    first = next(tail.lines)  # the generator is now suspended inside `try`
    tail = None
    closed = list(EVENTS)  # Inspect here: LogTail <-> generator is garbage; the file is still open
    gc.collect()
    print("read %r; file closed when dropped: %s, after gc.collect(): %s"
          % (first, bool(closed), bool(EVENTS)))
finally:
    os.unlink(path)
