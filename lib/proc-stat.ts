import { readFileSync } from 'node:fs';

/**
 * `/proc/<pid>/stat`, as Linux writes it: the command name (field 2) may hold spaces and
 * parentheses, so the fields after it are counted from its last `)`.
 */

/**
 * The fields of a `/proc/<pid>/stat` line from field 3 (`state`) on: field N is at index N − 3.
 * Undefined for a line with no command name.
 * @example procStatFields('42 (a b) S 1 42 ...')[0] // 'S'
 */
export function procStatFields(line: string): string[] | undefined {
  const close = line.lastIndexOf(')');
  return close < 0 ? undefined : line.slice(close + 2).trim().split(/\s+/);
}

/** Index in `procStatFields` of field N (1-based, as `man proc` numbers them; N ≥ 3). */
export function procStatIndex(field: number): number {
  return field - 3;
}

/** `/proc/<pid>/stat`'s field of a process' start time, in clock ticks since boot. */
export const STARTTIME_FIELD = 22;

/**
 * Process `pid`'s start time (`STARTTIME_FIELD`, clock ticks since boot, as Linux writes it),
 * undefined where Linux does not say (no such process, no `/proc`). With the boot id, it tells
 * a process from a later one that took its pid.
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return procStatFields(stat)?.[procStatIndex(STARTTIME_FIELD)];
}
