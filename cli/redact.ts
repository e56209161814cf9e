/**
 * `--redact`: reports people can share. A snapshot holds the program's strings — `str` and
 * `bytes` values (their first 60 characters), every dict key — and reports show them. Redacted,
 * each becomes its length and a short hash, `<str len=20 #1f2e3d4c>`: equal strings stay equal
 * within one report (the hash is keyed with a random secret made per run, so a short value
 * cannot be found again by hashing guesses), and nothing of the text is left.
 *
 * Kept, because they are the program's code rather than its data: type, module, function and
 * class names, attribute names (also as keys of an instance's, class's or module's `__dict__`,
 * of globals and of frame locals), local and closure variable names, file names. Numbers are
 * kept. Thread names are kept.
 *
 * The snapshot is redacted before anything is computed from it, so every output built from it
 * (summary, text, HTML view, stepper) is redacted alike.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { EdgeKind } from '../protocol/snapshot';
import { HeapSnapshot } from '../server/engine/index';

export interface Redaction {
  /** The same snapshot with string values and data keys replaced. */
  snapshot(snapshot: HeapSnapshot): HeapSnapshot;
  /** Program output (finalizers' prints) reduced to its size. */
  output(text: string): string;
}

/** Longest text the agent keeps for a value; longer ones end with `…` after 59 characters. */
const VALUE_LIMIT = 60;

/** Slots whose target dict maps names from the code to values: its keys are kept. */
const NAMESPACE_SLOTS = new Set([
  '__dict__',
  '__globals__',
  '__builtins__',
  '__kwdefaults__',
  '__annotations__',
  'f_globals',
  'f_locals',
  'f_builtins',
]);

/** A non-str key's label that holds no text of the program: numbers, None, bools, `<type>`. */
const PLAIN_KEY =
  /^(?:[-+]?(?:\d[\d_]*(?:\.\d*)?(?:e[-+]?\d+)?|inf|nan)(?:[-+]\d[\d.e+-]*j)?|None|True|False|<[\w.]+>)$/;

function plainKey(label: string): boolean {
  if (PLAIN_KEY.test(label)) return true;
  if (label.startsWith('(') && label.endsWith(')')) {
    const parts = label.slice(1, -1).replace(/,$/, '').split(', ');
    return parts.every((part) => PLAIN_KEY.test(part));
  }
  return false;
}

/** Number of bytes a Python bytes repr (`b'..'`) stands for. */
function bytesReprLength(text: string): number {
  const body = text.slice(2, -1);
  let count = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') i += body[i + 1] === 'x' ? 3 : 1;
    count++;
  }
  return count;
}

export function createRedaction(secret: Buffer = randomBytes(32)): Redaction {
  const hash = (text: string): string =>
    createHmac('sha256', secret).update(text, 'utf8').digest('hex').slice(0, 8);

  /** A str value or key: `<str len=N #hash>`; a value cut by the agent: `len=61+`, hashed on
   * its first 59 characters, as a key that long is (their hashes match). */
  const strForm = (text: string, isValue: boolean): string => {
    const points = Array.from(text);
    const cut = isValue && points.length === VALUE_LIMIT && text.endsWith('…');
    if (cut || points.length > VALUE_LIMIT) {
      const length = cut ? `${VALUE_LIMIT + 1}+` : String(points.length);
      return `<str len=${length} #${hash(points.slice(0, VALUE_LIMIT - 1).join(''))}>`;
    }
    return `<str len=${points.length} #${hash(text)}>`;
  };

  const bytesForm = (text: string): string => {
    const length = bytesReprLength(text);
    return `<bytes len=${length >= VALUE_LIMIT ? `${VALUE_LIMIT}+` : length} #${hash(text)}>`;
  };

  return {
    snapshot(original) {
      const strings = original.strings.slice();
      const added = new Map<string, number>();
      const intern = (text: string): number => {
        let index = added.get(text);
        if (index === undefined) {
          index = strings.length;
          strings.push(text);
          added.set(text, index);
        }
        return index;
      };
      const text = (index: number): string => original.strings[index] ?? '';

      const nodeName = original.nodeName.slice();
      for (let node = 0; node < original.nodeCount; node++) {
        if (nodeName[node] === 0) continue;
        const type = original.typeName(node);
        if (type === 'builtins.str') nodeName[node] = intern(strForm(text(nodeName[node]), true));
        else if (type === 'builtins.bytes')
          nodeName[node] = intern(bytesForm(text(nodeName[node])));
      }

      const namespaces = new Uint8Array(original.nodeCount);
      for (let edge = 0; edge < original.edgeCount; edge++) {
        if (
          original.edgeKind[edge] === EdgeKind.Slot &&
          NAMESPACE_SLOTS.has(text(original.edgeName[edge]))
        ) {
          namespaces[original.edgeTo[edge]] = 1;
        }
      }
      const edgeName = original.edgeName.slice();
      for (let node = 0; node < original.nodeCount; node++) {
        if (namespaces[node]) continue;
        for (let edge = original.edgeStart[node]; edge < original.edgeStart[node + 1]; edge++) {
          const kind = original.edgeKind[edge];
          const label = text(edgeName[edge]);
          if (kind === EdgeKind.StrKey) {
            edgeName[edge] = intern(strForm(label, false));
          } else if (kind === EdgeKind.KeyObject || kind === EdgeKind.OtherKey) {
            const target = original.edgeTo[edge];
            if (kind === EdgeKind.KeyObject && original.typeName(target) === 'builtins.str') {
              edgeName[edge] = intern(strForm(label, false));
            } else if (!plainKey(label)) {
              edgeName[edge] = intern(`<key len=${Array.from(label).length} #${hash(label)}>`);
            }
          }
        }
      }
      return new HeapSnapshot({ ...original, strings, nodeName, edgeName });
    },
    output(text) {
      return text === '' ? '' : `<output redacted: ${Array.from(text).length} characters>`;
    },
  };
}
