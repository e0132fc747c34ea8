/**
 * One allocation run (Mesos' `__generateOffers`), a pure step over the allocator's books:
 *
 * 1. Agents that are active and have something available are shuffled.
 * 2. Stage 1, only while some quota guarantee is unmet: for each agent, roles with unmet
 *    guarantees in DRF order, their frameworks in DRF order, are offered what helps meet
 *    the guarantee (plus the role's reservations and non-scalar resources, plus extra
 *    unreserved scalars within the role's limit and the headroom surplus).
 * 3. Stage 2: agents are shuffled again (if stage 1 ran); for each agent, every role in
 *    DRF order, every framework of the role in DRF order, is offered all that is still
 *    available to its role (unreserved + reserved to the role or an ancestor), with
 *    unreserved scalars cut to the role's quota limit and to the headroom surplus.
 *
 * A framework is skipped when the offer would be below the minimum allocatable
 * resources, when it lacks a capability the agent needs (GPUs), or when one of its
 * decline filters covers the offer. Sorter updates are applied after each agent, so the
 * walk of a sorter never sees it change; the next agent sees the new shares.
 */
import { Resources, rangesSize, toUnits } from '../../lib/resources';
import { PendingSorterUpdates, type AgentState, type AllocatorBooks, type FrameworkState, type RoleState } from './books';
import { GPU_RESOURCES_CAPABILITY } from './constants';
import { isUnreservedScalar, scalarsOf, toWholeUnits, type MinimumAlternatives, type MinimumQuantity, type Quantities } from './quantities';
import { HeadroomPlan, remainingLimit, unsatisfiedGuarantee, type QuotaState } from './quota';
import { shuffleInPlace, type RandomSource } from './random';

/**
 * What one allocation run gives one framework, for one of its roles, on one agent. The master
 * turns each into an offer.
 */
export interface Allocation {
  /** The framework given the resources. */
  readonly frameworkId: string;
  /** Which of its roles they are allocated to. */
  readonly role: string;
  /** The agent they are on. */
  readonly agentId: string;
  /** What is allocated. */
  readonly resources: Resources;
  /** The agent's `AddAgentOptions.owner`, if it was given one. */
  readonly owner?: object;
}

/** What an allocation run needs besides the books. */
export interface AllocationPolicy {
  /** Offers must contain one of these (thousandths by name); empty = any non-empty offer. */
  readonly minAllocatable: readonly ReadonlyMap<string, number>[];
  /** Seeded randomness for the agent order. */
  readonly random: RandomSource;
}

/** Runs one allocation at `nowMs`; the offered resources are tracked as allocated. */
export function runAllocation(
  books: AllocatorBooks,
  quotas: ReadonlyMap<string, QuotaState>,
  policy: AllocationPolicy,
  nowMs: number,
  agentIds?: ReadonlySet<string>,
): Allocation[] {
  return new AllocationRun(books, quotas, policy, nowMs).run(agentIds);
}

/** Whether some framework is active and not suppressed in every one of its roles (O(frameworks)). */
function anyFrameworkWants(books: AllocatorBooks): boolean {
  for (const framework of books.frameworks.values()) {
    if (framework.active && framework.suppressedRoles.size < framework.roles.size) return true;
  }
  return false;
}

class AllocationRun {
  /** Allocations made so far, in order. */
  private readonly allocations: Allocation[] = [];
  /** Position in `allocations` by framework/role/agent, to merge stage 1 and 2 allocations. */
  private readonly allocationIndex = new Map<string, number>();
  /** Sorter updates of the current agent. */
  private readonly pending = new PendingSorterUpdates();
  /** Headroom for unmet guarantees. */
  private readonly headroom: HeadroomPlan;
  /** Whether stage 1 ran (so allocations may need merging). */
  private stageOneRan = false;
  /** The agent being allocated. */
  private agent: AgentState | undefined;
  /** The role being allocated. */
  private role: RoleState | undefined;
  /** The quota of the role being allocated in stage 1. */
  private quota: QuotaState | undefined;
  /** The minimum allocatable alternatives as arrays (cheaper to scan than maps). */
  private readonly minimums: MinimumAlternatives;

  constructor(
    private readonly books: AllocatorBooks,
    private readonly quotas: ReadonlyMap<string, QuotaState>,
    private readonly policy: AllocationPolicy,
    private readonly nowMs: number,
  ) {
    this.headroom = new HeadroomPlan(books, quotas);
    this.minimums = policy.minAllocatable.map((minimum) => [...minimum].map(([name, units]) => ({ name, units })));
  }

  /** Allocates every agent, or only `agentIds` (the agents that changed). */
  run(agentIds?: ReadonlySet<string>): Allocation[] {
    // No framework could take anything (none, or all inactive or suppressed): no agent is walked.
    if (!anyFrameworkWants(this.books)) {
      return this.allocations;
    }
    const pool = agentIds === undefined ? this.books.agentList : [...agentIds].flatMap((id) => {
      const agent = this.books.agents.get(id);
      return agent === undefined ? [] : [agent];
    });
    const candidates = pool.filter((agent) => agent.active && !agent.available.isEmpty());
    shuffleInPlace(candidates, this.policy.random);
    if (this.headroom.constrains) {
      this.stageOneRan = true;
      for (const agent of candidates) {
        this.allocateAgent(agent, this.visitRoleStageOne);
      }
      shuffleInPlace(candidates, this.policy.random);
    }
    for (const agent of candidates) {
      this.allocateAgent(agent, this.visitRoleStageTwo);
    }
    return this.allocations;
  }

  private allocateAgent(agent: AgentState, visitRole: (role: string) => boolean): void {
    if (agent.available.isEmpty()) {
      return;
    }
    this.agent = agent;
    this.books.roleSorter.visit(visitRole);
    this.pending.applyTo(this.books);
  }

  private readonly visitRoleStageOne = (roleName: string): boolean => {
    if (this.agent!.available.isEmpty()) {
      return true;
    }
    const quota = this.quotas.get(roleName);
    if (quota === undefined || unsatisfiedGuarantee(this.books, roleName, quota).size === 0) {
      return false;
    }
    this.role = this.books.roles.get(roleName)!;
    this.quota = quota;
    this.role.frameworkSorter.visit(this.visitFrameworkStageOne);
    return false;
  };

  private readonly visitFrameworkStageOne = (frameworkId: string): boolean => {
    const agent = this.agent!;
    const role = this.role!;
    const unsatisfied = unsatisfiedGuarantee(this.books, role.name, this.quota!);
    const available = agent.available.allocatableTo(role.name);
    if (unsatisfied.size === 0 || available.isEmpty()) {
      return true;
    }
    const framework = this.books.frameworks.get(frameworkId)!;
    if (!this.meetsMinimum(available, framework) || !canReceive(framework, agent)) {
      return false;
    }
    const offer = this.stageOneOffer(available, role.name, unsatisfied);
    if (offer !== undefined && this.isWanted(framework, offer.resources)) {
      this.offer(framework, offer.resources, offer.guaranteed);
    }
    return false;
  };

  private readonly visitRoleStageTwo = (roleName: string): boolean => {
    if (this.agent!.available.isEmpty()) {
      return true;
    }
    this.role = this.books.roles.get(roleName)!;
    this.role.frameworkSorter.visit(this.visitFrameworkStageTwo);
    return false;
  };

  private readonly visitFrameworkStageTwo = (frameworkId: string): boolean => {
    const agent = this.agent!;
    const role = this.role!;
    const available = agent.hasReservations ? agent.available.allocatableTo(role.name) : agent.available;
    if (available.isEmpty()) {
      return true;
    }
    const framework = this.books.frameworks.get(frameworkId)!;
    if (!this.meetsMinimum(available, framework) || !canReceive(framework, agent)) {
      return false;
    }
    const resources = this.stageTwoOffer(available, role.name);
    // Nothing cut (no quota in the way): the minimum was met just above.
    if ((resources === available || this.meetsMinimum(resources, framework)) && !this.isFiltered(framework, resources)) {
      this.offer(framework, resources, undefined);
    }
    return false;
  };

  /** Stage 1: guarantees first, then extra unreserved scalars within limit and headroom. */
  private stageOneOffer(
    available: Resources,
    role: string,
    unsatisfied: Quantities,
  ): { resources: Resources; guaranteed: Resources } | undefined {
    const quotaResources = available.filter(isUnreservedScalar);
    const guaranteed = quotaResources.capScalars(toWholeUnits(unsatisfied), 'drop');
    if (guaranteed.isEmpty()) {
      return undefined;
    }
    const fixed = available.filter((entry) => !isUnreservedScalar(entry));
    const extra = this.capExtra(quotaResources.subtract(guaranteed), role, scalarsOf(guaranteed));
    return { resources: guaranteed.add(fixed).add(extra), guaranteed };
  }

  /** Stage 2: everything available, unreserved scalars cut to limit and headroom. */
  private stageTwoOffer(available: Resources, role: string): Resources {
    if (!this.headroom.constrains && this.quotas.size === 0) {
      return available;
    }
    const unreserved = available.filter(isUnreservedScalar);
    const extra = this.capExtra(unreserved, role, undefined);
    if (extra === unreserved) {
      return available;
    }
    return available.filter((entry) => !isUnreservedScalar(entry)).add(extra);
  }

  private capExtra(extra: Resources, role: string, alreadyCounted: Quantities | undefined): Resources {
    let capped = extra;
    const limit = remainingLimit(this.books, this.quotas, role, alreadyCounted);
    if (limit !== undefined) {
      capped = capped.capScalars(limit, 'keep');
    }
    if (this.headroom.constrains && !capped.isEmpty()) {
      capped = capped.capScalars(this.headroom.surplusCaps(), 'keep');
    }
    return capped;
  }

  private isWanted(framework: FrameworkState, resources: Resources): boolean {
    return this.meetsMinimum(resources, framework) && !this.isFiltered(framework, resources);
  }

  /** Whether one of `framework`'s decline filters covers `resources` on the agent, in the role being allocated. */
  private isFiltered(framework: FrameworkState, resources: Resources): boolean {
    return framework.filters.isFiltered(this.role!.name, this.agent!.id, resources, this.nowMs);
  }

  private offer(framework: FrameworkState, resources: Resources, guaranteed: Resources | undefined): void {
    const agent = this.agent!;
    const role = this.role!;
    this.books.track(agent, framework, role, resources, this.pending);
    if (this.headroom.constrains || guaranteed !== undefined) {
      this.headroom.offered(guaranteed, resources);
    }
    // An owner only where the agent has one (the master's agents all do), so allocations without one compare as before.
    const owner = agent.owner;
    this.record(owner === undefined ? { frameworkId: framework.id, role: role.name, agentId: agent.id, resources } : { frameworkId: framework.id, role: role.name, agentId: agent.id, resources, owner });
  }

  private record(allocation: Allocation): void {
    if (!this.stageOneRan) {
      this.allocations.push(allocation);
      return;
    }
    const key = `${allocation.frameworkId}\u0000${allocation.role}\u0000${allocation.agentId}`;
    const index = this.allocationIndex.get(key);
    if (index === undefined) {
      this.allocationIndex.set(key, this.allocations.length);
      this.allocations.push(allocation);
    } else {
      this.allocations[index] = { ...allocation, resources: this.allocations[index].resources.add(allocation.resources) };
    }
  }

  /**
   * Whether `resources` may be offered to `framework` in the role being allocated (Mesos'
   * `allocatable`): not empty, and holding one of its own minimums there, else the allocator's.
   */
  private meetsMinimum(resources: Resources, framework: FrameworkState): boolean {
    if (resources.isEmpty()) {
      return false;
    }
    const minimums = framework.minAllocatable?.get(this.role!.name) ?? this.minimums;
    if (minimums.length === 0) {
      return true;
    }
    for (const minimum of minimums) {
      if (containsQuantities(resources, minimum)) {
        return true;
      }
    }
    return false;
  }
}

/** Whether `resources` hold at least each (name, thousandths) pair, by `quantityUnits`. */
function containsQuantities(resources: Resources, minimum: readonly MinimumQuantity[]): boolean {
  for (const { name, units } of minimum) {
    if (quantityUnits(resources, name) < units) {
      return false;
    }
  }
  return true;
}

/**
 * The quantity of `name` in `resources`, over all roles, in thousandths, as Mesos counts a
 * minimum allocatable quantity: a scalar's value, the number of integers in ranges (`ports:[1-5]`
 * is 5), the number of items in a set. One walk of the entries (every framework and agent of a
 * run asks).
 */
function quantityUnits(resources: Resources, name: string): number {
  let units = 0;
  for (const entry of resources.entries()) {
    if (entry.name !== name) continue;
    if (entry.type === 'SCALAR') units += toUnits(entry.value);
    else if (entry.type === 'RANGES') units += toUnits(rangesSize(entry.ranges));
    else units += toUnits(entry.items.length);
  }
  return units;
}

/** Frameworks without GPU_RESOURCES are not offered agents with GPUs (as in Mesos). */
function canReceive(framework: FrameworkState, agent: AgentState): boolean {
  return !agent.hasGpus || framework.capabilities.has(GPU_RESOURCES_CAPABILITY);
}
