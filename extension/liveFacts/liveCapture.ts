/**
 * Which capture feeds the live facts. The latest capture shown in a heap view, while it still
 * describes the program: a debug session's capture until that session resumes or ends (a new
 * stop makes it stale: capture again), a capture of the agent's runner until another capture
 * replaces it. A saved snapshot (Open Heap Snapshot) never does. Closing the heap view releases
 * its capture in the language server, and its facts with it.
 *
 * The choice is sent to the language server (`SetLiveCaptureNotification`), which answers hovers
 * and CodeLens (standard LSP) and the allocation sites from it, and adds its facts to the lint
 * diagnostics.
 */
import * as vscode from 'vscode';
import {
  AllocationSitesRequest,
  SetLiveCaptureNotification,
  type AllocationSitesResult,
} from '../../protocol/lsp';
import type { HeapClient } from '../heapClient';
import type { DebugSessionTracker } from '../debug/sessionTracker';
import { log } from '../log';
import type { HeapPanels } from '../panel/heapPanel';

export interface LiveCaptureDeps {
  client: HeapClient;
  panels: HeapPanels;
  tracker: DebugSessionTracker;
}

interface Known {
  snapshotId: string;
  /** Order of arrival: the highest current one wins. */
  seq: number;
  /** Debug session id, for captures of a debug session. */
  sessionId?: string;
  stale: boolean;
}

export interface LiveCaptureInfo {
  snapshotId: string;
  panelKey: string;
  sessionId?: string;
}

export class LiveCapture implements vscode.Disposable {
  private readonly known = new Map<string, Known>();
  private seq = 0;
  private currentKey: string | null = null;
  private sent: string | null = null;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The current capture changed (or went away): refresh what shows it. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: LiveCaptureDeps) {
    this.disposables.push(
      this.changed,
      deps.panels.onDidChange(() => this.scan()),
      deps.tracker.onDidResume(({ session }) => this.invalidate(session.id)),
      deps.tracker.onDidEnd((session) => this.invalidate(session.id)),
    );
  }

  get current(): LiveCaptureInfo | null {
    const k = this.currentKey;
    const known = k === null ? undefined : this.known.get(k);
    return k !== null && known
      ? { snapshotId: known.snapshotId, panelKey: k, sessionId: known.sessionId }
      : null;
  }

  /** Looks for captures that are new to the panels. */
  private scan(): void {
    const keys = new Set<string>();
    for (const panel of this.deps.panels.all()) {
      const id = panel.snapshotId;
      if (!id) continue;
      keys.add(panel.key);
      if (this.known.get(panel.key)?.snapshotId === id) continue;
      const target = panel.target;
      let stale = true;
      let sessionId: string | undefined;
      if (target.kind === 'session') {
        sessionId = target.sessionId;
        const state = this.deps.tracker.state(sessionId);
        stale = !state || state.ended || state.stopped.size === 0;
      } else if (target.kind === 'run') {
        stale = false;
      }
      this.known.set(panel.key, { snapshotId: id, seq: ++this.seq, sessionId, stale });
    }
    for (const key of [...this.known.keys()]) if (!keys.has(key)) this.known.delete(key);
    this.pick();
  }

  private invalidate(sessionId: string): void {
    let any = false;
    for (const k of this.known.values()) {
      if (k.sessionId === sessionId && !k.stale) {
        k.stale = true;
        any = true;
      }
    }
    if (any) this.pick();
  }

  private pick(): void {
    let best: [string, Known] | null = null;
    for (const entry of this.known) {
      if (!entry[1].stale && (!best || entry[1].seq > best[1].seq)) best = entry;
    }
    this.currentKey = best ? best[0] : null;
    const id = best ? best[1].snapshotId : null;
    if (id === this.sent) return;
    this.sent = id;
    log().info(id ? `live facts: from capture ${id}` : 'live facts: none (no current capture)');
    void this.notify(id).finally(() => this.changed.fire());
  }

  private async notify(snapshotId: string | null): Promise<void> {
    try {
      const client = await this.deps.client.start();
      await client.sendNotification(SetLiveCaptureNotification, { snapshotId });
    } catch (error) {
      log().warn(`live facts: could not tell the language server: ${(error as Error).message}`);
    }
  }

  /** The allocation sites of a document in the current capture, for its decorations. */
  async allocationSites(document: vscode.TextDocument): Promise<AllocationSitesResult | null> {
    if (!this.current) return null;
    const client = await this.deps.client.start();
    return client.sendRequest(AllocationSitesRequest, {
      uri: client.code2ProtocolConverter.asUri(document.uri),
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
