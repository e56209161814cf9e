"""A doubly linked list dropped by its owner: every node stays until the collector runs.

Playlist keeps its tracks in a doubly linked list (node.prev <-> node.next).  Playlist.clear()
just replaces the list: the old DoublyLinkedList object dies at once (only the playlist referenced
it), but its nodes reference each other, so none of their reference counts reaches zero.  All
1,000 nodes -- and whatever they hold (here, each track's metadata dict) -- stay in memory until
the cyclic collector runs.  In a long-running service that rebuilds such lists, memory grows in
steps between collections, and a program that disables gc leaks them for good.

Capture at the "Inspect here" line: the 1,000 _Node objects are unreachable; the playlist and its
new, empty list are reachable.  The nodes' metadata dicts hold only strings and ints, so they are
not even tracked by the collector (they are not in its list), yet they die with the nodes.

The fix: break the links when clearing (walk the list and set prev/next to None), or make the
back pointers weak (`weakref.ref(prev)`, as collections.OrderedDict does with its `prev` links), so
that the nodes form a chain, not cycles, and reference counting frees them immediately.
"""
import gc
import weakref


class _Node:
    __slots__ = ("value", "prev", "next", "__weakref__")

    def __init__(self, value):
        self.value = value
        self.prev = None
        self.next = None


class DoublyLinkedList:
    def __init__(self):
        self.head = self.tail = None
        self.size = 0

    def append(self, value):
        node = _Node(value)
        if self.tail is None:
            self.head = self.tail = node
        else:
            node.prev = self.tail
            self.tail.next = node
            self.tail = node
        self.size += 1
        return node


class Playlist:
    def __init__(self):
        self.tracks = DoublyLinkedList()

    def add(self, title):
        return self.tracks.append({"title": title, "plays": 0})

    def clear(self):
        self.tracks = DoublyLinkedList()  # the old nodes still point at each other


playlist = Playlist()
alive = weakref.WeakSet(playlist.add("track %d" % i) for i in range(1000))
gc.collect()  # start clean: the playlist is live, nothing is garbage
playlist.clear()
left = len(alive)  # Inspect here: 1,000 nodes are garbage, kept only by their own links
gc.collect()
print("nodes alive after clear(): %d, after gc.collect(): %d" % (left, len(alive)))
