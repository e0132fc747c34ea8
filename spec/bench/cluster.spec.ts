import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, startLocalCluster } from '../../bench/cluster';

// bench:cluster and bench:http start mesos-local as a user would (--switch_user on, its default), not through the test
// kit's startBin (which turns it off): their frameworks named the made-up user 'bench', and every task failed with
// "no user 'bench' on this machine" from 2026-12-05's --switch_user until the read of the change found it.
describe('bench:cluster (real processes, mesos-local with its defaults)', function () {
  this.timeout(60_000);

  it('runs its tasks: none fails on a machine with only its own users', async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
    const { child, master } = await startLocalCluster(workDir);
    try {
      const figures = await run(master, 'smoke', 20, 5);
      expect(figures.failed).to.equal(0);
      expect(figures.tasks_per_s).to.be.greaterThan(0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });
});
