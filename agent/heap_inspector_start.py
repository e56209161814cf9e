"""First stage of the runner: measures the collector's state before anything else runs.

    python heap_inspector_start.pyc RUNNER.pyc run --at FILE:LINE ... SCRIPT [ARGS...]

Plain ``python SCRIPT`` compiles the script and runs it.  The collector's automatic collections
then come after a number of allocations that depends on two things the process carries from its
start-up: generation 0's allocation count, and how full CPython's free lists are (a tuple, list,
dict or frame taken from a free list is not counted as an allocation; one put back is not counted
as a deallocation).  The runner's own work changes both, so this stage reads them exactly, as they
were when the interpreter handed over the main file, before any of the runner's code ran:

* this file is compiled by ``build_start.py`` with every tuple of its code objects padded to 21
  items or more (``co_consts``, ``co_names``, the local names): tuples that long never come from
  a free list, so loading this file changed nothing but the count, by an amount measured below;
* ``gc`` is created without the import system (``_imp.create_builtin``): from 3.10 that module
  object is private and ``sys.modules`` never sees it;
* each free list is measured by taking objects from it until the count moves (the first object
  not taken from the list), which leaves a known trace, and nothing is ever guessed: where a
  measurement cannot tell two states apart the result says so (``ambiguous``).

The second stage (``heap_inspector_run.py``) gets the result as ``_HEAP_INSPECTOR_START`` in the
namespace it runs in, and uses ``measure``/``realize`` below to put the free lists and the count
where plain python would have them when the script starts (heap_inspector_schedule.py).

No closures, no keyword arguments, no tuple or frozenset constants in this file: each would be a
short tuple in the compiled file.  ``build_start.py`` refuses to build if one is left.
"""

import sys
import _imp

_START_GC_LOADED = "gc" in sys.modules
_START_NS = type(sys.implementation)()
_START_NS.name = "gc"
# Making gc's functions may push the count past the threshold: a collection then runs (up to
# 3.11 inside that allocation, from 3.12 at the eval loop's next check).  start_state() sees it
# (the count is then lower than what was allocated) and the replay of the compile accounts for it.
_START_GC = _imp.create_builtin(_START_NS)
_START_WAS_ENABLED = _START_GC.isenabled()
_START_GC.disable()
_imp.exec_builtin(_START_GC)  # gc's module-level names (callbacks, garbage, DEBUG_*)
del _START_NS
_START_COUNT_BEFORE = _START_GC.get_count()[0]
# The first read of the count may have made its 3-tuple new (then the count moved by one after it
# was read): reading twice tells, and leaves the tuple on its free list for every later read.
_START_COUNT = _START_GC.get_count()[0]
_START_FIRST_READ_NEW = _START_COUNT - _START_COUNT_BEFORE
_START_GEN1 = _START_GC.get_count()[1]
_START_GEN2 = _START_GC.get_count()[2]
_START_PRE311 = sys.hexversion < 0x030B0000
# Tuple sizes taken from a free list: 1 to 19, and 1 to 20 from 3.13.  (3.11 and 3.12 put freed
# 20-tuples on a list that allocation never takes from: those are always new, and their frees are
# not counted until that list holds 2000.)
_START_TUPLE_SIZES = 21 if sys.hexversion >= 0x030D0000 else 20


def _start_frame_gen(previous):
    """Each call makes a generator, which holds a frame (3.8-3.10: from the frame free list)."""
    yield previous


# -- frames (3.8-3.10), measured before any function of this file is called ----------------------
# A call takes a frame from the free list, so frames are measured first, at module level, with
# generators: each holds one frame from the list, or a new one (the count then moves by 2, not 1).
_START_FRAMES = -1
if _START_PRE311:
    _START_CHAIN = None
    _START_STEPS = 0
    _START_LAST = _START_GC.get_count()[0]  # after the function above was made
    while True:
        _START_CHAIN = _start_frame_gen(_START_CHAIN)
        _START_STEPS += 1
        _START_NOW = _START_GC.get_count()[0]
        if _START_NOW - _START_LAST != 1:
            break
        _START_LAST = _START_NOW
    _START_FRAMES = _START_STEPS - 1
    # Freed: one frame stays with the generator's code object (its "zombie"), the others go back
    # on the list, which so holds what it held; the count keeps one (the new frame).
    _START_CHAIN = None
    del _START_STEPS, _START_LAST, _START_NOW, _START_CHAIN


def measure(gc, frames_known):
    """The count and every free list's length now, read by draining each list.

    Returns ``[count, levels, after, count_after]``: the count when called, the lengths, the
    lengths the lists are left with (a measured list ends one longer, up to its maximum; the count
    grows by the new objects that took) and the count at the end.  Nothing is stored in a dict or
    list before those lists are measured.  ``frames_known``: the frame list's length when the
    caller measured it already (3.8-3.10)."""
    first = gc.get_count()[0]
    # Read again: when the 3-tuple list was empty the first read made a new tuple (counted after
    # the read) and left it there for every later read.
    again = gc.get_count()[0]
    tuple3_new = again - first
    # Lists: a chain of one-item lists, so that nothing else holds them.
    chain = None
    steps = 0
    last = again
    while True:
        chain = [chain]
        steps += 1
        now = gc.get_count()[0]
        if now != last:
            break
        last = now
    lists = steps - 1
    chain = None  # all go back (the list holds at most 80)
    lists_after = steps if steps <= 80 else 80
    # At least nine lists on the list's free list for the holders used below (keep, parts, the
    # temporary list of ``(*parts,)``): nine are made (new ones when it holds fewer) and freed.
    spare = [[], [], [], [], [], [], [], []]
    spare = None
    lists_after = lists_after if lists_after >= 9 else 9
    dicts = _drain(gc, 0, 80)
    levels = {}
    after = {}
    levels["list"] = lists
    after["list"] = lists_after
    levels["dict"] = dicts
    levels["tuple3_new"] = tuple3_new
    # ``levels`` and ``after`` took two dicts from the list the drain left one longer (or new
    # ones, counted, when it held fewer).
    post = dicts + 1 if dicts < 80 else 80
    after["dict"] = post - 2 if post >= 2 else 0
    size = 1
    while size < _START_TUPLE_SIZES:
        level = _drain(gc, size, 2000)
        levels["tuple%d" % size] = level
        after["tuple%d" % size] = level + 1 if level < 2000 else 2000
        size += 1
    # Size 3 is also the count's own tuple: when its list runs dry, the read takes a new one a step
    # before the drain does, so that list ends two longer.
    after["tuple3"] = levels["tuple3"] + 2 if levels["tuple3"] + 2 <= 2000 else 2000
    # The level when measure() was called: the tuple its first read made was not there yet.
    levels["tuple3"] = levels["tuple3"] - tuple3_new
    del levels["tuple3_new"]
    levels["slice"] = _drain(gc, -1, 1)
    after["slice"] = 1
    if sys.hexversion < 0x03090000:
        levels["method"] = _drain(gc, -2, 256)
        after["method"] = levels["method"] + 1 if levels["method"] < 256 else 256
        levels["cfunction"] = _drain(gc, -3, 256)
        after["cfunction"] = levels["cfunction"] + 1 if levels["cfunction"] < 256 else 256
    if _START_PRE311:
        if frames_known >= 0:
            levels["frame"] = frames_known
            after["frame"] = frames_known
        else:
            levels["frame"] = _drain(gc, -4, 200)
            after["frame"] = levels["frame"] + 1 if levels["frame"] < 200 else 200
    # The list returned takes one from the list's free list (it holds nine or more by now).
    after["list"] = after["list"] - 1
    result = [first, levels, after, gc.get_count()[0]]
    return result


def _drain(gc, kind, maximum):
    """How many objects of ``kind`` (a tuple size, or a negative code) its free list holds; the list
    ends one longer (or full), and the count one higher (or unchanged, when it was full)."""
    keep = []
    parts = [None] * kind if kind > 0 else None
    steps = 0
    last = gc.get_count()[0]
    while steps <= maximum:
        if kind > 0:
            keep.append((*parts,))
        elif kind == 0:
            keep.append({})
        elif kind == -1:
            keep.append(slice(steps, steps))
        elif kind == -2:
            keep.append(sys.modules["__main__"].__loader__.get_code)
        elif kind == -3:
            keep.append(sys.path.append)
        else:
            keep.append(_start_frame_gen(None))
        steps += 1
        now = gc.get_count()[0]
        # A generator is itself one new object; its frame may be a second.
        if now - last != (1 if kind == -4 else 0):
            break
        last = now
    keep = None
    # Frames: the first generator took its code's spare frame, not one of the list's.
    return steps - 2 if kind == -4 else steps - 1


def realize(gc, current, target, held):
    """Bring each free list from ``current`` to ``target`` length: extra objects are taken off and
    kept in ``held`` (tuples and dicts: untracked, or untracked at the next collection), missing ones
    are made and freed onto the list; the count grows by one for each of those.  Nothing is read
    afterwards (reading the count takes a 3-tuple): call it last."""
    # Slices first (making one on 3.8 passes its arguments in a 2-tuple), tuples late, lists last:
    # each step may use the lists that come after it, never those before.
    for name in _START_ORDER:
        if name not in target:
            continue
        want = target[name]
        have = current[name] if name in current else want
        if want == have or name == "list":
            continue
        kind = _START_KINDS[name]
        parts = [None] * kind if kind > 0 else None
        made = held if have > want else []
        todo = have - want if have > want else want
        if kind == -4:
            todo += 1  # the first generator takes its code's spare ("zombie") frame, not the list's
        while todo > 0:
            if kind > 0:
                made.append((*parts,))
            elif kind == 0:
                made.append({})
            elif kind == -1:
                made.append(slice(todo, todo))
            elif kind == -2:
                made.append(sys.modules["__main__"].__loader__.get_code)
            elif kind == -3:
                made.append(sys.path.append)
            else:
                made.append(_start_frame_gen(None))
            todo -= 1
        made = None
        parts = None
    # Lists last: the holders above came from their list and went back to it.
    want = target["list"] if "list" in target else None
    have = current["list"] if "list" in current else None
    if want is not None and have is not None and want != have:
        if have > want:
            todo = have - want
            while todo > 0:
                held.append([])
                todo -= 1
        else:
            chain = None
            todo = want
            while todo > 0:
                chain = [chain]
                todo -= 1
            chain = None
    return None


def grows(current, target):
    """How much realize() will add to the count."""
    total = 0
    for name in target:
        if name in current and target[name] > current[name]:
            total += target[name] - current[name]
    return total


_START_MEASURED = measure(_START_GC, _START_FRAMES)
_START_ORDER = []
_START_ORDER.append("slice")
_START_ORDER.append("method")
_START_ORDER.append("cfunction")
_START_ORDER.append("frame")
_START_ORDER.append("dict")
_START_KINDS = {}
_START_KINDS["slice"] = -1
_START_KINDS["method"] = -2
_START_KINDS["cfunction"] = -3
_START_KINDS["frame"] = -4
_START_KINDS["dict"] = 0
_START_SIZE = 1
while _START_SIZE < _START_TUPLE_SIZES:
    _START_KINDS["tuple%d" % _START_SIZE] = _START_SIZE
    _START_ORDER.append("tuple%d" % _START_SIZE)
    _START_SIZE += 1
_START_ORDER.append("list")
del _START_SIZE


def _start_costs(gc):
    """What loading this file and making gc cost the count: measured again now, while every free
    list holds objects (the measurement left each one longer), so that only counted objects are
    new ones, as they were when python loaded this file."""
    import marshal

    with open(__file__, "rb") as own_file:
        data = own_file.read()
    before = gc.get_count()[0]
    loaded = marshal.loads(data[16:])
    load_cost = gc.get_count()[0] - before
    loaded = None
    data = None
    if not _START_PRE311:
        load_cost += 1  # the function object PyEval_EvalCode makes to run the module's code
    # A few spare dicts first, so that the module's namespace dict is not a new one here when it
    # was not when the file was loaded.
    spare = [{}, {}, {}, {}]
    spare = None
    spare = [[], [], [], [], [], [], [], []]
    spare = None
    # The same steps as at the top of this file, on a second module (gc stays disabled).
    before = gc.get_count()[0]
    namespace = type(sys.implementation)()
    namespace.name = "gc"
    again = _imp.create_builtin(namespace)
    enabled = again.isenabled()
    again.disable()
    _imp.exec_builtin(again)
    namespace = None
    gc_cost = gc.get_count()[0] - before
    if again is not gc:
        # The module and its functions refer to each other: emptied, they are freed now, not left
        # for the program's first collection to find.
        again.__dict__.clear()
    again = None
    return [load_cost, gc_cost]


_START_COSTS = _start_costs(_START_GC)


# 3.8-3.10: a function's first call takes a frame from the free list and keeps it (as its code's
# spare frame): make those first calls now, so that later measurements stay exact.
realize(_START_GC, {}, {}, None)
grows({}, {})

_HEAP_INSPECTOR_START = {}
_HEAP_INSPECTOR_START["gc"] = _START_GC
_HEAP_INSPECTOR_START["enabled"] = _START_WAS_ENABLED
_HEAP_INSPECTOR_START["gc_was_loaded"] = _START_GC_LOADED
_HEAP_INSPECTOR_START["first_read_new"] = _START_FIRST_READ_NEW
_HEAP_INSPECTOR_START["count"] = _START_COUNT_BEFORE
_HEAP_INSPECTOR_START["gen1"] = _START_GEN1
_HEAP_INSPECTOR_START["gen2"] = _START_GEN2
_HEAP_INSPECTOR_START["levels"] = _START_MEASURED[1]
_HEAP_INSPECTOR_START["after"] = _START_MEASURED[2]
_HEAP_INSPECTOR_START["frames"] = _START_FRAMES
_HEAP_INSPECTOR_START["load_cost"] = _START_COSTS[0]
_HEAP_INSPECTOR_START["gc_cost"] = _START_COSTS[1]




def start_state(info, own_path):
    """The collector's state when python handed over the main file, before this file was loaded:
    what was measured, less what loading this file and making ``gc`` cost.  ``ambiguous`` lists
    what the measurements cannot tell apart (then the schedule is kept closely, not exactly)."""
    gc = info["gc"]
    ambiguous = []
    load_cost = info["load_cost"]
    gc_cost = info["gc_cost"]
    levels = {}
    for name in info["levels"]:
        levels[name] = info["levels"][name]
    if sys.hexversion < 0x030A0000 and not info["gc_was_loaded"]:
        # Before 3.10 gc is a single-phase module: creating it again returns the module the first
        # creation cached, so that cost is counted instead: the module, its functions (3.8: from
        # the builtin-function free list first), the callbacks list, the cached copy of its dict
        # (one more dict) and the cache's key, a 2-tuple.
        functions = 0
        for value in gc.__dict__.values():
            if type(value) is type(len):
                functions += 1
        gc_cost = 1 + functions
        if sys.hexversion < 0x03090000:
            if levels["cfunction"] > 0:
                gc_cost -= functions
                levels["cfunction"] = levels["cfunction"] + functions
            else:
                ambiguous.append(
                    "making gc took every builtin method from its free list, so how many it held is "
                    "not known: automatic collections may be up to %d allocations off" % functions
                )
        levels["list"] = levels["list"] + 1
        levels["dict"] = levels["dict"] + 1
        if levels["tuple2"] > 0:
            levels["tuple2"] = levels["tuple2"] + 1
        else:
            ambiguous.append("the 2-tuple free list was emptied by creating gc")
    count = info["count"] - load_cost - gc_cost
    gen1 = info["gen1"]
    collected = count < 0
    if collected:
        # The loading pushed the count past the threshold and a collection ran (up to 3.11 inside
        # the allocation that crossed it, from 3.12 at the next check): the count now is what was
        # allocated since.  Python would cross it too, a little later, while compiling the script
        # (see heap_inspector_schedule.py, _replay_compile).
        count = gc.get_threshold()[0] + 1 - (load_cost + gc_cost - info["count"])
        if gen1 > 0:
            gen1 -= 1
        else:
            ambiguous.append("an older generation was collected while the runner was loaded")
    # The count's first read took a new 3-tuple when that list was empty; it is on the list now.
    levels["tuple3"] = levels["tuple3"] - info["first_read_new"]
    # The private gc module's namespace dict came from the dict list (the temporary one went back).
    if levels["dict"] >= 2:
        levels["dict"] = levels["dict"] + 1
    else:
        ambiguous.append("the dict free list was nearly empty")
    # Loading the compiled file borrowed one list (marshal's table of references) and gave it back.
    if levels["list"] < 2:
        ambiguous.append("the list free list was nearly empty")
    if _START_PRE311:
        # The module's own frame came from the frame list.
        if levels["frame"] >= 1:
            levels["frame"] = levels["frame"] + 1
        else:
            ambiguous.append("the frame free list was empty")
    result = {}
    result["count"] = count
    result["collected_while_loading"] = collected
    result["gen1"] = gen1
    result["gen2"] = info["gen2"]
    result["levels"] = levels
    result["ambiguous"] = ambiguous
    return result


_HEAP_INSPECTOR_START["path"] = __file__
# heap_inspector_schedule.py: its compiled code follows this file's (see build_start.py).
_START_SCHEDULE = {}
_START_SCHEDULE["__builtins__"] = __builtins__
_START_SCHEDULE["__name__"] = "_heap_inspector_schedule"
with open(__file__, "rb") as _START_FILE:
    _START_CODE = _START_FILE.read()
if __file__[-4:] == ".pyc":
    import marshal

    _START_LENGTH = int.from_bytes(_START_CODE[-8:], "little")
    _START_CODE = marshal.loads(_START_CODE[-8 - _START_LENGTH : -8])
    del _START_LENGTH
else:  # run from its source: the schedule's source is its neighbour
    _START_PATH = __file__[: -len("heap_inspector_start.py")] + "heap_inspector_schedule.py"
    with open(_START_PATH, "rb") as _START_FILE:
        _START_CODE = compile(_START_FILE.read(), _START_PATH, "exec", 0, True)
    del _START_PATH
exec(_START_CODE, _START_SCHEDULE)
del _START_FILE, _START_CODE
for _START_NAME in "exact_start exact_finish note note_at_capture".split():
    _HEAP_INSPECTOR_START[_START_NAME] = _START_SCHEDULE[_START_NAME]
# The functions above read this module's globals, which are __main__'s: the runner hands those to
# the program.  Copies bound to a private namespace keep working after that.
_START_PRIVATE = {}
_START_PRIVATE["__builtins__"] = __builtins__
_START_PRIVATE["sys"] = sys
_START_PRIVATE["_imp"] = _imp
_START_PRIVATE["_START_PRE311"] = _START_PRE311
_START_PRIVATE["_START_TUPLE_SIZES"] = _START_TUPLE_SIZES
_START_PRIVATE["_START_ORDER"] = _START_ORDER
_START_PRIVATE["_START_KINDS"] = _START_KINDS
for _START_NAME in "measure _drain realize grows _start_frame_gen start_state".split():
    _START_PRIVATE[_START_NAME] = type(measure)(globals()[_START_NAME].__code__, _START_PRIVATE)
    if _START_NAME[0] != "_":
        _HEAP_INSPECTOR_START[_START_NAME] = _START_PRIVATE[_START_NAME]
del _START_NAME
if len(sys.argv) > 1:
    _START_RUNNER = sys.argv[1]
    del sys.argv[1]
    # The compiled runner carries more code after its own (see build_runner.py): it reads it there.
    _HEAP_INSPECTOR_START["runner"] = _START_RUNNER
    import marshal

    with open(_START_RUNNER, "rb") as _START_FILE:
        _START_CODE = _START_FILE.read()
    if _START_RUNNER[-4:] == ".pyc":
        _START_CODE = marshal.loads(_START_CODE[16:])
    else:
        _START_CODE = compile(_START_CODE, _START_RUNNER, "exec", 0, True)
    del _START_FILE, _START_RUNNER
    exec(_START_CODE, globals())
