/**
 * Other threads that run while the heap is read, end to end: a real program with a thread busy
 * in a pure-Python loop, and one whose thread only waits, captured by the real CLI
 * (`snapshot --html`). The busy one gets a line in the text summary and a visible notice in the
 * HTML report (in Debian's chromium), with the figure and the thread's name; the idle one gets
 * neither. Run `node scripts/build.mjs` first (npm test does).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import type { HeapView } from '../../protocol/heapView';
import type { Summary } from '../../protocol/summary';
import { validateHeapView } from '../../webview/validation/heapViewGuard';
import { CHROMIUM, ensureBundle, haveChromium, launchChromium, root } from '../helpers/browser';

const programs = path.join(root, 'test', 'programs', 'webview');
const CLI = path.join(root, 'bin', 'heap-inspector.js');

interface Captured {
  /** The CLI's text summary (on standard error: standard output is the program's). */
  text: string;
  summary: Summary;
  html: string;
}

let scratch = '';

function capture(script: string, line: number): Captured {
  const html = path.join(scratch, `${script}.html`);
  const json = path.join(scratch, `${script}.json`);
  const run = spawnSync(
    process.execPath,
    [CLI, 'snapshot', '--at', `${script}:${line}`, '--html', html, '--json', json, script],
    { cwd: programs, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  return {
    text: run.stderr,
    summary: JSON.parse(readFileSync(json, 'utf8')) as Summary,
    html,
  };
}

let browser: Browser | undefined;

before(async () => {
  ensureBundle();
  scratch = mkdtempSync(path.join(tmpdir(), 'hi-threads-'));
  if (haveChromium) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The notice as shown (null when absent), with the network blocked. */
async function notice(file: string): Promise<string | null> {
  assert.ok(browser, 'browser');
  const context = await browser.newContext();
  const url = pathToFileURL(file).href;
  await context.route('**/*', (route) => {
    const u = route.request().url();
    return u === url || u.startsWith('blob:') ? route.continue() : route.abort();
  });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-testid="verdict"]');
    const found = page.locator('[data-testid="other-threads"]');
    if ((await found.count()) === 0) return null;
    assert.ok(await found.isVisible(), 'the notice is visible');
    return (await found.textContent()) ?? '';
  } finally {
    await context.close();
  }
}

describe('other threads while the heap is read', () => {
  test('a busy thread: a line in the text, a notice in the report with the figure', async (t) => {
    const busy = capture('busy_thread.py', 18);
    const activity = busy.summary.otherThreads;
    assert.ok(activity, 'the summary says what other threads did');
    assert.equal(activity.mayMixMoments, true);
    assert.ok(activity.cpuSeconds > 0, JSON.stringify(activity));
    assert.ok(
      activity.threads.some((thread) => thread.name === 'spinner'),
      JSON.stringify(activity),
    );
    const line = busy.text.split('\n').find((l) => l.startsWith('note: other threads ran'));
    assert.ok(line, busy.text);
    assert.match(
      line,
      /^note: other threads ran \d+(\.\d\d s| ms) of CPU during the .* capture: counts may mix moments/,
    );
    if (!browser) return t.skip(`${CHROMIUM} not found`);
    const shown = await notice(busy.html);
    assert.ok(shown, 'the report shows the notice');
    assert.match(shown, /Other threads ran \d+(\.\d\d s| ms) of CPU during the/);
    assert.match(shown, /spinner/);
  });

  test('a malformed notice in a view is refused with the field named', () => {
    const file = path.join(root, 'test', 'fixtures', 'heapviews', 'small.json');
    const view = JSON.parse(readFileSync(file, 'utf8')) as HeapView;
    const good = {
      cpuSeconds: 0.5,
      readSeconds: 1,
      threads: [{ ident: 1, name: 'worker', cpuSeconds: 0.5 }],
      ended: 0,
      changedObjects: 0,
      mayMixMoments: true,
      notice: 'other threads ran 0.50 s of CPU during the 1.00 s capture: counts may mix moments',
    };
    assert.equal(
      validateHeapView({ ...view, summary: { ...view.summary, otherThreads: good } }).ok,
      true,
    );
    const bad = { ...good, threads: [{ ident: 1, name: 7, cpuSeconds: 0.5 }] };
    const checked = validateHeapView({ ...view, summary: { ...view.summary, otherThreads: bad } });
    assert.equal(checked.ok, false);
    assert.match(checked.ok ? '' : checked.error, /summary\.otherThreads\.threads\[0\]\.name/);
  });

  test('a thread that only waits: no line, no notice', async (t) => {
    const idle = capture('idle_thread.py', 16);
    assert.equal(idle.summary.otherThreads?.mayMixMoments, false);
    assert.match(idle.text, /^Heap at /);
    assert.doesNotMatch(idle.text, /other threads/);
    if (!browser) return t.skip(`${CHROMIUM} not found`);
    assert.equal(await notice(idle.html), null);
  });
});
