/**
 * The agent's side of operation feedback on its own resources (Mesos' operation status update
 * manager, for agents with the AGENT_OPERATION_FEEDBACK capability).
 *
 * A RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME or SHRINK_VOLUME (a framework's, with an
 * `id` or without, or an operator's: Mesos' master books them all on an agent that gives feedback)
 * reaches the agent in the master's CheckpointResources, which names the operations its
 * resources carry out. Once those resources are durable, each such operation is finished: its
 * OPERATION_FINISHED status (with a fresh status uuid) is journaled, then sent to the master
 * (UpdateOperationStatus), and sent again, with backoff, until the master passes on its
 * acknowledgement (OperationStatusAcknowledgement), when it is forgotten. The unacknowledged
 * ones are reported when the agent re-registers (a new master adopts them) and outlive restarts
 * in the journal.
 *
 * @example
 *   const operations = new AgentOperations(hooks, recovered.operations);
 *   operations.carry(message.operations ?? []);   // CheckpointResources came
 *   operations.durable();                           // its resources are written
 */
import type { AgentOperation, CarriedOperation } from '../../lib/protocol';
import { MAX_AGENT_REPORTED_OPERATIONS } from '../../lib/protocol/limits';
import type { CheckpointRecord } from './checkpoint';
import { MAX_REPORTED_OPERATION_BYTES, OPERATION_STATUS_RETRY_INTERVAL_MAX_MS, OPERATION_STATUS_RETRY_INTERVAL_MIN_MS } from './constants';


/** What the operations need of their agent. */
export interface AgentOperationHooks {
  /** The agent's id (undefined before it first registered: nothing is sent). */
  agentId(): string | undefined;
  /** Whether the agent is registered with its master now (statuses are sent only then). */
  registered(): boolean;
  /** Sends an operation's status to the master. */
  send(operation: AgentOperation): void;
  /** Journals a record; resolves once durable (undefined: the agent keeps no checkpoints). */
  record(record: CheckpointRecord): Promise<void> | undefined;
  /** A fresh status uuid (the host's: a simulation's are the seed's). */
  newUuid(): string;
  delay(ms: number, callback: () => void): { cancel(): void };
  /** Logs that the master acknowledged a status this agent does not hold as latest. */
  staleAcknowledgement(operationUuid: string, statusUuid: string): void;
}

/** An agent's operations with feedback. */
export class AgentOperations {
  /** Unacknowledged, by uuid, oldest first. */
  private readonly operations: Map<string, AgentOperation>;
  /** Carried out by resources not yet durable, by uuid; finished by `durable`. */
  private readonly waiting = new Map<string, CarriedOperation>();
  /** Journal records not yet durable, by operation uuid: the status is sent once it is. */
  private readonly writing = new Set<string>();
  private retryTimer: { cancel(): void } | undefined;
  private retryIntervalMs = OPERATION_STATUS_RETRY_INTERVAL_MIN_MS;

  constructor(private readonly hooks: AgentOperationHooks, recovered?: ReadonlyMap<string, AgentOperation>) {
    this.operations = new Map(recovered ?? []);
  }

  /** Whether it holds nothing (the agent may drop it). */
  get idle(): boolean {
    return this.operations.size === 0 && this.waiting.size === 0 && this.retryTimer === undefined;
  }

  /**
   * A CheckpointResources names `carried`: each not already finished or waiting waits for the
   * resources to be durable (`durable`). The master names every operation it has not heard
   * finished, so a word sent again names them again: those already here are skipped.
   */
  carry(carried: readonly CarriedOperation[]): void {
    for (const operation of carried) {
      if (!this.operations.has(operation.uuid) && !this.waiting.has(operation.uuid)) this.waiting.set(operation.uuid, operation);
    }
  }

  /** The latest resources the master sent are durable: every waiting operation is finished. */
  durable(): void {
    if (this.waiting.size === 0) return;
    const agentId = this.hooks.agentId();
    if (agentId === undefined) return;
    for (const carried of this.waiting.values()) this.finish(carried, agentId);
    this.waiting.clear();
  }

  /**
   * The master acknowledged `statusUuid` of `operationUuid`: if it is the operation's latest
   * status, the operation is forgotten (journaled). Another is logged and ignored (a late one).
   */
  acknowledged(operationUuid: string, statusUuid: string): void {
    const operation = this.operations.get(operationUuid);
    if (operation === undefined) return;
    if (operation.status.uuid !== statusUuid) {
      this.hooks.staleAcknowledgement(operationUuid, statusUuid);
      return;
    }
    this.operations.delete(operationUuid);
    this.writing.delete(operationUuid);
    void this.hooks.record({ t: 'operationAcknowledged', uuid: operationUuid });
    if (this.operations.size === 0) this.stopRetrying();
  }

  /** The unacknowledged operations, oldest first (GET_OPERATIONS). */
  list(): Iterable<AgentOperation> {
    return this.operations.values();
  }

  /**
   * What a re-registration reports: the unacknowledged operations whose status is journaled,
   * oldest first, at most `MAX_AGENT_REPORTED_OPERATIONS` and `MAX_REPORTED_OPERATION_BYTES` of
   * them (the rest are sent one a message once registered). One still being journaled is left out,
   * as it is not sent yet either: a master that took its status, then met this agent restarted
   * without it (the record lost), would hold a status no one sends, and the operation not pending
   * (so no word carries it out again); left out, it stays pending there until this agent sends it.
   */
  report(): AgentOperation[] | undefined {
    const reported: AgentOperation[] = [];
    let bytes = 0;
    for (const operation of this.operations.values()) {
      if (reported.length === MAX_AGENT_REPORTED_OPERATIONS) break;
      if (this.writing.has(operation.uuid)) continue;
      // The report only spares the master waiting for each status: what it leaves out is sent once registered, one message each.
      bytes += JSON.stringify(operation).length;
      if (bytes > MAX_REPORTED_OPERATION_BYTES) break;
      reported.push(operation);
    }
    return reported.length === 0 ? undefined : reported;
  }

  /** The agent is registered again: every unacknowledged status is sent now, and retried from the shortest interval. */
  reregistered(): void {
    if (this.operations.size === 0) return;
    this.retryIntervalMs = OPERATION_STATUS_RETRY_INTERVAL_MIN_MS;
    this.sendAll();
  }

  /** The agent stops: no more retries. */
  stop(): void {
    this.stopRetrying();
  }

  private finish(carried: CarriedOperation, agentId: string): void {
    const operation: AgentOperation = {
      ...carried,
      // As Mesos' agent: the status names the operation's id only when it has one.
      status: { ...(carried.operationId !== undefined ? { operationId: carried.operationId } : {}), state: 'OPERATION_FINISHED', uuid: this.hooks.newUuid(), agentId },
    };
    this.operations.set(operation.uuid, operation);
    const written = this.hooks.record({ t: 'operation', operation });
    if (written === undefined) return this.sendFirst(operation);
    this.writing.add(operation.uuid);
    void written.then(() => {
      if (!this.writing.delete(operation.uuid)) return;
      this.sendFirst(operation);
    });
  }

  /** A status just durable: sent now, and retried from the shortest interval if no retry is armed. */
  private sendFirst(operation: AgentOperation): void {
    if (this.operations.get(operation.uuid) !== operation) return;
    if (this.hooks.registered()) this.hooks.send(operation);
    if (this.retryTimer === undefined) {
      this.retryIntervalMs = OPERATION_STATUS_RETRY_INTERVAL_MIN_MS;
      this.armRetry();
    }
  }

  /** Sends every unacknowledged, durable status (while registered), and arms the next retry. */
  private sendAll(): void {
    if (this.hooks.registered()) {
      for (const operation of this.operations.values()) if (!this.writing.has(operation.uuid)) this.hooks.send(operation);
    }
    this.armRetry();
  }

  private armRetry(): void {
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    if (this.operations.size === 0) return;
    this.retryTimer = this.hooks.delay(this.retryIntervalMs, () => {
      this.retryTimer = undefined;
      this.retryIntervalMs = Math.min(this.retryIntervalMs * 2, OPERATION_STATUS_RETRY_INTERVAL_MAX_MS);
      this.sendAll();
    });
  }

  private stopRetrying(): void {
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
  }
}
