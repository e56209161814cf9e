/** HI008: an attribute of `self` set to `self` or a bound method of `self`. */
import { callArgs, field, rangeOf, statementOf, unparen, walk, type Node } from '../ast';
import type { ClassInfo, LintContext } from '../context';
import { CONTAINER_METHODS, capturesObject, valueOf } from './common';
import type { Rule } from './rule';

/**
 * Is `target` `self.x` or `self.x[k]` (a slot of the object itself, not of another object)? A
 * class-level container reached through `self` (`self.registry.append(self)` where `registry` is a
 * class attribute never assigned on the instance) is shared by all instances: not a self-cycle.
 */
function rootedAtSelf(ctx: LintContext, cls: ClassInfo, target: Node, self: string): boolean {
  let t = unparen(target);
  let container = false;
  while (t.type === 'subscript') {
    t = unparen(field(t, 'value') ?? t);
    container = true;
  }
  if (t.type !== 'attribute') return false;
  const obj = field(t, 'object');
  if (obj?.type !== 'identifier' || obj.text !== self) return false;
  return !(container && isClassLevel(ctx, cls, field(t, 'attribute')?.text ?? ''));
}

function isClassLevel(ctx: LintContext, cls: ClassInfo, attr: string): boolean {
  const family = [cls, ...ctx.ancestors(cls)];
  return (
    family.some((c) => c.classAttrs.has(attr)) && !family.some((c) => c.instanceAttrs.has(attr))
  );
}

/** Container methods that store their argument (`register` is left to HI005). */
const STORING = new Set([...CONTAINER_METHODS].filter((m) => m !== 'register'));

function what(ctx: LintContext, value: Node, self: string, cls: ClassInfo): string {
  const v = unparen(value);
  if (v.text === self) return `\`${self}\` itself`;
  if (v.type === 'attribute' && ctx.isBoundMethod(cls, field(v, 'attribute')?.text ?? '')) {
    return `the bound method \`${v.text}\``;
  }
  if (v.type === 'lambda') return `a lambda that refers to \`${self}\``;
  return `a value holding \`${self}\` (\`${v.text.length > 40 ? v.text.slice(0, 37) + '...' : v.text}\`)`;
}

export const hi008: Rule = {
  code: 'HI008',
  name: 'self-reference-cycle',
  title: 'Attribute of `self` refers back to `self`',
  defaultSeverity: 'warning',
  check(ctx) {
    for (const cls of ctx.classes) {
      for (const m of cls.methods.values()) {
        const self = m.selfName;
        if (m.kind !== 'instance' || !self) continue;
        const body = field(m.node, 'body');
        if (!body) continue;
        const holds = (e: Node) => capturesObject(ctx, e, self, 'arg', { cls });
        walk(
          body,
          (n) => {
            let value: Node | null = null;
            let target: Node | null = null;
            if (n.type === 'assignment' || n.type === 'augmented_assignment') {
              const left = field(n, 'left');
              const right = field(n, 'right');
              if (left && right && rootedAtSelf(ctx, cls, left, self) && holds(right)) {
                value = right;
                target = left;
              }
            } else if (n.type === 'call') {
              const fn = field(n, 'function');
              if (fn?.type === 'attribute') {
                const method = field(fn, 'attribute')?.text ?? '';
                const receiver = field(fn, 'object');
                const isContainer = receiver && rootedAtSelf(ctx, cls, receiver, self);
                const shared =
                  receiver?.type === 'attribute' &&
                  isClassLevel(ctx, cls, field(receiver, 'attribute')?.text ?? '');
                if (STORING.has(method) && receiver && isContainer && !shared) {
                  const arg = callArgs(n).find((a) => holds(valueOf(a)));
                  if (arg) {
                    value = valueOf(arg);
                    target = receiver;
                  }
                }
              }
            }
            if (!value || !target) return;
            const stmt = statementOf(n);
            const bare = unparen(value).text === self;
            const advice = bare
              ? `If it must refer to itself, store \`weakref.ref(${self})\` instead.`
              : `Look the method up when needed, or store \`weakref.WeakMethod(...)\` instead.`;
            ctx.report(
              'HI008',
              rangeOf(stmt.type === 'expression_statement' ? stmt : n),
              `\`${target.text}\` now holds ${what(ctx, value, self, cls)}: a reference cycle ` +
                `that reference counting cannot free, so the object (and everything it owns) ` +
                `lives until the cycle collector runs and \`__del__\`/cleanup timing becomes ` +
                `unpredictable. ${advice}`,
            );
          },
          { intoScopes: false },
        );
      }
    }
  },
};
