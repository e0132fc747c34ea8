/**
 * The master's HTTP JSON (`/master/state`, `/master/frameworks`, `/master/slaves`,
 * `/master/tasks`) with Mesos' field names, so that tools and scripts written for Mesos read
 * it: snake_case keys, times in seconds, and resources as an object of totals such as
 * `{"cpus": 4, "gpus": 0, "mem": 4096, "disk": 1000, "ports": "[31000-32000]"}`.
 * Pure functions of the master's books.
 */
import { popTop, siftDown, siftUp } from '../../lib/binary-heap';
import { boundedText } from '../../lib/protocol/plain';
import { decodeQuery } from '../../lib/process/http';
import { strictUtf8 } from '../../lib/utf8';
import { labelList, packedIpv4 } from '../../lib/v1/json';
import { buildInfo, VERSION } from '../../lib/version';
import { isStrictSubrole, Resources, roleAncestors, UNRESERVED_ROLE, type ResourceJSON } from '../../lib/resources';
import { sortedByRole, type ResourcesByRole } from './resources-by-role';
import { executorVisible, renderCommand, renderResources, renderTask, resourcesOrEmpty, SEE_ALL, taskVisibility, taskVisible, visibleTasks, type StateViewer, type TaskVisibility } from '../../lib/state-json';

export type { StateViewer } from '../../lib/state-json';
import type { ExecutorInfo, FrameworkInfo, MasterInfo, Offer, Task, TaskState } from '../../lib/protocol';
import { MASTER_CAPABILITIES_JSON } from './constants';
import { renderMasterFlags, type MasterFlags } from './flags';
import { isHttpFramework, type AgentRecord, type FrameworkRecord, type MasterState } from './state';
import type { StateCounts } from './task-summaries';
import { drainInfoJson } from '../../lib/v1/operator';
import { compareOrder, entryBefore, orderTime, type TaskOrder, type TaskOrderEntry } from './task-order';

/** Everything the renderers read. */
export interface StateContext {
  /** The master's books. */
  readonly state: MasterState;
  /** Who the master is. */
  readonly info: MasterInfo;
  /** Its flags (rendered under `flags`). */
  readonly flags: MasterFlags;
  /** When its process started (ms since the epoch; Mesos' `start_time`). */
  readonly startTimeMs: number;
  /** When it was elected (ms since the epoch; Mesos' `elected_time`): its start, for a master that was never a standby. */
  readonly electedTimeMs: number;
  /** Now, on the master's clock (ms since the epoch). */
  readonly nowMs: number;
  /** What the caller may see (the ACLs' view_* actions); default: everything. */
  readonly viewer?: StateViewer;
  /** Role weights set through `/master/weights` (roles not listed weigh `DEFAULT_ROLE_WEIGHT`). */
  readonly weights?: ReadonlyMap<string, number>;
  /** Quotas set through `/master/quota`, by role. */
  readonly quotas?: ReadonlyMap<string, RoleQuota>;
}

/** A role's quota as the master keeps it: resource name → amount (Mesos' `QuotaConfig`). */
export interface RoleQuota {
  readonly guarantees: Readonly<Record<string, number>>;
  readonly limits: Readonly<Record<string, number>>;
}

/** A role's weight when none was set (Mesos' `DEFAULT_WEIGHT`). */
export const DEFAULT_ROLE_WEIGHT = 1;


/** A JSON object. */
type Json = Record<string, unknown>;

/** Tasks `/master/tasks` returns when no `limit` is given (Mesos' `TASK_LIMIT`). */
export const DEFAULT_TASKS_LIMIT = 100;

/**
 * `GET /master/state`: the whole cluster as Mesos' `state.json` shows it; `frameworks` is its
 * `renderFrameworks(context, {})` when the caller has it already.
 */
export function renderState(context: StateContext, frameworks: Json = renderFrameworks(context, {})): Json {
  const { state } = context;
  const viewer = context.viewer ?? SEE_ALL;
  return {
    ...renderStateHeader(context),
    slaves: [...state.agents.values()].map((agent) => renderAgent(state, agent, viewer)),
    recovered_slaves: renderRecoveredAgents(state),
    ...frameworks,
    orphan_tasks: [],
  };
}

/**
 * `/master/state`'s fields before its lists (`slaves`, `recovered_slaves`, `frameworks`,
 * `completed_frameworks`, `unregistered_frameworks`, `orphan_tasks`, which come last in that order).
 */
export function renderStateHeader(context: StateContext): Json {
  const { state, info } = context;
  const viewer = context.viewer ?? SEE_ALL;
  // Counted by the books as agents change: a walk over every agent here was ~10 ms of the last turn of each request at 100k.
  const activated = state.activeAgentCount;
  return {
    version: VERSION,
    ...buildInfo(),
    start_time: seconds(context.startTimeMs),
    elected_time: seconds(context.electedTimeMs),
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    capabilities: MASTER_CAPABILITIES_JSON,
    activated_slaves: activated,
    deactivated_slaves: state.agents.size - activated,
    unreachable_slaves: state.unreachableAgents.size,
    leader: info.pid,
    leader_info: renderMasterInfo(info),
    ...(viewer.flags() ? { ...clusterField(context.flags), flags: renderMasterFlags(context.flags) } : {}),
  };
}

/** `recovered_slaves`: agents admitted before a restart that have not re-registered yet. */
export function renderRecoveredAgents(state: MasterState): Json[] {
  return [...state.recoveredAgents].map(([id, agentInfo]) => renderAgentInfo(id, agentInfo));
}

/** Query parameters of `/master/frameworks` (Mesos: `framework_id`). */
export interface FrameworksQuery {
  readonly framework_id?: string;
}

/** `GET /master/frameworks`: `{frameworks, completed_frameworks, unregistered_frameworks}`, of one framework with `framework_id`. */
export function renderFrameworks(context: StateContext, query: FrameworksQuery): Json {
  const { state } = context;
  const viewer = context.viewer ?? SEE_ALL;
  const visible = (framework: FrameworkRecord): boolean =>
    viewer.framework(framework.info.user) && (query.framework_id === undefined || framework.id === query.framework_id);
  return {
    frameworks: [...state.frameworks.values()].filter(visible).map((framework) => renderFramework(state, framework, viewer)),
    completed_frameworks: state.completedFrameworks.filter(visible).map((framework) => renderFramework(state, framework, viewer)),
    unregistered_frameworks: [],
  };
}

/** Query parameters of `/master/slaves` (Mesos: `slave_id`). */
export interface SlavesQuery {
  readonly slave_id?: string;
}

/**
 * `GET /master/slaves`: `{slaves, recovered_slaves}`, of one agent with `slave_id` (looked up,
 * not searched for). The master serves the whole list from fragments (`StateFragments.renderSlaves`),
 * which must say exactly this.
 */
export function renderSlaves(context: StateContext, query: SlavesQuery): Json {
  const { state } = context;
  const viewer = context.viewer ?? SEE_ALL;
  const { slave_id: only } = query;
  const agents = only === undefined ? [...state.agents.values()] : [state.agents.get(only)].filter((agent) => agent !== undefined);
  const recoveredInfo = only === undefined ? undefined : state.recoveredAgents.get(only);
  const recovered = only === undefined ? [...state.recoveredAgents] : recoveredInfo === undefined ? [] : [[only, recoveredInfo] as const];
  return {
    slaves: agents.map((agent) => renderSlave(state, agent, viewer)),
    recovered_slaves: recovered.map(([id, agentInfo]) => renderAgentInfo(id, agentInfo)),
  };
}

/** An agent as `/master/slaves` shows it: as `/master/state` does, with its resources in full (`*_resources_full`). */
export function renderSlave(state: MasterState, agent: AgentRecord, viewer: StateViewer): Json {
  return addFields(renderAgent(state, agent, viewer), renderFullResources(state, agent, viewer));
}

/**
 * Adds `from`'s fields to `into` (after its own, as `{...into, ...from}` orders them) and returns
 * it: for what is rendered per agent, where spreading into a new object cost V8's old generation
 * ~7 KB an agent (see `renderAgentSummary`).
 */
function addFields(into: Json, from: Json): Json {
  for (const key of Object.keys(from)) into[key] = from[key];
  return into;
}

/** Query parameters of `/master/tasks` (Mesos: `framework_id`, `task_id`, `limit`, `offset`, `order`). */
export interface TasksQuery {
  readonly framework_id?: string;
  readonly task_id?: string;
  readonly limit?: string;
  readonly offset?: string;
  readonly order?: string;
}

/** What `/master/tasks` was asked for, checked (`checkTasksQuery`). */
export interface TasksPage {
  readonly limit: number;
  readonly offset: number;
  readonly ascending: boolean;
}

/**
 * The paging of a `/master/tasks` query, or why it is bad (a message naming the parameter):
 * `limit` and `offset` must be integers, `order` `asc` or `des`. A negative one is taken as
 * Mesos takes it (an int made a size_t): `limit=-1` is every task (the official CLI asks so),
 * a negative offset is past the last. Mesos silently takes the default for a value that is not
 * a number or an order; this master answers 400 instead, so a typo is not mistaken for an empty
 * or a default page.
 */
export function checkTasksQuery(query: TasksQuery): TasksPage | { readonly error: string } {
  const limit = integerParameter('limit', query.limit, DEFAULT_TASKS_LIMIT);
  if (typeof limit === 'string') return { error: limit };
  const offset = integerParameter('offset', query.offset, 0);
  if (typeof offset === 'string') return { error: offset };
  if (query.order !== undefined && query.order !== 'asc' && query.order !== 'des') {
    return { error: `Invalid 'order': expected 'asc' or 'des', not '${boundedQueryValue(query.order)}'` };
  }
  return { limit: limit < 0 ? Number.MAX_SAFE_INTEGER : limit, offset: offset < 0 ? Number.MAX_SAFE_INTEGER : offset, ascending: query.order === 'asc' };
}

/** `text` as an integer (`fallback` when absent), or why it is not one, naming `name`. */
function integerParameter(name: string, text: string | undefined, fallback: number): number | string {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (/^-?[0-9]+$/.test(text) && Number.isSafeInteger(value)) return value;
  return `Invalid '${name}': expected an integer, not '${boundedQueryValue(text)}'`;
}

/**
 * `GET /master/tasks`: `{tasks}`, flat over all frameworks (live, unreachable and completed
 * tasks, of live and completed frameworks), optionally of one framework or task; at most
 * `limit` (default 100) after skipping `offset`; `order=asc` (default `des`) by first status
 * time, ties in the order the books first kept the tasks (`des` is `asc` reversed).
 */
export function renderTasks(context: StateContext, query: TasksQuery, page: TasksPage): Json {
  return { tasks: selectTasks(context, query, page).map(renderTask) };
}

/**
 * The tasks of a `/master/tasks` page, in order: the `offset + limit` first of the matching
 * tasks in the asked order, then the page of them. Each framework record keeps its tasks in
 * order (`FrameworkRecord.taskOrder`, task-order.ts); the page merges the visible frameworks'
 * orders, taking from each only what the page reaches (a heap of one head per framework), so
 * it costs the frameworks plus `offset + limit` steps, not a look at every task. A `task_id`
 * is looked up in each framework's lists instead.
 */
export function selectTasks(context: StateContext, query: TasksQuery, page: TasksPage): Task[] {
  const wanted = page.offset + page.limit;
  if (wanted === 0) return [];
  const frameworks = pageFrameworks(context, query);
  if (query.task_id !== undefined) return tasksWithId(context.state, frameworks, query.task_id, wanted, page.ascending).slice(page.offset);
  // The orders as they are: read in this turn only.
  const merge = new TaskPageMerge(frameworks.map(({ framework, visibility }) => new TaskCursor(framework.taskOrder.chunkLists(), page.ascending, visibility, NOTHING_CHANGED)), page);
  const picked: Task[] = [];
  for (let task = merge.next(); task !== undefined; task = merge.next()) picked.push(task);
  return picked;
}

/**
 * A `/master/tasks` page (no `task_id`) to put together over later turns, if it may look at
 * more than `bound` tasks (`offset + limit`, and every task of a framework some of whose tasks
 * the caller may not see: passed over, they count too); else undefined (put together at once:
 * `selectTasks`). The visible frameworks' orders are copied as they are now (their chunks'
 * lists, enough for `offset + limit` tasks of each, all of a framework with hidden tasks: the
 * tasks the page shows may be past any count), merged in the page's order as the page is
 * written. An entry whose time or places change meanwhile is read from `asItWas`, kept by the
 * caller as the entry was now.
 */
export function copiedTasksPage(context: StateContext, query: TasksQuery, page: TasksPage, bound: number, asItWas: ReadonlyMap<TaskOrderEntry, EntryAsItWas>): CopiedTasksPage | undefined {
  const wanted = page.offset + page.limit;
  const frameworks = pageFrameworks(context, query);
  let walk = wanted;
  for (const { framework, visibility } of frameworks) if (visibility !== true) walk += framework.taskOrder.size;
  if (walk <= bound) return undefined;
  const cursors = frameworks.map(({ framework, visibility }) => new TaskCursor(framework.taskOrder.copy(page.ascending, visibility === true ? wanted : Number.POSITIVE_INFINITY), page.ascending, visibility, asItWas));
  return { merge: new TaskPageMerge(cursors, page), orders: new Set(frameworks.map(({ framework }) => framework.taskOrder)) };
}

/** A page's merge of its frameworks' copied orders, and the orders copied (a task of another is on no page of it). */
export interface CopiedTasksPage {
  readonly merge: TaskPageMerge;
  readonly orders: ReadonlySet<TaskOrder>;
}

/** An order entry's time and places as a page copied them (`copiedTasksPage`). */
export interface EntryAsItWas {
  readonly time: number;
  readonly places: number;
}

/** No entry changed since the page's orders were read (a page put together in one turn). */
const NOTHING_CHANGED: ReadonlyMap<TaskOrderEntry, EntryAsItWas> = new Map();

/** The frameworks whose tasks a `/master/tasks` query may show: those the caller may see tasks of, of `framework_id` if given. */
function pageFrameworks(context: StateContext, query: TasksQuery): VisibleTasksOf[] {
  const viewer = context.viewer ?? SEE_ALL;
  const frameworks: VisibleTasksOf[] = [];
  for (const framework of [...context.state.frameworks.values(), ...context.state.completedFrameworks]) {
    if (!viewer.framework(framework.info.user)) continue;
    const visibility = taskVisibility(viewer, framework.info.user, framework.tasksNameUsers);
    if (visibility === false) continue;
    if (query.framework_id !== undefined && framework.id !== query.framework_id) continue;
    frameworks.push({ framework, visibility });
  }
  return frameworks;
}

/** A framework whose tasks a caller may see some of, and which (`TaskVisibility`). */
interface VisibleTasksOf {
  readonly framework: FrameworkRecord;
  readonly visibility: TaskVisibility;
}

/**
 * One framework's tasks in a page's order, at its head (`advance` moves on; false when none is
 * left): over its order's chunk lists, read as they are (a page of one turn) or as copied (a
 * page over turns, whose entries' changed time and places are read from `asItWas`).
 */
class TaskCursor {
  time = 0;
  seq = 0;
  task: Task = undefined as unknown as Task;
  places = 0;
  private chunk: number;
  private at: number;

  constructor(private readonly chunks: readonly (readonly TaskOrderEntry[])[], private readonly ascending: boolean, readonly visibility: TaskVisibility, private readonly asItWas: ReadonlyMap<TaskOrderEntry, EntryAsItWas>) {
    this.chunk = ascending ? 0 : chunks.length - 1;
    this.at = ascending ? -1 : (chunks[this.chunk]?.length ?? 0);
  }

  advance(): boolean {
    const chunks = this.chunks;
    for (;;) {
      const chunk = chunks[this.chunk];
      if (chunk === undefined) return false;
      this.at += this.ascending ? 1 : -1;
      const entry = chunk[this.at];
      if (entry !== undefined) {
        const was = this.asItWas.size === 0 ? undefined : this.asItWas.get(entry);
        this.time = was?.time ?? entry.time;
        this.places = was?.places ?? entry.places;
        this.seq = entry.seq;
        this.task = entry.task;
        return true;
      }
      this.chunk += this.ascending ? 1 : -1;
      this.at = this.ascending ? -1 : (chunks[this.chunk]?.length ?? 0);
    }
  }
}

/**
 * A page of the frameworks' orders merged in its direction (a heap of one head per framework):
 * the tasks the caller may see, one at a time, a task held in two places twice, the first
 * `offset` passed over, at most `limit`.
 */
export class TaskPageMerge {
  private readonly heads: TaskCursor[] = [];
  private readonly first: (a: TaskCursor, b: TaskCursor) => boolean;
  private readonly offset: number;
  private readonly end: number;
  /** Tasks the caller may see taken so far (those of the offset too). */
  private taken = 0;
  private repeated: Task | undefined;
  private repeats = 0;

  constructor(cursors: readonly TaskCursor[], page: TasksPage) {
    this.first = page.ascending ? entryBefore : (a, b) => entryBefore(b, a);
    this.offset = page.offset;
    this.end = page.offset + page.limit;
    for (const cursor of cursors) {
      if (!cursor.advance()) continue;
      this.heads.push(cursor);
      siftUp(this.heads, this.heads.length - 1, this.first);
    }
  }

  /** The page's next task, or undefined when it has no more. */
  next(): Task | undefined {
    for (;;) {
      const task = this.step();
      if (task !== null) return task;
    }
  }

  /**
   * One step of the merge: the page's next task, null for one looked at and passed over (the
   * caller may not see it, or it is before the offset: a page written over turns counts it),
   * undefined when the page has no more.
   */
  step(): Task | null | undefined {
    if (this.taken >= this.end) return undefined;
    let task: Task;
    if (this.repeats > 0) {
      this.repeats--;
      task = this.repeated as Task;
    } else {
      const top = this.heads[0];
      if (top === undefined) return undefined;
      const { places, visibility } = top;
      task = top.task;
      if (top.advance()) siftDown(this.heads, 0, this.first);
      else popTop(this.heads, this.first);
      if (!taskVisible(visibility, task) || places === 0) return null;
      this.repeated = task;
      this.repeats = places - 1;
    }
    return this.taken++ < this.offset ? null : task;
  }
}

/** The tasks of id `taskId` the frameworks keep (a few at most), the `wanted` first in the asked direction. */
function tasksWithId(state: MasterState, frameworks: readonly VisibleTasksOf[], taskId: string, wanted: number, ascending: boolean): Task[] {
  const found: Task[] = [];
  const add = (task: Task | undefined, visibility: TaskVisibility): void => void (task !== undefined && taskVisible(visibility, task) && found.push(task));
  for (const { framework, visibility } of frameworks) {
    add(framework.tasks.get(taskId)?.task, visibility);
    add(framework.unreachableTasks.get(taskId), visibility);
    for (const task of framework.completedTasks) if (task.taskId === taskId) add(task, visibility);
  }
  const sorted = found.map((task) => ({ task, time: orderTime(task), seq: state.taskOrderSeq(task) ?? Number.MAX_SAFE_INTEGER })).sort(compareOrder);
  if (!ascending) sorted.reverse();
  return sorted.slice(0, wanted).map((entry) => entry.task);
}

function renderFramework(state: MasterState, framework: FrameworkRecord, viewer: StateViewer): Json {
  const visibility = taskVisibility(viewer, framework.info.user, framework.tasksNameUsers);
  const seen = (tasks: Iterable<Task>): Json[] => visibleTasks(visibility, tasks).map(renderTask);
  return {
    ...renderFrameworkHeader(state, framework),
    tasks: seen([...framework.tasks.values()].map((tracked) => tracked.task)),
    unreachable_tasks: seen(framework.unreachableTasks.values()),
    completed_tasks: seen(framework.completedTasks),
    offers: [...framework.offerIds].flatMap((offerId) => {
      const record = state.offers.get(offerId);
      return record === undefined ? [] : [renderOffer(record.offer, record.resources)];
    }),
    executors: [...state.frameworkExecutors(framework.id)].filter(([executor]) => executorVisible(viewer, executor.info, framework.info.user)).map(([executor, agentId]) => renderExecutor(executor.info, executor.resources, agentId, executor.role)),
  };
}

/** What a framework uses and is offered, when given rather than read from the books (a rendering finishing in later turns: `StateFragments`). */
export interface FrameworkSums {
  readonly used: Resources;
  readonly offered: Resources;
}

/**
 * A framework's fields before its lists (`tasks`, `unreachable_tasks`, `completed_tasks`,
 * `offers`, `executors`, which come last in that order): the same for every caller.
 */
export function renderFrameworkHeader(state: MasterState, framework: FrameworkRecord, sums?: FrameworkSums): Json {
  const info = framework.info;
  const used = sums?.used ?? state.frameworkUsedResources(framework);
  const offered = sums?.offered ?? state.frameworkOfferedResources(framework);
  return {
    id: framework.id,
    name: info.name,
    // None for an HTTP framework, as Mesos (its pid is the master's own adapter for it).
    pid: isHttpFramework(framework) ? undefined : framework.pid?.toString(),
    user: info.user,
    ...roleFields(info),
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
    ...(info.labels !== undefined ? { labels: labelList(info.labels) } : {}),
    offer_constraints: {},
  };
}

/**
 * A framework's role fields: Mesos writes `roles` for a MULTI_ROLE framework and `role` for
 * the others; `roles` is kept for the others too (tools written for either find theirs).
 */
function roleFields(info: FrameworkInfo): Json {
  const roles = info.roles ?? ['*'];
  if (info.capabilities?.includes('MULTI_ROLE') === true) return { roles };
  return { role: roles[0] ?? '*', roles };
}

/**
 * The `*_full` resources `/master/slaves` adds to each agent (Mesos: the Resource objects, for
 * operators who reserve and unreserve, in its endpoint format: `role` and `reservation`, and
 * `reservations` too): reserved per role (the roles the caller may view),
 * unreserved, used and offered (without what is reserved for, allocated or offered to a role
 * the caller may not view, as Mesos' `SlavesWriter` filters each resource by `view_roles`; the
 * summaries `used_resources` and `offered_resources` are not, as in Mesos). Each used and offered
 * resource carries the role it is allocated or offered to (`allocation_info`), as Mesos' books
 * keep it; what is allocated to one role is summed (Mesos' `Resources::sum`).
 */
function renderFullResources(state: MasterState, agent: AgentRecord, viewer: StateViewer): Json {
  const reserved: Record<string, unknown> = {};
  for (const role of agent.total.reserved().roles()) if (viewer.role(role)) reserved[role] = agent.total.reserved(role).toEndpointJSON();
  return {
    reserved_resources_full: reserved,
    unreserved_resources_full: agent.total.unreserved().toEndpointJSON(),
    used_resources_full: allocatedEndpointJson(state.agentUsedByRole(agent), viewer),
    offered_resources_full: allocatedEndpointJson(state.agentOfferedByRole(agent), viewer),
  };
}

/** A Resource in Mesos' endpoint format with the role it is allocated or offered to. */
type AllocatedResourceJson = ResourceJSON & { allocation_info: { role: string } };

/**
 * Resources allocated or offered, by role, in Mesos' endpoint format, each with its
 * `allocation_info` (of the roles `viewer` may view, without what is reserved for one it may not).
 */
function allocatedEndpointJson(byRole: ResourcesByRole, viewer: StateViewer): AllocatedResourceJson[] {
  const rendered: AllocatedResourceJson[] = [];
  for (const [role, resources] of sortedByRole(byRole)) {
    if (viewer !== SEE_ALL && !viewer.role(role)) continue;
    const allocation_info = { role };
    for (const json of viewableReservations(resources, viewer).toEndpointJSON()) rendered.push({ ...json, allocation_info });
  }
  return rendered;
}

/** `resources` without those reserved for a role `viewer` may not view. */
function viewableReservations(resources: Resources, viewer: StateViewer): Resources {
  return viewer === SEE_ALL || !resources.hasReservations() ? resources : resources.filter((entry) => entry.role === UNRESERVED_ROLE || viewer.role(entry.role));
}

/** An agent's SlaveInfo in Mesos' JSON (`recovered_slaves`, and the start of each of `slaves`). */
export function renderAgentInfo(id: string, info: { readonly hostname: string; readonly port: number; readonly attributes?: Record<string, string | number> | undefined; readonly resources?: unknown }): Json {
  return { id, hostname: info.hostname, port: info.port, attributes: info.attributes ?? {}, resources: renderResources(resourcesOrEmpty(info.resources)) };
}

/** An agent as `/master/state` shows it (reserved resources: of the roles `viewer` may view). */
export function renderAgent(state: MasterState, agent: AgentRecord, viewer: StateViewer): Json {
  const reserved: Record<string, Json> = {};
  const reservations = agent.total.hasReservations();
  if (reservations) for (const role of agent.total.reserved().roles()) if (viewer.role(role)) reserved[role] = renderResources(agent.total.reserved(role));
  const renderedTotal = renderResources(agent.total);
  return {
    id: agent.id,
    pid: agent.pid.toString(),
    hostname: agent.info.hostname,
    port: agent.info.port,
    registered_time: seconds(agent.registeredTimeMs),
    reregistered_time: agent.reregisteredTimeMs === undefined ? undefined : seconds(agent.reregisteredTimeMs),
    resources: renderedTotal,
    used_resources: renderResources(state.usedResources(agent)),
    offered_resources: renderResources(state.offeredResources(agent)),
    reserved_resources: reserved,
    unreserved_resources: reservations ? renderResources(agent.total.unreserved()) : renderedTotal,
    attributes: agent.info.attributes ?? {},
    active: agent.active,
    connected: agent.connected,
    ...deactivationFields(state, agent.id),
    version: agent.version,
    capabilities: agent.capabilities,
  };
}

/**
 * `/master/state`'s `deactivated` of an agent (an operator's DEACTIVATE_AGENT or DRAIN_AGENT),
 * and for a drained one Mesos' `drain_info` and `estimated_drain_start_time_seconds`.
 */
function deactivationFields(state: MasterState, agentId: string): Json {
  const deactivation = state.deactivatedAgents.get(agentId);
  if (deactivation === undefined) return NOT_DEACTIVATED;
  const drain = deactivation.drain;
  if (drain === undefined) return DEACTIVATED;
  const startMs = deactivation.estimatedDrainStartTimeMs;
  return { deactivated: true, drain_info: drainInfoJson(drain), ...(startMs !== undefined ? { estimated_drain_start_time_seconds: seconds(startMs) } : {}) };
}

const NOT_DEACTIVATED: Json = Object.freeze({ deactivated: false });
const DEACTIVATED: Json = Object.freeze({ deactivated: true });

/** An outstanding offer in a framework's `offers`. */
export function renderOffer(offer: Offer, resources: Resources): Json {
  return {
    id: offer.id,
    framework_id: offer.frameworkId,
    slave_id: offer.agentId,
    allocation_info: { role: offer.allocationRole },
    resources: renderResources(resources),
  };
}

/** An executor in a framework's `executors`. */
export function renderExecutor(info: ExecutorInfo, resources: Resources, agentId: string, role?: string): Json {
  return {
    executor_id: info.executorId,
    name: info.name ?? '',
    framework_id: info.frameworkId,
    // No `source`: Mesos' json(ExecutorInfo) writes none (its agent's executor JSON does).
    // The default executor has no command of its own: Mesos renders its unset CommandInfo, without a `value`.
    command: info.command === undefined ? renderUnsetCommand() : renderCommand(info.command),
    ...(info.type !== undefined ? { type: info.type } : {}),
    resources: renderResources(resources),
    // As Mesos: the role its resources are allocated to, when it has any.
    ...(role !== undefined && !resources.isEmpty() ? { role } : {}),
    // As Mesos' `json(ExecutorInfo)`, when it has any (they were left out).
    ...(info.labels !== undefined ? { labels: labelList(info.labels) } : {}),
    slave_id: agentId,
  };
}

/** An unset CommandInfo as Mesos' `json(CommandInfo)` writes one: its lists only (it wrote `"value": ""`). */
function renderUnsetCommand(): Json {
  return { argv: [], uris: [] };
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

/** `cluster` (Mesos writes it only when `--cluster` is set). */
function clusterField(flags: MasterFlags): Json {
  return flags.cluster === undefined ? {} : { cluster: flags.cluster };
}

function seconds(ms: number): number {
  return ms / 1000;
}

/**
 * A form body (`application/x-www-form-urlencoded`, what `/master/teardown` and `/master/reserve`
 * read) as Mesos' `query::decode` reads one (`decodeQuery`: pairs split at `&` or `;`, a key
 * without `=` has the value '', `+` is a space, the last of a repeated key wins; a malformed `%`
 * escape, or escapes that are not UTF-8, make the whole body bad), or why not, in a sentence.
 * Bytes that are not UTF-8 are refused too: read as text first, each was U+FFFD, so
 * `frameworkId=<0xff>` and `frameworkId=<0xfe>` named one framework. (`URLSearchParams` kept the
 * first of a repeated key, so `frameworkId=A&frameworkId=B` tore down A where Mesos tears down B,
 * and read a bad escape as text.)
 */
export function decodeFormBody(body: Uint8Array): Map<string, string> | string {
  const text = strictUtf8(body);
  return text === undefined ? 'the body is not valid UTF-8' : decodeQuery(text);
}

/** Longest query value quoted back in an error message. */
const MAX_QUOTED_QUERY_VALUE = 64;

function boundedQueryValue(text: string): string {
  return boundedText(text, MAX_QUOTED_QUERY_VALUE);
}

/** The task states `/master/state-summary` counts, per agent and per framework (Mesos 1.11's list). */
export const SUMMARY_TASK_STATES: readonly TaskState[] = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED',
  'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE',
];

/** Counts by state, every state of `SUMMARY_TASK_STATES` (0 when none). */
export function stateCounts(counts: StateCounts | undefined): Json {
  return addStateCounts({}, counts);
}

/** Adds the counts by state to `into` (every state of `SUMMARY_TASK_STATES`, 0 when none), after the fields it has; returns it. */
function addStateCounts(into: Json, counts: StateCounts | undefined): Json {
  for (const state of SUMMARY_TASK_STATES) into[state] = counts?.of(state) ?? 0;
  return into;
}

/**
 * `GET /master/state-summary`: `{hostname, cluster?, slaves, frameworks}`: each agent as in
 * `/master/state` plus its task counts by state and `framework_ids`; each registered framework
 * in summary (id, name, pid, resources, capabilities, hostname, webui_url, active, connected,
 * recovered) plus its task counts and `slave_ids` (Mesos' fields).
 */
export function renderStateSummary(context: StateContext): Json {
  const { state } = context;
  const viewer = context.viewer ?? SEE_ALL;
  return {
    ...renderSummaryHeader(context),
    slaves: [...state.agents.values()].map((agent) => renderAgentSummary(state, agent, viewer)),
    frameworks: [...state.frameworks.values()].filter((framework) => viewer.framework(framework.info.user)).map((framework) => renderFrameworkSummary(state, framework)),
  };
}

/** `/master/state-summary`'s fields before its lists (`slaves`, then `frameworks`). */
export function renderSummaryHeader(context: StateContext): Json {
  return { hostname: context.info.hostname, ...clusterField(context.flags) };
}

/** An agent in `/master/state-summary`: as in `/master/state`, with its task counts by state and `framework_ids`. */
export function renderAgentSummary(state: MasterState, agent: AgentRecord, viewer: StateViewer): Json {
  // Added to `renderAgent`'s own new object, in the order spreading the two would give. Spreading
  // them (`{...renderAgent(), ...stateCounts(), framework_ids}`) left ~7 KB an agent in V8's old
  // generation: at 10k agents with a 1 MB young generation the summary grew it by 97 MB, 28 MB
  // this way; at 100k agents (128 MB) by ~850 MB, the peak RSS going from 1.4 GB to 2.1 GB.
  const summary = renderAgent(state, agent, viewer);
  addStateCounts(summary, state.taskSummaries.agentCounts(agent.id));
  summary.framework_ids = state.taskSummaries.frameworkIdsOn(agent.id);
  return summary;
}

/** A framework in `/master/state-summary`'s `frameworks`, with its task counts and `slave_ids` (the books' `taskSummaries`). */
export function renderFrameworkSummary(state: MasterState, framework: FrameworkRecord, sums?: FrameworkSums): Json {
  const info = framework.info;
  return {
    id: framework.id,
    name: info.name,
    ...(framework.pid !== undefined && !isHttpFramework(framework) ? { pid: framework.pid.toString() } : {}),
    used_resources: renderResources(sums?.used ?? state.frameworkUsedResources(framework)),
    offered_resources: renderResources(sums?.offered ?? state.frameworkOfferedResources(framework)),
    capabilities: info.capabilities ?? [],
    hostname: info.hostname ?? '',
    webui_url: info.webuiUrl ?? '',
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    ...stateCounts(state.taskSummaries.frameworkCounts(framework.id)),
    slave_ids: state.taskSummaries.agentIdsOf(framework.id),
  };
}

/**
 * `GET /master/roles`: `{roles: [...]}`, one entry per known role (one a framework subscribes
 * to, that has a weight, a quota or a reservation) and each ancestor of one (Mesos'
 * `knownRoles`), each with Mesos 1.11's fields: `name`, `weight`, `quota` (`role`,
 * `guarantee`, `limit`, `consumed`), `resources` (allocated + offered), `allocated`, `offered`,
 * `reserved` (quantities: scalars by name), each summed over the role and its subroles as
 * Mesos' `RoleResourceBreakdown` sums them, and `frameworks` (ids of those subscribed to the
 * role itself). Roles the caller may not view (the ACLs' `view_roles`) are left out.
 */
export function renderRoles(context: StateContext, breakdowns: ReadonlyMap<string, RoleBreakdown> = roleBreakdowns(context.state)): Json {
  const viewer = context.viewer ?? SEE_ALL;
  const names = new Set<string>();
  for (const role of [...breakdowns.keys(), ...(context.weights?.keys() ?? []), ...(context.quotas?.keys() ?? [])]) {
    names.add(role);
    for (const ancestor of roleAncestors(role)) names.add(ancestor);
  }
  const roles = [...names].filter((name) => viewer.role(name)).sort().map((name) => {
    const breakdown = subtreeBreakdown(breakdowns, name);
    const quota = context.quotas?.get(name);
    const allocated = quantities(breakdown.allocated);
    const offered = quantities(breakdown.offered);
    return {
      name,
      weight: context.weights?.get(name) ?? DEFAULT_ROLE_WEIGHT,
      quota: { role: name, guarantee: quota?.guarantees ?? {}, limit: quota?.limits ?? {}, consumed: quantities(consumedQuotaOf(breakdown)) },
      resources: quantities(breakdown.allocated.add(breakdown.offered)),
      allocated,
      offered,
      reserved: quantities(breakdown.reserved),
      frameworks: [...breakdown.frameworks],
    };
  });
  return { roles };
}

/** What one role holds across the cluster (`roleBreakdowns`). */
export interface RoleBreakdown {
  allocated: Resources;
  offered: Resources;
  reserved: Resources;
  readonly frameworks: Set<string>;
}

/**
 * `role`'s breakdown summed with its subroles' (Mesos' `*ToRoleSubtree`: a parent holds what its
 * children hold); its `frameworks` are the role's own. A role with no subroles among
 * `breakdowns` gets its own breakdown back.
 */
export function subtreeBreakdown(breakdowns: ReadonlyMap<string, RoleBreakdown>, role: string): RoleBreakdown {
  const own = breakdowns.get(role);
  let summed: RoleBreakdown | undefined;
  for (const [name, breakdown] of breakdowns) {
    if (!isStrictSubrole(name, role)) continue;
    summed ??= { ...(own ?? emptyBreakdown()), frameworks: own?.frameworks ?? new Set() };
    summed.allocated = summed.allocated.add(breakdown.allocated);
    summed.offered = summed.offered.add(breakdown.offered);
    summed.reserved = summed.reserved.add(breakdown.reserved);
  }
  return summed ?? own ?? emptyBreakdown();
}

/** What a (subtree's) breakdown consumes of quota: its reservations, and its allocations that are not reserved (Mesos' `consumedQuota`). */
export function consumedQuotaOf(breakdown: RoleBreakdown): Resources {
  return breakdown.reserved.add(breakdown.allocated.unreserved());
}

export function emptyBreakdown(): RoleBreakdown {
  return { allocated: Resources.EMPTY, offered: Resources.EMPTY, reserved: Resources.EMPTY, frameworks: new Set() };
}

/** Allocated, offered and reserved resources, and subscribed frameworks, by role: a walk over every agent. */
export function roleBreakdowns(state: MasterState): Map<string, RoleBreakdown> {
  const breakdowns = new Map<string, RoleBreakdown>();
  const counts = new Map<string, number>();
  for (const agent of state.agents.values()) addRoleParts(breakdowns, counts, agentRoleParts(state, agent), 1);
  return withFrameworks(state, breakdowns);
}

/**
 * `breakdowns` (what the agents hold by role, no framework named) with every registered
 * framework named under the roles it subscribed to: the same map, a role added for a framework
 * that subscribed to a role nothing is held in.
 */
export function withFrameworks(state: MasterState, breakdowns: Map<string, RoleBreakdown>): Map<string, RoleBreakdown> {
  for (const framework of state.frameworks.values()) {
    const nameUnder = (role: string): void => {
      let breakdown = breakdowns.get(role);
      if (breakdown === undefined) breakdowns.set(role, (breakdown = emptyBreakdown()));
      breakdown.frameworks.add(framework.id);
    };
    for (const role of framework.info.roles ?? ['*']) nameUnder(role);
    // And the roles it left while something of it still runs there (Mesos keeps it tracked under them).
    if (state.rolesStillLeft(framework) !== undefined) for (const role of framework.leftRoles ?? []) nameUnder(role);
  }
  return breakdowns;
}

/**
 * One agent's part of each role's breakdown (`frameworks` empty): its reservations, what its
 * live tasks and executors use, and its outstanding offers, by role. Scalars only: the roles'
 * answers show scalar quantities, and ranges summed over agents could not be taken out again.
 */
export function agentRoleParts(state: MasterState, agent: AgentRecord): Map<string, RoleBreakdown> {
  const parts = new Map<string, RoleBreakdown>();
  const of = (role: string): RoleBreakdown => {
    let part = parts.get(role);
    if (part === undefined) parts.set(role, (part = emptyBreakdown()));
    return part;
  };
  // A role with any reservation here is known, whatever its type (Mesos' `knownRoles`); its quantities are scalars.
  if (agent.total.hasReservations()) for (const role of agent.total.reserved().roles()) of(role).reserved = agent.total.reserved(role).filter(isScalar);
  for (const used of state.usedByFrameworkRole(agent)) {
    const part = of(used.role);
    const scalars = used.resources.filter(isScalar);
    part.allocated = part.allocated.add(scalars);
  }
  for (const offerId of agent.offerIds) {
    const record = state.offers.get(offerId);
    if (record !== undefined) of(record.offer.allocationRole).offered = of(record.offer.allocationRole).offered.add(record.resources.filter(isScalar));
  }
  return parts;
}

/**
 * Adds (`sign` 1) or takes away (-1) an agent's `parts` to or from `breakdowns`; `counts` says
 * how many agents have a part in each role, and a role no agent has a part in leaves the map
 * (a part may be empty: a reservation of ports only, a task of ports only, still names its role).
 */
export function addRoleParts(breakdowns: Map<string, RoleBreakdown>, counts: Map<string, number>, parts: ReadonlyMap<string, RoleBreakdown>, sign: 1 | -1): void {
  for (const [role, part] of parts) {
    let breakdown = breakdowns.get(role);
    if (breakdown === undefined) breakdowns.set(role, (breakdown = emptyBreakdown()));
    const count = (counts.get(role) ?? 0) + sign;
    const apply = (held: Resources, change: Resources): Resources => (sign === 1 ? held.add(change) : held.subtract(change));
    breakdown.allocated = apply(breakdown.allocated, part.allocated);
    breakdown.offered = apply(breakdown.offered, part.offered);
    breakdown.reserved = apply(breakdown.reserved, part.reserved);
    if (count > 0) counts.set(role, count);
    else {
      counts.delete(role);
      breakdowns.delete(role);
    }
  }
}

function isScalar(entry: { readonly type: string }): boolean {
  return entry.type === 'SCALAR';
}

/**
 * Scalar quantities by name (Mesos' `ResourceQuantities` JSON: `{"cpus": 1, "mem": 128}`, its names sorted): sorted
 * here too, so the text does not depend on the order the resources were summed in (the kept
 * roles' breakdowns add and take away agents' parts in any order).
 */
function quantities(resources: Resources): Record<string, number> {
  return Object.fromEntries([...resources.scalarTotals()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
