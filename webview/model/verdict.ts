/**
 * The plain-language verdict at the top of the report: what the cycle collector will free next,
 * which finalizers that runs, and what keeps anything else alive. Pure: produces text segments
 * that the caller inserts as text (never HTML).
 */
import type { HeapView, ViewEdge } from '../../protocol/heapView';
import type { CycleSummary, FinalizeEntrySummary } from '../../protocol/summary';
import { formatBytes, isAre, joinAnd, plural, shortType, sortedByType, truncate } from './format';
import { indexHeapView, type HeapIndex } from './heapIndex';
import { shortestLoop } from './shortestLoop';

/** A run of text; `code` segments are shown in a monospace font. */
export type Segment = string | { code: string };
export type Rich = Segment[];

export type Tone = 'ok' | 'info' | 'warn' | 'error';

export interface VerdictPoint {
  tone: Tone;
  text: Rich;
}

export interface Verdict {
  /** `ok`: nothing to free; `garbage`: the collector frees something; `stuck`: something never is. */
  kind: 'ok' | 'garbage' | 'stuck';
  headline: Rich;
  points: VerdictPoint[];
  /** What to do about it. */
  fix: Rich[];
}

const GENERATOR_TYPES = new Set([
  'builtins.generator',
  'builtins.coroutine',
  'builtins.async_generator',
]);

function isDict(type: string): boolean {
  return type === 'builtins.dict';
}

/**
 * `1 Connection object (+ its dict)`, `3 Node objects and 1 list (+ 3 dicts)`. `isInstance` says
 * which types are user classes (they get the word "object").
 */
export function describeTypes(
  byType: Record<string, number>,
  isInstance: (type: string) => boolean = (t) => !t.startsWith('builtins.'),
): string {
  const entries = sortedByType(byType);
  const dicts = entries.filter(([t]) => isDict(t)).reduce((a, [, n]) => a + n, 0);
  const others = entries.filter(([t]) => !isDict(t));
  if (others.length === 0) return plural(dicts, 'dict');
  const shown = others.slice(0, 3);
  // "object(s)" after the first user class only: `2 Connection objects, 1 Pool and 1 list`.
  const firstInstance = shown.findIndex(([t]) => isInstance(t));
  const parts = shown.map(([t, n], i) =>
    i === firstInstance
      ? `${n} ${shortType(t)} ${n === 1 ? 'object' : 'objects'}`
      : `${n} ${shortType(t)}`,
  );
  const rest = others.slice(3).reduce((a, [, n]) => a + n, 0);
  if (rest > 0) parts.push(`${rest} other${rest === 1 ? '' : 's'}`);
  let text = joinAnd(parts);
  const instances = others.reduce((a, [, n]) => a + n, 0);
  if (dicts > 0) {
    if (dicts === instances) text += instances === 1 ? ' (+ its dict)' : ' (+ their dicts)';
    else text += ` (+ ${plural(dicts, 'dict')})`;
  }
  return text;
}

/** describeTypes, knowing which types are instances from the nodes of the view. */
function describer(index: HeapIndex): (byType: Record<string, number>) => string {
  const cats = new Map<string, string>();
  for (const n of index.view.nodes) if (!cats.has(n.type)) cats.set(n.type, n.category);
  return (byType) =>
    describeTypes(byType, (t) => {
      const c = cats.get(t);
      return c === undefined ? !t.startsWith('builtins.') : c === 'instance';
    });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `Connection` → `connection`, `TempWorkspace` → `temp_workspace`, `ValueError` → `value_error`. */
function varName(type: string): string {
  const s = shortType(type);
  if (!IDENT.test(s)) return 'obj';
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * A Python expression that shows the loop: `connection.self_reference is connection`. Null when
 * a step has no name a Python expression can use (unlabelled, frame locals…).
 */
function pythonLoop(index: HeapIndex, path: ViewEdge[]): string | null {
  const start = index.byId.get(path[0].from);
  if (!start) return null;
  const name = varName(start.type);
  let expr = name;
  for (let i = 0; i < path.length; i++) {
    const label = path[i].label;
    const next = path[i + 1]?.label ?? '';
    const key = /^\['([A-Za-z_][A-Za-z0-9_]*)'\]$/.exec(next);
    const local = /^local ([A-Za-z_][A-Za-z0-9_]*)$/.exec(label);
    const from = index.byId.get(path[i].from);
    if (label === '__dict__' && key) {
      expr += `.${key[1]}`;
      i++;
    } else if (local && from?.category === 'frame') {
      expr += `.f_locals['${local[1]}']`;
    } else if (local && from?.category === 'generator') {
      expr += `.gi_frame.f_locals['${local[1]}']`;
    } else if (label.startsWith('.') || label.startsWith('[')) {
      expr += label;
    } else if (IDENT.test(label)) {
      expr += `.${label}`;
    } else {
      return null;
    }
  }
  return `${expr} is ${name}`;
}

/** `Connection —__dict__→ dict —['self_reference']→ Connection`. */
function arrowLoop(index: HeapIndex, path: ViewEdge[]): string {
  const first = index.byId.get(path[0].from);
  let text = first ? shortType(first.type) : '?';
  for (const e of path) {
    const to = index.byId.get(e.to);
    text += ` —${e.label}→ ${to ? shortType(to.type) : '?'}`;
  }
  return text;
}

/** How the drawn cycle loops, as code text, if it is small enough to read. */
export function describeLoop(index: HeapIndex, members: number[]): string | null {
  if (members.length === 0 || members.length > 12) return null;
  const nodes = members.map((m) => index.byId.get(m)).filter((n) => n !== undefined);
  const start =
    nodes.find((n) => n.category === 'instance') ??
    nodes.find((n) => n.category !== 'container') ??
    nodes[0];
  if (!start) return null;
  const inCycle = new Set(members);
  const path = shortestLoop(
    start.id,
    (id) => index.out.get(id),
    (id) => inCycle.has(id),
  );
  if (!path || path.length > 8) return null;
  return truncate(pythonLoop(index, path) ?? arrowLoop(index, path), 120);
}

function finalizerKindOf(index: HeapIndex, type: string): 'del' | 'generator' | 'native' {
  if (GENERATOR_TYPES.has(type)) return 'generator';
  for (const n of index.view.nodes) {
    if (n.type === type && (n.finalizer === 'native' || n.finalizer === 'generator')) {
      return n.finalizer;
    }
  }
  return 'del';
}

function finalizerPoint(index: HeapIndex, type: string, n: number): Rich {
  const kind = finalizerKindOf(index, type);
  const s = shortType(type);
  if (kind === 'generator') {
    return [
      `${plural(n, `suspended ${s}`)} will run ${n === 1 ? 'its' : 'their'} `,
      { code: 'finally' },
      ' / ',
      { code: 'with' },
      ' cleanup when freed (',
      { code: 'GeneratorExit' },
      ' is thrown into it).',
    ];
  }
  if (kind === 'native') {
    return [
      { code: s },
      ` has a built-in finalizer pending on ${plural(n, 'object')} (it flushes or closes when freed).`,
    ];
  }
  return [
    { code: `${s}.__del__` },
    ` is pending on ${plural(n, 'object')}: it runs only when the collector frees ${n === 1 ? 'it' : 'them'}, not when the last variable went out of scope.`,
  ];
}

function selfDefeatingPoint(e: FinalizeEntrySummary): Rich {
  const target = e.referentType ? shortType(e.referentType) : 'object';
  return [
    { code: `weakref.finalize(${target}, ${truncate(e.func, 60)})` },
    ` keeps its own ${target} alive: the callback or its arguments reference it, so it is never freed before exit${e.atexit ? ' (the callback runs only at interpreter exit).' : ', and the callback never runs.'}`,
  ];
}

function unreachableCycles(view: HeapView): CycleSummary[] {
  return view.summary.cycles.filter((c) => c.unreachable);
}

export function buildVerdict(view: HeapView, index: HeapIndex = indexHeapView(view)): Verdict {
  const s = view.summary;
  const u = s.unreachable;
  const wf = s.finalizers.weakrefFinalize;
  const selfDefeating = wf.entries.filter((e) => e.selfDefeating);
  const selfDefeatingCount = Math.max(wf.selfDefeating, selfDefeating.length);
  const points: VerdictPoint[] = [];
  const fix: Rich[] = [];
  const describe = describer(index);
  let headline: Rich;
  let kind: Verdict['kind'];

  if (u.count > 0) {
    kind = 'garbage';
    const cycles = unreachableCycles(view);
    const what: string[] = [];
    // Cycles of the same make-up are described once, with how many there are.
    const shapes = new Map<string, typeof cycles>();
    for (const c of cycles) {
      const key = describe(c.byType);
      shapes.set(key, [...(shapes.get(key) ?? []), c]);
    }
    if (cycles.length === 1) what.push(`a cycle of ${describe(cycles[0].byType)}`);
    else if (shapes.size === 1) {
      what.push(`${cycles.length} cycles, each of ${describe(cycles[0].byType)}`);
    } else if (cycles.length > 1) {
      const listed = [...shapes.entries()]
        .slice(0, 3)
        .map(([shape, group]) => (group.length > 1 ? `${group.length} × ${shape}` : shape));
      if (shapes.size > 3) listed.push('…');
      what.push(`${cycles.length} cycles (${listed.join('; ')})`);
    }
    const inCycles = cycles.reduce((a, c) => a + c.size, 0);
    if (inCycles < u.count && cycles.length > 0) {
      what.push(`${plural(u.count - inCycles, 'object')} only they reference`);
    }
    headline = [
      `${plural(u.count, 'object')} (${formatBytes(u.bytes)}) ${isAre(u.count)} unreachable and will be freed by the next `,
      { code: 'gc.collect()' },
      what.length > 0 ? `: ${what.join(', plus ')}.` : '.',
    ];
    if (cycles.length === 0) {
      points.push({ tone: 'info', text: [`Unreachable: ${describe(u.byType)}.`] });
    }
    const loopsShown = new Set<string>();
    cycles.slice(0, 6).forEach((c) => {
      const vc = index.viewCycleOfSummary[s.cycles.indexOf(c)];
      const loop = vc ? describeLoop(index, vc.members) : null;
      if (loop && !loopsShown.has(loop) && loopsShown.size < 3) {
        loopsShown.add(loop);
        points.push({
          tone: 'info',
          text:
            cycles.length === 1
              ? [
                  `Why reference counting never frees ${c.size === 1 ? 'it' : 'them'}: `,
                  { code: loop },
                ]
              : [`The ${describe(c.byType)} loop: `, { code: loop }],
        });
      }
    });
    for (const [type, n] of sortedByType(s.finalizers.del.byType).slice(0, 4)) {
      points.push({ tone: 'warn', text: finalizerPoint(index, type, n) });
    }
    const firing = wf.entries.filter((e) => e.willFire);
    if (firing.length > 0 || wf.willFire > 0) {
      const funcs = [...new Set(firing.map((e) => e.func))].slice(0, 3);
      points.push({
        tone: 'info',
        text: [
          `Freeing them fires ${plural(Math.max(wf.willFire, firing.length), 'weakref.finalize callback')}`,
          ...(funcs.length > 0
            ? [': ', ...funcs.flatMap((f, i) => [i ? ', ' : '', { code: f }])]
            : []),
          '.',
        ],
      });
    }
    if (s.weakrefs.cleared > 0) {
      points.push({
        tone: 'info',
        text: [
          `${plural(s.weakrefs.cleared, 'weak reference')} to them will be cleared` +
            (s.weakrefs.callbacksFired > 0
              ? ` and ${plural(s.weakrefs.callbacksFired, 'callback')} will fire.`
              : '.'),
        ],
      });
    }
    points.push(timingPoint(view));
  } else if (selfDefeatingCount > 0) {
    kind = 'stuck';
    headline = [
      'Nothing is waiting for the cycle collector, but ',
      `${plural(selfDefeatingCount, 'object')} can never be freed before exit: a `,
      { code: 'weakref.finalize' },
      ' callback references the object it watches.',
    ];
  } else {
    kind = 'ok';
    headline = [
      'Nothing is waiting for the cycle collector: ',
      { code: 'gc.collect()' },
      ' would free no objects right now.',
    ];
    if (wf.pending > 0) {
      points.push({
        tone: 'info',
        text: [
          `${plural(wf.pending, 'weakref.finalize callback')} ${isAre(wf.pending)} pending; each fires when its object is freed.`,
        ],
      });
    }
  }

  for (const e of selfDefeating.slice(0, 3))
    points.push({ tone: 'error', text: selfDefeatingPoint(e) });
  if (selfDefeatingCount > 0 && kind === 'garbage') kind = 'stuck';
  if (s.gc.garbage > 0) {
    points.push({
      tone: 'error',
      text: [
        { code: 'gc.garbage' },
        ` holds ${plural(s.gc.garbage, 'object')}: the collector never frees them while they are listed there.`,
      ],
    });
  }

  if (selfDefeatingCount > 0) {
    fix.push([
      'Give the finalizer only what the cleanup needs, never ',
      { code: 'self' },
      ' or a bound method: ',
      { code: 'weakref.finalize(self, shutil.rmtree, self.path)' },
      ' rather than ',
      { code: 'weakref.finalize(self, self.cleanup)' },
      '.',
    ]);
  }
  if (u.count > 0) {
    const dels = Object.keys(s.finalizers.del.byType).some(
      (t) => finalizerKindOf(index, t) === 'del',
    );
    fix.push([
      'To free them now: ',
      { code: 'gc.collect()' },
      '. To free them as soon as they are unused: break the cycle (a ',
      { code: 'weakref.ref' },
      ' for the back-reference, or clear the attribute when done).',
    ]);
    if (dels) {
      fix.push([
        'Do not rely on ',
        { code: '__del__' },
        ' to release resources: use a ',
        { code: 'with' },
        ' block or an explicit ',
        { code: 'close()' },
        '.',
      ]);
    }
  }
  // What is never freed (errors) comes first; the rest keeps its reading order.
  const sorted = [
    ...points.filter((p) => p.tone === 'error'),
    ...points.filter((p) => p.tone !== 'error'),
  ];
  return { kind, headline, points: sorted, fix };
}

function timingPoint(view: HeapView): VerdictPoint {
  const s = view.summary;
  const gc = s.gc;
  const u = s.unreachable.count;
  if (!gc.enabled) {
    return {
      tone: 'error',
      text: [
        'Automatic collection is off (',
        { code: 'gc.disable()' },
        '): nothing frees them until the program calls ',
        { code: 'gc.collect()' },
        '.',
      ],
    };
  }
  if (gc.incremental) {
    return {
      tone: 'info',
      text: [
        'The incremental collector frees them in one of its next increments; ',
        { code: 'gc.collect()' },
        ' frees them at once.',
      ],
    };
  }
  const gens = [...s.generations].sort((a, b) => a.generation - b.generation);
  const first = gens.find((g) => g.count >= u);
  if (!first) {
    return { tone: 'info', text: ['Only a full collection finds all of them.'] };
  }
  if (first.generation === 0) {
    const left = (gc.thresholds[0] ?? 0) - (gc.counts[0] ?? 0);
    return {
      tone: 'info',
      text: [
        'They are young: the next automatic collection (generation 0',
        left > 0 ? `, due after about ${left} more allocations` : '',
        ') frees them.',
      ],
    };
  }
  const young = gens.find((g) => g.generation === 0);
  return {
    tone: 'warn',
    text: [
      `They are old (generation ${first.generation}): only a collection of generation ${first.generation}${first.generation === gens.length - 1 ? ' — a full collection, which runs rarely —' : ''} frees them`,
      young ? `; a young collection (${'gc.collect(0)'}) frees ${young.count}.` : '.',
    ],
  };
}

/** Plain text of rich segments (aria labels, tests). */
export function richText(r: Rich): string {
  return r.map((s) => (typeof s === 'string' ? s : s.code)).join('');
}
