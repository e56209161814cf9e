/**
 * The pure parts of the heap view's Track Growth Here section: the small chart's geometry
 * (webview/growth/sparkline.ts) and what the page accepts of a `growth` message
 * (webview/validation/growthGuard.ts through messageGuard.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GrowthSuspect, GrowthTrack } from '../../protocol/growth';
import { chartOrder, suspectOrder } from '../../webview/growth/growthOrder';
import { sparkGeometry } from '../../webview/growth/sparkline';
import { checkToWebview } from '../../webview/validation/messageGuard';

const capture = (n: number, objects: number) => ({
  capture: n,
  file: '/w/app.py',
  line: 8,
  objects,
  bytes: objects * 50,
});

function track(): GrowthTrack {
  return {
    stops: [1, 2, 3].map((stop) => ({ stop, capture: capture(stop, 100 + stop) })),
    perStop: { '__main__.Session': [1, 2, 3] },
    comparison: {
      format: 'python-heap-inspector-growth',
      pid: 7,
      python: '3.11.7',
      captures: [capture(1, 101), capture(3, 103)],
      byType: { '__main__.Session': { before: 1, after: 3, new: 2, freed: 0 } },
      suspects: [
        {
          path: "__main__.registry['users']",
          type: '__main__.Session',
          new: 2,
          bytes: 112,
          ofType: 2,
          holderType: 'builtins.list',
          text: "2 new __main__.Session held by __main__.registry['users']",
        },
      ],
      identity: { exact: 4, inferred: 10, reusedAddress: 0 },
      totals: {
        before: { objects: 101, bytes: 5050 },
        after: { objects: 103, bytes: 5150 },
        new: { objects: 2, bytes: 112 },
        freed: { objects: 0, bytes: 0 },
      },
      notes: [],
    },
    newExample: { '__main__.Session': '0x7f0000001000' },
    suspectExample: ['0x7f0000001000'],
  };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('the growth chart', () => {
  test('scales the counts into the box: lowest at the bottom, highest at the top', () => {
    const g = sparkGeometry([1, 2, 3], 104, 24, 2);
    assert.equal(g.points, '2,22 52,12 102,2');
    assert.deepEqual([g.min, g.max], [1, 3]);
  });

  test('draws equal counts flat in the middle, and one count as a point in the middle', () => {
    assert.equal(sparkGeometry([5, 5], 100, 20).points, '2,10 98,10');
    assert.equal(sparkGeometry([5], 100, 20).points, '50,10');
    assert.equal(sparkGeometry([], 100, 20).points, '');
  });
});

describe('growth messages the page accepts', () => {
  test("the server's shape passes, at the first stop too", () => {
    const ok = checkToWebview(
      { type: 'growth', track: track(), where: 'app.py:8', active: true },
      0,
    );
    assert.ok(ok.ok, ok.ok ? '' : ok.error);
    const first = { ...track(), comparison: null, suspectExample: [], newExample: {} };
    first.stops = first.stops.slice(0, 1);
    first.perStop = {};
    assert.ok(checkToWebview({ type: 'growth', track: first, where: 'a', active: false }, 0).ok);
  });

  test('a wrong field is refused with one line naming it', () => {
    const cases: [string, (t: GrowthTrack) => void, RegExp][] = [
      ['counts per stop', (t) => (t.perStop['__main__.Session'] = [1, 2]), /one count per stop/],
      ['a negative count', (t) => (t.perStop['__main__.Session'] = [1, -2, 3]), /one count/],
      ['a suspect without its address', (t) => (t.suspectExample = []), /one address each/],
      [
        'a type row',
        (t) => {
          const rows = t.comparison!.byType as Record<string, unknown>;
          rows.x = { before: 1, after: 1, new: 'many', freed: 0 };
        },
        /byType\["x"\]/,
      ],
      ['the stops', (t) => (t.stops = []), /track\.stops/],
    ];
    for (const [what, spoil, error] of cases) {
      const t = clone(track());
      spoil(t);
      const r = checkToWebview({ type: 'growth', track: t, where: 'app.py:8', active: true }, 0);
      assert.ok(!r.ok, `${what} passed`);
      assert.match(r.error, error, what);
      assert.ok(!r.error.includes('\n'));
    }
    const r = checkToWebview({ type: 'growth', track: track(), where: 3, active: true }, 0);
    assert.ok(!r.ok);
  });
});

describe('what the section lists first', () => {
  const suspect = (path: string, type: string): GrowthSuspect => ({
    path,
    type,
    new: 1,
    bytes: 1,
    ofType: 1,
    holderType: 'builtins.list',
    text: `${type} held by ${path}`,
  });

  test("the program's holders before frames, threads and the debugger's objects", () => {
    // As a debug session's stops gave them, most bytes first (test/vscode/growth.test.ts).
    const suspects = [
      suspect('<held from outside>', 'builtins.str'),
      suspect('<held from outside>', '_pydevd_bundle.pydevd_net_command.NetCommand'),
      suspect('<frame Event.wait>', 'builtins.frame'),
      suspect('threading._active', 'builtins.dict'),
      suspect("__main__.registry['users']", '__main__.Session'),
      suspect(
        "sys.modules['_pydevd_bundle.pydevd_constants']._fork_safe_locks",
        'weakref.ReferenceType',
      ),
      suspect("sys.modules['app.cache'].entries", 'builtins.dict'),
    ];
    assert.deepEqual(suspectOrder(suspects), [4, 6, 3, 0, 2, 1, 5]);
  });

  test("charts: the program's types first, those that grew at every stop before the rest", () => {
    const perStop = {
      'builtins.str': [26688, 26713, 26713],
      'builtins.bytes': [241, 242, 243],
      '__main__.Session': [1, 2, 3],
      '__main__.Cache': [4, 4, 9],
      '_pydevd_bundle.pydevd_net_command.NetCommand': [0, 1, 2],
    };
    assert.deepEqual(chartOrder(perStop), [
      '__main__.Session',
      '__main__.Cache',
      'builtins.bytes',
      'builtins.str',
      '_pydevd_bundle.pydevd_net_command.NetCommand',
    ]);
  });
});
