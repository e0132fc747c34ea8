/** How often the UI polls, and how it backs off while the master does not answer. Pure. */

/** The master's `/master/state` is polled this often while it answers (ms). */
export const STATE_POLL_INTERVAL_MS = 2_000;

/** The longest wait between polls while the master does not answer (ms). */
export const MAX_POLL_BACKOFF_MS = 30_000;

/** The wait before the next poll after `failures` failed polls in a row (0: the normal interval), doubling up to the cap. */
export function nextPollDelayMs(failures: number, intervalMs: number = STATE_POLL_INTERVAL_MS, maxMs: number = MAX_POLL_BACKOFF_MS): number {
  if (failures <= 0) return intervalMs;
  return Math.min(maxMs, intervalMs * 2 ** Math.min(failures, 30));
}
