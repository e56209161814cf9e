/**
 * Capturing the heap of a Python program paused under a debugger, over DAP: what "Inspect Heap
 * Here" runs when a debug session is paused. No `vscode` import: the extension passes a
 * DapChannel over `session.customRequest`, the tests one over a real debugpy adapter.
 *
 * The snapshot never travels through `evaluate` (debugpy cuts results at 64 KB): the agent
 * writes it into a private directory (mode 0700) made under `tempDirectory`, this module reads it
 * and removes the directory — on success, on failure and when a cancelled capture's evaluation is
 * finally answered. Only a short JSON status comes back through DAP. See docs/debugger-capture.md.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureProgress } from '../../protocol/captureProgress';
import {
  debuggeeAcceleratorArgument,
  prepareDebuggeeAccelerator,
} from '../../server/runner/debuggeeAccelerator';
import {
  createProgressFile,
  pollProgress,
  PROGRESS_FILE_NAME,
} from '../../server/runner/progressFile';
import { agentCall, captureCall, type AgentCallOptions } from './agentExpression';
import { CaptureError } from './errors';
import { hookFile } from './hookFile';
import { runHook, startOperation, type DapChannel, type HookRunOptions } from './hookRunner';
import { createWorkspace, type CaptureWorkspace } from './workspace';

export interface DapCaptureOptions extends HookRunOptions {
  /**
   * The agent package directory (`…/agent/heap_inspector_agent`) on this machine: the debuggee
   * reads the debugger hook and the agent from it (it must run here, see docs/debugger-capture.md).
   */
  agentDirectory: string;
  /** Where the private directory for the snapshot is made (e.g. `os.tmpdir()`). */
  tempDirectory: string;
  /**
   * Keep the snapshot file and return its path (for a reader in another process); call
   * `dispose()` to remove it. By default the file is read into `bytes` and removed at once.
   */
  keepFile?: boolean;
  /**
   * The hook's accelerator argument (server/runner/debuggeeAccelerator.ts); by default the
   * runner cache and the prebuilt folder. When no build fitted the debuggee's interpreter, one is
   * made in the background for the next capture.
   */
  accelerator?: string;
  /**
   * Called with each new progress report while the debuggee captures (the agent stores them in
   * a progress file beside the snapshot, polled here), and once more with the last one.
   */
  onProgress?: (progress: CaptureProgress) => void;
}

/** How often the progress file is read while the evaluate request waits. */
const PROGRESS_POLL_MS = 100;

/** What the debuggee reported about the capture. */
export interface CaptureMeta {
  nodes: number;
  edges: number;
  /** The agent's own time (walk + write), in the debuggee. */
  captureSeconds: number;
  /** The hook's time in the debuggee, including loading the agent the first time. */
  hookSeconds: number;
  /** This capture loaded the agent into the process (the first capture in it). */
  agentLoaded: boolean;
  /** This capture installed the debugger hook (see hookFile.ts). */
  hookInstalled: boolean;
  /** The frame captured "at": the DAP frame's code, as the debuggee saw it. */
  frame: { function: string; file: string; line: number; resolvedBy: 'pydevd' | 'innermost' };
  python: string;
  /** The debuggee's `sys.executable`. */
  executable?: string;
  /** The native accelerator read the heap (else the snapshot's warnings say why not). */
  accelerated?: boolean;
  pid: number;
  /** `gc.get_stats()[g]['collections']` right after the capture: a later difference means a
   * collection ran since, and the snapshot no longer describes the heap exactly. */
  gcCollections: number[];
}

export interface DapCaptureResult {
  /** The snapshot (protocol/snapshot.ts format). */
  bytes: Uint8Array;
  /** Only with `keepFile`: the snapshot on disk, until `dispose()`. */
  snapshotPath?: string;
  /** Removes the kept file (a no-op without `keepFile`). */
  dispose(): Promise<void>;
  meta: CaptureMeta;
  /** The pause the capture added: first evaluate request to last response, in seconds. */
  seconds: number;
}

/** Capture the heap of the paused program at the DAP frame `frameId`. */
export async function captureOverDap(
  channel: DapChannel,
  options: DapCaptureOptions,
): Promise<DapCaptureResult> {
  // A hook that cannot be read fails here, before the session is claimed.
  const hook = hookFile(options.agentDirectory);
  const operation = startOperation(channel, options); // before any await: see startOperation
  let workspace: CaptureWorkspace;
  try {
    workspace = await createWorkspace(options.tempDirectory);
  } catch (error) {
    operation.abandon();
    throw error;
  }
  let keep = false;
  let finished = false; // set when this function is done with the directory and did not keep it
  const progress = options.onProgress ? watchProgress(workspace, options.onProgress) : undefined;
  try {
    const run = await operation.run(
      captureCall(
        workspace.snapshotPath,
        options.agentDirectory,
        hook,
        options.accelerator ?? debuggeeAcceleratorArgument(),
      ),
      { agentDirectory: options.agentDirectory, snapshotDirectory: workspace.directory },
      // An abandoned capture may still be writing: once the debuggee has answered, nothing can
      // write there any more; remove whatever it left (unless the caller keeps the file).
      () => (finished ? workspace.remove() : undefined),
    );
    progress?.stop();
    const meta = { ...(run.status as unknown as CaptureMeta), hookInstalled: run.installed };
    meta.hookSeconds = (run.status as { seconds?: number }).seconds ?? 0;
    if (meta.accelerated === false && typeof meta.executable === 'string') {
      void prepareDebuggeeAccelerator(meta.executable);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(workspace.snapshotPath);
    } catch (error) {
      throw new CaptureError(
        'snapshot-not-local',
        `The debugged program (pid ${meta.pid}) wrote its snapshot where this machine cannot read it: ` +
          'Inspect Heap needs the program to run on this machine.',
        String(error),
      );
    }
    keep = options.keepFile === true;
    return {
      bytes,
      snapshotPath: keep ? workspace.snapshotPath : undefined,
      dispose: () => (keep ? workspace.remove() : Promise.resolve()),
      meta,
      seconds: run.seconds,
    };
  } finally {
    progress?.stop();
    if (!keep) {
      finished = true;
      await workspace.remove();
    }
  }
}

/**
 * The progress file in the capture's folder (the debugger hook maps it if it is there) and its
 * poller; none when it cannot be made: the capture does not depend on it.
 */
function watchProgress(
  workspace: CaptureWorkspace,
  onProgress: (progress: CaptureProgress) => void,
): { stop(): void } | undefined {
  const path = join(workspace.directory, PROGRESS_FILE_NAME);
  try {
    createProgressFile(path);
  } catch {
    return undefined;
  }
  const poller = pollProgress(path, onProgress, PROGRESS_POLL_MS);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      poller.stop();
    },
  };
}

export interface DapAgentCallOptions extends AgentCallOptions, HookRunOptions {}

export interface DapAgentCallResult {
  /** The function's return value (JSON). */
  value: unknown;
  /** As CaptureMeta.gcCollections, after the call. */
  gcCollections: number[];
  seconds: number;
}

/**
 * Run any function of the agent in the paused program (loading the agent if needed), e.g. the
 * stepper's real `gc.collect`. Same lock, cancellation and errors as a capture.
 */
export async function callAgentOverDap(
  channel: DapChannel,
  options: DapAgentCallOptions,
): Promise<DapAgentCallResult> {
  const run = await runHook(channel, agentCall(options), options, {
    agentDirectory: options.agentDirectory,
  });
  const status = run.status as { value?: unknown; gcCollections?: number[] };
  return { value: status.value, gcCollections: status.gcCollections ?? [], seconds: run.seconds };
}
