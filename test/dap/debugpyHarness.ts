/**
 * Drives a real debugpy adapter (`python -m debugpy.adapter` over stdio) with
 * @vscode/debugadapter-testsupport's DebugClient: launch a program, stop at a line, and hand the
 * capture a DapChannel exactly like the one the extension builds over `session.customRequest`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { sessionEndedError, threadResumedError } from '../../extension/capture/errors';
import type { DapChannel } from '../../extension/capture/hookRunner';
import { AdapterProcess } from './adapterProcess';

export interface DebugpyVariant {
  label: string;
  /** The interpreter that runs the adapter and the debuggee. */
  python: string;
  /** debugpy's version under `python`, or null when it is not installed. */
  version: string | null;
}

/** Debian's python3-debugpy (1.6, /usr/bin/python3) and the pip wheel (1.8, python3). */
export function debugpyVariants(): DebugpyVariant[] {
  const probe = (python: string): string | null => {
    const r = spawnSync(python, ['-c', 'import debugpy; print(debugpy.__version__)'], {
      encoding: 'utf8',
    });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  return [
    { label: 'debugpy 1.6 (Debian, /usr/bin/python3)', python: '/usr/bin/python3' },
    {
      label: 'debugpy 1.8 (wheel, python3)',
      python: process.env.HEAP_INSPECTOR_PYTHON ?? 'python3',
    },
  ].map((variant) => ({ ...variant, version: probe(variant.python) }));
}

export interface LaunchOptions {
  program: string;
  /** Stop at this line of `program` (or of `breakpointFile`). */
  line: number;
  breakpointFile?: string;
  cwd: string;
  /** Run the adapter through this wrapper (e.g. setpriv), as `wrapper[0] wrapper[1..] python …`. */
  wrapper?: string[];
  /** The program's command-line arguments. */
  args?: string[];
  /** debugpy's `rules`: e.g. `[{ path, include: false }]` makes a folder library code (with
   * justMyCode, pydevd neither stops there nor pauses a thread running there). */
  rules?: { path: string; include: boolean }[];
  /** Stop before the program's first line (the session is then paused there, not at `line`). */
  stopOnEntry?: boolean;
  /** Added to the adapter's environment: e.g. DEBUGPY_PROCESS_EXIT_TIMEOUT. */
  adapterEnv?: Record<string, string>;
  /** How long a request may go unanswered (adapterProcess.ts; its default otherwise). */
  requestBoundMs?: number;
}

/**
 * A DapChannel over DebugClient, as the extension builds one over a debug session: `interrupted`
 * aborted when the thread resumes (a fresh signal at each stop), `ended` when the session ends.
 */
export class ClientChannel implements DapChannel {
  private pause = new AbortController();
  private readonly end = new AbortController();
  evaluateCount = 0;

  constructor(private readonly client: DebugClient) {
    client.on('stopped', () => {
      if (this.pause.signal.aborted) this.pause = new AbortController();
    });
    client.on('continued', () => this.markResumed());
    client.on('terminated', () => this.markEnded());
    client.on('exited', () => this.markEnded());
  }

  /** The session is over (the adapter said so, or it is gone). */
  markEnded(): void {
    if (!this.pause.signal.aborted) this.pause.abort(sessionEndedError());
    if (!this.end.signal.aborted) this.end.abort(sessionEndedError());
  }

  get ended(): AbortSignal {
    return this.end.signal;
  }

  /** What the extension's tracker does when it sees a continue/step request go out. */
  markResumed(): void {
    this.pause.abort(threadResumedError());
  }

  /** The current pause's signal (a fresh one after each `stopped`). */
  get interrupted(): AbortSignal {
    return this.pause.signal;
  }

  async evaluate(
    args: DebugProtocol.EvaluateArguments,
  ): Promise<DebugProtocol.EvaluateResponse['body']> {
    this.evaluateCount++;
    return (await this.client.evaluateRequest(args)).body;
  }
}

export class DebugpySession {
  readonly channel: ClientChannel;
  readonly output: string[] = [];
  threadId = 0;
  frames: DebugProtocol.StackFrame[] = [];
  /** The debuggee's exit code, once the adapter has said (`exited`). */
  debuggeeExitCode: number | null = null;
  private readonly adapter: AdapterProcess;

  /** How long a request may go unanswered from now on (launching under load can take longer). */
  set requestBoundMs(ms: number) {
    this.adapter.boundMs = ms;
  }

  private constructor(
    readonly client: DebugClient,
    requestBoundMs: number | undefined,
  ) {
    this.channel = new ClientChannel(client);
    this.adapter = new AdapterProcess(client, requestBoundMs);
    // VS Code ends a session whose adapter is gone; so does this one.
    void this.adapter.gone.then(() => this.channel.markEnded());
    client.on('output', (event: DebugProtocol.OutputEvent) => this.output.push(event.body.output));
    client.on('exited', (event: DebugProtocol.ExitedEvent) => {
      this.debuggeeExitCode = event.body.exitCode;
    });
  }

  /** The adapter's process id. */
  get adapterPid(): number {
    return this.adapter.pid;
  }

  static async launch(variant: DebugpyVariant, options: LaunchOptions): Promise<DebugpySession> {
    // DebugClient spawns `runtime executable`: `-mdebugpy.adapter` is `-m debugpy.adapter`. A
    // wrapper (another user, say) goes in a one-line script, as DebugClient passes one argument.
    const spawnOptions = { cwd: options.cwd, env: { ...process.env, ...options.adapterEnv } };
    let client: DebugClient;
    if (options.wrapper) {
      const script = join(mkdtempSync(join(tmpdir(), 'hi-adapter-')), 'adapter.sh');
      const words = [...options.wrapper, variant.python, '-m', 'debugpy.adapter'];
      writeFileSync(script, `exec ${words.map((word) => `'${word}'`).join(' ')}\n`);
      chmodSync(dirname(script), 0o755);
      client = new DebugClient('/bin/sh', script, 'debugpy', spawnOptions);
    } else {
      client = new DebugClient(variant.python, '-mdebugpy.adapter', 'debugpy', spawnOptions);
    }
    await client.start();
    const session = new DebugpySession(client, options.requestBoundMs);
    try {
      await session.configure(options);
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  /** Initialize, launch, set the breakpoint and wait until the program stops there. */
  private async configure(options: LaunchOptions): Promise<void> {
    const client = this.client;
    await client.initializeRequest({
      adapterID: 'debugpy',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
    // Waited for below; observed now, so that a failure before then is not an unhandled one.
    const initialized = client.waitForEvent('initialized', 30_000);
    initialized.catch(() => undefined);
    const launched = client.launchRequest({
      program: options.program,
      cwd: options.cwd,
      console: 'internalConsole',
      justMyCode: true,
      ...(options.args ? { args: options.args } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.stopOnEntry ? { stopOnEntry: true } : {}),
    } as DebugProtocol.LaunchRequestArguments);
    launched.catch(() => undefined);
    await initialized;
    await client.setBreakpointsRequest({
      source: { path: options.breakpointFile ?? options.program },
      breakpoints: [{ line: options.line }],
    });
    const stopped = client.waitForEvent('stopped', 60_000);
    stopped.catch(() => undefined);
    await client.configurationDoneRequest();
    await launched;
    const event = (await stopped) as DebugProtocol.StoppedEvent;
    this.threadId = event.body.threadId ?? 0;
    this.frames = (await client.stackTraceRequest({ threadId: this.threadId })).body.stackFrames;
  }

  get topFrameId(): number {
    return this.frames[0].id;
  }

  /** A plain `repl` evaluation in the frame; the result string as debugpy returns it. */
  async evaluate(expression: string, frameId = this.topFrameId): Promise<string> {
    const response = await this.client.evaluateRequest({
      expression,
      frameId,
      context: 'repl',
      format: { rawString: true } as DebugProtocol.ValueFormat,
    });
    return response.body.result;
  }

  /** An evaluation with no frame: pydevd runs it on its own command thread, not on the paused
   * one, so it answers while an evaluation on the paused thread is still running. */
  async evaluateWithoutFrame(expression: string): Promise<string> {
    const response = await this.client.evaluateRequest({ expression, context: 'repl' });
    return response.body.result;
  }

  /** Variable names the Variables view shows for a frame, per scope ("Locals", "Globals"). */
  async scopeNames(frameId = this.topFrameId): Promise<Record<string, string[]>> {
    const scopes = (await this.client.scopesRequest({ frameId })).body.scopes;
    const names: Record<string, string[]> = {};
    for (const scope of scopes) {
      const variables = await this.client.variablesRequest({
        variablesReference: scope.variablesReference,
      });
      names[scope.name] = variables.body.variables.map((variable) => variable.name).sort();
    }
    return names;
  }

  /** Resume (as the user pressing Continue: the channel learns it first, as the extension's
   * tracker would from the request), without waiting. */
  async resume(): Promise<void> {
    this.channel.markResumed();
    await this.client.continueRequest({ threadId: this.threadId });
  }

  /** Resume and wait for the program to end. */
  async continueToEnd(): Promise<void> {
    const terminated = this.client.waitForEvent('terminated', 60_000);
    await this.client.continueRequest({ threadId: this.threadId });
    await terminated;
  }

  /** Disconnect (ending the debuggee) and stop the adapter. An adapter whose debuggee is gone
   * may never answer `disconnect`: then it is only stopped, without waiting. */
  async close(): Promise<void> {
    if (!this.channel.ended.aborted && !this.adapter.exited) {
      let timer: NodeJS.Timeout | undefined;
      const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)));
      await Promise.race([this.client.disconnectRequest().catch(() => undefined), patience]);
      clearTimeout(timer);
    }
    await this.adapter.stop();
  }
}
