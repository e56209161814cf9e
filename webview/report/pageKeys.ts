/**
 * The page's keys outside text fields and the memory views' own: `/` search, `W` why is it
 * alive, `E` / `R` expand referents / referrers, `F` focus, `C` collapse — on the selected object
 * or the graph's keyboard cursor — and the stepper's keys.
 */
import type { AppState } from './appState';
import type { Direction } from './expansion';

export interface PageKeys {
  st: AppState;
  searchInput: HTMLInputElement;
  whyAlive(id: number): void;
  expand(id: number, direction: Direction): void;
  focusOn(id: number): void;
  collapse(id: number): void;
  /** The stepper's keys; true when it used the key. */
  stepperKey(e: KeyboardEvent): boolean;
}

export function attachPageKeys(k: PageKeys): void {
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    // The memory table and the treemap have keys of their own.
    if (t?.closest?.('.memory-page')) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const id = k.st.selected ?? k.st.graph?.cursor() ?? null;
    let handled = true;
    if (e.key === '/') k.searchInput.focus();
    else if ((e.key === 'w' || e.key === 'W') && id !== null) k.whyAlive(id);
    else if ((e.key === 'e' || e.key === 'E') && id !== null) k.expand(id, 'referents');
    else if ((e.key === 'r' || e.key === 'R') && id !== null) k.expand(id, 'referrers');
    else if ((e.key === 'f' || e.key === 'F') && id !== null) k.focusOn(id);
    else if ((e.key === 'c' || e.key === 'C') && id !== null) k.collapse(id);
    else if (k.stepperKey(e)) handled = true;
    else handled = false;
    if (handled) e.preventDefault();
  });
}
