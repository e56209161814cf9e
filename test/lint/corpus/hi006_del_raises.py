"""HI006: raise in __del__ that nothing in __del__ catches."""


class LeakError(Exception):
    pass


class MustClose:
    def __init__(self):
        self.closed = False

    def __del__(self):
        if not self.closed:
            raise RuntimeError("MustClose was never closed")  # expect: HI006


class Validates:
    def __init__(self, size):
        self.size = size

    def __del__(self):
        if self.size < 0:
            raise ValueError  # expect: HI006


class WrongHandler:
    def __init__(self, table):
        self.table = table

    def __del__(self):
        try:
            raise ValueError("bad state")  # expect: HI006
        except KeyError:
            pass


class Reraises:
    def __init__(self, fh):
        self.fh = fh

    def __del__(self):
        try:
            self.fh.flush()
        except OSError:
            print("flush failed")
            raise  # expect: HI006


class CustomError:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        raise LeakError(self.name)  # expect: HI004, HI006


class StoredError:
    def __init__(self):
        self._error = None

    def __del__(self):
        if self._error is not None:
            raise self._error  # expect: HI006


class RaisesInFinally:
    def __init__(self, buf):
        self.buf = buf

    def __del__(self):
        try:
            self.buf.flush()
        finally:
            raise RuntimeError("finalizer ran")  # expect: HI006


class RaisesInElse:
    def __init__(self, buf):
        self.buf = buf

    def __del__(self):
        try:
            self.buf.flush()
        except Exception:
            pass
        else:
            raise RuntimeError("flushed too late")  # expect: HI006


class Chains:
    def __init__(self, buf):
        self.buf = buf

    def __del__(self):
        try:
            self.buf.flush()
        except ValueError as exc:
            raise OSError("flush failed") from exc  # expect: HI006


# ---- negatives -----------------------------------------------------------------------------


class CatchesSame:
    def __del__(self):
        try:
            raise ValueError("x")  # ok: HI006
        except ValueError:
            pass


class CatchesParent:
    def __init__(self, table):
        self.table = table

    def __del__(self):
        try:
            if not self.table:
                raise KeyError("empty")  # ok: HI006
        except LookupError:
            pass


class CatchesOSError:
    def __del__(self):
        try:
            raise FileNotFoundError("gone")  # ok: HI006
        except OSError:
            pass


class CatchesAll:
    def __del__(self):
        try:
            raise RuntimeError("x")  # ok: HI006
        except:  # noqa: E722
            pass


class CatchesTuple:
    def __del__(self):
        try:
            raise ValueError("x")  # ok: HI006
        except (TypeError, ValueError):
            pass


class CatchesBase:
    def __del__(self):
        try:
            raise SystemExit(1)  # ok: HI006
        except BaseException:
            pass


class NestedDef:
    def __del__(self):
        def check(value):
            if value is None:
                raise ValueError("none")  # ok: HI006
            return value

        print(check(1))


class RaisesInClose:
    def close(self):
        raise RuntimeError("already closed")  # ok: HI006

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        raise RuntimeError("exit")  # ok: HI006


def __del__(obj):
    raise RuntimeError("module function")  # ok: HI006


class Asserts:
    def __init__(self):
        self.closed = True

    def __del__(self):
        assert self.closed  # ok: HI006
