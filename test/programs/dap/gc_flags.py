"""The program's own collector settings, which the stepper's real collection must leave as they
were: debug flags (DEBUG_STATS, DEBUG_UNCOLLECTABLE), an entry it put in gc.garbage itself, and the
collector disabled (test/dap/realCollection.test.ts)."""
import gc

gc.collect()
gc.set_debug(gc.DEBUG_STATS | gc.DEBUG_UNCOLLECTABLE)
gc.garbage.append("the program's own entry")
gc.disable()


class Node:
    def __init__(self):
        self.me = self


Node()
Node()
pass  # @capture
print("debug", gc.get_debug(), "garbage", gc.garbage, "enabled", gc.isenabled())
