"""The snapshot's string table: every name and label is stored once and referred to by index."""
from itertools import count, filterfalse


class StringTable:
    def __init__(self):
        self.strings = [""]
        self._index = {"": 0}

    def add(self, text):
        """Index of ``text`` (an exact ``str``), adding it on first use."""
        index = self._index.get(text)
        if index is None:
            index = len(self.strings)
            self.strings.append(text)
            self._index[text] = index
        return index

    def add_all(self, texts):
        """Indices of ``texts`` (a list of exact ``str``), adding the new ones in order of first
        use: ``list(map(self.add, texts))`` without a Python call per text."""
        index = self._index
        # dict.fromkeys keeps first-use order and drops repeats; filterfalse skips known texts.
        fresh = dict.fromkeys(filterfalse(index.__contains__, texts))
        if fresh:
            index.update(zip(fresh, count(len(self.strings))))
            self.strings.extend(fresh)
        return list(map(index.__getitem__, texts))
