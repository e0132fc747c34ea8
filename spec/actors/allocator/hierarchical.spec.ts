import { expect } from 'chai';
import { dynamicReservation, Resources } from '../../../lib/resources';
import {
  AllocatorError,
  HierarchicalAllocatorCore,
  createSeededRandom,
  type HierarchicalAllocatorOptions,
  type Allocation,
} from '../../../actors/allocator';

const r = (text: string): Resources => Resources.parse(text);

function core(options: Partial<HierarchicalAllocatorOptions> = {}): HierarchicalAllocatorCore {
  return new HierarchicalAllocatorCore({ random: createSeededRandom(1), ...options });
}

/** Offers as readable strings, sorted: `framework/role@agent: resources`. */
function describeOffers(offers: readonly Allocation[]): string[] {
  return offers.map((offer) => `${offer.frameworkId}/${offer.role}@${offer.agentId}: ${offer.resources.format()}`).sort();
}

/** Declines every offer with a filter of `refuseSeconds` at `nowMs`. */
function declineAll(allocator: HierarchicalAllocatorCore, offers: readonly Allocation[], nowMs: number, refuseSeconds = 5): void {
  for (const offer of offers) {
    allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, { refuseSeconds, nowMs }, offer.role);
  }
}

describe('actors/allocator/hierarchical (core)', () => {
  describe('runs that could offer nothing (issue 13)', () => {
    it('walks no agent (draws no shuffle) when no framework could take anything: none, all inactive, or all suppressed', () => {
      let draws = 0;
      const seeded = createSeededRandom(1);
      const allocator = core({ random: () => { draws++; return seeded(); } });
      for (let index = 0; index < 100; index++) allocator.addAgent(`agent-${index}`, r('cpus:4;mem:1024'));
      expect([allocator.allocate(0), draws]).to.deep.equal([[], 0]);
      allocator.addFramework('away', { roles: ['r'], active: false });
      allocator.addFramework('quiet', { roles: ['r', 's'] });
      allocator.suppress('quiet');
      expect([allocator.allocate(1_000), draws]).to.deep.equal([[], 0]);
      // One role of one framework wants offers again: the agents are walked, and offered.
      allocator.revive('quiet', ['s']);
      expect(allocator.allocate(2_000)).to.have.length(100);
      expect(draws).to.be.greaterThan(0);
    });
  });

  describe('dynamic reservations (updateAllocation, updateAvailable)', () => {
    const reserved = (text: string): Resources => r(text).reservedDynamically('eng', dynamicReservation('ops'));

    it('updateAllocation converts what a framework holds and the agent\'s total; the reservation then goes to its role only', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:4;mem:1024'));
      allocator.addFramework('eng-framework', { roles: ['eng'] });
      const [offer] = allocator.allocate(0);
      allocator.updateAllocation('eng-framework', 'agent-1', r('cpus:2'), reserved('cpus:2'), 'eng');
      allocator.checkInvariants();
      expect(allocator.agent('agent-1')!.total.dynamicallyReserved().equals(reserved('cpus:2'))).to.equal(true);
      expect(() => allocator.updateAllocation('eng-framework', 'agent-1', r('cpus:1'), reserved('cpus:2'), 'eng')).to.throw(AllocatorError, /keeps the quantities/);
      expect(() => allocator.updateAllocation('eng-framework', 'agent-1', r('cpus:8'), reserved('cpus:8'), 'eng')).to.throw(AllocatorError, /cannot recover/);
      allocator.recoverResources('eng-framework', 'agent-1', offer!.resources.subtract(r('cpus:2')).add(reserved('cpus:2')), undefined, 'eng');
      allocator.removeFramework('eng-framework');
      allocator.addFramework('web-framework', { roles: ['web'] });
      expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['web-framework/web@agent-1: cpus:2;mem:1024']);
      allocator.checkInvariants();
    });

    it('updateAvailable converts only what nobody holds, and says so', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:4;mem:1024'));
      expect(allocator.updateAvailable('agent-1', r('cpus:1'), reserved('cpus:1'))).to.equal(true);
      allocator.addFramework('web-framework', { roles: ['web'] });
      allocator.allocate(0);
      expect(allocator.updateAvailable('agent-1', r('cpus:1'), reserved('cpus:1'))).to.equal(false);
      expect(allocator.agent('agent-1')!.total.dynamicallyReserved().equals(reserved('cpus:1'))).to.equal(true);
      allocator.checkInvariants();
    });
  });

  describe('offers', () => {
    it('offers an agent whole to one framework, then counts it as allocated', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:4;mem:1024;ports:[31000-32000]'));
      allocator.addFramework('framework-1', { roles: ['web'] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal([
        'framework-1/web@agent-1: cpus:4;mem:1024;ports:[31000-32000]',
      ]);
      expect(allocator.allocate(1_000)).to.deep.equal([]);
      expect(allocator.agent('agent-1')!.available.isEmpty()).to.equal(true);
      allocator.checkInvariants();
    });

    it('gives each agent to the role, then the framework, with the lowest dominant share', () => {
      const allocator = core();
      allocator.addFramework('a1', { roles: ['a'] });
      allocator.addFramework('a2', { roles: ['a'] });
      allocator.addFramework('b1', { roles: ['b'] });
      allocator.addAgent('agent-1', r('cpus:8;mem:8192'), { used: [{ frameworkId: 'a1', resources: r('cpus:4') }] });
      allocator.addAgent('agent-2', r('cpus:8;mem:8192'));
      const offers = allocator.allocate(0);
      // Role b (share 0) is first on whichever agent comes first; role a's a2 (0) beats a1 (0.25).
      expect(offers.map((offer) => offer.frameworkId).sort()).to.deep.equal(['a2', 'b1']);
      allocator.checkInvariants();
    });

    it('is deterministic for a seed and shuffles agents', () => {
      const run = (seed: number): string[] => {
        const allocator = core({ random: createSeededRandom(seed) });
        allocator.addFramework('f', { roles: ['r'] });
        allocator.addFramework('g', { roles: ['r'] });
        for (let index = 0; index < 8; index++) {
          allocator.addAgent(`agent-${index}`, r(`cpus:${index + 1};mem:1024`));
        }
        return allocator.allocate(0).map((offer) => `${offer.frameworkId}@${offer.agentId}`);
      };
      expect(run(5)).to.deep.equal(run(5));
      const orders = new Set([1, 2, 3, 4, 5].map((seed) => run(seed).join(',')));
      expect(orders.size).to.be.greaterThan(1);
    });

    it('does not offer inactive agents or inactive frameworks', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:1;mem:128'));
      allocator.addFramework('f', { roles: ['r'], active: false });
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.activateFramework('f');
      allocator.deactivateAgent('agent-1');
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.activateAgent('agent-1');
      expect(allocator.allocate(0)).to.have.length(1);
    });

    it('offers agents with GPUs only to GPU-capable frameworks', () => {
      const allocator = core();
      allocator.addAgent('gpu-agent', r('cpus:4;mem:1024;gpus:1'));
      allocator.addFramework('plain', { roles: ['r'] });
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.addFramework('gpu', { roles: ['r'], capabilities: ['GPU_RESOURCES'] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['gpu/r@gpu-agent: cpus:4;mem:1024;gpus:1']);
    });
  });

  describe('static reservations', () => {
    it('offers reserved resources only to the role (and its subroles)', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus(eng):2;mem(eng):512;cpus:1;mem:256'));
      allocator.addFramework('ops-framework', { roles: ['ops'] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['ops-framework/ops@agent-1: cpus:1;mem:256']);
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.addFramework('web-framework', { roles: ['eng/web'] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal([
        'web-framework/eng/web@agent-1: cpus(eng):2;mem(eng):512',
      ]);
    });

    it('does not offer a subrole reservation to the parent role', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus(eng/web):2;mem(eng/web):512'));
      allocator.addFramework('eng-framework', { roles: ['eng'] });
      expect(allocator.allocate(0)).to.deep.equal([]);
    });
  });

  describe('quota', () => {
    it('meets guarantees first, ahead of DRF order', () => {
      const allocator = core();
      allocator.addFramework('quota-framework', { roles: ['q'] });
      allocator.addFramework('other', { roles: ['o'] });
      allocator.addAgent('agent-1', r('cpus:8;mem:4096'), { used: [{ frameworkId: 'quota-framework', resources: r('cpus:2') }] });
      expect(allocator.roleOrder()).to.deep.equal(['o', 'q']);
      allocator.setQuota('q', { guarantee: { cpus: 4 }, limit: { cpus: 4 } });
      // By DRF alone `o` (share 0) would get the whole agent; the guarantee goes first, and
      // the limit stops q at 4 cpus (memory has no limit, so q takes it along).
      expect(describeOffers(allocator.allocate(0))).to.deep.equal([
        'other/o@agent-1: cpus:4',
        'quota-framework/q@agent-1: cpus:2;mem:4096',
      ]);
      allocator.checkInvariants();
    });

    it('holds back headroom for an unmet guarantee when its framework declines', () => {
      const allocator = core();
      allocator.addFramework('quota-framework', { roles: ['q'] });
      allocator.addAgent('agent-1', r('cpus:4;mem:1024'));
      allocator.setQuota('q', { guarantee: { cpus: 3 } });
      declineAll(allocator, allocator.allocate(0), 0, 60);
      allocator.addFramework('other', { roles: ['o'] });
      // 3 of the 4 cpus stay in reserve for q's guarantee.
      expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['other/o@agent-1: cpus:1;mem:1024']);
    });

    it('never exceeds a limit with unreserved resources', () => {
      const allocator = core();
      allocator.addFramework('limited', { roles: ['l'] });
      allocator.addFramework('free', { roles: ['f'] });
      allocator.setQuota('l', { limit: { cpus: 3 } });
      allocator.addAgent('agent-1', r('cpus:8;mem:1024'), { used: [{ frameworkId: 'free', resources: r('cpus:1') }] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['free/f@agent-1: cpus:4', 'limited/l@agent-1: cpus:3;mem:1024']);
      allocator.addAgent('agent-2', r('cpus:8;mem:1024'));
      allocator.removeFramework('free');
      // `limited` already holds its 3 cpus: only memory is left for it anywhere.
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['limited/l@agent-2: mem:1024']);
    });

    it('applies a top-level limit to subroles and counts reservations as consumption', () => {
      const allocator = core();
      allocator.addFramework('sub', { roles: ['l/sub'] });
      allocator.setQuota('l', { limit: { cpus: 3 } });
      allocator.addAgent('agent-1', r('cpus(l):2;cpus:8;mem:64'));
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['sub/l/sub@agent-1: cpus(l):2;cpus:1;mem:64']);
    });

    it('counts in the consumed metric what tasks use and reservations, not offers (Mesos\' quotaConsumed, transitionOfferedToAllocated)', () => {
      const allocator = core();
      allocator.setQuota('eng', { guarantee: { cpus: 2 } });
      allocator.addFramework('f', { roles: ['eng'] });
      allocator.addAgent('agent-1', r('cpus:4;mem:1024;cpus(eng):1'), { used: [{ frameworkId: 'f', resources: r('cpus:0.5;mem:64') }] });
      const consumed = (): Record<string, number> => Object.fromEntries(allocator.metricsView().quotas.get('eng')!.consumed);
      const [offer] = allocator.allocate(0);
      expect(consumed(), 'the reservation and what tasks brought; the offer is not counted').to.deep.equal({ cpus: 1.5, mem: 64 });
      allocator.transitionOfferedToAllocated('f', 'agent-1', r('cpus:1;mem:128'));
      expect(consumed()).to.deep.equal({ cpus: 2.5, mem: 192 });
      allocator.checkInvariants();
      allocator.recoverResources('f', 'agent-1', offer.resources.subtract(r('cpus:1;mem:128')), { refuseSeconds: 0, nowMs: 0 });
      expect(consumed(), 'the rest of the offer declined').to.deep.equal({ cpus: 2.5, mem: 192 });
      allocator.recoverResources('f', 'agent-1', r('cpus:1;mem:128'), undefined, undefined, true);
      expect(consumed(), 'the task ended').to.deep.equal({ cpus: 1.5, mem: 64 });
      expect(() => allocator.transitionOfferedToAllocated('f', 'agent-1', r('cpus:0.5'))).to.throw(AllocatorError, /not all offered/);
      allocator.checkInvariants();
      allocator.removeFramework('f');
      expect(consumed()).to.deep.equal({ cpus: 1 });
      allocator.checkInvariants();
    });

    it('rejects invalid quota', () => {
      const allocator = core();
      expect(() => allocator.setQuota('*', { guarantee: { cpus: 1 } })).to.throw(AllocatorError, "role '*'");
      expect(() => allocator.setQuota('a/b', { guarantee: { cpus: 1 } })).to.throw(AllocatorError, 'top-level roles only');
      expect(() => allocator.setQuota('a', { guarantee: { cpus: -1 } })).to.throw(AllocatorError, 'negative');
      expect(() => allocator.setQuota('a', { guarantee: { cpus: 5 }, limit: { cpus: 4 } })).to.throw(AllocatorError, 'exceeds its limit');
    });
  });

  describe('decline filters', () => {
    it('expire after refuseSeconds as now advances', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addFramework('f', { roles: ['r'] });
      declineAll(allocator, allocator.allocate(0), 0, 5);
      expect(allocator.allocate(4_999)).to.deep.equal([]);
      expect(allocator.allocate(5_000)).to.have.length(1);
    });

    it('keep what was left of them when the clock is set back, not the step on top (audit of clock set-back hazards)', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addFramework('f', { roles: ['r'] });
      const hourMs = 3_600_000;
      declineAll(allocator, allocator.allocate(hourMs), hourMs, 5);
      expect(allocator.allocate(hourMs + 2_000)).to.deep.equal([]);
      // The clock now reads an hour less: 3 s were left at the last reading, and they still are.
      expect(allocator.allocate(2_000)).to.deep.equal([]);
      expect(allocator.allocate(4_999)).to.deep.equal([]);
      expect(allocator.allocate(5_000)).to.have.length(1);
    });

    it('default to 5 s, last at least one allocation interval, and 0 means none', () => {
      const allocator = core({ allocationIntervalMs: 1_000 });
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addFramework('f', { roles: ['r'] });
      let [offer] = allocator.allocate(0);
      allocator.recoverResources('f', 'agent-1', offer.resources, { nowMs: 0 });
      expect(allocator.allocate(4_999)).to.deep.equal([]);
      [offer] = allocator.allocate(5_000);
      allocator.recoverResources('f', 'agent-1', offer.resources, { refuseSeconds: 0.1, nowMs: 5_000 });
      expect(allocator.allocate(5_500)).to.deep.equal([]);
      [offer] = allocator.allocate(6_000);
      allocator.recoverResources('f', 'agent-1', offer.resources, { refuseSeconds: 0, nowMs: 6_000 });
      expect(allocator.allocate(6_000)).to.have.length(1);
    });

    it('do not apply when more resources than refused become available', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addFramework('g', { roles: ['r'] });
      const offers = allocator.allocate(0);
      expect(offers).to.have.length(1);
      const [taken] = offers;
      const other = taken.frameworkId === 'f' ? 'g' : 'f';
      const half = r('cpus:1;mem:256');
      allocator.recoverResources(taken.frameworkId, 'agent-1', half, { refuseSeconds: 60, nowMs: 0 });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal([`${other}/r@agent-1: cpus:1;mem:256`]);
      declineAll(allocator, allocator.holdings(other).map((holding) => ({ ...holding, frameworkId: other })), 0, 60);
      // Both refused half the agent; now the whole agent is free again, more than either refused.
      allocator.recoverResources(taken.frameworkId, 'agent-1', half, undefined);
      expect(allocator.allocate(1_000)).to.have.length(1);
    });

    it('are cleared by revive and by deactivation, and dropped by expireFilters', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addFramework('f', { roles: ['r'] });
      declineAll(allocator, allocator.allocate(0), 0, 60);
      expect(allocator.filterCount()).to.equal(1);
      allocator.revive('f');
      expect(allocator.filterCount()).to.equal(0);
      declineAll(allocator, allocator.allocate(0), 0, 60);
      allocator.deactivateFramework('f');
      allocator.activateFramework('f');
      expect(allocator.filterCount()).to.equal(0);
      declineAll(allocator, allocator.allocate(0), 0, 60);
      expect(allocator.expireFilters(59_999)).to.equal(0);
      expect(allocator.expireFilters(60_000)).to.equal(1);
    });
  });

  describe('suppress and revive', () => {
    it('stops and restarts offers per role', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512;cpus(b):1'));
      allocator.addFramework('f', { roles: ['a', 'b'] });
      allocator.suppress('f', ['a']);
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/b@agent-1: cpus:2;mem:512;cpus(b):1']);
      allocator.recoverResources('f', 'agent-1', r('cpus:2;mem:512'), undefined, 'b');
      allocator.suppress('f');
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.revive('f', ['a']);
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/a@agent-1: cpus:2;mem:512']);
    });

    it('can start suppressed', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addFramework('f', { roles: ['a'], suppressedRoles: ['a'] });
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.revive('f');
      expect(allocator.allocate(0)).to.have.length(1);
    });
  });

  describe('updateFramework (roles, capabilities and suppressed roles change)', () => {
    it('offers a role it joins, stops offering one it leaves, and keeps counting what it still holds there until it comes back', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addAgent('agent-2', r('cpus(b):1;mem(b):256'));
      allocator.addFramework('f', { roles: ['a'] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/a@agent-1: cpus:2;mem:512']);
      allocator.updateFramework('f', { roles: ['b'] });
      // Joined b: b's reservation is offered. Left a: what it holds there stays allocated to a.
      expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['f/b@agent-2: cpus(b):1;mem(b):256']);
      expect(allocator.holdings('f').map((holding) => `${holding.role}@${holding.agentId}`).sort()).to.deep.equal(['a@agent-1', 'b@agent-2']);
      expect(allocator.roleShare('a')).to.be.greaterThan(0);
      expect(allocator.frameworkOrder('a'), 'inactive in a role it left').to.deep.equal([]);
      allocator.checkInvariants();
      // Its last resources in a come back: a is forgotten, and agent-1 is offered in b only (not a reservation of b: unreserved).
      allocator.recoverResources('f', 'agent-1', r('cpus:2;mem:512'), undefined, 'a');
      expect(allocator.roleOrder()).to.deep.equal(['b']);
      expect(describeOffers(allocator.allocate(2_000))).to.deep.equal(['f/b@agent-1: cpus:2;mem:512']);
      allocator.checkInvariants();
    });

    it('joins back a role it left while it still held something there, and is offered there again', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:1;mem:256'));
      allocator.addAgent('agent-2', r('cpus:1;mem:256'));
      allocator.addFramework('f', { roles: ['a'] });
      allocator.allocate(0);
      allocator.updateFramework('f', { roles: ['c'] });
      allocator.recoverResources('f', 'agent-2', r('cpus:1;mem:256'), undefined, 'a');
      allocator.updateFramework('f', { roles: ['a', 'c'] });
      allocator.checkInvariants();
      expect(allocator.frameworkOrder('a')).to.deep.equal(['f']);
      expect(describeOffers(allocator.allocate(1_000))).to.have.length(1);
      allocator.checkInvariants();
    });

    it('replaces its suppressed roles; a role no longer suppressed has its filters cleared, as a revive does', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:1;mem:256'));
      allocator.addFramework('f', { roles: ['a', 'b'], suppressedRoles: ['b'] });
      declineAll(allocator, allocator.allocate(0), 0, 3_600);
      expect(allocator.allocate(1_000)).to.deep.equal([]);
      allocator.updateFramework('f', { roles: ['a', 'b'], suppressedRoles: ['a'] });
      // a is suppressed now (its filter stands); b was unsuppressed, with no filter to clear.
      const offeredInB = allocator.allocate(2_000);
      expect(describeOffers(offeredInB)).to.deep.equal(['f/b@agent-1: cpus:1;mem:256']);
      declineAll(allocator, offeredInB, 3_000, 3_600);
      allocator.updateFramework('f', { roles: ['a', 'b'] });
      // a unsuppressed: its hour-long filter went with the suppression; b's stands.
      expect(describeOffers(allocator.allocate(4_000))).to.deep.equal(['f/a@agent-1: cpus:1;mem:256']);
    });

    it('changes its capabilities: a GPU agent is offered once it says GPU_RESOURCES', () => {
      const allocator = core();
      allocator.addAgent('gpu-agent', r('cpus:1;mem:256;gpus:1'));
      allocator.addFramework('f', { roles: ['a'] });
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.updateFramework('f', { roles: ['a'], capabilities: ['GPU_RESOURCES'] });
      expect(allocator.allocate(1_000)).to.have.length(1);
    });

    it('tracks resources an agent brings in a role the framework has left (its tasks there), inactive, until they come back', () => {
      const allocator = core();
      allocator.addFramework('f', { roles: ['b'] });
      allocator.addAgent('agent-1', r('cpus:2;mem:512'), { used: [{ frameworkId: 'f', role: 'a', resources: r('cpus:1;mem:128') }] });
      allocator.checkInvariants();
      expect(allocator.roleShare('a')).to.be.greaterThan(0);
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/b@agent-1: cpus:1;mem:384']);
      allocator.recoverResources('f', 'agent-1', r('cpus:1;mem:128'), undefined, 'a');
      expect(allocator.roleOrder()).to.deep.equal(['b']);
      allocator.checkInvariants();
    });

    it('refuses, changing nothing: an unknown framework, a bad role, a suppressed role it does not take', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:1;mem:256'));
      allocator.addFramework('f', { roles: ['a'] });
      allocator.allocate(0);
      const before = JSON.stringify([allocator.holdings('f').map((holding) => holding.role), allocator.roleOrder(), allocator.frameworkOrder('a')]);
      expect(() => allocator.updateFramework('nobody', { roles: ['a'] })).to.throw(AllocatorError, "unknown framework 'nobody'");
      expect(() => allocator.updateFramework('f', { roles: ['b', 'bad role'] })).to.throw(AllocatorError, "invalid role 'bad role'");
      expect(() => allocator.updateFramework('f', { roles: ['b'], suppressedRoles: ['a'] })).to.throw(AllocatorError, "is not subscribed to role 'a'");
      expect(JSON.stringify([allocator.holdings('f').map((holding) => holding.role), allocator.roleOrder(), allocator.frameworkOrder('a')])).to.equal(before);
      allocator.checkInvariants();
    });

    it('a framework may have no role at all (a MULTI_ROLE framework in Mesos): it is offered nothing, and what it held is tracked until it comes back', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:1;mem:256'));
      allocator.addFramework('none', { roles: [] });
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.updateFramework('none', { roles: ['a'] });
      expect(allocator.allocate(1_000)).to.have.length(1);
      allocator.updateFramework('none', { roles: [] });
      allocator.checkInvariants();
      expect(allocator.roleOrder()).to.deep.equal(['a']);
      allocator.recoverResources('none', 'agent-1', r('cpus:1;mem:256'), undefined, 'a');
      expect(allocator.roleOrder()).to.deep.equal([]);
      expect(allocator.allocate(2_000)).to.deep.equal([]);
      allocator.checkInvariants();
    });

    it('a framework removed while it still holds resources in a role it left leaves nothing behind', () => {
      const allocator = core();
      allocator.addAgent('agent-1', r('cpus:1;mem:256'));
      allocator.addFramework('f', { roles: ['a'] });
      allocator.allocate(0);
      allocator.updateFramework('f', { roles: ['b'] });
      allocator.removeFramework('f');
      expect(allocator.roleOrder()).to.deep.equal([]);
      expect(allocator.agent('agent-1')!.allocated.isEmpty()).to.equal(true);
      allocator.checkInvariants();
    });
  });

  describe('minimum allocatable resources', () => {
    it('skips offers below cpus:0.01 and mem:32', () => {
      const allocator = core();
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addAgent('tiny', r('cpus:0.009;mem:31;disk:100'));
      expect(allocator.allocate(0)).to.deep.equal([]);
      allocator.addAgent('cpu-only', r('cpus:0.01'));
      allocator.addAgent('mem-only', r('mem:32'));
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/r@cpu-only: cpus:0.01', 'f/r@mem-only: mem:32']);
    });

    it('can be configured', () => {
      const allocator = core({ minAllocatable: [{ cpus: 1, mem: 1024 }] });
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addAgent('small', r('cpus:4;mem:512'));
      allocator.addAgent('big', r('cpus:1;mem:1024'));
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/r@big: cpus:1;mem:1024']);
    });

    it('counts ranges and sets by their number of items, as Mesos does (`cpus:1;ports:2` needs two ports)', () => {
      const allocator = core({ minAllocatable: [{ cpus: 1, ports: 2 }] });
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addAgent('one-port', r('cpus:4;mem:512;ports:[31000-31000]'));
      allocator.addAgent('ports', r('cpus:4;mem:512;ports:[31000-31000,32000-32000]'));
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['f/r@ports: cpus:4;mem:512;ports:[31000-31000,32000-32000]']);
      // A framework's own minimum by role counts the same way: two disks of a set.
      allocator.addFramework('g', { roles: ['s'], minAllocatable: { s: [{ disks: 2 }] } });
      allocator.addAgent('one-disk', r('cpus:1;disks:{a}'));
      allocator.addAgent('two-disks', r('cpus:1;disks:{a,b}'));
      expect(describeOffers(allocator.allocate(0)).filter((offer) => offer.startsWith('g/'))).to.deep.equal(['g/s@two-disks: cpus:1;disks:{a,b}']);
    });

    it('a framework\'s own minimums by role (Mesos\' offer_filters) replace the allocator\'s for it in that role only; an update replaces them', () => {
      const allocator = core();
      allocator.addAgent('small', r('cpus:2;mem:512'));
      allocator.addAgent('big', r('cpus:8;mem:512'));
      // Each framework alone in its role, so that both agents are open to each.
      allocator.addFramework('picky', { roles: ['r', 's'], minAllocatable: { r: [{ cpus: 4 }, { gpus: 1 }] } });
      let offers = describeOffers(allocator.allocate(0));
      expect(offers.filter((offer) => offer.includes('/r@')), 'in r, only where 4 cpus are').to.deep.equal(['picky/r@big: cpus:8;mem:512']);
      expect(offers.filter((offer) => offer.includes('/s@')), 'in s, the allocator\'s minimums').to.deep.equal(['picky/s@small: cpus:2;mem:512']);
      for (const offer of allocator.allocate(0)) expect.fail(`offered again: ${offer.agentId}`);
      allocator.removeFramework('picky');
      // No alternative at all: any resources, even below the allocator's own minimums (cpus 0.01 | mem 32).
      allocator.addAgent('crumb', r('disk:10'));
      allocator.addFramework('any', { roles: ['r'], minAllocatable: { r: [] } });
      offers = describeOffers(allocator.allocate(0));
      expect(offers).to.include('any/r@crumb: disk:10');
      allocator.removeFramework('any');
      allocator.addFramework('later', { roles: ['r'] });
      allocator.updateFramework('later', { roles: ['r'], minAllocatable: { r: [{ mem: 1024 }] } });
      expect(allocator.allocate(0), 'no agent has 1024 mem').to.deep.equal([]);
      allocator.updateFramework('later', { roles: ['r'] });
      const back = allocator.allocate(0);
      expect(describeOffers(back)).to.deep.equal(['later/r@big: cpus:8;mem:512', 'later/r@small: cpus:2;mem:512']);
      declineAll(allocator, back, 0, 0);
      expect(() => allocator.updateFramework('later', { roles: ['x'], minAllocatable: { r: [{ cpus: -1 }] } })).to.throw(AllocatorError, /minimum allocatable 'cpus' in role 'r'/);
      expect(describeOffers(allocator.allocate(0)), 'a refused update changes nothing').to.deep.equal(['later/r@big: cpus:8;mem:512', 'later/r@small: cpus:2;mem:512']);
    });
  });

  describe('weights', () => {
    it('favour the heavier role', () => {
      const allocator = core();
      allocator.addFramework('fa', { roles: ['a'] });
      allocator.addFramework('fb', { roles: ['b'] });
      allocator.addAgent('agent-0', r('cpus:10;mem:200'), {
        used: [
          { frameworkId: 'fa', resources: r('cpus:6;mem:100') },
          { frameworkId: 'fb', resources: r('cpus:4;mem:100') },
        ],
      });
      allocator.addAgent('agent-1', r('cpus:1;mem:100'));
      expect(allocator.roleOrder()).to.deep.equal(['b', 'a']); // 4/11 < 6/11
      allocator.updateWeights(new Map([['a', 2]]));
      expect(allocator.roleOrder()).to.deep.equal(['a', 'b']); // 6/11/2 < 4/11
      expect(allocator.roleShare('a')).to.equal(6 / 11 / 2);
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['fa/a@agent-1: cpus:1;mem:100']);
    });

    it('leave out resource names excluded from fair sharing (Mesos: DRFWithFairnessExclusion)', () => {
      const allocator = core({ fairSharingExcludedResourceNames: ['gpus'] });
      allocator.addAgent('gpu-agent', r('cpus:2;mem:1024;gpus:1'));
      allocator.addFramework('gpu-user', { roles: ['role1'], capabilities: ['GPU_RESOURCES'] });
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['gpu-user/role1@gpu-agent: cpus:2;mem:1024;gpus:1']);
      allocator.addFramework('other', { roles: ['role2'] });
      allocator.addAgent('agent-2', r('cpus:3;mem:2048'));
      expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['other/role2@agent-2: cpus:3;mem:2048']);
      allocator.addAgent('agent-3', r('cpus:1;mem:512'));
      // role1 holds all the GPUs, but its share is its 2 of 6 cpus; role2's is its 3 of 6.
      expect(allocator.roleShare('role1')).to.equal(2 / 6);
      expect(allocator.roleOrder()).to.deep.equal(['role1', 'role2']);
      expect(describeOffers(allocator.allocate(2_000))).to.deep.equal(['gpu-user/role1@agent-3: cpus:1;mem:512']);
      expect(allocator.metricsView().totals.get('gpus'), 'the total itself is kept').to.equal(1);
      expect(() => core({ fairSharingExcludedResourceNames: [''] })).to.throw(AllocatorError, /must not be empty/);
    });

    it('are validated before any is applied', () => {
      const allocator = core();
      allocator.addFramework('fa', { roles: ['a'] });
      expect(() => allocator.updateWeights(new Map([['a', 3], ['b', -1]]))).to.throw(AllocatorError, 'positive');
      expect(() => allocator.updateWeights(new Map([['a//b', 1]]))).to.throw(AllocatorError, 'invalid role');
      allocator.addFramework('fb', { roles: ['b'] });
      expect(allocator.roleShare('a')).to.equal(0);
    });
  });

  describe('hierarchical roles', () => {
    it('sorts subroles inside their parent', () => {
      const allocator = core();
      allocator.addFramework('web', { roles: ['eng/web'] });
      allocator.addFramework('db', { roles: ['eng/db'] });
      allocator.addFramework('ops', { roles: ['ops'] });
      allocator.addAgent('agent-0', r('cpus:100;mem:100'), {
        used: [
          { frameworkId: 'web', resources: r('cpus:30') },
          { frameworkId: 'db', resources: r('cpus:5') },
          { frameworkId: 'ops', resources: r('cpus:20') },
        ],
      });
      expect(allocator.roleOrder()).to.deep.equal(['ops', 'eng/db', 'eng/web']);
    });

    it('a weighted role\'s own frameworks meet its subroles\' at weight 1, as in Mesos (Mesos: NestedRoleDRF, weights on internal nodes)', () => {
      const allocator = core();
      allocator.addFramework('own', { roles: ['eng'] });
      allocator.addFramework('web', { roles: ['eng/web'] });
      allocator.addAgent('agent-0', r('cpus:3.5;mem:200'), {
        used: [
          { frameworkId: 'own', resources: r('cpus:2;mem:100') },
          { frameworkId: 'web', resources: r('cpus:1.5;mem:100') },
        ],
      });
      allocator.updateWeights(new Map([['eng', 2]]));
      allocator.addAgent('agent-1', r('cpus:1;mem:100'));
      // Shares of 4.5 cpus: eng's own 2/4.5, eng/web's 1.5/4.5. The weight of eng does not halve its own.
      expect(allocator.roleOrder()).to.deep.equal(['eng/web', 'eng']);
      expect(describeOffers(allocator.allocate(0))).to.deep.equal(['web/eng/web@agent-1: cpus:1;mem:100']);
      expect(allocator.roleShare('eng')).to.equal(2 / 4.5 / 2);
    });
  });

  describe('agents and frameworks coming and going', () => {
    it('releases everything of a removed framework or agent', () => {
      const allocator = core();
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addAgent('agent-2', r('cpus:2;mem:512'));
      expect(allocator.allocate(0)).to.have.length(2);
      allocator.removeFramework('f');
      expect(allocator.agent('agent-1')!.available.format()).to.equal('cpus:2;mem:512');
      allocator.addFramework('g', { roles: ['r'] });
      declineAll(allocator, allocator.allocate(0), 0, 60);
      allocator.allocate(0);
      expect(allocator.filterCount()).to.equal(2);
      allocator.removeAgent('agent-1');
      expect(allocator.filterCount()).to.equal(1);
      expect(allocator.holdings('g')).to.deep.equal([]);
      allocator.checkInvariants();
    });

    it('updates an agent only if the new total holds what is allocated', () => {
      const allocator = core();
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addAgent('agent-1', r('cpus:2;mem:512'), { used: [{ frameworkId: 'f', resources: r('cpus:1;mem:256') }] });
      expect(() => allocator.updateAgent('agent-1', r('cpus:0.5;mem:512'))).to.throw(AllocatorError, 'does not contain allocated');
      allocator.updateAgent('agent-1', r('cpus:4;mem:512'));
      expect(allocator.agent('agent-1')!.available.format()).to.equal('cpus:3;mem:256');
      allocator.checkInvariants();
    });

    it('keeps decline filters on an agent whose total changes, and drops them when its attributes change (Mesos\' updateSlave)', () => {
      const allocator = core();
      allocator.addFramework('f', { roles: ['r'] });
      allocator.addAgent('agent-1', r('cpus:4;mem:1024'), { attributes: { rack: 'r1' } });
      declineAll(allocator, allocator.allocate(0), 0, 60);
      // Shrunk: what it has now is within what was declined, so the filter still holds.
      allocator.updateAgent('agent-1', r('cpus:3;mem:1024'), { attributes: { rack: 'r1' } });
      expect(allocator.allocate(1_000)).to.deep.equal([]);
      expect(allocator.filterCount()).to.equal(1);
      // New attributes: the framework may want it now.
      allocator.updateAgent('agent-1', r('cpus:3;mem:1024'), { attributes: { rack: 'r2' } });
      expect(allocator.agent('agent-1')!.attributes).to.deep.equal({ rack: 'r2' });
      expect(describeOffers(allocator.allocate(2_000))).to.deep.equal(['f/r@agent-1: cpus:3;mem:1024']);
      allocator.checkInvariants();
    });
  });

  describe('bad input', () => {
    function populated(): { allocator: HierarchicalAllocatorCore; offers: Allocation[] } {
      const allocator = core();
      allocator.addFramework('f', { roles: ['a', 'b'] });
      allocator.addFramework('g', { roles: ['a'] });
      allocator.addAgent('agent-1', r('cpus:2;mem:512'));
      allocator.addAgent('agent-2', r('cpus:2;mem:512;cpus(b):1'));
      return { allocator, offers: allocator.allocate(0) };
    }

    function snapshot(allocator: HierarchicalAllocatorCore): string {
      const agents = ['agent-1', 'agent-2'].map((id) => allocator.agent(id)?.available.format());
      const holdings = ['f', 'g'].map((id) => describeOffers(allocator.holdings(id).map((holding) => ({ ...holding, frameworkId: id }))));
      return JSON.stringify({ agents, holdings, filters: allocator.filterCount() });
    }

    const cases: Array<[string, (allocator: HierarchicalAllocatorCore, offers: Allocation[]) => void, string]> = [
      ['an unknown framework', (allocator) => allocator.recoverResources('nope', 'agent-1', r('cpus:1')), "unknown framework 'nope'"],
      ['an unknown agent', (allocator) => allocator.recoverResources('f', 'nope', r('cpus:1')), "unknown agent 'nope'"],
      ['an over-recovery', (allocator, offers) => allocator.recoverResources(offers[0].frameworkId, offers[0].agentId, offers[0].resources.add(r('cpus:1')), undefined, offers[0].role), 'cannot recover'],
      ['a recovery from the wrong role', (allocator) => allocator.recoverResources('g', 'agent-1', r('cpus:1'), undefined, 'b'), 'cannot recover'],
      ['a negative refuseSeconds', (allocator, offers) => allocator.recoverResources(offers[0].frameworkId, offers[0].agentId, offers[0].resources, { refuseSeconds: -1, nowMs: 0 }, offers[0].role), 'non-negative'],
      ['a NaN time', (allocator) => allocator.allocate(Number.NaN), 'finite'],
      ['a duplicate agent', (allocator) => allocator.addAgent('agent-1', r('cpus:1')), 'duplicate'],
      ['used resources beyond the total', (allocator) => allocator.addAgent('agent-3', r('cpus:1'), { used: [{ frameworkId: 'g', resources: r('cpus:2') }] }), 'exceeds total'],
      ['used resources of a multi-role framework without a role', (allocator) => allocator.addAgent('agent-3', r('cpus:1'), { used: [{ frameworkId: 'f', resources: r('cpus:1') }] }), 'several roles'],
      ['a duplicate framework', (allocator) => allocator.addFramework('g', { roles: ['a'] }), 'duplicate'],
      ['a framework with an invalid role', (allocator) => allocator.addFramework('h', { roles: ['a b'] }), 'invalid role'],
      ['suppressing an unsubscribed role', (allocator) => allocator.suppress('g', ['b']), "not subscribed to role 'b'"],
      ['reviving an unknown framework', (allocator) => allocator.revive('nope'), 'unknown framework'],
      ['removing an unknown agent', (allocator) => allocator.removeAgent('nope'), 'unknown agent'],
      ['updating an unknown agent', (allocator) => allocator.updateAgent('nope', r('cpus:1')), 'unknown agent'],
    ];

    it('rejects a recovery without a role from a framework holding in several roles on the agent, and leaves the books untouched', () => {
      const { allocator } = populated();
      allocator.addAgent('agent-3', r('cpus:2'), { used: [{ frameworkId: 'f', role: 'a', resources: r('cpus:1') }, { frameworkId: 'f', role: 'b', resources: r('cpus:1') }] });
      const before = snapshot(allocator);
      const held = allocator.holdings('f').filter((holding) => holding.agentId === 'agent-3').map((holding) => holding.role).sort();
      expect(held).to.deep.equal(['a', 'b']);
      expect(() => allocator.recoverResources('f', 'agent-3', r('cpus:1'))).to.throw(AllocatorError, 'several roles');
      expect(snapshot(allocator)).to.equal(before);
      allocator.recoverResources('f', 'agent-3', r('cpus:1'), undefined, 'b');
      expect(allocator.holdings('f').filter((holding) => holding.agentId === 'agent-3').map((holding) => holding.role)).to.deep.equal(['a']);
      allocator.checkInvariants();
    });

    for (const [label, action, message] of cases) {
      it(`rejects ${label} and leaves the books untouched`, () => {
        const { allocator, offers } = populated();
        const before = snapshot(allocator);
        expect(() => action(allocator, offers)).to.throw(AllocatorError, message);
        expect(snapshot(allocator)).to.equal(before);
        allocator.checkInvariants();
      });
    }
  });
});
