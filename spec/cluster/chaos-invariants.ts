/**
 * What the chaos simulation (chaos.ts) reads of a cluster and the invariants it checks there.
 *
 * A snapshot is read between steps, when no message is in flight (the virtual clock has
 * settled): the master's books (its `/master/state` JSON, through `dispatch`), the allocator's
 * (through `dispatch`), each live agent's `/state`, and the executors that really run (the
 * in-process launcher's). The checks are pure functions of a snapshot; each returns the broken
 * invariants as sentences, empty when all hold.
 *
 * After every step (`stepInvariants`):
 *   - the allocator's books are consistent (its own `checkInvariants`), and agree with the
 *     master's: per agent, the same total, the same active flag, and allocated = what the
 *     master's live tasks, executors and outstanding offers hold there; per framework and
 *     agent, the same; agents and frameworks the master removed are gone from the allocator;
 *   - nothing is counted twice: on each agent, live tasks + executors + offers fit in the total,
 *     and add up to the master's own used + offered figures; no task is listed twice;
 *   - every live task at the master (TASK_RUNNING ones included) is on a registered agent;
 *   - what runs is known: every live task in the books of an agent registered at that pid is live
 *     at the master on that agent; every task an executor runs is live in its agent's books, and
 *     runs in one executor only; every custom executor that runs is tracked by the master;
 *   - with reservations read (`ChaosOptions.reservations`): the allocator's totals and allocations
 *     equal the master's with reservations told apart, and nothing is held for a role on resources
 *     reserved to another (`allocatorAgreesOnReservations`); every total, at the master and at the
 *     agent, is the agent's declared resources with its dynamic reservations and persistent volumes
 *     applied (`totalsHoldDeclared`); once nothing is in flight, an agent registered as both see it
 *     holds the reservations and volumes the master has for it (`reservationsAgree`, which the run
 *     calls when that is so); no two volumes of one role on an agent share a persistence id, a
 *     volume is used or offered whole, and a task's volumes stay on its agent while it runs
 *     (`volumesHold`, with the tasks' volumes read from the frameworks: `taskVolumes`).
 * At quiescence, after the faults stopped and time passed (`clusterSettled`, `frameworkSettled`,
 * `frameworkGone`, `reconciliationAgrees`): the agents that run are exactly those registered,
 * connected and active; what the master has live on an agent is live there in the same state;
 * the executors the master tracks run, and every executor runs a task the master has RUNNING
 * there; every task launched settled (terminal, RUNNING everywhere, or unreachable); torn-down
 * frameworks left nothing behind; and reconciliation, implicit and explicit, agrees.
 * With task groups (`ChaosOptions.taskGroups`): after every step, a group is all-or-nothing at the
 * master and its tasks run under its executor (`taskGroupsHold`); at quiescence, no task of a group
 * still runs once a sibling failed or was killed (`groupPolicyHolds`); and, with volumes, between
 * two checks of one master a volume's size changes only when a framework resized it, keeping its
 * persistence id (`resizesKeepVolumes`).
 * With operator removals (`ChaosOptions.operatorRemovals`): after every step, an agent marked gone
 * is gone for good at whichever master leads (`goneAgentsStayGone`), and a framework torn down is
 * completed at the master that tore it down and never connected or active at any
 * (`tornDownFrameworksStayDown`); at quiescence no gone agent runs (`goneAgentsStopped`) and an
 * unknown task on a gone agent reconciles as TASK_GONE_BY_OPERATOR (`reconciliationAgrees`).
 */
import { z } from 'zod';
import { dispatch } from '../../lib/actor';
import { isTerminalState, TaskStateSchema, type TaskState } from '../../lib/protocol';
import { isAllocatableTo, Resources, type Resource } from '../../lib/resources';
import { renderResources } from '../../lib/state-json';
import { applyCheckpointedResources, checkpointedResourcesError } from '../../actors/agent/checkpointed-resources';
import { GAUGED_RESOURCES } from '../../actors/master/metrics';
import type { AgentView, HoldingView } from '../../actors/allocator';
import type { Agent } from '../../actors/agent';
import type { AgentPhase } from '../../actors/agent/agent';
import { describeStream, isAgentRemoval, SHARED_PERSISTENCE_IDS, type FrameworkModel, type LaunchedTask, type Observation, type ReconciliationAnswer, type SentResize } from './chaos-framework';
import type { Cluster } from './simulation';
import { firstDifference } from '../support/text-difference';

// ---- the snapshot -----------------------------------------------------------------------------

/** Resources as the state endpoints render them: `{cpus: 1, mem: 128, ports: "[31000-32000]"}`. */
const RenderedResourcesSchema = z.record(z.string(), z.union([z.number(), z.string()]));
const MasterTaskSchema = z.object({
  id: z.string(), framework_id: z.string(), slave_id: z.string(), state: TaskStateSchema, resources: RenderedResourcesSchema,
  executor_id: z.string().optional(),
  statuses: z.array(z.object({ state: TaskStateSchema, timestamp: z.number(), source: z.string().optional(), reason: z.string().optional() })),
});
const MasterOfferSchema = z.object({ id: z.string(), framework_id: z.string(), slave_id: z.string(), resources: RenderedResourcesSchema, allocation_info: z.object({ role: z.string() }).optional() });
const MasterExecutorSchema = z.object({ executor_id: z.string(), framework_id: z.string(), slave_id: z.string(), resources: RenderedResourcesSchema });
const MasterFrameworkSchema = z.object({
  id: z.string(), name: z.string(), connected: z.boolean(), active: z.boolean(), roles: z.array(z.string()).optional(),
  tasks: z.array(MasterTaskSchema), unreachable_tasks: z.array(MasterTaskSchema), completed_tasks: z.array(MasterTaskSchema),
  offers: z.array(MasterOfferSchema), executors: z.array(MasterExecutorSchema),
});
const MasterAgentSchema = z.object({
  id: z.string(), pid: z.string(), active: z.boolean(), connected: z.boolean(),
  resources: RenderedResourcesSchema, used_resources: RenderedResourcesSchema, offered_resources: RenderedResourcesSchema,
  // An operator's DEACTIVATE_AGENT or DRAIN_AGENT (actors/master/drain.ts; `ChaosOptions.drainAgents` checks them).
  deactivated: z.boolean().optional(),
  drain_info: z.object({ state: z.string(), config: z.object({ mark_gone: z.boolean().optional() }).optional() }).optional(),
});
const MasterStateSchema = z.object({
  frameworks: z.array(MasterFrameworkSchema), completed_frameworks: z.array(z.object({ id: z.string() })), slaves: z.array(MasterAgentSchema),
  recovered_slaves: z.array(z.object({ id: z.string() })), unreachable_slaves: z.number(),
});
const AgentTaskSchema = z.object({ id: z.string(), framework_id: z.string(), state: TaskStateSchema });
/** An agent's resources in full (Mesos JSON lists), as `/master/slaves` and an agent's `/state` show them: reserved per role, and unreserved. */
const FullResourcesSchema = z.object({ reserved_resources_full: z.record(z.string(), z.array(z.unknown())), unreserved_resources_full: z.array(z.unknown()) });
/** What `/master/slaves` adds for reservations: each agent's total, used and offered resources in full. */
const MasterSlavesSchema = z.object({
  slaves: z.array(FullResourcesSchema.extend({
    id: z.string(), hostname: z.string(), used_resources_full: z.array(z.unknown()), offered_resources_full: z.array(z.unknown()),
  })),
});
const AgentStateSchema = z.object({
  id: z.string(),
  pid: z.string(),
  hostname: z.string().optional(),
  /** Set while the agent drains (`ChaosOptions.drainAgents` checks it). */
  drain_config: z.unknown().optional(),
  reserved_resources_full: FullResourcesSchema.shape.reserved_resources_full.optional(),
  unreserved_resources_full: FullResourcesSchema.shape.unreserved_resources_full.optional(),
  frameworks: z.array(z.object({
    id: z.string(),
    /** Queued tasks are TaskInfos, as Mesos' agent writes them: no framework id or state (a queued task is TASK_STAGING). */
    executors: z.array(z.object({ id: z.string(), tasks: z.array(AgentTaskSchema), queued_tasks: z.array(z.object({ id: z.string() })) })),
  })),
});

/** Rendered resources. */
export type RenderedResources = z.infer<typeof RenderedResourcesSchema>;
/** A task in the master's books. */
export type MasterTask = z.infer<typeof MasterTaskSchema>;
/** The master's books, as `/master/state` shows them. */
export type MasterView = z.infer<typeof MasterStateSchema>;
/** An agent's books, as its `/state` shows them, and its phase (RUNNING once registered, as it sees it; absent in hand-made snapshots). */
export type AgentStateView = z.infer<typeof AgentStateSchema> & { readonly phase?: AgentPhase };

/** The allocator's books for the agents and frameworks the snapshot asks about. */
export interface AllocatorSnapshot {
  /** Its own consistency check (`checkInvariants`): the error, or undefined. */
  readonly booksError: string | undefined;
  /** Agents by id (undefined: unknown to the allocator). */
  readonly agents: ReadonlyMap<string, AgentView | undefined>;
  /** Holdings of each of the master's frameworks (completed ones too), or why the allocator refused to say. */
  readonly holdings: ReadonlyMap<string, HoldingView[] | string>;
}

/** An executor that really runs, and the tasks it runs. */
export interface ExecutorSnapshot {
  readonly agentPid: string;
  readonly agentId: string;
  readonly frameworkId: string;
  readonly executorId: string;
  /** A framework's own executor (the master tracks those), not the agent's command executor. */
  readonly custom: boolean;
  readonly runningTaskIds: readonly string[];
  /** Its link to its agent broke and, its framework checkpointing, it waits for the agent to reconnect (ignoring what it is sent meanwhile). */
  readonly waitingForAgent?: boolean;
}

/** An agent's resources in full at the master (`/master/slaves`): what dynamic reservations are checked against. */
export interface MasterAgentResources {
  readonly hostname: string;
  /** Its total: its declared resources with its reservations applied. */
  readonly total: Resources;
  /** What its live tasks and executors use, and what is offered of it. */
  readonly allocated: Resources;
}

/** What reservations are checked against (read with `ChaosOptions.reservations` only: the other runs read what they always did). */
export interface ReservationsSnapshot {
  /** Each registered agent's resources in full, by agent id. */
  readonly master: ReadonlyMap<string, MasterAgentResources>;
  /** The `--resources` each agent declares, by hostname (one slot, one machine). */
  readonly declared: ReadonlyMap<string, Resources>;
}

/** Everything the invariants read. */
export interface ClusterSnapshot {
  readonly master: MasterView;
  readonly allocator: AllocatorSnapshot;
  /** The live agent actors' books. */
  readonly agents: readonly AgentStateView[];
  readonly executors: readonly ExecutorSnapshot[];
  /** Ids of agents that ran in the cluster and that the master no longer lists. */
  readonly goneAgentIds: readonly string[];
  /** What the master's registry holds (durably): agents admitted, marked unreachable, marked gone (MARK_AGENT_GONE). */
  readonly registry: {
    readonly admitted: readonly string[]; readonly unreachable: readonly string[]; readonly gone?: readonly string[];
    /** Agents deactivated by an operator (DEACTIVATE_AGENT, DRAIN_AGENT), each with its draining if drained. */
    readonly deactivated?: ReadonlyMap<string, { readonly state: string; readonly config?: { readonly mark_gone?: boolean } } | undefined>;
  };
  /** The master's `/metrics/snapshot` values (its own, without the allocator's). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The faults have stopped and time has passed: nothing may be held up any more. */
  readonly quiescent?: boolean;
  /** Updates each live agent still waits to see acknowledged, by agent id: their uuids. */
  readonly pendingUpdates: ReadonlyMap<string, readonly string[]>;
  /** Where the state endpoints' text put together from fragments differs from a fresh rendering (absent: nowhere). */
  readonly stateTextMismatch?: string;
  /** With `reservations` read: the agents' resources in full. */
  readonly reservations?: ReservationsSnapshot;
  /**
   * With volumes (`ChaosOptions.volumes`): the persistent volumes each task its framework launched
   * asked for, by `frameworkId/taskId` (what the master keeps of a task shows its resources summed,
   * volumes and all, so the frameworks say).
   */
  readonly taskVolumes?: ReadonlyMap<string, Resources>;
}

/** Reads a snapshot; `everAgentIds` are the ids of every agent that registered so far; with `reservations`, the agents' resources in full too. */
export async function readSnapshot(cluster: Cluster, everAgentIds: ReadonlySet<string>, reservations = false): Promise<ClusterSnapshot> {
  // The state and the metrics are read in one turn of the master: read in two, anything the
  // master handled between them (an offer made on the real clock) would show in one only.
  const rendered = await dispatch(cluster.master.master, (actor) => ({ texts: actor.renderedTexts(), metrics: actor.metrics() }));
  // The state rendered afresh (its text is compared with the fragments' below): not rendered a third time.
  const master = MasterStateSchema.parse(JSON.parse(rendered.texts.state.fresh));
  const mismatches = Object.entries(rendered.texts).flatMap(([format, { fragments, fresh }]) => {
    const difference = firstDifference(fresh, fragments);
    return difference === undefined ? [] : [`${format}: ${difference}`];
  });
  const stateTextMismatch = mismatches.length > 0 ? mismatches.join('; ') : undefined;
  const masterAgentIds = new Set(master.slaves.map((agent) => agent.id));
  const goneAgentIds = [...everAgentIds].filter((agentId) => !masterAgentIds.has(agentId));
  const allocator = await dispatch(cluster.master.allocator.process, (books): AllocatorSnapshot => {
    let booksError: string | undefined;
    try {
      books.checkInvariants();
    } catch (error) {
      booksError = error instanceof Error ? error.message : String(error);
    }
    const agents = new Map([...masterAgentIds, ...goneAgentIds].map((agentId) => [agentId, books.agent(agentId)] as const));
    const frameworkIds = [...master.frameworks, ...master.completed_frameworks].map((framework) => framework.id);
    const holdings = new Map(frameworkIds.map((frameworkId) => [frameworkId, holdingsOrError(() => books.holdings(frameworkId))] as const));
    return { booksError, agents, holdings };
  });
  const live = cluster.agents.flatMap((slot) => (slot.agent !== undefined && !slot.terminated ? [slot.agent.agent] : []));
  const agents = await Promise.all(live.map(readAgentState));
  const executors = cluster.launcher.executors().map(({ executor, launch }) => ({
    agentPid: launch.agentPid, agentId: launch.agentId, frameworkId: launch.frameworkId, executorId: launch.executorId,
    custom: !launch.commandExecutor, runningTaskIds: executor.runningTaskIds(), waitingForAgent: executor.isWaitingForAgent(),
  }));
  const registry = {
    admitted: cluster.master.registry.agents().map((agent) => agent.id),
    unreachable: cluster.master.registry.unreachable().map((agent) => agent.id),
    gone: cluster.master.registry.gone().map((agent) => agent.id),
    deactivated: new Map([...cluster.master.registry.deactivatedAgents()].map(([agentId, drain]) => [agentId, drain === undefined ? undefined : { state: drain.state, config: { mark_gone: drain.config.markGone } }] as const)),
  };
  const { metrics } = rendered;
  const pendingUpdates = new Map(await Promise.all(live.map(async (agent) => {
    const pending = await dispatch(agent, (actor) => actor.pendingStatusUpdates());
    return [pending[0]?.agentId ?? agent.id, pending.flatMap((update) => (update.uuid === undefined ? [] : [update.uuid]))] as const;
  })));
  return {
    master, allocator, agents, executors, goneAgentIds, registry, metrics, pendingUpdates, ...(stateTextMismatch !== undefined ? { stateTextMismatch } : {}),
    // The text the renderings were compared with: read with no call of its own, so the message trace stays as it was.
    ...(reservations ? { reservations: readReservations(cluster, rendered.texts.slaves.fresh) } : {}),
  };
}

/** The agents' resources in full, from `/master/slaves`' text, and what each slot declares. */
function readReservations(cluster: Cluster, slavesText: string): ReservationsSnapshot {
  const slaves = MasterSlavesSchema.parse(JSON.parse(slavesText)).slaves;
  const master = new Map(slaves.map((agent) => [agent.id, {
    hostname: agent.hostname, total: fullResources(agent),
    allocated: Resources.fromJSON(unallocated(agent.used_resources_full)).add(Resources.fromJSON(unallocated(agent.offered_resources_full))),
  }] as const));
  return { master, declared: new Map(cluster.agents.map((slot) => [slot.hostname, Resources.parse(slot.resources)])) };
}

/**
 * Resources of `used_resources_full` or `offered_resources_full` without the role each is
 * allocated or offered to (`allocation_info`, as Mesos writes it), which `Resources` does not hold.
 */
function unallocated(entries: readonly unknown[]): unknown[] {
  return entries.map((entry) => {
    if (typeof entry !== 'object' || entry === null) return entry;
    const copy: Record<string, unknown> = { ...entry };
    delete copy.allocation_info;
    return copy;
  });
}

/** An agent's total from its `*_resources_full`: the unreserved and every role's reserved resources. */
export function fullResources(agent: Partial<z.infer<typeof FullResourcesSchema>>): Resources {
  let total = Resources.fromJSON(agent.unreserved_resources_full ?? []);
  for (const reserved of Object.values(agent.reserved_resources_full ?? {})) total = total.add(Resources.fromJSON(reserved));
  return total;
}

/** `/master/state`, `/master/state-summary` and GET_STATE put together from kept fragments are the state rendered afresh, to the character. */
export function renderedStateAgrees(snapshot: ClusterSnapshot): string[] {
  return snapshot.stateTextMismatch === undefined ? [] : [`the state endpoints' text from fragments differs from a fresh rendering: ${snapshot.stateTextMismatch}`];
}

function holdingsOrError(read: () => HoldingView[]): HoldingView[] | string {
  try {
    return read();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** An agent's `/state`, read through its route inside its mailbox (as `GET /slave(N)/state` would), and its phase (`AgentPhase`) as it was then. */
export async function readAgentState(agent: Agent): Promise<AgentStateView> {
  // Its books as `/state` renders them, read past the route: the route answers 503 while the
  // agent recovers (as Mesos), and the checks read a recovering agent's books too.
  const { body, phase } = await dispatch(agent, (actor) => ({ body: actor.stateResponse(undefined).body, phase: actor.currentPhase() }));
  return { ...AgentStateSchema.parse(body), phase };
}

// ---- resources ---------------------------------------------------------------------------------

/** Rendered resources back as resources (roles are summed away, as in the rendering). */
export function fromRendered(rendered: RenderedResources): Resources {
  const parts = Object.entries(rendered)
    .filter(([, value]) => value !== 0 && value !== '')
    .map(([name, value]) => `${name}:${typeof value === 'number' ? value : value.replace(/\s+/g, '')}`);
  return parts.length === 0 ? Resources.EMPTY : Resources.parse(parts.join(';'));
}

/** Resources with their roles summed away, comparable with `fromRendered`'s. */
function flat(resources: Resources): Resources {
  return fromRendered(renderResources(resources));
}

function sum(items: Iterable<Resources>): Resources {
  let total = Resources.EMPTY;
  for (const item of items) total = total.add(item);
  return total;
}

/** States whose resources the master still counts (Mesos: not terminal, not unreachable). */
export function holdsResources(state: TaskState): boolean {
  return !isTerminalState(state) && state !== 'TASK_UNREACHABLE';
}

// ---- invariants after every step ---------------------------------------------------------------

/** The master's live tasks, over all frameworks. */
function masterTasks(master: MasterView): MasterTask[] {
  return master.frameworks.flatMap((framework) => framework.tasks);
}

/**
 * What the master counts on an agent (optionally for one framework): live tasks, executors and
 * outstanding offers, from its task, executor and offer lists (not from its own totals).
 */
function masterHoldings(master: MasterView, agentId: string, frameworkId?: string): Resources {
  const frameworks = master.frameworks.filter((framework) => frameworkId === undefined || framework.id === frameworkId);
  const tasks = frameworks.flatMap((framework) => framework.tasks).filter((task) => task.slave_id === agentId && holdsResources(task.state));
  const executors = frameworks.flatMap((framework) => framework.executors).filter((executor) => executor.slave_id === agentId);
  const offers = frameworks.flatMap((framework) => framework.offers).filter((offer) => offer.slave_id === agentId);
  return sum([...tasks, ...executors, ...offers].map((item) => fromRendered(item.resources)));
}

/** Allocator books are consistent, and agree with the master's, agent by agent and framework by framework. */
export function masterAgreesWithAllocator(snapshot: ClusterSnapshot): string[] {
  const { master, allocator } = snapshot;
  const broken: string[] = [];
  if (allocator.booksError !== undefined) broken.push(`the allocator's books are inconsistent: ${allocator.booksError}`);
  for (const agent of master.slaves) {
    const view = allocator.agents.get(agent.id);
    if (view === undefined) {
      broken.push(`agent ${agent.id} is registered at the master but unknown to the allocator`);
      continue;
    }
    const total = fromRendered(agent.resources);
    if (!flat(view.total).equals(total)) broken.push(`agent ${agent.id}: total ${total.format()} at the master, ${flat(view.total).format()} at the allocator`);
    if (view.active !== agent.active) broken.push(`agent ${agent.id}: ${agent.active ? 'active' : 'inactive'} at the master, ${view.active ? 'active' : 'inactive'} at the allocator`);
    const held = masterHoldings(master, agent.id);
    if (!flat(view.allocated).equals(held)) {
      broken.push(`agent ${agent.id}: the master's tasks, executors and offers hold ${held.format()}, the allocator has ${flat(view.allocated).format()} allocated`);
    }
  }
  for (const agentId of snapshot.goneAgentIds) {
    if (allocator.agents.get(agentId) !== undefined) broken.push(`agent ${agentId} is gone from the master but still in the allocator`);
  }
  for (const framework of master.frameworks) broken.push(...frameworkAgreement(snapshot, framework.id));
  for (const framework of master.completed_frameworks) {
    const holdings = allocator.holdings.get(framework.id);
    if (Array.isArray(holdings)) broken.push(`framework ${framework.id} was torn down, but the allocator still has it, holding ${holdings.map((holding) => `${holding.resources.format()} on ${holding.agentId}`).join(', ') || 'nothing'}`);
  }
  return broken;
}

/**
 * With reservations read, the allocator's books agree with the master's in full, reservations
 * told apart (the checks above sum roles away): per agent the same total and the same allocated
 * resources (what the master's tasks, executors and offers hold); and every holding is of
 * resources its role may use, unreserved or reserved to it or an ancestor (Mesos'
 * `isAllocatableTo`): no offer, and no task, on resources reserved to another role.
 */
export function allocatorAgreesOnReservations(snapshot: ClusterSnapshot): string[] {
  const reservations = snapshot.reservations;
  if (reservations === undefined) return [];
  const broken: string[] = [];
  for (const [agentId, atMaster] of reservations.master) {
    const view = snapshot.allocator.agents.get(agentId);
    if (view === undefined) continue; // `masterAgreesWithAllocator` says so
    if (!view.total.equals(atMaster.total)) broken.push(`agent ${agentId}: total ${atMaster.total.format()} at the master, ${view.total.format()} at the allocator`);
    if (!view.allocated.equals(atMaster.allocated)) broken.push(`agent ${agentId}: the master's tasks, executors and offers hold ${atMaster.allocated.format()}, the allocator has ${view.allocated.format()} allocated`);
  }
  for (const [frameworkId, holdings] of snapshot.allocator.holdings) {
    if (typeof holdings === 'string') continue;
    for (const holding of holdings) {
      const foreign = holding.resources.filter((entry) => !isAllocatableTo(entry.role, holding.role));
      if (!foreign.isEmpty()) broken.push(`framework ${frameworkId} holds ${foreign.format()} on ${holding.agentId} for role ${holding.role}, reserved to another role`);
    }
  }
  return broken;
}

/**
 * With reservations read, no resource is made or lost by reservations or volumes: each agent's
 * total, at the master and at the agent, is its declared resources with its checkpointed
 * resources applied (every dynamic reservation carved out of unreserved declared resources, every
 * volume out of the reserved disk it was made of; Mesos' `applyCheckpointedResources`).
 */
export function totalsHoldDeclared(snapshot: ClusterSnapshot): string[] {
  const reservations = snapshot.reservations;
  if (reservations === undefined) return [];
  const broken: string[] = [];
  const check = (where: string, hostname: string | undefined, total: Resources): void => {
    const declared = hostname === undefined ? undefined : reservations.declared.get(hostname);
    if (declared === undefined) return void broken.push(`${where}: no agent slot declares resources for host ${hostname ?? '?'}`);
    const checkpointed = total.checkpointed();
    const error = checkpointedResourcesError(declared, checkpointed);
    if (error !== undefined) return void broken.push(`${where}: its reservations ${checkpointed.format()} do not fit its declared ${declared.format()}: ${error}`);
    const expected = applyCheckpointedResources(declared, checkpointed);
    if (!expected.equals(total)) broken.push(`${where}: total ${total.format()}, but its declared ${declared.format()} with its reservations applied is ${expected.format()}`);
  };
  for (const [agentId, atMaster] of reservations.master) check(`agent ${agentId} at the master`, atMaster.hostname, atMaster.total);
  for (const agent of snapshot.agents) check(`agent ${agent.pid} (${agent.id || 'no id'}) itself`, agent.hostname, fullResources(agent));
  return broken;
}

/**
 * With reservations read and the cluster converged (`converged`: nothing held up or in flight
 * that could carry a CheckpointResources), each agent registered at the master, as both see it
 * (connected there, RUNNING itself), holds the dynamic reservations and persistent volumes the
 * master has for it (its checkpointed resources): one it missed (a partition dropped it, or it
 * came while the agent re-registered) is sent again when it re-registers.
 */
export function reservationsAgree(snapshot: ClusterSnapshot, converged: boolean): string[] {
  const reservations = snapshot.reservations;
  if (reservations === undefined || !converged) return [];
  const broken: string[] = [];
  for (const agent of snapshot.agents) {
    const registered = snapshot.master.slaves.find((candidate) => candidate.id === agent.id && candidate.pid === agent.pid);
    const atMaster = registered === undefined ? undefined : reservations.master.get(registered.id);
    if (registered === undefined || !registered.connected || atMaster === undefined) continue;
    // Once the faults have stopped and time has passed, an agent the master has connected knows it is registered.
    if (snapshot.quiescent === true && agent.phase !== 'RUNNING') broken.push(`agent ${agent.id} (${agent.pid}) is connected at the master but ${agent.phase ?? '?'} itself`);
    if (agent.phase !== 'RUNNING') continue;
    const master = atMaster.total.checkpointed();
    const own = fullResources(agent).checkpointed();
    if (!master.equals(own)) broken.push(`agent ${agent.id} (${agent.pid}) holds the reservations ${own.format() || 'none'}; the master has ${master.format() || 'none'} for it`);
  }
  return broken;
}

/**
 * With reservations read, persistent volumes are what they must be (with none, nothing to check):
 *   - no two volumes of one role on an agent share a persistence id, at the master and at the
 *     agent itself (Mesos' `validateUniquePersistenceID`: the id names the volume's directory);
 *   - a volume is held whole or not at all: what the master's tasks, executors and offers hold of
 *     one on an agent is the volume as its total has it (not part of it, not it twice);
 *   - with the tasks' volumes known (`taskVolumes`), each task live at the master uses volumes its
 *     agent's total there holds, whole (none destroyed while the task runs); and each task live in
 *     an agent's books that the master has live there too uses volumes the agent itself holds.
 *     (A task the master does not know, which the agent runs until the master's kill reaches it, is
 *     left out, as `agentsAgreeWithMaster` leaves it out.)
 */
export function volumesHold(snapshot: ClusterSnapshot): string[] {
  const reservations = snapshot.reservations;
  if (reservations === undefined) return [];
  const broken: string[] = [];
  for (const [agentId, atMaster] of reservations.master) {
    broken.push(...duplicatePersistenceIds(`agent ${agentId} at the master`, atMaster.total));
    for (const held of atMaster.allocated.persistentVolumes()) {
      const whole = volumeIn(atMaster.total, held);
      const what = Resources.of([held]).format();
      if (whole === undefined) broken.push(`agent ${agentId}: its tasks, executors and offers hold the volume ${what}, which its total at the master does not have`);
      else if (!Resources.of([whole]).equals(Resources.of([held]))) broken.push(`agent ${agentId}: its tasks, executors and offers hold ${what} of the volume ${Resources.of([whole]).format()} (part of it, or it twice)`);
    }
  }
  for (const agent of snapshot.agents) broken.push(...duplicatePersistenceIds(`agent ${agent.pid} (${agent.id || 'no id'}) itself`, fullResources(agent)));
  if (snapshot.taskVolumes !== undefined) broken.push(...tasksKeepTheirVolumes(snapshot, reservations, snapshot.taskVolumes));
  return broken;
}

/** Where two volumes of one role share a persistence id in `total` (of the agent `where`). */
function duplicatePersistenceIds(where: string, total: Resources): string[] {
  const byId = new Map<string, Resource[]>();
  for (const entry of total.persistentVolumes()) {
    const key = JSON.stringify([entry.role, entry.volume?.id]);
    byId.set(key, [...(byId.get(key) ?? []), entry]);
  }
  return [...byId.values()].filter((entries) => entries.length > 1)
    .map((entries) => `${where}: ${entries.length} volumes of role ${entries[0]?.role ?? '?'} have the persistence id ${entries[0]?.volume?.id ?? '?'}: ${Resources.of(entries).format()}`);
}

/** The volume of `total` that is `volume`'s (the same volume, role and reservation), whatever its amount; undefined when it has none. */
function volumeIn(total: Resources, volume: Resource): Resource | undefined {
  return total.entries().find((entry) => entry.volume?.key === volume.volume?.key && entry.role === volume.role && entry.reservation?.key === volume.reservation?.key);
}

/** Tasks live at the master, and at their agents, whose volumes their agent does not hold whole (`volumesHold`). */
function tasksKeepTheirVolumes(snapshot: ClusterSnapshot, reservations: ReservationsSnapshot, taskVolumes: ReadonlyMap<string, Resources>): string[] {
  const broken: string[] = [];
  const missing = (total: Resources, volumes: Resources): Resources => volumes.filter((volume) => {
    const held = volumeIn(total, volume);
    return held === undefined || !Resources.of([held]).equals(Resources.of([volume]));
  });
  const masterLive = new Map(masterTasks(snapshot.master).filter((task) => holdsResources(task.state)).map((task) => [`${task.framework_id}/${task.id}`, task]));
  for (const [key, task] of masterLive) {
    const volumes = taskVolumes.get(key);
    const total = reservations.master.get(task.slave_id)?.total;
    if (volumes === undefined || total === undefined) continue; // no volumes; or an agent not registered: `liveTasksOnRegisteredAgents` says so
    const gone = missing(total, volumes);
    if (!gone.isEmpty()) broken.push(`task ${key} (${task.state}) uses ${gone.format()}, which its agent ${task.slave_id} does not hold whole at the master (it has ${total.persistentVolumes().format() || 'no volume'})`);
  }
  for (const agent of snapshot.agents) {
    const own = fullResources(agent);
    for (const task of agentLiveTasks(agent)) {
      const key = `${task.framework_id}/${task.id}`;
      const volumes = taskVolumes.get(key);
      const atMaster = masterLive.get(key);
      if (volumes === undefined || atMaster === undefined || atMaster.slave_id !== agent.id) continue;
      const gone = missing(own, volumes);
      if (!gone.isEmpty()) broken.push(`agent ${agent.id} (${agent.pid}) runs ${key} (${task.state}) on ${gone.format()}, which it does not hold whole itself (it has ${own.persistentVolumes().format() || 'no volume'})`);
    }
  }
  return broken;
}

/** One framework's holdings, agent by agent: the master's tasks, executors and offers against the allocator's. */
function frameworkAgreement(snapshot: ClusterSnapshot, frameworkId: string): string[] {
  const holdings = snapshot.allocator.holdings.get(frameworkId);
  if (typeof holdings === 'string' || holdings === undefined) return [`framework ${frameworkId} is registered at the master but the allocator says: ${holdings ?? 'nothing'}`];
  const broken: string[] = [];
  const agentIds = new Set([...snapshot.master.slaves.map((agent) => agent.id), ...holdings.map((holding) => holding.agentId)]);
  for (const agentId of agentIds) {
    const atAllocator = flat(sum(holdings.filter((holding) => holding.agentId === agentId).map((holding) => holding.resources)));
    const atMaster = masterHoldings(snapshot.master, agentId, frameworkId);
    if (!atAllocator.equals(atMaster)) broken.push(`framework ${frameworkId} on agent ${agentId}: the master counts ${atMaster.format()}, the allocator ${atAllocator.format()}`);
  }
  return broken;
}

/** No resource counted twice: live tasks, executors and offers on each agent fit in its total, and the master's own sums agree. */
export function nothingCountedTwice(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  for (const agent of snapshot.master.slaves) {
    const total = fromRendered(agent.resources);
    const held = masterHoldings(snapshot.master, agent.id);
    if (!total.contains(held)) broken.push(`agent ${agent.id}: its live tasks, executors and offers hold ${held.format()}, more than its total ${total.format()}`);
    const reported = fromRendered(agent.used_resources).add(fromRendered(agent.offered_resources));
    if (!reported.equals(held)) broken.push(`agent ${agent.id}: the master reports ${reported.format()} used and offered, its lists add up to ${held.format()}`);
  }
  const seen = new Set<string>();
  for (const task of masterTasks(snapshot.master)) {
    const key = `${task.framework_id}/${task.id}`;
    if (seen.has(key)) broken.push(`task ${key} is listed twice by the master`);
    seen.add(key);
  }
  return broken;
}

/** Every live task the master has (TASK_RUNNING ones included) is on an agent it has registered. */
export function liveTasksOnRegisteredAgents(snapshot: ClusterSnapshot): string[] {
  const agentIds = new Set(snapshot.master.slaves.map((agent) => agent.id));
  return masterTasks(snapshot.master)
    .filter((task) => holdsResources(task.state) && !agentIds.has(task.slave_id))
    .map((task) => `task ${task.framework_id}/${task.id} is ${task.state} at the master on ${task.slave_id}, which the master has not registered`);
}

/**
 * What agents and executors run is known to the master: each live task in a live agent's books
 * (of an agent the master has registered at that pid) is live in the master's books on that
 * agent, and each task an executor runs is live in its agent's books. Tasks of frameworks the
 * master tore down are left out: their agents are shutting them down (`clusterSettled` checks
 * that they are gone in the end).
 */
export function agentsAgreeWithMaster(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  const masterLive = new Map(masterTasks(snapshot.master).filter((task) => holdsResources(task.state)).map((task) => [`${task.framework_id}/${task.id}`, task]));
  const tornDown = new Set(snapshot.master.completed_frameworks.map((framework) => framework.id));
  const givenUp = givenUpTasks(snapshot.master);
  const recorded = recordedTasks(snapshot.master);
  for (const agent of snapshot.agents) {
    const registered = snapshot.master.slaves.find((candidate) => candidate.id === agent.id);
    for (const task of agentLiveTasks(agent)) {
      const key = `${task.framework_id}/${task.id}`;
      if (registered === undefined || registered.pid !== agent.pid || tornDown.has(task.framework_id)) continue;
      // A task the master gave up on (or forgot: its agent came back without it) that turns up is
      // killed when it speaks up; a fault may hold that up. Checked at quiescence.
      if ((givenUp.has(key) || !recorded.has(key)) && !snapshot.quiescent) continue;
      const known = masterLive.get(key);
      if (known === undefined || known.slave_id !== agent.id) broken.push(`agent ${agent.id} runs ${key} (${task.state}), which the master ${known === undefined ? 'does not have live' : `has on ${known.slave_id}`}`);
    }
  }
  const running = new Map<string, ExecutorSnapshot>();
  for (const executor of snapshot.executors) {
    const books = snapshot.agents.find((agent) => agent.pid === executor.agentPid);
    const registered = snapshot.master.slaves.some((agent) => agent.id === executor.agentId && agent.pid === executor.agentPid);
    const stray = !snapshot.quiescent && executor.runningTaskIds.every((taskId) => givenUp.has(`${executor.frameworkId}/${taskId}`) || !recorded.has(`${executor.frameworkId}/${taskId}`));
    if (executor.custom && registered && !stray && !tornDown.has(executor.frameworkId) && !masterTracks(snapshot.master, executor)) {
      broken.push(`executor ${executor.frameworkId}/${executor.executorId} runs on ${executor.agentId}, but the master does not track it there`);
    }
    for (const taskId of executor.runningTaskIds) {
      const key = `${executor.frameworkId}/${taskId}`;
      const twice = running.get(key);
      if (twice !== undefined) broken.push(`task ${key} runs in two executors, on ${twice.agentId} and ${executor.agentId}`);
      running.set(key, executor);
      if (books === undefined) continue; // an executor outliving its agent: checked at quiescence
      if (!agentLiveTasks(books).some((task) => task.framework_id === executor.frameworkId && task.id === taskId)) {
        broken.push(`an executor on ${executor.agentId} runs ${key}, which its agent does not have live`);
      }
    }
  }
  return broken;
}

/** Whether the master tracks `executor` (a framework's own) on its agent. */
function masterTracks(master: MasterView, executor: ExecutorSnapshot): boolean {
  return master.frameworks.some((framework) => framework.id === executor.frameworkId
    && framework.executors.some((tracked) => tracked.executor_id === executor.executorId && tracked.slave_id === executor.agentId));
}

/** The non-terminal tasks in an agent's books (queued ones included). */
export function agentLiveTasks(agent: AgentStateView): Array<z.infer<typeof AgentTaskSchema>> {
  return agent.frameworks.flatMap((framework) => framework.executors.flatMap((executor) => [
    ...executor.tasks,
    ...executor.queued_tasks.map((queued) => ({ id: queued.id, framework_id: framework.id, state: 'TASK_STAGING' as const })),
  ])).filter((task) => !isTerminalState(task.state));
}

/** Every invariant checked after each step. */
export function stepInvariants(snapshot: ClusterSnapshot): string[] {
  return [
    ...masterAgreesWithAllocator(snapshot),
    ...nothingCountedTwice(snapshot),
    ...liveTasksOnRegisteredAgents(snapshot),
    ...agentsAgreeWithMaster(snapshot),
    ...registryAgreesWithMaster(snapshot),
    ...metricsAgreeWithState(snapshot),
    ...renderedStateAgrees(snapshot),
    ...allocatorAgreesOnReservations(snapshot),
    ...totalsHoldDeclared(snapshot),
    ...volumesHold(snapshot),
    ...offersOfCurrentRoles(snapshot),
  ];
}

/**
 * Every outstanding offer is of a role its framework has now (Mesos rescinds a framework's offers
 * of a role it takes away with UPDATE_FRAMEWORK, and offers none of it after).
 */
export function offersOfCurrentRoles(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  for (const framework of snapshot.master.frameworks) {
    for (const offer of framework.offers) {
      const role = offer.allocation_info?.role;
      if (role === undefined || framework.roles === undefined) {
        broken.push(`offer ${offer.id} of framework ${framework.id} is rendered without its allocation role or its framework's roles`);
      } else if (!framework.roles.includes(role)) {
        broken.push(`framework ${framework.id} (roles ${framework.roles.join(', ')}) holds offer ${offer.id} of role ${role}`);
      }
    }
  }
  return broken;
}

/** Every task the master has any record of (live, unreachable or completed), by `frameworkId/taskId`. */
function recordedTasks(master: MasterView): Set<string> {
  return new Set(master.frameworks.flatMap((framework) =>
    [...framework.tasks, ...framework.unreachable_tasks, ...framework.completed_tasks].map((task) => `${framework.id}/${task.id}`)));
}

/** Tasks the master gave up on (lost, unreachable, gone with their agent), by `frameworkId/taskId`. */
function givenUpTasks(master: MasterView): Set<string> {
  const keys = new Set<string>();
  for (const framework of master.frameworks) {
    for (const task of [...framework.completed_tasks, ...framework.unreachable_tasks]) {
      const last = task.statuses.at(-1);
      if (last?.source === 'SOURCE_MASTER' && ['TASK_LOST', 'TASK_UNREACHABLE', 'TASK_GONE_BY_OPERATOR'].includes(task.state)) keys.add(`${framework.id}/${task.id}`);
    }
  }
  return keys;
}

/**
 * At quiescence, an update a framework heard (and acknowledged) is no longer waiting at any
 * agent: its acknowledgement got through, a retry's at the latest.
 */
export function acknowledgedUpdatesGone(snapshot: ClusterSnapshot, heard: ReadonlySet<string>): string[] {
  const broken: string[] = [];
  for (const [agentId, uuids] of snapshot.pendingUpdates) {
    for (const uuid of uuids) if (heard.has(uuid)) broken.push(`agent ${agentId} still waits for an acknowledgement of update ${uuid}, which its framework heard`);
  }
  return broken;
}

/**
 * With nothing in flight, the registry holds what the master's memory does: the agents it
 * admitted are the registered and recovered ones, and it marks as many unreachable.
 */
export function registryAgreesWithMaster(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  const inMemory = new Set([...snapshot.master.slaves, ...snapshot.master.recovered_slaves].map((agent) => agent.id));
  const admitted = new Set(snapshot.registry.admitted);
  for (const agentId of inMemory) if (!admitted.has(agentId)) broken.push(`agent ${agentId} is registered at the master but not admitted in its registry`);
  for (const agentId of admitted) if (!inMemory.has(agentId)) broken.push(`the registry admits agent ${agentId}, which the master neither has registered nor expects back`);
  if (snapshot.registry.unreachable.length !== snapshot.master.unreachable_slaves) {
    broken.push(`the registry marks ${snapshot.registry.unreachable.length} agent(s) unreachable, the master ${snapshot.master.unreachable_slaves}`);
  }
  return broken;
}

/** `/metrics/snapshot` says what `/master/state` shows: tasks by state, agents, frameworks, offers. */
export function metricsAgreeWithState(snapshot: ClusterSnapshot): string[] {
  const { master, metrics } = snapshot;
  const tasks = master.frameworks.flatMap((framework) => framework.tasks);
  const count = <T>(items: readonly T[], test: (item: T) => boolean): number => items.filter(test).length;
  const expected: Record<string, number> = {
    'master/tasks_staging': count(tasks, (task) => task.state === 'TASK_STAGING'),
    'master/tasks_starting': count(tasks, (task) => task.state === 'TASK_STARTING'),
    'master/tasks_running': count(tasks, (task) => task.state === 'TASK_RUNNING'),
    'master/tasks_killing': count(tasks, (task) => task.state === 'TASK_KILLING'),
    'master/tasks_unreachable': master.frameworks.reduce((sum, framework) => sum + framework.unreachable_tasks.length, 0),
    'master/slaves_connected': count(master.slaves, (agent) => agent.connected),
    'master/slaves_active': count(master.slaves, (agent) => agent.active),
    'master/slaves_unreachable': master.unreachable_slaves,
    'mesos_ts/master/recovered_slaves': master.recovered_slaves.length,
    'master/frameworks_connected': count(master.frameworks, (framework) => framework.connected),
    'master/frameworks_active': count(master.frameworks, (framework) => framework.active),
    'master/outstanding_offers': master.frameworks.reduce((sum, framework) => sum + framework.offers.length, 0),
  };
  // The resource gauges are running sums the books keep (O(1) per scrape): they must say what a walk of the agents says.
  for (const name of GAUGED_RESOURCES) {
    expected[`master/${name}_total`] = scalarSum(master.slaves.map((agent) => agent.resources), name);
    expected[`master/${name}_used`] = scalarSum(master.slaves.map((agent) => agent.used_resources), name);
  }
  return Object.entries(expected).filter(([key, value]) => metrics[key] !== value).map(([key, value]) => `/metrics/snapshot says ${key} = ${metrics[key]}, the state ${value}`);
}

/** The sum of scalar `name` over rendered resources, at the resources' precision (0.001). */
function scalarSum(rendered: readonly RenderedResources[], name: string): number {
  const units = rendered.reduce((sum, resources) => sum + Math.round(Number(resources[name] ?? 0) * 1000), 0);
  return units / 1000;
}

// ---- invariants at quiescence ------------------------------------------------------------------

/**
 * After the faults stop and time has passed: every agent that runs is registered, connected
 * and active (inactive only if an operator deactivated it), and nothing else is; what the master has live on an agent runs there, in the same
 * state; every executor belongs to such an agent and runs a task the master has RUNNING there.
 */
export function clusterSettled(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  const { master } = snapshot;
  const running = new Set(snapshot.agents.map((agent) => agent.id));
  for (const agent of master.slaves) {
    if (!running.has(agent.id)) broken.push(`the master still lists agent ${agent.id}, which no longer runs`);
    // An agent an operator deactivated (or drained) is inactive on purpose (`ChaosOptions.drainAgents`).
    else if (!agent.connected || (!agent.active && agent.deactivated !== true)) broken.push(`agent ${agent.id} runs but is ${agent.connected ? '' : 'disconnected and '}${agent.active ? 'active' : 'inactive'} at the master`);
  }
  const tornDown = new Set(master.completed_frameworks.map((framework) => framework.id));
  for (const agent of snapshot.agents) {
    const registered = master.slaves.find((candidate) => candidate.id === agent.id);
    if (registered === undefined || registered.pid !== agent.pid) {
      broken.push(`agent ${agent.pid} (${agent.id || 'no id'}) runs but is not registered at the master`);
      continue;
    }
    for (const task of agentLiveTasks(agent).filter((candidate) => tornDown.has(candidate.framework_id))) {
      broken.push(`agent ${agent.id} still runs ${task.framework_id}/${task.id} (${task.state}) of a framework the master tore down`);
    }
    for (const task of masterTasks(master).filter((candidate) => candidate.slave_id === agent.id && holdsResources(candidate.state))) {
      const here = agentLiveTasks(agent).find((candidate) => candidate.framework_id === task.framework_id && candidate.id === task.id);
      if (here?.state !== task.state) broken.push(`task ${task.framework_id}/${task.id} is ${task.state} at the master but ${here?.state ?? 'unknown'} on agent ${agent.id}`);
    }
  }
  for (const framework of master.frameworks) {
    for (const tracked of framework.executors) {
      const runs = snapshot.executors.some((executor) => executor.custom && executor.frameworkId === framework.id && executor.executorId === tracked.executor_id && executor.agentId === tracked.slave_id);
      if (!runs) broken.push(`the master tracks executor ${framework.id}/${tracked.executor_id} on ${tracked.slave_id}, where it does not run`);
    }
  }
  for (const executor of snapshot.executors) {
    const agent = snapshot.agents.find((candidate) => candidate.pid === executor.agentPid);
    const where = `executor ${executor.frameworkId}/${executor.executorId} on ${executor.agentId}`;
    if (agent === undefined) broken.push(`${where} outlived its agent`);
    if (executor.runningTaskIds.length === 0) broken.push(`${where} runs no task but did not exit`);
    for (const taskId of executor.runningTaskIds) {
      const task = masterTasks(master).find((candidate) => candidate.framework_id === executor.frameworkId && candidate.id === taskId);
      if (task?.state !== 'TASK_RUNNING' || task.slave_id !== executor.agentId) broken.push(`${where} runs ${taskId}, which the master has ${task === undefined ? 'forgotten' : `${task.state} on ${task.slave_id}`}`);
    }
  }
  return broken;
}

/** A framework that was torn down is gone: the master keeps it as completed and nothing of it runs or is held. */
export function frameworkGone(snapshot: ClusterSnapshot, model: FrameworkModel): string[] {
  const frameworkId = model.frameworkId;
  if (frameworkId === undefined) return [];
  const broken: string[] = [];
  const lingering = snapshot.master.frameworks.find((framework) => framework.id === frameworkId);
  // A lost teardown leaves it registered, disconnected, until its failover timeout: what Mesos does too.
  if (lingering !== undefined && model.teardownLost && !lingering.connected) return broken;
  // A master that restarted since knows nothing of completed frameworks (MESOS-1719); an agent
  // that still had its tasks may even bring it back, recovered, without a scheduler.
  if (model.teardownForgotten && (lingering === undefined || !lingering.connected)) return broken;
  if (lingering !== undefined) broken.push(`${model.name} (${frameworkId}) was torn down but is still registered`);
  if (!snapshot.master.completed_frameworks.some((framework) => framework.id === frameworkId)) broken.push(`${model.name} (${frameworkId}) was torn down but is not among the completed frameworks`);
  for (const executor of snapshot.executors.filter((candidate) => candidate.frameworkId === frameworkId)) {
    broken.push(`executor ${executor.executorId} of the torn-down ${model.name} still runs on ${executor.agentId}`);
  }
  return broken;
}

/** What the master answers about a task it no longer has: it does not know the task. */
const UNKNOWN_TASK_ANSWERS: ReadonlySet<TaskState> = new Set<TaskState>(['TASK_LOST', 'TASK_GONE', 'TASK_UNKNOWN', 'TASK_UNREACHABLE', 'TASK_GONE_BY_OPERATOR']);

/**
 * Every task the framework launched ended up in one of these places, and its scheduler is back:
 *   - terminal (its stream settled in a terminal state), and the master no longer has it live;
 *   - TASK_RUNNING, and so it is at the master, in its agent's books, and in an executor there;
 *   - TASK_UNREACHABLE (partition-aware frameworks), kept among the master's unreachable tasks.
 *     A limitation: an agent the master marked unreachable is told to shut down when it comes
 *     back (docs/master.md), so the real state of its tasks never surfaces;
 *   - its stream stopped short, but the master ended the task itself (it removed the agent, or
 *     refused the launch) when no scheduler of the framework was registered, or a fault dropped
 *     an update about the task on its way to the scheduler; and the framework's explicit
 *     reconciliation (`explicit`, the last answers) says the master does not know the task. The
 *     master's own updates carry no uuid and are not retried, as in Mesos: they are lost when
 *     the scheduler is away or the message is dropped, and frameworks learn of them by
 *     reconciling.
 * Anything else (no update at all, or stuck in STAGING, STARTING or KILLING) is broken.
 */
export function frameworkSettled(snapshot: ClusterSnapshot, model: FrameworkModel, explicit: readonly ReconciliationAnswer[]): string[] {
  const framework = snapshot.master.frameworks.find((candidate) => candidate.id === model.frameworkId);
  if (framework === undefined) return [`framework ${model.name} (${model.frameworkId ?? 'never registered'}) is not registered at the master`];
  const broken: string[] = [];
  if (!framework.connected || !framework.active) broken.push(`framework ${model.name} is ${framework.connected ? 'connected' : 'disconnected'} and ${framework.active ? 'active' : 'inactive'} at the master`);
  for (const task of framework.tasks) {
    if (!model.tasks.has(task.id)) broken.push(`the master has ${task.id} (${task.state}) for ${model.name}, which never launched it`);
  }
  for (const task of model.tasks.values()) {
    const answer = explicit.filter((candidate) => candidate.taskId === task.taskId).at(-1);
    const why = taskSettlement(snapshot, framework, model, task, answer);
    if (why !== undefined) broken.push(`${task.taskId} (${task.command}, on ${task.agentId}, stream: ${describeStream(task)}): ${why}`);
  }
  return broken;
}

/** A framework as the master shows it. */
type MasterFramework = MasterView['frameworks'][number];

/** Why one task has not settled properly, or undefined. */
function taskSettlement(snapshot: ClusterSnapshot, framework: MasterFramework, model: FrameworkModel, task: LaunchedTask, answer: ReconciliationAnswer | undefined): string | undefined {
  const settled = task.settled?.state;
  const live = framework.tasks.find((candidate) => candidate.id === task.taskId);
  if (live !== undefined && task.settled !== undefined && missedComeback(model, task, task.settled, live, answer)) return undefined;
  if (settled !== undefined && isTerminalState(settled)) return live === undefined ? undefined : `settled ${settled}, but the master still has it live (${live.state})`;
  if (live !== undefined) return settled === 'TASK_RUNNING' ? runningSettlement(snapshot, framework.id, live) : `stuck in ${settled ?? 'nothing'} (the master has it ${live.state})`;
  // Kept as unreachable, its state may be terminal: the agent's last update reached the master, not the framework.
  if (settled === 'TASK_UNREACHABLE' && framework.unreachable_tasks.some((candidate) => candidate.id === task.taskId)) return undefined;
  const ended = [...framework.completed_tasks, ...framework.unreachable_tasks].filter((candidate) => candidate.id === task.taskId).at(-1);
  const last = ended?.statuses.at(-1);
  const stopped = `its stream stopped at ${settled ?? 'nothing'}`;
  if (ended !== undefined && last?.source !== 'SOURCE_MASTER') return `${stopped}, but the agent ended it (${ended.state}), and agents retry until acknowledged`;
  const sentAtMs = last === undefined ? undefined : last.timestamp * 1000;
  // A task the master gave up on whose agent came back without it leaves the master's books with
  // no update (as in Mesos): the framework learns by reconciling, checked below.
  // A restarted master knows a task only if its agent came back with it (nothing of tasks is in
  // the registry, as in Mesos): one whose agent did not, it never heard of.
  // So does a task the master gave up on once (its agent removed) whose agent came back without
  // it: its RunTask, held by a stall, reached the agent after that, and the master forwarded the
  // updates of a task it no longer knew, as Mesos does, until the agent crashed (seed 205 --reservations).
  const lastHeardMs = task.settled?.atMs ?? task.launchedAtMs;
  const givenUpOnce = task.updates.some((update) => update.source === 'SOURCE_MASTER' && isAgentRemoval(update));
  const forgotten = ended === undefined && (settled === 'TASK_UNREACHABLE' || settled === 'TASK_LOST' || givenUpOnce || model.masterRestartedSince(lastHeardMs));
  if (!forgotten && !model.mayHaveMissed(task.taskId, sentAtMs)) {
    return `${stopped}, though the master ended it (${ended?.state ?? 'refused the launch'}) while a scheduler was registered and no fault dropped the update`;
  }
  if (answer === undefined || !UNKNOWN_TASK_ANSWERS.has(answer.status.state)) return `${stopped}, and reconciliation says ${answer?.status.state ?? 'nothing'}`;
  return undefined;
}

/**
 * A task the master gave up on (TASK_LOST, TASK_UNREACHABLE) is live again because its agent came
 * back, and the framework missed the master's news of it (REASON_AGENT_REREGISTERED is sent once,
 * unreliably, as in Mesos: a fault dropped it, or no scheduler was registered). Its explicit
 * reconciliation answer then says what the master has: that is how a framework learns.
 */
function missedComeback(model: FrameworkModel, task: LaunchedTask, settled: Observation, live: MasterTask, answer: ReconciliationAnswer | undefined): boolean {
  if (settled.state !== 'TASK_LOST' && settled.state !== 'TASK_UNREACHABLE') return false;
  return model.mayHaveMissedSince(task.taskId, settled.atMs) && answer?.status.state === live.state;
}

/** A task the master has RUNNING is RUNNING in its agent's books and in an executor there. */
function runningSettlement(snapshot: ClusterSnapshot, frameworkId: string, live: MasterTask): string | undefined {
  if (live.state !== 'TASK_RUNNING') return `settled TASK_RUNNING, but the master has it ${live.state}`;
  const agent = snapshot.agents.find((candidate) => candidate.id === live.slave_id);
  const here = agent === undefined ? undefined : agentLiveTasks(agent).find((candidate) => candidate.framework_id === frameworkId && candidate.id === live.id);
  if (here?.state !== 'TASK_RUNNING') return `RUNNING at the master on ${live.slave_id}, but ${here?.state ?? 'unknown'} to that agent`;
  const runs = snapshot.executors.some((executor) => executor.agentPid === agent?.pid && executor.frameworkId === frameworkId && executor.runningTaskIds.includes(live.id));
  return runs ? undefined : `RUNNING at the master and its agent, but no executor on ${live.slave_id} runs it`;
}

/**
 * Reconciliation agrees with the master and with what the framework heard: implicitly, one
 * answer per live task at the master, in its state there, which is where the task's stream
 * settled; explicitly, for each task launched, that state for live tasks, and "unknown" (LOST,
 * GONE, UNKNOWN or UNREACHABLE) for the others.
 */
export function reconciliationAgrees(
  snapshot: ClusterSnapshot, model: FrameworkModel, implicit: readonly ReconciliationAnswer[], explicit: readonly ReconciliationAnswer[], goneAgents: ReadonlySet<string> = new Set(),
): string[] {
  const framework = snapshot.master.frameworks.find((candidate) => candidate.id === model.frameworkId);
  if (framework === undefined) return [];
  const broken: string[] = [];
  const answered = new Set(implicit.map((answer) => answer.taskId));
  for (const task of framework.tasks) {
    if (!answered.has(task.id)) broken.push(`implicit reconciliation of ${model.name} left out ${task.id}`);
  }
  for (const answer of implicit) {
    const task = framework.tasks.find((candidate) => candidate.id === answer.taskId);
    const launched = model.tasks.get(answer.taskId);
    const settled = launched?.settled?.state;
    const missed = task !== undefined && launched?.settled !== undefined && missedComeback(model, launched, launched.settled, task, answer);
    if (task === undefined) broken.push(`implicit reconciliation of ${model.name} answered ${answer.taskId}, which the master does not have live`);
    else if (answer.status.state !== task.state || (answer.status.state !== settled && !missed)) {
      broken.push(`implicit reconciliation says ${answer.taskId} is ${answer.status.state}; the master has ${task.state}, its stream settled ${settled ?? 'nowhere'}`);
    }
  }
  for (const task of model.tasks.values()) {
    const answer = explicit.filter((candidate) => candidate.taskId === task.taskId).at(-1);
    const atMaster = framework.tasks.find((candidate) => candidate.id === task.taskId);
    if (answer === undefined) broken.push(`explicit reconciliation of ${model.name} did not answer ${task.taskId}`);
    else if (atMaster !== undefined && answer.status.state !== atMaster.state) broken.push(`explicit reconciliation says ${task.taskId} is ${answer.status.state}; the master has ${atMaster.state}`);
    else if (atMaster === undefined && !UNKNOWN_TASK_ANSWERS.has(answer.status.state)) broken.push(`explicit reconciliation says ${task.taskId} is ${answer.status.state}, which the master does not have live`);
    else if (atMaster === undefined && goneAgents.has(task.agentId)) {
      // Mesos' `Master::reconcile`, case 5: a task the master does not know, on an agent marked gone.
      const expected: TaskState = model.partitionAware ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST';
      if (answer.status.state !== expected) broken.push(`explicit reconciliation says ${task.taskId}, on the agent ${task.agentId} marked gone, is ${answer.status.state}, not ${expected}`);
    }
  }
  return broken;
}

// ---- operator removals (`ChaosOptions.operatorRemovals`) -----------------------------------------

/**
 * After every step, each agent the operator marked gone (answered 200) is gone for good, at
 * whichever master leads: not registered, not expected back (recovered), in the registry's gone
 * list and neither admitted nor unreachable there, unknown to the allocator, and no task of it is
 * kept unreachable (its tasks ended TASK_GONE_BY_OPERATOR, or TASK_LOST).
 */
export function goneAgentsStayGone(snapshot: ClusterSnapshot, gone: ReadonlySet<string>): string[] {
  const broken: string[] = [];
  const { master, registry } = snapshot;
  for (const agentId of gone) {
    const registered = master.slaves.find((agent) => agent.id === agentId);
    if (registered !== undefined) broken.push(`agent ${agentId} was marked gone but is registered at the master (${registered.pid}, ${registered.connected ? 'connected' : 'disconnected'})`);
    if (master.recovered_slaves.some((agent) => agent.id === agentId)) broken.push(`agent ${agentId} was marked gone but the master expects it back (recovered)`);
    if (registry.gone !== undefined && !registry.gone.includes(agentId)) broken.push(`agent ${agentId} was marked gone but the registry does not list it as gone`);
    if (registry.admitted.includes(agentId)) broken.push(`agent ${agentId} was marked gone but the registry admits it`);
    if (registry.unreachable.includes(agentId)) broken.push(`agent ${agentId} was marked gone but the registry marks it unreachable`);
    if (snapshot.allocator.agents.get(agentId) !== undefined) broken.push(`agent ${agentId} was marked gone but the allocator still has it`);
    for (const framework of master.frameworks) {
      for (const task of framework.unreachable_tasks.filter((candidate) => candidate.slave_id === agentId)) {
        broken.push(`task ${framework.id}/${task.id} of agent ${agentId}, marked gone, is still kept unreachable (${task.state})`);
      }
    }
  }
  return broken;
}

/** At quiescence, no agent marked gone runs: the master told it to shut down (again, whenever it tried to come back). */
export function goneAgentsStopped(snapshot: ClusterSnapshot, gone: ReadonlySet<string>): string[] {
  return snapshot.agents.filter((agent) => gone.has(agent.id)).map((agent) => `agent ${agent.id} (${agent.pid}) was marked gone but still runs (${agent.phase ?? '?'})`);
}

/**
 * After every step, each framework the operator tore down (answered 200, by id: whether by the
 * master read now) is never connected or active at the master; at the master that tore it down
 * it is completed and not registered (another master never heard of it: completed frameworks
 * are not in the registry, Mesos' MESOS-1719; an agent may bring it back there, without a
 * scheduler). The allocator holds nothing of a completed framework (`masterAgreesWithAllocator`).
 */
export function tornDownFrameworksStayDown(snapshot: ClusterSnapshot, tornDown: ReadonlyMap<string, boolean>): string[] {
  const broken: string[] = [];
  for (const [frameworkId, byThisMaster] of tornDown) {
    const registered = snapshot.master.frameworks.find((framework) => framework.id === frameworkId);
    if (registered !== undefined && (registered.connected || registered.active)) {
      broken.push(`framework ${frameworkId} was torn down by the operator but is ${registered.connected ? 'connected' : 'disconnected'} and ${registered.active ? 'active' : 'inactive'} at the master`);
    }
    if (!byThisMaster) continue;
    if (registered !== undefined) broken.push(`framework ${frameworkId} was torn down by the operator but the master that did it has it registered again (${registered.tasks.length} live task(s))`);
    if (!snapshot.master.completed_frameworks.some((framework) => framework.id === frameworkId)) broken.push(`framework ${frameworkId} was torn down by the operator but is not among the master's completed frameworks`);
  }
  return broken;
}

// ---- task groups (`ChaosOptions.taskGroups`) -----------------------------------------------------

/** Every task the master has of a framework: live, unreachable and completed. */
function masterTasksOf(snapshot: ClusterSnapshot, frameworkId: string): MasterTask[] {
  const framework = snapshot.master.frameworks.find((candidate) => candidate.id === frameworkId);
  return framework === undefined ? [] : [...framework.tasks, ...framework.unreachable_tasks, ...framework.completed_tasks];
}

/**
 * After every step, for each task group the framework launched:
 *   - all-or-nothing at the master: no task of it was refused (TASK_ERROR) while another was
 *     admitted (the master has it, or its agent or executor reported on it); a group invalid on
 *     purpose is never admitted;
 *   - each task of it the master has names the group's executor, and an executor that runs one
 *     is the group's (a DEFAULT executor's tasks each have its id).
 */
export function taskGroupsHold(snapshot: ClusterSnapshot, model: FrameworkModel): string[] {
  const frameworkId = model.frameworkId;
  if (frameworkId === undefined || model.groups.size === 0) return [];
  const atMaster = new Map(masterTasksOf(snapshot, frameworkId).map((task) => [task.id, task] as const));
  const broken: string[] = [];
  for (const group of model.groups.values()) {
    const tasks = group.taskIds.map((taskId) => model.tasks.get(taskId)).filter((task) => task !== undefined);
    const refused = tasks.filter((task) => task.updates.some((update) => update.state === 'TASK_ERROR')).map((task) => task.taskId);
    const admitted = tasks.filter((task) => atMaster.has(task.taskId) || task.updates.some((update) => update.source !== undefined && update.source !== 'SOURCE_MASTER')).map((task) => task.taskId);
    const what = `${model.name}'s group ${group.id} (${group.taskIds.join(', ')} under ${group.executorId} on ${group.agentId})`;
    if (refused.length > 0 && admitted.length > 0) broken.push(`${what}: the master refused ${refused.join(', ')} (TASK_ERROR) but admitted ${admitted.join(', ')}`);
    if (group.invalid !== undefined && admitted.length > 0) broken.push(`${what}, invalid on purpose (${group.invalid}): the master admitted ${admitted.join(', ')}`);
    for (const taskId of group.taskIds) {
      const task = atMaster.get(taskId);
      if (task !== undefined && task.executor_id !== group.executorId) broken.push(`${what}: the master has ${taskId} under ${task.executor_id ?? 'no executor'}`);
    }
    for (const executor of snapshot.executors) {
      if (executor.frameworkId !== frameworkId || executor.executorId === group.executorId) continue;
      for (const taskId of executor.runningTaskIds.filter((candidate) => group.taskIds.includes(candidate))) broken.push(`${what}: ${taskId} runs under ${executor.executorId} on ${executor.agentId}`);
    }
  }
  return broken;
}

/**
 * Once settled, the default executor's group policy held: for each group of which a task ended
 * TASK_FAILED or TASK_KILLED as its agent or executor told (not the master's own word), no other
 * task of it is RUNNING at the master, or runs in the group's executor.
 */
export function groupPolicyHolds(snapshot: ClusterSnapshot, model: FrameworkModel): string[] {
  const frameworkId = model.frameworkId;
  if (frameworkId === undefined || model.groups.size === 0) return [];
  const tasks = masterTasksOf(snapshot, frameworkId);
  const broken: string[] = [];
  for (const group of model.groups.values()) {
    const ended = tasks.find((task) => group.taskIds.includes(task.id) && (task.state === 'TASK_FAILED' || task.state === 'TASK_KILLED') &&
      task.statuses.some((status) => status.state === task.state && status.source !== 'SOURCE_MASTER'));
    if (ended === undefined) continue;
    const what = `${model.name}'s group ${group.id}: ${ended.id} ended ${ended.state}`;
    for (const task of tasks.filter((candidate) => group.taskIds.includes(candidate.id) && candidate.id !== ended.id && candidate.state === 'TASK_RUNNING')) {
      broken.push(`${what}, but the master still has ${task.id} RUNNING on ${task.slave_id}`);
    }
    for (const executor of snapshot.executors.filter((candidate) => candidate.frameworkId === frameworkId && candidate.executorId === group.executorId)) {
      for (const taskId of executor.runningTaskIds.filter((candidate) => candidate !== ended.id && group.taskIds.includes(candidate))) {
        broken.push(`${what}, but ${group.executorId} on ${executor.agentId} still runs ${taskId}`);
      }
    }
  }
  return broken;
}

/**
 * With volumes and task groups: between two checks of one master, a volume of an agent (a role
 * and persistence id) in both changed size only if a framework sent a resize of it (a resize keeps
 * the volume's id: the same volume, another size). Ids makers share (`SHARED_PERSISTENCE_IDS`) are
 * left out: one may be destroyed and made again, of another size, in between.
 */
export function resizesKeepVolumes(agentId: string, before: Resources, now: Resources, resizes: readonly SentResize[]): string[] {
  const broken: string[] = [];
  const key = (entry: Resource): string => JSON.stringify([entry.role, entry.volume?.id]);
  const earlier = new Map(before.persistentVolumes().entries().map((entry) => [key(entry), entry] as const));
  for (const entry of now.persistentVolumes()) {
    const id = entry.volume?.id ?? '';
    const was = earlier.get(key(entry));
    if (was === undefined || SHARED_PERSISTENCE_IDS.includes(id) || Resources.of([was]).equals(Resources.of([entry]))) continue;
    const resized = resizes.some((resize) => resize.agentId === agentId && resize.role === entry.role && resize.persistenceId === id);
    if (!resized) broken.push(`agent ${agentId}: the volume ${Resources.of([was]).format()} is now ${Resources.of([entry]).format()} at the master, though nothing resized it`);
  }
  return broken;
}

