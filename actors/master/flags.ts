/** The master's flags (Mesos `mesos-master` flags that this master supports), with their defaults. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HttpAuthentication } from '../../lib/process';
import type { Acls } from '../../lib/acls';
import { MIN_ALLOCATION_INTERVAL_MS } from '../allocator/allocator-process';
import { DEFAULT_AGENT_RECOVERY_FACTOR, DEFAULT_ALLOCATOR_RECOVERY_TIMEOUT_MS, DEFAULT_MIN_ALLOCATABLE } from '../allocator/constants';
import { scalarError } from '../../lib/resources';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, MAX_COMPLETED_FRAMEWORKS } from '../../lib/protocol/limits';
import {
  AGENT_REREGISTER_TIMEOUT_MS,
  DEFAULT_MASTER_ALLOCATION_INTERVAL_MS,
  DEFAULT_OFFER_TIMEOUT_MS,
  MASTER_HTTP_REALMS,
  MAX_FRAMEWORKS_PER_UNAUTHENTICATED_PEER,
  MAX_COMPLETED_TASKS_PER_FRAMEWORK,
  MAX_UNREACHABLE_TASKS_PER_FRAMEWORK,
  REGISTRY_FILE_NAME,
  STATE_CACHE_TIMEOUT_MS,
  STATE_LAST_TURN_OFFERS,
  STATE_LAST_TURN_TASKS,
  STATE_TURN_BUDGET_MS,
} from './constants';
import { checkRateLimits, type RateLimits } from './rate-limits';
import { formatDuration } from '../../lib/mesos-format';

/**
 * What a master is configured with. Durations are in milliseconds (the bins parse Mesos'
 * duration syntax, e.g. `--agent_ping_timeout=15secs`, with `parseDuration`).
 *
 * @example
 *   const flags = { ...defaultMasterFlags('/var/lib/mesos'), offerTimeoutMs: 30_000 };
 */
export interface MasterFlags {
  /** Where the registry lives (`<workDir>/registry.json`); Mesos `--work_dir`. */
  workDir: string;
  /** Hostname advertised in MasterInfo and `/master/state`; default: the host's IP. */
  hostname?: string;
  /** A name for the cluster, shown in `/master/state` and `/master/state-summary` (Mesos `--cluster`). */
  cluster?: string;
  /** Ping interval, and how long a pong may take (Mesos `--agent_ping_timeout`). */
  agentPingTimeoutMs: number;
  /** Missed pongs in a row before an agent is removed (Mesos `--max_agent_ping_timeouts`). */
  maxAgentPingTimeouts: number;
  /** How long a disconnected or recovered agent has to re-register (Mesos `--agent_reregister_timeout`). */
  agentReregisterTimeoutMs: number;
  /** Rescind offers not used within this long; undefined: never (Mesos `--offer_timeout`). */
  offerTimeoutMs?: number;
  /**
   * Interval between HEARTBEAT events on a v1 scheduler's stream; default 15 s (Mesos'
   * `DEFAULT_HEARTBEAT_INTERVAL`, a constant there; `--http_framework_heartbeat_interval` here).
   */
  httpFrameworkHeartbeatIntervalMs?: number;
  /**
   * Most v1 operator event streams (`/api/v1` SUBSCRIBE) open at once; a new one past it ends the
   * oldest, as Mesos does. Default `MAX_OPERATOR_SUBSCRIBERS`, 1000 (Mesos `--max_operator_event_stream_subscribers`).
   */
  maxOperatorEventStreamSubscribers?: number;
  /** Time between batched allocation runs (Mesos `--allocation_interval`). */
  allocationIntervalMs: number;
  /**
   * An offer must hold one of these alternatives, each whole units by name (Mesos
   * `--min_allocatable_resources`, parsed by `parseMinAllocatableResources`); undefined: the
   * allocator's default, `cpus:0.01|mem:32`; none at all: any resources.
   */
  minAllocatableResources?: readonly Readonly<Record<string, number>>[];
  /** Resource names no DRF share counts, e.g. `['gpus']` (Mesos `--fair_sharing_excluded_resource_names`); undefined: none. */
  fairSharingExcludedResourceNames?: readonly string[];
  /**
   * After a restart or an election with quota set, offers wait until this fraction of the
   * registry's agents have re-registered (Mesos `--allocator_agent_recovery_factor`); undefined: 0.8.
   */
  allocatorAgentRecoveryFactor?: number;
  /** ... or this long at most (Mesos `--allocator_recovery_timeout`); undefined: 10 min. */
  allocatorRecoveryTimeoutMs?: number;
  /**
   * Wall time after which a turn of warming the state endpoints' fragments ends, besides its
   * counts (`--state_turn_budget`, not in Mesos; default `STATE_TURN_BUDGET_MS`, 5 ms; 0: a
   * fragment per turn). Undefined: the counts alone, so that where turns end does not depend on
   * the machine's speed (the simulations, which replay from a seed).
   */
  stateTurnBudgetMs?: number;
  /**
   * Offers of changed frameworks a state request's last turn walks before it leaves the rest
   * to the turns after it (`--state_last_turn_offers`, not in Mesos; default
   * `STATE_LAST_TURN_OFFERS`, 1,000; 0: every changed framework's offers go to later turns).
   */
  stateLastTurnOffers?: number;
  /**
   * Tasks a `/master/tasks` page may look at (`offset + limit`, and every task of a framework
   * some of whose tasks the caller may not see) to be put together in its request's own turn; a larger one is written in the turns after it, as the books stood at
   * that turn (`--state_last_turn_tasks`, not in Mesos; default `STATE_LAST_TURN_TASKS`,
   * 1,000; 0: every page but a `task_id`'s).
   */
  stateLastTurnTasks?: number;
  /**
   * How long a state format's rendered agents are kept with no request for it: dropped after a
   * whole period of this long without one (`--state_cache_timeout`, not in Mesos; default
   * `STATE_CACHE_TIMEOUT_MS`, 1 min).
   */
  stateCacheTimeoutMs?: number;
  /** The registry file; default `<workDir>/registry.json`. */
  registryPath?: string;
  /** Completed frameworks kept for the HTTP endpoints (Mesos `--max_completed_frameworks`). */
  maxCompletedFrameworks: number;
  /** Completed tasks kept per framework (Mesos `--max_completed_tasks_per_framework`). */
  maxCompletedTasksPerFramework: number;
  /** Unreachable tasks kept per framework (Mesos `--max_unreachable_tasks_per_framework`). */
  maxUnreachableTasksPerFramework: number;
  /** Per-principal limits on framework messages; undefined: none (Mesos `--rate_limits`; see rate-limits.ts). */
  rateLimits?: RateLimits;
  /** Frameworks one peer host may have registered without an authenticated principal (`--max_frameworks_per_peer`, not in Mesos). */
  maxFrameworksPerPeer: number;
  /**
   * Publish Mesos' per-framework metrics, `master/frameworks/<name>/<id>/...`, ~70 keys a
   * framework (Mesos `--publish_per_framework_metrics`; undefined: true, as in Mesos).
   */
  publishPerFrameworkMetrics?: boolean;
  /** Check the allocator's books after every operation (tests; O(agents) per call). */
  checkAllocatorInvariants?: boolean;
  /** Only authenticated frameworks may register (Mesos `--authenticate_frameworks`); needs `credentials`. */
  authenticateFrameworks?: boolean;
  /**
   * Only HTTP frameworks that give HTTP Basic credentials may use the v1 scheduler API (Mesos
   * `--authenticate_http_frameworks`); needs `credentials`. Actor frameworks are left to
   * `authenticateFrameworks`, which covers HTTP frameworks too.
   */
  authenticateHttpFrameworks?: boolean;
  /** Only authenticated agents may register (Mesos `--authenticate_agents`); needs `credentials`. */
  authenticateAgents?: boolean;
  /** Read-only HTTP endpoints (state, metrics) need HTTP Basic credentials (Mesos `--authenticate_http_readonly`). */
  authenticateHttpReadonly?: boolean;
  /** Endpoints that change state need HTTP Basic credentials (Mesos `--authenticate_http_readwrite`). */
  authenticateHttpReadwrite?: boolean;
  /**
   * Principal → secret, from the credentials file (Mesos `--credentials`). Never rendered in
   * `/master/state` nor recorded in a trace.
   */
  credentials?: ReadonlyMap<string, string>;
  /**
   * Who may do what (Mesos `--acls`, its JSON; see acls.ts): register_frameworks,
   * run_tasks, teardown_frameworks, view_frameworks, view_tasks, view_executors. None: all is allowed.
   */
  acls?: Acls;
  /** The credentials file `credentials` was read from (rendered in `/master/flags` instead of the secrets). */
  credentialsPath?: string;
  /**
   * Flags of the command line that the master itself does not read (`ip`, `port`, `zk`,
   * `quorum`, `log_level`, the `ssl_*` files...), already as Mesos prints them; rendered beside
   * the master's own in `/master/flags` and `/flags` (see `commandLineFlags` in bin/server.ts).
   */
  commandLine?: Readonly<Record<string, string>>;
}

/** The defaults of every flag, for a master whose work dir is `workDir`. */
export function defaultMasterFlags(workDir: string): MasterFlags {
  return {
    workDir,
    agentPingTimeoutMs: AGENT_PING_TIMEOUT_MS,
    maxAgentPingTimeouts: MAX_AGENT_PING_TIMEOUTS,
    agentReregisterTimeoutMs: AGENT_REREGISTER_TIMEOUT_MS,
    offerTimeoutMs: DEFAULT_OFFER_TIMEOUT_MS,
    allocationIntervalMs: DEFAULT_MASTER_ALLOCATION_INTERVAL_MS,
    stateTurnBudgetMs: STATE_TURN_BUDGET_MS,
    maxCompletedFrameworks: MAX_COMPLETED_FRAMEWORKS,
    maxCompletedTasksPerFramework: MAX_COMPLETED_TASKS_PER_FRAMEWORK,
    maxUnreachableTasksPerFramework: MAX_UNREACHABLE_TASKS_PER_FRAMEWORK,
    maxFrameworksPerPeer: MAX_FRAMEWORKS_PER_UNAUTHENTICATED_PEER,
  };
}

/** What the master's HTTP routes authenticate against (`--credentials`, `--authenticate_http_*`), in Mesos' realms. */
export function httpAuthenticationOf(flags: MasterFlags): HttpAuthentication {
  return { credentials: flags.credentials, readonly: flags.authenticateHttpReadonly === true, readwrite: flags.authenticateHttpReadwrite === true, realms: MASTER_HTTP_REALMS };
}

/**
 * The v1 operator API's (`/api/v1`): Mesos serves the whole endpoint in its read-write realm, so
 * with `--authenticate_http_readwrite` every call, reads too, needs credentials; with
 * `--authenticate_http_readonly` (ours: Mesos leaves the endpoint open then) the reads do, as
 * `/master/state` does.
 */
export function operatorHttpAuthenticationOf(flags: MasterFlags): HttpAuthentication {
  const authentication = httpAuthenticationOf(flags);
  const realm = MASTER_HTTP_REALMS.readwrite;
  return { ...authentication, readonly: authentication.readonly || authentication.readwrite, realms: { readonly: realm, readwrite: realm } };
}

/** The registry file these flags name. */
export function registryPathOf(flags: MasterFlags): string {
  return flags.registryPath ?? path.join(flags.workDir, REGISTRY_FILE_NAME);
}

/**
 * Throws an Error naming the first flag with an impossible value by its command-line name
 * (`--allocation_interval`, not `allocationIntervalMs`; a bin turns it into exit code
 * 2). It catches whatever would otherwise make `startMaster` reject later (exit code 1): an
 * allocation interval the allocator refuses, or a registry path it cannot load.
 */
export function checkMasterFlags(flags: MasterFlags): void {
  const positive: Array<[string, number]> = [
    ['agentPingTimeoutMs', flags.agentPingTimeoutMs],
    ['agentReregisterTimeoutMs', flags.agentReregisterTimeoutMs],
  ];
  if (flags.offerTimeoutMs !== undefined) positive.push(['offerTimeoutMs', flags.offerTimeoutMs]);
  if (flags.stateCacheTimeoutMs !== undefined) positive.push(['stateCacheTimeoutMs', flags.stateCacheTimeoutMs]);
  if (flags.httpFrameworkHeartbeatIntervalMs !== undefined) positive.push(['httpFrameworkHeartbeatIntervalMs', flags.httpFrameworkHeartbeatIntervalMs]);
  if (flags.allocatorRecoveryTimeoutMs !== undefined) positive.push(['allocatorRecoveryTimeoutMs', flags.allocatorRecoveryTimeoutMs]);
  for (const [name, value] of positive) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flagName(name)} must be positive, not ${describeValue(name, value)}`);
  }
  for (const name of ['stateLastTurnOffers', 'stateLastTurnTasks'] as const) {
    const count = flags[name];
    if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) throw new Error(`${flagName(name)} must be a non-negative integer, not ${count}`);
  }
  const budget = flags.stateTurnBudgetMs;
  if (budget !== undefined && (!Number.isFinite(budget) || budget < 0)) throw new Error(`${flagName('stateTurnBudgetMs')} must be a non-negative duration, not ${describeValue('stateTurnBudgetMs', budget)}`);
  const subscribers = flags.maxOperatorEventStreamSubscribers;
  if (subscribers !== undefined && (!Number.isInteger(subscribers) || subscribers < 1)) {
    throw new Error(`${flagName('maxOperatorEventStreamSubscribers')} must be a positive integer, not ${subscribers}`);
  }
  if (!Number.isFinite(flags.allocationIntervalMs) || flags.allocationIntervalMs < MIN_ALLOCATION_INTERVAL_MS) {
    throw new Error(`${flagName('allocationIntervalMs')} must be at least ${MIN_ALLOCATION_INTERVAL_MS} ms, not ${describeValue('allocationIntervalMs', flags.allocationIntervalMs)}`);
  }
  if (!Number.isInteger(flags.maxAgentPingTimeouts) || flags.maxAgentPingTimeouts < 1) {
    throw new Error(`${flagName('maxAgentPingTimeouts')} must be a positive integer, not ${flags.maxAgentPingTimeouts}`);
  }
  const counts: Array<[string, number]> = [
    ['maxCompletedFrameworks', flags.maxCompletedFrameworks],
    ['maxCompletedTasksPerFramework', flags.maxCompletedTasksPerFramework],
    ['maxUnreachableTasksPerFramework', flags.maxUnreachableTasksPerFramework],
    ['maxFrameworksPerPeer', flags.maxFrameworksPerPeer],
  ];
  for (const [name, value] of counts) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flagName(name)} must be a non-negative integer, not ${value}`);
  }
  if (flags.rateLimits !== undefined) {
    try {
      checkRateLimits(flags.rateLimits);
    } catch (error) {
      throw new Error(`${flagName('rateLimits')}: ${(error as Error).message}`);
    }
  }
  checkAllocatorFlags(flags);
  if (flags.workDir.length === 0) throw new Error(`${flagName('workDir')} must not be empty`);
  const requiring = (['authenticateFrameworks', 'authenticateHttpFrameworks', 'authenticateAgents', 'authenticateHttpReadonly', 'authenticateHttpReadwrite'] as const).filter((name) => flags[name] === true);
  if (requiring.length > 0 && flags.credentials === undefined) throw new Error(`${requiring.map(flagName).join(', ')} ${requiring.length === 1 ? 'needs' : 'need'} --credentials: nobody could authenticate`);
  checkRegistryPath(flags);
}

/** `--min_allocatable_resources` and `--fair_sharing_excluded_resource_names` as the allocator takes them. */
function checkAllocatorFlags(flags: MasterFlags): void {
  for (const alternative of flags.minAllocatableResources ?? []) {
    for (const [name, value] of Object.entries(alternative)) {
      const invalid = name.length === 0 ? 'an empty name' : scalarError(value);
      if (invalid !== undefined) throw new Error(`${flagName('minAllocatableResources')}: '${name}:${value}': ${invalid}`);
    }
  }
  const factor = flags.allocatorAgentRecoveryFactor;
  if (factor !== undefined && (!Number.isFinite(factor) || factor < 0)) throw new Error(`${flagName('allocatorAgentRecoveryFactor')} must be a non-negative number, not ${factor}`);
  if ((flags.fairSharingExcludedResourceNames ?? []).some((name) => name.length === 0)) {
    throw new Error(`${flagName('fairSharingExcludedResourceNames')} names an empty resource`);
  }
}

/**
 * Mesos' `--min_allocatable_resources` text as the allocator's alternatives: `|` separates the
 * alternatives (any one suffices), `;` the quantities of one (all are needed), each `name:value`
 * with a non-negative number (for ranges and sets, how many items: `ports:2`). A zero quantity
 * is dropped, quantities of one name add up, and an empty text gives no alternative at all (any
 * resources may be offered), as in Mesos. Throws an Error naming the part it cannot read.
 * @example parseMinAllocatableResources('cpus:1;mem:32|disk:64') // [{ cpus: 1, mem: 32 }, { disk: 64 }]
 */
export function parseMinAllocatableResources(text: string): Array<Record<string, number>> {
  return text.split('|').filter((token) => token.length > 0).map((alternative) => {
    const quantities = new Map<string, number>();
    for (const token of alternative.split(';').filter((part) => part.length > 0)) {
      const pair = token.split(':').filter((part) => part.length > 0);
      if (pair.length !== 2) throw new Error(`cannot read '${token}': missing or extra ':'`);
      const name = pair[0].trim();
      const value = pair[1].trim().length === 0 ? Number.NaN : Number(pair[1]);
      if (name.length === 0 || !Number.isFinite(value) || value < 0) throw new Error(`cannot read '${token}': a resource name and a non-negative number are needed`);
      if (value > 0) quantities.set(name, (quantities.get(name) ?? 0) + value);
    }
    return Object.fromEntries(quantities);
  });
}

/** `--fair_sharing_excluded_resource_names` (comma-separated, as Mesos' set flags) as names; empty ones dropped. */
export function parseResourceNameList(text: string): string[] {
  return [...new Set(text.split(',').map((name) => name.trim()).filter((name) => name.length > 0))];
}

/** Minimum allocatable alternatives as Mesos prints `--min_allocatable_resources`: `cpus:0.01|mem:32`. */
function formatMinAllocatable(alternatives: readonly Readonly<Record<string, number>>[]): string {
  return alternatives.map((alternative) => Object.entries(alternative).map(([name, value]) => `${name}:${value}`).join(';')).join('|');
}

/**
 * The command-line flag (Mesos' name) that sets `field` of `MasterFlags`:
 * `allocationIntervalMs` → `--allocation_interval`. Errors name the flag a user of the bins
 * typed, not a field they never saw.
 */
function flagName(field: string): string {
  const flag = field === 'registryPath' ? 'registry' : field.replace(/Ms$/, '').replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  return `--${flag}`;
}

/** `value` of `field` as an error shows it: a duration field's with its unit. */
function describeValue(field: string, value: number): string {
  return field.endsWith('Ms') ? `${value} ms` : String(value);
}

/** The flag a bad registry path came from: `--registry` if given, else the work dir it lies in. */
function registryFlag(flags: MasterFlags): string {
  return flagName(flags.registryPath !== undefined ? 'registryPath' : 'workDir');
}

/** The registry file may be missing (a first start), but it must be named, and not be a directory or a device. */
function checkRegistryPath(flags: MasterFlags): void {
  if (flags.registryPath !== undefined && flags.registryPath.length === 0) throw new Error(`${flagName('registryPath')} must not be empty`);
  const registryPath = registryPathOf(flags);
  let stats: fs.Stats | undefined;
  try {
    // Not `throwIfNoEntry: false`: from Node 22 on it returns nothing for ENOTDIR as well as ENOENT.
    stats = fs.statSync(registryPath);
  } catch (error) {
    // Missing is fine (a first start). ENOTDIR (a file where a directory of the path should be),
    // EACCES, ELOOP: one line that names the path.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${registryFlag(flags)}: cannot use ${registryPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (stats !== undefined && !stats.isFile()) throw new Error(`${registryFlag(flags)}: ${registryPath} is not a file`);
}

/**
 * Every flag of `flags` under its Mesos name, each value as Mesos prints it (durations such as
 * `10mins`, booleans `true`/`false`, JSON flags as JSON), for `/master/flags`, `/flags` and the
 * `flags` of `/master/state`. Secrets never appear: the credentials only by their file's path.
 * @example renderMasterFlags(defaultMasterFlags('/var/lib/mesos')).agent_reregister_timeout // '10mins'
 */
export function renderMasterFlags(flags: MasterFlags): Record<string, string> {
  const rendered: Record<string, string> = { ...(flags.commandLine ?? {}) };
  const set = (name: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) rendered[name] = String(value);
  };
  set('work_dir', flags.workDir);
  set('hostname', flags.hostname);
  set('cluster', flags.cluster);
  set('agent_ping_timeout', formatDuration(flags.agentPingTimeoutMs));
  set('max_agent_ping_timeouts', flags.maxAgentPingTimeouts);
  set('agent_reregister_timeout', formatDuration(flags.agentReregisterTimeoutMs));
  set('offer_timeout', flags.offerTimeoutMs === undefined ? undefined : formatDuration(flags.offerTimeoutMs));
  set('allocation_interval', formatDuration(flags.allocationIntervalMs));
  set('min_allocatable_resources', formatMinAllocatable(flags.minAllocatableResources ?? DEFAULT_MIN_ALLOCATABLE));
  set('fair_sharing_excluded_resource_names', flags.fairSharingExcludedResourceNames?.join(','));
  set('allocator_agent_recovery_factor', flags.allocatorAgentRecoveryFactor ?? DEFAULT_AGENT_RECOVERY_FACTOR);
  set('allocator_recovery_timeout', formatDuration(flags.allocatorRecoveryTimeoutMs ?? DEFAULT_ALLOCATOR_RECOVERY_TIMEOUT_MS));
  set('state_turn_budget', flags.stateTurnBudgetMs === undefined ? undefined : formatDuration(flags.stateTurnBudgetMs));
  set('state_last_turn_offers', flags.stateLastTurnOffers ?? STATE_LAST_TURN_OFFERS);
  set('state_last_turn_tasks', flags.stateLastTurnTasks ?? STATE_LAST_TURN_TASKS);
  set('state_cache_timeout', formatDuration(flags.stateCacheTimeoutMs ?? STATE_CACHE_TIMEOUT_MS));
  set('registry', registryPathOf(flags));
  set('max_completed_frameworks', flags.maxCompletedFrameworks);
  set('max_completed_tasks_per_framework', flags.maxCompletedTasksPerFramework);
  set('max_unreachable_tasks_per_framework', flags.maxUnreachableTasksPerFramework);
  set('rate_limits', flags.rateLimits === undefined ? undefined : JSON.stringify(flags.rateLimits));
  set('max_frameworks_per_peer', flags.maxFrameworksPerPeer);
  set('max_operator_event_stream_subscribers', flags.maxOperatorEventStreamSubscribers);
  set('publish_per_framework_metrics', flags.publishPerFrameworkMetrics !== false);
  set('authenticate_frameworks', flags.authenticateFrameworks === true);
  set('authenticate_http_frameworks', flags.authenticateHttpFrameworks === true);
  set('authenticate_agents', flags.authenticateAgents === true);
  set('authenticate_http_readonly', flags.authenticateHttpReadonly === true);
  set('authenticate_http_readwrite', flags.authenticateHttpReadwrite === true);
  set('credentials', flags.credentialsPath);
  set('acls', flags.acls === undefined ? undefined : JSON.stringify(flags.acls));
  set('check_allocator_invariants', flags.checkAllocatorInvariants);
  return rendered;
}
