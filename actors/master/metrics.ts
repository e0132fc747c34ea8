/**
 * The master's metrics, under Mesos' key names (`master/tasks_running`, `master/slaves_active`,
 * ...), those Mesos does not have under `mesos_ts/master/...`, and the source through which the
 * host's `metrics` actor (lib/metrics) serves them, with the registrar's and the allocator's, at
 * `/metrics/snapshot` and `/metrics`.
 */
import { dispatch, type Actor, type EventQueueCounts } from '../../lib/actor';
import type { MetricKind, MetricsSource } from '../../lib/metrics';
import type { TaskState } from '../../lib/protocol';
import { ALLOCATOR_COUNTERS } from '../allocator/allocator-process';
import type { Allocator } from '../allocator/allocator';
import type { MasterState } from './state';
import { FRAMEWORK_METRIC_KEY, frameworkMetricPrefix, isFrameworkGauge } from './framework-metrics';

/** The master's counters that Mesos has (its names, without the `master/` prefix). */
export const MASTER_COUNTERS = [
  'messages_register_framework', 'messages_reregister_framework', 'messages_unregister_framework',
  'messages_deactivate_framework', 'messages_launch_tasks', 'messages_decline_offers',
  'messages_revive_offers', 'messages_suppress_offers', 'messages_kill_task', 'messages_status_update_acknowledgement',
  'messages_reconcile_tasks', 'messages_framework_to_executor', 'messages_register_slave', 'messages_reregister_slave',
  'messages_unregister_slave', 'messages_status_update', 'messages_exited_executor',
  'messages_executor_to_framework', 'messages_update_slave', 'messages_authenticate',
  'valid_status_updates', 'invalid_status_updates',
  'valid_status_update_acknowledgements', 'invalid_status_update_acknowledgements',
  'valid_framework_to_executor_messages', 'invalid_framework_to_executor_messages',
  'valid_executor_to_framework_messages', 'invalid_executor_to_framework_messages',
  'dropped_messages',
  'slave_registrations', 'slave_reregistrations', 'slave_removals',
  'slave_removals/reason_unhealthy', 'slave_removals/reason_unregistered', 'slave_removals/reason_registered',
  'slave_unreachable_scheduled', 'slave_unreachable_completed', 'slave_unreachable_canceled',
  // Mesos keeps these for compatibility and never counts them (since 1.1 an unhealthy agent is
  // marked unreachable, not shut down: slave_unreachable_*); neither does this master.
  'slave_shutdowns_scheduled', 'slave_shutdowns_completed', 'slave_shutdowns_canceled',
  // Agents of the registry that did not re-register within --agent_reregister_timeout after a master restart.
  'recovery_slave_removals',
  'tasks_finished', 'tasks_failed', 'tasks_killed', 'tasks_lost', 'tasks_error', 'tasks_dropped', 'tasks_gone',
  'tasks_gone_by_operator',
  // A v1 REQUEST call (Mesos' resourceRequest; the allocator ignores it, in Mesos too).
  'messages_resource_request',
  // A read-only request answered with a rendering already under way for the same caller (Mesos'
  // batched read-only requests, "http_cache_hits").
  'http_cache_hits',
  // Offer operation feedback. No agent here supports it, so only the calls and the acknowledgements
  // (each invalid, as Mesos counts one for an agent without feedback) are ever counted; the rest are
  // kept, as Mesos always registers them, for tools that read every one (mesos_exporter).
  'messages_operation_status_update', 'messages_operation_status_update_acknowledgement', 'messages_reconcile_operations',
  'valid_operation_status_updates', 'invalid_operation_status_updates',
  'valid_operation_status_update_acknowledgements', 'invalid_operation_status_update_acknowledgements',
] as const;

/** The master's counters that Mesos does not have: reported as `mesos_ts/master/<name>`. */
export const OWN_MASTER_COUNTERS = [
  // Messages Mesos handles without counting them (its Accept call counts under no message metric; pongs go to the agent's observer).
  'messages_accept_offers', 'messages_pong',
  // The v1 SHUTDOWN call (Mesos has no message, so no metric, for it).
  'messages_shutdown_executor',
  // The master's and the allocator's books disagreed (each is a bug; tests fail on them).
  'allocator_refusals', 'unfit_allocations',
  // Framework calls whose body failed validation (each answered with a FrameworkError).
  'invalid_framework_calls',
  // Conversions of an ACCEPT dropped as invalid or not authorized, and operations refused for asking for feedback (Mesos logs them).
  'invalid_offer_operations',
  // Authentication (issue 9): responses received, exchanges completed and failed; registrations refused for want of it.
  'messages_authentication_response', 'authentication_successes', 'authentication_failures',
  'unauthenticated_registrations_refused',
] as const;

/** The prefix of the master's own (non-Mesos) metrics. */
export const OWN_MASTER_PREFIX = 'mesos_ts/master/';

/** The snapshot key of counter `name`: `master/<name>`, or `mesos_ts/master/<name>` for ours. */
export function masterCounterKey(name: MasterCounter): string {
  return OWN_COUNTER_NAMES.has(name) ? `${OWN_MASTER_PREFIX}${name}` : `master/${name}`;
}

const OWN_COUNTER_NAMES: ReadonlySet<string> = new Set(OWN_MASTER_COUNTERS);

/** One counter name. */
export type MasterCounter = (typeof MASTER_COUNTERS)[number] | (typeof OWN_MASTER_COUNTERS)[number];

/** Counters of terminal task states, by state. */
const TERMINAL_STATE_COUNTERS: Partial<Record<TaskState, MasterCounter>> = {
  TASK_FINISHED: 'tasks_finished',
  TASK_FAILED: 'tasks_failed',
  TASK_KILLED: 'tasks_killed',
  TASK_LOST: 'tasks_lost',
  TASK_ERROR: 'tasks_error',
  TASK_DROPPED: 'tasks_dropped',
  TASK_GONE: 'tasks_gone',
  TASK_GONE_BY_OPERATOR: 'tasks_gone_by_operator',
};

/** The master's counters; they only grow. */
export class MasterCounters {
  /** Value by counter name. */
  private readonly values = new Map<MasterCounter, number>([...MASTER_COUNTERS, ...OWN_MASTER_COUNTERS].map((name) => [name, 0]));

  /** Adds one to `name`. */
  increment(name: MasterCounter): void {
    this.values.set(name, (this.values.get(name) ?? 0) + 1);
  }

  /** Counts a task that reached terminal state `state` (no-op for non-terminal states). */
  taskReached(state: TaskState): void {
    const counter = TERMINAL_STATE_COUNTERS[state];
    if (counter !== undefined) this.increment(counter);
  }

  /** The current value of `name`. */
  get(name: MasterCounter): number {
    return this.values.get(name) ?? 0;
  }

  /** Every counter, keyed `master/<name>` (Mesos') or `mesos_ts/master/<name>` (ours). */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].map(([name, value]) => [masterCounterKey(name), value]));
  }
}

/**
 * Distinct `master/<state>/<source>/<reason>` counters kept at most. Reasons come from peers
 * (bounded text, not an enum as in Mesos), so their number is bounded too: beyond this, new
 * combinations are not counted (the per-state counters still are).
 */
export const MAX_TASK_REASON_COUNTERS = 512;

/** What a status reason must look like to be counted (Mesos' `TaskStatus.Reason` names). */
const REASON_NAME = /^REASON_[A-Z0-9_]+$/;

/**
 * Mesos' `master/<state>/<source>/<reason>` counters (e.g.
 * `master/task_failed/source_slave/reason_executor_terminated`): tasks that reached a terminal
 * state with a reason, by the state, the status's source and its reason, lowercased. Mesos'
 * spelling is kept: `SOURCE_AGENT` and `REASON_AGENT_*` (this project's "agent" for "slave")
 * count as `source_slave` and `reason_slave_*`.
 */
export class TaskReasonCounters {
  /** Count by key. */
  private readonly counts = new Map<string, number>();

  /** Counts a task that reached terminal `state` through a status with `source` and `reason` (none without both). */
  reached(state: TaskState, source: string | undefined, reason: string | undefined): void {
    if (source === undefined || reason === undefined || !REASON_NAME.test(reason)) return;
    const key = taskReasonKey(state, source, reason);
    const count = this.counts.get(key);
    if (count === undefined && this.counts.size >= MAX_TASK_REASON_COUNTERS) return;
    this.counts.set(key, (count ?? 0) + 1);
  }

  /** Every counter, by its Mesos key. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** `master/<state>/<source>/<reason>`, lowercased, in Mesos' spelling. */
export function taskReasonKey(state: TaskState, source: string, reason: string): string {
  const mesosSource = source === 'SOURCE_AGENT' ? 'SOURCE_SLAVE' : source;
  const mesosReason = reason.startsWith('REASON_AGENT_') ? `REASON_SLAVE_${reason.slice('REASON_AGENT_'.length)}` : reason;
  return `master/${state.toLowerCase()}/${mesosSource.toLowerCase()}/${mesosReason.toLowerCase()}`;
}

/** Keys of `TaskReasonCounters` (counters). */
const TASK_REASON_KEY = /^master\/task_[a-z_]+\/source_[a-z]+\/reason_[a-z0-9_]+$/;

/**
 * Mesos' per-principal framework counters, `frameworks/<principal>/messages_received` and
 * `.../messages_processed` (no `master/` prefix, as in Mesos): messages from registered
 * frameworks with that principal that reached the master, and that it handled (with
 * `--rate_limits`, the difference is what waits). A principal's counters exist while a
 * registered framework has it, so peers cannot grow this table past the frameworks the master
 * holds anyway.
 */
export class PrincipalCounters {
  /** Counts by principal. */
  private readonly counts = new Map<string, { received: number; processed: number }>();

  /** Counts a message received from a framework of `principal` (registered: see `hasPrincipal`). */
  received(principal: string): void {
    this.entry(principal).received++;
  }

  /** Counts a message of `principal` handled. */
  processed(principal: string): void {
    this.entry(principal).processed++;
  }

  /** Every principal's counters (a principal is counted only while a registered framework has it: `forget`). */
  snapshot(): Record<string, number> {
    const snapshot: Record<string, number> = {};
    for (const [principal, { received, processed }] of this.counts) {
      snapshot[`frameworks/${principal}/messages_received`] = received;
      snapshot[`frameworks/${principal}/messages_processed`] = processed;
    }
    return snapshot;
  }

  /** Drops the counters of `principal` (its last framework is gone; Mesos removes them then). */
  forget(principal: string): void {
    this.counts.delete(principal);
  }

  private entry(principal: string): { received: number; processed: number } {
    let entry = this.counts.get(principal);
    if (entry === undefined) this.counts.set(principal, (entry = { received: 0, processed: 0 }));
    return entry;
  }
}

/** What the gauges are computed from. */
export interface GaugeContext {
  readonly state: MasterState;
  readonly startTimeMs: number;
  readonly nowMs: number;
  /** What waits in the master's mailbox (`master/event_queue_*`). */
  readonly eventQueue: EventQueueCounts;
}

/** The master's metrics: counters plus gauges computed from its books. */
export function masterMetrics(counters: MasterCounters, context: GaugeContext): Record<string, number> {
  return { ...counters.snapshot(), ...agentGauges(context.state), ...frameworkGauges(context.state), ...taskGauges(context.state),
    ...resourceGauges(context.state),
    'master/uptime_secs': (context.nowMs - context.startTimeMs) / 1000,
    'master/elected': 1,
    'master/outstanding_offers': context.state.offers.size,
    'master/event_queue_messages': context.eventQueue.messages,
    'master/event_queue_dispatches': context.eventQueue.dispatches,
    'master/event_queue_http_requests': context.eventQueue.httpRequests,
  };
}

function agentGauges(state: MasterState): Record<string, number> {
  // Counted by the books as agents change (no copy and walk of 100k agents per scrape).
  const agents = state.agents.size;
  const connected = state.connectedAgentCount;
  const active = state.activeAgentCount;
  return {
    'master/slaves_connected': connected,
    'master/slaves_disconnected': agents - connected,
    'master/slaves_active': active,
    'master/slaves_inactive': agents - active,
    'master/slaves_unreachable': state.unreachableAgents.size,
    // Not in Mesos: agents of the registry that have not re-registered since this master started.
    'mesos_ts/master/recovered_slaves': state.recoveredAgents.size,
  };
}

function frameworkGauges(state: MasterState): Record<string, number> {
  const frameworks = [...state.frameworks.values()];
  const connected = frameworks.filter((framework) => framework.connected).length;
  const active = frameworks.filter((framework) => framework.active).length;
  return {
    'master/frameworks_connected': connected,
    'master/frameworks_disconnected': frameworks.length - connected,
    'master/frameworks_active': active,
    'master/frameworks_inactive': frameworks.length - active,
  };
}

function taskGauges(state: MasterState): Record<string, number> {
  const counts = state.activeTaskCounts();
  return {
    'master/tasks_staging': counts.get('TASK_STAGING') ?? 0,
    'master/tasks_starting': counts.get('TASK_STARTING') ?? 0,
    'master/tasks_running': counts.get('TASK_RUNNING') ?? 0,
    'master/tasks_killing': counts.get('TASK_KILLING') ?? 0,
    'master/tasks_unreachable': state.unreachableTaskCount(),
  };
}

/** The scalars the master's resource gauges report, in Mesos' order. */
export const GAUGED_RESOURCES = ['cpus', 'gpus', 'mem', 'disk'] as const;

/**
 * `master/<name>_total`, `_used` and `_percent` for cpus, gpus, mem and disk over the registered
 * agents, read from the sums the books keep as agents, tasks and executors change
 * (`MasterState.totalTally` / `usedTally`): O(1) per scrape at any cluster size.
 */
function resourceGauges(state: MasterState): Record<string, number> {
  const gauges: Record<string, number> = {};
  for (const name of GAUGED_RESOURCES) {
    const total = state.totalTally.totalOf(name);
    const used = state.usedTally.totalOf(name);
    gauges[`master/${name}_total`] = round(total);
    gauges[`master/${name}_used`] = round(used);
    gauges[`master/${name}_percent`] = total > 0 ? used / total : 0;
    // Mesos registers these always; no resource is revocable here (oversubscription is not built).
    gauges[`master/${name}_revocable_total`] = 0;
    gauges[`master/${name}_revocable_used`] = 0;
    gauges[`master/${name}_revocable_percent`] = 0;
  }
  return gauges;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Mesos' per-framework metrics (framework-metrics.ts) of every framework the master holds:
 * registered ones, and completed ones while they stay in its history. O(frameworks) keys, ~70
 * each: `--publish_per_framework_metrics=false` leaves them out (Mesos' flag, for masters with
 * many frameworks).
 */
export function perFrameworkMetrics(state: MasterState): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const framework of state.frameworks.values()) {
    framework.metrics.snapshot(frameworkMetricPrefix(framework.info.name, framework.id), framework.connected, state.taskSummaries.frameworkCounts(framework.id), metrics);
  }
  for (const framework of state.completedFrameworks) {
    // Its tasks left the books with it: no task of it is active any more.
    framework.metrics.snapshot(frameworkMetricPrefix(framework.info.name, framework.id), false, undefined, metrics);
  }
  return metrics;
}

/** Where `masterMetricsSource` gets the master's metrics. */
export interface MasterMetricsProvider extends Actor {
  /** The master's metrics with its registrar's (runs inside its mailbox). */
  metrics(): Record<string, number>;
}

/** Whether a key of the master's, its registrar's or its allocator's metrics is a counter. */
export function masterMetricKind(key: string): MetricKind {
  if (COUNTER_KEYS.has(key) || ALLOCATOR_COUNTERS.has(key)) return 'counter';
  const perFramework = FRAMEWORK_METRIC_KEY.exec(key);
  if (perFramework !== null) return isFrameworkGauge(perFramework[3] ?? '') ? 'gauge' : 'counter';
  return PRINCIPAL_COUNTER_KEY.test(key) || TASK_REASON_KEY.test(key) || OPERATION_COUNTER_KEY.test(key) ? 'counter' : 'gauge';
}

/** Mesos' operation metrics that are Counters (operations.ts `OperationMetrics`; pending, recovering and unreachable are its PushGauges). */
const OPERATION_COUNTER_KEY = /^master\/operations\/([a-z_]+\/)?(total|finished|failed|error|dropped|gone_by_operator)$/;

const COUNTER_KEYS: ReadonlySet<string> = new Set([...MASTER_COUNTERS, ...OWN_MASTER_COUNTERS].map(masterCounterKey));
const PRINCIPAL_COUNTER_KEY = /^frameworks\/.+\/messages_(received|processed)$/s;

/**
 * The master's metrics as a source of the host's `metrics` actor: the master's (with its
 * registrar's) and the allocator's, each asked through its mailbox. The allocator's are left out
 * if it fails to answer.
 */
export function masterMetricsSource(master: MasterMetricsProvider, allocator: Allocator): MetricsSource {
  return {
    read: async () => {
      const [own, allocation] = await Promise.all([
        dispatch(master, (process) => process.metrics()),
        allocator.metrics().catch((): Record<string, number> => ({})),
      ]);
      return { ...own, ...allocation };
    },
    kindOf: masterMetricKind,
  };
}
