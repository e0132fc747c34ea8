/**
 * What the built-in executors share: a task run as an OS process group of its own, from its
 * start to its terminal update (`TaskRun`), and the executor base that makes such runs
 * (`TaskProcessExecutor`). The command executor (`command-executor.ts`) runs one; the default
 * executor (`default-executor.ts`) one per task of its task groups.
 *
 * A run reports TASK_STARTING, TASK_RUNNING once its process started, then TASK_FINISHED (exit
 * 0), TASK_FAILED (`Command exited with status N` / `Command terminated with signal SIGX`) or,
 * once killed, TASK_KILLED. A kill sends SIGTERM to the process group, then SIGKILL after the
 * grace period; a repeated kill can only bring the SIGKILL forward. When the task's process
 * exits, whatever is left in its group is SIGKILLed before the terminal update goes out. Its
 * health check and check run from TASK_RUNNING on (`Executor.startChecks`, in its sandbox).
 *
 * Each task process is recorded, while it runs, in its run's `TASK_PROCESSES_FILE`
 * (`<pid> <start time>` lines), and carries its run's sandbox in `MESOS_DIRECTORY`: a task leads a
 * session of its own (`detached`: Node has no setpgid), so once its executor is SIGKILLed (the
 * OOM killer) nothing ties it to the run but that record, which the launcher reads and checks
 * (`killRecordedTasks` in launcher.ts) before it kills what is left.
 *
 * The command executor's startup is on the critical path of every command task, so this module
 * imports only what it needs.
 */
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Timer } from '../../lib/actor';
import type { Logger } from '../../lib/logging';
import { processStartTime } from '../../lib/proc-stat';
import { ClockSetBack } from '../../lib/process/clock';
import { emptyCheckStatus, isCheckType, type AgentInfo, type CheckStatusInfo, type ExecutorInfo, type FrameworkInfo, type TaskInfo } from '../../lib/protocol';
import type { TaskChecks } from '../framework/checks';
import { Executor, type ExecutorOptions, type ExecutorStatus } from '../framework/executor';
import { DEFAULT_KILL_GRACE_PERIOD_MS } from './constants';
import { commandLine } from './launcher';
import { STDERR_FILE, STDOUT_FILE, TASK_PROCESSES_FILE } from './paths';

/** How the task's process ended. */
export interface TaskExit {
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
 * How the built-in executors start and signal task processes: real OS processes by default
 * (`realTaskProcesses`); tests under a virtual clock pass scripted ones.
 */
export interface TaskProcesses {
  /**
   * Starts the task's command in `sandbox`, leading its own process group; `runDirectory` (the
   * executor's sandbox) records it while it runs (`startTask`).
   */
  start(task: TaskInfo, sandbox: string, runDirectory?: string): Promise<StartedTask>;
  /** Signals the process group `processId` leads; a group that is gone already is no error. */
  signal(processId: number, signal: NodeJS.Signals): void;
}

/** Real task processes: `startTask` below, and `kill(-group)`. */
export const realTaskProcesses: TaskProcesses = {
  start: (task, sandbox, runDirectory) => startTask(task, sandbox, runDirectory),
  signal: (processId, signal) => {
    try {
      process.kill(-processId, signal);
    } catch {
      // the group is gone already; the exit is on its way
    }
  },
};

/** The states a run ends in. */
export type TaskEndState = 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED';

/** What a `TaskRun` needs of the executor running it: its clock, timers, mailbox and status updates. */
export interface TaskRunContext {
  /** The executor's clock now (ms). */
  now(): number;
  /** `Actor.delay` of the executor. */
  delay(ms: number, callback: () => void): Timer;
  /** `Actor.defer` of the executor. */
  defer<T>(promise: Promise<T>, then: (value: T) => void, onError?: (error: Error) => void): void;
  /** `Executor.sendStatusUpdate`; returns the update's uuid. */
  sendStatusUpdate(status: ExecutorStatus): string;
  /** `Executor.startChecks` with the run's sandbox. */
  startChecks(task: TaskInfo, environment: Readonly<Record<string, string>>, sandbox: string): TaskChecks | undefined;
  /** The executor's logger. */
  readonly log: Logger;
  /** The executor's own sandbox (its run's directory), where its task processes are recorded. */
  readonly runDirectory: string | undefined;
  /** Whether the framework takes TASK_KILLING (its TASK_KILLING_STATE capability). */
  killingState(): boolean;
  /** The run's terminal update went out, with this uuid. */
  ended(run: TaskRun, state: TaskEndState, uuid: string): void;
}

/** The grace period of the task's own kill policy in ms, if it has one. */
export function killPolicyGraceMs(task: TaskInfo): number | undefined {
  return task.killPolicy === undefined ? undefined : task.killPolicy.gracePeriodSeconds * 1000;
}

/**
 * One task run as a process group of its own, in `sandbox`: `launch` it, `kill` it; it calls
 * `context.ended` once, with its terminal update. Runs inside its executor's mailbox (every
 * callback re-enters through `context.defer` or `context.delay`).
 */
export class TaskRun {
  /** The task's process id (its process group id too), once started. */
  private processId: number | undefined;
  /** A kill was asked for: the exit is reported as TASK_KILLED. */
  private killed = false;
  /** The terminal update went out. */
  private terminated = false;
  /** SIGKILL escalation after the grace period. */
  private escalationTimer: Timer | undefined;
  /** When the escalation is due (executor clock, ms); a later kill may only bring it forward. */
  private escalationDueMs: number | undefined;
  /** Moves `escalationDueMs` back with a clock set back, so that a repeated kill compares like with like. */
  private readonly setBack = new ClockSetBack();
  /** The grace period of a kill asked for before the process had started. */
  private pendingKillGraceMs: number | undefined;
  /** The task's health check and check, while they run. */
  private checks: TaskChecks | undefined;
  /** The kill came from a failing health check: the terminal update says so. */
  private killedByHealthCheck = false;

  /**
   * @param task what to run (its `command`; without one the run fails at `launch`).
   * @param sandbox the task's working directory: its stdout and stderr, MESOS_SANDBOX, its command checks' directory.
   */
  constructor(readonly task: TaskInfo, readonly sandbox: string, private readonly processes: TaskProcesses, private readonly context: TaskRunContext) {}

  /** True once a kill was asked for (the run ends TASK_KILLED). */
  get killing(): boolean {
    return this.killed;
  }

  /** True once the terminal update went out. */
  get ended(): boolean {
    return this.terminated;
  }

  /** TASK_STARTING, then starts the process: TASK_RUNNING once it runs; TASK_FAILED at once without a command or if it cannot start (TASK_KILLED if killed meanwhile). */
  launch(): void {
    if (this.task.command === undefined) return this.finish('TASK_FAILED', 'The task has no command');
    this.context.sendStatusUpdate({ taskId: this.task.taskId, state: 'TASK_STARTING', ...this.checkFields() });
    // One killed while it started is TASK_KILLED, whatever became of the start (Mesos' default executor: a killed container).
    this.context.defer(this.processes.start(this.task, this.sandbox, this.context.runDirectory), (started) => this.started(started), (error) => this.finish(this.killed ? 'TASK_KILLED' : 'TASK_FAILED', `Failed to launch the command: ${error.message}`));
  }

  /** SIGTERM now, SIGKILL after `gracePeriodMs`; a repeated kill can only shorten the grace period (Mesos). */
  kill(gracePeriodMs: number): void {
    if (this.terminated) return;
    if (this.killed) return this.killAgain(gracePeriodMs);
    this.killed = true;
    this.stopChecks();
    if (this.context.killingState()) this.context.sendStatusUpdate({ taskId: this.task.taskId, state: 'TASK_KILLING', ...this.checkFields() });
    if (this.processId === undefined) {
      this.pendingKillGraceMs = gracePeriodMs;
      return;
    }
    this.context.log.info({ taskId: this.task.taskId, processId: this.processId, gracePeriodMs }, 'sending SIGTERM to the task process group');
    this.signalTask('SIGTERM');
    this.scheduleEscalation(gracePeriodMs);
  }

  /** The coming kill is for failing the health check: TASK_KILLED will carry the reason and `healthy: false`. */
  markUnhealthy(): void {
    this.killedByHealthCheck = true;
  }

  /**
   * The executor is going away with the task still running: its process group is SIGKILLed. It
   * leads a group of its own, so nothing else would end it.
   */
  abandon(): void {
    if (this.terminated) return;
    this.stopChecks();
    this.signalTask('SIGKILL');
  }

  /** Ends the run TASK_FAILED with `message` without starting it (a task the executor refuses). */
  fail(message: string): void {
    this.finish('TASK_FAILED', message);
  }

  private started(started: StartedTask): void {
    this.processId = started.processId;
    this.context.defer(started.exited, (exit) => this.reaped(exit));
    if (this.pendingKillGraceMs !== undefined) {
      this.signalTask('SIGTERM');
      this.scheduleEscalation(this.pendingKillGraceMs);
      return;
    }
    this.context.sendStatusUpdate({ taskId: this.task.taskId, state: 'TASK_RUNNING', ...this.checkFields() });
    this.checks = this.context.startChecks(this.task, this.task.command?.environment ?? {}, this.sandbox);
  }

  private killAgain(gracePeriodMs: number): void {
    const nowMs = this.context.now();
    // Read an hour earlier than at the first kill, the escalation due then would seem an hour
    // further off than it is, and a repeated kill with a longer grace period would put it off.
    const backMs = this.setBack.read(nowMs);
    if (backMs < 0 && this.escalationDueMs !== undefined) this.escalationDueMs += backMs;
    const dueMs = nowMs + gracePeriodMs;
    if (this.escalationDueMs !== undefined && dueMs < this.escalationDueMs) this.scheduleEscalation(gracePeriodMs);
  }

  private scheduleEscalation(gracePeriodMs: number): void {
    this.escalationTimer?.cancel();
    const nowMs = this.context.now();
    this.setBack.read(nowMs);
    this.escalationDueMs = nowMs + gracePeriodMs;
    this.escalationTimer = this.context.delay(gracePeriodMs, () => {
      this.context.log.warn({ taskId: this.task.taskId, processId: this.processId, gracePeriodMs }, 'the task outlived its grace period; sending SIGKILL');
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
    const type = this.task.check?.type;
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

  /** Sends the terminal update and tells the executor. */
  private finish(state: TaskEndState, message: string): void {
    if (this.terminated) return;
    this.terminated = true;
    this.escalationTimer?.cancel();
    this.stopChecks();
    const status: ExecutorStatus = { taskId: this.task.taskId, state, message, ...this.checkFields() };
    // Mesos sets `healthy: false` here and leaves the reason unset; the reason says why the task was killed.
    if (state === 'TASK_KILLED' && this.killedByHealthCheck) Object.assign(status, { reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false });
    const uuid = this.context.sendStatusUpdate(status);
    this.context.ended(this, state, uuid);
  }
}

/**
 * The base of the built-in executors that run tasks as process groups: it keeps the framework's
 * info (TASK_KILLING_STATE), makes `TaskRun`s that report through it (`newRun`), and is told
 * when each ends (`runEnded`).
 */
export abstract class TaskProcessExecutor extends Executor {
  /** The framework, for its capabilities (TASK_KILLING_STATE). */
  private frameworkInfo: FrameworkInfo | undefined;
  /** What its runs call back, made at the first run (the actor has no host before it is spawned). */
  private context: TaskRunContext | undefined;

  /**
   * @param options identity and timeouts; default: from the environment the agent set.
   * @param processes how task processes start and are signalled (default: real ones).
   */
  constructor(options?: ExecutorOptions, protected readonly processes: TaskProcesses = realTaskProcesses) {
    super(options);
  }

  protected override registered(_executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, _agentInfo: AgentInfo): void {
    this.frameworkInfo = frameworkInfo;
  }

  /** The executor's own sandbox (its run's directory: `MESOS_DIRECTORY`, else where it was started). */
  protected get sandbox(): string {
    return this.options.directory ?? process.cwd();
  }

  /** A run of `task` in `sandbox` that reports through this executor; call `launch` on it. */
  protected newRun(task: TaskInfo, sandbox: string): TaskRun {
    return new TaskRun(task, sandbox, this.processes, this.context ??= this.runContext());
  }

  /** `run` sent its terminal update (`uuid`). */
  protected abstract runEnded(run: TaskRun, state: TaskEndState, uuid: string): void;

  /** The grace period of a kill: the KILL's, else the task's kill policy's, else Mesos' 3 s. */
  protected killGraceMs(task: TaskInfo, gracePeriodMs: number | undefined): number {
    return gracePeriodMs ?? killPolicyGraceMs(task) ?? DEFAULT_KILL_GRACE_PERIOD_MS;
  }

  private runContext(): TaskRunContext {
    // Each reads the executor's own members when called: a test may replace its clock.
    const executor = this;
    return {
      now: () => executor.clock.now(),
      delay: (ms, callback) => executor.delay(ms, callback),
      defer: (promise, then, onError) => executor.defer(promise, then, onError),
      sendStatusUpdate: (status) => executor.sendStatusUpdate(status),
      startChecks: (task, environment, sandbox) => executor.startChecks(task, environment, sandbox),
      get log(): Logger {
        return executor.log;
      },
      get runDirectory(): string | undefined {
        return executor.sandbox;
      },
      killingState: () => executor.frameworkInfo?.capabilities?.includes('TASK_KILLING_STATE') === true,
      ended: (run, state, uuid) => executor.runEnded(run, state, uuid),
    };
  }
}

/**
 * Process groups of tasks this process started that still run: SIGKILLed when the process exits
 * (`process.on('exit')`, synchronous, whatever ends it). An executor's `finalize` kills its
 * tasks' groups on a stop, but only once its mailbox has taken the started task in: a SIGTERM that
 * came between the spawn and that turn (a loaded machine) left the task running for good.
 */
const runningTaskGroups = new Set<number>();
let killGroupsOnExit = false;

function killRunningTaskGroups(): void {
  for (const group of runningTaskGroups) realTaskProcesses.signal(group, 'SIGKILL');
}

/**
 * The task processes this process runs, as recorded in each run's `TASK_PROCESSES_FILE` (by
 * file): pid → start time (`processStartTime`).
 */
const recordedTasks = new Map<string, Map<number, string>>();

/**
 * Records task process `pid` in `runDirectory`'s `TASK_PROCESSES_FILE`, so that the launcher
 * can kill it once the executor is gone (whatever killed the executor). Returns the file, or
 * undefined when nothing was recorded (no `/proc` to read a start time from).
 */
function recordTask(runDirectory: string, pid: number): string | undefined {
  const startTime = processStartTime(pid);
  if (startTime === undefined) return undefined;
  const file = path.join(runDirectory, TASK_PROCESSES_FILE);
  const entries = recordedTasks.get(file) ?? new Map<number, string>();
  recordedTasks.set(file, entries);
  entries.set(pid, startTime);
  writeRecord(file, entries);
  return file;
}

/** Task process `pid` has exited: its entry leaves `file` (its group is SIGKILLed next, by its run). */
function unrecordTask(file: string, pid: number): void {
  const entries = recordedTasks.get(file);
  if (entries === undefined || !entries.delete(pid)) return;
  if (entries.size === 0) recordedTasks.delete(file);
  writeRecord(file, entries);
}

/**
 * Writes `entries` to `file` whole, under another name first: the launcher never reads half a
 * line. A failure is no task's: the record is what lets the agent clean up after a killed
 * executor, and a sandbox it cannot write to has failed the task's stdout already.
 */
function writeRecord(file: string, entries: ReadonlyMap<number, string>): void {
  let text = '';
  for (const [pid, startTime] of entries) text += `${pid} ${startTime}\n`;
  const staging = `${file}.${process.pid}`;
  try {
    writeFileSync(staging, text);
    renameSync(staging, file);
  } catch {
    // the agent's clean-up after a killed executor finds only what its own group and session hold
  }
}

/**
 * Starts the task's command in `sandbox`, leading its own process group, output appended to the
 * sandbox files. With `runDirectory` (the executor's sandbox), the process gets it as
 * `MESOS_DIRECTORY` (over the task's own environment: the launcher checks it there before it
 * kills a recorded process) and is recorded there while it runs (`recordTask`).
 */
export async function startTask(task: TaskInfo, sandbox: string, runDirectory?: string): Promise<StartedTask> {
  const command = task.command as NonNullable<TaskInfo['command']>;
  const stdout = await open(path.join(sandbox, STDOUT_FILE), 'a');
  let stderr: FileHandle | undefined;
  try {
    stderr = await open(path.join(sandbox, STDERR_FILE), 'a');
    const { file, args, argv0 } = commandLine(command);
    const child = spawn(file, args, {
      ...(argv0 === undefined ? {} : { argv0 }),
      cwd: sandbox,
      env: { ...process.env, ...(command.environment ?? {}), MESOS_SANDBOX: sandbox, MESOS_TASK_ID: task.taskId, ...(runDirectory === undefined ? {} : { MESOS_DIRECTORY: runDirectory }) },
      detached: true,
      stdio: ['ignore', stdout.fd, stderr.fd],
    });
    const group = child.pid;
    // Recorded before anything else: the executor may be SIGKILLed at any moment from here on.
    const record = group === undefined || runDirectory === undefined ? undefined : recordTask(runDirectory, group);
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
      if (group !== undefined && record !== undefined) unrecordTask(record, group);
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
