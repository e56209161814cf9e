/** HI011: `gc.disable()` without `gc.enable()` on every path out of the same function. */
import { field, findAll, namedKids, rangeOf, walk, type Node } from '../ast';
import type { LintContext } from '../context';
import type { Rule } from './rule';

/** Pending `gc.disable()` calls (by node id); null means "this point is unreachable". */
type State = Map<number, Node> | null;

interface Exit {
  kind: 'return' | 'raise' | 'break' | 'continue';
  state: Map<number, Node>;
}

interface Flow {
  normal: State;
  exits: Exit[];
}

function join(...states: State[]): State {
  let out: State = null;
  for (const s of states) {
    if (s === null) continue;
    out ??= new Map();
    for (const [k, v] of s) out.set(k, v);
  }
  return out;
}

const RAISING = new Set([
  'subscript',
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
  'binary_operator',
  'comparison_operator',
  'await',
  'yield',
  'assert_statement',
  'raise_statement',
  'import_statement',
  'import_from_statement',
  'delete_statement',
]);

/** Methods that open a scope closed by a sibling method (`__enter__` … `__exit__`). */
const OPENERS = new Set([
  '__enter__',
  '__aenter__',
  'setUp',
  'setUpClass',
  'asyncSetUp',
  'setup_method',
  'setup_class',
  'setup',
  'start',
  'open',
  'begin',
  'pause',
]);

class GcFlow {
  /** Variables holding `gc.isenabled()`: `if was_enabled: gc.enable()` restores the old state. */
  private readonly stateVars = new Set<string>();

  constructor(
    private readonly ctx: LintContext,
    scope: Node,
  ) {
    walk(scope, (n) => {
      if (n.type !== 'assignment') return;
      const right = field(n, 'right');
      const left = field(n, 'left');
      if (right?.type === 'call' && ctx.callee(right) === 'gc.isenabled' && left) {
        if (left.type === 'identifier') this.stateVars.add(left.text);
      }
    });
  }

  gcCall(n: Node): 'disable' | 'enable' | null {
    if (n.type !== 'call') return null;
    const q = this.ctx.callee(n);
    if (q === 'gc.disable') return 'disable';
    if (q === 'gc.enable') return 'enable';
    return null;
  }

  /** Applies the gc calls inside an expression/simple statement, in source order. */
  private effects(node: Node, st: Map<number, Node>): Map<number, Node> {
    let out = st;
    walk(node, (n) => {
      if (n.type === 'lambda') return false;
      const kind = this.gcCall(n);
      if (kind === 'disable') {
        out = new Map(out);
        out.set(n.id, n);
      } else if (kind === 'enable') {
        out = new Map();
      }
      return undefined;
    });
    return out;
  }

  /**
   * Can evaluating `node` raise? Calls, attribute and item access, iteration, operators, `await`,
   * `yield` (a generator can be closed there), `assert`, `raise`, `import` and `del` can;
   * plain names and literals cannot, and neither can the `gc` module's own functions.
   */
  private mayRaise(node: Node): boolean {
    let raises = false;
    walk(node, (n) => {
      if (raises || n.type === 'lambda') return false;
      if (n.type === 'call' || n.type === 'attribute') {
        const target = n.type === 'call' ? field(n, 'function') : n;
        const q = this.ctx.qualify(target) ?? '';
        if (q.startsWith('gc.')) return n.type === 'call' ? undefined : false;
        raises = true;
      } else if (RAISING.has(n.type)) {
        raises = true;
      }
      return undefined;
    });
    return raises;
  }

  /** Raise exit for evaluating `node` in state `st` (only when gc is disabled there). */
  private raiseExit(node: Node | null, st: Map<number, Node>): Exit[] {
    return node && st.size > 0 && this.mayRaise(node) ? [{ kind: 'raise', state: st }] : [];
  }

  block(block: Node | null | undefined, st: State): Flow {
    const exits: Exit[] = [];
    let state = st;
    for (const stmt of block ? namedKids(block) : []) {
      if (state === null) break;
      if (stmt.type === 'comment') continue;
      const f = this.statement(stmt, state);
      exits.push(...f.exits);
      state = f.normal;
    }
    return { normal: state, exits };
  }

  private statement(s: Node, st: Map<number, Node>): Flow {
    switch (s.type) {
      case 'function_definition':
      case 'class_definition':
      case 'decorated_definition':
      case 'pass_statement':
      case 'global_statement':
      case 'nonlocal_statement':
        return { normal: st, exits: [] };
      case 'return_statement': {
        const after = this.effects(s, st);
        return {
          normal: null,
          exits: [...this.raiseExit(s, st), { kind: 'return', state: after }],
        };
      }
      case 'raise_statement':
        return { normal: null, exits: [{ kind: 'raise', state: this.effects(s, st) }] };
      case 'break_statement':
        return { normal: null, exits: [{ kind: 'break', state: st }] };
      case 'continue_statement':
        return { normal: null, exits: [{ kind: 'continue', state: st }] };
      case 'if_statement':
        return this.ifStatement(s, st);
      case 'for_statement':
      case 'while_statement':
        return this.loop(s, st);
      case 'try_statement':
        return this.tryStatement(s, st);
      case 'with_statement': {
        const clause = namedKids(s).find((c) => c.type === 'with_clause') ?? null;
        const entered = clause ? this.effects(clause, st) : st;
        const body = this.block(field(s, 'body'), entered);
        return { normal: body.normal, exits: [...this.raiseExit(clause, st), ...body.exits] };
      }
      case 'match_statement': {
        const subject = field(s, 'subject');
        const exits = this.raiseExit(subject, st);
        const body = field(s, 'body');
        let normal: State = st;
        for (const c of body ? namedKids(body) : []) {
          if (c.type !== 'case_clause') continue;
          const f = this.block(field(c, 'consequence'), st);
          exits.push(...f.exits);
          normal = join(normal, f.normal);
        }
        return { normal, exits };
      }
      default: {
        const after = this.effects(s, st);
        return { normal: after, exits: this.raiseExit(s, join(st, after) ?? st) };
      }
    }
  }

  private restoresState(condition: Node | null): boolean {
    if (!condition) return false;
    if (/isenabled/.test(condition.text)) return true;
    return findAll(condition, 'identifier').some((id) => this.stateVars.has(id.text));
  }

  private ifStatement(s: Node, st: Map<number, Node>): Flow {
    const exits: Exit[] = [];
    const normals: State[] = [];
    const cond = field(s, 'condition');
    exits.push(...this.raiseExit(cond, st));
    const branchState = cond ? this.effects(cond, st) : st;
    const restore = this.restoresState(cond);
    const first = this.block(field(s, 'consequence'), branchState);
    exits.push(...first.exits);
    normals.push(first.normal);
    let hasElse = false;
    for (const alt of s.childrenForFieldName('alternative')) {
      if (!alt) continue;
      if (alt.type === 'else_clause') {
        hasElse = true;
        const f = this.block(field(alt, 'body'), branchState);
        exits.push(...f.exits);
        normals.push(f.normal);
      } else if (alt.type === 'elif_clause') {
        const c = field(alt, 'condition');
        exits.push(...this.raiseExit(c, branchState));
        const f = this.block(field(alt, 'consequence'), branchState);
        exits.push(...f.exits);
        normals.push(f.normal);
      }
    }
    if (!hasElse) normals.push(branchState);
    // `if was_enabled: gc.enable()` restores the caller's setting: the gc is as the caller left it.
    if (restore && normals.some((n) => n !== null && n.size === 0)) {
      return { normal: new Map(), exits };
    }
    return { normal: join(...normals), exits };
  }

  private loop(s: Node, st: Map<number, Node>): Flow {
    const exits: Exit[] = [];
    const head = s.type === 'while_statement' ? field(s, 'condition') : field(s, 'right');
    const infinite = s.type === 'while_statement' && (head?.type === 'true' || head?.text === '1');
    const body = field(s, 'body');
    let entry: State = st;
    let breaks: State = null;
    for (let i = 0; i < 2; i++) {
      exits.length = 0;
      breaks = null;
      const e = entry ?? st;
      exits.push(...this.raiseExit(head, e));
      const f = this.block(body, e);
      let continues: State = null;
      for (const x of f.exits) {
        if (x.kind === 'break') breaks = join(breaks, x.state);
        else if (x.kind === 'continue') continues = join(continues, x.state);
        else exits.push(x);
      }
      entry = join(st, f.normal, continues);
    }
    let normal: State = infinite ? null : entry;
    const alternative = s.childrenForFieldName('alternative').find((a) => a) ?? null;
    if (alternative && normal) {
      const f = this.block(field(alternative, 'body'), normal);
      exits.push(...f.exits);
      normal = f.normal;
    }
    return { normal: join(normal, breaks), exits };
  }

  private tryStatement(s: Node, st: Map<number, Node>): Flow {
    const body = this.block(field(s, 'body'), st);
    const handlers = namedKids(s).filter(
      (c) => c.type === 'except_clause' || c.type === 'except_group_clause',
    );
    const elseClause = namedKids(s).find((c) => c.type === 'else_clause');
    const finallyClause = namedKids(s).find((c) => c.type === 'finally_clause');
    const exits: Exit[] = [];
    let raised: State = null;
    for (const x of body.exits) {
      if (x.kind === 'raise' && handlers.length > 0) raised = join(raised, x.state);
      else exits.push(x);
    }
    let normal: State = body.normal;
    if (elseClause && normal) {
      const f = this.block(field(elseClause, 'body'), normal);
      exits.push(...f.exits);
      normal = f.normal;
    }
    if (handlers.length > 0) {
      const entry = raised ?? st;
      for (const h of handlers) {
        const block = namedKids(h).find((c) => c.type === 'block');
        const f = this.block(block, entry);
        exits.push(...f.exits);
        normal = join(normal, f.normal);
      }
    }
    if (!finallyClause) return { normal, exits };
    const fin = namedKids(finallyClause).find((c) => c.type === 'block');
    const through = (state: Map<number, Node>): Flow => this.block(fin, state);
    const out: Exit[] = [];
    let finalNormal: State = null;
    if (normal) {
      const f = through(normal);
      finalNormal = f.normal;
      out.push(...f.exits);
    }
    for (const x of exits) {
      const f = through(x.state);
      if (f.normal) out.push({ kind: x.kind, state: f.normal });
      out.push(...f.exits);
    }
    return { normal: finalNormal, exits: out };
  }
}

export const hi011: Rule = {
  code: 'HI011',
  name: 'gc-disable-not-restored',
  title: '`gc.disable()` without `gc.enable()` on every path',
  defaultSeverity: 'warning',
  check(ctx) {
    const scopes: Node[] = [ctx.root];
    walk(
      ctx.root,
      (n) => {
        if (n.type === 'function_definition') scopes.push(n);
      },
      { intoScopes: true },
    );
    for (const scope of scopes) {
      const body = scope.type === 'module' ? scope : field(scope, 'body');
      if (!body) continue;
      const flow = new GcFlow(ctx, body);
      let disables = 0;
      walk(body, (n) => {
        if (flow.gcCall(n) === 'disable') disables++;
      });
      if (disables === 0) continue;
      if (scope.type === 'function_definition' && pairedInClass(ctx, scope, flow)) continue;
      const result = flow.block(body, new Map());
      const leaked = new Map<number, Node>();
      for (const s of [result.normal, ...result.exits.map((e) => e.state)]) {
        if (s) for (const [k, v] of s) leaked.set(k, v);
      }
      for (const call of leaked.values()) {
        const where =
          scope.type === 'module' ? 'this module' : `\`${field(scope, 'name')?.text}()\``;
        ctx.report(
          'HI011',
          rangeOf(call),
          `\`gc.disable()\` is not undone by \`gc.enable()\` on every path out of ${where} ` +
            `(an early return or an exception leaves the cycle collector off), so every ` +
            `reference cycle created afterwards leaks for the life of the process. Re-enable it ` +
            `in a \`finally:\` block (\`gc.disable()\` / \`try: ...\` / \`finally: gc.enable()\`).`,
        );
      }
    }
  },
};

/** `__enter__` disables and a sibling method (e.g. `__exit__`) enables: a deliberate pair. */
function pairedInClass(ctx: LintContext, fn: Node, flow: GcFlow): boolean {
  const name = field(fn, 'name')?.text ?? '';
  if (!OPENERS.has(name)) return false;
  const cls = ctx.classOfMethod(fn);
  if (!cls) return false;
  for (const m of cls.methods.values()) {
    if (m.node.id === fn.id) continue;
    let enables = false;
    walk(m.node, (n) => {
      if (flow.gcCall(n) === 'enable') enables = true;
    });
    if (enables) return true;
  }
  return false;
}
