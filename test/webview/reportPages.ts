/**
 * What the heap view's page tests share (report.test.ts, reportPanel.test.ts): the fixture views,
 * strings that would run or be markup if the page let them, and ways to open and drive the page
 * in chromium.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { HeapView } from '../../protocol/heapView';
import { renderHtmlReport } from '../../cli/report/html';
import {
  dataset,
  outDir,
  root,
  settled,
  type chromiumForTests,
  type Opened,
} from '../helpers/browser';

const fixtures = path.join(root, 'test', 'fixtures', 'heapviews');

export function fixture(name: string): HeapView {
  return JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as HeapView;
}

export const HOSTILE = {
  img: '<img src=x onerror=window.__pwned=1>',
  script: '</script><script>window.__pwned=1</script>',
  comment: '<!-- <script>window.__pwned=1</script> -->',
  tmpl: "{{constructor.constructor('window.__pwned=1')()}}",
  rtlShown: '\\u202eevil\\u202c.py',
};

/**
 * Opening the page in the calling file's chromium (chromiumForTests): a file, or a view written as
 * the HTML report.
 */
export function reportOpeners(chromium: ReturnType<typeof chromiumForTests>) {
  async function openFile(
    file: string,
    opts: { colorScheme?: 'dark' | 'light'; init?: string; wait?: boolean } = {},
  ): Promise<Opened> {
    const o = await chromium.open(file, opts);
    if (opts.wait !== false) await settled(o.page);
    return o;
  }

  async function openReport(
    name: string,
    view: HeapView,
    colorScheme?: 'dark' | 'light',
  ): Promise<Opened> {
    const file = path.join(outDir, `${name}.html`);
    writeFileSync(file, renderHtmlReport(view));
    return openFile(file, { colorScheme });
  }
  return { openFile, openReport };
}

export function graphData(page: Page): Promise<Record<string, string>> {
  return dataset(page, 'graph');
}

export async function clickNode(page: Page, id: number): Promise<void> {
  await settled(page);
  type Hook = {
    __heapInspector: {
      graph: {
        clientPosition(id: number): { x: number; y: number } | null;
        reveal(id: number): void;
      };
    };
  };
  // Pan the graph to the object if needed, bring it into the window (the report page scrolls),
  // then click it.
  await page.evaluate((nid) => (window as unknown as Hook).__heapInspector.graph.reveal(nid), id);
  await page.waitForTimeout(450);
  await page.evaluate((nid) => {
    const p = (window as unknown as Hook).__heapInspector.graph.clientPosition(nid);
    if (p && (p.y < 40 || p.y > window.innerHeight - 40))
      window.scrollBy(0, p.y - window.innerHeight / 2);
  }, id);
  const pos = await page.evaluate(
    (nid) => (window as unknown as Hook).__heapInspector.graph.clientPosition(nid),
    id,
  );
  assert.ok(pos, `node ${id} is drawn`);
  await page.mouse.click(pos.x, pos.y);
  await page.waitForSelector(`[data-testid="details"][data-node-id="${id}"]`);
}

/** Average brightness (0–255) of the canvas' top-left corner: which theme it is drawn in. */
export function canvasBrightness(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = document.querySelector('canvas.graph-canvas') as HTMLCanvasElement;
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(2, 2, 8, 8).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += (d[i] + d[i + 1] + d[i + 2]) / 3;
    return s / (d.length / 4);
  });
}
