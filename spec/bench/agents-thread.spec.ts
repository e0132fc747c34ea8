import { expect } from 'chai';
import { VirtualClock } from '../../lib/process';
import { MAX_MESSAGE_BYTES, type WireEnvelope } from '../../lib/process/codec';
import type { Offer, TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { Scheduler } from '../../actors/framework/scheduler';
import { admittedAgents, drive, startAgents, startScaleMaster, type ScaleCluster } from '../../bench/scale-cluster';
import { AgentsThread, Outbox, THREAD_FRAME_ENVELOPES } from '../../bench/agents-thread';
import { memoryHost } from '../support/runtime';

/** Launches one `sleep 30.123` task (a time no periodic timer of the main thread falls on) on the first offer and notes, by the main clock, when each of its updates came. */
class SleepFramework extends Scheduler {
  launchedAtMs: number | undefined;
  readonly updates: Array<{ state: TaskStatus['state']; atMs: number }> = [];

  constructor(master: string, private readonly now: () => number) {
    super({ master, id: 'sleeper', framework: { name: 'sleeper', user: 'bench' } });
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      if (this.launchedAtMs !== undefined) {
        this.decline(offer.id, { refuseSeconds: 3_600 });
        continue;
      }
      this.launchedAtMs = this.now();
      this.launch(offer.id, [{
        name: 'sleep', taskId: 'sleep-1', agentId: offer.agentId,
        resources: Resources.parse('cpus:0.1;mem:32').toJSON(), command: { value: 'sleep 30.123' },
      }]);
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.updates.push({ state: status.state, atMs: this.now() });
  }
}

describe('bench:scale --agents-thread (the agents on a worker thread, its clock following the main one)', function () {
  this.timeout(60_000);
  let cluster: ScaleCluster | undefined;

  afterEach(async () => {
    await cluster?.agentsThread?.stop();
    await cluster?.host.stop();
    cluster = undefined;
  });

  it('registers the agents across the threads, and a timer on the worker fires at its time by the main clock, not before', async () => {
    const started = await startScaleMaster(5, { agentsThread: true });
    cluster = started;
    await startAgents(started, 3);
    const registered = await drive(started.clock, () => admittedAgents(started) >= 3, { stepMs: 10, budgetMs: 30_000, maxVirtualMs: 60_000 });
    expect(registered.done, 'agents admitted').to.equal(true);

    const framework = new SleepFramework(started.master.pid.address, () => started.clock.now());
    started.host.spawn(framework);
    const running = await drive(started.clock, () => framework.updates.some((update) => update.state === 'TASK_RUNNING'), { stepMs: 10, budgetMs: 30_000, maxVirtualMs: 10_000 });
    expect(running.done, 'task running').to.equal(true);
    const launchedAtMs = framework.launchedAtMs!;
    // The executor's timer lives on the worker's clock: one ms short of it, nothing.
    await started.clock.advance(launchedAtMs + 30_122 - started.clock.now());
    expect(framework.updates.map((update) => update.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    await started.clock.advance(1);
    expect(framework.updates.at(-1)).to.deep.equal({ state: 'TASK_FINISHED', atMs: launchedAtMs + 30_123 });
    // Agents' pings and the master's checks went on across the threads meanwhile: still all there.
    await started.clock.advance(5 * 60_000);
    expect(started.master.master.stateJson()).to.include({ activated_slaves: 3 });
  });

  it('fails the main clock\'s settle, instead of waiting for ever, when the worker dies', async () => {
    const started = await startScaleMaster(6, { agentsThread: true });
    cluster = started;
    await startAgents(started, 2);
    await started.agentsThread!.thread!.terminate();
    let failure: unknown;
    await started.clock.advance(1_000).catch((error: unknown) => { failure = error; });
    expect(String(failure)).to.match(/agents thread exited/);
  });

  it('fails the main clock\'s settle when a busy worker says nothing for the silence limit', async () => {
    const clock = new VirtualClock({ simulated: true });
    const thread = new AgentsThread(clock, 300);
    const host = memoryHost({ clock, offHost: (envelope) => thread.send(envelope) });
    thread.attach(host, { seed: 7, validateLocalMessages: true });
    try {
      // Spawning a million agents keeps the worker in one long run of its own, sending nothing.
      const spawning = thread.command({ kind: 'start-agents', count: 1_000_000, masterAddress: 'master@nowhere:1' });
      spawning.catch(() => undefined);
      let failure: unknown;
      await clock.settle().catch((error: unknown) => { failure = error; });
      expect(String(failure)).to.match(/no word from the worker for \d+ s/);
    } finally {
      await thread.stop();
      await host.stop();
    }
  });
});

describe('bench/agents-thread Outbox', () => {
  const envelope = (index: number, body: unknown = { index }): WireEnvelope => ({ from: 'a@x:1', to: 'b@y:1', name: 'Test', body });

  it('sends a frame per turn, or at once when it holds THREAD_FRAME_ENVELOPES, each in a buffer of its own exactly its size (transferable, not a slice of a shared one)', async () => {
    const frames: Uint8Array[] = [];
    const outbox = new Outbox((frame) => frames.push(frame), () => expect.fail('nothing unsendable here'));
    outbox.push(envelope(0));
    expect(frames).to.have.length(0);
    await Promise.resolve();
    for (let index = 1; index <= THREAD_FRAME_ENVELOPES; index++) outbox.push(envelope(index));
    expect(frames).to.have.length(2); // the turn's one, then the full one at once
    await Promise.resolve();
    for (const frame of frames) {
      expect(frame.byteOffset).to.equal(0);
      expect(frame.byteLength).to.equal(frame.buffer.byteLength);
    }
  });

  it('refuses a body it cannot encode and one over the message size limit, saying why, and sends the rest', async () => {
    const frames: Uint8Array[] = [];
    const refused: string[] = [];
    const outbox = new Outbox((frame) => frames.push(frame), (_envelope, why) => refused.push(why));
    outbox.push(envelope(1, { huge: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }));
    outbox.push(envelope(2, { bad: Symbol('not encodable') }));
    outbox.push(envelope(3));
    await Promise.resolve();
    expect(refused).to.have.length(2);
    expect(refused[0]).to.match(/over the message size limit/);
    expect(refused[1]).to.match(/cannot be encoded/);
    expect(frames).to.have.length(1);
  });
});
