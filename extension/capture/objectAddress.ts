/**
 * The address of the object a paused frame's expression names ("Inspect in Heap Graph" on a
 * variable): one DAP `evaluate` in the frame. Pure string building and parsing: no I/O, no
 * `vscode`.
 *
 * Not `id(expression)`: the expression is evaluated among the frame's own names, and a frame may
 * well have an `id` of its own (`def get(self, id)` in any web handler), which then answers
 * instead (a TypeError, or the wrong number). Reading builtins through `__builtins__`, as the
 * capture's expressions do, still fails in a frame with a local of that name (then no builtin
 * is reachable by name at all). `object.__repr__` needs no name: it is reached from a literal
 * (`()`) through attributes of built-in types, and it prints the object's address for any object
 * ("<module.Type object at 0x…>") without calling anything of the object's class.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';

/** The evaluate request that asks for the address of `expression` in the frame. */
export function addressEvaluateArguments(
  expression: string,
  frameId: number,
): DebugProtocol.EvaluateArguments {
  // Parentheses: the expression is one argument whatever it contains (a conditional, a lambda).
  return {
    expression: `().__class__.__base__.__repr__((${expression}))`,
    frameId,
    context: 'watch',
  };
}

/**
 * `0x…` (lowercase, no leading zeros, as the snapshot writes addresses) from the evaluate
 * result, or null when the result is not such a text. The adapter returns the `str` as its repr
 * (quoted); a very long type name may be cut in the middle, never at the end.
 */
export function addressFromResult(result: string): string | null {
  const match = / at (0x[0-9a-fA-F]+)>['"]?$/.exec(result.trim());
  return match ? `0x${BigInt(match[1]).toString(16)}` : null;
}
