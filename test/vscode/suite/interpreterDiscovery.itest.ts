/**
 * Interpreter discovery inside a real extension host (run by test/vscode/interpreterDiscovery.test.ts):
 * the Heap Inspector's InterpreterService asks the Python Environments extension, then the
 * Python extension, then heapInspector.pythonPath, then PATH, through real
 * `vscode.extensions.getExtension` and real activation. Neither Microsoft extension can be
 * installed here (no marketplace), so the two are stand-ins with the same identifiers
 * (test/vscode/fixtures/python-envs-standin, python-extension-standin) whose answers each test
 * chooses; the interpreters they name are real ones, probed for real.
 *
 * $HEAP_INSPECTOR_DISCOVERY_RUN picks the tests: "working" (both stand-ins answer), "failing"
 * (one does not activate, the other exports no API).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { InterpreterService } from '../../../extension/python/interpreter';
import { EXTENSION_ID } from './extension.itest';
import type { ITest } from './support';

const ENVIRONMENTS_ID = 'ms-python.vscode-python-envs';
const PYTHON_EXTENSION_ID = 'ms-python.python';

interface StandIn {
  calls: Record<string, unknown>[];
  answer(next: Record<string, unknown>): void;
  fireChange(): void;
}

/** Real interpreters (from the outer test): an older and a newer CPython, and PATH's python3. */
function python(name: 'OLD' | 'NEW' | 'PATH'): string {
  const value = process.env[`HEAP_INSPECTOR_DISCOVERY_${name}`];
  assert.ok(value, `$HEAP_INSPECTOR_DISCOVERY_${name} is not set`);
  return value;
}

function version(name: 'OLD' | 'NEW' | 'PATH'): number[] {
  return (process.env[`HEAP_INSPECTOR_DISCOVERY_${name}_VERSION`] ?? '').split('.').map(Number);
}

/** A stand-in's control object, activating it (as the Heap Inspector would) if needed. */
async function standIn(id: string): Promise<StandIn> {
  const extension = vscode.extensions.getExtension<{ standin: StandIn }>(id);
  assert.ok(extension, `${id} (stand-in) is not installed`);
  const exports = extension.isActive ? extension.exports : await extension.activate();
  return exports.standin;
}

function isActive(id: string): boolean | undefined {
  return vscode.extensions.getExtension(id)?.isActive;
}

/** An InterpreterService whose log lines the test reads. */
function service(): { interpreters: InterpreterService; lines: string[] } {
  const lines: string[] = [];
  const interpreters = new InterpreterService({
    debug: (message: string) => lines.push(`debug: ${message}`),
    info: (message: string) => lines.push(`info: ${message}`),
    warn: (message: string) => lines.push(`warn: ${message}`),
  });
  return { interpreters, lines };
}

function programUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return vscode.Uri.joinPath(folder.uri, 'app.py');
}

async function setPythonPath(value: string | undefined): Promise<void> {
  await vscode.workspace
    .getConfiguration('heapInspector')
    .update('pythonPath', value, vscode.ConfigurationTarget.Global);
}

const working: ITest[] = [
  {
    name: 'neither Python extension is activated before an interpreter is needed',
    fn: async () => {
      await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
      assert.equal(isActive(EXTENSION_ID), true);
      assert.equal(isActive(ENVIRONMENTS_ID), false, 'Python Environments stand-in');
      assert.equal(isActive(PYTHON_EXTENSION_ID), false, 'Python extension stand-in');
    },
  },
  {
    name: "the Python Environments extension's environment for the file comes first",
    fn: async () => {
      const environments = await standIn(ENVIRONMENTS_ID);
      environments.answer({ environment: { executable: python('NEW'), args: [] } });
      const { interpreters, lines } = service();
      try {
        const chosen = await interpreters.resolve(programUri());
        assert.equal(chosen.source, 'python-environments');
        assert.deepEqual(chosen.version, version('NEW'));
        assert.deepEqual(environments.calls.at(-1), {
          method: 'getEnvironment',
          scope: programUri().toString(),
        });
        assert.equal(isActive(PYTHON_EXTENSION_ID), false, 'the Python extension was not needed');
        assert.deepEqual(
          lines.filter((line) => line.startsWith('warn')),
          [],
        );
      } finally {
        interpreters.dispose();
      }
    },
  },
  {
    name: 'an environment without its run details is resolved; a run command with arguments runs the interpreter it starts',
    fn: async () => {
      const environments = await standIn(ENVIRONMENTS_ID);
      const { interpreters } = service();
      try {
        environments.answer({
          environment: { executable: python('NEW'), args: [], needsResolve: true },
        });
        const resolved = await interpreters.resolve(programUri());
        assert.deepEqual(resolved.version, version('NEW'));
        assert.equal(environments.calls.at(-1)?.method, 'resolveEnvironment');
        // `/usr/bin/env PYTHON`: the command is probed whole; what runs is the interpreter it started.
        environments.answer({ environment: { executable: '/usr/bin/env', args: [python('OLD')] } });
        const wrapped = await interpreters.resolve(programUri());
        assert.deepEqual(wrapped.version, version('OLD'));
        assert.notEqual(wrapped.executable, '/usr/bin/env');
      } finally {
        interpreters.dispose();
      }
    },
  },
  {
    name: "no environment selected, or a failing or broken one: a log line, then the Python extension's interpreter",
    fn: async () => {
      const environments = await standIn(ENVIRONMENTS_ID);
      const { interpreters, lines } = service();
      try {
        const pythonExtension = await standIn(PYTHON_EXTENSION_ID);
        pythonExtension.answer({ path: python('OLD') });
        for (const [answer, warning] of [
          [{ none: true }, undefined],
          [
            { throws: 'getEnvironment exploded' },
            /none \(getEnvironment exploded\); trying the next place/,
          ],
          [
            { broken: 'its interpreter is gone' },
            /is broken \(its interpreter is gone\); trying the next place/,
          ],
        ] as const) {
          environments.answer(answer);
          lines.length = 0;
          const chosen = await interpreters.resolve(programUri());
          assert.equal(chosen.source, 'python-extension', JSON.stringify(answer));
          assert.deepEqual(chosen.version, version('OLD'));
          const warnings = lines.filter((line) => line.startsWith('warn'));
          if (warning)
            assert.ok(
              warnings.some((line) => warning.test(line)),
              warnings.join('\n'),
            );
          else assert.deepEqual(warnings, []);
        }
      } finally {
        interpreters.dispose();
      }
    },
  },
  {
    name: 'neither extension names one (or the Python extension fails): heapInspector.pythonPath, then PATH',
    fn: async () => {
      const environments = await standIn(ENVIRONMENTS_ID);
      const pythonExtension = await standIn(PYTHON_EXTENSION_ID);
      environments.answer({ none: true });
      pythonExtension.answer({ path: '' });
      const { interpreters, lines } = service();
      try {
        await setPythonPath(python('OLD'));
        const fromSetting = await interpreters.resolve(programUri());
        assert.equal(fromSetting.source, 'setting');
        assert.deepEqual(fromSetting.version, version('OLD'));
        pythonExtension.answer({ path: python('NEW'), throws: 'resolveEnvironment rejected' });
        const stillSetting = await interpreters.resolve(programUri());
        assert.equal(stillSetting.source, 'setting');
        assert.ok(
          lines.some((line) => /resolveEnvironment rejected/.test(line)),
          lines.join('\n'),
        );
        await setPythonPath(undefined);
        pythonExtension.answer({ path: '' });
        const fromPath = await interpreters.resolve(programUri());
        assert.equal(fromPath.source, 'path');
        assert.deepEqual(fromPath.version, version('PATH'));
        assert.equal(fromPath.executable, python('PATH'));
      } finally {
        await setPythonPath(undefined);
        interpreters.dispose();
      }
    },
  },
  {
    name: "a change of the extension's selection is seen at once",
    fn: async () => {
      const environments = await standIn(ENVIRONMENTS_ID);
      const links = mkdtempSync(join(tmpdir(), 'hi-discovery-'));
      const { interpreters } = service();
      try {
        // One path, two interpreters over time (an environment re-created in place).
        const link = join(links, 'python');
        symlinkSync(python('OLD'), link);
        environments.answer({ environment: { executable: link, args: [] } });
        assert.deepEqual((await interpreters.resolve(programUri())).version, version('OLD'));
        rmSync(link);
        symlinkSync(python('NEW'), link);
        // Probed once per command until told otherwise…
        assert.deepEqual((await interpreters.resolve(programUri())).version, version('OLD'));
        // …and the extension's change event tells.
        environments.fireChange();
        assert.deepEqual((await interpreters.resolve(programUri())).version, version('NEW'));
      } finally {
        interpreters.dispose();
        rmSync(links, { recursive: true, force: true });
      }
    },
  },
  {
    name: "Select Interpreter opens the Python Environments extension's picker",
    fn: async () => {
      const environments = await standIn(ENVIRONMENTS_ID);
      const before = environments.calls.filter((c) => c.method === 'python-envs.set').length;
      await vscode.commands.executeCommand('heapInspector.selectInterpreter');
      const after = environments.calls.filter((c) => c.method === 'python-envs.set').length;
      assert.equal(after, before + 1);
    },
  },
];

const failing: ITest[] = [
  {
    name: 'an extension that does not activate and one that gives no API: log lines, then heapInspector.pythonPath',
    fn: async () => {
      const { interpreters, lines } = service();
      try {
        await setPythonPath(python('OLD'));
        const chosen = await interpreters.resolve(programUri());
        assert.equal(chosen.source, 'setting');
        assert.deepEqual(chosen.version, version('OLD'));
        const notes = lines.filter((line) => !line.startsWith('debug'));
        assert.ok(
          notes.some((line) =>
            line.startsWith(
              `warn: the Python Environments extension (${ENVIRONMENTS_ID}) is installed but did not activate: `,
            ),
          ),
          notes.join('\n'),
        );
        assert.ok(
          notes.includes(
            `info: the Python extension (${PYTHON_EXTENSION_ID}) is installed but gives no API (turned off?)`,
          ),
          notes.join('\n'),
        );
        // Asked again: the outcome is kept, not logged twice.
        await interpreters.resolve(programUri());
        assert.equal(lines.filter((line) => !line.startsWith('debug')).length, notes.length);
      } finally {
        await setPythonPath(undefined);
        interpreters.dispose();
      }
    },
  },
];

export const tests: ITest[] =
  process.env.HEAP_INSPECTOR_DISCOVERY_RUN === 'failing' ? failing : working;
