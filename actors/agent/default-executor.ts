/**
 * The built-in default executor (Mesos' `mesos-default-executor`): the agent starts it, as
 * `node default-executor.js`, for an executor of type DEFAULT (one without a command), the
 * executor of task groups (LAUNCH_GROUP). It registers with the agent and runs every task of
 * each group it is given as a process group of its own (`TaskRun`, shared with the command
 * executor), in the task's own sandbox `<executor sandbox>/tasks/<taskId>` (made at launch; the
 * task's `stdout` and `stderr`, its working directory and `MESOS_SANDBOX`, as Mesos sets for a
 * nested container). Each task reports TASK_STARTING, TASK_RUNNING, then TASK_FINISHED,
 * TASK_FAILED or TASK_KILLED, with the command executor's messages.
 *
 * The group policy (Mesos' default restart policy): when a task ends TASK_FAILED or TASK_KILLED
 * (a KILL, a failing health check, a non-zero exit), every other live task of its group is
 * killed, each reporting TASK_KILLED; a task that finished stays TASK_FINISHED. A KILL's grace
 * period is the KILL's kill policy's, else the task's, else 3 s; the tasks the group policy kills
 * get their own kill policy's (Mesos gives them 3 s whatever their policy).
 *
 * One executor runs any number of groups (`DEFAULT_EXECUTOR_MAX_TASKS` tasks at once), and an
 * old-style LAUNCH as a group of one. Once no task is live it exits when all its updates are
 * acknowledged, or `COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS` after its last terminal update; a
 * group that comes meanwhile keeps it. A shutdown kills every task, and it exits shortly after
 * the last TASK_KILLED. Killed outright (SIGKILL), it kills nothing: the agent's launcher kills
 * the tasks it recorded in its sandbox (`TASK_PROCESSES_FILE`, `destroyExecutor`).
 *
 * @example
 *   // the agent runs it for: { executor: { executorId: 'E1', type: 'DEFAULT', resources }, taskGroup: { tasks } }
 *   // and in a test, with scripted processes:
 *   host.spawn(new DefaultExecutor({ agentPid, frameworkId: 'F1', executorId: 'E1', directory: '/sandbox' }, processes));
 */
import { mkdir } from 'node:fs/promises';
import type { Timer } from '../../lib/actor';
import type { StatusUpdate, TaskInfo } from '../../lib/protocol';
import { runExecutor, type ExecutorOptions, type KillOptions } from '../framework/executor';
import { COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS, COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS, DEFAULT_EXECUTOR_MAX_TASKS } from './constants';
import { pathComponentError, taskSandboxIn } from './paths';
import { realTaskProcesses, startTask, TaskProcessExecutor, type TaskEndState, type TaskProcesses, type TaskRun } from './task-process';

/** Real task processes in sandboxes of their own: the sandbox is made first, then `startTask`. */
export const sandboxedTaskProcesses: TaskProcesses = {
  start: async (task, sandbox, runDirectory) => {
    await mkdir(sandbox, { recursive: true });
    return startTask(task, sandbox, runDirectory);
  },
  signal: realTaskProcesses.signal,
};

/** A task group the executor runs: its tasks, and whether the group policy is killing them. */
interface GroupRun {
  readonly taskIds: readonly string[];
  /** One of its tasks failed or was killed: the others are being killed (Mesos' `killingTaskGroup`). */
  killing: boolean;
}

/** The default executor: task groups, each task a process group in its own sandbox. */
export class DefaultExecutor extends TaskProcessExecutor {
  /** Live runs (launched, no terminal update yet), by task id. */
  private readonly runs = new Map<string, TaskRun>();
  /** The group of each live task, by task id. */
  private readonly groups = new Map<string, GroupRun>();
  /** Shut down by the agent: no group policy; no acknowledgement will come. */
  private shuttingDown = false;
  /** Armed while no task is live: the executor exits when it fires or every update is acknowledged. */
  private exitTimer: Timer | undefined;

  /**
   * @param options identity and timeouts; default: from the environment the agent set.
   * @param processes how task processes start (their sandboxes made) and are signalled (default: real ones).
   */
  constructor(options?: ExecutorOptions, processes: TaskProcesses = sandboxedTaskProcesses) {
    super(options, processes);
  }

  /** An old-style LAUNCH on a default executor: a group of one. */
  protected override launchTask(task: TaskInfo): void {
    this.launchTaskGroup([task]);
  }

  /**
   * Runs the group: TASK_STARTING for each task, then each starts. A group with a task the
   * executor cannot run starts none: those tasks fail, naming why, and the others are killed.
   */
  protected override launchTaskGroup(tasks: readonly TaskInfo[]): void {
    const fresh = tasks.filter((task) => {
      if (!this.runs.has(task.taskId)) return true;
      this.log.warn({ taskId: task.taskId }, 'ignoring a task that runs already');
      return false;
    });
    if (fresh.length === 0) return;
    this.exitTimer?.cancel();
    this.exitTimer = undefined;
    const refusals = fresh.map((task) => this.refusal(task, fresh.length));
    if (refusals.some((refusal) => refusal !== undefined)) return this.refuseGroup(fresh, refusals);
    const group: GroupRun = { taskIds: fresh.map((task) => task.taskId), killing: false };
    const runs = fresh.map((task) => this.newRun(this.withExecutorEnvironment(task), taskSandboxIn(this.sandbox, task.taskId)));
    for (const run of runs) {
      this.runs.set(run.task.taskId, run);
      this.groups.set(run.task.taskId, group);
    }
    this.log.info({ taskIds: group.taskIds }, 'launching a task group');
    for (const run of runs) run.launch();
  }

  protected override killTask(taskId: string, options: KillOptions): void {
    const run = this.runs.get(taskId);
    if (run === undefined) {
      this.log.warn({ taskId }, 'ignoring a kill for a task that is not running here');
      return;
    }
    run.kill(this.killGraceMs(run.task, options.gracePeriodMs));
  }

  /** Kills every task, within the executor's shutdown grace period (less a margin for their TASK_KILLED). */
  protected override shutdown(): void {
    this.shuttingDown = true;
    if (this.runs.size === 0) return this.stop();
    const gracePeriodMs = Math.max(0, this.shutdownGracePeriodMs - COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS);
    for (const run of this.runs.values()) run.kill(gracePeriodMs);
  }

  protected override acknowledged(_update: StatusUpdate): void {
    if (this.exitTimer !== undefined && this.unacknowledgedUpdates.length === 0) this.stop();
  }

  /** The executor is going away (its process stops) with tasks still running: their process groups are SIGKILLed with it. */
  protected override finalize(): void {
    for (const run of this.runs.values()) run.abandon();
  }

  /** Killed for failing its health check: TASK_KILLED will carry the reason and `healthy: false`; the group policy kills the rest. */
  protected override taskUnhealthy(taskId: string): void {
    this.runs.get(taskId)?.markUnhealthy();
    super.taskUnhealthy(taskId);
  }

  /** A task ended: the group policy, then the exit once no task is live. */
  protected override runEnded(run: TaskRun, state: TaskEndState, _uuid: string): void {
    const taskId = run.task.taskId;
    this.runs.delete(taskId);
    const group = this.groups.get(taskId);
    this.groups.delete(taskId);
    if (group !== undefined && !group.killing && !this.shuttingDown && (state === 'TASK_FAILED' || state === 'TASK_KILLED')) this.killGroup(group, taskId);
    if (this.runs.size === 0) this.exitWhenAcknowledged();
  }

  /** Mesos' default restart policy: `endedTaskId` failed or was killed, so is every other live task of its group. */
  private killGroup(group: GroupRun, endedTaskId: string): void {
    group.killing = true;
    this.log.info({ taskId: endedTaskId, taskIds: group.taskIds }, 'a task of the group failed or was killed; killing the group');
    for (const taskId of group.taskIds) {
      const run = this.runs.get(taskId);
      // One being killed already (a KILL for it too) keeps its grace period.
      if (taskId === endedTaskId || run === undefined || run.killing) continue;
      run.kill(this.killGraceMs(run.task, undefined));
    }
  }

  /**
   * No task is live: exit once every update is acknowledged (`acknowledged`), or after
   * `COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS`; while a checkpointing framework's executor waits
   * for its restarted agent, it keeps waiting (its updates would be lost with it). Shut down, no
   * acknowledgement will come: exit shortly, as the command executor does.
   */
  private exitWhenAcknowledged(): void {
    this.exitTimer?.cancel();
    if (this.shuttingDown) {
      this.exitTimer = this.delay(COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, () => this.stop());
      return;
    }
    if (this.unacknowledgedUpdates.length === 0) return this.stop();
    this.exitTimer = this.delay(COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS, () => {
      if (this.waitingForAgent) this.exitWhenAcknowledged();
      else this.stop();
    });
  }

  /** Why the executor cannot run `task` of a group of `groupSize` new tasks, or undefined when it can. */
  private refusal(task: TaskInfo, groupSize: number): string | undefined {
    if (task.command === undefined) return "The task has no command: the default executor runs each task's command (this agent runs no container images)";
    const badId = pathComponentError('task', task.taskId);
    if (badId !== undefined) return `The task cannot have a sandbox: ${badId}`;
    if (this.runs.size + groupSize > DEFAULT_EXECUTOR_MAX_TASKS) return `The default executor runs at most ${DEFAULT_EXECUTOR_MAX_TASKS} tasks at once`;
    return undefined;
  }

  /** None of the group starts: the tasks refused fail, naming why; the others are killed, naming the first refused. */
  private refuseGroup(tasks: readonly TaskInfo[], refusals: readonly (string | undefined)[]): void {
    const firstRefused = tasks[refusals.findIndex((refusal) => refusal !== undefined)] as TaskInfo;
    tasks.forEach((task, index) => {
      const refusal = refusals[index];
      if (refusal !== undefined) this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_FAILED', message: refusal });
      else this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_KILLED', message: `Not started: task '${firstRefused.taskId}' of its group could not be` });
    });
    this.log.warn({ taskIds: tasks.map((task) => task.taskId) }, 'refused a task group');
    if (this.runs.size === 0) this.exitWhenAcknowledged();
  }

  /**
   * The task with what the default executor adds to its environment: `MESOS_CONTAINER_IP`, the
   * executor's IP (Mesos sets it so; here every task shares the agent's network).
   */
  private withExecutorEnvironment(task: TaskInfo): TaskInfo {
    const command = task.command as NonNullable<TaskInfo['command']>;
    return { ...task, command: { ...command, environment: { ...(command.environment ?? {}), MESOS_CONTAINER_IP: this.self().host } } };
  }
}

if (require.main === module) void runExecutor(() => new DefaultExecutor());
