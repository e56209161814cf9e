"""Random access to large binary files through mmap."""
import mmap
import os
import struct

HEADER = struct.Struct("<4sI")


class FormatError(ValueError):
    pass


class RecordFile:
    def __init__(self, path):
        self._fh = open(path, "rb")
        self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
        magic, self.count = HEADER.unpack_from(self._map, 0)
        if magic != b"RECF":
            self.close()
            raise FormatError(path)

    def record(self, i, size=16):
        start = HEADER.size + i * size
        return self._map[start : start + size]

    def close(self):
        self._map.close()
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CachedRecordFile(RecordFile):
    def __init__(self, path):
        super().__init__(path)
        self._cache = {}
        self.reader = self.record  # expect: HI008

    def record(self, i, size=16):
        if i not in self._cache:
            self._cache[i] = super().record(i, size)
        return self._cache[i]


class SizedFile:  # expect: HI010
    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)

    def close(self):
        self.size = 0

    def __len__(self):
        return self.size


def checksum(path):
    with RecordFile(path) as rf:
        return sum(sum(rf.record(i)) for i in range(rf.count))
