/** The allocator's public facade (Mesos' `Allocator` over its `HierarchicalAllocatorProcess`). */
import { dispatch, post } from '../../lib/actor';
import type { ActorHost } from '../../lib/process';
import type { Resources } from '../../lib/resources';
import { AllocatorProcess, type AllocatorMetrics, type AllocatorOptions, type RefuseFilter, type ResourcesToRecover } from './allocator-process';
import type { AddAgentOptions, AgentView, UpdateAgentOptions, FrameworkSubscription, FrameworkUpdate, HoldingView, Quota } from './hierarchical';

export {
  ALLOCATOR_ACTOR_ID,
  ALLOCATOR_METRICS,
  ALLOCATOR_COUNTERS,
  ALLOCATOR_RESOURCE_METRICS,
  ALLOCATION_RUN_TIMER_WINDOW_MS,
  allocatorQuotaKey,
  allocatorResourceKey,
  allocatorRoleFiltersKey,
  allocatorRoleShareKey,
  MIN_ALLOCATION_INTERVAL_MS,
  AllocatorProcess,
  type AllocatorMetrics,
  type AllocatorOptions,
  type OfferCallback,
  type RefuseFilter,
  type ResourcesToRecover,
} from './allocator-process';

/**
 * The hierarchical DRF allocator as the master sees it. Each method is one `dispatch` into the
 * allocator actor's mailbox and returns a Promise; bad input (an unknown agent, framework or
 * that the actor logged, and changes nothing. Allocations come back through `offerCallback`, once per
 * that the actor logged, and changes nothing. Offers come back through `offerCallback`, once per
 * allocation run that made any, from inside the allocator's mailbox.
 *
 * @example
 *   const allocator = Allocator.spawnOn(host);
 *   await allocator.initialize({
 *     offerCallback: (allocations) => void dispatch(master, (m) => m.offer(allocations)),
 *   });
 *   await allocator.addAgent('agent-1', Resources.parse('cpus:4;mem:8192'));
 *   await allocator.addFramework('framework-1', { roles: ['*'] });
 *   // soon after: offerCallback([{ frameworkId: 'framework-1', role: '*', agentId: 'agent-1', resources }])
 *   await allocator.recoverResources('framework-1', 'agent-1', declined, { refuseSeconds: 5 });
 */
export class Allocator {
  /** Spawns a fresh allocator actor (id `allocator`) on `host` and returns its facade. */
  static spawnOn(host: ActorHost, id?: string): Allocator {
    const process = new AllocatorProcess(id);
    host.spawn(process);
    return new Allocator(process);
  }

  /** Returns collected inside `beginRecoverBatch` / `endRecoverBatch`, not yet sent. */
  private batch: { returns: ResourcesToRecover[]; onRefused: (error: Error) => void } | undefined;
  /** Open `beginRecoverBatch` calls. */
  private batchDepth = 0;

  /** @param process an allocator actor already spawned on the caller's host. */
  constructor(readonly process: AllocatorProcess) {}

  /** A call into the allocator's mailbox, after the returns collected so far (so that it sees calls in the order made). */
  private call<T>(method: (process: AllocatorProcess) => T): Promise<T> {
    this.flushRecovers();
    return dispatch(this.process, method);
  }

  /**
   * Sends the returns collected so far as one mailbox event (100k declined offers a cycle at 100k
   * agents are then a few hundred events, not 100k closures waiting in the mailbox). Each refused
   * return reaches `onRefused` on its own, as if it had been sent alone.
   */
  private flushRecovers(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    const { returns, onRefused } = batch;
    post(this.process, (process) => process.recoverResourcesBatch(returns, onRefused), (error) => {
      // Not run at all (the allocator has ended): every return of the batch is refused.
      for (let index = 0; index < returns.length; index++) onRefused(error);
    });
  }

  /** Creates the books and starts the batch timer; call once, before anything else. */
  initialize(options: AllocatorOptions): Promise<void> {
    return this.call((process) => process.start(options));
  }

  /**
   * After a master failover, before any agent is added: with quota set, offers wait for enough of
   * the `expectedAgentCount` agents the registry admitted (see `AllocatorProcess.recover`).
   */
  recover(expectedAgentCount: number): Promise<void> {
    return this.call((process) => process.recover(expectedAgentCount));
  }

  /** Adds an agent with its total resources (and what running tasks already use on it). */
  addAgent(agentId: string, total: Resources, options?: AddAgentOptions): Promise<void> {
    return this.call((process) => process.addAgent(agentId, total, options));
  }

  /** Removes an agent; what was offered or allocated on it is released. */
  removeAgent(agentId: string): Promise<void> {
    return this.call((process) => process.removeAgent(agentId));
  }

  /**
   * Changes an agent's total (it must still contain what is offered or allocated) and, with
   * `options.attributes`, its attributes: decline filters on it are dropped only when they change.
   */
  updateAgent(agentId: string, total: Resources, options?: UpdateAgentOptions): Promise<void> {
    return this.call((process) => process.updateAgent(agentId, total, options));
  }

  /** Makes an agent offerable again (e.g. it re-registered). */
  activateAgent(agentId: string): Promise<void> {
    return this.call((process) => process.activateAgent(agentId));
  }

  /** Stops offering an agent (e.g. disconnected); its allocations stay. */
  deactivateAgent(agentId: string): Promise<void> {
    return this.call((process) => process.deactivateAgent(agentId));
  }

  /** Adds a framework subscribed to one or more roles. */
  addFramework(frameworkId: string, subscription: FrameworkSubscription): Promise<void> {
    return this.call((process) => process.addFramework(frameworkId, subscription));
  }

  /** Removes a framework; everything it holds is released. */
  removeFramework(frameworkId: string): Promise<void> {
    return this.call((process) => process.removeFramework(frameworkId));
  }

  /** Changes a framework's roles, capabilities and suppressed roles (Mesos' `updateFramework`; see `HierarchicalAllocatorCore.updateFramework`). */
  updateFramework(frameworkId: string, update: FrameworkUpdate): Promise<void> {
    return this.call((process) => process.updateFramework(frameworkId, update));
  }

  /** Makes a framework offerable again (in its unsuppressed roles). */
  activateFramework(frameworkId: string): Promise<void> {
    return this.call((process) => process.activateFramework(frameworkId));
  }

  /** Stops offering a framework (e.g. disconnected) and drops its filters; its holdings stay. */
  deactivateFramework(frameworkId: string): Promise<void> {
    return this.call((process) => process.deactivateFramework(frameworkId));
  }

  /**
   * Returns resources a framework held on an agent (declined, unused or freed). With `filter`,
   * they are not re-offered to it there for `refuseSeconds` (default 5; 0 = no filter) unless
   * more becomes free. `role` is needed only if the framework holds resources there in several.
   * `wereAllocated`: tasks used them (a task or executor ended), not only offered (Mesos' `isAllocated`).
   */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, filter?: RefuseFilter, role?: string, wereAllocated = false): Promise<void> {
    return this.call((process) => process.recoverResources(frameworkId, agentId, resources, filter, role, wereAllocated));
  }

  /**
   * Offered resources a framework launched tasks with (Mesos' `transitionOfferedToAllocated`):
   * from now on quota's `consumed` metric counts them, until they are recovered with `wereAllocated`.
   */
  transitionOfferedToAllocated(frameworkId: string, agentId: string, resources: Resources, role?: string): Promise<void> {
    return this.call((process) => process.transitionOfferedToAllocated(frameworkId, agentId, resources, role));
  }

  /**
   * Offered `consumed` a framework converted into `converted` (a RESERVE or UNRESERVE it
   * accepted: the same quantities, reserved otherwise); the agent's total changes with them
   * (Mesos' `updateAllocation`). Call before the accept's end returns or marks any of them.
   */
  updateAllocation(frameworkId: string, agentId: string, consumed: Resources, converted: Resources, role?: string): Promise<void> {
    return this.call((process) => process.updateAllocation(frameworkId, agentId, consumed, converted, role));
  }

  /**
   * Converts resources of an agent that nobody holds (an operator's `/reserve` or `/unreserve`;
   * Mesos' `updateAvailable`): `done(false)`, changing nothing, if `consumed` is not all
   * available there when the allocator gets to it. Allocations made after it see the new total.
   * `done` is called from inside the allocator's mailbox, in the turn that converts (`onError`
   * too, if the allocator has ended or refuses the call): a caller that posts to its own mailbox
   * from there hears of it before any allocation made after it, which a promise's continuation
   * would not (the allocator may run its next allocation first).
   * @example allocator.updateAvailable(agentId, consumed, converted, (done) => post(master, (m) => m.converted(done), log), log);
   */
  updateAvailable(agentId: string, consumed: Resources, converted: Resources, done: (converted: boolean) => void, onError: (error: Error) => void): void {
    this.flushRecovers();
    post(this.process, (process) => done(process.updateAvailable(agentId, consumed, converted)), onError);
  }

  /**
   * The end of an accept, in one mailbox event and without a promise: `unused` (the offers' rest)
   * returned as `sendRecoverResources` returns it, with `filter`, then `launched` (what the tasks
   * and new executors took) marked used as `transitionOfferedToAllocated` marks it. Either may be
   * empty. A refusal of either goes to `onRefused`, called from inside the allocator's mailbox.
   * Returns collected in an open batch are sent first, so the order of calls is kept.
   */
  sendAcceptEnd(frameworkId: string, agentId: string, unused: Resources, launched: Resources, filter: RefuseFilter | undefined, role: string, onRefused: (error: Error) => void): void {
    this.flushRecovers();
    post(this.process, (process) => process.acceptEnd(frameworkId, agentId, unused, launched, filter, role, onRefused), onRefused);
  }

  /**
   * `recoverResources` without a promise, for a caller that returns many (the master returns
   * every declined or rescinded offer's resources: at 100k agents, 100k calls a cycle). A refusal
   * goes to `onRefused`, called from inside the allocator's mailbox. `wereAllocated` as `recoverResources`'.
   */
  sendRecoverResources(frameworkId: string, agentId: string, resources: Resources, filter: RefuseFilter | undefined, role: string | undefined, onRefused: (error: Error) => void, wereAllocated = false): void {
    if (this.batchDepth > 0) {
      if (this.batch !== undefined && this.batch.onRefused !== onRefused) this.flushRecovers();
      (this.batch ??= { returns: [], onRefused }).returns.push({ frameworkId, agentId, resources, filter, role, wereAllocated });
      return;
    }
    post(this.process, (process) => process.recoverResources(frameworkId, agentId, resources, filter, role, wereAllocated), onRefused);
  }

  /**
   * From here until the matching `endRecoverBatch`, the returns sent with `sendRecoverResources`
   * are collected and go as one mailbox event: the master opens one
   * around a decline of many offers. Any other call on this facade sends what was collected
   * first, so the allocator sees every call in the order it was made. Pairs may nest.
   */
  beginRecoverBatch(): void {
    this.batchDepth++;
  }

  /** Ends a `beginRecoverBatch`; the outermost end sends what was collected. */
  endRecoverBatch(): void {
    if (this.batchDepth === 0) throw new Error('Allocator.endRecoverBatch without beginRecoverBatch');
    if (--this.batchDepth === 0) this.flushRecovers();
  }

  /** Stops offering a framework anything in `roles` (default: all its roles). */
  suppress(frameworkId: string, roles?: readonly string[]): Promise<void> {
    return this.call((process) => process.suppress(frameworkId, roles));
  }

  /** Offers a framework `roles` (default: all) again and clears its filters for them. */
  revive(frameworkId: string, roles?: readonly string[]): Promise<void> {
    return this.call((process) => process.revive(frameworkId, roles));
  }

  /** Sets role weights (a role's share is divided by its weight); all are checked first. */
  updateWeights(weights: ReadonlyMap<string, number>): Promise<void> {
    return this.call((process) => process.updateWeights(weights));
  }

  /** Sets (or, when empty, removes) the quota of a top-level role. */
  setQuota(role: string, quota: Quota): Promise<void> {
    return this.call((process) => process.setQuota(role, quota));
  }

  /** Removes the quota of a role (no-op if it had none). */
  removeQuota(role: string): Promise<void> {
    return this.call((process) => process.removeQuota(role));
  }

  /** A read-only view of one agent (total, allocated, available, active), or undefined. */
  agent(agentId: string): Promise<AgentView | undefined> {
    return this.call((process) => process.agent(agentId));
  }

  /** Everything a framework holds, offered or allocated, per agent and role. */
  holdings(frameworkId: string): Promise<HoldingView[]> {
    return this.call((process) => process.holdings(frameworkId));
  }

  /** The allocator's metrics for `/metrics/snapshot` (keys: `ALLOCATOR_METRICS` and the per-role and per-resource keys). */
  metrics(): Promise<AllocatorMetrics> {
    return this.call((process) => process.metrics());
  }
}
