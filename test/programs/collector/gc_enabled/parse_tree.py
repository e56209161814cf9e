"""A tiny expression parser: every parse builds a tree whose nodes point at their parent, and
only the last few trees are kept."""
import gc


class Node:
    def __init__(self, kind, value=None, parent=None):
        self.kind = kind
        self.value = value
        self.parent = parent
        self.children = []

    def add(self, child):
        child.parent = self
        self.children.append(child)
        return child


def tokenize(text):
    tokens = []
    number = ""
    for char in text:
        if char.isdigit():
            number += char
            continue
        if number:
            tokens.append(("num", int(number)))
            number = ""
        if char in "+*()":
            tokens.append(("op", char))
    if number:
        tokens.append(("num", int(number)))
    return tokens


def parse(tokens):
    position = 0

    def expression(parent):
        nonlocal position
        node = parent.add(Node("sum"))
        term(node)
        while position < len(tokens) and tokens[position] == ("op", "+"):
            position += 1
            term(node)
        return node

    def term(parent):
        nonlocal position
        node = parent.add(Node("product"))
        factor(node)
        while position < len(tokens) and tokens[position] == ("op", "*"):
            position += 1
            factor(node)

    def factor(parent):
        nonlocal position
        kind, value = tokens[position]
        position += 1
        if kind == "num":
            parent.add(Node("num", value))
        else:
            expression(parent)
            position += 1  # ")"

    root = Node("root")
    expression(root)
    return root


def evaluate(node):
    if node.kind == "num":
        return node.value
    values = [evaluate(child) for child in node.children]
    if node.kind == "product":
        result = 1
        for value in values:
            result *= value
        return result
    return sum(values)


recent = []
total = 0
for index in range(700):
    text = "%d+%d*(%d+%d)*%d+%d" % (index, index % 7, index % 13, 3, index % 5, 11)
    tree = parse(tokenize(text))
    total += evaluate(tree)
    recent.append(tree)
    if len(recent) > 5:
        recent.pop(0)
print("total", total)
gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
