/**
 * The harness of the webview's browser tests (test/webview/*.test.ts): Debian's chromium driven by
 * playwright-core with the network blocked; pages opened with their console errors, CSP
 * violations and blocked requests recorded; the waits, reads and screenshots the tests share.
 * Screenshots go to test-output/webview/. The bundle is built first when it is missing.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderPage } from '../../webview/page';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.mjs';

export const root = path.resolve(__dirname, '..', '..');
export const outDir = path.join(root, 'test-output', 'webview');
export { CHROMIUM };
export const haveChromium = existsSync(CHROMIUM);
/** For `describe(name, chromiumSuite, …)`: skipped, and said so, without chromium. */
export const chromiumSuite = { skip: haveChromium ? false : `${CHROMIUM} not found` };

/** dist/webview/report.js and .css, built when missing; and the screenshot folder. */
export function ensureBundle(): void {
  if (!existsSync(path.join(root, 'dist', 'webview', 'report.js'))) {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
      cwd: root,
      stdio: 'inherit',
    });
    assert.equal(r.status, 0, 'node scripts/build.mjs failed');
  }
  mkdirSync(outDir, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
  });
}

export interface Opened {
  page: Page;
  /** Console errors and warnings, and uncaught exceptions. */
  errors: string[];
  /** Requests the page tried to make (every one is refused). */
  blocked: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  width?: number;
  height?: number;
  colorScheme?: 'dark' | 'light';
  /** Script text run before the page's own (a fake `acquireVsCodeApi`, say). */
  init?: string;
}

/**
 * Chromium for the tests of one file: launched before them (when it is installed) and closed
 * after them; `open` opens a page in it.
 */
export function chromiumForTests(): { open(file: string, o?: OpenOptions): Promise<Opened> } {
  let browser: Browser | undefined;
  before(async () => {
    if (haveChromium) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return {
    open(file, o) {
      assert.ok(browser, 'chromium is running');
      return openPage(browser, file, o);
    },
  };
}

/** Opens a local file in a fresh context; nothing but the file itself and blob: URLs loads. */
export async function openPage(
  browser: Browser,
  file: string,
  o: OpenOptions = {},
): Promise<Opened> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({
    viewport: { width: o.width ?? 1440, height: o.height ?? 1000 },
    colorScheme: o.colorScheme ?? 'dark',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    // The tests' own pixel reads (getImageData) draw this advice; it is not the page's.
    if (m.text().includes('willReadFrequently')) return;
    if (m.type() === 'error' || m.type() === 'warning')
      errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith('blob:')) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  if (o.init) await page.addInitScript({ content: o.init });
  await page.goto(url);
  return { page, errors, blocked, close: () => context.close() };
}

/** The graph laid out and at rest (no new frame for 250 ms), or the page's load error shown. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector(
    '[data-testid="graph"][data-layout="done"], [data-testid="load-error"]',
    { state: 'attached', timeout: 60_000 },
  );
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const el = document.querySelector('[data-testid="graph"]') as HTMLElement | null;
        const f0 = el?.dataset.frames;
        setTimeout(() => resolve(el?.dataset.frames === f0), 250);
      }),
    undefined,
    { timeout: 30_000 },
  );
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(outDir, `${name}.png`) });
}

/** No CSP violation, console error, network request or injected script ran. */
export async function checkClean(o: Opened, name: string): Promise<void> {
  assert.deepEqual(
    await o.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    [],
    `${name}: CSP violations`,
  );
  assert.deepEqual(o.errors, [], `${name}: console errors`);
  assert.deepEqual(o.blocked, [], `${name}: network requests`);
  assert.equal(
    await o.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned),
    undefined,
    `${name}: injected script ran`,
  );
}

/** The text of the first element with this test id, trimmed. */
export async function text(page: Page, testId: string): Promise<string> {
  return ((await page.locator(`[data-testid="${testId}"]`).first().textContent()) ?? '').trim();
}

/** The `data-*` attributes of the element with this test id. */
export function dataset(page: Page, testId: string): Promise<Record<string, string>> {
  return page.evaluate(
    (id) =>
      ({ ...(document.querySelector(`[data-testid="${id}"]`) as HTMLElement).dataset }) as Record<
        string,
        string
      >,
    testId,
  );
}

/**
 * An `init` script for panelTestPage: a fake `acquireVsCodeApi` whose postMessage records a copy of
 * every message in `window.posted`, and which keeps no state.
 */
export const RECORDING_VSCODE_API = `
  window.posted = [];
  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) { window.posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { return null; },
      setState: function () {},
    };
  };`;

/**
 * The VS Code panel's page as a test can open it from a file: the page the extension builds
 * (webview/page.ts), with the bundle inlined instead of linked, and VS Code's dark theme class.
 * The test supplies `acquireVsCodeApi` with `init` and answers as the extension would.
 */
export function panelTestPage(): string {
  const asset = (file: string): string =>
    readFileSync(path.join(root, 'dist', 'webview', file), 'utf8');
  return renderPage({
    title: 'Heap',
    nonce: 'cGFuZWwtdGVzdC1ub25jZQ',
    style: { text: asset('report.css') },
    script: { text: asset('report.js') },
    bodyAttributes: { class: 'vscode-dark', 'data-host': 'vscode-panel' },
    main: { html: '' },
  });
}
