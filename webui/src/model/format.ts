/** How the UI writes numbers, sizes and times. Pure. */

/** Megabytes (as Mesos counts mem and disk) as `512 MB`, `1.5 GB`, `2 TB`. */
export function formatMegabytes(megabytes: number): string {
  if (!Number.isFinite(megabytes)) return '?';
  if (Math.abs(megabytes) >= 1024 * 1024) return `${trim(megabytes / (1024 * 1024))} TB`;
  if (Math.abs(megabytes) >= 1024) return `${trim(megabytes / 1024)} GB`;
  return `${trim(megabytes)} MB`;
}

/** Bytes (file sizes) as `812 B`, `3.2 KB`, `1.1 MB`, ... */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : trim(value)} ${units[unit]}`;
}

/** A scalar resource in its unit: cpus and gpus as numbers, mem and disk as sizes. */
export function formatScalar(name: string, value: number): string {
  return name === 'mem' || name === 'disk' ? formatMegabytes(value) : trim(value);
}

/** A fraction as a percentage: `42%`, `3.5%`, `0%`. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '?';
  const percent = fraction * 100;
  return `${percent === 0 || percent >= 10 ? Math.round(percent) : trim(percent, 1)}%`;
}

/** How long ago `seconds` (since the epoch) was, seen at `nowMs`: `12s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAgo(seconds: number, nowMs: number): string {
  if (!(seconds > 0)) return '—';
  const elapsed = Math.max(0, Math.round(nowMs / 1000 - seconds));
  if (elapsed < 60) return `${elapsed}s ago`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m ago`;
  if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h ago`;
  return `${Math.floor(elapsed / 86400)}d ago`;
}

/** `seconds` since the epoch as an ISO date and time (UTC), for tooltips. */
export function formatTimestamp(seconds: number): string {
  if (!(seconds > 0)) return 'unknown';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** `TASK_RUNNING` as `running`. */
export function stateLabel(state: string): string {
  return state.replace(/^TASK_/, '').toLowerCase().replace(/_/g, ' ');
}

/** An id shortened for a table cell: the last `keep` characters after an ellipsis, when longer. */
export function shortId(id: string, keep = 12): string {
  return id.length <= keep + 1 ? id : `…${id.slice(-keep)}`;
}

function trim(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}

/** Seconds as the UI writes a duration: `0 s`, `2.5 s`, `90 s`, `5 min`, `2 h`. */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${Number(seconds.toFixed(3))} s`;
}
