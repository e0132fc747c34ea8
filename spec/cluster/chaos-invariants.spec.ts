/**
 * The chaos snapshot itself: what the invariants are checked against must be one moment of the
 * master, or an invariant fails on a cluster that is fine (the wire fuzzer's real-clock run saw
 * `/metrics/snapshot` count an offer `/master/state` did not yet show).
 */
import { expect } from 'chai';
import { Probe } from '../support/runtime';
import { metricsAgreeWithState, readSnapshot } from './chaos-invariants';
import { startCluster } from './simulation';

describe('chaos snapshot', () => {
  it("reads the master's state and metrics in one turn: a framework that registers while the snapshot is read shows in both or neither", async () => {
    const cluster = await startCluster({ agents: ['cpus:1;mem:128'], seed: 1 });
    try {
      const framework = new Probe('racer', ['FrameworkRegistered']);
      cluster.host.spawn(framework);
      const agentIds = new Set<string>();
      // Queued behind the snapshot's first read of the master: handled before any read after it.
      const reading = readSnapshot(cluster, agentIds);
      framework.post(cluster.master.pid, 'RegisterFramework', { framework: { name: 'racer', user: 'racer' } });
      const snapshot = await reading;
      expect(metricsAgreeWithState(snapshot)).to.deep.equal([]);
      await framework.until(() => framework.count('FrameworkRegistered') === 1);
      const after = await readSnapshot(cluster, agentIds);
      expect(after.metrics['master/frameworks_connected'], 'the registration was handled').to.equal(1);
    } finally {
      await cluster.host.stop();
    }
  });
});
