"""Tests for the collector oracle (test/oracle/collect_at_line.py).

Run: python3 -m pytest -q test/oracle/test_oracle.py
Regenerate test/programs/scenarios/expected.json (after checking every change by reasoning):
     python3 test/oracle/test_oracle.py --regen

The oracle's mechanics on small programs: test_oracle_mechanics.py.
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys

import pytest

from oracle_runs import HERE, run_oracle

SCENARIOS = os.path.join(os.path.dirname(HERE), "programs", "scenarios")
EXPECTED = os.path.join(SCENARIOS, "expected.json")
CAPTURE = re.compile(r"#\s*@capture\s*$")

# Scenario -> oracle runs as (generation, hit).  Default: [(2, 1)].
RUNS = {
    "generations.py": [(2, 1), (0, 1), (1, 1)],
    "gc_disabled.py": [(2, 1), (2, 3)],
}
# Scenarios whose capture line lives in another file (relative to test/programs/scenarios).
CAPTURE_FILE = {"imported_module.py": os.path.join("pkg_helper", "builder.py")}


def capture_line(path):
    with open(path, encoding="utf-8") as fh:
        hits = [i for i, line in enumerate(fh, 1) if CAPTURE.search(line)]
    assert len(hits) == 1, "%s: expected one '# @capture' line, found %d" % (path, len(hits))
    return hits[0]


def scenario_names():
    return sorted(
        n for n in os.listdir(SCENARIOS) if n.endswith(".py") and not n.startswith("_")
    )


def scenario_at(name):
    rel = CAPTURE_FILE.get(name, name)
    return "%s:%d" % (rel, capture_line(os.path.join(SCENARIOS, rel)))


def run_scenario(name, generation=2, hit=1):
    proc, result = run_oracle(
        name,
        scenario_at(name),
        "--generation", str(generation),
        "--hit", str(hit),
        cwd=SCENARIOS,
    )
    return proc, result


def all_runs():
    return [(n, g, h) for n in scenario_names() for (g, h) in RUNS.get(n, [(2, 1)])]


def run_all(runs):
    workers = min(8, max(2, os.cpu_count() or 2))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = {run: pool.submit(run_scenario, *run) for run in runs}
        return {run: f.result() for run, f in futures.items()}


def strip(result):
    return {k: v for k, v in result.items() if k not in ("addresses", "generation")}


@pytest.fixture(scope="module")
def results():
    return run_all(all_runs())


def get(results, name, generation=2, hit=1):
    proc, result = results[(name, generation, hit)]
    assert proc.returncode == 0, proc.stderr
    assert result is not None, proc.stderr
    return result


# --------------------------------------------------------------------------------------------
# Exact results on scenarios (literal expectations, independent of expected.json)


def test_self_reference_exact(results):
    r = get(results, "self_reference.py")
    assert r["generation"] == 2
    assert r["collected"] == {"count": 1, "byType": {"__main__.Connection": 1}}
    assert r["finalizers"] == {"count": 1, "byType": {"__main__.Connection": 1}}
    assert r["delLog"] == ["closing Production-DB"]
    assert r["finalizeCallbacksFired"] == []
    assert r["gcReturn"] == 1
    assert r["garbage"] == 0
    assert len(r["addresses"]) == 1 and r["addresses"][0].startswith("0x")


def test_generations_exact(results):
    by_gen = {g: get(results, "generations.py", g)["collected"]["byType"] for g in (0, 1, 2)}
    assert by_gen[0] == {"__main__.YoungNode": 2}
    assert by_gen[1] == {"__main__.MiddleNode": 2, "__main__.YoungNode": 2}
    assert by_gen[2] == {"__main__.MiddleNode": 2, "__main__.OldNode": 2, "__main__.YoungNode": 2}
    assert get(results, "generations.py", 0)["generation"] == 0


def test_weakref_finalize_exact(results):
    r = get(results, "weakref_finalize.py")
    assert r["collected"]["byType"] == {
        "__main__.Entry": 2,
        "__main__.TempWorkspace": 1,
        "builtins.list": 1,
    }
    assert r["finalizers"]["count"] == 0
    assert r["finalizeCallbacksFired"] == ["rmtree"]  # BadWorkspace's bound method never fires
    proc, _ = results[("weakref_finalize.py", 2, 1)]
    assert "good dir exists: False bad dir exists: True" in proc.stdout


def test_resurrection_counts_only_pending_finalizers(results):
    r = get(results, "resurrection.py")
    assert r["collected"]["byType"] == {"__main__.Ash": 1, "__main__.Phoenix": 2}
    assert r["finalizers"] == {"count": 1, "byType": {"__main__.Phoenix": 1}}
    assert r["delLog"] == ["phoenix fawkes"]
    assert r["gcReturn"] == 1


def test_weak_caches_exact(results):
    r = get(results, "weak_caches.py")
    assert r["collected"]["byType"] == {
        "__main__.Item": 3,
        "__main__.Key": 1,
        "builtins.function": 1,
        "weakref.ReferenceType": 1,
    }
    assert r["delLog"][0] == "callback: referent died"
    assert sorted(r["delLog"][1:]) == [
        "item cached", "item self-watched", "item watched", "key k"
    ]


def test_paused_frame_locals_survive(results):
    r = get(results, "paused_frame_locals.py")
    assert r["collected"]["byType"] == {"__main__.DroppedNode": 2}


def test_generator_finally(results):
    r = get(results, "generator_finally.py")
    assert r["collected"]["byType"] == {"__main__.Stream": 2, "builtins.generator": 2}
    assert r["finalizers"]["byType"] == {"__main__.Stream": 2, "builtins.generator": 2}
    assert sorted(r["delLog"]) == ["finally log", "stream idle", "stream log"]


def test_hostile_dunders_never_called(results):
    proc, r = results[("hostile_dunders.py", 2, 1)]
    assert proc.returncode == 0, proc.stderr
    assert "must not be called" not in proc.stderr
    assert r["collected"]["byType"] == {"__main__.Hostile": 2}


def test_capture_in_imported_module(results):
    r = get(results, "imported_module.py")
    assert r["collected"]["byType"] == {"builtins.list": 3, "pkg_helper.builder.Widget": 3}
    assert sorted(r["delLog"]) == ["widget left", "widget right", "widget root"]


def test_hit_counts_passes(results):
    assert get(results, "gc_disabled.py", 2, 1)["collected"]["byType"] == {"__main__.Chunk": 600}
    assert get(results, "gc_disabled.py", 2, 3)["collected"]["byType"] == {"__main__.Chunk": 1800}
    proc, _ = results[("gc_disabled.py", 2, 3)]
    assert "collector enabled: False" in proc.stdout  # disabled state restored


def test_del_raises_stderr_passes_through(results):
    proc, r = results[("del_raises.py", 2, 1)]
    assert r["collected"]["byType"] == {"__main__.Fragile": 2}
    assert proc.stderr.count("Exception ignored in") == 2
    assert "gc: collectable" not in proc.stderr


def test_scenarios_write_nothing_unexpected_to_stderr(results):
    for (name, g, h), (proc, _) in results.items():
        if name != "del_raises.py":
            assert proc.stderr == "", "%s g%d h%d: %s" % (name, g, h, proc.stderr)


# --------------------------------------------------------------------------------------------
# Every scenario against expected.json


def test_expected_json_covers_every_scenario():
    with open(EXPECTED, encoding="utf-8") as fh:
        expected = json.load(fh)["scenarios"]
    assert sorted(expected) == scenario_names()
    assert len(expected) >= 16
    for name, entry in expected.items():
        assert entry["at"] == scenario_at(name), "%s: capture line moved, regenerate" % name
        runs = sorted((r["generation"], r["hit"]) for r in entry["runs"])
        assert runs == sorted(RUNS.get(name, [(2, 1)]))


@pytest.mark.parametrize("run", all_runs(), ids=lambda r: "%s-g%d-h%d" % r)
def test_scenario_matches_expected(results, run):
    with open(EXPECTED, encoding="utf-8") as fh:
        entry = json.load(fh)["scenarios"][run[0]]
    want = [r for r in entry["runs"] if (r["generation"], r["hit"]) == run[1:]]
    assert len(want) == 1
    want = {k: v for k, v in want[0].items() if k not in ("generation", "hit")}
    got = strip(get(results, *run))
    assert got == want


OTHER_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(
    not os.path.exists(OTHER_PYTHON)
    or os.path.realpath(OTHER_PYTHON) == os.path.realpath(sys.executable),
    reason="no second interpreter",
)
def test_debian_python_agrees_with_expected():
    version = subprocess.run(
        [OTHER_PYTHON, "-c", "import sys; print(sys.version_info[:2] == (3, 11))"],
        capture_output=True, text=True,
    ).stdout.strip()
    if version != "True":
        pytest.skip("%s is not CPython 3.11" % OTHER_PYTHON)
    with open(EXPECTED, encoding="utf-8") as fh:
        expected = json.load(fh)["scenarios"]
    for name, g in [("self_reference.py", 2), ("generations.py", 0), ("weak_caches.py", 2),
                    ("exception_traceback.py", 2), ("imported_module.py", 2)]:
        proc, result = run_oracle(
            name, scenario_at(name), "--generation", str(g), cwd=SCENARIOS, python=OTHER_PYTHON
        )
        assert proc.returncode == 0, proc.stderr
        want = [r for r in expected[name]["runs"] if r["generation"] == g and r["hit"] == 1][0]
        want = {k: v for k, v in want.items() if k not in ("generation", "hit")}
        assert strip(result) == want, name




def regenerate():
    runs = all_runs()
    got = run_all(runs)
    scenarios = {}
    for name in scenario_names():
        entry = {"at": scenario_at(name), "runs": []}
        for g, h in RUNS.get(name, [(2, 1)]):
            proc, result = got[(name, g, h)]
            if proc.returncode != 0 or result is None:
                raise SystemExit("%s g%d h%d failed:\n%s" % (name, g, h, proc.stderr))
            run = {"generation": g, "hit": h}
            run.update(strip(result))
            entry["runs"].append(run)
        scenarios[name] = entry
    doc = {
        "_comment": (
            "What test/oracle/collect_at_line.py reports for each scenario on this machine "
            "(CPython %s). 'at' is FILE:LINE relative to test/programs/scenarios (run the scenarios with "
            "that directory as the working directory); 'runs' lists the oracle's result per "
            "--generation/--hit, without the addresses. Type names are module.qualname of the "
            "type ('builtins.' kept). Regenerate with: python3 test/oracle/test_oracle.py --regen"
            % sys.version.split()[0]
        ),
        "python": sys.version.split()[0],
        "scenarios": scenarios,
    }
    with open(EXPECTED, "w", encoding="utf-8") as fh:
        fh.write(dump_json(doc) + "\n")
    print("wrote", EXPECTED, "(%d scenarios)" % len(scenarios))


def dump_json(value, indent=0, used=0, width=100):
    """JSON as the repository's prettier config formats it: objects expanded, arrays of scalars on
    one line when they fit in `width` columns (`used`: columns before the value, +1 for a comma).
    """
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = []
        for k, v in value.items():
            key = json.dumps(k) + ": "
            items.append(pad + "  " + key + dump_json(v, indent + 2, indent + 2 + len(key) + 1))
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(not isinstance(v, (dict, list)) for v in value):
            flat = "[" + ", ".join(json.dumps(v) for v in value) + "]"
            if used + len(flat) <= width:
                return flat
        inner = [pad + "  " + dump_json(v, indent + 2, indent + 3) for v in value]
        return "[\n" + ",\n".join(inner) + "\n" + pad + "]"
    return json.dumps(value)


if __name__ == "__main__":
    if sys.argv[1:] == ["--regen"]:
        regenerate()
    else:
        print(__doc__)
