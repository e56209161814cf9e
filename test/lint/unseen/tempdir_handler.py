"""Scratch directories for build steps."""
import os
import shutil
import tempfile
import weakref


class ScratchDir:
    """Deleted when closed, or as a safety net when garbage-collected."""

    def __init__(self, prefix="build-"):
        self.path = tempfile.mkdtemp(prefix=prefix)
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, True)  # ok: HI007

    def file(self, name):
        return os.path.join(self.path, name)

    def close(self):
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LeakyScratchDir:
    def __init__(self):
        self.path = tempfile.mkdtemp()
        self._finalizer = weakref.finalize(self, self._remove)  # expect: HI007

    def _remove(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def close(self):
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TempFile:  # expect: HI010
    def __init__(self, suffix=".tmp"):
        fd, self.name = tempfile.mkstemp(suffix=suffix)
        self._fh = os.fdopen(fd, "w+b")

    def write(self, data):
        self._fh.write(data)

    def close(self):
        self._fh.close()
        os.unlink(self.name)

    def __del__(self):
        if not self._fh.closed:
            self._fh.close()  # expect: HI001
        if os.path.exists(self.name):  # expect: HI004
            os.unlink(self.name)  # expect: HI001, HI004


class LambdaCleanup:
    def __init__(self):
        self.root = tempfile.mkdtemp()
        weakref.finalize(self, lambda: shutil.rmtree(self.root))  # expect: HI007


class PathOnlyCleanup:
    def __init__(self):
        root = tempfile.mkdtemp()
        self.root = root
        weakref.finalize(self, lambda: shutil.rmtree(root))  # ok: HI007
