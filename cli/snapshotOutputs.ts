/** Turning a snapshot file into what the user asked for: JSON summary, HTML report, text. */
import {
  analyze,
  buildHeapView,
  readSnapshotFile,
  SnapshotError,
  summarize,
} from '../server/engine/index';
import type { Summary } from '../protocol/summary';
import { stepperDataForView } from '../server/engine/stepComparison';
import { jsonForTerminal } from '../server/engine/terminalText';
import { UserError } from './errors';
import { writeFileAtomically } from './outputFiles';
import { createRedaction } from './redact';
import { renderHtmlReport } from './report/html';
import { summaryText } from './summaryText';

export interface OutputRequest {
  json?: string; // a path, or "-" for stdout
  html?: string;
  /** Print the human summary to this stream. */
  text?: NodeJS.WritableStream;
  /** Replace the program's string values by their length and a hash (cli/redact.ts). */
  redact?: boolean;
}

export function loadSummary(
  snapshotPath: string,
  options: { redact?: boolean } = {},
): {
  summary: Summary;
  html: () => string;
} {
  let snapshot;
  try {
    snapshot = readSnapshotFile(snapshotPath);
  } catch (error) {
    // The reader's message names the file and is one escaped line already.
    if (error instanceof SnapshotError) throw new UserError(error.message);
    throw error;
  }
  if (options.redact) snapshot = createRedaction().snapshot(snapshot);
  const analysis = analyze(snapshot);
  const summary = summarize(snapshot, analysis);
  return {
    summary,
    html: () => {
      const view = buildHeapView(snapshot, analysis, { summary });
      return renderHtmlReport(view, {
        title: `Heap at ${summary.capture.file}:${summary.capture.line}`,
        stepper: stepperDataForView(snapshot, analysis, view),
        redacted: options.redact === true,
      });
    },
  };
}

export function writeOutputs(snapshotPath: string, request: OutputRequest): Summary {
  const { summary, html } = loadSummary(snapshotPath, { redact: request.redact });
  if (request.json !== undefined) {
    const text = jsonForTerminal(JSON.stringify(summary, null, 2)) + '\n';
    if (request.json === '-') {
      process.stdout.write(text);
    } else {
      writeFileAtomically(request.json, text);
    }
  }
  if (request.html !== undefined) {
    writeFileAtomically(request.html, html());
  }
  if (request.text) {
    request.text.write(summaryText(summary) + '\n');
  }
  return summary;
}
