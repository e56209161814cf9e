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
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CodeServer,
  ensureCodeServer,
  findDebugpyPython,
  OUTPUT_DIR,
  REPO_ROOT,
  type Workbench,
} from './codeServer';
import { cliNumbers, markedLine, type PanelNumbers } from './cliExpectations';

const REPORT_PREFIX = '[heap-inspector-suite] ';
const GREP = process.env.HEAP_INSPECTOR_SUITE_GREP; // the suite reads it too: runs a subset
const EXPECTED_TESTS = [
  'extension activates',
  'heapInspector.showLog is registered and runs',
  'debugpy session stops at a breakpoint and evaluates a local',
  'Inspect Heap Here while paused shows the CLI numbers',
  'Inspect in Heap Graph focuses the variable',
  'Re-capture compares with the previous capture of the session',
  'a second capture while one runs is refused',
  'the session ending during a capture fails cleanly',
  'Inspect Heap Here when not debugging (runner) shows the CLI numbers',
  'Inspect Heap Here when not debugging (debugger) stops at the line and captures',
  'a line the program never reaches fails cleanly',
].filter((name) => !GREP || new RegExp(GREP).test(name));
/** Checkpoints where the panel's DOM is read and photographed: checkpoint name → screenshot. */
const PANEL_CHECKPOINTS: Record<string, string> = {
  'panel-paused': 'panel-paused',
  'panel-runner': 'panel-runner',
};
const PAUSED_SHOT = 'debug-paused-at-breakpoint';
const SHOW_LOG_SHOT = 'show-log';

interface SuiteEvent {
  event: string;
  name?: string;
  ms?: number;
  error?: string;
  passed?: number;
  failed?: number;
  [key: string]: unknown;
}

/** The JSON event in a console line printed by the suite's report(), if any. */
function parseEvent(text: string): SuiteEvent | undefined {
  const at = text.indexOf(REPORT_PREFIX);
  if (at < 0) return undefined;
  const rest = text.slice(at + REPORT_PREFIX.length);
  // The workbench may append console styling after the message: shrink to the longest valid JSON.
  for (let end = rest.lastIndexOf('}'); end > 0; end = rest.lastIndexOf('}', end - 1)) {
    try {
      return JSON.parse(rest.slice(0, end + 1)) as SuiteEvent;
    } catch {
      /* keep shrinking */
    }
  }
  return undefined;
}

/** node test/vscode/buildSuite.mjs (a child process: this file may run as CommonJS). */
function buildSuite(): string {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'test', 'vscode', 'buildSuite.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  assert.equal(r.status, 0, 'test/vscode/buildSuite.mjs failed');
  return r.stdout.trim().split('\n').pop()!;
}

function ensureExtensionBuilt(): void {
  if (existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
    stdio: 'inherit',
  });
  assert.equal(r.status, 0, 'node scripts/build.mjs failed');
}
const skip =
  process.env.HEAP_INSPECTOR_SKIP_VSCODE === '1'
    ? 'HEAP_INSPECTOR_SKIP_VSCODE=1'
    : process.platform !== 'linux'
      ? 'the code-server harness is set up for Linux; elsewhere use .vscode-test.mjs'
      : false;

test(
  'extension test suite passes inside a real VS Code (code-server + debugpy)',
  { timeout: 20 * 60_000, skip },
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
    ensureExtensionBuilt();
    const suiteEntry = buildSuite();
    for (const shot of [PAUSED_SHOT, SHOW_LOG_SHOT])
      rmSync(join(OUTPUT_DIR, `${shot}.png`), { force: true });

    const workspace = mkdtempSync(join(tmpdir(), 'hi-vsc-ws-'));
    const signals = mkdtempSync(join(tmpdir(), 'hi-vsc-sig-'));
    cpSync(join(REPO_ROOT, 'test', 'vscode', 'fixtures', 'workspace'), workspace, {
      recursive: true,
    });
    // What the panel must show: the CLI's numbers for the same program and line.
    const tCli = Date.now();
    const leaky = join(workspace, 'leaky_pool.py');
    const cli = cliNumbers(python, leaky, markedLine(leaky, '# INSPECT HERE'));
    const expected: Record<string, PanelNumbers> = { paused: cli, runner: cli, debugger: cli };
    timings.cliExpectationMs = Date.now() - tCli;
    t.diagnostic(`CLI numbers for leaky_pool.py: ${JSON.stringify(cli)}`);
    const panelChecks: { checkpoint: string; title: string; numbers?: unknown; error?: string }[] =
      [];

    const tStart = Date.now();
    const vsc = await CodeServer.start({
      codeServerBin: bin,
      label: 'extension-host',
      installExtensions: ['test/vscode/fixtures/debugpy-standin'],
      env: {
        HEAP_INSPECTOR_PYTHON: python,
        HEAP_INSPECTOR_E2E_SIGNAL_DIR: signals,
        HEAP_INSPECTOR_E2E_EXPECTED: JSON.stringify(expected),
      },
    });
    timings.codeServerAndBrowserStartMs = Date.now() - tStart;
    t.diagnostic(`code-server on ${vsc.baseUrl}, python ${python}; console log: ${vsc.consoleLog}`);
    try {
      // 1. The suite, in the extension host of a workbench opened with the development payload.
      const tSuite = Date.now();
      const wb: Workbench = await vsc.openWorkbench({
        folder: workspace,
        extensionDevelopmentPath: REPO_ROOT,
        extensionTestsPath: suiteEntry,
      });
      timings.workbenchReadyMs = Date.now() - tSuite;
      const events: SuiteEvent[] = [];
      const pending: Promise<unknown>[] = [];
      wb.onConsole((text) => {
        const ev = parseEvent(text);
        if (!ev) return;
        events.push(ev);
        if (ev.event === 'checkpoint' && ev.name === 'paused-at-breakpoint') {
          // The suite waits for this file: photograph the workbench paused at the breakpoint first.
          pending.push(
            wb
              .screenshot(PAUSED_SHOT)
              .catch((e) => t.diagnostic(`screenshot failed: ${e}`))
              .finally(() => writeFileSync(join(signals, 'paused-at-breakpoint'), 'done')),
          );
        }
        if (ev.event === 'checkpoint' && ev.name && PANEL_CHECKPOINTS[ev.name]) {
          // A heap view is open: read its numbers from the webview's DOM, photograph it.
          const name = ev.name;
          const title = String(ev.title);
          pending.push(
            (async () => {
              try {
                const frame = await wb.webviewByTitle(title);
                const numbers = await wb.panelNumbers(frame);
                panelChecks.push({ checkpoint: name, title, numbers });
                await wb.screenshot(PANEL_CHECKPOINTS[name]);
              } catch (e) {
                panelChecks.push({ checkpoint: name, title, error: String(e) });
              } finally {
                writeFileSync(join(signals, name), 'done');
              }
            })(),
          );
        }
      });
      const code = await wb.waitForExit(120_000);
      await Promise.all(pending);
      timings.suiteMs = Date.now() - tSuite;

      const start = events.find((e) => e.event === 'start');
      const results = events.filter((e) => e.event === 'pass' || e.event === 'fail');
      const end = events.find((e) => e.event === 'end');
      for (const r of results)
        t.diagnostic(`${r.event}: ${r.name} (${r.ms} ms)${r.error ? `\n${r.error}` : ''}`);
      assert.ok(start, `the suite never started (see ${vsc.consoleLog})`);
      assert.deepEqual(
        results.filter((r) => r.event === 'fail').map((r) => `${r.name}: ${r.error}`),
        [],
        'extension-host tests failed',
      );
      assert.deepEqual(
        results.map((r) => r.name),
        EXPECTED_TESTS,
      );
      assert.deepEqual(
        { passed: end?.passed, failed: end?.failed },
        { passed: EXPECTED_TESTS.length, failed: 0 },
      );
      assert.equal(code, 0, 'codeAutomationExit code');
      for (const check of panelChecks)
        t.diagnostic(`panel ${check.checkpoint}: ${JSON.stringify(check)}`);
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

      // 2. The real UI: the command palette runs the extension's command, its log channel shows.
      const tUi = Date.now();
      const ui = await vsc.openWorkbench({
        folder: workspace,
        extensionDevelopmentPath: REPO_ROOT,
      });
      await ui.runCommand('Heap Inspector: Show Log');
      await ui.page
        .locator('.part.panel .view-lines', { hasText: 'activated (VS Code' })
        .first()
        .waitFor({ timeout: 20_000 });
      await ui.screenshot(SHOW_LOG_SHOT);
      timings.paletteCommandMs = Date.now() - tUi;
    } catch (e) {
      const shots = await vsc.screenshotOpenPages('extension-host-failure');
      t.diagnostic(
        `failure screenshots: ${shots.join(', ')}; logs: ${vsc.consoleLog}, ${vsc.serverLog}`,
      );
      throw e;
    } finally {
      await vsc.close();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(signals, { recursive: true, force: true });
    }
    timings.totalMs = Date.now() - t0;
    writeFileSync(
      join(OUTPUT_DIR, 'extension-host.timings.json'),
      `${JSON.stringify(timings, null, 2)}\n`,
    );
    t.diagnostic(`timings: ${JSON.stringify(timings)}`);

    // Nothing may outlive the run: no process still refers to the scratch folder.
    const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
    const strays = ps.split('\n').filter((l) => l.includes(vsc.scratch));
    assert.deepEqual(strays, [], 'processes left behind');
  },
);
