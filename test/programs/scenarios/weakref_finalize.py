"""weakref.finalize done right and done wrong (seed 004).

TempWorkspace registers `weakref.finalize(self, shutil.rmtree, self.path)`: the finalizer holds
only the path string.  The workspace is in a cycle with its entries (workspace.entries is a list
of Entry objects whose .workspace points back), so only the collector frees it.  The finalize
object itself is reachable (finalize._registry holds it), its weakref to the workspace is cleared
by the collection and its callback -- the finalize object -- runs shutil.rmtree.

BadWorkspace registers `weakref.finalize(self, self.cleanup)`: the bound method holds `self`,
and the registry holds the bound method, so the workspace is always reachable: it is never
collected and the callback never fires during the run (finalize's atexit hook calls it at
interpreter exit, which is how its directory still gets removed).

Expected (generation 2): collected {"__main__.Entry": 2, "__main__.TempWorkspace": 1,
"builtins.list": 1}; no __del__ finalizers; finalizeCallbacksFired ["rmtree"]; FINALIZED stays
empty.  The good directory is gone after the capture line, the bad one still exists.
gc.collect() returns 5: the 4 cleared objects plus the finalize's weakref, freed when the
callback popped its entry from the registry.
"""
import gc
import os
import shutil
import tempfile
import weakref

FINALIZED = []


class Entry:
    def __init__(self, workspace, name):
        self.workspace = workspace
        self.name = name


class TempWorkspace:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="heap-scenario-good-")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path)
        self.entries = [Entry(self, "a.txt"), Entry(self, "b.txt")]


class BadWorkspace:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="heap-scenario-bad-")
        self._finalizer = weakref.finalize(self, self.cleanup)  # self-defeating

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


gc.collect()  # start from a heap without import-time garbage

good = TempWorkspace()
good_path = good.path
bad = BadWorkspace()
bad_path = bad.path
del good, bad
pass  # @capture
print("good dir exists:", os.path.exists(good_path), "bad dir exists:", os.path.exists(bad_path))
