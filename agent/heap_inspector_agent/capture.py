"""Capture the heap of this process into a snapshot file: the agent's public entry point."""
import _thread
import gc
import os
import sys
import time

from . import bulk
from . import compat
from . import gcstate
from . import heapwalk
from . import identity
from . import kernels
from . import otherthreads
from . import ownership
from . import progress as progress_reports
from . import roots
from . import safe
from . import strings as string_table
from . import writer as snapshot_writer
from .collect import collect_and_record  # noqa: F401 - part of the agent's entry points
from .memory import MemoryReader

AGENT_VERSION = "0.1.0"

# Probing memory layouts once per process is enough; done while the agent loads, so that the
# classes it creates count among the agent's load artifacts (see bootstrap.py).
_memory = MemoryReader()
_registered = []  # agent objects that live outside the package (the runner's hook, …)


def register_agent_objects(*objects):
    """Mark objects the agent created outside its package as its own: never captured."""
    _registered.extend(objects)


def forget_agent_objects(*objects):
    """Undo ``register_agent_objects`` for ``objects`` (compared by identity)."""
    _registered[:] = [kept for kept in _registered if not any(kept is obj for obj in objects)]


def capture_to_file(
    path, frame=None, trigger="api", held_by_caller=0, collector_state=None, sentinel=None, progress=None,
    keep_identity=True,
):
    """Write a snapshot of the whole heap to ``path``; return a small summary dict.

    ``frame``: the frame to capture "at" (its locals become named roots); defaults to the
    caller's.  ``held_by_caller``: references the caller holds to ``frame`` (they are subtracted
    from its reference count).  ``collector_state``: ``(enabled, counts)`` as they were before the
    caller began allocating for this capture (loading the agent), so that the snapshot records the
    program's collector state and the collector's schedule is kept (see gcstate.keep_schedule).
    ``sentinel``: a fresh object the caller created right after disabling the collector, before
    loading the agent: everything tracked after it is the agent's doing (its modules, what they
    imported, any garbage that made) and is left out of the snapshot.  ``progress``: called as
    ``progress(phase, done, total)`` a few times per phase ("objects", "walk", "leaves", "roots",
    "write"), never per object; an exception from it stops the calls (named in the warnings), not the
    capture.  progress.py says what it may do.
    ``keep_identity``: keep weak references to this capture's objects so that the next capture
    of this process can tell them from new objects at reused addresses (identity.py); False
    when no capture is to follow (the previous record is then dropped too).
    Never calls user code, never collects, restores gc settings.
    """
    started = time.perf_counter()
    started_cpu = otherthreads.own_cpu()
    enabled = gc.isenabled()
    gc.disable()  # the agent's own allocations must not trigger a collection mid-capture
    # Other threads may change the heap while it is read: they are held off for about as long
    # as the capture takes (never longer, never by sleeping) and what they did is measured
    # (otherthreads.py).  The program's interval is restored on every path.
    switch_interval = sys.getswitchinterval()
    count0, count1, count2 = gc.get_count()
    try:
        debug = gc.get_debug()
        if sentinel is None:
            # Everything tracked after this object was created by the capture itself.
            sentinel = []
        if frame is None:
            frame = sys._getframe(1)
            held_by_caller = 0
        if collector_state is not None:
            state = (collector_state[0], list(collector_state[1]), debug)
        else:
            state = (enabled, [count0, count1, count2], debug)
        started = (started, started_cpu)
        report = progress_reports.Reporter(progress)
        return _capture(
            path, frame, trigger, sentinel, state, held_by_caller, started, switch_interval, report, keep_identity
        )
    finally:
        gcstate.keep_schedule(count0 if collector_state is None else collector_state[1][0])
        sys.setswitchinterval(switch_interval)
        if enabled:
            gc.enable()


class _WriteTime:
    """Runs the writer's compress-and-write steps: with the program's own switch interval (they
    give up the GIL, and a waiting thread then gets a normal turn, not the raised interval), and
    adds up how long they take."""

    __slots__ = ("seconds", "program_interval", "walk_interval")

    def __init__(self, program_interval, walk_interval):
        self.seconds = 0.0
        self.program_interval = program_interval
        self.walk_interval = walk_interval

    def __call__(self, work):
        if self.walk_interval is not None:
            sys.setswitchinterval(self.program_interval)
        began = time.perf_counter()
        try:
            return work()
        finally:
            self.seconds += time.perf_counter() - began
            if self.walk_interval is not None:
                sys.setswitchinterval(self.walk_interval)


def _capture(path, frame, trigger, sentinel, state, held_by_caller, started, switch_interval, progress, keep_identity):
    started, started_cpu = started
    memory = _memory
    kernel, kernel_record, kernel_warnings = kernels.choose()
    safe.take_odd_warnings()  # odd objects are counted per capture
    # Opened before other threads are held off: opening a file gives up the GIL.
    output = snapshot_writer.SnapshotWriter(path)
    # The native kernel's writing helpers: each batch compressed on another thread while the
    # walk goes on, and the string table's JSON in one pass.
    start = getattr(kernel, "deflate_start", None)
    if start is not None:
        output.compress_beside(start, kernel.deflate_finish)
    encode = getattr(kernel, "json_strings", None)
    if encode is not None:
        output.encode_strings_with(encode)
    del start, encode
    try:
        return _read_heap(
            output, kernel, kernel_record, kernel_warnings, memory, frame, trigger, sentinel, state,
            held_by_caller, started, started_cpu, switch_interval, progress, keep_identity,
        )
    except BaseException:
        output.abort()
        raise


def _read_heap(output, kernel, kernel_record, kernel_warnings, memory, frame, trigger, sentinel, state,
               held_by_caller, started, started_cpu, switch_interval, progress, keep_identity):
    current_ident = _thread.get_ident()
    activity = otherthreads.begin()
    walk_interval = otherthreads.hold_off(switch_interval)
    otherthreads.let_waiting_threads_through(switch_interval, walk_interval, activity)
    activity = otherthreads.restart(activity)  # what they did before the heap is read does not count
    write_time = _WriteTime(switch_interval, walk_interval)
    output.set_io_turn(write_time)
    paused_stack = roots.user_stack(frame)
    below = paused_stack[-1] if paused_stack else frame
    runner_frames = roots.agent_frames(safe.frame_back(below))
    other_stacks = roots.other_thread_stacks(current_ident)
    names = roots.thread_names(memory)
    addresses = bulk.addresses
    keep = set(addresses(paused_stack))
    for _ident, frames in other_stacks:
        keep.update(addresses(frames))
    # The memory reader is the agent's even though a local of this function refers to it.
    excluded = ownership.owned_ids(_registered + [memory], identity.mark_ids())
    # Not GC-tracked, so not found by owned_ids; never to be a node (see kernel_py.walk).
    excluded.add(bulk.address_of(bulk.SEPARATOR))
    if compat.VERSION < (3, 11):
        # Frames are always objects before 3.11: the agent's own calls are on the heap.  From
        # 3.11 they exist only if materialised, and asking for them would create them.
        excluded.update(addresses(roots.agent_frames(sys._getframe())))
    excluded.update(addresses(runner_frames))
    # References this function's own structures hold to captured objects while counts are read.
    held = {}
    for listed in [paused_stack] + [frames for _ident, frames in other_stacks]:
        for key in addresses(listed):
            held[key] = held.get(key, 0) + 1
    # `frame` is also held by the arguments of capture_to_file, _capture and this function.
    key = bulk.address_of(frame)
    held[key] = held.get(key, 0) + 3 + held_by_caller

    strings = string_table.StringTable(kernel)
    walk = heapwalk.HeapWalk(kernel, memory, strings, output, progress, keep_types=identity.needed(keep_identity))
    walk.collect_tracked(excluded, sentinel, keep, held)
    walk.walk()
    progress("roots", 0, 4)
    walk.collect_roots(paused_stack, other_stacks, names, current_ident)
    progress("roots", 1, 4)
    walk.collect_weakrefs()
    progress("roots", 2, 4)
    walk.collect_finalizers()
    progress("roots", 3, 4)
    walk.count_leaves()
    progress("roots", 4, 4)
    # Compared while the heap is still held: an object freed now could lend its address.
    observation = identity.observe(walk.tracked + walk.leaves, keep_identity, walk.weakable(), walk.kernel)
    output.column("node.identity", snapshot_writer.U8, observation.states)
    output.json("identity", observation.section(keep_identity))
    types = walk.finish()
    # In no order: the reader makes a set of them (sorting tens of thousands took milliseconds).
    output.column("excluded.address", snapshot_writer.U64, excluded)

    frames_section = {
        "paused": [_frame_record(f) for f in paused_stack],
        "threads": [
            {"ident": current_ident, "name": names.get(current_ident, "MainThread"), "current": True,
             "frames": [_frame_record(f) for f in paused_stack]}
        ]
        + [
            {"ident": ident, "name": names.get(ident, "Thread %d" % ident), "current": False,
             "frames": [_frame_record(f) for f in frames]}
            for ident, frames in other_stacks
        ],
    }
    other_threads = otherthreads.end(activity, current_ident, names, walk.changed_while_read, walk_interval)
    # The heap is read: other threads may run again, and writing needs no care any more.
    sys.setswitchinterval(switch_interval)
    write_time.walk_interval = None
    capture_seconds = time.perf_counter() - started - write_time.seconds
    capture_cpu_seconds = otherthreads.own_cpu() - started_cpu
    enabled, counts, debug = state
    gc_state = gcstate.read_state()
    gc_state.update({"enabled": enabled, "counts": gcstate.program_counts(counts), "debug": debug})
    warnings = list(memory.warnings) + walk.warnings + safe.take_odd_warnings()
    warnings.extend(kernel_warnings)
    if progress.failure is not None:
        warnings.append(progress.failure)
    paused_code = safe.frame_code(frame)
    progress("write", 0, 1)
    output.json("types", types)
    output.json("frames", frames_section)
    output.json("finalizers", walk.finalize_records)
    meta = {
        "format": "python-heap-inspector-snapshot",
        "version": snapshot_writer.FORMAT_VERSION,
        "agentVersion": AGENT_VERSION,
        "python": {
            "implementation": sys.implementation.name,
            "version": list(sys.version_info[:3]),
            "versionString": safe.python_version_string(),
            "executable": sys.executable or "",
            "platform": sys.platform,
            "pointerSize": compat.POINTER_SIZE,
        },
        "capture": {
            "time": time.time(),
            "pid": os.getpid(),
            "file": safe.code_filename(paused_code),
            "line": safe.frame_lineno(frame) or 0,
            "function": paused_code.co_name,
            "trigger": trigger,
            "seconds": capture_seconds,
            "cpuSeconds": capture_cpu_seconds,
            "writeSeconds": write_time.seconds,
            "otherThreads": other_threads,
            "kernel": kernel_record,
        },
        "gc": gc_state,
        "counts": {
            "nodes": walk.nodes,
            "edges": walk.edges,
            "tracked": walk.tracked_count,
            "weakrefs": walk.weakref_count,
            "roots": len(walk.root_kind),
            "excludedAgentObjects": len(excluded),
        },
        "warnings": warnings,
    }
    output.json("meta", meta)
    output.close()
    meta["capture"]["writeSeconds"] = write_time.seconds
    observation.commit(keep_identity)
    progress("write", 1, 1)
    return {
        "path": output.path,
        "nodes": walk.nodes,
        "edges": walk.edges,
        "seconds": time.perf_counter() - started,
        "bytes": output.bytes_written,
    }


def _frame_record(frame):
    code = safe.frame_code(frame)
    return {
        "address": bulk.address_of(frame),
        "file": safe.code_filename(code),
        "line": safe.frame_lineno(frame) or 0,
        "function": getattr(code, "co_qualname", code.co_name),
    }
