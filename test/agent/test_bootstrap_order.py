"""bootstrap.py loads the agent's modules itself, each once, in SUBMODULES' order: a module that
imports one listed after it would make the import system look for it in the agent's folder (a
finder cached in ``sys.path_importer_cache`` for that folder) and load it before its turn."""
import json
import os
import subprocess

import pytest
from interpreters import ROOT, interpreters

PACKAGE = os.path.join(ROOT, "agent", "heap_inspector_agent")

LOAD = r"""
import json, sys
agent_dir = sys.argv[1]
namespace = {"__name__": "_heap_inspector_bootstrap"}
with open(agent_dir + "/bootstrap.py", "rb") as source:
    exec(compile(source.read(), agent_dir + "/bootstrap.py", "exec"), namespace)
namespace["load_agent"](agent_dir)
print(json.dumps({
    "searched": [key for key in sys.path_importer_cache if isinstance(key, str) and key.rstrip("/") == agent_dir.rstrip("/")],
    "listed": list(namespace["SUBMODULES"]),
    "loaded": sorted(name.split(".", 1)[1] for name in sys.modules if name.startswith("_heap_inspector_agent.")),
}))
"""


@pytest.mark.parametrize("label,python", interpreters())
def test_the_agent_folder_is_never_searched(label, python):
    result = subprocess.run([python, "-c", LOAD, PACKAGE], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["searched"] == []
    assert report["loaded"] == sorted(report["listed"])
