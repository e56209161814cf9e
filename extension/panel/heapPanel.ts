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
 *   panel), reloaded into the language server.
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HeapView } from '../../protocol/heapView';
import type { PanelState, ToWebview } from '../../protocol/messages';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import { bundleRoot, renderPanelHtml } from './html';
import { WebviewDispatcher, type FromWebviewHandlers } from './webviewDispatch';

export const VIEW_TYPE = 'heapInspector.heapView';
const RECORDS_KEY = 'heapInspector.panels';
/** Panels restored after a reload at most (older ones' snapshots are dropped). */
export const MAX_PERSISTED_PANELS = 10;

/** What a panel shows captures of. */
export type PanelTarget =
  | { kind: 'session'; sessionId: string; sessionName: string }
  | { kind: 'run'; file: string; line: number }
  | { kind: 'file'; path: string };

/** What is kept across a window reload. */
interface PanelRecord {
  key: string;
  title: string;
  target: PanelTarget;
  /** Copy of the latest snapshot, in the extension's storage. */
  snapshotFile?: string;
  focusAddress?: string;
  state?: PanelState;
  updated: number;
}

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
      if (type === 'requestPath' || type === 'requestNeighbourhood') {
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
    openSource: (_panel, m) => openSource(m.file, m.line),
    stateChanged: (panel, m) => {
      panel.state = m.state;
      panels.persistSoon(panel);
    },
    export: (_panel, m) => exportImage(m.format, m.fileName, m.data),
  };
}

/** All heap view panels, their persistence, and the serializer that restores them. */
export class HeapPanels implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private readonly panels = new Map<string, HeapPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
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
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, this),
      this.changed,
    );
    this.dispatcher.register(panelHandlers(host, this));
    void this.dropOrphanSnapshots();
  }

  /** Handles these webview messages of every panel (the stepper's); disposing removes them. */
  handle(handlers: FromWebviewHandlers<HeapPanel>): vscode.Disposable {
    return new vscode.Disposable(this.dispatcher.register(handlers));
  }

  get extensionUri(): vscode.Uri {
    return this.context.extensionUri;
  }

  private get storageDir(): string {
    return join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'snapshots');
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
    void this.removeRecord(panel.key);
    this.changed.fire();
  }

  /** The active (focused) heap panel, if any. */
  active(): HeapPanel | undefined {
    return this.all().find((p) => p.panel.active);
  }

  // ---- persistence ----------------------------------------------------------------------------

  private records(): PanelRecord[] {
    return this.context.workspaceState.get<PanelRecord[]>(RECORDS_KEY, []);
  }

  private async saveRecords(records: PanelRecord[]): Promise<void> {
    await this.context.workspaceState.update(RECORDS_KEY, records);
  }

  private snapshotFileFor(key: string): string {
    return join(
      this.storageDir,
      `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.heapsnap`,
    );
  }

  /** Keeps a copy of the panel's latest snapshot and its record, for the next window reload. */
  async persist(panel: HeapPanel, snapshotPath: string | undefined): Promise<void> {
    if (panel.isDisposed) return;
    try {
      let snapshotFile = this.records().find((r) => r.key === panel.key)?.snapshotFile;
      if (snapshotPath) {
        await mkdir(this.storageDir, { recursive: true });
        snapshotFile = this.snapshotFileFor(panel.key);
        await copyFile(snapshotPath, snapshotFile);
      }
      const record: PanelRecord = {
        key: panel.key,
        title: panel.info.title,
        target: panel.target,
        snapshotFile,
        focusAddress: panel.focusAddress,
        state: panel.state,
        updated: Date.now(),
      };
      const records = [record, ...this.records().filter((r) => r.key !== panel.key)];
      for (const old of records.splice(MAX_PERSISTED_PANELS)) {
        if (old.snapshotFile) await rm(old.snapshotFile, { force: true });
      }
      await this.saveRecords(records);
    } catch (error) {
      log().warn(`could not keep the heap view for a reload: ${(error as Error).message}`);
    }
  }

  persistSoon(panel: HeapPanel): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => void this.persist(panel, undefined), 500);
  }

  private async removeRecord(key: string): Promise<void> {
    const records = this.records();
    const gone = records.find((r) => r.key === key);
    if (!gone) return;
    await this.saveRecords(records.filter((r) => r.key !== key));
    if (gone.snapshotFile) await rm(gone.snapshotFile, { force: true }).catch(() => undefined);
  }

  /** Snapshot copies no record refers to (a crash, a closed window): removed at start-up. */
  private async dropOrphanSnapshots(): Promise<void> {
    try {
      const kept = new Set(this.records().map((r) => r.snapshotFile));
      for (const name of await readdir(this.storageDir).catch(() => [] as string[])) {
        const file = join(this.storageDir, name);
        if (!kept.has(file)) await rm(file, { force: true });
      }
    } catch {
      // nothing to clean
    }
  }

  /** WebviewPanelSerializer: a heap view left open before the window reloaded. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const records = this.records();
    const stateKey =
      typeof state === 'object' &&
      state !== null &&
      typeof (state as { panelKey?: unknown }).panelKey === 'string'
        ? (state as { panelKey: string }).panelKey
        : undefined;
    const record =
      records.find((r) => r.key === stateKey && !this.panels.has(r.key)) ??
      records.find((r) => r.title === panel.title && !this.panels.has(r.key));
    const key = record?.key ?? `restored:${Date.now()}`;
    const heap = new HeapPanel(key, record?.target ?? { kind: 'file', path: '' }, panel, this);
    heap.restored = true;
    heap.state = record?.state ?? (isPanelState(state) ? state : undefined);
    this.panels.set(key, heap);
    this.changed.fire();
    if (!record?.snapshotFile || !existsSync(record.snapshotFile)) {
      heap.showMessage('error', 'This heap view was not kept: run Inspect Heap Here again.');
      return;
    }
    try {
      const session = `restored:${key}`;
      const loaded = await this.host.client.loadSnapshot(record.snapshotFile, session);
      let view = loaded.view;
      if (record.focusAddress) {
        view = (await this.host.client.focusView(loaded.snapshotId, record.focusAddress)).view;
      }
      heap.show(view, loaded.snapshotId, record.title, record.focusAddress);
      log().info(`restored heap view "${record.title}"`);
    } catch (error) {
      heap.showMessage(
        'error',
        `This heap view could not be restored: ${(error as Error).message}`,
      );
    }
  }

  dispose(): void {
    // Panels are left to the workbench: on a window reload it serializes them, and the records
    // and snapshot copies are what restores them.
    clearTimeout(this.persistTimer);
    for (const d of this.disposables) d.dispose();
  }
}

function isPanelState(value: unknown): value is PanelState {
  return typeof value === 'object' && value !== null && 'filters' in value;
}
