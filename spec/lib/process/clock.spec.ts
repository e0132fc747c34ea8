import { expect } from 'chai';
import { RealClock, VirtualClock } from '../../../lib/process';

describe('VirtualClock', () => {
  it('does not move unless advanced', async () => {
    const clock = new VirtualClock(1_000);
    await clock.settle();
    expect(clock.now()).to.equal(1_000);
    await clock.advance(250);
    expect(clock.now()).to.equal(1_250);
  });

  it('fires timers in time order, each at its own time', async () => {
    const clock = new VirtualClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimer(300, () => fired.push(['c', clock.now()]));
    clock.setTimer(100, () => fired.push(['a', clock.now()]));
    clock.setTimer(100, () => fired.push(['b', clock.now()]));
    await clock.advance(299);
    expect(fired).to.deep.equal([['a', 100], ['b', 100]]);
    await clock.advance(1);
    expect(fired).to.deep.equal([['a', 100], ['b', 100], ['c', 300]]);
  });

  it('fires a timer set by a timer within the same advance', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimer(10, () => clock.setTimer(10, () => fired.push(clock.now())));
    await clock.advance(25);
    expect(fired).to.deep.equal([20]);
  });

  it('never fires a cancelled timer', async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const handle = clock.setTimer(10, () => { fired = true; });
    handle.cancel();
    await clock.advance(100);
    expect(fired).to.equal(false);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('settle waits for registered work to finish', async () => {
    const clock = new VirtualClock(0);
    let busyTurns = 5;
    clock.addIdleProbe(() => busyTurns-- <= 0);
    await clock.settle();
    expect(busyTurns).to.be.lessThan(0);
  });

  it('settle reports a livelock instead of hanging', async function () {
    this.timeout(60_000);
    const clock = new VirtualClock(0);
    clock.addIdleProbe(() => false);
    let error: Error | undefined;
    await clock.settle().catch((e: Error) => { error = e; });
    expect(error?.message).to.match(/still busy/);
  });

  it('follows real time when resumed and freezes when paused', async () => {
    const clock = new VirtualClock(0);
    clock.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock.pause();
    const frozen = clock.now();
    expect(frozen).to.be.greaterThanOrEqual(15);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(clock.now()).to.equal(frozen);
  });

  it('rejects advance while resumed and negative advances', async () => {
    const clock = new VirtualClock(0);
    let error: Error | undefined;
    await clock.advance(-1).catch((e: Error) => { error = e; });
    expect(error?.message).to.match(/ms must be >= 0/);
    clock.resume();
    await clock.advance(1).catch((e: Error) => { error = e; });
    expect(error?.message).to.match(/paused clock/);
    clock.pause();
  });
});

describe('RealClock', () => {
  it('does not fire a timer longer than setTimeout allows at once (it chains)', async () => {
    const clock = new RealClock();
    let fired = false;
    const handle = clock.setTimer(30 * 24 * 3600 * 1000, () => { fired = true; }); // 30 days
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).to.equal(false);
    handle.cancel();
    let soon = false;
    clock.setTimer(5, () => { soon = true; });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(soon).to.equal(true);
  });
});
