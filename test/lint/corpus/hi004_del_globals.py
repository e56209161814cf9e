"""HI004: __del__ reads module-level names."""
import json
import logging
import os.path
import sys
import warnings

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 5.0
PRIORITY = {"low": 0, "high": 1}
_live_count = 0


def _log_leak(name):
    print("leaked", name)


class Registry:
    @staticmethod
    def forget(key):
        print("forget", key)


class Logged:
    def __del__(self):
        logger.debug("collected %r", self)  # expect: HI004


class StderrReporter:
    def __del__(self):
        sys.stderr.write("reporter collected\n")  # expect: HI004


class Snapshot:
    def __init__(self):
        self.state = {}

    def __del__(self):
        print(json.dumps(self.state))  # expect: HI004


class Timed:
    def __del__(self):
        self.remaining = DEFAULT_TIMEOUT  # expect: HI004


class LeakReporter:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        _log_leak(self.name)  # expect: HI004


class CountsInstances:
    def __init__(self):
        global _live_count
        _live_count += 1

    def __del__(self):
        global _live_count
        _live_count -= 1  # expect: HI004


class Keyed:
    def __init__(self, key):
        self.key = key

    def __del__(self):
        Registry.forget(self.key)  # expect: HI004


class PathChecker:
    def __init__(self, path):
        self.path = path

    def __del__(self):
        if os.path.exists(self.path):  # expect: HI004
            print("still there")


class Sorted:
    def __init__(self, items):
        self.items = items

    def __del__(self):
        print(sorted(self.items, key=lambda i: PRIORITY[i]))  # expect: HI004


# ---- negatives -----------------------------------------------------------------------------


class BindsDefaults:
    def __init__(self):
        self.closed = False

    def __del__(self, _warn=warnings.warn, _stderr=sys.stderr):  # ok: HI004
        if not self.closed:
            _warn("unclosed", ResourceWarning)  # ok: HI004
            _stderr.write("unclosed\n")  # ok: HI004


class OwnClass:
    instances = 0

    def __del__(self):
        OwnClass.instances -= 1  # ok: HI004


class Base:
    def report(self):
        print("base report")


class UsesBase(Base):
    def __del__(self):
        Base.report(self)  # ok: HI004


class ShadowsModule:
    def __init__(self, codec):
        self._codec = codec

    def __del__(self):
        json = self._codec  # ok: HI004
        print(json.name)  # ok: HI004


class LocalImport:
    def __del__(self):
        import logging  # ok: HI004

        logging.getLogger("local").debug("bye")  # ok: HI004


class DefinesHelper:
    def __init__(self, items):
        self.items = items

    def __del__(self):
        def fmt(item):  # ok: HI004
            return str(item)

        print([fmt(x) for x in self.items])  # ok: HI004


class Builtins:
    def __init__(self, items):
        self.items = items

    def __del__(self):
        print(len(self.items), isinstance(self.items, list), __name__)  # ok: HI004
        print(self.__class__.__name__)  # ok: HI004


class Walrus:
    def __init__(self, items):
        self.items = items

    def __del__(self):
        if (n := len(self.items)) > 0:  # ok: HI004
            print(n)


class CatchesLocally:
    def __init__(self, fh):
        self.fh = fh

    def __del__(self):
        try:
            self.fh.flush()
        except OSError as os_err:  # ok: HI004
            print(os_err)


def uses_globals():
    logger.info("not a finalizer %s", DEFAULT_TIMEOUT)  # ok: HI004
