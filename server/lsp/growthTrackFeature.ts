/**
 * "Track Growth Here" in the language server: per tracking (a debug session and a line), a
 * GrowthChain holding the first stop's capture and the latest one, whatever the snapshot store
 * has released since. Bounded: a few trackings at once, the oldest dropped first.
 */
import {
  StopGrowthNotification,
  TrackGrowthRequest,
  type TrackGrowthResult,
} from '../../protocol/lsp';
import { IdentityError } from '../engine/captureIdentity';
import { GrowthChain } from '../engine/growthChain';
import type { HeapSnapshot } from '../engine/heapSnapshot';
import type { ServerContext, ServerFeature } from './feature';
import type { SnapshotStore } from './snapshotStore';
import { loadedSnapshot, stringParam } from './validate';

/** Trackings kept at once (each holds two captures). */
export const MAX_TRACKINGS = 3;

export class GrowthTrackFeature implements ServerFeature {
  readonly name = 'growth';
  private readonly chains = new Map<string, GrowthChain>();

  constructor(private readonly store: SnapshotStore) {}

  register({ connection }: ServerContext): void {
    connection.onRequest(TrackGrowthRequest, (params) => this.track(params));
    connection.onNotification(StopGrowthNotification, (params) => {
      this.chains.delete(stringParam(params, 'track'));
    });
  }

  track(params: unknown): TrackGrowthResult {
    const track = stringParam(params, 'track');
    const snapshot = loadedSnapshot(this.store, params).snapshot;
    const chain = this.chains.get(track);
    if (chain) {
      try {
        chain.add(snapshot);
        return chain.track();
      } catch (error) {
        if (!(error instanceof IdentityError)) throw error;
        return { ...this.start(track, snapshot), restartedBecause: error.message };
      }
    }
    return this.start(track, snapshot);
  }

  private start(track: string, snapshot: HeapSnapshot): TrackGrowthResult {
    this.chains.delete(track);
    const chain = new GrowthChain(snapshot);
    this.chains.set(track, chain);
    while (this.chains.size > MAX_TRACKINGS) {
      this.chains.delete(this.chains.keys().next().value as string);
    }
    return chain.track();
  }

  dispose(): void {
    this.chains.clear();
  }
}
