"""Which kernel a capture uses: the one place that decides.

The kernel (kernel_py.py: the contract) does the walk's work per object and per reference.  The
native one (``agent/accel/``) is used when accel_loader.py has loaded one for this interpreter
and it gives, on probe objects made here, exactly what the pure-Python kernel gives; otherwise
the pure-Python kernel, and the snapshot says why in ``meta.capture.kernel``.
"""
import array

from . import bulk
from . import kernel_py
from . import labelplans
from . import labels
from . import safe
from . import strings

PACKAGE_NAME = "_heap_inspector_agent"
FUNCTIONS = (
    "addresses",
    "type_addresses",
    "refcounts",
    "sizes",
    "address_set",
    "walk",
    "add_leaves",
    "dict_keys",
    "without",
    "type_indices",
    "type_bytes",
    "label_facts",
    "member_labels",
    "merge_u32",
    "object_records",
)

_verified = {}  # id(native module) -> None when it agrees with kernel_py, else why not


def choose():
    """(kernel module, record for ``meta.capture.kernel``, a list of warning lines: none or one).
    Never None: the capture's frames hold what this returns while counts are read, and None is
    an object of the heap whose count must not depend on which kernel reads it (a fresh list is
    the agent's own)."""
    loader = _loader()
    native = None
    reason = "no native accelerator was loaded"
    warning = None
    if loader is not None:
        try:
            native = loader.kernel()
        except Exception as error:  # the loader is never fatal
            native = None
            reason = "the native accelerator could not be asked (%s)" % type(error).__name__
        if native is None:
            said = getattr(loader, "warning", None)
            if type(said) is str:
                reason = warning = said
    if native is not None:
        key = id(native)
        if key not in _verified:
            _verified[key] = disagreement(native)
        problem = _verified[key]
        if problem is None:
            return native, {"name": getattr(native, "NAME", "native")}, []
        reason = warning = "the native accelerator was not used (%s): the heap was read by the pure-Python kernel" % problem
    return kernel_py, {"name": kernel_py.NAME, "reason": reason}, [] if warning is None else [warning]


def _loader():
    package = safe.module_named(PACKAGE_NAME)
    if package is None:
        return None
    namespace = safe.module_dict(package)
    return None if namespace is None else safe.str_key_get(namespace, "accel_loader")


def disagreement(native):
    """None when ``native`` gives what kernel_py gives on probe objects, else a short reason."""
    if getattr(native, "INTERFACE", None) != kernel_py.INTERFACE:
        return "it implements another kernel interface than this agent's (%d)" % kernel_py.INTERFACE
    for name in FUNCTIONS:
        if not callable(getattr(native, name, None)):
            return "it has no %s()" % name
    try:
        return _compare(native)
    except Exception as error:
        return "it failed on probe objects (%s)" % type(error).__name__


class _Probe:
    """Instances of a class statement's class, for the comparison (defined once: a class lives in
a reference cycle, and one made per call would be left as garbage)."""


# label_facts' plan per probe item (position = type index): the probe instance as a plain
# instance with one slot and as an object, the dicts, the tuple and the list as themselves.
_PROBE_PLANS = bytes(
    (
        kernel_py.PLAN_INSTANCE_VALUES,
        kernel_py.PLAN_DICT,
        kernel_py.PLAN_DICT,
        kernel_py.PLAN_SEQUENCE,
        kernel_py.PLAN_SEQUENCE,
        kernel_py.PLAN_SEQUENCE,
        kernel_py.PLAN_NONE,
        kernel_py.PLAN_NONE,
        kernel_py.PLAN_OBJECT,
        kernel_py.PLAN_OBJECT,
    )
)
_PROBE_SLOTS = array.array("I", (1, 0, 0, 0, 0, 0, 0, 0, 0, 0))


def _compare(native):
    Probe = _Probe
    probe = Probe()
    probe.items = [1, "two", 3.0]
    shared = ("shared", probe)
    items = [
        probe,
        {"a": probe, "b": shared},
        {1: "one"},
        shared,
        [probe, probe, None, shared],
        probe.items,
        "text",
        12345678901234567890,
        None,
        Probe,
    ]
    end = len(items)
    # Counts compared only on what the probe alone owns: None's, a constant's or the class's may
    # change between two reads while a program runs (another thread, the interpreter's caches).
    owned = 6
    checks = [
        ("addresses", lambda k: list(k.addresses(items, 0, end))),
        ("type_addresses", lambda k: list(k.type_addresses(items, 0, end))),
        ("refcounts", lambda k: list(k.refcounts(items, 0, owned))),
        ("sizes", lambda k: list(k.sizes(items, 0, end, bytes((1,)) * (end - 1) + b"\x00"))),
        ("merge_u32", lambda k: list(k.merge_u32(b"\x00\x01\x02\x01\x03", [None, range(7, 9), [5], array.array("I", [4])]))),
        ("object_records", _object_records_probe),
    ]
    for name, check in checks:
        if check(native) != check(kernel_py):
            return "its %s() differs from the pure-Python kernel's" % name
    results = []
    for kernel in (kernel_py, native):
        seen = kernel.address_set([id(Probe)])
        leaves = []
        targets, lengths = kernel.walk(items, 0, end, seen, leaves)
        added = list(kernel.add_leaves([probe.items, "another", 7.5, shared], seen, leaves))
        mask = bytes(type(item) is dict for item in items)
        fast, keys = kernel.dict_keys(items, 0, end, mask, lengths, targets)
        type_of = array.array("I", range(end))  # one type index per item: plans by position
        labelled, facts_keys = kernel.label_facts(items, 0, end, type_of, _PROBE_PLANS, _PROBE_SLOTS, lengths, targets)
        kept, types = kernel.without(items, kernel.address_set([id(probe), id(None)]))
        results.append(
            (
                list(targets),
                list(lengths),
                added,
                list(map(id, leaves)),
                fast,
                list(map(id, keys)),
                len(seen),
                labelled,
                list(map(id, facts_keys)),
                list(map(id, kept)),
                list(types),
                kernel.type_bytes(type_of, bytes(range(end))),
                list(kernel.type_indices(types, {id(list): 4, id(dict): 7})),
            )
        )
        del leaves, keys, facts_keys, kept
    if results[0] != results[1]:
        return "its walk(), dict_keys(), label_facts(), without(), type_indices() or type_bytes() differs from the pure-Python kernel's"
    return _compare_member_labels(native)


def _object_records_probe(kernel):
    """object_records on a group of each kind of label (an index beyond u32, texts new and known,
    an unlabelled node): its results and the string table it leaves."""
    table = strings.StringTable()
    table.add("known")
    labelled = [([labels.INDEX, labels.ATTR, labels.REF], [2**40, "probe", 0]), None, (bytes((labels.STR_KEY,)), ["known"])]
    kinds, names = kernel.object_records(labelled, array.array("I", (3, 2, 1)), table)
    return bytes(kinds), list(names), table._fresh, list(table._index.items())


def _probe_function():
    captured = [1]

    def probe_function(a=(1,), *, b=2):
        """A function with defaults, keyword defaults, a doc and a closure."""
        return captured

    return probe_function


_PROBE_FUNCTION = _probe_function()


class _ProbeClass:
    """A class: its labels are type's fields and its namespace."""

    __slots__ = ("a",)


def _compare_member_labels(native):
    """None when ``native.member_labels`` gives what ``Labeler.label()`` gives on probe objects
    of built-in types (a function, a cell, a property, a bound built-in method, a class, a dict
    with an int key), else why not."""
    function = _PROBE_FUNCTION
    cell = function.__closure__[0]
    items = [function, cell, property(len, None, None, "doc"), [].append, _probe_function]
    items += [_ProbeClass, {1: cell, "b": None}]
    labeler = labels.Labeler(None, None)
    plans = labelplans.LabelPlans(labeler)
    types = [type(item) for item in items]
    recipes = [plans.recipe(t) for t in types]
    referent_lists = bulk.referent_lists(items, with_addresses=False)[0]
    lengths = array.array("I", map(len, referent_lists))
    read, changed = native.member_labels(items, array.array("I", range(len(items))), lengths, recipes)
    if changed != 0 or len(read) != len(items):
        return "its member_labels() differs from label()"
    for item, refs, result in zip(items, referent_lists, read):
        if result is False:
            continue
        expected = labeler.label(item, type(item), -1, refs)
        value = result[0]
        got = None if value is None else (list(value[0]), list(value[1]))
        if got != expected:
            return "its member_labels() differs from label()"
    del recipes, plans, labeler, referent_lists, read
    return None
