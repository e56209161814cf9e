/**
 * Other threads that ran while the heap was read (`meta.capture.otherThreads`): the summary says
 * so in one sentence with the figures, the command line prints it, older snapshots (without
 * the field) and quiet captures say nothing, and malformed values are ignored rather than shown.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OtherThreadsActivity } from '../../protocol/snapshot';
import { summaryText } from '../../cli/summaryText';
import { formatSeconds, summarizeOtherThreads } from '../../server/engine/otherThreads';
import { summarize } from '../../server/engine/summary';
import { smallProgram } from '../helpers/sampleHeaps';

function activity(overrides: Partial<OtherThreadsActivity> = {}): OtherThreadsActivity {
  return {
    readSeconds: 1.3,
    readCpuSeconds: 0.9,
    cpuSeconds: 0.42,
    processCpuSeconds: 0.43,
    measuredBy: 'thread-clocks',
    threads: [
      { ident: 140001, name: 'worker', cpuSeconds: 0.4 },
      { ident: 140002, name: 'heartbeat', cpuSeconds: 0.02 },
    ],
    ended: 0,
    changedObjects: 0,
    switchInterval: 0.3,
    ...overrides,
  };
}

function snapshotWith(value: unknown) {
  const snap = smallProgram().h.snapshot();
  (snap.meta.capture as unknown as Record<string, unknown>).otherThreads = value;
  return snap;
}

describe('other threads during the capture', () => {
  test('a busy thread: the figures and one sentence, in the summary and the text', () => {
    const summary = summarize(snapshotWith(activity()));
    assert.deepEqual(summary.otherThreads, {
      cpuSeconds: 0.42,
      readSeconds: 1.3,
      threads: [
        { ident: 140001, name: 'worker', cpuSeconds: 0.4 },
        { ident: 140002, name: 'heartbeat', cpuSeconds: 0.02 },
      ],
      ended: 0,
      changedObjects: 0,
      releasedObjects: 0,
      mayMixMoments: true,
      notice: 'other threads ran 0.42 s of CPU during the 1.30 s capture: counts may mix moments',
    });
    const lines = summaryText(summary).split('\n');
    assert.ok(
      lines.includes(
        'note: other threads ran 0.42 s of CPU during the 1.30 s capture: counts may mix moments',
      ),
      lines.join('\n'),
    );
  });

  test('objects that changed between two reads and threads that ended are named', () => {
    const summary = summarize(
      snapshotWith(activity({ cpuSeconds: 0.004, ended: 1, changedObjects: 3 })),
    );
    assert.equal(
      summary.otherThreads?.notice,
      'other threads ran 4 ms of CPU during the 1.30 s capture: counts may mix moments ' +
        '(3 objects changed while being read; 1 thread ended meanwhile)',
    );
  });

  test('idle threads: no notice, and nothing in the text', () => {
    const summary = summarize(snapshotWith(activity({ cpuSeconds: 0.0002, threads: [] })));
    assert.equal(summary.otherThreads?.mayMixMoments, false);
    assert.equal(summary.otherThreads?.notice, null);
    assert.doesNotMatch(summaryText(summary), /other threads/);
  });

  test('a snapshot from an older agent: no field at all', () => {
    const summary = summarize(smallProgram().h.snapshot());
    assert.equal('otherThreads' in summary, false);
    assert.doesNotMatch(summaryText(summary), /other threads/);
  });

  test('malformed values from a crafted file are not shown', () => {
    for (const bad of [
      'busy',
      null,
      { cpuSeconds: 'a lot', readSeconds: 1 },
      { cpuSeconds: -1, readSeconds: 1 },
      { cpuSeconds: Number.NaN, readSeconds: 1 },
    ]) {
      const snap = snapshotWith(bad);
      assert.equal(summarizeOtherThreads(snap.meta), undefined, JSON.stringify(bad));
    }
    const odd = summarizeOtherThreads(
      snapshotWith({
        cpuSeconds: 0.5,
        readSeconds: 1,
        threads: [{ name: 7 }, 'x', { ident: 1, name: 'ok', cpuSeconds: 0.5 }],
        ended: 'many',
        changedObjects: -4,
      }).meta,
    );
    assert.deepEqual(odd?.threads, [{ ident: 1, name: 'ok', cpuSeconds: 0.5 }]);
    assert.equal(odd?.ended, 0);
    assert.equal(odd?.changedObjects, 0);
  });

  test('seconds: milliseconds below a tenth, else two decimals', () => {
    assert.equal(formatSeconds(0), '0 ms');
    assert.equal(formatSeconds(0.0416), '42 ms');
    assert.equal(formatSeconds(0.1), '0.10 s');
    assert.equal(formatSeconds(12.345), '12.35 s');
  });
});
