"""A doubly linked list dropped by its owner.

`Owner.reset()` replaces its list with a fresh one.  The old DoublyLinkedList object is referenced
only by the owner, so dropping it frees it at once by reference counting: its __del__ ("list
dropped") runs inside reset(), before the capture line.  Its five nodes, however, reference each
other through prev/next (node i.next is node i+1, node i+1.prev is node i), so every node keeps a
positive reference count: they are the cycle garbage the collector finds.

Expected (generation 2): collected {"__main__.ListNode": 5}, five finalizers; FINALIZED already
holds "list dropped" before the capture and gains "node 0".."node 4" during it.  The owner and
its new empty list are reachable from the module global `owner` and are not reported.
"""
import gc

FINALIZED = []


class ListNode:
    def __init__(self, value):
        self.value = value
        self.prev = None
        self.next = None

    def __del__(self):
        FINALIZED.append("node %d" % self.value)


class DoublyLinkedList:
    def __init__(self):
        self.head = None
        self.tail = None
        self.size = 0

    def append(self, value):
        node = ListNode(value)
        if self.tail is None:
            self.head = self.tail = node
        else:
            node.prev = self.tail
            self.tail.next = node
            self.tail = node
        self.size += 1

    def __del__(self):
        FINALIZED.append("list dropped")


class Owner:
    def __init__(self):
        self.items = DoublyLinkedList()

    def reset(self):
        self.items = DoublyLinkedList()


gc.collect()  # start from a heap without import-time garbage

owner = Owner()
for v in range(5):
    owner.items.append(v)
owner.reset()
pass  # @capture
print("owner keeps", owner.items.size, "items;", FINALIZED[0])
