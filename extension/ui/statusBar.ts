/** The status-bar item shown while a capture runs: a spinner, what is happening, click to cancel. */
import * as vscode from 'vscode';
import { Command } from '../commands';

export class CaptureStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private text: string | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem(
      'heapInspector.capture',
      vscode.StatusBarAlignment.Left,
      50,
    );
    this.item.name = 'Heap Inspector capture';
    this.item.command = Command.CancelCapture;
  }

  show(text: string): void {
    this.item.text = `$(loading~spin) Heap: ${text}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**Heap Inspector** — ${text}\n\nClick to cancel the capture.`,
    );
    this.item.accessibilityInformation = { label: `Heap Inspector: ${text}. Activate to cancel.` };
    this.item.show();
    this.text = text;
  }

  hide(): void {
    this.item.hide();
    this.text = undefined;
  }

  /** What the item says while shown (for tests and logs); undefined when hidden. */
  get current(): string | undefined {
    return this.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
