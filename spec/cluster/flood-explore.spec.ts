import { UPID } from '../../lib/actor';
import { Resources } from '../../lib/resources';
import { dispatch } from '../../lib/actor';
import { FLOOD_MASTER_ADDRESS, FloodPeer, OneTaskJob, startFloodCluster } from './flood';

describe('flood explore', function () {
  this.timeout(600_000);
  for (const [count, flags] of JSON.parse(process.env.FLOOD_CASES ?? '[[10000, {}]]') as Array<[number, Record<string, unknown>]>) {
    it(`count=${count} flags=${JSON.stringify(flags)}`, async () => {
      const wall0 = Date.now(); const cpu0 = process.cpuUsage();
      const cluster = await startFloodCluster('cpus:4;mem:4096', flags);
      const flood = new FloodPeer(UPID.parse(`master@${FLOOD_MASTER_ADDRESS}`), count, 3_000);
      cluster.peerHost.spawn(flood);
      await cluster.clock.advance(3_000);
      const tFlood = Date.now();
      const job = new OneTaskJob(FLOOD_MASTER_ADDRESS, 'exit 0', Resources.parse('cpus:1;mem:128'));
      cluster.legitHost.spawn(job);
      let waited = 0;
      while (job.finishedAtMs === undefined && waited < Number(process.env.FLOOD_MAX_MS ?? 600_000)) { await cluster.clock.advance(1_000); waited += 1_000; }
      const metrics = await dispatch(cluster.master.master, (m) => m.metrics());
      const alloc = await cluster.master.allocator.metrics();
      const cpu = process.cpuUsage(cpu0);
      console.log(JSON.stringify({ count, flags, jobMs: job.finishedAtMs === undefined ? 'never' : job.finishedAtMs - job.startedAtMs, statuses: job.statuses, tally: flood.tally,
        frameworks: metrics['master/frameworks_connected'], offers: metrics['master/outstanding_offers'], alloc, floodWallMs: tFlood - wall0, wallMs: Date.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000 }));
      await cluster.network.stop();
    });
  }
});
