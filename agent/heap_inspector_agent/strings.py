"""The snapshot's string table: every name and label is stored once and referred to by index."""


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
