"""HI008: attributes of self that refer back to self."""
import functools
import threading
import types
import weakref


def tick(self):
    return self


class SelfRef:
    def __init__(self):
        self.me = self  # expect: HI008


class Client:
    def __init__(self, bus):
        self._bus = bus
        self._handler = self.on_message  # expect: HI008
        bus.subscribe(self._handler)

    def on_message(self, msg):
        print(msg)


class Connection:
    def __init__(self):
        self.callbacks = [self.on_open, self.on_close]  # expect: HI008

    def on_open(self):
        pass

    def on_close(self):
        pass


class Router:
    def __init__(self):
        self._dispatch = {  # expect: HI008
            "get": self.do_get,
            "put": self.do_put,
        }
        self._routes = {}
        self._routes["/"] = self.index  # expect: HI008

    def do_get(self):
        return "get"

    def do_put(self):
        return "put"

    def index(self):
        return "index"


class Widget:
    def __init__(self):
        self._cb = lambda evt: self.handle(evt)  # expect: HI008
        self._refresh = functools.partial(self.refresh, force=True)  # expect: HI008

    def handle(self, evt):
        print(evt)

    def refresh(self, force=False):
        print(force)


class Observable:
    def __init__(self):
        self._listeners = []
        self._listeners.append(self.notify)  # expect: HI008

    def notify(self):
        print("changed")


class TreeNode:
    def __init__(self, parent=None):
        self.parent = parent
        self.root = self if parent is None else parent.root  # expect: HI008


class Job(threading.Thread):
    def __init__(self):
        super().__init__()
        self.on_done = self._finish  # expect: HI008

    def _finish(self):
        print("done")


class Ticker:
    def __init__(self):
        self._tick = types.MethodType(tick, self)  # expect: HI008


# ---- negatives -----------------------------------------------------------------------------


class Plain:
    def __init__(self, path, other):
        self.path = path  # ok: HI008
        self.other = other  # ok: HI008
        self._lock = threading.Lock()  # ok: HI008


class WeakHandlers:
    def __init__(self, bus):
        self._ref = weakref.ref(self)  # ok: HI008
        self._cb = weakref.WeakMethod(self.on_message)  # ok: HI008
        self._proxy = weakref.proxy(self)  # ok: HI008
        bus.subscribe(self._cb)

    def on_message(self, msg):
        print(msg)


class Computed:
    def __init__(self):
        self._size = self.compute_size()  # ok: HI008
        self.name = self.__class__.__name__  # ok: HI008
        self._value = self.value  # ok: HI008
        self.label = str(self)  # ok: HI008

    def compute_size(self):
        return 3

    @property
    def value(self):
        return 42


class Factories:
    def __init__(self):
        self._factory = self.create  # ok: HI008
        self._builder = self.from_config  # ok: HI008

    @staticmethod
    def create():
        return object()

    @classmethod
    def from_config(cls):
        return cls()


class CopiesData:
    def __init__(self, handler):
        self._handler = handler
        self.copy_of_handler = self._handler  # ok: HI008


def configure(obj):
    obj.me = obj  # ok: HI008


class Plugin:
    registry = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default_handler = cls.handle  # ok: HI008

    def __init__(self):
        self.registry.append(self)  # ok: HI008

    def handle(self):
        return self
