/**
 * The offline HTML report, end to end: each fixture HeapView is rendered with renderHtmlReport to
 * test-output/webview/<name>.html and opened in Debian's chromium with the network blocked.
 * Run `node scripts/build.mjs` first (npm test does): the report inlines dist/webview/report.js.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HeapView } from '../../protocol/heapView';
import { escapeJsonForHtml, renderHtmlReport } from '../../cli/report/html';
import { validateHeapView } from '../../webview/shared/heapViewGuard';
import { buildVerdict, richText } from '../../webview/shared/verdict';
import { makeLargeHeapView } from '../fixtures/heapviews/make-large';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'heapviews');
const outDir = path.join(root, 'test-output', 'webview');
const CHROMIUM = '/usr/bin/chromium';

function fixture(name: string): HeapView {
  return JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as HeapView;
}

const HOSTILE = {
  img: '<img src=x onerror=window.__pwned=1>',
  script: '</script><script>window.__pwned=1</script>',
  comment: '<!-- <script>window.__pwned=1</script> -->',
  tmpl: "{{constructor.constructor('window.__pwned=1')()}}",
  quoteKey: `['it\\'s "quoted" & <b>bold</b>']`,
  rtl: '\u202eevil\u202c.py',
  /** How the page shows the RTL one: escaped like Python's repr(), so it cannot spoof. */
  rtlShown: '\\u202eevil\\u202c.py',
};

before(() => {
  if (!existsSync(path.join(root, 'dist', 'webview', 'report.js'))) {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
      cwd: root,
      stdio: 'inherit',
    });
    assert.equal(r.status, 0, 'node scripts/build.mjs failed');
  }
  mkdirSync(outDir, { recursive: true });
});

// --- Without a browser -----------------------------------------------------------------------

describe('escapeJsonForHtml', () => {
  test('escapes <, >, &, U+2028 and U+2029 and stays the same JSON', () => {
    const value = { s: '</script><!-- & \u2028\u2029 >', k: { '<b>': 1 } };
    const text = escapeJsonForHtml(JSON.stringify(value));
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
    assert.match(text, /\\u003c\/script\\u003e/);
    assert.deepEqual(JSON.parse(text), value);
  });
});

describe('renderHtmlReport (markup)', () => {
  test('one self-contained file: CSP with a fresh nonce, two scripts, no external URLs', () => {
    const view = fixture('small');
    const a = renderHtmlReport(view);
    const b = renderHtmlReport(view);
    const nonce = /script-src 'nonce-([^']+)'/.exec(a)?.[1];
    assert.ok(nonce, 'CSP meta with a script nonce');
    assert.notEqual(nonce, /script-src 'nonce-([^']+)'/.exec(b)?.[1], 'nonce is fresh per report');
    assert.match(a, new RegExp(`default-src 'none'`));
    assert.match(a, new RegExp(`style-src 'nonce-${nonce.replace(/[+/=]/g, '\\$&')}'`));
    assert.equal((a.match(/<script\b/g) ?? []).length, 2);
    assert.equal((a.match(/<\/script>/gi) ?? []).length, 2);
    assert.match(a, /<script type="application\/json" id="heap-data">/);
    assert.doesNotMatch(a, /sourceMappingURL/);
    assert.doesNotMatch(a, /\b(src|href)="(https?:)?\/\//);
    assert.match(a, /<title>Python heap report — pool\.py:13<\/title>/);
    assert.match(
      renderHtmlReport(view, { title: '<x> & y' }),
      /<title>&#60;x&#62; &#38; y<\/title>/,
    );
  });

  test('hostile strings cannot close the data element', () => {
    const html = renderHtmlReport(fixture('hostile'));
    assert.ok(!html.includes(HOSTILE.script), 'raw </script> from Python data never appears');
    assert.ok(!html.includes(HOSTILE.img), 'raw <img> from Python data never appears');
    assert.equal((html.match(/<\/script>/gi) ?? []).length, 2);
    const json = /<script type="application\/json" id="heap-data">([^]*?)<\/script>/.exec(
      html,
    )?.[1];
    assert.ok(json);
    assert.deepEqual(JSON.parse(json), fixture('hostile'));
  });
});

describe('validateHeapView and the verdict', () => {
  test('every fixture is a valid HeapView', () => {
    for (const name of ['small', 'cycle-rich', 'finalizer-rich', 'hostile']) {
      const r = validateHeapView(fixture(name));
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error}`);
    }
    assert.ok(validateHeapView(makeLargeHeapView()).ok);
  });

  test('malformed data gives a message naming the field', () => {
    const r = validateHeapView({ summary: {} });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /summary\.schema/);
    const bad = fixture('small') as unknown as { nodes: { category: string }[] };
    bad.nodes[2].category = 'banana';
    const r2 = validateHeapView(bad);
    assert.match(r2.ok ? '' : r2.error, /nodes\[2\]\.category/);
    assert.equal(validateHeapView(null).ok, false);
    assert.equal(validateHeapView('x').ok, false);
  });

  test('edges to objects outside the view are dropped with a note', () => {
    const v = fixture('small');
    v.edges.push({ from: 5, to: 999, label: '.gone', weak: false });
    const r = validateHeapView(v);
    assert.ok(r.ok);
    assert.equal(r.ok && r.view.edges.length, fixture('small').edges.length);
    assert.match(r.ok ? r.notes.join() : '', /1 reference/);
  });

  test('the connection-pool verdict names the cycle, the loop and the pending __del__', () => {
    const v = buildVerdict(fixture('small'));
    assert.equal(v.kind, 'garbage');
    const all = [richText(v.headline), ...v.points.map((p) => richText(p.text))].join('\n');
    assert.match(
      all,
      /2 objects \(152 B\) are unreachable and will be freed by the next gc\.collect\(\)/,
    );
    assert.match(all, /a cycle of 1 Connection object \(\+ its dict\)/);
    assert.match(all, /connection\.self_reference is connection/);
    assert.match(all, /Connection\.__del__ is pending on 1 object/);
  });

  test('a self-defeating weakref.finalize is called out', () => {
    const v = buildVerdict(fixture('finalizer-rich'));
    assert.equal(v.kind, 'stuck');
    const all = v.points.map((p) => richText(p.text)).join('\n');
    assert.match(
      all,
      /weakref\.finalize\(Workspace, Workspace\.cleanup\) keeps its own Workspace alive/,
    );
    assert.match(all, /suspended generator will run its finally/);
    assert.match(all, /shutil\.rmtree/);
    assert.ok(
      v.fix.some((f) => richText(f).includes('weakref.finalize(self, shutil.rmtree, self.path)')),
    );
  });
});

// --- In chromium ------------------------------------------------------------------------------

const haveChromium = existsSync(CHROMIUM);
let browser: Browser | undefined;

before(async () => {
  if (!haveChromium) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  errors: string[];
  blocked: string[];
  csp: () => Promise<string[]>;
  close: () => Promise<void>;
}

async function open(
  name: string,
  view: HeapView,
  opts: { colorScheme?: 'dark' | 'light'; wait?: boolean } = {},
): Promise<Opened> {
  assert.ok(browser, 'browser');
  const file = path.join(outDir, `${name}.html`);
  writeFileSync(file, renderHtmlReport(view));
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    colorScheme: opts.colorScheme ?? 'dark',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url() !== url) blocked.push(r.url());
  });
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  await page.goto(url);
  if (opts.wait !== false) {
    await page.waitForSelector('[data-layout="done"], [data-testid="load-error"]', {
      state: 'attached',
      timeout: 60_000,
    });
    assert.deepEqual(errors, [], `${name}: errors while loading`);
    assert.equal(await page.locator('[data-testid="load-error"]').count(), 0, 'no load error');
  }
  return {
    page,
    errors,
    blocked,
    csp: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    close: () => context.close(),
  };
}

async function hookText(page: Page, id: string): Promise<string> {
  return ((await page.locator(`[data-testid="${id}"]`).textContent()) ?? '').trim();
}

async function checkCommon(o: Opened, view: HeapView): Promise<void> {
  const { page } = o;
  assert.equal(await hookText(page, 'unreachable-count'), String(view.summary.unreachable.count));
  assert.equal(await hookText(page, 'cycle-count'), String(view.summary.cycles.length));
  assert.equal(await hookText(page, 'finalizer-count'), String(view.summary.finalizers.del.count));
  assert.equal(
    await hookText(page, 'finalize-pending'),
    String(view.summary.finalizers.weakrefFinalize.pending),
  );
  assert.equal(await page.locator('[data-testid="graph-node"]').count(), view.nodes.length);
  const marks = await page
    .locator('[data-testid="graph-node"]')
    .evaluateAll((els) =>
      els.map((e) => [
        Number(e.getAttribute('data-node-id')),
        e.getAttribute('data-unreachable') === 'true' && e.classList.contains('unreachable'),
        e.querySelector('.hatch') !== null,
      ]),
    );
  for (const n of view.nodes) {
    const m = marks.find(([id]) => id === n.id);
    assert.ok(m, `node ${n.id} drawn`);
    assert.equal(m[1], n.unreachable, `node ${n.id} unreachable marker`);
    assert.equal(m[2], n.unreachable, `node ${n.id} hatching`);
  }
  // Hulls: one per drawn cycle.
  assert.equal(await page.locator('path.hull').count(), view.cycles.length);
  // Verdict is there and not empty.
  assert.ok((await hookText(page, 'verdict')).length > 20);
}

async function checkClean(o: Opened, name: string): Promise<void> {
  assert.deepEqual(await o.csp(), [], `${name}: CSP violations`);
  assert.deepEqual(o.errors, [], `${name}: console errors`);
  assert.deepEqual(o.blocked, [], `${name}: network requests`);
  assert.equal(
    await o.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned),
    undefined,
  );
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
}

async function clickNode(page: Page, view: HeapView, id: number): Promise<void> {
  await page.locator(`[data-testid="graph-node"][data-node-id="${id}"] .shape`).click();
  const n = view.nodes.find((x) => x.id === id);
  assert.ok(n);
  await page.waitForSelector(`[data-testid="details"][data-node-id="${id}"]`);
  assert.equal(await hookText(page, 'details-address'), n.address);
  const details = await hookText(page, 'details');
  assert.ok(details.includes(n.type), 'details show the type');
  assert.ok(details.includes(n.unreachable ? 'unreachable' : 'reachable'));
}

describe(
  'HTML report in chromium',
  { skip: haveChromium ? false : `${CHROMIUM} not found` },
  () => {
    test('small: the seeds’ connection pool', async () => {
      const view = fixture('small');
      const o = await open('small', view);
      try {
        await checkCommon(o, view);
        const verdict = await hookText(o.page, 'verdict');
        assert.match(verdict, /a cycle of 1 Connection object \(\+ its dict\)/);
        assert.match(verdict, /connection\.self_reference is connection/);
        assert.match(verdict, /Connection\.__del__ is pending on 1 object/);
        // The finalizer badge and the hull label are drawn.
        assert.equal(
          await o.page.locator('.node[data-node-id="5"] .badge').textContent(),
          '__del__',
        );
        assert.match(
          (await o.page.locator('.hull-label').first().textContent()) ?? '',
          /unreachable cycle/,
        );
        await screenshot(o.page, 'small');
        await clickNode(o.page, view, 5);
        const details = await hookText(o.page, 'details');
        assert.match(details, /__main__\.Connection/);
        assert.match(details, /\['self_reference'\]/);
        assert.match(details, /Connection\.__del__ has not run yet/);
        // A referrer button selects that object.
        await o.page
          .locator('[data-testid="details"] button.ref', { hasText: '__dict__' })
          .first()
          .click();
        await o.page.waitForSelector('[data-testid="details"][data-node-id="6"]');
        await screenshot(o.page, 'small-selected');
        await checkClean(o, 'small');
      } finally {
        await o.close();
      }
      const light = await open('small-light', view, { colorScheme: 'light' });
      try {
        await screenshot(light.page, 'small-light');
        await checkClean(light, 'small-light');
      } finally {
        await light.close();
      }
    });

    test('cycle-rich', async () => {
      const view = fixture('cycle-rich');
      const o = await open('cycle-rich', view);
      try {
        await checkCommon(o, view);
        await screenshot(o.page, 'cycle-rich');
        await clickNode(o.page, view, 13);
        // Weak edges are dashed (class weak), self references drawn.
        assert.equal(
          await o.page.locator('path.edge.weak').count(),
          view.edges.filter((e) => e.weak).length,
        );
        // The cycles table lists summary cycles and the drawn reachable ones.
        const rows = await o.page.locator('[data-testid="cycles-table"] tbody tr').count();
        assert.equal(rows, view.cycles.length);
        // Sorting by Objects.
        await o.page
          .locator('[data-testid="cycles-table"] th button', { hasText: 'Objects' })
          .click();
        const first = await o.page
          .locator('[data-testid="cycles-table"] tbody tr td.num')
          .first()
          .textContent();
        assert.equal(first, '4');
        // "show" zooms to a cycle and selects its first member; Fit and zoom buttons work.
        const member = view.cycles[0].members[0];
        await o.page
          .locator('[data-testid="cycles-table"] tbody tr', { hasText: 'cycle 1' })
          .locator('button.link')
          .click();
        await o.page.waitForSelector(`[data-testid="details"][data-node-id="${member}"]`);
        await o.page.getByRole('button', { name: 'Fit the whole graph in view' }).click();
        await o.page.getByRole('button', { name: 'Zoom in' }).click();
        await o.page.waitForTimeout(400);
        await checkClean(o, 'cycle-rich');
      } finally {
        await o.close();
      }
    });

    test('finalizer-rich', async () => {
      const view = fixture('finalizer-rich');
      const o = await open('finalizer-rich', view);
      try {
        await checkCommon(o, view);
        assert.equal(await hookText(o.page, 'finalize-self-defeating'), '1');
        assert.equal(await o.page.locator('.node.self-defeating .badge.error').count(), 1);
        assert.equal(await o.page.locator('.node .badge.fin-generator').count(), 1);
        assert.equal(await o.page.locator('.node .badge.fin-native').count(), 1);
        const table = await hookText(o.page, 'finalize-table');
        assert.match(table, /Workspace\.cleanup/);
        assert.match(table, /never freed before exit/);
        assert.match(await hookText(o.page, 'verdict'), /keeps its own Workspace alive/);
        await screenshot(o.page, 'finalizer-rich');
        await clickNode(o.page, view, 6);
        assert.match(await hookText(o.page, 'details'), /self-defeating/);
        await checkClean(o, 'finalizer-rich');
      } finally {
        await o.close();
      }
    });

    test('hostile strings stay text', async () => {
      const view = fixture('hostile');
      const o = await open('hostile', view);
      try {
        await checkCommon(o, view);
        const { page } = o;
        assert.equal(await page.locator('img').count(), 0);
        assert.equal(await page.locator('script').count(), 2);
        assert.equal(await page.locator('b, i, svg[onload]').count(), 0);
        await clickNode(page, view, 1);
        assert.equal(await hookText(page, 'details-title'), HOSTILE.script);
        const body = (await page.locator('#app').textContent()) ?? '';
        for (const s of [
          HOSTILE.img,
          HOSTILE.script,
          HOSTILE.comment,
          HOSTILE.tmpl,
          HOSTILE.quoteKey,
          HOSTILE.rtlShown,
        ]) {
          assert.ok(body.includes(s), `literal text ${JSON.stringify(s)}`);
        }
        const svgText = (await page.locator('svg.heap-graph').textContent()) ?? '';
        assert.ok(
          !/[\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(body + svgText),
          'no raw bidi controls',
        );
        assert.ok((await hookText(page, 'types-table')).includes(`__main__.${HOSTILE.img}`));
        assert.ok((await hookText(page, 'warnings')).includes(`warning with ${HOSTILE.script}`));
        const title = await page.locator('.node[data-node-id="1"] title').textContent();
        assert.ok(title?.includes(HOSTILE.script));
        await screenshot(page, 'hostile');
        await checkClean(o, 'hostile');
      } finally {
        await o.close();
      }
    });

    test('large: ~2000 nodes', async () => {
      const view = makeLargeHeapView(2000);
      const o = await open('large', view);
      try {
        await checkCommon(o, view);
        await screenshot(o.page, 'large');
        // Keyboard: focus an unreachable node and press Enter.
        const target = view.nodes.find((n) => n.unreachable && n.finalizer === 'del');
        assert.ok(target);
        await o.page.locator(`[data-testid="graph-node"][data-node-id="${target.id}"]`).focus();
        await o.page.keyboard.press('Enter');
        await o.page.waitForSelector(`[data-testid="details"][data-node-id="${target.id}"]`);
        assert.equal(await hookText(o.page, 'details-address'), target.address);
        await screenshot(o.page, 'large-selected');
        await checkClean(o, 'large');
      } finally {
        await o.close();
      }
    });

    test('invalid data shows a clear message, not a blank page', async () => {
      const o = await open('invalid', { summary: { schema: 'nope' } } as unknown as HeapView, {
        wait: false,
      });
      try {
        await o.page.waitForSelector('[data-testid="load-error"]');
        const text = await hookText(o.page, 'load-error');
        assert.match(text, /cannot be shown/);
        assert.match(text, /summary\.schema/);
        await screenshot(o.page, 'invalid');
        await checkClean(o, 'invalid');
      } finally {
        await o.close();
      }
    });
  },
);
