"""An LRU cache with an intrusive doubly linked list: an evicted entry is marked detached by
pointing at itself, so every eviction leaves a small cycle for the collector."""
import gc


class Entry:
    __slots__ = ("key", "value", "prev", "next", "owner")

    def __init__(self, key, value, owner):
        self.key = key
        self.value = value
        self.prev = None
        self.next = None
        self.owner = owner


class LRUCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.map = {}
        self.head = Entry(None, None, self)
        self.tail = Entry(None, None, self)
        self.head.next = self.tail
        self.tail.prev = self.head

    def _unlink(self, entry):
        entry.prev.next = entry.next
        entry.next.prev = entry.prev

    def _push_front(self, entry):
        entry.next = self.head.next
        entry.prev = self.head
        self.head.next.prev = entry
        self.head.next = entry

    def get(self, key):
        entry = self.map.get(key)
        if entry is None:
            return None
        self._unlink(entry)
        self._push_front(entry)
        return entry.value

    def put(self, key, value):
        entry = self.map.get(key)
        if entry is not None:
            entry.value = value
            self._unlink(entry)
            self._push_front(entry)
            return
        entry = Entry(key, value, self)
        self.map[key] = entry
        self._push_front(entry)
        if len(self.map) > self.capacity:
            victim = self.tail.prev
            self._unlink(victim)
            victim.prev = victim.next = victim  # "detached", as intrusive lists mark it: a cycle
            del self.map[victim.key]


cache = LRUCache(64)
hits = 0
for step in range(6000):
    key = (step * 7919) % 211
    if cache.get(key) is not None:
        hits += 1
    else:
        cache.put(key, [key] * 3)
print("hits", hits)
gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
