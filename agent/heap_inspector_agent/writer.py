"""Writes the snapshot container (docs/snapshot-format.md) to a file, column chunk by column chunk.

A regular file (or a new one) is written under a temporary name beside it, created exclusively
(a link planted under that name cannot redirect the write), and renamed into place only when
complete: a reader never sees half a snapshot, a failed capture leaves nothing behind, and an
existing snapshot stays until a new one replaces it.  Through a symbolic link the file it points
to is replaced.  A character device or a FIFO is written in place (it stays what it is; a FIFO
must have a reader already: the program is never left waiting for one).  Anything else (a
folder, a block device, a socket) is refused.

Format 2 streams: a column is written as chunks (sections of the same name, concatenated by the
reader in file order) while the heap is walked.  Chunks are kept in memory up to a budget and
then compressed and written together (``flush``).  Compressing and writing give up the GIL, so a
flush runs inside the caller's ``io_turn`` (otherthreads.py lowers the switch interval to the
program's own meanwhile): other threads get a normal turn at each flush, never a long one.
"""
import array
import os
import sys
import zlib
from itertools import compress, count, repeat

from . import bulk

MAGIC = b"PYHEAPSN"
FORMAT_VERSION = 2

U8 = 1
I32 = 2
U32 = 3
F64 = 4
JSON = 5
U64 = 6

RAW = 0
ZLIB = 1
ZLIB_PLANES = 2  # zlib of the elements' byte planes: every first byte, then every second byte…

_TYPECODES = {U8: "B", I32: "i", U32: "I", F64: "d", U64: "Q"}
_SIZES = {U8: 1, I32: 4, U32: 4, F64: 8, U64: 8}
# Columns smaller than this are stored raw (compressing them gains nothing worth a header).
_SMALL = 256
# Columns stored as byte planes: addresses (their high bytes barely change) and string indices
# (mostly increasing).  Counts, sizes and small numbers compress as well, and faster, as they are.
PLANE_COLUMNS = frozenset(
    (
        "node.address",
        "edge.target",
        "node.name",
        "dict.key",
        "label.name",
        "weakref.address",
        "weakref.referent",
        "weakref.callback",
        "root.address",
        "root.frame",
        "closure.address",
        "excluded.address",
        "held.address",
    )
)
# Bytes of pending chunks that trigger a flush: memory held by the writer stays about this.
FLUSH_BYTES = 8 << 20


# File types, from the st_mode bits (no ``stat`` import needed for five constants).
_S_IFMT = 0o170000
_IN_PLACE = {0o020000: "character device", 0o010000: "FIFO"}
_REFUSED = {0o040000: "folder", 0o060000: "block device", 0o140000: "socket"}
_REGULAR = 0o100000


def _open_target(path):
    """(file object, temporary path or None, final path) for writing a snapshot to ``path``."""
    try:
        kind = os.stat(path).st_mode & _S_IFMT
    except FileNotFoundError:
        kind = None
    if kind in _IN_PLACE:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO: a FIFO nobody reads
        os.set_blocking(fd, True)
        return os.fdopen(fd, "wb"), None, path
    if kind is not None and kind != _REGULAR:
        raise OSError("%s is a %s; give a file name" % (path, _REFUSED.get(kind, "special file")))
    target = os.path.realpath(path) if kind == _REGULAR else path
    for attempt in range(100):
        temporary = "%s.partial-%d%s" % (target, os.getpid(), "-%d" % attempt if attempt else "")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        return os.fdopen(fd, "wb"), temporary, target
    raise OSError("cannot create a temporary file beside %s" % target)


def _no_turn(work):
    return work()


def _compress_planes(raw, size, level):
    """zlib of the byte planes of ``raw`` (elements of ``size`` bytes): every element's first
    byte, then every second byte…  Addresses have planes that are nearly constant, which zlib
    then stores in almost nothing.  The planes are fed to one stream, never joined."""
    compressor = zlib.compressobj(level)
    parts = [compressor.compress(raw[byte::size]) for byte in range(size)]
    parts.append(compressor.flush())
    return b"".join(parts)


def _compressed(raw, fields, level):
    """A section's stored bytes, as ``_write_sections`` compresses it in line."""
    if fields[1] == ZLIB:
        return zlib.compress(raw, level)
    return _compress_planes(raw, _SIZES[fields[0]], level)


def _half_by_bytes(pending):
    """Where to split ``pending`` (at least two sections) into two non-empty parts of about
    equal raw size."""
    total = sum(len(raw) for _name, _fields, raw in pending)
    reached = 0
    for index, (_name, _fields, raw) in enumerate(pending):
        reached += len(raw)
        if 2 * reached >= total:
            return min(index + 1, len(pending) - 1)
    return len(pending) - 1


class SnapshotWriter:
    """``column`` and ``json`` add sections; ``flush`` writes what is pending; ``close`` ends the
    file.  ``io_turn(work)``: runs ``work()`` (compressing and writing) and returns its result;
    the capture passes one that gives other threads a normal turn meanwhile."""

    def __init__(self, path, compress_level=1, io_turn=None):
        self.path = path
        self._file, self._temporary, self._target = _open_target(path)
        self._level = compress_level
        # Sections handed on (written, or being compressed beside the walk) and bytes written: in
        # an array, not as ints.  The walk reads reference counts while sections are in flight,
        # and a small int held here would add to its own count, differently with compression in
        # line and beside the walk.
        self._tally = array.array("q", (0, 0))
        # (name, header fields, stored-to-be bytes): bytes only, no ints (a small int held here
        # would add to its own count, read while sections are pending).
        self._pending = []
        self._pending_bytes = 0
        self._io_turn = io_turn or _no_turn
        # Compression beside the walk: [deflate_start, deflate_finish] of the native kernel, or
        # empty; and the batch being compressed, [(sections, job, finish)] or empty, written at
        # the next flush.  Lists, never None: a None held here would add to None's count, which
        # the snapshot records, and differently with and without the native kernel.
        self._beside = []
        self._in_flight = []
        # The native kernel's json_strings, or empty: a string table chunk's JSON in one pass.
        self._json_strings = []
        self._write(MAGIC + FORMAT_VERSION.to_bytes(4, "little"))

    @property
    def bytes_written(self):
        return self._tally[1]

    def set_io_turn(self, io_turn):
        self._io_turn = io_turn or _no_turn

    def compress_beside(self, start, finish):
        """Compress each flushed batch on another thread (``start(sections, planes, level)``
        returns a job, ``finish(job)`` the compressed sections): a batch is written at the next
        flush, while the walk reads the following chunks meanwhile.  The file is the same."""
        self._beside[:] = [start, finish]

    def column(self, name, dtype, values):
        """One chunk of a column: an array.array (or any sequence of numbers).  An array whose
        items have the column's width is written as it is (signed or not: the values the agent
        writes are never negative)."""
        size = _SIZES[dtype]
        if not isinstance(values, array.array) or values.itemsize != size or values.typecode in "fd":
            if dtype != F64 and isinstance(values, array.array) and values.typecode in "fd":
                raise TypeError("column %s: floating-point values" % name)
            values = array.array(_TYPECODES[dtype], values)
        if sys.byteorder != "little":
            values = array.array(values.typecode, values)
            values.byteswap()
        self.raw_column(name, dtype, len(values), values.tobytes())

    def raw_column(self, name, dtype, count, raw):
        """A chunk given as little-endian bytes (``count`` elements).  Compressed when written
        (``flush``): byte planes are taken there too."""
        size = _SIZES[dtype]
        if len(raw) <= _SMALL:
            encoding = RAW
        elif size > 1 and name in PLANE_COLUMNS:
            encoding = ZLIB_PLANES
        else:
            encoding = ZLIB
        self._add(name, dtype, count, raw, encoding)

    def encode_strings_with(self, json_strings):
        """Encode lists of str with ``json_strings(texts)`` (bytes, or None: then as before)."""
        self._json_strings[:] = [json_strings]

    def json(self, name, value):
        data = None
        if self._json_strings and type(value) is list and value:
            data = self._json_strings[0](value)
        if data is None:
            data = encode_json(value).encode("utf-8")
        self._add(name, JSON, len(data), data, ZLIB if len(data) > _SMALL else RAW)

    def _add(self, name, dtype, count, raw, encoding):
        if not count and dtype != JSON:
            return  # an empty chunk adds nothing (the reader takes an absent column as empty)
        fields = bytes((dtype, encoding)) + count.to_bytes(8, "little")
        self._pending.append((name.encode("ascii"), fields, raw))
        self._pending_bytes += len(raw)

    def flush_if_full(self):
        """``flush`` once the pending sections reach ``FLUSH_BYTES``.  The walk calls it between
        chunks only: within a chunk the GIL is never given up, so no other thread can change an
        object between two reads of it."""
        if self._pending_bytes >= FLUSH_BYTES:
            self.flush()

    def flush(self):
        """Compress and write every pending section (inside ``io_turn``).  Compressing beside
        the walk: start compressing them, and write the batch started at the previous flush."""
        if not self._pending and not self._in_flight:
            return
        pending = self._pending
        self._pending = []
        self._pending_bytes = 0
        self._tally[0] += len(pending)
        # The batch compressed meanwhile is written first (in file order); it is mostly done by
        # now, having had the walk of a whole batch of chunks to compress in.
        if self._in_flight:
            previous = self._in_flight.pop()
            self._io_turn(lambda: self._write_sections(*previous))
            del previous
        if pending and self._beside:
            self._start(pending)
        elif pending:
            self._io_turn(lambda: self._write_sections(pending, None, None))

    def _start(self, pending):
        """Start compressing ``pending`` beside the walk; when no thread can be had, compress
        and write it in line now (and every batch after it)."""
        start, finish = self._beside
        sections = []
        planes = bytearray()
        for _name, fields, raw in pending:
            if fields[1] != RAW:
                sections.append(raw)
                planes.append(_SIZES[fields[0]] if fields[1] == ZLIB_PLANES else 0)
        try:
            self._in_flight.append((pending, start(sections, bytes(planes), self._level), finish))
        except (OSError, MemoryError):
            del self._beside[:]
            self._io_turn(lambda: self._write_sections(pending, None, None))

    def _write_sections(self, pending, job, finish, done=None):
        """Write ``pending``: compressed by ``job`` (beside the walk), given already compressed
        (``done``: an iterator over the sections that are not RAW), or compressed here."""
        level = self._level
        if job is not None:
            done = iter(finish(job))
        for name, fields, raw in pending:
            if fields[1] == RAW:
                stored = raw
            elif done is not None:
                stored = next(done)
            else:
                stored = _compressed(raw, fields, level)
            header = bytearray()
            header += len(name).to_bytes(2, "little") + name
            header += fields[:2]
            header += (zlib.crc32(stored) & 0xFFFFFFFF).to_bytes(4, "little")
            header += fields[2:] + len(stored).to_bytes(8, "little")
            self._write(bytes(header))
            self._write(stored)
        del pending[:]

    def _write(self, data):
        self._file.write(data)
        self._tally[1] += len(data)

    def close(self):
        self.json("end", {"sections": self._tally[0] + len(self._pending) + 1})
        pending = self._pending
        if self._beside and len(pending) > 1:
            # The last batch on both cores: its first half beside (flush writes the batch in
            # flight, then starts that), its second half compressed here meanwhile, then both
            # written in order.  The same bytes as compressing it all in line.
            half = _half_by_bytes(pending)
            rest = pending[half:]
            self._pending = pending[:half]
            del pending
            self.flush()
            del self._beside[:]
            level = self._level
            compressed = self._io_turn(
                lambda: [_compressed(raw, fields, level) for _name, fields, raw in rest if fields[1] != RAW]
            )
            self.flush()  # nothing pending: writes the first half, compressed on its thread
            self._tally[0] += len(rest)
            self._io_turn(lambda: self._write_sections(rest, None, None, iter(compressed)))
            del rest, compressed
        else:
            # What is left is written in line, after the batch being compressed (flush writes
            # that first).
            del pending
            del self._beside[:]
            self.flush()

        def finish():
            self._file.close()
            if self._temporary is not None:
                os.replace(self._temporary, self._target)

        self._io_turn(finish)

    def abort(self):
        self._pending = []
        # A batch being compressed: its thread is joined when the job is dropped.
        del self._in_flight[:]
        try:
            self._file.close()
        finally:
            if self._temporary is not None:
                try:
                    os.unlink(self._temporary)
                except OSError:
                    pass


def encode_json(value):
    """Minimal JSON encoder for the agent's own data (dicts with str keys, lists, tuples, str,
    int, float, bool, None).  The stdlib ``json`` package would import ``re`` and more into the
    process being measured."""
    if type(value) is list and value and _all_str(value):
        return _encode_str_list(value)
    parts = []
    _encode(value, parts.append)
    return "".join(parts)


def _all_str(items):
    types = list(map(type, items))
    return bulk.addresses(types).count(bulk.address_of(str)) == len(types)


def _encode_str_list(items):
    """A list of str (a chunk of the string table) in a few C-level passes; the same text as
    encoding item by item.  Most texts need no escape: checked on all of them at once."""
    joined = "".join(items)
    try:
        # Deleting the bytes that need no escape leaves those that do.
        plain = not joined.encode("utf-8").translate(None, _PLAIN_BYTES) and not _has_line_separators(joined)
    except UnicodeEncodeError:  # a lone surrogate somewhere: escape item by item
        return "[" + ",".join(map(_encode_str, items)) + "]"
    if plain:
        return '["' + '","'.join(items) + '"]'
    if _has_line_separators(joined):
        return '["' + '","'.join(map(str.translate, items, repeat(_ESCAPES))) + '"]'
    # Escaped only where needed (translating by a table is slow per character): the texts whose
    # UTF-8 bytes are not all plain.
    escape = list(map(len, map(bytes.translate, map(str.encode, items), repeat(None), repeat(_PLAIN_BYTES))))
    texts = list(items)
    for position in compress(count(), escape):
        texts[position] = str.translate(texts[position], _ESCAPES)
    return '["' + '","'.join(texts) + '"]'


def _has_line_separators(text):
    return "\u2028" in text or "\u2029" in text


# Bytes that JSON strings hold as they are: all but control characters, the quote and backslash.
_PLAIN_BYTES = bytes(b for b in range(256) if b >= 0x20 and b not in (0x22, 0x5C))


_ESCAPES = {i: "\\u%04x" % i for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def _encode_str(text):
    # Lone surrogates (possible in Python strings) cannot be encoded as UTF-8: escape them.
    escaped = text.translate(_ESCAPES)
    try:
        escaped.encode("utf-8")
    except UnicodeEncodeError:
        escaped = "".join(c if not 0xD800 <= ord(c) <= 0xDFFF else "\\u%04x" % ord(c) for c in escaped)
    return '"' + escaped + '"'


def _encode(value, emit):
    t = type(value)
    if t is str:
        emit(_encode_str(value))
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif t is int:
        emit(int.__repr__(value))
    elif t is float:
        emit(float.__repr__(value) if value == value and value not in (float("inf"), float("-inf")) else "null")
    elif t is dict:
        emit("{")
        first = True
        for key, item in value.items():
            if not first:
                emit(",")
            first = False
            emit(_encode_str(key))
            emit(":")
            _encode(item, emit)
        emit("}")
    elif t is list or t is tuple:
        emit("[")
        first = True
        for item in value:
            if not first:
                emit(",")
            first = False
            _encode(item, emit)
        emit("]")
    else:
        raise TypeError("cannot encode %s" % t.__name__)
