"""Polls a directory and reports changed files."""
import os
import threading
import time
import weakref


class Watcher:
    def __init__(self, root, interval=1.0):
        self.root = root
        self.interval = interval
        self._mtimes = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._finalizer = weakref.finalize(self, self.stop)  # expect: HI007
        self.callbacks = []

    def on_change(self, callback):
        self.callbacks.append(callback)

    def _scan(self):
        changed = []
        for name in os.listdir(self.root):
            path = os.path.join(self.root, name)
            mtime = os.stat(path).st_mtime
            if self._mtimes.get(path) != mtime:
                self._mtimes[path] = mtime
                changed.append(path)
        return changed

    def _loop(self):
        while not self._stop.wait(self.interval):
            for path in self._scan():
                for cb in self.callbacks:
                    cb(path)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()


class SafeWatcher(Watcher):
    def __init__(self, root, interval=1.0):
        super().__init__(root, interval)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, self._stop.set)  # ok: HI007

    def close(self):
        self._finalizer()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()


def watch_forever(root):
    w = Watcher(root)
    w.on_change(print)
    w.start()
    while True:
        time.sleep(3600)
