/**
 * Operation feedback in the chaos simulation (`ChaosOptions.operationFeedback`): the v1 HTTP
 * frameworks (chaos-http-framework.ts) give most of their RESERVE, UNRESERVE, CREATE, DESTROY,
 * GROW_VOLUME and SHRINK_VOLUME operations an `id`, hear their UPDATE_OPERATION_STATUS events,
 * acknowledge each status with a `uuid` (at once, late, or never, drawn per status), and reconcile
 * operations now and then. What each framework heard is kept here (`OperationFeedback`), and what
 * the masters' books did with each operation (`FeedbackLedger`, a watch on every `OperationBook`).
 *
 * Checked (Mesos' semantics: src/master/master.cpp `updateOperationStatus`,
 * `acknowledgeOperationStatus`, `reconcileOperations`, `_markUnreachable`; the agent's
 * `OperationStatusUpdateManager`):
 *   - safety, as each status is heard (`OperationFeedback.violations`): a status with a `uuid`
 *     (the agent's, reliable) is about an operation this framework sent with that id, on the agent
 *     it sent it to; no operation is heard in two different terminal states where either is
 *     OPERATION_ERROR (the master's refusal: it never applied the operation) or the later one came
 *     with a `uuid` (a reconciliation of an operation acknowledged and forgotten may say
 *     OPERATION_GONE_BY_OPERATOR after OPERATION_FINISHED, by its agent's standing, as in Mesos);
 *   - agreement at quiescence (`feedbackAgrees`): the leading master holds no OPERATION_PENDING
 *     operation on a registered, connected agent (the CheckpointResources that carries it out was
 *     sent again until it was); an agent's unacknowledged operations and the master's operations
 *     on it that the agent reported are the same; no status a framework (connected now)
 *     acknowledged is still unacknowledged at its connected agent;
 *   - liveness at quiescence (`feedbackLive`): every operation with an id that a master applied,
 *     of a framework still registered, on an agent still registered, is known to its framework as
 *     OPERATION_FINISHED (heard, or answered so by the run's last explicit reconciliation), unless
 *     its framework heard it OPERATION_UNREACHABLE or OPERATION_GONE_BY_OPERATOR, or its agent
 *     left the master's books since (bulk feedback goes to connected frameworks only), or the
 *     master that applied it no longer leads and the leading one does not know it (Mesos keeps
 *     operations in memory: either the agent never had the CheckpointResources, and the operation
 *     reconciles OPERATION_UNKNOWN, its speculative resources forgotten with it; or the new master
 *     acknowledged the agent's status itself, an orphan, while the framework was away 10 min);
 *     and no framework heard OPERATION_FINISHED of an operation no master applied (a refusal whose
 *     OPERATION_ERROR it missed, being away, included).
 */
import { OperationBook, type MasterOperation } from '../../actors/master/operations';
import type { Agent } from '../../actors/agent';
import type { Master } from '../../actors/master/master';
import type { Prng } from '../../lib/process';
import type { AgentOperation, OperationState } from '../../lib/protocol';
import { isTerminalOperationState } from '../../lib/protocol';
import { v1Uuid } from '../../lib/v1/json';
import type { ClusterSnapshot } from './chaos-invariants';

/** Chance that a framework's operation other than a launch gets an `id` (the others keep the run's old path: no feedback). */
export const OPERATION_ID_PROBABILITY = 0.8;
/** Chance that a status with a `uuid` is acknowledged late (after `LATE_ACKNOWLEDGEMENT_MAX_MS` at most). */
export const LATE_ACKNOWLEDGEMENT_PROBABILITY = 0.2;
/** Longest wait before a late acknowledgement. */
export const LATE_ACKNOWLEDGEMENT_MAX_MS = 30_000;
/** Chance that a status with a `uuid` is never acknowledged (the agent keeps sending it, the master keeps the operation). */
export const NO_ACKNOWLEDGEMENT_PROBABILITY = 0.05;
/** Chance that a framework's reconciliation step (or its subscribing again) reconciles operations too; half of those implicitly. */
export const OPERATION_RECONCILIATION_PROBABILITY = 0.5;
/** Most operations a framework names in one explicit RECONCILE_OPERATIONS during the run (the last one names all). */
export const MAX_RECONCILED_OPERATIONS = 8;
/** The operation feedback's messages, which a drop may take too: the agent sends its status again until acknowledged, and the framework acknowledges it again. */
export const FEEDBACK_MESSAGES: readonly string[] = ['UpdateOperationStatus', 'OperationStatusAcknowledgement'];

/** An operation status as a framework heard it (UPDATE_OPERATION_STATUS). */
export interface HeardStatus {
  readonly operationId: string;
  readonly state: OperationState;
  /** The status uuid as the event carried it (base64): present on an agent's status only. */
  readonly uuid?: string;
  readonly agentId?: string;
  readonly message?: string;
}

/** An operation a framework sent with an id. */
interface SentOperation {
  readonly operationId: string;
  readonly type: string;
  readonly agentId: string;
  /** Every status heard of it, in order. */
  readonly heard: HeardStatus[];
  /** Status uuids it acknowledged (base64). */
  readonly acknowledged: Set<string>;
  /** How it answers each status uuid, drawn at its first hearing. */
  readonly answers: Map<string, Acknowledgement>;
}

/** How a framework answers a status with a `uuid`. */
export type Acknowledgement = { readonly kind: 'now' } | { readonly kind: 'late'; readonly delayMs: number } | { readonly kind: 'never' };

/** What one framework sent with ids and heard of them, across its schedulers. */
export class OperationFeedback {
  /** Its operations with ids, by id. */
  readonly sent = new Map<string, SentOperation>();
  /** Broken safety rules, until the next check takes them. */
  readonly violations: string[] = [];
  /** Answers of the run's last explicit reconciliation, by operation id (undefined: none asked for). */
  finalAnswers: Map<string, HeardStatus> | undefined;
  private nextNumber = 0;

  constructor(readonly name: string, private readonly random: Prng) {}

  /** An id for an operation of `type` on `agentId`, or undefined (drawn: it goes without). */
  operationId(type: string, agentId: string): string | undefined {
    if (this.random.next() >= OPERATION_ID_PROBABILITY) return undefined;
    const operationId = `${this.name}-op-${this.nextNumber++}`;
    this.sent.set(operationId, { operationId, type, agentId, heard: [], acknowledged: new Set(), answers: new Map() });
    return operationId;
  }

  /** A status heard: checked (safety), kept; returns how to answer it (statuses without a uuid: not at all). */
  heard(status: HeardStatus): Acknowledgement | undefined {
    const operation = this.sent.get(status.operationId);
    if (status.uuid !== undefined) {
      if (operation === undefined) this.violations.push(`heard ${status.state} with a uuid for ${status.operationId}, which it never sent with that id`);
      else if (status.agentId !== operation.agentId) this.violations.push(`heard ${status.state} with a uuid for ${status.operationId} from agent ${status.agentId ?? 'none'}, not ${operation.agentId} it was sent to`);
    }
    if (operation === undefined) return undefined;
    this.checkTerminal(operation, status);
    operation.heard.push(status);
    this.finalAnswers?.set(status.operationId, status);
    if (status.uuid === undefined) return undefined;
    // The same status heard again (the agent sent it again): answered as before, but one acknowledged is acknowledged again at once.
    if (operation.acknowledged.has(status.uuid)) return { kind: 'now' };
    let answer = operation.answers.get(status.uuid);
    if (answer === undefined) {
      const draw = this.random.next();
      answer = draw < NO_ACKNOWLEDGEMENT_PROBABILITY ? { kind: 'never' }
        : draw < NO_ACKNOWLEDGEMENT_PROBABILITY + LATE_ACKNOWLEDGEMENT_PROBABILITY ? { kind: 'late', delayMs: 1 + this.random.nextInt(LATE_ACKNOWLEDGEMENT_MAX_MS) } : { kind: 'now' };
      operation.answers.set(status.uuid, answer);
    }
    return answer;
  }

  /** It sent ACKNOWLEDGE_OPERATION_STATUS of `uuid`. */
  acknowledgedStatus(operationId: string, uuid: string): void {
    this.sent.get(operationId)?.acknowledged.add(uuid);
  }

  /** Some of its operations to reconcile by name (with their agent, or now and then without), and one it never sent; or none: implicitly. */
  chooseReconciliation(): Array<{ operationId: string; agentId?: string }> {
    if (this.random.next() < 0.5 || this.sent.size === 0) return [];
    const all = [...this.sent.values()];
    const named = Array.from({ length: 1 + this.random.nextInt(Math.min(all.length, MAX_RECONCILED_OPERATIONS)) }, () => all[this.random.nextInt(all.length)] as SentOperation);
    return [
      ...named.map((operation) => (this.random.next() < 0.8 ? { operationId: operation.operationId, agentId: operation.agentId } : { operationId: operation.operationId })),
      { operationId: `${this.name}-never-sent` },
    ];
  }

  /** Whether it draws to reconcile operations now. */
  drawReconciliation(): boolean {
    return this.random.next() < OPERATION_RECONCILIATION_PROBABILITY;
  }

  /**
   * Two different terminal states where either is OPERATION_ERROR, or the later came with a uuid: a
   * violation. Except OPERATION_GONE_BY_OPERATOR without a uuid, after any: a master answers an
   * explicit reconciliation so of an operation it does not hold (one it refused, or one that
   * finished and was acknowledged) on an agent marked gone, as Mesos' (`reconcileOperations`,
   * case 5); it speaks of the agent, not of what became of the operation (chaos seed 70002 of 200
   * steps with every option: DESTROY refused with OPERATION_ERROR, its agent marked gone, then
   * reconciled by name).
   */
  private checkTerminal(operation: SentOperation, status: HeardStatus): void {
    if (!isTerminalOperationState(status.state)) return;
    if (status.state === 'OPERATION_GONE_BY_OPERATOR' && status.uuid === undefined) return;
    const earlier = operation.heard.find((heard) => isTerminalOperationState(heard.state) && heard.state !== status.state);
    if (earlier === undefined) return;
    if (earlier.state === 'OPERATION_ERROR' || status.state === 'OPERATION_ERROR' || status.uuid !== undefined) {
      this.violations.push(`heard ${operation.type} ${operation.operationId} ${status.state}${status.uuid !== undefined ? ' (with a uuid)' : ''} after ${earlier.state}${earlier.message !== undefined ? ` ('${earlier.message}')` : ''}`);
    }
  }
}

// ---- the masters' books ---------------------------------------------------------------------------

/** An operation a master applied (booked OPERATION_PENDING), and what its books did with it. */
export interface AppliedOperation {
  readonly uuid: string;
  readonly frameworkId: string;
  readonly operationId: string;
  readonly agentId: string;
  /** The books of the master that applied it. */
  readonly book: OperationBook;
  /** Its agent left those books with it still there (removed, unreachable, gone). */
  agentRemoved: boolean;
}

/** The ledger of the run now (the watch on `OperationBook` writes here); undefined between runs. */
let currentLedger: FeedbackLedger | undefined;
let watching = false;

/**
 * What every master's operation books did during a run: the operations applied (the master's
 * `trackOperation` books them OPERATION_PENDING), and which left with their agent. A watch on
 * `OperationBook`'s methods, installed once, writes to the ledger open now (runs of a thread go
 * one after another).
 */
export class FeedbackLedger {
  /** Operations applied, by uuid. */
  readonly applied = new Map<string, AppliedOperation>();

  /** A new ledger, the one the watch writes to from now on. */
  static open(): FeedbackLedger {
    watchOperationBooks();
    const ledger = new FeedbackLedger();
    currentLedger = ledger;
    return ledger;
  }

  /** The watch stops writing here (a run that failed leaves its ledger open: written to by the next runs' books until one opens another, and read by nobody). */
  close(): void {
    if (currentLedger === this) currentLedger = undefined;
  }
}

/** Wraps `OperationBook.add` and `removeAgent` to tell the open ledger (once per process). */
function watchOperationBooks(): void {
  if (watching) return;
  watching = true;
  const prototype = OperationBook.prototype;
  const add = prototype.add;
  const removeAgent = prototype.removeAgent;
  prototype.add = function (this: OperationBook, operation: MasterOperation): void {
    add.call(this, operation);
    // The ledger follows the operations with ids (those a framework hears of); the books hold those without too (Mesos).
    const { frameworkId, operationId } = operation;
    if (currentLedger === undefined || operation.latest.state !== 'OPERATION_PENDING' || frameworkId === undefined || operationId === undefined) return;
    currentLedger.applied.set(operation.uuid, { uuid: operation.uuid, frameworkId, operationId, agentId: operation.agentId, book: this, agentRemoved: false });
  };
  prototype.removeAgent = function (this: OperationBook, agentId: string): MasterOperation[] {
    const removed = removeAgent.call(this, agentId);
    for (const operation of removed) {
      const applied = currentLedger?.applied.get(operation.uuid);
      if (applied !== undefined) applied.agentRemoved = true;
    }
    return removed;
  };
}

/** The master's operation books (private to it: the chaos reads them as a debugger would, whole, where GET_OPERATIONS renders what a caller may see). */
export function masterOperationBook(master: Master): OperationBook {
  return (master as unknown as { operationBook: OperationBook }).operationBook;
}

/** The operations an agent holds unacknowledged (private to it, read as `masterOperationBook` reads the master's). */
export function agentUnacknowledgedOperations(agent: Agent): AgentOperation[] {
  const book = (agent as unknown as { operationBook?: { list(): Iterable<AgentOperation> } }).operationBook;
  return [...book?.list() ?? []];
}

/**
 * The uuids of the operations an agent holds: those waiting for the resources that carry them out
 * to be durable, and those finished and unacknowledged (private to it, read as
 * `agentUnacknowledgedOperations` reads them).
 */
export function agentCarriedOperations(agent: Agent): Set<string> {
  const book = (agent as unknown as { operationBook?: { list(): Iterable<AgentOperation>; waiting: ReadonlyMap<string, unknown> } }).operationBook;
  return new Set([...book?.waiting.keys() ?? [], ...[...book?.list() ?? []].map((operation) => operation.uuid)]);
}

/** What the frameworks of a run with operation feedback did with it. */
export interface FeedbackCounts {
  /** Operations the frameworks sent with an id. */
  readonly sent: number;
  /** Of the operations with ids, those a master applied (booked OPERATION_PENDING). */
  readonly applied: number;
  /** Statuses with a uuid the frameworks heard (the agents', sent again too). */
  readonly reliable: number;
  /** Statuses without a uuid they heard (refusals, bulk UNREACHABLE and GONE, reconciliations' answers). */
  readonly unreliable: number;
  /** Status uuids they acknowledged (each once). */
  readonly acknowledged: number;
}

/** Sums what `feedbacks` sent and heard, and what `ledger` saw applied. */
export function feedbackCounts(feedbacks: Iterable<OperationFeedback>, ledger: FeedbackLedger | undefined): FeedbackCounts {
  let sent = 0;
  let reliable = 0;
  let unreliable = 0;
  let acknowledged = 0;
  for (const feedback of feedbacks) {
    for (const operation of feedback.sent.values()) {
      sent++;
      acknowledged += operation.acknowledged.size;
      for (const status of operation.heard) {
        if (status.uuid !== undefined) reliable++;
        else unreliable++;
      }
    }
  }
  return { sent, applied: ledger?.applied.size ?? 0, reliable, unreliable, acknowledged };
}

// ---- checks after each step ------------------------------------------------------------------------

/**
 * After each step: each agent registered and connected at the leading master (with the pid it
 * has), RUNNING itself, and `settled` (no fault held up or took its messages lately: nothing that
 * carries an operation can be on its way), holds every operation the master has
 * OPERATION_PENDING on it, waiting for its resources or finished: the CheckpointResources that
 * carries it out reached it. One the agent missed is sent again when it re-registers, also when it
 * comes back with the master's resources and without the operation (it died between checkpointing
 * them and journaling the operation: chaos-faults.ts `armCrashPoint`). Checked at once, as later
 * operations on the agent carry the missed one out too, which hid a master that did not send it
 * again from the checks at quiescence. `carried` is each live agent's `agentCarriedOperations`, by pid.
 */
export function pendingOperationsCarried(snapshot: ClusterSnapshot, master: OperationBook, carried: ReadonlyMap<string, ReadonlySet<string>>, settled: (agentPid: string) => boolean): string[] {
  const broken: string[] = [];
  for (const agent of snapshot.agents) {
    const registered = snapshot.master.slaves.find((candidate) => candidate.id === agent.id && candidate.pid === agent.pid);
    const held = carried.get(agent.pid);
    if (registered === undefined || !registered.connected || agent.phase !== 'RUNNING' || held === undefined || !settled(agent.pid)) continue;
    for (const operation of master.agentOperations(agent.id)) {
      if (operation.latest.state !== 'OPERATION_PENDING' || held.has(operation.uuid)) continue;
      broken.push(`the leading master holds ${operation.type} ${operation.operationId} (${operation.uuid}) of ${operation.frameworkId} OPERATION_PENDING on connected agent ${agent.id} (${agent.pid}), which does not hold it: its CheckpointResources never reached the agent`);
    }
  }
  return broken;
}

// ---- checks at quiescence ---------------------------------------------------------------------------

/** What the checks at quiescence read: the leading master's books, and each live agent's unacknowledged operations by agent id. */
export interface FeedbackBooks {
  readonly master: OperationBook;
  readonly agents: ReadonlyMap<string, readonly AgentOperation[]>;
}

/** The agents registered with the master and connected. */
function connectedAgentIds(snapshot: ClusterSnapshot): Set<string> {
  return new Set(snapshot.master.slaves.filter((agent) => agent.connected).map((agent) => agent.id));
}

/**
 * Agreement at quiescence: no operation pending at the leading master on a registered, connected
 * agent; each such agent's unacknowledged operations are the master's reported ones on it; no
 * status a framework acknowledged is held unacknowledged there still.
 */
export function feedbackAgrees(snapshot: ClusterSnapshot, books: FeedbackBooks, feedbacks: Iterable<OperationFeedback>): string[] {
  const broken: string[] = [];
  const connected = connectedAgentIds(snapshot);
  // Only a connected framework can acknowledge the agent's next sending (seed 216 of 300 steps with volumes and task groups: one away since it acknowledged).
  const connectedFrameworks = new Set(snapshot.master.frameworks.filter((framework) => framework.connected).map((framework) => framework.id));
  const acknowledged = new Set<string>();
  for (const feedback of feedbacks) {
    for (const operation of feedback.sent.values()) for (const uuid of operation.acknowledged) acknowledged.add(`${operation.operationId} ${uuid}`);
  }
  for (const agentId of connected) {
    const atAgent = books.agents.get(agentId);
    if (atAgent === undefined) continue; // its actor is not up (read as it is: nothing to compare)
    const atMaster = [...books.master.agentOperations(agentId)];
    for (const operation of atMaster.filter((candidate) => candidate.latest.state === 'OPERATION_PENDING')) {
      broken.push(`the leading master holds ${operation.type} ${operation.operationId} (${operation.uuid}) of ${operation.frameworkId} OPERATION_PENDING on connected agent ${agentId} at quiescence: never carried out`);
    }
    const reported = new Set(atMaster.filter((operation) => operation.latest.state !== 'OPERATION_PENDING').map((operation) => operation.uuid));
    const held = new Set(atAgent.map((operation) => operation.uuid));
    for (const operation of atAgent) {
      if (!reported.has(operation.uuid)) broken.push(`agent ${agentId} holds ${operation.type} ${operation.operationId} (${operation.uuid}) of ${operation.frameworkId} ${operation.status.state} unacknowledged, which the leading master does not know`);
      const uuid = operation.status.uuid === undefined ? undefined : v1Uuid(operation.status.uuid);
      if (uuid !== undefined && operation.frameworkId !== undefined && acknowledged.has(`${operation.operationId} ${uuid}`) && connectedFrameworks.has(operation.frameworkId)) {
        broken.push(`agent ${agentId} still holds ${operation.operationId}'s status ${operation.status.uuid ?? ''} unacknowledged, which its framework acknowledged`);
      }
    }
    for (const operation of atMaster) {
      if (operation.latest.state !== 'OPERATION_PENDING' && !held.has(operation.uuid)) {
        broken.push(`the leading master knows ${operation.type} ${operation.operationId} (${operation.uuid}) of ${operation.frameworkId} ${operation.latest.state} on agent ${agentId}, which the agent does not hold`);
      }
    }
  }
  return broken;
}

/**
 * Liveness at quiescence: each operation a master applied, of a framework registered now, on an
 * agent registered now, is known to its framework as OPERATION_FINISHED, or ended UNREACHABLE or
 * GONE_BY_OPERATOR at it, or its agent left the books of the master that applied it, or that
 * master no longer leads and the leading one does not know it (forgotten with the old master's
 * memory, as in Mesos: its agent never had it).
 */
export function feedbackLive(snapshot: ClusterSnapshot, ledger: FeedbackLedger, books: FeedbackBooks, feedbacks: ReadonlyMap<string, OperationFeedback>): string[] {
  const broken: string[] = [];
  const registeredAgents = new Set(snapshot.master.slaves.map((agent) => agent.id));
  const registeredFrameworks = new Set(snapshot.master.frameworks.filter((framework) => framework.connected).map((framework) => framework.id));
  for (const applied of ledger.applied.values()) {
    const feedback = feedbacks.get(applied.frameworkId);
    if (feedback === undefined || !registeredFrameworks.has(applied.frameworkId) || !registeredAgents.has(applied.agentId)) continue;
    const operation = feedback.sent.get(applied.operationId);
    if (operation === undefined) continue; // not this framework's id (checked as it was heard)
    const states = new Set(operation.heard.map((status) => status.state));
    if (states.has('OPERATION_FINISHED') || states.has('OPERATION_UNREACHABLE') || states.has('OPERATION_GONE_BY_OPERATOR') || applied.agentRemoved) continue;
    const forgottenInFailover = applied.book !== books.master && books.master.get(applied.uuid) === undefined;
    if (forgottenInFailover) continue;
    const final = feedback.finalAnswers?.get(applied.operationId);
    broken.push(`${operation.type} ${applied.operationId} (${applied.uuid}) of ${applied.frameworkId} on agent ${applied.agentId}, applied by ${applied.book === books.master ? 'the leading master' : 'an earlier master the leading one learnt it from'}, is not known finished at quiescence: heard ${operation.heard.map((status) => status.state).join(', ') || 'nothing'}; the last reconciliation answered ${final?.state ?? 'nothing'}`);
  }
  return [...broken, ...finishedButNeverApplied(ledger, feedbacks)];
}

/** Operations their framework heard OPERATION_FINISHED that no master applied (refused ones whose OPERATION_ERROR it never heard included). */
function finishedButNeverApplied(ledger: FeedbackLedger, feedbacks: ReadonlyMap<string, OperationFeedback>): string[] {
  const applied = new Set([...ledger.applied.values()].map((operation) => `${operation.frameworkId} ${operation.operationId}`));
  const broken: string[] = [];
  for (const [frameworkId, feedback] of feedbacks) {
    for (const operation of feedback.sent.values()) {
      if (operation.heard.some((status) => status.state === 'OPERATION_FINISHED') && !applied.has(`${frameworkId} ${operation.operationId}`)) {
        broken.push(`${feedback.name} heard ${operation.type} ${operation.operationId} OPERATION_FINISHED, which no master applied`);
      }
    }
  }
  return broken;
}
