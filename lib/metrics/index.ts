/**
 * Metrics as Mesos names them, served at `/metrics/snapshot` (JSON) and `/metrics` (Prometheus
 * text) by one `metrics` actor per host. See README "Metrics" for the naming rule.
 */
export { attachMetricsSource, DEFAULT_METRICS_TIMEOUT_MS, METRICS_ACTOR_ID, METRICS_ENDPOINT, metricsAccess, MetricsProcess, type DetachMetrics, type MetricsAccess, type MetricsSource } from './metrics-process';
export {
  LABELLED_KEYS, OWN_METRICS_PREFIX, PROMETHEUS_CONTENT_TYPE, PROMETHEUS_NAME_PREFIX, prometheusName, prometheusSeries, renderPrometheus,
  type MetricKind, type PrometheusSeries,
} from './prometheus';
export { osSystemProbe, SYSTEM_METRICS, systemMetrics, type SystemProbe } from './system';
export { DEFAULT_TIMER_WINDOW_MS, MetricTimer, MIN_TIMER_STATISTICS_SAMPLES, TIMER_CAPACITY, TIMER_PERCENTILES, TIMER_STATISTICS, timerStatistics } from './timer';
