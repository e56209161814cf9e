"""A cache with WeakValueDictionary, and what a plain dict would keep.

ImageCache memoises Image objects by name.  With a plain dict the cache owns every image it ever
loaded: nothing it holds can ever be freed, whether the program still uses the image or not.  With
weakref.WeakValueDictionary the cache only *finds* images the program still holds; an entry goes
away when its image dies.

The catch: "when its image dies" is immediate only without cycles.  Each Image here references its
Thumbnail and the Thumbnail references its Image back, so a dropped image dies only when the cyclic
collector runs -- until then the weak cache still returns it.

Capture at the "Inspect here" line: the four images the program no longer uses and their four
thumbnails are unreachable (8 objects; their pixel bytearrays are not tracked by the collector,
they die with them); the weak cache still lists them.  The images held by the strong cache and the
one still in use are reachable.

The fix: use WeakValueDictionary (or functools.lru_cache with a bound) for caches of big objects,
and avoid back-references (make Thumbnail.image a weakref) so that dropped values go away at once.
"""
import gc
import weakref


class Thumbnail:
    def __init__(self, image):
        self.image = image  # back-reference: Image <-> Thumbnail is a cycle


class Image:
    def __init__(self, name):
        self.name = name
        self.pixels = bytearray(100_000)
        self.thumbnail = Thumbnail(self)


class ImageCache:
    def __init__(self, weak):
        self._store = weakref.WeakValueDictionary() if weak else {}

    def load(self, name):
        image = self._store.get(name)
        if image is None:
            image = self._store[name] = Image(name)
        return image

    def __len__(self):
        return len(self._store)


names = ["logo.png", "banner.png", "avatar.png", "icon.png", "footer.png"]
strong_cache = ImageCache(weak=False)
weak_cache = ImageCache(weak=True)
for name in names:
    strong_cache.load(name)
    weak_cache.load(name)
in_use = weak_cache.load("logo.png")  # the program keeps using one image

before = len(weak_cache)  # Inspect here: 4 Images + 4 Thumbnails from the weak cache are garbage
gc.collect()
print("strong cache keeps %d images; weak cache: %d before collection, %d after"
      % (len(strong_cache), before, len(weak_cache)))
