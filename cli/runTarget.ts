/** The checks every "run a script to a line" command makes before running anything. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseLocation, positiveInteger, type ParsedArgs } from './args';
import { UserError } from './errors';

export interface RunTarget {
  script: string;
  scriptArgs: string[];
  location: { file: string; line: number };
  /** `FILE:LINE` as the runner takes it. */
  at: string;
  hit: number;
}

export function runTarget(parsed: ParsedArgs, command: string): RunTarget {
  const [script, ...scriptArgs] = parsed.positionals;
  const at = parsed.options.get('--at');
  if (at === undefined) {
    throw new UserError('--at FILE:LINE is required: where should the heap be captured?');
  }
  if (script === undefined) {
    throw new UserError(
      `no script given: heap-inspector ${command} --at FILE:LINE SCRIPT [ARGS...]`,
    );
  }
  const location = parseLocation(at);
  const hit = positiveInteger('--hit', parsed.options.get('--hit') ?? '1');
  if (!existsSync(script) || !statSync(script).isFile()) {
    throw new UserError(`script not found: ${script}`);
  }
  if (!existsSync(location.file) || !statSync(location.file).isFile()) {
    throw new UserError(`--at ${at}: file ${location.file} not found`);
  }
  const lineCount = readFileSync(location.file, 'utf8').split('\n').length;
  if (location.line > lineCount) {
    throw new UserError(`--at ${at}: ${location.file} has only ${lineCount} lines`);
  }
  return { script, scriptArgs, location, at: `${location.file}:${location.line}`, hit };
}
