"""Every CPython 3.8+ on this machine, for tests that run a program under the runner: the pyenv
versions, Debian's /usr/bin/python3, and the 32-bit CPython of scripts/i386-python.sh when it is
there (fetched by `npm test`'s dependency step)."""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# HEAP_INSPECTOR_TEST_RUNNER: another copy of the runner (e.g. an older agent, to see a test fail).
RUNNER = os.environ.get("HEAP_INSPECTOR_TEST_RUNNER") or os.path.join(ROOT, "agent", "heap_inspector_run.py")


def _version(python):
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3], sys.maxsize > 2**32)"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if len(out) == 2 else None


def interpreters():
    """[(label, path)] of the CPython 3.8+ interpreters found, the running one first."""
    found = [sys.executable]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python")))
    found.append("/usr/bin/python3")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    found.append(os.path.join(cache, "heap-inspector", "i386-python", "python3"))
    result = []
    seen = set()
    for python in found:
        if not os.path.exists(python):
            continue
        version = _version(python)
        if version is None or tuple(map(int, version[0].split(".")[:2])) < (3, 8):
            continue
        label = version[0] + ("" if version[1] == "True" else "-32bit")
        if python == "/usr/bin/python3":
            label += "-debian"
        if label in seen:
            continue
        seen.add(label)
        result.append((label, python))
    return result


def run_to_line(python, script, line, out, args=(), at_file=None, cwd=None, timeout=300):
    """Run ``script args`` under the runner with ``python``, capturing at ``at_file``:``line``
    (``at_file`` defaults to the script)."""
    at = "%s:%d" % (at_file or script, line)
    return subprocess.run(
        [python, RUNNER, "run", "--at", at, "--out", out, script] + list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
