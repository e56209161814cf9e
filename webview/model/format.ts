/**
 * How numbers, sizes, type names and program text are written on the page: counts and plurals,
 * bytes, short type names, and program strings with control characters made visible. Pure: no DOM.
 */

/** `1 object`, `2 objects`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `is` / `are` for a count. */
export function isAre(n: number): string {
  return n === 1 ? 'is' : 'are';
}

/** `152 B`, `3.4 KiB`, `12.0 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (Math.abs(n) < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Thousands separators for display (never used in test-hook elements). */
// One formatter for every count: `toLocaleString` builds a new one per call (slow in long lists).
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

/**
 * The name a Python developer uses for a type: `__main__.Connection` → `Connection`,
 * `builtins.dict` → `dict`, `pkg.mod.Outer.Inner` → `Inner`.
 */
export function shortType(name: string): string {
  const i = name.lastIndexOf('.');
  const s = i >= 0 && i < name.length - 1 ? name.slice(i + 1) : name;
  return s === '' ? name : s;
}

/** Builtins and `__main__` lose their module; everything else keeps it. */
export function displayType(name: string): string {
  if (name.startsWith('builtins.')) return name.slice('builtins.'.length);
  if (name.startsWith('__main__.')) return name.slice('__main__.'.length);
  return name;
}

/** Cuts long text with an ellipsis (the full text goes in a tooltip). */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** `pool.py` from `/home/me/project/pool.py` (or a Windows path). */
export function baseName(path: string): string {
  const m = /[^/\\]*$/.exec(path);
  return m && m[0] !== '' ? m[0] : path;
}

/** Entries of a `byType` record, largest count first, then by name. */
export function sortedByType(byType: Record<string, number>): [string, number][] {
  return Object.entries(byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * Control, invisible and bidirectional-override characters (which can make `evil.py` display as
 * `live.py`) shown the way Python's repr() shows them: `\u202e`, `\x00`, `\n`.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A deep copy of JSON data with every string (values and keys) passed through `f`. */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[f(k)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
