/**
 * The frameworks of the chaos simulation (chaos.ts): a scheduler that launches random tasks
 * from its offers, declines with random filters, kills and reconciles at random, and the model
 * of a framework that outlives its scheduler's crashes (what a real framework keeps in its own
 * store). The model checks the order in which each task's status updates arrive.
 *
 * What is asserted of that order (`streamOrderViolation`), per task, over every scheduler that
 * ran the framework, in arrival order. Reconciliation answers (SOURCE_MASTER,
 * REASON_RECONCILIATION, no uuid) are a snapshot of the master's view, not part of the stream,
 * and are left out; the end of a run checks them against the master instead.
 *   1. A non-terminal state never goes back: STAGING < STARTING < RUNNING < KILLING.
 *   2. After a terminal state, only that state again (a retried update), or the master's
 *      TASK_LOST / TASK_UNREACHABLE with REASON_AGENT_REMOVED: Mesos' `__removeSlave` sends it
 *      for every task still on a removed agent, terminal ones whose acknowledgement had not
 *      reached the master included. Such an update does not replace the terminal state the
 *      task settled in.
 *   3. After TASK_LOST or TASK_UNREACHABLE anything may follow: the real state may surface
 *      later, as Mesos allows for partition-aware frameworks. Rules 1 and 2 then start again
 *      from that state.
 */
import type { Credential } from '../../lib/authentication';
import type { ZooKeeperConnector } from '../../lib/ha/zookeeper';
import type { ExecutorInfo, FrameworkInfo, Offer, Operation, TaskInfo, TaskState, TaskStatus } from '../../lib/protocol';
import { isTerminalState } from '../../lib/protocol';
import type { Prng } from '../../lib/process';
import { dynamicReservation, isAllocatableTo, persistentVolume, Resources, VOLUME_RESOURCE_NAME, type Resource, type ScalarResource } from '../../lib/resources';
import { FrameworkUpdateError, Scheduler } from '../../actors/framework/scheduler';
import { fitInto } from '../../actors/framework/offers';
import { pick } from './chaos-faults';
import { simulatedFetchUri } from './simulated-fetch';
import { EXECUTOR_REGISTRATION_TIMEOUT_MS } from '../../actors/agent/constants';

/** Task sizes a framework picks from. */
export const TASK_SHAPES: readonly string[] = ['cpus:0.25;mem:64', 'cpus:0.5;mem:128', 'cpus:1;mem:256', 'cpus:2;mem:512'];
/** Longest `sleep N` of a task, in seconds. */
export const MAX_SLEEP_SECONDS = 120;
/** Highest code of an `exit N` task (0 finishes, others fail). */
export const MAX_EXIT_CODE = 2;
/** Share of tasks that run `sleep N`; of the rest, `EXIT_SHARE` run `exit N` and the others run until killed. */
export const SLEEP_SHARE = 0.5;
/** Share of tasks that run `exit N`. */
export const EXIT_SHARE = 0.2;
/** Most tasks a framework launches from one offer. */
export const MAX_TASKS_PER_OFFER = 3;
/** Most live tasks a framework keeps; beyond it offers are declined. */
export const MAX_LIVE_TASKS_PER_FRAMEWORK = 8;
/** Chance that a task runs under one of its framework's custom executors rather than a command executor. */
export const CUSTOM_EXECUTOR_PROBABILITY = 0.3;
/** Custom executors (ids) a framework runs its tasks under, at most one of each per agent. */
export const EXECUTORS_PER_FRAMEWORK = 2;
/** What a custom executor itself uses, unreserved (the same in every launch: the master checks it). */
export const EXECUTOR_RESOURCES = 'cpus:0.1;mem:32';
/** Chance that a scheduler holds an offer to use later (it may be rescinded meanwhile, or time out). */
export const HOLD_OFFER_PROBABILITY = 0.05;
/** Offers a scheduler holds at most. */
export const MAX_HELD_OFFERS = 4;
/** Chance that a task asks for more than its offer holds (the master answers TASK_ERROR). */
export const OVERSIZED_TASK_PROBABILITY = 0.02;
/** What an oversized task asks for: more than any agent has. */
export const OVERSIZED_TASK_RESOURCES = 'cpus:1000;mem:64';
const OVERSIZED = Resources.parse(OVERSIZED_TASK_RESOURCES);
/** `refuseSeconds` a framework picks from when it declines or leaves resources unused. */
export const REFUSE_SECONDS_CHOICES: readonly number[] = [0, 0.5, 1, 5, 30];
/** While the run quiesces, frameworks decline every offer for this long. */
export const QUIESCE_REFUSE_SECONDS = 3_600;
/** Most tasks named in one explicit reconciliation. */
export const MAX_RECONCILED_TASKS = 4;
/** Chance that a reconciliation is implicit (all live tasks) rather than of named tasks. */
export const IMPLICIT_RECONCILIATION_PROBABILITY = 0.5;
/** Chance that a kill, or a task named in a reconciliation, names the task's agent too. */
export const NAME_AGENT_PROBABILITY = 0.5;
/** How long a framework stays registered after its scheduler fails (its failover timeout, seconds), one of these. */
export const FAILOVER_TIMEOUTS_SECONDS: readonly number[] = [3_600, 3_600, 30];
/** The message of the FrameworkError a scheduler gets when it fails over too late. */
export const FRAMEWORK_REMOVED_ERROR = 'Framework has been removed';
/** What the master tells a scheduler whose link to it broke (Mesos' driver then aborts). */
export const FRAMEWORK_DISCONNECTED_ERROR = 'Framework disconnected';
/** With `--fetch`: chance that a command task has URIs to fetch, and that one of a framework's custom executors has. */
export const FETCH_SHARE = 0.4;
/** With `--fetch`: chance that a URI's fetch fails. */
export const FETCH_FAIL_SHARE = 0.2;
/** With `--fetch`: most URIs a command has. */
export const MAX_FETCH_URIS = 2;
/**
 * With `--fetch`: how long one URI's fetch takes (ms), one of these. Some are longer than the
 * agents' executor registration timeout (1 min), which then aborts the fetch; one equals it, so
 * that the fetch and the timeout sometimes end at the same instant.
 */
export const FETCH_DELAYS_MS: readonly number[] = [0, 200, 2_000, 10_000, 30_000, EXECUTOR_REGISTRATION_TIMEOUT_MS, 90_000, 300_000];
/**
 * With `--reservations`: the roles a framework registers in, one of these (instead of
 * `FRAMEWORK_ROLES`). A framework of `*` cannot reserve; `eng/web` is offered what is reserved
 * to `eng` too (the operator reserves for it: chaos-operator.ts).
 */
export const RESERVING_FRAMEWORK_ROLES: readonly string[] = ['*', 'analytics', 'web', 'eng/web'];
/** The role a framework adds to its own, and takes away again, with `--update-framework` (UPDATE_FRAMEWORK). */
export const SPARE_ROLE = 'spare';
/** With `--reservations`: chance that a framework reserves part of an offer's unreserved resources for its role. */
export const RESERVE_PROBABILITY = 0.15;
/** With `--reservations`: chance that a framework unreserves dynamic reservations an offer holds (when it holds some). */
export const UNRESERVE_PROBABILITY = 0.15;
/** With `--reservations`: chance that a RESERVE is followed, in the same ACCEPT, by a task on the reservation. */
export const LAUNCH_ON_RESERVATION_PROBABILITY = 0.5;
/** With `--reservations`: chance that a reservation holds one port too (the offer's first unreserved one). */
export const RESERVE_PORT_PROBABILITY = 0.3;
/** With `--reservations`: chance that an UNRESERVE undoes every dynamic reservation of the offer, rather than one of them. */
export const UNRESERVE_ALL_PROBABILITY = 0.3;
/** With `--reservations`: what a framework reserves, one of these (if the offer holds it unreserved). */
export const RESERVATION_SHAPES: readonly string[] = ['cpus:0.25;mem:64', 'cpus:0.5;mem:128', 'cpus:1', 'mem:256', 'disk:100', 'cpus:0.25;mem:32;disk:50'];
/**
 * With `--volumes`: chance that a framework that sees volumes (`VolumeUse` 'full') acts on an
 * offer's persistent volumes or reserved disk (CREATE, a task on a volume, DESTROY) before
 * anything else it does with the offer.
 */
export const VOLUME_OPERATION_PROBABILITY = 0.35;
/** With `--volumes`: the size of a volume (MB of disk), one of these, at most the reserved disk it is made of. */
export const VOLUME_SIZES_MB: readonly number[] = [16, 32, 50, 100];
/** With `--volumes`: chance that a CREATE makes all of a reserved disk entry into the volume, rather than a `VOLUME_SIZES_MB` part of it. */
export const WHOLE_DISK_VOLUME_PROBABILITY = 0.3;
/** With `--volumes`: chance that a CREATE is followed, in the same ACCEPT, by a task on the new volume. */
export const LAUNCH_ON_VOLUME_PROBABILITY = 0.5;
/** With `--volumes`: chance that a CREATE makes a second volume too (of what is left of the same disk entry, with an id of its own). */
export const SECOND_VOLUME_PROBABILITY = 0.15;
/** With `--volumes`: chance that a CREATE without a task is followed, in the same ACCEPT, by a DESTROY of what it made (the framework changed its mind). */
export const DESTROY_AT_ONCE_PROBABILITY = 0.1;
/** With `--volumes`: chance that a DESTROY of a volume on a dynamic reservation is followed, in the same ACCEPT, by an UNRESERVE of its disk. */
export const UNRESERVE_AFTER_DESTROY_PROBABILITY = 0.5;
/** With `--volumes`: chance that a framework's volume operation is invalid on purpose (`INVALID_VOLUME_OPERATIONS`). */
export const INVALID_VOLUME_OPERATION_PROBABILITY = 0.1;
/**
 * With `--volumes`: the operations a framework sends invalid on purpose, which the master must
 * refuse: an UNRESERVE of a volume (DESTROY it first), a task on half of a volume (a volume is
 * used whole: TASK_ERROR), a CREATE with the persistence id of a volume of the same role on the
 * agent, a DESTROY of a volume the agent does not have, a CREATE of two volumes with one new
 * persistence id, and a DESTROY of a volume after a LAUNCH of a task on it in the same ACCEPT
 * (the task runs; the volume stays).
 */
export const INVALID_VOLUME_OPERATIONS = ['unreserveVolume', 'partOfVolume', 'duplicateId', 'destroyAbsent', 'duplicateInList', 'destroyInUse'] as const;
/** What a task on a volume asks for besides the volume, when what is left of the offer holds it. */
export const VOLUME_TASK_SHAPE = 'cpus:0.25;mem:64';
/**
 * With `--volumes`: persistence ids that frameworks and the operator may both use (the others are
 * each maker's own). Two makers racing for one of them on one agent and role: the master must
 * let one volume have it, never two.
 */
export const SHARED_PERSISTENCE_IDS: readonly string[] = ['shared-0', 'shared-1', 'shared-2'];
/** With `--volumes`: chance that a CREATE uses one of `SHARED_PERSISTENCE_IDS` (no task is then launched on it: another may hold the id). */
export const SHARED_PERSISTENCE_ID_PROBABILITY = 0.15;

/** With `--task-groups`: chance that a framework (actor or v1 HTTP) launches a task group from an offer (before any single task). */
export const TASK_GROUP_PROBABILITY = 0.25;
/** With `--task-groups`: fewest tasks of a group. */
export const MIN_GROUP_TASKS = 2;
/** With `--task-groups`: most tasks of a group. */
export const MAX_GROUP_TASKS = 3;
/** With `--task-groups`: the sizes a group's tasks pick from (the smaller task shapes: a group asks for them all at once). */
export const GROUP_TASK_SHAPES: readonly string[] = TASK_SHAPES.slice(0, 2);
/** With `--task-groups`: what a group's DEFAULT executor uses, unreserved (Mesos' minimums: some cpus, 32 MB, some disk). */
export const GROUP_EXECUTOR_RESOURCES = 'cpus:0.1;mem:32;disk:10';
/** With `--task-groups`: chance that a group goes to a DEFAULT executor of the framework that already runs on the agent (a second group there), when one does. */
export const REUSE_GROUP_EXECUTOR_PROBABILITY = 0.3;
/** With `--task-groups`: chance that a group is invalid on purpose (`INVALID_GROUPS`): every task of it must end TASK_ERROR. */
export const INVALID_GROUP_PROBABILITY = 0.1;
/** With `--task-groups`: how a group is made invalid on purpose: a task without a command, or an executor without a type. */
export const INVALID_GROUPS = ['taskWithoutCommand', 'executorWithoutType'] as const;
/** With `--task-groups --volumes`: chance that a volume operation resizes an offered volume (GROW_VOLUME or SHRINK_VOLUME) when it can. */
export const RESIZE_PROBABILITY = 0.35;
/** With `--task-groups --volumes`: chance that a resize grows the volume (when the offer holds disk it may grow by) rather than shrinks it. */
export const GROW_SHARE = 0.5;

/** A task group a framework launched (`--task-groups`). */
export interface LaunchedGroup {
  /** Names the group in messages: its first task's id. */
  readonly id: string;
  readonly agentId: string;
  readonly executorId: string;
  readonly taskIds: readonly string[];
  /** Invalid on purpose (`INVALID_GROUPS`): the master must refuse every task of it. */
  readonly invalid?: (typeof INVALID_GROUPS)[number];
}

/** A GROW_VOLUME or SHRINK_VOLUME a framework sent (`--task-groups --volumes`). */
export interface SentResize {
  readonly kind: 'GROW_VOLUME' | 'SHRINK_VOLUME';
  readonly agentId: string;
  readonly role: string;
  readonly persistenceId: string;
  readonly fromMb: number;
  readonly toMb: number;
  readonly atMs: number;
}

/**
 * How a framework of a run with `--volumes` deals with persistent volumes: 'full', it creates them
 * of reserved disk it is offered, launches tasks on them and destroys them, an actor framework as
 * a v1 HTTP one (its offers' resources carry the volumes' `disk`, its ACCEPTs CREATE and DESTROY);
 * 'none', a run without volumes.
 */
export type VolumeUse = 'none' | 'full';

/** A status update as the model keeps it. */
export interface Observation {
  readonly state: TaskState;
  readonly reason: string | undefined;
  readonly source: string | undefined;
  readonly uuid: string | undefined;
  /** Virtual time it arrived. */
  readonly atMs: number;
}

/** A task the framework launched. */
export interface LaunchedTask {
  readonly taskId: string;
  readonly agentId: string;
  readonly command: string;
  readonly resources: Resources;
  readonly launchedAtMs: number;
  /** Its stream of status updates (reconciliation answers left out), in arrival order. */
  readonly updates: Observation[];
  /** The state its stream settled in: the last update, but see rule 2 above. */
  settled: Observation | undefined;
  /** With `--fetch`, for a command task given URIs: how its fetch goes (`taskFetchViolation` checks what it hears against it). */
  readonly fetch?: TaskFetch;
  /**
   * With `--reservations`: launched in an ACCEPT whose tasks all fit what the framework knew of
   * the offer (none oversized on purpose, none under a custom executor, whose resources the
   * offer's `executorIds` may count wrongly by then): the master must not find it invalid.
   */
  fittedExactly?: boolean;
  /** With `--task-groups`: the group it was launched in (absent: launched alone). */
  readonly group?: LaunchedGroup;
}

/** How the fetch of a command task's URIs goes (simulated-fetch.ts): after `delayMs` in all, it fails or its executor starts. */
export interface TaskFetch {
  readonly uris: readonly string[];
  /** Until the fetch ends: the delays of its URIs up to the first that fails, or of them all. */
  readonly delayMs: number;
  readonly fails: boolean;
}

/** What a reconciliation answer said about a task. */
export interface ReconciliationAnswer {
  readonly taskId: string;
  readonly status: Observation;
}

/** A reconciliation answer: the master's snapshot of a task, sent without a uuid. */
export function isReconciliationAnswer(status: Pick<TaskStatus, 'reason' | 'source' | 'uuid'>): boolean {
  return status.reason === 'REASON_RECONCILIATION' && status.source === 'SOURCE_MASTER' && status.uuid === undefined;
}

/** The master's update for a task on an agent it removed. */
export function isAgentRemoval(status: Pick<Observation, 'state' | 'reason' | 'source'>): boolean {
  if (status.source !== 'SOURCE_MASTER') return false;
  if (status.reason === 'REASON_AGENT_REMOVED') return status.state === 'TASK_LOST' || status.state === 'TASK_UNREACHABLE';
  // An agent that left for good (unregistered, or replaced at its address), told to a partition-aware framework.
  return status.reason === 'REASON_AGENT_REMOVED_BY_OPERATOR' && status.state === 'TASK_GONE_BY_OPERATOR';
}

/**
 * The master's snapshot of a task on an agent that came back after it was removed (Mesos'
 * REASON_SLAVE_REREGISTERED): the agent's latest state, outside the task's ordered stream (the
 * agent then re-sends the updates the framework has not acknowledged, from the oldest).
 */
export function isAgentReregistration(status: Pick<Observation, 'reason' | 'source'>): boolean {
  return status.source === 'SOURCE_MASTER' && status.reason === 'REASON_AGENT_REREGISTERED';
}

/** States after which the real state of a task may still surface. */
function isDoubtful(state: TaskState): boolean {
  return state === 'TASK_LOST' || state === 'TASK_UNREACHABLE';
}

/** Non-terminal states in the order a task passes them. */
const PROGRESS: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];

/** Why `next` may not follow `settled` in a task's stream (rules 1-3 above), or undefined when it may. */
export function streamOrderViolation(settled: Observation | undefined, next: Observation): string | undefined {
  // After a re-registration snapshot the agent replays what was not acknowledged, from the oldest.
  if (settled === undefined || isDoubtful(settled.state) || isAgentReregistration(settled)) return undefined;
  if (isTerminalState(settled.state)) {
    if (next.state === settled.state || isAgentRemoval(next)) return undefined;
    return `${next.state} (${next.reason ?? 'no reason'}, ${next.source ?? 'no source'}) after the terminal ${settled.state}`;
  }
  if (isTerminalState(next.state) || isDoubtful(next.state)) return undefined;
  if (PROGRESS.indexOf(next.state) < PROGRESS.indexOf(settled.state)) return `${next.state} after ${settled.state}: the task went back`;
  return undefined;
}

/** The state a stream settles in after `next` (rule 2: an agent removal does not undo a terminal state). */
export function settleStream(settled: Observation | undefined, next: Observation): Observation | undefined {
  // A re-registration snapshot is news only after the master gave the task up (a replay may follow it).
  if (isAgentReregistration(next)) return settled === undefined || isDoubtful(settled.state) ? next : settled;
  const keep = settled !== undefined && isTerminalState(settled.state) && !isDoubtful(settled.state) && isAgentRemoval(next);
  return keep ? settled : next;
}

/**
 * One framework, over every scheduler that runs it: its id, the tasks it launched and what it
 * heard of them. Schedulers come and go (they crash); the model stays, as a framework's store.
 */
export class FrameworkModel {
  /** Set at the first registration; every later scheduler fails over to it. */
  frameworkId: string | undefined;
  /** Every task launched, by id. */
  readonly tasks = new Map<string, LaunchedTask>();
  /** Broken stream rules, as `task: why`. */
  readonly violations: string[] = [];
  /** FrameworkError messages a live scheduler received (none is expected). */
  readonly errors: string[] = [];
  /**
   * What its v1 HTTP scheduler (chaos-http-framework.ts) saw the master do wrong: a call on a live
   * subscription answered other than 202, an open stream with no HEARTBEAT. Each is a bug.
   */
  readonly httpFailures: string[] = [];
  /**
   * Offers it was made that break a rule of reservations (`offerViolation`): resources reserved
   * to a role the offer's role may not use. Each is a bug.
   */
  readonly offerViolations: string[] = [];
  /**
   * With `--update-framework`: it subscribes to `SPARE_ROLE` too (its UPDATE_FRAMEWORK said so,
   * and a new scheduler of it registers so), and what the master answered its UPDATE_FRAMEWORK
   * wrongly (a refusal: the update is valid). Each failure is a bug.
   */
  spareRole = false;
  readonly updateFailures: string[] = [];
  /** With `reservations`: its principal (its credential's), which its reservations carry; undefined: none. */
  principal: string | undefined;
  /**
   * With `reservations`: the RESERVE and UNRESERVE operations its schedulers sent (the master may
   * have found some invalid); with volumes, the CREATE and DESTROY ones, the tasks launched on a
   * volume, and the operations sent invalid on purpose.
   */
  readonly conversionsSent = { reserve: 0, unreserve: 0, create: 0, destroy: 0, tasksOnVolumes: 0, invalid: 0, grow: 0, shrink: 0, groups: 0, invalidGroups: 0 };
  /** With `--task-groups` (actor and v1 HTTP frameworks alike): it launches task groups, and resizes volumes with `volumes`. */
  taskGroups = false;
  /** With `taskGroups`: every group launched, by id. */
  readonly groups = new Map<string, LaunchedGroup>();
  /** With `taskGroups`: its DEFAULT executors, by id: always the same info for the same id, as the master requires. */
  readonly defaultExecutors = new Map<string, ExecutorInfo>();
  /** With `taskGroups` and volumes: the resizes it sent, in order (the master may have refused some). */
  readonly resizes: SentResize[] = [];
  /** With `--volumes`: how it deals with persistent volumes (set once its scheduler's kind is known). */
  volumes: VolumeUse = 'none';
  /** Reconciliation answers since the last `clearAnswers`. */
  answers: ReconciliationAnswer[] = [];
  /** Stop launching and decline every offer for long: the run is quiescing. */
  quiescing = false;
  /** Its scheduler unregistered it: the master tore it down. */
  tornDown = false;
  /** The UnregisterFramework of its teardown was lost (a fault took it): the master keeps it until its failover timeout. */
  teardownLost = false;
  /** A master restarted after its teardown: the new master never heard of it (completed frameworks are not in the registry, as in Mesos). */
  teardownForgotten = false;
  /**
   * With `--operator-removals`: the operator's teardown of it is in flight (`sent`) or was
   * answered 200 (`done`, at `operatorTeardownAtMs`); its scheduler is then expected to hear of it
   * (the master's FrameworkError, or the refusal of its next re-registration) and stop.
   */
  operatorTeardown: 'sent' | 'done' | undefined;
  operatorTeardownAtMs: number | undefined;
  /** When masters restarted, as the framework saw it (a new master knows only what the registry and the agents tell it). */
  readonly masterRestartsMs: number[] = [];
  /** Schedulers started for this framework so far. */
  incarnations = 0;
  /**
   * The link between the master and one of its schedulers broke: the master tells a live
   * scheduler "Framework disconnected", and it aborts, as Mesos' driver does (a new scheduler then
   * fails over). The message may come late (held across a reconnection), so it stays expected.
   */
  disconnectionExpected = false;
  /** Times no scheduler of it was registered (from a crash to the next re-registration). */
  private readonly downWindows: Array<{ fromMs: number; toMs: number | undefined }> = [];
  /** Tasks with a status update to one of its schedulers that a fault dropped. */
  private readonly droppedUpdates = new Set<string>();
  private nextTaskNumber = 0;
  private nextVolumeNumber = 0;

  constructor(
    readonly name: string,
    readonly role: string,
    readonly partitionAware: boolean,
    readonly failoverTimeoutSeconds: number,
    /** Drives every choice of this framework's schedulers. */
    readonly random: Prng,
    /** Where notable events go (the run's log). */
    readonly log: (line: string) => void,
    /** It checkpoints: its executors outlive an agent restart, and the restarted agent takes them back. */
    readonly checkpoint = false,
    /** Some of its commands have URIs to fetch (`ChaosOptions.fetch`): drawn from `random` only then. */
    readonly fetch = false,
    /** It reserves and unreserves resources of its offers (`ChaosOptions.reservations`): drawn from `random` only then. */
    readonly reservations = false,
  ) {}

  /** Its custom executors' URIs (`ChaosOptions.fetch`), drawn at each one's first use: an executor's info never changes. */
  private readonly executorUris = new Map<number, TaskFetch | undefined>();

  /** The FrameworkInfo a scheduler registers (or fails over) with. */
  frameworkInfo(): FrameworkInfo {
    return {
      name: this.name, user: 'chaos', roles: this.spareRole && this.role !== SPARE_ROLE ? [this.role, SPARE_ROLE] : [this.role], failoverTimeout: this.failoverTimeoutSeconds,
      ...(this.partitionAware ? { capabilities: ['PARTITION_AWARE'] } : {}),
      ...(this.checkpoint ? { checkpoint: true } : {}),
      ...(this.frameworkId !== undefined ? { id: this.frameworkId } : {}),
    };
  }

  /** A fresh task id. */
  newTaskId(): string {
    return `${this.name}-t${this.nextTaskNumber++}`;
  }

  /** Records a resize sent of `volume` (offered on `agentId`) from `fromMb` to `toMb`. */
  recordResize(kind: SentResize['kind'], agentId: string, volume: Resource, fromMb: number, toMb: number, atMs: number): void {
    this.resizes.push({ kind, agentId, role: volume.role, persistenceId: volume.volume?.id ?? '', fromMb, toMb, atMs });
  }

  /** A persistence id for a new volume: its own, or now and then one of `SHARED_PERSISTENCE_IDS` (`shared` says which). */
  newPersistenceId(): { readonly id: string; readonly shared: boolean } {
    if (this.random.next() < SHARED_PERSISTENCE_ID_PROBABILITY) return { id: this.pick(SHARED_PERSISTENCE_IDS), shared: true };
    return { id: `${this.name}-v${this.nextVolumeNumber++}`, shared: false };
  }

  /** Tasks not known to have ended: no update yet, a non-terminal one, or TASK_UNREACHABLE. */
  liveTasks(): LaunchedTask[] {
    return [...this.tasks.values()].filter((task) => task.settled === undefined || !isTerminalState(task.settled.state));
  }

  /** Records a launch (before the master has seen it). */
  launched(task: TaskInfo, command: string, resources: Resources, atMs: number, fetch?: TaskFetch, group?: LaunchedGroup): void {
    this.tasks.set(task.taskId, {
      taskId: task.taskId, agentId: task.agentId, command, resources, launchedAtMs: atMs, updates: [], settled: undefined, ...(fetch !== undefined ? { fetch } : {}), ...(group !== undefined ? { group } : {}),
    });
    // Launched by a scheduler the master has already lost (it answers offers a stall held, after
    // its link broke, seed 61): the master drops the call unanswered; reconciling tells the rest.
    if (this.downWindows.at(-1)?.toMs === undefined && this.downWindows.length > 0) this.droppedUpdates.add(task.taskId);
    this.log(`${this.name} launches ${task.taskId} on ${task.agentId}: ${command} (${resources.format()})`);
  }

  /** A status update arrived: checks it against the task's stream (or keeps it as a reconciliation answer). */
  observe(status: TaskStatus, atMs: number): void {
    const observation: Observation = { state: status.state, reason: status.reason, source: status.source, uuid: status.uuid, atMs };
    if (isReconciliationAnswer(status)) {
      this.answers.push({ taskId: status.taskId, status: observation });
      return;
    }
    this.log(`${this.name} hears ${status.taskId} ${status.state} (${status.reason ?? '-'}, ${status.source ?? '-'})`);
    const task = this.tasks.get(status.taskId);
    if (task === undefined) {
      this.violations.push(`${status.taskId}: ${status.state} for a task this framework never launched`);
      return;
    }
    const violation = streamOrderViolation(task.settled, observation) ?? this.lostViolation(task.taskId, task.settled, observation) ?? taskFetchViolation(task.fetch, observation) ??
      this.taskErrorViolation(task, status);
    if (violation !== undefined) this.violations.push(`${status.taskId}: ${violation} (stream: ${describeStream(task)})`);
    task.updates.push(observation);
    task.settled = settleStream(task.settled, observation);
  }

  /**
   * With `reservations`: a task the framework fitted into its offer (`fittedExactly`) is never
   * TASK_ERROR. The offers hold dynamic reservations then, which a task must name as they are
   * (their principal and labels): a task fitted otherwise is invalid.
   */
  private taskErrorViolation(task: LaunchedTask, status: TaskStatus): string | undefined {
    if (!this.reservations || status.state !== 'TASK_ERROR' || task.fittedExactly !== true) return undefined;
    return `TASK_ERROR (${status.reason ?? 'no reason'}: ${status.message ?? 'no message'}) for a task fitted into its offer (${task.resources.format()})`;
  }

  /**
   * A framework that is not partition-aware hears nothing after TASK_LOST but TASK_LOST again,
   * unless the master first tells it the task's agent came back (REASON_AGENT_REREGISTERED, as
   * Mesos 1.5+ does for every framework), or it may have missed that news (it was away, or a
   * fault dropped an update), or a master restarted since: the new master does not know what the
   * old one told the framework, so an agent it re-admits forwards its tasks' updates as they come
   * (Mesos' documented caveat: after a master failover, TASK_LOST may be followed by another state).
   * Then the task's stream resumes from there.
   */
  private lostViolation(taskId: string, settled: Observation | undefined, next: Observation): string | undefined {
    if (this.partitionAware || settled?.state !== 'TASK_LOST' || next.state === 'TASK_LOST' || isAgentReregistration(next)) return undefined;
    // The master's news of the comeback may itself say TASK_LOST: a restarted agent that could not
    // take the task's executor back reports it lost, then replays its stream (seed 7189 --masters 3 --agent-recovery).
    if (isAgentReregistration(settled)) return undefined;
    // The master's news of the comeback is sent once, unreliably: a framework that was away may have missed it.
    if (this.mayHaveMissedSince(taskId, settled.atMs) || this.masterRestartedSince(settled.atMs)) return undefined;
    return `${next.state} (${next.reason ?? 'no reason'}, ${next.source ?? 'no source'}) after TASK_LOST, to a framework that is not partition-aware`;
  }

  /** The link between the master and its scheduler broke: the master's own updates may go nowhere until it re-registers. */
  linkBroken(atMs: number): void {
    this.disconnectionExpected = true;
    this.schedulerDisconnected(atMs);
  }

  /**
   * Its scheduler saw the master go (a crash, a broken link): until it re-registers it ignores
   * what the master sends, as Mesos' driver does, though the master may still think it connected
   * (a re-registration answer that was lost keeps it so).
   */
  schedulerDisconnected(atMs: number): void {
    const open = this.downWindows.at(-1);
    if (open === undefined || open.toMs !== undefined) this.schedulerDown(atMs);
  }

  /** Its scheduler crashed: until the next one re-registers, the master's own updates go nowhere. */
  schedulerDown(atMs: number): void {
    this.downWindows.push({ fromMs: atMs, toMs: undefined });
    // A launch still on its way (delayed, or held by a stall) from a scheduler that is gone is
    // dropped by the master, unanswered: the framework learns of it only by reconciling.
    for (const task of this.tasks.values()) if (task.updates.length === 0) this.droppedUpdates.add(task.taskId);
  }

  /** A scheduler (re-)registered. */
  schedulerUp(atMs: number): void {
    const open = this.downWindows.at(-1);
    if (open !== undefined && open.toMs === undefined) open.toMs = atMs;
  }

  /** Whether no scheduler has been registered for longer than the failover timeout: the master may have torn it down. */
  failoverTimedOut(nowMs: number): boolean {
    const expiresAtMs = this.failoverExpiresAtMs();
    return expiresAtMs !== undefined && nowMs >= expiresAtMs;
  }

  /** When the failover timeout of the scheduler that is down now ran (or runs) out; undefined while one is registered. */
  failoverExpiresAtMs(): number | undefined {
    const open = this.downWindows.at(-1);
    return open === undefined || open.toMs !== undefined ? undefined : open.fromMs + this.failoverTimeoutSeconds * 1000;
  }

  /** A fault dropped a status update about `taskId` on its way to a scheduler of this framework. */
  updateDropped(taskId: string): void {
    this.droppedUpdates.add(taskId);
  }

  /**
   * Whether the framework may have missed an update about `taskId` that the master sent at
   * `sentAtMs` (if known): one was dropped by a fault, or no scheduler was registered then.
   */
  mayHaveMissed(taskId: string, sentAtMs: number | undefined): boolean {
    if (this.droppedUpdates.has(taskId)) return true;
    if (sentAtMs === undefined) return false;
    return this.downWindows.some((window) => window.fromMs <= sentAtMs && (window.toMs === undefined || sentAtMs <= window.toMs));
  }

  /**
   * Whether the framework may have missed an update about `taskId` sent at some time since
   * `sinceMs`: one was dropped by a fault, or a scheduler was down at some point since.
   */
  mayHaveMissedSince(taskId: string, sinceMs: number): boolean {
    if (this.droppedUpdates.has(taskId)) return true;
    return this.downWindows.some((window) => window.toMs === undefined || window.toMs >= sinceMs);
  }

  /** The uuids of every status update its schedulers heard (and so acknowledged). */
  heardUuids(): string[] {
    return [...this.tasks.values()].flatMap((task) => task.updates.flatMap((update) => (update.uuid === undefined ? [] : [update.uuid])));
  }

  /** Whether a master restarted after `sinceMs`. */
  masterRestartedSince(sinceMs: number): boolean {
    return this.masterRestartsMs.some((atMs) => atMs >= sinceMs);
  }

  /** Forgets the reconciliation answers collected so far. */
  clearAnswers(): void {
    this.answers = [];
  }

  /** A random element of `items`. */
  pick<T>(items: readonly T[]): T {
    return pick(this.random, items);
  }

  /** With `fetch`: URIs for a new command task (`name`), or none, drawn. */
  drawFetch(name: string): TaskFetch | undefined {
    if (!this.fetch || this.random.next() >= FETCH_SHARE) return undefined;
    const uris: string[] = [];
    let delayMs = 0;
    const count = 1 + this.random.nextInt(MAX_FETCH_URIS);
    for (let index = 0; index < count; index++) {
      const uriDelayMs = this.pick(FETCH_DELAYS_MS);
      const ok = this.random.next() >= FETCH_FAIL_SHARE;
      uris.push(simulatedFetchUri(uriDelayMs, ok, `${name}-${index}`));
      delayMs += uriDelayMs;
      if (!ok) return { uris, delayMs, fails: true }; // what follows a failing URI is never fetched
    }
    return { uris, delayMs, fails: false };
  }

  /** With `fetch`: the URIs of custom executor `index`, drawn once (the master requires the same info for the same id). */
  executorFetch(index: number): TaskFetch | undefined {
    if (!this.fetch) return undefined;
    if (!this.executorUris.has(index)) this.executorUris.set(index, this.drawFetch(`${this.name}-executor-${index}`));
    return this.executorUris.get(index);
  }
}

/**
 * What a command task with URIs (`TaskFetch`) must not hear. Its fetch fails: its executor never
 * starts, so it is never TASK_STARTING, TASK_RUNNING or TASK_FINISHED, and a TASK_FAILED says
 * REASON_CONTAINER_LAUNCH_FAILED (or the registration timeout, if that came first, or the master's
 * REASON_AGENT_REREGISTERED when it tells a lost task's state anew). Its fetch takes
 * longer than the executor registration timeout: the timeout aborts it, and nothing starts either.
 * Anything else a fault may bring (killed, lost, dropped, gone, unreachable) is allowed.
 */
export function taskFetchViolation(fetch: TaskFetch | undefined, next: Observation): string | undefined {
  if (fetch === undefined) return undefined;
  const timesOut = fetch.delayMs > EXECUTOR_REGISTRATION_TIMEOUT_MS;
  if (!fetch.fails && !timesOut) return undefined;
  const why = fetch.fails ? `its fetch fails after ${fetch.delayMs} ms` : `its fetch takes ${fetch.delayMs} ms, past the executor registration timeout`;
  if (next.state === 'TASK_STARTING' || next.state === 'TASK_RUNNING' || next.state === 'TASK_FINISHED') return `${next.state} though ${why}`;
  if (next.state !== 'TASK_FAILED') return undefined;
  const allowed = new Set<string | undefined>([
    // A master that had the task lost tells what the agent that came back has of it, under its own reason.
    'REASON_AGENT_REREGISTERED',
    ...(fetch.fails ? ['REASON_CONTAINER_LAUNCH_FAILED'] : []),
    ...(fetch.delayMs >= EXECUTOR_REGISTRATION_TIMEOUT_MS ? ['REASON_EXECUTOR_REGISTRATION_TIMEOUT'] : []),
  ]);
  return allowed.has(next.reason) ? undefined : `TASK_FAILED (${next.reason ?? 'no reason'}) though ${why}`;
}

/** A task's stream, for messages. */
export function describeStream(task: LaunchedTask): string {
  return task.updates.map((update) => update.state.replace('TASK_', '')).join(' > ') || 'nothing yet';
}

/** What a scheduler of the chaos run needs. */
export interface ChaosSchedulerOptions {
  /** The master's `host:port`, or the simulated ZooKeeper's `zk://` URL. */
  readonly master: string;
  /** With a `zk://` master: the simulated ZooKeeper. */
  readonly zooKeeper?: ZooKeeperConnector;
  /** Actor id; one per incarnation. */
  readonly id: string;
  readonly model: FrameworkModel;
  /** Authenticate with each master before registering (a cluster with `credentials`). */
  readonly credential?: Credential;
}

/**
 * A scheduler that launches random tasks (`sleep N`, `exit N`, or a service; under the command
 * executor or one of its own executors) from its offers and returns the rest with a random
 * filter, or holds an offer for later. The run makes it kill, reconcile, revive, suppress and
 * use held offers at random. Everything it learns goes to its `FrameworkModel`, which the next
 * scheduler of the framework inherits.
 */
export class ChaosScheduler extends Scheduler {
  private readonly model: FrameworkModel;
  /** Offers kept for later, by id. */
  private readonly heldOffers = new Map<string, Offer>();

  constructor(options: ChaosSchedulerOptions) {
    super({
      master: options.master, id: options.id, framework: options.model.frameworkInfo(),
      ...(options.zooKeeper !== undefined ? { zooKeeper: options.zooKeeper } : {}),
      ...(options.credential !== undefined ? { credential: options.credential } : {}),
    });
    this.model = options.model;
  }

  /** Kills one task it believes live, naming its agent or not. */
  killSomeTask(): void {
    if (this.state !== 'registered') return;
    const kill = chooseKill(this.model);
    if (kill !== undefined) this.kill(kill.taskId, kill.agentId);
  }

  /** Reconciles all its tasks (implicitly), or a few named ones, live or not, and one it never launched. */
  reconcileSome(): void {
    if (this.state !== 'registered') return;
    this.reconcile(chooseReconciliation(this.model));
  }

  /** Answers an offer it held: launches on it or declines it. It may have been rescinded since: the master then answers TASK_LOST or TASK_DROPPED. */
  useHeldOffer(): void {
    const held = [...this.heldOffers.values()];
    if (this.state !== 'registered' || held.length === 0) return;
    const offer = this.model.pick(held);
    this.heldOffers.delete(offer.id);
    this.model.log(`${this.model.name} uses the offer it held, ${offer.id}`);
    this.answerOffer(offer, false);
  }

  /** Clears its decline filters. */
  reviveOffers(): void {
    if (this.state !== 'registered') return;
    this.model.log(`${this.model.name} revives`);
    this.revive();
  }

  /**
   * Adds `SPARE_ROLE` to its roles, or takes it away (Mesos' UPDATE_FRAMEWORK, which the
   * scheduler driver sends): its tasks under a role taken away run on, its offers of that role go.
   * A refusal is a bug (the update is valid); no answer (a fault took it) is not.
   */
  toggleSpareRole(): void {
    if (this.state !== 'registered') return;
    const model = this.model;
    model.spareRole = !model.spareRole;
    const info = model.frameworkInfo();
    model.log(`${model.name} updates its roles to ${info.roles?.join(', ') ?? '?'} (UPDATE_FRAMEWORK)`);
    this.updateFramework(info).then(
      () => model.log(`${model.name}'s UPDATE_FRAMEWORK (roles ${info.roles?.join(', ') ?? '?'}) is applied`),
      (error: unknown) => {
        const status = error instanceof FrameworkUpdateError ? error.status : undefined;
        const message = error instanceof Error ? error.message : String(error);
        model.log(`${model.name}'s UPDATE_FRAMEWORK (roles ${info.roles?.join(', ') ?? '?'}) failed: ${message}`);
        if (status !== undefined) model.updateFailures.push(`its UPDATE_FRAMEWORK to roles ${info.roles?.join(', ') ?? '?'} was refused (${status}): ${message}`);
      },
    );
  }

  /** Asks for no more offers (until it revives). */
  suppressOffers(): void {
    if (this.state !== 'registered') return;
    this.model.log(`${this.model.name} suppresses offers`);
    this.suppress();
  }

  /** Reconciles every task: all live ones implicitly, or each task it ever launched by name (with its agent). */
  reconcileEverything(explicit: boolean): void {
    if (!explicit) return this.reconcile();
    const named = [...this.model.tasks.values()].map((task) => ({ taskId: task.taskId, agentId: task.agentId }));
    if (named.length > 0) this.reconcile(named);
  }

  /** Whether it is registered with the master now. */
  get isRegistered(): boolean {
    return this.state === 'registered';
  }

  protected override registered(frameworkId: string): void {
    this.model.frameworkId = frameworkId;
    this.model.schedulerUp(this.clock.now());
    this.model.log(`${this.model.name} registered as ${frameworkId}`);
  }

  /**
   * After a failover, explicit reconciliation of every task it believes live, as Mesos'
   * reconciliation guide asks: the master's own updates (TASK_LOST when it removes an agent)
   * went to no one while no scheduler was connected, and are never sent again.
   */
  protected override reregistered(): void {
    this.model.schedulerUp(this.clock.now());
    const live = this.model.liveTasks().map((task) => ({ taskId: task.taskId, agentId: task.agentId }));
    this.model.log(`${this.model.name} re-registered (${this.id}); reconciles ${live.length} live task(s)`);
    if (live.length > 0) this.reconcile(live);
  }

  protected override disconnected(): void {
    this.model.schedulerDisconnected(this.clock.now());
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) this.answerOffer(offer);
  }

  protected override offerRescinded(offerId: string): void {
    this.heldOffers.delete(offerId);
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.model.observe(status, this.clock.now());
  }

  protected override agentLost(agentId: string): void {
    this.model.log(`${this.model.name} hears agent ${agentId} is lost`);
  }

  protected override error(message: string): void {
    if (message === FRAMEWORK_DISCONNECTED_ERROR && this.model.disconnectionExpected) {
      this.model.log(`${this.model.name}'s scheduler ${this.id} aborts: ${message} (its link to the master broke), as Mesos' driver does`);
      return;
    }
    this.model.errors.push(message);
  }

  /** Launches up to a few random tasks that fit (now and then one that does not) and returns the rest, or holds the offer (`planOffer`). */
  private answerOffer(offer: Offer, mayHold = true): void {
    const plan = planOffer(this.model, offer, this.clock.now(), mayHold && this.heldOffers.size < MAX_HELD_OFFERS);
    if (plan.kind === 'hold') this.heldOffers.set(offer.id, offer);
    else if (plan.kind === 'decline') this.decline(offer.id, plan.filters);
    else if (plan.conversions === undefined) this.launch(offer.id, plan.tasks, plan.filters);
    else this.accept(offer.id, planOperations(plan), plan.filters);
  }
}

/** What a framework does with an offer (`planOffer`). */
export type OfferPlan =
  | { readonly kind: 'hold' }
  | { readonly kind: 'decline'; readonly filters: { readonly refuseSeconds: number } }
  | {
    readonly kind: 'launch';
    /** Every task launched, those of `conversions` included. */
    readonly tasks: TaskInfo[];
    readonly filters: { readonly refuseSeconds: number };
    /**
     * With `reservations`: RESERVE or UNRESERVE operations (a RESERVE maybe followed by a LAUNCH on
     * the reservation), and with `taskGroups` a LAUNCH_GROUP, to send before the LAUNCH of the other
     * tasks, in this order; absent: none.
     */
    readonly conversions?: readonly Operation[];
  };

/** The operations of an ACCEPT for a `launch` plan: its conversions, then a LAUNCH of its other tasks (if any). */
export function planOperations(plan: Extract<OfferPlan, { kind: 'launch' }>): Operation[] {
  const conversions = plan.conversions ?? [];
  const early = new Set(conversions.flatMap((operation) => operation.launch?.taskInfos ?? operation.launchGroup?.taskGroup.tasks ?? []));
  const rest = plan.tasks.filter((task) => !early.has(task));
  return [...conversions, ...(rest.length > 0 || conversions.length === 0 ? [{ type: 'LAUNCH' as const, launch: { taskInfos: rest } }] : [])];
}

/**
 * What a framework of the chaos run does with `offer`, drawn from its model's PRNG: while the run
 * quiesces, decline it for long; else hold it for later (if `mayHold`), or launch up to a few
 * random tasks that fit (now and then one that does not) and return the rest with a random
 * filter. The launched tasks are recorded in the model. Actor and HTTP schedulers share it, so
 * both launch the same kinds of task.
 */
export function planOffer(model: FrameworkModel, offer: Offer, nowMs: number, mayHold: boolean): OfferPlan {
  const random = model.random;
  const violation = offerViolation(offer);
  if (violation !== undefined) model.offerViolations.push(violation);
  if (model.quiescing) return { kind: 'decline', filters: { refuseSeconds: QUIESCE_REFUSE_SECONDS } };
  if (mayHold && random.next() < HOLD_OFFER_PROBABILITY) return { kind: 'hold' };
  const filters = { refuseSeconds: model.pick(REFUSE_SECONDS_CHOICES) };
  let available = Resources.fromJSON(offer.resources);
  const tasks: TaskInfo[] = [];
  // Drawn only with reservations, after what every run draws: a run without them draws as before.
  const conversions = model.reservations ? planConversions(model, offer, available, nowMs) : undefined;
  if (conversions !== undefined) {
    available = conversions.available;
    tasks.push(...conversions.tasks);
  }
  const running = new Set(offer.executorIds ?? []);
  // Drawn only with task groups, after the conversions: a run without them draws as before.
  const group = model.taskGroups && random.next() < TASK_GROUP_PROBABILITY && model.liveTasks().length < MAX_LIVE_TASKS_PER_FRAMEWORK
    ? planTaskGroup(model, offer, available, running, nowMs) : undefined;
  const operations = [...conversions?.operations ?? []];
  if (group !== undefined) {
    available = group.available;
    tasks.push(...group.tasks);
    operations.push(...group.operations);
  }
  const wanted = random.nextInt(MAX_TASKS_PER_OFFER + 1);
  while (tasks.length < wanted && model.liveTasks().length < MAX_LIVE_TASKS_PER_FRAMEWORK) {
    const executor = random.next() < CUSTOM_EXECUTOR_PROBABILITY ? executorInfo(model, random.nextInt(EXECUTORS_PER_FRAMEWORK)) : undefined;
    // A new executor's resources come out of the offer too (the master checks that they fit).
    const forExecutor = executor === undefined || running.has(executor.executorId) ? Resources.EMPTY : fitInto(available, Resources.parse(EXECUTOR_RESOURCES), '*');
    if (forExecutor === undefined) break;
    const oversized = random.next() < OVERSIZED_TASK_PROBABILITY;
    const shape = Resources.parse(model.pick(TASK_SHAPES));
    const picked = oversized ? Resources.parse(OVERSIZED_TASK_RESOURCES) : fitInto(available.subtract(forExecutor), shape, offer.allocationRole);
    if (picked === undefined) break;
    if (!oversized) available = available.subtract(forExecutor).subtract(picked);
    if (executor !== undefined) running.add(executor.executorId);
    tasks.push(newTask(model, offer, picked, executor, nowMs));
  }
  if (model.reservations) {
    const exact = conversions?.inexact !== true && group === undefined && tasks.every((task) => task.executor === undefined && !Resources.fromJSON(task.resources).equals(OVERSIZED));
    for (const task of tasks) (model.tasks.get(task.taskId) as LaunchedTask).fittedExactly = exact;
  }
  if (operations.length > 0) return { kind: 'launch', tasks, filters, conversions: operations };
  return tasks.length === 0 ? { kind: 'decline', filters } : { kind: 'launch', tasks, filters };
}

/**
 * Why `offer` breaks the rules of reservations, or undefined: each of its resources is
 * unreserved or reserved (statically or dynamically) to its allocation role or an ancestor of it
 * (Mesos' `isAllocatableTo`), never to another role.
 */
export function offerViolation(offer: Offer): string | undefined {
  const foreign = Resources.fromJSON(offer.resources).filter((entry) => !isAllocatableTo(entry.role, offer.allocationRole));
  return foreign.isEmpty() ? undefined : `offer ${offer.id} on ${offer.agentId} to role ${offer.allocationRole} holds ${foreign.format()}, reserved to another role`;
}

/** What a framework converts of an offer (`planConversions`): its operations, the tasks among them, what is left. */
interface PlannedConversions {
  readonly operations: Operation[];
  readonly tasks: TaskInfo[];
  readonly available: Resources;
  /** An operation is invalid on purpose: the tasks of the ACCEPT are not `fittedExactly`. */
  readonly inexact?: boolean;
}

/**
 * With `reservations`, drawn: a framework of a role other than `*` reserves part of the offer's
 * unreserved resources for its role (`RESERVATION_SHAPES`, maybe a port), with its principal or
 * none, maybe launching a task on the reservation at once; or unreserves one, or every, dynamic
 * reservation the offer holds. Logged and counted in the model; undefined when it does neither.
 */
function planConversions(model: FrameworkModel, offer: Offer, offered: Resources, nowMs: number): PlannedConversions | undefined {
  const random = model.random;
  const role = offer.allocationRole;
  if (role === '*') return undefined;
  // Drawn only with volumes, before the rest: a run without them draws as before.
  if (model.volumes === 'full' && random.next() < VOLUME_OPERATION_PROBABILITY) {
    const planned = planVolumeOperation(model, offer, offered, nowMs);
    if (planned !== undefined) return planned;
  }
  const draw = random.next();
  if (draw < RESERVE_PROBABILITY) return planReserve(model, offer, offered, nowMs);
  if (draw >= RESERVE_PROBABILITY + UNRESERVE_PROBABILITY) return undefined;
  // A volume is never unreserved (DESTROY it first).
  const reserved = offered.dynamicallyReserved().filter((entry) => entry.volume === undefined);
  if (reserved.isEmpty()) return undefined;
  const undone = random.next() < UNRESERVE_ALL_PROBABILITY ? reserved : Resources.of([model.pick(reserved.entries())]);
  model.conversionsSent.unreserve++;
  model.log(`${model.name} unreserves ${undone.format()} on ${offer.agentId} (offer ${offer.id})`);
  return { operations: [{ type: 'UNRESERVE', unreserve: { resources: undone.toJSON() } }], tasks: [], available: offered.subtract(undone).add(undone.flatten()) };
}

/** A RESERVE of part of the offer's unreserved resources for its role (`planConversions`), maybe with a task on it. */
function planReserve(model: FrameworkModel, offer: Offer, offered: Resources, nowMs: number): PlannedConversions | undefined {
  const random = model.random;
  let wanted = Resources.parse(model.pick(RESERVATION_SHAPES));
  const port = offered.unreserved().ranges('ports')[0];
  if (random.next() < RESERVE_PORT_PROBABILITY && port !== undefined) wanted = wanted.add(Resources.ranges('ports', [{ begin: port.begin, end: port.begin }]));
  const onReservation = random.next() < LAUNCH_ON_RESERVATION_PROBABILITY;
  if (!offered.unreserved().contains(wanted)) return undefined;
  const reserved = wanted.reservedDynamically(offer.allocationRole, dynamicReservation(model.principal));
  const operations: Operation[] = [{ type: 'RESERVE', reserve: { resources: reserved.toJSON() } }];
  model.conversionsSent.reserve++;
  model.log(`${model.name} reserves ${reserved.format()} on ${offer.agentId} (offer ${offer.id})`);
  let available = offered.subtract(wanted).add(reserved);
  if (!onReservation || model.liveTasks().length >= MAX_LIVE_TASKS_PER_FRAMEWORK) return { operations, tasks: [], available };
  const task = newTask(model, offer, reserved, undefined, nowMs);
  operations.push({ type: 'LAUNCH', launch: { taskInfos: [task] } });
  available = available.subtract(reserved);
  return { operations, tasks: [task], available };
}

// ---- persistent volumes (`--volumes`) ------------------------------------------------------------

/**
 * With volumes, drawn: a CREATE of a volume of part (or all) of a reserved disk entry the offer
 * holds, maybe with a task on it in the same ACCEPT (`planCreate`); a task on a volume the offer
 * holds, asking for it exactly as offered; a DESTROY of an offered volume, maybe followed by an
 * UNRESERVE of its disk; or, now and then, an operation the master must refuse
 * (`INVALID_VOLUME_OPERATIONS`). Undefined when the offer holds nothing to do it with.
 */
function planVolumeOperation(model: FrameworkModel, offer: Offer, offered: Resources, nowMs: number): PlannedConversions | undefined {
  const volumes = offered.persistentVolumes().entries();
  const disk = reservedDisk(offered);
  if (model.random.next() < INVALID_VOLUME_OPERATION_PROBABILITY) return planInvalidVolumeOperation(model, offer, offered, nowMs);
  // Drawn only with task groups: a run without them draws as before.
  if (model.taskGroups && volumes.length > 0 && model.random.next() < RESIZE_PROBABILITY) {
    const resize = planResize(model, offer, offered, nowMs);
    if (resize !== undefined) return resize;
  }
  const kinds = [...(disk.length > 0 ? ['create' as const] : []), ...(volumes.length > 0 ? ['launch' as const, 'destroy' as const] : [])];
  if (kinds.length === 0) return undefined;
  switch (model.pick(kinds)) {
    case 'create':
      return planCreate(model, offer, offered, model.pick(disk), nowMs);
    case 'launch': {
      const volume = Resources.of([model.pick(volumes)]);
      const { task, available } = taskOnVolume(model, offer, offered, volume, nowMs);
      return { operations: [{ type: 'LAUNCH', launch: { taskInfos: [task] } }], tasks: [task], available };
    }
    case 'destroy':
      return planDestroy(model, offer, offered, model.pick(volumes));
  }
}

/** The reserved (statically or dynamically) `disk` entries of `resources` that are not volumes: what a CREATE makes volumes of. */
export function reservedDisk(resources: Resources): Resource[] {
  return resources.reserved().filter((entry) => entry.name === VOLUME_RESOURCE_NAME && entry.volume === undefined).entries().slice();
}

/**
 * `amount` of the reserved disk entry `source` made a persistent volume `id` (read-write, under
 * `containerPath`), with `principal` (the maker's) as its creator. Shared with the operator.
 * @example volumeOf(diskEntry, 50, 'fw0-v0', 'fw0/fw0-v0', 'ops').format() // 'disk(web, ops)[fw0-v0:fw0/fw0-v0]:50'
 */
export function volumeOf(source: Resource, amount: number, id: string, containerPath: string, principal: string | undefined): Resources {
  const volume = persistentVolume({ id, containerPath, mode: 'RW', ...(principal !== undefined ? { principal } : {}) });
  return Resources.of([{ ...(source as ScalarResource), value: amount, volume }]);
}

/**
 * A CREATE of a volume of part or all of `source` (a reserved disk entry of the offer), now and
 * then with a second volume of what is left of it, and maybe a task on the (first) volume; without
 * a task, now and then a DESTROY of what it made, in the same ACCEPT (`planVolumeOperation`).
 */
function planCreate(model: FrameworkModel, offer: Offer, offered: Resources, source: Resource, nowMs: number): PlannedConversions {
  const random = model.random;
  const whole = source.type === 'SCALAR' ? source.value : 0;
  const amount = random.next() < WHOLE_DISK_VOLUME_PROBABILITY ? whole : Math.min(whole, model.pick(VOLUME_SIZES_MB));
  const first = model.newPersistenceId();
  const volume = volumeOf(source, amount, first.id, `${model.name}/${first.id}`, model.principal);
  let made = volume;
  let shared = first.shared;
  if (whole - amount >= 1 && random.next() < SECOND_VOLUME_PROBABILITY) {
    const second = model.newPersistenceId();
    if (second.id !== first.id) made = made.add(volumeOf(source, Math.min(whole - amount, model.pick(VOLUME_SIZES_MB)), second.id, `${model.name}/${second.id}`, model.principal));
    shared = shared || second.shared;
  }
  const operations: Operation[] = [{ type: 'CREATE', create: { volumes: made.toJSON() } }];
  model.conversionsSent.create++;
  model.log(`${model.name} creates ${made.format()} on ${offer.agentId} (offer ${offer.id})`);
  const available = offered.subtract(made.withoutVolumes()).add(made);
  // A shared id may be taken on the agent by a volume the offer does not show (in use): the CREATE may be refused.
  if (shared || random.next() >= LAUNCH_ON_VOLUME_PROBABILITY || model.liveTasks().length >= MAX_LIVE_TASKS_PER_FRAMEWORK) {
    if (random.next() >= DESTROY_AT_ONCE_PROBABILITY) return { operations, tasks: [], available };
    operations.push({ type: 'DESTROY', destroy: { volumes: made.toJSON() } });
    model.conversionsSent.destroy++;
    model.log(`${model.name} destroys ${made.format()} at once, in the same ACCEPT`);
    // Refused with the CREATE (a shared id taken), it is refused too: nothing of the offer changes either way.
    return { operations, tasks: [], available: offered };
  }
  const launched = taskOnVolume(model, offer, available, volume, nowMs);
  operations.push({ type: 'LAUNCH', launch: { taskInfos: [launched.task] } });
  return { operations, tasks: [launched.task], available: launched.available };
}

/** A task on `volume` (whole, as offered) and, if what is left holds it, `VOLUME_TASK_SHAPE`; and what is left after it. */
function taskOnVolume(model: FrameworkModel, offer: Offer, available: Resources, volume: Resources, nowMs: number): { task: TaskInfo; available: Resources } {
  const rest = available.subtract(volume);
  const extra = fitInto(rest, Resources.parse(VOLUME_TASK_SHAPE), offer.allocationRole) ?? Resources.EMPTY;
  const resources = volume.add(extra);
  model.conversionsSent.tasksOnVolumes++;
  return { task: newTask(model, offer, resources, undefined, nowMs), available: rest.subtract(extra) };
}

/** A DESTROY of an offered volume, maybe followed by an UNRESERVE of its disk when that is dynamically reserved (`planVolumeOperation`). */
function planDestroy(model: FrameworkModel, offer: Offer, offered: Resources, entry: Resource): PlannedConversions {
  const volume = Resources.of([entry]);
  const disk = volume.withoutVolumes();
  const operations: Operation[] = [{ type: 'DESTROY', destroy: { volumes: volume.toJSON() } }];
  model.conversionsSent.destroy++;
  let available = offered.subtract(volume).add(disk);
  const unreserve = entry.reservation !== undefined && model.random.next() < UNRESERVE_AFTER_DESTROY_PROBABILITY;
  model.log(`${model.name} destroys ${volume.format()}${unreserve ? ' and unreserves its disk' : ''} on ${offer.agentId} (offer ${offer.id})`);
  if (!unreserve) return { operations, tasks: [], available };
  operations.push({ type: 'UNRESERVE', unreserve: { resources: disk.toJSON() } });
  model.conversionsSent.unreserve++;
  available = available.subtract(disk).add(disk.flatten());
  return { operations, tasks: [], available };
}

/**
 * An operation the master must refuse (`INVALID_VOLUME_OPERATIONS`), when the offer holds what it
 * needs: nothing of the offer changes (a task on part of a volume ends TASK_ERROR), so the ACCEPT's
 * other tasks are fitted to the offer as it was, and are not `fittedExactly`.
 */
function planInvalidVolumeOperation(model: FrameworkModel, offer: Offer, offered: Resources, nowMs: number): PlannedConversions | undefined {
  const volumes = offered.persistentVolumes().entries();
  const kind = model.pick(INVALID_VOLUME_OPERATIONS);
  const volume = volumes.length === 0 ? undefined : model.pick(volumes);
  const said = (what: string, operation: Operation, tasks: TaskInfo[] = []): PlannedConversions => {
    model.conversionsSent.invalid++;
    model.log(`${model.name} ${what} on ${offer.agentId} (offer ${offer.id}), invalid on purpose`);
    return { operations: [operation], tasks, available: offered, inexact: true };
  };
  switch (kind) {
    case 'unreserveVolume':
      if (volume === undefined || volume.reservation === undefined) return undefined;
      return said(`unreserves the volume ${Resources.of([volume]).format()}`, { type: 'UNRESERVE', unreserve: { resources: Resources.of([volume]).toJSON() } });
    case 'partOfVolume': {
      if (volume === undefined || volume.type !== 'SCALAR' || volume.value < 2) return undefined;
      const part = Resources.of([{ ...volume, value: Math.floor(volume.value / 2) }]);
      const task = newTask(model, offer, part, undefined, nowMs);
      return said(`launches ${task.taskId} on part of a volume, ${part.format()},`, { type: 'LAUNCH', launch: { taskInfos: [task] } }, [task]);
    }
    case 'duplicateId': {
      const source = reservedDisk(offered).find((entry) => entry.role === volume?.role);
      if (volume?.volume === undefined || source === undefined) return undefined;
      const twin = volumeOf(source, 1, volume.volume.id, `${model.name}/${volume.volume.id}-again`, model.principal);
      return said(`creates ${twin.format()}, whose persistence id its role has already,`, { type: 'CREATE', create: { volumes: twin.toJSON() } });
    }
    case 'destroyAbsent': {
      const source = reservedDisk(offered)[0];
      if (source === undefined) return undefined;
      const absent = volumeOf(source, 1, `${model.name}-absent`, `${model.name}/absent`, model.principal);
      return said(`destroys ${absent.format()}, which the agent does not have,`, { type: 'DESTROY', destroy: { volumes: absent.toJSON() } });
    }
    case 'duplicateInList': {
      const source = reservedDisk(offered).find((entry) => entry.type === 'SCALAR' && entry.value >= 2);
      if (source === undefined) return undefined;
      const { id } = model.newPersistenceId();
      const twins = volumeOf(source, 1, id, `${model.name}/${id}-a`, model.principal).add(volumeOf(source, 1, id, `${model.name}/${id}-b`, model.principal));
      return said(`creates ${twins.format()}, two volumes with one persistence id,`, { type: 'CREATE', create: { volumes: twins.toJSON() } });
    }
    case 'destroyInUse':
      return volume === undefined || model.liveTasks().length >= MAX_LIVE_TASKS_PER_FRAMEWORK ? undefined : planDestroyInUse(model, offer, offered, volume, nowMs);
  }
}

/**
 * A task on an offered volume, then, in the same ACCEPT, a DESTROY of that volume, which the
 * master must refuse (the task took it): the task runs on the volume, which stays.
 */
function planDestroyInUse(model: FrameworkModel, offer: Offer, offered: Resources, entry: Resource, nowMs: number): PlannedConversions {
  const volume = Resources.of([entry]);
  const { task, available } = taskOnVolume(model, offer, offered, volume, nowMs);
  model.conversionsSent.invalid++;
  model.log(`${model.name} destroys ${volume.format()} on ${offer.agentId} (offer ${offer.id}) after launching ${task.taskId} on it, invalid on purpose`);
  return {
    operations: [{ type: 'LAUNCH', launch: { taskInfos: [task] } }, { type: 'DESTROY', destroy: { volumes: volume.toJSON() } }],
    tasks: [task], available, inexact: true,
  };
}

/** A task with a random command, run by a command executor or by `executor` (its command then in `data`); recorded in the model. */
function newTask(model: FrameworkModel, offer: Offer, resources: Resources, executor: ExecutorInfo | undefined, nowMs: number): TaskInfo {
  const command = randomCommand(model.random);
  const taskId = model.newTaskId();
  const base = { name: 'chaos', taskId, agentId: offer.agentId, resources: resources.toJSON() };
  // Drawn after the command and id, and only with `fetch`: a run without it draws as before.
  const fetch = executor === undefined ? model.drawFetch(taskId) : undefined;
  const uris = fetch === undefined ? {} : { uris: fetch.uris.map((value) => ({ value })) };
  const task: TaskInfo = executor === undefined ? { ...base, command: { value: command, ...uris } } : { ...base, executor, data: command };
  const described = executor === undefined ? command : `${command} (under ${executor.executorId})`;
  model.launched(task, fetch === undefined ? described : `${described} fetching ${fetch.uris.join(' ')}`, resources, nowMs, fetch);
  return task;
}

/** One of the framework's custom executors: always the same info for the same id, as the master requires (its URIs too, with `fetch`). */
function executorInfo(model: FrameworkModel, index: number): ExecutorInfo {
  const fetch = model.executorFetch(index);
  const uris = fetch === undefined ? {} : { uris: fetch.uris.map((value) => ({ value })) };
  return { executorId: `${model.name}-executor-${index}`, command: { value: 'simulated', ...uris }, resources: Resources.parse(EXECUTOR_RESOURCES).toJSON() };
}

function randomCommand(random: Prng): string {
  const draw = random.next();
  if (draw < SLEEP_SHARE) return `sleep ${1 + random.nextInt(MAX_SLEEP_SECONDS)}`;
  if (draw < SLEEP_SHARE + EXIT_SHARE) return `exit ${random.nextInt(MAX_EXIT_CODE + 1)}`;
  return 'serve';
}

/** Which live task a framework kills, and whether it names the task's agent (logged); undefined when it has none live. */
export function chooseKill(model: FrameworkModel): { readonly taskId: string; readonly agentId: string | undefined } | undefined {
  const live = model.liveTasks();
  if (live.length === 0) return undefined;
  const task = model.pick(live);
  model.log(`${model.name} kills ${task.taskId}`);
  return { taskId: task.taskId, agentId: model.random.next() < NAME_AGENT_PROBABILITY ? task.agentId : undefined };
}

/**
 * What a framework reconciles (logged): an empty list (implicit: all its live tasks), or a few
 * named tasks, live or not, with or without their agents, and one it never launched.
 */
export function chooseReconciliation(model: FrameworkModel): Array<{ taskId: string; agentId?: string }> {
  if (model.random.next() < IMPLICIT_RECONCILIATION_PROBABILITY) {
    model.log(`${model.name} reconciles implicitly`);
    return [];
  }
  const known = [...model.tasks.values()];
  const count = 1 + model.random.nextInt(MAX_RECONCILED_TASKS);
  const named: Array<{ taskId: string; agentId?: string }> = Array.from({ length: Math.min(count, known.length) }, () => model.pick(known))
    .map((task) => (model.random.next() < NAME_AGENT_PROBABILITY ? { taskId: task.taskId, agentId: task.agentId } : { taskId: task.taskId }));
  named.push({ taskId: `${model.name}-never-launched` });
  model.log(`${model.name} reconciles ${named.map((task) => task.taskId).join(', ')}`);
  return named;
}

// ---- task groups (`--task-groups`) ---------------------------------------------------------------

/**
 * With task groups, drawn: a LAUNCH_GROUP of `MIN_GROUP_TASKS`-`MAX_GROUP_TASKS` tasks (each with
 * its own command) on a DEFAULT executor of the framework: a new one with its own resources, or
 * now and then one that already runs on the agent (`running`: the offer's executor ids). Now and
 * then it is invalid on purpose (`INVALID_GROUPS`): nothing of the offer is then taken. Undefined
 * when the offer cannot hold it (the draws are made all the same).
 */
function planTaskGroup(model: FrameworkModel, offer: Offer, offered: Resources, running: Set<string>, nowMs: number): { operations: Operation[]; tasks: TaskInfo[]; available: Resources } | undefined {
  const random = model.random;
  const count = MIN_GROUP_TASKS + random.nextInt(MAX_GROUP_TASKS - MIN_GROUP_TASKS + 1);
  const invalid = random.next() < INVALID_GROUP_PROBABILITY ? model.pick(INVALID_GROUPS) : undefined;
  const reusable = [...model.defaultExecutors.keys()].filter((executorId) => running.has(executorId));
  const reused = reusable.length > 0 && random.next() < REUSE_GROUP_EXECUTOR_PROBABILITY ? model.pick(reusable) : undefined;
  const executor = reused !== undefined ? model.defaultExecutors.get(reused) as ExecutorInfo : newDefaultExecutor(model);
  const forExecutor = reused !== undefined ? Resources.EMPTY : fitInto(offered, Resources.parse(GROUP_EXECUTOR_RESOURCES), '*');
  if (forExecutor === undefined) return undefined;
  let available = offered.subtract(forExecutor);
  const shapes = Array.from({ length: count }, () => Resources.parse(model.pick(GROUP_TASK_SHAPES)));
  const picked: Resources[] = [];
  for (const shape of shapes) {
    const fitted = fitInto(available, shape, offer.allocationRole);
    if (fitted === undefined) return undefined;
    available = available.subtract(fitted);
    picked.push(fitted);
  }
  const commands = picked.map(() => randomCommand(random));
  const taskIds = picked.map(() => model.newTaskId());
  const first = taskIds[0] as string;
  const group: LaunchedGroup = { id: first, agentId: offer.agentId, executorId: executor.executorId, taskIds, ...(invalid !== undefined ? { invalid } : {}) };
  model.groups.set(group.id, group);
  model.conversionsSent.groups++;
  if (invalid !== undefined) model.conversionsSent.invalidGroups++;
  if (reused === undefined && invalid === undefined) running.add(executor.executorId);
  const tasks: TaskInfo[] = picked.map((resources, index) => {
    const taskId = taskIds[index] as string;
    const command = commands[index] as string;
    // The first task of a group invalid that way has no command: the master must refuse the whole group.
    const withCommand = invalid === 'taskWithoutCommand' && index === 0 ? {} : { command: { value: command } };
    return { name: 'chaos', taskId, agentId: offer.agentId, resources: resources.toJSON(), ...withCommand };
  });
  const sent: ExecutorInfo = invalid === 'executorWithoutType' ? withoutType(executor) : executor;
  model.log(`${model.name} launches the group ${group.id} (${taskIds.join(', ')}) on ${offer.agentId} under ${reused !== undefined ? 'its running' : 'a new'} DEFAULT executor ${executor.executorId}${invalid !== undefined ? `, invalid on purpose (${invalid})` : ''}`);
  tasks.forEach((task, index) => model.launched(task, `${commands[index] as string} (in ${group.id})`, picked[index] as Resources, nowMs, undefined, group));
  const operations: Operation[] = [{ type: 'LAUNCH_GROUP', launchGroup: { executor: sent, taskGroup: { tasks } } }];
  // Refused, the group takes nothing of the offer.
  return { operations, tasks, available: invalid !== undefined ? offered : available };
}

/** A new DEFAULT executor of the framework (no command: the agent supplies it), kept so that a later group may reuse it. */
function newDefaultExecutor(model: FrameworkModel): ExecutorInfo {
  const executorId = `${model.name}-pod-${model.defaultExecutors.size}`;
  const executor: ExecutorInfo = { executorId, type: 'DEFAULT', resources: Resources.parse(GROUP_EXECUTOR_RESOURCES).toJSON() };
  model.defaultExecutors.set(executorId, executor);
  return executor;
}

/** `executor` without its type: the master must refuse a group with it. */
function withoutType(executor: ExecutorInfo): ExecutorInfo {
  const { type: _type, ...rest } = executor;
  return rest as ExecutorInfo;
}

/**
 * With task groups and volumes, drawn: a GROW_VOLUME of an offered volume by part of an offered
 * reserved disk entry it may grow by (the same role and reservation), or a SHRINK_VOLUME of one
 * by less than its size. Recorded in the model (`resizes`); undefined when the offer holds
 * nothing to resize.
 */
function planResize(model: FrameworkModel, offer: Offer, offered: Resources, nowMs: number): PlannedConversions | undefined {
  const volumes = offered.persistentVolumes().entries().filter((entry) => entry.type === 'SCALAR');
  if (volumes.length === 0) return undefined;
  const volume = model.pick(volumes);
  const size = volume.type === 'SCALAR' ? volume.value : 0;
  const disk = reservedDisk(offered).filter((entry) => entry.role === volume.role && entry.reservation?.key === volume.reservation?.key && entry.type === 'SCALAR' && entry.value >= 1);
  const grow = model.random.next() < GROW_SHARE && disk.length > 0;
  const json = Resources.of([volume]).toJSON()[0];
  if (json === undefined) return undefined;
  if (grow) {
    const source = model.pick(disk);
    const amount = Math.min(source.type === 'SCALAR' ? Math.floor(source.value) : 0, model.pick(VOLUME_SIZES_MB));
    const addition = Resources.of([{ ...(source as ScalarResource), value: amount }]);
    model.conversionsSent.grow++;
    model.recordResize('GROW_VOLUME', offer.agentId, volume, size, size + amount, nowMs);
    model.log(`${model.name} grows ${Resources.of([volume]).format()} by ${addition.format()} on ${offer.agentId} (offer ${offer.id})`);
    const operation: Operation = { type: 'GROW_VOLUME', growVolume: { volume: json, addition: addition.toJSON()[0] as typeof json } };
    // The grown volume is not the ACCEPT's later operations' to use (Mesos keeps a resize's result out of them; it is offered again).
    return { operations: [operation], tasks: [], available: offered.subtract(Resources.of([volume])).subtract(addition) };
  }
  if (size < 2) return undefined;
  const subtract = 1 + model.random.nextInt(Math.floor(size) - 1);
  model.conversionsSent.shrink++;
  model.recordResize('SHRINK_VOLUME', offer.agentId, volume, size, size - subtract, nowMs);
  model.log(`${model.name} shrinks ${Resources.of([volume]).format()} by ${subtract} on ${offer.agentId} (offer ${offer.id})`);
  const operation: Operation = { type: 'SHRINK_VOLUME', shrinkVolume: { volume: json, subtract: { value: subtract } } };
  // Neither the shrunk volume nor the disk it gives back is the ACCEPT's later operations' to use (as a grow's).
  return { operations: [operation], tasks: [], available: offered.subtract(Resources.of([volume])) };
}
