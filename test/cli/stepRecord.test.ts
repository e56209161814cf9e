/**
 * `heap-inspector step` reads the record the agent writes of the real collection: a record that
 * is not one (not JSON, or a field the comparison reads is wrong) is said in one line, with the
 * capture-failed status, and nothing is compared or written.
 *
 * The program makes the bad record itself: once the collection ran at the line, it goes on and
 * writes over the record (its path is in the runner's command line).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runCli, writeScript } from './support';
import { findPython } from '../../scripts/python.mjs';

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-step-record-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Line 2 is where the capture and the collection happen; then the record is overwritten. */
function overwritingRecord(text: string): string {
  return [
    'import os',
    'x = 1',
    'argv = open("/proc/self/cmdline", "rb").read().split(b"\\0")',
    `open(argv[argv.index(b"--collect-out") + 1], "w").write(${JSON.stringify(text)})`,
    '',
  ].join('\n');
}

function step(script: string, json: string) {
  return runCli(['step', '--python', python, '--at', `${script}:2`, '--json', json, script], {
    cwd: work,
  });
}

describe(
  'step: the record of the real collection is checked',
  { skip: process.platform !== 'linux' },
  () => {
    it('a field of the wrong type: one line naming it, status 5, no JSON written', () => {
      const script = writeScript(
        work,
        'bad_field.py',
        overwritingRecord('{"generation": 2, "returned": "many"}'),
      );
      const json = join(work, 'bad_field.json');
      const r = step(script, json);
      assert.equal(r.status, 5, r.stderr);
      assert.equal(
        lastLine(r.stderr),
        "heap-inspector: nothing to compare: the agent's record of gc.collect(2) is not valid (returned is not a count); " +
          'reinstall heap-inspector so that its agent matches it',
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(json), false, 'nothing written');
    });

    it('not JSON at all: one line, status 5', () => {
      const script = writeScript(work, 'not_json.py', overwritingRecord('{"generation": 2, '));
      const json = join(work, 'not_json.json');
      const r = step(script, json);
      assert.equal(r.status, 5, r.stderr);
      assert.match(
        lastLine(r.stderr),
        /^heap-inspector: nothing to compare: the agent's record of gc\.collect\(2\) is not valid \(it is not JSON: .+\); reinstall heap-inspector so that its agent matches it$/,
      );
      assert.equal(existsSync(json), false, 'nothing written');
    });
  },
);
