"""HI002: __del__ overrides a base __del__ without calling it."""
import threading


class Resource:
    def __init__(self):
        self.released = False

    def __del__(self):
        self.released = True


class Handle(Resource):
    def __del__(self):  # expect: HI002
        print("handle collected")


class Middle(Resource):
    pass


class Leaf(Middle):
    def __del__(self):  # expect: HI002
        self.leaf_done = True


class Mixin:
    def describe(self):
        return type(self).__name__


class Mixed(Mixin, Resource):
    def __del__(self):  # expect: HI002
        print(self.describe())


class ClosesInstead(Resource):
    def close(self):
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):  # expect: HI002
        super().close()  # expect: HI001


class Unrelated:
    def __del__(self):
        pass


class WrongBase(Resource):
    def __del__(self):  # expect: HI002
        Unrelated.__del__(self)  # expect: HI004


def make_local_handle():
    class LocalHandle(Resource):
        def __del__(self):  # expect: HI002
            self.gone = True

    return LocalHandle


class Buffer(Resource):
    def __init__(self, size):
        super().__init__()
        self.data = bytearray(size)

    def __del__(self):  # expect: HI002
        self.data = None


class TwoLevels(Handle):
    def __del__(self):  # expect: HI002
        print("two levels")


class Wrapped(Resource):
    def __del__(self):  # expect: HI002
        try:
            print("wrapped")
        except Exception:
            pass


# ---- negatives -----------------------------------------------------------------------------


class CallsSuper(Resource):
    def __del__(self):  # ok: HI002
        print("calls super")
        super().__del__()


class CallsBaseExplicitly(Resource):
    def __del__(self):  # ok: HI002
        self.extra = None
        Resource.__del__(self)


class OldStyleSuper(Resource):
    def __del__(self):  # ok: HI002
        super(OldStyleSuper, self).__del__()


class Defensive(Resource):
    def __del__(self):  # ok: HI002
        base_del = getattr(super(), "__del__", None)
        if base_del is not None:
            base_del()


class PlainBase:
    def ping(self):
        return "pong"


class NoBaseDel(PlainBase):
    def __del__(self):  # ok: HI002
        print("no base finalizer")


class ThreadWithDel(threading.Thread):
    def __del__(self):  # ok: HI002
        print("thread object collected")


class GrandchildCalls(Middle):
    def __del__(self):  # ok: HI002
        super().__del__()


class NoOverride(Resource):  # ok: HI002
    def extra(self):
        return 1


class Standalone:
    def __del__(self):  # ok: HI002
        print("standalone")
