/** The extension's log: one LogOutputChannel ("Python Heap Inspector"), shown by heapInspector.showLog. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function createLog(): vscode.LogOutputChannel {
  channel = vscode.window.createOutputChannel('Python Heap Inspector', { log: true });
  return channel;
}

/** The log channel (a no-op stand-in before activation, e.g. in unit tests). */
export function log(): Pick<
  vscode.LogOutputChannel,
  'trace' | 'debug' | 'info' | 'warn' | 'error' | 'show'
> {
  return (
    channel ?? {
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      show: () => undefined,
    }
  );
}

export function disposeLog(): void {
  channel = undefined;
}
