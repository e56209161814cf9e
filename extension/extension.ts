// Python Heap Inspector: VS Code extension entry point (bundled by scripts/build.mjs into
// dist/extension.js). It hooks Python debug sessions (debugpy) to capture the debuggee's heap,
// runs a file to a line when not debugging, starts the language server that analyses snapshots,
// and hosts the heap view panels.
import * as vscode from 'vscode';
import { Command, registerCommand } from './commands';
import { SessionChannels } from './debug/sessionCapture';
import { DebugSessionTracker } from './debug/sessionTracker';
import { StartupGarbageCollector } from './debug/startupGarbage';
import { AllocationTracking } from './debug/trackAllocations';
import { HeapsnapshotExport } from './export/exportHeapsnapshot';
import { HeapClient } from './heapClient';
import { CaptureGate } from './inspect/captureGate';
import { DiffDocuments } from './inspect/diffDocument';
import { Inspector } from './inspect/inspector';
import { createLog, disposeLog } from './log';
import { HeapPanels, type PanelInfo } from './panel/heapPanel';
import { registerLiveFacts, type LiveFactsApi } from './liveFacts/index';
import { InterpreterService } from './python/interpreter';
import { selectInterpreter } from './python/selectInterpreter';
import { StepperController, type StepperApi } from './stepper/stepperController';
import { CaptureStatus } from './ui/statusBar';

/** What activate() returns: for the extension-host tests and other extensions. */
export interface HeapInspectorApi {
  /** The open heap view panels and the numbers they show. */
  panels(): PanelInfo[];
  /** The status-bar text while a capture runs, else undefined. */
  captureStatus(): string | undefined;
  /** A capture is running. */
  busy(): boolean;
  languageServerRunning(): boolean;
  /** The collector stepper's real collections. */
  stepper: StepperApi;
  /** The current capture and its allocation-site decorations (hovers and CodeLens come from the language server). */
  liveFacts: LiveFactsApi;
}

let client: HeapClient | undefined;

export function activate(context: vscode.ExtensionContext): HeapInspectorApi {
  const log = createLog();
  context.subscriptions.push(log);
  client = new HeapClient(context);
  const tracker = new DebugSessionTracker();
  const startupGarbage = new StartupGarbageCollector(tracker);
  const status = new CaptureStatus();
  const gate = new CaptureGate(status);
  const interpreters = new InterpreterService();
  const programOutput = vscode.window.createOutputChannel('Python Heap Inspector: Program');
  const diffs = new DiffDocuments();
  const channels = new SessionChannels();
  context.subscriptions.push(
    tracker.onDidResume(({ session }) => channels.resumed(session.id)),
    tracker.onDidEnd((session) => channels.ended(session.id)),
  );

  // The panels ask the inspector to re-capture; the inspector shows captures in the panels.
  const late: { inspector?: Inspector } = {};
  const panels = new HeapPanels(context, {
    client,
    recapture: (panel) => void late.inspector?.recapture(panel),
  });
  const exporter = new HeapsnapshotExport(panels, client);
  const heap = new Inspector({
    tracker,
    client,
    panels,
    interpreters,
    gate,
    programOutput,
    diffs,
    channels,
  });
  late.inspector = heap;
  const stepper = new StepperController({
    panels,
    client,
    tracker,
    channels,
    gate,
    interpreters,
    programOutput,
  });
  context.subscriptions.push(stepper);
  const liveFacts = registerLiveFacts(context, { client, panels, tracker });
  context.subscriptions.push(new AllocationTracking());
  context.subscriptions.push(
    tracker,
    startupGarbage,
    status,
    interpreters,
    programOutput,
    diffs,
    panels,
    {
      dispose: () => void client?.dispose(),
    },
  );

  context.subscriptions.push(
    registerCommand(Command.ShowLog, () => log.show(true)),
    registerCommand(Command.InspectHere, (target, callStack) =>
      heap.inspectHere(target, callStack),
    ),
    registerCommand(Command.InspectVariable, (variables) => heap.inspectVariable(variables)),
    registerCommand(Command.Recapture, (sessionId) => heap.recapture(sessionId)),
    registerCommand(Command.SelectInterpreter, () => selectInterpreter(interpreters)),
    registerCommand(Command.OpenSnapshot, (file) => heap.openSnapshot(file)),
    registerCommand(Command.CancelCapture, () => gate.cancel()),
    registerCommand(Command.ExportHeapsnapshot, (options) => exporter.run(options)),
  );

  // The server starts at activation: it lints open files and answers hovers and CodeLens;
  // snapshot requests wait for it.
  client
    .start()
    .catch((error: Error) => log.error(`the language server did not start: ${error.message}`));

  log.info(
    `activated (VS Code ${vscode.version}, ${vscode.env.appHost}, remote: ${vscode.env.remoteName ?? 'none'}, trusted: ${vscode.workspace.isTrusted})`,
  );

  return {
    panels: () => panels.all().map((p) => p.info),
    captureStatus: () => status.current,
    busy: () => gate.busy,
    languageServerRunning: () => client?.running ?? false,
    stepper: stepper.api,
    liveFacts,
  };
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  await c?.dispose();
  disposeLog();
}
