/**
 * A zlib bomb in a snapshot that passes its checksum: a 1 MB section that inflates to 1 GiB.
 * The reader must stop at the size the section's header announces instead of inflating it all.
 * This file runs in its own process, so the peak memory it measures is this test's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SectionEncoding } from '../../protocol/snapshot';
import { readError, smallSnapshotBytes } from '../helpers/snapshotChecks';
import { findSection, joinSnapshot, splitSnapshot, zlibOfZeros } from '../helpers/snapshotSections';

const GIB = 1 << 30;

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

test('a section that inflates to 1 GiB is stopped at its announced size', () => {
  const bombs = ['node.flags', 'strings'].map((name) => {
    const split = splitSnapshot(smallSnapshotBytes());
    const section = findSection(split, name);
    section.encoding = SectionEncoding.Zlib;
    section.stored = zlibOfZeros(GIB);
    return { name, bytes: joinSnapshot(split), announced: section.count };
  });
  const before = peakRssMiB();
  const errors = bombs.map((bomb) => readError(bomb.bytes));
  const grown = peakRssMiB() - before;
  assert.ok(grown < 256, `reading the bombs raised the peak memory by ${grown.toFixed(0)} MiB`);
  bombs.forEach((bomb, i) => {
    assert.ok(bomb.bytes.length < 2_000_000);
    assert.equal(errors[i]?.code, 'corrupt');
    assert.match(
      errors[i]!.message,
      new RegExp(
        `section "${bomb.name}" decompresses to more than the ${bomb.announced} bytes its header announces`,
      ),
    );
  });
});
