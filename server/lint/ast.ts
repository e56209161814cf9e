/** Small helpers over tree-sitter-python nodes. */
import type { SyntaxNode as Node } from './tree';
import type { Range } from './types';

export type { Node };

export function kids(node: Node): Node[] {
  return node.children;
}

export function namedKids(node: Node): Node[] {
  return node.namedChildren;
}

export function field(node: Node, name: string): Node | null {
  return node.childForFieldName(name);
}

/** Node types that open a new Python scope. */
export const SCOPE_TYPES = new Set(['function_definition', 'class_definition', 'lambda']);

/**
 * Pre-order walk. `visit` returning `false` skips the node's children. Nested `def`/`class` bodies
 * are skipped unless `intoScopes` is set (lambdas are always entered).
 */
export function walk(
  node: Node,
  visit: (n: Node) => boolean | void,
  opts: { intoScopes?: boolean } = {},
): void {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    if (visit(n) === false) continue;
    const children = kids(n);
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i];
      if (
        !opts.intoScopes &&
        (c.type === 'function_definition' || c.type === 'class_definition') &&
        c !== node
      ) {
        // Visit the definition node itself (its name binds in this scope) but not its body.
        visit(c);
        continue;
      }
      stack.push(c);
    }
  }
}

/** All descendants of the given type(s), not entering nested def/class bodies. */
export function findAll(node: Node, types: string | string[]): Node[] {
  const set = new Set(Array.isArray(types) ? types : [types]);
  const out: Node[] = [];
  walk(node, (n) => {
    if (set.has(n.type)) out.push(n);
  });
  return out;
}

export function rangeOf(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** Range from `a`'s start to `b`'s end. */
export function spanOf(a: Node, b: Node): Range {
  return {
    start: { line: a.startPosition.row, character: a.startPosition.column },
    end: { line: b.endPosition.row, character: b.endPosition.column },
  };
}

/** `def f(...)` / `class C(...)` header (up to the parameters / superclasses / name). */
export function headerRange(def: Node): Range {
  const end =
    field(def, 'return_type') ??
    field(def, 'parameters') ??
    field(def, 'superclasses') ??
    field(def, 'name') ??
    def;
  return spanOf(def, end);
}

/** For a compound statement, its first line up to the `:` (e.g. `with self._lock`). */
export function clauseHeaderRange(stmt: Node): Range {
  const colon = kids(stmt).find((c) => c.type === ':');
  const before = colon?.previousSibling;
  return before ? spanOf(stmt, before) : rangeOf(stmt);
}

/** The innermost statement-level node containing `node` (the child of a block/module). */
export function statementOf(node: Node): Node {
  let n: Node = node;
  while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
  return n;
}

export function ancestors(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

/** Is `inner` within `outer` (or equal)? */
export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** The function whose body (not a nested def) contains `node`. */
export function enclosingFunction(node: Node): Node | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') return p;
    if (p.type === 'class_definition') return null;
  }
  return null;
}

/** The `class_definition` whose body directly contains this `function_definition`. */
export function methodClass(fn: Node): Node | null {
  let p = fn.parent;
  if (p?.type === 'decorated_definition') p = p.parent;
  if (p?.type !== 'block') return null;
  const cls = p.parent;
  return cls?.type === 'class_definition' ? cls : null;
}

/** Decorator expressions' text (`staticmethod`, `functools.cached_property`, `x.setter`). */
export function decoratorsOf(def: Node): string[] {
  const p = def.parent;
  if (p?.type !== 'decorated_definition') return [];
  return namedKids(p)
    .filter((c) => c.type === 'decorator')
    .map((d) => {
      const e = namedKids(d)[0];
      const target = e?.type === 'call' ? field(e, 'function') : e;
      return target?.text ?? '';
    });
}

/** The node that represents the whole definition in its block (decorated or not). */
export function definitionStatement(def: Node): Node {
  return def.parent?.type === 'decorated_definition' ? def.parent : def;
}

/** Parameter names of a function/lambda, in order (`*args` → `args`). */
export function parameterNames(params: Node | null): string[] {
  if (!params) return [];
  const out: string[] = [];
  for (const p of namedKids(params)) {
    const id = paramIdentifier(p);
    if (id) out.push(id.text);
  }
  return out;
}

export function paramIdentifier(p: Node): Node | null {
  if (p.type === 'identifier') return p;
  if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
    return field(p, 'name');
  }
  if (p.type === 'typed_parameter') {
    const first = namedKids(p)[0];
    return first ? paramIdentifier(first) : null;
  }
  if (p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern') {
    return namedKids(p).find((c) => c.type === 'identifier') ?? null;
  }
  return null;
}

export function firstParamName(fn: Node): string | null {
  const params = field(fn, 'parameters');
  const first = params ? namedKids(params)[0] : undefined;
  if (!first) return null;
  if (first.type === 'list_splat_pattern' || first.type === 'dictionary_splat_pattern') return null;
  return paramIdentifier(first)?.text ?? null;
}

export function nameOf(def: Node): string {
  return field(def, 'name')?.text ?? '';
}

/** Positional (non-keyword) argument nodes of a call. */
export function callArgs(call: Node): Node[] {
  const args = field(call, 'arguments');
  if (!args || args.type !== 'argument_list') return args ? [args] : [];
  return namedKids(args).filter((a) => a.type !== 'comment');
}

export function isKeywordArg(a: Node): boolean {
  return a.type === 'keyword_argument';
}

export function keywordName(a: Node): string | null {
  return a.type === 'keyword_argument' ? (field(a, 'name')?.text ?? null) : null;
}

/** Strip parentheses around an expression. */
export function unparen(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = namedKids(n)[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** `a.b.c` → ['a', 'b', 'c']; null when the chain contains anything but identifiers. */
export function dottedParts(node: Node): string[] | null {
  const n = unparen(node);
  if (n.type === 'identifier') return [n.text];
  if (n.type === 'attribute') {
    const obj = field(n, 'object');
    const attr = field(n, 'attribute');
    if (!obj || !attr) return null;
    const left = dottedParts(obj);
    return left ? [...left, attr.text] : null;
  }
  return null;
}

/** The leftmost expression of an attribute/subscript/call chain (`self` in `self.a[0].b()`). */
export function chainRoot(node: Node): Node {
  let n = unparen(node);
  for (;;) {
    if (n.type === 'attribute') n = field(n, 'object') ?? n;
    else if (n.type === 'subscript') n = field(n, 'value') ?? n;
    else if (n.type === 'call') n = field(n, 'function') ?? n;
    else return n;
    n = unparen(n);
  }
}

/** Identifiers bound by an assignment target / for target / with-as / except-as pattern. */
export function boundNames(target: Node): Node[] {
  const t = target;
  if (t.type === 'identifier') return [t];
  if (
    t.type === 'pattern_list' ||
    t.type === 'tuple_pattern' ||
    t.type === 'list_pattern' ||
    t.type === 'tuple' ||
    t.type === 'list' ||
    t.type === 'expression_list' ||
    t.type === 'parenthesized_expression' ||
    t.type === 'as_pattern_target' ||
    t.type === 'list_splat_pattern' ||
    t.type === 'list_splat'
  ) {
    return namedKids(t).flatMap(boundNames);
  }
  return [];
}

export function isStringLike(node: Node): boolean {
  return node.type === 'string' || node.type === 'concatenated_string' || node.type === 'f_string';
}

/** Is `node` read (a load), as opposed to being the name part of `x.name`, a keyword, a target? */
export function isLoad(id: Node): boolean {
  const p = id.parent;
  if (!p) return true;
  switch (p.type) {
    case 'attribute':
      return field(p, 'attribute')?.id !== id.id;
    case 'keyword_argument':
      return field(p, 'name')?.id !== id.id;
    case 'function_definition':
    case 'class_definition':
      return field(p, 'name')?.id === id.id ? false : true;
    case 'parameters':
    case 'lambda_parameters':
    case 'default_parameter':
    case 'typed_default_parameter':
    case 'typed_parameter':
      return p.type === 'default_parameter' || p.type === 'typed_default_parameter'
        ? field(p, 'name')?.id !== id.id
        : false;
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern':
      return false;
    case 'global_statement':
    case 'nonlocal_statement':
    case 'dotted_name':
    case 'aliased_import':
    case 'import_prefix':
      return false;
    case 'as_pattern_target':
      return false;
    case 'named_expression':
      return field(p, 'name')?.id !== id.id;
    case 'assignment':
    case 'augmented_assignment':
      if (field(p, 'left')?.id === id.id) return p.type === 'augmented_assignment';
      return true;
    case 'for_statement':
    case 'for_in_clause':
      return field(p, 'left')?.id !== id.id;
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
      return false;
    default:
      return true;
  }
}

export const BUILTINS = new Set(
  (
    'ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup ' +
    'BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ' +
    'ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError ' +
    'DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ' +
    'ExceptionGroup False FileExistsError FileNotFoundError FloatingPointError FutureWarning ' +
    'GeneratorExit IOError ImportError ImportWarning IndentationError IndexError ' +
    'InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ' +
    'ModuleNotFoundError NameError None NotADirectoryError NotImplemented NotImplementedError ' +
    'OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError ' +
    'PythonFinalizationError RecursionError ReferenceError ResourceWarning RuntimeError ' +
    'RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError ' +
    'SystemExit TabError TimeoutError True TypeError UnboundLocalError UnicodeDecodeError ' +
    'UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ' +
    'ValueError Warning ZeroDivisionError __build_class__ __debug__ __doc__ __import__ ' +
    '__loader__ __name__ __package__ __spec__ __file__ __builtins__ abs aiter all anext any ' +
    'ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'copyright credits delattr dict dir divmod enumerate eval exec exit filter float format ' +
    'frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter ' +
    'len license list locals map max memoryview min next object oct open ord pow print ' +
    'property quit range repr reversed round set setattr slice sorted staticmethod str sum ' +
    'super tuple type vars zip __class__'
  ).split(/\s+/),
);

/** Built-in exception → its base (aliases map onto their target). */
export const EXCEPTION_BASES: Record<string, string> = {
  Exception: 'BaseException',
  BaseExceptionGroup: 'BaseException',
  GeneratorExit: 'BaseException',
  KeyboardInterrupt: 'BaseException',
  SystemExit: 'BaseException',
  ExceptionGroup: 'BaseExceptionGroup',
  ArithmeticError: 'Exception',
  AssertionError: 'Exception',
  AttributeError: 'Exception',
  BufferError: 'Exception',
  EOFError: 'Exception',
  ImportError: 'Exception',
  LookupError: 'Exception',
  MemoryError: 'Exception',
  NameError: 'Exception',
  OSError: 'Exception',
  IOError: 'Exception',
  EnvironmentError: 'Exception',
  ReferenceError: 'Exception',
  RuntimeError: 'Exception',
  StopAsyncIteration: 'Exception',
  StopIteration: 'Exception',
  SyntaxError: 'Exception',
  SystemError: 'Exception',
  TypeError: 'Exception',
  ValueError: 'Exception',
  Warning: 'Exception',
  FloatingPointError: 'ArithmeticError',
  OverflowError: 'ArithmeticError',
  ZeroDivisionError: 'ArithmeticError',
  ModuleNotFoundError: 'ImportError',
  IndexError: 'LookupError',
  KeyError: 'LookupError',
  UnboundLocalError: 'NameError',
  BlockingIOError: 'OSError',
  ChildProcessError: 'OSError',
  ConnectionError: 'OSError',
  FileExistsError: 'OSError',
  FileNotFoundError: 'OSError',
  InterruptedError: 'OSError',
  IsADirectoryError: 'OSError',
  NotADirectoryError: 'OSError',
  PermissionError: 'OSError',
  ProcessLookupError: 'OSError',
  TimeoutError: 'OSError',
  BrokenPipeError: 'ConnectionError',
  ConnectionAbortedError: 'ConnectionError',
  ConnectionRefusedError: 'ConnectionError',
  ConnectionResetError: 'ConnectionError',
  NotImplementedError: 'RuntimeError',
  RecursionError: 'RuntimeError',
  IndentationError: 'SyntaxError',
  TabError: 'IndentationError',
  UnicodeError: 'ValueError',
  UnicodeDecodeError: 'UnicodeError',
  UnicodeEncodeError: 'UnicodeError',
  UnicodeTranslateError: 'UnicodeError',
  BytesWarning: 'Warning',
  DeprecationWarning: 'Warning',
  EncodingWarning: 'Warning',
  FutureWarning: 'Warning',
  ImportWarning: 'Warning',
  PendingDeprecationWarning: 'Warning',
  ResourceWarning: 'Warning',
  RuntimeWarning: 'Warning',
  SyntaxWarning: 'Warning',
  UnicodeWarning: 'Warning',
  UserWarning: 'Warning',
};

/** Aliases: `IOError` and `EnvironmentError` are `OSError`. */
export const EXCEPTION_ALIASES: Record<string, string> = {
  IOError: 'OSError',
  EnvironmentError: 'OSError',
  'socket.error': 'OSError',
  'select.error': 'OSError',
};
