/** HI004: `__del__` reads a module-level name. */
import { BUILTINS, field, isLoad, rangeOf, walk, type Node } from '../ast';
import type { ClassInfo, LintContext } from '../context';
import { localNames } from '../scope';
import type { Rule } from './rule';

/** Is `id` the head of the spelling of one of the class's bases (`mod.Base` in `mod.Base.f`)? */
function isBaseReference(id: Node, cls: ClassInfo, ctx: LintContext): boolean {
  if (id.text === cls.name) return true;
  let chain: Node = id;
  while (chain.parent?.type === 'attribute' && field(chain.parent, 'object')?.id === chain.id) {
    chain = chain.parent;
  }
  for (const base of [cls, ...ctx.ancestors(cls)].flatMap((c) => c.bases)) {
    if (base.text === id.text) return true;
    if (base.type === 'attribute' && chain.text.startsWith(`${base.text}`)) {
      const rest = chain.text.slice(base.text.length);
      if (rest === '' || rest.startsWith('.')) return true;
    }
  }
  return false;
}

export const hi004: Rule = {
  code: 'HI004',
  name: 'del-reads-global',
  title: '`__del__` reads a module-level name',
  defaultSeverity: 'information',
  check(ctx) {
    for (const { fn, cls } of ctx.finalizers()) {
      const body = field(fn, 'body');
      if (!body) continue;
      const { locals, globals } = localNames(fn);
      const seen = new Set<string>();
      walk(body, (n) => {
        if (n.type !== 'identifier' || !isLoad(n)) return;
        const name = n.text;
        if (seen.has(name) || locals.has(name) || BUILTINS.has(name)) return;
        if (isBaseReference(n, cls, ctx)) return;
        const global =
          globals.has(name) ||
          ctx.moduleNames.has(name) ||
          (ctx.hasStarImport && !ctx.classes.some((c) => c.name === name));
        if (!global) return;
        seen.add(name);
        const kind = ctx.importedNames.has(name) ? 'imported name' : 'module global';
        ctx.report(
          'HI004',
          rangeOf(n),
          `\`__del__\` reads the ${kind} \`${name}\`: during interpreter shutdown module ` +
            `globals may already be deleted or set to None, and the resulting error is only ` +
            `printed to stderr. Keep what the finalizer needs on the instance or bind it as a ` +
            `default argument (\`def __del__(self, _${name}=${name})\`), or use ` +
            `\`weakref.finalize\`, which runs before modules are torn down.`,
        );
      });
    }
  },
};
