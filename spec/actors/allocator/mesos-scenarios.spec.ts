/**
 * Scenarios of Mesos' hierarchical allocator tests (src/tests/hierarchical_allocator_tests.cpp),
 * set up again on our core, each under the name of the Mesos test whose expected outcome it
 * checks: where ours and Mesos' allocator agree, and stay so.
 */
import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import { HierarchicalAllocatorCore, createSeededRandom, type Allocation } from '../../../actors/allocator';

const r = (text: string): Resources => Resources.parse(text);

function core(): HierarchicalAllocatorCore {
  return new HierarchicalAllocatorCore({ random: createSeededRandom(3) });
}

/** Offers as readable strings, sorted: `framework/role@agent: resources`, the resources' entries in name order (the order they were put together in is no outcome). */
function describeOffers(offers: readonly Allocation[]): string[] {
  return offers.map((offer) => `${offer.frameworkId}/${offer.role}@${offer.agentId}: ${offer.resources.format().split(';').sort().join(';')}`).sort();
}

/** A quota whose guarantee is also its limit (Mesos' tests' `createQuota`). */
function guaranteeAndLimit(record: Readonly<Record<string, number>>): { guarantee: Record<string, number>; limit: Record<string, number> } {
  return { guarantee: { ...record }, limit: { ...record } };
}

describe('actors/allocator: scenarios of Mesos\' hierarchical allocator tests', () => {
  it('QuotaAbsentFrameworkWholeAgent: a quota role without frameworks still has its guarantee set aside', () => {
    const allocator = core();
    allocator.setQuota('quota-role', guaranteeAndLimit({ cpus: 2, mem: 1024 }));
    allocator.addFramework('framework', { roles: ['no-quota-role'] });
    allocator.addAgent('agent-1', r('cpus:2;mem:1024'));
    expect(allocator.allocate(0), 'the only agent is the guarantee\'s headroom').to.deep.equal([]);
    allocator.addAgent('agent-2', r('cpus:2;mem:1024'));
    const offers = allocator.allocate(1_000);
    expect(offers).to.have.length(1);
    expect(offers[0]).to.include({ frameworkId: 'framework', role: 'no-quota-role' });
    expect(offers[0].resources.format()).to.equal('cpus:2;mem:1024');
  });

  it('DisproportionateQuotaVsAllocation: once a guarantee of one resource is met, only the rest of it comes', () => {
    const allocator = core();
    allocator.setQuota('quota-role', guaranteeAndLimit({ cpus: 4, mem: 1024 }));
    allocator.addFramework('framework', { roles: ['quota-role'] });
    allocator.addAgent('agent-1', r('cpus:2;mem:1024'));
    expect(describeOffers(allocator.allocate(0))).to.deep.equal(['framework/quota-role@agent-1: cpus:2;mem:1024']);
    allocator.addAgent('agent-2', r('cpus:2;mem:1024'));
    expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['framework/quota-role@agent-2: cpus:2']);
  });

  it('QuotaRoleAllocateNonQuotaResource: a quota role gets what it has no guarantee for, within the others\' headroom', () => {
    const allocator = core();
    allocator.setQuota('quota-role-1', guaranteeAndLimit({ cpus: 2 }));
    allocator.addAgent('agent-1', r('cpus:1;mem:1024;ports:[31000-32000]'));
    allocator.addFramework('framework', { roles: ['quota-role-1'] });
    expect(describeOffers(allocator.allocate(0))).to.deep.equal(['framework/quota-role-1@agent-1: cpus:1;mem:1024;ports:[31000-32000]']);
    // A role without frameworks is guaranteed the memory: it is held back.
    allocator.setQuota('quota-role-2', guaranteeAndLimit({ mem: 1024 }));
    allocator.addAgent('agent-2', r('cpus:1;mem:1024;ports:[31000-32000]'));
    expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['framework/quota-role-1@agent-2: cpus:1;ports:[31000-32000]']);
    // cpus are at quota-role-1's limit; memory beyond the headroom comes.
    allocator.addAgent('agent-3', r('cpus:1;mem:1024;ports:[31000-32000]'));
    expect(describeOffers(allocator.allocate(2_000))).to.deep.equal(['framework/quota-role-1@agent-3: mem:1024;ports:[31000-32000]']);
  });

  it('QuotaSetAsideReservedResources: another role\'s reservations are no headroom for a guarantee', () => {
    const allocator = core();
    allocator.addAgent('agent-1', r('cpus:4;mem:512'));
    allocator.addAgent('agent-2', r('cpus(no-quota-role):4;mem(no-quota-role):512'));
    allocator.addFramework('framework-1', { roles: ['quota-role'] });
    allocator.setQuota('quota-role', guaranteeAndLimit({ cpus: 4, mem: 512 }));
    const [offer] = allocator.allocate(0);
    expect(describeOffers([offer])).to.deep.equal(['framework-1/quota-role@agent-1: cpus:4;mem:512']);
    allocator.recoverResources('framework-1', 'agent-1', offer.resources, { refuseSeconds: 10, nowMs: 0 });
    expect(allocator.allocate(1_000)).to.deep.equal([]);
    allocator.addFramework('framework-2', { roles: ['no-quota-role'] });
    const offers = allocator.allocate(2_000);
    expect(describeOffers(offers), 'its reservation, but not agent-1: that is the guarantee\'s').to.deep.equal(['framework-2/no-quota-role@agent-2: cpus(no-quota-role):4;mem(no-quota-role):512']);
    allocator.recoverResources('framework-2', 'agent-2', offers[0].resources, { refuseSeconds: 10, nowMs: 2_000 });
    expect(allocator.allocate(3_000)).to.deep.equal([]);
  });

  it('OfferAncestorReservationsToDescendantChild: reservations of a role\'s ancestors are offered to it', () => {
    const allocator = core();
    allocator.addFramework('framework', { roles: ['a/b/c'] });
    allocator.addAgent('agent-1', r('cpus(a):1;mem(a):512'));
    expect(describeOffers(allocator.allocate(0))).to.deep.equal(['framework/a/b/c@agent-1: cpus(a):1;mem(a):512']);
    allocator.addAgent('agent-2', r('cpus:2;mem:1024;cpus(a/b):4;mem(a/b):2048'));
    expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['framework/a/b/c@agent-2: cpus(a/b):4;cpus:2;mem(a/b):2048;mem:1024']);
  });

  it('QuotaWithAncestorReservations: an ancestor\'s reservation allocated to a subrole is no headroom for another role\'s guarantee', () => {
    const allocator = core();
    allocator.setQuota('quota-role', guaranteeAndLimit({ cpus: 1, mem: 1024 }));
    allocator.addAgent('agent-1', r('cpus(a):1;mem(a):1024'));
    allocator.addFramework('framework-1', { roles: ['a/b'] });
    expect(describeOffers(allocator.allocate(0))).to.deep.equal(['framework-1/a/b@agent-1: cpus(a):1;mem(a):1024']);
    allocator.addFramework('framework-2', { roles: ['no-quota-role'] });
    expect(allocator.allocate(1_000)).to.deep.equal([]);
    allocator.addAgent('agent-2', r('cpus:1;mem:1024'));
    allocator.addAgent('agent-3', r('cpus:1;mem:1024'));
    const offers = allocator.allocate(2_000);
    expect(offers.map((offer) => `${offer.frameworkId}/${offer.role}: ${offer.resources.format()}`), 'one agent; the other is the guarantee\'s').to.deep.equal(['framework-2/no-quota-role: cpus:1;mem:1024']);
  });

  it('DRFWithQuota: a role at its quota limit is passed over for unreserved resources, whatever its share', () => {
    const allocator = core();
    allocator.setQuota('quota-role', guaranteeAndLimit({ cpus: 0.25, mem: 128 }));
    allocator.addFramework('framework-1', { roles: ['quota-role'] });
    allocator.addFramework('framework-2', { roles: ['no-quota-role'] });
    allocator.addAgent('agent-1', r('cpus:1;mem:512'), { used: [{ frameworkId: 'framework-1', resources: r('cpus:0.25;mem:128') }] });
    expect(describeOffers(allocator.allocate(0))).to.deep.equal(['framework-2/no-quota-role@agent-1: cpus:0.75;mem:384']);
    const quota = allocator.metricsView().quotas.get('quota-role')!;
    expect(Object.fromEntries(quota.offeredOrAllocated)).to.deep.equal({ cpus: 0.25, mem: 128 });
    allocator.addAgent('agent-2', r('cpus:1;mem:512'));
    expect(allocator.roleOrder(), 'the quota role has the lower share').to.deep.equal(['quota-role', 'no-quota-role']);
    expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['framework-2/no-quota-role@agent-2: cpus:1;mem:512']);
  });

  it('SameShareFairness: two frameworks of equal share take turns with one agent', () => {
    const allocator = core();
    allocator.addFramework('framework-1', { roles: ['*'] });
    allocator.addFramework('framework-2', { roles: ['*'] });
    allocator.addAgent('agent', r('cpus:2;mem:1024'));
    const counts = new Map<string, number>();
    for (let round = 0; round < 10; round++) {
      const [offer] = allocator.allocate(round * 1_000);
      counts.set(offer.frameworkId, (counts.get(offer.frameworkId) ?? 0) + 1);
      allocator.recoverResources(offer.frameworkId, 'agent', offer.resources);
    }
    expect(Object.fromEntries(counts)).to.deep.equal({ 'framework-1': 5, 'framework-2': 5 });
  });

  it('ReservedDRF: reserved resources count in their role\'s share, and are shared fairly within it', () => {
    const allocator = core();
    allocator.addAgent('agent-1', r('cpus:1;mem:512;cpus(role1):100;mem(role1):1024'));
    allocator.addFramework('framework-1', { roles: ['role1'] });
    expect(describeOffers(allocator.allocate(0))).to.deep.equal(['framework-1/role1@agent-1: cpus(role1):100;cpus:1;mem(role1):1024;mem:512']);
    allocator.addFramework('framework-2', { roles: ['role2'] });
    allocator.addAgent('agent-2', r('cpus:2;mem:512'));
    expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['framework-2/role2@agent-2: cpus:2;mem:512']);
    allocator.addAgent('agent-3', r('cpus:2;mem:512'));
    expect(describeOffers(allocator.allocate(2_000))).to.deep.equal(['framework-2/role2@agent-3: cpus:2;mem:512']);
    allocator.addFramework('framework-3', { roles: ['role1'] });
    allocator.addAgent('agent-4', r('cpus(role1):2;mem(role1):1024'));
    expect(describeOffers(allocator.allocate(3_000))).to.deep.equal(['framework-3/role1@agent-4: cpus(role1):2;mem(role1):1024']);
  });

  it('UpdateWeight: weights 1:2 split six equal agents 2:4', () => {
    const allocator = core();
    for (let index = 0; index < 6; index++) allocator.addAgent(`agent-${index}`, r('cpus:2;mem:1024'));
    allocator.addFramework('framework-1', { roles: ['role1'] });
    allocator.addFramework('framework-2', { roles: ['role2'] });
    const agentsOf = (offers: readonly Allocation[], frameworkId: string): number => offers.filter((offer) => offer.frameworkId === frameworkId).length;
    const recoverAll = (offers: readonly Allocation[]): void => offers.forEach((offer) => allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources));
    let offers = allocator.allocate(0);
    expect([agentsOf(offers, 'framework-1'), agentsOf(offers, 'framework-2')]).to.deep.equal([3, 3]);
    recoverAll(offers);
    allocator.updateWeights(new Map([['role2', 2]]));
    offers = allocator.allocate(1_000);
    expect([agentsOf(offers, 'framework-1'), agentsOf(offers, 'framework-2')]).to.deep.equal([2, 4]);
  });

  it('RemoveFilters: an agent updated with new attributes is offered again to a framework that filtered it', () => {
    const allocator = core();
    allocator.addFramework('framework', { roles: ['role'] });
    allocator.addAgent('agent', r('cpus:1;mem:512'));
    const [offer] = allocator.allocate(0);
    allocator.recoverResources('framework', 'agent', offer.resources, { refuseSeconds: 2, nowMs: 0 });
    expect(allocator.allocate(1_000)).to.deep.equal([]);
    allocator.updateAgent('agent', r('cpus:1;mem:512'), { attributes: { foo: 'bar', baz: 'quux' } });
    expect(describeOffers(allocator.allocate(1_000))).to.deep.equal(['framework/role@agent: cpus:1;mem:512']);
  });

  it('SmallOfferFilterTimeout: a filter shorter than the allocation interval lasts one interval', () => {
    const allocator = new HierarchicalAllocatorCore({ random: createSeededRandom(3), allocationIntervalMs: 10_000 });
    allocator.addAgent('agent-1', r('cpus:1;mem:512'));
    allocator.addFramework('framework', { roles: ['role'] });
    const [offer] = allocator.allocate(0);
    allocator.recoverResources('framework', 'agent-1', offer.resources, { refuseSeconds: 1, nowMs: 0 });
    expect(allocator.allocate(5_000)).to.deep.equal([]);
    expect(describeOffers(allocator.allocate(10_000))).to.deep.equal(['framework/role@agent-1: cpus:1;mem:512']);
  });
});
