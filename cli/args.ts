/**
 * A small argument parser for subcommands: `--name value` options, `--flag` switches, and
 * positionals. Parsing stops at the first positional when `stopAtPositional` is set, so that a
 * script's own arguments (`SCRIPT --verbose`) are never taken as ours.
 */
import { UserError } from './errors';

export interface ArgSpec {
  command: string;
  options: string[];
  flags?: string[];
  stopAtPositional?: boolean;
}

export interface ParsedArgs {
  options: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

export function parseArgs(args: string[], spec: ArgSpec): ParsedArgs {
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && positionals.length === 0) {
      const [name, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
      if (spec.options.includes(name)) {
        const value = inline ?? args[i + 1];
        if (value === undefined) {
          throw new UserError(`${name} needs a value: see "heap-inspector ${spec.command} --help"`);
        }
        options.set(name, value);
        i += inline === undefined ? 2 : 1;
        continue;
      }
      if (spec.flags?.includes(name)) {
        flags.add(name);
        i += 1;
        continue;
      }
      throw new UserError(`unknown option ${name}: see "heap-inspector ${spec.command} --help"`);
    }
    positionals.push(arg);
    i += 1;
    if (spec.stopAtPositional) {
      positionals.push(...args.slice(i));
      break;
    }
  }
  return { options, flags, positionals };
}

/** `FILE:LINE` → its parts, or a UserError saying what the form is. */
export function parseLocation(text: string): { file: string; line: number } {
  const match = /^(.+):(\d+)$/.exec(text);
  if (!match || Number(match[2]) < 1) {
    throw new UserError(
      `--at must be FILE:LINE with a line number from 1, e.g. app.py:42 (got "${text}")`,
    );
  }
  return { file: match[1], line: Number(match[2]) };
}

export function positiveInteger(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new UserError(`${name} must be a whole number from 1 (got "${text}")`);
  }
  return Number(text);
}
