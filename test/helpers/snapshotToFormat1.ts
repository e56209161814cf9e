/**
 * `node --import tsx test/helpers/snapshotToFormat1.ts IN OUT`: reads a snapshot of any format
 * with the engine's reader and writes the model it read as format 1 (node-indexed references,
 * labels as the engine derived them). The agent's Python tests read captures through this, so
 * that what they check is what the engine makes of a capture.
 */
import { writeFileSync } from 'node:fs';
import { readSnapshotFile } from '../../server/engine/snapshotReader';
import { writeSnapshot } from '../../server/engine/snapshotWriter';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  process.stderr.write('usage: snapshotToFormat1.ts IN OUT\n');
  process.exit(2);
}
writeFileSync(output, writeSnapshot(readSnapshotFile(input), { compress: false }));
