/** What the server bins (mesos-master, mesos-agent, mesos-local) share. */
import { isIP } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { ActorHost, TraceRecorder, traceFileError } from '../lib/process';
import { MAX_CONNECTIONS_PER_ADDRESS } from '../lib/process/host';
import { MAX_ALL_LINKS_QUEUED_BYTES } from '../lib/process/links';
import type { TlsOptions } from '../lib/process/tls';
import { createLogger, type LogLevel } from '../lib/logging';
import { readCredentialsFile } from '../lib/authentication';
import { formatBytes, formatDuration } from '../lib/mesos-format';
import { FLAG_DISPLAY, flag, parseBooleanFlag, showParsedAs, parseBytes, parseCount, parseDurationFlag, parseFractionFlag, parsePort, parseResourceFlag } from '../lib/flags';
import { defaultMasterFlags, parseMinAllocatableResources, parseResourceNameList, type MasterFlags } from '../actors/master/flags';
import { MIN_AGENT_REREGISTER_TIMEOUT_MS, STATE_CACHE_TIMEOUT_MS, STATE_LAST_TURN_OFFERS, STATE_LAST_TURN_TASKS } from '../actors/master/constants';
import { parseAclsFlag } from '../lib/acls';
import { flagFilePath, readBoundedFile } from '../lib/flag-file';
import type { StartAgentOptions } from '../actors/agent';
import { loadRateLimits, type RateLimits } from '../actors/master/rate-limits';
import { DEFAULT_CONTAINER_DISK_WATCH_INTERVAL_MS, DEFAULT_CONTAINER_PIDS_LIMIT } from '../actors/agent/isolator';
import { AGENT_RECOVERY_MODES, defaultAgentFlags, type AgentFlags, type AgentRecovery } from '../actors/agent/flags';
import { RECONFIGURATION_POLICIES, type ReconfigurationPolicy } from '../actors/agent/compatibility';
import { AUTHENTICATE_HTTP_EXECUTORS, RECOVERY_TIMEOUT_MS, SWITCH_USER } from '../actors/agent/constants';
import { FETCHER_STALL_TIMEOUT_MS } from '../actors/agent/fetcher';
import { FETCHER_CACHE_SIZE_BYTES } from '../actors/agent/fetcher-cache';
import { addTlsOptions } from './tls';
import { parseAttributes } from '../actors/agent/resources';
import { advertiseIpError } from '../lib/process/addresses';
import { shownZooKeeperUrl } from '../lib/ha/zookeeper';

export const LOG_LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Options every server bin has (the TLS flags among them, see bin/tls.ts). */
export function addHostOptions(program: Command, defaultPort: number): Command {
  return addTlsOptions(program)
    .addOption(flag('--ip <ip>', 'IP address to listen on and advertise (0.0.0.0 or ::: every interface, advertising the first non-internal IPv4)').argParser(parseIpFlag).default('127.0.0.1'))
    .addOption(flag('--advertise_ip <ip>', 'IP address advertised in this process\' pids instead of --ip (e.g. behind NAT)').env('LIBPROCESS_ADVERTISE_IP').argParser(parseAdvertiseIpFlag))
    .addOption(flag('--advertise_port <port>', 'port advertised in this process\' pids instead of --port').env('LIBPROCESS_ADVERTISE_PORT').argParser(parseAdvertisePortFlag))
    .addOption(flag('--hostname <name>', 'host name advertised (default: the IP for a master, the OS host name for an agent)'))
    .addOption(flag('--port <port>', 'TCP port (links and HTTP)').argParser(parsePort).default(defaultPort))
    .addOption(flag('--log_level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(flag('--trace_file <path>', 'record every message the actors handle and send to this file (read it with mesos-trace)').argParser(parseTraceFileFlag))
    .addOption(flag('--max_connections_per_ip <n>', 'connections (links, HTTP) one IP address of another machine may hold open at once; one more is closed at once (this machine\'s own addresses: 65536 each)').argParser(parseConnectionsPerIp).default(MAX_CONNECTIONS_PER_ADDRESS))
    .addOption(flag('--max_link_backlog <size>', 'bytes waiting to be sent over all links together (e.g. 1GB); the link that pushes the total over it is closed (each link alone: at most 256MB)').argParser(parseLinkBacklogFlag).default(MAX_ALL_LINKS_QUEUED_BYTES, formatBytes(MAX_ALL_LINKS_QUEUED_BYTES)));
}

/**
 * Checks `--ip`: an IPv4 or IPv6 address, as Mesos' `--ip` (a `net::IP`) takes; a host name or a
 * typo is one line naming the flag and exit 2 (it was `cannot listen on ...: getaddrinfo
 * ENOTFOUND` and exit 1, and an empty one an error about a UPID).
 */
export function parseIpFlag(value: string): string {
  const address = value.trim();
  if (isIP(address) === 0) throw new InvalidArgumentError(`'${value}' is not an IP address (a host name goes in --hostname)`);
  return address;
}

/** The least `--max_link_backlog`: less would close links carrying ordinary bursts. */
export const MIN_LINK_BACKLOG_BYTES = 1024 * 1024;

/** Parses `--max_link_backlog`: a size (`1GB`) of at least `MIN_LINK_BACKLOG_BYTES`. */
export function parseLinkBacklogFlag(value: string): number {
  const bytes = parseBytes(value);
  if (bytes < MIN_LINK_BACKLOG_BYTES) throw new InvalidArgumentError(`'${value}' is below ${formatBytes(MIN_LINK_BACKLOG_BYTES)}: links carrying ordinary bursts would be closed`);
  return bytes;
}
showParsedAs(parseLinkBacklogFlag, formatBytes);

/** `--agent_reregister_timeout`: a duration of at least `MIN_AGENT_REREGISTER_TIMEOUT_MS` (10 mins, Mesos' least). */
export function parseAgentReregisterTimeout(value: string): number {
  const ms = parseDurationFlag(value);
  if (ms < MIN_AGENT_REREGISTER_TIMEOUT_MS) {
    throw new InvalidArgumentError(`'${value}' is below ${formatDuration(MIN_AGENT_REREGISTER_TIMEOUT_MS)}, the least Mesos takes: agents slow to find a new leader would be marked unreachable`);
  }
  return ms;
}

/**
 * Checks `--attributes` (`rack:r1;zone:z2`) as the flag is read: a bad one is one line naming the
 * flag, and exit 2 (Mesos' agent exits on it too). As in Mesos (`Attributes::parse`), a newline
 * separates attributes as `;` does (a `file://` value with one attribute a line); see
 * `parseAttributes` for the values.
 * @example parseAttributesFlag('rack:r1\nzone:z2') // 'rack:r1;zone:z2'
 */
export function parseAttributesFlag(value: string): string {
  const attributes = value.split('\n').join(';');
  try {
    parseAttributes(attributes);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return attributes;
}

/** Parses `--max_connections_per_ip`: a whole number of at least 1 (0 would refuse every connection). */
export function parseConnectionsPerIp(value: string): number {
  const count = parseCount(value);
  if (count < 1) throw new InvalidArgumentError(`'${value}' would refuse every connection: give at least 1`);
  return count;
}

/** Parses `--advertise_port`: a port peers can dial, 1..65535 (0 is refused, as libprocess refuses it: pids naming port 0 reach nobody). */
export function parseAdvertisePortFlag(value: string): number {
  const port = parsePort(value);
  if (port === 0) throw new InvalidArgumentError(`'${value}' is not a port peers can dial (1..65535)`);
  return port;
}

/** Mesos' `--registry` values meaning its replicated log in the work dir: here, the default file there. */
const MESOS_DURABLE_REGISTRIES: ReadonlySet<string> = new Set(['replicated_log', 'log_storage']);

/**
 * Parses `--registry`: here the registry file's path, in Mesos a persistence strategy. Mesos'
 * `replicated_log` (its default, kept in the work dir; `log_storage`, its old name) is taken as
 * the default file in the work dir, and `in_memory` (Mesos' for tests: nothing survives a
 * restart) is refused; either was taken as a file of that name in the current directory, so a
 * Mesos command line kept the registry wherever the master happened to be started.
 */
export function parseRegistryFlag(value: string): string {
  if (value === 'in_memory') throw new InvalidArgumentError("Mesos' in_memory registry (for tests: nothing survives a restart) is not supported; the registry is a file: give its path, or leave --registry out for <work_dir>/registry.json");
  return value;
}

/** Checks `--advertise_ip`: an IP address peers can dial (a bad one is one line naming the flag, and exit 2). */
export function parseAdvertiseIpFlag(value: string): string {
  const problem = advertiseIpError(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return value;
}

/** A server host's options from its flags: what it advertises (`--advertise_ip` / `--advertise_port`; undefined: what it binds), `--max_connections_per_ip` and `--max_link_backlog`. */
export interface HostFlags {
  advertiseIp?: string;
  advertisePort?: number;
  maxConnectionsPerAddress?: number;
  /** `--max_link_backlog` (bytes). */
  maxLinkBacklogBytes?: number;
}

/** Reads `--advertise_ip`, `--advertise_port`, `--max_connections_per_ip` and `--max_link_backlog` back out of commander's options. */
export function hostFlagsFrom(options: Record<string, unknown>): HostFlags {
  return {
    ...(options.advertise_ip !== undefined ? { advertiseIp: String(options.advertise_ip) } : {}),
    ...(options.advertise_port !== undefined ? { advertisePort: options.advertise_port as number } : {}),
    ...(options.max_connections_per_ip !== undefined ? { maxConnectionsPerAddress: options.max_connections_per_ip as number } : {}),
    ...(options.max_link_backlog !== undefined ? { maxLinkBacklogBytes: options.max_link_backlog as number } : {}),
  };
}

/** Checks `--trace_file` before anything starts: its directory must exist and be writable. */
export function parseTraceFileFlag(value: string): string {
  const problem = traceFileError(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return value;
}

/** Parses `--rate_limits` (inline JSON, `file:///path` or a path): a bad value is one line naming the flag and the field, and exit 2. */
export function parseRateLimitsFlag(value: string): RateLimits {
  try {
    return loadRateLimits(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * `--executor_environment_variables`: a JSON object whose values are all strings (Mesos' rule),
 * inline or in a file (`file:///path` or a path). Throws naming the first bad value.
 */
export function parseExecutorEnvironmentFlag(value: string): Record<string, string> {
  const trimmed = value.trim();
  let text = trimmed;
  if (!trimmed.startsWith('{')) {
    const file = flagFilePath(trimmed);
    try {
      text = readBoundedFile(file);
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object of strings, e.g. {"PATH": "/bin:/usr/bin"}');
  const variables: Record<string, string> = {};
  for (const [name, variable] of Object.entries(parsed)) {
    if (typeof variable !== 'string') throw new InvalidArgumentError(`the value of '${name}' must be a string`);
    if (name === '' || name.includes('=') || name.includes('\0') || variable.includes('\0')) throw new InvalidArgumentError(`'${name}' is not an environment variable name`);
    variables[name] = variable;
  }
  return variables;
}

/** Opens the trace file for `--trace_file`, or exits 2 with one line if it cannot be written. */
export function openTraceFile(bin: string, file: string | undefined): TraceRecorder | undefined {
  if (file === undefined) return undefined;
  try {
    return new TraceRecorder(file);
  } catch (error) {
    process.stderr.write(`${bin}: --trace_file: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

/** `--min_allocatable_resources`: `parseMinAllocatableResources`, its error as commander's. */
export function parseMinAllocatableFlag(value: string): Array<Record<string, number>> {
  try {
    return parseMinAllocatableResources(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The master's flags on a command line (Mesos names). */
export function addMasterOptions(program: Command): Command {
  const defaults = defaultMasterFlags('');
  return program
    .addOption(flag('--agent_ping_timeout <duration>', 'ping interval and pong deadline').argParser(parseDurationFlag).default(defaults.agentPingTimeoutMs, '15secs'))
    .addOption(flag('--max_agent_ping_timeouts <n>', 'missed pongs before an agent is removed').argParser(parseCount).default(defaults.maxAgentPingTimeouts))
    .addOption(flag('--agent_reregister_timeout <duration>', `how long agents have to re-register after a master restart (at least ${formatDuration(MIN_AGENT_REREGISTER_TIMEOUT_MS)}, as Mesos)`).argParser(parseAgentReregisterTimeout).default(defaults.agentReregisterTimeoutMs, '10mins'))
    .addOption(flag('--allocation_interval <duration>', 'time between batched allocation runs').argParser(parseDurationFlag).default(defaults.allocationIntervalMs, '1secs'))
    .addOption(flag('--min_allocatable_resources <quantities>', 'offer only resources holding one of these alternatives, separated by |, each name:value;... (ranges and sets by their number of items; "": anything; default cpus:0.01|mem:32, as Mesos)').argParser(parseMinAllocatableFlag))
    .addOption(flag('--fair_sharing_excluded_resource_names <names>', 'comma-separated resource names that no DRF share counts, e.g. gpus').argParser(parseResourceNameList))
    .addOption(flag('--allocator_agent_recovery_factor <fraction>', 'after a restart or an election with quota set, offers wait until this fraction of the registry\'s agents re-registered (default 0.8, as Mesos)').argParser(parseFractionFlag))
    .addOption(flag('--allocator_recovery_timeout <duration>', '... or this long at most (default 10mins, as Mesos)').argParser(parseDurationFlag))
    .addOption(flag('--state_turn_budget <duration>', 'wall time after which a turn of rendering the state endpoints yields to message handling (0: a fragment per turn)').argParser(parseDurationFlag).default(defaults.stateTurnBudgetMs, '5ms'))
    .addOption(flag('--state_last_turn_offers <n>', 'offers of frameworks changed since the warming that a state request\'s last turn renders before leaving the rest to the turns after it (0: none)').argParser(parseCount).default(STATE_LAST_TURN_OFFERS))
    .addOption(flag('--state_last_turn_tasks <n>', 'tasks a /master/tasks page may look at (offset + limit, and every task of a framework some of whose tasks the caller may not see) to be put together in its request\'s own turn; a larger one is written in the turns after it (0: every page)').argParser(parseCount).default(STATE_LAST_TURN_TASKS))
    .addOption(flag('--state_cache_timeout <duration>', 'drop a state format\'s rendered agents when nobody asked for it through a whole period of this long').argParser(parseDurationFlag).default(STATE_CACHE_TIMEOUT_MS, '1mins'))
    .addOption(flag('--offer_timeout <duration>', 'rescind offers unused this long (default: never)').argParser(parseDurationFlag))
    .addOption(flag('--http_framework_heartbeat_interval <duration>', 'interval between HEARTBEAT events to v1 HTTP schedulers and operator event streams (default 15secs, as Mesos)').argParser(parseDurationFlag))
    .addOption(flag('--max_operator_event_stream_subscribers <n>', 'v1 operator event streams open at once; a new one past it ends the oldest (default 1000, as Mesos)').argParser(parseCount))
    .addOption(flag('--max_completed_frameworks <n>', 'completed frameworks kept for the web endpoints').argParser(parseCount).default(defaults.maxCompletedFrameworks))
    .addOption(flag('--max_completed_tasks_per_framework <n>', 'completed tasks kept per framework').argParser(parseCount).default(defaults.maxCompletedTasksPerFramework))
    .addOption(flag('--registry <path>', 'registry file (default <work_dir>/registry.json; Mesos\' replicated_log means that default)').argParser(parseRegistryFlag))
    .addOption(flag('--acls <json|path>', "who may do what, Mesos' ACL JSON inline or a file (file:///path or a path); default: everything is allowed"))
    .addOption(flag('--credentials <path>', 'principals and secrets that may authenticate, Mesos\' JSON: {"credentials": [{"principal": ..., "secret": ...}]}'))
    .addOption(flag('--authenticate_frameworks [bool]', 'only authenticated frameworks may register').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--authenticate_http_frameworks [bool]', 'only HTTP frameworks with HTTP Basic credentials may use the v1 scheduler API (--authenticate_frameworks covers them too)').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--authenticate_agents [bool]', 'only authenticated agents may register').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--authenticate_http_readonly [bool]', 'read-only HTTP endpoints (state, metrics) need HTTP Basic credentials').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--authenticate_http_readwrite [bool]', 'HTTP endpoints that change state (teardown) need HTTP Basic credentials').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--rate_limits <json>', 'throttle framework messages by principal: inline JSON, file:///path or a path (Mesos\' RateLimits: {"limits": [{"principal": "foo", "qps": 55.5, "capacity": 100000}], "aggregate_default_qps": 33.3})').argParser(parseRateLimitsFlag))
    .addOption(flag('--publish_per_framework_metrics [bool]', "publish Mesos' per-framework metrics (master/frameworks/<name>/<id>/..., ~70 a framework)").argParser(parseBooleanFlag).default(true))
    .addOption(flag('--cluster <name>', 'a name for the cluster, shown in /master/state and /master/state-summary'))
    .addOption(flag('--max_frameworks_per_peer <n>', 'frameworks one peer host may have registered without an authenticated principal').argParser(parseCount).default(defaults.maxFrameworksPerPeer));
}

/** Reads the master's flags back out of commander's options. */
export function masterFlagsFrom(options: Record<string, unknown>, workDir: string): MasterFlags {
  return {
    ...defaultMasterFlags(workDir),
    ...(options.hostname !== undefined ? { hostname: String(options.hostname) } : {}),
    agentPingTimeoutMs: options.agent_ping_timeout as number,
    maxAgentPingTimeouts: options.max_agent_ping_timeouts as number,
    agentReregisterTimeoutMs: options.agent_reregister_timeout as number,
    allocationIntervalMs: options.allocation_interval as number,
    ...(options.min_allocatable_resources !== undefined ? { minAllocatableResources: options.min_allocatable_resources as Array<Record<string, number>> } : {}),
    ...(options.fair_sharing_excluded_resource_names !== undefined ? { fairSharingExcludedResourceNames: options.fair_sharing_excluded_resource_names as string[] } : {}),
    ...(options.allocator_agent_recovery_factor !== undefined ? { allocatorAgentRecoveryFactor: options.allocator_agent_recovery_factor as number } : {}),
    ...(options.allocator_recovery_timeout !== undefined ? { allocatorRecoveryTimeoutMs: options.allocator_recovery_timeout as number } : {}),
    stateTurnBudgetMs: options.state_turn_budget as number,
    stateLastTurnOffers: options.state_last_turn_offers as number,
    stateLastTurnTasks: options.state_last_turn_tasks as number,
    stateCacheTimeoutMs: options.state_cache_timeout as number,
    ...(options.offer_timeout !== undefined ? { offerTimeoutMs: options.offer_timeout as number } : {}),
    ...(options.http_framework_heartbeat_interval !== undefined ? { httpFrameworkHeartbeatIntervalMs: options.http_framework_heartbeat_interval as number } : {}),
    ...(options.max_operator_event_stream_subscribers !== undefined ? { maxOperatorEventStreamSubscribers: options.max_operator_event_stream_subscribers as number } : {}),
    maxCompletedFrameworks: options.max_completed_frameworks as number,
    maxCompletedTasksPerFramework: options.max_completed_tasks_per_framework as number,
    ...(options.registry !== undefined && !MESOS_DURABLE_REGISTRIES.has(String(options.registry)) ? { registryPath: String(options.registry) } : {}),
    ...(options.credentials !== undefined ? { credentials: readCredentialsFile(String(options.credentials), '--credentials'), credentialsPath: String(options.credentials) } : {}),
    ...(options.cluster !== undefined ? { cluster: String(options.cluster) } : {}),
    commandLine: commandLineFlags(options),
    ...(options.acls !== undefined ? { acls: parseAclsFlag(String(options.acls)) } : {}),
    authenticateFrameworks: options.authenticate_frameworks === true,
    authenticateHttpFrameworks: options.authenticate_http_frameworks === true,
    authenticateAgents: options.authenticate_agents === true,
    authenticateHttpReadonly: options.authenticate_http_readonly === true,
    authenticateHttpReadwrite: options.authenticate_http_readwrite === true,
    publishPerFrameworkMetrics: options.publish_per_framework_metrics !== false,
    ...(options.rate_limits !== undefined ? { rateLimits: options.rate_limits as RateLimits } : {}),
    maxFrameworksPerPeer: options.max_frameworks_per_peer as number,
  };
}

/** The agent's flags on a command line (Mesos names). */
export function addAgentOptions(program: Command): Command {
  const defaults = defaultAgentFlags({ master: '', workDir: '' });
  return program
    .addOption(flag('--resources <resources>', 'resources to offer, e.g. "cpus:4;mem:4096" (default: detected)').argParser(parseResourceFlag))
    .addOption(flag('--attributes <attributes>', 'attributes, e.g. "rack:r1;zone:z2"').argParser(parseAttributesFlag))
    .addOption(flag('--executor_registration_timeout <duration>', 'kill executors that do not register within this').argParser(parseDurationFlag).default(defaults.executorRegistrationTimeoutMs, '1mins'))
    .addOption(flag('--executor_shutdown_grace_period <duration>', 'time executors get to exit when shut down').argParser(parseDurationFlag).default(defaults.executorShutdownGracePeriodMs, '5secs'))
    .addOption(flag('--registration_backoff_factor <duration>', 'first registration retry within this, then doubling').argParser(parseDurationFlag).default(defaults.registrationBackoffFactorMs, '1secs'))
    .addOption(flag('--recover <mode>', 'after a restart: reconnect to the executors of checkpointing frameworks, or cleanup (kill them and start anew)').choices([...AGENT_RECOVERY_MODES]).default(defaults.recover))
    .addOption(flag('--reconfiguration_policy <policy>', 'after a restart, which changes of resources, attributes, hostname or port keep the agent id: equal (none) or additive (additions only)').choices([...RECONFIGURATION_POLICIES]).default(defaults.reconfigurationPolicy))
    .addOption(flag('--executor_reregistration_timeout <duration>', 'after a restart, kill checkpointed executors that do not re-register within this').argParser(parseDurationFlag).default(defaults.executorReregistrationTimeoutMs, '2secs'))
    .addOption(flag('--recovery_timeout <duration>', 'how long a checkpointing framework\'s executor that lost its agent keeps trying to reach it before it shuts itself down').argParser(parseDurationFlag).default(RECOVERY_TIMEOUT_MS, '15mins'))
    .addOption(flag('--strict [bool]', 'after a restart, a corrupt checkpoint stops the agent; false: its bad lines are skipped (logged, counted in slave/recovery_errors) and the rest recovered').argParser(parseBooleanFlag).default(true))
    .addOption(flag('--isolation <isolators>', 'hold each executor to its resources: cgroups/cpu,cgroups/mem,cgroups/pids (root and cgroups), posix/cpu,posix/mem, disk/du (default: cgroups where possible, else posix; empty: none, as in Mesos)'))
    .addOption(flag('--cgroups_root <name>', 'the cgroup under which containers\' cgroups are made').default('mesos'))
    .addOption(flag('--cgroups_enable_cfs [bool]', 'cap each container\'s CPU at its cpus (CFS quota), besides the shares').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--container_pids_limit <n>', 'with cgroups/pids: most processes (threads) one container may hold').argParser(parseCount).default(DEFAULT_CONTAINER_PIDS_LIMIT))
    .addOption(flag('--enforce_container_disk_quota [bool]', 'with disk/du: fail the tasks of a sandbox that outgrows its disk resource').argParser(parseBooleanFlag).default(false))
    .addOption(flag('--container_disk_watch_interval <duration>', 'with disk/du: how often each sandbox is measured').argParser(parseDurationFlag).default(DEFAULT_CONTAINER_DISK_WATCH_INTERVAL_MS, '15secs'))
    .addOption(flag('--executor_environment_variables <json|path>', 'the environment every executor and its tasks start with, a JSON object of strings inline, file:///path or a path (default: the agent\'s PATH, locale and time zone only)').argParser(parseExecutorEnvironmentFlag))
    .addOption(flag('--authenticate_http_executors [bool]', 'v1 executor API calls must carry their run\'s MESOS_EXECUTOR_AUTHENTICATION_TOKEN as Authorization: Bearer (Mesos\' default is false); false: calls without one are taken, for executor libraries that send none (then anyone who reaches this port can act as any HTTP executor here, as in Mesos)').argParser(parseBooleanFlag).default(AUTHENTICATE_HTTP_EXECUTORS))
    .addOption(flag('--switch_user [bool]', 'run each executor and its tasks as its command\'s or its framework\'s user (the agent must be root to switch); false: as the agent\'s own user').argParser(parseBooleanFlag).default(SWITCH_USER))
    .addOption(flag('--fetcher_stall_timeout <duration>', 'a download for a command\'s URIs that sends no byte, or under 1 byte a second, for this long fails its launch').argParser(parseDurationFlag).default(FETCHER_STALL_TIMEOUT_MS, '1mins'))
    .addOption(flag('--fetcher_cache_size <bytes>', 'the fetcher cache\'s size, for URIs a command asks to cache (0B: no cache; they are fetched directly)').argParser(parseBytes).default(FETCHER_CACHE_SIZE_BYTES, '2GB'))
    .addOption(flag('--fetcher_cache_dir <dir>', 'the fetcher cache\'s directory, emptied at each start (default: <work_dir>/fetch)'))
    .addOption(flag('--frameworks_home <dir>', 'where a command URI that is a relative path is fetched from (unset: such a URI fails its launch)'))
    .addOption(flag('--gc_delay <duration>', 'remove completed sandboxes this long after they completed (sooner as the disk fills)').argParser(parseDurationFlag).default(defaults.gcDelayMs, '1weeks'))
    .addOption(flag('--disk_watch_interval <duration>', 'how often the work dir\'s disk usage is checked, pruning sandboxes by it').argParser(parseDurationFlag).default(defaults.diskWatchIntervalMs, '1mins'))
    .addOption(flag('--gc_disk_headroom <fraction>', 'disk fraction to keep free: sandboxes older than gc_delay × max(0, 1 − usage − headroom) are removed').argParser(parseFractionFlag).default(defaults.gcDiskHeadroom, '0.1'));
}

/** Reads the agent's flags back out of commander's options. */
export function agentFlagsFrom(options: Record<string, unknown>, master: string, workDir: string): AgentFlags {
  return defaultAgentFlags({
    master,
    workDir,
    resources: options.resources as string | undefined,
    attributes: options.attributes as string | undefined,
    hostname: options.hostname as string | undefined,
    executorRegistrationTimeoutMs: options.executor_registration_timeout as number,
    executorShutdownGracePeriodMs: options.executor_shutdown_grace_period as number,
    registrationBackoffFactorMs: options.registration_backoff_factor as number,
    recover: options.recover as AgentRecovery,
    reconfigurationPolicy: options.reconfiguration_policy as ReconfigurationPolicy,
    executorReregistrationTimeoutMs: options.executor_reregistration_timeout as number,
    recoveryTimeoutMs: options.recovery_timeout as number | undefined,
    strict: options.strict as boolean | undefined,
    isolation: options.isolation as string | undefined,
    cgroupsRoot: options.cgroups_root as string | undefined,
    cgroupsEnableCfs: options.cgroups_enable_cfs as boolean | undefined,
    containerPidsLimit: options.container_pids_limit as number | undefined,
    enforceContainerDiskQuota: options.enforce_container_disk_quota as boolean | undefined,
    containerDiskWatchIntervalMs: options.container_disk_watch_interval as number | undefined,
    switchUser: options.switch_user as boolean | undefined,
    authenticateHttpExecutors: options.authenticate_http_executors as boolean | undefined,
    ...(options.executor_environment_variables !== undefined ? { executorEnvironmentVariables: options.executor_environment_variables as Record<string, string> } : {}),
    fetcherStallTimeoutMs: options.fetcher_stall_timeout as number | undefined,
    frameworksHome: options.frameworks_home as string | undefined,
    fetcherCacheSizeBytes: options.fetcher_cache_size as number | undefined,
    fetcherCacheDir: options.fetcher_cache_dir as string | undefined,
    gcDelayMs: options.gc_delay as number,
    diskWatchIntervalMs: options.disk_watch_interval as number,
    gcDiskHeadroom: options.gc_disk_headroom as number,
    commandLine: commandLineFlags(options),
  });
}

/** Options never shown in `/flags` (secrets; files of secrets are shown by their path, which is all the options hold). */
const SECRET_OPTION = /secret|password|token/i;

/**
 * The command line as Mesos prints flags (`{name: "value"}`; durations such as `10secs`), for
 * `/master/flags`, `/slave(1)/flags` and `/flags`: every option commander parsed, secrets left
 * out. The master's and agent's own flags are rendered over these from their typed values.
 */
export function commandLineFlags(options: Record<string, unknown>): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || SECRET_OPTION.test(name)) continue;
    // A zk:// URL (--zk, --master) may hold user:password: shown without it.
    if (typeof value === 'string' && value.startsWith('zk://')) {
      rendered[name] = shownZooKeeperUrl(value);
      continue;
    }
    // Durations and sizes as Mesos prints them (`FLAG_DISPLAY`): mesos-local's master showed its agents' durations as bare ms.
    const display = FLAG_DISPLAY.get(name);
    if (display !== undefined && typeof value === 'number') rendered[name] = display(value);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') rendered[name] = String(value);
    else rendered[name] = JSON.stringify(value);
  }
  return rendered;
}

/**
 * Starts an actor host on ip:port, failing with one line if the port is taken. With `trace`
 * (from `openTraceFile`), the host records into it from before its first actor is spawned; with
 * `tls` (from `tlsFromOptions`), it serves and dials over TLS; with `hostFlags` (from
 * `hostFlagsFrom`), its pids name the advertised IP and port instead of the bound ones, and it
 * bounds the connections of each address as `--max_connections_per_ip` says.
 */
export async function startServerHost(bin: string, ip: string, port: number, level: LogLevel, trace?: TraceRecorder, tls?: TlsOptions, hostFlags: HostFlags = {}): Promise<ActorHost> {
  try {
    const { maxLinkBacklogBytes, ...hostOptions } = hostFlags;
    const links = maxLinkBacklogBytes !== undefined ? { links: { maxTotalQueuedBytes: maxLinkBacklogBytes } } : {};
    return await ActorHost.start({ ip, port, ...hostOptions, ...links, logger: createLogger(bin, level), ...(trace ? { traceRecorder: trace } : {}), ...(tls ? { tls } : {}) });
  } catch (error) {
    process.stderr.write(`${bin}: cannot listen on ${ip}:${port}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * What an agent's HTTP endpoints authenticate and authorize against: the credentials file
 * (`--http_credentials` for mesos-agent, the master's `--credentials` for mesos-local),
 * `--authenticate_http_readonly` (`/state`, `/flags`, `/files/*`, `/metrics*`,
 * `/monitor/statistics`, `/containers`), `--authenticate_http_readwrite` (the v1 operator API,
 * `/api/v1`, as Mesos' agent serves it in its read-write realm), and `--acls`. Undefined when none
 * is given (anyone may read anything). Throws naming the flag.
 */
export function agentHttpFrom(
  options: Record<string, unknown>,
  credentialsFlag: 'http_credentials' | 'credentials',
  /** What the master's flags already read from the same files (mesos-local), so they are not read twice. */
  read: Pick<MasterFlags, 'credentials' | 'acls'> = {},
): StartAgentOptions['http'] {
  const file = options[credentialsFlag];
  const credentials = read.credentials ?? (file !== undefined ? readCredentialsFile(String(file), `--${credentialsFlag}`) : undefined);
  const readonly = options.authenticate_http_readonly === true;
  const readwrite = options.authenticate_http_readwrite === true;
  for (const [needed, name] of [[readonly, 'authenticate_http_readonly'], [readwrite, 'authenticate_http_readwrite']] as const) {
    if (needed && credentials === undefined) throw new Error(`--${name} needs --${credentialsFlag}: nobody could authenticate`);
  }
  const acls = read.acls ?? (options.acls !== undefined ? parseAclsFlag(String(options.acls)) : undefined);
  if (credentials === undefined && acls === undefined) return undefined;
  return { authentication: { credentials, readonly, readwrite }, ...(acls !== undefined ? { acls } : {}) };
}