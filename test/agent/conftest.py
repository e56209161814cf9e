"""Loads the agent exactly as the runner and the debugger hook do: through bootstrap.py."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "agent", "heap_inspector_agent")
sys.path.insert(0, HERE)  # snapshot_reader, for the tests only


def load_agent():
    namespace = {"__name__": "_heap_inspector_bootstrap"}
    with open(os.path.join(AGENT_DIR, "bootstrap.py"), "rb") as source:
        exec(compile(source.read(), os.path.join(AGENT_DIR, "bootstrap.py"), "exec"), namespace)
    return namespace["load_agent"](AGENT_DIR)


@pytest.fixture(scope="session")
def agent():
    return load_agent()


@pytest.fixture
def snapshot_path(tmp_path):
    return str(tmp_path / "capture.heapsnap")
