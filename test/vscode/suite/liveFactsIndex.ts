/**
 * Entry of the live-facts suite (liveFacts.itest.ts), run inside the extension host by
 * test/vscode/liveFacts.test.ts: the same one-line JSON events as index.ts
 * (`[heap-inspector-suite] {...}`), for the live-facts tests only.
 */
import { report, type ITest } from './support';
import { tests } from './liveFacts.itest';

function selected(): ITest[] {
  const grep = process.env.HEAP_INSPECTOR_SUITE_GREP;
  return grep ? tests.filter((t) => new RegExp(grep).test(t.name)) : tests;
}

async function runOne(t: ITest): Promise<void> {
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

export async function run(): Promise<void> {
  const list = selected();
  const t0 = Date.now();
  let failed = 0;
  report({ event: 'start', total: list.length, names: list.map((t) => t.name) });
  for (const t of list) {
    const start = Date.now();
    try {
      await runOne(t);
      report({ event: 'pass', name: t.name, ms: Date.now() - start });
    } catch (e) {
      failed++;
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      report({ event: 'fail', name: t.name, ms: Date.now() - start, error });
    }
  }
  report({ event: 'end', passed: list.length - failed, failed, ms: Date.now() - t0 });
  if (failed > 0) throw new Error(`${failed} of ${list.length} live-facts tests failed`);
}
