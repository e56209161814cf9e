/**
 * A real capture for the browser tests: `heap-inspector snapshot --html --json --out` on a program
 * of test/programs/webview/ at its `# @capture` line, the outputs written to test-output/webview/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapView } from '../../protocol/heapView';
import type { Summary } from '../../protocol/summary';
import { findPython } from '../../scripts/python.mjs';
import { outDir, root } from './browser';

export const PROGRAMS = path.join(root, 'test', 'programs', 'webview');
export const CLI = path.join(root, 'bin', 'heap-inspector.js');

export interface Capture {
  html: string;
  snapshot: string;
  summary: Summary;
  view: HeapView;
}

/** The 1-based line marked `# @capture` in `file`. */
export function markerLine(file: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.findIndex((l) => l.includes('# @capture')) + 1;
}

/** The JSON a report page embeds in its `<script type="application/json" id=ID>`. */
export function embedded<T>(html: string, id: string): T {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(html);
  assert.ok(m, `the report embeds #${id}`);
  return JSON.parse(m[1]) as T;
}

/** Captures `program` (a file of test/programs/webview/); the outputs are named after `name`. */
export function captureProgram(program: string, name: string): Capture {
  const html = path.join(outDir, `${name}-report.html`);
  const json = path.join(outDir, `${name}-summary.json`);
  const snapshot = path.join(outDir, `${name}.heapsnap`);
  const line = markerLine(path.join(PROGRAMS, program));
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'snapshot',
      '--python',
      findPython(),
      '--at',
      `${program}:${line}`,
      '--html',
      html,
      '--json',
      json,
      '--out',
      snapshot,
      program,
    ],
    { cwd: PROGRAMS, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(html, 'utf8');
  return {
    html,
    snapshot,
    summary: JSON.parse(readFileSync(json, 'utf8')) as Summary,
    view: embedded<HeapView>(text, 'heap-data'),
  };
}
