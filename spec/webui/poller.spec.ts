/**
 * The web UI's polling, on a virtual clock: how long it waits after a read (by what the read
 * cost), that a hidden tab reads nothing, and that a large answer is read while bytes keep coming.
 */
import { expect } from 'chai';
import { MAX_POLL_BACKOFF_MS, MAX_STATE_POLL_INTERVAL_MS, STATE_POLL_COST_FACTOR, STATE_POLL_INTERVAL_MS, statePollIntervalMs, nextPollDelayMs } from '../../webui/src/model/backoff';
import { ALWAYS_SHOWN, Poller, type PageVisibility, type PollTimers } from '../../webui/src/model/poller';
import { readAllBytes, StalledBody, type ByteReader } from '../../webui/src/model/read-body';

/** Lets settled promises run their callbacks. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Timers on a virtual clock: `advance` moves it, firing what falls due in order. */
class VirtualTimers implements PollTimers {
  private nowMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { atMs: number; run: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(run: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.nowMs + delayMs, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  async advance(byMs: number): Promise<void> {
    const endMs = this.nowMs + byMs;
    for (;;) {
      await flush();
      let first: [number, { atMs: number; run: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].atMs <= endMs && (first === undefined || entry[1].atMs < first[1].atMs)) first = entry;
      if (first === undefined) break;
      this.pending.delete(first[0]);
      this.nowMs = first[1].atMs;
      first[1].run();
    }
    this.nowMs = endMs;
    await flush();
  }
}

/** A tab that can be hidden and shown. */
class Tab implements PageVisibility {
  isHidden = false;
  private readonly listeners = new Set<() => void>();
  hidden(): boolean {
    return this.isHidden;
  }
  onShown(shown: () => void): () => void {
    this.listeners.add(shown);
    return () => this.listeners.delete(shown);
  }
  show(): void {
    this.isHidden = false;
    for (const listener of this.listeners) listener();
  }
}

/** A poller whose reads take `readMs()` of virtual time each and fail while `failing`; it records when each read started. */
function pollerOn(timers: VirtualTimers, visibility: PageVisibility, readMs: () => number) {
  const startedAtMs: number[] = [];
  const told: string[] = [];
  const state = { failing: false };
  const poller = new Poller<number>({
    read: async () => {
      startedAtMs.push(timers.now());
      await new Promise<void>((resolve) => timers.setTimeout(resolve, readMs()));
      if (state.failing) throw new Error('down');
      return startedAtMs.length;
    },
    intervalAfter: statePollIntervalMs,
    backoff: (failures) => nextPollDelayMs(failures),
    onRead: (value, took, nextInMs) => told.push(`read ${value} in ${took} ms, next in ${nextInMs}`),
    onFailure: (_error, failures, nextInMs) => told.push(`failure ${failures}, next in ${nextInMs}`),
    timers,
    visibility,
  });
  return { poller, startedAtMs, told, state };
}

describe('webui/model: polling', () => {
  it('waits STATE_POLL_COST_FACTOR times what a read of /master/state took, at least 2 s, at most 2 min, in whole seconds', () => {
    expect(STATE_POLL_COST_FACTOR).to.equal(10);
    expect(statePollIntervalMs(0)).to.equal(STATE_POLL_INTERVAL_MS);
    expect(statePollIntervalMs(150)).to.equal(STATE_POLL_INTERVAL_MS);
    expect(statePollIntervalMs(200)).to.equal(2_000);
    expect(statePollIntervalMs(250)).to.equal(3_000);
    expect(statePollIntervalMs(1_700)).to.equal(17_000);
    expect(statePollIntervalMs(11_999)).to.equal(MAX_STATE_POLL_INTERVAL_MS);
    expect(statePollIntervalMs(600_000)).to.equal(MAX_STATE_POLL_INTERVAL_MS);
    expect(statePollIntervalMs(Number.NaN)).to.equal(STATE_POLL_INTERVAL_MS);
    expect(statePollIntervalMs(-5)).to.equal(STATE_POLL_INTERVAL_MS);
  });

  it('after failed reads waits no less than after a good one: doubling from its interval, at most 30 s or the interval', () => {
    expect([1, 2, 3, 4, 5].map((failures) => nextPollDelayMs(failures))).to.deep.equal([4_000, 8_000, 16_000, MAX_POLL_BACKOFF_MS, MAX_POLL_BACKOFF_MS]);
    expect([1, 2, 3].map((failures) => nextPollDelayMs(failures, 19_000))).to.deep.equal([30_000, 30_000, 30_000]);
    expect([1, 2].map((failures) => nextPollDelayMs(failures, 12_000))).to.deep.equal([24_000, 30_000]);
    expect([1, 5].map((failures) => nextPollDelayMs(failures, MAX_STATE_POLL_INTERVAL_MS))).to.deep.equal([MAX_STATE_POLL_INTERVAL_MS, MAX_STATE_POLL_INTERVAL_MS]);
  });

  it('tells a read of several requests that the poller was stopped under it', async () => {
    const timers = new VirtualTimers();
    const seen: boolean[] = [];
    const poller = new Poller<number>({
      read: async (stopped) => {
        for (let request = 0; request < 3; request++) {
          seen.push(stopped());
          if (stopped()) break;
          await new Promise<void>((resolve) => timers.setTimeout(resolve, 100));
        }
        return 1;
      },
      intervalAfter: () => 1_000,
      backoff: () => 1_000,
      onRead: () => undefined,
      onFailure: () => undefined,
      timers,
      visibility: ALWAYS_SHOWN,
    });
    poller.start();
    await timers.advance(150);
    poller.stop();
    await timers.advance(1_000);
    expect(seen).to.deep.equal([false, false, true]);
  });

  it('reads at once, then again after the interval the last read\'s time asks for', async () => {
    const timers = new VirtualTimers();
    let took = 100;
    const { poller, startedAtMs, told } = pollerOn(timers, ALWAYS_SHOWN, () => took);
    poller.start();
    await timers.advance(0);
    expect(startedAtMs).to.deep.equal([0]);
    await timers.advance(2_100);
    expect(startedAtMs).to.deep.equal([0, 2_100]);
    // The state grew: the third read (at 4,200) takes 1.5 s, then 15 s of rest before the fourth.
    took = 1_500;
    await timers.advance(2_100);
    expect(startedAtMs).to.deep.equal([0, 2_100, 4_200]);
    await timers.advance(1_500 + 14_999);
    expect(startedAtMs).to.have.length(3);
    await timers.advance(1);
    expect(startedAtMs).to.deep.equal([0, 2_100, 4_200, 4_200 + 1_500 + 15_000]);
    expect(told).to.deep.equal(['read 1 in 100 ms, next in 2000', 'read 2 in 100 ms, next in 2000', 'read 3 in 1500 ms, next in 15000']);
    poller.stop();
  });

  it('reads nothing while the tab is hidden, and reads at once when it is shown with a read due', async () => {
    const timers = new VirtualTimers();
    const tab = new Tab();
    tab.isHidden = true;
    const { poller, startedAtMs } = pollerOn(timers, tab, () => 100);
    // Opened in a background tab: nothing until it is looked at.
    poller.start();
    await timers.advance(600_000);
    expect(startedAtMs).to.deep.equal([]);
    expect(poller.waitingForPage()).to.equal(true);
    tab.show();
    await timers.advance(0);
    expect(startedAtMs).to.deep.equal([600_000]);
    expect(poller.waitingForPage()).to.equal(false);
    // Hidden after a read: the next falls due, and waits for the tab.
    await timers.advance(100);
    tab.isHidden = true;
    await timers.advance(3_600_000);
    expect(startedAtMs).to.deep.equal([600_000]);
    tab.show();
    await timers.advance(0);
    expect(startedAtMs).to.deep.equal([600_000, 4_200_100]);
    // Hidden for less than the interval and shown again: nothing read early, the next when it is due (4,202,200).
    await timers.advance(100);
    tab.isHidden = true;
    await timers.advance(1_000);
    tab.show();
    await timers.advance(0);
    expect(startedAtMs).to.have.length(2);
    await timers.advance(999);
    expect(startedAtMs).to.have.length(2);
    await timers.advance(1);
    expect(startedAtMs).to.deep.equal([600_000, 4_200_100, 4_202_200]);
    poller.stop();
  });

  it('backs off after failures, doubling, and is back to the interval after a read', async () => {
    const timers = new VirtualTimers();
    const { poller, startedAtMs, told, state } = pollerOn(timers, ALWAYS_SHOWN, () => 0);
    state.failing = true;
    poller.start();
    await timers.advance(2 * STATE_POLL_INTERVAL_MS + 4 * STATE_POLL_INTERVAL_MS);
    expect(startedAtMs).to.deep.equal([0, 4_000, 12_000]);
    state.failing = false;
    await timers.advance(16_000);
    await timers.advance(2_000);
    expect(startedAtMs).to.deep.equal([0, 4_000, 12_000, 28_000, 30_000]);
    expect(told.slice(0, 4)).to.deep.equal(['failure 1, next in 4000', 'failure 2, next in 8000', 'failure 3, next in 16000', 'read 4 in 0 ms, next in 2000']);
    poller.stop();
  });

  it('once stopped reads nothing more and tells nothing of a read under way', async () => {
    const timers = new VirtualTimers();
    const { poller, startedAtMs, told } = pollerOn(timers, ALWAYS_SHOWN, () => 1_000);
    poller.start();
    await timers.advance(500);
    poller.stop();
    await timers.advance(60_000);
    expect(startedAtMs).to.deep.equal([0]);
    expect(told).to.deep.equal([]);
  });
});

/** A body whose chunks the test hands out (`give`), or never (a stall). */
class ScriptedBody implements ByteReader {
  cancelled: unknown;
  private waiting: ((chunk: { done: boolean; value?: Uint8Array }) => void) | undefined;
  read(): Promise<{ done: boolean; value?: Uint8Array }> {
    return new Promise((resolve) => { this.waiting = resolve; });
  }
  async cancel(reason?: unknown): Promise<void> {
    this.cancelled = reason;
  }
  give(text: string | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(text === undefined ? { done: true } : { done: false, value: new TextEncoder().encode(text) });
  }
}

describe('webui/model: reading a large answer', () => {
  it('reads a body for as long as bytes keep coming: 40 s in all under a 10 s bound on silence', async () => {
    const timers = new VirtualTimers();
    const body = new ScriptedBody();
    const read = readAllBytes(body, 10_000, timers);
    for (const piece of ['{"a":', '[1,', '2,', '3]', '}']) {
      await timers.advance(8_000);
      body.give(piece);
    }
    await timers.advance(8_000);
    body.give(undefined);
    expect(JSON.parse(new TextDecoder().decode(await read))).to.deep.equal({ a: [1, 2, 3] });
    expect(timers.now()).to.equal(48_000);
  });

  it('fails a body that stops coming for the bound, saying how much came, and cancels it', async () => {
    const timers = new VirtualTimers();
    const body = new ScriptedBody();
    const read = readAllBytes(body, 10_000, timers);
    const outcome = read.then(() => 'read', (error: unknown) => error);
    await timers.advance(1_000);
    body.give('{"a":');
    await timers.advance(9_999);
    await timers.advance(1);
    const error = await outcome;
    expect(error).to.be.instanceOf(StalledBody);
    expect((error as StalledBody).message).to.equal('no data for 10 s after 5 bytes');
    expect(body.cancelled).to.equal(error);
    expect(timers.now()).to.equal(11_000);
  });
});
