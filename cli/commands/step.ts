/**
 * `heap-inspector step`: the cycle collector's phases on the program's real heap at a line, then
 * the real collection in the same process, compared with the prediction object by object.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command';
import { parseArgs } from '../args';
import { UserError } from '../errors';
import { checkWritable, writeFileAtomically } from '../outputFiles';
import { findPython } from '../python';
import { createRedaction } from '../redact';
import { runTarget } from '../runTarget';
import { runUnderAgent } from '../runUnderAgent';
import {
  endAfterCapture,
  endTerminated,
  endWithoutCapture,
  EXIT_CAPTURE_FAILED,
} from '../runOutcome';
import { readRunStatus } from '../../server/runner/runStatus';
import { createScratchFolder, removeAbandonedScratchFolders } from '../scratchFolders';
import { stepReportText } from '../stepReport';
import { collectionRecordProblem, type RealCollectionRecord } from '../../protocol/stepper';
import { compareWithCollection } from '../../server/engine/stepComparison';
import {
  analyze,
  buildHeapView,
  readSnapshotFile,
  SnapshotError,
  summarize,
} from '../../server/engine/index';
import { stepperDataForView } from '../../server/engine/stepComparison';
import { jsonForTerminal } from '../../server/engine/terminalText';
import { renderHtmlReport } from '../report/html';

/** Exit status when the real collection did not match the prediction. */
export const EXIT_PREDICTION_MISMATCH = 4;

const usage = `usage: heap-inspector step [--python PY] [--generation N] --at FILE:LINE [--hit N]
                            [--json OUT] [--html REPORT] [--redact] SCRIPT [ARGS...]

Runs SCRIPT to FILE:LINE, shows each phase of gc.collect(N) on the heap there (N: 0, 1 or 2; 2 is a
full collection, the default), then runs the real gc.collect(N) in the program and compares what
CPython's collector found unreachable with the prediction, object by object. The program then goes on.
On a terminal, a capture that takes more than a second shows its progress on standard error.
--html writes the heap report with the stepper open on that collection: each phase on the graph,
and the prediction beside what the collector found. --redact replaces the program's string values
(and the finalizers' output) in the JSON and the report by their length and a hash.
Options go before SCRIPT, in any order; everything after SCRIPT is the script's own arguments.

Exit status: the program's if it failed; else 4 if prediction and collection differ, else 0.
Without a capture: 3 when the line was not reached, 5 when the capture failed (or its record of
the collection is not valid), 128+N when a signal N killed the program (said, with the signal's
name).`;

/** The agent's record of the real collection, checked as the language server checks it. */
function readRecord(path: string, generation: number): RealCollectionRecord {
  const text = readFileSync(path, 'utf8');
  let record: unknown;
  let problem: string | null;
  try {
    record = JSON.parse(text);
    problem = collectionRecordProblem(record, generation);
  } catch (error) {
    problem = `it is not JSON: ${(error as Error).message}`;
  }
  if (problem !== null) {
    // Only a different agent (or a program writing over it) makes a record the CLI cannot read.
    throw new UserError(
      `nothing to compare: the agent's record of gc.collect(${generation}) is not valid (${problem}); ` +
        'reinstall heap-inspector so that its agent matches it',
      EXIT_CAPTURE_FAILED,
    );
  }
  return record as RealCollectionRecord;
}

export const stepCommand: CliCommand = {
  name: 'step',
  summary: "step through gc.collect() on the program's heap at FILE:LINE, then run it for real",
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      command: 'step',
      options: ['--python', '--at', '--hit', '--generation', '--json', '--html'],
      flags: ['--redact'],
      scriptBoundary: true,
    });
    const generationText = parsed.options.get('--generation') ?? '2';
    if (!/^[012]$/.test(generationText)) {
      throw new UserError(`--generation must be 0, 1 or 2 (got "${generationText}")`);
    }
    const generation = Number(generationText);
    const target = runTarget(parsed, 'step');
    const json = parsed.options.get('--json');
    if (json !== undefined && json !== '-') checkWritable('--json', json);
    const html = parsed.options.get('--html');
    if (html !== undefined) checkWritable('--html', html);
    const python = findPython(parsed.options.get('--python'));
    removeAbandonedScratchFolders();
    const scratch = createScratchFolder();
    try {
      const snapshotPath = join(scratch, 'capture.heapsnap');
      const resultPath = join(scratch, 'collection.json');
      const statusPath = join(scratch, 'status');
      const end = await runUnderAgent({
        python,
        at: target.at,
        hit: target.hit,
        snapshotPath,
        statusPath,
        privateFolder: scratch,
        collect: { generation, resultPath },
        script: target.script,
        args: target.scriptArgs,
      });
      if (end.terminated) return endTerminated(end);
      const status = readRunStatus(statusPath);
      if (status.state !== 'captured' || !existsSync(snapshotPath) || !existsSync(resultPath)) {
        return endWithoutCapture(end, status, target.at, 'nothing to step through');
      }
      let snapshot;
      try {
        snapshot = readSnapshotFile(snapshotPath);
      } catch (error) {
        if (error instanceof SnapshotError) throw new UserError(error.message);
        throw error;
      }
      const redaction = parsed.flags.has('--redact') ? createRedaction() : null;
      if (redaction) snapshot = redaction.snapshot(snapshot);
      const real = readRecord(resultPath, generation);
      const analysis = analyze(snapshot);
      const report = compareWithCollection(snapshot, generation, real, {
        result: analysis.generations[generation],
        via: 'cli',
      });
      if (redaction) report.finalizerOutput = redaction.output(report.finalizerOutput);
      process.stderr.write(stepReportText(report) + '\n');
      if (html !== undefined) {
        const summary = summarize(snapshot, analysis);
        const view = buildHeapView(snapshot, analysis, { summary });
        const stepper = stepperDataForView(snapshot, analysis, view);
        stepper.collection = report;
        writeFileAtomically(
          html,
          renderHtmlReport(view, {
            title: `gc.collect(${generation}) at ${summary.capture.file}:${summary.capture.line}`,
            stepper,
            redacted: redaction !== null,
          }),
        );
      }
      if (json !== undefined) {
        const text = jsonForTerminal(JSON.stringify(report, null, 2)) + '\n';
        if (json === '-') process.stdout.write(text);
        else writeFileAtomically(json, text);
      }
      if (end.code !== 0 || end.signal !== null) return endAfterCapture(end);
      return report.match ? 0 : EXIT_PREDICTION_MISMATCH;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
