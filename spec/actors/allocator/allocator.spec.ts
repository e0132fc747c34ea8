import { expect } from 'chai';
import { Actor, dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { Resources } from '../../../lib/resources';
import {
  ALLOCATOR_METRICS,
  allocatorQuotaKey,
  allocatorResourceKey,
  allocatorRoleFiltersKey,
  allocatorRoleShareKey,
  Allocator,
  AllocatorError,
  DEFAULT_ALLOCATION_INTERVAL_MS,
  DEFAULT_REFUSE_SECONDS,
  type AllocatorOptions,
  type Allocation,
} from '../../../actors/allocator';
import { memoryHost } from '../../support/runtime';

const r = (text: string): Resources => Resources.parse(text);

/** One allocator actor on a memory host under a virtual clock, with its offers recorded. */
interface Harness {
  clock: VirtualClock;
  host: ActorHost;
  allocator: Allocator;
  captured: CapturedLogger;
  /** The offers of each callback, in order. */
  runs: Allocation[][];
  /** Virtual time of each callback. */
  times: number[];
  startMs: number;
}

async function harness(options: Partial<AllocatorOptions> = {}, seed = 7): Promise<Harness> {
  const clock = new VirtualClock();
  const captured = captureLogger();
  const host = memoryHost({ clock, logger: captured.logger, seed });
  const allocator = Allocator.spawnOn(host);
  const runs: Allocation[][] = [];
  const times: number[] = [];
  const offerCallback = (offers: Allocation[]): void => {
    runs.push(offers);
    times.push(clock.now());
  };
  await allocator.initialize({ offerCallback, checkInvariants: true, ...options });
  return { clock, host, allocator, captured, runs, times, startMs: clock.now() };
}

/** Offers as `framework/role@agent: resources`. */
function describeOffers(offers: readonly Allocation[]): string[] {
  return offers.map((offer) => `${offer.frameworkId}/${offer.role}@${offer.agentId}: ${offer.resources.format()}`).sort();
}

async function runsSoFar(allocator: Allocator): Promise<number> {
  return (await allocator.metrics())[ALLOCATOR_METRICS.allocationRuns];
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => { throw new Error('expected a rejection'); },
    (error: Error) => error,
  );
}

describe('actors/allocator/allocator (actor and facade)', () => {
  const hosts: ActorHost[] = [];
  async function setup(options: Partial<AllocatorOptions> = {}, seed = 7): Promise<Harness> {
    const made = await harness(options, seed);
    hosts.push(made.host);
    return made;
  }
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  describe('allocation runs', () => {
    it('runs every allocation interval (1 s by default)', async () => {
      const { clock, allocator } = await setup();
      expect(DEFAULT_ALLOCATION_INTERVAL_MS).to.equal(1_000);
      await clock.settle();
      expect(await runsSoFar(allocator)).to.equal(0);
      await clock.advance(999);
      expect(await runsSoFar(allocator)).to.equal(0);
      await clock.advance(1);
      expect(await runsSoFar(allocator)).to.equal(1);
      await clock.advance(1_000);
      expect(await runsSoFar(allocator)).to.equal(2);
      await clock.advance(5_000);
      expect(await runsSoFar(allocator)).to.equal(7);
    });

    it('honours allocationIntervalMs', async () => {
      const { clock, allocator } = await setup({ allocationIntervalMs: 250 });
      await clock.advance(1_000);
      expect(await runsSoFar(allocator)).to.equal(4);
    });

    it('runs soon after a change, without waiting for the interval, and hands the offers to the callback', async () => {
      const { clock, allocator, runs, times, startMs } = await setup();
      await allocator.addAgent('agent-1', r('cpus:4;mem:8192;ports:[31000-32000]'));
      await allocator.addFramework('framework-1', { roles: ['web'] });
      await clock.settle();
      expect(clock.now()).to.equal(startMs);
      expect(runs).to.have.length(1);
      expect(times).to.deep.equal([startMs]);
      expect(describeOffers(runs[0])).to.deep.equal(['framework-1/web@agent-1: cpus:4;mem:8192;ports:[31000-32000]']);
      const metrics = await allocator.metrics();
      expect(metrics[ALLOCATOR_METRICS.allocationRuns]).to.be.at.least(1);
      expect(metrics[ALLOCATOR_METRICS.offersMade]).to.equal(1);
      expect(metrics[ALLOCATOR_METRICS.allocationRunMs]).to.equal(0); // the virtual clock stands still during a run
      const holdings = await allocator.holdings('framework-1');
      expect(holdings.map((holding) => `${holding.agentId}/${holding.role}: ${holding.resources.format()}`)).to.deep.equal([
        'agent-1/web: cpus:4;mem:8192;ports:[31000-32000]',
      ]);
    });

    it('gives 100 changes in one turn exactly one run, and calls back once with all the offers', async () => {
      const { clock, allocator, runs } = await setup();
      const changes: Promise<void>[] = [allocator.addFramework('framework-1', { roles: ['*'] })];
      for (let index = 0; index < 100; index++) {
        changes.push(allocator.addAgent(`agent-${index}`, r('cpus:1;mem:1024')));
      }
      await Promise.all(changes);
      await clock.settle();
      expect(await runsSoFar(allocator)).to.equal(1);
      expect(runs).to.have.length(1);
      expect(runs[0]).to.have.length(100);
      // A change in a later turn gets a run of its own.
      await allocator.addAgent('agent-100', r('cpus:1;mem:1024'));
      await clock.settle();
      expect(await runsSoFar(allocator)).to.equal(2);
      expect(runs.map((offers) => offers.length)).to.deep.equal([100, 1]);
    });

    it('never calls back with an empty list', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.addFramework('framework-1', { roles: ['*'] });
      await clock.advance(5_000);
      expect(await runsSoFar(allocator)).to.be.at.least(5);
      expect(runs).to.deep.equal([]);
    });

    it('logs a throwing offer callback and keeps allocating', async () => {
      let calls = 0;
      const { clock, allocator, captured } = await setup({
        offerCallback: () => {
          calls++;
          throw new Error('master is confused');
        },
      });
      await allocator.addFramework('framework-1', { roles: ['*'] });
      await allocator.addAgent('agent-1', r('cpus:1;mem:1024'));
      await clock.settle();
      await allocator.addAgent('agent-2', r('cpus:1;mem:1024'));
      await clock.settle();
      expect(calls).to.equal(2);
      expect(captured.find('offer callback threw')).to.have.length(2);
      await dispatch(allocator.process, (process) => process.checkInvariants());
    });

    it('takes the agent order from the host seed', async () => {
      const order = async (seed: number): Promise<string> => {
        const { clock, allocator, runs } = await setup({}, seed);
        const changes = [allocator.addFramework('f', { roles: ['*'] }), allocator.addFramework('g', { roles: ['*'] })];
        for (let index = 0; index < 8; index++) {
          changes.push(allocator.addAgent(`agent-${index}`, r(`cpus:${index + 1};mem:1024`)));
        }
        await Promise.all(changes); // one turn: one run over all eight agents, in shuffled order
        await clock.settle();
        expect(runs).to.have.length(1);
        return runs.flat().map((offer) => `${offer.frameworkId}@${offer.agentId}`).join(',');
      };
      expect(await order(11)).to.equal(await order(11));
      const orders = new Set(await Promise.all([1, 2, 3, 4, 5].map(order)));
      expect(orders.size).to.be.greaterThan(1);
    });

    it('drops a run still queued when the actor terminates', async () => {
      const { clock, host, allocator, captured } = await setup();
      await dispatch(allocator.process, (process) => {
        process.addFramework('framework-1', { roles: ['*'] });
        host.terminate(process);
      });
      await host.wait(allocator.process);
      await clock.settle();
      expect(captured.find('queued allocation run dropped')).to.have.length(1);
    });
  });

  describe('recovery after a master failover (Mesos\' recover: pause until enough agents are back)', () => {
    it('with quota set, offers nothing until 80% of the expected agents are added, then goes on', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.setQuota('eng', { guarantee: { cpus: 2 } });
      await allocator.recover(5); // waits for 4
      await clock.settle();
      const runsBefore = await runsSoFar(allocator);
      await allocator.addFramework('web', { roles: ['eng'] });
      for (const agentId of ['agent-1', 'agent-2', 'agent-3']) await allocator.addAgent(agentId, r('cpus:1;mem:512'));
      await clock.advance(5_000);
      expect(runs, 'paused: no offers from a partial view of the cluster').to.deep.equal([]);
      expect(await runsSoFar(allocator)).to.equal(runsBefore);
      await allocator.addAgent('agent-4', r('cpus:1;mem:512'));
      await clock.settle();
      expect(runs.flat().map((offer) => offer.agentId), 'the fourth agent\'s own run').to.deep.equal(['agent-4']);
      await clock.advance(1_000);
      expect(runs.flat().map((offer) => offer.agentId).sort(), 'then the batch run, of every agent').to.deep.equal(['agent-1', 'agent-2', 'agent-3', 'agent-4']);
    });

    it('resumes after recoveryTimeoutMs (10 min by default) however few agents came back', async () => {
      const { clock, allocator, runs } = await setup({ recoveryTimeoutMs: 60_000 });
      await allocator.setQuota('eng', { guarantee: { cpus: 2 } });
      await allocator.recover(10);
      await allocator.addFramework('web', { roles: ['eng'] });
      await allocator.addAgent('agent-1', r('cpus:1;mem:512'));
      await clock.advance(59_000);
      expect(runs).to.deep.equal([]);
      await clock.advance(2_000);
      expect(describeOffers(runs.flat())).to.deep.equal(['web/eng@agent-1: cpus:1;mem:512']);
    });

    it('does not pause without quota, nor with nobody to wait for; refuses a bad count or bad options', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.recover(10);
      await allocator.addFramework('web', { roles: ['eng'] });
      await allocator.addAgent('agent-1', r('cpus:1;mem:512'));
      await clock.settle();
      expect(runs).to.have.length(1);
      await allocator.setQuota('eng', { guarantee: { cpus: 2 } });
      await allocator.recover(1); // 80% of 1 agent is none
      await allocator.addAgent('agent-2', r('cpus:1;mem:512'));
      await clock.settle();
      expect(runs).to.have.length(2);
      expect((await rejection(allocator.recover(-1))).message).to.match(/non-negative integer/);
      const refused = await rejection(harness({ agentRecoveryFactor: -0.5 }));
      expect(refused).to.be.instanceOf(AllocatorError);
    });
  });

  describe('decline filters', () => {
    async function declined(refuse: { refuseSeconds?: number } | undefined): Promise<Harness & { offer: Allocation }> {
      const made = await setup();
      await made.allocator.addAgent('agent-1', r('cpus:4;mem:4096'));
      await made.allocator.addFramework('framework-1', { roles: ['*'] });
      await made.clock.settle();
      expect(made.runs).to.have.length(1);
      const [offer] = made.runs[0];
      await made.allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, refuse);
      await made.clock.settle();
      return { ...made, offer };
    }

    it('returns collected in a batch reach the allocator before any later call, in the order made', async () => {
      const made = await setup();
      await made.allocator.addAgent('agent-1', r('cpus:4;mem:4096'));
      await made.allocator.addFramework('framework-1', { roles: ['*'] });
      await made.clock.settle();
      const [offer] = made.runs[0];
      const refused: string[] = [];
      const onRefused = (error: Error): void => { refused.push(error.message); };
      made.allocator.beginRecoverBatch();
      // Returned while the agent is there: accepted, if it reaches the allocator before the removal.
      made.allocator.sendRecoverResources(offer.frameworkId, offer.agentId, offer.resources, undefined, undefined, onRefused);
      const removed = made.allocator.removeAgent('agent-1');
      // Returned after the removal: refused.
      made.allocator.sendRecoverResources(offer.frameworkId, offer.agentId, offer.resources, undefined, undefined, onRefused);
      made.allocator.endRecoverBatch();
      await removed;
      await made.clock.settle();
      expect(refused).to.have.length(1);
      expect(refused[0]).to.match(/agent-1/);
      expect(() => made.allocator.endRecoverBatch()).to.throw(/without beginRecoverBatch/);
      made.captured.records.length = 0; // the refused return is logged, and is this test's point
    });

    it('with refuseSeconds 5, keeps the resources from the framework until 5 s have passed', async () => {
      const { clock, allocator, runs, times, startMs } = await declined({ refuseSeconds: 5 });
      expect(runs).to.have.length(1); // the triggered run after the decline offered nothing
      expect((await allocator.metrics())[allocatorRoleFiltersKey('*')]).to.equal(1);
      expect((await allocator.agent('agent-1'))!.available.format()).to.equal('cpus:4;mem:4096');
      await clock.advance(4_999);
      expect(runs).to.have.length(1);
      await clock.advance(1);
      expect(runs).to.have.length(2);
      expect(times[1]).to.equal(startMs + 5_000);
      expect(describeOffers(runs[1])).to.deep.equal(['framework-1/*@agent-1: cpus:4;mem:4096']);
      expect((await allocator.metrics())[allocatorRoleFiltersKey('*')]).to.equal(0);
    });

    it('with refuseSeconds 0, installs no filter: the resources are offered again on the next batch run', async () => {
      const { clock, allocator, runs, times, startMs } = await declined({ refuseSeconds: 0 });
      // Like Mesos (MESOS-3078), recovery does not trigger a run: no offer loop within a turn.
      expect(runs).to.have.length(1);
      expect((await allocator.metrics())[allocatorRoleFiltersKey('*')]).to.equal(0);
      await clock.advance(DEFAULT_ALLOCATION_INTERVAL_MS);
      expect(runs).to.have.length(2);
      expect(times).to.deep.equal([startMs, startMs + DEFAULT_ALLOCATION_INTERVAL_MS]);
    });

    it('without a filter, offers the resources again on the next batch run', async () => {
      const { clock, runs, times, startMs } = await declined(undefined);
      expect(runs).to.have.length(1);
      await clock.advance(DEFAULT_ALLOCATION_INTERVAL_MS);
      expect(times).to.deep.equal([startMs, startMs + DEFAULT_ALLOCATION_INTERVAL_MS]);
      expect(runs).to.have.length(2);
    });

    it('with an empty filter, refuses for the default 5 s', async () => {
      const { clock, allocator, runs, times, startMs } = await declined({});
      expect(DEFAULT_REFUSE_SECONDS).to.equal(5);
      expect((await allocator.metrics())[allocatorRoleFiltersKey('*')]).to.equal(1);
      await clock.advance(10_000);
      expect(times.slice(0, 2)).to.deep.equal([startMs, startMs + 5_000]);
      expect(runs).to.have.length(2);
    });

    it('offers the refused resources to another framework meanwhile', async () => {
      const { clock, allocator, runs } = await declined({ refuseSeconds: 60 });
      await allocator.addFramework('framework-2', { roles: ['*'] });
      await clock.settle();
      expect(describeOffers(runs[runs.length - 1])).to.deep.equal(['framework-2/*@agent-1: cpus:4;mem:4096']);
    });
  });

  describe('suppress and revive', () => {
    it('a suppressed framework is offered nothing until it revives, which allocates at once', async () => {
      const { clock, allocator, runs, times } = await setup();
      await allocator.addAgent('agent-1', r('cpus:2;mem:2048'));
      await allocator.addFramework('framework-1', { roles: ['*'] });
      await clock.settle();
      const [offer] = runs[0];
      await allocator.suppress('framework-1');
      await allocator.recoverResources('framework-1', 'agent-1', offer.resources, { refuseSeconds: 0 });
      await clock.advance(10_000);
      expect(runs).to.have.length(1);
      const revivedAt = clock.now();
      await allocator.revive('framework-1');
      await clock.settle();
      expect(runs).to.have.length(2);
      expect(times[1]).to.equal(revivedAt);
      expect(describeOffers(runs[1])).to.deep.equal(['framework-1/*@agent-1: cpus:2;mem:2048']);
    });

    it('revive clears decline filters', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.addAgent('agent-1', r('cpus:2;mem:2048'));
      await allocator.addFramework('framework-1', { roles: ['*'] });
      await clock.settle();
      await allocator.recoverResources('framework-1', 'agent-1', runs[0][0].resources, { refuseSeconds: 3_600 });
      await clock.advance(2_000);
      expect(runs).to.have.length(1);
      await allocator.revive('framework-1');
      await clock.settle();
      expect(runs).to.have.length(2);
      expect((await allocator.metrics())[allocatorRoleFiltersKey('*')]).to.equal(0);
    });

    it('suppresses and revives one role of a multi-role framework', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.addFramework('framework-1', { roles: ['a', 'b'], suppressedRoles: ['a'] });
      await allocator.addAgent('agent-1', r('cpus(a):1;mem(a):512'));
      await allocator.addAgent('agent-2', r('cpus(b):1;mem(b):512'));
      await clock.settle();
      expect(describeOffers(runs.flat())).to.deep.equal(['framework-1/b@agent-2: cpus(b):1;mem(b):512']);
      await allocator.revive('framework-1', ['a']);
      await clock.settle();
      expect(describeOffers(runs.flat())).to.deep.equal([
        'framework-1/a@agent-1: cpus(a):1;mem(a):512',
        'framework-1/b@agent-2: cpus(b):1;mem(b):512',
      ]);
    });
  });

  describe('other changes that trigger a run', () => {
    it('weights, quota, framework activation and agent activation each allocate without waiting', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.addAgent('agent-1', r('cpus:2;mem:2048'));
      await allocator.deactivateAgent('agent-1');
      await allocator.addFramework('framework-1', { roles: ['eng'], active: false });
      await clock.settle();
      expect(runs).to.have.length(0);
      await allocator.activateFramework('framework-1');
      await clock.settle();
      expect(runs).to.have.length(0); // the agent is still inactive
      await allocator.activateAgent('agent-1');
      await clock.settle();
      expect(runs).to.have.length(1);
      const before = await runsSoFar(allocator);
      await Promise.all([
        allocator.updateWeights(new Map([['eng', 2]])),
        allocator.setQuota('eng', { guarantee: { cpus: 1 } }),
        allocator.removeQuota('eng'),
      ]);
      await clock.settle();
      expect(await runsSoFar(allocator)).to.equal(before + 1); // one turn, one run
      for (const change of [
        () => allocator.updateWeights(new Map([['eng', 3]])),
        () => allocator.setQuota('eng', { limit: { cpus: 4 } }),
        () => allocator.removeQuota('eng'),
      ]) {
        const runs = await runsSoFar(allocator);
        await change();
        await clock.settle();
        expect(await runsSoFar(allocator)).to.equal(runs + 1);
      }
    });

    it('removing a framework offers what it held to the others', async () => {
      const { clock, allocator, runs } = await setup();
      await allocator.addAgent('agent-1', r('cpus:2;mem:2048'));
      await allocator.addFramework('framework-1', { roles: ['*'] });
      await clock.settle();
      await allocator.addFramework('framework-2', { roles: ['*'] });
      await clock.settle();
      expect(runs).to.have.length(1);
      await allocator.removeFramework('framework-1');
      await clock.settle();
      expect(describeOffers(runs[1])).to.deep.equal(['framework-2/*@agent-1: cpus:2;mem:2048']);
    });
  });

  describe('bad input', () => {
    async function busy(): Promise<Harness & { offer: Allocation }> {
      const made = await setup();
      await made.allocator.addAgent('agent-1', r('cpus:4;mem:4096'));
      await made.allocator.addFramework('framework-1', { roles: ['web'] });
      await made.clock.settle();
      return { ...made, offer: made.runs[0][0] };
    }

    /** The agent and holdings as text, to compare the books before and after. */
    async function books(allocator: Allocator): Promise<string> {
      const agent = (await allocator.agent('agent-1'))!;
      const holdings = await allocator.holdings('framework-1');
      return JSON.stringify({
        total: agent.total.format(),
        allocated: agent.allocated.format(),
        available: agent.available.format(),
        holdings: holdings.map((holding) => `${holding.agentId}/${holding.role}: ${holding.resources.format()}`),
      });
    }

    const cases: Array<{ name: string; call: (allocator: Allocator) => Promise<unknown>; reason: RegExp }> = [
      { name: 'an unknown framework', call: (a) => a.recoverResources('ghost', 'agent-1', r('cpus:1')), reason: /unknown framework 'ghost'/ },
      { name: 'an unknown agent', call: (a) => a.recoverResources('framework-1', 'nowhere', r('cpus:1')), reason: /unknown agent 'nowhere'/ },
      { name: 'an over-recovery', call: (a) => a.recoverResources('framework-1', 'agent-1', r('cpus:5;mem:4096')), reason: /cannot recover/ },
      { name: 'a recovery of what the agent never had', call: (a) => a.recoverResources('framework-1', 'agent-1', r('gpus:1')), reason: /cannot recover/ },
      { name: 'a negative refuseSeconds', call: (a) => a.recoverResources('framework-1', 'agent-1', r('cpus:1'), { refuseSeconds: -1 }), reason: /non-negative/ },
      { name: 'an unsubscribed role', call: (a) => a.revive('framework-1', ['batch']), reason: /not subscribed to role 'batch'/ },
      { name: 'a recovery for an unsubscribed role', call: (a) => a.recoverResources('framework-1', 'agent-1', r('cpus:1'), undefined, 'batch'), reason: /cannot recover/ },
      { name: 'an invalid role', call: (a) => a.addFramework('framework-2', { roles: ['bad role'] }), reason: /invalid role/ },
      { name: 'a weight of an invalid role', call: (a) => a.updateWeights(new Map([['web', 2], ['.', 3]])), reason: /invalid role/ },
      { name: 'a zero weight', call: (a) => a.updateWeights(new Map([['web', 0]])), reason: /positive/ },
      { name: 'quota on a subrole', call: (a) => a.setQuota('web/api', { guarantee: { cpus: 1 } }), reason: /top-level/ },
      { name: 'a duplicate agent', call: (a) => a.addAgent('agent-1', r('cpus:1')), reason: /duplicate/ },
      { name: 'an unknown agent update', call: (a) => a.updateAgent('nowhere', r('cpus:1')), reason: /unknown agent/ },
      { name: 'an agent shrunk below its allocation', call: (a) => a.updateAgent('agent-1', r('cpus:1')), reason: /does not contain/ },
      { name: 'suppressing an unknown framework', call: (a) => a.suppress('ghost'), reason: /unknown framework/ },
      { name: 'holdings of an unknown framework', call: (a) => a.holdings('ghost'), reason: /unknown framework/ },
    ];

    for (const { name, call, reason } of cases) {
      it(`rejects ${name}, logs the reason and leaves the books unchanged`, async () => {
        const { clock, allocator, captured } = await busy();
        const before = await books(allocator);
        const runsBefore = await runsSoFar(allocator);
        const error = await rejection(call(allocator));
        expect(error).to.be.instanceOf(AllocatorError);
        expect(error.message).to.match(reason);
        const logged = captured.records.filter((record) => record.msg === error.message);
        expect(logged).to.have.length(1);
        expect(logged[0].level).to.equal(40); // warn
        expect(logged[0].operation).to.be.a('string');
        await clock.settle();
        expect(await runsSoFar(allocator)).to.equal(runsBefore); // bad input triggers no run
        expect(await books(allocator)).to.equal(before);
        await dispatch(allocator.process, (process) => process.checkInvariants());
      });
    }

    it('keeps working after bad input', async () => {
      const { clock, allocator, runs, offer } = await busy();
      await rejection(allocator.recoverResources('framework-1', 'agent-1', offer.resources.add(r('cpus:1'))));
      await rejection(allocator.recoverResources('ghost', 'agent-1', offer.resources));
      await allocator.recoverResources('framework-1', 'agent-1', offer.resources, { refuseSeconds: 0 });
      await clock.advance(DEFAULT_ALLOCATION_INTERVAL_MS);
      expect(runs).to.have.length(2);
      expect(describeOffers(runs[1])).to.deep.equal(['framework-1/web@agent-1: cpus:4;mem:4096']);
    });

    it('rejects use before initialize, a second initialize and a bad interval', async () => {
      const clock = new VirtualClock();
      const captured = captureLogger();
      const host = memoryHost({ clock, logger: captured.logger });
      hosts.push(host);
      const allocator = Allocator.spawnOn(host);
      expect((await rejection(allocator.addAgent('agent-1', r('cpus:1')))).message).to.match(/initialize first/);
      const badInterval = await rejection(allocator.initialize({ offerCallback: () => undefined, allocationIntervalMs: 0 }));
      expect(badInterval).to.be.instanceOf(AllocatorError);
      expect(captured.find(badInterval.message)).to.have.length(1);
      const badMinimum = await rejection(allocator.initialize({ offerCallback: () => undefined, minAllocatable: [{ cpus: -1 }] }));
      expect(badMinimum).to.be.instanceOf(AllocatorError);
      await allocator.initialize({ offerCallback: () => undefined });
      expect((await rejection(allocator.initialize({ offerCallback: () => undefined }))).message).to.match(/twice/);
      await allocator.addAgent('agent-1', r('cpus:1'));
    });
  });

  describe('the DRF example of the seed document, through the actor', () => {
    const taskOf: Record<string, Resources> = { A: r('cpus:3;mem:2048'), B: r('cpus:1;mem:5120') };

    /**
     * Stands in for the master and the two schedulers: each framework accepts one task per
     * offer and returns the rest unfiltered, or declines (default filter) an offer that fits
     * no task. Offers arrive by dispatch, as the master will receive them.
     */
    class Schedulers extends Actor {
      /** Framework of each accepted task, in order. */
      readonly accepted: string[] = [];
      /** Framework of each declined offer, in order. */
      readonly declined: string[] = [];
      /** Every call to the allocator, to surface a rejection. */
      readonly calls: Promise<void>[] = [];

      constructor(private readonly allocator: Allocator) {
        super('schedulers');
      }

      resourceOffers(offers: readonly Allocation[]): void {
        for (const offer of offers) {
          const task = taskOf[offer.frameworkId];
          if (offer.resources.contains(task)) {
            this.accepted.push(offer.frameworkId);
            const rest = offer.resources.subtract(task);
            this.calls.push(this.allocator.recoverResources(offer.frameworkId, offer.agentId, rest, { refuseSeconds: 0 }));
          } else {
            this.declined.push(offer.frameworkId);
            this.calls.push(this.allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, {}));
          }
        }
      }
    }

    it('accepts A, B, B, A, B and ends with A holding 2 tasks and B 3', async () => {
      const clock = new VirtualClock();
      const host = memoryHost({ clock });
      hosts.push(host);
      const allocator = Allocator.spawnOn(host);
      const schedulers = new Schedulers(allocator);
      host.spawn(schedulers);
      await allocator.initialize({
        offerCallback: (offers) => void dispatch(schedulers, (s) => s.resourceOffers(offers)),
        checkInvariants: true,
      });
      await Promise.all([
        allocator.addAgent('agent-1', r('cpus:10;mem:20480')),
        allocator.addFramework('A', { roles: ['*'] }),
        allocator.addFramework('B', { roles: ['*'] }),
      ]);
      // One offer per batch run (recovery waits for the next run, as in Mesos).
      await clock.advance(5 * DEFAULT_ALLOCATION_INTERVAL_MS);
      expect(schedulers.accepted).to.deep.equal(['A', 'B', 'B', 'A', 'B']);
      await clock.advance(2 * DEFAULT_ALLOCATION_INTERVAL_MS);
      expect(schedulers.declined).to.deep.equal(['A', 'B']);

      // Declines repeat every 5 s as the filters expire; the tasks stay as they are.
      await clock.advance(30_000);
      await Promise.all(schedulers.calls);
      expect(schedulers.accepted).to.deep.equal(['A', 'B', 'B', 'A', 'B']);
      const tasks = (id: string): number => schedulers.accepted.filter((framework) => framework === id).length;
      expect([tasks('A'), tasks('B')]).to.deep.equal([2, 3]);

      // Between declines, each framework holds exactly its tasks.
      await clock.advance(1_000);
      const held = async (id: string): Promise<string> =>
        (await allocator.holdings(id)).reduce((sum, holding) => sum.add(holding.resources), Resources.EMPTY).format();
      expect(await held('A')).to.equal('cpus:6;mem:4096');
      expect(await held('B')).to.equal('cpus:3;mem:15360');
      expect((await allocator.agent('agent-1'))!.available.format()).to.equal('cpus:1;mem:1024');
    });
  });
  describe("metrics (Mesos' allocator/mesos/* names)", () => {
    it('resources total and offered_or_allocated, and each role\'s dominant share, unweighted as Mesos reports it', async () => {
      const { clock, allocator } = await setup();
      await allocator.addAgent('agent-1', r('cpus:4;mem:1000;disk:100'));
      await allocator.updateWeights(new Map([['eng', 2]]));
      await allocator.addFramework('framework-1', { roles: ['eng'] });
      await clock.settle();
      const [offered] = await allocator.holdings('framework-1');
      // Keep cpus:1;mem:500 of the offer; the rest goes back, refused for a while.
      await allocator.recoverResources('framework-1', 'agent-1', offered!.resources.subtract(r('cpus:1;mem:500')), { refuseSeconds: 60 });
      await clock.settle();
      const metrics = await allocator.metrics();
      expect(metrics).to.include({
        [allocatorResourceKey('cpus', 'total')]: 4, [allocatorResourceKey('mem', 'total')]: 1000, [allocatorResourceKey('disk', 'total')]: 100,
        [allocatorResourceKey('cpus', 'offered_or_allocated')]: 1, [allocatorResourceKey('mem', 'offered_or_allocated')]: 500,
        [allocatorResourceKey('disk', 'offered_or_allocated')]: 0,
        [allocatorRoleShareKey('eng')]: 0.5, // mem 500/1000; the weight 2 orders roles but does not halve the share
        [allocatorRoleFiltersKey('eng')]: 1,
      });
    });

    it("a quota role's guarantee, limit, consumption and what it is offered or allocated", async () => {
      const { clock, allocator } = await setup();
      await allocator.addAgent('agent-1', r('cpus:4;mem:1000'));
      await allocator.setQuota('eng', { guarantee: { cpus: 1 }, limit: { cpus: 2, mem: 600 } });
      await allocator.addFramework('framework-1', { roles: ['eng/web'] });
      await clock.settle();
      const metrics = await allocator.metrics();
      expect(metrics).to.include({
        [allocatorQuotaKey('eng', 'cpus', 'guarantee')]: 1,
        [allocatorQuotaKey('eng', 'cpus', 'limit')]: 2, [allocatorQuotaKey('eng', 'mem', 'limit')]: 600,
        // The subrole was offered up to the limit.
        [allocatorQuotaKey('eng', 'cpus', 'offered_or_allocated')]: 2, [allocatorQuotaKey('eng', 'mem', 'offered_or_allocated')]: 600,
      });
      expect(metrics[allocatorQuotaKey('eng', 'mem', 'guarantee')]).to.equal(undefined);
      // Consumed is what tasks use (Mesos' quotaConsumed): nothing while it is only offered.
      expect(metrics[allocatorQuotaKey('eng', 'cpus', 'consumed')]).to.equal(undefined);
      await allocator.transitionOfferedToAllocated('framework-1', 'agent-1', r('cpus:1;mem:100'));
      expect(await allocator.metrics()).to.include({ [allocatorQuotaKey('eng', 'cpus', 'consumed')]: 1, [allocatorQuotaKey('eng', 'mem', 'consumed')]: 100 });
    });

    it('times every run: allocation_run_ms and allocation_run_latency_ms with their window statistics from the second run on', async () => {
      const { clock, allocator } = await setup();
      await clock.settle();
      const first = await allocator.metrics();
      await clock.advance(3 * DEFAULT_ALLOCATION_INTERVAL_MS);
      const later = await allocator.metrics();
      const runs = later[ALLOCATOR_METRICS.allocationRuns] ?? 0;
      expect(runs).to.be.greaterThan(first[ALLOCATOR_METRICS.allocationRuns] ?? 0);
      expect(later[`${ALLOCATOR_METRICS.allocationRunMs}/count`]).to.equal(runs);
      expect(later[`${ALLOCATOR_METRICS.allocationRunLatencyMs}/count`]).to.equal(runs);
      for (const suffix of ['min', 'max', 'p50', 'p90', 'p95', 'p99', 'p999', 'p9999']) {
        expect(later[`${ALLOCATOR_METRICS.allocationRunMs}/${suffix}`], suffix).to.equal(0); // the virtual clock stands still during a run
      }
      expect(later[ALLOCATOR_METRICS.eventQueueDispatches]).to.equal(0);
    });
  });
});
