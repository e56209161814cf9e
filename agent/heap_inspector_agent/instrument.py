"""Compiles a file with one call inserted before the statement at a line (CPython up to 3.11).

Runs in a child process forked by the runner (heap_inspector_catch_line.py): it imports ``ast``,
which the program being measured must not see.  The inserted statement calls a placeholder
constant; the runner swaps the constant for its stop function after loading the code, so the
program's namespaces gain no name at all.
"""
import ast
import os
import sys
import traceback
import warnings


def instrument(script, source, module_file, line, placeholder):
    """("ok", main code, target-module code or None, effective line), or ("error", message)."""
    main_path = os.path.abspath(script) if sys.version_info >= (3, 9) else script
    try:
        main_code = compile(source, main_path, "exec", dont_inherit=True)
    except SyntaxError:
        return ("error", "".join(traceback.format_exception_only(*sys.exc_info()[:2])).rstrip())
    if module_file is None:
        code, effective = _instrumented(source, main_path, line, placeholder)
        return ("ok", code, None, effective)
    with open(module_file, "rb") as module_source:
        module_bytes = module_source.read()
    code, effective = _instrumented(module_bytes, module_file, line, placeholder)
    return ("ok", main_code, code, effective)


def _instrumented(source, path, line, placeholder):
    tree = ast.parse(source, path)
    found = _statement_for_line(tree, line)
    if found is None:
        raise ValueError("%s has no statement at or after line %d" % (path, line))
    body, position, effective = found
    anchor = body[position]
    call = ast.Expr(ast.Call(func=ast.Constant(placeholder), args=[], keywords=[]))
    ast.copy_location(call, anchor)
    for node in ast.walk(call):
        ast.copy_location(node, anchor)
        node.lineno = node.end_lineno = effective
    body.insert(position, call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'str' object is not callable": the placeholder
        code = compile(tree, path, "exec", dont_inherit=True)
    return code, effective


def _start(statement):
    decorators = getattr(statement, "decorator_list", None) or ()
    return min([statement.lineno] + [d.lineno for d in decorators])


def _statement_lists(tree):
    """(parent, list of statements) for every statement list in the tree, outermost first."""
    pending = [tree]
    while pending:
        node = pending.pop(0)
        for _field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield node, value
            if isinstance(value, list):
                pending.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                pending.append(value)


def _movable(parent, body, position):
    """False where a call cannot go first: before a docstring (it would stop being one) or
    before ``from __future__`` imports (a syntax error)."""
    statement = body[position]
    if (
        position == 0
        and isinstance(parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    ):
        return False
    if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
        return False
    return True


def _statement_for_line(tree, line):
    """(statement list, index, effective line): the outermost statement starting at ``line``; else
    the simple statement whose lines contain it; else the next statement after it."""
    candidates = []
    for parent, body in _statement_lists(tree):
        for position, statement in enumerate(body):
            if _movable(parent, body, position):
                candidates.append((parent, body, position, statement))
    for _parent, body, position, statement in candidates:
        if _start(statement) == line:
            return body, position, line
    compound = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef, ast.ClassDef,
                ast.AsyncFor, ast.AsyncWith, ast.AsyncFunctionDef) + ((ast.Match,) if hasattr(ast, "Match") else ())
    for _parent, body, position, statement in candidates:
        if not isinstance(statement, compound) and _start(statement) <= line <= statement.end_lineno:
            return body, position, _start(statement)
    later = [(_start(s), b, p) for _parent, b, p, s in candidates if _start(s) > line]
    if not later:
        return None
    start, body, position = min(later, key=lambda item: item[0])
    return body, position, start
