/** `heap-inspector export`: a snapshot in V8's `.heapsnapshot` format, for other heap viewers. */
import { existsSync, realpathSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand } from '../command';
import { parseArgs } from '../args';
import { UserError } from '../errors';
import { checkWritable, writeFileAtomicallyWith } from '../outputFiles';
import { createRedaction } from '../redact';
import { analyze, readSnapshotFile, SnapshotError } from '../../server/engine/index';
import { writeHeapsnapshot } from '../../server/engine/heapsnapshotWriter';
import { escapeForTerminal } from '../../server/engine/terminalText';

const FORMATS = ['heapsnapshot'];

const usage = `usage: heap-inspector export SNAPSHOT --out FILE.heapsnapshot [--format heapsnapshot] [--redact]
                             [--allocation-traces]

Writes a snapshot (from "heap-inspector snapshot --out") in V8's heap snapshot format, which
Chrome DevTools' Memory panel (Load…), VS Code (open the file) and memlab read: every object with
its class, size and references, retained sizes, the roots under "(GC roots)", and the objects the
next gc.collect() frees under "(Unreachable: …)", named "… (unreachable, __del__ pending)".
See docs/export.md. Options go anywhere. Like the snapshot, the file holds the program's text;
--redact replaces string values and data keys by their length and a hash.
When the program ran with tracemalloc, each object's allocating line is written as its location;
--allocation-traces also writes those lines as V8's allocation traces, for Chrome DevTools'
Allocation view (VS Code's viewer cannot open such a file).`;

/** `1234567` → `1.2 MB`. */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write a snapshot as a .heapsnapshot (Chrome DevTools, VS Code, memlab)',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      command: 'export',
      options: ['--out', '--format'],
      flags: ['--redact', '--allocation-traces'],
    });
    if (parsed.positionals.length !== 1) {
      throw new UserError(
        'give exactly one snapshot file: heap-inspector export SNAPSHOT --out FILE.heapsnapshot',
      );
    }
    const [input] = parsed.positionals;
    const format = parsed.options.get('--format') ?? 'heapsnapshot';
    if (!FORMATS.includes(format)) {
      throw new UserError(
        `--format ${format} is not one export writes: give --format heapsnapshot`,
      );
    }
    const out = parsed.options.get('--out');
    if (out === undefined) {
      throw new UserError(
        'give the file to write: heap-inspector export SNAPSHOT --out FILE.heapsnapshot',
      );
    }
    if (!existsSync(input)) throw new UserError(`snapshot not found: ${input}`);
    checkWritable('--out', out);
    if (existsSync(out) && realpathSync(out) === realpathSync(input)) {
      throw new UserError(`--out ${out} is the snapshot itself; choose another file`);
    }

    const started = performance.now();
    let snapshot;
    try {
      snapshot = readSnapshotFile(input);
    } catch (error) {
      // The reader's message names the file and is one escaped line already.
      if (error instanceof SnapshotError) throw new UserError(error.message);
      throw error;
    }
    if (parsed.flags.has('--redact')) snapshot = createRedaction().snapshot(snapshot);
    const allocationTraces = parsed.flags.has('--allocation-traces');
    if (allocationTraces && (snapshot.allocNode?.length ?? 0) === 0) {
      throw new UserError(
        `${input} has no allocation records (the program ran without tracemalloc): capture with PYTHONTRACEMALLOC=1, or drop --allocation-traces`,
      );
    }
    const analysis = analyze(snapshot);
    let stats: ReturnType<typeof writeHeapsnapshot> | undefined;
    writeFileAtomicallyWith(out, (fd) => {
      stats = writeHeapsnapshot(
        snapshot,
        analysis,
        (chunk) => {
          for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
        },
        { allocationTraces },
      );
    });
    if (!stats) return 1;
    const seconds = (performance.now() - started) / 1000;
    const unreachable =
      stats.unreachable > 0 ? `, ${stats.unreachable.toLocaleString('en-US')} unreachable` : '';
    process.stdout.write(
      `Wrote ${escapeForTerminal(resolve(out))}: ${stats.objects.toLocaleString('en-US')} objects` +
        `${unreachable} and ${stats.synthetic} synthetic nodes, ` +
        `${stats.edges.toLocaleString('en-US')} references, ${megabytes(stats.bytes)} ` +
        `in ${seconds.toFixed(1)} s. ${
          stats.traceSites > 0
            ? `Allocation traces of ${stats.traceSites.toLocaleString('en-US')} lines: open it in Chrome DevTools (Memory, Load…), Allocation view.`
            : 'Open it in Chrome DevTools (Memory, Load…) or in VS Code.'
        }\n`,
    );
    return 0;
  },
};
