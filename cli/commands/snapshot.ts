/**
 * `heap-inspector snapshot`: run a script under the agent, stop at a line, capture the heap,
 * and write the snapshot, a JSON summary and/or an HTML report.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import { runUnderAgent } from '../runUnderAgent';
import { parseArgs } from '../args';
import { runTarget } from '../runTarget';
import { UserError } from '../errors';
import { checkWritable } from '../outputFiles';
import { findPython } from '../python';
import { writeOutputs } from '../snapshotOutputs';

/** Exit status when the program ended normally but never reached the line. */
export const EXIT_LINE_NOT_REACHED = 3;

const usage = `usage: heap-inspector snapshot [--python PY] --at FILE:LINE [--hit N] [--out SNAPSHOT]
                                [--json SUMMARY] [--html REPORT] [--quiet] SCRIPT [ARGS...]

Runs SCRIPT exactly as "python SCRIPT ARGS" would and captures the heap the first (or Nth) time
FILE:LINE is about to run. The program's output passes through; the exit status is the program's.

  --python PY      the interpreter (default: $HEAP_INSPECTOR_PYTHON, python3, python); CPython 3.8+
  --at FILE:LINE   where to capture (FILE is the script or any file it runs)
  --hit N          capture the Nth time the line runs (default 1)
  --out SNAPSHOT   keep the snapshot file (read it later with "heap-inspector report")
  --json SUMMARY   write the JSON summary ("-" for standard output, after the program's output)
  --html REPORT    write a self-contained HTML report with the heap graph
  --quiet          do not print the text summary to standard error

If the program ends without reaching the line, nothing is written and the exit status is 3 (or the
program's own, if it failed).`;

export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: 'run a script, capture its heap at FILE:LINE, write a summary/report',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      command: 'snapshot',
      options: ['--python', '--at', '--hit', '--out', '--json', '--html'],
      flags: ['--quiet'],
      stopAtPositional: true,
    });
    const { script, scriptArgs, at, hit } = runTarget(parsed, 'snapshot');
    const out = parsed.options.get('--out');
    const json = parsed.options.get('--json');
    const html = parsed.options.get('--html');
    if (out !== undefined) checkWritable('--out', out);
    if (json !== undefined && json !== '-') checkWritable('--json', json);
    if (html !== undefined) checkWritable('--html', html);
    const python = findPython(parsed.options.get('--python'));

    const scratch = out === undefined ? mkdtempSync(join(tmpdir(), 'heap-inspector-')) : undefined;
    const snapshotPath = out !== undefined ? resolve(out) : join(scratch!, 'capture.heapsnap');
    if (existsSync(snapshotPath)) rmSync(snapshotPath);
    try {
      const status = await runUnderAgent({
        python,
        at,
        hit,
        snapshotPath,
        script,
        args: scriptArgs,
      });
      if (!existsSync(snapshotPath)) {
        // The runner already said why (line never reached, capture failed, program crashed).
        if (status !== 0) return status;
        throw new UserError(
          `no snapshot: ${at} was not reached (see above)`,
          EXIT_LINE_NOT_REACHED,
        );
      }
      writeOutputs(snapshotPath, {
        json,
        html,
        text: parsed.flags.has('--quiet') ? undefined : process.stderr,
      });
      return status;
    } finally {
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    }
  },
};
