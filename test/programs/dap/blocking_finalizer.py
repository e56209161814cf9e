"""A __del__ that blocks until the test lets it go: the stepper's real collection waits on it
(test/dap/realCollection.test.ts).

Two Waiter objects in a cycle are dropped. A gc.collect() at the capture line runs their __del__,
and each one creates the file RELEASE + ".entered" (the collection is now running in the program),
then waits for the file RELEASE (the first argument) to exist, and records its name. So the
program cannot finish the collection before the test says so: whatever the test checks in
between happens while the collection is still running. A Waiter that was never released gives up
after LIMIT_SECONDS (so a failed test does not leave the program waiting) and records that.
"""
import gc
import os
import sys
import time

LIMIT_SECONDS = 30
RELEASE = sys.argv[1]
FINALIZED = []


class Waiter:
    def __init__(self, name):
        self.name = name
        self.peer = None

    def __del__(self):
        open(RELEASE + ".entered", "w").close()
        deadline = time.monotonic() + LIMIT_SECONDS
        while not os.path.exists(RELEASE):
            if time.monotonic() > deadline:
                FINALIZED.append(self.name + " (never released)")
                return
            time.sleep(0.01)
        FINALIZED.append(self.name)


gc.collect()
a = Waiter("a")
b = Waiter("b")
a.peer = b
b.peer = a
del a, b
pass  # @capture
print("finalized:", sorted(FINALIZED))
