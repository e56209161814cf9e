"""Compiles the agent package's modules once, for one interpreter, into one file.

    python build_agent_code.py AGENT_DIR TARGET

Loading the agent compiles its ~35 modules from source in the program's process, at the first
capture, inside the pause (about 0.035 s on CPython 3.11).  bootstrap.py loads their code from this
file instead (unmarshalling is some 30 times faster), module by module, and only when everything
matches; otherwise that module is compiled from source as before.  Layout (integers little-endian):

    MAGIC_NUMBER (4 bytes)   the interpreter's bytecode version, as in a .pyc
    b"HIAG"                  what the file is
    optimisation level (4)   sys.flags.optimize the code was compiled for (-O strips asserts)
    payload length (8)
    payload hash (8)         _imp.source_hash of the payload, what CPython checks hash-based
                             .pyc files with: a damaged file is noticed, not unmarshalled
    payload                  marshal of a tuple of (path, source hash, code) per module

A module's path is AGENT_DIR, the separator bootstrap.py uses, and its file name: the path its
code names, so that the agent's frames and classes are recognised as when loaded from source.
Nothing is written beside the agent: the CLI keeps the file in its private runner cache.
"""
import _imp
import importlib.util
import marshal
import os
import sys

TAG = b"HIAG"


def _separator(directory):
    # The same rule as bootstrap.load_agent's: the code must name the path it loads.
    return "\\" if "\\" in directory and "/" not in directory else "/"


def main(directory, target_path):
    separator = _separator(directory)
    entries = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".py"):
            continue
        path = directory + separator + name
        with open(path, "rb") as source_file:
            source = source_file.read()
        code = compile(source, path, "exec", dont_inherit=True)
        entries.append((path, _imp.source_hash(importlib.util._RAW_MAGIC_NUMBER, source), code))
    payload = marshal.dumps(tuple(entries))
    header = (
        importlib.util.MAGIC_NUMBER
        + TAG
        + sys.flags.optimize.to_bytes(4, "little")
        + len(payload).to_bytes(8, "little")
        + _imp.source_hash(importlib.util._RAW_MAGIC_NUMBER, payload)
    )
    temporary = target_path + ".partial"
    with open(temporary, "wb") as out:
        out.write(header + payload)
    os.replace(temporary, target_path)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except (OSError, ValueError, SyntaxError, IndexError) as error:
        sys.stderr.write("build_agent_code.py: %s\n" % error)
        raise SystemExit(1)
