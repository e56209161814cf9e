"""Keeping the program's automatic collections exactly where plain python has them.

Loaded by heap_inspector_start.py (it travels inside that file's compiled copy, see
build_start.py) into a namespace of its own, after the collector's state was measured; used by the
runner (heap_inspector_run.py) through ``_HEAP_INSPECTOR_START``.

Plain python compiles the script, then runs it.  heap_inspector_start.py measured the collector's
count and every free list as they were before the runner was loaded (``start_state``); a forked
copy of the runner puts them back to exactly that, compiles the script the way python does (with
the collector as it would be) and reports what the compile left: the count, the collections it
triggered and the free lists (``exact_start``).  Just before the script runs, ``exact_finish``
brings the runner to that state: the free lists are filled or emptied to those lengths, and the
count's excess is added to generation 0's threshold until the next collection ends (a one-shot
``gc.callbacks`` entry puts it back; the program can see it there until then).
"""


def exact_start(sys, os, info, source, script_path, module_file, line, code_lines):
    """The state plain python has when the script starts, or ``target`` None if it cannot be had."""
    start = info["start_state"](info, info["path"])
    result = {
        "target": None,
        "levels": None,
        "collections": [],
        "code": None,
        "line": None,
        "syntax_error": None,
        "ambiguous": list(start["ambiguous"]),
        "gen1": start["gen1"],
        "gen2": start["gen2"],
    }
    if not hasattr(os, "fork"):
        result["ambiguous"].append("no fork() here to replay the compile in")
        return result
    import marshal

    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: replay python's compile from its starting state, report, vanish
        status = 0
        try:
            os.close(read_end)
            data = marshal.dumps(_replay_compile(sys, info, start, source, script_path, module_file, line, code_lines))
            while data:
                data = data[os.write(write_end, data) :]
        except BaseException as error:  # noqa: BLE001 - anything must become a message
            os.write(write_end, marshal.dumps(["error", "%s: %s" % (type(error).__name__, error)]))
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(child, 0)
    reply = marshal.loads(b"".join(chunks)) if chunks else ["error", "the replay process died"]
    if reply[0] == "syntax":
        result["syntax_error"] = reply[1]
    elif reply[0] == "error":
        result["ambiguous"].append("the compile could not be replayed (%s)" % reply[1])
    else:
        _kind, target, gen1, gen2, levels, collections, code, snapped, notes = reply
        result["target"] = target
        result["gen1"] = gen1
        result["gen2"] = gen2
        result["levels"] = levels
        result["collections"] = collections
        result["code"] = None if code is None else marshal.loads(code)
        result["line"] = snapped
        result["ambiguous"].extend(notes)
    return result


def _replay_compile(sys, info, start, source, script_path, module_file, line, code_lines):
    """In the forked child: the state plain python is in after compiling the script."""
    gc = info["gc"]
    measure = info["measure"]
    notes = []
    # Creates the ast module's types now: compile() makes them on first use, python's own compile
    # of the main file does not.
    compile("", "<heap-inspector>", "exec", 0, True)
    held = []
    gc.collect(0)  # the count to zero (only here, in the child), so that it can be set exactly
    stats_before = [generation["collections"] for generation in gc.get_stats()]
    counts = gc.get_count()
    threshold = gc.get_threshold()
    measured = measure(gc, -1)
    current = measured[2]
    levels = start["levels"]
    grows = info["grows"](current, levels)
    big = [None] * 21  # tuples this long never come from a free list: one counted object each
    missing = start["count"] - gc.get_count()[0] - grows
    while missing > 0:
        held.append((*big,))
        missing -= 1
    big = None
    offset = gc.get_count()[0] + grows - start["count"]  # > 0 only when the start count was tiny
    # Generation 1 and 2 decisions as plain python would make them from its own counts.
    gc.set_threshold(
        threshold[0] + offset,
        max(1, threshold[1] + counts[1] - start["gen1"]),
        max(1, threshold[2] + counts[2] - start["gen2"]),
    )
    pre312 = sys.hexversion < 0x030C0000
    info["realize"](gc, current, levels, held)  # last: it leaves the free lists as python's
    code = None
    try:
        if pre312:
            # Up to 3.11 a collection runs inside the allocation that crosses the threshold: let
            # it, at the same allocation as under python.  From 3.12 it only becomes due, and runs
            # when the script starts: the count is reported and the real run makes it due itself.
            gc.enable()
        code = compile(source, script_path, "exec", 0, True)
    except SyntaxError:
        gc.disable()
        import traceback

        return ["syntax", "".join(traceback.format_exception_only(*sys.exc_info()[:2]))]
    finally:
        gc.disable()
    after = measure(gc, -1)
    # Python compiles the main file within an arena that lives until the script ends; compile()
    # frees its own before returning, and with it the arena's list of objects.
    if after[1]["list"] < 80:
        after[1]["list"] = after[1]["list"] - 1
    else:
        notes.append("the list free list was full after the compile")
    counts_after = gc.get_count()
    stats_after = [generation["collections"] for generation in gc.get_stats()]
    collections = []
    for generation in range(len(stats_after)):
        for _ in range(stats_after[generation] - stats_before[generation]):
            collections.append(generation)
    gen1 = start["gen1"] + counts_after[1] - counts[1]
    gen2 = start["gen2"] + counts_after[2] - counts[2]
    if collections and collections[-1] >= 1:
        gen1 = counts_after[1]
    if collections and collections[-1] >= 2:
        gen2 = counts_after[2]
    snapped = None
    code_bytes = None
    if not pre312:
        import marshal

        code_bytes = marshal.dumps(code)
        if module_file is not None:
            with open(module_file, "rb") as module_source:
                code = compile(module_source.read(), module_file, "exec", 0, True)
        later = sorted(candidate for candidate in code_lines(code, set()) if candidate >= line)
        snapped = later[0] if later else None
    # A collection resets the count: the offset no longer applies after one.
    target = after[0] - (0 if collections else offset)
    if start["collected_while_loading"]:
        # This process collected while the runner loaded; python collects during this compile
        # (up to 3.11) or when the script starts (from 3.12).  Same collection, already done.
        if pre312 and collections and collections[0] == 0:
            del collections[0]
        elif not pre312 and target + 1 > threshold[0]:
            target = -1  # the script's own function object then brings it to 0, as after python's
        else:
            notes.append("the runner's loading made a collection python would not have made")
    return ["ok", target, gen1, gen2, after[1], collections, code_bytes, snapped, notes]


def exact_finish(gc, exact, stoppers, stop, info):
    """Bring this process to the state plain python starts the script in (see exact_start).
    Called when nothing else of the set-up is left: the last thing before the script runs."""
    measure = info["measure"]
    realize = info["realize"]
    held = []
    # Made now, so that nothing of them is made after the free lists are set.
    callback, callback_state = schedule_callback(gc)
    stop(0)  # 3.8-3.10: the stop function's first call takes a frame; take it now
    realize(gc, {}, {}, held)  # likewise for realize's own frame
    for generation in exact["collections"]:
        gc.collect(generation)  # python collected while compiling the script
    stoppers.append(held)
    stoppers.append(callback)
    stoppers.append(exact)
    can_reset = _can_reset_counts(gc, exact)
    threshold = gc.get_threshold()
    # What the callback needs, made before the free lists are measured (see schedule_callback).
    callback_state["threshold"] = threshold[0]
    callback_state["restore"] = (threshold[0],)
    callback_state["reserve"] = gc.get_threshold()
    measured = measure(gc, -1)
    # Kept: freeing them after realize() would put a tuple, list or dict back on a free list.
    held.append(threshold)
    held.append(measured)
    if can_reset:
        realize(gc, measured[2], exact["levels"], held)
        # From here on nothing takes from or gives to a free list: the counts are set to python's
        # (gc.freeze() zeroes them, gc.unfreeze() moves every object to the oldest generation, an
        # empty young collection adds one to the next generation's count), then generation 0's is
        # raised with tuples too long for a free list (21 items) (untracked at the next collection).
        gc.freeze()
        gc.unfreeze()
        for _ in range(exact["gen2"]):
            gc.collect(1)
        for _ in range(exact["gen1"]):
            gc.collect(0)
        item = None
        for _ in range(exact["target"]):
            held.append(
                (item, item, item, item, item, item, item, item, item, item, item,
                 item, item, item, item, item, item, item, item, item, item)
            )  # fmt: skip
        return
    # Otherwise the count's excess is added to generation 0's threshold until the next
    # collection starts (schedule_callback).
    added = gc.get_count()[0] + info["grows"](measured[2], exact["levels"]) - exact["target"]
    if added != 0 and threshold[0] != 0:
        callback_state["added"] = added
        gc.set_threshold(max(1, threshold[0] + added), threshold[1], threshold[2])
        gc.callbacks.append(callback)
    # Last: from here until the script starts nothing may take from or give to a free list.
    realize(gc, measured[2], exact["levels"], held)


def _can_reset_counts(gc, exact):
    """Whether exact_finish may set the counts directly, which moves every object of the young
    generations to the oldest: only when that changes nothing python would do differently.  No
    object frozen by the program's start-up (gc.unfreeze() would release it), no full collection
    yet (the collector then also weighs the oldest generation's size), no gc callback or debug
    flag (they would see the empty collections), and a count python can have (from 3.12 the count
    may stand at -1: the script's own function object brings it to 0 after a collection)."""
    if exact["target"] < 0 or gc.get_freeze_count() != 0 or gc.callbacks or gc.get_debug() != 0:
        return False
    return gc.get_stats()[-1]["collections"] == 0


def schedule_callback(gc):
    """The one-shot callback that puts generation 0's threshold back when the next collection
    starts; same protocol as gcstate.make_schedule_callback (the agent finds it by its name).

    It runs inside the program's first automatic collection, so it must leave every free list as
    it found it: the 3-tuple gc.get_threshold() returns is the one it held (``reserve``, freed just
    before the call, so never a new one) and stays held; set_threshold() gets a tuple made in
    advance (``restore``), which a call with * passes as it is."""
    state = {"threshold": gc.get_threshold()[0], "added": 0, "restore": None, "reserve": None}

    def heap_inspector_keep_schedule(phase, _info, state=state):
        # At the start of that collection: it is running, and resets the count itself.  Removed
        # then, the callback is not called again, and python builds no arguments for a "stop".
        if phase != "start":
            return
        state["reserve"] = None
        current = gc.get_threshold()
        state["reserve"] = current
        if current[0] == state["threshold"] + state["added"]:
            gc.set_threshold(*state["restore"])
        if heap_inspector_keep_schedule in gc.callbacks:
            gc.callbacks.remove(heap_inspector_keep_schedule)

    heap_inspector_keep_schedule.__qualname__ = "heap_inspector_keep_schedule"
    # 3.8-3.10: its first call takes a frame from the free list and keeps it; take it now.
    heap_inspector_keep_schedule("set-up", None)
    return heap_inspector_keep_schedule, state


def note_at_capture(sys, note, collector):
    """The note as it stands when the line is reached.  Before 3.10 python caches the gc module
    the runner made, and a program's ``import gc`` gets a copy of it: that import then makes fewer
    objects than python's first import (not the module's functions, nor its caches)."""
    imported = sys.modules.get("gc")
    if sys.version_info >= (3, 10) or imported is None or imported is collector:
        return note
    reasons = list(note["reasons"])
    reasons.append(
        "the program imported gc, which on 3.8 and 3.9 makes fewer objects under the runner than "
        "under python: automatic collections after that import come later (measured: 18 to 30 "
        "allocations)"
    )
    return {"exact": False, "reasons": reasons}


def note(exact):
    """What the snapshot says about the collector's schedule in this run."""
    if exact is None:
        return {"exact": False, "reasons": ["the runner ran without heap_inspector_start"]}
    reasons = list(exact["ambiguous"])
    if exact["target"] is None and not reasons:
        reasons.append("the compile could not be replayed")
    return {"exact": not reasons, "reasons": reasons}
