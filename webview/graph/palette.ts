/**
 * Colours and fonts of the canvas, read from the page's CSS custom properties (which map VS Code
 * theme variables, with fallbacks when standalone). Read again when the theme changes.
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

/** The value of a CSS custom property as `el` sees it, or `fallback` when it is not set. */
export function cssValue(el: Element, name: string, fallback: string): string {
  return readValue(getComputedStyle(el), name, fallback);
}

function readValue(cs: CSSStyleDeclaration, name: string, fallback: string): string {
  return cs.getPropertyValue(name).replace(/\s+/g, ' ').trim() || fallback;
}

export function readPalette(el: Element): Palette {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string): string => readValue(cs, name, fallback);
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
