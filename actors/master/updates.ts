/** Status updates the master itself generates (no uuid: they need no acknowledgement). */
import type { StatusUpdate, TaskState } from '../../lib/protocol';

/** `TaskStatus.reason` values the master uses (Mesos' names, with "agent" for "slave"). */
export const Reason = {
  /** An answer to a reconciliation request. */
  RECONCILIATION: 'REASON_RECONCILIATION',
  /** The task failed validation. */
  TASK_INVALID: 'REASON_TASK_INVALID',
  /** The ACLs do not let the framework's principal run the task as its user (`run_tasks`). */
  TASK_UNAUTHORIZED: 'REASON_TASK_UNAUTHORIZED',
  /** A task of its group failed validation, so the whole group was refused (LAUNCH_GROUP). */
  TASK_GROUP_INVALID: 'REASON_TASK_GROUP_INVALID',
  /** The ACLs do not let the framework's principal run a task of its group (LAUNCH_GROUP). */
  TASK_GROUP_UNAUTHORIZED: 'REASON_TASK_GROUP_UNAUTHORIZED',
  /** The offers used to launch the task were invalid. */
  INVALID_OFFERS: 'REASON_INVALID_OFFERS',
  /** The agent was removed (unreachable, or unregistered); Mesos' `REASON_SLAVE_REMOVED`. */
  AGENT_REMOVED: 'REASON_AGENT_REMOVED',
  /** The agent left for good (unregistered or replaced), told to partition-aware frameworks; Mesos' `REASON_SLAVE_REMOVED_BY_OPERATOR`. */
  AGENT_REMOVED_BY_OPERATOR: 'REASON_AGENT_REMOVED_BY_OPERATOR',
  /** The agent's link broke and the framework does not checkpoint (its tasks die with the agent process); Mesos' `REASON_SLAVE_DISCONNECTED`. */
  AGENT_DISCONNECTED: 'REASON_AGENT_DISCONNECTED',
  /** An unreachable agent came back with the task; Mesos' `REASON_SLAVE_REREGISTERED`. */
  AGENT_REREGISTERED: 'REASON_AGENT_REREGISTERED',
  /** The framework was torn down. */
  FRAMEWORK_REMOVED: 'REASON_FRAMEWORK_REMOVED',
} as const;

/** One `Reason` value. */
export type MasterReason = (typeof Reason)[keyof typeof Reason];

/** What a master-generated update says. */
export interface MasterUpdateFields {
  readonly frameworkId: string;
  readonly taskId: string;
  readonly state: TaskState;
  readonly reason: MasterReason;
  readonly message: string;
  readonly nowMs: number;
  readonly agentId?: string;
  readonly executorId?: string;
  /** TASK_UNREACHABLE: when the agent became unreachable (ms since the epoch). */
  readonly unreachableTimeMs?: number;
}

/** A status update from the master (source SOURCE_MASTER, no uuid), timestamped in seconds. */
export function masterStatusUpdate(fields: MasterUpdateFields): StatusUpdate {
  const timestamp = fields.nowMs / 1000;
  const ids = {
    ...(fields.agentId !== undefined ? { agentId: fields.agentId } : {}),
    ...(fields.executorId !== undefined ? { executorId: fields.executorId } : {}),
  };
  return {
    frameworkId: fields.frameworkId,
    ...ids,
    timestamp,
    status: {
      taskId: fields.taskId,
      state: fields.state,
      source: 'SOURCE_MASTER',
      reason: fields.reason,
      message: fields.message,
      timestamp,
      ...ids,
      ...(fields.unreachableTimeMs !== undefined ? { unreachableTime: fields.unreachableTimeMs / 1000 } : {}),
    },
  };
}
