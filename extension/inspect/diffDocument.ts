/**
 * "Re-capture and compare": the comparison as a read-only Markdown document
 * (`heap-inspector-diff:` URIs, content provided from memory).
 */
import * as vscode from 'vscode';
import type { DiffResult } from '../../protocol/lsp';
import { growthMarkdown } from './growthMarkdown';

export const DIFF_SCHEME = 'heap-inspector-diff';
/** Rows of the type table at most. */
const MAX_ROWS = 60;

export function diffMarkdown(title: string, diff: DiffResult, when = new Date()): string {
  const delta = (a: number, b: number) => {
    const d = b - a;
    return d > 0 ? `+${d}` : String(d);
  };
  const rows = Object.entries(diff.byType)
    .map(([type, c]) => ({ type, ...c, d: c.after - c.before }))
    .sort((a, b) => Math.abs(b.d) - Math.abs(a.d) || a.type.localeCompare(b.type));
  const lines = [
    `# Heap comparison — ${title}`,
    '',
    `Compared at ${when.toLocaleString()}: the previous capture of the same program and this one.`,
    '',
  ];
  if (diff.growth) {
    lines.push(
      `- **Unreachable objects** (freed by the next \`gc.collect()\`): ${diff.unreachableBefore} → ${diff.unreachableAfter} (${delta(diff.unreachableBefore, diff.unreachableAfter)})`,
      ...growthMarkdown(diff.growth),
    );
    return lines.join('\n') + '\n';
  }
  if (diff.byAddressBecause) {
    lines.push(
      `> Compared by address and count only: ${diff.byAddressBecause.replace(/[\r\n]/g, ' ')}.`,
      '',
    );
  }
  lines.push(
    `- **Unreachable objects** (freed by the next \`gc.collect()\`): ${diff.unreachableBefore} → ${diff.unreachableAfter} (${delta(diff.unreachableBefore, diff.unreachableAfter)})`,
    `- **Objects that appeared**: ${diff.added.length}${diff.added.length >= 200 ? '+' : ''} · **went away**: ${diff.removed.length}${diff.removed.length >= 200 ? '+' : ''} (by address)`,
    '',
  );
  if (rows.length === 0) {
    lines.push('No type changed in count.');
  } else {
    lines.push('| Type | Before | After | Change |', '| --- | ---: | ---: | ---: |');
    for (const r of rows.slice(0, MAX_ROWS)) {
      lines.push(
        `| \`${r.type.replace(/\|/g, '\\|')}\` | ${r.before} | ${r.after} | ${delta(r.before, r.after)} |`,
      );
    }
    if (rows.length > MAX_ROWS) lines.push('', `…and ${rows.length - MAX_ROWS} more types.`);
  }
  if (diff.added.length > 0) {
    lines.push(
      '',
      '<details><summary>Addresses that appeared</summary>',
      '',
      diff.added.slice(0, 50).join(' '),
      '',
      '</details>',
    );
  }
  return lines.join('\n') + '\n';
}

export class DiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private counter = 0;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, this);
  }

  add(title: string, diff: DiffResult): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/comparison-${++this.counter}.md` });
    this.texts.set(uri.toString(), diffMarkdown(title, diff));
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this comparison is no longer available)';
  }

  async open(uri: vscode.Uri): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
    });
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}
