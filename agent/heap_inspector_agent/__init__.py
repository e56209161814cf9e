"""Python Heap Inspector's in-process agent.

Runs inside the user's Python process (CPython 3.8+, standard library only) and captures its heap
into a snapshot file without running user code and without changing the heap it measures.

This package is loaded under the private name ``_heap_inspector_agent`` by ``bootstrap.py`` (never
through ``sys.path``): its submodules are loaded explicitly, in dependency order, so that the
import system does not cache finders for this directory.  The public entry point is
``capture.capture_to_file``.
"""
