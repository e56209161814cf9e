"""The pure-Python kernel (agent/heap_inspector_agent/kernel_py.py) against plain reads, on every
installed CPython 3.8+: what it reports must not depend on how it reads."""
import json
import os
import subprocess

import pytest
from interpreters import interpreters

from conftest import AGENT_DIR

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "programs", "kernel_refcounts.py")


@pytest.mark.parametrize("label,python", interpreters())
def test_refcounts_leave_out_the_references_of_the_kernels_own_reading(label, python):
    run = subprocess.run([python, DRIVER, AGENT_DIR], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout.strip().splitlines()[-1])
    differing = {name: pair for name, pair in results.items() if pair[0] != pair[1]}
    assert differing == {}, "kernel vs plain count (each minus a fresh probe's): %s" % differing
