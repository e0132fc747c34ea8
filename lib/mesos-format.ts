/**
 * Values as Mesos prints them in its `flags` JSON (stout's `Duration` and `Bytes` output):
 * durations in the largest unit that keeps them whole (`10mins`, `5secs`, `1hrs`, `90secs`),
 * sizes likewise (`32MB`, `1GB`, `1500B`).
 */

/** Duration units from the smallest up, with their length in nanoseconds (stout's names). */
const DURATION_UNITS: ReadonlyArray<{ readonly name: string; readonly ns: number }> = [
  { name: 'ns', ns: 1 },
  { name: 'us', ns: 1e3 },
  { name: 'ms', ns: 1e6 },
  { name: 'secs', ns: 1e9 },
  { name: 'mins', ns: 60e9 },
  { name: 'hrs', ns: 3600e9 },
  { name: 'days', ns: 86_400e9 },
  { name: 'weeks', ns: 604_800e9 },
];

/** Significant digits of a fractional duration (stout prints doubles at `digits10`, 15). */
const DURATION_SIGNIFICANT_DIGITS = 15;

/**
 * A duration in milliseconds as Mesos prints it: the unit of its magnitude, or the next smaller
 * one when that keeps it a whole number (e.g. 90 s is `90secs`, not `1.5mins`).
 * @example formatDuration(600_000) // '10mins'
 * @example formatDuration(1_500)   // '1500ms'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new Error(`formatDuration: not a finite duration: ${ms}`);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0ns';
  let bucket = 0;
  while (bucket + 1 < DURATION_UNITS.length && ns >= (DURATION_UNITS[bucket + 1] as { ns: number }).ns) bucket += 1;
  const unit = DURATION_UNITS[bucket] as { name: string; ns: number };
  const smaller = DURATION_UNITS[bucket - 1];
  const choice = ns % unit.ns !== 0 && smaller !== undefined && ns % smaller.ns === 0 ? smaller : unit;
  return `${Number((ns / choice.ns).toPrecision(DURATION_SIGNIFICANT_DIGITS))}${choice.name}`;
}

/** Byte units from the smallest up (stout's names, powers of 1024): unit i is 1024^i bytes. */
export const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * A size in bytes as Mesos prints it: raised a unit only while that loses nothing.
 * @example formatBytes(32 * 1024 * 1024) // '32MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`formatBytes: not a byte count: ${bytes}`);
  let value = bytes;
  let unit = 0;
  while (value !== 0 && value % 1024 === 0 && unit + 1 < BYTE_UNITS.length) {
    value /= 1024;
    unit += 1;
  }
  return `${value}${BYTE_UNITS[unit] as string}`;
}
