/**
 * The agent actor (Mesos' `Slave`): it registers with the master, starts an executor process
 * per executor id in a sandbox, passes tasks, kills and framework messages to executors, and
 * relays their status updates to the master through the status update manager, which retries
 * each until the framework acknowledges it. See docs/agent.md for the behaviour in full.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { resolvedPath } from '../../lib/absolute-path';
import { Authorizer, type Acls } from '../../lib/acls';
import { flagsResponse, v1LoggingLevel } from '../../lib/info-actors';
import { aclViewer, type StateViewer } from '../../lib/state-json';
import type { LoggingLevelCall, V1OperationView } from '../../lib/v1/operator';
import { sameSecret, type Credential } from '../../lib/authentication';
import { Authenticatee } from '../../lib/authenticatee';
import { Actor, dispatch, UPID, type BodyOf, type MessageType, type Timer } from '../../lib/actor';
import { authenticateRequest, httpError, isResponse, methodNotAllowed, ok, withCors, withRouteOptions, type HttpAuthentication, type HttpCaller, type HttpRequest, type HttpResponse } from '../../lib/process';
import { executorCallWithoutToken, MAX_EXECUTOR_CALL_BYTES, type ExecutorApi } from './v1-executor';
import {
  AgentRegistered, AgentReregistered, CheckpointResources, DrainAgent, ExecutorRegistered, ExecutorReregistered, ExecutorToFramework, ExitedExecutor, FrameworkToExecutor,
  KillTaskOnAgent, KillTaskOnExecutor, Ping, Pong, ReconnectExecutor, RegisterAgent, RegisterExecutor, ReregisterAgent, ReregisterExecutor,
  RunTask, RunTaskGroup, RunTaskGroupOnExecutor, RunTaskOnExecutor, Shutdown, ShutdownExecutor, ShutdownExecutorOnExecutor, ShutdownFramework,
  StatusUpdateAcknowledgement, StatusUpdateMessage, UnregisterAgent, UpdateFramework, OperationStatusAcknowledgement, UpdateOperationStatus,
  boundedText, checkStatusInfoError, droppedTaskState, isPartitionAware, isTerminalState, MAX_COMPLETED_FRAMEWORKS, snapshotTask,
  type AgentInfo, type AgentOperation, type CommandInfo, type DrainConfig, type FrameworkInfo, type Attributes, type ExecutorInfo, type ExecutorState, type MasterInfo, type StatusUpdate, type Task, type TaskInfo, type TaskState,
} from '../../lib/protocol';
import { leaderPid, NO_MASTER } from '../../lib/ha/detector';
import { shownZooKeeperUrl } from '../../lib/ha/zookeeper';
import type { DetectedMaster, MasterDetector } from '../../lib/ha/election';
import { Resources, volumesWhole, type ResourceJSON } from '../../lib/resources';
import { checkpointedInfoOf, declaredInfoOf, type AgentCheckpoints, type CheckpointedAgentInfo, type CheckpointRecord, type RecoveredAgent, type RecoveredExecutor } from './checkpoint';
import { reconfigurationError } from './compatibility';
import { applyCheckpointedResources, checkpointedResourcesError } from './checkpointed-resources';
import { listsVolume, sandboxVolumesOf, VolumeDirectoryBooks, type VolumeDirectoryChanges } from './volumes';
import { AGENT_RECOVERING, AGENT_VERSION, DISK_USAGE_INPUT, SANDBOX_SCAN_INPUT, EXECUTOR_TOKEN_BYTES, EXECUTOR_TOKEN_INPUT, MASTER_DETECTED_INPUT, MAX_EXECUTORS, AUTHENTICATE_HTTP_EXECUTORS, DEFAULT_AGENT_CAPABILITIES, MAX_QUEUED_TASKS_PER_EXECUTOR, MAX_RUN_TASKS_BEFORE_REGISTRATION, MAX_REMEMBERED_EXECUTOR_REPORTS, REGISTER_RETRY_INTERVAL_MAX_MS, AGENT_NO_MASTER_WARNING_MS, RECOVERY_TIMEOUT_MS, CONTAINER_CPUS_HEADROOM, CONTAINER_MEM_HEADROOM_BYTES, NODE_COMMAND_EXECUTOR_MEM_HEADROOM_BYTES, BYTES_PER_MB, MAX_LOGGED_RESERVATIONS_CHARS } from './constants';
import { masterPid, renderAgentFlags, type AgentFlags } from './flags';
import type { ExecutorExit, ExecutorLaunch, Launcher, LaunchedExecutor } from './launcher';
import type { ContainerLimits } from './isolator';
import { KILL_CONTAINER_DEFAULT_SIGNAL, serveAgentOperatorCall, type AgentFilesReader, type AgentOperatorPort } from './v1-operator';
import { containerEntry, resourceStatistics, statisticsEntry, type MonitoredContainer, type ResourceStatisticsJson } from './monitor';
import { nativeChecksRefusal } from './native-checks';
import { executorDirectoryIn, executorDirectoryOfRun, executorRunDirectoryIn, frameworkDirectoryIn, frameworkDirectoryOfRun, frameworksDirectory, pathComponentError } from './paths';
import { contains, GarbageCollector, type GarbageCollectorOptions, maxAllowedAgeMs, nodeSandboxFileSystem, sandboxDirectories, type SandboxDirectory, type SandboxFileSystem } from './gc';
import type { Logger } from '../../lib/logging';
import { ExecutorRecord, AgentFrameworkRecord } from './records';
import { AgentCounters, agentMetrics } from './metrics';
import { agentStateJson, agentV1State, type AgentV1Part, type AgentV1State } from './state';
import { DEFAULT_METRICS_TIMEOUT_MS, METRICS_ACTOR_ID, MetricsProcess } from '../../lib/metrics';
import { v1AgentInfo as v1AgentInfoJson } from '../../lib/v1/json';
import { isUuidText } from '../../lib/uuid';
import { AgentOperations, type AgentOperationHooks } from './operations';
import { TaskStatusUpdateManager, type StatusUpdateManagerOptions } from './status-update-manager';
import { agentStatusUpdate, commandExecutorInfo, describeExit, executorResourcesOf, stampExecutorUpdate, waitStatus, type AgentVerdict } from './updates';
import { LazyMap, LazySet } from '../../lib/lazy-collections';
import { SmallMap } from '../../lib/small-map';
import { withFields } from '../../lib/with-fields';

/** How the agent is built; `startAgent` fills this in from the flags and the machine. */
export interface AgentOptions {
  /** The actor id, `slave(N)` from `host.uniqueId('slave')` (default `slave(1)`). */
  readonly id?: string;
  readonly flags: AgentFlags;
  /**
   * The resources it declares (detected and/or from `--resources`): its AgentInfo's. Its total is
   * these with `checkpointedResources` carved out of them.
   */
  readonly resources: Resources;
  /**
   * Its dynamic reservations, as a previous run checkpointed them (`recoverCheckpointedResources`
   * read and checked them against `resources`; none by default). The master's word: they change
   * only by its `CheckpointResources`.
   */
  readonly checkpointedResources?: Resources;
  /**
   * What it advertises it can do (Mesos' `SlaveInfo.Capability` names). A test's choice; the bins
   * always use the default, as Mesos' `--agent_features` must list operation feedback's.
   * Default `DEFAULT_AGENT_CAPABILITIES`: with AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER,
   * frameworks may ask for feedback on operations of its resources (operations.ts).
   */
  readonly capabilities?: string[];
  readonly attributes: Attributes;
  /** Host name reported to the master. */
  readonly hostname: string;
  /** Starts executor processes (tests inject one that starts none). */
  readonly launcher: Launcher;
  /** What runs the command executor (default: node with `command-executor.js`). */
  readonly commandExecutor: CommandInfo;
  /**
   * What runs the default executor (`ExecutorInfo.type` DEFAULT, which runs task groups):
   * `startAgent` gives `node default-executor.js`. Without it, the command executor's command
   * (a simulation's executors run any task they are given).
   */
  readonly defaultExecutor?: CommandInfo;
  /**
   * What runs the command executor for checkpointing frameworks (default `commandExecutor`):
   * one that outlives the agent and reconnects to a restarted one. The native executor cannot
   * (it ends with its link to the agent), so `startAgent` gives the TypeScript one here.
   */
  readonly recoverableCommandExecutor?: CommandInfo;
  /** Where it checkpoints (`startAgent` opens the journal in the work dir); without it nothing is. */
  readonly checkpoints?: AgentCheckpoints;
  /** What a previous run checkpointed, to take back at start (`--recover=reconnect`). */
  readonly recovered?: RecoveredAgent;
  /** This machine's boot id (`currentBootId`), checkpointed with executor process ids. */
  readonly bootId?: string;
  /** Corrupt checkpoint lines skipped at start (`--strict=false`): counted in `slave/recovery_errors`. */
  readonly recoveryErrors?: number;
  /** Follows the leading master (`--master zk://...`); without it the master is `flags.master`, fixed. */
  readonly detector?: MasterDetector;
  /**
   * Authenticate to each master with this principal and secret before registering (Mesos'
   * `--credential`; needed when the master runs with `--authenticate_agents`). A master that
   * refuses it shuts the agent down with the master's reason.
   */
  readonly credential?: Credential;
  /** Makes each executor run's token (default: 32 random bytes, hex); a replay passes the recorded ones. */
  readonly executorToken?: () => string;
  /** What the HTTP routes authenticate against (`--http_credentials`; `--authenticate_http_readonly` for `/state` and the other read-only ones, `--authenticate_http_readwrite` for `/api/v1`; default: anyone may read them). */
  readonly httpAuthentication?: HttpAuthentication;
  /** The ACLs whose view_frameworks, view_tasks and view_executors filter `/state` (default: all is shown). */
  readonly acls?: Acls;
  /**
   * What sandbox garbage collection reads and removes (default: the machine's file system); a
   * test fakes the disk usage with it, a simulation on a memory disk passes `inertSandboxFileSystem`.
   */
  readonly sandboxFileSystem?: SandboxFileSystem;
}

/**
 * What the v1 executor API learns from the agent about the executor run a call names
 * (`Agent.executorForApi`): the run, or the answer to give (Mesos' `Http::executor` checks).
 */
export type ExecutorApiLookup =
  | {
    readonly ok: true;
    /** The run's id: the executor's `container_id`. */
    readonly runId: string;
    readonly phase: 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';
    /** The actor the executor registered as (an actor executor, or the API's adapter), once registered. */
    readonly pid: string | undefined;
    /** The framework checkpoints (the executor retries subscribing for `MESOS_RECOVERY_TIMEOUT`). */
    readonly checkpoint: boolean;
    /** The framework, or the agent, is shutting down: a subscription gets SHUTDOWN. */
    readonly shuttingDown: boolean;
    /** The agent is recovering and waits for this run to re-register from `pid` (an actor of this host). */
    readonly reconnect: boolean;
    readonly executorInfo: ExecutorInfo;
    readonly frameworkInfo: FrameworkInfo;
    /** The tasks the agent sent the run (for a re-registration). */
    readonly tasks: TaskInfo[];
    /** Every task of the run the agent knows (queued, launched or ended here): an UPDATE for any other is refused. */
    readonly taskIds: readonly string[];
    /** The run's token, for a call that carried none (`--authenticate_http_executors=false`): its adapter registers with it. */
    readonly token?: string;
  }
  | { readonly ok: false; readonly status: 400 | 401 | 403 | 503; readonly message: string };

/** What spawns an agent's v1 executor API actor at its first request (`Agent.serveExecutorApi`). */
export interface ExecutorApiSpawner {
  spawnExecutorApi(): ExecutorApi;
}

/** Whether `api` is what spawns the actor (an `ExecutorApi` has no `spawnExecutorApi`). */
function isExecutorApiSpawner(api: ExecutorApi | ExecutorApiSpawner): api is ExecutorApiSpawner {
  return 'spawnExecutorApi' in api;
}

/** What the v1 executor API asks the agent about a call (`Agent.executorForApi`). */
export interface ExecutorApiCall {
  readonly frameworkId: string;
  readonly executorId: string;
  /** The call's `Authorization: Bearer` token; undefined only when `--authenticate_http_executors` is false. */
  readonly token: string | undefined;
  /** A SUBSCRIBE (the only call a recovering agent takes). */
  readonly subscribe: boolean;
  /** Told once when the run ends. */
  readonly onEnded?: () => void;
}

/** Whether `token` is `executor`'s run's (its own, or for a recovered run the hash the journal kept). */
function runHasToken(executor: ExecutorRecord, token: string): boolean {
  return executor.token !== undefined
    ? sameSecret(executor.token, token)
    : executor.tokenSha256 !== undefined && sameSecret(executor.tokenSha256, createHash('sha256').update(token).digest('hex'));
}

/** A run the journal kept as completed, as the books hold a completed executor: its completed tasks with their statuses, none live. */
function completedRun(frameworkId: string, agentId: string, run: RecoveredExecutor): ExecutorRecord {
  const executor = new ExecutorRecord({ ...run.info, frameworkId }, frameworkId, agentId, run.commandExecutor, run.runId, run.directory);
  executor.role = run.role;
  restoreCompletedTasks(executor, run);
  executor.phase = 'TERMINATED';
  return executor;
}

/** The run's completed tasks, back in `executor`'s books with their statuses (a live run's too: Mesos' `recoverTask`). */
function restoreCompletedTasks(executor: ExecutorRecord, run: RecoveredExecutor): void {
  for (const task of run.completedTasks) {
    executor.setTaskRole(task.info.taskId, task.role);
    executor.launchTask(task.info);
    for (const { update } of task.updates) executor.updateTaskState(update.status);
    executor.completeTask(task.info.taskId);
  }
}

/** The state of a task whose executor the restarted agent could not take back (Mesos' `reregisterExecutorTimeout`). */
function goneState(framework: FrameworkInfo): 'TASK_GONE' | 'TASK_LOST' {
  return isPartitionAware(framework) ? 'TASK_GONE' : 'TASK_LOST';
}

/**
 * What becomes of a task the restarted agent had sent to its executor that the executor, re-registering, does
 * not list and that has no update: the agent died before delivering it (Mesos' `REASON_SLAVE_RESTARTED`,
 * "agent" for "slave" as elsewhere here).
 */
function launchedDuringRestart(framework: FrameworkInfo): AgentVerdict {
  return { state: droppedTaskState(framework), reason: 'REASON_AGENT_RESTARTED', message: 'Task launched during agent restart' };
}

/**
 * What the launch's tasks use together, each list parsed once (the launch's checks read it from
 * here, not parsing the lists again), or why they cannot be counted with their executor's (and
 * those of the executor's other tasks) and with one another. The master checks them; an agent
 * that took bad ones anyway could not render its /state again (wire fuzzer, seed 3, with the
 * fuzzer as the agent's master), and a group whose members each fit but not together threw in
 * the launch, which then neither ran nor failed them. The executor's side is read once for the
 * whole launch (a group's members each read it again).
 */
function launchResourcesOrError(tasks: readonly TaskInfo[], executorInfo: ExecutorInfo, existing: ExecutorRecord | undefined): Resources | string {
  try {
    let used = existing?.usedResources() ?? executorResourcesOf(executorInfo);
    let launched = Resources.EMPTY;
    for (const task of tasks) {
      const resources = Resources.fromJSON(task.resources);
      used = used.add(resources);
      launched = launched.add(resources);
    }
    return launched;
  } catch (error) {
    return `Task uses invalid resources: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * What a run's container may use: its executor's and tasks' resources (Mesos gives its
 * containerizer those), so a command task's is its task's plus its executor's own 0.1 cpus and
 * 32 MB (`COMMAND_EXECUTOR_RESOURCES`, in its info). Ours, not Mesos': any other executor's also
 * gets the headroom of its process (`CONTAINER_CPUS_HEADROOM`, `CONTAINER_MEM_HEADROOM_BYTES`),
 * and a command executor that is a Node.js process the rest of that memory headroom
 * (`NODE_COMMAND_EXECUTOR_MEM_HEADROOM_BYTES`); one recovered from a journal from before it had
 * resources of its own, the whole headroom, as it was started with.
 */
function containerLimits(executor: ExecutorRecord): ContainerLimits {
  const used = executor.usedScalars();
  // A command executor recovered from a journal written before it had resources of its own
  // (none in its info) keeps the headroom it was started with: its running task's container is
  // not cut by 0.1 cpus and 64 MB when the agent is upgraded in place.
  const allowanceInInfo = executor.commandExecutor && executor.info.resources !== undefined;
  const headroomCpus = allowanceInInfo ? 0 : CONTAINER_CPUS_HEADROOM;
  const headroomBytes = !allowanceInInfo ? CONTAINER_MEM_HEADROOM_BYTES : runsOnNode(executor.info) ? NODE_COMMAND_EXECUTOR_MEM_HEADROOM_BYTES : 0;
  // In thousandths, as Mesos' fixed-point scalars (0.2 + 0.1 showed as 0.30000000000000004 in
  // /monitor/statistics: monitoring walkthrough).
  const cpus = Math.round((used.cpus + headroomCpus) * 1000) / 1000;
  const memBytes = used.mem * BYTES_PER_MB + headroomBytes;
  const diskBytes = used.disk * BYTES_PER_MB;
  // The last limits made, shared (frozen) when the next executor's are the same: nearly every
  // executor of a framework asks for the same, and each launch in flight kept its own copy.
  const last = lastContainerLimits;
  if (last !== undefined && last.cpus === cpus && last.memBytes === memBytes && (last.diskBytes ?? 0) === diskBytes) return last;
  const limits: ContainerLimits = Object.freeze(diskBytes > 0 ? { cpus, memBytes, diskBytes } : { cpus, memBytes });
  lastContainerLimits = limits;
  return limits;
}

/** Whether the executor `info` runs is a Node.js process (a `.js` script run with this node, as `startAgent` runs the TypeScript executors). */
function runsOnNode(info: ExecutorInfo): boolean {
  return info.command?.value === process.execPath;
}

/** What `containerLimits` made last. */
let lastContainerLimits: ContainerLimits | undefined;

/**
 * Whether the executor's resources, or a live task's, list a persistent volume: scans of the
 * lists, through `forEach` with a shared flag (no closure, iterator or array: every launch asks).
 */
function containerUsesVolumes(executor: ExecutorRecord): boolean {
  if (listsVolume(executor.info.resources)) return true;
  volumeScan.found = false;
  executor.queuedTasks.forEach(noteTaskVolumes, volumeScan);
  executor.launchedTasks.forEach(noteTaskVolumes, volumeScan);
  return volumeScan.found;
}

/** `containerUsesVolumes`' flag (the agent runs one turn at a time). */
const volumeScan = { found: false };

/** Sets `this.found` when `task` lists a persistent volume (a `forEach` callback that makes no closure). */
function noteTaskVolumes(this: { found: boolean }, task: { readonly resources: readonly ResourceJSON[] }): void {
  if (listsVolume(task.resources)) this.found = true;
}

/** The resource lists of a container: its executor's, then each live task's (queued, then launched). */
function containerResourceLists(executor: ExecutorRecord): Array<readonly ResourceJSON[] | undefined> {
  const lists: Array<readonly ResourceJSON[] | undefined> = [executor.info.resources];
  for (const task of executor.queuedTasks.values()) lists.push(task.resources);
  for (const task of executor.launchedTasks.values()) lists.push(task.resources);
  return lists;
}

/** How a checkpointing framework's executor waits for a restarted agent, shared by every launch with the same `--executor_reregistration_timeout` (the last one made). */
function executorRecovery(subscriptionBackoffMaxMs: number, timeoutMs: number = RECOVERY_TIMEOUT_MS): NonNullable<ExecutorLaunch['recovery']> {
  const last = lastExecutorRecovery;
  if (last !== undefined && last.subscriptionBackoffMaxMs === subscriptionBackoffMaxMs && last.timeoutMs === timeoutMs) return last;
  const recovery = Object.freeze({ timeoutMs, subscriptionBackoffMaxMs });
  lastExecutorRecovery = recovery;
  return recovery;
}

/** What `executorRecovery` made last. */
let lastExecutorRecovery: NonNullable<ExecutorLaunch['recovery']> | undefined;

/** How the books end a task still live when its framework is shut down (the master kills it with the same reason). */
const FRAMEWORK_SHUT_DOWN = { state: 'TASK_KILLED', reason: 'REASON_FRAMEWORK_REMOVED', message: 'The framework was shut down' } as const;

/**
 * Life of the agent (Mesos' `Slave::State`): RECOVERING while a restarted agent waits for its
 * checkpointed executors to re-register, DISCONNECTED until (re-)registered, RUNNING, TERMINATING.
 */
export type AgentPhase = 'RECOVERING' | 'DISCONNECTED' | 'RUNNING' | 'TERMINATING';

/** `updateWrites`' key: by task and uuid (uuids are random: two executors' could meet, each seeding its own generator). */
function updateWriteKey(frameworkId: string, taskId: string, uuid: string): string {
  return `${frameworkId}/${taskId}/${uuid}`;
}

/**
 * The agent actor. Its protocol is the block of handlers in the constructor: first what the
 * master sends, then what executors send.
 */
export class Agent extends Actor {
  /** The leading master (`NO_MASTER` while none is known). */
  private master: UPID;
  /** DISCONNECTED until (re-)registered; RUNNING while the master is believed alive. */
  private phase: AgentPhase = 'DISCONNECTED';
  /** Assigned by the master at the first registration; kept across re-registrations. */
  private agentId: string | undefined;
  /** The master that last (re-)registered us. */
  private masterInfo: MasterInfo | undefined;
  /** The next registration attempt. */
  private registrationTimer: Timer | undefined;
  /** Warns, every `AGENT_NO_MASTER_WARNING_MS` while registering, that no master has answered. */
  private noMasterTimer: Timer | undefined;
  /** Registration attempts sent since the agent last started registering (for the no-master warning). */
  private registrationAttempts = 0;
  /** Fires when no ping has come for `masterPingTimeoutMs`. */
  private pingTimer: Timer | undefined;
  /** When `pingTimer` fires (clock ms). */
  private pingTimerDueMs = 0;
  /** When the master is lost unless a ping comes first (clock ms); `pingTimer` fires at or before it. */
  private pingDeadlineMs = 0;
  /** How long without a ping means the master is lost: what the master announced, else the flag (Mesos' `masterPingTimeout`). */
  private masterPingTimeoutMs: number;
  /** Frameworks with executors here, by id (small: most agents of a large cluster run one framework's tasks at a time). */
  private readonly frameworks: Map<string, AgentFrameworkRecord> = new SmallMap();
  /** Frameworks that had executors here and have none left, by id, least recently completed first (bounded). */
  private readonly completedFrameworks: Map<string, AgentFrameworkRecord> = new SmallMap();
  /** Status update streams, one per task. */
  private readonly updates: TaskStatusUpdateManager;
  /** When the agent started, in seconds since the epoch (for /state). */
  private startTimeSeconds = 0;
  /**
   * Why the master told this agent to shut down (its `Shutdown` message), if it did: `mesos-agent`
   * says it as it exits, with how to start a new agent in the work dir instead (the id is kept,
   * as Mesos keeps it, so a gone agent is refused at every start until the operator says so).
   */
  shutDownByMaster: string | undefined;
  /** The id the agent had when the master told it to shut down (none: it never registered). */
  shutDownAgentId: string | undefined;

  /** Whether the agent is ending of its own accord (the master's Shutdown, or `stop`), not killed from outside. */
  get shuttingDown(): boolean {
    return this.phase === 'TERMINATING';
  }
  /** The aborts of launches fetching their command's URIs (`fetchAbortFor`); made at the first (an agent of the simulation fetches nothing). */
  private fetches: Map<ExecutorRecord, AbortController> | undefined;
  /** Launches past their fetch (Mesos' `task_fetches_succeeded`: it runs its fetcher for every container, with URIs or none). */
  private fetchesSucceeded = 0;
  /** Launches whose fetch failed, or was aborted (Mesos' `task_fetches_failed`). */
  private fetchesFailed = 0;
  /** Custom executors (`frameworkId/executorId`) reported exited since the agent last lost its master, and not launched here since (`reportExecutorExited`). */
  private readonly reportedNotRunning = new LazySet<string>();
  /**
   * Whether the master has answered a ReregisterAgent since the agent last lost it: only then can
   * a late answer to a retried one count an executor already reported (`reportedNotRunning`). An
   * agent that registered anew sent none (it had no id), so it remembers no report: one key per
   * ended executor, kept until the master is lost, was ~150 B a task at the scale bench's burst.
   */
  private reregisteredWithMaster = false;
  /** `<workDir>/agents/<agentId>/frameworks` of the agent id it was made for (`frameworkDirectory`). */
  private frameworksDirectoryCache: { readonly agentId: string; readonly path: string } | undefined;
  /** Checkpoint writes of status updates not yet durable, by `updateWriteKey` (a repeated update's acknowledgement waits for its write). */
  private readonly updateWrites = new LazyMap<string, Promise<void>>();
  /** Checkpoint writes of tasks not yet durable, by `frameworkId/taskId` (the task is not sent to its executor before). */
  private readonly taskWrites = new LazyMap<string, Promise<void>>();
  /** RunTask messages that came before the first AgentRegistered (handled once it comes); undefined while none (no array an agent). */
  private runTasksBeforeRegistration: Array<{ from: UPID; message: BodyOf<typeof RunTask> } | { from: UPID; group: BodyOf<typeof RunTaskGroup> }> | undefined;
  /** Callers of `stop` waiting for the agent to finish shutting down; undefined while none. */
  private stopWaiters: Array<() => void> | undefined;
  /** The v1 WAIT_CONTAINER calls under way, by container (run) id: each told how it ended, or that the agent stopped first; undefined while none. */
  private containerWaiters: Map<string, Array<(outcome: ExecutorExit | 'stopped') => void>> | undefined;
  /** Authenticates with each master before registering (with `AgentOptions.credential`). */
  private readonly authenticatee: Authenticatee | undefined;
  /** Whether the current master has authenticated us (since we last lost it). */
  private authenticated = false;
  /** The `slave/*` counters of `/metrics/snapshot`. */
  private readonly counters = new AgentCounters();
  /** Seconds from start until recovery finished (`slave/recovery_time_secs`; 0 for an agent with nothing to recover); undefined while recovering. */
  private recoveryTimeSecs: number | undefined;
  /** What the v1 operator API reads of this agent. */
  private readonly operatorPort: AgentOperatorPort;
  /** The containers' usage being measured (concurrent monitor requests share it). */
  private usageInFlight: Promise<Array<{ readonly container: MonitoredContainer; readonly statistics: ResourceStatisticsJson }>> | undefined;
  /** Removes completed sandboxes after `--gc_delay`, sooner as the disk fills (gc.ts). */
  private readonly gc: GarbageCollector;
  /**
   * The v1 executor API's actor (`serveExecutorApi`), which `/slave(N)/api/v1/executor` is passed
   * to: the actor itself, or what spawns it at the first request (undefined: none served).
   */
  private executorApi: ExecutorApi | ExecutorApiSpawner | undefined;
  /** The ACLs (`--acls`), if any: what the HTTP routes let each caller see. */
  private readonly authorizer: Authorizer | undefined;
  /** What the garbage collector and the disk watch read and remove. */
  private readonly sandboxFileSystem: SandboxFileSystem;
  /**
   * Its dynamic reservations and their writes; undefined while it has none and writes none (most
   * agents: one field, not four, on each of a simulation's 100k agents).
   */
  private reservations: AgentReservations | undefined;
  /** Its operations with feedback not yet acknowledged (operations.ts); undefined while none (most agents). */
  private operationBook: AgentOperations | undefined;
  /** Tasks waiting for the write that makes their persistent volumes' directories (`withVolumesMade`); undefined when none. */
  private volumeWaiters: Array<{ readonly volumes: Resources; readonly resolve: () => void }> | undefined;
  /**
   * How the master asked this agent to drain (Mesos' `drainConfig`), checkpointed, until nothing is
   * left on it (`updateDrainStatus`); undefined while it is not draining. Meanwhile its tasks are
   * killed and new ones refused.
   */
  private drainConfig: DrainConfig | undefined;
  /** When it started draining (clock ms; Mesos' `estimatedDrainStartTime`, in memory only). */
  private drainStartMs: number | undefined;

  constructor(private readonly options: AgentOptions) {
    super(options.id ?? 'slave(1)');
    this.master = options.detector === undefined ? masterPid(options.flags.master) : leaderPid(options.detector.leader);
    this.masterPingTimeoutMs = options.flags.masterPingTimeoutMs;
    this.updates = new TaskStatusUpdateManager(new AgentUpdateHooks(this));
    this.sandboxFileSystem = options.sandboxFileSystem ?? nodeSandboxFileSystem;
    // Checked where they were read (a throw here is a bug: the caller let through what does not fit).
    if (options.checkpointedResources !== undefined) this.applyReservations(options.checkpointedResources);
    this.gc = new GarbageCollector(new AgentGcHooks(this, options.flags.workDir, this.sandboxFileSystem));
    this.authenticatee = options.credential === undefined ? undefined : Authenticatee.install(options.credential, {
      self: () => this.self(), send: (to, type, body) => this.send(to, type, body),
      delay: (ms, callback) => this.delay(ms, callback), install: (type, handler) => this.install(type, handler),
      secretBytes: (count) => this.host.secretBytes(count),
    });
    // From the master.
    this.install(AgentRegistered, this.registered);
    this.install(AgentReregistered, this.reregistered);
    this.install(Ping, this.ping);
    this.install(RunTask, this.runTask);
    this.install(RunTaskGroup, this.runTaskGroup);
    this.install(KillTaskOnAgent, this.killTask);
    this.install(StatusUpdateAcknowledgement, this.statusUpdateAcknowledgement);
    this.install(ShutdownFramework, this.shutdownFramework);
    this.install(ShutdownExecutor, this.shutdownExecutorMessage);
    this.install(Shutdown, this.shutdownMessage);
    this.install(UpdateFramework, this.updateFramework);
    this.install(FrameworkToExecutor, this.frameworkToExecutor);
    this.install(CheckpointResources, this.checkpointResources);
    this.install(OperationStatusAcknowledgement, this.operationStatusAcknowledgement);
    this.install(DrainAgent, this.drain);
    // From executors.
    this.install(RegisterExecutor, this.registerExecutor);
    this.install(ReregisterExecutor, this.reregisterExecutor);
    this.install(StatusUpdateMessage, this.statusUpdate);
    this.install(ExecutorToFramework, this.executorToFramework);
    this.authorizer = options.acls !== undefined ? new Authorizer(options.acls) : undefined;
    // Routes are methods (served with the agent as `this`), so every agent of a simulation shares one route table.
    this.route('/state', this.stateRoute);
    this.route('/health', this.healthRoute);
    // Mesos' `/slave(1)/monitor/statistics` (and its old `.json` name) and `/slave(1)/containers`:
    // each live container's usage, as read-only as `/state`; the ACLs' `view_containers` filters them (Mesos' VIEW_CONTAINER:
    // Mesos filters `/containers` so; its `/monitor/statistics` lists every executor to whoever get_endpoints lets in, ours does not).
    this.route('/monitor/statistics', this.statisticsRoute);
    this.route('/monitor/statistics.json', this.statisticsRoute);
    this.route('/containers', this.containersRoute);
    // The v1 operator API's calls that read the agent (`/slave(1)/api/v1`; `/api/v1` through the executor API's actor).
    this.route('/api/v1', this.serveOperatorApi);
    this.operatorPort = new AgentOperatorReader(this, options.httpAuthentication, this.authorizer);
    // Mesos' `/slave(1)/flags`: read-only credentials, and the ACLs' `view_flags`.
    this.route('/flags', this.flagsRoute);
  }

  // ---- HTTP routes (methods: see the constructor) --------------------------------------------

  private stateRoute(request: HttpRequest): HttpResponse {
    const caller = this.options.httpAuthentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readonly', this.options.httpAuthentication);
    if (isResponse(caller)) return withCors(caller);
    // As Mesos: not while a restarted agent takes its executors back (its books are not whole yet).
    if (this.phase === 'RECOVERING') return withCors({ status: 503, body: AGENT_RECOVERING });
    // The master's web UI reads it from its own origin (as data: CORS, not JSONP).
    return withCors(this.stateResponse(this.authorizer === undefined ? undefined : aclViewer(this.authorizer, caller.principal)));
  }

  private healthRoute(): HttpResponse {
    return ok('');
  }

  private statisticsRoute(request: HttpRequest): Promise<HttpResponse> {
    return this.usageResponse(request, '/monitor/statistics', statisticsEntry);
  }

  private containersRoute(request: HttpRequest): Promise<HttpResponse> {
    return this.usageResponse(request, '/containers', containerEntry, containersSelected);
  }

  /**
   * Each live container's usage as `render` puts it, for a caller `/state` would answer; `endpoint` is how the ACLs'
   * `get_endpoints` names the route. `select`, once the caller is let in, reads the request's filters: the containers
   * they select, or the 400 for filters that do not go together.
   */
  private async usageResponse(request: HttpRequest, endpoint: string, render: (container: MonitoredContainer, statistics: ResourceStatisticsJson) => unknown, select?: (query: HttpRequest['query']) => HttpResponse | ((container: MonitoredContainer) => boolean)): Promise<HttpResponse> {
    const caller = this.options.httpAuthentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readonly', this.options.httpAuthentication);
    if (isResponse(caller)) return withCors(caller);
    const authorizer = this.authorizer;
    // As Mesos' agent with an authorizer (without one, any method is served).
    if (authorizer !== undefined && request.method !== 'GET') return withCors(methodNotAllowed(['GET'], `Expecting 'GET', received '${request.method}'`));
    // The ACLs' `get_endpoints` names these two (Mesos' AUTHORIZABLE_ENDPOINTS), as `/monitor/statistics` and `/containers`.
    if (authorizer !== undefined && !authorizer.authorized('get_endpoints', caller.principal, endpoint)) return withCors({ status: 403, body: `Forbidden: the ACLs' get_endpoints do not let ${caller.principal ?? 'an anonymous caller'} GET ${endpoint}` });
    const selected = select?.(request.query);
    if (selected !== undefined && typeof selected !== 'function') return withCors(selected);
    // Who may see which container is decided on the books of now, before the measure (as Mesos): a framework gone
    // meanwhile is not decided for an unknown user.
    const shown = new Set<string>();
    for (const container of this.monitoredContainers()) {
      if (selected !== undefined && !selected(container)) continue;
      if (authorizer !== undefined && !authorizer.authorized('view_containers', caller.principal, this.executorUser(container.frameworkId, container.executorId))) continue;
      shown.add(container.containerId);
    }
    const usages = await this.containersUsage();
    return withCors(ok(usages.filter(({ container }) => shown.has(container.containerId)).map(({ container, statistics }) => render(container, statistics))));
  }

  private flagsRoute(request: HttpRequest): Promise<HttpResponse> | HttpResponse {
    const options = this.options;
    return flagsResponse(request, {
      ...(options.httpAuthentication !== undefined ? { authentication: options.httpAuthentication } : {}),
      denial: (principal) => this.authorizer?.denial('view_flags', principal),
      getOnly: this.authorizer !== undefined,
    }, () => renderAgentFlags(options.flags));
  }

  /**
   * Unregisters from the master, shuts every executor down, then terminates the agent; resolves
   * once it has (Mesos' SIGUSR1 path). Call it through `dispatch` (as `AgentHandle.stop` does).
   */
  stop(reason = 'the agent is stopping'): Promise<void> {
    return new Promise<void>((resolve) => {
      (this.stopWaiters ??= []).push(resolve);
      if (this.phase === 'RUNNING' && this.agentId !== undefined) this.sendToMaster(UnregisterAgent, { agentId: this.agentId });
      this.shutdownAgent(reason);
    });
  }

  /**
   * The OS user an executor of `frameworkId` runs as, for the ACLs (`access_sandboxes`,
   * `view_executors`, `view_containers`): its command's user, else the framework's, as Mesos decides; the
   * framework's for no executor named or one the agent no longer knows; undefined for a framework it does not know.
   */
  executorUser(frameworkId: string, executorId?: string): string | undefined {
    const framework = this.frameworks.get(frameworkId) ?? this.completedFrameworks.get(frameworkId);
    if (framework === undefined) return undefined;
    let executor = executorId === undefined ? undefined : framework.executors.get(executorId);
    if (executorId !== undefined && executor === undefined) {
      for (const completed of framework.completedExecutors) if (completed.id === executorId) executor = completed;
    }
    return executor?.info.command?.user ?? framework.info.user;
  }

  /** The agent's metrics, Mesos' `slave/*` (the host's metrics actor serves them, with `system/*`). */
  metrics(): Record<string, number> {
    const metrics = agentMetrics({
      counters: this.counters, frameworks: this.frameworks.values(), total: this.totalResources, registered: this.phase === 'RUNNING',
      startTimeMs: this.startTimeSeconds * 1000, nowMs: this.clock.now(),
    });
    Object.assign(metrics, this.gc.metrics());
    metrics['slave/executor_directory_max_allowed_age_secs'] = (this.maxAllowedAgeMs ?? this.options.flags.gcDelayMs) / 1000;
    metrics['containerizer/mesos/container_destroy_errors'] = this.options.launcher.destroyErrors?.() ?? 0;
    metrics['containerizer/fetcher/task_fetches_succeeded'] = this.fetchesSucceeded;
    metrics['containerizer/fetcher/task_fetches_failed'] = this.fetchesFailed;
    const cache = this.options.launcher.fetcherCache?.();
    metrics['containerizer/fetcher/cache_size_total_bytes'] = cache?.totalBytes ?? 0;
    metrics['containerizer/fetcher/cache_size_used_bytes'] = cache?.usedBytes ?? 0;
    // Mesos adds this gauge once recovery has finished.
    return this.recoveryTimeSecs === undefined ? metrics : { ...metrics, 'slave/recovery_time_secs': this.recoveryTimeSecs };
  }

  /** The v1 operator API's LIST_FILES and READ_FILE read the sandboxes through `files` (the host's files actor). Through `dispatch`. */
  serveFilesThrough(files: AgentFilesReader): void {
    (this.operatorPort as AgentOperatorReader).files = files;
  }

  /** This agent's id now, or undefined before it has one: the files actor's virtual sandbox paths lead into its directory. Through `dispatch`. */
  currentAgentId(): string | undefined {
    return this.agentId;
  }

  /**
   * When the garbage collector removed the sandbox (or the directory holding it) at `relative`
   * (a path under the work dir), if it did: what `/files` tells a reader of a collected
   * sandbox. Through `dispatch`.
   */
  garbageCollectedAt(relative: string): number | undefined {
    return this.gc.removedAt(path.resolve(this.options.flags.workDir, relative));
  }

  /**
   * The v1 executor API asks about the run a call names, with the token the call carried (its
   * `Authorization: Bearer`): Mesos' answers when the agent is recovering (503), the framework
   * or executor is unknown (400), or the token is not that run's (403: nobody acts in another
   * executor's name). While recovering, a SUBSCRIBE is let through for a run the agent waits
   * for whose checkpointed pid is on this host (an HTTP executor's adapter before the restart):
   * `reconnect` is then true. `onEnded`, when given, is told once when the run ends. Through `dispatch`.
   */
  executorForApi(call: ExecutorApiCall): ExecutorApiLookup {
    const { frameworkId, executorId, token } = call;
    const recovering: ExecutorApiLookup = { ok: false, status: 503, message: AGENT_RECOVERING };
    if (this.phase === 'RECOVERING' && !call.subscribe) return recovering;
    const framework = this.frameworks.get(frameworkId);
    const executor = framework?.executors.get(executorId);
    if (framework === undefined || executor === undefined) {
      if (this.phase === 'RECOVERING') return recovering;
      // A token no run of this agent has is refused as Mesos' authenticator refuses a token it cannot verify (401), before
      // anything is looked up: a 400 told anyone with any token which frameworks and executors the agent has. A token of
      // another run passes that, and is answered as in Mesos, which looks the framework and executor up before it checks
      // the token's claims (400).
      if (token !== undefined && !this.someRunHasToken(token)) return { ok: false, status: 401, message: 'The bearer token is no executor\'s of this agent' };
      return { ok: false, status: 400, message: framework === undefined ? 'Framework cannot be found' : 'Executor cannot be found' };
    }
    if (token === undefined && (this.options.flags.authenticateHttpExecutors ?? AUTHENTICATE_HTTP_EXECUTORS)) {
      return { ok: false, status: 403, message: 'Expecting the executor\'s MESOS_EXECUTOR_AUTHENTICATION_TOKEN as a bearer token' };
    }
    // A token given is checked, also where none is asked for.
    const tokenMatches = token === undefined || runHasToken(executor, token);
    if (!tokenMatches) {
      this.log.warn({ frameworkId, executorId }, 'refusing a v1 executor call whose token is not the run\'s');
      return { ok: false, status: 403, message: `The bearer token is not the one of executor '${executorId}' of framework '${frameworkId}'` };
    }
    const reconnect = this.phase === 'RECOVERING' && executor.reconnecting && executor.pid !== undefined && executor.pid.address === this.self().address;
    if (this.phase === 'RECOVERING' && !reconnect) return recovering;
    if (call.onEnded !== undefined && executor.phase !== 'TERMINATED') executor.onEnded = call.onEnded;
    return {
      ok: true, runId: executor.runId, phase: executor.phase, pid: executor.pid?.toString(), checkpoint: framework.info.checkpoint === true,
      shuttingDown: this.phase === 'TERMINATING' || framework.phase === 'TERMINATING', reconnect,
      executorInfo: executor.info, frameworkInfo: { ...framework.info, id: framework.id },
      tasks: [...executor.launchedTasks.keys()].flatMap((taskId) => { const info = executor.taskInfos.get(taskId); return info === undefined ? [] : [info]; }),
      taskIds: [...executor.taskInfos.keys(), ...executor.completedTasks.map((task) => task.taskId)],
      ...(token === undefined && executor.token !== undefined ? { token: executor.token } : {}),
    };
  }

  /** Whether some run of this agent, live or recovered, has `token` (a walk of its executors: only for calls naming none it has). */
  private someRunHasToken(token: string): boolean {
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) if (runHasToken(executor, token)) return true;
    }
    return false;
  }

  /**
   * The v1 executor API gave up on run `runId` of an HTTP executor (it did not subscribe again
   * within its recovery timeout): the run is shut down, as an executor that is gone (its process
   * killed after the grace period), so that its tasks end and its framework hears why, instead
   * of the run staying RUNNING at an actor that is no more.
   */
  httpExecutorGone(frameworkId: string, executorId: string, runId: string): void {
    const framework = this.frameworks.get(frameworkId);
    const executor = framework?.executors.get(executorId);
    if (framework === undefined || executor === undefined || executor.runId !== runId) return;
    if (executor.phase !== 'RUNNING' && executor.phase !== 'REGISTERING') return;
    this.log.warn({ frameworkId, executorId, runId }, 'the HTTP executor did not subscribe again in time; shutting its run down');
    executor.pendingTermination ??= { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'The HTTP executor disconnected and did not subscribe again in time' };
    this.shutdownExecutor(framework, executor);
  }

  /** Answers one call to the agent's v1 operator API (`/api/v1`). */
  serveOperatorApi(request: HttpRequest): Promise<HttpResponse> {
    return serveAgentOperatorCall(this.operatorPort, request);
  }

  /**
   * Serves `/slave(N)/api/v1/executor` (where Mesos' own executor library posts) through the
   * executor API actor `api` (on this host), or through the one `api.spawnExecutorApi()` spawns at the first
   * request: a simulation's further agents serve the API at their own path only, and an actor
   * each (~750 bytes) for an API that no simulated executor calls was 75 MB at 100k agents.
   */
  serveExecutorApi(api: ExecutorApi | ExecutorApiSpawner): void {
    this.executorApi = api;
    // As `/api/v1/executor`: a call without a token, or larger than a call may be, is refused before its body is read
    // (this path read up to the host's 16 MiB of anyone's body first). One options entry for the shared method.
    this.route('/api/v1/executor', withRouteOptions(this.executorApiRoute, { maxBodyBytes: MAX_EXECUTOR_CALL_BYTES, beforeBody: Agent.prototype.executorCallRefusedBeforeBody }));
  }

  /** (A route's `beforeBody`, in this agent's mailbox.) The 401 for an executor API call without a token where one is required. */
  private executorCallRefusedBeforeBody(request: HttpRequest): HttpResponse | undefined {
    return executorCallWithoutToken(request, this.options.flags.authenticateHttpExecutors ?? AUTHENTICATE_HTTP_EXECUTORS);
  }

  private executorApiRoute(request: HttpRequest): Promise<HttpResponse> {
    let api = this.executorApi;
    if (api !== undefined && isExecutorApiSpawner(api)) {
      api = api.spawnExecutorApi();
      this.executorApi = api;
    }
    if (api === undefined) return Promise.resolve({ status: 503, body: 'the agent serves no v1 executor API' });
    return dispatch(api, (actor) => actor.serve(request));
  }

  /** @internal The checkpoint journal failed a write and retries it in `retryInMs` (`AgentCheckpoints.onWriteFailure`). */
  checkpointWriteFailed(error: Error, retryInMs: number): void {
    this.log.error({ error: error.message, retryInMs }, 'checkpoint write failed; retrying');
  }

  /**
   * Every live executor container and its usage now (`/monitor/statistics`, `/containers`, v1
   * `GET_CONTAINERS`): the containers are read from the agent's books at once; their usage is
   * measured outside the mailbox, and requests that come while a measure runs share it.
   */
  containersUsage(): Promise<Array<{ readonly container: MonitoredContainer; readonly statistics: ResourceStatisticsJson }>> {
    if (this.usageInFlight !== undefined) return this.usageInFlight;
    const containers = this.monitoredContainers();
    const launcher = this.options.launcher;
    const measured = Promise.all(containers.map(async (container) => {
      const usage = await launcher.usage?.(container.containerId).catch(() => undefined);
      return { container, statistics: resourceStatistics(usage, container.limits, this.clock.now()) };
    }));
    this.usageInFlight = measured;
    const done = (): void => {
      if (this.usageInFlight === measured) this.usageInFlight = undefined;
    };
    measured.then(done, done);
    return measured;
  }

  /**
   * The executor whose container (run) is `containerId`, in any phase (Mesos' `getExecutor`, which
   * the v1 WAIT_CONTAINER and KILL_CONTAINER authorize by), or undefined.
   */
  containerExecutor(containerId: string): ExecutorRecord | undefined {
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) if (executor.runId === containerId) return executor;
    }
    return undefined;
  }

  /** The executor whose container `containerId` is live here (Mesos' containerizer holds it until it is destroyed), or undefined. */
  private liveContainer(containerId: string): ExecutorRecord | undefined {
    const executor = this.containerExecutor(containerId);
    return executor === undefined || executor.phase === 'TERMINATED' ? undefined : executor;
  }

  /**
   * Calls `onEnd` once container `containerId` ends, with how it ended (the v1 WAIT_CONTAINER,
   * Mesos' `containerizer->wait`), or with 'stopped' when the agent stops first; returns what
   * forgets `onEnd` (its client went away). Undefined, and `onEnd` never called, when no live
   * executor's container has that id (an ended one included: Mesos forgets a top-level container
   * once destroyed).
   */
  watchContainer(containerId: string, onEnd: (outcome: ExecutorExit | 'stopped') => void): (() => void) | undefined {
    if (this.liveContainer(containerId) === undefined) return undefined;
    const waiters = (this.containerWaiters ??= new Map());
    let list = waiters.get(containerId);
    if (list === undefined) waiters.set(containerId, list = []);
    list.push(onEnd);
    return () => {
      const current = this.containerWaiters?.get(containerId);
      const index = current?.indexOf(onEnd) ?? -1;
      if (current === undefined || index < 0) return;
      current.splice(index, 1);
      if (current.length === 0) this.containerWaiters?.delete(containerId);
    };
  }

  /**
   * Sends `signal` to container `containerId` (the v1 KILL_CONTAINER, Mesos' `containerizer->kill`):
   * SIGKILL destroys it (its process tree, as when it is shut down); another signal goes to the
   * executor's process alone. A container whose process is not started yet is destroyed once it is
   * (Mesos destroys one without a pid). 'unknown' when no live executor's container has that id;
   * the reason when the signal could not be sent.
   */
  killContainer(containerId: string, signal: number): 'killed' | 'unknown' | { readonly error: string } {
    const executor = this.liveContainer(containerId);
    if (executor === undefined) return 'unknown';
    this.log.warn({ frameworkId: executor.frameworkId, executorId: executor.id, containerId, signal }, 'killing an executor\'s container (v1 KILL_CONTAINER)');
    const started = executor.process;
    if (started === undefined) {
      if (executor.pid !== undefined) return { error: 'the agent holds no handle on the executor\'s process' };
      // Not started yet (fetching, or its checkpoint being written): destroyed as it starts (`executorStarted`), its fetch stopped.
      executor.phase = 'TERMINATING';
      executor.registrationTimer?.cancel();
      this.abortFetch(executor);
      return 'killed';
    }
    if (signal === KILL_CONTAINER_DEFAULT_SIGNAL) {
      started.destroy();
      return 'killed';
    }
    if (started.signal === undefined) return { error: `this agent's launcher sends no signal but SIGKILL (${signal} asked)` };
    try {
      started.signal(signal);
      return 'killed';
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /** The live executor containers, as the monitor shows them. */
  private monitoredContainers(): MonitoredContainer[] {
    const containers: MonitoredContainer[] = [];
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) {
        if (executor.phase === 'TERMINATED') continue;
        containers.push({
          frameworkId: framework.id, executorId: executor.id, executorName: executor.info.name ?? '', source: executor.info.source ?? '',
          containerId: executor.runId, processId: executor.process?.processId, limits: containerLimits(executor),
        });
      }
    }
    return containers;
  }

  /** Where it is in its life (`AgentPhase`): RUNNING once (re-)registered with its master (for simulations and tests). */
  currentPhase(): AgentPhase {
    return this.phase;
  }

  /** The status updates the agent still waits to see acknowledged (for simulations and tests). */
  pendingStatusUpdates(): StatusUpdate[] {
    return this.updates.allPending();
  }

  /**
   * The detector saw a new leading master, or none (`--master zk://...`): a running agent
   * re-registers with the new one; with none, it waits, disconnected, and sends nothing.
   */
  detected(leader: DetectedMaster | undefined): void {
    const pid = leaderPid(leader);
    if (pid.equals(this.master)) return;
    if (pid.equals(NO_MASTER)) {
      this.log.warn({ previous: this.master.toString() }, 'no master is leading; waiting for one to be elected');
      this.masterLost('no master is leading');
      this.master = NO_MASTER;
      return;
    }
    const previous = this.master;
    this.master = pid;
    this.forgetAuthentication();
    this.log.info({ master: pid.toString(), previous: previous.toString() }, 'detected a new leading master');
    if (this.phase === 'RUNNING') this.masterLost('a new master leads');
    else if (this.phase === 'DISCONNECTED') this.startRegistration();
  }

  protected override initialize(): void {
    this.startTimeSeconds = this.clock.now() / 1000;
    const detector = this.options.detector;
    if (detector !== undefined) {
      // Told from outside the mailbox, and recorded first: a replay feeds the input back the same way (`replayAgent`).
      const tell = (leader: DetectedMaster | undefined): void => {
        this.host.recordInput(this.self(), MASTER_DETECTED_INPUT, leader ?? null);
        dispatch(this, (agent) => agent.detected(leader)).catch(() => undefined); // terminated: nothing to tell
      };
      detector.onChange(tell);
      // It may have found the leader between this agent's construction and now.
      const known = detector.leader;
      if (known !== undefined) queueMicrotask(() => tell(known));
    }
    this.log.info({ agent: this.self().toString(), master: this.master.toString() }, 'agent started');
    if (this.options.checkpoints !== undefined) {
      // The agent itself listens (`checkpointWriteFailed`): no closure per agent.
      this.options.checkpoints.onWriteFailure = this;
    }
    this.counters.increment('recovery_errors', this.options.recoveryErrors ?? 0);
    if (this.options.recovered !== undefined) this.recover(this.options.recovered);
    else {
      this.recoveryTimeSecs = 0;
      this.startRegistration();
    }
    this.collectOldSandboxes();
    // A method, not a closure (and its scope) per agent.
    this.everyWith(this.options.flags.diskWatchIntervalMs, this.checkDiskUsage, undefined);
  }

  protected override finalize(): void {
    this.gc.stop();
    // A fetch under way would otherwise go on, and its launch start an executor no agent watches.
    for (const controller of this.fetches?.values() ?? []) controller.abort();
    const stopWaiters = this.stopWaiters ?? [];
    this.stopWaiters = undefined;
    for (const resolve of stopWaiters) resolve();
    // A WAIT_CONTAINER under way is told (its connection is dropped), not left open for good.
    const containerWaiters = this.containerWaiters;
    this.containerWaiters = undefined;
    for (const waiters of containerWaiters?.values() ?? []) for (const waiter of waiters) waiter('stopped');
  }

  protected override exited(pid: UPID): void {
    if (pid.equals(this.master) && this.phase === 'DISCONNECTED' && this.authenticatee?.inProgress === true) {
      // The master it authenticates with went away (a standby handing its address to the elected
      // master): retried as after a timeout, within the registration's doubling backoff, not after
      // the exchange's 15 s (Mesos' agent retries within 5-7 s). A hostile review of failover found
      // agents 15-18 s late; restarted from the backoff's start, it tried twice a second against a
      // master gone for good (a review counted 124 tries in a minute).
      this.log.info({ master: pid.toString() }, 'the master went away while authenticating; authenticating again');
      return this.authenticatee.giveUp();
    }
    if (pid.equals(this.master) && this.phase === 'DISCONNECTED' && this.authenticated) {
      // This master forgets a pid's authentication whenever its link breaks (Mesos' forgets only a
      // registered agent's, on `disconnect`), and drops a re-registration it did not authenticate
      // in silence: kept, the agent re-registered unanswered for good (chaos --credentials). So it
      // authenticates again before it (re-)registers; Mesos' agent does only on a new detection.
      this.log.info({ master: pid.toString() }, 'the link to the master broke before it answered our registration; authenticating again');
      this.authenticated = false;
      return;
    }
    if (pid.equals(this.master)) return this.masterLost('the link to the master broke');
    const executor = this.executorAt(pid);
    if (executor !== undefined && executor.process === undefined && executor.phase !== 'TERMINATED') {
      // Taken back after a restart with no process to watch: its link is all the agent has (review of issue 8).
      this.log.warn({ executor: pid.toString() }, 'a recovered executor went away, and its process cannot be watched; it has exited');
      return this.executorExited(executor, { code: null, signal: null });
    }
    this.log.info({ executor: pid.toString() }, 'an executor actor went away; waiting for its process to exit');
  }

  /** The executor whose actor is at `pid`, if any. */
  private executorAt(pid: UPID): ExecutorRecord | undefined {
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) if (executor.pid?.equals(pid) === true) return executor;
    }
    return undefined;
  }

  // ---- registration -------------------------------------------------------------------------

  private registered(from: UPID, message: BodyOf<typeof AgentRegistered>): void {
    if (!this.fromMaster(from, 'AgentRegistered')) return;
    this.connected(message.agentId, message.masterInfo, 'registered', message.connection?.totalPingTimeoutSeconds);
  }

  private reregistered(from: UPID, message: BodyOf<typeof AgentReregistered>): void {
    if (!this.fromMaster(from, 'AgentReregistered')) return;
    if (this.agentId === undefined) {
      // An answer to an earlier incarnation at this address (a late reply crossing a restart): a
      // new agent registers, it does not re-register, and takes no id this way.
      this.log.warn({ agentId: message.agentId }, 'ignoring AgentReregistered: this agent has no id yet (it registers anew)');
      return;
    }
    this.connected(message.agentId, message.masterInfo, 're-registered', message.connection?.totalPingTimeoutSeconds);
    if (this.phase !== 'RUNNING') return;
    this.reregisteredWithMaster = true;
    this.reconcile(message.reconciliations ?? [], message.executors ?? []);
  }

  private connected(agentId: string, masterInfo: MasterInfo, how: string, totalPingTimeoutSeconds: number | undefined): void {
    if (this.phase === 'TERMINATING') return;
    if (this.agentId !== undefined && this.agentId !== agentId) {
      // Only a late answer can name another id: to a RegisterAgent this agent sent before it had
      // its id, or to an earlier incarnation's ReregisterAgent at this address. The master took
      // this address for a new agent, so it does not count this one as here: re-registering with
      // its own id makes the master remove the other (one agent per address). Mesos' agent exits.
      this.log.warn({ agentId: this.agentId, got: agentId }, `the master ${how} this address as agent ${agentId} (an answer to an earlier registration); re-registering as ${this.agentId}`);
      this.masterLost(`the master ${how} this address as another agent (${agentId})`);
      return;
    }
    if (this.phase === 'RUNNING') return;
    this.log.info({ agentId, master: masterInfo.pid }, `agent ${how}`);
    this.agentId = agentId;
    this.checkpointRegisteredInfo(agentId);
    this.masterInfo = masterInfo;
    // As Mesos: the master says how long it waits for pongs; without it, the flag's value.
    this.masterPingTimeoutMs = totalPingTimeoutSeconds !== undefined ? totalPingTimeoutSeconds * 1000 : this.options.flags.masterPingTimeoutMs;
    this.phase = 'RUNNING';
    // The master sends its word on the reservations again, behind its answer, if they differ from those reported.
    if (this.reservations?.ignoredWhileAway === true) this.reservations.ignoredWhileAway = false;
    this.registrationTimer?.cancel();
    this.registrationTimer = undefined;
    this.noMasterTimer?.cancel();
    this.noMasterTimer = undefined;
    // Linked again: a reply that outlived the master that sent it must not leave us registered with no one.
    this.link(this.master);
    this.resetPingTimer();
    this.updates.resume();
    this.operationBook?.reregistered();
    const held = this.runTasksBeforeRegistration ?? [];
    this.runTasksBeforeRegistration = undefined;
    for (const early of held) {
      if ('group' in early) this.runTaskGroup(early.from, early.group);
      else this.runTask(early.from, early.message);
    }
  }

  /**
   * Mesos' reconciliation on re-registration: each task the master lists that the agent has
   * never heard of (not queued, launched or terminated here, and not already being reported)
   * gets TASK_LOST, or TASK_DROPPED for a partition-aware framework, so the master forgets it.
   * Executors too (beyond Mesos, whose MESOS-1466 leaves this open): each custom executor the
   * master counts here that does not run here (never started, or exited with its ExitedExecutor
   * lost) is reported exited, so the master stops counting it.
   */
  private reconcile(
    reconciliations: ReadonlyArray<{ frameworkId: string; taskId: string }>,
    counted: ReadonlyArray<{ frameworkId: string; executorId: string }>,
  ): void {
    for (const { frameworkId, taskId } of reconciliations) {
      const framework = this.frameworks.get(frameworkId);
      if (framework?.executorForTask(taskId) !== undefined || framework?.phase === 'TERMINATING') continue;
      if (this.updates.pending(frameworkId, taskId).length > 0) continue;
      const state = droppedTaskState(framework?.info ?? this.completedFrameworks.get(frameworkId)?.info);
      this.log.warn({ frameworkId, taskId, state }, 'the master lists a task unknown to this agent; reporting it');
      this.agentUpdate(frameworkId, undefined, taskId, { state, reason: 'REASON_RECONCILIATION', message: 'Reconciliation: the agent does not know this task' });
    }
    for (const { frameworkId, executorId } of counted) {
      const executor = this.frameworks.get(frameworkId)?.executors.get(executorId);
      // A command executor of that id (its task's) is not the one counted: the master counts none.
      if (executor !== undefined && executor.phase !== 'TERMINATED' && !executor.commandExecutor) continue;
      // Once per executor until it is launched here again: the master answers every retried
      // ReregisterAgent, and a second report could cross a new launch of the executor and end it
      // at the master while it runs here (seed 717).
      const key = `${frameworkId}/${executorId}`;
      if (this.reportedNotRunning.has(key)) continue;
      this.reportExecutorExited(frameworkId, executorId, { code: null, signal: null });
    }
  }

  /**
   * Tells the master an executor is gone (ExitedExecutor), and remembers it was told while this
   * agent is registered (`reportedNotRunning`): a re-registration's answer the master made before
   * the report reached it still counts the executor, and a second report could reach the master
   * after the framework launched the executor anew here, ending the new one in its books while it
   * runs (chaos seed 1400014). A report made while the master is lost may be lost with it, so it
   * is not remembered: the re-registration's answer has it made again; nor is one made while the
   * agent is registered anew (`reregisteredWithMaster`), when no such answer can come. Never a
   * command executor's: the master does not count those (`executorExited`). At most
   * `MAX_REMEMBERED_EXECUTOR_REPORTS` are kept, the oldest forgotten first.
   */
  private reportExecutorExited(frameworkId: string, executorId: string, exit: ExecutorExit): void {
    if (this.agentId === undefined) return;
    this.sendToMaster(ExitedExecutor, { agentId: this.agentId, frameworkId, executorId, status: waitStatus(exit) });
    if (this.phase !== 'RUNNING' || !this.reregisteredWithMaster) return;
    const reported = this.reportedNotRunning;
    if (reported.size >= MAX_REMEMBERED_EXECUTOR_REPORTS) {
      for (const oldest of reported) {
        reported.delete(oldest);
        break;
      }
    }
    reported.add(`${frameworkId}/${executorId}`);
  }

  private ping(from: UPID, message: BodyOf<typeof Ping>): void {
    if (!this.fromMaster(from, 'Ping')) return;
    if (!message.connected && this.phase === 'RUNNING') {
      this.masterLost('the master considers this agent disconnected');
    } else if (this.phase === 'RUNNING') {
      this.resetPingTimer();
    }
    this.send(from, Pong, {});
  }

  /** Mesos: wait a random time within the backoff factor, then register with backoff doubling from 2× the factor. */
  private startRegistration(): void {
    const factorMs = this.options.flags.registrationBackoffFactorMs;
    this.registrationTimer?.cancel();
    this.registrationTimer = this.delay(this.random.next() * factorMs, () => this.attemptRegistration(factorMs * 2));
    if (this.noMasterTimer === undefined) {
      this.registrationAttempts = 0;
      this.armNoMasterWarning(this.clock.now());
    }
  }

  private armNoMasterWarning(sinceMs: number): void {
    this.noMasterTimer = this.delay(AGENT_NO_MASTER_WARNING_MS, () => this.warnNoMaster(sinceMs));
  }

  /**
   * Still registering `AGENT_NO_MASTER_WARNING_MS` after the last warning (or the start): says so,
   * naming the master, and keeps retrying. Silence here hid agents pointed at another agent's
   * port or a dead one (issue 10). With no leader known in ZooKeeper, it names the ZooKeeper URL instead.
   */
  private warnNoMaster(sinceMs: number): void {
    this.noMasterTimer = undefined;
    if (this.phase !== 'DISCONNECTED') return;
    const waitedMs = this.clock.now() - sinceMs;
    if (!this.leaderKnown) {
      // Following ZooKeeper, with no leader found there (an unreachable server, or another path than the masters').
      const url = shownZooKeeperUrl(this.options.flags.master);
      this.log.warn({ master: url, waitedMs }, `no leading master found in ${url}: is ZooKeeper reachable there, and is its path the masters' --zk path? still waiting`);
    } else {
      // A master that refuses a re-registration (a report its resources cannot hold) does not answer it; only its log says why.
      const refusal = this.agentId === undefined ? '' : `, or does its log say it refuses this agent's re-registration (${this.agentId})`;
      this.log.warn(
        { master: this.master.toString(), waitedMs, attempts: this.registrationAttempts, ...(this.agentId !== undefined ? { agentId: this.agentId } : {}) },
        `no master answered at ${this.master.toString()}: is the leading master running there (not a standby master, an agent or another service)${refusal}? still retrying`,
      );
    }
    this.armNoMasterWarning(sinceMs);
  }

  private attemptRegistration(maxBackoffMs: number): void {
    this.registrationTimer = undefined;
    // With no leader known, `detected` starts registering again once there is one.
    if (this.phase !== 'DISCONNECTED' || !this.leaderKnown) return;
    this.link(this.master);
    if (this.authenticatee !== undefined && !this.authenticated) return this.authenticate(this.authenticatee, maxBackoffMs);
    this.registrationAttempts++;
    // The field only when there are reservations: the body of nearly every agent keeps its one shape.
    const checkpointedResources = this.checkpointedResourcesJson();
    const capabilities = this.options.capabilities ?? DEFAULT_AGENT_CAPABILITIES;
    if (this.agentId === undefined) {
      const agent = this.agentInfo();
      this.sendToMaster(RegisterAgent, checkpointedResources === undefined ? { agent, version: AGENT_VERSION, capabilities } : { agent, version: AGENT_VERSION, checkpointedResources, capabilities });
    } else {
      const body = { agent: this.agentInfo(), version: AGENT_VERSION, capabilities, ...this.reregistrationContents() };
      const operations = this.operationBook?.report();
      const reported = operations === undefined ? body : { ...body, operations };
      this.sendToMaster(ReregisterAgent, checkpointedResources === undefined ? reported : { ...reported, checkpointedResources });
    }
    this.retryRegistration(maxBackoffMs);
  }

  /** The next registration attempt, after a random share of `maxBackoffMs` (capped), the bound doubling each time. */
  private retryRegistration(maxBackoffMs: number): void {
    const boundMs = Math.min(maxBackoffMs, REGISTER_RETRY_INTERVAL_MAX_MS);
    this.registrationTimer = this.delay(this.random.next() * boundMs, () => this.attemptRegistration(boundMs * 2));
  }

  /**
   * Authenticates with the current master, then registers at once. A refusal shuts the agent
   * down with the master's reason (Mesos' agent exits); no answer in time is retried with the
   * registration's backoff.
   */
  private authenticate(authenticatee: Authenticatee, maxBackoffMs: number): void {
    if (authenticatee.inProgress) return;
    const master = this.master;
    authenticatee.start(master, (result) => {
      if (!master.equals(this.master) || this.phase !== 'DISCONNECTED') return;
      if (result.kind === 'authenticated') {
        this.log.info({ master: master.toString(), principal: authenticatee.principal }, 'authenticated with the master');
        this.authenticated = true;
        this.attemptRegistration(maxBackoffMs);
      } else if (result.kind === 'refused') {
        this.log.error({ master: master.toString(), principal: authenticatee.principal, reason: result.reason }, 'the master refused authentication');
        this.shutdownAgent(`the master refused authentication as '${authenticatee.principal}': ${result.reason}`);
      } else {
        this.log.warn({ master: master.toString() }, 'authentication did not complete (no answer in time, or the master went away); retrying');
        this.retryRegistration(maxBackoffMs);
      }
    });
  }

  /** The master must authenticate us again (we lost it, or another leads). */
  private forgetAuthentication(): void {
    this.authenticated = false;
    this.authenticatee?.cancel();
  }

  private masterLost(reason: string): void {
    if (this.phase !== 'RUNNING') return;
    this.log.warn({ master: this.master.toString(), reason }, 'master lost; re-registering');
    this.phase = 'DISCONNECTED';
    this.forgetAuthentication();
    // A new re-registration reports again what does not run here (a report may have been lost).
    this.reportedNotRunning.clear();
    this.reregisteredWithMaster = false;
    this.pingTimer?.cancel();
    this.pingTimer = undefined;
    this.updates.pause();
    this.startRegistration();
  }

  /**
   * A ping came (or the agent registered): the master is lost if none comes for
   * `masterPingTimeoutMs`. One timer per timeout period, not one per ping: it stays armed while
   * pings move the deadline later, and when it fires before the deadline it re-arms for what is
   * left (a timer per ping, cancelled 15 s later, was most of an idle large cluster's garbage).
   */
  private resetPingTimer(): void {
    const timeoutMs = this.masterPingTimeoutMs;
    this.pingDeadlineMs = this.clock.now() + timeoutMs;
    if (this.pingTimer !== undefined && this.pingTimerDueMs <= this.pingDeadlineMs) return;
    this.pingTimer?.cancel();
    this.armPingTimer(timeoutMs);
  }

  private armPingTimer(delayMs: number): void {
    this.pingTimerDueMs = this.clock.now() + delayMs;
    // A method, not a closure (and its scope) per agent.
    this.pingTimer = this.delayWith(delayMs, this.pingTimerDue, undefined);
  }

  /** The ping timer came due: the master is lost, unless a ping moved the deadline since it was set. */
  private pingTimerDue(): void {
    this.pingTimer = undefined;
    // Before its own time by the clock, the clock was set back (a real clock fires a timer early
    // only then): what is left is counted from the timer's time, in the frame both were set in,
    // or a step back of an hour would keep a lost master for an hour.
    const leftMs = this.pingDeadlineMs - Math.max(this.clock.now(), this.pingTimerDueMs);
    if (leftMs > 0) {
      this.armPingTimer(leftMs);
      // The deadline, in the frame of the clock's reading now.
      this.pingDeadlineMs = this.pingTimerDueMs;
    } else this.masterLost(`no ping from the master for ${this.masterPingTimeoutMs} ms`);
  }

  /**
   * What `agentInfo()` last made: kept while the agent's id stays (every executor registering is
   * told it, and making its resources' JSON each time was ~1% of what a task allocates). A body
   * sent is frozen, so nobody changes it.
   */
  private infoKept: AgentInfo | undefined;
  /**
   * What was last checkpointed with the id: the `agentInfo()` written (compared by identity: it
   * is kept while the id stays), or after a recovery what the journal holds (compared as
   * `--reconfiguration_policy=equal` compares); and the boot id with it. (Not a JSON text: one of
   * ~330 characters at every simulated agent.)
   */
  private checkpointedInfo: AgentInfo | { readonly recovered: Omit<AgentInfo, 'id'> } | undefined;
  private checkpointedBootId: string | undefined;

  /**
   * Checkpoints the id with what the agent registered as (Mesos checkpoints its `SlaveInfo`) and
   * this boot's id, for a restart's `--reconfiguration_policy` check: once per id, and again
   * after a re-registration that declared something new (an additive change the policy let
   * through). A recovery in a new boot writes the boot's id at once (`recover`).
   */
  private checkpointRegisteredInfo(agentId: string): void {
    const info = this.agentInfo();
    const known = this.checkpointedInfo;
    const same = known === info || (known !== undefined && 'recovered' in known && reconfigurationError('equal', known.recovered, withoutId(info)) === undefined);
    this.checkpointedInfo = info;
    if (!same || this.options.bootId !== this.checkpointedBootId) this.recordRegisteredInfo(agentId, checkpointedInfoOf(withoutId(info)));
  }

  /** Writes the id with `info` and this boot's id to the journal (the one place an `agent` record is made). */
  private recordRegisteredInfo(agentId: string, info: CheckpointedAgentInfo): void {
    const bootId = this.options.bootId;
    this.checkpointedBootId = bootId;
    void this.options.checkpoints?.record({ t: 'agent', agentId, info, ...(bootId !== undefined ? { bootId } : {}) });
  }

  private agentInfo(): AgentInfo {
    if (this.infoKept !== undefined && this.infoKept.id === this.agentId) return this.infoKept;
    const hostname = this.options.hostname;
    const port = this.self().port;
    // The resources stay: the registration's serves the info with the id too. They are the
    // declared resources' frozen JSON, one list for every agent declaring the same (`detectResources`
    // shares equal `Resources`): a list per agent was ~400 bytes at 100k simulated agents. A body
    // sent is frozen anyway, so nobody changes it.
    const resources = this.infoKept?.resources ?? (this.options.resources.toFrozenJSON() as ResourceJSON[]);
    const attributes = this.options.attributes;
    const id = this.agentId;
    // Each field in the literal: an id added afterwards went to a second object of properties (~40 bytes an agent).
    const info: AgentInfo = id === undefined ? { hostname, port, resources, attributes } : { hostname, port, resources, attributes, id };
    this.infoKept = info;
    return info;
  }

  /**
   * What ReregisterAgent carries: every task not yet completed (queued as TASK_STAGING, live,
   * and terminal ones whose update is unacknowledged), custom executors that have not exited,
   * and frameworks.
   */
  private reregistrationContents(): Pick<BodyOf<typeof ReregisterAgent>, 'tasks' | 'executors' | 'frameworks'> {
    const tasks: Task[] = [];
    const executors: ExecutorState[] = [];
    // A framework it is shutting down is left out: a master said it is gone, and a new master
    // (which may not know: completed frameworks are not in the registry) must not adopt tasks that
    // are being killed, whose end no update will report (seed 400500). Mesos reports them.
    const reported = [...this.frameworks.values()].filter((framework) => framework.phase !== 'TERMINATING');
    for (const framework of reported) {
      for (const executor of framework.executors.values()) {
        for (const queued of executor.queuedTasks.values()) {
          tasks.push(executor.task(queued, 'TASK_STAGING'));
        }
        // Snapshots: the records change on (states, statuses), and a local master shares the body.
        for (const task of executor.launchedTasks.values()) tasks.push(snapshotTask(task));
        for (const task of executor.terminatedTasks.values()) tasks.push(snapshotTask(task));
        // An executor that has exited uses nothing, whatever its tasks still wait for (Mesos leaves it out too).
        if (!executor.commandExecutor && executor.phase !== 'TERMINATED') {
          executors.push({ frameworkId: framework.id, executorId: executor.id, info: executor.info, ...(executor.role !== undefined ? { role: executor.role } : {}) });
        }
      }
    }
    const frameworks = reported.map((framework) => ({ ...framework.info, id: framework.id }));
    return { tasks, executors, frameworks };
  }

  // ---- tasks --------------------------------------------------------------------------------

  private runTask(from: UPID, message: BodyOf<typeof RunTask>): void {
    if (!this.fromMaster(from, 'RunTask')) return;
    if (this.heldForRegistration({ from, message })) return;
    const { task, frameworkId } = message;
    // A checkpointing framework's command task gets the executor that can wait for a restarted
    // agent; so does a task whose checks the native executor cannot run (an HTTPS health check:
    // no TLS; limits beyond its own): a task never runs unchecked.
    const needsTypeScript = message.framework.checkpoint === true || nativeChecksRefusal(task) !== undefined;
    const commandExecutor = needsTypeScript ? this.options.recoverableCommandExecutor ?? this.options.commandExecutor : this.options.commandExecutor;
    const executorInfo = task.executor ?? commandExecutorInfo(task, frameworkId, commandExecutor);
    this.launchTasks('RunTask', message, [task], executorInfo, task.executor === undefined);
  }

  /**
   * A task group (Mesos' `runTaskGroup`): its tasks are checked and checkpointed as RunTask's
   * are, each in turn, then queued together and delivered to the executor in one
   * RunTaskGroupOnExecutor once all are durable (and the executor runs). A problem with any task
   * (its ids, its resources, the executor's, reservations the agent does not know) ends every
   * task of the group alike: a group runs whole or not at all. While queued, a kill of one kills
   * the group (`killTask`). The group's executor is typically the default executor (type
   * DEFAULT: its command is the agent's `defaultExecutor`); a custom one gets the group too.
   */
  private runTaskGroup(from: UPID, message: BodyOf<typeof RunTaskGroup>): void {
    if (!this.fromMaster(from, 'RunTaskGroup')) return;
    if (message.taskGroup.tasks.length === 0) return;
    if (this.heldForRegistration({ from, group: message })) return;
    this.launchTasks('RunTaskGroup', message, message.taskGroup.tasks, message.executor, false);
  }

  /**
   * Holds a RunTask or RunTaskGroup that came before this agent's registration reply (true): the
   * master registered us and the reply is late (held, or lost and about to be sent again), so
   * the tasks wait for it (`MAX_RUN_TASKS_BEFORE_REGISTRATION` of them), rather than staying
   * TASK_STAGING at the master for good (seed 528). Mesos drops them, and the master learns of
   * them only by reconciling. As Mesos, only a terminating agent (or one that never registered)
   * ignores tasks otherwise; while re-registering it launches them, and their updates wait for
   * the master.
   */
  private heldForRegistration(early: { from: UPID; message: BodyOf<typeof RunTask> } | { from: UPID; group: BodyOf<typeof RunTaskGroup> }): boolean {
    if (this.agentId !== undefined || this.phase !== 'DISCONNECTED') return false;
    if ((this.runTasksBeforeRegistration?.length ?? 0) >= MAX_RUN_TASKS_BEFORE_REGISTRATION) return false;
    (this.runTasksBeforeRegistration ??= []).push(early);
    return true;
  }

  /**
   * What RunTask and RunTaskGroup share (Mesos' `Slave::run`): `tasks` (one, or a group's, which
   * runs whole or not at all) on `executorInfo` are checked (their ids as path components, their
   * resources and the executor's, the framework and executor here, reservations this agent knows),
   * and a problem ends each task alike; then each is checkpointed, and they are delivered (queued
   * while the executor registers). As Mesos, a new executor starts only once it and its tasks are
   * checkpointed: a crash in between must not leave a process (and a task) the restarted agent
   * knows nothing of. The journal is durable in order, so a task's record being durable covers
   * the executor's.
   * @param commandExecutor the executor is the agent's command executor, made for the task
   */
  private launchTasks(
    kind: 'RunTask' | 'RunTaskGroup', message: BodyOf<typeof RunTask> | BodyOf<typeof RunTaskGroup>, tasks: readonly TaskInfo[], executorInfo: ExecutorInfo, commandExecutor: boolean,
  ): void {
    const { frameworkId, launchExecutor, role } = message;
    const first = tasks[0] as TaskInfo;
    const group = kind === 'RunTaskGroup';
    // The log's and executorDisagreement's names of the tasks: a group's ids, a task's own.
    const named = group ? tasks.map((task) => task.taskId) : first.taskId;
    const logged = group ? { taskIds: named, frameworkId } : { taskId: first.taskId, frameworkId };
    if (this.phase === 'TERMINATING' || this.phase === 'RECOVERING' || this.agentId === undefined || tasks.some((task) => task.agentId !== this.agentId)) {
      this.log.warn({ ...logged, phase: this.phase, agentId: first.agentId }, `ignoring ${kind}: agent terminating, recovering or unregistered, or a task meant for another agent`);
      return;
    }
    const existingExecutor = this.frameworks.get(frameworkId)?.executors.get(executorInfo.executorId);
    let invalid = pathComponentError('framework', frameworkId);
    for (const task of tasks) invalid ??= pathComponentError('task', task.taskId);
    invalid ??= pathComponentError('executor', executorInfo.executorId);
    // What the tasks use together (`unknownReservations` reads it).
    const launched = invalid === undefined ? launchResourcesOrError(tasks, executorInfo, existingExecutor) : Resources.EMPTY;
    if (typeof launched === 'string') invalid = launched;
    const taskResources = typeof launched === 'string' ? Resources.EMPTY : launched;
    if (group && new Set(named).size !== tasks.length) invalid ??= 'the task group names a task twice';
    if (invalid !== undefined) {
      for (const task of tasks) this.failTask(frameworkId, undefined, task.taskId, 'REASON_CONTAINER_LAUNCH_FAILED', invalid);
      return this.executorNeverLaunched(frameworkId, executorInfo.executorId, launchExecutor);
    }
    const framework = this.frameworkFor(frameworkId, message);
    if (framework.phase === 'TERMINATING') {
      this.log.warn(logged, `ignoring ${kind}: the framework is terminating`);
      return;
    }
    if (tasks.some((task) => framework.executorForTask(task.taskId) !== undefined)) {
      this.log.warn(logged, `ignoring ${kind}: a task with ${group ? 'one of its ids' : 'this id'} is already here`);
      return;
    }
    if (commandExecutor && framework.executors.has(executorInfo.executorId)) {
      // As Mesos (MESOS-9657): a command task's executor is made for it, with its id; one of that id
      // here is another's (a custom executor's), and the task was handed to it.
      const message = 'Cannot reuse an already existing executor for a command task';
      this.log.warn(logged, `dropping a task: ${message}`);
      this.agentUpdate(frameworkId, undefined, first.taskId, { state: droppedTaskState(framework.info), reason: 'REASON_TASK_INVALID', message });
      return;
    }
    if (launchExecutor !== undefined && this.executorDisagreement(framework, executorInfo.executorId, launchExecutor, named)) return;
    if (this.drainConfig !== undefined) return this.refuseWhileDraining(framework, tasks, executorInfo.executorId, launchExecutor);
    if (this.unknownReservations(framework, group ? { ...first, executor: executorInfo } : first, executorInfo, taskResources, launchExecutor === true, group ? tasks : undefined)) return;
    const existing = framework.executors.get(executorInfo.executorId);
    const executor = existing ?? this.addExecutor(framework, executorInfo, commandExecutor, role);
    if (executor === undefined) {
      for (const task of tasks) this.failTask(frameworkId, executorInfo.executorId, task.taskId, 'REASON_CONTAINER_LAUNCH_FAILED', `the agent runs ${MAX_EXECUTORS} executors already`);
      return this.executorNeverLaunched(frameworkId, executorInfo.executorId, launchExecutor);
    }
    // The tasks' writes: the one, or every one (a group's are made durable together).
    let durable: Promise<void> | undefined;
    let writes: Array<Promise<void>> | undefined;
    for (const task of tasks) {
      executor.setTaskRole(task.taskId, role);
      const written = this.checkpoint(framework, { t: 'task', frameworkId, executorId: executor.id, task, ...(role !== undefined ? { role } : {}) });
      const taskDurable = this.withVolumesMade(written, task, existing === undefined ? executorInfo : undefined);
      if (taskDurable === undefined) continue;
      this.noteTaskWrite(frameworkId, task.taskId, taskDurable);
      if (durable === undefined) durable = taskDurable;
      else (writes ??= [durable]).push(taskDurable);
    }
    if (group) this.deliverTaskGroup(framework, executor, tasks);
    else this.deliverTask(framework, executor, first);
    if (existing === undefined) this.whenDurable(writes === undefined ? durable : Promise.all(writes).then(() => undefined), () => this.launchExecutor(framework, executor));
  }

  /**
   * `deliverTask` for a task group: every task ends alike if the executor is going; queued
   * together while it registers; sent together once all are durable (and their volumes shown)
   * when it runs.
   */
  private deliverTaskGroup(framework: AgentFrameworkRecord, executor: ExecutorRecord, tasks: readonly TaskInfo[]): void {
    if (executor.phase === 'TERMINATING' || executor.phase === 'TERMINATED') {
      for (const task of tasks) this.deliverTask(framework, executor, task);
      return;
    }
    if (executor.queuedTasks.size + tasks.length > MAX_QUEUED_TASKS_PER_EXECUTOR) {
      for (const task of tasks) this.failTask(framework.id, executor.id, task.taskId, 'REASON_CONTAINER_LAUNCH_FAILED', 'too many tasks queued for the executor');
      return;
    }
    const ids = executor.queueTaskGroup(tasks);
    if (executor.phase === 'REGISTERING') return;
    this.sendQueuedTaskGroup(framework, executor, ids);
  }

  /** Sends the queued group `ids` to its running executor once every task's checkpoint is durable (and the volumes they use are in its sandbox). */
  private sendQueuedTaskGroup(framework: AgentFrameworkRecord, executor: ExecutorRecord, ids: readonly string[]): void {
    const writes: Promise<void>[] = [];
    for (const taskId of ids) {
      const durable = this.taskWrites.get(`${framework.id}/${taskId}`);
      if (durable !== undefined) writes.push(durable);
    }
    const durable = writes.length === 0 ? undefined : Promise.all(writes).then(() => undefined);
    const tasks = ids.map((taskId) => executor.queuedTasks.get(taskId)).filter((task) => task !== undefined);
    const first = tasks[0];
    if (first === undefined) return;
    if (tasks.some((task) => listsVolume(task.resources)) && this.options.launcher.updateVolumes !== undefined) {
      return this.whenDurable(durable, () => this.showVolumesThenSend(framework, executor, first, tasks));
    }
    this.whenDurable(durable, () => this.sendTaskGroup(framework, executor, ids));
  }

  /** Sends the group's tasks still queued to the running executor, together (RunTaskGroupOnExecutor). */
  private sendTaskGroup(framework: AgentFrameworkRecord, executor: ExecutorRecord, ids: readonly string[]): void {
    const tasks = ids.map((taskId) => executor.queuedTasks.get(taskId)).filter((task) => task !== undefined);
    if (tasks.length === 0 || executor.phase !== 'RUNNING' || framework.phase === 'TERMINATING' || !this.isCurrent(executor)) return;
    executor.forgetTaskGroup(ids);
    for (const task of tasks) executor.launchTask(task);
    this.options.launcher.update?.(executor.runId, containerLimits(executor));
    this.send(executor.pid as UPID, RunTaskGroupOnExecutor, { frameworkId: framework.id, framework: framework.info, taskGroup: { tasks } });
  }

  /**
   * Mesos' check of a draining agent: a task (every task of a group) that comes while the agent
   * drains is dropped (TASK_DROPPED, TASK_LOST unless partition-aware, REASON_AGENT_DRAINING), and
   * a new custom executor the master expects it to start is reported exited, since the master
   * counts it (the master offers nothing of a draining agent: such a task was sent before it knew).
   */
  private refuseWhileDraining(framework: AgentFrameworkRecord, tasks: readonly TaskInfo[], executorId: string, launchExecutor: boolean | undefined): void {
    this.log.warn({ frameworkId: framework.id, taskIds: tasks.map((task) => task.taskId) }, 'dropping a task: the agent is draining');
    const verdict = { state: droppedTaskState(framework.info), reason: 'REASON_AGENT_DRAINING', message: 'Task was received while agent was already draining' } as const;
    for (const task of tasks) this.agentUpdate(framework.id, executorId, task.taskId, verdict);
    this.executorNeverLaunched(framework.id, executorId, launchExecutor);
    if (framework.idle()) this.removeFramework(framework);
  }

  /**
   * Mesos' check of a task's checkpointed resources: a task, or the new executor it starts, on
   * dynamic reservations this agent does not hold (nor is writing) is dropped (TASK_LOST, or
   * TASK_DROPPED when partition-aware, REASON_RESOURCES_UNKNOWN): their CheckpointResources was
   * lost, or came while the agent was not registered (ignored). Run, it would use resources the
   * agent's total does not have, and its report would no longer fit (a master readmitting it
   * refuses such a report). A custom executor the master expects to start is reported exited,
   * since the master counts it. Returns true when the task was dropped.
   * @param taskResources what the task (or the group's tasks together) uses, as the launch parsed it
   */
  private unknownReservations(framework: AgentFrameworkRecord, task: TaskInfo, executorInfo: ExecutorInfo, taskResources: Resources, launchExecutor: boolean, group?: readonly TaskInfo[]): boolean {
    const newExecutor = !framework.executors.has(executorInfo.executorId);
    // A command executor's own resources are left out, as the master leaves them out (its books
    // hold no command executor): they do not take from the total.
    const executorResources = newExecutor && task.executor !== undefined ? Resources.fromJSON(executorInfo.resources ?? []) : Resources.EMPTY;
    const used = taskResources.checkpointed();
    const executorUsed = executorResources.checkpointed();
    const known = this.reservations?.queued ?? this.reservations?.writing ?? this.checkpointedResources;
    // A volume is held whole: one of another size is a resize this agent never heard of.
    const what = !known.contains(used) || !volumesWhole(used, known) ? 'task' : !known.contains(used.add(executorUsed)) || !volumesWhole(executorUsed, known) ? 'executor' : undefined;
    const unfit = what === undefined && this.reservations?.ignoredWhileAway === true ? this.unfitNextToRunning(known, taskResources.add(executorResources)) : undefined;
    if (what === undefined && unfit === undefined) return false;
    const message = what !== undefined ? `The checkpointed resources being used by the ${what} are unknown to the agent`
      : `The resources being used by the ${newExecutor && task.executor !== undefined ? 'task and its executor' : 'task'} do not fit in the agent's total next to what runs on it: ${unfit ?? ''}`;
    const logged = what !== undefined ? used.add(executorUsed) : taskResources.add(executorResources);
    this.log.warn({ frameworkId: framework.id, taskId: task.taskId, executorId: executorInfo.executorId, resources: loggedReservations(logged.toString()) }, `dropping a task: ${loggedReservations(message)}`);
    for (const member of group ?? [task]) this.agentUpdate(framework.id, executorInfo.executorId, member.taskId, { state: droppedTaskState(framework.info), reason: 'REASON_RESOURCES_UNKNOWN', message });
    if (launchExecutor && newExecutor && task.executor !== undefined) this.reportExecutorExited(framework.id, executorInfo.executorId, { code: null, signal: null });
    if (framework.idle()) this.removeFramework(framework);
    return true;
  }

  /**
   * Why `more` does not fit in the agent's total (its declared resources with the reservations
   * `known` carved out) next to what its report would hold: its live tasks and the custom
   * executors that have not exited (`reregistrationContents`). Undefined when it fits, and
   * always for an agent without dynamic reservations. Asked only while the agent may hold
   * reservations the master has undone (`ignoredWhileAway`: a CheckpointResources ignored while
   * it re-registered), which make its unreserved resources fewer than the master's: run, such a
   * task would make the agent's report larger than its total, and a master recovering the agent
   * refuses that report for good (chaos --reservations, seed 2120 with three masters). Not asked
   * otherwise: the master's books may run a moment ahead of the agent's (a task it has heard
   * end), and a task launched then is sound (seed 5405 of 60 steps, --volumes).
   */
  private unfitNextToRunning(known: Resources, more: Resources): string | undefined {
    if (known.isEmpty()) return undefined;
    const total = applyCheckpointedResources(this.options.resources, known);
    let sum = more;
    for (const framework of this.frameworks.values()) {
      if (framework.phase === 'TERMINATING') continue;
      for (const executor of framework.executors.values()) {
        for (const queued of executor.queuedTasks.values()) sum = sum.add(Resources.fromJSON(queued.resources));
        for (const launched of executor.launchedTasks.values()) {
          if (!isTerminalState(launched.state)) sum = sum.add(Resources.fromJSON(launched.resources));
        }
        if (!executor.commandExecutor && executor.phase !== 'TERMINATED') sum = sum.add(Resources.fromJSON(executor.info.resources ?? []));
      }
    }
    return total.contains(sum) ? undefined : `${sum.format()} does not fit in ${total.format()}`;
  }

  /**
   * `written` (the task's checkpoint write, if any), waiting also for the write of the
   * checkpointed resources that makes the directories of the persistent volumes the task (or its
   * new executor, `newExecutor`) uses, when they are still to be made: a RESERVE, CREATE and
   * LAUNCH in one ACCEPT sends the volume's CheckpointResources just before the task, and it may
   * wait behind another write (Mesos writes it before it handles the task). Most tasks: a scan of
   * their resources, and `written` as it is.
   */
  private withVolumesMade(written: Promise<void> | undefined, task: TaskInfo, newExecutor: ExecutorInfo | undefined): Promise<void> | undefined {
    const executorVolumes = newExecutor !== undefined && listsVolume(newExecutor.resources);
    if ((!listsVolume(task.resources) && !executorVolumes) || this.reservations?.writing === undefined) return written;
    const volumes = Resources.fromJSON(task.resources).persistentVolumes().add(executorVolumes ? Resources.fromJSON(newExecutor?.resources).persistentVolumes() : Resources.EMPTY);
    if (this.checkpointedResources.contains(volumes)) return written;
    const made = new Promise<void>((resolve) => (this.volumeWaiters ??= []).push({ volumes, resolve }));
    return written === undefined ? made : Promise.all([written, made]).then(() => undefined);
  }

  /**
   * Lets the tasks waiting for their volumes' directories go on (`withVolumesMade`): those whose
   * volumes are durable now, and all once no write is in flight (one that failed leaves them as
   * the master's next word makes them; a task is not held for good).
   */
  private releaseVolumeWaiters(): void {
    const waiters = this.volumeWaiters;
    if (waiters === undefined) return;
    const writing = this.reservations?.writing !== undefined;
    const waiting = waiters.filter((waiter) => {
      if (writing && !this.checkpointedResources.contains(waiter.volumes)) return true;
      waiter.resolve();
      return false;
    });
    this.volumeWaiters = waiting.length === 0 ? undefined : waiting;
  }

  /** Runs `then` now, or once `durable` (a checkpoint write) resolves when there is one. */
  private whenDurable(durable: Promise<void> | undefined, then: () => void): void {
    if (durable === undefined) return then();
    this.defer(durable, then);
  }

  /** Holds a task's checkpoint write until it is durable, so that sending the task can wait for it. */
  private noteTaskWrite(frameworkId: string, taskId: string, durable: Promise<void>): void {
    const key = `${frameworkId}/${taskId}`;
    this.taskWrites.set(key, durable);
    this.defer(durable, () => {
      // A task id used again since has a write of its own.
      if (this.taskWrites.get(key) === durable) this.taskWrites.delete(key);
    });
  }

  /**
   * A task (or task group) the agent ended before making its executor, when the master expects it
   * to start one (`launchExecutor`): the master counts that executor and its resources from the
   * launch on, and only an ExitedExecutor takes them back (Mesos sends one whenever it drops a
   * task that was to launch its executor). Without it the executor's resources stayed used at the
   * master for good, and each later offer of the agent came short of them.
   */
  private executorNeverLaunched(frameworkId: string, executorId: string, launchExecutor: boolean | undefined): void {
    if (launchExecutor !== true || this.frameworks.get(frameworkId)?.executors.has(executorId) === true) return;
    this.reportExecutorExited(frameworkId, executorId, { code: null, signal: null });
  }

  /**
   * Mesos' `launch_executor` check, for a task with a custom executor: when the master expects the
   * task to start its executor and one is still here, or expects one to run and none is, the task
   * is dropped (TASK_LOST, or TASK_DROPPED when partition-aware) and the master's books are put
   * right: an executor that is not here, or has exited (it waits for acknowledgements of its
   * tasks' updates), is reported exited, since the master tracks it; one still running that the
   * master no longer tracks is shut down (a command executor, whose task had this id, is reported
   * exited too: its own exit is not). Returns true when the task was dropped.
   */
  private executorDisagreement(framework: AgentFrameworkRecord, executorId: string, launchExecutor: boolean, taskIds: string | readonly string[]): boolean {
    const existing = framework.executors.get(executorId);
    if (launchExecutor === (existing === undefined)) return false;
    const message = launchExecutor ? 'Master wants to launch executor, but one already exists' : 'No executor is expected to launch and there is none running';
    this.log.warn({ frameworkId: framework.id, executorId, taskIds, phase: existing?.phase }, `dropping a task: ${message}`);
    for (const taskId of typeof taskIds === 'string' ? [taskIds] : taskIds) {
      this.agentUpdate(framework.id, executorId, taskId, { state: droppedTaskState(framework.info), reason: 'REASON_EXECUTOR_TERMINATED', message });
    }
    // The master counts an executor that does not run here: it is told, unless it was told already
    // (a completed run here means its ExitedExecutor went out; a second one could cross a new launch).
    const neverRan = existing === undefined && !framework.completedExecutors.some((completed) => completed.id === executorId);
    if (neverRan || existing?.phase === 'TERMINATED') {
      // Always: this RunTask shows the master counts the executor now, whatever was reported before (seed 563).
      this.reportExecutorExited(framework.id, executorId, { code: null, signal: null });
    } else if (existing !== undefined) {
      // A command executor of a task with this id: its exit is not reported (`executorExited`), so
      // the executor the master counts for this task is reported gone now, or it stayed counted.
      if (existing.commandExecutor) this.reportExecutorExited(framework.id, executorId, { code: null, signal: null });
      this.shutdownExecutor(framework, existing);
    }
    if (framework.idle()) this.removeFramework(framework);
    return true;
  }

  private deliverTask(framework: AgentFrameworkRecord, executor: ExecutorRecord, task: TaskInfo): void {
    switch (executor.phase) {
      case 'TERMINATING':
      case 'TERMINATED': {
        // Never launched: TASK_DROPPED for partition-aware frameworks, TASK_LOST for the others (Mesos).
        const verdict = { state: droppedTaskState(framework.info), reason: 'REASON_EXECUTOR_TERMINATED', message: `Executor ${executor.phase.toLowerCase()}` } as const;
        return this.agentUpdate(framework.id, executor.id, task.taskId, verdict);
      }
      case 'REGISTERING':
        if (executor.queuedTasks.size >= MAX_QUEUED_TASKS_PER_EXECUTOR) {
          return this.failTask(framework.id, executor.id, task.taskId, 'REASON_CONTAINER_LAUNCH_FAILED', 'too many tasks queued for the executor');
        }
        return executor.queueTask(task);
      case 'RUNNING': {
        // Queued until its checkpoint is durable (at once when nothing is written): the executor
        // must not run a task a restarted agent would not know of (Mesos checkpoints it first).
        executor.queueTask(task);
        const durable = this.taskWrites.get(`${framework.id}/${task.taskId}`);
        // One that uses persistent volumes is sent once its sandbox shows them (most tasks: a scan of their resources, no more).
        if (listsVolume(task.resources) && this.options.launcher.updateVolumes !== undefined) return this.whenDurable(durable, () => this.showVolumesThenSend(framework, executor, task));
        return this.whenDurable(durable, () => this.sendTask(framework, executor, task.taskId));
      }
    }
  }

  /**
   * Shows the persistent volumes `task` uses in its running executor's sandbox (the launcher's
   * `updateVolumes`: Mesos updates the container before it sends a task), then sends it. A link
   * that cannot be made (something in the sandbox is in its way) fails the task,
   * REASON_CONTAINER_UPDATE_FAILED, saying what is in the way; the executor runs on.
   */
  private showVolumesThenSend(framework: AgentFrameworkRecord, executor: ExecutorRecord, task: TaskInfo, group?: readonly TaskInfo[]): void {
    if (!executor.queuedTasks.has(task.taskId) || executor.phase !== 'RUNNING' || !this.isCurrent(executor)) return;
    const volumes = sandboxVolumesOf(this.options.flags.workDir, group === undefined ? [task.resources] : group.map((member) => member.resources));
    const shown = this.options.launcher.updateVolumes?.(executor.runId, executor.directory, volumes, []) ?? Promise.resolve();
    const send = group === undefined ? () => this.sendTask(framework, executor, task.taskId) : () => this.sendTaskGroup(framework, executor, group.map((member) => member.taskId));
    this.defer(shown, send, (error) => {
      // Killed meanwhile (its kill said how it ended), or its executor is gone: nothing to fail. A group fails whole.
      for (const member of group ?? [task]) {
        if (!executor.queuedTasks.has(member.taskId)) continue;
        this.failTask(framework.id, executor.id, member.taskId, 'REASON_CONTAINER_UPDATE_FAILED', `Failed to show the task's persistent volumes in its sandbox: ${error.message}`);
      }
    });
  }

  /**
   * Sends a queued task to its running executor. A task killed while its checkpoint was written
   * is no longer queued (its kill said how it ended); one whose executor is going, or whose
   * framework is, stays queued, and the executor's end decides it.
   */
  private sendTask(framework: AgentFrameworkRecord, executor: ExecutorRecord, taskId: string): void {
    const task = executor.queuedTasks.get(taskId);
    if (task === undefined || executor.phase !== 'RUNNING' || framework.phase === 'TERMINATING' || !this.isCurrent(executor)) return;
    executor.launchTask(task);
    // Its container grows with it (an isolating launcher raises the limits) before the task starts.
    this.options.launcher.update?.(executor.runId, containerLimits(executor));
    this.send(executor.pid as UPID, RunTaskOnExecutor, { frameworkId: framework.id, framework: framework.info, task });
  }

  private killTask(from: UPID, message: BodyOf<typeof KillTaskOnAgent>): void {
    if (!this.fromMaster(from, 'KillTaskOnAgent')) return;
    const { frameworkId, taskId } = message;
    const framework = this.frameworks.get(frameworkId);
    if (this.phase === 'TERMINATING' || this.phase === 'RECOVERING' || framework === undefined || framework.phase === 'TERMINATING') {
      this.log.warn({ frameworkId, taskId }, 'ignoring KillTask: agent recovering, agent or framework terminating, or framework unknown');
      return;
    }
    this.killTaskOf(framework, taskId, message.killPolicy?.gracePeriodSeconds);
  }

  /**
   * Kills `framework`'s task `taskId` here (Mesos' `Slave::kill`): one queued ends at once
   * (TASK_KILLED; a queued group whole), one launched is killed by its running executor, with
   * `gracePeriodSeconds` if given (the kill's own policy), else the task's.
   */
  private killTaskOf(framework: AgentFrameworkRecord, taskId: string, gracePeriodOverride: number | undefined): void {
    const frameworkId = framework.id;
    const executor = framework.executorForTask(taskId);
    if (executor === undefined) {
      return this.agentUpdate(frameworkId, undefined, taskId, { state: droppedTaskState(framework.info), reason: 'REASON_EXECUTOR_TERMINATED', message: 'Cannot find executor' });
    }
    if (executor.queuedTasks.has(taskId)) {
      const verdict = { state: 'TASK_KILLED', reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'Killed before delivery to the executor' } as const;
      // A task group is killed whole while queued (Mesos): its other tasks would run without it.
      const group = executor.queuedGroupOf(taskId);
      if (group === undefined) return this.agentUpdate(frameworkId, executor.id, taskId, verdict);
      executor.forgetTaskGroup(group);
      for (const member of group) if (executor.queuedTasks.has(member)) this.agentUpdate(frameworkId, executor.id, member, verdict);
      return;
    }
    if (executor.phase !== 'RUNNING') {
      this.log.warn({ frameworkId, taskId, executor: executor.id, phase: executor.phase }, 'ignoring KillTask: the executor is terminating');
      return;
    }
    // The kill's own policy (the framework's KILL call, or a draining's cap) before the task's (Mesos).
    const gracePeriodSeconds = gracePeriodOverride ?? executor.taskInfos.get(taskId)?.killPolicy?.gracePeriodSeconds;
    const kill: BodyOf<typeof KillTaskOnExecutor> = { frameworkId, taskId };
    if (gracePeriodSeconds !== undefined) kill.gracePeriodSeconds = gracePeriodSeconds;
    this.send(executor.pid as UPID, KillTaskOnExecutor, kill);
  }

  // ---- draining -----------------------------------------------------------------------------

  /**
   * The master drains this agent (Mesos' `Slave::drain`): with nothing here (no framework, no
   * operation unacknowledged) it is drained already; else `config` is checkpointed first (a
   * restarted agent drains on), then every task is killed: each queued one at once, each launched
   * one by its executor with its grace period capped by `config.maxGracePeriodNs` (a task with a
   * longer one, or none, gets the cap). New tasks are refused meanwhile (`refuseWhileDraining`),
   * and the updates of tasks killed say REASON_AGENT_DRAINING (`drainingVerdict`). A second
   * DrainAgent (the master's, again, when the agent re-registers) takes its config and kills again.
   */
  private drain(from: UPID, message: BodyOf<typeof DrainAgent>): void {
    if (!this.fromMaster(from, 'DrainAgent')) return;
    if (this.phase === 'TERMINATING') return;
    if (this.frameworks.size === 0 && this.operationBook === undefined) {
      this.log.info({ config: message.config }, 'asked to drain: nothing here (no framework, task or operation), so draining is already complete');
      this.updateDrainStatus();
      return;
    }
    this.log.info({ config: message.config, previous: this.drainConfig, frameworks: this.frameworks.size }, 'draining: killing every task');
    this.drainConfig = message.config;
    this.drainStartMs = this.clock.now();
    void this.checkpointRecord({ t: 'drain', config: message.config });
    this.killEverything();
  }

  /** Kills every task here as a draining does, each kill's grace period capped by the drain's `maxGracePeriodNs`. */
  private killEverything(): void {
    const maxNs = this.drainConfig?.maxGracePeriodNs;
    const maxSeconds = maxNs === undefined ? undefined : maxNs / 1e9;
    // Killing may end executors and remove frameworks: the lists are copied first.
    for (const framework of [...this.frameworks.values()]) {
      if (framework.phase === 'TERMINATING') continue;
      for (const executor of [...framework.executors.values()]) {
        for (const taskId of executor.liveTaskIds()) {
          if (!this.frameworks.has(framework.id) || !executor.hasTask(taskId)) continue;
          // As Mesos' `calculateKillPolicy`: the cap replaces a longer grace period, or none; a shorter one stays.
          const own = executor.taskInfos.get(taskId)?.killPolicy?.gracePeriodSeconds;
          const capped = maxSeconds !== undefined && (own === undefined || own > maxSeconds) ? maxSeconds : undefined;
          this.killTaskOf(framework, taskId, capped);
        }
      }
    }
  }

  /**
   * Mesos' `updateDrainStatus`: a draining agent with no framework and no operation left is
   * drained; its config is forgotten (and its checkpoint), and it takes tasks again (the master
   * offers none of it until an operator reactivates it).
   */
  private updateDrainStatus(): void {
    if (this.drainConfig === undefined || this.frameworks.size > 0 || this.operationBook !== undefined) return;
    this.log.info('agent finished draining');
    this.drainConfig = undefined;
    this.drainStartMs = undefined;
    void this.checkpointRecord({ t: 'drainEnded' });
  }

  /**
   * How an update of a task is changed while the agent drains (Mesos' `Slave::statusUpdate`):
   * TASK_KILLING and TASK_KILLED say REASON_AGENT_DRAINING, and, drained to be marked gone, a
   * partition-aware framework hears TASK_GONE_BY_OPERATOR instead. Undefined when unchanged.
   */
  private drainingVerdict(framework: AgentFrameworkRecord | undefined, state: TaskState): { state: TaskState; reason: 'REASON_AGENT_DRAINING' } | undefined {
    if (this.drainConfig === undefined || (state !== 'TASK_KILLING' && state !== 'TASK_KILLED')) return undefined;
    const gone = this.drainConfig.markGone === true && framework !== undefined && isPartitionAware(framework.info);
    return { state: gone ? 'TASK_GONE_BY_OPERATOR' : state, reason: 'REASON_AGENT_DRAINING' };
  }

  private updateFramework(from: UPID, message: BodyOf<typeof UpdateFramework>): void {
    if (!this.fromMaster(from, 'UpdateFramework')) return;
    const framework = this.frameworks.get(message.frameworkId);
    if (framework === undefined) return;
    framework.schedulerPid = message.pid;
    // Its info as the framework changed it (the master lets neither its id, user nor checkpointing change).
    if (message.framework !== undefined) {
      const { checkpoint: _checkpoint, user: _user, ...changed } = message.framework;
      framework.info = { ...changed, id: framework.id, user: framework.info.user, ...(framework.info.checkpoint !== undefined ? { checkpoint: framework.info.checkpoint } : {}) };
    }
    this.checkpoint(framework, { t: 'framework', frameworkId: framework.id, info: framework.info, pid: message.pid });
    // Its scheduler is back (Mesos' Slave::updateFramework): updates a master dropped while it was
    // away (e.g. after a failover that brought this agent back first) go again now, not at the next retry.
    if (this.phase === 'RUNNING') this.updates.resume();
  }

  private frameworkToExecutor(from: UPID, message: BodyOf<typeof FrameworkToExecutor>): void {
    if (!this.fromMaster(from, 'FrameworkToExecutor')) return;
    const executor = this.frameworks.get(message.frameworkId)?.executors.get(message.executorId);
    if (executor === undefined || executor.phase !== 'RUNNING') {
      this.log.warn({ frameworkId: message.frameworkId, executorId: message.executorId }, 'dropping a framework message: executor not running');
      this.counters.increment('invalid_framework_messages');
      return;
    }
    this.counters.increment('valid_framework_messages');
    this.send(executor.pid as UPID, FrameworkToExecutor, message);
  }

  // ---- status updates -----------------------------------------------------------------------

  private statusUpdate(from: UPID, message: BodyOf<typeof StatusUpdateMessage>): void {
    const framework = this.frameworks.get(message.update.frameworkId);
    const taskId = message.update.status.taskId;
    if (framework === undefined || framework.phase === 'TERMINATING' || message.update.uuid === undefined || this.agentId === undefined) {
      this.log.warn({ from: from.toString(), taskId }, 'ignoring a status update: unknown or terminating framework, or no uuid');
      this.counters.increment('invalid_status_updates');
      return;
    }
    // This project's executors make UUIDs; an executor an older agent started (before 2026-12-05,
    // eighth session) makes text of its own, taken as it always was (refused, its task's updates
    // would be lost across the upgrade): a v1 scheduler acknowledges it by those bytes (`textOfV1AcknowledgedUuid`).
    if (!isUuidText(message.update.uuid)) this.log.debug({ from: from.toString(), taskId }, 'an executor update whose uuid is not a UUID (an executor of an older version)');
    // Only the task's executor may report on it: an actor of another host must not end a task
    // that runs, nor get its executor shut down (issue 9; also found by the wire fuzzer, seed 1).
    const executor = framework.executorForTask(taskId);
    if (!this.fromExecutorOf(framework, executor, from)) {
      this.log.warn({ from: from.toString(), frameworkId: framework.id, taskId }, 'ignoring a status update that did not come from the task\'s executor');
      this.counters.increment('invalid_status_updates');
      return;
    }
    // As the v1 executor API refuses one (lib/v1/executor.ts), by the same rule (Mesos' `validateCheckStatusInfo`).
    const checkStatus = message.update.status.checkStatus;
    const invalidCheck = checkStatus === undefined ? undefined : checkStatusInfoError(checkStatus);
    if (invalidCheck !== undefined) {
      this.log.warn({ from: from.toString(), frameworkId: framework.id, taskId, error: invalidCheck }, 'ignoring a status update with an invalid check status');
      this.counters.increment('invalid_status_updates');
      return;
    }
    const stamped = stampExecutorUpdate(message.update, this.agentId, executor?.id);
    const draining = this.drainingVerdict(framework, stamped.status.state);
    const update = draining === undefined ? stamped : withFields(stamped, { status: withFields(stamped.status, draining) });
    if (executor !== undefined && !this.acceptableExecutorUpdate(framework, executor, update)) {
      this.counters.increment('invalid_status_updates');
      return;
    }
    this.counters.increment('valid_status_updates');
    // A retried update for a task already completed here would open a new stream; one older than
    // the task's state here (re-sent after later ones got through) would take the task back.
    // Either is acknowledged, so the executor stops re-sending it, and dropped. So is one about a
    // task no executor here has: a task reaches an executor only once it is recorded here (and
    // checkpointed, for a framework that checkpoints), and leaves the records only once its
    // terminal update is acknowledged, so such an update is a late copy of one about a task that
    // ended. After a restart the agent no longer knows the ended tasks of an executor that waited
    // for it, and the update it re-sent on reconnecting (its acknowledgement lost with the link)
    // reached the framework after the task's TASK_FINISHED (chaos seed 3138, 200 steps, recovering
    // agents). Mesos forwards such an update.
    const stale = executor === undefined ? 'no executor here has the task' : executor.staleStatus(update.status);
    if (stale !== undefined) {
      // A retry of the state the task is in here (an executor re-sending, after a restart, an
      // update the agent took back from its re-registration) loses nothing: said at info level.
      const retry = executor?.taskState(taskId) === update.status.state;
      const fields = { taskId, state: update.status.state, uuid: message.update.uuid, reason: stale };
      if (retry) this.log.info(fields, 'ignoring an executor update the agent has already (a retry)');
      else this.log.warn(fields, 'dropping an out-of-date executor update');
    }
    const duplicate = stale !== undefined || this.updates.seen(update);
    // The task's state moves first (as in Mesos), so that the update forwarded now carries it as
    // `latestState`; only for an update the stream takes: one refused (the stream is full) must
    // not move it, the executor sends it again.
    if (!duplicate && this.updates.hasRoom(update)) executor?.updateTaskState(update.status);
    const checkpointing = this.checkpoints(framework);
    const result = duplicate ? 'duplicate' : this.updates.update(update, !checkpointing);
    if (result === 'refused') return;
    const uuid = message.update.uuid;
    const acknowledgement = { agentId: this.agentId, frameworkId: framework.id, taskId, uuid };
    // A checkpointing framework's update is durable before the executor hears it arrived (Mesos),
    // a repeated one too: its acknowledgement waits for the first copy's write.
    const accepted = result === 'accepted';
    const durable = accepted ? this.checkpoint(framework, { t: 'update', update }) : this.updateWrites.size === 0 ? undefined : this.updateWrites.get(updateWriteKey(framework.id, taskId, uuid));
    if (durable === undefined) return this.send(from, StatusUpdateAcknowledgement, acknowledgement);
    const writeKey = updateWriteKey(framework.id, taskId, uuid);
    if (accepted) this.updateWrites.set(writeKey, durable);
    this.defer(durable, () => {
      this.updateWrites.delete(writeKey);
      if (accepted) this.updates.durable(framework.id, taskId, uuid);
      this.send(from, StatusUpdateAcknowledgement, acknowledgement);
    });
  }

  /**
   * Whether `from` is the task's executor (or, for a task no executor has any more, whose retried
   * update is answered as a duplicate, one of the framework's executors).
   */
  private fromExecutorOf(framework: AgentFrameworkRecord, executor: ExecutorRecord | undefined, from: UPID): boolean {
    if (executor !== undefined) return executor.pid?.equals(from) === true;
    for (const other of framework.executors.values()) if (other.pid?.equals(from) === true) return true;
    return false;
  }

  /** Mesos refuses TASK_STAGING from executors (and shuts them down), and non-terminal updates for queued tasks. */
  private acceptableExecutorUpdate(framework: AgentFrameworkRecord, executor: ExecutorRecord, update: StatusUpdate): boolean {
    const { taskId, state } = update.status;
    if (state === 'TASK_STAGING') {
      this.log.error({ executor: executor.id, taskId }, 'an executor sent TASK_STAGING, which it may not; shutting it down');
      this.shutdownExecutor(framework, executor);
      return false;
    }
    if (executor.queuedTasks.has(taskId) && !isTerminalState(state)) {
      this.log.warn({ executor: executor.id, taskId, state }, 'ignoring a non-terminal update for a task not yet delivered');
      return false;
    }
    return true;
  }

  private statusUpdateAcknowledgement(from: UPID, message: BodyOf<typeof StatusUpdateAcknowledgement>): void {
    if (!this.fromMaster(from, 'StatusUpdateAcknowledgement')) return;
    const { frameworkId, taskId, uuid } = message;
    const result = this.updates.acknowledgement(frameworkId, taskId, uuid);
    if (result.kind !== 'acknowledged') {
      this.log.warn({ frameworkId, taskId, uuid, result: result.kind }, 'ignoring a status update acknowledgement');
      return;
    }
    const acknowledgedFor = this.frameworks.get(frameworkId);
    if (acknowledgedFor !== undefined) this.checkpoint(acknowledgedFor, { t: 'ack', frameworkId, taskId, uuid });
    if (!result.terminated) return;
    const framework = this.frameworks.get(frameworkId);
    const executor = framework?.executorForTask(taskId);
    if (framework === undefined || executor === undefined) return;
    executor.completeTask(taskId);
    if (executor.phase === 'TERMINATED' && !executor.hasIncompleteTasks()) this.removeExecutor(framework, executor);
  }

  /** The status update manager's way out: to the master, with our pid for the acknowledgement. */
  private forward(update: StatusUpdate): void {
    if (this.phase !== 'RUNNING') return; // resent by `resume` after the next (re-)registration
    const executor = this.frameworks.get(update.frameworkId)?.executorForTask(update.status.taskId);
    executor?.recordForwarded(update);
    // Mesos' `latest_state`: the task may be further along than the head of its stream. Always
    // the agent's own view (an executor's message may carry one of its own: never passed on, or
    // an executor could end its task in the master's books while it runs). The update goes as it
    // is when that says nothing new: it carries the agent's latest state already, or none and the
    // latest state is its own, which the master reads a missing one as (as Mesos' master does; a
    // copy of the update per forward was ~250 B a task in flight).
    const latestState = executor?.taskState(update.status.taskId);
    const asItIs = latestState === undefined || update.latestState === latestState || (update.latestState === undefined && latestState === update.status.state);
    const forwarded = asItIs ? update : withFields(update, { latestState });
    this.sendToMaster(StatusUpdateMessage, { update: forwarded, pid: this.self().toString() });
  }

  /** Sends an update the agent made itself through the status update manager (Mesos SOURCE_SLAVE). */
  private agentUpdate(frameworkId: string, executorId: string | undefined, taskId: string, given: AgentVerdict): void {
    const framework = this.frameworks.get(frameworkId);
    const draining = this.drainingVerdict(framework, given.state);
    const verdict = draining === undefined ? given : { ...given, ...draining };
    const update = agentStatusUpdate({
      frameworkId, agentId: this.agentId ?? '', executorId, taskId, verdict, uuid: this.host.newUuid(), nowMs: this.clock.now(),
    });
    framework?.executors.get(executorId ?? '')?.updateTaskState(update.status);
    const checkpointing = framework !== undefined && this.checkpoints(framework);
    if (this.updates.update(update, !checkpointing, true) !== 'accepted' || framework === undefined) return;
    const durable = this.checkpoint(framework, { t: 'update', update });
    if (durable !== undefined) this.defer(durable, () => this.updates.durable(frameworkId, taskId, update.uuid as string));
  }

  /**
   * @internal A task of `executor` reached a terminal state (`TaskEndListener`: its records call
   * it): counted, and its container's limits follow the tasks left (CPU shares go down; the
   * memory limit stays, as the isolator only raises it).
   */
  taskEnded(executor: ExecutorRecord, state: TaskState, task: Task): void {
    this.counters.taskReached(state);
    // Only a container there to hold to them: not one whose run ended, nor one being recovered
    // (its checkpointed updates replayed before its process is taken back; its limits are set
    // once it is). Updating those logged a warning per task at each recovery (ENOENT, ENODEV).
    if (executor.phase === 'TERMINATED' || executor.process === undefined) return;
    this.options.launcher.update?.(executor.runId, containerLimits(executor));
    if (listsVolume(task.resources)) this.hideUnusedVolumes(executor, task);
  }

  /**
   * The sandbox of `executor` stops showing the persistent volumes of `ended` that nothing live in
   * it uses any more (Mesos' posix isolator removes such links at the container's update): the
   * next task of a long-lived executor may bring another volume to the same path.
   */
  private hideUnusedVolumes(executor: ExecutorRecord, ended: Task): void {
    const launcher = this.options.launcher;
    if (launcher.updateVolumes === undefined) return;
    const workDir = this.options.flags.workDir;
    const inUse = new Set(sandboxVolumesOf(workDir, containerResourceLists(executor)).map((volume) => volume.source));
    const unused = sandboxVolumesOf(workDir, [ended.resources]).filter((volume) => !inUse.has(volume.source));
    if (unused.length === 0) return;
    this.defer(launcher.updateVolumes(executor.runId, executor.directory, [], unused), () => undefined, (error) => {
      this.log.warn({ executorId: executor.id, taskId: ended.taskId, error: error.message }, 'could not remove the links of persistent volumes no task of the executor uses any more');
    });
  }

  private failTask(frameworkId: string, executorId: string | undefined, taskId: string, reason: string, message: string): void {
    this.log.warn({ frameworkId, taskId, reason, message }, 'failing a task');
    this.agentUpdate(frameworkId, executorId, taskId, { state: 'TASK_FAILED', reason, message });
  }

  // ---- executors ----------------------------------------------------------------------------

  /**
   * Books a new run of an executor and checkpoints it; `launchExecutor` starts its process. The
   * registration timeout runs from now: a checkpoint write that keeps failing does not hold its
   * tasks for longer.
   */
  private addExecutor(framework: AgentFrameworkRecord, info: ExecutorInfo, commandExecutor: boolean, role: string | undefined): ExecutorRecord | undefined {
    if (this.executorCount() >= MAX_EXECUTORS) return undefined;
    const agentId = this.agentId as string;
    const runId = this.host.newId();
    const directory = executorRunDirectoryIn(executorDirectoryIn(this.frameworkDirectory(framework.id), info.executorId), runId);
    // A command executor's info names its framework already (`commandExecutorInfo`): not copied for each task.
    const named = info.frameworkId === framework.id ? info : withFields(info, { frameworkId: framework.id });
    const executor = new ExecutorRecord(named, framework.id, agentId, commandExecutor, runId, directory);
    executor.taskEndListener = this;
    executor.role = role;
    executor.token = this.newExecutorToken();
    framework.executors.set(executor.id, executor);
    // Its framework's directory may be scheduled for removal (the framework had completed here): it is live again (Mesos' unschedule).
    this.gc.unscheduleAncestors(directory);
    if (this.reportedNotRunning.size > 0) this.reportedNotRunning.delete(`${framework.id}/${executor.id}`);
    const timeoutMs = this.options.flags.executorRegistrationTimeoutMs;
    executor.registrationTimer = this.delayWith(timeoutMs, this.registrationTimedOut, executor);
    // The token's hash is what a restarted agent checks a recovered run's token against: made only for the checkpoint.
    if (this.checkpoints(framework)) {
      executor.tokenSha256 = createHash('sha256').update(executor.token).digest('hex');
      this.checkpointRecord({
        t: 'executor', frameworkId: framework.id, info: executor.info, runId, directory, commandExecutor, ...(role !== undefined ? { role } : {}),
        tokenSha256: executor.tokenSha256,
      });
    }
    return executor;
  }

  /**
   * Starts the executor's process (Mesos' `launchExecutor`). One shut down, or timed out, while
   * its checkpoint was written is never started: it ends here, its queued tasks failing with it.
   */
  private launchExecutor(framework: AgentFrameworkRecord, executor: ExecutorRecord): void {
    if (!this.isCurrent(executor) || executor.phase === 'TERMINATED') return;
    if (executor.phase !== 'REGISTERING') {
      this.log.warn({ frameworkId: framework.id, executorId: executor.id, phase: executor.phase }, 'not launching an executor that is terminating');
      executor.pendingTermination ??= { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: 'Executor terminating' };
      return this.executorExited(executor, { code: null, signal: null });
    }
    // A removal of its framework's (or executor's) directory under way must end before the run is made there (Mesos' `_run`).
    const removal = this.gc.removalHolding(executor.directory);
    if (removal !== undefined) {
      this.log.info({ frameworkId: framework.id, executorId: executor.id }, 'waiting for the garbage collection of its directory to end before launching');
      return this.defer(removal, () => this.launchExecutor(framework, executor));
    }
    const launch = {
      agentId: executor.agentId, agentPid: this.self().toString(), agent: this.self(), frameworkId: framework.id, executorId: executor.id, runId: executor.runId, directory: executor.directory,
      command: this.executorCommand(executor.info), commandExecutor: executor.commandExecutor, checkpoint: framework.info.checkpoint ?? false,
      shutdownGracePeriodMs: this.executorShutdownGracePeriodMs(executor.info),
      recovery: executorRecovery(this.options.flags.executorReregistrationTimeoutMs, this.options.flags.recoveryTimeoutMs),
      // Not spread in: a literal with a spread copies, and each property after one costs (lib/with-fields.ts).
      token: executor.token,
      limits: containerLimits(executor),
      user: executor.info.command?.user ?? framework.info.user,
      signal: this.fetchAbortFor(executor),
    };
    const onExit = (exit: ExecutorExit): void => {
      dispatch(this, (agent) => agent.executorExited(executor, exit)).catch(() => undefined);
    };
    this.log.info({ frameworkId: framework.id, executorId: executor.id, directory: executor.directory }, 'launching executor');
    // Its persistent volumes (its own and its first tasks'), shown in the sandbox before it starts; most launches have none.
    const volumes = containerUsesVolumes(executor) ? sandboxVolumesOf(this.options.flags.workDir, containerResourceLists(executor)) : undefined;
    this.deferWith(this.options.launcher.launch(volumes === undefined ? launch : withFields(launch, { volumes }), onExit), this.executorStarted, this.executorLaunchFailed, executor);
  }

  /** The command that runs an executor: its own, or the agent's default executor's for one without (type DEFAULT). */
  private executorCommand(info: ExecutorInfo): CommandInfo {
    return info.command ?? this.options.defaultExecutor ?? this.options.commandExecutor;
  }

  /**
   * An abort for the launch of `executor` while its command's URIs are fetched (kept until the
   * launch ends), or undefined when it fetches nothing: its registration timing out, or its
   * shutdown, stops the fetch instead of waiting for it.
   */
  private fetchAbortFor(executor: ExecutorRecord): AbortSignal | undefined {
    const uris = executor.info.command?.uris;
    if (uris === undefined || uris.length === 0) return undefined;
    const controller = new AbortController();
    (this.fetches ??= new Map()).set(executor, controller);
    return controller.signal;
  }

  /** Stops the fetch of `executor`'s launch, if one is under way. */
  private abortFetch(executor: ExecutorRecord): void {
    this.fetches?.get(executor)?.abort();
  }

  private executorStarted(executor: ExecutorRecord, started: LaunchedExecutor): void {
    this.fetches?.delete(executor);
    this.fetchesSucceeded++;
    if (executor.phase === 'TERMINATED') return started.destroy(); // it exited before we heard it started: clear what it left
    executor.process = started;
    const framework = this.frameworks.get(executor.frameworkId);
    if (framework !== undefined && started.processId !== undefined) {
      const bootId = this.options.bootId;
      this.checkpoint(framework, {
        t: 'executorProcess', frameworkId: framework.id, executorId: executor.id, runId: executor.runId, processId: started.processId, ...(bootId !== undefined ? { bootId } : {}),
        ...(started.startTime !== undefined ? { startTime: started.startTime } : {}),
      });
    }
    if (executor.phase === 'TERMINATING' && executor.pid === undefined) started.destroy();
  }

  private executorLaunchFailed(executor: ExecutorRecord, error: Error): void {
    const aborted = this.fetches?.get(executor)?.signal.aborted === true;
    this.fetches?.delete(executor);
    // A fetch that failed, or whose launch was aborted during it or as it ended (the launcher then says so with a plain error).
    if (error.name === 'FetchError' || aborted) this.fetchesFailed++;
    if (aborted) {
      // Its registration timed out, or it was shut down, while its URIs were fetched: that verdict stands.
      this.log.warn({ executorId: executor.id, error: error.message }, 'executor launch stopped while fetching');
    } else {
      this.log.error({ executorId: executor.id, error: error.message }, 'failed to launch executor');
      this.counters.increment('container_launch_errors');
    }
    executor.pendingTermination ??= { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch executor: ${error.message}` };
    this.executorExited(executor, { code: null, signal: null });
  }

  private registrationTimedOut(executor: ExecutorRecord): void {
    executor.registrationTimer = undefined;
    if (executor.phase !== 'REGISTERING' || !this.isCurrent(executor)) return;
    const timeoutMs = this.options.flags.executorRegistrationTimeoutMs;
    this.log.warn({ executorId: executor.id, timeoutMs }, 'executor did not register in time; killing it');
    executor.phase = 'TERMINATING';
    const verdict = { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', message: `Executor did not register within ${timeoutMs} ms` } as const;
    executor.pendingTermination = verdict;
    for (const taskId of [...executor.queuedTasks.keys()]) this.agentUpdate(executor.frameworkId, executor.id, taskId, verdict);
    executor.process?.destroy();
    this.abortFetch(executor);
  }

  /** A fresh token for an executor run, recorded (a replay feeds it back). */
  private newExecutorToken(): string {
    const token = this.options.executorToken?.() ?? randomBytes(EXECUTOR_TOKEN_BYTES).toString('hex');
    this.host.recordInput(this.self(), EXECUTOR_TOKEN_INPUT, token);
    return token;
  }

  /**
   * An executor registers. Only with its run's token (which the agent put in its environment):
   * whoever else knows the framework and executor ids (they are public in the state endpoints)
   * cannot register in its place and take its tasks.
   */
  private registerExecutor(from: UPID, message: BodyOf<typeof RegisterExecutor>): void {
    const framework = this.frameworks.get(message.frameworkId);
    const executor = framework?.executors.get(message.executorId);
    if (framework === undefined || executor === undefined || framework.phase === 'TERMINATING' || this.phase === 'TERMINATING' || executor.phase !== 'REGISTERING') {
      this.log.warn({ from: from.toString(), ...message, phase: executor?.phase }, 'shutting down an executor that may not register');
      this.send(from, ShutdownExecutorOnExecutor, {});
      return;
    }
    if (executor !== undefined && executor.phase === 'REGISTERING' && (executor.token === undefined || message.token === undefined || !sameSecret(executor.token, message.token))) {
      this.log.warn({ from: from.toString(), frameworkId: message.frameworkId, executorId: message.executorId, token: message.token === undefined ? 'none' : 'wrong' }, 'refusing an executor registration without the run\'s token');
      this.send(from, ShutdownExecutorOnExecutor, {});
      return;
    }
    executor.phase = 'RUNNING';
    executor.pid = from;
    executor.registrationTimer?.cancel();
    executor.registrationTimer = undefined;
    this.link(from);
    this.checkpoint(framework, { t: 'executorPid', frameworkId: framework.id, executorId: executor.id, runId: executor.runId, pid: from.toString() });
    this.send(from, ExecutorRegistered, {
      executorInfo: executor.info, frameworkId: framework.id, frameworkInfo: { ...framework.info, id: framework.id },
      agentId: executor.agentId, agentInfo: this.agentInfo(),
    });
    if (executor.queuedTasks.size === 0 && executor.launchedTasks.size === 0) {
      this.log.warn({ executorId: executor.id }, 'every task of the executor was killed before delivery; shutting it down');
      return this.shutdownExecutor(framework, executor);
    }
    for (const task of [...executor.queuedTasks.values()]) {
      // A group sent at once (nothing to wait for) took its other tasks along.
      if (!executor.queuedTasks.has(task.taskId)) continue;
      const group = executor.queuedGroupOf(task.taskId);
      if (group === undefined) this.deliverTask(framework, executor, task);
      // A group once, at its first task still queued.
      else if (group.find((taskId) => executor.queuedTasks.has(taskId)) === task.taskId) this.sendQueuedTaskGroup(framework, executor, group);
    }
  }

  /**
   * A checkpointed executor answers ReconnectExecutor (the agent is recovering): it is running
   * again, at the pid it answers from, and the updates it has not seen acknowledged are taken as
   * any executor update is (the stream drops those it has already). Outside recovery, or from an
   * executor the agent is not waiting for, it is shut down (Mesos does the same).
   */
  private reregisterExecutor(from: UPID, message: BodyOf<typeof ReregisterExecutor>): void {
    const framework = this.frameworks.get(message.frameworkId);
    const executor = framework?.executors.get(message.executorId);
    // A recovered executor answers from the pid it registered at (checkpointed), and nobody else may.
    const impostor = executor?.pid !== undefined && !executor.pid.equals(from);
    if (this.phase !== 'RECOVERING' || framework === undefined || executor === undefined || !executor.reconnecting || this.agentId === undefined || impostor) {
      this.log.warn({ from: from.toString(), executorId: message.executorId, phase: this.phase }, 'shutting down a re-registering executor: the agent is not waiting for it');
      this.send(from, ShutdownExecutorOnExecutor, {});
      return;
    }
    this.log.info({ frameworkId: framework.id, executorId: executor.id, pid: from.toString() }, 'executor re-registered');
    executor.reconnecting = false;
    executor.phase = 'RUNNING';
    executor.pid = from;
    this.link(from);
    this.checkpoint(framework, { t: 'executorPid', frameworkId: framework.id, executorId: executor.id, runId: executor.runId, pid: from.toString() });
    this.send(from, ExecutorReregistered, { agentId: this.agentId, agentInfo: this.agentInfo() });
    for (const update of message.updates) this.statusUpdate(from, { update });
    this.dropUndeliveredTasks(framework, executor, message.tasks);
    // Mesos: an executor that has nothing to run and was never sent a task (its tasks were all
    // just dropped) is shut down; the command executor would otherwise wait for one for good.
    if (!executor.everSentTask() && executor.queuedTasks.size === 0) {
      this.log.warn({ frameworkId: framework.id, executorId: executor.id }, 'shutting down a re-registering executor: it has no task to run and was never sent one');
      this.shutdownExecutor(framework, executor);
    }
    this.finishRecoveryIfReady();
  }

  /**
   * Mesos' `reregisterExecutor`: a task sent to the executor that is still TASK_STAGING here
   * (its updates, just taken, moved it on otherwise), and that the executor does not list among
   * the tasks it knows, never reached it: the agent died before delivering it. It is reported
   * TASK_LOST, or TASK_DROPPED for a partition-aware framework. (An executor lists a task until
   * one of its updates is acknowledged, and by then the task is past STAGING here.)
   */
  private dropUndeliveredTasks(framework: AgentFrameworkRecord, executor: ExecutorRecord, known: readonly TaskInfo[]): void {
    const knownIds = new Set(known.map((task) => task.taskId));
    for (const task of [...executor.launchedTasks.values()]) {
      if (task.state !== 'TASK_STAGING' || knownIds.has(task.taskId)) continue;
      this.log.warn({ frameworkId: framework.id, executorId: executor.id, taskId: task.taskId }, 'a task sent before the restart is unknown to its executor; it never got there');
      this.agentUpdate(framework.id, executor.id, task.taskId, launchedDuringRestart(framework.info));
    }
  }

  private executorToFramework(from: UPID, message: BodyOf<typeof ExecutorToFramework>): void {
    const executor = this.frameworks.get(message.frameworkId)?.executors.get(message.executorId);
    if (executor?.pid?.equals(from) !== true) {
      this.log.warn({ from: from.toString(), frameworkId: message.frameworkId, executorId: message.executorId }, 'dropping an executor message that did not come from that executor');
      this.counters.increment('invalid_framework_messages');
      return;
    }
    if (this.phase !== 'RUNNING' || this.agentId === undefined) {
      this.log.warn({ from: from.toString() }, 'dropping an executor message: not registered with a master');
      this.counters.increment('invalid_framework_messages');
      return;
    }
    this.counters.increment('valid_framework_messages');
    this.sendToMaster(ExecutorToFramework, { ...message, agentId: this.agentId });
  }

  private executorExited(executor: ExecutorRecord, exit: ExecutorExit): void {
    // Whatever the executor started and left behind (a task's `sleep 60 &`) goes with it, however it ended.
    executor.process?.destroy();
    // Its container has ended: the WAIT_CONTAINER calls on it hear how.
    const waiters = this.containerWaiters?.get(executor.runId);
    if (waiters !== undefined) {
      this.containerWaiters?.delete(executor.runId);
      for (const waiter of waiters) waiter(exit);
    }
    const framework = this.frameworks.get(executor.frameworkId);
    if (executor.phase === 'TERMINATED' || framework === undefined || !this.isCurrent(executor)) return;
    this.log.info({ executorId: executor.id, exit: describeExit(exit), ...(exit.limitation !== undefined ? { limitation: exit.limitation.message } : {}) }, 'executor exited');
    executor.phase = 'TERMINATED';
    executor.onEnded?.();
    executor.onEnded = undefined;
    this.counters.increment('executors_terminated');
    executor.registrationTimer?.cancel();
    executor.shutdownTimer?.cancel();
    // A container destroyed at a limit fails its tasks with the limitation (Mesos' ContainerTermination reason and message).
    const verdict = exit.limitation !== undefined
      ? { state: 'TASK_FAILED', reason: exit.limitation.reason, message: exit.limitation.message } as const
      : executor.pendingTermination ?? { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: `Executor ${describeExit(exit)}` };
    if (framework.phase !== 'TERMINATING') {
      for (const taskId of executor.liveTaskIds()) this.agentUpdate(framework.id, executor.id, taskId, verdict);
    }
    // As Mesos' `executorTerminated`: not for a command executor, which the agent made for its task
    // and the master never counts (its task's terminal update is the master's word); until
    // 2026-12-08 every exit was reported, and the master dropped a command executor's.
    if (this.phase !== 'RECOVERING' && !executor.commandExecutor) this.reportExecutorExited(framework.id, executor.id, exit);
    this.checkpoint(framework, { t: 'executorEnded', frameworkId: framework.id, executorId: executor.id, runId: executor.runId });
    if (executor.reconnecting) {
      executor.reconnecting = false;
      this.finishRecoveryIfReady();
    }
    if (this.phase === 'TERMINATING' || framework.phase === 'TERMINATING' || !executor.hasIncompleteTasks()) this.removeExecutor(framework, executor);
  }

  private shutdownExecutorMessage(from: UPID, message: BodyOf<typeof ShutdownExecutor>): void {
    if (!this.fromMaster(from, 'ShutdownExecutor')) return;
    const framework = this.frameworks.get(message.frameworkId);
    const executor = framework?.executors.get(message.executorId);
    if (framework === undefined || executor === undefined) {
      this.log.warn(message, 'ignoring ShutdownExecutor for an unknown executor');
      return;
    }
    this.shutdownExecutor(framework, executor);
  }

  /** How long an executor gets to exit once asked to: its info's `shutdownGracePeriodNs` where it has one, else `--executor_shutdown_grace_period` (Mesos). */
  private executorShutdownGracePeriodMs(info: ExecutorInfo): number {
    return info.shutdownGracePeriodNs !== undefined ? info.shutdownGracePeriodNs / 1e6 : this.options.flags.executorShutdownGracePeriodMs;
  }

  /** Asks the executor to shut down; its process tree is killed if it has not exited after the grace period. */
  private shutdownExecutor(framework: AgentFrameworkRecord, executor: ExecutorRecord): void {
    if (executor.phase === 'TERMINATING' || executor.phase === 'TERMINATED') return;
    this.log.info({ frameworkId: framework.id, executorId: executor.id }, 'shutting down executor');
    executor.phase = 'TERMINATING';
    executor.registrationTimer?.cancel();
    if (executor.pid === undefined) {
      executor.process?.destroy();
      this.abortFetch(executor);
      return;
    }
    const gracePeriodMs = this.executorShutdownGracePeriodMs(executor.info);
    this.send(executor.pid, ShutdownExecutorOnExecutor, { gracePeriodSeconds: gracePeriodMs / 1000 });
    executor.shutdownTimer = this.delay(gracePeriodMs, () => {
      if (executor.phase === 'TERMINATED') return;
      this.log.warn({ executorId: executor.id, gracePeriodMs }, 'executor did not exit within the shutdown grace period; killing it');
      executor.process?.destroy();
    });
  }

  private removeExecutor(framework: AgentFrameworkRecord, executor: ExecutorRecord): void {
    // Tasks still live here belong to a framework being shut down, which hears no more of them (Mesos):
    // the books say how they ended, as the master's do.
    // The status is made only when a task is live: nearly every executor leaves with none.
    if (executor.hasLiveTasks()) {
      executor.endLiveTasks(withFields(FRAMEWORK_SHUT_DOWN, { source: 'SOURCE_AGENT' as const, agentId: executor.agentId, executorId: executor.id, timestamp: this.clock.now() / 1000 }));
    }
    for (const taskId of [...executor.terminatedTasks.keys()]) executor.completeTask(taskId);
    framework.removeExecutor(executor);
    // The sandbox is garbage from now (its checkpoint records leave the journal at its next compaction).
    this.garbageCollect(executor.directory);
    // So is the executor's directory (its `runs/latest`), unless it runs again (Mesos' `removeExecutor`).
    // Cut from the sandbox's path, which the schedule holds anyway (a path of its own was ~150 B an ended task).
    if (!framework.executors.has(executor.id)) {
      this.garbageCollectPath(() => executorDirectoryOfRun(executor.directory) ?? executorDirectoryIn(this.frameworkDirectory(framework.id, executor.agentId), executor.id));
    }
    if (framework.idle()) this.removeFramework(framework, executor.directory);
  }

  // ---- frameworks and the agent's own shutdown ----------------------------------------------

  private frameworkFor(frameworkId: string, message: Pick<BodyOf<typeof RunTask>, 'framework' | 'pid'>): AgentFrameworkRecord {
    let framework = this.frameworks.get(frameworkId);
    const info = message.framework;
    if (framework === undefined || framework.info !== info || (message.pid !== undefined && framework.schedulerPid !== message.pid)) {
      if (info.checkpoint === true) this.checkpointRecord({ t: 'framework', frameworkId, info, ...(message.pid !== undefined ? { pid: message.pid } : {}) });
    }
    if (framework === undefined) {
      framework = new AgentFrameworkRecord(frameworkId, message.framework, message.pid);
      this.frameworks.set(frameworkId, framework);
      // A framework that comes back leaves the completed list, taking its completed executors along (Mesos).
      const completed = this.completedFrameworks.get(frameworkId);
      if (completed !== undefined) framework.adoptCompletedExecutors(completed);
      this.completedFrameworks.delete(frameworkId);
    } else {
      framework.info = message.framework;
      if (message.pid !== undefined) framework.schedulerPid = message.pid;
    }
    return framework;
  }

  private shutdownFramework(from: UPID, message: BodyOf<typeof ShutdownFramework>): void {
    if (!this.fromMaster(from, 'ShutdownFramework')) return;
    const framework = this.frameworks.get(message.frameworkId);
    if (framework === undefined) return;
    this.terminateFramework(framework);
  }

  private terminateFramework(framework: AgentFrameworkRecord): void {
    this.log.info({ frameworkId: framework.id }, 'shutting down framework');
    framework.phase = 'TERMINATING';
    this.updates.cleanup(framework.id);
    for (const executor of [...framework.executors.values()]) {
      if (executor.phase === 'TERMINATED') this.removeExecutor(framework, executor);
      else this.shutdownExecutor(framework, executor);
    }
    if (framework.idle() && this.frameworks.has(framework.id)) this.removeFramework(framework);
  }

  /** Ends `framework` here; `lastRun`: the sandbox of its executor that ended last, if it ended just now (its directory is cut from it). */
  private removeFramework(framework: AgentFrameworkRecord, lastRun?: string): void {
    this.checkpoint(framework, { t: 'frameworkEnded', frameworkId: framework.id });
    if (this.agentId !== undefined) this.garbageCollectPath(() => this.frameworkDirectory(framework.id, this.agentId, lastRun));
    this.frameworks.delete(framework.id);
    this.completedFrameworks.delete(framework.id);
    this.completedFrameworks.set(framework.id, framework);
    if (this.completedFrameworks.size > MAX_COMPLETED_FRAMEWORKS) {
      const [oldest] = this.completedFrameworks.keys();
      if (oldest !== undefined) this.completedFrameworks.delete(oldest);
    }
    this.updateDrainStatus();
    if (this.phase === 'TERMINATING' && this.frameworks.size === 0) this.terminate();
  }

  private shutdownMessage(from: UPID, message: BodyOf<typeof Shutdown>): void {
    if (!this.fromMaster(from, 'Shutdown')) return;
    if (this.phase !== 'TERMINATING') {
      this.shutDownByMaster = message.message;
      this.shutDownAgentId = this.agentId;
    }
    this.shutdownAgent(`the master asked: ${message.message}`);
  }

  /** Shuts down every framework's executors, then terminates (at once if there are none; bounded by the grace period). */
  private shutdownAgent(reason: string): void {
    if (this.phase === 'TERMINATING') return;
    this.log.warn({ reason }, 'agent shutting down');
    this.phase = 'TERMINATING';
    this.registrationTimer?.cancel();
    this.noMasterTimer?.cancel();
    this.authenticatee?.cancel();
    this.pingTimer?.cancel();
    this.updates.pause();
    // The longest grace period any executor gets (its own `shutdown_grace_period`, else the flag's), read before they are shut down.
    let longestGracePeriodMs = this.options.flags.executorShutdownGracePeriodMs;
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) longestGracePeriodMs = Math.max(longestGracePeriodMs, this.executorShutdownGracePeriodMs(executor.info));
    }
    for (const framework of [...this.frameworks.values()]) this.terminateFramework(framework);
    if (this.frameworks.size === 0) return this.terminate();
    // Executors that outlive their grace period are killed; allow that kill time to be reported.
    this.delay(longestGracePeriodMs * 2, () => this.terminate());
  }

  // ---- dynamic reservations -----------------------------------------------------------------

  /**
   * The master's word on this agent's dynamic reservations (Mesos' `checkpointResourcesMessage`):
   * all of them, replacing those it had. Refused, with a warning and nothing changed, when they
   * are invalid, when one is not dynamically reserved, or when the declared resources do not hold
   * them (the master checks both: one that sends such is broken or hostile). Otherwise they are
   * written to `<workDir>/meta/resources/resources.info` first and applied to the total once
   * durable (`writeReservations`). The reservations held already (or being written) are ignored,
   * as in Mesos. So is one that comes while the agent is not registered (Mesos' agent takes it):
   * sent before the master lost the agent (held by a stalled link, or a partition's), it may be
   * older than the reservations the agent reports as it re-registers, and a master that readmits
   * the agent takes those; a master that kept it compares them with its own and sends its word
   * again after answering, when they differ (chaos --reservations, seed 193: the agent took one
   * after reporting, and held other reservations than the master for good).
   */
  private checkpointResources(from: UPID, message: BodyOf<typeof CheckpointResources>): void {
    if (!this.fromMaster(from, 'CheckpointResources')) return;
    if (this.phase !== 'RUNNING') {
      this.log.info({ from: from.toString(), phase: this.phase }, 'ignoring CheckpointResources: not registered (the master sends its reservations again when this agent is back, if they differ from those it reports)');
      if (this.reservations !== undefined) this.reservations.ignoredWhileAway = true;
      return;
    }
    let checkpointed: Resources;
    try {
      checkpointed = Resources.fromJSON(message.resources);
    } catch (error) {
      this.log.warn({ from: from.toString(), error: loggedReservations(error instanceof Error ? error.message : String(error)) }, 'refusing CheckpointResources: its resources are invalid; nothing changes');
      return;
    }
    const refusal = checkpointedResourcesError(this.options.resources, checkpointed);
    if (refusal !== undefined) {
      const reason = loggedReservations(refusal);
      this.log.warn({ from: from.toString(), resources: loggedReservations(checkpointed.toString()), reason }, `refusing CheckpointResources: ${reason}; nothing changes`);
      return;
    }
    // Its operations with feedback are finished once these resources are durable (`reservationsDurable`).
    if (message.operations !== undefined && message.operations.length > 0) this.operations().carry(message.operations);
    const reservations = this.reservations;
    const latest = reservations?.queued ?? reservations?.writing;
    if (latest !== undefined ? checkpointed.equals(latest) : !this.needsWrite(checkpointed)) {
      if (latest === undefined) this.reservationsDurable();
      return;
    }
    this.writeReservations(checkpointed);
    if (this.reservations?.writing === undefined) this.reservationsDurable();
  }

  /**
   * The latest resources the master sent are durable (no write in flight or waiting): the
   * operations with feedback they carry out are finished (operations.ts).
   */
  private reservationsDurable(): void {
    const book = this.operationBook;
    if (book === undefined) return;
    book.durable();
    if (!book.idle) return;
    this.operationBook = undefined;
    this.updateDrainStatus();
  }

  /** The agent's operations with feedback, made at the first. */
  private operations(): AgentOperations {
    return this.operationBook ??= new AgentOperations(new AgentOperationPort(this));
  }

  /** The master passes on the acknowledgement of an operation's status (Mesos' `AcknowledgeOperationStatusMessage`). */
  private operationStatusAcknowledgement(from: UPID, { agentId, operationUuid, statusUuid }: BodyOf<typeof OperationStatusAcknowledgement>): void {
    if (!this.fromMaster(from, 'OperationStatusAcknowledgement')) return;
    if (agentId !== this.agentId) {
      this.log.warn({ agentId, operationUuid }, 'ignoring an operation status acknowledgement for another agent');
      return;
    }
    const book = this.operationBook;
    if (book === undefined) return;
    book.acknowledged(operationUuid, statusUuid);
    if (!book.idle) return;
    this.operationBook = undefined;
    this.updateDrainStatus();
  }

  /**
   * Writes `reservations` durably, then applies them (`reservationsWritten`). One write at a time:
   * what comes meanwhile waits, only the latest, and is written next. An agent without
   * checkpoints (a test's) applies them at once, keeping them in memory only.
   */
  private writeReservations(reservations: Resources): void {
    const checkpoints = this.options.checkpoints;
    if (checkpoints === undefined) return this.applyReservations(reservations);
    const state = this.reservations ??= { checkpointed: Resources.EMPTY, total: this.options.resources, writing: undefined, queued: undefined, writingChanges: undefined, directories: undefined };
    const previous = state.queued ?? state.writing;
    // The directories' books from the first word that has a volume (before it, no directory was made).
    if (state.directories === undefined && (reservations.hasPersistentVolumes() || this.checkpointedResources.hasPersistentVolumes())) {
      state.directories = new VolumeDirectoryBooks(this.options.flags.workDir, this.checkpointedResources);
    }
    if (state.writing !== undefined) {
      // Only the latest word waiting is written: the volumes the skipped ones destroyed are noted,
      // so that one created again meanwhile (same role and id) does not keep the old one's data.
      if (previous !== undefined) state.directories?.skipped(previous, reservations);
      state.queued = reservations;
      return;
    }
    const changes = this.volumeChangesFor(state.directories, reservations);
    state.writing = reservations;
    state.writingChanges = changes;
    this.deferWith(checkpoints.writeResources(reservations, changes), this.reservationsWritten, this.reservationsWriteFailed, reservations);
  }

  /**
   * Whether `word`, with no write in flight or waiting, is to be written: it differs from what
   * the agent holds, or the volumes' directories do not match it (a failed write left one made or
   * removed).
   */
  private needsWrite(word: Resources): boolean {
    return !word.equals(this.checkpointedResources) || this.reservations?.directories?.settledAt(word) === false;
  }

  /**
   * What happens to the persistent volumes' directories as the checkpointed resources become
   * `next` (undefined: nothing; volumes.ts makes and removes them before the file is written).
   * The master lets a DESTROY through only for a volume no task uses, but a task here may still
   * (its end not yet known to the master): that directory is kept, with a warning (Mesos' agent
   * refuses the whole change then; here the master's word is taken, and the data is not lost).
   */
  private volumeChangesFor(books: VolumeDirectoryBooks | undefined, next: Resources): VolumeDirectoryChanges | undefined {
    const changes = books?.changesFor(next, () => this.volumesInUse());
    if (changes === undefined) return undefined;
    for (const directory of changes.kept) {
      this.log.warn({ volume: directory.id, role: directory.role, directory: directory.path }, 'keeping the directory of a destroyed persistent volume: a live task on this agent still uses it (the next change of the checkpointed resources after the task ends removes it)');
    }
    const list = (directories: VolumeDirectoryChanges['create']): string[] => directories.map((directory) => directory.path);
    this.log.info({ create: list(changes.create), remove: list(changes.remove) }, 'the persistent volumes change: their directories are made and removed before the checkpointed resources are written');
    return { create: changes.create, remove: changes.remove };
  }

  /** The directories of the persistent volumes that live executors and their live tasks here use. */
  private volumesInUse(): Set<string> {
    const used = new Set<string>();
    const workDir = this.options.flags.workDir;
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) {
        if (executor.phase === 'TERMINATED' || !containerUsesVolumes(executor)) continue;
        for (const volume of sandboxVolumesOf(workDir, containerResourceLists(executor))) used.add(volume.source);
      }
    }
    return used;
  }

  private reservationsWritten(reservations: Resources): void {
    this.writeEnded();
    this.log.info({ previous: loggedReservations(this.checkpointedResources.toString()), resources: loggedReservations(reservations.toString()) }, 'checkpointed the dynamic reservations the master sent; applied them');
    this.applyReservations(reservations);
    this.writeQueuedReservations();
    this.releaseVolumeWaiters();
    if (this.reservations?.writing === undefined) this.reservationsDurable();
  }

  /**
   * The write failed: the old file and the old total stay (Mesos' agent exits here; this one must
   * not lose what it has acknowledged, and its executors). The master sends its reservations
   * again when the agent re-registers.
   */
  private reservationsWriteFailed(reservations: Resources, error: Error): void {
    // What it was to remove may still be there: the next write removes it (or empties it, if its word has the volume).
    this.reservations?.directories?.failed(this.reservations.writingChanges);
    this.writeEnded();
    this.log.error(
      { resources: loggedReservations(reservations.toString()), kept: loggedReservations(this.checkpointedResources.toString()), error: error.message },
      'could not checkpoint the dynamic reservations the master sent; keeping the previous ones (the master sends them again when this agent re-registers)',
    );
    this.writeQueuedReservations();
    this.releaseVolumeWaiters();
  }

  /** The write in flight ended (written or failed). */
  private writeEnded(): void {
    if (this.reservations === undefined) return;
    this.reservations.writing = undefined;
    this.reservations.writingChanges = undefined;
  }

  private writeQueuedReservations(): void {
    const state = this.reservations;
    const queued = state?.queued;
    if (state !== undefined) state.queued = undefined;
    if (queued !== undefined && this.needsWrite(queued)) this.writeReservations(queued);
    else if (state !== undefined && state.checkpointed.isEmpty() && state.directories?.settledAt(Resources.EMPTY) !== false) this.reservations = undefined;
  }

  /** `reservations` become the agent's, and its total their application to its declared resources. */
  private applyReservations(reservations: Resources): void {
    const total = applyCheckpointedResources(this.options.resources, reservations);
    const state = this.reservations;
    if (state !== undefined) {
      state.checkpointed = reservations;
      state.total = total;
    } else if (!reservations.isEmpty()) {
      this.reservations = { checkpointed: reservations, total, writing: undefined, queued: undefined, writingChanges: undefined, directories: undefined };
    }
  }

  /** Its dynamic reservations, durable (Mesos' `checkpointedResources`): what (Re)RegisterAgent reports. */
  private get checkpointedResources(): Resources {
    return this.reservations?.checkpointed ?? Resources.EMPTY;
  }

  /** What it has: its declared resources with its reservations carved out (Mesos' `totalResources`); what `/state` shows. */
  private get totalResources(): Resources {
    return this.reservations?.total ?? this.options.resources;
  }

  /** `checkpointedResources` of a (Re)RegisterAgent: the durable reservations' JSON, undefined (left out) when there are none. */
  private checkpointedResourcesJson(): ResourceJSON[] | undefined {
    const reservations = this.checkpointedResources;
    // Frozen and kept with the value: every retried registration sends the same list.
    return reservations.isEmpty() ? undefined : reservations.toFrozenJSON() as ResourceJSON[];
  }

  // ---- checkpoints and recovery -------------------------------------------------------------

  /**
   * Records a fact about a checkpointing framework (`FrameworkInfo.checkpoint`); resolves once it
   * is durable. Undefined (nothing recorded) for other frameworks, or without checkpoints.
   */
  private checkpoint(framework: AgentFrameworkRecord, record: CheckpointRecord): Promise<void> | undefined {
    return framework.info.checkpoint === true ? this.checkpointRecord(record) : undefined;
  }

  /** Whether `framework`'s records are written: it checkpoints, and this agent keeps checkpoints. */
  private checkpoints(framework: AgentFrameworkRecord): boolean {
    return framework.info.checkpoint === true && this.options.checkpoints !== undefined;
  }

  private checkpointRecord(record: CheckpointRecord): Promise<void> | undefined {
    return this.options.checkpoints?.record(record);
  }

  /**
   * Takes back what a previous run checkpointed (Mesos' `Slave::recover`, `--recover=reconnect`):
   * its agent id, the checkpointing frameworks, their executors' latest runs with their tasks and
   * unacknowledged updates (held until the agent is registered again). Each executor that had
   * registered is asked to reconnect (ReconnectExecutor) and watched through its OS process;
   * one that had not registered yet is killed, its tasks failed. Registration starts once every
   * executor re-registered or ended, or `executorReregistrationTimeoutMs` passed (then the rest
   * are killed, their tasks failed with REASON_EXECUTOR_REREGISTRATION_TIMEOUT).
   */
  private recover(recovered: RecoveredAgent): void {
    this.phase = 'RECOVERING';
    this.agentId = recovered.agentId;
    // Drains on once recovered (`finishRecoveryIfReady`), as Mesos replays a checkpointed drain.
    this.drainConfig = recovered.drainConfig;
    if (recovered.operations !== undefined && recovered.operations.size > 0) this.operationBook = new AgentOperations(new AgentOperationPort(this), recovered.operations);
    const registeredAs = recovered.registeredAs;
    if (registeredAs !== undefined && recovered.agentId !== undefined) {
      this.checkpointedInfo = { recovered: declaredInfoOf(registeredAs.info) };
      this.checkpointedBootId = registeredAs.bootId;
      // A recovery in a new boot writes this boot's id at once, as Mesos checkpoints it at each
      // recovery: a stale one would take a later refused change in this boot for one after a
      // reboot (a new agent, and this boot's executors killed).
      if (this.options.bootId !== registeredAs.bootId) this.recordRegisteredInfo(recovered.agentId, registeredAs.info);
    }
    this.updates.pause();
    const agentId = this.agentId ?? '';
    const waiting: ExecutorRecord[] = [];
    const unregistered: ExecutorRecord[] = [];
    /** Executors whose process went with a reboot. */
    const gone: ExecutorRecord[] = [];
    /** Runs that had ended holding a task given to them after their end, with no update. */
    const strays: ExecutorRecord[] = [];
    // What ended before the restart is shown again as it was (Mesos recovers completed runs from its meta directory).
    for (const [frameworkId, saved] of recovered.completedFrameworks ?? []) {
      const framework = new AgentFrameworkRecord(frameworkId, saved.info, saved.pid);
      for (const run of saved.completedExecutors) framework.removeExecutor(completedRun(frameworkId, agentId, run));
      this.completedFrameworks.set(frameworkId, framework);
    }
    for (const [frameworkId, saved] of recovered.frameworks) {
      const framework = new AgentFrameworkRecord(frameworkId, saved.info, saved.pid);
      this.frameworks.set(frameworkId, framework);
      for (const run of saved.completedExecutors) framework.removeExecutor(completedRun(frameworkId, agentId, run));
      for (const run of saved.executors.values()) {
        const executor = new ExecutorRecord({ ...run.info, frameworkId }, frameworkId, agentId, run.commandExecutor, run.runId, run.directory);
        executor.taskEndListener = this;
        executor.role = run.role;
        executor.tokenSha256 = run.tokenSha256;
        framework.executors.set(executor.id, executor);
        // Its completed tasks first (a review: a live run showed none after a restart until it completed).
        restoreCompletedTasks(executor, run);
        for (const task of run.tasks.values()) {
          executor.setTaskRole(task.info.taskId, task.role);
          if (run.pid !== undefined || task.updates.length > 0) executor.launchTask(task.info);
          else executor.queueTask(task.info);
          for (const { update, acknowledged } of task.updates) {
            executor.updateTaskState(update.status);
            this.updates.recover(update, acknowledged);
          }
        }
        if (run.ended) {
          executor.phase = 'TERMINATED';
          // A task given to the run after it ended, whose TASK_LOST the agent had not written when
          // it stopped (`deliverTask` writes the task, then that): it gets it now.
          if (executor.hasLiveTasks()) strays.push(executor);
          continue;
        }
        executor.reconnecting = true;
        const onExit = (exit: ExecutorExit): void => {
          dispatch(this, (agent) => agent.executorExited(executor, exit)).catch(() => undefined);
        };
        // A process of another boot is gone, and its pid may name another process now: not adopted, never killed.
        const sameBoot = run.bootId === undefined || this.options.bootId === undefined || run.bootId === this.options.bootId;
        if (!sameBoot) {
          this.log.warn({ frameworkId, executorId: executor.id, processId: run.processId }, 'the machine rebooted since the executor started; it is gone');
          executor.reconnecting = false;
          gone.push(executor);
          continue;
        }
        if (run.processId !== undefined && this.options.launcher.recover !== undefined) {
          executor.process = this.options.launcher.recover({
            frameworkId, executorId: executor.id, runId: run.runId, processId: run.processId, directory: run.directory, ...(run.startTime !== undefined ? { startTime: run.startTime } : {}),
          }, onExit);
          this.options.launcher.update?.(run.runId, containerLimits(executor));
        }
        waiting.push(executor);
        if (run.pid === undefined) {
          executor.pendingTermination = { state: goneState(saved.info), reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', message: 'The executor had not registered when the agent restarted' };
          executor.reconnecting = false;
          unregistered.push(executor); // ended after the loop: ending one may remove its framework
          continue;
        }
        // Only the executor at its checkpointed pid may re-register (ids are public; see reregisterExecutor).
        executor.pid = UPID.parse(run.pid);
        this.link(executor.pid);
        this.send(executor.pid, ReconnectExecutor, { agentId });
      }
    }
    for (const executor of strays) {
      const framework = this.frameworks.get(executor.frameworkId);
      const verdict = { state: droppedTaskState(framework?.info), reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' } as const;
      for (const taskId of executor.liveTaskIds()) this.agentUpdate(executor.frameworkId, executor.id, taskId, verdict);
    }
    for (const executor of unregistered) this.endUnrecoveredExecutor(executor);
    for (const executor of gone) this.executorExited(executor, { code: null, signal: null });
    this.log.info({ agentId, frameworks: recovered.frameworks.size, executors: waiting.length }, 'recovering from checkpoints');
    this.delay(this.options.flags.executorReregistrationTimeoutMs, () => this.recoveryTimedOut());
    this.finishRecoveryIfReady();
  }

  /** Executors that did not re-register in time are killed; their live tasks fail. */
  private recoveryTimedOut(): void {
    if (this.phase !== 'RECOVERING') return;
    const timeoutMs = this.options.flags.executorReregistrationTimeoutMs;
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) {
        if (!executor.reconnecting) continue;
        this.log.warn({ frameworkId: framework.id, executorId: executor.id, timeoutMs }, 'executor did not re-register after the agent restarted; killing it');
        executor.reconnecting = false;
        executor.pendingTermination = { state: goneState(framework.info), reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', message: `Executor did not re-register within ${timeoutMs} ms of the agent's restart` };
        this.endUnrecoveredExecutor(executor);
      }
    }
    this.finishRecoveryIfReady();
  }

  /** Kills an executor the agent could not take back: its process if known, else it is ended at once. */
  private endUnrecoveredExecutor(executor: ExecutorRecord): void {
    if (executor.process !== undefined) {
      executor.phase = 'TERMINATING';
      executor.process.destroy();
      return;
    }
    this.executorExited(executor, { code: null, signal: null });
  }

  /** Once no executor is awaited, recovery is over: the agent registers again, under its old id. */
  private finishRecoveryIfReady(): void {
    if (this.phase !== 'RECOVERING') return;
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) if (executor.reconnecting) return;
    }
    this.log.info({ agentId: this.agentId }, 'recovery finished; registering with the master');
    this.phase = 'DISCONNECTED';
    this.recoveryTimeSecs = this.clock.now() / 1000 - this.startTimeSeconds;
    for (const framework of [...this.frameworks.values()]) if (framework.idle()) this.removeFramework(framework);
    if (this.drainConfig !== undefined) {
      // Mesos' "replaying in-process agent draining": what the executors that came back run is killed again.
      this.log.info({ config: this.drainConfig }, 'draining on after the restart');
      this.drainStartMs = this.clock.now();
      this.killEverything();
      this.updateDrainStatus();
    }
    this.startRegistration();
  }

  // ---- sandbox garbage collection ---------------------------------------------------------

  /**
   * `<workDir>/agents/<agentId>/frameworks/<frameworkId>` (of this agent's id unless `agentId`
   * says otherwise): the part up to `frameworks` is made once per agent id, not at every launch
   * and every removal. Cut from the sandbox `run` when it lies there (`frameworkDirectoryOfRun`).
   */
  private frameworkDirectory(frameworkId: string, agentId = this.agentId as string, run?: string): string {
    let frameworks = this.frameworksDirectoryCache;
    if (frameworks?.agentId !== agentId) this.frameworksDirectoryCache = frameworks = { agentId, path: frameworksDirectory(this.options.flags.workDir, agentId) };
    return (run === undefined ? undefined : frameworkDirectoryOfRun(run, frameworks.path, frameworkId)) ?? frameworkDirectoryIn(frameworks.path, frameworkId);
  }

  /**
   * `garbageCollect` of the path `directory` makes; an id that cannot be a path component (one
   * read back from a damaged checkpoint) is logged and nothing is scheduled, rather than the
   * removal under way stopping half done.
   */
  private garbageCollectPath(directory: () => string): void {
    let target: string;
    try {
      target = directory();
    } catch (error) {
      this.log.error({ error: error instanceof Error ? error.message : String(error) }, 'not scheduling a directory for garbage collection');
      return;
    }
    this.garbageCollect(target);
  }

  /**
   * Schedules a completed directory for removal after `--gc_delay`, first setting its
   * modification time to now: a restarted agent ages it from there (Mesos' `utime`, then
   * `garbageCollect`). A directory never made (no process was started) is scheduled all the same.
   */
  private garbageCollect(directory: string): void {
    this.gc.schedule(directory, this.options.flags.gcDelayMs);
    // Its modification time ages it after a restart; whether the touch worked changes nothing here.
    this.background(this.sandboxFileSystem.touch(directory, this.clock.now()));
  }

  /**
   * At start: what lies in the work dir from before is scheduled. Runs of this agent's
   * frameworks that are not an executor's current one are aged by their modification time, set
   * when they completed (Mesos' recovery does so). Other agents' directories (this agent had
   * another id, or none yet) and directories of frameworks it did not recover get a whole
   * `--gc_delay` from now: their modification time says nothing of when they were last used
   * (Mesos touches old agents' directories the same way); so do executor directories. Within
   * this agent's directory each completed directory is scheduled on its own, even under a
   * scheduled framework: the framework may come back (unscheduling its directory) and its old
   * runs must still go. Looked through once, asynchronously; what became live meanwhile is left alone.
   */
  private collectOldSandboxes(): void {
    this.defer(sandboxDirectories(this.sandboxFileSystem, this.options.flags.workDir), (found) => {
      // Recorded: a replay finds the same (`replayAgent`).
      this.host.recordInput(this.self(), SANDBOX_SCAN_INPUT, found);
      const scheduled: string[] = [];
      const otherAgents: string[] = [];
      for (const directory of found) {
        // What completed since the start is scheduled already, from its completion.
        if (this.gc.scheduledAt(directory.path) !== undefined || otherAgents.some((parent) => contains(parent, directory.path))) continue;
        if (!this.completedOnDisk(directory)) continue;
        scheduled.push(directory.path);
        if (directory.agentId !== this.agentId) otherAgents.push(directory.path);
        if (directory.kind === 'run' && directory.agentId === this.agentId) {
          this.gc.schedule(directory.path, this.options.flags.gcDelayMs - (this.clock.now() - directory.modifiedMs));
        } else {
          this.garbageCollect(directory.path);
        }
      }
      if (scheduled.length > 0) this.log.info({ directories: scheduled.length }, 'scheduled sandboxes left by a previous run for garbage collection');
    }, (error) => this.log.error({ workDir: this.options.flags.workDir, error: error.message }, 'could not look through the work dir for old sandboxes'));
  }

  /** Whether a directory found in the work dir at start is garbage: nothing this agent runs lies in it. */
  private completedOnDisk(directory: SandboxDirectory): boolean {
    if (directory.agentId !== this.agentId) return true;
    if (directory.kind === 'agent') return false;
    if (directory.kind === 'framework') return !this.frameworks.has(directory.frameworkId) && !this.holdsCurrentRun(directory.path);
    return !this.holdsCurrentRun(directory.path);
  }

  /** Whether a run of an executor this agent has now lies in `target` (such a directory is never removed). */
  private holdsCurrentRun(target: string): boolean {
    const resolved = resolvedPath(target);
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.values()) if (contains(resolved, resolvedPath(executor.directory))) return true;
    }
    return false;
  }

  /** A disk usage check is under way (`checkDiskUsage`). */
  private checkingDiskUsage = false;
  /** How old a completed sandbox may get, as the last disk usage check found (`--gc_delay` until one has). */
  private maxAllowedAgeMs: number | undefined;

  /**
   * Every `--disk_watch_interval` (from when the last check started; one still under way makes
   * the next skip): how full the work dir's file system is decides how old a
   * completed sandbox may get, `gc_delay × max(0, 1 − usage − gc_disk_headroom)`; older ones are
   * removed now (Mesos' `checkDiskUsage`).
   */
  private checkDiskUsage(): void {
    // A check that outlasts the interval (a slow `du`) is not overlapped by the next: that one is skipped.
    if (this.checkingDiskUsage) return;
    this.checkingDiskUsage = true;
    const { workDir, gcDelayMs, gcDiskHeadroom } = this.options.flags;
    this.defer(this.sandboxFileSystem.usage(workDir), (usage) => {
      this.checkingDiskUsage = false;
      this.host.recordInput(this.self(), DISK_USAGE_INPUT, usage);
      const maxAgeMs = maxAllowedAgeMs(gcDelayMs, usage, gcDiskHeadroom);
      this.maxAllowedAgeMs = maxAgeMs;
      this.log.debug({ usage, maxAgeMs }, 'disk usage checked');
      this.gc.prune(gcDelayMs - maxAgeMs);
    }, (error) => {
      this.checkingDiskUsage = false;
      this.host.recordInput(this.self(), DISK_USAGE_INPUT, null);
      this.log.error({ workDir, error: error.message }, 'could not read the disk usage of the work dir');
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Whether a leading master is known (always, for a `host:port` master). */
  private get leaderKnown(): boolean {
    return !this.master.equals(NO_MASTER);
  }

  /** Sends to the leading master; nothing while none is known. */
  private sendToMaster<T>(type: MessageType<T>, body: T): void {
    if (this.leaderKnown) this.send(this.master, type, body);
  }

  private fromMaster(from: UPID, name: string): boolean {
    if (from.equals(this.master)) return true;
    if (this.options.detector === undefined && this.reachedAs(from, this.master)) {
      // `--master localhost:5050` and a master advertising 127.0.0.1:5050: one master, its own pid from now on.
      this.log.info({ configured: this.master.toString(), advertised: from.toString() }, 'the master answers from the address it advertised when dialed (confirmed); using it');
      this.master = from;
      return true;
    }
    this.log.warn({ from: from.toString(), name, master: this.master.toString() }, 'ignoring a message that did not come from the master');
    return false;
  }

  private isCurrent(executor: ExecutorRecord): boolean {
    return this.frameworks.get(executor.frameworkId)?.executors.get(executor.id) === executor;
  }

  private executorCount(): number {
    let count = 0;
    for (const framework of this.frameworks.values()) count += framework.executors.size;
    return count;
  }

  /** The v1 operator API's GET_STATE parts, as `viewer` may see them. */
  v1State(viewer: StateViewer | undefined, parts?: readonly AgentV1Part[]): Partial<AgentV1State> {
    return agentV1State({ frameworks: [...this.frameworks.values()], completedFrameworks: [...this.completedFrameworks.values()], ...(viewer !== undefined ? { viewer } : {}) }, parts);
  }

  /**
   * Its AgentInfo as the master has it (its id once registered), in v1 JSON: GET_AGENT's
   * `agent_info` (Mesos' internal `slave_info`, under its v1 name), with the declared resources,
   * as Mesos' (its dynamic reservations are not in the info; `/state` shows the total with them).
   */
  v1AgentInfo(): Record<string, unknown> {
    const port = this.self().port;
    return v1AgentInfoJson({ ...(this.agentId !== undefined ? { id: this.agentId } : {}), hostname: this.options.hostname, port, resources: this.options.resources.toJSON(), attributes: this.options.attributes });
  }

  /** Its metrics with the host's `system/*` (the host's metrics actor's snapshot, of what answered within `timeoutMs`, when it serves this agent's; else the agent's own). */
  async metricsWithSystem(timeoutMs = DEFAULT_METRICS_TIMEOUT_MS): Promise<Record<string, number>> {
    const metrics = this.host.lookup(METRICS_ACTOR_ID);
    if (metrics instanceof MetricsProcess) return dispatch(metrics, (process: MetricsProcess) => process.snapshot(timeoutMs));
    return this.metrics();
  }

  /**
   * The `/state` answer for `viewer` (undefined: all is shown), whatever the agent's phase (the
   * route answers 503 while it recovers; tests and the simulation's checks read the books then too).
   */
  stateResponse(viewer: StateViewer | undefined): HttpResponse {
    return ok(agentStateJson({
      ...(viewer !== undefined ? { viewer } : {}),
      version: AGENT_VERSION,
      agentId: this.agentId,
      pid: this.self().toString(),
      hostname: this.options.hostname,
      capabilities: this.options.capabilities ?? DEFAULT_AGENT_CAPABILITIES,
      resources: this.totalResources,
      attributes: this.options.attributes,
      masterHostname: this.masterInfo?.hostname,
      startTimeSeconds: this.startTimeSeconds,
      flags: this.options.flags,
      frameworks: [...this.frameworks.values()],
      completedFrameworks: [...this.completedFrameworks.values()],
      ...(this.drainConfig !== undefined ? { drain: { config: this.drainConfig, startMs: this.drainStartMs ?? this.clock.now() } } : {}),
    }));
  }

  /** How it drains, and since when (clock ms), while it does (`/state`'s `drain_config`, GET_AGENT's). */
  draining(): { readonly config: DrainConfig; readonly startMs: number } | undefined {
    return this.drainConfig === undefined ? undefined : { config: this.drainConfig, startMs: this.drainStartMs ?? this.clock.now() };
  }
}

export { masterPid } from './flags';

/**
 * `/containers`' filters (Mesos' `container_id` alone, `framework_id` alone, or `executor_id` with `framework_id`):
 * which containers they select, or the 400 for a mix Mesos refuses.
 */
function containersSelected(query: HttpRequest['query']): HttpResponse | ((container: MonitoredContainer) => boolean) {
  const { container_id: containerId, framework_id: frameworkId, executor_id: executorId } = query;
  if ((containerId !== undefined && (frameworkId !== undefined || executorId !== undefined)) || (executorId !== undefined && frameworkId === undefined)) {
    return httpError(400, '/containers takes container_id only, framework_id only, or executor_id and framework_id only');
  }
  return (container) => (containerId === undefined || container.containerId === containerId)
    && (frameworkId === undefined || container.frameworkId === frameworkId) && (executorId === undefined || container.executorId === executorId);
}


/**
 * What the agent's garbage collector reads of the agent: one object whose methods are on its
 * prototype (five closures per agent added up to ~300 bytes with 100,000 simulated agents).
 */
class AgentGcHooks implements GarbageCollectorOptions {
  constructor(private readonly agent: Agent, readonly root: string, readonly fileSystem: SandboxFileSystem) {}

  now(): number {
    return this.agent['clock'].now();
  }

  delay(delayMs: number, callback: () => void): { cancel(): void } {
    return this.agent['delay'](delayMs, callback);
  }

  defer(promise: Promise<void>, then: () => void, onError: (error: Error) => void): void {
    this.agent['defer'](promise, then, onError);
  }

  isLive(target: string): boolean {
    return this.agent['holdsCurrentRun'](target);
  }

  log(): Logger {
    return this.agent['log'];
  }
}

/** What the v1 operator API reads of the agent (methods on the prototype, not closures per agent). */
class AgentOperatorReader implements AgentOperatorPort {
  /** Set by `Agent.serveFilesThrough` once the host's files actor is there. */
  files: AgentFilesReader | undefined = undefined;

  constructor(private readonly agent: Agent, readonly authentication: HttpAuthentication | undefined, readonly authorizer: Authorizer | undefined) {}

  flags(): Record<string, string> {
    return renderAgentFlags(this.agent['options'].flags);
  }

  executorUser(frameworkId: string, executorId: string): string | undefined {
    return this.agent.executorUser(frameworkId, executorId);
  }

  containers(): readonly MonitoredContainer[] {
    return this.agent['monitoredContainers']();
  }

  containerExecutor(containerId: string): { readonly frameworkId: string; readonly executorId: string } | undefined {
    const executor = this.agent.containerExecutor(containerId);
    return executor === undefined ? undefined : { frameworkId: executor.frameworkId, executorId: executor.id };
  }

  watchContainer(containerId: string, onEnd: (outcome: ExecutorExit | 'stopped') => void): (() => void) | undefined {
    return this.agent.watchContainer(containerId, onEnd);
  }

  killContainer(containerId: string, signal: number): 'killed' | 'unknown' | { readonly error: string } {
    return this.agent.killContainer(containerId, signal);
  }

  containersUsage(): ReturnType<AgentOperatorPort['containersUsage']> {
    return this.agent.containersUsage();
  }

  v1State(viewer: StateViewer | undefined, parts?: readonly AgentV1Part[]): Partial<AgentV1State> {
    return this.agent.v1State(viewer, parts);
  }

  operations(): V1OperationView[] {
    const agentId = this.agent['agentId'] ?? '';
    return [...this.agent['operationBook']?.list() ?? []].map((operation) => ({ ...operation, info: operation.info, agentId, latest: operation.status }));
  }

  v1AgentInfo(): Record<string, unknown> {
    return this.agent.v1AgentInfo();
  }

  draining(): { readonly config: DrainConfig; readonly startMs: number } | undefined {
    return this.agent.draining();
  }

  metrics(timeoutMs: number): Promise<Record<string, number>> {
    return this.agent.metricsWithSystem(timeoutMs);
  }

  loggingLevel(caller: HttpCaller, call: LoggingLevelCall): HttpResponse | Promise<HttpResponse> {
    return v1LoggingLevel(this.agent['host'], call, () => this.authorizer?.denial('set_log_level', caller.principal));
  }

  recovering(): boolean {
    return this.agent['phase'] === 'RECOVERING';
  }
}

/** How the agent's status update manager forwards updates and times retries (methods on the prototype). */
class AgentUpdateHooks implements StatusUpdateManagerOptions {
  constructor(private readonly agent: Agent) {}

  forward(update: StatusUpdate): void {
    this.agent['forward'](update);
  }

  startTimer<A>(delayMs: number, callback: (arg: A) => void, arg: A): Timer {
    return this.agent['delayWith'](delayMs, callback, arg);
  }

  now(): number {
    return this.agent['clock'].now();
  }
}

/** What an agent's operations with feedback (operations.ts) need of it. */
class AgentOperationPort implements AgentOperationHooks {
  constructor(private readonly agent: Agent) {}

  agentId(): string | undefined {
    return this.agent['agentId'];
  }

  registered(): boolean {
    return this.agent['phase'] === 'RUNNING';
  }

  send(operation: AgentOperation): void {
    const agentId = this.agent['agentId'];
    if (agentId !== undefined) this.agent['sendToMaster'](UpdateOperationStatus, { agentId, operation });
  }

  record(record: CheckpointRecord): Promise<void> | undefined {
    return this.agent['checkpointRecord'](record);
  }

  newUuid(): string {
    return this.agent['host'].newUuid();
  }

  delay(ms: number, callback: () => void): { cancel(): void } {
    return this.agent['delay'](ms, callback);
  }

  staleAcknowledgement(operationUuid: string, statusUuid: string): void {
    this.agent['log'].warn({ operationUuid, statusUuid }, 'ignoring an acknowledgement of an operation status that is not the latest');
  }
}

/** `text` (reservations, or why they were refused) cut for a log line to `MAX_LOGGED_RESERVATIONS_CHARS`. */
function loggedReservations(text: string): string {
  return boundedText(text, MAX_LOGGED_RESERVATIONS_CHARS);
}

/** An agent's dynamic reservations (`Agent.reservations`), and their writes. */
interface AgentReservations {
  /** What is durable (Mesos' `checkpointedResources`): what (Re)RegisterAgent reports. */
  checkpointed: Resources;
  /** The declared resources with `checkpointed` carved out (Mesos' `totalResources`). */
  total: Resources;
  /** The reservations being written, applied once durable; undefined when no write is in flight. */
  writing: Resources | undefined;
  /** The latest reservations that came while a write was in flight: written next (older ones that waited are skipped). */
  queued: Resources | undefined;
  /** What the write in flight does to the volumes' directories. */
  writingChanges: VolumeDirectoryChanges | undefined;
  /** What the agent has made of its volumes' directories (from the first word with a volume; undefined before). */
  directories: VolumeDirectoryBooks | undefined;
  /**
   * True from a CheckpointResources ignored while the agent was not registered until it is
   * registered again: meanwhile the master may launch tasks on resources it unreserved and the
   * agent still holds reserved (`unfitNextToRunning`).
   */
  ignoredWhileAway?: boolean;
}

/** An agent info without its id (what the checkpoint keeps with the id). */
function withoutId(info: AgentInfo): Omit<AgentInfo, 'id'> {
  const { id: _id, ...rest } = info;
  return rest;
}
