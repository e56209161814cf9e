"""An exception stored in a local: the traceback <-> frame cycle keeps big locals alive.

import_rows() builds a large table in a local, then catches a parse error and keeps it in `error`
to report it later.  The exception references its traceback, the traceback references
import_rows()'s frame, and the frame references its locals -- `error` itself (a cycle) and `table`.
When import_rows() returns, the frame cannot be freed by reference counting: the whole table stays
in memory until the cyclic collector runs.  This is why Python deletes the `as exc` name at the end
of an except block, and why storing it in another name brings the problem back.

Capture at the "Inspect here" line: the ValueError (and its args tuple), two traceback objects,
the frames of import_rows() and parse_row(), the Table with its 10,002 row lists, and the `lines`
argument list are unreachable -- 10,010 objects kept alive by one local variable.

The fix: keep what you need from the exception, not the exception (`error = str(exc)`), or
`del error` / `error = None` before returning, or drop the frames (`exc.with_traceback(None)`,
`traceback.clear_frames(exc.__traceback__)`).
"""
import gc
import weakref


class Table(list):
    """A list that can be weakly referenced, so the example can tell whether it is alive."""


def parse_row(text):
    if not text.isdigit():
        raise ValueError("not a number: %r" % text)
    return int(text)


def import_rows(lines):
    table = Table([i, i * 2] for i in range(10_000))
    watch = weakref.ref(table)
    error = None
    for line in lines:
        try:
            table.append([parse_row(line)])
        except ValueError as exc:
            error = exc  # the trap: the exception outlives the except block
    return watch, error is not None


watch, failed = import_rows(["1", "2", "three"])
kept = watch() is not None  # Inspect here: frame + traceback + 10,000-row table are garbage
gc.collect()
print("import failed: %s; table alive after return: %s; after gc.collect(): %s"
      % (failed, kept, watch() is not None))
