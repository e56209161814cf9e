"""The snapshot's string table: names and labels are stored once per chunk and referred to by index.

Indices are global (entry 0 is ``""``), but the table is written as it grows: ``flush`` writes the
entries added since the last flush as one ``strings`` section and forgets them, so that the agent
holds no text of the heap from one chunk of the walk to the next (a str held across chunks would
add to a reference count read later).  A text used again after a flush gets a new index: the
reader merges equal texts.
"""
from itertools import compress, count, filterfalse, repeat

from . import bulk
from .bytemasks import merge

_NAME = "strings"
_STR = bulk.address_of(str)


class StringTable:
    def __init__(self, kernel=None):
        self._index = {"": 0}
        self._fresh = [""]
        self._first = 0  # global index of self._fresh[0]
        # The native kernel's string_indices, or empty: texts to indices in one pass, with the
        # table left exactly as the Python below leaves it.  A list, never None: a None held here
        # would add to None's count, read while the table exists.
        native = getattr(kernel, "string_indices", None)
        self._native = [native] if native is not None else []
        del native

    def __len__(self):
        return self._first + len(self._fresh)

    def add(self, text):
        """Index of ``text`` (an exact ``str``), adding it on first use since the last flush."""
        index = self._index.get(text)
        if index is None:
            index = self._first + len(self._fresh)
            self._fresh.append(text)
            self._index[text] = index
        return index

    def add_all(self, texts):
        """Indices of ``texts`` (a list of exact ``str``), adding the new ones in order of first
        use: ``list(map(self.add, texts))`` without a Python call per text."""
        found = self._natively(texts)
        if found is not None:
            return found
        index = self._index
        # dict.fromkeys keeps first-use order and drops repeats; filterfalse skips known texts.
        fresh = dict.fromkeys(filterfalse(index.__contains__, texts))
        if fresh:
            index.update(zip(fresh, count(self._first + len(self._fresh))))
            self._fresh.extend(fresh)
        return list(map(index.__getitem__, texts))

    def indices_of(self, texts):
        """Indices of ``texts`` (a list): an exact ``str``'s as ``add_all`` gives it, 0 for
        anything else."""
        found = self._natively(texts)
        if found is not None:
            return found
        named = bytes(map(_STR.__eq__, bulk.addresses(list(map(type, texts)))))
        return list(merge(named, [repeat(0), iter(self.add_all(list(compress(texts, named))))]))

    def _natively(self, texts):
        """The native kernel's string_indices of ``texts`` (an exact str's index, 0 for anything
        else), or None where there is none or it leaves them to Python."""
        return self._native[0](texts, self) if self._native else None

    def append_all(self, texts):
        """Indices of ``texts`` (a list of exact ``str``) appended as they are, repeats included:
        for names that are mostly distinct (the texts of distinct atoms), where looking each up
        costs more than the few repeats it saves (the reader merges equal texts)."""
        first = self._first + len(self._fresh)
        self._fresh.extend(texts)
        return range(first, first + len(texts))

    def flush(self, writer):
        """Write the entries added since the last flush (one ``strings`` section) and forget
        every text."""
        if not self._fresh:
            return
        writer.json(_NAME, self._fresh)
        self._first += len(self._fresh)
        self._fresh = []
        self._index = {"": 0}
