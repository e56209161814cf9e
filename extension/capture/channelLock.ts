/**
 * One capture (or agent call) at a time per debug session. The debuggee runs evaluations one
 * after another on the paused thread, so a second capture would only queue behind the first and
 * see a heap the first one is busy walking: it is rejected instead.
 *
 * The lock outlives a cancelled or timed-out capture: an `evaluate` already sent cannot be
 * called back, and the debuggee is busy until it answers. It is released when every evaluation
 * the operation sent has been answered, or at once when the session ends (nothing will answer).
 */

export class ChannelLock {
  private static readonly held = new WeakMap<object, ChannelLock>();

  private readonly pending = new Set<Promise<unknown>>();
  private readonly waiters: (() => void)[] = [];
  private finished = false;

  private constructor(private readonly channel: object) {}

  /** The lock for `channel`, or null when an operation on it is still running. */
  static tryAcquire(channel: object): ChannelLock | null {
    if (ChannelLock.held.has(channel)) return null;
    const lock = new ChannelLock(channel);
    ChannelLock.held.set(channel, lock);
    return lock;
  }

  static isHeld(channel: object): boolean {
    return ChannelLock.held.has(channel);
  }

  /** Keep the lock until `request` settles, whatever the operation does meanwhile. */
  track<T>(request: Promise<T>): Promise<T> {
    this.pending.add(request);
    const settle = (): void => {
      this.pending.delete(request);
      this.releaseIfIdle();
    };
    request.then(settle, settle);
    return request;
  }

  /** The operation is over (successfully or not); the lock goes when its requests are answered. */
  finish(): void {
    this.finished = true;
    this.releaseIfIdle();
  }

  /** The session is gone: nothing pending will ever be answered. */
  forceRelease(): void {
    this.finished = true;
    this.pending.clear();
    this.releaseIfIdle();
  }

  /** Resolves when the lock is released (tests and the log use it). */
  whenReleased(): Promise<void> {
    if (ChannelLock.held.get(this.channel) !== this) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private releaseIfIdle(): void {
    if (this.finished && this.pending.size === 0 && ChannelLock.held.get(this.channel) === this) {
      ChannelLock.held.delete(this.channel);
      for (const wake of this.waiters.splice(0)) wake();
    }
  }
}
