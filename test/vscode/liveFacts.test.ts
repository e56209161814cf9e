/**
 * Live facts in a REAL VS Code extension host (code-server + Debian's chromium, the debugpy
 * stand-in): runs test/vscode/suite/liveFacts.itest.ts inside the extension host, and at its
 * checkpoints photographs what a user sees: the hover over a paused variable (the mouse rests on
 * it, VS Code shows its debug hover, Alt switches to the editor hover, as a user does), the hover
 * over a decorated allocation line and a diagnostic with its live sentence under the class
 * CodeLens (both through "Show or Focus Hover"): test-output/vscode/live-hover.png,
 * live-decoration.png, live-diagnostic.png. Last, it clicks "Show in Heap Graph" in the hover of
 * a module global: the language server wrote that link, and the language client must trust it
 * (for that command only) for the click to open the heap view.
 *
 *   node scripts/build.mjs && node --import tsx --test test/vscode/liveFacts.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureCodeServer, findDebugpyPython, type Workbench } from './codeServer';
import { buildSuite, hostSuiteFolders, runHostSuite, vscodeSkip } from './hostSuite';

const EXPECTED_TESTS = [
  'live facts: a paused capture feeds the hover, the decorations, the CodeLens and the diagnostics',
  'live facts go when the program resumes',
  'the runner honours heapInspector.trackAllocations, and the hover says when it is off',
];
const SHOTS = ['live-hover', 'live-decoration', 'live-diagnostic', 'live-link'];

/**
 * The screen box of the first whole-word `word` on the editor line containing `lineText` (Monaco
 * merges neighbouring tokens of one colour into one span, so the word is measured with a DOM
 * Range over its characters).
 */
async function wordBox(
  page: Page,
  lineText: string,
  word: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const line = page
    .locator('.editor-group-container.active .monaco-editor .view-line', { hasText: lineText })
    .first();
  await line.waitFor({ timeout: 20_000 });
  const box = await line.evaluate((el, w) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const ident = /[A-Za-z0-9_]/;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.textContent ?? '';
      for (let i = t.indexOf(w); i >= 0; i = t.indexOf(w, i + 1)) {
        if ((i > 0 && ident.test(t[i - 1])) || ident.test(t[i + w.length] ?? '')) continue;
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + w.length);
        const b = r.getBoundingClientRect();
        return { x: b.x, y: b.y, width: b.width, height: b.height };
      }
    }
    return null;
  }, word);
  assert.ok(box, `no "${word}" on the line "${lineText}"`);
  return box;
}

/**
 * Hovers `word` on the line containing `lineText` as a user does while a debug session is
 * paused: the mouse rests on the word (VS Code shows its debug hover), then Alt switches to the
 * editor hover. Falls back to (or, with `how: 'keyboard'`, goes straight to) "Show or Focus
 * Hover" with the cursor on the word. Waits for
 * a hover containing `expect`, and says how it was shown.
 */
async function hoverWithAlt(
  wb: Workbench,
  lineText: string,
  word: string,
  expect: string,
  how: 'alt' | 'keyboard' = 'alt',
): Promise<'alt-hover' | 'show-hover'> {
  const page = wb.page;
  const box = await wordBox(page, lineText, word);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: expect }).first();
  if (how === 'keyboard') {
    await page.mouse.click(x, y);
    await wb.runCommand('Show or Focus Hover');
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    return 'show-hover';
  }
  // The editor reads the Alt key: focus it on that line first.
  await page.mouse.click(box.x + box.width + 2, y);
  await page.mouse.move(x, y - 2 * box.height, { steps: 3 });
  await page.mouse.move(x, y, { steps: 4 });
  // VS Code listens for Alt once its debug hover is up.
  await page
    .locator('.debug-hover-widget')
    .first()
    .waitFor({ state: 'visible', timeout: 5_000 })
    .catch(() => undefined);
  await page.waitForTimeout(300);
  await page.keyboard.down('Alt');
  await page.mouse.move(x + 1, y, { steps: 2 });
  try {
    await hover.waitFor({ state: 'visible', timeout: 4_000 });
    return 'alt-hover';
  } catch {
    await page.keyboard.up('Alt');
  }
  await page.keyboard.press('Escape');
  await page.mouse.click(x, y);
  await wb.runCommand('Show or Focus Hover');
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  return 'show-hover';
}

async function releaseHover(page: Page): Promise<void> {
  await page.keyboard.up('Alt');
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
}

test(
  'live facts in a real VS Code: hover, decorations, CodeLens, diagnostics (code-server + debugpy)',
  { timeout: 10 * 60_000, skip: vscodeSkip() },
  async (t) => {
    const t0 = Date.now();
    const bin = ensureCodeServer();
    const python = findDebugpyPython();
    assert.ok(python, 'no Python with debugpy (see docs/testing-in-vscode.md)');
    const suiteEntry = buildSuite('test/vscode/suite/liveFactsIndex.ts', 'out/vscode-suite-live');
    const shots: Record<string, string> = {};
    const options = {
      codeServerBin: bin,
      label: 'live-facts',
      installExtensions: ['test/vscode/fixtures/debugpy-standin'],
      viewport: { width: 1600, height: 1000 },
      env: { HEAP_INSPECTOR_PYTHON: python },
      suiteEntry,
      ...hostSuiteFolders('hi-live', 'live-workspace'),
    };
    await runHostSuite(t, options, async ({ vsc, wb, suite }) => {
      suite.onCheckpoint('live-facts-ui', async () => {
        const page = wb.page;
        try {
          // 1. A local of the paused frame.
          shots.hover = await hoverWithAlt(
            wb,
            'current = Connection(pool, "current")',
            'current',
            'Show in Heap Graph',
          );
          await page.waitForTimeout(300);
          await wb.screenshot('live-hover');
          await releaseHover(page);
          // 2. The line that allocated the workspace nothing frees.
          shots.decoration = await hoverWithAlt(
            wb,
            'Workspace()  # ALLOCATES A WORKSPACE',
            'Workspace',
            'This line allocated',
            'keyboard',
          );
          await page.waitForTimeout(300);
          await wb.screenshot('live-decoration');
          await releaseHover(page);
        } catch (e) {
          shots.error = `${shots.error ?? ''}hover/decoration: ${String(e)}\n`;
          await wb.screenshot('live-facts-failure-ui').catch(() => undefined);
        }
      });
      suite.onCheckpoint('live-facts-top', async () => {
        const page = wb.page;
        try {
          // 3. HI001 in Connection.__del__, under the class's CodeLens.
          shots.diagnostic = await hoverWithAlt(
            wb,
            'self.close()',
            'close',
            'Right now 3 instances of Connection',
            'keyboard',
          );
          await page.waitForTimeout(300);
          await wb.screenshot('live-diagnostic');
          await releaseHover(page);
          // 4. The server's command link, clicked: the heap view of the capture comes up.
          await hoverWithAlt(wb, 'import weakref', 'weakref', 'Show in Heap Graph', 'keyboard');
          await page
            .locator('.monaco-hover:not(.hidden) a', { hasText: 'Show in Heap Graph' })
            .first()
            .click();
          await page
            .locator('.tab.active', { hasText: 'Heap: ' })
            .first()
            .waitFor({ state: 'visible', timeout: 10_000 });
          shots.link = 'opened the heap view';
          await wb.screenshot('live-link');
        } catch (e) {
          shots.error = `${shots.error ?? ''}diagnostic or link: ${String(e)}\n`;
          await wb.screenshot('live-facts-failure-top').catch(() => undefined);
        }
      });
      const code = await wb.waitForExit(240_000);
      await suite.settled();
      t.diagnostic(`screenshots: ${JSON.stringify(shots)}`);
      suite.check(t, EXPECTED_TESTS, code, 'live facts');
      assert.equal(shots.error, undefined, `the screenshots failed: ${shots.error}`);
      assert.equal(shots.link, 'opened the heap view', 'the hover’s link ran the command');
      for (const s of SHOTS) {
        assert.ok(existsSync(join(vsc.outputDir, `${s}.png`)), `no ${s}.png`);
      }
    });
    t.diagnostic(`whole test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  },
);
