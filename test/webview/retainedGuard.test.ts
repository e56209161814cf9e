/**
 * What the page accepts about retention (webview/validation/retainedGuard.ts, through
 * messageGuard.ts and heapViewGuard.ts): what the engine produces passes; a page of rows or a
 * view with a wrong field is refused with one line naming the field; strings are only text.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze } from '../../server/engine/analysis';
import { buildHeapView } from '../../server/engine/heapView';
import { RetainedQueries } from '../../server/engine/retainedQueries';
import { checkToWebview } from '../../webview/validation/messageGuard';
import { validateHeapView } from '../../webview/validation/heapViewGuard';
import { smallProgram } from '../helpers/sampleHeaps';

function engine() {
  const { h } = smallProgram();
  const snapshot = h.snapshot();
  const analysis = analyze(snapshot);
  return { snapshot, analysis, q: new RetainedQueries(analysis) };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('retained data the page accepts', () => {
  test("the engine's pages and views pass", () => {
    const { snapshot, analysis, q } = engine();
    const children = q.children(-1, 0, 50);
    assert.ok(children);
    const ok = checkToWebview({ type: 'dominatorChildren', requestId: 3, page: children }, 0);
    assert.ok(ok.ok, ok.ok ? '' : ok.error);
    const tops = q.typeTops('builtins.dict', 0, 10);
    assert.ok(checkToWebview({ type: 'typeTops', requestId: 4, page: tops }, 0).ok);
    assert.ok(checkToWebview({ type: 'dominatorChildren', requestId: 5, page: null }, 0).ok);
    const view = buildHeapView(snapshot, analysis, { retainedRows: 100 });
    assert.ok(view.retained && view.retained.tree.length > 0);
    assert.ok(view.nodes.some((n) => n.retained));
    const v = validateHeapView(view);
    assert.ok(v.ok, v.ok ? '' : v.error);
  });

  test('a wrong field is refused, named', () => {
    const { snapshot, analysis, q } = engine();
    const page = q.children(-1, 0, 50);
    assert.ok(page && page.rows.length > 0);
    const cases: [string, (p: NonNullable<typeof page>) => void, RegExp][] = [
      ['a negative child count', (p) => (p.rows[0].childCount = -1), /rows\[0\]\.childCount/],
      ['a row id below the groups', (p) => (p.rows[0].id = -7), /rows\[0\]\.id/],
      [
        'bytes as text',
        (p) => ((p.rows[0].retained as unknown as { bytes: string }).bytes = '9'),
        /retained\.bytes/,
      ],
      [
        'a label that is not text',
        (p) => ((p.rows[0] as unknown as { label: number }).label = 5),
        /rows\[0\]\.label/,
      ],
      ['no rows', (p) => ((p as unknown as { rows: unknown }).rows = 'x'), /rows/],
    ];
    for (const [what, spoil, field] of cases) {
      const bad = clone(page);
      spoil(bad);
      const r = checkToWebview({ type: 'dominatorChildren', requestId: 1, page: bad }, 0);
      assert.equal(r.ok, false, what);
      assert.match(r.ok ? '' : r.error, field, what);
      assert.doesNotMatch(r.ok ? '' : r.error, /\n/, `${what}: one line`);
    }
    assert.equal(
      checkToWebview({ type: 'typeTops', requestId: 'x', page: q.typeTops('builtins.dict') }, 0).ok,
      false,
    );
    // A view whose tree names a child it does not hold.
    const view = buildHeapView(snapshot, analysis, { retainedRows: 100 });
    const spoilt = clone(view);
    const row = spoilt.retained?.tree.find((r) => (r.children?.length ?? 0) > 0);
    assert.ok(row?.children);
    row.children[0] = 99_999;
    const v = validateHeapView(spoilt);
    assert.equal(v.ok, false);
    assert.match(v.ok ? '' : v.error, /retained\.tree/);
  });

  test('hostile strings are text, not refused and not parsed', () => {
    const { q } = engine();
    const page = clone(q.children(-1, 0, 50));
    assert.ok(page && page.rows.length > 0);
    page.rows[0].label = '<img src=x onerror=window.__pwned=1>';
    page.rows[0].via = "['</script><script>']";
    const r = checkToWebview({ type: 'dominatorChildren', requestId: 1, page }, 0);
    assert.ok(r.ok, r.ok ? '' : r.error);
  });
});
