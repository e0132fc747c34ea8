/**
 * Task reconciliation (Mesos' `Master::reconcile`), as a pure function of what the master knows.
 *
 * Implicit (no tasks named): the latest state of every live task of the framework.
 * Explicit, for each task named:
 *   1. a known task: its latest state;
 *   2. unknown, on an agent that has not re-registered since a master restart (or, with no
 *      agent named, while any such agent remains): no answer; the framework retries;
 *   3. unknown, on a registered agent: TASK_GONE (TASK_LOST unless PARTITION_AWARE);
 *   4. unknown, on an unreachable agent: TASK_UNREACHABLE (TASK_LOST unless PARTITION_AWARE);
 *   5. unknown, on an agent the operator marked gone: TASK_GONE_BY_OPERATOR (TASK_LOST unless
 *      PARTITION_AWARE);
 *   6. unknown, on an unknown agent: TASK_UNKNOWN (TASK_LOST unless PARTITION_AWARE).
 * Every answer comes from the master: no uuid, source SOURCE_MASTER, reason REASON_RECONCILIATION.
 */
import type { StatusUpdate, Task, TaskState } from '../../lib/protocol';
import { masterStatusUpdate, Reason } from './updates';

/** What the master knows of an agent, for reconciliation. */
export type AgentStanding = 'registered' | 'recovered' | 'unreachable' | 'gone' | 'unknown';

/** One task a framework asks about. */
export interface ReconcileRequest {
  readonly taskId: string;
  readonly agentId?: string;
}

/** A read-only view of the master for one framework's reconciliation. */
export interface ReconciliationView {
  readonly frameworkId: string;
  /** The framework has the PARTITION_AWARE capability. */
  readonly partitionAware: boolean;
  readonly nowMs: number;
  /** A live task of the framework. */
  task(taskId: string): Task | undefined;
  /** Every live task of the framework. */
  tasks(): Iterable<Task>;
  /** What the master knows of an agent. */
  agentStanding(agentId: string): AgentStanding;
  /** When an unreachable agent became so (ms since the epoch). */
  unreachableSinceMs(agentId: string): number | undefined;
  /** Some agent admitted before a master restart has not re-registered yet. */
  readonly anyRecoveredAgents: boolean;
}

/**
 * The updates that answer a ReconcileTasks request (empty `requests`: implicit reconciliation).
 *
 * @example
 *   reconcile(view, [])                                   // latest state of every task
 *   reconcile(view, [{ taskId: 't9', agentId: 'S0' }])    // TASK_LOST: unknown to a registered agent
 */
export function reconcile(view: ReconciliationView, requests: readonly ReconcileRequest[]): StatusUpdate[] {
  if (requests.length === 0) return [...view.tasks()].map((task) => latestState(view, task));
  const updates: StatusUpdate[] = [];
  for (const request of requests) {
    const update = reconcileOne(view, request);
    if (update !== undefined) updates.push(update);
  }
  return updates;
}

function reconcileOne(view: ReconciliationView, request: ReconcileRequest): StatusUpdate | undefined {
  const task = view.task(request.taskId);
  if (task !== undefined) return latestState(view, task);
  const { agentId } = request;
  const standing: AgentStanding = agentId === undefined ? 'unknown' : view.agentStanding(agentId);
  if (standing === 'recovered' || (agentId === undefined && view.anyRecoveredAgents)) return undefined;
  const [partitionAwareState, message] = UNKNOWN_TASK_ANSWERS[standing];
  const state: TaskState = view.partitionAware ? partitionAwareState : 'TASK_LOST';
  // Mesos says when the agent became unreachable (a partition-aware framework times its replacement from it).
  const unreachableTimeMs = state === 'TASK_UNREACHABLE' && agentId !== undefined ? view.unreachableSinceMs(agentId) : undefined;
  return masterStatusUpdate({
    frameworkId: view.frameworkId,
    taskId: request.taskId,
    ...(agentId !== undefined ? { agentId } : {}),
    state,
    reason: Reason.RECONCILIATION,
    message,
    nowMs: view.nowMs,
    ...(unreachableTimeMs !== undefined ? { unreachableTimeMs } : {}),
  });
}

/** For an unknown task: the state a PARTITION_AWARE framework is told, and the message, by agent standing. */
const UNKNOWN_TASK_ANSWERS: Record<Exclude<AgentStanding, 'recovered'>, [TaskState, string]> = {
  registered: ['TASK_GONE', 'Reconciliation: Task is unknown to the agent'],
  unreachable: ['TASK_UNREACHABLE', 'Reconciliation: Task is unreachable'],
  gone: ['TASK_GONE_BY_OPERATOR', 'Reconciliation: Task is gone'],
  unknown: ['TASK_UNKNOWN', 'Reconciliation: Task is unknown'],
};

/** The latest state of a known task: the last one sent to the framework, else its current state. */
function latestState(view: ReconciliationView, task: Task): StatusUpdate {
  return masterStatusUpdate({
    frameworkId: view.frameworkId,
    taskId: task.taskId,
    agentId: task.agentId,
    ...(task.executorId !== undefined ? { executorId: task.executorId } : {}),
    state: task.statusUpdateState ?? task.state,
    reason: Reason.RECONCILIATION,
    message: 'Reconciliation: Latest task state',
    nowMs: view.nowMs,
  });
}
