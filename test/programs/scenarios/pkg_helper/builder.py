"""A module imported by the imported_module.py scenario; the capture line is in churn().

build_tree() makes a root Widget with two children; each child's .parent points back at the root
and the root's .children list holds them: cycles root <-> child.  churn() drops the tree and then
reaches the capture line.  Every Widget has a `children` list (tracked even when empty).

Expected (generation 2): collected {"builtins.list": 3, "pkg_helper.builder.Widget": 3}; three
finalizers; the scenario's FINALIZED gains "widget root", "widget left", "widget right" (collector
order).
"""


class Widget:
    def __init__(self, name, log):
        self.name = name
        self.log = log
        self.parent = None
        self.children = []

    def __del__(self):
        self.log.append("widget " + self.name)


def build_tree(log):
    root = Widget("root", log)
    for name in ("left", "right"):
        child = Widget(name, log)
        child.parent = root
        root.children.append(child)
    return root


def churn(log):
    tree = build_tree(log)
    tree = None
    done = True  # @capture
    return done
