"""Per-type facts, computed once per type from the type's MRO dicts (never from an instance)."""
import array
import sys

from . import builtin_types as bt
from . import bulk
from . import safe

_address = bulk.address_of

# Bits of a type record's flags (protocol/snapshot.ts TypeFlag).
HAS_FINALIZER = 1 << 0
PYTHON_DEL = 1 << 1
HEAP_TYPE = 1 << 2
WEAKREF = 1 << 3
GENERATOR_LIKE = 1 << 4
# ``__del__ = None`` in the class or a base: CPython still gives the type a finalizer, which calls
# None and reports "Exception ignored … TypeError: 'NoneType' object is not callable".
DEL_IS_NONE = 1 << 5

_CONTAINERS = (dict, list, tuple, set, frozenset)
_OBJECT_SIZEOF = object.__dict__["__sizeof__"]
CATEGORIES = ("instance", "container", "frame", "module", "class", "function", "weakref", "generator", "atom", "other")
_CATEGORY_INDEX = {name: index for index, name in enumerate(CATEGORIES)}
_FUNCTIONS = (bt.FunctionType, bt.MethodType, bt.BuiltinFunctionType, classmethod, staticmethod)


class TypeTable:
    """Assigns each type an index and describes it.  Keyed by ``id(type)``: hashing a type
    could run a metaclass ``__hash__``.

    While the heap is walked the table keeps only numbers per type (flags, sizes) and the types
    themselves, one reference each (``types``): text read from a type (its name, its module's
    file) could be an object of the heap, whose count would be read with the table holding it.
    ``records`` are built at the end (``finish``)."""

    def __init__(self, weakref_types):
        self._index = {}
        self._types = []  # keeps the keyed types alive for the duration of the capture
        # Numbers in arrays, not lists: a list of ints or bools refers to small ints, True and
        # False, which are objects of the heap whose counts are read while the table exists.
        self._flags = array.array("I")
        self._categories = bytearray()  # index into CATEGORIES
        self._sizeof_safe = bytearray()  # 0: basic size; 1: measured; 2: measured once per type
        self._basic_size = array.array("q")
        self._odd = array.array("q")  # indices of types that could not be described
        self._weakref_types = weakref_types
        # Addresses of classes whose namespace has only str keys, and of those that have another
        # key: most types share their bases (object above all), read once per capture.
        self._str_keys_only = (set(), set())
        self.records = []

    def index_of(self, t):
        index = self._index.get(_address(t))
        if index is None:
            index = self._add(t)
        return index

    @property
    def index_by_id(self):
        """{id(type): index} of the registered types (read-only use)."""
        return self._index

    def known_index(self, t):
        """Index of ``t`` if registered, else -2 (never a node's type index)."""
        return self._index.get(_address(t), -2)

    @property
    def types(self):
        """The registered types, by index."""
        return self._types

    def __len__(self):
        return len(self._types)

    def flags(self, index):
        return self._flags[index]

    def category(self, index):
        return CATEGORIES[self._categories[index]]

    def sizeof_safe(self, index):
        """0: the basic size (its ``__sizeof__`` could run user code); 1: ``sys.getsizeof`` of each
        instance; 2: ``sys.getsizeof`` of one, the same for all."""
        return self._sizeof_safe[index]

    def basic_size(self, index):
        return self._basic_size[index]

    def _add(self, t):
        index = len(self._types)
        self._index[_address(t)] = index
        self._types.append(t)
        try:
            flags, category, sizeof_safe = self._describe(t)
        except Exception:
            # A type that cannot be read as a type should be (half-built, a slot that raises):
            # recorded by name only, and said in the warnings.
            safe.note_odd(_ODD_TYPE, t)
            self._odd.append(index)
            flags, category, sizeof_safe = 0, "other", 0
        self._flags.append(flags)
        self._categories.append(_CATEGORY_INDEX[category])
        self._sizeof_safe.append(sizeof_safe)
        self._basic_size.append(safe.basic_size(t))
        return index

    def _describe(self, t):
        mro = safe.mro(t)
        flags = 0
        finalizer = safe.lookup_in_mro(t, "__del__", safe.MISSING)
        if finalizer is None:
            flags |= HAS_FINALIZER | DEL_IS_NONE
        elif finalizer is not safe.MISSING:
            flags |= HAS_FINALIZER
            if not safe.is_builtin_callable(finalizer):
                flags |= PYTHON_DEL
        if safe.type_flags(t) & safe.TPFLAGS_HEAPTYPE:
            flags |= HEAP_TYPE
        if _any_in(self._weakref_types, mro):
            flags |= WEAKREF
        if _any_in(bt.GENERATOR_TYPES, mro):
            flags |= GENERATOR_LIKE
        # sys.getsizeof calls the type's __sizeof__: only a built-in type's own C method is safe.
        # And CPython finds it through the MRO's namespaces: a non-str key there (whose __eq__ a
        # lookup may call on a hash collision) makes even that unsafe.
        sizeof = safe.lookup_in_mro(t, "__sizeof__")
        sizeof_safe = 0
        if sizeof is not None and safe.is_c_method_of(sizeof, t) and _namespaces_have_str_keys_only(mro, self._str_keys_only):
            sizeof_safe = 1
            # object.__sizeof__ counts the basic size and the items; sys.getsizeof adds what the
            # type's flags say (the collector's header, 3.12+'s pre-header), and asks each object
            # whether it is a GC object only for types (tp_is_gc): without items, not a type,
            # every instance has the same size.
            if sizeof is _OBJECT_SIZEOF and safe.item_size(t) == 0 and not _any_in((type,), mro):
                sizeof_safe = 2
        return flags, _category(t, mro, flags), sizeof_safe

    def finish(self):
        """Build ``records`` (``{name, module, qualname, flags, category, file?}`` per type), once
        every count is read."""
        odd = set(self._odd)
        records = []
        files = {}  # qualified name's module part -> its file: most modules define many types
        for index, t in enumerate(self._types):
            name = safe.qualified_type_name(t)
            if index in odd:
                records.append({"name": name, "module": "?", "qualname": "?", "flags": 0, "category": "other"})
                continue
            module, _, qualname = name.partition(".") if not _module_has_dots(name) else _split(t, name)
            flags = self._flags[index]
            record = {
                "name": name,
                "module": module,
                "qualname": qualname,
                "flags": flags,
                "category": CATEGORIES[self._categories[index]],
            }
            if flags & HEAP_TYPE:
                prefix = name.rsplit(".", 1)[0] if "." in name else None
                source = files.get(prefix, files)
                if source is files:
                    source = files[prefix] = _defining_file(name)
                if source:
                    record["file"] = source
            records.append(record)
        self.records = records
        return records


_ODD_TYPE = "type(s) that could not be described (reading them failed): recorded by name only"
_ODD_SIZE = "object(s) whose built-in __sizeof__ failed: their size is the type's basic size"


def measured_sizes(objects, basic_sizes):
    """``sys.getsizeof`` of each object (whose type's ``__sizeof__`` is a built-in type's own C
    method), or the basic size given for it where that fails: one odd object never loses the
    capture.  The common case is one C-level pass."""
    objects = list(objects)
    basic_sizes = list(basic_sizes)
    try:
        return list(map(sys.getsizeof, objects))
    except Exception:
        pass
    sizes = []
    for obj, basic in zip(objects, basic_sizes):
        try:
            sizes.append(sys.getsizeof(obj))
        except Exception:
            safe.note_odd(_ODD_SIZE, obj)
            sizes.append(basic)
    return sizes


def _namespaces_have_str_keys_only(mro, known):
    """``known``: (addresses of classes found to have only str keys, of those found not to)."""
    # Types compared by address: ``==`` on a type could call its metaclass's ``__eq__``.
    str_address = bulk.address_of(str)
    plain, odd = known
    for klass, key in zip(mro, bulk.addresses(list(mro))):
        if key in plain:
            continue
        if key in odd:
            return False
        key_types = bulk.addresses(list(map(type, dict.keys(safe.type_dict(klass)))))
        if key_types.count(str_address) != len(key_types):
            odd.add(key)
            return False
        plain.add(key)
    return True


def _module_has_dots(name):
    return name.count(".") > 1


def _split(t, name):
    """(module, qualname) of a type whose module or qualname has dots (``a.b.C``, ``m.Outer.In``)."""
    try:
        qualname = safe._type_qualname(t)
    except Exception:
        qualname = None
    if type(qualname) is str and name.endswith("." + qualname):
        return name[: -len(qualname) - 1], "", qualname
    return name.rsplit(".", 1)[0], "", name.rsplit(".", 1)[1]


def _any_in(candidates, mro):
    """Whether any candidate is in ``mro``, by identity: ``in`` would call a metaclass ``__eq__``."""
    for klass in mro:
        for candidate in candidates:
            if klass is candidate:
                return True
    return False


def _category(t, mro, flags):
    if _any_in(bt.ATOM_TYPES, (t,)):
        return "atom"
    if flags & WEAKREF:
        return "weakref"
    if flags & GENERATOR_LIKE:
        return "generator"
    if _any_in((bt.ModuleType,), mro):
        return "module"
    if _any_in((type,), mro):
        return "class"
    if t is bt.FrameType:
        return "frame"
    if _any_in(_FUNCTIONS, mro):
        return "function"
    if flags & HEAP_TYPE:
        return "instance"
    if _any_in(_CONTAINERS, mro):
        return "container"
    return "other"


def _defining_file(qualified_name):
    module_name = qualified_name.rsplit(".", 1)[0] if "." in qualified_name else None
    # A qualname may itself contain dots (Outer.Inner): try the longest module prefix that exists.
    while module_name:
        module = safe.module_named(module_name)
        if module is not None:
            namespace = safe.module_dict(module)
            path = safe.str_key_get(namespace, "__file__") if namespace is not None else None
            return path if type(path) is str else None
        module_name = module_name.rsplit(".", 1)[0] if "." in module_name else None
    return None
