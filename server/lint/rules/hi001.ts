/** HI001: `__del__` releases a resource. */
import {
  contains,
  enclosingFunction,
  field,
  firstParamName,
  parameterNames,
  rangeOf,
  walk,
  type Node,
} from '../ast';
import type { ClassInfo, LintContext } from '../context';
import {
  afterStatement,
  blockIndent,
  hasOwnBodyLines,
  insertAt,
  lineIndent,
  pointOf,
  replaceRange,
  statements,
  uniqueName,
  weakrefFinalize,
} from '../fixes';
import type { QuickFix, TextEdit } from '../types';
import {
  analyzeSelfUse,
  fieldsAreStable,
  hasReturn,
  identifiersIn,
  isDocstring,
  memberTaken,
  paramNames,
} from './common';
import type { Rule } from './rule';

/** Method names that release something when called on any object. */
export const RELEASE_METHODS = new Set([
  'close',
  'aclose',
  'shutdown',
  'release',
  'unlink',
  'remove',
  'rmdir',
  'rmtree',
  'removedirs',
  'terminate',
  'kill',
  'disconnect',
  'cancel',
  'stop',
  'cleanup',
  'dispose',
  'destroy',
  'unregister',
  'unlock',
  'logout',
  'quit',
]);

/** Module functions that release something. */
export const RELEASE_FUNCTIONS = new Set([
  'os.remove',
  'os.unlink',
  'os.rmdir',
  'os.removedirs',
  'os.close',
  'os.closerange',
  'os.kill',
  'os.killpg',
  'shutil.rmtree',
]);

export function releaseCallName(ctx: LintContext, call: Node): string | null {
  const fn = field(call, 'function');
  if (!fn) return null;
  const q = ctx.callee(call);
  if (q && RELEASE_FUNCTIONS.has(q)) return q;
  if (fn.type === 'attribute') {
    const attr = field(fn, 'attribute')?.text ?? '';
    if (RELEASE_METHODS.has(attr)) return fn.text;
  }
  return null;
}

/** `.__del__` attribute nodes of the file (cached per context). */
const delAttributes = new WeakMap<LintContext, Node[]>();

/** Could some `X.__del__` in the file resolve to `cls.__del__` (explicit call, super, self)? */
function delReferenced(ctx: LintContext, cls: ClassInfo): boolean {
  let refs = delAttributes.get(ctx);
  if (!refs) {
    const found: Node[] = [];
    walk(
      ctx.root,
      (n) => {
        if (n.type === 'attribute' && field(n, 'attribute')?.text === '__del__') found.push(n);
      },
      { intoScopes: true },
    );
    delAttributes.set(ctx, found);
    refs = found;
  }
  const family = (c: ClassInfo | undefined) =>
    c !== undefined && (c === cls || ctx.ancestors(c).includes(cls));
  for (const ref of refs) {
    const obj = field(ref, 'object');
    if (!obj) continue;
    if (obj.type === 'identifier') {
      if (obj.text === cls.name) return true;
      const fn = enclosingFunction(ref);
      if (fn && obj.text === firstParamName(fn) && family(ctx.classOfMethod(fn))) return true;
      continue;
    }
    if (obj.type === 'call') {
      const fn = enclosingFunction(ref);
      if (fn && family(ctx.classOfMethod(fn)) && ctx.classOfMethod(fn) !== cls) return true;
      continue;
    }
    return true; // mod.Cls.__del__ and other spellings: be safe
  }
  return false;
}

/**
 * Quick fix: turn `__del__` into a staticmethod that receives the fields it used, and register it
 * with `weakref.finalize` in `__init__`, once those fields are set (the documented safety-net pattern).
 */
export function safetyNetFix(ctx: LintContext, cls: ClassInfo, del: Node): QuickFix | null {
  const delInfo = cls.methods.get('__del__');
  const init = cls.methods.get('__init__');
  if (!delInfo?.selfName || !init?.selfName || init.kind !== 'instance') return null;
  if (del.parent?.type === 'decorated_definition') return null;
  if (!hasOwnBodyLines(del) || !hasOwnBodyLines(init.node) || hasReturn(init.node)) return null;
  if (parameterNames(field(del, 'parameters')).length !== 1) return null;
  // Someone else calls this `__del__` (a subclass's `Base.__del__(self)`): keep it.
  if (delReferenced(ctx, cls)) return null;
  const use = analyzeSelfUse(ctx, del, delInfo.selfName, cls);
  if (!use) return null;
  const initBody = field(init.node, 'body');
  const indent = blockIndent(ctx, init.node, initBody);
  const delBody = field(del, 'body');
  const params = field(del, 'parameters');
  if (!initBody || !indent || !delBody || !params) return null;
  // Register right after the last statement of __init__ that sets one of the fields, so that an
  // exception later in __init__ still leaves the safety net in place.
  const stmts = statements(initBody);
  let anchor = isDocstring(stmts[0]) ? 0 : -1;
  for (const f of use.fields) {
    for (const target of cls.instanceAttrs.get(f) ?? []) {
      const i = stmts.findIndex((st) => contains(st, target));
      anchor = Math.max(anchor, i);
    }
  }
  if (!fieldsAreStable(ctx, cls, use.fields, init.node, stmts[anchor + 1] ?? null)) return null;

  const taken = memberTaken(ctx, cls);
  const method = uniqueName('_release_resources', taken);
  const attr = uniqueName('_finalizer', (n) => taken(n) || n === method);
  const names = paramNames(use.fields, identifiersIn(delBody));
  const finalize = weakrefFinalize(ctx);
  const self = init.selfName;
  const defIndent = lineIndent(ctx.text, del.startPosition.row);
  const args = use.fields.map((f) => `, ${self}.${f}`).join('');
  const registration = `${self}.${attr} = ${finalize.spelling}(${self}, type(${self}).${method}${args})`;
  const edits: TextEdit[] = [
    ...finalize.edits,
    anchor >= 0
      ? insertAt(afterStatement(ctx, stmts[anchor]), `\n${indent}${registration}`)
      : insertAt({ line: stmts[0].startPosition.row, character: 0 }, `${indent}${registration}\n`),
    replaceRange(
      { start: pointOf(del), end: pointOf(params, true) },
      `@staticmethod\n${defIndent}def ${method}(${use.fields.map((f) => names.get(f)).join(', ')})`,
    ),
    ...use.nodes.map((n) => ({
      range: rangeOf(n),
      newText: names.get(field(n, 'attribute')?.text ?? '') ?? n.text,
    })),
  ];
  return {
    title: `Replace __del__ with a weakref.finalize safety net (${method})`,
    edits,
  };
}

export const hi001: Rule = {
  code: 'HI001',
  name: 'del-releases-resource',
  title: '`__del__` releases a resource',
  defaultSeverity: 'warning',
  check(ctx) {
    for (const { fn, cls } of ctx.finalizers()) {
      const body = field(fn, 'body');
      if (!body) continue;
      const calls: Array<{ node: Node; name: string }> = [];
      walk(body, (n) => {
        if (n.type !== 'call') return;
        const name = releaseCallName(ctx, n);
        if (name) calls.push({ node: n, name });
      });
      if (calls.length === 0) continue;
      const fix = safetyNetFix(ctx, cls, fn);
      for (const { node, name } of calls) {
        ctx.report(
          'HI001',
          rangeOf(node),
          `\`__del__\` releases a resource with \`${name}()\`, but finalizers run late (objects ` +
            `in reference cycles wait for the cycle collector), on an arbitrary thread, or never ` +
            `(interpreter exit). Release it deterministically with a context manager or an ` +
            `explicit \`close()\`, and keep \`weakref.finalize\` only as a safety net.`,
          fix ? [fix] : [],
        );
      }
    }
  },
};
