"""Weak caches and weak references at collection time.

fill() makes five objects, each in a self-cycle (`x.loop = x`), so only the collector can free them:
- "cached": an Item held only by the WeakValueDictionary `cache` -> garbage.  Its KeyedRef lives
  in cache.data (reachable), so its callback (the dictionary's `remove`) runs and the entry goes.
- "pinned": an Item in `cache` AND in the ordinary dict `strong` -> reachable, kept: this is what a
  strong cache does to every entry.
- Key "k": the key of WeakKeyDictionary `meta` -> garbage; the weakref in meta.data is reachable,
  its callback removes the entry.
- "watched": an Item watched by the module global `watcher = weakref.ref(t, on_collected)`: the
  weakref is reachable, so its callback runs ("callback: referent died").
- "self-watched": an Item holding `g.ref = weakref.ref(g, lambda r: ...)`.  The weakref and its
  callback (the lambda) are part of the garbage themselves: the weakref is cleared, its callback
  is NOT called, and both die.

Weak references are not edges for the collector, so none of the weak containers keeps anything
alive.  Callbacks run before finalizers.

Expected (generation 2): collected {"__main__.Item": 3, "__main__.Key": 1, "builtins.function": 1,
"weakref.ReferenceType": 1}; finalizers {"__main__.Item": 3, "__main__.Key": 1}; FINALIZED gains
"callback: referent died" first, then "item cached", "key k", "item watched", "item self-watched"
(collector order), and never "never called".  Afterwards len(cache) == 1 and len(meta) == 0.
gc.collect() returns 8: the 6 cleared objects plus the two weakrefs (the cache's KeyedRef and
meta's key ref) that their own callbacks removed from the dictionaries and so freed -- the
collector counts those too; `watcher` survives (a module global).
"""
import gc
import weakref

FINALIZED = []


class Item:
    def __init__(self, name):
        self.name = name
        self.loop = self

    def __del__(self):
        FINALIZED.append("item " + self.name)


class Key:
    def __init__(self, name):
        self.name = name
        self.loop = self

    def __del__(self):
        FINALIZED.append("key " + self.name)


cache = weakref.WeakValueDictionary()
strong = {}
meta = weakref.WeakKeyDictionary()
watcher = None


def on_collected(ref):
    FINALIZED.append("callback: referent died")


def fill():
    global watcher
    cache["cached"] = Item("cached")
    pinned = Item("pinned")
    cache["pinned"] = pinned
    strong["pinned"] = pinned
    meta[Key("k")] = "metadata"
    watcher = weakref.ref(Item("watched"), on_collected)
    g = Item("self-watched")
    g.ref = weakref.ref(g, lambda r: FINALIZED.append("never called"))


gc.collect()  # start from a heap without import-time garbage

fill()
pass  # @capture
print("cache keys:", sorted(cache.keys()), "meta entries:", len(meta))
