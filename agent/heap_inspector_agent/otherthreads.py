"""Other threads while the heap is read: how long they are held off, and how much they ran.

Pure Python cannot stop another thread.  The switch interval only decides how long a thread may
keep the GIL before a waiting thread asks for it: raising it makes other threads run less often,
never not at all (a thread that was already waiting asks after the old interval, and then keeps
the GIL for up to the new one).  So the capture holds them off as long as it safely can and
measures what they did meanwhile; the snapshot says so (``meta.capture.otherThreads``).

- ``hold_off(...)`` raises the switch interval to an estimate of the capture's own length (from
  the number of allocated blocks, at a rate below any measured capture's), bounded by
  ``MAX_SWITCH_INTERVAL``: other threads then wait at most about as long as the capture itself,
  never longer, and a busy thread cannot freeze the program.
- ``let_waiting_threads_through(...)`` then runs bytecode (no sleep: the GIL is never given up
  while the interval is raised) until threads that were already waiting with the old interval
  have had their turn, so that turn comes before the heap is read rather than in the middle of it.
- ``begin()`` / ``end(...)`` measure the CPU time of every other thread that runs Python code
  (per-thread CPU clocks), and of the whole process for comparison.
"""
import sys
import time
from itertools import chain, islice, tee

MAX_SWITCH_INTERVAL = 1.0  # seconds
SECONDS_PER_BLOCK = 0.3e-6  # a capture takes 1-5 us per allocated block: a lower bound
# While waiting for the others' turn: how long without a hand-off counts as settled (in old
# switch intervals), and how many turns to allow at most.
_QUIET_INTERVALS = 3
_MAX_TURNS = 8
# A program interval longer than this means waiting threads will not ask for the GIL soon (a
# debugger may have set 1000 s): there is nothing to wait for.
_MAX_SETTLE_INTERVAL = 0.05

_perf = time.perf_counter
_thread_cpu = getattr(time, "thread_time", None)
_process_cpu = time.process_time
_clock_id = getattr(time, "pthread_getcpuclockid", None)
_clock = getattr(time, "clock_gettime", None)


def hold_off(interval):
    """Raise the switch interval for the walk (``interval``: the program's own); return the
    interval set.  The caller restores ``interval`` on every path."""
    try:
        estimate = sys.getallocatedblocks() * SECONDS_PER_BLOCK
    except Exception:
        estimate = 0.0
    walk_interval = min(MAX_SWITCH_INTERVAL, max(interval, estimate))
    sys.setswitchinterval(walk_interval)
    return walk_interval


def let_waiting_threads_through(interval, walk_interval, reading):
    """Run bytecode until threads that asked for the GIL under the old ``interval`` have had it:
    no hand-off for a few old intervals (a gap in this loop longer than half an interval is one),
    at most ``_MAX_TURNS`` turns of ``walk_interval``.  Only when ``begin()``'s ``reading`` lists
    another thread running Python code (or cannot tell) and the old interval is short.
    Returns the hand-offs seen."""
    clocks = reading[3]
    if clocks is not None and len(clocks) < 2:
        return 0
    if not 0 < interval <= _MAX_SETTLE_INTERVAL:
        return 0
    gap = interval / 2
    quiet = _QUIET_INTERVALS * interval
    turns = 0
    last = quiet_since = _perf()
    deadline = last + 2 * _MAX_TURNS * (walk_interval + quiet)
    while turns < _MAX_TURNS and last < deadline:
        now = _perf()
        if now - last > gap:
            turns += 1
            quiet_since = now
        elif now - quiet_since >= quiet:
            break
        last = now
    return turns


def begin():
    """A reading before the heap is read: (wall, process CPU, this thread's CPU, [(ident, clock
    id, CPU seconds)] of every thread that runs Python code, or None where threads have no CPU
    clock of their own)."""
    return (_perf(), _process_cpu(), own_cpu(), _thread_clocks())


def restart(reading):
    """``reading`` taken again now, for the same threads (their clocks only: no new listing)."""
    clocks = reading[3]
    if clocks is not None:
        now = []
        for ident, clock, _before in clocks:
            try:
                now.append((ident, clock, _clock(clock)))
            except OSError:  # ended meanwhile: nothing more to measure
                pass
        clocks = now
    return (_perf(), _process_cpu(), own_cpu(), clocks)


def own_cpu():
    """CPU seconds of the calling thread (0 where there is no such clock)."""
    return _thread_cpu() if _thread_cpu is not None else 0.0


def _thread_clocks():
    """Every thread with a Python frame, listed and its CPU clock read in one C-level pass.

    ``pthread_getcpuclockid`` on a thread that has exited is undefined behaviour.  A thread that
    is listed by ``sys._current_frames()`` still has its thread state, which it can only delete
    holding the GIL; the iterators below are all consumed inside one ``list()`` call, with no
    bytecode in between, so this thread keeps the GIL from the listing to the last clock read.
    Later reads use only the clock ids: ``clock_gettime`` on the clock of a thread that has
    exited fails cleanly (EINVAL)."""
    if _clock_id is None or _clock is None:
        return None
    try:
        idents = chain.from_iterable(islice(iter(sys._current_frames, None), 1))
        listed, asked = tee(idents)
        clocks, read = tee(map(_clock_id, asked))
        return list(zip(listed, clocks, map(_clock, read)))
    except Exception:  # a platform without per-thread clocks, an audit hook that refuses
        return None


def end(reading, current_ident, names, changed_objects, walk_interval):
    """What other threads did since ``reading``: the ``meta.capture.otherThreads`` record."""
    wall0, process0, own0, clocks = reading
    wall = _perf() - wall0
    own = own_cpu() - own0
    process_other = max(0.0, _process_cpu() - process0 - own)
    threads = []
    ended = 0
    if clocks is not None:
        for ident, clock, before in clocks:
            if ident == current_ident:
                continue
            try:
                used = _clock(clock) - before
            except OSError:  # the thread has ended
                ended += 1
                continue
            if used > 0:
                name = names.get(ident)
                threads.append(
                    {"ident": ident, "name": name if type(name) is str else "Thread %d" % ident, "cpuSeconds": used}
                )
        threads.sort(key=_busiest_first)
        cpu = sum((thread["cpuSeconds"] for thread in threads), 0.0)
        measured_by = "thread-clocks"
    else:
        cpu = process_other
        measured_by = "process"
    return {
        "readSeconds": wall,
        "readCpuSeconds": own,
        "cpuSeconds": cpu,
        "processCpuSeconds": process_other,
        "measuredBy": measured_by,
        "threads": threads[:10],
        "ended": ended,
        "changedObjects": changed_objects,
        "switchInterval": walk_interval,
    }


def _busiest_first(thread):
    return -thread["cpuSeconds"]
