/** The page's live inputs: the route (location.hash) and the master's state, polled. */
import { useEffect, useState } from 'preact/hooks';
import { BROWSER_TIMERS, fetchMasterState, RequestError, type FailureKind } from './api';
import { nextPollDelayMs, STATE_POLL_INTERVAL_MS, statePollIntervalMs } from './model/backoff';
import { Poller, type PageVisibility, type PollerOptions } from './model/poller';
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
  /** The wait between reads while the master answers (`statePollIntervalMs` of the last read's time). */
  readonly intervalMs: number;
  /** Polls again now. */
  readonly retry: () => void;
}

/** The browser tab's visibility (`document.visibilityState`), as a `Poller` follows it. */
export const DOCUMENT_VISIBILITY: PageVisibility = {
  hidden: () => document.visibilityState === 'hidden',
  onShown: (shown) => {
    const changed = (): void => {
      if (document.visibilityState !== 'hidden') shown();
    };
    document.addEventListener('visibilitychange', changed);
    return () => document.removeEventListener('visibilitychange', changed);
  },
};

/**
 * Runs a `Poller` with `options` (the browser's timers, the tab's visibility) while the
 * component is mounted and `deps` stay the same.
 */
export function usePoller<T>(options: () => Omit<PollerOptions<T>, 'timers' | 'visibility'> | undefined, deps: readonly unknown[]): void {
  useEffect(() => {
    const given = options();
    if (given === undefined) return undefined;
    const poller = new Poller<T>({ ...given, timers: BROWSER_TIMERS, visibility: DOCUMENT_VISIBILITY });
    poller.start();
    return () => poller.stop();
  }, deps);
}

/**
 * Polls `/master/state`: after a read, again after `statePollIntervalMs` of the time it took
 * (every 2 s on a small cluster, less often as its state grows, at most 2 min apart); after
 * failures, longer each time (`nextPollDelayMs`: doubling from that interval). One poll at a
 * time, none while the tab is hidden (a read due meanwhile is made when it is shown again).
 */
export function useMasterState(): MasterPoll {
  const [poll, setPoll] = useState<Omit<MasterPoll, 'retry'>>({ state: undefined, updatedAtMs: undefined, error: undefined, failures: 0, nextPollAtMs: 0, intervalMs: STATE_POLL_INTERVAL_MS });
  const [kick, setKick] = useState(0);
  usePoller<MasterStateJson>(() => {
    // The wait after the last good read (kept over "Retry now"): failed reads come no more often than good ones did.
    let intervalMs = poll.intervalMs;
    return {
      read: fetchMasterState,
      intervalAfter: statePollIntervalMs,
      backoff: (failures) => nextPollDelayMs(failures, intervalMs),
      onRead: (state, _readMs, nextInMs) => {
        intervalMs = nextInMs;
        const now = Date.now();
        setPoll({ state, updatedAtMs: now, error: undefined, failures: 0, nextPollAtMs: now + nextInMs, intervalMs: nextInMs });
      },
      onFailure: (error, failures, nextInMs) => {
        const failure = error instanceof RequestError ? { kind: error.kind, message: error.message } : { kind: 'unreachable' as const, message: String(error) };
        setPoll((previous) => ({ ...previous, error: failure, failures, nextPollAtMs: Date.now() + nextInMs }));
      },
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
