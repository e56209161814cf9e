/**
 * The stepper's real collection for a heap view that came from the agent's runner (not
 * debugging). That program is gone — stopped once its heap was captured, or finished — so the
 * collection cannot run in it. Instead the file runs to the same line again, exactly as
 * `heap-inspector step` runs it (`heap_inspector_run.py run --collect N --collect-out F`): a new
 * process, a new capture, and the real `gc.collect(N)` right after it, in that process. The
 * prediction compared is the one on that new capture. The runner cannot capture again after
 * collecting, so "after" is the capture less what the collector freed.
 *
 * No `vscode` import. Unlike a paused debuggee, this program is ours: cancelling stops it, and
 * it dies with the extension host. The outcome comes from the runner's status file
 * (cli/runStatus.ts), never from the program's output; a signal that ends it is named.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RealCollectionRecord } from '../../protocol/stepper';
import { fateText } from '../../cli/programEnd';
import type { PythonInfo } from '../../cli/python';
import { readRunStatus } from '../../cli/runStatus';
import { runnerCommand } from '../../cli/runUnderAgent';

export interface RunnerCollectionRequest {
  python: PythonInfo;
  script: string;
  /** The file to stop in and its 1-based line. */
  file: string;
  line: number;
  generation: number;
  args?: string[];
  cwd?: string;
  tempDirectory: string;
  signal?: AbortSignal;
  output?(text: string): void;
  onStart?(pid: number | undefined, commandLine: string): void;
}

export interface RunnerCollectionResult {
  snapshotPath: string;
  real: RealCollectionRecord;
  pid: number | undefined;
}

export class RunnerCollectionError extends Error {
  override readonly name = 'RunnerCollectionError';

  constructor(
    readonly code: 'cancelled' | 'line-not-reached' | 'program-ended' | 'agent-failed',
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

const POLL_MS = 100;

/** Runs the script to the line under the runner, captures, collects; resolves once both are written. */
export function runAndCollect(request: RunnerCollectionRequest): Promise<RunnerCollectionResult> {
  const snapshotPath = join(request.tempDirectory, 'capture.heapsnap');
  const resultPath = join(request.tempDirectory, 'collection.json');
  const statusPath = join(request.tempDirectory, 'status');
  const { command, args } = runnerCommand({
    python: request.python,
    at: `${request.file}:${request.line}`,
    snapshotPath,
    statusPath,
    privateFolder: request.tempDirectory,
    collect: { generation: request.generation, resultPath },
    script: request.script,
    args: request.args ?? [],
  });
  const where = `${request.file.split(/[\\/]/).pop()}:${request.line}`;
  return new Promise<RunnerCollectionResult>((resolve, reject) => {
    let settled = false;
    let stderrTail = '';
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: request.cwd ?? dirname(request.script),
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(
        new RunnerCollectionError(
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
        }, 3_000);
        hard.unref?.();
      }
    };
    const finish = (error: RunnerCollectionError | null): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      request.signal?.removeEventListener('abort', onAbort);
      // The program has served its purpose either way: its heap and its collection are written.
      stop();
      if (error) return reject(error);
      try {
        const real = JSON.parse(readFileSync(resultPath, 'utf8')) as RealCollectionRecord;
        resolve({ snapshotPath, real, pid: child.pid });
      } catch (e) {
        reject(
          new RunnerCollectionError(
            'agent-failed',
            `The collection's record could not be read: ${(e as Error).message}.`,
          ),
        );
      }
    };
    const onAbort = (): void =>
      finish(
        new RunnerCollectionError(
          'cancelled',
          'Cancelled: the run of the program for the collection was stopped (it was a new process; nothing else changed).',
        ),
      );
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.setEncoding('utf8').on('data', (text: string) => request.output?.(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      request.output?.(text);
      stderrTail = (stderrTail + text).slice(-4000);
    });
    /** The runner's verdict so far: both written, failed (the program goes on), or not yet. */
    const verdict = (): 'done' | RunnerCollectionError | null => {
      const status = readRunStatus(statusPath);
      if (status.state === 'captured' && existsSync(resultPath) && existsSync(snapshotPath)) {
        return 'done';
      }
      if (status.state === 'refused') {
        const reason = status.message ?? 'unknown error';
        return new RunnerCollectionError(
          'agent-failed',
          `Cannot run to ${where}: ${reason}.`,
          stderrTail,
        );
      }
      if (status.state === 'failed') {
        const reason = status.message ?? 'unknown error';
        return new RunnerCollectionError(
          'agent-failed',
          `The capture failed: ${reason}`,
          stderrTail,
        );
      }
      return null;
    };
    const poll = setInterval(() => {
      const now = verdict();
      if (now !== null) finish(now === 'done' ? null : now);
    }, POLL_MS);
    child.on('error', (error) =>
      finish(
        new RunnerCollectionError(
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
          readRunStatus(statusPath).state === 'capturing'
            ? 'during the capture at'
            : 'before the collection at';
        return finish(
          new RunnerCollectionError(
            'program-ended',
            `The program ${fateText({ code, signal })} ${when} ${where}. See its output.`,
            stderrTail,
          ),
        );
      }
      const said = stderrTail
        .split('\n')
        .filter((l) => l.startsWith('heap-inspector: '))
        .pop()
        ?.slice('heap-inspector: '.length);
      if (code === 0 || readRunStatus(statusPath).state === 'unreached') {
        return finish(
          new RunnerCollectionError(
            'line-not-reached',
            `The program ended without reaching ${where}: nothing was captured or collected.`,
            stderrTail,
          ),
        );
      }
      finish(
        new RunnerCollectionError(
          'program-ended',
          `The program ended (exit status ${code}) before the collection at ${where}${said ? `: ${said}` : ''}. See its output.`,
          stderrTail,
        ),
      );
    });
  });
}
