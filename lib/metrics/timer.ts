/**
 * A timer metric as libprocess has it (`process::metrics::Timer`): the last duration under its
 * key (`allocator/mesos/allocation_run_ms`), and, over a window of recent durations, the
 * statistics Mesos puts beside it: `<key>/count`, `/min`, `/max`, `/p50`, `/p90`, `/p95`,
 * `/p99`, `/p999` and `/p9999` (present once the window holds at least two durations, as in
 * Mesos). Percentiles interpolate linearly between the sorted durations, as Mesos'
 * `Statistics` does.
 *
 * The window is bounded twice: by age (`windowMs`) and by count (`capacity`). Mesos coarsens
 * older values when its capacity is exceeded; this timer drops the oldest instead, which keeps
 * the statistics of the most recent `capacity` durations.
 */

/** Most durations a timer keeps (libprocess' `TIME_SERIES_CAPACITY`). */
export const TIMER_CAPACITY = 1_000;

/** Default window of a timer (libprocess' `TIME_SERIES_WINDOW`, two weeks). */
export const DEFAULT_TIMER_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

/** Fewest durations for which Mesos reports statistics. */
export const MIN_TIMER_STATISTICS_SAMPLES = 2;

/** The percentiles reported, by key suffix (Mesos' `p50` ... `p9999`; it keeps p25 and p75 but does not report them). */
export const TIMER_PERCENTILES: ReadonlyArray<readonly [suffix: string, fraction: number]> = [
  ['p50', 0.5], ['p90', 0.9], ['p95', 0.95], ['p99', 0.99], ['p999', 0.999], ['p9999', 0.9999],
];

/** Every statistic suffix a timer key may carry (`<key>/<suffix>`). */
export const TIMER_STATISTICS: readonly string[] = ['count', 'min', 'max', ...TIMER_PERCENTILES.map(([suffix]) => suffix)];

/**
 * Durations of one kind of work, for `/metrics/snapshot`.
 *
 * @example
 *   const timer = new MetricTimer('allocator/mesos/allocation_run_ms', 60 * 60 * 1000);
 *   timer.record(3, clock.now());
 *   timer.snapshot(clock.now()); // { 'allocator/mesos/allocation_run_ms': 3 } (+ statistics from two durations on)
 */
export class MetricTimer {
  /** Recorded durations, oldest first, with when each was recorded (host clock). */
  private readonly samples: Array<{ readonly atMs: number; readonly durationMs: number }> = [];
  /** The last duration, or undefined before the first (Mesos reports no value then). */
  private last: number | undefined;

  /**
   * @param key the snapshot key, unit included (`registrar/state_store_ms`)
   * @param windowMs how long a duration counts in the statistics
   * @param capacity most durations kept
   */
  constructor(readonly key: string, private readonly windowMs = DEFAULT_TIMER_WINDOW_MS, private readonly capacity = TIMER_CAPACITY) {
    if (!(windowMs > 0) || !(capacity >= MIN_TIMER_STATISTICS_SAMPLES)) throw new Error(`timer ${key}: bad window ${windowMs} ms or capacity ${capacity}`);
  }

  /** Records a duration that ended at `nowMs`. */
  record(durationMs: number, nowMs: number): void {
    this.last = durationMs;
    this.samples.push({ atMs: nowMs, durationMs });
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  /** The last duration under `key`, and the statistics of the window ending at `nowMs` under `key/<statistic>`. */
  snapshot(nowMs: number): Record<string, number> {
    if (this.last === undefined) return {};
    this.expire(nowMs);
    return { [this.key]: this.last, ...timerStatistics(this.key, this.samples.map((sample) => sample.durationMs)) };
  }

  private expire(nowMs: number): void {
    while (this.samples.length > 0 && nowMs - (this.samples[0]?.atMs ?? nowMs) > this.windowMs) this.samples.shift();
  }
}

/** `key/count`, `/min`, `/max` and the percentiles of `values`; nothing for fewer than two (Mesos' `Statistics::from`). */
export function timerStatistics(key: string, values: readonly number[]): Record<string, number> {
  if (values.length < MIN_TIMER_STATISTICS_SAMPLES) return {};
  const sorted = [...values].sort((left, right) => left - right);
  const statistics: Record<string, number> = {
    [`${key}/count`]: sorted.length,
    [`${key}/min`]: sorted[0] as number,
    [`${key}/max`]: sorted[sorted.length - 1] as number,
  };
  for (const [suffix, fraction] of TIMER_PERCENTILES) statistics[`${key}/${suffix}`] = percentile(sorted, fraction);
  return statistics;
}

/** The `fraction` percentile of `sorted` (at least two values), interpolating between neighbours. */
function percentile(sorted: readonly number[], fraction: number): number {
  const position = fraction * (sorted.length - 1);
  const index = Math.floor(position);
  const low = sorted[index] as number;
  const high = sorted[Math.min(index + 1, sorted.length - 1)] as number;
  return low + (high - low) * (position - index);
}
