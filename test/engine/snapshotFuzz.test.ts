/**
 * A mutation fuzzer over a real snapshot (test/fixtures/snapshots/small.heapsnap, captured by the
 * agent). Every mutated file must either read into a model the engine analyses, summarises and
 * draws without throwing — and whose text summary is safe for a terminal — or be rejected with
 * one SnapshotError line. Any other exception fails the test, and so does memory growth beyond a
 * bound: the cases include zlib bombs and huge counts.
 *
 * Deterministic: case i uses its own generator seeded from (SEED, i). To reproduce a failure:
 *   SNAPSHOT_FUZZ_SEED=<seed> SNAPSHOT_FUZZ_ONLY=<i> node --import tsx --test test/engine/snapshotFuzz.test.ts
 * The failing file is also written next to the message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SectionEncoding } from '../../protocol/snapshot';
import { readSnapshot, SnapshotError } from '../../server/engine/snapshotReader';
import {
  assertOneSafeLine,
  smallSnapshotBytes,
  UNSAFE_TERMINAL_TEXT,
  useSnapshot,
} from '../helpers/snapshotChecks';
import { mutate } from '../helpers/snapshotMutations';
import { Random } from '../helpers/random';
import { cloneSnapshot, splitSnapshot } from '../helpers/snapshotSections';

const SEED = Number(process.env.SNAPSHOT_FUZZ_SEED ?? 20261207);
const CASES = Number(process.env.SNAPSHOT_FUZZ_CASES ?? 2000);
const ONLY = process.env.SNAPSHOT_FUZZ_ONLY;

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

test(`mutated real snapshots: a sane model or one SnapshotError line (seed ${SEED})`, (t) => {
  const fixture = splitSnapshot(smallSnapshotBytes());
  // The same snapshot with every section stored raw: the other decoding path.
  const raw = cloneSnapshot(fixture);
  for (const s of raw.sections) {
    s.encoding = SectionEncoding.Raw;
    s.stored = undefined;
  }
  const bases = [fixture, raw];

  const outcomes = new Map<string, number>();
  const failures: string[] = [];
  const before = peakRssMiB();
  const cases = ONLY !== undefined ? [Number(ONLY)] : Array.from({ length: CASES }, (_, i) => i);
  for (const i of cases) {
    const random = new Random((SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const mutant = mutate(random, bases[i % bases.length]);
    let outcome: string;
    try {
      const snapshot = readSnapshot(mutant.bytes, 'fuzz.heapsnap');
      const { summary, text } = useSnapshot(snapshot);
      assert.equal(summary.heap.objects, snapshot.nodeCount);
      for (const line of text.split('\n')) {
        assert.doesNotMatch(
          line,
          UNSAFE_TERMINAL_TEXT,
          `the text summary is not terminal-safe: ${JSON.stringify(line)}`,
        );
      }
      outcome = 'read';
    } catch (e) {
      if (e instanceof SnapshotError) {
        try {
          assertOneSafeLine(e.message);
          outcome = /fails its CRC-32 check/.test(e.message) ? 'checksum' : e.code;
        } catch (bad) {
          outcome = 'bad message';
          failures.push(`case ${i}: ${mutant.description}: ${(bad as Error).message}`);
        }
      } else {
        outcome = 'threw';
        const file = join(mkdtempSync(join(tmpdir(), 'hi-fuzz-')), `case-${i}.heapsnap`);
        writeFileSync(file, mutant.bytes);
        const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
        failures.push(
          `case ${i}: ${mutant.description} (file ${file}):\n${text.split('\n').slice(0, 6).join('\n')}`,
        );
      }
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (failures.length >= 10) break;
  }
  const grown = peakRssMiB() - before;
  t.diagnostic(
    `seed ${SEED}: ${JSON.stringify(Object.fromEntries(outcomes))}; peak memory +${grown.toFixed(0)} MiB`,
  );
  assert.deepEqual(failures, [], `seed ${SEED}:\n${failures.join('\n\n')}`);
  assert.ok(grown < 512, `the cases raised the peak memory by ${grown.toFixed(0)} MiB`);
  if (ONLY === undefined) {
    // The mutations must reach past the checksums: many files are read, many are judged corrupt.
    const count = (k: string) => outcomes.get(k) ?? 0;
    assert.ok(count('read') > CASES / 10, `only ${count('read')} cases read`);
    assert.ok(count('corrupt') > CASES / 4, `only ${count('corrupt')} cases judged corrupt`);
  }
});
