// @ts-check
// The extension-host test suite (test/vscode/suite) under @vscode/test-cli + @vscode/test-electron:
// desktop VS Code, downloaded from update.code.visualstudio.com. For machines that can reach it
// (a developer laptop, a CI runner with internet). The offline machines this project is built on
// cannot download VS Code: there the same suite runs in code-server instead, through
// test/vscode/extensionHost.test.ts (see docs/testing-in-vscode.md). Both run the same bundle,
// out/vscode-suite/index.js:
//   - code-server / @vscode/test-electron's runTests call its run() (extensionTestsPath);
//   - @vscode/test-cli loads it as a mocha test file, and it registers its tests with mocha.
//
// Run (neither package is a dependency; install them where VS Code can be downloaded):
//   npm install --no-save @vscode/test-cli @vscode/test-electron
//   node scripts/build.mjs && node test/vscode/buildSuite.mjs
//   npx vscode-test                     # Linux without a display: xvfb-run -a npx vscode-test
//
// Python: the debug test needs an interpreter that can `import debugpy`; set HEAP_INSPECTOR_PYTHON,
// or have python3 (or /usr/bin/python3) with debugpy installed. The Python Debugger extension is
// not needed: the test-only stand-in (test/vscode/fixtures/debugpy-standin) provides the `debugpy`
// debug type and is loaded as a second development extension. `--disable-extensions` keeps an
// installed ms-python.debugpy from registering the same debug type in the test instance.
//
// Programmatic equivalent with @vscode/test-electron alone:
//   await runTests({
//     version: '1.100.3',
//     extensionDevelopmentPath: [root, `${root}/test/vscode/fixtures/debugpy-standin`],
//     extensionTestsPath: `${root}/out/vscode-suite/index.js`,
//     launchArgs: [`${root}/test/vscode/fixtures/workspace`, '--disable-extensions'],
//     extensionTestsEnv: { HEAP_INSPECTOR_PYTHON: python },
//   });
import { defineConfig } from '@vscode/test-cli';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** $HEAP_INSPECTOR_PYTHON, else the first of python3, /usr/bin/python3 that can import debugpy. */
function debugpyPython() {
  if (process.env.HEAP_INSPECTOR_PYTHON) return process.env.HEAP_INSPECTOR_PYTHON;
  for (const python of ['python3', '/usr/bin/python3', 'python']) {
    const r = spawnSync(python, ['-c', 'import sys, debugpy; print(sys.executable)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return r.stdout.trim() || python;
  }
  return 'python3';
}

export default defineConfig({
  label: 'extension-host',
  files: 'out/vscode-suite/index.js',
  // The VS Code that code-server 4.100.3 (the offline harness) is built from; `engines.vscode` is
  // ^1.100.0. Use 'stable' to test against the newest release.
  version: '1.100.3',
  extensionDevelopmentPath: [root, join(root, 'test', 'vscode', 'fixtures', 'debugpy-standin')],
  workspaceFolder: join(root, 'test', 'vscode', 'fixtures', 'workspace'),
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome'],
  env: { HEAP_INSPECTOR_PYTHON: debugpyPython() },
  mocha: { ui: 'bdd', timeout: 90_000 },
});
