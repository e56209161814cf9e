"""The runner as the CLI runs it: two compiled stages, the runner carrying how the line is caught.

``build_runner.py`` appends heap_inspector_catch_line.py's compiled code to the runner's .pyc, and
the runner runs it in its own namespace.  Run like the CLI runs it (``python start.pyc run.pyc run
...``), nothing may be compiled in the program's process before the program starts (``compile()``
creates the ``ast`` types, which would make the program's own later compiles cheaper), no module
may be added, and the program's namespace must be the one python gives a script.  A sitecustomize
audit hook records the process's ``compile`` events; the program marks its start with an event of
its own.
"""
import os
import subprocess

import pytest
from interpreters import ROOT, interpreters

AGENT = os.path.join(ROOT, "agent")

AUDIT_HOOK = """
import os, sys
_log = open(os.environ["AUDIT_LOG"], "a")
_pid = os.getpid()
def _hook(event, args, _log=_log, _pid=_pid, getpid=os.getpid):
    if getpid() != _pid:
        return  # a forked child of the runner (it compiles; the program never sees it)
    if event == "compile":
        _log.write("compile %s\\n" % (args[1],))
        _log.flush()
    elif event == "heap_inspector_test.start":
        _log.write("start\\n")
        _log.flush()
sys.addaudithook(_hook)
"""

PROGRAM = """import sys
sys.audit("heap_inspector_test.start")
seen = {"names": sorted(globals()), "modules": sorted(n for n in sys.modules if "ast" in n or "heap" in n)}
with open(sys.argv[1], "w") as out:
    out.write(repr(seen))
x = [1]
x.append(x)
del x
y = 2
"""
CAPTURE_LINE = 9


def build(python, folder):
    start = os.path.join(folder, "start.pyc")
    runner = os.path.join(folder, "run.pyc")
    for builder, source, target in (
        ("build_start.py", "heap_inspector_start.py", start),
        ("build_runner.py", "heap_inspector_run.py", runner),
    ):
        built = subprocess.run(
            [python, "-I", os.path.join(AGENT, builder), os.path.join(AGENT, source), target],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert built.returncode == 0, built.stderr
    return start, runner


def run_stages(python, stages, tmp_path, env=None):
    (tmp_path / "program.py").write_text(PROGRAM)
    command = [python] + list(stages) + [
        "run",
        "--agent-dir",
        os.path.join(AGENT, "heap_inspector_agent"),
        "--at",
        "program.py:%d" % CAPTURE_LINE,
        "--out",
        str(tmp_path / "snap"),
        "--status-out",
        str(tmp_path / "status"),
        "--",
        "program.py",
        str(tmp_path / "seen.txt"),
    ]
    return subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("label,python", interpreters())
def test_the_compiled_stages_compile_nothing_before_the_program_starts(label, python, tmp_path):
    stages = build(python, str(tmp_path))
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(AUDIT_HOOK)
    log = tmp_path / "audit.log"
    env = dict(os.environ, PYTHONPATH=str(site), AUDIT_LOG=str(log), PYTHONHASHSEED="0")
    run = run_stages(python, stages, tmp_path, env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "status").read_text().split("\n")[0] == "captured", run.stderr
    events = log.read_text().split("\n")
    assert "start" in events, "the audit hook saw nothing: %r" % events
    before = events[: events.index("start")]
    assert [e for e in before if e.startswith("compile")] == [], "compiled before the program started"
    under_runner = eval((tmp_path / "seen.txt").read_text())  # noqa: S307 - the program's repr
    plain = subprocess.run(
        [python, "program.py", "plain.txt"], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120
    )
    assert plain.returncode == 0, plain.stderr
    as_python = eval((tmp_path / "plain.txt").read_text())  # noqa: S307
    # No ast module nor anything of the runner in sys.modules; the names python gives a script.
    assert under_runner["modules"] == as_python["modules"] == []
    assert under_runner["names"] == as_python["names"]


@pytest.mark.parametrize("label,python", interpreters()[:1])
def test_a_compiled_runner_without_the_line_catching_code_says_so(label, python, tmp_path):
    runner = str(tmp_path / "plain.pyc")
    compiled = subprocess.run(
        [
            python,
            "-I",
            "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
            os.path.join(AGENT, "heap_inspector_run.py"),
            runner,
        ],
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, compiled.stderr
    run = run_stages(python, [runner], tmp_path)
    assert run.returncode == 1
    lines = run.stderr.strip().split("\n")
    assert len(lines) == 1 and "carries no line-catching code" in lines[0], run.stderr
    assert (tmp_path / "status").read_text().startswith("refused\n")
    assert not (tmp_path / "seen.txt").exists(), "the program ran"
