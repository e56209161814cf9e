"""Shared by the accelerator's drivers (accel_kernel_driver.py, accel_records_driver.py): loading
the agent as the runner does, and reading objects through the native kernel's member_labels as a
capture reads the nodes it labels one by one (a recipe per type, LabelPlans.recipe)."""
import array
import gc
from types import SimpleNamespace


def load_agent(directory):
    """The agent loaded from ``directory`` by its bootstrap; returns its capture module."""
    namespace = {"__name__": "_heap_inspector_bootstrap"}
    path = directory + "/bootstrap.py"
    with open(path, "rb") as source:
        exec(compile(source.read(), path, "exec"), namespace)
    return namespace["load_agent"](directory)


def member_labels_of(package, native, objects):
    """The reading, with what was made for it: ``labeler``, ``recipes`` (per type index),
    ``by_type`` (id of a type -> its index), ``type_of`` (per object), ``referent_lists``,
    ``lengths`` (array('I')), and member_labels' ``read`` and ``changed``."""
    labeler = package.labels.Labeler(package.capture._memory, None)
    plan_maker = package.labelplans.LabelPlans(labeler)
    recipes = []
    by_type = {}
    type_of = array.array("I")
    for item in objects:
        key = id(type(item))
        if key not in by_type:
            by_type[key] = len(recipes)
            recipes.append(plan_maker.recipe(type(item)))
        type_of.append(by_type[key])
    referent_lists = [gc.get_referents(item) for item in objects]
    lengths = array.array("I", map(len, referent_lists))
    read, changed = native.member_labels(objects, type_of, lengths, recipes)
    return SimpleNamespace(
        labeler=labeler,
        recipes=recipes,
        by_type=by_type,
        type_of=type_of,
        referent_lists=referent_lists,
        lengths=lengths,
        read=read,
        changed=changed,
    )
