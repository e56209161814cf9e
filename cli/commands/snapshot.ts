/**
 * `heap-inspector snapshot`: run a script under the agent, stop at a line, capture the heap,
 * and write the snapshot, a JSON summary and/or an HTML report.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import { runUnderAgent } from '../runUnderAgent';
import { parseArgs } from '../args';
import { runTarget } from '../runTarget';
import { checkWritable } from '../outputFiles';
import { findPython } from '../python';
import { endAfterCapture, endTerminated, endWithoutCapture } from '../runOutcome';
import { readRunStatus } from '../../server/runner/runStatus';
import { createScratchFolder, removeAbandonedScratchFolders } from '../scratchFolders';
import { writeOutputs } from '../snapshotOutputs';

export { EXIT_LINE_NOT_REACHED } from '../runOutcome';

const usage = `usage: heap-inspector snapshot [--python PY] --at FILE:LINE [--hit N] [--out SNAPSHOT]
                                [--json SUMMARY] [--html REPORT] [--quiet] [--redact] SCRIPT [ARGS...]

Runs SCRIPT exactly as "python SCRIPT ARGS" would and captures the heap the first (or Nth) time
FILE:LINE is about to run. The program's output passes through; the exit status is the program's.
On a terminal, a capture that takes more than a second shows its progress on standard error.
Options go before SCRIPT, in any order; everything after SCRIPT is the script's own arguments.

  --python PY      the interpreter (default: $HEAP_INSPECTOR_PYTHON, python3, python); CPython 3.8+
  --at FILE:LINE   where to capture (FILE is the script or any file it runs)
  --hit N          capture the Nth time the line runs (default 1)
  --out SNAPSHOT   keep the snapshot file (read it later with "heap-inspector report"); an
                   existing SNAPSHOT is replaced only by a new snapshot
  --json SUMMARY   write the JSON summary ("-" for standard output, after the program's output)
  --html REPORT    write a self-contained HTML report with the heap graph
  --quiet          do not print the text summary (nor, on a terminal, the capture's progress)
                   to standard error; with only --out, the snapshot is written and not analysed
  --redact         replace the program's string values in the summary and report by their length
                   and a hash (for reports to share; the --out snapshot keeps everything)

Exit status: the program's; if it ended without a snapshot: 3 when the line was not reached, 5
when the capture failed (the program's own status instead, if it failed); 128+N when a signal N
killed it (said, with the signal's name).`;

export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: 'run a script, capture its heap at FILE:LINE, write a summary/report',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      command: 'snapshot',
      options: ['--python', '--at', '--hit', '--out', '--json', '--html'],
      flags: ['--quiet', '--redact'],
      scriptBoundary: true,
    });
    const { script, scriptArgs, at, hit } = runTarget(parsed, 'snapshot');
    const out = parsed.options.get('--out');
    const json = parsed.options.get('--json');
    const html = parsed.options.get('--html');
    if (out !== undefined) checkWritable('--out', out, { regularOnly: true });
    if (json !== undefined && json !== '-') checkWritable('--json', json);
    if (html !== undefined) checkWritable('--html', html);
    const python = findPython(parsed.options.get('--python'));

    removeAbandonedScratchFolders();
    const scratch = createScratchFolder();
    // With --out the runner writes there directly (a temporary name, then a rename): an existing
    // file stays until a new snapshot replaces it. The status file says whether one did.
    const snapshotPath = out !== undefined ? resolve(out) : join(scratch, 'capture.heapsnap');
    const statusPath = join(scratch, 'status');
    try {
      const end = await runUnderAgent(
        {
          python,
          at,
          hit,
          snapshotPath,
          statusPath,
          privateFolder: scratch,
          script,
          args: scriptArgs,
        },
        { showProgress: !parsed.flags.has('--quiet') },
      );
      if (end.terminated) return endTerminated(end);
      const status = readRunStatus(statusPath);
      if (status.state !== 'captured' || !existsSync(snapshotPath)) {
        return endWithoutCapture(end, status, at, 'no snapshot');
      }
      const text = parsed.flags.has('--quiet') ? undefined : process.stderr;
      // Only the snapshot was asked for (--quiet --out): it is not read back and analysed, so a
      // capture taken again and again costs the capture alone.
      if (json !== undefined || html !== undefined || text !== undefined) {
        writeOutputs(snapshotPath, { json, html, text, redact: parsed.flags.has('--redact') });
      }
      return endAfterCapture(end);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
