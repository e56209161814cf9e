"""HI011: gc.disable() without gc.enable() on every path of the same function."""
import contextlib
import gc
import unittest
from gc import disable as gc_off


def build_index(items):
    gc.disable()  # expect: HI011
    index = {item.key: item for item in items}
    gc.enable()
    return index


def load(path, cache):
    gc.disable()  # expect: HI011
    if path in cache:
        return cache[path]
    data = open(path).read()
    gc.enable()
    return data


def never_enabled(rows):
    gc.disable()  # expect: HI011
    return [tuple(r) for r in rows]


def batches(chunks):
    for chunk in chunks:
        gc.disable()  # expect: HI011
        if not chunk:
            return
        chunk.process()
        gc.enable()


def aliased(n):
    gc_off()  # expect: HI011
    return list(range(n))


def only_on_error(fn):
    gc.disable()  # expect: HI011
    try:
        fn()
    except Exception:
        gc.enable()
        raise


def else_only(fn):
    try:
        gc.disable()  # expect: HI011
        fn()
    except ValueError:
        raise
    else:
        gc.enable()


class Phase:
    def __enter__(self):
        gc.disable()  # expect: HI011
        return self

    def __exit__(self, *exc):
        print("phase done")


def paused():
    gc.disable()  # expect: HI011
    yield
    gc.enable()


def retry_loop(tasks):
    gc.disable()  # expect: HI011
    while True:
        task = tasks.pop()
        if task is None:
            break
        task()


# ---- negatives -----------------------------------------------------------------------------


def with_finally(fn):
    gc.disable()  # ok: HI011
    try:
        return fn()
    finally:
        gc.enable()


def restores_previous(fn):
    was_enabled = gc.isenabled()
    gc.disable()  # ok: HI011
    try:
        return fn()
    finally:
        if was_enabled:
            gc.enable()


class NoGC:
    def __enter__(self):
        self._was = gc.isenabled()
        gc.disable()  # ok: HI011
        return self

    def __exit__(self, *exc):
        if self._was:
            gc.enable()


@contextlib.contextmanager
def gc_paused():
    gc.disable()  # ok: HI011
    try:
        yield
    finally:
        gc.enable()


def quick():
    gc.disable()  # ok: HI011
    gc.collect()
    gc.enable()


def just_enable():
    gc.enable()  # ok: HI011


def outer(fn):
    def inner():
        gc.disable()  # ok: HI011
        try:
            fn()
        finally:
            gc.enable()

    return inner


class BenchTest(unittest.TestCase):
    def setUp(self):
        gc.disable()  # ok: HI011

    def tearDown(self):
        gc.enable()


def caught_everywhere(fn):
    gc.disable()  # ok: HI011
    try:
        fn()
    except Exception:
        failed = True
    else:
        failed = False
    gc.enable()
    return failed


def freeze_only():
    gc.freeze()  # ok: HI011
    gc.collect()


def with_block(lock, fn):
    with lock:
        gc.disable()  # ok: HI011
        try:
            fn()
        finally:
            gc.enable()
