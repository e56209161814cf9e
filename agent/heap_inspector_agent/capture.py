"""Capture the heap of this process into a snapshot file: the agent's public entry point."""
import _thread
import gc
import os
import sys
import time

from . import accel_loader
from . import allocations
from . import bulk
from . import compat
from . import gcstate
from . import heapwalk
from . import labels
from . import otherthreads
from . import ownership
from . import roots
from . import safe
from . import strings as string_table
from . import typeinfo
from . import weakrefs
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


def capture_to_file(path, frame=None, trigger="api", held_by_caller=0, collector_state=None, sentinel=None):
    """Write a snapshot of the whole heap to ``path``; return a small summary dict.

    ``frame``: the frame to capture "at" (its locals become named roots); defaults to the
    caller's.  ``held_by_caller``: references the caller holds to ``frame`` (they are subtracted
    from its reference count).  ``collector_state``: ``(enabled, counts)`` as they were before the
    caller began allocating for this capture (loading the agent), so that the snapshot records the
    program's collector state and the collector's schedule is kept (see gcstate.keep_schedule).
    ``sentinel``: a fresh object the caller created right after disabling the collector, before
    loading the agent: everything tracked after it is the agent's doing (its modules, what they
    imported, any garbage that made) and is left out of the snapshot.
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
        return _capture(path, frame, trigger, sentinel, state, held_by_caller, started, switch_interval)
    finally:
        gcstate.keep_schedule(count0 if collector_state is None else collector_state[1][0])
        sys.setswitchinterval(switch_interval)
        if enabled:
            gc.enable()


def _capture(path, frame, trigger, sentinel, state, held_by_caller, started, switch_interval):
    started, started_cpu = started
    memory = _memory
    safe.take_odd_warnings()  # odd objects are counted per capture
    current_ident = _thread.get_ident()
    activity = otherthreads.begin()
    walk_interval = otherthreads.hold_off(switch_interval)
    otherthreads.let_waiting_threads_through(switch_interval, walk_interval, activity)
    activity = otherthreads.restart(activity)  # what they did before the heap is read does not count
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
    excluded = ownership.owned_ids(_registered + [memory])
    # Not GC-tracked, so not found by owned_ids; never to be a node (see heapwalk._read_referents).
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
    # `frame` is also held by the arguments of capture_to_file and _capture.
    key = bulk.address_of(frame)
    held[key] = held.get(key, 0) + 2 + held_by_caller

    strings = string_table.StringTable()
    walk = heapwalk.HeapWalk(memory, strings)
    walk.collect_tracked(excluded, sentinel, keep, held)
    walk.collect_referents(excluded)
    walk.collect_roots(paused_stack, other_stacks, names, current_ident)
    walk.collect_weakrefs()
    walk.collect_finalizers()
    walk.count_leaves(held)

    types = typeinfo.TypeTable(weakrefs.ALL_TYPES)
    labeler = labels.Labeler(memory, types)
    walk.build_columns(types, labeler, set(addresses(list(gc.garbage))))
    capture_seconds = time.perf_counter() - started
    capture_cpu_seconds = otherthreads.own_cpu() - started_cpu

    frames_section = {
        "paused": [_frame_record(f, walk) for f in paused_stack],
        "threads": [
            {"ident": current_ident, "name": names.get(current_ident, "MainThread"), "current": True,
             "frames": [_frame_record(f, walk) for f in paused_stack]}
        ]
        + [
            {"ident": ident, "name": names.get(ident, "Thread %d" % ident), "current": False,
             "frames": [_frame_record(f, walk) for f in frames]}
            for ident, frames in other_stacks
        ],
    }
    allocation_columns = allocations.collect(walk.objects, strings)
    walk.release()
    other_threads = otherthreads.end(activity, current_ident, names, walk.changed_while_read, walk_interval)
    # The heap is read; writing the file releases the GIL, and other threads may run again.
    sys.setswitchinterval(switch_interval)
    enabled, counts, debug = state
    gc_state = gcstate.read_state()
    gc_state.update({"enabled": enabled, "counts": gcstate.program_counts(counts), "debug": debug})
    warnings = list(memory.warnings) + walk.warnings + safe.take_odd_warnings()
    if accel_loader.warning is not None:
        warnings.append(accel_loader.warning)
    paused_code = safe.frame_code(frame)
    write_started = time.perf_counter()
    output = snapshot_writer.SnapshotWriter(path)
    try:
        output.json("strings", strings.strings)
        output.json("types", types.records)
        output.column("node.address", snapshot_writer.F64, walk.node_address)
        output.column("node.type", snapshot_writer.U32, walk.node_type)
        output.column("node.size", snapshot_writer.U32, walk.node_size)
        output.column("node.refcount", snapshot_writer.U32, walk.refcounts)
        output.column("node.flags", snapshot_writer.U8, walk.node_flags)
        output.column("node.name", snapshot_writer.U32, walk.node_name)
        output.column("node.edgeCount", snapshot_writer.U32, walk.node_edge_count)
        output.column("edge.to", snapshot_writer.U32, walk.edge_to)
        output.column("edge.kind", snapshot_writer.U8, walk.edge_kind)
        output.column("edge.name", snapshot_writer.U32, walk.edge_name)
        output.column("weakref.node", snapshot_writer.U32, walk.weakref_node)
        output.column("weakref.referent", snapshot_writer.I32, walk.weakref_referent)
        output.column("weakref.callback", snapshot_writer.I32, walk.weakref_callback)
        output.column("root.kind", snapshot_writer.U8, walk.root_kind)
        output.column("root.node", snapshot_writer.U32, walk.root_node)
        output.column("root.name", snapshot_writer.U32, walk.root_name)
        output.column("root.frame", snapshot_writer.I32, walk.root_frame)
        if allocation_columns is not None:
            output.column("alloc.node", snapshot_writer.U32, allocation_columns[0])
            output.column("alloc.file", snapshot_writer.U32, allocation_columns[1])
            output.column("alloc.line", snapshot_writer.U32, allocation_columns[2])
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
                "writeSeconds": time.perf_counter() - write_started,
                "otherThreads": other_threads,
            },
            "gc": gc_state,
            "counts": {
                "nodes": len(walk.node_address),
                "edges": len(walk.edge_to),
                "tracked": walk.tracked_count,
                "weakrefs": len(walk.weakref_node),
                "roots": len(walk.root_kind),
                "excludedAgentObjects": len(excluded),
            },
            "warnings": warnings,
        }
        output.json("meta", meta)
        output.close()
    except BaseException:
        output.abort()
        raise
    return {
        "path": path,
        "nodes": meta["counts"]["nodes"],
        "edges": meta["counts"]["edges"],
        "seconds": time.perf_counter() - started,
    }


def _frame_record(frame, walk):
    code = safe.frame_code(frame)
    node = walk.frame_nodes.get(bulk.address_of(frame))
    return {
        "node": -1 if node is None else node,
        "file": safe.code_filename(code),
        "line": safe.frame_lineno(frame) or 0,
        "function": getattr(code, "co_qualname", code.co_name),
    }

