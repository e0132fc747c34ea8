/**
 * Clocks. Actor code never reads `Date.now()` or calls `setTimeout` directly: it asks its host's
 * clock, so that tests can swap in a `VirtualClock` and advance time in microseconds.
 */

/** A scheduled callback; `cancel` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/** What actors and hosts need of time. */
export interface Clock {
  /** Milliseconds since the Unix epoch (virtual or real). */
  now(): number;
  /** Runs `callback` once after `delayMs` of this clock's time. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /** Registers something whose idleness `settle()` should wait for (virtual clocks only). */
  addIdleProbe(probe: IdleProbe): () => void;
}

/** Returns true when its owner has no queued work (no queued messages, no pending async work). */
export type IdleProbe = () => boolean;

/** Longest delay `setTimeout` honours (2^31-1 ms, about 24.8 days); longer timers are chained. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Largest early firing of a real timer (by `Date.now()`) that is corrected by waiting the rest.
 * Early firings come from libuv's cached loop time and last milliseconds; a larger gap means the
 * wall clock was set back, and the timer fires rather than wait for the wall clock to catch up.
 */
export const MAX_TIMER_EARLY_CORRECTION_MS = 1000;

/** Wall-clock time. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    // Node fires any setTimeout delay above 2^31-1 ms at once, so long timers are chained.
    let timer: NodeJS.Timeout;
    const dueMs = Date.now() + Math.max(0, delayMs);
    const fire = (): void => {
      // libuv counts from the event loop's cached time, which can lag Date.now(): a timer may come
      // due a little early by this clock. It waits the rest, so `now()` in its callback is never
      // before the due time (a replay checks that); a bigger gap is the wall clock stepping back.
      const earlyMs = dueMs - Date.now();
      if (earlyMs > 0 && earlyMs <= MAX_TIMER_EARLY_CORRECTION_MS) timer = setTimeout(fire, earlyMs);
      else callback();
    };
    const arm = (): void => {
      const remainingMs = dueMs - Date.now();
      if (remainingMs > MAX_TIMEOUT_MS) timer = setTimeout(arm, MAX_TIMEOUT_MS);
      else timer = setTimeout(fire, Math.max(0, remainingMs));
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  }

  addIdleProbe(): () => void {
    return () => undefined;
  }
}

/** How many event-loop turns `settle()` waits for quiescence before it gives up (a livelock). */
export const MAX_SETTLE_TURNS = 200_000;
/** Consecutive idle observations `settle()` needs, so a message in flight between turns is seen. */
export const SETTLE_IDLE_TURNS = 3;

interface VirtualTimer {
  at: number;
  sequence: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock whose time moves only when told (libprocess' paused Clock). Timers fire in time order
 * (then creation order) during `advance`; `settle` waits until every registered host is idle and
 * no timer is due.
 *
 * @example
 *   const clock = new VirtualClock();
 *   const host = new ActorHost({ clock });
 *   ...; await clock.advance(15_000); // fires the 15 s ping timeout, then settles
 */
export class VirtualClock implements Clock {
  private current: number;
  private sequence = 0;
  private readonly timers: VirtualTimer[] = []; // binary min-heap by (at, sequence)
  private readonly probes = new Set<IdleProbe>();
  // Real time flows while resumed (libprocess' Clock::resume); `resumedAt` is the wall time then.
  private resumedAt: number | undefined;
  private realTimer: NodeJS.Timeout | undefined;

  /** @param startMs the virtual time to start at (default 2026-01-01T00:00:00Z). */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    if (this.resumedAt !== undefined) return this.current + (Date.now() - this.resumedAt);
    return this.current;
  }

  get paused(): boolean {
    return this.resumedAt === undefined;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: VirtualTimer = { at: this.now() + Math.max(0, delayMs), sequence: this.sequence++, callback, cancelled: false };
    this.push(timer);
    if (!this.paused) this.armRealTimer();
    return { cancel: () => { timer.cancelled = true; } };
  }

  addIdleProbe(probe: IdleProbe): () => void {
    this.probes.add(probe);
    return () => this.probes.delete(probe);
  }

  /** Stops time (the default state). */
  pause(): void {
    if (this.paused) return;
    this.current = this.now();
    this.resumedAt = undefined;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  /** Lets time flow with the wall clock again; due timers fire on real timers. */
  resume(): void {
    if (!this.paused) return;
    this.resumedAt = Date.now();
    this.armRealTimer();
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own time and settling
   * after each one (so a handler that sets a shorter timer sees it fire within the same advance).
   */
  async advance(ms: number): Promise<void> {
    if (!this.paused) throw new Error('VirtualClock.advance needs a paused clock');
    if (!(ms >= 0)) throw new Error(`VirtualClock.advance: ms must be >= 0, got ${ms}`);
    const target = this.current + ms;
    await this.settle();
    for (;;) {
      const next = this.peek();
      if (next === undefined || next.at > target) break;
      this.current = Math.max(this.current, next.at);
      this.fireDue();
      await this.settle();
    }
    this.current = target;
    await this.settle();
  }

  /** Resolves once no host has queued work and no timer is due, over several event-loop turns. */
  async settle(): Promise<void> {
    let idleTurns = 0;
    for (let turn = 0; turn < MAX_SETTLE_TURNS; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const fired = this.fireDue();
      const idle = !fired && this.allIdle();
      idleTurns = idle ? idleTurns + 1 : 0;
      if (idleTurns >= SETTLE_IDLE_TURNS) return;
    }
    throw new Error(`VirtualClock.settle: still busy after ${MAX_SETTLE_TURNS} turns (a message loop?)`);
  }

  /** Number of live (uncancelled) timers; for tests. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  private allIdle(): boolean {
    for (const probe of this.probes) if (!probe()) return false;
    return true;
  }

  private fireDue(): boolean {
    let fired = false;
    const now = this.now();
    for (let next = this.peek(); next !== undefined && next.at <= now; next = this.peek()) {
      this.pop();
      if (next.cancelled) continue;
      fired = true;
      next.callback();
    }
    return fired;
  }

  private armRealTimer(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    const next = this.peek();
    if (next === undefined) return;
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.fireDue();
      if (!this.paused) this.armRealTimer();
    }, Math.max(0, next.at - this.now()));
  }

  private peek(): VirtualTimer | undefined {
    while (this.timers.length > 0 && (this.timers[0] as VirtualTimer).cancelled) this.pop();
    return this.timers[0];
  }

  private push(timer: VirtualTimer): void {
    const heap = this.timers;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i] as VirtualTimer, heap[parent] as VirtualTimer)) break;
      [heap[i], heap[parent]] = [heap[parent] as VirtualTimer, heap[i] as VirtualTimer];
      i = parent;
    }
  }

  private pop(): VirtualTimer | undefined {
    const heap = this.timers;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && earlier(heap[left] as VirtualTimer, heap[smallest] as VirtualTimer)) smallest = left;
        if (right < heap.length && earlier(heap[right] as VirtualTimer, heap[smallest] as VirtualTimer)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as VirtualTimer, heap[i] as VirtualTimer];
        i = smallest;
      }
    }
    return top;
  }
}

function earlier(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.sequence < b.sequence);
}
