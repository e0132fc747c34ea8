import { expect } from 'chai';
import fc from 'fast-check';
import { Resources, isAllocatableTo, topLevelRole, type ScalarResource } from '../../../lib/resources';
import {
  AllocatorError,
  HierarchicalAllocatorCore,
  createSeededRandom,
  type Allocation,
} from '../../../actors/allocator';

/**
 * Safety properties of the allocator core over random operation sequences (valid and
 * invalid). After every operation the books must be consistent (`checkInvariants`), a
 * rejected operation must leave them exactly as they were, and every offer must respect
 * availability, reservations, activity, suppression, capabilities, minimum allocatable
 * resources, live decline filters and quota limits.
 */

const AGENTS = ['agent-0', 'agent-1', 'agent-2', 'agent-3', 'agent-4'];
const FRAMEWORKS = ['framework-0', 'framework-1', 'framework-2', 'framework-3'];
const ROLES = ['*', 'eng', 'eng/web', 'ops', 'bad role'];
const AGENT_TEMPLATES = [
  'cpus:4;mem:2048;ports:[31000-31010]',
  'cpus:2;mem:1024;cpus(eng):1;mem(eng):512',
  'cpus:1;mem:64;gpus:1',
  'cpus(ops):2;mem(ops):256;disk:100',
  'cpus:0.005;mem:16',
  'cpus(eng/web):1;mem:512;disks:{a,b}',
];
const MIN_FILTER_MS = 1_000;

type Operation =
  | { kind: 'addAgent'; agent: number; template: number; usedBy: number | undefined }
  | { kind: 'removeAgent' | 'activateAgent' | 'deactivateAgent'; agent: number }
  | { kind: 'updateAgent'; agent: number; template: number }
  | { kind: 'addFramework' | 'updateFramework'; framework: number; roles: number[]; gpu: boolean; suppressFirst: boolean }
  | { kind: 'removeFramework' | 'activateFramework' | 'deactivateFramework'; framework: number }
  | { kind: 'suppress' | 'revive'; framework: number; role: number | undefined }
  | { kind: 'recover'; framework: number; pick: number; part: 'all' | 'scalars' | 'half' | 'more'; refuseSeconds: number | undefined }
  | { kind: 'quota'; role: number; guarantee: number | undefined; limit: number | undefined }
  | { kind: 'weight'; role: number; weight: number }
  | { kind: 'allocate'; advanceMs: number };

const index = (size: number): fc.Arbitrary<number> => fc.nat(size - 1);

const agentOperation = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('addAgent' as const), agent: index(AGENTS.length), template: index(AGENT_TEMPLATES.length), usedBy: fc.option(index(FRAMEWORKS.length), { nil: undefined, freq: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('removeAgent' as const, 'activateAgent' as const, 'deactivateAgent' as const), agent: index(AGENTS.length) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('updateAgent' as const), agent: index(AGENTS.length), template: index(AGENT_TEMPLATES.length) }) },
);

const frameworkOperation = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('addFramework' as const, 'addFramework' as const, 'updateFramework' as const),
      framework: index(FRAMEWORKS.length),
      roles: fc.array(index(ROLES.length), { minLength: 0, maxLength: 2 }),
      gpu: fc.boolean(),
      suppressFirst: fc.constantFrom(false, false, false, true),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('removeFramework' as const, 'activateFramework' as const, 'deactivateFramework' as const), framework: index(FRAMEWORKS.length) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('suppress' as const, 'revive' as const), framework: index(FRAMEWORKS.length), role: fc.option(index(ROLES.length), { nil: undefined }) }) },
);

const otherOperation = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('recover' as const),
      framework: index(FRAMEWORKS.length),
      pick: fc.nat(10),
      part: fc.constantFrom('all' as const, 'all' as const, 'scalars' as const, 'half' as const, 'more' as const),
      refuseSeconds: fc.option(fc.constantFrom(0, 0.5, 5, 60, -1), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('quota' as const), role: index(ROLES.length), guarantee: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('weight' as const), role: index(ROLES.length), weight: fc.constantFrom(0.5, 1, 3, 0) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('allocate' as const), advanceMs: fc.constantFrom(0, 400, 1_000, 5_000, 60_000) }) },
);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 2, arbitrary: agentOperation },
  { weight: 2, arbitrary: frameworkOperation },
  { weight: 4, arbitrary: otherOperation },
);

interface ModelFilter {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly resources: Resources;
  readonly expiresAtMs: number;
}

/** What the test remembers to judge offers: activity, suppression, filters, limits. */
class Model {
  nowMs = 0;
  readonly frameworks = new Map<string, { roles: Set<string>; gpu: boolean; active: boolean; suppressed: Set<string> }>();
  readonly activeAgents = new Set<string>();
  filters: ModelFilter[] = [];
  readonly limits = new Map<string, number>();

  dropFilters(predicate: (filter: ModelFilter) => boolean): void {
    this.filters = this.filters.filter((filter) => !predicate(filter));
  }
}

function apply(core: HierarchicalAllocatorCore, model: Model, step: Operation): Allocation[] {
  switch (step.kind) {
    case 'addAgent': {
      const agentId = AGENTS[step.agent];
      const usedBy = step.usedBy === undefined ? undefined : FRAMEWORKS[step.usedBy];
      const used = usedBy === undefined ? [] : [{ frameworkId: usedBy, resources: Resources.parse('cpus:0.5') }];
      core.addAgent(agentId, Resources.parse(AGENT_TEMPLATES[step.template]), { used });
      model.activeAgents.add(agentId);
      return [];
    }
    case 'removeAgent':
    case 'updateAgent': {
      const agentId = AGENTS[step.agent];
      if (step.kind === 'updateAgent') {
        core.updateAgent(agentId, Resources.parse(AGENT_TEMPLATES[step.template]));
      } else {
        core.removeAgent(agentId);
        model.activeAgents.delete(agentId);
      }
      model.dropFilters((filter) => filter.agentId === agentId);
      return [];
    }
    case 'activateAgent':
    case 'deactivateAgent':
      core[step.kind](AGENTS[step.agent]);
      if (step.kind === 'activateAgent') {
        model.activeAgents.add(AGENTS[step.agent]);
      } else {
        model.activeAgents.delete(AGENTS[step.agent]);
      }
      return [];
    default:
      return applyFrameworkOperation(core, model, step);
  }
}

function applyFrameworkOperation(core: HierarchicalAllocatorCore, model: Model, step: Operation): Allocation[] {
  switch (step.kind) {
    case 'addFramework': {
      const roles = [...new Set(step.roles.map((role) => ROLES[role]))];
      const suppressedRoles = step.suppressFirst && roles.length > 0 ? [roles[0]] : [];
      const capabilities = step.gpu ? ['GPU_RESOURCES'] : [];
      core.addFramework(FRAMEWORKS[step.framework], { roles, capabilities, suppressedRoles });
      model.frameworks.set(FRAMEWORKS[step.framework], { roles: new Set(roles), gpu: step.gpu, active: true, suppressed: new Set(suppressedRoles) });
      return [];
    }
    case 'updateFramework': {
      // Its roles, capabilities and suppressed roles change; what it holds in a role it leaves stays until recovered.
      const frameworkId = FRAMEWORKS[step.framework];
      const roles = [...new Set(step.roles.map((role) => ROLES[role]))];
      const suppressedRoles = step.suppressFirst && roles.length > 0 ? [roles[0]] : [];
      core.updateFramework(frameworkId, { roles, capabilities: step.gpu ? ['GPU_RESOURCES'] : [], suppressedRoles });
      const framework = model.frameworks.get(frameworkId)!;
      const kept = new Set(roles);
      // Filters go for the roles it left and for those it no longer suppresses (as a revive clears them).
      model.dropFilters((filter) => filter.frameworkId === frameworkId && (!kept.has(filter.role) || (framework.suppressed.has(filter.role) && !suppressedRoles.includes(filter.role))));
      model.frameworks.set(frameworkId, { roles: kept, gpu: step.gpu, active: framework.active, suppressed: new Set(suppressedRoles) });
      return [];
    }
    case 'removeFramework':
    case 'activateFramework':
    case 'deactivateFramework': {
      const frameworkId = FRAMEWORKS[step.framework];
      core[step.kind](frameworkId);
      if (step.kind === 'removeFramework') {
        model.frameworks.delete(frameworkId);
      } else {
        model.frameworks.get(frameworkId)!.active = step.kind === 'activateFramework';
      }
      if (step.kind !== 'activateFramework') {
        model.dropFilters((filter) => filter.frameworkId === frameworkId);
      }
      return [];
    }
    case 'suppress':
    case 'revive': {
      const frameworkId = FRAMEWORKS[step.framework];
      const roles = step.role === undefined ? undefined : [ROLES[step.role]];
      core[step.kind](frameworkId, roles);
      const framework = model.frameworks.get(frameworkId)!;
      for (const role of roles ?? framework.roles) {
        if (step.kind === 'suppress') {
          framework.suppressed.add(role);
        } else {
          framework.suppressed.delete(role);
          model.dropFilters((filter) => filter.frameworkId === frameworkId && filter.role === role);
        }
      }
      return [];
    }
    default:
      return applyOtherOperation(core, model, step);
  }
}

function applyOtherOperation(core: HierarchicalAllocatorCore, model: Model, step: Operation): Allocation[] {
  switch (step.kind) {
    case 'recover':
      recover(core, model, step);
      return [];
    case 'quota': {
      const role = ROLES[step.role];
      const guarantee: Record<string, number> = step.guarantee === undefined ? {} : { cpus: step.guarantee };
      const limit: Record<string, number> | undefined = step.limit === undefined ? undefined : { cpus: step.limit };
      core.setQuota(role, { guarantee, limit });
      if (step.limit === undefined) {
        model.limits.delete(role);
      } else {
        model.limits.set(role, step.limit);
      }
      return [];
    }
    case 'weight':
      core.updateWeights(new Map([[ROLES[step.role], step.weight]]));
      return [];
    case 'allocate':
      model.nowMs += step.advanceMs;
      model.dropFilters((filter) => filter.expiresAtMs <= model.nowMs);
      return core.allocate(model.nowMs);
    default:
      throw new Error(`unhandled operation ${JSON.stringify(step)}`);
  }
}

function recover(core: HierarchicalAllocatorCore, model: Model, step: Extract<Operation, { kind: 'recover' }>): void {
  // Mostly recover from a framework that holds something, so recoveries usually succeed.
  const holders = FRAMEWORKS.filter((id) => core.hasFramework(id) && core.holdings(id).length > 0);
  const frameworkId = holders.length > 0 && step.pick % 4 !== 0 ? holders[step.framework % holders.length] : FRAMEWORKS[step.framework];
  const holdings = core.hasFramework(frameworkId) ? core.holdings(frameworkId) : [];
  const holding = holdings.length > 0 ? holdings[step.pick % holdings.length] : { agentId: AGENTS[0], role: '*', resources: Resources.parse('cpus:1') };
  const resources = partOf(holding.resources, step.part);
  const filter = step.refuseSeconds === undefined ? undefined : { refuseSeconds: step.refuseSeconds, nowMs: model.nowMs };
  core.recoverResources(frameworkId, holding.agentId, resources, filter, holding.role);
  if (step.refuseSeconds !== undefined && step.refuseSeconds > 0 && !resources.isEmpty()) {
    const expiresAtMs = model.nowMs + Math.max(step.refuseSeconds * 1_000, MIN_FILTER_MS);
    model.filters.push({ frameworkId, role: holding.role, agentId: holding.agentId, resources, expiresAtMs });
  }
}

function partOf(resources: Resources, part: 'all' | 'scalars' | 'half' | 'more'): Resources {
  switch (part) {
    case 'all':
      return resources;
    case 'scalars':
      return resources.scalars();
    case 'half':
      return Resources.of(resources.scalars().entries().map((entry) => (entry.type === 'SCALAR' ? halve(entry) : entry)));
    case 'more':
      return resources.add(Resources.parse('cpus:1'));
  }
}

function halve(entry: ScalarResource): ScalarResource {
  return { ...entry, value: Math.floor((entry.value * 1000) / 2) / 1000 };
}

/** Everything observable that a rejected operation must not change. */
function snapshot(core: HierarchicalAllocatorCore): string {
  const agents = AGENTS.map((id) => {
    const agent = core.agent(id);
    return agent === undefined ? null : [agent.total.format(), agent.available.format(), agent.active];
  });
  const holdings = FRAMEWORKS.map((id) =>
    core.hasFramework(id) ? core.holdings(id).map((holding) => `${holding.agentId}/${holding.role}:${holding.resources.format()}`).sort() : null,
  );
  return JSON.stringify({ agents, holdings, filters: core.filterCount(), roles: core.roleOrder() });
}

/** Unreserved scalar cpus held in a top-level role's subtree, plus its reserved cpus. */
function consumedCpus(core: HierarchicalAllocatorCore, role: string): number {
  let units = 0;
  for (const agentId of AGENTS) {
    for (const entry of core.agent(agentId)?.total.reserved().entries() ?? []) {
      if (entry.type === 'SCALAR' && entry.name === 'cpus' && topLevelRole(entry.role) === role) {
        units += Math.round(entry.value * 1000);
      }
    }
  }
  for (const frameworkId of FRAMEWORKS) {
    for (const holding of core.hasFramework(frameworkId) ? core.holdings(frameworkId) : []) {
      if (holding.role !== '*' && topLevelRole(holding.role) === role) {
        units += Math.round(holding.resources.unreserved().scalar('cpus') * 1000);
      }
    }
  }
  return units;
}

function checkOffers(core: HierarchicalAllocatorCore, model: Model, offers: readonly Allocation[], availableBefore: Map<string, Resources>, consumedBefore: Map<string, number>): void {
  const offeredPerAgent = new Map<string, Resources>();
  for (const offer of offers) {
    const label = `${offer.frameworkId}/${offer.role}@${offer.agentId}: ${offer.resources.format()}`;
    const framework = model.frameworks.get(offer.frameworkId);
    expect(framework, label).to.not.equal(undefined);
    expect(framework!.roles.has(offer.role) && framework!.active && !framework!.suppressed.has(offer.role), `offer to an inactive or suppressed framework: ${label}`).to.equal(true);
    expect(model.activeAgents.has(offer.agentId), `offer of an inactive agent: ${label}`).to.equal(true);
    expect(offer.resources.scalar('cpus') >= 0.01 || offer.resources.scalar('mem') >= 32, `offer below the minimum: ${label}`).to.equal(true);
    for (const entry of offer.resources.entries()) {
      expect(isAllocatableTo(entry.role, offer.role), `reservation offered to another role: ${label}`).to.equal(true);
    }
    if (core.agent(offer.agentId)!.total.scalar('gpus') > 0) {
      expect(framework!.gpu, `GPU agent offered to a framework without GPU_RESOURCES: ${label}`).to.equal(true);
    }
    const blocking = model.filters.find(
      (filter) => filter.frameworkId === offer.frameworkId && filter.role === offer.role && filter.agentId === offer.agentId && filter.resources.contains(offer.resources),
    );
    expect(blocking, `offer despite a live filter: ${label}`).to.equal(undefined);
    offeredPerAgent.set(offer.agentId, (offeredPerAgent.get(offer.agentId) ?? Resources.EMPTY).add(offer.resources));
  }
  for (const [agentId, offered] of offeredPerAgent) {
    expect(availableBefore.get(agentId)!.contains(offered), `offered more than was available on ${agentId}`).to.equal(true);
  }
  if (offers.length === 0) {
    return; // limits constrain allocation; reservations and used resources may exceed them
  }
  for (const [role, limit] of model.limits) {
    const after = consumedCpus(core, role);
    expect(after, `limit of ${role} exceeded`).to.be.at.most(Math.max(limit * 1000, consumedBefore.get(role) ?? 0));
  }
}

function runSequence(seed: number, operations: readonly Operation[]): void {
  const core = new HierarchicalAllocatorCore({ random: createSeededRandom(seed), allocationIntervalMs: MIN_FILTER_MS });
  const model = new Model();
  for (const step of operations) {
    const before = snapshot(core);
    const availableBefore = new Map(AGENTS.filter((id) => core.hasAgent(id)).map((id) => [id, core.agent(id)!.available]));
    const consumedBefore = new Map([...model.limits.keys()].map((role) => [role, consumedCpus(core, role)]));
    let offers: Allocation[] = [];
    try {
      offers = apply(core, model, step);
    } catch (error) {
      if (!(error instanceof AllocatorError)) {
        throw error;
      }
      expect(snapshot(core), `rejected ${JSON.stringify(step)} changed the books`).to.equal(before);
    }
    core.checkInvariants();
    checkOffers(core, model, offers, availableBefore, consumedBefore);
  }
}

describe('actors/allocator/hierarchical (safety properties)', () => {
  it('keeps its books consistent and its offers safe over random operations', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(operation, { minLength: 5, maxLength: 80, size: 'max' }), (seed, operations) => {
        runSequence(seed, operations);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches offers in most sequences (the generator is not vacuous)', () => {
    let offered = 0;
    fc.assert(
      fc.property(fc.integer(), fc.array(operation, { minLength: 40, maxLength: 80, size: 'max' }), (seed, operations) => {
        const core = new HierarchicalAllocatorCore({ random: createSeededRandom(seed) });
        const model = new Model();
        for (const step of operations) {
          try {
            offered += apply(core, model, step).length;
          } catch (error) {
            expect(error).to.be.instanceOf(AllocatorError);
          }
        }
      }),
      { numRuns: 50 },
    );
    expect(offered).to.be.greaterThan(50);
  });
});
