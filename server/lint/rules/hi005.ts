/** HI005: `__del__` stores `self` somewhere that outlives it (resurrection). */
import {
  callArgs,
  chainRoot,
  field,
  namedKids,
  parameterNames,
  rangeOf,
  statementOf,
  unparen,
  walk,
  type Node,
} from '../ast';
import type { ClassInfo, LintContext } from '../context';
import { CONTAINER_METHODS, capturesObject, valueOf } from './common';
import { localNames } from '../scope';
import type { Rule } from './rule';

/**
 * Does the object `container` (receiving a store) outlive this `__del__` call? Locals die with the
 * frame and `self.x` containers die with `self`; anything reached from a global, a class, or
 * through another object (`self.parent.children`) survives.
 */
function outlives(container: Node, self: string, locals: Set<string>, depthOneIsOwn: boolean) {
  const c = unparen(container);
  if (c.type === 'identifier') return c.text !== self && !locals.has(c.text);
  const root = chainRoot(c);
  if (root.type !== 'identifier') return true;
  if (root.text === self) {
    if (c.type === 'attribute' && /^__class__$/.test(field(c, 'attribute')?.text ?? '')) {
      return true;
    }
    const obj = c.type === 'attribute' ? field(c, 'object') : null;
    if (depthOneIsOwn && obj?.type === 'identifier' && obj.text === self) return false;
    return true;
  }
  return !locals.has(root.text);
}

export const hi005: Rule = {
  code: 'HI005',
  name: 'del-resurrects-self',
  title: '`__del__` stores `self` where it outlives the call',
  defaultSeverity: 'warning',
  check(ctx) {
    for (const { fn, cls, self } of ctx.finalizers()) {
      const body = field(fn, 'body');
      if (!body || !self) continue;
      const { locals, globals } = localNames(fn);
      // `def __del__(self, _graveyard=_graveyard)`: default values live as long as the function.
      for (const p of parameterNames(field(fn, 'parameters'))) if (p !== self) locals.delete(p);
      const holds = (e: Node) => capturesObject(ctx, e, self, 'arg', { cls });
      walk(body, (n) => {
        const where = storeTarget(ctx, n, self, cls, locals, globals, holds);
        if (!where) return;
        ctx.report(
          'HI005',
          rangeOf(statementOf(n)),
          `\`__del__\` stores \`${self}\` in \`${where}\`, which outlives the call: the object ` +
            `is resurrected, its resources are never released, and CPython will not run ` +
            `\`__del__\` for it again. Do not publish \`${self}\` from a finalizer; record ` +
            `plain data (an id, a path) or use \`weakref\` references instead.`,
        );
      });
    }
  },
};

function storeTarget(
  ctx: LintContext,
  n: Node,
  self: string,
  _cls: ClassInfo,
  locals: Set<string>,
  globals: Set<string>,
  holds: (e: Node) => boolean,
): string | null {
  if (n.type === 'assignment' || n.type === 'augmented_assignment') {
    const left = field(n, 'left');
    const right = field(n, 'right');
    if (!left || !right) return null;
    const targets = left.type.endsWith('list') ? namedKids(left) : [left];
    const valueHolds = holds(right);
    for (const t of targets) {
      if (t.type === 'identifier') {
        if (valueHolds && globals.has(t.text)) return t.text;
      } else if (t.type === 'attribute') {
        const obj = field(t, 'object');
        if (valueHolds && obj && outlives(obj, self, locals, false)) return t.text;
      } else if (t.type === 'subscript') {
        const container = field(t, 'value');
        const key = t.childrenForFieldName('subscript').filter((k): k is Node => k !== null);
        const stored = valueHolds || key.some(holds);
        if (stored && container && outlives(container, self, locals, true)) return container.text;
      }
    }
    return null;
  }
  if (n.type === 'call') {
    const fnNode = field(n, 'function');
    const args = callArgs(n);
    if (fnNode?.type !== 'attribute') return null;
    const method = field(fnNode, 'attribute')?.text ?? '';
    const receiver = field(fnNode, 'object');
    if (!receiver) return null;
    const q = ctx.callee(n);
    if (q === 'atexit.register') {
      return args.some((a) => holds(valueOf(a))) ? 'atexit' : null;
    }
    if (!CONTAINER_METHODS.has(method)) return null;
    if (!args.some((a) => holds(valueOf(a)))) return null;
    return outlives(receiver, self, locals, true) ? receiver.text : null;
  }
  return null;
}
