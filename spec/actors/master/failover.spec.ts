/**
 * Frameworks across a master failover: a new master learns of them only from its agents'
 * reports, and gives their schedulers their failover timeout (at least agent_reregister_timeout)
 * to come back.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { Offer, TaskStatus } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { Scheduler } from '../../../actors/framework/scheduler';
import { restartMaster, startCluster, type Cluster } from '../../cluster/simulation';

/** Launches one long task on its first offer and records its statuses. */
class LongTask extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  private launched = false;

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      if (this.launched) { this.decline(offer.id, { refuseSeconds: 3600 }); continue; }
      this.launched = true;
      this.launch(offer.id, [{ name: this.id, taskId: `${this.id}-task`, agentId: offer.agentId, resources: Resources.parse('cpus:1;mem:64').toJSON(), command: { value: 'sleep 100000' } }]);
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
  }
}

describe('actors/master: frameworks across a master failover', () => {
  let cluster: Cluster | undefined;

  afterEach(async () => {
    await cluster?.host.stop();
    cluster = undefined;
  });

  async function frameworkStates(): Promise<Record<string, string>> {
    const state = await dispatch((cluster as Cluster).master.master, (master) => master.stateJson()) as unknown as {
      frameworks: Array<{ name: string; active: boolean }>; completed_frameworks: Array<{ name: string }>;
    };
    const result: Record<string, string> = {};
    for (const framework of state.frameworks) result[framework.name] = framework.active ? 'active' : 'inactive';
    for (const framework of state.completed_frameworks) result[framework.name] = 'completed';
    return result;
  }

  it('a framework whose scheduler never comes back is torn down after its failover timeout, counted from the failover (at least agent_reregister_timeout); one that comes back keeps its task', async () => {
    cluster = await startCluster({ agents: ['cpus:4;mem:4096'], seed: 8 });
    const { host, clock } = cluster;
    const gone = new LongTask({ id: 'gone', master: cluster.masterAddress, framework: { name: 'gone', user: 'u', failoverTimeout: 60 } });
    const back = new LongTask({ id: 'back', master: cluster.masterAddress, framework: { name: 'back', user: 'u', failoverTimeout: 60 } });
    host.spawn(gone);
    host.spawn(back);
    await clock.advance(5_000);
    expect(gone.statuses.map((status) => status.state)).to.include('TASK_RUNNING');
    expect(back.statuses.map((status) => status.state)).to.include('TASK_RUNNING');
    // The scheduler of `gone` dies, then the master fails over before its failover timeout.
    host.terminate(gone);
    await clock.advance(1_000);
    await restartMaster(cluster);
    await clock.advance(30_000);
    expect(await frameworkStates()).to.deep.equal({ gone: 'inactive', back: 'active' });
    // Its 60 s have passed since the failover, but not agent_reregister_timeout: it is kept.
    await clock.advance(60_000);
    expect(await frameworkStates()).to.deep.equal({ gone: 'inactive', back: 'active' });
    await clock.advance(cluster.masterFlags.agentReregisterTimeoutMs);
    expect(await frameworkStates()).to.deep.equal({ gone: 'completed', back: 'active' });
    expect(back.statuses.map((status) => status.state).filter((state) => state !== 'TASK_STARTING' && state !== 'TASK_RUNNING')).to.deep.equal([]);
  });
});
