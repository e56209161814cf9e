"""Trees with parent pointers (every node in a cycle with its parent), a doubly linked ring, an
index that shares the tree's nodes, and a deep chain, as programs build them."""


class Node:
    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


class Link:
    __slots__ = ("value", "prev", "next")

    def __init__(self, value):
        self.value = value
        self.prev = self.next = self


def build(depth, fanout, parent, prefix):
    if depth == 0:
        return
    for k in range(fanout):
        child = Node("%s.%d" % (prefix, k), parent)
        build(depth - 1, fanout, child, child.name)


tree = Node("root")
build(6, 4, tree, "root")
by_name = {}
stack = [tree]
while stack:
    node = stack.pop()
    if node.name.count(".") == 2:
        by_name[node.name] = node  # shares part of the tree with `tree`
    stack.extend(node.children)
del stack, node

# A forest nothing else refers to: deleting it frees every node, cycles and all.
forest = []
for t in range(40):
    root = Node("f%d" % t)
    build(3, 4, root, root.name)
    forest.append(root)
del root

ring = Link(0)
for i in range(1, 3000):
    link = Link([i, -i])
    link.prev, link.next = ring.prev, ring
    ring.prev.next = link
    ring.prev = link
del link

chain = None
for i in range(20000):
    chain = [chain, {"i": i}]

# check: tree by_name forest ring chain
print("ready")  # heap-inspector: capture
