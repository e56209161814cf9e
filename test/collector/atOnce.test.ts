/**
 * "Freed at once" against reality. Each program in test/programs/collector/atonce/ keeps its memory in module
 * globals the way applications do: instances of classes defined in the module (so nearly every
 * object is in one reference cycle through the class, its methods and the module's globals),
 * caches, a tree with parent pointers below a global, objects a second global also holds. On
 * every installed CPython, with automatic collection off:
 *
 * - the CLI captures the heap at the line marked `# heap-inspector: capture`;
 * - plain `python` runs the same program and, at that line, `_measure.py` deletes each global
 *   named on the `# check:` line in a forked child and counts the collector-tracked objects that
 *   disappeared with no collection at all: what reference counting alone freed;
 * - that count equals the engine's `atOnce.tracked` for the global's object when the module's
 *   dict holds its only reference, else 0 (deleting one of several references frees nothing).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import { analyze, readSnapshotFile, type HeapSnapshot } from '../../server/engine/index';
import { releasedDuringCapture } from '../../server/engine/releasedDuringCapture';
import { retainedQueries } from '../../server/engine/retainedQueries';
import { installedInterpreters } from '../helpers/interpreters';
import { ROOT } from './scenarioRuns';

const PROGRAMS = join(__dirname, '..', 'programs', 'collector', 'atonce');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const MARK = '# heap-inspector: capture';
const ENV = { ...process.env, PYTHONHASHSEED: '0' };
const cache = mkdtempSync(join(tmpdir(), 'hi-atonce-cache-'));

interface Program {
  file: string;
  /** 1-based line of the capture mark, once `gc.disable()` is put first. */
  line: number;
  names: string[];
}

function programs(): Program[] {
  return readdirSync(PROGRAMS)
    .filter((name) => name.endsWith('.py') && !name.startsWith('_'))
    .sort()
    .map((file) => {
      const lines = readFileSync(join(PROGRAMS, file), 'utf8').split('\n');
      const check = lines.find((l) => l.startsWith('# check:')) ?? '';
      return {
        file,
        line: lines.findIndex((l) => l.includes(MARK)) + 2,
        names: check.slice('# check:'.length).trim().split(/\s+/).filter(Boolean),
      };
    });
}

/** A fresh copy of the folder with `gc.disable()` first in the program. */
function freshCopy(program: Program): string {
  const dir = mkdtempSync(join(tmpdir(), 'hi-atonce-'));
  cpSync(PROGRAMS, dir, { recursive: true });
  const path = join(dir, program.file);
  writeFileSync(path, 'import gc; gc.disable()\n' + readFileSync(path, 'utf8'));
  return dir;
}

function capture(python: string, program: Program): HeapSnapshot {
  const dir = freshCopy(program);
  try {
    const out = join(dir, 'heap.heapsnap');
    const r = spawnSync(
      process.execPath,
      [CLI, 'snapshot', '--python', python, '--at', `${program.file}:${program.line}`].concat([
        '--out',
        out,
        '--quiet',
        program.file,
      ]),
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...ENV, XDG_CACHE_HOME: cache },
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    assert.ok(existsSync(out), `no capture (status ${r.status}):\n${r.stderr.slice(-2000)}`);
    return readSnapshotFile(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain python, with the capture line preceded by the measurement. */
function measure(python: string, program: Program): Record<string, number> {
  const dir = freshCopy(program);
  try {
    const path = join(dir, program.file);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[program.line - 1] =
      `import _measure; _measure.measure(globals(), ${JSON.stringify(program.names)}); ` +
      lines[program.line - 1];
    writeFileSync(path, lines.join('\n'));
    const r = spawnSync(python, [program.file], { cwd: dir, encoding: 'utf8', env: ENV });
    assert.equal(r.status, 0, `plain python failed:\n${r.stderr.slice(-2000)}`);
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line, `no measurement in:\n${r.stdout}`);
    const measured = JSON.parse(line) as { baseline: number; freed: Record<string, number> };
    assert.equal(measured.baseline, 0, 'counting the objects changes nothing by itself');
    return measured.freed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The object a global of `__main__` names and how many references the module's dict holds. */
function globalNode(s: HeapSnapshot, name: string): { node: number; fromDict: number } {
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] !== RootKind.Module || s.strings[s.rootName[r]] !== '__main__') continue;
    const module = s.rootNode[r];
    for (let e = s.edgeStart[module]; e < s.edgeStart[module + 1]; e++) {
      if (s.edgeKind[e] !== EdgeKind.Slot || s.strings[s.edgeName[e]] !== '__dict__') continue;
      const dict = s.edgeTo[e];
      let node = -1;
      for (let k = s.edgeStart[dict]; k < s.edgeStart[dict + 1]; k++) {
        if (s.edgeKind[k] === EdgeKind.StrKey && s.strings[s.edgeName[k]] === name)
          node = s.edgeTo[k];
      }
      if (node < 0) break;
      let fromDict = 0;
      for (let k = s.edgeStart[dict]; k < s.edgeStart[dict + 1]; k++)
        if (s.edgeTo[k] === node) fromDict++;
      return { node, fromDict };
    }
  }
  throw new Error(`no global ${name} in __main__`);
}

const found = installedInterpreters();
const all = programs();

describe('freed at once: deleting a global with the collector off frees what the engine says', () => {
  it('has programs to run', () => {
    assert.ok(all.length >= 1 && all.every((p) => p.line > 1 && p.names.length > 0));
  });
  for (const { label, python } of found) {
    for (const program of all) {
      it(`CPython ${label}: ${program.file}`, (t) => {
        const snapshot = capture(python, program);
        const freed = measure(python, program);
        const q = retainedQueries(analyze(snapshot));
        const refcount = releasedDuringCapture(snapshot).refcount;
        const report: string[] = [];
        const wrong: string[] = [];
        let sole = 0;
        for (const name of program.names) {
          const { node, fromDict } = globalNode(snapshot, name);
          const only = fromDict === 1 && refcount[node] === 1;
          const engine = only ? q.objectRetained(node).atOnce.tracked : 0;
          if (only) sole++;
          report.push(`${name}: measured ${freed[name]}, engine ${engine}`);
          if (freed[name] !== engine)
            wrong.push(`${name} (measured ${freed[name]}, engine ${engine})`);
        }
        t.diagnostic(report.join(', '));
        assert.deepEqual(
          wrong,
          [],
          `del <global> freed other than the engine's atOnce.tracked: ${report.join(', ')}`,
        );
        assert.ok(sole >= 3, 'most checked globals are their object’s only reference');
      });
    }
  }
});

process.on('exit', () => rmSync(cache, { recursive: true, force: true }));
