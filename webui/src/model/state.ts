/**
 * Pure views of `/master/state`: every task with its framework, counts by state, cluster
 * resources, lookups. No DOM here, so the node tests import it as it is.
 */
import type { AgentJson, FrameworkJson, MasterStateJson, ResourcesJson, TaskJson } from './types';

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

/** Every task the master lists: of live then completed frameworks; active, unreachable, completed. */
export function allTasks(state: MasterStateJson): TaskEntry[] {
  const entries: TaskEntry[] = [];
  for (const framework of [...state.frameworks, ...state.completed_frameworks]) {
    for (const task of framework.tasks) entries.push({ task, framework, list: 'active' });
    for (const task of framework.unreachable_tasks) entries.push({ task, framework, list: 'unreachable' });
    for (const task of framework.completed_tasks) entries.push({ task, framework, list: 'completed' });
  }
  return entries;
}

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

/** Totals over the registered agents, as the master reports them. */
export function clusterResources(state: MasterStateJson): ClusterResources {
  return {
    total: sumScalars(state.slaves.map((agent) => agent.resources)),
    used: sumScalars(state.slaves.map((agent) => agent.used_resources)),
    offered: sumScalars(state.slaves.map((agent) => agent.offered_resources)),
  };
}

/** The task `taskId` of framework `frameworkId` (the newest listing if the id was reused). */
export function findTask(state: MasterStateJson, frameworkId: string, taskId: string): TaskEntry | undefined {
  return allTasks(state).find((entry) => entry.framework.id === frameworkId && entry.task.id === taskId);
}

/** The live or completed framework `id`. */
export function findFramework(state: MasterStateJson, id: string): FrameworkJson | undefined {
  return state.frameworks.find((framework) => framework.id === id) ?? state.completed_frameworks.find((framework) => framework.id === id);
}

/** The agent `id`. */
export function findAgent(state: MasterStateJson, id: string): AgentJson | undefined {
  return state.slaves.find((agent) => agent.id === id);
}

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
