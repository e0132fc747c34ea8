import { expect } from 'chai';
import type { Timer } from '../../../lib/actor';
import { VirtualClock } from '../../../lib/process';
import { TickedTimers } from '../../../actors/master/ticked-timers';

const TICK_MS = 250;

/** Ticked timers on a bare virtual clock, counting the owner's timers that fire. */
class Rig {
  readonly clock = new VirtualClock();
  /** The owner's one-shot timers that fired (each is a turn of the owner, a step of the clock). */
  ownerFires = 0;
  /** How far the owner's clock reads behind the virtual clock's (set back); its timers still fire on the virtual clock. */
  setBackMs = 0;
  readonly timers = new TickedTimers(TICK_MS, () => this.clock.now() - this.setBackMs, (ms, callback): Timer => {
    const handle = this.clock.setTimer(ms, () => {
      this.ownerFires++;
      callback();
    });
    return { cancel: () => handle.cancel() };
  });

  /** Advances the clock to `atMs` (absolute) first, so that a test starts off a tick or on one as it means to. */
  async advanceTo(atMs: number): Promise<void> {
    await this.clock.advance(atMs - this.clock.now());
  }
}

function ceilToTick(ms: number): number {
  return Math.ceil(ms / TICK_MS) * TICK_MS;
}

/** A rig on a tick with a 15 s timer (its runs in `runs`) that has run once, 20 s in; then its owner's clock is set back an hour. */
async function setBackAfterOneRun(): Promise<{ rig: Rig; runs: number[] }> {
  const rig = new Rig();
  await rig.advanceTo(ceilToTick(rig.clock.now()));
  const runs: number[] = [];
  rig.timers.every(15_000, () => runs.push(rig.clock.now()));
  await rig.clock.advance(20_000);
  expect(runs).to.have.length(1);
  rig.setBackMs = 3_600_000;
  return { rig, runs };
}

describe('actors/master: TickedTimers (virtual clock)', () => {
  it("runs an object's timerFired each period as it runs a function, and stops it when cancelled (twice is once)", async () => {
    const rig = new Rig();
    await rig.advanceTo(ceilToTick(rig.clock.now()));
    const fired: string[] = [];
    const target = { timerFired: (): void => { fired.push('target'); } };
    const timer = rig.timers.every(1_000, target);
    rig.timers.every(1_000, () => fired.push('function'));
    await rig.clock.advance(2_000);
    expect(fired).to.deep.equal(['target', 'function', 'target', 'function']);
    timer.cancel();
    timer.cancel();
    expect(rig.timers.size).to.equal(1);
    await rig.clock.advance(1_000);
    expect(fired.slice(4)).to.deep.equal(['function']);
  });

  it('runs period k of a timer started at s at the first tick at or after s + k·period: never early, less than a tick late, no drift', async () => {
    const rig = new Rig();
    await rig.advanceTo(ceilToTick(rig.clock.now()) + 37); // off a tick
    const startMs = rig.clock.now();
    const periodMs = 1_010; // not a multiple of the tick: lateness varies from period to period
    const runs: number[] = [];
    rig.timers.every(periodMs, () => runs.push(rig.clock.now()));
    await rig.clock.advance(periodMs * 40 + TICK_MS);
    expect(runs).to.have.length(40);
    runs.forEach((atMs, index) => {
      const dueMs = startMs + (index + 1) * periodMs;
      expect(atMs, `period ${index + 1}`).to.equal(ceilToTick(dueMs));
      expect(atMs - dueMs).to.be.within(0, TICK_MS - 1);
    });
  });

  it('a clock set back an hour does not stop the timers for an hour: each runs a period after its last run, at most a tick late', async () => {
    const { rig, runs } = await setBackAfterOneRun();
    await rig.clock.advance(10_000 + TICK_MS);
    expect(runs).to.have.length(2);
    await rig.clock.advance(30_000);
    expect(runs).to.have.length(4);
    runs.slice(1).forEach((atMs, index) => expect(atMs - (runs[index] as number), `run ${index + 2}`).to.be.within(15_000, 15_000 + TICK_MS));
  });

  it('a timer started just after the clock was set back does not leave the others waiting out the step', async () => {
    const { rig, runs: old } = await setBackAfterOneRun();
    const fresh: number[] = [];
    rig.timers.every(15_000, () => fresh.push(rig.clock.now()));
    await rig.clock.advance(40_000);
    expect(fresh).to.have.length(2);
    // The old timer's next run is late by the time since the clock was last read (its run at 15 s;
    // the step came at 20 s), not by the hour; after it, a period apart again.
    expect(old).to.have.length(3);
    expect((old[1] as number) - (old[0] as number)).to.be.within(15_000, 20_000 + TICK_MS);
    expect((old[2] as number) - (old[1] as number)).to.be.within(15_000, 15_000 + TICK_MS);
  });

  it('runs every timer due within one tick in one turn of the owner, in the order they were started', async () => {
    const rig = new Rig();
    await rig.advanceTo(ceilToTick(rig.clock.now()) + 1);
    const order: string[] = [];
    // Ten timers started at ten different moments within one tick: one instant for all of them.
    for (let index = 0; index < 10; index++) {
      rig.timers.every(15_000, () => order.push(`t${index}`));
      await rig.clock.advance(20);
    }
    rig.ownerFires = 0;
    await rig.clock.advance(15_000 + TICK_MS);
    expect(order).to.deep.equal(Array.from({ length: 10 }, (_, index) => `t${index}`));
    expect(rig.ownerFires).to.equal(1);
  });

  it('never runs a cancelled timer, and keeps no owner timer for a tick nothing waits for any more', async () => {
    const rig = new Rig();
    await rig.advanceTo(ceilToTick(rig.clock.now()));
    const runs: string[] = [];
    const early = rig.timers.every(1_000, () => runs.push('early'));
    await rig.clock.advance(600);
    rig.timers.every(1_000, () => runs.push('late'));
    early.cancel();
    early.cancel(); // twice is once
    expect(rig.timers.size).to.equal(1);
    rig.ownerFires = 0;
    await rig.clock.advance(2_000 + TICK_MS); // 'late' is due at 1.6 s and 2.6 s: it runs on the ticks at 1.75 s and 2.75 s
    expect(runs).to.deep.equal(['late', 'late']);
    expect(rig.ownerFires).to.equal(2); // the cancelled timer's tick fired nothing
    expect(rig.clock.pendingTimers()).to.equal(1);
  });

  it('skips a timer another timer of the same tick cancels, and lets a callback cancel its own timer', async () => {
    const rig = new Rig();
    const runs: string[] = [];
    let second: Timer | undefined;
    const first: Timer = rig.timers.every(1_000, () => {
      runs.push('first');
      second?.cancel();
      first.cancel();
    });
    second = rig.timers.every(1_000, () => runs.push('second'));
    await rig.clock.advance(5_000);
    expect(runs).to.deep.equal(['first']);
    expect(rig.timers.size).to.equal(0);
    expect(rig.clock.pendingTimers()).to.equal(0);
  });

  it('holds no owner timer while no timer is scheduled, and arms one for the first timer started', async () => {
    const rig = new Rig();
    await rig.advanceTo(ceilToTick(rig.clock.now()));
    expect(rig.clock.pendingTimers()).to.equal(0);
    const timer = rig.timers.every(TICK_MS, () => undefined); // a period of one tick: every tick
    expect(rig.clock.pendingTimers()).to.equal(1);
    await rig.clock.advance(TICK_MS * 4);
    expect(rig.ownerFires).to.equal(4);
    timer.cancel();
    expect(rig.clock.pendingTimers()).to.equal(0);
  });

  it('refuses a tick that is not a positive number and a period shorter than the tick', () => {
    const clock = new VirtualClock();
    const delay = (ms: number, callback: () => void): Timer => clock.setTimer(ms, callback);
    expect(() => new TickedTimers(0, () => clock.now(), delay)).to.throw(/tickMs must be a positive number, got 0/);
    expect(() => new TickedTimers(Number.NaN, () => clock.now(), delay)).to.throw(/tickMs must be a positive number/);
    const timers = new TickedTimers(TICK_MS, () => clock.now(), delay);
    expect(() => timers.every(TICK_MS - 1, () => undefined)).to.throw(/period \(249 ms\) must be .* no shorter than the tick \(250 ms\)/);
    expect(() => timers.every(Number.POSITIVE_INFINITY, () => undefined)).to.throw(/must be a finite number/);
    expect(timers.size).to.equal(0);
  });
});
