/**
 * The CLI's "what holds the memory": the JSON summary's `"retained"` (the 50 largest retainers
 * with their Python paths, the leak suspects, the totals) and the text summary's top five and
 * suspect line, on a program that keeps 20,000 sessions in a registry; `report` on the saved
 * snapshot says the same. (That `tracked` equals what really disappears is
 * test/collector/retained.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Summary } from '../../protocol/summary';
import { findPython } from '../../scripts/python.mjs';
import { runCli, writeScript } from './support';

const work = mkdtempSync(join(tmpdir(), 'hi-retained-cli-'));
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };

const PROGRAM = `class Session:
    def __init__(self, i):
        self.id = i
        self.history = [i, i + 1, i + 2]


registry = {"users": [Session(i) for i in range(20000)], "it's": [Session(-i) for i in range(300)]}
cache = {i: [i] * 10 for i in range(3000)}
print("ready")  # capture here
`;

describe('retained sizes in the CLI summary', () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  const script = writeScript(work, 'app.py', PROGRAM);
  const line = PROGRAM.split('\n').findIndex((l) => l.includes('capture here')) + 1;
  const json = join(work, 'summary.json');
  const snapshot = join(work, 'app.heapsnap');
  const run = runCli(
    [
      'snapshot',
      '--python',
      findPython(),
      '--at',
      `app.py:${line}`,
      '--json',
      json,
      '--out',
      snapshot,
      script,
    ],
    { cwd: work, env },
  );

  it('captures', () => {
    assert.equal(run.status, 0, run.stderr);
  });

  it('JSON: the largest retainers with their paths, the suspect, the totals', () => {
    const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    const retained = summary.retained;
    assert.ok(retained);
    assert.equal(retained.notion, 'nextCollection');
    assert.equal(retained.top.length, 50);
    const paths = retained.top.map((e) => e.path);
    assert.deepEqual(paths.slice(0, 3), [
      '__main__.registry',
      "__main__.registry['users']",
      '__main__.cache',
    ]);
    assert.ok(
      paths.includes(`__main__.registry["it's"]`),
      'a key with a quote, as repr() writes it',
    );
    const [registry, users] = retained.top;
    assert.deepEqual(Object.keys(registry).sort(), [
      'address',
      'bytes',
      'objects',
      'path',
      'tracked',
      'type',
    ]);
    assert.equal(registry.type, 'builtins.dict');
    assert.equal(users.type, 'builtins.list');
    assert.match(users.address, /^0x[0-9a-f]+$/);
    // The list, its 20,000 sessions and their history lists, at least (3.8–3.10 add a __dict__ each).
    assert.ok(users.tracked >= 1 + 2 * 20_000, `${users.tracked}`);
    assert.ok(registry.objects > users.objects && registry.bytes > users.bytes);
    for (let i = 1; i < retained.top.length; i++) {
      assert.ok(retained.top[i - 1].bytes >= retained.top[i].bytes, 'largest first');
    }
    assert.equal(retained.suspects.length, 1);
    const [suspect] = retained.suspects;
    assert.equal(suspect.path, '__main__.registry');
    assert.equal(suspect.accumulation.path, "__main__.registry['users']");
    assert.equal(suspect.content[0].type, '__main__.Session');
    assert.equal(suspect.content[0].count, 20_000);
    assert.equal(suspect.text, "__main__.registry['users'] → list → 20,000 × __main__.Session");
    const { heap, live, garbage } = retained.totals;
    assert.equal(heap.objects, summary.heap.objects);
    assert.equal(live.objects + garbage.objects, heap.objects);
  });

  it("text (on stderr, after the program's output): the top five and the suspect", () => {
    const lines = run.stderr.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Holding the most memory'));
    assert.ok(at >= 0, run.stderr);
    assert.match(lines[at + 1], /^ {2}__main__\.registry \(dict\): [\d,]+ objects, [\d,]+ bytes$/);
    assert.match(lines[at + 2], /^ {2}__main__\.registry\['users'\] \(list\): [\d,]+ objects/);
    assert.match(lines[at + 3], /^ {2}__main__\.cache \(dict\)/);
    assert.equal(lines.slice(at + 1, at + 6).filter((l) => l.startsWith('  ')).length, 5);
    assert.match(
      run.stderr,
      /^Leak suspect: __main__\.registry\['users'\] → list → 20,000 × __main__\.Session \(\d+% of the live heap, [\d,]+ bytes\)$/m,
    );
  });

  it('report on the saved snapshot says the same', () => {
    const again = runCli(['report', snapshot, '--json', '-'], { cwd: work, env });
    assert.equal(again.status, 0, again.stderr);
    const fromReport = (JSON.parse(again.stdout) as Summary).retained;
    const fromCapture = (JSON.parse(readFileSync(json, 'utf8')) as Summary).retained;
    assert.deepEqual(fromReport, fromCapture);
  });
});
