/**
 * Pure helpers for the agent's status updates and executor bookkeeping: updates the agent
 * makes itself (source SOURCE_AGENT), stamping updates that come from executors, describing
 * how an executor process ended, and the ExecutorInfo of the built-in command executor.
 */
import { constants } from 'node:os';
import type { CommandInfo, ExecutorInfo, StatusUpdate, TaskInfo, TaskState } from '../../lib/protocol';
import { Resources, type ResourceJSON } from '../../lib/resources';
import { withFields } from '../../lib/with-fields';
import type { ExecutorExit } from './launcher';
import { COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS, DEFAULT_EXECUTOR_CPUS, DEFAULT_EXECUTOR_MEM_MB } from './constants';

/**
 * The command executor's own resources (Mesos' allowance in `getExecutorInfo`: `cpus:0.1;mem:32`,
 * unreserved, not revocable), made once: every command executor's info shares this value. The
 * role they are allocated to is the task's, kept beside them (`ExecutorRecord.role`), so one value
 * serves every role.
 */
export const COMMAND_EXECUTOR_RESOURCES: Resources = Resources.scalar('cpus', DEFAULT_EXECUTOR_CPUS).add(Resources.scalar('mem', DEFAULT_EXECUTOR_MEM_MB));

/** `COMMAND_EXECUTOR_RESOURCES` as its infos carry them: one frozen list, never written to. */
export const COMMAND_EXECUTOR_RESOURCES_JSON = COMMAND_EXECUTOR_RESOURCES.toFrozenJSON() as ResourceJSON[];

/** `info`'s own resources: a command executor's shared ones as made once, not parsed again for each task (or each `/state`). */
export function executorResourcesOf(info: ExecutorInfo): Resources {
  if (info.resources === COMMAND_EXECUTOR_RESOURCES_JSON) return COMMAND_EXECUTOR_RESOURCES;
  return info.resources === undefined ? Resources.EMPTY : Resources.fromJSON(info.resources);
}

/** What the agent says about a task it fails, kills or drops itself. */
export interface AgentVerdict {
  readonly state: TaskState;
  /** Mesos `TaskStatus.Reason` name, e.g. `REASON_EXECUTOR_TERMINATED`. */
  readonly reason: string;
  readonly message: string;
}

/** A status update made by the agent (Mesos' `createStatusUpdate` with SOURCE_SLAVE). */
export function agentStatusUpdate(fields: {
  frameworkId: string;
  agentId: string;
  executorId: string | undefined;
  taskId: string;
  verdict: AgentVerdict;
  uuid: string;
  nowMs: number;
}): StatusUpdate {
  const timestamp = fields.nowMs / 1000;
  const update: StatusUpdate = {
    frameworkId: fields.frameworkId,
    agentId: fields.agentId,
    status: {
      taskId: fields.taskId,
      state: fields.verdict.state,
      message: fields.verdict.message,
      reason: fields.verdict.reason,
      source: 'SOURCE_AGENT',
      agentId: fields.agentId,
      timestamp,
      uuid: fields.uuid,
    },
    timestamp,
    uuid: fields.uuid,
  };
  if (fields.executorId !== undefined) {
    update.executorId = fields.executorId;
    update.status.executorId = fields.executorId;
  }
  return update;
}

/**
 * An update from an executor as the agent forwards it: source SOURCE_EXECUTOR, the agent's id,
 * the update's uuid and executor id copied into the status (Mesos' `Slave::statusUpdate`).
 */
export function stampExecutorUpdate(update: StatusUpdate, agentId: string, executorId: string | undefined): StatusUpdate {
  if (stampedAlready(update, agentId, executorId)) return update;
  const status = withFields(update.status, { source: 'SOURCE_EXECUTOR' as const, agentId });
  if (update.uuid !== undefined) status.uuid = update.uuid;
  const stamped: StatusUpdate = withFields(update, { agentId, status });
  const executor = update.executorId ?? executorId;
  if (executor !== undefined) {
    stamped.executorId = executor;
    status.executorId = executor;
  }
  return stamped;
}

/**
 * Whether `update` says already all that `stampExecutorUpdate` would write (this repository's
 * executors stamp their updates so): then it is forwarded as it came, a body being a value
 * nobody changes. Copying it made two objects per update that lived as long as its task.
 */
function stampedAlready(update: StatusUpdate, agentId: string, executorId: string | undefined): boolean {
  const status = update.status;
  const executor = update.executorId ?? executorId;
  return update.agentId === agentId && status.source === 'SOURCE_EXECUTOR' && status.agentId === agentId
    && (update.uuid === undefined || status.uuid === update.uuid)
    && update.executorId === executor && status.executorId === executor;
}

/** A POSIX wait status, as Mesos reports in ExitedExecutor: `code << 8`, or the signal number. */
export function waitStatus(exit: ExecutorExit): number {
  if (exit.signal !== null) return constants.signals[exit.signal] ?? -1;
  return exit.code === null ? -1 : (exit.code & 0xff) << 8;
}

/** `exited with status 1` or `terminated with signal SIGKILL`. */
export function describeExit(exit: ExecutorExit): string {
  if (exit.signal !== null) return `terminated with signal ${exit.signal}`;
  return `exited with status ${exit.code ?? 'unknown'}`;
}

/** `command` with the task's `user` and `uris`, when it has any (else `command` itself, shared). */
function commandWith(command: CommandInfo, user: string | undefined, uris: CommandInfo['uris']): CommandInfo {
  if (user === undefined && (uris === undefined || uris.length === 0)) return command;
  return { ...command, ...(user !== undefined ? { user } : {}), ...(uris !== undefined && uris.length > 0 ? { uris } : {}) };
}

/**
 * A command executor's name as Mesos' `getExecutorInfo` makes it: `(Command: sh -c '<value>')` for
 * a shell command, `(Command: [<value>, <arguments>...])` for one that is not, each cut to 12
 * characters and `...` past 15.
 */
function commandExecutorName(taskId: string, command: CommandInfo | undefined): string {
  const cut = (text: string): string => (text.length > 15 ? `${text.slice(0, 12)}...` : text);
  // Joined flat: a template literal is a tree of concatenations (32 bytes a node) that every run's record kept.
  if (command?.shell === false) return ['Command Executor (Task: ', taskId, ') (Command: [', cut(`${command.value}, ${(command.arguments ?? []).join(', ')}`), '])'].join('');
  return ['Command Executor (Task: ', taskId, ") (Command: sh -c '", cut(command?.value ?? ''), "')"].join('');
}

/**
 * The ExecutorInfo of the command executor for a command task (Mesos' `getExecutorInfo`): its
 * id is the task id, and it runs `command` (node with the command-executor script), as the
 * task's command's user when it names one (Mesos copies it too), so the task runs as that user,
 * and with the task's command's URIs, fetched into its sandbox before it starts. As Mesos, it has
 * the task's labels and discovery, with a kill policy a shutdown grace period to match it, and
 * resources of its own (`COMMAND_EXECUTOR_RESOURCES`: the agent shows them with the executor and
 * holds its container to them and the task's; the master, whose books hold no command
 * executor, does not count them).
 */
export function commandExecutorInfo(task: TaskInfo, frameworkId: string, command: CommandInfo): ExecutorInfo {
  const user = task.command?.user;
  const info: ExecutorInfo = {
    executorId: task.taskId,
    frameworkId,
    // The task's URIs are fetched into the command executor's sandbox (Mesos' `getExecutorInfo`).
    command: commandWith(command, user, task.command?.uris),
    name: commandExecutorName(task.taskId, task.command),
    source: task.taskId,
    resources: COMMAND_EXECUTOR_RESOURCES_JSON,
  };
  // Set only when there, not spread in (most tasks have none: no field is added to their record).
  if (task.labels !== undefined) info.labels = task.labels;
  if (task.discovery !== undefined) info.discovery = task.discovery;
  if (task.killPolicy !== undefined) info.shutdownGracePeriodNs = commandExecutorShutdownGracePeriodNs(task.killPolicy.gracePeriodSeconds);
  return info;
}

/**
 * A command executor's shutdown grace period for a task whose kill policy gives it
 * `gracePeriodSeconds` (Mesos' `getExecutorInfo`): that, plus the margin the executor keeps to
 * send TASK_KILLED before the agent destroys it.
 */
function commandExecutorShutdownGracePeriodNs(gracePeriodSeconds: number): number {
  // Capped where ExecutorInfo's field is (a kill policy's period is unbounded on the wire).
  return Math.min(Number.MAX_SAFE_INTEGER, Math.round((gracePeriodSeconds * 1000 + COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS) * 1e6));
}
