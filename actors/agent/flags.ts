/**
 * The agent's configuration (Mesos' `slave/flags.hpp`, in camelCase with units last). The bins
 * parse the command line into an `AgentFlags` with `defaultAgentFlags` filling in the rest.
 */
import { parseZooKeeperUrl } from '../../lib/ha/zookeeper';
import { UPID } from '../../lib/actor';
import {
  EXECUTOR_REGISTRATION_TIMEOUT_MS,
  EXECUTOR_REREGISTRATION_TIMEOUT_MS,
  RECOVERY_TIMEOUT_MS,
  EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS,
  DISK_WATCH_INTERVAL_MS,
  GC_DELAY_MS,
  SWITCH_USER,
  AUTHENTICATE_HTTP_EXECUTORS,
  GC_DISK_HEADROOM,
  MASTER_PING_TIMEOUT_MS,
  REGISTRATION_BACKOFF_FACTOR_MS,
} from './constants';
import { formatBytes, formatDuration } from '../../lib/mesos-format';
import { DEFAULT_RECONFIGURATION_POLICY, RECONFIGURATION_POLICIES, type ReconfigurationPolicy } from './compatibility';
import { MIN_CONTAINER_PIDS_LIMIT } from './isolator';
import { FETCHER_STALL_TIMEOUT_MS } from './fetcher';
import { FETCHER_CACHE_SIZE_BYTES } from './fetcher-cache';

/** What an agent is told at start; every field but `master` and `workDir` has a default. */
export interface AgentFlags {
  /**
   * `host:port` of the master (its pid is `master@<host:port>`); a full `master@host:port` is
   * accepted too; or `zk://host:port[,host:port...]/path` to follow the leader in ZooKeeper.
   */
  master: string;
  /** Root of the sandboxes (`<workDir>/agents/<agentId>/...`); created if missing. */
  workDir: string;
  /** Resources to offer, e.g. `cpus:4;mem:4096`; names given here replace the detected ones. */
  resources?: string;
  /** Attributes, e.g. `rack:r1;zone:z2;level:3;ports:[1-10]`, read as Mesos reads them (`parseAttributes`). */
  attributes?: string;
  /** Host name reported to the master and shown in offers (default: the OS host name). */
  hostname?: string;
  /** Kill an executor that has not registered within this long (Mesos `--executor_registration_timeout`, 1 min). */
  executorRegistrationTimeoutMs: number;
  /** Time an executor gets to exit after being asked to shut down (Mesos `--executor_shutdown_grace_period`, 5 s). */
  executorShutdownGracePeriodMs: number;
  /** Registration retries back off from a random delay up to this (Mesos `--registration_backoff_factor`, 1 s). */
  registrationBackoffFactorMs: number;
  /** Re-register when no ping arrives for this long (agent_ping_timeout × max_agent_ping_timeouts, 75 s). */
  masterPingTimeoutMs: number;
  /** The command executor: a `.js` script run with node, or a program run as is (default: `command-executor.js` beside the agent's code). */
  commandExecutorPath?: string;
  /** The default executor (task groups): a `.js` script run with node, or a program run as is (default: `default-executor.js` beside the agent's code). */
  defaultExecutorPath?: string;
  /**
   * What a restarted agent does with its checkpoints (Mesos `--recover`): `reconnect` (the
   * default) takes back the executors of checkpointing frameworks and their tasks; `cleanup`
   * kills them and forgets the checkpoints: `startAgent` then starts as a new agent, and the
   * `mesos-agent` bin exits instead, as Mesos' (`cleanUpAgent`).
   */
  recover: AgentRecovery;
  /**
   * Which changes of its resources, attributes, hostname or port a restarted agent may make and
   * keep its id (Mesos `--reconfiguration_policy`): `equal` (the default) none, `additive` only
   * additions (see compatibility.ts). A refused change stops the agent at start, naming it.
   */
  reconfigurationPolicy: ReconfigurationPolicy;
  /** After a restart, checkpointed executors that have not re-registered within this long are killed (Mesos `--executor_reregistration_timeout`, 2 s). */
  executorReregistrationTimeoutMs: number;
  /**
   * How long a checkpointing framework's executor that lost its agent keeps trying to reach it
   * before it shuts itself down (Mesos `--recovery_timeout`; default `RECOVERY_TIMEOUT_MS`, 15
   * min): given to executors as `MESOS_RECOVERY_TIMEOUT`, and how long the v1 executor API's
   * adapter waits for an HTTP executor to subscribe again.
   */
  recoveryTimeoutMs?: number;
  /**
   * Mesos `--strict` (default true): a journal line that is neither valid nor the torn last one
   * stops the agent at start. False: such lines are skipped (each logged, and counted in
   * `slave/recovery_errors`) and what the rest says is recovered; what the skipped lines said
   * is lost (an executor whose records went with them is an orphan, destroyed).
   */
  strict?: boolean;
  /**
   * Mesos' `--isolation`, e.g. `cgroups/cpu,cgroups/mem,cgroups/pids`: what holds each executor
   * container to its resources. Unset: the best this machine allows (cgroups cpu, mem and pids as
   * root with cgroups mounted, else `posix/cpu,posix/mem`), logged at start. Empty: none, as in
   * Mesos (executors unconfined; a warning at start says so).
   */
  isolation?: string;
  /** Mesos' `--cgroups_root`: the cgroup under which containers' cgroups are made (default `mesos`). */
  cgroupsRoot?: string;
  /** Mesos' `--cgroups_enable_cfs`: a hard CPU cap (CFS quota) besides the CPU shares. */
  cgroupsEnableCfs?: boolean;
  /** Most processes (threads) one container may hold under `cgroups/pids` (our flag; default `DEFAULT_CONTAINER_PIDS_LIMIT`, 4096). */
  containerPidsLimit?: number;
  /** Mesos' `--enforce_container_disk_quota` (disk/du): a sandbox over its `disk` fails its tasks (default false). */
  enforceContainerDiskQuota?: boolean;
  /** Mesos' `--container_disk_watch_interval` (disk/du): how often each sandbox is measured (default 15 s). */
  containerDiskWatchIntervalMs?: number;
  /**
   * Mesos' `--switch_user` (default true): each executor (and so its tasks) runs as its
   * command's user, else its framework's, which must exist here; the agent must be root to run
   * as another user than its own. False: everything runs as the agent's user.
   */
  switchUser?: boolean;
  /**
   * Mesos' `--authenticate_http_executors` (default here `AUTHENTICATE_HTTP_EXECUTORS`, true;
   * Mesos' false): v1 executor API calls must carry their run's token as
   * `Authorization: Bearer`. False: a call without one is taken for the run it names (a token
   * given is still checked), for executor libraries that send none, on a network where only
   * the agent's own executors reach its port.
   */
  authenticateHttpExecutors?: boolean;
  /**
   * Mesos' `--executor_environment_variables`: exactly the variables every executor (and so its
   * tasks) starts with, beside Mesos' own. Unset: the agent's `PATH`, locale and time zone only
   * (`INHERITED_ENVIRONMENT`), never its whole environment (which may hold its secret).
   */
  executorEnvironmentVariables?: Readonly<Record<string, string>>;
  /** A download the fetcher makes that sends no byte, or under 1 byte a second, for this long fails its launch (Mesos `--fetcher_stall_timeout`; default `FETCHER_STALL_TIMEOUT_MS`, 60 s). */
  fetcherStallTimeoutMs?: number;
  /** The fetcher cache's size in bytes (Mesos `--fetcher_cache_size`; default `FETCHER_CACHE_SIZE_BYTES`, 2 GB); 0: no cache, `cache: true` URIs are fetched directly. */
  fetcherCacheSizeBytes?: number;
  /** The fetcher cache's directory (Mesos `--fetcher_cache_dir`; default `<work_dir>/fetch`, ours: Mesos' is `/tmp/mesos/fetch`), emptied at each start. */
  fetcherCacheDir?: string;
  /** Where the fetcher takes a command URI that is a relative path from (Mesos `--frameworks_home`); unset: such a URI fails its launch. */
  frameworksHome?: string;
  /** Completed sandboxes (and completed frameworks' directories) are removed this long after they completed, sooner as the disk fills (Mesos `--gc_delay`, 1 week). */
  gcDelayMs: number;
  /** How often the work dir's file system usage is checked, pruning sandboxes by it (Mesos `--disk_watch_interval`, 1 min). */
  diskWatchIntervalMs: number;
  /** The fraction of the disk to keep free: sandboxes older than `gcDelay × max(0, 1 − usage − headroom)` go (Mesos `--gc_disk_headroom`, 0.1). */
  gcDiskHeadroom: number;
  /**
   * Flags of the command line that the agent itself does not read (`ip`, `port`, `log_level`,
   * `http_credentials` by path...), already as Mesos prints them; rendered beside the agent's own
   * in `/slave(1)/flags` (see `commandLineFlags` in bin/server.ts). Never secrets.
   */
  commandLine?: Readonly<Record<string, string>>;
}

/** The values of `--recover`. */
export const AGENT_RECOVERY_MODES = ['reconnect', 'cleanup'] as const;
/** What a restarted agent does with its checkpoints. */
export type AgentRecovery = (typeof AGENT_RECOVERY_MODES)[number];

/** The fields a caller must give; everything else defaults. */
export type AgentFlagsInput = Pick<AgentFlags, 'master' | 'workDir'> & Partial<AgentFlags>;

/**
 * Fills in Mesos' defaults for every flag not given.
 * @example defaultAgentFlags({ master: '127.0.0.1:5050', workDir: '/tmp/mesos', resources: 'cpus:2;mem:1024' })
 */
export function defaultAgentFlags(input: AgentFlagsInput): AgentFlags {
  return {
    executorRegistrationTimeoutMs: EXECUTOR_REGISTRATION_TIMEOUT_MS,
    executorShutdownGracePeriodMs: EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS,
    registrationBackoffFactorMs: REGISTRATION_BACKOFF_FACTOR_MS,
    masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS,
    recover: 'reconnect',
    reconfigurationPolicy: DEFAULT_RECONFIGURATION_POLICY,
    executorReregistrationTimeoutMs: EXECUTOR_REREGISTRATION_TIMEOUT_MS,
    gcDelayMs: GC_DELAY_MS,
    diskWatchIntervalMs: DISK_WATCH_INTERVAL_MS,
    gcDiskHeadroom: GC_DISK_HEADROOM,
    ...withoutUndefined(input),
  };
}

function withoutUndefined<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}

/**
 * Rejects flags the agent cannot run with, throwing an Error that names the flag: an empty or
 * malformed master, an empty work dir, host name or command executor path, a timeout or backoff
 * factor that is not a positive number (a zero backoff factor would re-dial the master in a
 * tight loop), a negative shutdown grace period or gc delay, a disk watch interval that is not
 * positive, or a gc disk headroom outside 0..1 (as Mesos). `startAgent` calls it before anything starts.
 * @example checkAgentFlags(defaultAgentFlags({ master: '127.0.0.1:5050', workDir: '/tmp/mesos', registrationBackoffFactorMs: 0 })) // throws
 */
export function checkAgentFlags(flags: AgentFlags): void {
  requireText('--master', flags.master);
  if (flags.master.startsWith('zk://')) {
    try {
      parseZooKeeperUrl(flags.master);
    } catch (error) {
      throw new Error(`--master: ${(error as Error).message}`);
    }
  } else if (UPID.tryParse(masterPidText(flags.master)) === undefined) {
    throw new Error(`--master: '${flags.master}' is not host:port or zk://host:port[,host:port...]/path`);
  }
  requireText('--work_dir', flags.workDir);
  if (flags.hostname !== undefined) requireText('--hostname', flags.hostname);
  if (flags.commandExecutorPath !== undefined) requireText('commandExecutorPath', flags.commandExecutorPath);
  if (flags.defaultExecutorPath !== undefined) requireText('defaultExecutorPath', flags.defaultExecutorPath);
  requirePositive('--executor_registration_timeout', flags.executorRegistrationTimeoutMs);
  requirePositive('--registration_backoff_factor', flags.registrationBackoffFactorMs);
  requirePositive('masterPingTimeoutMs', flags.masterPingTimeoutMs);
  requirePositive('--executor_reregistration_timeout', flags.executorReregistrationTimeoutMs);
  if (flags.recoveryTimeoutMs !== undefined) requirePositive('--recovery_timeout', flags.recoveryTimeoutMs);
  if (flags.containerPidsLimit !== undefined && (!Number.isSafeInteger(flags.containerPidsLimit) || flags.containerPidsLimit < MIN_CONTAINER_PIDS_LIMIT)) {
    throw new Error(`--container_pids_limit: must be a whole number of ${MIN_CONTAINER_PIDS_LIMIT} or more (the executor's own threads count against it), not ${String(flags.containerPidsLimit)}`);
  }
  if (flags.containerDiskWatchIntervalMs !== undefined) requirePositive('--container_disk_watch_interval', flags.containerDiskWatchIntervalMs);
  if (flags.fetcherStallTimeoutMs !== undefined) requirePositive('--fetcher_stall_timeout', flags.fetcherStallTimeoutMs);
  if (flags.frameworksHome !== undefined) requireText('--frameworks_home', flags.frameworksHome);
  // As the cgroups isolator takes it (cgroups.ts), but named by its flag: an empty one was refused
  // as "cgroups root '/agent-<hash>' must be ...", a path the operator never typed.
  if (flags.cgroupsRoot !== undefined && (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(flags.cgroupsRoot) || flags.cgroupsRoot.split('/').some((part) => part === '.' || part === '..'))) {
    throw new Error(`--cgroups_root: '${flags.cgroupsRoot}' must be a relative path of plain names (e.g. mesos)`);
  }
  if (flags.fetcherCacheDir !== undefined) requireText('--fetcher_cache_dir', flags.fetcherCacheDir);
  if (flags.fetcherCacheSizeBytes !== undefined && !(Number.isSafeInteger(flags.fetcherCacheSizeBytes) && flags.fetcherCacheSizeBytes >= 0)) {
    throw new Error(`--fetcher_cache_size: must be a size of 0 or more bytes, not ${String(flags.fetcherCacheSizeBytes)}`);
  }
  if (!AGENT_RECOVERY_MODES.includes(flags.recover)) throw new Error(`--recover: must be one of ${AGENT_RECOVERY_MODES.join(', ')}, not '${String(flags.recover)}'`);
  if (!RECONFIGURATION_POLICIES.includes(flags.reconfigurationPolicy)) {
    throw new Error(`--reconfiguration_policy: must be one of ${RECONFIGURATION_POLICIES.join(', ')}, not '${String(flags.reconfigurationPolicy)}'`);
  }
  requireNonNegative('--executor_shutdown_grace_period', flags.executorShutdownGracePeriodMs);
  requireNonNegative('--gc_delay', flags.gcDelayMs);
  requirePositive('--disk_watch_interval', flags.diskWatchIntervalMs);
  const headroom = flags.gcDiskHeadroom;
  if (typeof headroom !== 'number' || !(headroom >= 0 && headroom <= 1)) throw new Error(`--gc_disk_headroom: must be between 0.0 and 1.0, not ${String(headroom)}`);
}

/** The fetcher cache's directory: `--fetcher_cache_dir`, else `<work_dir>/fetch`. */
export function fetcherCacheDirOf(flags: Pick<AgentFlags, 'fetcherCacheDir' | 'workDir'>): string {
  return flags.fetcherCacheDir ?? `${flags.workDir.replace(/\/+$/, '')}/fetch`;
}

/** `master@<host:port>` from the `--master` flag (a full UPID is accepted as is). */
export function masterPid(master: string): UPID {
  const text = masterPidText(master);
  // UPIDs are immutable: the many agents of one process (a simulation) share their master's.
  if (lastMasterPid?.toString() !== text) lastMasterPid = UPID.parse(text);
  return lastMasterPid;
}

/** The last UPID `masterPid` returned. */
let lastMasterPid: UPID | undefined;

function masterPidText(master: string): string {
  return master.includes('@') ? master : `master@${master}`;
}

function requireText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${name}: must not be empty`);
}

function requireNonNegative(name: string, valueMs: unknown): void {
  if (typeof valueMs !== 'number' || !Number.isFinite(valueMs) || valueMs < 0) {
    throw new Error(`${name}: must be a duration of 0 or more, not ${String(valueMs)} ms`);
  }
}

function requirePositive(name: string, valueMs: unknown): void {
  if (typeof valueMs !== 'number' || !Number.isFinite(valueMs) || valueMs <= 0) {
    throw new Error(`${name}: must be a positive duration, not ${String(valueMs)} ms`);
  }
}

/**
 * Every flag of `flags` under its Mesos name (`work_dir`, `executor_registration_timeout`...),
 * each value as Mesos prints it (durations such as `1mins`), for `/slave(1)/flags` and the
 * `flags` of `/slave(1)/state`. Flags Mesos does not have keep their own snake_case names
 * (`master_ping_timeout`, `command_executor_path`).
 * @example renderAgentFlags(defaultAgentFlags({ master: 'm:5050', workDir: '/w' })).executor_shutdown_grace_period // '5secs'
 */
export function renderAgentFlags(flags: AgentFlags): Record<string, string> {
  const rendered: Record<string, string> = { ...(flags.commandLine ?? {}) };
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) rendered[name] = value;
  };
  set('master', flags.master);
  set('work_dir', flags.workDir);
  set('resources', flags.resources);
  set('attributes', flags.attributes);
  set('hostname', flags.hostname);
  set('executor_registration_timeout', formatDuration(flags.executorRegistrationTimeoutMs));
  set('executor_shutdown_grace_period', formatDuration(flags.executorShutdownGracePeriodMs));
  set('registration_backoff_factor', formatDuration(flags.registrationBackoffFactorMs));
  set('master_ping_timeout', formatDuration(flags.masterPingTimeoutMs));
  set('command_executor_path', flags.commandExecutorPath);
  set('default_executor_path', flags.defaultExecutorPath);
  set('recover', flags.recover);
  set('reconfiguration_policy', flags.reconfigurationPolicy);
  set('executor_reregistration_timeout', formatDuration(flags.executorReregistrationTimeoutMs));
  set('recovery_timeout', formatDuration(flags.recoveryTimeoutMs ?? RECOVERY_TIMEOUT_MS));
  set('strict', String(flags.strict ?? true));
  set('isolation', flags.isolation);
  set('cgroups_root', flags.cgroupsRoot);
  set('cgroups_enable_cfs', flags.cgroupsEnableCfs === undefined ? undefined : String(flags.cgroupsEnableCfs));
  set('container_pids_limit', flags.containerPidsLimit === undefined ? undefined : String(flags.containerPidsLimit));
  set('enforce_container_disk_quota', flags.enforceContainerDiskQuota === undefined ? undefined : String(flags.enforceContainerDiskQuota));
  set('switch_user', String(flags.switchUser ?? SWITCH_USER));
  set('authenticate_http_executors', String(flags.authenticateHttpExecutors ?? AUTHENTICATE_HTTP_EXECUTORS));
  if (flags.executorEnvironmentVariables !== undefined) set('executor_environment_variables', JSON.stringify(flags.executorEnvironmentVariables));
  set('container_disk_watch_interval', flags.containerDiskWatchIntervalMs === undefined ? undefined : formatDuration(flags.containerDiskWatchIntervalMs));
  set('fetcher_stall_timeout', formatDuration(flags.fetcherStallTimeoutMs ?? FETCHER_STALL_TIMEOUT_MS));
  set('frameworks_home', flags.frameworksHome);
  set('fetcher_cache_size', formatBytes(flags.fetcherCacheSizeBytes ?? FETCHER_CACHE_SIZE_BYTES));
  set('fetcher_cache_dir', fetcherCacheDirOf(flags));
  set('gc_delay', formatDuration(flags.gcDelayMs));
  set('disk_watch_interval', formatDuration(flags.diskWatchIntervalMs));
  set('gc_disk_headroom', String(flags.gcDiskHeadroom));
  return rendered;
}
