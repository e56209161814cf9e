/**
 * `heap-inspector diff`: what grew between captures of one process, object by object. Either
 * runs a script once and captures at several hits of a line, or compares snapshots saved from
 * one run (docs/growth.md).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GrowthDiff } from '../../protocol/growth';
import { IdentityError } from '../../server/engine/captureIdentity';
import { diffCaptures } from '../../server/engine/heapDiff';
import type { HeapSnapshot } from '../../server/engine/heapSnapshot';
import { readSnapshotFile, SnapshotError } from '../../server/engine/snapshotReader';
import { jsonForTerminal } from '../../server/engine/terminalText';
import { readRunStatus } from '../../server/runner/runStatus';
import type { CliCommand } from '../command';
import { parseArgs, positiveInteger, type ParsedArgs } from '../args';
import { UserError } from '../errors';
import { growthText } from '../growthText';
import { checkWritable, writeFileAtomically } from '../outputFiles';
import { findPython } from '../python';
import { renderGrowthHtml } from '../report/growthHtml';
import { endAfterCapture, endTerminated, endWithoutCapture } from '../runOutcome';
import { runTarget } from '../runTarget';
import { runUnderAgent } from '../runUnderAgent';
import { createScratchFolder, removeAbandonedScratchFolders } from '../scratchFolders';

const usage = `usage: heap-inspector diff [--python PY] --at FILE:LINE --hits A,B[,C...] [--json OUT] [--html REPORT] [--keep DIR] [--quiet] SCRIPT [ARGS...]
       heap-inspector diff BEFORE AFTER [--json OUT] [--html REPORT]

What grew between captures of one process, object by object: per type, the objects new at the
last capture and those freed since the first; the new objects grouped by what holds them
(\`__main__.registry['users']\`), with the line that created them when the program runs with
tracemalloc; with three captures or more, what grew at every step and what survived.

The first form runs SCRIPT once, exactly as "python SCRIPT ARGS" would, and captures the heap at
each listed hit of FILE:LINE. The second compares snapshots saved from one process (in capture
order; every capture in between must be given).

  --python PY      the interpreter (default: $HEAP_INSPECTOR_PYTHON, python3, python); CPython 3.8+
  --at FILE:LINE   where to capture
  --hits A,B,...   the hits of the line to capture at (two or more)
  --json OUT       write the comparison as JSON ("-" for standard output)
  --html REPORT    write a self-contained HTML report (tables, a chart per type over the hits)
  --keep DIR       keep the snapshots there (hit-N.heapsnap; compare them later with the second form)
  --quiet          do not print the text to standard error

Exit status (first form): the program's; 3 when fewer than two of the hits were reached.`;

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'what grew between captures of one process (several hits of a line, or saved snapshots)',
  usage,
  async run(args) {
    const spec = {
      command: 'diff',
      options: ['--python', '--at', '--hits', '--json', '--html', '--keep'],
      flags: ['--quiet'],
    };
    const asRun = parseArgs(args, { ...spec, scriptBoundary: true });
    if (asRun.options.has('--at') || asRun.options.has('--hits')) return runAndDiff(asRun);
    const parsed = parseArgs(args, spec);
    if (parsed.options.has('--python')) {
      throw new UserError('--python runs a script: give --at FILE:LINE --hits A,B and SCRIPT');
    }
    if (parsed.positionals.length < 2) {
      throw new UserError(
        'give two snapshots of one process (BEFORE AFTER), or --at FILE:LINE --hits A,B SCRIPT',
      );
    }
    const outputs = checkedOutputs(parsed);
    const snapshots = parsed.positionals.map(readSnapshotOrSay);
    writeDiff(
      compare(snapshots),
      outputs,
      parsed.flags.has('--quiet') ? undefined : process.stdout,
    );
    return 0;
  },
};

interface Outputs {
  json?: string;
  html?: string;
}

function checkedOutputs(parsed: ParsedArgs): Outputs {
  const json = parsed.options.get('--json');
  const html = parsed.options.get('--html');
  if (json !== undefined && json !== '-') checkWritable('--json', json);
  if (html !== undefined) checkWritable('--html', html);
  return { json, html };
}

function parseHits(text: string | undefined): number[] {
  if (text === undefined) {
    throw new UserError('--hits A,B[,C...] is required with --at: which hits to compare?');
  }
  const hits = [...new Set(text.split(',').map((part) => positiveInteger('--hits', part.trim())))];
  hits.sort((a, b) => a - b);
  if (hits.length < 2) {
    throw new UserError(
      `--hits needs two different hits or more, e.g. --hits 1,10 (got "${text}")`,
    );
  }
  return hits;
}

async function runAndDiff(parsed: ParsedArgs): Promise<number> {
  const hits = parseHits(parsed.options.get('--hits'));
  const target = runTarget(parsed, 'diff');
  const outputs = checkedOutputs(parsed);
  const keep = parsed.options.get('--keep');
  if (keep !== undefined && (!existsSync(keep) || !statSync(keep).isDirectory())) {
    throw new UserError(`--keep ${keep}: not a folder; create it first`);
  }
  const python = findPython(parsed.options.get('--python'));
  removeAbandonedScratchFolders();
  const scratch = createScratchFolder();
  const folder = keep !== undefined ? resolve(keep) : scratch;
  const pathOf = (hit: number) => join(folder, `hit-${hit}.heapsnap`);
  const statusPath = join(scratch, 'status');
  try {
    const end = await runUnderAgent({
      python,
      at: target.at,
      hits,
      snapshotPath: join(folder, 'hit-{hit}.heapsnap'),
      statusPath,
      privateFolder: scratch,
      script: target.script,
      args: target.scriptArgs,
    });
    if (end.terminated) return endTerminated(end);
    const captured = hits.filter((hit) => existsSync(pathOf(hit)));
    if (captured.length < 2) {
      const status = readRunStatus(statusPath);
      return endWithoutCapture(
        end,
        status.state === 'captured' ? { state: 'unreached' } : status,
        target.at,
        'nothing to compare',
      );
    }
    if (captured.length < hits.length) {
      process.stderr.write(
        `heap-inspector: only hits ${captured.join(', ')} were captured: comparing those\n`,
      );
    }
    const snapshots = captured.map((hit) => readSnapshotOrSay(pathOf(hit)));
    writeDiff(
      compare(snapshots, captured),
      outputs,
      parsed.flags.has('--quiet') ? undefined : process.stderr,
    );
    return endAfterCapture(end);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function readSnapshotOrSay(path: string): HeapSnapshot {
  if (!existsSync(path)) throw new UserError(`snapshot not found: ${path}`);
  try {
    return readSnapshotFile(path);
  } catch (error) {
    if (error instanceof SnapshotError) throw new UserError(error.message);
    throw error;
  }
}

function compare(snapshots: HeapSnapshot[], hits?: number[]): GrowthDiff {
  try {
    return diffCaptures(snapshots, hits);
  } catch (error) {
    if (error instanceof IdentityError) throw new UserError(`cannot compare: ${error.message}`);
    throw error;
  }
}

function writeDiff(diff: GrowthDiff, outputs: Outputs, text?: NodeJS.WritableStream): void {
  if (outputs.json !== undefined) {
    const json = jsonForTerminal(JSON.stringify(diff, null, 2)) + '\n';
    if (outputs.json === '-') process.stdout.write(json);
    else writeFileAtomically(outputs.json, json);
  }
  if (outputs.html !== undefined) writeFileAtomically(outputs.html, renderGrowthHtml(diff));
  if (text && outputs.json !== '-') text.write(growthText(diff) + '\n');
}
