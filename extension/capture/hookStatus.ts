/**
 * Reading the hook's answer out of an `evaluate` response. The hook
 * (agent/heap_inspector_agent/debugger_hook.py) returns one line of JSON padded with spaces. With
 * `format: { rawString: true }` debugpy returns that string as is; an adapter that ignores the
 * flag returns its `repr` ('…' with Python escapes), which is undone here. Anything else means
 * the expression did not run as ours did (not a Python debuggee).
 */

/** What the hook (or the install expression) answers. */
export interface HookStatus {
  status: 'ok' | 'error' | 'no-hook' | 'unsupported-python';
  /** `error`: the failure's code (errors.ts CaptureErrorCode) and a one-line message. */
  code?: string;
  message?: string;
  stage?: string;
  /** `unsupported-python`. */
  implementation?: string;
  version?: string;
  [key: string]: unknown;
}

/** The status in `result`, or null when `result` is not one of the hook's answers. */
export function parseHookStatus(result: string): HookStatus | null {
  const text = result.trim();
  const json = text.startsWith('{') ? text : unrepr(text);
  if (json === null || !json.startsWith('{')) return null;
  try {
    // The hook pads its one line of JSON with spaces (debugger_hook.py `_padded`); a debugger
    // that cuts long results may cut there, leaving "..." among them: the object ends at the
    // last brace.
    const value = JSON.parse(json.slice(0, json.lastIndexOf('}') + 1)) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const status = (value as { status?: unknown }).status;
    return typeof status === 'string' ? (value as HookStatus) : null;
  } catch {
    return null;
  }
}

/** The value of a Python `str` repr ('…' or "…"), or null when `text` is not one. */
export function unrepr(text: string): string | null {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text.length < 2 || text[text.length - 1] !== quote) {
    return null;
  }
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const char = text[i];
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = text[++i];
    const simple: Record<string, string> = {
      n: '\n',
      r: '\r',
      t: '\t',
      '\\': '\\',
      "'": "'",
      '"': '"',
    };
    if (next in simple) out += simple[next];
    else if (next === 'x' || next === 'u' || next === 'U') {
      const width = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = text.slice(i + 1, i + 1 + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) return null;
      out += String.fromCodePoint(parseInt(hex, 16));
      i += width;
    } else return null;
  }
  return out;
}
