/**
 * Clocks. Actor code never reads `Date.now()` or calls `setTimeout` directly: it asks its host's
 * clock, so that tests can swap in a `VirtualClock` and advance time in microseconds.
 */
import { TimerHeap } from './timer-heap';

/** A scheduled callback; `cancel` is idempotent (but see `Clock.setTargetTimer` for its handle's). */
export interface TimerHandle {
  cancel(): void;
}

/**
 * An object a clock fires by calling its `timerFired()`: a long-lived timer (an actor's, one per
 * agent and more) needs no closure beside it to be fired.
 */
export interface TimerTarget {
  timerFired(): void;
}

/**
 * A `TimerTarget` that says itself whether it was cancelled: a clock's `setTargetTimer` may keep
 * it as its own entry, with no timer object beside it, and skips it when it comes due cancelled.
 */
export interface CancellableTarget extends TimerTarget {
  readonly cancelled: boolean;
}

/** What a clock runs when a timer comes due: a function, or an object's `timerFired()`. */
export type TimerCallback = (() => void) | TimerTarget;

/** Runs a timer's callback (either kind). */
export function fireCallback(callback: TimerCallback): void {
  if (typeof callback === 'function') callback();
  else callback.timerFired();
}

/** What actors and hosts need of time. */
export interface Clock {
  /** Milliseconds since the Unix epoch (virtual or real). */
  now(): number;
  /** Runs `callback` once after `delayMs` of this clock's time. */
  setTimer(delayMs: number, callback: TimerCallback): TimerHandle;
  /**
   * `setTimer` for a target that keeps its own `cancelled` flag: a clock may hold the target itself
   * (`VirtualClock` does: no timer object per timer). To cancel, the target sets its flag (and
   * should then let go of what it holds: it may stay in the clock until it would have come due),
   * then calls the handle's `cancel` once, and never after the timer fired: a `VirtualClock`
   * counts those calls to know when to drop its cancelled entries (`ActorTimer.cancel` and the
   * host's `timerFired` keep to this). Optional.
   */
  setTargetTimer?(delayMs: number, target: CancellableTarget): TimerHandle;
  /** Registers something whose work `settle()` should wait for (virtual clocks only); returns its removal. */
  addSettleProbe(probe: SettleProbe): () => void;
}

/**
 * What an owner of work (an actor host) tells a virtual clock's `settle()`. Work that runs by
 * itself (queued mailbox events, timers) is waited for and counted; work outside the process
 * (a deferred promise, bytes on a socket) is waited for unless the clock simulates all I/O.
 */
export interface SettleProbe {
  /** Units of work done so far, one per mailbox event handled; only grows. `settle` bounds one settle's share of it. */
  workDone(): number;
  /** Work queued that runs by itself on the next event-loop turns (ready mailboxes, a scheduled drain). */
  hasQueuedWork(): boolean;
  /** Promises handed to `defer` that have not settled yet. */
  pendingDeferred(): number;
  /** Messages queued for a link that are not yet written to its socket (or the link is still being dialed). */
  linksBusy(): boolean;
  /** It has sockets (a listening host): bytes it wrote may sit in the kernel, out of sight. */
  usesNetwork(): boolean;
  /** Frames sent and received on each of its open sockets (a host without sockets has none). */
  socketTraffic(): readonly SocketTraffic[];
  /**
   * Work under way on another thread of the simulation that reports back by a message (a host
   * on a worker thread whose clock follows this one, bench/agents-thread.ts): a promise that
   * settles when it next reports, or undefined when it has nothing under way. `settle` waits on
   * it instead of spinning, under a simulated clock too (it is the simulation's own work, not
   * the world outside).
   */
  peerBusy?(): Promise<void> | undefined;
}

/**
 * Frames sent and received on one open socket. Two hosts on one clock that report the same
 * `connection` are the two ends of one TCP connection: a frame one sent that the other has not
 * received is still in flight (in the kernel, or half read), and `settle` waits for it.
 */
export interface SocketTraffic {
  /** Both ends' `ip:port`, sorted: the same text at either end. */
  readonly connection: string;
  readonly framesSent: number;
  readonly framesReceived: number;
}

/** Longest delay `setTimeout` honours (2^31-1 ms, about 24.8 days); longer timers are chained. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Largest early firing of a real timer (by `Date.now()`) that is corrected by waiting the rest.
 * Early firings come from libuv's cached loop time and last milliseconds; a larger gap means the
 * wall clock was set back, and the timer fires rather than wait for the wall clock to catch up.
 */
export const MAX_TIMER_EARLY_CORRECTION_MS = 1000;

/**
 * Notices a clock read earlier than it was before: a wall clock set back (a real clock's timers
 * wait on the monotonic clock, so a timer then fires early by it). Code that keeps absolute due
 * times moves them by what `read` returns, so that no wait grows by the step: each keeps what
 * was left of it, longer by at most the time since the reading before.
 *
 * @example
 *   const back = this.setBack.read(nowMs);
 *   if (back < 0) for (const entry of entries) entry.dueMs += back;
 */
export class ClockSetBack {
  private latestMs = Number.NEGATIVE_INFINITY;

  /** Takes a reading: how far it lies behind the latest before it (negative), or 0. */
  read(nowMs: number): number {
    const backMs = Math.min(0, nowMs - this.latestMs);
    this.latestMs = nowMs;
    return backMs;
  }

  /** `atMs` counts as reached (a timer due then fired, whatever the clock reads). */
  reached(atMs: number): void {
    this.latestMs = Math.max(this.latestMs, atMs);
  }
}

/** Wall-clock time. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: TimerCallback): TimerHandle {
    // Node fires any setTimeout delay above 2^31-1 ms at once, so long timers are chained.
    let timer: NodeJS.Timeout;
    const dueMs = Date.now() + Math.max(0, delayMs);
    const fire = (): void => {
      // libuv counts from the event loop's cached time, which can lag Date.now(): a timer may come
      // due a little early by this clock. It waits the rest, so `now()` in its callback is never
      // before the due time (a replay checks that); a bigger gap is the wall clock stepping back.
      const earlyMs = dueMs - Date.now();
      if (earlyMs > 0 && earlyMs <= MAX_TIMER_EARLY_CORRECTION_MS) timer = setTimeout(fire, earlyMs);
      else fireCallback(callback);
    };
    const arm = (): void => {
      const remainingMs = dueMs - Date.now();
      if (remainingMs > MAX_TIMEOUT_MS) timer = setTimeout(arm, MAX_TIMEOUT_MS);
      else timer = setTimeout(fire, Math.max(0, remainingMs));
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  }

  addSettleProbe(): () => void {
    return () => undefined;
  }
}

/**
 * Work (mailbox events handled plus timers fired) one `settle()` may see before it declares a
 * livelock: actors that keep messaging each other, or a timer that keeps re-arming at zero
 * delay, without virtual time passing. A chaos step does a few thousand.
 */
export const MAX_SETTLE_WORK = 5_000_000;
/**
 * Consecutive idle observations `settle()` needs when a host has sockets. Frames between two
 * hosts on this clock are counted at both ends, so those in the kernel are seen; but a link
 * that closes is noticed by its peer only when the close arrives, and a host on another clock
 * (another process) is not counted at all. Each observation is one event-loop turn, with its
 * poll phase.
 */
export const SETTLE_IDLE_TURNS_WITH_SOCKETS = 3;
/** Turns `settle()` spins (setImmediate) while waiting on real I/O, before it polls on a real timer instead. */
export const SETTLE_SPIN_TURNS = 64;
/** How often `settle()` looks again while it waits on real I/O, once it stops spinning (real ms). */
export const SETTLE_IO_POLL_MS = 1;

/** Where a virtual clock starts unless told otherwise: 2026-01-01T00:00:00Z. */
export const VIRTUAL_CLOCK_START_MS = Date.UTC(2026, 0, 1);

/** Options of a virtual clock. */
export interface VirtualClockOptions {
  /** The virtual time to start at (default `VIRTUAL_CLOCK_START_MS`). */
  readonly startMs?: number;
  /**
   * Everything under this clock is simulated (DESIGN §14: memory hosts, an in-memory disk): no
   * real I/O. `settle()` then never waits on anything real: a deferred promise still pending
   * after a turn can only be waiting for virtual time (a slow in-memory write), so it counts
   * as idle, and a host with sockets is refused.
   */
  readonly simulated?: boolean;
  /** Livelock bound of one `settle()` (default `MAX_SETTLE_WORK`). */
  readonly maxSettleWork?: number;
}

/** What `settle()` saw in one turn. */
type Observation = 'idle' | 'queued' | 'waiting' | Promise<void>;

/** A timer of a `VirtualClock` set with a callback (its due time and number are the heap's keys); it is its own handle. */
class VirtualTimer implements TimerHandle {
  cancelled = false;
  constructor(
    public callback: TimerCallback,
    private readonly clock: VirtualClock,
  ) {}
  /**
   * A cancelled timer lets go of its callback now (a ping timeout re-armed at every ping would
   * otherwise keep several callbacks, and all they hold, per agent), and leaves the heap when it
   * comes due or when the clock drops its cancelled entries (`CANCELLED_TIMERS_DROPPED_AT`).
   */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.callback = CANCELLED_CALLBACK;
    this.clock.entryCancelled();
  }
  /** It came due and ran: it is out of the heap, and a later `cancel` has nothing to do. */
  fired(): void {
    this.cancelled = true;
    this.callback = CANCELLED_CALLBACK;
  }
}

/** What a cancelled timer holds instead of its callback (it never runs: the clock skips cancelled timers). */
const CANCELLED_CALLBACK = (): void => {};

/**
 * Cancelled entries a virtual clock's heap may hold before it drops them, at the least; it drops
 * them once they are also a quarter of the heap or more (`CANCELLED_TIMERS_SHARE`), which costs
 * a pass over the heap every so many cancels: amortized, at most 4 entries looked at a cancel. A
 * cancelled timer used to stay until it would have come due: a short task's agent and executor
 * left three (the executor's registration timeout of a minute, two update retries of 10 s), kept
 * through a 100k-task burst that takes no virtual time at all, and promoted by every young
 * collection meanwhile.
 */
export const CANCELLED_TIMERS_DROPPED_AT = 1_024;
/** The heap's share (1 / this) cancelled entries may take before the clock drops them (see `CANCELLED_TIMERS_DROPPED_AT`). */
export const CANCELLED_TIMERS_SHARE = 4;

/** An entry of a virtual clock's heap: its own timer, or a target held as it is (`setTargetTimer`). */
type HeapEntry = VirtualTimer | CancellableTarget;

/**
 * A clock whose time moves only when told (libprocess' paused Clock). Timers fire in time order
 * (then creation order) during `advance`; `settle` runs until every registered host is idle and
 * no timer is due.
 *
 * `settle` is bounded by the work it sees, not by event-loop turns: it fails only when one
 * settle handles more than `maxSettleWork` mailbox events and timers (a livelock). Turns spent
 * waiting on real I/O (a registry file being fsynced, bytes on a socket) are not work and are
 * not bounded; under a `simulated` clock there is no real I/O to wait on, so every turn of a
 * settle does work, and the run is a pure function of its inputs.
 *
 * Why the old bound failed: `settle` gave up after 200,000 `setImmediate` turns. A turn with
 * nothing to run takes a few microseconds, so that bound was in effect a wall-clock timeout of
 * a fraction of a second. The simulation wrote the master's registry to a real file (write,
 * fsync, rename, fsync of the directory) and created sandbox directories, and `settle` spun
 * while those were in flight; on a loaded machine (npm test's other work, a slow disk) one
 * fsync outlasted 200,000 empty turns, and settle reported a "message loop" that was only a
 * slow disk. Replaying the seed on an idle machine passed. Now the simulation does no real I/O,
 * and no clock counts waiting turns against its bound.
 *
 * @example
 *   const clock = new VirtualClock();
 *   const host = new ActorHost({ clock });
 *   ...; await clock.advance(15_000); // fires the 15 s ping timeout, then settles
 */
export class VirtualClock implements Clock {
  private current: number;
  private sequence = 0;
  private readonly timers = new TimerHeap<HeapEntry>();
  /** Entries of `timers` cancelled since it last dropped them (counted as `setTargetTimer`'s contract says, and by `VirtualTimer.cancel`). */
  private cancelledEntries = 0;
  /**
   * What `setTargetTimer` returns: the target is cancelled by its own flag, and its `cancel`
   * calls this handle's once (`ActorTimer.cancel`), which counts it (an actor's host forgets the
   * handle when the timer fires, so a timer cancelled after it fired is not counted).
   */
  private readonly targetHandle: TimerHandle = Object.freeze({ cancel: (): void => this.entryCancelled() });
  private readonly probes = new Set<SettleProbe>();
  /** Timers fired so far (work, for the livelock bound). */
  private timersFired = 0;
  /** See `VirtualClockOptions.simulated`. */
  readonly simulated: boolean;
  private readonly maxSettleWork: number;
  // Real time flows while resumed (libprocess' Clock::resume); `resumedAt` is the wall time then.
  private resumedAt: number | undefined;
  private realTimer: NodeJS.Timeout | undefined;

  /** @param options the start time (ms), or options. */
  constructor(options: number | VirtualClockOptions = {}) {
    const resolved: VirtualClockOptions = typeof options === 'number' ? { startMs: options } : options;
    this.current = resolved.startMs ?? VIRTUAL_CLOCK_START_MS;
    this.simulated = resolved.simulated ?? false;
    this.maxSettleWork = resolved.maxSettleWork ?? MAX_SETTLE_WORK;
  }

  now(): number {
    if (this.resumedAt !== undefined) return this.current + (Date.now() - this.resumedAt);
    return this.current;
  }

  get paused(): boolean {
    return this.resumedAt === undefined;
  }

  setTimer(delayMs: number, callback: TimerCallback): TimerHandle {
    const timer = new VirtualTimer(callback, this);
    this.hold(delayMs, timer);
    return timer;
  }

  /** Holds `target` itself in the heap, numbered as `setTimer` numbers a timer (an actor's timer, each of a periodic one's periods included, needs no second object here). */
  setTargetTimer(delayMs: number, target: CancellableTarget): TimerHandle {
    this.hold(delayMs, target);
    return this.targetHandle;
  }

  /** @internal An entry of the heap was cancelled (`VirtualTimer.cancel`, a target's handle). */
  entryCancelled(): void {
    if (++this.cancelledEntries < CANCELLED_TIMERS_DROPPED_AT || this.cancelledEntries * CANCELLED_TIMERS_SHARE < this.timers.size) return;
    // Due times and numbers order the heap, so what fires when does not change. No caller holds a
    // place in the heap across a cancel (`fireDue` peeks again after each timer it runs).
    this.timers.removeWhere(isCancelled);
    this.cancelledEntries = 0;
  }

  /** Entries the heap holds, cancelled ones not yet dropped included (tests). */
  heldEntries(): number {
    return this.timers.size;
  }

  /** Puts `entry` in the heap, due `delayMs` from now, after every entry set before it for the same time. */
  private hold(delayMs: number, entry: HeapEntry): void {
    this.timers.push(this.now() + Math.max(0, delayMs), this.sequence++, entry);
    if (!this.paused) this.armRealTimer();
  }

  addSettleProbe(probe: SettleProbe): () => void {
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
    if (this.simulated) throw new Error('VirtualClock.resume: a simulated clock never follows the wall clock');
    this.resumedAt = Date.now();
    this.armRealTimer();
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own time and settling
   * after each one (so a handler that sets a shorter timer sees it fire within the same advance).
   */
  advance(ms: number): Promise<void> {
    if (!this.paused) return Promise.reject(new Error('VirtualClock.advance needs a paused clock'));
    if (!(ms >= 0)) return Promise.reject(new Error(`VirtualClock.advance: ms must be >= 0, got ${ms}`));
    const target = this.current + ms;
    // Callbacks, not an async loop: one step per timer due, and an async function's await per
    // step (plus settle's per turn) was a third of an idle simulation's garbage.
    return new Promise<void>((resolve, reject) => {
      const step = (): void => {
        try {
          const nextAt = this.nextTimerAt();
          if (nextAt === undefined || nextAt > target) {
            this.current = target;
            this.settleThen(resolve, reject);
            return;
          }
          this.current = Math.max(this.current, nextAt);
          this.fireDue();
        } catch (error) {
          reject(error);
          return;
        }
        this.settleThen(step, reject);
      };
      this.settleThen(step, reject);
    });
  }

  /**
   * Resolves once no host has queued work, no timer is due, and (unless `simulated`) nothing
   * real is in flight. Rejects when one settle sees more than `maxSettleWork` units of work.
   */
  settle(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.settleThen(resolve, reject));
  }

  /**
   * `settle` with callbacks: `done` once settled, `fail` with the error otherwise. Each turn is a
   * `setImmediate` (a real timer once waiting on real I/O has outlasted the spin), with no
   * promise per turn.
   */
  private settleThen(done: () => void, fail: (error: unknown) => void): void {
    let workAtStart: number;
    let idleNeeded: number;
    try {
      workAtStart = this.workDone();
      idleNeeded = this.usesNetwork() ? SETTLE_IDLE_TURNS_WITH_SOCKETS : 1;
    } catch (error) {
      fail(error);
      return;
    }
    let idleTurns = 0;
    let waitingTurns = 0;
    const turn = (): void => {
      try {
        const fired = this.fireDue();
        const work = this.workDone() - workAtStart;
        if (work > this.maxSettleWork) {
          throw new Error(`VirtualClock.settle: ${work} mailbox events and timers without time passing, more than ${this.maxSettleWork} (a livelock?)`);
        }
        const seen = fired ? 'queued' : this.observe();
        idleTurns = seen === 'idle' ? idleTurns + 1 : 0;
        waitingTurns = seen === 'waiting' ? waitingTurns + 1 : 0;
        if (typeof seen === 'object') {
          // Another thread is at work: look again when it reports (its failure too: the next look throws it).
          seen.then(turn, turn);
          return;
        }
      } catch (error) {
        fail(error);
        return;
      }
      if (idleTurns >= idleNeeded) done();
      else wait();
    };
    const wait = (): void => {
      if (waitingTurns < SETTLE_SPIN_TURNS) setImmediate(turn);
      else setTimeout(turn, SETTLE_IO_POLL_MS);
    };
    wait();
  }

  /**
   * When the earliest live timer is due (virtual ms), or undefined with none: what a clock on
   * another thread that follows this one must wake it for (bench/agents-thread.ts).
   */
  nextTimerAt(): number | undefined {
    return this.peek() === undefined ? undefined : this.timers.peekAt();
  }

  /** Number of live (uncancelled) timers; for tests. */
  pendingTimers(): number {
    return this.timers.toArray().filter((t) => !t.cancelled).length;
  }

  /** Mailbox events handled by every registered host, plus timers fired, so far. */
  workDone(): number {
    let work = this.timersFired;
    for (const probe of this.probes) work += probe.workDone();
    return work;
  }

  /** Queued work runs by itself; waiting is on the world outside (never under a simulated clock). */
  private observe(): Observation {
    let waiting = false;
    let peer: Promise<void> | undefined;
    for (const probe of this.probes) {
      if (probe.hasQueuedWork()) return 'queued';
      peer ??= probe.peerBusy?.();
      if (this.simulated) continue;
      waiting ||= probe.pendingDeferred() > 0 || probe.linksBusy();
    }
    if (peer !== undefined) return peer;
    if (!waiting && !this.simulated && this.framesInFlight()) waiting = true;
    return waiting ? 'waiting' : 'idle';
  }

  /** A frame one host on this clock sent has not yet been received by the other end, also on this clock. */
  private framesInFlight(): boolean {
    const ends = new Map<string, SocketTraffic>();
    for (const probe of this.probes) {
      for (const traffic of probe.socketTraffic()) {
        const other = ends.get(traffic.connection);
        if (other === undefined) ends.set(traffic.connection, traffic);
        else if (other.framesSent !== traffic.framesReceived || traffic.framesSent !== other.framesReceived) return true;
      }
    }
    return false;
  }

  private usesNetwork(): boolean {
    let sockets = false;
    for (const probe of this.probes) sockets ||= probe.usesNetwork();
    if (sockets && this.simulated) throw new Error('VirtualClock.settle: a simulated clock drives a host with sockets (real I/O)');
    return sockets;
  }

  private fireDue(): boolean {
    let fired = false;
    const now = this.now();
    // `peek` has dropped the cancelled entries before the one it returns.
    for (let next = this.peek(); next !== undefined && (this.timers.peekAt() as number) <= now; next = this.peek()) {
      this.timers.pop();
      fired = true;
      this.timersFired++;
      if (next instanceof VirtualTimer) {
        const callback = next.callback;
        next.fired();
        fireCallback(callback);
      } else next.timerFired();
    }
    return fired;
  }
  private armRealTimer(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    const nextAt = this.nextTimerAt();
    if (nextAt === undefined) return;
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.fireDue();
      if (!this.paused) this.armRealTimer();
    }, Math.max(0, nextAt - this.now()));
  }

  /** The earliest entry not cancelled (cancelled ones before it are dropped); its due time is `timers.peekAt()`. */
  private peek(): HeapEntry | undefined {
    let next = this.timers.peek();
    while (next !== undefined && next.cancelled) {
      this.timers.pop();
      if (this.cancelledEntries > 0) this.cancelledEntries--;
      next = this.timers.peek();
    }
    return next;
  }
}

/** A heap entry that was cancelled (what `VirtualClock.entryCancelled` drops). */
function isCancelled(entry: HeapEntry): boolean {
  return entry.cancelled;
}

