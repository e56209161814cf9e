/**
 * The live-facts fixture (test/vscode/fixtures/live-workspace/leak_demo.py) captured by the real
 * agent's runner at its `# PAUSE HERE` line, in a private copy: what the live-facts tests ask
 * the language server about. With `tracemalloc`, objects carry the line that allocated them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../../scripts/python.mjs';
import { REPO_ROOT } from './lspClient';

const FIXTURE = join(REPO_ROOT, 'test', 'vscode', 'fixtures', 'live-workspace', 'leak_demo.py');
const RUNNER = join(REPO_ROOT, 'agent', 'heap_inspector_run.py');

export interface LiveFixture {
  dir: string;
  /** The copy of leak_demo.py that ran. */
  program: string;
  text: string;
  /** Captured with tracemalloc on. */
  snapshot: string;
  /** The same line captured with tracemalloc off. */
  snapshotWithoutAllocations: string;
  dispose(): void;
}

export function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `no "${marker}" line`);
  return i; // 0-based
}

/** 0-based position inside the `n`th occurrence of `word` on `line`. */
export function at(
  text: string,
  line: number,
  word: string,
  n = 1,
): { line: number; character: number } {
  const row = text.split('\n')[line];
  let i = -1;
  for (let k = 0; k < n; k++) i = row.indexOf(word, i + 1);
  assert.ok(i >= 0, `no ${word} on line ${line + 1}: ${row}`);
  return { line, character: i + 1 };
}

function capture(program: string, text: string, out: string, tracemalloc: boolean): void {
  const env = { ...process.env };
  delete env.PYTHONTRACEMALLOC;
  if (tracemalloc) env.PYTHONTRACEMALLOC = '1';
  const r = spawnSync(
    findPython(),
    [
      RUNNER,
      'run',
      '--at',
      `${program}:${lineOf(text, '# PAUSE HERE') + 1}`,
      '--out',
      out,
      program,
    ],
    { env, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
}

export function captureLiveFixture(): LiveFixture {
  const dir = mkdtempSync(join(tmpdir(), 'hi-live-'));
  const program = join(dir, 'leak_demo.py');
  copyFileSync(FIXTURE, program);
  const text = readFileSync(program, 'utf8');
  const snapshot = join(dir, 'demo.heapsnap');
  const snapshotWithoutAllocations = join(dir, 'demo-untracked.heapsnap');
  capture(program, text, snapshot, true);
  capture(program, text, snapshotWithoutAllocations, false);
  return {
    dir,
    program,
    text,
    snapshot,
    snapshotWithoutAllocations,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
