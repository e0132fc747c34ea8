/**
 * The master's HTTP JSON (`/master/state`, `/master/frameworks`, `/master/slaves`,
 * `/master/tasks`) with Mesos' field names, so that tools and scripts written for Mesos read
 * it: snake_case keys, times in seconds, and resources as an object of totals such as
 * `{"cpus": 4, "gpus": 0, "mem": 4096, "disk": 1000, "ports": "[31000-32000]"}`.
 * Pure functions of the master's books.
 */
import { VERSION } from '../../lib/version';
import { Resources } from '../../lib/resources';
import { renderResources, renderTask, resourcesOrEmpty, SEE_ALL, type StateViewer } from '../../lib/state-json';

export type { StateViewer } from '../../lib/state-json';
import type { ExecutorInfo, MasterInfo, Offer, Task } from '../../lib/protocol';
import type { MasterFlags } from './flags';
import type { AgentRecord, FrameworkRecord, MasterState } from './state';

/** Everything the renderers read. */
export interface StateContext {
  /** The master's books. */
  readonly state: MasterState;
  /** Who the master is. */
  readonly info: MasterInfo;
  /** Its flags (rendered under `flags`). */
  readonly flags: MasterFlags;
  /** When it started (ms since the epoch). */
  readonly startTimeMs: number;
  /** Now, on the master's clock (ms since the epoch). */
  readonly nowMs: number;
  /** What the caller may see (the ACLs' view_* actions); default: everything. */
  readonly viewer?: StateViewer;
}


/** A JSON object. */
type Json = Record<string, unknown>;

/** Tasks `/master/tasks` returns when no `limit` is given (Mesos' `TASK_LIMIT`). */
export const DEFAULT_TASKS_LIMIT = 100;

/** `GET /master/state`: the whole cluster as Mesos' `state.json` shows it. */
export function renderState(context: StateContext): Json {
  const { state, info } = context;
  const agents = [...state.agents.values()];
  return {
    version: VERSION,
    build_user: 'mesos-ts',
    start_time: seconds(context.startTimeMs),
    elected_time: seconds(context.startTimeMs),
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    activated_slaves: agents.filter((agent) => agent.active).length,
    deactivated_slaves: agents.filter((agent) => !agent.active).length,
    unreachable_slaves: state.unreachableAgents.size,
    leader: info.pid,
    leader_info: renderMasterInfo(info),
    flags: renderFlags(context.flags),
    ...renderFrameworks(context),
    orphan_tasks: [],
    slaves: agents.map((agent) => renderAgent(state, agent)),
    recovered_slaves: [...state.recoveredAgents].map(([id, agentInfo]) => ({
      id, hostname: agentInfo.hostname, port: agentInfo.port, resources: renderResources(resourcesOrEmpty(agentInfo.resources)),
      attributes: agentInfo.attributes ?? {},
    })),
  };
}

/** `GET /master/frameworks`: `{frameworks, completed_frameworks, unregistered_frameworks}`. */
export function renderFrameworks(context: StateContext): Json {
  const { state } = context;
  const viewer = context.viewer ?? SEE_ALL;
  const visible = (framework: FrameworkRecord): boolean => viewer.framework(framework.info.user);
  return {
    frameworks: [...state.frameworks.values()].filter(visible).map((framework) => renderFramework(state, framework, viewer)),
    completed_frameworks: state.completedFrameworks.filter(visible).map((framework) => renderFramework(state, framework, viewer)),
    unregistered_frameworks: [],
  };
}

/** `GET /master/slaves`: `{slaves, recovered_slaves}`. */
export function renderSlaves(context: StateContext): Json {
  const { state } = context;
  return {
    slaves: [...state.agents.values()].map((agent) => renderAgent(state, agent)),
    recovered_slaves: [...state.recoveredAgents.keys()].map((id) => ({ id })),
  };
}

/** Query parameters of `/master/tasks` (Mesos: `framework_id`, `task_id`, `limit`, `offset`, `order`). */
export interface TasksQuery {
  readonly framework_id?: string;
  readonly task_id?: string;
  readonly limit?: string;
  readonly offset?: string;
  readonly order?: string;
}

/**
 * `GET /master/tasks`: `{tasks}`, flat over all frameworks (live, unreachable and completed
 * tasks, of live and completed frameworks), optionally of one framework or task; at most
 * `limit` (default 100) after skipping `offset`; `order=asc` (default `des`) by first status time.
 */
export function renderTasks(context: StateContext, query: TasksQuery): Json {
  const frameworks = [...context.state.frameworks.values(), ...context.state.completedFrameworks];
  const viewer = context.viewer ?? SEE_ALL;
  const tasks = frameworks
    .filter((framework) => viewer.framework(framework.info.user) && viewer.tasks(framework.info.user))
    .filter((framework) => query.framework_id === undefined || framework.id === query.framework_id)
    .flatMap((framework) => [
      ...[...framework.tasks.values()].map((tracked) => tracked.task),
      ...framework.unreachableTasks.values(),
      ...framework.completedTasks,
    ])
    .filter((task) => query.task_id === undefined || task.taskId === query.task_id);
  const ascending = query.order === 'asc';
  tasks.sort((a, b) => (ascending ? 1 : -1) * (startTime(a) - startTime(b)));
  const offset = nonNegativeInteger(query.offset, 0);
  const limit = nonNegativeInteger(query.limit, DEFAULT_TASKS_LIMIT);
  return { tasks: tasks.slice(offset, offset + limit).map(renderTask) };
}

function renderFramework(state: MasterState, framework: FrameworkRecord, viewer: StateViewer): Json {
  const info = framework.info;
  const tasksVisible = viewer.tasks(info.user);
  const executorsVisible = viewer.executors(info.user);
  const used = state.frameworkUsedResources(framework);
  const offered = state.frameworkOfferedResources(framework);
  return {
    id: framework.id,
    name: info.name,
    pid: framework.pid?.toString(),
    user: info.user,
    roles: info.roles ?? ['*'],
    principal: info.principal,
    hostname: info.hostname ?? '',
    webui_url: info.webuiUrl ?? '',
    capabilities: info.capabilities ?? [],
    checkpoint: info.checkpoint ?? false,
    failover_timeout: info.failoverTimeout ?? 0,
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: seconds(framework.registeredTimeMs),
    reregistered_time: framework.reregisteredTimeMs === undefined ? undefined : seconds(framework.reregisteredTimeMs),
    unregistered_time: framework.unregisteredTimeMs === undefined ? 0 : seconds(framework.unregisteredTimeMs),
    resources: renderResources(used.add(offered)),
    used_resources: renderResources(used),
    offered_resources: renderResources(offered),
    tasks: tasksVisible ? [...framework.tasks.values()].map((tracked) => renderTask(tracked.task)) : [],
    unreachable_tasks: tasksVisible ? [...framework.unreachableTasks.values()].map(renderTask) : [],
    completed_tasks: tasksVisible ? framework.completedTasks.map(renderTask) : [],
    offers: [...framework.offerIds].flatMap((offerId) => {
      const record = state.offers.get(offerId);
      return record === undefined ? [] : [renderOffer(record.offer, record.resources)];
    }),
    executors: !executorsVisible ? [] : [...state.frameworkExecutors(framework.id)].map((executor) => renderExecutor(executor.info, executor.resources, executor.agentId)),
  };
}

function renderAgent(state: MasterState, agent: AgentRecord): Json {
  const reserved: Record<string, Json> = {};
  for (const role of agent.total.reserved().roles()) reserved[role] = renderResources(agent.total.reserved(role));
  return {
    id: agent.id,
    pid: agent.pid.toString(),
    hostname: agent.info.hostname,
    port: agent.info.port,
    registered_time: seconds(agent.registeredTimeMs),
    reregistered_time: agent.reregisteredTimeMs === undefined ? undefined : seconds(agent.reregisteredTimeMs),
    resources: renderResources(agent.total),
    used_resources: renderResources(state.usedResources(agent)),
    offered_resources: renderResources(state.offeredResources(agent)),
    reserved_resources: reserved,
    unreserved_resources: renderResources(agent.total.unreserved()),
    attributes: agent.info.attributes ?? {},
    active: agent.active,
    connected: agent.connected,
    deactivated: false,
    version: agent.version,
    capabilities: [],
  };
}

function renderOffer(offer: Offer, resources: Resources): Json {
  return {
    id: offer.id,
    framework_id: offer.frameworkId,
    slave_id: offer.agentId,
    allocation_info: { role: offer.allocationRole },
    resources: renderResources(resources),
  };
}

function renderExecutor(info: ExecutorInfo, resources: Resources, agentId: string): Json {
  return {
    executor_id: info.executorId,
    name: info.name ?? '',
    framework_id: info.frameworkId,
    source: info.source ?? '',
    command: info.command,
    resources: renderResources(resources),
    slave_id: agentId,
  };
}

/** MasterInfo in Mesos' JSON form: `ip` as the packed IPv4 number, plus `address`. */
export function renderMasterInfo(info: MasterInfo): Json {
  return {
    id: info.id,
    pid: info.pid,
    port: info.port,
    ip: packedIpv4(info.ip),
    hostname: info.hostname,
    version: info.version,
    address: { hostname: info.hostname, ip: info.ip, port: info.port },
  };
}

function renderFlags(flags: MasterFlags): Json {
  const duration = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : `${ms / 1000}secs`);
  return {
    work_dir: flags.workDir,
    hostname: flags.hostname,
    agent_ping_timeout: duration(flags.agentPingTimeoutMs),
    max_agent_ping_timeouts: String(flags.maxAgentPingTimeouts),
    agent_reregister_timeout: duration(flags.agentReregisterTimeoutMs),
    offer_timeout: duration(flags.offerTimeoutMs),
    allocation_interval: duration(flags.allocationIntervalMs),
    registry: 'local_file',
    max_completed_frameworks: String(flags.maxCompletedFrameworks),
    max_completed_tasks_per_framework: String(flags.maxCompletedTasksPerFramework),
    max_unreachable_tasks_per_framework: String(flags.maxUnreachableTasksPerFramework),
  };
}

/** `a.b.c.d` as Mesos packs it into `MasterInfo.ip` (network byte order read as a little-endian integer); 0 if not IPv4. */
function packedIpv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return 0;
  const [a, b, c, d] = parts as [number, number, number, number];
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}

function seconds(ms: number): number {
  return ms / 1000;
}

function startTime(task: Task): number {
  return task.statuses?.[0]?.timestamp ?? 0;
}

function nonNegativeInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isInteger(value) && value >= 0 ? value : fallback;
}
