"""An application's module globals, the way real programs hold them. Every instance refers to its
class, the class to its methods, each method to this module's globals, and the globals to the
registry and the caches: nearly every object here is in one reference cycle through the module.
Deleting a global still frees at once what only it holds (its reference count reaches 0), except
what a cycle of its own keeps (the tree's parent pointers) and what something else also holds
(the handlers' bound methods hold some sessions). Deleting the records also removes their
entries from the weak index (its callbacks run as each record is freed)."""


import weakref


class Record:
    def __init__(self, rid):
        self.rid = rid
        self.fields = [rid, "x"]


class Session:
    def __init__(self, user, sid):
        self.user = user
        self.sid = sid
        self.history = [[sid, e] for e in range(3)]

    def close(self):
        registry["closed"].append(self.sid)


class Node:
    def __init__(self, parent=None):
        self.parent = parent
        self.children = []


def make_tree(width):
    root = Node()
    for _ in range(width):
        child = Node(root)
        child.children.append(Node(child))
        root.children.append(child)
    return root


class Cache:
    def __init__(self):
        self.entries = {}

    def put(self, key, value):
        self.entries[key] = value


registry = {"users": [Session("user%d" % i, i) for i in range(300)], "closed": []}
handlers = [s.close for s in registry["users"][:40]]
cache = Cache()
for i in range(150):
    cache.put("k%d" % i, [i, {"v": [i]}])
holder = {"tree": make_tree(5), "stats": [1, 2, 3], "log": [[n] for n in range(20)]}
sessions_by_id = {s.sid: s for s in registry["users"][200:]}
records = [Record(i) for i in range(60)]
index = weakref.WeakValueDictionary()
for r in records:
    index[r.rid] = r
del r

# check: registry handlers cache holder sessions_by_id records
print("ready")  # heap-inspector: capture
