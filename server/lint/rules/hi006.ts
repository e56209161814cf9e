/** HI006: `raise` in `__del__` that nothing in `__del__` catches. */
import {
  EXCEPTION_ALIASES,
  EXCEPTION_BASES,
  callArgs,
  field,
  namedKids,
  rangeOf,
  unparen,
  walk,
  type Node,
} from '../ast';
import type { LintContext } from '../context';
import type { Rule } from './rule';

/** Names of the exception types a handler catches; [] means everything (`except:`). */
function handlerTypes(ctx: LintContext, clause: Node): string[] {
  let value = namedKids(clause).find((c) => c.type !== 'block' && c.type !== 'comment');
  if (!value) return [];
  if (value.type === 'as_pattern') value = namedKids(value)[0];
  if (!value) return [];
  value = unparen(value);
  const items = value.type === 'tuple' ? namedKids(value) : [value];
  return items.map((i) => normalize(ctx, i));
}

function normalize(ctx: LintContext, node: Node): string {
  const q = ctx.qualify(node) ?? node.text;
  if (EXCEPTION_ALIASES[q]) return EXCEPTION_ALIASES[q];
  return q.split('.').at(-1) ?? q;
}

/** The raised type's name, or null when unknown (`raise err`, bare `raise`). */
function raisedType(ctx: LintContext, stmt: Node): string | null {
  let value = namedKids(stmt)[0];
  if (!value) return null;
  value = unparen(value);
  if (value.type === 'call') value = field(value, 'function') ?? value;
  if (value.type !== 'identifier' && value.type !== 'attribute') return null;
  const name = normalize(ctx, value);
  if (EXCEPTION_BASES[name] || name === 'BaseException') return name;
  if (ctx.resolveClass(name)) return name;
  // `raise RuntimeError` spelled through an unknown module, or a variable: treat as unknown.
  return /^[A-Z]/.test(name) && (value.type === 'attribute' || ctx.moduleNames.has(name))
    ? name
    : null;
}

/** `name` and its known bases, nearest first. */
function lineage(ctx: LintContext, name: string): string[] {
  const out: string[] = [];
  let current: string | undefined = name;
  const seen = new Set<string>();
  while (current && !seen.has(current)) {
    seen.add(current);
    out.push(current);
    const cls = ctx.resolveClass(current);
    if (cls) {
      const base = cls.bases[0];
      current = base ? normalize(ctx, base) : 'Exception';
    } else {
      current = EXCEPTION_BASES[current] ?? (current === 'BaseException' ? undefined : 'Exception');
    }
  }
  return out;
}

function catches(ctx: LintContext, raised: string | null, types: string[]): boolean {
  if (types.length === 0 || types.includes('BaseException')) return true;
  if (raised === null) return types.includes('Exception');
  const chain = lineage(ctx, raised);
  return types.some((t) => chain.includes(t));
}

/** Is the raise inside a `try` body (or `with suppress(...)`) that handles it, within `fn`? */
function isCaught(ctx: LintContext, raise: Node, fn: Node, raised: string | null): boolean {
  let child: Node = raise;
  for (let p = raise.parent; p && p.id !== fn.id; child = p, p = p.parent) {
    if (p.type === 'try_statement' && field(p, 'body')?.id === child.id) {
      for (const clause of namedKids(p)) {
        if (clause.type !== 'except_clause' && clause.type !== 'except_group_clause') continue;
        if (catches(ctx, raised, handlerTypes(ctx, clause))) return true;
      }
    }
    if (p.type === 'with_statement' && field(p, 'body')?.id === child.id) {
      const clause = namedKids(p).find((c) => c.type === 'with_clause');
      for (const item of clause ? namedKids(clause) : []) {
        const value = field(item, 'value');
        if (value?.type !== 'call') continue;
        if (ctx.callee(value) !== 'contextlib.suppress') continue;
        const types = callArgs(value).map((a) => normalize(ctx, a));
        if (types.length > 0 && catches(ctx, raised, types)) return true;
      }
    }
  }
  return false;
}

export const hi006: Rule = {
  code: 'HI006',
  name: 'del-raises',
  title: '`raise` in `__del__` is ignored',
  defaultSeverity: 'warning',
  check(ctx) {
    for (const { fn } of ctx.finalizers()) {
      const body = field(fn, 'body');
      if (!body) continue;
      walk(body, (n) => {
        if (n.type !== 'raise_statement') return;
        const raised = raisedType(ctx, n);
        if (isCaught(ctx, n, fn, raised)) return;
        ctx.report(
          'HI006',
          rangeOf(n),
          `This exception escapes \`__del__\`, where Python ignores it: it only prints ` +
            `"Exception ignored in: ..." to stderr and the caller never sees it. Handle the ` +
            `problem inside \`__del__\` (log it or \`warnings.warn\`), or move the check to an ` +
            `explicit \`close()\`.`,
        );
      });
    }
  },
};
