"""Compiles heap_inspector_run.py into a .pyc that carries heap_inspector_catch_line.py too.

    python build_runner.py SOURCE TARGET

The runner's code is the .pyc's first object, the only one python reads when it runs the file
(or heap_inspector_start.py loads it); the compiled heap_inspector_catch_line.py (from SOURCE's
folder) follows, with its length in the last 8 bytes, and the runner runs it in its own namespace
(see its ``_load_line_catching``): one file to build, trust and cache.  Neither is padded (only the
first stage must be, see build_start.py).
"""
import importlib.util
import marshal
import os
import sys


def main(source_path, target_path):
    with open(source_path, "rb") as source_file:
        runner = marshal.dumps(compile(source_file.read(), source_path, "exec", dont_inherit=True))
    catch_path = os.path.join(os.path.dirname(os.path.abspath(source_path)), "heap_inspector_catch_line.py")
    with open(catch_path, "rb") as catch_file:
        catch = marshal.dumps(compile(catch_file.read(), catch_path, "exec", dont_inherit=True))
    # The magic number, flags 0, and mtime/size fields that python does not check for a main .pyc.
    header = importlib.util.MAGIC_NUMBER + bytes(12)
    temporary = target_path + ".partial"
    with open(temporary, "wb") as out:
        out.write(header + runner + catch + len(catch).to_bytes(8, "little"))
    os.replace(temporary, target_path)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except (OSError, ValueError, SyntaxError) as error:
        sys.stderr.write("build_runner.py: %s\n" % error)
        raise SystemExit(1)
