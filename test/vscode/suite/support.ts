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
