/**
 * One capture at a time: a second request while one runs is refused (`captureBusy`) — two agents
 * in one debuggee, or two programs racing, would help nobody. A running capture shows a
 * cancellable progress notification and a status-bar item; cancelling (either) aborts its signal
 * with a CaptureFailure('cancelled').
 */
import * as vscode from 'vscode';
import { captureBusy, CaptureFailure } from '../captureFailure';
import { log } from '../log';
import type { CaptureStatus } from '../ui/statusBar';

export interface CaptureProgress {
  readonly signal: AbortSignal;
  /** Updates the notification and the status-bar item. */
  report(message: string): void;
  /** Aborts the capture with this failure (session ended, thread resumed…). */
  abort(reason: CaptureFailure): void;
}

export class CaptureGate {
  private running: { label: string; controller: AbortController } | undefined;

  constructor(private readonly status: CaptureStatus) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  get label(): string | undefined {
    return this.running?.label;
  }

  cancel(): void {
    if (!this.running) return;
    log().info(`cancel requested: ${this.running.label}`);
    this.running.controller.abort(new CaptureFailure('cancelled', 'Capture cancelled.'));
  }

  async run<T>(label: string, task: (progress: CaptureProgress) => Promise<T>): Promise<T> {
    if (this.running) throw captureBusy(this.running.label);
    const controller = new AbortController();
    const running = { label, controller };
    this.running = running;
    this.status.show(label);
    void vscode.commands.executeCommand('setContext', 'heapInspector.capturing', true);
    const started = Date.now();
    try {
      return await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: 'Heap Inspector',
          cancellable: true,
        },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() =>
            controller.abort(new CaptureFailure('cancelled', 'Capture cancelled.')),
          );
          try {
            progress.report({ message: label });
            return await task({
              signal: controller.signal,
              report: (message) => {
                progress.report({ message });
                this.status.show(message);
              },
              abort: (reason) => controller.abort(reason),
            });
          } finally {
            onCancel.dispose();
          }
        },
      );
    } finally {
      if (this.running === running) this.running = undefined;
      this.status.hide();
      void vscode.commands.executeCommand('setContext', 'heapInspector.capturing', false);
      log().debug(`${label}: ${Date.now() - started} ms`);
    }
  }
}

/** Rejects with the signal's reason once it aborts; resolves with `p` otherwise. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(reason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function reason(signal: AbortSignal): CaptureFailure {
  return signal.reason instanceof CaptureFailure
    ? signal.reason
    : new CaptureFailure('cancelled', 'Capture cancelled.');
}
