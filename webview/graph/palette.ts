/**
 * Colours and fonts of the canvas, read from the page's CSS custom properties (which map VS Code
 * theme variables, with fallbacks when standalone: webview/report/theme.css). Read again when the
 * theme changes.
 */
import { TYPE_CATEGORIES, type TypeCategory } from '../../protocol/snapshot';

export type ThemeKind = 'dark' | 'light' | 'high-contrast' | 'high-contrast-light';

export interface Palette {
  kind: ThemeKind;
  bg: string;
  fg: string;
  muted: string;
  edge: string;
  bad: string;
  error: string;
  warn: string;
  focus: string;
  path: string;
  search: string;
  finalize: string;
  category: Record<TypeCategory, string>;
  font: string;
  mono: string;
  /** Line widths scale (thicker in high contrast). */
  line: number;
}

export function themeKind(): ThemeKind {
  const b = document.body.classList;
  const forced = document.documentElement.dataset.theme;
  if (b.contains('vscode-high-contrast-light') || forced === 'high-contrast-light') {
    return 'high-contrast-light';
  }
  if (b.contains('vscode-high-contrast') || forced === 'high-contrast') return 'high-contrast';
  if (b.contains('vscode-light') || forced === 'light') return 'light';
  if (b.contains('vscode-dark') || forced === 'dark') return 'dark';
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/**
 * Reads custom properties as `el` sees them; `close()` when done. A custom property keeps
 * `light-dark(…)` as written (the standalone palettes hold both values): the colour it stands for
 * here is what it computes to as a `color`, so such values are resolved on a hidden element.
 */
function cssReader(el: Element): { read(name: string, fallback: string): string; close(): void } {
  const cs = getComputedStyle(el);
  let probe: HTMLElement | null = null;
  return {
    read(name, fallback) {
      const value = cs.getPropertyValue(name).replace(/\s+/g, ' ').trim();
      if (!value.includes('light-dark(')) return value || fallback;
      if (!probe) {
        probe = document.createElement('span');
        probe.hidden = true;
        el.append(probe);
      }
      probe.style.color = value;
      return getComputedStyle(probe).color || fallback;
    },
    close() {
      probe?.remove();
    },
  };
}

/** The value of a CSS custom property as `el` sees it (a colour resolved), or `fallback`. */
export function cssValue(el: Element, name: string, fallback: string): string {
  const css = cssReader(el);
  try {
    return css.read(name, fallback);
  } finally {
    css.close();
  }
}

export function readPalette(el: Element): Palette {
  const css = cssReader(el);
  try {
    return paletteFrom(css.read);
  } finally {
    css.close();
  }
}

function paletteFrom(v: (name: string, fallback: string) => string): Palette {
  const kind = themeKind();
  const category = {} as Record<TypeCategory, string>;
  for (const c of TYPE_CATEGORIES) category[c] = v(`--hi-cat-${c}`, '#888888');
  return {
    kind,
    bg: v('--hi-bg', '#1e1e1e'),
    fg: v('--hi-fg', '#d4d4d4'),
    muted: v('--hi-muted', '#9d9d9d'),
    edge: v('--hi-edge', '#8a8a8a'),
    bad: v('--hi-bad', '#f14c4c'),
    error: v('--hi-error', '#f48771'),
    warn: v('--hi-warn', '#cca700'),
    focus: v('--hi-focus', '#007fd4'),
    path: v('--hi-path', '#3794ff'),
    search: v('--hi-search', '#ea5c00'),
    finalize: v('--hi-cat-function', '#29b8db'),
    category,
    font: v('--hi-font', 'sans-serif'),
    mono: v('--hi-mono', 'monospace'),
    line: kind.startsWith('high-contrast') ? 1.6 : 1,
  };
}
