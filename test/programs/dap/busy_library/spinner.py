"""A thread that never waits: a pure-Python loop that always wants the GIL.

Lives in its own folder so that a debug launch can mark it as library code
(`rules: [{path: <this folder>, include: false}]` with `justMyCode`): pydevd then does not pause
this thread when the main thread stops at a breakpoint, as for any library's worker thread.
"""
import threading

STARTED = threading.Event()
TURNS = [0]  # loop turns so far: grows whenever this thread holds the GIL


def spin():
    STARTED.set()
    turns = TURNS
    while True:
        turns[0] += 1
