/**
 * Runs the layout (layoutProgram.ts) in a Web Worker made from a Blob of its own source, so the
 * single-file HTML report and the VS Code webview need no separate worker file; the CSP must
 * allow `worker-src blob:`. When a worker cannot be made (or fails to start), the same engine
 * runs on the page's thread in small slices.
 */
import { manyBodyForce } from './layoutManyBody';
import { layoutEngine, workerMain, type LayoutInit, type LayoutTick } from './layoutProgram';

export type LayoutMode = 'worker' | 'main-thread';

export interface LayoutClient {
  readonly mode: () => LayoutMode;
  start(init: Omit<LayoutInit, 'type' | 'gen'>): number;
  drag(i: number, x: number, y: number): void;
  stop(): void;
  dispose(): void;
}

/** The worker's source: the bootstrap called with the engine factory, given its repulsion. */
export function workerSource(): string {
  const engine = `function () { return (${layoutEngine.toString()})(${manyBodyForce.toString()}); }`;
  return `"use strict";(${workerMain.toString()})(${engine});`;
}

export function createLayoutClient(onTick: (t: LayoutTick) => void): LayoutClient {
  let gen = 0;
  let mode: LayoutMode = 'worker';
  let worker: Worker | null = null;
  let url: string | null = null;
  let local: ReturnType<typeof layoutEngine> | null = null;
  let localTimer: ReturnType<typeof setTimeout> | null = null;
  let last: LayoutInit | null = null;
  let heard = false;

  const fallback = (): void => {
    if (mode === 'main-thread') return;
    mode = 'main-thread';
    worker?.terminate();
    worker = null;
    if (last) startLocal(last);
  };

  try {
    url = URL.createObjectURL(new Blob([workerSource()], { type: 'text/javascript' }));
    worker = new Worker(url, { name: 'heap-graph-layout' });
    worker.onmessage = (e: MessageEvent) => {
      heard = true;
      const t = e.data as LayoutTick;
      if (t && t.type === 'tick' && t.gen === gen) onTick(t);
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      fallback();
    };
  } catch {
    worker = null;
    mode = 'main-thread';
  }

  function startLocal(init: LayoutInit): void {
    local ??= layoutEngine(manyBodyForce);
    local.init(init);
    if (localTimer !== null) clearTimeout(localTimer);
    const loop = (): void => {
      localTimer = null;
      const t = local?.run(12);
      if (!t) return;
      if (t.gen === gen) onTick(t);
      if (!t.done) localTimer = setTimeout(loop, 0);
    };
    localTimer = setTimeout(loop, 0);
  }

  return {
    mode: () => mode,
    start(init): number {
      gen++;
      const msg: LayoutInit = { type: 'init', gen, ...init };
      last = msg;
      if (worker) {
        worker.postMessage(msg);
        // A worker blocked by the page's policy may never answer: fall back after a while.
        if (!heard) {
          const g = gen;
          setTimeout(() => {
            if (!heard && g === gen) fallback();
          }, 1500);
        }
      } else {
        startLocal(msg);
      }
      return gen;
    },
    drag(i, x, y): void {
      if (worker) worker.postMessage({ type: 'drag', i, x, y });
      else if (local) {
        local.drag(i, x, y);
        if (localTimer === null && last) {
          const loop = (): void => {
            localTimer = null;
            const t = local?.run(12);
            if (!t) return;
            onTick(t);
            if (!t.done) localTimer = setTimeout(loop, 0);
          };
          localTimer = setTimeout(loop, 0);
        }
      }
    },
    stop(): void {
      worker?.postMessage({ type: 'stop' });
      local?.stop();
    },
    dispose(): void {
      worker?.terminate();
      worker = null;
      if (localTimer !== null) clearTimeout(localTimer);
      if (url) URL.revokeObjectURL(url);
    },
  };
}
