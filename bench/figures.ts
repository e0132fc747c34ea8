/**
 * Order statistics the benchmarks report (medians of rounds, latency percentiles), one
 * definition for all of them. Values are sorted as a `Float64Array`: numerically, with no
 * comparator to call. A comparator over 100k latencies boxed each number it compared, megabytes
 * of garbage made inside the very process whose peak RSS `bench:scale` reports.
 */

/** `values` in ascending order, as a new array. */
export function ascending(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The `q` quantile (0..1) of `sorted` (ascending): the value at floor(q × length), the last for q = 1; NaN for none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

/** The middle value of `values` (the upper of the two middle ones for an even count); NaN for none. */
export function median(values: ArrayLike<number>): number {
  return percentile(ascending(values), 0.5);
}
