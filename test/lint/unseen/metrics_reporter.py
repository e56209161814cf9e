"""Pushes counters to a metrics endpoint when the reporter goes away."""
import json
import logging
import urllib.request

_log = logging.getLogger("metrics")
ENDPOINT = "http://127.0.0.1:9091/metrics"


class UnflushedMetrics(RuntimeError):
    pass


class Reporter:
    def __init__(self, job):
        self.job = job
        self.counters = {}
        self.flushed = False

    def incr(self, name, by=1):
        self.counters[name] = self.counters.get(name, 0) + by

    def flush(self):
        body = json.dumps({"job": self.job, "counters": self.counters}).encode()
        urllib.request.urlopen(ENDPOINT, data=body, timeout=2)
        self.flushed = True

    def __del__(self):
        if not self.flushed and self.counters:
            raise UnflushedMetrics("reporter %s dropped with data" % self.job)  # expect: HI006, HI004


class TolerantReporter(Reporter):
    def __del__(self):
        try:
            if not self.flushed:
                raise ValueError("not flushed")  # ok: HI006
        except ValueError:
            self.counters.clear()
        super().__del__()


class StrictReporter(Reporter):
    def __del__(self):
        try:
            self.flush()
        except OSError:
            raise  # expect: HI006
        finally:
            super().__del__()


class LoggingReporter(Reporter):
    def __del__(self):
        if not self.flushed:
            _log.warning("dropping %d counters", len(self.counters))  # expect: HI004
        super().__del__()
