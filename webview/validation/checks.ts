/**
 * The primitive checks every guard of this folder builds on: each returns the value with its
 * type when it is what the path says, and otherwise throws `Invalid` with a message naming the
 * field and what it held. The guards turn `Invalid` into their answers.
 */

export class Invalid extends Error {}

export type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') {
    return v.length <= 40 ? JSON.stringify(v) : `a ${v.length}-character string`;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `an ${typeof v}`;
}

export function fail(path: string, expected: string, got: unknown): never {
  throw new Invalid(`${path} should be ${expected} (got ${describe(got)})`);
}

export function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Obj;
}

export function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

export function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a number', v);
  return v;
}

export function int(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'an integer', v);
  return v;
}

export function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(path, 'a count (0 or more)', v);
  return v;
}

export function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'true or false', v);
  return v;
}

export function nullable<T>(
  v: unknown,
  path: string,
  check: (v: unknown, path: string) => T,
): T | null {
  return v === null ? null : check(v, path);
}

export function numbers(v: unknown, path: string): void {
  arr(v, path).forEach((x, i) => num(x, `${path}[${i}]`));
}

/** Runs a check, turning its failure into an error message (null: valid). */
export function attempt(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    return `unexpected error while checking the data: ${String(e)}`;
  }
}
