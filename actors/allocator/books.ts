/** The allocator's books. */

import { Resources, UNRESERVED_ROLE, toUnits, topLevelRole } from '../../lib/resources';
import { GPU_RESOURCE_NAME } from './constants';
import { OfferFilters } from './filters';
import { addQuantity, addScalars, isUnreservedScalar, type MinimumAlternatives, type Quantities } from './quantities';
import { DRFSorter } from './sorter';
import { ScalarTotals } from './totals';
import { NO_ITEMS } from '../../lib/exact-arrays';

/** Free-form agent attributes (`rack: 'r1'`), kept for the master; the policy ignores them. */
export type AgentAttributes = Readonly<Record<string, string | number>>;

/** The holdings of an agent that holds nothing (shared by all of them). */
const NO_HOLDINGS: readonly Holding[] = NO_ITEMS;

/** One agent. `available` is the authority; `allocated` is derived on demand. */
export class AgentState {
  /** Everything the agent has. */
  private totalResources: Resources;
  /** Not offered or allocated: what an allocation run may offer. */
  private availableResources: Resources;
  /** `total − available`, computed when asked (the hot path only moves `available`). */
  private allocatedCache: Resources | undefined = Resources.EMPTY;
  /** Whether `total` has reserved entries (else every role may be offered everything). */
  hasReservations: boolean;
  /** Whether `total` has GPUs (only GPU-capable frameworks are offered such agents). */
  hasGpus: boolean;
  /** Inactive agents (e.g. disconnected) are not offered. */
  active = true;
  /**
   * What each framework holds here, one record per (framework, role); usually very few. Only
   * `track` and `untrack` change it. An agent holding nothing has the one shared empty list: an
   * allocation run asks every agent what it holds, and at 100k agents reading each agent's own
   * empty list (an object elsewhere in memory) was a twelfth of the run.
   */
  holdings: readonly Holding[] = NO_HOLDINGS;

  constructor(
    readonly id: string,
    total: Resources,
    /** Attributes given when the agent was added, or by `updateAgent` since. */
    public attributes: AgentAttributes,
    /** Position in `AllocatorBooks.agentList`. */
    public listIndex: number,
    /** The caller's object for this agent, handed back on its allocations (`AddAgentOptions.owner`). */
    readonly owner: object | undefined = undefined,
  ) {
    this.totalResources = total;
    this.availableResources = total;
    this.hasReservations = total.hasReservations();
    this.hasGpus = total.scalar(GPU_RESOURCE_NAME) > 0;
  }

  /** Everything the agent has. */
  get total(): Resources {
    return this.totalResources;
  }

  /** Not offered or allocated. */
  get available(): Resources {
    return this.availableResources;
  }

  /** Offered or allocated to frameworks (the sum of `holdings`). */
  get allocated(): Resources {
    if (this.allocatedCache === undefined) {
      this.allocatedCache = this.totalResources.subtract(this.availableResources);
    }
    return this.allocatedCache;
  }

  /** Moves `resources` (contained in `available`) out of the pool. */
  take(resources: Resources): void {
    this.availableResources = this.availableResources.subtractSaturating(resources);
    this.allocatedCache = undefined;
  }

  /** Moves `resources` back into the pool. */
  give(resources: Resources): void {
    this.availableResources = this.availableResources.add(resources);
    this.allocatedCache = undefined;
  }

  /** Replaces the total (which must contain `allocated`). */
  setTotal(total: Resources): void {
    const allocated = this.allocated;
    this.availableResources = total.subtract(allocated);
    this.totalResources = total;
    this.hasReservations = total.hasReservations();
    this.hasGpus = total.scalar(GPU_RESOURCE_NAME) > 0;
  }
}

/** One framework. */
export interface FrameworkState {
  readonly id: string;
  /**
   * Roles it subscribes to (changed by `HierarchicalAllocatorCore.updateFramework`). It stays in
   * the sorter of a role it left, inactive, while it still holds resources there (Mesos'
   * "tracked under the role"): the role's share counts them until they come back.
   */
  roles: ReadonlySet<string>;
  /** Capabilities, e.g. GPU_RESOURCES. */
  capabilities: ReadonlySet<string>;
  /** Its DRF tie-break group (`FrameworkSubscription.group`), kept for the sorters of roles it joins later. */
  readonly group: string | undefined;
  /**
   * How many holdings it has in each role it does not subscribe to (left, or brought by an
   * agent): it leaves that role's sorter when the count reaches 0. Kept for those roles only, so
   * that the holdings of subscribed roles (every offer) cost nothing more.
   */
  unsubscribedHoldings: Map<string, number> | undefined;
  /** Inactive frameworks (disconnected) are not offered. */
  active: boolean;
  /** Roles for which it asked not to be offered anything. */
  readonly suppressedRoles: Set<string>;
  /**
   * Its own minimum allocatable resources by role (`FrameworkSubscription.minAllocatable`), in
   * place of the allocator's there; undefined when it has none (most frameworks).
   */
  minAllocatable: ReadonlyMap<string, MinimumAlternatives> | undefined;
  /** Its decline filters. */
  readonly filters: OfferFilters;
  /** Everything it holds, on any agent. */
  readonly holdings: HoldingList;
}

/** One role with subscribed frameworks. */
export interface RoleState {
  readonly name: string;
  /** DRF order of the role's frameworks. */
  readonly frameworkSorter: DRFSorter;
  /** Frameworks subscribed to the role. */
  readonly frameworks: Set<string>;
}

/**
 * `resources`, or `other` when they are equal and not empty: a holding whose tasks use all it
 * holds (the usual case once an offer's rest is declined) keeps one list for both, not two equal
 * ones (about 180 bytes a running task). `Resources` are immutable, so sharing is safe.
 */
function sharedIfEqual(resources: Resources, other: Resources): Resources {
  return !other.isEmpty() && resources !== other && resources.equals(other) ? other : resources;
}

/** Resources one framework holds (offered or allocated) for one role on one agent; never empty. */
export class Holding {
  /** Links of its framework's `HoldingList` (only that list sets them). */
  previousOfFramework: Holding | undefined = undefined;
  nextOfFramework: Holding | undefined = undefined;

  /**
   * What of `resources` tasks use (Mesos' "allocated", as against offered): what the master said
   * it launched (`AllocatorBooks.markAllocated`) or an agent brought as used. Quota's `consumed`
   * metric counts it; allocation runs count `resources` whole.
   */
  allocated: Resources = Resources.EMPTY;

  constructor(
    readonly agent: AgentState,
    readonly framework: FrameworkState,
    readonly role: RoleState,
    public resources: Resources,
  ) {}
}

/**
 * A framework's holdings, linked through fields of the holdings themselves. A framework's
 * holdings come and go with every allocation cycle (the bench's 100 frameworks at 100k agents:
 * a thousand each, offered and declined); a `Set` grew its table from empty to a thousand
 * entries and shrank it back each cycle, and hashed every holding on the way. Here adding and
 * deleting are a few pointer writes. Iteration walks a copy, so the list may change meanwhile.
 */
export class HoldingList implements Iterable<Holding> {
  private head: Holding | undefined = undefined;
  private count = 0;

  /** Holdings in the list. */
  get size(): number {
    return this.count;
  }

  /** Whether `holding` is in this list (its framework's: only the head has no previous). */
  has(holding: Holding): boolean {
    return holding.framework.holdings === this && (holding.previousOfFramework !== undefined || this.head === holding);
  }

  /** Adds `holding`, of this list's framework and not in it yet. */
  add(holding: Holding): void {
    if (holding.framework.holdings !== this) throw new Error(`holding of ${holding.framework.id} on ${holding.agent.id} belongs to another framework's list`);
    if (this.has(holding)) throw new Error(`holding of ${holding.framework.id} on ${holding.agent.id} is listed already`);
    holding.nextOfFramework = this.head;
    if (this.head !== undefined) this.head.previousOfFramework = holding;
    this.head = holding;
    this.count++;
  }

  /** Removes `holding`; false if it was not in this list. */
  delete(holding: Holding): boolean {
    if (!this.has(holding)) return false;
    const { previousOfFramework: previous, nextOfFramework: next } = holding;
    if (previous === undefined) this.head = next;
    else previous.nextOfFramework = next;
    if (next !== undefined) next.previousOfFramework = previous;
    holding.previousOfFramework = undefined;
    holding.nextOfFramework = undefined;
    this.count--;
    return true;
  }

  [Symbol.iterator](): Iterator<Holding> {
    const holdings: Holding[] = [];
    for (let holding = this.head; holding !== undefined; holding = holding.nextOfFramework) holdings.push(holding);
    return holdings[Symbol.iterator]();
  }
}

/**
 * Sorter changes postponed until the allocation run has finished with an agent (a run must not
 * reorder a sorter it is walking). The slots are reused from agent to agent: an object per
 * allocation and a list emptied and regrown per agent, with each agent's holdings list (emptied
 * by `splice`, regrown by `track`), were 34 of the 119 MB that the timed window of an allocation
 * cycle at 100k agents allocated (heap sampling).
 */
export class PendingSorterUpdates {
  private readonly roles: RoleState[] = [];
  private readonly frameworkIds: string[] = [];
  private readonly resources: Resources[] = [];
  /** Updates pending; slots past it hold earlier agents' updates, overwritten as they are reused. */
  private count = 0;

  /** Postpones the sorter update of an allocation of `resources` to `frameworkId` for `role`. */
  add(role: RoleState, frameworkId: string, resources: Resources): void {
    const slot = this.count++;
    this.roles[slot] = role;
    this.frameworkIds[slot] = frameworkId;
    this.resources[slot] = resources;
  }

  /** Applies the pending updates to `books`' sorters, in the order they were made, and forgets them. */
  applyTo(books: AllocatorBooks): void {
    for (let slot = 0; slot < this.count; slot++) books.applySorterUpdate(this.roles[slot], this.frameworkIds[slot], this.resources[slot]);
    this.count = 0;
  }
}

/**
 * The allocator's books: agents, frameworks, roles, what is offered or allocated to whom,
 * and the sorters and quota consumption derived from it. Every change of an allocation
 * goes through `track` / `untrack`, which keep all of these consistent. Inputs are
 * validated by the caller (HierarchicalAllocatorCore) before they reach here.
 */
export class AllocatorBooks {
  /** Cluster scalar totals, the denominator of every share. */
  readonly totals = new ScalarTotals();
  /** What is offered or allocated over the cluster (scalars): `track` adds, `untrack` takes away, so metrics never walk the agents. */
  readonly offeredOrAllocated = new ScalarTotals(this.totals.names);
  /** DRF order of roles (hierarchical). */
  readonly roleSorter = new DRFSorter(this.totals, { hierarchical: true });
  /** Agents by id. */
  readonly agents = new Map<string, AgentState>();
  /** Agents in a dense list, for shuffling. */
  readonly agentList: AgentState[] = [];
  /** Frameworks by id. */
  readonly frameworks = new Map<string, FrameworkState>();
  /** Roles that have subscribed frameworks. */
  readonly roles = new Map<string, RoleState>();
  /** Quota consumption per top-level role: reservations plus unreserved offers and allocations (thousandths; Mesos' `quotaOfferedOrConsumed`, what runs count). */
  readonly consumption = new Map<string, Quantities>();
  /** The same without offers: reservations plus what tasks use, unreserved (thousandths; Mesos' `quotaConsumed`, the `consumed` metric). */
  readonly allocatedConsumption = new Map<string, Quantities>();

  /** Records a new agent (no allocations yet). */
  addAgent(id: string, total: Resources, attributes: AgentAttributes, owner?: object): AgentState {
    const agent = new AgentState(id, total, attributes, this.agentList.length, owner);
    this.agents.set(id, agent);
    this.agentList.push(agent);
    this.totals.add(total);
    this.addReservations(total, 1);
    return agent;
  }

  /** Forgets an agent whose allocations were all untracked. */
  removeAgent(agent: AgentState): void {
    const last = this.agentList.pop()!;
    if (last !== agent) {
      this.agentList[agent.listIndex] = last;
      last.listIndex = agent.listIndex;
    }
    this.agents.delete(agent.id);
    this.totals.subtract(agent.total);
    this.addReservations(agent.total, -1);
    this.removeAgentFilters(agent);
  }

  /** Replaces an agent's total (which must contain what is allocated); its decline filters stay, as in Mesos. */
  updateAgentTotal(agent: AgentState, total: Resources): void {
    this.totals.subtract(agent.total);
    this.addReservations(agent.total, -1);
    agent.setTotal(total);
    this.totals.add(total);
    this.addReservations(total, 1);
  }

  /** Drops every framework's decline filters on `agent` (its attributes changed). */
  removeAgentFilters(agent: AgentState): void {
    for (const framework of this.frameworks.values()) {
      framework.filters.removeAgent(agent.id);
    }
  }

  /** The role's state, created (and added to the role sorter) on first use. */
  ensureRole(name: string): RoleState {
    let role = this.roles.get(name);
    if (role === undefined) {
      role = { name, frameworkSorter: new DRFSorter(this.totals, { hierarchical: false }), frameworks: new Set() };
      this.roles.set(name, role);
      this.roleSorter.add(name);
    }
    return role;
  }

  /** Drops a role once no framework is subscribed to it. */
  releaseRoleIfUnused(role: RoleState): void {
    if (role.frameworks.size === 0 && role.frameworkSorter.size === 0) {
      this.roles.delete(role.name);
      this.roleSorter.remove(role.name);
    }
  }

  /** Puts the framework in or out of its role's order, per its activity and suppression. */
  syncFrameworkActivation(framework: FrameworkState, roleName: string): void {
    const sorter = this.roles.get(roleName)!.frameworkSorter;
    if (framework.active && !framework.suppressedRoles.has(roleName)) {
      sorter.activate(framework.id);
    } else {
      sorter.deactivate(framework.id);
    }
  }

  /** The holding of `frameworkId` for `role` on `agent`, if any. */
  holdingOf(agent: AgentState, frameworkId: string, role: string): Holding | undefined {
    for (const holding of agent.holdings) {
      if (holding.framework.id === frameworkId && holding.role.name === role) {
        return holding;
      }
    }
    return undefined;
  }

  /**
   * Records that `resources` (contained in the agent's available) are now offered to
   * `framework` for `role`, and returns the holding they joined. Sorter updates go to
   * `pending` when given (allocation runs must not reorder a sorter they are walking), else they
   * are applied at once.
   */
  track(
    agent: AgentState,
    framework: FrameworkState,
    role: RoleState,
    resources: Resources,
    pending?: PendingSorterUpdates,
  ): Holding {
    agent.take(resources);
    this.offeredOrAllocated.add(resources);
    let holding = this.holdingOf(agent, framework.id, role.name);
    if (holding === undefined) {
      holding = new Holding(agent, framework, role, resources);
      if (agent.holdings === NO_HOLDINGS) agent.holdings = [holding];
      else (agent.holdings as Holding[]).push(holding);
      framework.holdings.add(holding);
      if (!framework.roles.has(role.name)) countUnsubscribedHolding(framework, role.name, 1);
    } else {
      holding.resources = holding.resources.add(resources);
    }
    this.addConsumption(role.name, resources, 1);
    if (pending !== undefined) {
      pending.add(role, framework.id, resources);
    } else {
      this.applySorterUpdate(role, framework.id, resources);
    }
    return holding;
  }

  /** Applies a (postponed) sorter update: `resources` allocated to `frameworkId` for `role`. */
  applySorterUpdate(role: RoleState, frameworkId: string, resources: Resources): void {
    this.roleSorter.allocated(role.name, resources);
    role.frameworkSorter.allocated(frameworkId, resources);
  }

  /**
   * Records that `resources` (contained in `holding`) are free again: with `wereAllocated`, what
   * tasks used (leaving what is still offered as it is); else offered resources first, then (a
   * framework's or agent's whole holding) what tasks used. The master's word is not trusted to
   * the unit: what it says tasks used is taken at most as what is marked so.
   */
  untrack(holding: Holding, resources: Resources, wereAllocated = false): void {
    if (!holding.allocated.isEmpty()) this.releaseAllocated(holding, resources, wereAllocated);
    const { agent, framework, role } = holding;
    holding.resources = sharedIfEqual(holding.resources.subtract(resources), holding.allocated);
    if (holding.resources.isEmpty()) {
      // Swapped with the last and popped, not spliced: `splice` makes an array of what it
      // removes, and an agent's list empties and refills every allocation cycle.
      const holdings = agent.holdings as Holding[];
      if (holdings.length === 1) {
        agent.holdings = NO_HOLDINGS;
      } else {
        const last = holdings.pop()!;
        if (last !== holding) holdings[holdings.indexOf(holding)] = last;
      }
      framework.holdings.delete(holding);
    }
    agent.give(resources);
    this.offeredOrAllocated.subtract(resources);
    this.addConsumption(role.name, resources, -1);
    this.roleSorter.unallocated(role.name, resources);
    role.frameworkSorter.unallocated(framework.id, resources);
    // The last of what it held in a role it has left: it is no longer tracked there.
    if (holding.resources.isEmpty() && !framework.roles.has(role.name)) {
      countUnsubscribedHolding(framework, role.name, -1);
      this.untrackFrameworkUnderRoleIfIdle(framework, role);
    }
  }

  /** Marks `resources` of `holding` (which holds them beside what is marked already) as used by tasks (Mesos' `transitionOfferedToAllocated`). */
  markAllocated(holding: Holding, resources: Resources): void {
    holding.allocated = sharedIfEqual(holding.allocated.add(resources), holding.resources);
    this.addAllocatedConsumption(holding.role.name, resources, 1);
  }

  /** The part of `resources`, being untracked from `holding`, that tasks used: unmarked. */
  private releaseAllocated(holding: Holding, resources: Resources, wereAllocated: boolean): void {
    const released = wereAllocated
      ? resources.subtract(resources.subtractSaturating(holding.allocated)) // at most what is marked
      : resources.subtractSaturating(holding.resources.subtract(holding.allocated)); // beyond what is only offered
    if (released.isEmpty()) return;
    holding.allocated = holding.allocated.subtractSaturating(released);
    this.addAllocatedConsumption(holding.role.name, released, -1);
  }

  /**
   * Takes `framework` out of the sorter of `role`, a role it no longer subscribes to, once it
   * holds nothing there (Mesos' `tryUntrackFrameworkUnderRole`); the role goes too when nobody is
   * left in it. While it still holds something there it stays, inactive.
   */
  untrackFrameworkUnderRoleIfIdle(framework: FrameworkState, role: RoleState): void {
    if (framework.roles.has(role.name) || !role.frameworkSorter.contains(framework.id)) return;
    if ((framework.unsubscribedHoldings?.get(role.name) ?? 0) > 0) return;
    role.frameworkSorter.remove(framework.id);
    this.releaseRoleIfUnused(role);
  }

  /**
   * Changes which roles `framework` subscribes to (`roles`), keeping `unsubscribedHoldings` in
   * step: a role it joins is counted no more; for a role it leaves, its holdings there are
   * counted (one walk of its holdings, at the change).
   */
  resubscribe(framework: FrameworkState, roles: ReadonlySet<string>): string[] {
    const left = [...framework.roles].filter((role) => !roles.has(role));
    for (const role of roles) framework.unsubscribedHoldings?.delete(role);
    framework.roles = roles;
    if (left.length > 0) for (const holding of framework.holdings) if (left.includes(holding.role.name)) countUnsubscribedHolding(framework, holding.role.name, 1);
    return left;
  }

  /** Subscribes `framework` (its `roles` naming `roleName` already) to the role: in its sorter (perhaps tracked there already) and among its frameworks. */
  subscribe(framework: FrameworkState, roleName: string): void {
    this.trackFrameworkUnderRole(framework, roleName).frameworks.add(framework.id);
    this.syncFrameworkActivation(framework, roleName);
  }

  /**
   * Makes sure `framework` is in the sorter of `role` (created if need be) without subscribing
   * it there: resources it holds in a role it left (an agent re-registering with its tasks), so
   * that the role's share counts them. Inactive unless it subscribes to the role.
   */
  trackFrameworkUnderRole(framework: FrameworkState, roleName: string): RoleState {
    const role = this.ensureRole(roleName);
    if (!role.frameworkSorter.contains(framework.id)) {
      role.frameworkSorter.add(framework.id, framework.group);
      if (!framework.roles.has(roleName)) role.frameworkSorter.deactivate(framework.id);
    }
    return role;
  }

  /** The consumption of a top-level role, offers included (thousandths; empty map if none). */
  consumptionOf(topLevel: string): ReadonlyMap<string, number> {
    return this.consumption.get(topLevel) ?? EMPTY_QUANTITIES;
  }

  /** The consumption of a top-level role without offers: reservations and what tasks use (thousandths; empty map if none). */
  allocatedConsumptionOf(topLevel: string): ReadonlyMap<string, number> {
    return this.allocatedConsumption.get(topLevel) ?? EMPTY_QUANTITIES;
  }

  private addConsumption(role: string, resources: Resources, sign: 1 | -1): void {
    if (role === UNRESERVED_ROLE) {
      return;
    }
    updateQuantities(this.consumption, topLevelRole(role), (quantities) =>
      addScalars(quantities, resources, sign, isUnreservedScalar),
    );
  }

  private addAllocatedConsumption(role: string, resources: Resources, sign: 1 | -1): void {
    if (role === UNRESERVED_ROLE) return;
    updateQuantities(this.allocatedConsumption, topLevelRole(role), (quantities) => addScalars(quantities, resources, sign, isUnreservedScalar));
  }

  private addReservations(total: Resources, sign: 1 | -1): void {
    for (const entry of total.entries()) {
      if (entry.type === 'SCALAR' && entry.role !== UNRESERVED_ROLE) {
        // Reservations consume quota whether offered, used or neither: both maps count them.
        for (const byRole of [this.consumption, this.allocatedConsumption]) {
          updateQuantities(byRole, topLevelRole(entry.role), (quantities) => addQuantity(quantities, entry.name, sign * toUnits(entry.value)));
        }
      }
    }
  }
}

const EMPTY_QUANTITIES: ReadonlyMap<string, number> = new Map();

/** Applies `update` to the quantities of `topLevel` in `byRole` (created if missing, dropped once empty). */
function updateQuantities(byRole: Map<string, Quantities>, topLevel: string, update: (quantities: Quantities) => void): void {
  let quantities = byRole.get(topLevel);
  if (quantities === undefined) {
    quantities = new Map();
    byRole.set(topLevel, quantities);
  }
  update(quantities);
  if (quantities.size === 0) {
    byRole.delete(topLevel);
  }
}

/** Adds `delta` to `framework`'s count of holdings in `role`, a role it does not subscribe to (the entry goes at 0). */
function countUnsubscribedHolding(framework: FrameworkState, role: string, delta: 1 | -1): void {
  const counts = (framework.unsubscribedHoldings ??= new Map());
  const count = (counts.get(role) ?? 0) + delta;
  if (count > 0) counts.set(role, count);
  else counts.delete(role);
  if (counts.size === 0) framework.unsubscribedHoldings = undefined;
}
