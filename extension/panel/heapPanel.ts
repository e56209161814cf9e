/**
 * Heap view panels: one per debug session (or per file run to a line, or per snapshot file
 * opened), titled with the session and the frame. Each hosts the report bundle (see html.ts). The
 * webview's typed messages (protocol/messages.ts) go through one dispatcher for all panels
 * (webviewDispatch.ts): the panels answer theirs here, through the language server; the stepper
 * registers its own (`HeapPanels.handle`).
 *
 * State survives:
 * - hide/show: the page is rebuilt from its HTML (the view is embedded), and the webview keeps
 *   its own UI state with getState/setState;
 * - a window reload: a WebviewPanelSerializer restores each panel from a record kept in the
 *   workspace state plus a copy of its snapshot in the extension's storage (removed with the
 *   panel), reloaded into the language server (panelPersistence.ts).
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { HeapView } from '../../protocol/heapView';
import type { PanelState, ToWebview } from '../../protocol/messages';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import { bundleRoot, renderPanelHtml } from './html';
import { PanelPersistence } from './panelPersistence';
import { WebviewDispatcher, type FromWebviewHandlers } from './webviewDispatch';

export const VIEW_TYPE = 'heapInspector.heapView';

/** What a panel shows captures of. */
export type PanelTarget =
  | { kind: 'session'; sessionId: string; sessionName: string }
  | { kind: 'run'; file: string; line: number }
  | { kind: 'file'; path: string };

/** For the extension-host tests and `InspectOutcome`. */
export interface PanelInfo {
  key: string;
  title: string;
  snapshotId: string | undefined;
  unreachable: number | undefined;
  cycles: number | undefined;
  finalizers: number | undefined;
  visible: boolean;
  focusAddress: string | undefined;
  restored: boolean;
}

export interface PanelHost {
  readonly client: HeapClient;
  /** The webview asked for a new capture (its "re-capture" button). */
  recapture(panel: HeapPanel): void;
}

export function panelKeyFor(target: PanelTarget): string {
  switch (target.kind) {
    case 'session':
      return `session:${target.sessionId}`;
    case 'run':
      return `run:${target.file}`;
    case 'file':
      return `file:${target.path}`;
  }
}

export class HeapPanel implements vscode.Disposable {
  private view: HeapView | null = null;
  private title: string;
  /** The webview answered `ready`: it speaks protocol/messages.ts, updates go by postMessage. */
  private protocolReady = false;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  snapshotId: string | undefined;
  /** Previous snapshot of the same target, for the comparison after a re-capture. */
  previousSnapshotId: string | undefined;
  focusAddress: string | undefined;
  state: PanelState | undefined;
  restored = false;

  constructor(
    readonly key: string,
    public target: PanelTarget,
    readonly panel: vscode.WebviewPanel,
    private readonly manager: HeapPanels,
  ) {
    this.title = panel.title;
    panel.iconPath = {
      light: vscode.Uri.joinPath(manager.extensionUri, 'media', 'heap-light.svg'),
      dark: vscode.Uri.joinPath(manager.extensionUri, 'media', 'heap-dark.svg'),
    };
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [bundleRoot(manager.extensionUri)],
    };
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => this.manager.onViewStateChanged(this)),
    );
  }

  get info(): PanelInfo {
    const s = this.view?.summary;
    return {
      key: this.key,
      title: this.title,
      snapshotId: this.snapshotId,
      unreachable: s?.unreachable.count,
      cycles: s?.cycles.length,
      finalizers: s?.finalizers.del.count,
      visible: this.panel.visible,
      focusAddress: this.focusAddress,
      restored: this.restored,
    };
  }

  get currentView(): HeapView | null {
    return this.view;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  setTitle(title: string): void {
    this.title = title;
    this.panel.title = title;
  }

  /** Shows a view (a new capture); `focusAddress` selects one object in it. */
  show(view: HeapView, snapshotId: string, title: string, focusAddress?: string): void {
    if (this.snapshotId && this.snapshotId !== snapshotId) {
      if (this.previousSnapshotId && this.previousSnapshotId !== this.snapshotId) {
        this.manager.host.client.disposeSnapshot(this.previousSnapshotId);
      }
      this.previousSnapshotId = this.snapshotId;
    }
    this.view = view;
    this.snapshotId = snapshotId;
    this.focusAddress = focusAddress;
    this.setTitle(title);
    const sessionName = this.target.kind === 'session' ? this.target.sessionName : undefined;
    if (this.protocolReady) {
      this.post({ type: 'view', view, title, sessionName });
      if (focusAddress) this.post({ type: 'focus', address: focusAddress });
    } else {
      this.render();
    }
    this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
    this.manager.onViewStateChanged(this);
  }

  /** Shows "capturing…" or an error, keeping the last view when there is one. */
  showMessage(kind: 'capturing' | 'error', text: string): void {
    if (this.protocolReady && this.view) {
      this.post({ type: kind, message: text });
      return;
    }
    if (!this.view) this.render({ kind, text });
  }

  private render(message?: { kind: 'capturing' | 'error'; text: string }): void {
    this.protocolReady = false;
    this.panel.webview.html = renderPanelHtml(this.panel.webview, this.manager.extensionUri, {
      view: this.view,
      title: this.title,
      panelKey: this.key,
      focusAddress: this.focusAddress,
      state: this.state,
      message,
    });
  }

  post(message: ToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const where = `heap view ${this.key}`;
    try {
      await this.manager.dispatcher.dispatch(this, raw, where);
    } catch (error) {
      const type = (raw as { type: string }).type;
      log().error(`${where}: ${type} failed: ${(error as Error).message}`);
      if (
        type === 'requestPath' ||
        type === 'requestNeighbourhood' ||
        type === 'requestDominatorChildren' ||
        type === 'requestTypeTops'
      ) {
        this.post({ type: 'error', message: (error as Error).message });
      }
    }
  }

  /** The webview drew the page: updates go by postMessage from now on. */
  markReady(): void {
    this.protocolReady = true;
    // The page drew the embedded view; an object to focus goes as a message.
    if (this.focusAddress) this.post({ type: 'focus', address: this.focusAddress });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables) d.dispose();
    for (const id of [this.snapshotId, this.previousSnapshotId]) {
      if (id) this.manager.host.client.disposeSnapshot(id);
    }
    this.manager.forget(this);
    this.panel.dispose();
  }
}

async function openSource(file: unknown, line: unknown): Promise<void> {
  if (typeof file !== 'string' || !existsSync(file)) {
    void vscode.window.showWarningMessage(`Cannot open ${String(file)}: no such file here.`);
    return;
  }
  const l = typeof line === 'number' && line > 0 ? line - 1 : 0;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.One,
    selection: new vscode.Range(l, 0, l, 0),
  });
}

async function exportImage(format: unknown, fileName: unknown, data: unknown): Promise<void> {
  if ((format !== 'svg' && format !== 'png') || typeof data !== 'string') return;
  const name =
    typeof fileName === 'string' && /^[\w.-]+$/.test(fileName) ? fileName : `heap-graph.${format}`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    title: 'Save the heap graph',
  });
  if (!target) return;
  const bytes = format === 'svg' ? new TextEncoder().encode(data) : Buffer.from(data, 'base64');
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(target)}.`);
}

/** A page offset or size from the webview: a whole number of rows, else `fallback`. */
function pageNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

/** What the panel itself answers (the stepper's messages are handled by StepperController). */
function panelHandlers(host: PanelHost, panels: HeapPanels): FromWebviewHandlers<HeapPanel> {
  return {
    ready: (panel) => panel.markReady(),
    recapture: (panel) => host.recapture(panel),
    requestPath: async (panel, m) => {
      if (!panel.snapshotId || typeof m.node !== 'number') return;
      const path = await host.client.retentionPath(panel.snapshotId, m.node);
      panel.post({ type: 'path', requestId: m.requestId, path });
    },
    requestNeighbourhood: async (panel, m) => {
      if (!panel.snapshotId || typeof m.node !== 'number') return;
      if (m.direction !== 'referents' && m.direction !== 'referrers') return;
      const neighbourhood = await host.client.neighbourhood({
        snapshotId: panel.snapshotId,
        node: m.node,
        direction: m.direction,
      });
      panel.post({ type: 'neighbourhood', requestId: m.requestId, neighbourhood });
    },
    // The memory table and treemap page the dominator tree from the language server.
    requestDominatorChildren: async (panel, m) => {
      if (!panel.snapshotId || !Number.isInteger(m.node)) return;
      const page = await host.client.dominatorChildren({
        snapshotId: panel.snapshotId,
        node: m.node,
        offset: pageNumber(m.offset, 0),
        limit: pageNumber(m.limit, 200),
      });
      panel.post({ type: 'dominatorChildren', requestId: m.requestId, page });
    },
    requestTypeTops: async (panel, m) => {
      if (!panel.snapshotId || typeof m.typeName !== 'string') return;
      const page = await host.client.typeTops({
        snapshotId: panel.snapshotId,
        type: m.typeName,
        offset: pageNumber(m.offset, 0),
        limit: pageNumber(m.limit, 200),
      });
      panel.post({ type: 'typeTops', requestId: m.requestId, page });
    },
    openSource: (_panel, m) => openSource(m.file, m.line),
    stateChanged: (panel, m) => {
      panel.state = m.state;
      panels.persistSoon(panel);
    },
    export: (_panel, m) => exportImage(m.format, m.fileName, m.data),
  };
}

/** All heap view panels; their persistence restores them after a window reload. */
export class HeapPanels implements vscode.Disposable {
  private readonly panels = new Map<string, HeapPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly persistence: PanelPersistence;
  /** The editor group the last heap view was shown in: new heap views open there. */
  private lastColumn: vscode.ViewColumn | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** A panel was created, shown, hidden or closed. */
  readonly onDidChange = this.changed.event;
  /** Every panel's messages, to the one handler of their type. */
  readonly dispatcher = new WebviewDispatcher<HeapPanel>((message) => log().warn(message));

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly host: PanelHost,
  ) {
    this.persistence = new PanelPersistence(context, {
      client: host.client,
      has: (key) => this.panels.has(key),
      adopt: (panel, key, target) => {
        const heap = new HeapPanel(key, target, panel, this);
        this.panels.set(key, heap);
        this.changed.fire();
        return heap;
      },
    });
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, this.persistence),
      this.persistence,
      this.changed,
    );
    this.dispatcher.register(panelHandlers(host, this));
  }

  /** Handles these webview messages of every panel (the stepper's); disposing removes them. */
  handle(handlers: FromWebviewHandlers<HeapPanel>): vscode.Disposable {
    return new vscode.Disposable(this.dispatcher.register(handlers));
  }

  get extensionUri(): vscode.Uri {
    return this.context.extensionUri;
  }

  all(): HeapPanel[] {
    return [...this.panels.values()];
  }

  get(key: string): HeapPanel | undefined {
    return this.panels.get(key);
  }

  /** The panel for a target, created (beside the editor) when there is none. */
  open(target: PanelTarget, title: string): HeapPanel {
    const key = panelKeyFor(target);
    const existing = this.panels.get(key);
    if (existing && !existing.isDisposed) {
      existing.target = target;
      return existing;
    }
    // Heap views share one editor group: beside the code the first time, then that group.
    const group = this.lastColumn;
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      title,
      { viewColumn: group ?? vscode.ViewColumn.Beside, preserveFocus: false },
      {
        enableScripts: true,
        enableFindWidget: true,
        localResourceRoots: [bundleRoot(this.extensionUri)],
      },
    );
    const heap = new HeapPanel(key, target, panel, this);
    this.panels.set(key, heap);
    this.changed.fire();
    return heap;
  }

  onViewStateChanged(panel?: HeapPanel): void {
    if (panel?.panel.visible && panel.panel.viewColumn !== undefined) {
      this.lastColumn = panel.panel.viewColumn;
    }
    this.changed.fire();
  }

  forget(panel: HeapPanel): void {
    if (this.panels.get(panel.key) === panel) this.panels.delete(panel.key);
    if (this.panels.size === 0) this.lastColumn = undefined;
    void this.persistence.remove(panel.key);
    this.changed.fire();
  }

  /** The active (focused) heap panel, if any. */
  active(): HeapPanel | undefined {
    return this.all().find((p) => p.panel.active);
  }

  /** Keeps a copy of the panel's latest snapshot and its record, for the next window reload. */
  persist(panel: HeapPanel, snapshotPath: string | undefined): Promise<void> {
    return this.persistence.persist(panel, snapshotPath);
  }

  persistSoon(panel: HeapPanel): void {
    this.persistence.persistSoon(panel);
  }

  dispose(): void {
    // Panels are left to the workbench: on a window reload it serializes them, and the records
    // and snapshot copies are what restores them.
    for (const d of this.disposables) d.dispose();
  }
}
