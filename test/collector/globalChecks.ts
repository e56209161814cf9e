/**
 * What the tests that delete module globals against reality share (atOnce.test.ts,
 * retained.test.ts): a folder of programs, each with a line marked `# heap-inspector: capture` and
 * a `# check:` line naming the globals to delete. For a program, the CLI captures the heap at the
 * mark, and plain `python` runs it again with the folder's `_measure.py` called just before the
 * mark (it forks, deletes each named global in a child and counts what disappeared).
 *
 * Every run starts from a fresh copy of the folder with PYTHONHASHSEED fixed, so that both runs
 * are the same program; the CLI compiles its runner into a private cache, removed at exit.
 */
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
import { basename, join } from 'node:path';
import type { Summary } from '../../protocol/summary';
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import { readSnapshotFile, type HeapSnapshot } from '../../server/engine/index';
import { ROOT } from './scenarioRuns';

const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const MARK = '# heap-inspector: capture';
const ENV = { ...process.env, PYTHONHASHSEED: '0' };
/** The fork helper every `_measure.py` imports; it lives beside the program folders. */
const FORKED_COUNTS = join(ROOT, 'test', 'programs', 'collector', '_forked_counts.py');

/** With the collector off, `gc.disable()` goes first in the program. */
export type Collector = 'on' | 'off';

export interface CheckedProgram {
  file: string;
  /** 1-based line of the capture mark, in the program as it is in the folder. */
  line: number;
  /** The globals named on the `# check:` line. */
  names: string[];
}

/**
 * A fresh copy of `folder` (no cached bytecode); with the collector off, `gc.disable()` goes first
 * in the program, which moves its lines down by one.
 */
export function freshCopy(
  folder: string,
  program: { file: string; line: number },
  collector: Collector,
): { dir: string; line: number } {
  const dir = mkdtempSync(join(tmpdir(), `hi-${basename(folder)}-`));
  cpSync(folder, dir, { recursive: true });
  if (collector === 'off') {
    const path = join(dir, program.file);
    writeFileSync(path, 'import gc; gc.disable()\n' + readFileSync(path, 'utf8'));
    return { dir, line: program.line + 1 };
  }
  return { dir, line: program.line };
}

/**
 * `python FILE` in `dir` with PYTHONHASHSEED fixed, as a user runs it; asserts that it succeeded
 * and returns its output.
 */
export function plainPython(
  python: string,
  dir: string,
  file: string,
  limits: { timeout: number; maxBuffer: number },
): { stdout: string; stderr: string } {
  const r = spawnSync(python, [file], { cwd: dir, encoding: 'utf8', env: ENV, ...limits });
  assert.equal(r.status, 0, `plain python failed:\n${r.stderr.slice(-2000)}`);
  return r;
}

/** The programs of one folder (its `_`-prefixed helpers left out) and the two ways to run them. */
export class CheckedPrograms {
  private readonly cache: string;

  constructor(readonly folder: string) {
    const cache = mkdtempSync(join(tmpdir(), `hi-${basename(folder)}-cache-`));
    this.cache = cache;
    process.on('exit', () => rmSync(cache, { recursive: true, force: true }));
  }

  list(): CheckedProgram[] {
    return readdirSync(this.folder)
      .filter((name) => name.endsWith('.py') && !name.startsWith('_'))
      .sort()
      .map((file) => {
        const lines = readFileSync(join(this.folder, file), 'utf8').split('\n');
        const check = lines.find((l) => l.startsWith('# check:')) ?? '';
        return {
          file,
          line: lines.findIndex((l) => l.includes(MARK)) + 1,
          names: check.slice('# check:'.length).trim().split(/\s+/).filter(Boolean),
        };
      });
  }

  /** The CLI's capture at the mark. */
  capture(python: string, program: CheckedProgram, collector: Collector): HeapSnapshot {
    return this.run(python, program, collector, false).snapshot;
  }

  /** The CLI's capture at the mark, with its summary JSON. */
  captureWithSummary(
    python: string,
    program: CheckedProgram,
    collector: Collector,
  ): { summary: Summary; snapshot: HeapSnapshot } {
    const { summary, snapshot } = this.run(python, program, collector, true);
    assert.ok(summary, 'a summary was asked for');
    return { summary, snapshot };
  }

  private run(
    python: string,
    program: CheckedProgram,
    collector: Collector,
    withSummary: boolean,
  ): { summary?: Summary; snapshot: HeapSnapshot } {
    const { dir, line } = freshCopy(this.folder, program, collector);
    try {
      const json = join(dir, 'summary.json');
      const out = join(dir, 'heap.heapsnap');
      const r = spawnSync(
        process.execPath,
        [CLI, 'snapshot', '--python', python, '--at', `${program.file}:${line}`].concat(
          withSummary ? ['--json', json] : [],
          ['--out', out, '--quiet', program.file],
        ),
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...ENV, XDG_CACHE_HOME: this.cache },
          timeout: 600_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      assert.ok(
        existsSync(out) && (!withSummary || existsSync(json)),
        `no capture (status ${r.status}):\n${r.stderr.slice(-2000)}`,
      );
      const snapshot = readSnapshotFile(out);
      if (!withSummary) return { snapshot };
      return { summary: JSON.parse(readFileSync(json, 'utf8')) as Summary, snapshot };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Plain python, with the capture line preceded by `_measure.measure(globals(), names)`: the one
   * JSON line it prints, parsed.
   */
  measure<T>(python: string, program: CheckedProgram, collector: Collector): T {
    const { dir, line } = freshCopy(this.folder, program, collector);
    try {
      cpSync(FORKED_COUNTS, join(dir, basename(FORKED_COUNTS)));
      const path = join(dir, program.file);
      const lines = readFileSync(path, 'utf8').split('\n');
      lines[line - 1] =
        `import _measure; _measure.measure(globals(), ${JSON.stringify(program.names)}); ` +
        lines[line - 1];
      writeFileSync(path, lines.join('\n'));
      const r = plainPython(python, dir, program.file, {
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const measured = r.stdout.split('\n').find((l) => l.startsWith('{'));
      assert.ok(measured, `no measurement in:\n${r.stdout}`);
      return JSON.parse(measured) as T;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The object a global of `__main__` names in the snapshot, and the module's dict holding it. */
export function globalNode(s: HeapSnapshot, name: string): { dict: number; node: number } {
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] !== RootKind.Module || s.strings[s.rootName[r]] !== '__main__') continue;
    const module = s.rootNode[r];
    for (let e = s.edgeStart[module]; e < s.edgeStart[module + 1]; e++) {
      if (s.edgeKind[e] !== EdgeKind.Slot || s.strings[s.edgeName[e]] !== '__dict__') continue;
      const dict = s.edgeTo[e];
      for (let k = s.edgeStart[dict]; k < s.edgeStart[dict + 1]; k++) {
        if (s.edgeKind[k] === EdgeKind.StrKey && s.strings[s.edgeName[k]] === name) {
          return { dict, node: s.edgeTo[k] };
        }
      }
    }
  }
  throw new Error(`no global ${name} in __main__`);
}
