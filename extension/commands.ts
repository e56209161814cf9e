/**
 * The typed command registry: every command id the extension registers, with the arguments VS
 * Code passes it (from a menu, the Command Palette, a hover's link, a CodeLens or another
 * extension) and what it returns. `registerCommand` and `executeCommand` only accept ids listed
 * here, with those types, so a handler and its callers cannot drift apart. Every `Command` is
 * contributed in package.json under the category "Heap Inspector" (checked by the extension-host
 * tests); an `InternalCommand` is not (it needs arguments only a link or a CodeLens gives).
 */
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { SHOW_IN_GRAPH_COMMAND, type ShowInGraphArgs } from '../protocol/lsp';

export const Command = {
  ShowLog: 'heapInspector.showLog',
  /** Paused: capture the selected frame. Not debugging: run the active file to the cursor's line. */
  InspectHere: 'heapInspector.inspectHere',
  /** Variables view: capture and focus the variable's object. */
  InspectVariable: 'heapInspector.inspectVariable',
  /** Capture the same session again and compare with its previous capture. */
  Recapture: 'heapInspector.recapture',
  SelectInterpreter: 'heapInspector.selectInterpreter',
  /** Open a snapshot file (`heap-inspector snapshot --out`) in a heap view: no code runs. */
  OpenSnapshot: 'heapInspector.openSnapshot',
  /** Cancels the running capture (the status-bar item). */
  CancelCapture: 'heapInspector.cancelCapture',
  /** Writes the active heap view's snapshot as a `.heapsnapshot` and opens VS Code's viewer on it. */
  ExportHeapsnapshot: 'heapInspector.exportHeapsnapshot',
} as const;
export type Command = (typeof Command)[keyof typeof Command];

export const InternalCommand = {
  /**
   * Select an object in the heap view of its capture: the language server's hovers and CodeLens
   * link to it (protocol/lsp.ts).
   */
  ShowInGraph: SHOW_IN_GRAPH_COMMAND,
} as const;
export type InternalCommand = (typeof InternalCommand)[keyof typeof InternalCommand];

/** What the Call Stack view's context menu passes (VS Code 1.100): the frame's source URI first, then this. */
export interface CallStackContext {
  sessionId?: string;
  /** `thread:<session>:<threadId>`-style internal id (VS Code's, not DAP's). */
  threadId?: string;
  /** `stackframe:<thread>:<index>:<name>`-style internal id (VS Code's, not DAP's). */
  frameId?: string;
  frameName?: string;
  frameLocation?: { range?: { startLineNumber?: number }; source?: DebugProtocol.Source };
}

/** What the Variables view's context menu passes. */
export interface VariablesContext {
  sessionId?: string;
  container?: DebugProtocol.Variable | DebugProtocol.Scope | { expression: string };
  variable: DebugProtocol.Variable;
}

/** Where a capture ended up: for callers (tests, other extensions). */
export interface InspectOutcome {
  /** The heap view panel's title. */
  panelTitle: string;
  snapshotId: string;
  unreachable: number;
  /** The unreachable objects by type (`__main__.Node`: 2): says which objects a count is made of. */
  unreachableByType: Record<string, number>;
  cycles: number;
  finalizers: number;
  /** How the capture was taken. */
  via: 'debug-session' | 'debugger-run' | 'runner' | 'file';
  /** How long the debugged program was paused by the capture (ms), for captures over DAP. */
  pauseMs?: number;
  /** Debug session id, when there is one. */
  sessionId?: string;
  /** "Inspect in Heap Graph": the object's address and whether the snapshot has it. */
  focus?: { address: string; found: boolean };
  /** Re-capture: the comparison with the previous capture. */
  diff?: { unreachableBefore: number; unreachableAfter: number; changedTypes: number };
}

export interface InspectHereOptions {
  /** Instead of the active editor: this file and 1-based line (not debugging). */
  file?: string;
  line?: number;
  /** Override `heapInspector.runToLine.method` for this call. */
  method?: 'auto' | 'debugger' | 'runner';
}

export interface ExportHeapsnapshotOptions {
  /** Write here instead of asking with a save dialog (absolute path or file URI). */
  target?: vscode.Uri | string;
  /** Open the file in VS Code's heap snapshot viewer afterwards (default true). */
  open?: boolean;
}

/** Where an export went: for callers (tests, other extensions). */
export interface ExportOutcome {
  path: string;
  objects: number;
  nodes: number;
  edges: number;
  unreachable: number;
  bytes: number;
  /** The editor the file was opened in: VS Code's heap snapshot viewer, or none. */
  openedWith: string | null;
}

export interface CommandTypes {
  [Command.ShowLog]: () => void;
  [Command.InspectHere]: (
    target?: vscode.Uri | string | InspectHereOptions,
    context?: CallStackContext,
  ) => Promise<InspectOutcome | undefined>;
  [Command.InspectVariable]: (context?: VariablesContext) => Promise<InspectOutcome | undefined>;
  [Command.Recapture]: (sessionId?: string) => Promise<InspectOutcome | undefined>;
  [Command.SelectInterpreter]: () => Promise<void>;
  [Command.OpenSnapshot]: (file?: vscode.Uri) => Promise<InspectOutcome | undefined>;
  [Command.CancelCapture]: () => void;
  [Command.ExportHeapsnapshot]: (
    options?: ExportHeapsnapshotOptions,
  ) => Promise<ExportOutcome | undefined>;
  [InternalCommand.ShowInGraph]: (args?: ShowInGraphArgs) => Promise<{ shown: boolean }>;
}

/** The contributed command ids, for the contribution check. */
export const ALL_COMMANDS: readonly Command[] = Object.values(Command);

export function registerCommand<K extends keyof CommandTypes>(
  id: K,
  handler: CommandTypes[K],
): vscode.Disposable {
  return vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown);
}

export function executeCommand<K extends keyof CommandTypes>(
  id: K,
  ...args: Parameters<CommandTypes[K]>
): Thenable<Awaited<ReturnType<CommandTypes[K]>>> {
  return vscode.commands.executeCommand(id, ...args);
}
