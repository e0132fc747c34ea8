/** How often the UI polls, and how it backs off while the master does not answer. Pure. */

/** The master's `/master/state` is read at most this often while it answers (ms): a small cluster's page is this fresh. */
export const STATE_POLL_INTERVAL_MS = 2_000;

/**
 * After a read of `/master/state` that took `t` ms (asked until parsed), the next waits at least
 * `t` × this: an open page spends at most about a tenth of its time reading the state, and asks
 * the master for it that much less often. On a large cluster the state is tens of MB (58 MB at
 * 100k agents with 5,000 tasks), a few seconds to answer, move and parse; read every 2 s it
 * would be read without pause by every open page. Mesos' UI waits longer as the cluster grows
 * too, by its agents (10 s under 500, up to 16 min from 20,000 on); here by what a read costs.
 */
export const STATE_POLL_COST_FACTOR = 10;

/** The longest wait between reads of `/master/state` while it answers (ms): however large the cluster, the page is at most this old. */
export const MAX_STATE_POLL_INTERVAL_MS = 120_000;

/** The longest wait between polls while the master does not answer (ms). */
export const MAX_POLL_BACKOFF_MS = 30_000;

/**
 * The wait after `failures` failed reads in a row, when a good read waits `intervalMs`:
 * `intervalMs` doubled per failure (0 failures: `intervalMs`), at most `maxMs`, by default
 * `MAX_POLL_BACKOFF_MS` or `intervalMs`, whichever is longer. A master that fails is never asked
 * more often than it was while it answered (on a large cluster a failed read may have cost it the
 * whole state), and is asked again within 30 s, or the interval, once it answers again. At the
 * 2 s floor: 4, 8, 16, 30, 30 ... s.
 */
export function nextPollDelayMs(failures: number, intervalMs: number = STATE_POLL_INTERVAL_MS, maxMs: number = Math.max(MAX_POLL_BACKOFF_MS, intervalMs)): number {
  if (failures <= 0) return intervalMs;
  return Math.min(maxMs, intervalMs * 2 ** Math.min(failures, 30));
}

/**
 * The wait after a read of `/master/state` that took `readMs` (asked until parsed):
 * `STATE_POLL_COST_FACTOR` times it, at least `STATE_POLL_INTERVAL_MS`, at most
 * `MAX_STATE_POLL_INTERVAL_MS`. Rounded up to a whole second past the floor, so the page can
 * say it plainly.
 */
export function statePollIntervalMs(readMs: number): number {
  const wanted = Number.isFinite(readMs) && readMs > 0 ? readMs * STATE_POLL_COST_FACTOR : 0;
  if (wanted <= STATE_POLL_INTERVAL_MS) return STATE_POLL_INTERVAL_MS;
  return Math.min(MAX_STATE_POLL_INTERVAL_MS, Math.ceil(wanted / 1_000) * 1_000);
}
