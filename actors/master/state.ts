/**
 * The master's books: frameworks, agents, tasks, executors and offers, and the bookkeeping
 * between them (which task is on which agent, what an agent uses). No messages, timers or I/O:
 * the master actor decides and sends; this module only keeps the records consistent, and the
 * HTTP endpoints and metrics read it.
 */
import type { Timer, UPID } from '../../lib/actor';
import { Resources } from '../../lib/resources';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Offer, Task, TaskInfo, TaskState, TaskStatus } from '../../lib/protocol';
import { isPartitionAware as protocolIsPartitionAware, isTerminalState, MAX_STATUSES_PER_TASK } from '../../lib/protocol';
import { MAX_REMOVED_AGENTS } from './constants';

/** A task the master tracks: its protocol record (mutated as updates arrive) and its parsed resources. */
export interface TrackedTask {
  /** The Mesos `Task`: state, statuses, status update state and uuid change over time. */
  readonly task: Task;
  /** `task.resources`, parsed once. */
  readonly resources: Resources;
}

/** An executor running on an agent. */
export interface TrackedExecutor {
  /** Its info, with `frameworkId` filled in. */
  readonly info: ExecutorInfo;
  /** `info.resources`, parsed once (empty when none). */
  readonly resources: Resources;
  /** The role its resources were allocated to. */
  readonly role: string;
}

/** A registered framework (or one recovered from re-registering agents, without a scheduler yet). */
export interface FrameworkRecord {
  /** `<masterId>-<NNNN>`, or the id it re-registered with. */
  readonly id: string;
  /** What it registered with, `id` filled in. */
  info: FrameworkInfo;
  /** The scheduler; undefined for a framework known only from its agents. */
  pid: UPID | undefined;
  /** The scheduler is linked and reachable. */
  connected: boolean;
  /** It may be offered resources. */
  active: boolean;
  /** Known only from agents' re-registration; no scheduler has (re-)registered with this master. */
  recovered: boolean;
  /** When it registered (ms since the epoch). */
  readonly registeredTimeMs: number;
  /** When it last re-registered or failed over. */
  reregisteredTimeMs: number | undefined;
  /** When it was torn down. */
  unregisteredTimeMs: number | undefined;
  /** Its live (non-removed) tasks by task id. */
  readonly tasks: Map<string, TrackedTask>;
  /** Tasks removed after reaching a terminal state, oldest first (bounded). */
  readonly completedTasks: Task[];
  /** Tasks on agents that became unreachable, by task id, oldest first (bounded). */
  readonly unreachableTasks: Map<string, Task>;
  /** Its outstanding offers. */
  readonly offerIds: Set<string>;
  /** Removes it if it does not re-register in time; set while it is disconnected. */
  failoverTimer: Timer | undefined;
}

/** A registered agent. */
export interface AgentRecord {
  /** `<masterId>-S<n>`, or the id it re-registered with. */
  readonly id: string;
  /** What it registered with, `id` filled in. */
  info: AgentInfo;
  /** Its address. */
  pid: UPID;
  /** The agent's software version. */
  version: string;
  /** Its total resources. */
  total: Resources;
  /** Its link is up. */
  connected: boolean;
  /** It may be offered. */
  active: boolean;
  /** When it registered (ms since the epoch). */
  readonly registeredTimeMs: number;
  /** When it last re-registered. */
  reregisteredTimeMs: number | undefined;
  /** Its tasks: framework id → task id → task. */
  readonly tasks: Map<string, Map<string, TrackedTask>>;
  /** Its executors: framework id → executor id → executor. */
  readonly executors: Map<string, Map<string, TrackedExecutor>>;
  /** Outstanding offers of its resources. */
  readonly offerIds: Set<string>;
  /** `frameworkId/taskId` of tasks asked to be killed, re-killed if the agent re-registers with them alive. */
  readonly killedTasks: Set<string>;
  /** A ping is out and no pong came back yet. */
  pinged: boolean;
  /** Consecutive pings that went unanswered. */
  pingTimeouts: number;
  /** The next ping-timeout check. */
  pingTimer: Timer | undefined;
  /** Removes it if it stays disconnected; set while it is disconnected. */
  reregisterTimer: Timer | undefined;
  /** Its removal is being written to the registry: its messages are ignored. */
  removing: boolean;
}

/** An outstanding offer. */
export interface OfferRecord {
  /** The offer as sent to the framework. */
  readonly offer: Offer;
  /** `offer.resources`, as the allocator gave them. */
  readonly resources: Resources;
  /** Rescinds it when the offer timeout is set. */
  timer: Timer | undefined;
}

/** Where a removed task goes: completed (terminal) or unreachable (its agent is unreachable). */
export type TaskDisposition = 'completed' | 'unreachable';

/** Limits on what the books keep of the past. */
export interface RetentionLimits {
  readonly maxCompletedFrameworks: number;
  readonly maxCompletedTasksPerFramework: number;
  readonly maxUnreachableTasksPerFramework: number;
}

/** Which task states the gauges count: active ones (Mesos' `master/tasks_<state>` gauges). */
const ACTIVE_TASK_STATES: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];

/**
 * The master's books. Every collection is keyed by id; agents are also found by pid. Methods
 * keep the cross-references consistent (a task is in its framework's and its agent's maps, or
 * in neither).
 */
export class MasterState {
  /** Registered (and recovered) frameworks by id. */
  readonly frameworks = new Map<string, FrameworkRecord>();
  /** Torn-down frameworks, oldest first (bounded). */
  readonly completedFrameworks: FrameworkRecord[] = [];
  /** Registered agents by id. */
  readonly agents = new Map<string, AgentRecord>();
  /** Agent id by pid text, for messages identified by their sender. */
  private readonly agentIdByPid = new Map<string, string>();
  /** Agents admitted before a restart that have not re-registered yet, by id. */
  readonly recoveredAgents = new Map<string, AgentInfo>();
  /** Agents marked unreachable: id → time marked (ms), oldest first (bounded). */
  readonly unreachableAgents = new Map<string, number>();
  /** Agents removed for good (unregistered or replaced), oldest first (bounded). */
  readonly removedAgents = new Set<string>();
  /** Outstanding offers by id. */
  readonly offers = new Map<string, OfferRecord>();

  constructor(private readonly limits: RetentionLimits) {}

  // ---- lookups --------------------------------------------------------------------------------

  /** The framework whose scheduler is `pid`, if any. */
  frameworkByPid(pid: UPID): FrameworkRecord | undefined {
    for (const framework of this.frameworks.values()) {
      if (framework.pid !== undefined && framework.pid.equals(pid)) return framework;
    }
    return undefined;
  }

  /** Whether a completed framework has this id. */
  isCompletedFramework(frameworkId: string): boolean {
    return this.completedFrameworks.some((framework) => framework.id === frameworkId);
  }

  /** The agent at `pid`, if any. */
  agentByPid(pid: UPID): AgentRecord | undefined {
    const agentId = this.agentIdByPid.get(pid.toString());
    return agentId === undefined ? undefined : this.agents.get(agentId);
  }

  /** A task of a framework on an agent. */
  agentTask(agent: AgentRecord, frameworkId: string, taskId: string): TrackedTask | undefined {
    return agent.tasks.get(frameworkId)?.get(taskId);
  }

  /** Every live task on an agent. */
  *agentTasks(agent: AgentRecord): Iterable<TrackedTask> {
    for (const tasks of agent.tasks.values()) yield* tasks.values();
  }

  /** Every executor on an agent. */
  *agentExecutors(agent: AgentRecord): Iterable<TrackedExecutor> {
    for (const executors of agent.executors.values()) yield* executors.values();
  }

  /** Agents that run tasks or executors of a framework. */
  agentsOf(frameworkId: string): AgentRecord[] {
    return [...this.agents.values()].filter((agent) => agent.tasks.has(frameworkId) || agent.executors.has(frameworkId));
  }

  // ---- agents ---------------------------------------------------------------------------------

  /** Adds a registered agent. */
  addAgent(agent: AgentRecord): void {
    this.agents.set(agent.id, agent);
    this.agentIdByPid.set(agent.pid.toString(), agent.id);
    this.recoveredAgents.delete(agent.id);
  }

  /** Moves an agent to a new pid (it re-registered from another address). */
  moveAgent(agent: AgentRecord, pid: UPID): void {
    if (this.agentIdByPid.get(agent.pid.toString()) === agent.id) this.agentIdByPid.delete(agent.pid.toString());
    agent.pid = pid;
    this.agentIdByPid.set(pid.toString(), agent.id);
  }

  /** Forgets an agent (its tasks, executors and offers must be gone already) and remembers why. */
  deleteAgent(agent: AgentRecord, why: 'unreachable' | 'removed', nowMs: number): void {
    this.agents.delete(agent.id);
    if (this.agentIdByPid.get(agent.pid.toString()) === agent.id) this.agentIdByPid.delete(agent.pid.toString());
    if (why === 'unreachable') {
      this.unreachableAgents.set(agent.id, nowMs);
      trimOldest(this.unreachableAgents, MAX_REMOVED_AGENTS);
    } else {
      this.removedAgents.add(agent.id);
      trimOldest(this.removedAgents, MAX_REMOVED_AGENTS);
    }
  }

  /** What an agent's live tasks and executors use. */
  usedResources(agent: AgentRecord): Resources {
    let used = Resources.EMPTY;
    for (const tracked of this.agentTasks(agent)) {
      if (!isTerminalOrUnreachable(tracked.task.state)) used = used.add(tracked.resources);
    }
    for (const executor of this.agentExecutors(agent)) used = used.add(executor.resources);
    return used;
  }

  /**
   * What uses an agent's resources, one item each: its live tasks and its executors (only those
   * `keepExecutor` picks, by default all).
   */
  *agentUsage(agent: AgentRecord, keepExecutor: (frameworkId: string, executorId: string) => boolean = () => true): Iterable<Resources> {
    for (const tracked of this.agentTasks(agent)) {
      if (!isTerminalOrUnreachable(tracked.task.state)) yield tracked.resources;
    }
    for (const [frameworkId, executors] of agent.executors) {
      for (const [executorId, executor] of executors) {
        if (keepExecutor(frameworkId, executorId)) yield executor.resources;
      }
    }
  }

  /** What holds an agent's resources, one item each: its live tasks, its executors and its outstanding offers. */
  *agentHoldings(agent: AgentRecord): Iterable<Resources> {
    yield* this.agentUsage(agent);
    for (const offerId of agent.offerIds) {
      const record = this.offers.get(offerId);
      if (record) yield record.resources;
    }
  }

  /** What is offered of an agent's resources. */
  offeredResources(agent: AgentRecord): Resources {
    return this.sumOffers(agent.offerIds);
  }

  /** What an agent's live tasks and executors use, per framework and role (for the allocator). */
  usedByFrameworkRole(agent: AgentRecord): Array<{ frameworkId: string; role: string; resources: Resources }> {
    const used = new Map<string, { frameworkId: string; role: string; resources: Resources }>();
    const add = (frameworkId: string, role: string, resources: Resources): void => {
      const key = `${frameworkId}\u0000${role}`;
      const entry = used.get(key) ?? { frameworkId, role, resources: Resources.EMPTY };
      used.set(key, { ...entry, resources: entry.resources.add(resources) });
    };
    for (const tracked of this.agentTasks(agent)) {
      if (isTerminalOrUnreachable(tracked.task.state)) continue;
      add(tracked.task.frameworkId, this.taskRole(tracked.task), tracked.resources);
    }
    for (const [frameworkId, executors] of agent.executors) {
      for (const executor of executors.values()) add(frameworkId, executor.role, executor.resources);
    }
    return [...used.values()].filter((entry) => !entry.resources.isEmpty());
  }

  /** The role a task's resources are allocated to: its own if its framework has it, else the framework's first role. */
  taskRole(task: Task): string {
    const roles = this.frameworks.get(task.frameworkId)?.info.roles ?? ['*'];
    if (task.role !== undefined && roles.includes(task.role)) return task.role;
    return roles[0] ?? '*';
  }

  // ---- frameworks -----------------------------------------------------------------------------

  /** What a framework's live tasks and executors use. */
  frameworkUsedResources(framework: FrameworkRecord): Resources {
    let used = Resources.EMPTY;
    for (const tracked of framework.tasks.values()) {
      if (!isTerminalOrUnreachable(tracked.task.state)) used = used.add(tracked.resources);
    }
    for (const agent of this.agents.values()) {
      for (const executor of agent.executors.get(framework.id)?.values() ?? []) used = used.add(executor.resources);
    }
    return used;
  }

  /** What is offered to a framework. */
  frameworkOfferedResources(framework: FrameworkRecord): Resources {
    return this.sumOffers(framework.offerIds);
  }

  /** Moves a framework to the completed ones (its tasks must be removed already). */
  completeFramework(framework: FrameworkRecord): void {
    this.frameworks.delete(framework.id);
    this.completedFrameworks.push(framework);
    if (this.completedFrameworks.length > this.limits.maxCompletedFrameworks) {
      this.completedFrameworks.splice(0, this.completedFrameworks.length - this.limits.maxCompletedFrameworks);
    }
  }

  // ---- tasks and executors --------------------------------------------------------------------

  /** Adds a live task to its framework (if known) and its agent. */
  addTask(tracked: TrackedTask, agent: AgentRecord): void {
    const { frameworkId, taskId } = tracked.task;
    this.frameworks.get(frameworkId)?.tasks.set(taskId, tracked);
    let tasks = agent.tasks.get(frameworkId);
    if (!tasks) agent.tasks.set(frameworkId, (tasks = new Map()));
    tasks.set(taskId, tracked);
  }

  /** Removes a task from its agent and framework, keeping it as completed or unreachable. */
  removeTask(tracked: TrackedTask, disposition: TaskDisposition): void {
    const { frameworkId, taskId, agentId } = tracked.task;
    const agent = this.agents.get(agentId);
    const tasks = agent?.tasks.get(frameworkId);
    if (agent && tasks?.get(taskId) === tracked) {
      tasks.delete(taskId);
      if (tasks.size === 0) agent.tasks.delete(frameworkId);
      agent.killedTasks.delete(`${frameworkId}/${taskId}`);
    }
    const framework = this.frameworks.get(frameworkId);
    if (!framework || framework.tasks.get(taskId) !== tracked) return;
    framework.tasks.delete(taskId);
    if (disposition === 'unreachable') {
      framework.unreachableTasks.set(taskId, tracked.task);
      trimOldest(framework.unreachableTasks, this.limits.maxUnreachableTasksPerFramework);
    } else {
      this.keepCompleted(framework, tracked.task);
    }
  }

  /** Keeps a finished task in its framework's bounded completed list. */
  keepCompleted(framework: FrameworkRecord, task: Task): void {
    framework.completedTasks.push(task);
    if (framework.completedTasks.length > this.limits.maxCompletedTasksPerFramework) {
      framework.completedTasks.splice(0, framework.completedTasks.length - this.limits.maxCompletedTasksPerFramework);
    }
  }

  /** Adds an executor to an agent. */
  addExecutor(agent: AgentRecord, frameworkId: string, executor: TrackedExecutor): void {
    let executors = agent.executors.get(frameworkId);
    if (!executors) agent.executors.set(frameworkId, (executors = new Map()));
    executors.set(executor.info.executorId, executor);
  }

  /** Removes an executor from an agent; returns it, or undefined if it was not there. */
  removeExecutor(agent: AgentRecord, frameworkId: string, executorId: string): TrackedExecutor | undefined {
    const executors = agent.executors.get(frameworkId);
    const executor = executors?.get(executorId);
    if (!executors || !executor) return undefined;
    executors.delete(executorId);
    if (executors.size === 0) agent.executors.delete(frameworkId);
    return executor;
  }

  /**
   * Records a status on a task: its state becomes `latestState` (the agent's latest, which may be
   * ahead of the status; by default the status' own) unless it is terminal already, and the
   * status joins the status list.
   */
  recordStatus(tracked: TrackedTask, status: TaskStatus, latestState: TaskState = status.state): void {
    const task = tracked.task;
    if (!isTerminalState(task.state)) task.state = latestState;
    const statuses = task.statuses ?? (task.statuses = []);
    // Mesos keeps one status per consecutive state, and drops the (possibly large) data.
    if (statuses.length > 0 && statuses[statuses.length - 1]?.state === status.state) statuses.pop();
    const { data: _data, ...kept } = status;
    statuses.push(kept);
    if (statuses.length > MAX_STATUSES_PER_TASK) statuses.splice(0, statuses.length - MAX_STATUSES_PER_TASK);
  }

  // ---- offers ---------------------------------------------------------------------------------

  /** Adds an outstanding offer to the books of its framework and agent. */
  addOffer(record: OfferRecord): void {
    this.offers.set(record.offer.id, record);
    this.frameworks.get(record.offer.frameworkId)?.offerIds.add(record.offer.id);
    this.agents.get(record.offer.agentId)?.offerIds.add(record.offer.id);
  }

  /** Removes an offer from the books (the caller cancels its timer and recovers or rescinds it). */
  deleteOffer(record: OfferRecord): void {
    this.offers.delete(record.offer.id);
    this.frameworks.get(record.offer.frameworkId)?.offerIds.delete(record.offer.id);
    this.agents.get(record.offer.agentId)?.offerIds.delete(record.offer.id);
  }

  // ---- gauges ---------------------------------------------------------------------------------

  /** Live tasks by active state, for the `master/tasks_<state>` gauges. */
  activeTaskCounts(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>(ACTIVE_TASK_STATES.map((state) => [state, 0]));
    for (const framework of this.frameworks.values()) {
      for (const tracked of framework.tasks.values()) {
        const count = counts.get(tracked.task.state);
        if (count !== undefined) counts.set(tracked.task.state, count + 1);
      }
    }
    return counts;
  }

  /** Unreachable tasks over all frameworks. */
  unreachableTaskCount(): number {
    let count = 0;
    for (const framework of this.frameworks.values()) count += framework.unreachableTasks.size;
    return count;
  }

  private sumOffers(offerIds: Iterable<string>): Resources {
    let offered = Resources.EMPTY;
    for (const offerId of offerIds) {
      const record = this.offers.get(offerId);
      if (record) offered = offered.add(record.resources);
    }
    return offered;
  }
}

// ---- records --------------------------------------------------------------------------------------

/** A new framework record: connected and active with a scheduler pid, recovered (inactive) without. */
export function newFrameworkRecord(info: FrameworkInfo & { id: string }, pid: UPID | undefined, nowMs: number): FrameworkRecord {
  return {
    id: info.id,
    info,
    pid,
    connected: pid !== undefined,
    active: pid !== undefined,
    recovered: pid === undefined,
    registeredTimeMs: nowMs,
    reregisteredTimeMs: undefined,
    unregisteredTimeMs: undefined,
    tasks: new Map(),
    completedTasks: [],
    unreachableTasks: new Map(),
    offerIds: new Set(),
    failoverTimer: undefined,
  };
}

/** A new agent record: connected, active, with nothing on it yet. */
export function newAgentRecord(info: AgentInfo & { id: string }, pid: UPID, version: string, total: Resources, nowMs: number): AgentRecord {
  return {
    id: info.id,
    info,
    pid,
    version,
    total,
    connected: true,
    active: true,
    registeredTimeMs: nowMs,
    reregisteredTimeMs: undefined,
    tasks: new Map(),
    executors: new Map(),
    offerIds: new Set(),
    killedTasks: new Set(),
    pinged: false,
    pingTimeouts: 0,
    pingTimer: undefined,
    reregisterTimer: undefined,
    removing: false,
  };
}

/** A task just launched: TASK_STAGING, no statuses yet (as Mesos' `addTask`). */
export function trackLaunchedTask(task: TaskInfo, frameworkId: string, role: string): TrackedTask {
  return {
    task: {
      name: task.name,
      taskId: task.taskId,
      frameworkId,
      agentId: task.agentId,
      ...(task.executor !== undefined ? { executorId: task.executor.executorId } : {}),
      state: 'TASK_STAGING',
      resources: task.resources,
      statuses: [],
      ...(task.command !== undefined ? { command: task.command } : {}),
      role,
    },
    resources: Resources.fromJSON(task.resources),
  };
}

/** An executor to track, its resources parsed (empty if invalid). */
export function trackExecutor(info: ExecutorInfo, role: string): TrackedExecutor {
  const resources = parseResources(info.resources ?? []);
  return { info, resources: typeof resources === 'string' ? Resources.EMPTY : resources, role };
}

/** Parsed resources, or the parse error's message. */
export function parseResources(json: unknown): Resources | string {
  try {
    return Resources.fromJSON(json);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Why `parts` do not fit together in `total`: they cannot be added (one resource with two
 * types), or their sum is larger. Undefined when they fit.
 *
 * @example
 *   overcommitError(Resources.parse('cpus:4'), [Resources.parse('cpus:3'), Resources.parse('cpus:2')])
 *   // 'cpus:5 does not fit in cpus:4'
 */
export function overcommitError(total: Resources, parts: Iterable<Resources>): string | undefined {
  let sum = Resources.EMPTY;
  try {
    for (const part of parts) sum = sum.add(part);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return total.contains(sum) ? undefined : `${sum.format()} does not fit in ${total.format()}`;
}

/** Whether the framework has the PARTITION_AWARE capability. */
export function isPartitionAware(framework: FrameworkRecord): boolean {
  return protocolIsPartitionAware(framework.info);
}

/** Terminal, or unreachable: states whose resources are no longer allocated. */
export function isTerminalOrUnreachable(state: TaskState): boolean {
  return isTerminalState(state) || state === 'TASK_UNREACHABLE';
}

/** Drops the oldest entries (insertion order) of a map or set beyond `limit`. */
function trimOldest<K>(collection: Map<K, unknown> | Set<K>, limit: number): void {
  while (collection.size > limit) {
    const oldest = collection.keys().next();
    if (oldest.done) return;
    collection.delete(oldest.value);
  }
}
