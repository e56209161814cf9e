/**
 * The JSON sections of a snapshot, checked against protocol/snapshot.ts once, in the reader:
 * every field the engine, the CLI, the language server or the extension reads has its declared
 * type, and every node index is in range. Fields this reader does not know are left as they are
 * (a later agent may add some); a reader that starts using one adds its check here.
 */
import type {
  EndSection,
  FinalizeRecord,
  FramesSection,
  IdentitySection,
  SnapshotMeta,
  TypeCategory,
  TypeRecord,
} from '../../protocol/snapshot';
import { dotted, JsonChecks, ofRecord, type JsonObject } from './jsonChecks';
import type { SnapshotProblems } from './snapshotError';

/** Nodes, edges, weak references and roots are indexed by 32-bit signed integers in columns. */
export const MAX_ELEMENTS = 0x7fffffff;
const U32_MAX = 0xffffffff;

const CATEGORIES: ReadonlySet<string> = new Set<TypeCategory>([
  'instance',
  'container',
  'frame',
  'module',
  'class',
  'function',
  'weakref',
  'generator',
  'atom',
  'other',
]);

export function checkMeta(value: unknown, problems: SnapshotProblems): SnapshotMeta {
  const c = new JsonChecks(problems);
  const meta = c.object(value, 'the "meta" section');
  const field = dotted('meta');
  c.string(meta.format, field('format'));
  c.whole(meta.version, field('version'));
  c.string(meta.agentVersion, field('agentVersion'));

  const python = c.object(meta.python, field('python'));
  const py = dotted('meta.python');
  c.string(python.implementation, py('implementation'));
  const version = c.arrayOf(python.version, py('version'), (v, what) => c.whole(v, what, 0));
  if (version.length !== 3)
    problems.corrupt(`meta.python.version has ${version.length} parts, not 3`);
  c.string(python.versionString, py('versionString'));
  c.string(python.executable, py('executable'));
  c.string(python.platform, py('platform'));
  c.whole(python.pointerSize, py('pointerSize'), 1, 64);

  const capture = c.object(meta.capture, field('capture'));
  const cap = dotted('meta.capture');
  c.number(capture.time, cap('time'));
  c.whole(capture.pid, cap('pid'), 0);
  c.string(capture.file, cap('file'));
  c.whole(capture.line, cap('line'), 0);
  c.string(capture.function, cap('function'));
  c.string(capture.trigger, cap('trigger'));
  c.number(capture.seconds, cap('seconds'));
  c.number(capture.writeSeconds, cap('writeSeconds'));

  const gc = c.object(meta.gc, field('gc'));
  const g = dotted('meta.gc');
  c.boolean(gc.enabled, g('enabled'));
  c.arrayOf(gc.counts, g('counts'), (v, what) => c.whole(v, what));
  c.arrayOf(gc.thresholds, g('thresholds'), (v, what) => c.whole(v, what));
  c.whole(gc.debug, g('debug'));
  c.whole(gc.garbage, g('garbage'), 0);
  c.whole(gc.frozen, g('frozen'), 0);
  c.whole(gc.generations, g('generations'), 1, 16);
  c.boolean(gc.incremental, g('incremental'));

  const counts = c.object(meta.counts, field('counts'));
  const n = dotted('meta.counts');
  for (const key of ['nodes', 'edges', 'weakrefs', 'roots'] as const) {
    c.whole(counts[key], n(key), 0, MAX_ELEMENTS);
  }
  c.whole(counts.tracked, n('tracked'), 0);
  c.whole(counts.excludedAgentObjects, n('excludedAgentObjects'), 0);

  c.arrayOf(meta.warnings, field('warnings'), (v, what) => c.string(v, what));
  return meta as unknown as SnapshotMeta;
}

/** The string table: an array of strings whose first entry is `""` (index 0 means "no name"). */
export function checkStrings(value: unknown, problems: SnapshotProblems): string[] {
  const c = new JsonChecks(problems);
  const strings = c.array(value, 'the "strings" section');
  if (strings.length === 0) problems.corrupt('the "strings" section is empty; string 0 must be ""');
  for (let i = 0; i < strings.length; i++) c.string(strings[i], `string ${i}`);
  if (strings[0] !== '')
    problems.corrupt(`string 0 is ${JSON.stringify(strings[0]).slice(0, 40)}; it must be empty`);
  return strings as string[];
}

/** Type records; an unknown category (a later agent's) reads as `other`. */
export function checkTypes(value: unknown, problems: SnapshotProblems): TypeRecord[] {
  const c = new JsonChecks(problems);
  const types = c.array(value, 'the "types" section');
  for (let t = 0; t < types.length; t++) {
    const what = `type record ${t}`;
    const r = c.object(types[t], what);
    const field = ofRecord(what);
    c.string(r.name, field('name'));
    c.optionalString(r.module, field('module'));
    c.optionalString(r.qualname, field('qualname'));
    c.optionalString(r.file, field('file'));
    c.whole(r.flags, field('flags'), 0, U32_MAX);
    const category = c.string(r.category, field('category'));
    if (!CATEGORIES.has(category)) r.category = 'other';
  }
  return types as TypeRecord[];
}

export function checkFrames(
  value: unknown,
  nodes: number,
  problems: SnapshotProblems,
): FramesSection {
  return checkFrameLists(value, problems, (c, f, field) =>
    c.node(f.node, field('node'), nodes, true),
  ) as unknown as FramesSection;
}

/**
 * The "frames" section's shape, both formats: paused frames and each thread's frames, each frame
 * with its file, line and function; `frameId` checks how a frame names its object (format 1: a
 * node index, format 2: an address).
 */
export function checkFrameLists(
  value: unknown,
  problems: SnapshotProblems,
  frameId: (c: JsonChecks, frame: JsonObject, field: (name: string) => string) => void,
): JsonObject {
  const c = new JsonChecks(problems);
  const frames = c.object(value, 'the "frames" section');
  const frameList = (list: unknown, what: string) =>
    c.arrayOf(list, what, (item, at) => {
      const f = c.object(item, at);
      const field = dotted(at);
      frameId(c, f, field);
      c.string(f.file, field('file'));
      c.whole(f.line, field('line'), 0);
      c.string(f.function, field('function'));
    });
  frameList(frames.paused, 'frames.paused');
  c.arrayOf(frames.threads, 'frames.threads', (item, at) => {
    const t: JsonObject = c.object(item, at);
    const field = dotted(at);
    c.whole(t.ident, field('ident'));
    c.string(t.name, field('name'));
    c.boolean(t.current, field('current'));
    frameList(t.frames, field('frames'));
  });
  return frames;
}

export function checkFinalizers(
  value: unknown,
  nodes: number,
  problems: SnapshotProblems,
): FinalizeRecord[] {
  const c = new JsonChecks(problems);
  const records = c.array(value, 'the "finalizers" section');
  for (let i = 0; i < records.length; i++) {
    const what = `weakref.finalize entry ${i}`;
    const f = c.object(records[i], what);
    const field = ofRecord(what);
    c.node(f.node, field('node'), nodes, false);
    for (const part of ['referent', 'func', 'args', 'kwargs'] as const) {
      c.node(f[part], field(part), nodes, true);
    }
    c.boolean(f.atexit, field('atexit'));
    c.whole(f.index, field('index'));
    c.string(f.funcName, field('funcName'));
  }
  return records as FinalizeRecord[];
}

export function checkIdentity(value: unknown, problems: SnapshotProblems): IdentitySection {
  const c = new JsonChecks(problems);
  const identity = c.object(value, 'the "identity" section');
  const field = dotted('identity');
  c.string(identity.process, field('process'));
  const capture = c.whole(identity.capture, field('capture'), 1);
  if (identity.previous !== null) c.whole(identity.previous, field('previous'), 1, capture - 1);
  const counts = c.object(identity.counts, field('counts'));
  for (const key of ['same', 'new', 'reused', 'unrecorded'] as const) {
    c.whole(counts[key], `identity.counts.${key}`, 0);
  }
  c.whole(identity.kept, field('kept'), 0);
  c.boolean(identity.complete, field('complete'));
  for (const key of ['limit', 'recordBytes', 'bytesPerObject'] as const) {
    c.whole(identity[key], field(key), 0);
  }
  return identity as unknown as IdentitySection;
}

export function checkEnd(value: unknown, problems: SnapshotProblems): EndSection {
  const c = new JsonChecks(problems);
  const end = c.object(value, 'the "end" section');
  c.whole(end.sections, 'end.sections', 0);
  return end as unknown as EndSection;
}
