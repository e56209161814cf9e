"""A dynamic class in a cycle, and a closure that references itself through its cell.

make_dynamic() builds `Dyn = type("Dyn", (), {...})` and an instance with `inst.me = inst`, then
returns: neither is referenced from outside any more.  A class is always a cycle on its own: its
__dict__ holds the `__dict__` and `__weakref__` getset descriptors (each references the class),
its __mro__ tuple starts with the class itself.  Unreachable: the class (`builtins.type`), its
namespace dict, its __mro__ (Dyn, object) and __bases__ (object,) tuples (fresh, so still
tracked), the two getset descriptors, the lambda stored as `describe`, and the instance (which
references its heap type).  `_dyn_del` is a module global and survives.

make_self_closure() defines `recurse`, which refers to itself: function -> __closure__ tuple ->
cell -> function.  Unreachable: the function, the tuple and the cell.

Expected (generation 2): collected {"__main__.Dyn": 1, "builtins.cell": 1, "builtins.dict": 1,
"builtins.function": 2, "builtins.getset_descriptor": 2, "builtins.tuple": 3, "builtins.type": 1};
one finalizer (the Dyn instance), FINALIZED gains "dyn instance".
"""
import gc

FINALIZED = []


def _dyn_del(self):
    FINALIZED.append("dyn instance")


def make_dynamic():
    Dyn = type("Dyn", (), {"__del__": _dyn_del, "describe": lambda self: "dynamic"})
    inst = Dyn()
    inst.me = inst
    return inst.describe()


def make_self_closure():
    def recurse(n):
        return 0 if n == 0 else 1 + recurse(n - 1)

    return recurse(3)


gc.collect()  # start from a heap without import-time garbage

make_dynamic()
make_self_closure()
pass  # @capture
print("finalized:", FINALIZED)
