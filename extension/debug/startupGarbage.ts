/**
 * The debugger's start-up garbage. debugpy, loading into a program, leaves a few hundred objects
 * in reference cycles (classes, functions, frames, datetime objects of modules it imported and
 * dropped) that no collection has freed yet when the program starts. A capture is exact, so they
 * would show among the unreachable objects — next to the program's own, and many more of them.
 *
 * For launch sessions that ask for it (`heapInspectorCollectAtEntry` in the configuration: every
 * session Inspect Heap Here starts to run a file to a line, and, with the setting
 * `heapInspector.debug.collectStartupGarbage`, the user's own Python launch sessions), the program
 * is stopped on entry — before any of its code ran, so only the debugger's objects exist besides
 * the interpreter's — one `gc.collect()` frees that garbage, and the program continues. Measured:
 * debugpy 1.8 leaves 303 such objects, 1.6 leaves 244; afterwards a capture at a line finds
 * exactly what `heap-inspector snapshot` finds for the same line.
 */
import * as vscode from 'vscode';
import type { DebugSessionTracker } from './sessionTracker';
import { PYTHON_DEBUG_TYPES } from './sessionTracker';
import { log } from '../log';
import { setting } from '../settings';

export const COLLECT_AT_ENTRY = 'heapInspectorCollectAtEntry';

export function wantsCollectAtEntry(session: vscode.DebugSession): boolean {
  return (session.configuration as Record<string, unknown>)[COLLECT_AT_ENTRY] === true;
}

export class StartupGarbageCollector
  implements vscode.Disposable, vscode.DebugConfigurationProvider
{
  private readonly disposables: vscode.Disposable[] = [];
  private readonly handled = new Set<string>();

  constructor(tracker: DebugSessionTracker) {
    this.disposables.push(
      tracker.onDidStop(({ session, threadId, reason }) => {
        if (reason !== 'entry' || !wantsCollectAtEntry(session) || this.handled.has(session.id))
          return;
        this.handled.add(session.id);
        void this.collectAndContinue(tracker, session, threadId);
      }),
      tracker.onDidEnd((s) => this.handled.delete(s.id)),
    );
    for (const type of PYTHON_DEBUG_TYPES) {
      this.disposables.push(vscode.debug.registerDebugConfigurationProvider(type, this));
    }
  }

  /** With the setting on, the user's Python launch sessions stop on entry for the collection. */
  resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration {
    const on = setting('debug.collectStartupGarbage', folder?.uri);
    if (
      on &&
      config.request === 'launch' &&
      config.stopOnEntry === undefined &&
      config[COLLECT_AT_ENTRY] === undefined
    ) {
      config.stopOnEntry = true;
      config[COLLECT_AT_ENTRY] = true;
    }
    return config;
  }

  private async collectAndContinue(
    tracker: DebugSessionTracker,
    session: vscode.DebugSession,
    threadId: number,
  ): Promise<void> {
    try {
      // Let VS Code finish its requests for the entry stop first: a request still in flight when
      // the thread resumes fails inside debugpy and leaves garbage of its own (frames, locks).
      await tracker.whenQuiet(session.id);
      const frames = await tracker.frames(session, threadId, 1);
      const frameId = frames[0]?.id;
      if (frameId !== undefined) {
        const body = (await session.customRequest('evaluate', {
          expression: "__import__('gc').collect()",
          frameId,
          context: 'repl',
        })) as { result?: string };
        log().info(
          `${session.name}: freed ${body.result ?? '?'} objects of the debugger's start-up garbage before the program started`,
        );
      } else {
        log().warn(
          `${session.name}: no frame to collect the debugger's start-up garbage in: captures of this session will count it`,
        );
      }
    } catch (error) {
      log().warn(
        `${session.name}: could not collect the debugger's start-up garbage: ${(error as Error).message}`,
      );
    }
    try {
      await tracker.whenQuiet(session.id, 100, 2_000);
      await session.customRequest('continue', { threadId });
    } catch (error) {
      log().warn(
        `${session.name}: could not continue after the entry stop: ${(error as Error).message}`,
      );
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
