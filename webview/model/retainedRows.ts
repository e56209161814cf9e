/**
 * The rows of the dominator tree the page knows (protocol/retained.ts): those the view embeds and
 * the pages asked for since. A row's children, and a type's tops, are lists in the server's order
 * (most retained bytes first) of which some entries are known: all of them when the view embeds
 * the whole list; in the HTML report the embedded ones, and what the others retain together
 * (`rest`: not in this report); in a VS Code panel the pages loaded so far. Pure: no DOM.
 */
import type {
  DominatorRow,
  DominatorRowPage,
  RetainedSize,
  RetainedTypeRow,
  RetainedView,
} from '../../protocol/retained';

/** A list of rows as far as it is known. */
export interface KnownList {
  /** Entries in all (in the heap). */
  total: number;
  /** Known entries by index (a sparse array of `total` slots in a panel). */
  rows: (DominatorRow | undefined)[];
  /**
   * The HTML report only: the entries after `rows` are not in the report; together they retain
   * this (`retained − entries`).
   */
  notInReport: { count: number; size: RetainedSize } | null;
}

/** Where pages of rows come from (the panel's extension); null: nowhere (the report). */
export interface RowPager {
  children(node: number, offset: number, limit: number): Promise<DominatorRowPage | null>;
  typeTops(type: string, offset: number, limit: number): Promise<DominatorRowPage | null>;
}

/** Rows a page asks for at once. */
export const PAGE_ROWS = 200;

const ZERO: RetainedSize = { objects: 0, tracked: 0, bytes: 0 };

function minus(a: RetainedSize, b: RetainedSize): RetainedSize {
  return {
    objects: Math.max(0, a.objects - b.objects),
    tracked: Math.max(0, a.tracked - b.tracked),
    bytes: Math.max(0, a.bytes - b.bytes),
  };
}

/** What a row's subtree holds of its own: `retained − entries` (docs/retained.md). */
export function ownTree(row: DominatorRow): RetainedSize {
  return row.entries ? minus(row.retained, row.entries) : row.retained;
}

export class RetainedRows {
  readonly view: RetainedView;
  private readonly rows = new Map<number, DominatorRow>();
  private readonly children = new Map<number, KnownList>();
  private readonly tops = new Map<string, KnownList>();
  readonly types = new Map<string, RetainedTypeRow>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    view: RetainedView,
    /** Pages from the extension (panel), or null (report: what is embedded is all there is). */
    private readonly pager: RowPager | null,
  ) {
    this.view = view;
    for (const r of view.tree) this.rows.set(r.id, r);
    for (const t of view.types) this.types.set(t.type, t);
  }

  get paged(): boolean {
    return this.pager !== null;
  }

  row(id: number): DominatorRow | undefined {
    return this.rows.get(id);
  }

  /** The live heap's bytes: what shares are of. */
  get liveBytes(): number {
    return this.view.totals.live.bytes;
  }

  /** A row's children as known now (null: the row is unknown). */
  childrenOf(id: number): KnownList | null {
    const cached = this.children.get(id);
    if (cached) return cached;
    const row = this.rows.get(id);
    if (!row) return null;
    const embedded = (row.children ?? []).map((c) => this.rows.get(c));
    const complete = row.rest === undefined && embedded.length === row.childCount;
    let list: KnownList;
    if (complete || !this.pager) {
      list = {
        total: complete ? row.childCount : embedded.length,
        rows: embedded,
        notInReport:
          complete || row.childCount === embedded.length
            ? null
            : { count: row.childCount - embedded.length, size: row.rest ?? ZERO },
      };
    } else {
      // A panel pages the list from its start: the server's order is the one to follow.
      list = { total: row.childCount, rows: new Array(row.childCount), notInReport: null };
    }
    this.children.set(id, list);
    return list;
  }

  /** A type's tops as known now (null: no such type). */
  topsOf(type: string): KnownList | null {
    const cached = this.tops.get(type);
    if (cached) return cached;
    const t = this.types.get(type);
    if (!t) return null;
    const ids = this.view.typeTops[type] ?? [];
    const embedded = ids.map((id) => this.rows.get(id));
    let list: KnownList;
    if (embedded.length === t.tops || !this.pager) {
      let known: RetainedSize = { ...ZERO };
      for (const r of embedded) {
        if (!r) continue;
        known = {
          objects: known.objects + r.retained.objects,
          tracked: known.tracked + r.retained.tracked,
          bytes: known.bytes + r.retained.bytes,
        };
      }
      list = {
        total: embedded.length,
        rows: embedded,
        notInReport:
          t.tops > embedded.length
            ? {
                count: t.tops - embedded.length,
                size: minus(
                  { objects: t.retainedObjects, tracked: 0, bytes: t.retainedBytes },
                  known,
                ),
              }
            : null,
      };
    } else {
      list = { total: t.tops, rows: new Array(t.tops), notInReport: null };
    }
    this.tops.set(type, list);
    return list;
  }

  /**
   * Loads the page holding entries `[offset, offset + limit)` of a row's children (`of` a row id)
   * or a type's tops (`of` a type name), unless known or asked already. Resolves when the rows
   * are in (or the question failed: the entries stay unknown).
   */
  load(of: number | string, offset: number, limit = PAGE_ROWS): Promise<void> {
    const list = typeof of === 'number' ? this.childrenOf(of) : this.topsOf(of);
    if (!list || !this.pager) return Promise.resolve();
    const from = Math.max(0, Math.floor(offset / limit) * limit);
    const to = Math.min(list.total, from + limit);
    let missing = false;
    for (let i = from; i < to && !missing; i++) missing = list.rows[i] === undefined;
    if (!missing) return Promise.resolve();
    const key = `${typeof of === 'number' ? 'row' : 'type'}:${of}:${from}`;
    const pending = this.pending.get(key);
    if (pending) return pending;
    const pager = this.pager;
    const ask =
      typeof of === 'number' ? pager.children(of, from, limit) : pager.typeTops(of, from, limit);
    const done = ask
      .then((page) => {
        if (page) this.fill(list, page);
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, done);
    return done;
  }

  /** A page's rows into their list (and into the rows known by id). */
  private fill(list: KnownList, page: DominatorRowPage): void {
    if (page.total !== list.total) list.total = page.total;
    if (list.rows.length < list.total) list.rows.length = list.total;
    page.rows.forEach((r, k) => {
      const known = this.rows.get(r.id);
      const row = known ?? r;
      if (!known) this.rows.set(r.id, r);
      if (page.offset + k < list.total) list.rows[page.offset + k] = row;
    });
  }
}
