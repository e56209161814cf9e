/**
 * Where "Why is this alive?" and "expand" get their answers: in the HTML report, from the data
 * embedded in the page; in the VS Code panel, from the extension (protocol/messages.ts requests,
 * answered asynchronously), with what is already known answered at once.
 */
import type { FromWebview, Neighbourhood, RetentionPath } from '../../protocol/messages';
import type { DominatorRowPage } from '../../protocol/retained';
import type { StepperData } from '../../protocol/stepper';
import type { GraphStore, PathInfo } from './graphStore';
import type { RowPager } from './retainedRows';

export interface PathAnswer {
  /** null: no root reaches it. */
  path: PathInfo | null;
  /** false: the data at hand cannot say (not embedded in this report). */
  known: boolean;
}

export interface NeighbourAnswer {
  ids: number[];
  /** How many exist in the heap. */
  total: number;
  /** Every one of them is known. */
  complete: boolean;
}

export interface DataSource {
  readonly mode: 'report' | 'panel';
  path(store: GraphStore, id: number): Promise<PathAnswer>;
  neighbours(
    store: GraphStore,
    id: number,
    direction: 'referents' | 'referrers',
  ): Promise<NeighbourAnswer>;
  post(message: FromWebview): void;
  /** The collector stepper's numbers (panel: asked of the extension; report: embedded, so null). */
  stepper(nodes?: number[]): Promise<StepperData | null>;
  /** Rows of the dominator tree the view does not embed (panel); null: none but those (report). */
  readonly rows: RowPager | null;
}

function local(
  store: GraphStore,
  id: number,
  direction: 'referents' | 'referrers',
): NeighbourAnswer {
  const nb = store.neighbours(id, direction);
  return { ids: nb.ids, total: Math.max(nb.total, nb.ids.length), complete: nb.complete };
}

export function embeddedSource(): DataSource {
  return {
    mode: 'report',
    async path(store, id) {
      const p = store.knownPath(id);
      return p === undefined ? { path: null, known: false } : { path: p, known: true };
    },
    async neighbours(store, id, direction) {
      return local(store, id, direction);
    },
    post() {},
    async stepper() {
      return null;
    },
    rows: null,
  };
}

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Talks to the extension; `receive` is called by the page's message handler with checked answers. */
export function panelSource(
  api: VsCodeApi,
  timeoutMs = 30_000,
): DataSource & {
  receivePath(requestId: number, path: RetentionPath | null): void;
  receiveNeighbourhood(requestId: number, nb: Neighbourhood): void;
  receiveStepper(requestId: number, data: StepperData): void;
  receiveRows(requestId: number, page: DominatorRowPage | null): void;
} {
  let next = 1;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; timer: ReturnType<typeof setTimeout> }
  >();
  const ask = <T>(make: (requestId: number) => FromWebview): Promise<T | undefined> =>
    new Promise((resolve) => {
      const requestId = next++;
      const timer = setTimeout(() => {
        pending.delete(requestId);
        resolve(undefined);
      }, timeoutMs);
      pending.set(requestId, { resolve: resolve as (v: unknown) => void, timer });
      api.postMessage(make(requestId));
    });
  const settle = (requestId: number, value: unknown): void => {
    const p = pending.get(requestId);
    if (!p) return;
    pending.delete(requestId);
    clearTimeout(p.timer);
    p.resolve(value);
  };
  return {
    mode: 'panel',
    async path(store, id) {
      const answer = await ask<{ path: RetentionPath | null }>((requestId) => ({
        type: 'requestPath',
        requestId,
        node: id,
      }));
      if (answer === undefined) {
        const p = store.knownPath(id);
        return p === undefined ? { path: null, known: false } : { path: p, known: true };
      }
      store.addPath(answer.path, id);
      return { path: store.knownPath(id) ?? null, known: true };
    },
    async neighbours(store, id, direction) {
      const known = local(store, id, direction);
      if (known.complete) return known;
      const nb = await ask<Neighbourhood>((requestId) => ({
        type: 'requestNeighbourhood',
        requestId,
        node: id,
        direction,
      }));
      if (!nb || nb.center !== id || nb.direction !== direction) return known;
      const ids = store.addNeighbourhood(nb);
      return {
        ids: [...new Set([...ids, ...known.ids])],
        total: nb.total,
        complete: ids.length >= nb.total,
      };
    },
    post(message) {
      api.postMessage(message);
    },
    async stepper(nodes) {
      const answer = await ask<StepperData>((requestId) =>
        nodes
          ? { type: 'requestStepper', requestId, nodes }
          : { type: 'requestStepper', requestId },
      );
      return answer ?? null;
    },
    receiveStepper(requestId, data) {
      settle(requestId, data);
    },
    receivePath(requestId, path) {
      settle(requestId, { path });
    },
    receiveNeighbourhood(requestId, nb) {
      settle(requestId, nb);
    },
    rows: {
      async children(node, offset, limit) {
        const page = await ask<DominatorRowPage | null>((requestId) => ({
          type: 'requestDominatorChildren',
          requestId,
          node,
          offset,
          limit,
        }));
        return page ?? null;
      },
      async typeTops(typeName, offset, limit) {
        const page = await ask<DominatorRowPage>((requestId) => ({
          type: 'requestTypeTops',
          requestId,
          typeName,
          offset,
          limit,
        }));
        return page ?? null;
      },
    },
    receiveRows(requestId, page) {
      settle(requestId, page);
    },
  };
}
