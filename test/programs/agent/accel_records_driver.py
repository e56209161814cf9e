"""Compares the native kernel's object_records with labelplans.object_records (the pure kernel's).

    python accel_records_driver.py AGENT_DIRECTORY ACCELERATOR

Each case runs both on the same group, each with its own string table in the same state (texts
added before a flush, so that indices start above 0, and after it).  Where the native kernel
returns None it leaves the group to the Python function (edgefacts does the same): its table must
then be untouched.  Compared: the kinds (bytes) and names (array('I')), and the tables after the
call -- the same texts, the very same objects, in the same order, with the same indices; and what
each call added to the reference counts of the names.  Prints one JSON line: {"loaded": ...,
"checked": cases, "native": cases it did itself, "mismatches": [text]}.
"""
import array
import gc
import json
import sys

from accel_driver_support import load_agent, member_labels_of

AGENT, ACCELERATOR = sys.argv[1], sys.argv[2]


load_agent(AGENT)
PACKAGE = sys.modules["_heap_inspector_agent"]
loader = PACKAGE.accel_loader
problem = loader.use(ACCELERATOR)
native = loader.kernel()
if native is None:
    print(json.dumps({"loaded": False, "problem": problem, "checked": 0, "native": 0, "mismatches": []}))
    sys.exit(0)
python_records = PACKAGE.labelplans.object_records
StringTable = PACKAGE.strings.StringTable
INDEX = PACKAGE.labels.INDEX
ATTR = PACKAGE.labels.ATTR
STR_KEY = PACKAGE.labels.STR_KEY
U32 = 0xFFFFFFFF
checked = []
done_natively = []
mismatches = []


class Sink:
    """What StringTable.flush writes to: nothing is kept."""

    def json(self, name, value):
        pass


class Text(str):
    """A str subclass: not an exact str, so not a text for object_records."""


# Texts made at run time (not constants shared by the code): equal texts as distinct objects.
def text(value):
    return "".join(list(value))


BEFORE_FLUSH = [text("alpha"), text("beta"), text("gamma")]
AFTER_FLUSH = [text("delta"), text("alpha")]


def table(flushed=True):
    """A table whose later indices start above 0: texts added, flushed, more added."""
    strings = StringTable()
    if flushed:
        strings.add_all(BEFORE_FLUSH)
        strings.flush(Sink())
        strings.add_all(AFTER_FLUSH)
    return strings


def state(strings):
    return strings._first, list(strings._index.items()), list(strings._fresh)


def same_text(a, b, made):
    """The very same object (both are alive: identity is sound here), or for texts the Python
    function made itself (``made``: not among the names), equal exact strs."""
    if a is b:
        return True
    return type(a) is str and type(b) is str and a == b and id(a) not in made and id(b) not in made


def same_state(left, right, names=()):
    """Equal tables holding the very same texts."""
    if left[0] != right[0] or len(left[1]) != len(right[1]) or len(left[2]) != len(right[2]):
        return False
    given = set(map(id, names)) | set(map(id, BEFORE_FLUSH + AFTER_FLUSH))
    for (key_a, value_a), (key_b, value_b) in zip(left[1], right[1]):
        if not same_text(key_a, key_b, given) or value_a != value_b or type(value_a) is not type(value_b):
            return False
    return all(same_text(a, b, given) for a, b in zip(left[2], right[2]))


def names_of(labelled):
    found = []
    for entry in labelled:
        if type(entry) is tuple:
            found.extend(entry[1])
    return found


def counts(objects):
    """Reference counts, but of None, True, False and small ints: the interpreter's own code and
    this driver's lists of numbers move theirs.  The type-attribute cache, which holds the names
    it caches (an attribute name can be a label too), is emptied first: what Python code looked up
    since is not counted."""
    sys._clear_type_cache()
    return [0 if obj is None or type(obj) in (bool, int) and -5 <= obj <= 256 else sys.getrefcount(obj) for obj in objects]


def outcome(function, labelled, lengths, strings):
    try:
        kinds, names = function(labelled, lengths, strings)
    except Exception as error:
        return ("raised", type(error).__name__)
    return (type(kinds).__name__, bytes(kinds), type(names).__name__, getattr(names, "typecode", None), list(names))


def compare(name, labelled, lengths, expect_native, flushed=True):
    """Both kernels on one group; ``expect_native``: whether the native kernel must do it itself
    (True), leave it to Python (False), or either (None)."""
    checked.append(name)
    pure_table, native_table = table(flushed), table(flushed)
    objects = names_of(labelled)
    before = counts(objects)
    expected = outcome(python_records, labelled, lengths, pure_table)
    pure_added = [after - was for after, was in zip(counts(objects), before)]
    untouched = state(native_table)
    before = counts(objects)
    try:
        got = native.object_records(labelled, lengths, native_table)
    except Exception as error:
        mismatches.append("%s: the native kernel raised %s: %s" % (name, type(error).__name__, error))
        return
    if got is None:
        if not same_state(state(native_table), untouched):
            mismatches.append("%s: the native kernel changed the table, then left the group to Python" % name)
        result = outcome(python_records, labelled, lengths, native_table)
    else:
        result = (type(got[0]).__name__, bytes(got[0]), type(got[1]).__name__, getattr(got[1], "typecode", None), list(got[1]))
        done_natively.append(name)
    del got
    native_added = [after - was for after, was in zip(counts(objects), before)]
    del untouched
    if result != expected:
        mismatches.append("%s: native %r != python %r" % (name, result[:2] + result[3:], expected[:2] + expected[3:]))
    if not same_state(state(native_table), state(pure_table), objects):
        mismatches.append(
            "%s: tables differ: native %r, python %r" % (name, state(native_table)[1:], state(pure_table)[1:])
        )
    if native_added != pure_added:
        mismatches.append("%s: references added to the names: native %r, python %r" % (name, native_added, pure_added))
    if expect_native is not None and expect_native != (name in done_natively):
        mismatches.append("%s: the native kernel %s" % (name, "left it to Python" if expect_native else "did it itself"))


def crafted_cases():
    u = array.array
    compare("empty group", [], u("I"), True)
    compare("empty group, fresh table", [], u("I"), True, flushed=False)
    compare("unlabelled nodes", [None, None, None], u("I", [3, 0, 2]), True)
    compare("more nodes than lengths", [None, None, None], u("I", [2]), True)
    compare("more lengths than nodes", [None], u("I", [1, 5, 7]), True)
    indices = ([INDEX] * 4, list(range(3, -1, -1)))
    compare("indices", [indices], u("I", [4]), True)
    compare("indices from bytes", [(bytes([INDEX] * 3), [2, 1, 0])], u("I", [3]), True)
    fresh = [text("epsilon"), text("zeta"), text("epsilon"), text("delta"), text("alpha"), text("beta"), ""]
    texts = ([ATTR] * len(fresh), fresh)
    compare("texts: new, repeated, known since the flush, known before it, empty", [texts], u("I", [len(fresh)]), True)
    compare("texts in a fresh table", [texts], u("I", [len(fresh)]), True, flushed=False)
    mixed = [
        ([ATTR, 0, STR_KEY, INDEX], [text("eta"), 0, text("theta"), 7]),
        None,
        (bytes([STR_KEY, 0, 0]), [text("eta"), 0, text("iota")]),
        ([INDEX, INDEX], [1, 0]),
    ]
    compare("labels as label() and member_labels give them", mixed, u("I", [4, 2, 3, 2]), True)
    huge = ([INDEX] * 6 + [ATTR], [0, 5, 2**32, 2**100, U32, U32 + 1, text("kappa")])
    compare("index out of u32 (huge)", [huge, mixed[0]], u("I", [7, 4]), True)
    compare("negative index", [([INDEX, INDEX, ATTR], [-1, 3, text("lambda")])], u("I", [3]), True)
    compare("very negative index", [([INDEX], [-(2**70)])], u("I", [1]), True)
    # Odd names: a text new to the table comes first, so a native kernel that added it before
    # finding the odd name would be caught.
    first = ([ATTR], [text("mu")])
    odd_names = [
        ("bool name", ATTR, True),
        ("false bool name", ATTR, False),
        ("bool index", INDEX, True),
        ("str subclass name", ATTR, Text("nu")),
        ("str subclass index", INDEX, Text("xi")),
        ("str at an index", INDEX, text("omicron")),
        ("None name", ATTR, None),
        ("non-zero int name", ATTR, 12),
        ("float name", ATTR, 1.5),
        ("float index", INDEX, 2.0),
        ("tuple name", STR_KEY, (1, "pi")),
        ("int subclass index", INDEX, type("Number", (int,), {})(3)),
    ]
    for name, kind, value in odd_names:
        compare(name, [first, ([kind, ATTR], [value, text("rho")])], u("I", [1, 2]), False)
    compare("bool index among huge ones", [huge, ([INDEX], [True])], u("I", [7, 1]), False)
    # Malformed groups: the Python function decides (it may raise).
    compare("kinds and names of different lengths", [([ATTR, ATTR], [text("sigma")])], u("I", [2]), None)
    compare("a kind above 255", [([300], [0])], u("I", [1]), None)
    compare("kinds as a bytearray", [(bytearray([ATTR]), [text("tau")])], u("I", [1]), None)
    compare("labels as a list", [[[ATTR], [text("upsilon")]]], u("I", [1]), None)
    compare("names as a tuple", [([ATTR, INDEX], (text("phi"), 4))], u("I", [2]), None)
    compare("lengths as a list", [None, texts], [2, 7], False)
    compare("lengths as array('Q')", [None, texts], u("Q", [2, 7]), False)
    compare("lengths as bytes", [None, texts], bytes([2, 7]), False)
    compare("nodes as a tuple", (None, texts), u("I", [2, 7]), False)


def heap_cases():
    """Every object of this heap labelled as the capture labels the nodes it records one by one
    (member_labels, else label()), in groups with a flush between them."""
    gc.disable()
    objects = gc.get_objects()
    reading = member_labels_of(PACKAGE, native, objects)
    labeler, referent_lists, lengths, read = reading.labeler, reading.referent_lists, reading.lengths, reading.read
    del reading
    labelled = [
        labeler.label(item, type(item), -1, refs) if result is False else result[0]
        for item, refs, result in zip(objects, referent_lists, read)
    ]
    del read, referent_lists, objects
    step = 5000
    for start in range(0, len(labelled), step):
        compare("heap [%d:]" % start, labelled[start : start + step], lengths[start : start + step], True)


crafted_cases()
heap_cases()
print(json.dumps({"loaded": True, "problem": None, "checked": len(checked), "native": len(done_natively), "mismatches": mismatches[:30]}))
