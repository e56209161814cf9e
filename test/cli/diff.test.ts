/**
 * `heap-inspector diff`, run for real: a program whose registry grows by one session per
 * request, whose batch of work items is replaced at every request (the allocator hands the freed
 * items' memory to the next batch), and whose settings (objects without weak references) stay.
 * The diff must count exactly the sessions and the replaced batch as new, name the registry as
 * their holder, keep the settings as the same objects, and refuse snapshots it cannot compare.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { GrowthDiff } from '../../protocol/growth';
import { findPython } from '../../scripts/python.mjs';
import { lastLine, runCli, writeScript } from './support';

const work = mkdtempSync(join(tmpdir(), 'hi-diff-cli-'));
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };

const BATCH = 300;
const PROGRAM = `class Session:
    def __init__(self, user):
        self.user = user


class WorkItem:
    def __init__(self, n):
        self.n = n


class Setting:
    __slots__ = ("value",)  # no weak references: matched by inference

    def __init__(self, value):
        self.value = value


registry = {"users": []}
settings = {"s%d" % i: Setting(i) for i in range(40)}
batch = None
for request in range(12):
    batch = None  # freed first: the next batch gets its memory
    batch = [WorkItem(i) for i in range(${BATCH})]
    registry["users"].append(Session("user%d" % request))
    request = request  # capture here
`;

describe('heap-inspector diff', () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  const script = writeScript(work, 'service.py', PROGRAM);
  const line = PROGRAM.split('\n').findIndex((l) => l.includes('capture here')) + 1;
  const keep = join(work, 'kept');
  mkdirSync(keep);
  const json = join(work, 'diff.json');
  const html = join(work, 'diff.html');
  const run = runCli(
    [
      'diff',
      '--python',
      findPython(),
      '--at',
      `${script}:${line}`,
      '--hits',
      '2,5,9',
      '--json',
      json,
      '--html',
      html,
      '--keep',
      keep,
      script,
    ],
    { cwd: work, env },
  );

  it('runs the program once and compares the hits object by object', () => {
    assert.equal(run.status, 0, run.stderr);
    const diff = JSON.parse(readFileSync(json, 'utf8')) as GrowthDiff;
    assert.deepEqual(
      diff.captures.map((c) => c.hit),
      [2, 5, 9],
    );
    assert.deepEqual(diff.byType['__main__.Session'], { before: 2, after: 9, new: 7, freed: 0 });
    // Every item of the batch is new, although most took a freed item's address.
    assert.deepEqual(diff.byType['__main__.WorkItem'], {
      before: BATCH,
      after: BATCH,
      new: BATCH,
      freed: BATCH,
    });
    assert.ok(diff.identity.reusedAddress >= BATCH / 3, JSON.stringify(diff.identity));
    // The settings have no weak references; they stay the same objects (inferred).
    assert.equal(diff.byType['__main__.Setting'], undefined);
    assert.ok(diff.identity.inferred > 0);
    const session = diff.suspects.find((s) => s.type === '__main__.Session');
    assert.ok(session, JSON.stringify(diff.suspects.slice(0, 5)));
    assert.equal(session.path, "__main__.registry['users']");
    assert.equal(session.new, 7);
    const items = diff.suspects.find((s) => s.type === '__main__.WorkItem');
    assert.equal(items?.path, '__main__.batch');
    assert.equal(items?.new, BATCH);
    assert.deepEqual(diff.perHit?.['__main__.Session'], [2, 5, 9]);
    assert.ok(diff.growsAtEveryStep?.includes('__main__.Session'));
    assert.equal(diff.survivors?.length, 2);
  });

  it('prints the holder of the new objects and writes a script-free report', () => {
    assert.match(run.stderr, /7 new __main__\.Session held by __main__\.registry\['users'\]/);
    const page = readFileSync(html, 'utf8');
    assert.ok(!/<script/i.test(page));
    assert.match(page, /__main__\.registry\[&#39;users&#39;\]/);
    assert.match(page, /<svg class="chart"/);
  });

  it('compares two saved snapshots of one run, and refuses captures with a gap', () => {
    const ok = runCli(
      ['diff', join(keep, 'hit-5.heapsnap'), join(keep, 'hit-9.heapsnap'), '--json', '-'],
      {
        cwd: work,
        env,
      },
    );
    assert.equal(ok.status, 0, ok.stderr);
    const diff = JSON.parse(ok.stdout) as GrowthDiff;
    assert.equal(diff.byType['__main__.Session'].new, 4);
    const gap = runCli(['diff', join(keep, 'hit-2.heapsnap'), join(keep, 'hit-9.heapsnap')], {
      cwd: work,
      env,
    });
    assert.equal(gap.status, 2);
    assert.match(lastLine(gap.stderr), /give every capture in between, in order/);
    assert.equal(gap.stderr.trim().split('\n').length, 1);
  });

  it('refuses snapshots of two processes in one line', () => {
    const other = join(work, 'other');
    mkdirSync(other);
    const second = runCli(
      ['diff', '--quiet', '--at', `${script}:${line}`, '--hits', '1,2', '--keep', other, script],
      { cwd: work, env },
    );
    assert.equal(second.status, 0, second.stderr);
    const mixed = runCli(['diff', join(keep, 'hit-2.heapsnap'), join(other, 'hit-2.heapsnap')], {
      cwd: work,
      env,
    });
    assert.equal(mixed.status, 2);
    assert.match(
      mixed.stderr,
      /^heap-inspector: cannot compare: the snapshots come from different processes/,
    );
    assert.equal(mixed.stderr.trim().split('\n').length, 1);
  });

  it('says what to do about bad hits in one line', () => {
    const one = runCli(['diff', '--at', `${script}:${line}`, '--hits', '3', script], {
      cwd: work,
      env,
    });
    assert.equal(one.status, 2);
    assert.match(lastLine(one.stderr), /--hits needs two different hits or more/);
    const bad = runCli(['diff', '--at', `${script}:${line}`, '--hits', '2,x', script], {
      cwd: work,
      env,
    });
    assert.match(lastLine(bad.stderr), /--hits must be a whole number from 1/);
    const unreached = runCli(['diff', '--at', `${script}:${line}`, '--hits', '20,30', script], {
      cwd: work,
      env,
    });
    assert.equal(unreached.status, 3, unreached.stderr);
  });
});
