/**
 * The agent's `/state` document, in Mesos' field names (snake_case, resources as scalar
 * objects such as `{"cpus":4,"mem":4096,"ports":"[31000-32000]"}`).
 */
import type { Attributes, DrainConfig, FrameworkInfo, Task, TaskInfo } from '../../lib/protocol';
import { drainConfigJson } from '../../lib/v1/operator';
import { buildInfo } from '../../lib/version';
import { Resources } from '../../lib/resources';
import { renderAgentFlags, type AgentFlags } from './flags';
import type { ExecutorRecord, AgentFrameworkRecord } from './records';
import { executorVisible, renderCommand, renderResources, renderTask, SEE_ALL, taskVisibility, taskVisible, visibleTasks, type StateViewer, type TaskVisibility } from '../../lib/state-json';
import { labelList, v1ExecutorInfo, v1FrameworkInfo } from '../../lib/v1/json';
import { v1Task } from '../../lib/v1/operator';

/** What /state shows, gathered by the agent. */
export interface AgentStateView {
  readonly version: string;
  readonly agentId: string | undefined;
  readonly pid: string;
  readonly hostname: string;
  readonly resources: Resources;
  /** What it advertises (`AgentOptions.capabilities`): `capabilities` of its state, as Mesos'. */
  readonly capabilities?: readonly string[];
  readonly attributes: Attributes;
  readonly masterHostname: string | undefined;
  readonly startTimeSeconds: number;
  readonly flags: AgentFlags;
  readonly frameworks: readonly AgentFrameworkRecord[];
  readonly completedFrameworks: readonly AgentFrameworkRecord[];
  /** What the caller may see (the ACLs' view_* actions); default: everything. */
  readonly viewer?: StateViewer;
  /** How it drains, and since when (clock ms), while it does (Mesos' `drain_config` and `estimated_drain_start_time_seconds`). */
  readonly drain?: { readonly config: DrainConfig; readonly startMs: number };
}

/** The JSON body of `GET /slave(1)/state`. */
export function agentStateJson(view: AgentStateView): Record<string, unknown> {
  const viewer = view.viewer ?? SEE_ALL;
  let used = Resources.EMPTY;
  for (const framework of view.frameworks) for (const executor of framework.executors.values()) used = used.add(executor.usedResources());
  const visibleRoles = (resources: Resources): string[] => resources.reserved().roles().filter((role) => viewer.role(role));
  return {
    version: view.version,
    ...buildInfo(),
    start_time: view.startTimeSeconds,
    id: view.agentId ?? '',
    pid: view.pid,
    hostname: view.hostname,
    capabilities: view.capabilities ?? [],
    resources: renderResources(view.resources),
    reserved_resources: Object.fromEntries(visibleRoles(view.resources).map((role) => [role, renderResources(view.resources.reserved(role))])),
    unreserved_resources: renderResources(view.resources.unreserved()),
    reserved_resources_full: Object.fromEntries(visibleRoles(view.resources).map((role) => [role, view.resources.reserved(role).toEndpointJSON()])),
    unreserved_resources_full: view.resources.unreserved().toEndpointJSON(),
    reserved_resources_allocated: Object.fromEntries(visibleRoles(used).map((role) => [role, renderResources(used.reserved(role))])),
    unreserved_resources_allocated: renderResources(used.unreserved()),
    resource_providers: [],
    used_resources: renderResources(used),
    attributes: view.attributes,
    master_hostname: view.masterHostname,
    ...(viewer.flags() ? { flags: renderAgentFlags(view.flags) } : {}),
    frameworks: view.frameworks.filter(visibleTo(viewer)).map((framework) => frameworkJson(framework, viewer)),
    completed_frameworks: view.completedFrameworks.filter(visibleTo(viewer)).map((framework) => frameworkJson(framework, viewer)),
    ...(view.drain !== undefined ? { drain_config: drainConfigJson(view.drain.config), estimated_drain_start_time_seconds: view.drain.startMs / 1000 } : {}),
  };
}

function visibleTo(viewer: StateViewer): (framework: AgentFrameworkRecord) => boolean {
  return (framework) => viewer.framework(framework.info.user);
}

function frameworkJson(framework: AgentFrameworkRecord, viewer: StateViewer): Record<string, unknown> {
  const user = framework.info.user;
  const executors = (executor: ExecutorRecord): boolean => executorVisible(viewer, executor.info, user);
  const tasks = taskVisibility(viewer, user, true);
  return {
    id: framework.id,
    name: framework.info.name,
    user: framework.info.user,
    failover_timeout: framework.info.failoverTimeout ?? 0,
    checkpoint: framework.info.checkpoint ?? false,
    hostname: framework.info.hostname ?? '',
    ...(framework.info.principal !== undefined ? { principal: framework.info.principal } : {}),
    ...roleFields(framework.info),
    executors: [...framework.executors.values()].filter(executors).map((executor) => executorJson(executor, tasks)),
    completed_executors: framework.completedExecutors.filter(executors).map((executor) => executorJson(executor, tasks)),
  };
}

/** `roles` for a MULTI_ROLE framework, else `role` (Mesos) and `roles` (kept for tools reading it). */
function roleFields(info: FrameworkInfo): Record<string, unknown> {
  const roles = info.roles ?? ['*'];
  if (info.capabilities?.includes('MULTI_ROLE') === true) return { roles };
  return { role: roles[0] ?? '*', roles };
}

/** Whether `visibility` lets a task the agent holds as its TaskInfo be seen, by the user it runs as when it names one (as `copyTaskDescription` reads it). */
function taskInfoVisible(visibility: TaskVisibility, task: TaskInfo): boolean {
  return taskVisible(visibility, { user: task.command?.user ?? task.executor?.command?.user });
}

/**
 * An executor's `/state` JSON, with the tasks `tasksVisible` lets be seen (the ACLs' `view_tasks`,
 * task by task), as Mesos' `ExecutorWriter` writes it: `role` only when its own info has
 * resources (Mesos' command executor's always has), `labels` and `type` only when its info has them
 * (a command executor's has no type: Mesos' `ExecutorInfo.Type` has no such name). `state` is
 * this agent's own addition.
 */
function executorJson(executor: ExecutorRecord, tasksVisible: TaskVisibility): Record<string, unknown> {
  const info = executor.info;
  // A command task's Task has no executor id in Mesos (`createTask` copies only the TaskInfo's own executor): "" there.
  const render = executor.commandExecutor ? renderCommandTask : renderTask;
  return {
    id: executor.id,
    name: info.name ?? '',
    source: info.source ?? '',
    container: executor.runId,
    directory: executor.directory,
    resources: renderResources(executor.usedResources()),
    // A command executor has resources of its own (0.1 cpus and 32 MB, allocated to its task's role), as Mesos'; one recovered from a journal written before it had them shows its role all the same.
    ...(executor.role !== undefined && (executor.commandExecutor || (info.resources?.length ?? 0) > 0) ? { role: executor.role } : {}),
    ...(info.labels !== undefined ? { labels: labelList(info.labels) } : {}),
    ...(info.type !== undefined ? { type: info.type } : {}),
    state: executor.phase,
    tasks: visibleTasks(tasksVisible, executor.launchedTasks.values()).map(render),
    queued_tasks: [...executor.queuedTasks.values()].filter((task) => taskInfoVisible(tasksVisible, task)).map((task) => queuedTaskJson(task, executor)),
    // Terminal tasks whose update awaits its acknowledgement are listed as completed already, as in Mesos.
    completed_tasks: visibleTasks(tasksVisible, [...executor.completedTasks, ...executor.terminatedTasks.values()]).map(render),
  };
}

/** A command task's `/state` JSON: `executor_id` "", as Mesos' Task of a command task has none. */
function renderCommandTask(task: Task): ReturnType<typeof renderTask> {
  return { ...renderTask(task), executor_id: '' };
}

/**
 * A queued task (its TaskInfo) as Mesos' agent writes one: `id`, `name`, `slave_id`, `resources`,
 * `role`, then `command`, `executor_id` and `discovery` where the TaskInfo has them (a command
 * task names no executor); no `framework_id` or `state`, which a TaskInfo has not.
 */
function queuedTaskJson(task: TaskInfo, executor: ExecutorRecord): Record<string, unknown> {
  const role = executor.taskRoles.get(task.taskId);
  return {
    id: task.taskId,
    name: task.name,
    slave_id: task.agentId,
    resources: renderResources(Resources.fromJSON(task.resources)),
    ...(role !== undefined ? { role } : {}),
    ...(task.command !== undefined ? { command: renderCommand(task.command) } : {}),
    ...(task.executor !== undefined ? { executor_id: task.executor.executorId } : {}),
    ...(task.discovery !== undefined ? { discovery: task.discovery } : {}),
  };
}

/**
 * The agent's v1 operator answers that read its books (Mesos' `v1/agent/agent.proto`): GET_TASKS,
 * GET_EXECUTORS, GET_FRAMEWORKS (and GET_STATE, the three together), as `viewer` may see them
 * (the ACLs' `view_frameworks`, `view_executors` and `view_tasks`, as for `/state`; a task is
 * listed only where its executor may be seen, as Mesos' `jsonifyGetTasks`).
 */
export interface AgentV1State {
  readonly get_tasks: Record<string, unknown>;
  readonly get_executors: Record<string, unknown>;
  readonly get_frameworks: Record<string, unknown>;
}

/** One of GET_STATE's parts. */
export type AgentV1Part = keyof AgentV1State;

/**
 * `parts` of `view`'s frameworks, executors and tasks in v1 JSON (only those asked for are made:
 * GET_EXECUTORS rendered every task, then kept none; hostile pass), as `viewer` may see them.
 */
export function agentV1State(view: Pick<AgentStateView, 'frameworks' | 'completedFrameworks' | 'viewer'>, parts: readonly AgentV1Part[] = ['get_tasks', 'get_executors', 'get_frameworks']): Partial<AgentV1State> {
  const viewer = view.viewer ?? SEE_ALL;
  const frameworks = view.frameworks.filter(visibleTo(viewer));
  const completed = view.completedFrameworks.filter(visibleTo(viewer));
  const out: { -readonly [K in keyof AgentV1State]?: AgentV1State[K] } = {};
  if (parts.includes('get_frameworks')) {
    out.get_frameworks = {
      frameworks: frameworks.map((framework) => ({ framework_info: v1FrameworkInfo({ ...framework.info, id: framework.id }) })),
      completed_frameworks: completed.map((framework) => ({ framework_info: v1FrameworkInfo({ ...framework.info, id: framework.id }) })),
    };
  }
  const wantTasks = parts.includes('get_tasks');
  const wantExecutors = parts.includes('get_executors');
  if (!wantTasks && !wantExecutors) return out;
  const tasks = { pending_tasks: [] as unknown[], queued_tasks: [] as unknown[], launched_tasks: [] as unknown[], terminated_tasks: [] as unknown[], completed_tasks: [] as unknown[] };
  const executors = { executors: [] as unknown[], completed_executors: [] as unknown[] };
  for (const framework of [...frameworks, ...completed]) {
    const user = framework.info.user;
    const seeTasks = wantTasks ? taskVisibility(viewer, user, true) : false;
    const runs: Array<readonly [ExecutorRecord, boolean]> = [...[...framework.executors.values()].map((executor) => [executor, false] as const), ...framework.completedExecutors.map((executor) => [executor, true] as const)];
    for (const [executor, ended] of runs) {
      // As Mesos: an executor, and its tasks, only for a caller who may see the executor (view_executors, by the user it runs as).
      if (!executorVisible(viewer, executor.info, user)) continue;
      if (wantExecutors) (ended ? executors.completed_executors : executors.executors).push({ executor_info: v1ExecutorInfo({ ...executor.info, frameworkId: framework.id }, executor.role) });
      if (seeTasks === false) continue;
      const render = executor.commandExecutor ? v1CommandTask : v1Task;
      for (const task of executor.queuedTasks.values()) if (taskInfoVisible(seeTasks, task)) tasks.queued_tasks.push(render(executor.task(task, 'TASK_STAGING')));
      for (const task of executor.launchedTasks.values()) if (taskVisible(seeTasks, task)) tasks.launched_tasks.push(render(task));
      for (const task of executor.terminatedTasks.values()) if (taskVisible(seeTasks, task)) tasks.terminated_tasks.push(render(task));
      for (const task of executor.completedTasks) if (taskVisible(seeTasks, task)) tasks.completed_tasks.push(render(task));
    }
  }
  if (wantTasks) out.get_tasks = tasks;
  if (wantExecutors) out.get_executors = executors;
  return out;
}

/**
 * A command task (one whose TaskInfo names no executor: the agent made its command executor) in
 * v1 JSON as Mesos' agent holds it: without `executor_id`, since Mesos' `createTask` copies only
 * the TaskInfo's own executor (the master's GET_TASKS leaves it out alike).
 */
function v1CommandTask(task: Task): ReturnType<typeof v1Task> {
  const { executorId: _executorId, ...rest } = task;
  return v1Task(rest);
}

