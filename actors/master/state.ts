/**
 * The master's books: frameworks, agents, tasks, executors and offers, and the bookkeeping
 * between them (which task is on which agent, what an agent uses). No messages, timers or I/O:
 * the master actor decides and sends; this module only keeps the records consistent, and the
 * HTTP endpoints and metrics read it.
 */
import type { Expiring } from './offer-expiry';
import type { InverseOfferRecord } from './maintenance';
import type { UPID } from '../../lib/actor';
import { Resources, roleError, sharedResourcesFromJSON } from '../../lib/resources';
import { LazyMap, LazySet } from '../../lib/lazy-collections';
import { SmallSet } from '../../lib/small-set';
import { SmallMap } from '../../lib/small-map';
import { OfferList, OfferTable, offerNumberOf, unlinkOffer, type OfferListLinks } from './offer-table';
import { deepFreeze } from '../../lib/deep-freeze';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Offer, Task, TaskInfo, TaskState, TaskStatus } from '../../lib/protocol';
import { AGENT_CAPABILITY_TYPES, AGENT_FEEDBACK_CAPABILITIES, copyTaskDescription, isTerminalState, NO_STATUSES, withStatus } from '../../lib/protocol';
import { MAX_REMOVED_AGENTS } from './constants';
import { ScalarTotals } from '../allocator/totals';
import { TaskSummaries } from './task-summaries';
import { FrameworkMetrics } from './framework-metrics';
import { compareOrder, orderTime, TaskOrder, type TaskOrderEntry } from './task-order';
import { RoleSplitSum, type ResourcesByRole } from './resources-by-role';
import { DeactivatedAgents } from './drain';

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
  /** What it registered with, `id` filled in. Changed only by `MasterState.updateFrameworkInfo`. */
  info: FrameworkInfo;
  /** The scheduler; undefined for a framework known only from its agents. Changed only by `MasterState.moveFramework`. */
  readonly pid: UPID | undefined;
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
  /**
   * What `frameworkUsedResources` adds to its executors' (set only by `MasterState`, as tasks
   * come, change state and go): the scalars the tasks in `tasks` that hold resources (not
   * terminal, not unreachable) use, summed; and those of them with ranges or sets, whose parts
   * are summed when asked. Ranges and sets are sets: two tasks with the same ports on two agents
   * sum to one range, so taking one task's ports out of a sum would take the other's too.
   * Summing 100k tasks when asked took ~30 ms in a turn of a state endpoint.
   */
  usedScalars: Resources;
  tasksWithNonScalars: Set<TrackedTask> | undefined;
  /**
   * `usedScalars` by the role each task recorded (`Task.role`; the books give every task they
   * hold one), kept beside it: what the operator API shows by role (`frameworkUsedByRole`)
   * without a walk of the tasks. Roles whose tasks all ended are dropped.
   */
  usedScalarsByRole: Map<string | undefined, Resources>;
  /** Tasks removed after reaching a terminal state, oldest first (bounded). */
  readonly completedTasks: Task[];
  /** Tasks on agents that became unreachable, by task id, oldest first (bounded). */
  readonly unreachableTasks: Map<string, Task>;
  /**
   * Moves (set only by `MasterState`) whenever `unreachableTasks` gains, loses or replaces a
   * task: the state endpoints keep its text while it stays (a status recorded on one of them is
   * among the books' task changes).
   */
  unreachableVersion: number;
  /**
   * Its tasks (live, unreachable and completed) in `/master/tasks`' order, kept by `MasterState`
   * (task-order.ts) while it is registered and after it completed.
   */
  readonly taskOrder: TaskOrder;
  /** Its outstanding offers, oldest first (iterated, their ids). */
  readonly offerIds: OfferList<OfferRecord>;
  /**
   * Roles it left (UPDATE_FRAMEWORK, a re-subscription) while tasks or executors of it still ran
   * there, set by the master: the allocator keeps it tracked there until they end, and the state
   * endpoints name it under them and give their resources that role (`frameworkUsedByRole`).
   * Roles no longer used are dropped as the endpoints find them so (`rolesStillLeft`).
   */
  leftRoles: Set<string> | undefined;
  /**
   * What its offers hold, summed, in all and by the role each is offered to, while `offerIds` is
   * at `version` (`frameworkOfferedResources`, `frameworkOfferedByRole`; made in slices by the
   * state endpoints' warming): summing 1,000 offers takes 1-2.5 ms.
   */
  offeredSum: { readonly version: number; readonly resources: Resources; readonly byRole: ResourcesByRole } | undefined;
  /** The peer its scheduler's pid was filed under (`MasterState.peerOf` when it was indexed). */
  peerKey?: string;
  /**
   * The principal a scheduler of it proved (authenticated as, and registered under); kept after
   * that scheduler goes, so that only a scheduler proving the same principal may take it over.
   */
  provenPrincipal?: string;
  /**
   * Moves whenever what it holds changes: its tasks (added, removed, a status recorded,
   * completed ones kept or forgotten), its executors (and, for a framework, the agents they are
   * on), its offers. Only `MasterState` sets it; the state endpoints (`StateFragments`) keep what
   * they rendered of a record until its stamp or one of its own fields changes.
   */
  stamp: number;
  /** What the state endpoints last rendered of it (`StateFragments`' own; nothing else reads it). */
  rendered: object | undefined;
  /**
   * Its live tasks added, and its tasks changed, since the state endpoints last took them
   * (`MasterState.takeTaskChanges`); 'all' when nobody took them for long (more than
   * `TASK_CHANGES_SLACK` beyond twice its live tasks): the endpoints start over.
   */
  taskChanges: TaskChanges | 'all';
  /**
   * Whether any task it has held named a user of its own (set as a task is added, never cleared):
   * the ACLs' `view_tasks` then decide task by task, else by the framework's user at once.
   */
  tasksNameUsers: boolean;
  /** Its per-framework metrics' counters (framework-metrics.ts), kept with the record into the completed history, as Mesos keeps them. */
  readonly metrics: FrameworkMetrics;
}

/**
 * What changed among a framework's tasks since `MasterState.takeTaskChanges`, oldest first.
 * `added`: each task put in its live tasks, in the order they were put there (a task put there
 * twice is listed twice), which is their order in `tasks`: a task replacing one of the same id
 * is put at the end, not in the replaced one's place. `changed`: a task whose state, statuses or
 * status update state changed, or that left the live tasks (listed at each change).
 */
export interface TaskChanges {
  readonly added: Task[];
  readonly changed: Task[];
}

/** A registered agent. */
export interface AgentRecord {
  /** `<masterId>-S<n>`, or the id it re-registered with. */
  readonly id: string;
  /** What it registered with, `id` filled in. Changed only by `MasterState.updateAgentInfo`. */
  readonly info: AgentInfo;
  /**
   * What each offer of its resources carries from `info`: the host name, and the attributes
   * (frozen; undefined when it has none). Kept with the record's other hot fields: reading
   * `info` and its attributes per offer was two cache misses of their own at 100k agents.
   */
  readonly offerHostname: string;
  readonly offerAttributes: AgentInfo['attributes'];
  /** Its address. Changed only by `MasterState.moveAgent`. */
  readonly pid: UPID;
  /** The agent's software version. */
  version: string;
  /**
   * What it advertised it can do at its last (re-)registration (Mesos' `agent_capabilities`), as
   * Mesos' master keeps them: the names it knows, each once, in its order (`agentCapabilities`;
   * shared frozen lists).
   */
  capabilities: readonly string[];
  /** Its total resources. Changed only by `MasterState.setAgentTotal` (which sums them). */
  readonly total: Resources;
  /** Its link is up. Changed only by `MasterState.setAgentConnected` (which counts them). */
  readonly connected: boolean;
  /**
   * It may be offered: connected, and not deactivated by an operator (`deactivatedAgents`). Set
   * only by `MasterState` (`setAgentConnected`, `refreshAgentActive`, `addAgent`).
   */
  readonly active: boolean;
  /** When it registered (ms since the epoch). */
  readonly registeredTimeMs: number;
  /** When it last re-registered. */
  reregisteredTimeMs: number | undefined;
  /** Its tasks: framework id → task id → task. */
  readonly tasks: Map<string, Map<string, TrackedTask>>;
  /** Its executors: framework id → executor id → executor. */
  readonly executors: Map<string, Map<string, TrackedExecutor>>;
  /** Outstanding offers of its resources (one, nearly always: a `SmallSet` reaches it in one load). */
  readonly offerIds: SmallSet<string>;
  /**
   * How many tasks, executors and offers `tasks`, `executors` and `offerIds` hold, kept by
   * `MasterState` beside them: 0 means nothing holds anything on the agent. Making an offer asks
   * this of every agent, and at 100k agents reading the three collections' sizes (separate
   * objects, each a cache miss) was most of the time that took.
   */
  held: number;
  /** `frameworkId/taskId` of tasks asked to be killed, re-killed if the agent re-registers with them alive. */
  readonly killedTasks: Set<string>;
  /** Its removal is being written to the registry: its messages are ignored. */
  removing: boolean;
  /**
   * It is the record `agents` has under its id (set and cleared by `MasterState` only). An
   * allocation hands the master the record it gave the allocator (`Allocation.owner`); one that is
   * no longer listed (replaced or removed since) is looked up by id instead.
   */
  listed: boolean;
  /**
   * Moves whenever what it holds changes: its tasks (added, removed, a status recorded,
   * completed ones kept or forgotten), its executors (and, for a framework, the agents they are
   * on), its offers. Only `MasterState` sets it; the state endpoints (`StateFragments`) keep what
   * they rendered of a record until its stamp or one of its own fields changes.
   */
  stamp: number;
}

/** An outstanding offer (made by `newOfferRecord`). */
export interface OfferRecord extends Expiring, OfferListLinks<OfferRecord> {
  /** The offer as sent to the framework. */
  readonly offer: Offer;
  /** `offer.resources`, as the allocator gave them. */
  readonly resources: Resources;
  /** The number in `offer.id` (the master's counter when it made the offer). */
  readonly offerNumber: number;
  /**
   * The agent record it was added on (`addOffer`): the state endpoints read its address through
   * it, not by a lookup of its id (at 100k offers that lookup was most of a GET_STATE turn); a
   * record no longer `listed` is looked up by id instead.
   */
  agentRecord: AgentRecord | undefined;
  /** What the state endpoints last rendered of it (`StateFragments`' own; nothing else reads it). */
  rendered: object | undefined;
}

/** A new offer record, in no framework's list and with no timeout yet (every field set, so all records share one shape). */
export function newOfferRecord(offer: Offer, resources: Resources, offerNumber: number = offerNumberOf(offer.id)): OfferRecord {
  return { offer, resources, offerNumber, agentRecord: undefined, rendered: undefined, expiryBatch: undefined, offerList: undefined, previousInList: undefined, nextInList: undefined };
}

/** Where a removed task goes: completed (terminal) or unreachable (its agent is unreachable). */
export type TaskDisposition = 'completed' | 'unreachable';

/** Told of a task about to change, with its order entry if one holds it (`MasterState.watchTaskChanges`). */
export type TaskWatcher = (task: Task, entry: TaskOrderEntry | undefined) => void;

/** Limits on what the books keep of the past. */
export interface RetentionLimits {
  /** Torn-down frameworks kept (the oldest go first). */
  readonly maxCompletedFrameworks: number;
  /** Completed tasks kept per framework. */
  readonly maxCompletedTasksPerFramework: number;
  /** Unreachable tasks kept per framework. */
  readonly maxUnreachableTasksPerFramework: number;
}

/** Changed agents `MasterState.takeChangedAgents` keeps beyond twice the agents, before it says 'all'. */
export const CHANGED_AGENTS_SLACK = 1_024;
/**
 * Task changes a framework keeps for `MasterState.takeTaskChanges` beyond twice its live tasks,
 * before it says 'all' (a short task is added, changed two or three times and removed: the
 * list holds ended tasks, which it keeps from the collector until it is taken).
 */
export const TASK_CHANGES_SLACK = 1_024;

/** Which task states the gauges count: active ones (Mesos' `master/tasks_<state>` gauges). */
const ACTIVE_TASK_STATES: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];

/**
 * The master's books. Every collection is keyed by id. Methods keep the cross-references
 * consistent (a task is in its framework's and its agent's maps, or in neither) and the indexes
 * up to date, so that the lookups on hot paths (messages found by their sender's pid, a
 * framework's agents, whether an id belongs to a torn-down framework) never scan everything:
 *
 * - frameworks and agents by pid text;
 * - framework id → the agents with its tasks or executors (`agentsOf`);
 * - completed framework ids.
 *
 * Frameworks, agents, tasks and executors are therefore added, moved and removed only through
 * these methods; the collections are exposed read-only.
 */
export class MasterState {
  /** Registered (and recovered) frameworks by id. */
  private readonly frameworkMap = new Map<string, FrameworkRecord>();
  /** Framework id by scheduler pid text (frameworks with a scheduler; one framework per pid). */
  private readonly frameworkIdByPid = new Map<string, string>();
  /** Ids of the frameworks whose scheduler is on each peer host (`host:port`): the per-peer cap counts them. */
  private readonly frameworkIdsByPeer = new Map<string, Set<string>>();
  /** How many registered frameworks have each principal (a principal's metrics exist while one does, as in Mesos). */
  private readonly frameworkCountByPrincipal = new Map<string, number>();
  /** Torn-down frameworks, oldest first (bounded). */
  private readonly completedFrameworkList: FrameworkRecord[] = [];
  /** How many entries of `completedFrameworkList` have each id (one, unless an id was reused). */
  private readonly completedFrameworkCounts = new Map<string, number>();
  /** Registered agents by id. */
  private readonly agentMap = new Map<string, AgentRecord>();
  /** Listed agents that are connected: what `/master/state` and the gauges report, kept here rather than counted over 100k agents per request. */
  private connectedAgents = 0;
  /** Listed agents that are active (connected, and not deactivated by an operator), counted likewise. */
  private activeAgents = 0;
  /** Agents an operator deactivated or drained (registered, recovered or unreachable): drain.ts. */
  readonly deactivatedAgents = new DeactivatedAgents();
  /** Registered agents by pid text, for messages identified by their sender (one lookup per pong). */
  private readonly agentsByPid = new Map<string, AgentRecord>();
  /** `watchOfferAgents`. */
  private readonly offerAgentWatchers = new Set<(agentId: string) => void>();
  /** `watchTaskChanges`. */
  private readonly taskWatchers = new Set<TaskWatcher>();
  /** Each registered agent's place in `agentMap`'s order, so that `agentsOf` lists agents in that order. */
  private readonly agentOrder = new Map<string, number>();
  /** The next place in `agentOrder`. */
  private nextAgentOrder = 0;
  /** Framework id → ids of the registered agents with its tasks or executors. */
  private readonly agentIdsByFramework = new Map<string, Set<string>>();
  /** Agents admitted before a restart that have not re-registered yet, by id. */
  readonly recoveredAgents = new Map<string, AgentInfo>();
  /** Agents marked unreachable: id → time marked (ms), oldest first (bounded). */
  readonly unreachableAgents = new Map<string, number>();
  /** Agents removed for good (unregistered or replaced), oldest first (bounded). */
  readonly removedAgents = new Set<string>();
  /** Outstanding offers by id. */
  readonly offers = new OfferTable<OfferRecord>();
  /** Outstanding inverse offers (maintenance) by framework id, then by id. */
  private readonly inverseOfferMap = new Map<string, Map<string, InverseOfferRecord>>();
  /** The next `stamp` handed out: unique over all records. */
  private nextStamp = 1;
  /**
   * Ids of the agents changed since `takeChangedAgents` (added, removed, or their `stamp` moved),
   * first change first. An agent is listed at its first change only (its stamp was older than
   * `changedSince`), so a change costs no hashing; an id can appear twice only when its record was
   * removed or replaced.
   */
  private changedAgents: string[] = [];
  /** The first stamp handed out since `changedAgents` was last taken. */
  private changedSince = this.nextStamp;
  /** More agents changed than `changedAgents` keeps: the next `takeChangedAgents` says 'all'. */
  private changedOverflow = false;

  /**
   * The listed agents' totals, summed as they change (`master/<name>_total`: a scrape reads
   * them instead of walking every agent, 33-46 ms per scrape at 100k agents on a slow machine).
   */
  readonly totalTally = new ScalarTotals();
  /** What the listed agents' live tasks and executors use, summed as it changes (`master/<name>_used`). */
  readonly usedTally = new ScalarTotals();
  /** The tasks of the frameworks in `frameworks` by state, counted as they change (`activeTaskCounts`). */
  private readonly taskStateCounts = new Map<TaskState, number>();
  /** `/master/state-summary`'s counts over the frameworks in `frameworks`, kept as their tasks change. */
  readonly taskSummaries = new TaskSummaries();

  /** Each task the frameworks' `taskOrder`s hold: its entry there. */
  private readonly orderEntries = new WeakMap<Task, TaskOrderEntry>();
  /** The next task kept gets this `TaskOrderEntry.seq`. */
  private nextTaskSeq = 0;

  constructor(private readonly limits: RetentionLimits) {}

  /**
   * The master changed one of `agent`'s own fields that it sets itself (`version`,
   * `reregisteredTimeMs`): its stamp moves and it is listed for `takeChangedAgents`. What it
   * holds is tracked here, and so are the fields changed through the books (`updateAgentInfo`,
   * `setAgentTotal`, `setAgentConnected`); the master sets the others, and tells.
   */
  agentChanged(agent: AgentRecord): void {
    this.touchAgent(agent);
  }

  /** Replaces what an agent registered with (it re-registered with new info), and what its offers carry of it. */
  updateAgentInfo(agent: AgentRecord, info: AgentInfo): void {
    this.beforeOfferAgentChange(agent.id);
    const writable = agent as Writable<AgentRecord>;
    writable.info = info;
    writable.offerHostname = info.hostname;
    writable.offerAttributes = offerAttributesOf(info);
    this.touchOfferFrameworks(agent);
    this.touchAgent(agent);
  }

  /**
   * Ids of the agents added, removed or changed (`agentChanged`, or what they hold) since the
   * last call, first change first (an id may repeat, after its agent was removed or replaced; a
   * reader takes them a slice at a time, so the list is handed over as it is, not made a set in
   * one go: at 100k agents that took the first state request's first turn over 100 ms); 'all'
   * when more changed than it keeps (twice the agents and `CHANGED_AGENTS_SLACK`: nobody asked for
   * a long while). One reader: the state endpoints.
   */
  takeChangedAgents(): readonly string[] | 'all' {
    const changed = this.changedOverflow ? 'all' : this.changedAgents;
    this.changedAgents = [];
    this.changedOverflow = false;
    this.changedSince = this.nextStamp;
    return changed;
  }

  /** An agent's place in `agents`' order (a larger number comes later); undefined when it is not registered. */
  agentOrderOf(agentId: string): number | undefined {
    return this.agentOrder.get(agentId);
  }

  /** Marks what `agent` holds as changed (its `stamp`, and the list of changed agents); undefined: nothing. */
  private touchAgent(agent: AgentRecord | undefined): void {
    if (agent === undefined) return;
    if (agent.stamp < this.changedSince) this.noteChangedAgent(agent.id); // its first change since the last take
    agent.stamp = this.nextStamp++;
  }

  /**
   * Marks the frameworks holding offers of `agent` as changed: the operator API shows each offer
   * with its agent's address, which moved (a new pid or info, the record replaced or removed).
   * The master retires an agent's offers first; the books do not count on it.
   */
  private touchOfferFrameworks(agent: AgentRecord): void {
    for (const offerId of agent.offerIds) {
      const record = this.offers.get(offerId);
      if (record !== undefined) this.touchFrameworkId(record.offer.frameworkId);
    }
  }

  /**
   * Calls `watcher` with an agent's id just before the books change what an offer shows of it
   * (its info or pid; its record added, replaced or removed), until the returned function is
   * called: a state rendering finishing its offers in later turns keeps what it saw.
   */
  watchOfferAgents(watcher: (agentId: string) => void): () => void {
    this.offerAgentWatchers.add(watcher);
    return () => {
      this.offerAgentWatchers.delete(watcher);
    };
  }

  /**
   * Calls `watcher` with a task about to change (its state, statuses or the update forwarded
   * about it; its order entry's time or places), before it does, with its order entry if one
   * holds it, until the returned function is called: a `/master/tasks` page put together over
   * turns keeps such a task's text and place as they were (`RenderingTail.deferTasksPage`).
   */
  watchTaskChanges(watcher: TaskWatcher): () => void {
    this.taskWatchers.add(watcher);
    return () => {
      this.taskWatchers.delete(watcher);
    };
  }

  private beforeTaskChange(task: Task): void {
    if (this.taskWatchers.size === 0) return;
    const entry = this.orderEntries.get(task);
    for (const watcher of this.taskWatchers) watcher(task, entry);
  }

  /** The `TaskOrderEntry.seq` the next task kept gets: every task kept so far has a lower one. */
  get nextTaskOrderSeq(): number {
    return this.nextTaskSeq;
  }

  /**
   * Notes on `task` the latest status update forwarded to its framework (`statusUpdateState`,
   * `statusUpdateUuid`: the operator API's `status_update_state` and `status_update_uuid`).
   */
  noteForwardedUpdate(task: Task, state: TaskState, uuid: string): void {
    this.beforeTaskChange(task);
    task.statusUpdateState = state;
    task.statusUpdateUuid = uuid;
  }

  private beforeOfferAgentChange(agentId: string): void {
    if (this.offerAgentWatchers.size === 0) return;
    for (const watcher of this.offerAgentWatchers) watcher(agentId);
  }

  /** Marks what `framework` holds as changed (its `stamp`); undefined: nothing. */
  private touchFramework(framework: FrameworkRecord | undefined): void {
    if (framework !== undefined) framework.stamp = this.nextStamp++;
  }

  private noteChangedAgent(agentId: string): void {
    if (this.changedOverflow) return;
    this.changedAgents.push(agentId);
    if (this.changedAgents.length > 2 * this.agentMap.size + CHANGED_AGENTS_SLACK) {
      this.changedOverflow = true;
      this.changedAgents = [];
    }
  }

  /**
   * Marks every record filed under `frameworkId` as changed (its `stamp`): the registered one,
   * and the completed ones, which show what is filed under their id after they completed (the
   * executors agents report, in their used resources; the statuses of the tasks they kept).
   */
  private touchFrameworkId(frameworkId: string): void {
    this.touchFramework(this.frameworkMap.get(frameworkId));
    if (!this.completedFrameworkCounts.has(frameworkId)) return;
    for (const completed of this.completedFrameworkList) if (completed.id === frameworkId) this.touchFramework(completed);
  }

  /** Marks the agent and the frameworks of `task` as changed, and the task among its registered framework's changed tasks. */
  private touchTask(task: Task): void {
    this.beforeTaskChange(task);
    this.touchAgent(this.agentMap.get(task.agentId));
    this.touchFrameworkId(task.frameworkId);
    const framework = this.frameworkMap.get(task.frameworkId);
    if (framework === undefined) return;
    this.noteTaskChange(framework, 'changed', task);
  }

  /** Lists `task` among `framework`'s tasks added or changed (`TaskChanges`); 'all' instead when they are more than a framework keeps. */
  private noteTaskChange(framework: FrameworkRecord, list: keyof TaskChanges, task: Task): void {
    const changes = framework.taskChanges;
    if (changes === 'all') return;
    changes[list].push(task);
    if (changes.added.length + changes.changed.length > 2 * framework.tasks.size + TASK_CHANGES_SLACK) framework.taskChanges = 'all';
  }

  /**
   * What changed among `framework`'s tasks since the last call (`TaskChanges`), or 'all' when
   * more changed than it keeps (or on the first call): the state endpoints' only reader.
   */
  takeTaskChanges(framework: FrameworkRecord): TaskChanges | 'all' {
    const changes = framework.taskChanges;
    framework.taskChanges = { added: [], changed: [] };
    return changes;
  }

  /** Registered (and recovered) frameworks by id, in registration order. */
  get frameworks(): ReadonlyMap<string, FrameworkRecord> {
    return this.frameworkMap;
  }

  /** Torn-down frameworks, oldest first (the last `maxCompletedFrameworks`). */
  get completedFrameworks(): readonly FrameworkRecord[] {
    return this.completedFrameworkList;
  }

  /** Registered agents by id, in registration order. */
  get agents(): ReadonlyMap<string, AgentRecord> {
    return this.agentMap;
  }

  // ---- lookups --------------------------------------------------------------------------------

  /** The framework whose scheduler is `pid`, if any. */
  frameworkByPid(pid: UPID): FrameworkRecord | undefined {
    const frameworkId = this.frameworkIdByPid.get(pid.toString());
    return frameworkId === undefined ? undefined : this.frameworkMap.get(frameworkId);
  }

  /**
   * The peer a scheduler pid counts under for the per-peer cap and DRF groups: by default the
   * host part of its pid (not `host:port`: one machine listening on many ports is one peer; the
   * hostile-wire pass of 2026-12-05 registered 300 frameworks from one IP on three ports). The
   * master maps it to the machine the scheduler's link comes from (`ActorHost.linkClientOf`: a
   * pid's host name is the scheduler's own choice), and the actors that speak for v1 HTTP
   * frameworks to their HTTP clients (`http:<ip>`), which are the real peers.
   */
  peerOf: (pid: UPID) => string = (pid) => pid.host;

  /** How many registered frameworks have their scheduler on the peer `address` (a host, or `http:<ip>`; see `peerOf`). */
  frameworkCountOnPeer(address: string): number {
    return this.frameworkIdsByPeer.get(address)?.size ?? 0;
  }

  /** Whether a registered framework has this principal. */
  hasPrincipal(principal: string): boolean {
    return this.frameworkCountByPrincipal.has(principal);
  }

  /** Whether a completed framework (among those kept) has this id. */
  isCompletedFramework(frameworkId: string): boolean {
    return this.completedFrameworkCounts.has(frameworkId);
  }

  /** The agent at `pid`, if any. */
  agentByPid(pid: UPID): AgentRecord | undefined {
    return this.agentsByPid.get(pid.toString());
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

  /** Registered agents that run tasks or executors of a framework (those of them `keep` picks), in registration order. */
  agentsOf(frameworkId: string, keep: (agent: AgentRecord) => boolean = () => true): AgentRecord[] {
    const agents: AgentRecord[] = [];
    for (const agentId of this.agentIdsByFramework.get(frameworkId) ?? []) {
      const agent = this.agentMap.get(agentId);
      if (agent !== undefined && keep(agent)) agents.push(agent);
    }
    if (agents.length < 2) return agents;
    // Each agent's place looked up once (a comparator looking both up did ~2 n log n lookups:
    // most of GET_EXECUTORS' last turn with 30k executors over 10k agents).
    const order = new Float64Array(agents.length);
    const index = new Array<number>(agents.length);
    for (let at = 0; at < agents.length; at++) {
      order[at] = this.agentOrder.get((agents[at] as AgentRecord).id) ?? 0;
      index[at] = at;
    }
    index.sort((a, b) => (order[a] as number) - (order[b] as number));
    return index.map((at) => agents[at] as AgentRecord);
  }

  // ---- agents ---------------------------------------------------------------------------------

  /**
   * Adds a registered agent. A record it replaces (one of the same id) should hold no offers, as
   * the master retires an agent's offers first: what the books know of an offer's agent (for its
   * framework's kept texts, `touchOfferFrameworks`) is the record it was added on.
   */
  addAgent(agent: AgentRecord): void {
    this.beforeOfferAgentChange(agent.id);
    const replaced = this.agentMap.get(agent.id);
    if (replaced === undefined) this.agentOrder.set(agent.id, this.nextAgentOrder++);
    else {
      this.forgetPid(replaced);
      this.unlist(replaced);
      this.touchOfferFrameworks(replaced);
    }
    this.agentMap.set(agent.id, agent);
    agent.listed = true;
    (agent as Writable<AgentRecord>).active = agent.connected && !this.deactivatedAgents.has(agent.id);
    this.countAgent(agent, 1);
    this.tallyAgent(agent, 1);
    this.agentsByPid.set(agent.pid.toString(), agent);
    this.recoveredAgents.delete(agent.id);
    this.touchAgent(agent);
    for (const frameworkId of agentFrameworkIds(agent)) {
      this.reindexAgent(agent, frameworkId);
      this.touchFrameworkId(frameworkId);
    }
  }

  /** An agent's link broke (it is inactive too: not offered), or it is back, connected and active unless an operator deactivated it. */
  setAgentConnected(agent: AgentRecord, connected: boolean): void {
    if (agent.listed) this.countAgent(agent, -1);
    const writable = agent as Writable<AgentRecord>;
    writable.connected = connected;
    writable.active = connected && !this.deactivatedAgents.has(agent.id);
    if (agent.listed) this.countAgent(agent, 1);
    this.touchAgent(agent);
  }

  /** An operator deactivated or reactivated the agent (`deactivatedAgents` changed): it is active again if connected and not deactivated. */
  refreshAgentActive(agent: AgentRecord): void {
    this.setAgentConnected(agent, agent.connected);
  }

  /** Listed agents that are connected (`master/slaves_connected`). */
  get connectedAgentCount(): number {
    return this.connectedAgents;
  }

  /** Listed agents that are active (`activated_slaves`, `master/slaves_active`): connected, and not deactivated by an operator. */
  get activeAgentCount(): number {
    return this.activeAgents;
  }

  private countAgent(agent: AgentRecord, sign: 1 | -1): void {
    if (agent.connected) this.connectedAgents += sign;
    if (agent.active) this.activeAgents += sign;
  }

  private unlist(agent: AgentRecord): void {
    agent.listed = false;
    this.countAgent(agent, -1);
    this.tallyAgent(agent, -1);
  }

  /** Adds a listed agent's total and what it uses to the cluster's tallies, or takes them away. */
  private tallyAgent(agent: AgentRecord, sign: 1 | -1): void {
    tally(this.totalTally, agent.total, sign);
    for (const resources of this.agentUsage(agent)) tally(this.usedTally, resources, sign);
  }

  /** Counts a task's resources in (or out of) what the listed agents use, if it is live. */
  private tallyTask(tracked: TrackedTask, sign: 1 | -1): void {
    if (!isTerminalOrUnreachable(tracked.task.state)) tally(this.usedTally, tracked.resources, sign);
  }

  /** Replaces an agent's total resources (it re-registered or updated them), keeping the tallies in step; the agent changed. */
  setAgentTotal(agent: AgentRecord, total: Resources): void {
    if (agent.listed) this.totalTally.subtract(agent.total);
    (agent as Writable<AgentRecord>).total = total;
    if (agent.listed) this.totalTally.add(total);
    this.touchAgent(agent);
  }

  /** Moves an agent to a new pid (it re-registered from another address). */
  moveAgent(agent: AgentRecord, pid: UPID): void {
    this.beforeOfferAgentChange(agent.id);
    this.forgetPid(agent);
    (agent as Writable<AgentRecord>).pid = pid;
    this.touchOfferFrameworks(agent);
    this.agentsByPid.set(pid.toString(), agent);
    this.touchAgent(agent);
  }

  /** Takes `agent`'s pid out of the pid index, unless another agent has taken that pid since. */
  private forgetPid(agent: AgentRecord): void {
    const key = agent.pid.toString();
    if (this.agentsByPid.get(key) === agent) this.agentsByPid.delete(key);
  }

  /**
   * Forgets an agent (its tasks and offers must be gone already; executors still on it go with
   * it) and remembers why.
   */
  deleteAgent(agent: AgentRecord, why: 'unreachable' | 'removed', nowMs: number): void {
    this.beforeOfferAgentChange(agent.id);
    const listed = this.agentMap.get(agent.id);
    if (listed !== undefined) this.unlist(listed);
    this.agentMap.delete(agent.id);
    this.agentOrder.delete(agent.id);
    this.touchOfferFrameworks(agent);
    this.noteChangedAgent(agent.id);
    for (const frameworkId of agentFrameworkIds(agent)) {
      this.reindexAgent(agent, frameworkId);
      this.touchFrameworkId(frameworkId);
    }
    this.forgetPid(agent);
    if (why === 'unreachable') {
      this.unreachableAgents.set(agent.id, nowMs);
      while (this.unreachableAgents.size > MAX_REMOVED_AGENTS) {
        const [oldest] = this.unreachableAgents.keys();
        if (oldest === undefined) break;
        this.unreachableAgents.delete(oldest);
        // Its deactivation goes with it, as the registry's goes with the entry it trims.
        this.deactivatedAgents.delete(oldest);
      }
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

  /**
   * What an agent's live tasks and executors use, by the role it is allocated to (the operator
   * API's `allocated_resources`, as Mesos sums its frameworks' allocations): a walk of them.
   */
  agentUsedByRole(agent: AgentRecord): ResourcesByRole {
    const used = new RoleSplitSum();
    for (const [frameworkId, tasks] of agent.tasks) {
      const info = this.frameworkMap.get(frameworkId)?.info;
      for (const tracked of tasks.values()) {
        if (!isTerminalOrUnreachable(tracked.task.state)) used.add(allocationRoleOf(tracked.task.role, info), tracked.resources);
      }
    }
    for (const executor of this.agentExecutors(agent)) used.add(executor.role, executor.resources);
    return used.byRole;
  }

  /** What is offered of an agent's resources, by the role each offer is made in (the operator API's `offered_resources`). */
  agentOfferedByRole(agent: AgentRecord): ResourcesByRole {
    const offered = new RoleSplitSum();
    for (const offerId of agent.offerIds) {
      const record = this.offers.get(offerId);
      if (record !== undefined) offered.add(record.offer.allocationRole, record.resources);
    }
    return offered.byRole;
  }

  /**
   * The ids of the registered agents where something is allocated or offered to a role `picked`
   * picks: a live task, an executor, an outstanding offer. One walk of the tasks and executors on
   * agents and of the offers (the agents without any are not looked at), for a rendering by a
   * viewer who may not view every role; a viewer without ACLs never asks.
   */
  agentsAllocatedTo(picked: (role: string) => boolean): Set<string> {
    const agents = new Set<string>();
    for (const [frameworkId, agentIds] of this.agentIdsByFramework) {
      const info = this.frameworkMap.get(frameworkId)?.info;
      for (const agentId of agentIds) {
        if (agents.has(agentId)) continue;
        const agent = this.agentMap.get(agentId);
        if (agent !== undefined && frameworkAllocatesTo(agent, frameworkId, info, picked)) agents.add(agentId);
      }
    }
    for (const framework of this.frameworkMap.values()) {
      for (const record of framework.offerIds.records()) if (picked(record.offer.allocationRole)) agents.add(record.offer.agentId);
    }
    return agents;
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

  /**
   * The role a task's resources are allocated to: the one it was launched in, kept when its
   * framework leaves that role (UPDATE_FRAMEWORK; the allocator tracks it there until the task
   * ends), else (none, or not a valid role) its framework's first role.
   */
  taskRole(task: Task): string {
    return allocationRoleOf(task.role, this.frameworks.get(task.frameworkId)?.info);
  }

  // ---- frameworks -----------------------------------------------------------------------------

  /**
   * Adds a registered (or recovered) framework. A scheduler pid is held by one framework at a
   * time: the master finds a framework by its pid before it adds one, so a second is a bug.
   */
  addFramework(framework: FrameworkRecord): void {
    if (framework.pid !== undefined) {
      this.checkPidFree(framework, framework.pid);
      this.frameworkIdByPid.set(framework.pid.toString(), framework.id);
      this.indexPeer(framework, framework.pid);
    }
    const replaced = this.frameworkMap.get(framework.id);
    if (replaced !== undefined && replaced !== framework) this.countFrameworkTasks(replaced, -1);
    this.frameworkMap.set(framework.id, framework);
    this.countPrincipal(framework.info.principal, 1);
    if (replaced !== framework) {
      this.countFrameworkTasks(framework, 1);
      // What a record brings is ordered; one the books held before keeps its order as it is.
      if (framework.taskOrder.size === 0) for (const task of keptTasks(framework)) this.orderTask(framework, task);
    }
  }

  /** Replaces a framework's info (a re-registration), keeping the principal index in step. */
  updateFrameworkInfo(framework: FrameworkRecord, info: FrameworkInfo): void {
    this.countPrincipal(framework.info.principal, -1);
    framework.info = info;
    this.countPrincipal(info.principal, 1);
  }

  /** Moves a framework to a new scheduler pid (a failover; it may be the same pid); the old pid no longer finds it. */
  moveFramework(framework: FrameworkRecord, pid: UPID): void {
    this.checkPidFree(framework, pid);
    this.releasePid(framework);
    (framework as Writable<FrameworkRecord>).pid = pid;
    this.frameworkIdByPid.set(pid.toString(), framework.id);
    this.indexPeer(framework, pid);
  }

  /** What a framework's live tasks (their scalars kept as they change) and executors use. */
  frameworkUsedResources(framework: FrameworkRecord): Resources {
    let used = framework.usedScalars;
    for (const tracked of framework.tasksWithNonScalars ?? []) used = used.add(tracked.resources.nonScalars());
    for (const [executor] of this.frameworkExecutors(framework.id)) used = used.add(executor.resources);
    return used;
  }

  /**
   * What a framework uses, by the role it is allocated to: its live tasks' resources (their
   * scalars as kept by role, `usedScalarsByRole`, and the ranges and sets of those that have
   * any) and its executors' (a role where an executor without resources runs has an empty sum).
   */
  frameworkUsedByRole(framework: FrameworkRecord): Map<string, Resources> {
    const used = new Map<string, Resources>();
    const add = (role: string, resources: Resources): void => void used.set(role, (used.get(role) ?? Resources.EMPTY).add(resources));
    for (const [recorded, scalars] of framework.usedScalarsByRole) add(allocationRoleOf(recorded, framework.info), scalars);
    for (const tracked of framework.tasksWithNonScalars ?? []) add(allocationRoleOf(tracked.task.role, framework.info), tracked.resources.nonScalars());
    for (const [executor] of this.frameworkExecutors(framework.id)) add(executor.role, executor.resources);
    return used;
  }

  /** The roles in `framework.leftRoles` it still uses (those it does not are dropped), with what it uses in each role; undefined when none. */
  rolesStillLeft(framework: FrameworkRecord): Map<string, Resources> | undefined {
    if (framework.leftRoles === undefined) return undefined;
    const used = this.frameworkUsedByRole(framework);
    for (const role of framework.leftRoles) if (!used.has(role)) framework.leftRoles.delete(role);
    if (framework.leftRoles.size === 0) {
      framework.leftRoles = undefined;
      return undefined;
    }
    return used;
  }

  /** A framework's executors on the registered agents, each with its agent's id, in agent registration order. */
  *frameworkExecutors(frameworkId: string): Iterable<readonly [TrackedExecutor, string]> {
    // Only the agents with the framework's executors are put in order, not every agent with its
    // tasks too: at 100k agents, 100 frameworks and 5,000 command tasks (whose executors the
    // master does not track), that sort was most of GET_EXECUTORS' last turn.
    for (const agent of this.agentsOf(frameworkId, (candidate) => candidate.executors.has(frameworkId))) {
      for (const executor of agent.executors.get(frameworkId)?.values() ?? []) yield [executor, agent.id];
    }
  }

  /** What is offered to a framework. */
  frameworkOfferedResources(framework: FrameworkRecord): Resources {
    return this.frameworkOffered(framework).resources;
  }

  /** What is offered to a framework, by the role each offer is made in (the operator API's `offered_resources`). */
  frameworkOfferedByRole(framework: FrameworkRecord): ResourcesByRole {
    return this.frameworkOffered(framework).byRole;
  }

  /** What `framework`'s offers hold, in all and by role: the sum kept if current, else summed now and kept. */
  private frameworkOffered(framework: FrameworkRecord): { readonly resources: Resources; readonly byRole: ResourcesByRole } {
    const kept = framework.offeredSum;
    if (kept !== undefined && kept.version === framework.offerIds.version) return kept;
    const offered = new RoleSplitSum();
    for (const record of framework.offerIds.records()) offered.add(record.offer.allocationRole, record.resources);
    this.keepOfferedSum(framework, framework.offerIds.version, offered);
    return framework.offeredSum as { readonly resources: Resources; readonly byRole: ResourcesByRole };
  }

  /** What `framework`'s offers hold, if the sum kept is of its offers as they are now; else undefined (their sum is to be made). */
  keptOfferedSum(framework: FrameworkRecord): Resources | undefined {
    const kept = framework.offeredSum;
    return kept !== undefined && kept.version === framework.offerIds.version ? kept.resources : undefined;
  }

  /** Keeps `offered` as what `framework`'s offers hold, summed when its list was at `version` (still current: else nothing). */
  keepOfferedSum(framework: FrameworkRecord, version: number, offered: RoleSplitSum): void {
    if (framework.offerIds.version === version) framework.offeredSum = { version, resources: offered.total, byRole: offered.byRole };
  }

  /** Moves a framework to the completed ones (its tasks must be removed already). */
  completeFramework(framework: FrameworkRecord): void {
    // Another record under its id (or none) would be deleted with its tasks still counted.
    if (this.frameworkMap.get(framework.id) !== framework) throw new Error(`master books: framework ${framework.id} is not the registered record of that id: not completed`);
    this.releasePid(framework);
    this.countFrameworkTasks(framework, -1);
    this.frameworkMap.delete(framework.id);
    this.countPrincipal(framework.info.principal, -1);
    this.completedFrameworkList.push(framework);
    this.completedFrameworkCounts.set(framework.id, (this.completedFrameworkCounts.get(framework.id) ?? 0) + 1);
    const excess = this.completedFrameworkList.length - this.limits.maxCompletedFrameworks;
    for (const trimmed of excess > 0 ? this.completedFrameworkList.splice(0, excess) : []) {
      const count = (this.completedFrameworkCounts.get(trimmed.id) ?? 1) - 1;
      if (count > 0) this.completedFrameworkCounts.set(trimmed.id, count);
      else this.completedFrameworkCounts.delete(trimmed.id);
    }
  }

  /** Throws (a bug in the master) if another live framework holds `pid`. */
  private checkPidFree(framework: FrameworkRecord, pid: UPID): void {
    const holder = this.frameworkIdByPid.get(pid.toString());
    if (holder !== undefined && holder !== framework.id && this.frameworkMap.has(holder)) {
      throw new Error(`master books: scheduler pid ${pid.toString()} is held by framework ${holder}, not ${framework.id}`);
    }
  }

  /** Drops the index entries of `framework`'s current pid (by pid, and by peer), if they are the framework's. */
  private releasePid(framework: FrameworkRecord): void {
    if (framework.pid === undefined) return;
    const key = framework.pid.toString();
    if (this.frameworkIdByPid.get(key) === framework.id) this.frameworkIdByPid.delete(key);
    const peerKey = framework.peerKey ?? framework.pid.address;
    const peer = this.frameworkIdsByPeer.get(peerKey);
    peer?.delete(framework.id);
    if (peer?.size === 0) this.frameworkIdsByPeer.delete(peerKey);
  }

  /** Files `framework` under the peer host of `pid`. */
  private indexPeer(framework: FrameworkRecord, pid: UPID): void {
    const peerKey = this.peerOf(pid);
    framework.peerKey = peerKey;
    let peer = this.frameworkIdsByPeer.get(peerKey);
    if (peer === undefined) this.frameworkIdsByPeer.set(peerKey, (peer = new Set()));
    peer.add(framework.id);
  }

  /** Adds `delta` to the frameworks counted for `principal` (none: nothing to count). */
  private countPrincipal(principal: string | undefined, delta: 1 | -1): void {
    if (principal === undefined) return;
    const count = (this.frameworkCountByPrincipal.get(principal) ?? 0) + delta;
    if (count < 0) throw new Error(`master books: principal '${principal}' counted below zero`);
    if (count === 0) this.frameworkCountByPrincipal.delete(principal);
    else this.frameworkCountByPrincipal.set(principal, count);
  }

  // ---- tasks and executors --------------------------------------------------------------------

  /** Adds a live task to its framework (if known) and its agent. */
  addTask(tracked: TrackedTask, agent: AgentRecord): void {
    const { frameworkId, taskId } = tracked.task;
    const framework = this.frameworkMap.get(frameworkId);
    if (framework !== undefined) {
      const replaced = framework.tasks.get(taskId);
      if (replaced !== undefined) {
        this.countTaskState(replaced.task.state, -1);
        this.taskSummaries.count(replaced.task, -1);
        countUse(framework, replaced, -1);
        // Put at the end, as a new task is (`TaskChanges.added` lists the live tasks' order).
        framework.tasks.delete(taskId);
      }
      framework.tasks.set(taskId, tracked);
      // Ordered before the replaced one leaves: the same object put back keeps its entry (and `seq`).
      this.orderTask(framework, tracked.task);
      if (replaced !== undefined) {
        this.unorderTask(replaced.task);
        this.noteTaskChange(framework, 'changed', replaced.task);
      }
      this.noteTaskChange(framework, 'added', tracked.task);
      this.countTaskState(tracked.task.state, 1);
      this.taskSummaries.count(tracked.task, 1);
      countUse(framework, tracked, 1);
    }
    let tasks = agent.tasks.get(frameworkId);
    if (!tasks) agent.tasks.set(frameworkId, (tasks = new SmallMap()));
    const before = tasks.size;
    const previous = tasks.get(taskId);
    tasks.set(taskId, tracked);
    agent.held += tasks.size - before;
    if (agent.listed) {
      if (previous !== undefined) this.tallyTask(previous, -1);
      this.tallyTask(tracked, 1);
    }
    this.reindexAgent(agent, frameworkId);
    this.touchAgent(agent);
    this.touchFramework(framework);
  }

  /** Removes a task from its agent and framework, keeping it as completed or unreachable. */
  removeTask(tracked: TrackedTask, disposition: TaskDisposition): void {
    const { frameworkId, taskId, agentId } = tracked.task;
    const agent = this.agents.get(agentId);
    this.touchTask(tracked.task);
    const tasks = agent?.tasks.get(frameworkId);
    if (agent && tasks?.get(taskId) === tracked) {
      tasks.delete(taskId);
      agent.held--;
      if (agent.listed) this.tallyTask(tracked, -1);
      if (tasks.size === 0) agent.tasks.delete(frameworkId);
      agent.killedTasks.delete(`${frameworkId}/${taskId}`);
      this.reindexAgent(agent, frameworkId);
    }
    const framework = this.frameworks.get(frameworkId);
    if (!framework || framework.tasks.get(taskId) !== tracked) return;
    framework.tasks.delete(taskId);
    countUse(framework, tracked, -1);
    // `frameworks` is the registered frameworks: every task of theirs is counted. The task summaries
    // count it on in the list it moves to; what that list lets go of leaves them.
    this.countTaskState(tracked.task.state, -1);
    if (disposition === 'unreachable') {
      const replaced = framework.unreachableTasks.get(taskId);
      if (replaced !== undefined) {
        this.taskSummaries.count(replaced, -1);
        // The one it replaces leaves (when that is this task's own object, one of its two places does).
        this.unorderTask(replaced);
      }
      framework.unreachableTasks.set(taskId, tracked.task);
      framework.unreachableVersion++;
      trimOldest(framework.unreachableTasks, this.limits.maxUnreachableTasksPerFramework, (task) => {
        this.taskSummaries.count(task, -1);
        this.unorderTask(task);
      });
    } else {
      this.keepCompleted(framework, tracked.task);
    }
  }

  /**
   * Ends unreachable task `taskId` of registered framework `framework`, which is being removed
   * (Mesos' `removeFramework`): records `status` (TASK_KILLED) on it and keeps it as completed.
   * Returns it, or undefined if the framework has no such unreachable task.
   */
  completeUnreachableTask(framework: FrameworkRecord, taskId: string, status: TaskStatus): TrackedTask | undefined {
    const task = framework.unreachableTasks.get(taskId);
    if (task === undefined || this.frameworkMap.get(framework.id) !== framework) return undefined;
    // Neither unreachable nor terminal tasks hold resources: recording the status moves no use.
    const tracked: TrackedTask = { task, resources: Resources.fromJSON(task.resources) };
    this.recordStatus(tracked, status);
    framework.unreachableTasks.delete(taskId);
    framework.unreachableVersion++;
    // Counted in the task summaries and kept in its framework's order as it was: it changes lists only.
    this.keepCompleted(framework, task);
    return tracked;
  }

  /** Keeps a finished task (one of its live tasks, counted in the task summaries) in a registered framework's bounded completed list. */
  private keepCompleted(framework: FrameworkRecord, task: Task): void {
    this.touchFramework(framework);
    framework.completedTasks.push(task);
    if (framework.completedTasks.length > this.limits.maxCompletedTasksPerFramework) {
      const dropped = framework.completedTasks.splice(0, framework.completedTasks.length - this.limits.maxCompletedTasksPerFramework);
      for (const old of dropped) {
        this.taskSummaries.count(old, -1);
        this.unorderTask(old);
      }
    }
  }

  /**
   * Whether `framework` completed task `taskId` on agent `agentId` (its terminal update was
   * acknowledged), as far as its bounded completed list remembers: a scan, for the rare update
   * about a task the books no longer have.
   */
  completedTaskOn(framework: FrameworkRecord, agentId: string, taskId: string): boolean {
    const completed = framework.completedTasks;
    for (let index = completed.length - 1; index >= 0; index--) {
      const task = completed[index] as Task;
      if (task.taskId === taskId && task.agentId === agentId) return true;
    }
    return false;
  }

  /**
   * Forgets, in every framework, the unreachable tasks of agent `agentId` and those of its
   * completed tasks `back` names (`frameworkId/taskId`): the agent came back with them.
   */
  forgetAgentTasks(agentId: string, back: ReadonlySet<string>): void {
    for (const framework of this.frameworkMap.values()) {
      const before = framework.unreachableTasks.size + framework.completedTasks.length;
      for (const [taskId, task] of [...framework.unreachableTasks]) {
        if (task.agentId !== agentId) continue;
        framework.unreachableTasks.delete(taskId);
        framework.unreachableVersion++;
        this.taskSummaries.count(task, -1);
        this.unorderTask(task);
      }
      const completed = framework.completedTasks.filter((task) => {
        const forgotten = task.agentId === agentId && back.has(`${framework.id}/${task.taskId}`);
        if (forgotten) {
          this.taskSummaries.count(task, -1);
          this.unorderTask(task);
        }
        return !forgotten;
      });
      framework.completedTasks.splice(0, framework.completedTasks.length, ...completed);
      if (framework.unreachableTasks.size + framework.completedTasks.length !== before) this.touchFramework(framework);
    }
  }

  /** Adds an executor to an agent. */
  addExecutor(agent: AgentRecord, frameworkId: string, executor: TrackedExecutor): void {
    let executors = agent.executors.get(frameworkId);
    if (!executors) agent.executors.set(frameworkId, (executors = new Map()));
    const before = executors.size;
    const previous = executors.get(executor.info.executorId);
    executors.set(executor.info.executorId, executor);
    agent.held += executors.size - before;
    if (agent.listed) {
      if (previous !== undefined) this.usedTally.subtract(previous.resources);
      this.usedTally.add(executor.resources);
    }
    this.reindexAgent(agent, frameworkId);
    this.touchAgent(agent);
    this.touchFrameworkId(frameworkId);
  }

  /** Removes an executor from an agent; returns it, or undefined if it was not there. */
  removeExecutor(agent: AgentRecord, frameworkId: string, executorId: string): TrackedExecutor | undefined {
    const executors = agent.executors.get(frameworkId);
    const executor = executors?.get(executorId);
    if (!executors || !executor) return undefined;
    executors.delete(executorId);
    agent.held--;
    if (agent.listed) this.usedTally.subtract(executor.resources);
    if (executors.size === 0) agent.executors.delete(frameworkId);
    this.reindexAgent(agent, frameworkId);
    this.touchAgent(agent);
    this.touchFrameworkId(frameworkId);
    return executor;
  }

  /** Brings `agentsOf(frameworkId)`'s index up to date for `agent`: in it iff registered with the framework's tasks or executors. */
  private reindexAgent(agent: AgentRecord, frameworkId: string): void {
    const member = this.agentMap.get(agent.id) === agent && (agent.tasks.has(frameworkId) || agent.executors.has(frameworkId));
    let agentIds = this.agentIdsByFramework.get(frameworkId);
    if (member) {
      if (agentIds === undefined) this.agentIdsByFramework.set(frameworkId, (agentIds = new Set()));
      agentIds.add(agent.id);
    } else if (agentIds?.delete(agent.id) === true && agentIds.size === 0) {
      this.agentIdsByFramework.delete(frameworkId);
    }
  }

  /** Whether `framework` keeps `task` among its unreachable or completed ones (counted in the task summaries as its live ones are). */
  private keptAsEnded(framework: FrameworkRecord, task: Task): boolean {
    // The list is scanned only for an update about a task no longer live (one kept as completed, not yet terminal).
    return framework.unreachableTasks.get(task.taskId) === task || framework.completedTasks.includes(task);
  }

  /**
   * Records a status on a task: its state becomes `latestState` (the agent's latest, which may be
   * ahead of the status; by default the status' own) unless it is terminal already, and the
   * status joins the status list.
   */
  recordStatus(tracked: TrackedTask, status: TaskStatus, latestState: TaskState = status.state): void {
    const task = tracked.task;
    this.touchTask(task);
    if (!isTerminalState(task.state)) {
      const wasLive = !isTerminalOrUnreachable(task.state);
      const framework = this.frameworkMap.get(task.frameworkId);
      const inFramework = framework?.tasks.get(task.taskId) === tracked;
      if (inFramework) {
        this.countTaskState(task.state, -1);
        this.countTaskState(latestState, 1);
      }
      if (framework !== undefined && (inFramework || this.keptAsEnded(framework, task))) this.taskSummaries.move(task, task.state, latestState);
      const live = !isTerminalOrUnreachable(latestState);
      // When it starts or stops holding resources: the record holding it, in whose use it counts
      // (a completed framework's only when one was completed with its tasks, which the books allow).
      const holder = wasLive === live ? undefined : inFramework ? framework : this.completedFrameworkList.find((completed) => completed.tasks.get(task.taskId) === tracked);
      if (holder !== undefined && wasLive) countUse(holder, tracked, -1);
      task.state = latestState;
      if (holder !== undefined && live) countUse(holder, tracked, 1);
      if (wasLive !== live && this.onListedAgent(tracked)) tally(this.usedTally, tracked.resources, live ? 1 : -1);
    }
    // Mesos keeps one status per consecutive state, and drops the (possibly large) data.
    task.statuses = withStatus(task.statuses, status.data === undefined ? status : withoutData(status), true);
    // Its first status (what `/master/tasks` orders by) came, or was replaced or dropped.
    const entry = this.orderEntries.get(task);
    const time = orderTime(task);
    if (entry !== undefined && entry.time !== time) entry.order.reorder(entry, time);
  }

  /**
   * When the books first kept `task` (`TaskOrderEntry.seq`: `/master/tasks` orders tasks of one
   * first status time by it), or undefined if no framework's order holds it.
   */
  taskOrderSeq(task: Task): number | undefined {
    return this.orderEntries.get(task)?.seq;
  }

  /**
   * Every framework record's order as kept (`kept`), and its kept tasks sorted afresh by first
   * status time and `seq` (`fresh`), one line per record: the same text when the orders hold
   * exactly the kept tasks, each at its time, in order (tests and the chaos simulation compare).
   */
  taskOrderTexts(): { readonly kept: string; readonly fresh: string } {
    const records = [...this.frameworks.values(), ...this.completedFrameworkList];
    // A task no order holds has no `seq`: -1, shown as 'none'.
    const line = (framework: FrameworkRecord, tasks: Iterable<{ task: Task; time: number; seq: number }>): string =>
      `${framework.id}: ${[...tasks].map(({ task, time, seq }) => `${task.taskId}@${time}#${seq < 0 ? 'none' : seq}`).join(' ')}`;
    const kept = records.map((framework) => line(framework, [...framework.taskOrder.entries(true)].flatMap((entry) => Array.from({ length: entry.places }, () => entry))));
    const fresh = records.map((framework) => line(framework, [...keptTasks(framework)]
      .map((task) => ({ task, time: orderTime(task), seq: this.taskOrderSeq(task) ?? -1 }))
      .sort(compareOrder)));
    return { kept: kept.join('\n'), fresh: fresh.join('\n') };
  }

  /** Puts `task` in `framework`'s order (a list of it now holds the task); a task keeps its `seq` while kept. */
  private orderTask(framework: FrameworkRecord, task: Task): void {
    if (task.user !== undefined) framework.tasksNameUsers = true;
    const kept = this.orderEntries.get(task);
    if (kept !== undefined && kept.order === framework.taskOrder) {
      // One object in a second list of the record (the master keeps copies; the books allow it).
      this.beforeTaskChange(task);
      kept.places++;
      return;
    }
    // Held by a record no longer in the books (replaced under its id, or trimmed): it moves.
    if (kept !== undefined) {
      this.beforeTaskChange(task);
      kept.order.remove(kept);
    }
    const entry: TaskOrderEntry = { task, time: orderTime(task), seq: this.nextTaskSeq++, order: framework.taskOrder, places: 1 };
    this.orderEntries.set(task, entry);
    framework.taskOrder.insert(entry);
  }

  /** A list of its framework no longer holds `task`: it leaves the order when none does. */
  private unorderTask(task: Task): void {
    const entry = this.orderEntries.get(task);
    if (entry === undefined) return;
    this.beforeTaskChange(task);
    if (--entry.places > 0) return;
    entry.order.remove(entry);
    this.orderEntries.delete(task);
  }

  /** Whether `tracked` is among the tasks of its agent, and that agent is listed (counted in the tallies). */
  private onListedAgent(tracked: TrackedTask): boolean {
    const { agentId, frameworkId, taskId } = tracked.task;
    const agent = this.agentMap.get(agentId);
    return agent !== undefined && agent.listed && agent.tasks.get(frameworkId)?.get(taskId) === tracked;
  }

  // ---- offers ---------------------------------------------------------------------------------

  /**
   * Adds an outstanding offer to the books of its framework and agent, whose records the caller
   * passes (the records of `record.offer.frameworkId` and `.agentId`: the caller just looked them
   * up, and at 100k agents a second lookup per offer shows).
   */
  addOffer(record: OfferRecord, framework: FrameworkRecord | undefined, agent: AgentRecord | undefined): void {
    this.offers.add(record);
    record.agentRecord = agent;
    framework?.offerIds.add(record);
    if (agent !== undefined) {
      if (agent.offerIds.add(record.offer.id)) agent.held++;
    }
    this.touchFramework(framework);
    this.touchAgent(agent);
  }

  /** Removes an offer from the books (the master cancels its timer and recovers or rescinds it). */
  deleteOffer(record: OfferRecord): void {
    this.offers.delete(record);
    const agent = this.agentMap.get(record.offer.agentId);
    // Out of whichever list holds it: a framework completed with an offer still out keeps it in
    // its completed record's list, which its texts and offered sum walk.
    unlinkOffer(record);
    if (agent?.offerIds.delete(record.offer.id) === true) agent.held--;
    this.touchFrameworkId(record.offer.frameworkId);
    this.touchAgent(agent);
  }

  // ---- inverse offers (maintenance) -----------------------------------------------------------

  /** Adds an outstanding inverse offer to its framework's (actors/master/maintenance.ts makes and retires them). */
  addInverseOffer(record: InverseOfferRecord): void {
    const { frameworkId, id } = record.offer;
    let records = this.inverseOfferMap.get(frameworkId);
    if (records === undefined) this.inverseOfferMap.set(frameworkId, records = new Map());
    records.set(id, record);
    this.touchFrameworkId(frameworkId);
  }

  /** Removes an inverse offer from the books. */
  removeInverseOffer(record: InverseOfferRecord): void {
    const { frameworkId, id } = record.offer;
    const records = this.inverseOfferMap.get(frameworkId);
    if (records?.get(id) !== record) return;
    records.delete(id);
    if (records.size === 0) this.inverseOfferMap.delete(frameworkId);
    this.touchFrameworkId(frameworkId);
  }

  /** A framework's outstanding inverse offers, oldest first (GET_FRAMEWORKS' `inverse_offers`). */
  inverseOffersOf(frameworkId: string): Iterable<InverseOfferRecord> {
    return this.inverseOfferMap.get(frameworkId)?.values() ?? [];
  }

  // ---- gauges ---------------------------------------------------------------------------------

  /**
   * The frameworks' tasks by active state, for the `master/tasks_<state>` gauges: counted as
   * tasks are added, removed and change state, so a scrape reads four numbers (not every task).
   */
  activeTaskCounts(): Map<TaskState, number> {
    return new Map(ACTIVE_TASK_STATES.map((state) => [state, this.taskStateCounts.get(state) ?? 0]));
  }

  /** Adds `sign` to the count of the frameworks' tasks in `state`. */
  private countTaskState(state: TaskState, sign: 1 | -1): void {
    const count = (this.taskStateCounts.get(state) ?? 0) + sign;
    if (count < 0) throw new Error(`master books: tasks in ${state} counted below zero`);
    this.taskStateCounts.set(state, count);
  }

  /** Counts (`sign` 1) or uncounts a framework's tasks by state, and in the task summaries: it joins or leaves the books. */
  private countFrameworkTasks(framework: FrameworkRecord, sign: 1 | -1): void {
    for (const tracked of framework.tasks.values()) this.countTaskState(tracked.task.state, sign);
    this.taskSummaries.countFramework(framework, sign);
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

/** Every task a framework record keeps: live, unreachable and completed, in that order. */
export function* keptTasks(framework: FrameworkRecord): Generator<Task, void, void> {
  for (const tracked of framework.tasks.values()) yield tracked.task;
  yield* framework.unreachableTasks.values();
  yield* framework.completedTasks;
}

/** A new framework record: connected and active with a scheduler pid, recovered (inactive) without. */
/** How the peer key of a v1 HTTP framework's scheduler begins (`http:<client ip>`; `MasterState.peerOf`). */
export const HTTP_PEER_PREFIX = 'http:';

/** Whether the framework's scheduler speaks the v1 HTTP API (its pid is the master's adapter for it, not the scheduler's own). */
export function isHttpFramework(framework: FrameworkRecord): boolean {
  return framework.peerKey?.startsWith(HTTP_PEER_PREFIX) === true;
}

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
    usedScalars: Resources.EMPTY,
    tasksWithNonScalars: undefined,
    usedScalarsByRole: new Map(),
    completedTasks: [],
    unreachableTasks: new Map(),
    unreachableVersion: 0,
    taskOrder: new TaskOrder(),
    offerIds: new OfferList(),
    leftRoles: undefined,
    offeredSum: undefined,
    stamp: 0,
    rendered: undefined,
    taskChanges: 'all',
    tasksNameUsers: false,
    metrics: new FrameworkMetrics(),
  };
}

/** An agent's attributes as its offers carry them: frozen (shared by every offer), or undefined. */
function offerAttributesOf(info: AgentInfo): AgentInfo['attributes'] {
  return info.attributes === undefined ? undefined : deepFreeze(info.attributes);
}

/** A new agent record: connected, active, with nothing on it yet. */
export function newAgentRecord(info: AgentInfo & { id: string }, pid: UPID, version: string, total: Resources, nowMs: number, capabilities?: readonly string[]): AgentRecord {
  // The fields every offer reads come first, so that they share the record's first cache lines
  // (a literal's order is its layout): an allocation cycle at 100k agents reads each record once.
  return {
    id: info.id,
    listed: false,
    active: true,
    removing: false,
    held: 0,
    total,
    offerHostname: info.hostname,
    offerAttributes: offerAttributesOf(info),
    offerIds: new SmallSet(),
    stamp: 0,
    // Lazily allocated: most agents of a large cluster hold few tasks, and an empty Map costs ~184
    // bytes. The tasks by framework are a small map: an agent that has any holds one framework's, nearly always.
    executors: new LazyMap(),
    tasks: new SmallMap(),
    info,
    pid,
    version,
    capabilities: agentCapabilities(capabilities),
    connected: true,
    registeredTimeMs: nowMs,
    reregisteredTimeMs: undefined,
    killedTasks: new LazySet(),
  };
}

/** Each distinct capability list agents advertised, frozen, by its names joined: agents share one list (nearly all advertise the same). */
const capabilityLists = new Map<string, readonly string[]>();
/** Most distinct capability lists kept for sharing (past it, each agent keeps its own). */
const MAX_SHARED_CAPABILITY_LISTS = 64;
const NO_CAPABILITIES: readonly string[] = Object.freeze([]);

/**
 * The shared frozen list of the capabilities an agent advertised, as Mesos' master keeps them
 * (`protobuf::slave::Capabilities`): those of `AGENT_CAPABILITY_TYPES` it names, once each, in
 * that order; a name Mesos does not know is dropped, as Mesos reads it as UNKNOWN and drops it
 * (none: the empty list). `/master/state` listed them as sent, repeats and unknown names too.
 */
export function agentCapabilities(capabilities: readonly string[] | undefined): readonly string[] {
  if (capabilities === undefined || capabilities.length === 0) return NO_CAPABILITIES;
  const known = AGENT_CAPABILITY_TYPES.filter((type) => capabilities.includes(type));
  if (known.length === 0) return NO_CAPABILITIES;
  const key = known.join(',');
  const shared = capabilityLists.get(key);
  if (shared !== undefined) return shared;
  const list = Object.freeze(known);
  if (capabilityLists.size < MAX_SHARED_CAPABILITY_LISTS) capabilityLists.set(key, list);
  return list;
}

/** Whether frameworks may ask for feedback on operations of the agent's own resources (it has `AGENT_FEEDBACK_CAPABILITIES`). */
export function agentGivesFeedback(agent: AgentRecord): boolean {
  return AGENT_FEEDBACK_CAPABILITIES.every((capability) => agent.capabilities.includes(capability));
}

/** A task just launched: TASK_STAGING, no statuses yet (as Mesos' `addTask`); `resources` is `task.resources` parsed, when the caller has it. */
export function trackLaunchedTask(task: TaskInfo, frameworkId: string, role: string, resources: Resources = Resources.fromJSON(task.resources)): TrackedTask {
  const tracked: TrackedTask = {
    task: {
      name: task.name,
      taskId: task.taskId,
      frameworkId,
      agentId: task.agentId,
      ...(task.executor !== undefined ? { executorId: task.executor.executorId } : {}),
      state: 'TASK_STAGING',
      resources: task.resources,
      statuses: NO_STATUSES,
      ...(task.command !== undefined ? { command: task.command } : {}),
      role,
      ...(task.healthCheck !== undefined ? { healthCheck: task.healthCheck } : {}),
    },
    resources,
  };
  copyTaskDescription(tracked.task, task);
  return tracked;
}

/** An executor to track, its resources parsed (empty if invalid). */
export function trackExecutor(info: ExecutorInfo, role: string): TrackedExecutor {
  const resources = parseResources(info.resources ?? []);
  return { info, resources: typeof resources === 'string' ? Resources.EMPTY : resources, role };
}

/** Parsed resources (shared with equal earlier parses: `sharedResourcesFromJSON`), or the parse error's message. */
export function parseResources(json: unknown): Resources | string {
  try {
    return sharedResourcesFromJSON(json);
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

/** Terminal, or unreachable: states whose resources are no longer allocated. */
export function isTerminalOrUnreachable(state: TaskState): boolean {
  return isTerminalState(state) || state === 'TASK_UNREACHABLE';
}

/** `T` with its readonly fields writable: for the few fields only MasterState may change (pids). */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The frameworks with tasks or executors on an agent. */
function agentFrameworkIds(agent: AgentRecord): Set<string> {
  return new Set([...agent.tasks.keys(), ...agent.executors.keys()]);
}

/** Whether a live task or an executor of framework `frameworkId` (whose info is `info`, if the books have it) on `agent` is allocated to a role `picked` picks. */
function frameworkAllocatesTo(agent: AgentRecord, frameworkId: string, info: FrameworkInfo | undefined, picked: (role: string) => boolean): boolean {
  for (const tracked of agent.tasks.get(frameworkId)?.values() ?? []) {
    if (!isTerminalOrUnreachable(tracked.task.state) && picked(allocationRoleOf(tracked.task.role, info))) return true;
  }
  for (const executor of agent.executors.get(frameworkId)?.values() ?? []) if (picked(executor.role)) return true;
  return false;
}

/**
 * Counts (`sign` 1) or takes out a task of `framework.tasks` in what the framework uses, if it
 * holds resources (not terminal or unreachable): its scalars in `usedScalars` and under its role
 * in `usedScalarsByRole`, and the task in `tasksWithNonScalars` if it has ranges or sets.
 */
function countUse(framework: FrameworkRecord, tracked: TrackedTask, sign: 1 | -1): void {
  if (isTerminalOrUnreachable(tracked.task.state)) return;
  const scalars = tracked.resources.scalars();
  framework.usedScalars = sign > 0 ? framework.usedScalars.add(scalars) : framework.usedScalars.subtract(scalars);
  const role = tracked.task.role;
  const inRole = framework.usedScalarsByRole.get(role) ?? Resources.EMPTY;
  const nowInRole = sign > 0 ? inRole.add(scalars) : inRole.subtract(scalars);
  if (nowInRole.isEmpty()) framework.usedScalarsByRole.delete(role);
  else framework.usedScalarsByRole.set(role, nowInRole);
  if (scalars.size === tracked.resources.size) return;
  if (sign > 0) (framework.tasksWithNonScalars ??= new Set()).add(tracked);
  else framework.tasksWithNonScalars?.delete(tracked);
}

/** Deletes the oldest entries of `collection` past `limit`, handing each deleted map value to `dropped`. */
function trimOldest<K, V>(collection: Map<K, V> | Set<K>, limit: number, dropped?: (value: V) => void): void {
  while (collection.size > limit) {
    const oldest = collection.keys().next();
    if (oldest.done) return;
    const value = collection instanceof Map ? collection.get(oldest.value) : undefined;
    collection.delete(oldest.value);
    if (value !== undefined) dropped?.(value);
  }
}

/**
 * `status` without its `data` (what the books keep). Only called when there is data: a status
 * without any is kept as it came (a body is a value nobody changes), not copied: a rest copy
 * cost Node 20 ~1 KB per status, three per task, kept as long as the task is.
 */
function withoutData(status: TaskStatus): TaskStatus {
  const { data: _data, ...kept } = status;
  return kept;
}

/** Adds (`sign` 1) or takes away (-1) `resources`' scalars from `totals` (which throws below zero: a bug in the books). */
function tally(totals: ScalarTotals, resources: Resources, sign: 1 | -1): void {
  if (sign === 1) totals.add(resources);
  else totals.subtract(resources);
}

/**
 * The role resources are allocated to, given the role they were recorded with (a task's or an
 * executor's, perhaps from an agent's report): that role when it is a valid one, though the
 * framework may have left it since; else the framework's first role (`*` without a framework).
 */
export function allocationRoleOf(recorded: string | undefined, framework: FrameworkInfo | undefined): string {
  if (recorded !== undefined && roleError(recorded) === undefined) return recorded;
  return framework?.roles?.[0] ?? '*';
}
