/** Analyses shared by several rules (and by their quick fixes). */
import {
  callArgs,
  chainRoot,
  field,
  isStringLike,
  kids,
  namedKids,
  parameterNames,
  unparen,
  walk,
  type Node,
} from '../ast';
import type { ClassInfo, LintContext } from '../context';
import { PYTHON_KEYWORDS, statements } from '../fixes';

export const PARTIAL = new Set(['functools.partial', 'functools.partialmethod']);

/** Calls whose result is a fresh value that does not keep its argument alive. */
const EAGER_SAFE = new Set([
  'type',
  'id',
  'repr',
  'str',
  'len',
  'hash',
  'bool',
  'int',
  'float',
  'format',
  'isinstance',
  'issubclass',
  'callable',
  'os.fspath',
  'weakref.ref',
  'weakref.proxy',
  'weakref.WeakMethod',
  'weakref.finalize',
]);

export interface CaptureOptions {
  /** The class of `self` when the object is `self` inside a method. */
  cls?: ClassInfo;
  /** Treat unknown calls that receive the object as capturing it (HI007), or not (HI008). */
  genericCalls?: boolean;
}

/** Does `node` mention identifier `name` as a free variable (lambda parameters shadow it)? */
export function referencesName(node: Node, name: string): boolean {
  let found = false;
  const visit = (n: Node): void => {
    if (found) return;
    if (n.type === 'identifier') {
      if (n.text === name) {
        const p = n.parent;
        const isAttrName = p?.type === 'attribute' && field(p, 'attribute')?.id === n.id;
        const isKeyword = p?.type === 'keyword_argument' && field(p, 'name')?.id === n.id;
        if (!isAttrName && !isKeyword) found = true;
      }
      return;
    }
    if (n.type === 'lambda') {
      const params = field(n, 'parameters');
      for (const p of params ? namedKids(params) : []) {
        const dflt = field(p, 'value');
        if (dflt) visit(dflt);
      }
      if (!parameterNames(params).includes(name)) {
        const body = field(n, 'body');
        if (body) visit(body);
      }
      return;
    }
    for (const c of kids(n)) visit(c);
  };
  visit(node);
  return found;
}

/**
 * Does evaluating `expr` produce something that holds a strong reference to the object spelled
 * `obj` (`self`, `conn`, `self._conn`)? `mode` says whether the expression is used as a callable
 * (where `obj.x` is a method) or as a value (where `obj.x` is usually a field read).
 */
export function capturesObject(
  ctx: LintContext,
  expr: Node,
  obj: string,
  mode: 'func' | 'arg',
  opts: CaptureOptions = {},
): boolean {
  const e = unparen(expr);
  const rootName = obj.split('.')[0];
  if (e.text === obj) return true;
  switch (e.type) {
    case 'attribute': {
      const target = field(e, 'object');
      const attr = field(e, 'attribute')?.text ?? '';
      if (!target || unparen(target).text !== obj) return false;
      if (opts.cls && obj === rootName) return ctx.isBoundMethod(opts.cls, attr);
      return mode === 'func';
    }
    case 'lambda': {
      // Defaults are evaluated once, eagerly (`lambda path=self.path: ...` keeps only the value).
      const params = field(e, 'parameters');
      for (const p of params ? namedKids(params) : []) {
        const dflt = field(p, 'value');
        if (dflt && capturesObject(ctx, dflt, obj, 'arg', opts)) return true;
      }
      const body = field(e, 'body');
      if (!body || parameterNames(params).includes(rootName)) return false;
      return referencesName(body, rootName);
    }
    case 'call': {
      const callee = ctx.callee(e) ?? '';
      const args = callArgs(e);
      if (PARTIAL.has(callee)) {
        return args.some((a, i) =>
          capturesObject(ctx, valueOf(a), obj, i === 0 ? 'func' : 'arg', opts),
        );
      }
      if (callee === 'types.MethodType') return args.some((a) => unparen(a).text === obj);
      if (callee === 'getattr' && args.length >= 2 && unparen(args[0]).text === obj) {
        if (opts.cls && args[1].type === 'string') {
          const attr = args[1].text.replace(/^[a-zA-Z]*['"]|['"]$/g, '');
          return ctx.isBoundMethod(opts.cls, attr);
        }
        return mode === 'func';
      }
      if (EAGER_SAFE.has(callee)) return false;
      if (!opts.genericCalls) return false;
      // "...{}".format(self), " ".join(...): string methods build new strings.
      const fn = field(e, 'function');
      const receiver = fn?.type === 'attribute' ? field(fn, 'object') : null;
      if (receiver && isStringLike(unparen(receiver))) return false;
      return args.some((a) => capturesObject(ctx, valueOf(a), obj, 'arg', opts));
    }
    case 'tuple':
    case 'list':
    case 'set':
    case 'expression_list':
    case 'dictionary':
    case 'pair':
    case 'list_splat':
    case 'dictionary_splat':
    case 'keyword_argument':
    case 'conditional_expression':
    case 'boolean_operator':
      return namedKids(e).some(
        (c) => c.type !== 'comment' && capturesObject(ctx, c, obj, 'arg', opts),
      );
    default:
      return false;
  }
}

/** The value of a (keyword) argument node. */
export function valueOf(arg: Node): Node {
  if (arg.type === 'keyword_argument') return field(arg, 'value') ?? arg;
  return arg;
}

export const CONTAINER_METHODS = new Set([
  'append',
  'add',
  'insert',
  'extend',
  'appendleft',
  'extendleft',
  'put',
  'put_nowait',
  'setdefault',
  'update',
  'push',
  'register',
]);

// ---- using `self` only through stable fields (for the staticmethod quick fixes) -------------

export interface SelfUse {
  /** Attribute names read from `self`, in order of first use. */
  fields: string[];
  /** Every `self.<field>` node, to be replaced by a parameter. */
  nodes: Node[];
}

function isTargetOfAssignment(attr: Node): boolean {
  let n: Node = attr;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (p.type === 'assignment' || p.type === 'augmented_assignment') {
      return field(p, 'left')?.id === n.id;
    }
    if (p.type === 'delete_statement') return true;
    if (p.type === 'for_statement') return field(p, 'left')?.id === n.id;
    if (
      p.type !== 'pattern_list' &&
      p.type !== 'tuple_pattern' &&
      p.type !== 'list_pattern' &&
      p.type !== 'expression_list'
    ) {
      return false;
    }
  }
  return false;
}

/**
 * Succeeds when `fn` uses `self` only to read plain data attributes (`self.path`, `self._sock`),
 * never bare, never to call its methods, read properties or assign, and does not use `super()`.
 */
export function analyzeSelfUse(
  ctx: LintContext,
  fn: Node,
  selfName: string,
  cls: ClassInfo,
): SelfUse | null {
  if (kids(fn).some((c) => c.type === 'async')) return null;
  const body = field(fn, 'body');
  if (!body) return null;
  const fields: string[] = [];
  const nodes: Node[] = [];
  let ok = true;
  walk(
    body,
    (n) => {
      if (!ok) return false;
      if (n.type === 'yield' || n.type === 'await') ok = false;
      if (n.type !== 'identifier') return undefined;
      if (n.text === 'super' || n.text === '__class__') ok = false;
      if (n.text !== selfName) return undefined;
      const p = n.parent;
      if (p?.type === 'attribute' && field(p, 'attribute')?.id === n.id) return undefined;
      if (p?.type === 'keyword_argument' && field(p, 'name')?.id === n.id) return undefined;
      if (p?.type !== 'attribute' || field(p, 'object')?.id !== n.id) {
        ok = false;
        return undefined;
      }
      const attr = field(p, 'attribute')?.text ?? '';
      if (
        attr.startsWith('__') ||
        ctx.findMethod(cls, attr) ||
        ctx.isBoundMethod(cls, attr) ||
        isTargetOfAssignment(p)
      ) {
        ok = false;
        return undefined;
      }
      if (!fields.includes(attr)) fields.push(attr);
      nodes.push(p);
      return undefined;
    },
    { intoScopes: true },
  );
  return ok ? { fields, nodes } : null;
}

/** The method (function_definition) of `cls` that contains `node`, if any. */
export function methodContaining(cls: ClassInfo, node: Node): Node | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      const owner = [...cls.methods.values()].find((m) => m.node.id === p.id);
      if (owner) return p;
    }
    if (p.id === cls.node.id) return null;
  }
  return null;
}

/**
 * Do `fields` keep the value they have when `registration` (a statement in method `fn`, or the
 * end of `fn` when null) runs, for the whole life of the object? True when each field is assigned
 * only in `fn` (before the registration) or in `__init__`, at least once unconditionally, and no
 * other class in the hierarchy assigns it.
 */
export function fieldsAreStable(
  ctx: LintContext,
  cls: ClassInfo,
  fields: string[],
  fn: Node,
  registration: Node | null,
): boolean {
  if (/\bsetattr\s*\(|__dict__|\bvars\s*\(/.test(cls.node.text)) return false;
  const init = cls.methods.get('__init__')?.node;
  const related = ctx.classes.filter(
    (c) => c !== cls && (ctx.ancestors(c).includes(cls) || ctx.ancestors(cls).some((a) => a === c)),
  );
  for (const f of fields) {
    if (related.some((c) => c.instanceAttrs.has(f))) return false;
    let unconditional = false;
    for (const target of cls.instanceAttrs.get(f) ?? []) {
      const owner = methodContaining(cls, target);
      if (!owner) return false;
      const isFn = owner.id === fn.id;
      const isInit = init !== undefined && owner.id === init.id;
      if (!isFn && !isInit) return false;
      if (isFn && registration && target.startIndex >= registration.startIndex) return false;
      const stmt = topStatementIn(owner, target);
      const direct = stmt !== null && stmt.parent?.id === field(owner, 'body')?.id;
      if (direct && (!isFn || !registration || target.startIndex < registration.startIndex)) {
        unconditional = true;
      }
    }
    if (!unconditional) return false;
  }
  return true;
}

/** The statement containing `node` whose parent block is the nearest one inside `fn`. */
function topStatementIn(fn: Node, node: Node): Node | null {
  let n: Node = node;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (p.type === 'block') return n;
    if (p.id === fn.id) return null;
  }
  return null;
}

/** Parameter names for fields: `_sock` → `sock`, avoiding every name in `avoid` and keywords. */
export function paramNames(fields: string[], avoid: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set(avoid);
  for (const f of fields) {
    const stripped = f.replace(/^_+/, '');
    let name = stripped && !/^\d/.test(stripped) ? stripped : f;
    while (PYTHON_KEYWORDS.has(name) || used.has(name)) name = `${name}_`;
    used.add(name);
    out.set(f, name);
  }
  return out;
}

/** Every variable name used in `node` (to avoid clashes when introducing names). */
export function identifiersIn(node: Node): Set<string> {
  const out = new Set<string>();
  walk(
    node,
    (n) => {
      if (n.type !== 'identifier') return;
      const p = n.parent;
      if (p?.type === 'attribute' && field(p, 'attribute')?.id === n.id) return;
      if (p?.type === 'keyword_argument' && field(p, 'name')?.id === n.id) return;
      out.add(n.text);
    },
    { intoScopes: true },
  );
  return out;
}

/** Names the class (or an in-file relative) already uses for members. */
export function memberTaken(ctx: LintContext, cls: ClassInfo): (name: string) => boolean {
  const family = [cls, ...ctx.ancestors(cls)];
  for (const c of ctx.classes) if (ctx.ancestors(c).includes(cls)) family.push(c);
  return (name) =>
    family.some((c) => c.methods.has(name) || c.classAttrs.has(name) || c.instanceAttrs.has(name));
}

/** Text of `node` with some of its descendants replaced. */
export function textWithReplacements(
  ctx: LintContext,
  start: number,
  end: number,
  replacements: Array<{ node: Node; text: string }>,
): string {
  const sorted = [...replacements].sort((a, b) => b.node.startIndex - a.node.startIndex);
  let text = ctx.text.slice(start, end);
  for (const r of sorted) {
    const s = r.node.startIndex - start;
    const e = r.node.endIndex - start;
    text = text.slice(0, s) + r.text + text.slice(e);
  }
  return text;
}

/** Does `fn` contain a `return` statement (outside nested defs)? */
export function hasReturn(fn: Node): boolean {
  const body = field(fn, 'body');
  let found = false;
  if (body) {
    walk(body, (n) => {
      if (n.type === 'return_statement') found = true;
      return n.type === 'lambda' ? false : undefined;
    });
  }
  return found;
}

/** Is `node` a statement that is a docstring (a bare string expression)? */
export function isDocstring(stmt: Node | undefined): boolean {
  if (!stmt || stmt.type !== 'expression_statement') return false;
  const inner = namedKids(stmt);
  return inner.length === 1 && inner[0].type === 'string';
}

export { chainRoot, statements };
