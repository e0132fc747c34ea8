/**
 * Fixtures: the Mesos metric names this project claims to report (checked against Mesos'
 * `src/master/metrics.cpp`, `src/slave/metrics.cpp`, `src/master/allocator/mesos/metrics.cpp`,
 * `src/master/registrar.cpp` and libprocess' `system` process). The specs check each one against
 * both `/metrics/snapshot` and `/metrics`.
 */
import { prometheusName, prometheusSeries, type MetricKind } from '../../lib/metrics';
import type { PrometheusFamily } from './prometheus-text';

/** The percentile and window suffixes of a Mesos timer. */
export const TIMER_SUFFIXES = ['count', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'p999', 'p9999'] as const;

/** `libprocess`' system gauges (on every host with a metrics actor). */
export const SYSTEM_NAMES = ['system/cpus_total', 'system/load_1min', 'system/load_5min', 'system/load_15min', 'system/mem_total_bytes', 'system/mem_free_bytes'];

/** The master's Mesos names (gauges and counters, role- and principal-free). */
export const MASTER_NAMES = [
  'master/uptime_secs', 'master/elected',
  'master/slaves_connected', 'master/slaves_disconnected', 'master/slaves_active', 'master/slaves_inactive', 'master/slaves_unreachable',
  'master/frameworks_connected', 'master/frameworks_disconnected', 'master/frameworks_active', 'master/frameworks_inactive',
  'master/outstanding_offers', 'master/operator_event_stream_subscribers',
  'master/tasks_staging', 'master/tasks_starting', 'master/tasks_running', 'master/tasks_killing', 'master/tasks_unreachable',
  'master/tasks_finished', 'master/tasks_failed', 'master/tasks_killed', 'master/tasks_lost', 'master/tasks_error', 'master/tasks_dropped',
  'master/tasks_gone', 'master/tasks_gone_by_operator',
  'master/dropped_messages',
  'master/messages_register_framework', 'master/messages_reregister_framework', 'master/messages_unregister_framework',
  'master/messages_deactivate_framework', 'master/messages_kill_task', 'master/messages_status_update_acknowledgement',
  'master/messages_launch_tasks', 'master/messages_decline_offers', 'master/messages_revive_offers', 'master/messages_suppress_offers',
  'master/messages_reconcile_tasks', 'master/messages_framework_to_executor', 'master/messages_executor_to_framework',
  'master/messages_register_slave', 'master/messages_reregister_slave', 'master/messages_unregister_slave', 'master/messages_status_update',
  'master/messages_exited_executor', 'master/messages_update_slave', 'master/messages_authenticate',
  'master/valid_framework_to_executor_messages', 'master/invalid_framework_to_executor_messages',
  'master/valid_executor_to_framework_messages', 'master/invalid_executor_to_framework_messages',
  'master/valid_status_updates', 'master/invalid_status_updates',
  'master/valid_status_update_acknowledgements', 'master/invalid_status_update_acknowledgements',
  'master/recovery_slave_removals',
  'master/event_queue_messages', 'master/event_queue_dispatches', 'master/event_queue_http_requests',
  'master/slave_registrations', 'master/slave_reregistrations', 'master/slave_removals',
  'master/slave_removals/reason_unhealthy', 'master/slave_removals/reason_unregistered', 'master/slave_removals/reason_registered',
  'master/slave_shutdowns_scheduled', 'master/slave_shutdowns_completed', 'master/slave_shutdowns_canceled',
  'master/slave_unreachable_scheduled', 'master/slave_unreachable_completed', 'master/slave_unreachable_canceled',
  ...['cpus', 'gpus', 'mem', 'disk'].flatMap((name) => [`master/${name}_total`, `master/${name}_used`, `master/${name}_percent`]),
  // Registered always in Mesos (mesos_exporter reads the revocable ones, and logged an error per scrape without them: monitoring walkthrough).
  ...['cpus', 'gpus', 'mem', 'disk'].flatMap((name) => [`master/${name}_revocable_total`, `master/${name}_revocable_used`, `master/${name}_revocable_percent`]),
  'master/messages_resource_request', 'master/http_cache_hits',
  'master/messages_operation_status_update', 'master/messages_operation_status_update_acknowledgement', 'master/messages_reconcile_operations',
  'master/valid_operation_status_updates', 'master/invalid_operation_status_updates',
  'master/valid_operation_status_update_acknowledgements', 'master/invalid_operation_status_update_acknowledgements',
  // Operations by state, overall and by type (all but the launches): Mesos' `OperationStates`.
  ...['', 'reserve/', 'unreserve/', 'create/', 'destroy/', 'grow_volume/', 'shrink_volume/', 'create_disk/', 'destroy_disk/'].flatMap((type) =>
    ['total', 'pending', 'recovering', 'unreachable', 'finished', 'failed', 'error', 'dropped', 'gone_by_operator'].map((state) => `master/operations/${type}${state}`)),
];

/** The registrar's Mesos names (the store timer with its statistics once two writes happened). */
export const REGISTRAR_NAMES = [
  'registrar/queued_operations', 'registrar/registry_size_bytes', 'registrar/state_fetch_ms', 'registrar/state_store_ms',
  ...TIMER_SUFFIXES.map((suffix) => `registrar/state_store_ms/${suffix}`),
];

/** The allocator's Mesos names, given a role with frameworks (after two allocation runs). */
export function allocatorNames(role: string): string[] {
  return [
    'allocator/mesos/allocation_runs', 'allocator/mesos/event_queue_dispatches', 'allocator/event_queue_dispatches',
    'allocator/mesos/allocation_run_ms', ...TIMER_SUFFIXES.map((suffix) => `allocator/mesos/allocation_run_ms/${suffix}`),
    'allocator/mesos/allocation_run_latency_ms', ...TIMER_SUFFIXES.map((suffix) => `allocator/mesos/allocation_run_latency_ms/${suffix}`),
    ...['cpus', 'mem', 'disk'].flatMap((name) => [`allocator/mesos/resources/${name}/total`, `allocator/mesos/resources/${name}/offered_or_allocated`]),
    `allocator/mesos/roles/${role}/shares/dominant`, `allocator/mesos/offer_filters/roles/${role}/active`,
  ];
}

/**
 * Mesos' per-framework names for a framework whose name is `encodedName` (percent-encoded) and
 * id `frameworkId` (src/master/metrics.cpp's `FrameworkMetrics`: every call, event and operation
 * type of the v1 protos but UNKNOWN, every task state as active or terminal).
 */
export function frameworkNames(encodedName: string, frameworkId: string): string[] {
  const calls = ['subscribe', 'teardown', 'accept', 'decline', 'accept_inverse_offers', 'decline_inverse_offers', 'revive', 'kill', 'shutdown',
    'acknowledge', 'acknowledge_operation_status', 'reconcile', 'reconcile_operations', 'message', 'request', 'suppress', 'update_framework'];
  const events = ['subscribed', 'offers', 'inverse_offers', 'rescind', 'rescind_inverse_offer', 'update', 'update_operation_status', 'message',
    'failure', 'error', 'heartbeat'];
  const operations = ['launch', 'launch_group', 'reserve', 'unreserve', 'create', 'destroy', 'grow_volume', 'shrink_volume', 'create_disk', 'destroy_disk'];
  const active = ['task_staging', 'task_starting', 'task_running', 'task_killing', 'task_unreachable', 'task_unknown'];
  const terminal = ['task_finished', 'task_failed', 'task_killed', 'task_error', 'task_lost', 'task_dropped', 'task_gone', 'task_gone_by_operator'];
  return [
    'subscribed', 'calls', ...calls.map((call) => `calls/${call}`), 'events', ...events.map((event) => `events/${event}`),
    'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded', 'operations', ...operations.map((operation) => `operations/${operation}`),
    ...active.map((state) => `tasks/active/${state}`), ...terminal.map((state) => `tasks/terminal/${state}`),
  ].map((metric) => `master/frameworks/${encodedName}/${frameworkId}/${metric}`);
}

/** Mesos' gauges among a framework's names (the rest are counters). */
export function isFrameworkGaugeName(name: string): boolean {
  const metric = /^master\/frameworks\/[^/]+\/[^/]+\/(.+)$/.exec(name)?.[1];
  return metric === 'subscribed' || metric?.startsWith('tasks/active/') === true;
}

/** The agent's Mesos names. */
export const AGENT_NAMES = [
  'slave/uptime_secs', 'slave/registered', 'slave/recovery_errors', 'slave/recovery_time_secs', 'slave/frameworks_active',
  'slave/tasks_staging', 'slave/tasks_starting', 'slave/tasks_running', 'slave/tasks_killing',
  'slave/tasks_finished', 'slave/tasks_failed', 'slave/tasks_killed', 'slave/tasks_lost', 'slave/tasks_gone',
  'slave/executors_registering', 'slave/executors_running', 'slave/executors_terminating', 'slave/executors_terminated', 'slave/executors_preempted',
  'slave/valid_status_updates', 'slave/invalid_status_updates', 'slave/valid_framework_messages', 'slave/invalid_framework_messages',
  'slave/container_launch_errors',
  ...['cpus', 'gpus', 'mem', 'disk'].flatMap((name) => [`slave/${name}_total`, `slave/${name}_used`, `slave/${name}_percent`]),
  ...['cpus', 'gpus', 'mem', 'disk'].flatMap((name) => [`slave/${name}_revocable_total`, `slave/${name}_revocable_used`, `slave/${name}_revocable_percent`]),
  'slave/executor_directory_max_allowed_age_secs',
  'containerizer/mesos/container_destroy_errors',
  'containerizer/fetcher/task_fetches_succeeded', 'containerizer/fetcher/task_fetches_failed', 'containerizer/fetcher/cache_size_total_bytes', 'containerizer/fetcher/cache_size_used_bytes',
  // The agent's garbage collector (Mesos' src/slave/gc.cpp).
  'gc/path_removals_succeeded', 'gc/path_removals_failed', 'gc/path_removals_pending',
];

/** Mesos' counters among the names above (everything else is a gauge, as in Mesos). */
export const MESOS_COUNTERS = new Set([
  ...MASTER_NAMES.filter((name) => /^master\/(messages_|valid_|invalid_|dropped_|slave_(registrations|reregistrations|removals|shutdowns|unreachable)|recovery_slave_removals|tasks_(finished|failed|killed|lost|error|dropped|gone))/.test(name)),
  // Mesos' PushGauges are the non-terminal states; the rest of `OperationStates` are Counters.
  ...MASTER_NAMES.filter((name) => /^master\/operations\/([a-z_]+\/)?(total|finished|failed|error|dropped|gone_by_operator)$/.test(name)),
  'allocator/mesos/allocation_runs',
  ...AGENT_NAMES.filter((name) => /^slave\/(tasks_(finished|failed|killed|lost|gone)|executors_(terminated|preempted)|valid_|invalid_|recovery_errors|container_launch_errors)/.test(name)),
  'gc/path_removals_succeeded', 'gc/path_removals_failed',
  'master/http_cache_hits', 'containerizer/mesos/container_destroy_errors', 'containerizer/fetcher/task_fetches_succeeded', 'containerizer/fetcher/task_fetches_failed',
]);

/**
 * The names of `names` missing from the Prometheus families, each looked for under its
 * Prometheus name (with `_total` for Mesos' counters) and labels, with the value of `snapshot`
 * and the TYPE its Mesos kind gives.
 */
export function missingFromPrometheus(names: readonly string[], snapshot: Readonly<Record<string, number>>, families: ReadonlyMap<string, PrometheusFamily>): string[] {
  return names.filter((name) => {
    const perFramework = name.startsWith('master/frameworks/');
    const kind: MetricKind = (perFramework ? !isFrameworkGaugeName(name) : MESOS_COUNTERS.has(name)) ? 'counter' : 'gauge';
    const series = prometheusSeries(name);
    const family = families.get(prometheusName(series.family, kind));
    const sample = family?.samples.find((candidate) => sameLabels(candidate.labels, series.labels));
    return family?.type !== kind || sample === undefined || sample.value !== snapshot[name];
  });
}

function sameLabels(left: Readonly<Record<string, string>>, right: Readonly<Record<string, string>>): boolean {
  const sorted = (labels: Readonly<Record<string, string>>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  return sorted(left) === sorted(right);
}
