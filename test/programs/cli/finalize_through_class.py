"""A self-defeating weakref.finalize whose callback reaches its object through a class.

bind_model() makes a class per session, with the session as a class attribute, and returns an
instance; the callback is that instance's bound method `flush`. The chain that keeps the session
alive: finalize registry -> bound method -> __self__ (the instance) -> __class__ (Model) -> its
namespace -> `session`. So gc.collect() never frees s1 and its callback runs only at exit.
s2's callback holds only a string: s2, in a reference cycle, is freed by gc.collect() and its
callback runs then.

Prints what CPython did: "after gc.collect(): s1 pending | s2 ran", then at exit "flush ran for s1".
"""
import gc
import weakref


class Session:
    def __init__(self, name):
        self.name = name


def bind_model(session):
    class Model:
        pass

    Model.session = session

    def flush(self):
        print("flush ran for", self.session.name, flush=True)

    Model.flush = flush
    return Model()


def close_session(name):
    pass


s = Session("s1")
finalizer = weakref.finalize(s, bind_model(s).flush)
good = Session("s2")
good.me = good
other = weakref.finalize(good, close_session, "s2")
del s, good
gc.collect()  # the capture point: the collection has not run yet
state = ["s1 pending" if finalizer.alive else "s1 ran", "s2 pending" if other.alive else "s2 ran"]
print("after gc.collect():", " | ".join(state), flush=True)
