/** `heap-inspector report`: analyse a snapshot file written earlier. */
import { existsSync } from 'node:fs';
import type { CliCommand } from '../command';
import { parseArgs } from '../args';
import { UserError } from '../errors';
import { checkWritable } from '../outputFiles';
import { writeOutputs } from '../snapshotOutputs';

const usage = `usage: heap-inspector report SNAPSHOT [--json SUMMARY] [--html REPORT] [--redact]

Reads a snapshot written by "heap-inspector snapshot --out" and writes its JSON summary ("-" for
standard output) and/or HTML report. With neither, prints the text summary. Options go anywhere.
--redact replaces the program's string values by their length and a hash (for reports to share).`;

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'analyse a snapshot file: JSON summary, HTML report, text',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      command: 'report',
      options: ['--json', '--html'],
      flags: ['--redact'],
    });
    if (parsed.positionals.length !== 1) {
      throw new UserError(
        'give exactly one snapshot file: heap-inspector report SNAPSHOT [--json F] [--html F]',
      );
    }
    const [snapshot] = parsed.positionals;
    if (!existsSync(snapshot)) {
      throw new UserError(`snapshot not found: ${snapshot}`);
    }
    const json = parsed.options.get('--json');
    const html = parsed.options.get('--html');
    if (json !== undefined && json !== '-') checkWritable('--json', json);
    if (html !== undefined) checkWritable('--html', html);
    writeOutputs(snapshot, {
      json,
      html,
      text: json === undefined && html === undefined ? process.stdout : undefined,
      redact: parsed.flags.has('--redact'),
    });
    return 0;
  },
};
