/**
 * The master's books of operations with feedback (Mesos' `Operation`s of agent default
 * resources, for agents with the AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER capabilities).
 *
 * A framework's RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME or SHRINK_VOLUME with an `id`
 * is applied at once (speculatively, as Mesos applies them), and kept here OPERATION_PENDING
 * until its agent reports it finished: every CheckpointResources to the agent names its pending
 * operations (`pendingOn`), so a word sent again after a lost one carries them out too. The
 * agent's status is passed to the framework; the framework's acknowledgement to the agent, after
 * which a terminal operation is forgotten here. As in Mesos, one without an `id` (a framework's,
 * or an operator's: no framework) is kept too, until its agent's status, which the master
 * acknowledges itself; and a removed framework's stay until their agent's status. Not in the
 * registry: after a failover the agents' reports bring back what they hold unacknowledged.
 *
 * @example
 *   book.add({ uuid, frameworkId, agentId, operationId: 'op-1', type: 'RESERVE', latest: pending });
 *   book.pendingOn(agentId);              // named by the next CheckpointResources
 *   book.ofFramework(frameworkId, 'op-1'); // an acknowledgement or reconciliation finds it
 */
import { isTerminalOperationState, MAX_AGENT_REPORTED_OPERATIONS, type CarriedOperation, type Operation, type OperationState, type OperationStatus } from '../../lib/protocol';
import type { V1OperationView } from '../../lib/v1/operator';

/** The operation types Mesos counts under `master/operations/<type>/` (all but the launches; the disk ones stay 0 here). */
const COUNTED_OPERATION_TYPES = ['RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'] as const;

/** Each state Mesos counts, by its metric's name (OPERATION_UNSUPPORTED and OPERATION_UNKNOWN count only in `total`). */
const COUNTED_OPERATION_STATES: ReadonlyMap<OperationState, string> = new Map([
  ['OPERATION_PENDING', 'pending'], ['OPERATION_RECOVERING', 'recovering'], ['OPERATION_UNREACHABLE', 'unreachable'],
  ['OPERATION_FINISHED', 'finished'], ['OPERATION_FAILED', 'failed'], ['OPERATION_ERROR', 'error'],
  ['OPERATION_DROPPED', 'dropped'], ['OPERATION_GONE_BY_OPERATOR', 'gone_by_operator'],
]);

/**
 * Mesos' operation metrics (its metrics.cpp `OperationStates`): `master/operations/<state>` and
 * `master/operations/<type>/<state>`, with `total`. The non-terminal states (pending, recovering,
 * unreachable) are gauges, taken back when an operation leaves them or the books; the terminal
 * ones count for good. As Mesos, `unreachable` (and `gone_by_operator`) count each operation on an
 * agent marked so, whose operations then leave the books, and `error` each operation dropped.
 *
 * @example
 *   metrics.add('RESERVE', 'OPERATION_PENDING');
 *   metrics.transition('RESERVE', 'OPERATION_PENDING', 'OPERATION_FINISHED');
 *   metrics.snapshot()['master/operations/reserve/finished']; // 1
 */
export class OperationMetrics {
  /** By key (`master/operations/...`): every one Mesos registers, from 0. */
  private readonly values = new Map<string, number>();

  constructor() {
    for (const prefix of ['', ...COUNTED_OPERATION_TYPES.map((type) => `${type.toLowerCase()}/`)]) {
      for (const name of ['total', ...COUNTED_OPERATION_STATES.values()]) this.values.set(`master/operations/${prefix}${name}`, 0);
    }
  }

  /** An operation of `type` entered `state`, or (`delta` -1) left it. */
  add(type: string, state: OperationState, delta = 1): void {
    const name = COUNTED_OPERATION_STATES.get(state);
    const typed = (COUNTED_OPERATION_TYPES as readonly string[]).includes(type) ? [`${type.toLowerCase()}/`] : [];
    for (const prefix of ['', ...typed]) {
      this.bump(`master/operations/${prefix}total`, delta);
      if (name !== undefined) this.bump(`master/operations/${prefix}${name}`, delta);
    }
  }

  /** An operation of `type` went from `from` to `to` (nothing when they are the same). */
  transition(type: string, from: OperationState, to: OperationState): void {
    if (from === to) return;
    this.add(type, from, -1);
    this.add(type, to);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values);
  }

  private bump(key: string, delta: number): void {
    this.values.set(key, (this.values.get(key) ?? 0) + delta);
  }
}

/**
 * Most acknowledged terminal statuses the books remember (their operations forgotten), oldest
 * dropped first: an agent's retry that crossed the acknowledgement is known for one, not taken
 * for an operation to book again. Enough for the retries in flight when they are acknowledged.
 */
export const MAX_REMEMBERED_ACKNOWLEDGEMENTS = 10_000;

/**
 * Most bytes (of JSON) of pending operations one CheckpointResources names (`pendingOn`): long ids
 * and operations pending on an agent whose disk is slow could make the word outgrow
 * `MAX_MESSAGE_BYTES` (8 MiB), and the agent hear no reservation at all (Mesos bounds nothing).
 */
export const MAX_CARRIED_OPERATION_BYTES = 1024 * 1024;

/**
 * An operation with feedback, as the master tracks it: what GET_OPERATIONS shows of it
 * (`V1OperationView`: the master's uuid for it, which its agent reports; its framework, none for
 * an operator's; the framework's id for it, `operationId`, if it gave one; the operation as sent,
 * `info`, undefined when an agent from before it was carried reported it), its `latest` status
 * changing: OPERATION_PENDING (no `uuid`) until its agent's, which the framework acknowledges (the
 * master, for one without an `id`).
 */
export interface MasterOperation extends V1OperationView {
  latest: OperationStatus;
}

/** What an operation weighs in the books: the length of its JSON as sent (0 when not known). */
export function operationBytes(info: Operation | undefined): number {
  return info === undefined ? 0 : JSON.stringify(info).length;
}

/** The length of a UUID's text (`8-4-4-4-12` hex digits): the `uuid` an operation is booked under. */
const UUID_TEXT_LENGTH = 36;

/**
 * What `operation`, booked for `frameworkId` (none: an operator's), weighs in a CheckpointResources
 * that carries it out (`pendingOn`). One over `MAX_CARRIED_OPERATION_BYTES` is never carried, and
 * the operations booked after it on its agent wait behind it: the master does not book it.
 */
export function carriedOperationBytes(frameworkId: string | undefined, operation: Operation, infoBytes = operationBytes(operation)): number {
  // As `pendingOn` writes it, `info` last: its JSON is the rest's with `,"info":<info>` before the closing brace.
  const rest: Omit<CarriedOperation, 'info'> = {
    uuid: '0'.repeat(UUID_TEXT_LENGTH),
    ...(frameworkId !== undefined ? { frameworkId } : {}),
    ...(operation.id !== undefined ? { operationId: operation.id } : {}),
    type: operation.type,
  };
  return JSON.stringify(rest).length + CARRIED_INFO_KEY.length + infoBytes;
}

/** What `info` adds to a carried operation's JSON besides its own: its key, after a comma. */
const CARRIED_INFO_KEY = ',"info":';

/** The operations with feedback the master knows, by uuid, by agent and by framework. */
export class OperationBook {
  private readonly byUuid = new Map<string, MasterOperation>();
  private readonly byAgent = new Map<string, Set<MasterOperation>>();
  private readonly byFramework = new Map<string, Map<string, MasterOperation>>();
  /** Every operation of each framework, with an `id` or without, oldest first (Mesos' `Framework::operations`, which implicit reconciliation answers). */
  private readonly everyOfFramework = new Map<string, Set<MasterOperation>>();
  /** Acknowledged terminal statuses of operations forgotten, as `<operation uuid> <status uuid>`, oldest first (`MAX_REMEMBERED_ACKNOWLEDGEMENTS`). */
  private readonly acknowledged = new Set<string>();
  /** Agents whose last word left pending operations out, and the last operation it carried (`pendingOn`). */
  private readonly agentsLeftOut = new Map<string, string>();
  /** Mesos' `master/operations/...` metrics: the books' operations as they enter, change and leave, and those counted without being booked. */
  readonly metrics = new OperationMetrics();
  /**
   * Each weighed operation's bytes as it was added (`operationBytes`), so that removing it gives
   * back the same; one not here was not weighed (`add`'s `weighed`: an agent's report the master
   * did not book).
   */
  private readonly weights = new Map<MasterOperation, number>();
  /** Each framework's weighed operations: their bytes, and how many have an `id` (`frameworkBytes`, `frameworkCount`). */
  private readonly weighedByFramework = new Map<string, { bytes: number; named: number }>();
  /** The bytes of every weighed operation (`totalBytes`). */
  private heldBytes = 0;

  /** The bytes of the framework's operations held (`operationBytes` of each). */
  frameworkBytes(frameworkId: string): number {
    return this.weighedByFramework.get(frameworkId)?.bytes ?? 0;
  }

  /** The bytes of every operation held (`operationBytes` of each). */
  get totalBytes(): number {
    return this.heldBytes;
  }

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

  /** The framework's operations, those without an `id` too (as Mesos' `Framework::operations`), oldest first. */
  frameworkOperations(frameworkId: string): Iterable<MasterOperation> {
    return this.everyOfFramework.get(frameworkId) ?? [];
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

  /**
   * How many operations of the framework with an `id` it holds, those an agent reported that the
   * master did not book left out (as in `frameworkBytes`: a hostile agent's reports named for the
   * framework would deny its operations).
   */
  frameworkCount(frameworkId: string): number {
    return this.weighedByFramework.get(frameworkId)?.named ?? 0;
  }

  /**
   * What the agent's next CheckpointResources carries out: its operations not yet reported
   * finished, the oldest, at most `MAX_AGENT_REPORTED_OPERATIONS` and `MAX_CARRIED_OPERATION_BYTES`
   * of them (a word must stay under `MAX_MESSAGE_BYTES`, or the agent would hear nothing). When
   * some are left out, the last one carried is remembered (`carriedLast`): the master sends the
   * word again once the agent reports it finished (the agent finishes a word's operations together,
   * in order).
   */
  pendingOn(agentId: string): CarriedOperation[] {
    const pending: CarriedOperation[] = [];
    let bytes = 0;
    let leftOut = false;
    for (const operation of this.byAgent.get(agentId) ?? []) {
      if (operation.latest.state !== 'OPERATION_PENDING') continue;
      const carried: CarriedOperation = {
        uuid: operation.uuid,
        ...(operation.frameworkId !== undefined ? { frameworkId: operation.frameworkId } : {}),
        ...(operation.operationId !== undefined ? { operationId: operation.operationId } : {}),
        type: operation.type,
        ...(operation.info !== undefined ? { info: operation.info } : {}),
      };
      bytes += JSON.stringify(carried).length;
      if (pending.length === MAX_AGENT_REPORTED_OPERATIONS || bytes > MAX_CARRIED_OPERATION_BYTES) {
        leftOut = true;
        break;
      }
      pending.push(carried);
    }
    const last = pending[pending.length - 1];
    if (leftOut && last !== undefined) this.agentsLeftOut.set(agentId, last.uuid);
    else this.agentsLeftOut.delete(agentId);
    return pending;
  }

  /** Whether any operation on the agent is still pending (a word must carry it out). */
  hasPendingOn(agentId: string): boolean {
    for (const operation of this.agentOperations(agentId)) if (operation.latest.state === 'OPERATION_PENDING') return true;
    return false;
  }

  /** Whether `operationUuid` was the last operation the agent's last word carried, when it left others out (`pendingOn`). */
  carriedLast(agentId: string, operationUuid: string): boolean {
    return this.agentsLeftOut.get(agentId) === operationUuid;
  }

  /**
   * Adds `operation`; one with the same framework and id as another replaces that one in the
   * framework's index. One without an `id` is in no framework's index: the framework cannot
   * name it (nor reconcile it explicitly, nor acknowledge it); a framework's is among its
   * operations all the same (`frameworkOperations`: implicit reconciliation answers it).
   *
   * @param weighed whether it counts in `frameworkBytes`, `totalBytes` and `frameworkCount`: not
   *   one an agent reports that the master did not book (`frameworkId` and `info` are the agent's
   *   word, so a hostile agent could fill a framework's bound, or all, and deny their operations).
   */
  add(operation: MasterOperation, weighed = true): void {
    this.metrics.add(operation.type, operation.latest.state);
    this.byUuid.set(operation.uuid, operation);
    if (weighed) this.weigh(operation, operationBytes(operation.info), 1);
    let onAgent = this.byAgent.get(operation.agentId);
    if (onAgent === undefined) this.byAgent.set(operation.agentId, onAgent = new Set());
    onAgent.add(operation);
    const { frameworkId, operationId } = operation;
    if (frameworkId === undefined) return;
    let every = this.everyOfFramework.get(frameworkId);
    if (every === undefined) this.everyOfFramework.set(frameworkId, every = new Set());
    every.add(operation);
    if (operationId === undefined) return;
    let ofFramework = this.byFramework.get(frameworkId);
    if (ofFramework === undefined) this.byFramework.set(frameworkId, ofFramework = new Map());
    ofFramework.set(operationId, operation);
  }

  /** Counts a weighed operation of `bytes` in (`sign` 1) or out (-1) of the books' weights, its framework's and all. */
  private weigh(operation: MasterOperation, bytes: number, sign: 1 | -1): void {
    if (sign > 0) this.weights.set(operation, bytes);
    else this.weights.delete(operation);
    this.heldBytes += sign * bytes;
    const { frameworkId } = operation;
    if (frameworkId === undefined) return;
    let weighed = this.weighedByFramework.get(frameworkId);
    if (weighed === undefined) this.weighedByFramework.set(frameworkId, weighed = { bytes: 0, named: 0 });
    weighed.bytes += sign * bytes;
    if (operation.operationId !== undefined) weighed.named += sign;
    if (weighed.bytes === 0 && weighed.named === 0) this.weighedByFramework.delete(frameworkId);
  }

  /** The operation's latest status is now `status`. */
  setLatest(operation: MasterOperation, status: OperationStatus): void {
    this.metrics.transition(operation.type, operation.latest.state, status.state);
    operation.latest = status;
  }

  /** Forgets `operation`; one not terminal leaves its state's gauge (Mesos' `removeOperation`). */
  remove(operation: MasterOperation): void {
    if (this.byUuid.get(operation.uuid) !== operation) return;
    if (!isTerminalOperationState(operation.latest.state)) this.metrics.add(operation.type, operation.latest.state, -1);
    this.byUuid.delete(operation.uuid);
    const bytes = this.weights.get(operation);
    if (bytes !== undefined) this.weigh(operation, bytes, -1);
    const onAgent = this.byAgent.get(operation.agentId);
    onAgent?.delete(operation);
    if (onAgent?.size === 0) this.byAgent.delete(operation.agentId);
    const { frameworkId, operationId } = operation;
    if (frameworkId === undefined) return;
    const every = this.everyOfFramework.get(frameworkId);
    every?.delete(operation);
    if (every?.size === 0) this.everyOfFramework.delete(frameworkId);
    if (operationId === undefined) return;
    const ofFramework = this.byFramework.get(frameworkId);
    if (ofFramework?.get(operationId) === operation) ofFramework.delete(operationId);
    if (ofFramework?.size === 0) this.byFramework.delete(frameworkId);
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
    this.agentsLeftOut.delete(agentId);
    return removed;
  }
}
