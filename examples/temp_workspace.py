"""weakref.finalize done right (TempWorkspace) and done wrong (BadWorkspace) (seed 004).

Both workspaces create a temporary directory and register a weakref.finalize to delete it.  Both
are owned by a Job that the workspace points back to (job.workspace <-> workspace.job), so when the
program drops a job, the pair is garbage that only the cyclic collector can free.

- TempWorkspace: `weakref.finalize(self, shutil.rmtree, self.path)`.  The finalizer holds only the
  path string.  When the collector frees the workspace, the finalizer fires and the directory goes.
- BadWorkspace: `weakref.finalize(self, self.cleanup)`.  The bound method holds `self`, and
  weakref.finalize keeps its callback in a global registry: the workspace can never become
  unreachable.  Its directory (and everything the workspace references) lives until interpreter
  exit, when finalize's atexit hook finally runs it.

Capture at the "Inspect here" line: the good Job and TempWorkspace are unreachable and the
collection will fire `rmtree`; the BadWorkspace and its Job are reachable -- from the finalize
registry, through the bound method -- and will not be collected.

The fix: pass the callback only what it needs (a function plus plain data), never a bound method
or a closure over `self`; or better, give the workspace an explicit close() / context manager and
keep weakref.finalize as the safety net.
"""
import gc
import os
import shutil
import tempfile
import weakref


class Job:
    def __init__(self, name, workspace_class, root):
        self.name = name
        self.workspace = workspace_class(self, root)


class TempWorkspace:
    def __init__(self, job, root):
        self.job = job
        self.path = tempfile.mkdtemp(prefix="good-", dir=root)
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path)


class BadWorkspace:
    def __init__(self, job, root):
        self.job = job
        self.path = tempfile.mkdtemp(prefix="bad-", dir=root)
        self._finalizer = weakref.finalize(self, self.cleanup)  # self-defeating

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


root = tempfile.mkdtemp(prefix="temp-workspace-example-")
try:
    good = Job("good", TempWorkspace, root)
    bad = Job("bad", BadWorkspace, root)
    del good, bad
    before = sorted(os.listdir(root))  # Inspect here: good pair is garbage, bad pair is pinned
    gc.collect()
    after = sorted(os.listdir(root))
    print(
        "directories before collection: %d, after: %d (the BadWorkspace's stays)"
        % (len(before), len(after))
    )
finally:
    shutil.rmtree(root, ignore_errors=True)
