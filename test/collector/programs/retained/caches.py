"""Caches as programs keep them: a dict of tuples (tuples of atoms the collector may untrack), an
lru_cache full of results, a weak index whose values live elsewhere, and a memo of lists."""
import functools
import weakref


class Record:
    def __init__(self, key, payload):
        self.key = key
        self.payload = payload
        self.tags = ["r%d" % key, "t%d" % (key % 7)]


@functools.lru_cache(maxsize=None)
def lookup(key):
    return {"key": key, "square": [key, key * key], "name": "k%d" % key}


records = [Record(i, {"size": i, "parts": [i, i + 1]}) for i in range(1500)]
cache = {("k", i): (i, str(i), float(i)) for i in range(3000)}
for i in range(2500):
    lookup(i)
weak_index = weakref.WeakValueDictionary((r.key, r) for r in records)
memo = {}
for i in range(2000):
    memo["m%d" % i] = [records[i % 1500].key, [i] * 3, {"i": i}]

# Some garbage the collector will free: it must not count as retained by anything.
for i in range(50):
    a = [i]
    a.append(a)
del a

# check: records cache lookup weak_index memo
print("ready")  # heap-inspector: capture
