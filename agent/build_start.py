"""Compiles heap_inspector_start.py into a .pyc whose every tuple has 0 or at least 21 items.

    python build_start.py SOURCE TARGET

The compiled heap_inspector_schedule.py (from SOURCE's folder, not padded) follows the padded
code in the same file, with its length in the last 8 bytes: python reads only the first object of
a main .pyc, and heap_inspector_start.py unmarshals the second once it has measured what it must.

CPython keeps free lists of tuples of 1 to 19 items (to 20 from 3.13) only: a longer tuple is always a new
allocation, so loading the compiled file changes the collector's count by a known amount and leaves
every free list as it was (see heap_inspector_start.py).  Constants are padded with ``None``, names
and local names with unused names.  Refuses (exit 1, one line) when a short tuple cannot be padded:
a closure, a tuple constant, a call with keyword arguments.
"""
import importlib.util
import marshal
import sys

MIN_LENGTH = 21


def _pad_names(names):
    if not names:
        return names
    extra = tuple("\x00pad%d" % index for index in range(max(0, MIN_LENGTH - len(names))))
    return tuple(names) + extra


def pad(code):
    constants = []
    for constant in code.co_consts:
        if type(constant) is type(code):
            constant = pad(constant)
        elif type(constant) in (tuple, frozenset) and constant:
            raise ValueError("%s: a %s constant %r would be a short tuple" % (code.co_name, type(constant).__name__, constant))
        constants.append(constant)
    while len(constants) < MIN_LENGTH:
        constants.append(None)
    if code.co_freevars or code.co_cellvars:
        raise ValueError("%s: closures (%s) cannot be padded" % (code.co_name, code.co_freevars + code.co_cellvars))
    varnames = _pad_names(code.co_varnames)
    changes = {"co_consts": tuple(constants), "co_names": _pad_names(code.co_names)}
    if varnames is not code.co_varnames:
        changes["co_varnames"] = varnames
        changes["co_nlocals"] = len(varnames)
    return code.replace(**changes)


def main(source_path, target_path):
    with open(source_path, "rb") as source_file:
        source = source_file.read()
    code = pad(compile(source, source_path, "exec", dont_inherit=True))
    data = marshal.dumps(code)
    import os

    schedule_path = os.path.join(os.path.dirname(os.path.abspath(source_path)), "heap_inspector_schedule.py")
    with open(schedule_path, "rb") as schedule_file:
        schedule = marshal.dumps(compile(schedule_file.read(), schedule_path, "exec", dont_inherit=True))
    data += schedule + len(schedule).to_bytes(8, "little")
    # The magic number, flags 0, and mtime/size fields that python does not check for a main .pyc.
    header = importlib.util.MAGIC_NUMBER + bytes(12)
    temporary = target_path + ".partial"
    with open(temporary, "wb") as out:
        out.write(header + data)
    os.replace(temporary, target_path)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except (OSError, ValueError, SyntaxError) as error:
        sys.stderr.write("build_start.py: %s\n" % error)
        raise SystemExit(1)
