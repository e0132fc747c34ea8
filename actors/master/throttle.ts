/**
 * The master's framework-message throttle: the limiters of its `--rate_limits` (rate-limits.ts)
 * and the timers that let waiting messages through, one per permit. The master's handler
 * helper puts each framework call through `submit`; without `--rate_limits` everything runs at
 * once. Like KeyedTimers it owns timers for its actor but decides nothing itself: the policy is
 * the pure `RateLimiter`.
 */
import type { Delay } from './keyed-timers';
import { RateLimiterSet, type RateLimiter, type RateLimits } from './rate-limits';

/** What became of a submitted message. */
export type ThrottleOutcome =
  /** It ran (no limit applies, or its permit was free). */
  | { readonly kind: 'ran' }
  /** It waits for its permit, behind the principal's other waiting messages. */
  | { readonly kind: 'queued' }
  /** Its limiter's queue was full: it was dropped (Mesos: "capacity(N) exceeded"). */
  | { readonly kind: 'dropped'; readonly capacity: number };

/** The outcome of every message that ran at once: one object, not one per framework call. */
const RAN: ThrottleOutcome = Object.freeze({ kind: 'ran' });

/**
 * @example
 *   const throttle = new MessageThrottle(flags.rateLimits, () => this.clock.now(), (ms, callback) => this.delay(ms, callback));
 *   const outcome = throttle.submit(principal, () => handler(from, body));
 *   if (outcome.kind === 'dropped') this.send(from, FrameworkError, { message: `... capacity(${outcome.capacity}) exceeded` });
 */
export class MessageThrottle {
  /** The limiters, or undefined without `--rate_limits`. */
  private readonly limiters: RateLimiterSet<() => void> | undefined;
  /** Limiters whose release timer is pending (one timer per limiter at a time). */
  private readonly armed = new Set<RateLimiter<() => void>>();

  constructor(rateLimits: RateLimits | undefined, private readonly now: () => number, private readonly delay: Delay) {
    this.limiters = rateLimits === undefined ? undefined : new RateLimiterSet(rateLimits);
  }

  /** Whether any limit applies (`--rate_limits` was given): without, `submit` runs everything at once. */
  get limiting(): boolean {
    return this.limiters !== undefined;
  }

  /**
   * Runs `run` now, or once the limiter of `principal` (undefined: a framework without one)
   * lets it, after whatever of that limiter waits already. An uncounted item (a framework's
   * link breaking) is never dropped: it only keeps its place in line.
   */
  submit(principal: string | undefined, run: () => void, counted = true): ThrottleOutcome {
    const limiter = this.limiters?.limiterFor(principal);
    if (limiter === undefined) {
      run();
      return RAN;
    }
    const admission = limiter.submit(run, this.now(), counted);
    if (admission === 'now') {
      run();
      return RAN;
    }
    if (admission === 'dropped') {
      if (limiter.capacity === undefined) throw new Error('rate limiter: dropped a message without a capacity');
      return { kind: 'dropped', capacity: limiter.capacity };
    }
    this.arm(limiter);
    return { kind: 'queued' };
  }

  /** Sets the limiter's timer for its next permit, unless one is pending or nothing waits. */
  private arm(limiter: RateLimiter<() => void>): void {
    const dueMs = limiter.nextReleaseMs();
    if (dueMs === undefined || this.armed.has(limiter)) return;
    this.armed.add(limiter);
    this.delay(Math.max(0, dueMs - this.now()), () => {
      this.armed.delete(limiter);
      const run = limiter.release(this.now());
      // Re-armed before it runs, so that a handler that throws (a bug) does not stall the line.
      this.arm(limiter);
      run?.();
    });
  }
}
