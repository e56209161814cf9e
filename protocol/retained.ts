/**
 * What holds the memory: retained sizes, the dominator tree, leak suspects. The engine computes
 * them (server/engine/retained*.ts); the summary (`Summary.retained`), the heap view
 * (`HeapView.retained`, `ViewNode.retained`), the HTML report (embedded) and the language server
 * (the requests in protocol/lsp.ts) carry them in these shapes. docs/retained.md defines every
 * notion; in short:
 *
 * - **Retained, freed by the next collection** (`retained`): the objects that would be freed —
 *   by reference counting at once, or by the next `gc.collect()` — if every reference to the
 *   object went: its subtree in the dominator tree of the heap's strong references, rooted at
 *   what keeps objects alive from outside the heap graph (modules, frames, threads, objects
 *   referenced from C). The object itself included.
 * - **Retained, freed at once** (`atOnce`): what reference counting alone frees at that moment:
 *   the same, minus everything a reference cycle keeps until the collector runs. An object in a
 *   reference cycle frees nothing at once (all zero).
 * - **Garbage**: what no root reaches; the next collection frees it anyway. It has its own group
 *   (`GARBAGE_ROW`) and never counts as retained by a live object.
 *
 * Node ids are snapshot node indices, as in protocol/heapView.ts (`ViewNode.id`).
 */

/** Row id of the roots: the top of the dominator tree (what keeps everything else alive). */
export const ROOTS_ROW = -1;
/** Row id of the garbage group: objects no root reaches, freed by the next collection anyway. */
export const GARBAGE_ROW = -2;

/** The two notions of retained (docs/retained.md). */
export type RetainedNotion = 'nextCollection' | 'atOnce';

/** A set of objects: how many, how many of them the collector tracks, their shallow bytes. */
export interface RetainedSize {
  objects: number;
  /** Of `objects`, those the cycle collector tracks (what `gc.get_objects()` lists). */
  tracked: number;
  /** Sum of their `sys.getsizeof` (`ViewNode.size`). */
  bytes: number;
}

/** Retained facts of one object, both notions, and where it sits in the dominator tree. */
export interface ObjectRetained {
  /** Freed by the next collection if every reference to it went (itself included). */
  retained: RetainedSize;
  /** Freed at once by reference counting (all zero when a reference cycle holds it). */
  atOnce: RetainedSize;
  /**
   * Its preorder interval in the dominator tree: `a` retains `b` exactly when
   * `a.interval[0] <= b.interval[0] && b.interval[0] < a.interval[1]` — the retained set of any
   * object can be highlighted among the objects a view holds without asking the engine.
   */
  interval: [number, number];
  /** Its immediate dominator: a node id, `ROOTS_ROW` or `GARBAGE_ROW`. */
  dominator: number;
}

/**
 * One row of the dominator tree: an object (or the roots / garbage group) with what it retains.
 * A row's children are the objects it is the immediate dominator of, most retained bytes first;
 * their `retained − entries` add up to the row's `retained − entries` minus its own `size`.
 */
export interface DominatorRow {
  /** Node id, or `ROOTS_ROW` / `GARBAGE_ROW`. */
  id: number;
  /** The row it hangs under (`ROOTS_ROW` for roots and for the garbage group); null for the roots row. */
  parent: number | null;
  /** `0x7f…` (`hex(id(obj))`); null for the two group rows. */
  address: string | null;
  /** `module.qualname`; `''` for the two group rows. */
  type: string;
  /** Short text, as the graph draws it (`Session`, `dict (3)`, `'hello'`); the group rows: `roots`, `unreachable`. */
  label: string;
  /**
   * How the parent holds it. Under the roots: the root, written as a Python path
   * (`sys.modules['app']`, `__main__`, `main.<locals>.users`, `<held from outside: builtins.dict>`).
   * Under an object: the parent's reference to it when there is one (`.pool`, `['users']`, `[3]`),
   * else `''` (it is reached through several of the parent's objects). Under the garbage group: `''`.
   */
  via: string;
  /** Shallow bytes of the object itself (0 for the group rows). */
  size: number;
  retained: RetainedSize;
  atOnce: RetainedSize;
  /** The collector tracks it. */
  tracked: boolean;
  /**
   * The part of `retained` that is entries of weak containers (`WeakValueDictionary`,
   * `WeakKeyDictionary`, `WeakSet`) held elsewhere in the tree, which this object's objects'
   * deaths remove (docs/retained.md); absent when none. The row's children (and `rest`) add up
   * to `retained − entries` minus its own `size`: draw areas (a treemap) from `retained − entries`.
   */
  entries?: RetainedSize;
  /** Number of children in the dominator tree. */
  childCount: number;
  /**
   * Embedded data only (the HTML report): the ids of the children that are embedded too, most
   * retained first. When fewer than `childCount`, `rest` sums the others.
   */
  children?: number[];
  /** Embedded data only: what the children not embedded retain, together (`retained − entries`). */
  rest?: RetainedSize;
}

/** One type: its objects, their shallow bytes, and what they retain without double counting. */
export interface RetainedTypeRow {
  /** `module.qualname`. */
  type: string;
  count: number;
  /** Shallow bytes of its objects. */
  bytes: number;
  /**
   * Bytes its "tops" retain (next collection): the objects of the type that no other object of
   * the same type dominates. An object inside another of its type's retained set is not counted
   * twice, so a linked list of 1,000 `Node`s retains its bytes once, through its head.
   */
  retainedBytes: number;
  /** Objects those tops retain, themselves included. */
  retainedObjects: number;
  /** How many tops (the rows `TypeTopsRequest` lists). */
  tops: number;
}

/**
 * One of the objects that retain the most bytes (`Summary.retained.top`): see docs/retained.md
 * for which objects are candidates and how nested entries are limited.
 */
export interface RetainedTopEntry {
  /** `hex(id(obj))`. */
  address: string;
  /** `module.qualname`. */
  type: string;
  /**
   * The shortest path from a root, written as Python would (`__main__.cache`,
   * `__main__.registry['users']`, `sys.modules['app'].pool._conns[3]`,
   * `main.<locals>.users`); docs/retained.md gives the notation. Null when only references from
   * outside the heap graph (C code) reach it.
   */
  path: string | null;
  /** Everything it retains (next collection), itself included. */
  objects: number;
  /** Of those, the ones the collector tracks. */
  tracked: number;
  /** Their `sys.getsizeof`, summed. */
  bytes: number;
}

/** A group of objects of one type, in what an object retains. */
export interface RetainedGroup {
  type: string;
  /** How many of the accumulation point's children (in the dominator tree) are of this type. */
  count: number;
  /** What those children retain, together. */
  bytes: number;
  objects: number;
}

/**
 * A leak suspect: an object that retains a large share of the live heap (at least
 * `LEAK_SUSPECT_SHARE`), not inside another suspect. Where its bytes accumulate: descending from
 * it while one child retains most (80%) of its parent's bytes, the object whose children hold the
 * memory (a list of 48,211 sessions), with those children grouped by type.
 */
export interface LeakSuspect {
  /** Node id of the suspect. */
  node: number;
  address: string;
  type: string;
  /** Python path from a root (as `RetainedTopEntry.path`). */
  path: string | null;
  retained: RetainedSize;
  /** `retained.bytes` over the bytes of every live object (0..1). */
  share: number;
  /** Where the memory accumulates (the suspect itself when no single child holds most of it). */
  accumulation: {
    node: number;
    address: string;
    type: string;
    path: string | null;
    retained: RetainedSize;
  };
  /** The accumulation point's children by type, most bytes first (at most 5). */
  content: RetainedGroup[];
  /** One line: `__main__.registry['users'] → list → 48,211 × app.Session`. */
  text: string;
}

/** Share of the live heap's bytes from which an object is a leak suspect. */
export const LEAK_SUSPECT_SHARE = 0.1;

/** Totals of the heap, split between what the roots keep alive and the garbage. */
export interface RetainedTotals {
  /** Every object of the snapshot. */
  heap: RetainedSize;
  /** What the roots keep alive. */
  live: RetainedSize;
  /** What no root reaches (the next collection frees it). */
  garbage: RetainedSize;
  /** Children of the roots row: named roots and objects referenced from outside. */
  roots: number;
}

/** `"retained"` of the JSON summary (protocol/summary.ts). */
export interface RetainedSummary {
  /** The notion `top` uses: always `nextCollection` (freed by the next collection). */
  notion: 'nextCollection';
  totals: RetainedTotals;
  /** The 50 objects retaining the most bytes, largest first. */
  top: RetainedTopEntry[];
  /** Leak suspects, largest first (often none: a share of 10% of the live heap is a lot). */
  suspects: LeakSuspect[];
}

/**
 * What a view carries about retention (`HeapView.retained`): the summary's part, the type table's
 * retained column, and a part of the dominator tree — in the HTML report, the part the page can
 * show without the engine; in VS Code the panel asks the language server for more
 * (`DominatorChildrenRequest`, `TypeTopsRequest`, `RetainedSetRequest`).
 */
export interface RetainedView extends RetainedSummary {
  /** Every type with objects, most retained bytes first (capped like `HeapView.types`). */
  types: RetainedTypeRow[];
  /**
   * Rows of the dominator tree, the roots row (`ROOTS_ROW`) and the garbage group's
   * (`GARBAGE_ROW`) first: the largest subtrees first, each row's parent before it, plus the
   * largest tops of the types that retain the most (`typeTops`). `children` lists the embedded
   * children of a row; `rest` sums the others.
   */
  tree: DominatorRow[];
  /** For the types that retain the most: their largest tops (ids of `tree` rows), largest first. */
  typeTops: Record<string, number[]>;
  /** The tree is the whole heap (nothing is left out: `rest` is absent everywhere). */
  complete: boolean;
}

/** A page of dominator-tree rows (a row's children, or a type's tops). */
export interface DominatorRowPage {
  /** How many rows there are in all. */
  total: number;
  /** Index of the first row of `rows` among them. */
  offset: number;
  rows: DominatorRow[];
  /** What the rows after this page retain, together, `retained − entries` (absent when none). */
  rest?: RetainedSize;
}

/** The children of one row of the dominator tree, most retained bytes first. */
export interface DominatorChildren extends DominatorRowPage {
  parent: DominatorRow;
}

/** The tops of one type (its objects no other object of the type dominates), most bytes first. */
export interface TypeTops extends DominatorRowPage {
  type: string;
}

/** An object's retained set, in one notion: its size, its members by type, its members' ids. */
export interface RetainedSet {
  /** The object's id (or `ROOTS_ROW` / `GARBAGE_ROW`). */
  node: number;
  notion: RetainedNotion;
  size: RetainedSize;
  /** Every member grouped by type name, most bytes first (shallow bytes of the members). */
  byType: { type: string; count: number; bytes: number }[];
  /** Member ids, the object first, in dominator-tree preorder, at most the limit asked. */
  nodes: number[];
  /** `nodes` lists every member. */
  complete: boolean;
}
