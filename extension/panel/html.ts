/**
 * The heap view panel's page: the report bundle (dist/webview/report.js + report.css, built from
 * webview/report/main.ts) loaded from the extension under a strict Content-Security-Policy:
 * nonce scripts only, nothing remote, resources only from the bundle folder (the panel's
 * `localResourceRoots`), a worker only from a blob (the graph layout), images only inline.
 *
 * What the page tells the webview code (the same bundle runs as the offline HTML report):
 *   <body data-host="vscode-panel" data-panel-key="…" [data-focus-address="0x…"]>
 *   <main id="app">                                      where the report renders
 *   <script type="application/json" id="heap-data">      the HeapView to draw (as in the HTML report)
 *   <script type="application/json" id="panel-state">    PanelState to restore, when there is one
 * In a panel the webview can `acquireVsCodeApi()`, post `ready`, and speak protocol/messages.ts.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { HeapView } from '../../protocol/heapView';
import type { PanelState } from '../../protocol/messages';

export interface PanelPage {
  view: HeapView | null;
  title: string;
  panelKey: string;
  /** Address of the object to focus ("Inspect in Heap Graph"). */
  focusAddress?: string;
  state?: PanelState;
  /** Shown instead of the report while there is no view (capturing, or an error). */
  message?: { kind: 'capturing' | 'error'; text: string };
}

/** JSON safe inside <script>: no `<`, `>`, `&`, U+2028/9 (same escaping as the HTML report). */
export function escapeJsonForHtml(json: string): string {
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function nonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(webview: vscode.Webview, scriptNonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${scriptNonce}'`,
    `style-src ${webview.cspSource} 'nonce-${scriptNonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data: blob:`,
    'worker-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The folder the panel may load from: the webview bundle and nothing else. */
export function bundleRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function renderPanelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: PanelPage,
): string {
  const n = nonce();
  const root = bundleRoot(extensionUri);
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'report.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'report.css'));
  const bodyAttrs = [
    'data-host="vscode-panel"',
    `data-panel-key="${escapeHtml(page.panelKey)}"`,
    page.focusAddress ? `data-focus-address="${escapeHtml(page.focusAddress)}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const data = page.view
    ? `<script type="application/json" id="heap-data">${escapeJsonForHtml(JSON.stringify(page.view))}</script>`
    : '';
  const state = page.state
    ? `<script type="application/json" id="panel-state">${escapeJsonForHtml(JSON.stringify(page.state))}</script>`
    : '';
  // Without a view the bundle is not loaded: a plain status page (no script at all).
  const body = page.view
    ? `<main id="app"><p class="panel-loading">Drawing the heap…</p></main>
${data}
${state}
<script nonce="${n}" src="${script}"></script>`
    : `<main id="app" class="panel-message" role="${page.message?.kind === 'error' ? 'alert' : 'status'}">
<h1>${page.message?.kind === 'error' ? 'The heap could not be captured' : 'Capturing the heap…'}</h1>
<p>${escapeHtml(page.message?.text ?? '')}</p>
</main>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview, n)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="stylesheet" nonce="${n}" href="${style}">
<style nonce="${n}">
.panel-message, .panel-loading { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 1.5em 2em; }
.panel-message h1 { font-size: 1.3em; font-weight: 600; }
</style>
</head>
<body ${bodyAttrs}>
${body}
</body>
</html>
`;
}
