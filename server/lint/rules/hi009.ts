/** HI009: a caught exception stored beyond its `except` block. */
import {
  callArgs,
  dottedParts,
  enclosingFunction,
  field,
  namedKids,
  rangeOf,
  statementOf,
  unparen,
  walk,
  type Node,
} from '../ast';
import type { LintContext } from '../context';
import { CONTAINER_METHODS, referencesName, valueOf } from './common';
import type { Rule } from './rule';

/** Calls that turn an exception into plain data (no traceback kept). */
const FLATTENING = new Set([
  'str',
  'repr',
  'type',
  'format',
  'len',
  'bool',
  'id',
  'hash',
  'isinstance',
  'issubclass',
  'traceback.format_exc',
  'traceback.format_exception',
  'traceback.format_exception_only',
  'traceback.format_tb',
  'traceback.print_exc',
  'traceback.print_exception',
]);

const TRACEBACK_ATTRS = new Set(['__traceback__', '__context__', '__cause__', 'tb_frame']);

/** Does `expr` evaluate to something that keeps the exception `name` (or the current one) alive? */
function holdsException(ctx: LintContext, expr: Node, name: string | null): boolean {
  const e = unparen(expr);
  switch (e.type) {
    case 'identifier':
      return name !== null && e.text === name;
    case 'attribute': {
      const obj = unparen(field(e, 'object') as Node);
      const attr = field(e, 'attribute')?.text ?? '';
      if (name !== null && obj.type === 'identifier' && obj.text === name) {
        return TRACEBACK_ATTRS.has(attr);
      }
      return ctx.qualify(e) === 'sys.last_traceback' || ctx.qualify(e) === 'sys.last_exc';
    }
    case 'call': {
      const callee = ctx.callee(e) ?? '';
      if (callee === 'sys.exc_info' || callee === 'sys.exception') return true;
      if (FLATTENING.has(callee)) return false;
      const fn = field(e, 'function');
      const args = callArgs(e);
      // err.with_traceback(None) drops the traceback; err.with_traceback(tb) keeps one.
      if (fn?.type === 'attribute' && name !== null && field(fn, 'object')?.text === name) {
        const method = field(fn, 'attribute')?.text;
        if (method === 'with_traceback') return args[0]?.type !== 'none';
        return false;
      }
      // Wrapping in a class (`Failure(err)`) keeps it; helpers (`describe(err)`) usually do not.
      const parts = fn ? dottedParts(fn) : null;
      const last = parts?.at(-1) ?? '';
      if (/^[A-Z]/.test(last) || last === 'dict' || last === 'list' || last === 'tuple') {
        return args.some((a) => holdsException(ctx, valueOf(a), name));
      }
      return false;
    }
    case 'lambda':
      return name !== null && referencesName(e, name);
    case 'tuple':
    case 'list':
    case 'set':
    case 'dictionary':
    case 'pair':
    case 'expression_list':
    case 'conditional_expression':
    case 'boolean_operator':
    case 'list_splat':
    case 'keyword_argument':
      return namedKids(e).some((c) => holdsException(ctx, c, name));
    default:
      return false;
  }
}

/** Names declared `global`/`nonlocal` in the function containing `node` (or null at module level). */
function declaredOuter(node: Node): Set<string> | null {
  const fn = enclosingFunction(node);
  if (!fn) return null;
  const out = new Set<string>();
  const body = field(fn, 'body');
  if (body) {
    walk(body, (n) => {
      if (n.type === 'global_statement' || n.type === 'nonlocal_statement') {
        for (const id of namedKids(n)) out.add(id.text);
      }
    });
  }
  return out;
}

/** Start offset of the first assignment to `name` in the block, or -1. */
function firstRebinding(block: Node, name: string): number {
  let at = -1;
  walk(block, (n) => {
    if (at >= 0) return false;
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = field(n, 'left');
      if (left?.type === 'identifier' && left.text === name) at = n.endIndex;
    }
    return undefined;
  });
  return at;
}

function exceptName(clause: Node): string | null {
  const value = namedKids(clause).find((c) => c.type === 'as_pattern');
  const alias = value ? field(value, 'alias') : null;
  const id = alias ? namedKids(alias).find((c) => c.type === 'identifier') : null;
  return id?.text ?? null;
}

export const hi009: Rule = {
  code: 'HI009',
  name: 'exception-outlives-except',
  title: 'Caught exception stored beyond its `except` block',
  defaultSeverity: 'warning',
  check(ctx) {
    walk(
      ctx.root,
      (clause) => {
        if (clause.type !== 'except_clause' && clause.type !== 'except_group_clause') return;
        const name = exceptName(clause);
        const block = namedKids(clause).find((c) => c.type === 'block');
        if (!block) return;
        const outer = declaredOuter(clause);
        // `exc = OSError(...)` inside the handler: from there on the name is a fresh exception.
        const rebound = name === null ? -1 : firstRebinding(block, name);
        const holds = (e: Node) =>
          holdsException(ctx, e, rebound >= 0 && e.startIndex > rebound ? null : name);
        walk(block, (n) => {
          let where: string | null = null;
          if (n.type === 'assignment' || n.type === 'augmented_assignment') {
            const left = field(n, 'left');
            const right = field(n, 'right');
            if (!left || !right || !holds(right)) return;
            const targets = left.type.endsWith('list') ? namedKids(left) : [left];
            for (const t of targets) {
              // new_exc.__cause__ = exc is exception chaining, like `raise ... from exc`.
              const attr = t.type === 'attribute' ? field(t, 'attribute')?.text : '';
              if (attr === '__cause__' || attr === '__context__') continue;
              if (t.type === 'attribute' || t.type === 'subscript') where = t.text;
              else if (t.type === 'identifier' && (outer === null || outer.has(t.text))) {
                where = outer === null ? `module global \`${t.text}\`` : t.text;
              }
            }
          } else if (n.type === 'call') {
            const fn = field(n, 'function');
            if (fn?.type !== 'attribute') return;
            const method = field(fn, 'attribute')?.text ?? '';
            if (!CONTAINER_METHODS.has(method) || method === 'register') return;
            if (callArgs(n).some((a) => holds(valueOf(a)))) where = field(fn, 'object')?.text ?? '';
          }
          if (!where) return;
          const what = name ? `\`${name}\`` : 'The current exception';
          const v = name ?? 'err';
          const place = where.startsWith('module') ? where : `\`${where}\``;
          ctx.report(
            'HI009',
            rangeOf(statementOf(n)),
            `${what} is stored in ${place}, beyond its \`except\` block: its ` +
              `\`__traceback__\` references every frame of the stack and all of their local ` +
              `variables, which stay alive (often in a reference cycle through this frame) until ` +
              `it is cleared. Store \`str(${v})\` or \`traceback.format_exc()\`, or the exception ` +
              `without its traceback (\`${v}.with_traceback(None)\`), and clear it once handled.`,
          );
        });
      },
      { intoScopes: true },
    );
  },
};
