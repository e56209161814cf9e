"""A __del__ that blocks: the stepper's real collection waits on it (test/vscode/stepperDap.test.ts).

Two Waiter objects in a cycle are dropped. Each __del__ waits up to BLOCK_SECONDS for an event
nobody sets, then records itself. A gc.collect() at the capture line takes 2 × BLOCK_SECONDS:
long enough to cancel, short enough for the test to see the program answer afterwards.
"""
import gc
import threading

BLOCK_SECONDS = 1.5
FINALIZED = []
never = threading.Event()


class Waiter:
    def __init__(self, name):
        self.name = name
        self.peer = None

    def __del__(self):
        never.wait(BLOCK_SECONDS)
        FINALIZED.append(self.name)


gc.collect()
a = Waiter("a")
b = Waiter("b")
a.peer = b
b.peer = a
del a, b
pass  # @capture
print("finalized:", sorted(FINALIZED))
