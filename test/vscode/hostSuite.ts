/**
 * What the node:test files that run an extension-host suite share (extensionHost.test.ts,
 * liveFacts.test.ts, growth.test.ts, export.test.ts, interpreterDiscovery.test.ts): building the
 * suite bundle, skipping where the code-server harness cannot run, starting code-server with the
 * suite's workbench (runHostSuite), reading the suite's one-line JSON events from the workbench's
 * console, answering its checkpoints (the suite waits for a signal file the answer writes), and
 * checking that every expected test ran and passed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CodeServer, REPO_ROOT, type CodeServerOptions, type Workbench } from './codeServer';
import { REPORT_PREFIX, type SuiteEvent } from './suite/support';

export type { SuiteEvent };
export type CheckpointEvent = Extract<SuiteEvent, { event: 'checkpoint' }>;

/** Why the code-server tests are skipped here, or false when they run. */
export function vscodeSkip(): string | false {
  if (process.env.HEAP_INSPECTOR_SKIP_VSCODE === '1') return 'HEAP_INSPECTOR_SKIP_VSCODE=1';
  if (process.platform !== 'linux') {
    return 'the code-server harness is set up for Linux; elsewhere use .vscode-test.mjs';
  }
  return false;
}

/** The JSON event in a console line printed by the suite's report(), if any. */
export function parseSuiteEvent(text: string): SuiteEvent | undefined {
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

/** Runs `node ARGS…` in the repository; its last line of output. */
function node(...args: string[]): string {
  const r = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  assert.equal(r.status, 0, `node ${args.join(' ')} failed`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

/**
 * Bundles a suite entry (test/vscode/buildSuite.mjs, in a child process: this file may run as
 * CommonJS) and returns the path to give as `extensionTestsPath`. The extension is built first
 * when missing: the suite's workbench loads its development copy.
 */
export function buildSuite(entry = 'test/vscode/suite/index.ts', outDir = 'out/vscode-suite') {
  ensureExtensionBuilt();
  return node('test/vscode/buildSuite.mjs', entry, outDir);
}

/** dist/extension.js, built if missing (the suite's workbench loads the development copy). */
export function ensureExtensionBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) node('scripts/build.mjs');
}

/**
 * The events a workbench's suite reports, as they come. A checkpoint with a handler gets it run;
 * when the handler is done (or failed), the signal file the suite waits for is written.
 */
export class SuiteEvents {
  readonly events: SuiteEvent[] = [];
  private readonly pending: Promise<unknown>[] = [];
  private readonly handlers = new Map<string, (event: CheckpointEvent) => Promise<unknown>>();

  constructor(
    wb: Workbench,
    /** $HEAP_INSPECTOR_E2E_SIGNAL_DIR of the workbench's extension host. */
    private readonly signals?: string,
  ) {
    wb.onConsole((text) => {
      const event = parseSuiteEvent(text);
      if (!event) return;
      this.events.push(event);
      if (event.event !== 'checkpoint') return;
      const handler = this.handlers.get(event.name);
      if (!handler) return;
      this.pending.push(
        handler(event).finally(() => {
          if (this.signals) writeFileSync(join(this.signals, event.name), 'done');
        }),
      );
    });
  }

  /** Runs `handler` at the suite's checkpoint `name` (see suite/support.ts `checkpoint`). */
  onCheckpoint(name: string, handler: (event: CheckpointEvent) => Promise<unknown>): void {
    this.handlers.set(name, handler);
  }

  /** Waits for every checkpoint handler started so far. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  /**
   * Says each result, then asserts: the suite started, no test failed, exactly `expected` ran
   * (in order) and the suite counted them so, and the workbench's exit code is 0.
   */
  check(t: TestContext, expected: string[], exitCode: number, label = 'extension host'): void {
    const results = this.events.filter((e) => e.event === 'pass' || e.event === 'fail');
    for (const r of results) {
      t.diagnostic(
        `${label}: ${r.event}: ${r.name} (${r.ms} ms)${r.event === 'fail' ? `\n${r.error}` : ''}`,
      );
    }
    assert.ok(
      this.events.some((e) => e.event === 'start'),
      `${label}: the suite never started`,
    );
    assert.deepEqual(
      results.flatMap((r) => (r.event === 'fail' ? [`${r.name}: ${r.error}`] : [])),
      [],
      `${label}: tests failed in the extension host`,
    );
    assert.deepEqual(
      results.map((r) => r.name),
      expected,
      `${label}: the tests that ran`,
    );
    const end = this.events.find((e) => e.event === 'end');
    assert.deepEqual(
      end?.event === 'end' ? { passed: end.passed, failed: end.failed } : undefined,
      { passed: expected.length, failed: 0 },
      `${label}: the suite's own count`,
    );
    assert.equal(exitCode, 0, `${label}: codeAutomationExit code`);
  }
}

/**
 * The scratch folders of a suite run: the workspace `<prefix>-ws-…`, with `fixture` (a folder of
 * test/vscode/fixtures) copied in, and the signal folder `<prefix>-sig-…`.
 */
export function hostSuiteFolders(
  prefix: string,
  fixture?: string,
): { workspace: string; signals: string } {
  const workspace = mkdtempSync(join(tmpdir(), `${prefix}-ws-`));
  const signals = mkdtempSync(join(tmpdir(), `${prefix}-sig-`));
  if (fixture) {
    cpSync(join(REPO_ROOT, 'test', 'vscode', 'fixtures', fixture), workspace, { recursive: true });
  }
  return { workspace, signals };
}

export interface HostSuiteOptions extends CodeServerOptions {
  /** Names the run's logs and screenshots; failure screenshots are `<label>-failure-N.png`. */
  label: string;
  /** The suite's bundle (buildSuite), given to the workbench as `extensionTestsPath`. */
  suiteEntry: string;
  /** The folder the workbench opens (see hostSuiteFolders). */
  workspace: string;
  /** $HEAP_INSPECTOR_E2E_SIGNAL_DIR of the extension host, where checkpoint answers go. */
  signals: string;
  /** More folders to remove once the run is over. */
  alsoRemove?: string[];
}

/** What a suite run's body works with. */
export interface HostSuiteRun {
  vsc: CodeServer;
  /** The workbench running the suite, with the development copy of the extension. */
  wb: Workbench;
  suite: SuiteEvents;
  /** How long starting code-server and chromium took, and opening the workbench (ms). */
  startMs: number;
  workbenchMs: number;
  /** Date.now() when the workbench began to open. */
  openedAt: number;
}

/**
 * Starts code-server and chromium, opens the workbench on `workspace` with the suite, and runs
 * `body`. When anything fails, every open page is photographed and the logs are named; whatever
 * happens, code-server closes and the folders are removed. Returns the closed CodeServer (its
 * `scratch` names the folder no process may still use).
 */
export async function runHostSuite(
  t: TestContext,
  options: HostSuiteOptions,
  body: (run: HostSuiteRun) => Promise<void>,
): Promise<CodeServer> {
  const { suiteEntry, workspace, signals, alsoRemove = [], ...start } = options;
  let vsc: CodeServer | undefined;
  try {
    const startedAt = Date.now();
    vsc = await CodeServer.start({
      ...start,
      env: { HEAP_INSPECTOR_E2E_SIGNAL_DIR: signals, ...start.env },
    });
    const startMs = Date.now() - startedAt;
    try {
      const openedAt = Date.now();
      const wb = await vsc.openWorkbench({
        folder: workspace,
        extensionDevelopmentPath: REPO_ROOT,
        extensionTestsPath: suiteEntry,
      });
      const workbenchMs = Date.now() - openedAt;
      await body({ vsc, wb, suite: new SuiteEvents(wb, signals), startMs, workbenchMs, openedAt });
    } catch (e) {
      const shots = await vsc.screenshotOpenPages(`${options.label}-failure`);
      t.diagnostic(
        `failure screenshots: ${shots.join(', ')}; logs: ${vsc.consoleLog}, ${vsc.serverLog}`,
      );
      throw e;
    }
    return vsc;
  } finally {
    await vsc?.close();
    for (const dir of [workspace, signals, ...alsoRemove]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
