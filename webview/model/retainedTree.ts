/**
 * The memory table as a tree of rows that expand: types, whose children are their tops; objects,
 * whose children are what they dominate; a "not in this report" row where the report's tree was
 * cut; a loading row for each entry a panel has not paged in yet. Only expanded nodes hold state:
 * any visible row is found by its index in a number of steps that grows with the expanded rows
 * above it, not with the rows, so a list of a million children scrolls like one of ten. Pure: no
 * DOM.
 */
import type { DominatorRow, RetainedSize, RetainedTypeRow } from '../../protocol/retained';

export type TreeItem =
  | { kind: 'type'; type: RetainedTypeRow }
  | { kind: 'row'; row: DominatorRow }
  /** The entries of a list the HTML report does not hold, and what they retain together. */
  | { kind: 'more'; count: number; size: RetainedSize };

/** A node's children: `slots` entries, each an item or null while not loaded. */
export interface ChildList {
  slots: number;
  item(index: number): TreeItem | null;
}

export function itemKey(item: TreeItem): string {
  switch (item.kind) {
    case 'type':
      return `type:${item.type.type}`;
    case 'row':
      return `row:${item.row.id}`;
    case 'more':
      return 'more';
  }
}

export class TreeNode {
  expanded = false;
  /** Rows it shows: itself, and when expanded its children's. */
  visible = 1;
  /** Child slots while expanded (fixed when it expands). */
  slots = 0;
  /** Child nodes made so far, by index. */
  readonly kids: (TreeNode | undefined)[] = [];
  /** Indices of expanded children, ascending. */
  readonly expandedKids: number[] = [];

  constructor(
    readonly item: TreeItem | null,
    readonly parent: TreeNode | null,
    /** Index among its parent's children. */
    public index: number,
    readonly depth: number,
  ) {}
}

/** One visible row: a node, or a child slot not loaded yet (`node` null). */
export interface VisibleRow {
  node: TreeNode | null;
  parent: TreeNode;
  /** Index among the parent's children. */
  index: number;
  /** 0 for the top level. */
  depth: number;
}

export class RetainedTree {
  readonly root = new TreeNode(null, null, 0, -1);
  private top: TreeItem[] = [];

  constructor(private readonly lister: (item: TreeItem) => ChildList | null) {
    this.root.expanded = true;
  }

  /** Rows shown in all. */
  get count(): number {
    return this.root.visible - 1;
  }

  private listOf(node: TreeNode): ChildList | null {
    if (node === this.root) {
      const top = this.top;
      return { slots: top.length, item: (i) => top[i] ?? null };
    }
    return node.item ? this.lister(node.item) : null;
  }

  /** Whether a node has children to show (a leaf never expands). */
  expandable(node: TreeNode): boolean {
    if (!node.item || node.item.kind === 'more') return false;
    if (node.item.kind === 'row' && node.item.row.childCount === 0) return false;
    const list = this.listOf(node);
    return list !== null && list.slots > 0;
  }

  /** The top-level rows; expanded ones that stay (same type or object) keep their state. */
  setTop(items: TreeItem[]): void {
    const old = new Map<string, TreeNode>();
    for (const k of this.root.kids) if (k?.item) old.set(itemKey(k.item), k);
    this.top = items;
    this.root.kids.length = 0;
    this.root.expandedKids.length = 0;
    items.forEach((item, i) => {
      const kept = old.get(itemKey(item));
      if (!kept) return;
      kept.index = i;
      this.root.kids[i] = kept;
      if (kept.expanded) this.root.expandedKids.push(i);
    });
    this.root.slots = items.length;
    this.root.visible = this.measure(this.root);
  }

  private measure(node: TreeNode): number {
    if (!node.expanded) return 1;
    let v = 1 + node.slots;
    for (const k of node.expandedKids) v += (node.kids[k] as TreeNode).visible - 1;
    return v;
  }

  /** The node at a child slot, made when its item is known (null while not loaded). */
  child(parent: TreeNode, index: number): TreeNode | null {
    const made = parent.kids[index];
    if (made) return made;
    const item = this.listOf(parent)?.item(index) ?? null;
    if (!item) return null;
    const node = new TreeNode(item, parent, index, parent.depth + 1);
    parent.kids[index] = node;
    return node;
  }

  /** `node` (expanded) shows `delta` more rows: so do its ancestors, up to a collapsed one. */
  private grow(node: TreeNode, delta: number): void {
    for (let a: TreeNode | null = node; a; a = a.parent) {
      a.visible += delta;
      if (!a.parent?.expanded) break;
    }
  }

  expand(node: TreeNode): boolean {
    if (node.expanded || !this.expandable(node)) return false;
    const list = this.listOf(node) as ChildList;
    node.expanded = true;
    node.slots = list.slots;
    const before = node.visible;
    node.visible = this.measure(node);
    const parent = node.parent as TreeNode;
    const at = sortedIndex(parent.expandedKids, node.index);
    parent.expandedKids.splice(at, 0, node.index);
    if (parent.expanded) this.grow(parent, node.visible - before);
    return true;
  }

  collapse(node: TreeNode): boolean {
    if (!node.expanded || node === this.root) return false;
    const delta = node.visible - 1;
    node.expanded = false;
    node.visible = 1;
    const parent = node.parent as TreeNode;
    const at = parent.expandedKids.indexOf(node.index);
    if (at >= 0) parent.expandedKids.splice(at, 1);
    if (parent.expanded) this.grow(parent, -delta);
    return true;
  }

  /** The visible row at `index` (0 … count − 1). */
  rowAt(index: number): VisibleRow | null {
    if (index < 0 || index >= this.count) return null;
    let node = this.root;
    let i = index;
    for (;;) {
      // Within `node`'s children: skip collapsed runs and expanded subtrees in order.
      let slot = 0;
      let descended = false;
      for (const k of node.expandedKids) {
        const gap = k - slot;
        if (i < gap) return this.visible(node, slot + i);
        i -= gap;
        const kid = node.kids[k] as TreeNode;
        if (i < kid.visible) {
          if (i === 0) return this.visible(node, k);
          i -= 1;
          node = kid;
          descended = true;
          break;
        }
        i -= kid.visible;
        slot = k + 1;
      }
      if (!descended) return this.visible(node, slot + i);
    }
  }

  private visible(parent: TreeNode, index: number): VisibleRow {
    return { node: this.child(parent, index), parent, index, depth: parent.depth + 1 };
  }

  /** The row index of a node (−1 when a collapsed ancestor hides it). */
  indexOf(node: TreeNode): number {
    if (node === this.root) return -1;
    const parent = node.parent as TreeNode;
    if (!parent.expanded) return -1;
    const above = parent === this.root ? -1 : this.indexOf(parent);
    if (parent !== this.root && above < 0) return -1;
    let i = above + 1 + node.index;
    for (const k of parent.expandedKids) {
      if (k >= node.index) break;
      i += (parent.kids[k] as TreeNode).visible - 1;
    }
    return i;
  }

  /** The first child already known whose item matches (the parent must be expanded). */
  findChild(parent: TreeNode, match: (item: TreeItem) => boolean): TreeNode | null {
    const list = this.listOf(parent);
    if (!list) return null;
    for (let i = 0; i < list.slots; i++) {
      const item = list.item(i);
      if (item && match(item)) return this.child(parent, i);
    }
    return null;
  }

  /** Child slots are known again after pages came in: recount (a total may have changed). */
  refresh(): void {
    const visit = (node: TreeNode): void => {
      for (const k of node.expandedKids) visit(node.kids[k] as TreeNode);
      if (node !== this.root && node.expanded) {
        node.slots = this.listOf(node)?.slots ?? node.slots;
      }
      node.visible = this.measure(node);
    };
    visit(this.root);
  }
}

function sortedIndex(list: number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
