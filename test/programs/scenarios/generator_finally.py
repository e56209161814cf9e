"""Generators with a `finally` caught in a cycle.

Stream.__init__ stores `self.lines = self._produce()`.  The generator's frame holds `self`, and
`self` holds the generator: a 2-cycle Stream <-> generator.  On 3.11 the generator embeds its
frame (no separate frame object unless someone asks for gi_frame or a traceback is made), so the
cycle has two gc objects.

- "log" was advanced once with next(): it is suspended inside `try`.  Its `finally` runs only when
  the collector finalizes the generator (PEP 442 tp_finalize -> close()).
- "idle" was never started: finalizing it does not enter the body, its `finally` never runs.

Expected (generation 2): collected {"__main__.Stream": 2, "builtins.generator": 2}; four finalizers
(both Streams' __del__ and the generator type's tp_finalize, which shows as a `__del__` slot wrapper
in its __dict__); FINALIZED gains "stream log", "stream idle" and "finally log" -- no
"finally idle".

gc.collect() returns 0 here although all four objects die: finalizing a generator (close(), or
for "idle" throwing GeneratorExit before the body starts) clears its frame, which drops the
frame's reference to `self`; the Stream's count reaches 0 and reference counting frees the Stream
and then the generator while finalizers are still running.  Only objects that are still
unreachable after the finalizer pass (and are then cleared) are counted in the return value.
"""
import gc

FINALIZED = []


class Stream:
    def __init__(self, name, start):
        self.name = name
        self.lines = self._produce()
        if start:
            next(self.lines)

    def _produce(self):
        n = 0
        try:
            while True:
                yield "%s:%d" % (self.name, n)
                n += 1
        finally:
            FINALIZED.append("finally " + self.name)

    def __del__(self):
        FINALIZED.append("stream " + self.name)


gc.collect()  # start from a heap without import-time garbage

s = Stream("log", start=True)
s = Stream("idle", start=False)
s = None
pass  # @capture
print("finalized:", sorted(FINALIZED))
