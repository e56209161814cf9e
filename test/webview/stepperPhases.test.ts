/**
 * The stepper's pure semantics without a browser (webview/report/stepper/phases.ts, fate.ts,
 * numbers.ts), on a small hand-built collection whose every number is written out below:
 *
 *   1 Job       examined, refcount 2 = 2 internal → gc_refs 0, unreachable, __del__ runs
 *   2 Task      examined, refcount 1 = 1 internal → gc_refs 0, but 3 reaches it: rescued
 *   3 Pool      examined, refcount 1, no internal → gc_refs 1 (from the frame): external
 *   4 dict      generation 2, not examined, refers to 3: an older root of gc.collect(0)
 *   5 weakref   its referent (1) is unreachable: cleared, and its callback runs
 *   6 Buffer    examined, 1 reference from 4 (an older generation): kept, though garbage
 *
 * References (EDGES): 1→1 .self, 2→1 .job, 3→2 .task, 4→3 and 4→6 from the dict, 5→1 weak.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ViewEdge, ViewNode } from '../../protocol/heapView';
import {
  StepperFlag as F,
  type CollectionComparison,
  type StepperData,
  type StepperGeneration,
  type StepperPhaseId,
} from '../../protocol/stepper';
import { fate } from '../../webview/report/stepper/fate';
import { mergeNumbers, objectsToShow } from '../../webview/report/stepper/numbers';
import {
  afterOverlay,
  PHASE_LEGEND,
  PHASE_STYLES,
  phaseOverlay,
  phaseTouches,
  type PhaseTone,
} from '../../webview/report/stepper/phases';

function node(id: number, type: string, over: Partial<ViewNode> = {}): ViewNode {
  return {
    id,
    address: `0x${(0x1000 + id).toString(16)}`,
    type,
    category: 'instance',
    label: type,
    size: 48,
    refcount: 1,
    generation: 0,
    unreachable: false,
    cycle: null,
    finalizer: null,
    selfDefeating: false,
    root: false,
    ...over,
  };
}

const NODES: ViewNode[] = [
  node(1, '__main__.Job', { refcount: 2, unreachable: true, cycle: 0, finalizer: 'del' }),
  node(2, '__main__.Task', { refcount: 1 }),
  node(3, '__main__.Pool', { refcount: 1 }),
  node(4, 'builtins.dict', { generation: 2, category: 'container' }),
  node(5, 'weakref.ReferenceType', { category: 'weakref' }),
  node(6, '__main__.Buffer', { refcount: 1, unreachable: true }),
];

const EDGES: ViewEdge[] = [
  { from: 1, to: 1, label: '.self', weak: false },
  { from: 2, to: 1, label: '.job', weak: false },
  { from: 3, to: 2, label: '.task', weak: false },
  { from: 4, to: 3, label: "['pool']", weak: false },
  { from: 4, to: 6, label: "['buffer']", weak: false },
  { from: 5, to: 1, label: '', weak: true },
];

const IDS = [1, 2, 3, 4, 5, 6];

/** gc.collect(0): the columns of each object, in IDS order. */
function generation0(): StepperGeneration {
  return {
    generation: 0,
    phases: [],
    internal: [2, 1, 0, 0, 0, 0],
    gcRefs: [0, 0, 1, 0, 0, 1],
    fromOlder: [0, 0, 1, 0, 0, 1],
    flags: [
      F.Examined | F.Tentative | F.Unreachable | F.Finalizer,
      F.Examined | F.Tentative,
      F.Examined | F.External,
      F.OlderRoot,
      F.Examined | F.External | F.WeakrefCleared | F.CallbackFires,
      F.Examined | F.External,
    ],
    olderRoots: [4],
    olderReferences: 2,
    clearedWeakrefs: [5],
  };
}

function data(): StepperData {
  const g = generation0();
  return {
    ids: [...IDS],
    nodes: [],
    edges: [],
    incremental: false,
    generations: [g, { ...g, generation: 1 }, { ...g, generation: 2 }],
  };
}

const objects = {
  nodes: new Map(NODES.map((n) => [n.id, n])),
  out: new Map(NODES.map((n) => [n.id, EDGES.filter((e) => e.from === n.id)])),
};
const index = new Map(IDS.map((id, i) => [id, i]));

function comparison(over: Partial<CollectionComparison> = {}): CollectionComparison {
  const job = NODES[0].address;
  return {
    generation: 0,
    capture: { file: 'demo.py', line: 3, function: '<module>', python: '3.12.1' },
    phases: [],
    predicted: { count: 1, byType: { '__main__.Job': 1 }, addresses: [job] },
    collected: { count: 1, byType: { '__main__.Job': 1 }, addresses: [job] },
    match: true,
    mismatch: { onlyPredicted: [], onlyCollected: [] },
    finalizers: { predicted: { '__main__.Job': 1 }, ran: { '__main__.Job': 1 } },
    finalizeCallbacks: { predicted: [], fired: [] },
    resurrected: [],
    returned: 1,
    gcWasEnabled: true,
    finalizerOutput: '',
    notes: [],
    ...over,
  };
}

function overlay(phase: StepperPhaseId, real: CollectionComparison | null = null) {
  return phaseOverlay({ data: data(), index, generation: 0, phase, real, objects });
}

const entries = <V>(m: Map<number | string, V>): [number | string, V][] =>
  [...m].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe('the stepper phases (pure)', () => {
  test('phaseTouches: which objects each of the nine phases touches', () => {
    const g = generation0();
    const touched = (phase: string): number[] => IDS.filter((_, i) => phaseTouches(phase, g, i));
    assert.deepEqual(touched('copy-refcounts'), [1, 2, 3, 5, 6]);
    assert.deepEqual(touched('subtract-internal'), [1, 2]);
    assert.deepEqual(touched('tentatively-unreachable'), [1, 2]);
    assert.deepEqual(touched('rescued'), [2]);
    assert.deepEqual(touched('unreachable'), [1]);
    assert.deepEqual(touched('weakrefs'), [5]);
    assert.deepEqual(touched('finalizers'), [1]);
    assert.deepEqual(touched('resurrection'), [1]);
    assert.deepEqual(touched('freed'), [1]);
    assert.deepEqual(touched('no-such-phase'), []);
  });

  test('phase 1: every examined object starts at its refcount; the older root is outside', () => {
    const o = overlay('copy-refcounts');
    assert.deepEqual(entries(o.tags), [
      [1, 'gc_refs = 2'],
      [2, 'gc_refs = 1'],
      [3, 'gc_refs = 1'],
      [4, 'gen 2 · outside'],
      [5, 'gc_refs = 1'],
      [6, 'gc_refs = 1'],
    ]);
    assert.equal(o.rings.get(4), 'older');
    // The older root's references into examined objects, drawn dashed as "older".
    assert.deepEqual(entries(o.edges), [
      ['4>3', 'older'],
      ['4>6', 'older'],
    ]);
    assert.equal(o.styles, PHASE_STYLES);
  });

  test('phase 2: the subtraction written out, and the references between examined objects', () => {
    const o = overlay('subtract-internal');
    assert.equal(o.tags.get(1), '2 − 2 = 0');
    assert.equal(o.rings.get(1), 'internal');
    assert.equal(o.tags.get(3), 'gc_refs 1');
    assert.equal(o.rings.get(3), 'examined');
    assert.equal(o.tags.get(4), 'not subtracted');
    assert.deepEqual(
      [...o.edges].filter(([, tone]) => tone === 'internal').map(([k]) => k),
      ['1>1', '2>1', '3>2'],
    );
  });

  test('phases 3 and 4: gc_refs 0 is tentative; what an external object reaches is rescued', () => {
    const three = overlay('tentatively-unreachable');
    assert.equal(three.rings.get(1), 'tentative');
    assert.equal(three.tags.get(3), 'gc_refs 1 (1 from older)');
    const four = overlay('rescued');
    assert.equal(four.rings.get(2), 'rescued');
    assert.equal(four.rings.get(1), 'tentative');
    assert.equal(four.rings.get(3), 'external');
    assert.equal(four.edges.get('3>2'), 'rescued');
    assert.equal(four.edges.get('2>1'), undefined, 'the Job is not rescued');
  });

  test('phase 5 of a young collection: garbage it keeps is said to be kept, and why', () => {
    const o = overlay('unreachable');
    assert.equal(o.rings.get(1), 'unreachable');
    assert.equal(o.rings.get(6), 'external');
    assert.equal(o.tags.get(6), 'kept: 1 ref from older gen');
  });

  test('phases 6 and 7: the cleared weak reference with its callback, the __del__ that runs', () => {
    assert.equal(overlay('weakrefs').tags.get(5), 'cleared · callback runs');
    assert.equal(overlay('finalizers').tags.get(1), '__del__ runs');
    assert.equal(overlay('resurrection').tags.get(1), 'may be resurrected');
  });

  test('phases 8 and 9 against a real collection: freed ✓, resurrected, or a mismatch each way', () => {
    assert.equal(overlay('freed').tags.get(1), 'freed');
    assert.equal(overlay('freed', comparison()).tags.get(1), 'freed ✓');
    const job = NODES[0].address;
    const resurrected = comparison({ resurrected: [job] });
    assert.deepEqual(
      [
        overlay('resurrection', resurrected).rings.get(1),
        overlay('freed', resurrected).tags.get(1),
      ],
      ['survived', 'resurrected: survives'],
    );
    const pool = NODES[2].address;
    const missed = comparison({
      collected: { count: 1, byType: {}, addresses: [pool] },
      match: false,
    });
    const o = overlay('freed', missed);
    assert.deepEqual([o.rings.get(1), o.tags.get(1)], ['mismatch', 'predicted, NOT collected']);
    assert.deepEqual([o.rings.get(3), o.tags.get(3)], ['mismatch', 'collected, NOT predicted']);
  });

  test('after a real collection: what survived that should not have, what came back', () => {
    const job = NODES[0].address;
    const task = NODES[1].address;
    assert.equal(afterOverlay(NODES, comparison()), null, 'nothing to point out');
    const o = afterOverlay(
      NODES,
      comparison({
        resurrected: [job],
        mismatch: { onlyPredicted: [{ address: task, type: '__main__.Task' }], onlyCollected: [] },
      }),
    );
    assert.ok(o);
    assert.deepEqual(entries(o.rings), [
      [1, 'survived'],
      [2, 'mismatch'],
    ]);
    assert.deepEqual(entries(o.tags), [
      [1, 'resurrected'],
      [2, 'predicted, NOT collected'],
    ]);
  });

  test('every tone a phase uses has a style, and every legend entry is a tone', () => {
    const tones = new Set<PhaseTone>();
    for (const phase of Object.keys(PHASE_LEGEND) as StepperPhaseId[]) {
      for (const [tone] of PHASE_LEGEND[phase]) tones.add(tone);
      for (const t of overlay(phase, comparison()).rings.values()) tones.add(t);
      for (const t of overlay(phase).edges.values()) tones.add(t);
    }
    for (const t of tones) assert.ok(PHASE_STYLES[t]?.colorVar.startsWith('--hi-step-'), t);
  });
});

describe('an object’s fate in the details (pure)', () => {
  const g = generation0();
  test('untracked, and not examined by a young collection', () => {
    assert.match(fate(node(9, 'builtins.str', { generation: null }), g, 0, 0, null), /^Untracked:/);
    const old = fate(node(9, 'x', { generation: 2, unreachable: true }), g, 3, 0, null);
    assert.match(old, /in generation 2, so gc\.collect\(0\) does not examine it/);
    assert.match(old, /even though the next full collection frees it/);
  });

  test('unreachable: the subtraction, the __del__, and what CPython did', () => {
    const job = NODES[0];
    const predicted = fate(job, g, 0, 0, null);
    assert.match(predicted, /After subtracting the 2 references .* gc_refs is 0/);
    assert.match(predicted, /frees it after running its __del__\.$/);
    assert.match(fate(job, g, 0, 0, comparison()), /collected it ✓\.$/);
    const other = comparison({ collected: { count: 0, byType: {}, addresses: [] } });
    assert.match(fate(job, g, 0, 0, other), /did NOT collect it ✗\.$/);
  });

  test('rescued, and kept alive from outside (from an older generation too)', () => {
    assert.match(fate(NODES[1], g, 1, 0, null), /rescued in phase 4, it survives/);
    const buffer = fate(NODES[5], g, 5, 0, null);
    assert.match(buffer, /gc_refs stays at 1 .* \(1 from older generations\) keeps it alive/);
    assert.match(buffer, /The next full collection frees it/);
  });
});

describe('the stepper’s numbers as the page gains objects (pure)', () => {
  test('draws the cleared weak reference first, then older roots that reach examined objects', () => {
    const drawn = new Set([1, 2, 3, 6]);
    assert.deepEqual(
      objectsToShow(generation0(), index, objects.out, (id) => drawn.has(id)),
      [5, 4],
    );
    // Nothing drawn that they reach: nothing added.
    assert.deepEqual(
      objectsToShow(generation0(), index, objects.out, (id) => id === 2),
      [],
    );
  });

  test('merges later numbers once: new columns, older roots, objects and references', () => {
    const d = data();
    d.ids = [1, 2];
    for (const g of d.generations) {
      for (const k of ['internal', 'gcRefs', 'fromOlder', 'flags'] as const)
        g[k] = g[k].slice(0, 2);
      g.olderRoots = [];
    }
    const at = new Map([
      [1, 0],
      [2, 1],
    ]);
    const extra = data();
    extra.nodes = [NODES[3]];
    extra.edges = [EDGES[3]];
    mergeNumbers(d, at, extra);
    mergeNumbers(d, at, extra);
    assert.deepEqual(d.ids, IDS);
    assert.deepEqual(d.generations[0].gcRefs, generation0().gcRefs);
    assert.deepEqual(d.generations[0].flags, generation0().flags);
    assert.deepEqual(d.generations[0].olderRoots, [4]);
    assert.equal(at.get(6), 5);
    assert.deepEqual(
      d.nodes.map((n) => n.id),
      [4],
    );
  });
});
