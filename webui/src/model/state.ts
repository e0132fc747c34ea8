/**
 * Pure views of `/master/state`: every task with its framework, counts by state, cluster
 * resources, lookups. No DOM here, so the node tests import it as it is.
 *
 * The views of a whole state are made once per state read (`perState`): the page redraws every
 * second (its "5 s ago"s), and a state is replaced by the next read, never changed. At 100k
 * agents every redraw walked every agent several times (the overview took ~0.5 s a redraw, the
 * agents page over a minute).
 */
import type { AgentJson, DrainInfoJson, FrameworkJson, MasterStateJson, ResourcesJson, TaskJson } from './types';
import { formatDuration } from './format';

/** Task states after which a task never changes (Mesos' terminal states). */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);

/** Task states in the order the overview lists them (others follow, by name). */
export const TASK_STATE_ORDER: readonly string[] = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE',
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
];

/** The scalar resources the UI compares (used against total). */
export const SHOWN_SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** One of `SHOWN_SCALARS`. */
export type ShownScalar = (typeof SHOWN_SCALARS)[number];

/** A task and where it is listed. */
export interface TaskEntry {
  readonly task: TaskJson;
  readonly framework: FrameworkJson;
  /** `active`: in `tasks`; `unreachable`; `completed`: in `completed_tasks`. */
  readonly list: 'active' | 'unreachable' | 'completed';
}

/**
 * `json` as a master state, with its lists defaulted to `[]`; throws when it is not one (an
 * HTML error page, a standby's short answer is still read: it lists no agents).
 */
export function parseMasterState(json: unknown): MasterStateJson {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the master answered something other than a JSON object');
  const record = json as Record<string, unknown>;
  const list = <T>(key: string): readonly T[] => (Array.isArray(record[key]) ? (record[key] as T[]) : []);
  const frameworks = (key: string): FrameworkJson[] => list<FrameworkJson>(key).map(withFrameworkDefaults);
  return {
    ...(record as unknown as MasterStateJson),
    flags: (typeof record.flags === 'object' && record.flags !== null ? record.flags : {}) as MasterStateJson['flags'],
    frameworks: frameworks('frameworks'),
    completed_frameworks: frameworks('completed_frameworks'),
    slaves: list<AgentJson>('slaves'),
  };
}

function withFrameworkDefaults(framework: FrameworkJson): FrameworkJson {
  return {
    ...framework,
    roles: framework.roles ?? ['*'],
    tasks: framework.tasks ?? [],
    unreachable_tasks: framework.unreachable_tasks ?? [],
    completed_tasks: framework.completed_tasks ?? [],
    offers: framework.offers ?? [],
    executors: framework.executors ?? [],
  };
}

/**
 * `compute` of an object of a state read (the state, a framework of it), made once per object
 * (kept while the object is: a `WeakMap`). What it returns is shared by every caller until the
 * next read: read it, never change it.
 */
export function perObject<K extends object, T>(compute: (key: K) => T): (key: K) => T {
  const cache = new WeakMap<K, T>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T;
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
}

/** `perObject` of a whole state. */
export function perState<T>(compute: (state: MasterStateJson) => T): (state: MasterStateJson) => T {
  return perObject(compute);
}

/** Every task the master lists: of live then completed frameworks; active, unreachable, completed (once per state). */
export const allTasks = perState((state: MasterStateJson): readonly TaskEntry[] => {
  const entries: TaskEntry[] = [];
  for (const framework of [...state.frameworks, ...state.completed_frameworks]) {
    for (const task of framework.tasks) entries.push({ task, framework, list: 'active' });
    for (const task of framework.unreachable_tasks) entries.push({ task, framework, list: 'unreachable' });
    for (const task of framework.completed_tasks) entries.push({ task, framework, list: 'completed' });
  }
  return entries;
});

/** Tasks by state, in `TASK_STATE_ORDER` (states with no task left out, unknown states last). */
export function taskCountsByState(entries: readonly TaskEntry[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const { task } of entries) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
  const rank = (state: string): number => {
    const index = TASK_STATE_ORDER.indexOf(state);
    return index === -1 ? TASK_STATE_ORDER.length : index;
  };
  return [...counts].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** When a task last changed (its last status), or first appeared; seconds since the epoch, 0 if unknown. */
export function lastChange(task: TaskJson): number {
  const statuses = task.statuses ?? [];
  return statuses.length === 0 ? 0 : Math.max(...statuses.map((status) => status.timestamp));
}

/** When a task was launched (its first status); seconds since the epoch, 0 if unknown. */
export function startTime(task: TaskJson): number {
  const statuses = task.statuses ?? [];
  return statuses.length === 0 ? 0 : Math.min(...statuses.map((status) => status.timestamp));
}

/** Tasks newest first (by last change), then by id. */
export function newestFirst(entries: readonly TaskEntry[]): TaskEntry[] {
  return [...entries].sort((a, b) => lastChange(b.task) - lastChange(a.task) || a.task.id.localeCompare(b.task.id));
}

/** A scalar of a resources object (0 when absent or not a number). */
export function scalar(resources: ResourcesJson | undefined, name: string): number {
  const value = resources?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Resources summed, scalar by scalar, over `SHOWN_SCALARS`. */
export function sumScalars(all: readonly (ResourcesJson | undefined)[]): Record<ShownScalar, number> {
  const sum: Record<ShownScalar, number> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const resources of all) for (const name of SHOWN_SCALARS) sum[name] += scalar(resources, name);
  return sum;
}

/** The cluster's resources: total (all registered agents), used by tasks and executors, offered. */
export interface ClusterResources {
  readonly total: Record<ShownScalar, number>;
  readonly used: Record<ShownScalar, number>;
  readonly offered: Record<ShownScalar, number>;
}

/** Totals over the registered agents, as the master reports them (once per state). */
export const clusterResources = perState((state: MasterStateJson): ClusterResources => {
  return {
    total: sumScalars(state.slaves.map((agent) => agent.resources)),
    used: sumScalars(state.slaves.map((agent) => agent.used_resources)),
    offered: sumScalars(state.slaves.map((agent) => agent.offered_resources)),
  };
});

/** The task `taskId` of framework `frameworkId` (the newest listing if the id was reused). */
export function findTask(state: MasterStateJson, frameworkId: string, taskId: string): TaskEntry | undefined {
  return tasksByKey(state).get(`${frameworkId}\u0000${taskId}`);
}

/** Tasks by framework and task id; the first listing `allTasks` has of each (once per state). */
const tasksByKey = perState((state: MasterStateJson): ReadonlyMap<string, TaskEntry> => {
  const byKey = new Map<string, TaskEntry>();
  for (const entry of allTasks(state)) {
    const key = `${entry.framework.id}\u0000${entry.task.id}`;
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  return byKey;
});

/** The live or completed framework `id`. */
export function findFramework(state: MasterStateJson, id: string): FrameworkJson | undefined {
  return state.frameworks.find((framework) => framework.id === id) ?? state.completed_frameworks.find((framework) => framework.id === id);
}

/** The agents by id (once per state). */
export const agentsById = perState((state: MasterStateJson): ReadonlyMap<string, AgentJson> => new Map(state.slaves.map((agent) => [agent.id, agent])));

/** The agent `id`. */
export function findAgent(state: MasterStateJson, id: string): AgentJson | undefined {
  return agentsById(state).get(id);
}

/** Each agent's `host:port` by its id, as task tables show where a task runs (once per state). */
export const agentHosts = perState((state: MasterStateJson): ReadonlyMap<string, string> => new Map(state.slaves.map((agent) => [agent.id, `${agent.hostname}:${agent.port}`])));

/** Every task newest first (`newestFirst` of `allTasks`, once per state); a filter of it keeps that order. */
export const tasksNewestFirst = perState((state: MasterStateJson): readonly TaskEntry[] => newestFirst(allTasks(state)));

/** Tasks by state over every task (`taskCountsByState` of `allTasks`, once per state). */
export const stateTaskCounts = perState((state: MasterStateJson): ReadonlyArray<[string, number]> => taskCountsByState(allTasks(state)));

/** A framework's live and unreachable tasks (`active`) and completed ones, each newest first (once per framework read). */
export const frameworkTasks = perObject((framework: FrameworkJson): { readonly active: readonly TaskEntry[]; readonly completed: readonly TaskEntry[] } => ({
  active: newestFirst([...framework.tasks, ...framework.unreachable_tasks].map((task) => ({ task, framework, list: 'active' as const }))),
  completed: newestFirst(framework.completed_tasks.map((task) => ({ task, framework, list: 'completed' as const }))),
}));

/** Each agent's tasks, newest first, by agent id (once per state). */
export const tasksByAgent = perState((state: MasterStateJson): ReadonlyMap<string, readonly TaskEntry[]> => {
  const byAgent = new Map<string, TaskEntry[]>();
  for (const entry of tasksNewestFirst(state)) {
    const list = byAgent.get(entry.task.slave_id);
    if (list === undefined) byAgent.set(entry.task.slave_id, [entry]);
    else list.push(entry);
  }
  return byAgent;
});

/** Each agent's live (not terminal) tasks, counted, by agent id (once per state). */
export const liveTasksByAgent = perState((state: MasterStateJson): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>();
  for (const { task } of allTasks(state)) if (!isTerminal(task.state)) counts.set(task.slave_id, (counts.get(task.slave_id) ?? 0) + 1);
  return counts;
});

/** What an agent's status says, and how it is shown (`ok` green, `warn` amber). */
export interface AgentStatus {
  readonly text: string;
  readonly tone: 'ok' | 'warn';
}

/**
 * An agent's status, as an operator asks it: draining or drained (DRAIN_AGENT) before
 * deactivated (DEACTIVATE_AGENT), before disconnected; else active. A master without the drain
 * fields (an older one) says only active or inactive.
 */
export function agentStatus(agent: AgentJson): AgentStatus {
  const drain = agent.drain_info?.state;
  if (drain === 'DRAINING') return { text: 'draining', tone: 'warn' };
  if (drain === 'DRAINED') return { text: 'drained', tone: 'warn' };
  if (agent.deactivated === true) return { text: 'deactivated', tone: 'warn' };
  if (agent.connected === false) return { text: 'disconnected', tone: 'warn' };
  return agent.active ? { text: 'active', tone: 'ok' } : { text: 'inactive', tone: 'warn' };
}

/** A drain's configuration in words: its grace period cap, and whether the agent is marked gone once drained. */
export function drainConfigText(drain: DrainInfoJson): string {
  const nanoseconds = drain.config.max_grace_period?.nanoseconds;
  const grace = nanoseconds === undefined ? "tasks' own grace periods" : `grace periods at most ${formatDuration(nanoseconds / 1e9)}`;
  return `${grace}${drain.config.mark_gone === true ? '; marked gone once drained' : ''}`;
}

/** Agents the agents page lists at a time (`#/agents?start=N`). */
export const AGENTS_PAGE_ROWS = 100;

/**
 * The agents whose id or `host:port` holds `filter` (any case; all of them without one), in the
 * master's order. Made once for the last filter asked of each state (typing a filter asks again).
 */
export function filterAgents(state: MasterStateJson, filter: string | undefined): readonly AgentJson[] {
  const wanted = filter?.trim().toLowerCase() ?? '';
  if (wanted === '') return state.slaves;
  const last = lastFilters.get(state);
  if (last !== undefined && last.wanted === wanted) return last.agents;
  const hosts = agentHosts(state);
  const agents = state.slaves.filter((agent) => agent.id.toLowerCase().includes(wanted) || (hosts.get(agent.id) ?? '').toLowerCase().includes(wanted));
  lastFilters.set(state, { wanted, agents });
  return agents;
}

/** The last filter asked of each state, and its agents (kept while the state is). */
const lastFilters = new WeakMap<MasterStateJson, { readonly wanted: string; readonly agents: readonly AgentJson[] }>();

/** An agent's actor id and host address from its pid (`slave(1)@10.0.0.7:5051`). */
export interface AgentEndpoint {
  /** The agent actor's id, e.g. `slave(1)`: its state is at `/<actorId>/state`. */
  readonly actorId: string;
  /** `host:port` of the agent's host; its files are at `/files/...` there. */
  readonly address: string;
}

/** Where to reach an agent, from its pid; undefined when the pid is not `id@host:port`. */
export function agentEndpoint(pid: string): AgentEndpoint | undefined {
  const at = pid.lastIndexOf('@');
  if (at <= 0 || at === pid.length - 1) return undefined;
  return { actorId: pid.slice(0, at), address: pid.slice(at + 1) };
}

/** Whether `state` is terminal. */
export function isTerminal(state: string): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

/** The task's health as its latest status with a health check result says; undefined: none has. */
export function taskHealth(task: TaskJson): boolean | undefined {
  const statuses = [...(task.statuses ?? [])].sort((a, b) => a.timestamp - b.timestamp);
  for (let index = statuses.length - 1; index >= 0; index--) {
    const healthy = statuses[index]?.healthy;
    if (healthy !== undefined) return healthy;
  }
  return undefined;
}
