/**
 * "Export as .heapsnapshot" in a REAL VS Code (code-server + Debian's chromium): the CLI captures
 * test/fixtures/export/session_service.py, the extension host suite (suite/export.itest.ts) opens
 * the snapshot in a heap view and exports it, and VS Code's built-in heap snapshot viewer
 * (ms-vscode.vscode-js-profile-table) opens the file. Here, at the suite's checkpoints, the
 * viewer's table is read — it must list the program's classes, the unreachable ones named so —
 * and photographed (test-output/vscode/export-viewer*.png); the heap view's title-bar action is
 * clicked and the save dialog answered; the message without a heap view is photographed.
 *
 *   node scripts/build.mjs && node --import tsx --test test/vscode/export.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { runCli } from '../cli/support';
import { ensureCodeServer, REPO_ROOT, type Workbench } from './codeServer';
import { buildSuite, hostSuiteFolders, runHostSuite, vscodeSkip } from './hostSuite';

const EXPECTED_TESTS = [
  'Export as .heapsnapshot writes the heap view’s snapshot and opens VS Code’s viewer on it',
  'the heap view’s title bar exports through the save dialog',
  'without a heap view the command writes nothing',
];
const PROGRAM = join(REPO_ROOT, 'test', 'fixtures', 'export', 'session_service.py');
const PROGRAM_CLASSES = [
  '__main__.Service',
  '__main__.PageCache',
  '__main__.Session',
  '__main__.User',
  '__main__.Item',
  '__main__.Connection (unreachable, __del__ pending)',
  '__main__.Request (unreachable)',
  '__main__.Socket (unreachable)',
];

/** The frame of VS Code's heap snapshot viewer (its table has a filter box). */
async function viewerFrame(wb: Workbench, timeoutMs = 150_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await wb.page.locator('iframe.webview.ready').count();
    for (let i = 0; i < count; i++) {
      const frame = wb.webviewFrame(i);
      const filter = frame.locator('input[placeholder^="Filter functions"]');
      if ((await filter.count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no heap snapshot viewer (${count} webviews)`);
    await wb.page.waitForTimeout(250);
  }
}

// The functions passed to evaluate() run in the page: they declare no named function (the test
// runner's transpiler would wrap it in a helper the page does not have).

/**
 * Every `__main__` class the viewer's table lists. The table renders only the rows in view, so it
 * is scrolled from top to bottom; each row's name is its last cell.
 */
async function classNames(frame: FrameLocator): Promise<string[]> {
  return frame.locator('body').evaluate(async (body) => {
    const names = new Set<string>();
    const query = '[role="treeitem"][aria-level="1"]';
    let scroller: Element | null = body.querySelector(query);
    while (scroller && scroller.scrollHeight <= scroller.clientHeight) {
      scroller = scroller.parentElement;
    }
    for (let step = 0; step < 1000; step++) {
      for (const row of Array.from(body.querySelectorAll(query))) {
        const name = (row.lastElementChild?.textContent ?? '').trim();
        if (name.startsWith('__main__.')) names.add(name);
      }
      if (!scroller) break;
      const before = scroller.scrollTop;
      scroller.scrollTop = before + scroller.clientHeight / 2;
      await new Promise((r) => setTimeout(r, 100));
      if (scroller.scrollTop === before) break;
    }
    if (scroller) scroller.scrollTop = 0;
    return [...names];
  });
}

/** Scrolls the table to the class `name` and opens its row: its instances are listed. */
async function openClass(frame: FrameLocator, name: string): Promise<void> {
  const found = await frame.locator('body').evaluate(async (body, name) => {
    const query = '[role="treeitem"][aria-level="1"]';
    let scroller: Element | null = body.querySelector(query);
    while (scroller && scroller.scrollHeight <= scroller.clientHeight) {
      scroller = scroller.parentElement;
    }
    for (let step = 0; step < 1000 && scroller; step++) {
      const row = Array.from(body.querySelectorAll(query)).find(
        (r) => (r.lastElementChild?.textContent ?? '').trim() === name,
      );
      if (row) {
        row.scrollIntoView({ block: 'center' });
        return true;
      }
      const before = scroller.scrollTop;
      scroller.scrollTop = before + scroller.clientHeight / 2;
      await new Promise((r) => setTimeout(r, 100));
      if (scroller.scrollTop === before) break;
    }
    return false;
  }, name);
  if (!found) throw new Error(`no row ${name} in the viewer`);
  await frame.locator('[role="treeitem"][aria-level="1"]', { hasText: name }).first().click();
  await frame.locator('[role="treeitem"][aria-level="2"]').first().waitFor({ timeout: 20_000 });
}

test(
  'Export as .heapsnapshot opens in VS Code’s heap snapshot viewer, which lists the program’s classes (code-server)',
  { timeout: 15 * 60_000, skip: vscodeSkip() },
  async (t) => {
    const bin = ensureCodeServer();
    const suiteEntry = buildSuite('test/vscode/suite/exportIndex.ts', 'out/vscode-suite-export');
    const { workspace, signals } = hostSuiteFolders('hi-export');
    const line =
      readFileSync(PROGRAM, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('# CAPTURE HERE')) + 1;
    const snapshot = join(workspace, 'session_service.heapsnap');
    const capture = runCli(['snapshot', '--at', `${PROGRAM}:${line}`, '--out', snapshot, PROGRAM], {
      cwd: workspace,
    });
    assert.equal(capture.status, 0, capture.stderr);

    const seen: { classes?: string[]; titleAction?: string; message?: string; error?: string } = {};
    const options = {
      codeServerBin: bin,
      label: 'export',
      viewport: { width: 1500, height: 950 },
      env: { HEAP_INSPECTOR_EXPORT_SNAPSHOT: snapshot },
      suiteEntry,
      workspace,
      signals,
    };
    await runHostSuite(t, options, async ({ vsc, wb, suite }) => {
      suite.onCheckpoint('viewer-open', async () => {
        try {
          const frame = await viewerFrame(wb);
          await frame.getByText('(closure)').first().waitFor({ timeout: 30_000 });
          await wb.screenshot('export-viewer-all');
          seen.classes = await classNames(frame);
          await openClass(frame, '__main__.Connection (unreachable, __del__ pending)');
          await wb.page.waitForTimeout(500);
          await wb.screenshot('export-viewer-unreachable');
        } catch (e) {
          seen.error = `viewer: ${String(e)}`;
          await wb.screenshot('export-failure-viewer').catch(() => undefined);
        }
      });
      suite.onCheckpoint('title-action', async (event) => {
        try {
          const page = wb.page;
          // The heap view drawn first: the screenshot shows what is exported.
          await wb.panelNumbers(await wb.webviewByTitle(String(event.title)));
          const action = page
            .locator('.editor-group-container.active .editor-actions')
            .locator('[aria-label^="Export as .heapsnapshot"]');
          await action.first().click({ timeout: 20_000 });
          const input = page.locator('.quick-input-widget input.input');
          await input.waitFor({ state: 'visible', timeout: 10_000 });
          // The dialog shows its folder first and the suggested name a moment later.
          await page
            .waitForFunction(
              () =>
                document
                  .querySelector<HTMLInputElement>('.quick-input-widget input.input')
                  ?.value.endsWith('.heapsnapshot') === true,
              undefined,
              { timeout: 10_000 },
            )
            .catch(() => undefined);
          seen.titleAction = await input.inputValue();
          await wb.screenshot('export-save-dialog');
          await input.fill(String(event.path));
          await page.keyboard.press('Enter');
        } catch (e) {
          seen.error = `${seen.error ?? ''} title action: ${String(e)}`;
          await wb.screenshot('export-failure-title').catch(() => undefined);
        }
      });
      suite.onCheckpoint('no-heap-view', async () => {
        try {
          const toast = wb.page.locator('.notifications-toasts .notification-toast', {
            hasText: 'exports the heap view in front',
          });
          await toast.first().waitFor({ state: 'visible', timeout: 15_000 });
          seen.message = await toast.first().innerText();
          // The earlier exports' progress notifications are gone once they are done.
          await wb.page
            .locator('.notifications-toasts .notification-toast', { hasText: 'Exporting' })
            .first()
            .waitFor({ state: 'hidden', timeout: 15_000 });
          await wb.page.waitForTimeout(1000); // the toast's entrance animation
          await wb.screenshot('export-no-heap-view');
        } catch (e) {
          seen.error = `${seen.error ?? ''} message: ${String(e)}`;
        }
      });
      const code = await wb.waitForExit(600_000);
      await suite.settled();
      t.diagnostic(`seen: ${JSON.stringify(seen)}`);
      suite.check(t, EXPECTED_TESTS, code, 'export');
      assert.equal(seen.error, undefined, seen.error);
      for (const cls of PROGRAM_CLASSES) {
        assert.ok(seen.classes?.includes(cls), `the viewer lists ${cls}`);
      }
      assert.match(seen.titleAction ?? '', /session_service\.heapsnapshot$/, 'the dialog’s name');
      assert.match(seen.message ?? '', /Open Heap Snapshot/);
      for (const shot of [
        'export-viewer-all',
        'export-viewer-unreachable',
        'export-no-heap-view',
      ]) {
        assert.ok(existsSync(join(vsc.outputDir, `${shot}.png`)), `no ${shot}.png`);
      }
    });
  },
);
