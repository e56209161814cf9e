"""Evaluates the capture's expressions in a frame the way pydevd does, without a debugger.

    python evaluate_in_frame.py MODE EXPRESSIONS.json

pydevd (debugpy 1.6/1.8) evaluates an expression for a frame in
`pydevd_vars.evaluate_expression(py_db, frame, expression, is_exec)`: `eval` of the expression
with the frame's globals and locals merged into one fresh dict.  The function below has that
name and signature and is compiled under pydevd's file name, so the hook finds the frame as it
does under debugpy (MODE "pydevd").  MODE "innermost" evaluates from the target frame itself, as an
unknown debugger might: the hook then falls back to the innermost frame that is not its own.

Runs on any Python from 2.7 (old ones must get a clean "unsupported" answer).  Prints one JSON
line: the results, and what the target frame, sys.path and sys.modules looked like before and
after.
"""
import json
import sys


PYDEVD_VARS = "/site-packages/debugpy/_vendored/pydevd/_pydevd_bundle/pydevd_vars.py"
EVALUATE = """
def evaluate_expression(py_db, frame, expression, is_exec):
    merged = {}
    merged.update(frame.f_globals)
    merged.update(frame.f_locals)
    return eval(compile(expression, "<string>", "eval"), merged)
"""
namespace = {}
exec(compile(EVALUATE, PYDEVD_VARS, "exec"), namespace)
evaluate_expression = namespace["evaluate_expression"]
del namespace


def target(mode, expressions):
    local_value = ["kept"]
    frame = sys._getframe()
    before = sorted(frame.f_locals)
    results = []
    for expression in expressions:
        if mode == "innermost":
            merged = dict(frame.f_globals)
            merged.update(frame.f_locals)
            results.append(eval(compile(expression, "<string>", "eval"), merged))
            del merged
        else:
            results.append(evaluate_expression(None, frame, expression, False))
    after = sorted(name for name in frame.f_locals if name not in ("before", "results", "expression", "merged"))
    del frame
    return results, before, after, local_value


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path) as source:
        expressions = json.load(source)
    path_before = list(sys.path)
    modules_before = set(sys.modules)
    results, before, after, _ = target(mode, expressions)
    print(json.dumps({
        "python": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "results": results,
        "localsBefore": before,
        "localsAfter": after,
        "pathSame": sys.path == path_before,
        "modulesAdded": sorted(set(sys.modules) - modules_before),
        # What the agent counts as loaded by it (bootstrap.py's record, and the hook's).
        "agentLoadedModules": list(getattr(sys.modules.get("_heap_inspector_agent"), "loaded_modules", ())),
    }))


main()
