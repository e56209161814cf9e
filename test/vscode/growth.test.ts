/**
 * Track Growth Here in a REAL VS Code (code-server + Debian's chromium, debugpy through the
 * stand-in extension): the suite (suite/growth.itest.ts) tracks the marked line of
 * test/vscode/fixtures/growth/growth_service.py over three stops of a debug session; the tracking
 * is started here, from the menu of the line's number in the gutter (growth-gutter-menu.png).
 * Then, at the suite's checkpoints, the heap view's growth section is read — a chart per grown type with its counts
 * per stop, the suspect with its retention path — and photographed
 * (test-output/vscode/growth-charted.png), then the suspect is clicked: the graph must select
 * one of its new objects (growth-focused.png).
 *
 *   node scripts/build.mjs && node --import tsx --test test/vscode/growth.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureCodeServer, findDebugpyPython, type Workbench } from './codeServer';
import { buildSuite, hostSuiteFolders, runHostSuite, vscodeSkip } from './hostSuite';

const EXPECTED_TESTS = [
  'Track Growth Here captures at every stop and charts the growth of a leaking loop',
  'the session ending stops tracking (Command Palette command) and removes its breakpoint',
];

interface Seen {
  charts?: Record<string, string>;
  suspects?: { path: string; type: string; text: string }[];
  totals?: string;
  stops?: string;
  gutterMenu?: boolean;
  selectedAddress?: string | null;
  sectionFolded?: boolean;
  error?: string;
}

/** Quick Open `file:line`, right-click the line's number in the gutter, choose "Track Growth Here". */
async function trackFromGutter(wb: Workbench, file: string, line: number): Promise<void> {
  await wb.quickOpen(file, line);
  const number = wb.page
    .locator('.monaco-editor .margin-view-overlays .line-numbers', {
      hasText: new RegExp(`^${line}$`),
    })
    .first();
  await wb.chooseFromContextMenu(number, 'Track Growth Here', 'growth-gutter-menu');
}

test(
  'Track Growth Here charts growth over the stops of a debug session (code-server + debugpy)',
  { timeout: 15 * 60_000, skip: vscodeSkip() },
  async (t) => {
    const bin = ensureCodeServer();
    const python = findDebugpyPython();
    assert.ok(
      python,
      'no Python with debugpy (apt-get install python3-debugpy, or pip install debugpy)',
    );
    const suiteEntry = buildSuite('test/vscode/suite/growthIndex.ts', 'out/vscode-suite-growth');
    const seen: Seen = {};
    const options = {
      codeServerBin: bin,
      label: 'growth',
      installExtensions: ['test/vscode/fixtures/debugpy-standin'],
      viewport: { width: 1500, height: 1000 },
      env: { HEAP_INSPECTOR_PYTHON: python },
      suiteEntry,
      ...hostSuiteFolders('hi-growth', 'growth'),
    };
    await runHostSuite(t, options, async ({ vsc, wb, suite }) => {
      suite.onCheckpoint('track-from-gutter', async (event) => {
        try {
          await trackFromGutter(wb, String(event.file), Number(event.line));
          seen.gutterMenu = true;
        } catch (e) {
          seen.error = `gutter: ${String(e)}`;
          await wb.screenshot('growth-failure-gutter').catch(() => undefined);
        }
      });
      suite.onCheckpoint('growth-charted', async (event) => {
        try {
          const frame = await wb.webviewByTitle(String(event.title), 60_000);
          const section = frame.locator('[data-testid="growth-track"][data-stops="3"]');
          await section.waitFor({ state: 'visible', timeout: 60_000 });
          seen.stops = (await section.getAttribute('data-stops')) ?? undefined;
          seen.charts = await frame
            .locator('[data-testid="growth-chart"]')
            .evaluateAll((els) =>
              Object.fromEntries(
                els.map((el) => [
                  el.getAttribute('data-type') ?? '',
                  el.getAttribute('data-counts') ?? '',
                ]),
              ),
            );
          seen.suspects = await frame.locator('[data-testid="growth-suspect"]').evaluateAll((els) =>
            els.map((el) => ({
              path: el.getAttribute('data-path') ?? '',
              type: el.getAttribute('data-type') ?? '',
              text: (el.textContent ?? '').trim(),
            })),
          );
          seen.totals = (await frame.locator('[data-testid="growth-totals"]').textContent()) ?? '';
          const focus = frame
            .locator(
              `[data-testid="growth-suspect"][data-type="__main__.Session"] [data-testid="growth-suspect-focus"]`,
            )
            .first();
          await focus.scrollIntoViewIfNeeded();
          await wb.page.waitForTimeout(500);
          await wb.screenshot('growth-charted');
          await focus.click();
        } catch (e) {
          seen.error = `charted: ${String(e)}`;
          await wb.screenshot('growth-failure-charted').catch(() => undefined);
        }
      });
      suite.onCheckpoint('growth-focused', async (event) => {
        try {
          const frame = await wb.webviewByTitle(String(event.title), 30_000);
          // The details pane names the selected object by its address.
          const address = String(event.address);
          await frame
            .locator('[data-testid="details-address"]', { hasText: address })
            .first()
            .waitFor({ state: 'visible', timeout: 30_000 });
          seen.selectedAddress = address;
          seen.sectionFolded =
            (await frame.locator('[data-testid="growth-track"]').getAttribute('open')) === null;
          await frame.locator('[data-testid="details-address"]').first().scrollIntoViewIfNeeded();
          await wb.page.waitForTimeout(1000);
          await wb.screenshot('growth-focused');
        } catch (e) {
          seen.error = `${seen.error ?? ''} focused: ${String(e)}`;
          await wb.screenshot('growth-failure-focused').catch(() => undefined);
        }
      });
      const code = await wb.waitForExit(720_000);
      await suite.settled();
      t.diagnostic(`seen: ${JSON.stringify(seen)}`);
      suite.check(t, EXPECTED_TESTS, code, 'growth');
      assert.equal(seen.error, undefined, seen.error);
      assert.equal(seen.gutterMenu, true);
      assert.equal(seen.stops, '3');
      assert.equal(seen.charts?.['__main__.Session'], '1,2,3', 'the chart of Session counts');
      assert.equal(seen.charts?.['__main__.WorkItem'], undefined, 'WorkItems do not grow');
      const session = seen.suspects?.find((s) => s.type === '__main__.Session');
      assert.equal(session?.path, "__main__.registry['users']");
      assert.match(
        session?.text ?? '',
        /^2 new __main__\.Session held by __main__\.registry\['users'\]/,
      );
      assert.match(seen.totals ?? '', /^Stop 3 compared with stop 1: /);
      assert.equal(seen.suspects?.[0]?.type, '__main__.Session', "the program's growth first");
      assert.ok(seen.selectedAddress, 'the suspect’s object selected in the graph');
      assert.equal(seen.sectionFolded, true, 'the section folds to give the graph room');
      for (const shot of ['growth-gutter-menu', 'growth-charted', 'growth-focused']) {
        assert.ok(existsSync(join(vsc.outputDir, `${shot}.png`)), `no ${shot}.png`);
      }
    });
  },
);
