/**
 * The snapshots loaded in the server. Per session (a debug session id, or "cli"), the latest two
 * are kept — the previous one is what a re-capture is compared with (DiffRequest); older ones, and
 * any beyond a global cap, are released.
 */
import { LoadedSnapshot } from './loadedSnapshot';

/** Per session: the latest capture and the one before it. */
export const KEPT_PER_SESSION = 2;
/** Across sessions: snapshots kept in memory at most. */
export const MAX_LOADED = 8;

export class SnapshotStore {
  private readonly byId = new Map<string, LoadedSnapshot>();
  private counter = 0;

  load(path: string, session: string): LoadedSnapshot {
    const id = `${session}#${++this.counter}`;
    const loaded = LoadedSnapshot.fromFile(id, session, path);
    this.byId.set(id, loaded);
    const ofSession = [...this.byId.values()].filter((s) => s.owner === session);
    for (const old of ofSession.slice(0, Math.max(0, ofSession.length - KEPT_PER_SESSION))) {
      this.byId.delete(old.id);
    }
    while (this.byId.size > MAX_LOADED) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
    return loaded;
  }

  get(id: string): LoadedSnapshot | undefined {
    return this.byId.get(id);
  }

  dispose(id: string): boolean {
    return this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
