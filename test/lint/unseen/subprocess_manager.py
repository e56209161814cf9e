"""Supervises helper processes for a desktop app."""
import os
import signal
import subprocess
import sys


class Helper:
    def __init__(self, argv, env=None):
        self.argv = argv
        self._proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE)
        self.returncode = None

    def poll(self):
        self.returncode = self._proc.poll()
        return self.returncode

    def terminate(self, timeout=3):
        self._proc.terminate()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.terminate()

    def __del__(self):
        if self._proc.poll() is None:
            self._proc.terminate()  # expect: HI001
            self._proc.wait(1)  # expect: HI003


class DetachedHelper:
    def __init__(self, argv):
        self.pid = os.spawnv(os.P_NOWAIT, argv[0], argv)

    def __del__(self):
        try:
            os.kill(self.pid, signal.SIGTERM)  # expect: HI001, HI004
        except ProcessLookupError:
            pass


class Supervisor:
    def __init__(self):
        self.helpers = {}
        self.crashes = {}

    def start(self, name, argv):
        self.helpers[name] = Helper(argv)

    def check(self):
        for name, helper in list(self.helpers.items()):
            try:
                code = helper.poll()
                if code not in (None, 0):
                    raise RuntimeError("%s exited with %s" % (name, code))
            except RuntimeError as crash:
                self.crashes[name] = crash  # expect: HI009
                del self.helpers[name]

    def stop_all(self):
        for helper in self.helpers.values():
            helper.terminate()
        self.helpers.clear()


def main():
    sup = Supervisor()
    sup.start("indexer", [sys.executable, "-c", "import time; time.sleep(60)"])
    sup.check()
    sup.stop_all()
