"""unittest fixtures that keep the collector out of timing-sensitive tests."""
import gc
import time
import unittest


class NoGcTestCase(unittest.TestCase):
    def setUp(self):
        gc.collect()
        gc.disable()  # ok: HI011

    def tearDown(self):
        gc.enable()


class TimingTest(NoGcTestCase):
    def test_allocation_speed(self):
        start = time.perf_counter()
        items = [object() for _ in range(100_000)]
        self.assertLess(time.perf_counter() - start, 1.0)
        self.assertEqual(len(items), 100_000)


def measure(fn, repeat=5):
    gc.disable()  # expect: HI011
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    gc.enable()
    return min(timings)


def measure_safely(fn, repeat=5):
    enabled = gc.isenabled()
    gc.disable()  # ok: HI011
    try:
        return min(_time(fn) for _ in range(repeat))
    finally:
        if enabled:
            gc.enable()


def _time(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def disable_for_process():
    gc.disable()  # expect: HI011
    gc.freeze()
