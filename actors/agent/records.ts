/**
 * The agent's books (Mesos' `Slave::Framework` and `Slave::Executor`): which frameworks have
 * executors here, and where each task is in its life: queued (its executor has not registered),
 * launched (sent to the executor), terminated (terminal, the terminal update not yet
 * acknowledged) or completed (acknowledged; kept for /state, bounded).
 *
 * Plain classes, mutated only by the agent inside its mailbox.
 */
import type { UPID } from '../../lib/actor';
import type { ExecutorInfo, FrameworkInfo, StatusUpdate, Task, TaskInfo, TaskState, TaskStatus } from '../../lib/protocol';
import { copyTaskDescription, isTerminalState } from '../../lib/protocol';
import { fromUnits, Resources, toUnits, type ResourceJSON } from '../../lib/resources';
import { NO_STATUSES, withStatus } from '../../lib/protocol/limits';
import { withFields } from '../../lib/with-fields';
import { SmallMap } from '../../lib/small-map';
import { appendBounded, NO_ITEMS } from '../../lib/exact-arrays';
import { MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK, MAX_COMPLETED_TASKS_PER_EXECUTOR } from './constants';
import type { LaunchedExecutor } from './launcher';
import { executorResourcesOf } from './updates';

/** Life of an executor on the agent (Mesos' `Executor::State`). */
export type ExecutorPhase = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

/** A cancellable timer (what `Actor.delay` returns). */
export interface RecordTimer {
  cancel(): void;
}

/** Why tasks that are still live fail when the executor's process ends. */
export interface PendingTermination {
  readonly state: TaskState;
  readonly reason: string;
  readonly message: string;
}

/** An empty map that refuses changes, shared by many records (`RETIRED`, `NONE`); `what` says which in the error. */
class RefusingMap extends Map<string, unknown> {
  constructor(private readonly what: string) {
    super();
  }

  override set(key: string): this {
    throw new Error(`${this.what} cannot take '${key}'`);
  }

  override delete(): boolean {
    return false;
  }

  override clear(): void {}
}

/** The task maps of every retired executor (`ExecutorRecord.retire`). */
const RETIRED = new RefusingMap("a retired executor's task map");

/**
 * The task maps of a run before their first entry and after their last: one shared empty map, so
 * that a run holds a `SmallMap` only for the maps that hold a task (a running command executor's
 * run: three of five, ~110 bytes less a live task). Changed only through `put` and `drop`.
 */
const NONE = new RefusingMap("a run's empty task map (set through put)");

/** The shared `NONE` map, typed as the task map it stands for (it holds nothing, so any type fits). */
function none<V>(): Map<string, V> {
  return NONE as Map<string, V>;
}

/** `map` with `key` set: a new `SmallMap` in place of the shared empty one. */
function put<V>(map: Map<string, V>, key: string, value: V): Map<string, V> {
  const held = map === none<V>() ? new SmallMap<string, V>() : map;
  held.set(key, value);
  return held;
}

/** `map` without `key`: the shared empty one once nothing is left (a retired run's `RETIRED` stays as it is). */
function drop<V>(map: Map<string, V>, key: string): Map<string, V> {
  if (!map.delete(key) || map.size > 0) return map;
  return none();
}

/** The shared `RETIRED` map, typed as the task map it stands for (it holds nothing, so any type fits). */
function retired<V>(): Map<string, V> {
  return RETIRED as Map<string, V>;
}

/** The stages of a live task, in order: an update never takes a task back to an earlier one. */
const TASK_STAGES: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];

/** What an executor run tells when one of its tasks reaches a terminal state. */
export interface TaskEndListener {
  taskEnded(executor: ExecutorRecord, state: TaskState, task: Task): void;
}

/** One run of one executor, and its tasks. */
export class ExecutorRecord {
  /** Where the executor is in its life. */
  phase: ExecutorPhase = 'REGISTERING';
  /** The executor actor's address, once it registered. */
  pid: UPID | undefined;
  /** The OS process, once started. */
  process: LaunchedExecutor | undefined;
  /** Fires if the executor does not register in time. */
  registrationTimer: RecordTimer | undefined;
  /** Fires if the executor does not exit within the shutdown grace period. */
  shutdownTimer: RecordTimer | undefined;
  /** Set when the agent kills the executor for a reason its tasks should report. */
  pendingTermination: PendingTermination | undefined;
  // The five maps below are changed only here (`put`, `drop`). They are `SmallMap`s while they hold
  // a task, the shared empty `NONE` before and after: a command executor's run has one task, and
  // five `Map`s per task were ~900 bytes allocated (and tables shrunk as the task left them). Once
  // the executor is retired (`retire`), they may be the one shared `RETIRED` map, which refuses changes.
  /** Tasks waiting for the executor to register. */
  queuedTasks: Map<string, TaskInfo> = none();
  /** Tasks sent to the executor and not yet terminal. */
  launchedTasks: Map<string, Task> = none();
  /** Terminal tasks whose terminal update the framework has not yet acknowledged. */
  terminatedTasks: Map<string, Task> = none();
  /** Terminal, acknowledged tasks, newest last (at most MAX_COMPLETED_TASKS_PER_EXECUTOR; replaced, never changed: the shared `NO_ITEMS` while empty). */
  completedTasks: readonly Task[] = NO_ITEMS;
  /** The TaskInfo of every task not yet completed (kill policies live there). */
  taskInfos: Map<string, TaskInfo> = none();
  /** The allocation role of each task not yet completed, as the master sent it. */
  taskRoles: Map<string, string> = none();
  /**
   * The task group of each queued task that came in one (RunTaskGroup), as the group's task ids
   * (one list shared by its tasks): delivered together, and killed together while queued.
   * Undefined until a group comes.
   */
  taskGroups: Map<string, readonly string[]> | undefined;
  /** The role the executor's own resources were allocated to (from the RunTask that started it). */
  role: string | undefined;
  /** A restarted agent asked it to reconnect (ReconnectExecutor) and waits for its ReregisterExecutor. */
  reconnecting = false;
  /** What this run must register with (`MESOS_EXECUTOR_AUTHENTICATION_TOKEN`); undefined for a run recovered after a restart. */
  token: string | undefined;
  /** SHA-256 (hex) of the token, checkpointed: what a restarted agent checks a recovered HTTP executor's token against. Made only for a checkpointing framework's run (nothing else reads it). */
  tokenSha256: string | undefined;
  /** Told once when this run ends (the v1 executor API's adapter of the run, to end with it). */
  onEnded: (() => void) | undefined;
  /** Told once per task that reaches a terminal state (the agent, for its `slave/tasks_*` counters): the agent itself, not a closure per run. */
  taskEndListener: TaskEndListener | undefined;

  constructor(
    /** The executor's description (synthesized for the command executor). */
    readonly info: ExecutorInfo,
    readonly frameworkId: string,
    readonly agentId: string,
    /** True for the built-in command executor (one task, executor id = task id). */
    readonly commandExecutor: boolean,
    /** Distinguishes this run from earlier runs of the same executor id. */
    readonly runId: string,
    /** The sandbox. */
    readonly directory: string,
  ) {}

  get id(): string {
    return this.info.executorId;
  }

  /** Puts a task in the queue until the executor registers. */
  queueTask(task: TaskInfo): void {
    this.queuedTasks = put(this.queuedTasks, task.taskId, task);
    this.taskInfos = put(this.taskInfos, task.taskId, task);
  }

  /** Queues the tasks of a task group together (`queueTask` each), noting their group. */
  queueTaskGroup(tasks: readonly TaskInfo[]): readonly string[] {
    const ids = tasks.map((task) => task.taskId);
    const groups = (this.taskGroups ??= new Map());
    for (const task of tasks) {
      this.queueTask(task);
      groups.set(task.taskId, ids);
    }
    return ids;
  }

  /** The ids of the task group of `taskId` while it is queued, or undefined (a task that came alone, or was sent). */
  queuedGroupOf(taskId: string): readonly string[] | undefined {
    return this.queuedTasks.has(taskId) ? this.taskGroups?.get(taskId) : undefined;
  }

  /** Forgets the group of these tasks (sent, or ended while queued). */
  forgetTaskGroup(ids: readonly string[]): void {
    if (this.taskGroups === undefined) return;
    for (const id of ids) this.taskGroups.delete(id);
    if (this.taskGroups.size === 0) this.taskGroups = undefined;
  }

  /** Notes the role a task's resources were allocated to. */
  setTaskRole(taskId: string, role: string | undefined): void {
    if (role !== undefined) this.taskRoles = put(this.taskRoles, taskId, role);
  }

  /** A protocol `Task` for a TaskInfo of this executor, with its role. */
  task(info: TaskInfo, state: TaskState): Task {
    return newTask(info, this.frameworkId, this.id, this.agentId, state, this.taskRoles.get(info.taskId));
  }

  /** Moves a task to the launched set (state TASK_STAGING) and returns it. */
  launchTask(task: TaskInfo): Task {
    this.queuedTasks = drop(this.queuedTasks, task.taskId);
    this.taskInfos = put(this.taskInfos, task.taskId, task);
    const launched = this.task(task, 'TASK_STAGING');
    this.launchedTasks = put(this.launchedTasks, task.taskId, launched);
    return launched;
  }

  /**
   * Mesos' `everSentTask`: a task is live here, or one that ended had reached the executor (an
   * update came from it). Tasks the agent itself ended (dropped, killed before delivery) do not
   * count.
   */
  everSentTask(): boolean {
    if (this.launchedTasks.size > 0) return true;
    const fromExecutor = (task: Task): boolean => (task.statuses ?? []).some((status) => status.source === 'SOURCE_EXECUTOR');
    return [...this.terminatedTasks.values()].some(fromExecutor) || this.completedTasks.some(fromExecutor);
  }

  /** True when the task is queued, launched or terminated (not completed) here. */
  hasTask(taskId: string): boolean {
    return this.queuedTasks.has(taskId) || this.launchedTasks.has(taskId) || this.terminatedTasks.has(taskId);
  }

  /** The task's latest state, or undefined when not here (or completed). */
  taskState(taskId: string): TaskState | undefined {
    if (this.queuedTasks.has(taskId)) return 'TASK_STAGING';
    return (this.launchedTasks.get(taskId) ?? this.terminatedTasks.get(taskId))?.state;
  }

  /**
   * Why an executor's `status` is older than what this executor already reported for the task,
   * or undefined when it is not. A task that is terminal here takes nothing more (Mesos: "Task is
   * already terminated"); a live one does not go back to an earlier stage (STARTING after
   * RUNNING). The executor base re-sends an unacknowledged update every 10 s, so a lost update
   * can arrive after the ones sent after it.
   */
  staleStatus(status: TaskStatus): string | undefined {
    const current = (this.launchedTasks.get(status.taskId) ?? this.terminatedTasks.get(status.taskId))?.state;
    if (current === undefined) return undefined;
    if (isTerminalState(current)) return `the task is already terminated (${current})`;
    const stage = TASK_STAGES.indexOf(status.state);
    return stage >= 0 && stage < TASK_STAGES.indexOf(current) ? `the task is ${current} already` : undefined;
  }

  /**
   * Records a task's new status (Mesos' `Executor::updateTaskState`): a queued task becomes a
   * Task; a terminal one moves to the terminated set until its update is acknowledged.
   */
  updateTaskState(status: TaskStatus): void {
    const taskId = status.taskId;
    let task = this.launchedTasks.get(taskId) ?? this.terminatedTasks.get(taskId);
    // A queued task has not reached any state yet.
    const wasTerminal = task !== undefined && isTerminalState(task.state);
    const queued = this.queuedTasks.get(taskId);
    if (task === undefined && queued !== undefined) {
      this.queuedTasks = drop(this.queuedTasks, taskId);
      task = this.task(queued, status.state);
    }
    if (task === undefined) return;
    task.state = status.state;
    // Kept without its `data` (up to 100 statuses a task: 3 MiB of data each was 300 MB a task),
    // as Mesos' master keeps statuses (MESOS-1746); the update itself carries it on to the master.
    task.statuses = withStatus(task.statuses, status.data === undefined ? status : withoutData(status), false);
    if (isTerminalState(status.state)) {
      this.launchedTasks = drop(this.launchedTasks, taskId);
      this.terminatedTasks = put(this.terminatedTasks, taskId, task);
      if (!wasTerminal) this.taskEndListener?.taskEnded(this, status.state, task);
    }
  }

  /** Notes which update was last sent to the master for a task (for re-registration). */
  recordForwarded(update: StatusUpdate): void {
    const task = this.launchedTasks.get(update.status.taskId) ?? this.terminatedTasks.get(update.status.taskId);
    if (task === undefined) return;
    task.statusUpdateState = update.status.state;
    if (update.uuid !== undefined) task.statusUpdateUuid = update.uuid;
  }

  /**
   * Records `status` as the end of every task still queued or live, without any update being
   * sent: for a framework being shut down, whose status update streams are gone (Mesos moves
   * such tasks to the terminated set too).
   */
  endLiveTasks(status: Omit<TaskStatus, 'taskId'>): void {
    for (const taskId of this.liveTaskIds()) this.updateTaskState(withFields(status, { taskId }));
  }

  /** The terminal update of a task was acknowledged: it is completed. */
  completeTask(taskId: string): void {
    const task = this.terminatedTasks.get(taskId);
    this.taskInfos = drop(this.taskInfos, taskId);
    this.taskRoles = drop(this.taskRoles, taskId);
    if (task === undefined) return;
    this.terminatedTasks = drop(this.terminatedTasks, taskId);
    this.completedTasks = appendBounded(this.completedTasks, [task], MAX_COMPLETED_TASKS_PER_EXECUTOR);
  }

  /** True while any task is queued, live, or waiting for its terminal acknowledgement. */
  hasIncompleteTasks(): boolean {
    return this.hasLiveTasks() || this.terminatedTasks.size > 0;
  }

  /** Whether any task is queued or launched and not terminal (what `liveTaskIds` lists). */
  hasLiveTasks(): boolean {
    return this.queuedTasks.size > 0 || this.launchedTasks.size > 0;
  }

  /** Ids of tasks that are queued or launched and not terminal. */
  liveTaskIds(): string[] {
    return [...this.queuedTasks.keys(), ...this.launchedTasks.keys()];
  }

  /**
   * The run is over and joins its framework's completed executors (kept for /state, bounded):
   * what only a live run needs goes. Each empty task map, and the maps of task infos and roles
   * when no task is live, becomes the shared `RETIRED` one (one that held more than one task keeps
   * the table it made, kept as long as the history is). The run's token and its hash go (no executor
   * may register with a completed run), and so do its pid, timers, callbacks and process handle. A
   * handle's `destroy` may hold whatever its launcher holds for the process: the in-process
   * launcher's held the whole simulated executor actor, kept by every completed executor.
   */
  retire(): void {
    this.registrationTimer?.cancel();
    this.registrationTimer = undefined;
    this.shutdownTimer?.cancel();
    this.shutdownTimer = undefined;
    this.process = undefined;
    this.onEnded = undefined;
    this.taskEndListener = undefined;
    if (this.queuedTasks.size === 0) this.queuedTasks = retired();
    if (this.launchedTasks.size === 0) this.launchedTasks = retired();
    if (this.terminatedTasks.size === 0) this.terminatedTasks = retired();
    // These two serve live tasks only (kill policies, roles of tasks still to be made), and can
    // hold an entry of a task the agent dropped before it was made (a RunTask for a terminating executor).
    if (!this.hasLiveTasks()) {
      this.taskInfos = retired();
      this.taskRoles = retired();
    }
    this.token = undefined;
    this.tokenSha256 = undefined;
    this.taskGroups = undefined;
    // Nothing asks a completed run's address (the state endpoints do not show it): ~200 bytes a run kept.
    this.pid = undefined;
  }

  /**
   * The executor's and its live tasks' totals of the scalars a container is held to (cpus, mem,
   * disk, persistent volumes left out): each `usedResources().scalar(name)`, without parsing what was checked when each task
   * came (the container's limits, at every launch and every task's end). One pass over the
   * lists, and no iterator over the task maps: three passes, one per name, made ~1.2 KB of arrays
   * and iterators a task at 10k agents (bench:scale's sampling heap profile, scratch).
   */
  usedScalars(): UsedScalars {
    const units: UsedScalars = { cpus: 0, mem: 0, disk: 0 };
    addScalarUnits(units, this.info.resources);
    this.queuedTasks.forEach(addTaskScalarUnits, units);
    this.launchedTasks.forEach(addTaskScalarUnits, units);
    units.cpus = fromUnits(units.cpus);
    units.mem = fromUnits(units.mem);
    units.disk = fromUnits(units.disk);
    return units;
  }

  /** Resources the executor and its live tasks use. */
  usedResources(): Resources {
    let used = executorResourcesOf(this.info);
    for (const task of this.queuedTasks.values()) used = used.add(Resources.fromJSON(task.resources));
    for (const task of this.launchedTasks.values()) used = used.add(Resources.fromJSON(task.resources));
    return used;
  }
}

/** What `ExecutorRecord.usedScalars` sums: the scalars a container's limits come from. */
export interface UsedScalars {
  cpus: number;
  mem: number;
  disk: number;
}

/** Adds a task's resources to `this` (a `forEach` callback that makes no closure). */
function addTaskScalarUnits(this: UsedScalars, task: TaskInfo): void {
  addScalarUnits(this, task.resources);
}

/**
 * Adds each SCALAR entry of `json` named cpus, mem or disk to `units`, in thousandths (what
 * `toUnits(Resources.fromJSON(json).scalar(name))` gives for a valid list; for lists checked
 * already, the tasks an agent took: an entry without a numeric value counts nothing). A
 * persistent volume (`disk` with a `disk` field) is not the sandbox's: it lies outside it (a link
 * shows it: volumes.ts), and Mesos' disk isolator holds the sandbox to the other disk only.
 */
function addScalarUnits(units: UsedScalars, json: readonly ResourceJSON[] | undefined): void {
  if (json === undefined) return;
  for (let index = 0; index < json.length; index++) {
    const entry = json[index] as ResourceJSON;
    const value = entry.scalar?.value;
    if (entry.type !== 'SCALAR' || typeof value !== 'number' || entry.disk !== undefined) continue;
    if (entry.name === 'cpus') units.cpus += toUnits(value);
    else if (entry.name === 'mem') units.mem += toUnits(value);
    else if (entry.name === 'disk') units.disk += toUnits(value);
  }
}

/**
 * A framework with executors on this agent (Mesos' `Slave::Framework`). Not the master's
 * `FrameworkRecord` (actors/master/state.ts), which is the framework's registration.
 */
export class AgentFrameworkRecord {
  /** TERMINATING after ShutdownFramework: no new tasks; removed once its executors are gone. */
  phase: 'RUNNING' | 'TERMINATING' = 'RUNNING';
  /** Live executors by id (small: on most agents a framework runs one executor at a time). */
  readonly executors: SmallMap<string, ExecutorRecord> = new SmallMap();
  /** Executors that ended and have no incomplete tasks, newest last (bounded; replaced, never changed: the shared `NO_ITEMS` while empty). */
  completedExecutors: readonly ExecutorRecord[] = NO_ITEMS;

  constructor(
    readonly id: string,
    /** The framework's latest FrameworkInfo. */
    public info: FrameworkInfo,
    /** The scheduler's pid, if the master told us (for failover bookkeeping). */
    public schedulerPid: string | undefined,
  ) {}

  /** The executor that holds `taskId` (queued, launched or terminated), if any. */
  executorForTask(taskId: string): ExecutorRecord | undefined {
    // Asked for each status update and acknowledgement: no iterator (`values()` made an array and
    // an iterator each time, ~430 bytes a short task in all).
    return this.executors.findValue(holdsTask, taskId);
  }

  /** Moves an executor to the completed list (retired: `ExecutorRecord.retire`). */
  removeExecutor(executor: ExecutorRecord): void {
    this.executors.delete(executor.id);
    executor.retire();
    this.addCompletedExecutors([executor]);
  }

  /** Takes over the completed executors of this framework's earlier, completed record (it came back). */
  adoptCompletedExecutors(earlier: AgentFrameworkRecord): void {
    this.completedExecutors = appendBounded([], earlier.completedExecutors, MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);
  }

  private addCompletedExecutors(executors: readonly ExecutorRecord[]): void {
    this.completedExecutors = appendBounded(this.completedExecutors, executors, MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);
  }

  /** True when no executor is left. */
  idle(): boolean {
    return this.executors.size === 0;
  }
}

/** Whether `executor` holds `taskId` (queued, launched or terminated): `executorForTask`'s test. */
function holdsTask(executor: ExecutorRecord, taskId: string): boolean {
  return executor.hasTask(taskId);
}

/** A protocol `Task` for a TaskInfo (with its allocation role, when known). */
export function newTask(info: TaskInfo, frameworkId: string, executorId: string, agentId: string, state: TaskState, role?: string): Task {
  const task: Task = { name: info.name, taskId: info.taskId, frameworkId, executorId, agentId, state, resources: info.resources, statuses: NO_STATUSES };
  if (info.command !== undefined) task.command = info.command;
  if (role !== undefined) task.role = role;
  if (info.healthCheck !== undefined) task.healthCheck = info.healthCheck;
  copyTaskDescription(task, info);
  return task;
}

/** `status` without its `data`. */
function withoutData(status: TaskStatus): TaskStatus {
  const { data: _data, ...rest } = status;
  return rest;
}
