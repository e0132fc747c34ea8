import { expect } from 'chai';
import { VirtualClock, type ActorHost } from '../../lib/process';
import type { ExecutorLaunch } from '../../actors/agent/launcher';
import { memoryHost } from '../support/runtime';
import { InProcessLauncher, type SimulatedFetch } from './simulation';
import { taskFetchViolation, type Observation, type TaskFetch } from './chaos-framework';
import { parseSimulatedFetchUri, simulatedFetchUri, simulateFetch, SIMULATED_FETCH_FAILURE } from './simulated-fetch';

/** Settles `promise` into what it resolved with, or the error it rejected with. */
function outcomeOf<T>(promise: Promise<T>): { value?: T; error?: Error; done: boolean } {
  const outcome: { value?: T; error?: Error; done: boolean } = { done: false };
  promise.then((value) => Object.assign(outcome, { value, done: true }), (error: Error) => Object.assign(outcome, { error, done: true }));
  return outcome;
}

/** A launch of executor `e` by an agent that does not run (the executor it starts never registers, which these tests do not need). */
function launchOf(uris: readonly string[], signal?: AbortSignal): ExecutorLaunch {
  return {
    agentId: 'S0', agentPid: 'slave(1)@nowhere:1', frameworkId: 'F', executorId: 'e', runId: 'r1', directory: '/sandbox',
    command: { value: 'sleep 1', ...(uris.length > 0 ? { uris: uris.map((value) => ({ value })) } : {}) },
    commandExecutor: true, checkpoint: false, shutdownGracePeriodMs: 5_000, ...(signal !== undefined ? { signal } : {}),
  };
}

describe('simulated fetch (the chaos run\'s --fetch)', () => {
  it('writes and reads its URIs: http://fetch.sim/<delayMs>/<ok|fail>/<name>', () => {
    expect(simulatedFetchUri(2_000, false, 'fw0-t3-0')).to.equal('http://fetch.sim/2000/fail/fw0-t3-0');
    expect(parseSimulatedFetchUri('http://fetch.sim/2000/fail/fw0-t3-0')).to.deep.equal({ uri: 'http://fetch.sim/2000/fail/fw0-t3-0', delayMs: 2_000, ok: false });
    expect(parseSimulatedFetchUri('http://fetch.sim/0/ok/x')?.ok).to.equal(true);
    expect(parseSimulatedFetchUri('http://example.com/app.tgz')).to.equal(undefined);
    expect(() => simulatedFetchUri(-1, true, 'x')).to.throw(/whole number/);
  });

  describe('simulateFetch', () => {
    it('takes the sum of its URIs\' delays on the clock, and fails at the first `fail` (after its delay) naming it, fetching nothing after', async () => {
      const clock = new VirtualClock({ simulated: true });
      const ok = outcomeOf(simulateFetch(clock, [simulatedFetchUri(1_000, true, 'a'), simulatedFetchUri(2_000, true, 'b')], undefined));
      await clock.advance(2_999);
      expect(ok.done).to.equal(false);
      await clock.advance(1);
      expect(ok).to.deep.include({ done: true, value: undefined });
      const failing = outcomeOf(simulateFetch(clock, [simulatedFetchUri(500, false, 'bad'), simulatedFetchUri(60_000, true, 'never')], undefined));
      await clock.advance(500);
      expect(failing.error?.name).to.equal('FetchError');
      expect(failing.error?.message).to.equal(`Failed to fetch 'http://fetch.sim/500/fail/bad': ${SIMULATED_FETCH_FAILURE}`);
      expect(clock.pendingTimers(), 'timers left').to.equal(0);
    });

    it('fails at once on a URI not of the simulated form', async () => {
      const clock = new VirtualClock({ simulated: true });
      const other = outcomeOf(simulateFetch(clock, ['https://example.com/app.tgz'], undefined));
      await clock.settle();
      expect(other.error?.name).to.equal('FetchError');
      expect(other.error?.message).to.match(/^Failed to fetch 'https:\/\/example.com\/app.tgz': not a simulated URI/);
    });

    it('stops at its abort: before it starts, or during a delay (its timer cancelled), with a FetchError', async () => {
      const clock = new VirtualClock({ simulated: true });
      const before = new AbortController();
      before.abort();
      const early = outcomeOf(simulateFetch(clock, [simulatedFetchUri(1_000, true, 'a')], before.signal));
      await clock.settle();
      expect(early.error?.name).to.equal('FetchError');
      const during = new AbortController();
      const midway = outcomeOf(simulateFetch(clock, [simulatedFetchUri(1_000, true, 'a'), simulatedFetchUri(1_000, true, 'b')], during.signal));
      await clock.advance(1_500);
      during.abort();
      await clock.settle();
      expect(midway.error?.name).to.equal('FetchError');
      expect(midway.error?.message).to.equal('the fetch was aborted');
      expect(clock.pendingTimers(), 'timers left').to.equal(0);
    });
  });

  describe('InProcessLauncher', () => {
    let host: ActorHost;
    let clock: VirtualClock;
    let launcher: InProcessLauncher;
    let fetches: SimulatedFetch[];

    beforeEach(() => {
      clock = new VirtualClock({ simulated: true });
      host = memoryHost({ clock });
      launcher = new InProcessLauncher(host);
      fetches = [];
      launcher.fetches = (fetch) => fetches.push(fetch);
    });

    afterEach(async () => {
      await host.stop();
    });

    it('starts a launch without URIs at once, with no timer and no fetch', async () => {
      const launched = outcomeOf(launcher.launch(launchOf([]), () => undefined));
      expect(clock.pendingTimers(), 'timers').to.equal(0);
      await Promise.resolve();
      expect(launched.done).to.equal(true);
      expect(launcher.executors()).to.have.length(1);
      expect(fetches).to.deep.equal([]);
    });

    it('starts the executor once the fetch ends, and nothing for a fetch that fails', async () => {
      const launched = outcomeOf(launcher.launch(launchOf([simulatedFetchUri(10_000, true, 'a')]), () => undefined));
      await clock.advance(9_999);
      expect(launcher.executors(), 'during the fetch').to.have.length(0);
      await clock.advance(1);
      expect(launched.done).to.equal(true);
      expect(launcher.executors()).to.have.length(1);
      const failed = outcomeOf(launcher.launch({ ...launchOf([simulatedFetchUri(1_000, false, 'b')]), runId: 'r2' }, () => undefined));
      await clock.advance(1_000);
      expect(failed.error?.name).to.equal('FetchError');
      expect(launcher.executors()).to.have.length(1);
      expect(fetches.map((fetch) => [fetch.outcome, fetch.endedAtMs - fetch.startedAtMs])).to.deep.equal([['fetched', 10_000], ['failed', 1_000]]);
    });

    it('starts nothing for a launch aborted before or during its fetch, or in the turn its fetch ends', async () => {
      const before = new AbortController();
      before.abort();
      const early = outcomeOf(launcher.launch(launchOf([simulatedFetchUri(1_000, true, 'a')], before.signal), () => undefined));
      const during = new AbortController();
      const midway = outcomeOf(launcher.launch({ ...launchOf([simulatedFetchUri(1_000, true, 'a')], during.signal), runId: 'r2' }, () => undefined));
      await clock.advance(500);
      during.abort();
      // The abort comes from a timer due at the instant the fetch ends, set after the fetch's own (an agent's registration timeout).
      const atEnd = new AbortController();
      const ending = outcomeOf(launcher.launch({ ...launchOf([simulatedFetchUri(1_000, true, 'a')], atEnd.signal), runId: 'r3' }, () => undefined));
      clock.setTimer(1_000, () => atEnd.abort());
      await clock.advance(1_000);
      await clock.settle();
      for (const outcome of [early, midway, ending]) expect(outcome.error?.name).to.equal('FetchError');
      expect(launcher.executors()).to.have.length(0);
      expect(fetches.map((fetch) => fetch.outcome)).to.deep.equal(['aborted', 'aborted', 'aborted']);
    });
  });

  describe('what a command task with URIs may hear (taskFetchViolation)', () => {
    const heard = (state: Observation['state'], reason?: string): Observation => ({ state, reason, source: 'SOURCE_AGENT', uuid: 'u', atMs: 0 });
    const failing: TaskFetch = { uris: [simulatedFetchUri(2_000, false, 'a')], delayMs: 2_000, fails: true };
    const slow: TaskFetch = { uris: [simulatedFetchUri(90_000, true, 'a')], delayMs: 90_000, fails: false };
    const quick: TaskFetch = { uris: [simulatedFetchUri(2_000, true, 'a')], delayMs: 2_000, fails: false };

    it('a fetch that fails: never running, and a TASK_FAILED says the launch failed; faults may still lose or kill it', () => {
      expect(taskFetchViolation(failing, heard('TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED'))).to.equal(undefined);
      expect(taskFetchViolation(failing, heard('TASK_KILLED'))).to.equal(undefined);
      expect(taskFetchViolation(failing, heard('TASK_LOST', 'REASON_AGENT_REMOVED'))).to.equal(undefined);
      expect(taskFetchViolation(failing, heard('TASK_RUNNING'))).to.match(/^TASK_RUNNING though its fetch fails/);
      expect(taskFetchViolation(failing, heard('TASK_FAILED', 'REASON_EXECUTOR_TERMINATED'))).to.match(/REASON_EXECUTOR_TERMINATED/);
      expect(taskFetchViolation(failing, heard('TASK_FAILED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT')), 'a 2 s fetch ends before the timeout').to.not.equal(undefined);
    });

    it('a fetch past the registration timeout: never running, failed by the timeout; a quick one may run', () => {
      expect(taskFetchViolation(slow, heard('TASK_FAILED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT'))).to.equal(undefined);
      expect(taskFetchViolation(slow, heard('TASK_STARTING'))).to.match(/past the executor registration timeout/);
      expect(taskFetchViolation(quick, heard('TASK_FINISHED'))).to.equal(undefined);
      expect(taskFetchViolation(undefined, heard('TASK_RUNNING'))).to.equal(undefined);
    });
  });
});
