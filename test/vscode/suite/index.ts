/**
 * The extension test suite, run INSIDE a real VS Code extension host:
 *   - by the code-server harness (test/vscode/extensionHost.test.ts), which passes this bundle as
 *     `extensionTestsPath`: VS Code calls run() and reports its outcome to codeAutomationExit;
 *   - by @vscode/test-electron's runTests (same run() contract);
 *   - by @vscode/test-cli (.vscode-test.mjs), which loads this bundle under mocha: then the tests
 *     are registered with mocha's describe/it (or suite/test) instead.
 * Built by test/vscode/buildSuite.mjs into out/vscode-suite/index.js (mocha is not a dependency:
 * the runner below is a dozen lines).
 *
 * Output: one line per event, `[heap-inspector-suite] {json}` (see support.ts), e.g.
 *   [heap-inspector-suite] {"event":"pass","name":"extension activates","ms":12}
 * Set HEAP_INSPECTOR_SUITE_GREP to a regular expression to run a subset.
 */
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runOne, runTests, selectTests, type ITest } from './support';
import { tests as extensionTests } from './extension.itest';
import { tests as debugTests } from './debugSession.itest';
import { contributionTests } from './contributions.itest';
import { faultTests, tests as inspectTests } from './inspect.itest';
import { tests as stepperTests } from './stepper.itest';

const all: ITest[] = [
  ...extensionTests,
  ...contributionTests,
  ...debugTests,
  ...inspectTests,
  ...faultTests,
  ...stepperTests,
];

/**
 * Rewrites bundle positions in a stack to .ts positions. The extension host replaces Node's stack
 * formatting, so source maps do not apply by themselves; the entry (out/vscode-suite/index.js)
 * enables them before loading the bundle, which makes findSourceMap() work.
 */
function mapStack(stack: string): string {
  return stack.replace(
    /([^\s()]+\.js):(\d+):(\d+)/g,
    (whole, file: string, line: string, col: string) => {
      try {
        const entry = findSourceMap(file)?.findEntry(Number(line) - 1, Number(col) - 1);
        if (!entry || !('originalSource' in entry)) return whole;
        const src = entry.originalSource.startsWith('file:')
          ? fileURLToPath(entry.originalSource)
          : entry.originalSource;
        return `${src}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      } catch {
        return whole;
      }
    },
  );
}

/** Entry point called by VS Code (extensionTestsPath). Rejects when any test fails. */
export async function run(): Promise<void> {
  await runTests(selectTests(all), 'extension-host', mapStack);
}

// Under mocha (@vscode/test-cli loads this file as a test file), register the same tests.
type MochaFn = (name: string, fn: () => unknown) => { timeout?(ms: number): unknown } | void;
const g = globalThis as unknown as Record<string, MochaFn | undefined>;
const group = g.describe ?? g.suite;
const test = g.it ?? g.test;
if (typeof group === 'function' && typeof test === 'function') {
  group('Python Heap Inspector (extension host)', () => {
    for (const t of selectTests(all)) {
      const registered = test(t.name, () => runOne(t));
      registered?.timeout?.((t.timeoutMs ?? 30_000) + 5_000);
    }
  });
}
