"""Classes with ``__del__ = None``: CPython still gives them a finalizer, which calls None when the
collector frees them ("Exception ignored ... TypeError: 'NoneType' object is not callable").
Argument "on" keeps automatic collection on, "off" disables it.  After the CAPTURE line the
program runs the real collector and prints, as JSON, what it found and what the finalizers raised."""
import gc
import io
import json
import sys

if sys.argv[1] == "off":
    gc.disable()
gc.collect()


class DelNone:
    __del__ = None


class Child(DelNone):
    pass


class Restored(DelNone):
    def __del__(self):
        pass


for i in range(3):
    d = DelNone()
    d.me = d
c = Child()
c.me = c
r = Restored()
r.me = r
del d, c, r
raised = []
sys.unraisablehook = lambda u: raised.append("%s: %s" % (type(u.exc_value).__name__, u.exc_value))
CAPTURE = 1  # CAPTURE
saved, sys.stderr = sys.stderr, io.StringIO()
gc.set_debug(gc.DEBUG_COLLECTABLE)
gc.collect()
gc.set_debug(0)
debug, sys.stderr = sys.stderr.getvalue(), saved
collectable = {}
for line in debug.splitlines():
    if line.startswith("gc: collectable <"):
        name = line[len("gc: collectable <"):].split()[0]
        collectable[name] = collectable.get(name, 0) + 1
print(json.dumps({"collectable": collectable, "raised": raised}))
