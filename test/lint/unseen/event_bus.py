"""Publish/subscribe between UI components."""
import weakref
from collections import defaultdict


class EventBus:
    def __init__(self):
        self._subscribers = defaultdict(list)

    def subscribe(self, topic, callback):
        self._subscribers[topic].append(callback)

    def subscribe_weak(self, topic, method):
        self._subscribers[topic].append(weakref.WeakMethod(method))

    def publish(self, topic, payload):
        for cb in list(self._subscribers[topic]):
            if isinstance(cb, weakref.WeakMethod):
                cb = cb()
                if cb is None:
                    continue
            cb(payload)


class StatusBar:
    def __init__(self, bus):
        self.text = ""
        self.bus = bus
        bus.subscribe("status", self.on_status)  # ok: HI008
        self.handlers = {"status": self.on_status, "clear": self.on_clear}  # expect: HI008

    def on_status(self, payload):
        self.text = payload

    def on_clear(self, payload):
        self.text = ""


class Toolbar:
    def __init__(self, bus):
        self.buttons = []
        self._listeners = []
        self._listeners.append(self.refresh)  # expect: HI008
        bus.subscribe_weak("refresh", self.refresh)

    def refresh(self, payload=None):
        self.buttons.sort()


class Panel:
    def __init__(self, bus):
        self.visible = True
        self._weak_self = weakref.proxy(self)  # ok: HI008
        self._toggle = lambda: self.set_visible(not self.visible)  # expect: HI008
        self._render_later = weakref.WeakMethod(self.render)  # ok: HI008

    def set_visible(self, value):
        self.visible = value

    def render(self):
        return "<panel>" if self.visible else ""
