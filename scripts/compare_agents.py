"""Capture the same programs with an earlier agent and this one, and compare the snapshots column
by column, then what the CLI and the extension show of them: a change to how the agent walks the
heap must not change what it captures.

    python3 scripts/compare_agents.py --old REV [--python PY] [--collector off] [PROGRAM.py ...]

The columns compared are the engine's model of each snapshot (test/agent/snapshot_reader.py reads
a format 2 file through the engine), so an agent writing format 1 (the earlier one) and one
writing format 2 (references by address, labels as recorded facts) are compared on what the
engine makes of them; then the summary and the heap view of each (scripts/snapshot-outputs.ts)
must be equal too, apart from the capture's own times and versions.

Both agents are loaded into the same process (the earlier one under another package name) and
capture at the same line one after the other (earlier, this, earlier, this: the first two warm
their caches), so addresses and the program's objects are the same for both; comparing two
processes would differ in reference counts that the agents' own code holds (interned names,
small ints). Without PROGRAMs: every scenario of test/scenarios at the line of expected.json.
A PROGRAM given on the command line is captured at its line `pass  # @capture`.

Differences that are the method's, not the agents', are reported as noise: counts of interned
strings, small ints, None and the booleans within 3 (the interpreter's constants; any difference
between agents writing different formats, whose own code and data differ), None's within 8
(measured with the same agent on both sides), the snapshot's own output path, and the objects the
collector schedule keeps between the two captures. The type attribute cache, whose entries hold
names, is emptied before each capture. Prints one line per program; exit 1 when
any program differs otherwise.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "agent"))
from snapshot_reader import Snapshot  # noqa: E402

COLUMNS = (
    "node.type node.size node.refcount node.flags node.name node.edgeCount edge.to edge.kind "
    "edge.name weakref.node weakref.referent weakref.callback root.kind root.node root.name root.frame"
).split()
OLD_PACKAGE = "_heap_inspector_agenX"  # as long as the real name: nothing else moves
# Objects whose counts move by a few between two captures whatever the agent: the interpreter's
# method cache and constants refer to them (seen with the same agent on both sides).
SHARED_ATOMS = ("builtins.str", "builtins.int", "builtins.NoneType", "builtins.bool")

SHIM = '''
OLD = {old!r}
NEW = {new!r}


def load_agent(directory):
    # Modules either agent imports are loaded first, so that neither counts them as its own.
    import array, zlib  # noqa: F401
    try:
        import _ctypes  # noqa: F401
    except ImportError:
        pass
    agents = []
    for location in (OLD, NEW):
        namespace = {{"__name__": "_heap_inspector_bootstrap"}}
        with open(location + "/bootstrap.py", "rb") as source:
            exec(compile(source.read(), location + "/bootstrap.py", "exec"), namespace)
        agents.append(namespace["load_agent"](location))
    return Both(agents[0], agents[1])


class Both:
    def __init__(self, old, new):
        self.old = old
        self.new = new
        # The runner finds the agent's gcstate through this name, to record the schedule's note.
        self.__name__ = new.__name__

    def register_agent_objects(self, *objects):
        self.old.register_agent_objects(*objects)
        self.new.register_agent_objects(*objects)

    def capture_to_file(self, path, frame, trigger, held_by_caller, collector_state, sentinel):
        import sys
        new_state = sys.modules[self.new.__name__.rpartition(".")[0] + ".gcstate"]
        sys.modules[self.old.__name__.rpartition(".")[0] + ".gcstate"].SCHEDULE = new_state.SCHEDULE
        runs = ((self.old, path + ".warm-old"), (self.new, path + ".warm-new"), (self.old, path + ".old"), (self.new, path))
        # Each entry of the interpreter's type attribute cache holds its attribute name: emptied
        # before each capture, so that counts of names do not depend on the previous capture.
        clear_caches = getattr(sys, "_clear_internal_caches", None) or sys._clear_type_cache
        for agent, out in runs:
            clear_caches()
            # `frame` is held once more here, by this function's argument.
            agent.capture_to_file(out, frame, trigger=trigger, held_by_caller=held_by_caller + 1,
                                  collector_state=collector_state, sentinel=sentinel)

    def collect_and_record(self, *args, **kwargs):
        return self.new.collect_and_record(*args, **kwargs)
'''


def prepare(old_rev, scratch):
    """scratch/old (the earlier agent, renamed), scratch/new (this one), scratch/both (the shim)."""
    for name in ("old", "new", "both"):
        os.makedirs(os.path.join(scratch, name))
    archive = subprocess.run(["git", "archive", old_rev, "agent"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", os.path.join(scratch, "old")], input=archive.stdout, check=True)
    old_agent = os.path.join(scratch, "old", "agent", "heap_inspector_agent")
    for file_name in os.listdir(old_agent):
        if file_name.endswith(".py"):
            path = os.path.join(old_agent, file_name)
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace("_heap_inspector_agent", OLD_PACKAGE))
    shutil.copytree(os.path.join(ROOT, "agent"), os.path.join(scratch, "new", "agent"))
    new_agent = os.path.join(scratch, "new", "agent", "heap_inspector_agent")
    shim = os.path.join(scratch, "both", "heap_inspector_agent")
    os.makedirs(shim)
    with open(os.path.join(shim, "bootstrap.py"), "w") as f:
        f.write(SHIM.format(old=old_agent, new=new_agent))
    shutil.copy(os.path.join(new_agent, "instrument.py"), shim)
    # The runner (run from its source) and the files it loads from beside it.
    for file_name in os.listdir(os.path.join(ROOT, "agent")):
        if file_name.endswith(".py"):
            shutil.copy(os.path.join(ROOT, "agent", file_name), os.path.join(scratch, "both"))
    return os.path.join(scratch, "both", "heap_inspector_run.py")


def collector_off(program, at, cwd, scratch):
    """A copy of the program's folder where the program starts with ``gc.disable()`` (one line
    more: the capture line moves down when it is in the program itself)."""
    copy = os.path.join(scratch, "gc-off", program)
    shutil.copytree(cwd, copy)
    with open(os.path.join(copy, program)) as f:
        text = f.read()
    with open(os.path.join(copy, program), "w") as f:
        f.write("import gc; gc.disable()\n" + text)
    at_file, _, line = at.rpartition(":")
    if os.path.normpath(at_file) == program:
        at = "%s:%d" % (at_file, int(line) + 1)
    return at, copy


def capture(runner, python, program, at, cwd, out):
    env = dict(os.environ, PYTHONHASHSEED="0")
    run = subprocess.run(
        [python, runner, "run", "--at", at, "--out", out, program], cwd=cwd, capture_output=True, text=True, env=env
    )
    if not os.path.exists(out):
        raise RuntimeError("no snapshot: " + run.stderr[-2000:])
    return Snapshot(out + ".old"), Snapshot(out)


def values(snapshot, column, out_path):
    data = snapshot.sections[column]
    if not column.endswith(".name"):
        return list(data)
    kinds = snapshot.sections["edge.kind"] if column == "edge.name" else None
    strings = snapshot.strings
    # An index edge's name is the index; the snapshot's own path differs by its suffix.
    return [
        index if kinds is not None and kinds[i] == 4 else strings[index].replace(out_path + ".old", out_path)
        for i, index in enumerate(data)
    ]


def last_listed_frame(snapshot):
    """Node of the last frame of the last non-empty stack, in the order the agent lists them."""
    node = None
    for thread in snapshot.sections["frames"]["threads"]:
        if thread["frames"]:
            node = thread["frames"][-1]["node"]
    return node


def _is_output_path(snapshot, node, out_path):
    text = snapshot.strings[snapshot.name[node]]  # cut to 60 characters, with an ellipsis
    return text in (out_path, out_path + ".old") or (text.endswith("\u2026") and out_path.startswith(text[:-1]))


def compare(old, new, out_path):
    """(differences, noise) between two snapshots of the same heap."""
    differences, noise = [], []
    if old.n != new.n:
        return ["%d nodes against %d" % (old.n, new.n)], noise
    if old.types != new.types:
        differences.append("the type tables differ")
    type_names = [old.types[t]["name"] for t in old.type]
    for column in COLUMNS:
        a, b = values(old, column, out_path), values(new, column, out_path)
        if a == b:
            continue
        if len(a) != len(b):
            differences.append("%s: %d entries against %d" % (column, len(a), len(b)))
            continue
        bad = [i for i in range(len(a)) if a[i] != b[i]]
        if column == "node.refcount":
            atoms = [i for i in bad if type_names[i] in SHARED_ATOMS and abs(a[i] - b[i]) <= 3]
            if atoms:
                noise.append("%d counts of interned strings, small ints and singletons" % len(atoms))
            bad = [i for i in bad if i not in set(atoms)]
            if old.format_version != new.format_version:
                # Agents of different designs hold different numbers of references to the atoms
                # their own code and data share with the program (None, True, small ints,
                # interned names) while counting: untracked, they never count for the collector.
                shared = [i for i in bad if type_names[i] in SHARED_ATOMS + ("builtins.bytes",)]
                if shared:
                    noise.append("%d more counts of shared atoms (two designs' own references)" % len(shared))
                bad = [i for i in bad if i not in set(shared)]
            # None's count moves by up to 7 between two captures on 3.10 and 3.11 even with the same
            # agent on both sides, from references outside the graph (its incoming edges are equal).
            nones = [i for i in bad if type_names[i] == "builtins.NoneType" and abs(a[i] - b[i]) <= 8]
            if nones:
                noise.append("None's count (%+d)" % (b[nones[0]] - a[nones[0]]))
            bad = [i for i in bad if i not in set(nones)]
            # Each capture's own call holds its output path, a str of the heap (3.8-3.10: in frames).
            paths = [i for i in bad if type_names[i] == "builtins.str" and _is_output_path(new, i, out_path)]
            if paths:
                noise.append("the count of the snapshot's own path")
            bad = [i for i in bad if i not in set(paths)]
            # Agents up to 09bcc46 held the last frame of the last stack they listed once more
            # (a loop variable left bound) while counting.
            last = last_listed_frame(new)
            if last in bad and a[last] == b[last] + 1:
                noise.append("the last listed frame's count (the earlier agent's own reference)")
                bad.remove(last)
        if column == "node.name":
            # The collector schedule's count (gcstate) moves between the two captures.
            moved = [i for i in bad if type_names[i] == "builtins.int"]
            if moved:
                noise.append("%d int values" % len(moved))
            bad = [i for i in bad if i not in set(moved)]
        if bad:
            detail = collections.Counter(type_names[i] for i in bad if column.startswith("node."))
            where = [
                "%s %r" % (type_names[i], new.strings[new.name[i]]) if column.startswith("node.") else "#%d" % i
                for i in bad[:3]
            ]
            examples = ", ".join("%s %r -> %r" % (w, a[i], b[i]) for w, i in zip(where, bad))
            summary = dict(detail.most_common(5)) or ""
            differences.append("%s: %d differ %s (%s)" % (column, len(bad), summary, examples))
    for section in ("frames", "finalizers"):
        if old.sections[section] != new.sections[section]:
            differences.append(section + " differ")
    return differences, noise


def outputs(snapshot_path, out_path):
    """The summary and heap view the engine makes of a snapshot (scripts/snapshot-outputs.ts), the
    capture's own output path written the same for both captures."""
    run = subprocess.run(
        ["node", "--import", "tsx", os.path.join(ROOT, "scripts", "snapshot-outputs.ts"), snapshot_path],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError("the engine could not read %s: %s" % (snapshot_path, run.stderr[-1000:]))
    return json.loads(run.stdout.replace(out_path + ".old", out_path))


def compare_outputs(old_path, new_path, out_path):
    """(differences, noise): paths (``summary.heap.objects``…) where the summaries or heap views
    differ.  Noise: the collector's generation-0 count (the captures run one after the other) and
    the counts of the shared atoms drawn in a view (as in ``compare``)."""
    differing = []
    noise = collections.Counter()

    def walk(a, b, where, node_type=None):
        if len(differing) >= 8:
            return
        if where.endswith(".gc.counts") and a != b:
            noise["the collector's counts"] += 1
            return
        if isinstance(a, dict) and isinstance(b, dict) and a.get("type") == b.get("type"):
            node_type = a.get("type")
        if where.endswith(".refcount") and node_type in SHARED_ATOMS + ("builtins.bytes",) and a != b:
            noise["%s counts in a view" % node_type.rpartition(".")[2]] += 1
            return
        if type(a) is not type(b):
            differing.append("%s: %r -> %r" % (where, _short(a), _short(b)))
        elif isinstance(a, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), where + "." + key, node_type)
        elif isinstance(a, list):
            if len(a) != len(b):
                differing.append("%s: %d items -> %d" % (where, len(a), len(b)))
            for index, (x, y) in enumerate(zip(a, b)):
                walk(x, y, "%s[%d]" % (where, index))
        elif a != b:
            differing.append("%s: %r -> %r" % (where, _short(a), _short(b)))

    walk(outputs(old_path, out_path), outputs(new_path, out_path), "")
    return differing, ["%d %s" % (count, what) for what, count in noise.items()]


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "\u2026"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True, help="git revision of the earlier agent")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument(
        "--collector", choices=("on", "off"), default="on", help="off: each program starts with gc.disable()"
    )
    parser.add_argument(
        "--no-outputs", action="store_true", help="compare the columns only, not the summaries and heap views"
    )
    parser.add_argument("programs", nargs="*")
    options = parser.parse_args()
    jobs = []
    if options.programs:
        for program in options.programs:
            with open(program) as f:
                line = f.read().split("\n").index("pass  # @capture") + 1
            directory, name = os.path.split(os.path.abspath(program))
            jobs.append((name, "%s:%d" % (name, line), directory))
    else:
        scenarios = os.path.join(ROOT, "test", "scenarios")
        with open(os.path.join(scenarios, "expected.json")) as f:
            expected = json.load(f)["scenarios"]
        jobs = [(name, spec["at"], scenarios) for name, spec in sorted(expected.items())]
    scratch = tempfile.mkdtemp(prefix="compare-agents-")
    failed = 0
    try:
        runner = prepare(options.old, scratch)
        for name, at, cwd in jobs:
            out = os.path.join(scratch, name + ".heapsnap")
            if options.collector == "off":
                at, cwd = collector_off(name, at, cwd, scratch)
            try:
                old, new = capture(runner, options.python, name, at, cwd, out)
            except RuntimeError as error:
                print("%-28s ERROR %s" % (name, error))
                failed += 1
                continue
            differences, noise = compare(old, new, out)
            if not options.no_outputs:
                differing, output_noise = compare_outputs(out + ".old", out, out)
                differences += ["outputs: " + line for line in differing]
                noise += ["outputs: " + line for line in output_noise]
            verdict = "DIFFERENT" if differences else "identical"
            extra = " (noise: %s)" % "; ".join(noise) if noise else ""
            print("%-28s %s: %d nodes, %d edges%s" % (name, verdict, new.n, len(new.edge_to), extra))
            for difference in differences:
                print("    " + difference)
            failed += bool(differences)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
