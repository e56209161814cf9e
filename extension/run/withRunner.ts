/**
 * Running a file to a line without a debugger: the agent's own runner
 * (`python heap_inspector_run.py run --at FILE:LINE --out SNAPSHOT --agent-dir … SCRIPT`), exactly
 * as `heap-inspector snapshot` runs it (the command line comes from server/runner/runnerCommand.ts), as a
 * child process of the extension host. Needs nothing but CPython.
 *
 * The one wrapper of that process, for both of its users: Inspect Heap Here when not debugging,
 * and the stepper's real collection for a view the runner captured (`collect`: the runner also
 * runs `gc.collect(N)` right after the capture and writes the collector's record — that program
 * is gone, so the file runs to the line again, in a new process).
 *
 * The outcome comes from the runner's status file (server/runner/runStatus.ts), never from the program's
 * output: when it says "captured" the snapshot (and the record) is complete. Then, by default,
 * the program is stopped — its heap is what was asked for; with `afterCapture: 'finish'` it runs
 * on to its end. Its output goes to `output`. A program that ends first is reported as the CLI
 * reports it (a signal by name). Cancelling stops it, and it dies with the extension host
 * (server/runner/childLifetime.ts). Failures are CaptureFailures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fateText } from '../../server/runner/programEnd';
import type { PythonInfo } from '../../server/runner/pythonInfo';
import { readRunStatus } from '../../server/runner/runStatus';
import { runnerCommand } from '../../server/runner/runnerCommand';
import {
  createProgressFile,
  pollProgress,
  PROGRESS_FILE_NAME,
} from '../../server/runner/progressFile';
import type { CaptureProgress } from '../../protocol/captureProgress';
import { CaptureFailure } from '../captureFailure';

export interface RunToLineRequest {
  python: PythonInfo;
  script: string;
  /** The file to stop in (usually the script itself) and its 1-based line. */
  file: string;
  line: number;
  args?: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  tempDirectory: string;
  afterCapture: 'stop' | 'finish';
  /** Also run the real `gc.collect(generation)` right after the capture, and read its record. */
  collect?: { generation: number };
  signal?: AbortSignal;
  /** Receives the program's stdout/stderr as they come. */
  output?: (text: string) => void;
  /** Called with each new progress report of the capture (the runner's progress file). */
  onProgress?: (progress: CaptureProgress) => void;
  /** Called once the runner is started (pid) — for logs. */
  onStart?: (pid: number | undefined, commandLine: string) => void;
}

export interface RunToLineResult {
  snapshotPath: string;
  /** With `collect`: the agent's record of the collection, as written (the server checks it). */
  record?: unknown;
  /** The runner's note when LINE starts no statement ("stopping at line N instead"). */
  note?: string;
  pid: number | undefined;
}

const POLL_MS = 100;
/** How long a program stopped with SIGTERM has before SIGKILL. */
const TERM_GRACE_MS = 3_000;

/** What a run is for, in its messages. */
function wording(collect: boolean) {
  return collect
    ? {
        before: 'before the collection at',
        nothing: 'nothing was captured or collected',
        cancelled:
          'Cancelled: the run of the program for the collection was stopped (it was a new process; nothing else changed).',
      }
    : {
        before: 'before reaching',
        nothing: 'nothing was captured',
        cancelled: 'Capture cancelled.',
      };
}

/** Runs the script under the agent's runner until the snapshot exists; throws CaptureFailure. */
export function runToLine(request: RunToLineRequest): Promise<RunToLineResult> {
  const snapshotPath = join(request.tempDirectory, 'capture.heapsnap');
  const statusPath = join(request.tempDirectory, 'status');
  const recordPath = request.collect ? join(request.tempDirectory, 'collection.json') : undefined;
  const progressPath = request.onProgress ? progressFile(request.tempDirectory) : undefined;
  const { command, args } = runnerCommand({
    progressPath,
    buildAcceleratorLater: true,
    python: request.python,
    at: `${request.file}:${request.line}`,
    snapshotPath,
    statusPath,
    privateFolder: request.tempDirectory,
    collect:
      request.collect && recordPath
        ? { generation: request.collect.generation, resultPath: recordPath }
        : undefined,
    script: request.script,
    args: request.args ?? [],
  });
  const where = `${request.file.split(/[\\/]/).pop()}:${request.line}`;
  const words = wording(request.collect !== undefined);
  const progress =
    progressPath && request.onProgress
      ? pollProgress(progressPath, request.onProgress, POLL_MS)
      : undefined;
  return new Promise<RunToLineResult>((resolve, reject) => {
    let settled = false;
    let stderrTail = '';
    let note: string | undefined;
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: request.cwd ?? dirname(request.script),
        env: { ...process.env, ...(request.env ?? {}), PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(
        new CaptureFailure(
          'agent-failed',
          `Cannot run ${request.python.executable}: ${(error as Error).message}.`,
        ),
      );
      return;
    }
    request.onStart?.(child.pid, [command, ...args].join(' '));
    const stop = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const hard = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }, TERM_GRACE_MS);
        hard.unref?.();
      }
    };
    const finish = (error: CaptureFailure | null): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      progress?.stop();
      request.signal?.removeEventListener('abort', onAbort);
      if (error) {
        stop();
        return reject(error);
      }
      if (request.afterCapture === 'stop') stop();
      let record: unknown;
      if (recordPath) {
        try {
          record = JSON.parse(readFileSync(recordPath, 'utf8'));
        } catch (e) {
          return reject(
            new CaptureFailure(
              'agent-failed',
              `The collection's record could not be read: ${(e as Error).message}.`,
            ),
          );
        }
      }
      resolve({ snapshotPath, record, note, pid: child.pid });
    };
    const onAbort = (): void => {
      // Why the signal fired (the session ended…) says more than "cancelled", if it says.
      const reason: unknown = request.signal?.reason;
      finish(
        reason instanceof CaptureFailure && reason.kind !== 'cancelled'
          ? reason
          : new CaptureFailure('cancelled', words.cancelled),
      );
    };
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.setEncoding('utf8').on('data', (text: string) => request.output?.(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      request.output?.(text);
      stderrTail = (stderrTail + text).slice(-4000);
      const moved = /heap-inspector: .* starts no statement; stopping at line (\d+) instead/.exec(
        text,
      );
      if (moved)
        note = `line ${request.line} starts no statement: captured at line ${moved[1]} instead`;
    });
    /** The runner's verdict so far: done, failed (the program goes on: stop waiting), or not yet. */
    const verdict = (): 'done' | CaptureFailure | null => {
      const status = readRunStatus(statusPath);
      if (
        status.state === 'captured' &&
        existsSync(snapshotPath) &&
        (!recordPath || existsSync(recordPath))
      ) {
        return 'done';
      }
      if (status.state === 'refused') {
        const reason = status.message ?? 'unknown error';
        return new CaptureFailure('agent-failed', `Cannot run to ${where}: ${reason}.`, stderrTail);
      }
      if (status.state === 'failed') {
        const reason = status.message ?? 'unknown error';
        const kind = /Permission|Errno 13|Errno 30|No space|Read-only/i.test(reason)
          ? 'cannot-write'
          : 'agent-failed';
        return new CaptureFailure(kind, `The capture failed: ${reason}`, stderrTail);
      }
      return null;
    };
    const poll = setInterval(() => {
      const now = verdict();
      if (now !== null) finish(now === 'done' ? null : now);
    }, POLL_MS);
    child.on('error', (error) =>
      finish(
        new CaptureFailure(
          'agent-failed',
          `Cannot run ${request.python.executable}: ${error.message}.`,
        ),
      ),
    );
    child.on('exit', (code, signal) => {
      if (settled) return;
      const now = verdict();
      if (now !== null) return finish(now === 'done' ? null : now);
      if (signal !== null) {
        const when =
          readRunStatus(statusPath).state === 'capturing' ? 'during the capture at' : words.before;
        return finish(
          new CaptureFailure(
            'program-ended',
            `The program ${fateText({ code, signal })} ${when} ${where}. See its output.`,
            stderrTail,
          ),
        );
      }
      const said = lastAgentMessage(stderrTail);
      if (code === 0 || readRunStatus(statusPath).state === 'unreached') {
        return finish(
          new CaptureFailure(
            'line-not-reached',
            `The program ended without reaching ${where}: ${words.nothing}.`,
            stderrTail,
          ),
        );
      }
      finish(
        new CaptureFailure(
          'program-ended',
          `The program ended (exit status ${code}) ${words.before} ${where}${said ? `: ${said}` : ''}. See its output.`,
          stderrTail,
        ),
      );
    });
  });
}

/** The last "heap-inspector: …" line the runner printed. */
function lastAgentMessage(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => l.startsWith('heap-inspector: '));
  return lines.pop()?.slice('heap-inspector: '.length);
}

/** A progress file for the runner (`--progress-out`) in the run's private folder, or undefined
 * when it cannot be made: the run does not depend on it. */
function progressFile(folder: string): string | undefined {
  const path = join(folder, PROGRESS_FILE_NAME);
  try {
    createProgressFile(path);
    return path;
  } catch {
    return undefined;
  }
}
