"""A program split in two files: the helper module is compiled when first imported (no cached
bytecode in a fresh copy), as most programs' own modules are the first time they run."""
import gc

import gc_enabled_helper

graphs = []
for index in range(800):
    graph = gc_enabled_helper.build_graph(index % 9 + 2)
    if index % 100 == 0:
        graphs.append(graph)
print("kept", len(graphs), gc_enabled_helper.edges(graphs[-1]))
gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
