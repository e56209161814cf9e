"""Counts taken in forked children of a program, so that what a count does is never seen by it.

``forked_counts(namespace, names, count)`` forks once per name, and once more with nothing to
delete (name None): the child runs ``count(namespace, name)`` and sends its result back through a
pipe, then exits without any cleanup. Returns the result without a name and, per name, its result
less that one. Standard output is flushed first, so that no child prints the parent's buffer again.
"""
import os
import sys


def _in_child(namespace, name, count):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            os.write(write, str(count(namespace, name)).encode())
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
    return int(b"".join(chunks))


def forked_counts(namespace, names, count):
    sys.stdout.flush()
    sys.stderr.flush()
    results = {}
    for name in [None] + list(names):
        results[name] = _in_child(namespace, name, count)
    baseline = results.pop(None)
    return baseline, {k: v - baseline for k, v in results.items()}
