/**
 * Other threads that ran while the agent read the heap (`meta.capture.otherThreads`): a snapshot
 * taken while they ran can mix moments, and the summary says so in one sentence that the CLI and
 * the heap view show as they are.
 */
import type { OtherThreadCpu, SnapshotMeta } from '../../protocol/snapshot';
import type { OtherThreadsSummary } from '../../protocol/summary';

/** Less CPU than this (seconds) is noise: a sleeping thread waking up once. */
export const MIXED_MOMENTS_CPU_SECONDS = 0.001;

/** At most this many threads are listed. */
const MAX_THREADS = 10;

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function threadList(value: unknown): OtherThreadCpu[] {
  if (!Array.isArray(value)) return [];
  const threads: OtherThreadCpu[] = [];
  for (const item of value.slice(0, MAX_THREADS)) {
    if (item === null || typeof item !== 'object') continue;
    const record = item as Record<string, unknown>;
    const cpu = finite(record.cpuSeconds);
    if (cpu === null || typeof record.name !== 'string' || typeof record.ident !== 'number')
      continue;
    threads.push({ ident: record.ident, name: record.name, cpuSeconds: cpu });
  }
  return threads;
}

/** `0.42 s`, or `12 ms` below a tenth of a second. */
export function formatSeconds(seconds: number): string {
  if (seconds < 0.1) return `${Math.round(seconds * 1000)} ms`;
  return `${seconds.toFixed(2)} s`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The summary of `meta.capture.otherThreads`, or undefined when the snapshot does not say. */
export function summarizeOtherThreads(
  meta: SnapshotMeta,
  releasedObjects = 0,
): OtherThreadsSummary | undefined {
  const raw: unknown = meta.capture?.otherThreads;
  if (raw === null || typeof raw !== 'object') return undefined;
  const record = raw as Record<string, unknown>;
  const cpuSeconds = finite(record.cpuSeconds);
  const readSeconds = finite(record.readSeconds);
  if (cpuSeconds === null || readSeconds === null) return undefined;
  const ended = Math.floor(finite(record.ended) ?? 0);
  const changedObjects = Math.floor(finite(record.changedObjects) ?? 0);
  const mayMixMoments =
    cpuSeconds >= MIXED_MOMENTS_CPU_SECONDS ||
    changedObjects > 0 ||
    ended > 0 ||
    releasedObjects > 0;
  return {
    cpuSeconds,
    readSeconds,
    threads: threadList(record.threads),
    ended,
    changedObjects,
    releasedObjects,
    mayMixMoments,
    notice: mayMixMoments
      ? notice(cpuSeconds, readSeconds, ended, changedObjects, releasedObjects)
      : null,
  };
}

function notice(
  cpu: number,
  read: number,
  ended: number,
  changed: number,
  released: number,
): string {
  const details: string[] = [];
  if (changed > 0) details.push(`${plural(changed, 'object')} changed while being read`);
  if (released > 0)
    details.push(
      `${plural(released, 'object')} let go of meanwhile, left out of what the collector frees`,
    );
  if (ended > 0) details.push(`${plural(ended, 'thread')} ended meanwhile`);
  return (
    `other threads ran ${formatSeconds(cpu)} of CPU during the ${formatSeconds(read)} capture: ` +
    `counts may mix moments` +
    (details.length > 0 ? ` (${details.join('; ')})` : '')
  );
}
