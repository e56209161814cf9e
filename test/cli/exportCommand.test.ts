/**
 * `heap-inspector export`'s command line: the file it writes, and one clear line for every bad
 * input, with nothing written.
 *
 *   node scripts/build.mjs && node --import tsx --test test/cli/exportCommand.test.ts
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseHeapsnapshot } from '../helpers/heapsnapshotReader';
import { SMALL_SNAPSHOT } from '../helpers/snapshotChecks';
import { runCli } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hi-export-cli-'));
const snapshot = join(dir, 'small.heapsnap');
copyFileSync(SMALL_SNAPSHOT, snapshot);
after(() => rmSync(dir, { recursive: true, force: true }));

test('writes the file and says what is in it', () => {
  const out = join(dir, 'small.heapsnapshot');
  const r = runCli(['export', '--format=heapsnapshot', snapshot, '--out', out], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Wrote .*small\.heapsnapshot: [\d,]+ objects.* references, [\d.]+ MB in [\d.]+ s\. Open it in Chrome DevTools \(Memory, Load…\) or in VS Code\.\n$/,
  );
  assert.ok(parseHeapsnapshot(readFileSync(out, 'utf8')).nodes.length > 0);
  rmSync(out);
});

test('bad input: one line saying what to do, nothing written', () => {
  const notSnapshot = join(dir, 'notes.txt');
  writeFileSync(notSnapshot, 'not a snapshot\n');
  const out = join(dir, 'x.heapsnapshot');
  const cases: [string[], RegExp][] = [
    [['export', snapshot], /give the file to write: heap-inspector export SNAPSHOT --out/],
    [['export', '--out', out], /give exactly one snapshot file/],
    [['export', snapshot, snapshot, '--out', out], /give exactly one snapshot file/],
    [
      ['export', snapshot, '--out', out, '--format', 'json'],
      /--format json .*--format heapsnapshot/,
    ],
    [['export', join(dir, 'missing.heapsnap'), '--out', out], /snapshot not found/],
    [['export', snapshot, '--out', snapshot], /is the snapshot itself/],
    [['export', notSnapshot, '--out', out], /notes\.txt/],
    [['export', snapshot, '--out', join(dir, 'no', 'such', 'x.heapsnapshot')], /--out/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args, { cwd: dir });
    const label = args.join(' ');
    assert.notEqual(r.status, 0, `${label} fails`);
    assert.equal(r.stdout, '', label);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${label}: one line, not\n${r.stderr}`);
    assert.match(lines[0], message, label);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['notes.txt', 'small.heapsnap']);
  assert.deepEqual(readFileSync(snapshot), readFileSync(SMALL_SNAPSHOT), 'the snapshot untouched');
});
