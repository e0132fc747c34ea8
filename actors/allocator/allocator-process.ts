/**
 * The allocator actor (Mesos' `HierarchicalAllocatorProcess`): it owns the books of one
 * `HierarchicalAllocatorCore`, runs a batched allocation every allocation interval and soon
 * after any change that could produce allocations, and hands each run's allocations to the master's
 * callback. Use it through the `Allocator` facade (allocator.ts).
 */
import { Actor } from '../../lib/actor';
import { MetricTimer } from '../../lib/metrics/timer';
import type { Resources } from '../../lib/resources';
import { DEFAULT_AGENT_RECOVERY_FACTOR, DEFAULT_ALLOCATION_INTERVAL_MS, DEFAULT_ALLOCATOR_RECOVERY_TIMEOUT_MS } from './constants';
import { AllocatorError } from './errors';
import {
  HierarchicalAllocatorCore,
  type AddAgentOptions,
  type UpdateAgentOptions,
  type AgentView,
  type FrameworkSubscription,
  type FrameworkUpdate,
  type HoldingView,
  type Allocation,
  type Quota,
} from './hierarchical';

/** The allocator's actor id on its host (one allocator per master, as in Mesos). */
export const ALLOCATOR_ACTOR_ID = 'allocator';

/** Shortest allocation interval accepted: with 0 the batch timer would re-arm at the same instant forever. */
export const MIN_ALLOCATION_INTERVAL_MS = 1;

/**
 * Receives the allocations of one allocation run (never an empty list), for the master to turn
 * into offers (Mesos' offer callback); runs inside the allocator's mailbox.
 */
export type OfferCallback = (allocations: Allocation[]) => void;

/** Options of `Allocator.initialize` (Mesos' `Allocator::initialize` options and flags). */
export interface AllocatorOptions {
  /** Time between batched allocation runs (Mesos `--allocation_interval`); default 1 s. */
  readonly allocationIntervalMs?: number;
  /** Offers must hold one of these (whole units by name); default `cpus:0.01 | mem:32` (Mesos `--min_allocatable_resources`). */
  readonly minAllocatable?: readonly Readonly<Record<string, number>>[];
  /** Resource names left out of every DRF share (Mesos `--fair_sharing_excluded_resource_names`, e.g. `['gpus']`); default none. */
  readonly fairSharingExcludedResourceNames?: readonly string[];
  /** `recover` waits for this fraction of the expected agents (Mesos `--allocator_agent_recovery_factor`); default 0.8. */
  readonly agentRecoveryFactor?: number;
  /** ... or this long at most (Mesos `--allocator_recovery_timeout`); default 10 min. */
  readonly recoveryTimeoutMs?: number;
  /** Called with the allocations of each run that made any; the master passes one that re-enters it with `dispatch`. */
  readonly offerCallback: OfferCallback;
  /** Check the books after every operation and run (tests); default false because it is O(agents). */
  readonly checkInvariants?: boolean;
}

/** Mesos' `Filters`: do not re-offer the recovered resources to the framework for a while. */
export interface RefuseFilter {
  /** Seconds to refuse them; default 5 (`DEFAULT_REFUSE_SECONDS`); 0 installs no filter. */
  readonly refuseSeconds?: number;
}

/** One return of resources in a batch (`recoverResourcesBatch`): the arguments of one `recoverResources`. */
export interface ResourcesToRecover {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly resources: Resources;
  readonly filter: RefuseFilter | undefined;
  readonly role: string | undefined;
  /** Whether tasks used them (a task or executor ended), not only offered (Mesos' `isAllocated`). */
  readonly wereAllocated: boolean;
}

/**
 * Keys of `metrics()`: Mesos' (`allocator/mesos/...`, as its hierarchical allocator reports
 * them) and, under `mesos_ts/`, ours. Keys with a role or resource name in them are built by
 * `allocatorRoleShareKey` and friends.
 */
export const ALLOCATOR_METRICS = {
  /** Allocation runs completed since start (counter). */
  allocationRuns: 'allocator/mesos/allocation_runs',
  /** Duration of the last run by the host clock, in ms, with its window statistics (`/p50` ...; Mesos' timer). */
  allocationRunMs: 'allocator/mesos/allocation_run_ms',
  /** From the first request for a run to its start, in ms, with its window statistics (Mesos' batch latency timer). */
  allocationRunLatencyMs: 'allocator/mesos/allocation_run_latency_ms',
  /** Dispatches waiting in the allocator's mailbox. */
  eventQueueDispatches: 'allocator/mesos/event_queue_dispatches',
  /** The same, under the older name Mesos still reports. */
  legacyEventQueueDispatches: 'allocator/event_queue_dispatches',
  /** Offers made since start, one per framework, role and agent (counter; not a Mesos metric). */
  offersMade: 'mesos_ts/allocator/offers_made',
} as const;

/** The resources whose totals and allocations Mesos' allocator reports (`allocator/mesos/resources/<name>/...`). */
export const ALLOCATOR_RESOURCE_METRICS = ['cpus', 'mem', 'disk'] as const;

/** Mesos' window of the allocation run timers (one hour). */
export const ALLOCATION_RUN_TIMER_WINDOW_MS = 60 * 60 * 1000;

/** `allocator/mesos/roles/<role>/shares/dominant`: the role's dominant share, 0.0 to 1.0. */
export function allocatorRoleShareKey(role: string): string {
  return `allocator/mesos/roles/${role}/shares/dominant`;
}

/** `allocator/mesos/offer_filters/roles/<role>/active`: decline filters in force for the role. */
export function allocatorRoleFiltersKey(role: string): string {
  return `allocator/mesos/offer_filters/roles/${role}/active`;
}

/** `allocator/mesos/resources/<name>/total` or `.../offered_or_allocated`. */
export function allocatorResourceKey(name: string, which: 'total' | 'offered_or_allocated'): string {
  return `allocator/mesos/resources/${name}/${which}`;
}

/** `allocator/mesos/quota/roles/<role>/resources/<name>/<which>`: a quota role's guarantee, limit, consumption, or what it is offered or allocated. */
export function allocatorQuotaKey(role: string, name: string, which: 'guarantee' | 'limit' | 'consumed' | 'offered_or_allocated'): string {
  return `allocator/mesos/quota/roles/${role}/resources/${name}/${which}`;
}

/** The allocator's counters; every other key of `metrics()` is a gauge. */
export const ALLOCATOR_COUNTERS: ReadonlySet<string> = new Set([ALLOCATOR_METRICS.allocationRuns, ALLOCATOR_METRICS.offersMade]);

/** A snapshot of the allocator's metrics (keys: `ALLOCATOR_METRICS` and the per-role and per-resource keys). */
export type AllocatorMetrics = Readonly<Record<string, number>>;

/**
 * Fields logged with a rejected operation, or a function making them (only then: formatting
 * resources on every decline cost more than the recovery itself at 100k offers per run).
 */
type LogContext = Readonly<Record<string, unknown>> | (() => Readonly<Record<string, unknown>>);

/**
 * The allocator actor. Only the master on the same host talks to it, through the `Allocator`
 * facade's dispatches, so it installs no message handlers: its protocol is its public methods,
 * in the order below. Each validates through the core, which throws `AllocatorError` and
 * changes nothing on bad input; the error is logged with its reason and rethrown, so the
 * facade's promise rejects with it.
 */
export class AllocatorProcess extends Actor {
  /** The books and the policy; created by `start`, which has the options and runs after spawn (the PRNG). */
  private core: HierarchicalAllocatorCore | undefined;
  /** Time between batched runs; set by `start`. */
  private allocationIntervalMs = DEFAULT_ALLOCATION_INTERVAL_MS;
  /** Where each run's allocations go; set by `start` (no run happens before it). */
  private offerCallback: OfferCallback = () => undefined;
  /** Check the books after every operation and run (tests). */
  private checkInvariantsAfterEach = false;
  /** A triggered run is queued in the mailbox (Mesos' pending `allocation` future): later changes share it. */
  private allocationPending = false;
  /** The agents the next run is for (`all`: every agent). */
  private allocationCandidates: Set<string> | 'all' = new Set();
  /** Allocation runs completed. */
  private allocationRuns = 0;
  /** Durations of the runs, by the host clock. */
  private readonly allocationRunTimer = new MetricTimer(ALLOCATOR_METRICS.allocationRunMs, ALLOCATION_RUN_TIMER_WINDOW_MS);
  /** Waits from a run's first request to its start. */
  private readonly allocationLatencyTimer = new MetricTimer(ALLOCATOR_METRICS.allocationRunLatencyMs, ALLOCATION_RUN_TIMER_WINDOW_MS);
  /** When the pending run was first asked for (host clock). */
  private allocationRequestedAtMs = 0;
  /** Offers made since start. */
  private offersMade = 0;
  /** The agents `recover` waits for, while it waits; runs are skipped meanwhile (`paused`). */
  private expectedAgentCount: number | undefined;

  /** Runs are skipped while a recovering master waits for its agents (Mesos' `pause`; see `recover`). */
  private get paused(): boolean {
    return this.expectedAgentCount !== undefined;
  }
  /** Fraction of the expected agents `recover` waits for. */
  private agentRecoveryFactor = DEFAULT_AGENT_RECOVERY_FACTOR;
  /** Longest wait of `recover`. */
  private recoveryTimeoutMs = DEFAULT_ALLOCATOR_RECOVERY_TIMEOUT_MS;

  /** @param id the actor id (default `allocator`; a simulation running several masters on one host gives each its own). */
  constructor(id: string = ALLOCATOR_ACTOR_ID) {
    super(id);
  }

  /** Creates the core and starts the batch timer; once only (Mesos' `initialize`). */
  start(options: AllocatorOptions): void {
    if (this.core !== undefined) {
      throw new Error('allocator: initialize called twice');
    }
    const allocationIntervalMs = options.allocationIntervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS;
    const { minAllocatable, fairSharingExcludedResourceNames } = options;
    const context = { allocationIntervalMs, minAllocatable, fairSharingExcludedResourceNames };
    const { agentRecoveryFactor = DEFAULT_AGENT_RECOVERY_FACTOR, recoveryTimeoutMs = DEFAULT_ALLOCATOR_RECOVERY_TIMEOUT_MS } = options;
    this.guard('initialize', context, () => checkRecoveryOptions(agentRecoveryFactor, recoveryTimeoutMs));
    this.core = this.guard('initialize', context, () => this.createCore(allocationIntervalMs, minAllocatable, fairSharingExcludedResourceNames));
    this.agentRecoveryFactor = agentRecoveryFactor;
    this.recoveryTimeoutMs = recoveryTimeoutMs;
    this.allocationIntervalMs = allocationIntervalMs;
    this.offerCallback = options.offerCallback;
    this.checkInvariantsAfterEach = options.checkInvariants ?? false;
    this.delay(allocationIntervalMs, () => this.batch());
  }

  /**
   * After a master failover (Mesos' `recover`), before any agent is added: with quota set, runs
   * wait until `agentRecoveryFactor` of the `expectedAgentCount` agents the registry admitted
   * have been added, or `recoveryTimeoutMs` has passed, so that guarantees are not met from a
   * partial view of the cluster (and other roles starved once the rest is back). Without quota,
   * or with no agent to wait for, it changes nothing.
   */
  recover(expectedAgentCount: number): void {
    const core = this.initialized();
    if (!Number.isSafeInteger(expectedAgentCount) || expectedAgentCount < 0) {
      this.guard('recover', { expectedAgentCount }, () => { throw new AllocatorError(`expected agent count must be a non-negative integer, not ${expectedAgentCount}`); });
    }
    const expected = Math.floor(expectedAgentCount * this.agentRecoveryFactor);
    if (core.quotaCount === 0 || expected === 0 || core.agentCount >= expected) return;
    this.expectedAgentCount = expected;
    this.delay(this.recoveryTimeoutMs, () => this.resume('recovery timeout'));
    this.log.info({ expectedAgents: expected, timeoutMs: this.recoveryTimeoutMs }, 'allocation paused until enough agents re-register');
  }

  /** Adds an agent (with what running tasks already use on it) and allocates; resumes a recovery's paused allocation once enough agents are back. */
  addAgent(agentId: string, total: Resources, options?: AddAgentOptions): void {
    this.change('addAgent', () => ({ agentId, total: total.format() }), (core) => core.addAgent(agentId, total, options));
    if (this.expectedAgentCount !== undefined && this.initialized().agentCount >= this.expectedAgentCount) this.resume('enough agents re-registered');
    this.requestAllocation(agentId);
  }

  /** Removes an agent; what was offered or allocated on it is released. */
  removeAgent(agentId: string): void {
    this.change('removeAgent', { agentId }, (core) => core.removeAgent(agentId));
  }

  /** Changes an agent's total (it must still contain what is allocated) and allocates. */
  updateAgent(agentId: string, total: Resources, options?: UpdateAgentOptions): void {
    this.change('updateAgent', () => ({ agentId, total: total.format() }), (core) => core.updateAgent(agentId, total, options));
    this.requestAllocation(agentId);
  }

  /** Converts offered resources (a RESERVE or UNRESERVE): see `HierarchicalAllocatorCore.updateAllocation`. */
  updateAllocation(frameworkId: string, agentId: string, consumed: Resources, converted: Resources, role?: string): void {
    this.change('updateAllocation', () => ({ frameworkId, agentId, consumed: consumed.format(), converted: converted.format() }), (core) => core.updateAllocation(frameworkId, agentId, consumed, converted, role));
  }

  /** Converts unheld resources of an agent (an operator's reservation): see `HierarchicalAllocatorCore.updateAvailable`; allocates the agent after. */
  updateAvailable(agentId: string, consumed: Resources, converted: Resources): boolean {
    const done = this.change('updateAvailable', () => ({ agentId, consumed: consumed.format(), converted: converted.format() }), (core) => core.updateAvailable(agentId, consumed, converted));
    if (done) this.requestAllocation(agentId);
    return done;
  }

  /** Makes an agent offerable again and allocates. */
  activateAgent(agentId: string): void {
    this.change('activateAgent', { agentId }, (core) => core.activateAgent(agentId));
    this.requestAllocation(agentId);
  }

  /** Stops offering an agent; its allocations stay. */
  deactivateAgent(agentId: string): void {
    this.change('deactivateAgent', { agentId }, (core) => core.deactivateAgent(agentId));
  }

  /** Adds a framework and allocates. */
  addFramework(frameworkId: string, subscription: FrameworkSubscription): void {
    const roles = subscription.roles;
    this.change('addFramework', { frameworkId, roles }, (core) => core.addFramework(frameworkId, subscription));
    this.requestAllocation();
  }

  /** Changes a framework's roles, capabilities and suppressed roles (`HierarchicalAllocatorCore.updateFramework`) and allocates. */
  updateFramework(frameworkId: string, update: FrameworkUpdate): void {
    this.change('updateFramework', { frameworkId, roles: update.roles, suppressedRoles: update.suppressedRoles }, (core) => core.updateFramework(frameworkId, update));
    this.requestAllocation();
  }

  /** Removes a framework and allocates what it held to others. */
  removeFramework(frameworkId: string): void {
    this.change('removeFramework', { frameworkId }, (core) => core.removeFramework(frameworkId));
    this.requestAllocation();
  }

  /** Makes a framework offerable again and allocates. */
  activateFramework(frameworkId: string): void {
    this.change('activateFramework', { frameworkId }, (core) => core.activateFramework(frameworkId));
    this.requestAllocation();
  }

  /** Stops offering a framework and drops its filters; its holdings stay. */
  deactivateFramework(frameworkId: string): void {
    this.change('deactivateFramework', { frameworkId }, (core) => core.deactivateFramework(frameworkId));
  }

  /**
   * Returns resources a framework held; with `filter`, they are refused to it from now (host
   * clock). Like Mesos (MESOS-3078), recovery does not trigger a run: recovered resources wait
   * for the next batch run, so a framework that declines with `refuseSeconds: 0` is re-offered
   * once per allocation interval rather than in a tight loop.
   */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, filter?: RefuseFilter, role?: string, wereAllocated = false): void {
    const context = (): Readonly<Record<string, unknown>> => ({ frameworkId, agentId, resources: resources.format(), refuseSeconds: filter?.refuseSeconds, role, wereAllocated });
    const decline = filter === undefined ? undefined : { refuseSeconds: filter.refuseSeconds, nowMs: this.clock.now() };
    this.change('recoverResources', context, (core) => core.recoverResources(frameworkId, agentId, resources, decline, role, wereAllocated));
  }

  /** Marks offered resources as used by launched tasks (`HierarchicalAllocatorCore.transitionOfferedToAllocated`); no run. */
  transitionOfferedToAllocated(frameworkId: string, agentId: string, resources: Resources, role?: string): void {
    const context = (): Readonly<Record<string, unknown>> => ({ frameworkId, agentId, resources: resources.format(), role });
    this.change('transitionOfferedToAllocated', context, (core) => core.transitionOfferedToAllocated(frameworkId, agentId, resources, role));
  }

  /**
   * `Allocator.sendAcceptEnd`'s one event: `unused` recovered with `filter` (a refusal goes to
   * `onRefused`, and `launched` is still marked), then `launched` marked used (a refusal throws).
   */
  acceptEnd(frameworkId: string, agentId: string, unused: Resources, launched: Resources, filter: RefuseFilter | undefined, role: string, onRefused: (error: Error) => void): void {
    if (!unused.isEmpty()) {
      try {
        this.recoverResources(frameworkId, agentId, unused, filter, role);
      } catch (error) {
        onRefused(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (!launched.isEmpty()) this.transitionOfferedToAllocated(frameworkId, agentId, launched, role);
  }

  /**
   * `recoverResources` for each of `returns`, in order, in this one turn. A refused return (it
   * threw, and was logged) goes to `onRefused` and the rest are still returned, as separate
   * calls would be.
   */
  recoverResourcesBatch(returns: readonly ResourcesToRecover[], onRefused: (error: Error) => void): void {
    for (const { frameworkId, agentId, resources, filter, role, wereAllocated } of returns) {
      try {
        this.recoverResources(frameworkId, agentId, resources, filter, role, wereAllocated);
      } catch (error) {
        onRefused(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Stops offering a framework anything in `roles` (default: all its roles). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    this.change('suppress', { frameworkId, roles }, (core) => core.suppress(frameworkId, roles));
  }

  /** Offers a framework `roles` (default: all) again, clears their filters, and allocates. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    this.change('revive', { frameworkId, roles }, (core) => core.revive(frameworkId, roles));
    this.requestAllocation();
  }

  /** Sets role weights (all checked first) and allocates. */
  updateWeights(weights: ReadonlyMap<string, number>): void {
    this.change('updateWeights', { weights: Object.fromEntries(weights) }, (core) => core.updateWeights(weights));
    this.requestAllocation();
  }

  /** Sets the quota of a top-level role and allocates. */
  setQuota(role: string, quota: Quota): void {
    this.change('setQuota', { role, quota }, (core) => core.setQuota(role, quota));
    this.requestAllocation();
  }

  /** Removes the quota of a role (no-op if none) and allocates. */
  removeQuota(role: string): void {
    this.change('removeQuota', { role }, (core) => core.removeQuota(role));
    this.requestAllocation();
  }

  /** A view of one agent, or undefined if unknown. */
  agent(agentId: string): AgentView | undefined {
    return this.read('agent', { agentId }, (core) => core.agent(agentId));
  }

  /** Everything a framework holds (offered or allocated); rejects for an unknown framework. */
  holdings(frameworkId: string): HoldingView[] {
    return this.read('holdings', { frameworkId }, (core) => core.holdings(frameworkId));
  }

  /**
   * The allocator's metrics for `/metrics/snapshot`: counters, the run timers (absent until the
   * first run, as in Mesos), resource totals and allocations, each role's dominant share and
   * decline filters in force.
   */
  metrics(): AllocatorMetrics {
    const nowMs = this.clock.now();
    const queue = this.eventQueueCounts();
    const metrics: Record<string, number> = {
      [ALLOCATOR_METRICS.allocationRuns]: this.allocationRuns,
      ...this.allocationRunTimer.snapshot(nowMs),
      ...this.allocationLatencyTimer.snapshot(nowMs),
      [ALLOCATOR_METRICS.eventQueueDispatches]: queue.dispatches,
      [ALLOCATOR_METRICS.legacyEventQueueDispatches]: queue.dispatches,
      [ALLOCATOR_METRICS.offersMade]: this.offersMade,
    };
    if (this.core === undefined) return metrics;
    // Filters are dropped lazily; drop the expired ones so the counts are of filters in force.
    this.core.expireFilters(nowMs);
    const view = this.core.metricsView();
    for (const name of ALLOCATOR_RESOURCE_METRICS) {
      metrics[allocatorResourceKey(name, 'total')] = view.totals.get(name) ?? 0;
      metrics[allocatorResourceKey(name, 'offered_or_allocated')] = view.offeredOrAllocated.get(name) ?? 0;
    }
    for (const [role, share] of view.dominantShares) metrics[allocatorRoleShareKey(role)] = share;
    for (const [role, count] of view.activeFilters) metrics[allocatorRoleFiltersKey(role)] = count;
    for (const [role, quota] of view.quotas) {
      for (const [which, quantities] of [['guarantee', quota.guarantee], ['limit', quota.limit], ['consumed', quota.consumed], ['offered_or_allocated', quota.offeredOrAllocated]] as const) {
        for (const [name, value] of quantities) metrics[allocatorQuotaKey(role, name, which)] = value;
      }
    }
    return metrics;
  }

  /** Throws `AllocatorInvariantError` if the books are inconsistent (a bug); for tests. */
  checkInvariants(): void {
    this.initialized().checkInvariants();
  }

  // ---- allocation runs ----------------------------------------------------------------------

  /** The batch timer: a run every allocation interval (Mesos' `batch`), coalesced with triggered ones. */
  private batch(): void {
    this.delay(this.allocationIntervalMs, () => this.batch());
    this.requestAllocation();
  }

  /**
   * Asks for a run soon: a dispatch to self, queued behind what is already in the mailbox, so
   * all changes of one turn share one run. An agent's change asks for a run of that agent only
   * (Mesos' `allocationCandidates`): in a full run every other agent would offer what it offered
   * at the last one, nothing more, since only the batch timer expires filters; a change of a
   * framework, a role's weight or quota, and the batch timer ask for all agents.
   */
  private requestAllocation(agentId?: string): void {
    // Paused (`recover`): nothing is asked for; the batch timer's next run after resuming is a full one.
    if (this.paused) return;
    if (agentId === undefined) this.allocationCandidates = 'all';
    else if (this.allocationCandidates !== 'all') this.allocationCandidates.add(agentId);
    if (this.allocationPending) {
      return;
    }
    this.allocationPending = true;
    this.allocationRequestedAtMs = this.clock.now();
    this.dispatch(this, (self) => self.allocate()).catch((error: Error) => {
      // Only when the actor terminated with the run still queued: nothing is left to allocate.
      this.log.debug({ error: error.message }, 'queued allocation run dropped');
    });
  }

  /** One run (Mesos' `_allocate`): expire filters, allocate (the candidate agents), hand the allocations to the master. */
  private allocate(): void {
    this.allocationPending = false;
    if (this.paused) return; // asked for before `recover` paused runs: the candidates wait for the first run after

    const candidates = this.allocationCandidates;
    this.allocationCandidates = new Set();
    const core = this.initialized();
    const startMs = this.clock.now();
    this.allocationLatencyTimer.record(startMs - this.allocationRequestedAtMs, startMs);
    let allocations: Allocation[];
    try {
      core.expireFilters(startMs);
      allocations = core.allocate(startMs, candidates === 'all' ? undefined : candidates);
      if (this.checkInvariantsAfterEach) {
        core.checkInvariants();
      }
    } catch (error) {
      this.log.error({ error: describe(error) }, 'allocation run failed');
      return;
    }
    this.allocationRuns++;
    const endMs = this.clock.now();
    this.allocationRunTimer.record(endMs - startMs, endMs);
    this.offersMade += allocations.length;
    this.log.debug({ offers: allocations.length, durationMs: endMs - startMs, agents: candidates === 'all' ? 'all' : candidates.size }, 'allocation run');
    if (allocations.length > 0) {
      this.deliver(allocations);
    }
  }

  /** Ends a recovery's pause (Mesos' `resume`): the next run (an added agent's, or the batch timer's) allocates. */
  private resume(reason: string): void {
    if (!this.paused) return;
    this.expectedAgentCount = undefined;
    this.log.info({ reason }, 'allocation resumed');
  }

  /** Calls the master's callback; a throwing callback is a master bug, logged and isolated. */
  private deliver(allocations: Allocation[]): void {
    try {
      this.offerCallback(allocations);
    } catch (error) {
      this.log.error({ offers: allocations.length, error: describe(error) }, 'offer callback threw');
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Runs a change through the core, then checks the books when asked to. */
  private change<R>(operation: string, context: LogContext, apply: (core: HierarchicalAllocatorCore) => R): R {
    const core = this.initialized();
    const result = this.guard(operation, context, () => apply(core));
    if (this.checkInvariantsAfterEach) {
      this.guard(`${operation}: invariants`, context, () => core.checkInvariants());
    }
    return result;
  }

  /** Reads from the core (no invariant check: nothing changed). */
  private read<R>(operation: string, context: LogContext, apply: (core: HierarchicalAllocatorCore) => R): R {
    const core = this.initialized();
    return this.guard(operation, context, () => apply(core));
  }

  /** Runs `run`; logs a bad input (warn) or a bug (error) with its reason, then rethrows it. */
  private guard<R>(operation: string, context: LogContext, run: () => R): R {
    try {
      return run();
    } catch (error) {
      const fields = { operation, ...(typeof context === 'function' ? context() : context) };
      if (error instanceof AllocatorError) {
        this.log.warn(fields, error.message);
      } else {
        this.log.error({ ...fields, error: describe(error) }, `allocator ${operation} failed (a bug)`);
      }
      throw error;
    }
  }

  /** A core with the host's seeded PRNG; throws `AllocatorError` on bad options. */
  private createCore(
    allocationIntervalMs: number,
    minAllocatable: AllocatorOptions['minAllocatable'],
    fairSharingExcludedResourceNames: AllocatorOptions['fairSharingExcludedResourceNames'],
  ): HierarchicalAllocatorCore {
    if (!Number.isFinite(allocationIntervalMs) || allocationIntervalMs < MIN_ALLOCATION_INTERVAL_MS) {
      throw new AllocatorError(`allocationIntervalMs must be at least ${MIN_ALLOCATION_INTERVAL_MS}, not ${allocationIntervalMs}`);
    }
    return new HierarchicalAllocatorCore({ random: () => this.random.next(), allocationIntervalMs, minAllocatable, fairSharingExcludedResourceNames });
  }

  /** The core; throws if `start` has not run (a master bug, not bad input). */
  private initialized(): HierarchicalAllocatorCore {
    if (this.core === undefined) {
      throw new Error('allocator: call initialize first');
    }
    return this.core;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Throws `AllocatorError` unless the recovery options are usable: a finite non-negative factor, a positive timeout. */
function checkRecoveryOptions(agentRecoveryFactor: number, recoveryTimeoutMs: number): void {
  if (!Number.isFinite(agentRecoveryFactor) || agentRecoveryFactor < 0) throw new AllocatorError(`agentRecoveryFactor must be a non-negative number, not ${agentRecoveryFactor}`);
  if (!Number.isFinite(recoveryTimeoutMs) || recoveryTimeoutMs <= 0) throw new AllocatorError(`recoveryTimeoutMs must be positive, not ${recoveryTimeoutMs}`);
}
