/**
 * Periodic timers that share one clock timer: each period's callback runs at the first tick at
 * or after the moment it is due, so that every callback due within one tick runs in one turn.
 *
 * Why: the master pings each agent every `agent_ping_timeout` (15 s), and agents register at
 * scattered moments, so a timer per agent put as many distinct instants on the clock as there
 * are agents per 15 s. A real clock does not mind; the virtual clock of a simulation takes a
 * step (an event-loop turn and a settle) per instant, and at 10,000 agents those steps were
 * most of an idle simulation's time. On ticks, any number of agents are at most 4 instants per second.
 *
 * The cost is bounded lateness: a callback runs up to one tick after it is due, never earlier,
 * and its schedule does not drift (period k of a timer started at `s` is due at `s + k·period`).
 */
import type { Timer } from '../../lib/actor';
import { ClockSetBack, fireCallback, type TimerCallback } from '../../lib/process/clock';
import type { Delay } from './keyed-timers';

/**
 * One periodic callback, and its own handle: one object. A record, a handle and the handle's
 * closure were ~190 bytes per agent's pings: the closure and its context 104, in a heap snapshot
 * of 5,000 idle simulated agents; the record and the handle by V8's object layout.
 */
class TickedTimer implements Timer {
  constructor(
    private readonly owner: TickedTimers,
    readonly periodMs: number,
    /** A function, or an object's `timerFired()` (no closure per timer: one per agent, at 100k agents). */
    readonly callback: TimerCallback,
    /** When its next period is due (exact: start + k·period). */
    public dueMs: number,
  ) {}
  /** The tick it waits for (a key of `slots`); undefined once cancelled. */
  slotMs: number | undefined = undefined;

  cancel(): void {
    this.owner.cancelTimer(this);
  }
}

/**
 * Periodic callbacks on ticks of `tickMs` (multiples of it on the owner's clock), sharing one
 * timer of the owner's (`delay`): armed for the earliest tick anything waits for, none when
 * nothing does. Callbacks due at one tick run in the order they were scheduled there.
 *
 * @example
 *   const ticked = new TickedTimers(250, () => this.clock.now(), (ms, callback) => this.delay(ms, callback));
 *   const pings = ticked.every(15_000, () => this.send(agent, Ping, {})); // within 250 ms after each 15 s
 *   pings.cancel();
 */
export class TickedTimers {
  /** The timers waiting for each tick, by the tick's time, in the order they were put there. */
  private readonly slots = new Map<number, Set<TickedTimer>>();
  /** The ticks of `slots`, earliest first. */
  private readonly slotTimes: number[] = [];
  /** The one timer of the owner's, for `slotTimes[0]`. */
  private armed: { readonly atMs: number; readonly timer: Timer } | undefined;
  /** Notices the clock set back (see `read`). */
  private readonly setBack = new ClockSetBack();

  /**
   * @param tickMs the tick (> 0); a timer's period must be at least this long
   * @param now the owner's clock
   * @param delay the owner's one-shot timer (an actor's `delay`: the callbacks run in its mailbox)
   */
  constructor(private readonly tickMs: number, private readonly now: () => number, private readonly delay: Delay) {
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) throw new Error(`TickedTimers: tickMs must be a positive number, got ${tickMs}`);
  }

  /**
   * Runs `callback` every `periodMs` from now, each time at the first tick at or after it is
   * due, until the returned timer is cancelled. A period shorter than the tick is refused.
   */
  every(periodMs: number, callback: TimerCallback): Timer {
    if (!(periodMs >= this.tickMs) || !Number.isFinite(periodMs)) {
      throw new Error(`TickedTimers.every: the period (${periodMs} ms) must be a finite number of ms no shorter than the tick (${this.tickMs} ms)`);
    }
    const nowMs = this.read();
    const timer = new TickedTimer(this, periodMs, callback, nowMs + periodMs);
    this.place(timer);
    this.arm();
    return timer;
  }

  /** Timers scheduled and not cancelled (a walk over the ticks: for tests). */
  get size(): number {
    let size = 0;
    for (const slot of this.slots.values()) size += slot.size;
    return size;
  }

  /** @internal `TickedTimer.cancel`: the timer leaves its tick (at once, or skipped there if its tick is running). */
  cancelTimer(timer: TickedTimer): void {
    const slotMs = timer.slotMs;
    if (slotMs === undefined) return;
    timer.slotMs = undefined;
    const slot = this.slots.get(slotMs);
    if (slot === undefined) return; // its tick is running now: it is skipped there
    slot.delete(timer);
    if (slot.size > 0) return;
    this.slots.delete(slotMs);
    this.slotTimes.splice(this.slotTimes.indexOf(slotMs), 1);
    this.arm();
  }

  /** The first tick at or after `ms`. */
  private tickAtOrAfter(ms: number): number {
    return Math.ceil(ms / this.tickMs) * this.tickMs;
  }

  /** Puts `timer` in the tick of its due time. */
  private place(timer: TickedTimer): void {
    const slotMs = this.tickAtOrAfter(timer.dueMs);
    timer.slotMs = slotMs;
    let slot = this.slots.get(slotMs);
    if (slot === undefined) {
      slot = new Set();
      this.slots.set(slotMs, slot);
      this.insertSlotTime(slotMs);
    }
    slot.add(timer);
  }

  private insertSlotTime(slotMs: number): void {
    const times = this.slotTimes;
    // New ticks are nearly always the latest (due times only move forward): look from the end.
    let index = times.length;
    while (index > 0 && (times[index - 1] as number) > slotMs) index--;
    times.splice(index, 0, slotMs);
  }

  /** Keeps the one timer on the earliest tick anything waits for. */
  private arm(): void {
    const first = this.slotTimes[0];
    if (this.armed !== undefined && this.armed.atMs === first) return;
    this.armed?.timer.cancel();
    this.armed = undefined;
    if (first === undefined) return;
    const atMs = first;
    this.armed = { atMs, timer: this.delay(Math.max(0, atMs - this.now()), () => this.fire(atMs)) };
  }

  /** The tick at `slotMs` came: each of its timers is moved to its next period's tick, then called. */
  private fire(slotMs: number): void {
    this.armed = undefined;
    // Fired before its tick by the clock: the clock was set back (a real clock fires a timer
    // early only then), and the tick counts as reached. Every due time then moves into the
    // clock's new frame, keeping its distance (`read`); else the next tick would wait out the
    // step as well (an hour back: no pings for an hour). The moved timers get their tick anew.
    const nowMs = this.now();
    if (nowMs < slotMs) this.setBack.reached(slotMs);
    const backMs = this.setBack.read(nowMs);
    if (backMs < 0) {
      this.rebase(backMs);
      this.arm();
      return;
    }
    const slot = this.slots.get(slotMs);
    this.slots.delete(slotMs);
    if (this.slotTimes[0] === slotMs) this.slotTimes.shift();
    if (slot !== undefined) {
      for (const timer of slot) {
        if (timer.slotMs !== slotMs) continue; // cancelled while this tick ran
        // Periods a late tick (a busy owner on a real clock) skipped are not made up for.
        do timer.dueMs += timer.periodMs;
        while (this.tickAtOrAfter(timer.dueMs) <= nowMs);
        this.place(timer);
        fireCallback(timer.callback);
      }
    }
    this.arm();
  }

  /**
   * The clock's reading. One earlier than the last says the clock was set back since: every due
   * time moves back as far, so that a timer started now (an agent registering) is not placed
   * ahead of the others, which would then wait out the step (they are late by the time since the
   * last reading at most).
   */
  private read(): number {
    const nowMs = this.now();
    const backMs = this.setBack.read(nowMs);
    if (backMs < 0) this.rebase(backMs);
    return nowMs;
  }

  /** Moves every timer's due time by `deltaMs` and puts each in the tick of its new time. */
  private rebase(deltaMs: number): void {
    const timers: TickedTimer[] = [];
    for (const slotMs of this.slotTimes) for (const timer of this.slots.get(slotMs) ?? []) timers.push(timer);
    this.slots.clear();
    this.slotTimes.length = 0;
    for (const timer of timers) {
      timer.dueMs += deltaMs;
      this.place(timer);
    }
  }
}
