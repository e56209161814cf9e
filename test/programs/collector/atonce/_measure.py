"""What deleting a module global frees at once, without any collection, measured in the program.

``measure(namespace, names)`` forks once per name (and once more with nothing deleted). The child
turns the collector off, counts the collector-tracked objects, deletes ``namespace[name]`` and
counts them again: with no collection, only reference counting freed the difference. Counting
needs no object identity (no ``id()`` that a new object could reuse). The child without a
deletion measures what the counting itself changes (subtracted). Prints one JSON line.
"""
import gc
import json
import os
import sys


def _freed(namespace, name):
    gc.disable()
    before = len(gc.get_objects())
    if name is not None:
        del namespace[name]
    after = len(gc.get_objects())
    return before - after


def measure(namespace, names):
    sys.stdout.flush()
    sys.stderr.flush()
    results = {}
    for name in [None] + list(names):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                count = _freed(namespace, name)
                os.write(write, str(count).encode())
            finally:
                os._exit(0)
        os.close(write)
        chunks = []
        while True:
            chunk = os.read(read, 64)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        results[name] = int(b"".join(chunks))
    baseline = results.pop(None)
    print(json.dumps({"baseline": baseline, "freed": {k: v - baseline for k, v in results.items()}}))
