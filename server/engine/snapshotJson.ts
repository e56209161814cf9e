/**
 * Parsing the JSON sections of a snapshot without letting a crafted one take the process down.
 *
 * `JSON.parse` turns 60 MB of `[[],[],…]` into 860 MB of heap and half a minute of work: nested
 * containers cost far more in memory than in text. What the agent writes is never like that (its
 * smallest container, an empty frame list inside a thread record, comes with 40 bytes of keys),
 * so a section is first scanned byte by byte, without allocating, and refused when it nests more
 * deeply or holds more containers than a snapshot ever does. The string table must be a flat
 * array of strings. What passes costs a few times its size once parsed.
 */
import type { SnapshotProblems } from './snapshotError';

/** Deepest nesting a snapshot's JSON has (frames → threads → thread → frames → frame is 5). */
export const MAX_JSON_DEPTH = 16;
/** At most one container (`{…}` or `[…]`) per this many bytes, plus a few. */
const BYTES_PER_CONTAINER = 16;
const FREE_CONTAINERS = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Why `bytes` is not JSON a snapshot holds, or null. Syntax is left to `JSON.parse`. */
export function jsonShapeProblem(bytes: Uint8Array, flatStrings: boolean): string | null {
  const allowed = FREE_CONTAINERS + Math.floor(bytes.length / BYTES_PER_CONTAINER);
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      containers++;
      if (flatStrings && (b === OPEN_BRACE || containers > 1)) return 'not an array of strings';
      if (depth > MAX_JSON_DEPTH) return `nested more than ${MAX_JSON_DEPTH} levels deep`;
      if (containers > allowed)
        return `more than ${allowed} arrays and objects in ${bytes.length} bytes`;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    } else if (flatStrings && b !== COMMA && !isSpace(b)) {
      return 'not an array of strings';
    }
  }
  return null;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The value of JSON section `name`; rejects what the scan refuses, bad UTF-8 and bad JSON. */
export function parseJsonSection(
  bytes: Uint8Array,
  name: string,
  problems: SnapshotProblems,
  flatStrings = false,
): unknown {
  const shape = jsonShapeProblem(bytes, flatStrings);
  if (shape !== null) problems.corrupt(`section "${name}" is not JSON a snapshot holds (${shape})`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return problems.corrupt(`section "${name}" is not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the text: it is the file's content, so it is not repeated.
    return problems.corrupt(`section "${name}" is not valid JSON`);
  }
}
