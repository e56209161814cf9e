"""Running the collector oracle (test/oracle/collect_at_line.py) from its tests
(test_oracle.py, test_oracle_mechanics.py).
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "collect_at_line.py")


def run_oracle(script, at, *extra, cwd=None, python=None, timeout=60):
    """Runs the oracle; returns (CompletedProcess, result dict or None)."""
    fd, out = tempfile.mkstemp(suffix=".json", prefix="oracle-")
    os.close(fd)
    os.unlink(out)
    try:
        proc = subprocess.run(
            [python or sys.executable, ORACLE, "--at", at, *extra, "--out", out, script],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = None
        if os.path.exists(out):
            with open(out, encoding="utf-8") as fh:
                result = json.load(fh)
        return proc, result
    finally:
        if os.path.exists(out):
            os.unlink(out)

