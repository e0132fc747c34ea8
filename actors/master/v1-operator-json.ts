/**
 * The master's books as the v1 operator API answers them (Mesos' `v1/master/master.proto`
 * `Response` and `Event` messages in JSON): `Agent`, `Framework`, `Task`, `Executor`,
 * `GetState`, `Role`... These are protobuf messages, not `/master/state`'s JSON: ids are
 * `{value}`, resources are `Resource` messages, times `TimeInfo`s, empty repeated fields and
 * unset optional ones left out. Pure functions of the books, filtered by what the caller may view.
 */
import { executorVisible, SEE_ALL, taskVisibility, visibleTasks, type StateViewer } from '../../lib/state-json';
import { v1AgentInfo, v1ExecutorInfo, v1FrameworkInfo, v1Id, v1InverseOffer, v1MasterInfo, v1Offer, v1Resources, v1TaskStatus, type AgentEndpoint, type V1Json } from '../../lib/v1/json';
import { drainInfoJson, v1ScalarMap, v1Task, v1TimeInfo } from '../../lib/v1/operator';
import type { MasterInfo, Task, TaskStatus } from '../../lib/protocol';
import { MASTER_CAPABILITIES_JSON } from './constants';
import { renderRoles, type RoleBreakdown, type RoleQuota, type StateContext } from './http';
import type { AgentRecord, FrameworkRecord, MasterState, OfferRecord, TrackedExecutor } from './state';
import { sortedByRole, type ResourcesByRole } from './resources-by-role';

/** What the v1 renderers read beyond `/master/state`'s context. */
export interface V1Context extends StateContext {
  /** Where an agent serves HTTP (an offer's `url`); undefined for one no longer registered. */
  readonly agentEndpoint: (agentId: string) => AgentEndpoint | undefined;
}

/**
 * `GetAgents`: the registered agents and the recovered ones not yet back; both lists always, `[]`
 * when empty, as Mesos' `jsonifyGetAgents` writes them (so do GET_FRAMEWORKS', GET_EXECUTORS' and
 * GET_TASKS' lists: Mesos' own writers, not its protobuf JSON, which would leave them out).
 */
export function v1GetAgents(context: V1Context): V1Json {
  const { state } = context;
  const viewer = context.viewer ?? SEE_ALL;
  return {
    agents: [...state.agents.values()].map((agent) => v1Agent(state, agent, viewer)),
    recovered_agents: v1RecoveredAgents(state, viewer),
  };
}

/**
 * `GetAgents.recovered_agents`: agents admitted before a restart that have not re-registered
 * yet, without the resources reserved for roles `viewer` may not view.
 */
export function v1RecoveredAgents(state: MasterState, viewer: StateViewer = SEE_ALL): V1Json[] {
  return [...state.recoveredAgents].map(([id, info]) => v1ViewableAgentInfo(v1AgentInfo({ ...info, id }), viewer));
}

/**
 * `resources` (v1 `Resource`s) that `viewer` may view: without those reserved for a role it may
 * not view (at any level of a refined reservation) or allocated to one, as Mesos'
 * `ObjectApprovers::approved<VIEW_ROLE>(Resource)` decides (an unreserved, unallocated one always).
 */
export function v1ViewableResources(resources: readonly V1Json[], viewer: StateViewer): V1Json[] {
  if (viewer === SEE_ALL) return [...resources];
  return resources.filter((resource) => {
    const reservations = resource.reservations as ReadonlyArray<{ role?: string }> | undefined;
    if (reservations !== undefined && reservations.some((reservation) => reservation.role !== undefined && !viewer.role(reservation.role))) return false;
    const allocated = (resource.allocation_info as { role?: string } | undefined)?.role;
    return allocated === undefined || viewer.role(allocated);
  });
}

/**
 * A framework's `allocated_resources` and `offered_resources` (v1, of `rendered`, the framework
 * as rendered for everyone) as `viewer` may view them: without what is allocated or offered to a
 * role it may not view, or reserved for one, as Mesos' subscribers filter FRAMEWORK_ADDED and
 * FRAMEWORK_UPDATED by each resource's `allocation_info.role` (every one of them carries it).
 * Each list is the one rendered when nothing of it is left out.
 */
export function v1ViewableFrameworkResources(rendered: V1Json, viewer: StateViewer): { allocated: V1Json[]; offered: V1Json[] } {
  return { allocated: viewableList(rendered.allocated_resources, viewer), offered: viewableList(rendered.offered_resources, viewer) };
}

/**
 * An agent as rendered for everyone (`v1Agent`'s JSON) as `viewer` may view it: its resources
 * (in its info, total, allocated, offered) without those reserved for roles it may not view, and
 * its allocated and offered ones without those allocated or offered to such roles (by their
 * `allocation_info.role`), as Mesos' `createAgentResponse` filters them (the ACLs'
 * `view_roles`). `rendered` itself when nothing is left out.
 */
export function v1ViewableAgent(rendered: V1Json, viewer: StateViewer): V1Json {
  if (viewer === SEE_ALL) return rendered;
  const info = rendered.agent_info as V1Json;
  const viewed = v1ViewableAgentInfo(info, viewer);
  let changed = viewed !== info;
  const own: V1Json = { ...rendered, agent_info: viewed };
  for (const field of ['total_resources', 'allocated_resources', 'offered_resources']) {
    const shown = rendered[field];
    if (shown === undefined) continue;
    const viewable = viewableList(shown, viewer);
    if (viewable === shown) continue;
    changed = true;
    if (viewable.length > 0) own[field] = viewable;
    else delete own[field];
  }
  return changed ? own : rendered;
}

/** `resources` (a v1 list, or unset) without what `viewer` may not view: the list itself when that is all of it. */
function viewableList(resources: unknown, viewer: StateViewer): V1Json[] {
  const list = (resources as V1Json[] | undefined) ?? [];
  const viewable = v1ViewableResources(list, viewer);
  return viewable.length === list.length ? list : viewable;
}

/** An `AgentInfo` (v1) with only the resources `viewer` may view (`info` itself when that is all of them). */
function v1ViewableAgentInfo(info: V1Json, viewer: StateViewer): V1Json {
  if (viewer === SEE_ALL || !Array.isArray(info.resources)) return info;
  const viewable = viewableList(info.resources, viewer);
  return viewable === info.resources ? info : { ...info, resources: viewable };
}

/** `GetFrameworks`: the live frameworks and the completed ones the caller may view (both lists always, as `v1GetAgents`'). */
export function v1GetFrameworks(context: V1Context): V1Json {
  const viewer = context.viewer ?? SEE_ALL;
  const visible = (framework: FrameworkRecord): boolean => viewer.framework(framework.info.user);
  return {
    frameworks: [...context.state.frameworks.values()].filter(visible).map((framework) => v1Framework(context, framework)),
    completed_frameworks: context.state.completedFrameworks.filter(visible).map((framework) => v1Framework(context, framework)),
  };
}

/** `GetExecutors`: the executors of the frameworks whose executors the caller may view. */
export function v1GetExecutors(context: V1Context): V1Json {
  const viewer = context.viewer ?? SEE_ALL;
  const executors = [...context.state.frameworks.values()]
    .filter((framework) => viewer.framework(framework.info.user))
    .flatMap((framework) => [...context.state.frameworkExecutors(framework.id)].filter(([executor]) => executorVisible(viewer, executor.info, framework.info.user)))
    .map(([executor, agentId]) => v1Executor(executor, agentId));
  // The list always, as `v1GetAgents`'.
  return { executors };
}

/** An executor in `GetExecutors.executors`: its resources carry the role they are allocated to. */
export function v1Executor(executor: TrackedExecutor, agentId: string): V1Json {
  return { executor_info: v1ExecutorInfo(executor.info, executor.role), agent_id: v1Id(agentId) };
}

/** `GetTasks`: live, unreachable and completed tasks of the frameworks whose tasks the caller may view (each list always, as `v1GetAgents`'). */
export function v1GetTasks(context: V1Context): V1Json {
  const viewer = context.viewer ?? SEE_ALL;
  const frameworks = [...context.state.frameworks.values(), ...context.state.completedFrameworks]
    .filter((framework) => viewer.framework(framework.info.user))
    .map((framework) => ({ framework, visibility: taskVisibility(viewer, framework.info.user, framework.tasksNameUsers) }))
    .filter(({ visibility }) => visibility !== false);
  return {
    tasks: frameworks.flatMap(({ framework, visibility }) => visibleTasks(visibility, [...framework.tasks.values()].map((tracked) => tracked.task)).map(v1Task)),
    unreachable_tasks: frameworks.flatMap(({ framework, visibility }) => visibleTasks(visibility, framework.unreachableTasks.values()).map(v1Task)),
    completed_tasks: frameworks.flatMap(({ framework, visibility }) => visibleTasks(visibility, framework.completedTasks).map(v1Task)),
  };
}

/** `GetState`: tasks, executors, frameworks and agents in one answer (also SUBSCRIBED's). */
export function v1GetState(context: V1Context): V1Json {
  return {
    get_tasks: v1GetTasks(context),
    get_executors: v1GetExecutors(context),
    get_frameworks: v1GetFrameworks(context),
    get_agents: v1GetAgents(context),
  };
}

/** `GetRoles`: Mesos' `Role` messages (name, weight, frameworks, resources allocated and offered) of the roles the caller may view. */
export function v1GetRoles(context: StateContext, breakdowns?: ReadonlyMap<string, RoleBreakdown>): V1Json {
  const rendered = renderRoles(context, breakdowns).roles as Array<{ name: string; weight: number; frameworks: string[]; resources: Record<string, number> }>;
  const roles = rendered.map((role) => compact({
    name: role.name,
    weight: role.weight,
    frameworks: role.frameworks.map(v1Id),
    resources: Object.entries(role.resources).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } })),
  }));
  return compact({ roles });
}

/** `GetWeights`: the weights set, of the roles the caller may view. */
export function v1GetWeights(context: StateContext): V1Json {
  const viewer = context.viewer ?? SEE_ALL;
  const infos = [...(context.weights ?? new Map<string, number>())].filter(([role]) => viewer.role(role)).map(([role, weight]) => ({ weight, role }));
  return compact({ weight_infos: infos });
}

/** `GetQuota`: Mesos' `QuotaStatus` of the roles `visible` lets through (the ACLs' `get_quotas`). */
export function v1GetQuota(context: StateContext, visible: (role: string) => boolean): V1Json {
  return { status: compact(quotaStatus([...(context.quotas ?? new Map<string, RoleQuota>())].filter(([role]) => visible(role)))) };
}

/**
 * Mesos' `QuotaStatus` of `quotas` (GET_QUOTA's and `GET /master/quota`'s): `infos`, the legacy
 * QuotaInfos (a guarantee as Resources; none for a role with limits only, as Mesos leaves an
 * empty list out), and `configs`, the QuotaConfigs (maps of name to Value.Scalar, `{"cpus":
 * {"value": 2}}`).
 */
export function quotaStatus(quotas: ReadonlyArray<readonly [string, RoleQuota]>): { infos: V1Json[]; configs: V1Json[] } {
  return {
    infos: quotas.map(([role, quota]) => compact({ role, guarantee: Object.entries(quota.guarantees).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } })) })),
    // An empty map is left out, as Mesos leaves out a map (a repeated field) with no entries: protobuf cannot tell it from none.
    configs: quotas.map(([role, quota]) => compact({ role, guarantees: nonEmptyScalarMap(quota.guarantees), limits: nonEmptyScalarMap(quota.limits) })),
  };
}

/** `values` as a `Value.Scalar` map (`v1ScalarMap`), or undefined when it has none. */
function nonEmptyScalarMap(values: Readonly<Record<string, number>>): V1Json | undefined {
  return Object.keys(values).length === 0 ? undefined : v1ScalarMap(values);
}

/** `GetMaster`: who the master is (with its capabilities, as Mesos' `MasterInfo`), and since when (seconds). */
export function v1GetMaster(info: MasterInfo, startTimeMs: number, electedTimeMs: number): V1Json {
  const masterInfo = { ...v1MasterInfo(info), capabilities: MASTER_CAPABILITIES_JSON };
  return { master_info: masterInfo, start_time: startTimeMs / 1000, elected_time: electedTimeMs / 1000 };
}

/**
 * An agent as `GetAgents.Agent`, as `viewer` may view it (`v1ViewableAgent`). Its allocated and
 * offered resources are split by the role they are allocated or offered to, each carrying it
 * (`allocation_info`), as Mesos' are; its total resources and its info's carry none.
 */
export function v1Agent(state: MasterState, agent: AgentRecord, viewer: StateViewer = SEE_ALL): V1Json {
  const deactivation = state.deactivatedAgents.get(agent.id);
  const drain = deactivation?.drain;
  const rendered = compact({
    agent_info: v1AgentInfo({ ...agent.info, id: agent.id }),
    active: agent.active,
    deactivated: deactivation !== undefined,
    version: agent.version,
    pid: agent.pid.toString(),
    registered_time: v1TimeInfo(agent.registeredTimeMs),
    reregistered_time: agent.reregisteredTimeMs === undefined ? undefined : v1TimeInfo(agent.reregisteredTimeMs),
    total_resources: v1Resources(agent.total.toJSON()),
    allocated_resources: v1ResourcesByRole(state.agentUsedByRole(agent)),
    offered_resources: v1ResourcesByRole(state.agentOfferedByRole(agent)),
    capabilities: v1AgentCapabilities(agent.capabilities),
    // Mesos' `drain_info` and `estimated_drain_start_time` (of a drained agent only).
    drain_info: drain === undefined ? undefined : drainInfoJson(drain),
    estimated_drain_start_time: drain === undefined || deactivation?.estimatedDrainStartTimeMs === undefined ? undefined : v1TimeInfo(deactivation.estimatedDrainStartTimeMs),
  });
  return v1ViewableAgent(rendered, viewer);
}

/** Each capability list agents share (`agentCapabilities`) as v1 JSON, made once. */
const capabilitiesJson = new WeakMap<readonly string[], readonly V1Json[]>();

/**
 * An agent's capabilities (as the master keeps them: the names Mesos knows, once each, in its enum
 * order, as `/master/state` lists them) as `GetAgents.Agent.capabilities`, Mesos'
 * `AgentInfo.Capability` messages: `[{"type": "MULTI_ROLE"}, ...]` (`createAgentResponse`).
 */
function v1AgentCapabilities(capabilities: readonly string[]): readonly V1Json[] {
  const known = capabilitiesJson.get(capabilities);
  if (known !== undefined) return known;
  const rendered = Object.freeze(capabilities.map((type) => Object.freeze({ type })));
  capabilitiesJson.set(capabilities, rendered);
  return rendered;
}

/** A framework as `GetFrameworks.Framework` (FRAMEWORK_ADDED and FRAMEWORK_UPDATED carry it too); its `offers` last. */
export function v1Framework(context: V1Context, framework: FrameworkRecord): V1Json {
  const offers = [...framework.offerIds].flatMap((offerId) => {
    const record = context.state.offers.get(offerId);
    const offer = record === undefined ? undefined : v1FrameworkOffer(context, record);
    return offer === undefined ? [] : [offer];
  });
  return compact({ ...v1FrameworkHead(context.state, framework), offers });
}

/**
 * What a framework uses and is offered, by role, when given rather than read from the books (a
 * rendering finishing in later turns: `StateFragments`).
 */
export interface V1FrameworkSums {
  readonly used: ResourcesByRole;
  readonly offered: ResourcesByRole;
}

/**
 * A framework's fields in `GetFrameworks.Framework` but its `offers`. Its allocated and offered
 * resources are split by the role they are allocated or offered to, each carrying it
 * (`allocation_info`), as Mesos' are.
 */
export function v1FrameworkHead(state: MasterState, framework: FrameworkRecord, sums?: V1FrameworkSums): V1Json {
  return compact({
    framework_info: v1FrameworkInfo(framework.info),
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: v1TimeInfo(framework.registeredTimeMs),
    reregistered_time: framework.reregisteredTimeMs === undefined ? undefined : v1TimeInfo(framework.reregisteredTimeMs),
    unregistered_time: framework.unregisteredTimeMs === undefined ? undefined : v1TimeInfo(framework.unregisteredTimeMs),
    allocated_resources: v1ResourcesByRole(sums?.used ?? state.frameworkUsedByRole(framework)),
    offered_resources: v1ResourcesByRole(sums?.offered ?? state.frameworkOfferedByRole(framework)),
    // Its outstanding inverse offers (maintenance), as Mesos' `GetFrameworks.Framework.inverse_offers`.
    inverse_offers: [...state.inverseOffersOf(framework.id)].map((record) => v1InverseOffer(record.offer, record.url)),
  });
}

/** An outstanding offer in its framework's `offers`; undefined when its agent is no longer registered. */
export function v1FrameworkOffer(context: V1Context, record: OfferRecord): V1Json | undefined {
  const endpoint = context.agentEndpoint(record.offer.agentId);
  return endpoint === undefined ? undefined : v1Offer(record.offer, endpoint);
}

/**
 * Resources by role as a v1 list: each role's (roles by name, empty ones left out) with that role
 * as every resource's `allocation_info.role`.
 *
 * @example
 *   v1ResourcesByRole(new Map([['eng', Resources.parse('cpus:1')]]))
 *   // [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'eng' } }]
 */
export function v1ResourcesByRole(byRole: ResourcesByRole): V1Json[] {
  return sortedByRole(byRole).flatMap(([role, resources]) => v1Resources(resources.toJSON(), role));
}

/** The operator events of this master (`master.proto`'s `Event`), built from the books as they change. */
export const v1Events = {
  /** SUBSCRIBED: the whole state the subscriber may view, and how often heartbeats come. */
  subscribed(context: V1Context, heartbeatIntervalSeconds: number): V1Json {
    return { type: 'SUBSCRIBED', subscribed: { get_state: v1GetState(context), heartbeat_interval_seconds: heartbeatIntervalSeconds } };
  },
  taskAdded(task: Task): V1Json {
    return { type: 'TASK_ADDED', task_added: { task: v1Task(task) } };
  },
  /** TASK_UPDATED: `status` just recorded, `state` the task's latest state. */
  taskUpdated(task: Task, status: TaskStatus): V1Json {
    return { type: 'TASK_UPDATED', task_updated: { framework_id: v1Id(task.frameworkId), status: v1TaskStatus(status), state: task.state } };
  },
  frameworkAdded(context: V1Context, framework: FrameworkRecord): V1Json {
    return { type: 'FRAMEWORK_ADDED', framework_added: { framework: v1Framework(context, framework) } };
  },
  frameworkUpdated(context: V1Context, framework: FrameworkRecord): V1Json {
    return { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: v1Framework(context, framework) } };
  },
  frameworkRemoved(framework: FrameworkRecord): V1Json {
    return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: v1FrameworkInfo(framework.info) } };
  },
  /** AGENT_ADDED: the agent as `viewer` may view it (`v1Agent`). */
  agentAdded(state: MasterState, agent: AgentRecord, viewer: StateViewer = SEE_ALL): V1Json {
    return { type: 'AGENT_ADDED', agent_added: { agent: v1Agent(state, agent, viewer) } };
  },
  agentRemoved(agentId: string): V1Json {
    return { type: 'AGENT_REMOVED', agent_removed: { agent_id: v1Id(agentId) } };
  },
  heartbeat(): V1Json {
    return { type: 'HEARTBEAT' };
  },
};

/** `fields` without the unset (undefined) ones and the empty repeated ones, as Mesos' protobuf JSON leaves them out. */
function compact(fields: Record<string, unknown>): V1Json {
  const out: V1Json = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}
