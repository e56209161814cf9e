"""The agent's modules compiled once per interpreter (build_agent_code.py) and loaded from that file
by bootstrap.py, instead of compiled from source in the program's process at the first capture.

A module's compiled code is used only when everything matches: the interpreter's bytecode (its
magic number), the optimisation level, the file's own checksum, the file the code names and the
module's current source.  Anything else is ignored and the module is compiled from its source, as
without the file.  An audit hook in the loading process records which agent files were compiled.
"""
import json
import os
import shutil
import subprocess

import pytest
from interpreters import ROOT, interpreters

AGENT = os.path.join(ROOT, "agent")
PACKAGE = os.path.join(AGENT, "heap_inspector_agent")

# Loads the agent as the runner does; prints which of its files were compiled and a marker.
LOAD = r"""
import json, os, sys
agent_dir, code_path = sys.argv[1], sys.argv[2] or None
compiled = []
def hook(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].startswith(agent_dir):
        compiled.append(os.path.basename(args[1]))
sys.addaudithook(hook)
namespace = {"__name__": "_heap_inspector_bootstrap"}
path = os.path.join(agent_dir, "bootstrap.py")
with open(path, "rb") as source:
    exec(compile(source.read(), path, "exec"), namespace)
compiled.clear()  # the bootstrap itself is compiled by the runner in any case
capture = namespace["load_agent"](agent_dir, code_path) if code_path else namespace["load_agent"](agent_dir)
package = sys.modules["_heap_inspector_agent"]
print(json.dumps({
    "compiled": sorted(compiled),
    "marker": getattr(package.compat, "TEST_MARKER", None),
    "capture": capture.__name__,
    "submodules": len(namespace["SUBMODULES"]),
}))
"""


def all_pythons():
    return interpreters()


def no_pyc_beside(agent_dir):
    # Checked in a private copy only: other tests may compile the repository's agent meanwhile.
    if agent_dir != PACKAGE:
        assert not os.path.exists(os.path.join(agent_dir, "__pycache__")), "no .pyc beside the agent"


def build(python, agent_dir, target):
    built = subprocess.run(
        [python, "-I", os.path.join(AGENT, "build_agent_code.py"), agent_dir, target],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    no_pyc_beside(agent_dir)
    return target


def load(python, agent_dir, code_path, flags=()):
    run = subprocess.run(
        [python] + list(flags) + ["-c", LOAD, agent_dir, code_path or ""],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    no_pyc_beside(agent_dir)
    return json.loads(run.stdout.strip().split("\n")[-1])


def from_source(python, agent_dir, flags=()):
    """What loading compiles without the file: every module of the package (but those a
    __pycache__ beside the repository's agent may hold, left there by other tools)."""
    result = load(python, agent_dir, None, flags)
    assert len(result["compiled"]) > result["submodules"] // 2, result["compiled"]
    return result["compiled"]


@pytest.fixture
def agent_copy(tmp_path):
    copy = str(tmp_path / "agent")
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize("label,python", all_pythons())
def test_loading_from_the_compiled_file_compiles_nothing(label, python, tmp_path):
    code = build(python, PACKAGE, str(tmp_path / "agent.code"))
    result = load(python, PACKAGE, code)
    assert result["compiled"] == []
    assert result["capture"] == "_heap_inspector_agent.capture"


@pytest.mark.parametrize("label,python", all_pythons()[:1])
def test_an_edited_module_is_compiled_from_its_new_source(label, python, tmp_path, agent_copy):
    code = build(python, agent_copy, str(tmp_path / "agent.code"))
    with open(os.path.join(agent_copy, "compat.py"), "a") as module:
        module.write("\nTEST_MARKER = 'edited'\n")
    result = load(python, agent_copy, code)
    assert result["compiled"] == ["compat.py"]
    assert result["marker"] == "edited"


@pytest.mark.parametrize("label,python", all_pythons()[:1])
def test_code_compiled_for_another_folder_is_not_used(label, python, tmp_path, agent_copy):
    code = build(python, PACKAGE, str(tmp_path / "agent.code"))
    assert load(python, agent_copy, code)["compiled"] == from_source(python, agent_copy)


def test_code_compiled_by_another_interpreter_is_not_used(tmp_path):
    pythons = all_pythons()
    magic = {}
    for label, python in pythons:
        out = subprocess.run(
            [python, "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
            capture_output=True,
            text=True,
        )
        magic.setdefault(out.stdout.strip(), python)
    if len(magic) < 2:
        pytest.skip("needs two interpreters with different bytecode")
    first, second = list(magic.values())[:2]
    code = build(first, PACKAGE, str(tmp_path / "agent.code"))
    assert load(second, PACKAGE, code)["compiled"] == from_source(second, PACKAGE)
    assert load(first, PACKAGE, code)["compiled"] == []


@pytest.mark.parametrize("label,python", all_pythons()[:1])
def test_another_optimisation_level_compiles_from_source(label, python, tmp_path):
    code = build(python, PACKAGE, str(tmp_path / "agent.code"))
    assert load(python, PACKAGE, code, flags=["-O"])["compiled"] == from_source(python, PACKAGE, ["-O"])


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty", "missing"])
def test_a_damaged_file_is_ignored(damage, tmp_path):
    python = all_pythons()[0][1]
    code = build(python, PACKAGE, str(tmp_path / "agent.code"))
    with open(code, "rb") as built:
        data = built.read()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x40]) + data[middle + 1 :]
    elif damage == "garbage":
        data = data[:8] + os.urandom(len(data) - 8)
    elif damage == "empty":
        data = b""
    if damage == "missing":
        os.unlink(code)
    else:
        with open(code, "wb") as out:
            out.write(data)
    assert load(python, PACKAGE, code)["compiled"] == from_source(python, PACKAGE)


AUDIT_HOOK = """
import os, sys
_log = open(os.environ["AUDIT_LOG"], "a")
_pid = os.getpid()
def _hook(event, args, _log=_log, _pid=_pid, getpid=os.getpid):
    if getpid() == _pid and event == "compile" and isinstance(args[1], str):
        _log.write(args[1] + "\\n")
        _log.flush()
sys.addaudithook(_hook)
"""

PROGRAM = """x = [1]
x.append(x)
y = 2
"""


def run_runner(python, tmp_path, code_path):
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(AUDIT_HOOK)
    log = tmp_path / "audit.log"
    if log.exists():
        log.unlink()
    (tmp_path / "program.py").write_text(PROGRAM)
    command = [python, os.path.join(AGENT, "heap_inspector_run.py"), "run", "--agent-dir", PACKAGE]
    if code_path is not None:
        command += ["--agent-code", code_path]
    command += ["--at", "program.py:3", "--out", str(tmp_path / "snap"), "--status-out", str(tmp_path / "status")]
    command += ["--", "program.py"]
    env = dict(os.environ, PYTHONPATH=str(site), AUDIT_LOG=str(log))
    run = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "status").read_text().split("\n")[0] == "captured", run.stderr
    compiled = log.read_text().split("\n") if log.exists() else []
    return sorted(os.path.basename(path) for path in compiled if path.startswith(PACKAGE))


@pytest.mark.parametrize("label,python", all_pythons())
def test_the_runner_captures_with_the_agent_loaded_from_its_compiled_file(label, python, tmp_path):
    code = build(python, PACKAGE, str(tmp_path / "agent.code"))
    # The bootstrap is compiled by the runner in any case; nothing else of the agent is.
    assert run_runner(python, tmp_path, code) == ["bootstrap.py"]
    assert "capture.py" in run_runner(python, tmp_path, None)
