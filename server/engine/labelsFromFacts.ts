/**
 * Format 2: `edge.kind` and `edge.name` derived from the facts the agent recorded (docs/
 * snapshot-format.md), exactly as the agent's per-object path (`Labeler.label()`) names them:
 *
 * - `node.labels` ByPlan, by the type's plan: exact lists and tuples get their indices (last
 *   first, as their traverse visits them); plain instances whose attributes live in the
 *   class's shared keys get `.name` per slot and
 *   `__class__` last (the agent checked the shape); instances with a real `__dict__` get
 *   `__class__` on the first reference to their class and `__dict__` on the first other
 *   reference to an exact dict; other plans leave references unlabelled;
 * - Keyed: an exact dict's values under str keys, the keys' texts from `dict.key`;
 * - Recorded: labelled one by one by the agent (`label.*`);
 * - Unlabelled: nothing.
 *
 * Closure tuples (`closure.*`) are applied last, over the references that remain once those to
 * the agent's own objects are dropped, as the agent did in format 1.
 */
import { EdgeKind, NodeLabels, type LabelPlan } from '../../protocol/snapshot';
import type { SnapshotProblems } from './snapshotError';

const REF = EdgeKind.Ref;
const ATTR = EdgeKind.Attr;
const STR_KEY = EdgeKind.StrKey;
const INDEX = EdgeKind.Index;
const CLOSURE = EdgeKind.Closure;
const SLOT = EdgeKind.Slot;
const BY_PLAN = NodeLabels.ByPlan;
const KEYED = NodeLabels.Keyed;
const RECORDED = NodeLabels.Recorded;
const LAST_LABELS = NodeLabels.Unlabelled;

/** Plans as small numbers, per type. */
export const PLAN_CODE: Readonly<Record<LabelPlan, number>> = {
  none: 0,
  sequence: 1,
  dict: 2,
  instanceValues: 3,
  instanceDict: 4,
  object: 5,
};
const SEQUENCE = PLAN_CODE.sequence;
const DICT = PLAN_CODE.dict;
const INSTANCE_VALUES = PLAN_CODE.instanceValues;
const INSTANCE_DICT = PLAN_CODE.instanceDict;

/** What the labels are derived from; string indices are the file's. */
export interface LabelFacts {
  nodeType: Uint32Array;
  nodeLabels: Uint8Array;
  /** CSR index over the written references (before any is dropped). */
  edgeStart: Float64Array;
  /** Each reference's target node, or a negative number when it is not a node. */
  targetNode: Int32Array;
  targetLo: Uint32Array;
  targetHi: Uint32Array;
  /** Per type: plan code (-1: none known), address words, attribute name string indices. */
  typePlan: Int8Array;
  typeLo: Uint32Array;
  typeHi: Uint32Array;
  typeAttributes: (Uint32Array | undefined)[];
  dictKey: Uint32Array;
  labelNode: Uint32Array;
  labelKind: Uint8Array;
  labelName: Uint32Array;
  /** String indices of `__class__` and `__dict__`. */
  classString: number;
  dictString: number;
}

/** `edge.kind` and `edge.name` for every written reference. */
export function labelsFromFacts(
  f: LabelFacts,
  problems: SnapshotProblems,
): { kind: Uint8Array; name: Uint32Array } {
  const n = f.nodeType.length;
  const edges = f.targetNode.length;
  const kind = new Uint8Array(edges);
  const name = new Uint32Array(edges);
  const { nodeType, nodeLabels, edgeStart, typePlan } = f;
  let keyAt = 0;
  let recordAt = 0; // next entry of label.node
  let recordedEdge = 0; // next entry of label.kind / label.name
  for (let node = 0; node < n; node++) {
    const start = edgeStart[node];
    const end = edgeStart[node + 1];
    const how = nodeLabels[node];
    if (how > LAST_LABELS) problems.corrupt(`node ${node} has labels ${how}, which is not defined`);
    if (how === KEYED) {
      if (keyAt + (end - start) > f.dictKey.length) {
        problems.corrupt('"dict.key" has fewer keys than the keyed dicts have references');
      }
      for (let e = start; e < end; e++) {
        kind[e] = STR_KEY;
        name[e] = f.dictKey[keyAt++];
      }
    } else if (how === RECORDED) {
      if (recordAt >= f.labelNode.length || f.labelNode[recordAt] !== node) {
        problems.corrupt(`node ${node} is labelled one by one but "label.node" does not list it`);
      }
      recordAt++;
      if (recordedEdge + (end - start) > f.labelKind.length) {
        problems.corrupt('"label.kind" has fewer labels than the recorded nodes have references');
      }
      for (let e = start; e < end; e++) {
        kind[e] = f.labelKind[recordedEdge];
        name[e] = f.labelName[recordedEdge];
        recordedEdge++;
      }
    } else if (how === BY_PLAN && end > start) {
      const type = nodeType[node];
      const plan = typePlan[type];
      if (plan === SEQUENCE) {
        // A list's or a tuple's traverse visits its items last first: k-1 … 0.
        for (let e = start, i = end - start - 1; e < end; e++, i--) {
          kind[e] = INDEX;
          name[e] = i;
        }
      } else if (plan === INSTANCE_VALUES) {
        instanceValuesLabels(f, type, start, end, kind, name);
      } else if (plan === INSTANCE_DICT) {
        instanceDictLabels(f, type, start, end, kind, name);
      }
    }
  }
  if (keyAt !== f.dictKey.length) {
    problems.corrupt('"dict.key" has more keys than the keyed dicts have references');
  }
  if (recordAt !== f.labelNode.length) {
    problems.corrupt('"label.node" lists a node that is not labelled one by one');
  }
  if (recordedEdge !== f.labelKind.length || f.labelKind.length !== f.labelName.length) {
    problems.corrupt('"label.kind" and "label.name" do not match the recorded nodes');
  }
  return { kind, name };
}

/**
 * An instance whose every attribute slot holds a value (the agent checked: k + 1 references):
 * its references are the values in slot order, then its class. The per-object path matches
 * candidates `(class, __class__)` then `(value i, .name i)` to the references by address, each
 * reference taking the first unused candidate with its address; usually that is position by
 * position, but a value that is the class itself takes `__class__` (and the class, the value's
 * name), as it does there.
 */
function instanceValuesLabels(
  f: LabelFacts,
  type: number,
  start: number,
  end: number,
  kind: Uint8Array,
  name: Uint32Array,
): void {
  const attributes = f.typeAttributes[type];
  const slots = end - start - 1;
  const lo = f.typeLo[type];
  const hi = f.typeHi[type];
  const { targetLo, targetHi } = f;
  let classElsewhere = false;
  for (let e = start; e < end - 1; e++) {
    if (targetLo[e] === lo && targetHi[e] === hi) classElsewhere = true;
  }
  const attribute = (i: number): number =>
    attributes !== undefined && i < attributes.length ? attributes[i] : -1;
  if (!classElsewhere && targetLo[end - 1] === lo && targetHi[end - 1] === hi) {
    for (let i = 0; i < slots; i++) {
      const a = attribute(i);
      if (a >= 0) {
        kind[start + i] = ATTR;
        name[start + i] = a;
      }
    }
    kind[end - 1] = SLOT;
    name[end - 1] = f.classString;
    return;
  }
  // Candidates: the class first, then each slot's value; -1 once used.
  const used = new Uint8Array(slots + 1);
  for (let e = start; e < end; e++) {
    const l = targetLo[e];
    const h = targetHi[e];
    if (!used[0] && l === lo && h === hi) {
      used[0] = 1;
      kind[e] = SLOT;
      name[e] = f.classString;
      continue;
    }
    for (let i = 0; i < slots; i++) {
      if (used[i + 1] || targetLo[start + i] !== l || targetHi[start + i] !== h) continue;
      used[i + 1] = 1;
      const a = attribute(i);
      if (a >= 0) {
        kind[e] = ATTR;
        name[e] = a;
      }
      break;
    }
  }
}

/**
 * An instance with a real `__dict__`: the per-object path's candidates are its class (by
 * address) and "the one otherwise unexplained exact dict". The first reference to the class is
 * `__class__`; then the first unlabelled reference to an exact dict is `__dict__`.
 */
function instanceDictLabels(
  f: LabelFacts,
  type: number,
  start: number,
  end: number,
  kind: Uint8Array,
  name: Uint32Array,
): void {
  const lo = f.typeLo[type];
  const hi = f.typeHi[type];
  for (let e = start; e < end; e++) {
    if (f.targetLo[e] === lo && f.targetHi[e] === hi) {
      kind[e] = SLOT;
      name[e] = f.classString;
      break;
    }
  }
  for (let e = start; e < end; e++) {
    if (kind[e] !== REF) continue;
    const target = f.targetNode[e];
    if (target >= 0 && f.typePlan[f.nodeType[target]] === DICT) {
      kind[e] = SLOT;
      name[e] = f.dictString;
      break;
    }
  }
}

/**
 * A function's closure tuple holds its cells in free-variable order: its first references are
 * named (`closure.count` names each, from `closure.name`). `tupleNode[i]`: the tuple's node, or
 * negative when it is not one.
 */
export function applyClosureNames(
  tupleNode: Int32Array,
  counts: Uint32Array,
  names: Uint32Array,
  edgeStart: Uint32Array,
  kind: Uint8Array,
  name: Uint32Array,
  problems: SnapshotProblems,
): void {
  let at = 0;
  for (let i = 0; i < tupleNode.length; i++) {
    const count = counts[i];
    if (at + count > names.length) problems.corrupt('"closure.name" has fewer names than counted');
    const node = tupleNode[i];
    if (node >= 0) {
      const start = edgeStart[node];
      const labelled = Math.min(count, edgeStart[node + 1] - start);
      for (let k = 0; k < labelled; k++) {
        kind[start + k] = CLOSURE;
        name[start + k] = names[at + k];
      }
    }
    at += count;
  }
  if (at !== names.length) problems.corrupt('"closure.name" has more names than counted');
}
