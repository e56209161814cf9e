"""Temporary build workspaces: the finalizer patterns from the weakref docs, good and bad."""
import os
import shutil
import subprocess
import tempfile
import weakref


class BuildWorkspace:
    """Bad: relies on __del__ and a bound-method finalizer."""

    def __init__(self, prefix="build-"):
        self.path = tempfile.mkdtemp(prefix=prefix)
        self.log_path = os.path.join(self.path, "build.log")
        self._log = open(self.log_path, "w")
        self._cleanup = weakref.finalize(self, self.remove)  # expect: HI007

    def run(self, *cmd):
        return subprocess.run(cmd, cwd=self.path, stdout=self._log, check=False)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def __del__(self):
        self._log.close()  # expect: HI001
        if os.path.isdir(self.path):  # expect: HI004
            shutil.rmtree(self.path)  # expect: HI001, HI004


class TempWorkspace:
    """Good: the documented pattern."""

    def __init__(self):
        self.path = tempfile.mkdtemp()
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.path)  # ok: HI007

    def remove(self):
        self._cleanup()

    @property
    def removed(self):
        return not self._cleanup.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class ArtifactDir:  # expect: HI010
    """Explicit close() but forgot the context-manager protocol."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self._finalizer = weakref.finalize(self, lambda: shutil.rmtree(self.root))  # expect: HI007

    def close(self):  # ok: HI001
        self._finalizer()


class ReleaseArtifacts(ArtifactDir):  # ok: HI010
    """Inherits close(): reported once, on the base class."""


def fresh_workspace():
    ws = TempWorkspace()
    weakref.finalize(ws, print, "workspace collected:", ws.path)  # ok: HI007
    return ws
