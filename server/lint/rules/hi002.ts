/** HI002: `__del__` overrides a base class `__del__` without calling it. */
import { chainRoot, field, headerRange, unparen, walk, type Node } from '../ast';
import type { ClassInfo, LintContext } from '../context';
import { blockEnd, blockIndent, hasOwnBodyLines, insertAt } from '../fixes';
import { hasReturn } from './common';
import type { Rule } from './rule';

/** Does the finalizer body reach the base `__del__` (`super().__del__`, `Base.__del__`)? */
function callsBaseDel(ctx: LintContext, body: Node, ancestors: ClassInfo[]): boolean {
  const names = new Set(ancestors.map((a) => a.name));
  let found = false;
  walk(body, (n) => {
    if (found) return false;
    if (n.type === 'attribute' && field(n, 'attribute')?.text === '__del__') {
      const obj = unparen(field(n, 'object') as Node);
      const root = chainRoot(obj);
      if (obj.type === 'call' && root.text === 'super') found = true;
      else if (obj.type === 'identifier' && names.has(obj.text)) found = true;
      else if (obj.type === 'attribute') found = true; // mod.Base.__del__: trust it
    }
    // getattr(super(), "__del__", None)
    if (n.type === 'call' && ctx.callee(n) === 'getattr' && /__del__/.test(n.text)) found = true;
    return undefined;
  });
  return found;
}

export const hi002: Rule = {
  code: 'HI002',
  name: 'del-skips-base-del',
  title: '`__del__` does not call the base class `__del__`',
  defaultSeverity: 'warning',
  check(ctx) {
    for (const { fn, cls } of ctx.finalizers()) {
      const ancestors = ctx.ancestors(cls);
      const base = ancestors.find((a) => a.methods.has('__del__'));
      const body = field(fn, 'body');
      if (!base || !body || callsBaseDel(ctx, body, ancestors)) continue;
      const fixes = [];
      const indent = blockIndent(ctx, fn, body);
      if (indent && hasOwnBodyLines(fn) && !hasReturn(fn)) {
        fixes.push({
          title: 'Call super().__del__() at the end of __del__',
          edits: [insertAt(blockEnd(ctx, body), `\n${indent}super().__del__()`)],
        });
      }
      ctx.report(
        'HI002',
        headerRange(fn),
        `\`${cls.name}.__del__\` overrides \`${base.name}.__del__\` without calling it, so the ` +
          `base class never finalizes its part of the object. Call \`super().__del__()\` ` +
          `(Python does not do it for you).`,
        fixes,
      );
    }
  },
};
