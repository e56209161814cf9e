/**
 * A real, large heap: every importable standard-library module loaded (the list is built at test
 * time from the interpreter itself), then the collector at the line. Under plain python and under
 * the CLI the collector must find the same objects, type by type, on every installed CPython —
 * the runner's process must hold nothing plain python does not (frames, functions, tuples of its
 * own). Run with the collector disabled before the imports (what the collector finds is then
 * exactly what the imports left) and with it on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../protocol/summary';
import { byShortName, ROOT } from './scenarioRuns';
import { installedInterpreters, type Interpreter } from '../helpers/interpreters';

const CLI = join(ROOT, 'bin', 'heap-inspector.js');

/** Modules whose import does something (opens a browser or a window, prints, starts a REPL or a
 * test run, needs Windows) rather than just define things. */
const SIDE_EFFECTS = [
  'antigravity',
  'this',
  'tkinter',
  'turtle',
  'turtledemo',
  'idlelib',
  'lib2to3',
  'test',
  'ensurepip',
  'venv',
  'pydoc_data',
  '__main__',
  '__hello__',
  '__phello__',
  '__phello_alias__',
  '_tkinter',
  'msilib',
  'winreg',
  'winsound',
  'nt',
  'msvcrt',
];

/** Lists the importable standard-library modules, packages' submodules included, by importing
 * each in a throw-away process (a module that fails or prints is left out). */
const LIST_MODULES = `
import os, pkgutil, subprocess, sys, sysconfig
skip = set(sys.argv[1].split(","))
stdlib = sysconfig.get_paths()["stdlib"]
names = set(sys.builtin_module_names)
for info in pkgutil.iter_modules([stdlib, os.path.join(stdlib, "lib-dynload")]):
    names.add(info.name)
    if info.ispkg and info.name not in skip:
        for sub in pkgutil.walk_packages([os.path.join(stdlib, info.name)], info.name + ".", onerror=lambda n: None):
            names.add(sub.name)
def wanted(name):
    parts = name.split(".")
    return (parts[0] not in skip and not parts[0].startswith(("_test", "xx"))
            and not any(p in ("test", "tests", "idle_test", "__main__") for p in parts[1:]))
ok = []
for name in sorted(filter(wanted, names)):
    r = subprocess.run([sys.executable, "-c", "import " + name], capture_output=True, timeout=60)
    if r.returncode == 0 and not r.stdout and not r.stderr:
        ok.append(name)
print("\\n".join(ok))
`;

const interpreters = (): Interpreter[] => installedInterpreters();

const ENV = { ...process.env, PYTHONHASHSEED: '0' };
const RUN = { encoding: 'utf8' as const, env: ENV, timeout: 600_000, maxBuffer: 256 * 1024 * 1024 };

function program(modules: string[], collector: 'on' | 'off'): { source: string; line: number } {
  const lines = [
    'import gc',
    collector === 'off' ? 'gc.disable()' : 'pass',
    ...modules.map((name) => `import ${name}`),
    'gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture',
  ];
  return { source: lines.join('\n') + '\n', line: lines.length };
}

function collectedByPlain(python: string, dir: string): Record<string, number> {
  const r = spawnSync(python, ['stdlib_heap.py'], { ...RUN, cwd: dir });
  assert.equal(r.status, 0, `plain python failed:\n${r.stderr.slice(-2000)}`);
  const collected: Record<string, number> = {};
  for (const match of r.stderr.matchAll(/gc: collectable <(\S+) 0x[0-9a-f]+>/g)) {
    const short = match[1].split('.').pop()!;
    collected[short] = (collected[short] ?? 0) + 1;
  }
  return collected;
}

function predicted(python: string, dir: string, line: number): Summary {
  const out = join(dir, 'summary.json');
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'snapshot',
      '--python',
      python,
      '--at',
      `stdlib_heap.py:${line}`,
      '--json',
      out,
      '--quiet',
      'stdlib_heap.py',
    ],
    { ...RUN, cwd: dir },
  );
  assert.ok(
    existsSync(out),
    `no summary from the CLI (status ${r.status}):\n${cliLines(r.stderr)}`,
  );
  return JSON.parse(readFileSync(out, 'utf8')) as Summary;
}

describe('every importable standard-library module: the prediction equals plain python', () => {
  for (const { label, python } of interpreters()) {
    it(`CPython ${label}`, (t) => {
      const listing = spawnSync(python, ['-c', LIST_MODULES, SIDE_EFFECTS.join(',')], RUN);
      assert.equal(listing.status, 0, listing.stderr);
      const modules = listing.stdout.split('\n').filter(Boolean);
      assert.ok(modules.length > 150, `only ${modules.length} importable modules`);
      for (const collector of ['off', 'on'] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'hi-stdlib-'));
        try {
          const { source, line } = program(modules, collector);
          writeFileSync(join(dir, 'stdlib_heap.py'), source);
          const plain = collectedByPlain(python, dir);
          const summary = predicted(python, dir, line);
          const total = Object.values(plain).reduce((a, b) => a + b, 0);
          t.diagnostic(
            `${modules.length} modules, collector ${collector}: plain python collects ${total}`,
          );
          if (collector === 'on' && summary.gc.schedule && !summary.gc.schedule.exact) {
            t.diagnostic(`schedule not exact here: ${summary.gc.schedule.reasons.join('; ')}`);
            continue;
          }
          assert.deepEqual(
            byShortName(summary.unreachable.byType),
            plain,
            `collector ${collector}`,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  }
});

/** The CLI's own lines (the program's output, here the collector's, can be long). */
function cliLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('heap-inspector:'))
    .join('\n');
}
