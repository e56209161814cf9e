/**
 * Before and after a real collection, on the graph: the objects the collector freed fade out, then
 * the graph shows the capture taken after it (VS Code, paused program) or, without one, the
 * capture less what was freed; and back. A view that arrives during the animation waits for it.
 */
import { plural } from '../../model/format';
import type { StepperHost, StepperSession } from './session';

const FADE_MS = 1300;

export interface TransitionDeps {
  /** The stepper's panel element (it says when an animation runs: `data-animating`). */
  element: HTMLElement;
  render(): void;
  /** Draws the older roots again, or takes them back. */
  applyAdded(): void;
  removeAdded(): void;
  /** Panel: asks for the numbers of the view shown. */
  ensureData(): Promise<void>;
}

export interface Transitions {
  showAfter(animate: boolean): void;
  showBefore(): void;
  /** From the after view: leave the comparison, step through a collection of this capture. */
  stepAfter(): void;
  /** A `view` message to hold back while an animation runs (true: it will be shown later). */
  deferView(apply: (fit: boolean) => void): boolean;
}

export function createTransitions(
  s: StepperSession,
  host: StepperHost,
  d: TransitionDeps,
): Transitions {
  const reduced = (): boolean =>
    window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

  /** Fades the collected objects out, then calls `done`. */
  function fadeOut(done: () => void): void {
    const store = host.store();
    const c = s.reality?.comparison;
    if (!store || !c) return done();
    const resurrected = new Set(c.resurrected);
    s.fading = new Set(
      c.collected.addresses
        .filter((a) => !resurrected.has(a))
        .map((a) => store.byAddress.get(a))
        .filter((id): id is number => id !== undefined && host.isDrawn(id)),
    );
    if (s.fading.size === 0 || reduced()) {
      s.fading = new Set();
      return done();
    }
    d.element.dataset.animating = 'true';
    host.refresh();
    const start = performance.now();
    const finish = (): void => {
      s.animation = null;
      s.fading = new Set();
      host.setFade(1);
      d.element.dataset.animating = 'false';
      done();
      // A view that arrived meanwhile (not the one this animation leads to).
      const late = s.deferred;
      s.deferred = null;
      late?.(false);
    };
    const frame = (now: number): void => {
      const u = Math.min(1, (now - start) / FADE_MS);
      host.setFade(1 - u);
      if (u >= 1) return finish();
      if (s.animation) s.animation.frame = requestAnimationFrame(frame);
    };
    s.animation = { frame: requestAnimationFrame(frame), done: finish };
  }

  function showAfter(animate: boolean): void {
    const r = s.reality;
    if (!r || r.showing === 'after') return;
    const show = (): void => {
      if (r.after) {
        s.expect = 'after';
        r.showing = 'after';
        host.showView(r.after);
      } else {
        // No capture after the collection: hide what the collector freed.
        const store = host.store();
        const resurrected = new Set(r.comparison.resurrected);
        r.hidden = r.comparison.collected.addresses
          .filter((a) => !resurrected.has(a))
          .map((a) => store?.byAddress.get(a))
          .filter((id): id is number => id !== undefined);
        r.showing = 'after';
        d.removeAdded();
        host.setHidden(r.hidden, true);
      }
      d.render();
      host.announce(
        `After gc.collect(${r.comparison.generation}): ${plural(r.comparison.collected.count, 'object')} freed`,
      );
    };
    if (animate) fadeOut(show);
    else show();
  }

  function showBefore(): void {
    const r = s.reality;
    if (!r || r.showing === 'before') return;
    r.showing = 'before';
    if (r.after && r.before) {
      s.expect = 'before';
      host.showView(r.before);
    } else {
      host.setHidden(r.hidden, false);
      r.hidden = [];
    }
    d.applyAdded();
    d.render();
  }

  function stepAfter(): void {
    if (!s.reality) return;
    if (s.reality.after) {
      s.reality = null;
      s.data = null;
      s.index = new Map();
      s.phase = 0;
      void d.ensureData();
      d.render();
    } else {
      showBefore();
    }
  }

  function deferView(apply: (fit: boolean) => void): boolean {
    const r = s.reality;
    if (r?.afterExpected && !r.after) {
      // The capture taken after the collection: fade the freed objects out, then show it.
      s.deferred = apply;
      if (r.showing === 'after') return true;
      fadeOut(() => {
        const run = s.deferred;
        s.deferred = null;
        r.showing = 'after';
        s.expect = 'after';
        run?.(true);
        s.expect = null;
        r.after = host.view();
        r.afterExpected = false;
        d.render();
      });
      return true;
    }
    if (s.animation) {
      s.deferred = apply;
      return true;
    }
    return false;
  }

  return { showAfter, showBefore, stepAfter, deferView };
}
