/**
 * Agent draining and deactivation (Mesos 1.9's DRAIN_AGENT, DEACTIVATE_AGENT and REACTIVATE_AGENT,
 * src/master/http.cpp and master.cpp's `checkAndTransitionDrainingAgent`).
 *
 * An operator deactivates an agent: its resources are no longer offered (its offers are
 * rescinded), its tasks keep running. Draining deactivates it too, and tells it to drain (the
 * `DrainAgent` message: it kills every task, each kill's grace period capped by
 * `max_grace_period`, and refuses new ones); the agent is DRAINING until it has no task left on
 * the master's books (a task leaves them once its terminal update is acknowledged) and no
 * operation with feedback unacknowledged, then DRAINED, or, drained with `mark_gone`, marked gone
 * as MARK_AGENT_GONE does. REACTIVATE_AGENT undoes a deactivation, or a draining once DRAINED.
 *
 * All of it is written to the registry before it takes effect (Mesos' DeactivateAgent, DrainAgent,
 * MarkAgentDrained and ReactivateAgent registry operations), so it outlives a master failover: an
 * agent admitted or unreachable keeps it, one removed or marked gone loses it. An agent that comes
 * back deactivated stays unoffered (its link coming back does not activate it), and a draining or
 * drained one is told to drain again (the agent finds itself done when it has nothing left).
 *
 * The books (`DeactivatedAgents`) live in the master's state (the endpoints render them: GET_AGENTS'
 * `deactivated`, `drain_info` and `estimated_drain_start_time`, `/master/state`'s `deactivated`,
 * `drain_info` and `estimated_drain_start_time_seconds`); `AgentDrainer` changes them, in the
 * master's mailbox, through the few things it asks of the master (`DrainPort`).
 */
import { boundedText } from '../../lib/protocol/plain';
import { httpError, ok, type HttpCaller, type HttpResponse } from '../../lib/process';
import { describeDenial, type Authorizer } from '../../lib/acls';
import type { Logger } from '../../lib/logging';
import type { DrainConfig, DrainInfo } from '../../lib/protocol';
import { MAX_ERROR_DETAIL_LENGTH } from './constants';
import type { Registry } from './registry';
import type { AgentRecord, MasterState } from './state';

/** The capability an agent advertises when it can drain (Mesos' `AGENT_DRAINING`): a registered agent without it is not drained. */
export const AGENT_DRAINING_CAPABILITY = 'AGENT_DRAINING';

/** One deactivated agent (registered, recovered or unreachable) as the master keeps it. */
export interface AgentDeactivation {
  /** Its draining, if it was drained (none: deactivated only). */
  readonly drain: DrainInfo | undefined;
  /**
   * When this master told it to drain while it was registered (Mesos' `estimatedDrainStartTime`,
   * shown as `estimated_drain_start_time`): in memory only, as Mesos keeps it.
   */
  readonly estimatedDrainStartTimeMs: number | undefined;
}

/**
 * The agents an operator deactivated or drained (Mesos' `slaves.deactivated` and
 * `slaves.draining`), by id: what the registry holds, once durable.
 */
export class DeactivatedAgents {
  private readonly byId = new Map<string, AgentDeactivation>();
  /** Ids of those DRAINING: the ones a change of the books may bring to DRAINED. */
  private readonly drainingIds = new Set<string>();

  /** Whether `agentId` is deactivated (drained agents are). */
  has(agentId: string): boolean {
    return this.byId.size > 0 && this.byId.has(agentId);
  }

  get(agentId: string): AgentDeactivation | undefined {
    return this.byId.size === 0 ? undefined : this.byId.get(agentId);
  }

  /** The agents DRAINING now. */
  draining(): readonly string[] {
    return [...this.drainingIds];
  }

  get size(): number {
    return this.byId.size;
  }

  /** Sets `agentId`'s deactivation (and draining). */
  set(agentId: string, deactivation: AgentDeactivation): void {
    this.byId.set(agentId, deactivation);
    if (deactivation.drain?.state === 'DRAINING') this.drainingIds.add(agentId);
    else this.drainingIds.delete(agentId);
  }

  /** Forgets `agentId` (reactivated, removed or marked gone); whether it was deactivated. */
  delete(agentId: string): boolean {
    this.drainingIds.delete(agentId);
    return this.byId.delete(agentId);
  }
}

/** What the drainer asks of the master (all called in the master's mailbox). */
export interface DrainPort {
  /** The master's logger (read when used: the master's is there once it is spawned). */
  logger(): Logger;
  readonly registry: Registry;
  readonly state: MasterState;
  readonly authorizer: Authorizer;
  /** Now, on the master's clock (ms). */
  now(): number;
  /** Runs `then` (or `failed`) in the master's mailbox once `promise` settles. */
  defer<T>(promise: Promise<T>, then: (value: T) => void, failed: (error: Error) => void): void;
  /** Whether `agentId` (recovered or unreachable) is being marked gone (Mesos' `slaves.markingGone`). */
  markingGone(agentId: string): boolean;
  /** Stops offering a registered agent: the allocator deactivates it, its offers are rescinded (Mesos' `Master::deactivate`). */
  deactivate(agent: AgentRecord): void;
  /** Offers a registered, connected agent again (the allocator activates it). */
  activate(agent: AgentRecord): void;
  /** Tells a registered agent to drain (`DrainAgent`). */
  sendDrain(agent: AgentRecord, config: DrainConfig): void;
  /** Operations with feedback on the agent the master holds (pending, or not yet acknowledged). */
  operationsOn(agentId: string): number;
  /** Marks a drained registered agent gone, as MARK_AGENT_GONE does (its ACLs were checked when it was drained). */
  markGone(agent: AgentRecord, done: () => void): void;
}

/** A DRAIN_AGENT call, checked (`lib/v1/operator.ts`). */
export interface DrainRequest {
  readonly agentId: string;
  /** `max_grace_period` in nanoseconds, if given. */
  readonly maxGracePeriodNs?: number;
  readonly markGone: boolean;
}

/** Deactivates, drains and reactivates agents; see the file's comment. */
export class AgentDrainer {
  /** Agents whose move to DRAINED (or to gone) is being written: not started again meanwhile. */
  private readonly transitioning = new Set<string>();

  constructor(private readonly port: DrainPort) {}

  private get log(): Logger {
    return this.port.logger();
  }

  private get books(): DeactivatedAgents {
    return this.port.state.deactivatedAgents;
  }

  /** After a restart or failover: the registry's deactivated and drained agents (before any agent is back). */
  recover(): void {
    for (const [agentId, drain] of this.port.registry.deactivatedAgents()) this.books.set(agentId, { drain, estimatedDrainStartTimeMs: undefined });
    if (this.books.size > 0) this.log.info({ deactivated: this.books.size, draining: this.books.draining().length }, 'recovered deactivated and draining agents from the registry');
  }

  /**
   * DEACTIVATE_AGENT (Mesos' `deactivateAgent`): the ACLs' `deactivate_agents`, then the
   * registry, then the agent is no longer offered. 200 once durable; 400 `Unknown agent` for one
   * neither registered, recovered nor unreachable, as Mesos answers.
   */
  deactivate(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse> {
    if (!this.port.authorizer.authorized('deactivate_agents', caller.principal)) return forbidden('deactivate_agents', caller);
    if (this.unknown(agentId)) return httpError(400, 'Unknown agent');
    this.log.info({ agentId, principal: caller.principal }, 'deactivating an agent at an operator\'s request');
    return this.written(this.port.registry.deactivateAgent(agentId), agentId, () => {
      const known = this.books.get(agentId);
      this.books.set(agentId, { drain: known?.drain, estimatedDrainStartTimeMs: known?.estimatedDrainStartTimeMs });
      const agent = this.registered(agentId);
      if (agent !== undefined) this.stopOffering(agent);
    });
  }

  /**
   * DRAIN_AGENT (Mesos' `drainAgent`): a registered agent must be able to drain; the ACLs'
   * `drain_agents` (and `mark_agents_gone` with `mark_gone`); the registry; then the agent is
   * DRAINING, deactivated, and, registered, told to drain (and found drained at once if it has
   * nothing). An unreachable or recovered agent is told when it comes back.
   */
  drain(caller: HttpCaller, request: DrainRequest): HttpResponse | Promise<HttpResponse> {
    const { agentId } = request;
    const named = boundedText(agentId, MAX_ERROR_DETAIL_LENGTH);
    const registered = this.registered(agentId);
    if (registered !== undefined && !registered.capabilities.includes(AGENT_DRAINING_CAPABILITY)) return httpError(400, `Agent ${named} is not capable of draining`);
    if (!this.port.authorizer.authorized('drain_agents', caller.principal)) return forbidden('drain_agents', caller);
    if (request.markGone && !this.port.authorizer.authorized('mark_agents_gone', caller.principal)) return forbidden('mark_agents_gone', caller);
    if (this.unknown(agentId)) return httpError(400, 'Unknown agent');
    if (this.port.markingGone(agentId)) return httpError(409, 'Agent is currently being marked gone');
    const config: DrainConfig = { ...(request.maxGracePeriodNs !== undefined ? { maxGracePeriodNs: request.maxGracePeriodNs } : {}), markGone: request.markGone };
    this.log.info({ agentId, principal: caller.principal, maxGracePeriodNs: config.maxGracePeriodNs, markGone: config.markGone }, 'draining an agent at an operator\'s request');
    return this.written(this.port.registry.drainAgent(agentId, config), agentId, () => {
      const agent = this.registered(agentId);
      this.books.set(agentId, { drain: { state: 'DRAINING', config }, estimatedDrainStartTimeMs: agent !== undefined ? this.port.now() : this.books.get(agentId)?.estimatedDrainStartTimeMs });
      if (agent === undefined) return;
      this.stopOffering(agent);
      if (agent.connected) this.port.sendDrain(agent, config);
      this.check(agent);
    });
  }

  /**
   * REACTIVATE_AGENT (Mesos' `reactivateAgent`): the ACLs' `reactivate_agents`; 400 for an agent
   * not deactivated, or still DRAINING; else the registry, then the agent is offered again
   * (a disconnected one once it is back). Mesos answers 409 for an agent not registered, having
   * reactivated it all the same; this master answers 200.
   */
  reactivate(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse> {
    if (!this.port.authorizer.authorized('reactivate_agents', caller.principal)) return forbidden('reactivate_agents', caller);
    const known = this.books.get(agentId);
    if (known === undefined) return httpError(400, 'Agent is not deactivated');
    if (known.drain?.state === 'DRAINING') return httpError(400, 'Agent is still in the DRAINING state');
    this.log.info({ agentId, principal: caller.principal }, 'reactivating an agent at an operator\'s request');
    return this.written(this.port.registry.reactivateAgent(agentId), agentId, () => {
      this.books.delete(agentId);
      const agent = this.registered(agentId);
      if (agent === undefined) return;
      this.port.state.refreshAgentActive(agent);
      if (agent.active) this.port.activate(agent);
      else this.log.info({ agentId }, 'the disconnected agent is offered again once it is back');
    });
  }

  /**
   * A registered agent came back (re-registered, or taken back after a failover or once
   * unreachable): a draining or drained one is told to drain again (Mesos sends it in either
   * state: an agent with nothing left is done at once), and may be drained now.
   */
  reregistered(agent: AgentRecord): void {
    const drain = this.books.get(agent.id)?.drain;
    if (drain === undefined) return;
    this.port.sendDrain(agent, drain.config);
    this.check(agent);
  }

  /**
   * Mesos' `checkAndTransitionDrainingAgent`: a DRAINING registered agent with no task on the
   * books (each leaves once its terminal update is acknowledged) and no operation unacknowledged
   * is DRAINED (written first), or, drained with `mark_gone`, marked gone. Cheap for any other.
   */
  check(agent: AgentRecord): void {
    if (this.books.size === 0) return;
    const deactivation = this.books.get(agent.id);
    const drain = deactivation?.drain;
    if (deactivation === undefined || drain?.state !== 'DRAINING' || this.transitioning.has(agent.id)) return;
    if (agent.removing || !agent.listed) return;
    for (const tasks of agent.tasks.values()) if (tasks.size > 0) return;
    if (this.port.operationsOn(agent.id) > 0) return;
    if (this.port.markingGone(agent.id)) return;
    this.transitioning.add(agent.id);
    if (drain.config.markGone === true) {
      this.log.info({ agentId: agent.id }, 'marking the drained agent gone');
      this.port.markGone(agent, () => this.transitioning.delete(agent.id));
      return;
    }
    this.log.info({ agentId: agent.id }, 'the agent is drained: DRAINED');
    this.port.defer(this.port.registry.markAgentDrained(agent.id), () => {
      this.transitioning.delete(agent.id);
      const now = this.books.get(agent.id);
      // Reactivated or removed meanwhile (Mesos: an agent that unregistered just before).
      if (now?.drain?.state !== 'DRAINING') return;
      this.books.set(agent.id, { ...now, drain: { ...now.drain, state: 'DRAINED' } });
      this.touch(agent.id);
    }, (error) => {
      this.transitioning.delete(agent.id);
      this.log.error({ agentId: agent.id, error: error.message }, 'could not record the agent as DRAINED; it is checked again at its next change');
    });
  }

  /** `check` of every DRAINING registered agent (a framework removed: its tasks left their agents' books). */
  checkAll(): void {
    if (this.books.size === 0) return;
    for (const agentId of this.books.draining()) {
      const agent = this.registered(agentId);
      if (agent !== undefined) this.check(agent);
    }
  }

  /** The agent left for good (it unregistered, was replaced or marked gone): its deactivation goes, as its registry entry's did. */
  forget(agentId: string): void {
    this.transitioning.delete(agentId);
    if (this.books.size === 0) return;
    if (this.books.delete(agentId)) this.log.info({ agentId }, 'the agent left for good: forgetting its deactivation');
  }

  /** A registered agent that is to be offered no more: inactive in the books and the allocator, its offers rescinded. */
  private stopOffering(agent: AgentRecord): void {
    this.port.state.refreshAgentActive(agent);
    this.port.deactivate(agent);
  }

  /**
   * Whether the master knows no agent `agentId`: registered, recovered from the registry, or
   * unreachable (Mesos answers `Unknown agent` for any other: one gone, or never admitted). One
   * whose removal or re-admission is being written is taken: the registry applies the changes in
   * order, refusing a deactivation of an agent it no longer has (then 409).
   */
  private unknown(agentId: string): boolean {
    const { state } = this.port;
    return !state.agents.has(agentId) && !state.recoveredAgents.has(agentId) && !state.unreachableAgents.has(agentId);
  }

  /** 200 once `write` is durable and `apply` has run (the agent's records touched for the endpoints); 409 if the registry refused it (the agent left meanwhile). */
  private written(write: Promise<void>, agentId: string, apply: () => void): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve) => {
      this.port.defer(write, () => {
        apply();
        this.touch(agentId);
        resolve(ok(''));
      }, (error) => {
        this.log.warn({ agentId, error: error.message }, 'the registry refused an agent\'s deactivation or draining: the agent left meanwhile');
        resolve(httpError(409, 'Agent removed while processing the call'));
      });
    });
  }

  /** The registered agent `agentId` (listed in the books), if any. */
  private registered(agentId: string): AgentRecord | undefined {
    return this.port.state.agents.get(agentId);
  }

  /** Marks a registered agent's record changed, for the state endpoints' kept renderings. */
  private touch(agentId: string): void {
    const agent = this.registered(agentId);
    if (agent !== undefined) this.port.state.agentChanged(agent);
  }
}

function forbidden(action: 'drain_agents' | 'deactivate_agents' | 'reactivate_agents' | 'mark_agents_gone', caller: HttpCaller): HttpResponse {
  return httpError(403, `Forbidden: ${describeDenial(action, caller.principal, undefined)}`);
}
