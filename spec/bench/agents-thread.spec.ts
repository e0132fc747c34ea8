import { expect } from 'chai';
import type { Offer, TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { Scheduler } from '../../actors/framework/scheduler';
import { admittedAgents, drive, startAgents, startScaleMaster, type ScaleCluster } from '../../bench/scale-cluster';

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
});
