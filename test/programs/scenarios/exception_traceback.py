"""An exception stored in a local: the traceback <-> frame cycle keeps big locals alive.

handle() catches ValueError and keeps it in the local `saved`.  The exception references its
traceback, the traceback references handle()'s frame object (and, through tb_next, risky()'s),
and handle()'s frame -- which outlives the call because the traceback holds it, so it took
ownership of its locals when the function returned -- references `saved` and `big`.
risky()'s frame object links to handle()'s through f_back.

Unreachable at the capture line: the ValueError, its args tuple ("boom",) (tracked: it was created
after the last collection), two traceback objects, two frame objects, the Payload and the Payload's
list of 10,000 ints (the ints are atoms, untracked).

Expected (generation 2): collected {"__main__.Payload": 1, "builtins.ValueError": 1,
"builtins.frame": 2, "builtins.list": 1, "builtins.traceback": 2, "builtins.tuple": 1};
one finalizer (Payload.__del__), FINALIZED gains "payload".
"""
import gc

FINALIZED = []


class Payload:
    def __init__(self, size):
        self.blob = list(range(size))

    def __del__(self):
        FINALIZED.append("payload")


def risky():
    raise ValueError("boom")


def handle():
    big = Payload(10_000)
    try:
        risky()
    except ValueError as exc:
        saved = exc  # the trap: a local that outlives the except block
    return len(big.blob)


gc.collect()  # start from a heap without import-time garbage

handle()
pass  # @capture
print("finalized:", FINALIZED)
