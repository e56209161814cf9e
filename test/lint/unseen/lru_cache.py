"""An LRU cache with optional weak values and an eviction hook."""
import collections
import threading
import weakref


class LRUCache:
    def __init__(self, capacity=128, on_evict=None):
        self.capacity = capacity
        self._data = collections.OrderedDict()
        self._lock = threading.RLock()
        self._on_evict = on_evict or self._default_evict  # expect: HI008
        self.hits = 0
        self.misses = 0

    def _default_evict(self, key, value):
        pass

    def get(self, key, default=None):
        with self._lock:  # ok: HI003
            try:
                value = self._data.pop(key)
            except KeyError:
                self.misses += 1
                return default
            self._data[key] = value
            self.hits += 1
            return value

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                old_key, old_value = self._data.popitem(last=False)
                self._on_evict(old_key, old_value)

    def clear(self):
        with self._lock:
            self._data.clear()


class WeakValueCache:
    """Values vanish when nobody else holds them."""

    def __init__(self):
        self._refs = weakref.WeakValueDictionary()
        self._self_ref = weakref.ref(self)  # ok: HI008

    def get_or_create(self, key, factory):
        value = self._refs.get(key)
        if value is None:
            value = factory()
            self._refs[key] = value
        return value

    def __len__(self):
        return len(self._refs)


class CacheStats:
    def __init__(self, cache):
        self._cache = cache
        self.snapshot = dict(hits=cache.hits, misses=cache.misses)

    def ratio(self):
        total = self.snapshot["hits"] + self.snapshot["misses"]
        return self.snapshot["hits"] / total if total else 0.0
