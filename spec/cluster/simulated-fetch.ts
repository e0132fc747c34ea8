/**
 * The fetcher of a simulation (simulation.ts `InProcessLauncher`): a command's URIs are "fetched"
 * on the host's virtual clock before its executor starts, as `ProcessLauncher` fetches them with
 * the agent's fetcher (actors/agent/fetcher.ts). Nothing is downloaded: each URI says how long
 * its fetch takes and how it ends,
 *
 *   http://fetch.sim/<delayMs>/<ok|fail>/<name>     e.g. http://fetch.sim/45000/fail/fw0-t3
 *
 * and the URIs of a launch are fetched one after another (their delays add up); the first that
 * says `fail` fails the fetch, after its delay, with a `FetchError` naming it. A URI of another
 * form fails at once, naming it too. The launch's abort (`ExecutorLaunch.signal`) stops the fetch:
 * aborted before it starts or during a delay, it rejects with a `FetchError` at once; aborted as it
 * ends (in the turn the last delay ran out), it rejects too: no executor is started for it.
 */
import { FetchError } from '../../actors/agent/fetcher';
import type { Clock } from '../../lib/process';

/** The host every simulated URI names. */
export const SIMULATED_FETCH_HOST = 'fetch.sim';
/** What `simulatedFetchUri` makes and `parseSimulatedFetchUri` reads. */
const SIMULATED_URI = /^http:\/\/fetch\.sim\/(\d+)\/(ok|fail)\/[^/]+$/;

/**
 * How a `fail` URI's error ends. The agent logs a failed launch at error level, as it must; the
 * chaos run expects those lines (and only those) for the fetches it failed on purpose.
 */
export const SIMULATED_FETCH_FAILURE = 'simulated fetch failure';

/** How one simulated URI's fetch goes. */
export interface SimulatedFetchStep {
  readonly uri: string;
  readonly delayMs: number;
  readonly ok: boolean;
}

/** How a simulated fetch ended: its executor started, it failed (a `fail` URI, a URI not of the form), or it was aborted. */
export type SimulatedFetchOutcome = 'fetched' | 'failed' | 'aborted';

/**
 * A URI whose simulated fetch takes `delayMs` and ends as `ok` says.
 * @example simulatedFetchUri(2_000, false, 'fw0-t3') // 'http://fetch.sim/2000/fail/fw0-t3'
 */
export function simulatedFetchUri(delayMs: number, ok: boolean, name: string): string {
  if (!Number.isInteger(delayMs) || delayMs < 0) throw new Error(`a simulated fetch's delay must be a whole number of ms, not ${delayMs}`);
  if (name === '' || name.includes('/')) throw new Error(`a simulated URI's name must be one path segment, not '${name}'`);
  return `http://${SIMULATED_FETCH_HOST}/${delayMs}/${ok ? 'ok' : 'fail'}/${name}`;
}

/** How a simulated URI's fetch goes, or undefined for a URI not of the form. */
export function parseSimulatedFetchUri(uri: string): SimulatedFetchStep | undefined {
  const match = SIMULATED_URI.exec(uri);
  if (match === null) return undefined;
  return { uri, delayMs: Number(match[1]), ok: match[2] === 'ok' };
}

/**
 * Fetches `uris` on `clock`: resolves once every delay has run out and each said `ok`; rejects
 * with a `FetchError` at the first `fail` (after its delay), at a URI not of the form, or when
 * `signal` aborts (before, during, or as the last delay ends). No timer is left behind.
 */
export async function simulateFetch(clock: Clock, uris: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  for (const uri of uris) {
    const step = parseSimulatedFetchUri(uri);
    if (step === undefined) throw new FetchError(`Failed to fetch '${uri}': not a simulated URI (http://${SIMULATED_FETCH_HOST}/<delayMs>/<ok|fail>/<name>)`);
    await waitUnlessAborted(clock, step.delayMs, signal);
    if (!step.ok) throw new FetchError(`Failed to fetch '${uri}': ${SIMULATED_FETCH_FAILURE}`);
  }
  // Aborted in the turn the last delay ran out (its registration timed out at the same instant): nothing is started.
  if (signal?.aborted === true) throw abortedError();
}

/** Waits `delayMs` on `clock`; rejects at once when `signal` is or becomes aborted (its timer cancelled). */
function waitUnlessAborted(clock: Clock, delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(abortedError());
  return new Promise((resolve, reject) => {
    const aborted = (): void => {
      timer.cancel();
      reject(abortedError());
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    });
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

function abortedError(): FetchError {
  return new FetchError('the fetch was aborted');
}
