/**
 * Heap views across a window reload. Each panel's record (its key, title, target, focused object
 * and UI state) is kept in the workspace state, with a copy of its latest snapshot in the
 * extension's storage; closing the panel removes both. After a reload the workbench hands each
 * heap view it kept back to the WebviewPanelSerializer here, which finds its record, reloads the
 * snapshot into the language server and shows it again. At most MAX_PERSISTED_PANELS are kept;
 * snapshot copies no record refers to (a crash, a closed window) are removed at start-up.
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PanelState } from '../../protocol/messages';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import type { HeapPanel, PanelTarget } from './heapPanel';

const RECORDS_KEY = 'heapInspector.panels';
/** Panels restored after a reload at most (older ones' snapshots are dropped). */
export const MAX_PERSISTED_PANELS = 10;
/** State changes (filters, zoom…) come in bursts: one write after they settle. */
const PERSIST_SOON_MS = 500;

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

/** What the persistence needs of the panels. */
export interface PanelAdopter {
  readonly client: HeapClient;
  /** A panel with this key is open. */
  has(key: string): boolean;
  /** Makes a heap view of a webview panel the workbench restored. */
  adopt(panel: vscode.WebviewPanel, key: string, target: PanelTarget): HeapPanel;
}

export class PanelPersistence implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private persistTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly panels: PanelAdopter,
  ) {
    void this.dropOrphanSnapshots();
  }

  private get storageDir(): string {
    return join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'snapshots');
  }

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

  /** Keeps the panel's record once its state stops changing. */
  persistSoon(panel: HeapPanel): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => void this.persist(panel, undefined), PERSIST_SOON_MS);
  }

  /** The panel was closed: its record and snapshot copy go. */
  async remove(key: string): Promise<void> {
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
    const heap = this.panels.adopt(panel, key, record?.target ?? { kind: 'file', path: '' });
    heap.restored = true;
    heap.state = record?.state ?? (isPanelState(state) ? state : undefined);
    if (!record?.snapshotFile || !existsSync(record.snapshotFile)) {
      heap.showMessage('error', 'This heap view was not kept: run Inspect Heap Here again.');
      return;
    }
    try {
      const session = `restored:${key}`;
      const { client } = this.panels;
      const loaded = await client.loadSnapshot(record.snapshotFile, session);
      let view = loaded.view;
      if (record.focusAddress) {
        view = (await client.focusView(loaded.snapshotId, record.focusAddress)).view;
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
    clearTimeout(this.persistTimer);
  }
}

function isPanelState(value: unknown): value is PanelState {
  return typeof value === 'object' && value !== null && 'filters' in value;
}
