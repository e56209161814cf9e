"""Classes made at run time (a plugin system, an ORM's model classes): every class is a cycle
(its __dict__, __mro__ and methods point back at it), and most are dropped after use."""


def make_model(name, fields):
    def __init__(self, **values):
        for field in fields:
            setattr(self, field, values.get(field))

    def describe(self):
        return "%s(%s)" % (name, ", ".join("%s=%r" % (f, getattr(self, f)) for f in fields))

    namespace = {"__init__": __init__, "describe": describe, "fields": tuple(fields)}
    return type(name, (object,), namespace)


kept = []
descriptions = 0
for index in range(400):
    fields = ["f%d" % (index % 5), "g%d" % (index % 3), "id"]
    Model = make_model("Model%d" % index, fields)
    row = Model(id=index)
    descriptions += len(row.describe())
    if index % 50 == 0:
        kept.append(Model)
    del Model, row
print("described", descriptions)
import gc; gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
