import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { ChaosPool, runSeed, unlessStalled } from './chaos-pool';

/** The nice values of this process' threads, from /proc (Linux keeps one a thread). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((thread) => {
    try {
      const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state is field 3, nice field 19.
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}

/** Keeps this thread's event loop busy (an immediate after another) for `ms` of wall time. */
function busyFor(ms: number): Promise<string> {
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    const turn = (): void => {
      if (performance.now() >= until) resolve('done');
      else setImmediate(turn);
    };
    turn();
  });
}

describe('the chaos pool (chaos-pool.ts)', function () {
  this.timeout(60_000);

  describe('the stall watchdog (unlessStalled): idle time, not wall time', () => {
    it('rejects work that awaits what never comes once the thread has sat idle for the bound, naming the work', async () => {
      const never = new Promise<string>(() => undefined);
      let error: Error | undefined;
      try {
        await unlessStalled(never, 100, 'seed 42', 10);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message).to.match(/^seed 42 stalled: its thread sat idle for \d+ s \(the bound is 0\.1 s\)/);
    });

    it('lets work that keeps its thread busy for three times the bound finish (a starved or slow seed is not stalled)', async () => {
      expect(await unlessStalled(busyFor(300), 100, 'busy work', 10)).to.equal('done');
    });

    it('passes on the work\'s own error', async () => {
      let error: Error | undefined;
      try {
        await unlessStalled(Promise.reject(new Error('invariant broken')), 100, 'seed 1', 10);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message).to.equal('invariant broken');
    });
  });

  describe('low-priority workers (ChaosPoolOptions.nice)', () => {
    it('refuses a nice value outside -20..19', () => {
      expect(() => new ChaosPool(1, { nice: 20 })).to.throw('ChaosPool: nice must be an integer from -20 to 19, got 20');
      expect(() => new ChaosPool(1, { nice: 1.5 })).to.throw('got 1.5');
    });

    it(`runs its workers' threads at that nice value, leaves this thread's alone, and gives a seed the same run as here (Linux: reads /proc${process.platform === 'linux' ? '' : '; skipped, this is not Linux'})`, async function () {
      if (process.platform !== 'linux') this.skip();
      const before = threadNiceValues().filter((nice) => nice === 19).length;
      const ownPriority = getPriority(0);
      const here = await runSeed(7, { steps: 20, hashTrace: true });
      const pool = new ChaosPool(2, { nice: 19 });
      try {
        const there = await Promise.all([pool.run(7, { steps: 20, hashTrace: true }), pool.run(8, { steps: 20, hashTrace: false })]);
        expect(threadNiceValues().filter((nice) => nice === 19).length - before, 'threads at nice 19').to.equal(2);
        expect(getPriority(0), "this thread's nice value").to.equal(ownPriority);
        expect(there[0].failure).to.equal(undefined);
        expect(there[0].eventsDigest).to.equal(here.eventsDigest);
        expect(there[0].traceDigest).to.equal(here.traceDigest);
      } finally {
        await pool.close();
      }
    });
  });
});
