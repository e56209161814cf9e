"""Progress of a capture: the callback the walk calls, and the file that carries it out of the process.

``capture_to_file(..., progress=callback)`` calls ``callback(phase, done, total)`` at chunk points
of the capture (never per object), phase after phase:

- ``objects``: the tracked objects listed, generation by generation (done: generations);
- ``walk``: their references read, 65,536 objects at a time (done: objects);
- ``leaves``: the untracked objects they reference, and theirs (done: leaves; the total grows
  as more are found);
- ``roots``: roots, weak references, finalizers, the leaves' counts (four steps);
- ``write``: the last sections of the snapshot file (0 of 1, then 1 of 1; the columns were
  written chunk by chunk during the walk).

Each phase starts with ``done == 0`` and ends with ``done == total``; neither decreases within a
phase.  A reader shows a phase it does not know by its name.  Most calls come while the heap is
read: the switch interval is raised and the counts of what the callback refers to are being read.
So a callback must not give up the GIL (no file, no sleep, no lock another thread may hold), must
not keep references to objects of the heap between calls, and must be cheap.  ``Reporter`` calls
it so that it cannot fail the capture.

``ProgressFile`` is such a callback for whoever waits outside the process (the CLI, the editor):
a small file they create, mapped into memory here, so that a report is a few stores into shared
memory — no system call, the GIL kept.  Its layout (little-endian), shared with
server/runner/progressFile.ts:

    0   8  magic "PHIPROG1"            written by the reader when it creates the file
    8   8  sequence, written last      } a report: the reader keeps a record only when both
    16 16  phase, ASCII, NUL-padded    } sequences agree (it was not read in the middle of
    32  8  done                        } a report)
    40  8  total                       }
    48  8  sequence, written first     }
    56  1  state: 0 before the capture, 1 capturing, 2 ended (written here)
    57  1  shown: 1 while the reader shows the progress on a terminal (written by the reader)
    58  6  reserved

The file must already exist with exactly that size and magic: nothing here creates, extends or
truncates a file (writing a mapped page beyond a file's end kills the process with SIGBUS).
"""
import os
import time

try:
    import mmap as _mmap
except ImportError:  # a platform without mmap: no progress file, the capture is the same
    _mmap = None

MAGIC = b"PHIPROG1"
SIZE = 64
PHASE_BYTES = 16
STATE_CAPTURING = 1
STATE_ENDED = 2
_STATE = 56
_SHOWN = 57
_POLL_SECONDS = 0.005
# How long the program may be kept after a capture for its reader to clear the terminal line: a
# reader polls every 50 ms; one that is stuck must not keep the program for longer than this.
CLEAR_LIMIT_SECONDS = 1.0
_TYPE_NAME = type.__dict__["__name__"].__get__  # a type's name, whatever its metaclass says


class Reporter:
    """Calls the capture's progress callback, if any; a callback that raises is dropped (the
    capture goes on without progress) and named in the snapshot's warnings."""

    __slots__ = ("_callback", "failure")

    def __init__(self, callback):
        self._callback = callback
        self.failure = None

    def __call__(self, phase, done, total):
        callback = self._callback
        if callback is None:
            return
        try:
            callback(phase, done, total)
        except Exception as error:
            self._callback = None
            # The type only: str(error) could run the callback's own code.
            self.failure = "progress reporting stopped: the callback raised %s" % _TYPE_NAME(type(error))


class ProgressFile:
    """A progress file mapped into memory; ``report`` is the capture's callback."""

    __slots__ = ("_map", "_sequence")

    def __init__(self, mapped):
        self._map = mapped
        self._sequence = 0

    @classmethod
    def open(cls, path):
        """The progress file at ``path``, or None when there is none to use (missing, not a
        regular file of the right size and magic, no mmap, an audit hook that refuses it): a
        capture without progress is still a capture.  Opens a file: call it before the capture
        raises the switch interval."""
        if _mmap is None or not path:
            return None
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            status = os.fstat(fd)
            if status.st_mode & 0o170000 != 0o100000 or status.st_size != SIZE:
                return None
            mapped = _mmap.mmap(fd, SIZE)
        except Exception:  # OSError, ValueError, an audit hook's refusal
            return None
        finally:
            os.close(fd)  # the mapping keeps its own descriptor, not inheritable, until close()
        if mapped[0:8] != MAGIC:
            mapped.close()
            return None
        return cls(mapped)

    def report(self, phase, done, total):
        """Stores one record (no system call: safe while the switch interval is raised)."""
        mapped = self._map
        self._sequence += 1
        sequence = self._sequence.to_bytes(8, "little")
        mapped[48:56] = sequence
        mapped[16:48] = (
            phase.encode("ascii", "replace")[:PHASE_BYTES].ljust(PHASE_BYTES, b"\0")
            + done.to_bytes(8, "little")
            + total.to_bytes(8, "little")
        )
        mapped[8:16] = sequence
        if mapped[_STATE] != STATE_CAPTURING:
            mapped[_STATE] = STATE_CAPTURING

    def finish(self):
        """The capture is over (done or failed)."""
        self._map[_STATE] = STATE_ENDED

    def wait_until_cleared(self, limit_seconds=CLEAR_LIMIT_SECONDS):
        """Wait, at most ``limit_seconds``, while the reader still shows the progress on a
        terminal: the program's next output must not land on that line.  Sleeps: call it once
        the capture has put the switch interval back."""
        mapped = self._map
        deadline = time.monotonic() + limit_seconds
        while mapped[_SHOWN] and time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)

    def close(self):
        self._map.close()
