/** HI003: `__del__` takes a lock or blocks. */
import {
  callArgs,
  clauseHeaderRange,
  dottedParts,
  field,
  isStringLike,
  keywordName,
  namedKids,
  rangeOf,
  unparen,
  walk,
  type Node,
} from '../ast';
import type { LintContext } from '../context';
import type { Range } from '../types';
import type { Rule } from './rule';

const isLockish = (name: string): boolean =>
  /(^|_)(r?lock|mutex|cond|condition|cv|sem|semaphore)$/i.test(name) || /[a-z]R?Lock$/.test(name);
const QUEUEISH = /(^|_)(q|queue|inbox|outbox|jobs|tasks|work|requests|pending|mailbox)$|queue$/i;
const BLOCKING_FUNCTIONS = new Set([
  'time.sleep',
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'os.wait',
  'select.select',
]);

function lastName(node: Node | null): string {
  if (!node) return '';
  const parts = dottedParts(node);
  return parts ? (parts.at(-1) ?? '') : '';
}

function isFalse(node: Node): boolean {
  return node.type === 'false' || node.text === 'False' || node.text === '0';
}

function isNumber(node: Node): boolean {
  return node.type === 'integer' || node.type === 'float';
}

/** Why this call blocks, or null. */
function blockingCall(ctx: LintContext, call: Node): string | null {
  const q = ctx.callee(call);
  if (q && BLOCKING_FUNCTIONS.has(q)) return `${q}()`;
  const fn = field(call, 'function');
  if (fn?.type !== 'attribute') return null;
  const method = field(fn, 'attribute')?.text ?? '';
  const receiver = unparen(field(fn, 'object') as Node);
  const args = callArgs(call);
  const positional = args.filter((a) => !keywordName(a) && a.type !== 'dictionary_splat');
  const keywords = new Map<string, Node>();
  for (const a of args) {
    const k = keywordName(a);
    if (k) keywords.set(k, field(a, 'value') as Node);
  }
  switch (method) {
    case 'acquire': {
      const blocking = keywords.get('blocking') ?? positional[0];
      if (blocking && isFalse(blocking)) return null;
      return `${fn.text}()`;
    }
    case 'join':
      if (isStringLike(receiver) || (receiver.type === 'identifier' && receiver.text === 'str')) {
        return null;
      }
      if (/(^|\.)path$/.test(receiver.text)) return null;
      if (positional.length === 0 || (positional.length === 1 && isNumber(positional[0]))) {
        return `${fn.text}()`;
      }
      return null;
    case 'wait':
    case 'communicate':
      return `${fn.text}()`;
    case 'get':
    case 'put': {
      if (keywords.has('block') || keywords.has('timeout')) {
        const b = keywords.get('block');
        return b && isFalse(b) ? null : `${fn.text}()`;
      }
      const queueish = QUEUEISH.test(lastName(receiver));
      if (method === 'get' && positional.length === 0 && keywords.size === 0) {
        return `${fn.text}()`;
      }
      if (queueish) {
        if (method === 'put' && positional.length >= 2 && isFalse(positional[1])) return null;
        if (method === 'get' && positional.length >= 1 && isFalse(positional[0])) return null;
        return `${fn.text}()`;
      }
      return null;
    }
    default:
      return null;
  }
}

/** `with self._lock:` / `with FileLock(path):` items that take a lock. */
function lockItems(stmt: Node): Node[] {
  const clause = namedKids(stmt).find((c) => c.type === 'with_clause');
  const out: Node[] = [];
  for (const item of clause ? namedKids(clause) : []) {
    if (item.type !== 'with_item') continue;
    let value = field(item, 'value');
    if (value?.type === 'as_pattern') value = namedKids(value)[0] ?? null;
    if (!value) continue;
    value = unparen(value);
    const target = value.type === 'call' ? field(value, 'function') : value;
    if (value.type === 'call' && target && /Lock$|Semaphore$|Condition$/.test(lastName(target))) {
      out.push(value);
    } else if (value.type !== 'call' && isLockish(lastName(target))) {
      out.push(value);
    }
  }
  return out;
}

export const hi003: Rule = {
  code: 'HI003',
  name: 'del-blocks',
  title: '`__del__` takes a lock or blocks',
  defaultSeverity: 'warning',
  check(ctx) {
    for (const { fn } of ctx.finalizers()) {
      const body = field(fn, 'body');
      if (!body) continue;
      const found: Array<{ range: Range; what: string }> = [];
      walk(body, (n) => {
        if (n.type === 'with_statement') {
          for (const item of lockItems(n)) {
            found.push({ range: clauseHeaderRange(n), what: `takes the lock \`${item.text}\`` });
            break;
          }
        } else if (n.type === 'call') {
          const why = blockingCall(ctx, n);
          if (why) found.push({ range: rangeOf(n), what: `blocks in \`${why}\`` });
        }
      });
      for (const f of found) {
        ctx.report(
          'HI003',
          f.range,
          `\`__del__\` ${f.what}. A finalizer runs on whichever thread happens to trigger ` +
            `garbage collection, at any bytecode boundary, possibly while that thread already ` +
            `holds the lock or is the one being waited for, so it can deadlock. Do not lock or ` +
            `block in \`__del__\`: release resources explicitly (\`close()\`, a context manager), ` +
            `or hand the work off without blocking (e.g. \`put_nowait\`).`,
        );
      }
    }
  },
};
