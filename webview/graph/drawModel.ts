/**
 * What the canvas draws, derived from the store: the shown objects less those the filters hide
 * (with their references bridged), or groups of them (by type or by cycle) when asked or when
 * there are more than the graph draws one by one. Pure: no DOM.
 */
import type { ViewEdge, ViewNode } from '../../protocol/heapView';
import type { TypeCategory } from '../../protocol/snapshot';
import { hiddenByFilters, type Filters } from '../model/filters';
import { displayType, plural, shortType, truncate } from '../model/format';
import { CATEGORY_RADIUS } from './shapes';
import type { GraphStore } from '../model/graphStore';

/** More objects than this are drawn grouped by type. */
export const MAX_DRAWN = 25_000;

export type GroupBy = 'none' | 'type' | 'cycle';

export interface Group {
  key: string;
  kind: 'type' | 'cycle';
  members: number[];
  type: string;
  unreachable: number;
  bytes: number;
  finalizers: number;
}

export interface DrawNode {
  /** Node id, or a negative id for a group. */
  id: number;
  n: ViewNode;
  group: Group | null;
  cat: TypeCategory;
  r: number;
  label: string;
  /** Badge text and kind, or null. */
  badge: string | null;
  badgeKind: 'del' | 'generator' | 'native' | 'finalize' | 'error' | null;
  unreachable: boolean;
  root: boolean;
  /** Drawing priority for labels (higher first). */
  weight: number;
}

export interface DrawEdge {
  s: number;
  t: number;
  label: string;
  weak: boolean;
  /** Both ends unreachable: part of what the collector frees. */
  bad: boolean;
  /** Drawn through a hidden object (`label` is the two references joined). */
  bridged: boolean;
  /** Offset among edges between the same two nodes (0 = straight). */
  bend: number;
  /** Which loop around the node, for self references. */
  loop: number;
  /** How many references a group edge stands for. */
  count: number;
  /** The underlying reference (for groups: the first). */
  e: ViewEdge;
}

export interface DrawHull {
  cycle: number;
  members: number[];
  unreachable: boolean;
  label: string;
}

export interface DrawModel {
  nodes: DrawNode[];
  index: Map<number, number>;
  edges: DrawEdge[];
  hulls: DrawHull[];
  /** Objects hidden by the filters. */
  hidden: number;
  /** Grouping in effect (may be forced by size). */
  groupBy: GroupBy;
  forcedGrouping: boolean;
  /** Id of every object drawn (members of groups included). */
  objectCount: number;
}

export const FINALIZER_BADGE: Record<string, string> = {
  del: '__del__',
  generator: 'finally',
  native: 'finalizer',
  finalize: 'weakref.finalize',
};

function nodeRadius(n: ViewNode): number {
  return CATEGORY_RADIUS[n.category];
}

function drawNode(n: ViewNode, hulls: boolean): DrawNode {
  let badge: string | null = null;
  let badgeKind: DrawNode['badgeKind'] = null;
  if (n.selfDefeating) {
    badge = '⚠ finalize keeps it alive';
    badgeKind = 'error';
  } else if (n.finalizer) {
    badge = FINALIZER_BADGE[n.finalizer];
    badgeKind = n.finalizer;
  }
  const weight =
    (n.unreachable ? 8 : 0) +
    (n.selfDefeating ? 8 : 0) +
    (n.finalizer ? 4 : 0) +
    (n.root ? 3 : 0) +
    (n.category === 'instance' || n.category === 'generator' ? 2 : 0) +
    (hulls && n.cycle !== null ? 1 : 0);
  return {
    id: n.id,
    n,
    group: null,
    cat: n.category,
    r: nodeRadius(n),
    label: truncate(n.label || shortType(n.type), 32),
    badge,
    badgeKind,
    unreachable: n.unreachable,
    root: n.root,
    weight,
  };
}

export interface BuildOptions {
  shown: Iterable<number>;
  filters: Filters;
  groupBy: GroupBy;
  /** Never hidden by filters (selection, highlighted path). */
  keep: Set<number>;
  /** Groups the user opened (drawn object by object even when grouping). */
  openGroups?: Set<string>;
}

export function buildDrawModel(store: GraphStore, o: BuildOptions): DrawModel {
  const visible: ViewNode[] = [];
  const hiddenIds = new Set<number>();
  for (const id of o.shown) {
    const n = store.nodes.get(id);
    if (!n) continue;
    if (!o.keep.has(id) && hiddenByFilters(n, o.filters)) hiddenIds.add(id);
    else visible.push(n);
  }
  const forced = o.groupBy === 'none' && visible.length > MAX_DRAWN;
  const groupBy: GroupBy = forced ? 'type' : o.groupBy;

  // Groups.
  const groupOf = new Map<number, Group>();
  const groups = new Map<string, Group>();
  if (groupBy !== 'none') {
    for (const n of visible) {
      let key: string | null = null;
      if (groupBy === 'type') key = `t:${n.type}:${n.unreachable ? 'u' : 'l'}`;
      else if (n.cycle !== null) key = `c:${n.cycle}`;
      if (key === null || o.keep.has(n.id) || o.openGroups?.has(key)) continue;
      let g = groups.get(key);
      if (!g) {
        g = {
          key,
          kind: groupBy === 'type' ? 'type' : 'cycle',
          members: [],
          type: n.type,
          unreachable: 0,
          bytes: 0,
          finalizers: 0,
        };
        groups.set(key, g);
      }
      g.members.push(n.id);
      g.unreachable += n.unreachable ? 1 : 0;
      g.bytes += n.size;
      g.finalizers += n.finalizer ? 1 : 0;
      groupOf.set(n.id, g);
    }
    // A group of one is drawn as its object.
    for (const [key, g] of groups) {
      if (g.members.length < 2) {
        groups.delete(key);
        groupOf.delete(g.members[0]);
      }
    }
  }

  const nodes: DrawNode[] = [];
  const index = new Map<number, number>();
  const groupIds = new Map<Group, number>();
  let gid = -1;
  for (const n of visible) {
    const g = groupOf.get(n.id);
    if (!g) {
      index.set(n.id, nodes.length);
      nodes.push(drawNode(n, true));
      continue;
    }
    if (groupIds.has(g)) {
      index.set(n.id, groupIds.get(g) as number);
      continue;
    }
    const i = nodes.length;
    groupIds.set(g, i);
    index.set(n.id, i);
    const types = new Set(g.members.map((m) => store.nodes.get(m)?.type));
    const label =
      g.kind === 'type'
        ? `${displayType(g.type)} ×${g.members.length}`
        : `cycle: ${plural(g.members.length, 'object')}${types.size === 1 ? ` (${shortType(g.type)})` : ''}`;
    const dn = drawNode(n, false);
    nodes.push({
      ...dn,
      id: gid--,
      group: g,
      r: dn.r + Math.min(22, 3 * Math.log2(g.members.length)),
      label: truncate(label, 40),
      badge: g.finalizers > 0 ? `${g.finalizers} × ${dn.badge ?? 'finalizer'}` : null,
      badgeKind: g.finalizers > 0 ? (dn.badgeKind ?? 'del') : null,
      unreachable: g.unreachable === g.members.length,
      root: false,
      weight: dn.weight + Math.log2(g.members.length),
    });
  }

  // Edges (group edges merged; references through hidden objects bridged).
  const edges: DrawEdge[] = [];
  const merged = new Map<string, DrawEdge>();
  const push = (s: number, t: number, e: ViewEdge, label: string, bridged: boolean): void => {
    const sn = nodes[s];
    const tn = nodes[t];
    const d: DrawEdge = {
      s,
      t,
      label,
      weak: e.weak,
      bad: sn.unreachable && tn.unreachable,
      bridged,
      bend: 0,
      loop: 0,
      count: 1,
      e,
    };
    if (sn.group || tn.group) {
      if (s === t && sn.group?.kind === 'type') return;
      // References to and from a group are one edge per direction and kind.
      const key = `${s}>${t}>${e.weak ? 'w' : 's'}`;
      const m = merged.get(key);
      if (m) {
        m.count++;
        if (m.label !== label) m.label = '';
        return;
      }
      merged.set(key, d);
    }
    edges.push(d);
  };
  for (const n of visible) {
    const s = index.get(n.id) as number;
    for (const e of store.out.get(n.id) ?? []) {
      const t = index.get(e.to);
      if (t !== undefined) push(s, t, e, e.label, false);
    }
  }
  for (const h of hiddenIds) {
    const ins = (store.in.get(h) ?? []).filter((e) => index.has(e.from) && !e.weak);
    const outs = (store.out.get(h) ?? []).filter((e) => index.has(e.to));
    if (ins.length * outs.length > 64) continue;
    for (const a of ins) {
      for (const b of outs) {
        if (a.from === b.to && ins.length * outs.length > 1) continue;
        const label = joinLabels(a.label, b.label);
        push(
          index.get(a.from) as number,
          index.get(b.to) as number,
          { ...b, from: a.from },
          label,
          true,
        );
      }
    }
  }
  for (const d of edges) if (d.count > 1 && !d.label) d.label = `${d.count} refs`;

  // Multi-edges bend apart; self references loop.
  const pair = new Map<string, DrawEdge[]>();
  const loops = new Map<number, number>();
  for (const d of edges) {
    if (d.s === d.t) {
      d.loop = loops.get(d.s) ?? 0;
      loops.set(d.s, d.loop + 1);
      continue;
    }
    const key = d.s < d.t ? `${d.s}:${d.t}` : `${d.t}:${d.s}`;
    const list = pair.get(key);
    if (list) list.push(d);
    else pair.set(key, [d]);
  }
  for (const list of pair.values()) {
    if (list.length < 2) continue;
    list.forEach((d, i) => {
      d.bend = i - (list.length - 1) / 2;
    });
  }

  // Cycle outlines (not in cycle grouping: the group is the cycle).
  const hulls: DrawHull[] = [];
  if (groupBy !== 'cycle') {
    const byCycle = new Map<number, number[]>();
    nodes.forEach((d, i) => {
      if (d.group || d.n.cycle === null) return;
      const list = byCycle.get(d.n.cycle);
      if (list) list.push(i);
      else byCycle.set(d.n.cycle, [i]);
    });
    const cycles = store.view.cycles;
    for (const [c, members] of byCycle) {
      const vc = cycles[c];
      const size = vc?.size ?? members.length;
      const unreachable = vc?.unreachable ?? members.every((m) => nodes[m].unreachable);
      hulls.push({
        cycle: c,
        members,
        unreachable,
        label: `${unreachable ? 'unreachable cycle' : 'cycle'} ${c + 1} · ${plural(size, 'object')}`,
      });
    }
  }

  return {
    nodes,
    index,
    edges,
    hulls,
    hidden: hiddenIds.size,
    groupBy,
    forcedGrouping: forced,
    objectCount: visible.length,
  };
}

function joinLabels(a: string, b: string): string {
  if (a === '__dict__' && b.startsWith("['")) {
    const m = /^\['([A-Za-z_][A-Za-z0-9_]*)'\]$/.exec(b);
    if (m) return `.${m[1]}`;
  }
  if (!a) return b;
  if (!b) return a;
  return `${a}${b.startsWith('.') || b.startsWith('[') ? '' : ' '}${b}`;
}
