/**
 * Runs the extension test suite (test/vscode/suite) inside a REAL VS Code extension host —
 * code-server driven by Debian's chromium — with the debugpy stand-in extension installed, and
 * checks each test's result from the console. Also drives the real workbench UI: the command
 * palette runs "Heap Inspector: Show Log". Screenshots and logs land in test-output/vscode/.
 *
 *   node scripts/build.mjs && node --import tsx --test test/vscode/extensionHost.test.ts
 *
 * First run installs code-server into ~/.cache/heap-inspector (about a minute; see
 * docs/testing-in-vscode.md). HEAP_INSPECTOR_PYTHON picks the interpreter that has debugpy.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ensureCodeServer,
  findDebugpyPython,
  OUTPUT_DIR,
  REPO_ROOT,
  type Workbench,
} from './codeServer';
import { cliNumbers, markedLine, type PanelNumbers } from './cliExpectations';
import { buildSuite, hostSuiteFolders, runHostSuite, vscodeSkip } from './hostSuite';

const GREP = process.env.HEAP_INSPECTOR_SUITE_GREP; // the suite reads it too: runs a subset
const EXPECTED_TESTS = [
  'extension activates',
  'heapInspector.showLog is registered and runs',
  'every command is registered and contributed under "Heap Inspector", with its menus',
  'the language server runs',
  'debugpy session stops at a breakpoint and evaluates a local',
  'Inspect Heap Here while paused shows the CLI numbers',
  'Inspect in Heap Graph focuses the variable',
  'Re-capture compares with the previous capture of the session',
  'a second capture while one runs is refused',
  'the session ending during a capture fails cleanly',
  'Inspect Heap Here when not debugging (runner) shows the CLI numbers',
  'Inspect Heap Here when not debugging (debugger) stops at the line and captures',
  'a line the program never reaches fails cleanly',
  'an interpreter that cannot run fails cleanly, before running anything',
  'a capture of ~100k objects: the pause it adds, and Call Stack frame selection',
  'cancelling a capture leaves the program paused and no file behind',
  'the thread resuming during a capture fails cleanly and the program runs on',
  'Open Heap Snapshot shows a saved snapshot without running anything',
  'stepper: gc.collect for real in a paused session matches the prediction',
  'stepper: a runner capture collects in a new run to the same line; a saved snapshot cannot',
].filter((name) => !GREP || new RegExp(GREP).test(name));
/** Checkpoints where the panel's DOM is read and photographed: checkpoint name → screenshot. */
const PANEL_CHECKPOINTS: Record<string, string> = {
  'panel-paused': 'panel-paused',
  'panel-runner': 'panel-runner',
};
const PAUSED_SHOT = 'debug-paused-at-breakpoint';
const SHOW_LOG_SHOT = 'show-log';
const UI_SHOT = 'inspect-heap-here-ui';
const RESTORED_SHOT = 'panel-restored-after-reload';
/** The Playwright phase (right-click → Inspect Heap Here) runs unless a grep excludes "ui". */
const RUN_UI = !GREP || new RegExp(GREP).test('ui');

/**
 * `node scripts/package.mjs` into `dir`, unpacked with Python's zipfile (no `unzip` needed): the
 * .vsix and its extension folder.
 */
function packageExtension(
  dir: string,
  python: string,
): { file: string; folder: string; kb: number } {
  const file = join(dir, 'python-heap-inspector.vsix');
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'package.mjs'), '--out', file],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  assert.equal(r.status, 0, `scripts/package.mjs failed: ${r.stderr}`);
  const unpacked = join(dir, 'vsix');
  const script =
    'import sys, zipfile\n' +
    'z = zipfile.ZipFile(sys.argv[1])\n' +
    'z.extractall(sys.argv[2])\n' +
    'print("\\n".join(z.namelist()))';
  const u = spawnSync(python, ['-c', script, file, unpacked], { encoding: 'utf8' });
  assert.equal(u.status, 0, `unpacking the .vsix failed: ${u.stderr ?? u.error}`);
  const listing = u.stdout.split('\n').map((l) => l.trim());
  for (const needed of [
    'extension/dist/extension.js',
    'extension/dist/server.js',
    'extension/dist/webview/report.js',
    'extension/dist/webview/report.css',
    'extension/agent/heap_inspector_run.py',
    'extension/agent/heap_inspector_agent/bootstrap.py',
    'extension/agent/heap_inspector_agent/capture.py',
  ]) {
    assert.ok(listing.includes(needed), `the .vsix lacks ${needed}`);
  }
  const stray = listing.filter((f) =>
    /\.map$|\.ts$|node_modules\/|(^|\/)test\/|__pycache__/.test(f),
  );
  assert.deepEqual(stray, [], 'the .vsix carries files it does not need');
  const kb = Math.round(statSync(file).size / 1024);
  assert.ok(kb < 1024, `the .vsix is ${kb} KB: .vscodeignore lets too much in`);
  return { file, folder: join(unpacked, 'extension'), kb };
}

/** Quick Open `file:line`, right-click the line with `marker`, choose "Inspect Heap Here". */
async function inspectFromContextMenu(
  wb: Workbench,
  file: string,
  line: number,
  marker: string,
): Promise<void> {
  await wb.quickOpen(file, line);
  const target = wb.page.locator('.monaco-editor .view-line', { hasText: marker }).first();
  await wb.chooseFromContextMenu(target, 'Inspect Heap Here', 'editor-context-menu');
}

test(
  'extension test suite passes inside a real VS Code (code-server + debugpy)',
  { timeout: 20 * 60_000, skip: vscodeSkip() },
  async (t) => {
    const timings: Record<string, number> = {};
    const t0 = Date.now();
    const bin = ensureCodeServer();
    timings.ensureCodeServerMs = Date.now() - t0;

    const python = findDebugpyPython();
    assert.ok(
      python,
      'no Python with debugpy: apt-get install python3-debugpy, or pip install debugpy, or set HEAP_INSPECTOR_PYTHON',
    );
    const suiteEntry = buildSuite();
    for (const shot of [PAUSED_SHOT, SHOW_LOG_SHOT, UI_SHOT, RESTORED_SHOT])
      rmSync(join(OUTPUT_DIR, `${shot}.png`), { force: true });

    const { workspace, signals } = hostSuiteFolders('hi-vsc', 'workspace');
    const uiWorkspace = mkdtempSync(join(tmpdir(), 'hi-vsc-ui-'));
    // What the panel must show: the CLI's numbers for the same program and line.
    const tCli = Date.now();
    const leaky = join(workspace, 'leaky_pool.py');
    const savedSnapshot = join(signals, 'leaky_pool.heapsnap');
    const cli = cliNumbers(python, leaky, markedLine(leaky, '# INSPECT HERE'), savedSnapshot);
    const expected: Record<string, PanelNumbers> = { paused: cli, runner: cli, debugger: cli };
    timings.cliExpectationMs = Date.now() - tCli;
    t.diagnostic(`CLI numbers for leaky_pool.py: ${JSON.stringify(cli)}`);
    const panelChecks: { checkpoint: string; title: string; numbers?: unknown; error?: string }[] =
      [];
    const stepperChecks: { match?: string | null; phase?: string | null; error?: string }[] = [];

    // The UI phase runs the extension as users get it: `npm run package`'s .vsix, unpacked into
    // the extensions folder (the suite's workbench loads the development copy over it).
    const tPackage = Date.now();
    const vsix = packageExtension(signals, python);
    timings.packageMs = Date.now() - tPackage;
    t.diagnostic(`packaged ${vsix.file}: ${vsix.kb} KB`);

    const options = {
      codeServerBin: bin,
      label: 'extension-host',
      installExtensions: ['test/vscode/fixtures/debugpy-standin', vsix.folder],
      env: {
        HEAP_INSPECTOR_PYTHON: python,
        HEAP_INSPECTOR_E2E_EXPECTED: JSON.stringify(expected),
        HEAP_INSPECTOR_E2E_SNAPSHOT: savedSnapshot,
      },
      suiteEntry,
      workspace,
      signals,
      alsoRemove: [uiWorkspace],
    };
    const closed = await runHostSuite(t, options, async (run) => {
      const { vsc, wb, suite } = run;
      timings.codeServerAndBrowserStartMs = run.startMs;
      t.diagnostic(
        `code-server on ${vsc.baseUrl}, python ${python}; console log: ${vsc.consoleLog}`,
      );
      // 1. The suite, in the extension host of a workbench opened with the development payload.
      const tSuite = run.openedAt;
      timings.workbenchReadyMs = run.workbenchMs;
      suite.onCheckpoint('paused-at-breakpoint', () =>
        // Photograph the workbench paused at the breakpoint; the suite then stops the session.
        wb.screenshot(PAUSED_SHOT).catch((e) => t.diagnostic(`screenshot failed: ${e}`)),
      );
      suite.onCheckpoint('panel-focus', async (ev) => {
        // "Inspect in Heap Graph": the panel selects the object (its details show its address).
        const title = String(ev.title);
        try {
          const frame = await wb.webviewByTitle(title);
          const shown = frame.locator('[data-testid="details-address"]', {
            hasText: String(ev.address),
          });
          await shown.first().waitFor({ timeout: 20_000 });
          panelChecks.push({ checkpoint: 'panel-focus', title, numbers: ev.address });
          await wb.screenshot('panel-focus');
        } catch (e) {
          panelChecks.push({ checkpoint: 'panel-focus', title, error: String(e) });
        }
      });
      suite.onCheckpoint('stepper-ui', async (ev) => {
        // The stepper, as a user drives it: open it, pick gc.collect(0), step to a phase, run
        // the collection for real; the panel then animates to the capture taken after it.
        try {
          const frame = await wb.webviewByTitle(String(ev.title));
          await frame.locator('[data-testid="stepper-toggle"]').click();
          await frame
            .locator('[data-testid="stepper"][data-ready="true"]')
            .waitFor({ timeout: 20_000 });
          await frame.locator('[data-testid="stepper-gen-0"]').click();
          await frame.locator('[data-testid="stepper-phase-3"]').click();
          const phase = await frame
            .locator('[data-testid="stepper"]')
            .getAttribute('data-phase-id');
          await wb.page.waitForTimeout(500);
          await wb.screenshot('stepper-phase-3');
          await frame.locator('[data-testid="run-collection"]').click();
          await frame
            .locator('[data-testid="reality"][data-showing="after"]')
            .waitFor({ timeout: 60_000 });
          const match = await frame
            .locator('[data-testid="reality-verdict"]')
            .getAttribute('data-match');
          await wb.page.waitForTimeout(500);
          await wb.screenshot('stepper-after-collection');
          await frame.locator('[data-testid="reality"]').scrollIntoViewIfNeeded();
          await wb.screenshot('stepper-prediction-vs-reality');
          stepperChecks.push({ match, phase });
        } catch (e) {
          stepperChecks.push({ error: String(e) });
        }
      });
      for (const [name, shot] of Object.entries(PANEL_CHECKPOINTS)) {
        // A heap view is open: read its numbers from the webview's DOM, photograph it.
        suite.onCheckpoint(name, async (ev) => {
          const title = String(ev.title);
          try {
            const frame = await wb.webviewByTitle(title);
            const numbers = await wb.panelNumbers(frame);
            panelChecks.push({ checkpoint: name, title, numbers });
            await wb.screenshot(shot);
          } catch (e) {
            panelChecks.push({ checkpoint: name, title, error: String(e) });
          }
        });
      }
      const code = await wb.waitForExit(120_000);
      await suite.settled();
      timings.suiteMs = Date.now() - tSuite;
      for (const ev of suite.events) {
        if (ev.event === 'checkpoint' && ev.name === 'big-heap-pause') {
          t.diagnostic(`capture of ~100k objects: ${JSON.stringify(ev)}`);
        }
      }
      suite.check(t, EXPECTED_TESTS, code);
      if (EXPECTED_TESTS.includes('Inspect in Heap Graph focuses the variable')) {
        const focus = panelChecks.find((c) => c.checkpoint === 'panel-focus');
        assert.ok(focus && !focus.error, `the panel did not focus the object: ${focus?.error}`);
      }
      for (const check of panelChecks)
        t.diagnostic(`panel ${check.checkpoint}: ${JSON.stringify(check)}`);
      if (EXPECTED_TESTS.some((n) => n.startsWith('stepper: gc.collect for real'))) {
        t.diagnostic(`stepper in the webview: ${JSON.stringify(stepperChecks)}`);
        assert.deepEqual(
          stepperChecks,
          [{ match: 'true', phase: 'tentatively-unreachable' }],
          'the stepper in the webview: phase 3 shown, the real collection matched',
        );
      }
      for (const [checkpoint] of Object.entries(PANEL_CHECKPOINTS)) {
        const key = checkpoint.replace('panel-', '');
        if (!EXPECTED_TESTS.some((n) => n.includes(key === 'paused' ? 'while paused' : '(runner)')))
          continue;
        const check = panelChecks.find((c) => c.checkpoint === checkpoint);
        assert.ok(check, `no panel checkpoint ${checkpoint}`);
        assert.equal(check.error, undefined, `reading the panel at ${checkpoint} failed`);
        const { unreachable, cycles, finalizers } = expected[key];
        assert.deepEqual(
          check.numbers,
          { unreachable, cycles, finalizers },
          `the panel's numbers at ${checkpoint}`,
        );
      }
      if (EXPECTED_TESTS.some((name) => name.startsWith('debugpy'))) {
        assert.ok(
          existsSync(join(OUTPUT_DIR, `${PAUSED_SHOT}.png`)),
          'no screenshot of the paused debug session',
        );
      }
      await wb.page.close();

      // 2. The real UI, with the packaged extension: the command palette runs its command, the log shows.
      const tUi = Date.now();
      // No development path: the extension installed from the .vsix. A folder of its own, so
      // that nothing of the suite's window (editors, heap views) is restored into it.
      cpSync(join(REPO_ROOT, 'test', 'vscode', 'fixtures', 'workspace'), uiWorkspace, {
        recursive: true,
      });
      const ui = await vsc.openWorkbench({ folder: uiWorkspace });
      await ui.runCommand('Heap Inspector: Show Log');
      await ui.page
        .locator('.part.panel .view-lines', { hasText: 'activated (VS Code' })
        .first()
        .waitFor({ timeout: 20_000 });
      await ui.screenshot(SHOW_LOG_SHOT);
      timings.paletteCommandMs = Date.now() - tUi;

      // 3. Playwright, as a user: open the Python file, right-click the marked line, choose
      // "Inspect Heap Here"; not debugging, so the extension runs the file to that line. Read the
      // numbers in the panel's webview, then reload the window: the panel comes back.
      if (RUN_UI) {
        const tRight = Date.now();
        const line = markedLine(leaky, '# INSPECT HERE');
        await inspectFromContextMenu(ui, 'leaky_pool.py', line, '# INSPECT HERE');
        const title = new RegExp(`^Heap: report\\(\\) · leaky_pool\\.py:${line} \\(`);
        const panelFrame = await ui.webviewByTitle(title, 90_000);
        const numbers = await ui.panelNumbers(panelFrame, 60_000);
        await ui.screenshot(UI_SHOT);
        assert.deepEqual(await ui.cspViolations(panelFrame), [], 'the panel broke its own CSP');
        t.diagnostic(`right-click → Inspect Heap Here: ${JSON.stringify(numbers)}`);
        assert.deepEqual(
          numbers,
          { unreachable: cli.unreachable, cycles: cli.cycles, finalizers: cli.finalizers },
          'the panel opened from the context menu',
        );
        timings.contextMenuInspectMs = Date.now() - tRight;
        const tReload = Date.now();
        // As a user reloads (the workbench saves its editors, the heap view among them, first).
        const navigated = ui.page.waitForEvent('framenavigated', {
          predicate: (f) => f === ui.page.mainFrame(),
          timeout: 60_000,
        });
        await ui.runCommand('Developer: Reload Window');
        await navigated;
        await ui.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
        const restored = await ui.panelNumbers(await ui.webviewByTitle(title, 60_000), 60_000);
        await ui.screenshot(RESTORED_SHOT);
        assert.deepEqual(restored, numbers, 'the panel restored after a window reload');
        // Hidden behind another editor and shown again: the page is rebuilt, the numbers remain.
        await ui.page.locator('.tabs-container .tab', { hasText: 'leaky_pool.py' }).first().click();
        await ui.page
          .locator('.tabs-container .tab', { hasText: /^Heap: / })
          .first()
          .click();
        const shownAgain = await ui.panelNumbers(await ui.webviewByTitle(title, 30_000), 30_000);
        assert.deepEqual(shownAgain, numbers, 'the panel hidden and shown again');
        timings.reloadRestoreMs = Date.now() - tReload;
      }
    });
    timings.totalMs = Date.now() - t0;
    writeFileSync(
      join(OUTPUT_DIR, 'extension-host.timings.json'),
      `${JSON.stringify(timings, null, 2)}\n`,
    );
    t.diagnostic(`timings: ${JSON.stringify(timings)}`);

    // Nothing may outlive the run: no process still refers to the scratch folder.
    const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
    const strays = ps.split('\n').filter((l) => l.includes(closed.scratch));
    assert.deepEqual(strays, [], 'processes left behind');
  },
);
