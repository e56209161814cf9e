/**
 * What grew between captures of one process: the JSON of `heap-inspector diff --json`, the
 * report's growth view and the extension's comparison (docs/growth.md). Objects are compared
 * object by object (server/engine/captureIdentity.ts), never by address alone.
 */

/** Objects of one type in the first and the last capture. */
export interface TypeGrowth {
  before: number;
  after: number;
  /** Alive at the last capture, not at the first. */
  new: number;
  /** Alive at the first capture, not at the last. */
  freed: number;
}

/** New objects of one type held by one object that was already there (their nearest old dominator). */
export interface GrowthSuspect {
  /** The holder's path, written as Python would (`__main__.registry['users']`). */
  path: string;
  /** `module.qualname` of the new objects. */
  type: string;
  /** New objects of `type` this holder retains (directly, not through other new objects of interest). */
  new: number;
  /** Bytes those new objects retain (themselves and what only they keep alive). */
  bytes: number;
  /** All new objects of `type` in the last capture. */
  ofType: number;
  /** The holder's type. */
  holderType: string;
  /** `FILE:LINE` where most of them were created (only when the program ran with tracemalloc). */
  created?: string;
  /** `11,998 of 12,000 new app.Session held by __main__.registry['users']`. */
  text: string;
}

export interface CaptureRecord {
  /** The agent's capture number in its process (1, 2, …). */
  capture: number;
  /** The hit of the line the runner captured at, when known. */
  hit?: number;
  file: string;
  line: number;
  objects: number;
  bytes: number;
}

/** How objects were matched across the captures (all consecutive pairs together). */
export interface IdentityCounts {
  /** Matched by the agent's weak reference. */
  exact: number;
  /** Matched by inference (same address, type and holder through the same reference). */
  inferred: number;
  /** New objects that got the memory of an object of the earlier capture. */
  reusedAddress: number;
}

/** What survives from each capture: objects first seen there and still alive at the last one. */
export interface Survivors {
  capture: number;
  /** Objects first seen at this capture (alive there, not at the capture before). */
  new: number;
  /** Of those, alive at every later capture. */
  survived: number;
}

export interface GrowthDiff {
  format: 'python-heap-inspector-growth';
  pid: number;
  python: string;
  captures: CaptureRecord[];
  /** First capture against the last, per type name (types with no change are left out). */
  byType: Record<string, TypeGrowth>;
  /** New objects grouped by holder and type, most bytes first (at most 50). */
  suspects: GrowthSuspect[];
  /** With 3 or more captures: the count at each capture of every type that grew. */
  perHit?: Record<string, number[]>;
  /** With 3 or more captures: the types whose count grew at every step. */
  growsAtEveryStep?: string[];
  /** With 3 or more captures: per capture after the first. */
  survivors?: Survivors[];
  identity: IdentityCounts;
  totals: {
    before: { objects: number; bytes: number };
    after: { objects: number; bytes: number };
    new: { objects: number; bytes: number };
    freed: { objects: number; bytes: number };
  };
  /** One sentence each: where the comparison is less than exact. */
  notes: string[];
}

/** One stop of "Track Growth Here": the capture made when the program stopped at the line. */
export interface GrowthStop {
  /** 1 for the first stop tracked, then 2, 3… (never reused, also for stops no longer listed). */
  stop: number;
  capture: CaptureRecord;
}

/**
 * "Track Growth Here" in VS Code: a capture at each stop of a debug session at one line, the
 * object counts per type at each stop, and the latest stop compared with the first.
 */
export interface GrowthTrack {
  /** The stops whose counts are kept: the first and the most recent ones (bounded). */
  stops: GrowthStop[];
  /** Per type that grew from the first stop to the latest: its count at each of `stops`. */
  perStop: Record<string, number[]>;
  /** The latest stop compared with the first, object by object (null at the first stop). */
  comparison: GrowthDiff | null;
  /** Per type with new objects: the address of one of them in the latest capture. */
  newExample: Record<string, string>;
  /** Per suspect of `comparison` (same order): the address of one of its new objects. */
  suspectExample: string[];
}
