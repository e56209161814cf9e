/**
 * Helpers shared by the extension-host test files (*.itest.ts). Everything here runs inside the
 * extension host: console.log lines reach the workbench page's console, where the harness
 * (test/vscode/codeServer.ts) collects them.
 */

/** Prefix of every machine-readable line the suite prints; the rest of the line is JSON. */
export const REPORT_PREFIX = '[heap-inspector-suite]';

export interface ITest {
  name: string;
  fn: () => Promise<void> | void;
  /** Default 30 s. */
  timeoutMs?: number;
}

export type SuiteEvent =
  | { event: 'start'; total: number; names: string[] }
  | { event: 'pass'; name: string; ms: number }
  | { event: 'fail'; name: string; ms: number; error: string }
  | { event: 'end'; passed: number; failed: number; ms: number }
  | { event: 'checkpoint'; name: string; [key: string]: unknown };

export function report(e: SuiteEvent): void {
  console.log(`${REPORT_PREFIX} ${JSON.stringify(e)}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withTimeout<T>(p: Promise<T> | T, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A checkpoint the outside world may act on (the code-server harness takes a screenshot of the
 * workbench): reports it, then, when $HEAP_INSPECTOR_E2E_SIGNAL_DIR is set, waits up to `ms` for
 * the file <dir>/<name> that says the outside is done. Without the variable (e.g. under
 * @vscode/test-electron) it returns at once.
 */
export async function checkpoint(
  name: string,
  details: Record<string, unknown> = {},
  ms = 15_000,
): Promise<void> {
  report({ event: 'checkpoint', name, ...details });
  const dir = process.env.HEAP_INSPECTOR_E2E_SIGNAL_DIR;
  if (!dir) return;
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const file = join(dir, name);
  const deadline = Date.now() + ms;
  while (!existsSync(file) && Date.now() < deadline) await sleep(50);
}

/** The tests to run: all of `tests`, or those matching $HEAP_INSPECTOR_SUITE_GREP. */
export function selectTests(tests: ITest[]): ITest[] {
  const grep = process.env.HEAP_INSPECTOR_SUITE_GREP;
  return grep ? tests.filter((t) => new RegExp(grep).test(t.name)) : tests;
}

/** Runs one test with its timeout (default 30 s). */
export async function runOne(t: ITest): Promise<void> {
  const ms = t.timeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(t.fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the tests one after another, reporting one event line each (start, pass/fail, end);
 * rejects when any failed. `formatStack` rewrites a failure's stack (e.g. to .ts positions).
 */
export async function runTests(
  tests: ITest[],
  suiteName: string,
  formatStack: (stack: string) => string = (stack) => stack,
): Promise<void> {
  const t0 = Date.now();
  let failed = 0;
  report({ event: 'start', total: tests.length, names: tests.map((t) => t.name) });
  for (const t of tests) {
    const start = Date.now();
    try {
      await runOne(t);
      report({ event: 'pass', name: t.name, ms: Date.now() - start });
    } catch (e) {
      failed++;
      const error = e instanceof Error ? formatStack(e.stack ?? e.message) : String(e);
      report({ event: 'fail', name: t.name, ms: Date.now() - start, error });
    }
  }
  report({ event: 'end', passed: tests.length - failed, failed, ms: Date.now() - t0 });
  if (failed > 0) throw new Error(`${failed} of ${tests.length} ${suiteName} tests failed`);
}
