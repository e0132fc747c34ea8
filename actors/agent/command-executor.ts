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
 * stop came before its mailbox took the started task in (`startTask`); one killed outright
 * (SIGKILL) cleans up nothing, and the agent's launcher kills the task, which the executor
 * recorded in its sandbox (`TASK_PROCESSES_FILE`, `destroyExecutor`). The task's run is a
 * `TaskRun` (task-process.ts), which the default executor shares.
 *
 * The task's health check and check run from TASK_RUNNING on (`Executor.startChecks`): each
 * change of health is a TASK_RUNNING update with `healthy`, and a task that fails its health
 * check `consecutiveFailures` times in a row is killed, its TASK_KILLED carrying `healthy: false`
 * and reason REASON_TASK_HEALTH_CHECK_STATUS_UPDATED. Every update of a task with a check
 * carries its latest `checkStatus`.
 *
 * Its startup is on the critical path of every command task, so it imports only what it needs.
 */
import type { StatusUpdate, TaskInfo } from '../../lib/protocol';
import { runExecutor, type KillOptions } from '../framework/executor';
import { COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS, COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS, COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS } from './constants';
import { TaskProcessExecutor, type TaskEndState, type TaskRun } from './task-process';

export { realTaskProcesses, startTask, type StartedTask, type TaskExit, type TaskProcesses } from './task-process';

/** The command executor: one task, run as an OS process group of its own (`TaskRun`). */
export class CommandExecutor extends TaskProcessExecutor {
  /** The run of the one task this executor runs. */
  private run: TaskRun | undefined;
  /** Uuid of the terminal update; its acknowledgement ends the executor. */
  private terminalUuid: string | undefined;
  /** Shut down by the agent (`shutdown`): no acknowledgement will come for the terminal update. */
  private shuttingDown = false;

  protected override launchTask(task: TaskInfo): void {
    if (this.run !== undefined) {
      this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_FAILED', message: 'Attempted to run more than one task with a command executor' });
      return;
    }
    this.run = this.newRun(task, this.sandbox);
    this.run.launch();
  }

  protected override killTask(taskId: string, options: KillOptions): void {
    if (this.run === undefined || taskId !== this.run.task.taskId) {
      this.log.warn({ taskId }, 'ignoring a kill for a task this executor does not run');
      return;
    }
    this.run.kill(this.killGraceMs(this.run.task, options.gracePeriodMs));
  }

  protected override shutdown(): void {
    if (this.run === undefined || this.run.ended) return this.stop();
    this.shuttingDown = true;
    this.run.kill(Math.max(0, this.shutdownGracePeriodMs - COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS));
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
    this.run?.abandon();
  }

  /** Killed for failing its health check: TASK_KILLED will carry the reason and `healthy: false`. */
  protected override taskUnhealthy(taskId: string): void {
    if (this.run?.task.taskId === taskId) this.run.markUnhealthy();
    super.taskUnhealthy(taskId);
  }

  /** The terminal update went out: the executor stops when it is acknowledged, or after a bounded wait. */
  protected override runEnded(_run: TaskRun, _state: TaskEndState, uuid: string): void {
    this.terminalUuid = uuid;
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

if (require.main === module) void runExecutor(() => new CommandExecutor());
