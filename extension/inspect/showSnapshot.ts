/**
 * Showing a snapshot in its heap view: loaded into the language server (which analyses it),
 * shown in the panel of its target (a debug session, a file run to a line, a snapshot file) with
 * the object to focus, kept for a window reload, and summed up in the log. Captures, runs and
 * Open Heap Snapshot all end here.
 */
import * as vscode from 'vscode';
import type { HeapView } from '../../protocol/heapView';
import type { InspectOutcome } from '../commands';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import type { HeapPanels, PanelTarget } from '../panel/heapPanel';
import { abortable } from './captureGate';
import { fileName } from './target';

export interface ShowRequest {
  target: PanelTarget;
  /**
   * The panel's title for a debug session's capture; otherwise where the snapshot comes from
   * ("run", the file's name), which the frame captured is put before.
   */
  title: string;
  snapshotPath: string;
  /** The language server's session the snapshot belongs to (it keeps the latest two of each). */
  serverSession: string;
  via: InspectOutcome['via'];
  /** An object to select in the view (Inspect in Heap Graph). */
  focusAddress?: string;
  signal?: AbortSignal;
}

/** Loads the snapshot into the server, shows it in the target's panel, keeps it for a reload. */
export async function showSnapshot(
  client: HeapClient,
  panels: HeapPanels,
  request: ShowRequest,
): Promise<InspectOutcome> {
  const { target, snapshotPath, serverSession, via, focusAddress, signal } = request;
  let title = request.title;
  const load = client.loadSnapshot(snapshotPath, serverSession);
  const loaded = signal ? await abortable(load, signal) : await load;
  let view: HeapView = loaded.view;
  let found: boolean | undefined;
  if (focusAddress) {
    const focus = await client.focusView(loaded.snapshotId, focusAddress);
    view = focus.view;
    found = focus.node !== null;
    if (!found) {
      void vscode.window.showWarningMessage(
        `Heap Inspector: the object ${focusAddress} is not in the snapshot (the capture leaves out the debugger's and its own objects).`,
      );
    }
  }
  const c = loaded.summary.capture;
  if (target.kind !== 'session') {
    // "Heap: report() · app.py:51 (run)": the frame captured, then where it comes from.
    const fn = c.function === '<module>' ? 'module level' : `${c.function}()`;
    title = `Heap: ${fn} · ${fileName(c.file)}:${c.line} (${title})`;
  }
  const panel = panels.open(target, title);
  panel.show(view, loaded.snapshotId, title, found ? focusAddress : undefined);
  await panels.persist(panel, snapshotPath);
  void logMeta(client, loaded.snapshotId, title);
  const s = loaded.summary;
  const top = Object.entries(s.unreachable.byType)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  log().info(
    `${title}: ${s.unreachable.count} unreachable${top ? ` (${top})` : ''}, ${s.cycles.length} cycles, ${s.finalizers.del.count} finalizers pending`,
  );
  return {
    panelTitle: title,
    snapshotId: loaded.snapshotId,
    unreachable: s.unreachable.count,
    unreachableByType: s.unreachable.byType,
    cycles: s.cycles.length,
    finalizers: s.finalizers.del.count,
    via,
    sessionId: target.kind === 'session' ? target.sessionId : undefined,
    focus: focusAddress ? { address: focusAddress, found: !!found } : undefined,
  };
}

/** The snapshot's size and the capture's times, for the log. */
async function logMeta(client: HeapClient, snapshotId: string, title: string): Promise<void> {
  try {
    const meta = await client.meta(snapshotId);
    log().info(
      `${title}: ${meta.counts.nodes.toLocaleString('en-US')} objects (${meta.counts.tracked.toLocaleString('en-US')} tracked), ` +
        `agent ${meta.capture.seconds.toFixed(2)} s + write ${meta.capture.writeSeconds.toFixed(2)} s, CPython ${meta.python.versionString}`,
    );
    for (const w of meta.warnings) log().warn(`${title}: ${w}`);
  } catch (error) {
    log().debug(`no snapshot meta: ${(error as Error).message}`);
  }
}
