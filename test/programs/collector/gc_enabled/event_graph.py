"""An observer pattern with bound methods: subjects keep their observers' bound methods and
observers keep their subjects; sessions come and go in a loop without ever importing gc."""


class Subject:
    def __init__(self, name):
        self.name = name
        self.listeners = []

    def subscribe(self, callback):
        self.listeners.append(callback)

    def emit(self, payload):
        for callback in self.listeners:
            callback(self, payload)


class Observer:
    def __init__(self, subject):
        self.subject = subject
        self.seen = 0
        subject.subscribe(self.on_event)

    def on_event(self, subject, payload):
        self.seen += len(payload)


totals = {}
for session in range(900):
    subject = Subject("session-%d" % session)
    observers = [Observer(subject) for _ in range(3)]
    subject.emit("x" * (session % 11))
    totals[session % 10] = totals.get(session % 10, 0) + observers[0].seen
    del subject, observers
print(sorted(totals.items())[:3])
import gc; gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
print(len(totals))
