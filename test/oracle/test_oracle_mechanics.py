"""Tests for the collector oracle (test/oracle/collect_at_line.py) on small programs: the
rewritten line keeps its number, the program's exit status, ``__main__`` and ``sys.argv`` are as
under plain python, nothing of the oracle stays referenced, and bad input is one clear line.

Run: python3 -m pytest -q test/oracle/test_oracle_mechanics.py
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from oracle_runs import ORACLE, run_oracle


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def test_rewrite_keeps_line_numbers_and_status(tmp_path):
    script = write(
        tmp_path,
        "tb.py",
        """
        import sys

        def later():
            return sys._getframe().f_code.co_firstlineno

        def fail():
            raise KeyError("boom")

        value = 1  # @capture
        print("first line of later:", later())
        fail()
        """,
    )
    proc, result = run_oracle(script, script + ":9")
    assert result is not None
    assert proc.returncode == 1  # the uncaught exception's status passes through
    assert "first line of later: 3" in proc.stdout
    assert 'line 11, in <module>' in proc.stderr
    assert 'line 7, in fail' in proc.stderr
    assert "fail()" in proc.stderr  # the original source text is shown
    assert "__heap_oracle__" not in proc.stderr
    assert "collect_at_line" not in proc.stderr  # the oracle's frames are not in the traceback


def test_exit_status_passes_through(tmp_path):
    script = write(
        tmp_path,
        "ex.py",
        """
        import sys
        pass  # @capture
        sys.exit(7)
        """,
    )
    proc, result = run_oracle(script, script + ":2")
    assert proc.returncode == 7
    assert result is not None and result["collected"]["count"] == 0


def test_program_sees_normal_main(tmp_path):
    write(
        tmp_path,
        "env.py",
        """
        import json, sys
        pass  # @capture
        print(json.dumps([__name__, __file__, sys.argv, sys.path[0],
                          sys.modules["__main__"].__dict__ is globals()]))
        """,
    )
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, ORACLE, "--at", "env.py:2", "--out", str(out), "env.py", "one", "--two"],
        cwd=str(tmp_path), capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    name, file_, argv, path0, same = json.loads(proc.stdout)
    assert name == "__main__"
    assert file_ == os.path.join(os.path.abspath(str(tmp_path)), "env.py")
    assert argv == ["env.py", "one", "--two"]
    assert path0 == os.path.realpath(str(tmp_path))
    assert same is True


def test_no_reference_kept_and_gc_state_restored(tmp_path):
    script = write(
        tmp_path,
        "refs.py",
        """
        import gc, sys, weakref
        class A:
            pass
        a = A()
        a.peer = [a]
        r = weakref.ref(a)
        before = sys.getrefcount(a)
        pass  # @capture
        after = sys.getrefcount(a)
        del a.peer
        del a
        print(before == after, r() is None, gc.isenabled())
        """,
    )
    proc, result = run_oracle(script, script + ":8")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "True"]
    assert result["collected"]["count"] == 0


@pytest.mark.parametrize(
    "source, line, message",
    [
        ("x = 1  # @capture\n", 5, "no such line"),
        ("if True:\n    x = 1\n", 1, "not a simple statement"),
        ("def f():\n    return 1\n", 1, "not a simple statement"),
        ("x = (1,\n     2)\n", 2, "no statement starts"),
        ('s = """\ntext\n"""\n', 2, "no statement starts"),
        ("\n\nx = 1\n", 1, "no statement starts"),
    ],
    ids=["past-end", "if", "def", "continuation", "in-string", "blank"],
)
def test_bad_line_exits_2_with_one_line(tmp_path, source, line, message):
    script = tmp_path / "bad.py"
    script.write_text(source, encoding="utf-8")
    proc, result = run_oracle(str(script), "%s:%d" % (script, line))
    assert proc.returncode == 2
    assert result is None
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "at, extra",
    [
        ("{dir}/missing.py:1", []),
        ("no-line-number", []),
        ("{dir}/ok.py:1", ["--generation", "3"]),
        ("{dir}/ok.py:1", ["--hit", "0"]),
        ("{dir}/ok.py:1", ["--bogus", "1"]),
        # a module the oracle itself has already imported cannot be rewritten
        (os.path.join(os.path.dirname(json.__file__), "__init__.py") + ":1", []),
    ],
    ids=["missing-file", "no-line", "generation", "hit", "unknown-option", "preloaded-module"],
)
def test_bad_arguments_exit_2(tmp_path, at, extra):
    script = write(tmp_path, "ok.py", "x = 1\n")
    proc, result = run_oracle(script, at.format(dir=tmp_path), *extra)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert result is None


def test_line_never_reached_exits_3(tmp_path):
    script = write(
        tmp_path,
        "never.py",
        """
        def unused():
            pass  # @capture
        print("done")
        """,
    )
    proc, result = run_oracle(script, script + ":2")
    assert proc.returncode == 3
    assert result is None
    assert "done" in proc.stdout
    proc, result = run_oracle(script, script + ":2", "--hit", "2")
    assert proc.returncode == 3


def test_program_failure_wins_over_not_reached(tmp_path):
    script = write(
        tmp_path,
        "fails.py",
        """
        raise SystemExit(5)
        pass  # @capture
        """,
    )
    proc, result = run_oracle(script, script + ":2")
    assert proc.returncode == 5
    assert result is None
