/**
 * Limits and defaults that the master and the agent must agree on, defined once (values from
 * Mesos' `master/constants.hpp` and `slave/constants.hpp`). The master's flags override some of
 * them for the master; the agent derives its own timeouts from them.
 */

import { appendBounded, NO_ITEMS } from '../exact-arrays';

/** The master pings each agent this often and expects a pong before the next ping (Mesos `--agent_ping_timeout`). */
export const AGENT_PING_TIMEOUT_MS = 15_000;

/** Consecutive pings without a pong after which the master removes an agent (Mesos `--max_agent_ping_timeouts`). */
export const MAX_AGENT_PING_TIMEOUTS = 5;

/** Completed frameworks kept for the state endpoints, by the master and by each agent (Mesos: 50). */
export const MAX_COMPLETED_FRAMEWORKS = 50;

/** Offers declined or left unused are not offered again to that framework for this long, unless it says otherwise (Mesos `Filters.refuse_seconds`). */
export const DEFAULT_REFUSE_SECONDS = 5;

/** Statuses kept per task, the oldest dropped first, so a task that flaps does not grow without bound. */
export const MAX_STATUSES_PER_TASK = 100;

/** Most HTTP statuses an HTTP health check may list (`HealthCheck.http.statuses`). */
export const MAX_CHECK_STATUSES = 1_024;

/** Longest framework or task name. */
export const MAX_NAME_LENGTH = 1_024;
/** Longest host name (DNS: 253 characters, plus room for a trailing dot). */
export const MAX_HOSTNAME_LENGTH = 255;
/** Longest role, user, principal, version, reason, uuid, address or attribute. */
export const MAX_SHORT_TEXT_LENGTH = 1_024;
/** The most distinct allocation roles one task's resources may name (`TaskInfo.allocationRoles`): one task's resources come from offers of one role. */
export const MAX_TASK_ALLOCATION_ROLES = 8;
/**
 * The most tasks one task group (LAUNCH_GROUP) may hold. Mesos sets none; its groups are pods of a
 * few containers that share one executor. The bound keeps one group within a RunTaskGroup message
 * an agent takes.
 */
export const MAX_TASK_GROUP_TASKS = 1_000;
/** The most ports, and labels, a task's `discovery` may list. */
export const MAX_DISCOVERY_ENTRIES = 1_024;
/** The most roles a framework's `offerFilters` may name. */
export const MAX_OFFER_FILTER_ROLES = 1_024;
/** The most alternatives one role's `minAllocatableResources` may list. */
export const MAX_MIN_ALLOCATABLE_ALTERNATIVES = 64;
/** The most URIs one command may have the agent fetch (`CommandInfo.uris`; Mesos has no bound). */
export const MAX_COMMAND_URIS = 256;
/** Longest URI, and longest `outputFile`, a command may have the agent fetch. */
export const MAX_URI_LENGTH = 8 * 1024;
/** Longest status update message (an executor's words about a task). */
export const MAX_STATUS_MESSAGE_LENGTH = 64 * 1024;

/**
 * Most tasks one explicit reconciliation names (`ReconcileTasks.statuses`; Mesos has no bound).
 * Each named task is answered with a status update: 500,000 in one 7.9 MB message took a master
 * from 72 to 661 MB. A framework with more tasks reconciles them in batches.
 */
export const MAX_RECONCILE_TASKS = 100_000;

/** Most operations one RECONCILE_OPERATIONS names (`ReconcileOperations.operations`; each answered with an event, as a reconciled task; Mesos has no bound). */
export const MAX_RECONCILE_OPERATIONS = 100_000;

/**
 * Most frameworks, executors and tasks an agent's re-registration may report (Mesos has no
 * bound). The master adopts what a re-registering agent it does not know reports, frameworks
 * included: 50,000 made-up frameworks in one 11 MB message held a master for 17 s and grew it by
 * 610 MB. Far above what one agent runs.
 */
export const MAX_AGENT_REPORTED_FRAMEWORKS = 10_000;
export const MAX_AGENT_REPORTED_TASKS = 100_000;
/** Most operations with feedback an agent reports (re-registering) or one CheckpointResources carries out. */
export const MAX_AGENT_REPORTED_OPERATIONS = 100_000;
/** Most capabilities an agent may advertise (Mesos has eight). */
export const MAX_AGENT_CAPABILITIES = 64;

/**
 * Most entries (distinct names and roles) in one resource list: an agent's, a task's, an
 * executor's. The resource algebra is quadratic in them, and any peer may register an agent:
 * 20,000 kept the master busy for 1.3 s at the agent's admission, and a 16 MB frame could hold
 * 300,000.
 */
export const MAX_RESOURCE_ENTRIES = 1_024;

/**
 * The `statuses` of a task that has none yet, shared by every such task (frozen: `withStatus`
 * makes a new list for the first status, and nothing writes a task's list in place). A list of its
 * own was 32 bytes a task on the master and again on the agent, each promoted at 100k agents.
 */
export const NO_STATUSES = NO_ITEMS as never[];

/**
 * A task's `statuses` with `status` appended and the oldest dropped past `MAX_STATUSES_PER_TASK`,
 * as a new array of exactly its length (`appendBounded`: a push grew a task's empty statuses to
 * room for 17 on its first status, on the master and again on the agent). `replaceSameState`: the
 * last status is replaced when it is of the same state (the master keeps one status per
 * consecutive state, as Mesos does).
 */
export function withStatus<T extends { readonly state: string }>(statuses: readonly T[] | undefined, status: T, replaceSameState: boolean): T[] {
  const list = statuses ?? [];
  const sameState = replaceSameState && list.length > 0 && list[list.length - 1]?.state === status.state;
  return appendBounded(list, [status], MAX_STATUSES_PER_TASK, sameState ? list.length - 1 : list.length);
}

/** What a status update weighs beyond its `data` and `message` (ids, states, timestamps), for the byte bounds on updates kept. */
export const UPDATE_OVERHEAD_BYTES = 256;

/**
 * A status update's weight for the bounds on the bytes of updates kept until acknowledged (an
 * executor's `MAX_UNACKNOWLEDGED_UPDATE_BYTES`, an agent's `MAX_PENDING_UPDATE_BYTES_PER_FRAMEWORK`):
 * its `data` and `message` (characters; the cluster carries them as text) and `UPDATE_OVERHEAD_BYTES`.
 */
export function statusUpdateBytes(update: { readonly status: { readonly data?: string; readonly message?: string } }): number {
  return UPDATE_OVERHEAD_BYTES + (update.status.data?.length ?? 0) + (update.status.message?.length ?? 0);
}
