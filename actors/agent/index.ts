/**
 * The agent (DESIGN.md §8): `startAgent` detects the machine's resources and spawns the agent
 * actor (`slave(N)`) and the `files` actor on an existing host.
 *
 * @example
 *   const host = await ActorHost.start({ port: 5051 });
 *   const agent = await startAgent({ host, flags: defaultAgentFlags({ master: '127.0.0.1:5050', workDir: '/tmp/mesos' }) });
 *   // GET http://127.0.0.1:5051/slave(1)/state ... later:
 *   await agent.stop();
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { procStatFields } from '../../lib/proc-stat';
import { hostname as osHostname } from 'node:os';
import * as path from 'node:path';
import { dispatch, UPID, type Actor } from '../../lib/actor';
import type { Credential } from '../../lib/authentication';
import { nodeDisk, type Disk } from '../../lib/disk';
import { isZooKeeperMaster, masterDetector } from '../../lib/ha/detector';
import type { ZooKeeperMasterDetector } from '../../lib/ha/election';
import { connectNodeZooKeeper } from '../../lib/ha/node-zookeeper';
import type { ZooKeeperConnector } from '../../lib/ha/zookeeper';
import type { ActorHost, HttpAuthentication, HttpRequest } from '../../lib/process';
import { Authorizer, type Acls } from '../../lib/acls';
import { tlsEnvironment, type TlsFiles } from '../../lib/process/tls';
import type { CommandInfo } from '../../lib/protocol';
import type { Resources } from '../../lib/resources';
import { Agent, type ExecutorApiSpawner } from './agent';
import { AgentCheckpoints, checkpointJournalPath, checkpointRecords, currentBootId, declaredInfoOf, recoverCheckpoints, type RecoveredAgent } from './checkpoint';
import { reconfigurationError, type DeclaredAgentInfo } from './compatibility';
import { recoverCheckpointedResources } from './checkpointed-resources';
import { makeVolumeDirectories } from './volumes';
import type { AgentFilesReader } from './v1-operator';
import { checkAgentFlags, fetcherCacheDirOf, renderAgentFlags, type AgentFlags } from './flags';
import { spawnInfoActors, type FlagsAccess, type LoggingAccess } from '../../lib/info-actors';
import { FilesActor, FILES_ACTOR_ID, type FilesAccess } from './files';
import { ENTERS_CGROUPS_ENV, executorBaseEnvironment, isProcessStartedAt, ProcessLauncher, type Launcher } from './launcher';
import { Fetcher } from './fetcher';
import { chooseIsolator } from './isolator';
import { DEFAULT_CGROUPS_ROOT } from './cgroups';
import { AGENT_START_INPUT, AGENT_STOP_INPUT, SWITCH_USER, AUTHENTICATE_HTTP_EXECUTORS, CHECKPOINT_SETTLE_TIMEOUT_MS, AGENT_HTTP_REALMS } from './constants';
import { recordingLauncher, type AgentStartInput } from './replay';
import { agentMetricsSource } from './metrics';
import { attachMetricsSource, metricsAccess, METRICS_ACTOR_ID } from '../../lib/metrics';
import { detectResources, parseAttributes, type SystemProbe } from './resources';
import { ExecutorApi, V1_API_NAMESPACE, V1_EXECUTOR_ROUTE } from './v1-executor';
import { inertSandboxFileSystem, nodeSandboxFileSystem, type SandboxFileSystem } from './gc';

export { Agent, masterPid, type AgentOptions, type AgentPhase } from './agent';
export { AGENT_RECOVERY_MODES, checkAgentFlags, defaultAgentFlags, renderAgentFlags, type AgentFlags, type AgentFlagsInput, type AgentRecovery } from './flags';
export { AgentCheckpoints, applyCheckpoint, checkpointJournalPath, checkpointRecords, recoverCheckpoints, recoveredFrom, type CheckpointRecord, type RecoveredAgent } from './checkpoint';
export { applyCheckpointedResources, checkpointedResourcesError, checkpointedResourcesPath, recoverCheckpointedResources } from './checkpointed-resources';
export { FilesActor, FILES_ACTOR_ID, type FileInfoJson, type FilesAccess, type GarbageCollectedAt } from './files';
export { GarbageCollector, inertSandboxFileSystem, maxAllowedAgeMs, nodeSandboxFileSystem, sandboxDirectories, type GarbageCollectorMetrics, type GarbageCollectorOptions, type SandboxDirectory, type SandboxFileSystem } from './gc';
export { ProcessLauncher, isProcessStartedAt, executorEnvironment, type ExecutorExit, type ExecutorLaunch, type LaunchedExecutor, type Launcher, type RecoveredProcess } from './launcher';
export { AGENT_COUNTERS, AGENT_RESOURCE_METRICS, AgentCounters, agentMetricKind, agentMetrics, agentMetricsSource, type AgentCounter } from './metrics';
export { ExecutorApi, HttpExecutor, V1_API_NAMESPACE, V1_EXECUTOR_ROUTE, DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS, MAX_EXECUTOR_CALL_BYTES, type ExecutorApiOptions } from './v1-executor';
export { detectResources, parseAttributes, AttributeParseError, systemProbe, type SystemProbe } from './resources';
export { TaskStatusUpdateManager, type AcknowledgementResult, type UpdateResult, type StatusUpdateManagerOptions } from './status-update-manager';
export { agentDirectory, executorRunDirectory, LATEST_RUN_LINK, RUNS_DIRECTORY, STDOUT_FILE, STDERR_FILE } from './paths';
export * from './constants';
export { ReplayLauncher, agentStartInput, recordingLauncher, replayAgent, type AgentStartInput, type ExecutorExitInput, type ReplayAgentOptions } from './replay';

/**
 * Reads the checkpoints of a previous run in the work dir. With `--recover=reconnect` (the
 * default) they are returned for the agent to take back (undefined if there are none, or the
 * previous run never registered). With `--recover=cleanup` every checkpointed executor still
 * running is killed and nothing is returned: the agent starts anew, under a new id. Throws on a
 * corrupt journal (the bin exits 2).
 */
async function recoverOrCleanUp(disk: Disk, flags: AgentFlags, launcher: Launcher, host: ActorHost, bootId: string | undefined, declared: DeclaredAgentInfo, errors?: { count: number }): Promise<RecoveredAgent | undefined> {
  // --strict=false: a bad line is logged, counted (slave/recovery_errors) and skipped, as Mesos recovers what it can.
  const skipBadLine = flags.strict === false ? (message: string): void => {
    host.logger.error({ error: message }, '--strict=false: skipping a corrupt checkpoint line; what it said is lost');
    if (errors !== undefined) errors.count++;
  } : undefined;
  const recovered = await recoverCheckpoints(disk, flags.workDir, skipBadLine);
  const known = new Set<string>();
  let reconnect = recovered?.agentId !== undefined && flags.recover === 'reconnect';
  const registeredAs = recovered?.registeredAs;
  const refused = reconnect && registeredAs !== undefined ? reconfigurationError(flags.reconfigurationPolicy, declaredInfoOf(registeredAs.info), declared) : undefined;
  if (refused !== undefined) {
    const rebooted = bootId !== undefined && registeredAs?.bootId !== undefined && registeredAs.bootId !== bootId;
    if (!rebooted) {
      throw new Error(`cannot recover agent ${recovered?.agentId ?? ''} from ${checkpointJournalPath(flags.workDir)}: ${refused}. `
        + 'To keep the agent id (and its running tasks), restart with the former flags, or with a more permissive --reconfiguration_policy; '
        + 'to start as a new agent instead, run it once with --recover=cleanup (it kills the checkpointed executors and their tasks, and exits), then start it again');
    }
    // As Mesos after a reboot: the executors went with the machine; the agent starts anew rather than flap.
    host.logger.warn({ agentId: recovered?.agentId, reason: refused }, 'the machine rebooted and the agent\'s configuration changed in a way --reconfiguration_policy refuses: starting as a new agent');
    reconnect = false;
  }
  for (const [frameworkId, framework] of recovered?.agentId === undefined ? [] : recovered.frameworks) {
    for (const executor of framework.executors.values()) {
      // A process of another boot is gone, and its pid may be another process's now.
      if (executor.ended || executor.processId === undefined || (executor.bootId !== undefined && executor.bootId !== bootId)) continue;
      if (reconnect) {
        known.add(executor.runId);
        continue;
      }
      host.logger.warn({ frameworkId, executorId: executor.info.executorId, processId: executor.processId }, '--recover=cleanup: killing a checkpointed executor');
      launcher.recover?.({ frameworkId, executorId: executor.info.executorId, runId: executor.runId, processId: executor.processId, ...(executor.startTime !== undefined ? { startTime: executor.startTime } : {}) }, () => undefined).destroy();
    }
  }
  // The containers taken back keep their isolation (their cgroups); any other left from before is destroyed.
  await launcher.recoverContainers?.(known);
  return reconnect ? recovered : undefined;
}

/**
 * Where this agent's containers' cgroups go: `<--cgroups_root>/agent-<hash of the work dir>`. An
 * agent destroys, at start, every cgroup under its root that its checkpoints do not name
 * (orphans); under a root of its own it never takes another agent's containers on the same
 * machine for its orphans (Mesos needs a `--cgroups_root` per agent for that), while a restarted
 * agent, with the same work dir, finds its own again.
 * @example agentCgroupsRoot('mesos', '/var/lib/mesos') // 'mesos/agent-' + 12 hex digits
 */
export function agentCgroupsRoot(cgroupsRoot: string, workDir: string): string {
  // The real path: a restart naming the same work dir through a symlink finds its containers again.
  let resolved = path.resolve(workDir);
  try {
    resolved = realpathSync(resolved);
  } catch {
    // Not made yet: its spelling is all there is.
  }
  return `${cgroupsRoot}/agent-${createHash('sha256').update(resolved).digest('hex').slice(0, AGENT_CGROUP_HASH_CHARS)}`;
}

/** Hex digits of the work dir's hash in an agent's cgroup name (48 bits: no two work dirs of one machine meet). */
const AGENT_CGROUP_HASH_CHARS = 12;

/** A running agent. */
export interface AgentHandle {
  /** The agent actor (use `dispatch` to reach into it). */
  readonly agent: Agent;
  /** Its pid, `slave(N)@ip:port`. */
  readonly pid: UPID;
  /** Resolves when the agent actor has terminated (after Shutdown from the master, or `stop`). */
  readonly terminated: Promise<void>;
  /** Shuts down every executor (within their grace period), then terminates the agent and files actors. The host stays up. */
  stop(): Promise<void>;
  /**
   * After the host stopped with executors left running (SIGTERM): leaves their containers to the
   * kernel's own enforcement while no agent watches them (`Isolator.handOver`: a container at its
   * memory limit is OOM-killed, not paused until the agent is back), and removes the agent's own
   * cgroups where empty.
   */
  releaseIfEmpty(): Promise<void>;
}

/** What `startAgent` needs; `launcher`, `probe`, `files` and `disk` are for tests and simulations. */
export interface StartAgentOptions {
  readonly flags: AgentFlags;
  readonly host: ActorHost;
  readonly launcher?: Launcher;
  /** Holds the work dir (default: the machine's file system; a simulation passes a `MemoryDisk`, and a launcher over it). */
  readonly disk?: Disk;
  readonly probe?: SystemProbe;
  /**
   * Spawn the `files` actor (`/files/browse`, `/files/read` of the executors' sandboxes in this agent's work dir) if the
   * host has none yet (default true). A simulation that runs several agents, and restarts them,
   * on one host passes false: the one `files` actor id would otherwise belong to whichever agent
   * came first, confined to its work dir, and be terminated when that agent stops.
   */
  readonly files?: boolean;
  /**
   * Serve the agent's `slave/*` metrics from the host's `metrics` actor (`/metrics/snapshot`,
   * `/metrics`), spawning it if the host has none (default: as `files`). Like Mesos, one agent
   * per host: several agents sharing a host (a simulation) would report under the same keys.
   */
  readonly metrics?: boolean;
  /** The agent's actor id (default: the host's next `slave(N)`); a restarted agent takes its old one, so its pid is the same. */
  readonly id?: string;
  /** The machine's boot id (default: Linux's; none with a memory `disk`, unless given: a test plays a reboot with it). */
  readonly bootId?: string;
  /** How to reach ZooKeeper for `--master zk://...` (default: a real server; a simulation passes its own). */
  readonly zooKeeper?: ZooKeeperConnector;
  /** Authenticate to the master with this (`--credential`, or `--principal` and `--secret`); never traced. */
  readonly credential?: Credential;
  /** Makes each executor run's token (default: crypto randomness); a simulation passes its seeded PRNG's. */
  readonly executorToken?: () => string;
  /**
   * Who may read the agent's endpoints: HTTP Basic credentials (`--http_credentials`) for the
   * read-only ones, `/state`, `/flags`, `/files/*`, `/metrics*`, `/monitor/statistics` and
   * `/containers` (`--authenticate_http_readonly`), and for the v1 operator API `/api/v1`
   * (`--authenticate_http_readwrite`, or `--authenticate_http_readonly`), and the ACLs' `access_sandboxes`
   * (by the framework's user) for `/files/*` and `view_frameworks`/`view_tasks`/`view_executors`
   * for `/state` (`--acls`). Default: anyone, anything.
   */
  readonly http?: { readonly authentication: HttpAuthentication; readonly acls?: Acls };
  /** What sandbox garbage collection reads and removes (default: the machine's file system, or nothing with a memory `disk`); tests fake the disk usage. */
  readonly sandboxFileSystem?: SandboxFileSystem;
}

/** The native command executor, where `npm install` could compile it (scripts/build-native.js). */
export const NATIVE_COMMAND_EXECUTOR_PATH = path.join(__dirname, 'mesos-command-executor');
/** The TypeScript command executor (same behaviour, slower to start). */
export const TYPESCRIPT_COMMAND_EXECUTOR_PATH = path.join(__dirname, 'command-executor.js');

/** The built-in default executor (Mesos' `mesos-default-executor`): runs task groups (`default-executor.ts`). */
export const DEFAULT_EXECUTOR_PATH = path.join(__dirname, 'default-executor.js');

/**
 * The command that runs the built-in default executor, for an executor of type DEFAULT:
 * `node default-executor.js`, or `flags.defaultExecutorPath` (a `.js` script run with node,
 * anything else as a program: a simulation names one of its own, so that a trace holds no path
 * of the machine). Like the TypeScript command executor it speaks TLS when the agent's host does
 * (the launcher gives every executor the `LIBPROCESS_SSL_*` files) and waits for a restarted agent
 * when its framework checkpoints.
 * @example defaultExecutorCommand() // { value: process.execPath, shell: false, arguments: [process.execPath, DEFAULT_EXECUTOR_PATH] }
 */
export function defaultExecutorCommand(flags?: Pick<AgentFlags, 'defaultExecutorPath'>): CommandInfo {
  return sharedCommand(programCommand(flags?.defaultExecutorPath ?? DEFAULT_EXECUTOR_PATH));
}

/**
 * The command that runs the built-in command executor: `commandExecutorPath` if given (a `.js`
 * script runs with node, anything else as a program), else the native build when present
 * (unless `recoverable`: the native executor cannot wait for a restarted agent; nor under `tls`:
 * it speaks plain WebSocket only), else `node command-executor.js`.
 */
export function commandExecutorCommand(flags: AgentFlags, recoverable = false, tls = false): CommandInfo {
  return sharedCommand(buildCommandExecutorCommand(flags, recoverable, tls));
}

/** The built-in executors' commands kept (the plain and recoverable command executor's, the default executor's, and one more). */
const MAX_SHARED_EXECUTOR_COMMANDS = 4;

/** The last `MAX_SHARED_EXECUTOR_COMMANDS` executor commands made, by JSON text. */
const sharedCommands = new Map<string, CommandInfo>();

/**
 * `command`, or an equal one made before: the many agents of one process (a simulation) run the
 * same executors, and share one object of each command (never written to).
 */
function sharedCommand(command: CommandInfo): CommandInfo {
  const json = JSON.stringify(command);
  const known = sharedCommands.get(json);
  if (known !== undefined) return known;
  if (sharedCommands.size >= MAX_SHARED_EXECUTOR_COMMANDS) sharedCommands.delete(sharedCommands.keys().next().value!);
  sharedCommands.set(json, command);
  return command;
}

/** How `program` runs: a `.js` script with this node, anything else as it is (`arguments` is the whole argv, argv[0] first: Mesos' rule for `shell: false`). */
function programCommand(program: string): CommandInfo {
  if (program.endsWith('.js')) return { value: process.execPath, shell: false, arguments: [process.execPath, program] };
  return { value: program, shell: false, arguments: [program] };
}

function buildCommandExecutorCommand(flags: AgentFlags, recoverable: boolean, tls: boolean): CommandInfo {
  const native = !recoverable && !tls && existsSync(NATIVE_COMMAND_EXECUTOR_PATH);
  const program = flags.commandExecutorPath ?? (native ? NATIVE_COMMAND_EXECUTOR_PATH : TYPESCRIPT_COMMAND_EXECUTOR_PATH);
  // The native executor enters its container's cgroups itself, first thing (no shell started before it).
  if (!program.endsWith('.js') && path.resolve(program) === NATIVE_COMMAND_EXECUTOR_PATH) return { ...programCommand(program), environment: { [ENTERS_CGROUPS_ENV]: '1' } };
  return programCommand(program);
}

/**
 * What the files actor lets whom read: the agent's HTTP credentials, and `access_sandboxes` by
 * the user whose sandbox a path is in: the executor's command's user, else its framework's, as
 * Mesos (a framework this agent does not know has no user: only rules for any user decide for it).
 */
function filesAccess(agent: Agent, http: StartAgentOptions['http']): FilesAccess | undefined {
  if (http === undefined) return undefined;
  // Without ACLs everyone may read every sandbox: no need to ask the agent whose a path is.
  if (http.acls === undefined) return { authentication: http.authentication, denial: () => Promise.resolve(undefined) };
  const authorizer = new Authorizer(http.acls);
  return {
    authentication: http.authentication,
    denial: async (principal, frameworkId, executorId) => {
      const user = frameworkId === undefined ? undefined : await dispatch(agent, (actor) => actor.executorUser(frameworkId, executorId)).catch(() => undefined);
      return authorizer.denial('access_sandboxes', principal, user);
    },
  };
}

/** Who may read the agent's flags: its HTTP credentials (read-only endpoints) and the ACLs' `view_flags`. */
export function agentFlagsAccess(http: StartAgentOptions['http']): FlagsAccess {
  if (http === undefined) return {};
  const authorizer = http.acls === undefined ? undefined : new Authorizer(http.acls);
  return {
    authentication: http.authentication,
    denial: (principal) => authorizer?.denial('view_flags', principal),
    // As Mesos' agent with an authorizer: 405 to a method other than GET.
    getOnly: authorizer !== undefined,
  };
}

/** Who may toggle an agent's logging level (`/logging/toggle`): its read-write HTTP authentication and the ACLs' `set_log_level`. */
export function agentLoggingAccess(http: StartAgentOptions['http']): LoggingAccess {
  if (http === undefined) return {};
  const authorizer = http.acls === undefined ? undefined : new Authorizer(http.acls);
  return { authentication: http.authentication, denial: (principal) => authorizer?.denial('set_log_level', principal) };
}

/**
 * The TLS files an agent's executor processes are given (as `LIBPROCESS_SSL_*`), so they can
 * link back to an agent whose host serves TLS only; undefined when the host does not use TLS.
 * Throws when the host's TLS was not loaded from files (`loadTlsOptions`): there is nothing to
 * hand an executor process.
 */
function executorTlsFiles(host: ActorHost): TlsFiles | undefined {
  const tls = host.tls;
  if (tls === undefined) return undefined;
  if (tls.files === undefined) throw new Error("the agent's host uses TLS given as PEM text, not files: executors need the files (load them with loadTlsOptions)");
  return tls.files;
}

/**
 * Checks the flags (`checkAgentFlags`), creates the work dir, detects resources (merged with
 * `--resources`), parses `--attributes`, and spawns the agent and (unless `files: false`) the
 * files actor on `host`; serves its metrics from the host's `metrics` actor (unless `metrics:
 * false`). A host that records a trace also gets what the agent started from and each
 * executor's exit, as inputs for `replayAgent`.
 * Rejects on a bad flag, `--resources` or `--attributes` before spawning anything; and, naming
 * the file, on checkpointed dynamic reservations (`<workDir>/meta/resources/resources.info`) that
 * the agent's resources do not hold, a persistent volume among them whose directory cannot be
 * made, or a journal it cannot recover.
 */
export async function startAgent(options: StartAgentOptions): Promise<AgentHandle> {
  const { flags, host } = options;
  // Its HTTP credentials in Mesos' agent realms (what a 401's WWW-Authenticate names).
  const http = options.http === undefined ? undefined : { ...options.http, authentication: { ...options.http.authentication, realms: AGENT_HTTP_REALMS } };
  const { disk, resources, attributes, id, launcher, bootId, hostname, declared } = await prepareAgent(options);
  // Its dynamic reservations first (as Mesos recovers them first): ones its resources no longer
  // hold stop the start, naming the file, before anything is recovered or killed.
  const checkpointedResources = await recoverCheckpointedResources(disk, flags.workDir, resources);
  // Their persistent volumes' directories, any missing made again (volumes.ts); one that cannot be stops the start, naming it.
  await makeVolumeDirectories(disk, flags.workDir, checkpointedResources);
  const recoveryErrors = { count: 0 };
  const recovered = await recoverOrCleanUp(disk, flags, launcher, host, bootId, declared, recoveryErrors);
  const checkpoints = await AgentCheckpoints.open(disk, flags.workDir, recovered, host.clock);
  const start: AgentStartInput = {
    id, flags, resources: resources.toJSON(), attributes, hostname, commandExecutor: commandExecutorCommand(flags, false, host.tls !== undefined),
    recoverableCommandExecutor: commandExecutorCommand(flags, true, host.tls !== undefined),
    defaultExecutor: defaultExecutorCommand(flags),
    ...(bootId !== undefined ? { bootId } : {}),
    ...(recovered !== undefined ? { recovered: checkpointRecords(recovered) } : {}),
    ...(recoveryErrors.count > 0 ? { recoveryErrors: recoveryErrors.count } : {}),
    ...(checkpointedResources.isEmpty() ? {} : { checkpointedResources: checkpointedResources.toJSON() }),
  };
  // A traced host records what the agent starts from and how its executors exit: what a replay feeds back.
  host.recordInput(UPID.at(id, host.address), AGENT_START_INPUT, start);
  const detector = isZooKeeperMaster(flags.master) ? masterDetector(flags.master, host, options.zooKeeper ?? connectNodeZooKeeper) : undefined;
  const agent = new Agent({
    id, flags, attributes: start.attributes, hostname: start.hostname, commandExecutor: start.commandExecutor, resources, launcher, checkpoints,
    ...(checkpointedResources.isEmpty() ? {} : { checkpointedResources }),
    recoverableCommandExecutor: start.recoverableCommandExecutor,
    ...(start.defaultExecutor !== undefined ? { defaultExecutor: start.defaultExecutor } : {}),
    ...(bootId !== undefined ? { bootId } : {}),
    ...(recovered !== undefined ? { recovered } : {}),
    ...(recoveryErrors.count > 0 ? { recoveryErrors: recoveryErrors.count } : {}),
    ...(detector !== undefined ? { detector } : {}),
    ...(options.credential !== undefined ? { credential: options.credential } : {}),
    ...(options.executorToken !== undefined ? { executorToken: options.executorToken } : {}),
    ...(http !== undefined ? { httpAuthentication: http.authentication } : {}),
    ...(http?.acls !== undefined ? { acls: http.acls } : {}),
    // A simulated work dir (memory disk) has no sandboxes on the machine's disk to collect.
    sandboxFileSystem: options.sandboxFileSystem ?? (options.disk === undefined ? nodeSandboxFileSystem : inertSandboxFileSystem),
  });
  const pid = host.spawn(agent);
  // As libprocess' delegate (Mesos' agent sets `slave(1)`): `/state`, `/flags`, `/health`... reach
  // the agent on a host of its own (with a master on the host, the master's web UI stays the delegate).
  if (host.delegateId === undefined) host.setDelegate(id);
  // The v1 executor API (`/api/v1/executor`, and `/slave(N)/api/v1/executor`): HTTP executors, each served by an executor actor here.
  // One per host at the top level (a simulation's further agents: at their own path only).
  const topLevel = options.files !== false && !host.servesShared(V1_API_NAMESPACE, V1_EXECUTOR_ROUTE);
  const started = new StartedAgent(agent, pid, host, topLevel, flags, launcher, detector, checkpoints);
  // Spawned now at the top level; else (a simulation's further agents) at the first request to
  // `/slave(N)/api/v1/executor` (`serveExecutorApi`): a route of the agent's, so none comes once it ended.
  agent.serveExecutorApi(topLevel ? started.spawnExecutorApi() : started);
  const garbageCollectedAt = (relative: string): Promise<number | undefined> => dispatch(agent, (actor) => actor.garbageCollectedAt(relative));
  const files = options.files !== false && host.lookup(FILES_ACTOR_ID) === undefined ? new FilesActor(flags.workDir, filesAccess(agent, http), garbageCollectedAt, () => dispatch(agent, (actor) => actor.currentAgentId()), fetcherCacheDirOf(flags)) : undefined;
  if (files !== undefined) {
    host.spawn(files);
    const reader: AgentFilesReader = {
      list: (requested, caller) => dispatch(files, (actor) => actor.list(requested, caller)),
      read: (requested, offset, length, caller) => dispatch(files, (actor) => actor.readRange(requested, offset, length, caller)),
    };
    void dispatch(agent, (actor) => actor.serveFilesThrough(reader)).catch(() => undefined); // the agent stopped already
  }
  // `/version` and `/flags` (this agent's) where no master on the host serves them; not for the
  // many agents of a simulation (`files: false`), as with the files actor.
  const info = options.files === false ? [] : spawnInfoActors(host, () => renderAgentFlags(flags), agentFlagsAccess(http), agentLoggingAccess(http));
  started.helpers = [...(files !== undefined ? [files] : []), ...info];
  started.detachMetrics = (options.metrics ?? options.files) !== false
    ? attachMetricsSource(host, agentMetricsSource(agent), METRICS_ACTOR_ID, metricsAccess(http?.authentication, http?.acls))
    : undefined;
  started.watch();
  // Own `stop` and `terminated`, as the handle always had (a caller may take `stop` off it): what
  // the agent keeps is `started`, not this.
  return {
    agent, pid,
    stop: () => started.stop(),
    releaseIfEmpty: () => started.releaseIfEmpty(),
    get terminated(): Promise<void> {
      return started.terminated;
    },
  };
}


/**
 * `--recover=cleanup`, as Mesos: every checkpointed executor of the previous run still running is
 * killed (and waited for, `CLEANUP_KILL_WAIT_MS` at most) and every container left destroyed,
 * and no agent is started: the caller exits. Mesos' operators run it before an incompatible
 * upgrade. Unlike Mesos, the checkpoints are then forgotten: the next start is a new agent, and
 * the master learns that the old one's tasks are gone when it gives the old agent up (Mesos keeps
 * the agent's id, and its next start reports them at once). The dynamic reservations
 * (`meta/resources/resources.info`) are kept, as Mesos keeps them: the new agent reports them.
 * @example await cleanUpAgent({ flags: { ...flags, recover: 'cleanup' }, host }); process.exit(0);
 */
export async function cleanUpAgent(options: StartAgentOptions): Promise<void> {
  const { flags, host } = options;
  const { disk, launcher, bootId, declared } = await prepareAgent(options);
  const killed = options.launcher === undefined ? await liveExecutorProcesses(disk, flags.workDir, bootId, flags.strict === false) : [];
  await recoverOrCleanUp(disk, { ...flags, recover: 'cleanup' }, launcher, host, bootId, declared);
  // The kills are sent, not done: the checkpoints are forgotten only once the processes are gone
  // (exiting at once, the bin raced them: with posix isolation nothing else would end them).
  const deadline = Date.now() + CLEANUP_KILL_WAIT_MS;
  for (;;) {
    const alive = killed.filter(processAlive);
    if (alive.length === 0) break;
    if (Date.now() >= deadline) throw new Error(`--recover=cleanup: executor processes ${alive.join(', ')} still run ${CLEANUP_KILL_WAIT_MS / 1000} s after they were killed; the checkpoints in ${flags.workDir} are kept`);
    await new Promise((resolve) => setTimeout(resolve, CLEANUP_KILL_POLL_MS));
  }
  await AgentCheckpoints.open(disk, flags.workDir, undefined, host.clock);
}

/** The longest `cleanUpAgent` waits for the executors it killed to be gone. */
export const CLEANUP_KILL_WAIT_MS = 10_000;
/** How often it looks. */
const CLEANUP_KILL_POLL_MS = 50;

/** The process ids of the checkpointed executors of this boot that have not ended. */
async function liveExecutorProcesses(disk: Disk, workDir: string, bootId: string | undefined, skipBadLines: boolean): Promise<number[]> {
  const recovered = await recoverCheckpoints(disk, workDir, skipBadLines ? () => undefined : undefined);
  const pids: number[] = [];
  for (const framework of recovered?.frameworks.values() ?? []) {
    for (const executor of framework.executors.values()) {
      if (executor.ended || executor.processId === undefined || (executor.bootId !== undefined && executor.bootId !== bootId)) continue;
      // A later process with its pid is no executor of ours: neither killed nor waited for.
      if (!isProcessStartedAt(executor.processId, executor.startTime)) continue;
      pids.push(executor.processId);
    }
  }
  return pids;
}

/** Whether process `pid` exists and is no zombie. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return procStatFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** What starting an agent (or cleaning one up) needs before its checkpoints are read: its resources, launcher and identity. */
async function prepareAgent(options: StartAgentOptions): Promise<{
  disk: Disk; resources: Resources; attributes: ReturnType<typeof parseAttributes>; id: string;
  launcher: ReturnType<typeof recordingLauncher>; bootId: string | undefined; hostname: string; declared: DeclaredAgentInfo;
}> {
  const { flags, host } = options;
  checkAgentFlags(flags);
  const executorTls = options.launcher === undefined ? executorTlsFiles(host) : undefined;
  const attributes = parseAttributes(flags.attributes);
  const disk = options.disk ?? nodeDisk;
  await disk.makeDirectory(flags.workDir);
  const detection: Parameters<typeof detectResources>[0] = { workDir: flags.workDir };
  if (flags.resources !== undefined) detection.explicit = flags.resources;
  if (options.probe !== undefined) detection.probe = options.probe;
  const resources = await detectResources(detection);
  const id = options.id ?? host.uniqueId('slave');
  // `--isolation` (and its cgroups and disk flags), or the best this machine allows; a bad value stops the start, naming it.
  const isolator = options.launcher === undefined ? chooseIsolator(flags.isolation, {
    log: host.logger,
    root: agentCgroupsRoot(flags.cgroupsRoot ?? DEFAULT_CGROUPS_ROOT, flags.workDir),
    ...(flags.cgroupsEnableCfs !== undefined ? { enableCfs: flags.cgroupsEnableCfs } : {}),
    ...(flags.containerPidsLimit !== undefined ? { pidsLimit: flags.containerPidsLimit } : {}),
    ...(flags.enforceContainerDiskQuota !== undefined ? { enforceDiskQuota: flags.enforceContainerDiskQuota } : {}),
    ...(flags.containerDiskWatchIntervalMs !== undefined ? { diskWatchIntervalMs: flags.containerDiskWatchIntervalMs } : {}),
  }) : undefined;
  const launcher = recordingLauncher(options.launcher ?? new ProcessLauncher(nodeDisk, tlsEnvironment(executorTls), isolator, host.logger, flags.switchUser ?? SWITCH_USER, executorBaseEnvironment(flags.executorEnvironmentVariables), new Fetcher({
    clock: host.clock, log: host.logger,
    ...(flags.fetcherStallTimeoutMs !== undefined ? { stallTimeoutMs: flags.fetcherStallTimeoutMs } : {}),
    ...(flags.frameworksHome !== undefined ? { frameworksHome: flags.frameworksHome } : {}),
    cacheDirectory: fetcherCacheDirOf(flags),
    ...(flags.fetcherCacheSizeBytes !== undefined ? { cacheSizeBytes: flags.fetcherCacheSizeBytes } : {}),
  })), host, UPID.at(id, host.address));
  // Where the machine is simulated (a memory disk), so is its boot: the run must not read the real one.
  const bootId = options.bootId ?? (options.disk === undefined ? currentBootId() : undefined);
  const hostname = flags.hostname ?? osHostname();
  const declared: DeclaredAgentInfo = { hostname, port: UPID.at(id, host.address).port, resources: resources.toJSON(), ...(attributes !== undefined ? { attributes } : {}) };
  return { disk, resources, attributes, id, launcher, bootId, hostname, declared };
}

/**
 * What `startAgent` keeps for the agent: its v1 executor API (spawned at once or at the first
 * request), and what goes when it ends; the handle it returns asks it. One object: the closures
 * it replaced (four kept per agent: the checkpoint journal's timer function, the spawner, the
 * end watcher and `terminated`) and `startAgent`'s scope they shared were 368 bytes an agent in
 * a heap snapshot of 5,000 idle simulated agents.
 */
class StartedAgent implements ExecutorApiSpawner {
  private executorApi: ExecutorApi | undefined;
  // What goes with the agent when it ends, started then (`agentTerminated`); the promise
  // `terminated` answers is made only when asked for: a simulation of 100k agents paid ~440 bytes
  // an agent for a promise, its resolver and a reaction nobody awaited.
  private ended: Promise<void> | undefined;
  private asked: Promise<void> | undefined;
  private follow: ((ended: Promise<void>) => void) | undefined;

  /** The files and info actors, ended by `stop`. */
  helpers: readonly Actor[] = [];
  /** Stops serving the agent's metrics (undefined: none served). */
  detachMetrics: (() => Promise<void>) | undefined;

  constructor(
    readonly agent: Agent,
    readonly pid: UPID,
    private readonly host: ActorHost,
    private readonly topLevel: boolean,
    /** The agent's flags (its executor API's grace period and `--authenticate_http_executors`). */
    private readonly flags: Pick<AgentFlags, 'executorShutdownGracePeriodMs' | 'authenticateHttpExecutors' | 'recoveryTimeoutMs'>,
    private readonly launcher: Launcher,
    private readonly detector: ZooKeeperMasterDetector | undefined,
    private readonly checkpoints: AgentCheckpoints,
  ) {}

  /** Starts watching for the agent's end (`agentTerminated`); a closure of this object alone, not of `startAgent`'s whole scope. */
  watch(): void {
    this.host.whenTerminated(this.agent, () => this.agentTerminated());
  }

  /** The agent's v1 executor API actor, spawned at the first call. */
  spawnExecutorApi(): ExecutorApi {
    if (this.executorApi !== undefined) return this.executorApi;
    const agent = this.agent;
    this.executorApi = new ExecutorApi({
      agent,
      topLevel: this.topLevel,
      ...(this.topLevel ? { operatorApi: (request: HttpRequest) => dispatch(agent, (actor) => actor.serveOperatorApi(request)) } : {}),
      shutdownGracePeriodMs: this.flags.executorShutdownGracePeriodMs,
      requireToken: this.flags.authenticateHttpExecutors ?? AUTHENTICATE_HTTP_EXECUTORS,
      ...(this.flags.recoveryTimeoutMs !== undefined ? { reconnectTimeoutMs: this.flags.recoveryTimeoutMs } : {}),
    });
    this.host.spawn(this.executorApi);
    return this.executorApi;
  }

  /** The agent actor ended: its executor API (if spawned), metrics and detector go with it. */
  agentTerminated(): void {
    if (this.ended !== undefined) return;
    this.ended = (async () => {
      // Its executor API, if spawned, goes with it (a restarted agent on this host brings its own).
      if (this.executorApi !== undefined) {
        this.host.terminate(this.executorApi);
        await this.host.wait(this.executorApi);
      }
      await this.detachMetrics?.();
      await this.detector?.close();
      await this.settleCheckpoints();
    })();
    this.follow?.(this.ended);
  }

  /**
   * An agent that ended of its own accord (the master's Shutdown, or `stop`: SIGUSR1) is over only
   * once its journal's last records are durable (the ends of its executors: a process exiting
   * before them left a restart taking them for live), within `CHECKPOINT_SETTLE_TIMEOUT_MS`. It
   * keeps its id, as Mesos' agent does: one the master told to shut down (marked gone) is refused
   * again at its next start, with nothing left to take back, until the operator removes its
   * journal (`mesos-agent` says so). An agent killed from outside (a simulated `kill -9`) waits
   * for nothing.
   */
  private async settleCheckpoints(): Promise<void> {
    if (!this.agent.shuttingDown) return;
    const log = this.host.logger;
    const checkpoints = this.checkpoints;
    const settled = checkpoints.settled();
    let timer: { cancel(): void } | undefined;
    const inTime = await Promise.race([
      settled.then(() => true),
      new Promise<boolean>((resolve) => { timer = this.host.clock.setTimer(CHECKPOINT_SETTLE_TIMEOUT_MS, () => resolve(false)); }),
    ]);
    timer?.cancel();
    if (!inTime) log.error({ unwritten: checkpoints.unwritten, timeoutMs: CHECKPOINT_SETTLE_TIMEOUT_MS }, 'the agent ended with checkpoint records still unwritten; a restart may recover executors that have ended');
  }

  get terminated(): Promise<void> {
    return this.ended ?? (this.asked ??= new Promise<void>((resolve, reject) => {
      this.follow = (end) => { end.then(resolve, reject); };
    }));
  }

  async releaseIfEmpty(): Promise<void> {
    // Containers left running are handed to the kernel's own enforcement while no agent watches them.
    await this.launcher.handOver?.();
    await this.launcher.releaseIfEmpty?.();
  }

  async stop(): Promise<void> {
    // A stop from outside the agent: what a replay of a traced agent feeds back (`AGENT_STOP_INPUT`).
    this.host.recordInput(this.pid, AGENT_STOP_INPUT, null);
    await dispatch(this.agent, (actor) => actor.stop()).catch(() => undefined);
    await this.terminated;
    // Its containers' cgroups are gone before the agent is (a process exiting right after leaves none behind).
    await this.launcher.drain?.();
    for (const actor of this.helpers) this.host.terminate(actor);
    await Promise.all(this.helpers.map((actor) => this.host.wait(actor)));
  }
}
