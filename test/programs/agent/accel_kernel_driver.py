"""Compares the native kernel with the pure-Python one, function by function, on this heap.

    python accel_kernel_driver.py AGENT_DIRECTORY ACCELERATOR

Loads the agent as the runner does (bootstrap.py), loads the accelerator through the agent's own
loader, builds a heap with every shape the walk meets (and the interpreter's own objects), then
calls every kernel function of both kernels on the same lists and compares the results: values,
order and types (array typecodes), byte for byte.  Prints one JSON line: {"loaded": ..., "checked":
{function: calls}, "mismatches": [text]}.  Runs on CPython 3.8+ (under -X dev, PYTHONMALLOC=debug
and debug builds too).
"""
import abc
import array
import ctypes
import enum
import gc
import json
import sys
import weakref
from types import SimpleNamespace

import accel_passes_checks
from accel_driver_support import load_agent, member_labels_of

AGENT, ACCELERATOR = sys.argv[1], sys.argv[2]
CHUNK = 1 << 16


load_agent(AGENT)
PACKAGE = sys.modules["_heap_inspector_agent"]
loader = PACKAGE.accel_loader
pure = PACKAGE.kernel_py
problem = loader.use(ACCELERATOR)
native = loader.kernel()
if native is None:
    print(json.dumps({"loaded": False, "problem": problem, "checked": {}, "mismatches": []}))
    sys.exit(0)


# -- a heap with the shapes the walk meets ---------------------------------------------------
class Plain:
    def __init__(self, n):
        self.n = n
        self.name = "plain %d" % n
        self.me = self


class Slotted:
    __slots__ = ("a", "b", "__weakref__")

    def __init__(self, a):
        self.a = a
        self.b = [a]


class Deleted:
    def __init__(self):
        self.x = 1
        self.y = 2
        del self.x


class One:
    """One attribute slot: with its __dict__ materialised, the first referent is that dict."""

    def __init__(self, a):
        self.a = a


class Keyed(dict):
    pass


class Listed(list):
    pass


def closure(value):
    def inner():
        return value

    return inner


def generator(n):
    local = [n]
    yield local
    yield n


async def coroutine():
    return 1


heap = []
for n in range(3000):
    plain = Plain(n)
    heap.append(plain)
    heap.append({"a": plain, "b": n, "c": "text %d" % n})  # str keys: the fast path
    heap.append({1: plain, "x": n})  # a non-str key
    heap.append({"only": plain})
    heap.append((plain, n, "t", None))
    heap.append([plain, plain, n * 1.5, 10**30 + n])
    heap.append(Slotted(n))
    one = One(n)
    if n % 2:
        one.__dict__  # materialised: label_facts reads its first referent
    heap.append(one)
    heap.append(Keyed(k=n))
    heap.append(Listed([n, plain]))
    heap.append(closure(plain))
    heap.append(generator(n))
    if n % 10 == 0:
        running = generator(n)
        next(running)
        heap.append(running)
        heap.append(weakref.ref(plain))
        heap.append(Deleted())
        heap.append({frozenset([n]), (n,)})
        heap.append(bytearray(n))
        heap.append("x" * (n + 100))
        heap.append(type("Dyn%d" % n, (Plain,), {"attr": n}))
empty = {}
heap.append(empty)


# Interface 4: classes (instances of type and of metaclasses) and dicts whose keys are not all str,
# which member_labels reads; dicts with other keys it leaves to label().
class Meta(type):
    pass


class Borrowing(type):
    borrowed = Slotted.__dict__["a"]  # another class's member: its getter raises for a class


class WithMeta(Plain, metaclass=Meta):
    pass


class Borrower(metaclass=Borrowing):
    pass


class Abstract(abc.ABC):
    @abc.abstractmethod
    def method(self):
        pass


class Colour(enum.Enum):
    RED = 1


class Rebased(Plain):
    pass


class NewBase:
    pass


Rebased.__bases__ = (NewBase,)
OddNamespace = type("OddNamespace", (), {"x": 1})
gc.get_referents(OddNamespace.__dict__)[0][7] = "seven"  # an int key in a class's own dict


class Point(ctypes.Structure):  # up to 3.12 its namespace is a dict subclass (StgDict)
    _fields_ = [("x", ctypes.c_int)]


CLASSES_READ = [Plain, Slotted, Meta, Borrowing, WithMeta, Borrower, Abstract, Colour, Rebased, OddNamespace]
CLASSES_READ += [Point, ctypes.c_int]
STATIC_TYPES = [int, type, object, dict, Exception]
huge = 10**5000  # more digits than int.__repr__ allows (sys.int_max_str_digits)
general_str = {1: 1, "a": [2]}
del general_str[1]  # str keys only, in a general table: its traverse visits keys too
DICTS_READ = [
    {1: plain, -7: "minus", huge: 1, -huge: 2, 10**60: None, -(10**45): 0, 2**64: plain},
    {"a": 1, 2: "b", "k" * 200: 3, 3: "k" * 200, "": 4},
    {5: 5, 6: 7, 7: 6, 300: 300},  # keys that are values
    {1: plain, 2: plain, 3: plain},  # one value under several keys
    general_str,
]
DICTS_LEFT = [{(1, 2): "t", 3: 4}, {frozenset(): 1}, {True: 1, 2: 2}, {1.5: 1}]
heap.extend(CLASSES_READ + DICTS_READ + DICTS_LEFT)
heap.append(())
unfinished = coroutine()
heap.append(unfinished)
heap.append(sys._getframe())
deep = []
for _ in range(50000):  # deep nesting: the kernel must not recurse
    deep = [deep]
heap.append(deep)

# Every result goes into these, made after the heap's list: nothing the comparison does changes an
# object of that list between the two kernels' calls (everything else is local to main()).
checked = {}
mismatches = []
# Label plans per type, as the agent makes them (nodefacts.TypeFacts): a type index per type seen.
_plan_maker = PACKAGE.labelplans.LabelPlans(PACKAGE.labels.Labeler(PACKAGE.capture._memory, None))
_type_index = {}
_types = []
plans = bytearray()
slots = array.array("I")


def type_indices(objects, start, stop):
    found = array.array("I")
    for item in objects[start:stop]:
        key = id(type(item))
        if key not in _type_index:
            _type_index[key] = len(_types)
            _types.append(type(item))
            plan = _plan_maker.plan(type(item))
            plans.append(plan)
            instance = plan == PACKAGE.labelplans.PLAN_INSTANCE_VALUES
            slots.append(len(_plan_maker.instance_names(type(item))) if instance else 0)
        found.append(_type_index[key])
    return found




def same(name, left, right, where):
    checked[name] = checked.get(name, 0) + 1
    if type(left) is not type(right):
        mismatches.append("%s %s: types %s != %s" % (name, where, type(left).__name__, type(right).__name__))
        return
    if isinstance(left, array.array) and left.typecode != right.typecode:
        mismatches.append("%s %s: typecodes %s != %s" % (name, where, left.typecode, right.typecode))
        return
    if left != right and not hasattr(left, "__len__"):
        mismatches.append("%s %s: %r != %r" % (name, where, left, right))
    elif left != right:
        first = next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))
        mismatches.append(
            "%s %s: differ at %d of %d/%d" % (name, where, first, len(left), len(right))
        )


def main():
    gc.disable()
    items = gc.get_objects()
    total = len(items)
    # type: its header depends on the object before 3.12 (heap types are GC objects, static ones
    # not), which the native kernel's sizes must see.
    safe_types = set(map(id, (list, dict, tuple, str, int, float, set, frozenset, bytes, bytearray, type)))
    # Each kernel's own function holds a reference to itself while it runs (its frame, the call),
    # and kernel_py's globals are its frame's (3.8-3.10): the agent's own objects, never in a
    # snapshot.  Every other count must be the same.
    # So is the method wrapper kernel_py reads counts through (held by its pass while it reads).
    kernels_own = set(map(id, (pure.refcounts, native.refcounts, vars(pure), pure._count_of)))

    # Addresses, type addresses, reference counts, sizes: nothing the kernels return holds an item.
    same("addresses", pure.addresses(items), native.addresses(items), "whole")
    same("addresses", pure.addresses(items, 5), native.addresses(items, 5), "from 5")
    for start in range(0, total, CHUNK):
        end = min(total, start + CHUNK)
        where = "[%d:%d]" % (start, end)
        same("addresses", pure.addresses(items, start, end), native.addresses(items, start, end), where)
        same("type_addresses", pure.type_addresses(items, start, end), native.type_addresses(items, start, end), where)
        # As lists: an array of results alive during the other kernel's read would add one to
        # the array type's count (a heap type from 3.10).
        left = pure.refcounts(items, start, end).tolist()
        right = native.refcounts(items, start, end).tolist()
        for position, item in enumerate(items[start:end]):
            if id(item) in kernels_own:
                left[position] = right[position] = 0
            elif left[position] != right[position]:
                mismatches.append(
                    "refcounts: %s %s: pure %d, native %d"
                    % (type(item).__name__, getattr(item, "__name__", "") if type(item) is not dict else "", left[position], right[position])
                )
        same("refcounts", left, right, where)
        del left, right
        measure = bytes(id(type(item)) in safe_types for item in items[start:end])
        same("sizes", pure.sizes(items, start, end, measure), native.sizes(items, start, end, measure), where)
    same("sizes", pure.sizes(items, 0, 0, b""), native.sizes(items, 0, 0, b""), "empty")
    for kernel in (pure, native):
        try:
            kernel.sizes(items, 0, 2, b"\x01")
            mismatches.append("sizes: %s accepted a measure of the wrong length" % kernel.NAME)
        except ValueError:
            pass


    def walk_everything(kernel, every_referent):
        """The walk as heapwalk does it: tracked objects, then rounds of leaves; each call's results."""
        seen = kernel.address_set(map(id, (items, heap)))
        results = []
        leaves = []
        walked = items
        round_start = 0
        first_round = True
        while True:
            end = len(walked)
            for start in range(round_start, end, CHUNK):
                stop = min(end, start + CHUNK)
                targets, lengths = kernel.walk(walked, start, stop, seen, leaves, every_referent)
                mask = bytes(type(item) is dict for item in walked[start:stop])
                fast, keys = kernel.dict_keys(walked, start, stop, mask, lengths, targets)
                results.append((targets, lengths, fast, array.array("Q", map(id, keys)), len(seen)))
                del keys
                # Interface 2: label facts with the agent's own plans, and the traits lookup.
                type_of = type_indices(walked, start, stop)
                labels, keys = kernel.label_facts(walked, start, stop, type_of, plans, slots, lengths, targets)
                results.append(("label_facts", labels, array.array("Q", map(id, keys))))
                del keys
                # As if every object had changed since it was walked (one more referent each):
                # sequences unlabelled, dicts and instances off their plans.
                changed = array.array("I", [length + 1 for length in lengths])
                labels, keys = kernel.label_facts(walked, start, stop, type_of, plans, slots, changed, targets)
                results.append(("label_facts", labels, array.array("Q", map(id, keys))))
                del keys, changed
                results.append(("type_bytes", kernel.type_bytes(type_of, plans)))
                # dict_keys over the second half of the chunk, its edges found by first_edge.
                half = start + (stop - start) // 2
                offset = sum(lengths[: half - start])
                fast, keys = kernel.dict_keys(walked, half, stop, mask[half - start :], lengths[half - start :], targets, offset)
                results.append(("dict_keys", fast, array.array("Q", map(id, keys))))
                del keys
            if first_round:
                walked = leaves
                round_start = 0
                first_round = False
            else:
                round_start = end
            if round_start >= len(walked):
                break
        return results, array.array("Q", map(id, leaves)), len(seen)


    # without(): every tracked object but a few, with their types.
    dropped = [items[i] for i in range(0, total, 97)]
    kept_left, types_left = pure.without(items, pure.address_set(map(id, dropped)))
    kept_right, types_right = native.without(items, native.address_set(map(id, dropped)))
    same("without", array.array("Q", map(id, kept_left)), array.array("Q", map(id, kept_right)), "kept")
    same("without", types_left, types_right, "types")
    # type_indices(): the agent's table of types by address, and one address it does not know.
    type_indices(items, 0, total)
    known = {id(t): index for index, t in enumerate(_types)}
    for start in range(0, len(types_left), CHUNK):
        words = types_left[start : start + CHUNK]
        words.append(id(object()))
        same("type_indices", pure.type_indices(words, known), native.type_indices(words, known), "[%d:]" % start)
    del known
    del kept_left, kept_right
    del dropped
    for kernel in (pure, native):
        try:
            kernel.type_bytes(array.array("I", [0, len(plans)]), plans)
            mismatches.append("type_bytes: %s accepted an index outside the table" % kernel.NAME)
        except IndexError:
            pass

    # The pure kernel reads ids through ctypes array types made per size, once (bulk.py): each adds
    # an entry to _ctypes.Array's subclass registry, a dict of the heap.  Made here, before the
    # comparison, as in a capture they are made before anything is compared.
    walk_everything(pure, False)
    for every in (False, True):
        pure_results, pure_leaves, pure_seen = walk_everything(pure, every)
        native_results, native_leaves, native_seen = walk_everything(native, every)
        label = "every_referent" if every else "untracked"
        same("walk.leaves", pure_leaves, native_leaves, label)
        same("walk.seen", [pure_seen], [native_seen], label)
        same("walk.calls", [len(pure_results)], [len(native_results)], label)
        for call, (left, right) in enumerate(zip(pure_results, native_results)):
            if type(left[0]) is str:  # (function, results…)
                for part, (a, b) in enumerate(zip(left[1:], right[1:])):
                    same(left[0], a, b, "%s call %d part %d" % (label, call, part))
                continue
            for part, (a, b) in enumerate(zip(left, right)):
                name = ("walk", "walk", "dict_keys", "dict_keys", "walk.seen")[part]
                same(name, a, b, "%s call %d part %d" % (label, call, part))
        del pure_results, native_results



def member_labels_check():
    """Interface 3: member_labels gives exactly label()'s labels (and closures) for every object of
    the heap it reads (the pure kernel leaves them all to label(): nothing to compare there); and
    it reads every exact cell and, from 3.9 (on 3.8 a function's __globals__ and __closure__ are
    audited members, which it leaves to label()), every exact function.  Interface 4: it reads
    classes (of type or of a metaclass) and exact dicts keyed by exact str and int only."""
    gc.disable()
    objects = [item for item in gc.get_objects() if item is not heap]
    # Dicts of atoms only are not tracked: the walk meets them as referents.
    objects += [item for item in DICTS_READ + DICTS_LEFT if not gc.is_tracked(item)]
    reading = member_labels_of(PACKAGE, native, objects)
    labeler, recipes, by_type, type_of = reading.labeler, reading.recipes, reading.by_type, reading.type_of
    referent_lists, lengths, read, changed = reading.referent_lists, reading.lengths, reading.read, reading.changed
    del reading
    same("member_labels", [changed, len(read)], [0, len(objects)], "counts")
    functions = 0
    for item, refs, result in zip(objects, referent_lists, read):
        if result is False:
            function = type(item) is type(member_labels_check) and sys.version_info >= (3, 9)
            if function or type(item) is type(closure(1).__closure__[0]):
                mismatches.append("member_labels: left an exact %s to label()" % type(item).__name__)
            continue
        expected = labeler.label(item, type(item), -1, refs)
        value = result[0]
        got = None if value is None else (list(value[0]), list(value[1]))
        same("member_labels", [got], [expected], type(item).__name__)
        closure_tuple = getattr(item, "__closure__", None) if type(item) is type(member_labels_check) else None
        expected_closure = None if closure_tuple is None else (id(closure_tuple), item.__code__)
        if (result[1], result[2]) != ((None, None) if expected_closure is None else expected_closure):
            mismatches.append("member_labels: closure of %s" % getattr(item, "__qualname__", "?"))
        functions += type(item) is type(member_labels_check)
    same("member_labels", [functions > 100], [sys.version_info >= (3, 9)], "functions read")
    # Interface 4: the classes and dicts above are read, and so is every heap class of the heap
    # whose metaclass has a recipe; dicts with other keys are left to label().
    position = {id(item): index for index, item in enumerate(objects)}
    flags_of = type.__dict__["__flags__"].__get__
    heap_type, type_subclass = 1 << 9, 1 << 31
    heap_classes = [
        item
        for item in objects
        if flags_of(type(item)) & type_subclass and flags_of(item) & heap_type and recipes[by_type[id(type(item))]]
    ]
    for item in CLASSES_READ + heap_classes + DICTS_READ:
        if read[position[id(item)]] is False:
            name = getattr(item, "__name__", None) or type(item).__name__
            mismatches.append("member_labels: left %s to label()" % name)
    for item in DICTS_LEFT:
        if read[position[id(item)]] is not False:
            mismatches.append("member_labels: read a dict keyed by %s" % type(next(iter(item))).__name__)
    same("member_labels", [len(heap_classes) > 100], [True], "heap classes")
    # Built-in static types have no referents (they are not collected): nothing to label, as
    # label() says, or left to it.
    static_of = array.array("I", [by_type[id(type)]] * len(STATIC_TYPES))
    static, changed = native.member_labels(STATIC_TYPES, static_of, array.array("I", [0] * len(STATIC_TYPES)), recipes)
    static = [result for result in static if result is not False]
    same("member_labels", [static, changed], [[(None, None, None)] * len(static), 0], "static types")
    # An object changed since it was walked (one referent more): counted, left unlabelled.
    more = array.array("I", [length + 1 for length in lengths[:50]])
    read, changed = native.member_labels(objects[:50], type_of[:50], more, recipes)
    handled = sum(1 for result in read if result is not False)
    same("member_labels", [changed, [result for result in read if result is not False]], [handled, [(None, None, None)] * handled], "changed")


def deflate_check():
    """Compression beside the walk (where built with zlib): the very bytes zlib gives in line,
    plain and as byte planes; a dropped job is joined; a writer's file is the same either way."""
    import os
    import tempfile
    import zlib

    start = getattr(native, "deflate_start", None)
    if start is None:
        return
    writer_module = PACKAGE.writer
    sections = [os.urandom(5000) + bytes(70000), array.array("Q", range(0, 1 << 24, 56)).tobytes(), b"", b"abc" * 99]
    planes = bytes((0, 8, 0, 0))
    expected = [
        zlib.compress(sections[0], 1),
        writer_module._compress_planes(sections[1], 8, 1),
        zlib.compress(b"", 1),
        zlib.compress(sections[3], 1),
    ]
    same("deflate", native.deflate_finish(start(sections, planes, 1)), expected, "sections")
    dropped = start(sections, planes, 1)
    del dropped  # joined before its sections are let go
    files = []
    for beside in (False, True):
        handle, path = tempfile.mkstemp(suffix=".heapsnap")
        os.close(handle)
        writer = writer_module.SnapshotWriter(path)
        if beside:
            writer.compress_beside(start, native.deflate_finish)
        for round_ in range(6):
            writer.column("node.address", writer_module.U64, array.array("Q", range(round_, 1 << 22, 24)))
            writer.column("node.size", writer_module.U64, array.array("Q", [round_] * 70000))
            writer.json("strings", ["text %d" % n for n in range(round_ * 1000)])
            if round_ < 3:
                writer.flush()
        # The last rounds are still pending at close: compressed half beside, half in line.
        writer.close()
        with open(path, "rb") as f:
            files.append(f.read())
        os.unlink(path)
    same("deflate", [files[1] == files[0], len(files[1])], [True, len(files[0])], "writer file")


def json_strings_check():
    """The string table's JSON in one pass: the very text the writer's encoder gives, for every
    str of this heap (as lists of chunks) and for the odd ones; None (the writer encodes) for a
    lone surrogate or anything not an exact str."""
    encode = PACKAGE.writer.encode_json
    texts = [item for item in gc.get_objects() if type(item) is str]
    texts += [
        key for item in gc.get_objects() if type(item) is dict for key in list(item) if type(key) is str
    ]
    odd = ["", "q\"uote", "back\\slash", "\n\r\t\x00\x1f\x7f", "\u00e9\u4e2d\U0001f600", "\u2028x\u2029", "\u20ac\u00e2"]
    for start in range(0, len(texts), 5000):
        chunk = texts[start : start + 5000]
        same("json_strings", native.json_strings(chunk), encode(chunk).encode("utf-8"), "heap [%d:]" % start)
    same("json_strings", native.json_strings(odd), encode(odd).encode("utf-8"), "odd")
    same("json_strings", [native.json_strings(["a\ud800"]), native.json_strings(["a", 1])], [None, None], "left to Python")


def merge_u32_check():
    """merge_u32: the same column from both kernels for every kind of source, and the same error
    when a source runs short or a group has none."""
    import random

    rng = random.Random(12)
    group_of = bytes(rng.randrange(5) for _ in range(100000))
    counts = [group_of.count(k) for k in range(5)]
    sources = [
        None,
        range(1000, 1000 + counts[1]),
        [rng.randrange(2**32) for _ in range(counts[2])],
        array.array("I", [rng.randrange(2**32) for _ in range(counts[3])]),
        range(counts[4] + 5),
    ]
    same("merge_u32", pure.merge_u32(group_of, sources), native.merge_u32(group_of, sources), "sources")
    for bad, error in (([None, range(counts[1] - 1)] + sources[2:], ValueError), (sources[:4], IndexError)):
        for kernel in (pure, native):
            try:
                kernel.merge_u32(group_of, bad)
                mismatches.append("merge_u32: %s accepted %s" % (kernel.NAME, error.__name__))
            except error:
                pass


main()
accel_passes_checks.run(
    SimpleNamespace(package=PACKAGE, native=native, pure=pure, same=same, checked=checked, mismatches=mismatches, Plain=Plain)
)
merge_u32_check()
json_strings_check()
member_labels_check()
deflate_check()
print(json.dumps({"loaded": True, "problem": None, "checked": checked, "mismatches": mismatches[:20]}))
