"""HI009: caught exceptions stored beyond their except block."""
import logging
import sys
import traceback

log = logging.getLogger(__name__)
LAST_FAILURE = None
_failures = []

try:
    import ujson as fastjson
except ImportError as e:
    fastjson = None
    IMPORT_ERROR = e  # expect: HI009


class Failure:
    def __init__(self, exc):
        self.exc = exc


class Task:
    def __init__(self, fn):
        self.fn = fn
        self.last_error = None
        self.errors = []
        self.failures = []

    def run(self):
        try:
            self.fn()
        except Exception as exc:
            self.last_error = exc  # expect: HI009

    def run_all(self, jobs):
        for job in jobs:
            try:
                job()
            except Exception as exc:
                self.errors.append(exc)  # expect: HI009
                self.failures.append((job, exc))  # expect: HI009

    def run_capture(self):
        try:
            self.fn()
        except Exception:
            self._exc_info = sys.exc_info()  # expect: HI009

    def run_tb(self):
        try:
            self.fn()
        except Exception as exc:
            self._tb = exc.__traceback__  # expect: HI009

    def run_wrapped(self):
        try:
            self.fn()
        except Exception as exc:
            self._result = Failure(exc)  # expect: HI009


def record_failure():
    global LAST_FAILURE
    try:
        raise RuntimeError("boom")
    except RuntimeError as err:
        LAST_FAILURE = err  # expect: HI009


def collect(jobs):
    results = {}
    for job in jobs:
        try:
            results[job.id] = job()
        except Exception as exc:
            results[job.id] = exc  # expect: HI009
    return results


def remember(fn):
    try:
        fn()
    except ValueError as err:
        _failures.append(err)  # expect: HI009


class Worker:
    def __init__(self, inbox, outbox):
        self.inbox = inbox
        self.outbox = outbox

    def loop(self):
        while True:
            job = self.inbox.get()
            try:
                self.outbox.put(job())
            except Exception as exc:
                self.outbox.put(exc)  # expect: HI009


def outer():
    error = None

    def attempt(fn):
        nonlocal error
        try:
            fn()
        except OSError as exc:
            error = exc  # expect: HI009

    return attempt, error


# ---- negatives -----------------------------------------------------------------------------


class SafeTask:
    def __init__(self, fn):
        self.fn = fn
        self.errors = []

    def run(self):
        try:
            self.fn()
        except Exception as exc:
            self.last_error = str(exc)  # ok: HI009
            self.last_trace = traceback.format_exc()  # ok: HI009
            self.errors.append(repr(exc))  # ok: HI009
            self.error_type = type(exc)  # ok: HI009
            self.errno = getattr(exc, "errno", None)  # ok: HI009
            self.failed = True  # ok: HI009
            log.exception("task failed", exc_info=exc)  # ok: HI009

    def run_stripped(self):
        try:
            self.fn()
        except Exception as exc:
            self._error = exc.with_traceback(None)  # ok: HI009

    def run_messages(self, messages):
        try:
            self.fn()
        except Exception as exc:
            messages.append(f"{exc}")  # ok: HI009


def reraise(fn):
    try:
        fn()
    except KeyError as exc:
        raise LookupError("missing") from exc  # ok: HI009


def retry(fn, attempts=3):
    for _ in range(attempts):
        try:
            return fn()
        except OSError as exc:
            err = exc  # ok: HI009
            print("retrying after", err)
    return None


def complete(future, fn):
    try:
        future.set_result(fn())
    except Exception as exc:
        future.set_exception(exc)  # ok: HI009


def bind_all(sock, addresses):
    errors = []
    for addr in addresses:
        try:
            sock.bind(addr)
        except OSError as exc:
            new_exc = ConnectionError(f"cannot bind {addr!r}")
            new_exc.__cause__ = exc  # ok: HI009
            exc = OSError(exc.errno, "bind failed")
            errors.append(exc)  # ok: HI009
    return errors
