"""CPython's own Lib/test/test_gc.py, as a test of ours: each ``self.assertEqual(gc.collect(), N)``
says what a full collection at that line returns.  The CLI, stopped at that very line (the test
method run by itself, as ``python -m unittest test.test_gc.Class.method`` would), must predict N
unreachable objects.  On every installed CPython whose test package is there (Debian's python3
ships without it); each version's own test_gc.py."""
import ast
import json
import os
import re
import subprocess

import pytest
from interpreters import ROOT, interpreters

CLI = os.path.join(ROOT, "bin", "heap-inspector.js")
DRIVER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "programs", "agent", "run_unittest.py")
ASSERTION = re.compile(r"^\s*self\.assertEqual\(gc\.collect\(\), (\d+)\)\s*$")


def _test_gc_file(python):
    out = subprocess.run(
        [python, "-c", "import test.test_gc as t; print(t.__file__)"], capture_output=True, text=True, timeout=120
    )
    return out.stdout.strip() if out.returncode == 0 else None


def _assertions(path):
    """[(line, expected, "test.test_gc.Class.method")] of every assertEqual(gc.collect(), N)."""
    with open(path, encoding="utf-8") as source:
        text = source.read()
    methods = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    methods.append((item.lineno, item.end_lineno, node.name, item.name))
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = ASSERTION.match(line)
        if match:
            owner = [m for m in methods if m[0] <= number <= m[1]]
            assert len(owner) == 1, "no single test method around line %d of %s" % (number, path)
            found.append((number, int(match.group(1)), "test.test_gc.%s.%s" % owner[0][2:]))
    return found


def _cases():
    cases = []
    for label, python in interpreters():
        path = _test_gc_file(python)
        if path is None:
            continue
        for line, expected, test_name in _assertions(path):
            case_id = "%s-%s:%d" % (label, test_name, line)
            cases.append(pytest.param(python, path, line, expected, test_name, id=case_id))
    return cases


@pytest.mark.parametrize("python,path,line,expected,test_name", _cases())
def test_prediction_equals_test_gc_assertion(python, path, line, expected, test_name, tmp_path):
    summary = str(tmp_path / "summary.json")
    result = subprocess.run(
        ["node", CLI, "snapshot", "--python", python, "--at", "%s:%d" % (path, line), "--json", summary, "--quiet",
         DRIVER, test_name],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(summary) as f:
        predicted = json.load(f)
    assert predicted["unreachable"]["count"] == expected, (predicted["unreachable"], predicted["warnings"])
    # The unittest run itself passed: the real gc.collect() at that line returned N as well.
    assert re.search(r"^OK", result.stderr, re.M), result.stderr
