import { expect } from 'chai';
import type { Timer } from '../../../lib/actor';
import { VirtualClock, type TimerHandle } from '../../../lib/process';
import type { TimerTarget } from '../../../lib/process/clock';
import { AgentObserver, describeUnreachable, type UnreachableCause } from '../../../actors/master/agent-observer';

/** Small numbers, so that off-by-one errors show. */
const PING_TIMEOUT_MS = 1_000;
const MAX_PING_TIMEOUTS = 3;
const REREGISTER_TIMEOUT_MS = 10_500;
/** What the rig's hooks are told about. */
const AGENT = 'agent-1';

/** `every` on a bare clock, as the host does it: each period is armed before its callback runs. */
function repeating(clock: VirtualClock, periodMs: number, target: TimerTarget): Timer {
  let cancelled = false;
  const fire = (): void => {
    if (cancelled) return;
    handle = clock.setTimer(periodMs, fire);
    target.timerFired();
  };
  let handle: TimerHandle = clock.setTimer(periodMs, fire);
  return { cancel: () => { cancelled = true; handle.cancel(); } };
}

/** An observer on a virtual clock, and a fake agent that answers its pings while `answering`. */
class Rig {
  readonly clock = new VirtualClock();
  /** Virtual times (ms since the rig started) of the pings sent. */
  readonly pings: number[] = [];
  /** The observer's verdicts, with their times. */
  readonly verdicts: Array<{ atMs: number; cause: UnreachableCause }> = [];
  readonly observer: AgentObserver<string>;
  private readonly startMs = this.clock.now();

  constructor(public answering: boolean) {
    this.observer = new AgentObserver(
      { pingTimeoutMs: PING_TIMEOUT_MS, maxPingTimeouts: MAX_PING_TIMEOUTS, reregisterTimeoutMs: REREGISTER_TIMEOUT_MS },
      {
        delay: (ms, callback) => this.clock.setTimer(ms, callback),
        every: (ms, target) => repeating(this.clock, ms, target),
        ping: (agent) => {
          expect(agent).to.equal(AGENT);
          this.pings.push(this.elapsedMs());
          // The pong comes back later, as a message of its own.
          if (this.answering) this.clock.setTimer(0, () => this.observer.pong());
        },
        unreachable: (agent, cause) => {
          expect(agent).to.equal(AGENT);
          this.verdicts.push({ atMs: this.elapsedMs(), cause });
        },
      },
      AGENT,
    );
  }

  /** Virtual ms since the rig started. */
  elapsedMs(): number {
    return this.clock.now() - this.startMs;
  }
}

function rig(answering: boolean): Rig {
  return new Rig(answering);
}

describe('actors/master: AgentObserver (virtual clock)', () => {
  it(`pings at once and then every pingTimeoutMs, and never gives up on an agent that answers`, async () => {
    const { clock, observer, pings, verdicts } = rig(true);
    observer.start();
    expect(pings).to.deep.equal([0]);
    await clock.advance(PING_TIMEOUT_MS * 10);
    expect(pings).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => n * PING_TIMEOUT_MS));
    expect(verdicts).to.deep.equal([]);
    expect(observer.missedPings).to.equal(0);
    expect(observer.pinging).to.equal(true);
  });

  it(`${MAX_PING_TIMEOUTS} unanswered pings in a row make the agent unreachable, and then pinging stops`, async () => {
    const { clock, observer, pings, verdicts } = rig(false);
    observer.start();
    await clock.advance(PING_TIMEOUT_MS * MAX_PING_TIMEOUTS - 1);
    expect(verdicts).to.deep.equal([]);
    expect(observer.missedPings).to.equal(MAX_PING_TIMEOUTS - 1);
    await clock.advance(1);
    expect(verdicts).to.deep.equal([{ atMs: PING_TIMEOUT_MS * MAX_PING_TIMEOUTS, cause: { kind: 'ping-timeouts', pingTimeouts: MAX_PING_TIMEOUTS } }]);
    expect(pings).to.deep.equal([0, PING_TIMEOUT_MS, 2 * PING_TIMEOUT_MS]);
    expect(observer.pinging).to.equal(false);
    await clock.advance(PING_TIMEOUT_MS * 10);
    expect(pings).to.have.length(MAX_PING_TIMEOUTS);
    expect(verdicts).to.have.length(1);
  });

  it('an agent that goes silent right after answering a ping is unreachable (max + 1) × pingTimeoutMs later', async () => {
    const state = rig(true);
    state.observer.start();
    await state.clock.settle(); // the first ping is answered
    state.answering = false;
    await state.clock.advance(PING_TIMEOUT_MS * (MAX_PING_TIMEOUTS + 1));
    expect(state.verdicts.map((verdict) => verdict.atMs)).to.deep.equal([PING_TIMEOUT_MS * (MAX_PING_TIMEOUTS + 1)]);
  });

  it('a pong clears the count of missed pings', async () => {
    const state = rig(false);
    state.observer.start();
    await state.clock.advance(PING_TIMEOUT_MS * (MAX_PING_TIMEOUTS - 1)); // one short of the limit
    expect(state.observer.missedPings).to.equal(MAX_PING_TIMEOUTS - 1);
    state.observer.pong(); // answers the ping just sent
    expect(state.observer.missedPings).to.equal(0);
    // That ping counts as answered; the next one is the first to go unanswered.
    await state.clock.advance(PING_TIMEOUT_MS * MAX_PING_TIMEOUTS);
    expect(state.verdicts).to.deep.equal([]);
    await state.clock.advance(PING_TIMEOUT_MS);
    expect(state.verdicts.map((verdict) => verdict.atMs)).to.deep.equal([PING_TIMEOUT_MS * (2 * MAX_PING_TIMEOUTS)]);
  });

  it('a disconnected agent is still pinged; if it reconnects in time, nothing happens, and its count starts again', async () => {
    const state = rig(false);
    state.observer.start();
    state.observer.disconnected();
    await state.clock.advance(PING_TIMEOUT_MS * (MAX_PING_TIMEOUTS - 1));
    expect(state.pings).to.have.length(MAX_PING_TIMEOUTS);
    state.observer.reconnected();
    expect(state.observer.missedPings).to.equal(0);
    expect(state.pings).to.have.length(MAX_PING_TIMEOUTS); // still pinging: no extra ping on reconnection
    state.answering = true;
    await state.clock.advance(REREGISTER_TIMEOUT_MS * 2);
    expect(state.verdicts).to.deep.equal([]);
  });

  it('a disconnected agent that does not re-register within reregisterTimeoutMs is unreachable, even if it answers pings', async () => {
    const state = rig(true);
    state.observer.start();
    await state.clock.advance(PING_TIMEOUT_MS);
    state.observer.disconnected();
    await state.clock.advance(REREGISTER_TIMEOUT_MS - 1);
    expect(state.verdicts).to.deep.equal([]);
    await state.clock.advance(1);
    expect(state.verdicts).to.deep.equal([{ atMs: PING_TIMEOUT_MS + REREGISTER_TIMEOUT_MS, cause: { kind: 'reregister-timeout', timeoutMs: REREGISTER_TIMEOUT_MS } }]);
    expect(state.observer.pinging).to.equal(false);
    const sent = state.pings.length;
    await state.clock.advance(PING_TIMEOUT_MS * 10);
    expect(state.pings).to.have.length(sent);
  });

  it('a second disconnection restarts the re-registration timeout', async () => {
    const state = rig(true);
    state.observer.start();
    state.observer.disconnected();
    await state.clock.advance(REREGISTER_TIMEOUT_MS / 2);
    state.observer.reconnected();
    state.observer.disconnected();
    await state.clock.advance(REREGISTER_TIMEOUT_MS - 1);
    expect(state.verdicts).to.deep.equal([]);
    await state.clock.advance(1);
    expect(state.verdicts.map((verdict) => verdict.atMs)).to.deep.equal([REREGISTER_TIMEOUT_MS * 1.5]);
  });

  it('stop cancels everything; start begins again from a clean count with a ping at once', async () => {
    const state = rig(false);
    state.observer.start();
    state.observer.disconnected();
    await state.clock.advance(PING_TIMEOUT_MS * (MAX_PING_TIMEOUTS - 1));
    state.observer.stop();
    await state.clock.advance(REREGISTER_TIMEOUT_MS * 2);
    expect(state.verdicts).to.deep.equal([]);
    expect(state.pings).to.have.length(MAX_PING_TIMEOUTS);
    const restartedMs = state.elapsedMs();
    state.observer.start();
    expect(state.pings[state.pings.length - 1]).to.equal(restartedMs);
    await state.clock.advance(PING_TIMEOUT_MS * MAX_PING_TIMEOUTS);
    expect(state.verdicts.map((verdict) => verdict.atMs)).to.deep.equal([restartedMs + PING_TIMEOUT_MS * MAX_PING_TIMEOUTS]);
  });

  it('reconnected() starts pinging an observer that was stopped', async () => {
    const state = rig(false);
    state.observer.start();
    state.observer.stop();
    state.observer.reconnected();
    expect(state.observer.pinging).to.equal(true);
    expect(state.pings).to.deep.equal([0, 0]);
  });

  it('describes its verdicts as the master logs them', () => {
    expect(describeUnreachable({ kind: 'ping-timeouts', pingTimeouts: 5 })).to.equal('health check timed out after 5 pings');
    expect(describeUnreachable({ kind: 'reregister-timeout', timeoutMs: 600_000 })).to.equal('did not re-register within 600 s after disconnecting');
  });
});
