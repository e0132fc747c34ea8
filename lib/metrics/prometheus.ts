/**
 * Renders a `/metrics/snapshot` (a flat object of slash-separated keys, Mesos' form) as
 * Prometheus text exposition format 0.0.4, with prom-client.
 *
 * Naming rule (README "Metrics"):
 * - a key becomes `mesos_` + the key with every character outside `[A-Za-z0-9_]` turned into
 *   `_` (`master/tasks_running` → `mesos_master_tasks_running`); a key of our own, under
 *   `mesos_ts/`, becomes `mesos_ts_...` (`mesos_ts/master/allocator_refusals` →
 *   `mesos_ts_master_allocator_refusals_total`), never `mesos_mesos_ts_...`;
 * - counters end in `_total` (Prometheus' convention); everything else is a gauge;
 * - the variable parts of a key (a role, a resource name, a principal) become labels:
 *   `allocator/mesos/roles/eng/shares/dominant` → `mesos_allocator_mesos_roles_shares_dominant{role="eng"}`
 *   (`LABELLED_KEYS` lists them);
 * - a timer's window statistics (`<timer>/p50` ... `/p9999`) become `<timer>_window{quantile="0.5"}` ...,
 *   and `<timer>/count`, `/min`, `/max` become `<timer>_window_count`, `_window_min`, `_window_max`.
 *
 * HELP names the snapshot key each family comes from. A key that would render as a series
 * already rendered (two keys that differ only in punctuation) is left out, as is a value that is
 * not a finite number.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { TIMER_PERCENTILES } from './timer';

/** The Content-Type of the rendered text (`text/plain; version=0.0.4; charset=utf-8`). */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** The prefix of the keys of metrics Mesos does not have (ours), in `/metrics/snapshot`. */
export const OWN_METRICS_PREFIX = 'mesos_ts/';

/** The prefix of every Prometheus name rendered from a Mesos key. */
export const PROMETHEUS_NAME_PREFIX = 'mesos_';

/** Whether a snapshot key is a counter (only grows) or a gauge. */
export type MetricKind = 'counter' | 'gauge';

/** Where one snapshot key goes in the exposition: a family (as a snapshot-style key), and its labels. */
export interface PrometheusSeries {
  /** The family, still slash-separated (`allocator/mesos/roles/shares/dominant`); rendered by `prometheusName`. */
  readonly family: string;
  /** Label values by label name (may be empty). */
  readonly labels: Readonly<Record<string, string>>;
  /** The key with its variable parts named (`allocator/mesos/roles/<role>/shares/dominant`), for HELP. */
  readonly pattern: string;
}

/** One key shape whose variable parts become labels. */
interface LabelledKey {
  readonly match: RegExp;
  /** The family and labels of a matching key, from the match's groups. */
  readonly series: (groups: readonly string[]) => PrometheusSeries;
}

/** The Mesos keys with variable parts, and their labels. Roles and principals may hold '/', so they match greedily against a fixed suffix. */
export const LABELLED_KEYS: readonly LabelledKey[] = [
  {
    match: /^allocator\/mesos\/roles\/(.+)\/shares\/dominant$/s,
    series: ([role = '']) => ({ family: 'allocator/mesos/roles/shares/dominant', labels: { role }, pattern: 'allocator/mesos/roles/<role>/shares/dominant' }),
  },
  {
    match: /^allocator\/mesos\/offer_filters\/roles\/(.+)\/active$/s,
    series: ([role = '']) => ({ family: 'allocator/mesos/offer_filters/roles/active', labels: { role }, pattern: 'allocator/mesos/offer_filters/roles/<role>/active' }),
  },
  {
    match: /^allocator\/mesos\/resources\/([^/]+)\/(total|offered_or_allocated)$/s,
    series: ([resource = '', which = '']) => ({ family: `allocator/mesos/resources/${which}`, labels: { resource }, pattern: `allocator/mesos/resources/<resource>/${which}` }),
  },
  {
    match: /^allocator\/mesos\/quota\/roles\/(.+)\/resources\/([^/]+)\/(guarantee|limit|consumed|offered_or_allocated)$/s,
    series: ([role = '', resource = '', which = '']) => ({
      family: `allocator/mesos/quota/roles/resources/${which}`, labels: { role, resource }, pattern: `allocator/mesos/quota/roles/<role>/resources/<resource>/${which}`,
    }),
  },
  {
    match: /^master\/(task_[a-z_]+)\/(source_[a-z]+)\/(reason_[a-z0-9_]+)$/s,
    series: ([state = '', source = '', reason = '']) => ({ family: 'master/task_state_reasons', labels: { state, source, reason }, pattern: 'master/<state>/<source>/<reason>' }),
  },
  {
    // Mesos' per-framework metrics: the framework's name (percent-encoded, so no '/') and id as labels.
    match: /^master\/frameworks\/([^/]+)\/([^/]+)\/(.+)$/s,
    series: ([name = '', id = '', metric = '']) => ({
      family: `master/frameworks/${metric}`, labels: { framework_name: decodedName(name), framework_id: id }, pattern: `master/frameworks/<name>/<framework id>/${metric}`,
    }),
  },
  {
    match: /^frameworks\/(.+)\/messages_(received|processed)$/s,
    series: ([principal = '', which = '']) => ({ family: `frameworks/messages_${which}`, labels: { principal }, pattern: `frameworks/<principal>/messages_${which}` }),
  },
];

/** A per-framework key's name part, percent-decoded (as it was registered); as it is if it does not decode. */
function decodedName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** A timer's statistic key: `<timer>_<unit>/<statistic>`. */
const TIMER_STATISTIC_KEY = /^(.+_(?:ms|secs|us|ns))\/(count|min|max|p\d+)$/;

/** Quantile label values by percentile suffix (`p999` → `0.999`). */
const QUANTILES = new Map<string, string>(TIMER_PERCENTILES.map(([suffix, fraction]) => [suffix, String(fraction)]));

/** Where `key` goes: its family and labels. */
export function prometheusSeries(key: string): PrometheusSeries {
  for (const labelled of LABELLED_KEYS) {
    const match = labelled.match.exec(key);
    if (match !== null) return labelled.series(match.slice(1));
  }
  const statistic = TIMER_STATISTIC_KEY.exec(key);
  if (statistic !== null) {
    const [, timer = '', which = ''] = statistic;
    const quantile = QUANTILES.get(which);
    if (quantile !== undefined) return { family: `${timer}_window`, labels: { quantile }, pattern: `${timer}/p<percentile>` };
    if (which === 'count' || which === 'min' || which === 'max') return { family: `${timer}_window_${which}`, labels: {}, pattern: key };
  }
  return { family: key, labels: {}, pattern: key };
}

/** The Prometheus name of a family (see the module's naming rule); counters end in `_total`. */
export function prometheusName(family: string, kind: MetricKind): string {
  const own = family.startsWith(OWN_METRICS_PREFIX);
  const rest = own ? family.slice(OWN_METRICS_PREFIX.length) : family;
  const base = `${own ? 'mesos_ts_' : PROMETHEUS_NAME_PREFIX}${rest.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return kind === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}

/** One family being built: its kind, metric object, and the series it has. */
interface Family {
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
  readonly metric: Counter<string> | Gauge<string>;
  readonly series: Set<string>;
}

/**
 * `snapshot` as Prometheus text; `kindOf` says which keys are counters.
 *
 * @example
 *   await renderPrometheus({ 'master/tasks_running': 3, 'allocator/mesos/roles/eng/shares/dominant': 0.5 }, () => 'gauge');
 *   // # HELP mesos_allocator_mesos_roles_shares_dominant Mesos' allocator/mesos/roles/<role>/shares/dominant
 *   // # TYPE mesos_allocator_mesos_roles_shares_dominant gauge
 *   // mesos_allocator_mesos_roles_shares_dominant{role="eng"} 0.5
 *   // ...
 */
export async function renderPrometheus(snapshot: Readonly<Record<string, number>>, kindOf: (key: string) => MetricKind): Promise<string> {
  const registry = new Registry();
  const families = new Map<string, Family>();
  for (const key of Object.keys(snapshot).sort()) {
    const value = snapshot[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const kind = kindOf(key);
    if (kind === 'counter' && value < 0) continue;
    const series = prometheusSeries(key);
    const name = prometheusName(series.family, kind);
    const labelNames = Object.keys(series.labels).sort();
    const family = families.get(name) ?? newFamily(registry, name, kind, labelNames, series.pattern);
    families.set(name, family);
    // Two keys that spell one series, or one family of two kinds or label sets: the first stays.
    const id = JSON.stringify(labelNames.map((label) => series.labels[label]));
    if (family.kind !== kind || family.labelNames.join() !== labelNames.join() || family.series.has(id)) continue;
    family.series.add(id);
    if (family.metric instanceof Counter) family.metric.inc(series.labels, value);
    else family.metric.set(series.labels, value);
  }
  return registry.metrics();
}

function newFamily(registry: Registry, name: string, kind: MetricKind, labelNames: readonly string[], pattern: string): Family {
  const own = pattern.startsWith(OWN_METRICS_PREFIX);
  const help = own ? `mesos-ts' own ${pattern} (not a Mesos metric)` : `Mesos' ${pattern}`;
  const configuration = { name, help, labelNames: [...labelNames], registers: [registry] };
  const metric = kind === 'counter' ? new Counter(configuration) : new Gauge(configuration);
  return { kind, labelNames, metric, series: new Set() };
}
