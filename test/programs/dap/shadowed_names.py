"""Frames whose locals shadow built-in names, for "Inspect in Heap Graph" (the address of a
variable, asked through DAP evaluate in the paused frame).

- Handler.get(self, id): a parameter named `id`, as in countless web handlers.
- Handler.lookup(self, id): a local `id` that is a function giving a wrong number.
- rebind_builtins(): a local named `__builtins__` (an empty dict).

Each records, with the real builtins, the address of the object its `item` names (ADDRESSES), and
stops at its marked line with `item` alive.
"""
import builtins

ADDRESSES = {}


class Item:
    def __init__(self, name):
        self.name = name


class Handler:
    def __init__(self):
        self.store = {"k": Item("stored")}

    def get(self, id):
        item = self.store["k"]
        ADDRESSES["get"] = hex(builtins.id(item))
        return item, id  # @get

    def lookup(self, key):
        id = lambda value: 7  # noqa: E731, A001 - the user's own `id`
        item = Item(key)
        ADDRESSES["lookup"] = hex(builtins.id(item))
        return item, id(item)  # @lookup


def rebind_builtins():
    __builtins__ = {}  # noqa: F841 - a local with the name eval() looks up first
    item = [Item("listed")]
    ADDRESSES["rebind"] = hex(builtins.id(item))
    return item  # @rebind


handler = Handler()
handler.get(42)
handler.lookup("looked up")
rebind_builtins()
