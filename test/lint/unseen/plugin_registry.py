"""Plugins register themselves; some try to come back from the dead."""
import atexit

_REGISTRY = {}
_graveyard = []


class Plugin:
    name = "base"
    instances = []

    def __init__(self):
        _REGISTRY[self.name] = self

    def unload(self):
        _REGISTRY.pop(self.name, None)


class StickyPlugin(Plugin):
    name = "sticky"

    def __del__(self):
        _graveyard.append(self)  # expect: HI005, HI004


class ClassLevelCache(Plugin):
    name = "cache"

    def __del__(self):
        ClassLevelCache.instances.append(self)  # expect: HI005


class FlushesAtExit(Plugin):
    name = "flusher"

    def __init__(self):
        super().__init__()
        self.pending = []

    def flush(self):
        self.pending.clear()

    def __del__(self):
        if self.pending:
            atexit.register(self.flush)  # expect: HI005, HI004


class CountsItself(Plugin):
    name = "counter"

    def __init__(self):
        super().__init__()
        self.history = []

    def __del__(self):
        self.history.append(len(self.history))  # ok: HI005
        survivor = self  # ok: HI005
        del survivor


def loaded():
    return sorted(_REGISTRY)
