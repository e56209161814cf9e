"""Builds the native accelerator for the interpreter that runs this file.

    python -I build_accel.py describe           one line of JSON: what names and checks a build
    python -I build_accel.py build OUT DIGEST   compiles the C files beside this one into OUT

With the interpreter's own compiler, flags and headers, as ``sysconfig`` records them (``CC``,
``LDSHARED``, ``CFLAGS``, ``CCSHARED``, ``INCLUDEPY``): nothing is downloaded and nothing but OUT is
written (the compiler's temporary files aside).  ``DIGEST`` names the sources (the caller computed
it) and is compiled into the module.  The module is then loaded here, in this throwaway process,
and checked with the agent's own loader (accel_loader.py): a build that would be refused at load
time fails here instead.

Exit status 0 when OUT is built and verified; 1 with one line on stderr saying why not (no
compiler, no headers, an interpreter the accelerator does not support, a compile error).  The
caller (server/runner/accelerator.ts) renames OUT into its cache folder and keeps the line for the
snapshot's warnings.
"""
import importlib.machinery
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
LOADER = os.path.join(os.path.dirname(HERE), "heap_inspector_agent", "accel_loader.py")
COMPILE_SECONDS = 300
# Warnings that would be errors in a newer compiler, and a missing declaration (an API this
# version lacks) is an error now rather than an undefined symbol at load time.
EXTRA_FLAGS = ["-Werror=implicit-function-declaration", "-fno-strict-aliasing"]


class BuildRefused(Exception):
    """The accelerator cannot be built here; the message is the reason, one clause."""


def _loader():
    spec = importlib.util.spec_from_file_location("_heap_inspector_accel_loader", LOADER)
    loader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader)
    return loader


def _var(name):
    value = sysconfig.get_config_var(name)
    return value if isinstance(value, str) else ""


def _headers():
    """Folders holding Python.h and pyconfig.h; BuildRefused when they are not installed."""
    include = _var("INCLUDEPY") or sysconfig.get_path("include") or ""
    platform_include = _var("CONFINCLUDEPY") or sysconfig.get_path("platinclude") or include
    if not os.path.isfile(os.path.join(include, "Python.h")):
        raise BuildRefused("this Python's C headers are not installed (no %s)" % os.path.join(include, "Python.h"))
    if not os.path.isfile(os.path.join(platform_include, "pyconfig.h")) and not os.path.isfile(
        os.path.join(include, "pyconfig.h")
    ):
        raise BuildRefused("this Python's pyconfig.h is not installed (looked in %s)" % platform_include)
    return [include] if platform_include == include else [include, platform_include]


def _compiler():
    """The link driver's command words (LDSHARED, which compiles and links in one step)."""
    words = shlex.split(_var("LDSHARED"))
    compiler = shlex.split(_var("CC"))
    if not words or not compiler:
        raise BuildRefused("this Python records no C compiler to build extensions with")
    for word in (words[0], compiler[0]):
        if shutil.which(word) is None:
            raise BuildRefused("no C compiler: %s is not installed" % word)
    return words


def describe():
    """What the caller needs to name, find and check a build for this interpreter."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return {
        "executable": sys.executable,
        "hexversion": sys.hexversion,
        "abiflags": getattr(sys, "abiflags", ""),
        "extSuffix": _var("EXT_SUFFIX") or (suffixes[0] if suffixes else ""),
        "pointerSize": 8 if sys.maxsize > 2**32 else 4,
    }


def build(out, digest):
    loader = _loader()
    problem = loader.interpreter_problem()
    if problem is not None:
        raise BuildRefused(problem)
    if not all(c.isalnum() for c in digest):
        raise BuildRefused("the source digest must be letters and digits (got %r)" % digest)
    includes = _headers()
    command = _compiler()
    command += shlex.split(_var("CFLAGS")) + shlex.split(_var("CCSHARED")) + EXTRA_FLAGS
    command += ["-I" + folder for folder in includes]
    command += ['-DHI_ACCEL_SOURCE_DIGEST="%s"' % digest]
    sources = sorted(name for name in os.listdir(HERE) if name.endswith(".c"))
    command += [os.path.join(HERE, source) for source in sources] + ["-o", out]
    result = _compile(command + _zlib_flags(includes))
    if result.returncode != 0 and _zlib_flags(includes):
        # Compression beside the walk is optional: without zlib's library the rest still builds.
        result = _compile(command)
    if result.returncode != 0:
        output = result.stdout.decode("utf-8", "replace").splitlines()
        errors = [line for line in output if "error" in line] or output or ["no output"]
        raise BuildRefused("the C compiler failed: %s" % errors[0].strip())
    os.chmod(out, 0o600)
    problem = loader.use(out)
    if problem is not None:
        raise BuildRefused("the built module does not load: %s" % problem)


def _zlib_flags(includes):
    """Compile accel_deflate.c where zlib's header is there (it links zlib, which the
    interpreter's own zlib module already loads) and POSIX threads are (not on Windows)."""
    if os.name != "posix":
        return []
    folders = includes + ["/usr/include", "/usr/local/include"]
    if not any(os.path.isfile(os.path.join(folder, "zlib.h")) for folder in folders):
        return []
    return ["-DHI_HAVE_ZLIB", "-lz", "-pthread"]


def _compile(command):
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=COMPILE_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise BuildRefused("the C compiler did not finish in %d s" % COMPILE_SECONDS)
    except OSError as error:
        raise BuildRefused("the C compiler could not run (%s)" % error)
    return result


def main(argv):
    if len(argv) == 2 and argv[1] == "describe":
        print(json.dumps(describe()))
        return 0
    if len(argv) == 4 and argv[1] == "build":
        try:
            build(argv[2], argv[3])
        except BuildRefused as refusal:
            sys.stderr.write("%s\n" % refusal)
            return 1
        return 0
    sys.stderr.write("usage: build_accel.py describe | build OUT DIGEST\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
