import { expect } from 'chai';
import { VirtualClock } from '../../../lib/process';
import { KeyedTimers } from '../../../actors/master/keyed-timers';

describe('actors/master: KeyedTimers', () => {
  function table(): { clock: VirtualClock; timers: KeyedTimers; fired: string[] } {
    const clock = new VirtualClock();
    return { clock, timers: new KeyedTimers((ms, callback) => clock.setTimer(ms, callback)), fired: [] };
  }

  it('fires each key once, at its time, and forgets it before the callback runs', async () => {
    const { clock, timers, fired } = table();
    timers.start('a', 1_000, () => fired.push(`a:${timers.has('a')}`));
    timers.start('b', 2_000, () => fired.push('b'));
    await clock.advance(1_000);
    expect(fired).to.deep.equal(['a:false']);
    expect(timers.size).to.equal(1);
    await clock.advance(1_000);
    expect(fired).to.deep.equal(['a:false', 'b']);
    expect(timers.size).to.equal(0);
  });

  it('starting a key again replaces its pending timer', async () => {
    const { clock, timers, fired } = table();
    timers.start('a', 1_000, () => fired.push('first'));
    await clock.advance(500);
    timers.start('a', 1_000, () => fired.push('second'));
    await clock.advance(999); // past the first timer's time
    expect(fired).to.deep.equal([]);
    await clock.advance(1);
    expect(fired).to.deep.equal(['second']);
  });

  it('cancel stops a pending timer, and is harmless for an unknown key', async () => {
    const { clock, timers, fired } = table();
    timers.start('a', 1_000, () => fired.push('a'));
    timers.cancel('a');
    timers.cancel('never-started');
    await clock.advance(5_000);
    expect(fired).to.deep.equal([]);
    expect(timers.has('a')).to.equal(false);
  });

  it('a callback may start its own key again', async () => {
    const { clock, timers, fired } = table();
    const tick = (): void => {
      fired.push(String(clock.now() - start));
      if (fired.length < 3) timers.start('tick', 1_000, tick);
    };
    const start = clock.now();
    timers.start('tick', 1_000, tick);
    await clock.advance(10_000);
    expect(fired).to.deep.equal(['1000', '2000', '3000']);
    expect(timers.size).to.equal(0);
  });
});
