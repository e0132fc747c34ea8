/** The pure core of the hierarchical DRF allocator. */

import { fromUnits, Resources, roleError, scalarError, volumesWhole } from '../../lib/resources';
import { ClockSetBack } from '../../lib/process/clock';
import { runAllocation, type Allocation } from './allocation-run';
import { AllocatorBooks, HoldingList, type AgentAttributes, type AgentState, type FrameworkState, type Holding } from './books';
import {
  DEFAULT_ALLOCATION_INTERVAL_MS,
  DEFAULT_MIN_ALLOCATABLE,
  DEFAULT_REFUSE_SECONDS,
  MAX_REFUSE_SECONDS,
} from './constants';
import { AllocatorError } from './errors';
import { OfferFilters } from './filters';
import { checkBooks } from './invariants';
import { fromRecord, minimumAlternatives, type MinimumAlternatives } from './quantities';
import { validateQuota, type Quota, type QuotaState } from './quota';
import type { RandomSource } from './random';

export type { Allocation } from './allocation-run';
export type { AgentAttributes } from './books';
export type { Quota } from './quota';

/** What `HierarchicalAllocatorCore.metricsView` returns (whole units; names, roles as keys). */
export interface AllocatorMetricsView {
  readonly totals: ReadonlyMap<string, number>;
  readonly offeredOrAllocated: ReadonlyMap<string, number>;
  readonly dominantShares: ReadonlyMap<string, number>;
  readonly activeFilters: ReadonlyMap<string, number>;
  /** Each role with a quota: its guarantee, its limit, what it consumes, and what of the quota's resources it is offered or allocated (whole units by name). */
  readonly quotas: ReadonlyMap<string, QuotaMetricsView>;
}

/** One quota role in `AllocatorMetricsView`. */
export interface QuotaMetricsView {
  readonly guarantee: ReadonlyMap<string, number>;
  readonly limit: ReadonlyMap<string, number>;
  /** Reservations plus what tasks use, unreserved (Mesos' `quotaConsumed`: offers are not counted). */
  readonly consumed: ReadonlyMap<string, number>;
  /** Offered or allocated to the role and its subroles, for each name its guarantee or limit names. */
  readonly offeredOrAllocated: ReadonlyMap<string, number>;
}

/** Construction options. */
export interface HierarchicalAllocatorOptions {
  /** Seeded randomness for the agent order of each run (never Math.random). */
  readonly random: RandomSource;
  /** A decline filter lasts at least this long, so it outlives the next batch run. */
  readonly allocationIntervalMs?: number;
  /** Offers must hold one of these (whole units by name); default `cpus:0.01 | mem:32`. */
  readonly minAllocatable?: readonly Readonly<Record<string, number>>[];
  /**
   * Resource names no DRF share counts (Mesos `--fair_sharing_excluded_resource_names`, e.g.
   * `['gpus']`, so that a role holding the cluster's few GPUs is not last for everything else).
   */
  readonly fairSharingExcludedResourceNames?: readonly string[];
}

/** Resources a framework already uses on an agent that is being added. */
export interface UsedResources {
  readonly frameworkId: string;
  /** Needed only when the framework has several roles. */
  readonly role?: string;
  readonly resources: Resources;
}

/** Options of `addAgent`. */
export interface AddAgentOptions {
  readonly attributes?: AgentAttributes;
  /** What running tasks already use (e.g. an agent re-registering). */
  readonly used?: readonly UsedResources[];
  /**
   * An object of the caller's, handed back on every allocation of this agent (`Allocation.owner`):
   * the master's record of the agent, which it then reaches without a lookup per offer.
   */
  readonly owner?: object;
  /**
   * Whether it may be offered from the start (default true): false for an agent an operator
   * deactivated or drained that comes back (Mesos adds it, then deactivates it).
   */
  readonly active?: boolean;
}

/** Options of `updateAgent`. */
export interface UpdateAgentOptions {
  /** Its attributes now (e.g. it re-registered); when they differ, its decline filters go. */
  readonly attributes?: AgentAttributes;
}

/** What a framework subscribes with. */
export interface FrameworkSubscription {
  /** Valid roles (`*` allowed; none: it is offered nothing); changed by `updateFramework`. */
  readonly roles: readonly string[];
  /** e.g. `GPU_RESOURCES`. */
  readonly capabilities?: readonly string[];
  /** Default true. */
  readonly active?: boolean;
  /** Roles it starts suppressed in. */
  readonly suppressedRoles?: readonly string[];
  /** Its own minimum allocatable resources by role (see `FrameworkUpdate.minAllocatable`). */
  readonly minAllocatable?: MinAllocatableByRole;
  /**
   * Frameworks with the same group take turns as one client in DRF's tie-break (see
   * `DRFSorter`). The master gives each unauthenticated peer host's frameworks one group: it
   * cannot tell them apart, so a flood of them must not all go ahead of everyone else. Fixed
   * while registered.
   */
  readonly group?: string;
}

/** What `updateFramework` changes: the subscription, less its group (fixed while registered) and activity. */
export interface FrameworkUpdate {
  /** Valid roles (`*` allowed; none: it is offered nothing). */
  readonly roles: readonly string[];
  /** e.g. `GPU_RESOURCES` (none when left out). */
  readonly capabilities?: readonly string[];
  /** Its suppressed roles from now on (none when left out), among `roles`. */
  readonly suppressedRoles?: readonly string[];
  /**
   * Its own minimum allocatable resources by role (Mesos' `FrameworkInfo.offer_filters`): in
   * such a role it is offered only resources holding one of the alternatives (whole units by
   * name), in place of the allocator's `minAllocatable`; an empty list: any resources. Replaced
   * as a whole by an update (none when left out).
   */
  readonly minAllocatable?: MinAllocatableByRole;
}

/** Minimum allocatable alternatives by role, each whole units by name (`{ analytics: [{ cpus: 4 }] }`). */
export type MinAllocatableByRole = Readonly<Record<string, readonly Readonly<Record<string, number>>[]>>;

/** A decline filter: refuse these resources from `nowMs` for `refuseSeconds` (default 5; 0 = none). */
export interface DeclineFilter {
  readonly refuseSeconds?: number;
  readonly nowMs: number;
}

/** A read-only view of one agent. */
export interface AgentView {
  readonly total: Resources;
  readonly allocated: Resources;
  readonly available: Resources;
  readonly active: boolean;
  readonly attributes: AgentAttributes;
}

/** Something a framework holds. */
export interface HoldingView {
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
}

/**
 * The hierarchical DRF allocator's state and policy, with no actors, timers or I/O
 * (DESIGN.md §7). The allocator actor owns one instance, feeds it the master's events,
 * and calls `allocate(nowMs)` on its batch timer. Every method validates its input
 * first and throws `AllocatorError` without changing anything when it is bad.
 *
 * @example
 * const core = new HierarchicalAllocatorCore({ random: createSeededRandom(7) });
 * core.addAgent('agent-1', Resources.parse('cpus:4;mem:8192'));
 * core.addFramework('framework-1', { roles: ['analytics'] });
 * const [allocation] = core.allocate(0);     // cpus:4;mem:8192 to framework-1
 * core.recoverResources('framework-1', 'agent-1', allocation.resources, { refuseSeconds: 5, nowMs: 0 });
 * core.allocate(1_000);                      // [] — declined for 5 s
 * core.allocate(5_000);                      // offered again
 */
export class HierarchicalAllocatorCore {
  /** Agents, frameworks, roles, allocations, sorters. */
  private readonly books = new AllocatorBooks();
  /** Quota by top-level role. */
  private readonly quotas = new Map<string, QuotaState>();
  /** Seeded randomness. */
  private readonly random: RandomSource;
  /** Minimum duration of a decline filter. */
  private readonly allocationIntervalMs: number;
  /** Minimum allocatable alternatives, in thousandths. */
  private readonly minAllocatable: readonly ReadonlyMap<string, number>[];
  /** Notices a time given (allocate, decline, expiry) earlier than the one before: the clock was set back. */
  private readonly setBack = new ClockSetBack();

  constructor(options: HierarchicalAllocatorOptions) {
    this.random = options.random;
    this.allocationIntervalMs = options.allocationIntervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS;
    if (!Number.isFinite(this.allocationIntervalMs) || this.allocationIntervalMs < 0) {
      throw new AllocatorError(`allocationIntervalMs must be a non-negative number`);
    }
    const minimums = options.minAllocatable ?? DEFAULT_MIN_ALLOCATABLE;
    for (const [name, value] of minimums.flatMap((minimum) => Object.entries(minimum))) {
      const error = scalarError(value);
      if (error !== undefined) {
        throw new AllocatorError(`minimum allocatable '${name}': ${error}`);
      }
    }
    this.minAllocatable = minimums.map(fromRecord);
    for (const name of options.fairSharingExcludedResourceNames ?? []) {
      if (name.length === 0) throw new AllocatorError('a resource name excluded from fair sharing must not be empty');
      this.books.totals.excludeFromShares(name);
    }
  }

  /** Adds an agent with its total resources and, optionally, what frameworks already use on it. */
  addAgent(agentId: string, total: Resources, options: AddAgentOptions = {}): void {
    if (agentId.length === 0 || this.books.agents.has(agentId)) {
      throw new AllocatorError(`cannot add agent '${agentId}': empty or duplicate id`);
    }
    const used = (options.used ?? []).map((use) => this.resolveUse(agentId, use));
    const usedTotal = used.reduce((sum, use) => sum.add(use.resources), Resources.EMPTY);
    if (!total.contains(usedTotal)) {
      throw new AllocatorError(`agent '${agentId}': used '${usedTotal.format()}' exceeds total '${total.format()}'`);
    }
    const agent = this.books.addAgent(agentId, total, { ...(options.attributes ?? {}) }, options.owner);
    if (options.active === false) agent.active = false;
    for (const use of used) {
      // A role the framework has left (its tasks there still run): tracked there, inactive, until they end.
      const holding = this.books.track(agent, use.framework, this.books.trackFrameworkUnderRole(use.framework, use.role), use.resources);
      // What tasks use, not offers (as Mesos' addSlave counts them).
      this.books.markAllocated(holding, use.resources);
    }
  }

  /** Removes an agent; everything on it is released and its filters dropped. */
  removeAgent(agentId: string): void {
    const agent = this.agentOrThrow(agentId);
    for (const holding of [...agent.holdings]) {
      this.books.untrack(holding, holding.resources);
    }
    this.books.removeAgent(agent);
  }

  /**
   * Changes an agent's total (it must still contain what is offered or allocated) and, with
   * `options.attributes`, its attributes. As in Mesos' `updateSlave`, the decline filters on the
   * agent are dropped only when its attributes change (a framework may have declined it for
   * lacking one); a new total keeps them, and a filter still applies only to offers it contains.
   * An unchanged total leaves the books (and the sorters' order) untouched.
   */
  updateAgent(agentId: string, total: Resources, options: UpdateAgentOptions = {}): void {
    const agent = this.agentOrThrow(agentId);
    if (!total.contains(agent.allocated)) {
      throw new AllocatorError(
        `agent '${agentId}': new total '${total.format()}' does not contain allocated '${agent.allocated.format()}'`,
      );
    }
    const attributes = options.attributes;
    if (attributes !== undefined && !sameAttributes(agent.attributes, attributes)) {
      agent.attributes = { ...attributes };
      this.books.removeAgentFilters(agent);
    }
    if (!total.equals(agent.total)) this.books.updateAgentTotal(agent, total);
  }

  /** Makes an agent offerable again. */
  activateAgent(agentId: string): void {
    this.agentOrThrow(agentId).active = true;
  }

  /** Stops offering an agent (e.g. disconnected); its allocations stay. */
  deactivateAgent(agentId: string): void {
    this.agentOrThrow(agentId).active = false;
  }

  /** Adds a framework subscribed to `roles`. */
  addFramework(frameworkId: string, subscription: FrameworkSubscription): void {
    if (frameworkId.length === 0 || this.books.frameworks.has(frameworkId)) {
      throw new AllocatorError(`cannot add framework '${frameworkId}': empty or duplicate id`);
    }
    // No role at all is allowed (a MULTI_ROLE framework in Mesos): it is offered nothing.
    const roles = new Set(subscription.roles);
    [...roles].forEach((role) => this.checkRole(role));
    const suppressed = new Set(subscription.suppressedRoles ?? []);
    this.checkSubscribed(frameworkId, roles, suppressed);
    const minAllocatable = this.frameworkMinimums(frameworkId, subscription.minAllocatable);
    const framework: FrameworkState = {
      id: frameworkId,
      roles,
      capabilities: new Set(subscription.capabilities ?? []),
      active: subscription.active ?? true,
      suppressedRoles: suppressed,
      minAllocatable,
      filters: new OfferFilters(),
      holdings: new HoldingList(),
      group: subscription.group,
      unsubscribedHoldings: undefined,
    };
    this.books.frameworks.set(frameworkId, framework);
    for (const roleName of roles) this.books.subscribe(framework, roleName);
  }

  /**
   * Changes what a framework subscribes with (Mesos' `updateFramework`, for UPDATE_FRAMEWORK and a
   * re-subscription with other roles): its roles, capabilities and suppressed roles (which must be
   * among the new roles). Its DRF group stays. In a role it joins it is offered as usual; in a
   * role it leaves it is offered nothing more and its filters there go, but what it still holds
   * there (its running tasks; the master rescinds the offers) stays allocated to that role, and
   * it stays in that role's sorter, inactive, until the last of it is recovered. A role it
   * stops suppressing has its filters cleared, as a revive does. Everything is checked first:
   * on an error nothing changes.
   */
  updateFramework(frameworkId: string, subscription: FrameworkUpdate): void {
    const framework = this.frameworkOrThrow(frameworkId);
    const roles = new Set(subscription.roles);
    roles.forEach((role) => this.checkRole(role));
    const suppressed = new Set(subscription.suppressedRoles ?? []);
    this.checkSubscribed(frameworkId, roles, suppressed);
    const minAllocatable = this.frameworkMinimums(frameworkId, subscription.minAllocatable);
    const unsuppressed = [...framework.suppressedRoles].filter((role) => roles.has(role) && !suppressed.has(role));
    const left = this.books.resubscribe(framework, roles);
    framework.capabilities = new Set(subscription.capabilities ?? []);
    framework.minAllocatable = minAllocatable;
    framework.suppressedRoles.clear();
    for (const role of suppressed) framework.suppressedRoles.add(role);
    for (const role of unsuppressed) framework.filters.clearRole(role);
    for (const roleName of left) {
      const role = this.books.roles.get(roleName)!;
      role.frameworks.delete(frameworkId);
      role.frameworkSorter.deactivate(frameworkId);
      framework.filters.clearRole(roleName);
      this.books.untrackFrameworkUnderRoleIfIdle(framework, role);
    }
    // Roles joined (it may still be tracked there, inactive, from before it left one) and kept: in step with its activity and suppression.
    for (const roleName of roles) this.books.subscribe(framework, roleName);
  }

  /** A framework's own minimums checked (as the allocator's are), as the books keep them; undefined for none. */
  private frameworkMinimums(frameworkId: string, given: MinAllocatableByRole | undefined): ReadonlyMap<string, MinimumAlternatives> | undefined {
    if (given === undefined) return undefined;
    const byRole = new Map<string, MinimumAlternatives>();
    for (const [role, alternatives] of Object.entries(given)) {
      for (const [name, value] of alternatives.flatMap((alternative) => Object.entries(alternative))) {
        const error = scalarError(value);
        if (error !== undefined) throw new AllocatorError(`framework '${frameworkId}': minimum allocatable '${name}' in role '${role}': ${error}`);
      }
      byRole.set(role, minimumAlternatives(alternatives));
    }
    return byRole.size === 0 ? undefined : byRole;
  }

  /** Removes a framework; everything it holds is released. */
  removeFramework(frameworkId: string): void {
    const framework = this.frameworkOrThrow(frameworkId);
    for (const holding of [...framework.holdings]) {
      this.books.untrack(holding, holding.resources);
    }
    for (const roleName of framework.roles) {
      const role = this.books.roles.get(roleName)!;
      role.frameworks.delete(frameworkId);
      role.frameworkSorter.remove(frameworkId);
      this.books.releaseRoleIfUnused(role);
    }
    this.books.frameworks.delete(frameworkId);
  }

  /** Makes a framework offerable again (in its unsuppressed roles). */
  activateFramework(frameworkId: string): void {
    const framework = this.frameworkOrThrow(frameworkId);
    framework.active = true;
    framework.roles.forEach((role) => this.books.syncFrameworkActivation(framework, role));
  }

  /** Stops offering a framework and drops its filters (as Mesos does); its holdings stay. */
  deactivateFramework(frameworkId: string): void {
    const framework = this.frameworkOrThrow(frameworkId);
    framework.active = false;
    framework.filters.clear();
    framework.roles.forEach((role) => this.books.syncFrameworkActivation(framework, role));
  }

  /**
   * Returns resources a framework held for `role` on an agent (declined, rescinded, or
   * freed by finished tasks). With `filter`, they are not re-offered to it on that agent
   * until the filter expires (unless more becomes available there). `role` may be left
   * out when the framework holds resources on the agent in one role only.
   */
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    filter?: DeclineFilter,
    role?: string,
    wereAllocated = false,
  ): void {
    const framework = this.frameworkOrThrow(frameworkId);
    const agent = this.agentOrThrow(agentId);
    const expiresAtMs = filter === undefined ? undefined : this.filterExpiry(filter);
    if (resources.isEmpty()) {
      return;
    }
    const holding = this.heldBy(framework, agent, resources, role);
    this.books.untrack(holding, resources, wereAllocated);
    if (expiresAtMs !== undefined) {
      framework.filters.add(holding.role.name, agentId, { resources, expiresAtMs });
    }
  }

  /**
   * Marks offered `resources` of a framework on an agent as used by tasks it launched (Mesos'
   * `transitionOfferedToAllocated`): nothing changes for allocation runs, which count them
   * either way, but quota's `consumed` metric counts them from now on, until they are recovered.
   * `role` may be left out when the framework holds resources on the agent in one role only.
   */
  transitionOfferedToAllocated(frameworkId: string, agentId: string, resources: Resources, role?: string): void {
    const framework = this.frameworkOrThrow(frameworkId);
    const agent = this.agentOrThrow(agentId);
    if (resources.isEmpty()) return;
    const holding = this.heldBy(framework, agent, resources, role);
    if (!holding.resources.contains(holding.allocated.add(resources))) {
      throw new AllocatorError(`framework '${frameworkId}' on agent '${agentId}': '${resources.format()}' are not all offered (held '${holding.resources.format()}', used by tasks '${holding.allocated.format()}')`);
    }
    this.books.markAllocated(holding, resources);
  }

  /**
   * Converts offered resources a framework holds on an agent (Mesos' `updateAllocation`): a
   * RESERVE, UNRESERVE, CREATE or DESTROY it accepted turned `consumed` into `converted`, the same
   * quantities with another reservation, or made into persistent volumes or back. The framework holds `converted` instead, and the agent's total changes
   * with it (reserved resources are offered only to their role from now on). `consumed` must be
   * offered to it (not used by tasks), and both must hold the same quantities.
   */
  updateAllocation(frameworkId: string, agentId: string, consumed: Resources, converted: Resources, role?: string): void {
    const framework = this.frameworkOrThrow(frameworkId);
    const agent = this.agentOrThrow(agentId);
    checkConversion(`framework '${frameworkId}' on agent '${agentId}'`, consumed, converted);
    if (consumed.isEmpty()) return;
    const holding = this.heldBy(framework, agent, consumed, role);
    if (!holding.resources.contains(holding.allocated.add(consumed))) {
      throw new AllocatorError(`framework '${frameworkId}' on agent '${agentId}': '${consumed.format()}' are not all offered (held '${holding.resources.format()}', used by tasks '${holding.allocated.format()}')`);
    }
    // Grown first, then shrunk, so the holding never empties (and its role never lets go of it).
    this.books.updateAgentTotal(agent, agent.total.add(converted));
    this.books.track(agent, framework, holding.role, converted);
    this.books.untrack(holding, consumed);
    this.books.updateAgentTotal(agent, agent.total.subtract(consumed));
  }

  /**
   * Converts resources of an agent that nobody holds (Mesos' `updateAvailable`: an operator's
   * `/reserve`, `/unreserve`, `/create-volumes` or `/destroy-volumes`): `consumed` becomes
   * `converted` (the same quantities, reserved otherwise or made into volumes) in its total. False, changing nothing, when `consumed` is not all available
   * (offered or used meanwhile), or holds a persistent volume that is not the agent's whole volume
   * (resized meanwhile: `volumesWhole`).
   */
  updateAvailable(agentId: string, consumed: Resources, converted: Resources): boolean {
    const agent = this.agentOrThrow(agentId);
    checkConversion(`agent '${agentId}'`, consumed, converted);
    if (!agent.available.contains(consumed) || !volumesWhole(consumed, agent.total)) return false;
    if (!consumed.isEmpty()) this.books.updateAgentTotal(agent, agent.total.subtract(consumed).add(converted));
    return true;
  }

  /** Stops offering a framework anything in `roles` (default: all its roles). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const framework = this.frameworkOrThrow(frameworkId);
    const targets = this.targetRoles(framework, roles);
    for (const role of targets) {
      framework.suppressedRoles.add(role);
      this.books.syncFrameworkActivation(framework, role);
    }
  }

  /** Offers a framework `roles` (default: all) again and clears its filters for them. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    const framework = this.frameworkOrThrow(frameworkId);
    const targets = this.targetRoles(framework, roles);
    for (const role of targets) {
      framework.suppressedRoles.delete(role);
      framework.filters.clearRole(role);
      this.books.syncFrameworkActivation(framework, role);
    }
  }

  /** Sets role weights (a role's share is divided by its weight); all are checked first. */
  updateWeights(weights: ReadonlyMap<string, number>): void {
    for (const [role, weight] of weights) {
      this.checkRole(role);
      if (!Number.isFinite(weight) || weight <= 0) {
        throw new AllocatorError(`weight of role '${role}' must be a positive number, not ${weight}`);
      }
    }
    for (const [role, weight] of weights) {
      this.books.roleSorter.updateWeight(role, weight);
    }
  }

  /** Sets (or, with no guarantee and no limit, removes) the quota of a top-level role. */
  setQuota(role: string, quota: Quota): void {
    const state = validateQuota(role, quota);
    if (state.guarantee.size === 0 && state.limit === undefined) {
      this.quotas.delete(role);
    } else {
      this.quotas.set(role, state);
    }
  }

  /** Removes the quota of a role (no-op if it had none). */
  removeQuota(role: string): void {
    this.quotas.delete(role);
  }

  /**
   * Runs one allocation at time `nowMs` and returns the offers made (one per framework,
   * role and agent). Offered resources count as allocated until recovered. With `agentIds`,
   * only those agents are allocated (those that changed; unknown ids are skipped), in a run that
   * walks nothing else.
   */
  allocate(nowMs: number, agentIds?: ReadonlySet<string>): Allocation[] {
    this.checkTime(nowMs);
    const policy = { minAllocatable: this.minAllocatable, random: this.random };
    return runAllocation(this.books, this.quotas, policy, nowMs, agentIds);
  }

  /** Drops expired decline filters (memory only; expired filters never apply). */
  expireFilters(nowMs: number): number {
    this.checkTime(nowMs);
    let dropped = 0;
    for (const framework of this.books.frameworks.values()) {
      dropped += framework.filters.expire(nowMs);
    }
    return dropped;
  }

  /** Throws `AllocatorInvariantError` if the books are inconsistent (a bug). For tests. */
  checkInvariants(): void {
    checkBooks(this.books);
  }

  /** Whether an agent is known. */
  hasAgent(agentId: string): boolean {
    return this.books.agents.has(agentId);
  }

  /** Whether a framework is known. */
  hasFramework(frameworkId: string): boolean {
    return this.books.frameworks.has(frameworkId);
  }

  /** Number of agents. */
  get agentCount(): number {
    return this.books.agents.size;
  }

  /** Number of roles with a quota. */
  get quotaCount(): number {
    return this.quotas.size;
  }

  /** Number of frameworks. */
  get frameworkCount(): number {
    return this.books.frameworks.size;
  }

  /** A view of one agent, or undefined. */
  agent(agentId: string): AgentView | undefined {
    const agent = this.books.agents.get(agentId);
    if (agent === undefined) {
      return undefined;
    }
    const { total, allocated, available, active, attributes } = agent;
    return { total, allocated, available, active, attributes };
  }

  /** Everything a framework holds (offered or allocated). */
  holdings(frameworkId: string): HoldingView[] {
    const framework = this.frameworkOrThrow(frameworkId);
    return [...framework.holdings].map(({ agent, role, resources }) => ({ agentId: agent.id, role: role.name, resources }));
  }

  /** The weighted dominant share of a role (0 for a role without frameworks). */
  roleShare(role: string): number {
    return this.books.roleSorter.contains(role) ? this.books.roleSorter.share(role) : 0;
  }

  /** The weighted dominant share of a framework within `role` (default: its only role). */
  frameworkShare(frameworkId: string, role?: string): number {
    const framework = this.frameworkOrThrow(frameworkId);
    const roleName = role ?? this.onlyRole(framework, 'frameworkShare');
    this.checkSubscribed(frameworkId, framework.roles, [roleName]);
    return this.books.roles.get(roleName)!.frameworkSorter.share(frameworkId);
  }

  /** Roles in DRF order (roles with subscribed frameworks only). */
  roleOrder(): string[] {
    return this.books.roleSorter.sort();
  }

  /** Active, unsuppressed frameworks of a role in DRF order. */
  frameworkOrder(role: string): string[] {
    return this.books.roles.get(role)?.frameworkSorter.sort() ?? [];
  }

  /** Number of decline filters held (expired ones not yet dropped included). */
  filterCount(): number {
    let count = 0;
    for (const framework of this.books.frameworks.values()) {
      count += framework.filters.count();
    }
    return count;
  }

  /**
   * What the allocator's Mesos metrics are computed from: cluster totals and what is offered or
   * allocated (scalars by name), each role's dominant share as Mesos reports it (unweighted:
   * its weight divides it only for sorting), and the decline filters held per role (expired
   * ones not yet dropped included). O(roles + frameworks), plus each quota role's holdings
   * (`quotaMetricsViews`).
   */
  metricsView(): AllocatorMetricsView {
    const offeredOrAllocated = this.books.offeredOrAllocated.quantities();
    const dominantShares = new Map<string, number>();
    for (const role of this.books.roles.keys()) {
      if (this.books.roleSorter.contains(role)) dominantShares.set(role, this.books.roleSorter.share(role) * this.books.roleSorter.weight(role));
    }
    const activeFilters = new Map<string, number>([...this.books.roles.keys()].map((role) => [role, 0]));
    for (const framework of this.books.frameworks.values()) framework.filters.countByRole(activeFilters);
    return { totals: this.books.totals.quantities(), offeredOrAllocated, dominantShares, activeFilters, quotas: this.quotaMetricsViews() };
  }

  /** `metricsView().quotas`: O(quota roles × holdings). */
  private quotaMetricsViews(): Map<string, QuotaMetricsView> {
    const views = new Map<string, QuotaMetricsView>();
    for (const [role, quota] of this.quotas) {
      const names = new Set([...quota.guarantee.keys(), ...(quota.limit?.keys() ?? [])]);
      const held = new Map<string, number>([...names].map((name) => [name, 0]));
      for (const agent of this.books.agentList) {
        for (const holding of agent.holdings) {
          if (holding.role.name !== role && !holding.role.name.startsWith(`${role}/`)) continue;
          for (const name of names) held.set(name, (held.get(name) ?? 0) + holding.resources.scalar(name));
        }
      }
      views.set(role, {
        guarantee: wholeUnits(quota.guarantee), limit: wholeUnits(quota.limit ?? new Map()), consumed: wholeUnits(this.books.allocatedConsumptionOf(role)), offeredOrAllocated: held,
      });
    }
    return views;
  }

  private agentOrThrow(agentId: string): AgentState {
    const agent = this.books.agents.get(agentId);
    if (agent === undefined) {
      throw new AllocatorError(`unknown agent '${agentId}'`);
    }
    return agent;
  }

  private frameworkOrThrow(frameworkId: string): FrameworkState {
    const framework = this.books.frameworks.get(frameworkId);
    if (framework === undefined) {
      throw new AllocatorError(`unknown framework '${frameworkId}'`);
    }
    return framework;
  }

  private checkRole(role: string): void {
    const error = roleError(role);
    if (error !== undefined) {
      throw new AllocatorError(`invalid role '${role}': ${error}`);
    }
  }

  private checkSubscribed(frameworkId: string, roles: ReadonlySet<string>, wanted: Iterable<string>): void {
    for (const role of wanted) {
      if (!roles.has(role)) {
        throw new AllocatorError(`framework '${frameworkId}' is not subscribed to role '${role}'`);
      }
    }
  }

  private checkTime(nowMs: number): void {
    if (!Number.isFinite(nowMs)) {
      throw new AllocatorError(`time must be a finite number of milliseconds, not ${nowMs}`);
    }
    // Earlier than the last time given: the clock was set back. Decline filters keep what was left
    // of them (lengthened by at most the time since the last reading), not the step on top.
    const backMs = this.setBack.read(nowMs);
    if (backMs < 0) for (const framework of this.books.frameworks.values()) framework.filters.shift(backMs);
  }

  private targetRoles(framework: FrameworkState, roles: readonly string[] | undefined): ReadonlySet<string> {
    if (roles === undefined || roles.length === 0) {
      return framework.roles;
    }
    this.checkSubscribed(framework.id, framework.roles, roles);
    return new Set(roles);
  }

  private resolveUse(agentId: string, use: UsedResources): { framework: FrameworkState; role: string; resources: Resources } {
    const framework = this.frameworkOrThrow(use.frameworkId);
    const role = use.role ?? this.onlyRole(framework, `agent '${agentId}'`);
    // Any valid role: the framework may have left it since it launched these (see `updateFramework`).
    this.checkRole(role);
    return { framework, role, resources: use.resources };
  }

  private onlyRole(framework: FrameworkState, context: string): string {
    if (framework.roles.size !== 1) {
      throw new AllocatorError(`${context}: framework '${framework.id}' has several roles; say which`);
    }
    return framework.roles.values().next().value as string;
  }

  /** The holding `resources` are recovered from; throws unless it contains them all. */
  private heldBy(framework: FrameworkState, agent: AgentState, resources: Resources, role: string | undefined): Holding {
    // A loop, not `filter`: this runs for every offer returned (an array per return was garbage).
    let found: Holding | undefined;
    for (const holding of agent.holdings) {
      if (holding.framework !== framework || (role !== undefined && holding.role.name !== role)) continue;
      if (found !== undefined) throw new AllocatorError(`framework '${framework.id}' on agent '${agent.id}': holds resources in several roles; say which`);
      found = holding;
    }
    const held = found?.resources ?? Resources.EMPTY;
    if (found === undefined || !held.contains(resources)) {
      throw new AllocatorError(
        `framework '${framework.id}' on agent '${agent.id}' cannot recover '${resources.format()}' for role '${role ?? '(any)'}': it holds '${held.format()}'`,
      );
    }
    return found;
  }

  private filterExpiry(filter: DeclineFilter): number | undefined {
    const refuseSeconds = filter.refuseSeconds ?? DEFAULT_REFUSE_SECONDS;
    this.checkTime(filter.nowMs);
    if (!Number.isFinite(refuseSeconds) || refuseSeconds < 0) {
      throw new AllocatorError(`refuseSeconds must be a non-negative number, not ${refuseSeconds}`);
    }
    if (refuseSeconds === 0) {
      return undefined;
    }
    const durationMs = Math.max(Math.min(refuseSeconds, MAX_REFUSE_SECONDS) * 1_000, this.allocationIntervalMs);
    return filter.nowMs + durationMs;
  }
}

/** Whether two agents' attributes are the same set of names and values (in any order). */
function sameAttributes(left: AgentAttributes, right: AgentAttributes): boolean {
  const names = Object.keys(left);
  return names.length === Object.keys(right).length && names.every((name) => Object.prototype.hasOwnProperty.call(right, name) && right[name] === left[name]);
}

/** Thousandths by name as whole units by name. */
function wholeUnits(quantities: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...quantities].map(([name, units]) => [name, fromUnits(units)]));
}

/** Throws unless `converted` holds the same quantities as `consumed`, reserved otherwise (`where` names the holding or agent). */
function checkConversion(where: string, consumed: Resources, converted: Resources): void {
  if (!consumed.flatten().equals(converted.flatten())) {
    throw new AllocatorError(`${where}: '${consumed.format()}' cannot become '${converted.format()}' (a conversion keeps the quantities)`);
  }
}
