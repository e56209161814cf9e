/**
 * Checking parsed JSON against the shape the protocol declares, field by field, with a message
 * that names the field: `meta.gc.enabled is not true or false (got "yes")`. Used by the snapshot
 * reader on its JSON sections so that nothing downstream meets a value of the wrong type.
 */
import { shortValue, type SnapshotProblems } from './snapshotError';

/** Names a field for messages: `meta.gc` + `enabled`, or `type record 3` + `flags`. */
export type FieldNamer = (key: string) => string;

export const dotted =
  (path: string): FieldNamer =>
  (key) =>
    `${path}.${key}`;

export const ofRecord =
  (record: string): FieldNamer =>
  (key) =>
    `${record}: "${key}"`;

export type JsonObject = Record<string, unknown>;

export class JsonChecks {
  constructor(private readonly problems: SnapshotProblems) {}

  private wrong(what: string, value: unknown, expected: string): never {
    if (value === undefined) return this.problems.corrupt(`${what} is missing`);
    return this.problems.corrupt(`${what} is not ${expected} (got ${shortValue(value)})`);
  }

  /** `value` must be a JSON object (not null, not an array). */
  object(value: unknown, what: string): JsonObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.wrong(what, value, 'an object');
    }
    return value as JsonObject;
  }

  array(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) return this.wrong(what, value, 'an array');
    return value;
  }

  string(value: unknown, what: string): string {
    if (typeof value !== 'string') return this.wrong(what, value, 'a string');
    return value;
  }

  boolean(value: unknown, what: string): boolean {
    if (typeof value !== 'boolean') return this.wrong(what, value, 'true or false');
    return value;
  }

  /** A finite number. */
  number(value: unknown, what: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return this.wrong(what, value, 'a number');
    }
    return value;
  }

  /** A whole number in [min, max]. */
  whole(
    value: unknown,
    what: string,
    min = -Number.MAX_SAFE_INTEGER,
    max = Number.MAX_SAFE_INTEGER,
  ): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return this.wrong(what, value, 'a whole number');
    }
    if (value < min || value > max) {
      return this.problems.corrupt(`${what} is ${value}, outside ${min}..${max}`);
    }
    return value;
  }

  /** Absent, or a string. */
  optionalString(value: unknown, what: string): string | undefined {
    return value === undefined ? undefined : this.string(value, what);
  }

  /** An array whose every element passes `check`. */
  arrayOf<T>(value: unknown, what: string, check: (item: unknown, what: string) => T): T[] {
    const items = this.array(value, what);
    for (let i = 0; i < items.length; i++) check(items[i], `${what}[${i}]`);
    return items as T[];
  }

  /** A node index in [-1, nodes) when `optional`, else in [0, nodes). */
  node(value: unknown, what: string, nodes: number, optional: boolean): number {
    const v = this.whole(value, what, -Number.MAX_SAFE_INTEGER);
    if (v < (optional ? -1 : 0) || v >= nodes) {
      return this.problems.corrupt(`${what} is node ${v}, but there are only ${nodes} nodes`);
    }
    return v;
  }
}
