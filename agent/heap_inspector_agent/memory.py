"""Reading CPython's internal layouts through ``_ctypes``, only where verified on a probe.

Two things cannot be read from Python without changing the heap:

* the attribute names of an instance whose ``__dict__`` was never materialised (3.11+ keeps
  values in a "managed" array and the names in the class's shared-keys table; ``obj.__dict__``
  would create a new dict);
* the local variables of a running frame or a suspended generator (``frame.f_locals`` creates a
  dict before 3.13; ``gen.gi_frame`` creates a frame object on 3.11+).

So the agent reads them from memory, under one rule: a word read from memory is only ever an
address to compare with the ``id()`` of an object the agent already holds.  It becomes an object
(``PyObj_FromPtr``, which writes a reference count at that address) only after it was verified to
be a live object: the probes compare every word with known ``id()``s before anything else, and a
shared-keys name is taken only once its header reads as an exact ``str``.  Each layout is verified
at start-up on the agent's own probe objects; a layout that does not verify is switched off and
the capture says so in its warnings, leaving those edges unlabelled rather than guessing.  Builds
whose object header is not the plain one (free-threaded, Py_TRACE_REFS) and versions newer than
the layouts known here are not read at all.
"""
import sys

from . import bulk
from . import compat
from . import safe

_address = bulk.address_of

try:
    import _ctypes
except Exception as error:  # no ctypes in this build, or an audit hook refused the import
    _ctypes = None
    _IMPORT_ERROR = error
else:
    _IMPORT_ERROR = None

P = compat.POINTER_SIZE
_WORDS_PER_READ = 64  # longer reads are made of pieces this long
VERSION = compat.VERSION

# PyDictKeysObject (Include/internal/pycore_dict.h, 3.11-3.13): Py_ssize_t dk_refcnt; uint8_t
# dk_log2_size, dk_log2_index_bytes, dk_kind; uint32_t dk_version; Py_ssize_t dk_usable,
# dk_nentries; char dk_indices[].  dk_usable is aligned to a pointer after the 32-bit version: at
# 16 on 64-bit, at 12 on 32-bit.  The probe checks these on a class of known shape.
KEYS_LOG2_SIZE = P
KEYS_LOG2_INDEX_BYTES = P + 1
KEYS_KIND = P + 2
KEYS_USABLE = (P + 8 + P - 1) // P * P
KEYS_NENTRIES = KEYS_USABLE + P
KEYS_INDICES = KEYS_NENTRIES + P
DICT_KEYS_SPLIT = 2

# _PyInterpreterFrame (Include/internal/pycore_frame.h) per version: (offset of f_code /
# f_executable, offset of localsplus).  Eight pointers, then an int and two small fields (6 or 7
# bytes), padded to a pointer: localsplus is at 8 pointers + 8 bytes on 64-bit and 32-bit alike.
_INTERPRETER_FRAME = {(3, 11): (4 * P, 8 * P + 8), (3, 12): (0, 8 * P + 8), (3, 13): (0, 8 * P + 8)}
# PyFrameObject (3.11+): PyObject_HEAD, f_back, f_frame.
FRAME_F_BACK = 2 * P
FRAME_F_FRAME = 3 * P


class MemoryReader:
    def __init__(self):
        self.warnings = []
        self.instance_attrs = False
        self.frame_locals = False
        self.generator_locals = False
        self._cached_keys_offset = None
        self._keys_names = {}  # keys table address -> names (str objects the reader holds)
        self._array_types = {}
        self._word_type = None
        self._failed = False
        self._probing = False
        reason = self._unreadable_reason()
        if reason is not None:
            self.warnings.append(reason + ": attribute and local names kept out of reach stay unlabelled")
            return
        refused = []  # (what, why) of each layout that did not verify
        self.instance_attrs = self._verify(self._probe_instance_attrs, "instance attribute names", refused)
        self.frame_locals = self._verify(self._probe_frame_locals, "frame local names", refused)
        self.generator_locals = self._verify(self._probe_generator_locals, "generator local names", refused)
        # One line per reason: "instance attribute names and frame local names are not read: …".
        reasons = {}
        for what, why in refused:
            reasons.setdefault(why, []).append(what)
        for why, whats in dict.items(reasons):
            listed = whats[0] if len(whats) == 1 else ", ".join(whats[:-1]) + " and " + whats[-1]
            self.warnings.append("%s are not read: %s; such references stay unlabelled" % (listed, why))

    def _unreadable_reason(self):
        """Why this interpreter's memory is not read at all, or None."""
        if not compat.IS_CPYTHON:
            return "not CPython"
        if compat.FREE_THREADED or not compat.PLAIN_OBJECT_HEADER:
            return "this CPython's objects are not laid out as the agent knows (free-threaded or debug build)"
        if VERSION > compat.LAST_KNOWN_LAYOUT:
            return "Python %s is newer than the memory layouts the agent knows (up to %d.%d)" % (
                (safe.python_version_string(),) + compat.LAST_KNOWN_LAYOUT
            )
        if _ctypes is None:
            if _IMPORT_ERROR is not None and not isinstance(_IMPORT_ERROR, ImportError):
                return "the program refused the import of _ctypes (%s)" % _error_text(_IMPORT_ERROR)
            return "_ctypes is unavailable"
        try:

            class Word(_ctypes._SimpleCData):
                _type_ = "P"

            class Byte(_ctypes._SimpleCData):
                _type_ = "B"

            class ObjectSlot(_ctypes._SimpleCData):
                _type_ = "O"  # .value reads the pointer and takes a reference in one C step

        except Exception as error:
            return "_ctypes is unusable (%s)" % _error_text(error)
        self._word_type = Word
        # Every array type a read uses, made now: a type made during a capture would be an
        # object nobody listed, registered among _ctypes.Array's subclasses (a dict of the
        # program's, if it uses ctypes) while the heap is read.
        self._array_types = {
            count: type("Words%d" % count, (_ctypes.Array,), {"_type_": Word, "_length_": count})
            for count in range(1, _WORDS_PER_READ + 1)
        }
        self._byte_type = Byte
        self._slot_type = ObjectSlot
        self._from_ptr = _ctypes.PyObj_FromPtr
        return None

    # -- primitives -------------------------------------------------------------------------
    def word(self, address):
        value = self._word_type.from_address(address).value
        return value or 0

    def byte(self, address):
        return self._byte_type.from_address(address).value

    def words(self, address, count):
        """``count`` consecutive pointer-size words starting at ``address``, copied at once (in
        pieces of at most _WORDS_PER_READ words: no array type is made here)."""
        found = []
        while count > 0:
            piece = min(count, _WORDS_PER_READ)
            found.extend([w or 0 for w in self._array_types[piece].from_address(address)[:]])
            address += piece * P
            count -= piece
        return found

    def _object_at(self, address):
        """The object at ``address`` (a new reference).  Only for an address verified to hold a
        live object of the expected type (see the module's rule)."""
        return self._from_ptr(address)

    def _verify(self, probe, what, refused):
        self._probing = True  # a failed read raises to here (see _fail)
        try:
            if probe():
                return True
            reason = "their layout is not the one the agent knows on Python %s" % safe.python_version_string()
        except Exception as error:
            reason = self._refusal(error) or "their layout could not be checked on Python %s (%s)" % (
                safe.python_version_string(),
                _error_text(error),
            )
        finally:
            self._probing = False
        refused.append((what, reason))
        return False

    def _refusal(self, error):
        """"an audit hook refused <event> (...)" when the program's audit hook refused one of the
        ctypes operations the reader needs (tried on the reader's own object), else None."""
        own = [error]
        for event, attempt in (
            ("ctypes.cdata", lambda: self._word_type.from_address(_address(own))),
            ("ctypes.PyObj_FromPtr", lambda: self._from_ptr(_address(own))),
        ):
            try:
                attempt()
            except Exception as refused:
                return "an audit hook refused %s (%s)" % (event, _error_text(refused))
        return None

    def _fail(self, error):
        """A read failed during a capture (an audit hook that changed its mind, or a layout that
        stopped matching): every memory read is switched off for the rest of the process."""
        if self._probing:
            raise error
        if not self._failed:
            self._failed = True
            reason = self._refusal(error) or "a read failed (%s)" % _error_text(error)
            self.warnings.append("memory reads stopped during a capture: %s; names stay unlabelled" % reason)
        self.instance_attrs = self.frame_locals = self.generator_locals = False

    # -- instance attributes kept in managed storage (3.11+) ---------------------------------
    def managed_values_address(self, obj, obj_type, flags):
        """Address of the values array of an instance without a materialised dict, 0 when it has
        no values, or None when a dict exists (then the dict is a referent and names its values)."""
        address = _address(obj)
        if VERSION >= (3, 13):
            if flags & safe.TPFLAGS_INLINE_VALUES:
                header = address + safe.basic_size(obj_type)  # _PyDictValues: 4 bytes, then values
                if self.byte(header + 3):  # "valid": the values are in use (no dict took them)
                    return header + P
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

    def _key_pointers(self, obj_type):
        """(keys table address, [address of each name]) of a class's shared keys, read without
        following any of them, or None when the table is absent or not a plausible split table."""
        keys = self.word(_address(obj_type) + self._cached_keys_offset)
        if not keys:
            return None
        if self.byte(keys + KEYS_KIND) != DICT_KEYS_SPLIT:
            return None
        log2_size = self.byte(keys + KEYS_LOG2_SIZE)
        log2_index_bytes = self.byte(keys + KEYS_LOG2_INDEX_BYTES)
        usable, nentries = self.words(keys + KEYS_USABLE, 2)
        # Bounds of any real table: indices of 1, 2, 4 or 8 bytes per slot, at most 2/3 used.
        if not (3 <= log2_size <= 24 and 0 <= log2_index_bytes - log2_size <= 3):
            return None
        if not (0 <= nentries and 0 <= usable and nentries + usable <= ((1 << log2_size) * 2) // 3):
            return None
        entries = keys + KEYS_INDICES + (1 << log2_index_bytes)
        return keys, self.words(entries, 2 * nentries)[0::2]

    def _is_exact_str(self, address):
        """Whether ``address`` holds a live exact ``str`` (its header read, nothing followed)."""
        refcount, type_address = self.words(address, 2)
        return type_address == _address(str) and refcount != 0

    def shared_key_names(self, obj_type):
        """The class's shared-keys names, in slot order (str, or None for an empty slot), or None."""
        try:
            found = self._key_pointers(obj_type)
            if found is None:
                return None
            keys, pointers = found
            cached = self._keys_names.get(keys)
            # A table address can be reused by another class's table: the cached names count only
            # if they are, object for object, what the table holds now.
            if cached is not None and list(map(_id_or_zero, cached)) == pointers:
                return cached
            names = []
            for pointer in pointers:
                if not pointer:
                    names.append(None)
                elif self._is_exact_str(pointer):
                    names.append(self._object_at(pointer))
                else:
                    return None
            if len(self._keys_names) >= 4096:
                self._keys_names.clear()
            self._keys_names[keys] = names
            return names
        except Exception as error:
            self._fail(error)
            return None

    def instance_attributes(self, obj, obj_type, flags):
        """[(name, address)] of attributes in managed storage, or None when not applicable.
        The addresses are for comparing with ``id()``s of objects held (the referents)."""
        if not self.instance_attrs:
            return None
        try:
            values = self.managed_values_address(obj, obj_type, flags)
            if not values:
                return None
            names = self.shared_key_names(obj_type)
            if not names:
                return None
            return [
                (name, pointer) for name, pointer in zip(names, self.words(values, len(names))) if pointer and name
            ]
        except Exception as error:
            self._fail(error)
            return None

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
        qualname_id = _address(safe._type_qualname(probe_type))
        type_size = safe.basic_size(type(probe_type))
        offsets = [o for o in range(0, type_size - P, P) if self.word(_address(probe_type) + o) == qualname_id]
        if len(offsets) != 1:
            return False
        self._cached_keys_offset = offsets[0] + P
        # Every word is compared with a known id before anything is taken as an object: the names
        # are the interned attribute names, the values the two lists.
        found = self._key_pointers(probe_type)
        if found is None or found[1] != [_address(sys.intern("alpha")), _address(sys.intern("beta"))]:
            return False
        values = self.managed_values_address(probe, probe_type, flags)
        if not values or self.words(values, 2) != [_address(alpha), _address(beta)]:
            return False
        self.instance_attrs = True
        pairs = self.instance_attributes(probe, probe_type, flags)
        self.instance_attrs = False
        return pairs == [("alpha", _address(alpha)), ("beta", _address(beta))]

    # -- frame and generator locals ----------------------------------------------------------
    def frame_locals_addresses(self, frame, code):
        """[(name, address)] of a frame's bound locals and cells, in slot order, or None."""
        if not self.frame_locals:
            return None
        try:
            names = local_names(code)
            if VERSION < (3, 11):
                base = _address(frame) + safe.basic_size(type(frame)) - P  # f_localsplus, inline
            else:
                code_offset, localsplus = _INTERPRETER_FRAME[VERSION]
                interpreter_frame = self.word(_address(frame) + FRAME_F_FRAME)
                if not interpreter_frame or self.word(interpreter_frame + code_offset) != _address(code):
                    return None
                base = interpreter_frame + localsplus
            return [(n, a) for n, a in zip(names, self.words(base, len(names))) if a]
        except Exception as error:
            self._fail(error)
            return None

    def take_local(self, frame, code, name, address):
        """``[value]`` of the local ``name`` of a frame of the capturing thread (which cannot run
        while the capture does), when its slot still holds ``address``; else ``[]``.  The slot is
        found again through the verified layout and read with its reference in one C step."""
        if not self.frame_locals:
            return []
        try:
            names = local_names(code)
            if VERSION < (3, 11):
                base = _address(frame) + safe.basic_size(type(frame)) - P
            else:
                code_offset, localsplus = _INTERPRETER_FRAME[VERSION]
                interpreter_frame = self.word(_address(frame) + FRAME_F_FRAME)
                if not interpreter_frame or self.word(interpreter_frame + code_offset) != _address(code):
                    return []
                base = interpreter_frame + localsplus
            slot = base + P * names.index(name)
            if self.word(slot) != address:
                return []
            value = self._slot_type.from_address(slot).value
            return [value] if _address(value) == address else []
        except Exception as error:
            self._fail(error)
            return []

    def frame_back_address(self, frame):
        """``f_back`` of a frame object as an address (3.11+: reading the attribute would
        materialise the caller's frame), 0 when unknown."""
        if not self.frame_locals or VERSION < (3, 11):
            return 0
        try:
            return self.word(_address(frame) + FRAME_F_BACK)
        except Exception as error:
            self._fail(error)
            return 0

    def generator_locals_addresses(self, generator, code):
        """[(name, address)] of a suspended generator's locals (3.11+: its embedded frame)."""
        if not self.generator_locals:
            return None
        try:
            code_offset, localsplus = _INTERPRETER_FRAME[VERSION]
            # The generator's type size ends exactly where its embedded frame's localsplus begins.
            base = _address(generator) + safe.basic_size(type(generator))
            if self.word(base - localsplus + code_offset) != _address(code):
                return None
            names = local_names(code)
            return [(n, a) for n, a in zip(names, self.words(base, len(names))) if a]
        except Exception as error:
            self._fail(error)
            return None

    def _probe_frame_locals(self):
        if VERSION >= (3, 11) and VERSION not in _INTERPRETER_FRAME:
            return False
        first = ["first"]
        second = ("second", first)
        frame = sys._getframe()
        self.frame_locals = True
        pairs = self.frame_locals_addresses(frame, safe.frame_code(frame))
        self.frame_locals = False
        # A frame object referenced from its own locals when the function returns would become
        # a reference cycle (and, on 3.11+, materialise every caller's frame): drop it first.
        del frame
        found = dict(pairs or ())
        return found.get("first") == _address(first) and found.get("second") == _address(second)

    def _probe_generator_locals(self):
        if VERSION < (3, 11):
            return True  # generators own a real frame object: labels come from it
        if VERSION not in _INTERPRETER_FRAME:
            return False

        def probe_generator(argument):
            local = [argument]
            yield local

        marker = ["marker"]
        generator = probe_generator(marker)
        local = next(generator)
        self.generator_locals = True
        pairs = self.generator_locals_addresses(generator, generator.gi_code)
        self.generator_locals = False
        generator.close()
        found = dict(pairs or ())
        return found.get("argument") == _address(marker) and found.get("local") == _address(local)


def _id_or_zero(name):
    return 0 if name is None else _address(name)


def _error_text(error):
    """``Type: message`` of an exception, read without calling the exception's own methods."""
    name = safe.qualified_type_name(type(error)).rsplit(".", 1)[-1]
    args = safe.exception_args(error)
    if args and type(args[0]) is str:
        return name + ": " + args[0][:200]
    return name


def local_names(code):
    """Names of a code object's local slots in the order the interpreter stores them."""
    varnames = code.co_varnames
    cellvars = code.co_cellvars
    freevars = code.co_freevars
    if VERSION < (3, 11):
        return varnames + cellvars + freevars
    return varnames + tuple(c for c in cellvars if c not in varnames) + freevars
