/**
 * Interpreter discovery in a REAL VS Code extension host (code-server + Debian's chromium): runs
 * test/vscode/suite/interpreterDiscovery.itest.ts inside it twice, with stand-ins for the Python
 * Environments and Python extensions installed (the real ones cannot be installed here; see the
 * fixtures' comments):
 *   - "working": both answer; the order, the fall-through, the setting and PATH, the change
 *     event, Select Interpreter;
 *   - "failing": one does not activate, the other exports no API; log lines, then the setting.
 * The interpreters they name are real: CPython 3.9 and 3.12 from pyenv, and python3 on PATH.
 *
 *   node scripts/build.mjs && node --import tsx --test test/vscode/interpreterDiscovery.test.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CodeServer, ensureCodeServer, REPO_ROOT } from './codeServer';
import { buildSuite, ensureExtensionBuilt, SuiteEvents, vscodeSkip } from './hostSuite';

const STAND_INS = [
  'test/vscode/fixtures/python-envs-standin',
  'test/vscode/fixtures/python-extension-standin',
];
const RUNS: { run: string; env: Record<string, string>; expected: string[] }[] = [
  {
    run: 'working',
    env: {},
    expected: [
      'neither Python extension is activated before an interpreter is needed',
      "the Python Environments extension's environment for the file comes first",
      'an environment without its run details is resolved; a run command with arguments runs the interpreter it starts',
      "no environment selected, or a failing or broken one: a log line, then the Python extension's interpreter",
      'neither extension names one (or the Python extension fails): heapInspector.pythonPath, then PATH',
      "a change of the extension's selection is seen at once",
      "Select Interpreter opens the Python Environments extension's picker",
    ],
  },
  {
    run: 'failing',
    env: {
      HEAP_INSPECTOR_STANDIN_ENVS: 'activation-fails',
      HEAP_INSPECTOR_STANDIN_PYTHON_EXTENSION: 'no-api',
    },
    expected: [
      'an extension that does not activate and one that gives no API: log lines, then heapInspector.pythonPath',
    ],
  },
];

/** sys.executable and version of `command`, or undefined when it does not run. */
function interpreter(command: string): { executable: string; version: string } | undefined {
  const r = spawnSync(
    command,
    ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return undefined;
  const [executable, version] = r.stdout.trim().split('\n');
  return { executable, version };
}

const pyenv = (version: string) => join(homedir(), '.pyenv', 'versions', version, 'bin', 'python');
const OLD = interpreter(pyenv('3.9.18'));
const NEW = interpreter(pyenv('3.12.1'));
const PATH_PYTHON = interpreter('python3');

const skip =
  vscodeSkip() ||
  (!OLD || !NEW || !PATH_PYTHON
    ? 'needs pyenv CPython 3.9.18 and 3.12.1, and python3 on PATH'
    : false);

test(
  'interpreter discovery in a real VS Code: Python Environments, Python extension, setting, PATH',
  { timeout: 10 * 60_000, skip },
  async (t) => {
    const bin = ensureCodeServer();
    ensureExtensionBuilt();
    const suiteEntry = buildSuite(
      'test/vscode/suite/interpreterIndex.ts',
      'out/vscode-suite-interpreter',
    );
    const workspace = mkdtempSync(join(tmpdir(), 'hi-discovery-ws-'));
    writeFileSync(join(workspace, 'app.py'), 'print("hello")\n');
    try {
      for (const { run, env, expected } of RUNS) {
        const vsc = await CodeServer.start({
          codeServerBin: bin,
          label: `interpreter-discovery-${run}`,
          installExtensions: STAND_INS,
          env: {
            ...env,
            // The places under test, not the test harness's interpreter.
            HEAP_INSPECTOR_PYTHON: undefined,
            HEAP_INSPECTOR_DISCOVERY_RUN: run,
            HEAP_INSPECTOR_DISCOVERY_OLD: OLD!.executable,
            HEAP_INSPECTOR_DISCOVERY_OLD_VERSION: OLD!.version,
            HEAP_INSPECTOR_DISCOVERY_NEW: NEW!.executable,
            HEAP_INSPECTOR_DISCOVERY_NEW_VERSION: NEW!.version,
            HEAP_INSPECTOR_DISCOVERY_PATH: PATH_PYTHON!.executable,
            HEAP_INSPECTOR_DISCOVERY_PATH_VERSION: PATH_PYTHON!.version,
          },
        });
        try {
          const wb = await vsc.openWorkbench({
            folder: workspace,
            extensionDevelopmentPath: REPO_ROOT,
            extensionTestsPath: suiteEntry,
          });
          const suite = new SuiteEvents(wb);
          const code = await wb.waitForExit(180_000);
          suite.check(t, expected, code, run);
        } catch (e) {
          t.diagnostic(`logs: ${vsc.consoleLog}`);
          throw e;
        } finally {
          await vsc.close();
        }
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  },
);
