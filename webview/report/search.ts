/**
 * Search: objects whose type or label contains the text, or whose address starts with it (0x…);
 * drawn matches first, most important first. Enter jumps to the next match, Escape clears.
 */
import type { ViewNode } from '../../protocol/heapView';
import type { DrawModel } from '../graph/drawModel';
import { formatCount } from '../model/format';
import type { AppActions, AppState } from './appState';

/** Ids of the objects that match `query`, heaviest first (`weight`: −1 for objects not drawn). */
export function findMatches(
  nodes: Iterable<ViewNode>,
  query: string,
  weight: (id: number) => number,
): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: number[] = [];
  for (const n of nodes) {
    if (
      n.type.toLowerCase().includes(q) ||
      n.label.toLowerCase().includes(q) ||
      (q.startsWith('0x') && n.address.toLowerCase().startsWith(q))
    ) {
      hits.push(n.id);
    }
  }
  hits.sort((a, b) => weight(b) - weight(a) || a - b);
  return hits;
}

/** `3 drawn of 12`, or `no match`. */
export function matchCount(hits: number, drawn: number): string {
  return hits === 0
    ? 'no match'
    : `${formatCount(drawn)} drawn${hits > drawn ? ` of ${formatCount(hits)}` : ''}`;
}

export interface Search {
  query(): string;
  /** The matches to emphasise on the graph (none while the query is empty). */
  highlighted(): Set<number>;
  /** Matches again (the graph changed); `jump` selects the next one. */
  update(jump: boolean): void;
  /** Searches for this text and selects the first match (the type table's links). */
  searchFor(text: string): void;
}

export function createSearch(
  st: AppState,
  act: AppActions,
  o: {
    input: HTMLInputElement;
    count: HTMLElement;
    graphBox: HTMLElement;
    initial: string;
    select(id: number): void;
  },
): Search {
  let query = o.initial;
  let hits: number[] = [];
  let at = -1;

  function update(jump: boolean): void {
    const store = st.store;
    if (!store) return;
    if (!query.trim()) {
      hits = [];
      o.count.textContent = '';
      return;
    }
    // Drawn matches first, most important first.
    const model: DrawModel | null = st.model;
    const weight = (id: number): number => {
      const i = model?.index.get(id);
      return i === undefined || !model ? -1 : model.nodes[i].weight;
    };
    hits = findMatches(store.nodes.values(), query, weight);
    const drawn = hits.filter((id) => model?.index.has(id)).length;
    o.count.textContent = matchCount(hits.length, drawn);
    o.graphBox.dataset.searchMatches = String(hits.length);
    if (jump && hits.length > 0) {
      at = (at + 1) % hits.length;
      o.select(hits[at]);
    }
  }

  o.input.addEventListener('input', () => {
    query = o.input.value;
    at = -1;
    update(false);
    act.highlightChanged();
    act.stateChanged();
  });
  o.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      update(true);
    } else if (e.key === 'Escape') {
      o.input.value = '';
      query = '';
      update(false);
      act.highlightChanged();
    }
  });

  return {
    query: () => query,
    highlighted: () => new Set(query.trim() ? hits : []),
    update,
    searchFor(text) {
      o.input.value = text;
      query = text;
      at = -1;
      update(true);
      act.highlightChanged();
    },
  };
}
