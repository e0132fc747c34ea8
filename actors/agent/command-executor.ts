/**
 * The built-in command executor (Mesos' `mesos-executor`): the agent starts one per command task,
 * as `node command-executor.js` in the task's sandbox. It registers with the agent, runs the
 * task's command in its own process group with stdout and stderr appended to the sandbox's
 * `stdout` and `stderr`, and reports TASK_STARTING, TASK_RUNNING, then TASK_FINISHED, TASK_FAILED
 * (`Command exited with status N` / `Command terminated with signal SIGX`) or TASK_KILLED.
 *
 * A kill sends SIGTERM to the task's process group, then SIGKILL after the grace period (the
 * task's kill policy, else 3 s). When the task's process exits, whatever is left in its group is
 * SIGKILLed before the terminal update goes out. The executor exits once its terminal update is
 * acknowledged (or after COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS). An executor stopped before its
 * task ended (SIGTERM to its process) SIGKILLs the task's process group on the way out, even if the
 * stop came before its mailbox took the started task in (`runningTaskGroups`).
 *
 * The task's health check and check run from TASK_RUNNING on (`Executor.startChecks`): each
 * change of health is a TASK_RUNNING update with `healthy`, and a task that fails its health
 * check `consecutiveFailures` times in a row is killed, its TASK_KILLED carrying `healthy: false`
 * and reason REASON_TASK_HEALTH_CHECK_STATUS_UPDATED. Every update of a task with a check
 * carries its latest `checkStatus`.
 *
 * Its startup is on the critical path of every command task, so it imports only what it needs.
 */
import { spawn } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Timer } from '../../lib/actor';
import { ClockSetBack } from '../../lib/process/clock';
import { emptyCheckStatus, isCheckType, type AgentInfo, type CheckStatusInfo, type ExecutorInfo, type FrameworkInfo, type StatusUpdate, type TaskInfo } from '../../lib/protocol';
import type { TaskChecks } from '../framework/checks';
import { Executor, runExecutor, type ExecutorOptions, type ExecutorStatus, type KillOptions } from '../framework/executor';
import { COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS, COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS, DEFAULT_KILL_GRACE_PERIOD_MS } from './constants';
import { commandLine } from './launcher';
import { STDERR_FILE, STDOUT_FILE } from './paths';

/** How the task's process ended. */
interface TaskExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started task process. */
export interface StartedTask {
  readonly processId: number;
  /** Resolves when the process exits. */
  readonly exited: Promise<TaskExit>;
}

/**
 * How the command executor starts and signals task processes: real OS processes by default
 * (`realTaskProcesses`); tests under a virtual clock pass scripted ones.
 */
export interface TaskProcesses {
  /** Starts the task's command in `sandbox`, leading its own process group. */
  start(task: TaskInfo, sandbox: string): Promise<StartedTask>;
  /** Signals the process group `processId` leads; a group that is gone already is no error. */
  signal(processId: number, signal: NodeJS.Signals): void;
}

/** Real task processes: `startTask` below, and `kill(-group)`. */
export const realTaskProcesses: TaskProcesses = {
  start: (task, sandbox) => startTask(task, sandbox),
  signal: (processId, signal) => {
    try {
      process.kill(-processId, signal);
    } catch {
      // the group is gone already; the exit is on its way
    }
  },
};

/** The command executor: one task, run as an OS process group of its own. */
export class CommandExecutor extends Executor {
  /** The one task this executor runs. */
  private task: TaskInfo | undefined;
  /** The framework, for its capabilities (TASK_KILLING_STATE). */
  private frameworkInfo: FrameworkInfo | undefined;
  /** The task's process id (its process group id too), once started. */
  private processId: number | undefined;
  /** A kill was asked for: the exit is reported as TASK_KILLED. */
  private killed = false;
  /** The task's process has exited. */
  private terminated = false;
  /** SIGKILL escalation after the grace period. */
  private escalationTimer: Timer | undefined;
  /** When the escalation is due (host clock, ms); a later kill may only bring it forward. */
  private escalationDueMs: number | undefined;
  /** Moves `escalationDueMs` back with a clock set back, so that a repeated kill compares like with like. */
  private readonly setBack = new ClockSetBack();
  /** The grace period of a kill asked for before the process had started. */
  private pendingKillGraceMs: number | undefined;
  /** Uuid of the terminal update; its acknowledgement ends the executor. */
  private terminalUuid: string | undefined;
  /** Shut down by the agent (`shutdown`): no acknowledgement will come for the terminal update. */
  private shuttingDown = false;
  /** The task's health check and check, while they run. */
  private checks: TaskChecks | undefined;
  /** The kill came from a failing health check: the terminal update says so. */
  private killedByHealthCheck = false;

  /**
   * @param options identity and timeouts; default: from the environment the agent set.
   * @param processes how task processes start and are signalled (default: real ones).
   */
  constructor(options?: ExecutorOptions, private readonly processes: TaskProcesses = realTaskProcesses) {
    super(options);
  }

  protected override registered(_executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, _agentInfo: AgentInfo): void {
    this.frameworkInfo = frameworkInfo;
  }

  protected override launchTask(task: TaskInfo): void {
    if (this.task !== undefined) {
      this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_FAILED', message: 'Attempted to run more than one task with a command executor' });
      return;
    }
    this.task = task;
    if (task.command === undefined) return this.finish('TASK_FAILED', 'The task has no command');
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_STARTING', ...this.checkFields() });
    const sandbox = this.options.directory ?? process.cwd();
    this.defer(this.processes.start(task, sandbox), (started) => this.started(started), (error) => this.finish('TASK_FAILED', `Failed to launch the command: ${error.message}`));
  }

  protected override killTask(taskId: string, options: KillOptions): void {
    if (this.task === undefined || taskId !== this.task.taskId) {
      this.log.warn({ taskId }, 'ignoring a kill for a task this executor does not run');
      return;
    }
    const killPolicyMs = this.task.killPolicy === undefined ? undefined : this.task.killPolicy.gracePeriodSeconds * 1000;
    this.kill(options.gracePeriodMs ?? killPolicyMs ?? DEFAULT_KILL_GRACE_PERIOD_MS);
  }

  protected override shutdown(): void {
    if (this.task === undefined || this.terminated) return this.stop();
    this.shuttingDown = true;
    this.kill(Math.max(0, this.shutdownGracePeriodMs - COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS));
  }

  protected override acknowledged(update: StatusUpdate): void {
    if (update.uuid === this.terminalUuid) this.stop();
  }

  /**
   * The executor is going away while its task still runs (its host stops: SIGTERM or SIGINT to the
   * executor's process, see `runExecutor`): the task's process group is SIGKILLed with it. It
   * leads a group of its own, so nothing else would end it, and with the agent gone (a
   * checkpointing framework's executor waiting for its agent) nobody would be left to.
   */
  protected override finalize(): void {
    if (this.terminated) return;
    this.stopChecks();
    this.signalTask('SIGKILL');
  }

  /** Killed for failing its health check: TASK_KILLED will carry the reason and `healthy: false`. */
  protected override taskUnhealthy(taskId: string): void {
    this.killedByHealthCheck = true;
    super.taskUnhealthy(taskId);
  }

  private started(started: StartedTask): void {
    this.processId = started.processId;
    this.defer(started.exited, (exit) => this.reaped(exit));
    if (this.pendingKillGraceMs !== undefined) {
      this.signalTask('SIGTERM');
      this.scheduleEscalation(this.pendingKillGraceMs);
      return;
    }
    const task = this.task as TaskInfo;
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING', ...this.checkFields() });
    this.checks = this.startChecks(task, task.command?.environment ?? {});
  }

  /** SIGTERM now, SIGKILL after `gracePeriodMs`; a repeated kill can only shorten the grace period (Mesos). */
  private kill(gracePeriodMs: number): void {
    if (this.terminated) return;
    if (this.killed) {
      const nowMs = this.clock.now();
      // Read an hour earlier than at the first kill, the escalation due then would seem an hour
      // further off than it is, and a repeated kill with a longer grace period would put it off.
      const backMs = this.setBack.read(nowMs);
      if (backMs < 0 && this.escalationDueMs !== undefined) this.escalationDueMs += backMs;
      const dueMs = nowMs + gracePeriodMs;
      if (this.escalationDueMs !== undefined && dueMs < this.escalationDueMs) this.scheduleEscalation(gracePeriodMs);
      return;
    }
    this.killed = true;
    this.stopChecks();
    if (this.frameworkInfo?.capabilities?.includes('TASK_KILLING_STATE')) {
      this.sendStatusUpdate({ taskId: (this.task as TaskInfo).taskId, state: 'TASK_KILLING', ...this.checkFields() });
    }
    if (this.processId === undefined) {
      this.pendingKillGraceMs = gracePeriodMs;
      return;
    }
    this.log.info({ processId: this.processId, gracePeriodMs }, 'sending SIGTERM to the task process group');
    this.signalTask('SIGTERM');
    this.scheduleEscalation(gracePeriodMs);
  }

  private scheduleEscalation(gracePeriodMs: number): void {
    this.escalationTimer?.cancel();
    const nowMs = this.clock.now();
    this.setBack.read(nowMs);
    this.escalationDueMs = nowMs + gracePeriodMs;
    this.escalationTimer = this.delay(gracePeriodMs, () => {
      this.log.warn({ processId: this.processId, gracePeriodMs }, 'the task outlived its grace period; sending SIGKILL');
      this.signalTask('SIGKILL');
    });
  }

  private signalTask(signal: NodeJS.Signals): void {
    if (this.processId !== undefined) this.processes.signal(this.processId, signal);
  }

  private stopChecks(): void {
    this.checks?.stop();
  }

  /** A task with a check has `checkStatus` on every update: the latest result, empty before the first (Mesos). */
  private checkFields(): Pick<ExecutorStatus, 'checkStatus'> {
    const latest = this.checks?.statusFields().checkStatus;
    if (latest !== undefined) return { checkStatus: latest };
    const type = this.task?.check?.type;
    const checkStatus: CheckStatusInfo | undefined = type !== undefined && isCheckType(type) ? emptyCheckStatus(type) : undefined;
    return checkStatus === undefined ? {} : { checkStatus };
  }

  private reaped(exit: TaskExit): void {
    this.escalationTimer?.cancel();
    this.stopChecks();
    // What the task left running in its group (`sleep 60 &`) ends with it, before the terminal update.
    this.signalTask('SIGKILL');
    const message = exit.signal !== null ? `Command terminated with signal ${exit.signal}` : `Command exited with status ${exit.code}`;
    if (this.killed) this.finish('TASK_KILLED', message);
    else if (exit.code === 0) this.finish('TASK_FINISHED', message);
    else this.finish('TASK_FAILED', message);
  }

  /** Sends the terminal update; the executor stops when it is acknowledged, or after a bounded wait. */
  private finish(state: 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED', message: string): void {
    if (this.terminated) return;
    this.terminated = true;
    this.stopChecks();
    const status: ExecutorStatus = { taskId: (this.task as TaskInfo).taskId, state, message, ...this.checkFields() };
    // Mesos sets `healthy: false` here and leaves the reason unset; the reason says why the task was killed.
    if (state === 'TASK_KILLED' && this.killedByHealthCheck) Object.assign(status, { reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false });
    this.terminalUuid = this.sendStatusUpdate(status);
    this.stopAfterTerminalWait();
  }

  /**
   * Stops after `COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS` unless the acknowledgement came first;
   * but while a checkpointing framework's executor waits for its restarted agent, it keeps
   * waiting (the update would be lost with it), until the agent reconnects or the base's
   * recovery timeout shuts it down.
   */
  private stopAfterTerminalWait(): void {
    // Shut down, no acknowledgement will come: exit shortly, as Mesos' command executor.
    if (this.shuttingDown) {
      this.delay(COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, () => this.stop());
      return;
    }
    this.delay(COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS, () => {
      if (this.waitingForAgent) this.stopAfterTerminalWait();
      else this.stop();
    });
  }
}

/**
 * Process groups of tasks this process started that still run: SIGKILLed when the process exits
 * (`process.on('exit')`, synchronous, whatever ends it). The executor's `finalize` kills its
 * task's group on a stop, but only once its mailbox has taken the started task in: a SIGTERM that
 * came between the spawn and that turn (a loaded machine) left the task running for good.
 */
const runningTaskGroups = new Set<number>();
let killGroupsOnExit = false;

function killRunningTaskGroups(): void {
  for (const group of runningTaskGroups) realTaskProcesses.signal(group, 'SIGKILL');
}

/** Starts the task's command in `sandbox`, leading its own process group, output appended to the sandbox files. */
export async function startTask(task: TaskInfo, sandbox: string): Promise<StartedTask> {
  const command = task.command as NonNullable<TaskInfo['command']>;
  const stdout = await open(path.join(sandbox, STDOUT_FILE), 'a');
  let stderr: FileHandle | undefined;
  try {
    stderr = await open(path.join(sandbox, STDERR_FILE), 'a');
    const { file, args, argv0 } = commandLine(command);
    const child = spawn(file, args, {
      ...(argv0 === undefined ? {} : { argv0 }),
      cwd: sandbox,
      env: { ...process.env, ...(command.environment ?? {}), MESOS_SANDBOX: sandbox, MESOS_TASK_ID: task.taskId },
      detached: true,
      stdio: ['ignore', stdout.fd, stderr.fd],
    });
    const group = child.pid;
    if (group !== undefined) {
      runningTaskGroups.add(group);
      if (!killGroupsOnExit) {
        killGroupsOnExit = true;
        process.once('exit', killRunningTaskGroups);
      }
    }
    const exited = new Promise<TaskExit>((resolve) => child.once('exit', (code, signal) => {
      // The leader is gone; the executor SIGKILLs what is left of its group before its terminal update.
      if (group !== undefined) runningTaskGroups.delete(group);
      resolve({ code, signal });
    }));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('error', () => undefined); // a failed signal later shows up as the exit
    return { processId: child.pid as number, exited };
  } finally {
    await stdout.close();
    await stderr?.close();
  }
}

if (require.main === module) void runExecutor(() => new CommandExecutor());
