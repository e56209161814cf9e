/**
 * Format 2's own JSON: the string table in chunks, the type records' labelling facts, and frames
 * and `weakref.finalize` records that name objects by address. Checked field by field like format
 * 1's (snapshotJsonSections.ts), before anything is mapped.
 */
import type {
  FinalizeRecordV2,
  FrameRecordV2,
  LabelPlan,
  TypeRecord,
} from '../../protocol/snapshot';
import { JsonChecks, ofRecord, type JsonObject } from './jsonChecks';
import type { SnapshotProblems } from './snapshotError';
import { checkFrameLists, checkTypes } from './snapshotJsonSections';

/** Addresses in JSON are whole numbers below 2^53 (exact as doubles); 0 means "none". */
const ADDRESS_MAX = Number.MAX_SAFE_INTEGER;

const PLANS: ReadonlySet<string> = new Set<LabelPlan>([
  'none',
  'sequence',
  'dict',
  'instanceValues',
  'instanceDict',
  'object',
]);

/** The string table from its chunks, in file order: each an array of strings, the first one's
 * first entry `""`. */
export function checkStringChunks(chunks: unknown[], problems: SnapshotProblems): string[] {
  const c = new JsonChecks(problems);
  if (chunks.length === 0) problems.corrupt('the "strings" section is missing');
  const strings: string[] = [];
  for (let k = 0; k < chunks.length; k++) {
    const chunk = c.array(chunks[k], `"strings" chunk ${k + 1}`);
    for (let i = 0; i < chunk.length; i++) {
      if (typeof chunk[i] !== 'string') c.string(chunk[i], `string ${strings.length}`);
      strings.push(chunk[i] as string);
    }
  }
  if (strings.length === 0) problems.corrupt('the "strings" section is empty; string 0 must be ""');
  if (strings[0] !== '')
    problems.corrupt(`string 0 is ${JSON.stringify(strings[0]).slice(0, 40)}; it must be empty`);
  return strings;
}

/** Type records with format 2's fields: `address`, `size`, `labels`, `attributes`. */
export function checkTypesV2(value: unknown, problems: SnapshotProblems): TypeRecord[] {
  const types = checkTypes(value, problems);
  const c = new JsonChecks(problems);
  for (let t = 0; t < types.length; t++) {
    const what = `type record ${t}`;
    const r = types[t] as unknown as JsonObject;
    const field = ofRecord(what);
    if (r.address !== undefined) c.whole(r.address, field('address'), 0, ADDRESS_MAX);
    if (r.size !== undefined) c.whole(r.size, field('size'), 0, ADDRESS_MAX);
    if (r.labels !== undefined) {
      const plan = c.string(r.labels, field('labels'));
      if (!PLANS.has(plan)) problems.corrupt(`${field('labels')} is an unknown plan`);
    }
    if (r.attributes !== undefined) {
      c.arrayOf(r.attributes, field('attributes'), (v, at) => c.string(v, at));
    }
  }
  return types;
}

export interface FramesSectionV2 {
  paused: FrameRecordV2[];
  threads: { ident: number; name: string; current: boolean; frames: FrameRecordV2[] }[];
}

export function checkFramesV2(value: unknown, problems: SnapshotProblems): FramesSectionV2 {
  return checkFrameLists(value, problems, (c, f, field) =>
    c.whole(f.address, field('address'), 0, ADDRESS_MAX),
  ) as unknown as FramesSectionV2;
}

export function checkFinalizersV2(value: unknown, problems: SnapshotProblems): FinalizeRecordV2[] {
  const c = new JsonChecks(problems);
  const records = c.array(value, 'the "finalizers" section');
  for (let i = 0; i < records.length; i++) {
    const what = `weakref.finalize entry ${i}`;
    const f = c.object(records[i], what);
    const field = ofRecord(what);
    for (const part of ['address', 'referent', 'func', 'args', 'kwargs'] as const) {
      c.whole(f[part], field(part), 0, ADDRESS_MAX);
    }
    c.boolean(f.atexit, field('atexit'));
    c.whole(f.index, field('index'));
    c.string(f.funcName, field('funcName'));
  }
  return records as unknown as FinalizeRecordV2[];
}
