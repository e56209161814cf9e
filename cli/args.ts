/**
 * A small argument parser for subcommands: `--name value` / `--name=value` options, `--flag`
 * switches and positionals, in any order. `--` ends the options. `--help`/`-h` among the options
 * asks for the command's usage.
 *
 * Commands that run a script (`snapshot`, `step`) set `scriptBoundary`: the first positional is
 * SCRIPT and everything after it is the script's own, untouched, exactly as `python SCRIPT ARGS`
 * hands it to the program (`--help`, `--json` or `--` after SCRIPT are the script's).
 */
import { UserError } from './errors';

export interface ArgSpec {
  command: string;
  options: string[];
  flags?: string[];
  scriptBoundary?: boolean;
}

export interface ParsedArgs {
  options: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

/** Thrown when `--help` or `-h` is among a command's options: main prints the usage. */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

export function parseArgs(args: string[], spec: ArgSpec): ParsedArgs {
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  const see = `see "heap-inspector ${spec.command} --help"`;
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') throw new HelpRequested();
    if (arg.startsWith('-') && arg !== '-') {
      const [name, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
      if (spec.options.includes(name)) {
        const value = inline ?? args[i + 1];
        if (value === undefined) throw new UserError(`${name} needs a value: ${see}`);
        if (options.has(name)) throw new UserError(`${name} is given twice: give it once`);
        options.set(name, value);
        i += inline === undefined ? 2 : 1;
        continue;
      }
      if (spec.flags?.includes(name)) {
        if (inline !== undefined) throw new UserError(`${name} takes no value: ${see}`);
        flags.add(name);
        i += 1;
        continue;
      }
      throw new UserError(`unknown option ${name}: ${see}`);
    }
    positionals.push(arg);
    i += 1;
    if (spec.scriptBoundary) {
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
