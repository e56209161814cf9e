/**
 * The heap view panel's page: the page webview/page.ts builds, with the report bundle
 * (dist/webview/report.js + report.css, built from webview/report/main.ts) linked from the
 * extension: nonce scripts only, nothing remote, resources only from the bundle folder (the
 * panel's `localResourceRoots`), a worker only from a blob (the graph layout), images only inline.
 *
 * What the page tells the webview code (the same bundle runs as the offline HTML report):
 *   <body data-host="vscode-panel" data-panel-key="…" [data-focus-address="0x…"]>
 *   <main id="app">                                      where the report renders
 *   <script type="application/json" id="heap-data">      the HeapView to draw (as in the HTML report)
 *   <script type="application/json" id="panel-state">    PanelState to restore, when there is one
 * In a panel the webview can `acquireVsCodeApi()`, post `ready`, and speak protocol/messages.ts.
 */
import * as vscode from 'vscode';
import type { HeapView } from '../../protocol/heapView';
import type { PanelState } from '../../protocol/messages';
import { escapeHtml, newNonce, renderPage } from '../../webview/page';

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

/** The folder the panel may load from: the webview bundle and nothing else. */
export function bundleRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function renderPanelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: PanelPage,
): string {
  const root = bundleRoot(extensionUri);
  const asset = (file: string): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(root, file)).toString();
  const error = page.message?.kind === 'error';
  return renderPage({
    title: page.title,
    nonce: newNonce(),
    style: { href: asset('report.css') },
    resourceSource: webview.cspSource,
    bodyAttributes: {
      'data-host': 'vscode-panel',
      'data-panel-key': page.panelKey,
      'data-focus-address': page.focusAddress || undefined,
    },
    // Without a view the bundle is not loaded: a plain status page (no script at all).
    ...(page.view
      ? {
          script: { src: asset('report.js') },
          main: { html: '<p class="panel-loading">Drawing the heap…</p>' },
          data: [
            ['heap-data', page.view],
            ['panel-state', page.state],
          ],
        }
      : {
          main: {
            attributes: { class: 'panel-message', role: error ? 'alert' : 'status' },
            html: `<h1>${error ? 'The heap could not be captured' : 'Capturing the heap…'}</h1><p>${escapeHtml(page.message?.text ?? '')}</p>`,
          },
        }),
  });
}
