/**
 * The treemap of retained bytes: a row of the dominator tree as a rectangle whose area is what
 * its subtree holds (`retained − entries`), nested a few levels deep — its largest children, its
 * own bytes, and "N more" for the rest — laid out with d3-hierarchy (squarified). Small children
 * are folded into "N more" so that every drawn rectangle can be told apart. Pure: no DOM.
 */
import { hierarchy, treemap, treemapSquarify, type HierarchyRectangularNode } from 'd3';
import type { DominatorRow, RetainedGroup } from '../../protocol/retained';
import type { TypeCategory } from '../../protocol/snapshot';
import { ownTree, type RetainedRows } from './retainedRows';

export interface TreemapNode {
  /** Row id; for the synthetic leaves, the parent's. */
  id: number;
  /** An object; its own bytes; children of one type together; the children not drawn. */
  kind: 'row' | 'self' | 'group' | 'more';
  /** `['users']`, `.pool`, `__main__.__dict__`, or what a synthetic leaf is. */
  name: string;
  /** The object's label (`list (52000)`), or the leaf's. */
  label: string;
  type: string;
  /** Bytes this rectangle stands for (its leaves' sum). */
  value: number;
  /** Objects it stands for. */
  objects: number;
  /** Children in the dominator tree (the row's), for "open it". */
  childCount: number;
  children?: TreemapNode[];
}

export interface TreemapRect {
  node: TreemapNode;
  depth: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Has drawn children (a frame with a title band). */
  parent: boolean;
}

export interface TreemapOptions {
  /** Levels below the root to nest. */
  depth: number;
  /** Children of one row drawn at most; the rest are folded. */
  maxChildren: number;
  /** Children smaller than this share of the root are folded (by type, when known). */
  minShare: number;
  /** Rows whose children are known grouped by type (the leak suspects' accumulation points). */
  groups?: Map<number, RetainedGroup[]>;
}

export const TREEMAP_DEFAULTS: TreemapOptions = { depth: 3, maxChildren: 40, minShare: 0.002 };

/** The tree of rectangles under row `rootId`, as far as the rows the page knows reach. */
export function treemapTree(
  rows: RetainedRows,
  rootId: number,
  o: TreemapOptions = TREEMAP_DEFAULTS,
): TreemapNode | null {
  const root = rows.row(rootId);
  if (!root) return null;
  const total = Math.max(1, ownTree(root).bytes);
  const build = (row: DominatorRow, depth: number): TreemapNode => {
    const own = ownTree(row);
    const node: TreemapNode = {
      id: row.id,
      kind: 'row',
      name: row.via,
      label: row.label,
      type: row.type,
      value: own.bytes,
      objects: own.objects,
      childCount: row.childCount,
    };
    // Beyond the depth, only children known by type (a suspect's content) are drawn.
    if (row.childCount === 0 || (depth >= o.depth && !o.groups?.has(row.id))) return node;
    const kids: TreemapNode[] = [];
    let restBytes = own.bytes - row.size;
    let restObjects = own.objects - (row.id < 0 ? 0 : 1);
    let folded = row.childCount;
    const take = (n: TreemapNode, count: number): void => {
      kids.push(n);
      restBytes -= n.value;
      restObjects -= n.objects;
      folded -= count;
    };
    const groups = o.groups?.get(row.id);
    if (groups) {
      // Every child is counted in its group: no child is drawn on its own as well.
      for (const g of groups) take(groupNode(row, g.type, g.count, g.bytes, g.objects), g.count);
    } else {
      const small = new Map<string, { count: number; bytes: number; objects: number }>();
      for (const c of rows.childrenOf(row.id)?.rows ?? []) {
        if (!c) continue;
        const size = ownTree(c);
        if (kids.length < o.maxChildren && size.bytes >= o.minShare * total) {
          take(build(c, depth + 1), 1);
          continue;
        }
        const g = small.get(c.type) ?? { count: 0, bytes: 0, objects: 0 };
        g.count++;
        g.bytes += size.bytes;
        g.objects += size.objects;
        small.set(c.type, g);
      }
      for (const [type, g] of [...small].sort((a, b) => b[1].bytes - a[1].bytes)) {
        if (kids.length >= o.maxChildren || g.bytes < o.minShare * total || g.count < 2) continue;
        take(groupNode(row, type, g.count, g.bytes, g.objects), g.count);
      }
    }
    if (kids.length === 0) return node;
    if (row.size > 0) {
      kids.push({ ...leaf(row, 'self', 'itself', row.label), value: row.size, objects: 1 });
    }
    if (restBytes > 0 && folded > 0) {
      kids.push({
        ...leaf(
          row,
          'more',
          `${folded.toLocaleString('en-US')} smaller`,
          'objects, each with what it holds',
        ),
        value: restBytes,
        objects: Math.max(0, restObjects),
        childCount: folded,
      });
    }
    node.children = kids;
    return node;
  };
  return build(root, 0);
}

/** Children of one type together: `51,947 × Session`. */
function groupNode(
  row: DominatorRow,
  type: string,
  count: number,
  bytes: number,
  objects: number,
): TreemapNode {
  const short = type.replace(/^(builtins|__main__)\./, '');
  return {
    ...leaf(row, 'group', `${count.toLocaleString('en-US')} × ${short}`, `each with what it holds`),
    type,
    value: bytes,
    objects,
  };
}

function leaf(
  row: DominatorRow,
  kind: 'self' | 'group' | 'more',
  name: string,
  label: string,
): TreemapNode {
  return { id: row.id, kind, name, label, type: row.type, value: 0, objects: 0, childCount: 0 };
}

/** Rectangles of `tree` in a `width` × `height` box, parents before their children. */
export function layoutTreemap(tree: TreemapNode, width: number, height: number): TreemapRect[] {
  if (width <= 0 || height <= 0) return [];
  const h = hierarchy<TreemapNode>(tree, (d) => d.children)
    .sum((d) => (d.children ? 0 : Math.max(0, d.value)))
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
  const laid = treemap<TreemapNode>()
    .tile(treemapSquarify)
    .size([width, height])
    .paddingOuter(3)
    .paddingTop((d) => (d.depth === 0 ? 0 : 18))
    .paddingInner(2)
    .round(true)(h);
  const out: TreemapRect[] = [];
  laid.each((d: HierarchyRectangularNode<TreemapNode>) => {
    if (d.depth === 0) return;
    if (d.x1 - d.x0 < 2 || d.y1 - d.y0 < 2) return;
    out.push({
      node: d.data,
      depth: d.depth,
      x0: d.x0,
      y0: d.y0,
      x1: d.x1,
      y1: d.y1,
      parent: (d.children?.length ?? 0) > 0,
    });
  });
  return out;
}

/** The category a rectangle is coloured by: its type's, from the view's type table. */
export function categoryOf(
  type: string,
  categories: Map<string, TypeCategory>,
): TypeCategory | 'garbage' | 'group' {
  if (type === '') return 'group';
  return categories.get(type) ?? 'other';
}

/** `text` cut to fit `width` px at about `charWidth` px a character (null: not even one). */
export function fitLabel(text: string, width: number, charWidth = 7): string | null {
  const room = Math.floor((width - 8) / charWidth);
  if (room < 3) return null;
  const chars = Array.from(text);
  return chars.length <= room ? text : `${chars.slice(0, room - 1).join('')}…`;
}
