/**
 * Timers kept by the id of what they are about (an offer's timeout, a framework's failover), so
 * that the books in state.ts stay plain data and whoever owns the timers can cancel one by id.
 */
import type { Timer } from '../../lib/actor';

/** Schedules `callback` after `ms` of the owner's clock (an actor's `delay`). */
export type Delay = (ms: number, callback: () => void) => Timer;

/**
 * At most one pending timer per key. Starting a key's timer cancels the one it had; a timer that
 * fires leaves the table before its callback runs.
 *
 * @example
 *   const failovers = new KeyedTimers((ms, callback) => this.delay(ms, callback));
 *   failovers.start(frameworkId, failoverTimeoutMs, () => this.removeFramework(...));
 *   failovers.cancel(frameworkId); // the scheduler came back
 */
export class KeyedTimers {
  /** The pending timer of each key. */
  private readonly timers = new Map<string, Timer>();

  constructor(private readonly delay: Delay) {}

  /** Runs `callback` after `ms`, instead of whatever `key` had pending. */
  start(key: string, ms: number, callback: () => void): void {
    this.cancel(key);
    const timer = this.delay(ms, () => {
      if (this.timers.get(key) === timer) this.timers.delete(key);
      callback();
    });
    this.timers.set(key, timer);
  }

  /** Cancels `key`'s pending timer, if any. */
  cancel(key: string): void {
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
  }

  /** Whether `key` has a timer pending. */
  has(key: string): boolean {
    return this.timers.has(key);
  }

  /** How many timers are pending. */
  get size(): number {
    return this.timers.size;
  }
}
