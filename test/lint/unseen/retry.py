"""Retry helpers for flaky network calls."""
import functools
import logging
import random
import time

log = logging.getLogger(__name__)


class RetryError(Exception):
    def __init__(self, attempts):
        super().__init__("gave up after %d attempts" % len(attempts))
        self.attempts = attempts


def retry(times=3, delay=0.1, exceptions=(OSError,)):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            attempts = []
            for n in range(times):
                try:
                    return fn(*args, **kwargs)
                except exceptions as exc:
                    attempts.append(exc)  # ok: HI009
                    log.info("attempt %d failed: %s", n + 1, exc)
                    time.sleep(delay * (2**n) + random.random() * delay)
            raise RetryError(attempts)

        return wrapper

    return decorate


class Retrier:
    def __init__(self, times=3):
        self.times = times
        self.history = []
        self.last_exception = None

    def call(self, fn, *args):
        for _ in range(self.times):
            try:
                return fn(*args)
            except Exception as exc:
                self.history.append((time.time(), exc))  # expect: HI009
                self.last_exception = exc  # expect: HI009
        raise RetryError(self.history)

    def summary(self):
        return [type(e).__name__ for _, e in self.history]


class QuietRetrier(Retrier):
    def call(self, fn, *args):
        for _ in range(self.times):
            try:
                return fn(*args)
            except Exception as exc:
                self.history.append((time.time(), str(exc)))  # ok: HI009
                self.last_exception = exc.with_traceback(None)  # ok: HI009
        return None
