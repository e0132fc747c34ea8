/**
 * Limits and defaults of the master (DESIGN.md §10; values from Mesos' `master/constants.hpp`
 * and master flags). Each default can be overridden through `MasterFlags`.
 */
import { DEFAULT_ALLOCATION_INTERVAL_MS, DEFAULT_REFUSE_SECONDS } from '../allocator/constants';

/** The master's actor id on its host (`master@ip:port`, served at `/master/...`). */
export const MASTER_ACTOR_ID = 'master';

/** The metrics actor's id; its route `/snapshot` serves `/metrics/snapshot`. */
export const METRICS_ACTOR_ID = 'metrics';

/** The master pings each agent this often and expects a pong before the next ping (Mesos `--agent_ping_timeout`). */
export const AGENT_PING_TIMEOUT_MS = 15_000;

/** Consecutive pings without a pong after which an agent is removed as unreachable (Mesos `--max_agent_ping_timeouts`). */
export const MAX_AGENT_PING_TIMEOUTS = 5;

/** A disconnected or recovered agent that does not re-register within this long is removed (Mesos `--agent_reregister_timeout`, 10 min). */
export const AGENT_REREGISTER_TIMEOUT_MS = 10 * 60 * 1000;

/** Offers are not rescinded after a while unless a timeout is set, as in Mesos (`--offer_timeout` has no default). */
export const DEFAULT_OFFER_TIMEOUT_MS: number | undefined = undefined;

/** Time between batched allocation runs (Mesos `--allocation_interval`, 1 s). */
export const DEFAULT_MASTER_ALLOCATION_INTERVAL_MS = DEFAULT_ALLOCATION_INTERVAL_MS;

/** Resources left unused by an accept, or declined, are not re-offered to the framework for this long (Mesos `Filters.refuse_seconds`). */
export const DEFAULT_MASTER_REFUSE_SECONDS = DEFAULT_REFUSE_SECONDS;

/** Seconds a disconnected framework keeps its tasks before it is torn down (Mesos `FrameworkInfo.failover_timeout` default). */
export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = 0;

/** Completed (torn down) frameworks kept for the HTTP endpoints; older ones are forgotten (Mesos `--max_completed_frameworks`). */
export const MAX_COMPLETED_FRAMEWORKS = 50;

/** Completed tasks kept per framework for the HTTP endpoints (Mesos `--max_completed_tasks_per_framework`). */
export const MAX_COMPLETED_TASKS_PER_FRAMEWORK = 1000;

/** Unreachable tasks kept per framework, for reconciliation and the HTTP endpoints (Mesos `--max_unreachable_tasks_per_framework`). */
export const MAX_UNREACHABLE_TASKS_PER_FRAMEWORK = 1000;

/** Statuses kept per task; the oldest are dropped first (a task that flaps must not grow without bound). */
export const MAX_STATUSES_PER_TASK = 100;

/** Agents remembered as removed or unreachable, in memory and in the registry (Mesos `MAX_REMOVED_SLAVES`). */
export const MAX_REMOVED_AGENTS = 100_000;

/** Longest task, executor, agent or framework id accepted (Mesos: the file-name limit, as ids become directory names). */
export const MAX_ID_LENGTH = 255;

/** Name of the registry file inside the work dir. */
export const REGISTRY_FILE_NAME = 'registry.json';

/** Version of the registry file's format; a file with another version is refused. */
export const REGISTRY_FORMAT_VERSION = 1;

/** Framework ids are `<masterId>-<NNNN>`: the counter is zero-padded to this many digits, as in Mesos. */
export const FRAMEWORK_ID_DIGITS = 4;

/** Name of the input a traced master host records at start (flags and registry), from which `replayMaster` builds the master. */
export const MASTER_START_INPUT = 'master-start';
