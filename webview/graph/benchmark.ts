/**
 * The benchmark's hook (scripts/bench/webview.bench.mjs): pans in a circle while zooming in and
 * out for `ms` milliseconds, drawing every frame, and reports frames per second and draw times.
 */
import { zoomIdentity } from 'd3';
import type { GraphState } from './graphState';
import type { Motion } from './motion';
import type { Viewport } from './viewport';

export interface BenchmarkResult {
  fps: number;
  frames: number;
  meanDrawMs: number;
  p95DrawMs: number;
}

/** `full`: every frame drawn in full (else big graphs move their still frame, as for the user). */
export async function runBenchmark(
  s: GraphState,
  motion: Motion,
  viewport: Viewport,
  ms: number,
  full = false,
): Promise<BenchmarkResult> {
  const times: number[] = [];
  const start = performance.now();
  const f0 = motion.frames();
  const { width, height } = s.renderer.size;
  const base = s.t;
  await new Promise<void>((resolve) => {
    const step = (now: number): void => {
      const p = (now - start) / ms;
      if (p >= 1) {
        resolve();
        return;
      }
      // Pan in a circle while zooming in and out around the current view.
      const k = base.k * (1 + 0.5 * Math.sin(p * Math.PI * 4));
      const ang = p * Math.PI * 2;
      s.t = zoomIdentity
        .translate(width / 2 + Math.cos(ang) * 120, height / 2 + Math.sin(ang) * 120)
        .scale(k)
        .translate(-(width / 2 - base.x) / base.k, -(height / 2 - base.y) / base.k);
      if (!full) motion.viewMoved();
      const d0 = performance.now();
      motion.draw();
      times.push(performance.now() - d0);
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const elapsed = performance.now() - start;
  viewport.set(base);
  times.sort((a, b) => a - b);
  const n = motion.frames() - f0;
  return {
    fps: (n * 1000) / elapsed,
    frames: n,
    meanDrawMs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
    p95DrawMs: times[Math.floor(times.length * 0.95)] ?? 0,
  };
}
