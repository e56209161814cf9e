/**
 * Automatic collection left on, as in real programs: for each program in programs/gc_enabled/ on
 * every installed CPython, what the collector finds at the capture line under plain `python`
 * (the program's own `gc.collect()` there, with DEBUG_COLLECTABLE) must equal the CLI's
 * prediction at that line. The runner must have reproduced python's automatic collections up to
 * the line; where it could not, the summary must say so (and then the two may differ).
 * Each run starts from a fresh copy of the folder (no cached bytecode), with PYTHONHASHSEED fixed
 * so that both runs are the same program.
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
import type { Summary } from '../../protocol/summary';
import { byShortName, ROOT } from './scenarioRuns';
import { installedInterpreters, type Interpreter } from '../helpers/interpreters';

const PROGRAMS = join(__dirname, 'programs', 'gc_enabled');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const MARK = '# heap-inspector: capture';
/** A first `import gc` makes about this many objects (more on some versions): a program that
 * imports gc only at the capture line is checked only when that cannot trigger a collection. */
const IMPORT_MARGIN = 120;

const interpreters = (): Interpreter[] => installedInterpreters();

interface Program {
  file: string;
  line: number;
  /** The program imports gc before the capture line (so the line's own import allocates nothing). */
  importsGc: boolean;
}

function programs(): Program[] {
  return readdirSync(PROGRAMS)
    .filter((name) => name.endsWith('.py'))
    .map((file) => {
      const lines = readFileSync(join(PROGRAMS, file), 'utf8').split('\n');
      const index = lines.findIndex((text) => text.includes(MARK));
      return {
        file,
        line: index + 1,
        importsGc: lines.slice(0, Math.max(index, 0)).some((text) => /^import gc\b/.test(text)),
      };
    })
    .filter((program) => program.line > 0);
}

/** A fresh copy of the programs' folder; with the collector off, `gc.disable()` goes first. */
function freshCopy(program: Program, collector: 'on' | 'off'): { dir: string; line: number } {
  const dir = mkdtempSync(join(tmpdir(), 'hi-gc-enabled-'));
  cpSync(PROGRAMS, dir, { recursive: true });
  if (collector === 'off') {
    const path = join(dir, program.file);
    writeFileSync(path, 'import gc; gc.disable()\n' + readFileSync(path, 'utf8'));
    return { dir, line: program.line + 1 };
  }
  return { dir, line: program.line };
}

const ENV = { ...process.env, PYTHONHASHSEED: '0' };

function plainCollected(
  python: string,
  program: Program,
  collector: 'on' | 'off',
): Record<string, number> {
  const { dir } = freshCopy(program, collector);
  try {
    const r = spawnSync(python, [program.file], {
      cwd: dir,
      encoding: 'utf8',
      env: ENV,
      timeout: 300_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    assert.equal(r.status, 0, `plain python failed:\n${r.stderr.slice(-2000)}`);
    const collected: Record<string, number> = {};
    for (const match of r.stderr.matchAll(/gc: collectable <(\S+) 0x[0-9a-f]+>/g)) {
      const short = match[1].split('.').pop()!;
      collected[short] = (collected[short] ?? 0) + 1;
    }
    return collected;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cliSummary(python: string, program: Program, collector: 'on' | 'off'): Summary {
  const { dir, line } = freshCopy(program, collector);
  try {
    const out = join(dir, 'summary.json');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'snapshot',
        '--python',
        python,
        '--at',
        `${program.file}:${line}`,
        '--json',
        out,
        '--quiet',
        program.file,
      ],
      { cwd: dir, encoding: 'utf8', env: ENV, timeout: 300_000, maxBuffer: 256 * 1024 * 1024 },
    );
    assert.ok(
      existsSync(out),
      `no summary from the CLI (status ${r.status}):\n${cliLines(r.stderr)}`,
    );
    return JSON.parse(readFileSync(out, 'utf8')) as Summary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const found = interpreters();
const all = programs();

describe(
  'automatic collection: the prediction equals plain python at the line',
  { skip: found.length === 0 },
  () => {
    it('has programs to run', () => {
      assert.ok(all.length >= 8, `only ${all.length} programs in ${PROGRAMS}`);
    });
    for (const { label, python } of found) {
      for (const program of all) {
        for (const collector of ['on', 'off'] as const) {
          it(`CPython ${label}: ${program.file}, automatic collection ${collector}`, (t) => {
            const summary = cliSummary(python, program, collector);
            const schedule = summary.gc.schedule;
            assert.ok(schedule, 'the runner says whether the schedule was exact');
            if (!program.importsGc && collector === 'on') {
              const room = (summary.gc.thresholds[0] ?? 0) - (summary.gc.counts[0] ?? 0);
              if (room < IMPORT_MARGIN) {
                t.skip(
                  `the line's own "import gc" could trigger a collection here (${room} allocations left)`,
                );
                return;
              }
            }
            const plain = plainCollected(python, program, collector);
            const predicted = byShortName(summary.unreachable.byType);
            if (schedule.exact || collector === 'off') {
              assert.deepEqual(predicted, plain, 'what the collector finds at the line, by type');
              return;
            }
            // Not exact: then the summary and the view must say so, and why.
            assert.ok(schedule.reasons.length > 0);
            assert.ok(
              summary.warnings.some((w) => w.startsWith('Automatic collections may not have come')),
              `no schedule warning in ${JSON.stringify(summary.warnings)}`,
            );
            const total = (counts: Record<string, number>) =>
              Object.values(counts).reduce((a, b) => a + b, 0);
            t.diagnostic(
              `not exact (${schedule.reasons.join('; ')}): plain ${total(plain)}, predicted ${total(predicted)}`,
            );
          });
        }
      }
    }
  },
);

/** The CLI's own lines (the program's output, here the collector's, can be long). */
function cliLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('heap-inspector:'))
    .join('\n');
}
