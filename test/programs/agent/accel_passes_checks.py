"""The accelerator's passes outside the kernel contract (identity_match, long_texts,
new_type_positions, string_indices), each compared with the Python it stands for.  Run by
accel_kernel_driver.py (``run``), which records what was checked and what differed."""
import array
import gc


def run(ctx):
    """``ctx``: ``package`` (the agent), ``native`` and ``pure`` (the kernels), ``same(name, left,
    right, where)``, ``checked`` and ``mismatches`` (the driver's records), ``Plain`` (a class of
    the driver's heap, ``Plain(n)``)."""
    string_indices_check(ctx)
    new_type_positions_check(ctx)
    long_texts_check(ctx)
    identity_match_check(ctx)


def identity_match_check(ctx):
    """identity_match: the previous marks the Python of identity.observe finds, for the heap's
    weakable objects: marks alive and the same, marks whose object died (dead), an address with
    a mark for another object, repeated addresses (the later wins), none at all; and the same
    refusals of bad arguments."""
    from itertools import repeat
    from operator import is_, is_not

    identity = ctx.package.identity
    Mark = identity._Mark
    address_type = ctx.package.bulk.ADDRESS_TYPECODE

    def python(weak, weak_ids, addresses, marks, no_mark):
        olds = list(map(dict(zip(addresses, marks)).get, weak_ids, repeat(no_mark)))
        same = bytes(map(is_, map(identity._referent, olds), weak))
        found = bytes(map(is_not, olds, repeat(no_mark)))
        return olds, same, found

    weak = [item for item in gc.get_objects() if identity.supports_weak_references(type(item))]
    weak_ids = array.array(address_type, map(id, weak))
    doomed = [ctx.Plain(0) for _ in range(200)]
    marks = [Mark(item) for item in weak[::3]] + [Mark(item) for item in doomed]
    addresses = array.array(address_type, [id(item) for item in weak[::3]] + [id(item) for item in doomed])
    del doomed  # their marks die; new objects may take their addresses
    newcomers = [ctx.Plain(0) for _ in range(200)]
    weak += newcomers
    weak_ids.extend(map(id, newcomers))
    # Another object's mark at an address, and a repeated address (weak[0] has a mark above)
    # whose later mark, another object's, wins.
    other = ctx.Plain(0)
    marks += [Mark(other), Mark(other)]
    addresses.extend([id(weak[2]), id(weak[0])])
    no_mark = Mark(set())
    cases = {
        "heap": (weak, weak_ids, addresses, marks, no_mark),
        "no previous": (weak, weak_ids, array.array(address_type), [], no_mark),
        "nothing weakable": ([], array.array(address_type), addresses, marks, no_mark),
    }
    for where, arguments in cases.items():
        left = python(*arguments)
        right = ctx.native.identity_match(*arguments)
        ctx.same("identity_match", type(right).__name__, "tuple", where)
        ctx.same("identity_match", [list(map(id, left[0])), left[1], left[2]], [list(map(id, right[0])), right[1], right[2]], where)
    bad = [
        ((weak, weak_ids[:-1], addresses, marks, no_mark), ValueError),
        ((weak, weak_ids, addresses, marks[:-1], no_mark), ValueError),
        ((weak, weak_ids, addresses, marks[:-1] + [other], no_mark), TypeError),
        ((tuple(weak), weak_ids, addresses, marks, no_mark), TypeError),
        ((weak, weak_ids, addresses, marks, None), TypeError),
    ]
    for arguments, error in bad:
        try:
            ctx.native.identity_match(*arguments)
            ctx.mismatches.append("identity_match: accepted %s" % error.__name__)
        except error:
            ctx.checked["identity_match"] += 1


def long_texts_check(ctx):
    """long_texts: the positions of the texts longer than a limit, for this heap's str (as
    nodefacts.short_texts finds them in Python), at several limits; and refusals of anything but
    a list of exact str."""
    texts = [item for item in gc.get_objects() if type(item) is str]
    texts += ["", "\u00e9" * 40, "\U0001f600" * 41, "x" * 120, "y" * 121]
    for limit in (0, 40, 120, 10**6):
        python = [position for position, text in enumerate(texts) if str.__len__(text) > limit]
        ctx.same("long_texts", ctx.native.long_texts(texts, limit), python, "limit %d" % limit)
    ctx.same("long_texts", ctx.native.long_texts([], 40), [], "empty")

    class Text(str):
        pass

    for bad in (["a", 1], ["a", Text("b")], ("a",)):
        try:
            ctx.native.long_texts(bad, 0)
            ctx.mismatches.append("long_texts: accepted %r" % (bad,))
        except TypeError:
            ctx.checked["long_texts"] += 1


def new_type_positions_check(ctx):
    """new_type_positions: the first position of each address whose index is missing, in order of
    first occurrence, as a Python pass over this heap's type addresses finds them (with half the
    types known, none, and all); and refusals of arrays of different lengths."""
    items = gc.get_objects()
    addresses = ctx.pure.type_addresses(items, 0, len(items))
    distinct = list(dict.fromkeys(addresses))
    for where, known in (("half known", distinct[::2]), ("none known", []), ("all known", distinct)):
        indices = ctx.pure.type_indices(addresses, {address: n for n, address in enumerate(known)})
        first = {}
        for position, (address, index) in enumerate(zip(addresses, indices)):
            if index == ctx.pure.MISSING and address not in first:
                first[address] = position
        ctx.same("new_type_positions", ctx.native.new_type_positions(addresses, indices), list(first.values()), where)
    try:
        ctx.native.new_type_positions(addresses, array.array("I", [0]))
        ctx.mismatches.append("new_type_positions: accepted arrays of different lengths")
    except ValueError:
        ctx.checked["new_type_positions"] += 1


def string_indices_check(ctx):
    """string_indices: the indices the Python of StringTable.indices_of gives (exact str texts
    added in order of first use, anything else 0), and the same table after: the very text
    objects, in order, at the same indices; across a flush (indices go on from there); None, the
    table untouched, when the texts are not a list."""
    StringTable = ctx.package.strings.StringTable

    class Text(str):
        pass

    class Sink:
        def json(self, name, value):
            pass

    heap_texts = [item for item in gc.get_objects() if type(item) is str][:20000]
    rounds = [
        heap_texts + heap_texts[::3],
        ["", "a", "b", "a", 1, None, Text("a"), b"a", "c", "", 2.5, "b"],
        [],
        ["after", "a", "flush", "after"],
    ]
    python_table, native_table = StringTable(), StringTable(ctx.native)
    for number, texts in enumerate(rounds):
        left = python_table.indices_of(list(texts))
        right = native_table.indices_of(list(texts))
        ctx.same("string_indices", list(right), list(left), "round %d" % number)
        ctx.same("string_indices", type(right).__name__, "array", "round %d type" % number)
        state = lambda table: [table._first, list(map(id, table._fresh)), [(id(k), v) for k, v in table._index.items()]]
        ctx.same("string_indices", state(native_table), state(python_table), "round %d table" % number)
        if number == 1:
            python_table.flush(Sink())
            native_table.flush(Sink())
    before = list(native_table._fresh)
    ctx.same("string_indices", ctx.native.string_indices(("x",), native_table), None, "a tuple")
    ctx.same("string_indices", native_table._fresh, before, "a tuple leaves the table")
