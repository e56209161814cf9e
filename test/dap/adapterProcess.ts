/**
 * The debug adapter process behind a DebugClient, watched so that no request waits forever.
 *
 * DebugClient (@vscode/debugadapter-testsupport) gives a request no time limit and forgets
 * nothing when the adapter dies: a request it never answers, or one pending when it exits, stays
 * pending for ever. Here every request ends: answered, rejected when the adapter is gone (saying
 * how it ended), or rejected once it has gone unanswered for a bound (saying which request).
 *
 * Adapters still running when this process exits are stopped: a test that gave up on its session
 * leaves no adapter (and so no debuggee) behind.
 */
import type { ChildProcess } from 'node:child_process';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

/**
 * How long a request may go unanswered. Longer than any capture's own timeout (120 s by
 * default), so that a capture's own failure is what a test sees; debugpy answers anything else
 * in well under a second, and a capture of the test programs takes seconds even on a loaded
 * machine.
 */
export const REQUEST_BOUND_MS = 5 * 60_000;

type Send = (command: string, args?: unknown) => Promise<DebugProtocol.Response>;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const adapter of running) adapter.kill();
});

export class AdapterProcess {
  readonly pid: number;
  /** Settles when the adapter has exited and its output is closed: how it ended, in words. */
  readonly gone: Promise<string>;
  private ending: string | null = null;

  constructor(
    private readonly client: DebugClient,
    /** How long a request may go unanswered; a test may shorten it once the session runs. */
    public boundMs = REQUEST_BOUND_MS,
  ) {
    const adapter = (client as unknown as { _adapterProcess: ChildProcess | null })._adapterProcess;
    if (!adapter?.pid) throw new Error('the debug adapter did not start');
    this.pid = adapter.pid;
    running.add(adapter);
    // A request sent while the adapter exits fails with its reason below, not with EPIPE here.
    adapter.stdin?.on('error', () => undefined);
    // 'close', not 'exit': a response the adapter wrote just before it exited is still read.
    this.gone = new Promise((resolve) => {
      adapter.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        running.delete(adapter);
        this.ending = signal ? `was killed (${signal})` : `exited (status ${code})`;
        resolve(this.ending);
      });
    });
    const clientSend = client.send.bind(client) as Send;
    (client as unknown as { send: Send }).send = (command, args) =>
      this.answer(
        command,
        this.exited ? new Promise<never>(() => undefined) : clientSend(command, args),
      );
  }

  /** Whether the adapter has exited. */
  get exited(): boolean {
    return this.ending !== null;
  }

  /** Stops the adapter (SIGTERM) and waits for it to exit; SIGKILL if it does not, soon. */
  async stop(): Promise<void> {
    (this.client as unknown as { stopAdapter(): void }).stopAdapter();
    if (await this.within(this.gone, 5_000)) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Already gone (its output may still be held open by a process it started).
    }
    await this.within(this.gone, 5_000);
  }

  /** `response`, or a rejection that says why it will not come. */
  private answer<T>(command: string, response: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`debugpy did not answer "${command}" within ${this.boundMs / 1000} s`)),
        this.boundMs,
      );
    });
    const gone = this.gone.then((how) => {
      throw new Error(`the debug adapter ${how} before answering "${command}"`);
    });
    return Promise.race([response, silent, gone]).finally(() => clearTimeout(timer));
  }

  private async within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const done = await Promise.race([promise.then(() => true), late]);
    clearTimeout(timer);
    return done;
  }
}
