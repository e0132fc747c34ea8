/** The page's live inputs: the route (location.hash) and the master's state, polled. */
import { useEffect, useState } from 'preact/hooks';
import { fetchMasterState, RequestError, type FailureKind } from './api';
import { nextPollDelayMs } from './model/backoff';
import { parseRoute, type Route } from './model/routes';
import type { MasterStateJson } from './model/types';

/** The current route; follows `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The master's state as last read, and how polling goes. */
export interface MasterPoll {
  /** The last state read (kept while the master does not answer). */
  readonly state: MasterStateJson | undefined;
  /** When it was read (ms since the epoch, browser clock). */
  readonly updatedAtMs: number | undefined;
  /** The last failure, while polls fail. */
  readonly error: { readonly kind: FailureKind; readonly message: string } | undefined;
  /** Failed polls in a row. */
  readonly failures: number;
  /** When the next poll is due (ms since the epoch). */
  readonly nextPollAtMs: number;
  /** Polls again now. */
  readonly retry: () => void;
}

/**
 * Polls `/master/state` every STATE_POLL_INTERVAL_MS while it answers; after failures, waits
 * longer each time (doubling to MAX_POLL_BACKOFF_MS). One poll at a time.
 */
export function useMasterState(): MasterPoll {
  const [poll, setPoll] = useState<Omit<MasterPoll, 'retry'>>({ state: undefined, updatedAtMs: undefined, error: undefined, failures: 0, nextPollAtMs: 0 });
  const [kick, setKick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const run = async (): Promise<void> => {
      try {
        const state = await fetchMasterState();
        if (stopped) return;
        failures = 0;
        const now = Date.now();
        setPoll({ state, updatedAtMs: now, error: undefined, failures, nextPollAtMs: now + nextPollDelayMs(0) });
      } catch (error) {
        if (stopped) return;
        failures++;
        const failure = error instanceof RequestError ? { kind: error.kind, message: error.message } : { kind: 'unreachable' as const, message: String(error) };
        setPoll((previous) => ({ ...previous, error: failure, failures, nextPollAtMs: Date.now() + nextPollDelayMs(failures) }));
      }
      if (!stopped) timer = setTimeout(() => void run(), nextPollDelayMs(failures));
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [kick]);
  return { ...poll, retry: () => setKick((value) => value + 1) };
}

/** The browser's clock, re-read every `intervalMs` (for "5s ago" and countdowns). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
