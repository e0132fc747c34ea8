/**
 * The master's books of operations with feedback (Mesos' `Operation`s of agent default
 * resources, for agents with the AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER capabilities).
 *
 * A framework's RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME or SHRINK_VOLUME with an `id`
 * is applied at once (speculatively, as Mesos applies them), and kept here OPERATION_PENDING
 * until its agent reports it finished: every CheckpointResources to the agent names its pending
 * operations (`pendingOn`), so a word sent again after a lost one carries them out too. The
 * agent's status is passed to the framework; the framework's acknowledgement to the agent, after
 * which a terminal operation is forgotten here. Not in the registry: after a failover the agents'
 * reports bring back what they hold unacknowledged.
 *
 * @example
 *   book.add({ uuid, frameworkId, agentId, operationId: 'op-1', type: 'RESERVE', latest: pending });
 *   book.pendingOn(agentId);              // named by the next CheckpointResources
 *   book.ofFramework(frameworkId, 'op-1'); // an acknowledgement or reconciliation finds it
 */
import { MAX_AGENT_REPORTED_OPERATIONS, type Operation, type OperationStatus } from '../../lib/protocol';

/**
 * Most acknowledged terminal statuses the books remember (their operations forgotten), oldest
 * dropped first: an agent's retry that crossed the acknowledgement is known for one, not taken
 * for an operation to book again. Enough for the retries in flight when they are acknowledged.
 */
export const MAX_REMEMBERED_ACKNOWLEDGEMENTS = 10_000;

/** An operation with feedback, as the master tracks it. */
export interface MasterOperation {
  /** The master's id for it (Mesos' operation uuid), which its agent reports. */
  readonly uuid: string;
  readonly frameworkId: string;
  readonly agentId: string;
  /** The framework's id for it. */
  readonly operationId: string;
  readonly type: Operation['type'];
  /** The operation as the framework sent it (GET_OPERATIONS shows it); undefined when an agent from before it was carried reported it. */
  readonly info: Operation | undefined;
  /** Its latest status: OPERATION_PENDING (no `uuid`) until its agent's, which the framework acknowledges. */
  latest: OperationStatus;
}

/** The operations with feedback the master knows, by uuid, by agent and by framework. */
export class OperationBook {
  private readonly byUuid = new Map<string, MasterOperation>();
  private readonly byAgent = new Map<string, Set<MasterOperation>>();
  private readonly byFramework = new Map<string, Map<string, MasterOperation>>();
  /** Acknowledged terminal statuses of operations forgotten, as `<operation uuid> <status uuid>`, oldest first (`MAX_REMEMBERED_ACKNOWLEDGEMENTS`). */
  private readonly acknowledged = new Set<string>();

  /** How many it holds. */
  get size(): number {
    return this.byUuid.size;
  }

  get(uuid: string): MasterOperation | undefined {
    return this.byUuid.get(uuid);
  }

  /** The framework's operation with id `operationId`, if known. */
  ofFramework(frameworkId: string, operationId: string): MasterOperation | undefined {
    return this.byFramework.get(frameworkId)?.get(operationId);
  }

  /** The framework's operations, oldest first. */
  frameworkOperations(frameworkId: string): Iterable<MasterOperation> {
    return this.byFramework.get(frameworkId)?.values() ?? [];
  }

  /** The operations on the agent, oldest first. */
  agentOperations(agentId: string): Iterable<MasterOperation> {
    return this.byAgent.get(agentId) ?? [];
  }

  /** Every operation it holds, oldest first. */
  all(): Iterable<MasterOperation> {
    return this.byUuid.values();
  }

  /** How many operations on the agent it holds. */
  agentCount(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }

  /** How many operations of the framework it holds. */
  frameworkCount(frameworkId: string): number {
    return this.byFramework.get(frameworkId)?.size ?? 0;
  }

  /** What the agent's next CheckpointResources carries out: its operations not yet reported finished, the oldest `MAX_AGENT_REPORTED_OPERATIONS` (a later word carries the rest). */
  pendingOn(agentId: string): Array<{ uuid: string; frameworkId: string; operationId: string; type: Operation['type']; info?: Operation }> {
    const pending: Array<{ uuid: string; frameworkId: string; operationId: string; type: Operation['type']; info?: Operation }> = [];
    for (const operation of this.byAgent.get(agentId) ?? []) {
      if (pending.length === MAX_AGENT_REPORTED_OPERATIONS) break;
      if (operation.latest.state === 'OPERATION_PENDING') pending.push({ uuid: operation.uuid, frameworkId: operation.frameworkId, operationId: operation.operationId, type: operation.type, ...(operation.info !== undefined ? { info: operation.info } : {}) });
    }
    return pending;
  }

  /** Adds `operation`; one with the same framework and id as another replaces that one in the framework's index. */
  add(operation: MasterOperation): void {
    this.byUuid.set(operation.uuid, operation);
    let onAgent = this.byAgent.get(operation.agentId);
    if (onAgent === undefined) this.byAgent.set(operation.agentId, onAgent = new Set());
    onAgent.add(operation);
    let ofFramework = this.byFramework.get(operation.frameworkId);
    if (ofFramework === undefined) this.byFramework.set(operation.frameworkId, ofFramework = new Map());
    ofFramework.set(operation.operationId, operation);
  }

  remove(operation: MasterOperation): void {
    if (this.byUuid.get(operation.uuid) !== operation) return;
    this.byUuid.delete(operation.uuid);
    const onAgent = this.byAgent.get(operation.agentId);
    onAgent?.delete(operation);
    if (onAgent?.size === 0) this.byAgent.delete(operation.agentId);
    const ofFramework = this.byFramework.get(operation.frameworkId);
    if (ofFramework?.get(operation.operationId) === operation) ofFramework.delete(operation.operationId);
    if (ofFramework?.size === 0) this.byFramework.delete(operation.frameworkId);
  }

  /** Forgets `operation`, whose terminal status `statusUuid` was acknowledged, remembering that (`wasAcknowledged`). */
  removeAcknowledged(operation: MasterOperation, statusUuid: string): void {
    this.remove(operation);
    this.acknowledged.add(`${operation.uuid} ${statusUuid}`);
    if (this.acknowledged.size > MAX_REMEMBERED_ACKNOWLEDGEMENTS) this.acknowledged.delete(this.acknowledged.values().next().value as string);
  }

  /** Whether status `statusUuid` of operation `operationUuid` was acknowledged and the operation forgotten (among the latest remembered). */
  wasAcknowledged(operationUuid: string, statusUuid: string): boolean {
    return this.acknowledged.has(`${operationUuid} ${statusUuid}`);
  }

  /** Forgets every operation on the agent; returns them. */
  removeAgent(agentId: string): MasterOperation[] {
    const removed = [...this.agentOperations(agentId)];
    for (const operation of removed) this.remove(operation);
    return removed;
  }

  /** Forgets every operation of the framework; returns them. */
  removeFramework(frameworkId: string): MasterOperation[] {
    const removed = [...this.frameworkOperations(frameworkId)];
    for (const operation of removed) this.remove(operation);
    return removed;
  }
}
