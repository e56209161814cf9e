/**
 * `node --import tsx scripts/snapshot-outputs.ts SNAPSHOT`: prints, as one JSON line, what the
 * CLI and the extension show of a snapshot — its summary and its heap view — with the fields
 * that describe the capture itself rather than the heap (times, the agent's version, the
 * snapshot's own format) left out. scripts/compare_agents.py compares two agents' captures of
 * one heap through it: whatever the formats, the outputs must be the same.
 */
import { analyze, buildHeapView, readSnapshotFile, summarize } from '../server/engine/index';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: snapshot-outputs.ts SNAPSHOT\n');
  process.exit(2);
}
const snapshot = readSnapshotFile(path);
const analysis = analyze(snapshot);
const summary = summarize(snapshot, analysis);
const view = buildHeapView(snapshot, analysis, { summary });

/** Fields that differ between two captures of one heap by their nature. */
const CAPTURE_FIELDS = new Set([
  'seconds',
  'writeSeconds',
  'cpuSeconds',
  'time',
  'agentVersion',
  'otherThreads',
  'kernel',
  'version',
]);

function withoutCaptureFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCaptureFields);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!CAPTURE_FIELDS.has(key)) out[key] = withoutCaptureFields(item);
  }
  return out;
}

process.stdout.write(JSON.stringify(withoutCaptureFields({ summary, view })) + '\n');
