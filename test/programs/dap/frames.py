"""Stops for the DAP capture tests: a caller up the stack, and a generator's own frame.

Each function leaves a self-cycle behind (a Node whose `me` is itself), so that the collector has
something to find at every stop.  The lines marked `# @…` are where the tests put breakpoints.
"""
import gc


class Node:
    def __init__(self, tag):
        self.tag = tag
        self.me = self


def leak(tag):
    Node(tag)


def inner(argument):
    leak("inner")
    local_inner = [argument]
    return len(local_inner)  # @inner


def outer():
    local_outer = {"kind": "outer"}
    leak("outer")
    return inner(local_outer)


def producer():
    local_generator = ["generator"]
    leak("generator")
    yield local_generator  # @generator
    yield None


gc.collect()  # start from a heap without import-time garbage
outer()
for item in producer():
    pass
print("done")
