"""Reading CPython's internal layouts through ``_ctypes``, only where verified on a probe.

Two things cannot be read from Python without changing the heap:

* the attribute names of an instance whose ``__dict__`` was never materialised (3.11+ keeps
  values in a "managed" array and the names in the class's shared-keys table; ``obj.__dict__``
  would create a new dict);
* the local variables of a running frame or a suspended generator (``frame.f_locals`` creates a
  dict before 3.13; ``gen.gi_frame`` creates a frame object on 3.11+).

So the agent reads them from memory.  Each layout is verified at start-up on the agent's own probe
objects (every word read must equal a known ``id()``); a layout that does not verify is switched
off and the capture says so in its warnings, leaving those edges unlabelled rather than guessing.
Reads only follow pointers whose layout was verified for this exact Python version.
"""
import sys

try:
    import _ctypes
except ImportError:  # some builds have no ctypes: names stay unreadable, captures still work
    _ctypes = None

from . import compat
from . import safe

P = compat.POINTER_SIZE
VERSION = compat.VERSION


class MemoryReader:
    def __init__(self):
        self.warnings = []
        self._word = None
        self._from_ptr = None
        self._array_types = {}
        self._keys_names = {}
        self.instance_attrs = False
        self.frame_locals = False
        self.generator_locals = False
        self._cached_keys_offset = None
        if not compat.IS_CPYTHON:
            self.warnings.append("not CPython: attribute and local names are read only from dicts")
            return
        if _ctypes is None:
            self.warnings.append("_ctypes is unavailable: some attribute and local names are missing")
            return

        class Word(_ctypes._SimpleCData):
            _type_ = "P"

        self._ctypes = _ctypes
        self._word_type = Word
        self._from_ptr = _ctypes.PyObj_FromPtr
        self.instance_attrs = self._verify(self._probe_instance_attrs, "instance attribute names")
        self.frame_locals = self._verify(self._probe_frame_locals, "frame local names")
        self.generator_locals = self._verify(self._probe_generator_locals, "generator local names")

    # -- primitives -------------------------------------------------------------------------
    def word(self, address):
        value = self._word_type.from_address(address).value
        return value or 0

    def words(self, address, count):
        """``count`` consecutive pointer-size words starting at ``address``."""
        if count <= 0:
            return ()
        array_type = self._array_types.get(count)
        if array_type is None:
            array_type = type(
                "Words%d" % count, (self._ctypes.Array,), {"_type_": self._word_type, "_length_": count}
            )
            # Classes live in reference cycles: keep every one made (bounded by the cache) rather
            # than leave garbage behind.
            if len(self._array_types) >= 4096:
                self._array_types.clear()
            self._array_types[count] = array_type
        return [w or 0 for w in array_type.from_address(address)]

    def object_at(self, address):
        """The object at ``address`` (a new reference); only for addresses read from verified
        layouts that hold a strong reference to it."""
        return self._from_ptr(address)

    def _verify(self, probe, what):
        try:
            if probe():
                return True
        except Exception:
            pass
        self.warnings.append(
            "%s are not readable on Python %s: such references stay unlabelled"
            % (what, safe.python_version_string())
        )
        return False

    # -- instance attributes kept in managed storage (3.11+) ---------------------------------
    def managed_values_address(self, obj, obj_type, flags):
        """Address of the values array of an instance without a materialised dict, 0 when it has
        no values, or None when a dict exists (then the dict is a referent and names its values)."""
        address = id(obj)
        if VERSION >= (3, 13):
            if flags & safe.TPFLAGS_INLINE_VALUES:
                header = address + safe.basic_size(obj_type)
                valid = (self.word(header) >> 24) & 0xFF
                if valid:
                    return header + 8
            dict_pointer = self.word(address - 3 * P)
            return None if dict_pointer else 0
        if VERSION == (3, 12):
            # PyDictOrValues: a dict pointer, or (values - 1) tagged by its low bit.
            tagged = self.word(address - 3 * P)
            if tagged & 1:
                return tagged + 1
            return None if tagged else 0
        # 3.11
        if self.word(address - 3 * P):
            return None
        return self.word(address - 4 * P)

    def shared_key_names(self, obj_type):
        """The class's shared-keys names, in slot order (a list of str), or None."""
        keys = self.word(id(obj_type) + self._cached_keys_offset)
        if not keys:
            return None
        header = self.word(keys + P)
        log2_index_bytes = (header >> 8) & 0xFF
        kind = (header >> 16) & 0xFF
        if kind != 2:  # DICT_KEYS_SPLIT: shared keys are always split, unicode-only
            return None
        nentries = self.word(keys + 3 * P)
        cached = self._keys_names.get(keys)
        if cached is not None and len(cached) == nentries:
            return cached
        entries = keys + 4 * P + (1 << log2_index_bytes)
        names = []
        for pointer in self.words(entries, 2 * nentries)[0::2]:
            names.append(self.object_at(pointer) if pointer else None)
        self._keys_names[keys] = names
        return names

    def instance_attributes(self, obj, obj_type, flags):
        """[(name, address)] of attributes in managed storage, or None when not applicable."""
        values = self.managed_values_address(obj, obj_type, flags)
        if not values:
            return None
        names = self.shared_key_names(obj_type)
        if not names:
            return None
        pairs = []
        for name, pointer in zip(names, self.words(values, len(names))):
            if pointer and name is not None:
                pairs.append((name, pointer))
        return pairs

    def _probe_instance_attrs(self):
        if VERSION < (3, 11):
            return True  # instances always have a real __dict__ before 3.11: nothing to read

        class HeapInspectorProbe:
            pass

        # A class is always in a reference cycle with its own namespace: keep it, or it would be
        # garbage the next collection finds (the capture must leave the heap as it found it).
        self._probe_type = HeapInspectorProbe
        probe = HeapInspectorProbe()
        probe.alpha = alpha = ["a"]
        probe.beta = beta = ["b"]
        probe_type = type(probe)
        flags = safe.type_flags(probe_type)
        if not flags & (safe.TPFLAGS_MANAGED_DICT | safe.TPFLAGS_INLINE_VALUES):
            return False
        # ht_cached_keys follows ht_qualname in PyHeapTypeObject: find ht_qualname by its id,
        # scanning only inside the type object itself.
        qualname_id = id(safe._type_qualname(probe_type))
        type_size = safe.basic_size(type(probe_type))
        offsets = [o for o in range(0, type_size - P, P) if self.word(id(probe_type) + o) == qualname_id]
        if len(offsets) != 1:
            return False
        self._cached_keys_offset = offsets[0] + P
        pairs = self.instance_attributes(probe, probe_type, flags)
        return pairs == [("alpha", id(alpha)), ("beta", id(beta))]

    # -- frame and generator locals ----------------------------------------------------------
    # Offsets inside _PyInterpreterFrame (Include/internal/pycore_frame.h) per version:
    # (offset of f_code / f_executable, offset of frame_obj, offset of localsplus).
    _INTERPRETER_FRAME = {(3, 11): (4 * P, 5 * P, 9 * P), (3, 12): (0, 6 * P, 9 * P), (3, 13): (0, 6 * P, 9 * P)}

    def frame_locals_addresses(self, frame, code):
        """[(name, address)] of a frame's bound locals and cells, in slot order."""
        names = local_names(code)
        if VERSION < (3, 11):
            base = id(frame) + safe.basic_size(type(frame)) - P  # f_localsplus, inline
        else:
            layout = self._INTERPRETER_FRAME.get(VERSION)
            if layout is None:
                return None
            interpreter_frame = self.word(id(frame) + 3 * P)  # PyFrameObject.f_frame
            if not interpreter_frame or self.word(interpreter_frame + layout[0]) != id(code):
                return None
            base = interpreter_frame + layout[2]
        return [(n, a) for n, a in zip(names, self.words(base, len(names))) if a]

    def generator_locals_addresses(self, generator, code):
        """[(name, address)] of a suspended generator's locals (3.11+: its embedded frame)."""
        layout = self._INTERPRETER_FRAME.get(VERSION)
        if layout is None:
            return None
        # The generator's type size ends exactly where its embedded frame's localsplus begins.
        base = id(generator) + safe.basic_size(type(generator))
        if self.word(base - layout[2] + layout[0]) != id(code):
            return None
        names = local_names(code)
        return [(n, a) for n, a in zip(names, self.words(base, len(names))) if a]

    def _probe_frame_locals(self):
        if VERSION >= (3, 11) and VERSION not in self._INTERPRETER_FRAME:
            return False
        first = ["first"]
        second = ("second", first)
        frame = sys._getframe()
        pairs = self.frame_locals_addresses(frame, safe.frame_code(frame))
        # A frame object referenced from its own locals when the function returns would become
        # a reference cycle (and, on 3.11+, materialise every caller's frame): drop it first.
        del frame
        found = dict(pairs or ())
        return found.get("first") == id(first) and found.get("second") == id(second)

    def _probe_generator_locals(self):
        if VERSION < (3, 11):
            return True  # generators own a real frame object: labels come from it
        if VERSION not in self._INTERPRETER_FRAME:
            return False

        def probe_generator(argument):
            local = [argument]
            yield local

        marker = ["marker"]
        generator = probe_generator(marker)
        local = next(generator)
        pairs = self.generator_locals_addresses(generator, generator.gi_code)
        generator.close()
        found = dict(pairs or ())
        return found.get("argument") == id(marker) and found.get("local") == id(local)


def local_names(code):
    """Names of a code object's local slots in the order the interpreter stores them."""
    varnames = code.co_varnames
    cellvars = code.co_cellvars
    freevars = code.co_freevars
    if VERSION < (3, 11):
        return varnames + cellvars + freevars
    return varnames + tuple(c for c in cellvars if c not in varnames) + freevars
