"""Objects shared between two globals: neither retains what both reach; an object bound to two
names is retained by neither name; a registry of lists of instances."""


class Item:
    def __init__(self, n):
        self.n = n
        self.data = [n] * 4
        self.meta = {"n": n}


common = [Item(i) for i in range(1000)]
left = {"own": [Item(i) for i in range(1200)], "common": common}
right = [[Item(i) for i in range(900)], common]
del common

registry = {"users": [Item(i) for i in range(1500)], "admins": [Item(i) for i in range(100)]}
everyone = registry["users"]  # the same list under two names

groups = [{"members": [Item(g * 10 + k) for k in range(10)], "name": "g%d" % g} for g in range(150)]
for g in range(149):
    groups[g]["next"] = groups[g + 1]  # a chain of groups, each a step of the other's tail

# check: left right registry everyone groups
print("ready")  # heap-inspector: capture
