"""A file with syntax errors: findings elsewhere must still be reported."""
import os
import weakref


def broken(x:
    return x +


class Resource:
    def __init__(self, path):
        self.path = path
        self._fin = weakref.finalize(self, self.cleanup)  # expect: HI007

    def half_typed(self):
        values = [1, 2,

    def cleanup(self):
        os.remove(self.path)

    def __del__(self):
        self._sock.close()  # expect: HI001


class Other:  # expect: HI010
    def close(self):
        pass

    def oops(self)
        return 1


def after_errors():
    gc_was = None
    try:
        pass
    except Exception as exc:
        global LAST
        LAST = exc  # expect: HI009
    return gc_was
