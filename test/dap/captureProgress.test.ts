/**
 * The progress of a capture under the debugger, as the editor's notification shows it: the
 * agent stores each report in the progress file beside the snapshot (the debugger hook maps it),
 * and captureOverDap's `onProgress` receives the phases in order, each counted up to its total,
 * while the evaluate request waits. Against a real debugpy adapter, ~100,000 tracked objects.
 *
 *   node --import tsx --test test/dap/captureProgress.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CaptureProgress } from '../../protocol/captureProgress';
import { progressText } from '../../protocol/captureProgress';
import { captureOverDap } from '../../extension/capture/index';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, markerLine, PROGRAMS } from './paths';

const BIG_HEAP = join(PROGRAMS, 'big_heap.py');
const PHASES = ['objects', 'walk', 'leaves', 'roots', 'write'];

for (const variant of debugpyVariants().filter((v) => v.version)) {
  describe(`capture progress under ${variant.label}`, () => {
    test('onProgress receives every phase in order, from 0 to its total', async () => {
      const session = await DebugpySession.launch(variant, {
        program: BIG_HEAP,
        line: markerLine(BIG_HEAP, 'capture'),
        cwd: PROGRAMS,
      });
      const temp = freshTempDirectory();
      try {
        const seen: CaptureProgress[] = [];
        const capture = await captureOverDap(session.channel, {
          frameId: session.topFrameId,
          agentDirectory: AGENT_DIRECTORY,
          tempDirectory: temp,
          onProgress: (progress) => seen.push(progress),
        });
        assert.ok(capture.meta.nodes > 100_000, `${capture.meta.nodes} nodes`);
        // The last report is read after the capture: it is always there.
        assert.deepEqual(seen.at(-1), { phase: 'write', done: 1, total: 1 });
        const phases = seen.map((p) => p.phase).filter((p, i, all) => i === 0 || all[i - 1] !== p);
        // Polled: a short phase may be missed, but never out of order.
        const order = phases.map((p) => PHASES.indexOf(p));
        assert.ok(!order.includes(-1), `unknown phase in ${phases.join(', ')}`);
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
          phases.join(', '),
        );
        for (const p of seen) assert.ok(p.done <= p.total, JSON.stringify(p));
        assert.equal(progressText({ phase: 'walk', done: 1, total: 4 }), 'reading references 25%');
        // The progress file went with the capture's folder.
        assert.deepEqual(
          readdirSync(temp).filter((name) => existsSync(join(temp, name, 'progress'))),
          [],
        );
      } finally {
        await session.close();
      }
    });
  });
}
