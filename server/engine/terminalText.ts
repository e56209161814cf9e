/**
 * Text that comes from a program or a file (type names, module names, dict keys, thread names,
 * callback names, paths, section names), made safe to print on a terminal. A class may be named
 * "\x1b]0;title\x07\x1b[2J": printed raw, that retitles and clears the terminal of whoever reads
 * the summary. Every character a terminal acts on instead of showing is written as an escape, the
 * way Python's repr() writes it, so the reader sees exactly what the program had:
 *
 * - C0 controls, DEL and C1 controls (`\x1b`, `\x07`, `\n`, `\x9b`),
 * - the invisible Unicode controls that reorder or break the text around them: bidirectional
 *   embeddings, overrides and isolates, the directional marks, and the line and paragraph
 *   separators (`\u202e`),
 * - lone surrogates, which cannot be written as UTF-8 at all (`\ud800`).
 *
 * Everything else, including every printable non-ASCII character, is kept as it is.
 */

const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every terminal-active character escaped (see above); one line, always. */
export function escapeForTerminal(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  UNSAFE.lastIndex = 0;
  return text.replace(UNSAFE, escapeOne);
}

/** Several lines: each escaped on its own, joined with real newlines. */
export function escapeLinesForTerminal(lines: readonly string[]): string {
  return lines.map(escapeForTerminal).join('\n');
}

const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify` output made safe for a terminal without changing what it parses to: it
 * already escapes C0 controls and lone surrogates; the rest of the set above becomes `\uXXXX`.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(
    UNSAFE_IN_JSON,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Bytes of a file shown as text: printable ASCII as it is, every other byte as `\xNN`, at most
 * `limit` characters (then `…`). For names read from a file that should be ASCII.
 */
export function describeBytes(bytes: Uint8Array, limit = 64): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const piece =
      b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
    if (out.length + piece.length > limit) return out + '…';
    out += piece;
  }
  return out;
}
