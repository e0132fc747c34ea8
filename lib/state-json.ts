/**
 * Rendering shared by the master's and the agent's HTTP state: resources and tasks in the shape
 * of Mesos' state.json, so existing tools and scripts can read them.
 */
import { Resources, type Range } from './resources';
import type { CommandInfo, Task, TaskStatus } from './protocol';
import { labelList, v1CheckStatus, v1HealthCheck } from './v1/json';

/** JSON as the state endpoints return it. */
export type StateJson = Record<string, unknown>;

/** Scalars Mesos always lists in state.json, 0 when absent. */
const ALWAYS_LISTED_SCALARS = ['cpus', 'gpus', 'mem', 'disk'];

/**
 * Resources as Mesos' state.json shows them: `cpus`, `gpus`, `mem` and `disk` always (0 when
 * absent), scalars as numbers summed over roles, ranges as `"[31000-32000, 40000-40100]"`,
 * sets as `"{a, b}"`.
 */
export function renderResources(resources: Resources): Record<string, number | string> {
  const rendered: Record<string, number | string> = {};
  for (const name of ALWAYS_LISTED_SCALARS) rendered[name] = 0;
  for (const [name, value] of resources.scalarTotals()) rendered[name] = value;
  for (const name of resources.names()) {
    if (typeof rendered[name] === 'number' && !ALWAYS_LISTED_SCALARS.includes(name)) continue;
    const ranges = resources.ranges(name);
    const items = resources.set(name);
    if (ranges.length > 0) rendered[name] = formatRanges(ranges);
    else if (items.length > 0) rendered[name] = `{${items.join(', ')}}`;
  }
  return rendered;
}

/** Resources from their JSON form, or none when it is not valid (state rendering never throws). */
export function resourcesOrEmpty(json: unknown): Resources {
  try {
    return Resources.fromJSON(json);
  } catch {
    return Resources.EMPTY;
  }
}

/** A task as Mesos' state.json shows it. */
export function renderTask(task: Task): StateJson {
  return {
    id: task.taskId,
    name: task.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId ?? '',
    slave_id: task.agentId,
    state: task.state,
    resources: renderResources(resourcesOrEmpty(task.resources)),
    ...(task.role !== undefined ? { role: task.role } : {}),
    statuses: (task.statuses ?? []).map(renderStatus),
    ...(task.user !== undefined ? { user: task.user } : {}),
    ...(task.labels !== undefined ? { labels: labelList(task.labels) } : {}),
    ...(task.discovery !== undefined ? { discovery: task.discovery } : {}),
    ...(task.healthCheck !== undefined ? { health_check: v1HealthCheck(task.healthCheck) } : {}),
  };
}

/**
 * A task status in a task's `statuses`. Its timestamp is always there: a status a peer sent
 * without one shows 0, as Mesos writes an unset protobuf field (wire fuzzer: the key was left
 * out of /master/state).
 */
export function renderStatus(status: TaskStatus): StateJson {
  return {
    state: status.state,
    timestamp: status.timestamp ?? 0,
    ...(status.message !== undefined ? { message: status.message } : {}),
    ...(status.reason !== undefined ? { reason: status.reason } : {}),
    ...(status.source !== undefined ? { source: status.source } : {}),
    ...(status.healthy !== undefined ? { healthy: status.healthy } : {}),
    ...(status.checkStatus !== undefined ? { check_status: v1CheckStatus(status.checkStatus) } : {}),
  };
}

function formatRanges(ranges: readonly Range[]): string {
  return `[${ranges.map((range) => `${range.begin}-${range.end}`).join(', ')}]`;
}

/**
 * What an HTTP caller may see, by the OS user a framework runs as (the ACLs' `view_frameworks`,
 * `view_tasks`, `view_executors`), on the master's and the agents' state endpoints: frameworks
 * it may not view are left out, as are the tasks and executors it may not view of those it may.
 */
export interface StateViewer {
  framework(user: string): boolean;
  tasks(user: string): boolean;
  executors(user: string): boolean;
  /** Whether the caller may see the process's flags (the ACLs' `view_flags`). */
  flags(): boolean;
  /** Whether the caller may see a role's reservations, weight and quota (the ACLs' `view_roles`). */
  role(role: string): boolean;
}

/** A viewer who sees everything (no ACLs). */
export const SEE_ALL: StateViewer = { framework: () => true, tasks: () => true, executors: () => true, flags: () => true, role: () => true };

/**
 * Which of a framework's tasks a viewer may see (the ACLs' `view_tasks`, decided as Mesos does by
 * the user a task runs as: its own `user`, else its framework's): all of them, none, or those a
 * test passes (a framework some of whose tasks name their own user, seen by a viewer with ACLs).
 */
export type TaskVisibility = boolean | ((task: Pick<Task, 'user'>) => boolean);

/**
 * `viewer`'s `TaskVisibility` of the tasks of a framework running as `frameworkUser`;
 * `tasksNameUsers` says whether any of them may name a user of its own (else all are
 * decided at once, by the framework's user).
 */
export function taskVisibility(viewer: StateViewer, frameworkUser: string, tasksNameUsers: boolean): TaskVisibility {
  if (viewer === SEE_ALL) return true;
  if (!tasksNameUsers) return viewer.tasks(frameworkUser);
  // One decision per user (a framework's tasks name a few): asking the ACLs per task made a
  // framework of 100k tasks 30-80 ms slower to render (a review).
  const decided = new Map<string, boolean>();
  return (task) => {
    const user = task.user ?? frameworkUser;
    let allowed = decided.get(user);
    if (allowed === undefined) {
      allowed = viewer.tasks(user);
      if (decided.size < MAX_USERS_DECIDED) decided.set(user, allowed);
    }
    return allowed;
  };
}

/** How many users' `view_tasks` decisions one rendering remembers for one framework (a framework whose tasks name more asks again past it). */
export const MAX_USERS_DECIDED = 1_024;

/** Whether `visibility` lets `task` be seen. */
export function taskVisible(visibility: TaskVisibility, task: Pick<Task, 'user'>): boolean {
  return typeof visibility === 'boolean' ? visibility : visibility(task);
}

/** The tasks of `tasks` that `visibility` lets be seen, in order. */
export function visibleTasks<T extends Pick<Task, 'user'>>(visibility: TaskVisibility, tasks: Iterable<T>): T[] {
  if (visibility === false) return [];
  return visibility === true ? [...tasks] : [...tasks].filter(visibility);
}

/** Whether `viewer` may see an executor (the ACLs' `view_executors`, by the user its command runs as, else its framework's: Mesos' rule). */
export function executorVisible(viewer: StateViewer, executor: { readonly command?: { readonly user?: string } }, frameworkUser: string): boolean {
  return viewer === SEE_ALL || viewer.executors(executor.command?.user ?? frameworkUser);
}

/**
 * The viewer the ACLs make of `principal` (undefined: an anonymous caller). Its `view_roles`
 * decisions are remembered (up to `MAX_ROLES_DECIDED` roles): a rendering asks them per resource
 * allocated, offered or reserved, and a cluster has few roles.
 */
export function aclViewer(
  authorizer: { authorized(action: 'view_frameworks' | 'view_tasks' | 'view_executors' | 'view_flags' | 'view_roles', subject: string | undefined, object?: string): boolean },
  principal: string | undefined,
): StateViewer {
  const roles = new Map<string, boolean>();
  return {
    framework: (user) => authorizer.authorized('view_frameworks', principal, user),
    tasks: (user) => authorizer.authorized('view_tasks', principal, user),
    executors: (user) => authorizer.authorized('view_executors', principal, user),
    flags: () => authorizer.authorized('view_flags', principal),
    role: (role) => {
      let allowed = roles.get(role);
      if (allowed === undefined) {
        allowed = authorizer.authorized('view_roles', principal, role);
        if (roles.size < MAX_ROLES_DECIDED) roles.set(role, allowed);
      }
      return allowed;
    },
  };
}

/** How many roles' `view_roles` decisions one viewer remembers (one asked about more roles asks the ACLs again past it). */
export const MAX_ROLES_DECIDED = 1_024;

/**
 * A CommandInfo as Mesos' state JSON writes one (`json(CommandInfo)`): `argv` and `uris` (each its
 * `value` and `executable`) always,
 * `environment` as `{variables: [{name, type, value}]}` (its protobuf form; a tool reading it
 * found a plain object of names).
 */
export function renderCommand(command: CommandInfo): Record<string, unknown> {
  return {
    ...(command.shell !== undefined ? { shell: command.shell } : {}),
    value: command.value,
    argv: command.arguments ?? [],
    ...(command.environment !== undefined ? { environment: { variables: Object.entries(command.environment).map(([name, value]) => ({ name, type: 'VALUE', value })) } } : {}),
    uris: (command.uris ?? []).map((uri) => ({ value: uri.value, executable: uri.executable ?? false })),
  };
}
