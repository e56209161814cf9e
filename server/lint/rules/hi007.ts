/** HI007: `weakref.finalize` callback or arguments reference the object being watched. */
import {
  callArgs,
  decoratorsOf,
  dottedParts,
  enclosingFunction,
  field,
  firstParamName,
  isKeywordArg,
  namedKids,
  rangeOf,
  statementOf,
  unparen,
  walk,
  type Node,
} from '../ast';
import type { ClassInfo, LintContext } from '../context';
import {
  blockIndent,
  hasOwnBodyLines,
  lineIndent,
  pointOf,
  replaceNode,
  replaceRange,
  uniqueName,
} from '../fixes';
import type { QuickFix, TextEdit } from '../types';
import {
  PARTIAL,
  analyzeSelfUse,
  capturesObject,
  fieldsAreStable,
  identifiersIn,
  isDocstring,
  memberTaken,
  paramNames,
  referencesName,
  statements,
  textWithReplacements,
  valueOf,
} from './common';
import type { Rule } from './rule';

interface Site {
  call: Node;
  obj: string;
  func: Node;
  rest: Node[];
  cls?: ClassInfo;
  /** The method containing the call, when `obj` is its `self`. */
  method?: Node;
}

function describe(ctx: LintContext, site: Site): string {
  const f = unparen(site.func);
  const { obj } = site;
  const opts = { cls: site.cls, genericCalls: true };
  if (capturesObject(ctx, f, obj, 'func', opts)) {
    if (f.type === 'attribute') return `the callback \`${f.text}\` is a bound method of \`${obj}\``;
    if (f.type === 'lambda') return `the lambda callback refers to \`${obj}\``;
    if (f.type === 'call' && PARTIAL.has(ctx.callee(f) ?? '')) {
      return `the \`partial\` callback holds \`${obj}\``;
    }
    return `the callback holds \`${obj}\``;
  }
  const arg = site.rest.find((a) => capturesObject(ctx, valueOf(a), obj, 'arg', opts));
  return `the argument \`${arg?.text ?? obj}\` holds \`${obj}\``;
}

export const hi007: Rule = {
  code: 'HI007',
  name: 'finalize-captures-object',
  title: '`weakref.finalize` callback keeps its object alive',
  defaultSeverity: 'error',
  check(ctx) {
    walk(
      ctx.root,
      (n) => {
        if (n.type !== 'call' || ctx.callee(n) !== 'weakref.finalize') return;
        const site = siteOf(ctx, n);
        if (!site) return;
        const opts = { cls: site.cls, genericCalls: true };
        const captured =
          capturesObject(ctx, site.func, site.obj, 'func', opts) ||
          site.rest.some((a) => capturesObject(ctx, valueOf(a), site.obj, 'arg', opts));
        if (!captured) return;
        const fix = quickFix(ctx, site);
        ctx.report(
          'HI007',
          rangeOf(n),
          `\`weakref.finalize\` will never run before interpreter exit: ${describe(ctx, site)}, ` +
            `so the finalizer registry keeps the object alive forever. Pass a function that ` +
            `does not reference the object (a staticmethod or module-level function) plus the ` +
            `values it needs, e.g. \`weakref.finalize(self, shutil.rmtree, self.path)\`.`,
          fix ? [fix] : [],
        );
      },
      { intoScopes: true },
    );
  },
};

function siteOf(ctx: LintContext, call: Node): Site | null {
  const args = callArgs(call);
  const positional: Node[] = [];
  for (const a of args) {
    if (isKeywordArg(a) || a.type === 'list_splat' || a.type === 'dictionary_splat') break;
    positional.push(a);
  }
  if (positional.length < 2) return null;
  const objNode = unparen(positional[0]);
  if (!dottedParts(objNode)) return null;
  const func = positional[1];
  const rest = args.slice(args.indexOf(func) + 1);
  const site: Site = { call, obj: objNode.text, func, rest };
  const fn = enclosingFunction(call);
  const cls = fn ? ctx.classOfMethod(fn) : undefined;
  if (fn && cls && objNode.type === 'identifier' && firstParamName(fn) === objNode.text) {
    const m = [...cls.methods.values()].find((x) => x.node.id === fn.id);
    if (m?.kind === 'instance') {
      site.cls = cls;
      site.method = fn;
    }
  }
  return site;
}

// ---- quick fixes ---------------------------------------------------------------------------

function quickFix(ctx: LintContext, site: Site): QuickFix | null {
  const func = unparen(site.func);
  if (func.type === 'lambda') return lambdaFix(ctx, site, func);
  if (!site.cls || !site.method) return null;
  const opts = { cls: site.cls, genericCalls: true };
  if (site.rest.some((a) => capturesObject(ctx, valueOf(a), site.obj, 'arg', opts))) return null;
  if (func.type === 'attribute') {
    return methodFix(ctx, site, site.cls, site.method, func, []);
  }
  if (func.type === 'call' && PARTIAL.has(ctx.callee(func) ?? '')) {
    const pargs = callArgs(func);
    if (pargs.length === 0 || pargs.some((a) => isKeywordArg(a))) return null;
    if (pargs.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return null;
    const target = unparen(pargs[0]);
    const extra = pargs.slice(1);
    if (extra.some((a) => capturesObject(ctx, a, site.obj, 'arg', opts))) return null;
    if (target.type !== 'attribute') return null;
    return methodFix(ctx, site, site.cls, site.method, target, extra, func);
  }
  return null;
}

/**
 * `weakref.finalize(self, self.cleanup)` → the body of `cleanup` moves to a staticmethod taking the
 * fields it reads; `cleanup` delegates to it; the finalizer calls the staticmethod with the fields.
 */
function methodFix(
  ctx: LintContext,
  site: Site,
  cls: ClassInfo,
  regMethod: Node,
  bound: Node,
  extraArgs: Node[],
  replaceWhole?: Node,
): QuickFix | null {
  const objNode = field(bound, 'object');
  if (!objNode || objNode.text !== site.obj) return null;
  const name = field(bound, 'attribute')?.text ?? '';
  const info = cls.methods.get(name);
  if (!info || info.kind !== 'instance' || !info.selfName) return null;
  const mfn = info.node;
  if (decoratorsOf(mfn).length > 0 || !hasOwnBodyLines(mfn)) return null;
  if (mfn.startIndex <= site.call.startIndex && site.call.endIndex <= mfn.endIndex) return null;
  const params = field(mfn, 'parameters');
  const paramNodes = params ? namedKids(params).filter((p) => p.type !== 'comment') : [];
  const allowed = ['identifier', 'typed_parameter', 'default_parameter', 'typed_default_parameter'];
  if (paramNodes.some((p) => !allowed.includes(p.type))) return null;
  const others = paramNodes.slice(1);
  const otherNames = others.map(
    (p) => (p.type === 'identifier' ? p : (field(p, 'name') ?? namedKids(p)[0]))?.text ?? '',
  );
  const use = analyzeSelfUse(ctx, mfn, info.selfName, cls);
  if (!use) return null;
  const regStmt = statementOf(site.call);
  if (!fieldsAreStable(ctx, cls, use.fields, regMethod, regStmt)) return null;
  const body = field(mfn, 'body');
  const bodyIndent = blockIndent(ctx, mfn, body);
  if (!body || !bodyIndent) return null;
  const stmts = statements(body);
  const first = isDocstring(stmts[0]) ? stmts[1] : stmts[0];
  const last = stmts.at(-1);
  if (!first || !last) return null;

  const avoid = identifiersIn(body);
  for (const o of otherNames) avoid.add(o);
  const names = paramNames(use.fields, avoid);
  const taken = memberTaken(ctx, cls);
  const impl = uniqueName(`_${name.replace(/^_+/, '') || 'cleanup'}_impl`, taken);
  const defIndent = lineIndent(ctx.text, mfn.startPosition.row);
  const self = info.selfName;
  const moved = textWithReplacements(
    ctx,
    first.startIndex,
    last.endIndex,
    use.nodes
      .filter((n) => n.startIndex >= first.startIndex)
      .map((n) => ({ node: n, text: names.get(field(n, 'attribute')?.text ?? '') ?? n.text })),
  );
  const signature = [
    ...use.fields.map((f) => names.get(f) as string),
    ...others.map((p) => p.text),
  ].join(', ');
  const delegate = [...use.fields.map((f) => `${self}.${f}`), ...otherNames].join(', ');
  const edits: TextEdit[] = [
    replaceRange(
      { start: pointOf(first), end: pointOf(last, true) },
      `return type(${self}).${impl}(${delegate})\n\n` +
        `${defIndent}@staticmethod\n${defIndent}def ${impl}(${signature}):\n${bodyIndent}${moved}`,
    ),
  ];
  const regSelf = site.obj;
  const fieldArgs = use.fields.map((f) => `, ${regSelf}.${f}`).join('');
  const extra = extraArgs.map((a) => `, ${a.text}`).join('');
  edits.push(
    replaceNode(replaceWhole ?? site.func, `type(${regSelf}).${impl}${fieldArgs}${extra}`),
  );
  return {
    title: `Move the body of ${name}() to staticmethod ${impl}() and finalize with that`,
    edits,
  };
}

/** Reads of `obj.<attr>` inside a lambda body, or null when `obj` is used any other way. */
function lambdaUses(
  ctx: LintContext,
  body: Node,
  obj: string,
  cls: ClassInfo | undefined,
): { fields: string[]; nodes: Node[] } | null {
  const fields: string[] = [];
  const nodes: Node[] = [];
  let ok = true;
  walk(body, (n) => {
    if (!ok || n.type !== 'identifier' || n.text !== obj) return;
    const p = n.parent;
    if (p?.type === 'attribute' && field(p, 'attribute')?.id === n.id) return;
    if (p?.type === 'keyword_argument' && field(p, 'name')?.id === n.id) return;
    if (p?.type !== 'attribute' || field(p, 'object')?.id !== n.id) {
      ok = false;
      return;
    }
    const attr = field(p, 'attribute')?.text ?? '';
    const called = p.parent?.type === 'call' && field(p.parent, 'function')?.id === p.id;
    if (attr.startsWith('__') || called || (cls && ctx.isBoundMethod(cls, attr))) {
      ok = false;
      return;
    }
    if (cls && ctx.findMethod(cls, attr)) {
      ok = false;
      return;
    }
    if (!fields.includes(attr)) fields.push(attr);
    nodes.push(p);
  });
  return ok ? { fields, nodes } : null;
}

const SIMPLE_ARG = new Set([
  'identifier',
  'attribute',
  'string',
  'integer',
  'float',
  'true',
  'false',
  'none',
]);

/** `weakref.finalize(self, lambda: f(self.a))` → `weakref.finalize(self, f, self.a)`. */
function lambdaFix(ctx: LintContext, site: Site, lambda: Node): QuickFix | null {
  const params = field(lambda, 'parameters');
  if ((params && namedKids(params).length > 0) || site.rest.length > 0) return null;
  const body = field(lambda, 'body');
  const obj = site.obj;
  if (!body || !/^[A-Za-z_]\w*$/.test(obj)) return null;
  const use = lambdaUses(ctx, body, obj, site.cls);
  if (!use || use.fields.length === 0) return null;
  // The values are now read when the finalizer is registered: they must not change afterwards.
  if (site.cls && site.method) {
    if (!fieldsAreStable(ctx, site.cls, use.fields, site.method, statementOf(site.call))) {
      return null;
    }
  } else {
    const scope = enclosingFunction(site.call);
    if (!scope) return null;
    let reassigned = false;
    walk(scope, (n) => {
      if (n.type !== 'assignment' && n.type !== 'augmented_assignment') return;
      const left = field(n, 'left');
      if (left?.type === 'attribute' && field(left, 'object')?.text === obj) reassigned = true;
      if (left?.type === 'identifier' && left.text === obj && n.startIndex > site.call.startIndex) {
        reassigned = true;
      }
    });
    if (reassigned) return null;
  }
  const inner = unparen(body);
  if (inner.type === 'call') {
    const callee = field(inner, 'function');
    const args = callArgs(inner);
    const direct =
      callee !== null &&
      dottedParts(callee) !== null &&
      !referencesName(callee, obj) &&
      args.every((a) => {
        if (a.type === 'list_splat' || a.type === 'dictionary_splat') return false;
        const v = valueOf(a);
        if (use.nodes.some((u) => u.id === v.id)) return true;
        return (
          SIMPLE_ARG.has(v.type) &&
          !referencesName(v, obj) &&
          (v.type !== 'attribute' || dottedParts(v) !== null)
        );
      });
    if (direct && callee) {
      const text = [callee.text, ...args.map((a) => a.text)].join(', ');
      return {
        title: `Pass ${callee.text} and the values it needs instead of a lambda over ${obj}`,
        edits: [replaceNode(site.func, text)],
      };
    }
  }
  const names = paramNames(use.fields, identifiersIn(body));
  const newBody = textWithReplacements(
    ctx,
    body.startIndex,
    body.endIndex,
    use.nodes.map((n) => ({ node: n, text: names.get(field(n, 'attribute')?.text ?? '') ?? '' })),
  );
  const list = use.fields.map((f) => names.get(f)).join(', ');
  const values = use.fields.map((f) => `${obj}.${f}`).join(', ');
  return {
    title: `Pass the values to the lambda instead of capturing ${obj}`,
    edits: [replaceNode(site.func, `lambda ${list}: ${newBody}, ${values}`)],
  };
}
